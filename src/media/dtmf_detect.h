/*
 * dtmf_detect.h — in-band DTMF detection for legs that send their digits
 * as sound rather than RFC 4733 events or SIP INFO.
 *
 * A detector is spandsp's DTMF receiver (ITU-T Q.23/Q.24: frequencies
 * within ±1.5 % accepted and beyond ±3.5 % refused, up to 8 dB of twist
 * with the low group louder and 4 dB with the high group louder accepted
 * (and 11 and 6 dB refused), a tone of
 * 40 ms or more accepted and one of 20 ms or less ignored, a gap of 40 ms
 * between two presses of the same key seen as two digits), behind a DC
 * blocker and, for 16 and 48 kHz audio, the media engine's resampler down
 * to 8 kHz.
 *
 * Each digit is reported once, when it starts (about 25-40 ms into the
 * tone, as soon as two analysis blocks agree), like an RFC 4733 event's
 * first packet, so a prompt can stop at once (barge-in).
 *
 * One detector per leg, used by one thread at a time; nothing is
 * allocated after dtmf_detect_alloc().
 */
#ifndef HOTLINE_MEDIA_DTMF_DETECT_H
#define HOTLINE_MEDIA_DTMF_DETECT_H

#include <stddef.h>
#include <stdint.h>

struct dtmf_detect;

/* digit: '0'-'9', '*', '#', 'A'-'D'. */
typedef void (dtmf_detect_h)(char digit, void *arg);

/* srate 8000, 16000 or 48000 (EINVAL otherwise); ENOMEM; ENOTSUP when
   spandsp's receiver does not work in this process (see dtmf_detect.c). */
int  dtmf_detect_alloc(struct dtmf_detect **dp, uint32_t srate);
void dtmf_detect_free(struct dtmf_detect *d);
/* Feeds n samples; h (may be NULL) is called for each digit that starts
   in them, before feed returns. */
void dtmf_detect_feed(struct dtmf_detect *d, const int16_t *pcm, size_t n,
		      dtmf_detect_h *h, void *arg);

#endif
