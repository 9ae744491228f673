/*
 * tenants.c — tenants (enterprises), managed by the platform operator.
 * Creating one also creates its Administrator role and first user.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "../core/log.h"
#include "../media/audiofile.h"
#include "../voicemail/voicemail.h"

#define COLUMNS "id, code, name, timezone, enabled, max_calls, created_at, " \
	"updated_at"

static const char *const sortable[] = {"code", "name", "created_at", NULL};
static const char *const text_columns[] = {"code", "name", NULL};
static const struct list_filter filters[] = {
	{"enabled", "enabled", F_BOOLEAN, NULL},
	{NULL, NULL, 0, NULL},
};

static const struct field_spec fields[] = {
	{"code", F_STRING, true, 2, 32},
	{"name", F_STRING, true, 1, 128},
	{"timezone", F_STRING, false, 1, 64},
	{"enabled", F_BOOLEAN, false, 0, 0},
	{"admin_username", F_STRING, false, 1, 64},
	{"admin_password", F_STRING, true, 8, 256},
	{NULL, 0, false, 0, 0},
};

static const struct field_spec update_fields[] = {
	{"name", F_STRING, false, 1, 128},
	{"timezone", F_STRING, false, 1, 64},
	{"enabled", F_BOOLEAN, false, 0, 0},
	{"max_calls", F_INTEGER, false, 0, 1000000},
	{NULL, 0, false, 0, 0},
};

static void fix_row(json_t *row)
{
	row_bool(row, "enabled");
}

static int load(struct db *db, const char *id, json_t **rowp)
{
	int err = db_query_one(db, rowp, "SELECT " COLUMNS " FROM tenants "
			       "WHERE id = ?", json_pack("[s]", id));

	if (!err)
		fix_row(*rowp);
	return err;
}

int bootstrap_tenant(struct db *db, const char *code, const char *name,
		     const char *admin_user, const char *admin_hash,
		     char tenant_id_out[ID_LEN])
{
	char role_id[ID_LEN], user_id[ID_LEN], *perms;
	json_int_t now = now_ms();
	int err;

	id_new(tenant_id_out);
	id_new(role_id);
	id_new(user_id);
	err = db_exec(db, "INSERT INTO tenants (id, code, name, timezone, "
		      "enabled, created_at, updated_at) VALUES "
		      "(?, ?, ?, 'Asia/Shanghai', 1, ?, ?)",
		      json_pack("[sssII]", tenant_id_out, code, name, now, now));
	if (err)
		return err;
	json_t *all = perm_all_rw();
	perms = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(all);
	err = db_exec(db, "INSERT INTO roles (id, tenant_id, name, builtin, "
		      "permissions, data_scope, created_at, updated_at) VALUES "
		      "(?, ?, 'Administrator', 1, ?, 'tenant', ?, ?)",
		      json_pack("[sssII]", role_id, tenant_id_out, perms, now,
				now));
	free(perms);
	if (!err)
		err = db_exec(db, "INSERT INTO users (id, tenant_id, username, "
			      "display_name, password_hash, enabled, "
			      "created_at, updated_at) VALUES "
			      "(?, ?, ?, ?, ?, 1, ?, ?)",
			      json_pack("[sssssII]", user_id, tenant_id_out,
					admin_user, admin_user, admin_hash,
					now, now));
	if (!err)
		err = db_exec(db, "INSERT INTO user_roles (tenant_id, user_id, "
			      "role_id) VALUES (?, ?, ?)",
			      json_pack("[sss]", tenant_id_out, user_id,
					role_id));
	return err;
}

HANDLER(tenants_list)
{
	static const struct list_spec list = {
		"tenants", COLUMNS, sortable, "code", false, text_columns,
		filters, true,
	};

	return list_run(db, req, &list, NULL, NULL, fix_row);
}

HANDLER(tenants_get)
{
	json_t *row = NULL;
	int err = load(db, req->id, &row);

	return err ? err : api_ok(req, 200, row);
}

static bool code_valid(const char *code)
{
	for (const char *c = code; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      (*c == '-' && c != code)))
			return false;
	}
	return true;
}

/* An IANA zone name that the system's tz database knows (tzdata). */
bool timezone_valid(const char *name)
{
	char path[160];
	struct stat st;

	if (!*name || *name == '/' || strstr(name, "..") ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789/_+-") != strlen(name))
		return false;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static int check_timezone(struct api_req *req)
{
	const char *tz = body_str(req, "timezone", NULL);

	if (tz && !timezone_valid(tz))
		return api_fail(req, 400, "invalid_field", "field 'timezone': "
				"'%s' is not an IANA time zone such as "
				"Asia/Shanghai", tz);
	return 0;
}

/* On a reader: checks the body (the zone lookup touches the disk). */
HANDLER(tenants_update_prepare)
{
	int err = body_check(req, update_fields, false);

	(void)db;
	return err ? err : check_timezone(req);
}

/* On a reader: validates the body and hashes the admin's password. */
HANDLER(tenants_create_prepare)
{
	int err = body_check(req, fields, true);

	(void)db;
	if (!err)
		err = check_timezone(req);
	if (err)
		return err;
	if (!code_valid(body_str(req, "code", "")))
		return api_fail(req, 400, "invalid_field", "field 'code': "
				"lower-case letters, digits and '-' only");
	return stash_password_hash(req, body_str(req, "admin_password", ""));
}

HANDLER(tenants_create)
{
	char id[ID_LEN];
	json_t *row = NULL, *enabled = json_object_get(req->body, "enabled");
	int err = bootstrap_tenant(db, body_str(req, "code", ""),
				   body_str(req, "name", ""),
				   body_str(req, "admin_username", "admin"),
				   req->stash, id);

	if (err == EEXIST)
		return api_fail(req, 409, "conflict", "tenant code '%s' is "
				"taken", body_str(req, "code", ""));
	if (!err)
		err = db_exec(db, "UPDATE tenants SET timezone = ?, enabled = ? "
			      "WHERE id = ?",
			      json_pack("[sis]", body_str(req, "timezone",
							 "Asia/Shanghai"),
					!enabled || json_is_true(enabled), id));
	if (!err)
		err = load(db, id, &row);
	if (!err)
		err = oplog_write(db, req, "create", "tenants", id, NULL, row);
	return err ? err : api_ok(req, 201, row);
}

HANDLER(tenants_update)
{
	json_t *before = NULL, *after = NULL, *enabled;
	int err = load(db, req->id, &before);

	if (!err && !strcmp(req->id, req->who.tenant_id))
		err = api_fail(req, 409, "conflict", "the platform tenant "
			       "cannot be changed here");
	if (err)
		goto out;
	enabled = json_object_get(req->body, "enabled");
	err = db_exec(db, "UPDATE tenants SET name = COALESCE(?, name), "
		      "timezone = COALESCE(?, timezone), "
		      "enabled = COALESCE(?, enabled), "
		      "max_calls = COALESCE(?, max_calls), updated_at = ? "
		      "WHERE id = ?",
		      json_pack("[s?s?ooIs]", body_str(req, "name", NULL),
				body_str(req, "timezone", NULL),
				enabled ? json_integer(json_is_true(enabled))
					: json_null(),
				json_incref(or_null(json_object_get(req->body,
							     "max_calls"))),
				(json_int_t)now_ms(), req->id));
	if (!err)
		err = load(db, req->id, &after);
	if (!err)
		err = oplog_write(db, req, "update", "tenants", req->id, before,
				  after);
out:
	json_decref(before);
	return err ? (json_decref(after), err) : api_ok(req, 200, after);
}

HANDLER(tenants_delete)
{
	json_t *before = NULL;
	int err = load(db, req->id, &before);

	if (!err && !strcmp(req->id, req->who.tenant_id))
		err = api_fail(req, 409, "conflict", "the platform tenant "
			       "cannot be deleted");
	/* Rows that point into the tenant's own tree go first. */
	if (!err)
		err = db_exec(db, "DELETE FROM user_roles WHERE tenant_id = ?",
			      json_pack("[s]", req->id));
	if (!err)
		err = db_exec(db, "DELETE FROM api_keys WHERE tenant_id = ?",
			      json_pack("[s]", req->id));
	if (!err)
		err = db_exec(db, "DELETE FROM moh_class_voices WHERE "
			      "tenant_id = ?", json_pack("[s]", req->id));
	if (!err)
		err = db_exec(db, "DELETE FROM users WHERE tenant_id = ?",
			      json_pack("[s]", req->id));
	if (!err)
		err = db_exec(db, "UPDATE departments SET parent_id = NULL "
			      "WHERE tenant_id = ?", json_pack("[s]", req->id));
	if (!err)
		err = db_exec(db, "DELETE FROM tenants WHERE id = ?",
			      json_pack("[s]", req->id));
	if (!err)
		err = oplog_write(db, req, "delete", "tenants", req->id, before,
				  NULL);
	json_decref(before);
	if (err)
		return err;
	/* Its voice and voicemail files go with it. */
	err = audiofile_remove_tenant(req->settings->data_dir, req->id);
	if (err)
		log_warn("tenants", "removing the voice files of %s: %s",
			 req->id, strerror(err));
	err = voicemail_remove_tenant(req->settings->data_dir, req->id);
	if (err)
		log_warn("tenants", "removing the voicemail files of %s: %s",
			 req->id, strerror(err));
	return api_ok(req, 204, NULL);
}
