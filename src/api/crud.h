/*
 * crud.h — table-driven create/read/update/delete for the telephony
 * resources (trunks, numbers, time groups, routes, lists, speed dials):
 * the body is checked against a column table, merged with the stored row
 * or the defaults, checked by the resource, then written; rows are read
 * back, logged in the operation log and returned. Lists use list_run().
 */
#ifndef HOTLINE_API_CRUD_H
#define HOTLINE_API_CRUD_H

#include "api.h"

enum col_kind {
	C_TEXT,          /* string */
	C_TEXT_NULL,     /* string or null (a nullable reference) */
	C_INT,
	C_BOOL,
	C_STRINGS,       /* array of strings, stored as JSON text */
	C_ARRAY,         /* any array, stored as JSON text */
	C_OBJECT,        /* object, stored as JSON text */
};

struct crud_col {
	const char *name;
	enum col_kind kind;
	bool required;   /* on create */
	long min, max;   /* string length / integer range / array size */
	const char *def; /* JSON default on create ("\"udp\"", "0", "[]") */
	bool hidden;     /* write-only (never returned) */
	bool internal;   /* not in bodies: set by the check in the row */
};

struct crud_spec {
	const char *table;      /* "trunks"; also the oplog resource */
	const char *what;       /* "trunk", for messages */
	const char *from;       /* FROM clause of reads (default: table) */
	const char *select;     /* SELECT list of reads */
	const struct crud_col *cols;
	const char *unique;     /* the column a 409 names */
	/* Cross-field and reference checks of the merged row. */
	int (*check)(struct db *db, struct api_req *req, json_t *row,
		     bool creating);
	/* Before a delete (e.g. references in JSON columns). */
	int (*pre_delete)(struct db *db, struct api_req *req);
	void (*fix)(json_t *row);   /* extra output shaping */
};

void crud_fix(const struct crud_spec *spec, json_t *row);
int  crud_get(struct db *db, struct api_req *req,
	      const struct crud_spec *spec);
int  crud_create(struct db *db, struct api_req *req,
		 const struct crud_spec *spec);
int  crud_update(struct db *db, struct api_req *req,
		 const struct crud_spec *spec);
int  crud_delete(struct db *db, struct api_req *req,
		 const struct crud_spec *spec);

/* After a get, create or update answered with a row: adds the row's
   write-only columns `cols` ("pin, admin_pin") to the answer when the
   caller may write `perm` (the operation log and lists never show them).
   err: the handler's result so far, returned when not 0. */
int  crud_reveal(struct db *db, struct api_req *req,
		 const struct crud_spec *spec, const char *cols,
		 const char *perm, int err);

/* Helpers for checks. */
bool crud_in_set(const char *const *set, const char *s);
/* 400 unless `id` is a row of the caller's tenant in `table`. */
int  crud_check_ref(struct db *db, struct api_req *req, const char *table,
		    const char *field, const char *id);
/* min to max characters, all of them digits. */
bool crud_digits(const char *s, size_t min, size_t max);
/* 409 `in_use` when `sql` finds a row that names the request's {id} in
   a JSON column: its parameters are the caller's tenant and the LIKE
   pattern %"<id>"%; the row's `name` is given as "<what> '<name>' uses
   it". */
int  crud_refuse_if_used(struct db *db, struct api_req *req, const char *sql,
			 const char *what);
/* A number: 1-32 characters, digits with an optional leading '+'. */
bool crud_number_valid(const char *s, bool allow_star);

#define CRUD_HANDLERS(prefix, spec, list)                                   \
	static void prefix##_fix_row(json_t *row) { crud_fix(&spec, row); } \
	HANDLER(prefix##_list)                                              \
	{                                                                   \
		return list_run(db, req, &list, NULL, NULL,                 \
				prefix##_fix_row);                          \
	}                                                                   \
	HANDLER(prefix##_get) { return crud_get(db, req, &spec); }          \
	HANDLER(prefix##_create) { return crud_create(db, req, &spec); }    \
	HANDLER(prefix##_update) { return crud_update(db, req, &spec); }    \
	HANDLER(prefix##_delete) { return crud_delete(db, req, &spec); }

#endif
