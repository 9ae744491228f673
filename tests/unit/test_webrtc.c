/*
 * test_webrtc.c — a WebRTC endpoint (src/media/webrtc.c) on real UDP
 * sockets: it answers ICE connectivity checks that carry our ufrag and
 * password (and only those) with a response whose MESSAGE-INTEGRITY and
 * FINGERPRINT check, and survives garbage of every packet class (STUN,
 * DTLS, SRTP, other) from the address ICE chose and from others.
 * The DTLS handshake and SRTP with a real browser are in
 * tests/browser/webrtc.test.cjs.
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

#include "core/libre.h"
#include "media/media.h"
#include "loop_env.h"

enum { PORT_LO = 41200, PORT_HI = 41259 };

static struct media_engine *engine;

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

	assert_int_equal(media_endpoint_alloc(&ep, engine, NULL, NULL, NULL),
			 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ice_lite_answers_checks,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_is_dropped,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
