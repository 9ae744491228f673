/*
 * trunks.c — the tenant's SIP trunks: "register" trunks (hotlined
 * registers to the carrier with credentials) and "peer" trunks (IP
 * peering: calls accepted from peer_cidrs). The password is write-only;
 * reads show has_password and the live registration state (trunk_status,
 * written by src/sip/trunk_reg.c). `record` says whether its calls are
 * recorded (inherit the tenant's policy, always, never). Changes reload
 * the directory.
 */
#include <errno.h>
#include <string.h>
#include "crud.h"

#define SELECT "id, name, type, host, port, transport, username, " \
	"auth_username, realm, expires, outbound_proxy, peer_cidrs, codecs, " \
	"caller_id_format, country_code, max_calls, failover_group, enabled, " \
	"record, has_password, status_state, status_code, status_reason, " \
	"status_at, " \
	"created_at, updated_at"
#define FROM "(SELECT t.*, CASE WHEN t.password <> '' THEN 1 ELSE 0 END " \
	"AS has_password, s.state AS status_state, s.code AS status_code, " \
	"s.reason AS status_reason, s.updated_at AS status_at FROM trunks t " \
	"LEFT JOIN trunk_status s ON s.trunk_id = t.id) x"

static const struct crud_col cols[] = {
	{"name", C_TEXT, true, 1, 128, NULL, false, false},
	{"type", C_TEXT, true, 0, 0, NULL, false, false},
	{"host", C_TEXT, true, 1, 255, NULL, false, false},
	{"port", C_INT, false, 1, 65535, "5060", false, false},
	{"transport", C_TEXT, false, 0, 0, "\"udp\"", false, false},
	{"username", C_TEXT, false, 0, 128, "\"\"", false, false},
	{"auth_username", C_TEXT, false, 0, 128, "\"\"", false, false},
	{"password", C_TEXT, false, 0, 128, "\"\"", true, false},
	{"realm", C_TEXT, false, 0, 128, "\"\"", false, false},
	{"expires", C_INT, false, 60, 86400, "3600", false, false},
	{"outbound_proxy", C_TEXT, false, 0, 255, "\"\"", false, false},
	{"peer_cidrs", C_STRINGS, false, 0, 64, "[]", false, false},
	{"codecs", C_STRINGS, false, 1, 8, "[\"PCMU\",\"PCMA\"]", false, false},
	{"caller_id_format", C_TEXT, false, 0, 0, "\"as_is\"", false, false},
	{"country_code", C_TEXT, false, 0, 4, "\"\"", false, false},
	{"max_calls", C_INT, false, 0, 100000, "0", false, false},
	{"failover_group", C_TEXT, false, 0, 64, "\"\"", false, false},
	{"enabled", C_BOOL, false, 0, 0, "true", false, false},
	{"record", C_TEXT, false, 0, 0, "\"inherit\"", false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};

static const char *const types[] = {"register", "peer", NULL};
static const char *const transports[] = {"udp", "tcp", "tls", NULL};
static const char *const formats[] = {"as_is", "e164", "national", NULL};
static const char *const codecs[] = {"PCMU", "PCMA", "G722", "opus", "G729",
				     NULL};
static const char *const record_modes[] = {"inherit", "always", "never",
					   NULL};

static const char *str(json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));

	return s ? s : "";
}

static bool host_valid(const char *h)
{
	return *h && strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
			    "TUVWXYZ0123456789.-:[]") == strlen(h);
}

static int check_lists(struct api_req *req, json_t *row)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(row, "codecs"), i, v) {
		if (!crud_in_set(codecs, json_string_value(v)))
			return api_fail(req, 400, "invalid_field", "field "
					"'codecs': unknown codec '%s'",
					json_string_value(v));
	}
	json_array_foreach(json_object_get(row, "peer_cidrs"), i, v) {
		if (!cidr_valid(json_string_value(v)))
			return api_fail(req, 400, "invalid_field", "field "
					"'peer_cidrs': bad CIDR '%s'",
					json_string_value(v));
	}
	return 0;
}

