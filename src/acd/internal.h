/*
 * internal.h — what the ACD's files share (internal to src/acd): the
 * run-time agent and queue, and the calls waiting.
 */
#ifndef HOTLINE_ACD_INTERNAL_H
#define HOTLINE_ACD_INTERNAL_H

#include "../core/libre.h"
#include "../core/ids.h"
#include "acd.h"
#include "strategy.h"

enum { ACD_RING_MAX = 32, ACD_OFFER_MAX = 512 };

struct acd_agent {
	struct le le;              /* in acd->agents */
	struct acd *acd;
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	enum acd_agent_state state;
	char reason[33];
	int64_t since;             /* in this state since */
	int64_t idle_since;        /* login or the end of the last call */
	unsigned answered_today;
	int day;                   /* the day answered_today counts */
	unsigned active;           /* calls taken and not over */
	unsigned wrap_up_s;        /* after the call being taken */
	bool busy_after;           /* asked for busy during the call */
	char busy_reason[33];
	struct tmr wrap_tmr;
	struct acd_entry *offer;   /* the call ringing it, or NULL */
};

struct acd_queue {
	struct le le;              /* in acd->queues */
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	struct list waiting;       /* acd_entry, in arrival order */
	uint32_t rr_last;          /* round-robin memory */
};

struct acd_entry {
	struct le le;              /* in queue->waiting */
	struct acd *acd;
	struct acd_queue *q;
	char call_id[ID_LEN];
	const struct acd_call_ops *ops;
	void *arg;
	int64_t entered;
	struct tmr max_tmr;        /* the queue's max wait */
	struct tmr retry_tmr;      /* a pause after nobody answered */
	bool resting;              /* ... running */
	struct acd_agent *rung[ACD_RING_MAX];
	size_t nrung;
};

struct acd {
	struct directory *dir;
	struct store *store;
	struct list agents;        /* logged in (not offline) */
	struct list queues;        /* with calls waiting */
	uint64_t rng;
	/* one offer's working memory (queue.c), reused */
	struct acd_candidate cand[ACD_OFFER_MAX];
	struct acd_agent *cand_agent[ACD_OFFER_MAX];
	uint32_t order[ACD_OFFER_MAX];
	struct acd_slot scratch[2 * ACD_OFFER_MAX];
};

/* agent.c */
struct acd_agent *acd_agent_find(struct acd *acd, const char *tenant_id,
				 const char *id);
void acd_agent_state(struct acd_agent *a, enum acd_agent_state s,
		     const char *reason);
/* The agent's ring ended without an answer. */
void acd_agent_missed(struct acd_agent *a);

/* queue.c: offers waiting calls to free agents of the tenant's queues */
void acd_dispatch_tenant(struct acd *acd, const char *tenant_id);
/* An agent goes: its ringing offer (if any) is given up. */
void acd_offer_withdraw(struct acd_agent *a);

/* qlog.c: the queue call log (queue_calls), written on the store's
   writer. A refused entry, a call that waits, is answered by agent a (at
   a->since, its talking row's start), or leaves: abandoned, timeout,
   no_agent. */
void qlog_refused(struct acd *acd, const char *tenant_id,
		  const char *queue_id, const char *call_id,
		  const struct acd_call_ops *ops, void *arg,
		  const char *outcome);
void qlog_entered(const struct acd_entry *e);
void qlog_answered(const struct acd_entry *e, const struct acd_agent *a);
void qlog_left(const struct acd_entry *e, const char *outcome);
/* At start: rows a stopped daemon left waiting end as `interrupted`. */
void qlog_close_stale(struct store *store);

#endif
