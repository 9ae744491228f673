/*
 * audiofile.c — recognise, decode, check and normalise uploaded audio
 * (see audiofile.h).
 *
 * The type comes from the bytes, never from a name: RIFF/RF64 + WAVE is a
 * WAV, an ID3v2 tag or a valid MPEG audio frame header is an MP3. libsndfile
 * decodes both from memory (sf_open_virtual). The file is read in blocks:
 * each block is mixed down to mono, resampled to 16 kHz with the media
 * engine's polyphase resampler (codec.c; resampler_init_any builds a table
 * for ratios such as 44.1 -> 16 kHz) and appended, so memory holds the
 * upload and the 16 kHz result only (at most 10 minutes: 19.2 MB). The
 * filter's delay is taken off the front and the tail flushed with zeros,
 * so the output lasts exactly as long as the input. Last, the peak is set
 * to -3 dBFS, unless the file is silent (peak under -60 dBFS: left as it
 * is, so hiss is not blown up into noise).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../core/ids.h"
#include "audiofile.h"
#include "codec.h"

enum {
	BLOCK = 4096,                 /* input frames a read */
	SILENCE_PEAK = 33,            /* -60 dBFS */
	TARGET_PEAK = 23197,          /* 32767 * 10^(-3/20): -3 dBFS */
};

/* ---- sniffing ----------------------------------------------------------- */

static bool is_wav(const uint8_t *d, size_t len)
{
	return len >= 12 && (!memcmp(d, "RIFF", 4) || !memcmp(d, "RF64", 4)) &&
	       !memcmp(d + 8, "WAVE", 4);
}

/* An ID3v2 header: "ID3", version < 0xFF, flags, 4 syncsafe size bytes. */
static bool is_id3(const uint8_t *d, size_t len)
{
	return len >= 10 && !memcmp(d, "ID3", 3) && d[3] != 0xff &&
	       d[4] != 0xff && !(d[6] & 0x80) && !(d[7] & 0x80) &&
	       !(d[8] & 0x80) && !(d[9] & 0x80);
}

/* An MPEG audio frame header (MPEG 1/2/2.5, layer I-III) with no
   reserved or "free"/"bad" field. */
static bool is_mpeg_frame(const uint8_t *d, size_t len)
{
	unsigned version, layer, bitrate, srate;

	if (len < 4 || d[0] != 0xff || (d[1] & 0xe0) != 0xe0)
		return false;
	version = (d[1] >> 3) & 3;
	layer = (d[1] >> 1) & 3;
	bitrate = d[2] >> 4;
	srate = (d[2] >> 2) & 3;
	return version != 1 && layer != 0 && bitrate != 0 && bitrate != 15 &&
	       srate != 3 && (d[3] & 3) != 2;
}

enum audio_format audiofile_sniff(const uint8_t *data, size_t len)
{
	if (!data)
		return AUDIO_FORMAT_NONE;
	if (is_wav(data, len))
		return AUDIO_FORMAT_WAV;
	if (is_id3(data, len) || is_mpeg_frame(data, len))
		return AUDIO_FORMAT_MP3;
	return AUDIO_FORMAT_NONE;
}

/* ---- libsndfile reading from memory ------------------------------------ */

struct membuf {
	const uint8_t *data;
	sf_count_t len, pos;
};

static sf_count_t vio_length(void *user)
{
	return ((struct membuf *)user)->len;
}

static sf_count_t vio_seek(sf_count_t off, int whence, void *user)
{
	struct membuf *m = user;
	sf_count_t to = whence == SEEK_CUR ? m->pos + off
		      : whence == SEEK_END ? m->len + off : off;

	if (to < 0 || to > m->len)
		return -1;
	m->pos = to;
	return to;
}

static sf_count_t vio_read(void *ptr, sf_count_t count, void *user)
{
	struct membuf *m = user;
	sf_count_t n = m->len - m->pos < count ? m->len - m->pos : count;

	if (n <= 0)
		return 0;
	memcpy(ptr, m->data + m->pos, (size_t)n);
	m->pos += n;
	return n;
}

static sf_count_t vio_write(const void *ptr, sf_count_t count, void *user)
{
	(void)ptr;
	(void)count;
	(void)user;
	return 0;
}

static sf_count_t vio_tell(void *user)
{
	return ((struct membuf *)user)->pos;
}

