/*
 * call.h — the call model shared by the call module's files (internal to
 * src/call): a call is one customer contact with an incoming leg (a) and
 * the outgoing legs it forks to (b legs); the first b leg to answer wins.
 * Everything here runs on the control thread.
 */
#ifndef HOTLINE_CALL_CALL_H
#define HOTLINE_CALL_CALL_H

#include <stdbool.h>
#include <stdint.h>
#include "../core/libre.h"
#include "sdp.h"
#include "../core/ids.h"
#include "../media/media.h"
#include "../route/route.h"
#include "collect.h"

struct b2bua;
struct sipsess;
struct recording;

enum leg_state { LEG_TRYING, LEG_RINGING, LEG_ANSWERED, LEG_ENDED };

/* What an outgoing leg is to its call: a party (a b leg, in call->blegs),
   or a leg aside in a list of its own: a supervisor's phone (monitor.c),
   the third party an agent consults (consult.c), or the phone a call the
   daemon places rings first (originate.c; the one answering becomes a). */
enum leg_role { LEG_PARTY, LEG_MONITOR, LEG_CONSULT, LEG_ORIGIN };

/* RFC 4028 session timer of a leg (stimer.c). */
struct leg_timer {
	uint32_t interval;         /* s; 0: not in use */
	bool we_refresh;           /* else the far end refreshes */
	bool update_ok;            /* the far end allows UPDATE */
	struct tmr tmr;            /* next refresh, or the deadline */
	struct sip_request *req;   /* our UPDATE in flight */
};

struct leg {
	struct le le;              /* in call->blegs */
	struct call *call;
	bool outgoing;
	char id[ID_LEN];
	char endpoint[64];         /* extension number, later trunk name */
	char uri[256];
	char sip_call_id[128];
	enum leg_state state;
	struct sipsess *sess;
	struct media_endpoint *ep;
	struct leg_sdp sdp;
	struct media_format fmt;
	bool has_fmt;
	bool held;                 /* the far end put us on hold */
	int64_t start_ms, ring_ms, answer_ms, end_ms;
	uint16_t sip_code;
	char sip_reason[64];
	struct media_stats stats;  /* read when the leg ends */
	const struct route_trunk *trunk;  /* the trunk it went out on */
	struct leg_timer st;
	struct key_seen last_key;  /* the last DTMF key (b2bua.c) */
	char keys[24];             /* DTMF keyed so far: "##12" (transfer.c) */
	struct tmr keys_tmr;       /* the pause that ends "##12" */
	enum leg_role role;
	char in_use[33];           /* the extension told busy to the ACD */
	bool webrtc;               /* we offer it WebRTC media (a device
				      registered over WebSocket) */
	bool moh;                  /* hears music on hold (moh.c) */
	bool moh_waiting;          /* ... once it is loaded */
	struct le moh_le;
};

struct call {
	struct le le;              /* in the b2bua's list */
	struct b2bua *b2bua;
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char direction[16];        /* internal, inbound, outbound */
	char caller[64], caller_name[128], callee[64];
	struct leg *a;
	struct list blegs;
	struct leg *winner;
	struct tmr ring_tmr;       /* no-answer timeout */
	struct tmr cleanup_tmr;
	int64_t start_ms, ring_ms, answer_ms, end_ms;
	const char *end_status;    /* see docs/api.md: call end statuses */
	const char *hangup_side;   /* caller, callee, system */
	uint16_t sip_code;
	char sip_reason[64];
	bool a_answered_sdp;       /* our SDP answer already went to a */
	bool ring_ms_sent;         /* a has been told 180 (or 183 + SDP) */
	bool ended;
	char trunk_id[ID_LEN];     /* the trunk it came in or went out on */
	char target[33];           /* the extension ringing now (forwarding) */
	unsigned forwards;         /* forwards so far (loop guard) */
	struct tmr noanswer_tmr;   /* forward-on-no-answer */
	struct outbound_decision *out;  /* outbound: trunks to try, owned */
	size_t next_trunk;         /* the next of out->trunks to try */
	struct recording *rec;     /* being recorded (callrec.c), or NULL */
	struct leg *rec_leg;       /* the leg whose endpoint feeds it */
	bool rec_paused;
	unsigned rec_seq;          /* recordings of the call so far */
	/* conference.c: a participant of a meeting room */
	struct room *room;         /* joined, or NULL */
	struct le room_le;
	int64_t conf_joined_ms;
	bool conf_admin, conf_muted;
	bool pin_wait;             /* collecting the room's PIN */
	struct collector pin;
	unsigned pin_tries;
	struct vmcall *vm;         /* leaving a voicemail (vmcall.c) */
	struct prompt *prompt;     /* being made (prompt.c), or NULL */
	struct ivr_session *ivr;   /* in an IVR flow (ivrcall.c), or NULL */
	struct acd_entry *queue;   /* waiting in a queue (queuecall.c) */
	struct queuewait *qwait;   /* its announcements (queuecall.c) */
	/* told how the queue ended: "answered", "no_agent", "full",
	   "timeout" */
	void (*queue_done)(struct call *call, const char *outcome);
	char agent_id[ID_LEN];     /* the agent who took it from a queue */
	char agent_no[12];
	int64_t agent_ms;          /* when the agent answered */
	char queue_id[ID_LEN];     /* the last queue it waited in */
	bool agent_released;       /* the agent's part is over (intercept) */
	bool agent_hold, agent_mute;   /* agentcall.c */
	int64_t hold_since;        /* the agent holds the customer since */
	int64_t hold_ms;           /* ... and held them so long before */
	struct monitor *mon;       /* a supervisor on the call, or NULL */
	struct consult *consult;   /* the agent consulting, or NULL */
	struct origin *origin;     /* a call the daemon placed (originate.c):
				      its a leg is an outgoing one, rung
				      first; NULL: a came in */
	bool hang_up_after_play;   /* ends when its prompt has played */
	const char *end_after_play;  /* ... with this status */
};

