/*
 * vars.h — the variables of an IVR session: the flow's own (set by set,
 * collect, http, menu and survey nodes) and the system ones a getter
 * supplies (caller, callee, session id, durations), `${name}` templates
 * expanded with them, and the comparisons of condition nodes. Pure data,
 * no I/O: the unit tests drive it directly.
 */
#ifndef HOTLINE_IVR_VARS_H
#define HOTLINE_IVR_VARS_H

#include <stdbool.h>
#include <stddef.h>

enum { VARS_MAX = 64, VAR_NAME_MAX = 32, VAR_VALUE_MAX = 1024 };

/* A system variable's value into out (true), or false: not a system
   variable. */
typedef bool (vars_system_h)(const char *name, char *out, size_t size,
			     void *arg);

struct vars {
	char names[VARS_MAX][VAR_NAME_MAX + 1];
	char *values[VARS_MAX];       /* owned */
	size_t n;
	vars_system_h *system;
	void *system_arg;
};

void vars_init(struct vars *v, vars_system_h *system, void *arg);
void vars_clear(struct vars *v);
/* ENOSPC when all VARS_MAX are taken, EPERM for a system variable's
   name; a value longer than VAR_VALUE_MAX is cut. */
int  vars_set(struct vars *v, const char *name, const char *value);
/* The value into out; "" when unknown. */
void vars_get(const struct vars *v, const char *name, char *out,
	      size_t size);
/* in with every ${name} replaced into out (cut at size); "${" without a
   closing brace is kept as it is. */
void vars_expand(const struct vars *v, const char *in, char *out,
		 size_t size);
/* op: eq ne gt lt ge le contains. Numbers compare as numbers when both
   sides are numbers, otherwise as text. */
bool vars_compare(const char *left, const char *op, const char *right);

#endif
