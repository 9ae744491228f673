/*
 * config.c — parse hotlined's flags and environment variables.
 *
 * Precedence: flag > environment variable > default. Flags are written
 * --name VALUE or --name=VALUE; booleans take no value.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

#ifndef HOTLINE_VERSION
#define HOTLINE_VERSION "dev"
#endif

enum opt_type { OPT_STR, OPT_LONG, OPT_BOOL };

struct option_def {
	const char *flag;
	const char *env;
	const char *def;
	enum opt_type type;
	size_t offset;
	size_t size;
	long min, max;
	const char *help;
};

#define STR(field) OPT_STR, offsetof(struct config, field), \
	sizeof(((struct config *)0)->field), 0, 0
#define NUM(field, lo, hi) OPT_LONG, offsetof(struct config, field), \
	sizeof(long), lo, hi
#define FLAG(field) OPT_BOOL, offsetof(struct config, field), sizeof(bool), 0, 0

static const struct option_def options[] = {
	{"data", "HOTLINE_DATA", "./var", STR(data_dir),
	 "data directory (database, recordings)"},
	{"http", "HOTLINE_HTTP", "127.0.0.1:8080", STR(http_addr),
	 "address:port of the console and API"},
	{"db", "HOTLINE_DB", "sqlite", STR(db),
	 "storage: sqlite (embedded) or postgres://user:pass@host/db"},
	{"log-level", "HOTLINE_LOG_LEVEL", "info", STR(log_level),
	 "debug, info, warn or error"},
	{"log-json", "HOTLINE_LOG_JSON", "0", FLAG(log_json),
	 "write logs as JSON lines"},
	{"web", "HOTLINE_WEB", "web/dist", STR(web_dir),
	 "directory of the built web console"},
	{"session-hours", "HOTLINE_SESSION_HOURS", "12", NUM(session_hours, 1, 720),
	 "lifetime of a login session"},
	{"db-readers", "HOTLINE_DB_READERS", "2", NUM(db_readers, 1, 16),
	 "store reader threads"},
	{"max-body", "HOTLINE_MAX_BODY", "262144", NUM(max_body, 1024, 262144),
	 "largest accepted API request body in bytes"},
	{"demo", "HOTLINE_DEMO", "1", FLAG(demo),
	 "create the demo tenant on first start (--demo=0: don't)"},
	{"sip", "HOTLINE_SIP", "127.0.0.1:5060", STR(sip_addr),
	 "SIP over UDP and TCP on address:port (\"\" or off: no SIP)"},
	{"sip-tls", "HOTLINE_SIP_TLS", "", STR(sip_tls),
	 "SIP over TLS on address:port (needs --sip-tls-cert)"},
	{"sip-tls-cert", "HOTLINE_SIP_TLS_CERT", "", STR(sip_tls_cert),
	 "PEM file with the TLS certificate and private key"},
	{"sip-ws", "HOTLINE_SIP_WS", "", STR(sip_ws),
	 "SIP over WebSocket (RFC 7118) on address:port"},
	{"sip-wss", "HOTLINE_SIP_WSS", "", STR(sip_wss),
	 "SIP over secure WebSocket on address:port (certificate: "
	 "--sip-tls-cert, else a self-signed one made in the data dir)"},
	{"rtp-ports", "HOTLINE_RTP_PORTS", "20000-29999", STR(rtp_ports),
	 "UDP port range for RTP and RTCP"},
	{"public-addr", "HOTLINE_PUBLIC_ADDR", "", STR(public_addr),
	 "address phones and carriers reach us at (NAT); default: listen address"},
	{"sip-default-tenant", "HOTLINE_SIP_DEFAULT_TENANT", "",
	 STR(sip_default_tenant),
	 "tenant for SIP requests whose domain names none (default: the only one)"},
	{"media-threads", "HOTLINE_MEDIA_THREADS", "0", NUM(media_threads, 0, 64),
	 "RTP threads (0: one per core)"},
	{"ring-timeout", "HOTLINE_RING_TIMEOUT", "60", NUM(ring_timeout, 1, 600),
	 "seconds a call may ring before it ends as not answered"},
	{"rtp-timeout", "HOTLINE_RTP_TIMEOUT", "60", NUM(rtp_timeout, 0, 3600),
	 "seconds without RTP before an answered call is ended (0: never)"},
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static int set_value(struct config *cfg, const struct option_def *o,
		     const char *value, FILE *err)
{
	char *base = (char *)cfg + o->offset;
	char *end;
	long n;

	switch (o->type) {
	case OPT_STR:
		if (strlen(value) >= o->size) {
			fprintf(err, "hotlined: --%s: value too long\n", o->flag);
			return -1;
		}
		strcpy(base, value);
		return 0;
	case OPT_BOOL:
		*(bool *)base = !strcmp(value, "1") || !strcmp(value, "true") ||
				!strcmp(value, "yes");
		return 0;
	case OPT_LONG:
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno || end == value || *end || n < o->min || n > o->max) {
			fprintf(err, "hotlined: --%s: expected a number from "
				"%ld to %ld, got '%s'\n", o->flag, o->min,
				o->max, value);
			return -1;
		}
		*(long *)base = n;
		return 0;
	}
	return -1;
}

static void print_help(FILE *out)
{
	fprintf(out, "usage: hotlined [options]\n\n");
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_def *o = &options[i];

		fprintf(out, "  --%-16s %s\n  %-18s env %s, default %s\n",
			o->flag, o->help, "", o->env,
			o->type == OPT_BOOL ? (!strcmp(o->def, "1") ? "on" : "off")
					    : o->def);
	}
	fprintf(out, "  --%-16s %s\n  --%-16s %s\n", "help", "this text",
		"version", "print the version");
}

static const struct option_def *find_option(const char *name, size_t len)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (strlen(options[i].flag) == len &&
		    !strncmp(options[i].flag, name, len))
			return &options[i];
	}
	return NULL;
}

static int load_defaults_and_env(struct config *cfg, FILE *err)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		const char *env = getenv(options[i].env);

		if (set_value(cfg, &options[i], options[i].def, err))
			return -1;
		if (env && *env && set_value(cfg, &options[i], env, err))
			return -1;
	}
	return 0;
}

static int parse_flag(struct config *cfg, int argc, char **argv, int *ip,
		      FILE *err)
{
	const char *arg = argv[*ip] + 2;
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct option_def *o = find_option(arg, len);
	const char *value;

	if (!o) {
		fprintf(err, "hotlined: unknown option '%s' (see --help)\n",
			argv[*ip]);
		return -1;
	}
	if (o->type == OPT_BOOL)
		value = eq ? eq + 1 : "1";
	else if (eq)
		value = eq + 1;
	else if (*ip + 1 < argc)
		value = argv[++*ip];
	else {
		fprintf(err, "hotlined: --%s needs a value\n", o->flag);
		return -1;
	}
	return set_value(cfg, o, value, err);
}

enum config_result config_load(struct config *cfg, int argc, char **argv,
			       FILE *out, FILE *err)
{
	memset(cfg, 0, sizeof(*cfg));
	if (load_defaults_and_env(cfg, err))
		return CONFIG_ERROR;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			print_help(out);
			return CONFIG_EXIT_OK;
		}
		if (!strcmp(argv[i], "--version")) {
			fprintf(out, "hotlined %s\n", HOTLINE_VERSION);
			return CONFIG_EXIT_OK;
		}
		if (strncmp(argv[i], "--", 2)) {
			fprintf(err, "hotlined: unexpected argument '%s'\n",
				argv[i]);
			return CONFIG_ERROR;
		}
		if (parse_flag(cfg, argc, argv, &i, err))
			return CONFIG_ERROR;
	}
	return CONFIG_OK;
}
