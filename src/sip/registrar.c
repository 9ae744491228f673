/*
 * registrar.c — SIP REGISTER handling (RFC 3261 §10) for extensions: who
 * may register (tenant, extension, transport, source address), digest
 * authentication with MD5 and SHA-256 (reg_auth.c), the bindings with
 * their expiry and contact limit, NAT (replies and later requests go to
 * the address the REGISTER came from), OPTIONS keep-alive to UDP contacts,
 * and the per-address failure guard against password guessing and
 * scanners. Bindings live here on the control thread; reg_store.c copies
 * every change to the registrations table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "registrar.h"
#include "directory.h"
#include "reg_auth.h"
#include "reg_internal.h"
#include "../core/cidr.h"
#include "../core/log.h"

enum {
	MIN_EXPIRES = 60,
	MAX_EXPIRES = 3600,
	PING_INTERVAL_MS = 30000,
	PING_MAX_FAILS = 3,
	SWEEP_MS = 1000,
	SOFT_FAILS = 3,          /* from this many failures: 403, not 401 */
	MAX_CONTACTS_IN = 16,
};

/* ------------------------------------------------------------ bindings */

static void binding_destroy(void *arg)
{
	struct binding *b = arg;

	list_unlink(&b->le);
	hash_unlink(&b->he);
	mem_deref(b->ping);   /* a running ping finishes without us */
	mem_deref(b->uri);
	mem_deref(b->user_agent);
	mem_deref(b->callid);
}

struct binding *binding_find(struct registrar *reg, const char *ext_id,
			     const struct pl *uri)
{
	struct list *l = hash_list(reg->by_ext, hash_joaat_str(ext_id));

	for (struct le *le = list_head(l); le; le = le->next) {
		struct binding *b = le->data;

		if (!strcmp(b->ext_id, ext_id) && !pl_strcmp(uri, b->uri))
			return b;
	}
	return NULL;
}

static unsigned binding_count(struct registrar *reg, const char *ext_id,
			      struct binding **oldestp)
{
	struct list *l = hash_list(reg->by_ext, hash_joaat_str(ext_id));
	unsigned n = 0;

	*oldestp = NULL;
	for (struct le *le = list_head(l); le; le = le->next) {
		struct binding *b = le->data;

		if (strcmp(b->ext_id, ext_id))
			continue;
		n++;
		if (!*oldestp || b->registered_ms < (*oldestp)->registered_ms)
			*oldestp = b;
	}
	return n;
}

struct binding *binding_new(struct registrar *reg, const char *ext_id,
			    const char *tenant_id, const char *number,
			    const struct pl *uri)
{
	struct binding *b = mem_zalloc(sizeof(*b), binding_destroy);

	if (!b)
		return NULL;
	if (pl_strdup(&b->uri, uri)) {
		mem_deref(b);
		return NULL;
	}
	b->reg = reg;
	snprintf(b->ext_id, sizeof(b->ext_id), "%s", ext_id);
	snprintf(b->tenant_id, sizeof(b->tenant_id), "%s", tenant_id);
	snprintf(b->number, sizeof(b->number), "%s", number);
	list_append(&reg->bindings, &b->le, b);
	hash_append(reg->by_ext, hash_joaat_str(ext_id), &b->he, b);
	return b;
}

/* Removes a binding and its stored row. */
static void binding_remove(struct binding *b, const char *why)
{
	log_info("sip", "extension %s: contact %s removed (%s)", b->number,
		 b->uri, why);
	reg_store_delete(b->reg->store, b->ext_id, b->uri);
	mem_deref(b);
}

/* "ip:port" of an address, for logs. */
static const char *addr_str(const struct sa *sa, char *buf, size_t size)
{
	if (re_snprintf(buf, size, "%J", sa) < 0)
		snprintf(buf, size, "?");
	return buf;
}

/* --------------------------------------------------------------- replies */

static void reply(struct registrar *reg, const struct sip_msg *msg,
		  uint16_t code, const char *reason)
{
	int err = sip_treplyf(NULL, NULL, reg->sip, msg, false, code, reason,
			      "Content-Length: 0\r\n\r\n");

	if (err)
		log_debug("sip", "reply %u failed: %s", code, strerror(err));
}

/* One challenge header per algorithm the extension allows, in its order
   (RFC 8760 §2.4: the preferred one first). */
