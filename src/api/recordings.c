/*
 * recordings.c — call recordings (cticloud §3.7, tencent-ccc §2.20): the
 * list and one recording with its call's caller and callee, the audio
 * streamed with HTTP Range (src/api/files.c) or downloaded, deletion, the
 * retention clean-up run now, and the tenant's recording policy.
 *
 * Rows and files are written by the recording service (src/record); the
 * API never writes audio. A recording still in progress cannot be played
 * or deleted (409). The policy lives in recording_policies (no row: the
 * defaults) and is copied into the telephony directory, so a change
 * reloads it (ROUTE_TELEPHONY).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "api.h"
#include "files.h"
#include "../core/log.h"
#include "../media/recorder.h"
#include "../record/record.h"
#include "../sip/directory.h"

#define COLUMNS "id, call_id, leg_id, seq, format, channels, rate, " \
	"duration_ms, paused_ms, size_bytes, started_at, ended_at, status, " \
	"note, caller, callee, direction"
#define FROM_X "(SELECT r.*, c.caller, c.callee, c.direction FROM " \
	"recordings r LEFT JOIN calls c ON c.id = r.call_id) x"

enum { RETENTION_MAX_DAYS = 3650 };

static void fix_row(json_t *row)
{
	const char *id = json_string_value(json_object_get(row, "id"));
	char url[128];

	snprintf(url, sizeof(url), "/api/v1/recordings/%s/audio", id);
	json_object_set_new(row, "audio_url", json_string(url));
	snprintf(url, sizeof(url), "/api/v1/recordings/%s/audio?download=1",
		 id);
	json_object_set_new(row, "download_url", json_string(url));
}

static int load(struct db *db, struct api_req *req, const char *id,
		bool with_path, json_t **rowp)
{
	int err = db_query_one(db, rowp, with_path
			       ? "SELECT " COLUMNS ", path FROM " FROM_X
				 " WHERE id = ? AND tenant_id = ?"
			       : "SELECT " COLUMNS " FROM " FROM_X
				 " WHERE id = ? AND tenant_id = ?",
			       json_pack("[ss]", id, req->who.tenant_id));

	if (!err)
		fix_row(*rowp);
	return err;
}

static const char *row_str(json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));

	return s ? s : "";
}

/* ---- list, get ---- */

static const char *const sortable[] = {"started_at", "duration_ms",
				       "size_bytes", NULL};
static const char *const text_columns[] = {"caller", "callee", NULL};
static const struct list_filter filters[] = {
	{"call_id", "call_id", F_STRING, NULL},
	{"from", "started_at", F_INTEGER, ">="},
	{"to", "started_at", F_INTEGER, "<"},
	{"status", "status", F_STRING, NULL},
	{"format", "format", F_STRING, NULL},
	{"direction", "direction", F_STRING, NULL},
	{NULL, NULL, 0, NULL},
};

HANDLER(recordings_list)
{
	static const struct list_spec list = {
		FROM_X, COLUMNS, sortable, "started_at", true, text_columns,
		filters, false,
	};

	return list_run(db, req, &list, NULL, NULL, fix_row);
}

HANDLER(recordings_get)
{
	json_t *row = NULL;
	int err = load(db, req, req->id, false, &row);

	return err ? err : api_ok(req, 200, row);
}

/* The recordings of a call, for GET /api/v1/calls/{id}. */
int recordings_of_call(struct db *db, struct api_req *req,
		       const char *call_id, json_t **itemsp)
{
	size_t i;
	json_t *row;
	int err = db_query(db, itemsp, "SELECT " COLUMNS " FROM " FROM_X
			   " WHERE call_id = ? AND tenant_id = ? ORDER BY seq, "
			   "started_at", json_pack("[ss]", call_id,
						   req->who.tenant_id));

	if (!err)
		json_array_foreach(*itemsp, i, row)
			fix_row(row);
	return err;
}

static int not_ready(struct api_req *req, const char *doing)
{
	return api_fail(req, 409, "in_progress", "the recording is still "
			"being written and cannot be %s yet", doing);
}

/* ---- audio ---- */

HANDLER(recordings_audio)
{
	char path[1200], flag[8];
	const char *rel, *name;
	json_t *row = NULL;
	bool download;
	int err = load(db, req, req->id, true, &row);

	if (err)
		return err;
	if (!strcmp(row_str(row, "status"), "recording")) {
		json_decref(row);
		return not_ready(req, "played");
	}
	download = query_param(req->query, "download", flag, sizeof(flag)) == 1
		   && (!strcmp(flag, "1") || !strcmp(flag, "true"));
	rel = row_str(row, "path");
	name = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	if (record_file_path(path, sizeof(path), req->settings->data_dir,
			     rel)) {
		log_error("recordings", "recording %s: bad path '%s'", req->id,
			  rel);
		err = EIO;
	} else {
		err = file_reply(req, path, !strcmp(row_str(row, "format"),
						    "mp3") ? "audio/mpeg"
							   : "audio/wav",
				 name, download);
	}
	json_decref(row);
	return err;
}

/* ---- delete ---- */

HANDLER(recordings_delete)
{
	char path[1200];
	json_t *before = NULL;
	int err = load(db, req, req->id, true, &before);

	if (!err && !strcmp(row_str(before, "status"), "recording"))
		err = not_ready(req, "deleted");
	if (!err)
		err = db_exec(db, "DELETE FROM recordings WHERE id = ? AND "
			      "tenant_id = ?", json_pack("[ss]", req->id,
							 req->who.tenant_id));
	if (!err)
		err = oplog_write(db, req, "delete", "recordings", req->id,
				  before, NULL);
	/* The row is gone in this transaction; should its commit fail, the
	   recording stays listed without audio (404 on play) and can be
	   deleted again. */
	if (!err && !record_file_path(path, sizeof(path),
				      req->settings->data_dir,
				      row_str(before, "path")) &&
	    unlink(path) && errno != ENOENT)
		log_warn("recordings", "removing %s: %s", path,
			 strerror(errno));
	json_decref(before);
	return err ? err : api_ok(req, 204, NULL);
}

