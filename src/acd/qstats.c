/*
 * qstats.c — the queue and agent figures of METRICS.md from stored rows
 * (see qstats.h). A queue visit belongs to the interval in which it
 * entered the queue; an agent state row is clipped to each interval it
 * overlaps, so state times add up to login time in every interval, and
 * the intervals add up to the whole period. Rates are percentages with
 * two decimals, null when their denominator is 0; averages are whole
 * seconds, truncated, null when there is nothing to average.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "qstats.h"
#include "../route/tz.h"

static const char *const step_names[] = {
	[QSTATS_NONE] = "none", [QSTATS_15M] = "15m",
	[QSTATS_HOUR] = "hour", [QSTATS_DAY] = "day",
};

int qstats_step_of(const char *name, enum qstats_step *step)
{
	for (size_t i = 0; i < sizeof(step_names) / sizeof(*step_names); i++) {
		if (name && !strcmp(name, step_names[i])) {
			*step = (enum qstats_step)i;
			return 0;
		}
	}
	return EINVAL;
}

const char *qstats_step_name(enum qstats_step step)
{
	return step <= QSTATS_DAY ? step_names[step] : "?";
}

/* ---- intervals ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t step_seconds(enum qstats_step step)
{
	return step == QSTATS_15M ? 900 : step == QSTATS_HOUR ? 3600 : 86400;
}

/* The first local quarter, hour or midnight after t (ms): the next
   boundary in t's offset, unless the offset changes before it — then the
   boundary in the offset after the change (a 23- or 25-hour day; both
   02:00 of a night when clocks go back are hour edges). */
static int64_t next_edge(int64_t t_ms, int64_t size, const struct tz *tz)
{
	int64_t t = floor_div(t_ms, 1000);
	int32_t off = tz_offset(tz, t);
	int64_t local_next = (floor_div(t + off, size) + 1) * size;
	int64_t next = local_next - off;
	int32_t off_after = tz_offset(tz, next);

	if (off_after != off && (next + off_after) % size != 0 &&
	    local_next - off_after > t &&
	    tz_offset(tz, local_next - off_after) == off_after)
		next = local_next - off_after;
	return next * 1000 > t_ms ? next * 1000 : t_ms + size * 1000;
}

size_t qstats_edges(int64_t from, int64_t to, enum qstats_step step,
		    const struct tz *tz, int64_t *edges, size_t max)
{
	size_t n = 0;

	if (to <= from || !max)
		return 0;
	edges[0] = from;
	while (edges[n] < to) {
		int64_t next = step == QSTATS_NONE ? to
			       : next_edge(edges[n], step_seconds(step), tz);

		if (n == max)
			return 0;
		edges[++n] = next < to ? next : to;
	}
	return n;
}

/* The interval holding t, or -1: outside [edges[0], edges[n]). */
static long interval_of(const int64_t *edges, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;

	if (t < edges[0] || t >= edges[n])
		return -1;
	while (hi - lo > 1) {          /* edges[lo] <= t < edges[hi] */
		size_t mid = lo + (hi - lo) / 2;

		if (edges[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return (long)lo;
}

/* ---- rows ---- */

static int64_t int_of(const json_t *row, const char *name)
{
	return json_integer_value(json_object_get(row, name));
}

static bool has(const json_t *row, const char *name)
{
	return json_is_integer(json_object_get(row, name));
}

static const char *str_of(const json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));

	return s ? s : "";
}

/* Items (queues, agents) found by id: their ids sorted, with positions. */
struct id_index {
	const char *id;
	size_t pos;
};

static int id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct id_index *)a)->id,
		      ((const struct id_index *)b)->id);
}

static struct id_index *index_new(const json_t *items, const char *key)
{
	size_t n = json_array_size(items), i;
	struct id_index *x = calloc(n ? n : 1, sizeof(*x));
	const json_t *it;

	if (!x)
		return NULL;
	json_array_foreach(items, i, it) {
		x[i].id = str_of(it, key);
		x[i].pos = i;
	}
	qsort(x, n, sizeof(*x), id_cmp);
	return x;
}

static long index_find(const struct id_index *x, size_t n, const char *id)
{
	struct id_index key = {id, 0};
	const struct id_index *hit = n ? bsearch(&key, x, n, sizeof(*x),
						 id_cmp) : NULL;

	return hit ? (long)hit->pos : -1;
}

/* ---- figures ---- */

static json_t *percent(int64_t num, int64_t den)
{
	if (den <= 0)
		return json_null();
	return json_real(floor(10000.0 * (double)num / (double)den + 0.5)
			 / 100.0);
}

