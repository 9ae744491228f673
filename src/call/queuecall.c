/*
 * queuecall.c — a call in an ACD queue (src/acd): it is answered (if not
 * yet) and hears the queue's music on hold while it waits, interrupted
 * every announce_s by the queue's announcement and every
 * announce_position_s by its position and estimated wait, the music
 * resuming after each; the ACD rings agents'
 * phones through it, and when one answers the caller is bridged to the
 * agent and the agent's state follows the call until it ends. A call that
 * leaves a queue unanswered goes back to whoever sent it there: an IVR
 * flow (its queue node's exit) or an inbound route (the call ends with
 * the reason). Extensions may also dial a queue's number.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "b2bua.h"
#include "call.h"
#include "../acd/acd.h"
#include "../core/log.h"
#include "../core/ids.h"
#include "../ivr/ivr.h"
#include "../media/audiofile.h"
#include "../media/say.h"
#include "../sip/directory.h"
#include "../store/store.h"

/* The overflow exits a call may take, one after another: a bound on
   queues overflowing into each other. */
enum { QUEUE_OVERFLOW_MAX = 3 };

/* A waiting caller's announcements. */
struct queuewait {
	struct call *call;
	struct tmr announce_tmr;   /* the queue's announcement */
	struct tmr position_tmr;   /* position and estimated wait */
	bool playing;              /* an announcement (the music stopped) */
	struct leg *whispered;     /* the agent hearing the whisper */
	unsigned overflows;        /* queue exits taken (QUEUE_OVERFLOW_MAX) */
	bool position_due;         /* ... after the one playing */
};

static const struct dir_queue *queue_of(const struct call *call)
{
	return directory_queue(b2bua_deps(call->b2bua)->dir, call->tenant_id,
			       call->queue_id);
}

static void music(struct call *call)
{
	const struct dir_queue *q = queue_of(call);

	moh_start_class(b2bua_moh(call->b2bua), call->a,
			q ? q->moh_class_id : NULL);
}

/* A prompt of the queue's (as IVR prompts: tts, voice, tone) into parts. */
size_t queuecall_parts(const struct call *call, const json_t *prompt,
		       struct prompt_part *parts, size_t max)
{
	const char *data_dir = b2bua_deps(call->b2bua)->data_dir;
	const json_t *p;
	size_t i, n = 0;

	json_array_foreach(prompt, i, p) {
		const char *type = json_string_value(json_object_get(p,
								     "type"));
		struct prompt_part *pp = &parts[n];

		if (n == max || !type)
			break;
		memset(pp, 0, sizeof(*pp));
		if (!strcmp(type, "voice")) {
			pp->kind = PROMPT_FILE;
			if (audiofile_voice_path(pp->text, sizeof(pp->text),
					data_dir, call->tenant_id,
					json_string_value(json_object_get(
						p, "id"))) < 0)
				continue;
		} else {
			pp->kind = !strcmp(type, "tone") ? PROMPT_TONE
							 : PROMPT_TEXT;
			str_ncpy(pp->text, json_string_value(json_object_get(
				p, pp->kind == PROMPT_TONE ? "name" : "text")),
				sizeof(pp->text));
		}
		n++;
	}
	return n;
}

/* "You are caller number 2; the estimated wait is about 3 minutes." in
   the language of the tenant's TTS voice. */
static enum say_lang lang_of(const struct call *call)
{
	const struct dir_tenant *t = directory_tenant(
		b2bua_deps(call->b2bua)->dir, call->tenant_id);

	return t && !strncmp(t->tts_voice, "en", 2) ? SAY_EN : SAY_ZH;
}

