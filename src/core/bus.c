/*
 * bus.c — the in-process event bus: a fixed table of subscribers called
 * synchronously on the control thread. A subscriber that unsubscribes
 * (itself or another) from inside a handler is safe: its slot is emptied
 * and the walk skips it.
 */
#include <errno.h>
#include <stdlib.h>
#include "bus.h"
#include "ids.h"

enum { BUS_MAX = 16 };

struct subscriber {
	bus_event_h *h;
	void *arg;
};

struct bus {
	struct subscriber subs[BUS_MAX];
};

int bus_alloc(struct bus **bp)
{
	*bp = calloc(1, sizeof(**bp));
	return *bp ? 0 : ENOMEM;
}

void bus_free(struct bus *b)
{
	free(b);
}

int bus_subscribe(struct bus *b, bus_event_h *h, void *arg)
{
	for (size_t i = 0; i < BUS_MAX; i++) {
		if (!b->subs[i].h) {
			b->subs[i] = (struct subscriber){h, arg};
			return 0;
		}
	}
	return ENOSPC;
}

void bus_unsubscribe(struct bus *b, bus_event_h *h, void *arg)
{
	for (size_t i = 0; b && i < BUS_MAX; i++) {
		if (b->subs[i].h == h && b->subs[i].arg == arg)
			b->subs[i] = (struct subscriber){NULL, NULL};
	}
}

void bus_publish(struct bus *b, const char *tenant_id, const char *type,
		 json_t *data)
{
	int64_t at = now_ms();

	for (size_t i = 0; b && data && i < BUS_MAX; i++) {
		if (b->subs[i].h)
			b->subs[i].h(tenant_id, type, at, data,
				     b->subs[i].arg);
	}
	json_decref(data);
}
