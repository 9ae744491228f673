/*
 * test_webrtc.c — a WebRTC endpoint (src/media/webrtc.c) on real UDP
 * sockets: it answers ICE connectivity checks that carry our ufrag and
 * password (and only those) with a response whose MESSAGE-INTEGRITY and
 * FINGERPRINT check, and survives garbage of every packet class (STUN,
 * DTLS, SRTP, other) from the address ICE chose and from others; and,
 * with the test as the browser (OpenSSL on memory BIOs, libre's SRTP),
 * DTLS in either role, SRTP both ways through a bridge to a plain RTP
 * endpoint, and a certificate that is not the one the SDP named.
 * The same with a real browser: tests/browser/webrtc.test.cjs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/libre.h"
#include "core/selfsigned.h"
#include "media/media.h"
#include "loop_env.h"

enum { PORT_LO = 41400, PORT_HI = 41459 };

static struct media_engine *engine;
static unsigned security_failures;

static void event_handler(struct media_endpoint *ep, enum media_event ev,
			  char digit, void *arg)
{
	(void)ep;
	(void)digit;
	(void)arg;
	if (ev == MEDIA_SECURITY_FAILED)
		security_failures++;
}

static int test_socket(void)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	return fd;
}

static void local_sa(int fd, struct sa *sa)
{
	sa_init(sa, AF_INET);
	sa->len = sizeof(sa->u.in);
	assert_int_equal(getsockname(fd, &sa->u.sa, &sa->len), 0);
}

static void send_to_ep(int fd, const struct media_endpoint *ep,
		       const uint8_t *p, size_t len)
{
	struct sockaddr_in to = {.sin_family = AF_INET};

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(media_endpoint_port(ep));
	assert_true(sendto(fd, p, len, 0, (struct sockaddr *)&to,
			   sizeof(to)) == (ssize_t)len);
}

static ssize_t recv_within(int fd, uint8_t *buf, size_t size, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return recv(fd, buf, size, 0);
}

/* A Binding request as a browser sends it (controlling, USE-CANDIDATE). */
static struct mbuf *binding_request(const char *user, const char *pwd,
				    const uint8_t *tid)
{
	struct mbuf *mb = mbuf_alloc(256);
	uint64_t tiebrk = 42;
	uint32_t prio = 1845501695;

	assert_non_null(mb);
	assert_int_equal(stun_msg_encode(mb, STUN_METHOD_BINDING,
					 STUN_CLASS_REQUEST, tid, NULL,
					 (const uint8_t *)pwd, strlen(pwd),
					 true, 0x00, 4,
					 STUN_ATTR_USERNAME, user,
					 STUN_ATTR_PRIORITY, &prio,
					 STUN_ATTR_CONTROLLING, &tiebrk,
					 STUN_ATTR_USE_CAND, NULL), 0);
	return mb;
}

/* Sends a check, answers the length of the response (-1: none). */
static ssize_t check(int fd, const struct media_endpoint *ep,
		     const char *user, const char *pwd, uint8_t *resp,
		     size_t size, int ms)
{
	static const uint8_t tid[12] = "hotlinetest1";
	struct mbuf *req = binding_request(user, pwd, tid);
	ssize_t n;

	send_to_ep(fd, ep, req->buf, req->end);
	mem_deref(req);
	n = recv_within(fd, resp, size, ms);
	return n;
}

static int setup(void **state)
{
	struct media_config cfg = {.bind_ip = "127.0.0.1", .port_lo = PORT_LO,
				   .port_hi = PORT_HI, .threads = 1};

	(void)state;
	security_failures = 0;
	return media_engine_start(&engine, &cfg);
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 200 && media_engine_endpoints(engine); i++)
		run_loop(10);
	media_engine_stop(engine);
	engine = NULL;
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	return libre_init();
}

static int group_teardown(void **state)
{
	(void)state;
	libre_close();
	return 0;
}

/* A WebRTC endpoint, once its media thread has taken the state. */
static struct media_endpoint *webrtc_endpoint(struct media_webrtc_local *l,
					      int fd)
{
	struct media_endpoint *ep;
	char user[64];
	uint8_t resp[512];

	assert_int_equal(media_endpoint_alloc(&ep, engine, NULL,
					      event_handler, NULL), 0);
	assert_int_equal(media_webrtc_enable(ep, l), 0);
	assert_true(media_endpoint_is_webrtc(ep));
	assert_true(strlen(l->pwd) >= 22);              /* RFC 8445 */
	assert_true(!strncmp(l->fingerprint, "sha-256 ", 8));
	assert_int_equal(strlen(l->fingerprint), 8 + 32 * 3 - 1);
	snprintf(user, sizeof(user), "%s:browser", l->ufrag);
	for (int i = 0; i < 50; i++) {
		if (check(fd, ep, user, l->pwd, resp, sizeof(resp), 20) > 0)
			return ep;
		run_loop(10);
	}
	fail_msg("the endpoint never answered a check");
	return NULL;
}

