/*
 * live_calls.c — calls in progress, from the call engine's memory: the
 * list (GET /api/v1/calls/live) and a forced hang-up (DELETE
 * /api/v1/calls/live/{id}), and its recording started, paused, resumed or
 * stopped (POST /api/v1/calls/live/{id}/recording), and a supervisor
 * monitoring it (POST and DELETE /api/v1/calls/live/{id}/monitor, the
 * `monitor` menu, scoped to the agent's department), an agent's call
 * controls and click-to-call (POST /api/v1/agents/{id}/call, /dial).
 * They run on the control thread, which owns the calls.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "api.h"
#include "crud.h"
#include "live_calls.h"
#include "server.h"
#include "../call/b2bua.h"
#include "../sip/directory.h"

static void list_live(struct api_req *req, void *arg)
{
	json_t *items = b2bua_live_calls(arg, req->who.tenant_id);

	api_ok(req, 200, json_pack("{sosI}", "items", items, "total",
				   (json_int_t)json_array_size(items)));
}

static void hangup(struct api_req *req, void *arg)
{
	if (b2bua_hangup(arg, req->who.tenant_id, req->id) == ENOENT)
		api_fail(req, 404, "not_found", "no call in progress with id "
			 "'%s'", req->id);
	else
		api_ok(req, 204, NULL);
}

static void recording(struct api_req *req, void *arg)
{
	const char *action = json_string_value(json_object_get(req->body,
								 "action"));
	json_t *state = NULL;
	int err;

	if (!action || (strcmp(action, "start") && strcmp(action, "stop") &&
			strcmp(action, "pause") && strcmp(action, "resume"))) {
		api_fail(req, 400, "invalid_field", "'action': one of start, "
			 "pause, resume, stop");
		return;
	}
	err = b2bua_recording(arg, req->who.tenant_id, req->id, action,
			      &state);
	switch (err) {
	case 0:
		api_ok(req, 200, state);
		return;
	case ENOENT:
		api_fail(req, 404, "not_found", "no call in progress with id "
			 "'%s'", req->id);
		break;
	case EPERM:
		api_fail(req, 409, "not_answered", "the call is not answered "
			 "yet");
		break;
	case EALREADY:
		api_fail(req, 409, "conflict", "the recording is already %s",
			 json_string_value(json_object_get(state,
							   "recording")));
		break;
	default:
		api_fail(req, 503, "unavailable", "call recording is off: %s",
			 strerror(err));
		break;
	}
	json_decref(state);
}

static void participants(struct api_req *req, void *arg)
{
	json_t *items = b2bua_room_participants(arg, req->who.tenant_id,
						 req->id);

	api_ok(req, 200, json_pack("{sosI}", "items", items, "total",
				   (json_int_t)json_array_size(items)));
}

static void conference_mute(struct api_req *req, void *arg)
{
	json_t *muted = json_object_get(req->body, "muted");

	if (!json_is_boolean(muted)) {
		api_fail(req, 400, "invalid_field", "'muted': true or false");
		return;
	}
	if (b2bua_conference_mute(arg, req->who.tenant_id, req->id,
				  json_is_true(muted)) == ENOENT) {
		api_fail(req, 404, "not_found", "no conference participant "
			 "with call id '%s'", req->id);
		return;
	}
	api_ok(req, 200, json_pack("{sssb}", "call_id", req->id, "muted",
				   json_is_true(muted)));
}

/* A supervisor acts on agents of their data scope only: the call's
   agent must be in it (a call no agent took: a tenant-wide scope). */
static bool call_in_scope(struct api_req *req, struct b2bua *b)
{
	char agent_id[ID_LEN];
	const struct dir_agent *a;

	if (b2bua_call_agent(b, req->who.tenant_id, req->id, agent_id)) {
		api_fail(req, 404, "not_found", "no call in progress with id "
			 "'%s'", req->id);
		return false;
	}
	a = agent_id[0] ? directory_agent(b2bua_directory(b),
					  req->who.tenant_id, agent_id)
			: NULL;
	if (req->who.scope == SCOPE_TENANT ||
	    (a && principal_scopes(&req->who, a->department_id,
				   a->dept_path)))
		return true;
	api_fail(req, 403, "forbidden", "the call's agent is outside your "
		 "data scope");
	return false;
}

