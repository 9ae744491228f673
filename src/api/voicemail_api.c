/*
 * voicemail_api.c — voicemail boxes and their messages (tencent-ccc.md
 * 语音信箱, ippbx.md toolbar "Voicemail", cticloud 留言箱).
 *
 * A box is an extension's own (extension_id; callers reach it on the
 * extension's number, e.g. when it forwards to `voicemail`) or the
 * tenant's (a number of its own, in the extensions' numbering: see
 * dialplan.c). It has an optional PIN (4-12 digits; write-only like the
 * rooms' PINs), an optional greeting (an approved voice; none: the
 * default prompt and beep), the longest message (10-600 s) and `notify`,
 * kept for the event bus that does not exist yet. Box changes reload the
 * telephony directory (directory_voicemail_box).
 *
 * Messages are written by the call flow (src/voicemail); here they are
 * listed, played or downloaded (with Range, files.c), marked read or new,
 * and deleted with their file. Deleting a box deletes its messages.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "crud.h"
#include "files.h"
#include "../core/log.h"
#include "../voicemail/voicemail.h"

/* ---- boxes --------------------------------------------------------------- */

#define BOX_FROM "(SELECT b.id, b.tenant_id, b.extension_id, " \
	"COALESCE(e.number, b.number) AS number, b.name, CASE WHEN b.pin " \
	"<> '' THEN 1 ELSE 0 END AS has_pin, b.greeting_voice_id, v.name " \
	"AS greeting_voice_name, b.max_message_s, b.enabled, b.notify, " \
	"(SELECT COUNT(*) FROM voicemail_messages m WHERE m.box_id = b.id " \
	"AND m.status = 'new') AS new_messages, (SELECT COUNT(*) FROM " \
	"voicemail_messages m WHERE m.box_id = b.id) AS messages, " \
	"b.created_at, b.updated_at FROM voicemail_boxes b LEFT JOIN " \
	"extensions e ON e.id = b.extension_id LEFT JOIN voices v ON v.id = " \
	"b.greeting_voice_id) x"
#define BOX_SELECT "id, extension_id, number, name, has_pin, " \
	"greeting_voice_id, greeting_voice_name, max_message_s, enabled, " \
	"notify, new_messages, messages, created_at, updated_at"

