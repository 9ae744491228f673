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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../core/libre.h"
#include "directory.h"
#include "../core/log.h"
#include "../store/store.h"
#include "../route/tz.h"
#include "../core/cidr.h"
#include "../core/log.h"
#include "../ivr/flow.h"

struct dir_data {
	struct dir_tenant *tenants;       /* sorted by sip_domain */
	const struct dir_tenant **by_id;  /* sorted by id */
	size_t ntenants;
	struct dir_extension *exts;       /* sorted by tenant_id, number */
	size_t nexts;
	struct tz **tzs;                  /* owned zones, one per tenant */
	struct dir_trunk *trunks;         /* sorted by id */
	size_t ntrunks;
	struct dir_number *numbers;       /* sorted by digits */
	size_t nnumbers;
	struct dir_time_group *tgroups;   /* sorted by id */
	size_t ntgroups;
	struct dir_inroute *inroutes;     /* by tenant, priority, name */
	size_t ninroutes;
	struct dir_outroute *outroutes;   /* by tenant, priority, name */
	size_t noutroutes;
	struct dir_list_entry *entries;   /* by tenant */
	size_t nentries;
	struct dir_number *tnumbers;      /* numbers by tenant, digits */
	struct dir_speed_dial *speed_dials;  /* by tenant, short number */
	size_t nspeed_dials;
	struct dir_conference_room *rooms;   /* by tenant, number */
	size_t nrooms;
	struct dir_voicemail_box *boxes;     /* by tenant, number */
	size_t nboxes;
	struct dir_ivr_flow *flows;          /* by tenant, id */
	size_t nflows;
	struct dir_agent *agents;            /* by tenant, id */
	size_t nagents;
	struct dir_queue *queues;            /* by tenant, id */
	size_t nqueues;
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
	void (*change_h)(void *arg);
	void *change_arg;
	unsigned long gen_started;  /* loads started so far */
	struct dir_waiter *waiters; /* told when their load has finished */
};

/* One load; outlives the directory if it is freed meanwhile. */
struct dir_load {
	struct directory *dir;     /* NULL once the directory is gone */
	struct dir_data *data;
	unsigned long gen;
};

/* Someone waiting until a load that started after a change is done. */
struct dir_waiter {
	struct dir_waiter *next;
	unsigned long gen;         /* the load that must have finished */
	void (*done)(void *ctx);
	void *ctx;
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
	for (size_t i = 0; d->tzs && i < d->ntenants; i++)
		tz_free(d->tzs[i]);
	free(d->tzs);
	for (size_t i = 0; i < d->ntrunks; i++) {
		json_decref(d->trunks[i].peer_cidrs);
		json_decref(d->trunks[i].codecs);
	}
	free(d->trunks);
	free(d->numbers);
	free(d->tnumbers);
	free(d->tgroups);
	for (size_t i = 0; i < d->ninroutes; i++)
		json_decref(d->inroutes[i].targets);
	free(d->inroutes);
	for (size_t i = 0; i < d->noutroutes; i++) {
		json_decref(d->outroutes[i].patterns);
		json_decref(d->outroutes[i].cid_pool);
		json_decref(d->outroutes[i].trunk_ids);
	}
	free(d->outroutes);
	free(d->entries);
	free(d->speed_dials);
	free(d->rooms);
	free(d->boxes);
	for (size_t i = 0; i < d->nflows; i++)
		ivr_flow_unref(d->flows[i].flow);
	free(d->flows);
	for (size_t i = 0; i < d->nagents; i++)
		json_decref(d->agents[i].skills);
	free(d->agents);
	for (size_t i = 0; i < d->nqueues; i++) {
		json_decref(d->queues[i].members);
		json_decref(d->queues[i].skills);
		json_decref(d->queues[i].announce_prompt);
		json_decref(d->queues[i].whisper_prompt);
		json_decref(d->queues[i].overflow);
		json_decref(d->queues[i].leave_prompt);
	}
	free(d->queues);
	free(d->by_id);
	free(d->tenants);
	free(d);
}

static bool str_is(json_t *row, const char *name, const char *value)
{
	const char *s = json_string_value(json_object_get(row, name));

	return s && !strcmp(s, value);
}

static void copy_str(char *dst, size_t size, json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));

	snprintf(dst, size, "%s", s ? s : "");
}

/* A JSON column: stored as text, or already JSON (directory_from_json). */
static json_t *parse_json(json_t *row, const char *name)
{
	json_t *col = json_object_get(row, name);
	const char *s = json_string_value(col);

	if (!s)
		return col ? json_incref(col) : NULL;
	return json_loads(s, JSON_DECODE_ANY, NULL);
}

