/*
 * auth.c — who is calling: login sessions (cookie or bearer token), API keys
 * with signed requests, the tenant's IP allow-list, and the login, logout,
 * me and password endpoints. Runs on store threads.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"

#define SYSTEM_TENANT "system"

void principal_clear(struct principal *p)
{
	json_decref(p->perms);
	memset(p, 0, sizeof(*p));
}

static void copy_str(char *dst, size_t size, json_t *row, const char *name)
{
	const char *v = json_string_value(json_object_get(row, name));

	snprintf(dst, size, "%s", v ? v : "");
}

static enum data_scope scope_parse(const char *s)
{
	if (s && !strcmp(s, "tenant"))
		return SCOPE_TENANT;
	if (s && !strcmp(s, "department_tree"))
		return SCOPE_DEPARTMENT_TREE;
	return SCOPE_DEPARTMENT;
}

static const char *scope_name(enum data_scope s)
{
	return s == SCOPE_TENANT ? "tenant"
	       : s == SCOPE_DEPARTMENT_TREE ? "department_tree"
					    : "department";
}

/* Adds one role to the principal: the stronger level wins per key, the
   widest scope wins overall. */
static void merge_role(struct principal *p, const char *perms_text,
		       const char *scope)
{
	json_t *perms = json_loads(perms_text ? perms_text : "{}", 0, NULL);
	const char *key;
	json_t *v;

	json_object_foreach(perms, key, v) {
		const char *have = json_string_value(json_object_get(p->perms,
								     key));
		const char *level = json_string_value(v);

		if (!level || !perm_key_valid(key))
			continue;
		if (!have || !strcmp(level, "rw"))
			json_object_set_new(p->perms, key, json_string(level));
	}
	json_decref(perms);
	if (scope_parse(scope) > p->scope)
		p->scope = scope_parse(scope);
}

static int load_user_roles(struct db *db, struct principal *p)
{
	json_t *rows = NULL, *row;
	size_t i;
	int err;

	err = db_query(db, &rows, "SELECT r.permissions, r.data_scope, "
		       "r.builtin FROM user_roles ur JOIN roles r ON "
		       "r.id = ur.role_id WHERE ur.user_id = ? AND "
		       "ur.tenant_id = ?",
		       json_pack("[ss]", p->user_id, p->tenant_id));
	if (err)
		return err;
	json_array_foreach(rows, i, row) {
		/* The built-in Administrator has every menu, including those
		   of modules added after the tenant was made. */
		if (json_integer_value(json_object_get(row, "builtin"))) {
			json_decref(p->perms);
			p->perms = perm_all_rw();
			p->scope = SCOPE_TENANT;
			continue;
		}
		merge_role(p, json_string_value(json_object_get(row,
							       "permissions")),
			   json_string_value(json_object_get(row,
							     "data_scope")));
	}
	json_decref(rows);
	return 0;
}

/* Checks the tenant's state and allow-list for the caller's address. */
static int tenant_gate(struct api_req *req, json_t *row)
{
	json_t *allow;
	bool ok;

	if (!json_integer_value(json_object_get(row, "tenant_enabled")))
		return api_fail(req, 403, "tenant_disabled",
				"this tenant is disabled");
	allow = json_loads(json_string_value(json_object_get(row,
							     "ip_allowlist")),
			   0, NULL);
	ok = cidr_list_allows(allow, req->ip);
	json_decref(allow);
	if (!ok)
		return api_fail(req, 403, "ip_not_allowed",
				"address %s is not in the tenant's allow-list",
				req->ip);
	return 0;
}

static void fill_identity(struct principal *p, json_t *row)
{
	copy_str(p->tenant_id, sizeof(p->tenant_id), row, "tenant_id");
	copy_str(p->tenant_code, sizeof(p->tenant_code), row, "tenant_code");
	copy_str(p->user_id, sizeof(p->user_id), row, "user_id");
	copy_str(p->username, sizeof(p->username), row, "username");
	copy_str(p->department_id, sizeof(p->department_id), row,
		 "department_id");
	p->operator = !strcmp(p->tenant_code, SYSTEM_TENANT);
	p->perms = json_object();
}

