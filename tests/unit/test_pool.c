/*
 * test_pool.c — the ACD pool: who is eligible (ready and under the call
 * limit), the life of an offer, membership in binding order across
 * removals, index reuse, and routing a queue end to end.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>
#include "acd/pool.h"

static int setup(void **state)
{
	struct acd_pool *p;

	if (acd_pool_alloc(&p))
		return -1;
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	acd_pool_free(*state);
	return 0;
}

static uint32_t add_agent(struct acd_pool *p, uint32_t no, unsigned max,
			  bool ready)
{
	uint32_t a;

	assert_int_equal(acd_pool_agent_add(p, no, max, &a), 0);
	assert_int_equal(acd_pool_set_ready(p, a, ready), 0);
	return a;
}

static uint32_t add_queue(struct acd_pool *p)
{
	uint32_t q;

	assert_int_equal(acd_pool_queue_add(p, &q), 0);
	return q;
}

/* The agent indexes of a queue's eligible members, binding order. */
static size_t eligible_of(struct acd_pool *p, uint32_t q, uint32_t *ids)
{
	struct acd_candidate c[16];
	size_t n = acd_pool_candidates(p, q, NULL, 0, c, 16);

	for (size_t i = 0; i < n; i++)
		ids[i] = c[i].id;
	return n;
}

static void test_eligible_means_ready_and_under_the_limit(void **state)
{
	struct acd_pool *p = *state;
	uint32_t a = add_agent(p, 1001, 1, false);

	assert_false(acd_pool_eligible(p, a));           /* not ready */
	assert_int_equal(acd_pool_reserve(p, a), EBUSY);
	assert_int_equal(acd_pool_set_ready(p, a, true), 0);
	assert_true(acd_pool_eligible(p, a));
	/* one offer fills a limit of one: no second offer */
	assert_int_equal(acd_pool_reserve(p, a), 0);
	assert_false(acd_pool_eligible(p, a));
	assert_int_equal(acd_pool_reserve(p, a), EBUSY);
	assert_int_equal(acd_pool_agent(p, a)->calls, 1);
	/* a limit of two takes one more, then no more */
	assert_int_equal(acd_pool_set_max_calls(p, a, 2), 0);
	assert_true(acd_pool_eligible(p, a));
	assert_int_equal(acd_pool_reserve(p, a), 0);
	assert_int_equal(acd_pool_reserve(p, a), EBUSY);
	assert_int_equal(acd_pool_agent(p, a)->calls, 2);
	/* lowering the limit ends no call but stops offers */
	assert_int_equal(acd_pool_set_max_calls(p, a, 1), 0);
	assert_int_equal(acd_pool_unreserve(p, a), 0);
	assert_false(acd_pool_eligible(p, a));           /* 1 of 1 */
	assert_int_equal(acd_pool_unreserve(p, a), 0);
	assert_true(acd_pool_eligible(p, a));
	/* going busy stops offers whatever the calls */
	assert_int_equal(acd_pool_set_ready(p, a, false), 0);
	assert_false(acd_pool_eligible(p, a));
	assert_int_equal(acd_pool_reserve(p, a), EBUSY);
	assert_int_equal(acd_pool_set_max_calls(p, a, 0), EINVAL);
	assert_int_equal(acd_pool_set_max_calls(p, a, 70000), EINVAL);
	assert_int_equal(acd_pool_agent(p, a)->max_calls, 1);
}

