/*
 * test_tones.c — call-progress tones (src/media/tones.c): the country
 * tables and their fallbacks, frequency content and level measured with a
 * Goertzel filter, cadences counted in samples, click-free edges, the same
 * output whatever the fill sizes, tones that end, bad arguments; at 8, 16
 * and 48 kHz.
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
#include "media/tones.h"

static const uint32_t rates[] = {8000, 16000, 48000};
static const char *const countries[] = {"CN", "US"};

#define NRATES (sizeof(rates) / sizeof(rates[0]))

/* The peak of one frequency at the tone's level (0 dBm0: 22826). */
static double peak_of(const struct tone_def *d)
{
	return 32767.0 * pow(10, (d->level - 3.14) / 20);
}

/* The amplitude of the f component of x, by a Goertzel filter over a
   Hann window (leakage from a tone 60 Hz away stays far below 1 %). */
static double goertzel_amp(const int16_t *x, size_t n, double f,
			   uint32_t rate)
{
	double w = 2 * M_PI * f / rate, c = 2 * cos(w), s1 = 0, s2 = 0, p;

	for (size_t i = 0; i < n; i++) {
		double hann = 0.5 - 0.5 * cos(2 * M_PI * i / (n - 1));
		double s0 = x[i] * hann + c * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	p = s1 * s1 + s2 * s2 - c * s1 * s2;
	return 2 * sqrt(p > 0 ? p : 0) / (n * 0.5);
}

static int16_t *render(const struct tone_def *d, uint32_t rate, size_t n,
		       size_t *got)
{
	struct tone_player p;
	int16_t *x = calloc(n, sizeof(*x));

	assert_non_null(x);
	assert_int_equal(tone_player_init(&p, d, rate), 0);
	*got = tone_player_fill(&p, x, n);
	return x;
}

/* The first burst (or 300 ms of a continuous tone), without its ramps. */
static void steady_part(const struct tone_def *d, uint32_t rate,
			size_t *from, size_t *len)
{
	size_t ms = d->cadence[0] ? d->cadence[0] : 300;

	*from = 6 * rate / 1000;
	*len = (ms - 12) * rate / 1000;
}

/* ---- the tables ------------------------------------------------------- */

static void test_find(void **state)
{
	const struct tone_def *d;

	(void)state;
	d = tone_find("CN", TONE_BUSY);
	assert_non_null(d);
	assert_string_equal(d->name, "busy");
	assert_int_equal(d->freq[0], 450);
	assert_int_equal(d->freq[1], 0);
	assert_int_equal(d->cadence[0], 350);
	assert_int_equal(d->cadence[1], 350);
	assert_int_equal(d->cadence[2], 0);
	assert_false(d->once);
	/* unknown countries and NULL: China */
	assert_ptr_equal(tone_find("FR", TONE_BUSY), d);
	assert_ptr_equal(tone_find(NULL, TONE_BUSY), d);
	assert_ptr_equal(tone_find("", TONE_BUSY), d);
	assert_ptr_equal(tone_find("cn", TONE_BUSY), d);
	/* North America under three names, any case */
	d = tone_find("US", TONE_DIAL);
	assert_int_equal(d->freq[0], 350);
	assert_int_equal(d->freq[1], 440);
	assert_int_equal(d->cadence[0], 0);
	assert_ptr_equal(tone_find("na", TONE_DIAL), d);
	assert_ptr_equal(tone_find("Ca", TONE_DIAL), d);
	d = tone_find("US", TONE_RINGBACK);
	assert_int_equal(d->freq[0], 440);
	assert_int_equal(d->freq[1], 480);
	assert_int_equal(d->cadence[0], 2000);
	assert_int_equal(d->cadence[1], 4000);
	d = tone_find("US", TONE_CONGESTION);
	assert_int_equal(d->freq[1], 620);
	assert_int_equal(d->cadence[0], 250);
	d = tone_find("CN", TONE_CONGESTION);
	assert_int_equal(d->cadence[0], 700);
	d = tone_find("CN", TONE_CALL_WAITING);
	assert_int_equal(d->cadence[0], 400);
	assert_int_equal(d->cadence[1], 4000);
	/* the switch's own tones: the same everywhere, played once */
	d = tone_find("US", TONE_BEEP);
	assert_memory_equal(d, tone_find("CN", TONE_BEEP), sizeof(*d));
	assert_int_equal(d->freq[0], 1000);
	assert_int_equal(d->cadence[0], 250);
	assert_true(d->once);
	d = tone_find("CN", TONE_CONFIRM);
	assert_int_equal(d->freq[0], 1400);
	assert_true(d->once);
	/* kinds out of range */
	assert_null(tone_find("CN", TONE_KIND_COUNT));
	assert_null(tone_find("US", (enum tone_kind)-1));
}

/* Every tone of every profile at every rate: its frequencies at its level
   (within 2 %), nothing at the call-progress and DTMF frequencies that
   are not its own. */
static void test_frequency_content(void **state)
{
	static const double probes[] = {350, 440, 450, 480, 620, 697, 941,
					1000, 1209, 1400, 1633, 2000, 3000};

	(void)state;
	for (size_t c = 0; c < 2; c++)
	for (int k = 0; k < TONE_KIND_COUNT; k++)
	for (size_t r = 0; r < NRATES; r++) {
		const struct tone_def *d = tone_find(countries[c], k);
		size_t from, len, got;
		int16_t *x;

		steady_part(d, rates[r], &from, &len);
		x = render(d, rates[r], from + len, &got);
		for (int i = 0; i < 2 && d->freq[i]; i++) {
			double a = goertzel_amp(x + from, len, d->freq[i],
						rates[r]);

			if (fabs(a / peak_of(d) - 1) > 0.02)
				fail_msg("%s %s at %u: %u Hz amplitude %.1f, "
					 "want %.1f", countries[c], d->name,
					 rates[r], d->freq[i], a, peak_of(d));
		}
		for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]);
		     i++) {
			if (fabs(probes[i] - d->freq[0]) < 60 ||
			    (d->freq[1] && fabs(probes[i] - d->freq[1]) < 60))
				continue;
			if (goertzel_amp(x + from, len, probes[i], rates[r]) >
			    0.01 * peak_of(d))
				fail_msg("%s %s at %u: energy at %.0f Hz",
					 countries[c], d->name, rates[r],
					 probes[i]);
		}
		free(x);
	}
}

