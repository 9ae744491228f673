/*
 * bus.h — the in-process event bus (ARCHITECTURE.md "Events are the
 * spine"): a module that changes state publishes one event — the tenant,
 * a type such as "agent.state", and a JSON object — and every subscriber
 * is called with it, in the order they subscribed, before publish
 * returns. Control thread only: no threads, no locks, no queue.
 */
#ifndef HOTLINE_CORE_BUS_H
#define HOTLINE_CORE_BUS_H

#include <jansson.h>
#include <stdint.h>

struct bus;

/* data is the publisher's: a handler that keeps it takes a reference. */
typedef void (bus_event_h)(const char *tenant_id, const char *type,
			   int64_t at, json_t *data, void *arg);

int  bus_alloc(struct bus **bp);
void bus_free(struct bus *b);
/* ENOSPC when the bus has no room for another subscriber. */
int  bus_subscribe(struct bus *b, bus_event_h *h, void *arg);
void bus_unsubscribe(struct bus *b, bus_event_h *h, void *arg);
/* Takes over data (NULL is tolerated: nothing is published). A NULL bus
   drops the event, so modules run without one (unit tests). */
void bus_publish(struct bus *b, const char *tenant_id, const char *type,
		 json_t *data);

#endif
