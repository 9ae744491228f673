/*
 * test_mos.c — estimated MOS by the G.107 E-model (src/media/mos.c):
 * the R -> MOS mapping at known points, the delay impairment against the
 * G.107 formula worked by hand, the codec constants (G.711 with no loss
 * is 4.41; 5 % loss costs about half a point), monotony in loss, jitter
 * and round-trip time, and figures that make no sense.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include "media/mos.h"

#define assert_near(a, b, tol) do { \
	double a_ = (a), b_ = (b); \
	if (fabs(a_ - b_) > (tol)) \
		fail_msg("line %d: %.4f, want %.4f", __LINE__, a_, b_); \
} while (0)

static const enum codec_id codecs[] = {
	CODEC_PCMU, CODEC_PCMA, CODEC_G722, CODEC_G729, CODEC_OPUS,
};

#define NCODECS (sizeof(codecs) / sizeof(codecs[0]))

/* G.107's Idd, worked out for Ta = 200 ms (X = 1) and 400 ms (X = 2). */
static double idd_200(void)
{
	return 25 * (pow(2, 1.0 / 6) - 3 * pow(1 + pow(1.0 / 3, 6), 1.0 / 6) +
		     2);
}

static double idd_400(void)
{
	return 25 * (pow(65, 1.0 / 6) - 3 * pow(1 + pow(2.0 / 3, 6),
						 1.0 / 6) + 2);
}

static void test_r_to_mos(void **state)
{
	(void)state;
	assert_near(mos_from_r(93.2), 4.41, 0.005);
	assert_near(mos_from_r(80), 4.024, 0.001);
	assert_near(mos_from_r(70), 3.6, 0.01);
	assert_near(mos_from_r(50), 2.575, 0.001);
	assert_near(mos_from_r(100), 4.5, 1e-9);
	assert_near(mos_from_r(150), 4.5, 1e-9);
	assert_near(mos_from_r(0), 1, 1e-9);
	assert_near(mos_from_r(-20), 1, 1e-9);
	/* the cubic dips under 1 for small R: held at 1 */
	assert_near(mos_from_r(3), 1, 1e-9);
	assert_near(mos_from_r(NAN), 1, 1e-9);
	for (double r = 0; r <= 100; r += 0.25)
		assert_true(mos_from_r(r + 0.25) >= mos_from_r(r));
}

/* G.711 with nothing wrong is the top of the narrowband scale. */
static void test_clean_calls(void **state)
{
	(void)state;
	assert_near(mos_r_factor(CODEC_PCMU, 0, 0, 0), 93.2, 1e-9);
	assert_near(mos_estimate(CODEC_PCMU, 0, 0, 0), 4.41, 0.005);
	assert_near(mos_estimate(CODEC_PCMA, 0, 0, 0), 4.41, 0.005);
	assert_near(mos_estimate(CODEC_G722, 0, 0, 0), 4.41, 0.005);
	assert_near(mos_estimate(CODEC_OPUS, 0, 0, 0), 4.41, 0.005);
	/* G.729A: Ie 11 */
	assert_near(mos_r_factor(CODEC_G729, 0, 0, 0), 82.2, 1e-9);
	assert_near(mos_estimate(CODEC_G729, 0, 0, 0), mos_from_r(82.2),
		    1e-9);
	assert_true(mos_estimate(CODEC_G729, 0, 0, 0) < 4.2);
	/* a LAN call: 2 ms jitter, 10 ms round trip, still 4.41 */
	assert_near(mos_estimate(CODEC_PCMU, 0, 2, 10), 4.41, 0.005);
}

/* Ie_eff = Ie + (95 - Ie) Ppl / (Ppl + Bpl). */
static void test_loss(void **state)
{
	(void)state;
	/* G.711 with PLC, Bpl 25.1 */
	assert_near(mos_r_factor(CODEC_PCMU, 1, 0, 0),
		    93.2 - 95 * 1 / (1 + 25.1), 1e-9);
	assert_near(mos_r_factor(CODEC_PCMU, 5, 0, 0),
		    93.2 - 95 * 5 / (5 + 25.1), 1e-9);
	assert_true(mos_estimate(CODEC_PCMU, 5, 0, 0) < 4.0);
	assert_true(mos_estimate(CODEC_PCMU, 5, 0, 0) > 3.8);
	assert_true(mos_estimate(CODEC_PCMU, 20, 0, 0) < 3.0);
	/* G.729A, Bpl 19 */
	assert_near(mos_r_factor(CODEC_G729, 2, 0, 0),
		    93.2 - 11 - 84 * 2 / (2 + 19.0), 1e-9);
	/* everything lost: the formula's floor, Ie_eff 75.9 for G.711 */
	assert_near(mos_estimate(CODEC_PCMU, 100, 0, 0),
		    mos_from_r(93.2 - 95 * 100 / 125.1), 1e-9);
	for (size_t c = 0; c < NCODECS; c++)
		assert_true(mos_estimate(codecs[c], 100, 0, 0) < 1.5);
}

