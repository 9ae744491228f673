/*
 * server.c — the HTTP front door on the control thread: serves the web
 * console's files, /metrics, and turns /api/v1 requests into store jobs.
 *
 * A request is checked here (route, method, size, content type, JSON) and
 * anything that needs the database runs on a store thread: stage one
 * authenticates and runs the route's prepare step (on a reader) or its
 * handler; routes with a prepare step then run their handler on the writer.
 * The answer is sent when the last stage is done.
 */
#include <errno.h>
#include "../core/libre.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "api.h"
#include "files.h"
#include "httpd.h"
#include "server.h"
#include "throttle.h"
#include "metrics.h"
#include "static_files.h"
#include "ws.h"
#include "../core/log.h"

enum { KEY_TOUCH_SLOTS = 64, KEY_TOUCH_MS = 60 * 1000, MAX_CONTROL = 32 };

struct control_route {
	const char *name;
	api_control_h *fn;
	void *arg;
};

/* When each API key last had its last_used_at written. */
struct key_touch {
	char key_id[ID_LEN];
	int64_t at;
};

struct api_server {
	struct httpd *httpd;
	struct key_touch touched[KEY_TOUCH_SLOTS];
	struct store *store;
	struct api_settings settings;
	struct static_files *files;
	struct throttle *throttle;
	struct metrics *metrics;
	struct file_sender *sender;
	api_change_h *change_h;
	void *change_arg;
	struct control_route controls[MAX_CONTROL];
	unsigned ncontrols;
};

/* One request in flight: the parsed request and its connection. */
struct pending {
	struct api_req req;
	struct api_server *srv;
	struct httpd_conn *conn;
	struct tmr delay;
	int64_t started;
	bool reloading;      /* waits for the telephony directory */
	bool deferred;       /* a control function answers later */
	bool taken;          /* ... or took the connection (WebSocket) */
	api_handler *resume; /* its store step before the answer */
};

static const char *reason_phrase(uint16_t status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 422: return "Unprocessable Entity";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default:  return status >= 500 ? "Internal Server Error" : "Error";
	}
}

static void pending_free(struct pending *p)
{
	struct api_req *req = &p->req;

	tmr_cancel(&p->delay);
	principal_clear(&req->who);
	if (req->stash_free)
		req->stash_free(req->stash);
	json_decref(req->body);
	json_decref(req->resp);
	free(req->bytes);
	free(req->path);
	free(req->query);
	free(req->target);
	free(req->id);
	free(req->raw_body);
	free(req->range);
	free(req->if_range);
	file_reply_free(req->file);
	free(req->session_token);
	free(req->key_id);
	free(req->key_ts);
	free(req->key_sig);
	free(req->set_cookie);
	free(req->upgrade);
	mem_deref(p->conn);
	free(p);
}

static void send_json(struct httpd_conn *conn, uint16_t status, json_t *body,
		      const char *set_cookie, const char *extra)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	size_t len = text ? strlen(text) : 0;

	httpd_reply(conn, status, reason_phrase(status),
		   "Content-Type: application/json\r\n"
		   "Content-Length: %zu\r\n"
		   "Cache-Control: no-store\r\n"
		   "X-Content-Type-Options: nosniff\r\n"
		   "%s%s%s%s"
		   "\r\n"
		   "%b",
		   len, set_cookie ? "Set-Cookie: " : "",
		   set_cookie ? set_cookie : "", set_cookie ? "\r\n" : "",
		   extra ? extra : "", text ? text : "", len);
	free(text);
}

static void send_bytes(struct httpd_conn *conn, const struct api_req *req)
{
	httpd_reply(conn, req->status, reason_phrase(req->status),
		   "Content-Type: %s\r\n"
		   "Content-Length: %zu\r\n"
		   "Cache-Control: no-store\r\n"
		   "X-Content-Type-Options: nosniff\r\n"
		   "\r\n"
		   "%b",
		   req->bytes_type, req->bytes_len, req->bytes, req->bytes_len);
}

