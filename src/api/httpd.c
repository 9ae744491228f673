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
 *
 * The body limit may differ per request (an upload route takes more than
 * a JSON one): a limit handler sees the headers and says. After a 413 for
 * an announced body, the connection reads and drops the rest of it (up to
 * DISCARD_MAX) before closing, so a client that sends its whole body
 * before reading gets the answer instead of a reset. A reply may also be
 * streamed: headers first, then the body in pieces as the caller has
 * them, with a callback when libre's send queue has drained. A request
 * may also take the connection over (a WebSocket upgrade, api/ws.c): after
 * its 101 answer every byte goes to the new owner, untouched.
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
	DISCARD_MAX = 64 * 1024 * 1024,
	KEEP_BUF = 256 * 1024,      /* larger receive buffers are let go */
};

struct httpd {
	struct tcp_sock *ts;
	struct list conns;
	size_t max_body;
	httpd_req_h *reqh;
	void *arg;
	httpd_limit_h *limith;
	void *limit_arg;
};

struct httpd_conn {
	struct le le;
	struct httpd *srv;         /* NULL once the server is gone */
	struct tcp_conn *tc;       /* NULL once closed */
	struct mbuf *buf;          /* received, not yet handled */
	struct tmr tmr;            /* idle and stall timeouts */
	struct tmr defer;          /* work after a reply, off the stack */
	struct tmr notify;         /* a streamed reply's drained callback */
	struct sa peer;
	size_t limit;              /* body limit of the request being read */
	size_t discard;            /* body bytes still to drop after a 413 */
	bool busy;                 /* a request awaits its reply */
	bool close_after;          /* close once the reply is sent */
	httpd_drained_h *drainedh; /* a streamed reply waits for the queue */
	void *drained_arg;
	bool raw;                  /* upgraded: bytes go to rawh */
	bool raw_closing;          /* ... and its owner let it go */
	httpd_raw_recv_h *rawh;
	httpd_raw_close_h *raw_closeh;
	void *raw_arg;
};

static void notify_handler(void *arg)
{
	struct httpd_conn *conn = arg;
	httpd_drained_h *h = conn->drainedh;

	conn->drainedh = NULL;
	if (h)
		h(conn->drained_arg);
}

static void conn_close(struct httpd_conn *conn)
{
	tmr_cancel(&conn->tmr);
	tmr_cancel(&conn->defer);
	conn->tc = mem_deref(conn->tc);
	conn->buf = mem_deref(conn->buf);
	list_unlink(&conn->le);
	/* A streamed reply waiting for the queue learns the news. */
	if (conn->drainedh)
		tmr_start(&conn->notify, 0, notify_handler, conn);
}

