/*
 * validate.c — check a JSON request body against a table of fields:
 * unknown fields, wrong types, missing required fields and out-of-range
 * values each get their own 400 with the field's name.
 */
#include <string.h>
#include "api.h"

static const struct field_spec *find_field(const struct field_spec *fields,
					   const char *name)
{
	for (; fields->name; fields++) {
		if (!strcmp(fields->name, name))
			return fields;
	}
	return NULL;
}

static const char *type_name(enum field_type t)
{
	switch (t) {
	case F_STRING:         return "a string";
	case F_STRING_OR_NULL: return "a string or null";
	case F_INTEGER:        return "an integer";
	case F_BOOLEAN:        return "true or false";
	case F_STRING_ARRAY:   return "an array of strings";
	case F_OBJECT:         return "an object";
	}
	return "?";
}

static bool type_ok(enum field_type t, json_t *v)
{
	size_t i;
	json_t *e;

	switch (t) {
	case F_STRING:         return json_is_string(v);
	case F_STRING_OR_NULL: return json_is_string(v) || json_is_null(v);
	case F_INTEGER:        return json_is_integer(v);
	case F_BOOLEAN:        return json_is_boolean(v);
	case F_OBJECT:         return json_is_object(v);
	case F_STRING_ARRAY:
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

static int range_check(struct api_req *req, const struct field_spec *f,
		       json_t *v)
{
	if (f->min == 0 && f->max == 0)
		return 0;
	if (json_is_string(v)) {
		size_t len = json_string_length(v);

		if ((long)len < f->min || (long)len > f->max)
			return api_fail(req, 400, "invalid_field",
					"field '%s': must be %ld-%ld characters",
					f->name, f->min, f->max);
	} else if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		if (n < f->min || n > f->max)
			return api_fail(req, 400, "invalid_field",
					"field '%s': must be from %ld to %ld",
					f->name, f->min, f->max);
	}
	return 0;
}

int body_check(struct api_req *req, const struct field_spec *fields,
	       bool creating)
{
	const char *key;
	json_t *v;
	int err;

	if (!req->body)
		return api_fail(req, 400, "bad_json",
				"a JSON object body is required");
	json_object_foreach(req->body, key, v) {
		const struct field_spec *f = find_field(fields, key);

		if (!f)
			return api_fail(req, 400, "unknown_field",
					"unknown field '%s'", key);
		if (!type_ok(f->type, v))
			return api_fail(req, 400, "invalid_field",
					"field '%s': must be %s", key,
					type_name(f->type));
		err = range_check(req, f, v);
		if (err)
			return err;
	}
	if (!creating)
		return 0;
	for (; fields->name; fields++) {
		if (fields->required && !json_object_get(req->body, fields->name))
			return api_fail(req, 400, "missing_field",
					"field '%s' is required", fields->name);
	}
	return 0;
}

const char *body_str(const struct api_req *req, const char *name,
		     const char *def)
{
	json_t *v = req->body ? json_object_get(req->body, name) : NULL;

	return json_is_string(v) ? json_string_value(v) : def;
}
