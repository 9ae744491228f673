/*
 * codec.c — encoders and decoders of the codecs the media engine
 * transcodes (G.711 from librem, G.722 from spandsp, G.729 from bcg729,
 * Opus from libopus), and a rational polyphase resampler.
 *
 * The resampler: a Kaiser-windowed sinc low-pass at the lower rate's
 * Nyquist frequency (cut-off at 0.94 of it, ~70 dB stop band), split into
 * `up` phases of `taps` coefficients each. Each output sample is one dot
 * product over the input history, so 8 kHz -> 48 kHz costs 32
 * multiply-adds an output sample and 48 kHz -> 8 kHz 192. The tables are
 * built once for every pair of 8/16/48 kHz, and for 22050 -> 16000 Hz
 * (espeak-ng's voice into 16 kHz prompts), and shared by all threads;
 * other pairs (uploaded files at 44.1 kHz...) get a table of their own
 * from resampler_init_any().
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <rem_g711.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
#include <bcg729/encoder.h>
#include <bcg729/decoder.h>
#include <opus.h>
#include "codec.h"

/* ---- the codec table ---------------------------------------------------- */

static const struct codec_info codecs[CODEC_COUNT] = {
	[CODEC_PCMU] = {CODEC_PCMU, "PCMU", 8000, 8000, 0},
	[CODEC_PCMA] = {CODEC_PCMA, "PCMA", 8000, 8000, 0},
	[CODEC_G722] = {CODEC_G722, "G722", 8000, 16000, 0},
	[CODEC_G729] = {CODEC_G729, "G729", 8000, 8000, 10},
	[CODEC_OPUS] = {CODEC_OPUS, "opus", 48000, 48000, 10},
};

const struct codec_info *codec_find(const char *name, uint32_t rate)
{
	if (!name)
		return NULL;
	for (int i = 1; i < CODEC_COUNT; i++)
		if (!strcasecmp(name, codecs[i].name) &&
		    (!rate || rate == codecs[i].clock))
			return &codecs[i];
	return NULL;
}

const struct codec_info *codec_get(enum codec_id id)
{
	return id > CODEC_NONE && id < CODEC_COUNT ? &codecs[id] : NULL;
}

/* ---- encoders ---------------------------------------------------------- */

enum { G729_FRAME = 80, G729_BYTES = 10, G729_SID = 2,
       OPUS_MAX_FRAME = 5760 };

struct codec_enc {
	enum codec_id id;
	g722_encode_state_t *g722;
	bcg729EncoderChannelContextStruct *g729;
	OpusEncoder *opus;
};

struct codec_dec {
	enum codec_id id;
	g722_decode_state_t *g722;
	bcg729DecoderChannelContextStruct *g729;
	OpusDecoder *opus;
};

int codec_enc_alloc(struct codec_enc **ep, enum codec_id id)
{
	struct codec_enc *e;
	int err = 0;

	if (!ep || !codec_get(id))
		return EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return ENOMEM;
	e->id = id;
	switch (id) {
	case CODEC_G722:
		e->g722 = g722_encode_init(NULL, 64000, 0);
		err = e->g722 ? 0 : ENOMEM;
		break;
	case CODEC_G729:
		e->g729 = initBcg729EncoderChannel(0);
		err = e->g729 ? 0 : ENOMEM;
		break;
	case CODEC_OPUS: {
		int oerr = 0;

		e->opus = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP,
					      &oerr);
		if (!e->opus || oerr != OPUS_OK) {
			err = ENOMEM;
			break;
		}
		/* Complexity 5: about half the CPU of the default 9 for
		   speech that sounds the same on a phone. */
		(void)opus_encoder_ctl(e->opus, OPUS_SET_COMPLEXITY(5));
		(void)opus_encoder_ctl(e->opus, OPUS_SET_SIGNAL(
						       OPUS_SIGNAL_VOICE));
		(void)opus_encoder_ctl(e->opus, OPUS_SET_BITRATE(32000));
		(void)opus_encoder_ctl(e->opus, OPUS_SET_INBAND_FEC(1));
		(void)opus_encoder_ctl(e->opus, OPUS_SET_PACKET_LOSS_PERC(5));
		break;
	}
	default:
		break;
	}
	if (err) {
		codec_enc_free(e);
		return err;
	}
	*ep = e;
	return 0;
}

