/*
 * logic.c — the IVR nodes that do not wait for keys: set variable,
 * condition, time and region branches, anchors (counter), back one level
 * and back to the top menu, sub-flow calls, HTTP requests with their
 * input/output mapping, and the nodes that hand the call on: transfer to
 * an extension or an outside number, queue (until the ACD exists: no
 * agent), voicemail.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "../core/log.h"
#include "../route/route.h"
#include "../sip/directory.h"

static void expand(const struct ivr_session *s, const char *in, char *out,
		   size_t size)
{
	vars_expand(&s->vars, in ? in : "", out, size);
}

/* ---- variables and branches ---- */

static void set_vars(struct ivr_session *s)
{
	const json_t *a;
	size_t i;

	json_array_foreach(ivr_param(s, "assignments"), i, a) {
		char value[VAR_VALUE_MAX + 1];

		expand(s, json_string_value(json_object_get(a, "value")),
		       value, sizeof(value));
		ivr_set_var(s, json_string_value(json_object_get(a, "name")),
			    value);
	}
	ivr_take_exit(s, "next");
}

static bool rules_hold(const struct ivr_session *s, const json_t *rules)
{
	const json_t *r;
	size_t i;

	json_array_foreach(rules, i, r) {
		char left[VAR_VALUE_MAX + 1], right[VAR_VALUE_MAX + 1];

		vars_get(&s->vars, json_string_value(json_object_get(
				 r, "variable")), left, sizeof(left));
		expand(s, json_string_value(json_object_get(r, "value")),
		       right, sizeof(right));
		if (!vars_compare(left, json_string_value(json_object_get(
					  r, "op")), right))
			return false;
	}
	return true;
}

static void condition(struct ivr_session *s)
{
	const json_t *b;
	size_t i;

	json_array_foreach(ivr_param(s, "branches"), i, b) {
		if (rules_hold(s, json_object_get(b, "rules"))) {
			ivr_take_branch(s, i);
			return;
		}
	}
	ivr_take_exit(s, "default");
}

static void time_branch(struct ivr_session *s)
{
	const struct dir_tenant *t = directory_tenant(s->env.dir,
						      s->info.tenant_id);
	const json_t *id;
	size_t i;

	json_array_foreach(ivr_param(s, "time_group_ids"), i, id) {
		const struct dir_time_group *g = directory_time_group(
			s->env.dir, json_string_value(id));

		if (g && !strcmp(g->tenant_id, s->info.tenant_id) &&
		    time_group_active(g, t ? t->tz : NULL, now_ms())) {
			ivr_take_branch(s, i);
			return;
		}
	}
	ivr_take_exit(s, "default");
}

/* The caller's number without the country prefix of China. */
static const char *national(const char *n)
{
	if (!strncmp(n, "+86", 3))
		return n + 3;
	if (!strncmp(n, "0086", 4))
		return n + 4;
	return n;
}

static void region_branch(struct ivr_session *s)
{
	const char *caller = national(s->info.caller);
	const json_t *b, *p;
	size_t i, j;

	json_array_foreach(ivr_param(s, "branches"), i, b) {
		json_array_foreach(json_object_get(b, "prefixes"), j, p) {
			const char *prefix = json_string_value(p);

			if (!strncmp(caller, prefix, strlen(prefix))) {
				ivr_take_branch(s, i);
				return;
			}
		}
	}
	ivr_take_exit(s, "default");
}

/* ---- back, top, sub-flows ---- */

/* Goes to a menu remembered in s->menus (leaving sub-flows above it). */
static void to_menu(struct ivr_session *s, unsigned i)
{
	unsigned depth = s->menus[i].depth;
	int node = s->menus[i].node;

	s->nmenus = i;            /* entering it pushes it again */
	while (s->depth > depth) {
		ivr_flow_unref(s->frames[--s->depth].flow);
		s->frames[s->depth].flow = NULL;
	}
	ivr_goto(s, node, NULL);
}

static void back(struct ivr_session *s)
{
	if (s->nmenus >= 2)
		to_menu(s, s->nmenus - 2);
	else if (s->nmenus == 1)
		to_menu(s, 0);
	else
		ivr_goto(s, ivr_cur_flow(s)->start, NULL);
}

static void top(struct ivr_session *s)
{
	if (s->nmenus)
		to_menu(s, 0);
	else
		ivr_goto(s, s->frames[0].flow->start, NULL);
}

static void subflow(struct ivr_session *s)
{
	const struct dir_ivr_flow *df = directory_ivr_flow(
		s->env.dir, s->info.tenant_id, ivr_param_str(s, "flow_id"));
	struct ivr_frame *fr;

	if (!df || s->depth == IVR_MAX_DEPTH) {
		log_warn("ivr", "call %s: sub-flow %s %s: skipped",
			 s->info.call_id, ivr_param_str(s, "flow_id"),
			 df ? "too deep" : "not published");
		ivr_take_exit(s, "next");
		return;
	}
	fr = &s->frames[s->depth++];
	fr->flow = ivr_flow_ref(df->flow);
	fr->caller_node = s->node;
	ivr_goto(s, df->flow->start, "call");
}

/* ---- HTTP ---- */

/* A field of the answer: "a" or a dotted path "a.b.c"; strings as they
   are, other values as JSON text. false: not there (or null). */
static bool answer_field(const json_t *answer, const char *path, char *out,
			 size_t size)
{
	const json_t *v = answer;
	char key[129];

	while (v && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(key))
			return false;
		memcpy(key, path, n);
		key[n] = '\0';
		v = json_object_get(v, key);
		path += dot ? n + 1 : n;
	}
	if (!v || json_is_null(v))
		return false;
	if (json_is_string(v)) {
		snprintf(out, size, "%s", json_string_value(v));
	} else {
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		snprintf(out, size, "%s", text ? text : "");
		free(text);
	}
	return true;
}