static int check_type(struct api_req *req, json_t *row)
{
	bool has_pw = *body_str(req, "password", "") ||
		json_is_true(json_object_get(row, "has_password"));

	if (!strcmp(str(row, "type"), "register")) {
		if (!*str(row, "username"))
			return api_fail(req, 400, "invalid_field", "field "
					"'username': required for a register "
					"trunk");
		if (!has_pw)
			return api_fail(req, 400, "invalid_field", "field "
					"'password': required for a register "
					"trunk");
		return 0;
	}
	if (!json_array_size(json_object_get(row, "peer_cidrs")))
		return api_fail(req, 400, "invalid_field", "field "
				"'peer_cidrs': a peer trunk needs at least "
				"one address block");
	return 0;
}

static int check(struct db *db, struct api_req *req, json_t *row,
		 bool creating)
{
	(void)db;
	(void)creating;
	if (!crud_in_set(types, str(row, "type")))
		return api_fail(req, 400, "invalid_field", "field 'type': "
				"must be register or peer");
	if (!crud_in_set(transports, str(row, "transport")))
		return api_fail(req, 400, "invalid_field", "field "
				"'transport': must be udp, tcp or tls");
	if (!crud_in_set(formats, str(row, "caller_id_format")))
		return api_fail(req, 400, "invalid_field", "field "
				"'caller_id_format': must be e164, national "
				"or as_is");
	if (!crud_in_set(record_modes, str(row, "record")))
		return api_fail(req, 400, "invalid_field", "field 'record': "
				"must be inherit (the tenant's recording "
				"policy), always or never");
	if (!host_valid(str(row, "host")))
		return api_fail(req, 400, "invalid_field", "field 'host': a "
				"host name or IP address");
	if (strspn(str(row, "country_code"), "0123456789") !=
	    strlen(str(row, "country_code")))
		return api_fail(req, 400, "invalid_field", "field "
				"'country_code': digits only");
	if (strpbrk(str(row, "username"), " \t\"<>@:;") ||
	    strpbrk(str(row, "auth_username"), " \t\"\\") ||
	    strpbrk(body_str(req, "password", ""), "\"\\\r\n"))
		return api_fail(req, 400, "invalid_field", "field "
				"'username'/'auth_username'/'password': no "
				"spaces, quotes or separators");
	int err = check_lists(req, row);

	return err ? err : check_type(req, row);
}

static int pre_delete(struct db *db, struct api_req *req)
{
	char like[ID_LEN + 4];
	json_t *rows = NULL;
	int err;

	snprintf(like, sizeof(like), "%%\"%s\"%%", req->id);
	err = db_query(db, &rows, "SELECT name FROM outbound_routes WHERE "
		       "tenant_id = ? AND trunk_ids LIKE ?",
		       json_pack("[ss]", req->who.tenant_id, like));
	if (!err && json_array_size(rows))
		err = api_fail(req, 409, "in_use", "the trunk is used by "
			       "outbound route '%s'",
			       str(json_array_get(rows, 0), "name"));
	json_decref(rows);
	return err;
}

static void fix(json_t *row)
{
	json_t *state = json_object_get(row, "status_state");

	row_bool(row, "has_password");
	if (json_is_string(state))
		json_object_set_new(row, "status", json_pack("{sOsOsOsO}",
			"state", state,
			"code", json_object_get(row, "status_code"),
			"reason", json_object_get(row, "status_reason"),
			"updated_at", json_object_get(row, "status_at")));
	else
		json_object_set_new(row, "status", json_null());
	json_object_del(row, "status_state");
	json_object_del(row, "status_code");
	json_object_del(row, "status_reason");
	json_object_del(row, "status_at");
}

static const struct crud_spec spec = {
	"trunks", "trunk", FROM, SELECT, cols, "name", check, pre_delete,
	fix,
};

static const char *const sortable[] = {"name", "created_at", "updated_at",
				       NULL};
static const char *const text_columns[] = {"name", "host", NULL};
static const struct list_filter filters[] = {
	{"type", "type", F_STRING, NULL},
	{"enabled", "enabled", F_BOOLEAN, NULL},
	{"failover_group", "failover_group", F_STRING, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec list = {
	FROM, SELECT, sortable, "name", false, text_columns, filters, false,
};

CRUD_HANDLERS(trunks, spec, list)