/* ---- clean-up now ---- */

HANDLER(recordings_cleanup)
{
	long deleted = 0;
	json_t *report;
	int err = record_cleanup(db, req->settings->data_dir,
				 req->who.tenant_id, now_ms(), &deleted);

	if (err)
		return err;
	report = json_pack("{sI}", "deleted", (json_int_t)deleted);
	err = oplog_write(db, req, "cleanup", "recordings", "", NULL, report);
	if (err) {
		json_decref(report);
		return err;
	}
	return api_ok(req, 200, report);
}

/* ---- the policy ---- */

static int load_policy(struct db *db, const char *tenant_id, json_t **rowp)
{
	int err = db_query_one(db, rowp, "SELECT record_inbound AS inbound, "
			       "record_outbound AS outbound, record_internal "
			       "AS internal, format, mode, retention_days, "
			       "updated_at FROM recording_policies WHERE "
			       "tenant_id = ?", json_pack("[s]", tenant_id));

	if (err == ENOENT) {
		*rowp = json_pack("{sbsbsbsssssisn}", "inbound", 0, "outbound",
				  0, "internal", 0, "format", "wav", "mode",
				  "stereo", "retention_days",
				  DIR_REC_RETENTION_DEFAULT, "updated_at");
		return *rowp ? 0 : ENOMEM;
	}
	if (!err) {
		row_bool(*rowp, "inbound");
		row_bool(*rowp, "outbound");
		row_bool(*rowp, "internal");
	}
	return err;
}

static void add_capabilities(json_t *row)
{
	json_object_set_new(row, "mp3_available",
			    json_boolean(recorder_mp3_available()));
}

HANDLER(recording_policy_get)
{
	json_t *row = NULL;
	int err = load_policy(db, req->who.tenant_id, &row);

	if (err)
		return err;
	add_capabilities(row);
	return api_ok(req, 200, row);
}

static const struct field_spec policy_fields[] = {
	{"inbound", F_BOOLEAN, false, 0, 0},
	{"outbound", F_BOOLEAN, false, 0, 0},
	{"internal", F_BOOLEAN, false, 0, 0},
	{"format", F_STRING, false, 0, 0},
	{"mode", F_STRING, false, 0, 0},
	{"retention_days", F_INTEGER, false, 0, RETENTION_MAX_DAYS},
	{NULL, 0, false, 0, 0},
};

static int check_policy(struct api_req *req)
{
	const char *format = body_str(req, "format", "wav");
	const char *mode = body_str(req, "mode", "stereo");
	int err = body_check(req, policy_fields, false);

	if (err)
		return err;
	if (strcmp(format, "wav") && strcmp(format, "mp3"))
		return api_fail(req, 400, "invalid_field", "field 'format': "
				"must be wav or mp3");
	if (strcmp(mode, "stereo") && strcmp(mode, "mono"))
		return api_fail(req, 400, "invalid_field", "field 'mode': must "
				"be stereo (customer left, agent right) or "
				"mono (mixed)");
	return 0;
}

/* A field of the body, else the stored value. */
static json_t *merged(struct api_req *req, json_t *before, const char *name)
{
	json_t *v = json_object_get(req->body, name);

	return json_incref(v ? v : json_object_get(before, name));
}

static int flag(json_t *row, const char *name)
{
	return json_is_true(json_object_get(row, name));
}

static int save_policy(struct db *db, const char *tenant_id, json_t *p,
		       json_int_t now)
{
	return db_exec(db, "INSERT INTO recording_policies (tenant_id, "
		       "record_inbound, record_outbound, record_internal, "
		       "format, mode, retention_days, updated_at) VALUES (?, ?, "
		       "?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET "
		       "record_inbound = excluded.record_inbound, "
		       "record_outbound = excluded.record_outbound, "
		       "record_internal = excluded.record_internal, "
		       "format = excluded.format, mode = excluded.mode, "
		       "retention_days = excluded.retention_days, "
		       "updated_at = excluded.updated_at",
		       json_pack("[sbbbssII]", tenant_id, flag(p, "inbound"),
				 flag(p, "outbound"), flag(p, "internal"),
				 row_str(p, "format"), row_str(p, "mode"),
				 json_integer_value(json_object_get(
					 p, "retention_days")), now));
}

HANDLER(recording_policy_put)
{
	json_t *before = NULL, *after = NULL;
	json_int_t now = (json_int_t)now_ms();
	int err = check_policy(req);

	if (!err)
		err = load_policy(db, req->who.tenant_id, &before);
	if (err)
		return err;
	after = json_pack("{sosososososo}",
			  "inbound", merged(req, before, "inbound"),
			  "outbound", merged(req, before, "outbound"),
			  "internal", merged(req, before, "internal"),
			  "format", merged(req, before, "format"),
			  "mode", merged(req, before, "mode"),
			  "retention_days", merged(req, before,
						   "retention_days"));
	err = after ? save_policy(db, req->who.tenant_id, after, now) : ENOMEM;
	if (!err)
		json_object_set_new(after, "updated_at", json_integer(now));
	if (!err)
		err = oplog_write(db, req, "update", "recording_policy",
				  req->who.tenant_id, before, after);
	json_decref(before);
	if (err) {
		json_decref(after);
		return err;
	}
	add_capabilities(after);
	return api_ok(req, 200, after);
}
