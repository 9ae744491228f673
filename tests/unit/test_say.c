/*
 * test_say.c — values into speakable Chinese and English (src/media/say.c):
 * digits and phone numbers, cardinals with every 零/十/两 rule, ordinals,
 * amounts (元角分 and the 零 before a lone 分), dates (leap years, 〇 in
 * years, English ordinals and year styles), times, durations, and the
 * errors: malformed input, out of range, a buffer too small.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <string.h>
#include "media/say.h"

struct num_case {
	long long n;
	const char *zh, *en;
};

static void check_numbers(const struct num_case *c, size_t n)
{
	char out[512];

	for (size_t i = 0; i < n; i++) {
		assert_int_equal(say_number(out, sizeof(out), SAY_ZH, c[i].n),
				 0);
		if (strcmp(out, c[i].zh))
			fail_msg("%lld: zh '%s', want '%s'", c[i].n, out,
				 c[i].zh);
		assert_int_equal(say_number(out, sizeof(out), SAY_EN, c[i].n),
				 0);
		if (strcmp(out, c[i].en))
			fail_msg("%lld: en '%s', want '%s'", c[i].n, out,
				 c[i].en);
	}
}

static void test_cardinal_small(void **state)
{
	static const struct num_case c[] = {
		{0, "零", "zero"},
		{1, "一", "one"},
		{2, "二", "two"},
		{9, "九", "nine"},
		{10, "十", "ten"},
		{11, "十一", "eleven"},
		{12, "十二", "twelve"},
		{19, "十九", "nineteen"},
		{20, "二十", "twenty"},
		{21, "二十一", "twenty-one"},
		{22, "二十二", "twenty-two"},
		{99, "九十九", "ninety-nine"},
		{100, "一百", "one hundred"},
		{101, "一百零一", "one hundred one"},
		{110, "一百一十", "one hundred ten"},
		{111, "一百一十一", "one hundred eleven"},
		{200, "两百", "two hundred"},
		{222, "两百二十二", "two hundred twenty-two"},
		{999, "九百九十九", "nine hundred ninety-nine"},
	};

	(void)state;
	check_numbers(c, sizeof(c) / sizeof(*c));
}

static void test_cardinal_thousands(void **state)
{
	static const struct num_case c[] = {
		{1000, "一千", "one thousand"},
		{1001, "一千零一", "one thousand one"},
		{1010, "一千零一十", "one thousand ten"},
		{1100, "一千一百", "one thousand one hundred"},
		{1234, "一千二百三十四", "one thousand two hundred thirty-four"},
		{1200, "一千二百", "one thousand two hundred"},
		{2000, "两千", "two thousand"},
		{2222, "两千二百二十二",
		 "two thousand two hundred twenty-two"},
		{10000, "一万", "ten thousand"},
		{10001, "一万零一", "ten thousand one"},
		{10010, "一万零一十", "ten thousand ten"},
		{10100, "一万零一百", "ten thousand one hundred"},
		{11000, "一万一千", "eleven thousand"},
		{12000, "一万两千", "twelve thousand"},
		{20000, "两万", "twenty thousand"},
		{20002, "两万零二", "twenty thousand two"},
		{100000, "十万", "one hundred thousand"},
		{100010, "十万零一十", "one hundred thousand ten"},
		{120000, "十二万", "one hundred twenty thousand"},
		{123456, "十二万三千四百五十六",
		 "one hundred twenty-three thousand four hundred fifty-six"},
		{200000, "二十万", "two hundred thousand"},
		{2000000, "两百万", "two million"},
		{10000000, "一千万", "ten million"},
	};

	(void)state;
	check_numbers(c, sizeof(c) / sizeof(*c));
}

static void test_cardinal_large(void **state)
{
	static const struct num_case c[] = {
		{100000000, "一亿", "one hundred million"},
		{100000001, "一亿零一", "one hundred million one"},
		{100010000, "一亿零一万", "one hundred million ten thousand"},
		{101000000, "一亿零一百万", "one hundred one million"},
		{110000000, "一亿一千万", "one hundred ten million"},
		{200000000, "两亿", "two hundred million"},
		{100020000, "一亿零二万", "one hundred million twenty thousand"},
		{1000000010, "十亿零一十", "one billion ten"},
		{1000000000000LL, "一万亿", "one trillion"},
		{1000100000000LL, "一万零一亿", "one trillion one hundred million"},
		{1000000010000LL, "一万亿零一万", "one trillion ten thousand"},
		{1234567890123456LL,
		 "一千二百三十四万五千六百七十八亿九千零一十二万三千四百五十六",
		 "one quadrillion two hundred thirty-four trillion five hundred "
		 "sixty-seven billion eight hundred ninety million one hundred "
		 "twenty-three thousand four hundred fifty-six"},
		{9999999999999999LL,
		 "九千九百九十九万九千九百九十九亿九千九百九十九万九千九百九十九",
		 "nine quadrillion nine hundred ninety-nine trillion nine "
		 "hundred ninety-nine billion nine hundred ninety-nine million "
		 "nine hundred ninety-nine thousand nine hundred ninety-nine"},
	};

	(void)state;
	check_numbers(c, sizeof(c) / sizeof(*c));
}

static void test_cardinal_negative_and_range(void **state)
{
	static const struct num_case c[] = {
		{-1, "负一", "minus one"},
		{-10, "负十", "minus ten"},
		{-120, "负一百二十", "minus one hundred twenty"},
	};
	char out[64];

	(void)state;
	check_numbers(c, sizeof(c) / sizeof(*c));
	assert_int_equal(say_number(out, sizeof(out), SAY_ZH,
				    10000000000000000LL), ERANGE);
	assert_int_equal(say_number(out, sizeof(out), SAY_EN,
				    -10000000000000000LL), ERANGE);
	assert_int_equal(say_number(out, sizeof(out), SAY_EN, LLONG_MIN),
			 ERANGE);
	assert_int_equal(say_number(out, sizeof(out), SAY_ZH, LLONG_MAX),
			 ERANGE);
}

static void test_ordinal(void **state)
{
	static const struct num_case c[] = {
		{0, "第零", "zeroth"},
		{1, "第一", "first"},
		{2, "第二", "second"},
		{3, "第三", "third"},
		{4, "第四", "fourth"},
		{5, "第五", "fifth"},
		{8, "第八", "eighth"},
		{9, "第九", "ninth"},
		{11, "第十一", "eleventh"},
		{12, "第十二", "twelfth"},
		{20, "第二十", "twentieth"},
		{21, "第二十一", "twenty-first"},
		{42, "第四十二", "forty-second"},
		{100, "第一百", "one hundredth"},
		{1000, "第一千", "one thousandth"},
		{103, "第一百零三", "one hundred third"},
	};
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		assert_int_equal(say_ordinal(out, sizeof(out), SAY_ZH, c[i].n),
				 0);
		assert_string_equal(out, c[i].zh);
		assert_int_equal(say_ordinal(out, sizeof(out), SAY_EN, c[i].n),
				 0);
		assert_string_equal(out, c[i].en);
	}
	assert_int_equal(say_ordinal(out, sizeof(out), SAY_EN, -1), ERANGE);
}

static void test_digits(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(say_digits(out, sizeof(out), SAY_ZH, "1024", false),
			 0);
	assert_string_equal(out, "一 零 二 四");
	assert_int_equal(say_digits(out, sizeof(out), SAY_EN, "1024", false),
			 0);
	assert_string_equal(out, "one zero two four");
	/* phone numbers: 1 is 幺; separators are skipped */
	assert_int_equal(say_digits(out, sizeof(out), SAY_ZH,
				    "138-0013 8000", true), 0);
	assert_string_equal(out, "幺 三 八 零 零 幺 三 八 零 零 零");
	assert_int_equal(say_digits(out, sizeof(out), SAY_ZH, "10086", false),
			 0);
	assert_string_equal(out, "一 零 零 八 六");
	assert_int_equal(say_digits(out, sizeof(out), SAY_ZH, "+86 (10)",
				    true), 0);
	assert_string_equal(out, "加 八 六 幺 零");
	assert_int_equal(say_digits(out, sizeof(out), SAY_EN, "*72#", true),
			 0);
	assert_string_equal(out, "star seven two pound");
	assert_int_equal(say_digits(out, sizeof(out), SAY_ZH, "*9#", false),
			 0);
	assert_string_equal(out, "星 九 井");
	/* errors */
	assert_int_equal(say_digits(out, sizeof(out), SAY_ZH, "", false),
			 EINVAL);
	assert_int_equal(say_digits(out, sizeof(out), SAY_ZH, " - ", false),
			 EINVAL);
	assert_int_equal(say_digits(out, sizeof(out), SAY_EN, "12a4", false),
			 EINVAL);
	assert_int_equal(say_digits(out, sizeof(out), SAY_EN, "1.5", false),
			 EINVAL);
	assert_int_equal(say_digits(out, sizeof(out), SAY_EN, NULL, false),
			 EINVAL);
}

