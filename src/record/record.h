/*
 * record.h — call recordings as a service of the daemon: the recording
 * writer (src/media/recorder.h), the rows of table `recordings`, repair of
 * recordings a crash interrupted, and the retention clean-up.
 *
 * Files: DATA/recordings/<tenant id>/<yyyy>/<mm>/<dd>/<call id>-<seq>.wav
 * or .mp3 (UTC date of the start); the row keeps the path relative to
 * DATA. A row is inserted with status 'recording' when the recording
 * starts and updated to 'done' (or 'failed') with path, format, duration
 * and size when its file is final. At start, rows a crash left in
 * 'recording' are repaired from their .part files (recorder_recover) or
 * marked 'failed'. Every hour (first a minute after start) a store job
 * deletes the recordings older than their tenant's retention days, rows
 * and files. How the call module uses this: see recorder.h's top comment.
 */
#ifndef HOTLINE_RECORD_RECORD_H
#define HOTLINE_RECORD_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "policy.h"

struct db;
struct recorder;
struct recording;
struct recordings;
struct rec_writer;
struct store;

struct recordings_opts {
	unsigned cleanup_first_ms;   /* 0: 60 s after start */
	unsigned cleanup_every_ms;   /* 0: every hour */
};

/* Starts the writer and submits the crash repair job. Control thread. */
int  recordings_alloc(struct recordings **rsp, struct store *store,
		      const char *data_dir, const struct recordings_opts *opts);
/* Finalises every open recording (their rows are updated by store jobs,
   so call it before store_close) and stops the writer. Call it after the
   calls have ended; a recording still open has its file finalised and its
   row repaired at the next start, and its recording_stop (still needed to
   free it) calls stopped with ESHUTDOWN. */
void recordings_free(struct recordings *rs);

/* Opens a recording of the call as chosen by record_decide(); leg_id may
   be NULL (the whole call), seq numbers the call's recordings from 1.
   Its row is inserted by a store job. EINVAL, ESHUTDOWN, ENOMEM. */
int  recordings_start(struct recordings *rs, const struct record_choice *ch,
		      const char *tenant_id, const char *call_id,
		      const char *leg_id, unsigned seq,
		      struct recording **recp);
/* The writer, for other files than call recordings (voicemail). */
struct rec_writer *recordings_writer(struct recordings *rs);
/* For the media thread's tap (see recorder.h). */
struct recorder *recording_recorder(const struct recording *rec);
const char *recording_id(const struct recording *rec);
void recording_pause(struct recording *rec, bool paused);
/* Ends the recording; rec is gone after this call. stopped (may be NULL)
   runs on the control thread once the row is updated: err 0, or the
   file's or the row's error. */
typedef void (recording_stopped_h)(int err, const char *recording_id,
				   void *arg);
void recording_stop(struct recording *rec, recording_stopped_h *stopped,
		    void *arg);

/* ---- on a store thread (the API and the clean-up job) ------------------- */

/* DATA/<rel>, when rel is a path under recordings/ (no "..", not
   absolute); else EINVAL. */
int  record_file_path(char *out, size_t size, const char *data_dir,
		      const char *rel);
/* Deletes recordings (rows and files) older than their tenant's retention
   days, at most 1000 a run, of one tenant or all (tenant_id NULL).
   *deleted: how many. */
int  record_cleanup(struct db *db, const char *data_dir,
		    const char *tenant_id, int64_t now, long *deleted);

#endif
