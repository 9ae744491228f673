/*
 * say.c — values into speakable Chinese and English text (see say.h).
 *
 * Chinese numbers are read in groups of four digits (个, 万, 亿, 万亿). The
 * rules a listener expects:
 *   - one 零 for any run of zeros between two non-zero digits, inside a
 *     group or across groups (10001 一万零一, 100010000 一亿零一万), none
 *     for trailing zeros (1000 一千, 120000 十二万);
 *   - a number starting with 1 in the tens place drops the 一 (10 十,
 *     100000 十万), elsewhere it stays (110 一百一十);
 *   - 两 instead of 二 before 千 (2000 两千, 12000 一万两千), before 百
 *     when the number starts there (200 两百, but 1200 一千二百), for a
 *     leading group of exactly 2 before 万/亿 (20000 两万), and for a count
 *     of 2 before a measure word (两元, 两点, 两分钟); 二 everywhere else
 *     (二十, 十二, 一万零二, 一元零二分).
 * Years are read digit by digit with 〇 (二〇二六年).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "say.h"

#define MAX_NUMBER 9999999999999999ULL    /* 10^16 - 1 */

/* ---- a bounded string builder ------------------------------------------ */

struct text {
	char *p;
	size_t size, len;
	bool full;
};

static void text_init(struct text *t, char *out, size_t size)
{
	t->p = out;
	t->size = size;
	t->len = 0;
	t->full = size == 0;
	if (size)
		out[0] = '\0';
}

