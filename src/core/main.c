/*
 * main.c — hotlined: read the settings, open the store, seed a new
 * database, serve the console and API on the libre loop, and shut down
 * cleanly on SIGINT/SIGTERM (every accepted write is committed first).
 */
#include <errno.h>
#include <re_types.h>
#include <re_fmt.h>
#include <re_mem.h>
#include <re_main.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "config.h"
#include "log.h"
#include "../api/bootstrap.h"
#include "../api/server.h"
#include "../store/store.h"

struct daemon {
	struct config cfg;
	struct store *store;
	struct api_server *api;
	int exit_code;
};

static void on_signal(int sig)
{
	log_info("main", "signal %d: shutting down", sig);
	re_cancel();
}

static int make_dirs(const char *path)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return errno;
	return 0;
}

static void booted(int err, void *arg)
{
	struct daemon *d = arg;

	if (!err)
		err = api_server_start(&d->api, d->cfg.http_addr, d->store,
				       d->cfg.web_dir, d->cfg.session_hours,
				       d->cfg.max_body);
	if (err) {
		log_error("main", "start failed: %s", strerror(err));
		d->exit_code = 1;
		re_cancel();
		return;
	}
	log_info("main", "hotlined %s ready: console and API on http://%s/ "
		 "(store: %s)", HOTLINE_VERSION, d->cfg.http_addr,
		 store_backend(d->store));
	printf("Hotline console: http://%s/\n", d->cfg.http_addr);
	fflush(stdout);
}

static int run(struct daemon *d)
{
	int err;

	err = make_dirs(d->cfg.data_dir);
	if (err) {
		log_error("main", "cannot create data directory %s: %s",
			  d->cfg.data_dir, strerror(err));
		return 1;
	}
	err = store_open(&d->store, d->cfg.db, d->cfg.data_dir,
			 (unsigned)d->cfg.db_readers);
	if (err) {
		log_error("main", "cannot open the store '%s': %s",
			  !strncmp(d->cfg.db, "postgres", 8) ? "postgres"
							      : d->cfg.db,
			  err == EINVAL ? "unknown --db (want sqlite or "
					  "postgres://...)"
					: strerror(err));
		return 1;
	}
	err = bootstrap_start(d->store, d->cfg.data_dir, d->cfg.demo, booted,
			      d);
	if (err) {
		log_error("main", "bootstrap failed: %s", strerror(err));
		d->exit_code = 1;
	} else {
		re_main(on_signal);
	}
	/* Runs every queued write and answers late requests. */
	store_close(d->store);
	api_server_stop(d->api);
	log_info("main", "stopped");
	return d->exit_code;
}

int main(int argc, char **argv)
{
	static struct daemon d;
	enum log_level level;
	int rc;

	switch (config_load(&d.cfg, argc, argv, stdout, stderr)) {
	case CONFIG_EXIT_OK:
		return 0;
	case CONFIG_ERROR:
		return 2;
	case CONFIG_OK:
		break;
	}
	if (log_level_parse(d.cfg.log_level, &level)) {
		fprintf(stderr, "hotlined: --log-level: want debug, info, warn "
			"or error\n");
		return 2;
	}
	log_setup(level, d.cfg.log_json);
	if (sodium_init() < 0 || libre_init()) {
		log_error("main", "cannot initialise libraries");
		return 1;
	}
	fd_setsize(65536);
	rc = run(&d);
	libre_close();
	return rc;
}
