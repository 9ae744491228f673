/*
 * extensions.c — the tenant's SIP extensions (phones): number, digest
 * password, allowed transports and source addresses, contact limit, codec
 * preference, dial permission, do not disturb and forwarding (to a number,
 * or to "voicemail": its own box), and whether its calls are recorded
 * (inherit the tenant's policy, always, never). Every change reloads the
 * telephony directory (ROUTE_TELEPHONY). The password is shown by create and by GET
 * of one extension, never in lists or the operation log. Lists show the
 * live registration state from the registrations table.
 */
#include <errno.h>
#include <string.h>
#include "api.h"

/* The forwarding target that means "the extension's own voicemail box". */
#define FORWARD_VOICEMAIL "voicemail"

#define COLUMNS "id, number, display_name, transports, allowed_cidrs, " \
	"max_contacts, codecs, dial_permission, auth_algorithms, enabled, " \
	"dnd, forward_always, forward_busy, forward_no_answer, " \
	"no_answer_seconds, record, created_at, updated_at, contacts"
#define FROM_X "(SELECT e.*, (SELECT COUNT(*) FROM registrations r WHERE " \
	"r.extension_id = e.id) AS contacts FROM extensions e) x"

static const char *const sortable[] = {"number", "display_name",
				       "created_at", "updated_at", NULL};
static const char *const text_columns[] = {"number", "display_name", NULL};
static const struct list_filter filters[] = {
	{"enabled", "enabled", F_BOOLEAN, NULL},
	{"registered", "CASE WHEN contacts > 0 THEN 1 ELSE 0 END", F_BOOLEAN,
	 NULL},
	{"dial_permission", "dial_permission", F_STRING, NULL},
	{NULL, NULL, 0, NULL},
};

static const struct field_spec fields[] = {
	{"number", F_STRING, true, 2, 16},
	{"password", F_STRING, false, 8, 64},
	{"display_name", F_STRING, false, 0, 128},
	{"transports", F_STRING_ARRAY, false, 0, 0},
	{"allowed_cidrs", F_STRING_ARRAY, false, 0, 0},
	{"max_contacts", F_INTEGER, false, 1, 10},
	{"codecs", F_STRING_ARRAY, false, 0, 0},
	{"dial_permission", F_STRING, false, 0, 0},
	{"auth_algorithms", F_STRING_ARRAY, false, 0, 0},
	{"enabled", F_BOOLEAN, false, 0, 0},
	{"dnd", F_BOOLEAN, false, 0, 0},
	{"forward_always", F_STRING, false, 0, 32},
	{"forward_busy", F_STRING, false, 0, 32},
	{"forward_no_answer", F_STRING, false, 0, 32},
	{"no_answer_seconds", F_INTEGER, false, 5, 300},
	{"record", F_STRING, false, 0, 0},
	{NULL, 0, false, 0, 0},
};

static const char *const transports[] = {"udp", "tcp", "tls", "ws", "wss",
					 NULL};
static const char *const codecs[] = {"PCMU", "PCMA", "G722", "opus", "G729",
				     NULL};
static const char *const digest_algs[] = {"SHA-256", "MD5", NULL};
static const char *const dial_permissions[] = {"internal", "local",
					       "long_distance",
					       "international", NULL};
static const char *const record_modes[] = {"inherit", "always", "never",
					   NULL};

static void fix_row(json_t *row)
{
	row_bool(row, "enabled");
	row_bool(row, "dnd");
	row_json(row, "transports");
	row_json(row, "allowed_cidrs");
	row_json(row, "codecs");
	row_json(row, "auth_algorithms");
	json_object_set_new(row, "registered", json_boolean(
		json_integer_value(json_object_get(row, "contacts")) > 0));
}

static int load(struct db *db, struct api_req *req, const char *id,
		json_t **rowp)
{
	int err = db_query_one(db, rowp, "SELECT " COLUMNS " FROM " FROM_X
			       " WHERE id = ? AND tenant_id = ?",
			       json_pack("[ss]", id, req->who.tenant_id));

	if (!err)
		fix_row(*rowp);
	return err;
}

static int add_password(struct db *db, struct api_req *req, json_t *row)
{
	json_t *pw = NULL;
	int err = db_query_one(db, &pw, "SELECT password FROM extensions "
			       "WHERE id = ? AND tenant_id = ?",
			       json_pack("[Os]", json_object_get(row, "id"),
					 req->who.tenant_id));

	if (err)
		return err;
	json_object_set(row, "password", json_object_get(pw, "password"));
	json_decref(pw);
	return 0;
}

