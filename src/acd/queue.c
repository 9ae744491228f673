/*
 * queue.c — calls waiting in queues and their offers to agents. A queue's
 * members (members.c) are its listed agents (with their priority) and the
 * tenant's agents whose level in each of its skills is at least the
 * queue's minimum (priority 0; cticloud.md §2.12.3). Each time a call
 * arrives or an agent becomes free, the tenant's waiting calls — higher
 * queue priority first, then the longest waiting — are offered to the
 * eligible members the routing pool lists (pool.h), ordered by the
 * queue's strategy: one agent at a time (the next after a ring timeout and
 * the retry delay), or all at once for ring-all. An agent rings for one
 * offer at a time, and offers and calls together never exceed its
 * concurrent calls (decision 54). A call leaves at the queue's max wait,
 * or when nobody is logged in any more.
 *
 * Callers wait by priority (higher first: the queue's VIP list, a value
 * set in the IVR), then in arrival order. A queue with sticky_days first
 * asks the store (a reader, never this thread) who last served the
 * caller within that many days; the call is not offered until the answer
 * is back. That agent, if a member and free, is rung first and alone,
 * once; not answering ends the stickiness. Strict mode holds the call
 * for them while they are logged in and not busy (on a call, in wrap-up:
 * soon free), at most ring_timeout_s from the call's entry; then, or
 * when they log out or go busy, the strategy takes over.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "strategy.h"
#include "../core/log.h"
#include "../sip/directory.h"
#include "../store/store.h"

/* Out of the queues with calls waiting once its last call went (the
   queue stays: its members and round-robin memory are the pool's). */
static void queue_forget_if_empty(struct acd_queue *q)
{
	if (list_isempty(&q->waiting))
		list_unlink(&q->le);
}

/* ---- entries ---- */

/* A lookup of the caller's last agent; outlives its entry if need be. */
struct acd_sticky {
	struct acd_entry *e;       /* NULL: the entry is gone */
	char tenant_id[ID_LEN];
	char caller[64];
	int64_t since;
	char agent_id[ID_LEN];     /* the answer */
};

static void entry_free(struct acd_entry *e)
{
	struct acd_queue *q = e->q;

	if (e->lookup)
		e->lookup->e = NULL;
	tmr_cancel(&e->sticky_tmr);
	tmr_cancel(&e->max_tmr);
	tmr_cancel(&e->retry_tmr);
	list_unlink(&e->le);
	free(e);
	queue_forget_if_empty(q);
}

/* The agents ringing for e go back: as a missed call (nobody answered,
   or the queue gave up), or simply idle (the caller went). */
static void note_missed(struct acd_entry *e, const struct acd_agent *a)
{
	str_ncpy(e->missed[e->nmissed % ACD_MISSED_MAX], a->id, ID_LEN);
	e->nmissed++;
}

static void release_rung(struct acd_entry *e, bool cancel, bool missed)
{
	if (cancel && e->nrung)
		e->ops->cancel(e->arg);
	for (size_t i = 0; i < e->nrung; i++) {
		if (missed)
			note_missed(e, e->rung[i]);
		acd_agent_unoffered(e->rung[i], missed);
	}
	e->nrung = 0;
}

/* The call leaves unanswered. The host may send it on at once (an IVR
   exit, another queue): callers must not hold list positions across. */
static void leave(struct acd_entry *e, const char *outcome)
{
	const struct acd_call_ops *ops = e->ops;
	void *arg = e->arg;

	release_rung(e, true, false);
	qlog_left(e, outcome);
	log_info("acd", "call %s leaves queue %s: %s", e->call_id, e->q->id,
		 outcome);
	acd_event_queue(e, "queue.left", outcome);
	entry_free(e);
	ops->leave(arg, outcome);
}

static void max_wait(void *arg)
{
	struct acd_entry *e = arg;
	struct acd *acd = e->acd;
	char tenant[ID_LEN];

	str_ncpy(tenant, e->q->tenant_id, sizeof(tenant));
	leave(e, "timeout");
	acd_dispatch_tenant(acd, tenant);
}

/* ---- the sticky agent ---- */

