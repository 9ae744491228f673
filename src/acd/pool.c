/*
 * pool.c — agents and queues in memory for routing (see pool.h).
 *
 * Agents live in parallel arrays by index: their public state, their queue
 * lists, and one `eligible` byte kept up to date on every change, so the
 * routing scan reads a 10,000-agent pool's eligibility from 10 KB. Queues
 * hold their members in binding order (an array, kept in order on
 * removal); each member carries a binding position that never changes, so
 * round-robin remembers "the last one offered" across removals. Freed
 * indexes are kept on a stack and handed out again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pool.h"

enum { MAX_SKILL_LEVEL = 9 };

struct member {
	uint32_t agent;
	uint32_t pos;              /* binding position, never reused in a queue */
	int priority;
	uint8_t skill_level;
};

struct queue {
	struct member *members;    /* binding order */
	uint32_t n, cap;
	uint32_t next_pos;
	uint32_t rr_last;
	bool used;
};

struct agent_queues {
	uint32_t *queues;
	uint32_t n, cap;
	bool used;
};

struct acd_pool {
	struct acd_pool_agent *agents;      /* by agent index */
	struct agent_queues *aq;       /* by agent index */
	uint8_t *eligible;             /* by agent index: 1 when offers may go */
	struct acd_slot *slots;        /* acd_order's scratch, two per agent */
	uint32_t *free_agents;         /* stack of removed indexes */
	uint32_t nagents, nfree_agents, agents_cap;
	struct queue *queues;          /* by queue index */
	uint32_t *free_queues;
	uint32_t nqueues, nfree_queues, queues_cap;
	uint64_t rng;
};

/* --- arrays ------------------------------------------------------------ */

/* The capacity, doubled from cap (8 at first), that holds need; 0 when
   it would not fit in 32 bits. */
static uint32_t grown(uint32_t cap, uint32_t need)
{
	uint32_t c = cap ? cap : 8;

	while (c < need) {
		if (c > UINT32_MAX / 2)
			return 0;
		c *= 2;
	}
	return c;
}

static int resize(void **arr, uint32_t cap, size_t size)
{
	void *bigger = realloc(*arr, (size_t)cap * size);

	if (!bigger)
		return ENOMEM;
	*arr = bigger;
	return 0;
}

/* Makes *arr hold at least `need` elements; 0 or ENOMEM. */
static int reserve_room(void **arr, uint32_t *cap, uint32_t need,
			size_t size)
{
	uint32_t c;

	if (need <= *cap)
		return 0;
	c = grown(*cap, need);
	if (!c || resize(arr, c, size))
		return ENOMEM;
	*cap = c;
	return 0;
}

/* Grows the agents' parallel arrays together; the capacity changes only
   once all of them have room (a larger array left behind is harmless). */
static int make_room_for_agent(struct acd_pool *p)
{
	uint32_t c;

	if (p->nagents < p->agents_cap)
		return 0;
	c = grown(p->agents_cap, p->nagents + 1);
	if (!c || resize((void **)&p->agents, c, sizeof(*p->agents)) ||
	    resize((void **)&p->aq, c, sizeof(*p->aq)) ||
	    resize((void **)&p->eligible, c, sizeof(*p->eligible)) ||
	    resize((void **)&p->slots, c, 2 * sizeof(*p->slots)) ||
	    resize((void **)&p->free_agents, c, sizeof(*p->free_agents)))
		return ENOMEM;
	p->agents_cap = c;
	return 0;
}

static int make_room_for_queue(struct acd_pool *p)
{
	uint32_t c;

	if (p->nqueues < p->queues_cap)
		return 0;
	c = grown(p->queues_cap, p->nqueues + 1);
	if (!c || resize((void **)&p->queues, c, sizeof(*p->queues)) ||
	    resize((void **)&p->free_queues, c, sizeof(*p->free_queues)))
		return ENOMEM;
	p->queues_cap = c;
	return 0;
}

/* --- the pool ------------------------------------------------------------ */

int acd_pool_alloc(struct acd_pool **pp)
{
	if (!pp)
		return EINVAL;
	*pp = calloc(1, sizeof(**pp));
	return *pp ? 0 : ENOMEM;
}

void acd_pool_free(struct acd_pool *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; i < p->nagents; i++)
		free(p->aq[i].queues);
	for (uint32_t i = 0; i < p->nqueues; i++)
		free(p->queues[i].members);
	free(p->agents);
	free(p->aq);
	free(p->eligible);
	free(p->slots);
	free(p->free_agents);
	free(p->queues);
	free(p->free_queues);
	free(p);
}

