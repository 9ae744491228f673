/*
 * strategy.c — ordering a queue's eligible agents for one offer (see
 * strategy.h). The candidates' indexes are sorted in place in the output
 * array by a total order (priority tier, the strategy's key, binding
 * position, input order), then random and skill-first shuffle their runs
 * of equals, then the indexes become the caller's ids. The sort is an
 * introsort (quicksort, heapsort when it degenerates, insertion sort for
 * short runs): O(n log n), no allocation, no recursion deeper than log n.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "strategy.h"

static const char *const names[ACD_STRATEGY_COUNT] = {
	[ACD_RING_ALL]     = "ring_all",
	[ACD_SEQUENTIAL]   = "sequential",
	[ACD_ROUND_ROBIN]  = "round_robin",
	[ACD_LONGEST_IDLE] = "longest_idle",
	[ACD_FEWEST_CALLS] = "fewest_calls",
	[ACD_RANDOM]       = "random",
	[ACD_SKILL_FIRST]  = "skill_first",
};

const char *acd_strategy_name(enum acd_strategy s)
{
	return (unsigned)s < ACD_STRATEGY_COUNT ? names[s] : NULL;
}

int acd_strategy_of(const char *name, enum acd_strategy *out)
{
	if (!name || !out)
		return EINVAL;
	for (unsigned s = 0; s < ACD_STRATEGY_COUNT; s++) {
		if (!strcmp(name, names[s])) {
			*out = (enum acd_strategy)s;
			return 0;
		}
	}
	return EINVAL;
}

uint64_t acd_random(uint64_t *rng)
{
	uint64_t x = *rng ? *rng : 0x9e3779b97f4a7c15ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*rng = x;
	return x;
}

/* A uniform value in [0, bound) (bound ≥ 1; Lemire's multiply, bias
   below 2^-32 for the sizes of queues). */
static uint32_t random_below(uint64_t *rng, uint32_t bound)
{
	return (uint32_t)(((acd_random(rng) >> 32) * bound) >> 32);
}

/* --- the order ---------------------------------------------------------- */

struct order {
	enum acd_strategy s;
	const struct acd_candidate *c;
	uint32_t rr_from;          /* round-robin: this member_pos comes first */
};

