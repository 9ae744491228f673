/*
 * dispatch.c — what happens to a new INVITE: from a trunk it is an inbound
 * call routed by the tenant's inbound routes (number, caller, time); from
 * an extension it is an internal call when it dials another extension, or
 * an outbound call through the tenant's outbound routes and trunks.
 * Concurrency limits per tenant and per trunk are checked here, and every
 * refused call still leaves a call record saying why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "b2bua.h"
#include "call.h"
#include "../api/api.h"
#include "../core/log.h"
#include "../sip/directory.h"
#include "../sip/registrar.h"

/* The trunk a request came from: a peer trunk whose CIDRs hold the source
   address, or a register trunk whose host is that address; when a trunk
   names a port, the source port must match too (several trunks, or a
   trunk and phones, may share an address). */
static const struct dir_trunk *trunk_for(const struct directory *dir,
					 const struct sa *src)
{
	size_t n = 0;
	const struct dir_trunk *trunks = directory_trunks(dir, &n);
	char ip[64];

	if (sa_ntop(src, ip, sizeof(ip)))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct dir_trunk *t = &trunks[i];
		bool addr_ok;

		if (!t->enabled)
			continue;
		addr_ok = t->is_register
				  ? !strcmp(t->host, ip)
				  : cidr_list_allows(t->peer_cidrs, ip) &&
					    json_array_size(t->peer_cidrs) > 0;
		if (addr_ok && (!t->port || t->port == sa_port(src)))
			return t;
	}
	return NULL;
}

static void pl_copy(const struct pl *pl, char *out, size_t size)
{
	if (pl_strcpy(pl, out, size))
		out[0] = '\0';
}

/* A call refused before it rang anywhere still gets its record. */
static void refuse(struct b2bua *b, const struct sip_msg *msg,
		   const char *tenant_id, const char *direction,
		   const char *caller, const char *callee, const char *trunk,
		   uint16_t code, const char *reason, const char *status)
{
	struct call *call;

	if (!tenant_id || !*tenant_id) {
		b2bua_reject(b, msg, code, reason);
		return;
	}
	call = b2bua_take_call(b, msg, tenant_id, direction, caller, NULL,
			       callee);
	if (!call)
		return;
	if (trunk)
		str_ncpy(call->trunk_id, trunk, sizeof(call->trunk_id));
	call_end(call, status, "system", code, reason);
}

static bool tenant_full(struct b2bua *b, const char *tenant_id)
{
	const struct dir_tenant *t =
		directory_tenant(b2bua_deps(b)->dir, tenant_id);

	return t && t->max_calls &&
	       b2bua_count_tenant(b, tenant_id) >= t->max_calls;
}

static unsigned ring_targets(struct call *call,
			     const struct inbound_decision *dec)
{
	const struct directory *dir = b2bua_deps(call->b2bua)->dir;
	unsigned started = 0;

	for (size_t i = 0; i < dec->ntargets; i++) {
		const struct dir_extension *ext;
		struct pl num;

		pl_set_str(&num, dec->targets[i]);
		ext = directory_extension(dir, call->tenant_id, &num);
		if (ext)
			started += call_ring_extension(call, ext);
	}
	return started;
}

