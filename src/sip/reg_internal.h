/*
 * reg_internal.h — what registrar.c and reg_store.c share: the registrar
 * itself and its bindings (one registered contact each). Include after
 * registrar.h (libre headers have no include guards).
 */
#ifndef HOTLINE_SIP_REG_INTERNAL_H
#define HOTLINE_SIP_REG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "../core/ids.h"
#include "reg_auth.h"

struct reg_load;

struct registrar {
	struct sip *sip;
	struct store *store;
	struct directory *dir;
	struct sip_lsnr *lsnr;
	struct list bindings;        /* every binding, oldest first */
	struct hash *by_ext;         /* bindings by extension id */
	struct reg_guard *guard;
	uint8_t secret[NONCE_SECRET_LEN];
	struct tmr tmr;
	int64_t pruned_ms;
	bool dir_checks;             /* drop bindings of removed extensions */
	struct reg_load *loading;    /* start-up load in flight */
};

struct binding {
	struct le le;
	struct le he;
	struct registrar *reg;
	char ext_id[ID_LEN];
	char tenant_id[ID_LEN];
	char number[32];
	char row_id[ID_LEN];
	char *uri;                   /* mem-allocated strings */
	char *user_agent;
	char *callid;
	uint32_t cseq;
	enum sip_transp tp;
	struct sa dst;
	int64_t expires_ms;
	int64_t registered_ms;
	int64_t next_ping_ms;
	unsigned ping_fails;
	struct sip_request *ping;
};

struct binding *binding_find(struct registrar *reg, const char *ext_id,
			     const struct pl *uri);
struct binding *binding_new(struct registrar *reg, const char *ext_id,
			    const char *tenant_id, const char *number,
			    const struct pl *uri);

/* reg_store.c: fire-and-forget copies to the registrations table. */
void reg_store_upsert(struct store *store, const struct binding *b);
void reg_store_delete(struct store *store, const char *ext_id,
		      const char *uri);
/* Deletes expired rows and loads the live ones back as bindings. */
int  reg_store_load(struct registrar *reg);
void reg_store_cancel(struct registrar *reg);

#endif
