/*
 * ws_internal.h — what ws.c (connections, frames, events) and ws_cmd.c
 * (the protocol's commands) share. Internal to src/api.
 */
#ifndef HOTLINE_API_WS_INTERNAL_H
#define HOTLINE_API_WS_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include "../core/libre.h"
#include "../core/ids.h"
#include "api.h"

enum {
	WS_MAX_MESSAGE = 64 * 1024,     /* a client's message, assembled */
	WS_MAX_AGENT_SUBS = 32,         /* agent topics per connection */
	WS_PING_S = 25,                 /* quiet this long: we ping */
	WS_DEAD_S = 70,                 /* nothing at all this long: gone */
	WS_CLOSE_WAIT_MS = 2000,        /* for the peer's close frame */
	WS_MAX_QUEUED = 4 * 1024 * 1024,/* unsent bytes: a stuck reader */
	WS_CHECK_S = 10,                /* credentials checked again */
};

/* What the principal may do here, from its menu permissions at connect. */
enum ws_perm {
	WS_WORKBENCH_READ = 1 << 0, WS_WORKBENCH_WRITE = 1 << 1,
	WS_AGENTS_READ = 1 << 2, WS_AGENTS_WRITE = 1 << 3,
	WS_QUEUES_READ = 1 << 4,
};

struct ws_hub {
	struct list conns;
	struct store *store;
	uint64_t next_seq;
	struct tmr check_tmr;
	bool checking;                  /* a credential check is running */
	struct api_server *srv;
	struct bus *bus;
	struct acd *acd;                /* NULL: no telephony */
	const struct directory *dir;
	struct b2bua *b2bua;            /* NULL: no call controls */
};

struct ws_conn {
	struct le le;                   /* in hub->conns */
	struct ws_hub *hub;
	struct httpd_conn *http;        /* our reference; NULL when freed */
	uint64_t seq;                   /* names it to a credential check */
	bool by_key;                    /* an API key, else a session */
	char credential[65];            /* the session's hash or the key id */
	char tenant_id[ID_LEN];
	char user_id[ID_LEN];           /* "": an API key */
	char username[128];
	char ip[64];
	unsigned perms;                 /* enum ws_perm */
	enum data_scope scope;          /* whose agents: decision 9 */
	char department_id[ID_LEN];     /* the caller's, "" when none */
	/* subscriptions */
	bool all_agents, queues;
	char agents[WS_MAX_AGENT_SUBS][ID_LEN];
	size_t nagents;
	/* receiving */
	struct mbuf *in;                /* bytes not parsed yet */
	struct mbuf *msg;               /* a fragmented message so far */
	bool in_message;
	int64_t last_seen;
	struct tmr ping_tmr;
	/* closing */
	bool closing;                   /* our close frame went out */
	bool broken;                    /* input we cannot read: dropped */
	bool gone;                      /* the connection is over */
	struct tmr close_tmr;
	struct tmr free_tmr;
};

/* ws.c */
int  ws_send_json(struct ws_conn *c, json_t *obj);   /* takes obj */

/* ws_cmd.c */
void ws_command(struct ws_conn *c, const char *text, size_t len);
json_t *ws_hello(struct ws_conn *c);
bool ws_wants(const struct ws_conn *c, const char *type, json_t *data);

#endif