static void test_ice_lite_answers_checks(void **state)
{
	struct media_webrtc_local l;
	int fd = test_socket();
	struct media_endpoint *ep = webrtc_endpoint(&l, fd);
	struct stun_msg *msg = NULL;
	struct stun_attr *xma;
	struct sa me;
	uint8_t resp[512];
	char user[64];
	struct mbuf mb;
	ssize_t n;

	(void)state;
	snprintf(user, sizeof(user), "%s:browser", l.ufrag);
	n = check(fd, ep, user, l.pwd, resp, sizeof(resp), 1000);
	assert_true(n > 20);
	mb = (struct mbuf){resp, (size_t)n, 0, (size_t)n};
	assert_int_equal(stun_msg_decode(&msg, &mb, NULL), 0);
	assert_int_equal(stun_msg_class(msg), STUN_CLASS_SUCCESS_RESP);
	assert_int_equal(stun_msg_method(msg), STUN_METHOD_BINDING);
	assert_memory_equal(stun_msg_tid(msg), "hotlinetest1", 12);
	assert_int_equal(stun_msg_chk_mi(msg, (const uint8_t *)l.pwd,
					 strlen(l.pwd)), 0);
	assert_int_equal(stun_msg_chk_fingerprint(msg), 0);
	xma = stun_msg_attr(msg, STUN_ATTR_XOR_MAPPED_ADDR);
	assert_non_null(xma);
	local_sa(fd, &me);
	assert_true(sa_cmp(&xma->v.xor_mapped_addr, &me, SA_ALL));
	mem_deref(msg);

	/* not our password, not our ufrag, no integrity: no answer */
	assert_int_equal(check(fd, ep, user, "wrong-password-0123456789",
			       resp, sizeof(resp), 150), -1);
	assert_int_equal(check(fd, ep, "someoneelse:browser", l.pwd, resp,
			       sizeof(resp), 150), -1);
	assert_int_equal(check(fd, ep, user, "", resp, sizeof(resp), 150), -1);
	media_endpoint_free(ep);
	close(fd);
}

static void random_bytes(uint8_t *p, size_t n, unsigned *seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rand_r(seed) >> 7);
}

/* Garbage of each class, from the chosen address and from another; the
   endpoint still answers checks afterwards (and ASan saw no fault). */
static void test_garbage_is_dropped(void **state)
{
	static const uint8_t first[] = {0, 1, 3, 20, 22, 23, 63, 128, 144,
					191, 200, 255};
	struct media_webrtc_local l;
	int fd = test_socket(), other = test_socket();
	struct media_endpoint *ep = webrtc_endpoint(&l, fd);
	unsigned seed = 1234;
	uint8_t pkt[1400], resp[512];
	char user[64];

	(void)state;
	for (unsigned i = 0; i < 3000; i++) {
		size_t len = 1 + (size_t)rand_r(&seed) % sizeof(pkt);

		if (i % 3 == 0)
			len = 1 + (size_t)rand_r(&seed) % 40;
		random_bytes(pkt, len, &seed);
		pkt[0] = first[i % sizeof(first)];
		if (pkt[0] <= 3 && len >= 20) {         /* STUN-shaped */
			pkt[4] = 0x21; pkt[5] = 0x12;
			pkt[6] = 0xa4; pkt[7] = 0x42;
		}
		if (pkt[0] == 22 && len >= 13) {        /* a DTLS handshake */
			pkt[1] = 0xfe; pkt[2] = 0xfd;
		}
		send_to_ep(i % 4 ? fd : other, ep, pkt, len);
		if (i % 200 == 0)
			run_loop(5);
	}
	run_loop(200);
	while (recv_within(fd, resp, sizeof(resp), 0) >= 0)
		;       /* DTLS alerts, if any */
	snprintf(user, sizeof(user), "%s:browser", l.ufrag);
	assert_true(check(fd, ep, user, l.pwd, resp, sizeof(resp), 1000) > 0);
	media_endpoint_free(ep);
	close(fd);
	close(other);
}

/* ---- the test as a browser: DTLS and SRTP --------------------------- */

struct browser {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rb, *wb;
	char fp[MEDIA_FP_SIZE];
	struct srtp *tx, *rx;
};

static int any_cert(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	(void)ctx;
	return 1;
}

