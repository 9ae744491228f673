/*
 * record.c — recordings of calls: the writer, the rows, crash repair and
 * retention (see record.h).
 *
 * Everything here runs on the control thread except the work functions of
 * store jobs. Jobs carry copies of what they need (ids, paths, the data
 * directory), never a pointer to the service, except the clean-up job,
 * whose pointer back is cleared when the service goes first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../core/ids.h"
#include "../core/libre.h"
#include "../core/log.h"
#include "../media/recorder.h"
#include "../store/store.h"
#include "record.h"

enum {
	PATH_LEN = 256,
	CLEANUP_FIRST_MS = 60 * 1000,
	CLEANUP_EVERY_MS = 60 * 60 * 1000,
};

struct cleanup_job;

struct recordings {
	struct store *store;
	char *data_dir;
	struct rec_writer *w;
	struct tmr cleanup_tmr;
	unsigned cleanup_every_ms;
	struct cleanup_job *cleanup;    /* in flight, or NULL */
	int64_t started_at;
	struct list open;               /* recordings not stopped yet */
};

struct recording {
	struct le le;                   /* in rs->open */
	struct recordings *rs;          /* NULL: the service went first */
	struct recorder *r;
	char id[ID_LEN];
	recording_stopped_h *stopped;
	void *arg;
};

/* The row's first and last state. */
struct row_job {
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char call_id[ID_LEN];
	char leg_id[ID_LEN];
	unsigned seq;
	char path[PATH_LEN];
	const char *format, *channels, *status;
	unsigned rate;
	int64_t started_at, ended_at;
	uint64_t duration_ms, paused_ms, bytes;
	char note[160];
	int file_err;
	recording_stopped_h *stopped;
	void *arg;
};

struct cleanup_job {
	struct recordings *rs;          /* NULL once the service is gone */
	char *data_dir;
	long deleted;
};

struct recover_job {
	char *data_dir;
	int64_t before;
	long repaired, failed;
};

static const char *format_name(enum rec_format f)
{
	return f == REC_MP3 ? "mp3" : "wav";
}

/* ---- paths --------------------------------------------------------------- */

static bool id_like(const char *s)
{
	return s && *s && strlen(s) < ID_LEN &&
	       strspn(s, "0123456789abcdefABCDEF-") == strlen(s);
}

static int rel_path(char *out, size_t size, const char *tenant_id,
		    const char *call_id, unsigned seq, enum rec_format f,
		    int64_t now)
{
	time_t secs = (time_t)(now / 1000);
	struct tm tm;

	if (!gmtime_r(&secs, &tm))
		return EINVAL;
	if (snprintf(out, size, "recordings/%s/%04d/%02d/%02d/%s-%u.%s",
		     tenant_id, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		     call_id, seq, format_name(f)) >= (int)size)
		return ENAMETOOLONG;
	return 0;
}

int record_file_path(char *out, size_t size, const char *data_dir,
		     const char *rel)
{
	if (!rel || strncmp(rel, "recordings/", 11) || strstr(rel, "..") ||
	    strstr(rel, "//"))
		return EINVAL;
	return snprintf(out, size, "%s/%s", data_dir, rel) < (int)size
	       ? 0 : ENAMETOOLONG;
}

/* ---- rows ---------------------------------------------------------------- */

static int insert_work(struct db *db, void *arg)
{
	struct row_job *j = arg;

	return db_exec(db, "INSERT INTO recordings (id, tenant_id, call_id, "
		       "leg_id, seq, path, format, channels, rate, "
		       "started_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
		       "?, 'recording')",
		       json_pack("[ssss?isssiI]", j->id, j->tenant_id,
				 j->call_id, j->leg_id[0] ? j->leg_id : NULL,
				 (int)j->seq, j->path, j->format, j->channels,
				 (int)j->rate, (json_int_t)j->started_at));
}

static void insert_done(int err, void *arg)
{
	struct row_job *j = arg;

	if (err)
		log_error("record", "recording %s of call %s: the row could "
			  "not be written: %s", j->id, j->call_id,
			  strerror(err));
	free(j);
}

