/*
 * test_ivr.c — the IVR module without a phone: compiling flows (defaults
 * filled in, every problem reported), variables and templates, condition
 * comparisons, and sessions driven through a fake host on a real libre
 * loop (what is played, which exits are taken, what the record says).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "core/libre.h"
#include "ivr/flow.h"
#include "ivr/ivr.h"
#include "ivr/vars.h"
#include "loop_env.h"

static json_t *graph(const char *text)
{
	json_error_t e;
	json_t *g = json_loads(text, 0, &e);

	if (!g)
		fail_msg("bad test graph: %s", e.text);
	return g;
}

static const char *menu_flow =
	"{\"nodes\": ["
	"{\"id\": \"s\", \"type\": \"start\", \"exits\": {\"next\": \"m\"}},"
	"{\"id\": \"m\", \"type\": \"menu\", \"name\": \"Main\", \"params\": {"
	"  \"prompt\": [{\"type\": \"tts\", \"text\": \"hi ${SystemCallerNumber}\"}],"
	"  \"error_prompt\": [{\"type\": \"tone\", \"name\": \"beep\"}],"
	"  \"keys\": [\"1\", \"2\"], \"max_errors\": 2},"
	" \"exits\": {\"1\": \"sub\", \"2\": null, \"failed\": \"bye\"}},"
	"{\"id\": \"sub\", \"type\": \"menu\", \"params\": {\"keys\": [\"0\", \"9\"]},"
	" \"exits\": {\"0\": \"back\", \"9\": \"set\", \"failed\": null}},"
	"{\"id\": \"back\", \"type\": \"back\", \"exits\": {}},"
	"{\"id\": \"set\", \"type\": \"set\", \"params\": {\"assignments\": ["
	"  {\"name\": \"x\", \"value\": \"<${SystemCalleeNumber}>\"}]},"
	" \"exits\": {\"next\": \"bye\"}},"
	"{\"id\": \"bye\", \"type\": \"hangup\", \"params\": {\"prompt\": ["
	"  {\"type\": \"tts\", \"text\": \"bye ${x}\"}]}, \"exits\": {}}"
	"]}";

/* ---- compiling ---- */

static void test_compile_fills_defaults_and_resolves_exits(void **state)
{
	json_t *g = graph(menu_flow), *errors = json_array();
	struct ivr_flow *f = NULL;
	const struct ivr_node *m;

	(void)state;
	assert_int_equal(ivr_flow_compile(g, NULL, errors, &f), 0);
	assert_int_equal(json_array_size(errors), 0);
	assert_int_equal(f->nnodes, 6);
	assert_int_equal(f->start, 0);
	m = &f->nodes[1];
	assert_int_equal(m->type, IVR_MENU);
	assert_string_equal(m->name, "Main");
	assert_int_equal(json_integer_value(json_object_get(m->params,
							    "timeout_s")), 10);
	assert_false(json_is_true(json_object_get(m->params, "direct_entry")));
	assert_int_equal(ivr_node_exit(m, "1"), 2);
	assert_int_equal(ivr_node_exit(m, "2"), IVR_END);
	assert_int_equal(ivr_node_exit(m, "failed"), 5);
	assert_int_equal(ivr_node_exit(m, "3"), -2);
	ivr_flow_unref(f);
	json_decref(errors);
	json_decref(g);
}

static bool has_error(const json_t *errors, const char *node,
		      const char *text)
{
	const json_t *e;
	size_t i;

	json_array_foreach(errors, i, e) {
		if (!strcmp(json_string_value(json_object_get(e, "node_id")),
			    node) &&
		    strstr(json_string_value(json_object_get(e, "message")),
			   text))
			return true;
	}
	return false;
}

