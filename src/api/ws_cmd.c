/*
 * ws_cmd.c — the /api/v1/ws protocol (docs/ws.md): a client's command is
 * a JSON object {id, cmd, ...}; every command gets one reply {type:
 * "reply", id, ok, data | error{code, message}}. Commands that act on an
 * agent name it (agent_id) or mean the caller's own agent (the agent
 * linked to their console user); the dispatcher resolves it and checks
 * that the caller may control it — their own with `workbench` write,
 * any agent of their data scope with `agents` write — before it runs,
 * so adding one (hang up, hold...) is one line in the table. Events go to
 * the connections subscribed to their topic, in the caller's tenant only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "ws_internal.h"
#include "agents_live.h"
#include "live_calls.h"
#include "../acd/acd.h"
#include "../call/b2bua.h"
#include "../sip/directory.h"

struct reply {
	json_t *data;             /* success: taken over */
	const char *code;         /* failure */
	char message[200];
};

static int fail(struct reply *r, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct reply *r, const char *code, const char *fmt, ...)
{
	va_list ap;

	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- agents ---- */

static const struct dir_agent *own_agent(const struct ws_conn *c)
{
	const struct dir_agent *da;
	size_t n;

	if (!c->user_id[0] || !c->hub->dir)
		return NULL;
	da = directory_agents(c->hub->dir, c->tenant_id, &n);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(da[i].user_id, c->user_id))
			return &da[i];
	}
	return NULL;
}

static bool is_own(const struct ws_conn *c, const struct dir_agent *da)
{
	return c->user_id[0] && !strcmp(da->user_id, c->user_id);
}

/* The agent a message names (agent_id), or the caller's own. */
static const struct dir_agent *target_agent(const struct ws_conn *c,
					    const json_t *msg,
					    struct reply *r)
{
	const json_t *id = json_object_get(msg, "agent_id");
	const struct dir_agent *da;

	if (!c->hub->acd || !c->hub->dir) {
		fail(r, "unavailable", "telephony is not running");
		return NULL;
	}
	if (id && !json_is_string(id)) {
		fail(r, "invalid_field", "'agent_id': an agent's id");
		return NULL;
	}
	if (!id) {
		da = own_agent(c);
		if (!da)
			fail(r, "no_agent", "no agent is linked to this user; "
			     "give agent_id");
		return da;
	}
	da = directory_agent(c->hub->dir, c->tenant_id,
			     json_string_value(id));
	if (!da)
		fail(r, "not_found", "no agent with id '%s'",
		     json_string_value(id));
	return da;
}

/* A supervisor watches and controls the agents of their data scope
   (decision 9), as the REST agent routes do. */
static bool in_scope(const struct ws_conn *c, const struct dir_agent *da)
{
	struct principal p = {.scope = c->scope};

	str_ncpy(p.department_id, c->department_id, sizeof(p.department_id));
	return principal_scopes(&p, da->department_id, da->dept_path);
}

static bool scope_has(const struct ws_conn *c, const char *agent_id)
{
	const struct dir_agent *da;

	if (c->scope == SCOPE_TENANT || !c->hub->dir)
		return true;
	da = directory_agent(c->hub->dir, c->tenant_id, agent_id);
	return !da || in_scope(c, da);
}

static bool may_control(const struct ws_conn *c, const struct dir_agent *da,
			struct reply *r)
{
	if ((c->perms & WS_AGENTS_WRITE) && in_scope(c, da))
		return true;
	if ((c->perms & WS_WORKBENCH_WRITE) && is_own(c, da))
		return true;
	fail(r, "forbidden", (c->perms & WS_AGENTS_WRITE)
	     ? "the agent is outside your data scope"
	     : (c->perms & WS_WORKBENCH_WRITE)
	     ? "you may control only your own agent"
	     : "needs 'workbench' (your own agent) or 'agents' write "
	       "permission");
	return false;
}

static bool may_watch(const struct ws_conn *c, const struct dir_agent *da)
{
	return ((c->perms & WS_AGENTS_READ) && in_scope(c, da)) ||
	       ((c->perms & WS_WORKBENCH_READ) && is_own(c, da));
}