static int update_work(struct db *db, void *arg)
{
	struct row_job *j = arg;

	return db_exec(db, "UPDATE recordings SET status = ?, path = ?, "
		       "format = ?, duration_ms = ?, paused_ms = ?, "
		       "size_bytes = ?, ended_at = ?, note = ? WHERE id = ?",
		       json_pack("[sssIIIIss]", j->status, j->path, j->format,
				 (json_int_t)j->duration_ms,
				 (json_int_t)j->paused_ms,
				 (json_int_t)j->bytes,
				 (json_int_t)j->ended_at, j->note, j->id));
}

static void update_done(int err, void *arg)
{
	struct row_job *j = arg;

	if (err)
		log_error("record", "recording %s: the row could not be "
			  "updated: %s", j->id, strerror(err));
	if (j->stopped)
		j->stopped(err ? err : j->file_err, j->id, j->arg);
	free(j);
}

/* ---- one recording ------------------------------------------------------- */

int recordings_start(struct recordings *rs, const struct record_choice *ch,
		     const char *tenant_id, const char *call_id,
		     const char *leg_id, unsigned seq, struct recording **recp)
{
	struct recorder_cfg cfg;
	struct recording *rec;
	struct row_job *j;
	int err;

	if (!rs || !ch || !recp || !id_like(tenant_id) || !id_like(call_id) ||
	    (leg_id && *leg_id && !id_like(leg_id)) || !seq)
		return EINVAL;
	rec = calloc(1, sizeof(*rec));
	j = calloc(1, sizeof(*j));
	if (!rec || !j) {
		free(rec);
		free(j);
		return ENOMEM;
	}
	id_new(j->id);
	snprintf(j->tenant_id, sizeof(j->tenant_id), "%s", tenant_id);
	snprintf(j->call_id, sizeof(j->call_id), "%s", call_id);
	snprintf(j->leg_id, sizeof(j->leg_id), "%s", leg_id ? leg_id : "");
	j->seq = seq;
	j->started_at = now_ms();
	j->format = format_name(ch->format);
	j->channels = ch->mode == REC_MONO ? "mono" : "stereo";
	j->rate = ch->rate ? ch->rate : 8000;
	err = rel_path(j->path, sizeof(j->path), tenant_id, call_id, seq,
		       ch->format, j->started_at);
	cfg = (struct recorder_cfg){j->path, ch->format, ch->mode, j->rate};
	if (!err)
		err = recorder_open(&rec->r, rs->w, &cfg);
	if (err) {
		free(rec);
		free(j);
		return err;
	}
	rec->rs = rs;
	list_append(&rs->open, &rec->le, rec);
	memcpy(rec->id, j->id, ID_LEN);
	err = store_submit(rs->store, STORE_WRITE, insert_work, insert_done,
			   j);
	if (err) {
		log_error("record", "recording %s: no row (%s)", j->id,
			  strerror(err));
		free(j);
	}
	*recp = rec;
	return 0;
}

struct rec_writer *recordings_writer(struct recordings *rs)
{
	return rs ? rs->w : NULL;
}

struct recorder *recording_recorder(const struct recording *rec)
{
	return rec ? rec->r : NULL;
}

const char *recording_id(const struct recording *rec)
{
	return rec ? rec->id : "";
}

void recording_pause(struct recording *rec, bool paused)
{
	if (rec)
		recorder_pause(rec->r, paused);
}

/* The file is final (control thread): the row follows. */
static void closed(int err, const struct recording_info *info, void *arg)
{
	struct recording *rec = arg;
	struct row_job *j = rec->rs ? calloc(1, sizeof(*j)) : NULL;
	int serr;

	list_unlink(&rec->le);
	if (!rec->rs) {         /* stopped after recordings_free: the row is
				   repaired at the next start */
		if (rec->stopped)
			rec->stopped(ESHUTDOWN, rec->id, rec->arg);
		free(rec);
		return;
	}
	if (!j) {
		log_error("record", "recording %s: out of memory", rec->id);
		if (rec->stopped)
			rec->stopped(ENOMEM, rec->id, rec->arg);
		free(rec);
		return;
	}
	memcpy(j->id, rec->id, ID_LEN);
	snprintf(j->path, sizeof(j->path), "%s", info->path);
	j->format = format_name(info->format);
	j->status = err ? "failed" : "done";
	j->ended_at = now_ms();
	j->duration_ms = info->duration_ms;
	j->paused_ms = info->paused_ms;
	j->bytes = info->bytes;
	j->file_err = err;
	snprintf(j->note, sizeof(j->note), "%s%s%s",
		 info->mp3_fallback ? "MP3 could not be written: saved as "
				      "WAV. " : "",
		 info->dropped ? "Some audio was lost (the disk was too "
				 "slow). " : "",
		 err ? "The file could not be written completely." : "");
	j->stopped = rec->stopped;
	j->arg = rec->arg;
	serr = store_submit(rec->rs->store, STORE_WRITE, update_work,
			    update_done, j);
	if (serr) {
		log_error("record", "recording %s: the row cannot be "
			  "updated: %s", rec->id, strerror(serr));
		if (j->stopped)
			j->stopped(serr, j->id, j->arg);
		free(j);
	}
	free(rec);
}