static json_t *average_s(int64_t total_ms, long count)
{
	if (count <= 0)
		return json_null();
	return json_integer(total_ms / count / 1000);
}

struct qfig {
	long offered, queued, refused_no_agent, refused_full;
	long answered, abandoned, short_abandoned;
	long overflow_timeout, overflow_no_agent, other, waiting;
	long answered_in_time, abandoned_in_time, handled;
	int64_t wait_answered_ms, wait_abandoned_ms, talk_ms, hold_ms, wrap_ms;
	int64_t longest_wait_ms;
};

/* An answered visit whose agent's part is over: talk, hold and wrap-up.
   Rows written before the release was logged (no released_at) take the
   talk from the agent's first talking state. */
static void add_handled(struct qfig *f, const json_t *row)
{
	if (has(row, "released_at") && has(row, "answered_at")) {
		int64_t hold = int_of(row, "hold_ms");

		f->handled++;
		f->talk_ms += int_of(row, "released_at") -
			      int_of(row, "answered_at") - hold;
		f->hold_ms += hold;
		f->wrap_ms += int_of(row, "wrap_up_ms");
	} else if (has(row, "talk_started_at") && has(row, "talk_ended_at")) {
		f->handled++;
		f->talk_ms += int_of(row, "talk_ended_at") -
			      int_of(row, "talk_started_at");
		f->wrap_ms += int_of(row, "wrap_up_ms");
	}
}

static void add_visit(struct qfig *f, const json_t *row, int64_t sl_ms,
		      const struct qstats_opts *o)
{
	const char *outcome = str_of(row, "outcome");
	bool waiting = !has(row, "wait_ms");
	int64_t wait = waiting ? o->now_ms - int_of(row, "entered_at")
			       : int_of(row, "wait_ms");

	f->offered++;
	if (!int_of(row, "queued")) {
		if (!strcmp(outcome, "full"))
			f->refused_full++;
		else
			f->refused_no_agent++;
		return;
	}
	f->queued++;
	if (wait > f->longest_wait_ms)
		f->longest_wait_ms = wait;
	if (waiting) {
		f->waiting++;
	} else if (!strcmp(outcome, "answered")) {
		f->answered++;
		f->wait_answered_ms += wait;
		f->answered_in_time += wait <= sl_ms;
		add_handled(f, row);
	} else if (!strcmp(outcome, "abandoned")) {
		if (wait < o->short_abandon_ms) {
			f->short_abandoned++;
			return;
		}
		f->abandoned++;
		f->wait_abandoned_ms += wait;
		f->abandoned_in_time += wait <= sl_ms;
	} else if (!strcmp(outcome, "timeout")) {
		f->overflow_timeout++;
	} else if (!strcmp(outcome, "no_agent")) {
		f->overflow_no_agent++;
	} else {
		f->other++;
	}
}

static json_t *queue_figures(const struct qfig *f)
{
	long overflowed = f->overflow_timeout + f->overflow_no_agent;
	json_t *o = json_object();

#define COUNT(name, v) json_object_set_new(o, name, json_integer(v))
	COUNT("offered", f->offered);
	COUNT("queued", f->queued);
	COUNT("refused_no_agent", f->refused_no_agent);
	COUNT("refused_full", f->refused_full);
	COUNT("answered", f->answered);
	COUNT("abandoned", f->abandoned);
	COUNT("short_abandoned", f->short_abandoned);
	COUNT("overflowed", overflowed);
	COUNT("overflowed_timeout", f->overflow_timeout);
	COUNT("overflowed_no_agent", f->overflow_no_agent);
	COUNT("other", f->other);
	COUNT("waiting", f->waiting);
	COUNT("answered_in_time", f->answered_in_time);
	COUNT("abandoned_in_time", f->abandoned_in_time);
	COUNT("handled", f->handled);
	COUNT("wait_answered_ms", f->wait_answered_ms);
	COUNT("wait_abandoned_ms", f->wait_abandoned_ms);
	COUNT("talk_ms", f->talk_ms);
	COUNT("hold_ms", f->hold_ms);
	COUNT("wrap_up_ms", f->wrap_ms);
	COUNT("longest_wait_ms", f->longest_wait_ms);
	COUNT("longest_wait_s", f->longest_wait_ms / 1000);
#undef COUNT
	json_object_set_new(o, "service_level", percent(
		f->answered_in_time, f->answered + f->abandoned + overflowed));
	json_object_set_new(o, "sl", percent(f->answered_in_time,
					     f->answered));
	json_object_set_new(o, "sl2", percent(
		f->answered_in_time + f->abandoned_in_time,
		f->answered + f->abandoned));
	json_object_set_new(o, "answer_rate", percent(f->answered,
						      f->offered));
	json_object_set_new(o, "abandon_rate", percent(f->abandoned,
						       f->queued));
	json_object_set_new(o, "asa_s", average_s(f->wait_answered_ms,
						  f->answered));
	json_object_set_new(o, "avg_abandon_s", average_s(
		f->wait_abandoned_ms, f->abandoned));
	json_object_set_new(o, "aht_s", average_s(f->talk_ms + f->hold_ms +
						  f->wrap_ms,
						  f->handled));
	return o;
}