void acd_pool_seed(struct acd_pool *p, uint64_t seed)
{
	p->rng = seed;
}

static bool agent_known(const struct acd_pool *p, uint32_t agent)
{
	return p && agent < p->nagents && p->aq[agent].used;
}

static bool queue_known(const struct acd_pool *p, uint32_t queue)
{
	return p && queue < p->nqueues && p->queues[queue].used;
}

static void refresh_eligible(struct acd_pool *p, uint32_t agent)
{
	const struct acd_pool_agent *a = &p->agents[agent];

	p->eligible[agent] = p->aq[agent].used && a->ready &&
			     a->calls < a->max_calls;
}

/* --- agents -------------------------------------------------------------- */

int acd_pool_agent_add(struct acd_pool *p, uint32_t agent_no,
		       unsigned max_calls, uint32_t *agent)
{
	uint32_t i;

	if (!p || !agent || max_calls == 0 || max_calls > UINT16_MAX)
		return EINVAL;
	if (p->nfree_agents) {
		i = p->free_agents[--p->nfree_agents];
	} else {
		if (make_room_for_agent(p))
			return ENOMEM;
		i = p->nagents++;
	}
	p->agents[i] = (struct acd_pool_agent){.agent_no = agent_no,
					  .max_calls = (uint16_t)max_calls};
	p->aq[i] = (struct agent_queues){.used = true};
	refresh_eligible(p, i);
	*agent = i;
	return 0;
}

static struct member *find_member(struct queue *q, uint32_t agent)
{
	for (uint32_t i = 0; i < q->n; i++) {
		if (q->members[i].agent == agent)
			return &q->members[i];
	}
	return NULL;
}

/* Drops the member from the queue's array, keeping the binding order. */
static void drop_member(struct queue *q, uint32_t agent)
{
	struct member *m = find_member(q, agent);
	size_t after;

	if (!m)
		return;
	after = (size_t)(q->members + q->n - (m + 1));
	memmove(m, m + 1, after * sizeof(*m));
	q->n--;
}

/* Drops the queue from the agent's list (unordered). */
static bool drop_queue_of_agent(struct agent_queues *aq, uint32_t queue)
{
	for (uint32_t i = 0; i < aq->n; i++) {
		if (aq->queues[i] == queue) {
			aq->queues[i] = aq->queues[--aq->n];
			return true;
		}
	}
	return false;
}

int acd_pool_agent_remove(struct acd_pool *p, uint32_t agent)
{
	struct agent_queues *aq;

	if (!agent_known(p, agent))
		return EINVAL;
	if (p->agents[agent].calls)
		return EBUSY;
	aq = &p->aq[agent];
	for (uint32_t i = 0; i < aq->n; i++)
		drop_member(&p->queues[aq->queues[i]], agent);
	free(aq->queues);
	*aq = (struct agent_queues){0};
	p->eligible[agent] = 0;
	p->free_agents[p->nfree_agents++] = agent;
	return 0;
}

const struct acd_pool_agent *acd_pool_agent(const struct acd_pool *p,
				       uint32_t agent)
{
	return agent_known(p, agent) ? &p->agents[agent] : NULL;
}

const uint32_t *acd_pool_agent_queues(const struct acd_pool *p,
				      uint32_t agent, size_t *n)
{
	if (!agent_known(p, agent)) {
		if (n)
			*n = 0;
		return NULL;
	}
	if (n)
		*n = p->aq[agent].n;
	return p->aq[agent].queues;
}

int acd_pool_set_agent_no(struct acd_pool *p, uint32_t agent,
			  uint32_t agent_no)
{
	if (!agent_known(p, agent))
		return EINVAL;
	p->agents[agent].agent_no = agent_no;
	return 0;
}

int acd_pool_set_ready(struct acd_pool *p, uint32_t agent, bool ready)
{
	if (!agent_known(p, agent))
		return EINVAL;
	p->agents[agent].ready = ready;
	refresh_eligible(p, agent);
	return 0;
}

int acd_pool_set_max_calls(struct acd_pool *p, uint32_t agent,
			   unsigned max_calls)
{
	if (!agent_known(p, agent) || max_calls == 0 ||
	    max_calls > UINT16_MAX)
		return EINVAL;
	p->agents[agent].max_calls = (uint16_t)max_calls;
	refresh_eligible(p, agent);
	return 0;
}