static int sticky_work(struct db *db, void *arg)
{
	struct acd_sticky *st = arg;
	json_t *row = NULL;
	int err = db_query_one(db, &row, "SELECT agent_id FROM calls WHERE "
			       "tenant_id = ? AND caller = ? AND start_at >= ?"
			       " AND agent_id IS NOT NULL ORDER BY start_at "
			       "DESC LIMIT 1", json_pack("[ssI]",
			       st->tenant_id, st->caller,
			       (json_int_t)st->since));

	if (!err && json_string_value(json_object_get(row, "agent_id")))
		str_ncpy(st->agent_id, json_string_value(json_object_get(
				 row, "agent_id")), sizeof(st->agent_id));
	json_decref(row);
	return err == ENOENT ? 0 : err;
}

static void sticky_hold_over(void *arg)
{
	struct acd_entry *e = arg;

	acd_dispatch_tenant(e->acd, e->q->tenant_id);
}

static void sticky_done(int err, void *arg)
{
	struct acd_sticky *st = arg;
	struct acd_entry *e = st->e;
	const struct dir_queue *dq;

	if (!e) {                  /* the caller went meanwhile */
		free(st);
		return;
	}
	e->lookup = NULL;
	dq = directory_queue(e->acd->dir, e->q->tenant_id, e->q->id);
	if (!err && st->agent_id[0] && dq) {
		str_ncpy(e->sticky, st->agent_id, sizeof(e->sticky));
		if (dq->sticky_strict) {
			e->sticky_until = e->entered +
					  dq->ring_timeout_s * 1000LL;
			tmr_start(&e->sticky_tmr, (uint64_t)(e->sticky_until -
				  now_ms() > 0 ? e->sticky_until - now_ms()
				  : 0), sticky_hold_over, e);
		}
		log_info("acd", "call %s: sticky agent %s%s", e->call_id,
			 e->sticky, dq->sticky_strict ? " (strict)" : "");
	} else if (err) {
		log_warn("acd", "call %s: sticky agent unknown: %s",
			 e->call_id, strerror(err));
	}
	free(st);
	acd_dispatch_tenant(e->acd, e->q->tenant_id);
}

/* Asks who last served the caller (the call waits for the answer). */
static void sticky_lookup(struct acd *acd, struct acd_entry *e,
			  const struct dir_queue *dq)
{
	struct acd_sticky *st;

	if (!dq->sticky_days || !e->caller[0] || !acd->store)
		return;
	st = calloc(1, sizeof(*st));
	if (!st)
		return;
	st->e = e;
	str_ncpy(st->tenant_id, dq->tenant_id, sizeof(st->tenant_id));
	str_ncpy(st->caller, e->caller, sizeof(st->caller));
	st->since = now_ms() - dq->sticky_days * 86400000LL;
	if (store_submit(acd->store, STORE_READ, sticky_work, sticky_done,
			 st)) {
		free(st);
		return;
	}
	e->lookup = st;
}

/* Strict: the call waits for its sticky agent (not free yet). */
static bool sticky_holds(struct acd *acd, const struct acd_entry *e,
			 const struct dir_queue *dq)
{
	const struct acd_agent *a;

	if (!e->sticky[0] || !dq->sticky_strict || now_ms() >= e->sticky_until)
		return false;
	a = acd_agent_find(acd, dq->tenant_id, e->sticky);
	return a && a->state != AGENT_BUSY && a->state != AGENT_OFFLINE &&
	       (a->state != AGENT_IDLE || a->offer) &&
	       !acd_pool_eligible(acd->pool, a->pool);
}

/* Whether the caller's number is on the queue's VIP list. */
static bool vip(struct acd *acd, const struct dir_queue *dq,
		const char *caller)
{
	const struct dir_list_entry *e;
	size_t n;

	if (!dq->vip_list_id[0] || !caller || !*caller)
		return false;
	if (*caller == '+')
		caller++;
	e = directory_list_entries(acd->dir, dq->tenant_id, &n);
	for (size_t i = 0; i < n; i++, e++) {
		if (strcmp(e->list_id, dq->vip_list_id))
			continue;
		if (e->prefix ? !strncmp(caller, e->value, strlen(e->value))
			      : !strcmp(caller, e->value))
			return true;
	}
	return false;
}

