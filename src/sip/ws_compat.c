/*
 * ws_compat.c — what SIP over WebSocket needs from libre 1.1.0 for
 * browsers (JsSIP, SIP.js), done around it until libre is upgraded
 * (decision 56):
 *
 *  1. The "sip" subprotocol (RFC 7118 5.1): browsers open the socket with
 *     `new WebSocket(url, 'sip')` and drop it when the 101 answer has no
 *     Sec-WebSocket-Protocol header, which libre's websock_accept() never
 *     writes. Our http_reply() adds it to that 101.
 *  2. Requests to a browser: libre queues a request for an accepted
 *     WebSocket until the connection is "established", a flag only its
 *     client connections ever set, so INVITEs and BYEs to a browser wait
 *     forever. We set the flag on accepted SIP connections (a mirror of
 *     the tail of libre's private struct sip_conn, checked before use).
 *  3. Where a browser is: its Contact is sip:user@random.invalid, which
 *     no one can resolve, so in-dialog requests (BYE) and calls to it
 *     fail. Like PJSIP's rewrite_contact, the host of a .invalid Contact
 *     is replaced by the connection's source address before libre reads
 *     the message: the registrar stores, and dialogs target, an address
 *     that the connection lookup finds. Over wss its transport=ws
 *     parameter (browsers write ws for both) becomes wss, or libre would
 *     look for a plain WebSocket and send the ACK nowhere.
 *
 * hotlined interposes libre's websock_accept() and http_reply() (libre
 * calls them through its PLT; the Makefile exports ours from the
 * executable) and calls the real ones (dlsym RTLD_NEXT). Control thread
 * only. A connection's record (struct ws_flow, about 80 bytes) is freed
 * when libre reports the socket closed; libre does not report a
 * connection it drops itself (its idle timer), so those records stay
 * until shutdown.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include "../core/libre.h"
#include "../core/log.h"
#include "stack.h"

typedef int (accept_fn)(struct websock_conn **, struct websock *,
			struct http_conn *, const struct http_msg *, unsigned,
			websock_recv_h *, websock_close_h *, void *);
typedef int (reply_fn)(struct http_conn *, uint16_t, const char *,
		       const char *, ...);

/* The end of libre 1.1.0's struct sip_conn (sip/transp.c), from the
   8-aligned member after `struct sip *sip`. */
struct sip_conn_tail {
	uint32_t ka_interval;
	bool established;
	enum sip_transp tp;
	struct websock_conn *websock_conn;
};

/* One accepted SIP WebSocket: libre's handlers and their argument. */
struct ws_flow {
	struct le le;
	websock_recv_h *recvh;
	websock_close_h *closeh;
	void *arg;
	struct sa peer;
	bool secure;            /* wss */
};

static bool answering_sip;      /* inside websock_accept for a SIP socket */
static struct list flows;       /* struct ws_flow, freed on close */
static bool layout_warned;

static bool is_contact(const char *line, size_t len)
{
	return (len > 8 && !strncasecmp(line, "Contact:", 8)) ||
	       (len > 2 && !strncasecmp(line, "m:", 2));
}

/* In a Contact line: the host after '@' when it ends in ".invalid". */
static bool invalid_host(const char *line, size_t len, size_t *hs,
			 size_t *he)
{
	const char *at = memchr(line, '@', len);
	size_t s, e;

	if (!at)
		return false;
	s = (size_t)(at - line) + 1;
	e = s;
	while (e < len && !strchr(";>: \r\n?", line[e]))
		e++;
	if (e - s < 8 || strncasecmp(line + e - 8, ".invalid", 8))
		return false;
	if (e < len && line[e] == ':')          /* its port goes too */
		while (++e < len && line[e] >= '0' && line[e] <= '9')
			;
	*hs = s;
	*he = e;
	return true;
}

/* Where ";transport=ws" ends in a Contact line from `from` (secure
   sockets: browsers write ws there over wss too), or 0. */
static size_t plain_ws_param(const char *line, size_t from, size_t len)
{
	static const char param[] = ";transport=ws";
	const size_t n = sizeof(param) - 1;

	for (size_t i = from; i + n <= len; i++) {
		if (!strncasecmp(line + i, param, n) &&
		    (i + n == len || !strchr("sS", line[i + n])))
			return i + n;
	}
	return 0;
}

/* The message with .invalid Contact hosts replaced by the peer (and, on a
   secure socket, transport=ws by wss), or NULL (nothing to rewrite, or no
   memory). */
