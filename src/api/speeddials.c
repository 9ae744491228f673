/*
 * speeddials.c — speed dial (ippbx.md §2.1.2): a phone of the tenant
 * dials '*' + a short number (1-6 digits) and the call goes to the
 * number behind it, as if that had been dialled. Short numbers that a
 * feature code would shadow are refused (route_short_number_reserved).
 */
#include "crud.h"
#include "../route/route.h"

#define SELECT "id, short_number, number, remark, created_at, updated_at"

static const struct crud_col cols[] = {
	{"short_number", C_TEXT, true, 1, 6, NULL, false, false},
	{"number", C_TEXT, true, 1, 32, NULL, false, false},
	{"remark", C_TEXT, false, 0, 256, "\"\"", false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};

static int check(struct db *db, struct api_req *req, json_t *row,
		 bool creating)
{
	const char *sn = json_string_value(json_object_get(row,
							   "short_number"));

	(void)db;
	(void)creating;
	if (!crud_digits(sn, 1, 6))
		return api_fail(req, 400, "invalid_field", "field "
				"'short_number': 1-6 digits");
	if (route_short_number_reserved(sn))
		return api_fail(req, 400, "invalid_field", "field "
				"'short_number': *%s is a feature code", sn);
	if (!crud_number_valid(json_string_value(json_object_get(row,
							"number")), false))
		return api_fail(req, 400, "invalid_field", "field 'number': "
				"digits with an optional leading '+'");
	return 0;
}

static const struct crud_spec spec = {
	"speed_dials", "speed dial", NULL, SELECT, cols, "short_number",
	check, NULL, NULL,
};

static const char *const sortable[] = {"short_number", "number",
				       "created_at", "updated_at", NULL};
static const char *const text_columns[] = {"short_number", "number",
					   "remark", NULL};
static const struct list_filter filters[] = {
	{"short_number", "short_number", F_STRING, NULL},
	{"number", "number", F_STRING, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec list = {
	"speed_dials", SELECT, sortable, "short_number", false, text_columns,
	filters, false,
};

CRUD_HANDLERS(speeddials, spec, list)