static void position_text(const struct call *call, unsigned pos, long ewt,
			  char *out, size_t size)
{
	enum say_lang lang = lang_of(call);
	char n[128] = "", wait[128] = "";
	long minutes = ewt < 0 ? -1 : ewt <= 60 ? 1 : (ewt + 59) / 60;

	say_number(n, sizeof(n), lang, pos);
	if (minutes > 0)
		say_number(wait, sizeof(wait), lang, minutes);
	if (lang == SAY_EN)
		re_snprintf(out, size, "You are caller number %s in the queue."
			    "%s%s%s", n, *wait ? " Your estimated wait is "
			    "about " : "", wait, *wait ? (minutes == 1
			    ? " minute." : " minutes.") : "");
	else
		re_snprintf(out, size, "您现在排在第%s位。%s%s%s", n,
			    *wait ? "预计等待约" : "", wait,
			    *wait ? "分钟。" : "");
}

static struct queuewait *waitstate(struct call *call)
{
	struct queuewait *w = call->qwait;

	if (w)
		return w;
	w = call->qwait = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->call = call;
	tmr_init(&w->announce_tmr);
	tmr_init(&w->position_tmr);
	return w;
}

static void announce(struct queuewait *w, const struct prompt_part *parts,
		     size_t n)
{
	struct call *call = w->call;

	moh_stop(call->a);
	if (call_prompt(call, call->a, parts, n, 1, 0)) {
		music(call);
		return;
	}
	w->playing = true;
}

/* How to leave, in the tenant's language (no leave_prompt of its own). */
static void leave_text(const struct call *call, const struct dir_queue *q,
		       char *out, size_t size)
{
	enum say_lang lang = lang_of(call);
	char key[2] = {q->leave_key, '\0'}, said[32] = "";
	bool vm = !strcmp(q->leave_to, "voicemail");

	say_digits(said, sizeof(said), lang, key, false);
	if (lang == SAY_EN)
		re_snprintf(out, size, "To %s, press %s.", vm ? "leave a "
			    "message" : "be called back", said);
	else
		re_snprintf(out, size, "如需%s，请按%s键。", vm ? "留言"
			    : "回电", said);
}

static void announce_leave_key(struct queuewait *w, const struct dir_queue *q)
{
	struct prompt_part parts[8];
	size_t n = queuecall_parts(w->call, q->leave_prompt, parts, 8);

	if (!n) {
		parts[0] = (struct prompt_part){.kind = PROMPT_TEXT};
		leave_text(w->call, q, parts[0].text, sizeof(parts[0].text));
		n = 1;
	}
	announce(w, parts, n);
}

static void announce_position(struct queuewait *w)
{
	struct call *call = w->call;
	struct prompt_part part = {.kind = PROMPT_TEXT};
	unsigned pos;
	long ewt;

	if (!call->queue)
		return;
	pos = acd_position(call->queue);
	ewt = acd_estimated_wait(call->queue);
	position_text(call, pos, ewt, part.text, sizeof(part.text));
	log_info("call", "call %s: announces position %u, estimated wait %ld"
		 " s", call->id, pos, ewt);
	announce(w, &part, 1);
}

static void position_due(void *arg)
{
	struct queuewait *w = arg;
	const struct dir_queue *q = queue_of(w->call);

	if (!q || !q->announce_position_s || !w->call->queue)
		return;
	tmr_start(&w->position_tmr, q->announce_position_s * 1000ULL,
		  position_due, w);
	if (w->playing)
		w->position_due = true;
	else
		announce_position(w);
}

static void announce_due(void *arg)
{
	struct queuewait *w = arg;
	const struct dir_queue *q = queue_of(w->call);
	struct prompt_part parts[8];
	size_t n;

	if (!q || !q->announce_s || !w->call->queue)
		return;
	tmr_start(&w->announce_tmr, q->announce_s * 1000ULL, announce_due, w);
	n = queuecall_parts(w->call, q->announce_prompt, parts, 8);
	if (n && !w->playing)
		announce(w, parts, n);
}

