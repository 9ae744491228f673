/*
 * conference.c — meeting rooms (ippbx.md §2.1.11): a phone dials a room's
 * number, enters the PIN if the room has one (keys, ended by #; the dial
 * tone asks for it, a busy tone says it was wrong, three wrong PINs hang
 * up), and joins the room's mix. Everyone hears everyone but themselves;
 * a tone tells the others when someone joins or leaves. A room is live
 * while someone is in it; each participant is a call of its own (its
 * record: callee = the room number). Supervisors list the participants,
 * mute them, and hang them up (the live calls API).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "b2bua.h"
#include "call.h"
#include "../core/log.h"
#include "../sip/directory.h"

enum { PIN_TRIES = 3 };

/* A PIN: up to 12 digits and #, 30 s for the first key, 10 s between. */
static const struct collect_cfg pin_rules = {12, '#', 30000, 10000};

struct room {
	struct le le;                   /* in the b2bua's rooms */
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char number[9];
	struct media_conf *mix;
	struct list members;            /* calls, by call->room_le */
};

static struct room *room_find(struct list *rooms, const char *room_id)
{
	struct le *le;

	LIST_FOREACH(rooms, le) {
		struct room *r = le->data;

		if (!strcmp(r->id, room_id))
			return r;
	}
	return NULL;
}

static struct room *room_open(struct b2bua *b,
			      const struct dir_conference_room *cr)
{
	struct list *rooms = b2bua_rooms(b);
	struct room *r = room_find(rooms, cr->id);

	if (r)
		return r;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (media_conf_alloc(&r->mix, b2bua_deps(b)->media)) {
		free(r);
		return NULL;
	}
	str_ncpy(r->id, cr->id, sizeof(r->id));
	str_ncpy(r->tenant_id, cr->tenant_id, sizeof(r->tenant_id));
	str_ncpy(r->number, cr->number, sizeof(r->number));
	list_init(&r->members);
	list_append(rooms, &r->le, r);
	return r;
}

static void room_close_if_empty(struct room *r)
{
	if (r->members.head)
		return;
	list_unlink(&r->le);
	media_conf_release(r->mix);
	free(r);
}

/* The others in the room hear a short tone. */
static void tone_to_others(struct room *r, const struct call *except,
			   bool join_tones, struct b2bua *b)
{
	struct le *le;

	if (!join_tones)
		return;
	LIST_FOREACH(&r->members, le) {
		struct call *c = le->data;

		if (c != except && c->a && c->a->ep)
			media_play(c->a->ep, &(struct media_play){
				.sound = b2bua_tone(b, "beep"), .loops = 1});
	}
}

static const struct dir_conference_room *room_config(const struct call *call)
{
	const struct dir_conference_room *cr = directory_conference_room(
		b2bua_deps(call->b2bua)->dir, call->tenant_id, call->callee);

	return cr && cr->enabled ? cr : NULL;
}

static void join(struct call *call, bool admin)
{
	struct b2bua *b = call->b2bua;
	const struct dir_conference_room *cr = room_config(call);
	struct room *r = cr ? room_open(b, cr) : NULL;

	if (!r || list_count(&r->members) >= cr->max_members ||
	    media_conf_join(r->mix, call->a->ep)) {
		if (r)
			room_close_if_empty(r);
		call_end(call, "busy", "system", 486, "Conference Full");
		return;
	}
	media_play_stop(call->a->ep);
	call->room = r;
	call->conf_admin = admin;
	call->conf_joined_ms = now_ms();
	list_append(&r->members, &call->room_le, call);
	tone_to_others(r, call, cr->join_tones, b);
	log_info("call", "call %s: %s joins room %s (%u in it)%s", call->id,
		 call->caller, r->number, list_count(&r->members),
		 admin ? " as administrator" : "");
}

static void check_pin(struct call *call);
static void pin_timer(void *arg);

static void wait_for_keys(struct call *call)
{
	int64_t when = collect_deadline(&call->pin);

	if (when)
		tmr_start(&call->ring_tmr, (uint64_t)(when - now_ms()),
			  pin_timer, call);
}

static void collect_pin(struct call *call)
{
	call->pin_wait = true;
	collect_start(&call->pin, &pin_rules, now_ms());
	wait_for_keys(call);
}

