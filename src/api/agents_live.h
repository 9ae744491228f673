/*
 * agents_live.h — the API's view of agents and queues at run time.
 */
#ifndef HOTLINE_API_AGENTS_LIVE_H
#define HOTLINE_API_AGENTS_LIVE_H

#include <stddef.h>
#include <stdint.h>

struct api_server;
struct acd;

int agents_live_register(struct api_server *srv, struct acd *acd);
/* An agent control's error (acd.h's codes) as an HTTP status, an error
   code and a message (the REST routes and the WebSocket commands). */
uint16_t agent_control_error(int err, const char *agent_id,
			     const char *already, const char **code,
			     char *msg, size_t size);

#endif
