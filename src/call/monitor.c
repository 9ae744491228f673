/*
 * monitor.c — a supervisor on an agent's call (issue 6; tencent-ccc.md
 * §2.24, cticloud.md monitoring): their phone is rung, and once they
 * answer, the customer, the agent and the supervisor are mixed in one
 * conference (src/media/conf.c) where the supervisor
 *
 *   listens:   hears both, is heard by no one (muted);
 *   whispers:  hears both, is heard by the agent alone;
 *   barges in: a three-way call;
 *   intercepts: takes the agent's place (the agent's leg ends, the agent
 *              goes to wrap-up), customer and supervisor bridged again.
 *
 * The mode changes from the API, or from the supervisor's keypad: 1
 * listen, 2 whisper, 3 barge, 4 intercept. When the supervisor hangs up,
 * the customer and the agent are bridged back; when the call ends, the
 * supervisor's leg ends with it. The monitor's legs are not the call's
 * b legs: they never compete to answer it and never end it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "b2bua.h"
#include "call.h"
#include "../core/log.h"

struct monitor {
	struct call *call;
	struct list legs;          /* the supervisor's phones rung */
	struct leg *leg;           /* the one that answered, or NULL */
	struct media_conf *mix;
	enum monitor_mode mode;
	char phone[33];
	char by[128];              /* who asked (user name) */
	bool over;                 /* ended; freed by free_tmr */
	struct tmr ring_tmr, free_tmr;
};

static const char *const mode_names[] = {"listen", "whisper", "barge",
					 "intercept"};

const char *monitor_mode_name(enum monitor_mode mode)
{
	return mode_names[mode];
}

int monitor_mode_parse(const char *name, enum monitor_mode *mode)
{
	for (size_t i = 0; name && i < sizeof(mode_names) / sizeof(*mode_names);
	     i++) {
		if (!strcmp(name, mode_names[i])) {
			*mode = (enum monitor_mode)i;
			return 0;
		}
	}
	return EINVAL;
}

/* Frees the monitor and its legs (BYE or CANCEL for those still up).
   Never from a handler of one of its own sessions. */
void monitor_free(struct monitor *m)
{
	if (!m)
		return;
	tmr_cancel(&m->ring_tmr);
	tmr_cancel(&m->free_tmr);
	legs_aside_free(&m->legs);
	media_conf_release(m->mix);
	if (m->call->mon == m)
		m->call->mon = NULL;
	free(m);
}

static void free_later(void *arg)
{
	monitor_free(arg);
}

/* Customer and agent leave the mix and talk to each other again. */
static void unmix(struct monitor *m, bool bridge_back)
{
	struct call *call = m->call;

	if (!m->mix)
		return;
	media_conf_leave(call->a->ep);
	if (call->winner)
		media_conf_leave(call->winner->ep);
	if (m->leg)
		media_conf_leave(m->leg->ep);
	media_conf_release(m->mix);
	m->mix = NULL;
	if (!bridge_back || call->ended || !call->winner)
		return;
	call_bridge(call, call->winner);
	if (call->winner->held)       /* on hold before: still on hold */
		moh_start(b2bua_moh(call->b2bua), call->a);
	else if (call->a->held)
		moh_start(b2bua_moh(call->b2bua), call->winner);
}

/* The monitoring is over: the call goes on without the supervisor. */
static void finish(struct monitor *m, const char *why)
{
	if (m->over)
		return;
	m->over = true;
	tmr_cancel(&m->ring_tmr);
	unmix(m, true);
	legs_aside_stop(&m->legs, NULL, false);
	log_info("call", "call %s: monitoring by %s ends (%s)", m->call->id,
		 m->phone, why);
	tmr_start(&m->free_tmr, 0, free_later, m);
}

static void ring_timeout(void *arg)
{
	struct monitor *m = arg;

	legs_aside_stop(&m->legs, NULL, true);
	finish(m, "no answer");
}

static void apply_mode(struct monitor *m)
{
	struct leg *sup = m->leg;

	media_conf_mute(sup->ep, m->mode == MONITOR_LISTEN);
	media_conf_whisper(sup->ep, m->mode == MONITOR_WHISPER
					    ? m->call->winner->ep : NULL);
}

/* The supervisor takes the agent's place: the agent's leg ends (the
   agent goes to wrap-up), the supervisor's becomes the call's. */
static void take_over(struct monitor *m)
{
	struct call *call = m->call;
	struct leg *agent = call->winner, *sup = m->leg;

	unmix(m, false);
	list_unlink(&sup->le);
	sup->role = LEG_PARTY;
	list_append(&call->blegs, &sup->le, sup);
	m->leg = NULL;
	call->winner = sup;
	leg_stop(agent, 0, NULL);
	agent->sess = mem_deref(agent->sess);          /* BYE */
	queuecall_agent_released(call);
	call_bridge(call, sup);
	log_info("call", "call %s: %s takes it over from %s", call->id,
		 sup->endpoint, agent->endpoint);
	finish(m, "intercepted");
}

