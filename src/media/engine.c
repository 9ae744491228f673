/*
 * engine.c — the control-thread side of the media engine: start and stop
 * the media threads, the port pool, endpoints, bridges, and the events that
 * come back from the media threads.
 *
 * Sockets are created and bound here, so an endpoint's port is known at once
 * for the SDP; then an ATTACH command gives them to a media thread, which
 * alone reads and sends on them. Bridged endpoints live on one thread (the
 * second one moves: DETACH on its thread, DETACHED back here, ATTACH on the
 * first one's thread), so relaying never crosses threads. Freeing marks the
 * endpoint dead; its thread closes the sockets and sends FREED, and only
 * then does the port return to the pool and the memory go: events already
 * queued about a freed endpoint are dropped, never delivered.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include "internal.h"
#include "mos.h"
#include "../core/log.h"

enum { MAX_THREADS = 64, TOS_EF = 0xb8 };

/* ---- events (control thread) ---------------------------------------- */

static void want_publish(struct media_endpoint *ep, bool push);
static void unbridge(struct media_endpoint *a);

static void ep_destroy(struct media_endpoint *ep)
{
	struct media_engine *me = ep->me;

	if (ep->fd_rtp >= 0)
		(void)close(ep->fd_rtp);
	if (ep->fd_rtcp >= 0)
		(void)close(ep->fd_rtcp);
	me->used[(ep->port - me->port_base) / 2] = false;
	relay_free_codec(ep);   /* normally gone with release() already */
	player_release(ep);
	media_sound_unref(ep->want.sound);
	media_sound_unref(ep->play.sound);
	webrtc_free(ep->wrtc);
	list_unlink(&ep->ctl_le);
	pthread_mutex_destroy(&ep->lock);
	free(ep);
}

/* The endpoint left its old thread: attach it where it belongs now. */
static void on_detached(struct media_endpoint *ep)
{
	ep->thr = ep->dest_thr;
	want_publish(ep, false);
	media_thread_push(ep->thr, &ep->n_attach, Q_ATTACH, ep);
	if (ep->peer)
		want_publish(ep->peer, true);
}

static void dispatch(struct qnode *n)
{
	struct media_endpoint *ep = n->ep;

	switch (n->kind) {
	case Q_EV_DETACHED:
		on_detached(ep);
		return;
	case Q_EV_FREED:
		ep_destroy(ep);
		return;
	case Q_EV_FIRST:
		if (!ep->freed && ep->eventh)
			ep->eventh(ep, MEDIA_FIRST_PACKET, 0, ep->arg);
		break;
	case Q_EV_TIMEOUT:
		if (!ep->freed && ep->eventh)
			ep->eventh(ep, MEDIA_TIMEOUT, 0, ep->arg);
		break;
	case Q_EV_SECFAIL:
		if (!ep->freed && ep->eventh)
			ep->eventh(ep, MEDIA_SECURITY_FAILED, 0, ep->arg);
		break;
	case Q_EV_DTMF:
		if (!ep->freed && ep->eventh)
			ep->eventh(ep, MEDIA_DTMF, n->digit, ep->arg);
		break;
	case Q_EV_PLAYED:
		/* Only the end of the play asked for last. */
		if (!ep->freed && ep->eventh && n->gen == ep->play.gen &&
		    ep->play.sound) {
			ep->play.sound = (media_sound_unref(ep->play.sound),
					  NULL);
			ep->eventh(ep, MEDIA_PLAY_DONE, 0, ep->arg);
		}
		break;
	default:
		break;
	}
}

static void events_handler(int id, void *data, void *arg)
{
	struct media_engine *me = arg;
	struct qnode *n = nodeq_take_all(&me->events);

	(void)id;
	(void)data;
	while (n) {
		struct qnode *next = n->next;
		bool heap = n->heap;

		dispatch(n);
		if (heap)
			free(n);
		n = next;
	}
}

/* ---- engine ---------------------------------------------------------- */

