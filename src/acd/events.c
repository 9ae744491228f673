/*
 * events.c — what the ACD tells the event bus (core/bus.h): an agent's
 * change of state, a call offered to an agent (with what the call says
 * about itself for the screen pop), and calls joining and leaving queues
 * for the live boards. Payloads are documented in docs/ws.md.
 */
#include "internal.h"
#include "../core/bus.h"
#include "../sip/directory.h"

static const char *agent_no_of(const struct acd *acd, const char *tenant_id,
			       const char *agent_id)
{
	const struct dir_agent *da = directory_agent(acd->dir, tenant_id,
						     agent_id);

	return da ? da->agent_no : "";
}

void acd_event_agent(const struct acd_agent *a, enum acd_agent_state to,
		     int64_t at)
{
	if (!a->acd->bus)
		return;
	bus_publish(a->acd->bus, a->tenant_id, "agent.state", json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:I}", "agent_id", a->id, "agent_no",
		agent_no_of(a->acd, a->tenant_id, a->id), "state",
		acd_state_name(to), "previous", acd_state_name(a->state),
		"reason", a->reason, "at", (json_int_t)at));
}

void acd_event_offered(const struct acd_entry *e, const struct dir_queue *dq)
{
	struct acd *acd = e->acd;
	json_t *call;

	if (!acd->bus)
		return;
	call = e->ops->describe ? e->ops->describe(e->arg) : NULL;
	if (!call)
		call = json_object();
	json_object_set_new(call, "call_id", json_string(e->call_id));
	json_object_set_new(call, "queue_id", json_string(dq->id));
	json_object_set_new(call, "queue_name", json_string(dq->name));
	json_object_set_new(call, "ring_timeout_s",
			    json_integer(dq->ring_timeout_s));
	json_object_set_new(call, "waited_ms",
			    json_integer(now_ms() - e->entered));
	for (size_t i = 0; i < e->nrung; i++) {
		json_t *ev = json_deep_copy(call);

		json_object_set_new(ev, "agent_id",
				    json_string(e->rung[i]->id));
		json_object_set_new(ev, "agent_no", json_string(agent_no_of(
			acd, dq->tenant_id, e->rung[i]->id)));
		bus_publish(acd->bus, dq->tenant_id, "call.offered", ev);
	}
	json_decref(call);
}

void acd_event_queue(const struct acd_entry *e, const char *type,
		     const char *outcome)
{
	struct acd *acd = e->acd;
	const struct dir_queue *dq;
	const struct acd_entry *first;
	size_t waiting;

	if (!acd->bus)
		return;
	dq = directory_queue(acd->dir, e->q->tenant_id, e->q->id);
	waiting = list_count(&e->q->waiting);
	if (outcome && waiting)          /* e leaves: not counted */
		waiting--;
	first = list_ledata(list_head(&e->q->waiting));
	if (outcome && first == e)
		first = list_ledata(e->le.next);
	bus_publish(acd->bus, e->q->tenant_id, type, json_pack(
		"{s:s,s:s,s:s,s:s?,s:I,s:I,s:I}", "queue_id", e->q->id,
		"queue_name", dq ? dq->name : "", "call_id", e->call_id,
		"outcome", outcome, "waiting", (json_int_t)waiting,
		"waited_ms", (json_int_t)(now_ms() - e->entered),
		"longest_wait_ms",
		(json_int_t)(first ? now_ms() - first->entered : 0)));
}
