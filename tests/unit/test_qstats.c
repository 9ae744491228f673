/*
 * test_qstats.c — the arithmetic of the queue and agent statistics
 * (src/acd/qstats.c) on hand-built rows: every queue figure of METRICS.md
 * on a known set of visits, zero denominators, short abandons, a call
 * entered just before an interval edge, agent state rows clipped at the
 * period's edges and an open row, and the intervals adding up to the
 * total for every count and duration. Interval edges in UTC, in a zone
 * with a half-hour offset and across a daylight-saving change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <jansson.h>
#include "acd/qstats.h"
#include "route/tz.h"

#define S 1000               /* ms in a second */
#define H (3600 * S)

static json_t *fig(json_t *item, const char *name)
{
	json_t *v = json_object_get(json_object_get(item, "total"), name);

	if (!v)
		fail_msg("no figure %s", name);
	return v;
}

static json_t *ifig(json_t *item, size_t k, const char *name)
{
	return json_object_get(json_array_get(json_object_get(item,
							      "intervals"),
					      k), name);
}

static void assert_rate(json_t *v, double want)
{
	if (!json_is_real(v) || json_real_value(v) != want)
		fail_msg("rate %s%.4f, want %.2f", json_is_null(v) ? "null "
			 : "", json_real_value(v), want);
}

/* Every integer figure of the total is the sum of the intervals'
   (longest waits: the maximum). */
static void assert_intervals_add_up(json_t *item)
{
	json_t *total = json_object_get(item, "total"), *v;
	const char *name;

	json_object_foreach(total, name, v) {
		json_t *iv;
		size_t k;
		json_int_t sum = 0, max = 0;

		if (!json_is_integer(v) || strstr(name, "_s") ==
		    name + strlen(name) - 2)
			continue;
		json_array_foreach(json_object_get(item, "intervals"), k, iv) {
			json_int_t x = json_integer_value(json_object_get(
								  iv, name));

			sum += x;
			max = x > max ? x : max;
		}
		if (strstr(name, "longest"))
			assert_int_equal(max, json_integer_value(v));
		else if (sum != json_integer_value(v))
			fail_msg("%s: intervals add up to %lld, total %lld",
				 name, (long long)sum,
				 (long long)json_integer_value(v));
	}
}

/* ---- queues ---- */

static json_t *visit(const char *queue, const char *outcome, int queued,
		     int64_t entered, json_t *wait_ms)
{
	return json_pack("{s:s,s:s,s:i,s:I,s:o}", "queue_id", queue,
			 "outcome", outcome, "queued", queued, "entered_at",
			 (json_int_t)entered, "wait_ms", wait_ms);
}

static json_t *answered(int64_t entered, int64_t wait, int64_t talk,
			json_t *wrap)
{
	json_t *r = visit("q1", "answered", 1, entered, json_integer(wait));

	json_object_set_new(r, "talk_started_at", json_integer(entered +
							       wait));
	json_object_set_new(r, "talk_ended_at", talk < 0 ? json_null()
			    : json_integer(entered + wait + talk));
	json_object_set_new(r, "wrap_up_ms", wrap);
	return r;
}

static json_t *queue_rows(void)
{
	json_t *rows = json_array();

#define ADD(r) json_array_append_new(rows, r)
	/* first hour */
	ADD(visit("q1", "no_agent", 0, 100, json_integer(0)));
	ADD(visit("q1", "full", 0, 200, json_integer(0)));
	ADD(answered(1000, 10 * S, 60 * S, json_integer(10 * S)));
	ADD(answered(2000, 30 * S, 120 * S, json_null()));
	ADD(visit("q1", "abandoned", 1, 3000, json_integer(3 * S)));
	ADD(visit("q1", "abandoned", 1, 4000, json_integer(12 * S)));
	/* enters a second before the edge, answered after it */
	ADD(answered(H - S, 5 * S, 45500, json_integer(0)));
	/* second hour */
	ADD(answered(H + 1000, 15 * S, -1, json_null()));  /* still talking */
	ADD(visit("q1", "abandoned", 1, H + 2000, json_integer(40 * S)));
	ADD(visit("q1", "timeout", 1, H + 3000, json_integer(60 * S)));
	ADD(visit("q1", "no_agent", 1, H + 4000, json_integer(25 * S)));
	ADD(visit("q1", "waiting", 1, 2 * H - 250 * S, json_null()));
	/* outside the period, or of a queue not asked for */
	ADD(visit("q1", "abandoned", 1, 2 * H, json_integer(9 * S)));
	ADD(visit("q9", "abandoned", 1, 5000, json_integer(9 * S)));
#undef ADD
	return rows;
}

