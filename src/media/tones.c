/*
 * tones.c — call-progress tones by country and their generator (see
 * tones.h).
 *
 * The tables. Frequencies and cadences as Asterisk's indications.conf has
 * them for [cn] and [us], which follow the national plans:
 *   China (YD/T 1008, GB/T signal tones): every tone 450 Hz at -10 dBm0
 *   (the plan's 450 ± 25 Hz, -10 ± 3 dBm0); dial continuous, ringback 1 s
 *   on 4 s off, busy 0.35/0.35 s, congestion 0.7/0.7 s, call waiting
 *   0.4 s on 4 s off.
 *   North America (the precise tone plan, ITU-T E.180 and E.300
 *   Supplement 3): dial 350+440 Hz at -13 dBm0, ringback 440+480 Hz at
 *   -19 dBm0 2 s on 4 s off, busy 480+620 Hz at -24 dBm0 0.5/0.5 s,
 *   reorder (congestion) the same at 0.25/0.25 s; call waiting 440 Hz
 *   0.3 s every 10.3 s at -13 dBm0.
 * The beep (1000 Hz, 0.25 s, once) and the confirmation tone (three
 * 0.1 s bursts of 1400 Hz, 0.1 s apart, once) are the switch's own and
 * the same in every country, at -13 dBm0.
 *
 * Levels: 0 dBm0 is a sine whose peak is 3.14 dB under full scale (where
 * G.711 A-law overloads; spandsp and Asterisk use the same reference), so
 * a 16-bit peak of 22826; -10 dBm0 peaks at 7218, -13 dBm0 at 5110. Each
 * frequency of a dual tone has the level given.
 *
 * Generation: a 32-bit phase accumulator per frequency and sinf(), so the
 * frequency is exact to 1/100000 Hz and the phase never drifts however
 * long a dial tone plays. Each burst starts at phase 0 and has 5 ms linear
 * ramps at both edges (a hard edge is an audible click). The state lives
 * in the caller's struct tone_player; one fill or many give the same
 * samples.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include "tones.h"

#define DBM0_PEAK 22826.36f     /* 32767 * 10^(-3.14/20) */
#define TWO_PI_2_24 (6.28318530717958648f / 16777216.0f)

enum { RAMP_MS = 5, RATE_MIN = 8000, RATE_MAX = 48000 };

/* ---- the tables --------------------------------------------------------- */

#define BEEP    {"beep", {1000, 0}, -13, {250}, true}
#define CONFIRM {"confirm", {1400, 0}, -13, {100, 100, 100, 100, 100}, true}

static const struct tone_def cn_tones[TONE_KIND_COUNT] = {
	[TONE_DIAL]         = {"dial", {450, 0}, -10, {0}, false},
	[TONE_RINGBACK]     = {"ringback", {450, 0}, -10, {1000, 4000}, false},
	[TONE_BUSY]         = {"busy", {450, 0}, -10, {350, 350}, false},
	[TONE_CONGESTION]   = {"congestion", {450, 0}, -10, {700, 700}, false},
	[TONE_CALL_WAITING] = {"call_waiting", {450, 0}, -10, {400, 4000},
			       false},
	[TONE_BEEP]         = BEEP,
	[TONE_CONFIRM]      = CONFIRM,
};

static const struct tone_def us_tones[TONE_KIND_COUNT] = {
	[TONE_DIAL]         = {"dial", {350, 440}, -13, {0}, false},
	[TONE_RINGBACK]     = {"ringback", {440, 480}, -19, {2000, 4000},
			       false},
	[TONE_BUSY]         = {"busy", {480, 620}, -24, {500, 500}, false},
	[TONE_CONGESTION]   = {"congestion", {480, 620}, -24, {250, 250},
			       false},
	[TONE_CALL_WAITING] = {"call_waiting", {440, 0}, -13, {300, 10000},
			       false},
	[TONE_BEEP]         = BEEP,
	[TONE_CONFIRM]      = CONFIRM,
};

static const struct {
	const char *country;
	const struct tone_def *tones;
} profiles[] = {
	{"CN", cn_tones},
	{"US", us_tones},
	{"NA", us_tones},
	{"CA", us_tones},
};

