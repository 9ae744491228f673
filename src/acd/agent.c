/*
 * agent.c — agents at run time: login and logout, idle and busy with a
 * reason, ringing, talking, wrap-up and back (tencent-ccc.md §2.24,
 * cticloud.md §2.12.1). Every change closes the agent's open row of the
 * state log (agent_states) and opens the next — `offline` included, closed
 * at the next login — on the store's writer, so state durations and the
 * work log are derived from it exactly. A row left open by a daemon that
 * stopped without logging its agents out is closed when it starts again.
 * An agent logged out is not kept here: no run-time agent means offline.
 * An agent with max_calls above 1 stays talking while any call is up, is
 * offered the next one meanwhile (one ringing at a time), gets a talking
 * row per call answered and wraps up after the last (decision 54). Every
 * change reaches the routing pool (members.c, acd_agent_sync).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "internal.h"
#include "../core/log.h"
#include "../sip/directory.h"
#include "../store/store.h"

static const char *const state_names[] = {
	[AGENT_OFFLINE] = "offline", [AGENT_IDLE] = "idle",
	[AGENT_BUSY] = "busy", [AGENT_RINGING] = "ringing",
	[AGENT_TALKING] = "talking", [AGENT_WRAPUP] = "wrap_up",
	[AGENT_HELD] = "hold",
};

const char *acd_state_name(enum acd_agent_state s)
{
	return s <= AGENT_HELD ? state_names[s] : "?";
}

/* ---- the state log ---- */

struct log_job {
	char open_id[ID_LEN];      /* the row to open */
	char tenant_id[ID_LEN];
	char agent_id[ID_LEN];
	char state[16];
	char reason[33];
	int64_t at;
};

static int log_work(struct db *db, void *arg)
{
	struct log_job *j = arg;
	int err = 0;

	err = db_exec(db, "UPDATE agent_states SET ended_at = ? WHERE "
		      "tenant_id = ? AND agent_id = ? AND ended_at IS NULL",
		      json_pack("[Iss]", (json_int_t)j->at, j->tenant_id,
				j->agent_id));
	if (!err)
		err = db_exec(db, "INSERT INTO agent_states (id, tenant_id, "
			      "agent_id, state, reason, started_at) VALUES "
			      "(?, ?, ?, ?, ?, ?)",
			      json_pack("[sssssI]", j->open_id, j->tenant_id,
					j->agent_id, j->state, j->reason,
					(json_int_t)j->at));
	return err;
}

static void log_done(int err, void *arg)
{
	struct log_job *j = arg;

	if (err)
		log_error("acd", "agent %s: state %s not logged: %s",
			  j->agent_id, j->state, strerror(err));
	free(j);
}

static void log_state(struct acd_agent *a, enum acd_agent_state s,
		      int64_t at)
{
	struct log_job *j = calloc(1, sizeof(*j));

	if (!j)
		return;
	id_new(j->open_id);
	str_ncpy(j->tenant_id, a->tenant_id, sizeof(j->tenant_id));
	str_ncpy(j->agent_id, a->id, sizeof(j->agent_id));
	str_ncpy(j->state, acd_state_name(s), sizeof(j->state));
	str_ncpy(j->reason, a->reason, sizeof(j->reason));
	j->at = at;
	if (store_submit(a->acd->store, STORE_WRITE, log_work, log_done, j)) {
		log_error("acd", "agent %s: state log not written", a->id);
		free(j);
	}
}

static int today(void)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

void acd_agent_state(struct acd_agent *a, enum acd_agent_state s,
		     const char *reason)
{
	int64_t now = now_ms();

	if (now <= a->since)       /* one row per millisecond: the log's */
		now = a->since + 1;  /* order is its time order */
	str_ncpy(a->reason, reason ? reason : "", sizeof(a->reason));
	log_info("acd", "agent %s: %s -> %s%s%s", a->id,
		 acd_state_name(a->state), acd_state_name(s),
		 a->reason[0] ? " " : "", a->reason);
	log_state(a, s, now);
	acd_event_agent(a, s, now);
	if (s == AGENT_IDLE && a->state != AGENT_IDLE &&
	    a->state != AGENT_RINGING)
		a->idle_since = now;
	a->state = s;
	a->since = now;
	acd_agent_sync(a);
}

/* ---- offers and calls (decision 54: several calls at once) ---- */

int acd_agent_offered(struct acd_agent *a, struct acd_entry *e)
{
	if (acd_pool_reserve(a->acd->pool, a->pool))
		return EBUSY;
	a->offer = e;
	if (a->state == AGENT_IDLE)
		acd_agent_state(a, AGENT_RINGING, NULL);
	else                       /* on a call: it stays talking */
		acd_agent_sync(a);
	return 0;
}

