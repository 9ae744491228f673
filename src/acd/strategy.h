/*
 * strategy.h — the order in which a queue's eligible agents are offered
 * one call: ring-all, sequential, round-robin, longest idle, fewest calls,
 * random, skill first. Pure functions over a caller-made candidate list:
 * no I/O, no globals, no allocation, so any thread may call them and the
 * unit tests drive them with hand-made candidates. Which agents are
 * eligible (idle, under their call limit) is the caller's business; see
 * acd/pool.h for the in-memory structure that finds them.
 */
#ifndef HOTLINE_ACD_STRATEGY_H
#define HOTLINE_ACD_STRATEGY_H

#include <stddef.h>
#include <stdint.h>

enum acd_strategy {
	ACD_RING_ALL,      /* every eligible agent of the first tier at once */
	ACD_SEQUENTIAL,    /* lowest agent number first */
	ACD_ROUND_ROBIN,   /* binding order, continuing after the last one offered */
	ACD_LONGEST_IDLE,  /* idle longest (since login or last call end) first */
	ACD_FEWEST_CALLS,  /* fewest answered today first; ties: longest idle */
	ACD_RANDOM,        /* uniformly shuffled */
	ACD_SKILL_FIRST,   /* highest skill level first; ties random */
};
enum { ACD_STRATEGY_COUNT = ACD_SKILL_FIRST + 1 };

/* The round-robin memory of a queue nobody was offered yet: the member at
   binding position 0 comes first. */
#define ACD_RR_START UINT32_MAX

/* "ring_all", "sequential", "round_robin", "longest_idle",
   "fewest_calls", "random", "skill_first"; NULL for an unknown value. */
const char *acd_strategy_name(enum acd_strategy s);
/* 0, or EINVAL for a NULL or unknown name (out untouched). */
int acd_strategy_of(const char *name, enum acd_strategy *out);

/* One eligible agent for one offer. */
struct acd_candidate {
	uint32_t id;              /* caller's handle (e.g. a pool agent index) */
	uint32_t agent_no;        /* numeric agent number (sequential) */
	uint32_t member_pos;      /* binding position in the queue (round-robin) */
	int      priority;        /* member priority in this queue: lower first,
				     before the strategy */
	uint8_t  skill_level;     /* 0-9: the agent's level in the queue's skill */
	int64_t  idle_since_ms;   /* longest idle: earlier first */
	uint32_t answered_today;  /* fewest calls */
};

/* acd_order's working memory: two slots per candidate (32 bytes). */
struct acd_slot {
	uint64_t key;
	int priority;
	uint32_t index;
};

/*
 * Orders the n candidates of one offer into out (n ids) and returns how
 * many to ring now, out[0] first:
 *   - candidates with a lower `priority` always come before higher ones
 *     (tiers); the strategy orders within a tier;
 *   - ring-all: the size of the first tier (n when all priorities are
 *     equal) — ring those at once, the next tier only if none answers;
 *   - every other strategy: 1 (0 when n is 0) — ring out[0], then out[1]
 *     after a ring timeout, ... (or call again: states change meanwhile).
 * Ties the strategy leaves open (and ring-all's order) follow the input
 * order, which acd_pool_candidates() makes the binding order; so the result
 * is a function of the input (and of *rng). Fewest calls is exact while
 * the candidates' idle times lie within 49 days of one another (beyond,
 * answered counts tie above 8,388,607 and idle times over 69 years apart).
 * rr_last: the queue's round-robin memory, the member_pos of the last agent
 * offered (ACD_RR_START at first); round-robin orders from the member after
 * it, wrapping, and sets it to out[0]'s member_pos. Only round-robin reads
 * or writes it (NULL is then ACD_RR_START, not kept).
 * rng: a xorshift64 state, advanced by random and skill-first (0 is
 * replaced by a fixed seed; NULL uses a fixed seed, not kept).
 * scratch: 2n slots of the caller's (one allocation sized for the largest
 * queue, reused: the call itself never allocates). 0 and nothing written
 * when c, scratch or out is NULL.
 * Cost: O(n log n) integer comparisons up to 96 candidates, a radix sort
 * (a few O(n) passes) above.
 */
size_t acd_order(enum acd_strategy s, const struct acd_candidate *c, size_t n,
		 uint32_t *rr_last, uint64_t *rng, struct acd_slot *scratch,
		 uint32_t *out);

/* The next value of a xorshift64 state (a 0 state is seeded first). */
uint64_t acd_random(uint64_t *rng);

#endif
