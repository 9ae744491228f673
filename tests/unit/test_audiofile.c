/*
 * test_audiofile.c — the voice library's audio handling: type sniffing,
 * each refusal, and normalisation (44.1 kHz stereo in, 16 kHz mono out at
 * -3 dBFS, same frequency, same length). Test files are made in memory
 * with libsndfile itself (WAV and MP3 writers), so no binary fixture.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "media/audiofile.h"
#include "media/codec.h"

/* ---- making files in memory ------------------------------------------- */

struct mem {
	uint8_t *d;
	sf_count_t len, cap, pos;
};

static sf_count_t m_len(void *u) { return ((struct mem *)u)->len; }
static sf_count_t m_tell(void *u) { return ((struct mem *)u)->pos; }

static sf_count_t m_seek(sf_count_t off, int whence, void *u)
{
	struct mem *m = u;

	m->pos = whence == SEEK_CUR ? m->pos + off
	       : whence == SEEK_END ? m->len + off : off;
	return m->pos;
}

static sf_count_t m_read(void *ptr, sf_count_t n, void *u)
{
	struct mem *m = u;

	if (n > m->len - m->pos)
		n = m->len - m->pos;
	if (n <= 0)
		return 0;
	memcpy(ptr, m->d + m->pos, (size_t)n);
	m->pos += n;
	return n;
}

static sf_count_t m_write(const void *ptr, sf_count_t n, void *u)
{
	struct mem *m = u;

	if (m->pos + n > m->cap) {
		m->cap = (m->pos + n) * 2;
		m->d = realloc(m->d, (size_t)m->cap);
		assert_non_null(m->d);
	}
	memcpy(m->d + m->pos, ptr, (size_t)n);
	m->pos += n;
	if (m->pos > m->len)
		m->len = m->pos;
	return n;
}