void acd_agent_unoffered(struct acd_agent *a, bool missed)
{
	const struct dir_agent *da = directory_agent(a->acd->dir,
						     a->tenant_id, a->id);

	if (!a->offer)
		return;
	a->offer = NULL;
	(void)acd_pool_unreserve(a->acd->pool, a->pool);
	if (missed && da && da->busy_after_miss && !a->busy_after) {
		a->busy_after = true;
		str_ncpy(a->busy_reason, "missed call",
			 sizeof(a->busy_reason));
	}
	if (a->state != AGENT_RINGING) {  /* on a call, or wrapping up */
		acd_agent_sync(a);
		return;
	}
	if (a->busy_after)
		acd_agent_state(a, AGENT_BUSY, a->busy_reason);
	else
		acd_agent_state(a, AGENT_IDLE, NULL);
	a->busy_after = false;
}

void acd_agent_answered(struct acd_agent *a, unsigned wrap_up_s)
{
	a->offer = NULL;
	(void)acd_pool_answered(a->acd->pool, a->pool);
	if (a->day != today()) {
		a->day = today();
		a->answered_today = 0;
	}
	a->answered_today++;
	a->active++;
	a->wrap_up_s = wrap_up_s;
	tmr_cancel(&a->wrap_tmr);    /* answered while wrapping up */
	/* a talking row per call answered, during another call too: the
	   rows count the calls, and each call's answered_at in the queue
	   log is a row's start (decision 53) */
	acd_agent_state(a, AGENT_TALKING, NULL);
}

/* ---- what agents do ---- */

static void free_agent(struct acd_agent *a)
{
	tmr_cancel(&a->wrap_tmr);
	tmr_cancel(&a->reach_tmr);
	acd_members_agent_remove(a->acd, a);
	list_unlink(&a->le);
	free(a);
}

const char *acd_agent_phone(const struct acd_agent *a)
{
	return a->phone;
}

bool acd_agent_external(const struct acd_agent *a)
{
	return a->external;
}

/* The phone the agent works on this session: the one asked for (an
   extension number, or "external": their outside number), else their
   bound extension, else their outside number. EINVAL: none; ENODEV: no
   enabled extension of that number. */
static int session_phone(struct acd *acd, const struct dir_agent *da,
			 const char *asked, char phone[33], bool *external)
{
	const struct dir_extension *ext;
	struct pl num;

	*external = (asked && !strcmp(asked, "external")) ||
		    ((!asked || !*asked) && !da->phone[0]);
	if (*external) {
		str_ncpy(phone, da->external, 33);
		return phone[0] ? 0 : EINVAL;
	}
	if (!asked || !*asked) {
		str_ncpy(phone, da->phone, 33);
		return 0;
	}
	pl_set_str(&num, asked);
	ext = directory_extension(acd->dir, da->tenant_id, &num);
	if (!ext || !ext->enabled)
		return ENODEV;
	str_ncpy(phone, asked, 33);
	return 0;
}

int acd_agent_login(struct acd *acd, const char *tenant_id,
		    const char *agent_id, bool busy, const char *reason,
		    const char *phone)
{
	const struct dir_agent *da = directory_agent(acd->dir, tenant_id,
						     agent_id);
	struct acd_agent *a;
	char number[33];
	bool external;
	int err;

	if (!da)
		return ENOENT;
	if (!da->enabled)
		return EINVAL;
	if (acd_agent_find(acd, tenant_id, agent_id))
		return EALREADY;
	err = session_phone(acd, da, phone, number, &external);
	if (err)
		return err;
	if (acd_agent_on_phone(acd, tenant_id, number))
		return EADDRINUSE;     /* another agent works on it */
	a = calloc(1, sizeof(*a));
	if (!a)
		return ENOMEM;
	a->acd = acd;
	str_ncpy(a->id, agent_id, sizeof(a->id));
	str_ncpy(a->tenant_id, tenant_id, sizeof(a->tenant_id));
	a->state = AGENT_OFFLINE;
	str_ncpy(a->phone, number, sizeof(a->phone));
	a->external = external;
	a->day = today();
	tmr_init(&a->wrap_tmr);
	tmr_init(&a->reach_tmr);
	list_append(&acd->agents, &a->le, a);
	if (acd_members_agent_add(acd, a)) {
		list_unlink(&a->le);
		free(a);
		return ENOMEM;
	}
	acd_agent_state(a, busy ? AGENT_BUSY : AGENT_IDLE, busy ? reason
							      : NULL);
	a->idle_since = a->since;
	acd_agent_sync(a);
	if (!busy)
		acd_dispatch_tenant(acd, tenant_id);
	return 0;
}