static void send_reply(struct pending *p)
{
	struct api_req *req = &p->req;
	const char *name = req->route ? req->route->name : "unmatched";

	if (!req->status)
		api_status_for(EIO, req);
	if (req->file && req->status < 300) {
		file_sender_start(p->srv->sender, p->conn, req->file);
		req->file = NULL;
	} else if (req->bytes && req->status < 400) {
		send_bytes(p->conn, req);
	} else {
		send_json(p->conn, req->status, req->resp, req->set_cookie,
			  req->extra_headers);
	}
	metrics_count(p->srv->metrics, name, req->status);
	if (req->route && !strcmp(req->route->name, "auth.login"))
		throttle_result(p->srv->throttle, req->ip, req->login_failed);
	log_debug("http", "%s %s %u %s %lldms", req->method, req->path,
		  req->status, req->ip, (long long)(now_ms() - p->started));
	pending_free(p);
}

/* Records a key's use at most once a minute; true if it must be written. */
static bool key_needs_touch(struct api_server *srv, const char *key_id)
{
	struct key_touch *slot = &srv->touched[0];
	int64_t now = now_ms();

	for (int i = 0; i < KEY_TOUCH_SLOTS; i++) {
		struct key_touch *t = &srv->touched[i];

		if (!strcmp(t->key_id, key_id)) {
			if (now - t->at < KEY_TOUCH_MS)
				return false;
			slot = t;
			break;
		}
		if (t->at < slot->at)
			slot = t;
	}
	snprintf(slot->key_id, sizeof(slot->key_id), "%s", key_id);
	slot->at = now;
	return true;
}

static int touch_key(struct db *db, void *arg)
{
	struct api_req *req = arg;

	return db_exec(db, "UPDATE api_keys SET last_used_at = ? WHERE id = ?",
		       json_pack("[Is]", (json_int_t)now_ms(),
				 req->who.key_id));
}

static void touched(int err, void *arg)
{
	(void)err;
	send_reply(arg);
}

static void reloaded(void *arg)
{
	send_reply(arg);
}

/* Answers the request; a successful API-key call first notes the key's
   use (so last_used_at is right when the caller looks), and a successful
   telephony change first waits for the SIP directory to hold it (so a
   phone may register as soon as the extension's 201 arrives). */
static void finish(struct pending *p)
{
	struct api_req *req = &p->req;

	if (req->route && (req->route->flags & ROUTE_TELEPHONY) &&
	    strcmp(req->method, "GET") && req->status && req->status < 400 &&
	    p->srv->change_h && !p->reloading) {
		p->reloading = true;
		p->srv->change_h(p->srv->change_arg, reloaded, p);
		return;
	}

	if (req->who.via == VIA_KEY && req->status && req->status < 400 &&
	    key_needs_touch(p->srv, req->who.key_id) &&
	    !store_submit(p->srv->store, STORE_WRITE, touch_key, touched, p))
		return;
	send_reply(p);
}

static void reply_error(struct pending *p, uint16_t status, const char *code,
			const char *msg)
{
	api_fail(&p->req, status, code, "%s", msg);
	finish(p);
}

/* ---- stages on the store threads ---- */

static int run_first_stage(struct db *db, void *arg)
{
	struct api_req *req = arg;
	const struct route *r = req->route;
	int err = 0;

	if (!(r->flags & ROUTE_PUBLIC)) {
		err = auth_request(db, req);
		if (!err)
			err = auth_check_route(req);
	}
	if (!err && r->prepare)
		err = r->prepare(db, req);
	else if (!err && r->handler)
		err = r->handler(db, req);
	return api_status_for(err, req);
}

/* A ROUTE_CONTROL request, authenticated: answered on this thread, now
   or, when its function deferred it, at api_server_resume(). */
