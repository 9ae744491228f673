/*
 * b2bua.h — the call engine: takes INVITEs and bridges calls.
 */
#ifndef HOTLINE_CALL_B2BUA_H
#define HOTLINE_CALL_B2BUA_H

#include <jansson.h>
#include <stdbool.h>

struct b2bua;
struct sip_stack;
struct directory;
struct registrar;
struct media_engine;
struct store;
struct recordings;
struct tts;

struct b2bua_deps {
	struct sip_stack *stack;
	struct directory *dir;
	struct registrar *reg;
	struct media_engine *media;
	struct store *store;
	unsigned ring_timeout_ms;
	const char *data_dir;       /* voices for music on hold */
	struct recordings *recs;    /* call recording, or NULL: off */
	struct tts *tts;            /* spoken prompts, or NULL: off */
	struct acd *acd;            /* queues and agents, or NULL: none */
	struct bus *bus;            /* events (core/bus.h), or NULL */
};

int  b2bua_alloc(struct b2bua **bp, const struct b2bua_deps *deps);
/* Ends every call (their records are written) and stops taking calls. */
void b2bua_free(struct b2bua *b);
unsigned b2bua_active_calls(const struct b2bua *b);
/* The tenant's calls in progress, as a JSON array (see docs/api.md). */
json_t *b2bua_live_calls(const struct b2bua *b, const char *tenant_id);
/* Recording of a call in progress: action "start", "pause", "resume",
   "stop". *statep (always set when the call exists): {recording: off |
   recording | paused, recording_id}. ENOENT: no such call; EPERM: not
   answered; EALREADY: already so; ENOTSUP: recording is off. */
int  b2bua_recording(struct b2bua *b, const char *tenant_id,
		     const char *call_id, const char *action,
		     json_t **statep);
/* The people in a meeting room now: [{call_id, caller, caller_name,
   joined_at, muted, admin}] (empty when nobody is in it). */
json_t *b2bua_room_participants(struct b2bua *b, const char *tenant_id,
				 const char *room_id);
/* Mutes (or not) a room participant; ENOENT: no such call in a room. */
int  b2bua_conference_mute(struct b2bua *b, const char *tenant_id,
			   const char *call_id, bool muted);
/* Ends a call of the tenant now; ENOENT if there is none. */
int  b2bua_hangup(struct b2bua *b, const char *tenant_id, const char *call_id);

#endif