/* A file of `format` with frames of interleaved float samples. */
static struct mem encode(int format, int rate, int channels,
			 const float *samples, sf_count_t frames)
{
	SF_VIRTUAL_IO vio = {m_len, m_seek, m_read, m_write, m_tell};
	SF_INFO info = {.samplerate = rate, .channels = channels,
			.format = format};
	struct mem m = {0};
	SNDFILE *sf = sf_open_virtual(&vio, SFM_WRITE, &info, &m);

	assert_non_null(sf);
	if ((format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG) {
		double level = 1.0;   /* smallest bitrate */

		sf_command(sf, SFC_SET_COMPRESSION_LEVEL, &level,
			   sizeof(level));
	}
	assert_int_equal(sf_writef_float(sf, samples, frames), frames);
	assert_int_equal(sf_close(sf), 0);
	return m;
}

/* frames of a sine per channel; channel c gets gains[c]. */
static float *sine(int rate, int channels, sf_count_t frames, double hz,
		   const double *gains)
{
	float *s = malloc(sizeof(float) * (size_t)(frames * channels));

	assert_non_null(s);
	for (sf_count_t i = 0; i < frames; i++)
		for (int c = 0; c < channels; c++)
			s[i * channels + c] = (float)(gains[c] *
				sin(2 * M_PI * hz * (double)i / rate));
	return s;
}

static struct mem wav_sine(int rate, int channels, double seconds,
			   double hz, const double *gains, int subtype)
{
	sf_count_t frames = (sf_count_t)(rate * seconds);
	float *s = sine(rate, channels, frames, hz, gains);
	struct mem m = encode(SF_FORMAT_WAV | subtype, rate, channels, s,
			      frames);

	free(s);
	return m;
}

/* ---- measuring ---------------------------------------------------------- */

/* Share of the signal's energy at hz (Goertzel): about 1 for a pure sine
   of that frequency, about 0 for another one. */
static double energy_at(const int16_t *x, size_t n, double hz, int rate)
{
	double w = 2 * M_PI * hz / rate, coeff = 2 * cos(w);
	double s1 = 0, s2 = 0, total = 0, power;

	for (size_t i = 0; i < n; i++) {
		double s0 = x[i] + coeff * s1 - s2;

		s2 = s1;
		s1 = s0;
		total += (double)x[i] * x[i];
	}
	power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
	return total > 0 ? power / (total * n / 2) : 0;
}

static int peak_of(const int16_t *x, size_t n)
{
	int peak = 0;

	for (size_t i = 0; i < n; i++)
		if (abs(x[i]) > peak)
			peak = abs(x[i]);
	return peak;
}

static size_t zero_crossings(const int16_t *x, size_t n)
{
	size_t c = 0;

	for (size_t i = 1; i < n; i++)
		if ((x[i - 1] < 0) != (x[i] < 0))
			c++;
	return c;
}

static enum audio_verdict run(const struct mem *m, struct audio_clip *clip)
{
	char why[256];
	enum audio_verdict v = audiofile_normalise(m->d, (size_t)m->len, clip,
						   why, sizeof(why));

	if (v != AUDIO_OK)
		assert_true(strlen(why) > 0);   /* every refusal says why */
	return v;
}

/* ---- tests -------------------------------------------------------------- */

static void test_sniff(void **state)
{
	static const double one[] = {0.5};
	struct mem wav = wav_sine(8000, 1, 0.1, 440, one, SF_FORMAT_PCM_16);
	const uint8_t id3[] = "ID3\x04\x00\x00\x00\x00\x00\x21rest";
	const uint8_t frame[] = {0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0};
	const uint8_t bad_rate[] = {0xff, 0xfb, 0x9c, 0x64};   /* srate 11 */
	const uint8_t bad_layer[] = {0xff, 0xf9, 0x90, 0x64};  /* layer 00 */
	const char *text = "This is a text file, renamed to .mp3\n";

	(void)state;
	assert_int_equal(audiofile_sniff(wav.d, (size_t)wav.len),
			 AUDIO_FORMAT_WAV);
	assert_int_equal(audiofile_sniff(id3, sizeof(id3) - 1),
			 AUDIO_FORMAT_MP3);
	assert_int_equal(audiofile_sniff(frame, sizeof(frame)),
			 AUDIO_FORMAT_MP3);
	assert_int_equal(audiofile_sniff(bad_rate, sizeof(bad_rate)),
			 AUDIO_FORMAT_NONE);
	assert_int_equal(audiofile_sniff(bad_layer, sizeof(bad_layer)),
			 AUDIO_FORMAT_NONE);
	assert_int_equal(audiofile_sniff((const uint8_t *)text, strlen(text)),
			 AUDIO_FORMAT_NONE);
	assert_int_equal(audiofile_sniff((const uint8_t *)"RIFF\0\0\0\0AVI ",
					 12), AUDIO_FORMAT_NONE);
	assert_int_equal(audiofile_sniff(NULL, 0), AUDIO_FORMAT_NONE);
	assert_int_equal(audiofile_sniff(wav.d, 3), AUDIO_FORMAT_NONE);
	free(wav.d);
}

/* The case: 44.1 kHz stereo sine -> 16 kHz mono, peak -3 dBFS,
   same frequency, same length. */
static void test_normalise_stereo_44k(void **state)
{
	static const double gains[] = {0.25, 0.25};
	struct mem m = wav_sine(44100, 2, 2.0, 1000, gains, SF_FORMAT_PCM_16);
	struct audio_clip clip;
	int peak;

	(void)state;
	assert_int_equal(run(&m, &clip), AUDIO_OK);
	assert_int_equal(clip.format, AUDIO_FORMAT_WAV);
	assert_int_equal(clip.rate, 44100);
	assert_int_equal(clip.channels, 2);
	assert_int_equal(clip.frames, 88200);
	assert_int_equal(clip.duration_ms, 2000);
	assert_int_equal(clip.n, 32000);          /* 2 s at 16 kHz */
	peak = peak_of(clip.pcm, clip.n);
	assert_in_range(peak, 23197 - 2, 23197);  /* -3 dBFS */
	assert_in_range(clip.peak_in, 8100, 8200); /* 0.25 before the gain */
	/* the same tone: nearly all energy at 1 kHz, none at 1.5 kHz */
	assert_true(energy_at(clip.pcm + 100, clip.n - 200, 1000, 16000) >
		    0.95);
	assert_true(energy_at(clip.pcm + 100, clip.n - 200, 1500, 16000) <
		    0.01);
	assert_in_range(zero_crossings(clip.pcm, clip.n), 3996, 4004);
	/* the filter's delay is taken off: the sine starts at sample 0 */
	assert_true(abs(clip.pcm[4]) > 5000);     /* sin(2pi*1k*4/16k) = 0.92 */
	assert_true(clip.pcm[4] > 0);
	audiofile_clip_free(&clip);
	free(m.d);
}

/* Channels are averaged: opposite channels cancel into silence, and
   silence is not amplified. */
static void test_mixdown_and_silence(void **state)
{
	static const double opposite[] = {0.5, -0.5};
	static const double quiet[] = {0.0};
	struct mem m = wav_sine(16000, 2, 0.5, 440, opposite,
				SF_FORMAT_PCM_16);
	struct mem z = wav_sine(8000, 1, 0.5, 440, quiet, SF_FORMAT_PCM_16);
	struct audio_clip clip;

	(void)state;
	assert_int_equal(run(&m, &clip), AUDIO_OK);
	assert_int_equal(clip.n, 8000);
	assert_true(peak_of(clip.pcm, clip.n) <= 1);
	audiofile_clip_free(&clip);
	assert_int_equal(run(&z, &clip), AUDIO_OK);
	assert_int_equal(clip.n, 8000);
	assert_int_equal(peak_of(clip.pcm, clip.n), 0);
	audiofile_clip_free(&clip);
	free(m.d);
	free(z.d);
}

/* 8 kHz up to 16 kHz, 8-bit and float samples. */
static void test_other_rates_and_samples(void **state)
{
	static const double g[] = {0.8};
	const struct { int rate, subtype; } cases[] = {
		{8000, SF_FORMAT_PCM_U8}, {48000, SF_FORMAT_FLOAT},
		{22050, SF_FORMAT_PCM_24}, {11025, SF_FORMAT_PCM_16},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mem m = wav_sine(cases[i].rate, 1, 1.0, 600, g,
					cases[i].subtype);
		struct audio_clip clip;

		assert_int_equal(run(&m, &clip), AUDIO_OK);
		assert_int_equal(clip.rate, cases[i].rate);
		assert_int_equal(clip.n, 16000);
		assert_in_range(peak_of(clip.pcm, clip.n), 23197 - 2, 23197);
		assert_true(energy_at(clip.pcm + 100, clip.n - 200, 600,
				      16000) > 0.9);
		audiofile_clip_free(&clip);
		free(m.d);
	}
}

static void test_mp3(void **state)
{
	static const double g[] = {0.5};
	sf_count_t frames = 44100 * 3;
	float *s = sine(44100, 1, frames, 800, g);
	struct mem m = encode(SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 44100,
			      1, s, frames);
	struct audio_clip clip;

	(void)state;
	assert_int_equal(audiofile_sniff(m.d, (size_t)m.len),
			 AUDIO_FORMAT_MP3);
	assert_int_equal(run(&m, &clip), AUDIO_OK);
	assert_int_equal(clip.format, AUDIO_FORMAT_MP3);
	assert_int_equal(clip.rate, 44100);
	/* decoders may add or trim a frame or two (1152 samples each) */
	assert_in_range(clip.duration_ms, 2900, 3100);
	assert_in_range(peak_of(clip.pcm, clip.n), 23197 - 2, 23197);
	assert_true(energy_at(clip.pcm + 2000, clip.n - 4000, 800, 16000) >
		    0.9);
	audiofile_clip_free(&clip);
	free(m.d);
	free(s);
}

static void test_refusals(void **state)
{
	static const double g[] = {0.5};
	struct mem wav = wav_sine(8000, 1, 0.5, 440, g, SF_FORMAT_PCM_16);
	struct mem empty = wav_sine(8000, 1, 0, 440, g, SF_FORMAT_PCM_16);
	struct mem slow = wav_sine(2000, 1, 0.5, 440, g, SF_FORMAT_PCM_16);
	const char *text = "hello, I am not audio at all\n";
	uint8_t garbage_mp3[4096];
	struct mem cut = {wav.d, 30, 0, 0};    /* a header cut short */
	struct audio_clip clip;
	uint8_t *big = calloc(1, AUDIOFILE_MAX_BYTES + 1);

	(void)state;
	assert_non_null(big);
	memcpy(big, wav.d, 44);
	struct mem large = {big, AUDIOFILE_MAX_BYTES + 1, 0, 0};
	struct mem txt = {(uint8_t *)text, (sf_count_t)strlen(text), 0, 0};

	memset(garbage_mp3, 0x11, sizeof(garbage_mp3));
	memcpy(garbage_mp3, "\xff\xfb\x90\x64", 4);
	struct mem gm = {garbage_mp3, sizeof(garbage_mp3), 0, 0};

	assert_int_equal(run(&txt, &clip), AUDIO_NOT_AUDIO);
	assert_int_equal(run(&cut, &clip), AUDIO_CORRUPT);
	assert_int_equal(run(&empty, &clip), AUDIO_CORRUPT);
	assert_int_equal(run(&gm, &clip), AUDIO_CORRUPT);
	assert_int_equal(run(&large, &clip), AUDIO_TOO_LARGE);
	assert_int_equal(run(&slow, &clip), AUDIO_UNSUPPORTED);
	assert_null(clip.pcm);
	assert_string_equal(audiofile_verdict_code(AUDIO_NOT_AUDIO),
			    "not_audio");
	assert_string_equal(audiofile_verdict_code(AUDIO_TOO_LONG),
			    "too_long");
	free(big);
	free(wav.d);
	free(empty.d);
	free(slow.d);
}

/* Over 10 minutes: a WAV is refused from its header, an MP3 while it is
   decoded. Both are under 5 MB. */
static void test_too_long(void **state)
{
	static const double g[] = {0.1};
	struct mem wav = wav_sine(4000, 1, 601, 300, g, SF_FORMAT_PCM_U8);
	sf_count_t frames = 8000 * 605;
	float *s = sine(8000, 1, frames, 300, g);
	struct mem mp3 = encode(SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III,
				8000, 1, s, frames);
	struct audio_clip clip;

	(void)state;
	assert_true(wav.len < AUDIOFILE_MAX_BYTES);
	assert_true(mp3.len < AUDIOFILE_MAX_BYTES);
	assert_int_equal(run(&wav, &clip), AUDIO_TOO_LONG);
	assert_int_equal(run(&mp3, &clip), AUDIO_TOO_LONG);
	free(wav.d);
	free(mp3.d);
	free(s);
}

static void test_write_wav(void **state)
{
	char dir[] = "/tmp/hotline-audiofile-XXXXXX", path[256], tmp[300];
	int16_t pcm[1600];
	int16_t back[1700];
	SF_INFO info = {0};
	SNDFILE *sf;
	struct stat st;

	(void)state;
	for (int i = 0; i < 1600; i++)
		pcm[i] = (int16_t)(i * 13 - 10000);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(audiofile_voice_dir(path, sizeof(path), dir,
					     "tenant-1"), 0);
	assert_int_equal(audiofile_voice_path(path, sizeof(path), dir,
					      "tenant-1", "voice-1"), 0);
	assert_int_equal(audiofile_write_wav(path, pcm, 1600, 16000), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_not_equal(stat(tmp, &st), 0);    /* renamed away */
	sf = sf_open(path, SFM_READ, &info);
	assert_non_null(sf);
	assert_int_equal(info.samplerate, 16000);
	assert_int_equal(info.channels, 1);
	assert_int_equal(info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	assert_int_equal(sf_read_short(sf, back, 1700), 1600);
	assert_memory_equal(back, pcm, sizeof(pcm));
	sf_close(sf);
	/* ids never make a path outside the directory */
	assert_int_equal(audiofile_voice_path(path, sizeof(path), dir, "..",
					      "x"), -1);
	assert_int_equal(audiofile_voice_path(path, sizeof(path), dir,
					      "t/../x", "x"), -1);
	assert_int_equal(audiofile_voice_path(path, sizeof(path), dir, "t",
					      ""), -1);
	unlink(path);
	snprintf(tmp, sizeof(tmp), "%s/voices/tenant-1", dir);
	rmdir(tmp);
	snprintf(tmp, sizeof(tmp), "%s/voices", dir);
	rmdir(tmp);
	rmdir(dir);
}

/* resampler_init_any: shared tables unchanged, other ratios built. */
static void test_resampler_any(void **state)
{
	struct resampler r;

	(void)state;
	assert_int_equal(resampler_init(&r, 8000, 11025), ENOTSUP);
	assert_int_equal(resampler_init_any(&r, 48000, 16000), 0);
	assert_null(r.own);                    /* a shared table */
	assert_int_equal(r.taps, 96);
	resampler_release(&r);
	assert_int_equal(resampler_init_any(&r, 44100, 16000), 0);
	assert_non_null(r.own);
	assert_int_equal(r.up, 160);
	assert_int_equal(r.down, 441);
	assert_int_equal(r.taps % 4, 0);
	assert_true(r.taps <= RS_TAPS_MAX);
	assert_true(resampler_delay(&r) > 0);
	resampler_release(&r);
	assert_null(r.own);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_normalise_stereo_44k),
		cmocka_unit_test(test_mixdown_and_silence),
		cmocka_unit_test(test_other_rates_and_samples),
		cmocka_unit_test(test_mp3),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_write_wav),
		cmocka_unit_test(test_resampler_any),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
