/*
 * directory.h — the telephony configuration in memory: tenants' SIP
 * domains and extensions (later trunks, numbers, routes). Loaded from the
 * store at start and reloaded after every change made through the API, so
 * SIP decisions never wait on SQL. Control thread only.
 */
#ifndef HOTLINE_SIP_DIRECTORY_H
#define HOTLINE_SIP_DIRECTORY_H

#include <jansson.h>
#include <stdbool.h>
#include "../core/ids.h"

struct directory;
struct store;
struct pl;

enum dial_permission {
	DIAL_INTERNAL,          /* extensions of the tenant only */
	DIAL_LOCAL,
	DIAL_LONG_DISTANCE,
	DIAL_INTERNATIONAL,
};

/* Transports an extension may register and call over (bit per
   enum sip_transp value: 1 << SIP_TRANSP_UDP, ...). */
#define DIR_ALL_TRANSPORTS 0x1f

struct dir_tenant {
	char id[ID_LEN];
	char code[64];
	char sip_domain[128];
	bool enabled;
};

struct dir_extension {
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char number[32];
	char password[128];
	char display_name[128];
	unsigned transports;    /* bit mask, see DIR_ALL_TRANSPORTS */
	json_t *allowed_cidrs;  /* array of CIDR strings; empty: any */
	unsigned max_contacts;
	json_t *codecs;         /* array of names in preference order */
	enum dial_permission dial_permission;
	bool enabled;
	/* Digest algorithms offered, in order: DIR_DIGEST_* codes, 0-ended. */
	unsigned char digest_algs[3];
};
enum { DIR_DIGEST_MD5 = 1, DIR_DIGEST_SHA256 = 2 };

/* Loads everything; ready(err, arg) runs on the control thread when the
   first load is done. */
int  directory_alloc(struct directory **dirp, struct store *store,
		     void (*ready)(int err, void *arg), void *arg);
void directory_free(struct directory *dir);
/* Loads again in the background; lookups see the old data until the new
   one is complete. Several calls while loading cost one more load. */
void directory_reload(struct directory *dir);

/* The tenant whose SIP domain is `domain`; otherwise the default tenant
   (--sip-default-tenant, or the only tenant besides "system"). */
const struct dir_tenant *directory_tenant_for_domain(
	const struct directory *dir, const struct pl *domain);
const struct dir_tenant *directory_tenant(const struct directory *dir,
					  const char *tenant_id);
const struct dir_extension *directory_extension(const struct directory *dir,
						const char *tenant_id,
						const struct pl *number);
void directory_set_default_tenant(struct directory *dir, const char *code);

#endif
