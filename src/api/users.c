/*
 * users.c — the tenant's users, their department and roles, limited by the
 * caller's data scope. Passwords are hashed on a reader before the write
 * (users_prepare) and never leave the store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"

#define COLUMNS "id, username, display_name, email, department_id, " \
	"enabled, created_at, updated_at, last_login_at"

static const char *const sortable[] = {"username", "display_name",
				       "created_at", "last_login_at", NULL};
static const char *const text_columns[] = {"username", "display_name",
					   "email", NULL};
static const struct list_filter filters[] = {
	{"department_id", "department_id", F_STRING, NULL},
	{"enabled", "enabled", F_BOOLEAN, NULL},
	{"role_id", "id IN (SELECT user_id FROM user_roles WHERE role_id = ?)",
	 F_STRING, NULL},
	{NULL, NULL, 0, NULL},
};

static const struct field_spec fields[] = {
	{"username", F_STRING, true, 1, 64},
	{"password", F_STRING, true, 8, 256},
	{"display_name", F_STRING, false, 0, 128},
	{"email", F_STRING, false, 0, 254},
	{"department_id", F_STRING_OR_NULL, false, 0, 0},
	{"role_ids", F_STRING_ARRAY, false, 0, 0},
	{"enabled", F_BOOLEAN, false, 0, 0},
	{NULL, 0, false, 0, 0},
};


/* Is this department (NULL: none) inside the caller's scope? */
static int dept_in_scope(struct db *db, struct api_req *req, const char *dept,
			 bool *ok)
{
	const struct principal *p = &req->who;
	json_t *row = NULL;
	int err;

	if (p->scope == SCOPE_TENANT) {
		*ok = true;
		return 0;
	}
	if (!dept || !p->department_id[0]) {
		*ok = !dept && !p->department_id[0];
		return 0;
	}
	if (p->scope == SCOPE_DEPARTMENT) {
		*ok = !strcmp(dept, p->department_id);
		return 0;
	}
	err = db_query_one(db, &row, "SELECT COUNT(*) AS n FROM ("
			   API_DEPT_TREE ") t WHERE id = ?",
			   json_pack("[ss]", p->department_id, dept));
	if (err)
		return err;
	*ok = json_integer_value(json_object_get(row, "n")) > 0;
	json_decref(row);
	return 0;
}

static int attach_roles(struct db *db, struct api_req *req, json_t *user)
{
	json_t *rows = NULL, *ids = json_array(), *row;
	size_t i;
	int err = db_query(db, &rows, "SELECT role_id FROM user_roles WHERE "
			   "user_id = ? AND tenant_id = ? ORDER BY role_id",
			   json_pack("[Os]", json_object_get(user, "id"),
				     req->who.tenant_id));

	if (err) {
		json_decref(ids);
		return err;
	}
	json_array_foreach(rows, i, row)
		json_array_append(ids, json_object_get(row, "role_id"));
	json_decref(rows);
	row_bool(user, "enabled");
	json_object_set_new(user, "role_ids", ids);
	return 0;
}

/* Loads a user the caller may see; others are "not found". */
static int load(struct db *db, struct api_req *req, const char *id,
		json_t **rowp)
{
	json_t *row = NULL;
	bool ok = false;
	int err = db_query_one(db, &row, "SELECT " COLUMNS " FROM users WHERE "
			       "id = ? AND tenant_id = ?",
			       json_pack("[ss]", id, req->who.tenant_id));

	if (err)
		return err;
	err = dept_in_scope(db, req, json_string_value(json_object_get(
					     row, "department_id")), &ok);
	if (!err && !ok)
		err = ENOENT;
	if (!err)
		err = attach_roles(db, req, row);
	if (err)
		json_decref(row);
	else
		*rowp = row;
	return err;
}

HANDLER(users_list)
{
	static const struct list_spec list = {
		"users", COLUMNS, sortable, "username", false, text_columns,
		filters, false,
	};
	json_t *params, *items, *user;
	const char *where = principal_scope_sql(&req->who, &params);
	size_t i;
	int err = list_run(db, req, &list, where, params, NULL);

	json_decref(params);
	if (err || req->status != 200)
		return err;
	items = json_object_get(req->resp, "items");
	json_array_foreach(items, i, user) {
		err = attach_roles(db, req, user);
		if (err)
			return err;
	}
	return 0;
}

HANDLER(users_get)
{
	json_t *row = NULL;
	int err = load(db, req, req->id, &row);

	return err ? err : api_ok(req, 200, row);
}

/* On a reader: validates and hashes the password, if any. */
HANDLER(users_prepare)
{
	bool creating = !strcmp(req->method, "POST");
	const char *password;
	int err = body_check(req, fields, creating);

	(void)db;
	if (err)
		return err;
	password = body_str(req, "password", NULL);
	if (!password)
		return 0;
	return stash_password_hash(req, password);
}