void codec_enc_free(struct codec_enc *e)
{
	if (!e)
		return;
	if (e->g722)
		g722_encode_free(e->g722);
	if (e->g729)
		closeBcg729EncoderChannel(e->g729);
	if (e->opus)
		opus_encoder_destroy(e->opus);
	free(e);
}

void codec_enc_source_rate(struct codec_enc *e, uint32_t srate)
{
	int bw = srate <= 8000 ? OPUS_BANDWIDTH_NARROWBAND :
		 srate <= 16000 ? OPUS_BANDWIDTH_WIDEBAND :
		 OPUS_BANDWIDTH_FULLBAND;

	if (e && e->opus) {
		(void)opus_encoder_ctl(e->opus, OPUS_SET_MAX_BANDWIDTH(bw));
		(void)opus_encoder_ctl(e->opus, OPUS_SET_BITRATE(
				srate <= 8000 ? 20000 : 32000));
	}
}

int codec_encode(struct codec_enc *e, const int16_t *pcm, size_t n,
		 uint8_t *out, size_t size)
{
	size_t i;

	if (!e || !pcm || !out)
		return -1;
	switch (e->id) {
	case CODEC_PCMU:
		if (n > size)
			return -1;
		for (i = 0; i < n; i++)
			out[i] = g711_pcm2ulaw(pcm[i]);
		return (int)n;
	case CODEC_PCMA:
		if (n > size)
			return -1;
		for (i = 0; i < n; i++)
			out[i] = g711_pcm2alaw(pcm[i]);
		return (int)n;
	case CODEC_G722:
		if (n / 2 > size || n > INT32_MAX)
			return -1;
		return g722_encode(e->g722, out, pcm, (int)n);
	case CODEC_G729: {
		size_t len = 0;

		if (n % G729_FRAME || n / G729_FRAME * G729_BYTES > size)
			return -1;
		for (i = 0; i < n; i += G729_FRAME) {
			uint8_t blen = 0;

			bcg729Encoder(e->g729, pcm + i, out + len, &blen);
			len += blen;
		}
		return (int)len;
	}
	case CODEC_OPUS: {
		int r;

		if (n > OPUS_MAX_FRAME || size > INT32_MAX)
			return -1;
		r = opus_encode(e->opus, pcm, (int)n, out, (opus_int32)size);
		return r < 0 ? -1 : r;
	}
	default:
		return -1;
	}
}

/* ---- decoders ---------------------------------------------------------- */

int codec_dec_alloc(struct codec_dec **dp, enum codec_id id)
{
	struct codec_dec *d;
	int err = 0;

	if (!dp || !codec_get(id))
		return EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return ENOMEM;
	d->id = id;
	switch (id) {
	case CODEC_G722:
		d->g722 = g722_decode_init(NULL, 64000, 0);
		err = d->g722 ? 0 : ENOMEM;
		break;
	case CODEC_G729:
		d->g729 = initBcg729DecoderChannel();
		err = d->g729 ? 0 : ENOMEM;
		break;
	case CODEC_OPUS: {
		int oerr = 0;

		d->opus = opus_decoder_create(48000, 1, &oerr);
		err = d->opus && oerr == OPUS_OK ? 0 : ENOMEM;
		break;
	}
	default:
		break;
	}
	if (err) {
		codec_dec_free(d);
		return err;
	}
	*dp = d;
	return 0;
}

void codec_dec_free(struct codec_dec *d)
{
	if (!d)
		return;
	if (d->g722)
		g722_decode_free(d->g722);
	if (d->g729)
		closeBcg729DecoderChannel(d->g729);
	if (d->opus)
		opus_decoder_destroy(d->opus);
	free(d);
}

int codec_payload_samples(enum codec_id id, const uint8_t *in, size_t len)
{
	int n;

	switch (id) {
	case CODEC_PCMU:
	case CODEC_PCMA:
		return len > INT32_MAX ? -1 : (int)len;
	case CODEC_G722:
		return len > INT32_MAX / 2 ? -1 : (int)(2 * len);
	case CODEC_G729:
		/* 10-byte frames, and a trailing 2-byte SID (Annex B) */
		return (int)((len / G729_BYTES +
			      (len % G729_BYTES == G729_SID)) * G729_FRAME);
	case CODEC_OPUS:
		if (!len || len > INT32_MAX)
			return -1;
		n = opus_packet_get_nb_samples(in, (opus_int32)len, 48000);
		return n < 0 ? -1 : n;
	default:
		return -1;
	}
}

