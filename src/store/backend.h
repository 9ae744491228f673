/*
 * backend.h — what a database backend provides to the store (internal to
 * src/store). A connection is used by one store thread only.
 */
#ifndef HOTLINE_STORE_BACKEND_H
#define HOTLINE_STORE_BACKEND_H

#include <jansson.h>

struct db;

struct db_backend {
	const char *name;
	/* Opens one connection. spec and datadir as in store_open(). */
	int  (*connect)(struct db **dbp, const char *spec, const char *datadir);
	/* Runs sql with '?' params. rowsp NULL: rows are discarded.
	   Returns 0, EEXIST, EBUSY or EIO as documented in store.h. */
	int  (*query)(struct db *db, json_t **rowsp, const char *sql,
		      json_t *params);
	long (*changes)(struct db *db);
	const char *(*errmsg)(struct db *db);
	void (*close)(struct db *db);
};

/* Every connection starts with this header so the store can find its
   backend; backends embed it as their first member. */
struct db {
	const struct db_backend *be;
};

extern const struct db_backend db_sqlite;
extern const struct db_backend db_postgres;

/* Applies the schema migrations not yet applied (store/migrate.c). */
int store_migrate(struct db *db);

#endif
