/*
 * httpd.h — HTTP/1.1 server connections on the libre loop (control thread).
 * One request at a time per connection; its reply may come later.
 */
#ifndef HOTLINE_API_HTTPD_H
#define HOTLINE_API_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct httpd;
struct httpd_conn;   /* libre-allocated: mem_ref it to answer later */
struct http_msg;
struct mbuf;
struct sa;

typedef void (httpd_req_h)(struct httpd_conn *conn,
			   const struct http_msg *msg, void *arg);

/* The largest body a request may have, decided from its headers; over it
   the answer is 413 with code/message as the error. */
struct httpd_limit {
	size_t max_body;
	const char *code;
	const char *message;     /* no quotes: goes into JSON as is */
};
typedef void (httpd_limit_h)(const struct http_msg *msg,
			     struct httpd_limit *lim, void *arg);
typedef void (httpd_drained_h)(void *arg);

/* The server is libre memory: mem_deref() it to stop listening. */
int httpd_listen(struct httpd **srvp, const struct sa *laddr,
		 size_t max_body, httpd_req_h *reqh, void *arg);
/* Sends "HTTP/1.1 status reason", then fmt (headers, blank line, body;
   re_printf format, %b for binary). Exactly one reply per request. */
int httpd_reply(struct httpd_conn *conn, uint16_t status, const char *reason,
		const char *fmt, ...);
const struct sa *httpd_conn_peer(const struct httpd_conn *conn);
/* lim starts as max_body of httpd_listen; h may raise or lower it. */
void httpd_set_limit_handler(struct httpd *srv, httpd_limit_h *h, void *arg);

/* A streamed reply, instead of httpd_reply: begin sends the status line
   and headers (with the Content-Length of everything to come), write
   queues body bytes (copied), end finishes it (complete false: the body
   fell short, the connection closes). on_drained: h(arg) runs once from
   the loop when libre's send queue is empty, or the connection closed
   (httpd_conn_open says which). The caller holds a mem_ref on conn. */
int  httpd_stream_begin(struct httpd_conn *conn, uint16_t status,
			const char *reason, const char *fmt, ...);
int  httpd_stream_write(struct httpd_conn *conn, const uint8_t *data,
			size_t len);
void httpd_stream_on_drained(struct httpd_conn *conn, httpd_drained_h *h,
			     void *arg);
void httpd_stream_end(struct httpd_conn *conn, bool complete);
bool httpd_conn_open(const struct httpd_conn *conn);

/* Upgraded connections (WebSocket, api/ws.c). httpd_upgrade answers the
   request in flight with head (a "101 Switching Protocols" status line,
   headers and the blank line) and hands the connection over: every byte
   received from now on goes to recvh (also those already received after
   the request), the connection's end to closeh; no HTTP timeout applies.
   httpd_raw_close closes once everything queued is sent, without closeh.
   The new owner holds a mem_ref on conn. */
typedef void (httpd_raw_recv_h)(struct mbuf *mb, void *arg);
typedef void (httpd_raw_close_h)(int err, void *arg);
int    httpd_upgrade(struct httpd_conn *conn, const char *head,
		     httpd_raw_recv_h *recvh, httpd_raw_close_h *closeh,
		     void *arg);
int    httpd_raw_send(struct httpd_conn *conn, struct mbuf *mb);
size_t httpd_raw_queued(const struct httpd_conn *conn);
void   httpd_raw_close(struct httpd_conn *conn);

#endif
