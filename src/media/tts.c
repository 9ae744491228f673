/*
 * tts.c — the text-to-speech worker: espeak-ng on a thread of its own,
 * WAV files in a cache directory, results back on the control thread.
 *
 * A request travels: control thread -> queue (mutex + condition) -> worker
 * looks for the cached file or synthesises it -> done list -> libre mqueue
 * -> control thread runs done(). The first result put on an empty done list
 * wakes the control thread, the way the store returns its jobs.
 *
 * Synthesis: espeak-ng speaks at 22050 Hz in synchronous mode; its callback
 * resamples each block to 16 kHz (the media engine's polyphase resampler)
 * and appends it to a temporary file written by libsndfile (16-bit PCM
 * WAV), renamed to its cache name once complete, so a reader never sees a
 * half-written file. Temporary files left by a crash are removed at start.
 *
 * espeak-ng is initialised once per process and never terminated: in 1.51
 * (Debian 12) espeak_ng_Terminate() deadlocks with the library's own idle
 * threads (initialise, wait 10 ms, terminate: it never returns). A later
 * struct tts reuses it; only one worker uses it at a time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>
#include <sndfile.h>
#include <sodium.h>
#include "../core/dirs.h"
#include "../core/libre.h"
#include "../core/log.h"
#include "codec.h"
#include "tts.h"

enum {
	SLICE = 1024,           /* espeak samples resampled at a time */
	SLICE_OUT = SLICE * 16000 / 22050 + 8,
	KEY_HEX = 64,
};

static const char *const voices[] = {"cmn", "yue", "en", "en-us", NULL};

/* espeak-ng is one per process: at most one struct tts at a time, and the
   one holding espeak_taken alone touches espeak_ready (0: not yet
   initialised, 1: ready, else -errno). */
static atomic_bool espeak_taken;
static int espeak_ready;

struct tts_job {
	struct tts_job *next;
	char *text;
	char voice[16];
	unsigned rate;
	tts_done_h *done;
	void *arg;
	atomic_bool abandoned;
	int err;
	char *path;             /* the WAV file, once err is 0 */
};

struct tts {
	char *dir;
	size_t cache_max;
	pthread_t thread;
	bool started;
	struct mqueue *wake;    /* wakes the control thread */
	pthread_mutex_t lock;   /* guards everything down to done_tail */
	pthread_cond_t cond;
	struct tts_job *head, *tail;
	unsigned queued;
	bool stopping;
	int ready;              /* 0 starting, 1 running, else -errno */
	struct tts_job *done_head, *done_tail;
	atomic_bool cut;        /* stop the synthesis in progress */
	atomic_ulong synthesized, hits, failed;
	/* worker only */
	char voice[16];         /* espeak-ng's current voice */
	size_t written;         /* bytes since the last trim */
};

/* One synthesis in progress (worker). */
struct synth {
	struct tts *t;
	SNDFILE *sf;
	struct resampler rs;
	sf_count_t frames;
	bool failed;
	int16_t out[SLICE_OUT];
	int16_t tmp[SLICE + RS_TAPS_MAX];
};

/* ---- checks -------------------------------------------------------------- */

const char *const *tts_voices(void)
{
	return voices;
}

bool tts_voice_known(const char *voice)
{
	for (int i = 0; voice && voices[i]; i++)
		if (!strcmp(voice, voices[i]))
			return true;
	return false;
}

/* Code points in a UTF-8 string; -1 if it is not UTF-8. */
static long utf8_length(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	while (*p) {
		int extra = *p < 0x80 ? 0 : *p >= 0xc2 && *p < 0xe0 ? 1
			  : *p >= 0xe0 && *p < 0xf0 ? 2
			  : *p >= 0xf0 && *p < 0xf5 ? 3 : -1;

		if (extra < 0)
			return -1;
		for (int i = 1; i <= extra; i++)
			if ((p[i] & 0xc0) != 0x80)
				return -1;
		p += extra + 1;
		n++;
	}
	return n;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (!strchr(" \t\r\n\v\f", *s))
			return false;
	return true;
}

