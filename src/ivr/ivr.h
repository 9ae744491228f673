/*
 * ivr.h — running IVR flows on calls (docs/ivr.md). The call module gives
 * a session its call (who called whom) and the few things an IVR does to
 * a call — play, stop playing, ring an extension or an outside number,
 * hand the caller to voicemail, hang up — as host operations; the session
 * walks the compiled flow, node by node, fed with the caller's keys, the
 * ends of plays and the results of dialling. It keeps the call's IVR path
 * and key/anchor events for the call record. Control thread only.
 */
#ifndef HOTLINE_IVR_IVR_H
#define HOTLINE_IVR_IVR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../core/ids.h"
#include "flow.h"

struct directory;
struct http_cli;
struct ivr_session;

enum ivr_part_kind { IVR_PART_TEXT, IVR_PART_VOICE, IVR_PART_TONE };

/* One part of a prompt, variables already replaced: text to speak, a
   voice of the library (its id), or a tone ("beep", "ringback", ...). */
struct ivr_part {
	enum ivr_part_kind kind;
	char text[1024];
};

/* What the session asks of its call. Each returns 0 or an error (the
   flow then takes the node's failure exit). */
struct ivr_host_ops {
	/* Plays the parts (loops times; 0: until stopped); its end comes
	   back as ivr_played(). */
	int  (*play)(void *arg, const struct ivr_part *parts, size_t n,
		     unsigned loops);
	void (*stop)(void *arg);
	/* Rings an extension / an outside number for ring_s seconds; the
	   outcome comes back as ivr_dialled(). caller_id: "" as routed. */
	int  (*dial_extension)(void *arg, const char *number, unsigned ring_s);
	int  (*dial_external)(void *arg, const char *number,
			      const char *caller_id, unsigned ring_s);
	/* The caller leaves a message in the box with this number. */
	int  (*voicemail)(void *arg, const char *box);
	/* Ends the call. */
	void (*hangup)(void *arg, const char *status);
	/* Puts the caller in an ACD queue: 0 and *overflow NULL when it
	   waits (the end comes back as ivr_queued()), 0 and *overflow set
	   ("no_agent", "full") when it cannot. */
	int  (*queue)(void *arg, const char *queue_id, const char **overflow);
	/* Optional (NULL: no speech recogniser): starts (on) or stops
	   feeding the caller's audio to a speech recogniser, whose results
	   come back as ivr_speech(). */
	int  (*listen)(void *arg, bool on);
};

struct ivr_call_info {
	char call_id[ID_LEN];
	char tenant_id[ID_LEN];
	char caller[64];
	char callee[64];
	int64_t start_ms, answer_ms;
};

/* What every session shares. */
struct ivr_env {
	const struct directory *dir;
	struct http_cli *http;      /* libre's client (http_client_alloc);
				       NULL: HTTP nodes fail */
};

/* Starts the flow (takes a reference to it) at its start node. */
int  ivr_start(struct ivr_session **sp, struct ivr_flow *flow,
	       const struct ivr_env *env, const struct ivr_host_ops *ops,
	       void *arg, const struct ivr_call_info *info);
/* A key the caller pressed: true when the session took it. */
bool ivr_key(struct ivr_session *s, char key);
/* A speech recogniser heard this (UTF-8 text) during a speech menu: the
   first branch with a keyword in it is taken; nothing matching counts as
   a wrong answer. Ignored outside a speech menu. */
void ivr_speech(struct ivr_session *s, const char *utterance);
/* How the queue ended: "answered" (the IVR is over), "timeout",
   "no_agent" or "full" (the queue node's exit is taken). */
void ivr_queued(struct ivr_session *s, const char *outcome);
/* What play() played has ended. */
void ivr_played(struct ivr_session *s);
/* The outcome of dial_*(): answered (the IVR is over for this call) or
   failed with a SIP code. */
void ivr_dialled(struct ivr_session *s, bool answered, uint16_t code);
/* The call's IVR path and events for its record:
   {"steps": [[call_id, tenant_id, seq, flow_id, flow_name, version,
   node_id, node_name, node_type, entered_at, left_at, exit, digits]...],
   "events": [[call_id, seq, tenant_id, flow_id, node_id, node_name,
   kind, value, at]...]}. The steps still open are closed at `now`. */
json_t *ivr_records(struct ivr_session *s, int64_t now);
/* A variable of the flow (set by its nodes) into out; "" when unset. */
void ivr_var(const struct ivr_session *s, const char *name, char *out,
	     size_t size);
/* For an agent's screen pop: {"variables": {name: value} (the flow's
   own), "ivr_path": [node names passed]}. */
json_t *ivr_screen_pop(const struct ivr_session *s);
/* Whether the session still runs the call (not handed on or ended). */
bool ivr_active(const struct ivr_session *s);
/* The call is ending: timers and requests stop, the open step closes;
   nothing more is asked of the host. */
void ivr_stop(struct ivr_session *s);
/* A session handed on (to an agent...) goes on in another flow, its
   path and variables kept: EBUSY while it still runs. */
int  ivr_continue(struct ivr_session *s, struct ivr_flow *flow);
void ivr_free(struct ivr_session *s);

#endif
