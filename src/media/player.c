/*
 * player.c — audio the media engine itself sends to an endpoint's far end:
 * sounds (decoded once into 16 kHz mono PCM, shared read-only by every
 * endpoint that plays them) and echo.
 *
 * A playing endpoint sends one packet every ptime from its media thread's
 * clock, in its own RTP stream (own SSRC, sequence and timestamps),
 * encoded in the endpoint's codec; meanwhile what its bridge peer says is
 * not relayed to it. The control thread starts and stops a play through
 * `want` (a generation number tells a new play from the old one); the end
 * of a play comes back as MEDIA_PLAY_DONE for that generation. With the
 * wall clock as position, every endpoint playing one sound hears the same
 * point of it (music on hold: one decoded sound for all the callers).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sndfile.h>
#include "internal.h"
#include "tones.h"
#include "../core/log.h"

enum { SOUND_RATE = 16000, MAX_LAG_MS = 200 };

struct media_sound {
	atomic_int refs;
	/* The same audio at 8 kHz, made by the first narrowband player that
	   needs it and then shared: each listener only encodes. */
	_Atomic(int16_t *) pcm8;
	size_t n;               /* samples at SOUND_RATE */
	int16_t pcm[];
};

/* ---- sounds (any thread) ------------------------------------------- */

static struct media_sound *sound_alloc(size_t n)
{
	struct media_sound *s = malloc(sizeof(*s) + n * sizeof(int16_t));

	if (!s)
		return NULL;
	atomic_init(&s->refs, 1);
	atomic_init(&s->pcm8, NULL);
	s->n = n;
	return s;
}

int media_sound_from_pcm(struct media_sound **sp, const int16_t *pcm,
			 size_t n)
{
	struct media_sound *s;

	if (!sp || !pcm || !n)
		return EINVAL;
	s = sound_alloc(n);
	if (!s)
		return ENOMEM;
	memcpy(s->pcm, pcm, n * sizeof(int16_t));
	*sp = s;
	return 0;
}

/* Mixes interleaved frames down to mono, in place. */
static void mix_down(int16_t *pcm, size_t frames, int channels)
{
	for (size_t i = 0; i < frames; i++) {
		int32_t sum = 0;

		for (int c = 0; c < channels; c++)
			sum += pcm[i * (size_t)channels + (size_t)c];
		pcm[i] = (int16_t)(sum / channels);
	}
}

static int to_sound_rate(struct media_sound **sp, const int16_t *pcm,
			 size_t n, uint32_t rate)
{
	struct resampler rs;
	struct media_sound *s;
	int16_t *tmp;
	size_t max = (size_t)((uint64_t)n * SOUND_RATE / rate) + 64;
	int err;

	if (rate == SOUND_RATE)
		return media_sound_from_pcm(sp, pcm, n);
	err = resampler_init_any(&rs, rate, SOUND_RATE);
	if (err)
		return err;
	s = sound_alloc(max);
	tmp = malloc((n + RS_TAPS_MAX) * sizeof(int16_t));
	if (!s || !tmp) {
		free(s);
		free(tmp);
		resampler_release(&rs);
		return ENOMEM;
	}
	s->n = resample(&rs, pcm, n, s->pcm, max, tmp);
	free(tmp);
	resampler_release(&rs);
	*sp = s;
	return s->n ? 0 : EINVAL;
}

int media_sound_load(struct media_sound **sp, const char *path)
{
	SF_INFO info = {0};
	SNDFILE *f;
	int16_t *pcm;
	sf_count_t got;
	int err;

	if (!sp || !path)
		return EINVAL;
	f = sf_open(path, SFM_READ, &info);
	if (!f)
		return ENOENT;
	if (info.frames <= 0 || info.channels < 1 || info.channels > 8 ||
	    info.samplerate < 4000 || info.frames > 60LL * 60 * 48000) {
		sf_close(f);
		return EINVAL;
	}
	pcm = malloc((size_t)info.frames * (size_t)info.channels *
		     sizeof(int16_t));
	if (!pcm) {
		sf_close(f);
		return ENOMEM;
	}
	got = sf_readf_short(f, pcm, info.frames);
	sf_close(f);
	if (got <= 0) {
		free(pcm);
		return EINVAL;
	}
	mix_down(pcm, (size_t)got, info.channels);
	err = to_sound_rate(sp, pcm, (size_t)got, (uint32_t)info.samplerate);
	free(pcm);
	return err;
}