static void voice_list(char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; voices[i] && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s",
					i ? ", " : "", voices[i]);
}

int tts_check_voice(const char *voice, long long rate, char *why,
		    size_t size)
{
	char known[64];

	if (!tts_voice_known(voice)) {
		voice_list(known, sizeof(known));
		snprintf(why, size, "unknown voice '%.32s' (one of %s)",
			 voice ? voice : "", known);
		return EINVAL;
	}
	if (rate < TTS_RATE_MIN || rate > TTS_RATE_MAX) {
		snprintf(why, size, "the rate must be from %d to %d words a "
			 "minute", TTS_RATE_MIN, TTS_RATE_MAX);
		return EINVAL;
	}
	return 0;
}

int tts_check(const char *text, const char *voice, unsigned rate, char *why,
	      size_t size)
{
	long n;

	if (!text || blank(text)) {
		snprintf(why, size, "the text is empty");
		return EINVAL;
	}
	n = utf8_length(text);
	if (n < 0) {
		snprintf(why, size, "the text is not valid UTF-8");
		return EINVAL;
	}
	if (n > TTS_TEXT_MAX) {
		snprintf(why, size, "the text has %ld characters, at most %d",
			 n, TTS_TEXT_MAX);
		return EINVAL;
	}
	return tts_check_voice(voice, rate, why, size);
}

/* ---- requests and results ------------------------------------------------ */

static void job_free(struct tts_job *job)
{
	free(job->text);
	free(job->path);
	free(job);
}

/* Worker: the next request, or NULL once stopping. */
static struct tts_job *take(struct tts *t)
{
	struct tts_job *job;

	pthread_mutex_lock(&t->lock);
	while (!t->head && !t->stopping)
		pthread_cond_wait(&t->cond, &t->lock);
	job = t->stopping ? NULL : t->head;
	if (job) {
		t->head = job->next;
		if (!t->head)
			t->tail = NULL;
		t->queued--;
		job->next = NULL;
	}
	pthread_mutex_unlock(&t->lock);
	return job;
}

static void append_done(struct tts *t, struct tts_job *job)
{
	if (t->done_tail)
		t->done_tail->next = job;
	else
		t->done_head = job;
	t->done_tail = job;
}

/* Worker: hands a finished request to the control thread. */
static void deliver(struct tts *t, struct tts_job *job)
{
	bool wake;

	pthread_mutex_lock(&t->lock);
	wake = !t->done_head;
	append_done(t, job);
	pthread_mutex_unlock(&t->lock);
	if (wake)
		mqueue_push(t->wake, 0, NULL);
}

/* Control thread: runs done for every finished request. */
static void run_done(struct tts *t)
{
	struct tts_job *jobs;

	pthread_mutex_lock(&t->lock);
	jobs = t->done_head;
	t->done_head = t->done_tail = NULL;
	pthread_mutex_unlock(&t->lock);
	while (jobs) {
		struct tts_job *next = jobs->next;

		if (!atomic_load(&jobs->abandoned))
			jobs->done(jobs->err, jobs->err ? NULL : jobs->path,
				   jobs->arg);
		job_free(jobs);
		jobs = next;
	}
}

static void wake_handler(int id, void *data, void *arg)
{
	(void)id;
	(void)data;
	run_done(arg);
}

/* ---- the cache (worker) -------------------------------------------------- */

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

/* "<64 hex>.wav": a cached file. */
static bool is_cache_name(const char *name)
{
	return strlen(name) == KEY_HEX + 4 && is_hex(name, KEY_HEX) &&
	       !strcmp(name + KEY_HEX, ".wav");
}

/* ".<64 hex>.XXXXXX": a temporary file (mkstemp). */
static bool is_temp_name(const char *name)
{
	return strlen(name) == 1 + KEY_HEX + 7 && name[0] == '.' &&
	       is_hex(name + 1, KEY_HEX) && name[1 + KEY_HEX] == '.';
}

struct entry {
	char name[KEY_HEX + 8];
	struct timespec mtime;
	off_t size;
};