static const struct crud_col box_cols[] = {
	{"extension_id", C_TEXT_NULL, false, 0, 0, "null", false, false},
	{"number", C_TEXT_NULL, false, 0, 0, "null", false, false},
	{"name", C_TEXT, false, 0, 128, "\"\"", false, false},
	{"pin", C_TEXT, false, 0, 12, "\"\"", true, false},
	{"greeting_voice_id", C_TEXT_NULL, false, 0, 0, "null", false, false},
	{"max_message_s", C_INT, false, 10, 600, "120", false, false},
	{"enabled", C_BOOL, false, 0, 0, "true", false, false},
	{"notify", C_BOOL, false, 0, 0, "false", false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};

static bool given(struct api_req *req, const char *name)
{
	json_t *v = json_object_get(req->body, name);

	return v && !json_is_null(v);
}

/* An extension's box: the tenant's extension, and its only box. */
static int check_extension(struct db *db, struct api_req *req,
			   const char *ext_id)
{
	json_t *row = NULL;
	int err = crud_check_ref(db, req, "extensions", "extension_id",
				 ext_id);

	if (!err)
		err = db_query_one(db, &row, "SELECT e.number FROM "
				   "voicemail_boxes b JOIN extensions e ON "
				   "e.id = b.extension_id WHERE "
				   "b.extension_id = ? AND b.tenant_id = ?",
				   json_pack("[ss]", ext_id,
					     req->who.tenant_id));
	if (err == ENOENT)
		return 0;
	if (!err)
		err = api_fail(req, 409, "conflict", "extension '%s' already "
			       "has a voicemail box",
			       json_string_value(json_object_get(row,
								 "number")));
	json_decref(row);
	return err;
}

/* Which box: an extension's or the tenant's, fixed at creation. */
static int check_kind(struct db *db, struct api_req *req, json_t *row,
		      bool creating)
{
	bool own = !json_is_null(json_object_get(row, "extension_id"));

	if (!creating && json_object_get(req->body, "extension_id"))
		return api_fail(req, 400, "invalid_field", "field "
				"'extension_id': cannot be changed (create "
				"another box)");
	if (creating && given(req, "extension_id") == given(req, "number"))
		return api_fail(req, 400, "invalid_field", "give either "
				"'extension_id' (the extension's own box, "
				"reached on its number) or 'number' (a box of "
				"the tenant)");
	if (!creating && own && json_object_get(req->body, "number"))
		return api_fail(req, 400, "invalid_field", "field 'number': an "
				"extension's box is reached on the extension's "
				"number");
	if (creating && own)
		return check_extension(db, req, body_str(req, "extension_id",
							 ""));
	return 0;
}

static int check_box(struct db *db, struct api_req *req, json_t *row,
		     bool creating)
{
	json_t *number = json_object_get(req->body, "number");
	const char *voice = body_str(req, "greeting_voice_id", NULL);
	const char *pin = body_str(req, "pin", "");
	int err = check_kind(db, req, row, creating);

	if (err)
		return err;
	if (number && !crud_digits(json_string_value(number), 2, 16))
		return api_fail(req, 400, "invalid_field", "field 'number': "
				"2-16 digits");
	if (number)
		err = dialplan_number_free(db, req, json_string_value(number),
					   creating ? NULL : req->id);
	if (err)
		return err;
	if (*pin && !crud_digits(pin, 4, 12))
		return api_fail(req, 400, "invalid_field", "field 'pin': 4-12 "
				"digits, or empty for none");
	return voice ? voice_check_approved(db, req, "greeting_voice_id",
					    voice, "a voicemail greeting")
		     : 0;
}

static void box_fix(json_t *row)
{
	row_bool(row, "has_pin");
}

static const struct crud_spec box_spec = {
	"voicemail_boxes", "voicemail box", BOX_FROM, BOX_SELECT, box_cols,
	"number", check_box, NULL, box_fix,
};

static const char *const box_sortable[] = {"number", "name", "new_messages",
					   "created_at", "updated_at", NULL};
static const char *const box_text[] = {"number", "name", NULL};
static const struct list_filter box_filters[] = {
	{"number", "number", F_STRING, NULL},
	{"extension_id", "extension_id", F_STRING, NULL},
	{"enabled", "enabled", F_BOOLEAN, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec box_list = {
	BOX_FROM, BOX_SELECT, box_sortable, "number", false, box_text,
	box_filters, false,
};

static void box_fix_row(json_t *row)
{
	crud_fix(&box_spec, row);
}

HANDLER(vmboxes_list)
{
	return list_run(db, req, &box_list, NULL, NULL, box_fix_row);
}

HANDLER(vmboxes_get)
{
	return crud_reveal(db, req, &box_spec, "pin", "voicemail",
			   crud_get(db, req, &box_spec));
}

HANDLER(vmboxes_create)
{
	return crud_reveal(db, req, &box_spec, "pin", "voicemail",
			   crud_create(db, req, &box_spec));
}

HANDLER(vmboxes_update)
{
	return crud_reveal(db, req, &box_spec, "pin", "voicemail",
			   crud_update(db, req, &box_spec));
}

/* The messages' rows go with the box (ON DELETE CASCADE), then their
   files; should the commit fail, the rows stay and answer 404 on play. */
HANDLER(vmboxes_delete)
{
	int err = crud_delete(db, req, &box_spec);

	if (!err) {
		int gone = voicemail_remove_box(req->settings->data_dir,
						req->who.tenant_id, req->id);

		if (gone)
			log_warn("voicemail", "removing the files of box %s: "
				 "%s", req->id, strerror(gone));
	}
	return err;
}

static const char *str_or(json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));

	return s ? s : "";
}

/* ---- messages ------------------------------------------------------------ */

#define MSG_FROM "(SELECT m.id, m.tenant_id, m.box_id, COALESCE(e.number, " \
	"b.number) AS box_number, b.name AS box_name, m.call_id, m.caller, " \
	"m.caller_name, m.duration_ms, m.status, m.created_at, m.read_at, " \
	"m.path FROM voicemail_messages m JOIN voicemail_boxes b ON b.id = " \
	"m.box_id LEFT JOIN extensions e ON e.id = b.extension_id) x"
#define MSG_SELECT "id, box_id, box_number, box_name, call_id, caller, " \
	"caller_name, duration_ms, status, created_at, read_at"

static void msg_fix_row(json_t *row)
{
	char url[128];

	snprintf(url, sizeof(url), "/api/v1/voicemail-messages/%s/audio",
		 json_string_value(json_object_get(row, "id")));
	json_object_set_new(row, "audio_url", json_string(url));
}

static const char *const msg_sortable[] = {"created_at", "duration_ms",
					   "caller", NULL};
static const char *const msg_text[] = {"caller", "caller_name", NULL};
static const struct list_filter msg_filters[] = {
	{"box_id", "box_id", F_STRING, NULL},
	{"status", "status", F_STRING, NULL},
	{"caller", "caller", F_STRING, NULL},
	{"from", "created_at", F_INTEGER, ">="},
	{"to", "created_at", F_INTEGER, "<"},
	{NULL, NULL, 0, NULL},
};

HANDLER(vmmessages_list)
{
	static const struct list_spec list = {
		MSG_FROM, MSG_SELECT, msg_sortable, "created_at", true,
		msg_text, msg_filters, false,
	};

	return list_run(db, req, &list, NULL, NULL, msg_fix_row);
}

/* The caller's message; with its stored path when `path`. */
static int msg_load(struct db *db, struct api_req *req, bool path,
		    json_t **rowp)
{
	int err = db_query_one(db, rowp, path
			       ? "SELECT " MSG_SELECT ", path FROM " MSG_FROM
				 " WHERE id = ? AND tenant_id = ?"
			       : "SELECT " MSG_SELECT " FROM " MSG_FROM
				 " WHERE id = ? AND tenant_id = ?",
			       json_pack("[ss]", req->id, req->who.tenant_id));

	if (!err)
		msg_fix_row(*rowp);
	return err;
}

HANDLER(vmmessages_get)
{
	json_t *row = NULL;
	int err = msg_load(db, req, false, &row);

	return err ? err : api_ok(req, 200, row);
}

static const struct field_spec msg_fields[] = {
	{"status", F_STRING, true, 0, 0},
	{NULL, 0, false, 0, 0},
};

/* {status: "read" | "new"}: read_at is when it was (last) marked read. */
HANDLER(vmmessages_update)
{
	const char *status = body_str(req, "status", "");
	json_t *before = NULL, *after = NULL;
	bool read = !strcmp(status, "read");
	int err = body_check(req, msg_fields, true);

	if (!err && !read && strcmp(status, "new"))
		err = api_fail(req, 400, "invalid_field", "field 'status': "
			       "must be read or new");
	if (!err)
		err = msg_load(db, req, false, &before);
	if (!err)
		err = db_exec(db, "UPDATE voicemail_messages SET status = ?, "
			      "read_at = ? WHERE id = ? AND tenant_id = ?",
			      json_pack("[soss]", status, read
					? json_integer(now_ms()) : json_null(),
					req->id, req->who.tenant_id));
	if (!err)
		err = msg_load(db, req, false, &after);
	if (!err)
		err = oplog_write(db, req, "update", "voicemail_messages",
				  req->id, before, after);
	json_decref(before);
	if (err) {
		json_decref(after);
		return err;
	}
	return api_ok(req, 200, after);
}

/* DATA/<path> of a message row; -1 when it would not be under DATA. */
static int file_of(struct api_req *req, json_t *row, char *out, size_t size)
{
	const char *rel = json_string_value(json_object_get(row, "path"));
	int n;

	if (!rel || !*rel || *rel == '/' || strstr(rel, ".."))
		return -1;
	n = snprintf(out, size, "%s/%s", req->settings->data_dir, rel);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

HANDLER(vmmessages_delete)
{
	char path[1400];
	json_t *row = NULL;
	int err = msg_load(db, req, true, &row);

	if (!err)
		err = db_exec(db, "DELETE FROM voicemail_messages WHERE id = ? "
			      "AND tenant_id = ?",
			      json_pack("[ss]", req->id, req->who.tenant_id));
	if (!err) {
		json_object_del(row, "path");
		err = oplog_write(db, req, "delete", "voicemail_messages",
				  req->id, row, NULL);
	}
	/* As for voices: a commit that fails after this leaves a row whose
	   audio answers 404, and it can be deleted again. */
	if (!err && !file_of(req, row, path, sizeof(path)) && unlink(path) &&
	    errno != ENOENT)
		log_warn("voicemail", "removing %s: %s", path, strerror(errno));
	json_decref(row);
	return err ? err : api_ok(req, 204, NULL);
}

HANDLER(vmmessages_audio)
{
	char path[1400], name[160], flag[8];
	json_t *row = NULL;
	bool download;
	int err = msg_load(db, req, true, &row);

	if (err)
		return err;
	download = query_param(req->query, "download", flag, sizeof(flag)) == 1
		   && (!strcmp(flag, "1") || !strcmp(flag, "true"));
	snprintf(name, sizeof(name), "voicemail-%s-%s.wav",
		 str_or(row, "box_number"), req->id);
	if (file_of(req, row, path, sizeof(path)))
		err = api_fail(req, 404, "not_found", "the message has no "
			       "audio file");
	else
		err = file_reply(req, path, "audio/wav", name, download);
	json_decref(row);
	return err;
}
