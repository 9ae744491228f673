/*
 * prompt.c — prompts made of parts (a sound file, text to speak, a tone),
 * turned into one sound and played to a leg: the text is rendered by the
 * TTS worker (cached), the files read and joined on a store reader, so the
 * control thread never waits. What comes out plays like any sound
 * (loops, gap, MEDIA_PLAY_DONE at its end); a key may cut it short
 * (whoever collects keys stops it). A call that ends while its prompt is
 * being made cancels it.
 *
 * Prompts made are kept (up to PCACHE_MAX, for PCACHE_TTL_MS each) under
 * what they are made of, so the next caller who hears the same prompt —
 * every caller of a busy IVR menu — hears it at once, without the TTS
 * worker or a store reader. A voice whose audio is replaced is heard in
 * prompts within PCACHE_TTL_MS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "b2bua.h"
#include "call.h"
#include "../core/log.h"
#include "../media/tts.h"
#include "../sip/directory.h"
#include "../store/store.h"

enum { TTS_DEFAULT_RATE = 175, PCACHE_MAX = 128, PCACHE_TTL_MS = 60000 };

struct pcache_entry {
	struct le le;
	char *key;
	struct media_sound *sound;
	int64_t made;
};

struct prompt_cache {
	struct list lru;           /* most recently used first */
	unsigned n;
};

struct render_ctx {
	struct prompt *p;
	size_t i;
};

struct prompt {
	struct call *call;          /* NULL once cancelled */
	struct leg *leg;
	struct media_play play;     /* loops, gap (sound set when ready) */
	struct prompt_part *parts;
	size_t nparts;
	char (*paths)[1024];        /* per part: the file to read */
	size_t pending;             /* renders not back yet */
	struct tts_job **jobs;
	struct render_ctx *rcs;     /* per part, for the renders */
	bool loading;               /* the store job runs */
	int err;
	struct media_sound *sound;
	char voice[8];              /* the tenant's TTS voice and rate */
	unsigned rate;
	char *key;                  /* in the prompt cache, once made */
};

/* ---- the cache of prompts made ---- */

static void entry_free(struct pcache_entry *e)
{
	list_unlink(&e->le);
	media_sound_unref(e->sound);
	free(e->key);
	free(e);
}

int prompt_cache_alloc(struct prompt_cache **pcp)
{
	struct prompt_cache *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return ENOMEM;
	list_init(&pc->lru);
	*pcp = pc;
	return 0;
}

void prompt_cache_free(struct prompt_cache *pc)
{
	struct le *le;

	if (!pc)
		return;
	while ((le = list_head(&pc->lru)))
		entry_free(le->data);
	free(pc);
}

/* What the prompt is made of, as text: the same key, the same sound. */
static char *cache_key(const struct prompt *p)
{
	size_t size = 1;
	char *key, *o;

	for (size_t i = 0; i < p->nparts; i++)
		size += strlen(p->parts[i].text) + 32;
	key = malloc(size);
	if (!key)
		return NULL;
	o = key;
	for (size_t i = 0; i < p->nparts; i++) {
		const struct prompt_part *pp = &p->parts[i];

		o += re_snprintf(o, size - (size_t)(o - key), "%c%s:%u:%s\x1f",
				 "FTN"[pp->kind], pp->kind == PROMPT_TEXT
				 ? (pp->voice[0] ? pp->voice : p->voice) : "",
				 pp->kind == PROMPT_TEXT ? p->rate : 0, pp->text);
	}
	return key;
}

static struct media_sound *cache_find(struct prompt_cache *pc,
				      const char *key)
{
	int64_t now = now_ms();
	struct le *le;

	LIST_FOREACH(&pc->lru, le) {
		struct pcache_entry *e = le->data;

		if (strcmp(e->key, key))
			continue;
		if (now - e->made > PCACHE_TTL_MS) {
			entry_free(e);
			pc->n--;
			return NULL;
		}
		list_unlink(&e->le);
		list_prepend(&pc->lru, &e->le, e);
		return e->sound;
	}
	return NULL;
}

static void cache_add(struct prompt_cache *pc, char *key,
		      struct media_sound *sound)
{
	struct pcache_entry *e;

	if (!key || cache_find(pc, key)) {
		free(key);
		return;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		free(key);
		return;
	}
	e->key = key;
	e->sound = media_sound_ref(sound);
	e->made = now_ms();
	list_prepend(&pc->lru, &e->le, e);
	if (++pc->n > PCACHE_MAX) {
		entry_free(list_tail(&pc->lru)->data);
		pc->n--;
	}
}

static void prompt_free(struct prompt *p)
{
	media_sound_unref(p->sound);
	free(p->key);
	free(p->jobs);
	free(p->rcs);
	free(p->paths);
	free(p->parts);
	free(p);
}

/* ---- joining the parts (store reader) ---- */

static int join_work(struct db *db, void *arg)
{
	struct prompt *p = arg;
	size_t total = 0, off = 0;
	struct media_sound **parts = calloc(p->nparts, sizeof(*parts));
	int16_t *pcm;
	int err = parts ? 0 : ENOMEM;

	(void)db;
	for (size_t i = 0; !err && i < p->nparts; i++) {
		if (p->parts[i].kind == PROMPT_TONE)
			err = media_sound_tone(&parts[i], "CN",
					       p->parts[i].text);
		else
			err = media_sound_load(&parts[i], p->paths[i]);
		if (!err)
			total += media_sound_samples(parts[i]);
	}
	pcm = !err && total ? malloc(total * sizeof(int16_t)) : NULL;
	for (size_t i = 0; pcm && i < p->nparts; i++) {
		media_sound_copy(parts[i], pcm + off,
				 media_sound_samples(parts[i]));
		off += media_sound_samples(parts[i]);
	}
	if (pcm)
		err = media_sound_from_pcm(&p->sound, pcm, total);
	else if (!err)
		err = ENODATA;
	for (size_t i = 0; parts && i < p->nparts; i++)
		media_sound_unref(parts[i]);
	free(parts);
	free(pcm);
	return err;
}

