/*
 * selfsigned.c — self-signed certificates: ECDSA P-256, CN "hotline", ten
 * years. SIP over secure WebSocket without --sip-tls-cert writes one once
 * as a PEM file in the data dir and reuses it on every start, so a browser
 * that accepted it once keeps accepting it; the media engine makes one in
 * memory for WebRTC's DTLS (its fingerprint is what the SDP names).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "selfsigned.h"

enum { TEN_YEARS = 10 * 365 * 24 * 3600 };

static X509 *certificate_of(EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_NAME *name;

	if (!x)
		return NULL;
	name = X509_get_subject_name(x);
	if (!X509_set_version(x, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), TEN_YEARS) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"hotline", -1,
					-1, 0) ||
	    !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, key) ||
	    !X509_sign(x, key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Key first, then the certificate, readable by the owner only. */
static int write_pem(const char *path, EVP_PKEY *key, X509 *x)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *f;
	int err = 0;

	if (fd < 0)
		return errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = errno;
		(void)close(fd);
		(void)unlink(path);
		return err;
	}
	if (!PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_X509(f, x))
		err = EIO;
	if (fclose(f) && !err)
		err = errno;
	if (err)
		(void)unlink(path);
	return err;
}

int selfsigned_make(EVP_PKEY **keyp, X509 **xp)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = key ? certificate_of(key) : NULL;

	if (!x) {
		EVP_PKEY_free(key);
		return ENOMEM;
	}
	*keyp = key;
	*xp = x;
	return 0;
}

int selfsigned_ensure(const char *path)
{
	struct stat st;
	EVP_PKEY *key;
	X509 *x;
	int err;

	if (!stat(path, &st))
		return 0;
	err = selfsigned_make(&key, &x);
	if (err)
		return err;
	err = write_pem(path, key, x);
	X509_free(x);
	EVP_PKEY_free(key);
	return err;
}
