/*
 * metrics.h — counters for /metrics in Prometheus text format
 * (control thread only).
 */
#ifndef HOTLINE_API_METRICS_H
#define HOTLINE_API_METRICS_H

#include <stdint.h>

struct metrics;
struct store;

int  metrics_alloc(struct metrics **mp);
void metrics_free(struct metrics *m);
/* route must be a string that lives as long as the process. */
void metrics_count(struct metrics *m, const char *route, uint16_t status);
/* *textp is malloc'ed; the caller frees it. */
int  metrics_render(struct metrics *m, struct store *store, char **textp);

#endif
