/*
 * tones.h — call-progress tones by country (dial, ringback, busy,
 * congestion, call waiting) and the switch's own beep and confirmation
 * tone, generated as 16-bit PCM at any rate from 8 to 48 kHz.
 *
 * Pure: no threads, no I/O; the tables are constant and a player is plain
 * state the caller owns (a media thread keeps one per playing leg).
 *
 *   const struct tone_def *d = tone_find("CN", TONE_BUSY);
 *   struct tone_player p;
 *   tone_player_init(&p, d, 16000);
 *   every 20 ms: tone_player_fill(&p, pcm, 320);
 *
 * Repeating tones (all but the beep and the confirmation tone) never end;
 * the others end after one cadence and fill() then writes fewer samples
 * than asked. Consecutive fills are one continuous signal: the output does
 * not depend on how it is cut into blocks.
 */
#ifndef HOTLINE_MEDIA_TONES_H
#define HOTLINE_MEDIA_TONES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tone_kind {
	TONE_DIAL,
	TONE_RINGBACK,
	TONE_BUSY,
	TONE_CONGESTION,
	TONE_CALL_WAITING,
	TONE_BEEP,              /* "record after the beep" */
	TONE_CONFIRM,           /* a feature code was accepted */
	TONE_KIND_COUNT
};

enum { TONE_CADENCE_MAX = 6 };

struct tone_def {
	const char *name;                   /* "busy" */
	uint16_t freq[2];                   /* Hz; freq[1] 0: a single tone */
	int8_t level;                       /* dBm0 of each frequency */
	/* ms on, off, on, off...; the list ends at the first 0. An empty list
	   is a continuous tone. */
	uint16_t cadence[TONE_CADENCE_MAX];
	bool once;                          /* one cadence, then the end */
};

struct tone_player {
	const struct tone_def *def;
	uint32_t step[2];       /* phase increments, 2^32 = one cycle */
	uint32_t phase[2];
	float amp;              /* peak of each frequency */
	uint32_t ramp;          /* samples of each edge ramp (5 ms) */
	uint32_t seg_len[TONE_CADENCE_MAX];  /* cadence in samples */
	unsigned segs, seg;     /* how many segments, the current one */
	uint32_t pos;           /* sample within the current segment */
	bool done;
};

/* The tone of a country ("CN", "US"; "NA" and "CA" are "US"; case does
   not matter). Any other country, or NULL, gets China's tones. NULL only
   for a kind out of range. */
const struct tone_def *tone_find(const char *country, enum tone_kind kind);

/* EINVAL: no definition, a frequency at or above half the rate, or a rate
   outside 8000-48000 Hz. */
int    tone_player_init(struct tone_player *p, const struct tone_def *d,
			uint32_t srate);
/* Writes up to n samples; fewer only when a tone that plays once ends
   (the rest of pcm is left untouched). */
size_t tone_player_fill(struct tone_player *p, int16_t *pcm, size_t n);
bool   tone_player_done(const struct tone_player *p);

#endif
