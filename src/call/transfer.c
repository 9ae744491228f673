/*
 * transfer.c — call transfer by REFER (RFC 3515). Blind: the party who
 * sends it leaves and the other is connected to the target extension.
 * Attended (RFC 3891 Replaces in the Refer-To): the transferor has a
 * second call (the consultation) with the target; its two parties are
 * joined and the transferor leaves both calls. The transferor is told
 * how it went with a sipfrag NOTIFY. In-call `##`+extension (ippbx.md
 * §2.9): the party who keys it (RFC 4733 events) transfers the other one
 * blind, as if it had sent a REFER.
 */
#include <errno.h>
#include <string.h>
#include "../core/libre.h"
#include "b2bua.h"
#include "call.h"
#include "../core/log.h"
#include "../sip/directory.h"
#include "../sip/stack.h"

struct refer {
	struct pl user;          /* the target's number */
	struct pl replaces;      /* Call-ID of the consultation, or empty */
	char callid[128];        /* the same, unescaped */
};

/* The Refer-To: who, and for an attended transfer which dialog. */
static bool refer_decode(const struct sip_msg *msg, struct refer *r)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_REFER_TO);
	struct sip_addr addr;
	struct pl hdrs, value;

	memset(r, 0, sizeof(*r));
	if (!h || sip_addr_decode(&addr, &h->val) ||
	    !pl_isset(&addr.uri.user))
		return false;
	r->user = addr.uri.user;
	hdrs = addr.uri.headers;
	if (re_regex(hdrs.p, hdrs.l, "Replaces=[^&]+", &value) &&
	    re_regex(hdrs.p, hdrs.l, "replaces=[^&]+", &value))
		return true;
	/* Replaces=<call-id>;to-tag=..;from-tag=.. escaped in the URI */
	if (re_snprintf(r->callid, sizeof(r->callid), "%H",
			uri_header_unescape, &value) < 0)
		return false;
	char *semi = strchr(r->callid, ';');

	if (semi)
		*semi = '\0';
	pl_set_str(&r->replaces, r->callid);
	return r->callid[0] != '\0';
}

static void notify_closed(int err, const struct sip_msg *msg, void *arg)
{
	(void)err;
	(void)msg;
	(void)arg;
}

/* Accepts the REFER (202) and tells the transferor it worked, ending the
   implicit subscription. */
static int notify_transferor(struct call *call, const struct sip_msg *msg,
			     struct leg *transferor)
{
	struct sipnot *not = NULL;
	int err = sipevent_accept(&not, b2bua_evsock(call->b2bua), msg,
				  sipsess_dialog(transferor->sess), NULL, 202,
				  "Accepted", 60, 60, 60, "hotline",
				  "message/sipfrag", NULL, NULL, false,
				  notify_closed, NULL, "");

	if (err)
		return err;
	sipevent_notifyf(not, NULL, SIPEVENT_TERMINATED, SIPEVENT_NORESOURCE,
			 0, "SIP/2.0 200 OK\r\n");
	mem_deref(not);
	return 0;
}

/* The transferor hangs up; the transferee becomes the call's first leg
   (the caller's leg joins the others, for the record). */
static void transferor_leaves(struct call *call, struct leg *transferor,
			      struct leg *transferee)
{
	leg_stop(transferor, 0, NULL);
	transferor->sess = mem_deref(transferor->sess);   /* BYE */
	media_unbridge(transferee->ep);
	if (transferor == call->a) {
		list_unlink(&transferee->le);
		list_append(&call->blegs, &transferor->le, transferor);
	}
	call->a = transferee;
	call->winner = NULL;
}

void transfer_release(struct leg *transferor)
{
	transferor_leaves(transferor->call, transferor,
			  call_other_leg(transferor));
}

static const struct dir_extension *extension_of(const struct call *call,
					       const struct pl *number)
{
	const struct dir_extension *ext =
		directory_extension(b2bua_deps(call->b2bua)->dir,
				    call->tenant_id, number);

	return ext && ext->enabled ? ext : NULL;
}

/* The transferor leaves; the other party rings the target. */
static void transfer_to(struct leg *transferor,
			const struct dir_extension *target)
{
	struct call *call = transferor->call;
	struct leg *transferee = call_other_leg(transferor);

	transferor_leaves(call, transferor, transferee);
	str_ncpy(call->callee, target->number, sizeof(call->callee));
	if (!call_ring_extension(call, target)) {
		call_end(call, "transfer_failed", "system", 480,
			 "Temporarily Unavailable");
		return;
	}
	call_start_ring_timer(call);
	log_info("call", "call %s: %s transfers %s to %s", call->id,
		 transferor->endpoint, transferee->endpoint, target->number);
}

int transfer_blind_to(struct leg *transferor, const char *number)
{
	const struct dir_extension *target;
	struct pl num;

	pl_set_str(&num, number);
	target = extension_of(transferor->call, &num);
	if (!target)
		return ENOENT;
	transfer_to(transferor, target);
	return 0;
}