static json_t *parse_array(json_t *row, const char *name)
{
	json_t *v = parse_json(row, name);

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

static enum dir_record record_of(json_t *row)
{
	return str_is(row, "record", "always") ? DIR_RECORD_ALWAYS
	       : str_is(row, "record", "never") ? DIR_RECORD_NEVER
	       : DIR_RECORD_INHERIT;
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
	e->dnd = json_integer_value(json_object_get(row, "dnd")) != 0;
	copy_str(e->forward_always, sizeof(e->forward_always), row,
		 "forward_always");
	copy_str(e->forward_busy, sizeof(e->forward_busy), row,
		 "forward_busy");
	copy_str(e->forward_no_answer, sizeof(e->forward_no_answer), row,
		 "forward_no_answer");
	e->no_answer_seconds = (unsigned)json_integer_value(
		json_object_get(row, "no_answer_seconds"));
	if (e->no_answer_seconds < 5)
		e->no_answer_seconds = 20;
	e->record = record_of(row);
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

static long long row_int(json_t *row, const char *name)
{
	json_t *v = json_object_get(row, name);

	if (json_is_boolean(v))
		return json_is_true(v);
	return json_is_real(v) ? (long long)json_real_value(v)
			       : json_integer_value(v);
}

/* Columns of recording_policies joined to the tenant; NULL: defaults. */
static void rec_policy_from_row(struct dir_rec_policy *p, json_t *row)
{
	json_t *days = json_object_get(row, "retention_days");

	p->inbound = row_int(row, "record_inbound");
	p->outbound = row_int(row, "record_outbound");
	p->internal = row_int(row, "record_internal");
	p->mp3 = str_is(row, "rec_format", "mp3");
	p->mono = str_is(row, "rec_mode", "mono");
	p->retention_days = json_is_integer(days) || json_is_real(days)
			    ? (unsigned)row_int(row, "retention_days")
			    : DIR_REC_RETENTION_DEFAULT;
}

/* Each tenant's zone, loaded once per distinct name. */
static int load_zones(struct dir_data *d)
{
	d->tzs = calloc(d->ntenants + 1, sizeof(*d->tzs));
	if (!d->tzs)
		return ENOMEM;
	for (size_t i = 0; i < d->ntenants; i++) {
		struct dir_tenant *t = &d->tenants[i];

		for (size_t j = 0; j < i && !t->tz; j++) {
			if (!strcmp(d->tenants[j].timezone, t->timezone))
				t->tz = d->tenants[j].tz;
		}
		if (t->tz || !t->timezone[0])
			continue;
		if (tz_load(&d->tzs[i], t->timezone))
			log_warn("sip", "tenant %s: time zone '%s' not "
				 "readable, using UTC", t->code, t->timezone);
		t->tz = d->tzs[i];
	}
	return 0;
}

static int build_tenants(struct dir_data *d, json_t *rows)
{
	size_t i;
	json_t *row;

	d->ntenants = json_array_size(rows);
	d->tenants = calloc(d->ntenants + 1, sizeof(*d->tenants));
	d->by_id = calloc(d->ntenants + 1, sizeof(*d->by_id));
	if (!d->tenants || !d->by_id)
		return ENOMEM;
	json_array_foreach(rows, i, row) {
		struct dir_tenant *t = &d->tenants[i];

		copy_str(t->id, sizeof(t->id), row, "id");
		copy_str(t->code, sizeof(t->code), row, "code");
		copy_str(t->sip_domain, sizeof(t->sip_domain), row,
			 "sip_domain");
		if (!t->sip_domain[0])
			copy_str(t->sip_domain, sizeof(t->sip_domain), row,
				 "code");
		copy_str(t->timezone, sizeof(t->timezone), row, "timezone");
		t->enabled = row_int(row, "enabled");
		t->max_calls = (unsigned)row_int(row, "max_calls");
		rec_policy_from_row(&t->rec, row);
		copy_str(t->tts_voice, sizeof(t->tts_voice), row,
			 "tts_voice");
		t->tts_rate = (unsigned)row_int(row, "tts_rate");
	}
	qsort(d->tenants, d->ntenants, sizeof(*d->tenants), cmp_tenant_domain);
	for (i = 0; i < d->ntenants; i++)
		d->by_id[i] = &d->tenants[i];
	qsort(d->by_id, d->ntenants, sizeof(*d->by_id), cmp_tenant_id);
	return load_zones(d);
}

static int load_tenants(struct db *db, struct dir_data *d)
{
	json_t *rows = NULL;
	int err = db_query(db, &rows, "SELECT t.id, t.code, "
			   "COALESCE(t.sip_domain, t.code) AS sip_domain, "
			   "t.enabled, t.timezone, t.max_calls, "
			   "p.record_inbound, p.record_outbound, "
			   "p.record_internal, p.format AS rec_format, "
			   "p.mode AS rec_mode, p.retention_days, "
			   "s.voice AS tts_voice, s.rate AS tts_rate "
			   "FROM tenants t "
			   "LEFT JOIN recording_policies p ON p.tenant_id = "
			   "t.id LEFT JOIN tenant_tts s ON s.tenant_id = t.id",
			   NULL);

	if (!err)
		err = build_tenants(d, rows);
	json_decref(rows);
	return err;
}

static int build_extensions(struct dir_data *d, json_t *rows)
{
	size_t i;
	json_t *row;

	d->exts = calloc(json_array_size(rows) + 1, sizeof(*d->exts));
	if (!d->exts)
		return ENOMEM;
	json_array_foreach(rows, i, row) {
		ext_from_row(&d->exts[i], row);
		d->nexts = i + 1;
	}
	qsort(d->exts, d->nexts, sizeof(*d->exts), cmp_ext);
	return 0;
}

static int load_extensions(struct db *db, struct dir_data *d)
{
	json_t *rows = NULL;
	int err = db_query(db, &rows, "SELECT id, tenant_id, number, password, "
			   "display_name, transports, allowed_cidrs, "
			   "max_contacts, codecs, dial_permission, enabled, "
			   "auth_algorithms, dnd, forward_always, "
			   "forward_busy, forward_no_answer, no_answer_seconds, "
			   "record FROM extensions", NULL);

	if (!err)
		err = build_extensions(d, rows);
	json_decref(rows);
	return err;
}

/* ------------------------------------------------ trunks, numbers, routes */

/* Digits of a number: without a leading '+' (and '*' of list prefixes). */
static void digits_of(char *dst, size_t size, const char *s)
{
	if (s && *s == '+')
		s++;
	snprintf(dst, size, "%s", s ? s : "");
}

static void trunk_from_row(struct dir_trunk *t, json_t *row)
{
	copy_str(t->id, sizeof(t->id), row, "id");
	copy_str(t->tenant_id, sizeof(t->tenant_id), row, "tenant_id");
	copy_str(t->name, sizeof(t->name), row, "name");
	t->is_register = str_is(row, "type", "register");
	copy_str(t->host, sizeof(t->host), row, "host");
	t->port = (unsigned)row_int(row, "port");
	copy_str(t->transport, sizeof(t->transport), row, "transport");
	if (!t->transport[0])
		snprintf(t->transport, sizeof(t->transport), "udp");
	copy_str(t->username, sizeof(t->username), row, "username");
	copy_str(t->auth_username, sizeof(t->auth_username), row,
		 "auth_username");
	copy_str(t->password, sizeof(t->password), row, "password");
	copy_str(t->realm, sizeof(t->realm), row, "realm");
	t->expires = (unsigned)row_int(row, "expires");
	copy_str(t->outbound_proxy, sizeof(t->outbound_proxy), row,
		 "outbound_proxy");
	t->peer_cidrs = parse_array(row, "peer_cidrs");
	t->codecs = parse_array(row, "codecs");
	t->cid_format = str_is(row, "caller_id_format", "e164") ? CID_E164
		: str_is(row, "caller_id_format", "national") ? CID_NATIONAL
		: CID_AS_IS;
	copy_str(t->country_code, sizeof(t->country_code), row,
		 "country_code");
	t->max_calls = (unsigned)row_int(row, "max_calls");
	copy_str(t->failover_group, sizeof(t->failover_group), row,
		 "failover_group");
	t->enabled = row_int(row, "enabled");
	t->record = record_of(row);
}

static void number_from_row(struct dir_number *n, json_t *row)
{
	copy_str(n->id, sizeof(n->id), row, "id");
	copy_str(n->tenant_id, sizeof(n->tenant_id), row, "tenant_id");
	copy_str(n->number, sizeof(n->number), row, "number");
	digits_of(n->digits, sizeof(n->digits), n->number);
	copy_str(n->trunk_id, sizeof(n->trunk_id), row, "trunk_id");
	n->enabled = row_int(row, "enabled");
}

/* "HH:MM" (00:00-24:00) to minutes, or -1. */
static int minutes_of(const char *s)
{
	if (!s || strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++) {
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	}
	int h = (s[0] - '0') * 10 + s[1] - '0';
	int m = (s[3] - '0') * 10 + s[4] - '0';

	if (h > 24 || m > 59 || (h == 24 && m))
		return -1;
	return h * 60 + m;
}

static void tg_rules(struct dir_time_group *g, json_t *rules)
{
	size_t i, j;
	json_t *r, *day;

	json_array_foreach(rules, i, r) {
		struct dir_time_rule *tr;
		int start = minutes_of(json_string_value(json_object_get(r,
								 "start")));
		int end = minutes_of(json_string_value(json_object_get(r,
							       "end")));

		if (start < 0 || end < 0 || g->nrules >= DIR_TG_MAX_RULES)
			continue;
		tr = &g->rules[g->nrules++];
		tr->start = (int16_t)start;
		tr->end = (int16_t)end;
		json_array_foreach(json_object_get(r, "days"), j, day) {
			json_int_t d = json_integer_value(day);

			if (d >= 1 && d <= 7)
				tr->days |= (uint8_t)(1u << d);
		}
	}
}

/* "YYYY-MM-DD" to yyyymmdd, or -1. */
static int32_t date_of(const char *s)
{
	int y, m, d;
	char tail;

	if (!s || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	return y * 10000 + m * 100 + d;
}

static void tg_from_row(struct dir_time_group *g, json_t *row)
{
	json_t *rules = parse_array(row, "rules");
	json_t *hols = parse_array(row, "holidays"), *h;
	size_t i;

	copy_str(g->id, sizeof(g->id), row, "id");
	copy_str(g->tenant_id, sizeof(g->tenant_id), row, "tenant_id");
	copy_str(g->name, sizeof(g->name), row, "name");
	tg_rules(g, rules);
	json_array_foreach(hols, i, h) {
		int32_t date = date_of(json_string_value(json_object_get(h,
								 "date")));

		if (date > 0 && g->nholidays < DIR_TG_MAX_HOLIDAYS)
			g->holidays[g->nholidays++] = date;
	}
	json_decref(rules);
	json_decref(hols);
}

static enum dir_dest_type dest_of(const char *s)
{
	static const char *const names[] = {"extension", "ring_group",
		"external", "hangup", "ivr", "queue", "voicemail"};

	for (unsigned i = 0; s && i < sizeof(names) / sizeof(*names); i++) {
		if (!strcmp(s, names[i]))
			return (enum dir_dest_type)i;
	}
	return DEST_HANGUP;
}

/* target: a string or an array of strings; always an array here. */
static json_t *targets_of(json_t *dest)
{
	json_t *t = json_object_get(dest, "target"), *out = json_array();

	if (json_is_string(t))
		json_array_append(out, t);
	else if (json_is_array(t))
		json_array_extend(out, t);
	return out;
}

static void inroute_from_row(struct dir_inroute *r, json_t *row)
{
	json_t *dest = parse_json(row, "destination");
	char number[33];

	copy_str(r->id, sizeof(r->id), row, "id");
	copy_str(r->tenant_id, sizeof(r->tenant_id), row, "tenant_id");
	copy_str(r->name, sizeof(r->name), row, "name");
	r->priority = (int)row_int(row, "priority");
	copy_str(number, sizeof(number), row, "number");
	digits_of(r->number, sizeof(r->number), number);
	copy_str(number, sizeof(number), row, "caller_prefix");
	digits_of(r->caller_prefix, sizeof(r->caller_prefix), number);
	copy_str(r->time_group_id, sizeof(r->time_group_id), row,
		 "time_group_id");
	r->time_match = !r->time_group_id[0] ? TIME_ANY
		: str_is(row, "time_match", "out") ? TIME_OUT : TIME_IN;
	r->dest = dest_of(json_string_value(json_object_get(dest, "type")));
	r->targets = targets_of(dest);
	r->enabled = row_int(row, "enabled");
	json_decref(dest);
}

static void outroute_from_row(struct dir_outroute *r, json_t *row)
{
	const char *pol = json_string_value(json_object_get(row,
						"caller_id_policy"));
	long long strip = row_int(row, "strip");

	copy_str(r->id, sizeof(r->id), row, "id");
	copy_str(r->tenant_id, sizeof(r->tenant_id), row, "tenant_id");
	copy_str(r->name, sizeof(r->name), row, "name");
	r->priority = (int)row_int(row, "priority");
	r->patterns = parse_array(row, "patterns");
	r->strip = strip > 0 && strip < 64 ? (unsigned)strip : 0;
	copy_str(r->prepend, sizeof(r->prepend), row, "prepend");
	r->cid_policy = !pol ? CIDP_EXTENSION
		: !strcmp(pol, "fixed") ? CIDP_FIXED
		: !strcmp(pol, "pool_random") ? CIDP_POOL_RANDOM
		: !strcmp(pol, "same_area") ? CIDP_SAME_AREA : CIDP_EXTENSION;
	copy_str(r->cid_number, sizeof(r->cid_number), row,
		 "caller_id_number");
	r->cid_pool = parse_array(row, "caller_id_pool");
	r->cid_choice = row_int(row, "caller_id_choice");
	r->trunk_ids = parse_array(row, "trunk_ids");
	r->permission = dial_permission_of(json_string_value(
		json_object_get(row, "dial_permission")));
	r->enabled = row_int(row, "enabled");
}

static int cmp_trunk(const void *a, const void *b)
{
	return strcmp(((const struct dir_trunk *)a)->id,
		      ((const struct dir_trunk *)b)->id);
}

static int cmp_number(const void *a, const void *b)
{
	return strcmp(((const struct dir_number *)a)->digits,
		      ((const struct dir_number *)b)->digits);
}

static int cmp_tnumber(const void *a, const void *b)
{
	const struct dir_number *x = a, *y = b;
	int c = strcmp(x->tenant_id, y->tenant_id);

	return c ? c : strcmp(x->digits, y->digits);
}

static int cmp_tg(const void *a, const void *b)
{
	return strcmp(((const struct dir_time_group *)a)->id,
		      ((const struct dir_time_group *)b)->id);
}

static int cmp_route_keys(const char *ta, int pa, const char *na,
			  const char *tb, int pb, const char *nb)
{
	int c = strcmp(ta, tb);

	if (c)
		return c;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return strcmp(na, nb);
}

static int cmp_inroute(const void *a, const void *b)
{
	const struct dir_inroute *x = a, *y = b;

	return cmp_route_keys(x->tenant_id, x->priority, x->name,
			      y->tenant_id, y->priority, y->name);
}

static int cmp_outroute(const void *a, const void *b)
{
	const struct dir_outroute *x = a, *y = b;

	return cmp_route_keys(x->tenant_id, x->priority, x->name,
			      y->tenant_id, y->priority, y->name);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct dir_list_entry *)a)->tenant_id,
		      ((const struct dir_list_entry *)b)->tenant_id);
}

