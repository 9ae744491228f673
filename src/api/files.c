/*
 * files.c — reply with a file, honouring Range (see files.h).
 *
 * The validator is a weak ETag of the file's size and modification time;
 * If-Range with another value (the file was replaced between two range
 * requests) gets the whole new file. Streams read CHUNK bytes at a time on
 * a store reader and send the next chunk when libre's queue for the
 * connection is empty (the kernel's socket buffer keeps the line busy in
 * between), so a download holds one chunk of memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../core/libre.h"
#include "api.h"
#include "files.h"
#include "httpd.h"
#include "../core/log.h"

enum { CHUNK = 256 * 1024 };

struct file_reply {
	int fd;
	uint64_t first, length;
	uint16_t status;
	char head[1400];         /* header lines, ending with the blank one */
};

struct file_sender {
	struct store *store;
	struct list streams;
};

struct stream {
	struct le le;
	struct file_sender *fs;
	struct httpd_conn *conn;
	struct file_reply *f;
	uint64_t pos, left;
	uint8_t *buf;
	size_t want, got;
};

/* ---- ranges --------------------------------------------------------------- */

static bool parse_u64(const char *s, const char *end, uint64_t *out)
{
	uint64_t v = 0;

	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

enum range_kind range_parse(const char *header, uint64_t size,
			    uint64_t *first, uint64_t *last)
{
	const char *spec, *dash, *end;
	uint64_t a, b;

	*first = 0;
	*last = size ? size - 1 : 0;
	if (!header || strncmp(header, "bytes=", 6))
		return RANGE_WHOLE;
	spec = header + 6;
	while (*spec == ' ')
		spec++;
	end = spec + strcspn(spec, " ,");
	if (spec[strcspn(spec, ",")])
		return RANGE_WHOLE;             /* several ranges */
	dash = memchr(spec, '-', (size_t)(end - spec));
	if (!dash)
		return RANGE_WHOLE;
	if (dash == spec) {                     /* bytes=-N: the last N */
		if (!parse_u64(dash + 1, end, &b))
			return RANGE_WHOLE;
		if (!b || !size)
			return RANGE_UNSATISFIABLE;
		*first = b >= size ? 0 : size - b;
		return RANGE_PART;
	}
	if (!parse_u64(spec, dash, &a))
		return RANGE_WHOLE;
	if (dash + 1 == end)
		b = UINT64_MAX;                 /* bytes=N- */
	else if (!parse_u64(dash + 1, end, &b) || b < a)
		return RANGE_WHOLE;
	if (a >= size)
		return RANGE_UNSATISFIABLE;
	*first = a;
	*last = b < size ? b : size - 1;
	return RANGE_PART;
}

/* ---- the reply, built on a store thread ------------------------------------ */

/* name as a quoted-string fallback (ASCII, no quotes) and as RFC 8187
   filename* (UTF-8, percent-encoded). */
static void disposition(char *out, size_t size, const char *name,
			bool download)
{
	char plain[128], coded[512];
	size_t p = 0, c = 0;

	for (const unsigned char *s = (const unsigned char *)name;
	     *s && p + 1 < sizeof(plain) && c + 4 < sizeof(coded); s++) {
		bool safe = (*s >= 'a' && *s <= 'z') || (*s >= 'A' &&
			     *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			    *s == '.' || *s == '-' || *s == '_';

		plain[p++] = safe ? (char)*s : '_';
		if (safe)
			coded[c++] = (char)*s;
		else
			c += (size_t)snprintf(coded + c, sizeof(coded) - c,
					      "%%%02X", *s);
	}
	plain[p] = coded[c] = '\0';
	snprintf(out, size, "Content-Disposition: %s; filename=\"%s\"; "
		 "filename*=UTF-8''%s\r\n", download ? "attachment" : "inline",
		 plain, coded);
}

static void etag_of(const struct stat *st, char *out, size_t size)
{
	snprintf(out, size, "W/\"%" PRIx64 "-%" PRIx64 "\"",
		 (uint64_t)st->st_size,
		 (uint64_t)st->st_mtim.tv_sec * 1000000000u +
		 (uint64_t)st->st_mtim.tv_nsec);
}

static int unsatisfiable(struct api_req *req, uint64_t size)
{
	snprintf(req->extra_headers, sizeof(req->extra_headers),
		 "Content-Range: bytes */%" PRIu64 "\r\n", size);
	return api_fail(req, 416, "range_not_satisfiable", "the range is "
			"outside the file (%" PRIu64 " bytes)", size);
}

int file_reply(struct api_req *req, const char *path, const char *ctype,
	       const char *name, bool download)
{
	struct file_reply *f;
	struct stat st;
	char etag[64], disp[800];
	uint64_t first, last, size;
	enum range_kind kind;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return api_fail(req, 404, "not_found", "the file is missing");
	if (fd < 0 || fstat(fd, &st)) {
		log_error("api", "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return EIO;
	}
	size = (uint64_t)st.st_size;
	etag_of(&st, etag, sizeof(etag));
	kind = req->if_range && strcmp(req->if_range, etag) ? RANGE_WHOLE
	       : range_parse(req->range, size, &first, &last);
	if (kind == RANGE_UNSATISFIABLE) {
		close(fd);
		return unsatisfiable(req, size);
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return ENOMEM;
	}
	f->fd = fd;
	f->status = kind == RANGE_PART ? 206 : 200;
	f->first = kind == RANGE_PART ? first : 0;
	f->length = kind == RANGE_PART ? last - first + 1 : size;
	disposition(disp, sizeof(disp), name ? name : "file", download);
	snprintf(f->head, sizeof(f->head),
		 "Content-Type: %s\r\n"
		 "Content-Length: %" PRIu64 "\r\n"
		 "Accept-Ranges: bytes\r\n"
		 "ETag: %s\r\n"
		 "Cache-Control: private, no-cache\r\n"
		 "X-Content-Type-Options: nosniff\r\n"
		 "%s",
		 ctype, f->length, etag, disp);
	if (kind == RANGE_PART) {
		size_t used = strlen(f->head);

		snprintf(f->head + used, sizeof(f->head) - used,
			 "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/%"
			 PRIu64 "\r\n", first, last, size);
	}
	file_reply_free(req->file);
	req->file = f;
	req->status = f->status;
	return 0;
}

void file_reply_free(struct file_reply *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f);
}

/* ---- streaming, on the control thread -------------------------------------- */

static void stream_free(struct stream *s, bool complete)
{
	httpd_stream_end(s->conn, complete);
	list_unlink(&s->le);
	mem_deref(s->conn);
	file_reply_free(s->f);
	free(s->buf);
	free(s);
}

static int read_chunk(struct db *db, void *arg)
{
	struct stream *s = arg;

	(void)db;
	s->got = 0;
	while (s->got < s->want) {
		ssize_t n = pread(s->f->fd, s->buf + s->got, s->want - s->got,
				  (off_t)(s->pos + s->got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return EIO;     /* the file shrank under us */
		s->got += (size_t)n;
	}
	return 0;
}

static void chunk_read(int err, void *arg);

static void next_chunk(struct stream *s)
{
	s->want = s->left < CHUNK ? (size_t)s->left : CHUNK;
	if (store_submit(s->fs->store, STORE_READ, read_chunk, chunk_read, s))
		stream_free(s, false);
}

static void drained(void *arg)
{
	struct stream *s = arg;

	if (!httpd_conn_open(s->conn)) {
		stream_free(s, false);
		return;
	}
	next_chunk(s);
}

static void chunk_read(int err, void *arg)
{
	struct stream *s = arg;

	if (err || httpd_stream_write(s->conn, s->buf, s->got)) {
		if (err)
			log_warn("api", "reading a file for a reply: %s",
				 strerror(err));
		stream_free(s, false);
		return;
	}
	s->pos += s->got;
	s->left -= s->got;
	if (!s->left) {
		stream_free(s, true);
		return;
	}
	httpd_stream_on_drained(s->conn, drained, s);
}

static const char *reason_of(uint16_t status)
{
	return status == 206 ? "Partial Content" : "OK";
}

void file_sender_start(struct file_sender *fs, struct httpd_conn *conn,
		       struct file_reply *f)
{
	struct stream *s = calloc(1, sizeof(*s));
	int err;

	if (s)
		s->buf = malloc(f->length < CHUNK ? (size_t)f->length + 1
						  : CHUNK);
	if (!s || !s->buf) {
		free(s);
		file_reply_free(f);
		httpd_reply(conn, 500, "Internal Server Error",
			    "Content-Length: 0\r\n\r\n");
		return;
	}
	s->fs = fs;
	s->conn = mem_ref(conn);
	s->f = f;
	s->pos = f->first;
	s->left = f->length;
	list_append(&fs->streams, &s->le, s);
	err = httpd_stream_begin(conn, f->status, reason_of(f->status),
				 "%s\r\n", f->head);
	if (err || !s->left) {
		stream_free(s, !err);
		return;
	}
	next_chunk(s);
}

int file_sender_alloc(struct file_sender **fsp, struct store *store)
{
	struct file_sender *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return ENOMEM;
	fs->store = store;
	list_init(&fs->streams);
	*fsp = fs;
	return 0;
}

void file_sender_free(struct file_sender *fs)
{
	struct le *le;

	if (!fs)
		return;
	while ((le = list_head(&fs->streams)))
		stream_free(le->data, false);
	free(fs);
}
