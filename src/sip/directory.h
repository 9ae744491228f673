/*
 * directory.h — the telephony configuration in memory: tenants' SIP
 * domains and extensions, trunks, numbers, time groups, inbound and
 * outbound routes, black/white lists, speed dials, conference rooms and
 * voicemail boxes. Loaded from the
 * store at start and reloaded after every change made through the API, so
 * SIP decisions never wait on SQL. Control thread only.
 */
#ifndef HOTLINE_SIP_DIRECTORY_H
#define HOTLINE_SIP_DIRECTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../core/ids.h"

struct directory;
struct store;
struct pl;
struct sa;

enum dial_permission {
	DIAL_INTERNAL,          /* extensions of the tenant only */
	DIAL_LOCAL,
	DIAL_LONG_DISTANCE,
	DIAL_INTERNATIONAL,
};

/* Transports an extension may register and call over (bit per
   enum sip_transp value: 1 << SIP_TRANSP_UDP, ...). */
#define DIR_ALL_TRANSPORTS 0x1f

struct tz;

/* Recording: a tenant's policy (recording_policies; no row: records
   nothing, WAV, stereo, kept 90 days) and an extension's or trunk's own
   setting (src/record/policy.h applies them). */
enum dir_record { DIR_RECORD_INHERIT, DIR_RECORD_ALWAYS, DIR_RECORD_NEVER };

struct dir_rec_policy {
	bool inbound, outbound, internal;   /* record calls of the direction */
	bool mp3;               /* format: MP3, else WAV */
	bool mono;              /* mode: mixed mono, else stereo */
	unsigned retention_days;   /* 0: kept forever */
};
#define DIR_REC_RETENTION_DEFAULT 90

struct dir_tenant {
	char id[ID_LEN];
	char code[64];
	char sip_domain[128];
	bool enabled;
	char timezone[64];
	const struct tz *tz;    /* the zone's offsets (src/route/tz.h); NULL: UTC */
	unsigned max_calls;     /* concurrent calls; 0: no limit */
	struct dir_rec_policy rec;
	char tts_voice[8];      /* spoken prompts: "" = cmn */
	unsigned tts_rate;      /* words a minute; 0 = 175 */
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
	/* Call features: do not disturb, and where calls go instead (a
	   number: an extension or an outside number; empty: nowhere). */
	bool dnd;
	char forward_always[33];
	char forward_busy[33];
	char forward_no_answer[33];
	unsigned no_answer_seconds;
	enum dir_record record;
};
enum { DIR_DIGEST_MD5 = 1, DIR_DIGEST_SHA256 = 2 };

/* ------------------------------------------------ trunks, numbers, routes */

enum dir_cid_format { CID_AS_IS, CID_E164, CID_NATIONAL };

struct dir_trunk {
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char name[128];
	bool is_register;       /* type "register"; else "peer" */
	char host[256];
	unsigned port;
	char transport[8];      /* "udp", "tcp", "tls" */
	char username[128];
	char auth_username[128];
	char password[128];
	char realm[128];        /* empty: answer any realm */
	unsigned expires;
	char outbound_proxy[256];  /* SIP URI or empty */
	json_t *peer_cidrs;     /* array of CIDR strings */
	json_t *codecs;         /* array of names in preference order */
	enum dir_cid_format cid_format;
	char country_code[8];   /* for CID_NATIONAL/CID_E164, may be empty */
	unsigned max_calls;     /* 0: no limit */
	char failover_group[64];
	bool enabled;
	enum dir_record record;
};

struct dir_number {
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char number[33];        /* as entered, may start with '+' */
	char digits[33];        /* without '+': the lookup key */
	char trunk_id[ID_LEN];  /* empty: any trunk */
	bool enabled;
};

#define DIR_TG_MAX_RULES 32
#define DIR_TG_MAX_HOLIDAYS 128

struct dir_time_rule {
	uint8_t days;           /* bit d (1 Monday .. 7 Sunday) */
	int16_t start, end;     /* minutes of the day; end < start: past midnight */
};

struct dir_time_group {
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char name[128];
	struct dir_time_rule rules[DIR_TG_MAX_RULES];
	size_t nrules;
	int32_t holidays[DIR_TG_MAX_HOLIDAYS];   /* yyyymmdd */
	size_t nholidays;
};

enum dir_dest_type {
	DEST_EXTENSION, DEST_RING_GROUP, DEST_EXTERNAL, DEST_HANGUP,
	DEST_IVR, DEST_QUEUE, DEST_VOICEMAIL,
};
enum dir_time_match { TIME_ANY, TIME_IN, TIME_OUT };

struct dir_inroute {
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char name[128];
	int priority;
	char number[33];        /* digits of a DID; empty: any of the tenant's */
	char caller_prefix[33]; /* empty: any caller */
	char time_group_id[ID_LEN];
	enum dir_time_match time_match;
	enum dir_dest_type dest;
	json_t *targets;        /* array of strings (numbers) */
	bool enabled;
};