static const struct {
	const char *name;
	enum tone_kind kind;
} tone_names[] = {
	{"dial", TONE_DIAL}, {"ringback", TONE_RINGBACK}, {"busy", TONE_BUSY},
	{"congestion", TONE_CONGESTION}, {"call_waiting", TONE_CALL_WAITING},
	{"beep", TONE_BEEP}, {"confirm", TONE_CONFIRM},
};

/* One period of the tone: a tone played once whole, a cadence once
   (loop it to repeat), a continuous tone for a second. */
int media_sound_tone(struct media_sound **sp, const char *country,
		     const char *name)
{
	const struct tone_def *def = NULL;
	struct tone_player tp;
	struct media_sound *s;
	size_t period = 0;

	for (size_t i = 0; i < sizeof(tone_names) / sizeof(*tone_names); i++) {
		if (name && !strcmp(name, tone_names[i].name))
			def = tone_find(country, tone_names[i].kind);
	}
	if (!sp || !def || tone_player_init(&tp, def, SOUND_RATE))
		return EINVAL;
	for (size_t i = 0; i < TONE_CADENCE_MAX && def->cadence[i]; i++)
		period += (size_t)def->cadence[i] * (SOUND_RATE / 1000);
	if (!period)
		period = SOUND_RATE;
	s = sound_alloc(period);
	if (!s)
		return ENOMEM;
	s->n = tone_player_fill(&tp, s->pcm, period);
	*sp = s;
	return s->n ? 0 : EINVAL;
}

struct media_sound *media_sound_ref(struct media_sound *s)
{
	if (s)
		atomic_fetch_add(&s->refs, 1);
	return s;
}

void media_sound_unref(struct media_sound *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
		free(atomic_load(&s->pcm8));
		free(s);
	}
}

/* The sound at 8 kHz (n / 2 samples), made once; NULL: out of memory. */
static const int16_t *sound_pcm8(struct media_sound *s, int16_t *tmp)
{
	int16_t *p = atomic_load(&s->pcm8), *expected = NULL;
	struct resampler rs;

	if (p)
		return p;
	p = calloc(s->n / 2 + 1, sizeof(int16_t));
	if (!p || resampler_init(&rs, SOUND_RATE, 8000)) {
		free(p);
		return NULL;
	}
	/* in blocks: tmp holds one block and the filter's history */
	for (size_t off = 0, out = 0; off < s->n; off += 960) {
		size_t n = s->n - off < 960 ? s->n - off : 960;

		out += resample(&rs, s->pcm + off, n, p + out,
				s->n / 2 + 1 - out, tmp);
	}
	if (!atomic_compare_exchange_strong(&s->pcm8, &expected, p)) {
		free(p);                /* another thread made it first */
		return expected;
	}
	return p;
}

size_t media_sound_samples(const struct media_sound *s)
{
	return s ? s->n : 0;
}

void media_sound_copy(const struct media_sound *s, int16_t *out, size_t n)
{
	if (s)
		memcpy(out, s->pcm, (n < s->n ? n : s->n) * sizeof(int16_t));
}

unsigned media_sound_ms(const struct media_sound *s)
{
	return s ? (unsigned)(s->n * 1000 / SOUND_RATE) : 0;
}

/* ---- playing (media thread) ------------------------------------------ */

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void player_unlink(struct player *pl)
{
	if (pl->listed) {
		list_unlink(&pl->le);
		pl->listed = false;
	}
}

static void player_reset(struct player *pl)
{
	player_unlink(pl);
	media_sound_unref(pl->snd);
	pl->snd = NULL;
	ownstream_reset(&pl->out);
	pl->active = false;
}

void player_release(struct media_endpoint *ep)
{
	player_reset(&ep->pl);
}

static void list_player(struct media_thread *mt, struct media_endpoint *ep)
{
	struct player *pl = &ep->pl;

	if (pl->listed || !pl->active)
		return;
	list_append(&mt->players, &pl->le, ep);
	pl->listed = true;
	thread_clock_start(mt);
}

