/*
 * recorder.h — call recording files: media threads push audio, one writer
 * thread (owned by this module) appends it to WAV or MP3 files.
 *
 * A recording has two sides: left (the customer) and right (the agent or
 * the other party). Stereo files keep them on their own channels; mono
 * files hold their mix ((l + r) with saturation). The producer (a media
 * thread) calls recorder_push() every tick with n samples of each side at
 * the recording's rate; the call never blocks, never allocates and never
 * makes a system call in the common case: the samples go into the
 * recording's lock-free single-producer single-consumer ring (C11 atomics,
 * about 4 seconds). A full ring drops the new samples and counts them
 * (logged once per recording by the writer). The writer wakes every 200
 * ms (at once when a ring passes half full, or on open/close) and appends
 * what the rings hold with libsndfile, one write per recording per wake.
 *
 * Files are written as PATH.part and renamed to PATH when the recording
 * is closed, or when the writer stops (the daemon shuts down) with the
 * recording still open: a finished file is always a complete WAV or MP3.
 * A WAV's header is also brought up to date every 10 s of audio, and a
 * .part file left by a crash is repaired by recorder_recover().
 * MP3 is written through libsndfile's LAME encoder; when that fails at
 * open the recording is written as WAV instead (info->mp3_fallback).
 *
 * Threads: recorder_writer_*, recorder_open, recorder_pause and
 * recorder_close on the control thread (the libre loop's); recorder_push
 * on one producer thread at a time; recorder_detach on any thread;
 * recorder_recover on any thread that may do disk I/O (a store thread).
 *
 * ---- Integration with the call module (for the lead) ----------------------
 * src/record/record.h wraps this for calls; the call module uses that:
 *  1. At answer time (both legs up), on the control thread:
 *       struct record_choice ch;
 *       record_decide(dir, &(struct record_call){tenant_id, direction,
 *                     {caller_ext, callee_ext}, trunk_id}, &ch);
 *       if (ch.record) recordings_start(rs, &ch, call->tenant_id,
 *                                       call->id, leg_id_or_NULL, seq, &rec);
 *     (record_decide is pure over the directory: src/record/policy.h.)
 *     recordings_start inserts the row (status 'recording') with a store
 *     job and opens the recorder; ch.rate is 8000 unless the call module
 *     sets 16000 before the call (G.722 on both legs).
 *  2. The media thread gets recording_recorder(rec) through the bridge's
 *     command (the engine's SYNC/want path) and, every 20 ms tick, pushes
 *     the decoded linear PCM it relays: left = the customer's leg (the
 *     inbound caller, or the outside party of an outbound call), right =
 *     the agent's/extension's leg, both at ch.rate (160 samples at 8 kHz).
 *     A side with no packet this tick passes NULL (silence). When the tap
 *     is removed (unbridge, endpoint freed) the media thread calls
 *     recorder_detach() once and never touches the pointer again.
 *  3. Pause/resume: recording_pause(rec, true/false) (control thread).
 *  4. When the call ends (or the recording should stop), on the control
 *     thread: recording_stop(rec, NULL, NULL) (or a callback that runs once
 *     the row is updated, e.g. for a "recording ready" event). The writer finalises the file, and a
 *     store job updates the row (status 'done' or 'failed', path, format,
 *     duration_ms, size_bytes, ended_at); GET /api/v1/calls/{id} lists the
 *     call's recordings by call_id, so no CDR change is needed.
 *  Every recordings_start is matched by one recording_stop (control side)
 *  and one recorder_detach (producer side, also when the tap was never
 *  attached); the memory goes when both happened. The service is
 *  src/core/main.c's d->recs (started after the store, freed after
 *  b2bua_free and before store_close): hand it to the B2BUA in its deps.
 */
#ifndef HOTLINE_MEDIA_RECORDER_H
#define HOTLINE_MEDIA_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rec_writer;
struct recorder;

enum rec_format { REC_WAV, REC_MP3 };
enum rec_mode { REC_STEREO, REC_MONO };

enum {
	RECORDER_RING_SECONDS = 4,      /* per recording, rounded up to 2^n */
	RECORDER_WAKE_MS = 200,
	RECORDER_HEADER_EVERY_S = 10,   /* WAV header refreshed this often */
};

struct recorder_cfg {
	const char *path;       /* relative to the writer's dir, or absolute;
				   its extension should match format */
	enum rec_format format;
	enum rec_mode mode;
	unsigned rate;          /* 8000 or 16000 */
};

/* What was written, handed to done. Strings live during the call. */
struct recording_info {
	const char *path;       /* as in the cfg; ".wav" if MP3 fell back */
	enum rec_format format; /* what the file is */
	bool mp3_fallback;      /* MP3 was asked for and could not be written */
	uint64_t bytes;         /* file size */
	uint64_t duration_ms;   /* audio in the file (pauses excluded) */
	uint64_t paused_ms;     /* time spent paused */
	uint64_t dropped;       /* samples lost to a full ring */
};

/* err: 0, or EIO (the file could not be created or written: info->bytes
   says what is left; the file is removed when nothing could be written). */
typedef void (recorder_done_h)(int err, const struct recording_info *info,
			       void *arg);

/* Starts the writer thread; dir: where relative paths are (created with
   their parents as needed). */
int  recorder_writer_start(struct rec_writer **wp, const char *dir);
/* Finalises every open recording (valid files under their final names),
   runs done for the closed ones, and joins the thread. A recording not
   closed yet stays usable: its recorder_close runs done at once. */
void recorder_writer_stop(struct rec_writer *w);
/* Recordings open (not yet finalised). Any thread. */
unsigned recorder_writer_open_count(const struct rec_writer *w);

/* Whether this libsndfile can write MP3 (LAME). Any thread. */
bool recorder_mp3_available(void);

/* EINVAL (bad cfg), ESHUTDOWN (writer stopping), ENOMEM. The file is
   created by the writer thread, soon after. */
int  recorder_open(struct recorder **rp, struct rec_writer *w,
		   const struct recorder_cfg *cfg);
/* Producer thread. left/right: n samples each, or NULL for silence. */
void recorder_push(struct recorder *r, const int16_t *left,
		   const int16_t *right, size_t n);
/* Paused: pushed audio is dropped and does not count in the duration. */
void recorder_pause(struct recorder *r, bool paused);
/* Ends the recording: done(err, info, arg) follows on the control thread
   once the file is final. Audio pushed after this is dropped. */
void recorder_close(struct recorder *r, recorder_done_h *done, void *arg);
/* The producer will push no more (see the integration notes above). */
void recorder_detach(struct recorder *r);
/* Samples dropped so far (a full ring). Any thread. */
uint64_t recorder_dropped(const struct recorder *r);

/* After a crash: finds PATH.part (path relative to dir, or absolute),
   repairs a WAV header to the data really on disk, renames it to PATH and
   describes the file; PATH alone (renamed before the crash) is described
   as is. ENOENT when neither exists, EIO when unreadable. */
int  recorder_recover(const char *dir, const char *path,
		      struct recording_info *info);

#endif
