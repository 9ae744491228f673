/*
 * test_store.c — unit tests of the store: migrations, the backend query
 * interface, and jobs through the store threads with their done callbacks on
 * the libre main loop.
 *
 * Every test runs on SQLite (a fresh temp dir) and, when HOTLINE_TEST_PG
 * holds a postgres:// URI, on PostgreSQL too (in a schema of its own, dropped
 * at the end, so the tests never touch other data of that database).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Only the libre headers needed: re.h would pull in re_json.h, whose enum
   clashes with jansson's. libre 1.x needs to be told about the C99 headers. */
#ifndef HAVE_INTTYPES_H
#define HAVE_INTTYPES_H 1
#endif
#ifndef HAVE_STDBOOL_H
#define HAVE_STDBOOL_H 1
#endif
#include <re_types.h>
#include <re_fmt.h>
#include <re_list.h>
#include <re_main.h>
#include <re_tmr.h>

#include "store/backend.h"
#include "store/store.h"

#include "store_env.h"

/* ---- helpers ----------------------------------------------------------- */

static void exec_ok(struct db *db, const char *sql, json_t *params)
{
	int err = db_exec(db, sql, params);

	if (err)
		fail_msg("%s: error %d: %s", sql, err, db_errmsg(db));
}

static json_int_t count_rows(struct db *db, const char *sql)
{
	json_t *row = NULL;
	json_int_t n;
	int err = db_query_one(db, &row, sql, NULL);

	if (err)
		fail_msg("%s: error %d: %s", sql, err, db_errmsg(db));
	assert_true(json_is_integer(json_object_get(row, "n")));
	n = json_integer_value(json_object_get(row, "n"));
	json_decref(row);
	return n;
}

/* ---- main-loop plumbing for store jobs ---------------------------------- */

/* What the done callbacks of one test collected. */
struct loop_ctx {
	pthread_t main_thread;
	int expected;
	int arrived;
	bool wrong_thread;
	struct tmr timeout;
	bool timed_out;
};

static void timeout_handler(void *arg)
{
	struct loop_ctx *ctx = arg;

	ctx->timed_out = true;
	re_cancel();
}

static void loop_init(struct loop_ctx *ctx, int expected)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->main_thread = pthread_self();
	ctx->expected = expected;
	tmr_init(&ctx->timeout);
}

/* Runs the main loop until every expected done callback has arrived. */
static void loop_run(struct loop_ctx *ctx)
{
	tmr_start(&ctx->timeout, 20000, timeout_handler, ctx);
	if (ctx->arrived < ctx->expected)
		re_main(NULL);
	tmr_cancel(&ctx->timeout);
	assert_false(ctx->timed_out);
	assert_false(ctx->wrong_thread);
	assert_int_equal(ctx->arrived, ctx->expected);
}

static void loop_arrived(struct loop_ctx *ctx)
{
	if (!pthread_equal(pthread_self(), ctx->main_thread))
		ctx->wrong_thread = true;
	if (++ctx->arrived == ctx->expected)
		re_cancel();
}

static struct store *open_store(struct env *e)
{
	struct store *st = NULL;
	int err = store_open(&st, e->spec, e->datadir, 2);

	if (err)
		fail_msg("store_open(%s): error %d", e->name, err);
	assert_string_equal(store_backend(st), e->be->name);
	return st;
}

/* ---- setup: one env per backend ---------------------------------------- */

static int sqlite_setup(void **state)
{
	static struct env e;

	*state = &e;
	return env_sqlite(&e);
}

static int sqlite_teardown(void **state)
{
	return env_remove_dir(*state);
}

static int pg_setup(void **state)
{
	static struct env e;

	*state = &e;
	return env_pg(&e, "unit_store", false);
}

static int pg_teardown(void **state)
{
	return env_pg_drop(*state);
}

/* ---- migrations ---------------------------------------------------------- */