static int cmp_speed_dial(const void *a, const void *b)
{
	const struct dir_speed_dial *x = a, *y = b;
	int c = strcmp(x->tenant_id, y->tenant_id);

	return c ? c : strcmp(x->short_number, y->short_number);
}

static int cmp_room(const void *a, const void *b)
{
	const struct dir_conference_room *x = a, *y = b;
	int c = strcmp(x->tenant_id, y->tenant_id);

	return c ? c : strcmp(x->number, y->number);
}

static int cmp_box(const void *a, const void *b)
{
	const struct dir_voicemail_box *x = a, *y = b;
	int c = strcmp(x->tenant_id, y->tenant_id);

	return c ? c : strcmp(x->number, y->number);
}

/* Allocates an array of n + 1 elements of `size`. */
static void *alloc_rows(json_t *rows, size_t size)
{
	return calloc(json_array_size(rows) + 1, size);
}

static int build_trunks(struct dir_data *d, json_t *rows)
{
	size_t i;
	json_t *row;

	d->trunks = alloc_rows(rows, sizeof(*d->trunks));
	if (!d->trunks)
		return ENOMEM;
	json_array_foreach(rows, i, row) {
		trunk_from_row(&d->trunks[i], row);
		d->ntrunks = i + 1;
	}
	qsort(d->trunks, d->ntrunks, sizeof(*d->trunks), cmp_trunk);
	return 0;
}

