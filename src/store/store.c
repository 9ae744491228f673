/*
 * store.c — the store threads: one writer that batches, a pool of readers,
 * and the way results come back to the control thread.
 *
 * A job travels: control thread -> queue (mutex + condition) -> store thread
 * runs work() -> libre mqueue -> control thread runs done(). The writer takes
 * every job queued at that moment (up to WRITE_BATCH) and runs them in one
 * transaction, each in its own savepoint. store_close() stops intake, lets
 * the writer finish every queued write and joins all threads, so a shutdown
 * loses nothing that was accepted.
 */
#include <errno.h>
#include <pthread.h>
#include "../core/libre.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "backend.h"
#include "store.h"
#include "../core/log.h"

enum { WRITE_BATCH = 256, MAX_READERS = 16 };

struct job {
	struct job *next;
	store_work_h *work;
	store_done_h *done;
	void *arg;
	int err;
};

struct job_queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, *tail;
	unsigned len;
	bool closing;
};

struct worker {
	struct store *st;
	struct db *db;
	struct job_queue *queue;
	pthread_t thread;
	bool started;
	bool is_writer;
};

struct store {
	const struct db_backend *be;
	struct job_queue writes, reads;
	struct worker writer;
	struct worker readers[MAX_READERS];
	unsigned nreaders;
	struct mqueue *results;      /* wakes the control thread */
	pthread_mutex_t done_lock;   /* guards done_head/done_tail */
	struct job *done_head, *done_tail;
	atomic_ulong jobs_done;
};

static void queue_init(struct job_queue *q)
{
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	q->head = q->tail = NULL;
	q->len = 0;
	q->closing = false;
}

