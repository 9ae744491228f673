/*
 * say.h — values turned into text a text-to-speech voice reads well, in
 * Mandarin Chinese and English: digits one by one (phone numbers), cardinal
 * and ordinal numbers, money amounts, dates, times of day and durations.
 *
 * Pure functions: no state, any thread. Chinese comes out in Chinese
 * characters (a voice reads "按一" better than "按1"), English in words.
 * Each function writes a NUL-terminated string into out (size bytes) and
 * returns 0, EINVAL (malformed input), ERANGE (out of the range below) or
 * ENOSPC (out too small; out then holds a cut string).
 *
 *   say_digits    "1024"        一 零 二 四 / one zero two four
 *                 phone mode    幺 零 二 四 (1 is 幺 in Chinese phone numbers)
 *   say_number    123456        十二万三千四百五十六 /
 *                               one hundred twenty-three thousand four
 *                               hundred fifty-six     (|n| < 10^16)
 *   say_ordinal   3             第三 / third          (0 <= n < 10^16)
 *   say_amount    "123.45"      一百二十三元四角五分 / one hundred
 *                               twenty-three dollars and forty-five cents
 *   say_date      "2026-11-21"  二〇二六年十一月二十一日 /
 *                               November twenty-first, twenty twenty-six
 *   say_time      "14:05"       十四点零五分 / two oh five PM
 *   say_duration  200           三分二十秒 / three minutes twenty seconds
 */
#ifndef HOTLINE_MEDIA_SAY_H
#define HOTLINE_MEDIA_SAY_H

#include <stdbool.h>
#include <stddef.h>

enum say_lang { SAY_ZH, SAY_EN };

/* English money words; NULL in say_amount: dollars and cents. Chinese
   amounts are always 元/角/分. */
struct say_currency {
	const char *one, *many;              /* "dollar", "dollars" */
	const char *minor_one, *minor_many;  /* "cent", "cents" */
};

/* Digits 0-9, '*' (星/star), '#' (井/pound) and '+' (加/plus), read one by
   one; spaces, '-', '(' and ')' are skipped. */
int say_digits(char *out, size_t size, enum say_lang lang,
	       const char *digits, bool phone);
/* Negative numbers start with 负 / minus. */
int say_number(char *out, size_t size, enum say_lang lang, long long n);
int say_ordinal(char *out, size_t size, enum say_lang lang, long long n);
/* "[-]INTEGER[.F[F]]": at most 16 integer digits and 2 decimals. */
int say_amount(char *out, size_t size, enum say_lang lang,
	       const char *amount, const struct say_currency *currency);
/* "YYYY-MM-DD", a real calendar day (leap years), year 1-9999. */
int say_date(char *out, size_t size, enum say_lang lang, const char *date);
/* "HH:MM", 24-hour clock. */
int say_time(char *out, size_t size, enum say_lang lang, const char *time);
/* Seconds >= 0, as hours, minutes and seconds. */
int say_duration(char *out, size_t size, enum say_lang lang,
		 long long seconds);

#endif