#define USER_JOIN \
	"SELECT u.id AS user_id, u.tenant_id, u.username, u.department_id, " \
	"u.enabled, u.password_hash, t.code AS tenant_code, " \
	"t.enabled AS tenant_enabled, t.ip_allowlist FROM users u " \
	"JOIN tenants t ON t.id = u.tenant_id "

static int auth_session(struct db *db, struct api_req *req)
{
	char hash[65];
	json_t *row = NULL;
	int err;

	sha256_hex(req->session_token, strlen(req->session_token), hash);
	err = db_query_one(db, &row, USER_JOIN "JOIN sessions s ON "
			   "s.user_id = u.id WHERE s.token_hash = ? AND "
			   "s.expires_at > ?",
			   json_pack("[sI]", hash, (json_int_t)now_ms()));
	if (err == ENOENT)
		return api_fail(req, 401, "unauthenticated",
				"the session has expired or is not valid; "
				"log in again");
	if (err)
		return err;
	if (!json_integer_value(json_object_get(row, "enabled"))) {
		json_decref(row);
		return api_fail(req, 401, "unauthenticated",
				"this user is disabled");
	}
	err = tenant_gate(req, row);
	if (!err) {
		fill_identity(&req->who, row);
		req->who.via = VIA_SESSION;
		memcpy(req->who.session_hash, hash, sizeof(hash));
		err = load_user_roles(db, &req->who);
	}
	json_decref(row);
	return err;
}

static int check_signature(struct api_req *req, json_t *key)
{
	const char *secret = json_string_value(json_object_get(key, "secret"));
	json_int_t valid = json_integer_value(json_object_get(key,
							      "valid_seconds"));
	char body_hash[65], expect[65], *msg;
	char *end;
	long long ts = strtoll(req->key_ts ? req->key_ts : "", &end, 10);
	long long now = now_ms() / 1000;
	int n;

	if (!req->key_ts || end == req->key_ts || *end)
		return api_fail(req, 401, "bad_signature",
				"X-Hotline-Timestamp must be unix seconds");
	if (ts < now - valid || ts > now + valid)
		return api_fail(req, 401, "signature_expired",
				"the request timestamp is outside the key's "
				"%lld s window", (long long)valid);
	sha256_hex(req->raw_body ? req->raw_body : "", req->body_len,
		   body_hash);
	n = asprintf(&msg, "%s\n%s\n%s\n%s", req->method, req->target,
		     req->key_ts, body_hash);
	if (n < 0)
		return ENOMEM;
	hmac_sha256_hex(secret ? secret : "", msg, (size_t)n, expect);
	free(msg);
	if (!req->key_sig || strlen(req->key_sig) != 64 ||
	    sodium_memcmp(expect, req->key_sig, 64))
		return api_fail(req, 401, "bad_signature",
				"the request signature does not match");
	return 0;
}

static int auth_key(struct db *db, struct api_req *req)
{
	json_t *row = NULL;
	int err;

	err = db_query_one(db, &row, "SELECT k.id, k.name, k.secret, "
			   "k.valid_seconds, k.tenant_id, t.code AS tenant_code,"
			   " t.enabled AS tenant_enabled, t.ip_allowlist, "
			   "r.permissions, r.data_scope FROM api_keys k "
			   "JOIN tenants t ON t.id = k.tenant_id "
			   "JOIN roles r ON r.id = k.role_id "
			   "WHERE k.id = ? AND k.enabled = 1",
			   json_pack("[s]", req->key_id));
	if (err == ENOENT)
		return api_fail(req, 401, "bad_signature",
				"unknown or revoked API key");
	if (err)
		return err;
	err = check_signature(req, row);
	if (!err)
		err = tenant_gate(req, row);
	if (!err) {
		struct principal *p = &req->who;

		fill_identity(p, row);
		p->via = VIA_KEY;
		copy_str(p->key_id, sizeof(p->key_id), row, "id");
		snprintf(p->username, sizeof(p->username), "key:%s",
			 json_string_value(json_object_get(row, "name")));
		merge_role(p, json_string_value(json_object_get(row,
								"permissions")),
			   json_string_value(json_object_get(row,
							     "data_scope")));
	}
	json_decref(row);
	return err;
}

