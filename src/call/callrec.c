/*
 * callrec.c — recording a call as its tenant's policy says (src/record):
 * decided when the call is answered, the tap put on the customer's leg
 * (left: the customer — the caller, or the outside party of an outbound
 * call; right: whoever that leg is bridged to), stopped when the call
 * ends; or started, paused, resumed and stopped from the API while the
 * call is up (each start is a new file). The file and its row are the
 * recordings service's.
 */
#include <errno.h>
#include <string.h>
#include "../core/libre.h"
#include "b2bua.h"
#include "call.h"
#include "../core/log.h"
#include "../media/recorder.h"
#include "../record/record.h"

/* The leg whose far end is the customer. */
static struct leg *customer_leg(const struct call *call)
{
	if (!strcmp(call->direction, "outbound"))
		return call->winner;
	return call->a;
}

static void decide(const struct call *call, struct record_choice *ch)
{
	bool out = !strcmp(call->direction, "outbound");
	bool in = !strcmp(call->direction, "inbound");

	record_decide(b2bua_deps(call->b2bua)->dir, &(struct record_call){
		.tenant_id = call->tenant_id, .direction = call->direction,
		.extensions = {in ? NULL : call->caller,
			       out || !call->winner ? NULL
						    : call->winner->endpoint},
		.trunk_id = call->trunk_id}, ch);
}

static int begin(struct call *call, const struct record_choice *ch)
{
	const struct b2bua_deps *deps = b2bua_deps(call->b2bua);
	struct leg *customer = customer_leg(call);
	struct recorder *r;
	int err;

	if (!deps->recs || !customer || !customer->ep)
		return ENOTSUP;
	err = recordings_start(deps->recs, ch, call->tenant_id, call->id,
			       NULL, ++call->rec_seq, &call->rec);
	if (err)
		return err;
	call->rec_leg = customer;
	call->rec_paused = false;
	r = recording_recorder(call->rec);
	if (media_record(customer->ep, r))
		recorder_detach(r);    /* the media thread will never have it */
	log_info("call", "call %s: recording (%s)", call->id, ch->why);
	return 0;
}

void callrec_start(struct call *call)
{
	struct record_choice ch;
	int err;

	if (call->rec)
		return;
	decide(call, &ch);
	if (!ch.record)
		return;
	err = begin(call, &ch);
	if (err)
		log_warn("call", "call %s: cannot record: %s", call->id,
			 strerror(err));
}

/* From the API: "start" (the tenant's format and mode), "pause",
   "resume", "stop". EALREADY: nothing to do (already so); EPERM: the
   call is not answered. */
int callrec_control(struct call *call, const char *action)
{
	struct record_choice ch;

	if (call->ended || !call->answer_ms || !call->winner)
		return EPERM;
	if (!strcmp(action, "start")) {
		if (call->rec)
			return EALREADY;
		decide(call, &ch);
		ch.record = true;
		ch.why = "api";
		return begin(call, &ch);
	}
	if (!call->rec)
		return EALREADY;
	if (!strcmp(action, "stop")) {
		callrec_stop(call);
		return 0;
	}
	if (!strcmp(action, "pause") || !strcmp(action, "resume")) {
		if (call->rec_paused == !strcmp(action, "pause"))
			return EALREADY;
		call->rec_paused = !call->rec_paused;
		recording_pause(call->rec, call->rec_paused);
		return 0;
	}
	return EINVAL;
}

const char *callrec_state(const struct call *call)
{
	if (!call->rec)
		return "off";
	return call->rec_paused ? "paused" : "recording";
}

const char *callrec_id(const struct call *call)
{
	return call->rec ? recording_id(call->rec) : NULL;
}

void callrec_stop(struct call *call)
{
	if (!call->rec)
		return;
	if (call->rec_leg && call->rec_leg->state != LEG_ENDED)
		media_record_stop(call->rec_leg->ep);
	recording_stop(call->rec, NULL, NULL);
	call->rec = NULL;
	call->rec_leg = NULL;
}