struct text_case {
	const char *in, *zh, *en;
};

static void test_amount(void **state)
{
	static const struct text_case c[] = {
		{"123.45", "一百二十三元四角五分",
		 "one hundred twenty-three dollars and forty-five cents"},
		{"123.05", "一百二十三元零五分",
		 "one hundred twenty-three dollars and five cents"},
		{"123.40", "一百二十三元四角",
		 "one hundred twenty-three dollars and forty cents"},
		{"123.4", "一百二十三元四角",
		 "one hundred twenty-three dollars and forty cents"},
		{"123", "一百二十三元", "one hundred twenty-three dollars"},
		{"0", "零元", "zero dollars"},
		{"0.00", "零元", "zero dollars"},
		{"0.45", "四角五分", "forty-five cents"},
		{"0.05", "五分", "five cents"},
		{"0.01", "一分", "one cent"},
		{"0.02", "两分", "two cents"},
		{"0.22", "两角二分", "twenty-two cents"},
		{"1", "一元", "one dollar"},
		{"1.01", "一元零一分", "one dollar and one cent"},
		{"1.02", "一元零二分", "one dollar and two cents"},
		{"1.20", "一元两角", "one dollar and twenty cents"},
		{"2", "两元", "two dollars"},
		{"2.50", "两元五角", "two dollars and fifty cents"},
		{"10.5", "十元五角", "ten dollars and fifty cents"},
		{"12", "十二元", "twelve dollars"},
		{"200", "两百元", "two hundred dollars"},
		{"10002", "一万零二元", "ten thousand two dollars"},
		{"100000000", "一亿元", "one hundred million dollars"},
		{"-3.5", "负三元五角", "minus three dollars and fifty cents"},
		{"-0", "零元", "zero dollars"},
		{"007", "七元", "seven dollars"},
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		assert_int_equal(say_amount(out, sizeof(out), SAY_ZH, c[i].in,
					    NULL), 0);
		if (strcmp(out, c[i].zh))
			fail_msg("%s: zh '%s', want '%s'", c[i].in, out,
				 c[i].zh);
		assert_int_equal(say_amount(out, sizeof(out), SAY_EN, c[i].in,
					    NULL), 0);
		if (strcmp(out, c[i].en))
			fail_msg("%s: en '%s', want '%s'", c[i].in, out,
				 c[i].en);
	}
}

