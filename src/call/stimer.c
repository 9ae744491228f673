/*
 * stimer.c — SIP session timers (RFC 4028) on each leg. The INVITE's 2xx
 * fixes an interval and who refreshes: when it is us, we send an UPDATE
 * (or a re-INVITE when the far end does not allow UPDATE) every half
 * interval; when it is the far end and no refresh arrives in time, the
 * call ends with BYE on both sides ("session_expired").
 *
 * libre 1.1.0 answers re-INVITEs itself without extra headers, so a
 * refresh by re-INVITE gets a 2xx without Session-Expires, which by
 * RFC 4028 §10 ends the timer for both sides (the RTP timeout still ends
 * dead calls). UPDATE refreshes are answered here, with the header, so
 * the timer stays on.
 */
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "call.h"
#include "../core/log.h"

#define STIMER_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, " \
		     "NOTIFY, UPDATE"

enum {
	STIMER_MIN_SE = 90,        /* our Min-SE (RFC 4028 minimum) */
	STIMER_OFFER = 1800,       /* what we ask for on outgoing legs */
};

/* Session-Expires of a message: interval, and refresher ("uac"/"uas") if
   given. False when the header is absent or unreadable. */
static bool session_expires(const struct sip_msg *msg, uint32_t *interval,
			    struct pl *refresher)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_SESSION_EXPIRES);
	struct pl num;

	if (!h)
		h = sip_msg_xhdr(msg, "x");     /* compact form */
	if (!h || re_regex(h->val.p, h->val.l, "[ \t]*[0-9]+", NULL, &num))
		return false;
	*interval = pl_u32(&num);
	if (msg_param_decode(&h->val, "refresher", refresher))
		*refresher = pl_null;
	return *interval > 0;
}

static bool supports_timer(const struct sip_msg *msg)
{
	return sip_msg_hdr_has_value(msg, SIP_HDR_SUPPORTED, "timer") ||
	       sip_msg_hdr_has_value(msg, SIP_HDR_REQUIRE, "timer");
}

static bool allows_update(const struct sip_msg *msg)
{
	return sip_msg_hdr_has_value(msg, SIP_HDR_ALLOW, "UPDATE");
}

uint32_t stimer_too_small(const struct sip_msg *msg)
{
	uint32_t interval;
	struct pl refresher;

	if (session_expires(msg, &interval, &refresher) &&
	    interval < STIMER_MIN_SE)
		return STIMER_MIN_SE;
	return 0;
}

void stimer_reply_too_small(struct sip *sip, const struct sip_msg *msg)
{
	sip_treplyf(NULL, NULL, sip, msg, false, 422,
		    "Session Interval Too Small",
		    "Min-SE: %u\r\nContent-Length: 0\r\n\r\n", STIMER_MIN_SE);
}

/* An incoming INVITE: what the caller asked for. The timer runs once we
   answer (stimer_answer_headers + stimer_start). */
void stimer_request(struct leg *leg, const struct sip_msg *msg)
{
	struct leg_timer *st = &leg->st;
	struct pl refresher;
	uint32_t interval;

	st->update_ok = allows_update(msg);
	if (!supports_timer(msg) || !session_expires(msg, &interval,
						     &refresher))
		return;
	st->interval = interval;
	/* The caller refreshes unless it asked us to. */
	st->we_refresh = !pl_strcasecmp(&refresher, "uas");
}

int stimer_answer_headers(const struct leg *leg, char *buf, size_t size)
{
	const struct leg_timer *st = &leg->st;

	if (!st->interval)
		return re_snprintf(buf, size, "Allow: %s\r\n", STIMER_ALLOW);
	return re_snprintf(buf, size,
			   "Allow: %s\r\nSupported: timer\r\n"
			   "Require: timer\r\n"
			   "Session-Expires: %u;refresher=%s\r\n",
			   STIMER_ALLOW, st->interval,
			   st->we_refresh ? "uas" : "uac");
}

int stimer_offer_headers(char *buf, size_t size)
{
	return re_snprintf(buf, size,
			   "Allow: %s\r\nSupported: timer\r\n"
			   "Session-Expires: %u\r\nMin-SE: %u\r\n",
			   STIMER_ALLOW, STIMER_OFFER, STIMER_MIN_SE);
}

/* The 2xx to our INVITE: the far end's choice. */
void stimer_response(struct leg *leg, const struct sip_msg *msg)
{
	struct leg_timer *st = &leg->st;
	struct pl refresher;
	uint32_t interval;

	st->update_ok = allows_update(msg);
	if (!session_expires(msg, &interval, &refresher))
		return;
	st->interval = interval < STIMER_MIN_SE ? STIMER_MIN_SE : interval;
	st->we_refresh = pl_strcasecmp(&refresher, "uas") != 0;
}

static void refresh_due(void *arg);
static void expired(void *arg);