int acd_pool_set_idle_since(struct acd_pool *p, uint32_t agent, int64_t ms)
{
	if (!agent_known(p, agent))
		return EINVAL;
	p->agents[agent].idle_since_ms = ms;
	return 0;
}

int acd_pool_set_answered_today(struct acd_pool *p, uint32_t agent,
				uint32_t n)
{
	if (!agent_known(p, agent))
		return EINVAL;
	p->agents[agent].answered_today = n;
	return 0;
}

bool acd_pool_eligible(const struct acd_pool *p, uint32_t agent)
{
	return agent_known(p, agent) && p->eligible[agent];
}

int acd_pool_reserve(struct acd_pool *p, uint32_t agent)
{
	if (!agent_known(p, agent))
		return EINVAL;
	if (!p->eligible[agent])
		return EBUSY;
	p->agents[agent].calls++;
	refresh_eligible(p, agent);
	return 0;
}

static int drop_call(struct acd_pool *p, uint32_t agent)
{
	if (!agent_known(p, agent) || p->agents[agent].calls == 0)
		return EINVAL;
	p->agents[agent].calls--;
	refresh_eligible(p, agent);
	return 0;
}

int acd_pool_unreserve(struct acd_pool *p, uint32_t agent)
{
	return drop_call(p, agent);
}

int acd_pool_answered(struct acd_pool *p, uint32_t agent)
{
	if (!agent_known(p, agent) || p->agents[agent].calls == 0)
		return EINVAL;
	p->agents[agent].answered_today++;
	return 0;
}

int acd_pool_call_ended(struct acd_pool *p, uint32_t agent, int64_t now_ms)
{
	int err = drop_call(p, agent);

	if (err)
		return err;
	if (p->agents[agent].calls == 0)
		p->agents[agent].idle_since_ms = now_ms;
	return 0;
}

/* --- queues and members -------------------------------------------------- */

int acd_pool_queue_add(struct acd_pool *p, uint32_t *queue)
{
	uint32_t i;

	if (!p || !queue)
		return EINVAL;
	if (p->nfree_queues) {
		i = p->free_queues[--p->nfree_queues];
	} else {
		if (make_room_for_queue(p))
			return ENOMEM;
		i = p->nqueues++;
	}
	p->queues[i] = (struct queue){.rr_last = ACD_RR_START, .used = true};
	*queue = i;
	return 0;
}

int acd_pool_queue_remove(struct acd_pool *p, uint32_t queue)
{
	struct queue *q;

	if (!queue_known(p, queue))
		return EINVAL;
	q = &p->queues[queue];
	for (uint32_t i = 0; i < q->n; i++)
		drop_queue_of_agent(&p->aq[q->members[i].agent], queue);
	free(q->members);
	*q = (struct queue){0};
	p->free_queues[p->nfree_queues++] = queue;
	return 0;
}

size_t acd_pool_queue_size(const struct acd_pool *p, uint32_t queue)
{
	return queue_known(p, queue) ? p->queues[queue].n : 0;
}

size_t acd_pool_queue_members(const struct acd_pool *p, uint32_t queue,
			      uint32_t *agents, size_t cap)
{
	const struct queue *q;
	size_t k = 0;

	if (!queue_known(p, queue) || !agents)
		return 0;
	q = &p->queues[queue];
	for (uint32_t i = 0; i < q->n && k < cap; i++)
		agents[k++] = q->members[i].agent;
	return k;
}

static int bind_member(struct acd_pool *p, uint32_t queue, uint32_t agent,
		       int priority, uint8_t skill_level)
{
	struct queue *q = &p->queues[queue];
	struct agent_queues *aq = &p->aq[agent];

	if (reserve_room((void **)&q->members, &q->cap, q->n + 1,
			 sizeof(*q->members)) ||
	    reserve_room((void **)&aq->queues, &aq->cap, aq->n + 1,
			 sizeof(*aq->queues)))
		return ENOMEM;
	q->members[q->n++] = (struct member){agent, q->next_pos++, priority,
					     skill_level};
	aq->queues[aq->n++] = queue;
	return 0;
}

