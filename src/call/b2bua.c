/*
 * b2bua.c — the back-to-back user agent: every INVITE becomes a call with
 * an incoming leg and outgoing legs, each with its own dialog and SDP, and
 * media anchored on the media engine. Today it routes extension to
 * extension: an authenticated INVITE from an extension to another
 * extension's number rings all that extension's registered devices at once;
 * the first to answer gets the call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "b2bua.h"
#include "call.h"
#include "../ivr/ivr.h"
#include "../core/log.h"
#include "../sip/directory.h"
#include "../sip/registrar.h"
#include "../sip/stack.h"

struct b2bua {
	struct b2bua_deps deps;
	struct moh *moh;
	struct media_sound *tones[5];   /* tone_names, made when first used */
	struct http_cli *http;          /* IVR HTTP nodes */
	struct prompt_cache *prompts;   /* prompts made (prompt.c) */
	struct list rooms;              /* meeting rooms in use */
	struct hash *last_callers;      /* for *82 (lastcaller.c) */
	struct sip_lsnr *update_lsnr;   /* UPDATE (session refresh) */
	struct sipsess_sock *sock;
	struct sipevent_sock *evsock;   /* NOTIFYs about transfers */
	struct list calls;
	unsigned long total;
};

static void b_progress(const struct sip_msg *msg, void *arg);
static int b_answer(const struct sip_msg *msg, void *arg);
static void b_established(const struct sip_msg *msg, void *arg);
static void b_closed(int err, const struct sip_msg *msg, void *arg);
static int leg_offer(struct mbuf **descp, const struct sip_msg *msg,
		     void *arg);
static int a_answer(const struct sip_msg *msg, void *arg);
static void a_established(const struct sip_msg *msg, void *arg);
static void a_closed(int err, const struct sip_msg *msg, void *arg);
static void leg_info(struct sip *sip, const struct sip_msg *msg, void *arg);

struct store *b2bua_store(const struct b2bua *b)
{
	return b->deps.store;
}

struct sip *call_sip(const struct call *call)
{
	return sip_stack_sip(call->b2bua->deps.stack);
}

const struct sa *call_contact_addr(const struct call *call)
{
	return sip_stack_contact_addr(call->b2bua->deps.stack);
}

void b2bua_forget(struct b2bua *b, struct call *call)
{
	(void)b;
	list_unlink(&call->le);
}

static const char *const tone_names[] = {"beep", "dial", "busy", "confirm",
					 "ringback"};

struct media_sound *b2bua_tone(struct b2bua *b, const char *name)
{
	for (size_t i = 0; i < sizeof(tone_names) / sizeof(*tone_names); i++) {
		if (strcmp(name, tone_names[i]))
			continue;
		if (!b->tones[i] &&
		    media_sound_tone(&b->tones[i], "CN", tone_names[i]))
			log_warn("call", "no %s tone", name);
		return b->tones[i];
	}
	return NULL;
}

struct prompt_cache *b2bua_prompt_cache(const struct b2bua *b)
{
	return b->prompts;
}

struct moh *b2bua_moh(const struct b2bua *b)
{
	return b->moh;
}

struct http_cli *b2bua_http(const struct b2bua *b)
{
	return b->http;
}

struct hash *b2bua_last_callers(struct b2bua *b)
{
	return b->last_callers;
}

struct list *b2bua_rooms(struct b2bua *b)
{
	return &b->rooms;
}

struct sipevent_sock *b2bua_evsock(const struct b2bua *b)
{
	return b->evsock;
}

struct leg *b2bua_find_leg(const struct b2bua *b, const char *tenant_id,
			   const struct pl *sip_call_id)
{
	struct le *le, *le2;

	LIST_FOREACH(&b->calls, le) {
		struct call *call = le->data;

		if (call->ended || strcmp(call->tenant_id, tenant_id))
			continue;
		if (call->a && !pl_strcmp(sip_call_id, call->a->sip_call_id))
			return call->a;
		LIST_FOREACH(&call->blegs, le2) {
			struct leg *leg = le2->data;

			if (!pl_strcmp(sip_call_id, leg->sip_call_id))
				return leg;
		}
	}
	return NULL;
}

struct directory *b2bua_directory(const struct b2bua *b)
{
	return b->deps.dir;
}

void b2bua_config_changed(struct b2bua *b)
{
	moh_forget(b->moh);
}

unsigned b2bua_active_calls(const struct b2bua *b)
{
	return list_count(&b->calls);
}

/* ---- media ---- */

void call_played(struct call *call)
{
	if (call->ended)
		return;
	if (call->vm)
		voicemail_played(call);
	else if (queuecall_played(call))
		return;
	else if (ivrcall_played(call))
		return;
	else if (call->hang_up_after_play)
		call_end(call, call->end_after_play, "system", 0, NULL);
}

/* A key the leg's far end pressed, however it came (RFC 4733 event,
   in-band tone, SIP INFO): whoever is collecting keys takes it. A phone
   that sends one key two ways (INFO and in the media) is heard once. */
static void on_key(struct leg *leg, char digit, bool via_info)
{
	struct call *call = leg->call;

	if (key_seen_twice(&leg->last_key, digit, via_info, now_ms()))
		return;

	log_debug("call", "call %s: DTMF %c from %s", call->id, digit,
		  leg->endpoint);
	if (leg->role == LEG_CONSULT || leg->role == LEG_ORIGIN)
		return;            /* the agent's to hear; nobody listens yet */
	if (monitor_key(leg, digit) || voicemail_key(call, digit) ||
	    conference_key(call, digit))
		return;
	if (leg == call->a && (queuecall_key(call, digit) ||
			       ivrcall_key(call, digit)))
		return;
	transfer_key(leg, digit);
}

static void media_event(struct media_endpoint *ep, enum media_event ev,
			char digit, void *arg)
{
	struct leg *leg = arg;
	struct call *call = leg->call;

	(void)ep;
	if (ev == MEDIA_TIMEOUT && !call->ended) {
		log_warn("call", "call %s: no RTP from %s: ending it", call->id,
			 leg->endpoint);
		call_end(call, "media_timeout", "system", 0, "RTP timeout");
	} else if (ev == MEDIA_DTMF) {
		on_key(leg, digit, false);
	} else if (ev == MEDIA_PLAY_DONE) {
		call_played(call);
	} else if (ev == MEDIA_SECURITY_FAILED && !call->ended) {
		call_end(call, "system_error", "system", 0,
			 "WebRTC DTLS failed");
	}
}

