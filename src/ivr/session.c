/*
 * session.c — one call walking IVR flows: the running node, the stack of
 * sub-flows, the menus entered (for back / top), variables, prompts
 * played through the host, and the record of the walk — one step per node
 * entered (when, how long, which exit, which keys) and the key presses and
 * anchor passes the IVR report counts. The node families live in input.c
 * (nodes that wait for keys) and logic.c (the rest).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "../core/log.h"
#include "../media/say.h"
#include "../sip/directory.h"

/* ---- system variables ---- */

static bool system_var(const char *name, char *out, size_t size, void *arg)
{
	const struct ivr_session *s = arg;
	const struct ivr_call_info *i = &s->info;
	int64_t now = now_ms();

	if (!strcmp(name, "SystemCallerNumber"))
		snprintf(out, size, "%s", i->caller);
	else if (!strcmp(name, "SystemCalleeNumber"))
		snprintf(out, size, "%s", i->callee);
	else if (!strcmp(name, "SystemSessionId"))
		snprintf(out, size, "%s", i->call_id);
	else if (!strcmp(name, "SystemCallRingDuration"))
		snprintf(out, size, "%lld", (long long)(i->answer_ms
			 ? (i->answer_ms - i->start_ms) / 1000 : 0));
	else if (!strcmp(name, "SystemCallAcceptDuration"))
		snprintf(out, size, "%lld", (long long)(i->answer_ms
			 ? (now - i->answer_ms) / 1000 : 0));
	else if (!strcmp(name, "WaitNo") || !strcmp(name, "StaffNo"))
		snprintf(out, size, "%s", "");   /* with the ACD */
	else
		return false;
	return true;
}

/* ---- records ---- */

static void close_step(struct ivr_session *s, const char *exit)
{
	if (!s->open_step)
		return;
	json_array_set_new(s->open_step, 10, json_integer(now_ms()));
	json_array_set_new(s->open_step, 11, exit ? json_string(exit)
						  : json_null());
	s->open_step = NULL;
}

static void open_step(struct ivr_session *s)
{
	const struct ivr_flow *f = ivr_cur_flow(s);
	const struct ivr_node *n = ivr_cur_node(s);
	json_t *step;

	if (json_array_size(s->steps) >= IVR_MAX_STEPS)
		return;
	step = json_pack("[ssIssisssIoos]", s->info.call_id,
			 s->info.tenant_id, (json_int_t)json_array_size(
				 s->steps) + 1, f->flow_id, f->name,
			 f->version, n->id, n->name,
			 ivr_node_type_name(n->type), (json_int_t)now_ms(),
			 json_null(), json_null(), "");
	if (!step)
		return;
	json_array_append_new(s->steps, step);
	s->open_step = step;
}

void ivr_note_digits(struct ivr_session *s, const char *digits)
{
	const char *old;
	char buf[128];

	if (!s->open_step)
		return;
	old = json_string_value(json_array_get(s->open_step, 12));
	snprintf(buf, sizeof(buf), "%s%s", old ? old : "", digits);
	json_array_set_new(s->open_step, 12, json_string(buf));
}

void ivr_event(struct ivr_session *s, const char *kind, const char *value)
{
	const struct ivr_node *n = ivr_cur_node(s);

	if (json_array_size(s->events) >= IVR_MAX_STEPS)
		return;
	json_array_append_new(s->events, json_pack(
		"[sissssssI]", s->info.call_id, ++s->event_seq,
		s->info.tenant_id, ivr_cur_flow(s)->flow_id, n->id, n->name,
		kind, value, (json_int_t)now_ms()));
}

json_t *ivr_records(struct ivr_session *s, int64_t now)
{
	if (s->open_step)
		json_array_set_new(s->open_step, 10, json_integer(now));
	return json_pack("{s:O,s:O}", "steps", s->steps, "events", s->events);
}

