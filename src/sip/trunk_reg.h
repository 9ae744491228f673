/*
 * trunk_reg.h — hotlined registering to carriers: one libre sipreg client
 * per enabled trunk of type "register", re-registering before expiry and
 * retrying after failures (libre's back-off). Each state change is written
 * to the trunk_status table (fire-and-forget writes) for the API.
 * Control thread only.
 */
#ifndef HOTLINE_SIP_TRUNK_REG_H
#define HOTLINE_SIP_TRUNK_REG_H

struct trunk_reg;
struct sip;
struct store;
struct directory;
struct sa;

/* Starts registering every enabled register trunk of the directory
   (which must be loaded). contact_addr: the address carriers should reach
   us at (kept for NAT handling; libre puts the transport's own address in
   Contact). */
int  trunk_reg_alloc(struct trunk_reg **trp, struct sip *sip,
		     struct store *store, struct directory *dir,
		     const struct sa *contact_addr);
/* After each directory reload: starts new trunks, restarts changed ones,
   stops (unregisters) removed or disabled ones. */
void trunk_reg_sync(struct trunk_reg *tr);
/* Unregisters everything and frees. */
void trunk_reg_free(struct trunk_reg *tr);

#endif