static int leg_media(struct b2bua *b, struct leg *leg, const struct leg *near,
		     const char *prefer, const char *allow)
{
	int err = media_endpoint_alloc(&leg->ep, b->deps.media,
				       near ? near->ep : NULL, media_event,
				       leg);

	if (err) {
		log_warn("call", "no media port: %s", strerror(err));
		return err;
	}
	return leg_sdp_init_proto(&leg->sdp,
				  sip_stack_media_addr(b->deps.stack),
				  media_endpoint_port(leg->ep), prefer, allow,
				  leg->webrtc);
}

/* Takes the far end's address and format from its SDP into the media
   engine, and honours hold (sendonly/inactive). */
static int leg_apply_remote(struct leg *leg)
{
	struct sa rtp;
	int err = leg_sdp_webrtc(&leg->sdp, leg->ep, true);

	if (!err)
		err = leg_sdp_remote(&leg->sdp, &rtp, &leg->fmt);
	if (err)
		return err;
	leg->has_fmt = true;
	leg->held = !leg_sdp_remote_receives(&leg->sdp);
	err = media_endpoint_set_remote(leg->ep, &rtp, &leg->fmt);
	if (!err)
		media_endpoint_mute(leg->ep, leg->held);
	return err;
}

void call_bridge(struct call *call, struct leg *b)
{
	int err;

	moh_stop(call->a);      /* they hear each other now */
	moh_stop(b);

	if (!call->a->has_fmt || !b->has_fmt)
		return;
	err = media_bridge(call->a->ep, b->ep);
	if (err)
		log_warn("call", "call %s: cannot bridge %s and %s: %s",
			 call->id, call->a->fmt.name, b->fmt.name,
			 strerror(err));
}

/* ---- outgoing legs ---- */

static bool any_leg_left(const struct call *call)
{
	struct le *le;

	LIST_FOREACH(&call->blegs, le) {
		const struct leg *leg = le->data;

		if (leg->state != LEG_ENDED)
			return true;
	}
	return false;
}

/* The most telling answer of the failed legs (busy beats the rest). */
static uint16_t best_failure(const struct call *call, const char **reason)
{
	uint16_t best = 0;
	struct le *le;

	*reason = "Temporarily Unavailable";
	LIST_FOREACH(&call->blegs, le) {
		const struct leg *leg = le->data;

		if (!leg->sip_code || leg->sip_code == 487)
			continue;
		if (!best || leg->sip_code == 486 || leg->sip_code == 600 ||
		    (best != 486 && leg->sip_code < best)) {
			best = leg->sip_code;
			*reason = leg->sip_reason;
		}
	}
	return best ? best : 480;
}

static void cancel_other_legs(struct call *call, const struct leg *keep)
{
	struct le *le;

	LIST_FOREACH(&call->blegs, le) {
		struct leg *leg = le->data;

		if (leg == keep || leg->state == LEG_ENDED)
			continue;
		leg_stop(leg, 487, "Request Terminated");
		leg->sess = mem_deref(leg->sess);  /* sends CANCEL */
	}
}

void call_ring_timeout(void *arg)
{
	struct call *call = arg;

	cancel_other_legs(call, NULL);
	call_end(call, "no_answer", "system", 480, "No Answer");
}

/* One of the two talking parties hung up: the call is over. Also true for
   the transferee waiting for the transfer target. */
static bool party_closed(struct leg *leg)
{
	struct call *call = leg->call;

	if (call->ended || !call->answer_ms ||
	    (leg != call->a && leg != call->winner))
		return false;
	leg_stop(leg, 0, NULL);
	call_end(call, "normal_end", leg->outgoing ? "callee" : "caller", 0,
		 NULL);
	return true;
}

/* A 183 with SDP (a carrier's ringback or announcement): the caller
   hears that leg now, through our media, with our SDP in a 183. */
static bool early_media(struct call *call, struct leg *b,
			const struct sip_msg *msg)
{
	struct mbuf *desc = NULL;

	if (leg_sdp_decode(&b->sdp, msg->mb, false) || leg_apply_remote(b))
		return false;
	call_bridge(call, b);
	if (leg_sdp_encode(&call->a->sdp, &desc, !call->a->has_fmt) ||
	    sipsess_progress(call->a->sess, 183, "Session Progress", desc,
			     "")) {
		mem_deref(desc);
		return false;
	}
	mem_deref(desc);
	call->a_answered_sdp = true;
	call->ring_ms_sent = true;
	log_info("call", "call %s: early media from %s", call->id,
		 b->endpoint);
	return true;
}

static void b_progress(const struct sip_msg *msg, void *arg)
{
	struct leg *b = arg;
	struct call *call = b->call;

	if (call->ended || msg->scode < 180 || b->role != LEG_PARTY)
		return;
	if (!b->ring_ms)
		b->ring_ms = now_ms();
	b->state = LEG_RINGING;
	if (!call->ring_ms) {
		call->ring_ms = b->ring_ms;
		call->a->ring_ms = b->ring_ms;
	}
	if (leg_sdp_has_body(msg->mb) && !call->a_answered_sdp &&
	    !call->answer_ms && early_media(call, b, msg))
		return;
	if (!call->ring_ms_sent) {
		call->ring_ms_sent = true;
		sipsess_progress(call->a->sess, 180, "Ringing", NULL, "");
	}
}

/* The callee's SDP answer (in the 200 OK). */
static int b_answer(const struct sip_msg *msg, void *arg)
{
	struct leg *b = arg;
	int err = leg_sdp_decode(&b->sdp, msg->mb, false);

	if (!err)
		err = leg_apply_remote(b);
	if (err)
		log_warn("call", "call %s: unusable SDP answer from %s",
			 b->call->id, b->endpoint);
	return err;
}

/* Answers a leg that came in (INVITE to us) with our SDP; its session
   timer starts. */