static void challenge(struct registrar *reg, const struct sip_msg *msg,
		      const struct dir_tenant *t,
		      const struct dir_extension *ext, bool stale, bool proxy)
{
	const char *hdr = proxy ? "Proxy-Authenticate" : "WWW-Authenticate";
	struct mbuf *mb = mbuf_alloc(512);
	char nonce[64];
	int err = mb ? 0 : ENOMEM;

	nonce_make(nonce, reg->secret, (uint64_t)(now_ms() / 1000),
		   t->sip_domain);
	for (const unsigned char *a = ext->digest_algs; *a && !err; a++)
		err = mbuf_printf(mb, "%s: Digest realm=\"%s\", nonce=\"%s\", "
				  "algorithm=%s, qop=\"auth\"%s\r\n", hdr,
				  t->sip_domain, nonce,
				  *a == DIR_DIGEST_SHA256 ? "SHA-256" : "MD5",
				  stale ? ", stale=true" : "");
	if (!err)
		err = sip_treplyf(NULL, NULL, reg->sip, msg, false,
				  proxy ? 407 : 401,
				  proxy ? "Proxy Authentication Required"
					: "Unauthorized",
				  "%bContent-Length: 0\r\n\r\n", mb->buf,
				  mb->end);
	if (err)
		log_debug("sip", "challenge failed: %s", strerror(err));
	mem_deref(mb);
}

static bool alg_allowed(const struct dir_extension *ext, int alg)
{
	unsigned char want = alg == DIGEST_SHA256 ? DIR_DIGEST_SHA256
						  : DIR_DIGEST_MD5;

	for (const unsigned char *a = ext->digest_algs; *a; a++) {
		if (*a == want)
			return true;
	}
	return false;
}

/* 200 OK listing every current contact of the extension. */
static void reply_ok(struct registrar *reg, const struct sip_msg *msg,
		     const char *ext_id)
{
	struct list *l = hash_list(reg->by_ext, hash_joaat_str(ext_id));
	struct mbuf *mb = mbuf_alloc(512);
	int64_t now = now_ms();
	int err = mb ? 0 : ENOMEM;

	for (struct le *le = list_head(l); le && !err; le = le->next) {
		const struct binding *b = le->data;
		int64_t left = (b->expires_ms - now + 999) / 1000;

		if (strcmp(b->ext_id, ext_id))
			continue;
		err = mbuf_printf(mb, "Contact: <%s>;expires=%lld\r\n", b->uri,
				  (long long)(left > 0 ? left : 0));
	}
	if (!err)
		err = sip_treplyf(NULL, NULL, reg->sip, msg, false, 200, "OK",
				  "%bContent-Length: 0\r\n\r\n", mb->buf,
				  mb->end);
	if (err)
		log_debug("sip", "200 to REGISTER failed: %s", strerror(err));
	mem_deref(mb);
}

/* ------------------------------------------------------------ admission */

enum auth_result { AUTH_OK, AUTH_CHALLENGE, AUTH_STALE, AUTH_FAIL,
		   AUTH_BAD };

struct auth_ctx {
	const char *realm;
	struct digest_creds creds;
	bool found, bad;
};

static bool pick_creds(const struct sip_hdr *hdr, const struct sip_msg *msg,
		       void *arg)
{
	struct auth_ctx *ctx = arg;
	struct digest_creds c;

	(void)msg;
	if (digest_parse(&c, &hdr->val)) {
		ctx->bad = true;
		return false;
	}
	if (pl_strcasecmp(&c.realm, ctx->realm))
		return false;
	ctx->creds = c;
	ctx->found = true;
	return true;
}

static enum auth_result check_auth(struct registrar *reg,
				   const struct sip_msg *msg,
				   const struct dir_tenant *t,
				   const struct dir_extension *ext, bool proxy)
{
	struct auth_ctx ctx = {.realm = t->sip_domain};
	enum nonce_state ns;

	sip_msg_hdr_apply(msg, true, proxy ? SIP_HDR_PROXY_AUTHORIZATION
					   : SIP_HDR_AUTHORIZATION,
			  pick_creds, &ctx);
	if (!ctx.found)
		return ctx.bad ? AUTH_BAD : AUTH_CHALLENGE;
	if (pl_strcmp(&ctx.creds.username, ext->number))
		return AUTH_FAIL;
	if (digest_alg_of(&ctx.creds) < 0 ||
	    !alg_allowed(ext, digest_alg_of(&ctx.creds)))
		return AUTH_CHALLENGE;
	ns = nonce_check(&ctx.creds.nonce, reg->secret,
			 (uint64_t)(now_ms() / 1000), t->sip_domain);
	if (ns == NONCE_BAD)
		return AUTH_CHALLENGE;
	if (!digest_verify(&ctx.creds, &msg->met, ext->password))
		return AUTH_FAIL;
	return ns == NONCE_STALE ? AUTH_STALE : AUTH_OK;
}

