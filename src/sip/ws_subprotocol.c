/*
 * ws_subprotocol.c — makes libre 1.1.0's SIP WebSocket server answer the
 * "sip" subprotocol (RFC 7118 5.1). Browsers open the socket with
 * `new WebSocket(url, 'sip')` and drop it when the 101 answer has no
 * Sec-WebSocket-Protocol header, which libre's websock_accept() never
 * writes (newer libre has websock_accept_proto()).
 *
 * Until libre is upgraded, hotlined interposes two libre functions (libre
 * calls them through its PLT; the Makefile exports ours from the
 * executable): websock_accept() notes whether the request asked for "sip",
 * and http_reply(), when that accept answers 101, adds the header. Both
 * run on the control thread only; every other call goes straight to
 * libre's own function.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include "../core/libre.h"

typedef int (accept_fn)(struct websock_conn **, struct websock *,
			struct http_conn *, const struct http_msg *, unsigned,
			websock_recv_h *, websock_close_h *, void *);
typedef int (reply_fn)(struct http_conn *, uint16_t, const char *,
		       const char *, ...);

static bool answering_sip;      /* inside websock_accept for a SIP socket */

int websock_accept(struct websock_conn **connp, struct websock *sock,
		   struct http_conn *htconn, const struct http_msg *msg,
		   unsigned kaint, websock_recv_h *recvh,
		   websock_close_h *closeh, void *arg)
{
	static accept_fn *real;
	int err;

	if (!real)
		real = (accept_fn *)dlsym(RTLD_NEXT, "websock_accept");
	if (!real)
		return ENOSYS;
	answering_sip = msg && http_msg_xhdr_has_value(msg,
						       "Sec-WebSocket-Protocol",
						       "sip");
	err = real(connp, sock, htconn, msg, kaint, recvh, closeh, arg);
	answering_sip = false;
	return err;
}

int http_reply(struct http_conn *conn, uint16_t scode, const char *reason,
	       const char *fmt, ...)
{
	static reply_fn *real;
	char *hdrs = NULL;
	size_t len;
	va_list ap;
	int err;

	if (!real)
		real = (reply_fn *)dlsym(RTLD_NEXT, "http_reply");
	if (!real)
		return ENOSYS;
	va_start(ap, fmt);
	err = re_vsdprintf(&hdrs, fmt ? fmt : "", ap);
	va_end(ap);
	if (err)
		return err;
	len = strlen(hdrs);
	/* Headers then the empty line: the header goes before that line. */
	if (answering_sip && scode == 101 && len >= 2 &&
	    !strcmp(hdrs + len - 2, "\r\n"))
		err = real(conn, scode, reason,
			   "%bSec-WebSocket-Protocol: sip\r\n\r\n", hdrs,
			   len - 2);
	else
		err = real(conn, scode, reason, "%s", hdrs);
	mem_deref(hdrs);
	return err;
}
