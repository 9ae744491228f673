/*
 * test_record.c — call recordings as a service (src/record): the decision
 * over a directory built in memory (tenant policy by direction, extension
 * and trunk overrides, never beating always), and the service on a real
 * SQLite store and libre loop: a recording's row from start to 'done',
 * crash repair at start ('.part' file repaired, no file: 'failed'), the
 * retention clean-up run by the timer (old rows and files go, recent ones
 * and tenants that keep forever stay), and paths outside recordings/
 * refused. The service tests run on SQLite and, when HOTLINE_TEST_PG holds
 * a postgres:// URI, on PostgreSQL too (in a schema of their own, dropped
 * at the end).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sndfile.h>
#include "core/ids.h"
#include "core/libre.h"
#include "media/recorder.h"
#include "record/policy.h"
#include "record/record.h"
#include "sip/directory.h"
#include "store/backend.h"
#include "store/store.h"
#include "loop_env.h"

/* ---- the decision -------------------------------------------------------- */

static const char *const TABLES =
	"{\"tenants\": ["
	" {\"id\": \"t1\", \"code\": \"acme\", \"enabled\": 1,"
	"  \"timezone\": \"UTC\", \"record_inbound\": 1,"
	"  \"record_outbound\": 0, \"record_internal\": 0,"
	"  \"rec_format\": \"mp3\", \"rec_mode\": \"mono\","
	"  \"retention_days\": 30},"
	" {\"id\": \"t2\", \"code\": \"bare\", \"enabled\": 1,"
	"  \"timezone\": \"UTC\"}],"
	"\"extensions\": ["
	" {\"id\": \"e1\", \"tenant_id\": \"t1\", \"number\": \"1001\","
	"  \"enabled\": 1},"
	" {\"id\": \"e2\", \"tenant_id\": \"t1\", \"number\": \"1002\","
	"  \"enabled\": 1, \"record\": \"always\"},"
	" {\"id\": \"e3\", \"tenant_id\": \"t1\", \"number\": \"1003\","
	"  \"enabled\": 1, \"record\": \"never\"},"
	" {\"id\": \"e4\", \"tenant_id\": \"t2\", \"number\": \"2001\","
	"  \"enabled\": 1, \"record\": \"always\"}],"
	"\"trunks\": ["
	" {\"id\": \"tr1\", \"tenant_id\": \"t1\", \"name\": \"plain\","
	"  \"type\": \"peer\", \"host\": \"10.0.0.1\", \"enabled\": 1},"
	" {\"id\": \"tr2\", \"tenant_id\": \"t1\", \"name\": \"compliance\","
	"  \"type\": \"peer\", \"host\": \"10.0.0.2\", \"enabled\": 1,"
	"  \"record\": \"always\"},"
	" {\"id\": \"tr3\", \"tenant_id\": \"t2\", \"name\": \"other\","
	"  \"type\": \"peer\", \"host\": \"10.0.0.3\", \"enabled\": 1,"
	"  \"record\": \"never\"}]}";

static struct directory *make_dir(void)
{
	json_error_t jerr;
	json_t *tables = json_loads(TABLES, 0, &jerr);
	struct directory *dir = NULL;

	if (!tables)
		fail_msg("TABLES: %s (line %d)", jerr.text, jerr.line);
	assert_int_equal(directory_from_json(&dir, tables), 0);
	json_decref(tables);
	return dir;
}

static struct record_choice decide(struct directory *dir, const char *tenant,
				   const char *direction, const char *ext1,
				   const char *ext2, const char *trunk)
{
	struct record_call c = {tenant, direction, {ext1, ext2}, trunk};
	struct record_choice ch;

	record_decide(dir, &c, &ch);
	return ch;
}

