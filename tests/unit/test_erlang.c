/*
 * test_erlang.c — Erlang C against closed forms and published worked
 * examples, its edges (N ≤ A, no traffic, bad input), and stability for a
 * thousand agents.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "acd/erlang.h"

static void assert_near(double got, double want, double tolerance)
{
	if (!(fabs(got - want) <= tolerance))
		fail_msg("got %.6f, want %.6f ± %g", got, want, tolerance);
}

static void test_closed_forms(void **state)
{
	(void)state;
	/* M/M/1: the probability of waiting is the load */
	assert_near(erlang_c(1, 0.25), 0.25, 1e-12);
	assert_near(erlang_c(1, 0.9), 0.9, 1e-12);
	/* N = 2: C = A² / (2 + A), 1/3 for A = 1 */
	assert_near(erlang_c(2, 1.0), 1.0 / 3, 1e-12);
	/* Erlang B: N = 1: A / (1 + A); N = 2, A = 1: 1/5 */
	assert_near(erlang_b(1, 3.0), 0.75, 1e-12);
	assert_near(erlang_b(2, 1.0), 0.2, 1e-12);
	/* M/M/1 ASA: ρ·AHT/(1 − ρ) */
	assert_near(erlang_asa(1, 0.5, 100), 100, 1e-9);
}

/* The worked example in "Erlang C formula – made simple" (Call Centre
   Helper): 100 calls in 30 minutes, 180 s handling = 10 Erlangs, target
   20 s: 14 agents give a 17.4 % chance of waiting, 88.8 % service level
   and 7.8 s average speed of answer; other values from the exact formula
   (rational arithmetic, rounded to 3 decimals). */
static void test_published_values(void **state)
{
	(void)state;
	assert_near(erlang_c(14, 10), 0.174, 5e-4);
	assert_near(erlang_service_level(14, 10, 180, 20), 0.888, 5e-4);
	assert_near(erlang_asa(14, 10, 180), 7.8, 0.05);
	assert_near(erlang_c(10, 8), 0.409, 5e-4);
	assert_near(erlang_service_level(10, 8, 180, 20), 0.672, 5e-4);
	assert_near(erlang_c(11, 10), 0.682, 5e-4);
	assert_near(erlang_c(12, 10), 0.449, 5e-4);
	assert_near(erlang_c(13, 10), 0.285, 5e-4);
	assert_near(erlang_c(15, 10), 0.102, 5e-4);
	assert_near(erlang_c(5, 3), 0.236, 5e-4);
	assert_near(erlang_asa(10, 8, 180), 36.826, 5e-3);
}

static void test_a_thousand_agents_stay_stable(void **state)
{
	(void)state;
	/* exact values: 100 agents at 90 Erlangs, 1,000 at 950 */
	assert_near(erlang_c(100, 90), 0.21694, 5e-5);
	assert_near(erlang_c(1000, 950), 0.06825, 5e-5);
	assert_near(erlang_service_level(1000, 950, 180, 20), 0.99974, 5e-5);
	/* factorials would overflow long before; nothing is NaN or out of
	   [0, 1], and more agents never wait more */
	double last = 1.0;
	for (unsigned n = 2001; n <= 2400; n += 7) {
		double c = erlang_c(n, 2000);

		assert_false(isnan(c));
		assert_true(c >= 0 && c <= last);
		last = c;
	}
	assert_true(last < 0.01);
}

static void test_overloaded_and_idle_queues(void **state)
{
	(void)state;
	/* N ≤ A: everyone waits, nobody within any time, no finite ASA */
	assert_near(erlang_c(8, 8), 1.0, 0);
	assert_near(erlang_c(5, 12.5), 1.0, 0);
	assert_near(erlang_c(0, 0.1), 1.0, 0);
	assert_near(erlang_service_level(8, 8, 180, 20), 0.0, 0);
	assert_near(erlang_service_level(3, 4, 180, 600), 0.0, 0);
	assert_true(isinf(erlang_asa(8, 9, 180)));
	/* no traffic: nobody waits */
	assert_near(erlang_c(4, 0), 0.0, 0);
	assert_near(erlang_service_level(4, 0, 180, 0), 1.0, 0);
	assert_near(erlang_asa(4, 0, 180), 0.0, 0);
	/* the service level grows with the time allowed; at t = 0 it is 1 − C */
	assert_near(erlang_service_level(14, 10, 180, 0), 1 - erlang_c(14, 10),
		    1e-12);
	assert_true(erlang_service_level(14, 10, 180, 60) >
		    erlang_service_level(14, 10, 180, 20));
	assert_near(erlang_service_level(14, 10, 180, -1), 0.0, 0);
}

static void test_bad_input_is_nan(void **state)
{
	(void)state;
	assert_true(isnan(erlang_c(10, -1)));
	assert_true(isnan(erlang_c(10, NAN)));
	assert_true(isnan(erlang_b(10, -0.5)));
	assert_true(isnan(erlang_service_level(14, 10, 0, 20)));
	assert_true(isnan(erlang_service_level(14, 10, -180, 20)));
	assert_true(isnan(erlang_service_level(14, 10, 180, NAN)));
	assert_true(isnan(erlang_asa(14, 10, 0)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_forms),
		cmocka_unit_test(test_published_values),
		cmocka_unit_test(test_a_thousand_agents_stay_stable),
		cmocka_unit_test(test_overloaded_and_idle_queues),
		cmocka_unit_test(test_bad_input_is_nan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
