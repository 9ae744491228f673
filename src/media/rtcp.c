/*
 * rtcp.c — what the far ends' RTCP reports tell about a leg: the round
 * trip between hotlined and the far end, and how the far end receives what
 * hotlined sends it (its loss fraction and jitter) — the "tx" side of the
 * call quality. RTCP itself is relayed as it is (relay.c); this only reads
 * it on the way.
 *
 * Round trip (RFC 3550 §6.4.1): a sender report that hotlined forwards to
 * a far end is remembered with the time it left (by the middle 32 bits of
 * its NTP timestamp); when that far end's receiver report names it (LSR)
 * with its delay since receiving it (DLSR), RTT = now - time sent - DLSR.
 * Media thread only.
 */
#include <string.h>
#include "internal.h"

enum { SR = 200, RR = 201, BLOCK = 24 };

/* Calls fn for each packet of a compound RTCP datagram. */
static void each_packet(const uint8_t *p, size_t len,
			void (*fn)(struct media_endpoint *, const uint8_t *,
				   size_t, int64_t),
			struct media_endpoint *ep, int64_t now_us)
{
	while (len >= 8 && (p[0] >> 6) == 2) {
		size_t n = ((size_t)(p[2] << 8 | p[3]) + 1) * 4;

		if (n > len)
			return;
		fn(ep, p, n, now_us);
		p += n;
		len -= n;
	}
}

/* ---- on the way out: sender reports we forward ---- */

static void note_sr(struct media_endpoint *ep, const uint8_t *p, size_t n,
		    int64_t now_us)
{
	struct rtcp_state *r = &ep->rtcp;

	if (p[1] != SR || n < 28)
		return;
	r->sr_key[r->sr_next] = (get_be32(p + 8) << 16) | (get_be32(p + 12) >> 16);
	r->sr_at[r->sr_next] = now_us;
	r->sr_next = (r->sr_next + 1) % RTCP_SR_KEEP;
}

void rtcp_to_far_end(struct media_endpoint *ep, const uint8_t *p, size_t len,
		     int64_t now_us)
{
	each_packet(p, len, note_sr, ep, now_us);
}

/* ---- on the way in: the far end's reports about what it receives ---- */

static void block(struct media_endpoint *ep, const uint8_t *b, int64_t now_us)
{
	struct rtcp_state *r = &ep->rtcp;
	const struct codec_info *ci = codec_get(ep->codec);
	uint32_t lsr = get_be32(b + 16), dlsr = get_be32(b + 20);
	uint32_t clock = ci ? ci->clock : 8000;

	atomic_store_explicit(&ep->st.tx_lost_frac, b[4],
			      memory_order_relaxed);
	atomic_store_explicit(&ep->st.tx_reported, true,
			      memory_order_relaxed);
	atomic_store_explicit(&ep->st.tx_jitter_us,
			      (uint32_t)((uint64_t)get_be32(b + 12) * 1000000 /
					 clock), memory_order_relaxed);
	if (!lsr)
		return;
	for (unsigned i = 0; i < RTCP_SR_KEEP; i++) {
		int64_t rtt;

		if (r->sr_key[i] != lsr || !r->sr_at[i])
			continue;
		rtt = now_us - r->sr_at[i] - (int64_t)dlsr * 1000000 / 65536;
		if (rtt >= 0 && rtt < 10000000)
			atomic_store_explicit(&ep->st.rtt_us, (uint32_t)rtt,
					      memory_order_relaxed);
		return;
	}
}

static void read_report(struct media_endpoint *ep, const uint8_t *p,
			size_t n, int64_t now_us)
{
	size_t off = p[1] == SR ? 28 : p[1] == RR ? 8 : 0;
	unsigned count = p[0] & 0x1f;

	if (!off || !count || off + BLOCK > n)
		return;
	block(ep, p + off, now_us);     /* one stream: the first block */
}

void rtcp_from_far_end(struct media_endpoint *ep, const uint8_t *p,
		       size_t len, int64_t now_us)
{
	each_packet(p, len, read_report, ep, now_us);
}