int acd_pool_member_set(struct acd_pool *p, uint32_t queue, uint32_t agent,
			int priority, uint8_t skill_level)
{
	struct member *m;

	if (!queue_known(p, queue) || !agent_known(p, agent) ||
	    skill_level > MAX_SKILL_LEVEL)
		return EINVAL;
	m = find_member(&p->queues[queue], agent);
	if (!m)
		return bind_member(p, queue, agent, priority, skill_level);
	m->priority = priority;
	m->skill_level = skill_level;
	return 0;
}

/* Inserts a member at its position's place (after equal positions). */
static int bind_member_at(struct acd_pool *p, uint32_t queue,
			  const struct member *m)
{
	struct queue *q = &p->queues[queue];
	struct agent_queues *aq = &p->aq[m->agent];
	uint32_t at = q->n;

	if (reserve_room((void **)&q->members, &q->cap, q->n + 1,
			 sizeof(*q->members)) ||
	    reserve_room((void **)&aq->queues, &aq->cap, aq->n + 1,
			 sizeof(*aq->queues)))
		return ENOMEM;
	while (at > 0 && q->members[at - 1].pos > m->pos)
		at--;
	memmove(&q->members[at + 1], &q->members[at],
		(q->n - at) * sizeof(*q->members));
	q->members[at] = *m;
	q->n++;
	if (m->pos >= q->next_pos)
		q->next_pos = m->pos + 1;
	aq->queues[aq->n++] = queue;
	return 0;
}

int acd_pool_member_bind(struct acd_pool *p, uint32_t queue, uint32_t agent,
			 uint32_t pos, int priority, uint8_t skill_level)
{
	struct member *m;

	if (!queue_known(p, queue) || !agent_known(p, agent) ||
	    skill_level > MAX_SKILL_LEVEL)
		return EINVAL;
	m = find_member(&p->queues[queue], agent);
	if (m && m->pos == pos) {
		m->priority = priority;
		m->skill_level = skill_level;
		return 0;
	}
	if (m) {                   /* moves: bound again at its new place */
		drop_member(&p->queues[queue], agent);
		drop_queue_of_agent(&p->aq[agent], queue);
	}
	return bind_member_at(p, queue, &(struct member){agent, pos, priority,
							 skill_level});
}

int acd_pool_member_remove(struct acd_pool *p, uint32_t queue,
			   uint32_t agent)
{
	if (!queue_known(p, queue) || !agent_known(p, agent))
		return EINVAL;
	if (!drop_queue_of_agent(&p->aq[agent], queue))
		return ENOENT;
	drop_member(&p->queues[queue], agent);
	return 0;
}

/* --- routing ------------------------------------------------------------- */

static bool was_tried(uint32_t agent, const uint32_t *tried, size_t ntried)
{
	for (size_t i = 0; i < ntried; i++) {
		if (tried[i] == agent)
			return true;
	}
	return false;
}

/* One member as a candidate. */
static void describe_member(const struct acd_pool *p, const struct member *m,
			    struct acd_candidate *out)
{
	const struct acd_pool_agent *a = &p->agents[m->agent];

	*out = (struct acd_candidate){
		.id = m->agent,
		.agent_no = a->agent_no,
		.member_pos = m->pos,
		.priority = m->priority,
		.skill_level = m->skill_level,
		.idle_since_ms = a->idle_since_ms,
		.answered_today = a->answered_today,
	};
}

/* Every member is written at out[k] and kept by advancing k only when it
   is eligible: no branch on eligibility, which is a coin toss per member
   and cost more in mispredictions than the writes. */
size_t acd_pool_candidates(const struct acd_pool *p, uint32_t queue,
			   const uint32_t *tried, size_t ntried,
			   struct acd_candidate *out, size_t cap)
{
	const struct queue *q;
	size_t k = 0;

	if (!queue_known(p, queue) || !out)
		return 0;
	if (!tried)
		ntried = 0;
	q = &p->queues[queue];
	for (uint32_t i = 0; i < q->n && k < cap; i++) {
		const struct member *m = &q->members[i];

		describe_member(p, m, &out[k]);
		k += p->eligible[m->agent] &&
		     !(ntried && was_tried(m->agent, tried, ntried));
	}
	return k;
}

size_t acd_pool_order(struct acd_pool *p, uint32_t queue,
		      enum acd_strategy s, const struct acd_candidate *c,
		      size_t n, uint32_t *agents)
{
	if (!queue_known(p, queue) || n > p->nagents)
		return 0;
	return acd_order(s, c, n, &p->queues[queue].rr_last, &p->rng,
			 p->slots, agents);
}
