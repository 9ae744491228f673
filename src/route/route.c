/*
 * route.c — inbound and outbound routing decisions (see route.h): dial
 * patterns, black/white lists, time groups, dial permissions, strip and
 * prepend, caller-ID policies and trunk failover order, speed dial.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "../core/libre.h"
#include "route.h"
#include "tz.h"

enum { PATTERN_MAX = 64 };

/* ------------------------------------------------------------ patterns */

/* p just after '['; true when c is in the set. */
static bool set_has(const char *p, char c)
{
	while (*p && *p != ']') {
		if (p[1] == '-' && p[2] && p[2] != ']') {
			if (c >= p[0] && c <= p[2])
				return true;
			p += 3;
			continue;
		}
		if (*p == c)
			return true;
		p++;
	}
	return false;
}

/* Whether one pattern token at p matches c; *next is the token after. */
static bool token_match(const char *p, char c, const char **next)
{
	*next = p + 1;
	switch (*p) {
	case 'X': case 'x':
		return c >= '0' && c <= '9';
	case 'Z': case 'z':
		return c >= '1' && c <= '9';
	case 'N': case 'n':
		return c >= '2' && c <= '9';
	case '[': {
		const char *end = strchr(p, ']');

		*next = end ? end + 1 : p + strlen(p);
		return end && set_has(p + 1, c);
	}
	default:
		return *p == c;
	}
}

static bool match_at(const char *p, const char *s, unsigned depth)
{
	const char *next;

	if (depth > PATTERN_MAX)
		return false;
	for (;;) {
		if (!*p)
			return !*s;
		if (*p == '.' || *p == '!') {
			/* '.': at least one character; '!': any number */
			const char *t = *p == '.' ? s + 1 : s;

			if (*p == '.' && !*s)
				return false;
			for (; ; t++) {
				if (match_at(p + 1, t, depth + 1))
					return true;
				if (!*t)
					return false;
			}
		}
		if (!*s || !token_match(p, *s, &next))
			return false;
		p = next;
		s++;
	}
}

bool dial_pattern_match(const char *pattern, const char *digits)
{
	if (!pattern || !digits || dial_pattern_error(pattern))
		return false;
	if (*pattern == '_')
		pattern++;
	return match_at(pattern, digits, 0);
}

static const char *set_error(const char **pp)
{
	const char *p = *pp + 1;

	if (*p == ']')
		return "empty [ ] set";
	for (; *p && *p != ']'; p++) {
		if (!strchr("0123456789-,", *p))
			return "only digits, '-' and ',' inside [ ]";
		if (*p == '-' && (p[-1] == '[' || p[1] == ']' ||
				  p[1] < p[-1]))
			return "bad range inside [ ]";
	}
	if (!*p)
		return "unclosed '['";
	*pp = p;
	return NULL;
}

const char *dial_pattern_error(const char *pattern)
{
	const char *p = pattern;

	if (!p || !*p)
		return "empty pattern";
	if (strlen(p) > PATTERN_MAX)
		return "longer than 64 characters";
	if (*p == '_')
		p++;
	if (!*p)
		return "empty pattern";
	for (; *p; p++) {
		if (*p == '[') {
			const char *err = set_error(&p);

			if (err)
				return err;
			continue;
		}
		if (!strchr("0123456789XZNxzn.!*#+", *p))
			return "unknown character (use digits, X, Z, N, "
			       "[1-5], '.', '!', '*', '#', '+')";
	}
	return NULL;
}

/* -------------------------------------------------------- time groups */

static bool rule_day(const struct dir_time_rule *r, int wday)
{
	return r->days & (1u << wday);
}

static bool rule_active(const struct dir_time_rule *r,
			const struct tz_civil *c)
{
	int prev = c->wday == 1 ? 7 : c->wday - 1;

	if (r->start < r->end)
		return rule_day(r, c->wday) && c->minute >= r->start &&
		       c->minute < r->end;
	if (r->start == r->end)   /* the whole day */
		return rule_day(r, c->wday);
	/* past midnight: from start on the day to end on the next day */
	return (rule_day(r, c->wday) && c->minute >= r->start) ||
	       (rule_day(r, prev) && c->minute < r->end);
}

bool time_group_active(const struct dir_time_group *g, const struct tz *tz,
		       int64_t now_ms)
{
	int64_t s = now_ms >= 0 ? now_ms / 1000 : (now_ms - 999) / 1000;
	struct tz_civil c;
	int32_t date;

	if (!g)
		return false;
	tz_civil(s, tz_offset(tz, s), &c);
	date = c.year * 10000 + c.month * 100 + c.day;
	for (size_t i = 0; i < g->nholidays; i++) {
		if (g->holidays[i] == date)
			return false;
	}
	for (size_t i = 0; i < g->nrules; i++) {
		if (rule_active(&g->rules[i], &c))
			return true;
	}
	return false;
}

