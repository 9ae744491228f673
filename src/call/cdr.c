/*
 * cdr.c — the call record: one row per call and one per leg, written by the
 * store's writer from a snapshot taken when the call ends (the control
 * thread never waits for it).
 */
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "call.h"
#include "../core/log.h"
#include "../ivr/ivr.h"
#include "../store/store.h"

static json_t *opt_ms(int64_t ms)
{
	return ms ? json_integer(ms) : json_null();
}

static json_t *opt_real(double v)
{
	return v > 0 ? json_real((double)(int)(v * 100 + 0.5) / 100)
		     : json_null();
}

static json_t *leg_row(const struct call *call, const struct leg *leg,
		       int seq)
{
	return json_pack("[sssisssss?ooooiIIIfooo]", leg->id, call->id,
			 call->tenant_id, seq,
			 leg->outgoing ? "callee" : "caller", leg->endpoint,
			 leg->uri, leg->sip_call_id,
			 leg->has_fmt ? leg->fmt.name : NULL,
			 json_integer(leg->start_ms), opt_ms(leg->ring_ms),
			 opt_ms(leg->answer_ms),
			 opt_ms(leg->end_ms ? leg->end_ms : call->end_ms),
			 (int)leg->sip_code, (json_int_t)leg->stats.rx_packets,
			 (json_int_t)leg->stats.tx_packets,
			 (json_int_t)leg->stats.lost, leg->stats.jitter_ms,
			 opt_real(leg->has_fmt ? media_mos(&leg->fmt,
							   &leg->stats) : 0),
			 opt_real(leg->has_fmt ? media_tx_mos(&leg->fmt,
							      &leg->stats)
					       : 0),
			 opt_real(leg->stats.rtt_ms));
}

static json_t *call_row(const struct call *call)
{
	int64_t talk = call->answer_ms ? (call->end_ms - call->answer_ms) / 1000
				       : 0;

	return json_pack("[sssssssoooIIIsssisoos]", call->id, call->tenant_id,
			 call->direction, call->caller, call->caller_name,
			 call->callee,
			 call->winner ? call->winner->endpoint : "",
			 json_integer(call->start_ms), opt_ms(call->ring_ms),
			 opt_ms(call->answer_ms), (json_int_t)call->end_ms,
			 (json_int_t)((call->end_ms - call->start_ms) / 1000),
			 (json_int_t)talk, call->end_status,
			 call->hangup_side, call->trunk_id, (int)call->sip_code,
			 call->sip_reason,
			 call->queue_id[0] ? json_string(call->queue_id)
					   : json_null(),
			 call->agent_id[0] ? json_string(call->agent_id)
					   : json_null(),
			 call->agent_no);
}

/* The call's walk through IVR flows and its key/anchor events. */
static int write_ivr(struct db *db, json_t *ivr)
{
	json_t *row;
	size_t i;
	int err = 0;

	json_array_foreach(json_object_get(ivr, "steps"), i, row) {
		if (!err)
			err = db_exec(db, "INSERT INTO call_ivr_steps (call_id, "
				      "tenant_id, seq, flow_id, flow_name, "
				      "version, node_id, node_name, node_type, "
				      "entered_at, left_at, exit_name, digits) "
				      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
				      "?, ?)", json_incref(row));
	}
	json_array_foreach(json_object_get(ivr, "events"), i, row) {
		if (!err)
			err = db_exec(db, "INSERT INTO ivr_events (call_id, seq, "
				      "tenant_id, flow_id, node_id, node_name, "
				      "kind, value, at) VALUES (?, ?, ?, ?, ?, "
				      "?, ?, ?, ?)", json_incref(row));
	}
	return err;
}

static int write_record(struct db *db, void *arg)
{
	json_t *rec = arg, *legs = json_object_get(rec, "legs"), *leg;
	size_t i;
	int err = db_exec(db, "INSERT INTO calls (id, tenant_id, direction, "
			  "caller, caller_name, callee, answered_by, start_at,"
			  " ring_at, answer_at, end_at, duration, talk_time, "
			  "end_status, hangup_side, trunk_id, sip_code, "
			  "sip_reason, queue_id, agent_id, agent_no) VALUES "
			  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
			  "NULLIF(?, ''), ?, ?, ?, ?, ?)",
			  json_incref(json_object_get(rec, "call")));

	json_array_foreach(legs, i, leg) {
		if (err)
			break;
		err = db_exec(db, "INSERT INTO call_legs (id, call_id, "
			      "tenant_id, seq, role, endpoint, uri, "
			      "sip_call_id, codec, start_at, ring_at, "
			      "answer_at, end_at, sip_code, rx_packets, "
			      "tx_packets, lost, jitter_ms, rx_mos, tx_mos, "
			      "rtt_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
			      "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			      json_incref(leg));
	}
	if (!err)
		err = write_ivr(db, json_object_get(rec, "ivr"));
	return err;
}

static void written(int err, void *arg)
{
	json_t *rec = arg;

	if (err)
		log_error("cdr", "call record %s not written: error %d",
			  json_string_value(json_array_get(
				  json_object_get(rec, "call"), 0)), err);
	json_decref(rec);
}

void cdr_write(struct b2bua *b, const struct call *call)
{
	json_t *legs = json_array(), *rec;
	struct le *le;
	int seq = 1;

	if (call->a)            /* a call placed: none if nothing rang */
		json_array_append_new(legs, leg_row(call, call->a, 0));
	LIST_FOREACH(&call->blegs, le)
		json_array_append_new(legs, leg_row(call, le->data, seq++));
	rec = json_pack("{soso}", "call", call_row(call), "legs", legs);
	if (rec && call->ivr)
		json_object_set_new(rec, "ivr", ivr_records(call->ivr,
							    call->end_ms));
	if (!rec || store_submit(b2bua_store(b), STORE_WRITE, write_record,
				 written, rec)) {
		log_error("cdr", "call record %s dropped", call->id);
		json_decref(rec);
	}
}
