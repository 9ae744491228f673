/*
 * queuecall.c — a call in an ACD queue (src/acd): it is answered (if not
 * yet) and hears music on hold while it waits; the ACD rings agents'
 * phones through it, and when one answers the caller is bridged to the
 * agent and the agent's state follows the call until it ends. A call that
 * leaves a queue unanswered goes back to whoever sent it there: an IVR
 * flow (its queue node's exit) or an inbound route (the call ends with
 * the reason). Extensions may also dial a queue's number.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "b2bua.h"
#include "call.h"
#include "../acd/acd.h"
#include "../core/log.h"
#include "../sip/directory.h"

static void ring_timeout(void *arg)
{
	struct call *call = arg;
	struct acd_entry *e = call->queue;

	call_cancel_legs(call);
	if (e)
		acd_rang(e, false, NULL);
}

static int host_ring(void *arg, const char *const *phones, size_t n,
		     unsigned ring_s)
{
	struct call *call = arg;
	unsigned rung = 0;

	for (size_t i = 0; i < n; i++)
		rung += call_ring_number(call, phones[i]);
	if (!rung)
		return EAGAIN;            /* no registered phone */
	tmr_start(&call->ring_tmr, ring_s * 1000ULL, ring_timeout, call);
	return 0;
}

static void host_cancel(void *arg)
{
	struct call *call = arg;

	tmr_cancel(&call->ring_tmr);
	call_cancel_legs(call);
}

static void host_wait(void *arg, const struct dir_queue *q)
{
	struct call *call = arg;

	(void)q;   /* the queue's own class: with the queue media work */
	call_prompt_stop(call);
	moh_start(b2bua_moh(call->b2bua), call->a);
}

static void host_leave(void *arg, const char *outcome)
{
	struct call *call = arg;

	call->queue = NULL;
	moh_stop(call->a);
	if (call->queue_done)
		call->queue_done(call, outcome);
}

static void host_connected(void *arg, const char *agent_id,
			   const char *agent_no)
{
	struct call *call = arg;

	call->queue = NULL;
	call->agent_released = false;     /* a new agent's call */
	str_ncpy(call->agent_id, agent_id, sizeof(call->agent_id));
	str_ncpy(call->agent_no, agent_no, sizeof(call->agent_no));
	log_info("call", "call %s: agent %s takes it", call->id, agent_no);
	if (call->queue_done)
		call->queue_done(call, "answered");
}

static const char *host_caller(void *arg)
{
	const struct call *call = arg;

	return call->caller;
}

static const struct acd_call_ops ops = {
	host_ring, host_cancel, host_wait, host_leave, host_connected,
	host_caller,
};

int queuecall_enter(struct call *call, const char *queue_id,
		    void (*done)(struct call *, const char *),
		    const char **outcome)
{
	struct acd *acd = b2bua_deps(call->b2bua)->acd;
	struct acd_entry *e = NULL;
	int err;

	*outcome = NULL;
	if (!acd)
		return ENOTSUP;
	if (!call->answer_ms && call_answer_alone(call))
		return EIO;
	call->queue_done = done;
	str_ncpy(call->queue_id, queue_id, sizeof(call->queue_id));
	err = acd_enqueue(acd, &e, call->tenant_id, queue_id, call->id, &ops,
			  call, outcome);
	if (!err && e)
		call->queue = e;
	return err;
}

/* A ringing agent's leg answered (`leg`), or every leg failed (NULL). */
bool queuecall_dialled(struct call *call, const struct leg *leg)
{
	struct acd_entry *e = call->queue;

	if (!e)
		return false;
	tmr_cancel(&call->ring_tmr);
	moh_stop(call->a);
	acd_rang(e, leg != NULL, leg ? leg->endpoint : NULL);
	return true;
}

/* The call ends: out of its queue, or its agent's call is over. */
void queuecall_ended(struct call *call)
{
	struct acd_entry *e = call->queue;

	call->queue = NULL;
	if (e)
		acd_abandon(e);
	queuecall_agent_released(call);
}

void queuecall_agent_released(struct call *call)
{
	struct acd *acd = b2bua_deps(call->b2bua)->acd;

	if (!acd || !call->agent_id[0] || call->agent_released)
		return;
	call->agent_released = true;
	acd_agent_call_ended(acd, call->tenant_id, call->agent_id);
}

/* A route or a dialled number sent the call straight to a queue: when it
   cannot wait there, it ends saying why. */
static void end_on_overflow(struct call *call, const char *outcome)
{
	if (!strcmp(outcome, "answered"))
		return;
	if (!strcmp(outcome, "timeout"))
		call_end(call, "queue_timeout", "system", 0, NULL);
	else if (!strcmp(outcome, "full"))
		call_end(call, "queue_full", "system", 486, "Queue Full");
	else
		call_end(call, "no_agent", "system", 480, "No Agent");
}

void queuecall_direct(struct call *call, const char *queue_id)
{
	const char *outcome = NULL;
	int err = queuecall_enter(call, queue_id, end_on_overflow, &outcome);

	if (err)
		call_end(call, err == ENOENT ? "unavailable" : "system_error",
			 "system", err == ENOENT ? 480 : 500,
			 err == ENOENT ? "No Such Queue" : "Queue Error");
	else if (outcome)
		end_on_overflow(call, outcome);
}

bool queuecall_dial(struct b2bua *b, const struct sip_msg *msg,
		    const struct dir_extension *from)
{
	char number[16];
	const struct dir_queue *q;
	struct call *call;

	if (pl_strcpy(&msg->uri.user, number, sizeof(number)))
		return false;
	q = directory_queue_number(b2bua_deps(b)->dir, from->tenant_id, number);
	if (!q)
		return false;
	call = b2bua_take_call(b, msg, from->tenant_id, "internal",
			       from->number, from->display_name, number,
			       from->codecs);
	if (call)
		queuecall_direct(call, q->id);
	return true;
}
