/*
 * registrar.h — SIP registrations of extensions (RFC 3261 §10): digest
 * authentication (MD5 and SHA-256, RFC 8760), allowed transports and source
 * addresses, contact limits, NAT handling (rport/received, contact
 * rewriting, OPTIONS keep-alive), expiry, and brute-force protection.
 * Registrations live in memory (control thread) and are copied to the store
 * so the API can show them and a restart keeps them.
 */
#ifndef HOTLINE_SIP_REGISTRAR_H
#define HOTLINE_SIP_REGISTRAR_H

#include <stdbool.h>
#include <stdint.h>
#include "../core/libre.h"

struct registrar;
struct directory;
struct store;
struct dir_extension;

/* One registered device of an extension. To reach it, send the request to
   `uri` over `tp` through `dst` (the address the REGISTER came from, which
   is right behind NAT). */
struct reg_contact {
	const char *uri;        /* Contact URI as the device sent it */
	enum sip_transp tp;
	struct sa dst;
	int64_t expires_ms;     /* wall clock */
	const char *user_agent;
};

typedef void (reg_contact_h)(const struct reg_contact *c, void *arg);

int  registrar_alloc(struct registrar **regp, struct sip *sip,
		     struct store *store, struct directory *dir);
void registrar_free(struct registrar *reg);
/* Calls fn for each live contact of the extension, newest first; returns
   how many there were. */
unsigned registrar_contacts(const struct registrar *reg,
			    const struct dir_extension *ext,
			    reg_contact_h *fn, void *arg);
/* Authenticates a request (INVITE, REFER...) from an extension with the
   same digest rules as REGISTER. Returns the extension, or NULL after
   having answered 401/403 itself. */
const struct dir_extension *registrar_authenticate(struct registrar *reg,
						   const struct sip_msg *msg);

#endif
