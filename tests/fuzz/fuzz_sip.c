/*
 * fuzz_sip.c — libFuzzer target for the SIP input path of hotlined.
 *
 * Every input is one UDP datagram sent to a real SIP stack, the way the
 * network would deliver it: libre's transport and sip_msg_decode(), its
 * transaction layer, then our listeners in the daemon's order — the
 * registrar (REGISTER), the B2BUA (INVITE, via sipsess) and the stack's
 * fallback (OPTIONS, unknown methods, stray in-dialog requests).
 *
 * Set-up (once, LLVMFuzzerInitialize): a SQLite store in a temporary
 * directory seeded like a first start (demo tenant, SIP domain "demo"),
 * two extensions 1001 and 1002 (password "fuzzpass"), the directory, a
 * media engine on loopback, the registrar, the B2BUA and the fallback.
 *
 * So that the fuzzer can get past digest authentication, the registrar's
 * nonce secret is fixed (all zero bytes) and two placeholders in an input
 * are filled in before it is sent:
 *   $NONCE$   a fresh nonce for realm "demo"
 *   $RESP$    the correct digest response for the Authorization or
 *             Proxy-Authorization header it appears in (password
 *             "fuzzpass", method from the request line)
 * Everything else is sent as the fuzzer made it. Each input comes from a
 * fresh loopback source address (127.1.x.y), so the registrar's failure
 * guard never blocks the fuzzer for the rest of the run.
 *
 * Build: make fuzz (build/fuzz/fuzz_sip). Run: see tests/fuzz/README.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "core/libre.h"
#include "core/log.h"
#include "api/bootstrap.h"
#include "call/b2bua.h"
#include "media/media.h"
#include "sip/directory.h"
#include "sip/registrar.h"
#include "sip/reg_internal.h"
#include "sip/stack.h"
#include "store/store.h"

#define PASSWORD "fuzzpass"
#define REALM    "demo"
#define MAX_MSG  (70 * 1024)

static struct {
	struct store *store;
	struct directory *dir;
	struct sip_stack *ss;
	struct media_engine *media;
	struct registrar *reg;
	struct b2bua *b2bua;
	struct sa target;
	uint32_t n;
	int step_err;
	bool step_done;
	bool verbose;
	char tmpdir[64];
} F;

static void die(const char *what, int err)
{
	fprintf(stderr, "fuzz_sip: %s: %s\n", what, strerror(err));
	exit(1);
}

static void stop_loop(void *arg)
{
	(void)arg;
	re_cancel();
}

/* Runs the libre loop for about `ms` milliseconds (0: one pass). */
static void pump(unsigned ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, stop_loop, NULL);
	re_main(NULL);
	tmr_cancel(&t);
}

static void step_done(int err, void *arg)
{
	(void)arg;
	F.step_err = err;
	F.step_done = true;
	re_cancel();
}

static void wait_step(const char *what)
{
	for (int i = 0; i < 200 && !F.step_done; i++)
		pump(50);
	if (!F.step_done)
		die(what, ETIMEDOUT);
	if (F.step_err)
		die(what, F.step_err);
	F.step_done = false;
}

static int add_extensions(struct db *db, void *arg)
{
	static const char *const nums[] = {"1001", "1002"};

	(void)arg;
	for (int i = 0; i < 2; i++) {
		char id[32];
		int err;

		snprintf(id, sizeof(id), "fuzz-ext-%s", nums[i]);
		err = db_exec(db, "INSERT INTO extensions (id, tenant_id, "
			      "number, password, created_at, updated_at) "
			      "SELECT ?, id, ?, ?, 0, 0 FROM tenants "
			      "WHERE code = 'demo'",
			      json_pack("[sss]", id, nums[i], PASSWORD));
		if (err && err != EEXIST)
			return err;
	}
	return 0;
}