/* ---- decoding and normalising ------------------------------------------ */

/* The 16 kHz output, grown as blocks come. */
struct outbuf {
	int16_t *s;
	size_t n, cap;
};

static int out_reserve(struct outbuf *o, size_t more)
{
	size_t cap = o->cap ? o->cap : 16384;
	int16_t *s;

	if (o->n + more <= o->cap)
		return 0;
	while (cap < o->n + more)
		cap *= 2;
	s = realloc(o->s, cap * sizeof(*s));
	if (!s)
		return ENOMEM;
	o->s = s;
	o->cap = cap;
	return 0;
}

struct decoder {
	SNDFILE *sf;
	SF_INFO info;
	struct resampler rs;
	struct outbuf out;
	float *block;            /* BLOCK frames, interleaved */
	int16_t mono[BLOCK];
	int16_t *tmp;            /* resampler scratch */
	uint64_t max_frames;
	int16_t peak_in;
};

static inline int16_t to_s16(float v)
{
	v *= 32767.0f;
	if (v >= 32767.0f)
		return 32767;
	if (v <= -32768.0f)
		return -32768;
	return (int16_t)lrintf(v);
}

/* Mixes n interleaved frames down to mono int16 (the channels' mean). */
static void mix_down(struct decoder *d, size_t n)
{
	unsigned ch = (unsigned)d->info.channels;

	for (size_t i = 0; i < n; i++) {
		float sum = 0;
		int a;

		for (unsigned c = 0; c < ch; c++)
			sum += d->block[i * ch + c];

		d->mono[i] = to_s16(sum / (float)ch);
		a = abs(d->mono[i]);
		if (a > d->peak_in)
			d->peak_in = (int16_t)(a > 32767 ? 32767 : a);
	}
}

/* Resamples n mono samples onto the output. */
static int push(struct decoder *d, const int16_t *in, size_t n)
{
	size_t room = (size_t)((uint64_t)n * d->rs.up / d->rs.down) + 2;
	int err = out_reserve(&d->out, room);

	if (err)
		return err;
	d->out.n += resample(&d->rs, in, n, d->out.s + d->out.n, room, d->tmp);
	return 0;
}