static void conn_destructor(void *arg)
{
	struct httpd_conn *conn = arg;

	conn->drainedh = NULL;
	tmr_cancel(&conn->notify);
	conn_close(conn);
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
			      : conn->discard || mbuf_get_left(conn->buf)
			      ? HEADER_MS : IDLE_MS,
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

static struct httpd_limit limit_of(const struct httpd *srv,
				   const struct http_msg *msg)
{
	struct httpd_limit lim = {srv->max_body, "body_too_large",
				  "the request body is too large"};

	if (srv->limith)
		srv->limith(msg, &lim, srv->limit_arg);
	return lim;
}

/* 413 from the headers; the body on its way is read and dropped. */
static void refuse_body(struct httpd_conn *conn, const struct http_msg *msg,
			const struct httpd_limit *lim)
{
	size_t here = mbuf_get_left(conn->buf);

	if (msg->clen - here <= DISCARD_MAX)
		conn->discard = msg->clen - here;
	conn->buf->pos = conn->buf->end;
	refuse(conn, 413, "Payload Too Large", lim->code, lim->message);
}

/* Handles the next complete request in the buffer, if there is one. */
static void process(struct httpd_conn *conn)
{
	struct http_msg *msg = NULL;
	struct httpd_limit lim;
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
	lim = limit_of(conn->srv, msg);
	if (msg->clen > lim.max_body) {
		refuse_body(conn, msg, &lim);
		mem_deref(msg);
		return;
	}
	if (mbuf_get_left(conn->buf) < msg->clen) {
		conn->limit = lim.max_body;
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
	conn->limit = conn->srv->max_body;
	if (conn->buf->pos == conn->buf->end && conn->buf->size > KEEP_BUF)
		conn->buf = mem_deref(conn->buf);
	conn->busy = true;
	conn->close_after = wants_close(msg);
	restart_timer(conn);
	mem_ref(conn);
	conn->srv->reqh(conn, msg, conn->srv->arg);
	mem_deref(msg);
	mem_deref(conn);
}

/* After a 413: drops the rest of the refused body, then closes. */
static void discard_received(struct httpd_conn *conn, struct mbuf *mb)
{
	size_t n = mbuf_get_left(mb);

	conn->discard -= n < conn->discard ? n : conn->discard;
	if (conn->discard || conn->busy ||
	    (conn->tc && tcp_conn_txqsz(conn->tc))) {
		restart_timer(conn);
		return;
	}
	conn_close(conn);
	mem_deref(conn);
}

static void recv_handler(struct mbuf *mb, void *arg)
{
	struct httpd_conn *conn = arg;
	size_t pos;

	if (conn->raw) {
		if (conn->rawh)
			conn->rawh(mb, conn->raw_arg);
		return;
	}
	if (conn->discard) {
		discard_received(conn, mb);
		return;
	}
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
	    mbuf_get_left(conn->buf) > conn->limit + MAX_HEADER) {
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
	httpd_raw_close_h *h = conn->raw_closeh;

	conn->raw_closeh = NULL;
	conn->rawh = NULL;
	if (h)
		h(err, conn->raw_arg);
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
	conn->limit = srv->max_body;
	tmr_init(&conn->tmr);
	tmr_init(&conn->defer);
	tmr_init(&conn->notify);
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

void httpd_set_limit_handler(struct httpd *srv, httpd_limit_h *h, void *arg)
{
	srv->limith = h;
	srv->limit_arg = arg;
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
	if (conn->discard) {
		/* the refused body is still coming: recv closes at its end */
		tcp_set_send(conn->tc, NULL);
		return;
	}
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
		if (conn->discard && conn->srv) {
			restart_timer(conn);
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

static int send_head(struct httpd_conn *conn, uint16_t status,
		     const char *reason, const char *fmt, va_list ap)
{
	struct mbuf *mb = mbuf_alloc(512);
	int err;

	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb, "HTTP/1.1 %u %s\r\n%s", status, reason,
			  conn->close_after ? "Connection: close\r\n" : "");
	err |= mbuf_vprintf(mb, fmt, ap);
	if (!err) {
		mb->pos = 0;
		err = tcp_send(conn->tc, mb);
	}
	mem_deref(mb);
	return err;
}

int httpd_reply(struct httpd_conn *conn, uint16_t status, const char *reason,
		const char *fmt, ...)
{
	va_list ap;
	int err;

	if (!conn->tc || !conn->busy)
		return ENOTCONN;
	va_start(ap, fmt);
	err = send_head(conn, status, reason, fmt, ap);
	va_end(ap);
	reply_sent(conn);
	return err;
}

/* ---- streamed replies ---- */

int httpd_stream_begin(struct httpd_conn *conn, uint16_t status,
		       const char *reason, const char *fmt, ...)
{
	va_list ap;
	int err;

	if (!conn->tc || !conn->busy)
		return ENOTCONN;
	va_start(ap, fmt);
	err = send_head(conn, status, reason, fmt, ap);
	va_end(ap);
	restart_timer(conn);
	return err;
}

int httpd_stream_write(struct httpd_conn *conn, const uint8_t *data,
		       size_t len)
{
	struct mbuf mb;

	if (!conn->tc || !conn->busy)
		return ENOTCONN;
	if (!len)
		return 0;
	mbuf_init(&mb);
	mb.buf = (uint8_t *)data;
	mb.size = mb.end = len;
	restart_timer(conn);
	return tcp_send(conn->tc, &mb);
}

static void writable_handler(void *arg)
{
	struct httpd_conn *conn = arg;

	/* called while the queue is empty and the socket writable: once */
	tcp_set_send(conn->tc, NULL);
	tmr_start(&conn->notify, 0, notify_handler, conn);
}

void httpd_stream_on_drained(struct httpd_conn *conn, httpd_drained_h *h,
			     void *arg)
{
	conn->drainedh = h;
	conn->drained_arg = arg;
	if (conn->tc && tcp_conn_txqsz(conn->tc)) {
		tcp_set_send(conn->tc, writable_handler);
		return;
	}
	tmr_start(&conn->notify, 0, notify_handler, conn);
}

bool httpd_conn_open(const struct httpd_conn *conn)
{
	return conn->tc != NULL;
}

void httpd_stream_end(struct httpd_conn *conn, bool complete)
{
	conn->drainedh = NULL;
	tmr_cancel(&conn->notify);
	if (!conn->tc || !conn->busy)
		return;
	tcp_set_send(conn->tc, NULL);
	if (!complete)
		conn->close_after = true;
	reply_sent(conn);
}

/* ---- upgraded connections ---- */

/* Bytes that came right after the upgrade request, off the stack. */
static void raw_leftover(void *arg)
{
	struct httpd_conn *conn = arg;
	struct mbuf *buf = conn->buf;

	conn->buf = NULL;
	if (buf && mbuf_get_left(buf) && conn->rawh)
		conn->rawh(buf, conn->raw_arg);
	mem_deref(buf);
}

int httpd_upgrade(struct httpd_conn *conn, const char *head,
		  httpd_raw_recv_h *recvh, httpd_raw_close_h *closeh,
		  void *arg)
{
	struct mbuf mb;

	if (!conn->tc || !conn->busy || conn->raw)
		return ENOTCONN;
	mbuf_init(&mb);
	mb.buf = (uint8_t *)head;
	mb.size = mb.end = strlen(head);
	conn->raw = true;
	conn->rawh = recvh;
	conn->raw_closeh = closeh;
	conn->raw_arg = arg;
	tmr_cancel(&conn->tmr);
	if (conn->buf && mbuf_get_left(conn->buf))
		tmr_start(&conn->defer, 0, raw_leftover, conn);
	return tcp_send(conn->tc, &mb);
}

int httpd_raw_send(struct httpd_conn *conn, struct mbuf *mb)
{
	if (!conn->tc || !conn->raw)
		return ENOTCONN;
	return tcp_send(conn->tc, mb);
}

size_t httpd_raw_queued(const struct httpd_conn *conn)
{
	return conn->tc ? tcp_conn_txqsz(conn->tc) : 0;
}

void httpd_raw_close(struct httpd_conn *conn)
{
	conn->rawh = NULL;        /* what still comes is dropped */
	conn->raw_closeh = NULL;
	if (!conn->tc || !conn->raw || conn->raw_closing)
		return;
	conn->raw_closing = true;
	conn->busy = false;       /* the server's end may close it now */
	if (tcp_conn_txqsz(conn->tc)) {
		tmr_start(&conn->tmr, HEADER_MS, timeout_handler, conn);
		tcp_set_send(conn->tc, drained_handler);
		return;
	}
	conn_close(conn);
	mem_deref(conn);
}