void recording_stop(struct recording *rec, recording_stopped_h *stopped,
		    void *arg)
{
	if (!rec)
		return;
	rec->stopped = stopped;
	rec->arg = arg;
	recorder_close(rec->r, closed, rec);
}

/* ---- crash repair -------------------------------------------------------- */

/* The same path with ".wav" (a recording whose MP3 fell back to WAV). */
static bool wav_variant(char *out, size_t size, const char *path)
{
	size_t len = strlen(path);

	if (len < 4 || strcmp(path + len - 4, ".mp3") || len >= size)
		return false;
	memcpy(out, path, len - 4);
	memcpy(out + len - 4, ".wav", 5);
	return true;
}

static int recover_one(struct db *db, struct recover_job *j, json_t *row)
{
	const char *id = json_string_value(json_object_get(row, "id"));
	const char *path = json_string_value(json_object_get(row, "path"));
	json_int_t started = json_integer_value(json_object_get(row,
								"started_at"));
	struct recording_info info;
	char alt[PATH_LEN];
	int err = path ? recorder_recover(j->data_dir, path, &info) : EINVAL;

	if (err == ENOENT && wav_variant(alt, sizeof(alt), path))
		err = recorder_recover(j->data_dir, alt, &info);
	if (err) {
		j->failed++;
		return db_exec(db, "UPDATE recordings SET status = 'failed', "
			       "ended_at = ?, note = ? WHERE id = ?",
			       json_pack("[Iss]", started, err == ENOENT
					 ? "The daemon stopped before any "
					   "audio was written."
					 : "The file left by a crash could not "
					   "be read.", id));
	}
	j->repaired++;
	return db_exec(db, "UPDATE recordings SET status = 'done', path = ?, "
		       "format = ?, duration_ms = ?, size_bytes = ?, ended_at "
		       "= ?, note = ? WHERE id = ?",
		       json_pack("[ssIIIss]", info.path,
				 format_name(info.format),
				 (json_int_t)info.duration_ms,
				 (json_int_t)info.bytes,
				 started + (json_int_t)info.duration_ms,
				 "Recovered after the daemon stopped "
				 "abruptly.", id));
}

static int recover_work(struct db *db, void *arg)
{
	struct recover_job *j = arg;
	json_t *rows = NULL, *row;
	size_t i;
	int err = db_query(db, &rows, "SELECT id, path, started_at FROM "
			   "recordings WHERE status = 'recording' AND "
			   "started_at < ?", json_pack("[I]",
						       (json_int_t)j->before));

	json_array_foreach(rows, i, row) {
		if (!err)
			err = recover_one(db, j, row);
	}
	json_decref(rows);
	return err;
}

static void recover_done(int err, void *arg)
{
	struct recover_job *j = arg;

	if (err)
		log_error("record", "repairing interrupted recordings: %s",
			  strerror(err));
	else if (j->repaired || j->failed)
		log_info("record", "interrupted recordings: %ld repaired, %ld "
			 "without audio", j->repaired, j->failed);
	free(j->data_dir);
	free(j);
}

static int submit_recovery(struct recordings *rs)
{
	struct recover_job *j = calloc(1, sizeof(*j));
	int err;

	if (!j || !(j->data_dir = strdup(rs->data_dir))) {
		free(j);
		return ENOMEM;
	}
	j->before = rs->started_at;
	err = store_submit(rs->store, STORE_WRITE, recover_work, recover_done,
			   j);
	if (err) {
		free(j->data_dir);
		free(j);
	}
	return err;
}

/* ---- retention ----------------------------------------------------------- */

