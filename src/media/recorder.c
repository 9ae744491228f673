/*
 * recorder.c — the recording writer (see recorder.h).
 *
 * Each recording has a ring of interleaved (left, right) frames: the
 * producer owns `head`, the writer owns `tail`, both only ever grow (the
 * slot is the value modulo the power-of-two capacity). The producer
 * publishes frames with a release store of head; the writer reads them
 * after an acquire load and hands the slots back with a release store of
 * tail. Mixing to mono is done by the writer, not the media thread.
 *
 * The writer thread sleeps on an eventfd for at most 200 ms. The eventfd
 * lives in a small reference-counted `kick` that every recorder holds, so
 * a producer that still has its pointer after the writer stopped writes to
 * a descriptor that is still open (and nobody reads).
 *
 * A recorder's memory has two references: the producer's (dropped by
 * recorder_detach) and the owner's (dropped once done has run). The owner
 * reference is carried by the writer's lists while the file is open: the
 * writer moves a finalised recording to the done list (closed by its
 * owner) or, when the writer stops first, to the orphans (its
 * recorder_close then runs done at once).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sndfile.h>
#include "../core/dirs.h"
#include "../core/libre.h"
#include "../core/log.h"
#include "recorder.h"

enum { CHUNK = 4096 };          /* frames per libsndfile write */

/* MP3 at a constant bit rate: 24 kbit/s at 8 kHz, about 56 at 16 kHz. */
#define MP3_COMPRESSION 0.75

struct kick {
	atomic_int refs;
	int fd;
};

struct recorder {
	struct recorder *next;          /* in one of the writer's lists */
	struct rec_writer *w;           /* ctl: NULL once the writer stopped */
	struct kick *kick;
	char *path;                     /* as given; ".wav" on MP3 fallback */
	enum rec_format format;
	enum rec_mode mode;
	unsigned rate;
	atomic_int refs;                /* producer + owner */

	/* the ring: head written by the producer, tail by the writer */
	int16_t *ring;
	uint64_t cap;                   /* frames, a power of two */
	_Atomic uint64_t head, tail;
	atomic_bool paused, closing;
	_Atomic uint64_t dropped;

	/* control thread */
	recorder_done_h *done;
	void *arg;
	bool closed;
	int64_t pause_start;            /* monotonic ms; 0: not paused */
	uint64_t paused_ms;

	/* writer thread (until finalised; then read by the control thread) */
	bool opened, failed, drop_logged;
	SNDFILE *sf;
	int fd;
	char *full, *part;
	uint64_t frames, header_at;
	int err;
	struct recording_info info;
};

struct rec_writer {
	char *dir;
	struct kick *kick;
	bool mp3;
	pthread_t thread;
	bool started;
	struct mqueue *wake;            /* done list -> control thread */
	pthread_mutex_t lock;           /* guards the lists and stopping */
	struct recorder *active;        /* open, newest first */
	struct recorder *done_head, *done_tail;
	struct recorder *orphans;       /* finalised at stop, not closed */
	bool stopping;
	atomic_uint open;
	int16_t scratch[CHUNK * 2];     /* writer thread */
};

static int64_t clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the wake-up --------------------------------------------------------- */

static struct kick *kick_new(void)
{
	struct kick *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (k->fd < 0) {
		free(k);
		return NULL;
	}
	atomic_init(&k->refs, 1);
	return k;
}

static struct kick *kick_ref(struct kick *k)
{
	atomic_fetch_add(&k->refs, 1);
	return k;
}

static void kick_unref(struct kick *k)
{
	if (k && atomic_fetch_sub(&k->refs, 1) == 1) {
		close(k->fd);
		free(k);
	}
}

/* Never blocks: a counter already at its limit is awake anyway. */
static void kick(struct kick *k)
{
	uint64_t one = 1;
	ssize_t n = write(k->fd, &one, sizeof(one));

	(void)n;
}

static void wait_kick(struct kick *k, int ms)
{
	struct pollfd pfd = {.fd = k->fd, .events = POLLIN};
	uint64_t count;

	if (poll(&pfd, 1, ms) > 0 && read(k->fd, &count, sizeof(count)) < 0)
		(void)count;
}

/* ---- recorders ----------------------------------------------------------- */

