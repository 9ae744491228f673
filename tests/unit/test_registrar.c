/*
 * test_registrar.c — the registrar's pieces that need no network: digest
 * responses against the RFC 2617 and RFC 7616 examples, Authorization
 * parsing and verification, stateless nonces, transports, the failure
 * guard.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include "core/libre.h"
#include "sip/reg_auth.h"

/* RFC 2617 §3.5 (MD5, qop=auth). */
static void rfc2617_md5(void **state)
{
	char out[65];

	(void)state;
	assert_int_equal(digest_response(out, DIGEST_MD5, "Mufasa",
					 "testrealm@host.com",
					 "Circle Of Life", "GET",
					 "/dir/index.html",
					 "dcd98b7102dd2f0e8b11d0f600bfb0c093",
					 "00000001", "0a4f113b", "auth"), 0);
	assert_string_equal(out, "6629fae49393a05397450978507c4ef1");
}

/* RFC 7616 §3.9.1 (MD5 and SHA-256, qop=auth). */
static void rfc7616(void **state)
{
	const char *nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
	const char *cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
	char out[65];

	(void)state;
	assert_int_equal(digest_response(out, DIGEST_MD5, "Mufasa",
					 "http-auth@example.org",
					 "Circle of Life", "GET", "/dir/index.html",
					 nonce, "00000001", cnonce, "auth"), 0);
	assert_string_equal(out, "8ca523f5e9506fed4657c9700eebdbec");
	assert_int_equal(digest_response(out, DIGEST_SHA256, "Mufasa",
					 "http-auth@example.org",
					 "Circle of Life", "GET", "/dir/index.html",
					 nonce, "00000001", cnonce, "auth"), 0);
	assert_string_equal(out, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

static void parse_and_verify(void **state)
{
	struct digest_creds c;
	struct pl hv, met = PL("GET");

	(void)state;
	pl_set_str(&hv, "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
		   "uri=\"/dir/index.html\", algorithm=SHA-256, "
		   "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, "
		   "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, "
		   "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", "
		   "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
	assert_int_equal(digest_parse(&c, &hv), 0);
	assert_int_equal(digest_alg_of(&c), DIGEST_SHA256);
	assert_true(pl_strcmp(&c.username, "Mufasa") == 0);
	assert_true(digest_verify(&c, &met, "Circle of Life"));
	assert_false(digest_verify(&c, &met, "Circle of life"));
	pl_set_str(&hv, "Basic dXNlcjpwYXNz");
	assert_int_equal(digest_parse(&c, &hv), EBADMSG);
	pl_set_str(&hv, "Digest username=\"x\", realm=");
	assert_int_equal(digest_parse(&c, &hv), EBADMSG);
	pl_set_str(&hv, "Digest username=\"x\", realm=\"r\", nonce=\"n\", uri=\"u\", "
		   "response=\"r\", algorithm=SHA-512");
	assert_int_equal(digest_parse(&c, &hv), 0);
	assert_int_equal(digest_alg_of(&c), -1);
}

static void nonces(void **state)
{
	uint8_t secret[NONCE_SECRET_LEN] = {1, 2, 3};
	char nonce[64];
	struct pl pl;

	(void)state;
	nonce_make(nonce, secret, 1000000, "demo");
	pl_set_str(&pl, nonce);
	assert_int_equal(nonce_check(&pl, secret, 1000000, "demo"), NONCE_OK);
	assert_int_equal(nonce_check(&pl, secret, 1000000 + NONCE_MAX_AGE_S,
				     "demo"), NONCE_OK);
	assert_int_equal(nonce_check(&pl, secret,
				     1000000 + NONCE_MAX_AGE_S + 1, "demo"),
			 NONCE_STALE);
	assert_int_equal(nonce_check(&pl, secret, 1000000, "other"), NONCE_BAD);
	nonce[12] ^= 1;
	assert_int_equal(nonce_check(&pl, secret, 1000000, "demo"), NONCE_BAD);
	pl_set_str(&pl, "short");
	assert_int_equal(nonce_check(&pl, secret, 1000000, "demo"), NONCE_BAD);
}

static void transports(void **state)
{
	(void)state;
	assert_true(transport_allowed(0x1f, SIP_TRANSP_UDP));
	assert_false(transport_allowed(1u << SIP_TRANSP_TCP, SIP_TRANSP_UDP));
	assert_true(transport_allowed(1u << SIP_TRANSP_TCP, SIP_TRANSP_TCP));
	assert_false(transport_allowed(0x1f, SIP_TRANSP_NONE));
}

static void guard(void **state)
{
	struct reg_guard *g = NULL;
	struct sa a, b;
	int64_t t = 1000000;

	(void)state;
	assert_int_equal(reg_guard_alloc(&g), 0);
	sa_set_str(&a, "10.0.0.1", 5060);
	sa_set_str(&b, "10.0.0.2", 5060);
	for (unsigned i = 1; i < GUARD_LIMIT; i++)
		assert_int_equal(reg_guard_fail(g, &a, t + i), i);
	assert_false(reg_guard_blocked(g, &a, t + 20));
	assert_int_equal(reg_guard_fail(g, &a, t + 20), GUARD_LIMIT);
	assert_true(reg_guard_blocked(g, &a, t + 21));
	sa_set_port(&a, 6000);  /* any port of the address */
	assert_true(reg_guard_blocked(g, &a, t + 21));
	assert_false(reg_guard_blocked(g, &b, t + 21));
	assert_false(reg_guard_blocked(g, &a, t + 21 + GUARD_BLOCK_MS));
	/* failures spread wider than the window never block */
	assert_int_equal(reg_guard_fail(g, &b, t), 1);
	assert_int_equal(reg_guard_fail(g, &b, t + GUARD_WINDOW_MS + 1), 1);
	reg_guard_prune(g, t + 10 * GUARD_BLOCK_MS);
	assert_int_equal(reg_guard_count(g, &a, t + 10 * GUARD_BLOCK_MS), 0);
	reg_guard_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc2617_md5),
		cmocka_unit_test(rfc7616),
		cmocka_unit_test(parse_and_verify),
		cmocka_unit_test(nonces),
		cmocka_unit_test(transports),
		cmocka_unit_test(guard),
	};

	if (sodium_init() < 0 || libre_init())
		return 1;
	cmocka_set_message_output(CM_OUTPUT_STDOUT);
	int rc = cmocka_run_group_tests_name("registrar", tests, NULL, NULL);
	libre_close();
	return rc;
}