/* Behind every call of its priority or higher, ahead of lower ones. */
static void wait_in_line(struct acd_queue *q, struct acd_entry *e)
{
	struct le *le;

	if (list_isempty(&q->waiting))
		list_append(&e->acd->queues, &q->le, q);
	for (le = list_tail(&q->waiting); le; le = le->prev) {
		const struct acd_entry *x = le->data;

		if (x->priority >= e->priority)
			break;
	}
	if (le)
		list_insert_after(&q->waiting, le, &e->le, e);
	else
		list_prepend(&q->waiting, &e->le, e);
}

static int caller_priority(struct acd *acd, const struct dir_queue *dq,
			   const struct acd_join *join)
{
	int p = join->priority > 0 ? join->priority : 0;

	if (vip(acd, dq, join->caller) && dq->vip_priority > p)
		p = dq->vip_priority;
	return p > 100 ? 100 : p;
}

int acd_enqueue(struct acd *acd, struct acd_entry **ep,
		const struct acd_join *join, const struct acd_call_ops *ops,
		void *arg, const char **overflow)
{
	const struct dir_queue *dq = directory_queue(acd->dir, join->tenant_id,
						     join->queue_id);
	struct acd_queue *q;
	struct acd_entry *e;

	*ep = NULL;
	*overflow = NULL;
	if (!dq || !dq->enabled)
		return ENOENT;
	q = acd_queue_find(acd, dq->tenant_id, dq->id, true);
	if (!q)
		return ENOMEM;
	if (!acd_members_logged_in(acd, q)) {
		*overflow = "no_agent";
		qlog_refused(acd, join, *overflow);
		return 0;
	}
	if (dq->max_waiting && list_count(&q->waiting) >= dq->max_waiting) {
		*overflow = "full";
		qlog_refused(acd, join, *overflow);
		return 0;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return ENOMEM;
	e->acd = acd;
	e->q = q;
	str_ncpy(e->call_id, join->call_id, sizeof(e->call_id));
	e->ops = ops;
	e->arg = arg;
	e->entered = now_ms();
	e->priority = caller_priority(acd, dq, join);
	str_ncpy(e->caller, join->caller ? join->caller : "",
		 sizeof(e->caller));
	tmr_init(&e->max_tmr);
	tmr_init(&e->retry_tmr);
	tmr_init(&e->sticky_tmr);
	wait_in_line(q, e);
	tmr_start(&e->max_tmr, dq->max_wait_s * 1000ULL, max_wait, e);
	*ep = e;
	acd_event_queue(e, "queue.joined", NULL);
	qlog_entered(e);
	log_info("acd", "call %s waits in queue %s (priority %d, position "
		 "%u of %u)", e->call_id, dq->name, e->priority,
		 acd_position(e), list_count(&q->waiting));
	sticky_lookup(acd, e, dq);
	ops->wait(arg, dq);
	acd_dispatch_tenant(acd, dq->tenant_id);
	return 0;
}

unsigned acd_position(const struct acd_entry *e)
{
	unsigned pos = 1;

	for (const struct le *le = e->le.prev; le; le = le->prev)
		pos++;
	return pos;
}

int acd_priority(const struct acd_entry *e)
{
	return e->priority;
}

/* ---- the estimated wait ---- */

static struct acd_handled *handled_find(struct acd *acd,
					const char *tenant_id, const char *id,
					bool create)
{
	struct acd_handled *h;
	struct le *le;

	LIST_FOREACH(&acd->handled, le) {
		h = le->data;
		if (!strcmp(h->id, id) && !strcmp(h->tenant_id, tenant_id))
			return h;
	}
	if (!create || !(h = mem_zalloc(sizeof(*h), NULL)))
		return NULL;
	str_ncpy(h->id, id, sizeof(h->id));
	str_ncpy(h->tenant_id, tenant_id, sizeof(h->tenant_id));
	list_append(&acd->handled, &h->le, h);
	return h;
}

void acd_call_handled(struct acd *acd, const struct acd_handled_call *c)
{
	int64_t talk_ms = c->released_at - c->answered_at;
	const struct dir_queue *dq;
	struct acd_handled *h;

	if (!acd || !c->queue_id || !*c->queue_id || talk_ms < 0)
		return;
	qlog_released(acd, c);
	dq = directory_queue(acd->dir, c->tenant_id, c->queue_id);
	h = handled_find(acd, c->tenant_id, c->queue_id, true);
	if (!h)
		return;
	h->handle_s[h->next] = (uint32_t)((talk_ms + 500) / 1000) +
			       (dq ? dq->wrap_up_s : 0);
	h->next = (h->next + 1) % ACD_AHT_CALLS;
	if (h->n < ACD_AHT_CALLS)
		h->n++;
}

long acd_estimated_wait(const struct acd_entry *e)
{
	struct acd *acd = e->acd;
	const struct dir_queue *dq = directory_queue(acd->dir, e->q->tenant_id,
						     e->q->id);
	const struct acd_handled *h = handled_find(acd, e->q->tenant_id,
						   e->q->id, false);
	unsigned agents = dq ? acd_members_serving(acd, e->q) : 0;
	uint64_t sum = 0;

	if (!h || !h->n || !agents)
		return -1;
	for (unsigned i = 0; i < h->n; i++)
		sum += h->handle_s[i];
	return (long)((acd_position(e) * sum / h->n + agents - 1) / agents);
}

void acd_withdraw(struct acd_entry *e, const char *outcome)
{
	struct acd *acd;
	char tenant[ID_LEN];

	if (!e)
		return;
	acd = e->acd;
	str_ncpy(tenant, e->q->tenant_id, sizeof(tenant));
	release_rung(e, false, false);
	qlog_left(e, outcome);
	log_info("acd", "call %s left queue %s: %s", e->call_id, e->q->id,
		 outcome);
	acd_event_queue(e, "queue.left", outcome);
	entry_free(e);
	acd_dispatch_tenant(acd, tenant);
}

void acd_abandon(struct acd_entry *e)
{
	acd_withdraw(e, "abandoned");
}

static void rested(void *arg)
{
	struct acd_entry *e = arg;

	e->resting = false;
	acd_dispatch_tenant(e->acd, e->q->tenant_id);
}

void acd_rang(struct acd_entry *e, bool answered, const char *phone)
{
	struct acd *acd = e->acd;
	const struct dir_queue *dq = directory_queue(acd->dir,
						     e->q->tenant_id, e->q->id);
	struct acd_agent *taker = NULL;
	char tenant[ID_LEN];

	str_ncpy(tenant, e->q->tenant_id, sizeof(tenant));
	for (size_t i = 0; answered && phone && i < e->nrung; i++) {
		if (!strcmp(acd_agent_phone(e->rung[i]), phone)) {
			taker = e->rung[i];
			e->rung[i] = e->rung[--e->nrung];
			break;
		}
	}
	if (answered && !taker && e->nrung) {  /* answered all the same */
		taker = e->rung[0];
		e->rung[0] = e->rung[--e->nrung];
	}
	release_rung(e, false, !answered);
	if (!taker) {
		/* nobody answered: a pause, then the next agent */
		e->resting = true;
		tmr_start(&e->retry_tmr, dq ? dq->retry_delay_s * 1000ULL : 0,
			  rested, e);
		acd_dispatch_tenant(acd, tenant);
		return;
	}
	{
		const struct dir_agent *da = directory_agent(acd->dir, tenant,
							     taker->id);
		const struct acd_call_ops *ops = e->ops;
		void *arg = e->arg;

		acd_agent_answered(taker, dq && dq->wrap_up_s ? dq->wrap_up_s
				   : da ? da->wrap_up_s : 0);
		qlog_answered(e, taker);
		log_info("acd", "call %s answered by agent %s after %lld ms",
			 e->call_id, da ? da->agent_no : taker->id,
			 (long long)(now_ms() - e->entered));
		acd_event_queue(e, "queue.left", "answered");
		entry_free(e);
		ops->connected(arg, taker->id, da ? da->agent_no : "");
	}
	acd_dispatch_tenant(acd, tenant);
}

void acd_offer_withdraw(struct acd_agent *a)
{
	struct acd_entry *e = a->offer;

	if (!e)
		return;
	for (size_t i = 0; i < e->nrung; i++) {
		if (e->rung[i] == a) {
			e->rung[i] = e->rung[--e->nrung];
			break;
		}
	}
	a->offer = NULL;
	(void)acd_pool_unreserve(a->acd->pool, a->pool);
	if (!e->nrung) {           /* nobody else rings: stop, try again */
		e->ops->cancel(e->arg);
		e->resting = false;
	}
}

/* ---- offering ---- */

/* The eligible members of e's queue as candidates (their ids: pool
   agent indexes) in binding order, without those who let e ring out. */
static size_t candidates(struct acd *acd, const struct acd_entry *e)
{
	uint32_t tried[ACD_MISSED_MAX];
	unsigned n = e->nmissed < ACD_MISSED_MAX ? e->nmissed : ACD_MISSED_MAX;
	size_t ntried = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct acd_agent *a = acd_agent_find(acd, e->q->tenant_id,
							   e->missed[i]);

		if (a)
			tried[ntried++] = a->pool;
	}
	return acd_pool_candidates(acd->pool, e->q->pool, tried, ntried,
				   acd->cand, acd->cap);
}