int codec_decode(struct codec_dec *d, const uint8_t *in, size_t len,
		 int16_t *pcm, size_t max)
{
	size_t i;

	if (!d || !in || !pcm)
		return -1;
	switch (d->id) {
	case CODEC_PCMU:
		len = len < max ? len : max;
		for (i = 0; i < len; i++)
			pcm[i] = g711_ulaw2pcm(in[i]);
		return (int)len;
	case CODEC_PCMA:
		len = len < max ? len : max;
		for (i = 0; i < len; i++)
			pcm[i] = g711_alaw2pcm(in[i]);
		return (int)len;
	case CODEC_G722:
		len = len < max / 2 ? len : max / 2;
		return g722_decode(d->g722, pcm, in, (int)len);
	case CODEC_G729: {
		size_t n = 0;

		for (i = 0; i + G729_BYTES <= len &&
		     n + G729_FRAME <= max; i += G729_BYTES) {
			bcg729Decoder(d->g729, in + i, G729_BYTES, 0, 0, 0,
				      pcm + n);
			n += G729_FRAME;
		}
		if (len - i == G729_SID && n + G729_FRAME <= max) {
			bcg729Decoder(d->g729, in + i, G729_SID, 0, 1, 0,
				      pcm + n);
			n += G729_FRAME;
		}
		return (int)n;
	}
	case CODEC_OPUS: {
		int n;

		if (!len || len > INT32_MAX)
			return -1;
		if (max > OPUS_MAX_FRAME)
			max = OPUS_MAX_FRAME;
		n = opus_decode(d->opus, in, (opus_int32)len, pcm, (int)max,
				0);
		return n < 0 ? -1 : n;
	}
	default:
		return -1;
	}
}

int codec_conceal(struct codec_dec *d, const uint8_t *in, size_t len,
		  int16_t *pcm, size_t n)
{
	int r;

	/* libopus wants whole 2.5 ms steps, at most 120 ms */
	if (!d || !d->opus || !n || n % 120 || n > OPUS_MAX_FRAME ||
	    len > INT32_MAX)
		return 0;
	if (in && len)
		r = opus_decode(d->opus, in, (opus_int32)len, pcm, (int)n, 1);
	else
		r = opus_decode(d->opus, NULL, 0, pcm, (int)n, 0);
	return r < 0 ? 0 : r;
}

/* ---- resampler --------------------------------------------------------- */

enum { RS_TAPS = 32, RS_PAIRS = 7 };

static const struct { unsigned up, down; } rs_pairs[RS_PAIRS] = {
	{2, 1}, {1, 2}, {3, 1}, {1, 3}, {6, 1}, {1, 6},
	{320, 441},     /* 22050 -> 16000 */
};
static float *rs_tables[RS_PAIRS];
static pthread_once_t rs_once = PTHREAD_ONCE_INIT;

static double bessel_i0(double x)
{
	double sum = 1, term = 1;

	for (int k = 1; k < 50; k++) {
		term *= (x / (2 * k)) * (x / (2 * k));
		sum += term;
		if (term < 1e-12 * sum)
			break;
	}
	return sum;
}

/* Taps per phase: RS_TAPS per step of the slower side, rounded up to a
   multiple of 4 (the dot product works in fours). */
static unsigned taps_for(unsigned up, unsigned down)
{
	unsigned f = up > down ? up : down;
	unsigned long taps = ((unsigned long)RS_TAPS * f + up - 1) / up;

	return (unsigned)((taps + 3) / 4 * 4);
}

/* The prototype low-pass at up*in rate, stored as [phase][tap]. */
static float *design(unsigned up, unsigned down)
{
	unsigned f = up > down ? up : down;
	unsigned taps = taps_for(up, down), n = taps * up;
	double wc = 0.94 * 0.5 / f;     /* cycles per prototype sample */
	double beta = 7.0, c = (n - 1) / 2.0, sum = 0;
	double *h = malloc(n * sizeof(*h));
	float *t = malloc(n * sizeof(*t));

	if (!h || !t) {
		free(h);
		free(t);
		return NULL;
	}
	for (unsigned j = 0; j < n; j++) {
		double x = j - c, r = x / c;
		double s = x == 0 ? 2 * wc : sin(2 * M_PI * wc * x) / (M_PI * x);

		h[j] = s * bessel_i0(beta * sqrt(1 - r * r)) / bessel_i0(beta);
		sum += h[j];
	}
	for (unsigned p = 0; p < up; p++)
		for (unsigned k = 0; k < taps; k++)
			t[p * taps + k] = (float)(h[p + k * up] * up / sum);
	free(h);
	return t;
}

