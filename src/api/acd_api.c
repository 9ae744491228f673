/*
 * acd_api.c — the ACD's configuration (issue 6; cticloud.md §2.12.1-3,
 * tencent-ccc.md §2.4, §2.9): skills, the tenant's busy reasons, agents
 * (agent number, bound phone, skills with levels 0-9, concurrent calls,
 * wrap-up) and queues (strategy, explicit members with priorities and/or
 * skill requirements, ring and wait timeouts, overflow limits, service
 * level). Things in use are not deleted from under their users: a skill
 * an agent or queue names, an agent a queue lists, a queue a route or a
 * published IVR flow sends calls to.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "crud.h"

/* ---- shared checks ---- */

/* A JSON array of objects {id_key: a row of `table`, int_key: min-max},
   each id once. */
static int check_links(struct db *db, struct api_req *req, const char *field,
		       const json_t *list, const char *id_key,
		       const char *table, const char *int_key, long min,
		       long max)
{
	const json_t *e;
	size_t i;

	json_array_foreach(list, i, e) {
		const char *id = json_string_value(json_object_get(e, id_key));
		const json_t *n = json_object_get(e, int_key);
		const json_t *o;
		size_t j;
		int err;

		if (!json_is_object(e) || !id || json_object_size(e) > 2 ||
		    (n && (!json_is_integer(n) || json_integer_value(n) < min
			   || json_integer_value(n) > max)))
			return api_fail(req, 400, "invalid_field", "field '%s':"
					" entry %zu must be {\"%s\": id, \"%s\":"
					" %ld-%ld}", field, i + 1, id_key,
					int_key, min, max);
		json_array_foreach(list, j, o) {
			const char *other = json_string_value(json_object_get(
							     o, id_key));

			if (j < i && other && !strcmp(other, id))
				return api_fail(req, 400, "invalid_field",
						"field '%s': '%s' twice", field,
						id);
		}
		err = crud_check_ref(db, req, table, field, id);
		if (err)
			return err;
	}
	return 0;
}

/* ---- skills ---- */

#define SKILL_SELECT "id, name, description, created_at, updated_at"

