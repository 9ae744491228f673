/*
 * members.c — the routing pool (pool.h) as the ACD's run-time picture:
 * the agents logged in and the queues calls have entered, found by id
 * through hashes and held in the pool under small indexes. A queue's
 * members are the agents logged in among its listed agents (with their
 * priority) and the tenant's agents whose level in each of its skills is
 * at least the queue's minimum (priority 0; cticloud.md §2.12.3), enabled
 * ones only, bound at their place in the configuration: the listed order,
 * then the directory's. Membership is worked out when a queue is first
 * used, when an agent logs in (out: it leaves every queue) and when the
 * directory changes; an agent's readiness, idle time and calls today are
 * written on every change of its state. An offer then reads its
 * candidates from the pool and never scans the directory (decision 46).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "../core/log.h"
#include "../sip/directory.h"

enum { ID_BUCKETS = 256, MAX_LEVEL = 9, MAX_TENANTS = 64 };

/* ---- lookups by id ---- */

struct id_key {
	const char *tenant_id, *id;
};

static bool agent_is(struct le *le, void *arg)
{
	const struct acd_agent *a = le->data;
	const struct id_key *k = arg;

	return !strcmp(a->id, k->id) && !strcmp(a->tenant_id, k->tenant_id);
}

static bool queue_is(struct le *le, void *arg)
{
	const struct acd_queue *q = le->data;
	const struct id_key *k = arg;

	return !strcmp(q->id, k->id) && !strcmp(q->tenant_id, k->tenant_id);
}

struct acd_agent *acd_agent_find(struct acd *acd, const char *tenant_id,
				 const char *id)
{
	struct id_key k = {tenant_id, id};
	struct le *le;

	if (!acd || !tenant_id || !id)
		return NULL;
	le = hash_lookup(acd->agent_ids, hash_joaat_str(id), agent_is, &k);
	return le ? le->data : NULL;
}

static bool phone_is(struct le *le, void *arg)
{
	const struct acd_agent *a = le->data;
	const struct id_key *k = arg;

	return !strcmp(a->phone, k->id) && !strcmp(a->tenant_id, k->tenant_id);
}

struct acd_agent *acd_agent_on_phone(struct acd *acd, const char *tenant_id,
				     const char *phone)
{
	struct id_key k = {tenant_id, phone};
	struct le *le;

	if (!acd || !tenant_id || !phone || !*phone)
		return NULL;
	le = hash_lookup(acd->agent_phones, hash_joaat_str(phone), phone_is,
			 &k);
	return le ? le->data : NULL;
}

/* ---- membership ---- */

struct membership {
	int priority;
	uint8_t level;             /* in the queue's first skill (skill first) */
	uint32_t pos;              /* binding position */
};

static int skill_level(const json_t *skills, const char *skill_id)
{
	const json_t *s;
	size_t i;

	json_array_foreach(skills, i, s) {
		const char *id = json_string_value(json_object_get(s,
								   "skill_id"));

		if (id && skill_id && !strcmp(id, skill_id))
			return (int)json_integer_value(json_object_get(s,
								       "level"));
	}
	return -1;
}

/* The agent's place among the tenant's agents (the directory's order). */
static uint32_t directory_place(struct acd *acd, const struct dir_agent *da)
{
	size_t n;
	const struct dir_agent *all = directory_agents(acd->dir, da->tenant_id,
						       &n);

	return all && da >= all && da < all + n ? (uint32_t)(da - all) : 0;
}

/* Whether the agent is a member of the queue, and with what (*m). */
static bool member_of(struct acd *acd, const struct dir_queue *q,
		      const struct dir_agent *da, struct membership *m)
{
	const json_t *x, *s;
	size_t i;
	bool by_skill = json_array_size(q->skills) > 0;

	if (!da->enabled)
		return false;
	m->level = 0;
	json_array_foreach(q->skills, i, s) {
		int l = skill_level(da->skills, json_string_value(
					    json_object_get(s, "skill_id")));

		if (i == 0)
			m->level = (uint8_t)(l < 0 ? 0 : l > MAX_LEVEL
					     ? MAX_LEVEL : l);
		if (l < json_integer_value(json_object_get(s, "min_level")))
			by_skill = false;
	}
	json_array_foreach(q->members, i, x) {
		const char *id = json_string_value(json_object_get(x,
								   "agent_id"));

		if (id && !strcmp(id, da->id)) {
			m->priority = (int)json_integer_value(json_object_get(
						     x, "priority"));
			m->pos = (uint32_t)i;
			return true;
		}
	}
	if (!by_skill)
		return false;
	m->priority = 0;
	m->pos = (uint32_t)json_array_size(q->members) +
		 directory_place(acd, da);
	return true;
}

/* The agent joins, stays in (its priority and place updated) or leaves
   the queue (dq NULL: the queue is gone, everyone leaves). */