/* What the ACD said, as a reply: the agent's live row, or the error. */
static int acd_result(struct ws_conn *c, const struct dir_agent *da, int err,
		      const char *already, struct reply *r)
{
	const char *code;
	char text[128];

	if (!err) {
		r->data = acd_agent_live(c->hub->acd, c->tenant_id, da->id);
		return 0;
	}
	agent_control_error(err, da->id, already, &code, text, sizeof(text));
	return fail(r, code, "%s", text);
}

/* state "idle" | "busy" and an optional reason (<= 32 characters). */
static int state_of(const json_t *msg, bool required, bool *busy,
		    const char **reason, struct reply *r)
{
	const char *state = json_string_value(json_object_get(msg, "state"));
	const json_t *why = json_object_get(msg, "reason");

	if (!state && (required || json_object_get(msg, "state")))
		return fail(r, required && !json_object_get(msg, "state")
			    ? "missing_field" : "invalid_field",
			    "'state': idle or busy");
	if (state && strcmp(state, "idle") && strcmp(state, "busy"))
		return fail(r, "invalid_field", "'state': idle or busy");
	if (why && (!json_is_string(why) ||
		    strlen(json_string_value(why)) > 32))
		return fail(r, "invalid_field", "'reason': text of at most "
			    "32 characters");
	*busy = state && !strcmp(state, "busy");
	*reason = json_string_value(why);
	return 0;
}

static int cmd_login(struct ws_conn *c, const json_t *msg,
		     const struct dir_agent *da, struct reply *r)
{
	const json_t *phone = json_object_get(msg, "phone");
	const char *reason, *number = json_string_value(phone);
	bool busy;

	if (state_of(msg, false, &busy, &reason, r))
		return -1;
	if (phone && !json_is_null(phone) && !agent_phone_valid(number))
		return fail(r, "invalid_field", "'phone': an extension number, "
			    "\"external\" (the agent's outside number), or "
			    "absent for the agent's bound phone");
	return acd_result(c, da, acd_agent_login(c->hub->acd, c->tenant_id,
						 da->id, busy, reason, number),
			  "logged in", r);
}

static int cmd_logout(struct ws_conn *c, const json_t *msg,
		      const struct dir_agent *da, struct reply *r)
{
	(void)msg;
	return acd_result(c, da, acd_agent_logout(c->hub->acd, c->tenant_id,
						  da->id),
			  "logged out", r);
}

static int cmd_state(struct ws_conn *c, const json_t *msg,
		     const struct dir_agent *da, struct reply *r)
{
	const char *reason;
	bool busy;

	if (state_of(msg, true, &busy, &reason, r))
		return -1;
	return acd_result(c, da, acd_agent_set(c->hub->acd, c->tenant_id,
					       da->id, busy, reason),
			  "so", r);
}

static int cmd_wrapup_done(struct ws_conn *c, const json_t *msg,
			   const struct dir_agent *da, struct reply *r)
{
	int err = acd_agent_wrapup_done(c->hub->acd, c->tenant_id, da->id);

	(void)msg;
	if (err == EPERM)
		return fail(r, "not_in_wrap_up", "the agent is not in "
			    "wrap-up");
	return acd_result(c, da, err, "", r);
}

/* The agent's controls over their call (POST /api/v1/agents/{id}/call
   alike): {action, target}. */
static int cmd_call(struct ws_conn *c, const json_t *msg,
		    const struct dir_agent *da, struct reply *r)
{
	const char *action = json_string_value(json_object_get(msg, "action"));
	struct agent_action act = {
		.target = json_string_value(json_object_get(msg, "target")),
		.call_id = json_string_value(json_object_get(msg, "call_id"))};
	const char *code;
	char text[128];
	int err;

	if (!c->hub->b2bua)
		return fail(r, "unavailable", "telephony is off");
	if (agent_action_parse(action, &act.kind))
		return fail(r, "invalid_field", "'action': hangup, hold, "
			    "unhold, mute, unmute, dtmf, transfer_* or consult_*");
	if (agent_action_needs_target(act.kind) &&
	    (!act.target || !*act.target || strlen(act.target) > 64))
		return fail(r, "invalid_field", "'target': required for %s",
			    action);
	err = b2bua_agent_action(c->hub->b2bua, c->tenant_id, da->id, &act);
	if (err) {
		agent_action_error(err, action, &code, text, sizeof(text));
		return fail(r, code, "%s", text);
	}
	r->data = json_pack("{s:s,s:s}", "agent_id", da->id, "action", action);
	return 0;
}