static void test_the_life_of_an_offer(void **state)
{
	struct acd_pool *p = *state;
	uint32_t a = add_agent(p, 7, 1, true);
	const struct acd_pool_agent *ag = acd_pool_agent(p, a);

	assert_int_equal(acd_pool_set_idle_since(p, a, 1000), 0);
	/* nothing in hand: nothing to unreserve, answer or end */
	assert_int_equal(acd_pool_unreserve(p, a), EINVAL);
	assert_int_equal(acd_pool_answered(p, a), EINVAL);
	assert_int_equal(acd_pool_call_ended(p, a, 2000), EINVAL);
	/* a missed offer: the idle time and count stay */
	assert_int_equal(acd_pool_reserve(p, a), 0);
	assert_int_equal(acd_pool_unreserve(p, a), 0);
	assert_int_equal(ag->idle_since_ms, 1000);
	assert_int_equal(ag->answered_today, 0);
	/* an answered call: counted, idle from its end */
	assert_int_equal(acd_pool_reserve(p, a), 0);
	assert_int_equal(acd_pool_answered(p, a), 0);
	assert_false(acd_pool_eligible(p, a));
	assert_int_equal(acd_pool_call_ended(p, a, 5000), 0);
	assert_int_equal(ag->answered_today, 1);
	assert_int_equal(ag->idle_since_ms, 5000);
	assert_int_equal(ag->calls, 0);
	assert_true(acd_pool_eligible(p, a));
	/* two calls: idle only from the end of the last one */
	assert_int_equal(acd_pool_set_max_calls(p, a, 2), 0);
	assert_int_equal(acd_pool_reserve(p, a), 0);
	assert_int_equal(acd_pool_reserve(p, a), 0);
	assert_int_equal(acd_pool_call_ended(p, a, 6000), 0);
	assert_int_equal(ag->idle_since_ms, 5000);
	assert_int_equal(acd_pool_call_ended(p, a, 7000), 0);
	assert_int_equal(ag->idle_since_ms, 7000);
	assert_int_equal(acd_pool_set_answered_today(p, a, 0), 0);
	assert_int_equal(ag->answered_today, 0);
}

static void test_members_in_binding_order(void **state)
{
	struct acd_pool *p = *state;
	uint32_t q = add_queue(p), a[4], ids[16];
	struct acd_candidate c[4];
	size_t n;

	for (int i = 0; i < 4; i++) {
		a[i] = add_agent(p, 100 + (uint32_t)i, 1, true);
		assert_int_equal(acd_pool_member_set(p, q, a[i], i % 2,
						     (uint8_t)(5 + i)), 0);
	}
	assert_int_equal(acd_pool_queue_size(p, q), 4);
	assert_int_equal(acd_pool_candidates(p, q, NULL, 0, c, 4), 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(c[i].id, a[i]);
		assert_int_equal(c[i].agent_no, 100 + i);
		assert_int_equal(c[i].member_pos, i);
		assert_int_equal(c[i].priority, i % 2);
		assert_int_equal(c[i].skill_level, 5 + i);
	}
	/* an update keeps the binding position */
	assert_int_equal(acd_pool_member_set(p, q, a[1], 7, 9), 0);
	assert_int_equal(acd_pool_queue_size(p, q), 4);
	assert_int_equal(acd_pool_candidates(p, q, NULL, 0, c, 4), 4);
	assert_int_equal(c[1].id, a[1]);
	assert_int_equal(c[1].member_pos, 1);
	assert_int_equal(c[1].priority, 7);
	assert_int_equal(c[1].skill_level, 9);
	/* leaving keeps the others' order and positions; rejoining binds last */
	assert_int_equal(acd_pool_member_remove(p, q, a[1]), 0);
	assert_int_equal(acd_pool_member_remove(p, q, a[1]), ENOENT);
	assert_int_equal(acd_pool_member_set(p, q, a[1], 0, 1), 0);
	assert_int_equal(acd_pool_candidates(p, q, NULL, 0, c, 4), 4);
	assert_int_equal(c[0].id, a[0]);
	assert_int_equal(c[1].id, a[2]);
	assert_int_equal(c[1].member_pos, 2);
	assert_int_equal(c[2].id, a[3]);
	assert_int_equal(c[3].id, a[1]);
	assert_int_equal(c[3].member_pos, 4);
	/* only eligible members, and no more than cap */
	assert_int_equal(acd_pool_set_ready(p, a[2], false), 0);
	assert_int_equal(acd_pool_reserve(p, a[3]), 0);
	n = eligible_of(p, q, ids);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], a[0]);
	assert_int_equal(ids[1], a[1]);
	assert_int_equal(acd_pool_candidates(p, q, NULL, 0, c, 1), 1);
	assert_int_equal(c[0].id, a[0]);
	/* agents already tried for this call are left out */
	assert_int_equal(acd_pool_candidates(p, q, &a[0], 1, c, 4), 1);
	assert_int_equal(c[0].id, a[1]);
	/* bad input */
	assert_int_equal(acd_pool_member_set(p, q, a[0], 0, 10), EINVAL);
	assert_int_equal(acd_pool_member_set(p, q + 1, a[0], 0, 1), EINVAL);
	assert_int_equal(acd_pool_member_set(p, q, 99, 0, 1), EINVAL);
	assert_int_equal(acd_pool_candidates(p, q + 1, NULL, 0, c, 4), 0);
	assert_int_equal(acd_pool_queue_size(p, q + 1), 0);
}