json_t *ivr_screen_pop(const struct ivr_session *s)
{
	json_t *vars = json_object(), *path = json_array(), *step;
	size_t i;

	for (i = 0; i < s->vars.n; i++) {
		json_t *v = json_string(s->vars.values[i] ? s->vars.values[i]
							  : "");

		/* a value that is not UTF-8 (an HTTP answer's) shows as "" */
		json_object_set_new(vars, s->vars.names[i],
				    v ? v : json_string(""));
	}
	json_array_foreach(s->steps, i, step)
		json_array_append(path, json_array_get(step, 7));
	return json_pack("{s:o,s:o}", "variables", vars, "ivr_path", path);
}

void ivr_set_var(struct ivr_session *s, const char *name, const char *value)
{
	int err = vars_set(&s->vars, name, value);

	if (err)
		log_warn("ivr", "call %s: variable %s not set: %s",
			 s->info.call_id, name, strerror(err));
}

void ivr_var(const struct ivr_session *s, const char *name, char *out,
	     size_t size)
{
	if (!s) {
		if (size)
			*out = '\0';
		return;
	}
	vars_get(&s->vars, name, out, size);
}

/* ---- moving ---- */

static void enter(struct ivr_session *s);

static void reset_node_state(struct ivr_session *s)
{
	tmr_cancel(&s->tmr);
	input_reset(s);
	logic_stop(s);
}

void ivr_end_call(struct ivr_session *s, const char *status)
{
	reset_node_state(s);
	close_step(s, NULL);
	s->phase = PH_DONE;
	s->ops->hangup(s->arg, status);
}

/* The running flow ended (an exit to null): back to the flow that called
   it, or the call is over. */
static void flow_ended(struct ivr_session *s)
{
	if (s->depth > 1) {
		int caller = s->frames[s->depth - 1].caller_node;

		ivr_flow_unref(s->frames[--s->depth].flow);
		s->frames[s->depth].flow = NULL;
		s->node = caller;
		ivr_take_exit(s, "next");
		return;
	}
	ivr_end_call(s, "normal_end");
}

void ivr_goto(struct ivr_session *s, int node, const char *exit)
{
	reset_node_state(s);
	close_step(s, exit);
	if (s->phase == PH_DONE)
		return;
	if (node == IVR_END) {
		flow_ended(s);
		return;
	}
	if (++s->hops > IVR_MAX_HOPS) {
		log_warn("ivr", "call %s: flow %s loops without waiting: "
			 "ended", s->info.call_id, ivr_cur_flow(s)->flow_id);
		ivr_end_call(s, "ivr_loop");
		return;
	}
	s->node = node;
	s->phase = PH_RUNNING;
	open_step(s);
	enter(s);
}

void ivr_take_exit(struct ivr_session *s, const char *exit)
{
	int to = ivr_node_exit(ivr_cur_node(s), exit);

	if (to == -2) {           /* cannot happen in a compiled flow */
		log_warn("ivr", "call %s: node %s has no exit %s",
			 s->info.call_id, ivr_cur_node(s)->id, exit);
		to = IVR_END;
	}
	ivr_goto(s, to, exit);
}

void ivr_take_branch(struct ivr_session *s, size_t i)
{
	char exit[24];

	snprintf(exit, sizeof(exit), "%zu", i + 1);
	ivr_take_exit(s, exit);
}

/* ---- prompts ---- */

static enum say_lang lang_of(const struct ivr_session *s)
{
	const struct dir_tenant *t = directory_tenant(s->env.dir,
						      s->info.tenant_id);

	return t && !strncmp(t->tts_voice, "en", 2) ? SAY_EN : SAY_ZH;
}

/* A prompt part of the graph into what the host plays. */
static bool part_of(const struct ivr_session *s, const json_t *p,
		    struct ivr_part *out)
{
	const char *type = json_string_value(json_object_get(p, "type"));
	char value[VAR_VALUE_MAX + 1];