static int answer_leg(struct leg *leg)
{
	struct mbuf *desc = NULL;
	char hdrs[256];
	int err = leg_sdp_encode(&leg->sdp, &desc, !leg->has_fmt);

	stimer_answer_headers(leg, hdrs, sizeof(hdrs));
	if (!err)
		err = sipsess_answer(leg->sess, 200, "OK", desc, "%s", hdrs);
	mem_deref(desc);
	if (err)
		return err;
	leg->state = LEG_ANSWERED;
	leg->answer_ms = now_ms();
	stimer_start(leg);
	return 0;
}

/* The far end answered (`by`): the caller is answered too — an incoming
   a leg with our SDP; a placed call's phone answered long ago and stops
   hearing our ringback. */
static int answer_caller(struct call *call, const struct leg *by)
{
	if (call->origin) {
		media_play_stop(call->a->ep);
		call->answer_ms = by->answer_ms;
		return 0;
	}
	if (answer_leg(call->a))
		return EIO;
	call->answer_ms = call->a->answer_ms;
	return 0;
}

static void b_established(const struct sip_msg *msg, void *arg)
{
	struct leg *b = arg;
	struct call *call = b->call;

	if (call->ended) {
		b->sess = mem_deref(b->sess);
		return;
	}
	if (b->role != LEG_PARTY) {
		stimer_response(b, msg);
		stimer_start(b);
		if (b->role == LEG_MONITOR)
			monitor_answered(b);
		else if (b->role == LEG_ORIGIN)
			originate_answered(b);
		else
			consult_answered(b);
		return;
	}
	b->state = LEG_ANSWERED;
	b->answer_ms = now_ms();
	stimer_response(b, msg);
	stimer_start(b);
	if (!call->queue && !call->agent_id[0] && !b->trunk)
		leg_phone_in_use(b, b->endpoint);    /* not a queue's call */
	call->winner = b;
	tmr_cancel(&call->ring_tmr);
	tmr_cancel(&call->noanswer_tmr);
	cancel_other_legs(call, b);
	if (!queuecall_whisper(call, b))
		call_bridge(call, b);
	if (call->answer_ms) {
		/* A transfer target answered: the transferee talks to it.
		   From an IVR flow, the conversation starts now: the
		   recording policy applies as to any answered call. */
		if (queuecall_dialled(call, b) ||
		    ivrcall_dialled(call, true, 200))
			callrec_start(call);
		log_info("call", "call %s transferred to %s", call->id,
			 b->endpoint);
		return;
	}
	if (answer_caller(call, b)) {
		call_end(call, "system_error", "system", 500,
			 "cannot answer the caller");
		return;
	}
	log_info("call", "call %s answered by %s (%s/%s)", call->id,
		 b->endpoint, call->a->fmt.name, b->fmt.name);
	callrec_start(call);
}

static void b_closed(int err, const struct sip_msg *msg, void *arg)
{
	struct leg *b = arg;
	struct call *call = b->call;
	uint16_t code = msg ? msg->scode : 0;
	char reason[64] = "";
	const char *why;

	if (msg)
		pl_strcpy(&msg->reason, reason, sizeof(reason));
	if (!code)
		code = err == ETIMEDOUT ? 408 : 500;
	if (b->role == LEG_MONITOR) {
		monitor_leg_closed(b, code);
		return;
	}
	if (b->role == LEG_CONSULT) {
		consult_leg_closed(b, code);
		return;
	}
	if (b->role == LEG_ORIGIN) {
		originate_leg_closed(b, code, reason[0] ? reason
							: strerror(err));
		return;
	}
	if (consult_agent_left(b) || party_closed(b))
		return;
	if (b == call->a) {     /* a placed call's phone, before the answer */
		a_closed(err, msg, b);
		return;
	}
	leg_stop(b, code, reason[0] ? reason : strerror(err));
	if (call->ended || any_leg_left(call) || call->winner)
		return;
	/* A carrier failure (5xx, 408, no answer at all) tries the next trunk
	   of the route; a refusal by the called party (4xx, 6xx) does not. */
	if (b->trunk && (code >= 500 || code == 408) && code < 600 &&
	    !call_dial_next_trunk(call))
		return;
	if (!call->answer_ms &&
	    dispatch_all_failed(call, best_failure(call, &why)))
		return;
	if (call->answer_ms && (queuecall_dialled(call, NULL) ||
				ivrcall_dialled(call, false, code)))
		return;      /* the queue tries the next agent; the IVR goes
			        on at the node's failed exit */
	if (call->answer_ms) {
		/* Nobody took the transferred call. */
		call_end(call, "transfer_failed", "system", code, reason);
		return;
	}
	code = best_failure(call, &why);
	call_end(call, call_status_for_code(code), "callee", code, why);
}

/* Where and how an outgoing leg's INVITE goes. */
struct leg_target {
	const char *uri;         /* request URI */
	const char *from_uri;
	const char *from_name;
	const char *route;       /* next hop "sip:host:port;transport=x", or
				    NULL */
	sip_auth_h *authh;       /* credentials for 401/407, or NULL */
	const char *codecs;      /* allowed, "PCMU,PCMA"; NULL: all */
	bool auto_answer;        /* ask the phone to answer by itself */
};

/* Asks the phone to answer by itself, in the two ways phones know:
   Call-Info answer-after (RFC 5373's predecessor, Snom, Cisco, Linphone,
   Grandstream) and Alert-Info info=alert-autoanswer (Yealink, Polycom). */
static void auto_answer_headers(char *hdrs, size_t size)
{
	size_t len = strlen(hdrs);

	re_snprintf(hdrs + len, size - len,
		    "Call-Info: <sip:hotline.invalid>;answer-after=0\r\n"
		    "Alert-Info: <http://hotline.invalid/>;"
		    "info=alert-autoanswer;delay=0\r\n");
}

static int connect_leg(struct b2bua *b, struct call *call, struct leg *leg,
		       const struct leg_target *t)
{
	const char *routev[1] = {t->route};
	struct mbuf *offer = NULL;
	char hdrs[512];
	int err;

	err = leg_media(b, leg, call->a, call->a && call->a->has_fmt
				? call->a->fmt.name : NULL, t->codecs);
	if (!err)
		err = leg_sdp_webrtc(&leg->sdp, leg->ep, false);
	if (!err)
		err = leg_sdp_encode(&leg->sdp, &offer, true);
	if (err)
		goto out;
	stimer_offer_headers(hdrs, sizeof(hdrs));
	if (t->auto_answer)
		auto_answer_headers(hdrs, sizeof(hdrs));
	str_ncpy(leg->uri, t->uri, sizeof(leg->uri));
	err = sipsess_connect(&leg->sess, b->sock, t->uri, t->from_name,
			      t->from_uri, "hotline", routev, t->route ? 1 : 0,
			      "application/sdp", offer, t->authh, leg, false,
			      leg_offer, b_answer, b_progress, b_established,
			      leg_info, transfer_refer, b_closed, leg, "%s", hdrs);
	if (!err)
		str_ncpy(leg->sip_call_id,
			 sip_dialog_callid(sipsess_dialog(leg->sess)),
			 sizeof(leg->sip_call_id));
out:
	mem_deref(offer);
	return err;
}

