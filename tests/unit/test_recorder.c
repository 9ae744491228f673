/*
 * test_recorder.c — the recording writer (src/media/recorder.c) on a real
 * libre loop: the test's thread is the control thread, a second thread
 * plays the media thread and pushes tones (440 Hz on the left/customer
 * side, 1000 Hz on the right/agent side) in 20 ms ticks.
 *
 * Checks the files (stereo keeps each tone on its side, mono holds both,
 * MP3 decodes to the right length), pause (audio dropped, duration
 * excludes it, paused time counted), overflow of the ring (counted, never
 * blocking; a burst bigger than the ring, as a writer stalled for four
 * seconds would see), stopping the writer with recordings still open
 * (valid final files, close answers at once) and the repair of a .part
 * file left by a crash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sndfile.h>
#include "core/libre.h"
#include "media/recorder.h"
#include "loop_env.h"

enum { RATE = 8000, TICK = 160 };

static char dir[64];

struct result {
	bool called;
	int err;
	struct recording_info info;
	char path[256];
};

static void done_handler(int err, const struct recording_info *info,
			 void *arg)
{
	struct result *r = arg;

	r->called = true;
	r->err = err;
	r->info = *info;
	snprintf(r->path, sizeof(r->path), "%s", info->path);
	r->info.path = r->path;
}

static void wait_for(struct result *r)
{
	for (int i = 0; i < 500 && !r->called; i++)
		run_loop(20);
	assert_true(r->called);
}

static int64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the media thread ---------------------------------------------------- */

struct producer {
	struct recorder *r;
	size_t samples;         /* per side */
	size_t offset;          /* phase of the tones */
	unsigned sleep_us;      /* between ticks */
	int64_t took_ms;
};

static void tone(int16_t *out, size_t n, size_t offset, double hz)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (int16_t)(8000 * sin(2 * M_PI * hz *
					       (double)(offset + i) / RATE));
}

static void *produce(void *arg)
{
	struct producer *p = arg;
	int16_t left[TICK], right[TICK];
	int64_t t0 = mono_now();

	for (size_t done = 0; done < p->samples; done += TICK) {
		tone(left, TICK, p->offset + done, 440);
		tone(right, TICK, p->offset + done, 1000);
		recorder_push(p->r, left, right, TICK);
		if (p->sleep_us)
			usleep(p->sleep_us);
	}
	p->took_ms = mono_now() - t0;
	return NULL;
}

/* Pushes `seconds` of tones from another thread and waits for it. */
static struct producer push_tones(struct recorder *r, double seconds,
				  size_t offset, unsigned sleep_us)
{
	struct producer p = {r, (size_t)(seconds * RATE), offset, sleep_us, 0};
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, produce, &p), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	return p;
}

/* ---- reading the files --------------------------------------------------- */

struct audio {
	SF_INFO info;
	float *pcm;             /* interleaved */
};

static struct audio read_audio(const char *rel)
{
	char path[512];
	struct audio a = {0};
	SNDFILE *sf;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	sf = sf_open(path, SFM_READ, &a.info);
	assert_non_null(sf);
	a.pcm = calloc((size_t)(a.info.frames * a.info.channels) + 1,
		       sizeof(float));
	assert_non_null(a.pcm);
	assert_int_equal(sf_readf_float(sf, a.pcm, a.info.frames),
			 a.info.frames);
	sf_close(sf);
	return a;
}

/* Goertzel: the power of one frequency in a channel. */
static double power_at(const struct audio *a, int channel, double hz)
{
	double k = 2 * cos(2 * M_PI * hz / a->info.samplerate);
	double s1 = 0, s2 = 0;

	for (sf_count_t i = 0; i < a->info.frames; i++) {
		double s = a->pcm[i * a->info.channels + channel] + k * s1 -
			   s2;

		s2 = s1;
		s1 = s;
	}
	return (s1 * s1 + s2 * s2 - k * s1 * s2) / (double)a->info.frames;
}

static bool exists(const char *rel, const char *suffix)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s%s", dir, rel, suffix);
	return access(path, F_OK) == 0;
}

/* ---- fixtures ------------------------------------------------------------ */

