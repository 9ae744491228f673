/*
 * main.c — hotlined: read the settings, open the store, seed a new
 * database, serve the console and API on the libre loop, and shut down
 * cleanly on SIGINT/SIGTERM (every accepted write is committed first).
 */
#include <errno.h>
#include "libre.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "dirs.h"
#include "log.h"
#include "selfsigned.h"
#include "../api/bootstrap.h"
#include "../api/live_calls.h"
#include "../api/agents_live.h"
#include "../acd/acd.h"
#include "../api/server.h"
#include "../api/ws.h"
#include "bus.h"
#include "../api/tts_api.h"
#include "../call/b2bua.h"
#include "../media/media.h"
#include "../media/tts.h"
#include "../record/record.h"
#include "../sip/directory.h"
#include "../sip/registrar.h"
#include "../sip/stack.h"
#include "../sip/trunk_reg.h"
#include "../store/store.h"

struct daemon {
	struct config cfg;
	struct store *store;
	struct api_server *api;
	struct media_engine *media;
	struct directory *dir;
	struct sip_stack *sip;
	struct registrar *reg;
	struct trunk_reg *treg;
	struct b2bua *b2bua;
	struct acd *acd;
	struct tts *tts;
	struct recordings *recs;
	struct bus *bus;
	struct ws_hub *ws;
	int exit_code;
};

static void on_signal(int sig)
{
	log_info("main", "signal %d: shutting down", sig);
	re_cancel();
}

static void fail_start(struct daemon *d, const char *what, int err)
{
	log_error("main", "%s failed: %s", what, strerror(err));
	d->exit_code = 1;
	re_cancel();
}

static int parse_rtp_ports(const char *text, struct media_config *mc)
{
	unsigned lo, hi;
	char end;

	if (sscanf(text, "%u-%u%c", &lo, &hi, &end) != 2 || lo < 1024 ||
	    hi > 65535 || lo + 3 > hi) {
		log_error("main", "--rtp-ports: want LO-HI within 1024-65535, "
			  "got '%s'", text);
		return EINVAL;
	}
	mc->port_lo = (uint16_t)(lo + (lo & 1));
	mc->port_hi = (uint16_t)hi;
	return 0;
}

/* After each reload of the directory: carriers follow their trunks,
   the ACD's queues and agents their configuration. */
static void directory_changed(void *arg)
{
	struct daemon *d = arg;

	trunk_reg_sync(d->treg);
	acd_directory_changed(d->acd);
}

static bool sip_enabled(const struct config *cfg)
{
	return cfg->sip_addr[0] && strcmp(cfg->sip_addr, "off");
}

/* The secure WebSocket's certificate: --sip-tls-cert, else a self-signed
   one kept in the data dir (made on the first start). */
static int wss_certificate(const struct config *cfg, char *path, size_t size)
{
	int err;

	if (cfg->sip_tls_cert[0]) {
		snprintf(path, size, "%s", cfg->sip_tls_cert);
		return 0;
	}
	snprintf(path, size, "%s/sip-wss-selfsigned.pem", cfg->data_dir);
	err = selfsigned_ensure(path);
	if (err)
		log_error("sip", "cannot write a self-signed certificate to "
			  "%s: %s", path, strerror(err));
	return err;
}

/* SIP and media, once the directory is loaded. */
static int start_telephony(struct daemon *d)
{
	char wss_cert[sizeof(d->cfg.data_dir) + 32] = "";
	struct sip_stack_config sc = {
		d->cfg.sip_addr, d->cfg.sip_tls, d->cfg.sip_tls_cert,
		d->cfg.sip_ws, d->cfg.public_addr, d->cfg.sip_wss, wss_cert,
	};
	struct media_config mc = {0};
	struct b2bua_deps deps;
	char ip[64];
	int err;

	if (d->cfg.sip_wss[0]) {
		err = wss_certificate(&d->cfg, wss_cert, sizeof(wss_cert));
		if (err)
			return err;
	}
	err = sip_stack_start(&d->sip, &sc);
	if (err)
		return err;
	/* RTP binds where SIP listens; --public-addr only goes in the SDP. */
	re_snprintf(ip, sizeof(ip), "%j", sip_stack_listen_addr(d->sip));
	mc.bind_ip = ip;
	mc.threads = (unsigned)d->cfg.media_threads;
	mc.timeout_s = (unsigned)d->cfg.rtp_timeout;
	err = parse_rtp_ports(d->cfg.rtp_ports, &mc);
	if (!err)
		err = media_engine_start(&d->media, &mc);
	if (!err)
		err = registrar_alloc(&d->reg, sip_stack_sip(d->sip), d->store,
				      d->dir);
	if (!err)
		err = trunk_reg_alloc(&d->treg, sip_stack_sip(d->sip), d->store,
				      d->dir, sip_stack_contact_addr(d->sip));
	if (err)
		return err;
	directory_on_change(d->dir, directory_changed, d);
	err = acd_alloc(&d->acd, d->dir, d->store, d->bus);
	if (err)
		return err;
	deps = (struct b2bua_deps){d->sip, d->dir, d->reg, d->media,
				   d->store,
				   (unsigned)d->cfg.ring_timeout * 1000,
				   d->cfg.data_dir, d->recs, d->tts, d->acd,
				   d->bus};
	err = b2bua_alloc(&d->b2bua, &deps);
	if (!err)
		err = sip_stack_finish(d->sip);
	return err;
}