int acd_agent_logout(struct acd *acd, const char *tenant_id,
		     const char *agent_id)
{
	struct acd_agent *a = acd_agent_find(acd, tenant_id, agent_id);

	if (!a)
		return directory_agent(acd->dir, tenant_id, agent_id)
		       ? EALREADY : ENOENT;
	if (a->state == AGENT_TALKING || a->active)
		return EBUSY;
	acd_offer_withdraw(a);
	acd_agent_state(a, AGENT_OFFLINE, NULL);
	free_agent(a);
	acd_dispatch_tenant(acd, tenant_id);   /* the calls it would take */
	return 0;
}

/* The last call and its wrap-up are over: busy if asked, ringing if an
   offer came meanwhile, else idle (and calls waiting are offered).
   Answers when that state began. */
static int64_t after_wrap_up(struct acd_agent *a)
{
	int64_t at;

	if (a->busy_after)
		acd_agent_state(a, AGENT_BUSY, a->busy_reason);
	else
		acd_agent_state(a, a->offer ? AGENT_RINGING : AGENT_IDLE,
				NULL);
	a->busy_after = false;
	at = a->since;
	if (a->state == AGENT_IDLE)
		acd_dispatch_tenant(a->acd, a->tenant_id);
	return at;
}

static void wrapped_up(void *arg)
{
	(void)after_wrap_up(arg);
}

int acd_agent_set(struct acd *acd, const char *tenant_id,
		  const char *agent_id, bool busy, const char *reason)
{
	struct acd_agent *a = acd_agent_find(acd, tenant_id, agent_id);

	if (!a)
		return directory_agent(acd->dir, tenant_id, agent_id)
		       ? EPERM : ENOENT;
	switch (a->state) {
	case AGENT_RINGING:
	case AGENT_TALKING:
	case AGENT_HELD:
		a->busy_after = busy;        /* after the call */
		str_ncpy(a->busy_reason, reason ? reason : "",
			 sizeof(a->busy_reason));
		acd_agent_sync(a);           /* no more calls meanwhile */
		if (!busy)
			acd_dispatch_tenant(acd, tenant_id);
		return 0;
	case AGENT_WRAPUP:
		a->busy_after = busy;
		str_ncpy(a->busy_reason, reason ? reason : "",
			 sizeof(a->busy_reason));
		if (!busy) {                 /* wrap-up done */
			tmr_cancel(&a->wrap_tmr);
			wrapped_up(a);
		}
		return 0;
	default:
		break;
	}
	if (busy)
		acd_agent_state(a, AGENT_BUSY, reason);
	else if (a->state != AGENT_IDLE)
		acd_agent_state(a, AGENT_IDLE, NULL);
	if (!busy)
		acd_dispatch_tenant(acd, tenant_id);
	return 0;
}

int acd_agent_wrapup_done(struct acd *acd, const char *tenant_id,
			  const char *agent_id)
{
	struct acd_agent *a = acd_agent_find(acd, tenant_id, agent_id);

	if (!a)
		return directory_agent(acd->dir, tenant_id, agent_id)
		       ? EPERM : ENOENT;
	if (a->state != AGENT_WRAPUP)
		return EPERM;
	tmr_cancel(&a->wrap_tmr);
	wrapped_up(a);
	return 0;
}

void acd_phone_in_use(struct acd *acd, const char *tenant_id,
		      const char *phone, bool on)
{
	struct acd_agent *a = acd_agent_on_phone(acd, tenant_id, phone);

	if (!a)
		return;
	if (on)
		a->own_calls++;
	else if (a->own_calls)
		a->own_calls--;
	acd_agent_sync(a);
	if (!a->own_calls)
		acd_dispatch_tenant(acd, tenant_id);
}

/* Hold while every call in hand is on hold, else talking. */
static void hold_sync(struct acd_agent *a)
{
	enum acd_agent_state want = a->held >= a->active ? AGENT_HELD
							 : AGENT_TALKING;

	if (a->state == want ||
	    (a->state != AGENT_TALKING && a->state != AGENT_HELD))
		return;
	acd_agent_state(a, want, want == AGENT_TALKING ? "resumed" : NULL);
}

int acd_agent_hold(struct acd *acd, const char *tenant_id,
		   const char *agent_id, bool on, int64_t *at)
{
	struct acd_agent *a = acd_agent_find(acd, tenant_id, agent_id);
	int64_t before;

	if (!a)
		return ENOENT;
	if (!a->active)
		return EPERM;
	before = a->since;
	if (on && a->held < a->active)
		a->held++;
	else if (!on && a->held)
		a->held--;
	hold_sync(a);
	*at = a->since != before ? a->since : now_ms();
	return 0;
}

