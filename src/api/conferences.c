/*
 * conferences.c — conference rooms (ippbx.md §2.1.11, §3.8): a number the
 * tenant's phones dial to meet (2-8 digits, not an extension's or a
 * voicemail box's), a name, an optional user PIN and admin PIN (digits;
 * the admin PIN makes the caller the room's administrator), the most
 * members at once (2-64) and whether joining and leaving are announced by
 * a tone. Every change reloads the telephony directory, where the call
 * flow finds rooms (directory_conference_room).
 *
 * PINs are write-only for most readers: lists, read-only users and the
 * operation log see has_pin / has_admin_pin; GET of one room, create and
 * update show them to users who may change them (as extension passwords).
 * Who is in a room right now is the media engine's, not this file's.
 */
#include <stdio.h>
#include <string.h>
#include "crud.h"

#define FROM "(SELECT r.*, CASE WHEN r.pin <> '' THEN 1 ELSE 0 END AS " \
	"has_pin, CASE WHEN r.admin_pin <> '' THEN 1 ELSE 0 END AS " \
	"has_admin_pin FROM conference_rooms r) x"
#define SELECT "id, number, name, has_pin, has_admin_pin, max_members, " \
	"join_tones, enabled, created_at, updated_at"

enum { PIN_MAX = 12 };

static const struct crud_col cols[] = {
	{"number", C_TEXT, true, 0, 0, NULL, false, false},
	{"name", C_TEXT, true, 1, 128, NULL, false, false},
	{"pin", C_TEXT, false, 0, PIN_MAX, "\"\"", true, false},
	{"admin_pin", C_TEXT, false, 0, PIN_MAX, "\"\"", true, false},
	{"max_members", C_INT, false, 2, 64, "10", false, false},
	{"join_tones", C_BOOL, false, 0, 0, "true", false, false},
	{"enabled", C_BOOL, false, 0, 0, "true", false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};

/* The PIN the room will have: the body's, else the stored one. */
static int pin_after(struct db *db, struct api_req *req, const char *name,
		     char *out, size_t size)
{
	json_t *row = NULL;
	int err = 0;

	if (json_object_get(req->body, name)) {
		snprintf(out, size, "%s", body_str(req, name, ""));
		return 0;
	}
	out[0] = '\0';
	if (req->id)
		err = db_query_one(db, &row, "SELECT pin, admin_pin FROM "
				   "conference_rooms WHERE id = ? AND "
				   "tenant_id = ?", json_pack("[ss]", req->id,
							req->who.tenant_id));
	if (!err && row)
		snprintf(out, size, "%s", json_string_value(
				 json_object_get(row, name)));
	json_decref(row);
	return err;
}

static int check_pins(struct db *db, struct api_req *req)
{
	char pin[PIN_MAX + 1], admin[PIN_MAX + 1];
	static const char *const names[] = {"pin", "admin_pin"};
	int err;

	for (size_t i = 0; i < 2; i++) {
		if (!crud_digits(body_str(req, names[i], ""), 0, PIN_MAX))
			return api_fail(req, 400, "invalid_field", "field "
					"'%s': up to %d digits, or empty for "
					"none", names[i], PIN_MAX);
	}
	if (!json_object_get(req->body, "pin") &&
	    !json_object_get(req->body, "admin_pin"))
		return 0;
	err = pin_after(db, req, "pin", pin, sizeof(pin));
	if (!err)
		err = pin_after(db, req, "admin_pin", admin, sizeof(admin));
	if (!err && *admin && !strcmp(pin, admin))
		err = api_fail(req, 400, "invalid_field", "field 'admin_pin': "
			       "must differ from the user PIN (the PIN "
			       "entered decides who is the administrator)");
	return err;
}

static int check(struct db *db, struct api_req *req, json_t *row,
		 bool creating)
{
	const char *number = body_str(req, "number", NULL);

	(void)row;
	if (number && !crud_digits(number, 2, 8))
		return api_fail(req, 400, "invalid_field", "field 'number': "
				"2-8 digits");
	if (number) {
		int err = dialplan_number_free(db, req, number,
					       creating ? NULL : req->id);

		if (err)
			return err;
	}
	return check_pins(db, req);
}

static void fix(json_t *row)
{
	row_bool(row, "has_pin");
	row_bool(row, "has_admin_pin");
}

static const struct crud_spec spec = {
	"conference_rooms", "conference room", FROM, SELECT, cols, "number",
	check, NULL, fix,
};

static const char *const sortable[] = {"number", "name", "max_members",
				       "created_at", "updated_at", NULL};
static const char *const text_columns[] = {"number", "name", NULL};
static const struct list_filter filters[] = {
	{"number", "number", F_STRING, NULL},
	{"enabled", "enabled", F_BOOLEAN, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec list = {
	FROM, SELECT, sortable, "number", false, text_columns, filters, false,
};

static void fix_row(json_t *row)
{
	crud_fix(&spec, row);
}

#define PINS "pin, admin_pin"

HANDLER(confrooms_list)
{
	return list_run(db, req, &list, NULL, NULL, fix_row);
}

HANDLER(confrooms_get)
{
	return crud_reveal(db, req, &spec, PINS, "conferences",
			   crud_get(db, req, &spec));
}

HANDLER(confrooms_create)
{
	return crud_reveal(db, req, &spec, PINS, "conferences",
			   crud_create(db, req, &spec));
}

HANDLER(confrooms_update)
{
	return crud_reveal(db, req, &spec, PINS, "conferences",
			   crud_update(db, req, &spec));
}

HANDLER(confrooms_delete)
{
	return crud_delete(db, req, &spec);
}