static void monitor_failed(struct api_req *req, int err, const char *mode,
			   const char *phone)
{
	switch (err) {
	case EINVAL:
		api_fail(req, 400, "invalid_field", "'mode': listen, whisper, "
			 "barge or intercept");
		break;
	case EPERM:
		api_fail(req, 409, "not_talking", "the call is not an answered "
			 "two-party call");
		break;
	case ELOOP:
		api_fail(req, 409, "conflict", "phone '%s' is on this call",
			 phone);
		break;
	case EBUSY:
		api_fail(req, 409, "conflict", "the call is already monitored "
			 "from another phone");
		break;
	case EINPROGRESS:
		api_fail(req, 409, "conflict", "the agent is consulting a "
			 "third party; monitor when the consultation is over");
		break;
	case ENODEV:
		api_fail(req, 409, "phone_unreachable", "extension '%s' does "
			 "not exist, is disabled or has no registered phone",
			 phone);
		break;
	case EALREADY:
		api_fail(req, 409, "conflict", "the call is already in %s "
			 "mode", mode);
		break;
	default:
		api_fail(req, 500, "internal", "%s", strerror(err));
		break;
	}
}

static void monitor(struct api_req *req, void *arg)
{
	const char *mode = json_string_value(json_object_get(req->body,
							       "mode"));
	const char *phone = json_string_value(json_object_get(req->body,
								"phone"));
	int err;

	if (!mode) {
		api_fail(req, 400, "invalid_field", "'mode': listen, whisper, "
			 "barge or intercept");
		return;
	}
	if (!phone || !*phone || strlen(phone) > 32) {
		api_fail(req, 400, "invalid_field", "'phone': the extension "
			 "number to ring for the supervisor");
		return;
	}
	if (!call_in_scope(req, arg))
		return;
	err = b2bua_monitor(arg, req->who.tenant_id, req->id, mode, phone,
			    req->who.username);
	if (err == ENOENT)
		api_fail(req, 404, "not_found", "no call in progress with id "
			 "'%s'", req->id);
	else if (err)
		monitor_failed(req, err, mode, phone);
	else
		api_ok(req, 200, b2bua_live_call(arg, req->who.tenant_id,
						 req->id));
}

static void monitor_stop(struct api_req *req, void *arg)
{
	if (!call_in_scope(req, arg))
		return;
	if (b2bua_monitor_stop(arg, req->who.tenant_id, req->id))
		api_fail(req, 404, "not_found", "call '%s' is not monitored",
			 req->id);
	else
		api_ok(req, 204, NULL);
}

uint16_t agent_action_error(int err, const char *action, const char **code,
			    char *msg, size_t size)
{
	bool dtmf = !strcmp(action, "dtmf");
	bool consult = !strncmp(action, "consult_", 8);
	uint16_t status = 409;
	const char *text;

	*code = "conflict";
	switch (err) {
	case ENOENT:
		*code = "no_call";
		text = "the agent is on no call (or not on that one)";
		break;
	case ETOOMANYREFS:
		*code = "several_calls";
		text = "the agent has several calls: say which with 'call_id'";
		break;
	case ENXIO:
		status = 404;
		*code = "not_found";
		text = consult ? "no such extension or agent, or no phone of "
				 "theirs is registered"
			       : "no such transfer target";
		break;
	case ESRCH:
		*code = "no_consultation";
		text = "the agent is consulting nobody";
		break;
	case EPERM:
		*code = "not_talking";
		text = consult ? "the consulted party has not answered (or "
				 "the call is not answered)"
			       : "the call is not answered";
		break;
	case EALREADY:
		text = "the call is already so";
		break;
	case EBUSY:
		text = dtmf ? "not while a supervisor is on the call, while "
			      "consulting, or on hold or muted"
			    : "not while a supervisor is on the call or while "
			      "consulting (hang up or end the consultation)";
		break;
	case ELOOP:
		text = consult ? "the agent cannot consult their own phone"
			       : "the call is already this agent's";
		break;
	case EACCES:
		*code = "no_route";
		text = "no outbound route of the tenant allows this number";
		break;
	case EINVAL:
		status = 400;
		*code = "invalid_field";
		text = dtmf ? "'target': 1 to 32 keys of 0-9, *, #, A-D"
			    : "'target': 2 to 32 digits, optionally after +";
		break;
	default:
		status = 500;
		*code = "internal";
		text = strerror(err);
		break;
	}
	snprintf(msg, size, "%s", text);
	return status;
}