/* One item per queue or agent: its head fields, total and intervals. */
static json_t *item_with(json_t *head, json_t *total, json_t *intervals)
{
	json_object_set_new(head, "total", total);
	json_object_set_new(head, "intervals", intervals);
	return head;
}

static json_t *interval_row(const int64_t *edges, size_t i, json_t *fig)
{
	json_object_set_new(fig, "start", json_integer(edges[i]));
	json_object_set_new(fig, "end", json_integer(edges[i + 1]));
	return fig;
}

/* What a report over `items` (queues or agents) and n intervals works
   with: one figure block of `size` bytes per item and interval plus the
   item's total (zeroed), the items indexed by id, the array it answers.
   false on ENOMEM (nothing is kept). */
struct report {
	void *figs;
	struct id_index *ids;
	json_t *out;
};

static bool report_start(struct report *r, const json_t *items, size_t n,
			 size_t size)
{
	size_t count = json_array_size(items);

	r->figs = calloc((count ? count : 1) * (n + 1), size);
	r->ids = index_new(items, "id");
	r->out = json_array();
	if (r->figs && r->ids && r->out)
		return true;
	free(r->figs);
	free(r->ids);
	json_decref(r->out);
	return false;
}

static void report_end(struct report *r)
{
	free(r->ids);
	free(r->figs);
}

json_t *qstats_queues(const json_t *queues, const json_t *rows,
		      const int64_t *edges, size_t n,
		      const struct qstats_opts *o)
{
	size_t nq = json_array_size(queues), i;
	struct report r;
	struct qfig *figs;
	struct id_index *ids;
	json_t *out;
	const json_t *row;

	if (!report_start(&r, queues, n, sizeof(*figs)))
		return NULL;
	figs = r.figs, ids = r.ids, out = r.out;
	json_array_foreach(rows, i, row) {
		long q = index_find(ids, nq, str_of(row, "queue_id"));
		long k = interval_of(edges, n, int_of(row, "entered_at"));
		int64_t sl_ms;

		if (q < 0 || k < 0)
			continue;
		sl_ms = 1000 * int_of(json_array_get(queues, (size_t)q),
				      "service_level_s");
		add_visit(&figs[(size_t)q * (n + 1) + n], row, sl_ms, o);
		add_visit(&figs[(size_t)q * (n + 1) + (size_t)k], row, sl_ms,
			  o);
	}
	for (i = 0; i < nq; i++) {
		const json_t *q = json_array_get(queues, i);
		const struct qfig *f = &figs[i * (n + 1)];
		json_t *intervals = json_array();

		for (size_t k = 0; k < n; k++)
			json_array_append_new(intervals, interval_row(
				edges, k, queue_figures(&f[k])));
		json_array_append_new(out, item_with(json_pack(
			"{s:s,s:s,s:I}", "queue_id", str_of(q, "id"), "name",
			str_of(q, "name"), "service_level_s",
			(json_int_t)int_of(q, "service_level_s")),
			queue_figures(&f[n]), intervals));
	}
	report_end(&r);
	return out;
}

/* ---- agents ---- */

struct afig {
	long offered, answered;
	int64_t login_ms, idle_ms, busy_ms, ringing_ms, talking_ms, wrap_ms;
	int64_t hold_ms, other_ms;
	json_t *busy_reasons;      /* {reason: ms}, owned */
};

static void add_busy(struct afig *f, const char *reason, int64_t ms)
{
	json_t *v;

	if (!f->busy_reasons)
		f->busy_reasons = json_object();
	f->busy_ms += ms;
	v = json_object_get(f->busy_reasons, reason);
	json_object_set_new(f->busy_reasons, reason, json_integer(
		(v ? json_integer_value(v) : 0) + ms));
}

