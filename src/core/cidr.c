/*
 * cidr.c — IPv4/IPv6 CIDR blocks for allow-lists (see cidr.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cidr.h"

struct block {
	int family;
	unsigned char addr[16];
	int bits;
};

static bool parse_block(const char *text, struct block *b)
{
	char host[64];
	const char *slash = strchr(text, '/');
	size_t hlen = slash ? (size_t)(slash - text) : strlen(text);
	char *end;

	if (hlen == 0 || hlen >= sizeof(host))
		return false;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, b->addr) == 1)
		b->family = AF_INET;
	else if (inet_pton(AF_INET6, host, b->addr) == 1)
		b->family = AF_INET6;
	else
		return false;
	b->bits = b->family == AF_INET ? 32 : 128;
	if (slash) {
		long n = strtol(slash + 1, &end, 10);

		if (end == slash + 1 || *end || n < 0 || n > b->bits)
			return false;
		b->bits = (int)n;
	}
	return true;
}

bool cidr_valid(const char *cidr)
{
	struct block b;

	return parse_block(cidr, &b);
}

static bool block_contains(const struct block *net, const struct block *ip)
{
	int full = net->bits / 8, rest = net->bits % 8;

	if (net->family != ip->family)
		return false;
	if (memcmp(net->addr, ip->addr, (size_t)full))
		return false;
	if (!rest)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (net->addr[full] & mask) == (ip->addr[full] & mask);
}

/* An empty list allows everyone. IPv4-mapped IPv6 peers match IPv4 blocks. */
bool cidr_list_allows(json_t *cidrs, const char *ip)
{
	struct block peer, net;
	size_t i;
	json_t *v;

	if (json_array_size(cidrs) == 0)
		return true;
	if (!strncmp(ip, "::ffff:", 7) && strchr(ip + 7, '.'))
		ip += 7;
	if (!parse_block(ip, &peer))
		return false;
	json_array_foreach(cidrs, i, v) {
		if (json_is_string(v) && parse_block(json_string_value(v), &net)
		    && block_contains(&net, &peer))
			return true;
	}
	return false;
}
