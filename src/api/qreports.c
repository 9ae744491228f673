/*
 * qreports.c — the queue call log (/api/v1/queue-calls) and the queue and
 * agent statistics (/api/v1/reports/queues, /api/v1/reports/agents) with
 * the definitions of METRICS.md (docs/guide.md, "Queue and agent
 * statistics"). The rows are read here, on a store reader, and turned
 * into figures by src/acd/qstats.c; intervals are cut in the tenant's
 * time zone. Agent reports cover the agents of the caller's data scope.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "../acd/qstats.h"
#include "../route/tz.h"

/* Intervals per report, and interval rows (intervals × queues or
   agents, each a JSON object of about 35 figures) per answer. */
enum { REPORT_INTERVALS_MAX = 3000, REPORT_CELLS_MAX = 20000 };

/* ---- the log ---- */

#define QCALL_SELECT "id, call_id, queue_id, caller, entered_at, queued, " \
	"outcome, answered_at, left_at, agent_id, wait_ms, released_at, hold_ms"

static const char *const qcall_sortable[] = {"entered_at", "wait_ms", NULL};
static const char *const qcall_text[] = {"caller", NULL};
static const struct list_filter qcall_filters[] = {
	{"queue_id", "queue_id", F_STRING, NULL},
	{"outcome", "outcome", F_STRING, NULL},
	{"agent_id", "agent_id", F_STRING, NULL},
	{"call_id", "call_id", F_STRING, NULL},
	{"caller", "caller", F_STRING, NULL},
	{"from", "entered_at", F_INTEGER, ">="},
	{"to", "entered_at", F_INTEGER, "<"},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec qcall_list = {
	"queue_calls", QCALL_SELECT, qcall_sortable, "entered_at", true,
	qcall_text, qcall_filters, false,
};

static void qcall_row(json_t *row)
{
	row_bool(row, "queued");
}

HANDLER(queue_calls_list)
{
	return list_run(db, req, &qcall_list, NULL, NULL, qcall_row);
}

/* ---- the period ---- */

struct period {
	int64_t from, to;
	enum qstats_step step;
	char timezone[64];
	int64_t edges[REPORT_INTERVALS_MAX + 1];
	size_t n;
};

/* 1: a whole number from 0 to max in *v; 0: absent; -1: anything else. */
static int int_param(const struct api_req *req, const char *name,
		     int64_t max, int64_t *v)
{
	char buf[32], *end;
	int found = query_param(req->query, name, buf, sizeof(buf));

	if (found == 0 || (found == 1 && !*buf))
		return 0;
	if (found < 0 || buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	*v = strtoll(buf, &end, 10);
	return *end || errno || *v > max ? -1 : 1;
}

static int tenant_zone(struct db *db, struct api_req *req, struct tz **tzp,
		       char *name, size_t size)
{
	json_t *row = NULL;
	const char *zone;
	int err = db_query_one(db, &row, "SELECT timezone FROM tenants WHERE "
			       "id = ?", json_pack("[s]", req->who.tenant_id));

	*tzp = NULL;
	if (err)
		return err;
	zone = json_string_value(json_object_get(row, "timezone"));
	snprintf(name, size, "%s", zone ? zone : "");
	json_decref(row);
	if (*name && tz_load(tzp, name))
		*tzp = NULL;             /* an unreadable zone: UTC */
	return 0;
}

/* Reads from, to and interval; answers 400 itself (API_HANDLED). */
static int period_of(struct db *db, struct api_req *req, struct period *p)
{
	char step[16] = "none";
	struct tz *tz = NULL;
	int err;

	if (int_param(req, "from", INT64_MAX, &p->from) != 1)
		return api_fail(req, 400, "invalid_field", "query 'from': "
				"required, the period's start in ms since "
				"1970 (UTC)");
	if (int_param(req, "to", INT64_MAX, &p->to) != 1)
		return api_fail(req, 400, "invalid_field", "query 'to': "
				"required, the period's end (exclusive) in ms "
				"since 1970 (UTC)");
	if (p->to <= p->from)
		return api_fail(req, 400, "invalid_field", "query 'to': must "
				"be after 'from'");
	if (query_param(req->query, "interval", step, sizeof(step)) < 0 ||
	    qstats_step_of(*step ? step : "none", &p->step))
		return api_fail(req, 400, "invalid_field", "query 'interval': "
				"must be none, 15m, hour or day");
	err = tenant_zone(db, req, &tz, p->timezone, sizeof(p->timezone));
	if (err)
		return err;
	p->n = qstats_edges(p->from, p->to, p->step, tz, p->edges,
			    REPORT_INTERVALS_MAX);
	tz_free(tz);
	if (!p->n)
		return api_fail(req, 400, "invalid_field", "query 'interval': "
				"more than %d intervals in the period; choose "
				"a longer interval or a shorter period",
				REPORT_INTERVALS_MAX);
	return 0;
}

static int too_many_cells(struct api_req *req, const struct period *p,
			  size_t items)
{
	return api_fail(req, 400, "invalid_field", "query 'interval': %zu "
			"intervals for %zu rows of the report exceed %d; "
			"choose a longer interval, a shorter period or one "
			"of them", p->n, items, REPORT_CELLS_MAX);
}

static json_t *report_head(const struct period *p)
{
	return json_pack("{s:I,s:I,s:s,s:s}", "from", (json_int_t)p->from,
			 "to", (json_int_t)p->to, "interval",
			 qstats_step_name(p->step), "timezone", p->timezone);
}

/* An optional id filter (queue_id, agent_id): "" when absent. */
static int id_param(struct api_req *req, const char *name, char *out,
		    size_t size)
{
	*out = '\0';
	if (query_param(req->query, name, out, size) < 0)
		return api_fail(req, 400, "invalid_field", "query '%s': "
				"badly encoded", name);
	return 0;
}

/* ---- queues ---- */

/* The wrap-up of an answered visit: the agent's wrap_up state that began
   when their part ended (released_at is that state's start, from the
   ACD); for rows from before released_at was logged, the one that
   followed the first talking state. */
#define QUEUE_ROWS_SQL "SELECT qc.queue_id, qc.outcome, qc.queued, " \
	"qc.entered_at, qc.wait_ms, qc.answered_at, qc.released_at, " \
	"qc.hold_ms, t.started_at AS talk_started_at, " \
	"t.ended_at AS talk_ended_at, COALESCE(r.ended_at - r.started_at, " \
	"w.ended_at - w.started_at) AS wrap_up_ms FROM queue_calls qc " \
	"LEFT JOIN agent_states t ON qc.outcome = 'answered' AND " \
	"qc.released_at IS NULL AND t.tenant_id = qc.tenant_id AND " \
	"t.agent_id = qc.agent_id AND t.started_at = qc.answered_at AND " \
	"t.state = 'talking' LEFT JOIN agent_states w ON w.tenant_id = " \
	"t.tenant_id AND w.agent_id = t.agent_id AND w.started_at = " \
	"t.ended_at AND w.state = 'wrap_up' AND w.ended_at IS NOT NULL " \
	"LEFT JOIN agent_states r ON qc.released_at IS NOT NULL AND " \
	"r.tenant_id = qc.tenant_id AND r.agent_id = qc.agent_id AND " \
	"r.state = 'wrap_up' AND r.started_at = qc.released_at AND " \
	"r.ended_at IS NOT NULL " \
	"WHERE qc.tenant_id = ? AND qc.entered_at >= ? AND qc.entered_at < ?"

static int queue_rows(struct db *db, struct api_req *req,
		      const struct period *p, const char *queue_id,
		      json_t **queuesp, json_t **rowsp)
{
	int err;

	err = db_query(db, queuesp, *queue_id
		       ? "SELECT id, name, service_level_s FROM queues WHERE "
			 "tenant_id = ? AND id = ?"
		       : "SELECT id, name, service_level_s FROM queues WHERE "
			 "tenant_id = ? AND id <> ? ORDER BY name",
		       json_pack("[ss]", req->who.tenant_id, queue_id));
	if (err)
		return err;
	if (*queue_id && !json_array_size(*queuesp))
		return api_fail(req, 404, "not_found", "query 'queue_id': no "
				"such queue");
	return db_query(db, rowsp, *queue_id
			? QUEUE_ROWS_SQL " AND qc.queue_id = ?"
			: QUEUE_ROWS_SQL " AND qc.queue_id <> ?",
			json_pack("[sIIs]", req->who.tenant_id,
				  (json_int_t)p->from, (json_int_t)p->to,
				  queue_id));
}

HANDLER(reports_queues)
{
	struct period *p = calloc(1, sizeof(*p));
	json_t *queues = NULL, *rows = NULL, *items, *body;
	struct qstats_opts o = {5000, now_ms()};
	char queue_id[64];
	int64_t short_s = 5;
	int err;

	if (!p)
		return ENOMEM;
	err = period_of(db, req, p);
	if (!err && int_param(req, "short_abandon_s", 600, &short_s) < 0)
		err = api_fail(req, 400, "invalid_field", "query "
			       "'short_abandon_s': a whole number of seconds "
			       "from 0 to 600");
	if (!err)
		err = id_param(req, "queue_id", queue_id, sizeof(queue_id));
	if (!err)
		err = queue_rows(db, req, p, queue_id, &queues, &rows);
	if (!err && json_array_size(queues) * p->n > REPORT_CELLS_MAX)
		err = too_many_cells(req, p, json_array_size(queues));
	if (err)
		goto out;
	o.short_abandon_ms = short_s * 1000;
	items = qstats_queues(queues, rows, p->edges, p->n, &o);
	if (!items) {
		err = ENOMEM;
		goto out;
	}
	body = report_head(p);
	json_object_set_new(body, "short_abandon_s", json_integer(short_s));
	json_object_set_new(body, "queues", items);
	err = api_ok(req, 200, body);
out:
	json_decref(queues);
	json_decref(rows);
	free(p);
	return err;
}

/* ---- agents ---- */

static int agent_list(struct db *db, struct api_req *req,
		      const char *agent_id, json_t **agentsp)
{
	char sql[1024];
	json_t *scope_params = NULL;
	const char *scope = principal_scope_sql(&req->who, &scope_params);
	json_t *params = json_pack("[s]", req->who.tenant_id);

	snprintf(sql, sizeof(sql), "SELECT id, agent_no, name, department_id "
		 "FROM agents WHERE tenant_id = ?%s%s%s ORDER BY agent_no",
		 *agent_id ? " AND id = ?" : "", scope ? " AND " : "",
		 scope ? scope : "");
	if (*agent_id)
		json_array_append_new(params, json_string(agent_id));
	if (scope_params)
		json_array_extend(params, scope_params);
	json_decref(scope_params);
	return db_query(db, agentsp, sql, params);
}

/* The state rows that overlap the period (offline excluded). */
#define STATES_SQL "SELECT agent_id, state, reason, started_at, ended_at " \
	"FROM agent_states WHERE tenant_id = ? AND started_at < ? AND " \
	"(ended_at IS NULL OR ended_at > ?) AND state <> 'offline'"

static int agent_rows(struct db *db, struct api_req *req,
		      const struct period *p, const char *agent_id,
		      json_t **agentsp, json_t **statesp)
{
	int err = agent_list(db, req, agent_id, agentsp);

	if (err)
		return err;
	if (*agent_id && !json_array_size(*agentsp))
		return api_fail(req, 404, "not_found", "query 'agent_id': no "
				"such agent in your data scope");
	return db_query(db, statesp, *agent_id
			? STATES_SQL " AND agent_id = ?"
			: STATES_SQL " AND agent_id <> ?",
			json_pack("[sIIs]", req->who.tenant_id,
				  (json_int_t)p->to, (json_int_t)p->from,
				  agent_id));
}

HANDLER(reports_agents)
{
	struct period *p = calloc(1, sizeof(*p));
	json_t *agents = NULL, *states = NULL, *items, *body;
	struct qstats_opts o = {0, now_ms()};
	char agent_id[64];
	int err;

	if (!p)
		return ENOMEM;
	err = period_of(db, req, p);
	if (!err)
		err = id_param(req, "agent_id", agent_id, sizeof(agent_id));
	if (!err)
		err = agent_rows(db, req, p, agent_id, &agents, &states);
	if (!err && json_array_size(agents) * p->n > REPORT_CELLS_MAX)
		err = too_many_cells(req, p, json_array_size(agents));
	if (err)
		goto out;
	items = qstats_agents(agents, states, p->edges, p->n, &o);
	if (!items) {
		err = ENOMEM;
		goto out;
	}
	body = report_head(p);
	json_object_set_new(body, "agents", items);
	err = api_ok(req, 200, body);
out:
	json_decref(agents);
	json_decref(states);
	free(p);
	return err;
}

/* ---- one agent's day (the workbench, workbench.c) ---- */

int qreports_agent_today(struct db *db, struct api_req *req,
			 const char *agent_id, json_t **todayp)
{
	struct period *p = calloc(1, sizeof(*p));
	json_t *agent = NULL, *states = NULL, *items = NULL;
	struct tz *tz = NULL;
	int64_t now = now_ms();
	int err;

	*todayp = NULL;
	if (!p)
		return ENOMEM;
	err = tenant_zone(db, req, &tz, p->timezone, sizeof(p->timezone));
	if (err)
		goto out;
	/* local midnights within the last 36 hours: the last one is today's */
	p->n = qstats_edges(now - 36 * 3600 * 1000LL, now + 1, QSTATS_DAY, tz,
			    p->edges, 3);
	tz_free(tz);
	if (!p->n) {
		err = EINVAL;
		goto out;
	}
	p->from = p->edges[p->n - 1];
	p->to = now + 1;
	p->edges[0] = p->from;
	p->edges[1] = p->to;
	p->n = 1;
	err = db_query(db, &agent, "SELECT id, agent_no, name, department_id "
		       "FROM agents WHERE tenant_id = ? AND id = ?",
		       json_pack("[ss]", req->who.tenant_id, agent_id));
	if (!err)
		err = db_query(db, &states, STATES_SQL " AND agent_id = ?",
			       json_pack("[sIIs]", req->who.tenant_id,
					 (json_int_t)p->to,
					 (json_int_t)p->from, agent_id));
	if (err)
		goto out;
	items = qstats_agents(agent, states, p->edges, p->n,
			      &(struct qstats_opts){0, now});
	if (!items || json_array_size(items) != 1) {
		err = items ? ENOENT : ENOMEM;
		goto out;
	}
	*todayp = report_head(p);
	json_object_set(*todayp, "figures", json_object_get(json_array_get(
					items, 0), "total"));
out:
	json_decref(agent);
	json_decref(states);
	json_decref(items);
	free(p);
	return err;
}