/* Counts a failure of the source; answers 403 once it keeps failing. */
static void refuse(struct registrar *reg, const struct sip_msg *msg,
		   const struct dir_tenant *t, const struct dir_extension *ext,
		   bool proxy, uint16_t code, const char *reason)
{
	unsigned n = reg_guard_fail(reg->guard, &msg->src, now_ms());

	if (code == 401 && n < SOFT_FAILS && t && ext)
		challenge(reg, msg, t, ext, false, proxy);
	else
		reply(reg, msg, code == 401 ? 403 : code,
		      code == 401 ? "Forbidden" : reason);
}

static bool source_allowed(const struct dir_extension *ext,
			   const struct sa *src)
{
	char ip[64];

	if (json_array_size(ext->allowed_cidrs) == 0)
		return true;
	if (sa_ntop(src, ip, sizeof(ip)))
		return false;
	return cidr_list_allows(ext->allowed_cidrs, ip);
}

/*
 * Who is this request from, and may it be? Answers the request itself and
 * returns NULL when not. `user`/`host` name the extension (To for
 * REGISTER, From otherwise).
 */
static const struct dir_extension *admit(struct registrar *reg,
					 const struct sip_msg *msg,
					 const struct uri *aor, bool proxy)
{
	const struct dir_tenant *t;
	const struct dir_extension *ext;

	t = directory_tenant_for_domain(reg->dir, &aor->host);
	ext = t && t->enabled ? directory_extension(reg->dir, t->id,
						   &aor->user)
			      : NULL;
	if (!ext) {
		refuse(reg, msg, NULL, NULL, proxy, 404, "Not Found");
		return NULL;
	}
	if (!ext->enabled) {
		reply(reg, msg, 403, "Extension Disabled");
		return NULL;
	}
	if (!transport_allowed(ext->transports, msg->tp)) {
		reply(reg, msg, 403, "Transport Not Allowed");
		return NULL;
	}
	if (!source_allowed(ext, &msg->src)) {
		reply(reg, msg, 403, "Source Address Not Allowed");
		return NULL;
	}
	switch (check_auth(reg, msg, t, ext, proxy)) {
	case AUTH_OK:
		return ext;
	case AUTH_CHALLENGE:
		challenge(reg, msg, t, ext, false, proxy);
		return NULL;
	case AUTH_STALE:
		challenge(reg, msg, t, ext, true, proxy);
		return NULL;
	case AUTH_BAD:
		reply(reg, msg, 400, "Bad Authorization Header");
		return NULL;
	case AUTH_FAIL:
		refuse(reg, msg, t, ext, proxy, 401, "Unauthorized");
		return NULL;
	}
	return NULL;
}

/* ------------------------------------------------------------- contacts */

struct contact_in {
	struct sip_addr addr;
	uint32_t expires;
	bool star;
};

struct contacts {
	struct contact_in v[MAX_CONTACTS_IN];
	unsigned n;
	uint32_t default_expires;
	const char *error;       /* 400 reason, or NULL */
	bool too_brief;
};

static bool digits_only(const struct pl *pl)
{
	if (!pl->l || pl->l > 9)
		return false;
	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
	}
	return true;
}

static bool collect_contact(const struct sip_hdr *hdr,
			    const struct sip_msg *msg, void *arg)
{
	struct contacts *cs = arg;
	struct contact_in *c;
	struct pl exp;

	(void)msg;
	if (cs->n >= MAX_CONTACTS_IN) {
		cs->error = "Too Many Contacts";
		return true;
	}
	c = &cs->v[cs->n++];
	memset(c, 0, sizeof(*c));
	if (!pl_strcmp(&hdr->val, "*")) {
		c->star = true;
		return false;
	}
	if (sip_addr_decode(&c->addr, &hdr->val) ||
	    (pl_strcasecmp(&c->addr.uri.scheme, "sip") &&
	     pl_strcasecmp(&c->addr.uri.scheme, "sips")) ||
	    !pl_isset(&c->addr.uri.host) || c->addr.auri.l > 512) {
		cs->error = "Bad Contact";
		return true;
	}
	c->expires = cs->default_expires;
	if (!msg_param_decode(&c->addr.params, "expires", &exp)) {
		if (!digits_only(&exp)) {
			cs->error = "Bad Expires";
			return true;
		}
		c->expires = pl_u32(&exp);
	}
	if (c->expires && c->expires < MIN_EXPIRES)
		cs->too_brief = true;
	if (c->expires > MAX_EXPIRES)
		c->expires = MAX_EXPIRES;
	return false;
}

