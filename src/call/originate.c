/*
 * originate.c — calls the daemon places (click-to-call, tencent-ccc.md
 * §2.11): the caller's own phone rings first (every registered device of
 * the extension, showing the number to be called, answering by itself when
 * asked) and, once it answers, the number is dialled from that extension
 * as if the phone had dialled it: another extension with its features, or
 * an outside number through the outbound routes with the extension's dial
 * permission and the caller ID asked for (decision 65).
 *
 * Until the phone answers its devices are legs aside (LEG_ORIGIN) and the
 * call has no a leg; the device that answers becomes the a leg (an
 * outgoing dialog, already answered: nothing is answered to it later) and
 * hears ringback until the far end answers. A phone that does not answer
 * or refuses ends the call with a record whose a leg is the first device
 * rung. An agent places one on the phone they work on (the login's, else
 * the bound extension), auto-answering when the agent wants it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "../acd/acd.h"
#include "b2bua.h"
#include "call.h"
#include "../core/log.h"
#include "../sip/directory.h"

struct origin {
	struct list legs;          /* the phone's devices, ringing */
	struct tmr ring_tmr;       /* the phone not answering */
	char ext[33];              /* the extension placing the call */
	char number[64];           /* what it dials once answered */
	char caller_id[33];        /* asked for; "": the route's */
};

/* The tenant's extension with this number, or NULL. */
static const struct dir_extension *extension(const struct directory *dir,
					     const char *tenant_id,
					     const char *number)
{
	struct pl num;

	pl_set_str(&num, number);
	return directory_extension(dir, tenant_id, &num);
}

/* One of the phone's devices is the call's a leg from now on (it answered,
   or the call ended and its record needs one). */
static void becomes_a(struct call *call, struct leg *leg)
{
	list_unlink(&leg->le);
	leg->role = LEG_PARTY;
	leg->outgoing = false;
	call->a = leg;
}

void originate_free(struct origin *o)
{
	if (!o)
		return;
	tmr_cancel(&o->ring_tmr);
	legs_aside_free(&o->legs);
	free(o);
}

/* The call ends before the phone answered: the first device rung is the
   record's a leg; every device stops ringing. */
void originate_call_ended(struct call *call)
{
	struct origin *o = call->origin;
	struct le *le;

	if (!o)
		return;
	tmr_cancel(&o->ring_tmr);
	legs_aside_stop(&o->legs, NULL, true);
	le = list_head(&o->legs);
	if (!call->a && le)
		becomes_a(call, le->data);
}

static void phone_not_answering(void *arg)
{
	struct call *call = arg;

	log_info("call", "call %s: phone %s did not answer", call->id,
		 call->origin->ext);
	call_end(call, "no_answer", "caller", 480, "Phone Not Answered");
}

void originate_leg_closed(struct leg *leg, uint16_t code, const char *reason)
{
	struct call *call = leg->call;

	leg_stop(leg, code, reason);
	if (call->ended || call->a || !legs_aside_over(&call->origin->legs))
		return;
	call_end(call, call_status_for_code(code), "caller", code, reason);
}

void originate_answered(struct leg *leg)
{
	struct call *call = leg->call;
	struct origin *o = call->origin;
	struct media_sound *ringback = b2bua_tone(call->b2bua, "ringback");
	const struct dir_extension *from;

	tmr_cancel(&o->ring_tmr);
	becomes_a(call, leg);
	legs_aside_stop(&o->legs, NULL, true);
	leg->state = LEG_ANSWERED;
	leg->answer_ms = now_ms();
	call->a_answered_sdp = true;    /* nothing to answer it later */
	call->ring_ms_sent = true;
	leg_phone_in_use(leg, o->ext);
	log_info("call", "call %s: %s answered, dialling %s", call->id, o->ext,
		 o->number);
	if (ringback)
		(void)media_play(leg->ep, &(struct media_play){.sound = ringback});
	from = extension(b2bua_directory(call->b2bua), call->tenant_id,
			 o->ext);
	if (!from || !from->enabled) {
		call_end(call, "system_error", "system", 404,
			 "Extension Gone");
		return;
	}
	dispatch_dial(call, from, o->number, o->caller_id);
}

