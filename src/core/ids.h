/*
 * ids.h — identifiers, tokens and clocks shared by every module.
 */
#ifndef HOTLINE_IDS_H
#define HOTLINE_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { ID_LEN = 37 }; /* UUID text plus NUL */

/* A UUIDv7: 48-bit millisecond time, then random bits. Globally unique and
   time-ordered, so ids from several nodes never collide. */
void id_new(char out[ID_LEN]);
/* Random bytes as lower-case hex; out must hold 2*nbytes+1. */
void random_hex(char *out, size_t nbytes);
/* Whether an id may name a file or directory: 1-64 letters, digits and
   '-' (nothing that could climb out of a path). */
bool id_path_safe(const char *id);
/* Wall clock in milliseconds since the Unix epoch. */
int64_t now_ms(void);

#endif
