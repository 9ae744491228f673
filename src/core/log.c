/*
 * log.c — structured logging to stderr.
 *
 * Text lines look like
 *   2026-11-21T15:03:06.123Z info  http  listening on 127.0.0.1:8080
 * and JSON lines like
 *   {"ts":"2026-11-21T15:03:06.123Z","level":"info","module":"http","msg":"..."}
 * Each line is formatted into one buffer and written with one write(2), so
 * lines from different threads never interleave.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "log.h"

static enum log_level min_level = LOG_INFO;
static bool json_output;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_setup(enum log_level level, bool json)
{
	min_level = level;
	json_output = json;
}

int log_level_parse(const char *name, enum log_level *levelp)
{
	for (int i = LOG_DEBUG; i <= LOG_ERROR; i++) {
		if (!strcasecmp(name, level_names[i])) {
			*levelp = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

static void format_time(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

static void write_json(const char *ts, enum log_level level,
		       const char *module, const char *msg)
{
	json_t *obj = json_pack("{ssssssss}", "ts", ts, "level",
				level_names[level], "module", module,
				"msg", msg);
	char *line;

	if (!obj)
		return;
	line = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (!line)
		return;
	dprintf(STDERR_FILENO, "%s\n", line);
	free(line);
}

void log_write(enum log_level level, const char *module, const char *fmt, ...)
{
	char ts[48], msg[2048], line[2400];
	va_list ap;

	if (level < min_level)
		return;
	format_time(ts, sizeof(ts));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json_output) {
		write_json(ts, level, module, msg);
		return;
	}
	int n = snprintf(line, sizeof(line), "%s %-5s %-6s %s\n", ts,
			 level_names[level], module, msg);
	if (n > 0)
		(void)!write(STDERR_FILENO, line,
			     (size_t)n < sizeof(line) ? (size_t)n
						      : sizeof(line) - 1);
}
