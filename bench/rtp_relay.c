/*
 * rtp_relay.c — load generator for the media engine, run in-process: N
 * bridged calls, each far end sending 20 ms G.711 packets (50 pps per
 * direction) from its own UDP socket, for a few seconds. Prints the packets
 * relayed per second, the loss, and the CPU the media threads used.
 *
 *   rtp_relay [calls=1000] [seconds=10] [media_threads=1] [transcode=0]
 *             [mode=relay|record|play]
 *
 * record: every call is also recorded, dual-channel WAV (8 kHz) written by
 * the recorder's writer thread under build/bench/rec (its CPU and the
 * bytes per call-minute are printed). play: instead of relaying, every
 * call's first endpoint plays a looping tone (a prompt) to its far end.
 *
 * The main thread is the control thread (libre loop, engine events); one
 * generator thread sends and receives for every far end, spreading each
 * 20 ms round over 1 ms slices.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include "core/libre.h"
#include "media/media.h"
#include "media/recorder.h"

enum { PORT_LO = 20000, PKT = 172, SLICES = 20 };

struct call {
	struct media_endpoint *a, *b;
	struct recorder *rec;
	int fa, fb;                     /* far ends of a and b */
	struct sockaddr_in to_a, to_b;  /* the endpoints' ports */
	uint16_t seq;
};

static struct call *calls;
static unsigned ncalls, seconds;
static atomic_bool done;
static uint64_t sent, received;
static double gen_cpu_s;

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int far_end(uint16_t *port)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	socklen_t len = sizeof(in);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&in, sizeof(in)) ||
	    getsockname(fd, (struct sockaddr *)&in, &len)) {
		perror("far end socket");
		exit(1);
	}
	*port = ntohs(in.sin_port);
	return fd;
}

static void send_one(int fd, const struct sockaddr_in *to, uint8_t pt,
		     uint16_t seq)
{
	uint8_t p[PKT];
	uint32_t ts = seq * 160u;

	memset(p, pt ? 0xd5 : 0xff, sizeof(p));
	p[0] = 0x80;
	p[1] = pt;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	memcpy(p + 8, &fd, 4);
	if (sendto(fd, p, sizeof(p), 0, (const struct sockaddr *)to,
		   sizeof(*to)) == sizeof(p))
		sent++;
}

static void drain(int ep, int wait_ms)
{
	struct epoll_event ev[256];
	uint8_t buf[2048];
	int n = epoll_wait(ep, ev, 256, wait_ms);

	for (int i = 0; i < n; i++)
		while (recv(ev[i].data.fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			received++;
}

static void *generator(void *arg)
{
	int ep = epoll_create1(0);
	int64_t start = now_ns(CLOCK_MONOTONIC), next = start;
	int64_t end = start + (int64_t)seconds * 1000000000;
	int64_t cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	unsigned slice = 0;
	uint8_t pt_b = arg ? 8 : 0;

	for (unsigned i = 0; i < ncalls; i++) {
		struct epoll_event e = {.events = EPOLLIN};

		e.data.fd = calls[i].fa;
		epoll_ctl(ep, EPOLL_CTL_ADD, calls[i].fa, &e);
		e.data.fd = calls[i].fb;
		epoll_ctl(ep, EPOLL_CTL_ADD, calls[i].fb, &e);
	}
	while (next < end) {
		for (unsigned i = slice; i < ncalls; i += SLICES) {
			struct call *c = &calls[i];

			send_one(c->fa, &c->to_a, 0, c->seq);
			send_one(c->fb, &c->to_b, pt_b, c->seq);
			c->seq++;
		}
		slice = (slice + 1) % SLICES;
		next += 1000000;
		for (int64_t t = now_ns(CLOCK_MONOTONIC); t < next;
		     t = now_ns(CLOCK_MONOTONIC))
			drain(ep, (int)((next - t + 999999) / 1000000));
	}
	for (int i = 0; i < 20; i++)
		drain(ep, 10);
	gen_cpu_s = (now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0) / 1e9;
	close(ep);
	atomic_store(&done, true);
	return NULL;
}

static struct media_engine *engine;

/* Until the generator is done, then until every endpoint is released. */
static void poll_done(void *arg)
{
	struct tmr *t = arg;

	if (engine ? !media_engine_endpoints(engine) : atomic_load(&done))
		re_cancel();
	else
		tmr_start(t, 50, poll_done, t);
}

static void run_loop_until_done(void)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, 50, poll_done, &t);
	re_main(NULL);
	tmr_cancel(&t);
}

static void set_remote(struct media_endpoint *ep, uint16_t port,
		       const char *name, uint8_t pt)
{
	struct media_format f = {.pt = pt, .rate = 8000, .channels = 1,
				 .ptime = 20, .dtmf_pt = 101};
	struct sa sa;

	snprintf(f.name, sizeof(f.name), "%s", name);
	sa_set_str(&sa, "127.0.0.1", port);
	if (media_endpoint_set_remote(ep, &sa, &f)) {
		fprintf(stderr, "set_remote failed\n");
		exit(1);
	}
}

