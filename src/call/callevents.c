/*
 * callevents.c — what a call in a queue tells the event bus (core/bus.h)
 * about its agent's part: the description for the screen pop (caller,
 * callee, the IVR's variables and path), and the agent's call answered
 * and ended. Payloads are documented in docs/ws.md.
 */
#include "../core/libre.h"
#include "b2bua.h"
#include "call.h"
#include "../core/bus.h"
#include "../ivr/ivr.h"

/* Text from the network (a SIP display name may be in another charset)
   goes out only as UTF-8: "" when it is not. */
static void set_text(json_t *obj, const char *key, const char *s)
{
	json_t *v = json_string(s);

	json_object_set_new(obj, key, v ? v : json_string(""));
}

json_t *callevent_describe(void *arg)
{
	const struct call *call = arg;
	json_t *pop = call->ivr ? ivr_screen_pop(call->ivr) : NULL;
	json_t *d = json_object();

	set_text(d, "caller", call->caller);
	set_text(d, "caller_name", call->caller_name);
	set_text(d, "callee", call->callee);
	set_text(d, "direction", call->direction);
	json_object_set_new(d, "start_at", json_integer(call->start_ms));
	if (!pop)
		pop = json_pack("{s:o,s:o}", "variables", json_object(),
				"ivr_path", json_array());
	json_object_update(d, pop);
	json_decref(pop);
	return d;
}

static struct bus *bus_of(const struct call *call)
{
	return b2bua_deps(call->b2bua)->bus;
}

void callevent_answered(struct call *call)
{
	json_t *d;

	if (!bus_of(call))
		return;
	d = callevent_describe(call);
	json_object_set_new(d, "call_id", json_string(call->id));
	json_object_set_new(d, "queue_id", json_string(call->queue_id));
	json_object_set_new(d, "agent_id", json_string(call->agent_id));
	json_object_set_new(d, "agent_no", json_string(call->agent_no));
	bus_publish(bus_of(call), call->tenant_id, "call.answered", d);
}

void callevent_ended(struct call *call)
{
	int64_t answered = call->winner ? call->winner->answer_ms : 0;
	int64_t end = call->end_ms ? call->end_ms : now_ms();
	json_t *d;

	if (!call->agent_id[0] || !bus_of(call))
		return;
	d = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "call_id", call->id,
		      "queue_id", call->queue_id, "agent_id", call->agent_id,
		      "agent_no", call->agent_no, "end_status",
		      call->end_status ? call->end_status : "transferred",
		      "hangup_side", call->hangup_side ? call->hangup_side : "",
		      "talk_ms", (json_int_t)(answered ? end - answered : 0));
	if (d)
		set_text(d, "caller", call->caller);
	bus_publish(bus_of(call), call->tenant_id, "call.ended", d);
}