static unsigned cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

static int pool_init(struct media_engine *me)
{
	uint16_t lo = me->cfg.port_lo + (me->cfg.port_lo & 1);

	if (!lo || me->cfg.port_hi <= lo)
		return EINVAL;
	me->port_base = lo;
	me->nslots = ((unsigned)me->cfg.port_hi - lo + 1) / 2;
	me->used = calloc(me->nslots, sizeof(*me->used));
	return me->used ? 0 : ENOMEM;
}

static int check_config(const struct media_config *cfg)
{
	struct sa sa;

	if (!cfg || !cfg->bind_ip || strlen(cfg->bind_ip) >= 64)
		return EINVAL;
	return sa_set_str(&sa, cfg->bind_ip, 0);
}

int media_engine_start(struct media_engine **mep,
		       const struct media_config *cfg)
{
	struct media_engine *me;
	int err;

	if (!mep || check_config(cfg))
		return EINVAL;
	me = calloc(1, sizeof(*me));
	if (!me)
		return ENOMEM;
	me->cfg = *cfg;
	strcpy(me->bind_ip, cfg->bind_ip);
	me->cfg.bind_ip = me->bind_ip;
	list_init(&me->eps);
	list_init(&me->confs);
	relay_tables_init();
	err = pool_init(me);
	if (!err)
		err = nodeq_init(&me->events, events_handler, me);
	if (err) {
		free(me->used);
		free(me);
		return err;
	}
	me->nthr = cfg->threads ? cfg->threads : cores();
	if (me->nthr > MAX_THREADS)
		me->nthr = MAX_THREADS;
	me->thrv = calloc(me->nthr, sizeof(*me->thrv));
	if (!me->thrv) {
		media_engine_stop(me);
		return ENOMEM;
	}
	for (unsigned i = 0; i < me->nthr && !err; i++) {
		me->thrv[i].me = me;
		me->thrv[i].idx = i;
		err = media_thread_start(&me->thrv[i]);
	}
	if (err) {
		media_engine_stop(me);
		return err;
	}
	*mep = me;
	return 0;
}

/* Endpoints still allocated are released with the engine: the caller must
   not use them afterwards. */
void media_engine_stop(struct media_engine *me)
{
	if (!me)
		return;
	for (unsigned i = 0; me->thrv && i < me->nthr; i++)
		media_thread_stop(&me->thrv[i]);
	/* First the queue: its FREED nodes live in the endpoints. */
	if (me->events.wake)
		nodeq_close(&me->events);
	if (me->eps.head)
		log_warn("media", "engine stopped with %u endpoints in use",
			 list_count(&me->eps));
	while (me->eps.head)
		ep_destroy(me->eps.head->data);
	mix_free_all(me);
	engine_dtls_close(me);
	free(me->thrv);
	free(me->used);
	free(me);
}

unsigned media_engine_endpoints(const struct media_engine *me)
{
	return me ? list_count(&me->eps) : 0;
}