static void test_migrations(void **state)
{
	struct env *e = env_of(state);
	struct store *st;
	struct db *db;
	json_int_t applied;

	/* Opening twice applies the migrations once. */
	st = open_store(e);
	store_close(st);
	st = open_store(e);
	store_close(st);

	db = connect_db(e);
	applied = count_rows(db, "SELECT COUNT(*) AS n FROM schema_version");
	assert_true(applied >= 1);
	assert_int_equal(count_rows(db, "SELECT MAX(version) AS n"
				    " FROM schema_version"), applied);
	assert_int_equal(count_rows(db, "SELECT COUNT(*) AS n FROM tenants"),
			 0);
	/* And migrating again by hand changes nothing. */
	assert_int_equal(store_migrate(db), 0);
	assert_int_equal(count_rows(db, "SELECT COUNT(*) AS n"
				    " FROM schema_version"), applied);
	e->be->close(db);
}

/* ---- db_exec / db_query ---------------------------------------------------- */

static void create_items(struct db *db, const char *table)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "CREATE TABLE %s ("
		 " id TEXT PRIMARY KEY,"
		 " n BIGINT,"
		 " note TEXT,"
		 " flag INTEGER NOT NULL DEFAULT 0,"
		 " score DOUBLE PRECISION)", table);
	exec_ok(db, sql, NULL);
}

static void test_roundtrip(void **state)
{
	struct env *e = env_of(state);
	struct db *db = connect_db(e);
	json_t *row = NULL, *rows = NULL;

	create_items(db, "rt_items");
	exec_ok(db, "INSERT INTO rt_items (id, n, note, flag, score)"
		" VALUES (?, ?, ?, ?, ?)",
		json_pack("[sInbf]", "a'b?", (json_int_t)9007199254740993LL,
			  true, 2.5));
	assert_int_equal(db_changes(db), 1);
	exec_ok(db, "INSERT INTO rt_items (id, n, note) VALUES (?, ?, ?)",
		json_pack("[sis]", "b", -7, "héllo \"wörld\""));

	assert_int_equal(db_query_one(db, &row, "SELECT id, n, note, flag,"
				      " score FROM rt_items WHERE id = ?",
				      json_pack("[s]", "a'b?")), 0);
	assert_string_equal(json_string_value(json_object_get(row, "id")),
			    "a'b?");
	assert_true(json_is_integer(json_object_get(row, "n")));
	assert_true(json_integer_value(json_object_get(row, "n")) ==
		    9007199254740993LL);
	assert_true(json_is_null(json_object_get(row, "note")));
	assert_int_equal(json_integer_value(json_object_get(row, "flag")), 1);
	assert_true(json_is_real(json_object_get(row, "score")));
	assert_true(json_real_value(json_object_get(row, "score")) == 2.5);
	json_decref(row);

	/* '?' inside literals and quoted identifiers is not a placeholder. */
	assert_int_equal(db_query(db, &rows, "SELECT 'why?' AS \"what?\","
				  " note, n FROM rt_items WHERE id = ?"
				  " -- trailing? comment\n /* or? */",
				  json_pack("[s]", "b")), 0);
	assert_int_equal(json_array_size(rows), 1);
	row = json_array_get(rows, 0);
	assert_string_equal(json_string_value(json_object_get(row, "what?")),
			    "why?");
	assert_string_equal(json_string_value(json_object_get(row, "note")),
			    "héllo \"wörld\"");
	assert_int_equal(json_integer_value(json_object_get(row, "n")), -7);
	json_decref(rows);

	/* Changes, empty results, aggregates. */
	exec_ok(db, "UPDATE rt_items SET flag = ? WHERE flag = ?",
		json_pack("[bb]", true, false));
	assert_int_equal(db_changes(db), 1);
	exec_ok(db, "UPDATE rt_items SET flag = 1 WHERE id = 'nobody'", NULL);
	assert_int_equal(db_changes(db), 0);
	assert_int_equal(db_query(db, &rows, "SELECT id FROM rt_items"
				  " WHERE id = ?", json_pack("[s]", "zz")), 0);
	assert_true(json_is_array(rows));
	assert_int_equal(json_array_size(rows), 0);
	json_decref(rows);
	assert_int_equal(count_rows(db, "SELECT SUM(flag) AS n FROM rt_items"),
			 2);

	/* An optional filter: the NULL parameter needs its type spelled. */
	assert_int_equal(db_query_one(db, &row, "SELECT COUNT(*) AS n"
				      " FROM rt_items WHERE CAST(? AS TEXT)"
				      " IS NULL OR id = ?",
				      json_pack("[ns]", "b")), 0);
	assert_int_equal(json_integer_value(json_object_get(row, "n")), 2);
	json_decref(row);
	e->be->close(db);
}

