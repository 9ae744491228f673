/*
 * test_tts.c — text to speech (src/media/tts.c) with the real espeak-ng on
 * a real libre loop: the test's thread is the control thread and receives
 * the results, the module's worker synthesises.
 *
 * Checks the files (16 kHz mono 16-bit WAV, long enough, not silent), the
 * cache (a second request is a hit, another rate is another file, trimming
 * at start keeps the newest files and removes stale temporaries), refusals,
 * abandoned requests (done never runs, synthesis skipped) and shutdown with
 * requests queued (each gets ECANCELED, no temporary file is left).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sndfile.h>
#include "core/libre.h"
#include "media/tts.h"
#include "loop_env.h"

struct result {
	bool called;
	int err;
	char path[512];
};

static char dir[64];

static void done_handler(int err, const char *path, void *arg)
{
	struct result *r = arg;

	r->called = true;
	r->err = err;
	snprintf(r->path, sizeof(r->path), "%s", path ? path : "");
}

/* Runs the loop until r is answered (at most 20 s). */
static void wait_for(struct result *r)
{
	for (int i = 0; i < 1000 && !r->called; i++)
		run_loop(20);
	assert_true(r->called);
}

static unsigned count_files(const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, prefix, strlen(prefix)) &&
		     strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

struct wav {
	SF_INFO info;
	double seconds, rms;
};

static struct wav read_wav(const char *path)
{
	struct wav w = {0};
	SNDFILE *sf = sf_open(path, SFM_READ, &w.info);
	short buf[4096];
	sf_count_t n;
	double sum = 0;

	assert_non_null(sf);
	while ((n = sf_read_short(sf, buf, 4096)) > 0)
		for (sf_count_t i = 0; i < n; i++)
			sum += (double)buf[i] * buf[i];
	sf_close(sf);
	w.seconds = (double)w.info.frames / w.info.samplerate;
	w.rms = w.info.frames ? sqrt(sum / (double)w.info.frames) : 0;
	return w;
}

