/*
 * mos.c — estimated MOS by the ITU-T G.107 E-model (see mos.h).
 *
 * With every G.107 default (no echo, no noise, A = 0) R starts at 93.2;
 * what a leg's figures take away:
 *
 *   Idd, delay (G.107 (06/2015) 7.2, mT = 100 ms, sT = 1):
 *     0 for Ta <= 100 ms, else with X = log2(Ta / 100)
 *     25 * ((1 + X^6)^(1/6) - 3 (1 + (X/3)^6)^(1/6) + 2)
 *   Ie_eff, codec and loss (G.107 7.4, random loss: BurstR = 1):
 *     Ie + (95 - Ie) * Ppl / (Ppl + Bpl)
 *
 * Codec constants (ITU-T G.113 Appendix I where it has them):
 *   codec       Ie   Bpl    delay  why
 *   PCMU/PCMA    0   25.1   20 ms  G.711 with packet loss concealment
 *                                  (phones conceal; without it Bpl is 4.3)
 *   G.729       11   19.0   25 ms  G.729A + VAD; 10 ms frames + 5 ms
 *                                  look-ahead, 20 ms packets
 *   G.722        0   25.1   20 ms  no narrowband Ie: a wideband codec is
 *                                  scored as G.711 at its best; Bpl as
 *                                  G.711 with PLC (a sample codec too)
 *   Opus         0   25.1   26.5   not in G.113: our encoder sends
 *                                  wideband at 32 kbit/s (not worse than
 *                                  G.711); Bpl as G.711 with PLC, modest
 *                                  for Opus's PLC and in-band FEC; 20 ms
 *                                  frames + 6.5 ms look-ahead (RFC 6716)
 * The delay column is packetisation plus look-ahead, for 20 ms packets.
 * The jitter buffer is taken to hold twice the measured jitter.
 *
 * So G.711 with no loss and little delay scores R 93.2, MOS 4.41: the top
 * of the narrowband scale, which is what the figure means in call records.
 */
#include <math.h>
#include "mos.h"

#define R_DEFAULT 93.2

struct impairment {
	double ie, bpl, delay_ms;
};

static const struct impairment impairments[CODEC_COUNT] = {
	[CODEC_PCMU] = {0, 25.1, 20},
	[CODEC_PCMA] = {0, 25.1, 20},
	[CODEC_G722] = {0, 25.1, 20},
	[CODEC_G729] = {11, 19.0, 25},
	[CODEC_OPUS] = {0, 25.1, 26.5},
};

/* Negative and NaN figures count as 0, and above max as max. */
static double figure(double x, double max)
{
	if (!(x > 0))
		return 0;
	return x < max ? x : max;
}

static double delay_impairment(double ta_ms)
{
	double x, a, b;

	if (ta_ms <= 100)
		return 0;
	x = log2(ta_ms / 100);
	a = pow(1 + pow(x, 6), 1.0 / 6);
	b = pow(1 + pow(x / 3, 6), 1.0 / 6);
	return 25 * (a - 3 * b + 2);
}

static double codec_impairment(const struct impairment *c, double ppl)
{
	return c->ie + (95 - c->ie) * ppl / (ppl + c->bpl);
}

double mos_r_factor(enum codec_id codec, double loss_pct, double jitter_ms,
		    double rtt_ms)
{
	const struct impairment *c;
	double ta;

	if (codec <= CODEC_NONE || codec >= CODEC_COUNT)
		return 0;
	c = &impairments[codec];
	ta = figure(rtt_ms, 1e6) / 2 + 2 * figure(jitter_ms, 1e6) +
	     c->delay_ms;
	return R_DEFAULT - delay_impairment(ta) -
	       codec_impairment(c, figure(loss_pct, 100));
}

double mos_from_r(double r)
{
	double mos;

	if (!(r > 0))
		return 1;
	if (r >= 100)
		return 4.5;
	mos = 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
	return mos < 1 ? 1 : mos > 4.5 ? 4.5 : mos;
}

double mos_estimate(enum codec_id codec, double loss_pct, double jitter_ms,
		    double rtt_ms)
{
	if (codec <= CODEC_NONE || codec >= CODEC_COUNT)
		return 0;
	return mos_from_r(mos_r_factor(codec, loss_pct, jitter_ms, rtt_ms));
}
