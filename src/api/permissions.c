/*
 * permissions.c — the menu permission catalogue and what a principal may do.
 *
 * A menu key guards one console menu and its API resources. Modules add
 * their keys here as they are built; the console shows a menu only when the
 * user holds its key (read-only or read-write).
 */
#include <string.h>
#include "api.h"

struct perm_def {
	const char *key;
	const char *module;
};

static const struct perm_def catalogue[] = {
	{"departments", "platform"},
	{"users", "platform"},
	{"roles", "platform"},
	{"api_keys", "platform"},
	{"security", "platform"},
	{"logs", "platform"},
	{"extensions", "telephony"},
	{"trunks", "telephony"},
	{"numbers", "telephony"},
	{"routes", "telephony"},
	{"time_groups", "telephony"},
	{"lists", "telephony"},
	{"speed_dials", "telephony"},
	{"tts", "telephony"},
	{"conferences", "telephony"},
	{"voicemail", "telephony"},
	{"ivr", "telephony"},
	{"agents", "acd"},
	{"queues", "acd"},
	{"monitor", "acd"},
	{"workbench", "acd"},
	{"calls", "records"},
	{"recordings", "records"},
	{"voices", "media"},
	{"moh", "media"},
	{NULL, NULL},
};

bool perm_key_valid(const char *key)
{
	for (const struct perm_def *p = catalogue; p->key; p++) {
		if (!strcmp(p->key, key))
			return true;
	}
	return false;
}

json_t *perm_all_rw(void)
{
	json_t *perms = json_object();

	for (const struct perm_def *p = catalogue; p->key; p++)
		json_object_set_new(perms, p->key, json_string("rw"));
	return perms;
}

bool principal_can(const struct principal *p, const char *perm, bool write)
{
	const char *level = json_string_value(json_object_get(p->perms, perm));

	if (!level)
		return false;
	return !write || !strcmp(level, "rw");
}

static bool path_has(const char *path, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = path; n && (p = strstr(p, id)); p += n) {
		bool starts = p == path || p[-1] == ',';
		bool ends = p[n] == '\0' || p[n] == ',';

		if (starts && ends)
			return true;
	}
	return false;
}

bool principal_scopes(const struct principal *p, const char *dept_id,
		      const char *dept_path)
{
	if (p->scope == SCOPE_TENANT)
		return true;
	if (!p->department_id[0])
		return !dept_id[0];
	if (p->scope == SCOPE_DEPARTMENT)
		return !strcmp(dept_id, p->department_id);
	return path_has(dept_path, p->department_id);
}

const char *principal_scope_sql(const struct principal *p,
				json_t **paramsp)
{
	*paramsp = NULL;
	if (p->scope == SCOPE_TENANT)
		return NULL;
	if (!p->department_id[0])
		return "department_id IS NULL";
	*paramsp = json_pack("[s]", p->department_id);
	if (p->scope == SCOPE_DEPARTMENT)
		return "department_id = ?";
	return "department_id IN (" API_DEPT_TREE ")";
}

HANDLER(permissions_list)
{
	json_t *items = json_array();

	(void)db;
	for (const struct perm_def *p = catalogue; p->key; p++)
		json_array_append_new(items, json_pack("{ssss}", "key", p->key,
						       "module", p->module));
	return api_ok(req, 200, json_pack("{so}", "items", items));
}

/* Role bodies: permissions must name known keys with "ro" or "rw". */
int role_body_check(struct api_req *req)
{
	json_t *perms = json_object_get(req->body, "permissions");
	const char *scope = body_str(req, "data_scope", NULL);
	const char *key;
	json_t *v;

	json_object_foreach(perms, key, v) {
		const char *level = json_string_value(v);

		if (!perm_key_valid(key))
			return api_fail(req, 400, "invalid_field",
					"field 'permissions': unknown menu "
					"'%s'", key);
		if (!level || (strcmp(level, "ro") && strcmp(level, "rw")))
			return api_fail(req, 400, "invalid_field",
					"field 'permissions': '%s' must be "
					"\"ro\" or \"rw\"", key);
	}
	if (scope && strcmp(scope, "department") &&
	    strcmp(scope, "department_tree") && strcmp(scope, "tenant"))
		return api_fail(req, 400, "invalid_field",
				"field 'data_scope': must be department, "
				"department_tree or tenant");
	return 0;
}
