/*
 * call.c — life and death of calls and legs: creation, ending with the
 * right status and hang-up side, and clean-up off the SIP handlers' stack
 * (every session is released from a timer, never inside its own handler).
 */
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "../acd/acd.h"
#include "b2bua.h"
#include "call.h"
#include "../ivr/ivr.h"
#include "../core/log.h"

struct call *call_new(struct b2bua *b, const char *tenant_id)
{
	struct call *call = calloc(1, sizeof(*call));

	if (!call)
		return NULL;
	call->b2bua = b;
	id_new(call->id);
	str_ncpy(call->tenant_id, tenant_id, sizeof(call->tenant_id));
	str_ncpy(call->direction, "internal", sizeof(call->direction));
	call->start_ms = now_ms();
	tmr_init(&call->ring_tmr);
	tmr_init(&call->cleanup_tmr);
	tmr_init(&call->noanswer_tmr);
	list_init(&call->blegs);
	return call;
}

struct leg *leg_new(struct call *call, bool outgoing)
{
	struct leg *leg = calloc(1, sizeof(*leg));

	if (!leg)
		return NULL;
	leg->call = call;
	leg->outgoing = outgoing;
	id_new(leg->id);
	leg->start_ms = now_ms();
	leg->state = LEG_TRYING;
	tmr_init(&leg->st.tmr);
	tmr_init(&leg->keys_tmr);
	if (outgoing)
		list_append(&call->blegs, &leg->le, leg);
	else
		call->a = leg;
	return leg;
}

struct leg *leg_new_aside(struct call *call)
{
	struct leg *leg = leg_new(call, true);

	if (leg)
		list_unlink(&leg->le);
	return leg;
}

static void phone_in_use(struct leg *leg, bool on)
{
	struct acd *acd = b2bua_deps(leg->call->b2bua)->acd;

	if (acd && leg->in_use[0])
		acd_phone_in_use(acd, leg->call->tenant_id, leg->in_use, on);
}

void leg_phone_in_use(struct leg *leg, const char *number)
{
	if (leg->in_use[0] || !number || !*number)
		return;
	str_ncpy(leg->in_use, number, sizeof(leg->in_use));
	phone_in_use(leg, true);
}

void legs_aside_free(struct list *legs)
{
	struct le *le;

	while ((le = list_head(legs))) {
		list_unlink(le);
		leg_free(le->data);
	}
}

void legs_aside_stop(struct list *legs, const struct leg *keep,
		     bool release)
{
	struct le *le;

	LIST_FOREACH(legs, le) {
		struct leg *leg = le->data;

		if (leg == keep)
			continue;
		leg_stop(leg, 487, "Request Terminated");
		if (release)
			leg->sess = mem_deref(leg->sess);
	}
}

bool legs_aside_over(const struct list *legs)
{
	struct le *le;

	LIST_FOREACH(legs, le) {
		if (((struct leg *)le->data)->state != LEG_ENDED)
			return false;
	}
	return true;
}

/* Stops a leg now: a final answer or BYE/CANCEL goes out when its session
   is released (in cleanup), the media stops, the figures are kept. */
void leg_stop(struct leg *leg, uint16_t code, const char *reason)
{
	if (!leg || leg->state == LEG_ENDED)
		return;
	phone_in_use(leg, false);
	leg->in_use[0] = '\0';
	stimer_stop(leg);
	tmr_cancel(&leg->keys_tmr);
	moh_stop(leg);
	if (leg->ep) {
		media_endpoint_stats(leg->ep, &leg->stats);
		media_unbridge(leg->ep);
	}
	if (!leg->sip_code && code) {
		leg->sip_code = code;
		str_ncpy(leg->sip_reason, reason ? reason : "",
			 sizeof(leg->sip_reason));
	}
	leg->state = LEG_ENDED;
	leg->end_ms = now_ms();
}

/* An incoming leg that was never answered gets this final answer. */
static void reject_unanswered(struct leg *a, uint16_t code, const char *reason)
{
	if (!a || !a->sess || a->answer_ms)
		return;
	sipsess_reject(a->sess, code ? code : 480,
		       reason && *reason ? reason : "Temporarily Unavailable",
		       NULL);
}

void leg_free(struct leg *leg)
{
	if (!leg)
		return;
	stimer_stop(leg);
	tmr_cancel(&leg->keys_tmr);
	moh_stop(leg);
	mem_deref(leg->sess);   /* sends BYE or CANCEL when still needed */
	media_endpoint_free(leg->ep);
	leg_sdp_reset(&leg->sdp);
	free(leg);
}

/* Frees the call and its legs now (normally from call_end's timer). */
void call_free(struct call *call)
{
	struct le *le;

	tmr_cancel(&call->ring_tmr);
	tmr_cancel(&call->cleanup_tmr);
	tmr_cancel(&call->noanswer_tmr);
	monitor_free(call->mon);
	consult_free(call->consult);
	originate_free(call->origin);
	while ((le = list_head(&call->blegs))) {
		list_unlink(le);
		leg_free(le->data);
	}
	leg_free(call->a);
	ivr_free(call->ivr);
	b2bua_forget(call->b2bua, call);
	free(call->out);
	free(call);
}

static void cleanup(void *arg);

const char *call_status_for_code(uint16_t code)
{
	switch (code) {
	case 486:
	case 600:
		return "busy";
	case 603:
		return "rejected";
	case 404:
	case 484:
	case 604:
		return "vacant";
	case 480:
		return "unavailable";
	case 408:
		return "no_answer";
	case 487:
		return "caller_cancelled";
	case 402:
		return "arrears";
	default:
		return code >= 500 ? "carrier_error" : "not_connected";
	}
}

/* Ends the call once: every leg stops, the record is written, and the
   memory goes on a timer so no SIP handler frees its own session. */
void call_end(struct call *call, const char *status, const char *side,
	      uint16_t code, const char *reason)
{
	struct le *le;

	if (call->ended)
		return;
	call->ended = true;
	call->end_ms = now_ms();
	call->end_status = status;
	call->hangup_side = side;
	call->sip_code = code;
	str_ncpy(call->sip_reason, reason ? reason : "",
		 sizeof(call->sip_reason));
	tmr_cancel(&call->ring_tmr);
	tmr_cancel(&call->noanswer_tmr);
	callrec_stop(call);
	ivr_stop(call->ivr);
	monitor_call_ended(call);
	consult_call_ended(call);
	originate_call_ended(call);
	queuecall_ended(call);
	conference_leave(call);
	voicemail_stop(call);
	call_prompt_cancel(call);
	reject_unanswered(call->a, code, reason);
	leg_stop(call->a, code, reason);
	LIST_FOREACH(&call->blegs, le)
		leg_stop(le->data, 0, NULL);
	log_info("call", "call %s %s -> %s ended: %s (%s, %u)", call->id,
		 call->caller, call->callee, status, side, code);
	cdr_write(call->b2bua, call);
	tmr_start(&call->cleanup_tmr, 0, cleanup, call);
}

static void cleanup(void *arg)
{
	call_free(arg);
}