static void reachable_again(void *arg)
{
	struct acd_agent *a = arg;

	acd_agent_sync(a);
	acd_dispatch_tenant(a->acd, a->tenant_id);
}

/* The phones of the agents rung could not be rung (none registered):
   each is passed over for a while, so the call goes to the others and
   never spins on the same agent; a missed offer as far as the agent's
   state goes. */
static void ring_failed(struct acd_entry *e, const struct dir_queue *dq)
{
	int64_t until = now_ms() + ACD_UNREACHABLE_MS;

	log_info("acd", "call %s: cannot ring the agent's phone",
		 e->call_id);
	for (size_t i = 0; i < e->nrung; i++) {
		e->rung[i]->unreachable_until = until;
		tmr_start(&e->rung[i]->reach_tmr, ACD_UNREACHABLE_MS,
			  reachable_again, e->rung[i]);
	}
	e->resting = true;       /* before the agents' states change */
	release_rung(e, false, true);
	tmr_start(&e->retry_tmr, dq->retry_delay_s * 1000ULL, rested, e);
}

/* The order to ring e's candidates in, into acd->order (agent indexes);
   how many to ring now. */
static size_t ring_order(struct acd *acd, struct acd_entry *e,
			 const struct dir_queue *dq, size_t n)
{
	enum acd_strategy strategy = ACD_LONGEST_IDLE;
	const struct acd_agent *sticky = e->sticky[0]
		? acd_agent_find(acd, dq->tenant_id, e->sticky) : NULL;
	size_t ring;

	e->sticky[0] = '\0';              /* offered once at most */
	for (size_t i = 0; sticky && i < n; i++) {
		if (acd->cand[i].id == sticky->pool) {   /* first, alone */
			acd->order[0] = sticky->pool;
			return 1;
		}
	}
	if (!n)
		return 0;
	acd_strategy_of(dq->strategy, &strategy);
	ring = acd_pool_order(acd->pool, e->q->pool, strategy, acd->cand, n,
			      acd->order);
	return ring > ACD_RING_MAX ? ACD_RING_MAX : ring;
}