enum dir_cid_policy { CIDP_EXTENSION, CIDP_FIXED, CIDP_POOL_RANDOM,
		      CIDP_SAME_AREA };

struct dir_outroute {
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char name[128];
	int priority;
	json_t *patterns;       /* array of dial patterns */
	unsigned strip;
	char prepend[33];
	enum dir_cid_policy cid_policy;
	char cid_number[33];
	json_t *cid_pool;       /* array of numbers */
	bool cid_choice;        /* the caller may choose one of the pool */
	json_t *trunk_ids;      /* ordered failover list */
	enum dial_permission permission;   /* required of the caller */
	bool enabled;
};

struct dir_list_entry {
	char tenant_id[ID_LEN];
	char list_id[ID_LEN];   /* the list it is in */
	bool outbound;          /* direction */
	bool white;             /* type */
	bool prefix;            /* "123*": any number starting with 123 */
	char value[33];         /* digits without '+' or '*' */
};

/* Speed dial: '*' + short_number dials number (ippbx.md §2.1.2). */
struct dir_speed_dial {
	char tenant_id[ID_LEN];
	char short_number[8];   /* 1-6 digits */
	char number[33];        /* as entered, may start with '+' */
};

/* A conference room (ippbx.md §2.1.11): callers dial its number. */
struct dir_conference_room {
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char number[9];         /* 2-8 digits */
	char name[128];
	char pin[13];           /* digits; "": anyone may enter */
	char admin_pin[13];     /* digits; "": no administrator by PIN */
	unsigned max_members;   /* 2-64 */
	bool join_tones;        /* a tone when someone joins or leaves */
	bool enabled;
};

enum { DIR_DEPT_DEPTH = 8 };
/* ACD configuration (src/api/acd_api.c): an agent and its bound phone,
   a queue and its rules. */
struct dir_agent {
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char agent_no[12];
	char name[65];
	char phone[33];         /* the bound extension's number; "": none */
	char external[33];      /* an outside number to ring instead; "" */
	char external_caller_id[33];    /* shown to it; "": the route's */
	char department_id[ID_LEN];     /* "": none */
	/* its department and the ones above it, "id,parent,...", for data
	   scopes (at most DIR_DEPT_DEPTH levels) */
	char dept_path[DIR_DEPT_DEPTH * ID_LEN];
	char user_id[ID_LEN];   /* the console user working as it; "": none */
	json_t *skills;         /* [{skill_id, level}] */
	unsigned max_calls, wrap_up_s;
	bool busy_after_miss, auto_answer, enabled;
};
struct dir_queue {
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char name[65];
	char number[9];
	char strategy[16];
	json_t *members;        /* [{agent_id, priority}] */
	json_t *skills;         /* [{skill_id, min_level}] */
	int priority;
	unsigned ring_timeout_s, retry_delay_s, max_waiting, max_wait_s;
	unsigned service_level_s, wrap_up_s, announce_position_s;
	char moh_class_id[ID_LEN];
	unsigned sticky_days;       /* the caller's last agent first; 0 no */
	bool sticky_strict;         /* ... waits for them (see queue.c) */
	char vip_list_id[ID_LEN];   /* callers on it wait with vip_priority */
	int vip_priority;
	unsigned announce_s;        /* announce_prompt every ...; 0: never */
	json_t *announce_prompt;    /* [{type: tts|voice|tone, ...}] */
	json_t *whisper_prompt;     /* to the agent before the bridge */
	bool agent_display_queue;   /* "queue: caller" on the agent's phone */
	json_t *overflow;           /* {no_agent|full|timeout: {type, target,
				       prompt}} for calls sent straight */
	char leave_key;             /* the caller may leave: '\0' no */
	char leave_to[10];          /* "voicemail" (leave_box) or "callback" */
	char leave_box[17];
	json_t *leave_prompt;       /* tells the key ([]: a spoken default) */
	bool enabled;
};

/* An IVR flow's published version, compiled (src/ivr/flow.h); a call
   that starts in it takes a reference (ivr_flow_ref) and keeps it. */
struct ivr_flow;
struct dir_ivr_flow {
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char number[9];         /* dialled by extensions; "": none */
	struct ivr_flow *flow;
};

/* A voicemail box: an extension's own (extension_id set, number = the
   extension's number) or the tenant's (a number of its own). */
struct dir_voicemail_box {
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char number[17];        /* the lookup key */
	char extension_id[ID_LEN];  /* "": a box of the tenant */
	char name[128];
	char pin[13];           /* 4-12 digits; "": none */
	/* An approved voice of the tenant to greet with (its file:
	   audiofile_voice_path(data_dir, tenant_id, greeting_voice_id));
	   "": none, or no longer approved: the default prompt and beep. */
	char greeting_voice_id[ID_LEN];
	unsigned max_message_s; /* 10-600 */
	bool notify;            /* for the event bus (not built) */
	bool enabled;
};

