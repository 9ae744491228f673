/*
 * httpd.h — HTTP/1.1 server connections on the libre loop (control thread).
 * One request at a time per connection; its reply may come later.
 */
#ifndef HOTLINE_API_HTTPD_H
#define HOTLINE_API_HTTPD_H

#include <stddef.h>
#include <stdint.h>

struct httpd;
struct httpd_conn;   /* libre-allocated: mem_ref it to answer later */
struct http_msg;
struct sa;

typedef void (httpd_req_h)(struct httpd_conn *conn,
			   const struct http_msg *msg, void *arg);

/* The server is libre memory: mem_deref() it to stop listening. */
int httpd_listen(struct httpd **srvp, const struct sa *laddr,
		 size_t max_body, httpd_req_h *reqh, void *arg);
/* Sends "HTTP/1.1 status reason", then fmt (headers, blank line, body;
   re_printf format, %b for binary). Exactly one reply per request. */
int httpd_reply(struct httpd_conn *conn, uint16_t status, const char *reason,
		const char *fmt, ...);
const struct sa *httpd_conn_peer(const struct httpd_conn *conn);

#endif
