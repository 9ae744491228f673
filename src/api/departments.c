/*
 * departments.c — the tenant's department tree: any depth, no cycles, and
 * a department with children or users cannot be deleted.
 */
#include <errno.h>
#include <string.h>
#include "api.h"

#define COLUMNS "id, name, parent_id, created_at, updated_at"

static const char *const sortable[] = {"name", "created_at", NULL};
static const char *const text_columns[] = {"name", NULL};
static const struct list_filter filters[] = {
	{"parent_id", "parent_id", F_STRING, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec list = {
	"departments", COLUMNS, sortable, "name", false, text_columns, filters, false,
};

static const struct field_spec fields[] = {
	{"name", F_STRING, true, 1, 64},
	{"parent_id", F_STRING_OR_NULL, false, 0, 0},
	{NULL, 0, false, 0, 0},
};

static int load(struct db *db, struct api_req *req, const char *id,
		json_t **rowp)
{
	return db_query_one(db, rowp, "SELECT " COLUMNS " FROM departments "
			    "WHERE id = ? AND tenant_id = ?",
			    json_pack("[ss]", id, req->who.tenant_id));
}

HANDLER(departments_list)
{
	return list_run(db, req, &list, NULL, NULL, NULL);
}

HANDLER(departments_get)
{
	json_t *row = NULL;
	int err = load(db, req, req->id, &row);

	return err ? err : api_ok(req, 200, row);
}

/* True when dept is `ancestor` itself or somewhere below it. */
static int is_within(struct db *db, struct api_req *req, const char *dept,
		     const char *ancestor, bool *within)
{
	json_t *row = NULL;
	int err = db_query_one(db, &row,
			       "WITH RECURSIVE up(id, parent_id) AS ("
			       " SELECT id, parent_id FROM departments"
			       " WHERE id = ? AND tenant_id = ?"
			       " UNION ALL SELECT d.id, d.parent_id FROM"
			       " departments d JOIN up ON d.id = up.parent_id)"
			       " SELECT COUNT(*) AS n FROM up WHERE id = ?",
			       json_pack("[sss]", dept, req->who.tenant_id,
					 ancestor));

	if (err)
		return err;
	*within = json_integer_value(json_object_get(row, "n")) > 0;
	json_decref(row);
	return 0;
}

static int check_parent(struct db *db, struct api_req *req, const char *self)
{
	json_t *v = json_object_get(req->body, "parent_id");
	json_t *row = NULL;
	bool cycle = false;
	int err;

	if (!json_is_string(v))
		return 0;
	err = load(db, req, json_string_value(v), &row);
	json_decref(row);
	if (err == ENOENT)
		return api_fail(req, 400, "invalid_field",
				"field 'parent_id': no such department");
	if (err || !self)
		return err;
	err = is_within(db, req, json_string_value(v), self, &cycle);
	if (!err && cycle)
		return api_fail(req, 400, "invalid_field",
				"field 'parent_id': a department cannot move "
				"below itself");
	return err;
}

HANDLER(departments_create)
{
	char id[ID_LEN];
	json_int_t now = now_ms();
	json_t *row = NULL;
	int err = body_check(req, fields, true);

	if (!err)
		err = check_parent(db, req, NULL);
	if (err)
		return err;
	id_new(id);
	err = db_exec(db, "INSERT INTO departments (id, tenant_id, parent_id, "
		      "name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
		      json_pack("[ssOsII]", id, req->who.tenant_id,
				or_null(json_object_get(req->body,
							"parent_id")),
				body_str(req, "name", ""), now, now));
	if (!err)
		err = load(db, req, id, &row);
	if (!err)
		err = oplog_write(db, req, "create", "departments", id, NULL,
				  row);
	return err ? err : api_ok(req, 201, row);
}

HANDLER(departments_update)
{
	json_t *before = NULL, *after = NULL, *parent;
	int err = body_check(req, fields, false);

	if (!err)
		err = load(db, req, req->id, &before);
	if (!err)
		err = check_parent(db, req, req->id);
	if (err)
		goto out;
	parent = json_object_get(req->body, "parent_id");
	err = db_exec(db, "UPDATE departments SET name = COALESCE(?, name), "
		      "parent_id = CASE WHEN ? = 1 THEN ? ELSE parent_id END, "
		      "updated_at = ? WHERE id = ? AND tenant_id = ?",
		      json_pack("[s?iOIss]", body_str(req, "name", NULL),
				parent != NULL, or_null(parent),
				(json_int_t)now_ms(), req->id,
				req->who.tenant_id));
	if (!err)
		err = load(db, req, req->id, &after);
	if (!err)
		err = oplog_write(db, req, "update", "departments", req->id,
				  before, after);
out:
	json_decref(before);
	return err ? (json_decref(after), err) : api_ok(req, 200, after);
}

static long count(struct db *db, const char *sql, json_t *params)
{
	json_t *row = NULL;
	long n;

	if (db_query_one(db, &row, sql, params))
		return -1;
	n = (long)json_integer_value(json_object_get(row, "n"));
	json_decref(row);
	return n;
}

HANDLER(departments_delete)
{
	json_t *before = NULL;
	long children, users;
	int err = load(db, req, req->id, &before);

	if (err)
		return err;
	children = count(db, "SELECT COUNT(*) AS n FROM departments WHERE "
			 "parent_id = ? AND tenant_id = ?",
			 json_pack("[ss]", req->id, req->who.tenant_id));
	users = count(db, "SELECT COUNT(*) AS n FROM users WHERE "
		      "department_id = ? AND tenant_id = ?",
		      json_pack("[ss]", req->id, req->who.tenant_id));
	if (children < 0 || users < 0)
		err = EIO;
	else if (children || users)
		err = api_fail(req, 409, "conflict",
			       "the department still has %ld sub-departments "
			       "and %ld users", children, users);
	else
		err = db_exec(db, "DELETE FROM departments WHERE id = ? AND "
			      "tenant_id = ?",
			      json_pack("[ss]", req->id, req->who.tenant_id));
	if (!err)
		err = oplog_write(db, req, "delete", "departments", req->id,
				  before, NULL);
	json_decref(before);
	return err ? err : api_ok(req, 204, NULL);
}
