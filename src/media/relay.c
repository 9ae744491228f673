/*
 * relay.c — the packet path of a media thread: receive RTP/RTCP in batches
 * (recvmmsg into the thread's buffers, no allocation), latch to the real
 * source, count, and send on from the peer endpoint's socket.
 *
 * Same codec: pass-through, SSRC, sequence and timestamp kept as received,
 * only the payload type set to the peer's. PCMU <-> PCMA: the payload is
 * transcoded in place through 256-byte tables built once from librem's G.711
 * (so the result is exactly librem's decode-then-encode). Any other pair of
 * known codecs (G.711, G.722, G.729, Opus): the receiving endpoint's
 * transcoder (xcode.c, created on the first packet that needs it, kept
 * until the codecs change or the endpoint goes) decodes, resamples and
 * re-encodes into a stream of its own, in the thread's scratch buffers;
 * packets of other payload types are dropped, and so is RTCP (its reports
 * would describe the other stream).
 *
 * RFC 4733 telephone-events go on with the peer's dtmf_pt (dropped if it has
 * none), their duration scaled when the two telephone-event clocks differ
 * (8000 vs 48000), and when transcoding, renumbered into the output stream
 * with the timestamp mapped to its clock. Each digit's end is reported
 * once, keyed on the event's timestamp. RTCP is forwarded as is between the
 * RTCP sockets (RTT is not computed).
 *
 * A WebRTC endpoint (webrtc.c) sees every packet first through webrtc_rx()
 * (STUN and DTLS taken there, SRTP decrypted in place; only ICE moves its
 * latch) and sends through webrtc_send() (SRTP, RTCP muxed on the RTP
 * port); its RTCP port stays silent.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <rem_g711.h>
#include "internal.h"
#include "../core/log.h"

enum { MAX_DROPOUT = 3000, MAX_MISORDER = 100 };

struct rtp_info {
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	size_t off, plen;
};

static uint8_t u2a[256], a2u[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
	for (unsigned i = 0; i < 256; i++) {
		u2a[i] = g711_pcm2alaw(g711_ulaw2pcm((uint8_t)i));
		a2u[i] = g711_pcm2ulaw(g711_alaw2pcm((uint8_t)i));
	}
}

void relay_tables_init(void)
{
	(void)pthread_once(&tables_once, build_tables);
}

enum law relay_law(const struct media_format *fmt)
{
	if (!strcasecmp(fmt->name, "PCMU"))
		return LAW_PCMU;
	if (!strcasecmp(fmt->name, "PCMA"))
		return LAW_PCMA;
	return LAW_OTHER;
}

enum codec_id relay_codec(const struct media_format *fmt)
{
	const struct codec_info *ci = codec_find(fmt->name, fmt->rate);

	return ci ? ci->id : CODEC_NONE;
}

void relay_free_codec(struct media_endpoint *ep)
{
	xcoder_free(ep->xc);
	ep->xc = NULL;
	ep->xc_failed = false;
}

int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool rtp_parse(const uint8_t *p, size_t len, struct rtp_info *r)
{
	size_t off;

	if (len < 12 || (p[0] >> 6) != 2)
		return false;
	off = 12 + 4 * (size_t)(p[0] & 0x0f);
	if ((p[0] & 0x10) && off + 4 <= len)
		off += 4 + 4 * (size_t)((p[off + 2] << 8) | p[off + 3]);
	if (off > len)
		return false;
	r->plen = len - off;
	if (p[0] & 0x20) {
		if (!r->plen || p[len - 1] > r->plen)
			return false;
		r->plen -= p[len - 1];
	}
	r->off = off;
	r->pt = p[1] & 0x7f;
	r->seq = (uint16_t)((p[2] << 8) | p[3]);
	r->ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
		(uint32_t)p[6] << 8 | p[7];
	r->ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
		  (uint32_t)p[10] << 8 | p[11];
	return true;
}

/* RTCP multiplexed on the RTP port (RFC 5761): packet types 192-223. */
static bool is_rtcp(const uint8_t *p)
{
	return p[1] >= 192 && p[1] <= 223;
}

