/*
 * voices.c — the tenant's voice library: audio files uploaded for prompts
 * and music on hold (tencent-ccc §2.5.5, cticloud §2.12.6, ippbx §9).
 *
 * An upload is the raw file as the body (name and remark in the query).
 * Its type is sniffed from the bytes, it is decoded, checked and
 * normalised to 16 kHz mono 16-bit WAV with the peak at -3 dBFS
 * (src/media/audiofile.c) in the route's prepare step on a store reader,
 * and written to DATA/voices/TENANT/ID.wav; the writer then records the
 * row. A refused file leaves nothing behind. A new voice is `pending`
 * until someone with write permission on `voices` in the tenant, or the
 * platform operator, approves or rejects it; only approved voices may go
 * into music-on-hold classes or greet in voicemail boxes. A voice in a
 * class or greeting in a box cannot be deleted, rejected or have its audio
 * replaced (409 in_use naming them).
 * Replacing the audio puts the voice back to `pending`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "api.h"
#include "files.h"
#include "../core/log.h"
#include "../media/audiofile.h"

_Static_assert((long)API_UPLOAD_MAX == (long)AUDIOFILE_MAX_BYTES,
	       "the HTTP limit of uploads is the audio file limit");

#define COLUMNS "id, tenant_id, name, remark, format, original_rate, " \
	"original_channels, duration_ms, size_bytes, status, review_reason, " \
	"reviewed_by, reviewed_at, created_by, created_at, updated_at, " \
	"(SELECT COUNT(*) FROM moh_class_voices m WHERE m.voice_id = " \
	"voices.id) + (SELECT COUNT(*) FROM voicemail_boxes b WHERE " \
	"b.greeting_voice_id = voices.id) AS used_by"

enum { NAME_MAX_LEN = 128, REMARK_MAX_LEN = 512 };

/* What the prepare step made, for the writer. */
struct upload {
	char id[ID_LEN];
	char path[1100];        /* the voice's file */
	char fresh[1100];       /* a replacement waiting for its row */
	char name[NAME_MAX_LEN * 4 + 1];
	char remark[REMARK_MAX_LEN * 4 + 1];
	const char *format;
	json_int_t rate, channels, duration_ms, size;
};

static void fix_row(json_t *row)
{
	char url[128];

	snprintf(url, sizeof(url), "/api/v1/voices/%s/audio",
		 json_string_value(json_object_get(row, "id")));
	json_object_set_new(row, "audio_url", json_string(url));
}

/* The caller's voice; `cross`: the platform operator may reach any
   tenant's (review and listening). */
static int load(struct db *db, struct api_req *req, const char *id,
		bool cross, json_t **rowp)
{
	int err = db_query_one(db, rowp, "SELECT " COLUMNS " FROM voices "
			       "WHERE id = ? AND (tenant_id = ? OR ? = 1)",
			       json_pack("[ssi]", id, req->who.tenant_id,
					 cross && req->who.operator));

	if (!err)
		fix_row(*rowp);
	return err;
}

static const char *row_str(json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));

	return s ? s : "";
}

/* 409 in_use naming the music-on-hold classes and voicemail boxes (as
   greeting) that play the voice, or 0. */
static int refuse_in_use(struct db *db, struct api_req *req, const char *id,
			 const char *doing)
{
	json_t *rows = NULL, *r;
	char names[300] = "";
	size_t i, used = 0;
	int err = db_query(db, &rows, "SELECT 'music-on-hold class' AS kind, "
			   "c.name AS name FROM moh_class_voices m JOIN "
			   "moh_classes c ON c.id = m.class_id WHERE m.voice_id "
			   "= ? UNION SELECT 'voicemail box' AS kind, "
			   "COALESCE(e.number, b.number) AS name FROM "
			   "voicemail_boxes b LEFT JOIN extensions e ON e.id = "
			   "b.extension_id WHERE b.greeting_voice_id = ? "
			   "ORDER BY 1, 2", json_pack("[ss]", id, id));

	if (err || !json_array_size(rows)) {
		json_decref(rows);
		return err;
	}
	json_array_foreach(rows, i, r) {
		if (used < sizeof(names) - 1)
			used += (size_t)snprintf(names + used,
						 sizeof(names) - used,
						 "%s%s '%s'", i ? ", " : "",
						 row_str(r, "kind"),
						 row_str(r, "name"));
	}
	err = api_fail(req, 409, "in_use", "the voice cannot be %s: it is "
		       "used by %s", doing, names);
	json_decref(rows);
	return err;
}

/* The end of a change to voice req->id: the row after it, the operation
   log, 200. Takes over before; err: the change's outcome so far. */