struct fork_ctx {
	struct b2bua *b;
	struct call *call;
	struct list *aside;      /* aside legs go there; NULL: b legs */
	enum leg_role role;      /* theirs */
	bool auto_answer;
	const char *number;
	const char *from_user;   /* the caller shown; NULL: the call's */
	char codecs[64];         /* the extension's */
	unsigned started;
};

/* A registered device: its Contact as the request URI, sent to where it
   registered from (it may be behind NAT). */
static int connect_contact(struct b2bua *b, struct call *call,
			   struct leg *leg, const struct reg_contact *c,
			   const struct fork_ctx *fc)
{
	char from_uri[256], route[160];
	struct leg_target t = {c->uri, from_uri,
			       !fc->from_user && call->caller_name[0]
				       ? call->caller_name : NULL,
			       route, NULL, fc->codecs, fc->auto_answer};

	re_snprintf(from_uri, sizeof(from_uri), "sip:%s@%J",
		    fc->from_user ? fc->from_user : call->caller,
		    sip_stack_contact_addr(b->deps.stack));
	re_snprintf(route, sizeof(route), "sip:%J%s", &c->dst,
		    sip_transp_param(c->tp));
	leg->webrtc = c->tp == SIP_TRANSP_WS || c->tp == SIP_TRANSP_WSS;
	return connect_leg(b, call, leg, &t);
}

static void fork_to_contact(const struct reg_contact *c, void *arg)
{
	struct fork_ctx *fc = arg;
	struct leg *leg = fc->aside ? leg_new_aside(fc->call)
				    : leg_new(fc->call, true);

	if (!leg)
		return;
	if (fc->aside) {
		leg->role = fc->role;
		list_append(fc->aside, &leg->le, leg);
	}
	str_ncpy(leg->endpoint, fc->number, sizeof(leg->endpoint));
	int err = connect_contact(fc->b, fc->call, leg, c, fc);

	if (err) {
		log_warn("call", "call %s: cannot ring %s: %s", fc->call->id,
			 c->uri, strerror(err));
		leg_stop(leg, 500, "cannot send INVITE");
		return;
	}
	fc->started++;
}

/* ---- the incoming leg ---- */

static int a_answer(const struct sip_msg *msg, void *arg)
{
	struct leg *a = arg;
	int err = leg_sdp_decode(&a->sdp, msg->mb, false);

	if (!err)
		err = leg_apply_remote(a);
	if (!err && a->call->winner)
		call_bridge(a->call, a->call->winner);
	return err;
}

static void a_established(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
}

static void a_closed(int err, const struct sip_msg *msg, void *arg)
{
	struct leg *a = arg;
	struct call *call = a->call;

	(void)msg;
	if (call->ended || party_closed(a))
		return;
	/* CANCEL, or the caller's transaction failed before an answer. */
	cancel_other_legs(call, NULL);
	call_end(call, err == ECONNRESET || !err ? "caller_cancelled"
						 : "system_error",
		 "caller", 487, "Request Terminated");
}

/* The party left waiting hears music on hold while the other holds. */
static void hold_music(struct leg *holder)
{
	struct leg *other = call_other_leg(holder);

	if (!other || holder->call->ended)
		return;
	if (holder->held)
		moh_start(holder->call->b2bua->moh, other);
	else
		moh_stop(other);
}

/* A re-INVITE from either side: hold, resume, new address. We answer from
   our own media; the other leg needs no renegotiation. */
static int leg_offer(struct mbuf **descp, const struct sip_msg *msg,
		     void *arg)
{
	struct leg *leg = arg;
	int err;

	stimer_refreshed_by_invite(leg);
	if (!leg_sdp_has_body(msg->mb))
		return leg_sdp_encode(&leg->sdp, descp, true);
	err = leg_sdp_decode(&leg->sdp, msg->mb, true);
	if (!err)
		err = leg_apply_remote(leg);
	if (err)
		return err;
	/* We send when it receives, we receive when it sends. */
	leg_sdp_set_direction(&leg->sdp, leg_sdp_remote_receives(&leg->sdp),
			      leg_sdp_remote_sends(&leg->sdp));
	log_info("call", "call %s: %s %s", leg->call->id, leg->endpoint,
		 leg->held ? "holds" : "resumes");
	hold_music(leg);
	return leg_sdp_encode(&leg->sdp, descp, false);
}

struct leg *call_other_leg(const struct leg *leg)
{
	struct call *call = leg->call;

	if (leg->role != LEG_PARTY)
		return NULL;       /* it listens in, or talks to the agent */
	return leg == call->a ? call->winner : call->a;
}

/* The key of a SIP INFO (application/dtmf-relay "Signal=5", or
   application/dtmf "5"), or 0. */
static char info_key(const struct sip_msg *msg)
{
	struct pl sig;

	if (msg_ctype_cmp(&msg->ctyp, "application", "dtmf-relay")) {
		if (re_regex((const char *)mbuf_buf(msg->mb),
			     mbuf_get_left(msg->mb),
			     "Signal=[ \t]*[0-9A-D*#]+", NULL, &sig))
			return 0;
		return sig.p[0];
	}
	if (msg_ctype_cmp(&msg->ctyp, "application", "dtmf") &&
	    mbuf_get_left(msg->mb)) {
		char c = (char)mbuf_buf(msg->mb)[0];

		return strchr("0123456789ABCD*#", c) && c ? c : 0;
	}
	return 0;
}

/* SIP INFO (application/dtmf-relay and friends) goes to the other side;
   a key in it also counts as pressed on this leg. */