/* Positions given by the caller (the ACD's: the place in the queue's
   configuration): members sorted by them whatever the order of binding;
   a member whose position changes moves; the listing follows. */
static void test_members_bound_at_given_positions(void **state)
{
	struct acd_pool *p = *state;
	uint32_t q = add_queue(p), a[4], ids[8];
	struct acd_candidate c[4];
	static const uint32_t pos[4] = {7, 2, 30, 2};

	for (int i = 0; i < 4; i++) {
		a[i] = add_agent(p, 100 + (uint32_t)i, 1, true);
		assert_int_equal(acd_pool_member_bind(p, q, a[i], pos[i], i,
						      (uint8_t)i), 0);
	}
	assert_int_equal(acd_pool_queue_members(p, q, ids, 8), 4);
	assert_int_equal(ids[0], a[1]);      /* 2 */
	assert_int_equal(ids[1], a[3]);      /* 2, bound later */
	assert_int_equal(ids[2], a[0]);      /* 7 */
	assert_int_equal(ids[3], a[2]);      /* 30 */
	/* same position: updated in place; a new position: moved */
	assert_int_equal(acd_pool_member_bind(p, q, a[0], 7, 5, 9), 0);
	assert_int_equal(acd_pool_member_bind(p, q, a[2], 1, 0, 0), 0);
	assert_int_equal(acd_pool_queue_size(p, q), 4);
	assert_int_equal(acd_pool_candidates(p, q, NULL, 0, c, 4), 4);
	assert_int_equal(c[0].id, a[2]);
	assert_int_equal(c[0].member_pos, 1);
	assert_int_equal(c[3].id, a[0]);
	assert_int_equal(c[3].priority, 5);
	assert_int_equal(c[3].skill_level, 9);
	assert_int_equal(acd_pool_queue_members(p, q, ids, 2), 2);
	/* the agent's queue list holds the queue once */
	{
		size_t n;

		acd_pool_agent_queues(p, a[2], &n);
		assert_int_equal(n, 1);
	}
	assert_int_equal(acd_pool_member_remove(p, q, a[2]), 0);
	assert_int_equal(acd_pool_queue_members(p, q, ids, 8), 3);
	/* bad input */
	assert_int_equal(acd_pool_member_bind(p, q, a[0], 1, 0, 10), EINVAL);
	assert_int_equal(acd_pool_member_bind(p, q + 1, a[0], 1, 0, 1),
			 EINVAL);
	assert_int_equal(acd_pool_queue_members(p, q + 1, ids, 8), 0);
	assert_int_equal(acd_pool_set_agent_no(p, a[0], 555), 0);
	assert_int_equal(acd_pool_agent(p, a[0])->agent_no, 555);
	assert_int_equal(acd_pool_set_agent_no(p, 99, 1), EINVAL);
}

static bool has_queue(struct acd_pool *p, uint32_t a, uint32_t q)
{
	size_t n;
	const uint32_t *qs = acd_pool_agent_queues(p, a, &n);

	for (size_t i = 0; i < n; i++) {
		if (qs[i] == q)
			return true;
	}
	return false;
}

