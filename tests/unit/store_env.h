/*
 * store_env.h — unit tests on a real store, once per backend: SQLite in a
 * fresh temp dir, and PostgreSQL when HOTLINE_TEST_PG holds a postgres://
 * URI (in a schema of its own, dropped at the end, so the tests never touch
 * other data of that database). Included by the test files after cmocka.h,
 * <ftw.h>, store/backend.h and store/store.h.
 */
#ifndef HOTLINE_TESTS_STORE_ENV_H
#define HOTLINE_TESTS_STORE_ENV_H

/* One backend under test. */
struct env {
	const char *name;
	char spec[2048];     /* "" when the backend is not available */
	char datadir[256];   /* temp dir: SQLite data, files of the tests */
	char schema[64];     /* postgres: the schema the tests run in */
	const struct db_backend *be;
};

/* The env of a test; skips the test when its backend is not available. */
static inline struct env *env_of(void **state)
{
	struct env *e = *state;

	if (!e->spec[0])
		skip();
	return e;
}

static inline struct db *connect_db(struct env *e)
{
	struct db *db = NULL;

	assert_int_equal(e->be->connect(&db, e->spec, e->datadir), 0);
	assert_non_null(db);
	return db;
}

static inline int rm_entry(const char *path, const struct stat *sb, int flag,
			   struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline int env_temp_dir(struct env *e)
{
	snprintf(e->datadir, sizeof(e->datadir), "/tmp/hotline-unit-XXXXXX");
	return mkdtemp(e->datadir) ? 0 : -1;
}

/* Removes the temp dir, when there is one. */
static inline int env_remove_dir(struct env *e)
{
	if (strncmp(e->datadir, "/tmp/", 5))
		return 0;
	return nftw(e->datadir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline int env_sqlite(struct env *e)
{
	e->name = "sqlite";
	e->be = &db_sqlite;
	snprintf(e->spec, sizeof(e->spec), "sqlite");
	return env_temp_dir(e);
}

/* Runs one statement on a fresh connection to base_uri. */
static inline int pg_admin(const char *base_uri, const char *sql)
{
	struct db *db;
	int err = db_postgres.connect(&db, base_uri, NULL);

	if (err)
		return err;
	err = db_exec(db, sql, NULL);
	if (err)
		fprintf(stderr, "%s: %s\n", sql, db_errmsg(db));
	db_postgres.close(db);
	return err;
}

/* A schema "<prefix>_<pid>"; `files`: a temp dir for the tests' files
   (else datadir is "/nonexistent"). Without HOTLINE_TEST_PG, spec stays
   empty and the tests skip. */
static inline int env_pg(struct env *e, const char *prefix, bool files)
{
	const char *uri = getenv("HOTLINE_TEST_PG");
	char sql[128];

	e->name = "postgres";
	e->be = &db_postgres;
	snprintf(e->datadir, sizeof(e->datadir), "/nonexistent");
	if (!uri || !uri[0])
		return 0;
	if (files && env_temp_dir(e))
		return -1;
	snprintf(e->schema, sizeof(e->schema), "%s_%ld", prefix,
		 (long)getpid());
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE",
		 e->schema);
	if (pg_admin(uri, sql))
		return -1;
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", e->schema);
	if (pg_admin(uri, sql))
		return -1;
	/* Every connection of the tests works in that schema. */
	if (snprintf(e->spec, sizeof(e->spec), "%s%coptions=-csearch_path%%3D%s",
		     uri, strchr(uri, '?') ? '&' : '?', e->schema) >=
	    (int)sizeof(e->spec))
		return -1;
	return 0;
}

static inline int env_pg_drop(struct env *e)
{
	char sql[128];

	if (!e->spec[0])
		return 0;
	env_remove_dir(e);
	snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", e->schema);
	return pg_admin(getenv("HOTLINE_TEST_PG"), sql);
}

#endif