static void put(struct text *t, const char *s)
{
	size_t n = strlen(s);

	if (t->full)
		return;
	if (t->len + n >= t->size) {
		n = t->size - 1 - t->len;
		while (n && (s[n] & 0xc0) == 0x80)
			n--;            /* not inside a UTF-8 character */
		t->full = true;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

/* An English word, a space before it unless it starts the text. */
static void word(struct text *t, const char *s)
{
	if (t->len)
		put(t, " ");
	put(t, s);
}

static int text_end(const struct text *t)
{
	return t->full ? ENOSPC : 0;
}

/* ---- Chinese ------------------------------------------------------------ */

static const char *const zh_digit[] = {
	"零", "一", "二", "三", "四", "五", "六", "七", "八", "九",
};

/* One group of four digits, 1-9999. first: nothing of the number was said
   before it (十 for a leading 1x); measure: a unit or measure word follows
   (a leading 2 is 两). */
static void zh_group(struct text *t, unsigned g, bool first, bool measure)
{
	static const char *const place[] = {"", "十", "百", "千"};
	static const unsigned power[] = {1, 10, 100, 1000};
	bool started = false, zero = false;

	if (g == 2 && first && measure) {
		put(t, "两");
		return;
	}
	for (int k = 3; k >= 0; k--) {
		unsigned d = g / power[k] % 10;

		if (!d) {
			zero = zero || started;
			continue;
		}
		if (zero)
			put(t, "零");
		zero = false;
		if (!(k == 1 && d == 1 && first && !started))
			put(t, d == 2 && (k == 3 || (k == 2 && first &&
						     !started))
				       ? "两" : zh_digit[d]);
		put(t, place[k]);
		started = true;
	}
}

/* n <= MAX_NUMBER. measure: a measure word follows (2 -> 两). */
static void zh_cardinal(struct text *t, unsigned long long n, bool measure)
{
	unsigned g[4];
	bool said = false, gap = false;

	if (n == 0) {
		put(t, "零");
		return;
	}
	for (int u = 0; u < 4; u++, n /= 10000)
		g[u] = (unsigned)(n % 10000);
	for (int u = 3; u >= 0; u--) {
		if (!g[u]) {
			gap = gap || said;
			continue;
		}
		if (said && (gap || g[u] < 1000))
			put(t, "零");
		gap = false;
		zh_group(t, g[u], !said, u > 0 || measure);
		if (u == 3)
			put(t, g[2] ? "万" : "万亿");
		else if (u == 2)
			put(t, "亿");
		else if (u == 1)
			put(t, "万");
		said = true;
	}
}

/* ---- English ------------------------------------------------------------ */

static const char *const en_ones[] = {
	"zero", "one", "two", "three", "four", "five", "six", "seven",
	"eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen",
	"fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
};
static const char *const en_tens[] = {
	"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
	"eighty", "ninety",
};

/* 1-99: "seven", "forty-two". */
static void en_below_100(struct text *t, unsigned n)
{
	char w[32];

	if (n < 20) {
		word(t, en_ones[n]);
		return;
	}
	snprintf(w, sizeof(w), "%s%s%s", en_tens[n / 10], n % 10 ? "-" : "",
		 n % 10 ? en_ones[n % 10] : "");
	word(t, w);
}

/* 1-999. */
static void en_below_1000(struct text *t, unsigned n)
{
	if (n >= 100) {
		word(t, en_ones[n / 100]);
		word(t, "hundred");
	}
	if (n % 100)
		en_below_100(t, n % 100);
}

/* n <= MAX_NUMBER, American style without "and". */
static void en_cardinal(struct text *t, unsigned long long n)
{
	static const char *const scale[] = {
		"", "thousand", "million", "billion", "trillion",
		"quadrillion",
	};
	unsigned g[6];

	if (n == 0) {
		word(t, "zero");
		return;
	}
	for (int u = 0; u < 6; u++, n /= 1000)
		g[u] = (unsigned)(n % 1000);
	for (int u = 5; u >= 0; u--) {
		if (!g[u])
			continue;
		en_below_1000(t, g[u]);
		if (u)
			word(t, scale[u]);
	}
}

/* Turns the last word of a cardinal into its ordinal (twenty-one ->
   twenty-first). */
static void en_ordinalize(struct text *t)
{
	static const struct { const char *card, *ord; } irregular[] = {
		{"one", "first"}, {"two", "second"}, {"three", "third"},
		{"five", "fifth"}, {"eight", "eighth"}, {"nine", "ninth"},
		{"twelve", "twelfth"},
	};
	char *last = t->p + t->len;

	while (last > t->p && last[-1] != ' ' && last[-1] != '-')
		last--;
	for (size_t i = 0; i < sizeof(irregular) / sizeof(*irregular); i++) {
		if (!strcmp(last, irregular[i].card)) {
			t->len = (size_t)(last - t->p);
			t->p[t->len] = '\0';
			put(t, irregular[i].ord);
			return;
		}
	}
	if (t->len && t->p[t->len - 1] == 'y') {
		t->p[--t->len] = '\0';
		put(t, "ieth");
		return;
	}
	put(t, "th");
}

/* ---- numbers ------------------------------------------------------------ */

static unsigned long long magnitude(long long n)
{
	return n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
}

static void cardinal(struct text *t, enum say_lang lang,
		     unsigned long long n, bool measure)
{
	if (lang == SAY_ZH)
		zh_cardinal(t, n, measure);
	else
		en_cardinal(t, n);
}

int say_number(char *out, size_t size, enum say_lang lang, long long n)
{
	struct text t;

	text_init(&t, out, size);
	if (magnitude(n) > MAX_NUMBER)
		return ERANGE;
	if (n < 0)
		put(&t, lang == SAY_ZH ? "负" : "minus");
	cardinal(&t, lang, magnitude(n), false);
	return text_end(&t);
}

int say_ordinal(char *out, size_t size, enum say_lang lang, long long n)
{
	struct text t;

	text_init(&t, out, size);
	if (n < 0 || (unsigned long long)n > MAX_NUMBER)
		return ERANGE;
	if (lang == SAY_ZH) {
		put(&t, "第");
		zh_cardinal(&t, (unsigned long long)n, false);
	}
	else {
		en_cardinal(&t, (unsigned long long)n);
		if (!t.full)
			en_ordinalize(&t);
	}
	return text_end(&t);
}

/* ---- digits ------------------------------------------------------------- */

static const char *digit_word(enum say_lang lang, char c, bool phone)
{
	static const char *const en_sym[] = {"star", "pound", "plus"};
	static const char *const zh_sym[] = {"星", "井", "加"};
	const char *sym = strchr("*#+", c);

	if (c >= '0' && c <= '9') {
		if (lang == SAY_EN)
			return en_ones[c - '0'];
		return phone && c == '1' ? "幺" : zh_digit[c - '0'];
	}
	if (!c || !sym)
		return NULL;
	return lang == SAY_ZH ? zh_sym[sym - "*#+"] : en_sym[sym - "*#+"];
}

int say_digits(char *out, size_t size, enum say_lang lang,
	       const char *digits, bool phone)
{
	struct text t;

	text_init(&t, out, size);
	if (!digits)
		return EINVAL;
	for (const char *c = digits; *c; c++) {
		const char *w;

		if (strchr(" -()", *c))
			continue;
		w = digit_word(lang, *c, phone);
		if (!w)
			return EINVAL;
		word(&t, w);
	}
	return t.len ? text_end(&t) : EINVAL;
}

/* ---- amounts ------------------------------------------------------------ */

struct amount {
	bool negative;
	unsigned long long units;
	unsigned cents;
};

static int parse_amount(const char *s, struct amount *a)
{
	size_t ndigits = 0, ndec = 0;

	memset(a, 0, sizeof(*a));
	if (!s)
		return EINVAL;
	if (*s == '-') {
		a->negative = true;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++, ndigits++) {
		if (ndigits == 16)
			return ERANGE;
		a->units = a->units * 10 + (unsigned)(*s - '0');
	}
	if (!ndigits)
		return EINVAL;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, ndec++) {
			if (ndec == 2)
				return EINVAL;  /* no silent rounding of money */
			a->cents += (unsigned)(*s - '0') * (ndec ? 1 : 10);
		}
		if (!ndec)
			return EINVAL;
	}
	return *s ? EINVAL : 0;
}

