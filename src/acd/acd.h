/*
 * acd.h — the automatic call distributor at run time (issue 6): agents'
 * states (offline, idle, busy with a reason, ringing, talking, wrap-up),
 * each change kept in the agent state log, and the calls waiting in each
 * queue, offered to the queue's eligible agents in the order of its
 * strategy (acd/strategy.h). The configuration (agents, queues) comes from
 * the directory; the calls are the call module's, reached through
 * operations it gives for each call. Control thread only.
 */
#ifndef HOTLINE_ACD_ACD_H
#define HOTLINE_ACD_ACD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct acd;
struct acd_entry;
struct bus;
struct directory;
struct dir_queue;
struct store;

enum acd_agent_state {
	AGENT_OFFLINE, AGENT_IDLE, AGENT_BUSY, AGENT_RINGING, AGENT_TALKING,
	AGENT_WRAPUP, AGENT_HELD,
};

/* An agent's phone to ring: an extension number, whether the agent
   wants their phone to answer by itself (auto-answer); or an outside
   number (external) to ring through the tenant's outbound routes, showing
   caller_id ("": the route's). At most one external phone per ring. */
struct acd_phone {
	const char *number;
	bool auto_answer;
	bool external;
	const char *caller_id;
};

/* What the ACD asks of a call waiting in a queue. */
struct acd_call_ops {
	/* Rings these phones at once for ring_s seconds; the outcome
	   comes back as acd_rang(). */
	int  (*ring)(void *arg, const struct acd_phone *phones, size_t n,
		     unsigned ring_s);
	void (*cancel)(void *arg);          /* stops ringing */
	void (*wait)(void *arg, const struct dir_queue *q);   /* music */
	/* The call leaves the queue unanswered: "timeout" (max wait) or
	   "no_agent" (every agent logged out while it waited). The entry
	   is gone when this is called. */
	void (*leave)(void *arg, const char *outcome);
	/* An agent answered; the entry is gone when this is called. */
	void (*connected)(void *arg, const char *agent_id,
			  const char *agent_no);
	/* Optional: the call for an agent's screen pop (caller, variables;
	   a new object), published with call.offered (docs/ws.md). */
	json_t *(*describe)(void *arg);
};

/* A call asking to wait in a queue. */
struct acd_join {
	const char *tenant_id, *queue_id, *call_id;
	const char *caller;        /* its number (the queue's VIP list) */
	int priority;              /* 0-100 set for it (the IVR); -1: none */
};

/* bus: where agent, offer and queue events go (NULL: nowhere). */
int  acd_alloc(struct acd **ap, struct directory *dir, struct store *store,
	       struct bus *bus);
void acd_free(struct acd *acd);
struct directory *acd_directory(const struct acd *acd);

/* The call enters the queue. 0 and *ep when it waits; 0, *ep NULL and
   *overflow "no_agent" (nobody logged in) or "full" (max waiting) when it
   cannot; ENOENT: no such queue (or disabled). Its priority is the
   higher of the one set for it and the queue's vip_priority when the
   caller is on the queue's VIP list (0 otherwise); higher priorities wait
   ahead of lower ones, equal ones in arrival order. */
int  acd_enqueue(struct acd *acd, struct acd_entry **ep,
		 const struct acd_join *join, const struct acd_call_ops *ops,
		 void *arg, const char **overflow);
/* The caller's place in its queue (1: next) and priority. */
unsigned acd_position(const struct acd_entry *e);
int  acd_priority(const struct acd_entry *e);
/* The estimated wait in seconds for the caller at this position, or -1
   when the ACD cannot tell (see docs/guide.md "Waiting in a queue"):
   position x the average handle time of the queue's last answered calls
   (talk + wrap-up, up to ACD_AHT_CALLS of them, since the start) / the
   members logged in and not busy. */
long acd_estimated_wait(const struct acd_entry *e);
/* The agent's part of a call answered from the queue is over (hung up,
   transferred): its handle time (talk with hold, ms) is remembered for
   the estimated wait, and the queue log row gets when it ended and the
   time the agent held the customer (hold_ms). */
