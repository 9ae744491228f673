/*
 * pg.c — the PostgreSQL backend (libpq), chosen by a "postgres://" spec.
 *
 * The store's SQL uses '?' placeholders; they are rewritten to $1, $2...
 * and every parameter is sent as text, letting the server infer its type
 * from the statement. Where the statement gives no type ("? IS NULL"), the
 * SQL must say it: "CAST(? AS TEXT) IS NULL" works on both backends. Rows come back typed by the column's type OID so that
 * callers see the same jansson values as with SQLite: integers as integers,
 * booleans as 0/1, NULL as null, everything else as strings.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backend.h"
#include "../core/log.h"

/* Type OIDs from the server's catalog/pg_type.h (stable since forever). */
enum {
	OID_BOOL = 16,
	OID_INT8 = 20,
	OID_INT2 = 21,
	OID_INT4 = 23,
	OID_FLOAT4 = 700,
	OID_FLOAT8 = 701,
	OID_NUMERIC = 1700,
};

enum { NUM_TEXT = 32 };

struct pg_db {
	struct db base;
	PGconn *conn;
	long changes;
	char errmsg[1024];
};

/* The text form of the parameters of one statement. */
struct pg_params {
	int n;
	const char **values;
	char (*numbers)[NUM_TEXT];
};

static void set_errmsg(struct pg_db *pdb, const char *msg)
{
	size_t len;

	snprintf(pdb->errmsg, sizeof(pdb->errmsg), "%s", msg ? msg : "");
	len = strlen(pdb->errmsg);
	while (len > 0 && (pdb->errmsg[len - 1] == '\n' ||
			   pdb->errmsg[len - 1] == ' '))
		pdb->errmsg[--len] = '\0';
}

/* Returns the length of the quoted section starting at sql[0] (a ' or "),
   closing quote included; a doubled quote inside is part of the section. */
static size_t quoted_len(const char *sql)
{
	char q = sql[0];
	size_t i = 1;

	for (;;) {
		if (!sql[i])
			return i;
		if (sql[i] == q && sql[i + 1] != q)
			return i + 1;
		i += sql[i] == q ? 2 : 1;
	}
}

/* Length of a comment starting at sql[0], or 0 if none starts there. */
static size_t comment_len(const char *sql)
{
	const char *end;

	if (sql[0] == '-' && sql[1] == '-')
		return strcspn(sql, "\n");
	if (sql[0] != '/' || sql[1] != '*')
		return 0;
	end = strstr(sql + 2, "*/");
	return end ? (size_t)(end - sql) + 2 : strlen(sql);
}

/* Rewrites '?' to $1, $2... outside literals, identifiers and comments.
   Returns a malloc'ed string and the number of placeholders, or NULL. */
static char *rewrite_placeholders(const char *sql, int *countp)
{
	size_t len = strlen(sql), out = 0;
	char *buf;
	int count = 0;

	/* "$N" is at most 11 bytes for one '?' byte. */
	buf = malloc(len * 11 + 1);
	if (!buf)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t skip = 0;

		if (sql[i] == '\'' || sql[i] == '"')
			skip = quoted_len(sql + i);
		else
			skip = comment_len(sql + i);
		if (skip) {
			memcpy(buf + out, sql + i, skip);
			out += skip;
			i += skip;
		} else if (sql[i] == '?') {
			out += (size_t)sprintf(buf + out, "$%d", ++count);
			i++;
		} else {
			buf[out++] = sql[i++];
		}
	}
	buf[out] = '\0';
	*countp = count;
	return buf;
}

static void params_free(struct pg_params *p)
{
	free(p->values);
	free(p->numbers);
}

/* The text of one parameter; NULL for SQL NULL. Returns -1 on a type
   that has no SQL value (object, array). */
static int param_text(json_t *val, char *num, const char **textp)
{
	switch (json_typeof(val)) {
	case JSON_STRING:
		*textp = json_string_value(val);
		return 0;
	case JSON_INTEGER:
		snprintf(num, NUM_TEXT, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(val));
		break;
	case JSON_REAL:
		snprintf(num, NUM_TEXT, "%.17g", json_real_value(val));
		break;
	case JSON_TRUE:
		snprintf(num, NUM_TEXT, "1");
		break;
	case JSON_FALSE:
		snprintf(num, NUM_TEXT, "0");
		break;
	case JSON_NULL:
		*textp = NULL;
		return 0;
	default:
		return -1;
	}
	*textp = num;
	return 0;
}

static int params_build(struct pg_db *pdb, struct pg_params *p,
			json_t *params)
{
	p->n = (int)json_array_size(params);
	p->values = NULL;
	p->numbers = NULL;
	if (!p->n)
		return 0;
	p->values = calloc((size_t)p->n, sizeof(*p->values));
	p->numbers = calloc((size_t)p->n, sizeof(*p->numbers));
	if (!p->values || !p->numbers) {
		params_free(p);
		set_errmsg(pdb, "out of memory");
		return ENOMEM;
	}
	for (int i = 0; i < p->n; i++) {
		if (param_text(json_array_get(params, (size_t)i),
			       p->numbers[i], &p->values[i])) {
			params_free(p);
			set_errmsg(pdb, "unsupported parameter type");
			return EINVAL;
		}
	}
	return 0;
}

/* An integer from text, or NULL if the text is not one that fits. */
static json_t *integer_from_text(const char *text)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end)
		return NULL;
	return json_integer(v);
}

static json_t *real_from_text(const char *text)
{
	char *end;
	double v = strtod(text, &end);

	if (end == text || *end)
		return NULL;
	return json_real(v); /* NULL for NaN and infinities */
}