const struct tone_def *tone_find(const char *country, enum tone_kind kind)
{
	size_t count = sizeof(profiles) / sizeof(profiles[0]);
	const struct tone_def *tones = cn_tones;

	if ((unsigned)kind >= TONE_KIND_COUNT)
		return NULL;
	for (size_t i = 0; country && i < count; i++)
		if (!strcasecmp(country, profiles[i].country))
			tones = profiles[i].tones;
	return &tones[kind];
}

/* ---- the player --------------------------------------------------------- */

int tone_player_init(struct tone_player *p, const struct tone_def *d,
		     uint32_t srate)
{
	if (!p || !d || !d->freq[0] || srate < RATE_MIN || srate > RATE_MAX)
		return EINVAL;
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < 2; i++) {
		if (2u * d->freq[i] >= srate)
			return EINVAL;
		p->step[i] = (uint32_t)llround(d->freq[i] * 4294967296.0 /
					       srate);
	}
	while (p->segs < TONE_CADENCE_MAX && d->cadence[p->segs]) {
		p->seg_len[p->segs] = (uint32_t)((uint64_t)d->cadence[p->segs] *
						 srate / 1000);
		p->segs++;
	}
	p->amp = DBM0_PEAK * powf(10.0f, d->level / 20.0f);
	p->ramp = RAMP_MS * srate / 1000;
	p->def = d;
	return 0;
}

/* The envelope at sample i of a burst of len samples (0: endless). */
static float envelope(const struct tone_player *p, uint32_t i, uint32_t len)
{
	uint32_t ramp = len && len < 2 * p->ramp ? len / 2 : p->ramp;
	float g = 1.0f;

	if (!ramp)
		return g;
	if (i < ramp)
		g = (i + 0.5f) / ramp;
	if (len && len - i <= ramp)
		g = fminf(g, (len - i - 0.5f) / ramp);
	return g;
}

static int16_t clip16(float v)
{
	if (v >= 32767.0f)
		return 32767;
	if (v <= -32768.0f)
		return -32768;
	return (int16_t)lrintf(v);
}

/* One phase step of both frequencies; the top 24 bits are the angle. */
static float oscillate(struct tone_player *p)
{
	float v = sinf((float)(p->phase[0] >> 8) * TWO_PI_2_24);

	if (p->step[1])
		v += sinf((float)(p->phase[1] >> 8) * TWO_PI_2_24);
	p->phase[0] += p->step[0];
	p->phase[1] += p->step[1];
	return v;
}

static void sound(struct tone_player *p, int16_t *out, size_t n)
{
	uint32_t len = p->segs ? p->seg_len[p->seg] : 0;

	for (size_t j = 0; j < n; j++)
		out[j] = clip16(oscillate(p) * p->amp *
				envelope(p, p->pos + (uint32_t)j, len));
}

/* Even segments sound, odd ones are silence; a burst starts at phase 0. */
static void next_segment(struct tone_player *p)
{
	p->pos = 0;
	if (++p->seg == p->segs) {
		p->seg = 0;
		p->done = p->def->once;
	}
	if (p->seg % 2 == 0)
		p->phase[0] = p->phase[1] = 0;
}

/* Samples to write before the segment ends (all of want if it never does). */
static size_t segment_room(const struct tone_player *p, size_t want)
{
	size_t left;

	if (!p->segs)
		return want;
	left = p->seg_len[p->seg] - p->pos;
	return want < left ? want : left;
}

static void advance(struct tone_player *p, size_t k)
{
	if (!p->segs) {         /* endless: pos only matters for the ramp */
		p->pos = k >= p->ramp - p->pos ? p->ramp : p->pos + (uint32_t)k;
		return;
	}
	p->pos += (uint32_t)k;
	if (p->pos == p->seg_len[p->seg])
		next_segment(p);
}

size_t tone_player_fill(struct tone_player *p, int16_t *pcm, size_t n)
{
	size_t written = 0;

	if (!p || !p->def || !pcm)
		return 0;
	while (written < n && !p->done) {
		size_t k = segment_room(p, n - written);

		if (p->seg % 2 == 0)
			sound(p, pcm + written, k);
		else
			memset(pcm + written, 0, k * sizeof(*pcm));
		advance(p, k);
		written += k;
	}
	return written;
}

bool tone_player_done(const struct tone_player *p)
{
	return !p || !p->def || p->done;
}