/* The documented levels: China -10 dBm0, the precise tone plan's -13
   (dial), -19 (ringback), -24 (busy, reorder), our beep -13. */
static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(tone_find("CN", TONE_DIAL)->level, -10);
	assert_int_equal(tone_find("CN", TONE_BUSY)->level, -10);
	assert_int_equal(tone_find("US", TONE_DIAL)->level, -13);
	assert_int_equal(tone_find("US", TONE_RINGBACK)->level, -19);
	assert_int_equal(tone_find("US", TONE_BUSY)->level, -24);
	assert_int_equal(tone_find("US", TONE_CONGESTION)->level, -24);
	assert_int_equal(tone_find("CN", TONE_BEEP)->level, -13);
	/* -10 dBm0 is Asterisk's 7219 peak */
	assert_true(fabs(peak_of(tone_find("CN", TONE_DIAL)) - 7218.3) < 1);
}

/* ---- cadence ------------------------------------------------------------ */

/* Whether sample i is inside a burst of d's cadence (repeating). */
static bool expect_on(const struct tone_def *d, uint32_t rate, size_t i)
{
	size_t cycle = 0, t;
	int segs = 0;

	while (segs < TONE_CADENCE_MAX && d->cadence[segs])
		cycle += d->cadence[segs++] * (size_t)rate / 1000;
	if (!segs)
		return true;
	t = i % cycle;
	for (int s = 0; s < segs; s++) {
		size_t len = d->cadence[s] * (size_t)rate / 1000;

		if (t < len)
			return s % 2 == 0;
		t -= len;
	}
	return false;
}

/* Silence is exact zeros where the cadence says off; every burst starts
   and ends within 1 ms of where the cadence puts it and carries the
   energy of a full burst. Two cycles of every repeating tone. */
static void check_cadence(const struct tone_def *d, uint32_t rate)
{
	size_t cycle = 0, n, got, ms = rate / 1000;
	int16_t *x;

	for (int s = 0; s < TONE_CADENCE_MAX && d->cadence[s]; s++)
		cycle += d->cadence[s] * (size_t)rate / 1000;
	n = 2 * cycle;
	x = render(d, rate, n, &got);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++) {
		bool on = expect_on(d, rate, i);

		if (!on && x[i])
			fail_msg("%s at %u: sample %zu is %d in a pause",
				 d->name, rate, i, x[i]);
		/* a burst's edges: sound within 1 ms inside it */
		if (on && (i == 0 || !expect_on(d, rate, i - 1))) {
			bool heard = false;

			for (size_t j = i; j < i + ms; j++)
				heard |= x[j] != 0;
			if (!heard)
				fail_msg("%s at %u: burst at %zu starts late",
					 d->name, rate, i);
		}
		if (on && (i + 1 == n || !expect_on(d, rate, i + 1))) {
			bool heard = false;

			for (size_t j = i + 1 - ms; j <= i; j++)
				heard |= x[j] != 0;
			if (!heard)
				fail_msg("%s at %u: burst ending at %zu ends "
					 "early", d->name, rate, i);
		}
	}
	free(x);
}