static void test_amount_currency_and_errors(void **state)
{
	static const struct say_currency yuan = {"yuan", "yuan", "fen",
						 "fen"};
	static const char *const bad[] = {
		"", "-", ".5", "1.", "1.234", "1,000", "12a", "1.5x", "--1",
		"+1", " 1", NULL,
	};
	char out[256];

	(void)state;
	assert_int_equal(say_amount(out, sizeof(out), SAY_EN, "1.01", &yuan),
			 0);
	assert_string_equal(out, "one yuan and one fen");
	assert_int_equal(say_amount(out, sizeof(out), SAY_EN, "8.88", &yuan),
			 0);
	assert_string_equal(out, "eight yuan and eighty-eight fen");
	/* Chinese ignores the English words */
	assert_int_equal(say_amount(out, sizeof(out), SAY_ZH, "8.88", &yuan),
			 0);
	assert_string_equal(out, "八元八角八分");
	for (int i = 0; bad[i]; i++)
		if (say_amount(out, sizeof(out), SAY_ZH, bad[i], NULL) !=
		    EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(say_amount(out, sizeof(out), SAY_ZH, NULL, NULL),
			 EINVAL);
	assert_int_equal(say_amount(out, sizeof(out), SAY_ZH,
				    "12345678901234567", NULL), ERANGE);
	assert_int_equal(say_amount(out, sizeof(out), SAY_ZH,
				    "1234567890123456.78", NULL), 0);
}

static void test_date(void **state)
{
	static const struct text_case c[] = {
		{"2026-11-21", "二〇二六年十一月二十一日",
		 "November twenty-first, twenty twenty-six"},
		{"2000-01-01", "二〇〇〇年一月一日",
		 "January first, two thousand"},
		{"2005-02-02", "二〇〇五年二月二日",
		 "February second, two thousand five"},
		{"2010-03-03", "二〇一〇年三月三日",
		 "March third, twenty ten"},
		{"1999-12-31", "一九九九年十二月三十一日",
		 "December thirty-first, nineteen ninety-nine"},
		{"1905-07-04", "一九〇五年七月四日",
		 "July fourth, nineteen oh five"},
		{"1900-10-10", "一九〇〇年十月十日",
		 "October tenth, nineteen hundred"},
		{"2024-02-29", "二〇二四年二月二十九日",
		 "February twenty-ninth, twenty twenty-four"},
		{"2100-06-22", "二一〇〇年六月二十二日",
		 "June twenty-second, twenty-one hundred"},
		{"0999-05-12", "九九九年五月十二日",
		 "May twelfth, nine hundred ninety-nine"},
	};
	static const char *const bad[] = {
		"2026-13-01", "2026-00-10", "2026-11-31", "2026-02-29",
		"1900-02-29", "0000-01-01", "2026-1-01", "2026/11/21",
		"2026-11-21T", "20261121", "", "abcd-ef-gh", NULL,
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		assert_int_equal(say_date(out, sizeof(out), SAY_ZH, c[i].in),
				 0);
		assert_string_equal(out, c[i].zh);
		assert_int_equal(say_date(out, sizeof(out), SAY_EN, c[i].in),
				 0);
		assert_string_equal(out, c[i].en);
	}
	assert_int_equal(say_date(out, sizeof(out), SAY_ZH, "2000-02-29"), 0);
	for (int i = 0; bad[i]; i++)
		if (say_date(out, sizeof(out), SAY_EN, bad[i]) != EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(say_date(out, sizeof(out), SAY_EN, NULL), EINVAL);
}

static void test_time(void **state)
{
	static const struct text_case c[] = {
		{"14:05", "十四点零五分", "two oh five PM"},
		{"14:00", "十四点整", "two PM"},
		{"14:20", "十四点二十分", "two twenty PM"},
		{"02:00", "两点整", "two AM"},
		{"02:02", "两点零二分", "two oh two AM"},
		{"00:00", "零点整", "twelve AM"},
		{"00:30", "零点三十分", "twelve thirty AM"},
		{"09:15", "九点十五分", "nine fifteen AM"},
		{"12:00", "十二点整", "twelve PM"},
		{"12:10", "十二点十分", "twelve ten PM"},
		{"22:59", "二十二点五十九分", "ten fifty-nine PM"},
	};
	static const char *const bad[] = {
		"24:00", "23:60", "9:15", "09:5", "0915", "09-15", "", "ab:cd",
		"09:15:00", NULL,
	};
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		assert_int_equal(say_time(out, sizeof(out), SAY_ZH, c[i].in),
				 0);
		assert_string_equal(out, c[i].zh);
		assert_int_equal(say_time(out, sizeof(out), SAY_EN, c[i].in),
				 0);
		assert_string_equal(out, c[i].en);
	}
	for (int i = 0; bad[i]; i++)
		if (say_time(out, sizeof(out), SAY_ZH, bad[i]) != EINVAL)
			fail_msg("'%s' accepted", bad[i]);
}

static void test_duration(void **state)
{
	static const struct num_case c[] = {
		{0, "零秒", "zero seconds"},
		{1, "一秒", "one second"},
		{2, "两秒", "two seconds"},
		{22, "二十二秒", "twenty-two seconds"},
		{60, "一分钟", "one minute"},
		{120, "两分钟", "two minutes"},
		{140, "两分二十秒", "two minutes twenty seconds"},
		{200, "三分二十秒", "three minutes twenty seconds"},
		{3600, "一小时", "one hour"},
		{3605, "一小时零五秒", "one hour five seconds"},
		{3660, "一小时一分钟", "one hour one minute"},
		{3725, "一小时两分五秒", "one hour two minutes five seconds"},
		{7200, "两小时", "two hours"},
		{90061, "二十五小时一分一秒",
		 "twenty-five hours one minute one second"},
	};
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		assert_int_equal(say_duration(out, sizeof(out), SAY_ZH,
					      c[i].n), 0);
		assert_string_equal(out, c[i].zh);
		assert_int_equal(say_duration(out, sizeof(out), SAY_EN,
					      c[i].n), 0);
		assert_string_equal(out, c[i].en);
	}
	assert_int_equal(say_duration(out, sizeof(out), SAY_ZH, -1), EINVAL);
}