bool queuecall_played(struct call *call)
{
	struct queuewait *w = call->qwait;

	if (w && w->whispered) {             /* now they talk */
		struct leg *agent = w->whispered;

		w->whispered = NULL;
		if (agent->state != LEG_ENDED)
			call_bridge(call, agent);
		return true;
	}
	if (!w || !w->playing)
		return false;
	w->playing = false;
	if (!call->queue)
		return true;
	if (w->position_due) {
		w->position_due = false;
		announce_position(w);
	} else {
		music(call);
	}
	return true;
}

/* The caller no longer waits: no more announcements. */
static void quiet(struct call *call)
{
	struct queuewait *w = call->qwait;

	moh_stop(call->a);
	if (!w)
		return;
	tmr_cancel(&w->announce_tmr);
	tmr_cancel(&w->position_tmr);
	if (w->playing) {
		w->playing = false;
		call_prompt_stop(call);
	}
	w->position_due = false;
}

static void ring_timeout(void *arg)
{
	struct call *call = arg;
	struct acd_entry *e = call->queue;

	call_cancel_legs(call);
	if (e)
		acd_rang(e, false, NULL);
}

/* An agent on an outside number: out through the tenant's routes. The
   call keeps the trunk it came in on as its own. */
static unsigned ring_outside(struct call *call, const struct acd_phone *p)
{
	char trunk_id[sizeof(call->trunk_id)];
	int err;

	str_ncpy(trunk_id, call->trunk_id, sizeof(trunk_id));
	err = call_dial_external(call, p->number, p->caller_id);
	if (trunk_id[0])
		str_ncpy(call->trunk_id, trunk_id, sizeof(call->trunk_id));
	if (err)
		log_info("call", "call %s: cannot ring agent phone %s: %s",
			 call->id, p->number, err == EACCES ? "no route"
							    : "no trunk");
	return err ? 0 : 1;
}

static int host_ring(void *arg, const struct acd_phone *phones, size_t n,
		     unsigned ring_s)
{
	struct call *call = arg;
	const struct dir_queue *q = queue_of(call);
	char name[sizeof(call->caller_name)];
	unsigned rung = 0;

	/* the agent's phone shows the caller (its From), or "queue:
	   caller" when the queue says so */
	str_ncpy(name, call->caller_name, sizeof(name));
	if (q && q->agent_display_queue)
		re_snprintf(call->caller_name, sizeof(call->caller_name),
			    "%s: %s", q->name, *name ? name : call->caller);
	for (size_t i = 0; i < n; i++) {
		if (phones[i].external) {
			rung += ring_outside(call, &phones[i]);
			continue;
		}
		rung += call_ring_agent(call, phones[i].number,
					phones[i].auto_answer);
	}
	str_ncpy(call->caller_name, name, sizeof(call->caller_name));
	if (!rung)
		return EAGAIN;            /* no registered phone */
	tmr_start(&call->ring_tmr, ring_s * 1000ULL, ring_timeout, call);
	return 0;
}

static void host_cancel(void *arg)
{
	struct call *call = arg;

	tmr_cancel(&call->ring_tmr);
	call_cancel_legs(call);
}

static void host_wait(void *arg, const struct dir_queue *q)
{
	struct call *call = arg;

	struct queuewait *w = call->qwait;

	call_prompt_stop(call);
	moh_start_class(b2bua_moh(call->b2bua), call->a, q->moh_class_id);
	if (!w && (q->announce_s || q->announce_position_s || q->leave_key))
		w = waitstate(call);
	if (!w)
		return;
	if (q->leave_key)
		announce_leave_key(w, q);
	if (q->announce_s)
		tmr_start(&w->announce_tmr, q->announce_s * 1000ULL,
			  announce_due, w);
	if (q->announce_position_s)
		tmr_start(&w->position_tmr, q->announce_position_s * 1000ULL,
			  position_due, w);
}

static void host_leave(void *arg, const char *outcome)
{
	struct call *call = arg;

	call->queue = NULL;
	quiet(call);
	if (call->queue_done)
		call->queue_done(call, outcome);
}