static enum audio_verdict refuse(enum audio_verdict v, char *detail,
				 size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum audio_verdict refuse(enum audio_verdict v, char *detail,
				 size_t size, const char *fmt, ...)
{
	va_list ap;

	if (detail && size) {
		va_start(ap, fmt);
		vsnprintf(detail, size, fmt, ap);
		va_end(ap);
	}
	return v;
}

/* Reads every frame through mix_down and push. */
static enum audio_verdict read_all(struct decoder *d, uint64_t *framesp,
				   char *detail, size_t size)
{
	uint64_t frames = 0;
	sf_count_t got;

	while ((got = sf_readf_float(d->sf, d->block, BLOCK)) > 0) {
		frames += (uint64_t)got;
		if (frames > d->max_frames)
			return refuse(AUDIO_TOO_LONG, detail, size, "the audio "
				      "is longer than %d minutes",
				      AUDIOFILE_MAX_MS / 60000);
		mix_down(d, (size_t)got);
		if (push(d, d->mono, (size_t)got))
			return AUDIO_NO_MEMORY;
	}
	if (!frames)
		return refuse(AUDIO_CORRUPT, detail, size, "the file holds no "
			      "audio that can be decoded%s%s",
			      sf_error(d->sf) ? ": " : "",
			      sf_error(d->sf) ? sf_strerror(d->sf) : "");
	*framesp = frames;
	return AUDIO_OK;
}

/* Flushes the filter with zeros and drops its delay: exactly
   frames * 16000 / rate samples remain. */
static int finish(struct decoder *d, uint64_t frames, size_t *np)
{
	size_t want = (size_t)((frames * AUDIOFILE_RATE +
				(uint64_t)d->info.samplerate / 2) /
			       (uint64_t)d->info.samplerate);
	size_t delay = resampler_delay(&d->rs);
	int16_t zeros[BLOCK] = {0};
	int err = 0;

	for (int rounds = 0; !err && d->out.n < delay + want && rounds < 64;
	     rounds++)
		err = push(d, zeros, BLOCK);
	if (err)
		return err;
	if (d->out.n < delay + want)
		want = d->out.n > delay ? d->out.n - delay : 0;
	memmove(d->out.s, d->out.s + delay, want * sizeof(*d->out.s));
	*np = want;
	return 0;
}

/* Peak to -3 dBFS, unless silent. */
static void normalise_peak(int16_t *s, size_t n)
{
	int peak = 0;
	double gain;

	for (size_t i = 0; i < n; i++) {
		int a = abs(s[i]);

		if (a > peak)
			peak = a;
	}
	if (peak < SILENCE_PEAK)
		return;
	gain = (double)TARGET_PEAK / peak;
	for (size_t i = 0; i < n; i++)
		s[i] = (int16_t)lrint(s[i] * gain);
}

static void decoder_close(struct decoder *d)
{
	if (d->sf)
		sf_close(d->sf);
	resampler_release(&d->rs);
	free(d->block);
	free(d->tmp);
	free(d->out.s);
}

static enum audio_verdict open_checked(struct decoder *d, struct membuf *m,
				       SF_VIRTUAL_IO *vio, char *detail,
				       size_t size)
{
	d->sf = sf_open_virtual(vio, SFM_READ, &d->info, m);
	if (!d->sf)
		return refuse(AUDIO_CORRUPT, detail, size, "the file cannot be "
			      "decoded: %s", sf_strerror(NULL));
	if (d->info.channels < 1 || d->info.samplerate < 1)
		return refuse(AUDIO_CORRUPT, detail, size, "the file names no "
			      "channels or sample rate");
	if (d->info.samplerate < AUDIOFILE_MIN_IN_RATE ||
	    d->info.samplerate > AUDIOFILE_MAX_IN_RATE)
		return refuse(AUDIO_UNSUPPORTED, detail, size, "a sample rate "
			      "of %d Hz is not supported (%d to %d Hz)",
			      d->info.samplerate, AUDIOFILE_MIN_IN_RATE,
			      AUDIOFILE_MAX_IN_RATE);
	d->max_frames = (uint64_t)d->info.samplerate * AUDIOFILE_MAX_MS / 1000;
	/* A WAV's header tells its length exactly: refuse before decoding.
	   An MP3's may be an estimate: counted while decoding instead. */
	if ((d->info.format & SF_FORMAT_TYPEMASK) != SF_FORMAT_MPEG &&
	    (uint64_t)d->info.frames > d->max_frames)
		return refuse(AUDIO_TOO_LONG, detail, size, "the audio is "
			      "longer than %d minutes",
			      AUDIOFILE_MAX_MS / 60000);
	switch (resampler_init_any(&d->rs, (uint32_t)d->info.samplerate,
				   AUDIOFILE_RATE)) {
	case 0:
		break;
	case ENOTSUP:
		return refuse(AUDIO_UNSUPPORTED, detail, size, "a sample rate "
			      "of %d Hz cannot be converted",
			      d->info.samplerate);
	default:
		return AUDIO_NO_MEMORY;
	}
	d->block = malloc(sizeof(float) * BLOCK * (size_t)d->info.channels);
	d->tmp = malloc(sizeof(int16_t) * (BLOCK + RS_TAPS_MAX));
	return d->block && d->tmp ? AUDIO_OK : AUDIO_NO_MEMORY;
}

enum audio_verdict audiofile_normalise(const uint8_t *data, size_t len,
				       struct audio_clip *clip,
				       char *detail, size_t detail_size)
{
	SF_VIRTUAL_IO vio = {vio_length, vio_seek, vio_read, vio_write,
			     vio_tell};
	struct membuf m = {data, (sf_count_t)len, 0};
	struct decoder d;
	enum audio_verdict v;
	uint64_t frames = 0;
	size_t n = 0;

	memset(clip, 0, sizeof(*clip));
	if (detail && detail_size)
		detail[0] = '\0';
	if (len > AUDIOFILE_MAX_BYTES)
		return refuse(AUDIO_TOO_LARGE, detail, detail_size, "audio "
			      "files are limited to 5 MB");
	clip->format = audiofile_sniff(data, len);
	if (clip->format == AUDIO_FORMAT_NONE)
		return refuse(AUDIO_NOT_AUDIO, detail, detail_size, "the file "
			      "is not audio (only WAV and MP3 are accepted)");
	memset(&d, 0, sizeof(d));
	v = open_checked(&d, &m, &vio, detail, detail_size);
	if (v == AUDIO_OK)
		v = read_all(&d, &frames, detail, detail_size);
	if (v == AUDIO_OK && finish(&d, frames, &n))
		v = AUDIO_NO_MEMORY;
	if (v == AUDIO_OK) {
		normalise_peak(d.out.s, n);
		clip->rate = (uint32_t)d.info.samplerate;
		clip->channels = (unsigned)d.info.channels;
		clip->frames = frames;
		clip->duration_ms = frames * 1000 / clip->rate;
		clip->pcm = d.out.s;
		clip->n = n;
		clip->peak_in = d.peak_in;
		d.out.s = NULL;
	}
	if (v == AUDIO_NO_MEMORY)
		refuse(v, detail, detail_size, "out of memory");
	decoder_close(&d);
	return v;
}

void audiofile_clip_free(struct audio_clip *clip)
{
	if (!clip)
		return;
	free(clip->pcm);
	clip->pcm = NULL;
	clip->n = 0;
}

/* ---- writing ------------------------------------------------------------ */

static int sync_dir_of(const char *path)
{
	char dir[1024];
	char *slash;
	int fd, err = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return errno;
	if (fsync(fd))
		err = errno;
	close(fd);
	return err;
}

static int write_fd(int fd, const int16_t *pcm, size_t n, uint32_t rate)
{
	SF_INFO info = {.samplerate = (int)rate, .channels = 1,
			.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
	SNDFILE *sf = sf_open_fd(fd, SFM_WRITE, &info, SF_FALSE);
	sf_count_t wrote;

	if (!sf)
		return EIO;
	wrote = sf_write_short(sf, pcm, (sf_count_t)n);
	if (sf_close(sf) || wrote != (sf_count_t)n)
		return EIO;
	return fsync(fd) ? errno : 0;
}

int audiofile_write_wav(const char *path, const int16_t *pcm, size_t n,
			uint32_t rate)
{
	char tmp[1100];
	int fd, err;

	if (!path || (!pcm && n) || !rate ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return EINVAL;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	err = write_fd(fd, pcm, n, rate);
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	return sync_dir_of(path);
}

/* ---- names -------------------------------------------------------------- */

const char *audiofile_verdict_code(enum audio_verdict v)
{
	switch (v) {
	case AUDIO_OK:          return "ok";
	case AUDIO_NOT_AUDIO:   return "not_audio";
	case AUDIO_CORRUPT:     return "corrupt";
	case AUDIO_TOO_LONG:    return "too_long";
	case AUDIO_TOO_LARGE:   return "too_large";
	case AUDIO_UNSUPPORTED: return "unsupported";
	case AUDIO_NO_MEMORY:   return "internal";
	}
	return "internal";
}

const char *audiofile_format_name(enum audio_format f)
{
	return f == AUDIO_FORMAT_WAV ? "wav" : f == AUDIO_FORMAT_MP3 ? "mp3"
									 : "";
}

int audiofile_voice_path(char *out, size_t size, const char *data_dir,
			 const char *tenant_id, const char *voice_id)
{
	int n;

	if (!data_dir || !id_path_safe(tenant_id) || !id_path_safe(voice_id))
		return -1;
	n = snprintf(out, size, "%s/voices/%s/%s.wav", data_dir, tenant_id,
		     voice_id);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int audiofile_voice_dir(char *out, size_t size, const char *data_dir,
			const char *tenant_id)
{
	int n;

	if (!data_dir || !id_path_safe(tenant_id))
		return EINVAL;
	n = snprintf(out, size, "%s/voices", data_dir);
	if (n < 0 || (size_t)n >= size)
		return ENAMETOOLONG;
	if (mkdir(out, 0700) && errno != EEXIST)
		return errno;
	n = snprintf(out, size, "%s/voices/%s", data_dir, tenant_id);
	if (n < 0 || (size_t)n >= size)
		return ENAMETOOLONG;
	if (mkdir(out, 0700) && errno != EEXIST)
		return errno;
	return 0;
}

int audiofile_remove_tenant(const char *data_dir, const char *tenant_id)
{
	char dir[1024], path[1400];
	struct dirent *e;
	DIR *d;
	int n;

	if (!data_dir || !id_path_safe(tenant_id))
		return EINVAL;
	n = snprintf(dir, sizeof(dir), "%s/voices/%s", data_dir, tenant_id);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(dir) ? errno : 0;
}