static uint64_t seq_lost(const struct rx_seq *s)
{
	uint64_t expected = s->cycles + (uint64_t)s->max_seq - s->base_seq
			    + 1;

	return expected > s->received ? expected - s->received : 0;
}

static void seq_restart(struct rx_seq *s, uint32_t ssrc, uint16_t seq)
{
	if (s->init)
		s->lost_before += seq_lost(s);
	s->init = true;
	s->ssrc = ssrc;
	s->max_seq = seq;
	s->base_seq = seq;
	s->cycles = 0;
	s->received = 1;
}

/* RFC 3550 A.1, without probation. Returns false on a new stream. */
static bool seq_update(struct rx_seq *s, uint32_t ssrc, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);

	if (!s->init || s->ssrc != ssrc) {
		seq_restart(s, ssrc, seq);
		return false;
	}
	if (udelta < MAX_DROPOUT) {
		if (seq < s->max_seq)
			s->cycles += 65536;
		s->max_seq = seq;
	}
	else if (udelta <= 65536 - MAX_MISORDER) {
		seq_restart(s, ssrc, seq);
		return true;
	}
	s->received++;
	return true;
}

/* RFC 3550 6.4.1 interarrival jitter, in timestamp units. */
static void jitter_update(struct media_endpoint *ep, const struct rtp_info *r,
			  int64_t now_us)
{
	uint32_t rate = ep->w_fmt.rate;
	uint32_t arrival, transit;
	int32_t d;

	if (!rate)
		return;
	arrival = (uint32_t)((now_us * rate) / 1000000);
	transit = arrival - r->ts;
	if (ep->jit_init) {
		d = (int32_t)(transit - (uint32_t)ep->jit_transit);
		if (d < 0)
			d = -d;
		ep->jitter += ((double)d - ep->jitter) / 16.0;
		atomic_store_explicit(&ep->st.jitter_us,
				      (uint32_t)(ep->jitter * 1e6 / rate),
				      memory_order_relaxed);
	}
	ep->jit_transit = transit;
	ep->jit_init = true;
}

static char dtmf_digit(uint8_t event)
{
	static const char map[] = "0123456789*#ABCD";

	return event < 16 ? map[event] : 0;
}

static void dtmf_check(struct media_endpoint *ep, const uint8_t *p,
		       const struct rtp_info *r)
{
	char digit;

	if (r->plen < 4 || !(p[r->off + 1] & 0x80))
		return;
	if (ep->dtmf_seen && ep->dtmf_ts == r->ts)
		return;
	ep->dtmf_seen = true;
	ep->dtmf_ts = r->ts;
	digit = dtmf_digit(p[r->off]);
	if (digit)
		thread_event(ep, Q_EV_DTMF, digit);
}

static void addr_set(struct addr *a, const struct sockaddr_storage *ss,
		     socklen_t len)
{
	if (a->len == len && !memcmp(&a->ss, ss, len))
		return;
	memcpy(&a->ss, ss, len);
	a->len = len;
}

/* Counted before sending, so that a reader who got the packet sees it
   counted; taken back if the send fails (one writer: this thread). */
static void send_to(struct media_endpoint *b, int fd, const struct addr *to,
		    const uint8_t *p, size_t len, bool count)
{
	ssize_t n;

	if (b->w_wrtc) {        /* SRTP to the browser, RTCP muxed */
		if (fd == b->fd_rtp && webrtc_send(b, p, len) && count) {
			stat_add(&b->st.tx_packets, 1);
			stat_add(&b->st.tx_bytes, len);
		}
		return;
	}
	if (count) {
		stat_add(&b->st.tx_packets, 1);
		stat_add(&b->st.tx_bytes, len);
	}
	n = sendto(fd, p, len, MSG_DONTWAIT, (const struct sockaddr *)&to->ss,
		   to->len);
	if (n < 0 && count) {
		stat_add(&b->st.tx_packets, (uint64_t)-1);
		stat_add(&b->st.tx_bytes, (uint64_t)0 - len);
	}
}

static void transcode(uint8_t *p, size_t n, const uint8_t *table)
{
	for (size_t i = 0; i < n; i++)
		p[i] = table[p[i]];
}

