/*
 * ws_frame.h — RFC 6455 frames as a server sees them: parsing a client's
 * frame (strict: masked, no extension bits, known opcodes, short and
 * final control frames, minimal lengths, a size limit known from the
 * header alone), unmasking, UTF-8 validation, and the header of a frame
 * the server sends. Pure functions, no I/O: the unit test drives them.
 */
#ifndef HOTLINE_API_WS_FRAME_H
#define HOTLINE_API_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ws_opcode {
	WS_CONT = 0x0, WS_TEXT = 0x1, WS_BINARY = 0x2,
	WS_CLOSE = 0x8, WS_PING = 0x9, WS_PONG = 0xa,
};

enum ws_close_code {
	WS_NORMAL = 1000, WS_GOING_AWAY = 1001, WS_PROTOCOL_ERROR = 1002,
	WS_UNSUPPORTED = 1003, WS_BAD_DATA = 1007, WS_POLICY = 1008,
	WS_TOO_BIG = 1009, WS_INTERNAL = 1011,
};

struct ws_frame {
	bool fin;
	uint8_t opcode;
	uint8_t *payload;    /* inside the parsed buffer, unmasked */
	size_t len;
	size_t size;         /* header and payload: bytes consumed */
};

/* One frame from buf. 1: *f is a whole frame (its payload unmasked in
   place); 0: more bytes are needed; -1: the frame is refused, *code says
   why (1002 protocol error, 1009 over max_payload). */
int  ws_frame_parse(uint8_t *buf, size_t n, size_t max_payload,
		    struct ws_frame *f, uint16_t *code);
/* Whether the bytes are well-formed UTF-8 (no overlongs, surrogates or
   code points past U+10FFFF). */
bool ws_utf8_valid(const uint8_t *s, size_t n);
/* Whether a close frame's status code may be sent by a peer. */
bool ws_close_code_valid(uint16_t code);
/* The header of an unmasked, final frame of len bytes into hdr (at least
   10 bytes); returns its size. */
size_t ws_frame_header(uint8_t *hdr, enum ws_opcode op, size_t len);

#endif
