/*
 * reg_auth.h — the pieces of SIP digest authentication (RFC 2617, RFC 7616,
 * RFC 8760) and of the registrar's admission rules that need no network:
 * Authorization header parsing, digest computation, stateless nonces,
 * transport checks and the per-address failure guard. Kept apart from
 * registrar.c so they can be unit-tested.
 */
#ifndef HOTLINE_SIP_REG_AUTH_H
#define HOTLINE_SIP_REG_AUTH_H

#include <stdbool.h>
#include <stdint.h>

/* libre headers have no include guards: the including file brings
   re_types.h, re_fmt.h and re_sa.h (registrar.h does). */

enum digest_alg { DIGEST_MD5, DIGEST_SHA256 };

enum { NONCE_SECRET_LEN = 32, NONCE_MAX_AGE_S = 300 };

/* Fields of a Digest Authorization / Proxy-Authorization value. */
struct digest_creds {
	struct pl username, realm, nonce, uri, response, algorithm;
	struct pl cnonce, nc, qop, opaque;
};

/* 0, or EBADMSG when the value is not a well-formed Digest header. */
int  digest_parse(struct digest_creds *c, const struct pl *hval);
/* The algorithm named in the credentials (absent: MD5); -1 if unknown. */
int  digest_alg_of(const struct digest_creds *c);
/* Lower-case hex digest of data (32 chars for MD5, 64 for SHA-256). */
void digest_hex(enum digest_alg alg, const void *data, size_t len,
		char out[65]);
/* The expected "response" value; qop NULL or "" for RFC 2069 style. */
int  digest_response(char out[65], enum digest_alg alg, const char *user,
		     const char *realm, const char *password,
		     const char *method, const char *uri, const char *nonce,
		     const char *nc, const char *cnonce, const char *qop);
/* True when the credentials answer correctly for this password. */
bool digest_verify(const struct digest_creds *c, const struct pl *method,
		   const char *password);

enum nonce_state { NONCE_OK, NONCE_STALE, NONCE_BAD };
/* nonce = hex time + HMAC-SHA256(secret, time:realm); out holds 64. */
void nonce_make(char out[64], const uint8_t secret[NONCE_SECRET_LEN],
		uint64_t now_s, const char *realm);
enum nonce_state nonce_check(const struct pl *nonce,
			     const uint8_t secret[NONCE_SECRET_LEN],
			     uint64_t now_s, const char *realm);

/* Is transport tp (enum sip_transp) in the mask of directory.h? */
bool transport_allowed(unsigned mask, int tp);

/*
 * Failure guard: authentication failures per source address. After
 * GUARD_LIMIT failures within GUARD_WINDOW_MS the address is blocked for
 * GUARD_BLOCK_MS.
 */
enum {
	GUARD_LIMIT = 10,
	GUARD_WINDOW_MS = 60000,
	GUARD_BLOCK_MS = 300000,
	GUARD_MAX_ADDRS = 8192,
};
struct reg_guard;
int  reg_guard_alloc(struct reg_guard **gp);
void reg_guard_free(struct reg_guard *g);
bool reg_guard_blocked(struct reg_guard *g, const struct sa *src,
		       int64_t now);
/* Counts one failure; returns the failures within the window (a value of
   GUARD_LIMIT means the address has just been blocked). */
unsigned reg_guard_fail(struct reg_guard *g, const struct sa *src,
			int64_t now);
/* Failures of the address within the window, without counting one. */
unsigned reg_guard_count(struct reg_guard *g, const struct sa *src,
			 int64_t now);
/* Forgets addresses with nothing recent. */
void reg_guard_prune(struct reg_guard *g, int64_t now);

#endif
