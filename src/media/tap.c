/*
 * tap.c — what an endpoint receives, decoded (8 kHz): into a short PCM
 * queue per endpoint, taken every 20 ms of the thread's clock by the
 * recorder of a call (left: what the recorded endpoint receives — the
 * customer; right: what its bridge peer receives — the agent); and
 * through the in-band DTMF detector when the far end has no RFC 4733
 * events.
 *
 * Decoding costs only while someone listens: an endpoint decodes when it
 * is recorded or its bridge peer is, or for in-band DTMF. Each queue waits for 40 ms before it
 * is read (so packets arriving between ticks do not leave holes) and holds
 * at most 200 ms (older audio goes); a side that runs dry gives silence
 * and waits for 40 ms again.
 */
#include <pthread.h>
#include <string.h>
#include "internal.h"
#include "recorder.h"
#include "dtmf_detect.h"
#include "../core/log.h"

enum { TAP_RATE = 8000, TAP_FRAME = TAP_RATE / 50, TAP_PREBUF = 2 * TAP_FRAME,
       TAP_MS = 20 };

static bool recorded(const struct media_endpoint *ep)
{
	return (ep->tap.rec && !ep->tap.detached) ||
	       (ep->wpeer && ep->wpeer->tap.rec && !ep->wpeer->tap.detached);
}

/* No RFC 4733 events negotiated: digits come as tones in the audio. */
static bool inband_dtmf(const struct media_endpoint *ep)
{
	return ep->w_has_fmt && ep->w_fmt.dtmf_pt < 0 && !ep->tap.dtmf_off;
}

static void digit_found(char digit, void *arg)
{
	thread_event(arg, Q_EV_DTMF, digit);
}

static void detect_dtmf(struct media_endpoint *ep, const int16_t *pcm,
			size_t n)
{
	if (!ep->tap.dtmf && dtmf_detect_alloc(&ep->tap.dtmf, TAP_RATE)) {
		ep->tap.dtmf_off = true;
		log_warn("media", "port %u: no in-band DTMF detector",
			 ep->port);
		return;
	}
	dtmf_detect_feed(ep->tap.dtmf, pcm, n, digit_found, ep);
}

static void fifo_put(struct tap_fifo *f, const int16_t *pcm, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (f->n == TAP_FIFO) {            /* full: the oldest goes */
			f->r = (f->r + 1) % TAP_FIFO;
			f->n--;
		}
		f->buf[(f->r + f->n) % TAP_FIFO] = pcm[i];
		f->n++;
	}
}

/* n samples, or false (silence) while the queue fills up again. */
static bool fifo_take(struct tap_fifo *f, int16_t *out, size_t n)
{
	if (f->waiting && f->n < TAP_PREBUF)
		return false;
	f->waiting = false;
	if (f->n < n) {
		f->waiting = true;
		return false;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = f->buf[(f->r + i) % TAP_FIFO];
	f->r = (f->r + n) % TAP_FIFO;
	f->n -= n;
	return true;
}

static bool tap_decoder(struct media_endpoint *ep)
{
	struct tap *t = &ep->tap;
	const struct codec_info *ci = codec_get(ep->codec);

	if (!ci)
		return false;
	if (t->dec && t->dec_id == ep->codec)
		return true;
	codec_dec_free(t->dec);
	t->dec = NULL;
	if (codec_dec_alloc(&t->dec, ep->codec) ||
	    resampler_init(&t->rs, ci->srate, TAP_RATE)) {
		codec_dec_free(t->dec);
		t->dec = NULL;
		return false;
	}
	t->dec_id = ep->codec;
	t->fifo.waiting = true;
	return true;
}

void tap_rx(struct media_endpoint *ep, const uint8_t *payload, size_t len)
{
	struct xcode_scratch *xs = &ep->owner->xs;
	int n;
	size_t m;

	bool rec = recorded(ep) || ep->cm.listed, dtmf = inband_dtmf(ep);

	if ((!rec && !dtmf) || !tap_decoder(ep))
		return;
	n = codec_decode(ep->tap.dec, payload, len, xs->dec, CODEC_PCM_MAX);
	if (n <= 0)
		return;
	m = resample(&ep->tap.rs, xs->dec, (size_t)n, xs->work,
		     CODEC_PCM_MAX, xs->tmp);
	if (dtmf)
		detect_dtmf(ep, xs->work, m);
	if (rec)
		fifo_put(&ep->tap.fifo, xs->work, m);
}

void tap_unlist(struct media_endpoint *ep)
{
	if (ep->tap.listed) {
		list_unlink(&ep->tap.le);
		ep->tap.listed = false;
	}
}

static void tap_detach(struct media_endpoint *ep)
{
	struct tap *t = &ep->tap;

	tap_unlist(ep);
	if (t->rec && !t->detached) {
		recorder_detach(t->rec);
		t->detached = true;
	}
}

static void detach_retired(struct media_endpoint *ep,
			   struct recorder *const *retired, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (retired[i] == ep->tap.rec)
			tap_detach(ep);
		else
			recorder_detach(retired[i]);   /* never fed: still ours */
	}
}