static void test_queue_figures(void **state)
{
	json_t *queues = json_pack("[{s:s,s:s,s:i},{s:s,s:s,s:i}]", "id", "q1",
				   "name", "Sales", "service_level_s", 20,
				   "id", "q2", "name", "Idle", "service_level_s",
				   20);
	json_t *rows = queue_rows(), *out, *q1, *q2;
	int64_t edges[8];
	struct qstats_opts o = {5 * S, 2 * H - 200 * S};
	size_t n = qstats_edges(0, 2 * H, QSTATS_HOUR, NULL, edges, 7);

	(void)state;
	assert_int_equal(n, 2);
	out = qstats_queues(queues, rows, edges, n, &o);
	assert_non_null(out);
	q1 = json_array_get(out, 0);
	assert_string_equal(json_string_value(json_object_get(q1, "name")),
			    "Sales");
#define EQ(name, v) assert_int_equal(json_integer_value(fig(q1, name)), v)
	EQ("offered", 12);
	EQ("queued", 10);
	EQ("refused_no_agent", 1);
	EQ("refused_full", 1);
	EQ("answered", 4);
	EQ("answered_in_time", 3);        /* 10 s, 5 s, 15 s ≤ 20 s */
	EQ("short_abandoned", 1);         /* 3 s < 5 s */
	EQ("abandoned", 2);               /* 12 s, 40 s */
	EQ("abandoned_in_time", 1);
	EQ("overflowed", 2);
	EQ("overflowed_timeout", 1);
	EQ("overflowed_no_agent", 1);
	EQ("waiting", 1);
	EQ("handled", 3);                 /* the one still talking is not */
	EQ("wait_answered_ms", 60 * S);
	EQ("wait_abandoned_ms", 52 * S);
	EQ("talk_ms", 225500);
	EQ("wrap_up_ms", 10 * S);
	EQ("longest_wait_ms", 60 * S);
	EQ("asa_s", 15);
	EQ("avg_abandon_s", 26);
	EQ("aht_s", 78);                  /* 235.5 s / 3, truncated */
	/* the waiting call's wait so far counts for the longest wait */
	o.now_ms = 2 * H;
	json_decref(out);
	out = qstats_queues(queues, rows, edges, n, &o);
	q1 = json_array_get(out, 0);
	EQ("longest_wait_ms", 250 * S);
#undef EQ
	assert_rate(fig(q1, "service_level"), 37.5);  /* 3 / (4 + 2 + 2) */
	assert_rate(fig(q1, "sl"), 75);               /* 3 / 4 */
	assert_rate(fig(q1, "sl2"), 66.67);           /* (3 + 1) / (4 + 2) */
	assert_rate(fig(q1, "answer_rate"), 33.33);   /* 4 / 12 */
	assert_rate(fig(q1, "abandon_rate"), 20);     /* 2 / 10 */
	/* per interval: the edge call is in the first hour */
	assert_int_equal(json_integer_value(ifig(q1, 0, "offered")), 7);
	assert_int_equal(json_integer_value(ifig(q1, 0, "answered")), 3);
	assert_int_equal(json_integer_value(ifig(q1, 0, "start")), 0);
	assert_int_equal(json_integer_value(ifig(q1, 0, "end")), H);
	assert_int_equal(json_integer_value(ifig(q1, 1, "offered")), 5);
	assert_rate(ifig(q1, 0, "service_level"), 50);   /* 2 / (3 + 1) */
	assert_rate(ifig(q1, 1, "service_level"), 25);   /* 1 / (1 + 1 + 2) */
	assert_rate(ifig(q1, 1, "answer_rate"), 20);
	assert_true(json_is_null(ifig(q1, 1, "aht_s")));
	assert_intervals_add_up(q1);
	/* nothing happened: counts 0, every rate and average null */
	q2 = json_array_get(out, 1);
	assert_int_equal(json_integer_value(fig(q2, "offered")), 0);
	assert_true(json_is_null(fig(q2, "service_level")));
	assert_true(json_is_null(fig(q2, "sl")));
	assert_true(json_is_null(fig(q2, "sl2")));
	assert_true(json_is_null(fig(q2, "answer_rate")));
	assert_true(json_is_null(fig(q2, "abandon_rate")));
	assert_true(json_is_null(fig(q2, "asa_s")));
	assert_true(json_is_null(fig(q2, "avg_abandon_s")));
	assert_true(json_is_null(fig(q2, "aht_s")));
	assert_intervals_add_up(q2);
	json_decref(out);
	json_decref(rows);
	json_decref(queues);
}

