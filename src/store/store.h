/*
 * store.h — the storage interface every module uses.
 *
 * The control thread never runs SQL. It hands a job (a work function and a
 * done function) to the store: the work runs on a store thread with a database
 * connection, the done function runs later on the control thread with the
 * result. Write jobs go to the single writer thread, which runs every job it
 * finds queued inside one transaction (each job in its own savepoint, so one
 * failing job does not undo the others). Read jobs go to a pool of readers.
 *
 * SQL is written once for both backends: '?' placeholders, BIGINT/TEXT/INTEGER
 * columns, ids as text, times as BIGINT milliseconds, booleans as 0/1.
 * Parameters and rows are jansson values.
 */
#ifndef HOTLINE_STORE_H
#define HOTLINE_STORE_H

#include <jansson.h>
#include <stdbool.h>

struct store;
struct db;

enum store_kind { STORE_READ, STORE_WRITE };

/* Runs on a store thread. Returns 0 or an errno-style code (see below). */
typedef int (store_work_h)(struct db *db, void *arg);
/* Runs on the control thread with the work's return code. */
typedef void (store_done_h)(int err, void *arg);

/* spec: "sqlite" (file hotline.db under datadir) or "postgres://..." */
int  store_open(struct store **stp, const char *spec, const char *datadir,
		unsigned readers);
/* Stops accepting jobs, runs every queued write, joins the threads. */
void store_close(struct store *st);
int  store_submit(struct store *st, enum store_kind kind,
		  store_work_h *work, store_done_h *done, void *arg);
const char *store_backend(const struct store *st);
unsigned store_queue_depth(const struct store *st);
unsigned long store_jobs_done(const struct store *st);

/*
 * Inside a work function. Error codes:
 *   EEXIST  unique constraint violated
 *   EBUSY   foreign key / other constraint violated
 *   ENOENT  db_query_one found no row
 *   EIO     any other database error (db_errmsg tells)
 * The params array is taken over (released by the call), so callers can
 * write db_exec(db, sql, json_pack("[ss]", a, b)).
 */
int  db_exec(struct db *db, const char *sql, json_t *params);
int  db_query(struct db *db, json_t **rowsp, const char *sql, json_t *params);
int  db_query_one(struct db *db, json_t **rowp, const char *sql,
		  json_t *params);
long db_changes(struct db *db);
const char *db_errmsg(struct db *db);
const char *db_backend(const struct db *db);

#endif
