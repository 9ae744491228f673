/*
 * directory.c — the telephony configuration in memory (see directory.h).
 *
 * A load runs on a store reader and builds a complete snapshot: tenants
 * sorted by SIP domain and by id, extensions sorted by (tenant, number).
 * The control thread swaps the snapshot in when the load is done, so
 * lookups are binary searches over data that never changes under them.
 * Reloads requested while one is running are folded into one more load.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../core/libre.h"
#include "directory.h"
#include "../core/log.h"
#include "../store/store.h"

struct dir_data {
	struct dir_tenant *tenants;       /* sorted by sip_domain */
	const struct dir_tenant **by_id;  /* sorted by id */
	size_t ntenants;
	struct dir_extension *exts;       /* sorted by tenant_id, number */
	size_t nexts;
};

struct dir_load;

struct directory {
	struct store *store;
	struct dir_data *data;
	struct dir_load *loading;  /* the load in flight, or NULL */
	bool again;                /* reload asked for while loading */
	char default_code[64];
	void (*ready)(int err, void *arg);
	void *ready_arg;
};

/* One load; outlives the directory if it is freed meanwhile. */
struct dir_load {
	struct directory *dir;     /* NULL once the directory is gone */
	struct dir_data *data;
};

static void data_free(struct dir_data *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nexts; i++) {
		json_decref(d->exts[i].allowed_cidrs);
		json_decref(d->exts[i].codecs);
	}
	free(d->exts);
	free(d->by_id);
	free(d->tenants);
	free(d);
}

static void copy_str(char *dst, size_t size, json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));

	snprintf(dst, size, "%s", s ? s : "");
}

static json_t *parse_array(json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));
	json_t *v = s ? json_loads(s, 0, NULL) : NULL;

	if (json_is_array(v))
		return v;
	json_decref(v);
	return json_array();
}

static unsigned transport_mask(json_t *list)
{
	static const char *const names[] = {"udp", "tcp", "tls", "ws", "wss"};
	unsigned mask = 0;
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v) {
		for (unsigned t = 0; t < 5; t++) {
			const char *s = json_string_value(v);

			if (s && !strcmp(s, names[t]))
				mask |= 1u << t;
		}
	}
	return mask;
}

static enum dial_permission dial_permission_of(const char *s)
{
	if (!s || !strcmp(s, "local"))
		return DIAL_LOCAL;
	if (!strcmp(s, "internal"))
		return DIAL_INTERNAL;
	if (!strcmp(s, "long_distance"))
		return DIAL_LONG_DISTANCE;
	if (!strcmp(s, "international"))
		return DIAL_INTERNATIONAL;
	return DIAL_LOCAL;
}

static void digest_algs_of(struct dir_extension *e, json_t *row)
{
	json_t *list = parse_array(row, "auth_algorithms"), *v;
	unsigned n = 0;
	size_t i;

	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		unsigned char a = !s ? 0 : !strcmp(s, "SHA-256")
				? DIR_DIGEST_SHA256 : !strcmp(s, "MD5")
				? DIR_DIGEST_MD5 : 0;

		if (a && n < 2 && (!n || e->digest_algs[0] != a))
			e->digest_algs[n++] = a;
	}
	json_decref(list);
	/* MD5 unless SHA-256 is asked for: libre-based phones (baresip) and
	   sipp give up on any SHA-256 challenge (docs/decisions.md). */
	if (!n)
		e->digest_algs[n++] = DIR_DIGEST_MD5;
	e->digest_algs[n] = 0;
}

static void ext_from_row(struct dir_extension *e, json_t *row)
{
	json_t *transports = parse_array(row, "transports");

	copy_str(e->id, sizeof(e->id), row, "id");
	copy_str(e->tenant_id, sizeof(e->tenant_id), row, "tenant_id");
	copy_str(e->number, sizeof(e->number), row, "number");
	copy_str(e->password, sizeof(e->password), row, "password");
	copy_str(e->display_name, sizeof(e->display_name), row,
		 "display_name");
	e->transports = transport_mask(transports);
	json_decref(transports);
	e->allowed_cidrs = parse_array(row, "allowed_cidrs");
	e->codecs = parse_array(row, "codecs");
	e->max_contacts = (unsigned)json_integer_value(
		json_object_get(row, "max_contacts"));
	if (e->max_contacts < 1)
		e->max_contacts = 1;
	e->dial_permission = dial_permission_of(json_string_value(
		json_object_get(row, "dial_permission")));
	e->enabled = json_integer_value(json_object_get(row, "enabled")) != 0;
	digest_algs_of(e, row);
}

