/*
 * pool.h — the ACD's run-time picture of agents and queues, in memory:
 * each agent's readiness, calls in hand and call limit, and the inputs of
 * the strategies (agent number, idle since, answered today); each queue's
 * members in binding order with their priority and skill level; each
 * agent's queues. acd_pool_candidates() lists a queue's eligible members
 * for acd_order() without allocating (one pass over the member array and
 * a byte per agent); acd_pool_order() orders them with the queue's
 * round-robin memory and the pool's random state.
 *
 * Agents and queues are small indexes handed out by the pool, reused after
 * removal: the caller maps its ids to them. One thread owns a pool (the
 * control thread); nothing here locks, sleeps or does I/O, and only adding
 * agents, queues and members allocates.
 *
 * Eligible = ready (the agent's state lets calls be offered: logged in and
 * idle, not busy, not in wrap-up; the caller's state machine decides) and
 * calls < max_calls. An offer counts as a call from the moment it is
 * reserved, so an agent is never offered more calls than its limit.
 */
#ifndef HOTLINE_ACD_POOL_H
#define HOTLINE_ACD_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "strategy.h"

struct acd_pool;

/* An agent as the pool sees it (read with acd_pool_agent()). */
struct acd_pool_agent {
	uint32_t agent_no;        /* numeric agent number (sequential) */
	uint32_t answered_today;  /* fewest calls */
	int64_t  idle_since_ms;   /* longest idle: login or last call end */
	uint16_t calls;           /* offers ringing + calls up */
	uint16_t max_calls;       /* 1..65535: eligible while calls < this */
	bool     ready;           /* its state allows offers */
};

int  acd_pool_alloc(struct acd_pool **pp);
void acd_pool_free(struct acd_pool *p);
/* Seeds the random strategies (a pool starts from a fixed seed). */
void acd_pool_seed(struct acd_pool *p, uint64_t seed);

/* --- agents --- */

/* A new agent, not ready, no calls, idle since 0, answered 0; its index in
   *agent. EINVAL for max_calls 0 or over 65535, ENOMEM. */
int  acd_pool_agent_add(struct acd_pool *p, uint32_t agent_no,
			unsigned max_calls, uint32_t *agent);
/* Leaves every queue and frees the index. EBUSY while it has calls (end
   or unreserve them first), EINVAL for an unknown index. */
int  acd_pool_agent_remove(struct acd_pool *p, uint32_t agent);
/* NULL for an unknown index. */
const struct acd_pool_agent *acd_pool_agent(const struct acd_pool *p,
				       uint32_t agent);
/* The queues the agent is a member of, in no particular order. */
const uint32_t *acd_pool_agent_queues(const struct acd_pool *p,
				      uint32_t agent, size_t *n);

/* Setters: 0, or EINVAL for an unknown index (or a max_calls out of
   range). Lowering max_calls below the calls in hand ends none of them. */
int  acd_pool_set_agent_no(struct acd_pool *p, uint32_t agent,
			   uint32_t agent_no);
int  acd_pool_set_ready(struct acd_pool *p, uint32_t agent, bool ready);
int  acd_pool_set_max_calls(struct acd_pool *p, uint32_t agent,
			    unsigned max_calls);
int  acd_pool_set_idle_since(struct acd_pool *p, uint32_t agent,
			     int64_t ms);
int  acd_pool_set_answered_today(struct acd_pool *p, uint32_t agent,
				 uint32_t n);
bool acd_pool_eligible(const struct acd_pool *p, uint32_t agent);

/* The life of one offer to an agent:
   reserve (the offer starts ringing; EBUSY when not eligible: not ready or
   at its limit) → unreserve (not answered: timeout, rejected, gone; idle
   time untouched) or answered (answered_today + 1) → call_ended (idle
   since now once its last call ends). EINVAL for an unknown index, or for
   unreserve/answered/call_ended with no call in hand. */
int  acd_pool_reserve(struct acd_pool *p, uint32_t agent);
int  acd_pool_unreserve(struct acd_pool *p, uint32_t agent);
int  acd_pool_answered(struct acd_pool *p, uint32_t agent);
int  acd_pool_call_ended(struct acd_pool *p, uint32_t agent, int64_t now_ms);

/* --- queues and members --- */

/* A new queue, no members; its index in *queue. ENOMEM. */
int  acd_pool_queue_add(struct acd_pool *p, uint32_t *queue);
/* Its members leave it; the index is freed. EINVAL for an unknown one. */
int  acd_pool_queue_remove(struct acd_pool *p, uint32_t queue);
/* Members (eligible or not); 0 for an unknown queue. A queue has at most
   one member per agent. */
size_t acd_pool_queue_size(const struct acd_pool *p, uint32_t queue);
/* The members' agent indexes in binding order, at most cap of them;
   returns how many were written (0 for an unknown queue). */
size_t acd_pool_queue_members(const struct acd_pool *p, uint32_t queue,
			      uint32_t *agents, size_t cap);

/* Makes the agent a member of the queue with this priority (lower first)
   and skill level (0-9), or updates them, keeping its binding position.
   New members bind last. EINVAL for unknown indexes or a level over 9,
   ENOMEM. */
int  acd_pool_member_set(struct acd_pool *p, uint32_t queue, uint32_t agent,
			 int priority, uint8_t skill_level);
/* Like acd_pool_member_set with the binding position given (e.g. the
   member's place in the caller's configuration): members stay sorted by
   position (equal ones in binding order), and a member whose position
   changes moves. Do not mix with acd_pool_member_set in one queue. */
int  acd_pool_member_bind(struct acd_pool *p, uint32_t queue, uint32_t agent,
			  uint32_t pos, int priority, uint8_t skill_level);
/* ENOENT when the agent is not a member, EINVAL for unknown indexes. */
int  acd_pool_member_remove(struct acd_pool *p, uint32_t queue,
			    uint32_t agent);

/* --- routing --- */

/* Writes the queue's eligible members, in binding order, to out (at most
   cap; size it with acd_pool_queue_size(), or once with the number of
   agents, which always fits) and returns how many. Candidates' ids are
   agent indexes. Agents in tried[0..ntried) (already offered this call)
   are left out. 0 for an unknown queue. */
size_t acd_pool_candidates(const struct acd_pool *p, uint32_t queue,
			   const uint32_t *tried, size_t ntried,
			   struct acd_candidate *out, size_t cap);
/* acd_order() of these candidates with the queue's round-robin memory, the
   pool's random state and its scratch (no allocation): agents[0..n) in
   offer order, returns how many to ring now (0 for an unknown queue or more
   candidates than agents). Reserve each agent rung (acd_pool_reserve). */
size_t acd_pool_order(struct acd_pool *p, uint32_t queue,
		      enum acd_strategy s, const struct acd_candidate *c,
		      size_t n, uint32_t *agents);

#endif
