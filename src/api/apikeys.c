/*
 * apikeys.c — API keys for integrations. The secret is shown once, when the
 * key is made; afterwards only its id and name are visible. Deleting a key
 * revokes it at once.
 */
#include <errno.h>
#include <string.h>
#include "api.h"

#define COLUMNS "id, name, role_id, valid_seconds, enabled, created_at, " \
	"last_used_at"

static const char *const sortable[] = {"name", "created_at",
				       "last_used_at", NULL};
static const char *const text_columns[] = {"name", NULL};
static const struct list_filter filters[] = {
	{"role_id", "role_id", F_STRING, NULL},
	{"enabled", "enabled", F_BOOLEAN, NULL},
	{NULL, NULL, 0, NULL},
};

static const struct field_spec fields[] = {
	{"name", F_STRING, true, 1, 64},
	{"role_id", F_STRING, true, 0, 0},
	{"valid_seconds", F_INTEGER, false, 30, 86400},
	{NULL, 0, false, 0, 0},
};

static void fix_row(json_t *row)
{
	row_bool(row, "enabled");
}

static int load(struct db *db, struct api_req *req, const char *id,
		json_t **rowp)
{
	int err = db_query_one(db, rowp, "SELECT " COLUMNS " FROM api_keys "
			       "WHERE id = ? AND tenant_id = ?",
			       json_pack("[ss]", id, req->who.tenant_id));

	if (!err)
		fix_row(*rowp);
	return err;
}

HANDLER(apikeys_list)
{
	static const struct list_spec list = {
		"api_keys", COLUMNS, sortable, "created_at", true,
		text_columns, filters, false,
	};

	return list_run(db, req, &list, NULL, NULL, fix_row);
}

HANDLER(apikeys_get)
{
	json_t *row = NULL;
	int err = load(db, req, req->id, &row);

	return err ? err : api_ok(req, 200, row);
}

HANDLER(apikeys_create)
{
	char id[ID_LEN], secret[65];
	json_t *row = NULL, *valid = json_object_get(req->body,
						     "valid_seconds");
	int err = body_check(req, fields, true);

	if (err)
		return err;
	err = db_query_one(db, &row, "SELECT id FROM roles WHERE id = ? AND "
			   "tenant_id = ?",
			   json_pack("[ss]", body_str(req, "role_id", ""),
				     req->who.tenant_id));
	json_decref(err ? NULL : row);
	if (err == ENOENT)
		return api_fail(req, 400, "invalid_field",
				"field 'role_id': no such role");
	if (err)
		return err;
	id_new(id);
	random_hex(secret, 32);
	err = db_exec(db, "INSERT INTO api_keys (id, tenant_id, name, role_id, "
		      "secret, valid_seconds, enabled, created_at) VALUES "
		      "(?, ?, ?, ?, ?, ?, 1, ?)",
		      json_pack("[sssssII]", id, req->who.tenant_id,
				body_str(req, "name", ""),
				body_str(req, "role_id", ""), secret,
				valid ? json_integer_value(valid)
				      : (json_int_t)1800,
				(json_int_t)now_ms()));
	if (!err)
		err = load(db, req, id, &row);
	if (!err)
		err = oplog_write(db, req, "create", "api_keys", id, NULL, row);
	if (err)
		return err;
	json_object_set_new(row, "secret", json_string(secret));
	return api_ok(req, 201, row);
}

HANDLER(apikeys_delete)
{
	json_t *before = NULL;
	int err = load(db, req, req->id, &before);

	if (!err)
		err = db_exec(db, "DELETE FROM api_keys WHERE id = ? AND "
			      "tenant_id = ?",
			      json_pack("[ss]", req->id, req->who.tenant_id));
	if (!err)
		err = oplog_write(db, req, "delete", "api_keys", req->id,
				  before, NULL);
	json_decref(before);
	return err ? err : api_ok(req, 204, NULL);
}