/* call.c */
struct call *call_new(struct b2bua *b, const char *tenant_id);
struct leg *leg_new(struct call *call, bool outgoing);
/* An outgoing leg in no list of the call's (the caller keeps it). */
struct leg *leg_new_aside(struct call *call);
void leg_free(struct leg *leg);        /* safe on NULL */
/* The leg is a call of this extension the ACD did not give: its agent
   (if one works on it) is offered no queue call until the leg stops. */
void leg_phone_in_use(struct leg *leg, const char *number);
/* Legs aside (monitor.c, consult.c): free them all; stop every one but
   `keep` (CANCEL or BYE now when `release`, else when freed); whether
   every one has ended. */
void legs_aside_free(struct list *legs);
void legs_aside_stop(struct list *legs, const struct leg *keep,
		     bool release);
bool legs_aside_over(const struct list *legs);
void call_end(struct call *call, const char *status, const char *side,
	      uint16_t code, const char *reason);
void leg_stop(struct leg *leg, uint16_t code, const char *reason);
void call_free(struct call *call);
const char *call_status_for_code(uint16_t code);

/* stimer.c: session timers */
uint32_t stimer_too_small(const struct sip_msg *msg);   /* our Min-SE, or 0 */
void stimer_reply_too_small(struct sip *sip, const struct sip_msg *msg);
void stimer_request(struct leg *leg, const struct sip_msg *invite);
void stimer_response(struct leg *leg, const struct sip_msg *ok);
int  stimer_answer_headers(const struct leg *leg, char *buf, size_t size);
int  stimer_offer_headers(char *buf, size_t size);
void stimer_start(struct leg *leg);
void stimer_stop(struct leg *leg);
void stimer_refreshed_by_invite(struct leg *leg);
void stimer_update(struct leg *leg, const struct sip_msg *msg,
		   struct mbuf *answer);

/* callrec.c: recording, as the tenant's policy says */
void callrec_start(struct call *call);     /* when the call is answered */
int  callrec_control(struct call *call, const char *action);
const char *callrec_state(const struct call *call);  /* off, recording, paused */
const char *callrec_id(const struct call *call);     /* NULL: off */
void callrec_stop(struct call *call);

/* conference.c: meeting rooms */
struct room;
/* A dialled room number: the call enters the room (true), or false. */
bool conference_enter(struct b2bua *b, const struct sip_msg *msg,
		      const struct dir_extension *from);
bool conference_key(struct call *call, char digit);  /* true: taken */
void conference_leave(struct call *call);
int  conference_mute(struct call *call, bool muted);
json_t *conference_participants(struct b2bua *b, const char *tenant_id,
				 const char *room_id);
struct list *b2bua_rooms(struct b2bua *b);
/* A tone of the tenant's country as a sound ("beep", "dial", "busy",
   "confirm"); NULL if it cannot be made. */
struct media_sound *b2bua_tone(struct b2bua *b, const char *name);