static void test_decide(void **state)
{
	struct directory *dir = make_dir();
	const struct dir_tenant *t;
	struct record_choice ch;

	(void)state;
	t = directory_tenant(dir, "t1");
	assert_non_null(t);
	assert_true(t->rec.inbound && !t->rec.outbound && t->rec.mp3 &&
		    t->rec.mono);
	assert_int_equal(t->rec.retention_days, 30);
	/* a tenant with no policy row: nothing, WAV, stereo, 90 days */
	t = directory_tenant(dir, "t2");
	assert_false(t->rec.inbound || t->rec.outbound || t->rec.internal);
	assert_false(t->rec.mp3 || t->rec.mono);
	assert_int_equal(t->rec.retention_days, DIR_REC_RETENTION_DEFAULT);

	/* the tenant's policy by direction */
	ch = decide(dir, "t1", "inbound", NULL, "1001", "tr1");
	assert_true(ch.record);
	assert_string_equal(ch.why, "policy");
	assert_int_equal(ch.format, REC_MP3);
	assert_int_equal(ch.mode, REC_MONO);
	assert_int_equal(ch.rate, 8000);
	ch = decide(dir, "t1", "outbound", "1001", NULL, "tr1");
	assert_false(ch.record);
	assert_string_equal(ch.why, "policy_off");
	assert_false(decide(dir, "t1", "internal", "1001", "1001", NULL)
		     .record);
	/* overrides: an extension or trunk that says always */
	ch = decide(dir, "t1", "outbound", "1002", NULL, "tr1");
	assert_true(ch.record);
	assert_string_equal(ch.why, "party_always");
	assert_true(decide(dir, "t1", "outbound", "1001", NULL, "tr2").record);
	assert_true(decide(dir, "t1", "internal", "1001", "1002", NULL)
		    .record);
	/* never wins over the policy and over always */
	ch = decide(dir, "t1", "inbound", NULL, "1003", "tr1");
	assert_false(ch.record);
	assert_string_equal(ch.why, "party_never");
	assert_false(decide(dir, "t1", "internal", "1002", "1003", NULL)
		     .record);
	assert_false(decide(dir, "t1", "inbound", NULL, "1003", "tr2").record);
	/* another tenant's trunk or extension does not count */
	assert_true(decide(dir, "t1", "inbound", NULL, "2001", "tr3").record);
	assert_true(decide(dir, "t1", "inbound", NULL, "1001", "tr3").record);
	assert_false(decide(dir, "t1", "outbound", "2001", NULL, NULL).record);
	assert_true(decide(dir, "t2", "outbound", "2001", NULL, NULL).record);
	assert_false(decide(dir, "t2", "outbound", "2001", NULL, "tr3")
		     .record);
	/* unknown tenant or direction */
	ch = decide(dir, "nope", "inbound", NULL, NULL, NULL);
	assert_false(ch.record);
	assert_string_equal(ch.why, "no_tenant");
	assert_false(decide(dir, "t1", "sideways", NULL, "1001", NULL).record);
	directory_free(dir);
}

/* ---- the service on a store ---------------------------------------------- */

struct env {
	char dir[64];
	struct store *store;
	struct recordings *rs;
};

/* The store the service tests open: "sqlite", or a postgres:// URI with
   the test's schema (set by the group set-up). */
static char store_spec[2048];
static char pg_schema[64];

static const char *TENANT = "01900000-0000-7000-8000-000000000001";
static const char *CALL = "01900000-0000-7000-8000-0000000000c1";

static void wait_flag(const bool *flag)
{
	for (int i = 0; i < 500 && !*flag; i++)
		run_loop(20);
	assert_true(*flag);
}

/* A store job run to the end: SQL with params, rows back. */
struct sql_job {
	const char *sql;
	json_t *params, *rows;
	bool done;
	int err;
};

static int sql_work(struct db *db, void *arg)
{
	struct sql_job *j = arg;

	return db_query(db, &j->rows, j->sql, j->params);
}

static void sql_done(int err, void *arg)
{
	struct sql_job *j = arg;

	j->err = err;
	j->done = true;
}

static json_t *sql(struct env *e, const char *text, json_t *params)
{
	struct sql_job j = {text, params, NULL, false, 0};

	assert_int_equal(store_submit(e->store, STORE_WRITE, sql_work,
				      sql_done, &j), 0);
	wait_flag(&j.done);
	if (j.err)
		fail_msg("%s: error %d", text, j.err);
	return j.rows;
}

static json_t *row_of(struct env *e, const char *id)
{
	json_t *rows = sql(e, "SELECT * FROM recordings WHERE id = ?",
			   json_pack("[s]", id));
	json_t *row = json_incref(json_array_get(rows, 0));

	json_decref(rows);
	return row;
}

static long long count(struct env *e)
{
	json_t *rows = sql(e, "SELECT COUNT(*) AS n FROM recordings", NULL);
	long long n = json_integer_value(json_object_get(json_array_get(rows,
									0),
							 "n"));

	json_decref(rows);
	return n;
}

