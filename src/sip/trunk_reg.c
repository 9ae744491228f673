/*
 * trunk_reg.c — registrations of "register" trunks at their carriers
 * (see trunk_reg.h). Each trunk is one entry holding a copy of its
 * credentials and a libre sipreg; the sipreg holds a reference to the
 * entry (its auth argument), so a trunk being unregistered after it was
 * stopped still has its credentials for a 401.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "trunk_reg.h"
#include "directory.h"
#include "../core/ids.h"
#include "../core/log.h"
#include "../store/store.h"

struct trunk_reg {
	struct sip *sip;
	struct store *store;
	struct directory *dir;
	struct sa contact;
	struct list entries;
};

struct treg {
	struct le le;
	struct trunk_reg *tr;   /* NULL once stopped */
	struct sipreg *reg;
	bool seen;
	char id[ID_LEN];
	char tenant_id[ID_LEN];
	char name[128];
	char auth_user[128];
	char password[128];
	char realm[128];
	char sig[1400];         /* the configuration it was started with */
};

/* ------------------------------------------------------ status writes */

struct status_write {
	char trunk_id[ID_LEN];
	char tenant_id[ID_LEN];
	char state[16];
	unsigned code;
	char reason[160];
	int64_t at;
};

static int status_work(struct db *db, void *arg)
{
	struct status_write *w = arg;
	int err = db_exec(db, "INSERT INTO trunk_status (trunk_id, tenant_id, "
			  "state, code, reason, updated_at) VALUES "
			  "(?, ?, ?, ?, ?, ?) ON CONFLICT (trunk_id) DO UPDATE "
			  "SET state = excluded.state, code = excluded.code, "
			  "reason = excluded.reason, "
			  "updated_at = excluded.updated_at",
			  json_pack("[sssisI]", w->trunk_id, w->tenant_id,
				    w->state, (int)w->code, w->reason,
				    (json_int_t)w->at));

	/* EBUSY: the trunk was deleted meanwhile; nothing to keep. */
	if (err && err != EBUSY)
		log_warn("sip", "trunk_status: store write failed (%d)", err);
	free(w);
	return 0;
}

static int clear_work(struct db *db, void *arg)
{
	int err = db_exec(db, "DELETE FROM trunk_status", NULL);

	(void)arg;
	if (err)
		log_warn("sip", "trunk_status: not cleared (%d)", err);
	return 0;
}

static void status_set(struct trunk_reg *tr, const struct treg *e,
		       const char *state, unsigned code, const char *reason)
{
	struct status_write *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return;
	snprintf(w->trunk_id, sizeof(w->trunk_id), "%s", e->id);
	snprintf(w->tenant_id, sizeof(w->tenant_id), "%s", e->tenant_id);
	snprintf(w->state, sizeof(w->state), "%s", state);
	w->code = code;
	snprintf(w->reason, sizeof(w->reason), "%s", reason ? reason : "");
	w->at = now_ms();
	err = store_submit(tr->store, STORE_WRITE, status_work, NULL, w);
	if (err) {
		log_warn("sip", "trunk_status: write not queued: %s",
			 strerror(err));
		free(w);
	}
}

/* ---------------------------------------------------------- sipreg */

static int auth_handler(char **user, char **pass, const char *realm,
			void *arg)
{
	struct treg *e = arg;
	int err;

	if (e->realm[0] && realm && str_casecmp(realm, e->realm))
		return EAUTH;
	err = str_dup(user, e->auth_user);
	if (!err)
		err = str_dup(pass, e->password);
	return err;
}

static void resp_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct treg *e = arg;
	char reason[160];

	if (!e->tr)
		return;
	if (msg && msg->scode < 200)
		return;
	if (msg) {
		re_snprintf(reason, sizeof(reason), "%u %r", msg->scode,
			    &msg->reason);
	} else {
		re_snprintf(reason, sizeof(reason), "%m", err);
	}
	if (!err && msg && msg->scode < 300) {
		log_debug("sip", "trunk %s registered", e->name);
		status_set(e->tr, e, "registered", msg->scode, reason);
		return;
	}
	log_warn("sip", "trunk %s: registration failed: %s", e->name, reason);
	status_set(e->tr, e, "failed", msg ? msg->scode : 0, reason);
}

static void treg_destructor(void *arg)
{
	struct treg *e = arg;

	list_unlink(&e->le);
}

static void signature(const struct dir_trunk *t, char *out, size_t size)
{
	snprintf(out, size, "%s|%s|%u|%s|%s|%s|%s|%s|%u|%s", t->tenant_id,
		 t->host, t->port, t->transport, t->username,
		 t->auth_username, t->password, t->realm, t->expires,
		 t->outbound_proxy);
}