static void leg_info(struct sip *sip, const struct sip_msg *msg, void *arg)
{
	struct leg *leg = arg, *other = call_other_leg(arg);
	struct mbuf *body = NULL;
	char ctype[64], key = info_key(msg);

	if (!key && (!other || !other->sess)) {
		sip_reply(sip, msg, 481, "Call Does Not Exist");
		return;
	}
	if (other && other->sess) {
		re_snprintf(ctype, sizeof(ctype), "%r/%r", &msg->ctyp.type,
			    &msg->ctyp.subtype);
		body = mbuf_alloc(mbuf_get_left(msg->mb) + 1);
		if (body && !mbuf_write_mem(body, mbuf_buf(msg->mb),
					    mbuf_get_left(msg->mb))) {
			body->pos = 0;
			sipsess_info(other->sess, ctype, body, NULL, NULL);
		}
		mem_deref(body);
	}
	sip_reply(sip, msg, 200, "OK");
	if (key && !leg->call->ended)
		on_key(leg, key, true); /* after the answer: it may end the leg */
}

void b2bua_reject(struct b2bua *b, const struct sip_msg *msg, uint16_t code,
		  const char *reason)
{
	sip_treply(NULL, sip_stack_sip(b->deps.stack), msg, code, reason);
}

const struct b2bua_deps *b2bua_deps(const struct b2bua *b)
{
	return &b->deps;
}

/* Accepts the caller's INVITE provisionally, with its SDP read. */
/* Reads an incoming INVITE's SDP into a new leg and accepts it
   provisionally. near: a leg whose media thread it should share. */
static int accept_leg(struct b2bua *b, struct leg *a, const struct leg *near,
		      const struct sip_msg *msg, const json_t *codecs)
{
	char allow[64];
	int err;

	pl_strcpy(&msg->callid, a->sip_call_id, sizeof(a->sip_call_id));
	stimer_request(a, msg);
	re_snprintf(a->uri, sizeof(a->uri), "%H", uri_encode, &msg->from.uri);
	route_codecs_text(codecs, allow, sizeof(allow));
	err = leg_media(b, a, near, near && near->has_fmt ? near->fmt.name
							: NULL, allow);
	if (err)
		return err;
	if (leg_sdp_has_body(msg->mb)) {
		err = leg_sdp_decode(&a->sdp, msg->mb, true);
		if (!err)
			err = leg_apply_remote(a);
		if (err)
			return EPROTO;
	}
	/* libre accepts with 101-199 only: "Session Progress" without SDP
	   says we are working on it; 180 follows when a device rings. */
	return sipsess_accept(&a->sess, b->sock, msg, 183, "Session Progress",
			      "hotline", "application/sdp", NULL, NULL, NULL,
			      false, leg_offer, a_answer, a_established,
			      leg_info, transfer_refer, a_closed, a, "");
}

static int accept_a(struct b2bua *b, struct call *call,
		    const struct sip_msg *msg, const json_t *codecs)
{
	struct leg *a = leg_new(call, false);

	if (!a)
		return ENOMEM;
	str_ncpy(a->endpoint, call->caller, sizeof(a->endpoint));
	return accept_leg(b, a, NULL, msg, codecs);
}

int call_answer_alone(struct call *call)
{
	int err = answer_leg(call->a);

	if (!err)
		call->answer_ms = call->a->answer_ms;
	return err;
}

/* A ringing call of the tenant for someone else than the picker. */
static struct call *ringing_call(struct b2bua *b, const char *tenant_id,
				 const char *picker)
{
	struct le *le;

	LIST_FOREACH(&b->calls, le) {
		struct call *call = le->data;

		if (!call->ended && !call->winner && call->ring_ms &&
		    !call->answer_ms && !strcmp(call->tenant_id, tenant_id) &&
		    call->target[0] && strcmp(call->target, picker))
			return call;
	}
	return NULL;
}

/* Call pickup (*8): the picker's INVITE joins the oldest ringing call of
   the tenant as the answering party; the devices that rang stop. */
int b2bua_pickup(struct b2bua *b, const struct sip_msg *msg,
		 const struct dir_extension *picker)
{
	struct call *call = ringing_call(b, picker->tenant_id, picker->number);
	struct leg *leg;
	int err;

	if (!call)
		return ENOENT;
	leg = leg_new(call, true);
	if (!leg)
		return ENOMEM;
	str_ncpy(leg->endpoint, picker->number, sizeof(leg->endpoint));
	err = accept_leg(b, leg, call->a, msg, picker->codecs);
	if (!err)
		err = answer_leg(leg);
	if (err) {
		leg_stop(leg, 500, "pickup failed");
		return err;
	}
	call->winner = leg;
	tmr_cancel(&call->ring_tmr);
	tmr_cancel(&call->noanswer_tmr);
	cancel_other_legs(call, leg);
	call_bridge(call, leg);
	if (answer_caller(call, leg)) {
		call_end(call, "system_error", "system", 500,
			 "cannot answer the caller");
		return 0;
	}
	log_info("call", "call %s picked up by %s", call->id, picker->number);
	callrec_start(call);
	return 0;
}

struct call *b2bua_add_call(struct b2bua *b, const char *tenant_id,
			    const char *direction, const char *caller,
			    const char *caller_name, const char *callee)
{
	struct call *call = call_new(b, tenant_id);

	if (!call)
		return NULL;
	list_append(&b->calls, &call->le, call);
	b->total++;
	str_ncpy(call->direction, direction, sizeof(call->direction));
	str_ncpy(call->caller, caller, sizeof(call->caller));
	str_ncpy(call->caller_name, caller_name ? caller_name : "",
		 sizeof(call->caller_name));
	str_ncpy(call->callee, callee, sizeof(call->callee));
	return call;
}

struct call *b2bua_take_call(struct b2bua *b, const struct sip_msg *msg,
			     const char *tenant_id, const char *direction,
			     const char *caller, const char *caller_name,
			     const char *callee, const json_t *codecs)
{
	struct call *call = b2bua_add_call(b, tenant_id, direction, caller,
					   caller_name, callee);
	int err;

	if (!call) {
		b2bua_reject(b, msg, 500, "Server Internal Error");
		return NULL;
	}
	err = accept_a(b, call, msg, codecs);
	if (!err && strcmp(direction, "inbound"))
		leg_phone_in_use(call->a, caller);   /* an extension calling */
	if (!err)
		return call;
	log_warn("call", "call %s: cannot take the INVITE from %s: %s",
		 call->id, caller, strerror(err));
	if (!call->a || !call->a->sess)
		b2bua_reject(b, msg, err == EPROTO ? 488 : 503,
			     err == EPROTO ? "Not Acceptable Here"
					   : "Service Unavailable");
	call_end(call, "system_error", "system", err == EPROTO ? 488 : 503,
		 err == EPROTO ? "no common codec" : strerror(err));
	return NULL;
}