static int build_numbers(struct dir_data *d, json_t *rows)
{
	size_t i;
	json_t *row;

	d->numbers = alloc_rows(rows, sizeof(*d->numbers));
	d->tnumbers = alloc_rows(rows, sizeof(*d->tnumbers));
	if (!d->numbers || !d->tnumbers)
		return ENOMEM;
	json_array_foreach(rows, i, row) {
		number_from_row(&d->numbers[i], row);
		d->nnumbers = i + 1;
	}
	qsort(d->numbers, d->nnumbers, sizeof(*d->numbers), cmp_number);
	memcpy(d->tnumbers, d->numbers, d->nnumbers * sizeof(*d->numbers));
	qsort(d->tnumbers, d->nnumbers, sizeof(*d->tnumbers), cmp_tnumber);
	return 0;
}

static int build_tgroups(struct dir_data *d, json_t *rows)
{
	size_t i;
	json_t *row;

	d->tgroups = alloc_rows(rows, sizeof(*d->tgroups));
	if (!d->tgroups)
		return ENOMEM;
	json_array_foreach(rows, i, row) {
		tg_from_row(&d->tgroups[i], row);
		d->ntgroups = i + 1;
	}
	qsort(d->tgroups, d->ntgroups, sizeof(*d->tgroups), cmp_tg);
	return 0;
}

static int build_routes(struct dir_data *d, json_t *in, json_t *out)
{
	size_t i;
	json_t *row;

	d->inroutes = alloc_rows(in, sizeof(*d->inroutes));
	d->outroutes = alloc_rows(out, sizeof(*d->outroutes));
	if (!d->inroutes || !d->outroutes)
		return ENOMEM;
	json_array_foreach(in, i, row) {
		inroute_from_row(&d->inroutes[i], row);
		d->ninroutes = i + 1;
	}
	json_array_foreach(out, i, row) {
		outroute_from_row(&d->outroutes[i], row);
		d->noutroutes = i + 1;
	}
	qsort(d->inroutes, d->ninroutes, sizeof(*d->inroutes), cmp_inroute);
	qsort(d->outroutes, d->noutroutes, sizeof(*d->outroutes),
	      cmp_outroute);
	return 0;
}

static size_t count_entries(json_t *rows)
{
	size_t i, n = 0;
	json_t *row, *list;

	json_array_foreach(rows, i, row) {
		list = parse_array(row, "entries");
		n += json_array_size(list);
		json_decref(list);
	}
	return n;
}

static void add_entries(struct dir_data *d, json_t *row)
{
	json_t *list = parse_array(row, "entries"), *v;
	bool out = str_is(row, "direction", "outbound");
	bool white = str_is(row, "type", "white");
	size_t i;

	json_array_foreach(list, i, v) {
		struct dir_list_entry *e = &d->entries[d->nentries];
		const char *s = json_string_value(v);
		size_t len;

		if (!s || !*s)
			continue;
		snprintf(e->tenant_id, sizeof(e->tenant_id), "%s",
			 json_string_value(json_object_get(row, "tenant_id")));
		copy_str(e->list_id, sizeof(e->list_id), row, "id");
		e->outbound = out;
		e->white = white;
		digits_of(e->value, sizeof(e->value), s);
		len = strlen(e->value);
		e->prefix = len && e->value[len - 1] == '*';
		if (e->prefix)
			e->value[len - 1] = '\0';
		d->nentries++;
	}
	json_decref(list);
}

static int build_lists(struct dir_data *d, json_t *rows)
{
	size_t i;
	json_t *row;

	d->entries = calloc(count_entries(rows) + 1, sizeof(*d->entries));
	if (!d->entries)
		return ENOMEM;
	json_array_foreach(rows, i, row) {
		if (row_int(row, "enabled"))
			add_entries(d, row);
	}
	qsort(d->entries, d->nentries, sizeof(*d->entries), cmp_entry);
	return 0;
}

static int build_speed_dials(struct dir_data *d, json_t *rows)
{
	size_t i;
	json_t *row;

	d->speed_dials = alloc_rows(rows, sizeof(*d->speed_dials));
	if (!d->speed_dials)
		return ENOMEM;
	json_array_foreach(rows, i, row) {
		struct dir_speed_dial *sd = &d->speed_dials[i];

		copy_str(sd->tenant_id, sizeof(sd->tenant_id), row,
			 "tenant_id");
		copy_str(sd->short_number, sizeof(sd->short_number), row,
			 "short_number");
		copy_str(sd->number, sizeof(sd->number), row, "number");
		d->nspeed_dials = i + 1;
	}
	qsort(d->speed_dials, d->nspeed_dials, sizeof(*d->speed_dials),
	      cmp_speed_dial);
	return 0;
}