static uint32_t dtmf_rate(const struct media_format *f)
{
	return f->dtmf_rate ? f->dtmf_rate : 8000;
}

/* An event's duration from a's telephone-event clock to b's. */
static void dtmf_rescale(const struct media_endpoint *a,
			 const struct media_endpoint *b, uint8_t *p,
			 const struct rtp_info *r)
{
	uint32_t from = dtmf_rate(&a->w_fmt), to = dtmf_rate(&b->w_fmt);
	uint64_t dur;

	if (from == to || r->plen < 4)
		return;
	dur = (uint64_t)(p[r->off + 2] << 8 | p[r->off + 3]) * to / from;
	if (dur > 0xffff)
		dur = 0xffff;
	p[r->off + 2] = (uint8_t)(dur >> 8);
	p[r->off + 3] = (uint8_t)dur;
}

/* Rewrites a's packet for b; false: drop it. */
static bool rewrite(const struct media_endpoint *a,
		    const struct media_endpoint *b, uint8_t *p,
		    const struct rtp_info *r)
{
	uint8_t marker = p[1] & 0x80;

	if (!a->w_has_fmt || !b->w_has_fmt)
		return true;
	if (a->w_fmt.dtmf_pt >= 0 && r->pt == a->w_fmt.dtmf_pt) {
		if (b->w_fmt.dtmf_pt < 0)
			return false;
		dtmf_rescale(a, b, p, r);
		p[1] = marker | (uint8_t)(b->w_fmt.dtmf_pt & 0x7f);
		return true;
	}
	if (r->pt != a->w_fmt.pt)
		return true;
	if (a->law != b->law && a->law != LAW_OTHER && b->law != LAW_OTHER)
		transcode(p + r->off, r->plen,
			  a->law == LAW_PCMU ? u2a : a2u);
	p[1] = marker | (b->w_fmt.pt & 0x7f);
	return true;
}

/* Whether a -> b needs a transcoder (not a pass-through, not G.711's
   tables). */
static bool transcoding(const struct media_endpoint *a,
			const struct media_endpoint *b)
{
	return a->w_has_fmt && b->w_has_fmt && a->codec != CODEC_NONE &&
	       b->codec != CODEC_NONE && a->codec != b->codec &&
	       (a->law == LAW_OTHER || b->law == LAW_OTHER);
}

/* a's transcoder towards b, made or remade when the codecs changed. */
static struct xcoder *xcoder_for(struct media_endpoint *a,
				 const struct media_endpoint *b)
{
	int err;

	if (xcoder_matches(a->xc, a->codec, b->codec, b->w_fmt.ptime))
		return a->xc;
	xcoder_free(a->xc);
	a->xc = NULL;
	err = xcoder_alloc(&a->xc, a->codec, b->codec, b->w_fmt.ptime);
	if (err && !a->xc_failed) {
		a->xc_failed = true;
		log_warn("media", "port %u: no transcoder %s -> %s: %s",
			 a->port, a->w_fmt.name, b->w_fmt.name, strerror(err));
	}
	return a->xc;
}

struct emit_ctx {
	struct media_endpoint *b;
	const struct addr *to;
};

static void emit_packet(const uint8_t *pkt, size_t len, void *arg)
{
	struct emit_ctx *c = arg;

	send_to(c->b, c->b->fd_rtp, c->to, pkt, len, true);
}

static void relay_transcoded(struct media_endpoint *a,
			     struct media_endpoint *b, const struct addr *to,
			     uint8_t *p, size_t len, const struct rtp_info *r)
{
	struct emit_ctx ctx = {b, to};
	struct xcoder *x;

	if (a->w_fmt.dtmf_pt >= 0 && r->pt == a->w_fmt.dtmf_pt) {
		if (b->w_fmt.dtmf_pt < 0 || !(x = xcoder_for(a, b)))
			return;
		xcoder_event(x, p, r->off, r->plen, r->ts,
			     (uint8_t)b->w_fmt.dtmf_pt, dtmf_rate(&a->w_fmt),
			     dtmf_rate(&b->w_fmt));
		send_to(b, b->fd_rtp, to, p, len, true);
		return;
	}
	if (r->pt != a->w_fmt.pt || !(x = xcoder_for(a, b)))
		return;
	xcoder_audio(x, &a->owner->xs, p + r->off, r->plen, r->seq, r->ts,
		     (p[1] & 0x80) != 0, b->w_fmt.pt, emit_packet, &ctx);
}

