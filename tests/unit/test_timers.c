/*
 * test_timers.c — hotlined's tmr_start (src/core/timers.c) keeps libre's
 * timer list exactly as libre would: sorted by expiry, timers due at the
 * same time in the order they were started; cancelling and restarting
 * work; the loop fires them in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>
#include "core/libre.h"
#include "loop_env.h"

extern struct list *tmrl_get(void);

enum { N = 2000 };

static struct tmr tmrs[N];
static unsigned order[N], fired;

static void on_fire(void *arg)
{
	order[fired++] = (unsigned)(uintptr_t)arg;
}

/* The list is sorted; among equal expiries, lower indexes (started
   first, in these tests) come first. */
static void assert_sorted(void)
{
	const struct tmr *prev = NULL;
	struct le *le;

	LIST_FOREACH(tmrl_get(), le) {
		const struct tmr *t = le->data;

		if (prev) {
			assert_true(prev->jfs <= t->jfs);
			if (prev->jfs == t->jfs)
				assert_true((uintptr_t)prev->arg <
					    (uintptr_t)t->arg);
		}
		prev = t;
	}
}

static void test_random_delays_keep_the_list_sorted(void **state)
{
	(void)state;
	srand(7);
	for (unsigned i = 0; i < N; i++) {
		tmr_init(&tmrs[i]);
		tmr_start(&tmrs[i], (uint64_t)(rand() % 50) * 10, on_fire,
			  (void *)(uintptr_t)i);
	}
	assert_int_equal(list_count(tmrl_get()), N);
	assert_sorted();
	/* cancel every third, restart every fifth later */
	for (unsigned i = 0; i < N; i += 3)
		tmr_cancel(&tmrs[i]);
	for (unsigned i = 0; i < N; i += 5)
		tmr_start(&tmrs[i], 600, on_fire, (void *)(uintptr_t)i);
	for (struct le *le = list_head(tmrl_get()); le; le = le->next) {
		const struct tmr *t = le->data;

		assert_non_null(t->th);
	}
	fired = 0;
	run_loop(900);
	/* every timer still running has fired, by expiry */
	for (unsigned i = 1; i < fired; i++)
		assert_true(tmrs[order[i - 1]].jfs <= tmrs[order[i]].jfs);
	assert_int_equal(list_count(tmrl_get()), 0);
	{
		unsigned expect = 0;

		for (unsigned i = 0; i < N; i++)
			expect += (i % 3) != 0 || (i % 5) == 0;
		assert_int_equal(fired, expect);
	}
}

static void test_equal_expiries_fire_in_start_order(void **state)
{
	(void)state;
	fired = 0;
	for (unsigned i = 0; i < 100; i++) {
		tmr_init(&tmrs[i]);
		tmr_start(&tmrs[i], 0, on_fire, (void *)(uintptr_t)i);
	}
	assert_sorted();
	run_loop(50);
	assert_int_equal(fired, 100);
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(order[i], i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_delays_keep_the_list_sorted),
		cmocka_unit_test(test_equal_expiries_fire_in_start_order),
	};
	int err;

	if (libre_init())
		return 1;
	err = cmocka_run_group_tests(tests, NULL, NULL);
	libre_close();
	return err;
}