static int start_sipreg(struct treg *e, const struct dir_trunk *t)
{
	char reg_uri[400], aor[400], route[300];
	const char *routev[1] = {route};
	bool udp = !strcmp(t->transport, "udp");

	re_snprintf(reg_uri, sizeof(reg_uri), "sip:%s:%u%s%s", t->host,
		    t->port ? t->port : 5060, udp ? "" : ";transport=",
		    udp ? "" : t->transport);
	re_snprintf(aor, sizeof(aor), "sip:%s@%s", t->username, t->host);
	if (t->outbound_proxy[0])
		re_snprintf(route, sizeof(route), "%s%s;lr",
			    strncmp(t->outbound_proxy, "sip", 3) ? "sip:" : "",
			    t->outbound_proxy);
	return sipreg_register(&e->reg, e->tr->sip, reg_uri, aor, NULL, aor,
			       t->expires ? t->expires : 3600, t->username,
			       t->outbound_proxy[0] ? routev : NULL,
			       t->outbound_proxy[0] ? 1 : 0, 0, auth_handler,
			       e, true, resp_handler, e, NULL, NULL);
}

static void start(struct trunk_reg *tr, const struct dir_trunk *t,
		  const char *sig)
{
	struct treg *e = mem_zalloc(sizeof(*e), treg_destructor);
	int err;

	if (!e)
		return;
	e->tr = tr;
	e->seen = true;
	snprintf(e->id, sizeof(e->id), "%s", t->id);
	snprintf(e->tenant_id, sizeof(e->tenant_id), "%s", t->tenant_id);
	snprintf(e->name, sizeof(e->name), "%s", t->name);
	snprintf(e->auth_user, sizeof(e->auth_user), "%s",
		 t->auth_username[0] ? t->auth_username : t->username);
	snprintf(e->password, sizeof(e->password), "%s", t->password);
	snprintf(e->realm, sizeof(e->realm), "%s", t->realm);
	snprintf(e->sig, sizeof(e->sig), "%s", sig);
	list_append(&tr->entries, &e->le, e);
	status_set(tr, e, "registering", 0, "");
	err = start_sipreg(e, t);
	if (err) {
		char reason[160];

		re_snprintf(reason, sizeof(reason), "not started: %m", err);
		log_warn("sip", "trunk %s: %s", t->name, reason);
		status_set(tr, e, "failed", 0, reason);
	}
}

/* Unregisters (libre sends expires=0 if registered) and forgets. */
static void stop(struct treg *e)
{
	e->tr = NULL;
	list_unlink(&e->le);
	e->reg = mem_deref(e->reg);
	mem_deref(e);
}

static struct treg *find(struct trunk_reg *tr, const char *id)
{
	for (struct le *le = tr->entries.head; le; le = le->next) {
		struct treg *e = le->data;

		if (!strcmp(e->id, id))
			return e;
	}
	return NULL;
}

void trunk_reg_sync(struct trunk_reg *tr)
{
	const struct dir_trunk *t;
	char sig[1400];
	size_t n;
	struct le *le;

	if (!tr)
		return;
	for (le = tr->entries.head; le; le = le->next)
		((struct treg *)le->data)->seen = false;
	t = directory_trunks(tr->dir, &n);
	for (size_t i = 0; i < n; i++, t++) {
		struct treg *e;

		if (!t->is_register || !t->enabled)
			continue;
		signature(t, sig, sizeof(sig));
		e = find(tr, t->id);
		if (e && !strcmp(e->sig, sig)) {
			e->seen = true;
			continue;
		}
		if (e)
			stop(e);
		start(tr, t, sig);
	}
	le = tr->entries.head;
	while (le) {
		struct treg *e = le->data;

		le = le->next;
		if (e->seen)
			continue;
		if (directory_trunk(tr->dir, e->id))
			status_set(tr, e, "disabled", 0, "");
		stop(e);
	}
}

int trunk_reg_alloc(struct trunk_reg **trp, struct sip *sip,
		    struct store *store, struct directory *dir,
		    const struct sa *contact_addr)
{
	struct trunk_reg *tr;
	int err;

	if (!trp || !sip || !store || !dir)
		return EINVAL;
	tr = calloc(1, sizeof(*tr));
	if (!tr)
		return ENOMEM;
	tr->sip = sip;
	tr->store = store;
	tr->dir = dir;
	if (contact_addr)
		sa_cpy(&tr->contact, contact_addr);
	list_init(&tr->entries);
	/* States of a previous run are stale; the writer keeps the order. */
	err = store_submit(store, STORE_WRITE, clear_work, NULL, NULL);
	if (err) {
		free(tr);
		return err;
	}
	trunk_reg_sync(tr);
	*trp = tr;
	return 0;
}

void trunk_reg_free(struct trunk_reg *tr)
{
	if (!tr)
		return;
	while (tr->entries.head)
		stop(tr->entries.head->data);
	free(tr);
}
