/*
 * tz.h — time zones without TZ: a zone's UTC offsets read once from the
 * system's zoneinfo (TZif) file, then looked up by any thread. See
 * docs/decisions.md ("Time zones of time groups").
 */
#ifndef HOTLINE_ROUTE_TZ_H
#define HOTLINE_ROUTE_TZ_H

#include <stdint.h>

struct tz;

/* name: an IANA zone ("Asia/Shanghai"); reads /usr/share/zoneinfo/NAME.
   Touches the disk: not on the control thread. */
int  tz_load(struct tz **tzp, const char *name);
void tz_free(struct tz *tz);
/* Seconds east of UTC at the UTC time `utc_s`; 0 for a NULL zone. */
int32_t tz_offset(const struct tz *tz, int64_t utc_s);

/* Civil time of a UTC time shifted by an offset. wday: 1 Monday .. 7 Sunday
   (ISO 8601), minute: minutes since local midnight. */
struct tz_civil {
	int year, month, day, wday, minute;
};
void tz_civil(int64_t utc_s, int32_t offset, struct tz_civil *out);

#endif
