/*
 * ownstream.c — an RTP stream an endpoint sends of its own (the player's
 * sounds, a conference's mix): linear PCM in, resampled to the endpoint's
 * codec rate, encoded, with its own SSRC, sequence numbers and timestamps
 * (the marker on the first packet). Media thread only.
 */
#include "internal.h"

void ownstream_reset(struct ownstream *os)
{
	codec_enc_free(os->enc);
	os->enc = NULL;
	os->started = false;
}

/* Encoder and resampler for the endpoint's codec from in_rate. */
static bool ownstream_codec(struct media_endpoint *ep, struct ownstream *os,
			    uint32_t in_rate)
{
	const struct codec_info *ci = codec_get(ep->codec);

	if (!ci)
		return false;
	if (os->enc && os->id == ep->codec && os->in_rate == in_rate)
		return true;
	codec_enc_free(os->enc);
	os->enc = NULL;
	if (codec_enc_alloc(&os->enc, ep->codec) ||
	    resampler_init(&os->rs, in_rate, ci->srate)) {
		codec_enc_free(os->enc);
		os->enc = NULL;
		return false;
	}
	if (ep->codec == CODEC_OPUS)
		codec_enc_source_rate(os->enc, in_rate);
	os->id = ep->codec;
	os->in_rate = in_rate;
	return true;
}

unsigned ownstream_ptime(const struct media_endpoint *ep)
{
	const struct codec_info *ci = codec_get(ep->codec);
	unsigned ptime = ep->w_fmt.ptime;

	if (ptime < 10 || ptime > 60)
		ptime = 20;
	if (ci && ci->frame_ms)
		ptime -= ptime % ci->frame_ms;
	if (ep->codec == CODEC_OPUS && ptime != 10 && ptime != 20 &&
	    ptime != 40 && ptime != 60)
		ptime = 20;
	return ptime;
}

int ownstream_send(struct media_endpoint *ep, struct ownstream *os,
		   const int16_t *pcm, size_t n, uint32_t rate)
{
	const struct codec_info *ci = codec_get(ep->codec);
	struct xcode_scratch *xs = &ep->owner->xs;
	uint8_t *pkt = xs->pkt;
	size_t m;
	int len;

	if (!ep->w_has_fmt || !ci || !ownstream_codec(ep, os, rate))
		return ENOTSUP;
	if (!os->started) {
		os->ssrc = rand_u32();
		os->seq = (uint16_t)rand_u32();
		os->ts = rand_u32();
		os->mark = true;
		os->started = true;
	}
	m = resample(&os->rs, pcm, n, xs->work, CODEC_PCM_MAX, xs->tmp);
	len = codec_encode(os->enc, xs->work, m, pkt + 12,
			   sizeof(xs->pkt) - 12);
	if (len <= 0)
		return EINVAL;
	pkt[0] = 0x80;
	pkt[1] = (uint8_t)((os->mark ? 0x80 : 0) | (ep->w_fmt.pt & 0x7f));
	pkt[2] = (uint8_t)(os->seq >> 8);
	pkt[3] = (uint8_t)os->seq;
	put_be32(pkt + 4, os->ts);
	put_be32(pkt + 8, os->ssrc);
	os->mark = false;
	os->seq++;
	os->ts += (uint32_t)((uint64_t)n * ci->clock / rate);
	relay_send_own(ep, pkt, (size_t)len + 12);
	return 0;
}
