/*
 * ws.c — WebSocket connections on /api/v1/ws (RFC 6455, docs/ws.md): the
 * upgrade (authenticated like any API request first, then the Origin of a
 * cookie session checked, then 101), frames read strictly (ws_frame.c),
 * fragmented text messages assembled up to WS_MAX_MESSAGE and handed to
 * the protocol (ws_cmd.c), pings answered and sent, the close handshake,
 * and the bus's events pushed to the connections subscribed to them.
 *
 * libre's websock_accept() needs libre's own HTTP server connection, and
 * the API runs on our HTTP layer (httpd.c), so the framing is done here
 * (decision 52).
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "api.h"
#include "httpd.h"
#include "server.h"
#include "ws.h"
#include "ws_frame.h"
#include "ws_internal.h"
#include "../core/bus.h"
#include "../core/log.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* ---- the upgrade request ---- */

struct token_search {
	const char *token;
	bool found;
};

/* Whether a comma-separated header value holds the token (any case). */
static bool has_token(const struct http_hdr *hdr, void *arg)
{
	struct token_search *t = arg;
	const char *p = hdr->val.p, *end = p + hdr->val.l;
	size_t n = strlen(t->token);

	while (p < end) {
		const char *q = memchr(p, ',', (size_t)(end - p));
		const char *e = q ? q : end;

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - p) == n && !strncasecmp(p, t->token, n)) {
			t->found = true;
			return true;
		}
		p = q ? q + 1 : end;
	}
	return false;
}

static bool header_has(const struct http_msg *msg, enum http_hdrid id,
		       const char *token)
{
	struct token_search t = {token, false};

	http_msg_hdr_apply(msg, true, id, has_token, &t);
	return t.found;
}

static void copy_header(char *dst, size_t size, const struct http_msg *msg,
			enum http_hdrid id)
{
	const struct http_hdr *h = http_msg_hdr(msg, id);

	dst[0] = '\0';
	if (h && h->val.l < size)
		pl_strcpy(&h->val, dst, size);
}

static void copy_xheader(char *dst, size_t size, const struct http_msg *msg,
			 const char *name)
{
	const struct http_hdr *h = http_msg_xhdr(msg, name);

	dst[0] = '\0';
	if (h && h->val.l < size)
		pl_strcpy(&h->val, dst, size);
}

int ws_upgrade_parse(const struct http_msg *msg, struct ws_upgrade *u,
		     const char **code, const char **message)
{
	const struct http_hdr *key = http_msg_hdr(msg,
						  HTTP_HDR_SEC_WEBSOCKET_KEY);
	const struct http_hdr *auth = http_msg_hdr(msg,
						   HTTP_HDR_AUTHORIZATION);
	uint8_t raw[32];
	size_t rawlen = sizeof(raw);

	memset(u, 0, sizeof(*u));
	*code = "upgrade_required";
	*message = "this endpoint speaks WebSocket only (Upgrade: websocket)";
	if (!header_has(msg, HTTP_HDR_UPGRADE, "websocket") ||
	    !header_has(msg, HTTP_HDR_CONNECTION, "upgrade"))
		return 426;
	*code = "bad_request";
	if (!http_msg_hdr_has_value(msg, HTTP_HDR_SEC_WEBSOCKET_VERSION,
				    "13")) {
		*message = "Sec-WebSocket-Version must be 13";
		return 426;
	}
	*message = "Sec-WebSocket-Key must be 16 bytes in base64";
	if (!key || key->val.l != 24 ||
	    base64_decode(key->val.p, key->val.l, raw, &rawlen) ||
	    rawlen != 16)
		return 400;
	pl_strcpy(&key->val, u->key, sizeof(u->key));
	copy_xheader(u->origin, sizeof(u->origin), msg, "Origin");
	copy_header(u->host, sizeof(u->host), msg, HTTP_HDR_HOST);
	u->cookie = !(auth && auth->val.l > 7 &&
		      !strncasecmp(auth->val.p, "Bearer ", 7));
	return 0;
}

/* A cookie session's page must come from this server: the Origin's
   host[:port] is the Host the browser connected to. Browsers always send
   an Origin with a WebSocket; a client without one is not a browser page
   that could be led to borrow the cookie. */
static bool origin_ok(const struct ws_upgrade *u)
{
	const char *host;

	if (!u->cookie || !u->origin[0])
		return true;
	host = strstr(u->origin, "://");
	if (!host || strchr(host + 3, '/'))
		return false;
	return u->host[0] && !strcasecmp(host + 3, u->host);
}

/* ---- sending ---- */

