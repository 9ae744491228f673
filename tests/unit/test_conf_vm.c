/*
 * test_conf_vm.c — conference rooms and voicemail against a real store:
 * the message file layout (voicemail_message_path), filing a recorded
 * message through a store write job (voicemail_message_save: the row, a
 * box of another tenant or a deleted box, a path that is not the layout's),
 * removing a box's and a tenant's files, and the telephony directory's
 * lookups of rooms and boxes loaded by the real SQL (an extension's box on
 * the extension's number, a greeting only while its voice is approved).
 *
 * Runs on SQLite (a fresh temp dir) and, when HOTLINE_TEST_PG holds a
 * postgres:// URI, on PostgreSQL too (in a schema of its own, dropped at
 * the end).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/libre.h"
#include "sip/directory.h"
#include "store/backend.h"
#include "store/store.h"
#include "voicemail/voicemail.h"

#define TA "tenant-a"
#define TB "tenant-b"

#include "store_env.h"

/* ---- helpers ------------------------------------------------------------ */

static void exec_ok(struct db *db, const char *sql)
{
	int err = db_exec(db, sql, NULL);

	if (err)
		fail_msg("%s: error %d: %s", sql, err, db_errmsg(db));
}

static json_t *one_row(struct env *e, const char *sql, const char *id)
{
	struct db *db = connect_db(e);
	json_t *row = NULL;
	int err = db_query_one(db, &row, sql, json_pack("[s]", id));

	e->be->close(db);
	return err ? NULL : row;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void write_file(const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs("RIFF", f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static struct store *open_store(struct env *e)
{
	struct store *st = NULL;
	int err = store_open(&st, e->spec, e->datadir, 2);

	if (err)
		fail_msg("store_open(%s): error %d", e->name, err);
	return st;
}

/* Two tenants; in A an extension with a box greeted by an approved voice,
   a tenant box whose greeting is still pending, two rooms; in B a box on
   the same number as A's tenant box. */
static void seed(struct env *e)
{
	static const char *const rows[] = {
		"INSERT INTO tenants (id, code, name, timezone, created_at, "
		"updated_at) VALUES ('" TA "', 'a', 'A', 'UTC', 1, 1), ('" TB
		"', 'b', 'B', 'UTC', 1, 1)",
		"INSERT INTO extensions (id, tenant_id, number, password, "
		"created_at, updated_at) VALUES ('ext-1', '" TA "', '1001', "
		"'pw', 1, 1)",
		"INSERT INTO voices (id, tenant_id, name, format, "
		"original_rate, original_channels, duration_ms, size_bytes, "
		"status, created_at, updated_at) VALUES ('voice-ok', '" TA
		"', 'ok', 'wav', 16000, 1, 1000, 100, 'approved', 1, 1), "
		"('voice-pending', '" TA "', 'pending', 'wav', 16000, 1, 1000, "
		"100, 'pending', 1, 1)",
		"INSERT INTO voicemail_boxes (id, tenant_id, extension_id, "
		"number, name, pin, greeting_voice_id, max_message_s, notify, "
		"created_at, updated_at) VALUES ('box-ext', '" TA "', 'ext-1', "
		"NULL, 'mine', '1234', 'voice-ok', 90, 1, 1, 1), ('box-t', '"
		TA "', NULL, '8000', 'sales', '', 'voice-pending', 120, 0, 1, "
		"1), ('box-b', '" TB "', NULL, '8000', 'theirs', '', NULL, "
		"120, 0, 1, 1)",
		"INSERT INTO conference_rooms (id, tenant_id, number, name, "
		"pin, admin_pin, max_members, join_tones, enabled, created_at, "
		"updated_at) VALUES ('room-1', '" TA "', '3000', 'Board', '11', "
		"'22', 5, 0, 1, 1, 1), ('room-off', '" TA "', '3001', 'Off', "
		"'', '', 10, 1, 0, 1, 1)",
	};
	struct store *st = open_store(e);   /* applies the migrations */
	struct db *db;

	store_close(st);
	db = connect_db(e);
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++)
		exec_ok(db, rows[i]);
	e->be->close(db);
}

/* ---- setup: one env per backend ---------------------------------------- */

static int sqlite_setup(void **state)
{
	static struct env e;

	*state = &e;
	if (env_sqlite(&e) || libre_init())
		return -1;
	seed(&e);
	return 0;
}

static int sqlite_teardown(void **state)
{
	libre_close();
	return env_remove_dir(*state);
}

static int pg_setup(void **state)
{
	static struct env e;

	*state = &e;
	if (env_pg(&e, "unit_confvm", true))
		return -1;
	if (!e.spec[0])
		return 0;
	if (libre_init())
		return -1;
	seed(&e);
	return 0;
}

static int pg_teardown(void **state)
{
	struct env *e = *state;

	if (e->spec[0])
		libre_close();
	return env_pg_drop(e);
}

/* ---- the file layout ---------------------------------------------------- */

static void test_paths(void **state)
{
	struct env *e = env_of(state);
	char path[512], want[512], dir[512], small[24];

	assert_int_equal(voicemail_message_path(path, sizeof(path), e->datadir,
						TA, "box-ext", "msg-1"), 0);
	snprintf(want, sizeof(want), "%s/voicemail/" TA "/box-ext/msg-1.wav",
		 e->datadir);
	assert_string_equal(path, want);
	snprintf(dir, sizeof(dir), "%s/voicemail/" TA "/box-ext", e->datadir);
	assert_true(exists(dir));
	assert_int_equal(voicemail_message_relpath(path, sizeof(path), TA,
						   "box-ext", "msg-1"), 0);
	assert_string_equal(path, "voicemail/" TA "/box-ext/msg-1.wav");

	/* Ids are names in a path: nothing that climbs out of it. */
	assert_int_equal(voicemail_message_path(path, sizeof(path), e->datadir,
						"..", "box-ext", "m"), EINVAL);
	assert_int_equal(voicemail_message_path(path, sizeof(path), e->datadir,
						TA, "a/b", "m"), EINVAL);
	assert_int_equal(voicemail_message_path(path, sizeof(path), e->datadir,
						TA, "box-ext", ""), EINVAL);
	assert_int_equal(voicemail_message_path(path, sizeof(path), NULL, TA,
						"box-ext", "m"), EINVAL);
	assert_int_equal(voicemail_message_path(small, sizeof(small),
						e->datadir, TA, "box-ext",
						"m"), ENAMETOOLONG);
	assert_int_equal(voicemail_message_relpath(small, sizeof(small), TA,
						   "box-ext", "m"),
			 ENAMETOOLONG);
}

/* ---- filing messages ---------------------------------------------------- */

static void message(struct env *e, struct vm_message *m, const char *tenant,
		    const char *box, const char *id)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", id);
	snprintf(m->tenant_id, sizeof(m->tenant_id), "%s", tenant);
	snprintf(m->box_id, sizeof(m->box_id), "%s", box);
	snprintf(m->call_id, sizeof(m->call_id), "call-%s", id);
	snprintf(m->caller, sizeof(m->caller), "13900001111");
	snprintf(m->caller_name, sizeof(m->caller_name), "Zhang San");
	m->duration_ms = 4321;
	assert_int_equal(voicemail_message_path(m->path, sizeof(m->path),
						e->datadir, tenant, box, id),
			 0);
	write_file(m->path);
}

#define MSG_SQL "SELECT tenant_id, box_id, call_id, caller, caller_name, " \
	"duration_ms, path, status, created_at, read_at FROM " \
	"voicemail_messages WHERE id = ?"

static void test_save(void **state)
{
	struct env *e = env_of(state);
	struct vm_message ok, foreign, gone, wrong;
	struct store *st = open_store(e);
	json_t *row;

	message(e, &ok, TA, "box-ext", "msg-ok");
	message(e, &foreign, TA, "box-b", "msg-foreign");   /* B's box */
	message(e, &gone, TA, "box-none", "msg-gone");
	message(e, &wrong, TA, "box-t", "msg-wrong");
	snprintf(wrong.id, sizeof(wrong.id), "msg-other");  /* path differs */

	assert_int_equal(voicemail_message_save(st, &ok), 0);
	assert_int_equal(voicemail_message_save(st, &foreign), 0);
	assert_int_equal(voicemail_message_save(st, &gone), 0);
	assert_int_equal(voicemail_message_save(st, &wrong), EINVAL);
	assert_int_equal(voicemail_message_save(st, NULL), EINVAL);
	assert_int_equal(voicemail_message_save(NULL, &ok), EINVAL);
	store_close(st);   /* runs the queued writes, then their done */

	row = one_row(e, MSG_SQL, "msg-ok");
	assert_non_null(row);
	assert_string_equal(json_string_value(json_object_get(row,
				"tenant_id")), TA);
	assert_string_equal(json_string_value(json_object_get(row, "box_id")),
			    "box-ext");
	assert_string_equal(json_string_value(json_object_get(row,
				"call_id")), "call-msg-ok");
	assert_string_equal(json_string_value(json_object_get(row, "caller")),
			    "13900001111");
	assert_string_equal(json_string_value(json_object_get(row,
				"caller_name")), "Zhang San");
	assert_int_equal(json_integer_value(json_object_get(row,
				"duration_ms")), 4321);
	assert_string_equal(json_string_value(json_object_get(row, "path")),
			    "voicemail/" TA "/box-ext/msg-ok.wav");
	assert_string_equal(json_string_value(json_object_get(row, "status")),
			    "new");
	assert_true(json_integer_value(json_object_get(row, "created_at")) >
		    1700000000000LL);
	assert_true(json_is_null(json_object_get(row, "read_at")));
	json_decref(row);
	assert_true(exists(ok.path));

	/* Not the tenant's box, or no box: no row, and the file is gone. */
	assert_null(one_row(e, MSG_SQL, "msg-foreign"));
	assert_false(exists(foreign.path));
	assert_null(one_row(e, MSG_SQL, "msg-gone"));
	assert_false(exists(gone.path));
	/* Refused before any job: the caller's file is left alone. */
	assert_null(one_row(e, MSG_SQL, "msg-other"));
	assert_true(exists(wrong.path));
}

static void test_remove_files(void **state)
{
	struct env *e = env_of(state);
	struct vm_message m1, m2;
	char dir[512];

	message(e, &m1, TA, "box-t", "msg-r1");
	message(e, &m2, TA, "box-ext", "msg-r2");
	assert_int_equal(voicemail_remove_box(e->datadir, TA, "box-t"), 0);
	assert_false(exists(m1.path));
	assert_true(exists(m2.path));
	assert_int_equal(voicemail_remove_box(e->datadir, TA, "box-t"), 0);
	assert_int_equal(voicemail_remove_box(e->datadir, TA, ".."), EINVAL);
	assert_int_equal(voicemail_remove_tenant(e->datadir, TA), 0);
	snprintf(dir, sizeof(dir), "%s/voicemail/" TA, e->datadir);
	assert_false(exists(dir));
	assert_int_equal(voicemail_remove_tenant(e->datadir, TA), 0);
	assert_int_equal(voicemail_remove_tenant(e->datadir, "a/b"), EINVAL);
}

/* ---- the directory ------------------------------------------------------ */

struct ready_ctx {
	bool ready, timed_out;
	int err;
	struct tmr timeout;
};

static void ready(int err, void *arg)
{
	struct ready_ctx *ctx = arg;

	ctx->ready = true;
	ctx->err = err;
	re_cancel();
}

static void timeout(void *arg)
{
	struct ready_ctx *ctx = arg;

	ctx->timed_out = true;
	re_cancel();
}

static void test_directory(void **state)
{
	struct env *e = env_of(state);
	struct store *st = open_store(e);
	struct directory *dir = NULL;
	struct ready_ctx ctx = {0};
	const struct dir_conference_room *r;
	const struct dir_voicemail_box *b;

	tmr_init(&ctx.timeout);
	tmr_start(&ctx.timeout, 20000, timeout, &ctx);
	assert_int_equal(directory_alloc(&dir, st, ready, &ctx), 0);
	re_main(NULL);
	tmr_cancel(&ctx.timeout);
	assert_false(ctx.timed_out);
	assert_true(ctx.ready);
	assert_int_equal(ctx.err, 0);

	r = directory_conference_room(dir, TA, "3000");
	assert_non_null(r);
	assert_string_equal(r->id, "room-1");
	assert_string_equal(r->name, "Board");
	assert_string_equal(r->pin, "11");
	assert_string_equal(r->admin_pin, "22");
	assert_int_equal(r->max_members, 5);
	assert_false(r->join_tones);
	assert_true(r->enabled);
	r = directory_conference_room(dir, TA, "3001");
	assert_non_null(r);
	assert_false(r->enabled);
	assert_null(directory_conference_room(dir, TB, "3000"));
	assert_null(directory_conference_room(dir, TA, "300"));
	assert_null(directory_conference_room(dir, TA, "1234567890123"));
	assert_null(directory_conference_room(dir, TA, NULL));

	/* An extension's box answers on the extension's number. */
	b = directory_voicemail_box(dir, TA, "1001");
	assert_non_null(b);
	assert_string_equal(b->id, "box-ext");
	assert_string_equal(b->extension_id, "ext-1");
	assert_string_equal(b->number, "1001");
	assert_string_equal(b->pin, "1234");
	assert_string_equal(b->greeting_voice_id, "voice-ok");
	assert_int_equal(b->max_message_s, 90);
	assert_true(b->notify);
	assert_true(b->enabled);
	/* A greeting still pending review is no greeting. */
	b = directory_voicemail_box(dir, TA, "8000");
	assert_non_null(b);
	assert_string_equal(b->id, "box-t");
	assert_string_equal(b->extension_id, "");
	assert_string_equal(b->greeting_voice_id, "");
	assert_false(b->notify);
	b = directory_voicemail_box(dir, TB, "8000");
	assert_non_null(b);
	assert_string_equal(b->id, "box-b");
	assert_null(directory_voicemail_box(dir, TB, "1001"));
	assert_null(directory_voicemail_box(dir, TA, "1002"));
	assert_null(directory_voicemail_box(dir, TA,
					    "12345678901234567890"));
	assert_null(directory_voicemail_box(NULL, TA, "1001"));

	directory_free(dir);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_save),
		cmocka_unit_test(test_remove_files),
		cmocka_unit_test(test_directory),
	};
	int failed;

	failed = cmocka_run_group_tests_name("conf-vm-sqlite", tests,
					     sqlite_setup, sqlite_teardown);
	if (!getenv("HOTLINE_TEST_PG"))
		fprintf(stderr, "conf-vm/postgres: HOTLINE_TEST_PG not set,"
			" PostgreSQL tests skipped\n");
	failed += cmocka_run_group_tests_name("conf-vm-postgres", tests,
					      pg_setup, pg_teardown);
	return failed ? 1 : 0;
}
