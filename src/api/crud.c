/*
 * crud.c — the shared create/read/update/delete of the telephony
 * resources (see crud.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crud.h"

enum { SQL_MAX = 2048 };

static const struct crud_col *find_col(const struct crud_spec *spec,
				       const char *name)
{
	for (const struct crud_col *c = spec->cols; c->name; c++) {
		if (!strcmp(c->name, name))
			return c;
	}
	return NULL;
}

static bool is_json_kind(enum col_kind k)
{
	return k == C_STRINGS || k == C_ARRAY || k == C_OBJECT;
}

static const char *kind_name(enum col_kind k)
{
	switch (k) {
	case C_TEXT:      return "a string";
	case C_TEXT_NULL: return "a string or null";
	case C_INT:       return "an integer";
	case C_BOOL:      return "true or false";
	case C_STRINGS:   return "an array of strings";
	case C_ARRAY:     return "an array";
	case C_OBJECT:    return "an object";
	}
	return "?";
}

static bool kind_ok(enum col_kind k, json_t *v)
{
	size_t i;
	json_t *e;

	switch (k) {
	case C_TEXT:      return json_is_string(v);
	case C_TEXT_NULL: return json_is_string(v) || json_is_null(v);
	case C_INT:       return json_is_integer(v);
	case C_BOOL:      return json_is_boolean(v);
	case C_ARRAY:     return json_is_array(v);
	case C_OBJECT:    return json_is_object(v);
	case C_STRINGS:
		if (!json_is_array(v))
			return false;
		json_array_foreach(v, i, e) {
			if (!json_is_string(e))
				return false;
		}
		return true;
	}
	return false;
}

static int range_check(struct api_req *req, const struct crud_col *c,
		       json_t *v)
{
	long n;

	if (c->min == 0 && c->max == 0)
		return 0;
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < c->min || i > c->max)
			return api_fail(req, 400, "invalid_field",
					"field '%s': must be from %ld to %ld",
					c->name, c->min, c->max);
		return 0;
	}
	if (json_is_string(v))
		n = (long)json_string_length(v);
	else if (json_is_array(v))
		n = (long)json_array_size(v);
	else
		return 0;
	if (n < c->min || n > c->max)
		return api_fail(req, 400, "invalid_field",
				"field '%s': must have %ld-%ld %s", c->name,
				c->min, c->max, json_is_array(v) ? "entries"
				: "characters");
	return 0;
}

static int body_valid(struct api_req *req, const struct crud_spec *spec,
		      bool creating)
{
	const char *key;
	json_t *v;
	int err;

	if (!json_is_object(req->body))
		return api_fail(req, 400, "bad_json",
				"a JSON object body is required");
	json_object_foreach(req->body, key, v) {
		const struct crud_col *c = find_col(spec, key);

		if (!c || c->internal)
			return api_fail(req, 400, "unknown_field",
					"unknown field '%s'", key);
		if (!kind_ok(c->kind, v))
			return api_fail(req, 400, "invalid_field",
					"field '%s': must be %s", key,
					kind_name(c->kind));
		err = range_check(req, c, v);
		if (err)
			return err;
	}
	for (const struct crud_col *c = spec->cols; creating && c->name; c++) {
		if (c->required && !json_object_get(req->body, c->name))
			return api_fail(req, 400, "missing_field",
					"field '%s' is required", c->name);
	}
	return 0;
}

/* The value as stored. */
static json_t *stored(const struct crud_col *c, json_t *v)
{
	if (!v || json_is_null(v))
		return json_null();
	if (c->kind == C_BOOL)
		return json_integer(json_is_true(v));
	if (is_json_kind(c->kind)) {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		json_t *out = s ? json_string(s) : json_null();

		free(s);
		return out;
	}
	return json_incref(v);
}

void crud_fix(const struct crud_spec *spec, json_t *row)
{
	for (const struct crud_col *c = spec->cols; c->name; c++) {
		if (c->kind == C_BOOL)
			row_bool(row, c->name);
		else if (is_json_kind(c->kind))
			row_json(row, c->name);
	}
	if (spec->fix)
		spec->fix(row);
}