static int older_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return 0;
}

/* Lists the cached files (removing stale temporaries). */
static int scan_cache(DIR *d, struct entry **vp, size_t *np, size_t *totalp)
{
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct stat st;

	*totalp = 0;
	while ((de = readdir(d))) {
		if (is_temp_name(de->d_name)) {
			unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		if (!is_cache_name(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, 0) ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			struct entry *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				return ENOMEM;
			}
			v = nv;
		}
		memcpy(v[n].name, de->d_name, KEY_HEX + 5);  /* checked */
		v[n].mtime = st.st_mtim;
		v[n].size = st.st_size;
		*totalp += (size_t)st.st_size;
		n++;
	}
	*vp = v;
	*np = n;
	return 0;
}

/* Deletes the least recently used files until the cache fits its bound;
   the newest file always stays. */
static void trim_cache(struct tts *t)
{
	struct entry *v = NULL;
	size_t n = 0, total = 0, removed = 0;
	DIR *d = opendir(t->dir);

	t->written = 0;
	if (!d) {
		log_warn("tts", "cannot read the cache %s: %s", t->dir,
			 strerror(errno));
		return;
	}
	if (!scan_cache(d, &v, &n, &total) && total > t->cache_max) {
		qsort(v, n, sizeof(*v), older_first);
		for (size_t i = 0; i + 1 < n && total > t->cache_max; i++) {
			if (unlinkat(dirfd(d), v[i].name, 0))
				continue;
			total -= (size_t)v[i].size;
			removed++;
		}
		log_info("tts", "cache trimmed: %zu files removed, %zu bytes "
			 "kept", removed, total);
	}
	free(v);
	closedir(d);
}

static void cache_key(const struct tts_job *job, char hex[KEY_HEX + 1])
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char rate[16];

	snprintf(rate, sizeof(rate), "%u", job->rate);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)job->voice,
				  strlen(job->voice));
	crypto_hash_sha256_update(&st, (const unsigned char *)"|", 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)rate,
				  strlen(rate));
	crypto_hash_sha256_update(&st, (const unsigned char *)"|", 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)job->text,
				  strlen(job->text));
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, KEY_HEX + 1, digest, sizeof(digest));
}

/* A cached file for this request: touch it (recently used) and say yes. */
static bool cache_hit(const char *path)
{
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_size <= 44)
		return false;
	utimensat(AT_FDCWD, path, NULL, 0);
	return true;
}

/* ---- synthesis (worker) -------------------------------------------------- */

static void write_block(struct synth *s, const int16_t *pcm, size_t n)
{
	size_t m = resample(&s->rs, pcm, n, s->out, SLICE_OUT, s->tmp);

	if (m && sf_write_short(s->sf, s->out, (sf_count_t)m) !=
		 (sf_count_t)m)
		s->failed = true;
	s->frames += (sf_count_t)m;
}

/* espeak-ng's output, block by block: returns 1 to stop it. */
static int synth_callback(short *wav, int n, espeak_EVENT *events)
{
	struct synth *s = events ? events->user_data : NULL;

	if (!s)
		return 1;
	for (int off = 0; wav && off < n && !s->failed; off += SLICE)
		write_block(s, wav + off,
			    (size_t)(n - off < SLICE ? n - off : SLICE));
	return s->failed || atomic_load(&s->t->cut) ? 1 : 0;
}

static int espeak_init(void)
{
	espeak_ng_ERROR_CONTEXT ctx = NULL;
	espeak_ng_STATUS st;
	char msg[256];

	espeak_ng_InitializePath(NULL);
	st = espeak_ng_Initialize(&ctx);
	if (st == ENS_OK)
		st = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0,
						NULL);
	if (st != ENS_OK) {
		espeak_ng_GetStatusCodeMessage(st, msg, sizeof(msg));
		log_error("tts", "espeak-ng: %s", msg);
		espeak_ng_ClearErrorContext(&ctx);
		return EIO;
	}
	if (espeak_ng_GetSampleRate() != 22050) {
		log_error("tts", "espeak-ng speaks at %d Hz, not 22050",
			  espeak_ng_GetSampleRate());
		return ENOTSUP;
	}
	espeak_SetSynthCallback(synth_callback);
	return 0;
}