static int cmp_tenant_domain(const void *a, const void *b)
{
	return strcasecmp(((const struct dir_tenant *)a)->sip_domain,
			  ((const struct dir_tenant *)b)->sip_domain);
}

static int cmp_tenant_id(const void *a, const void *b)
{
	return strcmp((*(const struct dir_tenant *const *)a)->id,
		      (*(const struct dir_tenant *const *)b)->id);
}

static int cmp_ext(const void *a, const void *b)
{
	const struct dir_extension *x = a, *y = b;
	int c = strcmp(x->tenant_id, y->tenant_id);

	return c ? c : strcmp(x->number, y->number);
}

static int load_tenants(struct db *db, struct dir_data *d)
{
	json_t *rows = NULL, *row;
	size_t i;
	int err = db_query(db, &rows, "SELECT id, code, COALESCE(sip_domain, "
			   "code) AS sip_domain, enabled FROM tenants", NULL);

	if (err)
		return err;
	d->ntenants = json_array_size(rows);
	d->tenants = calloc(d->ntenants + 1, sizeof(*d->tenants));
	d->by_id = calloc(d->ntenants + 1, sizeof(*d->by_id));
	if (!d->tenants || !d->by_id) {
		json_decref(rows);
		return ENOMEM;
	}
	json_array_foreach(rows, i, row) {
		struct dir_tenant *t = &d->tenants[i];

		copy_str(t->id, sizeof(t->id), row, "id");
		copy_str(t->code, sizeof(t->code), row, "code");
		copy_str(t->sip_domain, sizeof(t->sip_domain), row,
			 "sip_domain");
		t->enabled = json_integer_value(json_object_get(row,
								"enabled"));
	}
	json_decref(rows);
	qsort(d->tenants, d->ntenants, sizeof(*d->tenants), cmp_tenant_domain);
	for (i = 0; i < d->ntenants; i++)
		d->by_id[i] = &d->tenants[i];
	qsort(d->by_id, d->ntenants, sizeof(*d->by_id), cmp_tenant_id);
	return 0;
}

static int load_extensions(struct db *db, struct dir_data *d)
{
	json_t *rows = NULL, *row;
	size_t i;
	int err = db_query(db, &rows, "SELECT id, tenant_id, number, password, "
			   "display_name, transports, allowed_cidrs, "
			   "max_contacts, codecs, dial_permission, enabled, "
			   "auth_algorithms "
			   "FROM extensions", NULL);

	if (err)
		return err;
	d->exts = calloc(json_array_size(rows) + 1, sizeof(*d->exts));
	if (!d->exts) {
		json_decref(rows);
		return ENOMEM;
	}
	json_array_foreach(rows, i, row) {
		ext_from_row(&d->exts[i], row);
		d->nexts = i + 1;
	}
	json_decref(rows);
	qsort(d->exts, d->nexts, sizeof(*d->exts), cmp_ext);
	return 0;
}

/* On a store reader. */
static int load_work(struct db *db, void *arg)
{
	struct dir_load *ld = arg;
	int err;

	ld->data = calloc(1, sizeof(*ld->data));
	if (!ld->data)
		return ENOMEM;
	err = load_tenants(db, ld->data);
	if (!err)
		err = load_extensions(db, ld->data);
	return err;
}

static void start_load(struct directory *dir);

/* On the control thread. */
static void load_done(int err, void *arg)
{
	struct dir_load *ld = arg;
	struct directory *dir = ld->dir;
	void (*ready)(int, void *);

	if (!dir || err) {
		if (dir)
			log_error("sip", "directory load failed: %s",
				  strerror(err));
		data_free(ld->data);
	} else {
		data_free(dir->data);
		dir->data = ld->data;
		log_debug("sip", "directory loaded: %zu tenants, %zu "
			  "extensions", dir->data->ntenants,
			  dir->data->nexts);
	}
	free(ld);
	if (!dir)
		return;
	dir->loading = NULL;
	if (dir->again) {
		dir->again = false;
		start_load(dir);
	}
	/* Last: the ready handler may free the directory. */
	ready = dir->ready;
	dir->ready = NULL;
	if (ready)
		ready(err, dir->ready_arg);
}

