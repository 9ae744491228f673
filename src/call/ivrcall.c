/*
 * ivrcall.c — a call in an IVR flow (src/ivr): the call is answered and
 * given a session, and this file is the session's host — it plays the
 * prompts (prompt.c), rings the extension or outside number a transfer
 * node names (with the flow still in charge if nobody answers), hands the
 * caller to a voicemail box, and hangs up. Inbound routes whose
 * destination is an IVR flow, and extensions dialling a flow's number,
 * come in here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "b2bua.h"
#include "call.h"
#include "../core/log.h"
#include "../ivr/ivr.h"
#include "../media/audiofile.h"
#include "../sip/directory.h"

static struct call *call_of(void *arg)
{
	return arg;
}

static int host_play(void *arg, const struct ivr_part *parts, size_t n,
		     unsigned loops)
{
	struct call *call = call_of(arg);
	const struct b2bua_deps *deps = b2bua_deps(call->b2bua);
	struct prompt_part pp[16];
	size_t m = 0;

	if (n == 1 && parts[0].kind == IVR_PART_TONE) {
		struct media_sound *tone = b2bua_tone(call->b2bua,
						      parts[0].text);

		call_prompt_cancel(call);
		return tone ? media_play(call->a->ep, &(struct media_play){
			.sound = tone, .loops = loops}) : ENOENT;
	}
	for (size_t i = 0; i < n && m < 16; i++) {
		struct prompt_part *p = &pp[m];

		memset(p, 0, sizeof(*p));
		if (parts[i].kind == IVR_PART_VOICE) {
			p->kind = PROMPT_FILE;
			if (audiofile_voice_path(p->text, sizeof(p->text),
						 deps->data_dir, call->tenant_id,
						 parts[i].text) < 0)
				continue;
		} else {
			p->kind = parts[i].kind == IVR_PART_TONE ? PROMPT_TONE
								 : PROMPT_TEXT;
			str_ncpy(p->text, parts[i].text, sizeof(p->text));
		}
		m++;
	}
	if (!m)
		return ENOENT;
	return call_prompt(call, call->a, pp, m, loops, loops == 1 ? 0 : 600);
}

static void host_stop(void *arg)
{
	call_prompt_stop(call_of(arg));
}

static void ring_timeout(void *arg)
{
	struct call *call = arg;

	call_cancel_legs(call);
	ivr_dialled(call->ivr, false, 408);
}

static int host_dial_extension(void *arg, const char *number,
			       unsigned ring_s)
{
	struct call *call = call_of(arg);

	if (!call_ring_number(call, number))
		return ENOENT;     /* no such extension, or not registered */
	str_ncpy(call->target, number, sizeof(call->target));
	tmr_start(&call->ring_tmr, ring_s * 1000ULL, ring_timeout, call);
	log_info("call", "call %s: IVR rings extension %s", call->id, number);
	return 0;
}

static int host_dial_external(void *arg, const char *number,
			      const char *caller_id, unsigned ring_s)
{
	struct call *call = call_of(arg);
	int err = call_dial_external(call, number, caller_id);

	if (err == EACCES)
		log_info("call", "call %s: IVR cannot call %s", call->id,
			 number);
	if (!err)
		tmr_start(&call->ring_tmr, ring_s * 1000ULL, ring_timeout,
			  call);
	return err;
}

static int host_voicemail(void *arg, const char *box)
{
	struct call *call = call_of(arg);

	host_stop(call);
	return voicemail_take(call, box) ? 0 : ENOENT;
}

static void queue_done(struct call *call, const char *outcome)
{
	ivr_queued(call->ivr, outcome);
}

/* The flow may set the caller's priority in the queue: the variable
   queue_priority, 0-100 (higher waits ahead). */
static int host_queue(void *arg, const char *queue_id, const char **overflow)
{
	struct call *call = call_of(arg);
	char value[16], *end;
	long priority;

	ivr_var(call->ivr, "queue_priority", value, sizeof(value));
	priority = strtol(value, &end, 10);
	if (!*value || *end || priority < 0)
		priority = -1;
	return queuecall_enter(call, queue_id, (int)priority, queue_done,
			       overflow);
}

static void host_hangup(void *arg, const char *status)
{
	call_end(call_of(arg), status, "system", 0, NULL);
}

/* No speech recogniser ships yet (docs/ivr.md): speech menus go by
   their branches' fallback keys. */
static const struct ivr_host_ops host = {
	host_play, host_stop, host_dial_extension, host_dial_external,
	host_voicemail, host_hangup, host_queue, NULL,
};

int ivrcall_enter(struct call *call, const struct dir_ivr_flow *flow)
{
	struct ivr_call_info info = {.start_ms = call->start_ms};
	struct ivr_env env = {b2bua_deps(call->b2bua)->dir,
			      b2bua_http(call->b2bua)};
	int err;

	if (!call->answer_ms && call_answer_alone(call))
		return EIO;
	str_ncpy(info.call_id, call->id, sizeof(info.call_id));
	str_ncpy(info.tenant_id, call->tenant_id, sizeof(info.tenant_id));
	str_ncpy(info.caller, call->caller, sizeof(info.caller));
	str_ncpy(info.callee, call->callee, sizeof(info.callee));
	info.answer_ms = call->answer_ms;
	if (call->ivr)                  /* back from an agent: same path */
		err = ivr_continue(call->ivr, flow->flow);
	else
		err = ivr_start(&call->ivr, flow->flow, &env, &host, call,
				&info);
	if (err)
		log_warn("call", "call %s: IVR not started: %s", call->id,
			 strerror(err));
	return err;
}

bool ivrcall_key(struct call *call, char digit)
{
	return call->ivr && ivr_key(call->ivr, digit);
}

bool ivrcall_played(struct call *call)
{
	if (!ivr_active(call->ivr))
		return false;
	ivr_played(call->ivr);
	return true;
}

/* A transfer's leg answered (true) or every leg failed. */
bool ivrcall_dialled(struct call *call, bool answered, uint16_t code)
{
	if (!ivr_active(call->ivr))
		return false;
	tmr_cancel(&call->ring_tmr);
	ivr_dialled(call->ivr, answered, code);
	return true;
}

/* An extension dials a flow's number. */
bool ivrcall_dial(struct b2bua *b, const struct sip_msg *msg,
		  const struct dir_extension *from)
{
	char number[16];
	const struct dir_ivr_flow *flow;
	struct call *call;

	if (pl_strcpy(&msg->uri.user, number, sizeof(number)))
		return false;
	flow = directory_ivr_flow_number(b2bua_deps(b)->dir, from->tenant_id,
					 number);
	if (!flow)
		return false;
	call = b2bua_take_call(b, msg, from->tenant_id, "internal",
			       from->number, from->display_name, number,
			       from->codecs);
	if (call && ivrcall_enter(call, flow))
		call_end(call, "system_error", "system", 500, "IVR");
	return true;
}
