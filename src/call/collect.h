/*
 * collect.h — collecting keyed digits (a PIN, an extension, a menu entry):
 * the rules of one collection (how many digits at most, the key that ends
 * it, how long to wait for the first digit and between digits) as a pure
 * state machine over (key, time) and (time) inputs. The caller feeds keys
 * and arms a timer for collect_deadline(); no clock or timer in here, so
 * the unit tests drive it with made-up times.
 */
#ifndef HOTLINE_CALL_COLLECT_H
#define HOTLINE_CALL_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { COLLECT_MAX_DIGITS = 32 };

struct collect_cfg {
	unsigned max_digits;    /* 1-32: reaching it ends the collection */
	char terminator;        /* a key that ends it (not kept), 0: none */
	unsigned first_ms;      /* wait for the first digit; 0: forever */
	unsigned inter_ms;      /* wait after each digit; 0: forever */
};

enum collect_state {
	COLLECT_MORE,           /* still collecting */
	COLLECT_FULL,           /* max_digits reached */
	COLLECT_TERMINATED,     /* the terminator was keyed */
	COLLECT_TIMEOUT,        /* a pause after some digits */
	COLLECT_NO_INPUT,       /* nothing keyed in first_ms */
};

struct collector {
	struct collect_cfg cfg;
	char digits[COLLECT_MAX_DIGITS + 1];
	size_t n;
	int64_t deadline;       /* ms; 0: none */
	enum collect_state state;
};

/* EINVAL for a max_digits out of 1-32 or a terminator that is a digit. */
int  collect_start(struct collector *c, const struct collect_cfg *cfg,
		   int64_t now);
/* A key (0-9 * # A-D); keys other than digits and the terminator are
   ignored. The state after it. */
enum collect_state collect_key(struct collector *c, char key, int64_t now);
/* The state at this time (a timeout once the deadline has passed). */
enum collect_state collect_check(struct collector *c, int64_t now);
/* When to call collect_check next (ms, same clock), 0: no deadline. */
int64_t collect_deadline(const struct collector *c);

/* One key sent two ways — SIP INFO and in the media (RFC 4733 or a
   tone) — by a phone that does both: the second within COLLECT_ECHO_MS
   is the same key press. */
enum { COLLECT_ECHO_MS = 120 };
struct key_seen {
	char key;
	bool via_info;
	int64_t at;
};
/* True when this key is the other way's copy of the last one (drop it);
   else it is noted as the last key. */
bool key_seen_twice(struct key_seen *ks, char key, bool via_info,
		    int64_t now);

#endif