static void join_done(int err, void *arg)
{
	struct prompt *p = arg;
	struct call *call = p->call;

	if (!call) {                    /* cancelled meanwhile */
		prompt_free(p);
		return;
	}
	call->prompt = NULL;
	if (!err) {
		cache_add(b2bua_prompt_cache(call->b2bua), p->key, p->sound);
		p->key = NULL;
	}
	if (err) {
		log_warn("call", "call %s: prompt not made: %s", call->id,
			 strerror(err));
	} else if (p->leg->state != LEG_ENDED && p->leg->ep) {
		p->play.sound = p->sound;
		err = media_play(p->leg->ep, &p->play);
	}
	prompt_free(p);
	if (err)
		call_played(call);      /* the flow goes on without it */
}

static void join(struct prompt *p)
{
	struct store *st = b2bua_store(p->call->b2bua);

	p->loading = true;
	if (p->err || store_submit(st, STORE_READ, join_work, join_done, p))
		join_done(p->err ? p->err : EIO, p);
}

/* ---- rendering the text parts (TTS worker) ---- */

static void rendered(int err, const char *wav_path, void *arg)
{
	struct render_ctx *rc = arg;
	struct prompt *p = rc->p;

	p->jobs[rc->i] = NULL;
	if (err)
		p->err = err;
	else
		str_ncpy(p->paths[rc->i], wav_path, sizeof(p->paths[0]));
	if (--p->pending == 0)
		join(p);
}

static int render(struct prompt *p, size_t i, struct tts *tts)
{
	struct render_ctx *rc = &p->rcs[i];

	rc->p = p;
	rc->i = i;
	return tts_render(tts, p->parts[i].text, p->parts[i].voice[0]
			  ? p->parts[i].voice : p->voice, p->rate,
			  rendered, rc, &p->jobs[i]);
}

/* The voice and rate the tenant chose for its prompts (TTS settings). */
static void tenant_voice(const struct call *call, char *voice, size_t size,
			 unsigned *rate)
{
	const struct dir_tenant *t = directory_tenant(
		b2bua_deps(call->b2bua)->dir, call->tenant_id);

	str_ncpy(voice, t && t->tts_voice[0] ? t->tts_voice : "cmn", size);
	*rate = t && t->tts_rate ? t->tts_rate : TTS_DEFAULT_RATE;
}

int call_prompt(struct call *call, struct leg *leg,
		const struct prompt_part *parts, size_t n, unsigned loops,
		unsigned gap_ms)
{
	struct tts *tts = b2bua_deps(call->b2bua)->tts;
	struct prompt *p;
	int err = 0;

	if (!n || !leg || !leg->ep)
		return EINVAL;
	call_prompt_cancel(call);
	p = calloc(1, sizeof(*p));
	if (!p)
		return ENOMEM;
	p->parts = malloc(n * sizeof(*parts));
	p->paths = calloc(n, sizeof(*p->paths));
	p->jobs = calloc(n, sizeof(*p->jobs));
	p->rcs = calloc(n, sizeof(*p->rcs));
	if (!p->parts || !p->paths || !p->jobs || !p->rcs) {
		prompt_free(p);
		return ENOMEM;
	}
	memcpy(p->parts, parts, n * sizeof(*parts));
	p->nparts = n;
	p->call = call;
	p->leg = leg;
	p->play = (struct media_play){.loops = loops, .gap_ms = gap_ms};
	tenant_voice(call, p->voice, sizeof(p->voice), &p->rate);
	p->key = cache_key(p);
	if (p->key) {
		struct media_sound *made = cache_find(
			b2bua_prompt_cache(call->b2bua), p->key);

		if (made) {            /* heard before: at once */
			p->play.sound = made;
			err = media_play(leg->ep, &p->play);
			prompt_free(p);
			return err;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (parts[i].kind == PROMPT_FILE)
			str_ncpy(p->paths[i], parts[i].text,
				 sizeof(p->paths[0]));
		else if (parts[i].kind == PROMPT_TEXT)
			p->pending++;
	}
	call->prompt = p;
	for (size_t i = 0; i < n && !err; i++) {
		if (parts[i].kind == PROMPT_TEXT)
			err = tts ? render(p, i, tts) : ENOTSUP;
		if (err) {
			/* the renders already queued still come back */
			p->pending -= 1;
			p->err = err;
			for (size_t j = i + 1; j < n; j++)
				p->pending -= parts[j].kind == PROMPT_TEXT;
		}
	}
	if (!p->pending)
		join(p);
	return 0;
}

void call_prompt_stop(struct call *call)
{
	call_prompt_cancel(call);
	if (call->a && call->a->ep)
		media_play_stop(call->a->ep);
}

/* The call is going: whatever is being made is dropped. */
void call_prompt_cancel(struct call *call)
{
	struct prompt *p = call->prompt;

	if (!p)
		return;
	call->prompt = NULL;
	for (size_t i = 0; i < p->nparts; i++) {
		if (p->jobs[i]) {
			tts_abandon(p->jobs[i]);
			p->jobs[i] = NULL;
			p->pending--;
		}
	}
	if (p->loading) {
		p->call = NULL;         /* join_done frees it */
		return;
	}
	if (p->pending)                 /* cannot happen: all abandoned */
		log_warn("call", "prompt: %zu renders left", p->pending);
	prompt_free(p);
}