/* prompt.c: prompts of parts (files, text to speak, tones) */
enum prompt_kind { PROMPT_FILE, PROMPT_TEXT, PROMPT_TONE };
struct prompt_part {
	enum prompt_kind kind;
	char voice[8];          /* PROMPT_TEXT: a TTS voice, "": cmn */
	char text[1024];        /* the file, the text, or the tone's name */
};
struct prompt;
/* Makes the parts into one sound and plays it to leg (loops, gap_ms as
   media_play); its end is a MEDIA_PLAY_DONE like any play. A prompt that
   cannot be made ends at once (call_played). Replaces one being made. */
int  call_prompt(struct call *call, struct leg *leg,
		 const struct prompt_part *parts, size_t n, unsigned loops,
		 unsigned gap_ms);
void call_prompt_cancel(struct call *call);
/* Nothing plays to the caller any more: a prompt being made is dropped,
   one playing stops. */
void call_prompt_stop(struct call *call);
/* The prompts made recently, shared by the calls (one per b2bua). */
struct prompt_cache;
int  prompt_cache_alloc(struct prompt_cache **pcp);
void prompt_cache_free(struct prompt_cache *pc);
struct prompt_cache *b2bua_prompt_cache(const struct b2bua *b);
/* What was playing to the call has ended (b2bua.c dispatches it). */
void call_played(struct call *call);

/* lastcaller.c: who last called each extension */
void lastcaller_note(struct hash *h, const char *tenant_id,
		     const char *number, const char *caller);
const char *lastcaller_get(struct hash *h, const char *tenant_id,
			   const char *number);
void lastcaller_clear(struct hash *h);
struct hash *b2bua_last_callers(struct b2bua *b);

/* vmcall.c: leaving a voicemail message */
struct vmcall;
/* The box with this number (an extension's or the tenant's) takes the
   call: answered, greeting, beep, message. false: no such box. */
bool voicemail_take(struct call *call, const char *number);
bool voicemail_key(struct call *call, char digit);   /* true: taken */
void voicemail_played(struct call *call);            /* a play ended */
void voicemail_stop(struct call *call);              /* files it */
bool voicemail_dial(struct b2bua *b, const struct sip_msg *msg,
		    const struct dir_extension *from);

/* ivrcall.c: calls in IVR flows */
struct dir_ivr_flow;
/* Answers the call (if not yet) and starts the flow's published
   version on it. */
int  ivrcall_enter(struct call *call, const struct dir_ivr_flow *flow);
bool ivrcall_key(struct call *call, char digit);      /* true: taken */
bool ivrcall_played(struct call *call);               /* true: taken */
bool ivrcall_dialled(struct call *call, bool answered, uint16_t code);
/* An extension dialled a flow's number: true when it was one. */
bool ivrcall_dial(struct b2bua *b, const struct sip_msg *msg,
		  const struct dir_extension *from);
struct http_cli *b2bua_http(const struct b2bua *b);
struct moh *b2bua_moh(const struct b2bua *b);

/* queuecall.c: calls in ACD queues */
/* Answers the call (if not yet) and puts it in the queue. 0 and
   *outcome NULL: it waits (done() tells the end); 0 and *outcome
   "no_agent" / "full": it could not; ENOENT no such queue. */
/* priority: 0-100 set for the caller (higher waits ahead), -1 none. */
int  queuecall_enter(struct call *call, const char *queue_id, int priority,
		     void (*done)(struct call *, const char *),
		     const char **outcome);
/* From a route: the call ends when it cannot wait or leaves unanswered. */
void queuecall_direct(struct call *call, const char *queue_id);
bool queuecall_dialled(struct call *call, const struct leg *leg);
/* A queue's prompt (parts as in IVR flows: tts, voice, tone) into at
   most max parts for call_prompt(); how many. */
size_t queuecall_parts(const struct call *call, const json_t *prompt,
		       struct prompt_part *parts, size_t max);
/* The agent's leg answered: true when it hears the queue's whisper
   first (the bridge comes at its end), false: bridge now. */
bool queuecall_whisper(struct call *call, struct leg *agent);
/* A key of a waiting caller: the queue's leave key (true: taken). */
bool queuecall_key(struct call *call, char digit);
/* An announcement to a waiting caller ended (true: taken). */
bool queuecall_played(struct call *call);
void queuecall_ended(struct call *call);
/* The agent is off the call before it ends (a supervisor took it over):
   their wrap-up starts now. */
void queuecall_agent_released(struct call *call);
bool queuecall_dial(struct b2bua *b, const struct sip_msg *msg,
		    const struct dir_extension *from);

