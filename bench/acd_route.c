/*
 * acd_route.c — routing decisions of the ACD core alone (src/acd): a pool
 * of agents in queues of very different sizes, and for each strategy many
 * decisions, each timed in full: the queue's eligible members found
 * (acd_pool_candidates) and ordered (acd_pool_order). Between decisions
 * (not timed) the agent offered takes the call and a random busy member
 * of the same queue ends one, so each queue keeps its share of idle
 * agents throughout.
 *
 *   acd_route [agents=10000] [queues=1000] [decisions=200000] [seed=1]
 *
 * Each agent is a member of 1-5 queues, picked with Zipf-like weights
 * (a few large queues, many small ones); member priority 0 (70 %), 1 or 2;
 * skill level 0-9. Agent states at the start: 30 % idle, 45 % on a call,
 * 15 % busy (break), 10 % in wrap-up (not ready); one in ten takes up to
 * 3 calls at once (on a call: 1-3, so some are still eligible). Calls go to queues in proportion to their size.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "acd/pool.h"

static uint64_t rng_state = 1;

/* The bench's own copy of the membership, to pick busy members. */
struct members {
	uint32_t *agents;
	uint32_t n, cap;
};
static struct members *members_of;

static uint32_t below(uint32_t n)
{
	return (uint32_t)(((acd_random(&rng_state) >> 32) * n) >> 32);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "acd_route: %s\n", what);
	exit(1);
}

