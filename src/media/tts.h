/*
 * tts.h — text to speech: espeak-ng renders text into 16 kHz mono 16-bit
 * WAV files kept in a cache directory, for prompts played to calls.
 *
 * espeak-ng keeps global state (it is not thread-safe) and synthesis is
 * CPU work, so the module owns one worker thread that does every espeak-ng
 * call, one request at a time; the control thread only queues requests and
 * receives results. tts_render() never calls done before it returns: done
 * always runs later, on the control thread (through a libre mqueue), with
 * the path of the file.
 *
 * Cache: <cache_dir>/<hex SHA-256 of "voice|rate|text">.wav. A request
 * whose file exists is answered without synthesis (the file's time is
 * refreshed, so the cache forgets the least recently used files first).
 * The directory is kept under cache_max bytes: at start and after every
 * cache_max/8 bytes written, the oldest files are deleted (never the newest
 * one). A path handed to done stays valid until such a trim: open it soon.
 * Only one struct tts may exist at a time (espeak-ng is one per process).
 */
#ifndef HOTLINE_MEDIA_TTS_H
#define HOTLINE_MEDIA_TTS_H

#include <stdbool.h>
#include <stddef.h>

enum {
	TTS_TEXT_MAX = 600,          /* characters (code points) */
	TTS_RATE_MIN = 80,           /* espeak-ng's words a minute */
	TTS_RATE_MAX = 450,
	TTS_RATE_DEFAULT = 175,
	TTS_SAMPLE_RATE = 16000,     /* of the files */
	TTS_QUEUE_MAX = 64,          /* requests waiting; more: EBUSY */
};
#define TTS_VOICE_DEFAULT "cmn"
#define TTS_CACHE_MAX_DEFAULT ((size_t)128 << 20)

struct tts;
struct tts_job;

/* err: 0 (wav_path is the file; valid during the call), ECANCELED (the
   module stopped first), ENODATA (the text gave no sound), EIO (synthesis
   or writing failed). */
typedef void (tts_done_h)(int err, const char *wav_path, void *arg);

struct tts_stats {
	unsigned long synthesized;   /* files written */
	unsigned long cache_hits;
	unsigned long failed;
};

/* Starts the worker: creates cache_dir if needed and initialises
   espeak-ng. cache_max 0: TTS_CACHE_MAX_DEFAULT. EBUSY: another struct tts
   exists. Control thread (the libre loop's). */
int  tts_alloc(struct tts **tp, const char *cache_dir, size_t cache_max);
/* Stops the worker (a synthesis in progress is cut short) and joins it;
   every request not yet answered and not abandoned gets done(ECANCELED),
   here. */
void tts_free(struct tts *t);

/* The voices one may ask for (NULL-terminated): cmn (Mandarin), yue
   (Cantonese), en (British English), en-us (American English). */
const char *const *tts_voices(void);
bool tts_voice_known(const char *voice);
/* 0 if text, voice and rate can be rendered; else EINVAL and why (a
   sentence for people: empty text, over TTS_TEXT_MAX characters, not
   UTF-8, unknown voice, rate out of range). Any thread. */
int  tts_check(const char *text, const char *voice, unsigned rate,
	       char *why, size_t size);
/* The same for voice and rate alone (a tenant's settings). */
int  tts_check_voice(const char *voice, long long rate, char *why,
		     size_t size);

/* Queues a render; done(err, path, arg) follows on the control thread.
   Returns EINVAL (see tts_check), EBUSY (queue full), ESHUTDOWN or ENOMEM,
   and then done is never called. jobp (may be NULL) receives a handle for
   tts_abandon(), valid until done runs. */
int  tts_render(struct tts *t, const char *text, const char *voice,
		unsigned rate, tts_done_h *done, void *arg,
		struct tts_job **jobp);
/* The caller lost interest (its call ended): done will not be called, and
   the synthesis is skipped if it has not started. Control thread, before
   done ran. */
void tts_abandon(struct tts_job *job);

void tts_stats(const struct tts *t, struct tts_stats *st);

#endif
