/*
 * server.h — the HTTP server: console files, /metrics and the REST API.
 */
#ifndef HOTLINE_API_SERVER_H
#define HOTLINE_API_SERVER_H

struct api_server;
struct store;

/* data_dir: --data; voice files live under it (must outlive srv). */
int  api_server_start(struct api_server **srvp, const char *addr,
		      struct store *store, const char *web_dir,
		      const char *data_dir, long session_hours,
		      long max_body);
/* The URL browsers register at over SIP on WebSocket (ws:// or wss://),
   for GET /api/v1/workbench/phone; call before the loop serves requests. */
void api_server_set_sip_ws_url(struct api_server *srv, const char *url);
/* After every successful change made through a route flagged
   ROUTE_TELEPHONY (extensions, trunks, routes...), h runs on the control
   thread before the reply is sent; the reply goes out when h calls
   done(ctx), i.e. once the telephony directory holds the change. */
typedef void (api_change_h)(void *arg, void (*done)(void *ctx), void *ctx);
void api_server_on_change(struct api_server *srv, api_change_h *h, void *arg);
/* Live state owned by the control thread (calls in progress...): the
   function answers the ROUTE_CONTROL route called `name` after the request
   passed authentication and permissions. It fills req->status/resp with
   api_ok()/api_fail() (see api.h). */
struct api_req;
typedef void (api_control_h)(struct api_req *req, void *arg);
int  api_server_add_control(struct api_server *srv, const char *name,
			    api_control_h *fn, void *arg);
/* A control function that cannot answer at once (it waits for a worker)
   calls api_server_defer(req) before returning, and later, on the control
   thread, api_server_resume(req, work): work (NULL: none) runs first on a
   store reader, where it may read files or query, and sets the answer;
   then the answer is sent. Resume only after the control function has
   returned. */
struct db;
void api_server_defer(struct api_req *req);
void api_server_resume(struct api_req *req,
		       int (*work)(struct db *db, struct api_req *req));
/* A control function that takes the request's connection over (a
   WebSocket upgrade) calls this instead of answering: the request ends
   without a reply, and the caller mem_refs the connection it keeps. */
struct httpd_conn;
struct httpd_conn *api_server_take_conn(struct api_req *req);
/* Call after store_close(): late results still reach their requests. */
void api_server_stop(struct api_server *srv);

#endif