static void blind(struct sip *sip, const struct sip_msg *msg,
		  struct leg *transferor, const struct refer *r)
{
	const struct dir_extension *target =
		extension_of(transferor->call, &r->user);

	if (!target) {
		sip_reply(sip, msg, 404, "Not Found");
		return;
	}
	if (notify_transferor(transferor->call, msg, transferor)) {
		sip_reply(sip, msg, 500, "Server Internal Error");
		return;
	}
	transfer_to(transferor, target);
}

/* ---- in-call ## + extension ---- */

enum { DTMF_GAP_MS = 3000 };

static void keyed_transfer(struct leg *leg)
{
	struct call *call = leg->call;
	const struct dir_extension *target;
	char digits[sizeof(leg->keys)];
	struct pl number;

	str_ncpy(digits, leg->keys + 2, sizeof(digits));
	leg->keys[0] = '\0';
	pl_set_str(&number, digits);
	if (call->ended || leg->state != LEG_ANSWERED ||
	    !call_other_leg(leg) || !number.l)
		return;
	target = extension_of(call, &number);
	if (!target) {
		log_info("call", "call %s: %s keyed ##%s: no such extension",
			 call->id, leg->endpoint, digits);
		return;
	}
	transfer_to(leg, target);
}

static void keys_timeout(void *arg)
{
	keyed_transfer(arg);
}

void transfer_key(struct leg *leg, char digit)
{
	size_t n = strlen(leg->keys);

	if (leg->call->ended || !leg->call->answer_ms)
		return;
	/* Only a sequence that starts with ## is ours. */
	if ((n < 2 && digit != '#') || n + 1 >= sizeof(leg->keys)) {
		leg->keys[0] = '\0';
		tmr_cancel(&leg->keys_tmr);
		return;
	}
	if (n >= 3 && digit == '#') {           /* ##123# */
		tmr_cancel(&leg->keys_tmr);
		keyed_transfer(leg);
		return;
	}
	if (n >= 2 && (digit < '0' || digit > '9')) {
		leg->keys[0] = '\0';
		tmr_cancel(&leg->keys_tmr);
		return;
	}
	leg->keys[n] = digit;
	leg->keys[n + 1] = '\0';
	if (n + 1 > 2)
		tmr_start(&leg->keys_tmr, DTMF_GAP_MS, keys_timeout, leg);
}

/* Takes `leg` out of its (ending) call into `call` as the answering
   party. */
static void adopt_leg(struct call *call, struct leg *leg)
{
	struct call *from = leg->call;

	if (from->a == leg)
		from->a = NULL;
	else
		list_unlink(&leg->le);
	if (from->winner == leg)
		from->winner = NULL;
	leg->call = call;
	id_new(leg->id);          /* a new row: the old one is in from's record */
	leg->outgoing = true;
	leg->state = LEG_ANSWERED;
	leg->end_ms = 0;
	list_append(&call->blegs, &leg->le, leg);
	call->winner = leg;
	stimer_start(leg);
}

static void attended(struct sip *sip, const struct sip_msg *msg,
		     struct leg *transferor, const struct refer *r)
{
	struct call *call = transferor->call;
	struct leg *transferee = call_other_leg(transferor);
	struct leg *consult = b2bua_find_leg(call->b2bua, call->tenant_id,
					     &r->replaces);
	struct leg *target;
	struct call *call2;

	/* The consultation must be the transferor's own other call. */
	if (!consult || consult->call == call || consult->state == LEG_ENDED ||
	    strcmp(consult->endpoint, transferor->endpoint)) {
		sip_reply(sip, msg, 481, "Call Does Not Exist");
		return;
	}
	call2 = consult->call;
	target = call_other_leg(consult);
	if (!target || target->state != LEG_ANSWERED) {
		sip_reply(sip, msg, 603, "Consultation Not Answered");
		return;
	}
	if (notify_transferor(call, msg, transferor)) {
		sip_reply(sip, msg, 500, "Server Internal Error");
		return;
	}
	transferor_leaves(call, transferor, transferee);
	/* The consultation's record is written as it stands; its other
	   party then carries on in this call. */
	call_end(call2, "transferred", consult->outgoing ? "callee" : "caller",
		 0, NULL);
	adopt_leg(call, target);
	call_bridge(call, target);
	log_info("call", "call %s: %s joins %s and %s (attended transfer, "
		 "call %s)", call->id, transferor->endpoint,
		 transferee->endpoint, target->endpoint, call2->id);
}

void transfer_refer(struct sip *sip, const struct sip_msg *msg, void *arg)
{
	struct leg *transferor = arg;
	struct call *call = transferor->call;
	struct refer r;

	if (call->ended || !call->answer_ms || !call_other_leg(transferor)) {
		sip_reply(sip, msg, 603, "Decline");
		return;
	}
	if (!refer_decode(msg, &r)) {
		sip_reply(sip, msg, 400, "Bad Refer-To");
		return;
	}
	if (pl_isset(&r.replaces))
		attended(sip, msg, transferor, &r);
	else
		blind(sip, msg, transferor, &r);
}
