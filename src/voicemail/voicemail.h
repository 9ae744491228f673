/*
 * voicemail.h — where voicemail messages live and how a recorded one is
 * kept: the file under DATA/voicemail/TENANT/BOX/ID.wav and its row in
 * voicemail_messages (caller, duration, new/read). The call flow records
 * the file; this module files it. Boxes themselves are configuration
 * (the API, and the telephony directory's directory_voicemail_box).
 */
#ifndef HOTLINE_VOICEMAIL_H
#define HOTLINE_VOICEMAIL_H

#include <stddef.h>
#include <stdint.h>
#include "../core/ids.h"

struct store;

/* A message that has been recorded. */
struct vm_message {
	char id[ID_LEN];           /* chosen by the recorder (id_new): the
				      file's name too */
	char tenant_id[ID_LEN];
	char box_id[ID_LEN];       /* struct dir_voicemail_box's id */
	char call_id[ID_LEN];      /* the call it was left in; "" if none */
	char caller[64];           /* the caller's number */
	char caller_name[128];     /* display name, "" if none */
	uint64_t duration_ms;
	char path[1024];           /* the file, from voicemail_message_path */
};

/* Writes DATA/voicemail/TENANT/BOX/ID.wav into out and creates its
   directories (mode 0700). Touches the disk: not on the control thread.
   0, EINVAL (an id that is not letters, digits and '-'), ENAMETOOLONG or
   the mkdir error. */
int voicemail_message_path(char *out, size_t size, const char *data_dir,
			   const char *tenant_id, const char *box_id,
			   const char *msg_id);

/* "voicemail/TENANT/BOX/ID.wav": the path stored in the message's row,
   relative to the data directory. 0, EINVAL or ENAMETOOLONG. */
int voicemail_message_relpath(char *out, size_t size, const char *tenant_id,
			      const char *box_id, const char *msg_id);

/* Control thread: files a recorded message (m is copied) with a store
   write job; the message is `new`. When the box is gone (deleted while
   the caller spoke) or is not the tenant's, no row is written and the
   file is removed. Failures are logged (module "voicemail"). Returns 0
   when the job is queued, EINVAL when m->path is not the file
   voicemail_message_path gives for m's tenant, box and id, else
   store_submit's error (the file is left to the caller then). */
int voicemail_message_save(struct store *st, const struct vm_message *m);

/* Store threads: remove a box's message files, or all of a tenant's.
   0 when gone (or never there), else an errno. */
int voicemail_remove_box(const char *data_dir, const char *tenant_id,
			 const char *box_id);
int voicemail_remove_tenant(const char *data_dir, const char *tenant_id);

#endif
