/*
 * qlog.c — the queue call log (queue_calls): one row per visit of a call
 * to a queue, written on the store's writer at the moments the ACD knows
 * them — refused at entry (no_agent, full: not queued), entered (waiting),
 * answered by an agent, abandoned by the caller, or gone by an overflow
 * exit (timeout, no_agent) — and, for an answered one, when the agent's
 * part ended and how long they held the customer. The statistics of
 * docs/guide.md ("Queue and agent statistics", METRICS.md) are derived
 * from these rows. A row still
 * waiting when the daemon stopped is closed as `interrupted` when it
 * starts again. A call waits in one queue at a time: its open row is the
 * one with left_at NULL.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "../core/log.h"
#include "../store/store.h"

enum qlog_kind { QLOG_REFUSED, QLOG_ENTERED, QLOG_ANSWERED, QLOG_LEFT,
		 QLOG_RELEASED };

struct qlog_job {
	enum qlog_kind kind;
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char call_id[ID_LEN];
	char queue_id[ID_LEN];
	char agent_id[ID_LEN];
	char caller[64];
	char outcome[24];
	int64_t at;                /* when it happened */
	int64_t wait_ms;           /* since it entered */
	int64_t hold_ms;           /* released: held by the agent */
};

static int insert_row(struct db *db, const struct qlog_job *j)
{
	bool refused = j->kind == QLOG_REFUSED;

	return db_exec(db, "INSERT INTO queue_calls (id, tenant_id, call_id, "
		       "queue_id, caller, entered_at, queued, outcome, left_at,"
		       " wait_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       json_pack("[sssssIisoo]", j->id, j->tenant_id,
				 j->call_id, j->queue_id, j->caller,
				 (json_int_t)j->at, refused ? 0 : 1,
				 j->outcome, refused ? json_integer(j->at)
				 : json_null(), refused ? json_integer(0)
				 : json_null()));
}

static int qlog_work(struct db *db, void *arg)
{
	struct qlog_job *j = arg;

	switch (j->kind) {
	case QLOG_REFUSED:
	case QLOG_ENTERED:
		return insert_row(db, j);
	case QLOG_ANSWERED:
		return db_exec(db, "UPDATE queue_calls SET outcome = "
			       "'answered', answered_at = ?, left_at = ?, "
			       "agent_id = ?, wait_ms = ? WHERE tenant_id = ? "
			       "AND call_id = ? AND left_at IS NULL",
			       json_pack("[IIsIss]", (json_int_t)j->at,
					 (json_int_t)j->at, j->agent_id,
					 (json_int_t)j->wait_ms, j->tenant_id,
					 j->call_id));
	case QLOG_RELEASED:
		return db_exec(db, "UPDATE queue_calls SET released_at = ?, "
			       "hold_ms = ? WHERE tenant_id = ? AND call_id = ? "
			       "AND agent_id = ? AND outcome = 'answered' AND "
			       "released_at IS NULL",
			       json_pack("[IIsss]", (json_int_t)j->at,
					 (json_int_t)j->hold_ms, j->tenant_id,
					 j->call_id, j->agent_id));
	case QLOG_LEFT:
		return db_exec(db, "UPDATE queue_calls SET outcome = ?, "
			       "left_at = ?, wait_ms = ? WHERE tenant_id = ? "
			       "AND call_id = ? AND left_at IS NULL",
			       json_pack("[sIIss]", j->outcome,
					 (json_int_t)j->at,
					 (json_int_t)j->wait_ms, j->tenant_id,
					 j->call_id));
	}
	return EINVAL;
}

static void qlog_done(int err, void *arg)
{
	struct qlog_job *j = arg;

	if (err)
		log_error("acd", "call %s: queue log (%s) not written: %s",
			  j->call_id, j->outcome, strerror(err));
	free(j);
}

static struct qlog_job *job_new(enum qlog_kind kind, const char *tenant_id,
				const char *queue_id, const char *call_id,
				const char *outcome)
{
	struct qlog_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->kind = kind;
	id_new(j->id);
	str_ncpy(j->tenant_id, tenant_id, sizeof(j->tenant_id));
	str_ncpy(j->queue_id, queue_id, sizeof(j->queue_id));
	str_ncpy(j->call_id, call_id, sizeof(j->call_id));
	str_ncpy(j->outcome, outcome, sizeof(j->outcome));
	j->at = now_ms();
	return j;
}

static void job_submit(struct acd *acd, struct qlog_job *j)
{
	if (!j)
		return;
	if (store_submit(acd->store, STORE_WRITE, qlog_work, qlog_done, j)) {
		log_error("acd", "call %s: queue log not written", j->call_id);
		free(j);
	}
}

void qlog_refused(struct acd *acd, const struct acd_join *join,
		  const char *outcome)
{
	struct qlog_job *j = job_new(QLOG_REFUSED, join->tenant_id,
				     join->queue_id, join->call_id, outcome);

	if (j)
		str_ncpy(j->caller, join->caller ? join->caller : "",
			 sizeof(j->caller));
	job_submit(acd, j);
}

void qlog_entered(const struct acd_entry *e)
{
	struct qlog_job *j = job_new(QLOG_ENTERED, e->q->tenant_id, e->q->id,
				     e->call_id, "waiting");

	if (j) {
		str_ncpy(j->caller, e->caller, sizeof(j->caller));
		j->at = e->entered;
	}
	job_submit(e->acd, j);
}

void qlog_answered(const struct acd_entry *e, const struct acd_agent *a)
{
	struct qlog_job *j = job_new(QLOG_ANSWERED, e->q->tenant_id, e->q->id,
				     e->call_id, "answered");

	if (j) {
		str_ncpy(j->agent_id, a->id, sizeof(j->agent_id));
		j->at = a->since;          /* its talking row's start */
		j->wait_ms = j->at - e->entered;
	}
	job_submit(e->acd, j);
}

void qlog_left(const struct acd_entry *e, const char *outcome)
{
	struct qlog_job *j = job_new(QLOG_LEFT, e->q->tenant_id, e->q->id,
				     e->call_id, outcome);

	if (j)
		j->wait_ms = j->at - e->entered;
	job_submit(e->acd, j);
}

/* Rows of calls that waited when a daemon stopped. */
static int close_stale(struct db *db, void *arg)
{
	int64_t now = now_ms();

	(void)arg;
	return db_exec(db, "UPDATE queue_calls SET outcome = 'interrupted', "
		       "left_at = ?, wait_ms = ? - entered_at WHERE left_at "
		       "IS NULL", json_pack("[II]", (json_int_t)now,
					    (json_int_t)now));
}

static void stale_closed(int err, void *arg)
{
	(void)arg;
	if (err)
		log_error("acd", "open queue calls not closed: %s",
			  strerror(err));
}

void qlog_close_stale(struct store *store)
{
	if (store_submit(store, STORE_WRITE, close_stale, stale_closed, NULL))
		log_error("acd", "open queue calls not closed");
}

void qlog_released(struct acd *acd, const struct acd_handled_call *c)
{
	struct qlog_job *j = job_new(QLOG_RELEASED, c->tenant_id, c->queue_id,
				     c->call_id, "released");

	if (j) {
		str_ncpy(j->agent_id, c->agent_id, sizeof(j->agent_id));
		j->at = c->released_at;
		j->hold_ms = c->hold_ms;
	}
	job_submit(acd, j);
}
