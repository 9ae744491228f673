/*
 * thread.c — a media thread: its own libre event loop (re_thread_init), the
 * commands it takes from the control thread, and the endpoints attached to
 * it.
 *
 * Commands: ATTACH registers an endpoint's sockets in this loop, DETACH
 * unregisters them (the endpoint moves to another thread to share its
 * peer's), SYNC copies what the control thread wants (remote, format, mute,
 * peer, or that it is freed), QUIT ends the loop. A freed endpoint is
 * released here — sockets unregistered and closed — and a FREED event hands
 * its memory back to the control thread, after every other event about it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "../core/libre.h"
#include "internal.h"
#include "../core/log.h"

enum { SCAN_MS = 250, MAX_FDS = 65536 };

/* Queues an event for the control thread (media thread). */
static void event_push(struct media_endpoint *ep, enum qkind kind, char digit,
		       uint32_t gen);

void thread_event(struct media_endpoint *ep, enum qkind kind, char digit)
{
	event_push(ep, kind, digit, 0);
}

void thread_event_gen(struct media_endpoint *ep, enum qkind kind,
		      uint32_t gen)
{
	event_push(ep, kind, 0, gen);
}

static void event_push(struct media_endpoint *ep, enum qkind kind, char digit,
		       uint32_t gen)
{
	struct qnode *n;

	if (kind == Q_EV_DETACHED) {
		n = &ep->n_detached;
	}
	else if (kind == Q_EV_FREED) {
		n = &ep->n_freed;
	}
	else {
		n = calloc(1, sizeof(*n));
		if (!n) {
			log_error("media", "event lost: out of memory");
			return;
		}
		n->heap = true;
	}
	n->kind = kind;
	n->ep = ep;
	n->digit = digit;
	n->gen = gen;
	nodeq_push(&ep->me->events, n);
}

static void set_peer(struct media_endpoint *ep, struct media_endpoint *peer)
{
	ep->wpeer = peer;
	atomic_store_explicit(&ep->relaying, peer != NULL,
			      memory_order_relaxed);
}

static void unlink_peer(struct media_endpoint *ep)
{
	if (ep->wpeer && ep->wpeer->wpeer == ep)
		set_peer(ep->wpeer, NULL);
	set_peer(ep, NULL);
}

/* ep leaves this thread (released or moving). Besides its own link, an
   endpoint here may still point at ep while ep does not point back (its
   SYNC with the bridge was applied, ep's not yet): clear those too, or they
   would relay through ep once it is gone. */
static void unregister(struct media_endpoint *ep)
{
	unlink_peer(ep);
	for (struct le *le = ep->owner ? ep->owner->eps.head : NULL; le;
	     le = le->next) {
		struct media_endpoint *o = le->data;

		if (o->wpeer == ep)
			set_peer(o, NULL);
	}
	/* Only sockets still open are in this loop (a released endpoint's
	   are -1 already). */
	if (ep->fd_rtp >= 0)
		fd_close(ep->fd_rtp);
	if (ep->fd_rtcp >= 0)
		fd_close(ep->fd_rtcp);
	list_unlink(&ep->le);
	player_unlist(ep);      /* they go on where ep lands */
	tap_unlist(ep);
	mix_unlist(ep);
	ep->owner = NULL;
}

static void release(struct media_endpoint *ep)
{
	unregister(ep);
	relay_free_codec(ep);
	player_release(ep);
	tap_release(ep);
	mix_member_release(ep);
	(void)close(ep->fd_rtp);
	(void)close(ep->fd_rtcp);
	ep->fd_rtp = ep->fd_rtcp = -1;
	thread_event(ep, Q_EV_FREED, 0);
}

static bool addr_eq(const struct addr *a, const struct addr *b)
{
	return a->len == b->len && !memcmp(&a->ss, &b->ss, a->len);
}

/* Copies what the control thread wants into the working state. An endpoint
   on its way to another thread is left alone: that thread will apply. A
   dead endpoint is released, unless a SYNC about it is still queued here
   (while attaching, or pushed again while this one ran): its node lives in
   the endpoint, so that SYNC releases it, once. */
static void apply(struct media_thread *mt, struct media_endpoint *ep)
{
	struct want w;
	struct media_endpoint *peer;

	pthread_mutex_lock(&ep->lock);
	w = ep->want;
	ep->want.nretired = 0;                  /* tap_apply detaches them */
	w.sound = media_sound_ref(w.sound);     /* ours, for player_apply */
	pthread_mutex_unlock(&ep->lock);
	if (w.owner != mt) {
		media_sound_unref(w.sound);
		return;
	}
	if (w.dead) {
		media_sound_unref(w.sound);
		/* Not while a SYNC is queued again (the control thread may
		   have pushed it while this one ran): that one releases. */
		if (!atomic_load(&ep->sync_queued))
			release(ep);
		return;
	}
	if (w.remote.len && !addr_eq(&w.remote, &ep->w_remote)) {
		ep->quiet_since = mono_ms();
		ep->timed_out = false;
	}
	ep->w_remote = w.remote;
	ep->w_fmt = w.fmt;
	ep->w_has_fmt = w.has_fmt;
	ep->law = w.has_fmt ? relay_law(&w.fmt) : LAW_OTHER;
	ep->codec = w.has_fmt ? relay_codec(&w.fmt) : CODEC_NONE;
	ep->w_muted = w.muted;
	ep->w_wrtc = w.wrtc;
	peer = (w.peer && w.peer_thr == mt) ? w.peer : NULL;
	if (ep->wpeer != peer) {
		unlink_peer(ep);
		set_peer(ep, peer);
	}
	player_apply(mt, ep, &w);
	tap_apply(mt, ep, &w);
	mix_apply(mt, ep, &w);
}

