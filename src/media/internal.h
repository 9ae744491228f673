/*
 * internal.h — what the media engine's files share: endpoints, media
 * threads, and the command/event queues between them and the control thread.
 *
 * Ownership. Control-side fields (marked "ctl") are touched only on the
 * control thread. Working fields ("media") only on the media thread that has
 * the endpoint attached; an endpoint moves between threads only through
 * DETACH (old thread) -> DETACHED event (control) -> ATTACH (new thread), so
 * exactly one thread owns it at any time. What the control thread wants
 * (remote, format, mute, peer) is copied into `want` under the endpoint's
 * lock and a SYNC command tells the owner to read it. Stats are relaxed
 * atomics with a single writer (the owner thread), read by anyone.
 */
#ifndef HOTLINE_MEDIA_INTERNAL_H
#define HOTLINE_MEDIA_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "../core/libre.h"
#include "media.h"
#include "codec.h"

enum { MEDIA_BATCH = 16, MEDIA_MAXPKT = 1500 };

enum { TAP_RETIRED = 8, CONF_MAX = 64 };
struct media_conf;

enum qkind {
	/* control -> media thread */
	Q_ATTACH, Q_DETACH, Q_SYNC, Q_QUIT,
	/* media thread -> control */
	Q_EV_FIRST, Q_EV_TIMEOUT, Q_EV_DTMF, Q_EV_DETACHED, Q_EV_FREED,
	Q_EV_PLAYED, Q_EV_SECFAIL,
};

struct qnode {
	struct qnode *next;
	enum qkind kind;
	struct media_endpoint *ep;
	char digit;
	uint32_t gen;           /* Q_EV_PLAYED: which play ended */
	bool heap;              /* malloc'ed: free after use */
};

/* A mutex-protected list; a libre mqueue message wakes the consumer's loop
   when the list goes from empty to non-empty. */
struct nodeq {
	pthread_mutex_t lock;
	struct qnode *head, *tail;
	struct mqueue *wake;
};

enum law { LAW_OTHER, LAW_PCMU, LAW_PCMA };

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;          /* 0: unset */
};

/* What the control thread wants; guarded by media_endpoint.lock. */
struct want {
	struct addr remote;
	struct media_format fmt;
	bool has_fmt;
	bool muted;
	bool dead;
	struct media_thread *owner;     /* where it should be, NULL: moving */
	struct media_endpoint *peer;
	struct media_thread *peer_thr;  /* where peer is attached, NULL: moving */
	/* player.c: what to play (a reference of its own), or nothing */
	struct media_sound *sound;
	unsigned loops, gap_ms;
	bool wall;
	uint32_t play_gen;
	bool echo;
	/* tap.c: the recorder to feed (or NULL), and recorders stopped since
	   the media thread last looked, to detach (taken by apply()) */
	struct recorder *rec;
	struct recorder *retired[TAP_RETIRED];
	unsigned nretired;
	/* conf.c: the conference it is in, whether it is muted there, and
	   the one member who alone hears it (NULL: everyone) */
	struct media_conf *conf;
	bool conf_muted;
	const struct media_endpoint *conf_only;
	/* webrtc.c: ICE-lite and DTLS-SRTP state, or NULL: plain RTP */
	struct webrtc *wrtc;
};


/* tap.c: decoded received audio, 8 kHz, for a recording. */
enum { TAP_FIFO = 1600 };       /* 200 ms */
struct tap_fifo {
	int16_t buf[TAP_FIFO];
	size_t r, n;
	bool waiting;           /* filling up again before it is read */
};

struct dtmf_detect;
struct dtmf_detect;
struct tap {
	struct le le;                   /* in media_thread.taps */
	bool listed;
	struct recorder *rec;           /* what this endpoint feeds, or NULL */
	bool detached;                  /* recorder_detach() done */
	int64_t next_ms;
	struct codec_dec *dec;
	enum codec_id dec_id;
	struct resampler rs;
	struct tap_fifo fifo;
	struct dtmf_detect *dtmf;       /* in-band digits, or NULL */
	bool dtmf_off;                  /* the detector cannot run */
};

/* An RTP stream an endpoint sends of its own (ownstream.c). */
struct ownstream {
	struct codec_enc *enc;
	enum codec_id id;
	uint32_t in_rate;
	struct resampler rs;
	bool started;
	uint16_t seq;
	uint32_t ts, ssrc;
	bool mark;
};

/* A play in progress on the media thread (player.c). */
struct player {
	struct le le;                   /* in media_thread.players */
	bool listed;
	bool active;
	uint32_t gen;
	struct media_sound *snd;        /* the thread's reference */
	unsigned loops_left;            /* 0: until stopped */
	size_t gap, pos;                /* in sound samples */
	int64_t next_ms;                /* monotonic: the next packet */
	struct ownstream out;
};