static void recorder_unref(struct recorder *r)
{
	if (atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	kick_unref(r->kick);
	free(r->ring);
	free(r->path);
	free(r->full);
	free(r->part);
	free(r);
}

bool recorder_mp3_available(void)
{
	SF_INFO info = {.samplerate = 8000, .channels = 2,
			.format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III};

	return sf_format_check(&info) != 0;
}

static uint64_t ring_frames(unsigned rate)
{
	uint64_t want = (uint64_t)rate * RECORDER_RING_SECONDS, cap = 1024;

	while (cap < want)
		cap <<= 1;
	return cap;
}

static bool cfg_valid(const struct recorder_cfg *cfg)
{
	return cfg && cfg->path && *cfg->path &&
	       (cfg->rate == 8000 || cfg->rate == 16000) &&
	       (cfg->format == REC_WAV || cfg->format == REC_MP3) &&
	       (cfg->mode == REC_STEREO || cfg->mode == REC_MONO);
}

int recorder_open(struct recorder **rp, struct rec_writer *w,
		  const struct recorder_cfg *cfg)
{
	struct recorder *r;
	int err = 0;

	if (!rp || !w || !cfg_valid(cfg))
		return EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->cap = ring_frames(cfg->rate);
	r->ring = malloc(r->cap * 2 * sizeof(*r->ring));
	r->path = strdup(cfg->path);
	if (!r->ring || !r->path) {
		free(r->ring);
		free(r->path);
		free(r);
		return ENOMEM;
	}
	r->format = cfg->format;
	r->mode = cfg->mode;
	r->rate = cfg->rate;
	r->fd = -1;
	r->w = w;
	r->kick = kick_ref(w->kick);
	atomic_init(&r->refs, 2);
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		err = ESHUTDOWN;
	} else {
		r->next = w->active;
		w->active = r;
		atomic_fetch_add(&w->open, 1);
	}
	pthread_mutex_unlock(&w->lock);
	if (err) {
		atomic_store(&r->refs, 1);
		recorder_unref(r);
		return err;
	}
	kick(w->kick);          /* the file is created soon, not at 200 ms */
	*rp = r;
	return 0;
}

static void put_frames(struct recorder *r, uint64_t head, const int16_t *l,
		       const int16_t *rt, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t slot = ((head + i) & (r->cap - 1)) * 2;

		r->ring[slot] = l ? l[i] : 0;
		r->ring[slot + 1] = rt ? rt[i] : 0;
	}
}

void recorder_push(struct recorder *r, const int16_t *left,
		   const int16_t *right, size_t n)
{
	uint64_t head, tail, used;

	if (!r || !n || atomic_load_explicit(&r->closing, memory_order_relaxed)
	    || atomic_load_explicit(&r->paused, memory_order_relaxed))
		return;
	head = atomic_load_explicit(&r->head, memory_order_relaxed);
	tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	used = head - tail;
	if (n > r->cap - used) {
		atomic_fetch_add_explicit(&r->dropped, n,
					  memory_order_relaxed);
		return;
	}
	put_frames(r, head, left, right, n);
	atomic_store_explicit(&r->head, head + n, memory_order_release);
	if (used < r->cap / 2 && used + n >= r->cap / 2)
		kick(r->kick);
}

void recorder_pause(struct recorder *r, bool paused)
{
	if (!r || r->closed)
		return;
	if (paused && !r->pause_start) {
		r->pause_start = clock_ms();
		if (!r->pause_start)
			r->pause_start = 1;
	} else if (!paused && r->pause_start) {
		r->paused_ms += (uint64_t)(clock_ms() - r->pause_start);
		r->pause_start = 0;
	}
	atomic_store(&r->paused, paused);
}

uint64_t recorder_dropped(const struct recorder *r)
{
	return r ? atomic_load(&((struct recorder *)r)->dropped) : 0;
}

/* Control thread: the owner hears how it went, then lets go. */
static void deliver(struct recorder *r)
{
	r->info.paused_ms = r->paused_ms;
	if (r->done)
		r->done(r->err, &r->info, r->arg);
	recorder_unref(r);
}

void recorder_close(struct recorder *r, recorder_done_h *done, void *arg)
{
	if (!r || r->closed)
		return;
	recorder_pause(r, false);
	r->closed = true;
	r->done = done;
	r->arg = arg;
	if (!r->w) {            /* finalised when the writer stopped */
		deliver(r);
		return;
	}
	atomic_store_explicit(&r->closing, true, memory_order_release);
	kick(r->kick);
}

void recorder_detach(struct recorder *r)
{
	if (r)
		recorder_unref(r);
}

/* ---- files (writer thread) ----------------------------------------------- */

static char *join_path(const char *dir, const char *path, const char *suffix)
{
	size_t size = strlen(dir) + strlen(path) + strlen(suffix) + 2;
	char *s = malloc(size);

	if (!s)
		return NULL;
	if (path[0] == '/')
		snprintf(s, size, "%s%s", path, suffix);
	else
		snprintf(s, size, "%s/%s%s", dir, path, suffix);
	return s;
}

