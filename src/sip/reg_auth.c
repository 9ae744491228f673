/*
 * reg_auth.c — digest authentication pieces and the failure guard of the
 * registrar (see reg_auth.h). MD5 comes from libre, SHA-256 and HMAC from
 * libsodium.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include "../core/libre.h"
#include "reg_auth.h"
#include "../core/log.h"

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct pl *field_of(struct digest_creds *c, const char *name,
			   size_t len)
{
	static const struct {
		const char *name;
		size_t off;
	} map[] = {
		{"username", offsetof(struct digest_creds, username)},
		{"realm", offsetof(struct digest_creds, realm)},
		{"nonce", offsetof(struct digest_creds, nonce)},
		{"uri", offsetof(struct digest_creds, uri)},
		{"response", offsetof(struct digest_creds, response)},
		{"algorithm", offsetof(struct digest_creds, algorithm)},
		{"cnonce", offsetof(struct digest_creds, cnonce)},
		{"nc", offsetof(struct digest_creds, nc)},
		{"qop", offsetof(struct digest_creds, qop)},
		{"opaque", offsetof(struct digest_creds, opaque)},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strlen(map[i].name) == len &&
		    !strncasecmp(map[i].name, name, len))
			return (struct pl *)(void *)((char *)c + map[i].off);
	}
	return NULL;
}

/* Reads one name=value pair at p; returns the position after it. */
static const char *parse_pair(struct digest_creds *c, const char *p,
			      const char *end)
{
	const char *name = p, *v;
	struct pl *f;
	size_t nlen;

	while (p < end && (isalnum((unsigned char)*p) || *p == '-' ||
			   *p == '_'))
		p++;
	nlen = (size_t)(p - name);
	while (p < end && is_ws(*p))
		p++;
	if (!nlen || p >= end || *p != '=')
		return NULL;
	p++;
	while (p < end && is_ws(*p))
		p++;
	if (p < end && *p == '"') {
		v = ++p;
		while (p < end && *p != '"')
			p += (*p == '\\' && p + 1 < end) ? 2 : 1;
		if (p >= end)
			return NULL;
		f = field_of(c, name, nlen);
		if (f)
			{ f->p = v; f->l = (size_t)(p - v); }
		return p + 1;
	}
	v = p;
	while (p < end && *p != ',' && !is_ws(*p))
		p++;
	if (p == v)
		return NULL;
	f = field_of(c, name, nlen);
	if (f)
		{ f->p = v; f->l = (size_t)(p - v); }
	return p;
}

int digest_parse(struct digest_creds *c, const struct pl *hval)
{
	const char *p, *end;

	if (!c || !hval || !hval->p)
		return EINVAL;
	memset(c, 0, sizeof(*c));
	p = hval->p;
	end = p + hval->l;
	while (p < end && is_ws(*p))
		p++;
	if (end - p < 7 || strncasecmp(p, "Digest", 6) || !is_ws(p[6]))
		return EBADMSG;
	p += 6;
	while (p < end) {
		while (p < end && (is_ws(*p) || *p == ','))
			p++;
		if (p >= end)
			break;
		p = parse_pair(c, p, end);
		if (!p)
			return EBADMSG;
	}
	if (!pl_isset(&c->username) || !pl_isset(&c->realm) ||
	    !pl_isset(&c->nonce) || !pl_isset(&c->uri) ||
	    !pl_isset(&c->response))
		return EBADMSG;
	return 0;
}

