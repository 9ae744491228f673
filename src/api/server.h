/*
 * server.h — the HTTP server: console files, /metrics and the REST API.
 */
#ifndef HOTLINE_API_SERVER_H
#define HOTLINE_API_SERVER_H

struct api_server;
struct store;

int  api_server_start(struct api_server **srvp, const char *addr,
		      struct store *store, const char *web_dir,
		      long session_hours, long max_body);
/* h runs on the control thread after every successful change made through
   a route flagged ROUTE_TELEPHONY (extensions, trunks, routes...). */
void api_server_on_change(struct api_server *srv, void (*h)(void *arg),
			  void *arg);
/* Call after store_close(): late results still reach their requests. */
void api_server_stop(struct api_server *srv);

#endif