static int answer_changed(struct db *db, struct api_req *req,
			  const char *action, json_t *before, int err)
{
	json_t *after = NULL;

	if (!err)
		err = load(db, req, req->id, true, &after);
	if (!err)
		err = oplog_write(db, req, action, "voices", req->id, before,
				  after);
	json_decref(before);
	if (err) {
		json_decref(after);
		return err;
	}
	return api_ok(req, 200, after);
}

/* ---- list and get ---- */

static const char *const sortable[] = {"name", "status", "duration_ms",
				       "created_at", "updated_at", NULL};
static const char *const text_columns[] = {"name", "remark", NULL};
static const struct list_filter filters[] = {
	{"status", "status", F_STRING, NULL},
	{"format", "format", F_STRING, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec list = {
	"voices", COLUMNS, sortable, "created_at", true, text_columns, filters,
	false,
};
/* The platform operator reviews across tenants. */
static const struct list_filter operator_filters[] = {
	{"status", "status", F_STRING, NULL},
	{"format", "format", F_STRING, NULL},
	{"tenant_id", "tenant_id", F_STRING, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec operator_list = {
	"voices", COLUMNS, sortable, "created_at", true, text_columns,
	operator_filters, true,
};

HANDLER(voices_list)
{
	return list_run(db, req, req->who.operator ? &operator_list : &list,
			NULL, NULL, fix_row);
}

HANDLER(voices_get)
{
	json_t *row = NULL;
	int err = load(db, req, req->id, true, &row);

	return err ? err : api_ok(req, 200, row);
}

/* ---- upload ---- */

static void upload_free(void *p)
{
	free(p);
}

static int query_text(struct api_req *req, const char *name, char *out,
		      size_t size, long max, bool required)
{
	int found = query_param(req->query, name, out, size);

	if (found < 0)
		return api_fail(req, 400, "bad_query", "parameter '%s' is "
				"badly encoded or too long", name);
	if (!found)
		out[0] = '\0';
	if (required && !out[0])
		return api_fail(req, 400, "missing_field", "parameter '%s' is "
				"required (POST /api/v1/voices?name=...)",
				name);
	if ((long)strlen(out) > max)
		return api_fail(req, 400, "invalid_field", "parameter '%s': "
				"at most %ld characters", name, max);
	return 0;
}

static uint16_t verdict_status(enum audio_verdict v)
{
	switch (v) {
	case AUDIO_NOT_AUDIO:  return 415;
	case AUDIO_TOO_LARGE:  return 413;
	case AUDIO_NO_MEMORY:  return 500;
	default:               return 422;
	}
}

/* Decodes and normalises the body, writes it at path (atomically). */
static int store_audio(struct api_req *req, struct upload *u,
		       const char *path)
{
	struct audio_clip clip;
	char why[256];
	enum audio_verdict v;
	int err;

	if (!req->body_len)
		return api_fail(req, 400, "missing_body", "send the audio "
				"file's bytes as the request body");
	v = audiofile_normalise((const uint8_t *)req->raw_body, req->body_len,
				&clip, why, sizeof(why));
	if (v != AUDIO_OK)
		return api_fail(req, verdict_status(v),
				audiofile_verdict_code(v), "%s", why);
	err = audiofile_write_wav(path, clip.pcm, clip.n, AUDIOFILE_RATE);
	audiofile_clip_free(&clip);
	if (err) {
		log_error("voices", "writing %s: %s", path, strerror(err));
		return api_fail(req, 500, "internal", "the audio could not "
				"be stored");
	}
	u->format = audiofile_format_name(clip.format);
	u->rate = clip.rate;
	u->channels = clip.channels;
	u->duration_ms = (json_int_t)clip.duration_ms;
	u->size = (json_int_t)req->body_len;
	return 0;
}

static int voice_paths(struct api_req *req, struct upload *u,
		       const char *tenant_id)
{
	char dir[1024];
	int err = audiofile_voice_dir(dir, sizeof(dir),
				      req->settings->data_dir, tenant_id);

	if (!err && (audiofile_voice_path(u->path, sizeof(u->path),
					  req->settings->data_dir, tenant_id,
					  u->id) ||
		     snprintf(u->fresh, sizeof(u->fresh), "%s.new", u->path) >=
		     (int)sizeof(u->fresh)))
		err = ENAMETOOLONG;
	if (err)
		log_error("voices", "voice directory under %s: %s",
			  req->settings->data_dir, strerror(err));
	return err;
}

static int name_taken(struct db *db, struct api_req *req, const char *name,
		      const char *except_id)
{
	json_t *row = NULL;
	int err = db_query_one(db, &row, "SELECT id FROM voices WHERE "
			       "tenant_id = ? AND name = ? AND id <> ?",
			       json_pack("[sss]", req->who.tenant_id, name,
					 except_id));

	json_decref(row);
	if (err == ENOENT)
		return 0;
	return err ? err : api_fail(req, 409, "conflict", "voice name '%s' "
				    "already exists", name);
}

/* On a reader: check, decode, normalise and write the file. */
HANDLER(voices_upload_prepare)
{
	struct upload *u = calloc(1, sizeof(*u));
	int err;

	if (!u)
		return ENOMEM;
	req->stash = u;
	req->stash_free = upload_free;
	err = query_text(req, "name", u->name, sizeof(u->name), NAME_MAX_LEN,
			 true);
	if (!err)
		err = query_text(req, "remark", u->remark, sizeof(u->remark),
				 REMARK_MAX_LEN, false);
	if (!err)
		err = name_taken(db, req, u->name, "");
	id_new(u->id);
	if (!err)
		err = voice_paths(req, u, req->who.tenant_id);
	return err ? err : store_audio(req, u, u->path);
}

static int insert(struct db *db, struct api_req *req, const struct upload *u)
{
	json_int_t now = now_ms();

	return db_exec(db, "INSERT INTO voices (id, tenant_id, name, remark, "
		       "format, original_rate, original_channels, duration_ms, "
		       "size_bytes, status, created_by, created_at, "
		       "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
		       "'pending', ?, ?, ?)",
		       json_pack("[sssssIIIIsII]", u->id, req->who.tenant_id,
				 u->name, u->remark, u->format, u->rate,
				 u->channels, u->duration_ms, u->size,
				 req->who.username, now, now));
}

/* On the writer: the row; without it, the file goes. */
HANDLER(voices_upload)
{
	struct upload *u = req->stash;
	json_t *row = NULL;
	int err = insert(db, req, u);

	if (err == EEXIST)
		err = api_fail(req, 409, "conflict", "voice name '%s' already "
			       "exists", u->name);
	if (!err)
		err = load(db, req, u->id, false, &row);
	if (!err)
		err = oplog_write(db, req, "create", "voices", u->id, NULL,
				  row);
	if (err) {
		json_decref(row);
		unlink(u->path);
		return err;
	}
	return api_ok(req, 201, row);
}

/* ---- replace the audio ---- */

HANDLER(voices_replace_prepare)
{
	struct upload *u = calloc(1, sizeof(*u));
	json_t *row = NULL;
	int err;

	if (!u)
		return ENOMEM;
	req->stash = u;
	req->stash_free = upload_free;
	err = load(db, req, req->id, false, &row);
	if (!err)
		err = refuse_in_use(db, req, req->id, "replaced");
	json_decref(row);
	snprintf(u->id, sizeof(u->id), "%s", req->id);
	if (!err)
		err = voice_paths(req, u, req->who.tenant_id);
	return err ? err : store_audio(req, u, u->fresh);
}

/* The new audio needs a new review. */
static int update_audio(struct db *db, struct api_req *req,
			const struct upload *u)
{
	return db_exec(db, "UPDATE voices SET format = ?, original_rate = ?, "
		       "original_channels = ?, duration_ms = ?, size_bytes = "
		       "?, status = 'pending', review_reason = '', reviewed_by "
		       "= '', reviewed_at = NULL, updated_at = ? WHERE id = ? "
		       "AND tenant_id = ?",
		       json_pack("[sIIIIIss]", u->format, u->rate, u->channels,
				 u->duration_ms, u->size, (json_int_t)now_ms(),
				 u->id, req->who.tenant_id));
}

HANDLER(voices_replace)
{
	struct upload *u = req->stash;
	json_t *before = NULL;
	int err = load(db, req, req->id, false, &before);

	if (!err)
		err = refuse_in_use(db, req, req->id, "replaced");
	if (!err)
		err = update_audio(db, req, u);
	if (!err && rename(u->fresh, u->path))
		err = errno;
	err = answer_changed(db, req, "replace_audio", before, err);
	if (err)
		unlink(u->fresh);
	return err;
}

/* ---- update, delete ---- */

static const struct field_spec update_fields[] = {
	{"name", F_STRING, false, 1, NAME_MAX_LEN},
	{"remark", F_STRING, false, 0, REMARK_MAX_LEN},
	{NULL, 0, false, 0, 0},
};

HANDLER(voices_update)
{
	json_t *before = NULL;
	int err = body_check(req, update_fields, false);

	if (!err)
		err = load(db, req, req->id, false, &before);
	if (!err)
		err = db_exec(db, "UPDATE voices SET name = ?, remark = ?, "
			      "updated_at = ? WHERE id = ? AND tenant_id = ?",
			      json_pack("[ssIss]",
					body_str(req, "name",
						 row_str(before, "name")),
					body_str(req, "remark",
						 row_str(before, "remark")),
					(json_int_t)now_ms(), req->id,
					req->who.tenant_id));
	if (err == EEXIST)
		err = api_fail(req, 409, "conflict", "voice name '%s' already "
			       "exists", body_str(req, "name", ""));
	return answer_changed(db, req, "update", before, err);
}

HANDLER(voices_delete)
{
	char path[1100];
	json_t *before = NULL;
	int err = load(db, req, req->id, false, &before);

	if (!err)
		err = refuse_in_use(db, req, req->id, "deleted");
	if (!err)
		err = db_exec(db, "DELETE FROM voices WHERE id = ? AND "
			      "tenant_id = ?", json_pack("[ss]", req->id,
							 req->who.tenant_id));
	if (err == EBUSY)   /* a class took it meanwhile */
		err = api_fail(req, 409, "in_use", "the voice cannot be "
			       "deleted: it is used by a music-on-hold class");
	if (!err)
		err = oplog_write(db, req, "delete", "voices", req->id, before,
				  NULL);
	json_decref(before);
	if (err)
		return err;
	/* The row is gone in this transaction; should its commit fail, the
	   voice stays listed without audio (404 on play) and can be deleted
	   again. */
	if (!audiofile_voice_path(path, sizeof(path), req->settings->data_dir,
				  req->who.tenant_id, req->id) &&
	    unlink(path) && errno != ENOENT)
		log_warn("voices", "removing %s: %s", path, strerror(errno));
	return api_ok(req, 204, NULL);
}

/* ---- review ---- */

static const struct field_spec review_fields[] = {
	{"status", F_STRING, true, 0, 0},
	{"reason", F_STRING, false, 0, 256},
	{NULL, 0, false, 0, 0},
};

static int review_check(struct db *db, struct api_req *req,
			const char *status, const char *reason)
{
	if (strcmp(status, "approved") && strcmp(status, "rejected"))
		return api_fail(req, 400, "invalid_field", "field 'status': "
				"must be approved or rejected");
	if (!strcmp(status, "rejected") && !*reason)
		return api_fail(req, 400, "missing_field", "field 'reason' is "
				"required to reject a voice (the uploader "
				"sees it)");
	return strcmp(status, "rejected") ? 0
	       : refuse_in_use(db, req, req->id, "rejected");
}

HANDLER(voices_review)
{
	const char *status = body_str(req, "status", "");
	const char *reason = body_str(req, "reason", "");
	char by[300];
	json_t *before = NULL;
	int err = body_check(req, review_fields, true);

	if (!err)
		err = load(db, req, req->id, true, &before);
	if (!err)
		err = review_check(db, req, status, reason);
	snprintf(by, sizeof(by), "%s%s%s",
		 strcmp(row_str(before, "tenant_id"), req->who.tenant_id)
		 ? req->who.tenant_code : "",
		 strcmp(row_str(before, "tenant_id"), req->who.tenant_id)
		 ? "/" : "", req->who.username);
	if (!err)
		err = db_exec(db, "UPDATE voices SET status = ?, review_reason "
			      "= ?, reviewed_by = ?, reviewed_at = ?, "
			      "updated_at = ? WHERE id = ?",
			      json_pack("[sssIIs]", status, reason, by,
					(json_int_t)now_ms(),
					(json_int_t)now_ms(), req->id));
	return answer_changed(db, req, "review", before, err);
}

/* ---- used by others ---- */

int voice_check_approved(struct db *db, struct api_req *req,
			 const char *field, const char *id, const char *use)
{
	json_t *row = NULL;
	const char *status;
	int err = db_query_one(db, &row, "SELECT name, status FROM voices "
			       "WHERE id = ? AND tenant_id = ?",
			       json_pack("[ss]", id, req->who.tenant_id));

	if (err == ENOENT)
		return api_fail(req, 422, "invalid_voice", "field '%s': no "
				"voice with id '%s'", field, id);
	if (err)
		return err;
	status = json_string_value(json_object_get(row, "status"));
	if (status && strcmp(status, "approved"))
		err = api_fail(req, 422, "voice_not_approved", "voice '%s' is "
			       "%s: only approved voices can be %s",
			       json_string_value(json_object_get(row, "name")),
			       !strcmp(status, "pending") ? "pending review"
							  : status, use);
	json_decref(row);
	return err;
}

/* ---- the audio ---- */

HANDLER(voices_audio)
{
	char path[1100], name[600], flag[8];
	json_t *row = NULL;
	bool download;
	int err = load(db, req, req->id, true, &row);

	if (err)
		return err;
	download = query_param(req->query, "download", flag, sizeof(flag)) == 1
		   && (!strcmp(flag, "1") || !strcmp(flag, "true"));
	snprintf(name, sizeof(name), "%s.wav", row_str(row, "name"));
	if (audiofile_voice_path(path, sizeof(path), req->settings->data_dir,
				 row_str(row, "tenant_id"), req->id))
		err = EINVAL;
	else
		err = file_reply(req, path, "audio/wav", name, download);
	json_decref(row);
	return err;
}
