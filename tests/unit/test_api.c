/*
 * test_api.c — unit tests of the API's pure parts: CIDR allow-lists, route
 * matching, query strings, body validation, login throttling, signatures
 * and password hashes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "api/api.h"
#include "api/throttle.h"

static void test_cidr(void **state)
{
	json_t *list = json_pack("[ss]", "10.0.0.0/8", "2001:db8::/32");

	(void)state;
	assert_true(cidr_valid("192.168.1.0/24"));
	assert_true(cidr_valid("127.0.0.1"));
	assert_true(cidr_valid("::1/128"));
	assert_false(cidr_valid("10.0.0.0/33"));
	assert_false(cidr_valid("10.0.0/8"));
	assert_false(cidr_valid("bad"));
	assert_false(cidr_valid("10.0.0.0/"));
	assert_true(cidr_list_allows(list, "10.1.2.3"));
	assert_true(cidr_list_allows(list, "::ffff:10.9.9.9"));
	assert_true(cidr_list_allows(list, "2001:db8:1::5"));
	assert_false(cidr_list_allows(list, "11.0.0.1"));
	assert_false(cidr_list_allows(list, "127.0.0.1"));
	assert_false(cidr_list_allows(list, "2001:db9::1"));
	json_decref(list);
	list = json_array();
	assert_true(cidr_list_allows(list, "203.0.113.9"));
	json_array_append_new(list, json_string("192.168.0.0/23"));
	assert_true(cidr_list_allows(list, "192.168.1.200"));
	assert_false(cidr_list_allows(list, "192.168.2.1"));
	json_decref(list);
}

static void test_routes(void **state)
{
	const struct route *r;
	bool wrong;
	char *id = NULL;

	(void)state;
	r = route_match("GET", "/api/v1/users/abc-1", &id, &wrong);
	assert_non_null(r);
	assert_string_equal(r->name, "users.get");
	assert_string_equal(id, "abc-1");
	free(id);
	id = NULL;
	r = route_match("GET", "/api/v1/users", &id, &wrong);
	assert_non_null(r);
	assert_null(id);
	assert_string_equal(r->perm, "users");
	assert_null(route_match("PUT", "/api/v1/users", &id, &wrong));
	assert_true(wrong);
	assert_null(route_match("GET", "/api/v1/users/", &id, &wrong));
	assert_false(wrong);
	assert_null(route_match("GET", "/api/v1/users/a/b", &id, &wrong));
	assert_null(route_match("GET", "/api/v1/nothing", &id, &wrong));
	r = route_match("POST", "/api/v1/auth/login", &id, &wrong);
	assert_true(r->flags & ROUTE_PUBLIC);
	assert_non_null(r->prepare);
}

static void test_query_param(void **state)
{
	char v[64];

	(void)state;
	assert_int_equal(query_param("a=1&q=hello%20world&b=", "q", v,
				     sizeof(v)), 1);
	assert_string_equal(v, "hello world");
	assert_int_equal(query_param("a=1&q=x+y", "q", v, sizeof(v)), 1);
	assert_string_equal(v, "x y");
	assert_int_equal(query_param("a=1", "q", v, sizeof(v)), 0);
	assert_int_equal(query_param("q=%zz", "q", v, sizeof(v)), -1);
	assert_int_equal(query_param("q=%4", "q", v, sizeof(v)), -1);
	assert_int_equal(query_param("q=%00", "q", v, sizeof(v)), -1);
	assert_int_equal(query_param("", "q", v, sizeof(v)), 0);
}

static const struct field_spec fields[] = {
	{"name", F_STRING, true, 1, 8},
	{"age", F_INTEGER, false, 0, 150},
	{"tags", F_STRING_ARRAY, false, 0, 0},
	{"parent", F_STRING_OR_NULL, false, 0, 0},
	{NULL, 0, false, 0, 0},
};

static const char *check(const char *body, bool creating)
{
	static char code[64];
	struct api_req req;
	json_t *err;

	memset(&req, 0, sizeof(req));
	req.body = json_loads(body, 0, NULL);
	if (!body_check(&req, fields, creating)) {
		json_decref(req.body);
		return "ok";
	}
	err = json_object_get(json_object_get(req.resp, "error"), "code");
	strcpy(code, json_string_value(err));
	json_decref(req.resp);
	json_decref(req.body);
	return code;
}

static void test_body_check(void **state)
{
	(void)state;
	assert_string_equal(check("{\"name\":\"ann\"}", true), "ok");
	assert_string_equal(check("{\"age\":3}", false), "ok");
	assert_string_equal(check("{\"age\":3}", true), "missing_field");
	assert_string_equal(check("{\"name\":\"ann\",\"x\":1}", true),
			    "unknown_field");
	assert_string_equal(check("{\"name\":5}", true), "invalid_field");
	assert_string_equal(check("{\"name\":\"\"}", true), "invalid_field");
	assert_string_equal(check("{\"name\":\"123456789\"}", true),
			    "invalid_field");
	assert_string_equal(check("{\"name\":\"a\",\"age\":151}", true),
			    "invalid_field");
	assert_string_equal(check("{\"name\":\"a\",\"tags\":[\"x\",1]}", true),
			    "invalid_field");
	assert_string_equal(check("{\"name\":\"a\",\"parent\":null}", true),
			    "ok");
	assert_string_equal(check("{\"name\":\"a\",\"age\":\"3\"}", true),
			    "invalid_field");
}

static void test_throttle(void **state)
{
	struct throttle *t = NULL;

	(void)state;
	assert_int_equal(throttle_alloc(&t), 0);
	for (int i = 0; i < 4; i++)
		throttle_result(t, "10.0.0.1", true);
	assert_int_equal(throttle_delay_ms(t, "10.0.0.1"), 0);
	throttle_result(t, "10.0.0.1", true);
	assert_int_equal(throttle_delay_ms(t, "10.0.0.1"), 1000);
	throttle_result(t, "10.0.0.1", true);
	assert_int_equal(throttle_delay_ms(t, "10.0.0.1"), 2000);
	assert_false(throttle_locked(t, "10.0.0.1"));
	/* A success before the lock clears the count. */
	throttle_result(t, "10.0.0.1", false);
	assert_int_equal(throttle_delay_ms(t, "10.0.0.1"), 0);
	for (int i = 0; i < 10; i++)
		throttle_result(t, "10.0.0.2", true);
	assert_true(throttle_locked(t, "10.0.0.2"));
	assert_int_equal(throttle_delay_ms(t, "10.0.0.2"), 5000);
	/* ... but not once locked. */
	throttle_result(t, "10.0.0.2", false);
	assert_true(throttle_locked(t, "10.0.0.2"));
	assert_false(throttle_locked(t, "10.0.0.1"));
	throttle_free(t);
}

static void test_crypto(void **state)
{
	char hex[65], hash[128];
	const char *data = "what do ya want for nothing?";

	(void)state;
	/* RFC 4231 test case 2 */
	hmac_sha256_hex("Jefe", data, strlen(data), hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c7"
				 "5a003f089d2739839dec58b964ec3843");
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(password_hash("correct horse", hash), 0);
	assert_non_null(strstr(hash, "$argon2id$"));
	assert_true(password_verify(hash, "correct horse"));
	assert_false(password_verify(hash, "correct horsE"));
	assert_false(password_verify("garbage", "x"));
}

static void test_ids(void **state)
{
	char a[ID_LEN], b[ID_LEN], tok[65];

	(void)state;
	id_new(a);
	usleep(2000);
	id_new(b);
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[14], '7');                  /* version 7 */
	assert_true(strchr("89ab", a[19]) != NULL);    /* RFC 4122 variant */
	assert_true(strcmp(a, b) < 0);                 /* time-ordered */
	random_hex(tok, 32);
	assert_int_equal(strlen(tok), 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_query_param),
		cmocka_unit_test(test_body_check),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_crypto),
		cmocka_unit_test(test_ids),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
