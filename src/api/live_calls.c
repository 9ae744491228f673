/*
 * live_calls.c — calls in progress, from the call engine's memory: the
 * list (GET /api/v1/calls/live) and a forced hang-up (DELETE
 * /api/v1/calls/live/{id}). Both run on the control thread, which owns
 * the calls.
 */
#include <errno.h>
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

int live_calls_register(struct api_server *srv, struct b2bua *b)
{
	int err = api_server_add_control(srv, "calls.live", list_live, b);

	return err ? err : api_server_add_control(srv, "calls.hangup", hangup,
						  b);
}
