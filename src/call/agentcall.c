/*
 * agentcall.c — an agent's controls over the call they took from a queue
 * (issue 6; cticloud.md agent toolbar, tencent-ccc.md §2.15): hang up,
 * hold and resume (the customer hears music on hold, the agent hears
 * nothing), mute and unmute (the customer stops hearing the agent), send
 * DTMF to the customer (in-band tones, so any far end hears them), and
 * blind transfer of the customer to an extension, another agent, a
 * queue, an IVR flow (also the satisfaction survey) or an external
 * number. A transfer ends the agent's part: their leg is hung up and
 * their wrap-up starts; the call's record keeps the agent who took it.
 * Consulting a third party first (then transfer, three-way or return)
 * is consult.c's.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "../acd/acd.h"
#include "b2bua.h"
#include "call.h"
#include "../core/log.h"
#include "../route/route.h"
#include "../sip/directory.h"

enum { DTMF_RATE = 16000, DTMF_TONE_MS = 100, DTMF_GAP_MS = 70,
       DTMF_MAX = 32 };

/* The two frequencies (Hz) of a DTMF key (ITU-T Q.23). */
static bool dtmf_freqs(char key, double *lo, double *hi)
{
	static const char keys[] = "123A456B789C*0#D";
	static const double rows[] = {697, 770, 852, 941};
	static const double cols[] = {1209, 1336, 1477, 1633};
	const char *p = strchr(keys, key);

	if (!key || !p)
		return false;
	*lo = rows[(p - keys) / 4];
	*hi = cols[(p - keys) % 4];
	return true;
}

/* The keys as tones, 100 ms each with 70 ms between (-6 dBm0 per tone). */
static int dtmf_sound(struct media_sound **sp, const char *keys)
{
	size_t per = (DTMF_TONE_MS + DTMF_GAP_MS) * DTMF_RATE / 1000;
	size_t tone = DTMF_TONE_MS * DTMF_RATE / 1000, n = strlen(keys);
	int16_t *pcm = calloc(n * per, sizeof(*pcm));
	int err;

	if (!pcm)
		return ENOMEM;
	for (size_t k = 0; k < n; k++) {
		double lo, hi;

		if (!dtmf_freqs(keys[k], &lo, &hi)) {
			free(pcm);
			return EINVAL;
		}
		for (size_t i = 0; i < tone; i++) {
			double t = (double)i / DTMF_RATE;

			pcm[k * per + i] = (int16_t)(8000 *
				(sin(2 * M_PI * lo * t) + sin(2 * M_PI * hi * t)));
		}
	}
	err = media_sound_from_pcm(sp, pcm, n * per);
	free(pcm);
	return err;
}

static int send_dtmf(struct call *call, const char *keys)
{
	struct media_sound *s = NULL;
	struct media_play p = {.loops = 1};
	int err;

	if (!keys || !*keys || strlen(keys) > DTMF_MAX)
		return EINVAL;
	err = dtmf_sound(&s, keys);
	if (err)
		return err;
	p.sound = s;
	err = media_play(call->a->ep, &p);
	media_sound_unref(s);
	return err;
}

/* Silence played to a leg instead of what the bridge brings: RTP keeps
   flowing (no carrier's RTP timeout, no NAT binding lost). */
static void play_silence(struct leg *leg)
{
	static const int16_t quiet[DTMF_RATE / 50];    /* 20 ms */
	struct media_sound *s = NULL;
	struct media_play p = {.loops = 0};

	if (media_sound_from_pcm(&s, quiet, sizeof(quiet) / sizeof(*quiet)))
		return;
	p.sound = s;
	(void)media_play(leg->ep, &p);
	media_sound_unref(s);
}

/* On hold, the customer hears the music on hold (silence without a
   class) and the agent silence; muted, the customer hears silence. */
void agentcall_apply(struct call *call)
{
	struct leg *agent = call->winner;

	if (call->agent_hold) {
		play_silence(call->a);
		moh_start(b2bua_moh(call->b2bua), call->a);
		play_silence(agent);
		return;
	}
	moh_stop(call->a);
	if (call->agent_mute)
		play_silence(call->a);
	else
		media_play_stop(call->a->ep);
	media_play_stop(agent->ep);
}

void agentcall_tell_hold(struct call *call, bool on)
{
	struct acd *acd = b2bua_deps(call->b2bua)->acd;
	int64_t at;

	if (!acd || !call->agent_id[0] || call->agent_released)
		return;
	if (acd_agent_hold(acd, call->tenant_id, call->agent_id, on, &at))
		at = now_ms();
	if (on && !call->hold_since) {          /* the state log's times */
		call->hold_since = at;
	} else if (!on && call->hold_since) {
		call->hold_ms += at - call->hold_since;
		call->hold_since = 0;
	}
}

static int set_flag(struct call *call, bool *flag, bool on)
{
	if (*flag == on)
		return EALREADY;
	if ((call->mon && on) || consult_busy(call))
		return EBUSY;        /* not while a supervisor is mixed in */
	*flag = on;
	agentcall_apply(call);
	if (flag == &call->agent_hold)
		agentcall_tell_hold(call, on);
	return 0;
}

/* Before the agent leaves: no hold, no mute, no supervisor. */
static void agent_quiet(struct call *call)
{
	call->agent_hold = call->agent_mute = false;
	moh_stop(call->a);
	media_play_stop(call->a->ep);
	(void)monitor_stop(call);
}

/* The agent's part ends; the customer stays on the call, bridged to
   nobody, for what comes next. */
static void agent_leaves(struct call *call)
{
	agent_quiet(call);
	transfer_release(call->winner);
	queuecall_agent_released(call);
}

