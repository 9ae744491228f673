/*
 * dispatch.c — what happens to a new INVITE: from a trunk it is an inbound
 * call routed by the tenant's inbound routes (number, caller, time); from
 * an extension it is an internal call when it dials another extension, or
 * an outbound call through the tenant's outbound routes and trunks;
 * '*' + a short number is a speed dial to the number behind it.
 * Concurrency limits per tenant and per trunk are checked here, and every
 * refused call still leaves a call record saying why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "b2bua.h"
#include "../media/say.h"
#include "call.h"
#include "../core/log.h"
#include "../sip/directory.h"
#include "../sip/registrar.h"
#include "../store/store.h"

static void pl_copy(const struct pl *pl, char *out, size_t size)
{
	if (pl_strcpy(pl, out, size))
		out[0] = '\0';
}

/* A call refused before it rang anywhere still gets its record. */
static void refuse(struct b2bua *b, const struct sip_msg *msg,
		   const char *tenant_id, const char *direction,
		   const char *caller, const char *callee, const char *trunk,
		   uint16_t code, const char *reason, const char *status)
{
	struct call *call;

	if (!tenant_id || !*tenant_id) {
		b2bua_reject(b, msg, code, reason);
		return;
	}
	call = b2bua_take_call(b, msg, tenant_id, direction, caller, NULL,
			       callee, NULL);
	if (!call)
		return;
	if (trunk)
		str_ncpy(call->trunk_id, trunk, sizeof(call->trunk_id));
	call_end(call, status, "system", code, reason);
}

static bool tenant_full(struct b2bua *b, const char *tenant_id)
{
	const struct dir_tenant *t =
		directory_tenant(b2bua_deps(b)->dir, tenant_id);

	return t && t->max_calls &&
	       b2bua_count_tenant(b, tenant_id) >= t->max_calls;
}

enum { MAX_FORWARDS = 5 };

static void ring_with_features(struct call *call,
			       const struct dir_extension *ext);

static const struct dir_extension *find_ext(const struct call *call,
					    const char *number)
{
	struct pl num;

	pl_set_str(&num, number);
	return directory_extension(b2bua_deps(call->b2bua)->dir,
				   call->tenant_id, &num);
}

/* Sends the call on to `number`: another extension (with its own
   features), or an outside number through the outbound routes, with the
   forwarding extension's dial permission. */
static void forward_to(struct call *call, const struct dir_extension *from,
		       const char *number)
{
	if (++call->forwards > MAX_FORWARDS) {
		call_end(call, "forward_loop", "system", 482, "Loop Detected");
		return;
	}
	log_info("call", "call %s: %s forwards to %s", call->id, from->number,
		 number);
	call_cancel_legs(call);
	tmr_cancel(&call->noanswer_tmr);
	if (!strcmp(number, "voicemail")) {     /* the extension's own box */
		if (!voicemail_take(call, from->number))
			call_end(call, "unavailable", "system", 480,
				 "No Voicemail Box");
		return;
	}
	dispatch_dial(call, from, number, NULL);
}

void dispatch_dial(struct call *call, const struct dir_extension *from,
		   const char *number, const char *wanted_cid)
{
	const struct dir_extension *to = find_ext(call, number);
	struct outbound_decision *dec;

	if (to) {
		ring_with_features(call, to);
		return;
	}
	dec = calloc(1, sizeof(*dec));
	if (!dec || route_outbound(b2bua_deps(call->b2bua)->dir, from, number,
				   wanted_cid, now_ms(), dec)) {
		free(dec);
		call_end(call, "system_error", "system", 500, "Server Error");
		return;
	}
	if (dec->refusal.code) {
		call_end(call, dec->refusal.end_status, "system",
			 dec->refusal.code, dec->refusal.reason);
		free(dec);
		return;
	}
	free(call->out);
	call->out = dec;
	call->next_trunk = 0;
	call->target[0] = '\0';
	if (call_dial_next_trunk(call)) {
		call_end(call, "carrier_error", "system", 503,
			 "No Trunk Available");
		return;
	}
	call_start_ring_timer(call);
}

static void noanswer_timeout(void *arg)
{
	struct call *call = arg;
	const struct dir_extension *ext = find_ext(call, call->target);

	if (!call->ended && !call->winner && ext && ext->forward_no_answer[0])
		forward_to(call, ext, ext->forward_no_answer);
}