static int send_frame(struct ws_conn *c, enum ws_opcode op,
		      const uint8_t *data, size_t len)
{
	uint8_t hdr[10];
	size_t hlen = ws_frame_header(hdr, op, len);
	struct mbuf *mb;
	int err;

	if (c->gone || !c->http)
		return ENOTCONN;
	mb = mbuf_alloc(hlen + len);
	if (!mb)
		return ENOMEM;
	err = mbuf_write_mem(mb, hdr, hlen);
	if (!err && len)
		err = mbuf_write_mem(mb, data, len);
	mb->pos = 0;
	if (!err)
		err = httpd_raw_send(c->http, mb);
	mem_deref(mb);
	return err;
}

static void conn_free(struct ws_conn *c);

static void free_later(void *arg)
{
	conn_free(arg);
}

/* The connection is over for us: the HTTP layer sends what is queued
   and closes; the memory goes from the loop, off any caller's stack. */
static void finish(struct ws_conn *c)
{
	if (c->gone)
		return;
	c->gone = true;
	tmr_cancel(&c->ping_tmr);
	tmr_cancel(&c->close_tmr);
	if (c->http)
		httpd_raw_close(c->http);
	tmr_start(&c->free_tmr, 0, free_later, c);
}

static void close_waited(void *arg)
{
	finish(arg);
}

/* Sends a close frame with code and reason, then waits (a little) for
   the peer's close before the TCP connection ends. */
static void ws_close(struct ws_conn *c, uint16_t code, const char *reason)
{
	uint8_t payload[125];
	size_t n = strlen(reason);

	if (c->closing || c->gone)
		return;
	if (n > sizeof(payload) - 2)
		n = sizeof(payload) - 2;
	payload[0] = (uint8_t)(code >> 8);
	payload[1] = (uint8_t)code;
	memcpy(payload + 2, reason, n);
	c->closing = true;
	log_info("ws", "%s (%s): closing %u %s", c->ip, c->username, code,
		 reason);
	if (send_frame(c, WS_CLOSE, payload, n + 2)) {
		finish(c);
		return;
	}
	tmr_start(&c->close_tmr, WS_CLOSE_WAIT_MS, close_waited, c);
}

int ws_send_json(struct ws_conn *c, json_t *obj)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	int err;

	json_decref(obj);
	if (!text)
		return ENOMEM;
	err = c->closing ? ENOTCONN
			 : send_frame(c, WS_TEXT, (uint8_t *)text,
				      strlen(text));
	free(text);
	if (!err && httpd_raw_queued(c->http) > WS_MAX_QUEUED)
		ws_close(c, WS_POLICY, "the client does not read its "
			 "events");
	return err;
}

/* ---- receiving ---- */

static void message_done(struct ws_conn *c, uint8_t *data, size_t len)
{
	if (!ws_utf8_valid(data, len)) {
		ws_close(c, WS_BAD_DATA, "text messages must be UTF-8");
		return;
	}
	ws_command(c, (const char *)data, len);
}

/* A data frame: a whole message, or a piece of one. */
static void data_frame(struct ws_conn *c, const struct ws_frame *f)
{
	if (f->opcode == WS_BINARY) {
		ws_close(c, WS_UNSUPPORTED, "only text messages are taken");
		return;
	}
	if ((f->opcode == WS_CONT) != c->in_message) {
		ws_close(c, WS_PROTOCOL_ERROR, c->in_message
			 ? "a new message before the last one ended"
			 : "a continuation without a message");
		return;
	}
	if (f->fin && !c->in_message) {
		message_done(c, f->payload, f->len);
		return;
	}
	if (!c->msg)
		c->msg = mbuf_alloc(f->len ? f->len : 256);
	if (!c->msg) {
		ws_close(c, WS_INTERNAL, "out of memory");
		return;
	}
	if (c->msg->end + f->len > WS_MAX_MESSAGE) {
		ws_close(c, WS_TOO_BIG, "messages are limited to 65536 bytes");
		return;
	}
	if (mbuf_write_mem(c->msg, f->payload, f->len)) {
		ws_close(c, WS_INTERNAL, "out of memory");
		return;
	}
	c->in_message = !f->fin;
	if (f->fin) {
		struct mbuf *msg = c->msg;

		c->msg = NULL;
		message_done(c, msg->buf, msg->end);
		mem_deref(msg);
	}
}

