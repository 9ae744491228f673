/*
 * xcode.c — one direction of a transcoded bridge: decode what one leg
 * sends, resample to the other codec's rate, encode in packets of the
 * other leg's ptime.
 *
 * The output is a stream of its own (own SSRC and sequence numbers), with
 * timestamps in the output clock mapped from the input's: each packet's
 * first sample lands at map(input ts), so silence, talk spurts and DTMF
 * keep their timing. Samples short of a whole output packet wait in `left`
 * for the next input packet (only when the two ptimes differ); a jump in
 * the input timeline drops them. An Opus input with a sequence gap has the
 * lost stretch concealed (in-band FEC if the next packet has it, PLC
 * otherwise); other decoders leave the gap to the far end's jitter buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "codec.h"

enum { MAX_PTIME = 60, MAX_JUMP_S = 10, MAX_CONCEAL_PKTS = 6 };

struct xcoder {
	enum codec_id in, out;
	unsigned out_ptime;
	const struct codec_info *ci, *co;
	struct codec_dec *dec;
	struct codec_enc *enc;
	struct resampler rs;
	size_t frame;           /* output samples a packet (co->srate) */
	uint32_t frame_ticks;   /* in the output RTP clock */
	int16_t *left;          /* < frame samples waiting (co->srate) */
	size_t nleft;
	uint32_t left_ts;       /* output ts of left[0] (or the next packet) */
	bool mapped;            /* map_in/map_out are set */
	uint32_t map_in, map_out;
	bool have_next;
	uint32_t next_in_ts;    /* input ts right after the last packet */
	uint16_t last_seq;
	uint16_t out_seq;
	uint32_t ssrc;
	bool mark;
	bool ev_seen;
	uint32_t ev_in_ts, ev_out_ts;
};

/* The ptime we send: what the far end asked for, as the codec allows. */
static unsigned ptime_for(const struct codec_info *c, unsigned ptime)
{
	if (ptime < 10 || ptime > MAX_PTIME)
		ptime = 20;
	if (c->frame_ms)
		ptime -= ptime % c->frame_ms;
	if (c->id == CODEC_OPUS && ptime != 10 && ptime != 20 &&
	    ptime != 40 && ptime != 60)
		ptime = 20;
	return ptime;
}

bool xcoder_matches(const struct xcoder *x, enum codec_id in,
		    enum codec_id out, unsigned out_ptime)
{
	return x && x->in == in && x->out == out &&
	       x->out_ptime == ptime_for(x->co, out_ptime);
}

int xcoder_alloc(struct xcoder **xp, enum codec_id in, enum codec_id out,
		 unsigned out_ptime)
{
	struct xcoder *x;
	int err;

	if (!xp || !codec_get(in) || !codec_get(out))
		return EINVAL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return ENOMEM;
	x->in = in;
	x->out = out;
	x->ci = codec_get(in);
	x->co = codec_get(out);
	x->out_ptime = ptime_for(x->co, out_ptime);
	x->frame = x->co->srate / 1000 * x->out_ptime;
	x->frame_ticks = x->co->clock / 1000 * x->out_ptime;
	x->left = calloc(x->frame, sizeof(*x->left));
	x->out_seq = rand_u16();
	x->ssrc = rand_u32();
	err = x->left ? 0 : ENOMEM;
	if (!err)
		err = codec_dec_alloc(&x->dec, in);
	if (!err)
		err = codec_enc_alloc(&x->enc, out);
	if (!err)
		err = resampler_init(&x->rs, x->ci->srate, x->co->srate);
	if (err) {
		xcoder_free(x);
		return err;
	}
	codec_enc_source_rate(x->enc, x->ci->srate);
	*xp = x;
	return 0;
}

void xcoder_free(struct xcoder *x)
{
	if (!x)
		return;
	codec_dec_free(x->dec);
	codec_enc_free(x->enc);
	free(x->left);
	free(x);
}

/* Input ts -> output ts, linear from the last mapped point. */
static uint32_t map_ts(const struct xcoder *x, uint32_t ts)
{
	int64_t d = (int32_t)(ts - x->map_in);

	return x->map_out + (uint32_t)(d * x->co->clock / x->ci->clock);
}

static void map_start(struct xcoder *x, uint32_t in_ts)
{
	x->map_in = in_ts;
	x->map_out = rand_u32();
	x->left_ts = x->map_out;
	x->mapped = true;
}

static void put_header(uint8_t *p, bool mark, uint8_t pt, uint16_t seq,
		       uint32_t ts, uint32_t ssrc)
{
	p[0] = 0x80;
	p[1] = (uint8_t)((mark ? 0x80 : 0) | (pt & 0x7f));
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
}

/* Opus input after a sequence gap: conceal the missing stretch into dec.
   Returns the samples written (0: none, the gap stays). */
