/*
 * security.c — the tenant's IP allow-list for the console and the API, and
 * the read-only endpoints of the operation and login logs.
 */
#include <stdlib.h>
#include <string.h>
#include "api.h"

HANDLER(allowlist_get)
{
	json_t *row = NULL;
	int err = db_query_one(db, &row, "SELECT ip_allowlist AS cidrs FROM "
			       "tenants WHERE id = ?",
			       json_pack("[s]", req->who.tenant_id));

	if (err)
		return err;
	row_json(row, "cidrs");
	return api_ok(req, 200, row);
}

static const struct field_spec allowlist_fields[] = {
	{"cidrs", F_STRING_ARRAY, true, 0, 0},
	{NULL, 0, false, 0, 0},
};

HANDLER(allowlist_put)
{
	json_t *cidrs, *v, *before = NULL;
	size_t i;
	char *text;
	int err = body_check(req, allowlist_fields, true);

	if (err)
		return err;
	cidrs = json_object_get(req->body, "cidrs");
	if (json_array_size(cidrs) > 256)
		return api_fail(req, 400, "invalid_field",
				"field 'cidrs': at most 256 entries");
	json_array_foreach(cidrs, i, v) {
		if (!cidr_valid(json_string_value(v)))
			return api_fail(req, 400, "invalid_field",
					"field 'cidrs': '%s' is not an IP "
					"address or CIDR block",
					json_string_value(v));
	}
	err = db_query_one(db, &before, "SELECT ip_allowlist AS cidrs FROM "
			   "tenants WHERE id = ?",
			   json_pack("[s]", req->who.tenant_id));
	if (err)
		return err;
	row_json(before, "cidrs");
	text = json_dumps(cidrs, JSON_COMPACT);
	err = db_exec(db, "UPDATE tenants SET ip_allowlist = ?, updated_at = ? "
		      "WHERE id = ?",
		      json_pack("[sIs]", text, (json_int_t)now_ms(),
				req->who.tenant_id));
	free(text);
	if (!err)
		err = oplog_write(db, req, "update", "security",
				  req->who.tenant_id, before, req->body);
	json_decref(before);
	return err ? err
		   : api_ok(req, 200, json_pack("{sO}", "cidrs", cidrs));
}

static void fix_oplog(json_t *row)
{
	row_json(row, "before");
	row_json(row, "after");
}

HANDLER(oplog_list)
{
	static const char *const sortable[] = {"created_at", NULL};
	static const char *const text[] = {"username", "resource", "action",
					   NULL};
	static const struct list_filter filters[] = {
		{"from", "created_at", F_INTEGER, ">="},
		{"to", "created_at", F_INTEGER, "<"},
		{"user_id", "user_id", F_STRING, NULL},
		{"resource", "resource", F_STRING, NULL},
		{"action", "action", F_STRING, NULL},
		{NULL, NULL, 0, NULL},
	};
	static const struct list_spec list = {
		"op_log", "id, user_id, username, action, resource, "
		"resource_id, before, after, ip, created_at", sortable,
		"created_at", true, text, filters, false,
	};

	return list_run(db, req, &list, NULL, NULL, fix_oplog);
}

static void fix_login(json_t *row)
{
	row_bool(row, "ok");
}

HANDLER(loginlog_list)
{
	static const char *const sortable[] = {"created_at", NULL};
	static const char *const text[] = {"username", "ip", NULL};
	static const struct list_filter filters[] = {
		{"from", "created_at", F_INTEGER, ">="},
		{"to", "created_at", F_INTEGER, "<"},
		{"username", "username", F_STRING, NULL},
		{"ok", "ok", F_BOOLEAN, NULL},
		{NULL, NULL, 0, NULL},
	};
	static const struct list_spec list = {
		"login_log", "id, username, user_id, ip, ok, reason, created_at",
		sortable, "created_at", true, text, filters, false,
	};

	return list_run(db, req, &list, NULL, NULL, fix_login);
}

HANDLER(health_get)
{
	int err = db_exec(db, "SELECT 1", NULL);

	if (err)
		return api_fail(req, 503, "unavailable", "database: %s",
				db_errmsg(db));
	return api_ok(req, 200, json_pack("{ssssss}", "status", "ok",
					  "version", req->settings->version,
					  "db", db_backend(db)));
}