static const char *str(json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));

	return s ? s : "";
}

static long long num(json_t *row, const char *name)
{
	return json_integer_value(json_object_get(row, name));
}

static bool file_exists(struct env *e, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", e->dir, rel);
	return access(path, F_OK) == 0;
}

static int pg_admin(const char *sql)
{
	struct db *db;
	int err = db_postgres.connect(&db, getenv("HOTLINE_TEST_PG"), NULL);

	if (err)
		return err;
	err = db_exec(db, sql, NULL);
	if (err)
		fprintf(stderr, "%s: %s\n", sql, db_errmsg(db));
	db_postgres.close(db);
	return err;
}

static int pg_reset(void)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE",
		 pg_schema);
	if (pg_admin(sql))
		return -1;
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", pg_schema);
	return pg_admin(sql);
}

static int sqlite_group(void **state)
{
	(void)state;
	snprintf(store_spec, sizeof(store_spec), "sqlite");
	pg_schema[0] = '\0';
	return 0;
}

static int pg_group(void **state)
{
	const char *uri = getenv("HOTLINE_TEST_PG");

	(void)state;
	snprintf(pg_schema, sizeof(pg_schema), "unit_record_%ld",
		 (long)getpid());
	if (pg_reset())
		return -1;
	if (snprintf(store_spec, sizeof(store_spec), "%s%coptions="
		     "-csearch_path%%3D%s", uri, strchr(uri, '?') ? '&' : '?',
		     pg_schema) >= (int)sizeof(store_spec))
		return -1;
	return 0;
}

