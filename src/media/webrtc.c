/*
 * webrtc.c — what makes an endpoint a WebRTC one: ICE-lite, DTLS and SRTP
 * on its RTP port (rtcp-mux), so a browser's leg bridges with plain RTP
 * legs like any other.
 *
 * ICE-lite (RFC 8445 2.5): we only answer the browser's connectivity checks.
 * A Binding request whose USERNAME starts with our ufrag and whose
 * MESSAGE-INTEGRITY checks with our password gets a success response
 * (XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT); the endpoint sends
 * to where the first valid check, or the nominated one (USE-CANDIDATE),
 * came from. Nothing else latches it.
 *
 * DTLS (RFC 5763/5764): OpenSSL on memory BIOs, so the packets stay on the
 * endpoint's own socket and media thread. The certificate is the engine's,
 * self-signed, made once at the first WebRTC endpoint; its SHA-256
 * fingerprint goes in our SDP. We are the DTLS server unless the far end's
 * answer says a=setup:passive. When the handshake ends, the peer's
 * certificate must match the a=fingerprint of its SDP (once that is known),
 * else the endpoint reports MEDIA_SECURITY_FAILED and stays silent. SRTP
 * keys come from the handshake (SRTP_AES128_CM_SHA1_80, libre's srtp).
 *
 * One RTP stream goes to the browser whatever we send from (the relay of
 * the other leg, or our own sounds: hold silence, music, prompts). Each
 * source has its own SSRC, and a browser plays only the newest
 * unsignalled one: after our own sound the relayed stream, though it comes
 * back, would be heard no more. So the RTP we send is rewritten to one SSRC
 * with sequence numbers and timestamps that go on across a change of
 * source (the marker set on the first packet after it).
 *
 * Packets are told apart by their first byte (RFC 7983): 0-3 STUN, 20-63
 * DTLS, 128-191 RTP/RTCP. Anything malformed is dropped.
 *
 * Threads: the control thread makes the state (webrtc_new, credentials
 * fixed from then on) and frees it with the endpoint; what it learns from
 * the far end's SDP later goes in under the state's lock. Everything else
 * is the media thread's that owns the endpoint.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "internal.h"
#include "../core/log.h"
#include "../core/selfsigned.h"

/* libre declares it only when built with USE_OPENSSL (Debian's is). */
struct ssl_ctx_st *tls_openssl_context(const struct tls *tls);

enum { DTLS_MTU = 1200, SRTP_KEY = 16, SRTP_SALT = 14, OUT_SIZE = 2048 };

struct webrtc {
	char ufrag[MEDIA_UFRAG_SIZE];
	char pwd[MEDIA_PWD_SIZE];

	/* from the far end's SDP (control thread), under lock */
	pthread_mutex_t lock;
	char r_fp[MEDIA_FP_SIZE];       /* "sha-256 AB:CD:..." */
	bool r_known;
	bool dtls_client;

	/* media thread */
	SSL *ssl;
	BIO *rbio, *wbio;
	bool done;              /* handshake over */
	bool verified;          /* peer certificate matches r_fp */
	bool failed;
	char peer_fp[MEDIA_FP_SIZE];
	struct srtp *tx, *rx;
	struct mbuf *in, *out;  /* a STUN request (libre keeps a reference
				   while it reads it), what we send */
	struct out_stream {     /* the one RTP stream we send (see above) */
		bool started;
		uint32_t ssrc, src_ssrc, ts_off, last_ts;
		uint16_t seq_off, last_seq;
		int64_t last_ms;
	} os;
};

/* ---- the engine's certificate (control thread) ---- */

static int fingerprint_text(char *out, size_t size, const uint8_t *md,
			    size_t n)
{
	size_t off = (size_t)snprintf(out, size, "sha-256 ");

	for (size_t i = 0; i < n && off + 4 < size; i++)
		off += (size_t)snprintf(out + off, size - off, "%s%02X",
					i ? ":" : "", md[i]);
	return 0;
}

/* Our certificate in the context every WebRTC endpoint's DTLS uses, and
   its fingerprint for the SDP. */
