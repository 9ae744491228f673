/*
 * test_dtmf_detect.c — in-band DTMF detection (src/media/dtmf_detect.c)
 * held to the ITU-T Q.24 figures at 8, 16 and 48 kHz: all sixteen digits,
 * digits in noise and under a DC offset, talk-off (speech-like sound, a
 * 440 + 1000 Hz mix, our own call-progress tones, music-like chords, white
 * noise), tone and pause durations, twist, frequency deviation, levels,
 * and any block size fed.
 *
 * Signals are made by formula: each frequency's peak is 22826 * 10^(L/20)
 * for L dBm0, as in tones.c. Noise comes from a fixed-seed generator, so
 * every run feeds the same samples.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "media/dtmf_detect.h"
#include "media/tones.h"

static const uint32_t rates[] = {8000, 16000, 48000};

#define NRATES (sizeof(rates) / sizeof(rates[0]))
#define DBM0(l) (22826.36 * pow(10, (l) / 20.0))

enum { MAX_SECONDS = 12 };

/* ---- building test signals ---------------------------------------------- */

struct signal {
	uint32_t rate;
	size_t len, cap;
	double *x;              /* summed in double, clipped at the end */
};

static void signal_init(struct signal *s, uint32_t rate)
{
	s->rate = rate;
	s->len = 0;
	s->cap = (size_t)rate * MAX_SECONDS;
	s->x = calloc(s->cap, sizeof(*s->x));
	assert_non_null(s->x);
}

static size_t samples(const struct signal *s, double ms)
{
	return (size_t)llround(ms * s->rate / 1000);
}

static void add_silence(struct signal *s, double ms)
{
	s->len += samples(s, ms);
	assert_true(s->len <= s->cap);
}

/* Two frequencies at their own levels, starting at the current end. */
static void add_pair(struct signal *s, double f1, double l1, double f2,
		     double l2, double ms)
{
	size_t n = samples(s, ms);

	assert_true(s->len + n <= s->cap);
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / s->rate;

		s->x[s->len + i] += DBM0(l1) * sin(2 * M_PI * f1 * t) +
				    DBM0(l2) * sin(2 * M_PI * f2 * t + 1.0);
	}
	s->len += n;
}

static const char keys[] = "123A456B789C*0#D";
static const double rows[] = {697, 770, 852, 941};
static const double cols[] = {1209, 1336, 1477, 1633};

/* A key at low/high group levels, its frequencies scaled by 1 + dev. */
static void add_key_at(struct signal *s, char key, double low, double high,
		       double dev_low, double dev_high, double ms)
{
	const char *k = strchr(keys, key);
	int i;

	assert_non_null(k);
	i = (int)(k - keys);
	add_pair(s, rows[i / 4] * (1 + dev_low), low,
		 cols[i % 4] * (1 + dev_high), high, ms);
}

static void add_key(struct signal *s, char key, double ms)
{
	add_key_at(s, key, -10, -10, 0, 0, ms);
}

/* Gaussian-ish noise (sum of four uniforms) at rms_dbm0, over the whole
   signal so far; fixed seed. */
static void add_noise(struct signal *s, double rms_dbm0)
{
	uint32_t seed = 12345;
	double rms = DBM0(rms_dbm0) / sqrt(2);

	for (size_t i = 0; i < s->len; i++) {
		double u = 0;

		for (int k = 0; k < 4; k++) {
			seed = seed * 1664525u + 1013904223u;
			u += seed / 4294967296.0 - 0.5;
		}
		s->x[i] += u * rms * sqrt(3.0);   /* variance of u: 1/3 */
	}
}

static int16_t *to_pcm(const struct signal *s)
{
	int16_t *pcm = calloc(s->len ? s->len : 1, sizeof(*pcm));

	assert_non_null(pcm);
	for (size_t i = 0; i < s->len; i++)
		pcm[i] = (int16_t)fmax(-32768, fmin(32767, lrint(s->x[i])));
	return pcm;
}

/* ---- detecting ---------------------------------------------------------- */

struct found {
	char digits[64];
	size_t n;
};

static void on_digit(char digit, void *arg)
{
	struct found *f = arg;

	if (f->n + 1 < sizeof(f->digits))
		f->digits[f->n++] = digit;
	f->digits[f->n] = '\0';
}

/* The digits a fresh detector reports for s fed in blocks of block
   samples (0: 20 ms blocks), with 100 ms of silence after it. */
static const char *detect_in(struct signal *s, size_t block,
			     struct found *f)
{
	struct dtmf_detect *d = NULL;
	int16_t *pcm;