static void reload_directory(void *arg, void (*done)(void *ctx), void *ctx)
{
	struct daemon *d = arg;

	if (d->b2bua)
		b2bua_config_changed(d->b2bua);
	directory_reload_wait(d->dir, done, ctx);
}

/* Where browser phones register (GET /api/v1/workbench/phone): the secure
   WebSocket when there is one, else the plain one; "" without telephony. */
static void browser_sip_url(const struct daemon *d, char *url, size_t size)
{
	*url = '\0';
	if (!d->sip)
		return;
	if (d->cfg.sip_wss[0])
		snprintf(url, size, "wss://%s", d->cfg.sip_wss);
	else if (d->cfg.sip_ws[0])
		snprintf(url, size, "ws://%s", d->cfg.sip_ws);
}

/* The console and API, last: once they answer, everything is up. */
static void serve(struct daemon *d)
{
	char ws_url[sizeof(d->cfg.sip_wss) + 8];
	int err = api_server_start(&d->api, d->cfg.http_addr, d->store,
				   d->cfg.web_dir, d->cfg.data_dir,
				   d->cfg.session_hours, d->cfg.max_body);

	if (err) {
		fail_start(d, "the HTTP server", err);
		return;
	}
	browser_sip_url(d, ws_url, sizeof(ws_url));
	api_server_set_sip_ws_url(d->api, ws_url);
	if (d->dir)
		api_server_on_change(d->api, reload_directory, d);
	if (d->b2bua)
		err = live_calls_register(d->api, d->b2bua);
	if (!err && d->acd)
		err = agents_live_register(d->api, d->acd);
	if (!err)
		err = tts_api_register(d->api, d->tts);
	if (!err)
		err = ws_hub_alloc(&d->ws, d->api, d->store, d->bus, d->acd,
				   d->dir, d->b2bua);
	if (err) {
		fail_start(d, "the API routes of live calls, TTS and "
			   "WebSocket", err);
		return;
	}
	log_info("main", "hotlined %s ready: console and API on http://%s/ "
		 "(store: %s)", HOTLINE_VERSION, d->cfg.http_addr,
		 store_backend(d->store));
	printf("Hotline console: http://%s/\n", d->cfg.http_addr);
	fflush(stdout);
}

static void directory_ready(int err, void *arg)
{
	struct daemon *d = arg;

	if (err) {
		fail_start(d, "loading the telephony directory", err);
		return;
	}
	if (d->cfg.sip_default_tenant[0])
		directory_set_default_tenant(d->dir,
					     d->cfg.sip_default_tenant);
	err = start_telephony(d);
	if (err) {
		fail_start(d, "SIP and media", err);
		return;
	}
	serve(d);
}

static void booted(int err, void *arg)
{
	struct daemon *d = arg;

	if (err) {
		fail_start(d, "first-start setup", err);
		return;
	}
	if (!sip_enabled(&d->cfg)) {
		serve(d);
		return;
	}
	err = directory_alloc(&d->dir, d->store, directory_ready, d);
	if (err)
		fail_start(d, "the telephony directory", err);
}

/* Text to speech for prompts; without it the rest still runs. */
static void start_tts(struct daemon *d)
{
	char dir[sizeof(d->cfg.data_dir) + 16];
	int err;

	snprintf(dir, sizeof(dir), "%s/tts-cache", d->cfg.data_dir);
	err = tts_alloc(&d->tts, dir, 0);
	if (err)
		log_error("main", "text to speech is off: %s", strerror(err));
}

/* Call recordings: the writer, crash repair, retention. Without it calls
   are not recorded, but the rest runs. */
static void start_recordings(struct daemon *d)
{
	int err = recordings_alloc(&d->recs, d->store, d->cfg.data_dir, NULL);

	if (err)
		log_error("main", "call recording is off: %s", strerror(err));
}

static int run(struct daemon *d)
{
	int err;

	err = dirs_make(d->cfg.data_dir);
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
	err = bus_alloc(&d->bus);
	if (err) {
		log_error("main", "cannot allocate the event bus");
		store_close(d->store);
		return 1;
	}
	start_tts(d);
	start_recordings(d);
	err = bootstrap_start(d->store, d->cfg.data_dir, d->cfg.demo, booted,
			      d);
	if (err) {
		log_error("main", "bootstrap failed: %s", strerror(err));
		d->exit_code = 1;
	} else {
		re_main(on_signal);
	}
	/* Calls end first (their records go to the store), then SIP stops,
	   then the store runs every queued write and answers late requests. */
	directory_on_change(d->dir, NULL, NULL);
	b2bua_free(d->b2bua);
	acd_free(d->acd);
	trunk_reg_free(d->treg);
	registrar_free(d->reg);
	d->sip = mem_deref(d->sip);
	recordings_free(d->recs); /* files final; rows updated by the store */
	tts_free(d->tts);         /* previews waiting get 503 */
	store_close(d->store);
	ws_hub_free(d->ws);       /* 1001 to every WebSocket client */
	directory_free(d->dir);   /* answers requests waiting for a reload */
	api_server_stop(d->api);
	media_engine_stop(d->media);
	bus_free(d->bus);
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
