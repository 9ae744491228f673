/*
 * codec.h — the audio codecs the media engine transcodes between, a
 * rational polyphase resampler, and the per-direction transcoder that a
 * bridge uses when its two legs speak different codecs.
 *
 * Internal to src/media/ (and its unit tests). Everything here runs on a
 * media thread; states are created once per bridge direction, never per
 * packet, and the packet path works in the thread's scratch buffers.
 *
 *   codec   RTP clock   audio rate   frame
 *   PCMU    8000        8000         any number of samples
 *   PCMA    8000        8000         any
 *   G722    8000        16000        2 samples a byte (RFC 3551 clock)
 *   G729    8000        8000         10 ms (80 samples -> 10 bytes)
 *   opus    48000       48000        2.5/5/10/20/40/60 ms, mono here
 */
#ifndef HOTLINE_MEDIA_CODEC_H
#define HOTLINE_MEDIA_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum codec_id {
	CODEC_NONE = 0,
	CODEC_PCMU,
	CODEC_PCMA,
	CODEC_G722,
	CODEC_G729,
	CODEC_OPUS,
	CODEC_COUNT
};

struct codec_info {
	enum codec_id id;
	const char *name;       /* as in SDP */
	uint32_t clock;         /* RTP clock rate */
	uint32_t srate;         /* audio sample rate of the decoded PCM */
	unsigned frame_ms;      /* packets are multiples of this (0: any) */
};

/* Longest audio one packet may carry through a transcoder (longer packets
   are cut), and the largest PCM block the scratch buffers hold (48 kHz). */
enum {
	CODEC_MAX_MS = 240,
	CODEC_PCM_MAX = 48 * (CODEC_MAX_MS + 2 * 120),
};

/* NULL: not a codec we can decode/encode. rate 0 matches any. */
const struct codec_info *codec_find(const char *name, uint32_t rate);
const struct codec_info *codec_get(enum codec_id id);

struct codec_enc;
struct codec_dec;

int  codec_enc_alloc(struct codec_enc **ep, enum codec_id id);
void codec_enc_free(struct codec_enc *e);
/* Encodes n samples (a whole number of the codec's frames) into out;
   returns the payload length, or -1. */
int  codec_encode(struct codec_enc *e, const int16_t *pcm, size_t n,
		  uint8_t *out, size_t size);
/* Opus: the audio bandwidth the source really has (8000, 16000, 48000). */
void codec_enc_source_rate(struct codec_enc *e, uint32_t srate);

int  codec_dec_alloc(struct codec_dec **dp, enum codec_id id);
void codec_dec_free(struct codec_dec *d);
/* Decodes one RTP payload into at most max samples; returns the number of
   samples (at the codec's srate), or -1. */
int  codec_decode(struct codec_dec *d, const uint8_t *in, size_t len,
		  int16_t *pcm, size_t max);
/* Fills n missing samples (a lost stretch before the packet in/len, which
   may carry in-band FEC for it; in NULL: none). Opus only: others return
   0 and the caller leaves the gap. */
int  codec_conceal(struct codec_dec *d, const uint8_t *in, size_t len,
		   int16_t *pcm, size_t n);
/* Samples an RTP payload decodes to without decoding it (-1: unknown). */
int  codec_payload_samples(enum codec_id id, const uint8_t *in, size_t len);

/* ---- resampler --------------------------------------------------------- */

enum { RS_TAPS_MAX = 256, RS_PHASES_MAX = 16000 };

struct resampler {
	uint32_t in_rate, out_rate;
	unsigned up, down;      /* out/in = up/down, reduced */
	unsigned taps;          /* per phase */
	const float *h;         /* [up][taps], shared table (or own) */
	float *own;             /* resampler_init_any()'s table, or NULL */
	unsigned long t;        /* next output's position, in 1/up input units */
	int16_t hist[RS_TAPS_MAX];  /* last taps-1 input samples */
};

/* Rates among 8000, 16000, 48000, and 22050 -> 16000 (speech synthesis);
   equal rates: a copy. Other pairs: ENOTSUP. */
int    resampler_init(struct resampler *r, uint32_t in_rate,
		      uint32_t out_rate);
/* Any pair of rates whose reduced ratio has at most RS_PHASES_MAX phases
   and needs at most RS_TAPS_MAX taps (ENOTSUP otherwise), for files
   rather than packets: it may build a table of its own, which
   resampler_release() frees. */
int    resampler_init_any(struct resampler *r, uint32_t in_rate,
			  uint32_t out_rate);
void   resampler_release(struct resampler *r);
/* The filter's delay in output samples (outputs to drop at the start to
   line the output up with the input). */
unsigned resampler_delay(const struct resampler *r);
/* Resamples n input samples, appending at most max outputs; tmp holds at
   least n + RS_TAPS_MAX samples. Returns the number of outputs. */
size_t resample(struct resampler *r, const int16_t *in, size_t n,
		int16_t *out, size_t max, int16_t *tmp);

/* ---- transcoder: one direction of a bridge ---------------------------- */

struct xcode_scratch {
	int16_t dec[CODEC_PCM_MAX];
	int16_t work[CODEC_PCM_MAX + 48 * 60];
	int16_t tmp[CODEC_PCM_MAX + RS_TAPS_MAX];
	uint8_t pkt[1500];
};

struct xcoder;

/* in and out: the two sides' codecs; out_ptime: the ms per packet sent
   (rounded to what the codec supports). */
int  xcoder_alloc(struct xcoder **xp, enum codec_id in, enum codec_id out,
		  unsigned out_ptime);
void xcoder_free(struct xcoder *x);
bool xcoder_matches(const struct xcoder *x, enum codec_id in,
		    enum codec_id out, unsigned out_ptime);

typedef void (xcoder_emit_h)(const uint8_t *pkt, size_t len, void *arg);

/* One received audio packet: decoded, resampled and re-encoded into zero or
   more packets of out_pt, each handed to emit as a whole RTP packet (own
   SSRC, sequence numbers and timestamps in the output clock). */
void xcoder_audio(struct xcoder *x, struct xcode_scratch *s,
		  const uint8_t *payload, size_t plen, uint16_t seq,
		  uint32_t ts, bool marker, uint8_t out_pt,
		  xcoder_emit_h *emit, void *arg);
/* An RFC 4733 event packet, rewritten in place into the output stream:
   payload type, sequence, SSRC, timestamp (mapped to the output clock)
   and duration scaled by out_ev_rate/in_ev_rate. */
void xcoder_event(struct xcoder *x, uint8_t *p, size_t off, size_t plen,
		  uint32_t ts, uint8_t out_pt, uint32_t in_ev_rate,
		  uint32_t out_ev_rate);

#endif
