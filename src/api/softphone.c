/*
 * softphone.c — what the workbench's browser phone needs to register
 * (docs/guide.md, "The agent workbench"; decision 60): the extension bound
 * to the caller's own agent, its SIP user and password, the tenant's SIP
 * domain, and where the daemon listens for SIP over WebSocket.
 *
 * Self-scoped on purpose: only the agent linked to the signed-in user
 * (agents.user_id), never another agent (no ?agent_id=, even for a
 * supervisor who may work for others on the workbench), so the `workbench`
 * menu key gives an agent their own phone's password and nothing else.
 * 404 when no agent is linked or the agent has no extension.
 */
#include <errno.h>
#include "api.h"

HANDLER(softphone_get)
{
	json_t *row = NULL, *body;
	const char *url = req->settings->sip_ws_url;
	int err;

	if (!req->who.user_id[0])
		return api_fail(req, 404, "no_agent", "an API key has no agent "
				"of its own");
	err = db_query_one(db, &row, "SELECT e.number, e.password, "
			   "COALESCE(t.sip_domain, t.code) AS domain FROM "
			   "agents a JOIN extensions e ON e.id = a.extension_id "
			   "AND e.tenant_id = a.tenant_id JOIN tenants t ON "
			   "t.id = a.tenant_id WHERE a.tenant_id = ? AND "
			   "a.user_id = ?",
			   json_pack("[ss]", req->who.tenant_id,
				     req->who.user_id));
	if (err == ENOENT)
		return api_fail(req, 404, "no_agent", "no agent with an "
				"extension is linked to your user (an "
				"administrator links one on the Agents page)");
	if (err)
		return err;
	body = json_pack("{s:O,s:O,s:O,s:O,s:o}", "number",
			 json_object_get(row, "number"), "sip_user",
			 json_object_get(row, "number"), "password",
			 json_object_get(row, "password"), "domain",
			 json_object_get(row, "domain"), "ws_url",
			 *url ? json_string(url) : json_null());
	json_decref(row);
	if (!body)
		return ENOMEM;
	return api_ok(req, 200, body);
}
