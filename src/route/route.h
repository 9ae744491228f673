/*
 * route.h — the routing decisions of the switch: which tenant, route and
 * destination an inbound call to a number gets, and which route, dialed
 * string, caller ID and trunks an extension's outbound call gets. Pure
 * functions over the directory's data (no I/O, any thread that owns the
 * directory snapshot: in practice the control thread). Results are copied
 * out, so they outlive the next directory reload.
 */
#ifndef HOTLINE_ROUTE_ROUTE_H
#define HOTLINE_ROUTE_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../sip/directory.h"

#define ROUTE_MAX_TARGETS 32
#define ROUTE_MAX_TRUNKS 8

/* A refusal: code 0 means "routed". */
struct route_refusal {
	uint16_t code;           /* SIP status to answer, 0 when routed */
	const char *reason;      /* SIP reason phrase (static) */
	const char *end_status;  /* call record end status (static):
				    "blacklisted", "no_route", "closed",
				    "permission_denied", "no_trunk",
				    "tenant_disabled", "caller_id_not_allowed" */
};

struct inbound_decision {
	struct route_refusal refusal;
	char tenant_id[ID_LEN];
	char number_id[ID_LEN];
	char route_id[ID_LEN];
	char route_name[128];
	enum dir_dest_type dest;
	char targets[ROUTE_MAX_TARGETS][ID_LEN];  /* extension numbers, an
						     external number or an
						     IVR flow id */
	size_t ntargets;
};

struct route_trunk {
	char id[ID_LEN];
	char name[128];
	char host[256];
	unsigned port;
	char transport[8];        /* "udp", "tcp", "tls" */
	char outbound_proxy[256]; /* empty: send to host:port */
	char username[128];       /* From user / digest credentials */
	char auth_username[128];
	char password[128];
	char realm[128];
	enum dir_cid_format cid_format;
	char caller_id[40];       /* the decision's caller ID, formatted */
	unsigned max_calls;       /* 0: no limit (the B2BUA counts) */
	char failover_group[64];
	char codecs[64];          /* allowed, "PCMU,PCMA" (route_codecs_text) */
};

struct outbound_decision {
	struct route_refusal refusal;
	char route_id[ID_LEN];
	char route_name[128];
	char dialed[64];          /* after strip and prepend */
	char caller_id[33];       /* as chosen by the route's policy */
	struct route_trunk trunks[ROUTE_MAX_TRUNKS];  /* in failover order */
	size_t ntrunks;
};

/* called: the number dialed by the carrier (with or without '+'); caller:
   the caller's number; trunk_id: the trunk it came in on, or NULL. Returns
   0 (look at out->refusal.code) or EINVAL. */
int route_inbound(const struct directory *dir, const char *called,
		  const char *caller, const char *trunk_id, int64_t now_ms,
		  struct inbound_decision *out);
/* from: the calling extension; dialed: what it dialed; wanted_cid: the
   caller ID the caller asks for (NULL or "": the route's policy), which
   the route must allow (caller_id_choice) and hold in its pool, else the
   call is refused 403 caller_id_not_allowed. */
int route_outbound(const struct directory *dir,
		   const struct dir_extension *from, const char *dialed,
		   const char *wanted_cid, int64_t now_ms,
		   struct outbound_decision *out);

/* Speed dial (ippbx.md §2.1.2): true when `dialed` is '*' + a short
   number (1-6 digits) that no feature code claims; then `number` is the
   tenant's target for it, or "" when the tenant has no such short number.
   False: not a speed dial, route it as dialled. */
bool route_speed_dial(const struct directory *dir, const char *tenant_id,
		      const char *dialed, char *number, size_t size);
/* Whether '*' + short_number is, or begins, a feature code of ippbx.md
   §2.9 (*8, *80-*83, *86-*88, *841-*843 + number, *851-*853): such a
   speed dial could never be dialled. */
bool route_short_number_reserved(const char *short_number);

/* Dial patterns (docs/api.md): X 0-9, Z 1-9, N 2-9, [1-5] / [135] sets,
   '.' one or more of anything, '!' zero or more, other characters
   literally (digits, '*', '#', '+'); an optional leading '_'; letters
   in either case. The whole string must match. */
bool dial_pattern_match(const char *pattern, const char *digits);
/* NULL when valid, else why not (static text). */
const char *dial_pattern_error(const char *pattern);

/* Whether a time group is "open" at a UTC time in a zone; a holiday of
   the local date closes the whole day. */
bool time_group_active(const struct dir_time_group *g, const struct tz *tz,
		       int64_t now_ms);

/* Formats a number for a trunk's caller-ID format. */
void route_format_number(enum dir_cid_format fmt, const char *country_code,
			 const char *number, char *out, size_t size);

/* A JSON array of codec names as "PCMU,PCMA" (empty: none given). */
void route_codecs_text(const json_t *list, char *buf, size_t size);

#endif