/* Rings an extension the way its owner set it: forward everything, do
   not disturb (busy, or forward-on-busy), forward when not answered. */
static void ring_with_features(struct call *call,
			       const struct dir_extension *ext)
{
	if (!ext->enabled) {
		call_end(call, "vacant", "system", 404, "Not Found");
		return;
	}
	if (ext->forward_always[0]) {
		forward_to(call, ext, ext->forward_always);
		return;
	}
	if (ext->dnd) {
		if (ext->forward_busy[0])
			forward_to(call, ext, ext->forward_busy);
		else
			call_end(call, "busy", "callee", 486,
				 "Busy Here (Do Not Disturb)");
		return;
	}
	str_ncpy(call->target, ext->number, sizeof(call->target));
	if (!call_ring_extension(call, ext)) {
		if (ext->forward_no_answer[0])
			forward_to(call, ext, ext->forward_no_answer);
		else
			call_end(call, "unavailable", "system", 480,
				 "Temporarily Unavailable");
		return;
	}
	if (ext->forward_no_answer[0])
		tmr_start(&call->noanswer_tmr, ext->no_answer_seconds * 1000,
			  noanswer_timeout, call);
	call_start_ring_timer(call);
}

bool dispatch_all_failed(struct call *call, uint16_t code)
{
	const struct dir_extension *ext;
	const char *to;

	if (call->ended || !call->target[0])
		return false;
	ext = find_ext(call, call->target);
	if (!ext)
		return false;
	to = code == 486 || code == 600 ? ext->forward_busy
					: ext->forward_no_answer;
	if (!to[0])
		return false;
	forward_to(call, ext, to);
	return true;
}

static unsigned ring_targets(struct call *call,
			     const struct inbound_decision *dec)
{
	const struct directory *dir = b2bua_deps(call->b2bua)->dir;
	unsigned started = 0;

	for (size_t i = 0; i < dec->ntargets; i++) {
		const struct dir_extension *ext;
		struct pl num;

		pl_set_str(&num, dec->targets[i]);
		ext = directory_extension(dir, call->tenant_id, &num);
		if (ext)
			started += call_ring_extension(call, ext);
	}
	return started;
}

static void inbound(struct b2bua *b, const struct sip_msg *msg,
		    const struct dir_trunk *trunk)
{
	const struct directory *dir = b2bua_deps(b)->dir;
	struct inbound_decision dec;
	char called[64], caller[64];
	struct call *call;

	pl_copy(pl_isset(&msg->uri.user) ? &msg->uri.user : &msg->to.uri.user,
		called, sizeof(called));
	pl_copy(&msg->from.uri.user, caller, sizeof(caller));
	if (route_inbound(dir, called, caller, trunk->id, now_ms(), &dec)) {
		b2bua_reject(b, msg, 500, "Server Internal Error");
		return;
	}
	if (dec.refusal.code) {
		refuse(b, msg, dec.tenant_id[0] ? dec.tenant_id
						: trunk->tenant_id,
		       "inbound", caller, called, trunk->id, dec.refusal.code,
		       dec.refusal.reason, dec.refusal.end_status);
		return;
	}
	if ((trunk->max_calls &&
	     b2bua_count_trunk(b, trunk->id) >= trunk->max_calls) ||
	    tenant_full(b, dec.tenant_id)) {
		refuse(b, msg, dec.tenant_id, "inbound", caller, called,
		       trunk->id, 503, "Too Many Calls", "over_capacity");
		return;
	}
	call = b2bua_take_call(b, msg, dec.tenant_id, "inbound", caller, NULL,
			       called, trunk->codecs);
	if (!call)
		return;
	str_ncpy(call->trunk_id, trunk->id, sizeof(call->trunk_id));
	switch (dec.dest) {
	case DEST_EXTENSION: {
		const struct dir_extension *ext = dec.ntargets
			? find_ext(call, dec.targets[0]) : NULL;

		if (ext)
			ring_with_features(call, ext);
		else
			call_end(call, "vacant", "system", 404, "Not Found");
		return;
	}
	case DEST_RING_GROUP:
		if (!ring_targets(call, &dec)) {
			call_end(call, "unavailable", "system", 480,
				 "Temporarily Unavailable");
			return;
		}
		call_start_ring_timer(call);
		return;
	case DEST_HANGUP:
		call_end(call, "hangup", "system", 603, "Decline");
		return;
	case DEST_QUEUE:
		if (dec.ntargets)
			queuecall_direct(call, dec.targets[0]);
		else
			call_end(call, "unavailable", "system", 480,
				 "No Queue");
		return;
	case DEST_IVR: {
		const struct dir_ivr_flow *flow = dec.ntargets
			? directory_ivr_flow(dir, call->tenant_id,
					     dec.targets[0]) : NULL;

		if (!flow)
			call_end(call, "unavailable", "system", 480,
				 "IVR Flow Not Published");
		else if (ivrcall_enter(call, flow))
			call_end(call, "system_error", "system", 500,
				 "IVR");
		return;
	}
	default:
		/* external numbers and voicemail come with their modules */
		call_end(call, "not_implemented", "system", 501,
			 "Destination Not Implemented");
		return;
	}
}

