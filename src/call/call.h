/*
 * call.h — the call model shared by the call module's files (internal to
 * src/call): a call is one customer contact with an incoming leg (a) and
 * the outgoing legs it forks to (b legs); the first b leg to answer wins.
 * Everything here runs on the control thread.
 */
#ifndef HOTLINE_CALL_CALL_H
#define HOTLINE_CALL_CALL_H

#include <stdbool.h>
#include <stdint.h>
#include "../core/libre.h"
#include "sdp.h"
#include "../core/ids.h"
#include "../media/media.h"

struct b2bua;
struct sipsess;

enum leg_state { LEG_TRYING, LEG_RINGING, LEG_ANSWERED, LEG_ENDED };

struct leg {
	struct le le;              /* in call->blegs */
	struct call *call;
	bool outgoing;
	char id[ID_LEN];
	char endpoint[64];         /* extension number, later trunk name */
	char uri[256];
	char sip_call_id[128];
	enum leg_state state;
	struct sipsess *sess;
	struct media_endpoint *ep;
	struct leg_sdp sdp;
	struct media_format fmt;
	bool has_fmt;
	bool held;                 /* the far end put us on hold */
	int64_t start_ms, ring_ms, answer_ms, end_ms;
	uint16_t sip_code;
	char sip_reason[64];
	struct media_stats stats;  /* read when the leg ends */
};

struct call {
	struct le le;              /* in the b2bua's list */
	struct b2bua *b2bua;
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char direction[16];        /* internal, inbound, outbound */
	char caller[64], caller_name[128], callee[64];
	struct leg *a;
	struct list blegs;
	struct leg *winner;
	struct tmr ring_tmr;       /* no-answer timeout */
	struct tmr cleanup_tmr;
	int64_t start_ms, ring_ms, answer_ms, end_ms;
	const char *end_status;    /* see docs/api.md: call end statuses */
	const char *hangup_side;   /* caller, callee, system */
	uint16_t sip_code;
	char sip_reason[64];
	bool a_answered_sdp;       /* our SDP answer already went to a */
	bool ended;
};

/* call.c */
struct call *call_new(struct b2bua *b, const char *tenant_id);
struct leg *leg_new(struct call *call, bool outgoing);
void call_end(struct call *call, const char *status, const char *side,
	      uint16_t code, const char *reason);
void leg_stop(struct leg *leg, uint16_t code, const char *reason);
void call_free(struct call *call);
const char *call_status_for_code(uint16_t code);

/* cdr.c */
void cdr_write(struct b2bua *b, const struct call *call);

/* b2bua.c, for call.c */
void b2bua_forget(struct b2bua *b, struct call *call);
struct store *b2bua_store(const struct b2bua *b);

#endif