static void host_connected(void *arg, const char *agent_id,
			   const char *agent_no)
{
	struct call *call = arg;

	call->queue = NULL;
	call->agent_released = false;     /* a new agent's call */
	call->agent_ms = now_ms();
	call->hold_since = call->hold_ms = 0;
	str_ncpy(call->agent_id, agent_id, sizeof(call->agent_id));
	str_ncpy(call->agent_no, agent_no, sizeof(call->agent_no));
	log_info("call", "call %s: agent %s takes it", call->id, agent_no);
	callevent_answered(call);
	if (call->queue_done)
		call->queue_done(call, "answered");
}

static const struct acd_call_ops ops = {
	host_ring, host_cancel, host_wait, host_leave, host_connected,
	callevent_describe,
};

int queuecall_enter(struct call *call, const char *queue_id, int priority,
		    void (*done)(struct call *, const char *),
		    const char **outcome)
{
	struct acd *acd = b2bua_deps(call->b2bua)->acd;
	struct acd_join join = {call->tenant_id, queue_id, call->id,
				call->caller, priority};
	struct acd_entry *e = NULL;
	int err;

	*outcome = NULL;
	if (!acd)
		return ENOTSUP;
	if (!call->answer_ms && call_answer_alone(call))
		return EIO;
	call->queue_done = done;
	str_ncpy(call->queue_id, queue_id, sizeof(call->queue_id));
	err = acd_enqueue(acd, &e, &join, &ops, call, outcome);
	if (!err && e)
		call->queue = e;
	return err;
}

/* ---- leaving the queue with its key ---- */

struct callback_write {
	char id[ID_LEN], tenant_id[ID_LEN], queue_id[ID_LEN], call_id[ID_LEN];
	char caller[64];
};

static int callback_work(struct db *db, void *arg)
{
	struct callback_write *cw = arg;
	json_int_t now = (json_int_t)now_ms();

	return db_exec(db, "INSERT INTO callback_requests (id, tenant_id, "
		       "queue_id, call_id, caller, created_at, updated_at) "
		       "VALUES (?, ?, ?, ?, ?, ?, ?)", json_pack(
			       "[sssssII]", cw->id, cw->tenant_id,
			       cw->queue_id, cw->call_id, cw->caller, now,
			       now));
}

static void callback_done(int err, void *arg)
{
	struct callback_write *cw = arg;

	if (err)
		log_error("call", "call %s: callback request not stored: %s",
			  cw->call_id, strerror(err));
	free(cw);
}

/* Stores the caller's callback request, says so and hangs up. */
static void request_callback(struct call *call)
{
	struct callback_write *cw = calloc(1, sizeof(*cw));
	struct prompt_part bye = {.kind = PROMPT_TEXT};

	if (cw) {
		id_new(cw->id);
		str_ncpy(cw->tenant_id, call->tenant_id, sizeof(cw->tenant_id));
		str_ncpy(cw->queue_id, call->queue_id, sizeof(cw->queue_id));
		str_ncpy(cw->call_id, call->id, sizeof(cw->call_id));
		str_ncpy(cw->caller, call->caller, sizeof(cw->caller));
		if (store_submit(b2bua_store(call->b2bua), STORE_WRITE,
				 callback_work, callback_done, cw)) {
			free(cw);
			cw = NULL;
		}
	}
	if (!cw) {
		call_end(call, "system_error", "system", 0, NULL);
		return;
	}
	log_info("call", "call %s: callback requested from queue %s",
		 call->id, call->queue_id);
	str_ncpy(bye.text, lang_of(call) == SAY_EN ? "We will call you back. "
		 "Goodbye." : "我们会尽快给您回电，再见。", sizeof(bye.text));
	call->end_after_play = "callback";
	if (call_prompt(call, call->a, &bye, 1, 1, 0))
		call_end(call, "callback", "system", 0, NULL);
	else
		call->hang_up_after_play = true;
}