static void add_time(struct afig *f, const char *state, const char *reason,
		     int64_t ms)
{
	f->login_ms += ms;
	if (!strcmp(state, "idle"))
		f->idle_ms += ms;
	else if (!strcmp(state, "busy"))
		add_busy(f, reason, ms);
	else if (!strcmp(state, "ringing"))
		f->ringing_ms += ms;
	else if (!strcmp(state, "talking"))
		f->talking_ms += ms;
	else if (!strcmp(state, "wrap_up"))
		f->wrap_ms += ms;
	else if (!strcmp(state, "hold"))
		f->hold_ms += ms;
	else
		f->other_ms += ms;
}

/* A talking row is a call answered, unless it is one resumed after
   hold. */
static void add_start(struct afig *f, const char *state, const char *reason)
{
	f->offered += !strcmp(state, "ringing");
	f->answered += !strcmp(state, "talking") && strcmp(reason, "resumed");
}

/* The row's time in each interval it overlaps (and in the total, last). */
static void add_state(struct afig *f, const int64_t *edges, size_t n,
		      const json_t *row, const struct qstats_opts *o)
{
	const char *state = str_of(row, "state");
	const char *reason = str_of(row, "reason");
	int64_t start = int_of(row, "started_at");
	int64_t end = has(row, "ended_at") ? int_of(row, "ended_at")
					   : o->now_ms;
	long k = interval_of(edges, n, start);

	if (k >= 0) {
		add_start(&f[k], state, reason);
		add_start(&f[n], state, reason);
	}
	if (start < edges[0])
		start = edges[0];
	if (end > edges[n])
		end = edges[n];
	if (end <= start)
		return;
	add_time(&f[n], state, reason, end - start);
	for (k = interval_of(edges, n, start); k >= 0 && (size_t)k < n &&
	     edges[k] < end; k++) {
		int64_t s = start > edges[k] ? start : edges[k];
		int64_t e = end < edges[k + 1] ? end : edges[k + 1];

		add_time(&f[k], state, reason, e - s);
	}
}

static json_t *agent_figures(struct afig *f)
{
	int64_t work = f->talking_ms + f->hold_ms + f->wrap_ms;
	json_t *o = json_object();

#define COUNT(name, v) json_object_set_new(o, name, json_integer(v))
	COUNT("offered", f->offered);
	COUNT("answered", f->answered);
	COUNT("login_ms", f->login_ms);
	COUNT("idle_ms", f->idle_ms);
	COUNT("busy_ms", f->busy_ms);
	COUNT("ringing_ms", f->ringing_ms);
	COUNT("talking_ms", f->talking_ms);
	COUNT("hold_ms", f->hold_ms);
	COUNT("wrap_up_ms", f->wrap_ms);
	COUNT("other_ms", f->other_ms);
#undef COUNT
	json_object_set_new(o, "busy_reasons", f->busy_reasons
			    ? f->busy_reasons : json_object());
	f->busy_reasons = NULL;
	json_object_set_new(o, "answer_rate", percent(f->answered,
						      f->offered));
	json_object_set_new(o, "occupancy", percent(work,
						       work + f->idle_ms));
	json_object_set_new(o, "utilisation", percent(work, f->login_ms));
	json_object_set_new(o, "work_rate", percent(
		work + f->ringing_ms, f->login_ms));
	return o;
}

json_t *qstats_agents(const json_t *agents, const json_t *states,
		      const int64_t *edges, size_t n,
		      const struct qstats_opts *o)
{
	size_t na = json_array_size(agents), i;
	struct report r;
	struct afig *figs;
	struct id_index *ids;
	json_t *out;
	const json_t *row;

	if (!report_start(&r, agents, n, sizeof(*figs)))
		return NULL;
	figs = r.figs, ids = r.ids, out = r.out;
	json_array_foreach(states, i, row) {
		long a = index_find(ids, na, str_of(row, "agent_id"));

		if (a >= 0 && strcmp(str_of(row, "state"), "offline"))
			add_state(&figs[(size_t)a * (n + 1)], edges, n, row, o);
	}
	for (i = 0; i < na; i++) {
		const json_t *a = json_array_get(agents, i);
		struct afig *f = &figs[i * (n + 1)];
		json_t *intervals = json_array();

		for (size_t k = 0; k < n; k++)
			json_array_append_new(intervals, interval_row(
				edges, k, agent_figures(&f[k])));
		json_array_append_new(out, item_with(json_pack(
			"{s:s,s:s,s:s,s:O}", "agent_id", str_of(a, "id"),
			"agent_no", str_of(a, "agent_no"), "name",
			str_of(a, "name"), "department_id",
			json_object_get(a, "department_id")
			? json_object_get(a, "department_id") : json_null()),
			agent_figures(&f[n]), intervals));
	}
	report_end(&r);
	return out;
}