static void arm(struct leg *leg)
{
	struct leg_timer *st = &leg->st;
	uint32_t guard = st->interval / 3 < 32 ? st->interval / 3 : 32;

	if (!st->interval) {
		tmr_cancel(&st->tmr);
		return;
	}
	if (st->we_refresh)
		tmr_start(&st->tmr, st->interval * 1000ULL / 2, refresh_due,
			  leg);
	else
		tmr_start(&st->tmr, (st->interval - guard) * 1000ULL, expired,
			  leg);
}

void stimer_start(struct leg *leg)
{
	if (leg->st.interval)
		log_debug("call", "call %s: session timer %u s on %s, %s "
			  "refresh", leg->call->id, leg->st.interval,
			  leg->endpoint, leg->st.we_refresh ? "we" : "they");
	arm(leg);
}

void stimer_stop(struct leg *leg)
{
	tmr_cancel(&leg->st.tmr);
	leg->st.req = mem_deref(leg->st.req);
}

static void expired(void *arg)
{
	struct leg *leg = arg;
	struct call *call = leg->call;

	if (call->ended || leg->state == LEG_ENDED)
		return;
	log_warn("call", "call %s: %s did not refresh the session in %u s: "
		 "ending the call", call->id, leg->endpoint,
		 leg->st.interval);
	call_end(call, "session_expired", "system", 408, "Session Expired");
}

static void update_resp(int err, const struct sip_msg *msg, void *arg)
{
	struct leg *leg = arg;

	if (err || !msg || msg->scode < 200)
		return;
	if (msg->scode >= 300 && msg->scode != 481 && msg->scode != 408)
		log_info("call", "call %s: refresh of %s answered %u",
			 leg->call->id, leg->endpoint, msg->scode);
	else if (msg->scode == 481 || msg->scode == 408)
		call_end(leg->call, "session_expired", "system", msg->scode,
			 "Session Refresh Failed");
}

static void refresh_due(void *arg)
{
	struct leg *leg = arg;
	struct sip_dialog *dlg;
	struct mbuf *desc = NULL;
	int err;

	if (leg->call->ended || leg->state == LEG_ENDED || !leg->sess)
		return;
	dlg = sipsess_dialog(leg->sess);
	leg->st.req = mem_deref(leg->st.req);
	if (leg->st.update_ok) {
		err = sip_drequestf(&leg->st.req, call_sip(leg->call), true,
				    "UPDATE", dlg, 0, NULL, NULL, update_resp,
				    leg, "Contact: <sip:hotline@%J>\r\n"
				    "Supported: timer\r\n"
				    "Session-Expires: %u;refresher=uac\r\n"
				    "Content-Length: 0\r\n\r\n",
				    call_contact_addr(leg->call),
				    leg->st.interval);
	} else {
		err = leg_sdp_encode(&leg->sdp, &desc, true);
		if (!err)
			err = sipsess_modify(leg->sess, desc);
		mem_deref(desc);
	}
	if (err)
		log_warn("call", "call %s: cannot refresh %s: %d",
			 leg->call->id, leg->endpoint, err);
	arm(leg);
}

void stimer_refreshed_by_invite(struct leg *leg)
{
	struct leg_timer *st = &leg->st;

	if (!st->interval || st->we_refresh)
		return;
	/* Our 2xx carries no Session-Expires (see the top of this file):
	   the timer is over for both sides. */
	st->interval = 0;
	tmr_cancel(&st->tmr);
}

/* An UPDATE in the leg's dialog: a refresh, maybe with a new offer. */
void stimer_update(struct leg *leg, const struct sip_msg *msg,
		   struct mbuf *answer)
{
	struct leg_timer *st = &leg->st;
	struct pl refresher;
	uint32_t interval;
	char hdrs[160] = "";

	if (session_expires(msg, &interval, &refresher) &&
	    interval >= STIMER_MIN_SE) {
		st->interval = interval;
		st->we_refresh = !pl_strcasecmp(&refresher, "uas");
		re_snprintf(hdrs, sizeof(hdrs), "Require: timer\r\n"
			    "Session-Expires: %u;refresher=%s\r\n",
			    interval, st->we_refresh ? "uas" : "uac");
		arm(leg);
	}
	sip_treplyf(NULL, NULL, call_sip(leg->call), msg, false, 200, "OK",
		    "Contact: <sip:hotline@%J%s>\r\n%s%s"
		    "Content-Length: %zu\r\n\r\n%b",
		    &msg->dst, sip_transp_param(msg->tp), hdrs,
		    answer ? "Content-Type: application/sdp\r\n" : "",
		    answer ? mbuf_get_left(answer) : (size_t)0,
		    answer ? mbuf_buf(answer) : NULL,
		    answer ? mbuf_get_left(answer) : (size_t)0);
}