bool queuecall_key(struct call *call, char digit)
{
	const struct dir_queue *q = call->queue ? queue_of(call) : NULL;
	struct acd_entry *e = call->queue;

	if (!q || !q->leave_key || digit != q->leave_key)
		return false;
	log_info("call", "call %s leaves queue %s with key %c", call->id,
		 q->name, digit);
	call->queue = NULL;
	quiet(call);
	host_cancel(call);                 /* agents ringing for it stop */
	acd_withdraw(e, strcmp(q->leave_to, "callback") ? "voicemail"
							: "callback");
	if (call->ivr)
		ivr_stop(call->ivr);       /* the flow is over for it */
	if (!strcmp(q->leave_to, "callback"))
		request_callback(call);
	else if (!voicemail_take(call, q->leave_box))
		call_end(call, "unavailable", "system", 0, NULL);
	return true;
}

/* The agent answered: the queue's whisper is played to it while the
   caller still hears the music; they are bridged at its end
   (queuecall_played). false: no whisper, bridge now. */
bool queuecall_whisper(struct call *call, struct leg *agent)
{
	const struct dir_queue *q = call->queue ? queue_of(call) : NULL;
	struct prompt_part parts[8];
	struct queuewait *w;
	size_t n;

	if (!q || !(n = queuecall_parts(call, q->whisper_prompt, parts, 8)) ||
	    !(w = waitstate(call)))
		return false;
	quiet(call);
	music(call);
	if (call_prompt(call, agent, parts, n, 1, 0))
		return false;
	w->whispered = agent;
	log_info("call", "call %s: whisper to %s", call->id, agent->endpoint);
	return true;
}

/* A ringing agent's leg answered (`leg`), or every leg failed (NULL). */
bool queuecall_dialled(struct call *call, const struct leg *leg)
{
	struct acd_entry *e = call->queue;

	if (!e)
		return false;
	tmr_cancel(&call->ring_tmr);
	if (leg && !(call->qwait && call->qwait->whispered))
		quiet(call);
	acd_rang(e, leg != NULL, leg ? leg->endpoint : NULL);
	return true;
}

/* The call ends: out of its queue, or its agent's call is over. */
void queuecall_ended(struct call *call)
{
	struct acd_entry *e = call->queue;

	call->queue = NULL;
	if (call->qwait) {
		tmr_cancel(&call->qwait->announce_tmr);
		tmr_cancel(&call->qwait->position_tmr);
		free(call->qwait);
		call->qwait = NULL;
	}
	if (e)
		acd_abandon(e);
	queuecall_agent_released(call);
}

void queuecall_agent_released(struct call *call)
{
	struct acd *acd = b2bua_deps(call->b2bua)->acd;
	int64_t released;

	if (!acd || !call->agent_id[0] || call->agent_released)
		return;
	if (call->agent_hold && !consult_busy(call))
		agentcall_tell_hold(call, false);
	call->agent_released = true;
	callevent_ended(call);
	released = acd_agent_call_ended(acd, call->tenant_id, call->agent_id);
	acd_call_handled(acd, &(struct acd_handled_call){
		.tenant_id = call->tenant_id, .queue_id = call->queue_id,
		.call_id = call->id, .agent_id = call->agent_id,
		.answered_at = call->agent_ms, .released_at = released,
		.hold_ms = call->hold_ms});
}

/* A route or a dialled number sent the call straight to a queue: when it
   cannot wait there and the queue has no overflow for the reason, it ends
   saying why. */
static void end_for(struct call *call, const char *outcome)
{
	if (!strcmp(outcome, "timeout"))
		call_end(call, "queue_timeout", "system", 0, NULL);
	else if (!strcmp(outcome, "full"))
		call_end(call, "queue_full", "system", 486, "Queue Full");
	else
		call_end(call, "no_agent", "system", 480, "No Agent");
}

static void overflow(struct call *call, const char *outcome);

