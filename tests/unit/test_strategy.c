/*
 * test_strategy.c — the order in which each ACD strategy offers a call to
 * hand-made candidates, priority tiers before the strategy, and the edges
 * (nothing to order, one candidate, names).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "acd/strategy.h"

static struct acd_slot sl[2 * 4096];     /* acd_order's scratch */

/* Candidate i has id 100 + i, binding position i, priority 0. */
static void make(struct acd_candidate *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		c[i] = (struct acd_candidate){.id = 100 + (uint32_t)i,
					      .agent_no = 1000 + (uint32_t)i,
					      .member_pos = (uint32_t)i};
}

static void assert_order(const uint32_t *got, const uint32_t *want, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (got[i] != want[i])
			fail_msg("position %zu: got %u, want %u", i, got[i],
				 want[i]);
	}
}

static void test_names_both_ways(void **state)
{
	enum acd_strategy s;

	(void)state;
	for (unsigned i = 0; i < ACD_STRATEGY_COUNT; i++) {
		const char *name = acd_strategy_name((enum acd_strategy)i);

		assert_non_null(name);
		assert_int_equal(acd_strategy_of(name, &s), 0);
		assert_int_equal(s, i);
	}
	assert_string_equal(acd_strategy_name(ACD_FEWEST_CALLS), "fewest_calls");
	assert_null(acd_strategy_name((enum acd_strategy)ACD_STRATEGY_COUNT));
	s = ACD_RANDOM;
	assert_int_equal(acd_strategy_of("roundrobin", &s), EINVAL);
	assert_int_equal(acd_strategy_of("", &s), EINVAL);
	assert_int_equal(acd_strategy_of(NULL, &s), EINVAL);
	assert_int_equal(s, ACD_RANDOM);            /* untouched */
}

static void test_sequential_lowest_agent_number_first(void **state)
{
	struct acd_candidate c[4];
	uint32_t out[4];
	const uint32_t want[] = {102, 100, 103, 101};

	(void)state;
	make(c, 4);
	c[0].agent_no = 2005;
	c[1].agent_no = 9001;
	c[2].agent_no = 1003;
	c[3].agent_no = 3000;
	assert_int_equal(acd_order(ACD_SEQUENTIAL, c, 4, NULL, NULL, sl, out), 1);
	assert_order(out, want, 4);
}

static void test_round_robin_continues_after_the_last_and_wraps(void **state)
{
	struct acd_candidate c[4];
	uint32_t out[4], rr = ACD_RR_START;
	const uint32_t first[] = {100, 101, 102, 103};
	const uint32_t after_5[] = {102, 103, 100, 101};
	const uint32_t after_9[] = {100, 101, 102, 103};

	(void)state;
	make(c, 4);
	/* binding positions with gaps (members removed): 1, 3, 7, 9 */
	c[0].member_pos = 1;
	c[1].member_pos = 3;
	c[2].member_pos = 7;
	c[3].member_pos = 9;
	assert_int_equal(acd_order(ACD_ROUND_ROBIN, c, 4, &rr, NULL, sl, out), 1);
	assert_order(out, first, 4);
	assert_int_equal(rr, 1);
	/* the next offer starts after position 1 */
	acd_order(ACD_ROUND_ROBIN, c, 4, &rr, NULL, sl, out);
	assert_int_equal(out[0], 101);
	assert_int_equal(rr, 3);
	/* position 5 left the queue (or is busy): the one after it is 7 */
	rr = 5;
	acd_order(ACD_ROUND_ROBIN, c, 4, &rr, NULL, sl, out);
	assert_order(out, after_5, 4);
	assert_int_equal(rr, 7);
	/* after the last position it wraps to the first */
	rr = 9;
	acd_order(ACD_ROUND_ROBIN, c, 4, &rr, NULL, sl, out);
	assert_order(out, after_9, 4);
	assert_int_equal(rr, 1);
}

static void test_round_robin_cycles_through_everyone(void **state)
{
	struct acd_candidate c[5];
	uint32_t out[5], rr = ACD_RR_START;

	(void)state;
	make(c, 5);
	for (unsigned round = 0; round < 12; round++) {
		acd_order(ACD_ROUND_ROBIN, c, 5, &rr, NULL, sl, out);
		assert_int_equal(out[0], 100 + round % 5);
	}
}

static void test_longest_idle_first(void **state)
{
	struct acd_candidate c[4];
	uint32_t out[4];
	const uint32_t want[] = {101, 103, 100, 102};

	(void)state;
	make(c, 4);
	c[0].idle_since_ms = 1700000005000;
	c[1].idle_since_ms = 1699999990000;     /* idle the longest */
	c[2].idle_since_ms = 1700000009000;
	c[3].idle_since_ms = 1700000001000;
	assert_int_equal(acd_order(ACD_LONGEST_IDLE, c, 4, NULL, NULL, sl, out), 1);
	assert_order(out, want, 4);
}

