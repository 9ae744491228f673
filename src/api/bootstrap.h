/*
 * bootstrap.h — first-start setup of the platform and demo tenants.
 */
#ifndef HOTLINE_API_BOOTSTRAP_H
#define HOTLINE_API_BOOTSTRAP_H

#include <stdbool.h>

struct store;

/* Seeds the database on the writer; done runs on the control thread. */
int bootstrap_start(struct store *st, const char *data_dir, bool demo,
		    void (*done)(int err, void *arg), void *arg);

#endif
