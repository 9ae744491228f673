/*
 * input.c — the IVR nodes that wait for keys: menu (with multi-digit
 * direct entry), collect digits, dynamic menu (entries from an HTTP
 * answer), satisfaction survey, speech menu (its DTMF fallback) and a
 * transfer to an extension whose number the caller keys. They share one
 * rhythm (tencent-ccc.md §2.5.2): the prompt plays, keys cut it short; no
 * key within the timeout plays the timeout prompt and the prompt again; a
 * wrong key plays the error prompt and the prompt again; both count, and
 * at max_errors the node's `failed` exit is taken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "../core/log.h"

enum { DIRECT_PAUSE_MS = 3000, KEY_OR_DIRECT_MS = 2000 };

void input_reset(struct ivr_session *s)
{
	s->errors = 0;
	s->ndigits = 0;
	s->digits[0] = '\0';
	s->direct = false;
	json_decref(s->entries);
	s->entries = NULL;
}

static void push_menu(struct ivr_session *s)
{
	unsigned n = s->nmenus;

	if (n && s->menus[n - 1].depth == s->depth &&
	    s->menus[n - 1].node == s->node)
		return;                         /* the same menu again */
	if (n == IVR_MAX_MENUS) {
		memmove(&s->menus[0], &s->menus[1],
			(IVR_MAX_MENUS - 1) * sizeof(s->menus[0]));
		n--;
	}
	s->menus[n].depth = s->depth;
	s->menus[n].node = s->node;
	s->nmenus = n + 1;
}

static void on_timeout(void *arg);

static void wait_keys(struct ivr_session *s, unsigned ms)
{
	s->phase = PH_INPUT;
	s->hops = 0;
	tmr_start(&s->tmr, ms, on_timeout, s);
}

static unsigned timeout_ms(const struct ivr_session *s)
{
	return (unsigned)ivr_param_int(s, "timeout_s") * 1000;
}

void input_prompted(struct ivr_session *s)
{
	wait_keys(s, timeout_ms(s));
}

/* A wrong entry, or none: once more, or the failed exit. */
static void retry(struct ivr_session *s, bool timed_out)
{
	const json_t *why;

	s->ndigits = 0;
	s->digits[0] = '\0';
	s->direct = false;
	if (++s->errors >= (unsigned)ivr_param_int(s, "max_errors")) {
		ivr_take_exit(s, "failed");
		return;
	}
	why = ivr_param(s, timed_out && ivr_param(s, "timeout_prompt")
			? "timeout_prompt" : "error_prompt");
	ivr_play(s, why, ivr_param(s, "prompt"), 1, AFTER_INPUT);
}

static bool add_digit(struct ivr_session *s, char key)
{
	char k[2] = {key, '\0'};

	if (s->ndigits + 1 >= sizeof(s->digits))
		return false;
	s->digits[s->ndigits++] = key;
	s->digits[s->ndigits] = '\0';
	ivr_note_digits(s, k);
	return true;
}

/* A key pressed in a menu-like node: counted for the IVR key report. */
static void count_key(struct ivr_session *s, char key)
{
	char k[2] = {key, '\0'};

	ivr_event(s, "key", k);
}

/* ... and kept with the node's step. */
static void menu_key_pressed(struct ivr_session *s, char key)
{
	char k[2] = {key, '\0'};

	count_key(s, key);
	ivr_note_digits(s, k);
}

/* ---- menu ---- */

static bool menu_has_key(const struct ivr_session *s, char key)
{
	const json_t *k;
	size_t i;

	json_array_foreach(ivr_param(s, "keys"), i, k) {
		if (json_string_value(k)[0] == key)
			return true;
	}
	return false;
}

static void menu_choose(struct ivr_session *s, char key)
{
	char k[2] = {key, '\0'};

	ivr_set_var(s, "MenuKey", k);
	ivr_take_exit(s, k);
}

static void menu_direct_done(struct ivr_session *s)
{
	ivr_set_var(s, "MenuDigits", s->digits);
	ivr_event(s, "direct", s->digits);
	ivr_take_exit(s, "direct");
}

