/*
 * test_media.c — the RTP relay engine with real UDP sockets on 127.0.0.1:
 * two plain test sockets play the far ends of two bridged endpoints.
 *
 * The test's main thread is the control thread: it runs a libre main loop
 * (run_loop) so that the engine's events are delivered to it, while the
 * engine's two media threads relay on their own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "core/libre.h"
#include "media/media.h"
#include "loop_env.h"

enum { PORT_LO = 41000, PORT_HI = 41099, MAX_EVENTS = 64 };

struct event {
	struct media_endpoint *ep;
	enum media_event ev;
	char digit;
};

static struct event events[MAX_EVENTS];
static unsigned nevents;
static struct media_engine *engine;

/* The far ends and the two endpoints of one call. */
struct call {
	struct media_endpoint *a, *b;
	int ca, cb;             /* test sockets: a's far end, b's far end */
};

/* ---- helpers ----------------------------------------------------------- */

static void event_handler(struct media_endpoint *ep, enum media_event ev,
			  char digit, void *arg)
{
	(void)arg;
	if (nevents < MAX_EVENTS)
		events[nevents++] = (struct event){ep, ev, digit};
}

static unsigned count_events(struct media_endpoint *ep, enum media_event ev)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nevents; i++)
		n += events[i].ep == ep && events[i].ev == ev;
	return n;
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

static uint16_t socket_port(int fd)
{
	struct sockaddr_in in;
	socklen_t len = sizeof(in);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&in, &len), 0);
	return ntohs(in.sin_port);
}

static struct media_format format(const char *name, uint8_t pt, int dtmf_pt)
{
	struct media_format f = {.pt = pt, .rate = 8000, .channels = 1,
				 .ptime = 20, .dtmf_pt = dtmf_pt};

	snprintf(f.name, sizeof(f.name), "%s", name);
	return f;
}

static void set_remote(struct media_endpoint *ep, uint16_t port,
		       const struct media_format *fmt)
{
	struct sa sa;

	assert_int_equal(sa_set_str(&sa, "127.0.0.1", port), 0);
	assert_int_equal(media_endpoint_set_remote(ep, &sa, fmt), 0);
}

static void wait_relaying(struct media_endpoint *a, struct media_endpoint *b)
{
	for (int i = 0; i < 500; i++) {
		if (media_endpoint_relaying(a) && media_endpoint_relaying(b))
			return;
		run_loop(10);
	}
	fail_msg("the bridge never took effect");
}

/* Two endpoints on different threads (round robin), bridged: b moves. */
static void call_setup(struct call *c, const struct media_format *fa,
		       const struct media_format *fb)
{
	c->ca = test_socket();
	c->cb = test_socket();
	assert_int_equal(media_endpoint_alloc(&c->a, engine, NULL,
					      event_handler, NULL), 0);
	assert_int_equal(media_endpoint_alloc(&c->b, engine, NULL,
					      event_handler, NULL), 0);
	assert_int_not_equal(media_endpoint_port(c->a),
			     media_endpoint_port(c->b));
	assert_int_equal(media_endpoint_port(c->a) % 2, 0);
	set_remote(c->a, socket_port(c->ca), fa);
	set_remote(c->b, socket_port(c->cb), fb);
	assert_int_equal(media_bridge(c->a, c->b), 0);
	wait_relaying(c->a, c->b);
}

static void call_free(struct call *c)
{
	media_endpoint_free(c->a);
	media_endpoint_free(c->b);
	close(c->ca);
	close(c->cb);
}

static size_t rtp_packet(uint8_t *p, uint8_t pt, uint16_t seq, uint32_t ts,
			 const uint8_t *payload, size_t n)
{
	p[0] = 0x80;
	p[1] = pt;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	memcpy(p + 8, "\x12\x34\x56\x78", 4);
	memcpy(p + 12, payload, n);
	return 12 + n;
}

static void send_to_port(int fd, uint16_t port, const uint8_t *p, size_t n)
{
	struct sockaddr_in in = {.sin_family = AF_INET,
				 .sin_port = htons(port)};

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(sendto(fd, p, n, 0, (struct sockaddr *)&in,
				sizeof(in)), (ssize_t)n);
}

/* Sends one RTP packet of 160 bytes from fd to ep. */
static size_t send_rtp(int fd, struct media_endpoint *ep, uint8_t pt,
		       uint16_t seq, uint8_t fill, uint8_t *sent)
{
	uint8_t payload[160];
	size_t n;

	memset(payload, fill, sizeof(payload));
	n = rtp_packet(sent, pt, seq, seq * 160u, payload, sizeof(payload));
	send_to_port(fd, media_endpoint_port(ep), sent, n);
	return n;
}

