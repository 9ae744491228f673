/*
 * bootstrap.c — what a new database gets at first start: the platform
 * tenant "system" with its operator, and (unless --demo=0) the demo tenant
 * with its administrator. Passwords come from HOTLINE_OPERATOR_PASSWORD and
 * HOTLINE_ADMIN_PASSWORD, or are generated, printed once and kept in
 * DATA/initial-credentials (mode 0600) until the user changes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "api.h"
#include "bootstrap.h"
#include "../core/log.h"

struct seed {
	const char *code, *name, *user, *env;
	char password[64];
	bool generated, created;
};

static int tenant_exists(struct db *db, const char *code, bool *exists)
{
	json_t *row = NULL;
	int err = db_query_one(db, &row, "SELECT id FROM tenants WHERE code = ?",
			       json_pack("[s]", code));

	json_decref(row);
	if (err && err != ENOENT)
		return err;
	*exists = !err;
	return 0;
}

static int seed_tenant(struct db *db, struct seed *s)
{
	const char *env = getenv(s->env);
	char hash[128], id[ID_LEN];
	bool exists;
	int err = tenant_exists(db, s->code, &exists);

	if (err || exists)
		return err;
	if (env && strlen(env) >= 8) {
		snprintf(s->password, sizeof(s->password), "%s", env);
	} else {
		if (env && *env)
			log_warn("boot", "%s is shorter than 8 characters: "
				 "generating a password instead", s->env);
		random_hex(s->password, 8);
		s->generated = true;
	}
	if (password_hash(s->password, hash))
		return ENOMEM;
	err = bootstrap_tenant(db, s->code, s->name, s->user, hash, id);
	if (!err)
		s->created = true;
	return err;
}

struct boot {
	struct seed seeds[2];
	bool demo;
	char data_dir[1024];
	void (*done)(int err, void *arg);
	void *arg;
};

static int boot_work(struct db *db, void *arg)
{
	struct boot *b = arg;
	int err = seed_tenant(db, &b->seeds[0]);

	if (!err && b->demo)
		err = seed_tenant(db, &b->seeds[1]);
	return err;
}

static void save_credentials(const struct boot *b)
{
	char path[1100];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/initial-credentials", b->data_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd < 0 || !(f = fdopen(fd, "a"))) {
		if (fd >= 0)
			close(fd);
		log_warn("boot", "cannot write %s", path);
		return;
	}
	for (int i = 0; i < 2; i++) {
		const struct seed *s = &b->seeds[i];

		if (s->created && s->generated)
			fprintf(f, "tenant=%s user=%s password=%s\n", s->code,
				s->user, s->password);
	}
	fclose(f);
}

static void boot_done(int err, void *arg)
{
	struct boot *b = arg;

	for (int i = 0; !err && i < 2; i++) {
		const struct seed *s = &b->seeds[i];

		if (!s->created)
			continue;
		log_info("boot", "created tenant '%s' with user '%s'%s",
			 s->code, s->user, s->generated ? " (password "
			 "generated, see initial-credentials)" : "");
		if (s->generated)
			printf("  first login: tenant %s, user %s, password "
			       "%s\n", s->code, s->user, s->password);
	}
	if (!err)
		save_credentials(b);
	fflush(stdout);
	b->done(err, b->arg);
	free(b);
}

int bootstrap_start(struct store *st, const char *data_dir, bool demo,
		    void (*done)(int err, void *arg), void *arg)
{
	struct boot *b = calloc(1, sizeof(*b));
	int err;

	if (!b)
		return ENOMEM;
	b->seeds[0] = (struct seed){.code = "system", .name = "Platform",
				    .user = "operator",
				    .env = "HOTLINE_OPERATOR_PASSWORD"};
	b->seeds[1] = (struct seed){.code = "demo", .name = "Demo Company",
				    .user = "admin",
				    .env = "HOTLINE_ADMIN_PASSWORD"};
	b->demo = demo;
	snprintf(b->data_dir, sizeof(b->data_dir), "%s", data_dir);
	b->done = done;
	b->arg = arg;
	err = store_submit(st, STORE_WRITE, boot_work, boot_done, b);
	if (err)
		free(b);
	return err;
}