static unsigned ring_extension(struct call *call,
			       const struct dir_extension *ext,
			       struct list *aside, enum leg_role role,
			       bool auto_answer, const char *from_user)
{
	struct fork_ctx fc = {.b = call->b2bua, .call = call, .aside = aside,
			      .role = role, .auto_answer = auto_answer,
			      .number = ext->number, .from_user = from_user};

	if (!aside)
		lastcaller_note(call->b2bua->last_callers, call->tenant_id,
				ext->number, call->caller);
	route_codecs_text(ext->codecs, fc.codecs, sizeof(fc.codecs));
	if (ext->enabled)
		registrar_contacts(call->b2bua->deps.reg, ext, fork_to_contact,
				   &fc);
	return fc.started;
}

unsigned call_ring_extension(struct call *call,
			     const struct dir_extension *ext)
{
	return ring_extension(call, ext, NULL, LEG_PARTY, false, NULL);
}

static const struct dir_extension *extension_numbered(struct call *call,
						      const char *number)
{
	struct pl num;

	if (!number || !*number)
		return NULL;
	pl_set_str(&num, number);
	return directory_extension(call->b2bua->deps.dir, call->tenant_id,
				   &num);
}

unsigned call_ring_number(struct call *call, const char *number)
{
	return call_ring_agent(call, number, false);
}

unsigned call_ring_agent(struct call *call, const char *number,
			 bool auto_answer)
{
	const struct dir_extension *ext = extension_numbered(call, number);

	return ext && ext->enabled ? ring_extension(call, ext, NULL, LEG_PARTY,
						    auto_answer, NULL)
				   : 0;
}

unsigned call_ring_aside(struct call *call, const char *number,
			 struct list *into, enum leg_role role)
{
	const struct dir_extension *ext = extension_numbered(call, number);

	return ext && ext->enabled ? ring_extension(call, ext, into, role,
						    false, NULL)
				   : 0;
}

unsigned call_ring_placing(struct call *call, const struct dir_extension *ext,
			   struct list *into, bool auto_answer,
			   const char *shown)
{
	return ext->enabled ? ring_extension(call, ext, into, LEG_ORIGIN,
					     auto_answer, shown)
			    : 0;
}

/* The tenant's outbound routing for this number, as the tenant itself
   (any route the number matches): a decision (the caller frees it), or
   NULL when no route allows it. */
static struct outbound_decision *route_as_tenant(struct call *call,
						 const char *number,
						 const char *caller_id)
{
	struct dir_extension as = {.dial_permission = DIAL_INTERNATIONAL,
				   .enabled = true};
	struct outbound_decision *dec = calloc(1, sizeof(*dec));

	if (!dec)
		return NULL;
	str_ncpy(as.tenant_id, call->tenant_id, sizeof(as.tenant_id));
	str_ncpy(as.number, caller_id, sizeof(as.number));
	if (route_outbound(call->b2bua->deps.dir, &as, number, NULL, now_ms(),
			   dec) ||
	    dec->refusal.code) {
		if (dec->refusal.code)
			log_info("call", "call %s: no route to %s: %s",
				 call->id, number, dec->refusal.end_status);
		free(dec);
		return NULL;
	}
	return dec;
}

bool call_external_routable(struct call *call, const char *number)
{
	struct outbound_decision *dec = route_as_tenant(call, number, "");

	free(dec);
	return dec != NULL;
}

int call_dial_external(struct call *call, const char *number,
		       const char *caller_id)
{
	/* a route whose policy is the extension's number shows the call's
	   own caller (there is no extension) rather than nothing */
	struct outbound_decision *dec = route_as_tenant(call, number,
							*caller_id ? caller_id
								   : call->caller);

	if (!dec)
		return EACCES;
	if (*caller_id) {
		str_ncpy(dec->caller_id, caller_id, sizeof(dec->caller_id));
		for (size_t i = 0; i < dec->ntrunks; i++)
			dec->trunks[i].caller_id[0] = '\0';
	}
	free(call->out);
	call->out = dec;
	call->next_trunk = 0;
	return call_dial_next_trunk(call) ? EAGAIN : 0;
}

void call_cancel_legs(struct call *call)
{
	cancel_other_legs(call, NULL);
}

void call_start_ring_timer(struct call *call)
{
	tmr_start(&call->ring_tmr, call->b2bua->deps.ring_timeout_ms,
		  call_ring_timeout, call);
}

/* The carrier asks who we are: the trunk's credentials. */
static int trunk_auth(char **user, char **pass, const char *realm,
		      void *arg)
{
	const struct leg *leg = arg;
	const struct route_trunk *t = leg->trunk;
	int err;

	if (!t || (t->realm[0] && realm && strcmp(t->realm, realm)))
		return EACCES;
	err = str_dup(user, t->auth_username[0] ? t->auth_username
						: t->username);
	if (!err)
		err = str_dup(pass, t->password);
	return err;
}

static int dial_trunk(struct call *call, struct leg *leg,
		      const struct route_trunk *t)
{
	struct b2bua *b = call->b2bua;
	char uri[320], from_uri[320], route[320];
	struct leg_target lt = {uri, from_uri, NULL, NULL, trunk_auth,
				t->codecs, false};
	bool tp_param = strcmp(t->transport, "udp") != 0;

	re_snprintf(uri, sizeof(uri), "sip:%s@%s%s%u%s%s", call->out->dialed,
		    t->host, t->port ? ":" : "", t->port,
		    tp_param ? ";transport=" : "", tp_param ? t->transport : "");
	if (!t->port)
		re_snprintf(uri, sizeof(uri), "sip:%s@%s%s%s",
			    call->out->dialed, t->host,
			    tp_param ? ";transport=" : "",
			    tp_param ? t->transport : "");
	re_snprintf(from_uri, sizeof(from_uri), "sip:%s@%s",
		    t->caller_id[0] ? t->caller_id : call->out->caller_id,
		    t->host);
	if (t->outbound_proxy[0]) {
		str_ncpy(route, t->outbound_proxy, sizeof(route));
		lt.route = route;
	}
	leg->trunk = t;
	str_ncpy(leg->endpoint, t->name, sizeof(leg->endpoint));
	return connect_leg(b, call, leg, &lt);
}