static void menu_key(struct ivr_session *s, char key)
{
	bool direct_entry = json_is_true(ivr_param(s, "direct_entry"));

	if (!direct_entry) {
		menu_key_pressed(s, key);
		if (menu_has_key(s, key))
			menu_choose(s, key);
		else
			retry(s, false);
		return;
	}
	if (key == '#' && s->ndigits >= 2) {
		menu_direct_done(s);
		return;
	}
	if (s->ndigits == 0)
		count_key(s, key);
	if (!add_digit(s, key) || (key == '#' || key == '*')) {
		if (s->ndigits == 1 && menu_has_key(s, key))
			menu_choose(s, key);
		else
			retry(s, false);
		return;
	}
	if (s->ndigits == 1 && menu_has_key(s, key)) {
		wait_keys(s, KEY_OR_DIRECT_MS);   /* a key, or more to come */
		return;
	}
	s->direct = true;
	if (s->ndigits >= (size_t)ivr_param_int(s, "direct_max_digits"))
		menu_direct_done(s);
	else
		wait_keys(s, DIRECT_PAUSE_MS);
}

static void menu_pause(struct ivr_session *s)
{
	if (s->ndigits == 1 && menu_has_key(s, s->digits[0]))
		menu_choose(s, s->digits[0]);
	else if (s->direct && s->ndigits >= 2)
		menu_direct_done(s);
	else
		retry(s, s->ndigits == 0);
}

/* ---- collect ---- */

static void collect_done(struct ivr_session *s)
{
	bool fixed = !strcmp(ivr_param_str(s, "mode"), "fixed");
	size_t len = (size_t)ivr_param_int(s, "length");
	size_t min = (size_t)ivr_param_int(s, "min_length");

	if ((fixed && s->ndigits != len) || s->ndigits < min) {
		retry(s, false);
		return;
	}
	ivr_set_var(s, ivr_param_str(s, "variable"), s->digits);
	ivr_take_exit(s, "next");
}

static void collect_key(struct ivr_session *s, char key)
{
	if (key == '#') {
		if (s->ndigits || !strcmp(ivr_param_str(s, "mode"), "fixed"))
			collect_done(s);
		else
			retry(s, false);
		return;
	}
	if (!add_digit(s, key)) {
		retry(s, false);
		return;
	}
	if (s->ndigits >= (size_t)ivr_param_int(s, "length"))
		collect_done(s);
	else
		wait_keys(s, timeout_ms(s));
}

/* ---- dynamic menu ---- */

static void dynamic_key(struct ivr_session *s, char key)
{
	const json_t *e;
	size_t i;

	menu_key_pressed(s, key);
	json_array_foreach(s->entries, i, e) {
		const char *digits = json_string_value(json_object_get(e,
								       "digits"));
		const char *next = json_string_value(json_object_get(e, "next"));
		const char *label = json_string_value(json_object_get(e,
								      "label"));
		int to;

		if (!digits || digits[0] != key || digits[1])
			continue;
		to = next ? ivr_flow_find(ivr_cur_flow(s), next) : -1;
		if (to < 0) {
			log_warn("ivr", "call %s: dynamic entry %c goes to "
				 "unknown node %s", s->info.call_id, key,
				 next ? next : "?");
			break;
		}
		ivr_set_var(s, "MenuKey", digits);
		ivr_event(s, "dynamic", label ? label : digits);
		ivr_goto(s, to, (char[]){key, '\0'});  /* entries go now */
		return;
	}
	retry(s, false);
}

/* The entries: a JSON array (as text) in a variable, tencent-ccc.md
   §2.5.3. NULL when there is none or it is not one. */