/* Parses Contact and Expires; answers 400/423 itself and returns false. */
static bool parse_contacts(struct registrar *reg, const struct sip_msg *msg,
			   struct contacts *cs)
{
	cs->default_expires = MAX_EXPIRES;
	if (pl_isset(&msg->expires)) {
		if (!digits_only(&msg->expires)) {
			reply(reg, msg, 400, "Bad Expires");
			return false;
		}
		cs->default_expires = pl_u32(&msg->expires);
	}
	sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, collect_contact, cs);
	for (unsigned i = 0; i < cs->n && !cs->error; i++) {
		if (cs->v[i].star && (cs->n > 1 || cs->default_expires))
			cs->error = "Bad Wildcard Contact";
	}
	if (cs->error) {
		reply(reg, msg, 400, cs->error);
		return false;
	}
	if (cs->too_brief) {
		int err = sip_treplyf(NULL, NULL, reg->sip, msg, false, 423,
				      "Interval Too Brief",
				      "Min-Expires: %u\r\n"
				      "Content-Length: 0\r\n\r\n",
				      (unsigned)MIN_EXPIRES);
		if (err)
			log_debug("sip", "423 failed: %s", strerror(err));
		return false;
	}
	return true;
}

static void remove_all(struct registrar *reg, const char *ext_id)
{
	struct list *l = hash_list(reg->by_ext, hash_joaat_str(ext_id));
	struct le *le = list_head(l);

	while (le) {
		struct binding *b = le->data;

		le = le->next;
		if (!strcmp(b->ext_id, ext_id))
			binding_remove(b, "unregistered");
	}
}

static void set_str(char **dst, const struct pl *pl)
{
	char *s = NULL;

	if (pl && pl->p && pl_strdup(&s, pl))
		return;
	mem_deref(*dst);
	*dst = s;
}

static bool over_websocket(enum sip_transp tp)
{
	return tp == SIP_TRANSP_WS || tp == SIP_TRANSP_WSS;
}

/* A browser that lost its WebSocket registers again over a new one: the
   same Call-ID, a contact with the new socket's address. Its binding of
   the lost socket can be reached no more (calls forked to it would fail
   at once): it goes. */
static void drop_lost_socket(struct registrar *reg, const struct sip_msg *msg,
			     const char *ext_id)
{
	struct list *l = hash_list(reg->by_ext, hash_joaat_str(ext_id));
	struct le *le = list_head(l);

	while (le) {
		struct binding *b = le->data;

		le = le->next;
		if (!strcmp(b->ext_id, ext_id) && over_websocket(b->tp) &&
		    b->callid && !pl_strcmp(&msg->callid, b->callid))
			binding_remove(b, "its WebSocket was replaced");
	}
}

/* Adds or refreshes one binding; false when the request is out of order. */
static bool bind_one(struct registrar *reg, const struct sip_msg *msg,
		     const struct dir_extension *ext, const struct contact_in *c)
{
	struct binding *b = binding_find(reg, ext->id, &c->addr.auri);
	struct binding *oldest;
	const struct sip_hdr *ua;
	int64_t now = now_ms();

	if (b && b->callid && !pl_strcmp(&msg->callid, b->callid) &&
	    msg->cseq.num <= b->cseq)
		return false;
	if (!c->expires) {
		if (b)
			binding_remove(b, "unregistered");
		return true;
	}
	if (!b) {
		if (over_websocket(msg->tp))
			drop_lost_socket(reg, msg, ext->id);
		while (binding_count(reg, ext->id, &oldest) >=
		       ext->max_contacts && oldest)
			binding_remove(oldest, "contact limit");
		b = binding_new(reg, ext->id, ext->tenant_id, ext->number,
				&c->addr.auri);
		if (!b)
			return true;
		b->registered_ms = now;
		id_new(b->row_id);
		char src[80];

		log_info("sip", "extension %s registered %s from %s",
			 ext->number, b->uri,
			 addr_str(&msg->src, src, sizeof(src)));
	}
	b->tp = msg->tp;
	b->dst = msg->src;   /* behind NAT the source is what reaches it */
	b->expires_ms = now + (int64_t)c->expires * 1000;
	b->cseq = msg->cseq.num;
	b->ping_fails = 0;
	b->next_ping_ms = now + PING_INTERVAL_MS;
	set_str(&b->callid, &msg->callid);
	ua = sip_msg_hdr(msg, SIP_HDR_USER_AGENT);
	set_str(&b->user_agent, ua ? &ua->val : NULL);
	reg_store_upsert(reg->store, b);
	return true;
}

