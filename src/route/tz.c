/*
 * tz.c — UTC offsets of a zone from its TZif file (RFC 8536): the 64-bit
 * transition table of version 2+ files (version 1 files: the 32-bit one).
 * Times after the last transition keep its offset: Debian's tzdata files
 * list transitions up to 2037, so rules only matter beyond that.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tz.h"

struct tz {
	int64_t *when;      /* transition times, ascending */
	uint8_t *type;      /* type index of each transition */
	size_t n;
	int32_t *offs;      /* UT offset of each type */
	size_t ntypes;
	int32_t initial;    /* before the first transition */
};

enum { TZ_MAX_FILE = 1 << 20 };

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_hdr {
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int read_hdr(const uint8_t *p, size_t len, struct tzif_hdr *h)
{
	if (len < 44 || memcmp(p, "TZif", 4))
		return EINVAL;
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (!h->typecnt || h->typecnt > 256 || h->timecnt > 100000)
		return EINVAL;
	return 0;
}

static size_t block_len(const struct tzif_hdr *h, size_t tsize)
{
	return h->timecnt * tsize + h->timecnt + h->typecnt * 6 + h->charcnt +
	       h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

/* Parses the data block at p (tsize 4 or 8 bytes per time). */
static int parse_block(struct tz *tz, const struct tzif_hdr *h,
		       const uint8_t *p, size_t len, size_t tsize)
{
	const uint8_t *types, *infos;

	if (len < block_len(h, tsize))
		return EINVAL;
	tz->n = h->timecnt;
	tz->ntypes = h->typecnt;
	tz->when = calloc(tz->n + 1, sizeof(*tz->when));
	tz->type = calloc(tz->n + 1, 1);
	tz->offs = calloc(tz->ntypes, sizeof(*tz->offs));
	if (!tz->when || !tz->type || !tz->offs)
		return ENOMEM;
	types = p + tz->n * tsize;
	infos = types + tz->n;
	for (size_t i = 0; i < tz->n; i++) {
		tz->when[i] = tsize == 8 ? be64(p + i * 8)
				: (int32_t)be32(p + i * 4);
		tz->type[i] = types[i];
		if (types[i] >= tz->ntypes)
			return EINVAL;
	}
	for (size_t i = 0; i < tz->ntypes; i++)
		tz->offs[i] = (int32_t)be32(infos + i * 6);
	tz->initial = tz->offs[0];
	return 0;
}

static int parse(struct tz *tz, const uint8_t *p, size_t len)
{
	struct tzif_hdr h;
	size_t skip;
	int err = read_hdr(p, len, &h);

	if (err)
		return err;
	if (p[4] < '2')
		return parse_block(tz, &h, p + 44, len - 44, 4);
	skip = 44 + block_len(&h, 4);
	if (skip > len)
		return EINVAL;
	p += skip;
	len -= skip;
	err = read_hdr(p, len, &h);
	return err ? err : parse_block(tz, &h, p + 44, len - 44, 8);
}

static int read_file(const char *path, uint8_t **bufp, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t len;

	if (!f)
		return errno;
	buf = malloc(TZ_MAX_FILE);
	if (!buf) {
		fclose(f);
		return ENOMEM;
	}
	len = fread(buf, 1, TZ_MAX_FILE, f);
	fclose(f);
	*bufp = buf;
	*lenp = len;
	return 0;
}

int tz_load(struct tz **tzp, const char *name)
{
	char path[256];
	uint8_t *buf = NULL;
	size_t len = 0;
	struct tz *tz;
	int err;

	if (!tzp || !name || !*name || name[0] == '/' || strstr(name, ".."))
		return EINVAL;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	err = read_file(path, &buf, &len);
	if (err)
		return err;
	tz = calloc(1, sizeof(*tz));
	err = tz ? parse(tz, buf, len) : ENOMEM;
	free(buf);
	if (err) {
		tz_free(tz);
		return err;
	}
	*tzp = tz;
	return 0;
}

void tz_free(struct tz *tz)
{
	if (!tz)
		return;
	free(tz->when);
	free(tz->type);
	free(tz->offs);
	free(tz);
}

int32_t tz_offset(const struct tz *tz, int64_t utc_s)
{
	size_t lo = 0, hi;

	if (!tz)
		return 0;
	if (!tz->n || utc_s < tz->when[0])
		return tz->initial;
	hi = tz->n;
	/* the last transition at or before utc_s */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (tz->when[mid] <= utc_s)
			lo = mid;
		else
			hi = mid;
	}
	return tz->offs[tz->type[lo]];
}

/* Days since 1970-01-01 to civil date (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

void tz_civil(int64_t utc_s, int32_t offset, struct tz_civil *out)
{
	int64_t t = utc_s + offset;
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t secs = t - days * 86400;

	civil_from_days(days, &out->year, &out->month, &out->day);
	/* 1970-01-01 was a Thursday (4) */
	out->wday = (int)(((days % 7) + 7 + 3) % 7) + 1;
	out->minute = (int)(secs / 60);
}