int record_cleanup(struct db *db, const char *data_dir, const char *tenant_id,
		   int64_t now, long *deleted)
{
	json_t *rows = NULL, *row;
	size_t i;
	int err = db_query(db, &rows, "SELECT r.id, r.path FROM recordings r "
			   "LEFT JOIN recording_policies p ON p.tenant_id = "
			   "r.tenant_id WHERE r.status <> 'recording' AND "
			   "COALESCE(p.retention_days, 90) > 0 AND "
			   "COALESCE(r.ended_at, r.started_at) + "
			   "COALESCE(p.retention_days, 90) * CAST(86400000 AS "
			   "BIGINT) < ? AND (CAST(? AS TEXT) IS NULL OR "
			   "r.tenant_id = ?) ORDER BY r.started_at LIMIT 1000",
			   json_pack("[Is?s?]", (json_int_t)now, tenant_id,
				     tenant_id));

	*deleted = 0;
	json_array_foreach(rows, i, row) {
		char path[1200];
		const char *rel = json_string_value(json_object_get(row,
								    "path"));

		if (err)
			break;
		if (!record_file_path(path, sizeof(path), data_dir, rel) &&
		    unlink(path) && errno != ENOENT)
			log_warn("record", "removing %s: %s", path,
				 strerror(errno));
		err = db_exec(db, "DELETE FROM recordings WHERE id = ?",
			      json_pack("[O]", json_object_get(row, "id")));
		if (!err)
			(*deleted)++;
	}
	json_decref(rows);
	return err;
}

static int cleanup_work(struct db *db, void *arg)
{
	struct cleanup_job *j = arg;

	return record_cleanup(db, j->data_dir, NULL, now_ms(), &j->deleted);
}

static void cleanup_done(int err, void *arg)
{
	struct cleanup_job *j = arg;

	if (err)
		log_error("record", "retention clean-up: %s", strerror(err));
	else if (j->deleted)
		log_info("record", "retention clean-up: %ld recordings "
			 "deleted", j->deleted);
	if (j->rs)
		j->rs->cleanup = NULL;
	free(j->data_dir);
	free(j);
}

static void cleanup_tick(void *arg)
{
	struct recordings *rs = arg;
	struct cleanup_job *j;

	tmr_start(&rs->cleanup_tmr, rs->cleanup_every_ms, cleanup_tick, rs);
	if (rs->cleanup)
		return;         /* the last one is still running */
	j = calloc(1, sizeof(*j));
	if (!j || !(j->data_dir = strdup(rs->data_dir))) {
		free(j);
		return;
	}
	j->rs = rs;
	if (store_submit(rs->store, STORE_WRITE, cleanup_work, cleanup_done,
			 j)) {
		free(j->data_dir);
		free(j);
		return;
	}
	rs->cleanup = j;
}

/* ---- the service --------------------------------------------------------- */

int recordings_alloc(struct recordings **rsp, struct store *store,
		     const char *data_dir, const struct recordings_opts *opts)
{
	struct recordings *rs;
	int err;

	if (!rsp || !store || !data_dir)
		return EINVAL;
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return ENOMEM;
	rs->store = store;
	rs->started_at = now_ms();
	list_init(&rs->open);
	tmr_init(&rs->cleanup_tmr);
	rs->data_dir = strdup(data_dir);
	err = rs->data_dir ? recorder_writer_start(&rs->w, data_dir) : ENOMEM;
	if (!err)
		err = submit_recovery(rs);
	if (err) {
		recordings_free(rs);
		return err;
	}
	rs->cleanup_every_ms = opts && opts->cleanup_every_ms
			       ? opts->cleanup_every_ms : CLEANUP_EVERY_MS;
	tmr_start(&rs->cleanup_tmr, opts && opts->cleanup_first_ms
		  ? opts->cleanup_first_ms : CLEANUP_FIRST_MS, cleanup_tick,
		  rs);
	*rsp = rs;
	return 0;
}

void recordings_free(struct recordings *rs)
{
	if (!rs)
		return;
	tmr_cancel(&rs->cleanup_tmr);
	if (rs->cleanup)
		rs->cleanup->rs = NULL;
	recorder_writer_stop(rs->w);   /* rows of closed ones: jobs queued */
	/* Not stopped yet: their files are final, their rows are repaired at
	   the next start; recording_stop still frees them. */
	while (rs->open.head) {
		struct recording *rec = rs->open.head->data;

		list_unlink(&rec->le);
		rec->rs = NULL;
	}
	free(rs->data_dir);
	free(rs);
}
