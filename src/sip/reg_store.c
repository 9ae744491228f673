/*
 * reg_store.c — the registrar's copy of its bindings in the registrations
 * table: every change is a fire-and-forget write job (the writer keeps
 * their order), and at start the live rows are loaded back as bindings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "registrar.h"
#include "reg_internal.h"
#include "../core/log.h"
#include "../store/store.h"

struct reg_write {
	bool del;
	char id[ID_LEN], tenant_id[ID_LEN], ext_id[ID_LEN];
	char *contact, *source, *user_agent;
	const char *transport;
	int64_t expires_at, registered_at;
};

static void write_free(struct reg_write *w)
{
	free(w->contact);
	free(w->source);
	free(w->user_agent);
	free(w);
}

static int write_work(struct db *db, void *arg)
{
	struct reg_write *w = arg;
	int err;

	if (w->del)
		err = db_exec(db, "DELETE FROM registrations WHERE "
			      "extension_id = ? AND contact = ?",
			      json_pack("[ss]", w->ext_id, w->contact));
	else
		err = db_exec(db, "INSERT INTO registrations (id, tenant_id, "
			      "extension_id, contact, transport, source, "
			      "user_agent, expires_at, registered_at) VALUES "
			      "(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
			      "(extension_id, contact) DO UPDATE SET "
			      "transport = excluded.transport, "
			      "source = excluded.source, "
			      "user_agent = excluded.user_agent, "
			      "expires_at = excluded.expires_at",
			      json_pack("[sssssssII]", w->id, w->tenant_id,
					w->ext_id, w->contact, w->transport,
					w->source, w->user_agent,
					(json_int_t)w->expires_at,
					(json_int_t)w->registered_at));
	/* EBUSY: the extension was deleted meanwhile; nothing to keep. */
	if (err && err != EBUSY)
		log_warn("sip", "registrations: store write failed (%d)", err);
	write_free(w);
	return 0;
}

static void submit(struct store *store, struct reg_write *w)
{
	int err = store_submit(store, STORE_WRITE, write_work, NULL, w);

	if (err) {
		log_warn("sip", "registrations: write not queued: %s",
			 strerror(err));
		write_free(w);
	}
}

static const char *const tp_names[] = {"udp", "tcp", "tls", "ws", "wss"};

static const char *transport_name(enum sip_transp tp)
{
	return tp >= SIP_TRANSP_UDP && tp < SIP_TRANSPC ? tp_names[tp] : "udp";
}

void reg_store_upsert(struct store *store, const struct binding *b)
{
	struct reg_write *w = calloc(1, sizeof(*w));
	char src[80];

	if (!w)
		return;
	if (re_snprintf(src, sizeof(src), "%J", &b->dst) < 0)
		src[0] = '\0';
	snprintf(w->id, sizeof(w->id), "%s", b->row_id);
	snprintf(w->tenant_id, sizeof(w->tenant_id), "%s", b->tenant_id);
	snprintf(w->ext_id, sizeof(w->ext_id), "%s", b->ext_id);
	w->contact = strdup(b->uri);
	w->source = strdup(src);
	w->user_agent = strdup(b->user_agent ? b->user_agent : "");
	w->transport = transport_name(b->tp);
	w->expires_at = b->expires_ms;
	w->registered_at = b->registered_ms;
	if (!w->contact || !w->source || !w->user_agent) {
		write_free(w);
		return;
	}
	submit(store, w);
}

void reg_store_delete(struct store *store, const char *ext_id,
		      const char *uri)
{
	struct reg_write *w = calloc(1, sizeof(*w));

	if (!w)
		return;
	w->del = true;
	snprintf(w->ext_id, sizeof(w->ext_id), "%s", ext_id);
	w->contact = strdup(uri);
	if (!w->contact) {
		write_free(w);
		return;
	}
	submit(store, w);
}

/* ----------------------------------------------------------- start-up */

struct reg_load {
	struct registrar *reg;   /* NULL once the registrar is gone */
	json_t *rows;
};

static int load_work(struct db *db, void *arg)
{
	struct reg_load *ld = arg;
	json_int_t now = now_ms();
	int err = db_exec(db, "DELETE FROM registrations WHERE expires_at <= ?",
			  json_pack("[I]", now));

	if (!err)
		err = db_query(db, &ld->rows, "SELECT r.id, r.tenant_id, "
			       "r.extension_id, r.contact, r.transport, "
			       "r.source, r.user_agent, r.expires_at, "
			       "r.registered_at, e.number FROM registrations r "
			       "JOIN extensions e ON e.id = r.extension_id "
			       "WHERE r.expires_at > ?",
			       json_pack("[I]", now));
	return err;
}

static const char *col(json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));

	return s ? s : "";
}

static enum sip_transp transport_of(const char *name)
{
	for (int t = SIP_TRANSP_UDP; t < SIP_TRANSPC; t++) {
		if (!strcmp(tp_names[t], name))
			return (enum sip_transp)t;
	}
	return SIP_TRANSP_UDP;
}

static void restore_row(struct registrar *reg, json_t *row)
{
	struct binding *b;
	struct pl uri, src;

	pl_set_str(&uri, col(row, "contact"));
	pl_set_str(&src, col(row, "source"));
	if (binding_find(reg, col(row, "extension_id"), &uri))
		return;   /* registered again meanwhile */
	b = binding_new(reg, col(row, "extension_id"), col(row, "tenant_id"),
			col(row, "number"), &uri);
	if (!b)
		return;
	snprintf(b->row_id, sizeof(b->row_id), "%s", col(row, "id"));
	if (sa_decode(&b->dst, src.p, src.l))
		sa_init(&b->dst, AF_INET);
	b->tp = transport_of(col(row, "transport"));
	b->expires_ms = json_integer_value(json_object_get(row, "expires_at"));
	b->registered_ms = json_integer_value(json_object_get(row,
							      "registered_at"));
	b->next_ping_ms = now_ms() + 1000;
	if (*col(row, "user_agent"))
		(void)str_dup(&b->user_agent, col(row, "user_agent"));
}

static void load_done(int err, void *arg)
{
	struct reg_load *ld = arg;
	struct registrar *reg = ld->reg;
	size_t i;
	json_t *row;

	if (reg) {
		reg->loading = NULL;
		if (err)
			log_error("sip", "registrations not loaded (%d)", err);
		json_array_foreach(ld->rows, i, row)
			restore_row(reg, row);
		if (json_array_size(ld->rows))
			log_info("sip", "%zu registrations restored",
				 json_array_size(ld->rows));
	}
	json_decref(ld->rows);
	free(ld);
}

int reg_store_load(struct registrar *reg)
{
	struct reg_load *ld = calloc(1, sizeof(*ld));
	int err;

	if (!ld)
		return ENOMEM;
	ld->reg = reg;
	err = store_submit(reg->store, STORE_WRITE, load_work, load_done, ld);
	if (err) {
		free(ld);
		return err;
	}
	reg->loading = ld;
	return 0;
}

void reg_store_cancel(struct registrar *reg)
{
	if (reg->loading)
		reg->loading->reg = NULL;
	reg->loading = NULL;
}