static void run_control(struct pending *p)
{
	struct api_server *srv = p->srv;

	for (unsigned i = 0; i < srv->ncontrols; i++) {
		if (!strcmp(srv->controls[i].name, p->req.route->name)) {
			srv->controls[i].fn(&p->req, srv->controls[i].arg);
			if (p->taken) {
				metrics_count(srv->metrics,
					      p->req.route->name, 101);
				pending_free(p);
				return;
			}
			if (!p->deferred)
				finish(p);
			return;
		}
	}
	api_fail(&p->req, 503, "unavailable", "telephony is not running "
		 "(start hotlined with --sip)");
	finish(p);
}

static int run_second_stage(struct db *db, void *arg)
{
	struct api_req *req = arg;

	return api_status_for(req->route->handler(db, req), req);
}

static void stage_done(int err, void *arg);

static void submit(struct pending *p, enum store_kind kind, store_work_h *work)
{
	int err = store_submit(p->srv->store, kind, work, stage_done, p);

	if (err)
		reply_error(p, 503, "unavailable", "the store is shutting down");
}

static int log_locked_login(struct db *db, void *arg)
{
	struct api_req *req = arg;
	json_t *tenant = NULL, *id;
	int err = db_query_one(db, &tenant, "SELECT id FROM tenants WHERE "
			       "code = ?", json_pack("[s]", body_str(req,
								     "tenant",
								     "")));

	if (err && err != ENOENT)
		return err;
	id = tenant ? json_object_get(tenant, "id") : NULL;
	err = login_log_write(db, req, id, NULL, "login_locked");
	json_decref(tenant);
	return err;
}

static void second_done(int err, void *arg)
{
	struct pending *p = arg;

	/* A failed commit turns a success into an error. */
	if (err && err != API_HANDLED && p->req.status < 400)
		api_status_for(err, &p->req);
	finish(p);
}

static void stage_done(int err, void *arg)
{
	struct pending *p = arg;
	const struct route *r = p->req.route;

	if (err && err != API_HANDLED && p->req.status < 400)
		api_status_for(err, &p->req);
	if (!err && (r->flags & ROUTE_CONTROL) && !p->req.status) {
		run_control(p);
		return;
	}
	if (!err && r->prepare && !p->req.status) {
		int serr = store_submit(p->srv->store, STORE_WRITE,
					run_second_stage, second_done, p);

		if (serr)
			reply_error(p, 503, "unavailable",
				    "the store is shutting down");
		return;
	}
	finish(p);
}

static void start_jobs(struct pending *p)
{
	const struct route *r = p->req.route;
	bool reads = r->prepare || (!strcmp(r->method, "GET") &&
				    !(r->flags & ROUTE_WRITE));

	submit(p, reads ? STORE_READ : STORE_WRITE, run_first_stage);
}

static void delayed_start(void *arg)
{
	start_jobs(arg);
}

/* ---- parsing on the control thread ---- */

static char *plain_dup(const struct pl *pl)
{
	return pl && pl->p ? strndup(pl->p, pl->l) : strdup("");
}

static char *header_value(const struct http_msg *msg, const char *name)
{
	const struct http_hdr *h = http_msg_xhdr(msg, name);

	return h ? plain_dup(&h->val) : NULL;
}

/* The hl_session cookie, or a bearer token. */
static char *session_token(const struct http_msg *msg)
{
	const struct http_hdr *h = http_msg_hdr(msg, HTTP_HDR_AUTHORIZATION);
	struct pl cookie, token;

	if (h && h->val.l > 7 && !strncasecmp(h->val.p, "Bearer ", 7))
		return strndup(h->val.p + 7, h->val.l - 7);
	h = http_msg_xhdr(msg, "Cookie");
	if (!h)
		return NULL;
	cookie = h->val;
	if (re_regex(cookie.p, cookie.l, "hl_session=[^;]+", &token))
		return NULL;
	return token.l ? plain_dup(&token) : NULL;
}

static bool is_json(const struct http_msg *msg)
{
	return !pl_strcasecmp(&msg->ctyp.type, "application") &&
	       !pl_strcasecmp(&msg->ctyp.subtype, "json");
}

/* An upload's type is sniffed from its bytes; the header only has to say
   "some audio" or "some bytes", so a form or JSON is a mistake we name. */