static void setup_calls(struct media_engine *me, bool transcode)
{
	for (unsigned i = 0; i < ncalls; i++) {
		struct call *c = &calls[i];
		uint16_t pa, pb;
		int err;

		c->fa = far_end(&pa);
		c->fb = far_end(&pb);
		err = media_endpoint_alloc(&c->a, me, NULL, NULL, NULL);
		if (!err)
			err = media_endpoint_alloc(&c->b, me, c->a, NULL, NULL);
		if (err) {
			fprintf(stderr, "alloc: %s\n", strerror(err));
			exit(1);
		}
		set_remote(c->a, pa, "PCMU", 0);
		set_remote(c->b, pb, transcode ? "PCMA" : "PCMU",
			   transcode ? 8 : 0);
		media_bridge(c->a, c->b);
		c->to_a = (struct sockaddr_in){.sin_family = AF_INET,
			.sin_port = htons(media_endpoint_port(c->a)),
			.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		c->to_b = c->to_a;
		c->to_b.sin_port = htons(media_endpoint_port(c->b));
	}
}

enum mode { RELAY, RECORD, PLAY };

static struct rec_writer *writer;
static unsigned recs_open;

static void rec_done(int err, const struct recording_info *info, void *arg)
{
	uint64_t *bytes = arg;

	if (!err)
		*bytes += info->bytes;
	recs_open--;
}

static void start_recordings(void)
{
	if (recorder_writer_start(&writer, "build/bench/rec")) {
		fprintf(stderr, "recorder writer failed\n");
		exit(1);
	}
	for (unsigned i = 0; i < ncalls; i++) {
		char path[64];

		snprintf(path, sizeof(path), "%u.wav", i);
		if (recorder_open(&calls[i].rec, writer, &(struct recorder_cfg){
				.path = path, .format = REC_WAV,
				.mode = REC_STEREO, .rate = 8000}) ||
		    media_record(calls[i].a, calls[i].rec)) {
			fprintf(stderr, "recording %u failed\n", i);
			exit(1);
		}
	}
}

static void start_plays(void)
{
	struct media_sound *tone = NULL;

	if (media_sound_tone(&tone, "CN", "ringback")) {
		fprintf(stderr, "no tone\n");
		exit(1);
	}
	for (unsigned i = 0; i < ncalls; i++)
		media_play(calls[i].a, &(struct media_play){.sound = tone});
	media_sound_unref(tone);
}

static enum mode mode_of(const char *s)
{
	if (!s || !strcmp(s, "relay"))
		return RELAY;
	return !strcmp(s, "record") ? RECORD : PLAY;
}

static void stop_loop(void *arg)
{
	(void)arg;
	re_cancel();
}

static long rss_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

static double rusage_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	struct media_engine *me;
	struct media_config cfg = {.bind_ip = "127.0.0.1", .port_lo = PORT_LO,
				   .timeout_s = 0};
	bool transcode;
	enum mode mode;
	uint64_t rec_bytes = 0;
	double proc0, proc1;
	pthread_t gen;
	int64_t t0, t1;
	uint64_t cpu0, cpu1;
	double wall;

	ncalls = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
	seconds = argc > 2 ? (unsigned)atoi(argv[2]) : 10;
	cfg.threads = argc > 3 ? (unsigned)atoi(argv[3]) : 1;
	transcode = argc > 4 && atoi(argv[4]);
	mode = mode_of(argc > 5 ? argv[5] : NULL);
	cfg.port_hi = (uint16_t)(PORT_LO + 4 * ncalls + 99);
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	calls = calloc(ncalls, sizeof(*calls));
	if (!calls || libre_init() || fd_setsize(65536) ||
	    media_engine_start(&me, &cfg)) {
		fprintf(stderr, "rtp_relay: start failed\n");
		return 1;
	}
	setup_calls(me, transcode);
	if (mode == RECORD)
		start_recordings();
	if (mode == PLAY)
		start_plays();
	t0 = now_ns(CLOCK_MONOTONIC);
	cpu0 = media_engine_cpu_ns(me);
	proc0 = rusage_cpu_s();
	pthread_create(&gen, NULL, generator, transcode ? &cfg : NULL);
	run_loop_until_done();
	pthread_join(gen, NULL);
	cpu1 = media_engine_cpu_ns(me);
	proc1 = rusage_cpu_s();
	t1 = now_ns(CLOCK_MONOTONIC);
	wall = (t1 - t0) / 1e9;
	printf("%u %s calls (%s, %u media thread%s, %.1f s): "
	       "media CPU %.1f%% of one core, %.0f pps %s, loss %.3f%% "
	       "(generator CPU %.1f%%)\n",
	       ncalls, mode == RECORD ? "recorded" : mode == PLAY ? "playing"
							    : "bridged",
	       transcode ? "PCMU<->PCMA" : "PCMU pass-through",
	       cfg.threads, cfg.threads == 1 ? "" : "s", wall,
	       100.0 * (cpu1 - cpu0) / 1e9 / wall, received / wall,
	       mode == PLAY ? "received by the far ends" : "relayed",
	       sent && mode != PLAY ? 100.0 * (double)(sent - received) / sent
				    : 0.0,
	       100.0 * gen_cpu_s / wall);
	if (mode != RELAY)
		printf("  whole process (media, writer, control; without the "
		       "generator): %.1f%% of one core, RSS %ld MiB\n",
		       100.0 * (proc1 - proc0 - gen_cpu_s) / wall, rss_mib());
	for (unsigned i = 0; i < ncalls; i++) {
		media_endpoint_free(calls[i].a);
		media_endpoint_free(calls[i].b);
		close(calls[i].fa);
		close(calls[i].fb);
	}
	for (unsigned i = 0; mode == RECORD && i < ncalls; i++) {
		recs_open++;
		recorder_close(calls[i].rec, rec_done, &rec_bytes);
	}
	engine = me;
	run_loop_until_done();
	while (recs_open) {             /* the files become final */
		struct tmr t;

		tmr_init(&t);
		tmr_start(&t, 200, stop_loop, NULL);
		re_main(NULL);
	}
	if (mode == RECORD) {
		recorder_writer_stop(writer);
		printf("  recordings: %.0f KiB per call-minute on disk "
		       "(dual-channel WAV, 8 kHz)\n",
		       rec_bytes / 1024.0 / ncalls / (wall / 60));
	}
	media_engine_stop(me);
	free(calls);
	libre_close();
	return 0;
}
