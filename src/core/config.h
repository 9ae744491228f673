/*
 * config.h — hotlined's settings: command-line flags, each with a matching
 * environment variable and a default. A new setting is one line in the
 * option table of config.c and one field here.
 */
#ifndef HOTLINE_CONFIG_H
#define HOTLINE_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

struct config {
	char data_dir[1024];     /* --data, HOTLINE_DATA */
	char http_addr[128];     /* --http, HOTLINE_HTTP */
	char db[1024];           /* --db, HOTLINE_DB: sqlite | postgres://... */
	char log_level[16];      /* --log-level, HOTLINE_LOG_LEVEL */
	bool log_json;           /* --log-json, HOTLINE_LOG_JSON */
	char web_dir[1024];      /* --web, HOTLINE_WEB: built console */
	long session_hours;      /* --session-hours, HOTLINE_SESSION_HOURS */
	long db_readers;         /* --db-readers, HOTLINE_DB_READERS */
	long max_body;           /* --max-body, HOTLINE_MAX_BODY: bytes */
	bool demo;               /* --demo, HOTLINE_DEMO: demo tenant */
};

enum config_result { CONFIG_OK, CONFIG_EXIT_OK, CONFIG_ERROR };

/* Fills cfg from defaults, then environment, then argv. Prints --help and
   --version itself (CONFIG_EXIT_OK); explains errors on err (CONFIG_ERROR). */
enum config_result config_load(struct config *cfg, int argc, char **argv,
			       FILE *out, FILE *err);

#endif