static struct mbuf *rewrite_contacts(const struct mbuf *in,
				     const struct ws_flow *f)
{
	const char *p = (const char *)mbuf_buf(in);
	size_t left = mbuf_get_left(in), copied = 0;
	struct mbuf *out = NULL;
	size_t pos = 0;

	while (pos < left) {
		const char *eol = memchr(p + pos, '\n', left - pos);
		size_t len = eol ? (size_t)(eol - (p + pos)) + 1 : left - pos;
		size_t hs, he, ws;

		if (len <= 2)           /* the empty line: the body follows */
			break;
		if (is_contact(p + pos, len) &&
		    invalid_host(p + pos, len, &hs, &he)) {
			if (!out && !(out = mbuf_alloc(left + 64)))
				return NULL;
			(void)mbuf_write_mem(out, (const uint8_t *)p + copied,
					     pos + hs - copied);
			(void)mbuf_printf(out, "%J", &f->peer);
			copied = pos + he;
			ws = f->secure ? plain_ws_param(p + pos, he, len) : 0;
			if (ws) {
				(void)mbuf_write_mem(out, (const uint8_t *)p +
						     copied, pos + ws - copied);
				(void)mbuf_write_u8(out, 's');
				copied = pos + ws;
			}
		}
		pos += len;
	}
	if (!out)
		return NULL;
	(void)mbuf_write_mem(out, (const uint8_t *)p + copied, left - copied);
	out->pos = 0;
	return out;
}

static void flow_recv(const struct websock_hdr *hdr, struct mbuf *mb,
		      void *arg)
{
	struct ws_flow *f = arg;
	struct mbuf *fixed = rewrite_contacts(mb, f);

	f->recvh(hdr, fixed ? fixed : mb, f->arg);
	mem_deref(fixed);
}

static void flow_close(int err, void *arg)
{
	struct ws_flow *f = arg;
	websock_close_h *closeh = f->closeh;
	void *carg = f->arg;

	list_unlink(&f->le);
	mem_deref(f);
	closeh(err, carg);
}

/* Marks libre's accepted connection established, if it looks like one;
   notes whether it is secure. */
static void set_established(struct ws_flow *f, struct websock_conn **connp)
{
	struct sip_conn_tail *t = (struct sip_conn_tail *)(void *)
		((char *)connp - offsetof(struct sip_conn_tail, websock_conn));

	if (*connp && (t->tp == SIP_TRANSP_WS || t->tp == SIP_TRANSP_WSS)) {
		t->established = true;
		f->secure = t->tp == SIP_TRANSP_WSS;
		return;
	}
	if (!layout_warned)
		log_warn("sip", "libre's SIP WebSocket connection is not laid "
			 "out as expected: calls to browsers may not reach "
			 "them");
	layout_warned = true;
}

int websock_accept(struct websock_conn **connp, struct websock *sock,
		   struct http_conn *htconn, const struct http_msg *msg,
		   unsigned kaint, websock_recv_h *recvh,
		   websock_close_h *closeh, void *arg)
{
	static accept_fn *real;
	struct ws_flow *f;
	int err;

	if (!real)
		real = (accept_fn *)dlsym(RTLD_NEXT, "websock_accept");
	if (!real)
		return ENOSYS;
	answering_sip = msg && http_msg_xhdr_has_value(msg,
						       "Sec-WebSocket-Protocol",
						       "sip");
	if (!answering_sip)
		return real(connp, sock, htconn, msg, kaint, recvh, closeh,
			    arg);
	f = mem_zalloc(sizeof(*f), NULL);
	if (!f) {
		answering_sip = false;
		return ENOMEM;
	}
	f->recvh = recvh;
	f->closeh = closeh;
	f->arg = arg;
	f->peer = *http_conn_peer(htconn);
	err = real(connp, sock, htconn, msg, kaint, flow_recv, flow_close, f);
	answering_sip = false;
	if (err) {
		mem_deref(f);
		return err;
	}
	list_append(&flows, &f->le, f);
	set_established(f, connp);
	return 0;
}

void sip_ws_compat_close(void)
{
	list_flush(&flows);
}

int http_reply(struct http_conn *conn, uint16_t scode, const char *reason,
	       const char *fmt, ...)
{
	static reply_fn *real;
	struct mbuf *mb;
	size_t len;
	va_list ap;
	int err = 0;

	if (!real)
		real = (reply_fn *)dlsym(RTLD_NEXT, "http_reply");
	if (!real)
		return ENOSYS;
	mb = mbuf_alloc(256);
	if (!mb)
		return ENOMEM;
	if (fmt) {              /* into a buffer: a body may hold NUL bytes */
		va_start(ap, fmt);
		err = mbuf_vprintf(mb, fmt, ap);
		va_end(ap);
	}
	len = mb->end;
	/* Headers then the empty line: the header goes before that line. */
	if (!err && answering_sip && scode == 101 && len >= 2 &&
	    !memcmp(mb->buf + len - 2, "\r\n", 2))
		err = real(conn, scode, reason,
			   "%bSec-WebSocket-Protocol: sip\r\n\r\n", mb->buf,
			   len - 2);
	else if (!err)
		err = real(conn, scode, reason, "%b", mb->buf, len);
	mem_deref(mb);
	return err;
}
