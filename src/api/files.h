/*
 * files.h — answer a request with a file from disk, honouring HTTP Range
 * (RFC 9110 §14): voices today, recordings next.
 *
 * A handler (store thread) calls file_reply(): the file is opened and the
 * range worked out there, so a missing file is a 404 and a range past the
 * end a 416 like any other error. The control thread then streams it with
 * file_sender_start(): chunks are read by store reader jobs and sent as
 * the connection's send queue drains, so neither a whole file nor any
 * disk read is ever on the control thread.
 */
#ifndef HOTLINE_API_FILES_H
#define HOTLINE_API_FILES_H

#include <stdbool.h>
#include <stdint.h>

struct api_req;
struct file_reply;
struct file_sender;
struct httpd_conn;
struct store;

enum range_kind { RANGE_WHOLE, RANGE_PART, RANGE_UNSATISFIABLE };

/* One "Range: bytes=..." header against a file of size bytes. Anything
   but a single byte range is answered whole (a server may ignore Range);
   a single range that starts past the end is unsatisfiable. */
enum range_kind range_parse(const char *header, uint64_t size,
			    uint64_t *first, uint64_t *last);

/* On a store thread: the reply is the file at path (200 or 206), or an
   error (404 when missing, 416 out of range). ctype: its Content-Type;
   name: the file name offered to the browser; download: as an
   attachment rather than inline. */
int  file_reply(struct api_req *req, const char *path, const char *ctype,
		const char *name, bool download);
void file_reply_free(struct file_reply *f);

/* The control thread's streams, stopped all at once at shutdown. */
int  file_sender_alloc(struct file_sender **fsp, struct store *store);
/* Takes over f and holds a reference on conn until the reply is done. */
void file_sender_start(struct file_sender *fs, struct httpd_conn *conn,
		       struct file_reply *f);
/* After store_close(): no read is in flight any more. */
void file_sender_free(struct file_sender *fs);

#endif