static void close_frame(struct ws_conn *c, const struct ws_frame *f)
{
	uint16_t code = WS_NORMAL;

	if (c->closing) {          /* the answer to ours */
		finish(c);
		return;
	}
	if (f->len == 1) {
		ws_close(c, WS_PROTOCOL_ERROR, "a close frame's code is "
			 "two bytes");
		return;
	}
	if (f->len >= 2) {
		code = (uint16_t)(f->payload[0] << 8 | f->payload[1]);
		if (!ws_close_code_valid(code)) {
			ws_close(c, WS_PROTOCOL_ERROR, "no such close code");
			return;
		}
		if (!ws_utf8_valid(f->payload + 2, f->len - 2)) {
			ws_close(c, WS_BAD_DATA, "the close reason must be "
				 "UTF-8");
			return;
		}
	}
	ws_close(c, code, "");
	finish(c);
}

static void control_frame(struct ws_conn *c, const struct ws_frame *f)
{
	if (f->opcode == WS_PING)
		send_frame(c, WS_PONG, f->payload, f->len);
	else if (f->opcode == WS_CLOSE)
		close_frame(c, f);
	/* a pong only says the peer is alive (last_seen) */
}

/* Parses and handles the whole frames in c->in. */
static void handle_frames(struct ws_conn *c)
{
	struct mbuf *in = c->in;

	while (!c->gone && !c->closing && mbuf_get_left(in)) {
		struct ws_frame f;
		uint16_t code;
		int r = ws_frame_parse(mbuf_buf(in), mbuf_get_left(in),
				       WS_MAX_MESSAGE, &f, &code);

		if (r < 0) {
			c->broken = true;
			ws_close(c, code, code == WS_TOO_BIG
				 ? "messages are limited to 65536 bytes"
				 : "malformed frame (client frames must be "
				   "masked, without extensions)");
			return;
		}
		if (r == 0)
			break;
		in->pos += f.size;
		if (f.opcode >= WS_CLOSE)
			control_frame(c, &f);
		else
			data_frame(c, &f);
	}
	if (in->pos == in->end)
		mbuf_rewind(in);
}

static void recv_handler(struct mbuf *mb, void *arg)
{
	struct ws_conn *c = arg;
	size_t pos;

	c->last_seen = now_ms();
	if (c->gone || c->broken)  /* nothing more can be read */
		return;
	pos = c->in->pos;
	c->in->pos = c->in->end;
	if (mbuf_write_mem(c->in, mbuf_buf(mb), mbuf_get_left(mb))) {
		finish(c);
		return;
	}
	c->in->pos = pos;
	if (c->closing) {
		struct ws_frame f;
		uint16_t code;
		int r;

		/* anything but a close frame is dropped */
		while ((r = ws_frame_parse(mbuf_buf(c->in),
					   mbuf_get_left(c->in),
					   WS_MAX_MESSAGE, &f, &code)) == 1) {
			c->in->pos += f.size;
			if (f.opcode == WS_CLOSE) {
				finish(c);
				return;
			}
		}
		if (r < 0)
			c->broken = true;
		return;
	}
	handle_frames(c);
}

static void close_handler(int err, void *arg)
{
	struct ws_conn *c = arg;

	(void)err;
	c->http = mem_deref(c->http);
	finish(c);
}

static void ping_handler(void *arg)
{
	struct ws_conn *c = arg;
	int64_t quiet = now_ms() - c->last_seen;

	if (quiet > WS_DEAD_S * 1000) {
		log_info("ws", "%s (%s): no answer for %lld s", c->ip,
			 c->username, (long long)quiet / 1000);
		finish(c);
		return;
	}
	if (quiet >= WS_PING_S * 1000)
		send_frame(c, WS_PING, NULL, 0);
	tmr_start(&c->ping_tmr, WS_PING_S * 1000, ping_handler, c);
}

/* ---- connections ---- */

static void conn_free(struct ws_conn *c)
{
	tmr_cancel(&c->ping_tmr);
	tmr_cancel(&c->close_tmr);
	tmr_cancel(&c->free_tmr);
	list_unlink(&c->le);
	mem_deref(c->http);
	mem_deref(c->in);
	mem_deref(c->msg);
	free(c);
}

static unsigned perms_of(const struct principal *who)
{
	return (principal_can(who, "workbench", false) ? WS_WORKBENCH_READ
						       : 0) |
	       (principal_can(who, "workbench", true) ? WS_WORKBENCH_WRITE
						      : 0) |
	       (principal_can(who, "agents", false) ? WS_AGENTS_READ : 0) |
	       (principal_can(who, "agents", true) ? WS_AGENTS_WRITE : 0) |
	       (principal_can(who, "queues", false) ? WS_QUEUES_READ : 0);
}