static void cleanup_tmpdir(void)
{
	char cmd[128];

	if (!F.tmpdir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", F.tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_sip: could not remove %s\n", F.tmpdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sip_stack_config sc = {"127.0.0.1:0", "", "", "", "", "", ""};
	struct media_config mc = {"127.0.0.1", 47000, 47999, 1, 30};
	struct b2bua_deps deps;
	int err;

	(void)argc;
	(void)argv;
	F.verbose = getenv("FUZZ_SIP_LOG") != NULL;
	log_setup(F.verbose ? LOG_DEBUG : LOG_ERROR, false);
	if (sodium_init() < 0 || libre_init())
		die("library init", EINVAL);
	snprintf(F.tmpdir, sizeof(F.tmpdir), "/tmp/fuzz-sip.XXXXXX");
	if (!mkdtemp(F.tmpdir))
		die("mkdtemp", errno);
	atexit(cleanup_tmpdir);
	setenv("HOTLINE_ADMIN_PASSWORD", "fuzz-admin-pw", 0);
	setenv("HOTLINE_OPERATOR_PASSWORD", "fuzz-operator-pw", 0);

	err = store_open(&F.store, "sqlite", F.tmpdir, 1);
	if (err)
		die("store_open", err);
	err = bootstrap_start(F.store, F.tmpdir, true, step_done, NULL);
	if (err)
		die("bootstrap_start", err);
	wait_step("bootstrap");
	err = store_submit(F.store, STORE_WRITE, add_extensions, step_done,
			   NULL);
	if (err)
		die("store_submit", err);
	wait_step("adding extensions");
	err = directory_alloc(&F.dir, F.store, step_done, NULL);
	if (err)
		die("directory_alloc", err);
	wait_step("loading the directory");

	err = sip_stack_start(&F.ss, &sc);
	if (!err)
		err = media_engine_start(&F.media, &mc);
	if (!err)
		err = registrar_alloc(&F.reg, sip_stack_sip(F.ss), F.store,
				      F.dir);
	if (err)
		die("SIP stack, media or registrar", err);
	/* A known secret: inputs can then carry valid nonces ($NONCE$). */
	memset(F.reg->secret, 0, sizeof(F.reg->secret));
	deps = (struct b2bua_deps){F.ss, F.dir, F.reg, F.media, F.store,
				   3000};
	err = b2bua_alloc(&F.b2bua, &deps);
	if (!err)
		err = sip_stack_finish(F.ss);
	if (!err)
		err = sip_transp_laddr(sip_stack_sip(F.ss), &F.target,
				       SIP_TRANSP_UDP, NULL);
	if (err)
		die("B2BUA or fallback", err);
	pump(100);   /* the registrar's start-up load */
	return 0;
}

/* Replaces every `key` in buf[0..*len) by `val`; false if out of room. */
static bool replace_all(char *buf, size_t *len, size_t cap, const char *key,
			const char *val)
{
	size_t kl = strlen(key), vl = strlen(val);
	char *p = buf;

	while ((p = memmem(p, *len - (size_t)(p - buf), key, kl))) {
		size_t tail = *len - (size_t)(p - buf) - kl;

		if (*len - kl + vl > cap)
			return false;
		memmove(p + vl, p + kl, tail);
		memcpy(p, val, vl);
		*len = *len - kl + vl;
		p += vl;
	}
	return true;
}

/* Fills in the first $RESP$: parses the credentials around it with the
   registrar's own parser and computes the right answer. */
static void fill_response(char *buf, size_t *len, size_t cap)
{
	char *at = memmem(buf, *len, "$RESP$", 6);
	char *ls, *le, *sp;
	struct digest_creds c;
	struct pl hval, met;
	char user[128], realm[128], uri[512], nonce[128], nc[32], cnonce[128],
		qop[32], method[32], out[65];
	int alg;

	if (!at)
		return;
	for (ls = at; ls > buf && ls[-1] != '\n'; ls--)
		;
	le = memchr(at, '\r', *len - (size_t)(at - buf));
	if (!le)
		le = buf + *len;
	sp = memchr(ls, ':', (size_t)(le - ls));
	if (!sp)
		return;
	hval.p = sp + 1;
	hval.l = (size_t)(le - sp - 1);
	if (digest_parse(&c, &hval))
		return;
	alg = digest_alg_of(&c);
	sp = memchr(buf, ' ', *len);
	if (alg < 0 || !sp)
		return;
	met.p = buf;
	met.l = (size_t)(sp - buf);
	if (re_snprintf(user, sizeof(user), "%r", &c.username) < 0 ||
	    re_snprintf(realm, sizeof(realm), "%r", &c.realm) < 0 ||
	    re_snprintf(uri, sizeof(uri), "%r", &c.uri) < 0 ||
	    re_snprintf(nonce, sizeof(nonce), "%r", &c.nonce) < 0 ||
	    re_snprintf(nc, sizeof(nc), "%r", &c.nc) < 0 ||
	    re_snprintf(cnonce, sizeof(cnonce), "%r", &c.cnonce) < 0 ||
	    re_snprintf(qop, sizeof(qop), "%r", &c.qop) < 0 ||
	    re_snprintf(method, sizeof(method), "%r", &met) < 0)
		return;
	if (digest_response(out, (enum digest_alg)alg, user, realm, PASSWORD,
			    method, uri, nonce, nc, cnonce, qop))
		return;
	replace_all(buf, len, cap, "$RESP$", out);
}

static void send_datagram(const char *buf, size_t len)
{
	struct sockaddr_in src = {.sin_family = AF_INET};
	uint32_t n = ++F.n;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		die("socket", errno);
	/* 127.1.0.1 .. 127.63.255.254: a fresh source per input */
	src.sin_addr.s_addr = htonl(0x7f000000u | ((1 + (n >> 16) % 63) << 16)
				    | (n & 0xffffu ? n & 0xffffu : 1));
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
		src.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
			die("bind", errno);
	}
	if (sendto(fd, buf, len, 0, &F.target.u.sa, F.target.len) < 0 &&
	    errno != EMSGSIZE)
		die("sendto", errno);
	pump(0);
	if (F.verbose) {   /* FUZZ_SIP_LOG=1: show the first answer line */
		char ans[512];
		ssize_t r;

		pump(20);
		r = recv(fd, ans, sizeof(ans) - 1, MSG_DONTWAIT);
		if (r > 0) {
			ans[r] = '\0';
			ans[strcspn(ans, "\r\n")] = '\0';
		}
		fprintf(stderr, "fuzz_sip: answer: %s\n",
			r > 0 ? ans : "(none)");
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[MAX_MSG];
	char nonce[64];
	size_t len;

	if (size == 0 || size > 65000)
		return 0;   /* nothing to send / more than a datagram holds */
	memcpy(buf, data, size);
	len = size;
	if (memmem(buf, len, "$NONCE$", 7)) {
		nonce_make(nonce, F.reg->secret, (uint64_t)time(NULL), REALM);
		if (!replace_all(buf, &len, sizeof(buf), "$NONCE$", nonce))
			return 0;
	}
	fill_response(buf, &len, sizeof(buf));
	send_datagram(buf, len);
	return 0;
}