static void bind_agent(struct acd *acd, struct acd_queue *q,
		       const struct dir_queue *dq, struct acd_agent *a)
{
	const struct dir_agent *da;
	struct membership m;

	if (strcmp(a->tenant_id, q->tenant_id))
		return;
	da = dq ? directory_agent(acd->dir, a->tenant_id, a->id) : NULL;
	if (da && member_of(acd, dq, da, &m)) {
		if (acd_pool_member_bind(acd->pool, q->pool, a->pool, m.pos,
					 m.priority, m.level))
			log_warn("acd", "agent %s: not a member of queue %s "
				 "(no memory)", a->id, q->id);
		return;
	}
	(void)acd_pool_member_remove(acd->pool, q->pool, a->pool);
}

static void bind_queue(struct acd *acd, struct acd_queue *q)
{
	const struct dir_queue *dq = directory_queue(acd->dir, q->tenant_id,
						     q->id);
	struct le *le;

	LIST_FOREACH(&acd->agents, le)
		bind_agent(acd, q, dq, le->data);
}

/* ---- queues ---- */

static void queue_free(struct acd *acd, struct acd_queue *q)
{
	hash_unlink(&q->he);
	list_unlink(&q->le);
	(void)acd_pool_queue_remove(acd->pool, q->pool);
	free(q);
}

struct acd_queue *acd_queue_find(struct acd *acd, const char *tenant_id,
				 const char *id, bool create)
{
	struct id_key k = {tenant_id, id};
	struct acd_queue *q;
	struct le *le = hash_lookup(acd->queue_ids, hash_joaat_str(id),
				    queue_is, &k);

	if (le || !create)
		return le ? le->data : NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	if (acd_pool_queue_add(acd->pool, &q->pool)) {
		free(q);
		return NULL;
	}
	str_ncpy(q->id, id, sizeof(q->id));
	str_ncpy(q->tenant_id, tenant_id, sizeof(q->tenant_id));
	list_init(&q->waiting);
	hash_append(acd->queue_ids, hash_joaat_str(q->id), &q->he, q);
	bind_queue(acd, q);
	return q;
}

size_t acd_members_logged_in(const struct acd *acd, const struct acd_queue *q)
{
	return acd_pool_queue_size(acd->pool, q->pool);
}

unsigned acd_members_serving(const struct acd *acd, const struct acd_queue *q)
{
	size_t n = acd_pool_queue_members(acd->pool, q->pool, acd->order,
					  acd->cap);
	unsigned k = 0;

	for (size_t i = 0; i < n; i++) {
		const struct acd_agent *a = acd->by_pool[acd->order[i]];

		k += a && a->state != AGENT_BUSY;
	}
	return k;
}

/* ---- agents ---- */

/* The per-index arrays hold `index`. */
static int make_room(struct acd *acd, uint32_t index)
{
	uint32_t cap = acd->cap ? acd->cap : 64;
	void *p;

	if (index < acd->cap)
		return 0;
	while (cap <= index)
		cap *= 2;
	p = realloc(acd->by_pool, cap * sizeof(*acd->by_pool));
	if (!p)
		return ENOMEM;
	acd->by_pool = p;
	memset(acd->by_pool + acd->cap, 0,
	       (cap - acd->cap) * sizeof(*acd->by_pool));
	p = realloc(acd->cand, cap * sizeof(*acd->cand));
	if (!p)
		return ENOMEM;
	acd->cand = p;
	p = realloc(acd->order, cap * sizeof(*acd->order));
	if (!p)
		return ENOMEM;
	acd->order = p;
	acd->cap = cap;
	return 0;
}

static unsigned call_limit(const struct dir_agent *da)
{
	if (!da || !da->max_calls)
		return 1;
	return da->max_calls > UINT16_MAX ? UINT16_MAX : da->max_calls;
}

static uint32_t agent_number(const struct dir_agent *da)
{
	return da ? (uint32_t)strtoul(da->agent_no, NULL, 10) : 0;
}

struct tenant_agent {
	struct acd *acd;
	struct acd_agent *a;
};

static bool join_queue(struct le *le, void *arg)
{
	struct tenant_agent *ta = arg;
	struct acd_queue *q = le->data;

	if (!strcmp(q->tenant_id, ta->a->tenant_id))
		bind_agent(ta->acd, q, directory_queue(ta->acd->dir,
						       q->tenant_id, q->id),
			   ta->a);
	return false;
}

