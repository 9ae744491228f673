/*
 * rows.c — small helpers shared by the resource handlers: responses,
 * turning stored columns into API JSON, and the operation log.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "../core/log.h"

int api_fail(struct api_req *req, uint16_t status, const char *code,
	     const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_decref(req->resp);
	req->status = status;
	req->resp = json_pack("{s{ssss}}", "error", "code", code, "message",
			      msg);
	return API_HANDLED;
}

/* Takes ownership of body (NULL: no body, e.g. 204). */
int api_ok(struct api_req *req, uint16_t status, json_t *body)
{
	json_decref(req->resp);
	req->status = status;
	req->resp = body;
	return 0;
}

int api_ok_bytes(struct api_req *req, const char *ctype, void *data,
		 size_t len)
{
	json_decref(req->resp);
	req->resp = NULL;
	free(req->bytes);
	req->status = 200;
	req->bytes = data;
	req->bytes_len = len;
	req->bytes_type = ctype;
	return 0;
}

/* Turns a store error a handler passed up into a response. */
int api_status_for(int err, struct api_req *req)
{
	switch (err) {
	case 0:
	case API_HANDLED:
		return err;
	case ENOENT:
		return api_fail(req, 404, "not_found", "no %.*s with id '%s'",
				req->route ? (int)strcspn(req->route->name, ".")
					   : 3,
				req->route ? req->route->name : "row",
				req->id ? req->id : "");
	case EEXIST:
		return api_fail(req, 409, "conflict",
				"a row with the same name already exists");
	case EBUSY:
		return api_fail(req, 409, "conflict",
				"the row is still referenced by others");
	case ESHUTDOWN:
		return api_fail(req, 503, "unavailable", "shutting down");
	default:
		log_error("api", "%s %s: store error %d", req->method,
			  req->path, err);
		return api_fail(req, 500, "internal", "internal error");
	}
}

void row_bool(json_t *row, const char *name)
{
	json_t *v = json_object_get(row, name);

	if (json_is_integer(v))
		json_object_set_new(row, name,
				    json_boolean(json_integer_value(v) != 0));
}

void row_json(json_t *row, const char *name)
{
	json_t *v = json_object_get(row, name);
	json_t *parsed;

	if (!json_is_string(v))
		return;
	parsed = json_loads(json_string_value(v), JSON_DECODE_ANY, NULL);
	json_object_set_new(row, name, parsed ? parsed : json_null());
}

static char *dump_or_null(json_t *v)
{
	return v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

int oplog_write(struct db *db, const struct api_req *req, const char *action,
		const char *resource, const char *resource_id,
		json_t *before, json_t *after)
{
	char id[ID_LEN];
	char *b = dump_or_null(before), *a = dump_or_null(after);
	json_t *params;
	int err;

	id_new(id);
	params = json_pack("[sssssss?s?s?sI]", id, req->who.tenant_id,
			   req->who.user_id[0] ? req->who.user_id : "",
			   req->who.username, action, resource, resource_id,
			   b, a, req->ip, (json_int_t)now_ms());
	err = params ? db_exec(db, "INSERT INTO op_log (id, tenant_id, "
			       "user_id, username, action, resource, "
			       "resource_id, before, after, ip, created_at) "
			       "VALUES (?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?, "
			       "?, ?, ?)", params)
		     : ENOMEM;
	free(b);
	free(a);
	return err;
}