static void test_removal_and_index_reuse(void **state)
{
	struct acd_pool *p = *state;
	uint32_t q1 = add_queue(p), q2 = add_queue(p), ids[16];
	uint32_t a = add_agent(p, 1, 1, true), b = add_agent(p, 2, 1, true);
	uint32_t c, q3;
	size_t n;

	assert_int_equal(acd_pool_member_set(p, q1, a, 0, 1), 0);
	assert_int_equal(acd_pool_member_set(p, q2, a, 0, 1), 0);
	assert_int_equal(acd_pool_member_set(p, q1, b, 0, 1), 0);
	assert_true(has_queue(p, a, q1) && has_queue(p, a, q2));
	acd_pool_agent_queues(p, a, &n);
	assert_int_equal(n, 2);
	/* an agent with a call in hand cannot be removed */
	assert_int_equal(acd_pool_reserve(p, a), 0);
	assert_int_equal(acd_pool_agent_remove(p, a), EBUSY);
	assert_int_equal(acd_pool_unreserve(p, a), 0);
	/* removed: out of every queue, index unknown, then reused clean */
	assert_int_equal(acd_pool_agent_remove(p, a), 0);
	assert_null(acd_pool_agent(p, a));
	assert_false(acd_pool_eligible(p, a));
	assert_int_equal(acd_pool_set_ready(p, a, true), EINVAL);
	assert_int_equal(acd_pool_reserve(p, a), EINVAL);
	assert_int_equal(acd_pool_agent_remove(p, a), EINVAL);
	assert_int_equal(acd_pool_queue_size(p, q1), 1);
	assert_int_equal(acd_pool_queue_size(p, q2), 0);
	assert_int_equal(eligible_of(p, q1, ids), 1);
	assert_int_equal(ids[0], b);
	c = add_agent(p, 3, 1, false);
	assert_int_equal(c, a);
	assert_int_equal(acd_pool_agent(p, c)->agent_no, 3);
	assert_int_equal(acd_pool_agent(p, c)->answered_today, 0);
	assert_null(acd_pool_agent_queues(p, c, &n));
	assert_int_equal(n, 0);
	/* a removed queue: its members leave it, its index is reused */
	assert_int_equal(acd_pool_queue_remove(p, q1), 0);
	assert_false(has_queue(p, b, q1));
	assert_int_equal(acd_pool_queue_remove(p, q1), EINVAL);
	assert_int_equal(acd_pool_member_remove(p, q1, b), EINVAL);
	q3 = add_queue(p);
	assert_int_equal(q3, q1);
	assert_int_equal(acd_pool_queue_size(p, q3), 0);
	assert_int_equal(acd_pool_member_set(p, q3, b, 0, 1), 0);
	assert_true(has_queue(p, b, q3));
	/* bad setup values */
	assert_int_equal(acd_pool_agent_add(p, 9, 0, &c), EINVAL);
	assert_int_equal(acd_pool_agent_add(p, 9, 65536, &c), EINVAL);
}

