/*
 * consult.c — an agent consults a third party while the customer holds
 * (issue 6; cticloud.md agent toolbar "consult", tencent-ccc.md §2.15):
 * the customer hears music on hold, the third party's phone is rung (the
 * agent hears ringback), and once it answers the agent and the third
 * party talk. Then the agent
 *
 *   transfers: the customer and the third party are bridged, the agent's
 *              leg ends and their wrap-up starts;
 *   joins all three (three-way): one conference (src/media/conf.c);
 *   returns:   the third party's leg ends, agent and customer talk again.
 *
 * When the third party does not answer, refuses or hangs up, the agent
 * is back with the customer. When the agent hangs up with the third party
 * on the line, the transfer completes (as an attended transfer would);
 * before it answers, the call ends as any call the agent hangs up. In a
 * three-way call, whoever of agent and third party stays talks to the
 * customer. The consultation's legs are not the call's b legs until the
 * transfer: they never compete to answer it and never end it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "b2bua.h"
#include "call.h"
#include "../core/bus.h"
#include "../core/log.h"

enum consult_state { CONSULT_RINGING, CONSULT_TALKING, CONSULT_THREEWAY };

struct consult {
	struct call *call;
	struct list legs;          /* the third party's phones rung */
	struct leg *leg;           /* the one that answered, or NULL */
	struct media_conf *mix;    /* three-way */
	enum consult_state state;
	char target[33];           /* the number rung */
	bool over;                 /* ended; freed by free_tmr */
	struct tmr ring_tmr, free_tmr;
};

static const char *const state_names[] = {"ringing", "talking",
					  "threeway"};

/* call.consult on the event bus (docs/ws.md): what became of it. */
static void publish(struct consult *c, const char *what, uint16_t code)
{
	struct call *call = c->call;
	struct bus *bus = b2bua_deps(call->b2bua)->bus;

	if (!bus || !call->agent_id[0])
		return;
	bus_publish(bus, call->tenant_id, "call.consult",
		    json_pack("{s:s,s:s,s:s,s:s,s:i}", "call_id", call->id,
			      "agent_id", call->agent_id, "target", c->target,
			      "state", what, "code", (int)code));
}

void consult_free(struct consult *c)
{
	if (!c)
		return;
	tmr_cancel(&c->ring_tmr);
	tmr_cancel(&c->free_tmr);
	legs_aside_free(&c->legs);
	media_conf_release(c->mix);
	if (c->call->consult == c)
		c->call->consult = NULL;
	free(c);
}

static void free_later(void *arg)
{
	consult_free(arg);
}

/* Everyone leaves the three-way mix (nobody is bridged after this). */
static void unmix(struct consult *c)
{
	struct call *call = c->call;

	if (!c->mix)
		return;
	media_conf_leave(call->a->ep);
	if (call->winner)
		media_conf_leave(call->winner->ep);
	if (c->leg)
		media_conf_leave(c->leg->ep);
	media_conf_release(c->mix);
	c->mix = NULL;
}

/* The customer off hold and back with the agent. */
static void back_to_agent(struct call *call)
{
	struct leg *agent = call->winner;

	call->agent_hold = false;
	moh_stop(call->a);
	media_play_stop(call->a->ep);
	if (!agent || call->ended)
		return;
	media_play_stop(agent->ep);
	call_bridge(call, agent);
	if (call->agent_mute)
		agentcall_apply(call);
}

/* The consultation is over; `back`: agent and customer talk again. */
static void finish(struct consult *c, const char *what, uint16_t code,
		   bool back)
{
	if (c->over)
		return;
	c->over = true;
	tmr_cancel(&c->ring_tmr);
	unmix(c);
	legs_aside_stop(&c->legs, NULL, false);
	if (back)
		back_to_agent(c->call);
	log_info("call", "call %s: consultation with %s ends (%s)",
		 c->call->id, c->target, what);
	publish(c, what, code);
	tmr_start(&c->free_tmr, 0, free_later, c);
}

static void ring_timeout(void *arg)
{
	struct consult *c = arg;

	legs_aside_stop(&c->legs, NULL, true);
	finish(c, "failed", 408, true);
}

/* The third party takes the agent's place: their leg becomes the
   call's, bridged to the customer; the agent's leg ends (BYE unless
   `agent_gone`, their phone having hung up) and their wrap-up starts. */
static void hand_over(struct consult *c, bool agent_gone)
{
	struct call *call = c->call;
	struct leg *agent = call->winner, *third = c->leg;

	unmix(c);
	list_unlink(&third->le);
	third->role = LEG_PARTY;
	list_append(&call->blegs, &third->le, third);
	c->leg = NULL;
	call->winner = third;
	call->agent_hold = call->agent_mute = false;
	if (!agent_gone) {
		leg_stop(agent, 0, NULL);
		agent->sess = mem_deref(agent->sess);        /* BYE */
	}
	queuecall_agent_released(call);
	media_play_stop(call->a->ep);
	media_play_stop(third->ep);
	call_bridge(call, third);
	log_info("call", "call %s: %s transfers it to %s after consulting",
		 call->id, agent->endpoint, third->endpoint);
	finish(c, "transferred", 0, false);
}