static void join(struct monitor *m)
{
	struct call *call = m->call;
	int err = 0;

	if (m->mode == MONITOR_INTERCEPT) {
		take_over(m);
		return;
	}
	if (!m->mix)
		err = media_conf_alloc(&m->mix,
				       b2bua_deps(call->b2bua)->media);
	if (!err)
		err = media_conf_join(m->mix, call->a->ep);
	if (!err)
		err = media_conf_join(m->mix, call->winner->ep);
	if (!err)
		err = media_conf_join(m->mix, m->leg->ep);
	if (err) {
		log_warn("call", "call %s: cannot mix for monitoring: %s",
			 call->id, strerror(err));
		finish(m, "no mixer");
		return;
	}
	moh_stop(call->a);
	moh_stop(call->winner);
	apply_mode(m);
}

void monitor_answered(struct leg *leg)
{
	struct call *call = leg->call;
	struct monitor *m = call->mon;

	if (!m || m->over || m->leg || call->ended || !call->winner) {
		leg_stop(leg, 0, NULL);
		return;
	}
	tmr_cancel(&m->ring_tmr);
	leg->state = LEG_ANSWERED;
	leg->answer_ms = now_ms();
	m->leg = leg;
	leg_phone_in_use(leg, leg->endpoint);
	legs_aside_stop(&m->legs, leg, true);    /* its other phones */
	log_info("call", "call %s: %s monitors it (%s)", call->id, m->phone,
		 monitor_mode_name(m->mode));
	join(m);
}

void monitor_leg_closed(struct leg *leg, uint16_t code)
{
	struct monitor *m = leg->call->mon;

	leg_stop(leg, code, NULL);
	if (!m || m->over)
		return;
	if (leg == m->leg) {
		finish(m, "the supervisor hung up");
		return;
	}
	if (!legs_aside_over(&m->legs))
		return;
	finish(m, "the supervisor's phone did not answer");
}

bool monitor_key(struct leg *leg, char digit)
{
	struct monitor *m = leg->call->mon;
	enum monitor_mode mode;

	if (leg->role != LEG_MONITOR)
		return false;
	if (!m || m->over || leg != m->leg || digit < '1' || digit > '4')
		return true;
	mode = (enum monitor_mode)(digit - '1');
	(void)monitor_set_mode(m, mode);
	return true;
}

int monitor_set_mode(struct monitor *m, enum monitor_mode mode)
{
	if (m->mode == mode)
		return EALREADY;
	m->mode = mode;
	if (!m->leg)
		return 0;          /* applies when the supervisor answers */
	if (mode == MONITOR_INTERCEPT)
		take_over(m);
	else
		apply_mode(m);
	return 0;
}

int monitor_start(struct call *call, enum monitor_mode mode,
		  const char *phone, const char *by)
{
	struct monitor *m;

	if (call->mon && call->mon->over)
		monitor_free(call->mon);     /* the last one, not freed yet */
	if (!call->mon && consult_busy(call))
		return EINPROGRESS;
	if (call->mon)
		return strcmp(call->mon->phone, phone)
			       ? EBUSY : monitor_set_mode(call->mon, mode);
	m = calloc(1, sizeof(*m));
	if (!m)
		return ENOMEM;
	m->call = call;
	m->mode = mode;
	str_ncpy(m->phone, phone, sizeof(m->phone));
	str_ncpy(m->by, by ? by : "", sizeof(m->by));
	list_init(&m->legs);
	tmr_init(&m->ring_tmr);
	tmr_init(&m->free_tmr);
	call->mon = m;
	if (!call_ring_aside(call, phone, &m->legs, LEG_MONITOR)) {
		monitor_free(m);
		return ENODEV;
	}
	tmr_start(&m->ring_tmr, b2bua_deps(call->b2bua)->ring_timeout_ms,
		  ring_timeout, m);
	log_info("call", "call %s: %s asks to %s from %s", call->id, m->by,
		 monitor_mode_name(mode), phone);
	return 0;
}

int monitor_stop(struct call *call)
{
	struct monitor *m = call->mon;

	if (!m || m->over)
		return ENOENT;
	legs_aside_stop(&m->legs, NULL, true);
	finish(m, "stopped");
	return 0;
}

/* The call ends: the supervisor's phone is hung up with it. */
void monitor_call_ended(struct call *call)
{
	struct monitor *m = call->mon;

	if (!m || m->over)
		return;
	m->over = true;
	tmr_cancel(&m->ring_tmr);
	unmix(m, false);
	/* BYE/CANCEL when the call is freed */
	legs_aside_stop(&m->legs, NULL, false);
}

json_t *monitor_json(const struct call *call)
{
	const struct monitor *m = call->mon;

	if (!m || m->over)
		return json_null();
	return json_pack("{sssssssb}", "mode", monitor_mode_name(m->mode),
			 "phone", m->phone, "by", m->by, "answered",
			 m->leg != NULL);
}