/* -------------------------------------------------------------- lists */

static const char *digits(const char *s)
{
	return s && *s == '+' ? s + 1 : s ? s : "";
}

static bool listed(const struct directory *dir, const char *tenant_id,
		   bool outbound, bool white, const char *number)
{
	size_t n;
	const struct dir_list_entry *e = directory_list_entries(dir, tenant_id,
								&n);
	const char *d = digits(number);

	for (size_t i = 0; i < n; i++, e++) {
		if (e->outbound != outbound || e->white != white)
			continue;
		if (e->prefix ? !strncmp(d, e->value, strlen(e->value))
			      : !strcmp(d, e->value))
			return true;
	}
	return false;
}

static bool blacklisted(const struct directory *dir, const char *tenant_id,
			bool outbound, const char *number)
{
	return !listed(dir, tenant_id, outbound, true, number) &&
	       listed(dir, tenant_id, outbound, false, number);
}

static void refuse(struct route_refusal *r, uint16_t code,
		   const char *reason, const char *end_status)
{
	r->code = code;
	r->reason = reason;
	r->end_status = end_status;
}

/* ------------------------------------------------------------ inbound */

static void copy_targets(struct inbound_decision *out,
			 const struct dir_inroute *r)
{
	size_t i;
	json_t *v;

	json_array_foreach(r->targets, i, v) {
		if (out->ntargets >= ROUTE_MAX_TARGETS)
			break;
		if (!json_is_string(v))
			continue;
		snprintf(out->targets[out->ntargets++], sizeof(out->targets[0]),
			 "%s", json_string_value(v));
	}
}

/* Whether a route's time condition holds; *closed when it does not. */
static bool time_ok(const struct directory *dir, const struct dir_tenant *t,
		    const struct dir_inroute *r, int64_t now_ms)
{
	const struct dir_time_group *g;
	bool active;

	if (r->time_match == TIME_ANY)
		return true;
	g = directory_time_group(dir, r->time_group_id);
	if (g && strcmp(g->tenant_id, t->id))
		g = NULL;
	active = time_group_active(g, t->tz, now_ms);
	return r->time_match == TIME_IN ? active : !active;
}

static bool number_ok(const struct directory *dir,
		      const struct dir_number *num, const char *trunk_id)
{
	const struct dir_trunk *t;

	if (!num || !num->enabled)
		return false;
	if (!trunk_id)
		return true;
	if (num->trunk_id[0] && strcmp(num->trunk_id, trunk_id))
		return false;
	t = directory_trunk(dir, trunk_id);
	return t && !strcmp(t->tenant_id, num->tenant_id);
}

static void pick_inroute(const struct directory *dir,
			 const struct dir_tenant *t,
			 const struct dir_number *num, const char *caller,
			 int64_t now_ms, struct inbound_decision *out)
{
	size_t n;
	const struct dir_inroute *r = directory_inroutes(dir, t->id, &n);
	bool closed = false;

	for (size_t i = 0; i < n; i++, r++) {
		if (!r->enabled)
			continue;
		if (r->number[0] && strcmp(r->number, num->digits))
			continue;
		if (r->caller_prefix[0] && strncmp(caller, r->caller_prefix,
						   strlen(r->caller_prefix)))
			continue;
		if (!time_ok(dir, t, r, now_ms)) {
			closed = true;
			continue;
		}
		snprintf(out->route_id, sizeof(out->route_id), "%s", r->id);
		snprintf(out->route_name, sizeof(out->route_name), "%s",
			 r->name);
		out->dest = r->dest;
		copy_targets(out, r);
		return;
	}
	if (closed)
		refuse(&out->refusal, 480, "Temporarily Unavailable",
		       "closed");
	else
		refuse(&out->refusal, 404, "Not Found", "no_route");
}

int route_inbound(const struct directory *dir, const char *called,
		  const char *caller, const char *trunk_id, int64_t now_ms,
		  struct inbound_decision *out)
{
	const struct dir_number *num;
	const struct dir_tenant *t;

