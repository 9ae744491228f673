/*
 * flow.c — compiling (and so validating) an IVR flow version's graph:
 * each node's parameters are checked against its type and normalised
 * with the defaults of docs/ivr.md, its exits are resolved to node
 * indexes, and the graph as a whole must have one start node and no node
 * the start cannot reach. Every problem is reported, not only the first,
 * so the designer can mark them all.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "flow.h"

/* What compiling one graph needs. */
struct cx {
	json_t *errors;            /* may be NULL */
	const struct ivr_refs *refs;
	const char *node_id;       /* the node being checked */
	unsigned nerrors;
};

static void problem(struct cx *cx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct cx *cx, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	cx->nerrors++;
	if (!cx->errors || json_array_size(cx->errors) >= 100)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(cx->errors, json_pack("{s:s,s:s}", "node_id",
						    cx->node_id ? cx->node_id
								: "",
						    "message", msg));
}

/* ---- parameters ---- */

static long get_int(struct cx *cx, const json_t *in, json_t *out,
		    const char *name, long def, long min, long max)
{
	json_t *v = json_object_get(in, name);
	long n = def;

	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < min ||
		    json_integer_value(v) > max)
			problem(cx, "'%s' must be a whole number from %ld to "
				"%ld", name, min, max);
		else
			n = (long)json_integer_value(v);
	}
	json_object_set_new(out, name, json_integer(n));
	return n;
}

static bool get_bool(struct cx *cx, const json_t *in, json_t *out,
		     const char *name, bool def)
{
	json_t *v = json_object_get(in, name);
	bool b = def;

	if (v && !json_is_null(v)) {
		if (!json_is_boolean(v))
			problem(cx, "'%s' must be true or false", name);
		else
			b = json_is_true(v);
	}
	json_object_set_new(out, name, json_boolean(b));
	return b;
}

static const char *get_str(struct cx *cx, const json_t *in, json_t *out,
			   const char *name, const char *def, size_t max,
			   bool required)
{
	json_t *v = json_object_get(in, name);
	const char *s = def;

	if (v && !json_is_null(v)) {
		if (!json_is_string(v) || strlen(json_string_value(v)) > max)
			problem(cx, "'%s' must be text of at most %zu "
				"characters", name, max);
		else
			s = json_string_value(v);
	}
	if (required && !*s)
		problem(cx, "'%s' is required", name);
	json_object_set_new(out, name, json_string(s));
	return json_string_value(json_object_get(out, name));
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++) {
		if (!strcmp(s, *list))
			return true;
	}
	return false;
}

static const char *get_choice(struct cx *cx, const json_t *in, json_t *out,
			      const char *name, const char *const *choices)
{
	const char *s = get_str(cx, in, out, name, choices[0], 32, false);

	if (!in_list(s, choices)) {
		problem(cx, "'%s' cannot be '%s'", name, s);
		json_object_set_new(out, name, json_string(choices[0]));
	}
	return json_string_value(json_object_get(out, name));
}