static void pin_timer(void *arg)
{
	struct call *call = arg;

	switch (collect_check(&call->pin, now_ms())) {
	case COLLECT_MORE:
		wait_for_keys(call);
		break;
	case COLLECT_NO_INPUT:
		call->pin_wait = false;
		call_end(call, "rejected", "system", 0, "no conference PIN");
		break;
	default:
		check_pin(call);        /* what was keyed before the pause */
		break;
	}
}

/* Asks for the PIN: the dial tone until the first key. */
static void ask_pin(struct call *call)
{
	media_play(call->a->ep, &(struct media_play){
		.sound = b2bua_tone(call->b2bua, "dial"), .loops = 0});
	collect_pin(call);
}

static void check_pin(struct call *call)
{
	const struct dir_conference_room *cr = room_config(call);
	const char *pin = call->pin.digits;

	call->pin_wait = false;
	tmr_cancel(&call->ring_tmr);
	if (!cr) {
		call_end(call, "vacant", "system", 0, "room gone");
		return;
	}
	if (cr->admin_pin[0] && !strcmp(pin, cr->admin_pin)) {
		join(call, true);
		return;
	}
	if (cr->pin[0] ? !strcmp(pin, cr->pin) : !cr->admin_pin[0]) {
		join(call, false);
		return;
	}
	if (++call->pin_tries >= PIN_TRIES) {
		log_info("call", "call %s: wrong conference PIN %u times",
			 call->id, call->pin_tries);
		call_end(call, "rejected", "system", 0, "wrong conference PIN");
		return;
	}
	media_play(call->a->ep, &(struct media_play){
		.sound = b2bua_tone(call->b2bua, "busy"), .loops = 2});
	collect_pin(call);
}

bool conference_key(struct call *call, char digit)
{
	if (!call->pin_wait)
		return false;
	if (!call->pin.n)
		media_play_stop(call->a->ep);   /* the dial tone stops */
	if (collect_key(&call->pin, digit, now_ms()) == COLLECT_MORE)
		wait_for_keys(call);
	else
		check_pin(call);
	return true;
}

bool conference_enter(struct b2bua *b, const struct sip_msg *msg,
		      const struct dir_extension *from)
{
	const struct dir_conference_room *cr;
	char number[16];
	struct call *call;

	pl_strcpy(&msg->uri.user, number, sizeof(number));
	cr = directory_conference_room(b2bua_deps(b)->dir, from->tenant_id,
				       number);
	if (!cr)
		return false;
	call = b2bua_take_call(b, msg, from->tenant_id, "internal",
			       from->number, from->display_name, cr->number,
			       from->codecs);
	if (!call)
		return true;
	if (!cr->enabled) {
		call_end(call, "vacant", "system", 404, "Room Disabled");
		return true;
	}
	if (call_answer_alone(call)) {
		call_end(call, "system_error", "system", 500, "Server Error");
		return true;
	}
	if (cr->pin[0] || cr->admin_pin[0])
		ask_pin(call);
	else
		join(call, false);
	return true;
}

void conference_leave(struct call *call)
{
	struct room *r = call->room;
	const struct dir_conference_room *cr;

	if (!r)
		return;
	list_unlink(&call->room_le);
	call->room = NULL;
	if (call->a && call->a->ep)
		media_conf_leave(call->a->ep);
	cr = directory_conference_room(b2bua_deps(call->b2bua)->dir,
				       r->tenant_id, r->number);
	tone_to_others(r, call, cr ? cr->join_tones : true, call->b2bua);
	log_info("call", "call %s: %s leaves room %s", call->id, call->caller,
		 r->number);
	room_close_if_empty(r);
}

int conference_mute(struct call *call, bool muted)
{
	if (!call->room)
		return ENOENT;
	call->conf_muted = muted;
	media_conf_mute(call->a->ep, muted);
	return 0;
}

json_t *conference_participants(struct b2bua *b, const char *tenant_id,
				 const char *room_id)
{
	struct room *r = room_find(b2bua_rooms(b), room_id);
	json_t *items = json_array();
	struct le *le;

	if (!r || strcmp(r->tenant_id, tenant_id))
		return items;
	LIST_FOREACH(&r->members, le) {
		const struct call *c = le->data;

		json_array_append_new(items, json_pack(
			"{sssssssIsbsb}", "call_id", c->id, "caller",
			c->caller, "caller_name", c->caller_name, "joined_at",
			(json_int_t)c->conf_joined_ms, "muted", c->conf_muted,
			"admin", c->conf_admin));
	}
	return items;
}
