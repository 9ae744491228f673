/*
 * b2bua.h — the call engine: takes INVITEs and bridges calls.
 */
#ifndef HOTLINE_CALL_B2BUA_H
#define HOTLINE_CALL_B2BUA_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "../core/ids.h"

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
struct directory *b2bua_directory(const struct b2bua *b);
/* The telephony configuration changed (after an API change): what the
   calls cache of it (music on hold) is read again at its next use. */
void b2bua_config_changed(struct b2bua *b);
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
/* A supervisor monitors an answered call from their phone (an
   extension number; src/call/monitor.c): mode listen, whisper, barge or
   intercept; again from the same phone: the mode changes. ENOENT: no such
   call; EINVAL: unknown mode; EPERM: not talking (or a meeting room);
   ELOOP: the phone is on the call; EBUSY: monitored from another phone;
   EINPROGRESS: the agent is consulting a third party;
   ENODEV: the phone has no registered device; EALREADY: already so. */
int  b2bua_monitor(struct b2bua *b, const char *tenant_id, const char *call_id,
		   const char *mode, const char *phone, const char *by);
int  b2bua_monitor_stop(struct b2bua *b, const char *tenant_id,
			const char *call_id);         /* ENOENT: none */
/* The agent who took the call ("" none); ENOENT: no such call. */
int  b2bua_call_agent(struct b2bua *b, const char *tenant_id,
		      const char *call_id, char agent_id[ID_LEN]);
/* One call in progress as in b2bua_live_calls(); NULL: none. */
json_t *b2bua_live_call(struct b2bua *b, const char *tenant_id,
			const char *call_id);
/* An agent's controls over the call they took from a queue
   (src/call/agentcall.c). target: the keys (dtmf), an extension number,
   an agent id, a queue id, an IVR flow id, an external number. */
enum agent_action_kind {
	AGENT_HANGUP, AGENT_HOLD, AGENT_UNHOLD, AGENT_MUTE, AGENT_UNMUTE,
	AGENT_DTMF, AGENT_TO_EXTENSION, AGENT_TO_AGENT, AGENT_TO_QUEUE,
	AGENT_TO_FLOW, AGENT_TO_EXTERNAL, AGENT_CONSULT_EXTENSION,
	AGENT_CONSULT_AGENT, AGENT_CONSULT_TRANSFER, AGENT_CONSULT_THREEWAY,
	AGENT_CONSULT_CANCEL,
};
struct agent_action {
	enum agent_action_kind kind;
	const char *target;
	const char *call_id;   /* which of the agent's calls; NULL: the one */
};
/* "hangup", "hold", "unhold", "mute", "unmute", "dtmf",
   "transfer_extension", "transfer_agent", "transfer_queue",
   "transfer_ivr", "transfer_external", "consult_extension",
   "consult_agent" (these with a target), "consult_transfer",
   "consult_threeway", "consult_cancel"; EINVAL: none of those. */
int  agent_action_parse(const char *name, enum agent_action_kind *kind);
bool agent_action_needs_target(enum agent_action_kind kind);
/* ENOENT: the agent is on no call; ESRCH: no consultation to end; ENXIO: the
   target does not exist (or has no phone registered, for a
   consultation); EPERM: not answered yet (the call, or the consulted
   party); EALREADY: already so; EBUSY: hold or mute while a supervisor is
   on the call, DTMF on hold or muted, anything but hang up and ending
   the consultation while consulting, consulting with a supervisor on the
   call; ELOOP: transfer to or consult oneself; EINVAL: bad keys or
   number; ETOOMANYREFS: the agent has several calls and no call_id
   says which. */
int  b2bua_agent_action(struct b2bua *b, const char *tenant_id,
			const char *agent_id, const struct agent_action *act);
/* A call the daemon places (click-to-call, src/call/originate.c): the
   extension `phone` rings first (showing `number`); once it answers,
   `number` is dialled from it as if the phone had dialled it. */
struct originate {
	const char *phone;         /* an extension number of the tenant */
	const char *number;        /* an extension or an outside number */
	const char *caller_id;     /* asked for (NULL or "": the route's) */
	bool auto_answer;          /* ask the phone to answer by itself */
};
struct originate_refusal {
	uint16_t code;             /* 403, 404, 503 as the routes answer */
	const char *status;        /* e.g. "permission_denied" (static) */
};
/* 0: call_id (ID_LEN) names the call. ENODEV: `phone` is no enabled
   extension, or nothing of it is registered (then the call's record says
   so); ELOOP: number is the phone itself; EBUSY: the tenant is at its
   concurrent calls; EACCES: the outbound routes refuse the number
   (*refusal says how); ENOMEM. */
int  b2bua_originate(struct b2bua *b, const char *tenant_id,
		     const struct originate *r, char *call_id,
		     struct originate_refusal *refusal);
/* The same for an agent, on the phone they work on (the login's, else
   the bound extension), with their auto-answer: also ENOENT no such
   agent, ENOTSUP the agent works on an outside number. */
int  b2bua_agent_dial(struct b2bua *b, const char *tenant_id,
		      const char *agent_id, const char *number,
		      const char *caller_id, char *call_id,
		      struct originate_refusal *refusal);
/* Ends a call of the tenant now; ENOENT if there is none. */
int  b2bua_hangup(struct b2bua *b, const char *tenant_id, const char *call_id);

#endif