static int queue_push(struct job_queue *q, struct job *job)
{
	pthread_mutex_lock(&q->lock);
	if (q->closing) {
		pthread_mutex_unlock(&q->lock);
		return ESHUTDOWN;
	}
	if (q->tail)
		q->tail->next = job;
	else
		q->head = job;
	q->tail = job;
	q->len++;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

/* Waits for work; takes up to max jobs. Returns NULL once closed and empty. */
static struct job *queue_take(struct job_queue *q, unsigned max)
{
	struct job *first, *last;

	pthread_mutex_lock(&q->lock);
	while (!q->head && !q->closing)
		pthread_cond_wait(&q->cond, &q->lock);
	first = q->head;
	last = first;
	for (unsigned n = 1; last && n < max && last->next; n++)
		last = last->next;
	if (last) {
		q->head = last->next;
		if (!q->head)
			q->tail = NULL;
		last->next = NULL;
		for (struct job *j = first; j; j = j->next)
			q->len--;
	}
	pthread_mutex_unlock(&q->lock);
	return first;
}

static void queue_close(struct job_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closing = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/* Finished jobs wait on the done list; the first one in an empty list
   wakes the control thread through the mqueue. */
static void deliver(struct store *st, struct job *job)
{
	bool wake;

	atomic_fetch_add(&st->jobs_done, 1);
	if (!job->done) {
		free(job);
		return;
	}
	job->next = NULL;
	pthread_mutex_lock(&st->done_lock);
	wake = !st->done_head;
	if (st->done_tail)
		st->done_tail->next = job;
	else
		st->done_head = job;
	st->done_tail = job;
	pthread_mutex_unlock(&st->done_lock);
	if (wake)
		mqueue_push(st->results, 0, NULL);
}

/* Runs the done functions of every finished job (control thread). */
static void run_done(struct store *st)
{
	struct job *jobs;

	pthread_mutex_lock(&st->done_lock);
	jobs = st->done_head;
	st->done_head = st->done_tail = NULL;
	pthread_mutex_unlock(&st->done_lock);
	while (jobs) {
		struct job *next = jobs->next;

		jobs->done(jobs->err, jobs->arg);
		free(jobs);
		jobs = next;
	}
}

static void run_reads(struct worker *w, struct job *jobs)
{
	while (jobs) {
		struct job *next = jobs->next;

		jobs->err = jobs->work(w->db, jobs->arg);
		deliver(w->st, jobs);
		jobs = next;
	}
}

static int run_one_write(struct db *db, struct job *job)
{
	int err = db->be->query(db, NULL, "SAVEPOINT job", NULL);

	if (err)
		return err;
	job->err = job->work(db, job->arg);
	if (job->err) {
		db->be->query(db, NULL, "ROLLBACK TO SAVEPOINT job", NULL);
		return db->be->query(db, NULL, "RELEASE SAVEPOINT job", NULL);
	}
	return db->be->query(db, NULL, "RELEASE SAVEPOINT job", NULL);
}

/* One transaction for the batch; if the commit itself fails, every job of
   the batch is reported as failed. */
static void run_writes(struct worker *w, struct job *jobs)
{
	struct db *db = w->db;
	int err = db->be->query(db, NULL, "BEGIN", NULL);

	for (struct job *j = jobs; j; j = j->next) {
		if (err) {
			j->err = err;
			continue;
		}
		err = run_one_write(db, j);
		if (err)
			j->err = err;
	}
	if (!err)
		err = db->be->query(db, NULL, "COMMIT", NULL);
	if (err) {
		log_error("store", "write batch failed: %s",
			  db->be->errmsg(db));
		db->be->query(db, NULL, "ROLLBACK", NULL);
		for (struct job *j = jobs; j; j = j->next)
			j->err = j->err ? j->err : EIO;
	}
	while (jobs) {
		struct job *next = jobs->next;

		deliver(w->st, jobs);
		jobs = next;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct job *jobs;

	while ((jobs = queue_take(w->queue, w->is_writer ? WRITE_BATCH : 1))) {
		if (w->is_writer)
			run_writes(w, jobs);
		else
			run_reads(w, jobs);
	}
	return NULL;
}

static void result_handler(int id, void *data, void *arg)
{
	(void)id;
	(void)data;
	run_done(arg);
}

static const struct db_backend *backend_for(const char *spec)
{
	if (!strcmp(spec, "sqlite"))
		return &db_sqlite;
	if (!strncmp(spec, "postgres://", 11) ||
	    !strncmp(spec, "postgresql://", 13))
		return &db_postgres;
	return NULL;
}

static int worker_start(struct store *st, struct worker *w,
			struct job_queue *q, bool is_writer,
			const char *spec, const char *datadir)
{
	int err;

	w->st = st;
	w->queue = q;
	w->is_writer = is_writer;
	err = st->be->connect(&w->db, spec, datadir);
	if (err)
		return err;
	err = pthread_create(&w->thread, NULL, worker_main, w);
	if (err)
		return err;
	w->started = true;
	return 0;
}

static void worker_stop(struct worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = false;
	if (w->db)
		w->db->be->close(w->db);
	w->db = NULL;
}

/* Migrations run on the writer's connection before any thread starts. */
static int open_writer(struct store *st, const char *spec,
		       const char *datadir)
{
	struct db *db;
	int err = st->be->connect(&db, spec, datadir);

	if (err)
		return err;
	err = store_migrate(db);
	db->be->close(db);
	if (err)
		return err;
	return worker_start(st, &st->writer, &st->writes, true, spec,
			    datadir);
}

int store_open(struct store **stp, const char *spec, const char *datadir,
	       unsigned readers)
{
	struct store *st;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return ENOMEM;
	st->be = backend_for(spec);
	if (!st->be) {
		free(st);
		return EINVAL;
	}
	queue_init(&st->writes);
	queue_init(&st->reads);
	pthread_mutex_init(&st->done_lock, NULL);
	st->nreaders = readers < 1 ? 1 : readers > MAX_READERS ? MAX_READERS
							      : readers;
	err = mqueue_alloc(&st->results, result_handler, st);
	if (err)
		goto fail;
	err = open_writer(st, spec, datadir);
	if (err)
		goto fail;
	for (unsigned i = 0; i < st->nreaders; i++) {
		err = worker_start(st, &st->readers[i], &st->reads, false,
				   spec, datadir);
		if (err)
			goto fail;
	}
	*stp = st;
	return 0;
fail:
	store_close(st);
	return err;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	queue_close(&st->reads);
	queue_close(&st->writes);
	for (unsigned i = 0; i < st->nreaders; i++)
		worker_stop(&st->readers[i]);
	worker_stop(&st->writer);
	/* Every accepted job has run; hand their results over now. Jobs
	   submitted from these done functions are refused (ESHUTDOWN). */
	run_done(st);
	mem_deref(st->results);
	free(st);
}

int store_submit(struct store *st, enum store_kind kind, store_work_h *work,
		 store_done_h *done, void *arg)
{
	struct job *job;
	int err;

	if (!st || !work)
		return EINVAL;
	job = calloc(1, sizeof(*job));
	if (!job)
		return ENOMEM;
	job->work = work;
	job->done = done;
	job->arg = arg;
	err = queue_push(kind == STORE_WRITE ? &st->writes : &st->reads, job);
	if (err)
		free(job);
	return err;
}

const char *store_backend(const struct store *st)
{
	return st->be->name;
}

unsigned store_queue_depth(const struct store *st)
{
	struct store *mst = (struct store *)st;
	unsigned n;

	pthread_mutex_lock(&mst->writes.lock);
	n = mst->writes.len;
	pthread_mutex_unlock(&mst->writes.lock);
	pthread_mutex_lock(&mst->reads.lock);
	n += mst->reads.len;
	pthread_mutex_unlock(&mst->reads.lock);
	return n;
}

unsigned long store_jobs_done(const struct store *st)
{
	return atomic_load(&st->jobs_done);
}

int db_exec(struct db *db, const char *sql, json_t *params)
{
	int err = db->be->query(db, NULL, sql, params);

	json_decref(params);
	return err;
}

int db_query(struct db *db, json_t **rowsp, const char *sql, json_t *params)
{
	int err = db->be->query(db, rowsp, sql, params);

	json_decref(params);
	return err;
}

int db_query_one(struct db *db, json_t **rowp, const char *sql,
		 json_t *params)
{
	json_t *rows = NULL;
	int err = db->be->query(db, &rows, sql, params);

	json_decref(params);
	if (err)
		return err;
	if (json_array_size(rows) == 0) {
		json_decref(rows);
		return ENOENT;
	}
	*rowp = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return 0;
}

long db_changes(struct db *db)
{
	return db->be->changes(db);
}

const char *db_errmsg(struct db *db)
{
	return db->be->errmsg(db);
}

const char *db_backend(const struct db *db)
{
	return db->be->name;
}