static int setup(void **state)
{
	struct rec_writer *w = NULL;

	snprintf(dir, sizeof(dir), "/tmp/hotline-recorder-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(recorder_writer_start(&w, dir), 0);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	recorder_writer_stop(*state);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct recorder *open_rec(struct rec_writer *w, const char *path,
				 enum rec_format f, enum rec_mode m)
{
	struct recorder_cfg cfg = {path, f, m, RATE};
	struct recorder *r = NULL;

	assert_int_equal(recorder_open(&r, w, &cfg), 0);
	return r;
}

static struct result close_rec(struct recorder *r)
{
	struct result res = {0};

	recorder_detach(r);     /* the producer is done with it */
	recorder_close(r, done_handler, &res);
	assert_false(res.called);       /* done comes later, from the loop */
	wait_for(&res);
	return res;
}

/* ---- tests --------------------------------------------------------------- */

static void test_stereo_sides(void **state)
{
	struct recorder *r = open_rec(*state, "a/b/stereo.wav", REC_WAV,
				      REC_STEREO);
	struct result res;
	struct audio a;

	push_tones(r, 2.0, 0, 1000);
	res = close_rec(r);
	assert_int_equal(res.err, 0);
	assert_string_equal(res.path, "a/b/stereo.wav");
	assert_int_equal(res.info.format, REC_WAV);
	assert_int_equal(res.info.duration_ms, 2000);
	assert_int_equal(res.info.dropped, 0);
	assert_true(res.info.bytes >= 2 * RATE * 4);
	assert_false(exists("a/b/stereo.wav", ".part"));
	a = read_audio("a/b/stereo.wav");
	assert_int_equal(a.info.channels, 2);
	assert_int_equal(a.info.samplerate, RATE);
	assert_int_equal(a.info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	assert_int_equal(a.info.frames, 2 * RATE);
	/* left: the customer's 440 Hz only; right: the agent's 1000 Hz */
	assert_true(power_at(&a, 0, 440) > 100 * power_at(&a, 0, 1000));
	assert_true(power_at(&a, 1, 1000) > 100 * power_at(&a, 1, 440));
	free(a.pcm);
}

static void test_mono_mix(void **state)
{
	struct recorder *r = open_rec(*state, "mono.wav", REC_WAV, REC_MONO);
	struct result res;
	struct audio a;
	double p440, p1000, p700;

	push_tones(r, 1.0, 0, 0);
	res = close_rec(r);
	assert_int_equal(res.err, 0);
	a = read_audio("mono.wav");
	assert_int_equal(a.info.channels, 1);
	assert_int_equal(a.info.frames, RATE);
	p440 = power_at(&a, 0, 440);
	p1000 = power_at(&a, 0, 1000);
	p700 = power_at(&a, 0, 700);
	assert_true(p440 > 100 * p700);
	assert_true(p1000 > 100 * p700);
	assert_true(p440 < 2 * p1000 && p1000 < 2 * p440);
	free(a.pcm);
}

static void test_pause(void **state)
{
	struct recorder *r = open_rec(*state, "pause.wav", REC_WAV,
				      REC_STEREO);
	struct result res;
	struct audio a;

	push_tones(r, 1.0, 0, 0);
	recorder_pause(r, true);
	push_tones(r, 1.0, RATE, 0);            /* dropped */
	run_loop(150);
	recorder_pause(r, true);                /* twice: no change */
	recorder_pause(r, false);
	push_tones(r, 0.5, 2 * RATE, 0);
	res = close_rec(r);
	assert_int_equal(res.err, 0);
	assert_int_equal(res.info.duration_ms, 1500);
	assert_int_equal(res.info.dropped, 0);  /* paused is not overflow */
	assert_true(res.info.paused_ms >= 140 && res.info.paused_ms < 2000);
	a = read_audio("pause.wav");
	assert_int_equal(a.info.frames, RATE * 3 / 2);
	free(a.pcm);
}

static void test_mp3(void **state)
{
	struct recorder *r;
	struct result res;
	struct audio a;

	if (!recorder_mp3_available())
		skip();
	r = open_rec(*state, "x/call.mp3", REC_MP3, REC_STEREO);
	push_tones(r, 3.0, 0, 500);
	res = close_rec(r);
	assert_int_equal(res.err, 0);
	assert_false(res.info.mp3_fallback);
	assert_int_equal(res.info.format, REC_MP3);
	assert_string_equal(res.path, "x/call.mp3");
	assert_int_equal(res.info.duration_ms, 3000);
	/* 24 kbit/s: far smaller than the 96 KB of 16-bit stereo WAV */
	assert_true(res.info.bytes > 3000 && res.info.bytes < 20000);
	a = read_audio("x/call.mp3");
	assert_int_equal(a.info.format & SF_FORMAT_TYPEMASK, SF_FORMAT_MPEG);
	assert_int_equal(a.info.channels, 2);
	print_message("  mp3: %lld frames, %llu bytes\n",
		      (long long)a.info.frames,
		      (unsigned long long)res.info.bytes);
	assert_true(a.info.frames > 3 * RATE - RATE / 10 &&
		    a.info.frames < 3 * RATE + RATE / 5);
	assert_true(power_at(&a, 0, 440) > 10 * power_at(&a, 0, 1000));
	assert_true(power_at(&a, 1, 1000) > 10 * power_at(&a, 1, 440));
	free(a.pcm);
}

static void test_overflow(void **state)
{
	struct recorder *r = open_rec(*state, "over.wav", REC_WAV,
				      REC_STEREO);
	size_t big = 5 * RATE;          /* more than the ring's 4 s */
	int16_t *pcm = calloc(big, sizeof(*pcm));
	struct result res;
	int64_t t0 = mono_now();

	assert_non_null(pcm);
	/* No room: dropped and counted at once, never waiting for the
	   writer. */
	recorder_push(r, pcm, pcm, big);
	assert_true(mono_now() - t0 < 50);
	assert_int_equal(recorder_dropped(r), big);
	free(pcm);
	/* the ring still takes what fits */
	push_tones(r, 1.0, 0, 0);
	res = close_rec(r);
	assert_int_equal(res.err, 0);
	assert_int_equal(res.info.dropped, big);
	assert_int_equal(res.info.duration_ms, 1000);
}

/* The daemon stops with recordings open: both files are final and valid,
   and closing them afterwards answers at once. */
static void test_stop_with_open(void **state)
{
	struct rec_writer *w = *state;
	struct recorder *a = open_rec(w, "open/a.wav", REC_WAV, REC_STEREO);
	struct recorder *b = open_rec(w, "open/b.mp3", REC_MP3, REC_MONO);
	struct result ra = {0}, rb = {0};
	struct audio x;

	push_tones(a, 1.0, 0, 0);
	push_tones(b, 1.0, 0, 0);
	assert_int_equal(recorder_writer_open_count(w), 2);
	recorder_writer_stop(w);
	*state = NULL;
	recorder_push(a, NULL, NULL, TICK);     /* harmless after the stop */
	assert_false(exists("open/a.wav", ".part"));
	x = read_audio("open/a.wav");
	assert_int_equal(x.info.frames, RATE);
	free(x.pcm);
	x = read_audio(recorder_mp3_available() ? "open/b.mp3" : "open/b.wav");
	assert_true(x.info.frames >= RATE - RATE / 10);
	free(x.pcm);
	recorder_close(a, done_handler, &ra);
	assert_true(ra.called);
	assert_int_equal(ra.info.duration_ms, 1000);
	recorder_detach(a);
	recorder_detach(b);
	recorder_close(b, done_handler, &rb);
	assert_true(rb.called);
	assert_int_equal(rb.info.duration_ms, 1000);
	/* a fresh writer for the teardown */
	assert_int_equal(recorder_writer_start((struct rec_writer **)state,
					       dir), 0);
}

/* A crash leaves crash.wav.part with a header that says less than the
   file holds; recovery repairs it and renames it. */
static void test_recover(void **state)
{
	struct recorder *r = open_rec(*state, "crash.wav", REC_WAV,
				      REC_STEREO);
	struct recording_info info;
	char src[256], dst[256], cmd[700];
	struct audio a;
	struct result res;
	int fd;

	push_tones(r, 1.5, 0, 0);
	run_loop(500);          /* the writer has appended it */
	snprintf(src, sizeof(src), "%s/crash.wav.part", dir);
	snprintf(dst, sizeof(dst), "%s/lost/c.wav.part", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/lost && cp %s %s", dir, src,
		 dst);
	assert_int_equal(system(cmd), 0);
	/* and a torn last frame, as a crash mid-write may leave */
	fd = open(dst, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\1\2\3", 3), 3);
	close(fd);
	res = close_rec(r);
	assert_int_equal(res.err, 0);

	assert_int_equal(recorder_recover(dir, "lost/c.wav", &info), 0);
	assert_false(exists("lost/c.wav", ".part"));
	assert_int_equal(info.format, REC_WAV);
	assert_int_equal(info.duration_ms, 1500);
	a = read_audio("lost/c.wav");
	assert_int_equal(a.info.frames, RATE * 3 / 2);
	assert_true(power_at(&a, 0, 440) > 100 * power_at(&a, 0, 1000));
	free(a.pcm);
	/* already final: described as is; nothing: ENOENT */
	assert_int_equal(recorder_recover(dir, "lost/c.wav", &info), 0);
	assert_int_equal(info.duration_ms, 1500);
	assert_int_equal(recorder_recover(dir, "lost/none.wav", &info),
			 ENOENT);
}

static void test_refusals(void **state)
{
	struct recorder_cfg bad_rate = {"r.wav", REC_WAV, REC_STEREO, 44100};
	struct recorder_cfg no_path = {"", REC_WAV, REC_STEREO, RATE};
	struct recorder *r = NULL;

	assert_int_equal(recorder_open(&r, *state, &bad_rate), EINVAL);
	assert_int_equal(recorder_open(&r, *state, &no_path), EINVAL);
	assert_int_equal(recorder_open(&r, NULL, &bad_rate), EINVAL);
	assert_null(r);
	recorder_push(NULL, NULL, NULL, TICK);
	recorder_pause(NULL, true);
	recorder_close(NULL, done_handler, NULL);
	recorder_detach(NULL);
}

/* An empty recording (closed before any audio) is still a valid file. */
static void test_empty(void **state)
{
	struct recorder *r = open_rec(*state, "empty.wav", REC_WAV, REC_MONO);
	struct result res = close_rec(r);
	struct audio a;

	assert_int_equal(res.err, 0);
	assert_int_equal(res.info.duration_ms, 0);
	a = read_audio("empty.wav");
	assert_int_equal(a.info.frames, 0);
	free(a.pcm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stereo_sides, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mono_mix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pause, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mp3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stop_with_open, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	};
	int rc;

	if (libre_init())
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	libre_close();
	return rc;
}