/* The caller ID the calling phone asks for (RFC 3325 P-Preferred-Identity,
   sip: or tel: URI), or "": none, one that does not parse, or the
   extension's own number (phones that send theirs ask for nothing). */
static void preferred_caller_id(const struct sip_msg *msg,
				const struct dir_extension *from,
				char *out, size_t size)
{
	const struct sip_hdr *h = sip_msg_hdr(msg,
					      SIP_HDR_P_PREFERRED_IDENTITY);
	struct pl number;

	out[0] = '\0';
	if (!h || re_regex(h->val.p, h->val.l, "[a-z]+:[+]*[0-9]+", NULL,
			   NULL, &number))
		return;
	pl_copy(&number, out, size);
	if (!strcmp(out, from->number))
		out[0] = '\0';
}

static void outbound(struct b2bua *b, const struct sip_msg *msg,
		     const struct dir_extension *from, const char *dialed)
{
	struct outbound_decision *dec = calloc(1, sizeof(*dec));
	struct call *call;
	char wanted[33];

	preferred_caller_id(msg, from, wanted, sizeof(wanted));
	if (!dec || route_outbound(b2bua_deps(b)->dir, from, dialed, wanted,
				   now_ms(), dec)) {
		free(dec);
		b2bua_reject(b, msg, 500, "Server Internal Error");
		return;
	}
	if (dec->refusal.code || tenant_full(b, from->tenant_id)) {
		bool full = !dec->refusal.code;

		refuse(b, msg, from->tenant_id, "outbound", from->number,
		       dialed, NULL, full ? 503 : dec->refusal.code,
		       full ? "Too Many Calls" : dec->refusal.reason,
		       full ? "over_capacity" : dec->refusal.end_status);
		free(dec);
		return;
	}
	call = b2bua_take_call(b, msg, from->tenant_id, "outbound",
			       from->number, from->display_name, dialed,
			       from->codecs);
	if (!call) {
		free(dec);
		return;
	}
	call->out = dec;
	if (call_dial_next_trunk(call)) {
		call_end(call, "carrier_error", "system", 503,
			 "No Trunk Available");
		return;
	}
	call_start_ring_timer(call);
}

static void internal(struct b2bua *b, const struct sip_msg *msg,
		     const struct dir_extension *from,
		     const struct dir_extension *to)
{
	struct call *call;

	if (!to->enabled) {
		refuse(b, msg, from->tenant_id, "internal", from->number,
		       to->number, NULL, 404, "Not Found", "vacant");
		return;
	}
	if (tenant_full(b, from->tenant_id)) {
		refuse(b, msg, from->tenant_id, "internal", from->number,
		       to->number, NULL, 503, "Too Many Calls",
		       "over_capacity");
		return;
	}
	call = b2bua_take_call(b, msg, from->tenant_id, "internal",
			       from->number, from->display_name, to->number,
			       from->codecs);
	if (call)
		ring_with_features(call, to);
}

/* ---- feature codes dialled from a phone (ippbx.md §2.9) ---- */

struct feature_write {
	struct b2bua *b;
	char ext_id[ID_LEN];
	char tenant_id[ID_LEN];
	const char *column;     /* dnd or forward_* */
	char value[33];         /* text value, or "0"/"1" for dnd */
};