static void inbound(struct b2bua *b, const struct sip_msg *msg,
		    const struct dir_trunk *trunk)
{
	const struct directory *dir = b2bua_deps(b)->dir;
	struct inbound_decision dec;
	char called[64], caller[64];
	struct call *call;

	pl_copy(pl_isset(&msg->uri.user) ? &msg->uri.user : &msg->to.uri.user,
		called, sizeof(called));
	pl_copy(&msg->from.uri.user, caller, sizeof(caller));
	if (route_inbound(dir, called, caller, trunk->id, now_ms(), &dec)) {
		b2bua_reject(b, msg, 500, "Server Internal Error");
		return;
	}
	if (dec.refusal.code) {
		refuse(b, msg, dec.tenant_id[0] ? dec.tenant_id
						: trunk->tenant_id,
		       "inbound", caller, called, trunk->id, dec.refusal.code,
		       dec.refusal.reason, dec.refusal.end_status);
		return;
	}
	if ((trunk->max_calls &&
	     b2bua_count_trunk(b, trunk->id) >= trunk->max_calls) ||
	    tenant_full(b, dec.tenant_id)) {
		refuse(b, msg, dec.tenant_id, "inbound", caller, called,
		       trunk->id, 503, "Too Many Calls", "over_capacity");
		return;
	}
	call = b2bua_take_call(b, msg, dec.tenant_id, "inbound", caller, NULL,
			       called);
	if (!call)
		return;
	str_ncpy(call->trunk_id, trunk->id, sizeof(call->trunk_id));
	switch (dec.dest) {
	case DEST_EXTENSION:
	case DEST_RING_GROUP:
		if (!ring_targets(call, &dec)) {
			call_end(call, "unavailable", "system", 480,
				 "Temporarily Unavailable");
			return;
		}
		call_start_ring_timer(call);
		return;
	case DEST_HANGUP:
		call_end(call, "hangup", "system", 603, "Decline");
		return;
	default:
		/* external numbers, IVR, queues and voicemail come with their
		   modules */
		call_end(call, "not_implemented", "system", 501,
			 "Destination Not Implemented");
		return;
	}
}

static void outbound(struct b2bua *b, const struct sip_msg *msg,
		     const struct dir_extension *from, const char *dialed)
{
	struct outbound_decision *dec = calloc(1, sizeof(*dec));
	struct call *call;

	if (!dec || route_outbound(b2bua_deps(b)->dir, from, dialed, now_ms(),
				   dec)) {
		free(dec);
		b2bua_reject(b, msg, 500, "Server Internal Error");
		return;
	}
	if (dec->refusal.code || tenant_full(b, from->tenant_id)) {
		bool full = !dec->refusal.code;

		refuse(b, msg, from->tenant_id, "outbound", from->number,
		       dialed, NULL, full ? 503 : dec->refusal.code,
		       full ? "Too Many Calls" : dec->refusal.reason,
		       full ? "over_capacity" : dec->refusal.end_status);
		free(dec);
		return;
	}
	call = b2bua_take_call(b, msg, from->tenant_id, "outbound",
			       from->number, from->display_name, dialed);
	if (!call) {
		free(dec);
		return;
	}
	call->out = dec;
	if (call_dial_next_trunk(call)) {
		call_end(call, "carrier_error", "system", 503,
			 "No Trunk Available");
		return;
	}
	call_start_ring_timer(call);
}

static void internal(struct b2bua *b, const struct sip_msg *msg,
		     const struct dir_extension *from,
		     const struct dir_extension *to)
{
	struct call *call;

	if (!to->enabled) {
		refuse(b, msg, from->tenant_id, "internal", from->number,
		       to->number, NULL, 404, "Not Found", "vacant");
		return;
	}
	if (tenant_full(b, from->tenant_id)) {
		refuse(b, msg, from->tenant_id, "internal", from->number,
		       to->number, NULL, 503, "Too Many Calls",
		       "over_capacity");
		return;
	}
	call = b2bua_take_call(b, msg, from->tenant_id, "internal",
			       from->number, from->display_name, to->number);
	if (!call)
		return;
	if (!call_ring_extension(call, to)) {
		call_end(call, "unavailable", "system", 480,
			 "Temporarily Unavailable");
		return;
	}
	call_start_ring_timer(call);
}

void dispatch_invite(struct b2bua *b, const struct sip_msg *msg)
{
	const struct b2bua_deps *deps = b2bua_deps(b);
	const struct dir_trunk *trunk = trunk_for(deps->dir, &msg->src);
	const struct dir_extension *from, *to;
	char dialed[64];

	if (trunk) {
		inbound(b, msg, trunk);
		return;
	}
	from = registrar_authenticate(deps->reg, msg);
	if (!from)
		return;   /* answered with 401/407/403 */
	to = directory_extension(deps->dir, from->tenant_id, &msg->uri.user);
	if (to) {
		internal(b, msg, from, to);
		return;
	}
	pl_copy(&msg->uri.user, dialed, sizeof(dialed));
	outbound(b, msg, from, dialed);
}