static void browser_init(struct browser *b, bool client)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_PKEY *key;
	X509 *x;
	size_t off;

	memset(b, 0, sizeof(*b));
	b->ctx = SSL_CTX_new(DTLS_method());
	assert_non_null(b->ctx);
	assert_int_equal(selfsigned_make(&key, &x), 0);
	assert_int_equal(SSL_CTX_use_certificate(b->ctx, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(b->ctx, key), 1);
	assert_int_equal(SSL_CTX_set_tlsext_use_srtp(b->ctx,
						     "SRTP_AES128_CM_SHA1_80"),
			 0);
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
	off = (size_t)snprintf(b->fp, sizeof(b->fp), "sha-256 ");
	for (unsigned i = 0; i < n; i++)
		off += (size_t)snprintf(b->fp + off, sizeof(b->fp) - off,
					"%s%02X", i ? ":" : "", md[i]);
	X509_free(x);
	EVP_PKEY_free(key);
	b->ssl = SSL_new(b->ctx);
	b->rb = BIO_new(BIO_s_mem());
	b->wb = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(b->rb, -1);
	SSL_set_bio(b->ssl, b->rb, b->wb);
	SSL_set_verify(b->ssl, SSL_VERIFY_PEER, any_cert);
	if (client)
		SSL_set_connect_state(b->ssl);
	else
		SSL_set_accept_state(b->ssl);
}

static void browser_free(struct browser *b)
{
	SSL_free(b->ssl);
	SSL_CTX_free(b->ctx);
	mem_deref(b->tx);
	mem_deref(b->rx);
}

/* Runs the handshake over fd with the endpoint; true when it ended. */
static bool browser_handshake(struct browser *b, int fd,
			      const struct media_endpoint *ep)
{
	uint8_t buf[4096];

	for (int i = 0; i < 300; i++) {
		int r = SSL_do_handshake(b->ssl), n;
		ssize_t got;

		while ((n = BIO_read(b->wb, buf, sizeof(buf))) > 0)
			send_to_ep(fd, ep, buf, (size_t)n);
		if (r == 1)
			return true;
		got = recv_within(fd, buf, sizeof(buf), 20);
		if (got > 0 && buf[0] >= 20 && buf[0] <= 63)
			BIO_write(b->rb, buf, (int)got);
		else
			run_loop(5);
	}
	return false;
}

static void browser_keys(struct browser *b)
{
	uint8_t km[60], tx[30], rx[30];
	bool client = !SSL_is_server(b->ssl);

	assert_int_equal(SSL_export_keying_material(b->ssl, km, sizeof(km),
						    "EXTRACTOR-dtls_srtp",
						    19, NULL, 0, 0), 1);
	/* client key, server key, client salt, server salt */
	memcpy(tx, km + (client ? 0 : 16), 16);
	memcpy(tx + 16, km + 32 + (client ? 0 : 14), 14);
	memcpy(rx, km + (client ? 16 : 0), 16);
	memcpy(rx + 16, km + 32 + (client ? 14 : 0), 14);
	assert_int_equal(srtp_alloc(&b->tx, SRTP_AES_CM_128_HMAC_SHA1_80, tx,
				    sizeof(tx), 0), 0);
	assert_int_equal(srtp_alloc(&b->rx, SRTP_AES_CM_128_HMAC_SHA1_80, rx,
				    sizeof(rx), 0), 0);
}

static size_t rtp_packet(uint8_t *p, uint16_t seq, uint8_t fill)
{
	p[0] = 0x80;
	p[1] = 0;               /* PCMU */
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	memset(p + 4, 0, 4);
	p[4] = (uint8_t)(seq >> 8);
	p[5] = (uint8_t)seq;
	memcpy(p + 8, "\x12\x34\x56\x78", 4);
	memset(p + 12, fill, 160);
	return 172;
}

struct bridge {
	struct media_endpoint *ep, *plain;
	int fd, fb;             /* the browser's socket, the plain far end's */
	struct media_webrtc_local l;
};

static void bridge_setup(struct bridge *br)
{
	struct media_format pcmu = {.pt = 0, .name = "PCMU", .rate = 8000,
				    .channels = 1, .ptime = 20, .dtmf_pt = -1};
	struct sa far;

	br->fd = test_socket();
	br->fb = test_socket();
	br->ep = webrtc_endpoint(&br->l, br->fd);
	assert_int_equal(media_endpoint_alloc(&br->plain, engine, NULL, NULL,
					      NULL), 0);
	local_sa(br->fb, &far);
	assert_int_equal(media_endpoint_set_remote(br->plain, &far, &pcmu), 0);
	assert_int_equal(media_endpoint_set_remote(br->ep, NULL, &pcmu), 0);
	assert_int_equal(media_bridge(br->ep, br->plain), 0);
	for (int i = 0; i < 100 && !(media_endpoint_relaying(br->ep) &&
				     media_endpoint_relaying(br->plain)); i++)
		run_loop(10);
}