HANDLER(extensions_list)
{
	static const struct list_spec list = {
		FROM_X, COLUMNS, sortable, "number", false, text_columns,
		filters, false,
	};

	return list_run(db, req, &list, NULL, NULL, fix_row);
}

HANDLER(extensions_get)
{
	json_t *row = NULL;
	int err = load(db, req, req->id, &row);

	if (!err)
		err = add_password(db, req, row);
	if (err) {
		json_decref(row);
		return err;
	}
	return api_ok(req, 200, row);
}

static bool in_set(const char *const *set, const char *s)
{
	for (; *set; set++) {
		if (!strcmp(*set, s))
			return true;
	}
	return false;
}

/* Every element from the set, no duplicates; `empty_ok` for CIDR lists. */
static int check_list(struct api_req *req, const char *name,
		      const char *const *set, bool empty_ok)
{
	json_t *list = json_object_get(req->body, name), *v, *w;
	size_t i, j;

	if (!list)
		return 0;
	if (!empty_ok && json_array_size(list) == 0)
		return api_fail(req, 400, "invalid_field",
				"field '%s': must not be empty", name);
	if (json_array_size(list) > 64)
		return api_fail(req, 400, "invalid_field",
				"field '%s': at most 64 entries", name);
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);

		if (set ? !in_set(set, s) : !cidr_valid(s))
			return api_fail(req, 400, "invalid_field",
					"field '%s': %s '%s'", name,
					set ? "unknown value" : "bad CIDR", s);
		json_array_foreach(list, j, w) {
			if (j < i && json_equal(v, w))
				return api_fail(req, 400, "invalid_field",
						"field '%s': '%s' is listed "
						"twice", name, s);
		}
	}
	return 0;
}

static int check_password(struct api_req *req)
{
	const char *pw = body_str(req, "password", NULL);

	for (const char *p = pw; p && *p; p++) {
		if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\')
			return api_fail(req, 400, "invalid_field",
					"field 'password': printable ASCII "
					"without spaces, quotes or "
					"backslashes");
	}
	return 0;
}

/* A forwarding target: empty (off), a number (digits, '+' first), or
   "voicemail": the extension's own voicemail box. */
static int check_forward(struct api_req *req, const char *name)
{
	const char *v = body_str(req, name, NULL);

	if (v && !strcmp(v, FORWARD_VOICEMAIL))
		return 0;
	for (const char *p = v; p && *p; p++) {
		if ((*p < '0' || *p > '9') && !(*p == '+' && p == v))
			return api_fail(req, 400, "invalid_field",
					"field '%s': a number (digits, an "
					"optional leading +), \"voicemail\" "
					"or empty", name);
	}
	if (v && !strcmp(v, "+"))
		return api_fail(req, 400, "invalid_field", "field '%s': a "
				"number needs digits", name);
	return 0;
}

/* No forwarding target may be the extension's own number (the one in the
   body, or the stored one when the body does not change it). */
static int check_not_self(struct api_req *req, const char *own)
{
	static const char *const names[] = {"forward_always", "forward_busy",
					    "forward_no_answer", NULL};
	const char *number = body_str(req, "number", own);

	for (const char *const *n = names; *n; n++) {
		const char *v = body_str(req, *n, NULL);

		if (v && number && !strcmp(v, number))
			return api_fail(req, 400, "invalid_field", "field "
					"'%s': an extension cannot forward to "
					"itself", *n);
	}
	return 0;
}

/* Do not disturb and call forwarding: one statement after the row's own
   insert or update, only with the fields given. */
static int set_features(struct db *db, struct api_req *req, const char *id)
{
	json_t *dnd = json_object_get(req->body, "dnd");
	json_t *secs = json_object_get(req->body, "no_answer_seconds");

	return db_exec(db, "UPDATE extensions SET "
		       "dnd = COALESCE(?, dnd), "
		       "forward_always = COALESCE(?, forward_always), "
		       "forward_busy = COALESCE(?, forward_busy), "
		       "forward_no_answer = COALESCE(?, forward_no_answer), "
		       "no_answer_seconds = COALESCE(?, no_answer_seconds), "
		       "record = COALESCE(?, record) "
		       "WHERE id = ? AND tenant_id = ?",
		       json_pack("[os?s?s?os?ss]",
				 dnd ? json_integer(json_is_true(dnd))
				     : json_null(),
				 body_str(req, "forward_always", NULL),
				 body_str(req, "forward_busy", NULL),
				 body_str(req, "forward_no_answer", NULL),
				 secs ? json_incref(secs) : json_null(),
				 body_str(req, "record", NULL), id,
				 req->who.tenant_id));
}