static void test_routing_a_queue_end_to_end(void **state)
{
	struct acd_pool *p = *state;
	uint32_t q = add_queue(p), a[5], out[5];
	struct acd_candidate c[5];
	size_t n;

	for (int i = 0; i < 5; i++) {
		a[i] = add_agent(p, 500 - (uint32_t)i, 1, true);
		assert_int_equal(acd_pool_member_set(p, q, a[i], 0, 1), 0);
	}
	/* round-robin remembers the queue's last offer across decisions */
	for (int round = 0; round < 7; round++) {
		n = acd_pool_candidates(p, q, NULL, 0, c, 5);
		assert_int_equal(n, 5);
		assert_int_equal(acd_pool_order(p, q, ACD_ROUND_ROBIN, c, n,
						out), 1);
		assert_int_equal(out[0], a[round % 5]);
	}
	/* sequential: lowest number (the last bound); a reserved agent is
	   not offered again, the next lowest is */
	n = acd_pool_candidates(p, q, NULL, 0, c, 5);
	acd_pool_order(p, q, ACD_SEQUENTIAL, c, n, out);
	assert_int_equal(out[0], a[4]);
	assert_int_equal(acd_pool_reserve(p, out[0]), 0);
	n = acd_pool_candidates(p, q, NULL, 0, c, 5);
	assert_int_equal(n, 4);
	acd_pool_order(p, q, ACD_SEQUENTIAL, c, n, out);
	assert_int_equal(out[0], a[3]);
	/* ring-all: everyone eligible at once */
	assert_int_equal(acd_pool_order(p, q, ACD_RING_ALL, c, n, out), 4);
	/* random, seeded: the same seed, the same choice */
	acd_pool_seed(p, 77);
	acd_pool_order(p, q, ACD_RANDOM, c, n, out);
	uint32_t first = out[0];
	acd_pool_seed(p, 77);
	acd_pool_order(p, q, ACD_RANDOM, c, n, out);
	assert_int_equal(out[0], first);
	assert_int_equal(acd_pool_order(p, q + 1, ACD_RANDOM, c, n, out), 0);
}

/* Many agents and queues, random membership changes and offers: the
   candidates always equal a brute-force scan, and no agent ever holds more
   calls than its limit. */
static void test_random_churn_matches_a_brute_force_scan(void **state)
{
	enum { AGENTS = 300, QUEUES = 20, STEPS = 20000 };
	struct acd_pool *p = *state;
	static bool member[QUEUES][AGENTS];
	static struct acd_candidate c[AGENTS];
	uint32_t ag[AGENTS], qs[QUEUES];
	uint64_t rng = 5;

	for (uint32_t i = 0; i < AGENTS; i++)
		ag[i] = add_agent(p, i, 1 + i % 3, i % 2);
	assert_int_equal(ag[AGENTS - 1], AGENTS - 1);    /* indexes = i */
	for (uint32_t i = 0; i < QUEUES; i++)
		qs[i] = add_queue(p);
	for (int step = 0; step < STEPS; step++) {
		uint32_t i = (uint32_t)(acd_random(&rng) % AGENTS);
		uint32_t k = (uint32_t)(acd_random(&rng) % QUEUES);
		const struct acd_pool_agent *a = acd_pool_agent(p, ag[i]);

		switch (acd_random(&rng) % 6) {
		case 0:
			assert_int_equal(acd_pool_member_set(p, qs[k], ag[i],
							     0, 1), 0);
			member[k][i] = true;
			break;
		case 1:
			assert_int_equal(acd_pool_member_remove(p, qs[k],
								ag[i]),
					 member[k][i] ? 0 : ENOENT);
			member[k][i] = false;
			break;
		case 2:
			acd_pool_set_ready(p, ag[i], !a->ready);
			break;
		case 3:
			acd_pool_reserve(p, ag[i]);
			break;
		default:
			acd_pool_call_ended(p, ag[i], step);
			break;
		}
		assert_true(a->calls <= a->max_calls);
		assert_int_equal(acd_pool_eligible(p, ag[i]),
				 a->ready && a->calls < a->max_calls);
		if (step % 100)
			continue;
		size_t n = acd_pool_candidates(p, qs[k], NULL, 0, c, AGENTS);
		size_t want = 0;
		for (uint32_t j = 0; j < AGENTS; j++) {
			const struct acd_pool_agent *b = acd_pool_agent(p, ag[j]);

			want += member[k][j] && b->ready &&
				b->calls < b->max_calls;
		}
		assert_int_equal(n, want);
		for (size_t j = 0; j < n; j++) {
			assert_true(member[k][c[j].id]);
			assert_true(j == 0 ||
				    c[j - 1].member_pos < c[j].member_pos);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_eligible_means_ready_and_under_the_limit, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_the_life_of_an_offer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_members_in_binding_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_members_bound_at_given_positions, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_removal_and_index_reuse,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_routing_a_queue_end_to_end,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_random_churn_matches_a_brute_force_scan, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