static struct ws_conn *conn_new(struct ws_hub *hub, const struct api_req *req)
{
	struct ws_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->in = mbuf_alloc(1024);
	if (!c->in) {
		free(c);
		return NULL;
	}
	c->hub = hub;
	str_ncpy(c->tenant_id, req->who.tenant_id, sizeof(c->tenant_id));
	str_ncpy(c->user_id, req->who.user_id, sizeof(c->user_id));
	str_ncpy(c->username, req->who.username, sizeof(c->username));
	str_ncpy(c->ip, req->ip, sizeof(c->ip));
	c->perms = perms_of(&req->who);
	c->scope = req->who.scope;
	str_ncpy(c->department_id, req->who.department_id,
		 sizeof(c->department_id));
	c->seq = ++hub->next_seq;
	c->by_key = req->who.via == VIA_KEY;
	str_ncpy(c->credential, c->by_key ? req->who.key_id
					  : req->who.session_hash,
		 sizeof(c->credential));
	c->last_seen = now_ms();
	tmr_init(&c->ping_tmr);
	tmr_init(&c->close_tmr);
	tmr_init(&c->free_tmr);
	return c;
}

static int accept_head(char *out, size_t size, const char *key)
{
	char text[64];
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	char accept[32];
	size_t alen = sizeof(accept) - 1;
	int err;

	re_snprintf(text, sizeof(text), "%s" WS_GUID, key);
	if (!EVP_Digest(text, strlen(text), digest, &dlen, EVP_sha1(), NULL))
		return EIO;
	err = base64_encode(digest, dlen, accept, &alen);
	if (err)
		return err;
	accept[alen] = '\0';
	return re_snprintf(out, size, "HTTP/1.1 101 Switching Protocols\r\n"
			   "Upgrade: websocket\r\n"
			   "Connection: Upgrade\r\n"
			   "Sec-WebSocket-Accept: %s\r\n\r\n", accept) < 0
	       ? ENOMEM : 0;
}

/* The route ws.connect, authenticated: refuses (an HTTP answer) or takes
   the connection over. */
static void ws_connect(struct api_req *req, void *arg)
{
	struct ws_hub *hub = arg;
	struct ws_conn *c;
	char head[256];

	if (!req->upgrade) {
		api_fail(req, 426, "upgrade_required", "this endpoint speaks "
			 "WebSocket only");
		return;
	}
	if (!origin_ok(req->upgrade)) {
		log_warn("ws", "%s (%s): refused, Origin %s is not this "
			 "server (%s)", req->ip, req->who.username,
			 req->upgrade->origin, req->upgrade->host);
		api_fail(req, 403, "bad_origin", "the page's origin is not "
			 "this server");
		return;
	}
	if (!(perms_of(&req->who) & (WS_WORKBENCH_READ | WS_AGENTS_READ |
				     WS_QUEUES_READ))) {
		api_fail(req, 403, "forbidden", "needs the 'workbench', "
			 "'agents' or 'queues' permission");
		return;
	}
	if (accept_head(head, sizeof(head), req->upgrade->key) ||
	    !(c = conn_new(hub, req))) {
		api_fail(req, 500, "internal", "out of memory");
		return;
	}
	c->http = mem_ref(api_server_take_conn(req));
	if (httpd_upgrade(c->http, head, recv_handler, close_handler, c)) {
		conn_free(c);
		return;
	}
	list_append(&hub->conns, &c->le, c);
	tmr_start(&c->ping_tmr, WS_PING_S * 1000, ping_handler, c);
	log_info("ws", "%s (%s): connected", c->ip, c->username);
	ws_send_json(c, ws_hello(c));
}

/* ---- credentials, checked again ---- */

struct check_item {
	uint64_t seq;
	bool by_key;
	bool dead;
	char credential[65];
};

struct check_job {
	struct ws_hub *hub;
	size_t n;
	struct check_item items[];
};

/* Whether the session (not expired, its user and tenant enabled) or the
   API key (enabled, its tenant too) still stands. */
static int check_one(struct db *db, struct check_item *it)
{
	json_t *row = NULL;
	int err;

	if (it->by_key)
		err = db_query_one(db, &row, "SELECT k.id FROM api_keys k JOIN "
				   "tenants t ON t.id = k.tenant_id WHERE "
				   "k.id = ? AND k.enabled = 1 AND "
				   "t.enabled = 1",
				   json_pack("[s]", it->credential));
	else
		err = db_query_one(db, &row, "SELECT s.user_id FROM sessions s "
				   "JOIN users u ON u.id = s.user_id JOIN "
				   "tenants t ON t.id = u.tenant_id WHERE "
				   "s.token_hash = ? AND s.expires_at > ? AND "
				   "u.enabled = 1 AND t.enabled = 1",
				   json_pack("[sI]", it->credential,
					     (json_int_t)now_ms()));
	json_decref(row);
	it->dead = err == ENOENT;
	return err == ENOENT ? 0 : err;
}