static void check_speech(const char *path)
{
	struct wav w = read_wav(path);

	print_message("  %s: %.2f s, rms %.0f\n", strrchr(path, '/') + 1,
		      w.seconds, w.rms);
	assert_int_equal(w.info.samplerate, 16000);
	assert_int_equal(w.info.channels, 1);
	assert_int_equal(w.info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	assert_true(w.seconds > 0.3);
	assert_true(w.rms > 300);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hotline-tts-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	(void)state;
	while (d && (de = readdir(d)))
		unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
	return 0;
}

/* ---- tests ------------------------------------------------------------- */

static void test_render_and_cache(void **state)
{
	struct result zh = {0}, en = {0}, again = {0}, faster = {0};
	struct tts_stats st;
	struct stat before, after;
	struct tts *t;

	(void)state;
	assert_int_equal(tts_alloc(&t, dir, 0), 0);
	assert_int_equal(tts_render(t, "你好，欢迎致电", "cmn", 175,
				    done_handler, &zh, NULL), 0);
	assert_int_equal(tts_render(t, "Welcome", "en", 175, done_handler,
				    &en, NULL), 0);
	assert_false(zh.called);        /* never from inside tts_render */
	wait_for(&zh);
	wait_for(&en);
	assert_int_equal(zh.err, 0);
	assert_int_equal(en.err, 0);
	assert_string_not_equal(zh.path, en.path);
	check_speech(zh.path);
	check_speech(en.path);
	tts_stats(t, &st);
	assert_int_equal(st.synthesized, 2);
	assert_int_equal(st.cache_hits, 0);

	/* the same text again: the same file, not synthesised again */
	assert_int_equal(stat(zh.path, &before), 0);
	assert_int_equal(tts_render(t, "你好，欢迎致电", "cmn", 175,
				    done_handler, &again, NULL), 0);
	wait_for(&again);
	assert_int_equal(again.err, 0);
	assert_string_equal(again.path, zh.path);
	assert_int_equal(stat(again.path, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_size, before.st_size);
	tts_stats(t, &st);
	assert_int_equal(st.synthesized, 2);
	assert_int_equal(st.cache_hits, 1);

	/* another rate is another file, and a shorter one */
	assert_int_equal(tts_render(t, "你好，欢迎致电", "cmn", 400,
				    done_handler, &faster, NULL), 0);
	wait_for(&faster);
	assert_int_equal(faster.err, 0);
	assert_string_not_equal(faster.path, zh.path);
	assert_true(read_wav(faster.path).seconds <
		    read_wav(zh.path).seconds);
	tts_free(t);
	assert_int_equal(count_files("."), 0);          /* no temporaries */
	assert_int_equal(count_files(""), 3);
}

static void test_refusals(void **state)
{
	char text[4 * TTS_TEXT_MAX + 8] = "", why[128];
	struct result r = {0};
	struct tts *t, *t2;

	(void)state;
	assert_int_equal(tts_alloc(&t, dir, 0), 0);
	assert_int_equal(tts_alloc(&t2, dir, 0), EBUSY);  /* one espeak */

	for (int i = 0; i < TTS_TEXT_MAX; i++)
		strcat(text, "好");
	assert_int_equal(tts_check(text, "cmn", 175, why, sizeof(why)), 0);
	strcat(text, "好");
	assert_int_equal(tts_check(text, "cmn", 175, why, sizeof(why)),
			 EINVAL);
	assert_string_equal(why, "the text has 601 characters, at most 600");
	assert_int_equal(tts_render(t, text, "cmn", 175, done_handler, &r,
				    NULL), EINVAL);
	assert_int_equal(tts_check("", "en", 175, why, sizeof(why)), EINVAL);
	assert_string_equal(why, "the text is empty");
	assert_int_equal(tts_check(" \n\t", "en", 175, why, sizeof(why)),
			 EINVAL);
	assert_int_equal(tts_check(NULL, "en", 175, why, sizeof(why)),
			 EINVAL);
	assert_int_equal(tts_check("caf\xc3", "en", 175, why, sizeof(why)),
			 EINVAL);
	assert_string_equal(why, "the text is not valid UTF-8");
	assert_int_equal(tts_check("\xc0\xafx", "en", 175, why, sizeof(why)),
			 EINVAL);
	assert_int_equal(tts_check("hi", "klingon", 175, why, sizeof(why)),
			 EINVAL);
	assert_string_equal(why, "unknown voice 'klingon' (one of cmn, yue, "
			    "en, en-us)");
	assert_int_equal(tts_check("hi", NULL, 175, why, sizeof(why)), EINVAL);
	assert_int_equal(tts_check("hi", "en", 79, why, sizeof(why)), EINVAL);
	assert_string_equal(why, "the rate must be from 80 to 450 words a "
			    "minute");
	assert_int_equal(tts_check("hi", "en", 451, why, sizeof(why)), EINVAL);
	assert_int_equal(tts_check("hi", "en-us", 80, why, sizeof(why)), 0);
	assert_int_equal(tts_check("hi", "yue", 450, why, sizeof(why)), 0);
	assert_int_equal(tts_render(t, "hi", "xx", 175, done_handler, &r,
				    NULL), EINVAL);
	assert_int_equal(tts_render(t, "hi", "en", 175, NULL, &r, NULL),
			 EINVAL);
	run_loop(50);
	assert_false(r.called);
	tts_free(t);
}

static void test_abandon(void **state)
{
	struct result first = {0}, dropped = {0}, last = {0};
	struct tts_job *job = NULL;
	struct tts_stats st;
	struct tts *t;

	(void)state;
	assert_int_equal(tts_alloc(&t, dir, 0), 0);
	/* the worker is busy with the first while the second is dropped */
	assert_int_equal(tts_render(t, "Thank you for calling. All our agents "
				    "are busy, please stay on the line.", "en",
				    175, done_handler, &first, NULL), 0);
	assert_int_equal(tts_render(t, "Goodbye", "en", 175, done_handler,
				    &dropped, &job), 0);
	assert_non_null(job);
	tts_abandon(job);
	assert_int_equal(tts_render(t, "再见", "cmn", 175, done_handler,
				    &last, NULL), 0);
	wait_for(&first);
	wait_for(&last);
	run_loop(50);
	assert_false(dropped.called);
	assert_int_equal(first.err, 0);
	assert_int_equal(last.err, 0);
	tts_stats(t, &st);
	assert_int_equal(st.synthesized, 2);    /* "Goodbye" never was */

	/* abandoned after it was rendered, before done ran: still silent */
	memset(&dropped, 0, sizeof(dropped));
	assert_int_equal(tts_render(t, "再见", "cmn", 175, done_handler,
				    &dropped, &job), 0);
	usleep(200 * 1000);                     /* a cache hit: done by now */
	tts_abandon(job);
	run_loop(50);
	assert_false(dropped.called);
	tts_free(t);
}

/* tts_free with requests queued: each answered with ECANCELED. */
static void test_free_cancels(void **state)
{
	struct result r[4] = {{0}};
	struct tts_job *job;
	struct tts *t;
	unsigned cancelled = 0;

	(void)state;
	assert_int_equal(tts_alloc(&t, dir, 0), 0);
	for (int i = 0; i < 4; i++) {
		char text[128];

		snprintf(text, sizeof(text), "This is announcement number %d, "
			 "which is long enough to take a while.", i);
		assert_int_equal(tts_render(t, text, "en", 120, done_handler,
					    &r[i], i == 3 ? &job : NULL), 0);
	}
	tts_abandon(job);
	tts_free(t);
	for (int i = 0; i < 3; i++) {
		assert_true(r[i].called);
		assert_true(r[i].err == 0 || r[i].err == ECANCELED);
		cancelled += r[i].err == ECANCELED;
	}
	assert_false(r[3].called);
	assert_true(cancelled >= 2);
	assert_int_equal(count_files("."), 0);
	/* and a new module may start once the old one is gone */
	assert_int_equal(tts_alloc(&t, dir, 0), 0);
	tts_free(t);
}

static void make_file(const char *name, size_t size, time_t mtime)
{
	char path[256];
	struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < size; i++)
		fputc('x', f);
	fclose(f);
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

static bool exists(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* At start the cache is cut to its bound, oldest first. */
static void test_trim(void **state)
{
	static const char *const names[] = {
		"1111111111111111111111111111111111111111111111111111111111111111.wav",
		"2222222222222222222222222222222222222222222222222222222222222222.wav",
		"3333333333333333333333333333333333333333333333333333333333333333.wav",
		"4444444444444444444444444444444444444444444444444444444444444444.wav",
		"5555555555555555555555555555555555555555555555555555555555555555.wav",
	};
	const char *temp = ".aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.Xy12Zq";
	time_t now = time(NULL);
	struct tts *t;

	(void)state;
	for (int i = 0; i < 5; i++)
		make_file(names[i], 100000, now - 1000 + i * 10);
	make_file(temp, 1000, now);
	make_file("notes.txt", 500000, now - 5000);  /* not ours: stays */
	assert_int_equal(tts_alloc(&t, dir, 250000), 0);
	for (int i = 0; i < 100 && exists(names[2]); i++)
		usleep(20 * 1000);
	assert_false(exists(names[0]));
	assert_false(exists(names[1]));
	assert_false(exists(names[2]));
	assert_true(exists(names[3]));
	assert_true(exists(names[4]));
	assert_false(exists(temp));
	assert_true(exists("notes.txt"));
	tts_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_render_and_cache, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abandon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_cancels, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_trim, setup, teardown),
	};
	int rc;

	if (libre_init())
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	libre_close();
	return rc;
}