static void bridge_free(struct bridge *br)
{
	media_endpoint_free(br->ep);
	media_endpoint_free(br->plain);
	close(br->fd);
	close(br->fb);
}

/* SRTP from the browser arrives as plain RTP at the far end; plain RTP
   from the far end arrives as SRTP the browser decrypts. */
static void media_both_ways(struct bridge *br, struct browser *b)
{
	struct sockaddr_in to = {.sin_family = AF_INET};
	uint8_t pkt[256], got[512];
	struct mbuf *mb = mbuf_alloc(512);
	ssize_t n = -1;

	assert_non_null(mb);
	for (uint16_t seq = 1; seq < 60 && n < 0; seq++) {
		mbuf_rewind(mb);
		assert_int_equal(mbuf_write_mem(mb, pkt, rtp_packet(pkt, seq,
								       0x5a)),
				 0);
		mb->pos = 0;
		assert_int_equal(srtp_encrypt(b->tx, mb), 0);
		send_to_ep(br->fd, br->ep, mb->buf, mb->end);
		n = recv_within(br->fb, got, sizeof(got), 20);
	}
	assert_int_equal(n, 172);
	assert_int_equal(got[12], 0x5a);
	assert_int_equal(got[171], 0x5a);

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(media_endpoint_port(br->plain));
	n = -1;
	for (uint16_t seq = 100; seq < 130 && n < 0; seq++) {
		size_t len = rtp_packet(pkt, seq, 0xa5);

		assert_true(sendto(br->fb, pkt, len, 0, (struct sockaddr *)&to,
				   sizeof(to)) == (ssize_t)len);
		n = recv_within(br->fd, got, sizeof(got), 20);
		if (n > 0 && (got[0] < 128 || got[0] > 191))
			n = -1;         /* a DTLS retransmission */
	}
	assert_int_equal(n, 172 + 10);  /* the SRTP tag */
	mbuf_rewind(mb);
	assert_int_equal(mbuf_write_mem(mb, got, (size_t)n), 0);
	mb->pos = 0;
	assert_int_equal(srtp_decrypt(b->rx, mb), 0);
	assert_int_equal(mb->end, 172);
	assert_int_equal(mb->buf[12], 0xa5);
	mem_deref(mb);
}

static void test_dtls_srtp_as_server(void **state)
{
	struct bridge br;
	struct browser b;

	(void)state;
	bridge_setup(&br);
	browser_init(&b, true);         /* the browser is active */
	assert_int_equal(media_webrtc_remote(br.ep, b.fp, false), 0);
	assert_true(browser_handshake(&b, br.fd, br.ep));
	browser_keys(&b);
	media_both_ways(&br, &b);
	assert_int_equal(security_failures, 0);
	browser_free(&b);
	bridge_free(&br);
}

static void test_dtls_srtp_as_client(void **state)
{
	struct bridge br;
	struct browser b;

	(void)state;
	bridge_setup(&br);
	browser_init(&b, false);        /* it answered a=setup:passive */
	assert_int_equal(media_webrtc_remote(br.ep, b.fp, true), 0);
	assert_true(browser_handshake(&b, br.fd, br.ep));
	browser_keys(&b);
	media_both_ways(&br, &b);
	browser_free(&b);
	bridge_free(&br);
}

static void test_fingerprint_mismatch(void **state)
{
	char wrong[MEDIA_FP_SIZE];
	uint8_t pkt[256], got[512];
	struct bridge br;
	struct browser b;
	struct mbuf *mb = mbuf_alloc(512);

	(void)state;
	assert_non_null(mb);
	bridge_setup(&br);
	browser_init(&b, true);
	snprintf(wrong, sizeof(wrong), "%s", b.fp);
	wrong[8] = wrong[8] == 'A' ? 'B' : 'A';
	assert_int_equal(media_webrtc_remote(br.ep, wrong, false), 0);
	assert_true(browser_handshake(&b, br.fd, br.ep));
	for (int i = 0; i < 100 && !security_failures; i++)
		run_loop(10);
	assert_int_equal(security_failures, 1);
	browser_keys(&b);
	assert_int_equal(mbuf_write_mem(mb, pkt, rtp_packet(pkt, 1, 0x5a)), 0);
	mb->pos = 0;
	assert_int_equal(srtp_encrypt(b.tx, mb), 0);
	send_to_ep(br.fd, br.ep, mb->buf, mb->end);
	assert_int_equal(recv_within(br.fb, got, sizeof(got), 200), -1);
	mem_deref(mb);
	browser_free(&b);
	bridge_free(&br);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ice_lite_answers_checks,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_is_dropped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dtls_srtp_as_server,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dtls_srtp_as_client,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint_mismatch,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
