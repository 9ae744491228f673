/*
 * static_files.c — serve the web console (web/dist) from memory.
 *
 * Files are read once at start, so serving never touches the disk on the
 * control thread. Paths that name no file get index.html (the console
 * routes in the browser); hashed assets are cached for a year.
 */
#include <dirent.h>
#include <errno.h>
#include "../core/libre.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "httpd.h"
#include "static_files.h"
#include "../core/log.h"

enum { MAX_FILE = 32 * 1024 * 1024 };

struct file {
	struct file *next;
	char *url;           /* "/assets/index-abc.js" */
	char *data;
	size_t len;
	const char *ctype;
};

struct static_files {
	struct file *files;
	const struct file *index;
	unsigned count;
};

static const char *content_type(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".json", "application/json"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".ico", "image/x-icon"},
		{".woff", "font/woff"},
		{".woff2", "font/woff2"},
		{".ttf", "font/ttf"},
		{".txt", "text/plain; charset=utf-8"},
		{".wasm", "application/wasm"},
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(*types); i++) {
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	}
	return "application/octet-stream";
}

static int read_file(const char *path, char **datap, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *data;

	if (!f)
		return errno;
	if (fstat(fileno(f), &st) || st.st_size > MAX_FILE) {
		fclose(f);
		return EFBIG;
	}
	data = malloc((size_t)st.st_size + 1);
	if (!data || fread(data, 1, (size_t)st.st_size, f) !=
			     (size_t)st.st_size) {
		free(data);
		fclose(f);
		return EIO;
	}
	fclose(f);
	*datap = data;
	*lenp = (size_t)st.st_size;
	return 0;
}

static int add_file(struct static_files *sf, const char *path,
		    const char *url)
{
	struct file *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return ENOMEM;
	err = read_file(path, &f->data, &f->len);
	f->url = strdup(url);
	if (err || !f->url) {
		free(f->data);
		free(f->url);
		free(f);
		return err ? err : ENOMEM;
	}
	f->ctype = content_type(url);
	f->next = sf->files;
	sf->files = f;
	sf->count++;
	if (!strcmp(url, "/index.html"))
		sf->index = f;
	return 0;
}

static int load_dir(struct static_files *sf, const char *dir,
		    const char *prefix, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int err = 0;

	if (!d)
		return errno;
	while (!err && (de = readdir(d))) {
		char path[2048], url[2048];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(url, sizeof(url), "%s/%s", prefix, de->d_name);
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode) && depth < 8)
			err = load_dir(sf, path, url, depth + 1);
		else if (S_ISREG(st.st_mode))
			err = add_file(sf, path, url);
	}
	closedir(d);
	return err;
}

int static_files_load(struct static_files **sfp, const char *dir)
{
	struct static_files *sf = calloc(1, sizeof(*sf));
	int err;

	if (!sf)
		return ENOMEM;
	err = load_dir(sf, dir, "", 0);
	if (err == ENOENT) {
		log_warn("http", "no web console in %s (run make build)", dir);
		err = 0;
	}
	if (err) {
		static_files_free(sf);
		return err;
	}
	log_info("http", "web console: %u files from %s", sf->count, dir);
	*sfp = sf;
	return 0;
}

void static_files_free(struct static_files *sf)
{
	if (!sf)
		return;
	while (sf->files) {
		struct file *next = sf->files->next;

		free(sf->files->url);
		free(sf->files->data);
		free(sf->files);
		sf->files = next;
	}
	free(sf);
}

static const struct file *lookup(const struct static_files *sf,
				 const struct pl *path)
{
	for (const struct file *f = sf->files; f; f = f->next) {
		if (!pl_strcmp(path, f->url))
			return f;
	}
	/* Unknown asset files are 404; anything else is a console route. */
	if (path->l >= 8 && !memcmp(path->p, "/assets/", 8))
		return NULL;
	return sf->index;
}

uint16_t static_files_serve(struct static_files *sf, struct httpd_conn *conn,
			    const struct http_msg *msg)
{
	const struct file *f;
	bool head = !pl_strcmp(&msg->met, "HEAD");
	bool immutable;

	if (pl_strcmp(&msg->met, "GET") && !head) {
		httpd_reply(conn, 405, "Method Not Allowed",
			    "Content-Length: 0\r\n\r\n");
		return 405;
	}
	f = lookup(sf, &msg->path);
	if (!f) {
		const char *text = sf->index ? "not found\n"
					     : "The web console is not built: "
					       "run 'make build'.\n";

		httpd_reply(conn, 404, "Not Found",
			    "Content-Type: text/plain\r\n"
			    "Content-Length: %zu\r\n\r\n%s",
			    strlen(text), text);
		return 404;
	}
	immutable = !strncmp(f->url, "/assets/", 8);
	httpd_reply(conn, 200, "OK",
		   "Content-Type: %s\r\n"
		   "Content-Length: %zu\r\n"
		   "Cache-Control: %s\r\n"
		   "X-Content-Type-Options: nosniff\r\n"
		   "X-Frame-Options: SAMEORIGIN\r\n"
		   "\r\n%b",
		   f->ctype, f->len,
		   immutable ? "public, max-age=31536000, immutable"
			     : "no-cache",
		   f->data, head ? (size_t)0 : f->len);
	return 200;
}