static size_t conceal(struct xcoder *x, struct xcode_scratch *s,
		      const uint8_t *payload, size_t plen, uint16_t seq,
		      uint32_t ts)
{
	uint16_t gap = (uint16_t)(seq - x->last_seq);
	int32_t missing = (int32_t)(ts - x->next_in_ts);
	int n;

	if (x->in != CODEC_OPUS || !x->have_next || gap < 2 ||
	    gap > MAX_CONCEAL_PKTS || missing <= 0 ||
	    (size_t)missing > CODEC_PCM_MAX / 2)
		return 0;
	n = codec_conceal(x->dec, payload, plen, s->dec, (size_t)missing);
	return n > 0 ? (size_t)n : 0;
}

static void emit_frames(struct xcoder *x, struct xcode_scratch *s,
			size_t m, uint8_t out_pt, xcoder_emit_h *emit,
			void *arg)
{
	size_t off = 0;

	while (m - off >= x->frame) {
		int len = codec_encode(x->enc, s->work + off, x->frame,
				       s->pkt + 12, sizeof(s->pkt) - 12);

		if (len > 0) {
			put_header(s->pkt, x->mark, out_pt, x->out_seq++,
				   x->left_ts, x->ssrc);
			x->mark = false;
			emit(s->pkt, 12 + (size_t)len, arg);
		}
		x->left_ts += x->frame_ticks;
		off += x->frame;
	}
	x->nleft = m - off;
	memcpy(x->left, s->work + off, x->nleft * sizeof(*x->left));
}

void xcoder_audio(struct xcoder *x, struct xcode_scratch *s,
		  const uint8_t *payload, size_t plen, uint16_t seq,
		  uint32_t ts, bool marker, uint8_t out_pt,
		  xcoder_emit_h *emit, void *arg)
{
	size_t cap = (size_t)x->ci->srate / 1000 * CODEC_MAX_MS;
	size_t nc, m;
	uint32_t chunk_ts = ts;
	int n;

	if (!x || !s || !emit)
		return;
	nc = conceal(x, s, payload, plen, seq, ts);
	if (nc)
		chunk_ts = x->next_in_ts;
	n = codec_decode(x->dec, payload, plen, s->dec + nc, cap);
	if (n <= 0) {
		if (!nc)
			return;         /* undecodable: as if lost */
		n = 0;
	}
	if (!x->mapped)
		map_start(x, chunk_ts);
	if (x->have_next && chunk_ts == x->next_in_ts && !marker) {
		/* continuous: this block follows what waits in left */
		x->map_in = chunk_ts;
		x->map_out = x->left_ts + (uint32_t)((uint64_t)x->nleft *
					x->co->clock / x->co->srate);
	}
	else {
		int32_t d = (int32_t)(chunk_ts - x->map_in);
		int64_t lim = (int64_t)MAX_JUMP_S * x->ci->clock;

		/* a new timeline (jump, SSRC change): go on from where the
		   output is; else keep the input's timing */
		if (d > lim || d < -lim)
			x->map_out = x->left_ts;
		else
			x->map_out = map_ts(x, chunk_ts);
		x->map_in = chunk_ts;
		x->left_ts = x->map_out;
		x->nleft = 0;
		x->mark = true;
	}
	memcpy(s->work, x->left, x->nleft * sizeof(*x->left));
	m = x->nleft + resample(&x->rs, s->dec, nc + (size_t)n,
				s->work + x->nleft,
				sizeof(s->work) / sizeof(s->work[0]) - x->nleft,
				s->tmp);
	emit_frames(x, s, m, out_pt, emit, arg);
	x->next_in_ts = ts + (uint32_t)((uint64_t)(unsigned)n *
					x->ci->clock / x->ci->srate);
	x->have_next = n > 0;
	x->last_seq = seq;
}

void xcoder_event(struct xcoder *x, uint8_t *p, size_t off, size_t plen,
		  uint32_t ts, uint8_t out_pt, uint32_t in_ev_rate,
		  uint32_t out_ev_rate)
{
	uint8_t hdr[12];
	uint32_t out_ts;

	if (!x || plen < 4)
		return;
	if (!x->mapped)
		map_start(x, ts);
	if (x->ev_seen && x->ev_in_ts == ts) {
		out_ts = x->ev_out_ts;
	}
	else {
		out_ts = map_ts(x, ts);
		x->ev_seen = true;
		x->ev_in_ts = ts;
		x->ev_out_ts = out_ts;
	}
	if (in_ev_rate && out_ev_rate && in_ev_rate != out_ev_rate) {
		uint64_t dur = (uint64_t)(p[off + 2] << 8 | p[off + 3]) *
			       out_ev_rate / in_ev_rate;

		if (dur > 0xffff)
			dur = 0xffff;
		p[off + 2] = (uint8_t)(dur >> 8);
		p[off + 3] = (uint8_t)dur;
	}
	/* byte 0 (CSRC count, extension) stays: the payload is where it was */
	put_header(hdr, (p[1] & 0x80) != 0, out_pt, x->out_seq++, out_ts,
		   x->ssrc);
	memcpy(p + 1, hdr + 1, 11);
}