static void handle_register(struct registrar *reg, const struct sip_msg *msg)
{
	const struct dir_extension *ext;
	struct contacts *cs;

	if (reg_guard_blocked(reg->guard, &msg->src, now_ms())) {
		char src[80];

		log_debug("sip", "REGISTER from blocked %s dropped",
			  addr_str(&msg->src, src, sizeof(src)));
		return;
	}
	if (!pl_isset(&msg->to.auri) || !pl_isset(&msg->from.auri) ||
	    !pl_isset(&msg->callid) || !pl_isset(&msg->cseq.met) ||
	    !pl_isset(&msg->to.uri.user)) {
		reply(reg, msg, 400, "Missing or Bad To, From, Call-ID or CSeq");
		return;
	}
	ext = admit(reg, msg, &msg->to.uri, false);
	if (!ext)
		return;
	cs = mem_zalloc(sizeof(*cs), NULL);
	if (!cs) {
		reply(reg, msg, 500, "Out of Memory");
		return;
	}
	if (!parse_contacts(reg, msg, cs))
		goto out;
	if (cs->n == 1 && cs->v[0].star) {
		remove_all(reg, ext->id);
	} else {
		for (unsigned i = 0; i < cs->n; i++) {
			if (!bind_one(reg, msg, ext, &cs->v[i])) {
				reply(reg, msg, 500, "Request Out of Order");
				goto out;
			}
		}
	}
	reply_ok(reg, msg, ext->id);
out:
	mem_deref(cs);
}

static bool on_request(const struct sip_msg *msg, void *arg)
{
	struct registrar *reg = arg;

	if (pl_strcmp(&msg->met, "REGISTER"))
		return false;
	handle_register(reg, msg);
	return true;
}

const struct dir_extension *registrar_authenticate(struct registrar *reg,
						   const struct sip_msg *msg)
{
	if (!reg || !msg)
		return NULL;
	if (reg_guard_blocked(reg->guard, &msg->src, now_ms()))
		return NULL;
	if (!pl_isset(&msg->from.uri.user)) {
		reply(reg, msg, 403, "Unknown Caller");
		return NULL;
	}
	return admit(reg, msg, &msg->from.uri, true);
}

/* ------------------------------------------------------------ keep-alive */

static void ping_done(int err, const struct sip_msg *msg, void *arg)
{
	struct binding *b = arg;

	if (!err && msg && msg->scode < 200)
		return;
	b->ping = NULL;
	if (!err && msg) {
		b->ping_fails = 0;
		return;
	}
	if (++b->ping_fails < PING_MAX_FAILS)
		return;
	binding_remove(b, "keep-alive failed");
}

static void ping(struct binding *b)
{
	struct registrar *reg = b->reg;
	char route_s[128];
	struct uri route;
	struct pl pl;
	int err;

	if (re_snprintf(route_s, sizeof(route_s), "sip:%J", &b->dst) < 0)
		return;
	pl_set_str(&pl, route_s);
	if (uri_decode(&route, &pl))
		return;
	err = sip_requestf(&b->ping, reg->sip, true, "OPTIONS", b->uri,
			   &route, NULL, NULL, ping_done, b,
			   "Max-Forwards: 70\r\n"
			   "To: <%s>\r\n"
			   "From: <sip:hotline@hotline.invalid>;tag=%016llx\r\n"
			   "Call-ID: %016llx%08x@hotline\r\n"
			   "CSeq: 1 OPTIONS\r\n"
			   "Content-Length: 0\r\n\r\n",
			   b->uri, (unsigned long long)randombytes_random()
			   << 32 | randombytes_random(),
			   (unsigned long long)randombytes_random() << 32 |
			   randombytes_random(), randombytes_random());
	if (err) {
		log_debug("sip", "OPTIONS to %s failed: %s", b->uri,
			  strerror(err));
		b->ping = NULL;
		if (++b->ping_fails >= PING_MAX_FAILS)
			binding_remove(b, "keep-alive failed");
	}
}

