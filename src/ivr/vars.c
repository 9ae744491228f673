/*
 * vars.c — IVR session variables, ${name} templates and condition
 * comparisons (see vars.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vars.h"

void vars_init(struct vars *v, vars_system_h *system, void *arg)
{
	memset(v, 0, sizeof(*v));
	v->system = system;
	v->system_arg = arg;
}

void vars_clear(struct vars *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->values[i]);
	v->n = 0;
}

static int find(const struct vars *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++) {
		if (!strcmp(v->names[i], name))
			return (int)i;
	}
	return -1;
}

int vars_set(struct vars *v, const char *name, const char *value)
{
	char sys[8];
	size_t len = strnlen(value, VAR_VALUE_MAX);
	char *copy;
	int i;

	if (!name || !*name || strlen(name) > VAR_NAME_MAX)
		return EINVAL;
	if (v->system && v->system(name, sys, sizeof(sys), v->system_arg))
		return EPERM;
	copy = malloc(len + 1);
	if (!copy)
		return ENOMEM;
	memcpy(copy, value, len);
	copy[len] = '\0';
	i = find(v, name);
	if (i < 0) {
		if (v->n == VARS_MAX) {
			free(copy);
			return ENOSPC;
		}
		i = (int)v->n++;
		snprintf(v->names[i], sizeof(v->names[i]), "%s", name);
	} else {
		free(v->values[i]);
	}
	v->values[i] = copy;
	return 0;
}

void vars_get(const struct vars *v, const char *name, char *out,
	      size_t size)
{
	int i;

	if (!size)
		return;
	out[0] = '\0';
	if (v->system && v->system(name, out, size, v->system_arg))
		return;
	i = find(v, name);
	if (i >= 0)
		snprintf(out, size, "%s", v->values[i]);
}

void vars_expand(const struct vars *v, const char *in, char *out,
		 size_t size)
{
	size_t o = 0;

	if (!size)
		return;
	while (*in && o + 1 < size) {
		const char *end = in[0] == '$' && in[1] == '{'
				  ? strchr(in + 2, '}') : NULL;
		char name[VAR_NAME_MAX + 1], value[VAR_VALUE_MAX + 1];
		size_t n;

		if (!end || (size_t)(end - in - 2) > VAR_NAME_MAX) {
			out[o++] = *in++;
			continue;
		}
		memcpy(name, in + 2, (size_t)(end - in - 2));
		name[end - in - 2] = '\0';
		vars_get(v, name, value, sizeof(value));
		n = strlen(value);
		if (n > size - 1 - o)
			n = size - 1 - o;
		memcpy(out + o, value, n);
		o += n;
		in = end + 1;
	}
	out[o] = '\0';
}

static bool number_of(const char *s, double *d)
{
	char *end;

	if (!*s)
		return false;
	*d = strtod(s, &end);
	return *end == '\0';
}

bool vars_compare(const char *left, const char *op, const char *right)
{
	double a, b;
	int c;

	if (!strcmp(op, "contains"))
		return strstr(left, right) != NULL;
	if (number_of(left, &a) && number_of(right, &b))
		c = a < b ? -1 : a > b ? 1 : 0;
	else
		c = strcmp(left, right);
	if (!strcmp(op, "eq"))
		return c == 0;
	if (!strcmp(op, "ne"))
		return c != 0;
	if (!strcmp(op, "gt"))
		return c > 0;
	if (!strcmp(op, "lt"))
		return c < 0;
	if (!strcmp(op, "ge"))
		return c >= 0;
	if (!strcmp(op, "le"))
		return c <= 0;
	return false;
}
