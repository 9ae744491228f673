/*
 * numbers.c — the tenant's numbers (DIDs / hotlines): digits with an
 * optional '+', unique across the platform (a number belongs to one
 * tenant), optionally tied to the trunk it arrives on.
 */
#include <errno.h>
#include <string.h>
#include "crud.h"

#define SELECT "id, number, trunk_id, description, enabled, created_at, " \
	"updated_at"

static const struct crud_col cols[] = {
	{"number", C_TEXT, true, 1, 33, NULL, false, false},
	{"digits", C_TEXT, false, 0, 0, NULL, false, true},
	{"trunk_id", C_TEXT_NULL, false, 0, 0, "null", false, false},
	{"description", C_TEXT, false, 0, 256, "\"\"", false, false},
	{"enabled", C_BOOL, false, 0, 0, "true", false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};

static int check(struct db *db, struct api_req *req, json_t *row,
		 bool creating)
{
	const char *n = json_string_value(json_object_get(row, "number"));
	const char *trunk = json_string_value(json_object_get(row,
							      "trunk_id"));

	(void)creating;
	if (!crud_number_valid(n, false))
		return api_fail(req, 400, "invalid_field", "field 'number': "
				"digits with an optional leading '+'");
	json_object_set_new(row, "digits", json_string(*n == '+' ? n + 1 : n));
	return trunk ? crud_check_ref(db, req, "trunks", "trunk_id", trunk)
		     : 0;
}

static const struct crud_spec spec = {
	"numbers", "number", NULL, SELECT, cols, "number", check, NULL, NULL,
};

static const char *const sortable[] = {"number", "created_at", "updated_at",
				       NULL};
static const char *const text_columns[] = {"number", "description", NULL};
static const struct list_filter filters[] = {
	{"trunk_id", "trunk_id", F_STRING, NULL},
	{"enabled", "enabled", F_BOOLEAN, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec list = {
	"numbers", SELECT, sortable, "number", false, text_columns, filters,
	false,
};

CRUD_HANDLERS(numbers, spec, list)
