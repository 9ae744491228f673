/*
 * live_calls.c — calls in progress, from the call engine's memory: the
 * list (GET /api/v1/calls/live) and a forced hang-up (DELETE
 * /api/v1/calls/live/{id}), and its recording started, paused, resumed or
 * stopped (POST /api/v1/calls/live/{id}/recording). They run on the
 * control thread, which owns the calls.
 */
#include <errno.h>
#include <string.h>
#include "api.h"
#include "live_calls.h"
#include "server.h"
#include "../call/b2bua.h"

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
	};
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(routes) / sizeof(*routes); i++)
		err = api_server_add_control(srv, routes[i].name, routes[i].fn,
					     b);
	return err;
}