static int compare_u32(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

static int compare_i64(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

/* The strategy's own key: < 0 when a comes first, 0 when it leaves them
   tied. */
static int compare_by_strategy(const struct order *o,
			       const struct acd_candidate *a,
			       const struct acd_candidate *b)
{
	int d;

	switch (o->s) {
	case ACD_SEQUENTIAL:
		return compare_u32(a->agent_no, b->agent_no);
	case ACD_ROUND_ROBIN:
		return compare_u32(a->member_pos - o->rr_from,
				   b->member_pos - o->rr_from);
	case ACD_LONGEST_IDLE:
		return compare_i64(a->idle_since_ms, b->idle_since_ms);
	case ACD_FEWEST_CALLS:
		d = compare_u32(a->answered_today, b->answered_today);
		return d ? d : compare_i64(a->idle_since_ms, b->idle_since_ms);
	case ACD_SKILL_FIRST:
		return compare_u32(b->skill_level, a->skill_level);
	default:                   /* ring-all, random: binding order */
		return 0;
	}
}

/* True when candidate i comes before candidate j (a total order). */
static bool comes_before(const struct order *o, uint32_t i, uint32_t j)
{
	const struct acd_candidate *a = &o->c[i], *b = &o->c[j];
	int d;

	if (a->priority != b->priority)
		return a->priority < b->priority;
	d = compare_by_strategy(o, a, b);
	if (d)
		return d < 0;
	if (a->member_pos != b->member_pos)
		return a->member_pos < b->member_pos;
	return i < j;
}

static void swap(uint32_t *v, size_t i, size_t j)
{
	uint32_t t = v[i];

	v[i] = v[j];
	v[j] = t;
}

static void insertion_sort(const struct order *o, uint32_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t x = v[i];
		size_t j = i;

		for (; j > 0 && comes_before(o, x, v[j - 1]); j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static void sift_down(const struct order *o, uint32_t *v, size_t root,
		      size_t n)
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && comes_before(o, v[child], v[child + 1]))
			child++;
		if (!comes_before(o, v[root], v[child]))
			return;
		swap(v, root, child);
	}
}

static void heap_sort(const struct order *o, uint32_t *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(o, v, i, n);
	for (size_t end = n; end-- > 1;) {
		swap(v, 0, end);
		sift_down(o, v, 0, end);
	}
}

/* Puts the median of v[0], v[n/2], v[n-1] in v[0] (the pivot). */
static void pivot_to_front(const struct order *o, uint32_t *v, size_t n)
{
	size_t mid = n / 2, last = n - 1;

	if (comes_before(o, v[mid], v[0]))
		swap(v, mid, 0);
	if (comes_before(o, v[last], v[mid]))
		swap(v, last, mid);
	if (comes_before(o, v[mid], v[0]))
		swap(v, mid, 0);
	swap(v, 0, mid);
}

/* Hoare partition around v[0]; returns the size of the left part. The
   order is total and the values distinct, so both scans stop in bounds. */
static size_t partition(const struct order *o, uint32_t *v, size_t n)
{
	uint32_t pivot = v[0];
	size_t i = 0, j = n;

	for (;;) {
		while (comes_before(o, v[++i], pivot) && i < n - 1)
			;
		while (comes_before(o, pivot, v[--j]))
			;
		if (i >= j)
			break;
		swap(v, i, j);
	}
	swap(v, 0, j);
	return j;
}

static void intro_sort(const struct order *o, uint32_t *v, size_t n,
		       unsigned depth)
{
	while (n > 16) {
		size_t left;

		if (depth-- == 0) {
			heap_sort(o, v, n);
			return;
		}
		pivot_to_front(o, v, n);
		left = partition(o, v, n);
		/* recurse into the smaller side, loop on the larger */
		if (left < n - left - 1) {
			intro_sort(o, v, left, depth);
			v += left + 1;
			n -= left + 1;
		} else {
			intro_sort(o, v + left + 1, n - left - 1, depth);
			n = left;
		}
	}
	insertion_sort(o, v, n);
}

static unsigned depth_limit(size_t n)
{
	unsigned d = 0;

	while (n >>= 1)
		d++;
	return 2 * d;
}

/* --- random ties ------------------------------------------------------ */

/* True when the strategy leaves i and j tied (random: same tier;
   skill first: same tier and level). */
static bool tied(const struct order *o, uint32_t i, uint32_t j)
{
	const struct acd_candidate *a = &o->c[i], *b = &o->c[j];

	if (a->priority != b->priority)
		return false;
	return o->s != ACD_SKILL_FIRST || a->skill_level == b->skill_level;
}

static void shuffle(uint32_t *v, size_t n, uint64_t *rng)
{
	for (size_t i = n; i > 1; i--)
		swap(v, i - 1, random_below(rng, (uint32_t)i));
}

static void shuffle_ties(const struct order *o, uint32_t *v, size_t n,
			 uint64_t *rng)
{
	for (size_t start = 0, end; start < n; start = end) {
		for (end = start + 1; end < n && tied(o, v[start], v[end]); end++)
			;
		shuffle(v + start, end - start, rng);
	}
}

static bool one_tier(const struct acd_candidate *c, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		if (c[i].priority != c[0].priority)
			return false;
	}
	return true;
}

static size_t first_tier_size(const struct acd_candidate *c,
			      const uint32_t *v, size_t n)
{
	size_t k = 1;

	while (k < n && c[v[k]].priority == c[v[0]].priority)
		k++;
	return k;
}

size_t acd_order(enum acd_strategy s, const struct acd_candidate *c, size_t n,
		 uint32_t *rr_last, uint64_t *rng, uint32_t *out)
{
	struct order o = {s, c, rr_last ? *rr_last + 1 : 0};
	uint64_t own_rng = 0;
	size_t ring;

	if (n == 0 || !c || !out)
		return 0;
	if (!rng)
		rng = &own_rng;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint32_t)i;
	if (s == ACD_RANDOM && one_tier(c, n)) {
		shuffle(out, n, rng);
	} else {
		intro_sort(&o, out, n, depth_limit(n));
		if (s == ACD_RANDOM || s == ACD_SKILL_FIRST)
			shuffle_ties(&o, out, n, rng);
	}
	ring = s == ACD_RING_ALL ? first_tier_size(c, out, n) : 1;
	if (s == ACD_ROUND_ROBIN && rr_last)
		*rr_last = c[out[0]].member_pos;
	for (size_t i = 0; i < n; i++)
		out[i] = c[out[i]].id;
	return ring;
}