static bool is_upload_type(const struct http_msg *msg)
{
	return !msg->ctyp.type.l ||
	       !pl_strcasecmp(&msg->ctyp.type, "audio") ||
	       (!pl_strcasecmp(&msg->ctyp.type, "application") &&
		!pl_strcasecmp(&msg->ctyp.subtype, "octet-stream"));
}

static int copy_body(struct api_req *req, const struct http_msg *msg,
		     size_t len)
{
	req->raw_body = malloc(len + 1);
	if (!req->raw_body) {
		api_fail(req, 500, "internal", "out of memory");
		return -1;
	}
	memcpy(req->raw_body, mbuf_buf(msg->mb), len);
	req->raw_body[len] = '\0';
	req->body_len = len;
	return 0;
}

static int parse_body(struct pending *p, const struct http_msg *msg)
{
	struct api_req *req = &p->req;
	size_t len = msg->mb ? mbuf_get_left(msg->mb) : 0;
	bool upload = req->route->flags & ROUTE_UPLOAD;
	size_t max = upload ? API_UPLOAD_MAX
			    : (size_t)p->srv->settings.max_body;
	json_error_t jerr;

	if (msg->clen > max || len > max) {
		if (upload)
			api_fail(req, 413, "too_large", API_UPLOAD_TOO_LARGE);
		else
			api_fail(req, 413, "body_too_large", "the body is over "
				 "%ld bytes", p->srv->settings.max_body);
		return -1;
	}
	if (upload && !is_upload_type(msg)) {
		api_fail(req, 415, "unsupported_media_type", "send the audio "
			 "file's bytes as the body (audio/mpeg, audio/wav or "
			 "application/octet-stream), not a form or JSON");
		return -1;
	}
	if (upload)
		return len ? copy_body(req, msg, len) : 0;
	if (len == 0)
		return 0;
	if (!is_json(msg)) {
		api_fail(req, 415, "unsupported_media_type",
			 "send the body as application/json");
		return -1;
	}
	if (copy_body(req, msg, len))
		return -1;
	req->body = json_loadb(req->raw_body, len, JSON_REJECT_DUPLICATES,
			       &jerr);
	if (!req->body) {
		api_fail(req, 400, "bad_json", "the body is not valid JSON: "
			 "%s (line %d, column %d)", jerr.text, jerr.line,
			 jerr.column);
		return -1;
	}
	if (!json_is_object(req->body)) {
		api_fail(req, 400, "bad_json", "the body must be a JSON object");
		return -1;
	}
	return 0;
}

static struct pending *pending_new(struct api_server *srv,
				   struct httpd_conn *conn,
				   const struct http_msg *msg)
{
	struct pending *p = calloc(1, sizeof(*p));
	struct api_req *req;

	if (!p)
		return NULL;
	req = &p->req;
	p->srv = srv;
	p->conn = mem_ref(conn);
	p->started = now_ms();
	tmr_init(&p->delay);
	req->settings = &srv->settings;
	re_snprintf(req->method, sizeof(req->method), "%r", &msg->met);
	req->path = plain_dup(&msg->path);
	req->query = msg->prm.l > 1 ? strndup(msg->prm.p + 1, msg->prm.l - 1)
				    : strdup("");
	if (re_sdprintf(&req->target, "%r%r", &msg->path, &msg->prm))
		req->target = NULL;
	/* re_sdprintf memory belongs to libre: copy it to plain malloc. */
	if (req->target) {
		char *t = strdup(req->target);

		mem_deref(req->target);
		req->target = t;
	}
	re_snprintf(req->ip, sizeof(req->ip), "%j", httpd_conn_peer(conn));
	return p;
}

/* The WebSocket route's handshake headers, checked before the caller's
   identity: -1 when the request is refused. */