/* Hang up with the destination's prompt (if any) played first. */
static void hang_up(struct call *call, const json_t *dest,
		    const char *outcome)
{
	struct prompt_part parts[8];
	size_t n = queuecall_parts(call, json_object_get(dest, "prompt"),
				   parts, 8);

	call->end_after_play = !strcmp(outcome, "timeout") ? "queue_timeout"
			       : !strcmp(outcome, "full") ? "queue_full"
			       : "no_agent";
	if (!n || call_prompt(call, call->a, parts, n, 1, 0)) {
		end_for(call, outcome);
		return;
	}
	call->hang_up_after_play = true;
}

/* Sends the call to the overflow destination; false: it could not go. */
static bool send_to(struct call *call, const json_t *dest,
		    const char *outcome)
{
	struct directory *dir = b2bua_deps(call->b2bua)->dir;
	const char *type = json_string_value(json_object_get(dest, "type"));
	const char *target = json_string_value(json_object_get(dest,
							       "target"));
	const struct dir_ivr_flow *flow;
	const char *next = NULL;

	if (!type)
		return false;
	if (!strcmp(type, "hangup")) {
		hang_up(call, dest, outcome);
		return true;
	}
	if (!target)
		return false;
	if (!strcmp(type, "queue")) {
		if (queuecall_enter(call, target, -1, overflow, &next))
			return false;
		if (next)
			overflow(call, next);
		return true;
	}
	if (!strcmp(type, "ivr")) {
		flow = directory_ivr_flow(dir, call->tenant_id, target);
		return flow && !ivrcall_enter(call, flow);
	}
	if (!strcmp(type, "voicemail"))
		return voicemail_take(call, target);
	if (!strcmp(type, "external") &&
	    !call_dial_external(call, target, "")) {
		call_start_ring_timer(call);
		return true;
	}
	return false;
}

/* The call left its queue unanswered (or could not wait): the queue's
   overflow destination for the reason, else the end. */
static void overflow(struct call *call, const char *outcome)
{
	const struct dir_queue *q = queue_of(call);
	const json_t *dest = q ? json_object_get(q->overflow, outcome) : NULL;
	struct queuewait *w;

	if (!strcmp(outcome, "answered"))
		return;
	if (!dest) {
		end_for(call, outcome);
		return;
	}
	w = waitstate(call);
	if (!w || w->overflows >= QUEUE_OVERFLOW_MAX) {
		log_info("call", "call %s: queue %s: %s, no more overflows",
			 call->id, q->name, outcome);
		end_for(call, outcome);
		return;
	}
	w->overflows++;
	log_info("call", "call %s: queue %s: %s, overflows to %s %s",
		 call->id, q->name, outcome,
		 json_string_value(json_object_get(dest, "type")),
		 json_string_value(json_object_get(dest, "target")));
	if (!send_to(call, dest, outcome))
		end_for(call, outcome);
}

void queuecall_direct(struct call *call, const char *queue_id)
{
	const char *outcome = NULL;
	int err = queuecall_enter(call, queue_id, -1, overflow, &outcome);

	if (err)
		call_end(call, err == ENOENT ? "unavailable" : "system_error",
			 "system", err == ENOENT ? 480 : 500,
			 err == ENOENT ? "No Such Queue" : "Queue Error");
	else if (outcome)
		overflow(call, outcome);
}

bool queuecall_dial(struct b2bua *b, const struct sip_msg *msg,
		    const struct dir_extension *from)
{
	char number[16];
	const struct dir_queue *q;
	struct call *call;

	if (pl_strcpy(&msg->uri.user, number, sizeof(number)))
		return false;
	q = directory_queue_number(b2bua_deps(b)->dir, from->tenant_id, number);
	if (!q)
		return false;
	call = b2bua_take_call(b, msg, from->tenant_id, "internal",
			       from->number, from->display_name, number,
			       from->codecs);
	if (call)
		queuecall_direct(call, q->id);
	return true;
}
