/*
 * workbench.c — what the agent workbench page reads besides the WebSocket
 * (docs/guide.md, "The agent workbench"; tencent-ccc.md §2.8, §2.15): the
 * agent the caller works as, the tenant's busy reasons, the transfer and
 * consultation targets (agents, queues with their screen-pop templates,
 * published IVR flows, each by id and name only), the caller IDs the dial
 * pad may offer and, in the summary, that agent's own day and last calls.
 *
 * The agent's outside number is answered in full (decision 66): it is the
 * agent's own, they choose to work on it at login and must recognise it.
 *
 * Guarded by the `workbench` menu key, so an agent needs no `agents`,
 * `queues`, `ivr` or `calls` permission. The agent is the caller's own
 * (agents.user_id); `?agent_id=` picks another one of the caller's data
 * scope only with `agents` write (a supervisor working for an agent, as
 * the WebSocket's control rule). Nothing of another agent is answered
 * beyond the directory entries a transfer needs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "api.h"

enum { RECENT_CALLS = 10 };

#define AGENT_SQL "SELECT id, agent_no, name, department_id, wrap_up_s, " \
	"enabled, external_number, (SELECT number FROM extensions e WHERE " \
	"e.id = agents.extension_id) AS phone FROM agents WHERE " \
	"tenant_id = ? AND "

/* The agent the caller works as, in *agentp (NULL: none linked). Answers
   400/403/404 itself (API_HANDLED). */
static int agent_of(struct db *db, struct api_req *req, json_t **agentp)
{
	char id[64], sql[1024];
	json_t *params, *scope_params = NULL;
	const char *scope;
	int found = query_param(req->query, "agent_id", id, sizeof(id));
	int err;

	*agentp = NULL;
	if (found < 0)
		return api_fail(req, 400, "invalid_field", "query 'agent_id': "
				"badly encoded");
	if (found == 0 || !*id) {
		if (!req->who.user_id[0])
			return 0;
		err = db_query_one(db, agentp, AGENT_SQL "user_id = ?",
				   json_pack("[ss]", req->who.tenant_id,
					     req->who.user_id));
		return err == ENOENT ? 0 : err;
	}
	if (!principal_can(&req->who, "agents", true))
		return api_fail(req, 403, "forbidden", "working as another "
				"agent needs the 'agents' menu with write "
				"permission");
	scope = principal_scope_sql(&req->who, &scope_params);
	snprintf(sql, sizeof(sql), AGENT_SQL "id = ?%s%s", scope ? " AND " : "",
		 scope ? scope : "");
	params = json_pack("[ss]", req->who.tenant_id, id);
	if (scope_params)
		json_array_extend(params, scope_params);
	json_decref(scope_params);
	err = db_query_one(db, agentp, sql, params);
	if (err == ENOENT)
		return api_fail(req, 404, "not_found", "query 'agent_id': no "
				"such agent in your data scope");
	return err;
}

static void agent_row(json_t *agent)
{
	row_bool(agent, "enabled");
	if (!json_is_string(json_object_get(agent, "phone")))
		json_object_set_new(agent, "phone", json_string(""));
	if (!json_is_string(json_object_get(agent, "external_number")))
		json_object_set_new(agent, "external_number", json_string(""));
}

/* Adds `name`: the rows of `sql` (tenant id its only parameter). */
static int add_rows(struct db *db, struct api_req *req, json_t *body,
		    const char *name, const char *sql)
{
	json_t *rows = NULL;
	int err = db_query(db, &rows, sql, json_pack("[s]",
						     req->who.tenant_id));

	if (!err)
		json_object_set_new(body, name, rows);
	return err;
}

/* Adds `caller_ids`: the numbers the dial pad may offer, those of the
   pools of the enabled outbound routes that let callers choose
   (caller_id_choice), each once, in route priority order. */
static int add_caller_ids(struct db *db, struct api_req *req, json_t *body)
{
	json_t *rows = NULL, *ids = json_array(), *row, *pool, *v, *w;
	size_t i, j, k;
	int err = db_query(db, &rows, "SELECT caller_id_pool FROM "
			   "outbound_routes WHERE tenant_id = ? AND enabled = 1 "
			   "AND caller_id_choice = 1 ORDER BY priority, name",
			   json_pack("[s]", req->who.tenant_id));

	json_array_foreach(err ? NULL : rows, i, row) {
		const char *text = json_string_value(json_object_get(row,
							"caller_id_pool"));

		pool = text ? json_loads(text, 0, NULL) : NULL;
		json_array_foreach(pool, j, v) {
			json_array_foreach(ids, k, w) {
				if (json_equal(v, w))
					break;
			}
			if (k == json_array_size(ids) && json_is_string(v))
				json_array_append(ids, v);
		}
		json_decref(pool);
	}
	json_decref(rows);
	json_object_set_new(body, "caller_ids", ids);
	return err;
}

HANDLER(workbench_get)
{
	json_t *agent = NULL, *body;
	int err = agent_of(db, req, &agent);

	if (err)
		return err;
	if (agent)
		agent_row(agent);
	body = json_pack("{s:o,s:b}", "agent", or_null(agent),
			 "may_work_as_others", principal_can(&req->who,
							     "agents", true));
	err = add_rows(db, req, body, "busy_reasons", "SELECT id, name FROM "
		       "busy_reasons WHERE tenant_id = ? ORDER BY sort, name");
	if (!err)
		err = add_rows(db, req, body, "agents", "SELECT id, agent_no, "
			       "name FROM agents WHERE tenant_id = ? AND "
			       "enabled = 1 ORDER BY agent_no");
	if (!err)
		err = add_rows(db, req, body, "queues", "SELECT id, name, "
			       "wrap_up_s, screen_pop_url, survey_flow_id FROM "
			       "queues WHERE tenant_id = ? ORDER BY name");
	if (!err)
		err = add_rows(db, req, body, "ivr_flows", "SELECT id, name "
			       "FROM ivr_flows WHERE tenant_id = ? AND "
			       "published_version_id IS NOT NULL ORDER BY "
			       "name");
	if (!err)
		err = add_caller_ids(db, req, body);
	if (err) {
		json_decref(body);
		return err;
	}
	return api_ok(req, 200, body);
}

HANDLER(workbench_summary)
{
	json_t *agent = NULL, *today = NULL, *calls = NULL, *body;
	const char *id;
	int err = agent_of(db, req, &agent);

	if (err)
		return err;
	if (!agent)
		return api_fail(req, 404, "no_agent", "no agent is linked to "
				"your user (an administrator links one on the "
				"Agents page)");
	id = json_string_value(json_object_get(agent, "id"));
	err = qreports_agent_today(db, req, id, &today);
	if (!err)
		err = db_query(db, &calls, "SELECT id, direction, caller, "
			       "caller_name, callee, start_at, answer_at, "
			       "end_at, talk_time, end_status, hangup_side "
			       "FROM calls WHERE tenant_id = ? AND agent_id = "
			       "? ORDER BY start_at DESC LIMIT ?",
			       json_pack("[ssi]", req->who.tenant_id, id,
					 RECENT_CALLS));
	if (err) {
		json_decref(agent);
		json_decref(today);
		return err;
	}
	body = json_pack("{s:O,s:o,s:o}", "agent_id", json_object_get(agent,
			 "id"), "today", today, "recent_calls", calls);
	json_decref(agent);
	return api_ok(req, 200, body);
}