/* A queue drawn by the cumulative weights cum[0..n). */
static uint32_t draw(const double *cum, uint32_t n)
{
	double x = (double)(acd_random(&rng_state) >> 11) / 9007199254740992.0
		   * cum[n - 1];
	uint32_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (cum[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void note_member(uint32_t q, uint32_t a)
{
	struct members *m = &members_of[q];

	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 8;
		m->agents = realloc(m->agents, m->cap * sizeof(*m->agents));
		if (!m->agents)
			die("out of memory");
	}
	m->agents[m->n++] = a;
}

static void build(struct acd_pool *p, uint32_t agents, uint32_t queues)
{
	double *cum = malloc(queues * sizeof(*cum)), sum = 0;

	members_of = calloc(queues, sizeof(*members_of));
	if (!cum || !members_of)
		die("out of memory");
	for (uint32_t q = 0; q < queues; q++) {
		uint32_t idx;

		sum += 1.0 / pow(q + 1, 0.8);
		cum[q] = sum;
		if (acd_pool_queue_add(p, &idx) || idx != q)
			die("queue_add");
	}
	for (uint32_t a = 0; a < agents; a++) {
		uint32_t idx, r = below(100);
		unsigned max = below(10) == 0 ? 3 : 1;
		unsigned nq = 1 + below(5);

		if (acd_pool_agent_add(p, 10000 + below(90000), max, &idx) ||
		    idx != a)
			die("agent_add");
		for (unsigned k = 0; k < nq; k++) {
			uint32_t pr = below(10), q = draw(cum, queues);
			size_t before = acd_pool_queue_size(p, q);

			if (acd_pool_member_set(p, q, a,
						pr < 7 ? 0 : pr < 9 ? 1 : 2,
						(uint8_t)below(10)))
				die("member_set");
			if (acd_pool_queue_size(p, q) > before)
				note_member(q, a);
		}
		acd_pool_set_idle_since(p, a, -(int64_t)below(3600000));
		acd_pool_set_answered_today(p, a, below(80));
		/* 30 idle, 45 on a call, 15 busy, 10 wrap-up */
		acd_pool_set_ready(p, a, r < 75);
		if (r >= 30 && r < 75) {          /* a 3-call agent: 1-3 */
			unsigned calls = 1 + below(max);

			for (unsigned c = 0; c < calls; c++)
				acd_pool_reserve(p, a);
		}
	}
	free(cum);
}

static int by_value(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

struct figures {
	double per_s, p50_us, p99_us, max_us, mean_candidates;
};

/* Ends one call of a random member of the queue who has one (the one
   just offered at worst): keeps the queue's idle share. */
static void end_a_call(struct acd_pool *p, uint32_t q, int64_t now)
{
	const struct members *m = &members_of[q];

	for (int tries = 0; tries < 1000; tries++) {
		uint32_t a = m->agents[below(m->n)];

		if (acd_pool_agent(p, a)->calls) {
			acd_pool_answered(p, a);
			acd_pool_call_ended(p, a, now);
			return;
		}
	}
}

static void run(struct acd_pool *p, enum acd_strategy s, uint32_t agents,
		const double *qcum, uint32_t queues, int only_queue,
		uint32_t decisions, struct acd_candidate *cand, uint32_t *ids,
		uint32_t *lat, struct figures *f)
{
	int64_t total = 0;
	uint64_t ncand = 0;

	for (uint32_t i = 0; i < decisions; i++) {
		uint32_t q = only_queue >= 0 ? (uint32_t)only_queue
					     : draw(qcum, queues);
		int64_t t0 = now_ns();
		size_t n = acd_pool_candidates(p, q, NULL, 0, cand, agents);
		size_t ring = acd_pool_order(p, q, s, cand, n, ids);
		int64_t dt = now_ns() - t0;

		lat[i] = (uint32_t)dt;
		total += dt;
		ncand += n;
		/* not timed: the first agent takes the call, another ends one */
		if (ring && acd_pool_reserve(p, ids[0]) == 0)
			end_a_call(p, q, (int64_t)i);
	}
	qsort(lat, decisions, sizeof(*lat), by_value);
	f->per_s = decisions / (total / 1e9);
	f->p50_us = lat[decisions / 2] / 1e3;
	f->p99_us = lat[(size_t)(decisions * 0.99)] / 1e3;
	f->max_us = lat[decisions - 1] / 1e3;
	f->mean_candidates = (double)ncand / decisions;
}

static void describe(const struct acd_pool *p, uint32_t agents,
		     uint32_t queues, uint32_t *largest)
{
	uint32_t *sizes = malloc(queues * sizeof(*sizes));
	size_t members = 0, eligible = 0;

	if (!sizes)
		die("out of memory");
	*largest = 0;
	for (uint32_t q = 0; q < queues; q++) {
		sizes[q] = (uint32_t)acd_pool_queue_size(p, q);
		members += sizes[q];
		if (sizes[q] > sizes[*largest])
			*largest = q;
	}
	for (uint32_t a = 0; a < agents; a++)
		eligible += acd_pool_eligible(p, a);
	qsort(sizes, queues, sizeof(*sizes), by_value);
	printf("%u agents, %u queues, %zu memberships (%.1f per agent); "
	       "queue sizes min %u, median %u, p90 %u, max %u; "
	       "eligible now %zu (%.0f %%)\n",
	       agents, queues, members, (double)members / agents, sizes[0],
	       sizes[queues / 2], sizes[queues * 9 / 10], sizes[queues - 1],
	       eligible, 100.0 * eligible / agents);
	free(sizes);
}

int main(int argc, char **argv)
{
	uint32_t agents = argc > 1 ? (uint32_t)atol(argv[1]) : 10000;
	uint32_t queues = argc > 2 ? (uint32_t)atol(argv[2]) : 1000;
	uint32_t decisions = argc > 3 ? (uint32_t)atol(argv[3]) : 200000;
	struct acd_pool *p;
	struct acd_candidate *cand;
	uint32_t *ids, *lat, largest;
	double *qcum;
	double sum = 0;

	rng_state = argc > 4 ? strtoull(argv[4], NULL, 10) : 1;
	if (!agents || !queues || !decisions)
		die("usage: acd_route [agents] [queues] [decisions] [seed]");
	if (acd_pool_alloc(&p))
		die("out of memory");
	build(p, agents, queues);
	describe(p, agents, queues, &largest);
	cand = malloc(agents * sizeof(*cand));
	ids = malloc(agents * sizeof(*ids));
	lat = malloc(decisions * sizeof(*lat));
	qcum = malloc(queues * sizeof(*qcum));
	if (!cand || !ids || !lat || !qcum)
		die("out of memory");
	for (uint32_t q = 0; q < queues; q++) {
		sum += (double)acd_pool_queue_size(p, q);
		qcum[q] = sum;
	}
	printf("%u decisions per strategy, calls to queues in proportion to "
	       "their size; then %u on the largest queue (%zu members)\n",
	       decisions, decisions / 10, acd_pool_queue_size(p, largest));
	printf("decision = eligible members found + ordered; µs per decision, "
	       "one thread\n\n");
	printf("%-13s %12s %7s %7s %8s %7s  | %-8s %7s %7s %8s %7s\n",
	       "strategy", "decisions/s", "p50", "p99", "max", "cands",
	       "largest:", "p50", "p99", "max", "cands");
	for (unsigned s = 0; s < ACD_STRATEGY_COUNT; s++) {
		struct figures all, big;

		/* warm the caches and the branch predictors */
		run(p, (enum acd_strategy)s, agents, qcum, queues, -1,
		    decisions / 20, cand, ids, lat, &all);
		run(p, (enum acd_strategy)s, agents, qcum, queues, -1,
		    decisions, cand, ids, lat, &all);
		run(p, (enum acd_strategy)s, agents, qcum, queues,
		    (int)largest, decisions / 10, cand, ids, lat, &big);
		printf("%-13s %12.0f %7.2f %7.2f %8.1f %7.1f  | %-8s %7.2f "
		       "%7.2f %8.1f %7.1f\n",
		       acd_strategy_name((enum acd_strategy)s), all.per_s,
		       all.p50_us, all.p99_us, all.max_us, all.mean_candidates,
		       "", big.p50_us, big.p99_us, big.max_us,
		       big.mean_candidates);
	}
	describe(p, agents, queues, &largest);
	free(cand);
	free(ids);
	free(lat);
	free(qcum);
	for (uint32_t q = 0; q < queues; q++)
		free(members_of[q].agents);
	free(members_of);
	acd_pool_free(p);
	return 0;
}