static void test_compile_reports_every_problem(void **state)
{
	json_t *g = graph(
		"{\"nodes\": ["
		"{\"id\": \"s\", \"type\": \"start\", \"exits\": {\"next\": \"m\"}},"
		"{\"id\": \"m\", \"type\": \"menu\", \"params\": {\"keys\": [\"1\", "
		"\"1\"], \"timeout_s\": 0}, \"exits\": {\"1\": \"ghost\", "
		"\"7\": null}},"
		"{\"id\": \"c\", \"type\": \"collect\", \"params\": {\"mode\": "
		"\"fixed\", \"variable\": \"9x\"}, \"exits\": {\"next\": null, "
		"\"failed\": null}},"
		"{\"id\": \"h\", \"type\": \"http\", \"params\": {\"url\": "
		"\"ftp://x\"}, \"exits\": {\"success\": null, \"failed\": null}},"
		"{\"id\": \"s\", \"type\": \"start\", \"exits\": {\"next\": null}}"
		"]}");
	json_t *errors = json_array();
	struct ivr_flow *f = NULL;

	(void)state;
	assert_int_equal(ivr_flow_compile(g, NULL, errors, &f), EINVAL);
	assert_null(f);
	assert_true(has_error(errors, "m", "each key once"));
	assert_true(has_error(errors, "m", "'timeout_s'"));
	assert_true(has_error(errors, "m", "exit 'failed' is not connected"));
	assert_true(has_error(errors, "m", "does not exist"));
	assert_true(has_error(errors, "m", "no exit '7'"));
	assert_true(has_error(errors, "c", "'length' is required"));
	assert_true(has_error(errors, "c", "not a variable name"));
	assert_true(has_error(errors, "c", "cannot be reached"));
	assert_true(has_error(errors, "h", "http:// or https://"));
	assert_true(has_error(errors, "s", "two nodes have the id"));
	assert_true(has_error(errors, "s", "one start node"));
	json_decref(errors);
	json_decref(g);

	/* not a graph at all */
	errors = json_array();
	g = graph("{\"nodes\": []}");
	assert_int_equal(ivr_flow_compile(g, NULL, errors, &f), EINVAL);
	assert_int_equal(json_array_size(errors), 1);
	json_decref(errors);
	json_decref(g);
}

static bool no_refs(void *arg, const char *kind, const char *id)
{
	(void)arg;
	(void)kind;
	return strcmp(id, "missing") != 0;
}

static void test_compile_checks_references(void **state)
{
	json_t *g = graph(
		"{\"nodes\": ["
		"{\"id\": \"s\", \"type\": \"start\", \"exits\": {\"next\": \"t\"}},"
		"{\"id\": \"t\", \"type\": \"time\", \"params\": {\"time_group_ids\":"
		" [\"ok\", \"missing\"]}, \"exits\": {\"1\": null, \"2\": null, "
		"\"default\": \"sub\"}},"
		"{\"id\": \"sub\", \"type\": \"subflow\", \"params\": {\"flow_id\": "
		"\"missing\"}, \"exits\": {\"next\": null}}"
		"]}");
	json_t *errors = json_array();
	struct ivr_refs refs = {no_refs, NULL};
	struct ivr_flow *f = NULL;

	(void)state;
	assert_int_equal(ivr_flow_compile(g, &refs, errors, &f), EINVAL);
	assert_true(has_error(errors, "t", "no time group 'missing'"));
	assert_true(has_error(errors, "sub", "no published flow"));
	json_decref(errors);
	/* the directory reloads without references checked */
	assert_int_equal(ivr_flow_compile(g, NULL, NULL, &f), 0);
	ivr_flow_unref(f);
	json_decref(g);
}

/* ---- variables ---- */

static bool sys(const char *name, char *out, size_t size, void *arg)
{
	(void)arg;
	if (strcmp(name, "SystemCallerNumber"))
		return false;
	snprintf(out, size, "%s", "13900001111");
	return true;
}

static void test_variables_and_templates(void **state)
{
	struct vars v;
	char out[64];

	(void)state;
	vars_init(&v, sys, NULL);
	assert_int_equal(vars_set(&v, "name", "Li"), 0);
	assert_int_equal(vars_set(&v, "name", "Wang"), 0);     /* replaced */
	assert_int_equal(vars_set(&v, "SystemCallerNumber", "x"), EPERM);
	vars_expand(&v, "${name} (${SystemCallerNumber}) ${none}!${", out,
		    sizeof(out));
	assert_string_equal(out, "Wang (13900001111) !${");
	vars_expand(&v, "${name}${name}${name}", out, 8);       /* cut */
	assert_string_equal(out, "WangWan");
	for (int i = 1; i < VARS_MAX; i++) {
		char n[16];

		snprintf(n, sizeof(n), "v%d", i);
		assert_int_equal(vars_set(&v, n, "1"), 0);
	}
	assert_int_equal(vars_set(&v, "onemore", "1"), ENOSPC);
	vars_clear(&v);
}