static const struct crud_col skill_cols[] = {
	{"name", C_TEXT, true, 1, 64, NULL, false, false},
	{"description", C_TEXT, false, 0, 256, "\"\"", false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};

static int skill_pre_delete(struct db *db, struct api_req *req)
{
	int err = crud_refuse_if_used(db, req, "SELECT name FROM agents WHERE "
				 "tenant_id = ? AND skills LIKE ?", "agent");

	if (!err)
		err = crud_refuse_if_used(db, req, "SELECT name FROM queues WHERE "
				     "tenant_id = ? AND skills LIKE ?",
				     "queue");
	return err;
}

static const struct crud_spec skill_spec = {
	"skills", "skill", NULL, SKILL_SELECT, skill_cols, "name", NULL,
	skill_pre_delete, NULL,
};
static const char *const skill_sortable[] = {"name", "created_at",
					     "updated_at", NULL};
static const char *const skill_text[] = {"name", "description", NULL};
static const struct list_filter no_filters[] = {
	{NULL, NULL, 0, NULL},
};
static const struct list_spec skill_list = {
	"skills", SKILL_SELECT, skill_sortable, "name", false, skill_text,
	no_filters, false,
};

CRUD_HANDLERS(skills, skill_spec, skill_list)

/* ---- busy reasons ---- */

#define REASON_SELECT "id, name, sort, created_at, updated_at"

static const struct crud_col reason_cols[] = {
	{"name", C_TEXT, true, 1, 32, NULL, false, false},
	{"sort", C_INT, false, 0, 1000, "0", false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};
static const struct crud_spec reason_spec = {
	"busy_reasons", "busy reason", NULL, REASON_SELECT, reason_cols,
	"name", NULL, NULL, NULL,
};
static const char *const reason_sortable[] = {"sort", "name", "created_at",
					      NULL};
static const char *const reason_text[] = {"name", NULL};
static const struct list_spec reason_list = {
	"busy_reasons", REASON_SELECT, reason_sortable, "sort", false,
	reason_text, no_filters, false,
};

CRUD_HANDLERS(busyreasons, reason_spec, reason_list)

/* ---- agents ---- */

#define AGENT_SELECT "id, agent_no, name, department_id, extension_id, " \
	"user_id, external_number, external_caller_id, skills, max_calls, " \
	"wrap_up_s, busy_after_miss, auto_answer, outbound, monitor, enabled, " \
	"created_at, updated_at"

static const struct crud_col agent_cols[] = {
	{"agent_no", C_TEXT, true, 3, 10, NULL, false, false},
	{"name", C_TEXT, true, 1, 64, NULL, false, false},
	{"department_id", C_TEXT_NULL, false, 0, 0, "null", false, false},
	{"extension_id", C_TEXT_NULL, false, 0, 0, "null", false, false},
	{"user_id", C_TEXT_NULL, false, 0, 0, "null", false, false},
	{"external_number", C_TEXT, false, 0, 32, "\"\"", false, false},
	{"external_caller_id", C_TEXT, false, 0, 32, "\"\"", false, false},
	{"skills", C_ARRAY, false, 0, 50, "[]", false, false},
	{"max_calls", C_INT, false, 1, 10, "1", false, false},
	{"wrap_up_s", C_INT, false, 0, 600, "5", false, false},
	{"busy_after_miss", C_BOOL, false, 0, 0, "false", false, false},
	{"auto_answer", C_BOOL, false, 0, 0, "false", false, false},
	{"outbound", C_BOOL, false, 0, 0, "true", false, false},
	{"monitor", C_BOOL, false, 0, 0, "false", false, false},
	{"enabled", C_BOOL, false, 0, 0, "true", false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};

/* One phone, one agent: the bound extension must be free. */
static int check_phone(struct db *db, struct api_req *req, const char *ext,
		       bool creating)
{
	json_t *row = NULL;
	int err = crud_check_ref(db, req, "extensions", "extension_id", ext);

	if (err)
		return err;
	err = db_query_one(db, &row, "SELECT agent_no FROM agents WHERE "
			   "tenant_id = ? AND extension_id = ? AND id <> ?",
			   json_pack("[sss]", req->who.tenant_id, ext,
				     creating ? "" : req->id));
	if (err == ENOENT)
		return 0;
	if (!err)
		err = api_fail(req, 409, "conflict", "field 'extension_id': "
			       "the phone is bound to agent %s",
			       json_string_value(json_object_get(row,
								 "agent_no")));
	json_decref(row);
	return err;
}

/* One user, one agent: the console user who works as it (the
   workbench) must be the tenant's and not work as another agent. */
static int check_user(struct db *db, struct api_req *req, const char *user,
		      bool creating)
{
	json_t *row = NULL;
	int err = crud_check_ref(db, req, "users", "user_id", user);

	if (err)
		return err;
	err = db_query_one(db, &row, "SELECT agent_no FROM agents WHERE "
			   "tenant_id = ? AND user_id = ? AND id <> ?",
			   json_pack("[sss]", req->who.tenant_id, user,
				     creating ? "" : req->id));
	if (err == ENOENT)
		return 0;
	if (!err)
		err = api_fail(req, 409, "conflict", "field 'user_id': the "
			       "user works as agent %s",
			       json_string_value(json_object_get(row,
								 "agent_no")));
	json_decref(row);
	return err;
}

/* "" (none), or a number to dial out: 2-32 digits after an optional +. */
static bool outside_number(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;

	if (!v || (s && !n))
		return true;
	if (!s || n > 32)
		return false;
	if (*s == '+')
		s++, n--;
	return n >= 2 && strspn(s, "0123456789") == n;
}

static int check_agent(struct db *db, struct api_req *req, json_t *row,
		       bool creating)
{
	const char *no = json_string_value(json_object_get(row, "agent_no"));
	const char *dep = json_string_value(json_object_get(row,
							    "department_id"));
	const char *ext = json_string_value(json_object_get(row,
							    "extension_id"));
	int err = 0;

	if (!crud_digits(no, 3, 10))
		return api_fail(req, 400, "invalid_field", "field 'agent_no': "
				"3-10 digits");
	if (!outside_number(json_object_get(row, "external_number")))
		return api_fail(req, 400, "invalid_field", "field "
				"'external_number': 2-32 digits, optionally "
				"after +, or \"\"");
	if (!outside_number(json_object_get(row, "external_caller_id")))
		return api_fail(req, 400, "invalid_field", "field "
				"'external_caller_id': 2-32 digits, optionally "
				"after +, or \"\"");
	if (dep)
		err = crud_check_ref(db, req, "departments", "department_id",
				     dep);
	if (!err && ext)
		err = check_phone(db, req, ext, creating);
	if (!err && json_is_string(json_object_get(row, "user_id")))
		err = check_user(db, req, json_string_value(json_object_get(
					 row, "user_id")), creating);
	if (!err)
		err = check_links(db, req, "skills", json_object_get(row,
				  "skills"), "skill_id", "skills", "level", 0,
				  9);
	return err;
}

static int agent_pre_delete(struct db *db, struct api_req *req)
{
	return crud_refuse_if_used(db, req, "SELECT name FROM queues WHERE "
			      "tenant_id = ? AND members LIKE ?", "queue");
}

static const struct crud_spec agent_spec = {
	"agents", "agent", NULL, AGENT_SELECT, agent_cols, "agent_no",
	check_agent, agent_pre_delete, NULL,
};
static const char *const agent_sortable[] = {"agent_no", "name",
					     "created_at", "updated_at", NULL};
static const char *const agent_text[] = {"agent_no", "name", NULL};
static const struct list_filter agent_filters[] = {
	{"department_id", "department_id", F_STRING, NULL},
	{"extension_id", "extension_id", F_STRING, NULL},
	{"user_id", "user_id", F_STRING, NULL},
	{"enabled", "enabled", F_BOOLEAN, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec agent_list = {
	"agents", AGENT_SELECT, agent_sortable, "agent_no", false, agent_text,
	agent_filters, false,
};

CRUD_HANDLERS(agents, agent_spec, agent_list)

/* ---- queues ---- */

#define QUEUE_SELECT "id, name, number, strategy, members, skills, " \
	"priority, ring_timeout_s, retry_delay_s, max_waiting, max_wait_s, " \
	"service_level_s, wrap_up_s, moh_class_id, announce_position_s, " \
	"sticky_days, sticky_strict, vip_list_id, vip_priority, announce_s, " \
	"announce_prompt, whisper_prompt, agent_display_queue, overflow, " \
	"leave_key, leave_to, leave_box, leave_prompt, screen_pop_url, " \
	"survey_flow_id, enabled, created_at, updated_at"

static const struct crud_col queue_cols[] = {
	{"name", C_TEXT, true, 1, 64, NULL, false, false},
	{"number", C_TEXT, false, 0, 8, "\"\"", false, false},
	{"strategy", C_TEXT, false, 1, 32, "\"longest_idle\"", false, false},
	{"members", C_ARRAY, false, 0, 2000, "[]", false, false},
	{"skills", C_ARRAY, false, 0, 10, "[]", false, false},
	{"priority", C_INT, false, 0, 100, "0", false, false},
	{"ring_timeout_s", C_INT, false, 5, 60, "25", false, false},
	{"retry_delay_s", C_INT, false, 0, 60, "2", false, false},
	{"max_waiting", C_INT, false, 0, 999, "0", false, false},
	{"max_wait_s", C_INT, false, 5, 7200, "600", false, false},
	{"service_level_s", C_INT, false, 1, 600, "20", false, false},
	{"wrap_up_s", C_INT, false, 0, 600, "0", false, false},
	{"moh_class_id", C_TEXT_NULL, false, 0, 0, "null", false, false},
	{"announce_position_s", C_INT, false, 0, 600, "0", false, false},
	{"sticky_days", C_INT, false, 0, 365, "0", false, false},
	{"sticky_strict", C_BOOL, false, 0, 0, "false", false, false},
	{"vip_list_id", C_TEXT_NULL, false, 0, 0, "null", false, false},
	{"vip_priority", C_INT, false, 0, 100, "10", false, false},
	{"announce_s", C_INT, false, 0, 600, "0", false, false},
	{"announce_prompt", C_ARRAY, false, 0, 8, "[]", false, false},
	{"whisper_prompt", C_ARRAY, false, 0, 8, "[]", false, false},
	{"agent_display_queue", C_BOOL, false, 0, 0, "false", false, false},
	{"overflow", C_OBJECT, false, 0, 0, "{}", false, false},
	{"leave_key", C_TEXT, false, 0, 1, "\"\"", false, false},
	{"leave_to", C_TEXT, false, 0, 9, "\"\"", false, false},
	{"leave_box", C_TEXT, false, 0, 16, "\"\"", false, false},
	{"leave_prompt", C_ARRAY, false, 0, 8, "[]", false, false},
	{"screen_pop_url", C_TEXT, false, 0, 1024, "\"\"", false, false},
	{"survey_flow_id", C_TEXT_NULL, false, 0, 0, "null", false, false},
	{"enabled", C_BOOL, false, 0, 0, "true", false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};

static const char *const strategies[] = {"ring_all", "sequential",
	"round_robin", "longest_idle", "fewest_calls", "random",
	"skill_first", NULL};

/* A prompt as the IVR's: parts {"type": "tts", "text"}, {"type":
   "voice", "id": an approved voice}, {"type": "tone", "name"}. */
static int check_prompt(struct db *db, struct api_req *req,
			const char *field, const json_t *parts)
{
	static const char *const tones[] = {"beep", "confirm", "busy", "dial",
					    NULL};
	const json_t *p;
	size_t i;

	json_array_foreach(parts, i, p) {
		const char *type = json_string_value(json_object_get(p,
								     "type"));
		const char *key = !type ? "text" : !strcmp(type, "voice")
				  ? "id" : !strcmp(type, "tone") ? "name"
				  : "text";
		const char *val = json_string_value(json_object_get(p, key));
		json_t *row = NULL;
		int err;

		if (!json_is_object(p) || !type || (strcmp(type, "tts") &&
		    strcmp(type, "voice") && strcmp(type, "tone")))
			return api_fail(req, 400, "invalid_field", "field '%s':"
					" part %zu: type must be tts, voice or "
					"tone", field, i + 1);
		if (!val || !*val || strlen(val) > 600)
			return api_fail(req, 400, "invalid_field", "field '%s':"
					" part %zu needs '%s' (1-600 "
					"characters)", field, i + 1, key);
		if (!strcmp(type, "tone") && !crud_in_set(tones, val))
			return api_fail(req, 400, "invalid_field", "field '%s':"
					" no tone '%s' (beep, confirm, busy, "
					"dial)", field, val);
		if (strcmp(type, "voice"))
			continue;
		err = db_query_one(db, &row, "SELECT id FROM voices WHERE id ="
				   " ? AND tenant_id = ? AND status = "
				   "'approved'", json_pack("[ss]", val,
				   req->who.tenant_id));
		json_decref(row);
		if (err == ENOENT)
			return api_fail(req, 400, "invalid_field", "field '%s':"
					" no approved voice '%s'", field, val);
		if (err)
			return err;
	}
	return 0;
}

/* The VIP list: an inbound white list of the tenant (callers' numbers). */
static int check_vip_list(struct db *db, struct api_req *req, const char *id)
{
	json_t *row = NULL;
	int err = db_query_one(db, &row, "SELECT direction, type FROM "
			       "number_lists WHERE id = ? AND tenant_id = ?",
			       json_pack("[ss]", id, req->who.tenant_id));

	if (err == ENOENT)
		return api_fail(req, 400, "invalid_field", "field "
				"'vip_list_id': no number list with id '%s'",
				id);
	if (!err && (strcmp(json_string_value(json_object_get(row,
			"direction")), "inbound") ||
		     strcmp(json_string_value(json_object_get(row, "type")),
			    "white")))
		err = api_fail(req, 400, "invalid_field", "field "
			       "'vip_list_id': the list must be an inbound "
			       "white list (callers' numbers)");
	json_decref(row);
	return err;
}

static const char *const voicemail_box_sql =
	"SELECT b.id FROM voicemail_boxes b LEFT JOIN extensions e ON e.id = "
	"b.extension_id WHERE b.tenant_id = ? AND COALESCE(e.number, b.number)"
	" = ?";

static bool exists(struct db *db, const char *sql, json_t *params)
{
	json_t *row = NULL;
	int err = db_query_one(db, &row, sql, params);

	json_decref(row);
	return err == 0;
}

/* One overflow destination: {"type": queue|ivr|voicemail|external|hangup,
   "target": a queue (not this one), a published IVR flow, a voicemail
   box's number, an outside number; "prompt": hangup only}. */
static int check_destination(struct db *db, struct api_req *req,
			     const char *reason, const json_t *d)
{
	static const char *const types[] = {"queue", "ivr", "voicemail",
					    "external", "hangup", NULL};
	const char *type = json_string_value(json_object_get(d, "type"));
	const char *target = json_string_value(json_object_get(d, "target"));
	const char *tenant = req->who.tenant_id;
	const char *sql = NULL;

	if (!json_is_object(d) || !crud_in_set(types, type))
		return api_fail(req, 400, "invalid_field", "field 'overflow': "
				"%s: type must be queue, ivr, voicemail, "
				"external or hangup", reason);
	if (json_object_get(d, "prompt") && strcmp(type, "hangup"))
		return api_fail(req, 400, "invalid_field", "field 'overflow': "
				"%s: a prompt only with hangup", reason);
	if (!strcmp(type, "hangup"))
		return check_prompt(db, req, "overflow", json_object_get(
					    d, "prompt"));
	if (!target || !*target)
		return api_fail(req, 400, "invalid_field", "field 'overflow': "
				"%s: %s needs a target", reason, type);
	if (!strcmp(type, "queue") && req->id && !strcmp(target, req->id))
		return api_fail(req, 400, "invalid_field", "field 'overflow': "
				"%s: not to the queue itself", reason);
	if (!strcmp(type, "external"))
		return crud_number_valid(target, false) ? 0 : api_fail(
			req, 400, "invalid_field", "field 'overflow': %s: "
			"'%s' is not a number", reason, target);
	if (!strcmp(type, "queue"))
		sql = "SELECT id FROM queues WHERE tenant_id = ? AND id = ?";
	else if (!strcmp(type, "ivr"))
		sql = "SELECT id FROM ivr_flows WHERE tenant_id = ? AND id = ? "
		      "AND published_version_id IS NOT NULL";
	else
		sql = voicemail_box_sql;
	if (!exists(db, sql, json_pack("[ss]", tenant, target)))
		return api_fail(req, 400, "invalid_field", "field 'overflow': "
				"%s: no %s '%s'", reason, !strcmp(type, "ivr")
				? "published IVR flow" : !strcmp(type, "queue")
				? "queue" : "voicemail box", target);
	return 0;
}

static int check_overflow(struct db *db, struct api_req *req,
			  const json_t *overflow)
{
	static const char *const reasons[] = {"no_agent", "full", "timeout",
					      NULL};
	const char *reason;
	const json_t *d;
	int err = 0;

	json_object_foreach((json_t *)overflow, reason, d) {
		if (!crud_in_set(reasons, reason))
			return api_fail(req, 400, "invalid_field", "field "
					"'overflow': '%s' is not no_agent, full"
					" or timeout", reason);
		err = check_destination(db, req, reason, d);
		if (err)
			return err;
	}
	return 0;
}

/* The key to leave the queue: to a voicemail box or a callback request. */
static int check_leave(struct db *db, struct api_req *req, json_t *row)
{
	static const char *const tos[] = {"", "voicemail", "callback", NULL};
	const char *key = json_string_value(json_object_get(row, "leave_key"));
	const char *to = json_string_value(json_object_get(row, "leave_to"));
	const char *box = json_string_value(json_object_get(row, "leave_box"));

	if (*key && !strchr("0123456789*#", *key))
		return api_fail(req, 400, "invalid_field", "field 'leave_key':"
				" one of 0-9, * and #, or empty for none");
	if (!crud_in_set(tos, to))
		return api_fail(req, 400, "invalid_field", "field 'leave_to': "
				"voicemail, callback, or empty for none");
	if (!*key != !*to)
		return api_fail(req, 400, "invalid_field", "field '%s': "
				"leave_key and leave_to go together",
				*key ? "leave_to" : "leave_key");
	if (strcmp(to, "voicemail"))
		return 0;
	if (!*box)
		return api_fail(req, 400, "invalid_field", "field 'leave_box': "
				"leaving for voicemail needs a box's number");
	if (!exists(db, voicemail_box_sql, json_pack("[ss]",
						     req->who.tenant_id, box)))
		return api_fail(req, 400, "invalid_field", "field 'leave_box': "
				"no voicemail box '%s'", box);
	return 0;
}

static int check_queue_waiting(struct db *db, struct api_req *req,
			       json_t *row)
{
	const char *vip = json_string_value(json_object_get(row,
							    "vip_list_id"));
	int err = vip ? check_vip_list(db, req, vip) : 0;

	if (!err)
		err = check_prompt(db, req, "announce_prompt",
				   json_object_get(row, "announce_prompt"));
	if (!err)
		err = check_prompt(db, req, "whisper_prompt",
				   json_object_get(row, "whisper_prompt"));
	if (!err)
		err = check_overflow(db, req, json_object_get(row, "overflow"));
	if (!err)
		err = check_leave(db, req, row);
	if (!err)
		err = check_prompt(db, req, "leave_prompt",
				   json_object_get(row, "leave_prompt"));
	if (!err && json_integer_value(json_object_get(row, "announce_s")) &&
	    !json_array_size(json_object_get(row, "announce_prompt")))
		err = api_fail(req, 400, "invalid_field", "field "
			       "'announce_prompt': needed when announce_s is "
			       "set");
	if (!err) {
		json_int_t every = json_integer_value(json_object_get(
						row, "announce_s"));
		json_int_t pos = json_integer_value(json_object_get(
						row, "announce_position_s"));

		if ((every && every < 5) || (pos && pos < 5))
			err = api_fail(req, 400, "invalid_field", "field '%s':"
				       " 0 (never) or 5-600 seconds",
				       every && every < 5 ? "announce_s"
				       : "announce_position_s");
	}
	return err;
}

/* The workbench's screen pop: an http(s) URL template whose ${name}
   variables the agent's browser fills in (URL-encoded); empty for none. */
static int check_screen_pop(struct api_req *req, const char *url)
{
	if (!*url)
		return 0;
	if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8))
		return api_fail(req, 400, "invalid_field", "field "
				"'screen_pop_url': must start with http:// or "
				"https://");
	for (const unsigned char *c = (const unsigned char *)url; *c; c++) {
		if (*c <= ' ' || *c == 0x7f)
			return api_fail(req, 400, "invalid_field", "field "
					"'screen_pop_url': no spaces or "
					"control characters");
	}
	return 0;
}

static int check_queue(struct db *db, struct api_req *req, json_t *row,
		       bool creating)
{
	const char *number = json_string_value(json_object_get(row,
							       "number"));
	const char *moh = json_string_value(json_object_get(row,
							    "moh_class_id"));
	const char *survey = json_string_value(json_object_get(row,
							       "survey_flow_id"));
	int err = 0;

	if (!crud_in_set(strategies, json_string_value(json_object_get(
				 row, "strategy"))))
		return api_fail(req, 400, "invalid_field", "field 'strategy':"
				" one of ring_all, sequential, round_robin, "
				"longest_idle, fewest_calls, random, "
				"skill_first");
	if (json_integer_value(json_object_get(row, "ring_timeout_s")) >
	    json_integer_value(json_object_get(row, "max_wait_s")))
		return api_fail(req, 400, "invalid_field", "field "
				"'max_wait_s': not less than ring_timeout_s");
	if (*number && !crud_digits(number, 2, 8))
		return api_fail(req, 400, "invalid_field", "field 'number': "
				"2-8 digits");
	if (*number)
		err = dialplan_number_free(db, req, number,
					   creating ? NULL : req->id);
	if (!err && moh)
		err = crud_check_ref(db, req, "moh_classes", "moh_class_id",
				     moh);
	if (!err && survey)
		err = crud_check_ref(db, req, "ivr_flows", "survey_flow_id",
				     survey);
	if (!err)
		err = check_links(db, req, "members", json_object_get(row,
				  "members"), "agent_id", "agents", "priority",
				  0, 100);
	if (!err)
		err = check_links(db, req, "skills", json_object_get(row,
				  "skills"), "skill_id", "skills", "min_level",
				  0, 9);
	if (!err)
		err = check_queue_waiting(db, req, row);
	if (!err)
		err = check_screen_pop(req, json_string_value(json_object_get(
					       row, "screen_pop_url")));
	return err;
}

static int queue_pre_delete(struct db *db, struct api_req *req)
{
	int err = crud_refuse_if_used(db, req, "SELECT name FROM inbound_routes "
				 "WHERE tenant_id = ? AND destination LIKE ?",
				 "inbound route");

	if (!err)
		err = crud_refuse_if_used(db, req, "SELECT f.name FROM ivr_flows f "
				     "JOIN ivr_versions v ON v.id = "
				     "f.published_version_id WHERE f.tenant_id"
				     " = ? AND v.graph LIKE ?",
				     "the published version of IVR flow");
	if (!err)
		err = crud_refuse_if_used(db, req, "SELECT name FROM queues WHERE"
				     " tenant_id = ? AND overflow LIKE ?",
				     "the overflow of queue");
	return err;
}

static const struct crud_spec queue_spec = {
	"queues", "queue", NULL, QUEUE_SELECT, queue_cols, "name",
	check_queue, queue_pre_delete, NULL,
};
static const char *const queue_sortable[] = {"name", "number", "priority",
					     "created_at", "updated_at", NULL};
static const char *const queue_text[] = {"name", "number", NULL};
static const struct list_filter queue_filters[] = {
	{"number", "number", F_STRING, NULL},
	{"strategy", "strategy", F_STRING, NULL},
	{"enabled", "enabled", F_BOOLEAN, NULL},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec queue_list = {
	"queues", QUEUE_SELECT, queue_sortable, "name", false, queue_text,
	queue_filters, false,
};

CRUD_HANDLERS(queues, queue_spec, queue_list)

/* ---- callback requests (a caller who left a queue with its key) ---- */

#define CALLBACK_SELECT "id, queue_id, call_id, caller, status, note, " \
	"agent_id, created_at, updated_at"

static const struct crud_col callback_cols[] = {
	{"status", C_TEXT, false, 1, 16, NULL, false, false},
	{"note", C_TEXT, false, 0, 500, NULL, false, false},
	{"agent_id", C_TEXT_NULL, false, 0, 0, NULL, false, false},
	{NULL, 0, false, 0, 0, NULL, false, false},
};

static int check_callback(struct db *db, struct api_req *req, json_t *row,
			  bool creating)
{
	static const char *const statuses[] = {"pending", "done", "failed",
					       "cancelled", NULL};
	const char *agent = json_string_value(json_object_get(row,
							      "agent_id"));

	(void)creating;
	if (!crud_in_set(statuses, json_string_value(json_object_get(
				 row, "status"))))
		return api_fail(req, 400, "invalid_field", "field 'status': "
				"pending, done, failed or cancelled");
	return agent ? crud_check_ref(db, req, "agents", "agent_id", agent)
		     : 0;
}

static const struct crud_spec callback_spec = {
	"callback_requests", "callback request", NULL, CALLBACK_SELECT,
	callback_cols, NULL, check_callback, NULL, NULL,
};
static const char *const callback_sortable[] = {"created_at", "updated_at",
						NULL};
static const char *const callback_text[] = {"caller", "note", NULL};
static const struct list_filter callback_filters[] = {
	{"status", "status", F_STRING, NULL},
	{"queue_id", "queue_id", F_STRING, NULL},
	{"agent_id", "agent_id", F_STRING, NULL},
	{"from", "created_at", F_INTEGER, ">="},
	{"to", "created_at", F_INTEGER, "<"},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec callback_list = {
	"callback_requests", CALLBACK_SELECT, callback_sortable, "created_at",
	false, callback_text, callback_filters, false,
};

static void callbacks_fix_row(json_t *row)
{
	crud_fix(&callback_spec, row);
}

HANDLER(callbacks_list)
{
	return list_run(db, req, &callback_list, NULL, NULL,
			callbacks_fix_row);
}

HANDLER(callbacks_get)
{
	return crud_get(db, req, &callback_spec);
}

HANDLER(callbacks_update)
{
	return crud_update(db, req, &callback_spec);
}

/* ---- the agent state log ---- */

#define STATE_SELECT "id, agent_id, state, reason, started_at, ended_at"

static const char *const state_sortable[] = {"started_at", NULL};
static const char *const state_text[] = {"state", "reason", NULL};
static const struct list_filter state_filters[] = {
	{"agent_id", "agent_id", F_STRING, NULL},
	{"state", "state", F_STRING, NULL},
	{"from", "started_at", F_INTEGER, ">="},
	{"to", "started_at", F_INTEGER, "<"},
	{NULL, NULL, 0, NULL},
};
static const struct list_spec state_list = {
	"agent_states", STATE_SELECT, state_sortable, "started_at", true,
	state_text, state_filters, false,
};

HANDLER(agent_states_list)
{
	return list_run(db, req, &state_list, NULL, NULL, NULL);
}