static void room_from_row(struct dir_conference_room *r, json_t *row)
{
	copy_str(r->id, sizeof(r->id), row, "id");
	copy_str(r->tenant_id, sizeof(r->tenant_id), row, "tenant_id");
	copy_str(r->number, sizeof(r->number), row, "number");
	copy_str(r->name, sizeof(r->name), row, "name");
	copy_str(r->pin, sizeof(r->pin), row, "pin");
	copy_str(r->admin_pin, sizeof(r->admin_pin), row, "admin_pin");
	r->max_members = (unsigned)row_int(row, "max_members");
	r->join_tones = row_int(row, "join_tones");
	r->enabled = row_int(row, "enabled");
}

static void box_from_row(struct dir_voicemail_box *b, json_t *row)
{
	copy_str(b->id, sizeof(b->id), row, "id");
	copy_str(b->tenant_id, sizeof(b->tenant_id), row, "tenant_id");
	copy_str(b->number, sizeof(b->number), row, "number");
	copy_str(b->extension_id, sizeof(b->extension_id), row,
		 "extension_id");
	copy_str(b->name, sizeof(b->name), row, "name");
	copy_str(b->pin, sizeof(b->pin), row, "pin");
	copy_str(b->greeting_voice_id, sizeof(b->greeting_voice_id), row,
		 "greeting_voice_id");
	b->max_message_s = (unsigned)row_int(row, "max_message_s");
	b->notify = row_int(row, "notify");
	b->enabled = row_int(row, "enabled");
}

static int build_rooms_and_boxes(struct dir_data *d, json_t *rooms,
				 json_t *boxes)
{
	size_t i;
	json_t *row;

	d->rooms = alloc_rows(rooms, sizeof(*d->rooms));
	d->boxes = alloc_rows(boxes, sizeof(*d->boxes));
	if (!d->rooms || !d->boxes)
		return ENOMEM;
	json_array_foreach(rooms, i, row) {
		room_from_row(&d->rooms[i], row);
		d->nrooms = i + 1;
	}
	json_array_foreach(boxes, i, row) {
		box_from_row(&d->boxes[i], row);
		d->nboxes = i + 1;
	}
	qsort(d->rooms, d->nrooms, sizeof(*d->rooms), cmp_room);
	qsort(d->boxes, d->nboxes, sizeof(*d->boxes), cmp_box);
	return 0;
}

static int cmp_flow(const void *a, const void *b)
{
	const struct dir_ivr_flow *x = a, *y = b;
	int c = strcmp(x->tenant_id, y->tenant_id);

	return c ? c : strcmp(x->id, y->id);
}

/* Published flows, compiled here on the store reader. A graph that no
   longer compiles (it was valid when published) is left out, loudly. */
static int build_flows(struct dir_data *d, json_t *rows)
{
	json_t *row;
	size_t i;

	d->flows = alloc_rows(rows, sizeof(*d->flows));
	if (!d->flows)
		return ENOMEM;
	json_array_foreach(rows, i, row) {
		struct dir_ivr_flow *f = &d->flows[d->nflows];
		json_t *graph = json_loads(json_string_value(json_object_get(
						   row, "graph")), 0, NULL);
		int err = ivr_flow_compile(graph, NULL, NULL, &f->flow);

		json_decref(graph);
		copy_str(f->id, sizeof(f->id), row, "id");
		if (err) {
			log_error("ivr", "flow %s: published version does not "
				  "compile: %s", f->id, strerror(err));
			continue;
		}
		copy_str(f->tenant_id, sizeof(f->tenant_id), row,
			 "tenant_id");
		copy_str(f->number, sizeof(f->number), row, "number");
		snprintf(f->flow->flow_id, sizeof(f->flow->flow_id), "%s",
			 f->id);
		snprintf(f->flow->tenant_id, sizeof(f->flow->tenant_id), "%s",
			 f->tenant_id);
		copy_str(f->flow->name, sizeof(f->flow->name), row, "name");
		copy_str(f->flow->version_id, sizeof(f->flow->version_id), row,
			 "version_id");
		f->flow->version = (int)row_int(row, "version");
		d->nflows++;
	}
	qsort(d->flows, d->nflows, sizeof(*d->flows), cmp_flow);
	return 0;
}

static int cmp_tenant_then_id(const char *ta, const char *ia,
			      const char *tb, const char *ib)
{
	int c = strcmp(ta, tb);

	return c ? c : strcmp(ia, ib);
}

static int cmp_agent(const void *a, const void *b)
{
	const struct dir_agent *x = a, *y = b;

	return cmp_tenant_then_id(x->tenant_id, x->id, y->tenant_id, y->id);
}

static int cmp_queue(const void *a, const void *b)
{
	const struct dir_queue *x = a, *y = b;

	return cmp_tenant_then_id(x->tenant_id, x->id, y->tenant_id, y->id);
}

static void agent_from_row(struct dir_agent *a, json_t *row)
{
	copy_str(a->id, sizeof(a->id), row, "id");
	copy_str(a->tenant_id, sizeof(a->tenant_id), row, "tenant_id");
	copy_str(a->agent_no, sizeof(a->agent_no), row, "agent_no");
	copy_str(a->name, sizeof(a->name), row, "name");
	copy_str(a->phone, sizeof(a->phone), row, "phone");
	copy_str(a->department_id, sizeof(a->department_id), row,
		 "department_id");
	copy_str(a->user_id, sizeof(a->user_id), row, "user_id");
	a->skills = parse_array(row, "skills");
	a->max_calls = (unsigned)row_int(row, "max_calls");
	a->wrap_up_s = (unsigned)row_int(row, "wrap_up_s");
	a->busy_after_miss = row_int(row, "busy_after_miss");
	a->auto_answer = row_int(row, "auto_answer");
	copy_str(a->external, sizeof(a->external), row, "external_number");
	copy_str(a->external_caller_id, sizeof(a->external_caller_id), row,
		 "external_caller_id");
	a->enabled = row_int(row, "enabled");
}

