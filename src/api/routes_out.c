/*
 * routes_out.c — outbound routes, evaluated by priority (lower first):
 * dial patterns (X, Z, N, [1-5], '.', see src/route/route.h), digits to
 * strip and prepend, the caller-ID policy (extension, fixed, pool_random,
 * same_area over the tenant's numbers) and whether the caller may choose
 * one of the pool instead (caller_id_choice), trunks in failover order and the
 * dial permission an extension needs to use the route.
 */
#include <errno.h>
#include <string.h>
#include "crud.h"
#include "../route/route.h"

#define SELECT "id, name, priority, patterns, strip, prepend, " \
	"caller_id_policy, caller_id_number, caller_id_pool, " \
	"caller_id_choice, trunk_ids, " \
	"dial_permission, enabled, created_at, updated_at"

static const struct crud_col cols[] = {
	{"name", C_TEXT, true, 1, 128, NULL, false, false},
	{"priority", C_INT, false, 0, 100000, "100", false, false},
	{"patterns", C_STRINGS, true, 1, 32, NULL, false, false},
	{"strip", C_INT, false, 0, 32, "0", false, false},
	{"prepend", C_TEXT, false, 0, 32, "\"\"", false, false},
	{"caller_id_policy", C_TEXT, false, 0, 0, "\"extension\"", false,
	 false},
	{"caller_id_number", C_TEXT, false, 0, 33, "\"\"", false, false},
	{"caller_id_pool", C_STRINGS, false, 0, 100, "[]", false, false},
	{"caller_id_choice", C_BOOL, false, 0, 0, "false", false, false},
	{"trunk_ids", C_STRINGS, false, 0, 8, "[]", false, false},
	{"dial_permission", C_TEXT, false, 0, 0, "\"local\"", false, false},
	{"enabled", C_BOOL, false, 0, 0, "true", false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};

static const char *const policies[] = {"extension", "fixed", "pool_random",
				       "same_area", NULL};
static const char *const permissions[] = {"internal", "local",
	"long_distance", "international", NULL};

static const char *str(json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));

	return s ? s : "";
}

static int check_patterns(struct api_req *req, json_t *row)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(row, "patterns"), i, v) {
		const char *why = dial_pattern_error(json_string_value(v));

		if (why)
			return api_fail(req, 400, "invalid_field", "field "
					"'patterns': '%s': %s",
					json_string_value(v), why);
	}
	return 0;
}

static int check_pool(struct db *db, struct api_req *req, json_t *row)
{
	json_t *pool = json_object_get(row, "caller_id_pool"), *v, *hit;
	const char *pol = str(row, "caller_id_policy");
	size_t i;
	int err;

	if ((!strcmp(pol, "pool_random") || !strcmp(pol, "same_area")) &&
	    !json_array_size(pool))
		return api_fail(req, 400, "invalid_field", "field "
				"'caller_id_pool': the policy '%s' needs "
				"numbers", pol);
	if (json_is_true(json_object_get(row, "caller_id_choice")) &&
	    !json_array_size(pool))
		return api_fail(req, 400, "invalid_field", "field "
				"'caller_id_pool': 'caller_id_choice' needs "
				"numbers to choose from");
	json_array_foreach(pool, i, v) {
		const char *n = json_string_value(v);

		hit = NULL;
		err = db_query_one(db, &hit, "SELECT id FROM numbers WHERE "
				   "tenant_id = ? AND digits = ?",
				   json_pack("[ss]", req->who.tenant_id,
					     *n == '+' ? n + 1 : n));
		json_decref(hit);
		if (err == ENOENT)
			return api_fail(req, 400, "invalid_field", "field "
					"'caller_id_pool': '%s' is not one of "
					"your numbers", n);
		if (err)
			return err;
	}
	return 0;
}

static int check_trunks(struct db *db, struct api_req *req, json_t *row)
{
	json_t *ids = json_object_get(row, "trunk_ids"), *v, *w;
	size_t i, j;
	int err;

	json_array_foreach(ids, i, v) {
		json_array_foreach(ids, j, w) {
			if (j < i && json_equal(v, w))
				return api_fail(req, 400, "invalid_field",
						"field 'trunk_ids': '%s' is "
						"listed twice",
						json_string_value(v));
		}
		err = crud_check_ref(db, req, "trunks", "trunk_ids",
				     json_string_value(v));
		if (err)
			return err;
	}
	return 0;
}

static int check(struct db *db, struct api_req *req, json_t *row,
		 bool creating)
{
	const char *prepend = str(row, "prepend");
	int err;

	(void)creating;
	if (strspn(prepend, "0123456789*#+") != strlen(prepend))
		return api_fail(req, 400, "invalid_field", "field 'prepend': "
				"digits, '*', '#' and '+' only");
	if (!crud_in_set(policies, str(row, "caller_id_policy")))
		return api_fail(req, 400, "invalid_field", "field "
				"'caller_id_policy': must be extension, fixed, "
				"pool_random or same_area");
	if (!strcmp(str(row, "caller_id_policy"), "fixed") &&
	    !crud_number_valid(str(row, "caller_id_number"), false))
		return api_fail(req, 400, "invalid_field", "field "
				"'caller_id_number': a number is needed for "
				"the policy 'fixed'");
	if (!crud_in_set(permissions, str(row, "dial_permission")))
		return api_fail(req, 400, "invalid_field", "field "
				"'dial_permission': must be internal, local, "
				"long_distance or international");
	err = check_patterns(req, row);
	if (!err)
		err = check_pool(db, req, row);
	return err ? err : check_trunks(db, req, row);
}

static const struct crud_spec spec = {
	"outbound_routes", "outbound route", NULL, SELECT, cols, "name",
	check, NULL, NULL,
};

static const char *const sortable[] = {"priority", "name", "created_at",
				       "updated_at", NULL};
static const char *const text_columns[] = {"name", NULL};
static const struct list_filter filters[] = {
	{"enabled", "enabled", F_BOOLEAN, NULL},
	{"dial_permission", "dial_permission", F_STRING, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec list = {
	"outbound_routes", SELECT, sortable, "priority", false, text_columns,
	filters, false,
};

CRUD_HANDLERS(outroutes, spec, list)
