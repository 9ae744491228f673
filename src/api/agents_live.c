/*
 * agents_live.c — agents and queues at run time (src/acd), on the control
 * thread that owns them: an agent logs in (idle, or busy with a reason),
 * changes state, logs out (a supervisor may do it for them: the same
 * routes, with the `agents` menu's write permission, for the agents of
 * their data scope); the live state of the tenant's agents and queues. The history of states is a store query
 * (GET /api/v1/agent-states, in acd_api.c).
 */
#include <errno.h>
#include <string.h>
#include "api.h"
#include "agents_live.h"
#include "server.h"
#include "../acd/acd.h"
#include "../sip/directory.h"

/* A supervisor acts on the agents of their data scope only. */
static bool agent_in_scope(struct api_req *req, struct acd *acd,
			   const char *agent_id)
{
	const struct dir_agent *a = directory_agent(acd_directory(acd),
						    req->who.tenant_id,
						    agent_id);

	return !a || principal_scopes(&req->who, a->department_id,
				      a->dept_path);
}

static bool may_control(struct api_req *req, struct acd *acd)
{
	if (agent_in_scope(req, acd, req->id))
		return true;
	api_fail(req, 403, "forbidden", "the agent is outside your data "
		 "scope");
	return false;
}

static bool state_of(struct api_req *req, bool *busy, const char **reason,
		     bool required)
{
	const char *state = json_string_value(json_object_get(req->body,
								"state"));
	json_t *r = json_object_get(req->body, "reason");

	*busy = state && !strcmp(state, "busy");
	*reason = json_string_value(r);
	if ((required || state) &&
	    (!state || (strcmp(state, "idle") && strcmp(state, "busy")))) {
		api_fail(req, 400, "invalid_field", "'state': idle or busy");
		return false;
	}
	if (r && (!json_is_string(r) || strlen(*reason) > 32)) {
		api_fail(req, 400, "invalid_field", "'reason': text of at "
			 "most 32 characters");
		return false;
	}
	return true;
}

bool agent_phone_valid(const char *phone)
{
	return phone && (!strcmp(phone, "external") ||
			 (*phone && strlen(phone) <= 32 &&
			  strspn(phone, "0123456789") == strlen(phone)));
}

uint16_t agent_control_error(int err, const char *agent_id,
			     const char *already, const char **code,
			     char *msg, size_t size)
{
	uint16_t status = 409;

	switch (err) {
	case ENOENT:
		status = 404;
		*code = "not_found";
		snprintf(msg, size, "no agent with id '%s'", agent_id);
		break;
	case EINVAL:
		*code = "cannot_login";
		snprintf(msg, size, "the agent is disabled or has no such "
			 "phone (no bound extension or outside number: choose "
			 "one with 'phone')");
		break;
	case ENODEV:
		status = 400;
		*code = "invalid_field";
		snprintf(msg, size, "'phone': no enabled extension of the "
			 "tenant with that number");
		break;
	case EADDRINUSE:
		*code = "phone_in_use";
		snprintf(msg, size, "another agent logged in works on that "
			 "phone");
		break;
	case EALREADY:
		*code = "conflict";
		snprintf(msg, size, "the agent is already %s", already);
		break;
	case EBUSY:
		*code = "on_a_call";
		snprintf(msg, size, "the agent is on a call");
		break;
	case EPERM:
		*code = "offline";
		snprintf(msg, size, "the agent is not logged in");
		break;
	default:
		status = 500;
		*code = "internal";
		snprintf(msg, size, "%s", strerror(err));
		break;
	}
	return status;
}

static void answer(struct api_req *req, struct acd *acd, int err,
		   const char *already)
{
	json_t *row;

	if (err) {
		const char *code;
		char msg[128];
		uint16_t status = agent_control_error(err, req->id, already,
						      &code, msg, sizeof(msg));

		api_fail(req, status, code, "%s", msg);
		return;
	}
	row = acd_agent_live(acd, req->who.tenant_id, req->id);
	if (row)
		api_ok(req, 200, row);
	else
		api_fail(req, 404, "not_found", "no agent with id '%s'",
			 req->id);
}

/* The phone chosen at login: absent, an extension number, or "external". */
static bool phone_of(struct api_req *req, const char **phone)
{
	json_t *p = json_object_get(req->body, "phone");

	*phone = json_string_value(p);
	if (!p || json_is_null(p) || agent_phone_valid(*phone))
		return true;
	api_fail(req, 400, "invalid_field", "'phone': an extension number, "
		 "\"external\" (the agent's outside number), or absent for "
		 "the agent's bound phone");
	return false;
}

static void login(struct api_req *req, void *arg)
{
	const char *reason, *phone;
	bool busy;

	if (may_control(req, arg) && state_of(req, &busy, &reason, false) &&
	    phone_of(req, &phone))
		answer(req, arg, acd_agent_login(arg, req->who.tenant_id,
						 req->id, busy, reason, phone),
		       "logged in");
}

static void logout(struct api_req *req, void *arg)
{
	if (may_control(req, arg))
		answer(req, arg, acd_agent_logout(arg, req->who.tenant_id,
						  req->id), "logged out");
}

static void set_state(struct api_req *req, void *arg)
{
	const char *reason;
	bool busy;

	if (may_control(req, arg) && state_of(req, &busy, &reason, true))
		answer(req, arg, acd_agent_set(arg, req->who.tenant_id,
					       req->id, busy, reason), "so");
}

static void agents_live(struct api_req *req, void *arg)
{
	json_t *items = acd_agents_live(arg, req->who.tenant_id), *row;
	size_t i = 0;

	while ((row = json_array_get(items, i))) {
		if (agent_in_scope(req, arg, json_string_value(
				json_object_get(row, "id"))))
			i++;
		else
			json_array_remove(items, i);
	}

	api_ok(req, 200, json_pack("{s:o,s:I}", "items", items, "total",
				   (json_int_t)json_array_size(items)));
}

static void queues_live(struct api_req *req, void *arg)
{
	json_t *items = acd_queues_live(arg, req->who.tenant_id);

	api_ok(req, 200, json_pack("{s:o,s:I}", "items", items, "total",
				   (json_int_t)json_array_size(items)));
}

int agents_live_register(struct api_server *srv, struct acd *acd)
{
	static const struct {
		const char *name;
		void (*fn)(struct api_req *, void *);
	} routes[] = {
		{"agents.login", login}, {"agents.logout", logout},
		{"agents.state", set_state}, {"agents.live", agents_live},
		{"queues.live", queues_live},
	};
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(routes) / sizeof(*routes); i++)
		err = api_server_add_control(srv, routes[i].name, routes[i].fn,
					     acd);
	return err;
}