/* A packet within ms, or -1. */
static ssize_t recv_within(int fd, uint8_t *buf, size_t size, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return recv(fd, buf, size, 0);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static void wait_released(void)
{
	for (int i = 0; i < 200 && media_engine_endpoints(engine); i++)
		run_loop(10);
	assert_int_equal(media_engine_endpoints(engine), 0);
}

/* ---- fixtures ---------------------------------------------------------- */

static int setup(void **state)
{
	struct media_config cfg = {.bind_ip = "127.0.0.1", .port_lo = PORT_LO,
				   .port_hi = PORT_HI, .threads = 2,
				   .timeout_s = 1};

	(void)state;
	nevents = 0;
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

/* ---- tests ------------------------------------------------------------- */

static void test_passthrough(void **state)
{
	struct media_format pcmu = format("PCMU", 0, -1);
	uint8_t sent[200], got[1500];
	struct call c;

	(void)state;
	call_setup(&c, &pcmu, &pcmu);
	assert_int_equal(media_engine_threads(engine), 2);
	for (uint16_t seq = 1; seq <= 5; seq++) {
		size_t n = send_rtp(c.ca, c.a, 0, seq, (uint8_t)seq, sent);

		assert_int_equal(recv_within(c.cb, got, sizeof(got), 1000), n);
		assert_memory_equal(got, sent, n);
		n = send_rtp(c.cb, c.b, 0, seq, 0x55, sent);
		assert_int_equal(recv_within(c.ca, got, sizeof(got), 1000), n);
		assert_memory_equal(got, sent, n);
	}
	run_loop(50);
	assert_int_equal(count_events(c.a, MEDIA_FIRST_PACKET), 1);
	assert_int_equal(count_events(c.b, MEDIA_FIRST_PACKET), 1);
	call_free(&c);
}

static void test_transcode(void **state)
{
	struct media_format pcmu = format("PCMU", 0, -1);
	struct media_format pcma = format("PCMA", 8, -1);
	/* µ-law -> A-law: +0, -0, +32124, -32124 (ITU-T G.711 codes) */
	static const uint8_t u[] = {0xff, 0x7f, 0x80, 0x00};
	static const uint8_t a[] = {0xd5, 0x55, 0xaa, 0x2a};
	/* A-law -> µ-law: A-law has no zero, +-8 is µ-law 0xfe/0x7e */
	static const uint8_t u_back[] = {0xfe, 0x7e, 0x80, 0x00};
	uint8_t sent[200], got[1500];
	struct call c;
	size_t n;

	(void)state;
	call_setup(&c, &pcmu, &pcma);
	n = rtp_packet(sent, 0, 7, 1120, u, sizeof(u));
	send_to_port(c.ca, media_endpoint_port(c.a), sent, n);
	assert_int_equal(recv_within(c.cb, got, sizeof(got), 1000), n);
	assert_int_equal(got[1] & 0x7f, 8);
	assert_memory_equal(got + 2, sent + 2, 10);     /* seq, ts, ssrc */
	assert_memory_equal(got + 12, a, 4);
	/* and back: A-law -> µ-law */
	n = rtp_packet(sent, 8, 9, 1440, a, 4);
	send_to_port(c.cb, media_endpoint_port(c.b), sent, n);
	assert_int_equal(recv_within(c.ca, got, sizeof(got), 1000), n);
	assert_int_equal(got[1] & 0x7f, 0);
	assert_memory_equal(got + 12, u_back, 4);
	call_free(&c);
}

static void test_latching(void **state)
{
	struct media_format pcmu = format("PCMU", 0, -1);
	uint8_t sent[200], got[1500];
	int decoy = test_socket(), nat = test_socket();
	struct call c;
	size_t n;

	(void)state;
	call_setup(&c, &pcmu, &pcmu);
	/* The SDP says decoy; the far end really sends from nat. */
	set_remote(c.a, socket_port(decoy), &pcmu);
	run_loop(100);
	n = send_rtp(c.cb, c.b, 0, 1, 1, sent);
	assert_int_equal(recv_within(decoy, got, sizeof(got), 1000), n);
	send_rtp(nat, c.a, 0, 1, 2, sent);
	assert_true(recv_within(c.cb, got, sizeof(got), 1000) > 0);
	n = send_rtp(c.cb, c.b, 0, 2, 3, sent);
	assert_int_equal(recv_within(nat, got, sizeof(got), 1000), n);
	assert_memory_equal(got, sent, n);
	assert_int_equal(recv_within(decoy, got, sizeof(got), 100), -1);
	close(decoy);
	close(nat);
	call_free(&c);
}

static void test_mute(void **state)
{
	struct media_format pcmu = format("PCMU", 0, -1);
	uint8_t sent[200], got[1500];
	struct media_stats st;
	struct call c;
	size_t n;

	(void)state;
	call_setup(&c, &pcmu, &pcmu);
	media_endpoint_mute(c.b, true);
	run_loop(100);
	send_rtp(c.ca, c.a, 0, 1, 1, sent);
	send_rtp(c.cb, c.b, 0, 1, 1, sent);
	assert_int_equal(recv_within(c.cb, got, sizeof(got), 200), -1);
	assert_int_equal(recv_within(c.ca, got, sizeof(got), 50), -1);
	media_endpoint_stats(c.a, &st);
	assert_int_equal(st.rx_packets, 1);
	media_endpoint_stats(c.b, &st);
	assert_int_equal(st.rx_packets, 1);
	assert_int_equal(st.tx_packets, 0);
	media_endpoint_mute(c.b, false);
	run_loop(100);
	n = send_rtp(c.ca, c.a, 0, 2, 2, sent);
	assert_int_equal(recv_within(c.cb, got, sizeof(got), 1000), n);
	call_free(&c);
}

static void test_stats(void **state)
{
	struct media_format pcmu = format("PCMU", 0, -1);
	static const uint16_t seqs[] = {1, 2, 3, 5, 6, 7};
	static const unsigned gaps[] = {0, 35, 5, 60, 10, 20};
	uint8_t sent[200], got[1500];
	struct media_stats st;
	struct call c;
	size_t n = 0;

	(void)state;
	call_setup(&c, &pcmu, &pcmu);
	for (size_t i = 0; i < 6; i++) {
		sleep_ms(gaps[i]);
		n = send_rtp(c.ca, c.a, 0, seqs[i], 0, sent);
		assert_int_equal(recv_within(c.cb, got, sizeof(got), 1000), n);
	}
	media_endpoint_stats(c.a, &st);
	assert_int_equal(st.rx_packets, 6);
	assert_int_equal(st.rx_bytes, 6 * n);
	assert_int_equal(st.lost, 1);
	assert_true(st.jitter_ms > 0.5);
	assert_true(st.last_rx_ms > 0);
	media_endpoint_stats(c.b, &st);
	assert_int_equal(st.tx_packets, 6);
	assert_int_equal(st.tx_bytes, 6 * n);
	assert_int_equal(st.rx_packets, 0);
	assert_int_equal(st.last_rx_ms, 0);
	call_free(&c);
}

static void send_dtmf(int fd, struct media_endpoint *ep, uint16_t *seq,
		      uint32_t ts, uint8_t event, int cb)
{
	uint8_t p[64], got[1500], payload[4] = {event, 10, 0, 0};

	for (int i = 0; i < 6; i++) {
		uint16_t dur = (uint16_t)(160 * (i + 1));
		size_t n;

		payload[1] = i >= 3 ? 0x80 | 10 : 10;   /* 3 end packets */
		payload[2] = (uint8_t)(dur >> 8);
		payload[3] = (uint8_t)dur;
		n = rtp_packet(p, i ? 101 : 0x80 | 101, (*seq)++, ts,
			       payload, sizeof(payload));
		send_to_port(fd, media_endpoint_port(ep), p, n);
		assert_int_equal(recv_within(cb, got, sizeof(got), 1000), n);
		assert_int_equal(got[1] & 0x7f, 96);
		assert_memory_equal(got + 12, payload, 4);
	}
}

static void test_dtmf(void **state)
{
	struct media_format fa = format("PCMU", 0, 101);
	struct media_format fb = format("PCMU", 0, 96);
	struct media_format fnone = format("PCMU", 0, -1);
	uint8_t p[64], got[1500], payload[4] = {1, 0x8a, 0, 160};
	uint16_t seq = 100;
	struct call c;
	char digits[4] = "";
	unsigned nd = 0;

	(void)state;
	call_setup(&c, &fa, &fb);
	send_dtmf(c.ca, c.a, &seq, 16000, 5, c.cb);
	send_dtmf(c.ca, c.a, &seq, 17600, 11, c.cb);
	run_loop(50);
	for (unsigned i = 0; i < nevents; i++)
		if (events[i].ep == c.a && events[i].ev == MEDIA_DTMF &&
		    nd < 3)
			digits[nd++] = events[i].digit;
	assert_string_equal(digits, "5#");
	/* A peer without telephone-event gets none, the digit still counts */
	set_remote(c.b, socket_port(c.cb), &fnone);
	run_loop(100);
	send_to_port(c.ca, media_endpoint_port(c.a), p,
		     rtp_packet(p, 101, seq++, 19200, payload, 4));
	assert_int_equal(recv_within(c.cb, got, sizeof(got), 200), -1);
	run_loop(100);
	assert_int_equal(count_events(c.a, MEDIA_DTMF), 3);
	call_free(&c);
}

static void test_timeout(void **state)
{
	struct media_format pcmu = format("PCMU", 0, -1);
	struct media_endpoint *ep, *idle;

	(void)state;
	assert_int_equal(media_endpoint_alloc(&ep, engine, NULL,
					      event_handler, NULL), 0);
	assert_int_equal(media_endpoint_alloc(&idle, engine, ep,
					      event_handler, NULL), 0);
	set_remote(ep, 9, &pcmu);
	run_loop(700);
	assert_int_equal(count_events(ep, MEDIA_TIMEOUT), 0);
	run_loop(900);
	assert_int_equal(count_events(ep, MEDIA_TIMEOUT), 1);
	run_loop(600);
	assert_int_equal(count_events(ep, MEDIA_TIMEOUT), 1);
	/* no remote: no timeout */
	assert_int_equal(count_events(idle, MEDIA_TIMEOUT), 0);
	media_endpoint_free(ep);
	media_endpoint_free(idle);
}

static unsigned alloc_all(struct media_endpoint **eps, unsigned max, int *err)
{
	unsigned n = 0;

	while (n < max) {
		*err = media_endpoint_alloc(&eps[n], engine, NULL, NULL, NULL);
		if (*err)
			break;
		n++;
	}
	return n;
}

static void test_pool(void **state)
{
	enum { SLOTS = (PORT_HI - PORT_LO + 1) / 2 };
	struct media_endpoint *eps[SLOTS + 1];
	unsigned n, again;
	int err;

	(void)state;
	n = alloc_all(eps, SLOTS + 1, &err);
	assert_true(n > SLOTS - 5 && n <= SLOTS);  /* others may hold a few */
	assert_true(err == ENOSPC || err == EADDRINUSE);
	assert_int_equal(media_engine_endpoints(engine), n);
	for (unsigned i = 0; i < n; i++)
		media_endpoint_free(eps[i]);
	wait_released();
	again = alloc_all(eps, SLOTS + 1, &err);
	assert_int_equal(again, n);
	assert_true(err == ENOSPC || err == EADDRINUSE);
	for (unsigned i = 0; i < again; i++)
		media_endpoint_free(eps[i]);
}

/* Freeing while moving, rebridging, and stopping with endpoints alive. */
static void test_lifetimes(void **state)
{
	struct media_format pcmu = format("PCMU", 0, -1);
	struct media_endpoint *a, *b, *c, *left;
	uint8_t sent[200], got[1500];
	int fa = test_socket(), fc = test_socket();
	size_t n;

	(void)state;
	assert_int_equal(media_endpoint_alloc(&a, engine, NULL, NULL, NULL), 0);
	assert_int_equal(media_endpoint_alloc(&b, engine, NULL, NULL, NULL), 0);
	assert_int_equal(media_endpoint_alloc(&c, engine, a, NULL, NULL), 0);
	set_remote(a, socket_port(fa), &pcmu);
	set_remote(b, 9, &pcmu);
	set_remote(c, socket_port(fc), &pcmu);
	assert_int_equal(media_bridge(a, b), 0);
	media_endpoint_free(b);                 /* while b moves */
	assert_int_equal(media_bridge(a, c), 0);
	wait_relaying(a, c);
	n = send_rtp(fa, a, 0, 1, 9, sent);
	assert_int_equal(recv_within(fc, got, sizeof(got), 1000), n);
	media_unbridge(c);
	for (int i = 0; i < 100 && media_endpoint_relaying(a); i++)
		run_loop(10);
	assert_false(media_endpoint_relaying(a));
	send_rtp(fa, a, 0, 2, 9, sent);
	assert_int_equal(recv_within(fc, got, sizeof(got), 100), -1);
	assert_int_equal(media_endpoint_alloc(&left, engine, NULL, NULL,
					      NULL), 0);
	media_endpoint_free(a);
	media_endpoint_free(c);
	close(fa);
	close(fc);
	/* left is released by media_engine_stop (ASan checks for leaks) */
	media_engine_stop(engine);
	engine = NULL;
	assert_int_equal(setup(state), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_passthrough, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_transcode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_latching, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dtmf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifetimes, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