static void test_fewest_calls_then_longest_idle(void **state)
{
	struct acd_candidate c[4];
	uint32_t out[4];
	const uint32_t want[] = {102, 103, 101, 100};

	(void)state;
	make(c, 4);
	c[0].answered_today = 12;
	c[1].answered_today = 3;
	c[2].answered_today = 1;
	c[3].answered_today = 3;
	c[1].idle_since_ms = 5000;
	c[3].idle_since_ms = 4000;              /* ties on 3: idle longer */
	assert_int_equal(acd_order(ACD_FEWEST_CALLS, c, 4, NULL, NULL, sl, out), 1);
	assert_order(out, want, 4);
}

static void test_skill_first_highest_level_ties_random(void **state)
{
	struct acd_candidate c[5];
	uint32_t out[5];
	uint64_t rng = 42;
	unsigned first_of_tie[2] = {0, 0};

	(void)state;
	make(c, 5);
	c[0].skill_level = 3;
	c[1].skill_level = 9;
	c[2].skill_level = 5;
	c[3].skill_level = 9;
	c[4].skill_level = 0;
	for (int draw = 0; draw < 400; draw++) {
		assert_int_equal(acd_order(ACD_SKILL_FIRST, c, 5, NULL, &rng,
					   sl, out), 1);
		/* the two level-9 agents first, in either order */
		assert_true((out[0] == 101 && out[1] == 103) ||
			    (out[0] == 103 && out[1] == 101));
		first_of_tie[out[0] == 103]++;
		assert_int_equal(out[2], 102);
		assert_int_equal(out[3], 100);
		assert_int_equal(out[4], 104);
	}
	/* the tie is broken both ways, about half each */
	assert_in_range(first_of_tie[0], 150, 250);
	assert_in_range(first_of_tie[1], 150, 250);
}

static void test_random_covers_everyone_and_repeats_for_a_seed(void **state)
{
	enum { N = 6, DRAWS = 6000 };
	struct acd_candidate c[N];
	uint32_t out[N], again[N];
	unsigned first[N] = {0};
	uint64_t rng = 7, rng2;

	(void)state;
	make(c, N);
	for (int draw = 0; draw < DRAWS; draw++) {
		bool seen[N] = {false};

		assert_int_equal(acd_order(ACD_RANDOM, c, N, NULL, &rng, sl, out),
				 1);
		for (size_t i = 0; i < N; i++) {       /* a permutation */
			assert_in_range(out[i], 100, 100 + N - 1);
			assert_false(seen[out[i] - 100]);
			seen[out[i] - 100] = true;
		}
		first[out[0] - 100]++;
	}
	/* each comes first about 1,000 times in 6,000 */
	for (size_t i = 0; i < N; i++)
		assert_in_range(first[i], 850, 1150);

	/* the same seed gives the same order; another seed soon differs */
	rng = 12345;
	rng2 = 12345;
	acd_order(ACD_RANDOM, c, N, NULL, &rng, sl, out);
	acd_order(ACD_RANDOM, c, N, NULL, &rng2, sl, again);
	assert_memory_equal(out, again, sizeof(out));
	assert_int_equal(rng, rng2);
	rng2 = 54321;
	bool differs = false;
	for (int draw = 0; draw < 10 && !differs; draw++) {
		acd_order(ACD_RANDOM, c, N, NULL, &rng2, sl, again);
		differs = memcmp(out, again, sizeof(out)) != 0;
	}
	assert_true(differs);
}

static void test_ring_all_rings_everyone(void **state)
{
	struct acd_candidate c[5];
	uint32_t out[5];
	const uint32_t want[] = {100, 101, 102, 103, 104};

	(void)state;
	make(c, 5);
	assert_int_equal(acd_order(ACD_RING_ALL, c, 5, NULL, NULL, sl, out), 5);
	assert_order(out, want, 5);
}

