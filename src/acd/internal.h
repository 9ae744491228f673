/*
 * internal.h — what the ACD's files share (internal to src/acd): the
 * run-time agent and queue, and the calls waiting. Agents logged in and
 * the queues calls have entered are also in the routing pool (pool.h),
 * under the index each keeps in `pool`; members.c keeps the pool's
 * membership and readiness in step with the directory and the states.
 */
#ifndef HOTLINE_ACD_INTERNAL_H
#define HOTLINE_ACD_INTERNAL_H

#include "../core/libre.h"
#include "../core/ids.h"
#include "acd.h"
#include "pool.h"
#include "strategy.h"

struct dir_agent;

enum { ACD_RING_MAX = 32, ACD_AHT_CALLS = 20,
       ACD_UNREACHABLE_MS = 10000, ACD_MISSED_MAX = 16 };

struct acd_agent {
	struct le le;              /* in acd->agents */
	struct le he;              /* in acd->agent_ids */
	struct le phone_le;        /* in acd->agent_phones */
	struct acd *acd;
	uint32_t pool;             /* its index in acd->pool */
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	enum acd_agent_state state;
	char phone[33];            /* the number it works on (login) */
	bool external;             /* ... an outside number, not an extension */
	char reason[33];
	int64_t since;             /* in this state since */
	int64_t idle_since;        /* login or the end of the last call */
	unsigned answered_today;
	int day;                   /* the day answered_today counts */
	unsigned held;             /* of those, on hold */
	unsigned own_calls;        /* other calls on its phone (not offered) */
	unsigned active;           /* calls taken and not over (up to
				      max_calls, with the offer ringing) */
	unsigned wrap_up_s;        /* after the call being taken */
	bool busy_after;           /* asked for busy during the call */
	char busy_reason[33];
	struct tmr wrap_tmr;
	struct acd_entry *offer;   /* the call ringing it, or NULL (one at a
				      time, during a call too) */
	/* its phone could not be rung (not registered): not offered calls
	   until then, and the tenant's calls are dispatched again then */
	int64_t unreachable_until;
	struct tmr reach_tmr;
};

/* A queue calls have entered (kept while the directory has it). */
struct acd_queue {
	struct le le;              /* in acd->queues while calls wait */
	struct le he;              /* in acd->queue_ids */
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	struct list waiting;       /* acd_entry, in dispatch order */
	uint32_t pool;             /* its index in acd->pool (members and
				      round-robin memory) */
};

struct acd_entry {
	struct le le;              /* in queue->waiting */
	struct acd *acd;
	struct acd_queue *q;
	char call_id[ID_LEN];
	const struct acd_call_ops *ops;
	void *arg;
	int64_t entered;
	int priority;              /* higher waits ahead */
	char caller[64];
	/* the sticky agent (the one who last served the caller) */
	char sticky[ID_LEN];       /* "": none, or tried already */
	struct acd_sticky *lookup; /* the query running, or NULL */
	int64_t sticky_until;      /* strict: held for them until then */
	struct tmr sticky_tmr;
	struct tmr max_tmr;        /* the queue's max wait */
	struct tmr retry_tmr;      /* a pause after nobody answered */
	bool resting;              /* ... running */
	struct acd_agent *rung[ACD_RING_MAX];
	size_t nrung;
	/* agents who let this call ring out: the others are offered it
	   first (the last ACD_MISSED_MAX, oldest overwritten) */
	char missed[ACD_MISSED_MAX][ID_LEN];
	unsigned nmissed;
};

/* A queue's recent answered calls (kept while the daemon runs). */
struct acd_handled {
	struct le le;              /* in acd->handled */
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	uint32_t handle_s[ACD_AHT_CALLS];   /* talk + wrap-up, a ring */
	unsigned n, next;
};