/* Ta = rtt/2 + 2 jitter + codec delay; Idd from 100 ms on. */
static void test_delay(void **state)
{
	(void)state;
	/* G.711: 20 ms of codec delay */
	assert_near(mos_r_factor(CODEC_PCMU, 0, 0, 160), 93.2, 1e-9);
	assert_near(mos_r_factor(CODEC_PCMU, 0, 0, 360), 93.2 - idd_200(),
		    1e-9);
	assert_near(mos_r_factor(CODEC_PCMU, 0, 45, 180), 93.2 - idd_200(),
		    1e-9);
	assert_near(mos_r_factor(CODEC_PCMU, 0, 0, 760), 93.2 - idd_400(),
		    1e-9);
	assert_near(idd_200(), 3.04, 0.01);
	assert_near(idd_400(), 24.08, 0.01);
	/* G.729: 25 ms; Opus: 26.5 ms */
	assert_near(mos_r_factor(CODEC_G729, 0, 0, 350), 82.2 - idd_200(),
		    1e-9);
	assert_near(mos_r_factor(CODEC_OPUS, 0, 0, 347), 93.2 - idd_200(),
		    1e-9);
	/* a satellite hop (600 ms round trip) with G.711: fair at best */
	assert_true(mos_estimate(CODEC_PCMU, 0, 10, 600) < 4.2);
	assert_true(mos_estimate(CODEC_PCMU, 0, 10, 600) > 3.5);
}

/* More loss, jitter or delay never raises the score. */
static void test_monotonic(void **state)
{
	(void)state;
	for (size_t c = 0; c < NCODECS; c++) {
		for (double l = 0; l < 100; l += 0.5)
			assert_true(mos_estimate(codecs[c], l + 0.5, 5, 50) <=
				    mos_estimate(codecs[c], l, 5, 50));
		for (double j = 0; j < 500; j += 2)
			assert_true(mos_estimate(codecs[c], 1, j + 2, 50) <=
				    mos_estimate(codecs[c], 1, j, 50));
		for (double t = 0; t < 3000; t += 10)
			assert_true(mos_estimate(codecs[c], 1, 5, t + 10) <=
				    mos_estimate(codecs[c], 1, 5, t));
		/* and strictly, once it matters */
		assert_true(mos_estimate(codecs[c], 3, 5, 50) <
			    mos_estimate(codecs[c], 1, 5, 50));
		assert_true(mos_estimate(codecs[c], 1, 5, 800) <
			    mos_estimate(codecs[c], 1, 5, 400));
		assert_true(mos_estimate(codecs[c], 1, 150, 50) <
			    mos_estimate(codecs[c], 1, 50, 50));
	}
	/* G.729 below G.711 at any loss */
	for (double l = 0; l <= 20; l += 1)
		assert_true(mos_estimate(CODEC_G729, l, 5, 50) <
			    mos_estimate(CODEC_PCMU, l, 5, 50));
}

/* Nonsense figures: negative or NaN count as 0, loss over 100 % as 100,
   infinite delay as very long;
   a codec we do not know gets no estimate. */
static void test_bad_figures(void **state)
{
	double clean = mos_estimate(CODEC_PCMU, 0, 0, 0);

	(void)state;
	assert_near(mos_estimate(CODEC_PCMU, -5, -1, -100), clean, 1e-9);
	assert_near(mos_estimate(CODEC_PCMU, NAN, NAN, NAN), clean, 1e-9);
	assert_near(mos_estimate(CODEC_PCMU, 250, 0, 0),
		    mos_estimate(CODEC_PCMU, 100, 0, 0), 1e-9);
	/* endless delay: Idd tends to 50, G.107's ceiling */
	assert_near(mos_estimate(CODEC_PCMU, 0, INFINITY, INFINITY),
		    mos_from_r(93.2 - 50), 0.01);
	assert_near(mos_estimate(CODEC_NONE, 0, 0, 0), 0, 1e-9);
	assert_near(mos_estimate(CODEC_COUNT, 0, 0, 0), 0, 1e-9);
	assert_near(mos_estimate((enum codec_id)-3, 0, 0, 0), 0, 1e-9);
	assert_near(mos_r_factor(CODEC_NONE, 0, 0, 0), 0, 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_to_mos),
		cmocka_unit_test(test_clean_calls),
		cmocka_unit_test(test_loss),
		cmocka_unit_test(test_delay),
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_bad_figures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