static void queue_from_row(struct dir_queue *q, json_t *row)
{
	char key[2];

	copy_str(q->id, sizeof(q->id), row, "id");
	copy_str(q->tenant_id, sizeof(q->tenant_id), row, "tenant_id");
	copy_str(q->name, sizeof(q->name), row, "name");
	copy_str(q->number, sizeof(q->number), row, "number");
	copy_str(q->strategy, sizeof(q->strategy), row, "strategy");
	copy_str(q->moh_class_id, sizeof(q->moh_class_id), row,
		 "moh_class_id");
	copy_str(q->vip_list_id, sizeof(q->vip_list_id), row, "vip_list_id");
	q->members = parse_array(row, "members");
	q->skills = parse_array(row, "skills");
	q->announce_prompt = parse_array(row, "announce_prompt");
	q->whisper_prompt = parse_array(row, "whisper_prompt");
	q->leave_prompt = parse_array(row, "leave_prompt");
	copy_str(q->leave_to, sizeof(q->leave_to), row, "leave_to");
	copy_str(q->leave_box, sizeof(q->leave_box), row, "leave_box");
	copy_str(key, sizeof(key), row, "leave_key");
	q->leave_key = key[0];
	q->overflow = parse_json(row, "overflow");
	if (!json_is_object(q->overflow)) {
		json_decref(q->overflow);
		q->overflow = json_object();
	}
	q->agent_display_queue = row_int(row, "agent_display_queue");
	q->vip_priority = (int)row_int(row, "vip_priority");
	q->sticky_days = (unsigned)row_int(row, "sticky_days");
	q->sticky_strict = row_int(row, "sticky_strict");
	q->announce_s = (unsigned)row_int(row, "announce_s");
	q->priority = (int)row_int(row, "priority");
	q->ring_timeout_s = (unsigned)row_int(row, "ring_timeout_s");
	q->retry_delay_s = (unsigned)row_int(row, "retry_delay_s");
	q->max_waiting = (unsigned)row_int(row, "max_waiting");
	q->max_wait_s = (unsigned)row_int(row, "max_wait_s");
	q->service_level_s = (unsigned)row_int(row, "service_level_s");
	q->wrap_up_s = (unsigned)row_int(row, "wrap_up_s");
	q->announce_position_s = (unsigned)row_int(row,
						   "announce_position_s");
	q->enabled = row_int(row, "enabled");
}

static const char *department_parent(json_t *departments, const char *id)
{
	json_t *row;
	size_t i;

	json_array_foreach(departments, i, row) {
		const char *rid = json_string_value(json_object_get(row, "id"));

		if (rid && !strcmp(rid, id))
			return json_string_value(json_object_get(row,
								 "parent_id"));
	}
	return NULL;
}

/* The agent's department and those above it, for data scopes. */
static void agent_dept_path(struct dir_agent *a, json_t *departments)
{
	const char *dept = a->department_id[0] ? a->department_id : NULL;
	size_t len = 0;

	for (unsigned depth = 0; dept && depth < DIR_DEPT_DEPTH; depth++) {
		int n = snprintf(a->dept_path + len, sizeof(a->dept_path) - len,
				 "%s%s", len ? "," : "", dept);

		if (n < 0 || (size_t)n >= sizeof(a->dept_path) - len)
			break;
		len += (size_t)n;
		dept = department_parent(departments, dept);
	}
}

static int build_acd(struct dir_data *d, json_t *agents, json_t *queues,
		     json_t *departments)
{
	json_t *row;
	size_t i;

	d->agents = alloc_rows(agents, sizeof(*d->agents));
	d->queues = alloc_rows(queues, sizeof(*d->queues));
	if (!d->agents || !d->queues)
		return ENOMEM;
	json_array_foreach(agents, i, row) {
		agent_from_row(&d->agents[i], row);
		agent_dept_path(&d->agents[i], departments);
		d->nagents = i + 1;
	}
	json_array_foreach(queues, i, row) {
		queue_from_row(&d->queues[i], row);
		d->nqueues = i + 1;
	}
	qsort(d->agents, d->nagents, sizeof(*d->agents), cmp_agent);
	qsort(d->queues, d->nqueues, sizeof(*d->queues), cmp_queue);
	return 0;
}

static int build_routing(struct dir_data *d, json_t *tables)
{
	int err = build_trunks(d, json_object_get(tables, "trunks"));

	if (!err)
		err = build_numbers(d, json_object_get(tables, "numbers"));
	if (!err)
		err = build_tgroups(d, json_object_get(tables, "time_groups"));
	if (!err)
		err = build_routes(d, json_object_get(tables, "inbound_routes"),
				   json_object_get(tables, "outbound_routes"));
	if (!err)
		err = build_lists(d, json_object_get(tables, "number_lists"));
	if (!err)
		err = build_speed_dials(d, json_object_get(tables,
							   "speed_dials"));
	if (!err)
		err = build_rooms_and_boxes(d, json_object_get(tables,
							"conference_rooms"),
					    json_object_get(tables,
							"voicemail_boxes"));
	if (!err)
		err = build_flows(d, json_object_get(tables, "ivr_flows"));
	if (!err)
		err = build_acd(d, json_object_get(tables, "agents"),
				json_object_get(tables, "queues"),
				json_object_get(tables, "departments"));
	return err;
}

static int load_routing(struct db *db, struct dir_data *d)
{
	static const char *const tables[][2] = {
		{"trunks", "SELECT * FROM trunks"},
		{"numbers", "SELECT * FROM numbers"},
		{"time_groups", "SELECT * FROM time_groups"},
		{"inbound_routes", "SELECT * FROM inbound_routes"},
		{"outbound_routes", "SELECT * FROM outbound_routes"},
		{"number_lists", "SELECT * FROM number_lists"},
		{"speed_dials", "SELECT tenant_id, short_number, number "
				"FROM speed_dials"},
		{"conference_rooms", "SELECT * FROM conference_rooms"},
		/* An extension's box answers on the extension's number; a
		   greeting no longer approved is no greeting. */
		{"voicemail_boxes", "SELECT b.id, b.tenant_id, "
				    "COALESCE(e.number, b.number) AS number, "
				    "b.extension_id, b.name, b.pin, v.id AS "
				    "greeting_voice_id, b.max_message_s, "
				    "b.notify, b.enabled FROM voicemail_boxes "
				    "b LEFT JOIN extensions e ON e.id = "
				    "b.extension_id LEFT JOIN voices v ON v.id "
				    "= b.greeting_voice_id AND v.status = "
				    "'approved'"},
		{"agents", "SELECT a.*, COALESCE(e.number, '') AS phone FROM "
			   "agents a LEFT JOIN extensions e ON e.id = "
			   "a.extension_id"},
		{"queues", "SELECT * FROM queues"},
		{"departments", "SELECT id, parent_id FROM departments"},
		{"ivr_flows", "SELECT f.id, f.tenant_id, f.name, f.number, "
			      "v.id AS version_id, v.version, v.graph FROM "
			      "ivr_flows f JOIN ivr_versions v ON v.id = "
			      "f.published_version_id"},
	};
	json_t *all = json_object();
	int err = all ? 0 : ENOMEM;

	for (size_t i = 0; !err && i < sizeof(tables) / sizeof(*tables); i++) {
		json_t *rows = NULL;

		err = db_query(db, &rows, tables[i][1], NULL);
		if (!err)
			err = json_object_set_new(all, tables[i][0], rows)
				? ENOMEM : 0;
	}
	if (!err)
		err = build_routing(d, all);
	json_decref(all);
	return err;
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
	if (!err)
		err = load_routing(db, ld->data);
	return err;
}