int64_t acd_agent_call_ended(struct acd *acd, const char *tenant_id,
			     const char *agent_id)
{
	struct acd_agent *a = acd_agent_find(acd, tenant_id, agent_id);

	if (!a || !a->active)
		return now_ms();
	(void)acd_pool_call_ended(acd->pool, a->pool, now_ms());
	if (--a->active) {         /* still talking on another call */
		if (a->held > a->active)
			a->held = a->active;
		hold_sync(a);
		acd_agent_sync(a);
		acd_dispatch_tenant(acd, tenant_id);
		return now_ms();
	}
	a->held = 0;
	a->idle_since = now_ms();
	if (!a->wrap_up_s)
		return after_wrap_up(a);
	acd_agent_state(a, AGENT_WRAPUP, NULL);
	tmr_start(&a->wrap_tmr, a->wrap_up_s * 1000ULL, wrapped_up, a);
	return a->since;
}

static json_t *live_row(struct acd *acd, const struct dir_agent *da)
{
	struct acd_agent *a = acd_agent_find(acd, da->tenant_id, da->id);
	bool external;
	const char *phone = acd_agent_works_on(acd, da, &external);

	return json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:o,s:i,s:i,s:b,s:i,"
			 "s:i}", "id", da->id, "agent_no", da->agent_no,
			 "name", da->name, "phone", phone, "external", external,
			 "state", acd_state_name(a ? a->state : AGENT_OFFLINE),
			 "reason", a ? a->reason : "", "since",
			 a ? json_integer(a->since) : json_null(),
			 "answered_today", a ? (int)a->answered_today : 0,
			 "active_calls", a ? (int)a->active : 0,
			 "offered", a && a->offer,
			 "max_calls", da->max_calls ? (int)da->max_calls : 1,
			 "other_calls", a ? (int)a->own_calls : 0);
}

json_t *acd_agents_live(struct acd *acd, const char *tenant_id)
{
	json_t *items = json_array();
	size_t n;
	const struct dir_agent *da = directory_agents(acd->dir, tenant_id, &n);

	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, live_row(acd, &da[i]));
	return items;
}

json_t *acd_agent_live(struct acd *acd, const char *tenant_id,
		       const char *agent_id)
{
	const struct dir_agent *da = directory_agent(acd->dir, tenant_id,
						     agent_id);

	return da ? live_row(acd, da) : NULL;
}

const char *acd_agent_works_on(struct acd *acd, const struct dir_agent *da,
			       bool *external)
{
	struct acd_agent *a = acd_agent_find(acd, da->tenant_id, da->id);

	if (a) {
		*external = acd_agent_external(a);
		return a->phone;
	}
	*external = !da->phone[0] && da->external[0];
	return da->phone[0] ? da->phone : da->external;
}

/* Rows a stopped daemon left open (its agents were not logged out): they
   end now, when everyone is offline again. */
static int close_stale(struct db *db, void *arg)
{
	(void)arg;
	return db_exec(db, "UPDATE agent_states SET ended_at = ? WHERE "
		       "ended_at IS NULL AND state <> 'offline'",
		       json_pack("[I]", (json_int_t)now_ms()));
}

static void stale_closed(int err, void *arg)
{
	(void)arg;
	if (err)
		log_error("acd", "open agent states not closed: %s",
			  strerror(err));
}

struct directory *acd_directory(const struct acd *acd)
{
	return acd->dir;
}

int acd_alloc(struct acd **ap, struct directory *dir, struct store *store,
	      struct bus *bus)
{
	struct acd *acd = calloc(1, sizeof(*acd));

	if (!acd)
		return ENOMEM;
	if (acd_members_init(acd)) {
		acd_members_close(acd);
		free(acd);
		return ENOMEM;
	}
	if (store_submit(store, STORE_WRITE, close_stale, stale_closed, NULL))
		log_error("acd", "open agent states not closed");
	qlog_close_stale(store);
	acd->dir = dir;
	acd->store = store;
	acd->bus = bus;
	list_init(&acd->agents);
	list_init(&acd->queues);
	list_init(&acd->handled);
	*ap = acd;
	return 0;
}

/* At shutdown: every agent is logged out (their open log rows closed). */
void acd_free(struct acd *acd)
{
	struct le *le;

	if (!acd)
		return;
	while ((le = list_head(&acd->agents))) {
		struct acd_agent *a = le->data;

		acd_agent_state(a, AGENT_OFFLINE, NULL);
		free_agent(a);
	}
	list_flush(&acd->handled);
	acd_members_close(acd);
	free(acd);
}