/* RTCP sender reports forwarded to the far end, for the round trip. */
enum { RTCP_SR_KEEP = 4 };
struct rtcp_state {
	uint32_t sr_key[RTCP_SR_KEEP];  /* NTP middle 32 bits */
	int64_t sr_at[RTCP_SR_KEEP];    /* monotonic us when it left */
	unsigned sr_next;
};

/* A member of a conference, on the conference's home thread (conf.c). */
struct conf_member {
	struct le le;                   /* in media_conf.members */
	bool listed;
	struct media_conf *conf;
	bool muted;
	const struct media_endpoint *only;   /* heard by this one alone */
	struct ownstream out;
};

/* What the control thread asked to play (ctl). */
struct play_req {
	struct media_sound *sound;      /* a reference, or NULL */
	unsigned loops, gap_ms;
	bool wall;
	uint32_t gen;
	bool echo;
};

struct rx_seq {
	bool init;
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t cycles;
	uint32_t base_seq;
	uint64_t received;
	uint64_t lost_before;   /* from earlier streams (SSRC change, resync) */
};

struct ep_stats {
	atomic_uint_least64_t rx_packets, rx_bytes, tx_packets, tx_bytes, lost;
	atomic_uint_least32_t jitter_us;
	atomic_uint_least32_t rtt_us;           /* 0: not known (rtcp.c) */
	atomic_uint_least32_t tx_lost_frac;     /* the far end's, /256 */
	atomic_uint_least32_t tx_jitter_us;     /* the far end's */
	atomic_bool tx_reported;                /* a report block arrived */
	atomic_int_least64_t last_rx_ms;
};

struct media_endpoint {
	struct media_engine *me;
	uint16_t port;
	int fd_rtp, fd_rtcp;
	media_event_h *eventh;
	void *arg;

	/* ctl */
	struct le ctl_le;
	struct media_thread *thr;       /* attached thread, NULL: moving */
	struct media_thread *dest_thr;  /* where it belongs */
	struct media_endpoint *peer;
	struct addr remote;
	struct media_format fmt;
	bool has_fmt;
	bool muted;
	bool freed;
	struct play_req play;
	struct recorder *rec;
	struct recorder *retired[TAP_RETIRED];  /* not yet in want */
	unsigned nretired;
	struct media_conf *conf;
	bool conf_muted;
	const struct media_endpoint *conf_only;
	struct webrtc *wrtc;            /* freed with the endpoint */

	/* control -> media */
	pthread_mutex_t lock;
	struct want want;
	atomic_bool sync_queued;
	struct qnode n_sync, n_attach, n_detach;
	/* media -> control */
	struct qnode n_detached, n_freed;

	/* media */
	struct le le;
	struct media_thread *owner;
	struct media_endpoint *wpeer;
	atomic_bool relaying;           /* wpeer set; read by control */
	struct addr w_remote;
	struct addr latch_rtp, latch_rtcp;
	struct media_format w_fmt;
	enum law law;
	enum codec_id codec;            /* of w_fmt, CODEC_NONE: unknown */
	struct xcoder *xc;              /* ep -> wpeer, when they differ */
	bool xc_failed;                 /* logged once */
	bool w_has_fmt;
	bool w_muted;
	bool got_first;
	bool timed_out;
	int64_t quiet_since;            /* monotonic ms: remote set / last rx */
	struct rx_seq seq;
	bool jit_init;
	int64_t jit_transit;
	double jitter;                  /* in timestamp units */
	bool dtmf_seen;
	uint32_t dtmf_ts;
	bool w_echo;
	struct player pl;
	struct tap tap;
	struct conf_member cm;
	struct rtcp_state rtcp;
	struct webrtc *w_wrtc;

	struct ep_stats st;
};

struct media_thread {
	struct media_engine *me;
	unsigned idx;
	pthread_t tid;
	bool started;
	struct nodeq q;
	struct qnode n_quit;
	struct list eps;        /* attached endpoints (media) */
	struct list players;    /* endpoints playing (player.c) */
	struct list taps;       /* endpoints recorded (tap.c) */
	struct list confs;      /* conferences at home here (conf.c) */
	struct tmr clock;       /* 10 ms while something plays or records */
	struct tmr scan;
	pthread_mutex_t ready_lock;
	pthread_cond_t ready_cond;
	int ready;              /* 0 starting, 1 running, -1 failed */
	/* receive buffers, media thread only */
	struct mmsghdr msgs[MEDIA_BATCH];
	struct iovec iov[MEDIA_BATCH];
	struct sockaddr_storage src[MEDIA_BATCH];
	uint8_t buf[MEDIA_BATCH][MEDIA_MAXPKT];
	struct xcode_scratch xs;        /* transcoding */
};

struct media_engine {
	struct media_config cfg;
	char bind_ip[64];
	struct media_thread *thrv;
	unsigned nthr;
	unsigned rr;
	struct nodeq events;    /* media -> control */
	struct list eps;        /* every endpoint not yet released (ctl) */
	struct list confs;      /* conference pool (ctl; conf.c) */
	struct tls *dtls;       /* WebRTC certificate, made when first
				   needed (ctl; webrtc.c) */
	char dtls_fp[MEDIA_FP_SIZE];
	/* port pool (ctl) */
	uint16_t port_base;
	unsigned nslots;
	unsigned cursor;
	bool *used;
};

