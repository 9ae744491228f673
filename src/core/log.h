/*
 * log.h — structured logs to stderr: one line per event, text or JSON.
 * Safe to call from any thread.
 */
#ifndef HOTLINE_LOG_H
#define HOTLINE_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_setup(enum log_level level, bool json);
int  log_level_parse(const char *name, enum log_level *levelp);
void log_write(enum log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(mod, ...) log_write(LOG_DEBUG, mod, __VA_ARGS__)
#define log_info(mod, ...)  log_write(LOG_INFO, mod, __VA_ARGS__)
#define log_warn(mod, ...)  log_write(LOG_WARN, mod, __VA_ARGS__)
#define log_error(mod, ...) log_write(LOG_ERROR, mod, __VA_ARGS__)

#endif