static int check_body(struct api_req *req, bool creating)
{
	const char *number = body_str(req, "number", NULL);
	const char *dial = body_str(req, "dial_permission", NULL);
	const char *record = body_str(req, "record", NULL);
	int err = body_check(req, fields, creating);

	if (!err)
		err = check_forward(req, "forward_always");
	if (!err)
		err = check_forward(req, "forward_busy");
	if (!err)
		err = check_forward(req, "forward_no_answer");
	if (err)
		return err;
	for (const char *p = number; p && *p; p++) {
		if (*p < '0' || *p > '9')
			return api_fail(req, 400, "invalid_field",
					"field 'number': digits only (2-16)");
	}
	if (dial && !in_set(dial_permissions, dial))
		return api_fail(req, 400, "invalid_field",
				"field 'dial_permission': must be internal, "
				"local, long_distance or international");
	if (record && !in_set(record_modes, record))
		return api_fail(req, 400, "invalid_field",
				"field 'record': must be inherit (the "
				"tenant's recording policy), always or never");
	err = check_password(req);
	if (!err)
		err = check_list(req, "transports", transports, false);
	if (!err)
		err = check_list(req, "codecs", codecs, false);
	if (!err)
		err = check_list(req, "auth_algorithms", digest_algs, false);
	if (!err)
		err = check_list(req, "allowed_cidrs", NULL, true);
	return err;
}

/* A JSON array field as stored text, or NULL when absent (caller frees). */
static char *list_text(struct api_req *req, const char *name)
{
	json_t *v = json_object_get(req->body, name);

	return v ? json_dumps(v, JSON_COMPACT) : NULL;
}

static json_t *int_or_null(struct api_req *req, const char *name)
{
	json_t *v = json_object_get(req->body, name);

	if (json_is_boolean(v))
		return json_integer(json_is_true(v));
	return v ? json_incref(v) : json_null();
}

static int conflict(struct api_req *req)
{
	return api_fail(req, 409, "conflict", "extension number '%s' is "
			"taken", body_str(req, "number", ""));
}

HANDLER(extensions_create)
{
	char id[ID_LEN], password[33];
	char *tp, *cidrs, *cod, *algs;
	json_int_t now = now_ms();
	json_t *row = NULL, *mc, *en;
	int err = check_body(req, true);

	if (!err)
		err = check_not_self(req, NULL);
	if (!err)
		err = dialplan_number_free(db, req, body_str(req, "number", ""),
					   NULL);
	if (err)
		return err;
	id_new(id);
	random_hex(password, 8);
	tp = list_text(req, "transports");
	cidrs = list_text(req, "allowed_cidrs");
	cod = list_text(req, "codecs");
	algs = list_text(req, "auth_algorithms");
	mc = json_object_get(req->body, "max_contacts");
	en = json_object_get(req->body, "enabled");
	err = db_exec(db, "INSERT INTO extensions (id, tenant_id, number, "
		      "password, display_name, transports, allowed_cidrs, "
		      "max_contacts, codecs, dial_permission, auth_algorithms, "
		      "enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, "
		      "COALESCE(?, '[\"udp\",\"tcp\",\"tls\",\"ws\",\"wss\"]'), "
		      "COALESCE(?, '[]'), ?, "
		      "COALESCE(?, '[\"PCMU\",\"PCMA\",\"G722\",\"opus\"]'), "
		      "?, COALESCE(?, '[\"MD5\"]'), ?, ?, ?)",
		      json_pack("[sssss?s?s?Is?ss?bII]", id, req->who.tenant_id,
				body_str(req, "number", ""),
				body_str(req, "password", password),
				body_str(req, "display_name", ""), tp, cidrs,
				mc ? json_integer_value(mc) : (json_int_t)3,
				cod, body_str(req, "dial_permission", "local"),
				algs, !en || json_is_true(en), now, now));
	free(tp);
	free(cidrs);
	free(cod);
	free(algs);
	if (err == EEXIST)
		return conflict(req);
	if (!err)
		err = set_features(db, req, id);
	if (!err)
		err = load(db, req, id, &row);
	if (!err)
		err = oplog_write(db, req, "create", "extensions", id, NULL,
				  row);
	if (!err)
		err = add_password(db, req, row);
	if (err) {
		json_decref(row);
		return err;
	}
	return api_ok(req, 201, row);
}

