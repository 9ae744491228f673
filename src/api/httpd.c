/*
 * httpd.c — HTTP/1.1 connections on libre's TCP, parsed with libre's
 * http_msg_decode().
 *
 * libre's own HTTP server closes the connection without an answer when a
 * request is larger than its 512 KiB buffer, and cannot refuse a body from
 * its headers alone. This layer answers 413 as soon as the headers announce
 * a body over the limit, 431 for oversized headers, keeps one request in
 * flight per connection (replies may come later, from store results), keeps
 * connections alive, and closes idle or stalled ones.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include "../core/libre.h"
#include "httpd.h"
#include "../core/log.h"

enum {
	MAX_HEADER = 16 * 1024,
	IDLE_MS = 60 * 1000,
	HEADER_MS = 15 * 1000,
};

struct httpd {
	struct tcp_sock *ts;
	struct list conns;
	size_t max_body;
	httpd_req_h *reqh;
	void *arg;
};

struct httpd_conn {
	struct le le;
	struct httpd *srv;         /* NULL once the server is gone */
	struct tcp_conn *tc;       /* NULL once closed */
	struct mbuf *buf;          /* received, not yet handled */
	struct tmr tmr;            /* idle and stall timeouts */
	struct tmr defer;          /* work after a reply, off the stack */
	struct sa peer;
	bool busy;                 /* a request awaits its reply */
	bool close_after;          /* close once the reply is sent */
};

static void conn_close(struct httpd_conn *conn)
{
	tmr_cancel(&conn->tmr);
	tmr_cancel(&conn->defer);
	conn->tc = mem_deref(conn->tc);
	conn->buf = mem_deref(conn->buf);
	list_unlink(&conn->le);
}

static void conn_destructor(void *arg)
{
	conn_close(arg);
}

static void timeout_handler(void *arg)
{
	struct httpd_conn *conn = arg;

	conn_close(conn);
	mem_deref(conn);
}

static void restart_timer(struct httpd_conn *conn)
{
	tmr_start(&conn->tmr, conn->busy ? IDLE_MS * 5
			      : mbuf_get_left(conn->buf) ? HEADER_MS : IDLE_MS,
		  timeout_handler, conn);
}