static void zh_amount(struct text *t, const struct amount *a)
{
	unsigned jiao = a->cents / 10, fen = a->cents % 10;

	if (a->units || !a->cents) {
		zh_cardinal(t, a->units, true);
		put(t, "元");
	}
	if (jiao) {
		zh_cardinal(t, jiao, true);
		put(t, "角");
	}
	if (fen) {
		if (a->units && !jiao)
			put(t, "零");
		zh_cardinal(t, fen, !a->units && !jiao);
		put(t, "分");
	}
}

static void en_amount(struct text *t, const struct amount *a,
		      const struct say_currency *c)
{
	static const struct say_currency dollars = {
		"dollar", "dollars", "cent", "cents",
	};

	if (!c)
		c = &dollars;
	if (a->units || !a->cents) {
		en_cardinal(t, a->units);
		word(t, a->units == 1 ? c->one : c->many);
	}
	if (!a->cents)
		return;
	if (a->units)
		word(t, "and");
	en_cardinal(t, a->cents);
	word(t, a->cents == 1 ? c->minor_one : c->minor_many);
}

int say_amount(char *out, size_t size, enum say_lang lang,
	       const char *amount, const struct say_currency *currency)
{
	struct amount a;
	struct text t;
	int err;

	text_init(&t, out, size);
	err = parse_amount(amount, &a);
	if (err)
		return err;
	if (a.negative && (a.units || a.cents))
		put(&t, lang == SAY_ZH ? "负" : "minus");
	if (lang == SAY_ZH)
		zh_amount(&t, &a);
	else
		en_amount(&t, &a, currency);
	return text_end(&t);
}

/* ---- dates and times ---------------------------------------------------- */

/* Exactly n digits at s: their value, or -1. */
static int fixed_digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				   30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* 2026 -> twenty twenty-six, 2005 -> two thousand five, 1905 -> nineteen
   oh five, 1900 -> nineteen hundred. */