static void test_priority_tiers_come_before_the_strategy(void **state)
{
	struct acd_candidate c[6];
	uint32_t out[6], rr = ACD_RR_START;
	uint64_t rng = 3;
	const uint32_t sequential[] = {104, 102, 105, 100, 103, 101};
	const uint32_t ring_all[] = {102, 104, 100, 103, 105, 101};

	(void)state;
	make(c, 6);
	/* tiers: priority 1 = {102, 104}, 3 = {100, 103, 105}, 5 = {101} */
	c[0].priority = 3;
	c[1].priority = 5;
	c[2].priority = 1;
	c[3].priority = 3;
	c[4].priority = 1;
	c[5].priority = 3;
	c[4].agent_no = 1;                      /* lowest number overall */
	c[5].agent_no = 2;
	c[3].agent_no = 999999;
	assert_int_equal(acd_order(ACD_SEQUENTIAL, c, 6, NULL, NULL, sl, out), 1);
	assert_order(out, sequential, 6);
	/* ring-all rings the first tier now */
	assert_int_equal(acd_order(ACD_RING_ALL, c, 6, NULL, NULL, sl, out), 2);
	assert_order(out, ring_all, 6);
	/* a negative priority is the most urgent */
	c[1].priority = -2;
	assert_int_equal(acd_order(ACD_LONGEST_IDLE, c, 6, NULL, NULL, sl, out), 1);
	assert_int_equal(out[0], 101);
	/* round-robin and random stay within the first tier */
	for (int i = 0; i < 50; i++) {
		acd_order(ACD_RANDOM, c, 6, NULL, &rng, sl, out);
		assert_int_equal(out[0], 101);
		assert_true((out[1] == 102 && out[2] == 104) ||
			    (out[1] == 104 && out[2] == 102));
		for (size_t k = 1; k < 6; k++)
			assert_true(c[out[k - 1] - 100].priority <=
				    c[out[k] - 100].priority);
		acd_order(ACD_ROUND_ROBIN, c, 6, &rr, NULL, sl, out);
		assert_int_equal(out[0], 101);
	}
}

static void test_nothing_to_order(void **state)
{
	struct acd_candidate c[1];
	uint32_t out[1] = {77}, rr = 4;
	uint64_t rng = 9;

	(void)state;
	make(c, 1);
	for (unsigned s = 0; s < ACD_STRATEGY_COUNT; s++) {
		assert_int_equal(acd_order((enum acd_strategy)s, c, 0, &rr,
					   &rng, sl, out), 0);
		assert_int_equal(out[0], 77);       /* nothing written */
	}
	assert_int_equal(rr, 4);
	assert_int_equal(rng, 9);
	assert_int_equal(acd_order(ACD_SEQUENTIAL, NULL, 3, NULL, NULL, sl, out), 0);
	assert_int_equal(acd_order(ACD_SEQUENTIAL, c, 1, NULL, NULL, sl, NULL), 0);
	assert_int_equal(acd_order(ACD_SEQUENTIAL, c, 1, NULL, NULL, NULL, out),
			 0);
	assert_int_equal(out[0], 77);
}

static void test_one_candidate(void **state)
{
	struct acd_candidate c[1];
	uint32_t out[1], rr = ACD_RR_START;
	uint64_t rng = 0;                           /* 0 is seeded */

	(void)state;
	make(c, 1);
	c[0].member_pos = 17;
	for (unsigned s = 0; s < ACD_STRATEGY_COUNT; s++) {
		out[0] = 0;
		assert_int_equal(acd_order((enum acd_strategy)s, c, 1, &rr,
					   &rng, sl, out), 1);
		assert_int_equal(out[0], 100);
	}
	assert_int_equal(rr, 17);
}

/* Large inputs go through quicksort/heapsort rather than insertion sort:
   the result must still be the strategy's order. */
static void test_large_inputs_are_fully_ordered(void **state)
{
	enum { N = 3000 };
	static struct acd_candidate c[N];
	static uint32_t out[N];
	uint64_t rng = 99;
	uint32_t rr = 1234;

	(void)state;
	make(c, N);
	for (size_t i = 0; i < N; i++) {
		c[i].agent_no = (uint32_t)(acd_random(&rng) % 100000);
		c[i].idle_since_ms = (int64_t)(acd_random(&rng) % 1000);
		c[i].answered_today = (uint32_t)(acd_random(&rng) % 4);
		c[i].priority = (int)(acd_random(&rng) % 3);
		c[i].skill_level = (uint8_t)(acd_random(&rng) % 10);
	}
	/* many equal keys (answered 0-3, priority 0-2) and a sorted run */
	for (size_t i = 0; i < 500; i++)
		c[i].agent_no = (uint32_t)i;

	acd_order(ACD_SEQUENTIAL, c, N, NULL, NULL, sl, out);
	for (size_t i = 1; i < N; i++) {
		const struct acd_candidate *a = &c[out[i - 1] - 100],
					   *b = &c[out[i] - 100];

		assert_true(a->priority < b->priority ||
			    (a->priority == b->priority &&
			     a->agent_no <= b->agent_no));
	}
	acd_order(ACD_FEWEST_CALLS, c, N, NULL, NULL, sl, out);
	for (size_t i = 1; i < N; i++) {
		const struct acd_candidate *a = &c[out[i - 1] - 100],
					   *b = &c[out[i] - 100];

		assert_true(a->priority <= b->priority);
		if (a->priority == b->priority) {
			assert_true(a->answered_today <= b->answered_today);
			if (a->answered_today == b->answered_today)
				assert_true(a->idle_since_ms <=
					    b->idle_since_ms);
		}
	}
	acd_order(ACD_ROUND_ROBIN, c, N, &rr, NULL, sl, out);
	assert_int_equal(c[out[0] - 100].priority, 0);
	for (size_t i = 1; i < N; i++) {
		const struct acd_candidate *a = &c[out[i - 1] - 100],
					   *b = &c[out[i] - 100];

		if (a->priority == b->priority)
			assert_true(a->member_pos - 1235 < b->member_pos - 1235);
	}
	assert_true(c[out[0] - 100].member_pos >= 1235);
	assert_int_equal(rr, c[out[0] - 100].member_pos);
}