static void test_cadence(void **state)
{
	(void)state;
	for (size_t c = 0; c < 2; c++)
		for (int k = TONE_RINGBACK; k <= TONE_CALL_WAITING; k++)
			for (size_t r = 0; r < NRATES; r++)
				check_cadence(tone_find(countries[c], k),
					      rates[r]);
}

/* Counted by hand: China's busy tone at 8 kHz is 2800 samples of sound,
   2800 of silence; the first burst's energy is that of 2800 samples less
   the ramps (5 ms each side, each worth a third of its length). */
static void test_busy_samples(void **state)
{
	const struct tone_def *d = tone_find("CN", TONE_BUSY);
	size_t got, first = 0, last = 0;
	int16_t *x = render(d, 8000, 5600, &got);
	double energy = 0, a = peak_of(d), want;

	(void)state;
	for (size_t i = 0; i < 5600; i++)
		if (x[i]) {
			first = first ? first : i;
			last = i;
		}
	assert_int_equal(first, 1);     /* sample 0: sin(0) */
	assert_true(last >= 2790 && last < 2800);
	for (size_t i = 0; i < 2800; i++)
		energy += (double)x[i] * x[i];
	want = a * a / 2 * (2800 - 2 * 40 + 2 * 40 / 3.0);
	assert_true(fabs(energy / want - 1) < 0.005);
	free(x);
}

/* No clicks: no step between two samples larger than the steepest slope
   of the tone itself (plus rounding), at every edge of every cadence. */
static void check_no_clicks(const struct tone_def *d, uint32_t rate)
{
	size_t got, n = 7 * rate;
	int16_t *x = render(d, rate, n, &got);
	double slope = 0;

	for (int i = 0; i < 2 && d->freq[i]; i++)
		slope += peak_of(d) * 2 * M_PI * d->freq[i] / rate;
	for (size_t i = 1; i < got; i++)
		if (abs(x[i] - x[i - 1]) > slope * 1.05 + 2)
			fail_msg("%s at %u: step of %d at %zu", d->name, rate,
				 abs(x[i] - x[i - 1]), i);
	free(x);
}

static void test_no_clicks(void **state)
{
	/* The national cadences hold whole or half cycles, so their bursts
	   end near a zero crossing anyway; 750 Hz for 101 ms ends at a peak,
	   where only the ramp avoids a jump. */
	static const struct tone_def peak = {"peak", {750, 0}, -3,
					     {101, 99}, false};

	(void)state;
	for (size_t r = 0; r < NRATES; r++) {
		for (size_t c = 0; c < 2; c++)
			for (int k = 0; k < TONE_KIND_COUNT; k++)
				check_no_clicks(tone_find(countries[c], k),
						rates[r]);
		check_no_clicks(&peak, rates[r]);
	}
}

/* ---- fills -------------------------------------------------------------- */

/* Filling in odd chunk sizes gives exactly the samples one fill gives. */
static void test_chunked_fill_is_continuous(void **state)
{
	static const size_t chunks[] = {1, 7, 13, 160, 333, 997, 2, 4096};

	(void)state;
	for (size_t c = 0; c < 2; c++)
	for (int k = 0; k < TONE_KIND_COUNT; k++)
	for (size_t r = 0; r < NRATES; r++) {
		const struct tone_def *d = tone_find(countries[c], k);
		size_t n = 3 * rates[r], whole, pos = 0;
		int16_t *a = render(d, rates[r], n, &whole);
		int16_t *b = calloc(n, sizeof(*b));
		struct tone_player p;

		assert_non_null(b);
		assert_int_equal(tone_player_init(&p, d, rates[r]), 0);
		for (size_t i = 0; pos < n; i++) {
			size_t want = chunks[i % 8];
			size_t got = tone_player_fill(&p, b + pos,
						      want < n - pos ? want :
						      n - pos);

			pos += got;
			if (!got)
				break;
		}
		assert_int_equal(pos, whole);
		assert_memory_equal(a, b, whole * sizeof(*a));
		free(a);
		free(b);
	}
}

