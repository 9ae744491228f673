/*
 * metrics.c — HTTP request counters by route and status, store figures and
 * process figures, rendered in the Prometheus text format.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "metrics.h"
#include "../core/ids.h"
#include "../store/store.h"

enum { MAX_SERIES = 1024 };

struct series {
	const char *route;
	uint16_t status;
	unsigned long count;
};

struct metrics {
	struct series series[MAX_SERIES];
	unsigned used;
	int64_t started_ms;
};

int metrics_alloc(struct metrics **mp)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return ENOMEM;
	m->started_ms = now_ms();
	*mp = m;
	return 0;
}

void metrics_free(struct metrics *m)
{
	free(m);
}

void metrics_count(struct metrics *m, const char *route, uint16_t status)
{
	for (unsigned i = 0; i < m->used; i++) {
		if (m->series[i].status == status &&
		    !strcmp(m->series[i].route, route)) {
			m->series[i].count++;
			return;
		}
	}
	if (m->used == MAX_SERIES)
		return;
	m->series[m->used++] = (struct series){route, status, 1};
}

static long resident_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * sysconf(_SC_PAGESIZE);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int metrics_render(struct metrics *m, struct store *store, char **textp)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return ENOMEM;
	fprintf(f, "# HELP hotline_http_requests_total HTTP requests by "
		"route and status.\n"
		"# TYPE hotline_http_requests_total counter\n");
	for (unsigned i = 0; i < m->used; i++)
		fprintf(f, "hotline_http_requests_total{route=\"%s\","
			"status=\"%u\"} %lu\n", m->series[i].route,
			m->series[i].status, m->series[i].count);
	fprintf(f, "# HELP hotline_store_queue_depth Jobs waiting for a "
		"store thread.\n# TYPE hotline_store_queue_depth gauge\n"
		"hotline_store_queue_depth %u\n",
		store_queue_depth(store));
	fprintf(f, "# HELP hotline_store_jobs_total Store jobs run.\n"
		"# TYPE hotline_store_jobs_total counter\n"
		"hotline_store_jobs_total %lu\n", store_jobs_done(store));
	fprintf(f, "# HELP process_resident_memory_bytes Resident memory.\n"
		"# TYPE process_resident_memory_bytes gauge\n"
		"process_resident_memory_bytes %ld\n", resident_bytes());
	fprintf(f, "# HELP process_cpu_seconds_total CPU time used.\n"
		"# TYPE process_cpu_seconds_total counter\n"
		"process_cpu_seconds_total %.3f\n", cpu_seconds());
	fprintf(f, "# HELP process_start_time_seconds Start time.\n"
		"# TYPE process_start_time_seconds gauge\n"
		"process_start_time_seconds %.3f\n", m->started_ms / 1000.0);
	if (fclose(f)) {
		free(buf);
		return ENOMEM;
	}
	*textp = buf;
	return 0;
}