static void attach(struct media_thread *mt, struct media_endpoint *ep)
{
	int err;

	ep->owner = mt;
	list_append(&mt->eps, &ep->le, ep);
	err = fd_listen(ep->fd_rtp, FD_READ, relay_rtp_handler, ep);
	if (!err)
		err = fd_listen(ep->fd_rtcp, FD_READ, relay_rtcp_handler, ep);
	if (err)
		log_error("media", "port %u: fd_listen failed: %d",
			  ep->port, err);
	apply(mt, ep);
}

static void detach(struct media_endpoint *ep)
{
	unregister(ep);
	thread_event(ep, Q_EV_DETACHED, 0);
}

static void release_all(struct media_thread *mt)
{
	while (mt->eps.head)
		release(mt->eps.head->data);
}

/* A SYNC node may be queued again as soon as sync_queued is cleared: read
   it before. */
static void command(struct media_thread *mt, struct qnode *n)
{
	struct media_endpoint *ep = n->ep;

	switch (n->kind) {
	case Q_ATTACH:
		attach(mt, ep);
		break;
	case Q_DETACH:
		detach(ep);
		break;
	case Q_SYNC:
		atomic_store(&ep->sync_queued, false);
		apply(mt, ep);
		break;
	case Q_QUIT:
		release_all(mt);
		re_cancel();
		break;
	default:
		break;
	}
}

static void wake_handler(int id, void *data, void *arg)
{
	struct media_thread *mt = arg;
	struct qnode *n = nodeq_take_all(&mt->q);

	(void)id;
	(void)data;
	while (n) {
		struct qnode *next = n->next;

		command(mt, n);
		n = next;
	}
}

enum { CLOCK_MS = 10 };

static void clock_handler(void *arg)
{
	struct media_thread *mt = arg;
	int64_t now = mono_ms();

	player_tick(mt, now);
	tap_tick(mt, now);
	mix_tick(mt, now);
	if (mt->players.head || mt->taps.head || mt->confs.head)
		tmr_start(&mt->clock, CLOCK_MS, clock_handler, mt);
}

void thread_clock_start(struct media_thread *mt)
{
	if (!tmr_isrunning(&mt->clock))
		tmr_start(&mt->clock, CLOCK_MS, clock_handler, mt);
}

static void scan_handler(void *arg)
{
	struct media_thread *mt = arg;

	relay_scan(mt, mono_ms());
	tmr_start(&mt->scan, SCAN_MS, scan_handler, mt);
}

static void set_ready(struct media_thread *mt, int state)
{
	pthread_mutex_lock(&mt->ready_lock);
	mt->ready = state;
	pthread_cond_signal(&mt->ready_cond);
	pthread_mutex_unlock(&mt->ready_lock);
}

/* libre's loop indexes handlers by fd: room for every fd we may open. */
static int loop_setup(struct media_thread *mt)
{
	struct rlimit rl;
	int maxfds = 4096;
	int err;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY)
		maxfds = rl.rlim_cur > MAX_FDS ? MAX_FDS : (int)rl.rlim_cur;
	else
		maxfds = MAX_FDS;
	err = re_thread_init();
	if (err)
		return err;
	err = fd_setsize(maxfds);
	if (err)
		return err;
	err = nodeq_init(&mt->q, wake_handler, mt);
	if (err)
		return err;
	tmr_init(&mt->scan);
	tmr_init(&mt->clock);
	list_init(&mt->players);
	list_init(&mt->taps);
	list_init(&mt->confs);
	tmr_start(&mt->scan, SCAN_MS, scan_handler, mt);
	return 0;
}

static void *thread_main(void *arg)
{
	struct media_thread *mt = arg;
	int err = loop_setup(mt);

	if (err) {
		log_error("media", "thread %u: setup failed: %d", mt->idx, err);
		set_ready(mt, -1);
		re_thread_close();
		return NULL;
	}
	set_ready(mt, 1);
	err = re_main(NULL);
	if (err)
		log_error("media", "thread %u: loop ended: %d", mt->idx, err);
	release_all(mt);
	tmr_cancel(&mt->scan);
	tmr_cancel(&mt->clock);
	nodeq_close(&mt->q);
	re_thread_close();
	return NULL;
}

int media_thread_start(struct media_thread *mt)
{
	int err;

	list_init(&mt->eps);
	pthread_mutex_init(&mt->ready_lock, NULL);
	pthread_cond_init(&mt->ready_cond, NULL);
	err = pthread_create(&mt->tid, NULL, thread_main, mt);
	if (err)
		return err;
	mt->started = true;
	pthread_mutex_lock(&mt->ready_lock);
	while (!mt->ready)
		pthread_cond_wait(&mt->ready_cond, &mt->ready_lock);
	pthread_mutex_unlock(&mt->ready_lock);
	return mt->ready > 0 ? 0 : ENOMEM;
}

void media_thread_stop(struct media_thread *mt)
{
	if (!mt->started)
		return;
	if (mt->ready > 0) {
		mt->n_quit.kind = Q_QUIT;
		mt->n_quit.heap = false;
		nodeq_push(&mt->q, &mt->n_quit);
	}
	pthread_join(mt->tid, NULL);
	mt->started = false;
	pthread_cond_destroy(&mt->ready_cond);
	pthread_mutex_destroy(&mt->ready_lock);
}

void media_thread_push(struct media_thread *mt, struct qnode *n,
		       enum qkind kind, struct media_endpoint *ep)
{
	n->kind = kind;
	n->ep = ep;
	n->heap = false;
	nodeq_push(&mt->q, n);
}