/* Refuses the request on the spot and closes after the answer. */
static void refuse(struct httpd_conn *conn, uint16_t status,
		   const char *reason, const char *code, const char *msg)
{
	char body[256];

	re_snprintf(body, sizeof(body),
		    "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
		    code, msg);
	conn->busy = true;
	conn->close_after = true;
	httpd_reply(conn, status, reason,
		    "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
}

static bool wants_close(const struct http_msg *msg)
{
	if (http_msg_hdr_has_value(msg, HTTP_HDR_CONNECTION, "close"))
		return true;
	return !pl_strcmp(&msg->ver, "1.0") &&
	       !http_msg_hdr_has_value(msg, HTTP_HDR_CONNECTION,
				       "keep-alive");
}

/* Handles the next complete request in the buffer, if there is one. */
static void process(struct httpd_conn *conn)
{
	struct http_msg *msg = NULL;
	size_t start;
	int err;

	if (conn->busy || !conn->tc || !conn->srv || !conn->buf ||
	    !mbuf_get_left(conn->buf))
		return;
	start = conn->buf->pos;
	err = http_msg_decode(&msg, conn->buf, true);
	if (err == ENODATA) {
		conn->buf->pos = start;
		if (mbuf_get_left(conn->buf) > MAX_HEADER)
			refuse(conn, 431, "Request Header Fields Too Large",
			       "headers_too_large", "request headers are too "
			       "large");
		return;
	}
	if (err) {
		refuse(conn, 400, "Bad Request", "bad_request",
		       "malformed HTTP request");
		return;
	}
	if (msg->clen > conn->srv->max_body) {
		mem_deref(msg);
		refuse(conn, 413, "Payload Too Large", "body_too_large",
		       "the request body is too large");
		return;
	}
	if (mbuf_get_left(conn->buf) < msg->clen) {
		conn->buf->pos = start;
		mem_deref(msg);
		return;
	}
	/* The body goes into the message's own buffer, as libre's server
	   does it. */
	if (msg->clen && (!msg->mb || mbuf_write_mem(msg->mb,
						     mbuf_buf(conn->buf),
						     msg->clen))) {
		mem_deref(msg);
		refuse(conn, 500, "Internal Server Error", "internal",
		       "out of memory");
		return;
	}
	if (msg->mb)
		msg->mb->pos = 0;
	conn->buf->pos += msg->clen;
	conn->busy = true;
	conn->close_after = wants_close(msg);
	restart_timer(conn);
	mem_ref(conn);
	conn->srv->reqh(conn, msg, conn->srv->arg);
	mem_deref(msg);
	mem_deref(conn);
}

static void recv_handler(struct mbuf *mb, void *arg)
{
	struct httpd_conn *conn = arg;
	size_t pos;

	if (!conn->buf) {
		conn->buf = mbuf_alloc(mbuf_get_left(mb));
		if (!conn->buf)
			goto fail;
	}
	/* Keep only what is unhandled, then append the new bytes. */
	if (conn->buf->pos == conn->buf->end)
		mbuf_rewind(conn->buf);
	pos = conn->buf->pos;
	conn->buf->pos = conn->buf->end;
	if (mbuf_write_mem(conn->buf, mbuf_buf(mb), mbuf_get_left(mb)))
		goto fail;
	conn->buf->pos = pos;
	if (!conn->busy &&
	    mbuf_get_left(conn->buf) > conn->srv->max_body + MAX_HEADER) {
		refuse(conn, 413, "Payload Too Large", "body_too_large",
		       "the request body is too large");
		return;
	}
	restart_timer(conn);
	process(conn);
	return;
fail:
	conn_close(conn);
	mem_deref(conn);
}

static void close_handler(int err, void *arg)
{
	struct httpd_conn *conn = arg;

	(void)err;
	conn_close(conn);
	mem_deref(conn);
}

static void connect_handler(const struct sa *peer, void *arg)
{
	struct httpd *srv = arg;
	struct httpd_conn *conn = mem_zalloc(sizeof(*conn), conn_destructor);

	if (!conn) {
		tcp_reject(srv->ts);
		return;
	}
	conn->srv = srv;
	conn->peer = *peer;
	tmr_init(&conn->tmr);
	tmr_init(&conn->defer);
	if (tcp_accept(&conn->tc, srv->ts, NULL, recv_handler, close_handler,
		       conn)) {
		mem_deref(conn);
		tcp_reject(srv->ts);
		return;
	}
	tcp_conn_txqsz_set(conn->tc, 64 * 1024 * 1024);
	list_append(&srv->conns, &conn->le, conn);
	restart_timer(conn);
}

static void httpd_destructor(void *arg)
{
	struct httpd *srv = arg;
	struct le *le;

	srv->ts = mem_deref(srv->ts);
	/* Connections with a request in flight stay until it is answered. */
	while ((le = list_head(&srv->conns))) {
		struct httpd_conn *conn = le->data;

		conn->srv = NULL;
		list_unlink(&conn->le);
		if (!conn->busy) {
			conn_close(conn);
			mem_deref(conn);
		}
	}
}

int httpd_listen(struct httpd **srvp, const struct sa *laddr,
		 size_t max_body, httpd_req_h *reqh, void *arg)
{
	struct httpd *srv = mem_zalloc(sizeof(*srv), httpd_destructor);
	int err;

	if (!srv)
		return ENOMEM;
	srv->max_body = max_body;
	srv->reqh = reqh;
	srv->arg = arg;
	err = tcp_listen(&srv->ts, laddr, connect_handler, srv);
	if (err) {
		mem_deref(srv);
		return err;
	}
	*srvp = srv;
	return 0;
}

const struct sa *httpd_conn_peer(const struct httpd_conn *conn)
{
	return &conn->peer;
}

static void drained_handler(void *arg)
{
	struct httpd_conn *conn = arg;

	if (conn->tc && tcp_conn_txqsz(conn->tc))
		return;
	conn_close(conn);
	mem_deref(conn);
}

/* After a reply: close (once everything is sent) or take the next
   request. Runs from a timer so that no caller's stack holds the
   connection while it may be freed. */
static void after_reply(void *arg)
{
	struct httpd_conn *conn = arg;

	if (conn->close_after || !conn->srv) {
		if (conn->tc && tcp_conn_txqsz(conn->tc)) {
			tcp_set_send(conn->tc, drained_handler);
			return;
		}
		conn_close(conn);
		mem_deref(conn);
		return;
	}
	restart_timer(conn);
	process(conn);
}

static void reply_sent(struct httpd_conn *conn)
{
	conn->busy = false;
	tmr_start(&conn->defer, 0, after_reply, conn);
}

int httpd_reply(struct httpd_conn *conn, uint16_t status, const char *reason,
		const char *fmt, ...)
{
	struct mbuf *mb;
	va_list ap;
	int err;

	if (!conn->tc || !conn->busy)
		return ENOTCONN;
	mb = mbuf_alloc(512);
	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb, "HTTP/1.1 %u %s\r\n%s", status, reason,
			  conn->close_after ? "Connection: close\r\n" : "");
	va_start(ap, fmt);
	err |= mbuf_vprintf(mb, fmt, ap);
	va_end(ap);
	if (!err) {
		mb->pos = 0;
		err = tcp_send(conn->tc, mb);
	}
	mem_deref(mb);
	reply_sent(conn);
	return err;
}