uint16_t agent_dial(struct b2bua *b, const char *tenant_id,
		    const char *agent_id, const json_t *body, char *call_id,
		    const char **code, char *msg, size_t size)
{
	const char *number = json_string_value(json_object_get(body, "number"));
	const json_t *cid = json_object_get(body, "caller_id");
	struct originate_refusal refusal = {0, NULL};
	int err;

	*code = "invalid_field";
	if (!number || !*number || strlen(number) > 32 ||
	    strspn(number, "0123456789*#+") != strlen(number)) {
		snprintf(msg, size, "'number': 1 to 32 of 0-9, *, #, +");
		return 400;
	}
	if (cid && !json_is_null(cid) && (!json_is_string(cid) ||
	    (*json_string_value(cid) &&
	     !crud_number_valid(json_string_value(cid), false)))) {
		snprintf(msg, size, "'caller_id': a number of the outbound "
			 "route's pool (digits, optional +)");
		return 400;
	}
	err = b2bua_agent_dial(b, tenant_id, agent_id, number,
			       json_string_value(cid), call_id, &refusal);
	switch (err) {
	case 0:
		return 0;
	case ENOENT:
		*code = "not_found";
		snprintf(msg, size, "no agent with id '%s'", agent_id);
		return 404;
	case ENOTSUP:
		*code = "external_phone";
		snprintf(msg, size, "the agent works on an outside number: "
			 "click-to-call rings an extension");
		return 409;
	case ENODEV:
		*code = "phone_unreachable";
		snprintf(msg, size, "the agent's phone is no enabled extension "
			 "or has no device registered");
		return 409;
	case ELOOP:
		snprintf(msg, size, "'number': the agent's own phone");
		return 400;
	case EBUSY:
		*code = "over_capacity";
		snprintf(msg, size, "the tenant is at its limit of concurrent "
			 "calls");
		return 503;
	case EACCES:
		*code = refusal.status;
		snprintf(msg, size, "the outbound routes refuse '%s' (%s)",
			 number, refusal.status);
		return refusal.code == 404 || refusal.code == 503
			? refusal.code : 403;
	default:
		*code = "internal";
		snprintf(msg, size, "%s", strerror(err));
		return 500;
	}
}

/* The agent of the route's {id}, in the caller's data scope; NULL: the
   request was answered 404 or 403. */
static const struct dir_agent *scoped_agent(struct api_req *req,
					    struct b2bua *b)
{
	const struct dir_agent *a = directory_agent(b2bua_directory(b),
						    req->who.tenant_id,
						    req->id);

	if (!a) {
		api_fail(req, 404, "not_found", "no agent with id '%s'",
			 req->id);
		return NULL;
	}
	if (!principal_scopes(&req->who, a->department_id, a->dept_path)) {
		api_fail(req, 403, "forbidden", "the agent is outside your "
			 "data scope");
		return NULL;
	}
	return a;
}

/* POST /api/v1/agents/{id}/dial: click-to-call on the agent's phone. */
static void agent_dial_route(struct api_req *req, void *arg)
{
	char call_id[ID_LEN], msg[160];
	const char *code;
	uint16_t status;

	if (!scoped_agent(req, arg))
		return;
	status = agent_dial(arg, req->who.tenant_id, req->id, req->body,
			    call_id, &code, msg, sizeof(msg));
	if (status)
		api_fail(req, status, code, "%s", msg);
	else
		api_ok(req, 202, json_pack("{ssss}", "call_id", call_id,
					   "agent_id", req->id));
}

/* POST /api/v1/agents/{id}/call: the agent's call controls. */
static void agent_call(struct api_req *req, void *arg)
{
	const char *action = json_string_value(json_object_get(req->body,
								 "action"));
	json_t *t = json_object_get(req->body, "target");
	struct agent_action act = {
		.target = json_string_value(t),
		.call_id = json_string_value(json_object_get(req->body,
							     "call_id"))};
	int err;

	if (!scoped_agent(req, arg))
		return;
	if (agent_action_parse(action, &act.kind)) {
		api_fail(req, 400, "invalid_field", "'action': hangup, hold, "
			 "unhold, mute, unmute, dtmf, transfer_extension, "
			 "transfer_agent, transfer_queue, transfer_ivr, "
			 "transfer_external, consult_extension, consult_agent, "
			 "consult_transfer, consult_threeway or "
			 "consult_cancel");
		return;
	}
	if (agent_action_needs_target(act.kind) &&
	    (!act.target || !*act.target || strlen(act.target) > 64)) {
		api_fail(req, 400, "invalid_field", "'target': required for "
			 "%s", action);
		return;
	}
	err = b2bua_agent_action(arg, req->who.tenant_id, req->id, &act);
	if (err) {
		const char *code;
		char msg[128];
		uint16_t status = agent_action_error(err, action, &code, msg,
						     sizeof(msg));

		api_fail(req, status, code, "%s", msg);
	} else
		api_ok(req, 200, json_pack("{ssss}", "agent_id", req->id,
					   "action", action));
}

int live_calls_register(struct api_server *srv, struct b2bua *b)
{
	static const struct {
		const char *name;
		void (*fn)(struct api_req *, void *);
	} routes[] = {
		{"calls.live", list_live}, {"calls.hangup", hangup},
		{"calls.recording", recording},
		{"conference_rooms.participants", participants},
		{"calls.conference", conference_mute},
		{"calls.monitor", monitor},
		{"calls.monitor_stop", monitor_stop},
		{"agents.call", agent_call},
		{"agents.dial", agent_dial_route},
	};
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(routes) / sizeof(*routes); i++)
		err = api_server_add_control(srv, routes[i].name, routes[i].fn,
					     b);
	return err;
}
