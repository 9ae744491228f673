/*
 * acd.h — the automatic call distributor at run time (issue 6): agents'
 * states (offline, idle, busy with a reason, ringing, talking, wrap-up),
 * each change kept in the agent state log, and the calls waiting in each
 * queue, offered to the queue's eligible agents in the order of its
 * strategy (acd/strategy.h). The configuration (agents, queues) comes from
 * the directory; the calls are the call module's, reached through
 * operations it gives for each call. Control thread only.
 */
#ifndef HOTLINE_ACD_ACD_H
#define HOTLINE_ACD_ACD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct acd;
struct acd_entry;
struct directory;
struct dir_queue;
struct store;

enum acd_agent_state {
	AGENT_OFFLINE, AGENT_IDLE, AGENT_BUSY, AGENT_RINGING, AGENT_TALKING,
	AGENT_WRAPUP,
};

/* What the ACD asks of a call waiting in a queue. */
struct acd_call_ops {
	/* Rings these phones (extension numbers) at once for ring_s
	   seconds; the outcome comes back as acd_rang(). */
	int  (*ring)(void *arg, const char *const *phones, size_t n,
		     unsigned ring_s);
	void (*cancel)(void *arg);          /* stops ringing */
	void (*wait)(void *arg, const struct dir_queue *q);   /* music */
	/* The call leaves the queue unanswered: "timeout" (max wait) or
	   "no_agent" (every agent logged out while it waited). The entry
	   is gone when this is called. */
	void (*leave)(void *arg, const char *outcome);
	/* An agent answered; the entry is gone when this is called. */
	void (*connected)(void *arg, const char *agent_id,
			  const char *agent_no);
	/* The caller's number, for the queue call log (NULL: none). */
	const char *(*caller)(void *arg);
};

int  acd_alloc(struct acd **ap, struct directory *dir, struct store *store);
void acd_free(struct acd *acd);
struct directory *acd_directory(const struct acd *acd);

/* The call enters the queue. 0 and *ep when it waits; 0, *ep NULL and
   *overflow "no_agent" (nobody logged in) or "full" (max waiting) when it
   cannot; ENOENT: no such queue (or disabled). */
int  acd_enqueue(struct acd *acd, struct acd_entry **ep,
		 const char *tenant_id, const char *queue_id,
		 const char *call_id, const struct acd_call_ops *ops,
		 void *arg, const char **overflow);
/* The ringing ended: answered by `phone`, or nobody answered. */
void acd_rang(struct acd_entry *e, bool answered, const char *phone);
/* The caller is gone while waiting or ringing (the entry is freed). */
void acd_abandon(struct acd_entry *e);
/* A call the agent took is over: wrap-up, then idle. */
void acd_agent_call_ended(struct acd *acd, const char *tenant_id,
			  const char *agent_id);

/* Agent control. ENOENT: no such agent; EINVAL: disabled or no bound
   phone (login); EALREADY: already so; EBUSY: on a call (logout);
   EPERM: offline (state). */
int  acd_agent_login(struct acd *acd, const char *tenant_id,
		     const char *agent_id, bool busy, const char *reason);
int  acd_agent_logout(struct acd *acd, const char *tenant_id,
		      const char *agent_id);
/* idle, or busy with a reason; during a call: the state after it
   (idle ends a wrap-up now). */
int  acd_agent_set(struct acd *acd, const char *tenant_id,
		   const char *agent_id, bool busy, const char *reason);

/* The tenant's agents and queues now (for the live boards). */
json_t *acd_agents_live(struct acd *acd, const char *tenant_id);
/* One agent's live row; NULL: no such agent. */
json_t *acd_agent_live(struct acd *acd, const char *tenant_id,
		       const char *agent_id);
json_t *acd_queues_live(struct acd *acd, const char *tenant_id);
const char *acd_state_name(enum acd_agent_state s);

#endif