static int load(struct db *db, struct api_req *req,
		const struct crud_spec *spec, const char *id, json_t **rowp)
{
	char sql[SQL_MAX];
	int err;

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE id = ? AND "
		 "tenant_id = ?", spec->select,
		 spec->from ? spec->from : spec->table);
	err = db_query_one(db, rowp, sql, json_pack("[ss]", id,
						    req->who.tenant_id));
	if (!err)
		crud_fix(spec, *rowp);
	return err;
}

int crud_get(struct db *db, struct api_req *req,
	     const struct crud_spec *spec)
{
	json_t *row = NULL;
	int err = load(db, req, spec, req->id, &row);

	return err ? err : api_ok(req, 200, row);
}

/* The row as it will be: defaults or the stored row, then the body. */
static json_t *merged_row(const struct crud_spec *spec, json_t *before,
			  json_t *body)
{
	json_t *row = before ? json_deep_copy(before) : json_object();

	for (const struct crud_col *c = spec->cols; !before && c->name; c++) {
		json_t *d = c->def ? json_loads(c->def, JSON_DECODE_ANY, NULL)
				   : NULL;

		if (d)
			json_object_set_new(row, c->name, d);
	}
	json_object_update(row, body);
	return row;
}

static int conflict(struct api_req *req, const struct crud_spec *spec,
		    json_t *row)
{
	const char *v = json_string_value(json_object_get(row, spec->unique));

	return api_fail(req, 409, "conflict", "%s %s '%s' already exists",
			spec->what, spec->unique, v ? v : "");
}

static int insert(struct db *db, struct api_req *req,
		  const struct crud_spec *spec, const char *id, json_t *row)
{
	char sql[SQL_MAX], cols[1024] = "", marks[512] = "";
	json_int_t now = now_ms();
	json_t *params = json_pack("[ss]", id, req->who.tenant_id);
	size_t cl = 0, ml = 0;

	for (const struct crud_col *c = spec->cols; c->name; c++) {
		cl += (size_t)snprintf(cols + cl, sizeof(cols) - cl, "%s, ",
				       c->name);
		ml += (size_t)snprintf(marks + ml, sizeof(marks) - ml, "?, ");
		json_array_append_new(params, stored(c, json_object_get(row,
								c->name)));
	}
	json_array_append_new(params, json_integer(now));
	json_array_append_new(params, json_integer(now));
	snprintf(sql, sizeof(sql), "INSERT INTO %s (id, tenant_id, %s"
		 "created_at, updated_at) VALUES (?, ?, %s?, ?)", spec->table,
		 cols, marks);
	return db_exec(db, sql, params);
}

int crud_create(struct db *db, struct api_req *req,
		const struct crud_spec *spec)
{
	char id[ID_LEN];
	json_t *row = NULL, *merged;
	int err = body_valid(req, spec, true);

	if (err)
		return err;
	merged = merged_row(spec, NULL, req->body);
	err = spec->check ? spec->check(db, req, merged, true) : 0;
	id_new(id);
	if (!err)
		err = insert(db, req, spec, id, merged);
	if (err == EEXIST)
		err = conflict(req, spec, merged);
	json_decref(merged);
	if (!err)
		err = load(db, req, spec, id, &row);
	if (!err)
		err = oplog_write(db, req, "create", spec->table, id, NULL,
				  row);
	if (err) {
		json_decref(row);
		return err;
	}
	return api_ok(req, 201, row);
}

static int update_row(struct db *db, struct api_req *req,
		      const struct crud_spec *spec, json_t *merged)
{
	char sql[SQL_MAX], sets[1024] = "";
	json_t *params = json_array(), *v;
	const char *key;
	size_t sl = 0;

	json_object_foreach(req->body, key, v) {
		const struct crud_col *c = find_col(spec, key);

		sl += (size_t)snprintf(sets + sl, sizeof(sets) - sl, "%s = ?, ",
				       c->name);
		json_array_append_new(params, stored(c, v));
	}
	for (const struct crud_col *c = spec->cols; c->name; c++) {
		if (!c->internal)
			continue;
		sl += (size_t)snprintf(sets + sl, sizeof(sets) - sl, "%s = ?, ",
				       c->name);
		json_array_append_new(params, stored(c, json_object_get(merged,
								c->name)));
	}
	json_array_append_new(params, json_integer(now_ms()));
	json_array_append_new(params, json_string(req->id));
	json_array_append_new(params, json_string(req->who.tenant_id));
	snprintf(sql, sizeof(sql), "UPDATE %s SET %supdated_at = ? WHERE "
		 "id = ? AND tenant_id = ?", spec->table, sets);
	return db_exec(db, sql, params);
}