/* agentcall.c: the agent's controls (b2bua.h's agent_action) */
struct agent_action;
int  agentcall_action(struct call *call, const struct agent_action *act);
/* What customer and agent hear after agent_hold or agent_mute changed. */
void agentcall_apply(struct call *call);
/* The ACD's agent state follows the agent's hold (hold / talking). */
void agentcall_tell_hold(struct call *call, bool on);

/* consult.c: the agent consults a third party while the customer holds */
struct consult;
/* Rings the number (an extension) aside; the customer holds. EBUSY: a
   consultation or a supervisor is on the call; ELOOP: the agent's own
   phone; ENODEV: no device of that extension registered. */
int  consult_start(struct call *call, const char *number);
/* ESRCH: no consultation; EPERM: not answered yet; EALREADY. */
int  consult_transfer(struct call *call);
int  consult_threeway(struct call *call);
int  consult_cancel(struct call *call);        /* ESRCH: none */
void consult_answered(struct leg *leg);
void consult_leg_closed(struct leg *leg, uint16_t code);
/* The agent's leg hung up: true when that completed the transfer (the
   third party had answered), the call goes on. */
bool consult_agent_left(struct leg *leg);
void consult_call_ended(struct call *call);
void consult_free(struct consult *c);            /* safe on NULL */
bool consult_busy(const struct call *call);
json_t *consult_json(const struct call *call);   /* null: none */

/* monitor.c: a supervisor listens, whispers, barges in, intercepts */
enum monitor_mode { MONITOR_LISTEN, MONITOR_WHISPER, MONITOR_BARGE,
		    MONITOR_INTERCEPT };
struct monitor;
const char *monitor_mode_name(enum monitor_mode mode);
int  monitor_mode_parse(const char *name, enum monitor_mode *mode);
/* Rings the supervisor's phone (an extension number) to monitor the
   answered call. With a monitor already there from the same phone, its
   mode changes. EBUSY: monitored from another phone; EINPROGRESS: the
   agent is consulting; ENODEV: no device of that extension registered;
   EALREADY: already in that mode. */
int  monitor_start(struct call *call, enum monitor_mode mode,
		   const char *phone, const char *by);
int  monitor_set_mode(struct monitor *m, enum monitor_mode mode);
int  monitor_stop(struct call *call);            /* ENOENT: none */
void monitor_answered(struct leg *leg);
void monitor_leg_closed(struct leg *leg, uint16_t code);
bool monitor_key(struct leg *leg, char digit);   /* true: taken */
void monitor_call_ended(struct call *call);
void monitor_free(struct monitor *m);            /* safe on NULL */
json_t *monitor_json(const struct call *call);   /* null: none */
/* callevents.c: a queue call's events for its agent (docs/ws.md) */
json_t *callevent_describe(void *arg);   /* acd_call_ops.describe */
void callevent_answered(struct call *call);
/* The agent's part of a call is over (the call ended, or the agent
   transferred it: end_status "transferred"); only a call an agent took. */
void callevent_ended(struct call *call);

/* moh.c: music on hold */
struct moh;
int  moh_alloc(struct moh **mp, struct store *store, const char *data_dir);
void moh_free(struct moh *m);
void moh_start(struct moh *m, struct leg *listener);
/* The class class_id of the tenant (a queue's own; NULL or "": the
   tenant's default, as moh_start; a class with no approved voice falls
   back to the default). */
void moh_start_class(struct moh *m, struct leg *listener,
		     const char *class_id);
void moh_stop(struct leg *listener);
/* The classes may have changed: each is read again at its next use. */
void moh_forget(struct moh *m);

/* cdr.c */
void cdr_write(struct b2bua *b, const struct call *call);

/* b2bua.c, for the other files of the call module */
struct leg *call_other_leg(const struct leg *leg);   /* NULL: none yet */
void call_bridge(struct call *call, struct leg *b);  /* a <-> b media */
void call_ring_timeout(void *arg);
struct sipevent_sock *b2bua_evsock(const struct b2bua *b);

/* The leg of a call in progress with this SIP Call-ID, or NULL. */
struct leg *b2bua_find_leg(const struct b2bua *b, const char *tenant_id,
			   const struct pl *sip_call_id);

/* transfer.c: REFER (blind and attended transfer) */
void transfer_refer(struct sip *sip, const struct sip_msg *msg, void *arg);
/* The transferor leaves; the other party rings the tenant's extension
   with this number. ENOENT: no such enabled extension. */