static int make_parent(const char *file)
{
	char dir[PATH_MAX];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", file) >= (int)sizeof(dir))
		return ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return dirs_make(dir);
}

/* path with its extension replaced by ".wav" (MP3 fallback). */
static int use_wav_name(struct recorder *r)
{
	char *dot = strrchr(r->path, '.'), *slash = strrchr(r->path, '/');
	size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - r->path)
						      : strlen(r->path);
	char *p = malloc(stem + 5);

	if (!p)
		return ENOMEM;
	memcpy(p, r->path, stem);
	memcpy(p + stem, ".wav", 5);
	free(r->path);
	r->path = p;
	return 0;
}

static void set_mp3_options(SNDFILE *sf)
{
	int mode = SF_BITRATE_MODE_CONSTANT;
	double level = MP3_COMPRESSION;

	sf_command(sf, SFC_SET_BITRATE_MODE, &mode, sizeof(mode));
	sf_command(sf, SFC_SET_COMPRESSION_LEVEL, &level, sizeof(level));
}

static int try_open(struct rec_writer *w, struct recorder *r,
		    enum rec_format format)
{
	SF_INFO info = {.samplerate = (int)r->rate,
			.channels = r->mode == REC_STEREO ? 2 : 1,
			.format = format == REC_MP3
				  ? SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III
				  : SF_FORMAT_WAV | SF_FORMAT_PCM_16};
	int err;

	free(r->full);
	free(r->part);
	r->full = join_path(w->dir, r->path, "");
	r->part = join_path(w->dir, r->path, ".part");
	if (!r->full || !r->part)
		return ENOMEM;
	err = make_parent(r->full);
	if (err)
		return err;
	r->fd = open(r->part, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (r->fd < 0)
		return errno;
	r->sf = sf_open_fd(r->fd, SFM_WRITE, &info, SF_FALSE);
	if (!r->sf) {
		close(r->fd);
		r->fd = -1;
		unlink(r->part);
		return EIO;
	}
	if (format == REC_MP3)
		set_mp3_options(r->sf);
	r->format = format;
	return 0;
}

static void file_open(struct rec_writer *w, struct recorder *r)
{
	int err;

	r->opened = true;
	err = r->format == REC_MP3 && w->mp3 ? try_open(w, r, REC_MP3) : -1;
	if (err && r->format == REC_MP3) {
		log_warn("recorder", "%s: MP3 cannot be written here (%s); "
			 "recording as WAV", r->path,
			 err > 0 ? strerror(err) : "no LAME in libsndfile");
		r->info.mp3_fallback = true;
		err = use_wav_name(r);
		if (!err)
			err = try_open(w, r, REC_WAV);
	} else if (err) {
		err = try_open(w, r, REC_WAV);
	}
	if (err) {
		log_error("recorder", "cannot create %s: %s", r->part ? r->part
			  : r->path, strerror(err));
		r->failed = true;
		r->err = EIO;
	}
}

static int16_t saturate(int32_t v)
{
	return v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN
							 : (int16_t)v;
}

/* Frames [tail, tail + n) of the ring into the scratch buffer, in the
   file's layout. */
static void take_frames(struct rec_writer *w, struct recorder *r,
			uint64_t tail, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t slot = ((tail + i) & (r->cap - 1)) * 2;

		if (r->mode == REC_STEREO) {
			w->scratch[2 * i] = r->ring[slot];
			w->scratch[2 * i + 1] = r->ring[slot + 1];
		} else {
			w->scratch[i] = saturate((int32_t)r->ring[slot] +
						 r->ring[slot + 1]);
		}
	}
}

static void write_frames(struct rec_writer *w, struct recorder *r, size_t n)
{
	if (!r->sf || r->failed)
		return;
	if (sf_writef_short(r->sf, w->scratch, (sf_count_t)n) !=
	    (sf_count_t)n) {
		log_error("recorder", "writing %s: %s", r->part,
			  sf_strerror(r->sf));
		r->failed = true;
		r->err = EIO;
		return;
	}
	r->frames += n;
}

/* Everything the ring holds now goes to the file (or is discarded when
   the file failed, so the producer keeps room). */