static int to_extension(struct call *call, const char *number)
{
	struct leg *agent = call->winner;
	struct pl num;

	pl_set_str(&num, number);
	if (!directory_extension(b2bua_deps(call->b2bua)->dir, call->tenant_id,
				 &num))
		return ENXIO;
	agent_quiet(call);
	if (transfer_blind_to(agent, number))
		return ENXIO;
	queuecall_agent_released(call);
	return 0;
}

/* The number of another agent's bound phone, or NULL (ENXIO: no such
   agent or no phone; ELOOP: the agent on this call). */
static const char *agent_phone(struct call *call, const char *agent_id,
			       int *err)
{
	const struct dir_agent *ag = directory_agent(
		b2bua_deps(call->b2bua)->dir, call->tenant_id, agent_id);

	*err = !ag || !ag->phone[0] ? ENXIO
	     : !strcmp(ag->id, call->agent_id) ? ELOOP : 0;
	return *err ? NULL : ag->phone;
}

/* Another agent: their bound phone. */
static int to_agent(struct call *call, const char *agent_id)
{
	int err;
	const char *phone = agent_phone(call, agent_id, &err);

	return phone ? to_extension(call, phone) : err;
}

static int to_queue(struct call *call, const char *queue_id)
{
	const struct dir_queue *q = directory_queue(
		b2bua_deps(call->b2bua)->dir, call->tenant_id, queue_id);

	if (!q || !q->enabled)
		return ENXIO;
	agent_leaves(call);
	queuecall_direct(call, q->id);
	return 0;
}

static int to_flow(struct call *call, const char *flow_id)
{
	const struct dir_ivr_flow *f = directory_ivr_flow(
		b2bua_deps(call->b2bua)->dir, call->tenant_id, flow_id);

	if (!f)
		return ENXIO;
	agent_leaves(call);
	if (ivrcall_enter(call, f))
		call_end(call, "system_error", "system", 500, "IVR error");
	return 0;
}

static int to_external(struct call *call, const char *number)
{
	int err;

	if (!number || strlen(number) < 2 || strlen(number) > 32 ||
	    strspn(number, "+0123456789") != strlen(number))
		return EINVAL;
	if (!call_external_routable(call, number))
		return EACCES;
	agent_leaves(call);
	err = call_dial_external(call, number, "");
	if (err)
		call_end(call, "transfer_failed", "system", 480,
			 err == EACCES ? "No Route" : "No Trunk");
	else
		call_start_ring_timer(call);
	return 0;
}

static int consult_number(struct call *call, const char *number)
{
	int err = consult_start(call, number);

	return err == ENODEV ? ENXIO : err;
}

static int consult_agent(struct call *call, const char *agent_id)
{
	int err;
	const char *phone = agent_phone(call, agent_id, &err);

	return phone ? consult_number(call, phone) : err;
}

static const char *const action_names[] = {
	"hangup", "hold", "unhold", "mute", "unmute", "dtmf",
	"transfer_extension", "transfer_agent", "transfer_queue",
	"transfer_ivr", "transfer_external", "consult_extension",
	"consult_agent", "consult_transfer", "consult_threeway",
	"consult_cancel",
};

int agent_action_parse(const char *name, enum agent_action_kind *kind)
{
	for (size_t i = 0;
	     name && i < sizeof(action_names) / sizeof(*action_names); i++) {
		if (!strcmp(name, action_names[i])) {
			*kind = (enum agent_action_kind)i;
			return 0;
		}
	}
	return EINVAL;
}

bool agent_action_needs_target(enum agent_action_kind kind)
{
	return kind >= AGENT_DTMF && kind <= AGENT_CONSULT_AGENT;
}

/* While consulting: hang up, or end the consultation one way or other. */
static bool allowed_in_consultation(enum agent_action_kind kind)
{
	return kind == AGENT_HANGUP || kind >= AGENT_CONSULT_TRANSFER;
}

int agentcall_action(struct call *call, const struct agent_action *act)
{
	if (!call->winner || !call->answer_ms || call->ended)
		return EPERM;
	if (consult_busy(call) && !allowed_in_consultation(act->kind))
		return EBUSY;
	switch (act->kind) {
	case AGENT_HANGUP:
		call_end(call, "normal_end", "callee", 0, NULL);
		return 0;
	case AGENT_HOLD:
	case AGENT_UNHOLD:
		return set_flag(call, &call->agent_hold,
				act->kind == AGENT_HOLD);
	case AGENT_MUTE:
	case AGENT_UNMUTE:
		return set_flag(call, &call->agent_mute,
				act->kind == AGENT_MUTE);
	case AGENT_DTMF:
		if (call->agent_hold || call->agent_mute)
			return EBUSY;
		return send_dtmf(call, act->target);
	case AGENT_TO_EXTENSION:
		return to_extension(call, act->target);
	case AGENT_TO_AGENT:
		return to_agent(call, act->target);
	case AGENT_TO_QUEUE:
		return to_queue(call, act->target);
	case AGENT_TO_FLOW:
		return to_flow(call, act->target);
	case AGENT_TO_EXTERNAL:
		return to_external(call, act->target);
	case AGENT_CONSULT_EXTENSION:
		return consult_number(call, act->target);
	case AGENT_CONSULT_AGENT:
		return consult_agent(call, act->target);
	case AGENT_CONSULT_TRANSFER:
		return consult_transfer(call);
	case AGENT_CONSULT_THREEWAY:
		return consult_threeway(call);
	case AGENT_CONSULT_CANCEL:
		return consult_cancel(call);
	}
	return EINVAL;
}