static int feature_work(struct db *db, void *arg)
{
	struct feature_write *fw = arg;
	char sql[160];

	snprintf(sql, sizeof(sql), "UPDATE extensions SET %s = ?, "
		 "updated_at = ? WHERE id = ? AND tenant_id = ?", fw->column);
	if (!strcmp(fw->column, "dnd"))
		return db_exec(db, sql, json_pack("[iIss]", atoi(fw->value),
						  (json_int_t)now_ms(),
						  fw->ext_id, fw->tenant_id));
	return db_exec(db, sql, json_pack("[sIss]", fw->value,
					  (json_int_t)now_ms(), fw->ext_id,
					  fw->tenant_id));
}

static void feature_done(int err, void *arg)
{
	struct feature_write *fw = arg;

	if (err)
		log_warn("call", "feature code: cannot update %s: %d",
			 fw->column, err);
	else
		directory_reload(b2bua_deps(fw->b)->dir);
	free(fw);
}

static bool digits_only(const char *s)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++) {
		if ((*p < '0' || *p > '9') && !(*p == '+' && p == s))
			return false;
	}
	return true;
}

/* Which setting a code changes; false when it is not a feature code. */
static bool feature_parse(const char *dialed, const char **column,
			  char *value, size_t size)
{
	static const struct { const char *code, *column; bool arg; } codes[] = {
		{"*81", "dnd", false}, {"*80", "dnd", false},
		{"*841", "forward_always", true},
		{"*842", "forward_no_answer", true},
		{"*843", "forward_busy", true},
		{"*851", "forward_always", false},
		{"*852", "forward_no_answer", false},
		{"*853", "forward_busy", false},
	};

	for (size_t i = 0; i < sizeof(codes) / sizeof(*codes); i++) {
		size_t n = strlen(codes[i].code);

		if (strncmp(dialed, codes[i].code, n))
			continue;
		if (codes[i].arg != (dialed[n] != '\0'))
			continue;
		if (codes[i].arg && !digits_only(dialed + n))
			return false;
		*column = codes[i].column;
		if (!strcmp(codes[i].column, "dnd"))
			snprintf(value, size, "%d", !strcmp(codes[i].code, "*81"));
		else
			snprintf(value, size, "%s", codes[i].arg ? dialed + n : "");
		return true;
	}
	return false;
}

static void feature_hangup(void *arg)
{
	struct call *call = arg;

	call_end(call, "feature_code", "system", 0, NULL);
}

/* A call of the extension that hotlined answers itself (a feature: no one
   else is on it); NULL when it could not be taken or answered. */
static struct call *answer_here(struct b2bua *b, const struct sip_msg *msg,
				const struct dir_extension *from,
				const char *callee)
{
	struct call *call = b2bua_take_call(b, msg, from->tenant_id,
					    "internal", from->number,
					    from->display_name, callee,
					    from->codecs);

	if (call && call_answer_alone(call)) {
		call_end(call, "system_error", "system", 500, "Server Error");
		return NULL;
	}
	return call;
}

/* *82 (ippbx.md §2.9): who last called this extension, read out (TTS,
   Chinese, the number digit by digit), then hang-up. */
static void say_last_caller(struct b2bua *b, const struct sip_msg *msg,
			    const struct dir_extension *from)
{
	const char *last = lastcaller_get(b2bua_last_callers(b),
					  from->tenant_id, from->number);
	struct prompt_part part = {.kind = PROMPT_TEXT};
	char digits[512];
	struct call *call = answer_here(b, msg, from, "*82");

	if (!call)
		return;
	if (last && !say_digits(digits, sizeof(digits), SAY_ZH, last, true))
		re_snprintf(part.text, sizeof(part.text),
			    "上一个来电号码是 %s", digits);
	else
		str_ncpy(part.text, "没有来电记录", sizeof(part.text));
	call->hang_up_after_play = true;
	call->end_after_play = "feature_code";
	tmr_start(&call->ring_tmr, 30000, feature_hangup, call);
	if (call_prompt(call, call->a, &part, 1, 1, 0))
		call_end(call, "feature_code", "system", 0, NULL);
}

/* *43: the echo test — answered, and what the phone sends comes back
   (agents check their headset and the network). Ends when they hang up. */
static void echo_test(struct b2bua *b, const struct sip_msg *msg,
		      const struct dir_extension *from)
{
	struct call *call = answer_here(b, msg, from, "*43");

	if (!call)
		return;
	media_endpoint_echo(call->a->ep, true);
	log_info("call", "extension %s: echo test", from->number);
}