static void drain(struct rec_writer *w, struct recorder *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	while (tail < head) {
		size_t n = head - tail > CHUNK ? CHUNK : (size_t)(head - tail);

		take_frames(w, r, tail, n);
		tail += n;
		atomic_store_explicit(&r->tail, tail, memory_order_release);
		write_frames(w, r, n);
	}
	if (r->format == REC_WAV && r->sf && !r->failed &&
	    r->frames - r->header_at >= (uint64_t)r->rate *
	    RECORDER_HEADER_EVERY_S) {
		sf_command(r->sf, SFC_UPDATE_HEADER_NOW, NULL, 0);
		r->header_at = r->frames;
	}
	if (!r->drop_logged && atomic_load(&r->dropped)) {
		r->drop_logged = true;
		log_warn("recorder", "%s: the writer fell behind, audio is "
			 "being dropped", r->path);
	}
}

/* Closes the file and gives it its final name. */
static void finalise(struct recorder *r)
{
	struct stat st;

	if (r->sf && sf_close(r->sf) && !r->failed) {
		r->failed = true;
		r->err = EIO;
	}
	r->sf = NULL;
	if (r->fd >= 0) {
		if (fdatasync(r->fd) && !r->failed) {
			r->failed = true;
			r->err = EIO;
		}
		close(r->fd);
		r->fd = -1;
		if (r->failed && !r->frames)
			unlink(r->part);
		else if (rename(r->part, r->full)) {
			log_error("recorder", "renaming %s: %s", r->part,
				  strerror(errno));
			r->err = EIO;
		}
	}
	r->info.path = r->path;
	r->info.format = r->format;
	r->info.bytes = r->full && !stat(r->full, &st) ? (uint64_t)st.st_size
						       : 0;
	r->info.duration_ms = r->frames * 1000 / r->rate;
	r->info.dropped = atomic_load(&r->dropped);
}

/* ---- the writer ---------------------------------------------------------- */

static void unlink_active(struct rec_writer *w, struct recorder *r)
{
	struct recorder **pp = &w->active;

	while (*pp && *pp != r)
		pp = &(*pp)->next;
	if (*pp)
		*pp = r->next;
	r->next = NULL;
}

/* Writer: a finalised recording leaves the active list. */
static void retire(struct rec_writer *w, struct recorder *r, bool closed)
{
	bool wake = false;

	pthread_mutex_lock(&w->lock);
	unlink_active(w, r);
	if (closed) {
		wake = !w->done_head;
		if (w->done_tail)
			w->done_tail->next = r;
		else
			w->done_head = r;
		w->done_tail = r;
	} else {
		r->next = w->orphans;
		w->orphans = r;
	}
	pthread_mutex_unlock(&w->lock);
	atomic_fetch_sub(&w->open, 1);
	if (wake)
		mqueue_push(w->wake, 0, NULL);
}

static void service(struct rec_writer *w, struct recorder *r, bool stopping)
{
	bool closing = atomic_load_explicit(&r->closing,
					    memory_order_acquire);

	if (!r->opened)
		file_open(w, r);
	drain(w, r);
	if (!closing && !stopping)
		return;
	finalise(r);
	retire(w, r, closing);
}

static void *writer_main(void *arg)
{
	struct rec_writer *w = arg;
	bool stopping = false;

	while (!stopping) {
		struct recorder *r, *next;

		wait_kick(w->kick, RECORDER_WAKE_MS);
		pthread_mutex_lock(&w->lock);
		stopping = w->stopping;
		r = w->active;
		pthread_mutex_unlock(&w->lock);
		/* New recorders go in at the head, so this run's nodes keep
		   their links; only this thread removes nodes. */
		for (; r; r = next) {
			next = r->next;
			service(w, r, stopping);
		}
	}
	return NULL;
}

/* Control thread: done for every recording the writer finished. */
static void run_done(struct rec_writer *w)
{
	struct recorder *r;

	pthread_mutex_lock(&w->lock);
	r = w->done_head;
	w->done_head = w->done_tail = NULL;
	pthread_mutex_unlock(&w->lock);
	while (r) {
		struct recorder *next = r->next;

		r->next = NULL;
		deliver(r);
		r = next;
	}
}

static void wake_handler(int id, void *data, void *arg)
{
	(void)id;
	(void)data;
	run_done(arg);
}

int recorder_writer_start(struct rec_writer **wp, const char *dir)
{
	struct rec_writer *w;
	int err;

	if (!wp || !dir || !*dir)
		return EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	w->mp3 = recorder_mp3_available();
	w->dir = strdup(dir);
	w->kick = kick_new();
	err = !w->dir || !w->kick ? ENOMEM : dirs_make(dir);
	if (!err)
		err = mqueue_alloc(&w->wake, wake_handler, w);
	if (!err)
		err = pthread_create(&w->thread, NULL, writer_main, w);
	if (err) {
		w->started = false;
		recorder_writer_stop(w);
		return err;
	}
	w->started = true;
	if (!w->mp3)
		log_warn("recorder", "this libsndfile cannot write MP3: MP3 "
			 "recordings are written as WAV");
	*wp = w;
	return 0;
}