	add_silence(s, 100);
	pcm = to_pcm(s);
	if (!block)
		block = s->rate / 50;
	memset(f, 0, sizeof(*f));
	assert_int_equal(dtmf_detect_alloc(&d, s->rate), 0);
	for (size_t i = 0; i < s->len; i += block)
		dtmf_detect_feed(d, pcm + i, s->len - i < block ?
				 s->len - i : block, on_digit, f);
	dtmf_detect_free(d);
	free(pcm);
	free(s->x);
	s->x = NULL;
	return f->digits;
}

static const char *detect(struct signal *s, struct found *f)
{
	return detect_in(s, 0, f);
}

#define expect_digits(s, want) do { \
	struct found f_; \
	const char *got_ = detect(s, &f_); \
	if (strcmp(got_, want)) \
		fail_msg("line %d at %u Hz: detected \"%s\", want \"%s\"", \
			 __LINE__, (s)->rate, got_, want); \
} while (0)

/* ---- the digits --------------------------------------------------------- */

static void test_all_sixteen_digits(void **state)
{
	(void)state;
	for (size_t r = 0; r < NRATES; r++) {
		struct signal s;

		signal_init(&s, rates[r]);
		add_silence(&s, 50);
		for (const char *k = keys; *k; k++) {
			add_key(&s, *k, 60);
			add_silence(&s, 60);
		}
		expect_digits(&s, keys);
	}
}

/* A digit held for two seconds is one digit. */
static void test_long_press_is_one_digit(void **state)
{
	(void)state;
	for (size_t r = 0; r < NRATES; r++) {
		struct signal s;

		signal_init(&s, rates[r]);
		add_key(&s, '7', 2000);
		expect_digits(&s, "7");
	}
}

/* The same key pressed three times with 40 ms pauses is three digits
   (Q.24: 40 ms of pause separates digits); back-to-back different keys
   with 40 ms between are both seen. */
static void test_repeated_digit_with_gaps(void **state)
{
	(void)state;
	for (size_t r = 0; r < NRATES; r++) {
		struct signal s;

		signal_init(&s, rates[r]);
		for (int i = 0; i < 3; i++) {
			add_key(&s, '5', 50);
			add_silence(&s, 40);
		}
		add_key(&s, '#', 50);
		add_silence(&s, 40);
		add_key(&s, '0', 50);
		expect_digits(&s, "555#0");
	}
}

/* A dropout of 8 ms inside a press (a lost packet's worth of silence
   after concealment gives up) does not make it two digits. */
static void test_short_dropout_is_bridged(void **state)
{
	(void)state;
	for (size_t r = 0; r < NRATES; r++) {
		struct signal s;

		signal_init(&s, rates[r]);
		add_key(&s, '9', 100);
		add_silence(&s, 8);
		add_key(&s, '9', 100);
		expect_digits(&s, "9");
	}
}

/* Q.24 durations: 40 ms of tone is always a digit, 20 ms never is,
   wherever the tone falls against the detector's 12.75 ms blocks. */
static void test_tone_durations(void **state)
{
	(void)state;
	for (size_t r = 0; r < NRATES; r++)
		for (double off = 0; off < 13; off += 1.3) {
			struct signal s;

			signal_init(&s, rates[r]);
			add_silence(&s, 30 + off);
			add_key(&s, '1', 40);
			add_silence(&s, 200);
			add_key(&s, '2', 20);
			add_silence(&s, 200);
			add_key(&s, '3', 15);
			add_silence(&s, 200);
			add_key(&s, '4', 45);
			expect_digits(&s, "14");
		}
}

/* ---- Q.24 acceptance figures -------------------------------------------- */

/* Twist: Q.24's 8 dB with the low group louder and 4 dB with the high
   group louder are accepted for every key, 12 and 7 dB refused. */
static void test_twist(void **state)
{
	(void)state;
	for (size_t r = 0; r < NRATES; r++) {
		struct signal s;

		signal_init(&s, rates[r]);
		for (const char *k = keys; *k; k++) {
			add_key_at(&s, *k, -10, -18, 0, 0, 60);
			add_silence(&s, 60);
			add_key_at(&s, *k, -14, -10, 0, 0, 60);
			add_silence(&s, 60);
		}
		expect_digits(&s, "112233AA445566BB778899CC**00##DD");
	}
	for (size_t r = 0; r < NRATES; r++) {
		struct signal s;

		signal_init(&s, rates[r]);
		add_key_at(&s, '3', -10, -22, 0, 0, 80);     /* low +12 dB */
		add_silence(&s, 80);
		add_key_at(&s, '4', -17, -10, 0, 0, 80);     /* high +7 dB */
		add_silence(&s, 80);
		add_key_at(&s, '5', -10, -10, 0, 0, 80);
		expect_digits(&s, "5");
	}
}