/* An agent on an outside number rings alone (one outbound route per
   call at a time): with several to ring at once, those on extensions
   ring; when all are outside numbers, the first. */
static size_t ring_alone(struct acd *acd, size_t ring, bool *skip_outside)
{
	size_t outside = 0;

	for (size_t i = 0; i < ring; i++) {
		const struct acd_agent *a = acd->by_pool[acd->order[i]];

		outside += a && acd_agent_external(a);
	}
	*skip_outside = ring > 1 && outside < ring;
	return ring > 1 && outside == ring ? 1 : ring;
}

/* Offers e to the queue's eligible members: true when something rings. */
static bool offer(struct acd *acd, struct acd_entry *e,
		  const struct dir_queue *dq)
{
	struct acd_phone phones[ACD_RING_MAX];
	size_t n = candidates(acd, e), ring, k = 0;
	bool skip_outside;

	if (!n && e->nmissed) {    /* everyone free let it ring: again */
		e->nmissed = 0;
		n = candidates(acd, e);
	}
	ring = ring_alone(acd, ring_order(acd, e, dq, n), &skip_outside);
	for (size_t i = 0; i < ring; i++) {
		struct acd_agent *a = acd->by_pool[acd->order[i]];
		const struct dir_agent *da;

		if (!a || (skip_outside && acd_agent_external(a)) ||
		    acd_agent_offered(a, e))
			continue;          /* offered: cannot fail here */
		da = directory_agent(acd->dir, dq->tenant_id, a->id);
		e->rung[k] = a;
		phones[k++] = (struct acd_phone){
			acd_agent_phone(a), da && da->auto_answer,
			acd_agent_external(a),
			da ? da->external_caller_id : ""};
	}
	e->nrung = k;
	if (!k)
		return false;
	if (e->ops->ring(e->arg, phones, k, dq->ring_timeout_s)) {
		ring_failed(e, dq);
		return false;
	}
	acd_event_offered(e, dq);
	return true;
}