int call_dial_next_trunk(struct call *call)
{
	struct b2bua *b = call->b2bua;

	while (call->out && call->next_trunk < call->out->ntrunks) {
		const struct route_trunk *t =
			&call->out->trunks[call->next_trunk++];
		struct leg *leg;

		if (t->max_calls && b2bua_count_trunk(b, t->id) >= t->max_calls) {
			log_info("call", "call %s: trunk %s is full (%u calls)",
				 call->id, t->name, t->max_calls);
			continue;
		}
		leg = leg_new(call, true);
		if (!leg)
			return ENOMEM;
		str_ncpy(call->trunk_id, t->id, sizeof(call->trunk_id));
		if (!dial_trunk(call, leg, t)) {
			log_info("call", "call %s: out on trunk %s as %s",
				 call->id, t->name, call->out->dialed);
			return 0;
		}
		leg_stop(leg, 500, "cannot send INVITE");
	}
	return ENOENT;
}

static unsigned count_calls(const struct b2bua *b, const char *tenant_id,
			    const char *trunk_id)
{
	unsigned n = 0;
	struct le *le;

	LIST_FOREACH(&b->calls, le) {
		const struct call *call = le->data;

		if (call->ended)
			continue;
		if (tenant_id && !strcmp(call->tenant_id, tenant_id))
			n++;
		if (trunk_id && !strcmp(call->trunk_id, trunk_id))
			n++;
	}
	return n;
}

unsigned b2bua_count_tenant(const struct b2bua *b, const char *tenant_id)
{
	return count_calls(b, tenant_id, NULL);
}

unsigned b2bua_count_trunk(const struct b2bua *b, const char *trunk_id)
{
	return count_calls(b, NULL, trunk_id);
}

/* Every new INVITE arrives here. */
static void invite_handler(const struct sip_msg *msg, void *arg)
{
	struct b2bua *b = arg;

	if (stimer_too_small(msg)) {
		stimer_reply_too_small(sip_stack_sip(b->deps.stack), msg);
		return;
	}
	dispatch_invite(b, msg);
}

static struct leg *leg_of_dialog(const struct call *call,
				 const struct sip_msg *msg)
{
	struct le *le;

	if (call->a && call->a->sess &&
	    !sip_dialog_cmp(sipsess_dialog(call->a->sess), msg))
		return call->a;
	LIST_FOREACH(&call->blegs, le) {
		struct leg *leg = le->data;

		if (leg->sess && sipsess_dialog(leg->sess) &&
		    !sip_dialog_cmp(sipsess_dialog(leg->sess), msg))
			return leg;
	}
	return NULL;
}

/* UPDATE (RFC 3311) in a call's dialog: a session refresh, with or
   without a new offer. libre's sessions do not take UPDATE; we do. */
static bool update_handler(const struct sip_msg *msg, void *arg)
{
	struct b2bua *b = arg;
	struct mbuf *answer = NULL;
	struct leg *leg = NULL;
	struct le *le;

	if (pl_strcmp(&msg->met, "UPDATE"))
		return false;
	LIST_FOREACH(&b->calls, le) {
		const struct call *call = le->data;

		if (!call->ended && (leg = leg_of_dialog(call, msg)))
			break;
	}
	if (!leg)
		return false;     /* 481 from the stack's fallback */
	if (!sip_dialog_rseq_valid(sipsess_dialog(leg->sess), msg)) {
		sip_reply(sip_stack_sip(b->deps.stack), msg, 500,
			  "Bad CSeq");
		return true;
	}
	if (leg_sdp_has_body(msg->mb) && leg_offer(&answer, msg, leg)) {
		sip_reply(sip_stack_sip(b->deps.stack), msg, 488,
			  "Not Acceptable Here");
		return true;
	}
	stimer_update(leg, msg, answer);
	mem_deref(answer);
	return true;
}

int b2bua_alloc(struct b2bua **bp, const struct b2bua_deps *deps)
{
	struct b2bua *b = calloc(1, sizeof(*b));
	int err;

	if (!b)
		return ENOMEM;
	b->deps = *deps;
	list_init(&b->calls);
	err = moh_alloc(&b->moh, deps->store, deps->data_dir);
	if (err) {
		free(b);
		return err;
	}
	list_init(&b->rooms);
	err = hash_alloc(&b->last_callers, 256);
	if (err) {
		moh_free(b->moh);
		free(b);
		return err;
	}
	err = http_client_alloc(&b->http, sip_stack_dnsc(deps->stack));
	if (!err)
		err = prompt_cache_alloc(&b->prompts);
	if (!err)
		err = sip_listen(&b->update_lsnr, sip_stack_sip(deps->stack),
				 true, update_handler, b);
	if (!err)
		err = sipsess_listen(&b->sock, sip_stack_sip(deps->stack), 32,
			     invite_handler, b);
	if (!err)
		err = sipevent_listen(&b->evsock, sip_stack_sip(deps->stack),
				      32, 32, NULL, NULL);
	if (err) {
		mem_deref(b->sock);
		mem_deref(b->update_lsnr);
		mem_deref(b->http);
		prompt_cache_free(b->prompts);
		moh_free(b->moh);
		mem_deref(b->last_callers);
		free(b);
		return err;
	}
	*bp = b;
	return 0;
}

/* Hangs up every call (records written), then stops listening. */
void b2bua_free(struct b2bua *b)
{
	struct le *le;

	if (!b)
		return;
	LIST_FOREACH(&b->calls, le) {
		struct call *call = le->data;

		cancel_other_legs(call, call->winner);
		call_end(call, call->winner ? "normal_end" : "system_error",
			 "system", 503, "Service Unavailable");
	}
	while ((le = list_head(&b->calls)))
		call_free(le->data);
	b->evsock = mem_deref(b->evsock);
	b->sock = mem_deref(b->sock);
	b->update_lsnr = mem_deref(b->update_lsnr);
	b->http = mem_deref(b->http);
	prompt_cache_free(b->prompts);
	moh_free(b->moh);
	lastcaller_clear(b->last_callers);
	b->last_callers = mem_deref(b->last_callers);
	for (size_t i = 0; i < sizeof(b->tones) / sizeof(*b->tones); i++)
		media_sound_unref(b->tones[i]);
	free(b);
}