static void test_short_abandon_threshold(void **state)
{
	json_t *queues = json_pack("[{s:s,s:s,s:i}]", "id", "q1", "name", "Q",
				   "service_level_s", 20);
	json_t *rows = queue_rows(), *out;
	int64_t edges[3];
	struct qstats_opts o = {0, 2 * H};
	size_t n = qstats_edges(0, 2 * H, QSTATS_NONE, NULL, edges, 2);

	(void)state;
	assert_int_equal(n, 1);
	out = qstats_queues(queues, rows, edges, n, &o);   /* no threshold */
	assert_int_equal(json_integer_value(fig(json_array_get(out, 0),
						"short_abandoned")), 0);
	assert_int_equal(json_integer_value(fig(json_array_get(out, 0),
						"abandoned")), 3);
	assert_rate(fig(json_array_get(out, 0), "abandon_rate"), 30);
	json_decref(out);
	o.short_abandon_ms = 15 * S;                        /* 3 s and 12 s */
	out = qstats_queues(queues, rows, edges, n, &o);
	assert_int_equal(json_integer_value(fig(json_array_get(out, 0),
						"short_abandoned")), 2);
	assert_rate(fig(json_array_get(out, 0), "abandon_rate"), 10);
	json_decref(out);
	json_decref(rows);
	json_decref(queues);
}

/* ---- agents ---- */

static json_t *st(const char *state, const char *reason, int64_t start,
		  json_t *end)
{
	return json_pack("{s:s,s:s,s:s,s:I,s:o}", "agent_id", "a1", "state",
			 state, "reason", reason, "started_at",
			 (json_int_t)start, "ended_at", end);
}

static void assert_states_add_up(json_t *f)
{
	json_int_t sum = 0;
	const char *parts[] = {"idle_ms", "busy_ms", "ringing_ms",
			       "talking_ms", "hold_ms", "wrap_up_ms",
			       "other_ms"};
	json_t *v;
	const char *reason;

	for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++)
		sum += json_integer_value(json_object_get(f, parts[i]));
	assert_int_equal(sum, json_integer_value(json_object_get(f,
								 "login_ms")));
	sum = 0;
	json_object_foreach(json_object_get(f, "busy_reasons"), reason, v)
		sum += json_integer_value(v);
	assert_int_equal(sum, json_integer_value(json_object_get(f,
								 "busy_ms")));
}

