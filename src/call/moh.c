/*
 * moh.c — music on hold: when one party of a call holds, the other hears
 * its tenant's music-on-hold class until the call is resumed.
 *
 * The class is the one asked for (a queue's own, moh_start_class), else
 * the one named "default", else the first by name — a class with no
 * approved voice falls back the same way; its approved voices are decoded once (on a store reader, never here) into
 * one sound — in the class's order, or shuffled once for "random" — and
 * every held caller of the tenant plays that sound from the wall clock:
 * one decode and one copy in memory for all of them. The sound is kept for
 * MOH_KEEP_MS and then read again (a changed class is picked up).
 * A tenant with no class: the held party hears silence, and the next one
 * asks again (a class made meanwhile plays at once).
 */
#include <stdlib.h>
#include <string.h>
#include "../core/libre.h"
#include "call.h"
#include "b2bua.h"
#include "../core/log.h"
#include "../media/audiofile.h"
#include "../store/store.h"

enum { MOH_KEEP_MS = 60000, MOH_MAX_VOICES = 50 };

struct moh_entry {
	struct le le;
	char tenant_id[ID_LEN];
	char class_id[ID_LEN];          /* "": the tenant's default */
	struct media_sound *sound;      /* NULL: no class (or loading) */
	int64_t loaded_ms;
	bool loading;
	struct list waiting;            /* legs to start once loaded */
};

struct moh {
	struct list entries;
	char data_dir[512];
	struct store *store;
	unsigned loads;                 /* store jobs not back yet */
	bool closed;                    /* moh_free() ran: free at the last */
};

struct moh_load {
	struct moh *moh;
	char tenant_id[ID_LEN];
	char class_id[ID_LEN];
	char data_dir[512];
	struct media_sound *sound;      /* the result */
};

int moh_alloc(struct moh **mp, struct store *store, const char *data_dir)
{
	struct moh *m = calloc(1, sizeof(*m));

	if (!m)
		return ENOMEM;
	list_init(&m->entries);
	m->store = store;
	str_ncpy(m->data_dir, data_dir ? data_dir : ".", sizeof(m->data_dir));
	*mp = m;
	return 0;
}

static void release(struct moh *m)
{
	struct le *le;

	while ((le = list_head(&m->entries))) {
		struct moh_entry *e = le->data;

		list_unlink(le);
		list_clear(&e->waiting);   /* the legs are the calls' */
		media_sound_unref(e->sound);
		free(e);
	}
	free(m);
}

/* The calls are gone; a load still running frees it when it is back. */
void moh_free(struct moh *m)
{
	if (!m)
		return;
	m->closed = true;
	if (!m->loads)
		release(m);
}

/* ---- loading (store reader) ---------------------------------------- */

static const char *const class_sql =
	"SELECT c.id AS class_id, c.mode, cv.voice_id"
	" FROM moh_classes c"
	" JOIN moh_class_voices cv ON cv.class_id = c.id"
	" JOIN voices v ON v.id = cv.voice_id AND v.status = 'approved'"
	" WHERE c.tenant_id = ?"
	" ORDER BY CASE WHEN c.id = ? THEN 0 WHEN c.name = 'default' THEN 1"
	" ELSE 2 END, c.name, cv.position";

/* Appends b to *a (both 16 kHz sounds); *a replaced. */
static int append_sound(struct media_sound **a, struct media_sound *b)
{
	size_t na = media_sound_samples(*a), nb = media_sound_samples(b);
	int16_t *pcm = malloc((na + nb) * sizeof(int16_t));
	struct media_sound *s = NULL;
	int err;

	if (!pcm)
		return ENOMEM;
	media_sound_copy(*a, pcm, na);
	media_sound_copy(b, pcm + na, nb);
	err = media_sound_from_pcm(&s, pcm, na + nb);
	free(pcm);
	if (err)
		return err;
	media_sound_unref(*a);
	*a = s;
	return 0;
}

static void shuffle(json_t *ids)
{
	for (size_t i = json_array_size(ids); i > 1; i--) {
		size_t j = rand_u32() % i;
		json_t *x = json_incref(json_array_get(ids, i - 1));

		json_array_set(ids, i - 1, json_array_get(ids, j));
		json_array_set_new(ids, j, x);
	}
}

/* The first class's voices, in playing order. */
static json_t *class_voices(json_t *rows)
{
	json_t *ids = json_array(), *row;
	const char *first = NULL, *mode = "sequential";
	size_t i;

	json_array_foreach(rows, i, row) {
		const char *cls = json_string_value(json_object_get(row,
								   "class_id"));
		if (!first) {
			first = cls;
			mode = json_string_value(json_object_get(row, "mode"));
		}
		if (!cls || strcmp(cls, first) ||
		    json_array_size(ids) >= MOH_MAX_VOICES)
			break;
		json_array_append(ids, json_object_get(row, "voice_id"));
	}
	if (mode && !strcmp(mode, "random"))
		shuffle(ids);
	return ids;
}