/* queue.c */
int  nodeq_init(struct nodeq *q, void (*wakeh)(int, void *, void *),
		void *arg);
void nodeq_close(struct nodeq *q);
void nodeq_push(struct nodeq *q, struct qnode *n);
struct qnode *nodeq_take_all(struct nodeq *q);

/* relay.c (media thread) */
void relay_tables_init(void);
enum law relay_law(const struct media_format *fmt);
enum codec_id relay_codec(const struct media_format *fmt);
void relay_free_codec(struct media_endpoint *ep);
void relay_rtp_handler(int flags, void *arg);
void relay_rtcp_handler(int flags, void *arg);
void relay_scan(struct media_thread *mt, int64_t now);
/* Sends an RTP packet of the endpoint's own (player) to its far end. */
void relay_send_own(struct media_endpoint *ep, const uint8_t *pkt,
		    size_t len);

/* ownstream.c (media thread) */
void ownstream_reset(struct ownstream *os);
unsigned ownstream_ptime(const struct media_endpoint *ep);
/* Encodes n samples at rate into one packet and sends it. */
int  ownstream_send(struct media_endpoint *ep, struct ownstream *os,
		    const int16_t *pcm, size_t n, uint32_t rate);

/* player.c (media thread) */
void player_apply(struct media_thread *mt, struct media_endpoint *ep,
		  const struct want *w);
void player_release(struct media_endpoint *ep);
void player_tick(struct media_thread *mt, int64_t now);
void player_unlist(struct media_endpoint *ep);

/* tap.c (media thread) */
void tap_rx(struct media_endpoint *ep, const uint8_t *payload, size_t len);
void tap_apply(struct media_thread *mt, struct media_endpoint *ep,
	       const struct want *w);
void tap_tick(struct media_thread *mt, int64_t now);
void tap_unlist(struct media_endpoint *ep);
void tap_release(struct media_endpoint *ep);
/* n samples of what ep received (8 kHz), or false: silence for now. */
bool tap_take(struct media_endpoint *ep, int16_t *out, size_t n);

/* rtcp.c (media thread) */
void rtcp_to_far_end(struct media_endpoint *ep, const uint8_t *p, size_t len,
		     int64_t now_us);
void rtcp_from_far_end(struct media_endpoint *ep, const uint8_t *p,
		       size_t len, int64_t now_us);

/* conf.c */
void mix_apply(struct media_thread *mt, struct media_endpoint *ep,
		const struct want *w);
void mix_tick(struct media_thread *mt, int64_t now);
void mix_unlist(struct media_endpoint *ep);
void mix_member_release(struct media_endpoint *ep);
void mix_free_all(struct media_engine *me);   /* ctl, threads stopped */

/* webrtc.c */
struct webrtc;
int  engine_dtls_init(struct media_engine *me);         /* ctl */
void engine_dtls_close(struct media_engine *me);        /* ctl */
struct webrtc *webrtc_new(void);                        /* ctl */
void webrtc_free(struct webrtc *w);                     /* ctl */
void webrtc_local(const struct webrtc *w, struct media_webrtc_local *l);
void webrtc_set_remote(struct webrtc *w, const char *fingerprint,
		       bool dtls_client);               /* ctl */
/* A packet that came to a WebRTC endpoint: STUN and DTLS taken here,
   SRTP/SRTCP decrypted in place. Returns the plain RTP/RTCP packet's
   length, 0: nothing to relay (media thread). */
size_t webrtc_rx(struct media_endpoint *ep, uint8_t *p, size_t len,
		 const struct addr *src);
/* Protects and sends an RTP/RTCP packet to the browser; false: not
   ready yet, dropped (media thread). */
bool webrtc_send(struct media_endpoint *ep, const uint8_t *p, size_t len);
void webrtc_tick(struct media_endpoint *ep);            /* media */

/* engine.c, for conf.c (control thread) */
void engine_publish(struct media_endpoint *ep);
void engine_move(struct media_endpoint *ep, struct media_thread *thr);
void engine_unbridge(struct media_endpoint *a);
int64_t mono_ms(void);

/* Big-endian 32-bit fields of RTP/RTCP headers. */
static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* thread.c */
int  media_thread_start(struct media_thread *mt);
void media_thread_stop(struct media_thread *mt);
void media_thread_push(struct media_thread *mt, struct qnode *n,
		       enum qkind kind, struct media_endpoint *ep);
void thread_event(struct media_endpoint *ep, enum qkind kind, char digit);
void thread_event_gen(struct media_endpoint *ep, enum qkind kind,
		      uint32_t gen);
/* Runs the thread's 10 ms clock (players, recordings) if it is not. */
void thread_clock_start(struct media_thread *mt);

static inline void stat_add(atomic_uint_least64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed)
			      + n, memory_order_relaxed);
}

#endif
