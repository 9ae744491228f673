/*
 * selfsigned.h — self-signed certificates (OpenSSL): for SIP over secure
 * WebSocket without a configured one, and for WebRTC's DTLS.
 */
#ifndef HOTLINE_SELFSIGNED_H
#define HOTLINE_SELFSIGNED_H

#include <openssl/evp.h>
#include <openssl/x509.h>

/* An ECDSA P-256 key and a certificate for it, CN "hotline", ten years. */
int selfsigned_make(EVP_PKEY **keyp, X509 **xp);
/* Writes one to path (key then certificate, PEM, mode 0600) unless a file
   is there already. Blocking: at start only. */
int selfsigned_ensure(const char *path);

#endif