static int load_work(struct db *db, void *arg)
{
	struct moh_load *ld = arg;
	json_t *rows = NULL, *ids, *id;
	char path[1024];
	size_t i;
	int err = db_query(db, &rows, class_sql,
			   json_pack("[ss]", ld->tenant_id, ld->class_id));

	if (err)
		return err;
	ids = class_voices(rows);
	json_decref(rows);
	json_array_foreach(ids, i, id) {
		struct media_sound *s = NULL;

		if (audiofile_voice_path(path, sizeof(path), ld->data_dir,
					 ld->tenant_id,
					 json_string_value(id)) < 0 ||
		    media_sound_load(&s, path)) {
			log_warn("moh", "tenant %s: cannot read voice %s",
				 ld->tenant_id, json_string_value(id));
			continue;
		}
		if (!ld->sound)
			ld->sound = s;
		else {
			err = append_sound(&ld->sound, s);
			media_sound_unref(s);
			if (err)
				break;
		}
	}
	json_decref(ids);
	return err;
}

/* ---- playing (control thread) --------------------------------------- */

static void play_to(struct leg *leg, struct media_sound *sound)
{
	struct media_play p = {.sound = sound, .loops = 0, .wall_clock = true};

	if (leg->ep && !media_play(leg->ep, &p))
		leg->moh = true;
}

static void load_done(int err, void *arg)
{
	struct moh_load *ld = arg;
	struct moh_entry *e = NULL;
	struct le *le;

	if (--ld->moh->loads == 0 && ld->moh->closed) {
		release(ld->moh);
		media_sound_unref(ld->sound);
		free(ld);
		return;
	}
	LIST_FOREACH(&ld->moh->entries, le) {
		struct moh_entry *x = le->data;

		if (!strcmp(x->tenant_id, ld->tenant_id) &&
		    !strcmp(x->class_id, ld->class_id))
			e = x;
	}
	if (e) {
		media_sound_unref(e->sound);
		e->sound = err ? NULL : media_sound_ref(ld->sound);
		e->loaded_ms = now_ms();
		e->loading = false;
		while ((le = list_head(&e->waiting))) {
			struct leg *leg = le->data;

			list_unlink(le);
			leg->moh_waiting = false;
			if (e->sound)
				play_to(leg, e->sound);
		}
	}
	media_sound_unref(ld->sound);
	free(ld);
}

static struct moh_entry *entry_for(struct moh *m, const char *tenant_id,
				   const char *class_id)
{
	struct moh_entry *e;
	struct le *le;

	LIST_FOREACH(&m->entries, le) {
		e = le->data;
		if (!strcmp(e->tenant_id, tenant_id) &&
		    !strcmp(e->class_id, class_id))
			return e;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	str_ncpy(e->tenant_id, tenant_id, sizeof(e->tenant_id));
	str_ncpy(e->class_id, class_id, sizeof(e->class_id));
	list_init(&e->waiting);
	list_append(&m->entries, &e->le, e);
	return e;
}

static void start_load(struct moh *m, struct moh_entry *e)
{
	struct moh_load *ld = calloc(1, sizeof(*ld));

	if (!ld)
		return;
	ld->moh = m;
	str_ncpy(ld->tenant_id, e->tenant_id, sizeof(ld->tenant_id));
	str_ncpy(ld->class_id, e->class_id, sizeof(ld->class_id));
	str_ncpy(ld->data_dir, m->data_dir, sizeof(ld->data_dir));
	if (store_submit(m->store, STORE_READ, load_work, load_done, ld)) {
		free(ld);
		return;
	}
	m->loads++;
	e->loading = true;
}

void moh_forget(struct moh *m)
{
	struct le *le;

	if (!m)
		return;
	LIST_FOREACH(&m->entries, le) {
		struct moh_entry *e = le->data;

		e->loaded_ms = 0;      /* read again at the next hold */
	}
}

void moh_start(struct moh *m, struct leg *leg)
{
	moh_start_class(m, leg, NULL);
}

void moh_start_class(struct moh *m, struct leg *leg, const char *class_id)
{
	struct moh_entry *e;

	if (!m || !leg || leg->moh || leg->moh_waiting || !leg->ep)
		return;
	e = entry_for(m, leg->call->tenant_id, class_id ? class_id : "");
	if (!e)
		return;
	if (!e->loading && (!e->loaded_ms || !e->sound ||
			    now_ms() - e->loaded_ms > MOH_KEEP_MS))
		start_load(m, e);
	if (e->loading) {
		list_append(&e->waiting, &leg->moh_le, leg);
		leg->moh_waiting = true;
		return;
	}
	if (e->sound)
		play_to(leg, e->sound);
}

void moh_stop(struct leg *leg)
{
	if (!leg)
		return;
	if (leg->moh_waiting) {
		list_unlink(&leg->moh_le);
		leg->moh_waiting = false;
	}
	if (leg->moh) {
		media_play_stop(leg->ep);
		leg->moh = false;
	}
}