static int ws_upgrade_check(struct pending *p, const struct http_msg *msg)
{
	struct api_req *req = &p->req;
	const char *code, *message;
	int status;

	if (!(req->route->flags & ROUTE_UPGRADE))
		return 0;
	req->upgrade = calloc(1, sizeof(*req->upgrade));
	if (!req->upgrade) {
		api_fail(req, 500, "internal", "out of memory");
		return -1;
	}
	status = ws_upgrade_parse(msg, req->upgrade, &code, &message);
	if (!status)
		return 0;
	api_fail(req, (uint16_t)status, code, "%s", message);
	if (status == 426)
		snprintf(req->extra_headers, sizeof(req->extra_headers),
			 "Upgrade: websocket\r\nSec-WebSocket-Version: 13"
			 "\r\n");
	return -1;
}

static void api_request(struct api_server *srv, struct httpd_conn *conn,
			const struct http_msg *msg)
{
	struct pending *p = pending_new(srv, conn, msg);
	struct api_req *req;
	bool wrong_method;
	uint64_t wait;

	if (!p) {
		httpd_reply(conn, 500, "Internal Server Error",
			    "Content-Length: 0\r\n\r\n");
		return;
	}
	req = &p->req;
	if (!req->path || !req->query || !req->target) {
		reply_error(p, 500, "internal", "out of memory");
		return;
	}
	req->route = route_match(req->method, req->path, &req->id,
				 &wrong_method);
	if (!req->route) {
		if (wrong_method)
			reply_error(p, 405, "method_not_allowed",
				    "this path does not take that method");
		else
			reply_error(p, 404, "not_found", "no such endpoint");
		return;
	}
	if (parse_body(p, msg) || ws_upgrade_check(p, msg)) {
		finish(p);
		return;
	}
	req->session_token = session_token(msg);
	req->range = header_value(msg, "Range");
	req->if_range = header_value(msg, "If-Range");
	req->key_id = header_value(msg, "X-Hotline-Key");
	req->key_ts = header_value(msg, "X-Hotline-Timestamp");
	req->key_sig = header_value(msg, "X-Hotline-Signature");
	if (strcmp(req->route->name, "auth.login")) {
		start_jobs(p);
		return;
	}
	if (throttle_locked(srv->throttle, req->ip)) {
		log_warn("auth", "login from %s refused: locked", req->ip);
		api_fail(req, 429, "login_locked", "too many failed logins "
			 "from this address; try again later");
		if (store_submit(srv->store, STORE_WRITE, log_locked_login,
				 second_done, p))
			finish(p);
		return;
	}
	wait = throttle_delay_ms(srv->throttle, req->ip);
	if (!wait) {
		start_jobs(p);
		return;
	}
	tmr_start(&p->delay, wait, delayed_start, p);
}

static void metrics_request(struct api_server *srv, struct httpd_conn *conn)
{
	char *text = NULL;

	if (metrics_render(srv->metrics, srv->store, &text)) {
		httpd_reply(conn, 500, "Internal Server Error",
			    "Content-Length: 0\r\n\r\n");
		return;
	}
	httpd_reply(conn, 200, "OK",
		   "Content-Type: text/plain; version=0.0.4\r\n"
		   "Content-Length: %zu\r\n\r\n%s", strlen(text), text);
	metrics_count(srv->metrics, "metrics", 200);
	free(text);
}

/* Upload routes take bigger bodies than the rest (decided from the
   headers, before the body arrives). */
static void body_limit(const struct http_msg *msg, struct httpd_limit *lim,
		       void *arg)
{
	const struct route *r;
	char method[8], *path, *id = NULL;
	bool mismatch;

	(void)arg;
	if (msg->path.l < 5 || memcmp(msg->path.p, "/api/", 5))
		return;
	path = plain_dup(&msg->path);
	if (!path)
		return;
	re_snprintf(method, sizeof(method), "%r", &msg->met);
	r = route_match(method, path, &id, &mismatch);
	if (r && (r->flags & ROUTE_UPLOAD)) {
		lim->max_body = API_UPLOAD_MAX;
		lim->code = "too_large";
		lim->message = API_UPLOAD_TOO_LARGE;
	}
	free(id);
	free(path);
}