	if (!strcmp(type, "voice")) {
		out->kind = IVR_PART_VOICE;
		snprintf(out->text, sizeof(out->text), "%s", json_string_value(
				 json_object_get(p, "id")));
		return true;
	}
	if (!strcmp(type, "tone")) {
		out->kind = IVR_PART_TONE;
		snprintf(out->text, sizeof(out->text), "%s", json_string_value(
				 json_object_get(p, "name")));
		return true;
	}
	out->kind = IVR_PART_TEXT;
	vars_expand(&s->vars, json_string_value(json_object_get(p, "text")),
		    value, sizeof(value));
	if (!strcmp(type, "digits"))
		return !say_digits(out->text, sizeof(out->text), lang_of(s),
				   value, true) && out->text[0];
	if (!strcmp(type, "number")) {
		char *end;
		long long n = strtoll(value, &end, 10);

		return *value && !*end && !say_number(out->text,
						      sizeof(out->text),
						      lang_of(s), n);
	}
	str_ncpy(out->text, value, sizeof(out->text));
	return out->text[0] != '\0';
}

static size_t parts_of(const struct ivr_session *s, const json_t *prompt,
		       struct ivr_part *parts, size_t n, size_t max)
{
	const json_t *p;
	size_t i;

	json_array_foreach(prompt, i, p) {
		if (n < max && part_of(s, p, &parts[n]))
			n++;
	}
	return n;
}

static void after_play(struct ivr_session *s)
{
	switch (s->after) {
	case AFTER_NEXT:
		ivr_take_exit(s, "next");
		break;
	case AFTER_INPUT:
		input_prompted(s);
		break;
	case AFTER_HANGUP:
		ivr_end_call(s, "normal_end");
		break;
	case AFTER_QUEUE:
		logic_enqueue(s);
		break;
	}
}

void ivr_play(struct ivr_session *s, const json_t *first,
	      const json_t *second, unsigned loops, enum ivr_after after)
{
	struct ivr_part parts[16];
	size_t n = parts_of(s, first, parts, 0, 16);

	n = parts_of(s, second, parts, n, 16);
	s->after = after;
	s->phase = after == AFTER_INPUT ? PH_PROMPTING : PH_PLAYING;
	if (!n || s->ops->play(s->arg, parts, n, loops)) {
		after_play(s);
		return;
	}
	s->hops = 0;
}

void ivr_ring(struct ivr_session *s, const json_t *prompt)
{
	struct ivr_part parts[8];
	size_t n = parts_of(s, prompt, parts, 0, 8);

	s->phase = PH_DIALLING;
	s->hops = 0;
	if (!n) {
		parts[0] = (struct ivr_part){IVR_PART_TONE, "ringback"};
		n = 1;
	}
	if (s->ops->play(s->arg, parts, n, 0))
		log_info("ivr", "call %s: no ringback", s->info.call_id);
}

/* ---- nodes ---- */

static void enter(struct ivr_session *s)
{
	const struct ivr_node *n = ivr_cur_node(s);

	switch (n->type) {
	case IVR_START:
		ivr_take_exit(s, "next");
		break;
	case IVR_PLAY:
		ivr_play(s, ivr_param(s, "prompt"), NULL,
			 (unsigned)ivr_param_int(s, "loops"), AFTER_NEXT);
		break;
	case IVR_HANGUP:
		ivr_play(s, ivr_param(s, "prompt"), NULL, 1, AFTER_HANGUP);
		break;
	case IVR_MENU:
	case IVR_COLLECT:
	case IVR_DYNAMIC_MENU:
	case IVR_SURVEY:
	case IVR_SPEECH_MENU:
		input_enter(s);
		break;
	case IVR_TRANSFER_EXTENSION:
		if (*ivr_param_str(s, "number"))
			logic_enter(s);
		else
			input_enter(s);
		break;
	default:
		logic_enter(s);
		break;
	}
}

/* ---- the host's events ---- */

bool ivr_key(struct ivr_session *s, char key)
{
	size_t n;

	if (!s || s->phase == PH_DONE)
		return false;
	switch (s->phase) {
	case PH_PROMPTING:
	case PH_INPUT:
		input_key(s, key);
		break;
	case PH_PLAYING:
		if (ivr_cur_node(s)->type != IVR_PLAY ||
		    !json_is_true(ivr_param(s, "interruptible")))
			break;
		s->ops->stop(s->arg);
		/* the key goes to the next node */
		/* fall through */
	case PH_RUNNING:
	case PH_HTTP:
		n = strlen(s->typeahead);
		if (n + 1 < sizeof(s->typeahead)) {
			s->typeahead[n] = key;
			s->typeahead[n + 1] = '\0';
		}
		if (s->phase == PH_PLAYING)
			ivr_take_exit(s, "next");
		break;
	default:
		break;
	}
	return true;
}