int digest_alg_of(const struct digest_creds *c)
{
	if (!pl_isset(&c->algorithm) || !pl_strcasecmp(&c->algorithm, "MD5"))
		return DIGEST_MD5;
	if (!pl_strcasecmp(&c->algorithm, "SHA-256"))
		return DIGEST_SHA256;
	return -1;
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

void digest_hex(enum digest_alg alg, const void *data, size_t len,
		char out[65])
{
	uint8_t md[crypto_hash_sha256_BYTES];

	if (alg == DIGEST_MD5) {
		md5(data, len, md);
		to_hex(md, MD5_SIZE, out);
		return;
	}
	crypto_hash_sha256(md, data, len);
	to_hex(md, sizeof(md), out);
}

/* Hashes the printf-formatted text; ENOMEM when it does not fit. */
static int hashf(char out[65], enum digest_alg alg, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return ENOMEM;
	digest_hex(alg, buf, (size_t)n, out);
	return 0;
}

int digest_response(char out[65], enum digest_alg alg, const char *user,
		    const char *realm, const char *password,
		    const char *method, const char *uri, const char *nonce,
		    const char *nc, const char *cnonce, const char *qop)
{
	char ha1[65], ha2[65];
	int err;

	err = hashf(ha1, alg, "%s:%s:%s", user, realm, password);
	if (!err)
		err = hashf(ha2, alg, "%s:%s", method, uri);
	if (err)
		return err;
	if (qop && *qop)
		return hashf(out, alg, "%s:%s:%s:%s:%s:%s", ha1, nonce,
			     nc ? nc : "", cnonce ? cnonce : "", qop, ha2);
	return hashf(out, alg, "%s:%s:%s", ha1, nonce, ha2);
}

/* Copies a pl into a NUL-terminated buffer; false if it does not fit. */
static bool pl_copy(char *dst, size_t size, const struct pl *pl)
{
	if (pl->l >= size)
		return false;
	memcpy(dst, pl->p ? pl->p : "", pl->l);
	dst[pl->l] = '\0';
	return true;
}

bool digest_verify(const struct digest_creds *c, const struct pl *method,
		   const char *password)
{
	char user[128], realm[128], uri[512], nonce[128], nc[16];
	char cnonce[128], qop[16], met[32], want[65], got[65];
	int alg = digest_alg_of(c);

	if (alg < 0 || !pl_copy(user, sizeof(user), &c->username) ||
	    !pl_copy(realm, sizeof(realm), &c->realm) ||
	    !pl_copy(uri, sizeof(uri), &c->uri) ||
	    !pl_copy(nonce, sizeof(nonce), &c->nonce) ||
	    !pl_copy(nc, sizeof(nc), &c->nc) ||
	    !pl_copy(cnonce, sizeof(cnonce), &c->cnonce) ||
	    !pl_copy(qop, sizeof(qop), &c->qop) ||
	    !pl_copy(met, sizeof(met), method) ||
	    !pl_copy(got, sizeof(got), &c->response))
		return false;
	if (qop[0] && strcasecmp(qop, "auth"))
		return false;   /* auth-int is not offered */
	if (qop[0] && (!nc[0] || !cnonce[0]))
		return false;
	if (digest_response(want, (enum digest_alg)alg, user, realm, password,
			    met, uri, nonce, nc, cnonce, qop))
		return false;
	for (char *p = got; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return strlen(got) == strlen(want) &&
	       !sodium_memcmp(got, want, strlen(want));
}

static void nonce_mac(char out[33], const uint8_t secret[NONCE_SECRET_LEN],
		      const char *stamp, const char *realm)
{
	uint8_t mac[crypto_auth_hmacsha256_BYTES];
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "%s:%s", stamp, realm);

	if (n < 0 || (size_t)n >= sizeof(msg))
		n = (int)sizeof(msg) - 1;
	crypto_auth_hmacsha256(mac, (const uint8_t *)msg, (size_t)n, secret);
	to_hex(mac, 16, out);
}

void nonce_make(char out[64], const uint8_t secret[NONCE_SECRET_LEN],
		uint64_t now_s, const char *realm)
{
	char stamp[17], mac[33];

	snprintf(stamp, sizeof(stamp), "%010llx", (unsigned long long)now_s);
	nonce_mac(mac, secret, stamp, realm);
	snprintf(out, 64, "%s%s", stamp, mac);
}

enum nonce_state nonce_check(const struct pl *nonce,
			     const uint8_t secret[NONCE_SECRET_LEN],
			     uint64_t now_s, const char *realm)
{
	char stamp[11], mac[33];
	unsigned long long t;
	char *end;

	if (!nonce || nonce->l != 42)
		return NONCE_BAD;
	memcpy(stamp, nonce->p, 10);
	stamp[10] = '\0';
	t = strtoull(stamp, &end, 16);
	if (*end)
		return NONCE_BAD;
	nonce_mac(mac, secret, stamp, realm);
	if (sodium_memcmp(mac, nonce->p + 10, 32))
		return NONCE_BAD;
	if (t > now_s + 5 || now_s - t > NONCE_MAX_AGE_S)
		return NONCE_STALE;
	return NONCE_OK;
}

bool transport_allowed(unsigned mask, int tp)
{
	return tp >= 0 && tp < 5 && (mask & (1u << tp));
}

/* ---------------------------------------------------------- failure guard */

struct guard_entry {
	struct le he;
	struct sa addr;
	int64_t window_start;
	unsigned fails;
	int64_t blocked_until;
};

struct reg_guard {
	struct hash *ht;
	unsigned n;
};

int reg_guard_alloc(struct reg_guard **gp)
{
	struct reg_guard *g = mem_zalloc(sizeof(*g), NULL);
	int err;

	if (!g)
		return ENOMEM;
	err = hash_alloc(&g->ht, 256);
	if (err) {
		mem_deref(g);
		return err;
	}
	*gp = g;
	return 0;
}

void reg_guard_free(struct reg_guard *g)
{
	if (!g)
		return;
	hash_flush(g->ht);
	mem_deref(g->ht);
	mem_deref(g);
}

static bool addr_match(struct le *le, void *arg)
{
	const struct guard_entry *e = le->data;

	return sa_cmp(&e->addr, arg, SA_ADDR);
}

static struct guard_entry *find(struct reg_guard *g, const struct sa *src)
{
	struct le *le = hash_lookup(g->ht, sa_hash(src, SA_ADDR), addr_match,
				    (void *)src);

	return le ? le->data : NULL;
}

static void entry_destroy(void *arg)
{
	struct guard_entry *e = arg;

	hash_unlink(&e->he);
}

bool reg_guard_blocked(struct reg_guard *g, const struct sa *src,
		       int64_t now)
{
	struct guard_entry *e = g ? find(g, src) : NULL;

	return e && e->blocked_until > now;
}

unsigned reg_guard_count(struct reg_guard *g, const struct sa *src,
			 int64_t now)
{
	struct guard_entry *e = g ? find(g, src) : NULL;

	if (!e || now - e->window_start > GUARD_WINDOW_MS)
		return 0;
	return e->fails;
}

unsigned reg_guard_fail(struct reg_guard *g, const struct sa *src,
			int64_t now)
{
	struct guard_entry *e;

	if (!g)
		return 0;
	e = find(g, src);
	if (!e) {
		if (g->n >= GUARD_MAX_ADDRS)
			reg_guard_prune(g, now);
		if (g->n >= GUARD_MAX_ADDRS)
			return 1;   /* table full of fresh entries: count none */
		e = mem_zalloc(sizeof(*e), entry_destroy);
		if (!e)
			return 1;
		e->addr = *src;
		hash_append(g->ht, sa_hash(src, SA_ADDR), &e->he, e);
		g->n++;
	}
	if (now - e->window_start > GUARD_WINDOW_MS) {
		e->window_start = now;
		e->fails = 0;
	}
	e->fails++;
	if (e->fails == GUARD_LIMIT) {
		char ip[64] = "?";

		sa_ntop(src, ip, sizeof(ip));
		e->blocked_until = now + GUARD_BLOCK_MS;
		log_warn("sip", "blocking %s for %d s after %u authentication "
			 "failures within %d s", ip, GUARD_BLOCK_MS / 1000,
			 e->fails, GUARD_WINDOW_MS / 1000);
	}
	return e->fails;
}

void reg_guard_prune(struct reg_guard *g, int64_t now)
{
	uint32_t n;

	if (!g)
		return;
	n = hash_bsize(g->ht);
	for (uint32_t i = 0; i < n; i++) {
		struct le *le = list_head(hash_list(g->ht, i));

		while (le) {
			struct guard_entry *e = le->data;

			le = le->next;
			if (e->blocked_until > now ||
			    now - e->window_start <= GUARD_WINDOW_MS)
				continue;
			mem_deref(e);
			g->n--;
		}
	}
}