struct acd_handled_call {
	const char *tenant_id, *queue_id, *call_id, *agent_id;
	int64_t answered_at;       /* when the agent answered */
	int64_t released_at;       /* when their part ended */
	int64_t hold_ms;           /* held by the agent meanwhile */
};
void acd_call_handled(struct acd *acd, const struct acd_handled_call *c);
/* The ringing ended: answered by `phone`, or nobody answered. */
void acd_rang(struct acd_entry *e, bool answered, const char *phone);
/* The caller is gone while waiting or ringing (the entry is freed). */
void acd_abandon(struct acd_entry *e);
/* The caller chose to leave (the queue's leave key): outcome "voicemail"
   or "callback" in the queue call log (the entry is freed). */
void acd_withdraw(struct acd_entry *e, const char *outcome);
/* A call the agent took is over: wrap-up, then idle. Answers when the
   agent's talk ended in their state log (the next state's start, so a
   queue report agrees with it to the millisecond), or now when they are
   still talking on another call. */
int64_t acd_agent_call_ended(struct acd *acd, const char *tenant_id,
			     const char *agent_id);

/* The directory was reloaded: queue memberships, call limits and
   readiness follow it, and calls waiting are offered again. */
void acd_directory_changed(struct acd *acd);

/* Agent control. ENOENT: no such agent; EINVAL: disabled or no bound
   phone (login); EALREADY: already so; EBUSY: on a call (logout);
   EPERM: offline (state). At login, `phone` (NULL or "": the bound one)
   is an extension number of the tenant to work on for this session:
   ENODEV when it is no enabled extension, EADDRINUSE when another agent
   logged in works on it. */
int  acd_agent_login(struct acd *acd, const char *tenant_id,
		     const char *agent_id, bool busy, const char *reason,
		     const char *phone);
int  acd_agent_logout(struct acd *acd, const char *tenant_id,
		      const char *agent_id);
/* idle, or busy with a reason; during a call: the state after it
   (idle ends a wrap-up now). */
int  acd_agent_set(struct acd *acd, const char *tenant_id,
		   const char *agent_id, bool busy, const char *reason);

/* A call the ACD did not give is up on this phone (an extension number):
   the agent logged in on it, if any, is offered no queue call until
   every such call is over (on: one more; off: one less). Their state
   does not change: the call is theirs, not the queue's. */
void acd_phone_in_use(struct acd *acd, const char *tenant_id,
		      const char *phone, bool on);

/* The agent put one of their calls on hold (on) or resumed it: the
   agent is in state hold while every call they have is on hold, talking
   again (reason "resumed") when one is not. *at: when, in their state
   log (now when their state did not change). ENOENT: no such agent or
   not logged in; EPERM: on no call. */
int  acd_agent_hold(struct acd *acd, const char *tenant_id,
		    const char *agent_id, bool on, int64_t *at);

/* Ends the agent's wrap-up now: busy if asked during the call, else
   idle. ENOENT: no such agent; EPERM: not in wrap-up. */
int  acd_agent_wrapup_done(struct acd *acd, const char *tenant_id,
			   const char *agent_id);

/* The tenant's agents and queues now (for the live boards). */
json_t *acd_agents_live(struct acd *acd, const char *tenant_id);
/* One agent's live row; NULL: no such agent. */
json_t *acd_agent_live(struct acd *acd, const char *tenant_id,
		       const char *agent_id);
json_t *acd_queues_live(struct acd *acd, const char *tenant_id);
struct dir_agent;
/* The phone the agent works on: the login's, or (offline) the bound
   extension, else the outside number; *external: an outside number.
   "": none. Valid until the agent logs in or out. */
const char *acd_agent_works_on(struct acd *acd, const struct dir_agent *da,
			       bool *external);
const char *acd_state_name(enum acd_agent_state s);

#endif
