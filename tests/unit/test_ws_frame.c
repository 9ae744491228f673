/*
 * test_ws_frame.c — RFC 6455 frames from clients: what is taken (masked
 * text and control frames, the three length encodings, frames split
 * anywhere), what is refused and with which close code, UTF-8 checks,
 * close codes, and the headers the server writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "api/ws_frame.h"

static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};

/* A client frame (masked unless mask is false) into out; its size. */
static size_t client_frame(uint8_t *out, uint8_t first, const void *data,
			   size_t len, bool mask)
{
	size_t n = 0;

	out[n++] = first;
	if (len < 126) {
		out[n++] = (uint8_t)((mask ? 0x80 : 0) | len);
	} else if (len < 65536) {
		out[n++] = (uint8_t)((mask ? 0x80 : 0) | 126);
		out[n++] = (uint8_t)(len >> 8);
		out[n++] = (uint8_t)len;
	} else {
		out[n++] = (uint8_t)((mask ? 0x80 : 0) | 127);
		for (int i = 7; i >= 0; i--)
			out[n++] = (uint8_t)((uint64_t)len >> (8 * i));
	}
	if (mask) {
		memcpy(out + n, key, 4);
		n += 4;
	}
	for (size_t i = 0; i < len; i++)
		out[n + i] = ((const uint8_t *)data)[i] ^ (mask ? key[i & 3] : 0);
	return n + len;
}

static int parse(uint8_t *buf, size_t n, size_t max, struct ws_frame *f,
		 uint16_t *code)
{
	*code = 0;
	return ws_frame_parse(buf, n, max, f, code);
}

static void test_masked_text_is_unmasked(void **state)
{
	uint8_t buf[64];
	struct ws_frame f;
	uint16_t code;
	size_t n = client_frame(buf, 0x81, "{\"cmd\":\"ping\"}", 14, true);

	(void)state;
	assert_int_equal(parse(buf, n, 1000, &f, &code), 1);
	assert_true(f.fin);
	assert_int_equal(f.opcode, WS_TEXT);
	assert_int_equal(f.len, 14);
	assert_int_equal(f.size, n);
	assert_memory_equal(f.payload, "{\"cmd\":\"ping\"}", 14);
}

/* Every prefix of a frame asks for more, the whole is one frame. */
static void test_every_split_needs_more(void **state)
{
	static uint8_t buf[70000 + 16], data[70000];
	size_t sizes[] = {0, 5, 125, 126, 65535, 65536, 70000};
	struct ws_frame f;
	uint16_t code;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)('a' + i % 26);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(*sizes); s++) {
		size_t n = client_frame(buf, 0x80 | WS_BINARY, data, sizes[s],
					true);
		size_t cut[] = {0, 1, 2, 3, 5, 9, 13, n - 1};

		for (size_t c = 0; c < sizeof(cut) / sizeof(*cut); c++) {
			if (cut[c] < n)
				assert_int_equal(parse(buf, cut[c], 1 << 20, &f,
						       &code), 0);
		}
		assert_int_equal(parse(buf, n, 1 << 20, &f, &code), 1);
		assert_int_equal(f.len, sizes[s]);
		assert_int_equal(f.size, n);
		assert_memory_equal(f.payload, data, sizes[s]);
	}
}

static void test_fragments_and_control_frames(void **state)
{
	uint8_t buf[256];
	struct ws_frame f;
	uint16_t code;
	size_t n = client_frame(buf, 0x01, "abc", 3, true);    /* not final */

	(void)state;
	assert_int_equal(parse(buf, n, 100, &f, &code), 1);
	assert_false(f.fin);
	n = client_frame(buf, 0x80, "def", 3, true);           /* last piece */
	assert_int_equal(parse(buf, n, 100, &f, &code), 1);
	assert_true(f.fin);
	assert_int_equal(f.opcode, WS_CONT);
	n = client_frame(buf, 0x89, "hello", 5, true);
	assert_int_equal(parse(buf, n, 100, &f, &code), 1);
	assert_int_equal(f.opcode, WS_PING);
	n = client_frame(buf, 0x88, "\x03\xe8", 2, true);
	assert_int_equal(parse(buf, n, 100, &f, &code), 1);
	assert_int_equal(f.opcode, WS_CLOSE);
}

static void refused(uint8_t *buf, size_t n, size_t max, uint16_t want)
{
	struct ws_frame f;
	uint16_t code;

	assert_int_equal(parse(buf, n, max, &f, &code), -1);
	assert_int_equal(code, want);
}