static json_t *dynamic_entries(struct ivr_session *s)
{
	char text[VAR_VALUE_MAX + 1];
	json_t *a;

	vars_get(&s->vars, ivr_param_str(s, "entries_variable"), text,
		 sizeof(text));
	a = json_loads(text, 0, NULL);
	if (!json_is_array(a) || !json_array_size(a)) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* ---- survey, speech menu ---- */

static void survey_key(struct ivr_session *s, char key)
{
	const json_t *o;
	size_t i;

	menu_key_pressed(s, key);
	json_array_foreach(ivr_param(s, "options"), i, o) {
		const char *k = json_string_value(json_object_get(o, "key"));
		const char *rating = json_string_value(json_object_get(
							       o, "rating"));

		if (k[0] != key)
			continue;
		ivr_set_var(s, ivr_param_str(s, "key_variable"), k);
		ivr_set_var(s, ivr_param_str(s, "rating_variable"), rating);
		ivr_event(s, "survey", rating);
		ivr_play(s, ivr_param(s, "thanks_prompt"), NULL, 1,
			 AFTER_NEXT);
		return;
	}
	retry(s, false);
}

static void recognise(struct ivr_session *s, bool on)
{
	if (s->ops->listen && s->ops->listen(s->arg, on) && on)
		log_info("ivr", "call %s: no speech recogniser: keys only",
			 s->info.call_id);
}

void ivr_speech(struct ivr_session *s, const char *utterance)
{
	const json_t *b, *w;
	size_t i, j;

	if (!s || (s->phase != PH_PROMPTING && s->phase != PH_INPUT) ||
	    ivr_cur_node(s)->type != IVR_SPEECH_MENU)
		return;
	if (s->phase == PH_PROMPTING)
		s->ops->stop(s->arg);
	tmr_cancel(&s->tmr);
	ivr_event(s, "speech", utterance);
	json_array_foreach(ivr_param(s, "branches"), i, b) {
		json_array_foreach(json_object_get(b, "keywords"), j, w) {
			if (!*json_string_value(w) ||
			    !strstr(utterance, json_string_value(w)))
				continue;
			recognise(s, false);
			ivr_take_branch(s, i);
			return;
		}
	}
	retry(s, false);
}

static void speech_key(struct ivr_session *s, char key)
{
	const json_t *b;
	size_t i;

	menu_key_pressed(s, key);
	json_array_foreach(ivr_param(s, "branches"), i, b) {
		if (json_string_value(json_object_get(b, "key"))[0] != key)
			continue;
		recognise(s, false);
		ivr_take_branch(s, i);
		return;
	}
	retry(s, false);
}

/* ---- an extension keyed by the caller ---- */

static void extension_done(struct ivr_session *s)
{
	if (s->ops->dial_extension(s->arg, s->digits, (unsigned)ivr_param_int(
					   s, "ring_timeout_s"))) {
		log_info("ivr", "call %s: no extension %s", s->info.call_id,
			 s->digits);
		retry(s, false);
		return;
	}
	ivr_ring(s, NULL);
}

static void extension_key(struct ivr_session *s, char key)
{
	if (key == '#' || key == '*' || !add_digit(s, key)) {
		if (key == '#' && s->ndigits)
			extension_done(s);
		else
			retry(s, false);
		return;
	}
	if (s->ndigits >= (size_t)ivr_param_int(s, "length"))
		extension_done(s);
	else
		wait_keys(s, timeout_ms(s));
}

/* ---- the rhythm ---- */

static void on_timeout(void *arg)
{
	struct ivr_session *s = arg;
	enum ivr_node_type t = ivr_cur_node(s)->type;

	if (t == IVR_MENU)
		menu_pause(s);
	else if (t == IVR_COLLECT && s->ndigits &&
		 !strcmp(ivr_param_str(s, "mode"), "max"))
		collect_done(s);
	else
		retry(s, s->ndigits == 0);
}

void input_key(struct ivr_session *s, char key)
{
	if (s->phase == PH_PROMPTING)
		s->ops->stop(s->arg);
	s->phase = PH_INPUT;
	tmr_cancel(&s->tmr);
	switch (ivr_cur_node(s)->type) {
	case IVR_MENU:
		menu_key(s, key);
		break;
	case IVR_COLLECT:
		collect_key(s, key);
		break;
	case IVR_DYNAMIC_MENU:
		dynamic_key(s, key);
		break;
	case IVR_SURVEY:
		survey_key(s, key);
		break;
	case IVR_SPEECH_MENU:
		speech_key(s, key);
		break;
	case IVR_TRANSFER_EXTENSION:
		extension_key(s, key);
		break;
	default:
		break;
	}
}

void input_enter(struct ivr_session *s)
{
	enum ivr_node_type t = ivr_cur_node(s)->type;
	char ahead[sizeof(s->typeahead)];

	if (t == IVR_MENU || t == IVR_DYNAMIC_MENU || t == IVR_SPEECH_MENU)
		push_menu(s);
	if (t == IVR_SPEECH_MENU)
		recognise(s, true);
	if (t == IVR_DYNAMIC_MENU && !(s->entries = dynamic_entries(s))) {
		log_info("ivr", "call %s: dynamic menu %s has no entries",
			 s->info.call_id, ivr_cur_node(s)->id);
		ivr_take_exit(s, "failed");
		return;
	}
	if (!s->typeahead[0]) {
		ivr_play(s, ivr_param(s, "prompt"), NULL, 1, AFTER_INPUT);
		return;
	}
	/* keys pressed before this node (cutting a play short) are its
	   first keys: the prompt is skipped */
	snprintf(ahead, sizeof(ahead), "%s", s->typeahead);
	s->typeahead[0] = '\0';
	wait_keys(s, timeout_ms(s));
	for (const char *k = ahead; *k; k++) {
		const struct ivr_node *before = ivr_cur_node(s);

		input_key(s, *k);
		if (ivr_cur_node(s) != before || s->phase != PH_INPUT)
			break;              /* moved on: the rest is lost */
	}
}
