/*
 * moh.c — music-on-hold classes: a tenant's named, ordered lists of
 * approved voices from its voice library, played in order (`sequential`)
 * or shuffled (`random`) to callers on hold or waiting.
 *
 * The voices of a class are rows of moh_class_voices (class, voice,
 * position), so "is this voice in use" is one query and the database
 * refuses to delete a voice that a class still plays. A class answers
 * with `voice_ids` (in order) and `voices` ({id, name, status,
 * duration_ms} in the same order).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"

#define COLUMNS "id, name, remark, mode, created_at, updated_at"

enum { MAX_VOICES = 50 };

static const struct field_spec fields[] = {
	{"name", F_STRING, true, 1, 128},
	{"remark", F_STRING, false, 0, 512},
	{"mode", F_STRING, false, 0, 0},
	{"voice_ids", F_STRING_ARRAY, true, 0, 0},
	{NULL, 0, false, 0, 0},
};

/* Adds voice_ids and voices to a class row. */
static int attach_voices(struct db *db, json_t *row)
{
	json_t *voices = NULL, *ids = json_array(), *v;
	size_t i;
	int err = db_query(db, &voices, "SELECT v.id, v.name, v.status, "
			   "v.duration_ms FROM moh_class_voices m JOIN voices "
			   "v ON v.id = m.voice_id WHERE m.class_id = ? ORDER "
			   "BY m.position",
			   json_pack("[s]", json_string_value(
				   json_object_get(row, "id"))));

	if (err) {
		json_decref(ids);
		return err;
	}
	json_array_foreach(voices, i, v)
		json_array_append(ids, json_object_get(v, "id"));
	json_object_set_new(row, "voice_ids", ids);
	json_object_set_new(row, "voices", voices);
	return 0;
}

static int load(struct db *db, struct api_req *req, const char *id,
		json_t **rowp)
{
	int err = db_query_one(db, rowp, "SELECT " COLUMNS " FROM moh_classes "
			       "WHERE id = ? AND tenant_id = ?",
			       json_pack("[ss]", id, req->who.tenant_id));

	if (!err)
		err = attach_voices(db, *rowp);
	if (err && err != ENOENT) {
		json_decref(*rowp);
		*rowp = NULL;
	}
	return err;
}

static const char *const sortable[] = {"name", "created_at", "updated_at",
				       NULL};