int auth_request(struct db *db, struct api_req *req)
{
	if (req->key_id)
		return auth_key(db, req);
	if (req->session_token)
		return auth_session(db, req);
	return api_fail(req, 401, "unauthenticated",
			"log in, or sign the request with an API key");
}

int auth_check_route(struct api_req *req)
{
	const struct route *r = req->route;
	bool write = strcmp(req->method, "GET") != 0;

	if ((r->flags & ROUTE_OPERATOR) && !req->who.operator)
		return api_fail(req, 403, "forbidden",
				"only the platform operator may do this");
	if ((r->flags & ROUTE_SESSION) && req->who.via != VIA_SESSION)
		return api_fail(req, 403, "forbidden",
				"this needs a login session, not an API key");
	if (r->perm && !principal_can(&req->who, r->perm, write))
		return api_fail(req, 403, "forbidden",
				principal_can(&req->who, r->perm, false)
					? "read-only permission for '%s'"
					: "no permission for '%s'",
				r->perm);
	return 0;
}

/* ---- login ---- */

struct login_outcome {
	json_t *user;        /* the user row, if the user exists */
	json_t *tenant_id;   /* the tenant's id, if the tenant exists */
	uint16_t status;     /* 0: success */
	const char *code;    /* the error code answered, also the log's reason */
};

static void login_outcome_free(void *p)
{
	struct login_outcome *o = p;

	json_decref(o->user);
	json_decref(o->tenant_id);
	free(o);
}

static const struct field_spec login_fields[] = {
	{"tenant", F_STRING, true, 1, 64},
	{"username", F_STRING, true, 1, 128},
	{"password", F_STRING, true, 1, 256},
	{NULL, 0, false, 0, 0},
};

/* A hash to verify against when the user does not exist, so a wrong
   username costs as long as a wrong password. */
static char dummy[128];

static void make_dummy(void)
{
	password_hash("not-a-real-password", dummy);
}

static const char *dummy_hash(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, make_dummy);
	return dummy;
}

/* On a reader: looks the user up and checks the password (slow by design). */
HANDLER(auth_login_prepare)
{
	struct login_outcome *o = calloc(1, sizeof(*o));
	json_t *row = NULL;
	int err = body_check(req, login_fields, true);

	if (err || !o) {
		free(o);
		return err ? err : ENOMEM;
	}
	req->stash = o;
	req->stash_free = login_outcome_free;
	err = db_query_one(db, &row, USER_JOIN "WHERE t.code = ? AND "
			   "u.username = ?",
			   json_pack("[ss]", body_str(req, "tenant", ""),
				     body_str(req, "username", "")));
	if (err && err != ENOENT)
		return err;
	if (row) {
		o->tenant_id = json_incref(json_object_get(row, "tenant_id"));
	} else {
		json_t *t = NULL;

		err = db_query_one(db, &t, "SELECT id FROM tenants WHERE code = ?",
				   json_pack("[s]", body_str(req, "tenant", "")));
		if (err && err != ENOENT)
			return err;
		if (t)
			o->tenant_id = json_incref(json_object_get(t, "id"));
		json_decref(t);
	}
	if (!password_verify(row ? json_string_value(json_object_get(
					   row, "password_hash"))
				 : dummy_hash(),
			     body_str(req, "password", ""))) {
		o->status = 401;
		o->code = "bad_credentials";
	} else if (!json_integer_value(json_object_get(row, "enabled"))) {
		o->status = 401;
		o->code = "bad_credentials";
	} else if (tenant_gate(req, row)) {
		const char *code = json_string_value(json_object_get(
			json_object_get(req->resp, "error"), "code"));

		o->status = 403;
		o->code = code && !strcmp(code, "tenant_disabled")
				  ? "tenant_disabled"
				  : "ip_not_allowed";
		json_decref(req->resp);
		req->resp = NULL;
		req->status = 0;
	}
	o->user = row;
	return 0;
}