/* Whether `number` can be dialled from `from` now: an extension of the
   tenant, or a number an outbound route takes (*refusal: why not). */
static int dialable(const struct directory *dir,
		    const struct dir_extension *from,
		    const struct originate *r, bool *internal,
		    struct originate_refusal *refusal)
{
	struct outbound_decision *dec;
	int err;

	*internal = extension(dir, from->tenant_id, r->number) != NULL;
	if (*internal)
		return 0;
	dec = calloc(1, sizeof(*dec));
	if (!dec)
		return ENOMEM;
	err = route_outbound(dir, from, r->number, r->caller_id, now_ms(),
			     dec);
	if (!err && dec->refusal.code) {
		refusal->code = dec->refusal.code;
		refusal->status = dec->refusal.end_status;
		err = EACCES;
	}
	free(dec);
	return err;
}

int b2bua_originate(struct b2bua *b, const char *tenant_id,
		    const struct originate *r, char *call_id,
		    struct originate_refusal *refusal)
{
	const struct directory *dir = b2bua_directory(b);
	const struct dir_tenant *tenant = directory_tenant(dir, tenant_id);
	const struct dir_extension *from;
	struct origin *o;
	struct call *call;
	bool internal;
	int err;

	from = extension(dir, tenant_id, r->phone);
	if (!from || !from->enabled)
		return ENODEV;
	if (!strcmp(r->number, from->number))
		return ELOOP;
	if (tenant && tenant->max_calls &&
	    b2bua_count_tenant(b, tenant_id) >= tenant->max_calls)
		return EBUSY;
	err = dialable(dir, from, r, &internal, refusal);
	if (err)
		return err;
	o = calloc(1, sizeof(*o));
	call = o ? b2bua_add_call(b, tenant_id, internal ? "internal"
							  : "outbound",
				  from->number, from->display_name, r->number)
		 : NULL;
	if (!call) {
		free(o);
		return ENOMEM;
	}
	list_init(&o->legs);
	tmr_init(&o->ring_tmr);
	str_ncpy(o->ext, from->number, sizeof(o->ext));
	str_ncpy(o->number, r->number, sizeof(o->number));
	str_ncpy(o->caller_id, r->caller_id ? r->caller_id : "",
		 sizeof(o->caller_id));
	call->origin = o;
	str_ncpy(call_id, call->id, ID_LEN);
	if (!call_ring_placing(call, from, &o->legs, r->auto_answer,
			       r->number)) {
		call_end(call, "unavailable", "caller", 480,
			 "Phone Not Registered");
		return ENODEV;
	}
	tmr_start(&o->ring_tmr, b2bua_deps(b)->ring_timeout_ms,
		  phone_not_answering, call);
	log_info("call", "call %s: %s is rung to call %s", call->id,
		 from->number, r->number);
	return 0;
}

int b2bua_agent_dial(struct b2bua *b, const char *tenant_id,
		     const char *agent_id, const char *number,
		     const char *caller_id, char *call_id,
		     struct originate_refusal *refusal)
{
	const struct dir_agent *da = directory_agent(b2bua_directory(b),
						     tenant_id, agent_id);
	struct acd *acd = b2bua_deps(b)->acd;
	bool external = false;
	const char *phone;

	if (!da)
		return ENOENT;
	phone = acd ? acd_agent_works_on(acd, da, &external) : da->phone;
	if (external)
		return ENOTSUP;
	if (!*phone)
		return ENODEV;
	return b2bua_originate(b, tenant_id, &(struct originate){
		.phone = phone, .number = number, .caller_id = caller_id,
		.auto_answer = da->auto_answer}, call_id, refusal);
}