static const char *call_state(const struct call *call)
{
	if (call->winner)
		return "talking";
	return call->ring_ms ? "ringing" : "trying";
}

static json_t *live_call(const struct call *call)
{
	const struct leg *w = call->winner;
	json_t *o = json_pack("{sssssssssssssIsosssososs}", "id", call->id,
			 "direction", call->direction, "caller", call->caller,
			 "caller_name", call->caller_name, "callee",
			 call->callee, "state", call_state(call), "start_at",
			 (json_int_t)call->start_ms, "answer_at",
			 call->answer_ms ? json_integer(call->answer_ms)
					 : json_null(),
			 "answered_by", w ? w->endpoint : "", "caller_codec",
			 call->a && call->a->has_fmt
				 ? json_string(call->a->fmt.name)
				 : json_null(),
			 "callee_codec",
			 w && w->has_fmt ? json_string(w->fmt.name)
					 : json_null(),
			 "recording", callrec_state(call));

	json_object_set_new(o, "queue_id", call->queue_id[0]
			    ? json_string(call->queue_id) : json_null());
	json_object_set_new(o, "agent_id", call->agent_id[0]
			    ? json_string(call->agent_id) : json_null());
	json_object_set_new(o, "agent_no", call->agent_no[0]
			    ? json_string(call->agent_no) : json_null());
	json_object_set_new(o, "waiting", json_boolean(call->queue != NULL));
	json_object_set_new(o, "monitor", monitor_json(call));
	json_object_set_new(o, "consult", consult_json(call));
	json_object_set_new(o, "on_hold", json_boolean(call->agent_hold));
	json_object_set_new(o, "muted", json_boolean(call->agent_mute));
	return o;
}

json_t *b2bua_live_calls(const struct b2bua *b, const char *tenant_id)
{
	json_t *items = json_array();
	struct le *le;

	LIST_FOREACH(&b->calls, le) {
		const struct call *call = le->data;

		if (!call->ended && !strcmp(call->tenant_id, tenant_id))
			json_array_append_new(items, live_call(call));
	}
	return items;
}

static struct call *live_call_of(struct b2bua *b, const char *tenant_id,
				 const char *call_id)
{
	struct le *le;

	LIST_FOREACH(&b->calls, le) {
		struct call *call = le->data;

		if (!call->ended && !strcmp(call->id, call_id) &&
		    !strcmp(call->tenant_id, tenant_id))
			return call;
	}
	return NULL;
}

int b2bua_recording(struct b2bua *b, const char *tenant_id,
		    const char *call_id, const char *action, json_t **statep)
{
	struct call *call = live_call_of(b, tenant_id, call_id);
	int err;

	if (!call)
		return ENOENT;
	err = callrec_control(call, action);
	*statep = json_pack("{ssso}", "recording", callrec_state(call),
			    "recording_id", callrec_id(call)
					    ? json_string(callrec_id(call))
					    : json_null());
	return err;
}

int b2bua_call_agent(struct b2bua *b, const char *tenant_id,
		     const char *call_id, char agent_id[ID_LEN])
{
	struct call *call = live_call_of(b, tenant_id, call_id);

	if (!call)
		return ENOENT;
	str_ncpy(agent_id, call->agent_id, ID_LEN);
	return 0;
}

int b2bua_monitor(struct b2bua *b, const char *tenant_id, const char *call_id,
		  const char *mode, const char *phone, const char *by)
{
	struct call *call = live_call_of(b, tenant_id, call_id);
	enum monitor_mode m;

	if (!call)
		return ENOENT;
	if (monitor_mode_parse(mode, &m))
		return EINVAL;
	if (!call->winner || !call->answer_ms || call->room)
		return EPERM;
	if (!strcmp(call->winner->endpoint, phone) ||
	    !strcmp(call->caller, phone))
		return ELOOP;
	return monitor_start(call, m, phone, by);
}

int b2bua_agent_action(struct b2bua *b, const char *tenant_id,
		       const char *agent_id, const struct agent_action *act)
{
	struct call *found = NULL;
	struct le *le;

	LIST_FOREACH(&b->calls, le) {
		struct call *call = le->data;

		if (call->ended || call->agent_released ||
		    strcmp(call->agent_id, agent_id) ||
		    strcmp(call->tenant_id, tenant_id) ||
		    (act->call_id && strcmp(call->id, act->call_id)))
			continue;
		if (found)
			return ETOOMANYREFS;   /* several: say which */
		found = call;
	}
	return found ? agentcall_action(found, act) : ENOENT;
}

int b2bua_monitor_stop(struct b2bua *b, const char *tenant_id,
		       const char *call_id)
{
	struct call *call = live_call_of(b, tenant_id, call_id);

	return call ? monitor_stop(call) : ENOENT;
}

json_t *b2bua_live_call(struct b2bua *b, const char *tenant_id,
			const char *call_id)
{
	struct call *call = live_call_of(b, tenant_id, call_id);

	return call ? live_call(call) : NULL;
}

json_t *b2bua_room_participants(struct b2bua *b, const char *tenant_id,
				 const char *room_id)
{
	return conference_participants(b, tenant_id, room_id);
}

int b2bua_conference_mute(struct b2bua *b, const char *tenant_id,
			  const char *call_id, bool muted)
{
	struct call *call = live_call_of(b, tenant_id, call_id);

	return call ? conference_mute(call, muted) : ENOENT;
}

int b2bua_hangup(struct b2bua *b, const char *tenant_id, const char *call_id)
{
	struct le *le;

	LIST_FOREACH(&b->calls, le) {
		struct call *call = le->data;

		if (call->ended || strcmp(call->id, call_id) ||
		    strcmp(call->tenant_id, tenant_id))
			continue;
		cancel_other_legs(call, call->winner);
		call_end(call, call->winner ? "normal_end" : "not_connected",
			 "admin", call->winner ? 0 : 480,
			 call->winner ? NULL : "Temporarily Unavailable");
		return 0;
	}
	return ENOENT;
}