/* One row per attempt; reason is the error code answered (NULL: ok). */
int login_log_write(struct db *db, const struct api_req *req,
		    json_t *tenant_id, json_t *user, const char *reason)
{
	char id[ID_LEN];

	id_new(id);
	return db_exec(db, "INSERT INTO login_log (id, tenant_id, tenant_code,"
		       " username, user_id, ip, ok, reason, created_at) "
		       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       json_pack("[sOssOsis?I]", id, or_null(tenant_id),
				 body_str(req, "tenant", ""),
				 body_str(req, "username", ""),
				 user ? json_object_get(user, "user_id")
				      : json_null(),
				 req->ip, reason == NULL, reason,
				 (json_int_t)now_ms()));
}

/* The user's role ids as an array (an API key's user has none). */
static int user_role_ids(struct db *db, struct api_req *req, json_t *user)
{
	json_t *rows = NULL, *ids = json_array(), *row;
	size_t i;
	int err = 0;

	if (req->who.user_id[0])
		err = db_query(db, &rows, "SELECT role_id FROM user_roles "
			       "WHERE user_id = ? AND tenant_id = ? "
			       "ORDER BY role_id",
			       json_pack("[ss]", req->who.user_id,
					 req->who.tenant_id));
	json_array_foreach(rows, i, row)
		json_array_append(ids, json_object_get(row, "role_id"));
	json_decref(rows);
	json_object_set_new(user, "role_ids", ids);
	return err;
}

/* The caller's identity as the API shows it (login and me). */
static int who_json(struct db *db, struct api_req *req, json_t **outp)
{
	json_t *user = NULL, *tenant = NULL;
	int err;

	err = db_query_one(db, &user, "SELECT id, username, display_name, "
			   "email, department_id, enabled, created_at, "
			   "updated_at, last_login_at FROM users WHERE id = ? "
			   "AND tenant_id = ?",
			   json_pack("[ss]", req->who.user_id,
				     req->who.tenant_id));
	if (err == ENOENT && req->who.via == VIA_KEY) {
		user = json_pack("{sssn}", "username", req->who.username,
				 "id");
		err = 0;
	}
	if (!err)
		err = user_role_ids(db, req, user);
	if (err) {
		json_decref(user);
		return err;
	}
	row_bool(user, "enabled");
	err = db_query_one(db, &tenant, "SELECT id, code, name, timezone, "
			   "enabled, created_at, updated_at FROM tenants "
			   "WHERE id = ?", json_pack("[s]", req->who.tenant_id));
	if (err) {
		json_decref(user);
		return err;
	}
	row_bool(tenant, "enabled");
	*outp = json_pack("{sosososbss}", "user", user, "tenant", tenant,
			  "permissions", json_incref(req->who.perms),
			  "operator", req->who.operator, "data_scope",
			  scope_name(req->who.scope));
	return 0;
}

static int start_session(struct db *db, struct api_req *req, json_t *user,
			 char token[65], json_int_t *expiresp)
{
	char hash[65];
	json_int_t now = now_ms();

	random_hex(token, 32);
	sha256_hex(token, 64, hash);
	*expiresp = now + (json_int_t)req->settings->session_hours * 3600000;
	int err = db_exec(db, "INSERT INTO sessions (token_hash, tenant_id, "
			  "user_id, ip, created_at, expires_at) VALUES "
			  "(?, ?, ?, ?, ?, ?)",
			  json_pack("[sOOsII]", hash,
				    json_object_get(user, "tenant_id"),
				    json_object_get(user, "user_id"), req->ip,
				    now, *expiresp));
	if (err)
		return err;
	/* Expired sessions of anyone are swept on each login. */
	err = db_exec(db, "DELETE FROM sessions WHERE expires_at <= ?",
		      json_pack("[I]", now));
	if (err)
		return err;
	return db_exec(db, "UPDATE users SET last_login_at = ? WHERE id = ?",
		       json_pack("[IO]", now, json_object_get(user,
							       "user_id")));
}

