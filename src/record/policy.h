/*
 * policy.h — whether a call is recorded, and how: a pure function over the
 * telephony directory (tenant recording policy, the extensions' and the
 * trunk's `record` setting), like the routing decisions (src/route).
 *
 * The rules, in order:
 *   1. a party set to `never` (an extension of the call or its trunk):
 *      not recorded (an opt-out wins over an opt-in);
 *   2. a party set to `always`: recorded;
 *   3. otherwise the tenant's policy for the call's direction (inbound,
 *      outbound, internal); a tenant without a policy records nothing.
 * Format (wav/mp3) and mode (stereo/mono) come from the tenant's policy.
 */
#ifndef HOTLINE_RECORD_POLICY_H
#define HOTLINE_RECORD_POLICY_H

#include <stdbool.h>
#include "../media/recorder.h"
#include "../sip/directory.h"

struct record_call {
	const char *tenant_id;
	const char *direction;          /* "inbound", "outbound", "internal" */
	const char *extensions[2];      /* numbers of the tenant's extensions
					   on the call; NULL: none */
	const char *trunk_id;           /* NULL or "": no trunk */
};

struct record_choice {
	bool record;
	enum rec_format format;
	enum rec_mode mode;
	unsigned rate;                  /* 8000 (the call module: or 16000) */
	const char *why;                /* static: "policy", "extension", ... */
};

/* Fills out (record false when the tenant is unknown). Control thread (it
   reads the directory's current snapshot). */
void record_decide(const struct directory *dir, const struct record_call *c,
		   struct record_choice *out);

#endif