int crud_update(struct db *db, struct api_req *req,
		const struct crud_spec *spec)
{
	json_t *before = NULL, *after = NULL, *merged = NULL;
	int err = body_valid(req, spec, false);

	if (!err)
		err = load(db, req, spec, req->id, &before);
	if (err)
		return err;
	merged = merged_row(spec, before, req->body);
	err = spec->check ? spec->check(db, req, merged, false) : 0;
	if (!err)
		err = update_row(db, req, spec, merged);
	if (err == EEXIST)
		err = conflict(req, spec, merged);
	if (!err)
		err = load(db, req, spec, req->id, &after);
	if (!err)
		err = oplog_write(db, req, "update", spec->table, req->id,
				  before, after);
	json_decref(before);
	json_decref(merged);
	if (err) {
		json_decref(after);
		return err;
	}
	return api_ok(req, 200, after);
}

int crud_delete(struct db *db, struct api_req *req,
		const struct crud_spec *spec)
{
	char sql[SQL_MAX];
	json_t *before = NULL;
	int err = load(db, req, spec, req->id, &before);

	if (!err && spec->pre_delete)
		err = spec->pre_delete(db, req);
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id = ? AND "
		 "tenant_id = ?", spec->table);
	if (!err)
		err = db_exec(db, sql, json_pack("[ss]", req->id,
						 req->who.tenant_id));
	if (err == EBUSY)
		err = api_fail(req, 409, "in_use", "the %s is still used (by "
			       "numbers, routes or other rows)", spec->what);
	if (!err)
		err = oplog_write(db, req, "delete", spec->table, req->id,
				  before, NULL);
	json_decref(before);
	return err ? err : api_ok(req, 204, NULL);
}

int crud_reveal(struct db *db, struct api_req *req,
		const struct crud_spec *spec, const char *cols,
		const char *perm, int err)
{
	char sql[SQL_MAX];
	json_t *row = NULL;
	const char *id = json_string_value(json_object_get(req->resp, "id"));

	if (err || !id || !principal_can(&req->who, perm, true))
		return err;
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE id = ? AND "
		 "tenant_id = ?", cols, spec->table);
	err = db_query_one(db, &row, sql, json_pack("[ss]", id,
						    req->who.tenant_id));
	if (!err)
		json_object_update(req->resp, row);
	json_decref(row);
	return err;
}

bool crud_in_set(const char *const *set, const char *s)
{
	for (; s && *set; set++) {
		if (!strcmp(*set, s))
			return true;
	}
	return false;
}

int crud_check_ref(struct db *db, struct api_req *req, const char *table,
		   const char *field, const char *id)
{
	char sql[256];
	json_t *row = NULL;
	int err;

	snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE id = ? AND "
		 "tenant_id = ?", table);
	err = db_query_one(db, &row, sql, json_pack("[ss]", id,
						    req->who.tenant_id));
	json_decref(row);
	if (err == ENOENT)
		return api_fail(req, 400, "invalid_field", "field '%s': no "
				"%s with id '%s'", field, table, id);
	return err;
}

bool crud_digits(const char *s, size_t min, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (!s || n < min || n > max)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
	}
	return true;
}

bool crud_number_valid(const char *s, bool allow_star)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > 32)
		return false;
	if (*s == '+')
		s++;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			continue;
		if (allow_star && *s == '*' && !s[1])
			continue;
		return false;
	}
	return true;
}

int crud_refuse_if_used(struct db *db, struct api_req *req,
			  const char *sql, const char *what)
{
	char pattern[64];
	json_t *row = NULL;
	int err;

	snprintf(pattern, sizeof(pattern), "%%\"%s\"%%", req->id);
	err = db_query_one(db, &row, sql, json_pack("[ss]",
				   req->who.tenant_id, pattern));
	if (err == ENOENT)
		return 0;
	if (!err)
		err = api_fail(req, 409, "in_use", "%s '%s' uses it", what,
			       json_string_value(json_object_get(row,
								 "name")));
	json_decref(row);
	return err;
}