uint64_t media_engine_cpu_ns(const struct media_engine *me)
{
	uint64_t total = 0;

	for (unsigned i = 0; me && i < me->nthr; i++) {
		clockid_t cid;
		struct timespec ts;

		if (!me->thrv[i].started ||
		    pthread_getcpuclockid(me->thrv[i].tid, &cid) ||
		    clock_gettime(cid, &ts))
			continue;
		total += (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
	}
	return total;
}

unsigned media_engine_threads(const struct media_engine *me)
{
	return me ? me->nthr : 0;
}

/* ---- ports ----------------------------------------------------------- */

static int open_bound(int *fdp, const struct media_engine *me, uint16_t port)
{
	struct sa sa;
	int tos = TOS_EF;
	int fd, err;

	err = sa_set_str(&sa, me->bind_ip, port);
	if (err)
		return err;
	fd = socket(sa.u.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (sa.u.sa.sa_family == AF_INET)
		(void)setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	if (bind(fd, &sa.u.sa, sa.len) < 0) {
		err = errno;
		(void)close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}

static int open_pair(struct media_endpoint *ep, uint16_t port)
{
	int err = open_bound(&ep->fd_rtp, ep->me, port);

	if (err)
		return err;
	err = open_bound(&ep->fd_rtcp, ep->me, port + 1);
	if (err) {
		(void)close(ep->fd_rtp);
		ep->fd_rtp = -1;
	}
	return err;
}

/* Takes the next free pair; ports others hold are skipped. */
static int port_take(struct media_endpoint *ep)
{
	struct media_engine *me = ep->me;
	int result = ENOSPC;

	for (unsigned k = 0; k < me->nslots; k++) {
		unsigned i = (me->cursor + k) % me->nslots;
		uint16_t port = (uint16_t)(me->port_base + 2 * i);
		int err;

		if (me->used[i])
			continue;
		err = open_pair(ep, port);
		if (err == EADDRINUSE) {
			result = EADDRINUSE;
			continue;
		}
		if (err)
			return err;
		me->used[i] = true;
		me->cursor = (i + 1) % me->nslots;
		ep->port = port;
		return 0;
	}
	return result;
}

/* ---- endpoints ------------------------------------------------------- */

/* Copies the control state into `want`; with push, tells the owner. */
static void want_publish(struct media_endpoint *ep, bool push)
{
	pthread_mutex_lock(&ep->lock);
	ep->want.remote = ep->remote;
	ep->want.fmt = ep->fmt;
	ep->want.has_fmt = ep->has_fmt;
	ep->want.muted = ep->muted;
	ep->want.dead = ep->freed;
	ep->want.owner = ep->thr;
	ep->want.peer = ep->peer;
	ep->want.peer_thr = ep->peer ? ep->peer->thr : NULL;
	if (ep->want.sound != ep->play.sound) {
		media_sound_unref(ep->want.sound);
		ep->want.sound = media_sound_ref(ep->play.sound);
	}
	ep->want.loops = ep->play.loops;
	ep->want.gap_ms = ep->play.gap_ms;
	ep->want.wall = ep->play.wall;
	ep->want.play_gen = ep->play.gen;
	ep->want.echo = ep->play.echo;
	ep->want.rec = ep->rec;
	ep->want.conf = ep->conf;
	ep->want.conf_muted = ep->conf_muted;
	ep->want.conf_only = ep->conf_only;
	ep->want.wrtc = ep->wrtc;
	while (ep->nretired && ep->want.nretired < TAP_RETIRED)
		ep->want.retired[ep->want.nretired++] =
			ep->retired[--ep->nretired];
	pthread_mutex_unlock(&ep->lock);
	if (!push || !ep->thr)
		return;
	if (!atomic_exchange(&ep->sync_queued, true))
		media_thread_push(ep->thr, &ep->n_sync, Q_SYNC, ep);
}

int media_endpoint_alloc(struct media_endpoint **epp, struct media_engine *me,
			 const struct media_endpoint *near,
			 media_event_h *eventh, void *arg)
{
	struct media_endpoint *ep;
	int err;

	if (!epp || !me)
		return EINVAL;
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return ENOMEM;
	ep->me = me;
	ep->fd_rtp = ep->fd_rtcp = -1;
	ep->eventh = eventh;
	ep->arg = arg;
	err = port_take(ep);
	if (err) {
		free(ep);
		return err;
	}
	pthread_mutex_init(&ep->lock, NULL);
	atomic_init(&ep->sync_queued, false);
	if (near && near->me == me)
		ep->dest_thr = near->dest_thr;
	else
		ep->dest_thr = &me->thrv[me->rr++ % me->nthr];
	ep->thr = ep->dest_thr;
	list_append(&me->eps, &ep->ctl_le, ep);
	want_publish(ep, false);
	media_thread_push(ep->thr, &ep->n_attach, Q_ATTACH, ep);
	*epp = ep;
	return 0;
}

void engine_publish(struct media_endpoint *ep)
{
	want_publish(ep, true);
}

/* ep goes to thr's loop (now, or once it has arrived where it was going). */
void engine_move(struct media_endpoint *ep, struct media_thread *thr)
{
	if (ep->dest_thr != thr) {
		ep->dest_thr = thr;
		if (ep->thr) {
			media_thread_push(ep->thr, &ep->n_detach, Q_DETACH,
					  ep);
			ep->thr = NULL;
		}
	}
	want_publish(ep, true);
}

void engine_unbridge(struct media_endpoint *a)
{
	unbridge(a);
}

static void unbridge(struct media_endpoint *a)
{
	struct media_endpoint *b = a->peer;

	if (!b)
		return;
	a->peer = NULL;
	b->peer = NULL;
	want_publish(a, true);
	want_publish(b, true);
}

void media_endpoint_free(struct media_endpoint *ep)
{
	if (!ep || ep->freed)
		return;
	unbridge(ep);
	ep->freed = true;
	want_publish(ep, true);
}

uint16_t media_endpoint_port(const struct media_endpoint *ep)
{
	return ep ? ep->port : 0;
}

/* Known codecs are transcoded into each other; anything else only relays
   to the same format. */
static bool formats_compatible(const struct media_format *a,
			       const struct media_format *b)
{
	if (relay_codec(a) != CODEC_NONE && relay_codec(b) != CODEC_NONE)
		return true;
	return !strcasecmp(a->name, b->name) && a->rate == b->rate &&
	       a->channels == b->channels;
}

double media_tx_mos(const struct media_format *fmt,
		    const struct media_stats *st)
{
	const struct codec_info *ci = fmt ? codec_find(fmt->name, fmt->rate)
					  : NULL;

	if (!ci || !st || !st->tx_reported || !st->tx_packets)
		return 0;
	return mos_estimate(ci->id, st->tx_loss_pct, st->tx_jitter_ms,
			    st->rtt_ms);
}

double media_mos(const struct media_format *fmt, const struct media_stats *st)
{
	const struct codec_info *ci = fmt ? codec_find(fmt->name, fmt->rate)
					  : NULL;
	double expected;

	if (!ci || !st || !st->rx_packets)
		return 0;
	expected = (double)st->rx_packets + (double)st->lost;
	return mos_estimate(ci->id, 100.0 * (double)st->lost / expected,
			    st->jitter_ms, st->rtt_ms);
}

bool media_codec_supported(const char *name, uint32_t rate)
{
	return codec_find(name, rate) != NULL;
}

int media_endpoint_set_remote(struct media_endpoint *ep, const struct sa *rtp,
			      const struct media_format *fmt)
{
	if (!ep || ep->freed || !fmt || fmt->pt > 127 || fmt->dtmf_pt > 127 ||
	    fmt->ptime > 200)
		return EINVAL;
	if (rtp && rtp->len > sizeof(ep->remote.ss))
		return EINVAL;
	if (ep->peer && ep->peer->has_fmt &&
	    !formats_compatible(fmt, &ep->peer->fmt))
		return ENOTSUP;
	memset(&ep->remote, 0, sizeof(ep->remote));
	if (rtp && sa_isset(rtp, SA_ALL)) {
		memcpy(&ep->remote.ss, &rtp->u, rtp->len);
		ep->remote.len = rtp->len;
	}
	ep->fmt = *fmt;
	ep->fmt.name[sizeof(ep->fmt.name) - 1] = '\0';
	ep->has_fmt = true;
	want_publish(ep, true);
	return 0;
}

int media_play(struct media_endpoint *ep, const struct media_play *p)
{
	if (!ep || ep->freed || !p || !p->sound)
		return EINVAL;
	media_sound_unref(ep->play.sound);
	ep->play.sound = media_sound_ref(p->sound);
	ep->play.loops = p->loops;
	ep->play.gap_ms = p->gap_ms;
	ep->play.wall = p->wall_clock;
	ep->play.gen++;
	want_publish(ep, true);
	return 0;
}

void media_play_stop(struct media_endpoint *ep)
{
	if (!ep || ep->freed || !ep->play.sound)
		return;
	ep->play.sound = (media_sound_unref(ep->play.sound), NULL);
	ep->play.gen++;
	want_publish(ep, true);
}

int media_record(struct media_endpoint *ep, struct recorder *rec)
{
	if (!ep || ep->freed || !rec)
		return EINVAL;
	if (ep->rec || ep->nretired == TAP_RETIRED)
		return EBUSY;
	ep->rec = rec;
	want_publish(ep, true);
	return 0;
}

void media_record_stop(struct media_endpoint *ep)
{
	if (!ep || ep->freed || !ep->rec)
		return;
	ep->retired[ep->nretired++] = ep->rec;
	ep->rec = NULL;
	want_publish(ep, true);
}

void media_endpoint_echo(struct media_endpoint *ep, bool on)
{
	if (!ep || ep->freed || ep->play.echo == on)
		return;
	ep->play.echo = on;
	want_publish(ep, true);
}

void media_endpoint_mute(struct media_endpoint *ep, bool muted)
{
	if (!ep || ep->freed || ep->muted == muted)
		return;
	ep->muted = muted;
	want_publish(ep, true);
}

void media_endpoint_stats(const struct media_endpoint *ep,
			  struct media_stats *st)
{
	const struct ep_stats *s;

	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	if (!ep)
		return;
	s = &ep->st;
	st->rx_packets = atomic_load_explicit(&s->rx_packets,
					      memory_order_relaxed);
	st->rx_bytes = atomic_load_explicit(&s->rx_bytes, memory_order_relaxed);
	st->tx_packets = atomic_load_explicit(&s->tx_packets,
					      memory_order_relaxed);
	st->tx_bytes = atomic_load_explicit(&s->tx_bytes, memory_order_relaxed);
	st->lost = atomic_load_explicit(&s->lost, memory_order_relaxed);
	st->jitter_ms = atomic_load_explicit(&s->jitter_us,
					     memory_order_relaxed) / 1000.0;
	st->rtt_ms = atomic_load_explicit(&s->rtt_us,
					  memory_order_relaxed) / 1000.0;
	st->tx_loss_pct = atomic_load_explicit(&s->tx_lost_frac,
					       memory_order_relaxed) * 100.0 /
			  256;
	st->tx_jitter_ms = atomic_load_explicit(&s->tx_jitter_us,
						memory_order_relaxed) / 1000.0;
	st->tx_reported = atomic_load_explicit(&s->tx_reported,
					       memory_order_relaxed);
	st->last_rx_ms = atomic_load_explicit(&s->last_rx_ms,
					      memory_order_relaxed);
}

bool media_endpoint_relaying(const struct media_endpoint *ep)
{
	return ep && atomic_load_explicit(&ep->relaying, memory_order_relaxed);
}

/* b moves to a's thread if they differ (now, or once b has arrived). */
int media_bridge(struct media_endpoint *a, struct media_endpoint *b)
{
	if (!a || !b || a == b || a->freed || b->freed || a->me != b->me)
		return EINVAL;
	if (!a->has_fmt || !b->has_fmt)
		return EINVAL;
	if (!formats_compatible(&a->fmt, &b->fmt))
		return ENOTSUP;
	if (a->peer == b)
		return 0;
	unbridge(a);
	unbridge(b);
	a->peer = b;
	b->peer = a;
	if (b->dest_thr != a->dest_thr) {
		b->dest_thr = a->dest_thr;
		if (b->thr) {
			media_thread_push(b->thr, &b->n_detach, Q_DETACH, b);
			b->thr = NULL;
		}
	}
	want_publish(a, true);
	want_publish(b, true);
	return 0;
}

void media_unbridge(struct media_endpoint *a)
{
	if (a && !a->freed)
		unbridge(a);
}
