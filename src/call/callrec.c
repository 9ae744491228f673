/*
 * callrec.c — recording a call as its tenant's policy says (src/record):
 * decided when the call is answered, the tap put on the customer's leg
 * (left: the customer — the caller, or the outside party of an outbound
 * call; right: whoever that leg is bridged to), stopped when the call
 * ends. The file and its row are the recordings service's.
 */
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

void callrec_start(struct call *call)
{
	const struct b2bua_deps *deps = b2bua_deps(call->b2bua);
	bool out = !strcmp(call->direction, "outbound");
	bool in = !strcmp(call->direction, "inbound");
	struct leg *customer = customer_leg(call);
	struct record_choice ch;
	struct recorder *r;
	int err;

	if (call->rec || !deps->recs || !customer || !customer->ep)
		return;
	record_decide(deps->dir, &(struct record_call){
		.tenant_id = call->tenant_id, .direction = call->direction,
		.extensions = {in ? NULL : call->caller,
			       out || !call->winner ? NULL
						    : call->winner->endpoint},
		.trunk_id = call->trunk_id}, &ch);
	if (!ch.record)
		return;
	err = recordings_start(deps->recs, &ch, call->tenant_id, call->id,
			       NULL, ++call->rec_seq, &call->rec);
	if (err) {
		log_warn("call", "call %s: cannot record: %s", call->id,
			 strerror(err));
		return;
	}
	r = recording_recorder(call->rec);
	if (media_record(customer->ep, r))
		recorder_detach(r);    /* the media thread will never have it */
	log_info("call", "call %s: recording (%s)", call->id, ch.why);
}

void callrec_pause(struct call *call, bool paused)
{
	if (call->rec)
		recording_pause(call->rec, paused);
}

void callrec_stop(struct call *call)
{
	if (!call->rec)
		return;
	recording_stop(call->rec, NULL, NULL);
	call->rec = NULL;
}
