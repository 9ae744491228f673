/*
 * dialplan.c — the numbers a tenant's phones dial are one namespace:
 * extensions, conference rooms, tenant voicemail boxes (an extension's
 * own box answers on the extension's number), IVR flows and queues. Whoever creates or renumbers
 * one of them asks here first, so a dialled number never means two things.
 */
#include <errno.h>
#include <stdio.h>
#include "api.h"

struct dialled {
	const char *table;
	const char *what;       /* for the message */
	const char *label;      /* column naming the row in the message */
};

static const struct dialled dialled[] = {
	{"extensions", "extension", "number"},
	{"conference_rooms", "conference room", "name"},
	{"voicemail_boxes", "voicemail box", "name"},
	{"ivr_flows", "IVR flow", "name"},
	{"queues", "queue", "name"},
};

int dialplan_number_free(struct db *db, struct api_req *req,
			 const char *number, const char *self_id)
{
	char sql[256];

	for (size_t i = 0; i < sizeof(dialled) / sizeof(*dialled); i++) {
		const struct dialled *d = &dialled[i];
		json_t *row = NULL;
		int err;

		snprintf(sql, sizeof(sql), "SELECT %s AS label FROM %s WHERE "
			 "tenant_id = ? AND number = ? AND id <> ?", d->label,
			 d->table);
		err = db_query_one(db, &row, sql, json_pack("[sss]",
				   req->who.tenant_id, number,
				   self_id ? self_id : ""));
		if (err == ENOENT)
			continue;
		if (!err)
			err = api_fail(req, 409, "conflict", "number '%s' is "
				       "taken by %s '%s'", number, d->what,
				       json_string_value(json_object_get(row,
								"label")));
		json_decref(row);
		return err;
	}
	return 0;
}