HANDLER(extensions_update)
{
	json_t *before = NULL, *after = NULL;
	char *tp = NULL, *cidrs = NULL, *cod = NULL, *algs = NULL;
	int err = check_body(req, false);

	if (!err)
		err = load(db, req, req->id, &before);
	if (!err)
		err = check_not_self(req, json_string_value(
					     json_object_get(before, "number")));
	if (!err && body_str(req, "number", NULL))
		err = dialplan_number_free(db, req, body_str(req, "number", ""),
					   req->id);
	if (err)
		goto out;
	tp = list_text(req, "transports");
	cidrs = list_text(req, "allowed_cidrs");
	cod = list_text(req, "codecs");
	algs = list_text(req, "auth_algorithms");
	err = db_exec(db, "UPDATE extensions SET number = COALESCE(?, number), "
		      "password = COALESCE(?, password), "
		      "display_name = COALESCE(?, display_name), "
		      "transports = COALESCE(?, transports), "
		      "allowed_cidrs = COALESCE(?, allowed_cidrs), "
		      "max_contacts = COALESCE(?, max_contacts), "
		      "codecs = COALESCE(?, codecs), "
		      "dial_permission = COALESCE(?, dial_permission), "
		      "auth_algorithms = COALESCE(?, auth_algorithms), "
		      "enabled = COALESCE(?, enabled), updated_at = ? "
		      "WHERE id = ? AND tenant_id = ?",
		      json_pack("[s?s?s?s?s?os?s?s?oIss]",
				body_str(req, "number", NULL),
				body_str(req, "password", NULL),
				body_str(req, "display_name", NULL), tp, cidrs,
				int_or_null(req, "max_contacts"), cod,
				body_str(req, "dial_permission", NULL), algs,
				int_or_null(req, "enabled"),
				(json_int_t)now_ms(), req->id,
				req->who.tenant_id));
	if (err == EEXIST) {
		err = conflict(req);
		goto out;
	}
	if (!err)
		err = set_features(db, req, req->id);
	if (!err)
		err = load(db, req, req->id, &after);
	if (!err)
		err = oplog_write(db, req, "update", "extensions", req->id,
				  before, after);
	if (!err)
		err = add_password(db, req, after);
out:
	free(tp);
	free(cidrs);
	free(cod);
	free(algs);
	json_decref(before);
	return err ? (json_decref(after), err) : api_ok(req, 200, after);
}

/* An extension with a voicemail box keeps it (and its messages) until the
   box is deleted on purpose. */
static int refuse_with_box(struct db *db, struct api_req *req)
{
	json_t *row = NULL;
	int err = db_query_one(db, &row, "SELECT id FROM voicemail_boxes "
			       "WHERE extension_id = ? AND tenant_id = ?",
			       json_pack("[ss]", req->id, req->who.tenant_id));

	json_decref(row);
	if (err == ENOENT)
		return 0;
	return err ? err : api_fail(req, 409, "in_use", "the extension has a "
				    "voicemail box: delete the box (and its "
				    "messages) first");
}

HANDLER(extensions_delete)
{
	json_t *before = NULL;
	int err = load(db, req, req->id, &before);

	if (!err)
		err = refuse_with_box(db, req);
	if (!err)
		err = db_exec(db, "DELETE FROM registrations WHERE "
			      "extension_id = ? AND tenant_id = ?",
			      json_pack("[ss]", req->id, req->who.tenant_id));
	if (!err)
		err = db_exec(db, "DELETE FROM extensions WHERE id = ? AND "
			      "tenant_id = ?",
			      json_pack("[ss]", req->id, req->who.tenant_id));
	if (!err)
		err = oplog_write(db, req, "delete", "extensions", req->id,
				  before, NULL);
	json_decref(before);
	return err ? err : api_ok(req, 204, NULL);
}