/* Frequencies within ±1.5 % are a digit, beyond ±3.5 % are not, moved
   together or one group alone. */
static void test_frequency_deviation(void **state)
{
	(void)state;
	for (size_t r = 0; r < NRATES; r++) {
		struct signal s;

		signal_init(&s, rates[r]);
		add_key_at(&s, '1', -10, -10, 0.015, 0.015, 80);
		add_silence(&s, 80);
		add_key_at(&s, '2', -10, -10, -0.015, -0.015, 80);
		add_silence(&s, 80);
		add_key_at(&s, '3', -10, -10, 0.015, -0.015, 80);
		add_silence(&s, 80);
		add_key_at(&s, '4', -10, -10, 0.035, 0.035, 80);
		add_silence(&s, 80);
		add_key_at(&s, '5', -10, -10, -0.035, -0.035, 80);
		add_silence(&s, 80);
		add_key_at(&s, '6', -10, -10, 0, 0.035, 80);
		add_silence(&s, 80);
		add_key_at(&s, '7', -10, -10, -0.035, 0, 80);
		add_silence(&s, 80);
		add_key_at(&s, '8', -10, -10, 0, 0, 80);
		expect_digits(&s, "1238");
	}
}

/* Levels from -3 to -30 dBm0 per frequency are digits. */
static void test_levels(void **state)
{
	(void)state;
	for (size_t r = 0; r < NRATES; r++) {
		struct signal s;

		signal_init(&s, rates[r]);
		add_key_at(&s, '1', -3, -3, 0, 0, 60);
		add_silence(&s, 60);
		add_key_at(&s, '2', -20, -20, 0, 0, 60);
		add_silence(&s, 60);
		add_key_at(&s, '3', -30, -30, 0, 0, 60);
		expect_digits(&s, "123");
	}
}

/* Digits under white noise 15 dB below each tone, and under a DC offset
   of a tenth of full scale. */
static void test_noise_and_dc(void **state)
{
	(void)state;
	for (size_t r = 0; r < NRATES; r++) {
		struct signal s;

		signal_init(&s, rates[r]);
		for (const char *k = "0123456789*#"; *k; k++) {
			add_key(&s, *k, 60);
			add_silence(&s, 60);
		}
		add_noise(&s, -25);
		expect_digits(&s, "0123456789*#");

		signal_init(&s, rates[r]);
		for (const char *k = "1590"; *k; k++) {
			add_key(&s, *k, 60);
			add_silence(&s, 60);
		}
		for (size_t i = 0; i < s.len + samples(&s, 100); i++)
			s.x[i] += 3277;
		expect_digits(&s, "1590");
	}
}

/* ---- talk-off ----------------------------------------------------------- */

/* A vowel-like sound: harmonics of a gliding 100-250 Hz voice through
   three formants that move, for ms. */
static void add_voice(struct signal *s, double ms, double formant_shift)
{
	static const double formants[3] = {700, 1200, 2500};
	size_t n = samples(s, ms);
	double phase = 0;

	assert_true(s->len + n <= s->cap);
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / s->rate;
		double f0 = 175 + 75 * sin(2 * M_PI * 1.3 * t);
		double v = 0;

		phase += 2 * M_PI * f0 / s->rate;
		for (int h = 1; h * f0 < 3400 && h * f0 < s->rate / 2.0; h++) {
			double f = h * f0, g = 0;

			for (int k = 0; k < 3; k++) {
				double c = formants[k] * (1 + formant_shift *
					   sin(2 * M_PI * (0.7 + k) * t));

				g += 1 / (1 + pow((f - c) / 90, 2));
			}
			v += g / h * sin(h * phase);
		}
		s->x[s->len + i] += 2500 * v;
	}
	s->len += n;
}

static void test_talk_off(void **state)
{
	(void)state;
	for (size_t r = 0; r < NRATES; r++) {
		struct signal s;

		/* ten seconds of voice with moving formants */
		signal_init(&s, rates[r]);
		add_voice(&s, 5000, 0.3);
		add_voice(&s, 5000, 0.15);
		expect_digits(&s, "");

		/* 440 + 1000 Hz, two seconds, loud */
		signal_init(&s, rates[r]);
		add_pair(&s, 440, -6, 1000, -6, 2000);
		expect_digits(&s, "");

		/* chords: a major triad on 697 Hz (697, 878, 1045) and one
		   with 770 Hz's fifth (770, 1155) */
		signal_init(&s, rates[r]);
		add_pair(&s, 697, -10, 878, -10, 1000);
		s.len -= samples(&s, 1000);
		add_pair(&s, 0, -99, 1045, -10, 1000);
		add_pair(&s, 770, -10, 1155, -10, 1000);
		expect_digits(&s, "");

		/* white noise, loud */
		signal_init(&s, rates[r]);
		add_silence(&s, 3000);
		add_noise(&s, -5);
		expect_digits(&s, "");
	}
}