static void http_done(int err, const json_t *answer, void *arg)
{
	struct ivr_session *s = arg;
	const json_t *o;
	size_t i;

	ivr_http_cancel(s->http);
	s->http = NULL;
	json_array_foreach(ivr_param(s, "outputs"), i, o) {
		char value[VAR_VALUE_MAX + 1];

		if (err || !answer_field(answer, json_string_value(
				 json_object_get(o, "field")), value,
				 sizeof(value)))
			snprintf(value, sizeof(value), "%s", json_string_value(
					 json_object_get(o, "default")));
		ivr_set_var(s, json_string_value(json_object_get(o,
								 "variable")),
			    value);
	}
	if (err)
		log_info("ivr", "call %s: HTTP node %s failed: %s",
			 s->info.call_id, ivr_cur_node(s)->id, strerror(err));
	ivr_take_exit(s, err ? "failed" : "success");
}

static void http(struct ivr_session *s)
{
	json_t *inputs = json_object();
	const json_t *in;
	char url[1100];
	size_t i;
	int err;

	expand(s, ivr_param_str(s, "url"), url, sizeof(url));
	json_array_foreach(ivr_param(s, "inputs"), i, in) {
		char value[VAR_VALUE_MAX + 1];

		expand(s, json_string_value(json_object_get(in, "value")),
		       value, sizeof(value));
		json_object_set_new(inputs, json_string_value(json_object_get(
					    in, "name")), json_string(value));
	}
	s->phase = PH_HTTP;
	s->hops = 0;
	err = ivr_http_start(&s->http, s->env.http, ivr_param_str(s, "method"),
			     url, inputs,
			     (unsigned)ivr_param_int(s, "timeout_s"),
			     (unsigned)ivr_param_int(s, "retries"), http_done,
			     s);
	json_decref(inputs);
	if (err) {
		s->http = NULL;
		http_done(err, NULL, s);
	}
}

/* ---- handing the call on ---- */

static void dial_extension(struct ivr_session *s)
{
	char number[64];

	expand(s, ivr_param_str(s, "number"), number, sizeof(number));
	if (s->ops->dial_extension(s->arg, number, (unsigned)ivr_param_int(
					   s, "ring_timeout_s"))) {
		log_info("ivr", "call %s: cannot ring extension '%s'",
			 s->info.call_id, number);
		ivr_take_exit(s, "failed");
		return;
	}
	ivr_ring(s, NULL);
}

static void dial_external(struct ivr_session *s)
{
	char number[64];
	const char *cid = !strcmp(ivr_param_str(s, "caller_id"), "number")
			  ? ivr_param_str(s, "caller_number") : s->info.caller;

	expand(s, ivr_param_str(s, "number"), number, sizeof(number));
	if (!*number || s->ops->dial_external(s->arg, number, cid,
				(unsigned)ivr_param_int(s, "ring_timeout_s"))) {
		log_info("ivr", "call %s: cannot call '%s'", s->info.call_id,
			 number);
		ivr_take_exit(s, "failed");
		return;
	}
	ivr_ring(s, ivr_param(s, "prompt"));
}

static void voicemail(struct ivr_session *s)
{
	char box[64];

	expand(s, ivr_param_str(s, "box"), box, sizeof(box));
	if (s->ops->voicemail(s->arg, box)) {
		log_warn("ivr", "call %s: no voicemail box '%s'",
			 s->info.call_id, box);
		ivr_end_call(s, "unavailable");
		return;
	}
	s->phase = PH_DONE;
}

/* The queue's prompt, then the caller waits in the ACD queue; it comes
   back at the node's exit when it cannot wait or leaves unanswered. */
static void queue(struct ivr_session *s)
{
	ivr_play(s, ivr_param(s, "prompt"), NULL, 1, AFTER_QUEUE);
}

void logic_enqueue(struct ivr_session *s)
{
	const char *overflow = NULL;
	int err = s->ops->queue ? s->ops->queue(s->arg, ivr_param_str(
					s, "queue_id"), &overflow) : ENOTSUP;

	if (err) {
		log_info("ivr", "call %s: queue %s: %s", s->info.call_id,
			 ivr_param_str(s, "queue_id"), strerror(err));
		overflow = "no_agent";
	}
	if (overflow) {
		ivr_take_exit(s, overflow);
		return;
	}
	s->phase = PH_QUEUED;
	s->hops = 0;
}

static void counter(struct ivr_session *s)
{
	ivr_event(s, "anchor", ivr_param_str(s, "name"));
	ivr_take_exit(s, "next");
}

void logic_enter(struct ivr_session *s)
{
	switch (ivr_cur_node(s)->type) {
	case IVR_SET:
		set_vars(s);
		break;
	case IVR_CONDITION:
		condition(s);
		break;
	case IVR_TIME:
		time_branch(s);
		break;
	case IVR_REGION:
		region_branch(s);
		break;
	case IVR_HTTP:
		http(s);
		break;
	case IVR_TRANSFER_EXTENSION:
		dial_extension(s);
		break;
	case IVR_TRANSFER_EXTERNAL:
		dial_external(s);
		break;
	case IVR_QUEUE:
		queue(s);
		break;
	case IVR_VOICEMAIL:
		voicemail(s);
		break;
	case IVR_COUNTER:
		counter(s);
		break;
	case IVR_BACK:
		back(s);
		break;
	case IVR_TOP:
		top(s);
		break;
	case IVR_SUBFLOW:
		subflow(s);
		break;
	default:
		ivr_take_exit(s, "next");
		break;
	}
}

void logic_stop(struct ivr_session *s)
{
	ivr_http_cancel(s->http);
	s->http = NULL;
}
