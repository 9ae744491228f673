/*
 * registrations.c — the live SIP registrations (contacts) of the tenant's
 * extensions, as the registrar copies them to the store: one row per
 * registered device. Read-only; the registrar owns the rows.
 */
#include <string.h>
#include "api.h"

#define COLUMNS "id, extension_id, number, contact, transport, source, " \
	"user_agent, expires_at, registered_at"
#define FROM_X "(SELECT r.*, e.number FROM registrations r JOIN " \
	"extensions e ON e.id = r.extension_id) x"

static const char *const sortable[] = {"number", "registered_at",
				       "expires_at", NULL};
static const char *const text_columns[] = {"number", "contact", "source",
					   "user_agent", NULL};
static const struct list_filter filters[] = {
	{"extension_id", "extension_id", F_STRING, NULL},
	{"number", "number", F_STRING, NULL},
	{"transport", "transport", F_STRING, NULL},
	{NULL, NULL, 0, NULL},
};

HANDLER(registrations_list)
{
	static const struct list_spec list = {
		FROM_X, COLUMNS, sortable, "number", false, text_columns,
		filters, false,
	};
	json_t *params = json_pack("[I]", (json_int_t)now_ms());
	int err = list_run(db, req, &list, "expires_at > ?", params, NULL);

	json_decref(params);
	return err;
}
