/*
 * ws.h — the WebSocket endpoint /api/v1/ws (docs/ws.md): the agent
 * workbench's commands and the live boards' events, pushed from the event
 * bus. Control thread only.
 */
#ifndef HOTLINE_API_WS_H
#define HOTLINE_API_WS_H

#include <stdbool.h>

struct acd;
struct api_server;
struct bus;
struct directory;
struct http_msg;
struct store;
struct ws_hub;
struct b2bua;

/* Serves /api/v1/ws on srv with events from bus; acd, dir and b2bua (the
   agents' call controls) may be NULL (no telephony: agent commands answer
   "unavailable"). The store checks
   every WS_CHECK_S that each connection's session or API key is still
   valid (logged out, expired, disabled: closed with 1008). */
int  ws_hub_alloc(struct ws_hub **hp, struct api_server *srv,
		  struct store *store, struct bus *bus, struct acd *acd,
		  const struct directory *dir, struct b2bua *b2bua);
/* Closes every connection (1001 going away) and leaves the bus. After
   store_close(): no credential check is then in flight. */
void ws_hub_free(struct ws_hub *hub);

/* What the handshake needs from the upgrade request, read on the control
   thread before authentication (server.c keeps it in the request). */
struct ws_upgrade {
	char key[32];          /* Sec-WebSocket-Key */
	char origin[256];      /* "" when none */
	char host[256];
	bool cookie;           /* the session token came from the cookie */
};
/* 0, or the HTTP status (400, 426) with *code and *message for the
   refusal. */
int  ws_upgrade_parse(const struct http_msg *msg, struct ws_upgrade *u,
		      const char **code, const char **message);

#endif
