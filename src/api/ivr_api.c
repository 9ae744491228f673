/*
 * ivr_api.c — IVR flows and their versions (docs/ivr.md): a flow is
 * created with a draft version 1 holding only a start node; drafts are
 * edited freely, published after validation (the compiler of src/ivr
 * says what is wrong, node by node), and a version once published is
 * frozen: changes go into a new version based on it. Publishing an older
 * version again is a rollback. The IVR report counts key presses per node
 * and anchor passes from the calls' IVR events.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "crud.h"
#include "../ivr/flow.h"

/* ---- flows ---- */

#define FLOW_SELECT "id, name, description, number, " \
	"published_version_id, published_version, created_at, updated_at"
#define FLOW_FROM "(SELECT f.*, v.version AS published_version FROM " \
	"ivr_flows f LEFT JOIN ivr_versions v ON v.id = " \
	"f.published_version_id) x"

static const struct crud_col flow_cols[] = {
	{"name", C_TEXT, true, 1, 128, NULL, false, false},
	{"description", C_TEXT, false, 0, 512, "\"\"", false, false},
	{"number", C_TEXT, false, 0, 8, "\"\"", false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};

static bool taken(struct db *db, const char *sql, json_t *params)
{
	json_t *row = NULL;
	int err = db_query_one(db, &row, sql, params);

	json_decref(row);
	return err == 0;
}

/* A flow's number must not be something else the tenant's phones dial. */
static int check_flow(struct db *db, struct api_req *req, json_t *row,
		      bool creating)
{
	const char *n = json_string_value(json_object_get(row, "number"));

	if (!*n)
		return 0;
	if (!crud_digits(n, 2, 8))
		return api_fail(req, 400, "invalid_field", "field 'number': "
				"2-8 digits");
	return dialplan_number_free(db, req, n, creating ? NULL : req->id);
}

static int flow_pre_delete(struct db *db, struct api_req *req)
{
	int err = crud_refuse_if_used(db, req, "SELECT name FROM "
				      "inbound_routes WHERE tenant_id = ? AND "
				      "destination LIKE ?", "inbound route");

	if (!err)       /* the pattern is %"<id>"%: the column quoted alike */
		err = crud_refuse_if_used(db, req, "SELECT name FROM queues "
					  "WHERE tenant_id = ? AND '\"' || "
					  "survey_flow_id || '\"' LIKE ?",
					  "the survey of queue");
	return err;
}

static const struct crud_spec flow_spec = {
	"ivr_flows", "IVR flow", FLOW_FROM, FLOW_SELECT, flow_cols, "name",
	check_flow, flow_pre_delete, NULL,
};

static const char *const flow_sortable[] = {"name", "number", "created_at",
					    "updated_at", NULL};
static const char *const flow_text[] = {"name", "description", "number",
					NULL};
static const struct list_filter flow_filters[] = {
	{"number", "number", F_STRING, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec flow_list = {
	FLOW_FROM, FLOW_SELECT, flow_sortable, "name", false, flow_text,
	flow_filters, false,
};

static void flow_fix(json_t *row)
{
	crud_fix(&flow_spec, row);
}

HANDLER(ivr_flows_list)
{
	return list_run(db, req, &flow_list, NULL, NULL, flow_fix);
}

HANDLER(ivr_flows_get) { return crud_get(db, req, &flow_spec); }
HANDLER(ivr_flows_update) { return crud_update(db, req, &flow_spec); }
HANDLER(ivr_flows_delete) { return crud_delete(db, req, &flow_spec); }

static int insert_version(struct db *db, const char *tenant_id,
			  const char *flow_id, int version, const char *note,
			  const char *based_on, const json_t *graph,
			  char id[ID_LEN])
{
	char *text = json_dumps(graph, JSON_COMPACT);
	json_int_t now = now_ms();
	int err;

	if (!text)
		return ENOMEM;
	id_new(id);
	err = db_exec(db, "INSERT INTO ivr_versions (id, tenant_id, flow_id, "
		      "version, note, based_on, graph, status, created_at, "
		      "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'draft', ?, "
		      "?)", json_pack("[sssisosII]", id, tenant_id, flow_id,
				      version, note, based_on
				      ? json_string(based_on) : json_null(),
				      text, now, now));
	free(text);
	return err;
}

HANDLER(ivr_flows_create)
{
	json_t *graph;
	char vid[ID_LEN];
	const char *id;
	int err = crud_create(db, req, &flow_spec);

	if (err)
		return err;
	id = json_string_value(json_object_get(req->resp, "id"));
	graph = ivr_graph_initial();
	err = insert_version(db, req->who.tenant_id, id, 1, "", NULL, graph,
			     vid);
	json_decref(graph);
	if (!err)
		json_object_set_new(req->resp, "draft_version_id",
				    json_string(vid));
	return err;
}

/* ---- versions ---- */

#define VERSION_SELECT "v.id, v.flow_id, f.name AS flow_name, v.version, " \
	"v.note, v.based_on, v.status, v.published_at, v.created_at, " \
	"v.updated_at"

static int flow_of_tenant(struct db *db, struct api_req *req,
			  const char *flow_id)
{
	json_t *row = NULL;
	int err = db_query_one(db, &row, "SELECT id FROM ivr_flows WHERE id "
			       "= ? AND tenant_id = ?",
			       json_pack("[ss]", flow_id, req->who.tenant_id));

	json_decref(row);
	if (err == ENOENT)
		return api_fail(req, 404, "not_found", "no such IVR flow");
	return err;
}

HANDLER(ivr_versions_list)
{
	json_t *rows = NULL;
	int err = flow_of_tenant(db, req, req->id);

	if (!err)
		err = db_query(db, &rows, "SELECT " VERSION_SELECT " FROM "
			       "ivr_versions v JOIN ivr_flows f ON f.id = "
			       "v.flow_id WHERE v.flow_id = ? AND v.tenant_id "
			       "= ? ORDER BY v.version DESC",
			       json_pack("[ss]", req->id, req->who.tenant_id));
	if (err)
		return err;
	return api_ok(req, 200, json_pack("{s:o,s:I}", "items", rows, "total",
					  (json_int_t)json_array_size(rows)));
}

/* A version of the caller's tenant, with its graph parsed. */
static int load_version(struct db *db, struct api_req *req, const char *id,
			json_t **rowp)
{
	json_t *row = NULL, *graph;
	int err = db_query_one(db, &row, "SELECT " VERSION_SELECT ", v.graph "
			       "FROM ivr_versions v JOIN ivr_flows f ON f.id "
			       "= v.flow_id WHERE v.id = ? AND v.tenant_id = "
			       "?", json_pack("[ss]", id, req->who.tenant_id));

	if (err == ENOENT)
		return api_fail(req, 404, "not_found", "no such IVR version");
	if (err)
		return err;
	graph = json_loads(json_string_value(json_object_get(row, "graph")),
			   0, NULL);
	json_object_set_new(row, "graph", graph ? graph : json_object());
	*rowp = row;
	return 0;
}

HANDLER(ivr_versions_create)
{
	const char *based_on = body_str(req, "based_on", NULL);
	const char *note = body_str(req, "note", "");
	json_t *src = NULL, *row = NULL, *v = NULL;
	char vid[ID_LEN];
	int err = flow_of_tenant(db, req, req->id);

	if (err)
		return err;
	if (req->body && ((json_object_get(req->body, "based_on") &&
			   !json_is_string(json_object_get(req->body,
							   "based_on"))) ||
			  strlen(note) > 256))
		return api_fail(req, 400, "invalid_field", "'based_on' is a "
				"version id, 'note' at most 256 characters");
	if (based_on)
		err = db_query_one(db, &src, "SELECT id, graph FROM "
				   "ivr_versions WHERE id = ? AND flow_id = ?",
				   json_pack("[ss]", based_on, req->id));
	else
		err = db_query_one(db, &src, "SELECT v.id, v.graph FROM "
				   "ivr_versions v JOIN ivr_flows f ON f.id = "
				   "v.flow_id WHERE v.flow_id = ? ORDER BY "
				   "(v.id = f.published_version_id) DESC, "
				   "v.version DESC LIMIT 1",
				   json_pack("[s]", req->id));
	if (err == ENOENT)
		return api_fail(req, 400, "invalid_field", "field 'based_on': "
				"no such version of this flow");
	if (!err)
		err = db_query_one(db, &v, "SELECT MAX(version) AS n FROM "
				   "ivr_versions WHERE flow_id = ?",
				   json_pack("[s]", req->id));
	if (!err) {
		json_t *graph = json_loads(json_string_value(json_object_get(
						   src, "graph")), 0, NULL);

		err = insert_version(db, req->who.tenant_id, req->id,
				     (int)json_integer_value(json_object_get(
					     v, "n")) + 1, note,
				     json_string_value(json_object_get(src,
								       "id")),
				     graph ? graph : ivr_graph_initial(), vid);
		json_decref(graph);
	}
	json_decref(src);
	json_decref(v);
	if (!err)
		err = load_version(db, req, vid, &row);
	if (!err)
		err = oplog_write(db, req, "create", "ivr_versions", vid, NULL,
				  row);
	if (err) {
		json_decref(row);
		return err;
	}
	return api_ok(req, 201, row);
}

HANDLER(ivr_versions_get)
{
	json_t *row = NULL;
	int err = load_version(db, req, req->id, &row);

	return err ? err : api_ok(req, 200, row);
}

static int frozen(struct api_req *req, const json_t *row)
{
	if (!strcmp(json_string_value(json_object_get(row, "status")),
		    "draft"))
		return 0;
	return api_fail(req, 409, "version_frozen", "version %lld has been "
			"published: make a new version based on it",
			(long long)json_integer_value(json_object_get(
				row, "version")));
}

HANDLER(ivr_versions_update)
{
	json_t *before = NULL, *after = NULL, *graph, *note;
	char *text = NULL;
	const char *k;
	json_t *v;
	int err;

	json_object_foreach(req->body, k, v) {
		if (strcmp(k, "graph") && strcmp(k, "note"))
			return api_fail(req, 400, "invalid_field", "unknown "
					"field '%s' (graph, note)", k);
	}
	graph = json_object_get(req->body, "graph");
	note = json_object_get(req->body, "note");
	if (graph && (!json_is_object(graph) ||
		      !json_is_array(json_object_get(graph, "nodes")) ||
		      json_array_size(json_object_get(graph, "nodes")) >
		      IVR_MAX_NODES))
		return api_fail(req, 400, "invalid_field", "field 'graph': an "
				"object with 'nodes', a list of at most %d "
				"nodes", IVR_MAX_NODES);
	if (note && (!json_is_string(note) ||
		     strlen(json_string_value(note)) > 256))
		return api_fail(req, 400, "invalid_field", "field 'note': at "
				"most 256 characters");
	err = load_version(db, req, req->id, &before);
	if (!err)
		err = frozen(req, before);
	if (!err && graph && !(text = json_dumps(graph, JSON_COMPACT)))
		err = ENOMEM;
	if (!err)
		err = db_exec(db, "UPDATE ivr_versions SET graph = COALESCE(?, "
			      "graph), note = COALESCE(?, note), updated_at = "
			      "? WHERE id = ?",
			      json_pack("[ooIs]", text ? json_string(text)
							: json_null(),
					note ? json_incref(note) : json_null(),
					now_ms(), req->id));
	free(text);
	if (!err)
		err = load_version(db, req, req->id, &after);
	if (!err)
		err = oplog_write(db, req, "update", "ivr_versions", req->id,
				  before, after);
	json_decref(before);
	if (err) {
		json_decref(after);
		return err;
	}
	return api_ok(req, 200, after);
}

HANDLER(ivr_versions_delete)
{
	json_t *row = NULL;
	int err = load_version(db, req, req->id, &row);

	if (!err)
		err = frozen(req, row);
	if (!err)
		err = db_exec(db, "DELETE FROM ivr_versions WHERE id = ?",
			      json_pack("[s]", req->id));
	if (!err)
		err = oplog_write(db, req, "delete", "ivr_versions", req->id,
				  row, NULL);
	json_decref(row);
	return err ? err : api_ok(req, 204, NULL);
}

/* ---- validation and publishing ---- */

struct ref_ctx {
	struct db *db;
	const char *tenant_id;
};

static bool ref_exists(void *arg, const char *kind, const char *id)
{
	struct ref_ctx *rc = arg;
	const char *sql;

	if (!strcmp(kind, "time_group"))
		sql = "SELECT id FROM time_groups WHERE tenant_id = ? AND id "
		      "= ?";
	else if (!strcmp(kind, "voice"))
		sql = "SELECT id FROM voices WHERE tenant_id = ? AND id = ? "
		      "AND status = 'approved'";
	else if (!strcmp(kind, "flow"))
		sql = "SELECT id FROM ivr_flows WHERE tenant_id = ? AND id = ? "
		      "AND published_version_id IS NOT NULL";
	else if (!strcmp(kind, "voicemail_box"))
		sql = "SELECT b.id FROM voicemail_boxes b LEFT JOIN extensions "
		      "e ON e.id = b.extension_id WHERE b.tenant_id = ? AND "
		      "COALESCE(e.number, b.number) = ?";
	else if (!strcmp(kind, "queue"))
		sql = "SELECT id FROM queues WHERE tenant_id = ? AND id = ?";
	else
		return true;
	return taken(rc->db, sql, json_pack("[ss]", rc->tenant_id, id));
}

/* Compiles the version's graph; errors gets the problems. */
static int compile(struct db *db, struct api_req *req, const json_t *row,
		   json_t *errors)
{
	struct ref_ctx rc = {db, req->who.tenant_id};
	struct ivr_refs refs = {ref_exists, &rc};
	struct ivr_flow *f = NULL;
	int err = ivr_flow_compile(json_object_get(row, "graph"), &refs,
				   errors, &f);

	ivr_flow_unref(f);
	return err;
}

HANDLER(ivr_versions_validate)
{
	json_t *row = NULL, *errors = json_array();
	int err = load_version(db, req, req->id, &row);

	if (!err)
		err = compile(db, req, row, errors);
	json_decref(row);
	if (err && err != EINVAL) {
		json_decref(errors);
		return err;
	}
	return api_ok(req, 200, json_pack("{s:b,s:o}", "valid", !err,
					  "errors", errors));
}

/* 400 naming the problems (the first few; /validate lists them all,
   by node, for the designer). */
static int refuse_invalid(struct api_req *req, const json_t *errors)
{
	char text[600] = "";
	size_t len = 0, i;
	json_t *e;

	json_array_foreach(errors, i, e) {
		if (i == 3 || len >= sizeof(text) - 1)
			break;
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s%s"
					"%s", i ? "; " : "",
					json_string_value(json_object_get(
						e, "node_id")),
					*json_string_value(json_object_get(
						e, "node_id")) ? ": " : "",
					json_string_value(json_object_get(
						e, "message")));
	}
	return api_fail(req, 400, "invalid_flow", "the flow cannot be "
			"published, %zu problem(s): %s%s",
			json_array_size(errors), text,
			json_array_size(errors) > 3 ? "; ..." : "");
}

HANDLER(ivr_versions_publish)
{
	json_t *row = NULL, *after = NULL, *errors = json_array();
	const char *flow_id;
	int err = load_version(db, req, req->id, &row);

	if (!err)
		err = compile(db, req, row, errors);
	if (err == EINVAL)
		err = refuse_invalid(req, errors);
	json_decref(errors);
	flow_id = row ? json_string_value(json_object_get(row, "flow_id"))
		      : NULL;
	if (!err)
		err = db_exec(db, "UPDATE ivr_versions SET status = 'retired' "
			      "WHERE flow_id = ? AND status = 'published'",
			      json_pack("[s]", flow_id));
	if (!err)
		err = db_exec(db, "UPDATE ivr_versions SET status = "
			      "'published', published_at = ? WHERE id = ?",
			      json_pack("[Is]", now_ms(), req->id));
	if (!err)
		err = db_exec(db, "UPDATE ivr_flows SET published_version_id = "
			      "?, updated_at = ? WHERE id = ?",
			      json_pack("[sIs]", req->id, now_ms(), flow_id));
	if (!err)
		err = load_version(db, req, req->id, &after);
	if (!err)
		err = oplog_write(db, req, "publish", "ivr_versions", req->id,
				  NULL, after);
	json_decref(row);
	if (err) {
		json_decref(after);
		return err;
	}
	return api_ok(req, 200, after);
}

/* ---- the IVR report ---- */

static int64_t param_ms(const struct api_req *req, const char *name,
			int64_t def)
{
	char buf[32];

	if (query_param(req->query, name, buf, sizeof(buf)) != 1 || !*buf)
		return def;
	return strtoll(buf, NULL, 10);
}

HANDLER(ivr_flows_report)
{
	int64_t from = param_ms(req, "from", 0);
	int64_t to = param_ms(req, "to", INT64_MAX);
	json_t *keys = NULL, *anchors = NULL, *calls = NULL;
	int err = flow_of_tenant(db, req, req->id);

	if (!err)
		err = db_query(db, &keys, "SELECT node_id, MAX(node_name) AS "
			       "node_name, value AS key, COUNT(*) AS count "
			       "FROM ivr_events WHERE tenant_id = ? AND "
			       "flow_id = ? AND kind = 'key' AND at >= ? AND "
			       "at < ? GROUP BY node_id, value ORDER BY "
			       "node_id, value",
			       json_pack("[ssII]", req->who.tenant_id, req->id,
					 from, to));
	if (!err)
		err = db_query(db, &anchors, "SELECT value AS name, COUNT(*) "
			       "AS count FROM ivr_events WHERE tenant_id = ? "
			       "AND flow_id = ? AND kind = 'anchor' AND at >= "
			       "? AND at < ? GROUP BY value ORDER BY value",
			       json_pack("[ssII]", req->who.tenant_id, req->id,
					 from, to));
	if (!err)
		err = db_query_one(db, &calls, "SELECT COUNT(*) AS calls, "
				   "CAST(COALESCE(AVG(left_at - entered_at), 0)"
				   " AS BIGINT) AS avg_ms FROM (SELECT call_id, MIN(entered_at)"
				   " AS entered_at, MAX(left_at) AS left_at "
				   "FROM call_ivr_steps WHERE tenant_id = ? AND "
				   "flow_id = ? AND entered_at >= ? AND "
				   "entered_at < ? GROUP BY call_id) t",
				   json_pack("[ssII]", req->who.tenant_id,
					     req->id, from, to));
	if (err) {
		json_decref(keys);
		json_decref(anchors);
		return err;
	}
	err = api_ok(req, 200, json_pack(
		"{s:o,s:o,s:O,s:O}", "keys", keys, "anchors", anchors,
		"calls", json_object_get(calls, "calls"), "avg_ivr_ms",
		json_object_get(calls, "avg_ms")));
	json_decref(calls);
	return err;
}