static void start_load(struct directory *dir);

/* Tells (and forgets) the waiters whose load is done: up to gen, or
   everyone (gen 0) when the directory goes away. */
static void notify_waiters(struct directory *dir, unsigned long gen)
{
	struct dir_waiter **wp = &dir->waiters;

	while (*wp) {
		struct dir_waiter *w = *wp;

		if (gen && w->gen > gen) {
			wp = &w->next;
			continue;
		}
		*wp = w->next;
		w->done(w->ctx);
		free(w);
	}
}

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
	if (!dir) {
		free(ld);
		return;
	}
	dir->loading = NULL;
	if (dir->again) {
		dir->again = false;
		start_load(dir);
	}
	notify_waiters(dir, ld->gen);
	free(ld);
	if (!err && dir->change_h)
		dir->change_h(dir->change_arg);
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
	ld->gen = ++dir->gen_started;
	dir->loading = ld;
	err = store_submit(dir->store, STORE_READ, load_work, load_done, ld);
	if (err) {
		log_error("sip", "directory reload not started: %s",
			  strerror(err));
		dir->loading = NULL;
		free(ld);
		notify_waiters(dir, 0);   /* no load will come: do not hold them */
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
	notify_waiters(dir, 0);
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

void directory_reload_wait(struct directory *dir, void (*done)(void *ctx),
			   void *ctx)
{
	struct dir_waiter *w = calloc(1, sizeof(*w));

	directory_reload(dir);
	if (!w || !dir->loading) {
		free(w);
		done(ctx);   /* could not start a load: do not hold anyone */
		return;
	}
	/* A load in flight started before the change: wait for the next. */
	w->gen = dir->loading->gen + (dir->again ? 1 : 0);
	w->done = done;
	w->ctx = ctx;
	w->next = dir->waiters;
	dir->waiters = w;
}

void directory_on_change(struct directory *dir, void (*h)(void *arg),
			 void *arg)
{
	if (!dir)
		return;
	dir->change_h = h;
	dir->change_arg = arg;
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

/* ------------------------------------------------ trunks, numbers, routes */

const struct dir_trunk *directory_trunk(const struct directory *dir,
					const char *trunk_id)
{
	const struct dir_data *d = dir ? dir->data : NULL;
	struct dir_trunk key;

	if (!d || !trunk_id)
		return NULL;
	snprintf(key.id, sizeof(key.id), "%s", trunk_id);
	return bsearch(&key, d->trunks, d->ntrunks, sizeof(*d->trunks),
		       cmp_trunk);
}

const struct dir_trunk *directory_trunks(const struct directory *dir,
					 size_t *np)
{
	const struct dir_data *d = dir ? dir->data : NULL;

	*np = d ? d->ntrunks : 0;
	return d ? d->trunks : NULL;
}

const struct dir_trunk *directory_trunk_for_source(
	const struct directory *dir, const struct sa *src)
{
	const struct dir_data *d = dir ? dir->data : NULL;
	const struct dir_trunk *by_host = NULL;
	char ip[64];

	if (!d || !src || sa_ntop(src, ip, sizeof(ip)))
		return NULL;
	for (size_t i = 0; i < d->ntrunks; i++) {
		const struct dir_trunk *t = &d->trunks[i];

		if (!t->enabled)
			continue;
		/* A peer trunk that names a port must send from it
		   (decisions.md "Trunk calls are recognised by address and
		   port"); a carrier we register to may call from another
		   port than its registrar's. */
		if (!t->is_register && json_array_size(t->peer_cidrs) &&
		    (!t->port || t->port == sa_port(src)) &&
		    cidr_list_allows(t->peer_cidrs, ip))
			return t;
		if (t->is_register && !by_host && !strcmp(t->host, ip))
			by_host = t;
	}
	return by_host;
}

const struct dir_number *directory_number(const struct directory *dir,
					  const char *called)
{
	const struct dir_data *d = dir ? dir->data : NULL;
	struct dir_number key;

	if (!d || !called)
		return NULL;
	digits_of(key.digits, sizeof(key.digits), called);
	return bsearch(&key, d->numbers, d->nnumbers, sizeof(*d->numbers),
		       cmp_number);
}

const struct dir_time_group *directory_time_group(
	const struct directory *dir, const char *id)
{
	const struct dir_data *d = dir ? dir->data : NULL;
	struct dir_time_group *key;
	const struct dir_time_group *hit;

	if (!d || !id || !*id)
		return NULL;
	key = calloc(1, sizeof(*key));
	if (!key)
		return NULL;
	snprintf(key->id, sizeof(key->id), "%s", id);
	hit = bsearch(key, d->tgroups, d->ntgroups, sizeof(*d->tgroups),
		      cmp_tg);
	free(key);
	return hit;
}

/* The run of elements of `tenant_id` in an array sorted by tenant first;
   `off` is the offset of the element's tenant_id member. */
static const void *tenant_run(const void *base, size_t n, size_t size,
			      size_t off, const char *tenant_id, size_t *np)
{
	const char *p = (const char *)base + off;
	size_t lo = 0, hi = n, start;

	*np = 0;
	if (!base || !tenant_id)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(p + mid * size, tenant_id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	start = lo;
	while (lo < n && !strcmp(p + lo * size, tenant_id))
		lo++;
	*np = lo - start;
	return (const char *)base + start * size;
}

#define TENANT_RUN(d, arr, n, type, tenant_id, np) \
	((d) ? (const type *)tenant_run((d)->arr, (d)->n, sizeof(type), \
		offsetof(type, tenant_id), tenant_id, np) : (*(np) = 0, NULL))

const struct dir_inroute *directory_inroutes(const struct directory *dir,
					     const char *tenant_id,
					     size_t *np)
{
	const struct dir_data *d = dir ? dir->data : NULL;

	return TENANT_RUN(d, inroutes, ninroutes, struct dir_inroute,
			  tenant_id, np);
}

const struct dir_outroute *directory_outroutes(const struct directory *dir,
					       const char *tenant_id,
					       size_t *np)
{
	const struct dir_data *d = dir ? dir->data : NULL;

	return TENANT_RUN(d, outroutes, noutroutes, struct dir_outroute,
			  tenant_id, np);
}

const struct dir_list_entry *directory_list_entries(
	const struct directory *dir, const char *tenant_id, size_t *np)
{
	const struct dir_data *d = dir ? dir->data : NULL;

	return TENANT_RUN(d, entries, nentries, struct dir_list_entry,
			  tenant_id, np);
}

const struct dir_number *directory_tenant_numbers(
	const struct directory *dir, const char *tenant_id, size_t *np)
{
	const struct dir_data *d = dir ? dir->data : NULL;

	return TENANT_RUN(d, tnumbers, nnumbers, struct dir_number,
			  tenant_id, np);
}

const struct dir_speed_dial *directory_speed_dial(
	const struct directory *dir, const char *tenant_id,
	const char *short_number)
{
	const struct dir_data *d = dir ? dir->data : NULL;
	struct dir_speed_dial key;

	if (!d || !tenant_id || !short_number ||
	    strlen(short_number) >= sizeof(key.short_number))
		return NULL;
	snprintf(key.tenant_id, sizeof(key.tenant_id), "%s", tenant_id);
	snprintf(key.short_number, sizeof(key.short_number), "%s",
		 short_number);
	return bsearch(&key, d->speed_dials, d->nspeed_dials,
		       sizeof(*d->speed_dials), cmp_speed_dial);
}

const struct dir_conference_room *directory_conference_room(
	const struct directory *dir, const char *tenant_id,
	const char *number)
{
	const struct dir_data *d = dir ? dir->data : NULL;
	struct dir_conference_room key;

	if (!d || !tenant_id || !number || strlen(number) >= sizeof(key.number))
		return NULL;
	snprintf(key.tenant_id, sizeof(key.tenant_id), "%s", tenant_id);
	snprintf(key.number, sizeof(key.number), "%s", number);
	return bsearch(&key, d->rooms, d->nrooms, sizeof(*d->rooms), cmp_room);
}

const struct dir_voicemail_box *directory_voicemail_box(
	const struct directory *dir, const char *tenant_id,
	const char *number)
{
	const struct dir_data *d = dir ? dir->data : NULL;
	struct dir_voicemail_box key;

	if (!d || !tenant_id || !number || strlen(number) >= sizeof(key.number))
		return NULL;
	snprintf(key.tenant_id, sizeof(key.tenant_id), "%s", tenant_id);
	snprintf(key.number, sizeof(key.number), "%s", number);
	return bsearch(&key, d->boxes, d->nboxes, sizeof(*d->boxes), cmp_box);
}

const struct dir_ivr_flow *directory_ivr_flow(const struct directory *dir,
					      const char *tenant_id,
					      const char *flow_id)
{
	const struct dir_data *d = dir ? dir->data : NULL;
	struct dir_ivr_flow key;

	if (!d || !tenant_id || !flow_id || strlen(flow_id) >= sizeof(key.id))
		return NULL;
	snprintf(key.tenant_id, sizeof(key.tenant_id), "%s", tenant_id);
	snprintf(key.id, sizeof(key.id), "%s", flow_id);
	return bsearch(&key, d->flows, d->nflows, sizeof(*d->flows),
		       cmp_flow);
}

const struct dir_ivr_flow *directory_ivr_flow_number(
	const struct directory *dir, const char *tenant_id,
	const char *number)
{
	const struct dir_data *d = dir ? dir->data : NULL;

	for (size_t i = 0; d && number && *number && i < d->nflows; i++) {
		if (!strcmp(d->flows[i].tenant_id, tenant_id) &&
		    !strcmp(d->flows[i].number, number))
			return &d->flows[i];
	}
	return NULL;
}

const struct dir_agent *directory_agent(const struct directory *dir,
					const char *tenant_id, const char *id)
{
	const struct dir_data *d = dir ? dir->data : NULL;
	struct dir_agent key;

	if (!d || !tenant_id || !id || strlen(id) >= sizeof(key.id))
		return NULL;
	snprintf(key.tenant_id, sizeof(key.tenant_id), "%s", tenant_id);
	snprintf(key.id, sizeof(key.id), "%s", id);
	return bsearch(&key, d->agents, d->nagents, sizeof(*d->agents),
		       cmp_agent);
}

const struct dir_agent *directory_agents(const struct directory *dir,
					 const char *tenant_id, size_t *np)
{
	const struct dir_data *d = dir ? dir->data : NULL;

	*np = 0;
	if (!d)
		return NULL;
	return TENANT_RUN(d, agents, nagents, struct dir_agent, tenant_id, np);
}

const struct dir_queue *directory_queue(const struct directory *dir,
					const char *tenant_id, const char *id)
{
	const struct dir_data *d = dir ? dir->data : NULL;
	struct dir_queue key;

	if (!d || !tenant_id || !id || strlen(id) >= sizeof(key.id))
		return NULL;
	snprintf(key.tenant_id, sizeof(key.tenant_id), "%s", tenant_id);
	snprintf(key.id, sizeof(key.id), "%s", id);
	return bsearch(&key, d->queues, d->nqueues, sizeof(*d->queues),
		       cmp_queue);
}

const struct dir_queue *directory_queue_number(const struct directory *dir,
					       const char *tenant_id,
					       const char *number)
{
	const struct dir_data *d = dir ? dir->data : NULL;

	for (size_t i = 0; d && number && *number && i < d->nqueues; i++) {
		if (!strcmp(d->queues[i].tenant_id, tenant_id) &&
		    !strcmp(d->queues[i].number, number))
			return &d->queues[i];
	}
	return NULL;
}

int directory_from_json(struct directory **dirp, json_t *tables)
{
	struct directory *dir;
	struct dir_data *d;
	int err;

	if (!dirp || !json_is_object(tables))
		return EINVAL;
	dir = calloc(1, sizeof(*dir));
	d = calloc(1, sizeof(*d));
	if (!dir || !d) {
		free(dir);
		free(d);
		return ENOMEM;
	}
	err = build_tenants(d, json_object_get(tables, "tenants"));
	if (!err)
		err = build_extensions(d, json_object_get(tables,
							  "extensions"));
	if (!err)
		err = build_routing(d, tables);
	if (err) {
		data_free(d);
		free(dir);
		return err;
	}
	dir->data = d;
	*dirp = dir;
	return 0;
}