/* The beep and the confirmation tone end; nothing else does. */
static void test_finite_tones_end(void **state)
{
	(void)state;
	for (size_t r = 0; r < NRATES; r++) {
		uint32_t rate = rates[r];
		const struct tone_def *cf = tone_find("US", TONE_CONFIRM);
		size_t tenth = rate / 10;
		struct tone_player p;
		int16_t *x = calloc(rate, sizeof(*x));

		assert_non_null(x);
		assert_int_equal(tone_player_init(&p, tone_find("CN", TONE_BEEP),
						  rate), 0);
		assert_false(tone_player_done(&p));
		x[250 * rate / 1000] = 12345;   /* the fill stops before it */
		assert_int_equal(tone_player_fill(&p, x, rate),
				 250 * rate / 1000);
		assert_int_equal(x[250 * rate / 1000], 12345);
		assert_true(tone_player_done(&p));
		assert_int_equal(tone_player_fill(&p, x, rate), 0);

		/* confirm: three bursts of 100 ms, 100 ms apart, 500 ms */
		assert_int_equal(tone_player_init(&p, cf, rate), 0);
		assert_int_equal(tone_player_fill(&p, x, rate), 5 * tenth);
		for (size_t i = 0; i < 5 * tenth; i++)
			if (!expect_on(cf, rate, i) && x[i])
				fail_msg("confirm at %u: sound at %zu", rate, i);
		for (size_t b = 0; b < 3; b++) {
			double e = 0, a = peak_of(cf);

			for (size_t i = 2 * b * tenth; i < (2 * b + 1) * tenth; i++)
				e += (double)x[i] * x[i];
			assert_true(e > 0.8 * a * a / 2 * tenth);
		}
		assert_true(tone_player_done(&p));
		free(x);
	}
}

static void test_repeating_tones_never_end(void **state)
{
	int16_t x[960];

	(void)state;
	for (size_t c = 0; c < 2; c++)
		for (int k = TONE_DIAL; k <= TONE_CALL_WAITING; k++) {
			struct tone_player p;

			assert_int_equal(tone_player_init(&p,
				tone_find(countries[c], k), 48000), 0);
			/* 60 s in 20 ms fills: longer than any cadence */
			for (int i = 0; i < 3000; i++)
				assert_int_equal(tone_player_fill(&p, x, 960),
						 960);
			assert_false(tone_player_done(&p));
		}
}

/* A dial tone played for an hour still has its frequency and level: the
   phase accumulator does not drift. */
static void test_long_dial_tone(void **state)
{
	const struct tone_def *d = tone_find("US", TONE_DIAL);
	struct tone_player p;
	int16_t *x = calloc(8000, sizeof(*x));

	(void)state;
	assert_non_null(x);
	assert_int_equal(tone_player_init(&p, d, 8000), 0);
	for (int i = 0; i < 3600; i++)
		assert_int_equal(tone_player_fill(&p, x, 8000), 8000);
	assert_true(fabs(goertzel_amp(x, 8000, 350, 8000) / peak_of(d) - 1) <
		    0.01);
	assert_true(fabs(goertzel_amp(x, 8000, 440, 8000) / peak_of(d) - 1) <
		    0.01);
	free(x);
}

static void test_bad_arguments(void **state)
{
	struct tone_def high = {"high", {5000, 0}, -13, {0}, false};
	struct tone_def none = {"none", {0, 0}, -13, {0}, false};
	struct tone_player p;
	int16_t x[16];

	(void)state;
	assert_int_equal(tone_player_init(&p, NULL, 8000), EINVAL);
	assert_int_equal(tone_player_init(NULL, tone_find("CN", TONE_DIAL),
					  8000), EINVAL);
	assert_int_equal(tone_player_init(&p, tone_find("CN", TONE_DIAL),
					  4000), EINVAL);
	assert_int_equal(tone_player_init(&p, tone_find("CN", TONE_DIAL),
					  96000), EINVAL);
	assert_int_equal(tone_player_init(&p, &high, 8000), EINVAL);
	assert_int_equal(tone_player_init(&p, &high, 16000), 0);
	assert_int_equal(tone_player_init(&p, &none, 8000), EINVAL);
	assert_int_equal(tone_player_fill(NULL, x, 16), 0);
	assert_int_equal(tone_player_init(&p, tone_find("CN", TONE_DIAL),
					  8000), 0);
	assert_int_equal(tone_player_fill(&p, NULL, 16), 0);
	assert_int_equal(tone_player_fill(&p, x, 0), 0);
	assert_true(tone_player_done(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_frequency_content),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_cadence),
		cmocka_unit_test(test_busy_samples),
		cmocka_unit_test(test_no_clicks),
		cmocka_unit_test(test_chunked_fill_is_continuous),
		cmocka_unit_test(test_finite_tones_end),
		cmocka_unit_test(test_repeating_tones_never_end),
		cmocka_unit_test(test_long_dial_tone),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