/* A new play from `want` (apply(), media thread; w.sound referenced for
   us by the caller). */
void player_apply(struct media_thread *mt, struct media_endpoint *ep,
		  const struct want *w)
{
	struct player *pl = &ep->pl;
	size_t period;

	ep->w_echo = w->echo;
	if (w->play_gen == pl->gen) {
		media_sound_unref(w->sound);
		if (pl->active)
			list_player(mt, ep);
		return;
	}
	player_reset(pl);
	pl->gen = w->play_gen;
	pl->snd = w->sound;
	if (!pl->snd)
		return;
	pl->loops_left = w->loops;
	pl->gap = (size_t)w->gap_ms * SOUND_RATE / 1000;
	period = pl->snd->n + pl->gap;
	pl->pos = w->wall ? (size_t)((uint64_t)wall_ms() * (SOUND_RATE / 1000)
				     % period) & ~(size_t)1 : 0;
	pl->next_ms = mono_ms();
	pl->active = true;
	list_player(mt, ep);
}

/* The next n samples (16 kHz positions; with pcm8, every other one as
   8 kHz samples: n / 2 of them) of the sound, silence in the gaps between
   loops; false once the last loop has ended. */
static bool player_fill(struct player *pl, int16_t *out, size_t n,
			const int16_t *pcm8)
{
	size_t period = pl->snd->n + pl->gap;
	size_t step = pcm8 ? 2 : 1;

	for (size_t i = 0; i < n; i += step) {
		if (pl->pos >= period) {
			if (pl->loops_left == 1)
				return false;
			if (pl->loops_left)
				pl->loops_left--;
			pl->pos = 0;
		}
		if (pl->pos >= pl->snd->n)
			*out++ = 0;
		else
			*out++ = pcm8 ? pcm8[pl->pos / 2]
				      : pl->snd->pcm[pl->pos];
		pl->pos += step;
	}
	return true;
}

static void player_send(struct media_endpoint *ep, unsigned ptime)
{
	struct player *pl = &ep->pl;
	const struct codec_info *ci = codec_get(ep->codec);
	int16_t *pcm = ep->owner->xs.dec;
	size_t n = (size_t)ptime * (SOUND_RATE / 1000);
	const int16_t *pcm8 = ci && ci->srate == 8000 && !(pl->pos & 1)
			      ? sound_pcm8(pl->snd, ep->owner->xs.tmp) : NULL;

	if (!player_fill(pl, pcm, n, pcm8)) {
		pl->active = false;
		return;
	}
	(void)ownstream_send(ep, &pl->out, pcm, pcm8 ? n / 2 : n,
			     pcm8 ? 8000 : SOUND_RATE);
}

/* Sends what is due for one endpoint; false: its play has ended. */
static bool player_run(struct media_endpoint *ep, int64_t now)
{
	struct player *pl = &ep->pl;
	unsigned ptime;

	if (!ep->w_has_fmt || !codec_get(ep->codec)) {
		pl->next_ms = now + 20;     /* no format yet: wait */
		return true;
	}
	ptime = ownstream_ptime(ep);
	if (now - pl->next_ms > MAX_LAG_MS)
		pl->next_ms = now;          /* the thread was held up */
	while (pl->active && pl->next_ms <= now) {
		if (!ep->w_muted)
			player_send(ep, ptime);
		else if (!player_fill(pl, ep->owner->xs.dec,
				      (size_t)ptime * (SOUND_RATE / 1000),
				      NULL))
			pl->active = false;
		pl->next_ms += ptime;
	}
	return pl->active;
}

void player_tick(struct media_thread *mt, int64_t now)
{
	struct le *le = mt->players.head;

	while (le) {
		struct media_endpoint *ep = le->data;

		le = le->next;
		if (player_run(ep, now))
			continue;
		player_unlink(&ep->pl);
		thread_event_gen(ep, Q_EV_PLAYED, ep->pl.gen);
	}
}

/* ep leaves its thread: off the list (apply() lists it where it lands). */
void player_unlist(struct media_endpoint *ep)
{
	player_unlink(&ep->pl);
}