static void relay_rtp(struct media_endpoint *a, uint8_t *p, size_t len,
		      const struct rtp_info *r)
{
	struct media_endpoint *b = a->wpeer;
	const struct addr *to;

	if (!b || a->w_muted || b->w_muted || b->pl.active)
		return;         /* b's far end hears b's player meanwhile */
	to = b->latch_rtp.len ? &b->latch_rtp : &b->w_remote;
	if (!to->len)
		return;
	if (transcoding(a, b)) {
		if (r)          /* RTCP (muxed) is not forwarded */
			relay_transcoded(a, b, to, p, len, r);
		return;
	}
	if (r && !rewrite(a, b, p, r))
		return;
	send_to(b, b->fd_rtp, to, p, len, r != NULL);
}

static void rx_rtp(struct media_endpoint *ep, uint8_t *p, size_t len,
		   int64_t now_us, int64_t wall_ms)
{
	struct rtp_info r;

	if (len >= 2 && is_rtcp(p)) {       /* RTCP on the RTP port */
		rtcp_from_far_end(ep, p, len, now_us);
		if (ep->wpeer && !transcoding(ep, ep->wpeer))
			rtcp_to_far_end(ep->wpeer, p, len, now_us);
		relay_rtp(ep, p, len, NULL);
		return;
	}
	if (!rtp_parse(p, len, &r))
		return;
	stat_add(&ep->st.rx_packets, 1);
	stat_add(&ep->st.rx_bytes, len);
	atomic_store_explicit(&ep->st.last_rx_ms, wall_ms,
			      memory_order_relaxed);
	ep->quiet_since = now_us / 1000;
	ep->timed_out = false;
	if (!seq_update(&ep->seq, r.ssrc, r.seq))
		ep->jit_init = false;
	atomic_store_explicit(&ep->st.lost,
			      ep->seq.lost_before + seq_lost(&ep->seq),
			      memory_order_relaxed);
	if (!ep->got_first) {
		ep->got_first = true;
		thread_event(ep, Q_EV_FIRST, 0);
	}
	if (ep->w_has_fmt && ep->w_fmt.dtmf_pt >= 0 &&
	    r.pt == ep->w_fmt.dtmf_pt)
		dtmf_check(ep, p, &r);
	else if (ep->w_has_fmt && r.pt == ep->w_fmt.pt)
		jitter_update(ep, &r, now_us);
	if (ep->w_echo) {
		relay_send_own(ep, p, len);     /* an echo test */
		return;
	}
	if (ep->w_has_fmt && r.pt == ep->w_fmt.pt)
		tap_rx(ep, p + r.off, r.plen);  /* before relaying rewrites it */
	relay_rtp(ep, p, len, &r);
}

void relay_send_own(struct media_endpoint *ep, const uint8_t *pkt,
		    size_t len)
{
	const struct addr *to = ep->latch_rtp.len ? &ep->latch_rtp
						  : &ep->w_remote;

	if (to->len)
		send_to(ep, ep->fd_rtp, to, pkt, len, true);
}

static int receive(struct media_thread *mt, int fd)
{
	for (unsigned i = 0; i < MEDIA_BATCH; i++) {
		struct msghdr *h = &mt->msgs[i].msg_hdr;

		mt->iov[i].iov_base = mt->buf[i];
		mt->iov[i].iov_len = MEDIA_MAXPKT;
		memset(h, 0, sizeof(*h));
		h->msg_name = &mt->src[i];
		h->msg_namelen = sizeof(mt->src[i]);
		h->msg_iov = &mt->iov[i];
		h->msg_iovlen = 1;
	}
	return recvmmsg(fd, mt->msgs, MEDIA_BATCH, MSG_DONTWAIT, NULL);
}

