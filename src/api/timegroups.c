/*
 * timegroups.c — time groups: weekly opening rules ({days: [1-7] (1 is
 * Monday), start: "09:00", end: "18:00"}; an end before the start runs
 * past midnight) and holidays ({date: "2026-10-01", name}) that close the
 * whole day, evaluated in the tenant's time zone by src/route.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "crud.h"

#define SELECT "id, name, rules, holidays, created_at, updated_at"

static const struct crud_col cols[] = {
	{"name", C_TEXT, true, 1, 128, NULL, false, false},
	{"rules", C_ARRAY, false, 0, 32, "[]", false, false},
	{"holidays", C_ARRAY, false, 0, 128, "[]", false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};

static bool hhmm_valid(json_t *v)
{
	const char *s = json_string_value(v);
	int h, m;
	char tail;

	if (!s || strlen(s) != 5 || sscanf(s, "%2d:%2d%c", &h, &m, &tail) != 2
	    || s[2] != ':')
		return false;
	return h >= 0 && m >= 0 && m < 60 && (h < 24 || (h == 24 && !m));
}

static bool days_valid(json_t *days)
{
	size_t i;
	json_t *d;

	if (!json_array_size(days) || json_array_size(days) > 7)
		return false;
	json_array_foreach(days, i, d) {
		if (!json_is_integer(d) || json_integer_value(d) < 1 ||
		    json_integer_value(d) > 7)
			return false;
	}
	return true;
}

static int check_rules(struct api_req *req, json_t *rules)
{
	size_t i;
	json_t *r;

	json_array_foreach(rules, i, r) {
		const char *k;
		json_t *v;

		if (!json_is_object(r) || !days_valid(json_object_get(r, "days"))
		    || !hhmm_valid(json_object_get(r, "start")) ||
		    !hhmm_valid(json_object_get(r, "end")))
			return api_fail(req, 400, "invalid_field", "field "
					"'rules': entry %zu must be {\"days\": "
					"[1-7, ...], \"start\": \"HH:MM\", "
					"\"end\": \"HH:MM\"}", i + 1);
		json_object_foreach(r, k, v) {
			if (strcmp(k, "days") && strcmp(k, "start") &&
			    strcmp(k, "end"))
				return api_fail(req, 400, "invalid_field",
						"field 'rules': entry %zu: "
						"unknown key '%s'", i + 1, k);
		}
	}
	return 0;
}

static bool date_valid(json_t *v)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
				    30, 31};
	const char *s = json_string_value(v);
	int y, m, d;
	char tail;

	if (!s || strlen(s) != 10 ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return false;
	return y >= 1970 && y < 10000 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= mdays[m - 1];
}

static int check_holidays(struct api_req *req, json_t *hols)
{
	size_t i;
	json_t *h, *name;

	json_array_foreach(hols, i, h) {
		name = json_object_get(h, "name");
		if (!json_is_object(h) || !date_valid(json_object_get(h, "date"))
		    || (name && !json_is_string(name)) ||
		    json_object_size(h) > 1 + (name != NULL))
			return api_fail(req, 400, "invalid_field", "field "
					"'holidays': entry %zu must be "
					"{\"date\": \"YYYY-MM-DD\", \"name\": "
					"\"...\"}", i + 1);
	}
	return 0;
}

static int check(struct db *db, struct api_req *req, json_t *row,
		 bool creating)
{
	int err = check_rules(req, json_object_get(row, "rules"));

	(void)db;
	(void)creating;
	return err ? err : check_holidays(req, json_object_get(row,
							       "holidays"));
}

static const struct crud_spec spec = {
	"time_groups", "time group", NULL, SELECT, cols, "name", check, NULL,
	NULL,
};

static const char *const sortable[] = {"name", "created_at", "updated_at",
				       NULL};
static const char *const text_columns[] = {"name", NULL};
static const struct list_spec list = {
	"time_groups", SELECT, sortable, "name", false, text_columns, NULL,
	false,
};

CRUD_HANDLERS(timegroups, spec, list)