int  transfer_blind_to(struct leg *transferor, const char *number);
/* The transferor leaves; the other party stays on the call alone (it
   goes on to a queue, a flow...). */
void transfer_release(struct leg *transferor);
/* A DTMF digit the leg's far end keyed (for ## + extension). */
void transfer_key(struct leg *leg, char digit);

void b2bua_forget(struct b2bua *b, struct call *call);
struct store *b2bua_store(const struct b2bua *b);
struct sip *call_sip(const struct call *call);
const struct sa *call_contact_addr(const struct call *call);
const struct b2bua_deps *b2bua_deps(const struct b2bua *b);
/* A new call in the b2bua's list, with no leg yet (NULL: no memory). */
struct call *b2bua_add_call(struct b2bua *b, const char *tenant_id,
			    const char *direction, const char *caller,
			    const char *caller_name, const char *callee);
/* Takes an INVITE as a new call (answers 183 at once); codecs: what the
   caller's extension or trunk allows (a JSON array; NULL: any). NULL:
   refused (already answered with an error, the record written). */
struct call *b2bua_take_call(struct b2bua *b, const struct sip_msg *msg,
			     const char *tenant_id, const char *direction,
			     const char *caller, const char *caller_name,
			     const char *callee, const json_t *codecs);
void b2bua_reject(struct b2bua *b, const struct sip_msg *msg, uint16_t code,
		  const char *reason);
/* Rings every registered device of the extension; how many were rung. */
unsigned call_ring_extension(struct call *call,
			     const struct dir_extension *ext);
/* The same for the tenant's enabled extension with this number (0: no
   such extension, or no device registered). */
unsigned call_ring_number(struct call *call, const char *number);
/* The same for an agent's phone, asking it to answer by itself when the
   agent wants auto-answer. */
unsigned call_ring_agent(struct call *call, const char *number,
			 bool auto_answer);
/* The same, with legs that are not the call's b legs (monitor.c,
   consult.c): they go into `into`, with this role. */
unsigned call_ring_aside(struct call *call, const char *number,
			 struct list *into, enum leg_role role);
/* The phone of a call the daemon places (originate.c): legs aside with
   role LEG_ORIGIN into `into`, showing `shown` as the caller. */
unsigned call_ring_placing(struct call *call, const struct dir_extension *ext,
			   struct list *into, bool auto_answer,
			   const char *shown);
/* Out through the tenant's outbound routes, as the tenant itself (any
   route the number matches), with this caller ID ("": the route's):
   EACCES no route allows it, EAGAIN no trunk took it. The caller starts
   its ring timer. */
int  call_dial_external(struct call *call, const char *number,
			const char *caller_id);
bool call_external_routable(struct call *call, const char *number);
/* Sends the call out on the next usable trunk of call->out; ENOENT when
   none is left. */
int  call_dial_next_trunk(struct call *call);
void call_start_ring_timer(struct call *call);
/* Cancels every outgoing leg still trying or ringing. */
void call_cancel_legs(struct call *call);
/* Answers the caller with our own media, no one else on the call. */
int  call_answer_alone(struct call *call);
/* Call pickup: ENOENT when no call of the tenant is ringing. */
int  b2bua_pickup(struct b2bua *b, const struct sip_msg *msg,
		  const struct dir_extension *picker);
/* Calls of a tenant / on a trunk in progress (concurrency limits). */
unsigned b2bua_count_tenant(const struct b2bua *b, const char *tenant_id);
unsigned b2bua_count_trunk(const struct b2bua *b, const char *trunk_id);

/* dispatch.c: what to do with a new INVITE. */
void dispatch_invite(struct b2bua *b, const struct sip_msg *msg);
/* Every outgoing leg failed with `code`: true when the ringing
   extension's forwarding took the call elsewhere. */
bool dispatch_all_failed(struct call *call, uint16_t code);
/* Dials `number` for the call as extension `from` would: another
   extension (with its own features), or an outside number through the
   outbound routes with from's dial permission and the caller ID it asks
   for (wanted_cid; NULL or "": the route's). Ends the call on a refusal. */
void dispatch_dial(struct call *call, const struct dir_extension *from,
		   const char *number, const char *wanted_cid);

/* originate.c: calls the daemon places (click-to-call) */
void originate_answered(struct leg *leg);
void originate_leg_closed(struct leg *leg, uint16_t code, const char *reason);
void originate_call_ended(struct call *call);
void originate_free(struct origin *o);

#endif