/* A buffer too small: ENOSPC, a terminated string, no cut character. */
static void test_small_buffer(void **state)
{
	char out[8];

	(void)state;
	memset(out, 'x', sizeof(out));
	assert_int_equal(say_number(out, sizeof(out), SAY_ZH, 123456), ENOSPC);
	assert_string_equal(out, "十二");     /* 6 bytes, a third won't fit */
	assert_int_equal(say_number(out, sizeof(out), SAY_EN, 123456), ENOSPC);
	assert_string_equal(out, "one hun");
	assert_int_equal(say_ordinal(out, sizeof(out), SAY_EN, 21), ENOSPC);
	assert_int_equal(strlen(out) < sizeof(out), 1);
	assert_int_equal(say_date(out, 0, SAY_EN, "2026-11-21"), ENOSPC);
	assert_int_equal(say_number(out, 1, SAY_EN, 5), ENOSPC);
	assert_string_equal(out, "");
	assert_int_equal(say_number(out, 4, SAY_ZH, 5), 0);
	assert_string_equal(out, "五");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cardinal_small),
		cmocka_unit_test(test_cardinal_thousands),
		cmocka_unit_test(test_cardinal_large),
		cmocka_unit_test(test_cardinal_negative_and_range),
		cmocka_unit_test(test_ordinal),
		cmocka_unit_test(test_digits),
		cmocka_unit_test(test_amount),
		cmocka_unit_test(test_amount_currency_and_errors),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