	if (!out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	if (!dir || !called)
		return EINVAL;
	num = directory_number(dir, called);
	if (!number_ok(dir, num, trunk_id)) {
		refuse(&out->refusal, 404, "Not Found", "no_route");
		return 0;
	}
	t = directory_tenant(dir, num->tenant_id);
	snprintf(out->tenant_id, sizeof(out->tenant_id), "%s",
		 num->tenant_id);
	snprintf(out->number_id, sizeof(out->number_id), "%s", num->id);
	if (!t || !t->enabled) {
		refuse(&out->refusal, 403, "Forbidden", "tenant_disabled");
		return 0;
	}
	if (blacklisted(dir, t->id, false, caller)) {
		refuse(&out->refusal, 603, "Decline", "blacklisted");
		return 0;
	}
	pick_inroute(dir, t, num, digits(caller), now_ms, out);
	return 0;
}

/* ----------------------------------------------------------- outbound */

static size_t common_prefix(const char *a, const char *b)
{
	size_t n = 0;

	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

/* The pool number sharing the most leading digits (at least 3) with the
   callee; else the first. */
static const char *same_area(json_t *pool, const char *callee)
{
	const char *best = json_string_value(json_array_get(pool, 0));
	size_t best_len = 2, i;
	json_t *v;

	json_array_foreach(pool, i, v) {
		const char *s = json_string_value(v);
		size_t len = s ? common_prefix(digits(s), digits(callee)) : 0;

		if (len > best_len) {
			best = s;
			best_len = len;
		}
	}
	return best;
}

/* `number` as the route's pool spells it ("+" or not), or NULL. */
static const char *pool_entry(const struct dir_outroute *r,
			      const char *number)
{
	size_t i;
	json_t *v;

	json_array_foreach(r->cid_pool, i, v) {
		const char *s = json_string_value(v);

		if (s && !strcmp(digits(s), digits(number)))
			return s;
	}
	return NULL;
}

/* The caller's own choice (`wanted`, "" none) when the route lets callers
   choose among its pool, else the route's policy; false: a choice the
   route does not allow. */
static bool pick_caller_id(const struct dir_outroute *r,
			   const struct dir_extension *from,
			   const char *callee, const char *wanted,
			   struct outbound_decision *out)
{
	const char *cid = NULL;
	size_t n = json_array_size(r->cid_pool);

	if (*wanted) {
		cid = r->cid_choice ? pool_entry(r, wanted) : NULL;
		snprintf(out->caller_id, sizeof(out->caller_id), "%s",
			 cid ? cid : "");
		return cid != NULL;
	}
	switch (r->cid_policy) {
	case CIDP_FIXED:
		cid = r->cid_number;
		break;
	case CIDP_POOL_RANDOM:
		cid = n ? json_string_value(json_array_get(r->cid_pool,
							   rand_u32() % n))
			: NULL;
		break;
	case CIDP_SAME_AREA:
		cid = same_area(r->cid_pool, callee);
		break;
	case CIDP_EXTENSION:
		break;
	}
	snprintf(out->caller_id, sizeof(out->caller_id), "%s",
		 cid && *cid ? cid : from->number);
	return true;
}

/* e164: "+" and country code ("0..." loses its trunk prefix "0");
   national: a number of the own country without "+"/"00" and the country
   code, other countries' numbers as "00...". */
void route_format_number(enum dir_cid_format fmt, const char *cc,
			 const char *number, char *out, size_t size)
{
	const char *d = number ? number : "";
	size_t cl = cc ? strlen(cc) : 0;
	bool intl = false;

	if (fmt == CID_AS_IS || !*d) {
		snprintf(out, size, "%s", d);
		return;
	}
	if (*d == '+' || !strncmp(d, "00", 2)) {
		d += *d == '+' ? 1 : 2;
		intl = true;
	}
	if (fmt == CID_E164) {
		if (intl || !cl)
			snprintf(out, size, "+%s", d);
		else
			snprintf(out, size, "+%s%s", cc, *d == '0' ? d + 1 : d);
		return;
	}
	if (intl && cl && !strncmp(d, cc, cl))
		snprintf(out, size, "%s", d + cl);
	else
		snprintf(out, size, "%s%s", intl ? "00" : "", d);
}

static void copy_trunk(struct route_trunk *rt, const struct dir_trunk *t,
		       const char *caller_id)
{
	snprintf(rt->id, sizeof(rt->id), "%s", t->id);
	snprintf(rt->name, sizeof(rt->name), "%s", t->name);
	snprintf(rt->host, sizeof(rt->host), "%s", t->host);
	rt->port = t->port ? t->port : 5060;
	snprintf(rt->transport, sizeof(rt->transport), "%s", t->transport);
	snprintf(rt->outbound_proxy, sizeof(rt->outbound_proxy), "%s",
		 t->outbound_proxy);
	snprintf(rt->username, sizeof(rt->username), "%s", t->username);
	snprintf(rt->auth_username, sizeof(rt->auth_username), "%s",
		 t->auth_username[0] ? t->auth_username : t->username);
	snprintf(rt->password, sizeof(rt->password), "%s", t->password);
	snprintf(rt->realm, sizeof(rt->realm), "%s", t->realm);
	rt->cid_format = t->cid_format;
	route_format_number(t->cid_format, t->country_code, caller_id,
			    rt->caller_id, sizeof(rt->caller_id));
	rt->max_calls = t->max_calls;
	snprintf(rt->failover_group, sizeof(rt->failover_group), "%s",
		 t->failover_group);
	route_codecs_text(t->codecs, rt->codecs, sizeof(rt->codecs));
}

void route_codecs_text(const json_t *list, char *buf, size_t size)
{
	size_t i, used = 0;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach(list, i, v) {
		const char *name = json_string_value(v);
		int n;

		if (!name)
			continue;
		n = snprintf(buf + used, size - used, "%s%s", used ? "," : "",
			     name);
		if (n < 0 || (size_t)n >= size - used) {
			buf[used] = '\0';
			return;
		}
		used += (size_t)n;
	}
}

static void add_trunks(const struct directory *dir,
		       const struct dir_outroute *r, const char *tenant_id,
		       struct outbound_decision *out)
{
	size_t i;
	json_t *v;

	json_array_foreach(r->trunk_ids, i, v) {
		const struct dir_trunk *t = directory_trunk(dir,
						json_string_value(v));

		if (out->ntrunks >= ROUTE_MAX_TRUNKS)
			break;
		if (!t || !t->enabled || strcmp(t->tenant_id, tenant_id))
			continue;
		copy_trunk(&out->trunks[out->ntrunks++], t, out->caller_id);
	}
}

static bool route_matches(const struct dir_outroute *r, const char *dialed)
{
	size_t i;
	json_t *v;

	json_array_foreach(r->patterns, i, v) {
		if (dial_pattern_match(json_string_value(v), dialed))
			return true;
	}
	return false;
}

static void apply_route(const struct directory *dir,
			const struct dir_outroute *r,
			const struct dir_extension *from, const char *dialed,
			const char *wanted_cid, struct outbound_decision *out)
{
	size_t len = strlen(dialed);

	snprintf(out->route_id, sizeof(out->route_id), "%s", r->id);
	snprintf(out->route_name, sizeof(out->route_name), "%s", r->name);
	snprintf(out->dialed, sizeof(out->dialed), "%s%s", r->prepend,
		 len > r->strip ? dialed + r->strip : "");
	if (!pick_caller_id(r, from, out->dialed, wanted_cid, out)) {
		refuse(&out->refusal, 403, "Caller ID Not Allowed",
		       "caller_id_not_allowed");
		return;
	}
	add_trunks(dir, r, from->tenant_id, out);
	if (!out->ntrunks)
		refuse(&out->refusal, 503, "Service Unavailable", "no_trunk");
}

int route_outbound(const struct directory *dir,
		   const struct dir_extension *from, const char *dialed,
		   const char *wanted_cid, int64_t now_ms,
		   struct outbound_decision *out)
{
	size_t n;
	const struct dir_outroute *r;

	(void)now_ms;   /* routes have no time condition yet */
	if (!out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	if (!dir || !from || !dialed)
		return EINVAL;
	if (blacklisted(dir, from->tenant_id, true, dialed)) {
		refuse(&out->refusal, 403, "Forbidden", "blacklisted");
		return 0;
	}
	r = directory_outroutes(dir, from->tenant_id, &n);
	for (size_t i = 0; i < n; i++, r++) {
		if (!r->enabled || !route_matches(r, dialed))
			continue;
		if (from->dial_permission < r->permission) {
			snprintf(out->route_id, sizeof(out->route_id), "%s",
				 r->id);
			snprintf(out->route_name, sizeof(out->route_name),
				 "%s", r->name);
			refuse(&out->refusal, 403, "Forbidden",
			       "permission_denied");
			return 0;
		}
		apply_route(dir, r, from, dialed, wanted_cid ? wanted_cid : "",
			    out);
		return 0;
	}
	refuse(&out->refusal, 404, "Not Found", "no_route");
	return 0;
}

/* ---------------------------------------------------------- speed dial */

bool route_short_number_reserved(const char *short_number)
{
	static const char *const codes[] = {"8", "43", "80", "81", "82", "83",
		"86", "87", "88", "851", "852", "853"};
	static const char *const prefixes[] = {"841", "842", "843"};

	for (size_t i = 0; i < sizeof(codes) / sizeof(*codes); i++) {
		if (!strcmp(short_number, codes[i]))
			return true;
	}
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		if (!strncmp(short_number, prefixes[i], strlen(prefixes[i])))
			return true;
	}
	return false;
}

static bool is_short_number(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n >= 1 && n <= 6 && !s[n];
}

bool route_speed_dial(const struct directory *dir, const char *tenant_id,
		      const char *dialed, char *number, size_t size)
{
	const struct dir_speed_dial *sd;

	if (!dialed || dialed[0] != '*' || !is_short_number(dialed + 1) ||
	    route_short_number_reserved(dialed + 1))
		return false;
	sd = directory_speed_dial(dir, tenant_id, dialed + 1);
	snprintf(number, size, "%s", sd ? sd->number : "");
	return true;
}