static void test_agent_figures(void **state)
{
	json_t *agents = json_pack("[{s:s,s:s,s:s,s:n},{s:s,s:s,s:s,s:n}]",
				   "id", "a1", "agent_no", "1001", "name",
				   "Ann", "department_id", "id", "a2",
				   "agent_no", "1002", "name", "Bo",
				   "department_id");
	json_t *rows = json_array(), *out, *a1, *a2, *iv;
	int64_t edges[4];
	struct qstats_opts o = {5 * S, 4000000};
	size_t n = qstats_edges(600000, 4200000, QSTATS_HOUR, NULL, edges, 3);
	size_t k;

	(void)state;
	assert_int_equal(n, 2);
	assert_int_equal(edges[1], H);
	json_array_append_new(rows, st("offline", "", 0, json_integer(1)));
	/* begins before the period: 300 s of it inside */
	json_array_append_new(rows, st("idle", "", 1, json_integer(900000)));
	json_array_append_new(rows, st("ringing", "", 900000,
				       json_integer(910000)));
	json_array_append_new(rows, st("talking", "", 910000,
				       json_integer(1510000)));
	json_array_append_new(rows, st("wrap_up", "", 1510000,
				       json_integer(1540000)));
	/* across the hour's edge */
	json_array_append_new(rows, st("busy", "lunch", 1540000,
				       json_integer(3700000)));
	json_array_append_new(rows, st("ringing", "", 3700000,
				       json_integer(3720000)));
	/* still so: up to now */
	json_array_append_new(rows, st("busy", "missed call", 3720000,
				       json_null()));
	out = qstats_agents(agents, rows, edges, n, &o);
	assert_non_null(out);
	a1 = json_array_get(out, 0);
	a2 = json_array_get(out, 1);
#define EQ(item, k, name, v) assert_int_equal(json_integer_value( \
	json_object_get(k < 0 ? json_object_get(item, "total") : json_array_get( \
	json_object_get(item, "intervals"), (size_t)k), name)), v)
	EQ(a1, -1, "offered", 2);
	EQ(a1, -1, "answered", 1);
	EQ(a1, -1, "login_ms", 3400000);
	EQ(a1, 0, "login_ms", 3000000);   /* the whole first interval */
	EQ(a1, 0, "idle_ms", 300000);
	EQ(a1, 0, "talking_ms", 600000);
	EQ(a1, 0, "wrap_up_ms", 30000);
	EQ(a1, 0, "busy_ms", 2060000);
	EQ(a1, 1, "busy_ms", 380000);     /* 100 s lunch + 280 s missed */
	EQ(a1, 1, "login_ms", 400000);
	EQ(a1, 1, "offered", 1);
	EQ(a1, 1, "answered", 0);
#undef EQ
	assert_int_equal(json_integer_value(json_object_get(
		fig(a1, "busy_reasons"), "lunch")), 2160000);
	assert_int_equal(json_integer_value(json_object_get(
		fig(a1, "busy_reasons"), "missed call")), 280000);
	assert_rate(fig(a1, "answer_rate"), 50);
	/* (600 + 30) / (600 + 30 + 300) in the first hour */
	assert_rate(ifig(a1, 0, "occupancy"), 67.74);
	assert_rate(fig(a1, "utilisation"), 18.53);     /* 630 / 3400 */
	assert_rate(fig(a1, "work_rate"), 19.41);       /* 660 / 3400 */
	assert_true(json_is_null(ifig(a1, 1, "occupancy")));
	assert_rate(ifig(a1, 1, "answer_rate"), 0);      /* 0 of 1 */
	assert_states_add_up(json_object_get(a1, "total"));
	json_array_foreach(json_object_get(a1, "intervals"), k, iv)
		assert_states_add_up(iv);
	assert_intervals_add_up(a1);
	/* an agent with no rows: zeros and no rates */
	assert_int_equal(json_integer_value(fig(a2, "login_ms")), 0);
	assert_true(json_is_null(fig(a2, "answer_rate")));
	assert_true(json_is_null(fig(a2, "utilisation")));
	assert_true(json_is_null(fig(a2, "occupancy")));
	json_decref(out);
	json_decref(rows);
	json_decref(agents);
}

/* ---- interval edges ---- */

static int64_t utc_ms(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			.tm_hour = h, .tm_min = mi};

	return (int64_t)timegm(&tm) * 1000;
}