/* Click-to-call on the agent's phone (POST /api/v1/agents/{id}/dial
   alike): {number, caller_id?}. */
static int cmd_dial(struct ws_conn *c, const json_t *msg,
		    const struct dir_agent *da, struct reply *r)
{
	char call_id[ID_LEN], text[160];
	const char *code;

	if (!c->hub->b2bua)
		return fail(r, "unavailable", "telephony is off");
	if (agent_dial(c->hub->b2bua, c->tenant_id, da->id, msg, call_id,
		       &code, text, sizeof(text)))
		return fail(r, code, "%s", text);
	r->data = json_pack("{s:s,s:s}", "agent_id", da->id, "call_id",
			    call_id);
	return 0;
}

/* ---- subscriptions ---- */

static bool watches_agent(const struct ws_conn *c, const char *agent_id)
{
	for (size_t i = 0; i < c->nagents; i++) {
		if (!strcmp(c->agents[i], agent_id))
			return true;
	}
	return false;
}

bool ws_wants(const struct ws_conn *c, const char *type, json_t *data)
{
	const char *agent = json_string_value(json_object_get(data,
							      "agent_id"));

	if (!strncmp(type, "queue.", 6))
		return c->queues;
	if (!agent)
		return false;
	return (c->all_agents && scope_has(c, agent)) ||
	       watches_agent(c, agent);
}

/* The agent a topic names: "agent" (the caller's own) or "agent:<id>". */
static const struct dir_agent *topic_agent(const struct ws_conn *c,
					   const char *topic,
					   struct reply *r)
{
	const struct dir_agent *da;

	if (!c->hub->dir) {
		fail(r, "unavailable", "telephony is not running");
		return NULL;
	}
	if (!strcmp(topic, "agent")) {
		da = own_agent(c);
		if (!da)
			fail(r, "no_agent", "no agent is linked to this user");
		return da;
	}
	da = directory_agent(c->hub->dir, c->tenant_id, topic + 6);
	if (!da)
		fail(r, "not_found", "no agent with id '%s'", topic + 6);
	return da;
}

/* Checks one topic; *da: its agent, NULL for agents/queues. */
static int check_topic(const struct ws_conn *c, const char *topic,
		       const struct dir_agent **da, struct reply *r)
{
	*da = NULL;
	if (!strcmp(topic, "agents"))
		return c->perms & WS_AGENTS_READ ? 0
		       : fail(r, "forbidden", "topic 'agents' needs the "
			      "'agents' permission");
	if (!strcmp(topic, "queues"))
		return c->perms & WS_QUEUES_READ ? 0
		       : fail(r, "forbidden", "topic 'queues' needs the "
			      "'queues' permission");
	if (strcmp(topic, "agent") && strncmp(topic, "agent:", 6))
		return fail(r, "invalid_field", "unknown topic '%.60s' "
			    "(agent, agent:<id>, agents, queues)", topic);
	*da = topic_agent(c, topic, r);
	if (!*da)
		return -1;
	if (!may_watch(c, *da))
		return fail(r, "forbidden", c->perms & WS_AGENTS_READ
			    ? "the agent is outside your data scope"
			    : "you may watch only your own agent");
	return 0;
}

static const json_t *topics_of(const json_t *msg, struct reply *r)
{
	const json_t *topics = json_object_get(msg, "topics"), *t;
	size_t i;

	if (!topics) {
		fail(r, "missing_field", "'topics': a list of topics");
		return NULL;
	}
	if (!json_is_array(topics) || !json_array_size(topics) ||
	    json_array_size(topics) > 16) {
		fail(r, "invalid_field", "'topics': a list of 1-16 topics");
		return NULL;
	}
	json_array_foreach(topics, i, t) {
		if (!json_is_string(t)) {
			fail(r, "invalid_field", "'topics': strings");
			return NULL;
		}
	}
	return topics;
}

