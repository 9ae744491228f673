/*
 * routes_in.c — inbound routes, evaluated by priority (lower first): match
 * on the called number (one of the tenant's numbers, or empty for any),
 * the caller's prefix and a time group ("in": while open, "out": while
 * closed); the destination is an extension, a ring group of extensions,
 * an external number, an IVR flow (published), a queue or hang-up
 * (voicemail is accepted for the module that will answer it).
 */
#include <errno.h>
#include <string.h>
#include "crud.h"

#define SELECT "id, name, priority, number, caller_prefix, time_group_id, " \
	"time_match, destination, enabled, created_at, updated_at"

static const struct crud_col cols[] = {
	{"name", C_TEXT, true, 1, 128, NULL, false, false},
	{"priority", C_INT, false, 0, 100000, "100", false, false},
	{"number", C_TEXT, false, 0, 33, "\"\"", false, false},
	{"caller_prefix", C_TEXT, false, 0, 32, "\"\"", false, false},
	{"time_group_id", C_TEXT_NULL, false, 0, 0, "null", false, false},
	{"time_match", C_TEXT, false, 0, 0, "\"in\"", false, false},
	{"destination", C_OBJECT, true, 0, 0, NULL, false, false},
	{"enabled", C_BOOL, false, 0, 0, "true", false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};

static const char *const dest_types[] = {"extension", "ring_group",
	"external", "hangup", "ivr", "queue", "voicemail", NULL};

static int bad_dest(struct api_req *req, const char *why)
{
	return api_fail(req, 400, "invalid_field", "field 'destination': %s",
			why);
}

static int check_extension(struct db *db, struct api_req *req,
			   const char *number)
{
	json_t *row = NULL;
	int err;

	if (!number || !*number)
		return bad_dest(req, "target must be an extension number");
	err = db_query_one(db, &row, "SELECT id FROM extensions WHERE "
			   "tenant_id = ? AND number = ?",
			   json_pack("[ss]", req->who.tenant_id, number));
	json_decref(row);
	if (err == ENOENT)
		return api_fail(req, 400, "invalid_field", "field "
				"'destination': no extension '%s'", number);
	return err;
}

static int check_ring_group(struct db *db, struct api_req *req,
			    json_t *target)
{
	size_t i;
	json_t *v;
	int err = 0;

	if (!json_is_array(target) || !json_array_size(target) ||
	    json_array_size(target) > 32)
		return bad_dest(req, "target must be a list of 1-32 extension "
				"numbers");
	json_array_foreach(target, i, v) {
		err = check_extension(db, req, json_string_value(v));
		if (err)
			break;
	}
	return err;
}

/* An IVR destination is one of the tenant's flows with a published
   version (docs/ivr.md). */
static int check_flow(struct db *db, struct api_req *req, const char *id)
{
	json_t *row = NULL;
	int err;

	if (!id || !*id)
		return bad_dest(req, "target must be an IVR flow id");
	err = db_query_one(db, &row, "SELECT published_version_id FROM "
			   "ivr_flows WHERE tenant_id = ? AND id = ?",
			   json_pack("[ss]", req->who.tenant_id, id));
	if (!err && json_is_null(json_object_get(row,
						 "published_version_id")))
		err = api_fail(req, 400, "invalid_field", "field "
			       "'destination': IVR flow '%s' has no published "
			       "version yet", id);
	json_decref(row);
	if (err == ENOENT)
		return api_fail(req, 400, "invalid_field", "field "
				"'destination': no IVR flow '%s'", id);
	return err;
}

static int check_dest(struct db *db, struct api_req *req, json_t *dest)
{
	const char *type = json_string_value(json_object_get(dest, "type"));
	json_t *target = json_object_get(dest, "target");
	const char *k;
	json_t *v;

	json_object_foreach(dest, k, v) {
		if (strcmp(k, "type") && strcmp(k, "target"))
			return bad_dest(req, "only 'type' and 'target'");
	}
	if (!crud_in_set(dest_types, type))
		return bad_dest(req, "type must be extension, ring_group, "
				"external, hangup, ivr, queue or voicemail");
	if (!strcmp(type, "extension"))
		return check_extension(db, req, json_string_value(target));
	if (!strcmp(type, "ring_group"))
		return check_ring_group(db, req, target);
	if (!strcmp(type, "ivr"))
		return check_flow(db, req, json_string_value(target));
	if (!strcmp(type, "queue"))
		return json_is_string(target)
		       ? crud_check_ref(db, req, "queues", "destination",
					json_string_value(target))
		       : bad_dest(req, "target must be a queue id");
	if (!strcmp(type, "external") &&
	    !crud_number_valid(json_string_value(target), false))
		return bad_dest(req, "target must be a phone number");
	if (target && !json_is_string(target) && !json_is_null(target))
		return bad_dest(req, "target must be a string");
	return 0;
}

static int check_number(struct db *db, struct api_req *req, const char *n)
{
	json_t *row = NULL;
	int err;

	if (!*n)
		return 0;
	err = db_query_one(db, &row, "SELECT id FROM numbers WHERE "
			   "tenant_id = ? AND digits = ?",
			   json_pack("[ss]", req->who.tenant_id,
				     *n == '+' ? n + 1 : n));
	json_decref(row);
	if (err == ENOENT)
		return api_fail(req, 400, "invalid_field", "field 'number': "
				"'%s' is not one of your numbers", n);
	return err;
}

static int check(struct db *db, struct api_req *req, json_t *row,
		 bool creating)
{
	const char *prefix = json_string_value(json_object_get(row,
							"caller_prefix"));
	const char *tm = json_string_value(json_object_get(row, "time_match"));
	const char *tg = json_string_value(json_object_get(row,
							"time_group_id"));
	int err;

	(void)creating;
	if (*prefix && !crud_number_valid(prefix, false))
		return api_fail(req, 400, "invalid_field", "field "
				"'caller_prefix': digits with an optional "
				"leading '+'");
	if (strcmp(tm, "in") && strcmp(tm, "out"))
		return api_fail(req, 400, "invalid_field", "field "
				"'time_match': must be in or out");
	err = check_number(db, req, json_string_value(json_object_get(row,
								"number")));
	if (!err && tg)
		err = crud_check_ref(db, req, "time_groups", "time_group_id",
				     tg);
	if (!err)
		err = check_dest(db, req, json_object_get(row, "destination"));
	return err;
}

static const struct crud_spec spec = {
	"inbound_routes", "inbound route", NULL, SELECT, cols, "name", check,
	NULL, NULL,
};

static const char *const sortable[] = {"priority", "name", "created_at",
				       "updated_at", NULL};
static const char *const text_columns[] = {"name", "number", NULL};
static const struct list_filter filters[] = {
	{"number", "number", F_STRING, NULL},
	{"enabled", "enabled", F_BOOLEAN, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec list = {
	"inbound_routes", SELECT, sortable, "priority", false, text_columns,
	filters, false,
};

CRUD_HANDLERS(inroutes, spec, list)
