/*
 * list.c — the one list convention of the API: page, page_size, sort, order,
 * q and exact filters in; {"items", "total", "page", "page_size"} out.
 * Every list is scoped by the caller's tenant before anything else.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"

enum { MAX_PAGE_SIZE = 500, DEFAULT_PAGE_SIZE = 20, SQL_MAX = 4096 };

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes %XX and '+' from [s, s+len) into out. */
static int url_decode(const char *s, size_t len, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= len)
				return -1;
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);

			if (hi < 0 || lo < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == 0 || o + 1 >= size)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* Calls fn for each name=value pair; stops at the first non-zero. */
static int query_each(const char *query,
		      int (*fn)(const char *name, const char *value, void *arg),
		      void *arg)
{
	const char *p = query;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		char name[64], value[512];
		int err;

		if (len) {
			size_t nlen = eq ? (size_t)(eq - p) : len;

			if (url_decode(p, nlen, name, sizeof(name)))
				return -1;
			if (url_decode(eq ? eq + 1 : p + len,
				       eq ? len - nlen - 1 : 0, value,
				       sizeof(value)))
				return -1;
			err = fn(name, value, arg);
			if (err)
				return err;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

struct find_arg {
	const char *name;
	char *out;
	size_t size;
	int found;
};

static int find_one(const char *name, const char *value, void *arg)
{
	struct find_arg *fa = arg;

	if (strcmp(name, fa->name))
		return 0;
	snprintf(fa->out, fa->size, "%s", value);
	fa->found = 1;
	return 1;
}

int query_param(const char *query, const char *name, char *out, size_t size)
{
	struct find_arg fa = {name, out, size, 0};

	if (query_each(query, find_one, &fa) < 0)
		return -1;
	return fa.found;
}

static bool in_list(const char *const *list, const char *name)
{
	for (; list && *list; list++) {
		if (!strcmp(*list, name))
			return true;
	}
	return false;
}

static const struct list_filter *find_filter(const struct list_spec *spec,
					     const char *name)
{
	for (const struct list_filter *f = spec->filters; f && f->param; f++) {
		if (!strcmp(f->param, name))
			return f;
	}
	return NULL;
}

struct list_query {
	const struct list_spec *spec;
	struct api_req *req;
	long page, page_size;
	char sort[64];
	bool desc;
	char where[SQL_MAX];
	json_t *params;
};

static int parse_long(const char *v, long lo, long hi, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

static int add_filter(struct list_query *lq, const struct list_filter *f,
		      const char *value)
{
	size_t used = strlen(lq->where);
	long n;

	if (f->type == F_INTEGER) {
		if (parse_long(value, -9223372036854775807L, 9223372036854775807L,
			       &n))
			return -1;
		json_array_append_new(lq->params, json_integer(n));
	} else if (f->type == F_BOOLEAN) {
		if (strcmp(value, "true") && strcmp(value, "false"))
			return -1;
		json_array_append_new(lq->params,
				      json_integer(!strcmp(value, "true")));
	} else {
		json_array_append_new(lq->params, json_string(value));
	}
	/* A column holding '?' is a whole condition (e.g. a subquery). */
	if (strchr(f->column, '?'))
		snprintf(lq->where + used, sizeof(lq->where) - used, " AND %s",
			 f->column);
	else
		snprintf(lq->where + used, sizeof(lq->where) - used,
			 " AND %s %s ?", f->column, f->op ? f->op : "=");
	return 0;
}

static int add_search(struct list_query *lq, const char *text)
{
	const struct list_spec *spec = lq->spec;
	size_t used = strlen(lq->where);
	char pattern[600];

	if (!spec->text_columns || !*text)
		return 0;
	snprintf(pattern, sizeof(pattern), "%%%s%%", text);
	used += (size_t)snprintf(lq->where + used, sizeof(lq->where) - used,
				 " AND (");
	for (const char *const *c = spec->text_columns; *c; c++) {
		used += (size_t)snprintf(lq->where + used,
					 sizeof(lq->where) - used,
					 "%slower(%s) LIKE lower(?)",
					 c == spec->text_columns ? "" : " OR ",
					 *c);
		json_array_append_new(lq->params, json_string(pattern));
	}
	snprintf(lq->where + used, sizeof(lq->where) - used, ")");
	return 0;
}

static int one_param(const char *name, const char *value, void *arg)
{
	struct list_query *lq = arg;
	const struct list_filter *f;

	if (!strcmp(name, "page"))
		return parse_long(value, 1, 1000000000, &lq->page) ? -2 : 0;
	if (!strcmp(name, "page_size"))
		return parse_long(value, 1, MAX_PAGE_SIZE, &lq->page_size) ? -3
									   : 0;
	if (!strcmp(name, "sort")) {
		if (!in_list(lq->spec->sortable, value))
			return -4;
		snprintf(lq->sort, sizeof(lq->sort), "%s", value);
		return 0;
	}
	if (!strcmp(name, "order")) {
		if (strcmp(value, "asc") && strcmp(value, "desc"))
			return -5;
		lq->desc = !strcmp(value, "desc");
		return 0;
	}
	if (!strcmp(name, "q"))
		return add_search(lq, value);
	f = find_filter(lq->spec, name);
	if (!f) {
		api_fail(lq->req, 400, "bad_query", "unknown parameter '%s'",
			 name);
		return -9;
	}
	if (add_filter(lq, f, value)) {
		api_fail(lq->req, 400, "bad_query",
			 "parameter '%s': bad value '%s'", name, value);
		return -9;
	}
	return 0;
}

static int parse_list_query(struct list_query *lq)
{
	static const char *const why[] = {
		"", "badly encoded query string", "page must be a number >= 1",
		"page_size must be a number from 1 to 500",
		"sort must name a sortable field", "order must be asc or desc",
	};
	int rc = query_each(lq->req->query, one_param, lq);

	if (rc == -9)
		return API_HANDLED;
	if (rc < 0)
		return api_fail(lq->req, 400, "bad_query", "%s",
				why[-rc < 6 ? -rc : 1]);
	return 0;
}

static void sql_append(char *sql, size_t size, const char *fmt,
		       const char *a, const char *b)
{
	size_t used = strlen(sql);

	snprintf(sql + used, size - used, fmt, a, b);
}

int list_run(struct db *db, struct api_req *req, const struct list_spec *spec,
	     const char *where, json_t *where_params,
	     void (*fix_row)(json_t *row))
{
	struct list_query lq = {.spec = spec, .req = req, .page = 1,
				.page_size = DEFAULT_PAGE_SIZE,
				.desc = spec->default_desc};
	char sql[SQL_MAX * 2];
	json_t *rows = NULL, *count = NULL, *page_params;
	size_t i;
	json_t *row;
	int err;

	snprintf(lq.sort, sizeof(lq.sort), "%s", spec->default_sort);
	lq.params = spec->unscoped ? json_array()
				   : json_pack("[s]", req->who.tenant_id);
	if (where_params)
		json_array_extend(lq.params, where_params);
	snprintf(lq.where, sizeof(lq.where), "%s%s%s",
		 spec->unscoped ? "1 = 1" : "tenant_id = ?",
		 where ? " AND " : "", where ? where : "");
	err = parse_list_query(&lq);
	if (err)
		goto out;

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) AS n FROM %s WHERE %s",
		 spec->table, lq.where);
	err = db_query_one(db, &count, sql, json_incref(lq.params));
	if (err)
		goto out;
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE ", spec->columns,
		 spec->table);
	sql_append(sql, sizeof(sql), "%s ORDER BY %s", lq.where, lq.sort);
	sql_append(sql, sizeof(sql), " %s, id %s LIMIT ? OFFSET ?",
		   lq.desc ? "DESC" : "ASC", lq.desc ? "DESC" : "ASC");
	page_params = json_deep_copy(lq.params);
	json_array_append_new(page_params, json_integer(lq.page_size));
	json_array_append_new(page_params,
			      json_integer((lq.page - 1) * lq.page_size));
	err = db_query(db, &rows, sql, page_params);
	if (err)
		goto out;
	if (fix_row) {
		json_array_foreach(rows, i, row)
			fix_row(row);
	}
	err = api_ok(req, 200, json_pack("{sOsOsIsI}", "items", rows, "total",
					 json_object_get(count, "n"), "page",
					 (json_int_t)lq.page, "page_size",
					 (json_int_t)lq.page_size));
out:
	json_decref(rows);
	json_decref(count);
	json_decref(lq.params);
	return err;
}