static void en_year(struct text *t, int y)
{
	int hi = y / 100, lo = y % 100;

	if (y < 1000 || y % 1000 == 0 || (y > 2000 && y < 2010)) {
		en_cardinal(t, (unsigned long long)y);
		return;
	}
	en_below_100(t, (unsigned)hi);
	if (!lo) {
		word(t, "hundred");
		return;
	}
	if (lo < 10)
		word(t, "oh");
	en_below_100(t, (unsigned)lo);
}

int say_date(char *out, size_t size, enum say_lang lang, const char *date)
{
	static const char *const months[] = {
		"January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November",
		"December",
	};
	struct text t;
	int y, m, d;

	text_init(&t, out, size);
	if (!date || strlen(date) != 10 || date[4] != '-' || date[7] != '-')
		return EINVAL;
	y = fixed_digits(date, 4);
	m = fixed_digits(date + 5, 2);
	d = fixed_digits(date + 8, 2);
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return EINVAL;
	if (lang == SAY_ZH) {
		for (int i = y < 1000 ? (y < 100 ? (y < 10 ? 3 : 2) : 1) : 0;
		     i < 4; i++)
			put(&t, date[i] == '0' ? "〇" : zh_digit[date[i] - '0']);
		put(&t, "年");
		zh_cardinal(&t, (unsigned long long)m, false);
		put(&t, "月");
		zh_cardinal(&t, (unsigned long long)d, false);
		put(&t, "日");
		return text_end(&t);
	}
	word(&t, months[m - 1]);
	en_cardinal(&t, (unsigned long long)d);
	en_ordinalize(&t);
	put(&t, ",");
	en_year(&t, y);
	return text_end(&t);
}

int say_time(char *out, size_t size, enum say_lang lang, const char *time)
{
	struct text t;
	int h, m;

	text_init(&t, out, size);
	if (!time || strlen(time) != 5 || time[2] != ':')
		return EINVAL;
	h = fixed_digits(time, 2);
	m = fixed_digits(time + 3, 2);
	if (h < 0 || h > 23 || m < 0 || m > 59)
		return EINVAL;
	if (lang == SAY_ZH) {
		zh_cardinal(&t, (unsigned long long)h, true);
		put(&t, m ? "点" : "点整");
		if (m) {
			if (m < 10)
				put(&t, "零");
			zh_cardinal(&t, (unsigned long long)m, false);
			put(&t, "分");
		}
		return text_end(&t);
	}
	en_below_100(&t, h % 12 ? (unsigned)(h % 12) : 12);
	if (m) {
		if (m < 10)
			word(&t, "oh");
		en_below_100(&t, (unsigned)m);
	}
	word(&t, h < 12 ? "AM" : "PM");
	return text_end(&t);
}

/* ---- durations ---------------------------------------------------------- */

static void en_count(struct text *t, unsigned long long n, const char *unit)
{
	en_cardinal(t, n);
	word(t, unit);
	if (n != 1)
		put(t, "s");
}

int say_duration(char *out, size_t size, enum say_lang lang,
		 long long seconds)
{
	unsigned long long h, m, s;
	struct text t;

	text_init(&t, out, size);
	if (seconds < 0)
		return EINVAL;
	h = (unsigned long long)seconds / 3600;
	m = (unsigned long long)seconds / 60 % 60;
	s = (unsigned long long)seconds % 60;
	if (h > MAX_NUMBER)
		return ERANGE;
	if (lang == SAY_EN) {
		if (h)
			en_count(&t, h, "hour");
		if (m)
			en_count(&t, m, "minute");
		if (s || !seconds)
			en_count(&t, s, "second");
		return text_end(&t);
	}
	if (h) {
		zh_cardinal(&t, h, true);
		put(&t, "小时");
	}
	if (m) {
		zh_cardinal(&t, m, true);
		put(&t, s ? "分" : "分钟");
	}
	if (s || !seconds) {
		if (h && !m)
			put(&t, "零");
		zh_cardinal(&t, s, true);
		put(&t, "秒");
	}
	return text_end(&t);
}