static bool var_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 32 || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') ||
			      (s[0] >= 'a' && s[0] <= 'z')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];

		if (!(c == '_' || (c >= 'A' && c <= 'Z') ||
		      (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

static void get_var(struct cx *cx, const json_t *in, json_t *out,
		    const char *name, const char *def)
{
	const char *s = get_str(cx, in, out, name, def, 32, true);

	if (*s && !var_name_valid(s))
		problem(cx, "'%s': '%s' is not a variable name (letters, "
			"digits and _, not starting with a digit)", name, s);
}

static bool ref_ok(struct cx *cx, const char *kind, const char *id)
{
	return !cx->refs || cx->refs->exists(cx->refs->arg, kind, id);
}

static const char *const tones[] = {"beep", "confirm", "busy", "dial",
				    NULL};
static const char *const part_types[] = {"tts", "voice", "tone", "digits",
					 "number", NULL};

static json_t *prompt_part(struct cx *cx, const char *name, const json_t *p)
{
	const char *type = json_string_value(json_object_get(p, "type"));
	const char *key = type && !strcmp(type, "voice") ? "id"
			  : type && !strcmp(type, "tone") ? "name" : "text";
	const char *val = json_string_value(json_object_get(p, key));

	if (!json_is_object(p) || !type || !in_list(type, part_types)) {
		problem(cx, "'%s': a part's type must be tts, voice, tone, "
			"digits or number", name);
		return NULL;
	}
	if (!val || !*val || strlen(val) > 600) {
		problem(cx, "'%s': a %s part needs '%s' (1-600 characters)",
			name, type, key);
		return NULL;
	}
	if (!strcmp(type, "tone") && !in_list(val, tones)) {
		problem(cx, "'%s': no tone '%s' (beep, confirm, busy, dial)",
			name, val);
		return NULL;
	}
	if (!strcmp(type, "voice") && !ref_ok(cx, "voice", val)) {
		problem(cx, "'%s': no approved voice '%s'", name, val);
		return NULL;
	}
	return json_pack("{s:s,s:s}", "type", type, key, val);
}

static void get_prompt(struct cx *cx, const json_t *in, json_t *out,
		       const char *name)
{
	json_t *v = json_object_get(in, name), *parts = json_array(), *p;
	size_t i;

	if (v && !json_is_null(v) &&
	    (!json_is_array(v) || json_array_size(v) > 8))
		problem(cx, "'%s' must be a list of at most 8 parts", name);
	else if (v)
		json_array_foreach(v, i, p) {
			json_t *part = prompt_part(cx, name, p);

			if (part)
				json_array_append_new(parts, part);
		}
	json_object_set_new(out, name, parts);
}

/* An array of objects, min-max long; each checked by `item`, which returns
   the normalised copy (NULL: left out, a problem said). */
static json_t *get_rows(struct cx *cx, const json_t *in, json_t *out,
			const char *name, size_t min, size_t max,
			json_t *(*item)(struct cx *, const json_t *))
{
	json_t *v = json_object_get(in, name), *rows = json_array(), *r;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) < min ||
	    json_array_size(v) > max) {
		problem(cx, "'%s' must be a list of %zu to %zu entries", name,
			min, max);
	} else {
		json_array_foreach(v, i, r) {
			json_t *row = json_is_object(r) ? item(cx, r) : NULL;

			if (!json_is_object(r))
				problem(cx, "'%s': entry %zu is not an object",
					name, i + 1);
			if (row)
				json_array_append_new(rows, row);
		}
	}
	json_object_set_new(out, name, rows);
	return rows;
}

static bool key_valid(const char *k)
{
	return k && strlen(k) == 1 && strchr("0123456789*#", k[0]);
}

/* ---- the node types ---- */

static void menu_common(struct cx *cx, const json_t *in, json_t *out)
{
	get_prompt(cx, in, out, "prompt");
	get_prompt(cx, in, out, "timeout_prompt");
	get_prompt(cx, in, out, "error_prompt");
	get_int(cx, in, out, "timeout_s", 10, 1, 120);
	get_int(cx, in, out, "max_errors", 3, 1, 10);
}

static void p_none(struct cx *cx, const json_t *in, json_t *out)
{
	(void)cx;
	(void)in;
	(void)out;
}

static void p_play(struct cx *cx, const json_t *in, json_t *out)
{
	get_prompt(cx, in, out, "prompt");
	get_bool(cx, in, out, "interruptible", false);
	get_int(cx, in, out, "loops", 1, 1, 10);
}

static void p_menu(struct cx *cx, const json_t *in, json_t *out)
{
	json_t *keys = json_object_get(in, "keys"), *k, *norm = json_array();
	size_t i;

	menu_common(cx, in, out);
	if (!json_is_array(keys) || json_array_size(keys) > 12)
		problem(cx, "'keys' must be a list of keys 0-9, * and #");
	else
		json_array_foreach(keys, i, k) {
			const char *s = json_string_value(k);
			bool seen = false;
			json_t *o;
			size_t j;

			json_array_foreach(norm, j, o)
				seen |= s && !strcmp(json_string_value(o), s);
			if (!key_valid(s) || seen)
				problem(cx, "'keys': each key once, one of 0-9, "
					"* and #");
			else
				json_array_append_new(norm, json_string(s));
		}
	json_object_set_new(out, "keys", norm);
	get_bool(cx, in, out, "direct_entry", false);
	get_int(cx, in, out, "direct_max_digits", 4, 2, 16);
}

static void p_collect(struct cx *cx, const json_t *in, json_t *out)
{
	static const char *const modes[] = {"max", "fixed", NULL};
	const char *mode;
	long len, min;

	menu_common(cx, in, out);
	mode = get_choice(cx, in, out, "mode", modes);
	if (!strcmp(mode, "fixed") && !json_is_integer(json_object_get(in,
								"length")))
		problem(cx, "'length' is required for a fixed length");
	len = get_int(cx, in, out, "length", 16, 1, 32);
	min = get_int(cx, in, out, "min_length", 1, 0, 32);
	if (min > len)
		problem(cx, "'min_length' is more than 'length'");
	get_var(cx, in, out, "variable", "dtmf");
}

static json_t *assignment(struct cx *cx, const json_t *r)
{
	json_t *o = json_object();

	get_var(cx, r, o, "name", "");
	get_str(cx, r, o, "value", "", 1024, false);
	return o;
}

static void p_set(struct cx *cx, const json_t *in, json_t *out)
{
	get_rows(cx, in, out, "assignments", 1, 20, assignment);
}

static const char *const ops[] = {"eq", "ne", "gt", "lt", "ge", "le",
				  "contains", NULL};

static json_t *rule(struct cx *cx, const json_t *r)
{
	json_t *o = json_object();

	get_var(cx, r, o, "variable", "");
	get_choice(cx, r, o, "op", ops);
	get_str(cx, r, o, "value", "", 256, false);
	return o;
}

static json_t *cond_branch(struct cx *cx, const json_t *r)
{
	json_t *o = json_object();

	get_str(cx, r, o, "name", "", 64, false);
	get_rows(cx, r, o, "rules", 1, 10, rule);
	return o;
}

static void p_condition(struct cx *cx, const json_t *in, json_t *out)
{
	get_rows(cx, in, out, "branches", 1, 20, cond_branch);
}

static void p_time(struct cx *cx, const json_t *in, json_t *out)
{
	json_t *v = json_object_get(in, "time_group_ids"), *g;
	json_t *ids = json_array();
	size_t i;

	if (!json_is_array(v) || !json_array_size(v) ||
	    json_array_size(v) > 20)
		problem(cx, "'time_group_ids' must be a list of 1-20 time "
			"groups");
	else
		json_array_foreach(v, i, g) {
			const char *id = json_string_value(g);

			if (!id || !ref_ok(cx, "time_group", id))
				problem(cx, "'time_group_ids': no time group "
					"'%s'", id ? id : "?");
			else
				json_array_append_new(ids, json_string(id));
		}
	json_object_set_new(out, "time_group_ids", ids);
}

static json_t *region_branch(struct cx *cx, const json_t *r)
{
	json_t *o = json_object(), *p = json_object_get(r, "prefixes"), *e;
	json_t *prefixes = json_array();
	size_t i;

	get_str(cx, r, o, "name", "", 64, false);
	if (!json_is_array(p) || !json_array_size(p) ||
	    json_array_size(p) > 100)
		problem(cx, "'prefixes' must be a list of 1-100 number "
			"prefixes");
	else
		json_array_foreach(p, i, e) {
			const char *s = json_string_value(e);

			if (!s || !*s || strlen(s) > 16 ||
			    strspn(s, "0123456789") != strlen(s))
				problem(cx, "'prefixes': '%s' is not 1-16 "
					"digits", s ? s : "?");
			else
				json_array_append_new(prefixes,
						      json_string(s));
		}
	json_object_set_new(o, "prefixes", prefixes);
	return o;
}

static void p_region(struct cx *cx, const json_t *in, json_t *out)
{
	get_rows(cx, in, out, "branches", 1, 20, region_branch);
}

static json_t *input(struct cx *cx, const json_t *r)
{
	json_t *o = json_object();

	get_str(cx, r, o, "name", "", 64, true);
	get_str(cx, r, o, "value", "", 1024, false);
	return o;
}

static json_t *output(struct cx *cx, const json_t *r)
{
	json_t *o = json_object();

	get_var(cx, r, o, "variable", "");
	get_str(cx, r, o, "field", "", 128, true);
	get_str(cx, r, o, "default", "", 1024, false);
	return o;
}

static void p_http(struct cx *cx, const json_t *in, json_t *out)
{
	static const char *const methods[] = {"POST", "GET", NULL};
	const char *url = get_str(cx, in, out, "url", "", 1024, true);

	if (*url && strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		problem(cx, "'url' must start with http:// or https://");
	get_choice(cx, in, out, "method", methods);
	get_int(cx, in, out, "timeout_s", 5, 1, 30);
	get_int(cx, in, out, "retries", 0, 0, 5);
	if (json_object_get(in, "inputs"))
		get_rows(cx, in, out, "inputs", 0, 50, input);
	else
		json_object_set_new(out, "inputs", json_array());
	if (json_object_get(in, "outputs"))
		get_rows(cx, in, out, "outputs", 0, 50, output);
	else
		json_object_set_new(out, "outputs", json_array());
}

static void p_dynamic_menu(struct cx *cx, const json_t *in, json_t *out)
{
	json_t *t = json_object_get(in, "targets"), *e, *targets = json_array();
	size_t i;

	menu_common(cx, in, out);
	get_var(cx, in, out, "entries_variable", "dynamicEntries");
	if (t && (!json_is_array(t) || json_array_size(t) > 50))
		problem(cx, "'targets' must be a list of node ids");
	else if (t)
		json_array_foreach(t, i, e) {
			if (json_is_string(e))
				json_array_append(targets, e);
			else
				problem(cx, "'targets': node ids are text");
		}
	json_object_set_new(out, "targets", targets);
}

static void p_transfer_extension(struct cx *cx, const json_t *in,
				 json_t *out)
{
	menu_common(cx, in, out);
	get_str(cx, in, out, "number", "", 64, false);
	get_int(cx, in, out, "length", 4, 2, 8);
	get_int(cx, in, out, "ring_timeout_s", 30, 5, 120);
}

static void p_transfer_external(struct cx *cx, const json_t *in,
				json_t *out)
{
	static const char *const cids[] = {"caller", "number", NULL};

	get_str(cx, in, out, "number", "", 64, true);
	if (!strcmp(get_choice(cx, in, out, "caller_id", cids), "number"))
		get_str(cx, in, out, "caller_number", "", 32, true);
	else
		get_str(cx, in, out, "caller_number", "", 32, false);
	get_prompt(cx, in, out, "prompt");
	get_int(cx, in, out, "ring_timeout_s", 30, 5, 120);
}

static void p_queue(struct cx *cx, const json_t *in, json_t *out)
{
	const char *id = get_str(cx, in, out, "queue_id", "", 64, true);

	if (*id && !ref_ok(cx, "queue", id))
		problem(cx, "'queue_id': no queue '%s'", id);
	get_prompt(cx, in, out, "prompt");
	get_int(cx, in, out, "timeout_s", 600, 10, 7200);
}

static void p_voicemail(struct cx *cx, const json_t *in, json_t *out)
{
	const char *box = get_str(cx, in, out, "box", "", 32, true);

	if (*box && !ref_ok(cx, "voicemail_box", box))
		problem(cx, "'box': no voicemail box '%s'", box);
}

static json_t *survey_option(struct cx *cx, const json_t *r)
{
	json_t *o = json_object();

	if (!key_valid(get_str(cx, r, o, "key", "", 1, true)))
		problem(cx, "'options': a key is one of 0-9, * and #");
	get_str(cx, r, o, "rating", "", 64, true);
	return o;
}

static void p_survey(struct cx *cx, const json_t *in, json_t *out)
{
	get_prompt(cx, in, out, "prompt");
	get_prompt(cx, in, out, "error_prompt");
	get_prompt(cx, in, out, "thanks_prompt");
	get_rows(cx, in, out, "options", 1, 10, survey_option);
	get_var(cx, in, out, "key_variable", "SurveyKey");
	get_var(cx, in, out, "rating_variable", "SurveyRating");
	get_int(cx, in, out, "timeout_s", 10, 1, 120);
	get_int(cx, in, out, "max_errors", 2, 1, 10);
}

static void p_counter(struct cx *cx, const json_t *in, json_t *out)
{
	get_str(cx, in, out, "name", "", 64, true);
}

static void p_subflow(struct cx *cx, const json_t *in, json_t *out)
{
	const char *id = get_str(cx, in, out, "flow_id", "", 64, true);

	if (*id && !ref_ok(cx, "flow", id))
		problem(cx, "'flow_id': no published flow '%s'", id);
}

static void p_hangup(struct cx *cx, const json_t *in, json_t *out)
{
	get_prompt(cx, in, out, "prompt");
}

static json_t *speech_branch(struct cx *cx, const json_t *r)
{
	json_t *o = json_object(), *k = json_object_get(r, "keywords"), *e;
	json_t *words = json_array();
	size_t i;

	get_str(cx, r, o, "name", "", 64, false);
	if (!key_valid(get_str(cx, r, o, "key", "", 1, true)))
		problem(cx, "'branches': each needs a fallback key (0-9, *, "
			"#)");
	if (k && !json_is_array(k))
		problem(cx, "'keywords' must be a list of words");
	else if (k)
		json_array_foreach(k, i, e) {
			if (json_is_string(e))
				json_array_append(words, e);
		}
	json_object_set_new(o, "keywords", words);
	return o;
}

static void p_speech_menu(struct cx *cx, const json_t *in, json_t *out)
{
	menu_common(cx, in, out);
	get_rows(cx, in, out, "branches", 1, 10, speech_branch);
}

/* ---- exits ---- */

typedef void (params_fn)(struct cx *, const json_t *, json_t *);

struct type_def {
	const char *name;
	params_fn *params;
	const char *exits[4];    /* fixed exits */
	const char *branches;    /* a list parameter: one exit per entry
				    ("1".."n"), or "keys": one per key */
	bool branch_default;     /* plus "default" */
};

static const struct type_def types[IVR_NODE_TYPES] = {
	[IVR_START] = {"start", p_none, {"next"}, NULL, false},
	[IVR_PLAY] = {"play", p_play, {"next"}, NULL, false},
	[IVR_MENU] = {"menu", p_menu, {"failed"}, "keys", false},
	[IVR_COLLECT] = {"collect", p_collect, {"next", "failed"}, NULL,
			 false},
	[IVR_SET] = {"set", p_set, {"next"}, NULL, false},
	[IVR_CONDITION] = {"condition", p_condition, {NULL}, "branches",
			   true},
	[IVR_TIME] = {"time", p_time, {NULL}, "time_group_ids", true},
	[IVR_REGION] = {"region", p_region, {NULL}, "branches", true},
	[IVR_HTTP] = {"http", p_http, {"success", "failed"}, NULL, false},
	[IVR_DYNAMIC_MENU] = {"dynamic_menu", p_dynamic_menu, {"failed"},
			      NULL, false},
	[IVR_TRANSFER_EXTENSION] = {"transfer_extension",
				    p_transfer_extension, {"failed"}, NULL,
				    false},
	[IVR_TRANSFER_EXTERNAL] = {"transfer_external", p_transfer_external,
				   {"failed"}, NULL, false},
	[IVR_QUEUE] = {"queue", p_queue, {"no_agent", "full", "timeout"},
		       NULL, false},
	[IVR_VOICEMAIL] = {"voicemail", p_voicemail, {NULL}, NULL, false},
	[IVR_SURVEY] = {"survey", p_survey, {"next", "failed"}, NULL, false},
	[IVR_COUNTER] = {"counter", p_counter, {"next"}, NULL, false},
	[IVR_BACK] = {"back", p_none, {NULL}, NULL, false},
	[IVR_TOP] = {"top", p_none, {NULL}, NULL, false},
	[IVR_SUBFLOW] = {"subflow", p_subflow, {"next"}, NULL, false},
	[IVR_HANGUP] = {"hangup", p_hangup, {NULL}, NULL, false},
	[IVR_SPEECH_MENU] = {"speech_menu", p_speech_menu, {"failed"},
			     "branches", false},
};

const char *ivr_node_type_name(enum ivr_node_type t)
{
	return t < IVR_NODE_TYPES ? types[t].name : "?";
}

static int type_of(const char *name)
{
	for (int t = 0; name && t < IVR_NODE_TYPES; t++) {
		if (!strcmp(types[t].name, name))
			return t;
	}
	return -1;
}

/* The exit names of a node of this type with these (normalised)
   parameters, in order. */
static json_t *exit_names(enum ivr_node_type t, const json_t *params)
{
	const struct type_def *d = &types[t];
	json_t *names = json_array();

	if (d->branches && !strcmp(d->branches, "keys")) {
		json_t *k;
		size_t i;

		json_array_foreach(json_object_get(params, "keys"), i, k)
			json_array_append(names, k);
		if (json_is_true(json_object_get(params, "direct_entry")))
			json_array_append_new(names, json_string("direct"));
	} else if (d->branches) {
		size_t n = json_array_size(json_object_get(params,
							   d->branches));

		for (size_t i = 1; i <= n; i++)
			json_array_append_new(names,
					      json_sprintf("%zu", i));
		if (d->branch_default)
			json_array_append_new(names, json_string("default"));
	}
	for (size_t i = 0; i < 4 && d->exits[i]; i++)
		json_array_append_new(names, json_string(d->exits[i]));
	return names;
}

/* ---- the graph ---- */

static bool id_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 40 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_-") == n;
}

int ivr_flow_find(const struct ivr_flow *f, const char *node_id)
{
	for (size_t i = 0; node_id && i < f->nnodes; i++) {
		if (!strcmp(f->nodes[i].id, node_id))
			return (int)i;
	}
	return -1;
}

int ivr_node_exit(const struct ivr_node *n, const char *name)
{
	for (size_t i = 0; i < n->nexits; i++) {
		if (!strcmp(n->exits[i].name, name))
			return n->exits[i].to;
	}
	return -2;
}

static void flow_free(struct ivr_flow *f)
{
	for (size_t i = 0; f->nodes && i < f->nnodes; i++) {
		json_decref(f->nodes[i].params);
		free(f->nodes[i].exits);
		free(f->nodes[i].targets);
	}
	free(f->nodes);
	free(f);
}

struct ivr_flow *ivr_flow_ref(struct ivr_flow *f)
{
	if (f)
		f->refs++;
	return f;
}

void ivr_flow_unref(struct ivr_flow *f)
{
	if (f && --f->refs == 0)
		flow_free(f);
}

/* Pass 1: ids, types, names and parameters of every node. */
static void read_node(struct cx *cx, struct ivr_node *n, const json_t *in,
		      size_t i)
{
	const char *id = json_string_value(json_object_get(in, "id"));
	const char *name = json_string_value(json_object_get(in, "name"));
	const json_t *params = json_object_get(in, "params");
	int t;

	cx->node_id = id;
	if (!id_valid(id))
		problem(cx, "node %zu: an id is 1-40 letters, digits, _ or -",
			i + 1);
	else
		snprintf(n->id, sizeof(n->id), "%s", id);
	if (name && strlen(name) > 64)
		problem(cx, "the name is longer than 64 characters");
	snprintf(n->name, sizeof(n->name), "%s", name ? name : "");
	t = type_of(json_string_value(json_object_get(in, "type")));
	if (t < 0) {
		const char *type = json_string_value(json_object_get(in,
								     "type"));

		problem(cx, "unknown node type '%s'", type ? type : "?");
		t = IVR_HANGUP;
	}
	n->type = (enum ivr_node_type)t;
	if (params && !json_is_object(params))
		problem(cx, "'params' must be an object");
	n->params = json_object();
	types[t].params(cx, json_is_object(params) ? params : NULL,
			n->params);
}

/* Pass 2: the node's exits, resolved. */
static int read_exits(struct cx *cx, struct ivr_flow *f, struct ivr_node *n,
		      const json_t *in)
{
	json_t *names = exit_names(n->type, n->params), *nm;
	const json_t *exits = json_object_get(in, "exits");
	const char *k;
	json_t *v;
	size_t i;

	cx->node_id = n->id;
	n->exits = calloc(json_array_size(names) + 1, sizeof(*n->exits));
	if (!n->exits) {
		json_decref(names);
		return ENOMEM;
	}
	json_array_foreach(names, i, nm) {
		const char *name = json_string_value(nm);
		json_t *to = json_object_get(exits, name);
		struct ivr_exit *e = &n->exits[n->nexits++];

		snprintf(e->name, sizeof(e->name), "%s", name);
		e->to = IVR_END;
		if (!to)
			problem(cx, "exit '%s' is not connected (connect it or "
				"mark it as the end)", name);
		else if (!json_is_null(to) &&
			 (e->to = ivr_flow_find(f, json_string_value(to))) < 0) {
			problem(cx, "exit '%s' goes to a node that does not "
				"exist", name);
			e->to = IVR_END;
		}
	}
	json_object_foreach((json_t *)exits, k, v) {
		bool known = false;

		json_array_foreach(names, i, nm)
			known |= !strcmp(json_string_value(nm), k);
		if (!known)
			problem(cx, "a %s node has no exit '%s'",
				types[n->type].name, k);
	}
	json_decref(names);
	if (n->type == IVR_DYNAMIC_MENU) {
		json_t *t = json_object_get(n->params, "targets");

		n->targets = calloc(json_array_size(t) + 1, sizeof(int));
		if (!n->targets)
			return ENOMEM;
		json_array_foreach(t, i, v) {
			int to = ivr_flow_find(f, json_string_value(v));

			if (to < 0)
				problem(cx, "'targets': no node '%s'",
					json_string_value(v));
			else
				n->targets[n->ntargets++] = to;
		}
	}
	return 0;
}

static void mark(const struct ivr_flow *f, int i, bool *seen)
{
	const struct ivr_node *n;

	if (i < 0 || seen[i])
		return;
	seen[i] = true;
	n = &f->nodes[i];
	for (size_t e = 0; e < n->nexits; e++)
		mark(f, n->exits[e].to, seen);
	for (size_t t = 0; t < n->ntargets; t++)
		mark(f, n->targets[t], seen);
}

static void check_reachable(struct cx *cx, const struct ivr_flow *f)
{
	bool *seen = calloc(f->nnodes, sizeof(bool));

	if (!seen)
		return;
	mark(f, f->start, seen);
	for (size_t i = 0; i < f->nnodes; i++) {
		cx->node_id = f->nodes[i].id;
		if (!seen[i])
			problem(cx, "'%s' cannot be reached from the start",
				f->nodes[i].name[0] ? f->nodes[i].name
						    : f->nodes[i].id);
	}
	free(seen);
}

static int read_graph(struct cx *cx, struct ivr_flow *f, const json_t *nodes)
{
	json_t *in;
	size_t i;
	int err = 0;

	json_array_foreach(nodes, i, in) {
		read_node(cx, &f->nodes[i], json_is_object(in) ? in : NULL, i);
		f->nnodes++;
		for (size_t j = 0; j < i; j++) {
			cx->node_id = f->nodes[i].id;
			if (f->nodes[i].id[0] &&
			    !strcmp(f->nodes[j].id, f->nodes[i].id))
				problem(cx, "two nodes have the id '%s'",
					f->nodes[i].id);
		}
		if (f->nodes[i].type == IVR_START) {
			cx->node_id = f->nodes[i].id;
			if (f->start >= 0)
				problem(cx, "a flow has one start node");
			else
				f->start = (int)i;
		}
	}
	cx->node_id = NULL;
	if (f->start < 0)
		problem(cx, "the flow has no start node");
	json_array_foreach(nodes, i, in) {
		if (!err)
			err = read_exits(cx, f, &f->nodes[i], in);
	}
	if (!err && f->start >= 0)
		check_reachable(cx, f);
	return err;
}

int ivr_flow_compile(const json_t *graph, const struct ivr_refs *refs,
		     json_t *errors, struct ivr_flow **flowp)
{
	const json_t *nodes = json_object_get(graph, "nodes");
	struct cx cx = {.errors = errors, .refs = refs};
	struct ivr_flow *f;
	int err;

	if (!json_is_array(nodes) || !json_array_size(nodes) ||
	    json_array_size(nodes) > IVR_MAX_NODES) {
		problem(&cx, "the graph needs 'nodes': a list of 1-%d nodes",
			IVR_MAX_NODES);
		return EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (f)
		f->nodes = calloc(json_array_size(nodes), sizeof(*f->nodes));
	if (!f || !f->nodes) {
		free(f);
		return ENOMEM;
	}
	f->refs = 1;
	f->start = -1;
	err = read_graph(&cx, f, nodes);
	if (!err && cx.nerrors)
		err = EINVAL;
	if (err) {
		flow_free(f);
		return err;
	}
	*flowp = f;
	return 0;
}

json_t *ivr_graph_initial(void)
{
	return json_pack("{s:[{s:s,s:s,s:s,s:i,s:i,s:{},s:{s:n}}]}", "nodes",
			 "id", "start", "type", "start", "name", "Start", "x",
			 80, "y", 40, "params", "exits", "next");
}