static json_t *column_value(PGresult *res, int row, int col)
{
	const char *text;
	json_t *val = NULL;

	if (PQgetisnull(res, row, col))
		return json_null();
	text = PQgetvalue(res, row, col);
	switch (PQftype(res, col)) {
	case OID_BOOL:
		return json_integer(text[0] == 't');
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
		val = integer_from_text(text);
		break;
	case OID_NUMERIC:
		/* SUM() of BIGINT is numeric: keep whole numbers integers,
		   as SQLite does. */
		val = integer_from_text(text);
		if (!val)
			val = real_from_text(text);
		break;
	case OID_FLOAT4:
	case OID_FLOAT8:
		val = real_from_text(text);
		break;
	}
	if (!val)
		val = json_stringn(text, (size_t)PQgetlength(res, row, col));
	return val;
}

static json_t *read_rows(PGresult *res)
{
	json_t *rows = json_array();
	int nrows = PQntuples(res), ncols = PQnfields(res);

	for (int r = 0; rows && r < nrows; r++) {
		json_t *row = json_object();

		for (int c = 0; row && c < ncols; c++) {
			if (json_object_set_new(row, PQfname(res, c),
						column_value(res, r, c))) {
				json_decref(row);
				row = NULL;
			}
		}
		if (json_array_append_new(rows, row)) {
			json_decref(rows);
			rows = NULL;
		}
	}
	return rows;
}

static int map_error(struct pg_db *pdb, PGresult *res)
{
	const char *state = NULL;

	if (res) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		set_errmsg(pdb, PQresultErrorMessage(res));
	}
	if (!res || !pdb->errmsg[0])
		set_errmsg(pdb, PQerrorMessage(pdb->conn));
	if (state && !strcmp(state, "23505"))
		return EEXIST;
	if (state && !strncmp(state, "23", 2))
		return EBUSY;
	return EIO;
}

/* Like sqlite3_changes(): only statements that change rows count. */
static void note_changes(struct pg_db *pdb, PGresult *res)
{
	static const char *const verbs[] = {"INSERT ", "UPDATE ", "DELETE ",
					    "MERGE "};
	const char *status = PQcmdStatus(res);

	for (size_t i = 0; i < sizeof(verbs) / sizeof(*verbs); i++) {
		if (!strncmp(status, verbs[i], strlen(verbs[i]))) {
			pdb->changes = strtol(PQcmdTuples(res), NULL, 10);
			return;
		}
	}
}

static int take_result(struct pg_db *pdb, PGresult *res, json_t **rowsp)
{
	json_t *rows;

	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		break;
	default:
		return map_error(pdb, res);
	}
	note_changes(pdb, res);
	if (!rowsp)
		return 0;
	rows = read_rows(res);
	if (!rows) {
		set_errmsg(pdb, "out of memory reading rows");
		return EIO;
	}
	*rowsp = rows;
	return 0;
}

/* A connection the server dropped is opened again before the next query. */
static void ensure_connected(struct pg_db *pdb)
{
	if (PQstatus(pdb->conn) == CONNECTION_OK)
		return;
	log_warn("store", "postgres connection lost, reconnecting");
	PQreset(pdb->conn);
}

static int pg_query(struct db *db, json_t **rowsp, const char *sql,
		    json_t *params)
{
	struct pg_db *pdb = (struct pg_db *)db;
	struct pg_params p;
	PGresult *res;
	char *text;
	int count, err;

	pdb->errmsg[0] = '\0';
	text = rewrite_placeholders(sql, &count);
	if (!text) {
		set_errmsg(pdb, "out of memory");
		return EIO;
	}
	if (params_build(pdb, &p, params)) {
		free(text);
		return EIO;
	}
	if (count != p.n) {
		snprintf(pdb->errmsg, sizeof(pdb->errmsg),
			 "statement has %d placeholders but %d parameters",
			 count, p.n);
		err = EIO;
		goto out;
	}
	ensure_connected(pdb);
	res = PQexecParams(pdb->conn, text, p.n, NULL, p.values, NULL, NULL,
			   0);
	err = take_result(pdb, res, rowsp);
	PQclear(res);
out:
	params_free(&p);
	free(text);
	return err;
}

static void notice_processor(void *arg, const char *message)
{
	(void)arg;
	log_debug("store", "postgres: %.*s", (int)strcspn(message, "\n"),
		  message);
}

static int pg_connect(struct db **dbp, const char *spec, const char *datadir)
{
	struct pg_db *pdb;

	(void)datadir;
	pdb = calloc(1, sizeof(*pdb));
	if (!pdb)
		return ENOMEM;
	pdb->base.be = &db_postgres;
	pdb->conn = PQconnectdb(spec);
	if (!pdb->conn || PQstatus(pdb->conn) != CONNECTION_OK) {
		set_errmsg(pdb, pdb->conn ? PQerrorMessage(pdb->conn)
					  : "out of memory");
		log_error("store", "postgres connect failed: %s",
			  pdb->errmsg);
		PQfinish(pdb->conn);
		free(pdb);
		return EIO;
	}
	PQsetNoticeProcessor(pdb->conn, notice_processor, NULL);
	*dbp = &pdb->base;
	return 0;
}

static long pg_changes(struct db *db)
{
	return ((struct pg_db *)db)->changes;
}

static const char *pg_errmsg(struct db *db)
{
	return ((struct pg_db *)db)->errmsg;
}

static void pg_close(struct db *db)
{
	struct pg_db *pdb = (struct pg_db *)db;

	PQfinish(pdb->conn);
	free(pdb);
}

const struct db_backend db_postgres = {
	.name = "postgres",
	.connect = pg_connect,
	.query = pg_query,
	.changes = pg_changes,
	.errmsg = pg_errmsg,
	.close = pg_close,
};
