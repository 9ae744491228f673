/*
 * audiofile.h — uploaded audio files (the voice library): recognise the
 * type from the bytes, decode (libsndfile; MP3 through its mpg123 reader),
 * refuse what cannot be used with a reason, and normalise what can be to
 * the one format the media engine plays: 16 kHz, mono, 16-bit PCM WAV,
 * peak at -3 dBFS.
 *
 * Pure functions, no threads: callers run them on a store thread (the
 * API's upload handler), never on the control thread.
 */
#ifndef HOTLINE_MEDIA_AUDIOFILE_H
#define HOTLINE_MEDIA_AUDIOFILE_H

#include <stddef.h>
#include <stdint.h>

enum {
	AUDIOFILE_MAX_BYTES = 5 * 1024 * 1024,   /* 5 MiB, as the seeds' "5M" */
	AUDIOFILE_MAX_MS = 10 * 60 * 1000,       /* 10 minutes */
	AUDIOFILE_RATE = 16000,                  /* what we store */
	AUDIOFILE_MIN_IN_RATE = 4000,
	AUDIOFILE_MAX_IN_RATE = 96000,
};

enum audio_format { AUDIO_FORMAT_NONE, AUDIO_FORMAT_WAV, AUDIO_FORMAT_MP3 };

/* Why a file is refused (AUDIO_OK: it is not). */
enum audio_verdict {
	AUDIO_OK,
	AUDIO_NOT_AUDIO,      /* neither WAV nor MP3 by its bytes */
	AUDIO_CORRUPT,        /* looks like one, but does not decode */
	AUDIO_TOO_LONG,       /* over AUDIOFILE_MAX_MS */
	AUDIO_TOO_LARGE,      /* over AUDIOFILE_MAX_BYTES */
	AUDIO_UNSUPPORTED,    /* a sample rate we do not convert */
	AUDIO_NO_MEMORY,
};

/* What was uploaded, and the normalised result. */
struct audio_clip {
	enum audio_format format;
	uint32_t rate;           /* the original's */
	unsigned channels;       /* the original's */
	uint64_t frames;         /* the original's, as decoded */
	uint64_t duration_ms;
	int16_t *pcm;            /* AUDIOFILE_RATE mono, malloc'ed */
	size_t n;                /* samples in pcm */
	int16_t peak_in;         /* peak of the mono mix before the gain */
};

/* The type by the first bytes (RIFF/RF64 + WAVE; MP3 by an ID3v2 tag or
   an MPEG audio frame header). AUDIO_FORMAT_NONE: neither. */
enum audio_format audiofile_sniff(const uint8_t *data, size_t len);

/* Sniff, decode, check and normalise. AUDIO_OK fills clip (free its pcm
   with audiofile_clip_free); detail gets a sentence for the refusal. */
enum audio_verdict audiofile_normalise(const uint8_t *data, size_t len,
				       struct audio_clip *clip,
				       char *detail, size_t detail_size);
void audiofile_clip_free(struct audio_clip *clip);

/* Writes samples as a 16-bit PCM mono WAV: into "<path>.tmp", synced,
   then renamed over path, so a crash never leaves half a file. */
int  audiofile_write_wav(const char *path, const int16_t *pcm, size_t n,
			 uint32_t rate);

/* "not_audio", "corrupt", ... for API errors. */
const char *audiofile_verdict_code(enum audio_verdict v);
const char *audiofile_format_name(enum audio_format f);

/* Where a tenant's voice lives: DATA/voices/TENANT/VOICE.wav (the media
   engine plays it from there). -1 when it does not fit. */
int  audiofile_voice_path(char *out, size_t size, const char *data_dir,
			  const char *tenant_id, const char *voice_id);
/* DATA/voices/TENANT, created (with DATA/voices) when missing. */
int  audiofile_voice_dir(char *out, size_t size, const char *data_dir,
			 const char *tenant_id);

/* Removes DATA/voices/TENANT with its files (a deleted tenant). */
int  audiofile_remove_tenant(const char *data_dir, const char *tenant_id);

#endif
