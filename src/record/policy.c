/*
 * policy.c — the recording decision (see policy.h): the call's parties'
 * own settings first, then the tenant's policy for the direction.
 */
#include <string.h>
#include "../core/libre.h"
#include "policy.h"

/* The party settings of the call: how many say always / never. */
static void tally(const struct directory *dir, const struct record_call *c,
		  unsigned *always, unsigned *never)
{
	const struct dir_trunk *t = c->trunk_id && *c->trunk_id
				    ? directory_trunk(dir, c->trunk_id) : NULL;

	*always = *never = 0;
	for (int i = 0; i < 2; i++) {
		const struct dir_extension *e;
		struct pl num;

		if (!c->extensions[i] || !*c->extensions[i])
			continue;
		pl_set_str(&num, c->extensions[i]);
		e = directory_extension(dir, c->tenant_id, &num);
		if (e && e->record == DIR_RECORD_ALWAYS)
			(*always)++;
		if (e && e->record == DIR_RECORD_NEVER)
			(*never)++;
	}
	if (t && !strcmp(t->tenant_id, c->tenant_id)) {
		*always += t->record == DIR_RECORD_ALWAYS;
		*never += t->record == DIR_RECORD_NEVER;
	}
}

static bool direction_recorded(const struct dir_rec_policy *p,
			       const char *direction)
{
	if (!direction)
		return false;
	if (!strcmp(direction, "inbound"))
		return p->inbound;
	if (!strcmp(direction, "outbound"))
		return p->outbound;
	if (!strcmp(direction, "internal"))
		return p->internal;
	return false;
}

void record_decide(const struct directory *dir, const struct record_call *c,
		   struct record_choice *out)
{
	const struct dir_tenant *t = c ? directory_tenant(dir, c->tenant_id)
				       : NULL;
	unsigned always, never;

	memset(out, 0, sizeof(*out));
	out->rate = 8000;
	out->why = "no_tenant";
	if (!t)
		return;
	out->format = t->rec.mp3 ? REC_MP3 : REC_WAV;
	out->mode = t->rec.mono ? REC_MONO : REC_STEREO;
	tally(dir, c, &always, &never);
	if (never) {
		out->why = "party_never";
	} else if (always) {
		out->record = true;
		out->why = "party_always";
	} else {
		out->record = direction_recorded(&t->rec, c->direction);
		out->why = out->record ? "policy" : "policy_off";
	}
}