/* Is the binding's extension still there, the same one, and enabled? */
static bool still_valid(struct registrar *reg, const struct binding *b)
{
	const struct dir_extension *ext;
	struct pl num;

	pl_set_str(&num, b->number);
	ext = directory_extension(reg->dir, b->tenant_id, &num);
	return ext && ext->enabled && !strcmp(ext->id, b->ext_id);
}

static void sweep(void *arg)
{
	struct registrar *reg = arg;
	int64_t now = now_ms();
	struct le *le = list_head(&reg->bindings);

	tmr_start(&reg->tmr, SWEEP_MS, sweep, reg);
	while (le) {
		struct binding *b = le->data;

		le = le->next;
		if (b->expires_ms <= now)
			binding_remove(b, "expired");
		else if (reg->dir_checks && !still_valid(reg, b))
			binding_remove(b, "extension changed");
		else if (b->tp == SIP_TRANSP_UDP && !b->ping &&
			 now >= b->next_ping_ms) {
			b->next_ping_ms = now + PING_INTERVAL_MS;
			ping(b);
		}
	}
	if (now - reg->pruned_ms > 60000) {
		reg->pruned_ms = now;
		reg_guard_prune(reg->guard, now);
	}
}

/* -------------------------------------------------------------- lifetime */

static void registrar_destroy(void *arg)
{
	struct registrar *reg = arg;

	tmr_cancel(&reg->tmr);
	reg->lsnr = mem_deref(reg->lsnr);
	reg_store_cancel(reg);
	/* Bindings stay in the table: a restart loads them back. */
	list_flush(&reg->bindings);
	reg->by_ext = mem_deref(reg->by_ext);
	reg_guard_free(reg->guard);
}

int registrar_alloc(struct registrar **regp, struct sip *sip,
		    struct store *store, struct directory *dir)
{
	struct registrar *reg;
	int err;

	if (!regp || !sip || !store || !dir)
		return EINVAL;
	reg = mem_zalloc(sizeof(*reg), registrar_destroy);
	if (!reg)
		return ENOMEM;
	reg->sip = sip;
	reg->store = store;
	reg->dir = dir;
	reg->dir_checks = true;
	randombytes_buf(reg->secret, sizeof(reg->secret));
	err = hash_alloc(&reg->by_ext, 1024);
	if (!err)
		err = reg_guard_alloc(&reg->guard);
	if (!err)
		err = sip_listen(&reg->lsnr, sip, true, on_request, reg);
	if (!err)
		err = reg_store_load(reg);
	if (err) {
		log_error("sip", "registrar: %s", strerror(err));
		mem_deref(reg);
		return err;
	}
	tmr_start(&reg->tmr, SWEEP_MS, sweep, reg);
	*regp = reg;
	return 0;
}

void registrar_free(struct registrar *reg)
{
	mem_deref(reg);
}

static int cmp_newest(const void *a, const void *b)
{
	const struct binding *x = *(const struct binding *const *)a;
	const struct binding *y = *(const struct binding *const *)b;

	return (x->registered_ms < y->registered_ms) -
	       (x->registered_ms > y->registered_ms);
}

unsigned registrar_contacts(const struct registrar *reg,
			    const struct dir_extension *ext,
			    reg_contact_h *fn, void *arg)
{
	struct binding *v[64];
	unsigned n = 0;
	int64_t now = now_ms();

	if (!reg || !ext)
		return 0;
	for (struct le *le = list_head(hash_list(reg->by_ext,
						 hash_joaat_str(ext->id)));
	     le && n < 64; le = le->next) {
		struct binding *b = le->data;

		if (!strcmp(b->ext_id, ext->id) && b->expires_ms > now)
			v[n++] = b;
	}
	qsort(v, n, sizeof(v[0]), cmp_newest);
	for (unsigned i = 0; fn && i < n; i++) {
		struct reg_contact c = {
			.uri = v[i]->uri, .tp = v[i]->tp, .dst = v[i]->dst,
			.expires_ms = v[i]->expires_ms,
			.user_agent = v[i]->user_agent,
		};

		fn(&c, arg);
	}
	return n;
}
