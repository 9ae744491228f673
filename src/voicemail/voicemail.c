/*
 * voicemail.c — message files and rows (see voicemail.h).
 *
 * The row is written by one store write job that takes the tenant from
 * the box itself (INSERT ... SELECT FROM voicemail_boxes), so a message
 * never lands in a box of another tenant or in a box deleted meanwhile;
 * then its file would belong to nobody and is removed in the same job.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "voicemail.h"
#include "../core/dirs.h"
#include "../core/log.h"
#include "../store/store.h"

int voicemail_message_relpath(char *out, size_t size, const char *tenant_id,
			      const char *box_id, const char *msg_id)
{
	int n;

	if (!id_path_safe(tenant_id) || !id_path_safe(box_id) ||
	    !id_path_safe(msg_id))
		return EINVAL;
	n = snprintf(out, size, "voicemail/%s/%s/%s.wav", tenant_id, box_id,
		     msg_id);
	return n < 0 || (size_t)n >= size ? ENAMETOOLONG : 0;
}

int voicemail_message_path(char *out, size_t size, const char *data_dir,
			   const char *tenant_id, const char *box_id,
			   const char *msg_id)
{
	char rel[200];
	int n, err = voicemail_message_relpath(rel, sizeof(rel), tenant_id,
					       box_id, msg_id);

	if (err)
		return err;
	if (!data_dir)
		return EINVAL;
	/* The directory first: the path without "/ID.wav". */
	n = snprintf(out, size, "%s/voicemail/%s/%s", data_dir, tenant_id,
		     box_id);
	if (n < 0 || (size_t)n >= size)
		return ENAMETOOLONG;
	err = dirs_make(out);
	if (err)
		return err;
	n = snprintf(out, size, "%s/%s", data_dir, rel);
	return n < 0 || (size_t)n >= size ? ENAMETOOLONG : 0;
}

/* ---- filing a message ---------------------------------------------------- */

struct save {
	struct vm_message m;
	char rel[200];
};

static int save_work(struct db *db, void *arg)
{
	struct save *s = arg;
	const struct vm_message *m = &s->m;
	int err = db_exec(db, "INSERT INTO voicemail_messages (id, tenant_id, "
			  "box_id, call_id, caller, caller_name, duration_ms, "
			  "path, status, created_at) SELECT ?, tenant_id, id, "
			  "?, ?, ?, ?, ?, 'new', ? FROM voicemail_boxes WHERE "
			  "id = ? AND tenant_id = ?",
			  json_pack("[ssssIsIss]", m->id, m->call_id,
				    m->caller, m->caller_name,
				    (json_int_t)m->duration_ms, s->rel,
				    (json_int_t)now_ms(), m->box_id,
				    m->tenant_id));

	if (!err && db_changes(db) == 0)
		err = ENOENT;
	if (err && unlink(m->path) && errno != ENOENT)
		log_warn("voicemail", "removing %s: %s", m->path,
			 strerror(errno));
	return err;
}

static void save_done(int err, void *arg)
{
	struct save *s = arg;

	if (err == ENOENT)
		log_warn("voicemail", "message %s dropped: box %s of tenant %s "
			 "is gone", s->m.id, s->m.box_id, s->m.tenant_id);
	else if (err)
		log_error("voicemail", "message %s of box %s not saved: %s",
			  s->m.id, s->m.box_id, strerror(err));
	else
		log_info("voicemail", "message %s in box %s from %s (%llu ms)",
			 s->m.id, s->m.box_id, s->m.caller,
			 (unsigned long long)s->m.duration_ms);
	free(s);
}

/* m->path is DATA/<rel> for some DATA. */
static bool path_matches(const char *path, const char *rel)
{
	size_t n = strlen(path), r = strlen(rel);

	return n > r && path[n - r - 1] == '/' && !strcmp(path + n - r, rel);
}

int voicemail_message_save(struct store *st, const struct vm_message *m)
{
	struct save *s;
	int err;

	if (!st || !m)
		return EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->m = *m;
	err = voicemail_message_relpath(s->rel, sizeof(s->rel), m->tenant_id,
					m->box_id, m->id);
	if (!err && !path_matches(m->path, s->rel))
		err = EINVAL;
	if (!err)
		err = store_submit(st, STORE_WRITE, save_work, save_done, s);
	if (err)
		free(s);
	return err;
}

/* ---- removing files ------------------------------------------------------ */

static int remove_entry(const char *path, const struct stat *sb, int flag,
			struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) ? errno : 0;
}

static int remove_tree(const char *dir)
{
	int err = nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);

	if (err == -1)
		return errno == ENOENT ? 0 : errno;
	return err;
}

int voicemail_remove_box(const char *data_dir, const char *tenant_id,
			 const char *box_id)
{
	char dir[1024];
	int n;

	if (!data_dir || !id_path_safe(tenant_id) || !id_path_safe(box_id))
		return EINVAL;
	n = snprintf(dir, sizeof(dir), "%s/voicemail/%s/%s", data_dir,
		     tenant_id, box_id);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return ENAMETOOLONG;
	return remove_tree(dir);
}

int voicemail_remove_tenant(const char *data_dir, const char *tenant_id)
{
	char dir[1024];
	int n;

	if (!data_dir || !id_path_safe(tenant_id))
		return EINVAL;
	n = snprintf(dir, sizeof(dir), "%s/voicemail/%s", data_dir,
		     tenant_id);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return ENAMETOOLONG;
	return remove_tree(dir);
}