/* Sets DND or a forwarding target for the dialling extension, then answers
   with a confirmation tone and hangs up. */
static bool feature_code(struct b2bua *b, const struct sip_msg *msg,
			 const struct dir_extension *from, const char *dialed)
{
	struct feature_write *fw;
	struct call *call;
	const char *column;
	char value[33];

	if (!strcmp(dialed, "*43")) {
		echo_test(b, msg, from);
		return true;
	}
	if (!strcmp(dialed, "*82")) {
		say_last_caller(b, msg, from);
		return true;
	}
	if (!strcmp(dialed, "*8")) {
		if (b2bua_pickup(b, msg, from) == ENOENT)
			refuse(b, msg, from->tenant_id, "internal",
			       from->number, dialed, NULL, 404,
			       "Nothing To Pick Up", "no_route");
		return true;
	}
	if (!feature_parse(dialed, &column, value, sizeof(value)))
		return false;
	fw = calloc(1, sizeof(*fw));
	if (!fw) {
		b2bua_reject(b, msg, 500, "Server Internal Error");
		return true;
	}
	*fw = (struct feature_write){.b = b, .column = column};
	str_ncpy(fw->ext_id, from->id, sizeof(fw->ext_id));
	str_ncpy(fw->tenant_id, from->tenant_id, sizeof(fw->tenant_id));
	str_ncpy(fw->value, value, sizeof(fw->value));
	if (store_submit(b2bua_deps(b)->store, STORE_WRITE, feature_work,
			 feature_done, fw)) {
		free(fw);
		b2bua_reject(b, msg, 503, "Service Unavailable");
		return true;
	}
	log_info("call", "extension %s: feature code %s (%s = '%s')",
		 from->number, dialed, column, value);
	call = answer_here(b, msg, from, dialed);
	if (!call)
		return true;
	media_play(call->a->ep, &(struct media_play){
		.sound = b2bua_tone(b, "confirm"), .loops = 1});
	tmr_start(&call->ring_tmr, 1000, feature_hangup, call);
	return true;
}

/* The number behind a speed dial, dialled as if the extension had
   dialled it: another extension, or out through the outbound routes
   with the extension's dial permission (ippbx.md §2.1.2). */
static void speed_dial(struct b2bua *b, const struct sip_msg *msg,
		       const struct dir_extension *from, const char *dialed,
		       const char *number)
{
	const struct dir_extension *to;
	struct pl num;

	if (!number[0]) {
		refuse(b, msg, from->tenant_id, "internal", from->number,
		       dialed, NULL, 404, "Speed Dial Not Found", "vacant");
		return;
	}
	log_info("call", "extension %s: speed dial %s to %s", from->number,
		 dialed, number);
	pl_set_str(&num, number);
	to = directory_extension(b2bua_deps(b)->dir, from->tenant_id, &num);
	if (to)
		internal(b, msg, from, to);
	else
		outbound(b, msg, from, number);
}

void dispatch_invite(struct b2bua *b, const struct sip_msg *msg)
{
	const struct b2bua_deps *deps = b2bua_deps(b);
	const struct dir_trunk *trunk =
		directory_trunk_for_source(deps->dir, &msg->src);
	const struct dir_extension *from, *to;
	char dialed[64], number[33];

	if (trunk) {
		inbound(b, msg, trunk);
		return;
	}
	from = registrar_authenticate(deps->reg, msg);
	if (!from)
		return;   /* answered with 401/407/403 */
	to = directory_extension(deps->dir, from->tenant_id, &msg->uri.user);
	if (to) {
		internal(b, msg, from, to);
		return;
	}
	if (conference_enter(b, msg, from) || voicemail_dial(b, msg, from) ||
	    ivrcall_dial(b, msg, from) || queuecall_dial(b, msg, from))
		return;
	pl_copy(&msg->uri.user, dialed, sizeof(dialed));
	if (dialed[0] == '*' && feature_code(b, msg, from, dialed))
		return;
	if (route_speed_dial(deps->dir, from->tenant_id, dialed, number,
			     sizeof(number))) {
		speed_dial(b, msg, from, dialed, number);
		return;
	}
	outbound(b, msg, from, dialed);
}
