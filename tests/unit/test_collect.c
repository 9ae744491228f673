/*
 * test_collect.c — the digit collector: every way a collection ends.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "call/collect.h"

static const struct collect_cfg pin = {12, '#', 5000, 3000};

static void test_terminator_ends_and_is_not_kept(void **state)
{
	struct collector c;

	(void)state;
	assert_int_equal(collect_start(&c, &pin, 1000), 0);
	assert_int_equal(collect_key(&c, '2', 1100), COLLECT_MORE);
	assert_int_equal(collect_key(&c, '4', 1200), COLLECT_MORE);
	assert_int_equal(collect_key(&c, '#', 1300), COLLECT_TERMINATED);
	assert_string_equal(c.digits, "24");
	assert_int_equal(collect_deadline(&c), 0);
	/* nothing changes afterwards */
	assert_int_equal(collect_key(&c, '9', 1400), COLLECT_TERMINATED);
	assert_string_equal(c.digits, "24");
}

static void test_max_digits_ends(void **state)
{
	struct collector c;
	const struct collect_cfg three = {3, 0, 0, 0};

	(void)state;
	assert_int_equal(collect_start(&c, &three, 0), 0);
	assert_int_equal(collect_deadline(&c), 0);      /* no timeouts */
	assert_int_equal(collect_key(&c, '1', 10), COLLECT_MORE);
	assert_int_equal(collect_key(&c, '#', 20), COLLECT_MORE); /* ignored */
	assert_int_equal(collect_key(&c, '2', 30), COLLECT_MORE);
	assert_int_equal(collect_key(&c, '3', 40), COLLECT_FULL);
	assert_string_equal(c.digits, "123");
}

static void test_first_digit_timeout(void **state)
{
	struct collector c;

	(void)state;
	assert_int_equal(collect_start(&c, &pin, 1000), 0);
	assert_int_equal(collect_deadline(&c), 6000);
	assert_int_equal(collect_check(&c, 5999), COLLECT_MORE);
	assert_int_equal(collect_check(&c, 6000), COLLECT_NO_INPUT);
	assert_int_equal(c.n, 0);
	/* a key after the timeout is too late */
	assert_int_equal(collect_key(&c, '1', 6001), COLLECT_NO_INPUT);
	assert_int_equal(c.n, 0);
}

static void test_inter_digit_timeout_keeps_the_digits(void **state)
{
	struct collector c;

	(void)state;
	assert_int_equal(collect_start(&c, &pin, 0), 0);
	assert_int_equal(collect_key(&c, '7', 4000), COLLECT_MORE);
	/* after a digit the inter-digit wait applies (3 s, not 5 s) */
	assert_int_equal(collect_deadline(&c), 7000);
	assert_int_equal(collect_key(&c, '8', 6500), COLLECT_MORE);
	assert_int_equal(collect_deadline(&c), 9500);
	assert_int_equal(collect_check(&c, 9499), COLLECT_MORE);
	assert_int_equal(collect_check(&c, 9500), COLLECT_TIMEOUT);
	assert_string_equal(c.digits, "78");
}

static void test_key_at_the_deadline_is_late(void **state)
{
	struct collector c;

	(void)state;
	assert_int_equal(collect_start(&c, &pin, 0), 0);
	assert_int_equal(collect_key(&c, '1', 100), COLLECT_MORE);
	assert_int_equal(collect_key(&c, '2', 3100), COLLECT_TIMEOUT);
	assert_string_equal(c.digits, "1");
}

static void test_bad_rules_are_refused(void **state)
{
	struct collector c;
	const struct collect_cfg none = {0, '#', 0, 0};
	const struct collect_cfg many = {33, '#', 0, 0};
	const struct collect_cfg digit_end = {4, '5', 0, 0};
	const struct collect_cfg star_end = {4, '*', 0, 0};

	(void)state;
	assert_int_equal(collect_start(&c, &none, 0), EINVAL);
	assert_int_equal(collect_start(&c, &many, 0), EINVAL);
	assert_int_equal(collect_start(&c, &digit_end, 0), EINVAL);
	assert_int_equal(collect_start(NULL, &pin, 0), EINVAL);
	assert_int_equal(collect_start(&c, &star_end, 0), 0);
	assert_int_equal(collect_key(&c, '3', 1), COLLECT_MORE);
	assert_int_equal(collect_key(&c, '*', 2), COLLECT_TERMINATED);
}

static void test_thirty_two_digits_fit(void **state)
{
	struct collector c;
	const struct collect_cfg max = {32, 0, 0, 0};

	(void)state;
	assert_int_equal(collect_start(&c, &max, 0), 0);
	for (int i = 0; i < 31; i++)
		assert_int_equal(collect_key(&c, (char)('0' + i % 10), i),
				 COLLECT_MORE);
	assert_int_equal(collect_key(&c, '9', 31), COLLECT_FULL);
	assert_int_equal(c.n, 32);
	assert_int_equal(c.digits[32], '\0');
}

static void test_a_key_sent_two_ways_counts_once(void **state)
{
	struct key_seen ks = {0};

	(void)state;
	assert_false(key_seen_twice(&ks, '5', true, 1000));      /* INFO */
	assert_true(key_seen_twice(&ks, '5', false, 1060));      /* RFC 4733 */
	/* the same key again the same way is a new press, however soon */
	assert_false(key_seen_twice(&ks, '5', true, 1070));
	assert_false(key_seen_twice(&ks, '5', true, 1080));
	/* the other way, but too late: a new press */
	assert_false(key_seen_twice(&ks, '5', false, 1080 + 120));
	/* another key right away */
	assert_false(key_seen_twice(&ks, '6', true, 1210));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terminator_ends_and_is_not_kept),
		cmocka_unit_test(test_max_digits_ends),
		cmocka_unit_test(test_first_digit_timeout),
		cmocka_unit_test(test_inter_digit_timeout_keeps_the_digits),
		cmocka_unit_test(test_key_at_the_deadline_is_late),
		cmocka_unit_test(test_bad_rules_are_refused),
		cmocka_unit_test(test_thirty_two_digits_fit),
		cmocka_unit_test(test_a_key_sent_two_ways_counts_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