static int use_certificate(struct media_engine *me)
{
	SSL_CTX *ctx = tls_openssl_context(me->dtls);
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_PKEY *key;
	X509 *x;
	int err;

	if (!ctx)
		return EINVAL;
	err = selfsigned_make(&key, &x);
	if (err)
		return err;
	if (SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    X509_digest(x, EVP_sha256(), md, &n) != 1)
		err = EINVAL;
	else
		fingerprint_text(me->dtls_fp, sizeof(me->dtls_fp), md, n);
	X509_free(x);
	EVP_PKEY_free(key);
	return err;
}

int engine_dtls_init(struct media_engine *me)
{
	int err;

	if (me->dtls)
		return 0;
	err = tls_alloc(&me->dtls, TLS_METHOD_DTLS, NULL, NULL);
	if (!err)
		err = use_certificate(me);
	if (!err)
		err = tls_set_srtp(me->dtls, "SRTP_AES128_CM_SHA1_80");
	if (err) {
		log_error("media", "no DTLS certificate: %s", strerror(err));
		me->dtls = mem_deref(me->dtls);
		return err;
	}
	return 0;
}

void engine_dtls_close(struct media_engine *me)
{
	me->dtls = mem_deref(me->dtls);
}

/* ---- state (control thread) ---- */

struct webrtc *webrtc_new(void)
{
	struct webrtc *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->in = mbuf_alloc(OUT_SIZE);
	w->out = mbuf_alloc(OUT_SIZE);
	if (!w->in || !w->out) {
		mem_deref(w->in);
		mem_deref(w->out);
		free(w);
		return NULL;
	}
	rand_str(w->ufrag, 9);
	rand_str(w->pwd, 25);
	pthread_mutex_init(&w->lock, NULL);
	return w;
}

