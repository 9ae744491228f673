/*
 * static_files.h — the built web console, loaded into memory at start and
 * served from there (control thread only).
 */
#ifndef HOTLINE_API_STATIC_FILES_H
#define HOTLINE_API_STATIC_FILES_H

#include <stdint.h>

struct static_files;
struct httpd_conn;
struct http_msg;

int  static_files_load(struct static_files **sfp, const char *dir);
void static_files_free(struct static_files *sf);
/* Answers the request; returns the HTTP status sent. */
uint16_t static_files_serve(struct static_files *sf, struct httpd_conn *conn,
			    const struct http_msg *msg);

#endif