static void test_comparisons(void **state)
{
	(void)state;
	assert_true(vars_compare("0.8", "ge", "0.8"));
	assert_true(vars_compare("10", "gt", "9"));         /* as numbers */
	assert_false(vars_compare("10", "lt", "9"));
	assert_true(vars_compare("abc", "lt", "abd"));      /* as text */
	assert_true(vars_compare("VIP-gold", "contains", "gold"));
	assert_true(vars_compare("", "eq", ""));
	assert_true(vars_compare("1", "ne", "01x"));
	assert_false(vars_compare("1", "like", "1"));
}

/* ---- sessions through a fake host ---- */

struct fake {
	char played[8][1100];
	unsigned nplayed;
	bool hung_up;
	char status[32];
	int listening;          /* -1 never asked, 0 off, 1 on */
};

static int fake_play(void *arg, const struct ivr_part *parts, size_t n,
		     unsigned loops)
{
	struct fake *f = arg;

	(void)loops;
	if (f->nplayed < 8)
		snprintf(f->played[f->nplayed++], sizeof(f->played[0]), "%s%s",
			 parts[0].kind == IVR_PART_TONE ? "tone:" : "",
			 n ? parts[0].text : "");
	return 0;
}

static void fake_stop(void *arg)
{
	(void)arg;
}

static int fake_dial(void *arg, const char *number, unsigned ring_s)
{
	(void)arg;
	(void)number;
	(void)ring_s;
	return ENOENT;
}

static int fake_dial_out(void *arg, const char *number, const char *cid,
			 unsigned ring_s)
{
	(void)cid;
	return fake_dial(arg, number, ring_s);
}

static int fake_voicemail(void *arg, const char *box)
{
	(void)arg;
	(void)box;
	return ENOENT;
}

static void fake_hangup(void *arg, const char *status)
{
	struct fake *f = arg;

	f->hung_up = true;
	snprintf(f->status, sizeof(f->status), "%s", status);
}

static int fake_listen(void *arg, bool on)
{
	struct fake *f = arg;

	f->listening = on;
	return 0;
}

static const struct ivr_host_ops fake_ops = {
	fake_play, fake_stop, fake_dial, fake_dial_out, fake_voicemail,
	fake_hangup, NULL, fake_listen,
};

static struct ivr_session *run_flow(struct fake *fk, struct ivr_flow **fp,
				    const char *text)
{
	json_t *g = graph(text);
	struct ivr_call_info info = {.call_id = "c1", .tenant_id = "t1",
				     .caller = "13900001111",
				     .callee = "4001"};
	struct ivr_env env = {NULL, NULL};
	struct ivr_session *s = NULL;

	assert_int_equal(ivr_flow_compile(g, NULL, NULL, fp), 0);
	json_decref(g);
	assert_int_equal(ivr_start(&s, *fp, &env, &fake_ops, fk, &info), 0);
	run_loop(10);
	return s;
}

static struct ivr_session *run_menu(struct fake *fk, struct ivr_flow **fp)
{
	return run_flow(fk, fp, menu_flow);
}

/* The steps as "node:exit:digits" joined by spaces. */
static void steps_text(struct ivr_session *s, char *out, size_t size)
{
	json_t *rec = ivr_records(s, 0), *step;
	size_t i, o = 0;

	out[0] = '\0';
	json_array_foreach(json_object_get(rec, "steps"), i, step) {
		const char *exit = json_string_value(json_array_get(step, 11));

		o += (size_t)snprintf(out + o, size - o, "%s%s:%s:%s",
				      i ? " " : "", json_string_value(
					      json_array_get(step, 6)),
				      exit ? exit : "-", json_string_value(
					      json_array_get(step, 12)));
	}
	json_decref(rec);
}