/* On the writer: records the attempt, and opens the session if it was
   right. A failed attempt answers an error but keeps the log row. */
HANDLER(auth_login)
{
	struct login_outcome *o = req->stash;
	char token[65];
	json_int_t expires;
	json_t *who = NULL;
	int err = login_log_write(db, req, o->tenant_id, o->user,
				  o->status ? o->code : NULL);

	if (err)
		return err;
	if (o->status) {
		req->login_failed = 1;
		api_fail(req, o->status, o->code, "%s",
			 o->status == 401 ? "wrong tenant, username or password"
			 : o->status == 403 && !strcmp(o->code, "tenant_disabled")
				 ? "this tenant is disabled"
				 : "this address is not in the tenant's allow-list");
		return 0;
	}
	err = start_session(db, req, o->user, token, &expires);
	if (err)
		return err;
	fill_identity(&req->who, o->user);
	req->who.via = VIA_SESSION;
	err = load_user_roles(db, &req->who);
	if (!err)
		err = who_json(db, req, &who);
	if (err)
		return err;
	json_object_set_new(who, "token", json_string(token));
	json_object_set_new(who, "expires_at", json_integer(expires));
	if (asprintf(&req->set_cookie, "hl_session=%s; Path=/; HttpOnly; "
		     "SameSite=Strict; Max-Age=%ld", token,
		     req->settings->session_hours * 3600) < 0)
		req->set_cookie = NULL;
	return api_ok(req, 200, who);
}

HANDLER(auth_logout)
{
	int err = db_exec(db, "DELETE FROM sessions WHERE token_hash = ?",
			  json_pack("[s]", req->who.session_hash));

	if (err)
		return err;
	req->set_cookie = strdup("hl_session=; Path=/; HttpOnly; "
				 "SameSite=Strict; Max-Age=0");
	return api_ok(req, 204, NULL);
}

HANDLER(auth_me)
{
	json_t *who = NULL;
	int err = who_json(db, req, &who);

	return err ? err : api_ok(req, 200, who);
}

/* ---- password change ---- */

static const struct field_spec password_fields[] = {
	{"old_password", F_STRING, true, 1, 256},
	{"new_password", F_STRING, true, 8, 256},
	{NULL, 0, false, 0, 0},
};

HANDLER(auth_password_prepare)
{
	json_t *row = NULL;
	int err = body_check(req, password_fields, true);

	if (err)
		return err;
	err = db_query_one(db, &row, "SELECT password_hash FROM users WHERE "
			   "id = ? AND tenant_id = ?",
			   json_pack("[ss]", req->who.user_id,
				     req->who.tenant_id));
	if (err)
		return err;
	bool ok = password_verify(json_string_value(json_object_get(
					  row, "password_hash")),
				  body_str(req, "old_password", ""));
	json_decref(row);
	if (!ok)
		return api_fail(req, 401, "bad_credentials",
				"the old password is wrong");
	return stash_password_hash(req, body_str(req, "new_password", ""));
}

HANDLER(auth_password)
{
	int err = db_exec(db, "UPDATE users SET password_hash = ?, "
			  "updated_at = ? WHERE id = ? AND tenant_id = ?",
			  json_pack("[sIss]", (char *)req->stash,
				    (json_int_t)now_ms(), req->who.user_id,
				    req->who.tenant_id));

	if (!err)
		err = db_exec(db, "DELETE FROM sessions WHERE user_id = ? AND "
			      "token_hash <> ?",
			      json_pack("[ss]", req->who.user_id,
					req->who.session_hash));
	if (!err)
		err = oplog_write(db, req, "password", "users",
				  req->who.user_id, NULL, NULL);
	return err ? err : api_ok(req, 204, NULL);
}