/* The tenant's queues with calls waiting, higher priority first. */
static size_t waiting_queues(struct acd *acd, const char *tenant_id,
			     struct acd_queue **out, size_t max)
{
	size_t n = 0;
	struct le *le;

	LIST_FOREACH(&acd->queues, le) {
		struct acd_queue *q = le->data;

		if (n < max && !strcmp(q->tenant_id, tenant_id))
			out[n++] = q;
	}
	for (size_t i = 1; i < n; i++) {      /* few queues: insertion */
		struct acd_queue *q = out[i];
		const struct dir_queue *dq = directory_queue(
			acd->dir, tenant_id, q->id);
		int p = dq ? dq->priority : 0;
		size_t j = i;

		while (j > 0) {
			const struct dir_queue *dp = directory_queue(
				acd->dir, tenant_id, out[j - 1]->id);

			if ((dp ? dp->priority : 0) >= p)
				break;
			out[j] = out[j - 1];
			j--;
		}
		out[j] = q;
	}
	return n;
}

void acd_dispatch_tenant(struct acd *acd, const char *tenant_id)
{
	enum { MAXQ = 64 };
	struct acd_queue *qs[MAXQ];
	size_t nq;

	if (!acd || !tenant_id)
		return;
	nq = waiting_queues(acd, tenant_id, qs, MAXQ);
	for (size_t i = 0; i < nq; i++) {
		const struct dir_queue *dq = directory_queue(acd->dir,
							     tenant_id,
							     qs[i]->id);
		struct le *le = list_head(&qs[i]->waiting);

		while (le && dq) {
			struct acd_entry *e = le->data;

			le = le->next;
			if (e->nrung || e->resting || e->lookup ||
			    sticky_holds(acd, e, dq))
				continue;
			if (!acd_members_logged_in(acd, qs[i])) {
				leave(e, "no_agent");
				return;     /* lists changed: the next event
					       dispatches again */
			}
			if (!offer(acd, e, dq))
				break;      /* no free member for later calls */
		}
	}
}

json_t *acd_queues_live(struct acd *acd, const char *tenant_id)
{
	json_t *items = json_array();
	struct le *le;
	int64_t now = now_ms();

	LIST_FOREACH(&acd->queues, le) {
		struct acd_queue *q = le->data;
		struct acd_entry *first;

		if (strcmp(q->tenant_id, tenant_id))
			continue;
		first = list_ledata(list_head(&q->waiting));
		json_array_append_new(items, json_pack(
			"{s:s,s:i,s:I}", "queue_id", q->id, "waiting",
			(int)list_count(&q->waiting), "longest_wait_ms",
			(json_int_t)(first ? now - first->entered : 0)));
	}
	return items;
}