static void test_errors(void **state)
{
	struct env *e = env_of(state);
	struct db *db = connect_db(e);
	json_t *row = NULL;

	create_items(db, "err_items");
	exec_ok(db, "INSERT INTO err_items (id) VALUES (?)",
		json_pack("[s]", "dup"));
	assert_int_equal(db_exec(db, "INSERT INTO err_items (id) VALUES (?)",
				 json_pack("[s]", "dup")), EEXIST);
	assert_true(strlen(db_errmsg(db)) > 0);
	assert_int_equal(db_exec(db, "INSERT INTO err_items (id, flag)"
				 " VALUES ('x', NULL)", NULL), EBUSY);
	assert_int_equal(db_exec(db, "SELEKT nonsense", NULL), EIO);
	assert_true(strlen(db_errmsg(db)) > 0);

	assert_int_equal(db_query_one(db, &row, "SELECT id FROM err_items"
				      " WHERE id = ?",
				      json_pack("[s]", "missing")), ENOENT);
	assert_null(row);
	assert_int_equal(count_rows(db, "SELECT COUNT(*) AS n"
				    " FROM err_items"), 1);
	e->be->close(db);
}

/* ---- jobs through the store ------------------------------------------------ */

struct rw_ctx {
	struct loop_ctx loop;
	struct store *st;
	int write_err;
	int read_err;
	json_t *read_row;
};

static int rw_write(struct db *db, void *arg)
{
	(void)arg;
	return db_exec(db, "INSERT INTO job_items (id, n) VALUES (?, ?)",
		       json_pack("[si]", "job", 42));
}

static int rw_read(struct db *db, void *arg)
{
	struct rw_ctx *ctx = arg;

	return db_query_one(db, &ctx->read_row, "SELECT n FROM job_items"
			    " WHERE id = ?", json_pack("[s]", "job"));
}

static void rw_read_done(int err, void *arg)
{
	struct rw_ctx *ctx = arg;

	ctx->read_err = err;
	loop_arrived(&ctx->loop);
}

/* The read is submitted once the write is committed. */
static void rw_write_done(int err, void *arg)
{
	struct rw_ctx *ctx = arg;

	ctx->write_err = err;
	loop_arrived(&ctx->loop);
	if (store_submit(ctx->st, STORE_READ, rw_read, rw_read_done, ctx))
		re_cancel();
}

static void test_submit(void **state)
{
	struct env *e = env_of(state);
	struct rw_ctx ctx;
	struct db *db = connect_db(e);

	create_items(db, "job_items");
	e->be->close(db);

	assert_int_equal(libre_init(), 0);
	memset(&ctx, 0, sizeof(ctx));
	loop_init(&ctx.loop, 2);
	ctx.st = open_store(e);
	assert_int_equal(store_submit(ctx.st, STORE_WRITE, rw_write,
				      rw_write_done, &ctx), 0);
	loop_run(&ctx.loop);
	assert_int_equal(ctx.write_err, 0);
	assert_int_equal(ctx.read_err, 0);
	assert_int_equal(json_integer_value(json_object_get(ctx.read_row,
							    "n")), 42);
	json_decref(ctx.read_row);
	assert_true(store_jobs_done(ctx.st) >= 2);
	assert_int_equal(store_queue_depth(ctx.st), 0);
	store_close(ctx.st);
	libre_close();
}

/* ---- a failing job does not undo the rest of its batch --------------------- */

struct batch_job {
	struct loop_ctx *loop;
	sem_t *gate;         /* the first job waits here */
	const char *id;
	int work_ret;        /* returned after a successful insert */
	int err;
};

static int batch_work(struct db *db, void *arg)
{
	struct batch_job *job = arg;
	int err;

	if (job->gate) {
		/* Hold the writer until the other jobs are queued, so they
		   all go into the next batch together. */
		while (sem_wait(job->gate) && errno == EINTR)
			;
	}
	err = db_exec(db, "INSERT INTO batch_items (id) VALUES (?)",
		      json_pack("[s]", job->id));
	return err ? err : job->work_ret;
}

