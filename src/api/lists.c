/*
 * lists.c — black and white lists of numbers for inbound (callers) or
 * outbound (callees) calls. An entry is a number, or a prefix ending in
 * '*'. A whitelisted number bypasses every blacklist of its direction.
 */
#include <errno.h>
#include <string.h>
#include "crud.h"

#define SELECT "id, name, direction, type, entries, enabled, created_at, " \
	"updated_at"

static const struct crud_col cols[] = {
	{"name", C_TEXT, true, 1, 128, NULL, false, false},
	{"direction", C_TEXT, true, 0, 0, NULL, false, false},
	{"type", C_TEXT, true, 0, 0, NULL, false, false},
	{"entries", C_STRINGS, false, 0, 10000, "[]", false, false},
	{"enabled", C_BOOL, false, 0, 0, "true", false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};

static const char *const directions[] = {"inbound", "outbound", NULL};
static const char *const types[] = {"black", "white", NULL};

static int check(struct db *db, struct api_req *req, json_t *row,
		 bool creating)
{
	size_t i;
	json_t *v;

	(void)db;
	(void)creating;
	if (!crud_in_set(directions, json_string_value(json_object_get(row,
							"direction"))))
		return api_fail(req, 400, "invalid_field", "field "
				"'direction': must be inbound or outbound");
	if (!crud_in_set(types, json_string_value(json_object_get(row,
							"type"))))
		return api_fail(req, 400, "invalid_field", "field 'type': "
				"must be black or white");
	json_array_foreach(json_object_get(row, "entries"), i, v) {
		if (!crud_number_valid(json_string_value(v), true))
			return api_fail(req, 400, "invalid_field", "field "
					"'entries': '%s' is not a number or a "
					"prefix ending in '*'",
					json_string_value(v));
	}
	return 0;
}

static const struct crud_spec spec = {
	"number_lists", "list", NULL, SELECT, cols, "name", check, NULL, NULL,
};

static const char *const sortable[] = {"name", "created_at", "updated_at",
				       NULL};
static const char *const text_columns[] = {"name", NULL};
static const struct list_filter filters[] = {
	{"direction", "direction", F_STRING, NULL},
	{"type", "type", F_STRING, NULL},
	{"enabled", "enabled", F_BOOLEAN, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec list = {
	"number_lists", SELECT, sortable, "name", false, text_columns, filters,
	false,
};

CRUD_HANDLERS(lists, spec, list)