static json_t *topic_list(const struct ws_conn *c)
{
	json_t *list = json_array();

	if (c->all_agents)
		json_array_append_new(list, json_string("agents"));
	if (c->queues)
		json_array_append_new(list, json_string("queues"));
	for (size_t i = 0; i < c->nagents; i++)
		json_array_append_new(list, json_sprintf("agent:%s",
							 c->agents[i]));
	return list;
}

/* The state now of what the topics cover, so that a board starts right
   and then follows the events. */
static json_t *snapshot(const struct ws_conn *c, const json_t *topics)
{
	struct acd *acd = c->hub->acd;
	json_t *agents = json_array(), *queues = json_array(), *t;
	size_t i;

	json_array_foreach(topics, i, t) {
		const char *topic = json_string_value(t);
		const struct dir_agent *da;
		struct reply ignore = {0};

		if (!acd)
			break;
		if (!strcmp(topic, "agents")) {
			json_t *all = acd_agents_live(acd, c->tenant_id), *row;
			size_t j;

			json_array_foreach(all, j, row) {
				if (scope_has(c, json_string_value(
					      json_object_get(row, "id"))))
					json_array_append(agents, row);
			}
			json_decref(all);
		} else if (!strcmp(topic, "queues")) {
			json_decref(queues);
			queues = acd_queues_live(acd, c->tenant_id);
		} else if ((da = topic_agent(c, topic, &ignore))) {
			json_array_append_new(agents, acd_agent_live(
				acd, c->tenant_id, da->id));
		}
	}
	return json_pack("{s:o,s:o,s:o}", "topics", topic_list(c), "agents",
			 agents, "queues", queues);
}

static int cmd_subscribe(struct ws_conn *c, const json_t *msg,
			 const struct dir_agent *unused, struct reply *r)
{
	const json_t *topics = topics_of(msg, r), *t;
	const struct dir_agent *da;
	size_t i, more = 0;

	(void)unused;
	if (!topics)
		return -1;
	json_array_foreach(topics, i, t) {      /* all or nothing */
		if (check_topic(c, json_string_value(t), &da, r))
			return -1;
		more += da && !watches_agent(c, da->id);
	}
	if (c->nagents + more > WS_MAX_AGENT_SUBS)
		return fail(r, "too_many", "at most %d agent topics per "
			    "connection (or subscribe to 'agents')",
			    WS_MAX_AGENT_SUBS);
	json_array_foreach(topics, i, t) {
		const char *topic = json_string_value(t);

		if (!strcmp(topic, "agents"))
			c->all_agents = true;
		else if (!strcmp(topic, "queues"))
			c->queues = true;
		else if (!check_topic(c, topic, &da, r) &&
			 !watches_agent(c, da->id))
			str_ncpy(c->agents[c->nagents++], da->id, ID_LEN);
	}
	r->data = snapshot(c, topics);
	return 0;
}

static void forget_agent(struct ws_conn *c, const char *id)
{
	for (size_t i = 0; i < c->nagents; i++) {
		if (!strcmp(c->agents[i], id)) {
			memmove(c->agents[i], c->agents[c->nagents - 1],
				ID_LEN);
			c->nagents--;
			return;
		}
	}
}

static int cmd_unsubscribe(struct ws_conn *c, const json_t *msg,
			   const struct dir_agent *unused, struct reply *r)
{
	const json_t *topics = topics_of(msg, r), *t;
	size_t i;

	(void)unused;
	if (!topics)
		return -1;
	json_array_foreach(topics, i, t) {
		const char *topic = json_string_value(t);

		if (!strcmp(topic, "agents"))
			c->all_agents = false;
		else if (!strcmp(topic, "queues"))
			c->queues = false;
		else if (!strncmp(topic, "agent:", 6))
			forget_agent(c, topic + 6);
		else if (!strcmp(topic, "agent") && own_agent(c))
			forget_agent(c, own_agent(c)->id);
	}
	r->data = json_pack("{s:o}", "topics", topic_list(c));
	return 0;
}