static int pg_group_end(void **state)
{
	char sql[128];

	(void)state;
	if (!pg_schema[0])
		return 0;
	snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", pg_schema);
	return pg_admin(sql);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct recordings_opts opts = {150, 150};
	json_t *rows;

	assert_non_null(e);
	snprintf(e->dir, sizeof(e->dir), "/tmp/hotline-record-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	assert_int_equal(store_open(&e->store, store_spec, e->dir, 1), 0);
	rows = sql(e, "INSERT INTO tenants (id, code, name, timezone, "
		   "created_at, updated_at) VALUES (?, 'acme', 'Acme', 'UTC', "
		   "0, 0)", json_pack("[s]", TENANT));
	json_decref(rows);
	assert_int_equal(recordings_alloc(&e->rs, e->store, e->dir, &opts), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[128];

	recordings_free(e->rs);
	store_close(e->store);
	if (pg_schema[0])       /* the next test starts from an empty schema */
		assert_int_equal(pg_reset(), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", e->dir);
	assert_int_equal(system(cmd), 0);
	free(e);
	return 0;
}

struct stopped {
	bool called;
	int err;
	char id[ID_LEN];
};

static void on_stopped(int err, const char *id, void *arg)
{
	struct stopped *s = arg;

	s->called = true;
	s->err = err;
	snprintf(s->id, sizeof(s->id), "%s", id);
}

struct producer {
	struct recorder *r;
	size_t samples;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	int16_t left[160], right[160];

	for (size_t done = 0; done < p->samples; done += 160) {
		for (int i = 0; i < 160; i++) {
			left[i] = (int16_t)(8000 * sin(2 * M_PI * 440 *
						       (double)(done + i) /
						       8000));
			right[i] = (int16_t)(8000 * sin(2 * M_PI * 1000 *
							(double)(done + i) /
							8000));
		}
		recorder_push(p->r, left, right, 160);
	}
	recorder_detach(p->r);          /* the tap is removed */
	return NULL;
}

static void push_tones(struct recorder *r, double seconds)
{
	struct producer p = {r, (size_t)(seconds * 8000)};
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, produce, &p), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
}

static void test_recording_row(void **state)
{
	struct env *e = *state;
	struct record_choice ch = {true, REC_WAV, REC_STEREO, 8000, "policy"};
	struct recording *rec = NULL;
	struct stopped st = {0};
	char id[ID_LEN], prefix[128];
	json_t *row;

	assert_int_equal(recordings_start(e->rs, &ch, TENANT, CALL, NULL, 1,
					  &rec), 0);
	snprintf(id, sizeof(id), "%s", recording_id(rec));
	run_loop(100);
	row = row_of(e, id);
	assert_non_null(row);
	assert_string_equal(str(row, "status"), "recording");
	assert_string_equal(str(row, "call_id"), CALL);
	assert_string_equal(str(row, "channels"), "stereo");
	assert_true(json_is_null(json_object_get(row, "leg_id")));
	json_decref(row);

	push_tones(recording_recorder(rec), 1.0);
	recording_pause(rec, true);
	run_loop(60);
	recording_pause(rec, false);
	recording_stop(rec, on_stopped, &st);
	wait_flag(&st.called);
	assert_int_equal(st.err, 0);
	assert_string_equal(st.id, id);

	row = row_of(e, id);
	assert_string_equal(str(row, "status"), "done");
	assert_string_equal(str(row, "format"), "wav");
	assert_int_equal(num(row, "duration_ms"), 1000);
	assert_true(num(row, "paused_ms") >= 50);
	assert_true(num(row, "size_bytes") >= 32000);
	assert_true(num(row, "ended_at") >= num(row, "started_at"));
	snprintf(prefix, sizeof(prefix), "recordings/%s/", TENANT);
	assert_memory_equal(str(row, "path"), prefix, strlen(prefix));
	assert_non_null(strstr(str(row, "path"), "-1.wav"));
	assert_true(file_exists(e, str(row, "path")));
	json_decref(row);

	/* bad ids are refused before anything is written */
	assert_int_equal(recordings_start(e->rs, &ch, "../x", CALL, NULL, 1,
					  &rec), EINVAL);
	assert_int_equal(recordings_start(e->rs, &ch, TENANT, CALL, NULL, 0,
					  &rec), EINVAL);
}

/* Rows a crash left in 'recording': one with a .part WAV, one without a
   file. A service started afterwards repairs the first, fails the
   second, and leaves a recording of its own run alone. */
static void test_crash_repair(void **state)
{
	struct env *e = *state;
	struct recordings_opts opts = {0, 0};
	const char *part_rel = "recordings/x/2026/01/02/c1-1.wav";
	char path[512];
	SF_INFO info = {.samplerate = 8000, .channels = 2,
			.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
	int16_t pcm[2 * 8000] = {0};
	SNDFILE *sf;
	json_t *row;
	FILE *f;

	snprintf(path, sizeof(path), "mkdir -p %s/recordings/x/2026/01/02",
		 e->dir);
	assert_int_equal(system(path), 0);
	snprintf(path, sizeof(path), "%s/%s.part", e->dir, part_rel);
	sf = sf_open(path, SFM_WRITE, &info);
	assert_non_null(sf);
	assert_int_equal(sf_writef_short(sf, pcm, 8000), 8000);
	sf_close(sf);
	/* as the writer left it: sizes in the header still zero */
	f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, 4, SEEK_SET), 0);
	assert_int_equal(fwrite("\0\0\0\0", 1, 4, f), 4);
	assert_int_equal(fseek(f, 40, SEEK_SET), 0);
	assert_int_equal(fwrite("\0\0\0\0", 1, 4, f), 4);
	fclose(f);
	json_decref(sql(e, "INSERT INTO recordings (id, tenant_id, call_id, "
			"path, format, channels, rate, started_at, status) "
			"VALUES ('r-part', ?, 'c1', ?, 'wav', 'stereo', 8000, "
			"1000, 'recording'), ('r-none', ?, 'c2', "
			"'recordings/x/2026/01/02/c2-1.mp3', 'mp3', 'mono', "
			"8000, 1000, 'recording')",
			json_pack("[sss]", TENANT, part_rel, TENANT)));

	recordings_free(e->rs);
	assert_int_equal(recordings_alloc(&e->rs, e->store, e->dir, &opts), 0);
	run_loop(300);
	row = row_of(e, "r-part");
	assert_string_equal(str(row, "status"), "done");
	assert_int_equal(num(row, "duration_ms"), 1000);
	assert_int_equal(num(row, "ended_at"), 2000);
	assert_true(num(row, "size_bytes") > 32000);
	assert_true(file_exists(e, part_rel));
	json_decref(row);
	row = row_of(e, "r-none");
	assert_string_equal(str(row, "status"), "failed");
	assert_true(strlen(str(row, "note")) > 10);
	json_decref(row);
}

static void insert_done_row(struct env *e, const char *id,
			    const char *tenant, int64_t ended)
{
	char rel[128], path[512];
	FILE *f;

	snprintf(rel, sizeof(rel), "recordings/%s/old/%s.wav", tenant, id);
	snprintf(path, sizeof(path), "mkdir -p %s/recordings/%s/old", e->dir,
		 tenant);
	assert_int_equal(system(path), 0);
	snprintf(path, sizeof(path), "%s/%s", e->dir, rel);
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs("RIFF", f);
	fclose(f);
	json_decref(sql(e, "INSERT INTO recordings (id, tenant_id, call_id, "
			"path, format, channels, rate, started_at, ended_at, "
			"status) VALUES (?, ?, 'c', ?, 'wav', 'stereo', 8000, "
			"?, ?, 'done')",
			json_pack("[sssII]", id, tenant, rel,
				  (json_int_t)ended - 1000,
				  (json_int_t)ended)));
}

static void test_retention(void **state)
{
	struct env *e = *state;
	const char *t2 = "01900000-0000-7000-8000-000000000002";
	int64_t day = 86400000, now = now_ms();
	char path[1200];

	json_decref(sql(e, "INSERT INTO tenants (id, code, name, timezone, "
			"created_at, updated_at) VALUES (?, 'keep', 'Keep', "
			"'UTC', 0, 0)", json_pack("[s]", t2)));
	/* tenant 1: 30 days; tenant 2: kept forever */
	json_decref(sql(e, "INSERT INTO recording_policies (tenant_id, "
			"retention_days, updated_at) VALUES (?, 30, 0), "
			"(?, 0, 0)", json_pack("[ss]", TENANT, t2)));
	insert_done_row(e, "old", TENANT, now - 31 * day);
	insert_done_row(e, "new", TENANT, now - 29 * day);
	insert_done_row(e, "forever", t2, now - 3000 * day);
	json_decref(sql(e, "INSERT INTO recordings (id, tenant_id, call_id, "
			"path, format, channels, rate, started_at, status) "
			"VALUES ('live', ?, 'c', 'recordings/l.wav', 'wav', "
			"'stereo', 8000, 0, 'recording')",
			json_pack("[s]", TENANT)));
	assert_int_equal(count(e), 4);
	/* the timer (150 ms in this test) runs the clean-up */
	for (int i = 0; i < 50 && count(e) == 4; i++)
		run_loop(50);
	assert_int_equal(count(e), 3);
	assert_null(row_of(e, "old"));
	snprintf(path, sizeof(path), "recordings/%s/old/old.wav", TENANT);
	assert_false(file_exists(e, path));
	snprintf(path, sizeof(path), "recordings/%s/old/new.wav", TENANT);
	assert_true(file_exists(e, path));
	json_decref(row_of(e, "forever"));
	json_decref(row_of(e, "live"));
}

static void test_paths(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(record_file_path(out, sizeof(out), "/d",
					  "recordings/t/a.wav"), 0);
	assert_string_equal(out, "/d/recordings/t/a.wav");
	assert_int_equal(record_file_path(out, sizeof(out), "/d",
					  "recordings/../etc/passwd"), EINVAL);
	assert_int_equal(record_file_path(out, sizeof(out), "/d",
					  "/etc/passwd"), EINVAL);
	assert_int_equal(record_file_path(out, sizeof(out), "/d",
					  "voices/t/a.wav"), EINVAL);
	assert_int_equal(record_file_path(out, sizeof(out), "/d", NULL),
			 EINVAL);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_paths),
	};
	const struct CMUnitTest service[] = {
		cmocka_unit_test_setup_teardown(test_recording_row, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_crash_repair, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_retention, setup,
						teardown),
	};
	int rc;

	if (libre_init())
		return 1;
	rc = cmocka_run_group_tests_name("decision", pure, NULL, NULL);
	rc |= cmocka_run_group_tests_name("sqlite", service, sqlite_group,
					  NULL);
	if (getenv("HOTLINE_TEST_PG") && *getenv("HOTLINE_TEST_PG"))
		rc |= cmocka_run_group_tests_name("postgres", service,
						  pg_group, pg_group_end);
	else
		print_message("postgres: HOTLINE_TEST_PG is not set, skipped\n");
	libre_close();
	return rc;
}
