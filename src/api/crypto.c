/*
 * crypto.c — password hashing (argon2id) and request signatures
 * (HMAC-SHA256), both from libsodium. Hashing is deliberately slow: call it
 * on a store thread, never on the control thread.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"

/* OWASP's argon2id minimum: 19 MiB, 2 passes. */
#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u * 1024 * 1024)

int password_hash(const char *password, char out[128])
{
	if (crypto_pwhash_str(out, password, strlen(password), PW_OPSLIMIT,
			      PW_MEMLIMIT))
		return -1;
	return 0;
}

bool password_verify(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

/* Hashes a password into req->stash for the request's write step. */
int stash_password_hash(struct api_req *req, const char *password)
{
	char *hash = calloc(1, 128);

	if (!hash || password_hash(password, hash)) {
		free(hash);
		return ENOMEM;
	}
	req->stash = hash;
	req->stash_free = free;
	return 0;
}

void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, data, len);
	sodium_bin2hex(out, 65, digest, sizeof(digest));
}

void hmac_sha256_hex(const char *key, const void *data, size_t len,
		     char out[65])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key,
				    strlen(key));
	crypto_auth_hmacsha256_update(&st, data, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 65, mac, sizeof(mac));
}