void recorder_writer_stop(struct rec_writer *w)
{
	struct recorder *r;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_mutex_unlock(&w->lock);
	if (w->started) {
		kick(w->kick);
		pthread_join(w->thread, NULL);
	}
	run_done(w);
	/* Finalised without a close: recorder_close answers at once. */
	for (r = w->orphans; r; r = r->next)
		r->w = NULL;
	while ((r = w->orphans)) {
		w->orphans = r->next;
		r->next = NULL;
	}
	mem_deref(w->wake);
	kick_unref(w->kick);
	pthread_mutex_destroy(&w->lock);
	free(w->dir);
	free(w);
}

unsigned recorder_writer_open_count(const struct rec_writer *w)
{
	return w ? atomic_load(&((struct rec_writer *)w)->open) : 0;
}

/* ---- recovery after a crash ---------------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static bool read_at(int fd, void *buf, size_t n, off_t off)
{
	return pread(fd, buf, n, off) == (ssize_t)n;
}

static bool write_le32_at(int fd, uint32_t v, off_t off)
{
	uint8_t b[4];

	put_le32(b, v);
	return pwrite(fd, b, 4, off) == 4;
}

/* Sets the RIFF and data sizes of a WAV whose writer died to the whole
   frames really on disk. 0, or EIO (not a WAV we can repair: left as is). */
static int wav_repair(int fd, uint64_t size)
{
	uint8_t hdr[12], ch[8], fmt[16];
	uint64_t pos = 12, block = 0;

	if (!read_at(fd, hdr, 12, 0) || memcmp(hdr, "RIFF", 4) ||
	    memcmp(hdr + 8, "WAVE", 4))
		return EIO;
	while (pos + 8 <= size && read_at(fd, ch, 8, (off_t)pos)) {
		uint64_t len = le32(ch + 4), data, avail;

		if (!memcmp(ch, "fmt ", 4) && len >= 16 &&
		    read_at(fd, fmt, 16, (off_t)pos + 8))
			block = (uint64_t)fmt[12] | (uint64_t)fmt[13] << 8;
		if (memcmp(ch, "data", 4)) {
			pos += 8 + len + (len & 1);
			continue;
		}
		data = pos + 8;
		avail = size - data;
		if (block)
			avail -= avail % block;
		if (avail > UINT32_MAX - data)
			return EIO;
		if (!write_le32_at(fd, (uint32_t)avail, (off_t)pos + 4) ||
		    !write_le32_at(fd, (uint32_t)(data + avail - 8), 4) ||
		    ftruncate(fd, (off_t)(data + avail)) || fdatasync(fd))
			return EIO;
		return 0;
	}
	return EIO;
}

static int repair_part(const char *part, const char *full)
{
	struct stat st;
	int fd = open(part, O_RDWR | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno;
	if (fstat(fd, &st))
		err = errno;
	else if (wav_repair(fd, (uint64_t)st.st_size) == 0)
		log_info("recorder", "repaired the WAV header of %s", part);
	close(fd);
	if (!err && rename(part, full))
		err = errno;
	return err;
}

static int describe(const char *full, struct recording_info *info)
{
	SF_INFO si = {0};
	struct stat st;
	SNDFILE *sf;

	if (stat(full, &st))
		return errno;
	info->bytes = (uint64_t)st.st_size;
	sf = sf_open(full, SFM_READ, &si);
	if (!sf)
		return EIO;
	sf_close(sf);
	info->format = (si.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG
		       ? REC_MP3 : REC_WAV;
	info->duration_ms = si.samplerate > 0 && si.frames > 0
			    ? (uint64_t)si.frames * 1000 /
			      (uint64_t)si.samplerate : 0;
	return 0;
}

int recorder_recover(const char *dir, const char *path,
		     struct recording_info *info)
{
	char *full, *part;
	int err = 0;

	if (!dir || !path || !info)
		return EINVAL;
	memset(info, 0, sizeof(*info));
	info->path = path;
	full = join_path(dir, path, "");
	part = join_path(dir, path, ".part");
	if (!full || !part)
		err = ENOMEM;
	else if (!access(part, F_OK))
		err = repair_part(part, full);
	else if (access(full, F_OK))
		err = ENOENT;
	if (!err)
		err = describe(full, info);
	free(full);
	free(part);
	return err;
}