struct acd {
	struct directory *dir;
	struct store *store;
	struct bus *bus;           /* events (events.c), or NULL */
	struct list agents;        /* logged in (not offline) */
	struct hash *agent_ids;    /* the same, by id */
	struct hash *agent_phones; /* the same, by the phone they work on */
	struct list queues;        /* with calls waiting */
	struct hash *queue_ids;    /* every acd_queue, by id */
	struct list handled;       /* acd_handled, per queue */
	struct acd_pool *pool;     /* routing: agents and queues by index */
	/* by pool agent index (NULL: free), and one offer's working memory
	   (queue.c): `cap` entries each, at least the agents logged in */
	struct acd_agent **by_pool;
	struct acd_candidate *cand;
	uint32_t *order;
	uint32_t cap;
};

/* agent.c */
/* The agent logged in working on this phone, or NULL. */
struct acd_agent *acd_agent_on_phone(struct acd *acd, const char *tenant_id,
				     const char *phone);
struct acd_agent *acd_agent_find(struct acd *acd, const char *tenant_id,
				 const char *id);
void acd_agent_state(struct acd_agent *a, enum acd_agent_state s,
		     const char *reason);
/* An offer of e rings the agent (it counts as a call: EBUSY when the
   pool says it is not eligible). Idle agents ring; on a call they stay
   talking (call waiting). */
int  acd_agent_offered(struct acd_agent *a, struct acd_entry *e);
/* The agent's offer ended unanswered: missed (rang out, or its phone
   could not be rung) or not (the caller went). */
void acd_agent_unoffered(struct acd_agent *a, bool missed);
/* The agent answered its offer: one more call in hand, wrap-up of
   wrap_up_s after the last one. */
void acd_agent_answered(struct acd_agent *a, unsigned wrap_up_s);

/* members.c: the pool kept in step. */
/* The agent's readiness, idle time and calls today, in the pool. */
void acd_agent_sync(struct acd_agent *a);
/* A new agent in the pool, with its memberships; ENOMEM. */
int  acd_members_agent_add(struct acd *acd, struct acd_agent *a);
void acd_members_agent_remove(struct acd *acd, struct acd_agent *a);
/* The run-time queue (created, members bound, when create). */
struct acd_queue *acd_queue_find(struct acd *acd, const char *tenant_id,
				 const char *id, bool create);
/* Members logged in, and those of them not on a break. */
size_t acd_members_logged_in(const struct acd *acd,
			     const struct acd_queue *q);
unsigned acd_members_serving(const struct acd *acd,
			     const struct acd_queue *q);
int  acd_members_init(struct acd *acd);
void acd_members_close(struct acd *acd);

/* events.c: what the ACD publishes on the bus (docs/ws.md). `to` is the
   state being entered (a->state is still the one left). */
void acd_event_agent(const struct acd_agent *a, enum acd_agent_state to,
		     int64_t at);
void acd_event_offered(const struct acd_entry *e, const struct dir_queue *dq);
/* "queue.joined" (outcome NULL), or "queue.left" with its outcome while
   e is still in the queue. */
void acd_event_queue(const struct acd_entry *e, const char *type,
		     const char *outcome);

/* queue.c: offers waiting calls to free agents of the tenant's queues */
void acd_dispatch_tenant(struct acd *acd, const char *tenant_id);
/* An agent goes: its ringing offer (if any) is given up. */
void acd_offer_withdraw(struct acd_agent *a);

/* qlog.c: the queue call log (queue_calls), written on the store's
   writer. A refused entry, a call that waits, is answered by agent a (at
   a->since, its talking row's start), or leaves: abandoned, timeout,
   no_agent. */
void qlog_refused(struct acd *acd, const struct acd_join *join,
		  const char *outcome);
void qlog_entered(const struct acd_entry *e);
void qlog_answered(const struct acd_entry *e, const struct acd_agent *a);
void qlog_left(const struct acd_entry *e, const char *outcome);
void qlog_released(struct acd *acd, const struct acd_handled_call *c);
/* At start: rows a stopped daemon left waiting end as `interrupted`. */
void qlog_close_stale(struct store *store);

/* The number the agent works on (chosen at login): an extension, or an
   outside number (external: rung through the tenant's outbound routes). */
const char *acd_agent_phone(const struct acd_agent *a);
bool acd_agent_external(const struct acd_agent *a);

#endif