int acd_members_agent_add(struct acd *acd, struct acd_agent *a)
{
	const struct dir_agent *da = directory_agent(acd->dir, a->tenant_id,
						     a->id);
	struct tenant_agent ta = {acd, a};

	if (acd_pool_agent_add(acd->pool, agent_number(da), call_limit(da),
			       &a->pool))
		return ENOMEM;
	if (make_room(acd, a->pool)) {
		(void)acd_pool_agent_remove(acd->pool, a->pool);
		return ENOMEM;
	}
	acd->by_pool[a->pool] = a;
	hash_append(acd->agent_ids, hash_joaat_str(a->id), &a->he, a);
	hash_append(acd->agent_phones, hash_joaat_str(a->phone), &a->phone_le,
		    a);
	hash_apply(acd->queue_ids, join_queue, &ta);
	return 0;
}

void acd_members_agent_remove(struct acd *acd, struct acd_agent *a)
{
	hash_unlink(&a->he);
	hash_unlink(&a->phone_le);
	if (a->pool < acd->cap && acd->by_pool[a->pool] == a)
		acd->by_pool[a->pool] = NULL;
	/* EBUSY only at shutdown, with calls up: the pool goes too */
	(void)acd_pool_agent_remove(acd->pool, a->pool);
}

/* Offers may go to the agent: logged in with a phone, idle or on a call
   (below its limit: the pool's part), no offer ringing, no break asked
   for, its phone not found unreachable lately. */
static bool ready(const struct acd_agent *a)
{
	const struct dir_agent *da = directory_agent(a->acd->dir,
						     a->tenant_id, a->id);

	return da && da->enabled && a->phone[0] && !a->offer &&
	       !a->own_calls &&
	       !a->busy_after && a->unreachable_until <= now_ms() &&
	       (a->state == AGENT_IDLE || a->state == AGENT_TALKING ||
		a->state == AGENT_HELD);
}

void acd_agent_sync(struct acd_agent *a)
{
	struct acd_pool *p = a->acd->pool;

	(void)acd_pool_set_ready(p, a->pool, ready(a));
	(void)acd_pool_set_idle_since(p, a->pool, a->idle_since);
	(void)acd_pool_set_answered_today(p, a->pool, a->answered_today);
}

/* ---- the directory changed ---- */

static bool rebind_queue(struct le *le, void *arg)
{
	struct acd *acd = arg;
	struct acd_queue *q = le->data;

	if (!directory_queue(acd->dir, q->tenant_id, q->id) &&
	    list_isempty(&q->waiting))
		queue_free(acd, q);
	else
		bind_queue(acd, q);
	return false;
}

/* The tenants with calls waiting (at most max). */
static size_t waiting_tenants(struct acd *acd, char (*out)[ID_LEN],
			      size_t max)
{
	size_t n = 0, i;
	struct le *le;

	LIST_FOREACH(&acd->queues, le) {
		const struct acd_queue *q = le->data;

		for (i = 0; i < n && strcmp(out[i], q->tenant_id); i++)
			;
		if (i == n && n < max)
			str_ncpy(out[n++], q->tenant_id, ID_LEN);
	}
	return n;
}

void acd_directory_changed(struct acd *acd)
{
	char tenants[MAX_TENANTS][ID_LEN];
	struct le *le;
	size_t n;

	if (!acd)
		return;
	LIST_FOREACH(&acd->agents, le) {
		struct acd_agent *a = le->data;
		const struct dir_agent *da = directory_agent(
			acd->dir, a->tenant_id, a->id);

		(void)acd_pool_set_max_calls(acd->pool, a->pool,
					     call_limit(da));
		(void)acd_pool_set_agent_no(acd->pool, a->pool,
					    agent_number(da));
		acd_agent_sync(a);
	}
	hash_apply(acd->queue_ids, rebind_queue, acd);
	n = waiting_tenants(acd, tenants, MAX_TENANTS);
	for (size_t i = 0; i < n; i++)
		acd_dispatch_tenant(acd, tenants[i]);
}

/* ---- start and stop ---- */

int acd_members_init(struct acd *acd)
{
	int err = acd_pool_alloc(&acd->pool);

	if (!err)
		err = hash_alloc(&acd->agent_ids, ID_BUCKETS);
	if (!err)
		err = hash_alloc(&acd->agent_phones, ID_BUCKETS);
	if (!err)
		err = hash_alloc(&acd->queue_ids, ID_BUCKETS);
	if (!err)
		acd_pool_seed(acd->pool, (uint64_t)now_ms() | 1);
	return err;
}

static bool drop_queue(struct le *le, void *arg)
{
	queue_free(arg, le->data);
	return false;
}

/* After the agents are gone. */
void acd_members_close(struct acd *acd)
{
	if (acd->queue_ids)
		hash_apply(acd->queue_ids, drop_queue, acd);
	acd->queue_ids = mem_deref(acd->queue_ids);
	acd->agent_ids = mem_deref(acd->agent_ids);
	acd->agent_phones = mem_deref(acd->agent_phones);
	acd_pool_free(acd->pool);
	acd->pool = NULL;
	free(acd->by_pool);
	free(acd->cand);
	free(acd->order);
}