static void clocks(int64_t *mono_us, int64_t *wall_ms)
{
	struct timespec m, w;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &w);
	*mono_us = (int64_t)m.tv_sec * 1000000 + m.tv_nsec / 1000;
	*wall_ms = (int64_t)w.tv_sec * 1000 + w.tv_nsec / 1000000;
}

void relay_rtp_handler(int flags, void *arg)
{
	struct media_endpoint *ep = arg;
	struct media_thread *mt = ep->owner;
	int64_t now_us, wall_ms;
	int n;

	if (!(flags & FD_READ) || !mt)
		return;
	n = receive(mt, ep->fd_rtp);
	if (n <= 0)
		return;
	clocks(&now_us, &wall_ms);
	for (int i = 0; i < n && ep->owner; i++) {
		struct msghdr *h = &mt->msgs[i].msg_hdr;
		size_t len = mt->msgs[i].msg_len;

		if (h->msg_flags & MSG_TRUNC)
			continue;
		if (ep->w_wrtc) {       /* ICE latches, not any packet */
			struct addr src = {.len = h->msg_namelen};

			memcpy(&src.ss, &mt->src[i], sizeof(src.ss));
			len = webrtc_rx(ep, mt->buf[i], len, &src);
			if (!len)
				continue;
		}
		else {
			addr_set(&ep->latch_rtp, &mt->src[i], h->msg_namelen);
		}
		rx_rtp(ep, mt->buf[i], len, now_us, wall_ms);
	}
}

static const struct addr *rtcp_dest(const struct media_endpoint *b,
				    struct addr *tmp)
{
	if (b->latch_rtcp.len)
		return &b->latch_rtcp;
	if (!b->w_remote.len)
		return NULL;
	*tmp = b->w_remote;
	if (tmp->ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&tmp->ss;

		in->sin_port = htons((uint16_t)(ntohs(in->sin_port) + 1));
	}
	else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&tmp->ss;

		in6->sin6_port = htons((uint16_t)(ntohs(in6->sin6_port) + 1));
	}
	return tmp;
}

void relay_rtcp_handler(int flags, void *arg)
{
	struct media_endpoint *ep = arg;
	struct media_thread *mt = ep->owner;
	int64_t now_us, wall;
	int n;

	if (!(flags & FD_READ) || !mt)
		return;
	n = receive(mt, ep->fd_rtcp);
	if (ep->w_wrtc)
		return;         /* rtcp-mux: nothing comes here */
	clocks(&now_us, &wall);
	for (int i = 0; i < n && ep->owner; i++) {
		struct msghdr *h = &mt->msgs[i].msg_hdr;
		struct media_endpoint *b = ep->wpeer;
		const struct addr *to;
		struct addr tmp;

		addr_set(&ep->latch_rtcp, &mt->src[i], h->msg_namelen);
		rtcp_from_far_end(ep, mt->buf[i], mt->msgs[i].msg_len, now_us);
		if (!b || ep->w_muted || b->w_muted || transcoding(ep, b))
			continue;
		to = rtcp_dest(b, &tmp);
		if (!to)
			continue;
		rtcp_to_far_end(b, mt->buf[i], mt->msgs[i].msg_len, now_us);
		send_to(b, b->fd_rtcp, to, mt->buf[i], mt->msgs[i].msg_len,
			false);
	}
}

/* Reports endpoints silent for the timeout, once per silence; moves
   WebRTC handshakes on (retransmissions). */
void relay_scan(struct media_thread *mt, int64_t now)
{
	int64_t limit = (int64_t)mt->me->cfg.timeout_s * 1000;

	for (struct le *le = mt->eps.head; le; le = le->next) {
		struct media_endpoint *ep = le->data;

		if (ep->w_wrtc)
			webrtc_tick(ep);
		if (!limit || ep->timed_out ||
		    (!ep->w_remote.len && !ep->got_first))
			continue;
		if (now - ep->quiet_since < limit)
			continue;
		ep->timed_out = true;
		thread_event(ep, Q_EV_TIMEOUT, 0);
	}
}