static int espeak_start(void)
{
	if (!espeak_ready) {
		int err = espeak_init();

		espeak_ready = err ? -err : 1;
	}
	return espeak_ready < 0 ? -espeak_ready : 0;
}

static int set_voice(struct tts *t, const char *voice, unsigned rate)
{
	if (strcmp(t->voice, voice)) {
		if (espeak_ng_SetVoiceByName(voice) != ENS_OK) {
			t->voice[0] = '\0';
			log_error("tts", "espeak-ng has no voice '%s'", voice);
			return EIO;
		}
		snprintf(t->voice, sizeof(t->voice), "%s", voice);
	}
	return espeak_ng_SetParameter(espeakRATE, (int)rate, 0) == ENS_OK
	       ? 0 : EIO;
}

/* Speaks job->text into the open file. */
static int speak(struct tts *t, struct tts_job *job, struct synth *s)
{
	espeak_ng_STATUS st;
	int err = set_voice(t, job->voice, job->rate);

	if (err)
		return err;
	err = resampler_init(&s->rs, 22050, TTS_SAMPLE_RATE);
	if (err)
		return err;
	st = espeak_ng_Synthesize(job->text, strlen(job->text) + 1, 0,
				  POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, s);
	if (atomic_load(&t->cut))
		return ECANCELED;
	if (st != ENS_OK || s->failed)
		return EIO;
	return s->frames ? 0 : ENODATA;
}

/* Synthesises into a temporary file and renames it to path. */
static int synthesize(struct tts *t, struct tts_job *job, const char *key,
		      const char *path)
{
	SF_INFO info = {.samplerate = TTS_SAMPLE_RATE, .channels = 1,
			.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
	struct synth *s = calloc(1, sizeof(*s));
	char tmp[PATH_MAX];
	int fd, err;

	if (!s)
		return ENOMEM;
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", t->dir, key);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		log_error("tts", "cannot create a file in %s: %s", t->dir,
			  strerror(errno));
		free(s);
		return EIO;
	}
	s->t = t;
	s->sf = sf_open_fd(fd, SFM_WRITE, &info, SF_FALSE);
	err = s->sf ? speak(t, job, s) : EIO;
	if (s->sf && sf_close(s->sf) && !err)
		err = EIO;
	if (close(fd) && !err)
		err = EIO;
	if (!err && rename(tmp, path))
		err = EIO;
	if (err)
		unlink(tmp);
	else
		t->written += (size_t)s->frames * 2 + 44;
	free(s);
	return err;
}

static void run_job(struct tts *t, struct tts_job *job)
{
	size_t size = strlen(t->dir) + KEY_HEX + 6;
	char key[KEY_HEX + 1];

	cache_key(job, key);
	job->path = malloc(size);
	if (!job->path) {
		job->err = ENOMEM;
		return;
	}
	snprintf(job->path, size, "%s/%s.wav", t->dir, key);
	if (cache_hit(job->path)) {
		atomic_fetch_add(&t->hits, 1);
		return;
	}
	job->err = synthesize(t, job, key, job->path);
	if (job->err) {
		atomic_fetch_add(&t->failed, 1);
		if (job->err != ECANCELED)
			log_warn("tts", "rendering %zu bytes of text with %s "
				 "failed: %s", strlen(job->text), job->voice,
				 strerror(job->err));
		return;
	}
	atomic_fetch_add(&t->synthesized, 1);
	if (t->written > t->cache_max / 8)
		trim_cache(t);
}