void consult_answered(struct leg *leg)
{
	struct call *call = leg->call;
	struct consult *c = call->consult;

	if (!c || c->over || c->leg || call->ended || !call->winner) {
		leg_stop(leg, 0, NULL);
		return;
	}
	tmr_cancel(&c->ring_tmr);
	leg->state = LEG_ANSWERED;
	leg->answer_ms = now_ms();
	c->leg = leg;
	c->state = CONSULT_TALKING;
	leg_phone_in_use(leg, leg->endpoint);   /* a consulted agent is busy */
	legs_aside_stop(&c->legs, leg, true);    /* its other phones */
	media_play_stop(call->winner->ep);
	if (media_bridge(call->winner->ep, leg->ep))
		log_warn("call", "call %s: cannot bridge %s to %s", call->id,
			 call->winner->endpoint, leg->endpoint);
	log_info("call", "call %s: %s consults %s", call->id,
		 call->winner->endpoint, c->target);
	publish(c, "talking", 200);
}

void consult_leg_closed(struct leg *leg, uint16_t code)
{
	struct call *call = leg->call;
	struct consult *c = call->consult;

	leg_stop(leg, code, NULL);
	if (!c || c->over)
		return;
	if (leg == c->leg) {
		finish(c, "ended", code, true);
		return;
	}
	if (!legs_aside_over(&c->legs))
		return;
	finish(c, "failed", code, true);
}

bool consult_agent_left(struct leg *leg)
{
	struct call *call = leg->call;
	struct consult *c = call->consult;

	if (!c || c->over || leg != call->winner || call->ended)
		return false;
	if (!c->leg) {              /* still ringing: the call ends */
		legs_aside_stop(&c->legs, NULL, true);
		finish(c, "failed", 487, false);
		return false;
	}
	leg_stop(leg, 0, NULL);
	hand_over(c, true);
	return true;
}

int consult_start(struct call *call, const char *number)
{
	struct consult *c;
	struct media_sound *ringback;

	if (call->consult && call->consult->over)
		consult_free(call->consult);    /* the last one, not freed yet */
	if (call->consult || call->mon)
		return EBUSY;
	if (!number || !strcmp(number, call->winner->endpoint))
		return ELOOP;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ENOMEM;
	c->call = call;
	str_ncpy(c->target, number, sizeof(c->target));
	list_init(&c->legs);
	tmr_init(&c->ring_tmr);
	tmr_init(&c->free_tmr);
	call->consult = c;
	if (!call_ring_aside(call, number, &c->legs, LEG_CONSULT)) {
		consult_free(c);
		return ENODEV;
	}
	if (call->agent_hold)      /* consulting is talking, not holding */
		agentcall_tell_hold(call, false);
	call->agent_hold = true;
	agentcall_apply(call);
	ringback = b2bua_tone(call->b2bua, "ringback");
	if (ringback)
		(void)media_play(call->winner->ep,
				 &(struct media_play){.sound = ringback});
	tmr_start(&c->ring_tmr, b2bua_deps(call->b2bua)->ring_timeout_ms,
		  ring_timeout, c);
	log_info("call", "call %s: %s consults %s, the customer holds",
		 call->id, call->winner->endpoint, number);
	publish(c, "ringing", 0);
	return 0;
}

/* The consultation going on, answered or not (NULL: none). */
static struct consult *current(struct call *call, bool answered)
{
	struct consult *c = call->consult;

	if (!c || c->over || (answered && !c->leg))
		return NULL;
	return c;
}

int consult_transfer(struct call *call)
{
	struct consult *c = current(call, true);

	if (!c)
		return consult_busy(call) ? EPERM : ESRCH;
	hand_over(c, false);
	return 0;
}

int consult_threeway(struct call *call)
{
	struct consult *c = current(call, true);
	int err;

	if (!c)
		return consult_busy(call) ? EPERM : ESRCH;
	if (c->state == CONSULT_THREEWAY)
		return EALREADY;
	err = media_conf_alloc(&c->mix, b2bua_deps(call->b2bua)->media);
	if (!err)
		err = media_conf_join(c->mix, call->a->ep);
	if (!err)
		err = media_conf_join(c->mix, call->winner->ep);
	if (!err)
		err = media_conf_join(c->mix, c->leg->ep);
	if (err) {
		unmix(c);
		media_bridge(call->winner->ep, c->leg->ep);
		return err;
	}
	call->agent_hold = false;
	moh_stop(call->a);
	media_play_stop(call->a->ep);
	if (call->agent_mute)
		media_conf_mute(call->winner->ep, true);
	c->state = CONSULT_THREEWAY;
	log_info("call", "call %s: three-way with %s", call->id, c->target);
	publish(c, "threeway", 0);
	return 0;
}

int consult_cancel(struct call *call)
{
	struct consult *c = current(call, false);

	if (!c)
		return ESRCH;
	legs_aside_stop(&c->legs, NULL, true);
	finish(c, "cancelled", 0, true);
	return 0;
}

void consult_call_ended(struct call *call)
{
	struct consult *c = call->consult;

	if (!c || c->over)
		return;
	c->over = true;
	tmr_cancel(&c->ring_tmr);
	unmix(c);
	/* BYE/CANCEL when the call is freed */
	legs_aside_stop(&c->legs, NULL, false);
	publish(c, "ended", 0);
}

bool consult_busy(const struct call *call)
{
	return call->consult && !call->consult->over;
}

json_t *consult_json(const struct call *call)
{
	const struct consult *c = call->consult;

	if (!c || c->over)
		return json_null();
	return json_pack("{s:s,s:s}", "target", c->target, "state",
			 state_names[c->state]);
}
