/*
 * throttle.h — slows and then locks out addresses that fail to log in
 * (control thread only).
 */
#ifndef HOTLINE_API_THROTTLE_H
#define HOTLINE_API_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

struct throttle;

int  throttle_alloc(struct throttle **tp);
void throttle_free(struct throttle *t);
bool throttle_locked(struct throttle *t, const char *ip);
uint64_t throttle_delay_ms(struct throttle *t, const char *ip);
void throttle_result(struct throttle *t, const char *ip, bool failed);

#endif
