/*
 * roles.c — roles: a set of menu permissions (read-write or read-only) and a
 * data scope. The built-in Administrator role cannot be changed or deleted,
 * and a role still given to users or API keys cannot be deleted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"

#define COLUMNS "id, name, builtin, permissions, data_scope, created_at, " \
	"updated_at"

static const char *const sortable[] = {"name", "created_at", NULL};
static const char *const text_columns[] = {"name", NULL};
static const struct list_filter filters[] = {
	{"builtin", "builtin", F_BOOLEAN, NULL},
	{NULL, NULL, 0, NULL},
};

static const struct field_spec fields[] = {
	{"name", F_STRING, true, 1, 64},
	{"permissions", F_OBJECT, false, 0, 0},
	{"data_scope", F_STRING, false, 0, 0},
	{NULL, 0, false, 0, 0},
};

static void fix_row(json_t *row)
{
	row_bool(row, "builtin");
	row_json(row, "permissions");
}

static int load(struct db *db, struct api_req *req, const char *id,
		json_t **rowp)
{
	int err = db_query_one(db, rowp, "SELECT " COLUMNS " FROM roles WHERE "
			       "id = ? AND tenant_id = ?",
			       json_pack("[ss]", id, req->who.tenant_id));

	if (!err)
		fix_row(*rowp);
	return err;
}

HANDLER(roles_list)
{
	static const struct list_spec list = {
		"roles", COLUMNS, sortable, "name", false, text_columns,
		filters, false,
	};

	return list_run(db, req, &list, NULL, NULL, fix_row);
}

HANDLER(roles_get)
{
	json_t *row = NULL;
	int err = load(db, req, req->id, &row);

	return err ? err : api_ok(req, 200, row);
}

static char *perms_text(struct api_req *req)
{
	json_t *perms = json_object_get(req->body, "permissions");

	return perms ? json_dumps(perms, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

HANDLER(roles_create)
{
	char id[ID_LEN], *perms;
	json_int_t now = now_ms();
	json_t *row = NULL;
	int err = body_check(req, fields, true);

	if (!err)
		err = role_body_check(req);
	if (err)
		return err;
	id_new(id);
	perms = perms_text(req);
	if (!perms)
		perms = strdup("{}");
	err = db_exec(db, "INSERT INTO roles (id, tenant_id, name, builtin, "
		      "permissions, data_scope, created_at, updated_at) VALUES "
		      "(?, ?, ?, 0, ?, ?, ?, ?)",
		      json_pack("[sssssII]", id, req->who.tenant_id,
				body_str(req, "name", ""), perms,
				body_str(req, "data_scope", "department"), now,
				now));
	free(perms);
	if (err == EEXIST)
		return api_fail(req, 409, "conflict", "role '%s' exists",
				body_str(req, "name", ""));
	if (!err)
		err = load(db, req, id, &row);
	if (!err)
		err = oplog_write(db, req, "create", "roles", id, NULL, row);
	return err ? err : api_ok(req, 201, row);
}

static int refuse_builtin(struct api_req *req, json_t *row)
{
	if (json_is_true(json_object_get(row, "builtin")))
		return api_fail(req, 403, "forbidden", "the built-in role "
				"'%s' cannot be changed or deleted",
				json_string_value(json_object_get(row, "name")));
	return 0;
}

HANDLER(roles_update)
{
	json_t *before = NULL, *after = NULL;
	char *perms = NULL;
	int err = body_check(req, fields, false);

	if (!err)
		err = role_body_check(req);
	if (!err)
		err = load(db, req, req->id, &before);
	if (!err)
		err = refuse_builtin(req, before);
	if (err)
		goto out;
	perms = perms_text(req);
	err = db_exec(db, "UPDATE roles SET name = COALESCE(?, name), "
		      "permissions = COALESCE(?, permissions), "
		      "data_scope = COALESCE(?, data_scope), updated_at = ? "
		      "WHERE id = ? AND tenant_id = ?",
		      json_pack("[s?s?s?Iss]", body_str(req, "name", NULL),
				perms, body_str(req, "data_scope", NULL),
				(json_int_t)now_ms(), req->id,
				req->who.tenant_id));
	if (err == EEXIST)
		err = api_fail(req, 409, "conflict", "role '%s' exists",
			       body_str(req, "name", ""));
	if (!err)
		err = load(db, req, req->id, &after);
	if (!err)
		err = oplog_write(db, req, "update", "roles", req->id, before,
				  after);
out:
	free(perms);
	json_decref(before);
	return err ? (json_decref(after), err) : api_ok(req, 200, after);
}

HANDLER(roles_delete)
{
	json_t *before = NULL, *row = NULL;
	int err = load(db, req, req->id, &before);

	if (!err)
		err = refuse_builtin(req, before);
	if (!err)
		err = db_query_one(db, &row, "SELECT (SELECT COUNT(*) FROM "
				   "user_roles WHERE role_id = ?) + (SELECT "
				   "COUNT(*) FROM api_keys WHERE role_id = ?) "
				   "AS n", json_pack("[ss]", req->id, req->id));
	if (!err && json_integer_value(json_object_get(row, "n")) > 0)
		err = api_fail(req, 409, "conflict", "the role is still given "
			       "to %lld users or API keys",
			       (long long)json_integer_value(
				       json_object_get(row, "n")));
	if (!err)
		err = db_exec(db, "DELETE FROM roles WHERE id = ? AND "
			      "tenant_id = ?",
			      json_pack("[ss]", req->id, req->who.tenant_id));
	if (!err)
		err = oplog_write(db, req, "delete", "roles", req->id, before,
				  NULL);
	json_decref(row);
	json_decref(before);
	return err ? err : api_ok(req, 204, NULL);
}