static int check_refs(struct db *db, struct api_req *req)
{
	json_t *dept = json_object_get(req->body, "department_id");
	json_t *roles = json_object_get(req->body, "role_ids"), *v, *row;
	bool ok = true;
	size_t i;
	int err;

	if (json_is_string(dept)) {
		err = db_query_one(db, &row, "SELECT id FROM departments WHERE "
				   "id = ? AND tenant_id = ?",
				   json_pack("[Os]", dept, req->who.tenant_id));
		json_decref(err ? NULL : row);
		if (err == ENOENT)
			return api_fail(req, 400, "invalid_field",
					"field 'department_id': no such "
					"department");
		if (err)
			return err;
	}
	if (dept) {
		err = dept_in_scope(db, req, json_string_value(dept), &ok);
		if (err)
			return err;
		if (!ok)
			return api_fail(req, 403, "forbidden", "the department "
					"is outside your data scope");
	}
	json_array_foreach(roles, i, v) {
		err = db_query_one(db, &row, "SELECT id FROM roles WHERE id = ? "
				   "AND tenant_id = ?",
				   json_pack("[Os]", v, req->who.tenant_id));
		json_decref(err ? NULL : row);
		if (err == ENOENT)
			return api_fail(req, 400, "invalid_field",
					"field 'role_ids': no such role '%s'",
					json_string_value(v));
		if (err)
			return err;
	}
	return 0;
}

static int set_roles(struct db *db, struct api_req *req, const char *user_id)
{
	json_t *roles = json_object_get(req->body, "role_ids"), *v;
	size_t i;
	int err;

	if (!roles)
		return 0;
	err = db_exec(db, "DELETE FROM user_roles WHERE user_id = ? AND "
		      "tenant_id = ?", json_pack("[ss]", user_id,
						  req->who.tenant_id));
	json_array_foreach(roles, i, v) {
		if (err)
			break;
		err = db_exec(db, "INSERT INTO user_roles (tenant_id, user_id, "
			      "role_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			      json_pack("[ssO]", req->who.tenant_id, user_id,
					v));
	}
	return err;
}

HANDLER(users_create)
{
	char id[ID_LEN];
	json_int_t now = now_ms();
	json_t *row = NULL, *enabled = json_object_get(req->body, "enabled");
	int err = check_refs(db, req);

	if (err)
		return err;
	id_new(id);
	err = db_exec(db, "INSERT INTO users (id, tenant_id, username, "
		      "display_name, email, department_id, password_hash, "
		      "enabled, created_at, updated_at) VALUES "
		      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		      json_pack("[ssssss?sbII]", id, req->who.tenant_id,
				body_str(req, "username", ""),
				body_str(req, "display_name", ""),
				body_str(req, "email", ""),
				json_string_value(json_object_get(
					req->body, "department_id")),
				(char *)req->stash,
				!enabled || json_is_true(enabled), now, now));
	if (err == EEXIST)
		return api_fail(req, 409, "conflict", "username '%s' is taken",
				body_str(req, "username", ""));
	if (!err)
		err = set_roles(db, req, id);
	if (!err)
		err = load(db, req, id, &row);
	if (!err)
		err = oplog_write(db, req, "create", "users", id, NULL, row);
	return err ? err : api_ok(req, 201, row);
}

HANDLER(users_update)
{
	json_t *before = NULL, *after = NULL, *dept, *enabled;
	int err = load(db, req, req->id, &before);

	if (!err)
		err = check_refs(db, req);
	if (err)
		goto out;
	dept = json_object_get(req->body, "department_id");
	enabled = json_object_get(req->body, "enabled");
	err = db_exec(db, "UPDATE users SET username = COALESCE(?, username), "
		      "display_name = COALESCE(?, display_name), "
		      "email = COALESCE(?, email), "
		      "department_id = CASE WHEN ? = 1 THEN ? ELSE "
		      "department_id END, "
		      "password_hash = COALESCE(?, password_hash), "
		      "enabled = COALESCE(?, enabled), updated_at = ? "
		      "WHERE id = ? AND tenant_id = ?",
		      json_pack("[s?s?s?iOs?oIss]",
				body_str(req, "username", NULL),
				body_str(req, "display_name", NULL),
				body_str(req, "email", NULL), dept != NULL,
				or_null(dept), (char *)req->stash,
				enabled ? json_integer(json_is_true(enabled))
					: json_null(),
				(json_int_t)now_ms(), req->id,
				req->who.tenant_id));
	if (err == EEXIST) {
		err = api_fail(req, 409, "conflict", "username '%s' is taken",
			       body_str(req, "username", ""));
		goto out;
	}
	if (!err)
		err = set_roles(db, req, req->id);
	/* A new password or a disabled user ends the user's sessions. */
	if (!err && (req->stash || (enabled && !json_is_true(enabled))))
		err = db_exec(db, "DELETE FROM sessions WHERE user_id = ?",
			      json_pack("[s]", req->id));
	if (!err)
		err = load(db, req, req->id, &after);
	if (!err)
		err = oplog_write(db, req, "update", "users", req->id, before,
				  after);
out:
	json_decref(before);
	return err ? (json_decref(after), err) : api_ok(req, 200, after);
}

HANDLER(users_delete)
{
	json_t *before = NULL;
	int err = load(db, req, req->id, &before);

	if (err)
		return err;
	if (!strcmp(req->id, req->who.user_id))
		err = api_fail(req, 409, "conflict",
			       "you cannot delete yourself");
	else
		err = db_exec(db, "DELETE FROM users WHERE id = ? AND "
			      "tenant_id = ?",
			      json_pack("[ss]", req->id, req->who.tenant_id));
	if (!err)
		err = oplog_write(db, req, "delete", "users", req->id, before,
				  NULL);
	json_decref(before);
	return err ? err : api_ok(req, 204, NULL);
}