void api_server_set_sip_ws_url(struct api_server *srv, const char *url)
{
	snprintf(srv->settings.sip_ws_url, sizeof(srv->settings.sip_ws_url),
		 "%s", url ? url : "");
}

static void request_handler(struct httpd_conn *conn, const struct http_msg *msg,
			    void *arg)
{
	struct api_server *srv = arg;

	if (!pl_strcmp(&msg->path, "/metrics"))
		metrics_request(srv, conn);
	else if (msg->path.l >= 5 && !memcmp(msg->path.p, "/api/", 5))
		api_request(srv, conn, msg);
	else
		metrics_count(srv->metrics, "static",
			      static_files_serve(srv->files, conn, msg));
}

int api_server_start(struct api_server **srvp, const char *addr,
		     struct store *store, const char *web_dir,
		     const char *data_dir, long session_hours, long max_body)
{
	struct api_server *srv = calloc(1, sizeof(*srv));
	struct sa laddr;
	int err;

	if (!srv)
		return ENOMEM;
	srv->store = store;
	srv->settings.session_hours = session_hours;
	srv->settings.max_body = max_body;
	srv->settings.data_dir = data_dir;
	srv->settings.db_name = store_backend(store);
	srv->settings.version = HOTLINE_VERSION;
	err = sa_decode(&laddr, addr, strlen(addr));
	if (err) {
		log_error("http", "bad listen address '%s' (want ADDR:PORT)",
			  addr);
		goto fail;
	}
	err = static_files_load(&srv->files, web_dir);
	if (!err)
		err = throttle_alloc(&srv->throttle);
	if (!err)
		err = metrics_alloc(&srv->metrics);
	if (!err)
		err = file_sender_alloc(&srv->sender, store);
	if (!err)
		err = httpd_listen(&srv->httpd, &laddr,
				   (size_t)srv->settings.max_body,
				   request_handler, srv);
	if (!err)
		httpd_set_limit_handler(srv->httpd, body_limit, srv);
	if (err) {
		log_error("http", "cannot listen on %s: %s", addr, strerror(err));
		goto fail;
	}
	*srvp = srv;
	return 0;
fail:
	api_server_stop(srv);
	return err;
}

static struct pending *pending_of(struct api_req *req)
{
	return (struct pending *)(void *)((char *)req -
					  offsetof(struct pending, req));
}

struct httpd_conn *api_server_take_conn(struct api_req *req)
{
	struct pending *p = pending_of(req);

	p->taken = true;
	return p->conn;
}

void api_server_defer(struct api_req *req)
{
	pending_of(req)->deferred = true;
}

static int run_resumed(struct db *db, void *arg)
{
	struct pending *p = arg;

	return api_status_for(p->resume(db, &p->req), &p->req);
}

void api_server_resume(struct api_req *req,
		       int (*work)(struct db *db, struct api_req *req))
{
	struct pending *p = pending_of(req);

	p->deferred = false;
	if (!work) {
		finish(p);
		return;
	}
	p->resume = work;
	if (store_submit(p->srv->store, STORE_READ, run_resumed, second_done,
			 p))
		reply_error(p, 503, "unavailable",
			    "the store is shutting down");
}

int api_server_add_control(struct api_server *srv, const char *name,
			   api_control_h *fn, void *arg)
{
	if (srv->ncontrols == MAX_CONTROL)
		return ENOSPC;
	srv->controls[srv->ncontrols++] = (struct control_route){name, fn, arg};
	return 0;
}

void api_server_on_change(struct api_server *srv, api_change_h *h,
			  void *arg)
{
	srv->change_h = h;
	srv->change_arg = arg;
}

void api_server_stop(struct api_server *srv)
{
	if (!srv)
		return;
	srv->httpd = mem_deref(srv->httpd);
	file_sender_free(srv->sender);
	static_files_free(srv->files);
	throttle_free(srv->throttle);
	metrics_free(srv->metrics);
	free(srv);
}