static void test_refusals(void **state)
{
	uint8_t buf[300], big[200];
	size_t n;

	(void)state;
	memset(big, 'x', sizeof(big));
	n = client_frame(buf, 0x81, "x", 1, false);      /* unmasked */
	refused(buf, n, 100, WS_PROTOCOL_ERROR);
	refused(buf, 2, 100, WS_PROTOCOL_ERROR);         /* known at once */
	n = client_frame(buf, 0xc1, "x", 1, true);       /* RSV1 */
	refused(buf, n, 100, WS_PROTOCOL_ERROR);
	n = client_frame(buf, 0x83, "x", 1, true);       /* opcode 3 */
	refused(buf, n, 100, WS_PROTOCOL_ERROR);
	n = client_frame(buf, 0x8b, "x", 1, true);       /* opcode 0xb */
	refused(buf, n, 100, WS_PROTOCOL_ERROR);
	n = client_frame(buf, 0x09, "x", 1, true);       /* fragmented ping */
	refused(buf, n, 100, WS_PROTOCOL_ERROR);
	n = client_frame(buf, 0x89, big, 126, true);     /* long ping */
	refused(buf, n, 1000, WS_PROTOCOL_ERROR);
	n = client_frame(buf, 0x81, big, 101, true);     /* over the limit */
	refused(buf, 4, 100, WS_TOO_BIG);                /* from the header */
	/* lengths not in their shortest form */
	buf[0] = 0x81; buf[1] = 0x80 | 126; buf[2] = 0; buf[3] = 5;
	refused(buf, 4, 100, WS_PROTOCOL_ERROR);
	buf[1] = 0x80 | 127;
	memset(buf + 2, 0, 8);
	buf[9] = 200;
	refused(buf, 10, 1000, WS_PROTOCOL_ERROR);
	buf[2] = 0x80;                                   /* the top bit */
	refused(buf, 10, 1000, WS_PROTOCOL_ERROR);
	/* a large length announced, refused before any payload */
	buf[2] = 0; buf[9] = 0; buf[6] = 1;              /* 16 MiB */
	refused(buf, 10, 65536, WS_TOO_BIG);
}

static void test_utf8(void **state)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
		{"", true}, {"hello", true}, {"\xe4\xbd\xa0\xe5\xa5\xbd", true},
		{"\xf0\x9f\x98\x80", true}, {"\xc3\xa9", true},
		{"\xc3", false}, {"\xc3\x28", false}, {"\xc0\xaf", false},
		{"\xe0\x80\xaf", false}, {"\xed\xa0\x80", false},
		{"\xf4\x90\x80\x80", false}, {"\xf8\x88\x80\x80\x80", false},
		{"\xff", false}, {"\x80", false}, {"ok\xe4\xbd", false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		assert_int_equal(ws_utf8_valid((const uint8_t *)cases[i].s,
					       strlen(cases[i].s)),
				 cases[i].ok);
}

static void test_close_codes(void **state)
{
	(void)state;
	assert_true(ws_close_code_valid(1000));
	assert_true(ws_close_code_valid(1011));
	assert_true(ws_close_code_valid(3000));
	assert_true(ws_close_code_valid(4999));
	assert_false(ws_close_code_valid(999));
	assert_false(ws_close_code_valid(1004));
	assert_false(ws_close_code_valid(1005));
	assert_false(ws_close_code_valid(1006));
	assert_false(ws_close_code_valid(1016));
	assert_false(ws_close_code_valid(2999));
	assert_false(ws_close_code_valid(5000));
}

static void test_server_headers(void **state)
{
	uint8_t h[10];

	(void)state;
	assert_int_equal(ws_frame_header(h, WS_TEXT, 5), 2);
	assert_int_equal(h[0], 0x81);
	assert_int_equal(h[1], 5);
	assert_int_equal(ws_frame_header(h, WS_TEXT, 300), 4);
	assert_int_equal(h[1], 126);
	assert_int_equal(h[2] << 8 | h[3], 300);
	assert_int_equal(ws_frame_header(h, WS_PONG, 70000), 10);
	assert_int_equal(h[0], 0x8a);
	assert_int_equal(h[1], 127);
	assert_int_equal(h[7] << 16 | h[8] << 8 | h[9], 70000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_masked_text_is_unmasked),
		cmocka_unit_test(test_every_split_needs_more),
		cmocka_unit_test(test_fragments_and_control_frames),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_close_codes),
		cmocka_unit_test(test_server_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
