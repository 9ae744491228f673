/*
 * lastcaller.c — who last called each extension (ippbx.md §2.9: *82 reads
 * it back), kept in memory on the control thread: one entry per extension
 * that has rung, replaced by each new call.
 */
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "call.h"

struct last_caller {
	struct le he;
	char key[ID_LEN + 40];          /* tenant id | extension number */
	char caller[64];
};

static void make_key(char *key, size_t size, const char *tenant_id,
		     const char *number)
{
	re_snprintf(key, size, "%s|%s", tenant_id, number);
}

static bool key_eq(struct le *le, void *arg)
{
	const struct last_caller *lc = le->data;

	return !strcmp(lc->key, arg);
}

static struct last_caller *find(struct hash *h, const char *key)
{
	struct le *le = hash_lookup(h, hash_joaat_str(key), key_eq,
				    (void *)key);

	return le ? le->data : NULL;
}

void lastcaller_note(struct hash *h, const char *tenant_id,
		     const char *number, const char *caller)
{
	char key[ID_LEN + 40];
	struct last_caller *lc;

	if (!h || !caller || !*caller)
		return;
	make_key(key, sizeof(key), tenant_id, number);
	lc = find(h, key);
	if (!lc) {
		lc = calloc(1, sizeof(*lc));
		if (!lc)
			return;
		str_ncpy(lc->key, key, sizeof(lc->key));
		hash_append(h, hash_joaat_str(lc->key), &lc->he, lc);
	}
	str_ncpy(lc->caller, caller, sizeof(lc->caller));
}

const char *lastcaller_get(struct hash *h, const char *tenant_id,
			   const char *number)
{
	char key[ID_LEN + 40];
	struct last_caller *lc;

	if (!h)
		return NULL;
	make_key(key, sizeof(key), tenant_id, number);
	lc = find(h, key);
	return lc ? lc->caller : NULL;
}

static bool free_entry(struct le *le, void *arg)
{
	(void)arg;
	hash_unlink(le);
	free(le->data);
	return false;
}

void lastcaller_clear(struct hash *h)
{
	hash_apply(h, free_entry, NULL);
}