static void test_session_walks_the_menus(void **state)
{
	struct fake fk = {0};
	struct ivr_flow *f;
	struct ivr_session *s = run_menu(&fk, &f);
	char text[512];

	(void)state;
	assert_int_equal(fk.nplayed, 1);
	assert_string_equal(fk.played[0], "hi 13900001111");
	ivr_played(s);                         /* the prompt ended: waits */
	assert_true(ivr_key(s, '5'));          /* wrong: error, prompt again */
	assert_string_equal(fk.played[1], "tone:beep");
	assert_true(ivr_key(s, '1'));          /* to the sub menu */
	assert_true(ivr_key(s, '0'));          /* back: the main menu again */
	assert_true(ivr_key(s, '1'));
	assert_true(ivr_key(s, '9'));          /* set, then hang up */
	assert_string_equal(fk.played[fk.nplayed - 1], "bye <4001>");
	assert_false(fk.hung_up);              /* the goodbye plays first */
	ivr_played(s);
	assert_true(fk.hung_up);
	assert_string_equal(fk.status, "normal_end");
	assert_false(ivr_active(s));
	assert_false(ivr_key(s, '1'));         /* no longer takes keys */
	steps_text(s, text, sizeof(text));
	assert_string_equal(text, "s:next: m:1:51 sub:0:0 back:-: m:1:1 "
			    "sub:9:9 set:next: bye:-:");
	ivr_free(s);
	ivr_flow_unref(f);
}

static void test_session_fails_after_max_errors(void **state)
{
	struct fake fk = {0};
	struct ivr_flow *f;
	struct ivr_session *s = run_menu(&fk, &f);
	json_t *rec, *events;
	char text[256];

	(void)state;
	ivr_key(s, '7');
	ivr_key(s, '8');                       /* second error: failed */
	steps_text(s, text, sizeof(text));
	assert_string_equal(text, "s:next: m:failed:78 bye:-:");
	rec = ivr_records(s, 0);
	events = json_object_get(rec, "events");
	assert_int_equal(json_array_size(events), 2);
	assert_string_equal(json_string_value(json_array_get(json_array_get(
				    events, 1), 6)), "key");
	assert_string_equal(json_string_value(json_array_get(json_array_get(
				    events, 1), 7)), "8");
	json_decref(rec);
	ivr_stop(s);                           /* the call ends here */
	assert_false(ivr_active(s));
	ivr_played(s);                         /* nothing more happens */
	assert_false(fk.hung_up);
	ivr_free(s);
	ivr_flow_unref(f);
}

static void test_speech_menu_takes_a_recogniser_or_keys(void **state)
{
	const char *flow =
		"{\"nodes\": ["
		"{\"id\": \"s\", \"type\": \"start\", \"exits\": {\"next\": \"q\"}},"
		"{\"id\": \"q\", \"type\": \"speech_menu\", \"params\": {"
		"  \"branches\": [{\"keywords\": [\"不是\"], \"key\": \"2\"},"
		"                {\"keywords\": [\"是\", \"是的\"], \"key\": \"1\"}]},"
		" \"exits\": {\"1\": null, \"2\": null, \"failed\": null}}"
		"]}";
	struct fake fk = {.listening = -1};
	struct ivr_flow *f;
	struct ivr_session *s = run_flow(&fk, &f, flow);
	char text[256];

	(void)state;
	assert_int_equal(fk.listening, 1);     /* the recogniser was asked */
	ivr_speech(s, "嗯");                   /* no keyword: once more */
	assert_true(ivr_active(s));
	ivr_speech(s, "我是的");               /* branch 2's keyword */
	assert_int_equal(fk.listening, 0);
	steps_text(s, text, sizeof(text));
	assert_string_equal(text, "s:next: q:2:");
	assert_true(fk.hung_up);               /* exit 2 ends the flow */
	ivr_free(s);
	ivr_flow_unref(f);

	/* the same menu by keys (no recogniser) */
	memset(&fk, 0, sizeof(fk));
	s = run_flow(&fk, &f, flow);
	ivr_key(s, '2');
	steps_text(s, text, sizeof(text));
	assert_string_equal(text, "s:next: q:1:2");
	ivr_free(s);
	ivr_flow_unref(f);
}

/* Graphs broken at random (values of the wrong type, missing or unknown
   fields, exits anywhere): compiling never crashes, and a refusal always
   says why. */