static void test_edges(void **state)
{
	int64_t e[40];
	struct tz *tz = NULL;

	(void)state;
	/* UTC hours, the period not on an hour */
	assert_int_equal(qstats_edges(1800000, 9000000, QSTATS_HOUR, NULL, e,
				      39), 3);
	assert_int_equal(e[0], 1800000);
	assert_int_equal(e[1], H);
	assert_int_equal(e[2], 2 * H);
	assert_int_equal(e[3], 9000000);
	/* quarters */
	assert_int_equal(qstats_edges(0, H, QSTATS_15M, NULL, e, 39), 4);
	assert_int_equal(e[1], 900000);
	/* bad periods, too many intervals */
	assert_int_equal(qstats_edges(H, H, QSTATS_HOUR, NULL, e, 39), 0);
	assert_int_equal(qstats_edges(H, 0, QSTATS_NONE, NULL, e, 39), 0);
	assert_int_equal(qstats_edges(0, 24 * H, QSTATS_15M, NULL, e, 39), 0);
	/* India (+05:30): local hours fall on UTC half hours */
	assert_int_equal(tz_load(&tz, "Asia/Kolkata"), 0);
	assert_int_equal(qstats_edges(utc_ms(2026, 11, 20, 0, 0),
				      utc_ms(2026, 11, 20, 2, 0), QSTATS_HOUR,
				      tz, e, 39), 3);
	assert_int_equal(e[1], utc_ms(2026, 11, 20, 0, 30));
	assert_int_equal(e[2], utc_ms(2026, 11, 20, 1, 30));
	tz_free(tz);
	/* Shanghai days: local midnight is 16:00 UTC */
	assert_int_equal(tz_load(&tz, "Asia/Shanghai"), 0);
	assert_int_equal(qstats_edges(utc_ms(2026, 11, 20, 4, 0),
				      utc_ms(2026, 11, 21, 22, 0), QSTATS_DAY,
				      tz, e, 39), 3);
	assert_int_equal(e[1], utc_ms(2026, 11, 20, 16, 0));
	assert_int_equal(e[2], utc_ms(2026, 11, 21, 16, 0));
	tz_free(tz);
	/* Berlin across summer time (29 March 2026): a 23-hour day */
	assert_int_equal(tz_load(&tz, "Europe/Berlin"), 0);
	assert_int_equal(qstats_edges(utc_ms(2026, 3, 27, 23, 0),
				      utc_ms(2026, 3, 30, 22, 0), QSTATS_DAY,
				      tz, e, 39), 3);
	assert_int_equal(e[1], utc_ms(2026, 3, 28, 23, 0));
	assert_int_equal(e[2], utc_ms(2026, 3, 29, 22, 0));
	assert_int_equal(e[2] - e[1], 23 * H);
	/* and back to winter time (25 October 2026): a 25-hour day */
	assert_int_equal(qstats_edges(utc_ms(2026, 10, 24, 22, 0),
				      utc_ms(2026, 10, 26, 23, 0), QSTATS_DAY,
				      tz, e, 39), 2);
	assert_int_equal(e[1], utc_ms(2026, 10, 25, 23, 0));
	assert_int_equal(e[1] - e[0], 25 * H);
	/* hours across it: 01:00 local comes twice, both are intervals */
	assert_int_equal(qstats_edges(utc_ms(2026, 10, 24, 23, 0),
				      utc_ms(2026, 10, 25, 2, 0), QSTATS_HOUR,
				      tz, e, 39), 3);
	assert_int_equal(e[1], utc_ms(2026, 10, 25, 0, 0));  /* 02:00 CEST */
	assert_int_equal(e[2], utc_ms(2026, 10, 25, 1, 0));  /* 02:00 CET */
	/* spring hours: 02:00 does not exist, 01:00 CET → 03:00 CEST */
	assert_int_equal(qstats_edges(utc_ms(2026, 3, 29, 0, 0),
				      utc_ms(2026, 3, 29, 2, 0), QSTATS_HOUR,
				      tz, e, 39), 2);
	assert_int_equal(e[1], utc_ms(2026, 3, 29, 1, 0));
	tz_free(tz);
}

static void test_step_names(void **state)
{
	enum qstats_step s;

	(void)state;
	assert_int_equal(qstats_step_of("15m", &s), 0);
	assert_int_equal(s, QSTATS_15M);
	assert_int_equal(qstats_step_of("day", &s), 0);
	assert_string_equal(qstats_step_name(s), "day");
	assert_int_not_equal(qstats_step_of("week", &s), 0);
	assert_int_not_equal(qstats_step_of(NULL, &s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_figures),
		cmocka_unit_test(test_short_abandon_threshold),
		cmocka_unit_test(test_agent_figures),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_step_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