static void set_ready(struct tts *t, int ready)
{
	pthread_mutex_lock(&t->lock);
	t->ready = ready;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

static void *worker_main(void *arg)
{
	struct tts *t = arg;
	struct tts_job *job;
	int err = dirs_make(t->dir);

	if (err) {
		log_error("tts", "cannot create the cache %s: %s", t->dir,
			  strerror(err));
		set_ready(t, -err);
		return NULL;
	}
	err = espeak_start();
	set_ready(t, err ? -err : 1);
	if (err)
		return NULL;
	trim_cache(t);
	while ((job = take(t))) {
		if (!atomic_load(&job->abandoned))
			run_job(t, job);
		deliver(t, job);
	}
	return NULL;
}

/* ---- the module ---------------------------------------------------------- */

static int wait_ready(struct tts *t)
{
	int ready;

	pthread_mutex_lock(&t->lock);
	while (!t->ready)
		pthread_cond_wait(&t->cond, &t->lock);
	ready = t->ready;
	pthread_mutex_unlock(&t->lock);
	return ready < 0 ? -ready : 0;
}

int tts_alloc(struct tts **tp, const char *cache_dir, size_t cache_max)
{
	struct tts *t;
	int err;

	if (!tp || !cache_dir || !*cache_dir)
		return EINVAL;
	if (atomic_exchange(&espeak_taken, true))
		return EBUSY;
	t = calloc(1, sizeof(*t));
	if (!t) {
		atomic_store(&espeak_taken, false);
		return ENOMEM;
	}
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	t->cache_max = cache_max ? cache_max : TTS_CACHE_MAX_DEFAULT;
	t->dir = strdup(cache_dir);
	err = t->dir ? mqueue_alloc(&t->wake, wake_handler, t) : ENOMEM;
	if (!err)
		err = pthread_create(&t->thread, NULL, worker_main, t);
	if (!err) {
		t->started = true;
		err = wait_ready(t);
	}
	if (err) {
		tts_free(t);
		return err;
	}
	*tp = t;
	return 0;
}

void tts_free(struct tts *t)
{
	if (!t)
		return;
	atomic_store(&t->cut, true);
	pthread_mutex_lock(&t->lock);
	t->stopping = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	if (t->started)
		pthread_join(t->thread, NULL);
	/* what never ran is cancelled, then every result is handed over */
	pthread_mutex_lock(&t->lock);
	for (struct tts_job *j = t->head, *next; j; j = next) {
		next = j->next;
		j->next = NULL;
		j->err = ECANCELED;
		append_done(t, j);
	}
	t->head = t->tail = NULL;
	pthread_mutex_unlock(&t->lock);
	run_done(t);
	mem_deref(t->wake);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t->dir);
	free(t);
	atomic_store(&espeak_taken, false);
}

int tts_render(struct tts *t, const char *text, const char *voice,
	       unsigned rate, tts_done_h *done, void *arg,
	       struct tts_job **jobp)
{
	struct tts_job *job;
	char why[128];
	int err = 0;

	if (!t || !done || tts_check(text, voice, rate, why, sizeof(why)))
		return EINVAL;
	job = calloc(1, sizeof(*job));
	if (!job || !(job->text = strdup(text))) {
		free(job);
		return ENOMEM;
	}
	snprintf(job->voice, sizeof(job->voice), "%s", voice);
	job->rate = rate;
	job->done = done;
	job->arg = arg;
	pthread_mutex_lock(&t->lock);
	if (t->stopping)
		err = ESHUTDOWN;
	else if (t->queued >= TTS_QUEUE_MAX)
		err = EBUSY;
	if (!err) {
		if (t->tail)
			t->tail->next = job;
		else
			t->head = job;
		t->tail = job;
		t->queued++;
		pthread_cond_signal(&t->cond);
	}
	pthread_mutex_unlock(&t->lock);
	if (err) {
		job_free(job);
		return err;
	}
	if (jobp)
		*jobp = job;
	return 0;
}

void tts_abandon(struct tts_job *job)
{
	if (job)
		atomic_store(&job->abandoned, true);
}

void tts_stats(const struct tts *t, struct tts_stats *st)
{
	struct tts *mt = (struct tts *)t;

	st->synthesized = atomic_load(&mt->synthesized);
	st->cache_hits = atomic_load(&mt->hits);
	st->failed = atomic_load(&mt->failed);
}
