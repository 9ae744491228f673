/*
 * dtmf_detect.c — in-band DTMF detection (see dtmf_detect.h): spandsp's
 * dtmf_rx, which passes the Q.24 figures and the talk-off tests, wrapped
 * for our rates and callbacks.
 *
 * Around the receiver:
 *   - a DC blocker (one pole at 0.995, about 6 Hz at 8 kHz): spandsp's
 *     receiver assumes no DC, and an offset of a few thousand (some
 *     phones and gateways) hides every digit;
 *   - twist limits 2 and 1 dB wider than Q.24's 8 and 4 dB: spandsp
 *     compares the two energies of one 12.75 ms block, which move by
 *     about a decibel with where the tone falls in the block, and with
 *     8/4 a quarter of the tones at exactly 8 or 4 dB were refused; with
 *     10/5 all are accepted and 11/6 dB and more refused;
 *   - 16 and 48 kHz audio goes down to the 8 kHz spandsp works at through
 *     the media engine's polyphase resampler (codec.h), in blocks of at
 *     most 20 ms, in buffers inside the detector.
 *
 * spandsp and librem both export goertzel_init(), goertzel_reset() and
 * goertzel_result(), with different arguments, and spandsp's receiver
 * calls them through the dynamic linker. Whichever library the program
 * lists first wins for both: with librem first, the receiver runs
 * librem's functions on its own state and never detects anything. The
 * Makefile links spandsp before librem (we use no librem Goertzel code),
 * and the first alloc checks that a generated digit is detected, so a
 * link order that breaks the receiver shows as ENOTSUP, not as silence.
 *
 * The first dtmf_rx_init() in a process fills spandsp's shared filter
 * descriptors without a lock; it runs once here, under pthread_once, so
 * media threads may then create detectors at the same time.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <spandsp/telephony.h>
#include <spandsp/logging.h>
#include <spandsp/super_tone_rx.h>
#include <spandsp/dtmf.h>
#include "codec.h"
#include "dtmf_detect.h"

enum {
	RX_RATE = 8000,
	CHUNK = 960,                    /* 20 ms at 48 kHz */
	TWIST = 10,                     /* dB, low group louder */
	REVERSE_TWIST = 5,              /* dB, high group louder */
};

#define DC_POLE 0.995f

struct dtmf_detect {
	dtmf_rx_state_t *rx;
	struct resampler rs;            /* srate -> 8 kHz (a copy at 8 kHz) */
	float dc_x, dc_y;               /* DC blocker: last input, output */
	dtmf_detect_h *h;               /* during feed */
	void *arg;
	int16_t tmp[CHUNK + RS_TAPS_MAX];
	int16_t out[CHUNK];
};

static pthread_once_t spandsp_once = PTHREAD_ONCE_INIT;
static bool spandsp_works;

/* spandsp's digits callback: the digits found since the last one. */
static void digits_found(void *user, const char *digits, int len)
{
	struct dtmf_detect *d = user;

	for (int i = 0; i < len; i++)
		if (d->h)
			d->h(digits[i], d->arg);
}

static void count_digit(char digit, void *arg)
{
	(void)digit;
	++*(int *)arg;
}

static int detector_new(struct dtmf_detect **dp, uint32_t srate)
{
	struct dtmf_detect *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return ENOMEM;
	err = resampler_init(&d->rs, srate, RX_RATE);
	if (!err) {
		d->rx = dtmf_rx_init(NULL, digits_found, d);
		err = d->rx ? 0 : ENOMEM;
	}
	if (err) {
		dtmf_detect_free(d);
		return err;
	}
	dtmf_rx_parms(d->rx, 0, TWIST, REVERSE_TWIST, -99);
	*dp = d;
	return 0;
}

/* 100 ms of '5' (770 + 1336 Hz at -10 dBm0 each) must give one digit. */
static void spandsp_check(void)
{
	struct dtmf_detect *d = NULL;
	int16_t pcm[800];
	int found = 0;

	if (detector_new(&d, RX_RATE))
		return;
	for (int i = 0; i < 800; i++)
		pcm[i] = (int16_t)lrint(7218 * (sin(2 * M_PI * 770 * i / 8000.0) +
					       sin(2 * M_PI * 1336 * i / 8000.0)));
	dtmf_detect_feed(d, pcm, 800, count_digit, &found);
	spandsp_works = found == 1;
	dtmf_detect_free(d);
}

int dtmf_detect_alloc(struct dtmf_detect **dp, uint32_t srate)
{
	if (!dp || (srate != 8000 && srate != 16000 && srate != 48000))
		return EINVAL;
	(void)pthread_once(&spandsp_once, spandsp_check);
	if (!spandsp_works)
		return ENOTSUP;
	return detector_new(dp, srate);
}

void dtmf_detect_free(struct dtmf_detect *d)
{
	if (!d)
		return;
	if (d->rx)
		dtmf_rx_free(d->rx);
	resampler_release(&d->rs);
	free(d);
}

static void block_dc(struct dtmf_detect *d, int16_t *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		float y = x[i] - d->dc_x + DC_POLE * d->dc_y;

		d->dc_x = x[i];
		d->dc_y = y;
		x[i] = (int16_t)fmaxf(-32768.0f, fminf(32767.0f, y));
	}
}

void dtmf_detect_feed(struct dtmf_detect *d, const int16_t *pcm, size_t n,
		      dtmf_detect_h *h, void *arg)
{
	if (!d || !pcm)
		return;
	d->h = h;
	d->arg = arg;
	while (n) {
		size_t k = n < CHUNK ? n : CHUNK;
		size_t m = resample(&d->rs, pcm, k, d->out, CHUNK, d->tmp);

		block_dc(d, d->out, m);
		(void)dtmf_rx(d->rx, d->out, (int)m);
		pcm += k;
		n -= k;
	}
	d->h = NULL;
	d->arg = NULL;
}
