/*
 * collect.c — digit collection as a pure state machine (see collect.h).
 */
#include <errno.h>
#include <string.h>
#include "collect.h"

static bool is_digit(char k)
{
	return k >= '0' && k <= '9';
}

static void wait_for(struct collector *c, unsigned ms, int64_t now)
{
	c->deadline = ms ? now + ms : 0;
}

int collect_start(struct collector *c, const struct collect_cfg *cfg,
		  int64_t now)
{
	if (!c || !cfg || cfg->max_digits < 1 ||
	    cfg->max_digits > COLLECT_MAX_DIGITS || is_digit(cfg->terminator))
		return EINVAL;
	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	c->state = COLLECT_MORE;
	wait_for(c, cfg->first_ms, now);
	return 0;
}

enum collect_state collect_key(struct collector *c, char key, int64_t now)
{
	if (collect_check(c, now) != COLLECT_MORE)
		return c->state;
	if (c->cfg.terminator && key == c->cfg.terminator) {
		c->state = COLLECT_TERMINATED;
		c->deadline = 0;
		return c->state;
	}
	if (!is_digit(key))
		return c->state;
	c->digits[c->n++] = key;
	c->digits[c->n] = '\0';
	if (c->n >= c->cfg.max_digits) {
		c->state = COLLECT_FULL;
		c->deadline = 0;
		return c->state;
	}
	wait_for(c, c->cfg.inter_ms, now);
	return c->state;
}

enum collect_state collect_check(struct collector *c, int64_t now)
{
	if (c->state == COLLECT_MORE && c->deadline && now >= c->deadline) {
		c->state = c->n ? COLLECT_TIMEOUT : COLLECT_NO_INPUT;
		c->deadline = 0;
	}
	return c->state;
}

int64_t collect_deadline(const struct collector *c)
{
	return c->state == COLLECT_MORE ? c->deadline : 0;
}

bool key_seen_twice(struct key_seen *ks, char key, bool via_info,
		    int64_t now)
{
	if (key == ks->key && via_info != ks->via_info &&
	    now - ks->at < COLLECT_ECHO_MS)
		return true;
	ks->key = key;
	ks->via_info = via_info;
	ks->at = now;
	return false;
}
