/*
 * throttle.c — login brute-force protection per source address.
 *
 * Within a 15-minute window, from the 5th failed login each further attempt
 * waits one second more (at most 5 s), and the 10th failure locks the
 * address out for 15 minutes. A successful login clears the count. The
 * table is bounded: the oldest entries make room for new addresses.
 */
#include <stdlib.h>
#include <string.h>
#include "throttle.h"
#include "../core/ids.h"
#include "../core/log.h"

enum {
	WINDOW_MS = 15 * 60 * 1000,
	LOCK_MS = 15 * 60 * 1000,
	SLOW_AFTER = 5,
	LOCK_AFTER = 10,
	MAX_DELAY_MS = 5000,
	MAX_ENTRIES = 4096,
};

struct entry {
	char ip[64];
	unsigned failures;
	int64_t first_failure;
	int64_t locked_until;
};

struct throttle {
	struct entry entries[MAX_ENTRIES];
	unsigned used;
};

int throttle_alloc(struct throttle **tp)
{
	*tp = calloc(1, sizeof(**tp));
	return *tp ? 0 : 12;
}

void throttle_free(struct throttle *t)
{
	free(t);
}

static struct entry *find(struct throttle *t, const char *ip)
{
	int64_t now = now_ms();

	for (unsigned i = 0; i < t->used; i++) {
		struct entry *e = &t->entries[i];

		if (strcmp(e->ip, ip))
			continue;
		if (e->locked_until <= now &&
		    now - e->first_failure > WINDOW_MS) {
			e->failures = 0;
			e->locked_until = 0;
		}
		return e;
	}
	return NULL;
}

static struct entry *find_or_add(struct throttle *t, const char *ip)
{
	struct entry *e = find(t, ip);
	unsigned oldest = 0;

	if (e)
		return e;
	if (t->used < MAX_ENTRIES) {
		e = &t->entries[t->used++];
	} else {
		for (unsigned i = 1; i < MAX_ENTRIES; i++) {
			if (t->entries[i].first_failure <
			    t->entries[oldest].first_failure)
				oldest = i;
		}
		e = &t->entries[oldest];
	}
	memset(e, 0, sizeof(*e));
	strncpy(e->ip, ip, sizeof(e->ip) - 1);
	return e;
}

bool throttle_locked(struct throttle *t, const char *ip)
{
	struct entry *e = find(t, ip);

	return e && e->locked_until > now_ms();
}

uint64_t throttle_delay_ms(struct throttle *t, const char *ip)
{
	struct entry *e = find(t, ip);
	uint64_t delay;

	if (!e || e->failures < SLOW_AFTER)
		return 0;
	delay = (uint64_t)(e->failures - SLOW_AFTER + 1) * 1000;
	return delay > MAX_DELAY_MS ? MAX_DELAY_MS : delay;
}

void throttle_result(struct throttle *t, const char *ip, bool failed)
{
	struct entry *e;

	if (!failed) {
		e = find(t, ip);
		if (e && e->locked_until <= now_ms())
			e->failures = 0;
		return;
	}
	e = find_or_add(t, ip);
	if (!e->failures)
		e->first_failure = now_ms();
	e->failures++;
	if (e->failures >= LOCK_AFTER && !e->locked_until) {
		e->locked_until = now_ms() + LOCK_MS;
		log_warn("auth", "address %s locked out after %u failed logins",
			 ip, e->failures);
	}
}
