/*
 * sqlite.c — the embedded SQLite backend (the default).
 *
 * The database is DATADIR/hotline.db in WAL mode, so the readers never wait
 * for the writer. Foreign keys are enforced. A busy timeout covers the short
 * moments when a checkpoint holds the lock.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include "backend.h"

struct sqlite_db {
	struct db base;
	sqlite3 *conn;
};

static int map_error(sqlite3 *conn, int rc)
{
	(void)conn;
	if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE ||
		    rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return EEXIST;
		return EBUSY;
	default:
		return EIO;
	}
}

static int bind_param(sqlite3_stmt *stmt, int idx, json_t *val)
{
	switch (json_typeof(val)) {
	case JSON_STRING:
		return sqlite3_bind_text(stmt, idx, json_string_value(val),
					 (int)json_string_length(val),
					 SQLITE_TRANSIENT);
	case JSON_INTEGER:
		return sqlite3_bind_int64(stmt, idx, json_integer_value(val));
	case JSON_REAL:
		return sqlite3_bind_double(stmt, idx, json_real_value(val));
	case JSON_TRUE:
		return sqlite3_bind_int(stmt, idx, 1);
	case JSON_FALSE:
		return sqlite3_bind_int(stmt, idx, 0);
	case JSON_NULL:
		return sqlite3_bind_null(stmt, idx);
	default:
		return SQLITE_MISMATCH;
	}
}

static json_t *column_value(sqlite3_stmt *stmt, int col)
{
	switch (sqlite3_column_type(stmt, col)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(stmt, col));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(stmt, col));
	case SQLITE_NULL:
		return json_null();
	default:
		return json_stringn((const char *)sqlite3_column_text(stmt,
								      col),
				    (size_t)sqlite3_column_bytes(stmt, col));
	}
}

static json_t *read_row(sqlite3_stmt *stmt)
{
	json_t *row = json_object();
	int ncol = sqlite3_column_count(stmt);

	for (int c = 0; row && c < ncol; c++)
		json_object_set_new(row, sqlite3_column_name(stmt, c),
				    column_value(stmt, c));
	return row;
}

static int sqlite_query(struct db *db, json_t **rowsp, const char *sql,
			json_t *params)
{
	struct sqlite_db *sdb = (struct sqlite_db *)db;
	sqlite3_stmt *stmt = NULL;
	json_t *rows = NULL;
	int rc;

	rc = sqlite3_prepare_v2(sdb->conn, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return map_error(sdb->conn, sqlite3_extended_errcode(sdb->conn));
	for (size_t i = 0; i < json_array_size(params); i++) {
		rc = bind_param(stmt, (int)i + 1, json_array_get(params, i));
		if (rc != SQLITE_OK) {
			sqlite3_finalize(stmt);
			return EIO;
		}
	}
	if (rowsp)
		rows = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (rows)
			json_array_append_new(rows, read_row(stmt));
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		json_decref(rows);
		return map_error(sdb->conn, sqlite3_extended_errcode(sdb->conn));
	}
	if (rowsp)
		*rowsp = rows;
	return 0;
}

static int sqlite_connect(struct db **dbp, const char *spec,
			  const char *datadir)
{
	struct sqlite_db *sdb;
	char path[4096];
	int rc;

	(void)spec;
	if (snprintf(path, sizeof(path), "%s/hotline.db", datadir) >=
	    (int)sizeof(path))
		return ENAMETOOLONG;
	sdb = calloc(1, sizeof(*sdb));
	if (!sdb)
		return ENOMEM;
	sdb->base.be = &db_sqlite;
	rc = sqlite3_open_v2(path, &sdb->conn,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(sdb->conn);
		free(sdb);
		return EIO;
	}
	sqlite3_busy_timeout(sdb->conn, 5000);
	rc = sqlite3_exec(sdb->conn, "PRAGMA journal_mode=WAL;"
			  "PRAGMA synchronous=NORMAL;"
			  "PRAGMA foreign_keys=ON;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(sdb->conn);
		free(sdb);
		return EIO;
	}
	*dbp = &sdb->base;
	return 0;
}

static long sqlite_changes(struct db *db)
{
	return sqlite3_changes(((struct sqlite_db *)db)->conn);
}

static const char *sqlite_errmsg(struct db *db)
{
	return sqlite3_errmsg(((struct sqlite_db *)db)->conn);
}

static void sqlite_close(struct db *db)
{
	struct sqlite_db *sdb = (struct sqlite_db *)db;

	sqlite3_close(sdb->conn);
	free(sdb);
}

const struct db_backend db_sqlite = {
	.name = "sqlite",
	.connect = sqlite_connect,
	.query = sqlite_query,
	.changes = sqlite_changes,
	.errmsg = sqlite_errmsg,
	.close = sqlite_close,
};