/* Loads everything; ready(err, arg) runs on the control thread when the
   first load is done. */
int  directory_alloc(struct directory **dirp, struct store *store,
		     void (*ready)(int err, void *arg), void *arg);
void directory_free(struct directory *dir);
/* Loads again in the background; lookups see the old data until the new
   one is complete. Several calls while loading cost one more load. */
void directory_reload(struct directory *dir);
/* Reloads, and calls done(ctx) on the control thread once a load that
   started after this call has finished (or the directory is freed). */
void directory_reload_wait(struct directory *dir, void (*done)(void *ctx),
			   void *ctx);
/* h(arg) runs on the control thread after every load that was swapped
   in (the first one too, after ready), e.g. trunk_reg_sync. NULL: none. */
void directory_on_change(struct directory *dir, void (*h)(void *arg),
			 void *arg);

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

/* ------------------------------------------ trunks, numbers and routes.
   Pointers stay valid until the next reload is swapped in (on the control
   thread), so use them within one event and copy what must live longer. */

const struct dir_trunk *directory_trunk(const struct directory *dir,
					const char *trunk_id);
/* All trunks (every tenant), sorted by id. */
const struct dir_trunk *directory_trunks(const struct directory *dir,
					 size_t *np);
/* The enabled trunk a SIP request from `src` came from: a peer trunk whose
   peer_cidrs hold the address, else a register trunk whose host is that
   IP literal; a peer trunk with a port must also match the source port.
   NULL when none. */
const struct dir_trunk *directory_trunk_for_source(
	const struct directory *dir, const struct sa *src);
/* The number (DID) `called` ("+8610..." or "8610..."), any tenant. */
const struct dir_number *directory_number(const struct directory *dir,
					  const char *called);
const struct dir_time_group *directory_time_group(
	const struct directory *dir, const char *id);
/* A tenant's routes in priority order (then name), lists' entries, and
   numbers; *np is set to their count. */
const struct dir_inroute *directory_inroutes(const struct directory *dir,
					     const char *tenant_id,
					     size_t *np);
const struct dir_outroute *directory_outroutes(const struct directory *dir,
					       const char *tenant_id,
					       size_t *np);
const struct dir_list_entry *directory_list_entries(
	const struct directory *dir, const char *tenant_id, size_t *np);
const struct dir_number *directory_tenant_numbers(
	const struct directory *dir, const char *tenant_id, size_t *np);
/* The tenant's speed dial for a short number ("12", without '*'). */
const struct dir_speed_dial *directory_speed_dial(
	const struct directory *dir, const char *tenant_id,
	const char *short_number);

/* The tenant's IVR flow by id, or by its internal number; only flows
   with a published version. */
const struct dir_ivr_flow *directory_ivr_flow(const struct directory *dir,
					      const char *tenant_id,
					      const char *flow_id);
const struct dir_ivr_flow *directory_ivr_flow_number(
	const struct directory *dir, const char *tenant_id,
	const char *number);

/* Agents and queues: by id (NULL: none, or another tenant's), a
   tenant's agents (sorted by id; *np their count), a queue by number. */
const struct dir_agent *directory_agent(const struct directory *dir,
					const char *tenant_id, const char *id);
const struct dir_agent *directory_agents(const struct directory *dir,
					 const char *tenant_id, size_t *np);
const struct dir_queue *directory_queue(const struct directory *dir,
					const char *tenant_id, const char *id);
const struct dir_queue *directory_queue_number(const struct directory *dir,
					       const char *tenant_id,
					       const char *number);

/* The tenant's conference room dialled as `number`, enabled or not. */
const struct dir_conference_room *directory_conference_room(
	const struct directory *dir, const char *tenant_id,
	const char *number);
/* The tenant's voicemail box reached on `number`: an extension's number
   (its own box) or a tenant box's number; enabled or not. */
const struct dir_voicemail_box *directory_voicemail_box(
	const struct directory *dir, const char *tenant_id,
	const char *number);

/* Builds a directory synchronously from rows shaped like the tables
   ({"tenants": [...], "extensions": [...], "trunks": [...], "numbers":
   [...], "time_groups": [...], "inbound_routes": [...], "outbound_routes":
   [...], "number_lists": [...], "speed_dials": [...], "conference_rooms":
   [...], "voicemail_boxes": [...] (with "number" the lookup key)}, JSON
   columns as text or as JSON; a tenant's recording policy as columns
   record_inbound, record_outbound, record_internal, rec_format, rec_mode,
   retention_days). For
   tests and tools; reads zoneinfo files. */
int  directory_from_json(struct directory **dirp, json_t *tables);

#endif
