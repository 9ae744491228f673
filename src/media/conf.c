/*
 * conf.c — conferences: N endpoints mixed on one media thread, each
 * hearing everyone but itself.
 *
 * A conference has a home thread; an endpoint that joins moves there (as
 * the second leg of a bridge does). Every 20 ms the home thread takes 20
 * ms of each member's decoded audio (tap.c's queue, 8 kHz), sums the ones
 * not muted, and sends each member the sum minus its own part, encoded in
 * its codec as a stream of its own. A member whose player is playing (a
 * join tone, a prompt) hears that instead for the while. A whispering
 * member (a supervisor coaching an agent) is heard by one member only. A
 * recorded member (a call being monitored) is recorded from here: what it
 * says, and what the mix gives it.
 *
 * Conference objects are pooled: released ones are handed out again (with
 * the same home thread) and freed when the engine stops, so a media thread
 * never sees one go away under it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "recorder.h"
#include "../core/log.h"

enum { CONF_FRAME = 160, CONF_RATE = 8000, CONF_MS = 20 };

struct media_conf {
	struct media_engine *me;
	struct media_thread *home;
	struct le ctl_le;               /* in media_engine.confs (ctl) */
	bool in_use;                    /* ctl */
	/* media (home thread) */
	struct le le;                   /* in home->confs */
	bool listed;
	struct list members;            /* endpoints */
	int64_t next_ms;
	int16_t pcm[CONF_MAX][CONF_FRAME];
	bool got[CONF_MAX];
};

/* ---- control thread ---------------------------------------------------- */

int media_conf_alloc(struct media_conf **cp, struct media_engine *me)
{
	struct media_conf *c;
	struct le *le;

	if (!cp || !me)
		return EINVAL;
	LIST_FOREACH(&me->confs, le) {
		c = le->data;
		if (!c->in_use) {
			c->in_use = true;
			*cp = c;
			return 0;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return ENOMEM;
	c->me = me;
	c->home = &me->thrv[me->rr++ % me->nthr];
	c->in_use = true;
	list_init(&c->members);
	list_append(&me->confs, &c->ctl_le, c);
	*cp = c;
	return 0;
}

void media_conf_release(struct media_conf *c)
{
	if (c)
		c->in_use = false;
}

/* At engine stop, the threads joined. */
void mix_free_all(struct media_engine *me)
{
	struct le *le;

	while ((le = list_head(&me->confs))) {
		list_unlink(le);
		free(le->data);
	}
}

int media_conf_join(struct media_conf *c, struct media_endpoint *ep)
{
	if (!c || !c->in_use || !ep || ep->freed)
		return EINVAL;
	if (ep->conf == c)
		return 0;
	engine_unbridge(ep);
	ep->conf = c;
	ep->conf_muted = false;
	ep->conf_only = NULL;
	engine_move(ep, c->home);
	return 0;
}

void media_conf_leave(struct media_endpoint *ep)
{
	if (!ep || ep->freed || !ep->conf)
		return;
	ep->conf = NULL;
	engine_publish(ep);
}

void media_conf_mute(struct media_endpoint *ep, bool muted)
{
	if (!ep || ep->freed || !ep->conf || ep->conf_muted == muted)
		return;
	ep->conf_muted = muted;
	engine_publish(ep);
}

void media_conf_whisper(struct media_endpoint *ep,
			const struct media_endpoint *to)
{
	if (!ep || ep->freed || !ep->conf || ep->conf_only == to)
		return;
	ep->conf_only = to;
	engine_publish(ep);
}

/* ---- media thread -------------------------------------------------------- */

static void member_unlink(struct media_endpoint *ep)
{
	if (ep->cm.listed) {
		list_unlink(&ep->cm.le);
		ep->cm.listed = false;
	}
}

void mix_member_release(struct media_endpoint *ep)
{
	member_unlink(ep);
	ownstream_reset(&ep->cm.out);
	ep->cm.conf = NULL;
}

void mix_unlist(struct media_endpoint *ep)
{
	member_unlink(ep);
}

/* From apply(): the conference the endpoint is in now (joins once it is
   attached to the conference's home thread). */
void mix_apply(struct media_thread *mt, struct media_endpoint *ep,
		const struct want *w)
{
	struct conf_member *cm = &ep->cm;
	struct media_conf *c = w->conf;

	cm->muted = w->conf_muted;
	cm->only = w->conf_only;
	if (cm->conf != c) {
		member_unlink(ep);
		ownstream_reset(&cm->out);
		cm->conf = c;
	}
	if (!c || c->home != mt || cm->listed ||
	    list_count(&c->members) >= CONF_MAX)
		return;
	list_append(&c->members, &cm->le, ep);
	cm->listed = true;
	if (!c->listed) {
		list_append(&mt->confs, &c->le, c);
		c->listed = true;
		c->next_ms = mono_ms();
	}
	thread_clock_start(mt);
}

/* Adds to v what the members whispering to `to` say (rarely any). */
static void add_whispers(const struct media_conf *c,
			 const struct media_endpoint *to, int32_t *v)
{
	unsigned i = 0;
	struct le *le;

	LIST_FOREACH(&c->members, le) {
		const struct media_endpoint *ep = le->data;

		for (size_t k = 0; ep->cm.only == to && c->got[i] &&
				   k < CONF_FRAME; k++)
			v[k] += c->pcm[i][k];
		i++;
	}
}

/* One 20 ms frame of the conference: everyone's voice in the sum, but a
   whisper only in what its one listener gets. */
static void mix_frame(struct media_conf *c)
{
	int32_t sum[CONF_FRAME] = {0}, v[CONF_FRAME];
	int16_t out[CONF_FRAME];
	bool whisper = false;
	unsigned i = 0;
	struct le *le;

	LIST_FOREACH(&c->members, le) {
		struct media_endpoint *ep = le->data;

		c->got[i] = tap_take(ep, c->pcm[i], CONF_FRAME) &&
			    !ep->cm.muted;
		whisper |= ep->cm.only != NULL;
		for (size_t k = 0; c->got[i] && !ep->cm.only &&
				   k < CONF_FRAME; k++)
			sum[k] += c->pcm[i][k];
		i++;
	}
	i = 0;
	LIST_FOREACH(&c->members, le) {
		struct media_endpoint *ep = le->data;
		bool own = c->got[i] && !ep->cm.only;

		for (size_t k = 0; k < CONF_FRAME; k++)
			v[k] = sum[k] - (own ? c->pcm[i][k] : 0);
		if (whisper)
			add_whispers(c, ep, v);
		for (size_t k = 0; k < CONF_FRAME; k++)
			out[k] = (int16_t)(v[k] > 32767 ? 32767
					   : v[k] < -32768 ? -32768 : v[k]);
		if (!ep->pl.active && !ep->w_muted)
			(void)ownstream_send(ep, &ep->cm.out, out, CONF_FRAME,
					     CONF_RATE);
		if (ep->tap.rec && !ep->tap.detached)   /* monitored call */
			recorder_push(ep->tap.rec, c->got[i] ? c->pcm[i] : NULL,
				      out, CONF_FRAME);
		i++;
	}
}

void mix_tick(struct media_thread *mt, int64_t now)
{
	struct le *le = mt->confs.head;

	while (le) {
		struct media_conf *c = le->data;

		le = le->next;
		if (!c->members.head) {
			list_unlink(&c->le);
			c->listed = false;
			continue;
		}
		if (now - c->next_ms > 200)
			c->next_ms = now;
		while (c->next_ms <= now) {
			mix_frame(c);
			c->next_ms += CONF_MS;
		}
	}
}