static void batch_done(int err, void *arg)
{
	struct batch_job *job = arg;

	job->err = err;
	loop_arrived(job->loop);
}

static void test_batch_failure(void **state)
{
	struct env *e = env_of(state);
	struct loop_ctx loop;
	struct store *st;
	struct db *db;
	sem_t gate;
	struct batch_job jobs[] = {
		{.id = "gate"},
		{.id = "x1"},
		{.id = "x1"},                   /* duplicate: EEXIST */
		{.id = "x2"},
		{.id = "x3", .work_ret = EINVAL}, /* inserts, then fails */
		{.id = "x4"},
	};
	const int njobs = (int)(sizeof(jobs) / sizeof(*jobs));

	db = connect_db(e);
	create_items(db, "batch_items");
	assert_int_equal(sem_init(&gate, 0, 0), 0);
	assert_int_equal(libre_init(), 0);
	loop_init(&loop, njobs);
	st = open_store(e);
	jobs[0].gate = &gate;
	for (int i = 0; i < njobs; i++) {
		jobs[i].loop = &loop;
		assert_int_equal(store_submit(st, STORE_WRITE, batch_work,
					      batch_done, &jobs[i]), 0);
	}
	sem_post(&gate);
	loop_run(&loop);

	assert_int_equal(jobs[0].err, 0);
	assert_int_equal(jobs[1].err, 0);
	assert_int_equal(jobs[2].err, EEXIST);
	assert_int_equal(jobs[3].err, 0);
	assert_int_equal(jobs[4].err, EINVAL);
	assert_int_equal(jobs[5].err, 0);
	assert_int_equal(count_rows(db, "SELECT COUNT(*) AS n FROM batch_items"
				    " WHERE id IN ('gate', 'x1', 'x2', 'x4')"),
			 4);
	assert_int_equal(count_rows(db, "SELECT COUNT(*) AS n"
				    " FROM batch_items"), 4);
	store_close(st);
	libre_close();
	sem_destroy(&gate);
	e->be->close(db);
}

/* ---- store_close() runs the writes still queued ---------------------------- */

static int close_work(struct db *db, void *arg)
{
	return db_exec(db, "INSERT INTO close_items (id, n) VALUES (?, ?)",
		       json_pack("[si]", "row", (int)(intptr_t)arg));
}

static void test_close_drains(void **state)
{
	struct env *e = env_of(state);
	struct store *st;
	struct db *db = connect_db(e);

	exec_ok(db, "CREATE TABLE close_items (id TEXT NOT NULL,"
		" n BIGINT NOT NULL, UNIQUE (id, n))", NULL);
	e->be->close(db);

	assert_int_equal(libre_init(), 0);
	st = open_store(e);
	/* No done handler: the replies would be dropped at close anyway. */
	for (intptr_t i = 0; i < 100; i++)
		assert_int_equal(store_submit(st, STORE_WRITE, close_work,
					      NULL, (void *)i), 0);
	store_close(st);
	libre_close();

	assert_int_equal(libre_init(), 0);
	st = open_store(e);
	store_close(st);
	libre_close();
	db = connect_db(e);
	assert_int_equal(count_rows(db, "SELECT COUNT(*) AS n"
				    " FROM close_items"), 100);
	assert_int_equal(count_rows(db, "SELECT COUNT(DISTINCT n) AS n"
				    " FROM close_items"), 100);
	e->be->close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrations),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_submit),
		cmocka_unit_test(test_batch_failure),
		cmocka_unit_test(test_close_drains),
	};
	int failed;

	failed = cmocka_run_group_tests_name("store-sqlite", tests,
					     sqlite_setup, sqlite_teardown);
	if (!getenv("HOTLINE_TEST_PG"))
		fprintf(stderr, "store/postgres: HOTLINE_TEST_PG not set,"
			" PostgreSQL tests skipped\n");
	failed += cmocka_run_group_tests_name("store-postgres", tests,
					      pg_setup, pg_teardown);
	return failed ? 1 : 0;
}
