/*
 * live_calls.h — the API's view of calls in progress.
 */
#ifndef HOTLINE_API_LIVE_CALLS_H
#define HOTLINE_API_LIVE_CALLS_H

struct api_server;
struct b2bua;

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

int live_calls_register(struct api_server *srv, struct b2bua *b);
/* How an agent call action's error (b2bua_agent_action) is told: the
   HTTP status, the error code and its message (the REST route and the
   WebSocket "call" command answer alike). */
uint16_t agent_action_error(int err, const char *action, const char **code,
			    char *msg, size_t size);
struct originate_refusal;
/* Click-to-call for an agent (b2bua_agent_dial) from a request body
   {number, caller_id?}: 0 with call_id set, else the HTTP status with
   the error code and message (the REST route and the WebSocket "dial"
   command answer alike). */
uint16_t agent_dial(struct b2bua *b, const char *tenant_id,
		    const char *agent_id, const json_t *body, char *call_id,
		    const char **code, char *msg, size_t size);

#endif