void webrtc_free(struct webrtc *w)
{
	if (!w)
		return;
	SSL_free(w->ssl);       /* and its BIOs */
	mem_deref(w->tx);
	mem_deref(w->rx);
	mem_deref(w->in);
	mem_deref(w->out);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

void webrtc_local(const struct webrtc *w, struct media_webrtc_local *l)
{
	str_ncpy(l->ufrag, w->ufrag, sizeof(l->ufrag));
	str_ncpy(l->pwd, w->pwd, sizeof(l->pwd));
}

void webrtc_set_remote(struct webrtc *w, const char *fingerprint,
		       bool dtls_client)
{
	pthread_mutex_lock(&w->lock);
	str_ncpy(w->r_fp, fingerprint, sizeof(w->r_fp));
	w->r_known = true;
	w->dtls_client = dtls_client;
	pthread_mutex_unlock(&w->lock);
}

int media_webrtc_enable(struct media_endpoint *ep,
			struct media_webrtc_local *local)
{
	int err;

	if (!ep || ep->freed || !local)
		return EINVAL;
	err = engine_dtls_init(ep->me);
	if (err)
		return err;
	if (!ep->wrtc) {
		ep->wrtc = webrtc_new();
		if (!ep->wrtc)
			return ENOMEM;
		engine_publish(ep);
	}
	webrtc_local(ep->wrtc, local);
	str_ncpy(local->fingerprint, ep->me->dtls_fp,
		 sizeof(local->fingerprint));
	return 0;
}

int media_webrtc_remote(struct media_endpoint *ep, const char *fingerprint,
			bool dtls_client)
{
	if (!ep || ep->freed || !ep->wrtc || !fingerprint)
		return EINVAL;
	webrtc_set_remote(ep->wrtc, fingerprint, dtls_client);
	return 0;
}

bool media_endpoint_is_webrtc(const struct media_endpoint *ep)
{
	return ep && ep->wrtc;
}

/* ---- sending (media thread) ---- */

static void send_raw(struct media_endpoint *ep, const struct addr *to,
		     const uint8_t *p, size_t len)
{
	(void)sendto(ep->fd_rtp, p, len, MSG_DONTWAIT,
		     (const struct sockaddr *)&to->ss, to->len);
}

static bool is_rtcp(const uint8_t *p, size_t len)
{
	return len >= 2 && p[1] >= 192 && p[1] <= 223;
}

/* Rewrites the RTP packet p (at least 12 bytes) into the one stream. */
static void one_stream(struct media_endpoint *ep, struct out_stream *os,
		       uint8_t *p)
{
	const struct codec_info *ci = codec_get(ep->codec);
	uint32_t ssrc = get_be32(p + 8), ts = get_be32(p + 4);
	uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
	int64_t now = mono_ms();

	if (!os->started) {
		os->started = true;
		os->ssrc = rand_u32();
		os->src_ssrc = ssrc;
		os->seq_off = (uint16_t)(rand_u16() - seq);
		os->ts_off = rand_u32() - ts;
	} else if (ssrc != os->src_ssrc) {
		/* a new source: on from the last packet, by the time since */
		int64_t ms = now - os->last_ms;
		uint32_t clock = ci ? ci->clock : 8000;

		if (ms < 20)
			ms = 20;
		os->src_ssrc = ssrc;
		os->seq_off = (uint16_t)(os->last_seq + 1 - seq);
		os->ts_off = os->last_ts + (uint32_t)((uint64_t)ms * clock /
						      1000) - ts;
		p[1] |= 0x80;
	}
	os->last_seq = (uint16_t)(seq + os->seq_off);
	os->last_ts = ts + os->ts_off;
	os->last_ms = now;
	p[2] = (uint8_t)(os->last_seq >> 8);
	p[3] = (uint8_t)os->last_seq;
	put_be32(p + 4, os->last_ts);
	put_be32(p + 8, os->ssrc);
}

bool webrtc_send(struct media_endpoint *ep, const uint8_t *p, size_t len)
{
	struct webrtc *w = ep->w_wrtc;
	struct mbuf *mb = w->out;
	int err;

	if (!w->tx || !ep->latch_rtp.len || len + 64 > mb->size || len < 8)
		return false;
	mbuf_rewind(mb);
	(void)mbuf_write_mem(mb, p, len);
	mb->pos = 0;
	if (!is_rtcp(p, len) && len >= 12)
		one_stream(ep, &w->os, mb->buf);
	err = is_rtcp(p, len) ? srtcp_encrypt(w->tx, mb)
			      : srtp_encrypt(w->tx, mb);
	if (err)
		return false;
	send_raw(ep, &ep->latch_rtp, mb->buf, mb->end);
	return true;
}

/* ---- ICE-lite ---- */

static bool check_username(const struct webrtc *w, const struct stun_msg *m)
{
	const struct stun_attr *a = stun_msg_attr(m, STUN_ATTR_USERNAME);
	size_t n = strlen(w->ufrag);

	return a && a->v.username && !strncmp(a->v.username, w->ufrag, n) &&
	       a->v.username[n] == ':';
}

static void stun_input(struct media_endpoint *ep, const uint8_t *p,
		       size_t len,
		       const struct addr *src)
{
	struct webrtc *w = ep->w_wrtc;
	struct stun_msg *m = NULL;
	struct sa from;
	int err;

	mbuf_rewind(w->in);
	if (len > w->in->size || mbuf_write_mem(w->in, p, len))
		return;
	w->in->pos = 0;
	if (stun_msg_decode(&m, w->in, NULL))
		return;
	if (stun_msg_method(m) != STUN_METHOD_BINDING ||
	    stun_msg_class(m) != STUN_CLASS_REQUEST || !check_username(w, m) ||
	    stun_msg_chk_mi(m, (const uint8_t *)w->pwd, strlen(w->pwd)) ||
	    (stun_msg_attr(m, STUN_ATTR_FINGERPRINT) &&
	     stun_msg_chk_fingerprint(m)))
		goto out;
	memset(&from, 0, sizeof(from));
	if (src->len > sizeof(from.u))
		goto out;
	memcpy(&from.u, &src->ss, src->len);
	from.len = src->len;
	mbuf_rewind(w->out);
	err = stun_msg_encode(w->out, STUN_METHOD_BINDING,
			      STUN_CLASS_SUCCESS_RESP, stun_msg_tid(m), NULL,
			      (const uint8_t *)w->pwd, strlen(w->pwd), true,
			      0x00, 1, STUN_ATTR_XOR_MAPPED_ADDR, &from);
	if (err)
		goto out;
	send_raw(ep, src, w->out->buf, w->out->end);
	if (!ep->latch_rtp.len || stun_msg_attr(m, STUN_ATTR_USE_CAND))
		ep->latch_rtp = *src;
out:
	mem_deref(m);
}

/* ---- DTLS ---- */

static int accept_any(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	(void)ctx;
	return 1;       /* self-signed: the fingerprint is what we check */
}

static void dtls_fail(struct media_endpoint *ep, const char *why)
{
	struct webrtc *w = ep->w_wrtc;

	if (w->failed)
		return;
	w->failed = true;
	log_warn("media", "port %u: DTLS failed: %s", ep->port, why);
	thread_event(ep, Q_EV_SECFAIL, 0);
}

static int dtls_start(struct media_endpoint *ep, bool client)
{
	struct webrtc *w = ep->w_wrtc;
	SSL_CTX *ctx = tls_openssl_context(ep->me->dtls);

	if (!ctx)
		return EINVAL;
	w->ssl = SSL_new(ctx);
	w->rbio = BIO_new(BIO_s_mem());
	w->wbio = BIO_new(BIO_s_mem());
	if (!w->ssl || !w->rbio || !w->wbio) {
		BIO_free(w->rbio);
		BIO_free(w->wbio);
		SSL_free(w->ssl);
		w->ssl = NULL;
		return ENOMEM;
	}
	BIO_set_mem_eof_return(w->rbio, -1);
	SSL_set_bio(w->ssl, w->rbio, w->wbio);
	SSL_set_verify(w->ssl, SSL_VERIFY_PEER |
		       SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
	SSL_set_options(w->ssl, SSL_OP_NO_QUERY_MTU);
	SSL_set_mtu(w->ssl, DTLS_MTU);
	if (client)
		SSL_set_connect_state(w->ssl);
	else
		SSL_set_accept_state(w->ssl);
	return 0;
}

/* What OpenSSL wrote, as one datagram (a flight of small records). */
static void dtls_flush(struct media_endpoint *ep)
{
	struct webrtc *w = ep->w_wrtc;
	uint8_t buf[MEDIA_MAXPKT * 4];
	int n;

	while ((n = BIO_read(w->wbio, buf, sizeof(buf))) > 0) {
		if (ep->latch_rtp.len)
			send_raw(ep, &ep->latch_rtp, buf, (size_t)n);
	}
}

static int peer_fingerprint(struct webrtc *w)
{
	X509 *x = SSL_get1_peer_certificate(w->ssl);
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	int ok;

	if (!x)
		return ENOENT;
	ok = X509_digest(x, EVP_sha256(), md, &n);
	X509_free(x);
	if (!ok)
		return EINVAL;
	return fingerprint_text(w->peer_fp, sizeof(w->peer_fp), md, n);
}

static int srtp_keys(struct media_endpoint *ep)
{
	struct webrtc *w = ep->w_wrtc;
	const SRTP_PROTECTION_PROFILE *prof = SSL_get_selected_srtp_profile(
		w->ssl);
	uint8_t km[2 * (SRTP_KEY + SRTP_SALT)], tx[30], rx[30];
	const uint8_t *ck = km, *sk = km + SRTP_KEY;
	const uint8_t *cs = km + 2 * SRTP_KEY, *ss = cs + SRTP_SALT;
	bool client = SSL_is_server(w->ssl) == 0;
	int err;

	if (!prof || prof->id != SRTP_AES128_CM_SHA1_80)
		return ENOTSUP;
	if (SSL_export_keying_material(w->ssl, km, sizeof(km),
				       "EXTRACTOR-dtls_srtp", 19, NULL, 0,
				       0) != 1)
		return EPROTO;
	memcpy(tx, client ? ck : sk, SRTP_KEY);
	memcpy(tx + SRTP_KEY, client ? cs : ss, SRTP_SALT);
	memcpy(rx, client ? sk : ck, SRTP_KEY);
	memcpy(rx + SRTP_KEY, client ? ss : cs, SRTP_SALT);
	err = srtp_alloc(&w->tx, SRTP_AES_CM_128_HMAC_SHA1_80, tx, sizeof(tx),
			 0);
	if (!err)
		err = srtp_alloc(&w->rx, SRTP_AES_CM_128_HMAC_SHA1_80, rx,
				 sizeof(rx), 0);
	return err;
}

/* Once the handshake is over and the far end's fingerprint known: the
   two must match before any media flows. */
static void dtls_verify(struct media_endpoint *ep)
{
	struct webrtc *w = ep->w_wrtc;
	char want[MEDIA_FP_SIZE];
	bool known;

	if (!w->done || w->verified || w->failed)
		return;
	pthread_mutex_lock(&w->lock);
	known = w->r_known;
	str_ncpy(want, w->r_fp, sizeof(want));
	pthread_mutex_unlock(&w->lock);
	if (!known)
		return;
	if (strcasecmp(want, w->peer_fp)) {
		dtls_fail(ep, "the certificate does not match the SDP "
			  "fingerprint");
		return;
	}
	if (srtp_keys(ep)) {
		dtls_fail(ep, "no SRTP keys (profile not "
			  "SRTP_AES128_CM_SHA1_80)");
		return;
	}
	w->verified = true;
	log_info("media", "port %u: DTLS-SRTP up", ep->port);
}

static void dtls_step(struct media_endpoint *ep)
{
	struct webrtc *w = ep->w_wrtc;
	int r, e;

	ERR_clear_error();
	if (w->done) {
		uint8_t buf[256];

		r = SSL_read(w->ssl, buf, sizeof(buf));   /* alerts */
		if (r <= 0 && SSL_get_error(w->ssl, r) ==
		    SSL_ERROR_ZERO_RETURN)
			log_info("media", "port %u: DTLS closed by the far "
				 "end", ep->port);
		dtls_flush(ep);
		return;
	}
	r = SSL_do_handshake(w->ssl);
	dtls_flush(ep);
	if (r == 1) {
		w->done = true;
		if (peer_fingerprint(w))
			dtls_fail(ep, "no peer certificate");
		dtls_verify(ep);
		return;
	}
	e = SSL_get_error(w->ssl, r);
	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
		dtls_fail(ep, "handshake error");
}

static bool role_client(struct webrtc *w)
{
	bool c;

	pthread_mutex_lock(&w->lock);
	c = w->dtls_client;
	pthread_mutex_unlock(&w->lock);
	return c;
}

static void dtls_input(struct media_endpoint *ep, const uint8_t *p,
		       size_t len, const struct addr *src)
{
	struct webrtc *w = ep->w_wrtc;

	if (w->failed || !ep->latch_rtp.len ||
	    ep->latch_rtp.len != src->len ||
	    memcmp(&ep->latch_rtp.ss, &src->ss, src->len))
		return;         /* only from the address ICE chose */
	if (!w->ssl && dtls_start(ep, role_client(w)))
		return;
	if (BIO_write(w->rbio, p, (int)len) != (int)len)
		return;
	dtls_step(ep);
}

/* Retransmissions, the client's first flight, a late fingerprint. */
void webrtc_tick(struct media_endpoint *ep)
{
	struct webrtc *w = ep->w_wrtc;

	if (!w || w->failed)
		return;
	if (!w->ssl && ep->latch_rtp.len && role_client(w)) {
		if (dtls_start(ep, true))
			return;
		dtls_step(ep);
		return;
	}
	if (w->ssl && !w->done) {
		ERR_clear_error();
		if (DTLSv1_handle_timeout(w->ssl) > 0)
			dtls_flush(ep);
	}
	dtls_verify(ep);
}

/* ---- receiving (media thread) ---- */

size_t webrtc_rx(struct media_endpoint *ep, uint8_t *p, size_t len,
		 const struct addr *src)
{
	struct webrtc *w = ep->w_wrtc;
	struct mbuf mb = {p, len, 0, len};

	if (!len)
		return 0;
	if (p[0] <= 3) {
		stun_input(ep, p, len, src);
		return 0;
	}
	if (p[0] >= 20 && p[0] <= 63) {
		dtls_input(ep, p, len, src);
		return 0;
	}
	if (p[0] < 128 || p[0] > 191 || !w->verified || len < 12)
		return 0;
	if (is_rtcp(p, len) ? srtcp_decrypt(w->rx, &mb)
			    : srtp_decrypt(w->rx, &mb))
		return 0;
	return mb.end;
}