static void rs_build(void)
{
	for (int i = 0; i < RS_PAIRS; i++)
		rs_tables[i] = design(rs_pairs[i].up, rs_pairs[i].down);
}

static unsigned gcd(unsigned a, unsigned b)
{
	while (b) {
		unsigned t = a % b;

		a = b;
		b = t;
	}
	return a;
}

int resampler_init(struct resampler *r, uint32_t in_rate, uint32_t out_rate)
{
	unsigned g;

	if (!r || !in_rate || !out_rate)
		return EINVAL;
	memset(r, 0, sizeof(*r));
	r->in_rate = in_rate;
	r->out_rate = out_rate;
	g = gcd(in_rate, out_rate);
	r->up = out_rate / g;
	r->down = in_rate / g;
	if (r->up == r->down)
		return 0;
	(void)pthread_once(&rs_once, rs_build);
	for (int i = 0; i < RS_PAIRS; i++) {
		if (rs_pairs[i].up != r->up || rs_pairs[i].down != r->down)
			continue;
		if (!rs_tables[i])
			return ENOMEM;
		r->h = rs_tables[i];
		r->taps = taps_for(r->up, r->down);
		return 0;
	}
	return ENOTSUP;
}

int resampler_init_any(struct resampler *r, uint32_t in_rate,
		       uint32_t out_rate)
{
	int err = resampler_init(r, in_rate, out_rate);

	if (err != ENOTSUP)
		return err;
	r->taps = taps_for(r->up, r->down);
	if (r->taps > RS_TAPS_MAX || r->up > RS_PHASES_MAX)
		return ENOTSUP;
	r->own = design(r->up, r->down);
	if (!r->own)
		return ENOMEM;
	r->h = r->own;
	return 0;
}

void resampler_release(struct resampler *r)
{
	if (!r)
		return;
	free(r->own);
	r->own = NULL;
	r->h = NULL;
}

unsigned resampler_delay(const struct resampler *r)
{
	if (r->up == r->down)
		return 0;
	/* the prototype's centre, (taps*up - 1)/2 at up*in rate, in outputs */
	return (unsigned)(((unsigned long)r->taps * r->up - 1) /
			  (2UL * r->down));
}

static inline int16_t clip16(float v)
{
	if (v >= 32767.0f)
		return 32767;
	if (v <= -32768.0f)
		return -32768;
	return (int16_t)lrintf(v);
}

size_t resample(struct resampler *r, const int16_t *in, size_t n,
		int16_t *out, size_t max, int16_t *tmp)
{
	unsigned taps = r->taps, up = r->up, down = r->down;
	size_t nout = 0, hist = taps ? taps - 1 : 0;
	unsigned long t = r->t;

	if (up == down) {
		n = n < max ? n : max;
		memmove(out, in, n * sizeof(*out));
		return n;
	}
	/* tmp: the last taps-1 inputs, then this block: x[i] = tmp[i+hist] */
	memcpy(tmp, r->hist, hist * sizeof(*tmp));
	memcpy(tmp + hist, in, n * sizeof(*tmp));
	while (t / up < n && nout < max) {
		size_t i = t / up;
		const float *h = r->h + (t % up) * taps;
		const int16_t *x = tmp + hist + i;
		float a0 = 0, a1 = 0, a2 = 0, a3 = 0;

		/* taps is a multiple of 4: four sums, no dependency chain */
		for (unsigned k = 0; k < taps; k += 4) {
			a0 += h[k] * (float)x[-(long)k];
			a1 += h[k + 1] * (float)x[-(long)k - 1];
			a2 += h[k + 2] * (float)x[-(long)k - 2];
			a3 += h[k + 3] * (float)x[-(long)k - 3];
		}
		out[nout++] = clip16((a0 + a1) + (a2 + a3));
		t += down;
	}
	r->t = t >= n * up ? t - n * up : 0;
	memcpy(r->hist, tmp + n, hist * sizeof(*tmp));
	return nout;
}
