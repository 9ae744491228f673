/*
 * mos.h — the estimated listening quality of a call leg (MOS, 1 to 4.5,
 * the txMos/rxMos of call records) from its codec and RTP figures, by the
 * ITU-T G.107 E-model in the simplified form monitoring tools use:
 *
 *   R   = 93.2 - Idd(Ta) - Ie_eff          (G.107 defaults, no echo terms)
 *   Ta  = rtt/2 + 2 * jitter + codec delay (one-way delay, ms)
 *   MOS = 1 + 0.035 R + R (R - 60)(100 - R) 7e-6, within 1..4.5
 *
 * Pure functions: any thread. Constants and their sources in mos.c.
 */
#ifndef HOTLINE_MEDIA_MOS_H
#define HOTLINE_MEDIA_MOS_H

#include "codec.h"

/* loss_pct: packets lost, in percent (0-100); jitter_ms: RFC 3550
   interarrival jitter; rtt_ms: RTCP round-trip time (0 if unknown).
   Negative or NaN figures count as 0, delays over 1000 s as 1000 s. 0
   for a codec we do not know. */
double mos_estimate(enum codec_id codec, double loss_pct, double jitter_ms,
		    double rtt_ms);
/* The R factor behind it (0 for an unknown codec). */
double mos_r_factor(enum codec_id codec, double loss_pct, double jitter_ms,
		    double rtt_ms);
/* G.107's R -> MOS mapping: 1 for R <= 0, 4.5 for R >= 100. */
double mos_from_r(double r);

#endif