void ivr_played(struct ivr_session *s)
{
	if (s && (s->phase == PH_PLAYING || s->phase == PH_PROMPTING))
		after_play(s);
}

void ivr_dialled(struct ivr_session *s, bool answered, uint16_t code)
{
	char codes[8];

	if (!s || s->phase != PH_DIALLING)
		return;
	s->ops->stop(s->arg);
	snprintf(codes, sizeof(codes), "%u", code);
	ivr_set_var(s, "TransferResult", answered ? "answered" : codes);
	if (answered) {
		close_step(s, "answered");
		s->phase = PH_DONE;
		return;
	}
	log_info("ivr", "call %s: transfer from %s failed (%u)",
		 s->info.call_id, ivr_cur_node(s)->id, code);
	ivr_take_exit(s, "failed");
}

void ivr_stop(struct ivr_session *s)
{
	if (!s)
		return;
	tmr_cancel(&s->go_tmr);
	reset_node_state(s);
	close_step(s, NULL);
	s->phase = PH_DONE;
}

void ivr_queued(struct ivr_session *s, const char *outcome)
{
	if (!s || s->phase != PH_QUEUED)
		return;
	if (!strcmp(outcome, "answered")) {
		close_step(s, "answered");
		s->phase = PH_DONE;
		return;
	}
	ivr_take_exit(s, outcome);
}

bool ivr_active(const struct ivr_session *s)
{
	return s && s->phase != PH_DONE;
}

/* ---- life ---- */

static void begin(void *arg);

/* The session runs the flow from its start node, from the loop (after
   the caller has set its pointer: a flow may end the call at once). */
static void enter_flow(struct ivr_session *s, struct ivr_flow *flow,
		       const char *how)
{
	s->frames[0].flow = ivr_flow_ref(flow);
	s->frames[0].caller_node = IVR_END;
	s->depth = 1;
	s->node = flow->start;
	s->phase = PH_RUNNING;
	log_info("ivr", "call %s %s flow %s (%s, version %d)",
		 s->info.call_id, how, flow->flow_id, flow->name,
		 flow->version);
	tmr_start(&s->go_tmr, 0, begin, s);
}

int ivr_continue(struct ivr_session *s, struct ivr_flow *flow)
{
	if (!s || !flow)
		return EINVAL;
	if (s->phase != PH_DONE)
		return EBUSY;
	for (unsigned i = 0; i < s->depth; i++)
		ivr_flow_unref(s->frames[i].flow);
	memset(s->frames, 0, sizeof(s->frames));
	enter_flow(s, flow, "goes on in");
	return 0;
}

void ivr_free(struct ivr_session *s)
{
	if (!s)
		return;
	tmr_cancel(&s->tmr);
	tmr_cancel(&s->go_tmr);
	input_reset(s);
	logic_stop(s);
	for (unsigned i = 0; i < s->depth; i++)
		ivr_flow_unref(s->frames[i].flow);
	vars_clear(&s->vars);
	json_decref(s->steps);
	json_decref(s->events);
	free(s);
}

static void begin(void *arg)
{
	struct ivr_session *s = arg;

	ivr_goto(s, ivr_cur_flow(s)->start, NULL);
}

int ivr_start(struct ivr_session **sp, struct ivr_flow *flow,
	      const struct ivr_env *env, const struct ivr_host_ops *ops,
	      void *arg, const struct ivr_call_info *info)
{
	struct ivr_session *s;

	if (!sp || !flow || !env || !ops || !info)
		return EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->steps = json_array();
	s->events = json_array();
	if (!s->steps || !s->events) {
		ivr_free(s);
		return ENOMEM;
	}
	s->ops = ops;
	s->arg = arg;
	s->env = *env;
	s->info = *info;
	tmr_init(&s->tmr);
	tmr_init(&s->go_tmr);
	vars_init(&s->vars, system_var, s);
	*sp = s;
	enter_flow(s, flow, "enters");
	return 0;
}