static void start_load(struct directory *dir)
{
	struct dir_load *ld = calloc(1, sizeof(*ld));
	int err;

	if (!ld) {
		log_error("sip", "directory reload: out of memory");
		return;
	}
	ld->dir = dir;
	dir->loading = ld;
	err = store_submit(dir->store, STORE_READ, load_work, load_done, ld);
	if (err) {
		log_error("sip", "directory reload not started: %s",
			  strerror(err));
		dir->loading = NULL;
		free(ld);
	}
}

int directory_alloc(struct directory **dirp, struct store *store,
		    void (*ready)(int err, void *arg), void *arg)
{
	struct directory *dir;

	if (!dirp || !store)
		return EINVAL;
	dir = calloc(1, sizeof(*dir));
	if (!dir)
		return ENOMEM;
	dir->store = store;
	dir->ready = ready;
	dir->ready_arg = arg;
	start_load(dir);
	if (!dir->loading) {
		free(dir);
		return EIO;
	}
	*dirp = dir;
	return 0;
}

void directory_free(struct directory *dir)
{
	if (!dir)
		return;
	if (dir->loading)
		dir->loading->dir = NULL;
	data_free(dir->data);
	free(dir);
}

void directory_reload(struct directory *dir)
{
	if (!dir)
		return;
	if (dir->loading) {
		dir->again = true;
		return;
	}
	start_load(dir);
}

void directory_set_default_tenant(struct directory *dir, const char *code)
{
	if (dir)
		snprintf(dir->default_code, sizeof(dir->default_code), "%s",
			 code ? code : "");
}

/* Compares a NUL-terminated string with a pl, ignoring case. */
static int strcase_pl(const char *s, const struct pl *pl)
{
	size_t n = strlen(s), m = pl->l < n ? pl->l : n;
	int c = strncasecmp(s, pl->p, m);

	if (c)
		return c;
	return n < pl->l ? -1 : n > pl->l;
}

static const struct dir_tenant *default_tenant(const struct dir_data *d,
					       const char *code)
{
	const struct dir_tenant *only = NULL;
	unsigned others = 0;

	for (size_t i = 0; i < d->ntenants; i++) {
		const struct dir_tenant *t = &d->tenants[i];

		if (code[0] && !strcmp(t->code, code))
			return t;
		if (!strcmp(t->code, "system"))
			continue;
		only = t;
		others++;
	}
	return !code[0] && others == 1 ? only : NULL;
}

const struct dir_tenant *directory_tenant_for_domain(
	const struct directory *dir, const struct pl *domain)
{
	const struct dir_data *d = dir ? dir->data : NULL;
	size_t lo = 0, hi;

	if (!d)
		return NULL;
	hi = d->ntenants;
	while (domain && domain->p && lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcase_pl(d->tenants[mid].sip_domain, domain);

		if (!c)
			return &d->tenants[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return default_tenant(d, dir->default_code);
}

const struct dir_tenant *directory_tenant(const struct directory *dir,
					  const char *tenant_id)
{
	const struct dir_data *d = dir ? dir->data : NULL;
	struct dir_tenant key;
	const struct dir_tenant *kp = &key, *const *hit;

	if (!d || !tenant_id)
		return NULL;
	snprintf(key.id, sizeof(key.id), "%s", tenant_id);
	hit = bsearch(&kp, d->by_id, d->ntenants, sizeof(*d->by_id),
		      cmp_tenant_id);
	return hit ? *hit : NULL;
}

const struct dir_extension *directory_extension(const struct directory *dir,
						const char *tenant_id,
						const struct pl *number)
{
	const struct dir_data *d = dir ? dir->data : NULL;
	struct dir_extension key;

	if (!d || !tenant_id || !number || !number->p ||
	    number->l >= sizeof(key.number))
		return NULL;
	snprintf(key.tenant_id, sizeof(key.tenant_id), "%s", tenant_id);
	memcpy(key.number, number->p, number->l);
	key.number[number->l] = '\0';
	return bsearch(&key, d->exts, d->nexts, sizeof(*d->exts), cmp_ext);
}