static json_t *random_value(unsigned *seed)
{
	static const char *const words[] = {"", "1", "next", "s", "m", "bye",
		"failed", "menu", "tts", "${x}", "9x", "http://a", "fixed"};

	switch (rand_r(seed) % 7) {
	case 0: return json_null();
	case 1: return json_integer(rand_r(seed) % 300 - 50);
	case 2: return json_true();
	case 3: return json_array();
	case 4: return json_object();
	case 5: return json_pack("[s]", words[rand_r(seed) % 13]);
	default: return json_string(words[rand_r(seed) % 13]);
	}
}

static void mutate(json_t *v, unsigned *seed, int depth)
{
	const char *k;
	json_t *c;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, c) {
			unsigned r = rand_r(seed) % 10;

			if (r == 0)
				json_object_set_new(v, k, random_value(seed));
			else if (depth < 6)
				mutate(c, seed, depth + 1);
		}
		if (rand_r(seed) % 8 == 0)
			json_object_set_new(v, "x", random_value(seed));
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			if (rand_r(seed) % 12 == 0)
				json_array_set_new(v, i, random_value(seed));
			else if (depth < 6)
				mutate(c, seed, depth + 1);
		}
	}
}

static void test_compile_survives_broken_graphs(void **state)
{
	unsigned seed = 20261121;

	(void)state;
	for (int n = 0; n < 3000; n++) {
		json_t *g = graph(menu_flow), *errors = json_array();
		struct ivr_flow *f = NULL;
		int err;

		mutate(g, &seed, 0);
		err = ivr_flow_compile(g, NULL, errors, &f);
		if (err) {
			assert_int_equal(err, EINVAL);
			assert_null(f);
			assert_true(json_array_size(errors) > 0);
		} else {
			assert_non_null(f);
			assert_int_equal(json_array_size(errors), 0);
			ivr_flow_unref(f);
		}
		json_decref(errors);
		json_decref(g);
	}
}

/* A flow whose logic nodes loop without ever waiting for the caller is
   ended (ivr_loop), not left spinning the control thread. */
static void test_a_loop_of_logic_nodes_is_ended(void **state)
{
	const char *flow =
		"{\"nodes\": ["
		"{\"id\": \"s\", \"type\": \"start\", \"exits\": {\"next\": \"a\"}},"
		"{\"id\": \"a\", \"type\": \"set\", \"params\": {\"assignments\": ["
		"  {\"name\": \"n\", \"value\": \"x${n}\"}]}, \"exits\": {\"next\": \"c\"}},"
		"{\"id\": \"c\", \"type\": \"condition\", \"params\": {\"branches\": ["
		"  {\"rules\": [{\"variable\": \"n\", \"op\": \"eq\", \"value\": \"never\"}]}]},"
		" \"exits\": {\"1\": null, \"default\": \"a\"}}"
		"]}";
	struct fake fk = {0};
	struct ivr_flow *f;
	struct ivr_session *s = run_flow(&fk, &f, flow);
	json_t *rec;

	(void)state;
	assert_true(fk.hung_up);
	assert_string_equal(fk.status, "ivr_loop");
	assert_int_equal(fk.nplayed, 0);
	rec = ivr_records(s, 0);
	assert_in_range(json_array_size(json_object_get(rec, "steps")), 150,
			250);
	json_decref(rec);
	ivr_free(s);
	ivr_flow_unref(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_fills_defaults_and_resolves_exits),
		cmocka_unit_test(test_compile_reports_every_problem),
		cmocka_unit_test(test_compile_checks_references),
		cmocka_unit_test(test_compile_survives_broken_graphs),
		cmocka_unit_test(test_variables_and_templates),
		cmocka_unit_test(test_comparisons),
		cmocka_unit_test(test_session_walks_the_menus),
		cmocka_unit_test(test_session_fails_after_max_errors),
		cmocka_unit_test(test_speech_menu_takes_a_recogniser_or_keys),
		cmocka_unit_test(test_a_loop_of_logic_nodes_is_ended),
	};
	int err = libre_init();

	if (err)
		return 1;
	err = cmocka_run_group_tests(tests, NULL, NULL);
	libre_close();
	return err;
}
