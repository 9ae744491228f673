/*
 * ids.c — UUIDv7 ids, random tokens and the wall clock.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "ids.h"

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool id_path_safe(const char *id)
{
	if (!id || !*id || strlen(id) > 64)
		return false;
	for (; *id; id++) {
		if (!(*id >= '0' && *id <= '9') && !(*id >= 'a' && *id <= 'z')
		    && !(*id >= 'A' && *id <= 'Z') && *id != '-')
			return false;
	}
	return true;
}

void random_hex(char *out, size_t nbytes)
{
	unsigned char buf[64];

	if (nbytes > sizeof(buf))
		nbytes = sizeof(buf);
	randombytes_buf(buf, nbytes);
	sodium_bin2hex(out, 2 * nbytes + 1, buf, nbytes);
}

void id_new(char out[ID_LEN])
{
	uint64_t ms = (uint64_t)now_ms();
	unsigned char b[16];

	randombytes_buf(b, sizeof(b));
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
	snprintf(out, ID_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}
