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
	char sip_addr[128];      /* --sip: UDP and TCP, "" = no SIP */
	char sip_tls[128];       /* --sip-tls: TLS listener, "" = none */
	char sip_tls_cert[1024]; /* --sip-tls-cert: PEM with key and cert */
	char sip_ws[128];        /* --sip-ws: WebSocket listener, "" = none */
	char sip_wss[128];       /* --sip-wss: secure WebSocket, "" = none */
	char rtp_ports[32];      /* --rtp-ports LO-HI */
	char public_addr[128];   /* --public-addr: address in SDP/Contact */
	char sip_default_tenant[64]; /* --sip-default-tenant CODE */
	long media_threads;      /* --media-threads, 0 = one per core */
	long ring_timeout;       /* --ring-timeout: seconds before no answer */
	long rtp_timeout;        /* --rtp-timeout: seconds without RTP */
};

enum config_result { CONFIG_OK, CONFIG_EXIT_OK, CONFIG_ERROR };

/* Fills cfg from defaults, then environment, then argv. Prints --help and
   --version itself (CONFIG_EXIT_OK); explains errors on err (CONFIG_ERROR). */
enum config_result config_load(struct config *cfg, int argc, char **argv,
			       FILE *out, FILE *err);

#endif