/* The endpoint is released: its recorders (also those asked for and
   never applied) hear no more from us. */
void tap_release(struct media_endpoint *ep)
{
	struct recorder *retired[TAP_RETIRED], *wanted;
	unsigned n;

	pthread_mutex_lock(&ep->lock);
	wanted = ep->want.rec;
	n = ep->want.nretired;
	memcpy(retired, ep->want.retired, n * sizeof(*retired));
	ep->want.nretired = 0;
	ep->want.rec = NULL;
	pthread_mutex_unlock(&ep->lock);
	detach_retired(ep, retired, n);
	if (wanted && wanted != ep->tap.rec)
		recorder_detach(wanted);
	tap_detach(ep);
	codec_dec_free(ep->tap.dec);
	ep->tap.dec = NULL;
	dtmf_detect_free(ep->tap.dtmf);
	ep->tap.dtmf = NULL;
}


/* From apply(): recorders stopped (detached), and the one to feed now. */
void tap_apply(struct media_thread *mt, struct media_endpoint *ep,
	       const struct want *w)
{
	struct tap *t = &ep->tap;

	detach_retired(ep, w->retired, w->nretired);
	if (w->rec && w->rec != t->rec) {
		tap_detach(ep);         /* a previous one, if still here */
		t->rec = w->rec;
		t->detached = false;
		t->next_ms = mono_ms();
		t->fifo.n = 0;
		t->fifo.waiting = true;
	}
	if (t->rec && !t->detached && !t->listed) {
		list_append(&mt->taps, &t->le, ep);
		t->listed = true;
		thread_clock_start(mt);
	}
}

/* Pushes what is due of one recorded endpoint. */
static void tap_run(struct media_endpoint *ep, int64_t now)
{
	struct tap *t = &ep->tap;
	struct media_endpoint *peer = ep->wpeer;
	int16_t left[TAP_FRAME], right[TAP_FRAME];

	if (ep->cm.listed) {            /* in a conference: conf.c records */
		t->next_ms = now;
		return;
	}
	if (now - t->next_ms > 200)
		t->next_ms = now;
	while (t->next_ms <= now) {
		bool l = fifo_take(&t->fifo, left, TAP_FRAME);
		bool r = peer && fifo_take(&peer->tap.fifo, right, TAP_FRAME);

		recorder_push(t->rec, l ? left : NULL, r ? right : NULL,
			      TAP_FRAME);
		t->next_ms += TAP_MS;
	}
}

bool tap_take(struct media_endpoint *ep, int16_t *out, size_t n)
{
	return fifo_take(&ep->tap.fifo, out, n);
}

void tap_tick(struct media_thread *mt, int64_t now)
{
	for (struct le *le = mt->taps.head; le; le = le->next)
		tap_run(le->data, now);
}