static int check_work(struct db *db, void *arg)
{
	struct check_job *j = arg;
	int err = 0;

	for (size_t i = 0; i < j->n && !err; i++)
		err = check_one(db, &j->items[i]);
	return err;
}

static void check_later(struct ws_hub *hub);

static void check_done(int err, void *arg)
{
	struct check_job *j = arg;
	struct ws_hub *hub = j->hub;

	hub->checking = false;
	for (size_t i = 0; !err && i < j->n; i++) {
		struct le *le;

		if (!j->items[i].dead)
			continue;
		LIST_FOREACH(&hub->conns, le) {
			struct ws_conn *c = le->data;

			if (c->seq == j->items[i].seq)
				ws_close(c, WS_POLICY, "the session has ended; "
					 "log in again");
		}
	}
	free(j);
	check_later(hub);
}

/* One reader job checks every connection's credentials. */
static void check_now(void *arg)
{
	struct ws_hub *hub = arg;
	size_t n = list_count(&hub->conns), k = 0;
	struct check_job *j;
	struct le *le;

	if (!n || hub->checking) {
		check_later(hub);
		return;
	}
	j = calloc(1, sizeof(*j) + n * sizeof(j->items[0]));
	if (!j) {
		check_later(hub);
		return;
	}
	j->hub = hub;
	LIST_FOREACH(&hub->conns, le) {
		struct ws_conn *c = le->data;
		struct check_item *it = &j->items[k++];

		it->seq = c->seq;
		it->by_key = c->by_key;
		str_ncpy(it->credential, c->credential, sizeof(it->credential));
	}
	j->n = k;
	hub->checking = true;
	if (store_submit(hub->store, STORE_READ, check_work, check_done, j)) {
		hub->checking = false;
		free(j);
		check_later(hub);
	}
}

static void check_later(struct ws_hub *hub)
{
	tmr_start(&hub->check_tmr, WS_CHECK_S * 1000, check_now, hub);
}

/* ---- events ---- */

static void on_event(const char *tenant_id, const char *type, int64_t at,
		     json_t *data, void *arg)
{
	struct ws_hub *hub = arg;
	json_t *ev = NULL;
	struct le *le = list_head(&hub->conns);

	while (le) {
		struct ws_conn *c = le->data;

		le = le->next;           /* c may close while sending */
		if (c->gone || c->closing || strcmp(c->tenant_id, tenant_id) ||
		    !ws_wants(c, type, data))
			continue;
		if (!ev)
			ev = json_pack("{s:s,s:s,s:I,s:O}", "type", "event",
				       "event", type, "at", (json_int_t)at,
				       "data", data);
		ws_send_json(c, json_incref(ev));
	}
	json_decref(ev);
}

int ws_hub_alloc(struct ws_hub **hp, struct api_server *srv,
		 struct store *store, struct bus *bus, struct acd *acd,
		 const struct directory *dir, struct b2bua *b2bua)
{
	struct ws_hub *hub = calloc(1, sizeof(*hub));
	int err;

	if (!hub)
		return ENOMEM;
	list_init(&hub->conns);
	tmr_init(&hub->check_tmr);
	hub->store = store;
	hub->srv = srv;
	hub->bus = bus;
	hub->acd = acd;
	hub->dir = dir;
	hub->b2bua = b2bua;
	err = bus ? bus_subscribe(bus, on_event, hub) : 0;
	if (!err) {
		err = api_server_add_control(srv, "ws.connect", ws_connect,
					     hub);
		if (err)
			bus_unsubscribe(bus, on_event, hub);
	}
	if (err) {
		free(hub);
		return err;
	}
	check_later(hub);
	*hp = hub;
	return 0;
}

void ws_hub_free(struct ws_hub *hub)
{
	struct le *le;

	if (!hub)
		return;
	tmr_cancel(&hub->check_tmr);
	bus_unsubscribe(hub->bus, on_event, hub);
	while ((le = list_head(&hub->conns))) {
		struct ws_conn *c = le->data;

		if (!c->closing && !c->gone)
			send_frame(c, WS_CLOSE, (const uint8_t *)"\x03\xe9", 2);
		if (!c->gone && c->http)
			httpd_raw_close(c->http);
		conn_free(c);
	}
	free(hub);
}