static const char *const text_columns[] = {"name", "remark", NULL};
static const struct list_filter filters[] = {
	{"mode", "mode", F_STRING, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec list = {
	"moh_classes", COLUMNS, sortable, "name", false, text_columns, filters,
	false,
};

HANDLER(moh_list)
{
	json_t *item;
	size_t i;
	int err = list_run(db, req, &list, NULL, NULL, NULL);

	if (err || req->status != 200)
		return err;
	json_array_foreach(json_object_get(req->resp, "items"), i, item) {
		err = attach_voices(db, item);
		if (err)
			return err;
	}
	return 0;
}

HANDLER(moh_get)
{
	json_t *row = NULL;
	int err = load(db, req, req->id, &row);

	return err ? err : api_ok(req, 200, row);
}

static int check_voices(struct db *db, struct api_req *req, json_t *ids)
{
	size_t i, j;
	json_t *v;
	int err;

	if (!json_array_size(ids) || json_array_size(ids) > MAX_VOICES)
		return api_fail(req, 400, "invalid_field", "field 'voice_ids': "
				"1 to %d voices", MAX_VOICES);
	json_array_foreach(ids, i, v) {
		for (j = 0; j < i; j++) {
			if (json_equal(v, json_array_get(ids, j)))
				return api_fail(req, 400, "invalid_field",
						"field 'voice_ids': '%s' is "
						"listed twice",
						json_string_value(v));
		}
		err = voice_check_approved(db, req, "voice_ids",
					   json_string_value(v),
					   "played on hold");
		if (err)
			return err;
	}
	return 0;
}

static int check_body(struct db *db, struct api_req *req, bool creating)
{
	const char *mode = body_str(req, "mode", "sequential");
	json_t *ids = json_object_get(req->body, "voice_ids");
	int err = body_check(req, fields, creating);

	if (err)
		return err;
	if (strcmp(mode, "sequential") && strcmp(mode, "random"))
		return api_fail(req, 400, "invalid_field", "field 'mode': must "
				"be sequential or random");
	return ids ? check_voices(db, req, ids) : 0;
}

/* The class's voices become ids, in order. */
static int set_voices(struct db *db, struct api_req *req, const char *id,
		      json_t *ids)
{
	size_t i;
	json_t *v;
	int err = db_exec(db, "DELETE FROM moh_class_voices WHERE class_id = "
			  "?", json_pack("[s]", id));

	json_array_foreach(ids, i, v) {
		if (err)
			break;
		err = db_exec(db, "INSERT INTO moh_class_voices (class_id, "
			      "voice_id, tenant_id, position) VALUES (?, ?, ?, "
			      "?)", json_pack("[sOsI]", id, v,
					      req->who.tenant_id,
					      (json_int_t)i));
	}
	return err;
}

static int conflict(struct api_req *req)
{
	return api_fail(req, 409, "conflict", "music-on-hold class name '%s' "
			"already exists", body_str(req, "name", ""));
}

HANDLER(moh_create)
{
	char id[ID_LEN];
	json_int_t now = now_ms();
	json_t *row = NULL;
	int err = check_body(db, req, true);

	id_new(id);
	if (!err)
		err = db_exec(db, "INSERT INTO moh_classes (id, tenant_id, name, "
			      "remark, mode, created_at, updated_at) VALUES "
			      "(?, ?, ?, ?, ?, ?, ?)",
			      json_pack("[sssssII]", id, req->who.tenant_id,
					body_str(req, "name", ""),
					body_str(req, "remark", ""),
					body_str(req, "mode", "sequential"),
					now, now));
	if (err == EEXIST)
		err = conflict(req);
	if (!err)
		err = set_voices(db, req, id,
				 json_object_get(req->body, "voice_ids"));
	if (!err)
		err = load(db, req, id, &row);
	if (!err)
		err = oplog_write(db, req, "create", "moh_classes", id, NULL,
				  row);
	if (err) {
		json_decref(row);
		return err;
	}
	return api_ok(req, 201, row);
}

static const char *str_of(json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));

	return s ? s : "";
}

HANDLER(moh_update)
{
	json_t *before = NULL, *after = NULL, *ids;
	int err = check_body(db, req, false);

	if (!err)
		err = load(db, req, req->id, &before);
	if (!err)
		err = db_exec(db, "UPDATE moh_classes SET name = ?, remark = ?, "
			      "mode = ?, updated_at = ? WHERE id = ? AND "
			      "tenant_id = ?",
			      json_pack("[sssIss]",
					body_str(req, "name",
						 str_of(before, "name")),
					body_str(req, "remark",
						 str_of(before, "remark")),
					body_str(req, "mode",
						 str_of(before, "mode")),
					(json_int_t)now_ms(), req->id,
					req->who.tenant_id));
	if (err == EEXIST)
		err = conflict(req);
	ids = json_object_get(req->body, "voice_ids");
	if (!err && ids)
		err = set_voices(db, req, req->id, ids);
	if (!err)
		err = load(db, req, req->id, &after);
	if (!err)
		err = oplog_write(db, req, "update", "moh_classes", req->id,
				  before, after);
	json_decref(before);
	if (err) {
		json_decref(after);
		return err;
	}
	return api_ok(req, 200, after);
}

HANDLER(moh_delete)
{
	json_t *before = NULL;
	int err = load(db, req, req->id, &before);

	if (!err)
		err = db_exec(db, "DELETE FROM moh_classes WHERE id = ? AND "
			      "tenant_id = ?", json_pack("[ss]", req->id,
							 req->who.tenant_id));
	if (!err)
		err = oplog_write(db, req, "delete", "moh_classes", req->id,
				  before, NULL);
	json_decref(before);
	return err ? err : api_ok(req, 204, NULL);
}
