/*
 * ws_frame.c — parsing and validating RFC 6455 frames from clients, and
 * the headers of the frames the server sends (see ws_frame.h).
 */
#include "ws_frame.h"

static bool known_opcode(uint8_t op)
{
	return op <= WS_BINARY || (op >= WS_CLOSE && op <= WS_PONG);
}

static int refuse(uint16_t *code, uint16_t why)
{
	*code = why;
	return -1;
}

int ws_frame_parse(uint8_t *buf, size_t n, size_t max_payload,
		   struct ws_frame *f, uint16_t *code)
{
	size_t hlen = 2;
	uint64_t len;
	uint8_t *key;

	if (n < 2)
		return 0;
	f->fin = buf[0] & 0x80;
	f->opcode = buf[0] & 0x0f;
	if ((buf[0] & 0x70) || !known_opcode(f->opcode) || !(buf[1] & 0x80))
		return refuse(code, WS_PROTOCOL_ERROR);
	len = buf[1] & 0x7f;
	if (f->opcode >= WS_CLOSE && (!f->fin || len > 125))
		return refuse(code, WS_PROTOCOL_ERROR);
	if (len == 126) {
		if (n < 4)
			return 0;
		len = (uint64_t)buf[2] << 8 | buf[3];
		hlen = 4;
		if (len < 126)
			return refuse(code, WS_PROTOCOL_ERROR);
	} else if (len == 127) {
		if (n < 10)
			return 0;
		len = 0;
		for (int i = 2; i < 10; i++)
			len = len << 8 | buf[i];
		hlen = 10;
		if (len >> 63 || len < 65536)
			return refuse(code, WS_PROTOCOL_ERROR);
	}
	if (len > max_payload)
		return refuse(code, WS_TOO_BIG);
	hlen += 4;                       /* the masking key */
	if (n < hlen || n - hlen < len)
		return 0;
	key = buf + hlen - 4;
	f->payload = buf + hlen;
	f->len = (size_t)len;
	f->size = hlen + f->len;
	for (size_t i = 0; i < f->len; i++)
		f->payload[i] ^= key[i & 3];
	return 1;
}

bool ws_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t more;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1; cp = c & 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2; cp = c & 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3; cp = c & 0x07; min = 0x10000;
		} else {
			return false;
		}
		if (n - i <= more)
			return false;
		for (size_t k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += more + 1;
	}
	return true;
}

bool ws_close_code_valid(uint16_t code)
{
	if (code >= 3000 && code <= 4999)
		return true;
	return code >= 1000 && code <= 1011 && code != 1004 &&
	       code != 1005 && code != 1006;
}

size_t ws_frame_header(uint8_t *hdr, enum ws_opcode op, size_t len)
{
	hdr[0] = 0x80 | (uint8_t)op;
	if (len < 126) {
		hdr[1] = (uint8_t)len;
		return 2;
	}
	if (len < 65536) {
		hdr[1] = 126;
		hdr[2] = (uint8_t)(len >> 8);
		hdr[3] = (uint8_t)len;
		return 4;
	}
	hdr[1] = 127;
	for (int i = 0; i < 8; i++)
		hdr[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	return 10;
}