static int cmd_ping(struct ws_conn *c, const json_t *msg,
		    const struct dir_agent *unused, struct reply *r)
{
	(void)c;
	(void)msg;
	(void)unused;
	r->data = json_pack("{s:I}", "at", (json_int_t)now_ms());
	return 0;
}

/* ---- dispatch ---- */

typedef int (ws_cmd_h)(struct ws_conn *c, const json_t *msg,
		       const struct dir_agent *da, struct reply *r);

static const struct ws_cmd {
	const char *name;
	bool agent;       /* controls an agent: resolved and checked first */
	ws_cmd_h *run;
} commands[] = {
	{"ping", false, cmd_ping},
	{"subscribe", false, cmd_subscribe},
	{"unsubscribe", false, cmd_unsubscribe},
	{"login", true, cmd_login},
	{"logout", true, cmd_logout},
	{"state", true, cmd_state},
	{"wrapup_done", true, cmd_wrapup_done},
	{"call", true, cmd_call},
	{"dial", true, cmd_dial},
};

static const struct ws_cmd *command_named(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++) {
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	}
	return NULL;
}

static int run(struct ws_conn *c, const json_t *msg, struct reply *r)
{
	const json_t *name = json_object_get(msg, "cmd");
	const struct ws_cmd *cmd;
	const struct dir_agent *da = NULL;

	if (!name)
		return fail(r, "missing_field", "'cmd': the command");
	if (!json_is_string(name))
		return fail(r, "invalid_field", "'cmd': a command's name");
	cmd = command_named(json_string_value(name));
	if (!cmd)
		return fail(r, "unknown_command", "no command '%.60s'",
			    json_string_value(name));
	if (cmd->agent) {
		da = target_agent(c, msg, r);
		if (!da || !may_control(c, da, r))
			return -1;
	}
	return cmd->run(c, msg, da, r);
}

void ws_command(struct ws_conn *c, const char *text, size_t len)
{
	struct reply r = {0};
	json_error_t jerr;
	json_t *msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *id = json_object_get(msg, "id");
	json_t *out;

	if (!msg)
		fail(&r, "bad_json", "not JSON: %s", jerr.text);
	else if (!json_is_object(msg))
		fail(&r, "bad_json", "a command is a JSON object");
	else if (id && !json_is_string(id) && !json_is_integer(id) &&
		 !json_is_null(id))
		fail(&r, "invalid_field", "'id': a string or an integer");
	else
		run(c, msg, &r);
	if (!id || (!json_is_string(id) && !json_is_integer(id)))
		id = json_null();
	if (r.code) {
		json_decref(r.data);
		out = json_pack("{s:s,s:O,s:b,s:{s:s,s:s}}", "type", "reply",
				"id", id, "ok", 0, "error", "code", r.code,
				"message", r.message);
	} else {
		out = json_pack("{s:s,s:O,s:b,s:o}", "type", "reply", "id", id,
				"ok", 1, "data",
				r.data ? r.data : json_object());
	}
	json_decref(msg);
	ws_send_json(c, out);
}

json_t *ws_hello(struct ws_conn *c)
{
	const struct dir_agent *da = own_agent(c);
	json_t *names = json_array();

	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		json_array_append_new(names, json_string(commands[i].name));
	return json_pack("{s:s,s:s,s:{s:s?,s:s},s:o,s:{s:b,s:b,s:b,s:b,s:b},"
			 "s:i,s:o}", "type", "hello", "tenant_id",
			 c->tenant_id, "user", "id",
			 c->user_id[0] ? c->user_id : NULL, "username",
			 c->username, "agent",
			 da ? json_pack("{s:s,s:s,s:s,s:s}", "id", da->id,
					"agent_no", da->agent_no, "name",
					da->name, "phone", da->phone)
			    : json_null(),
			 "may", "workbench",
			 (c->perms & WS_WORKBENCH_WRITE) != 0, "watch_agents",
			 (c->perms & WS_AGENTS_READ) != 0, "control_agents",
			 (c->perms & WS_AGENTS_WRITE) != 0, "watch_queues",
			 (c->perms & WS_QUEUES_READ) != 0, "watch_own",
			 (c->perms & WS_WORKBENCH_READ) != 0,
			 "max_message", WS_MAX_MESSAGE, "commands", names);
}