/* Each size sorted both ways (introsort up to 96 candidates, radix sort
   above) gives the same order as a plain reference: tiers (negative ones
   too), then the key, then input order; idle times from 0 to now and, for
   longest idle, at the ends of the int64 range; every tie left to input
   order. */
static bool reference_before(enum acd_strategy s, const struct acd_candidate *a,
			     const struct acd_candidate *b)
{
	if (a->priority != b->priority)
		return a->priority < b->priority;
	switch (s) {
	case ACD_LONGEST_IDLE:
		if (a->idle_since_ms != b->idle_since_ms)
			return a->idle_since_ms < b->idle_since_ms;
		break;
	case ACD_FEWEST_CALLS:
		if (a->answered_today != b->answered_today)
			return a->answered_today < b->answered_today;
		if (a->idle_since_ms != b->idle_since_ms)
			return a->idle_since_ms < b->idle_since_ms;
		break;
	default:                                /* ring-all */
		break;
	}
	return a->id < b->id;                   /* input order */
}

static void test_both_sorts_match_a_reference(void **state)
{
	enum { N = 1500 };
	static struct acd_candidate c[N];
	static uint32_t out[N];
	const enum acd_strategy strategies[] = {ACD_RING_ALL, ACD_LONGEST_IDLE,
						ACD_FEWEST_CALLS};
	const size_t sizes[] = {2, 17, 96, 97, 300, N};
	uint64_t rng = 2024;

	(void)state;
	make(c, N);
	for (size_t i = 0; i < N; i++) {
		c[i].priority = (int)(acd_random(&rng) % 5) - 2;
		c[i].answered_today = (uint32_t)(acd_random(&rng) % 3);
		c[i].idle_since_ms = (int64_t)(acd_random(&rng) % 50) - 25;
	}
	/* idle since 0 (never set) next to epoch times: exact for both */
	c[6].idle_since_ms = 0;
	c[7].idle_since_ms = 1795000000000;
	for (size_t si = 0; si < 3; si++) {
		/* longest idle is exact over the whole int64 range (fewest
		   calls only within 49 days: strategy.h) */
		c[3].idle_since_ms = si == 1 ? INT64_MIN : 3;
		c[4].idle_since_ms = si == 1 ? INT64_MAX : 4;
		c[5].idle_since_ms = si == 1 ? INT64_MIN : 5;
		for (size_t zi = 0; zi < 6; zi++) {
			size_t n = sizes[zi];

			acd_order(strategies[si], c, n, NULL, NULL, sl, out);
			for (size_t i = 1; i < n; i++) {
				if (!reference_before(strategies[si],
						      &c[out[i - 1] - 100],
						      &c[out[i] - 100]))
					fail_msg("%s, %zu candidates: %u "
						 "before %u",
						 acd_strategy_name(strategies[si]),
						 n, out[i - 1], out[i]);
			}
		}
	}
	/* idle times far apart (the ends of int64) are still ordered */
	struct acd_candidate two[2];
	uint32_t o[2];

	make(two, 2);
	two[0].idle_since_ms = INT64_MAX;
	two[1].idle_since_ms = INT64_MIN;
	acd_order(ACD_LONGEST_IDLE, two, 2, NULL, NULL, sl, o);
	assert_int_equal(o[0], 101);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_both_ways),
		cmocka_unit_test(test_sequential_lowest_agent_number_first),
		cmocka_unit_test(test_round_robin_continues_after_the_last_and_wraps),
		cmocka_unit_test(test_round_robin_cycles_through_everyone),
		cmocka_unit_test(test_longest_idle_first),
		cmocka_unit_test(test_fewest_calls_then_longest_idle),
		cmocka_unit_test(test_skill_first_highest_level_ties_random),
		cmocka_unit_test(test_random_covers_everyone_and_repeats_for_a_seed),
		cmocka_unit_test(test_ring_all_rings_everyone),
		cmocka_unit_test(test_priority_tiers_come_before_the_strategy),
		cmocka_unit_test(test_nothing_to_order),
		cmocka_unit_test(test_one_candidate),
		cmocka_unit_test(test_large_inputs_are_fully_ordered),
		cmocka_unit_test(test_both_sorts_match_a_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
