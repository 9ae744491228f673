/*
 * calls.c — call records: the list (with the shared filters) and one call
 * with its legs and, for callers allowed to see recordings, its
 * recordings. Records are written by the call engine when a call ends.
 */
#include <errno.h>
#include "api.h"

#define COLUMNS "id, direction, caller, caller_name, callee, answered_by, " \
	"start_at, ring_at, answer_at, end_at, duration, talk_time, " \
	"end_status, hangup_side, trunk_id, sip_code, sip_reason, queue_id, " \
	"agent_id, agent_no"

static const char *const sortable[] = {"start_at", "duration", "talk_time",
				       NULL};
static const char *const text_columns[] = {"caller", "callee",
					   "answered_by", NULL};
static const struct list_filter filters[] = {
	{"from", "start_at", F_INTEGER, ">="},
	{"to", "start_at", F_INTEGER, "<"},
	{"direction", "direction", F_STRING, NULL},
	{"end_status", "end_status", F_STRING, NULL},
	{"caller", "caller", F_STRING, NULL},
	{"callee", "callee", F_STRING, NULL},
	{"hangup_side", "hangup_side", F_STRING, NULL},
	{"agent_id", "agent_id", F_STRING, NULL},
	{"queue_id", "queue_id", F_STRING, NULL},
	{NULL, NULL, 0, NULL},
};

HANDLER(calls_list)
{
	static const struct list_spec list = {
		"calls", COLUMNS, sortable, "start_at", true, text_columns,
		filters, false,
	};

	return list_run(db, req, &list, NULL, NULL, NULL);
}

HANDLER(calls_get)
{
	json_t *call = NULL, *legs = NULL, *recs = NULL, *path = NULL;
	int err = db_query_one(db, &call, "SELECT " COLUMNS " FROM calls "
			       "WHERE id = ? AND tenant_id = ?",
			       json_pack("[ss]", req->id, req->who.tenant_id));

	if (!err)
		err = db_query(db, &legs, "SELECT id, seq, role, endpoint, uri, "
			       "sip_call_id, codec, start_at, ring_at, "
			       "answer_at, end_at, sip_code, rx_packets, "
			       "tx_packets, lost, jitter_ms, rx_mos, tx_mos, rtt_ms "
			       "FROM call_legs "
			       "WHERE call_id = ? AND tenant_id = ? ORDER BY seq",
			       json_pack("[ss]", req->id, req->who.tenant_id));
	if (!err)
		err = db_query(db, &path, "SELECT seq, flow_id, flow_name, "
			       "version, node_id, node_name, node_type, "
			       "entered_at, left_at, exit_name AS exit, digits "
			       "FROM call_ivr_steps WHERE call_id = ? AND "
			       "tenant_id = ? ORDER BY seq",
			       json_pack("[ss]", req->id, req->who.tenant_id));
	if (!err && principal_can(&req->who, "recordings", false))
		err = recordings_of_call(db, req, req->id, &recs);
	if (err) {
		json_decref(call);
		json_decref(legs);
		json_decref(path);
		return err;
	}
	json_object_set_new(call, "legs", legs);
	json_object_set_new(call, "ivr_path", path);
	if (recs)
		json_object_set_new(call, "recordings", recs);
	return api_ok(req, 200, call);
}