/* Our own tones are never digits: every call-progress tone of both
   countries, the beep and the confirmation tone. */
static void test_our_tones_are_not_digits(void **state)
{
	static const char *const countries[] = {"CN", "US"};

	(void)state;
	for (size_t r = 0; r < NRATES; r++) {
		int16_t *pcm = calloc(rates[r] * 7, sizeof(*pcm));

		assert_non_null(pcm);
		for (size_t c = 0; c < 2; c++)
			for (int k = 0; k < TONE_KIND_COUNT; k++) {
				struct dtmf_detect *d = NULL;
				struct tone_player p;
				struct found f = {0};
				size_t n;

				assert_int_equal(tone_player_init(&p,
					tone_find(countries[c], k), rates[r]), 0);
				n = tone_player_fill(&p, pcm, rates[r] * 7);
				assert_int_equal(dtmf_detect_alloc(&d, rates[r]),
						 0);
				dtmf_detect_feed(d, pcm, n, on_digit, &f);
				dtmf_detect_free(d);
				if (f.n)
					fail_msg("%s tone %d at %u: \"%s\"",
						 countries[c], k, rates[r],
						 f.digits);
			}
		free(pcm);
	}
}

/* ---- feeding ------------------------------------------------------------ */

/* One sample at a time, odd blocks, or all at once: the same digits. */
static void test_any_block_size(void **state)
{
	static const size_t blocks[] = {1, 7, 101, 160, 1000, 100000};

	(void)state;
	for (size_t r = 0; r < NRATES; r++)
		for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]);
		     b++) {
			struct signal s;
			struct found f;

			signal_init(&s, rates[r]);
			for (const char *k = "*8#"; *k; k++) {
				add_key(&s, *k, 50);
				add_silence(&s, 50);
			}
			if (strcmp(detect_in(&s, blocks[b], &f), "*8#"))
				fail_msg("%u Hz in blocks of %zu: \"%s\"",
					 rates[r], blocks[b], f.digits);
		}
}

/* A digit is reported while its tone still plays, not when it ends: fed
   45 ms of tone and nothing after, the detector has reported it. */
static void test_reported_at_start(void **state)
{
	struct dtmf_detect *d = NULL;
	struct signal s;
	struct found f = {0};
	int16_t *pcm;

	(void)state;
	signal_init(&s, 8000);
	add_key(&s, '6', 45);
	pcm = to_pcm(&s);
	assert_int_equal(dtmf_detect_alloc(&d, 8000), 0);
	dtmf_detect_feed(d, pcm, s.len, on_digit, &f);
	assert_string_equal(f.digits, "6");
	dtmf_detect_free(d);
	free(pcm);
	free(s.x);
}

static void test_bad_arguments(void **state)
{
	struct dtmf_detect *d = NULL;
	int16_t pcm[160] = {0};

	(void)state;
	assert_int_equal(dtmf_detect_alloc(NULL, 8000), EINVAL);
	assert_int_equal(dtmf_detect_alloc(&d, 11025), EINVAL);
	assert_int_equal(dtmf_detect_alloc(&d, 0), EINVAL);
	assert_int_equal(dtmf_detect_alloc(&d, 44100), EINVAL);
	assert_null(d);
	dtmf_detect_free(NULL);
	dtmf_detect_feed(NULL, pcm, 160, on_digit, NULL);
	assert_int_equal(dtmf_detect_alloc(&d, 16000), 0);
	dtmf_detect_feed(d, NULL, 160, on_digit, NULL);
	dtmf_detect_feed(d, pcm, 0, on_digit, NULL);
	dtmf_detect_feed(d, pcm, 160, NULL, NULL);      /* no handler */
	dtmf_detect_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_sixteen_digits),
		cmocka_unit_test(test_long_press_is_one_digit),
		cmocka_unit_test(test_repeated_digit_with_gaps),
		cmocka_unit_test(test_short_dropout_is_bridged),
		cmocka_unit_test(test_tone_durations),
		cmocka_unit_test(test_twist),
		cmocka_unit_test(test_frequency_deviation),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_noise_and_dc),
		cmocka_unit_test(test_talk_off),
		cmocka_unit_test(test_our_tones_are_not_digits),
		cmocka_unit_test(test_any_block_size),
		cmocka_unit_test(test_reported_at_start),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
