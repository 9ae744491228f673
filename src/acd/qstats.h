/*
 * qstats.h — the queue and agent statistics of docs/guide.md ("Queue and
 * agent statistics"), with the definitions of METRICS.md: pure functions
 * that turn rows (the queue call log joined with the agents' talking and
 * wrap-up rows; the agent state log) into figures per queue or agent and
 * per interval of a half-open period. Intervals are cut in the tenant's
 * time zone and add up to the whole period for every count and duration.
 * No I/O: the API reads the rows on a store reader and calls these.
 */
#ifndef HOTLINE_ACD_QSTATS_H
#define HOTLINE_ACD_QSTATS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct tz;

enum qstats_step { QSTATS_NONE, QSTATS_15M, QSTATS_HOUR, QSTATS_DAY };

/* "none", "15m", "hour", "day" → *step; EINVAL for anything else. */
int qstats_step_of(const char *name, enum qstats_step *step);
const char *qstats_step_name(enum qstats_step step);

/* The interval edges of [from, to) (ms): edges[0] = from < edges[1] < …
   < edges[n] = to, cut at local quarter hours, hours or midnights of tz
   (NULL: UTC). edges holds max + 1 values; returns n, or 0 when the
   period needs more than max intervals (or to <= from). */
size_t qstats_edges(int64_t from, int64_t to, enum qstats_step step,
		    const struct tz *tz, int64_t *edges, size_t max);

struct qstats_opts {
	int64_t short_abandon_ms;  /* abandons shorter than this: short */
	int64_t now_ms;            /* the wait so far of calls waiting */
};

/* queues: [{id, name, service_level_s}]; rows: the visits entered in
   the period, each {queue_id, outcome, queued (0/1), entered_at, wait_ms
   (null: waiting), talk_started_at, talk_ended_at (the agent's talking
   row, null when none or not over), wrap_up_ms (its wrap-up row after,
   null: none)}. Returns [{queue_id, name, service_level_s, total,
   intervals: [{start, end, …figures}]}] (figures: see docs/api.md). */
json_t *qstats_queues(const json_t *queues, const json_t *rows,
		      const int64_t *edges, size_t n,
		      const struct qstats_opts *o);

/* agents: [{id, agent_no, name, department_id}]; states: the agent state
   log rows that overlap the period, {agent_id, state, reason, started_at,
   ended_at (null: still so, up to o->now_ms)}, offline rows excluded.
   Each row is clipped to each interval; `offered`/`answered` count the
   ringing/talking rows that start in it. Returns [{agent_id, agent_no,
   name, department_id, total, intervals}]. */
json_t *qstats_agents(const json_t *agents, const json_t *states,
		      const int64_t *edges, size_t n,
		      const struct qstats_opts *o);

#endif
