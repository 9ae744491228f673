/*
 * cidr.h — IPv4/IPv6 CIDR blocks: validation and allow-list matching,
 * shared by the API (tenant allow-lists) and SIP (extension sources, peer
 * trunks).
 */
#ifndef HOTLINE_CIDR_H
#define HOTLINE_CIDR_H

#include <jansson.h>
#include <stdbool.h>

bool cidr_valid(const char *cidr);
/* An empty list allows everyone; IPv4-mapped IPv6 matches IPv4 blocks. */
bool cidr_list_allows(json_t *cidrs, const char *ip);

#endif
