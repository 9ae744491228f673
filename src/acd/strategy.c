/*
 * strategy.c — ordering a queue's eligible agents for one offer (see
 * strategy.h). Each candidate becomes a 16-byte slot in the caller's
 * scratch — its tier, the strategy's key as one 64-bit number, its input
 * index — and the slots are sorted by (tier, key, index): up to 96 slots
 * by an introsort (quicksort, heapsort when it degenerates, insertion sort
 * for short runs; recursion depth ≤ log n), above by a stable LSD radix
 * sort on the bytes that vary. Random and skill first then shuffle their
 * runs of equal keys, and the indexes become the caller's ids. No
 * allocation. docs/decisions.md ("ACD routing core") has the figures.
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

/* --- sort keys --------------------------------------------------------- */

enum {
	RADIX_FROM = 96,           /* more slots than this: radix sort */
	ANSWERED_BITS = 23,        /* fewest calls: the least room for answered */
};

/* v, or the largest number of `bits` bits (1-64) if it is larger. */
static uint64_t capped(uint64_t v, unsigned bits)
{
	uint64_t max = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;

	return v < max ? v : max;
}

/* What the fewest-calls and longest-idle keys need: the earliest idle
   time, and how many bits the idle times' spread takes. */
struct idle_range {
	int64_t min;
	unsigned bits;
};

static struct idle_range idle_range_of(const struct acd_candidate *c,
				       size_t n)
{
	struct idle_range r = {c[0].idle_since_ms, 0};
	int64_t max = c[0].idle_since_ms;
	uint64_t spread;

	for (size_t i = 1; i < n; i++) {
		if (c[i].idle_since_ms < r.min)
			r.min = c[i].idle_since_ms;
		if (c[i].idle_since_ms > max)
			max = c[i].idle_since_ms;
	}
	spread = (uint64_t)max - (uint64_t)r.min;
	while (r.bits < 64 && spread >> r.bits)
		r.bits++;
	return r;
}

/* The strategy's key of one candidate: lower first. Kept to the few bytes
   that vary, for the radix sort: idle times relative to the earliest,
   fewest calls as (answered, idle) packed just above the idle times'
   spread, round-robin as (wrapped, position). */
static uint64_t key_of(enum acd_strategy s, const struct acd_candidate *c,
		       uint32_t rr_from, const struct idle_range *idle)
{
	uint64_t since = (uint64_t)c->idle_since_ms - (uint64_t)idle->min;

	switch (s) {
	case ACD_SEQUENTIAL:
		return c->agent_no;
	case ACD_ROUND_ROBIN:      /* rr_from and after, then the wrap */
		return (uint64_t)(c->member_pos < rr_from) << 32 |
		       c->member_pos;
	case ACD_LONGEST_IDLE:
		return since;
	case ACD_FEWEST_CALLS:
		if (idle->bits > 64 - ANSWERED_BITS)  /* spread > 69 years */
			return capped(c->answered_today, ANSWERED_BITS)
			       << (64 - ANSWERED_BITS);
		return capped(c->answered_today, 64 - idle->bits)
		       << idle->bits | since;
	case ACD_SKILL_FIRST:
		return 255u - c->skill_level;
	default:                   /* ring-all, random: input order */
		return 0;
	}
}

/* Which bits vary among the slots (a radix pass per byte that does). */
struct varying {
	uint64_t key;
	uint32_t tier;
};

/* A priority as an unsigned number in the same order. */
static uint32_t tier_bits(int priority)
{
	return (uint32_t)priority ^ 0x80000000u;
}

static void fill_slots(enum acd_strategy s, const struct acd_candidate *c,
		       size_t n, uint32_t rr_from, struct acd_slot *slot,
		       struct varying *v)
{
	struct idle_range idle = {0, 0};
	uint64_t key_or = 0, key_and = UINT64_MAX;
	uint32_t tier_or = 0, tier_and = UINT32_MAX;

	if (s == ACD_LONGEST_IDLE || s == ACD_FEWEST_CALLS)
		idle = idle_range_of(c, n);
	for (size_t i = 0; i < n; i++) {
		slot[i].key = key_of(s, &c[i], rr_from, &idle);
		slot[i].priority = c[i].priority;
		slot[i].index = (uint32_t)i;
		key_or |= slot[i].key;
		key_and &= slot[i].key;
		tier_or |= tier_bits(c[i].priority);
		tier_and &= tier_bits(c[i].priority);
	}
	v->key = key_or ^ key_and;
	v->tier = tier_or ^ tier_and;
}

/* --- the sort ------------------------------------------------------------ */

/* The total order: tier, key, input order. */
static inline bool comes_before(const struct acd_slot *a,
				const struct acd_slot *b)
{
	if (a->priority != b->priority)
		return a->priority < b->priority;
	if (a->key != b->key)
		return a->key < b->key;
	return a->index < b->index;
}

static inline void swap(struct acd_slot *v, size_t i, size_t j)
{
	struct acd_slot t = v[i];

	v[i] = v[j];
	v[j] = t;
}

static void insertion_sort(struct acd_slot *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct acd_slot x = v[i];
		size_t j = i;

		for (; j > 0 && comes_before(&x, &v[j - 1]); j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static void sift_down(struct acd_slot *v, size_t root, size_t n)
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && comes_before(&v[child], &v[child + 1]))
			child++;
		if (!comes_before(&v[root], &v[child]))
			return;
		swap(v, root, child);
	}
}

static void heap_sort(struct acd_slot *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t end = n; end-- > 1;) {
		swap(v, 0, end);
		sift_down(v, 0, end);
	}
}

/* Puts the median of v[0], v[n/2], v[n-1] in v[0] (the pivot), the
   smallest in v[n/2] and the largest in v[n-1]. */
static void pivot_to_front(struct acd_slot *v, size_t n)
{
	size_t mid = n / 2, last = n - 1;

	if (comes_before(&v[mid], &v[0]))
		swap(v, mid, 0);
	if (comes_before(&v[last], &v[mid]))
		swap(v, last, mid);
	if (comes_before(&v[mid], &v[0]))
		swap(v, mid, 0);
	swap(v, 0, mid);
}

/* Hoare partition around v[0]; returns the size of the left part. The
   order is total and the slots distinct, and v[n-1] is above the pivot,
   so both scans stop in bounds. */
static size_t partition(struct acd_slot *v, size_t n)
{
	const struct acd_slot pivot = v[0];
	size_t i = 0, j = n;

	for (;;) {
		while (comes_before(&v[++i], &pivot))
			;
		while (comes_before(&pivot, &v[--j]))
			;
		if (i >= j)
			break;
		swap(v, i, j);
	}
	swap(v, 0, j);
	return j;
}

static void intro_sort(struct acd_slot *v, size_t n, unsigned depth)
{
	while (n > 16) {
		size_t left;

		if (depth-- == 0) {
			heap_sort(v, n);
			return;
		}
		pivot_to_front(v, n);
		left = partition(v, n);
		/* recurse into the smaller side, loop on the larger */
		if (left < n - left - 1) {
			intro_sort(v, left, depth);
			v += left + 1;
			n -= left + 1;
		} else {
			intro_sort(v + left + 1, n - left - 1, depth);
			n = left;
		}
	}
	insertion_sort(v, n);
}

static unsigned depth_limit(size_t n)
{
	unsigned d = 0;

	while (n >>= 1)
		d++;
	return 2 * d;
}

static inline uint8_t radix_digit(const struct acd_slot *s, bool tier,
				  unsigned shift)
{
	return (uint8_t)((tier ? tier_bits(s->priority) : s->key) >> shift);
}

/* Stable LSD radix sort of src by (tier, key), a byte at a time, skipping
   the bytes that are the same in every slot; dst is as long as src. The
   input order breaks ties. Returns where the sorted slots are (src or
   dst). No comparisons, so no mispredicted branches: about 4 passes of
   2n moves for the usual keys, where a comparison sort of a thousand
   slots spends ~40 µs on branches it cannot predict. */
static struct acd_slot *radix_sort(struct acd_slot *src,
				   struct acd_slot *dst, size_t n,
				   const struct varying *v)
{
	for (unsigned d = 0; d < 12; d++) {
		bool tier = d >= 8;
		unsigned shift = 8 * (d % 8);
		uint32_t count[256] = {0}, at = 0;
		struct acd_slot *t;

		if (!(((tier ? v->tier : v->key) >> shift) & 0xff))
			continue;
		for (size_t i = 0; i < n; i++)
			count[radix_digit(&src[i], tier, shift)]++;
		for (unsigned b = 0; b < 256; b++) {
			uint32_t c = count[b];

			count[b] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[radix_digit(&src[i], tier, shift)]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	return src;
}

/* --- random ties ------------------------------------------------------ */

static void shuffle(struct acd_slot *v, size_t n, uint64_t *rng)
{
	for (size_t i = n; i > 1; i--)
		swap(v, i - 1, random_below(rng, (uint32_t)i));
}

/* Shuffles each run of slots the strategy leaves tied (random: a tier;
   skill first: a tier's agents of one level). */
static void shuffle_ties(struct acd_slot *v, size_t n, uint64_t *rng)
{
	for (size_t start = 0, end; start < n; start = end) {
		for (end = start + 1; end < n &&
		     v[end].priority == v[start].priority &&
		     v[end].key == v[start].key; end++)
			;
		shuffle(v + start, end - start, rng);
	}
}

static size_t first_tier_size(const struct acd_slot *v, size_t n)
{
	size_t k = 1;

	while (k < n && v[k].priority == v[0].priority)
		k++;
	return k;
}

size_t acd_order(enum acd_strategy s, const struct acd_candidate *c, size_t n,
		 uint32_t *rr_last, uint64_t *rng, struct acd_slot *scratch,
		 uint32_t *out)
{
	uint32_t rr_from = rr_last ? *rr_last + 1 : 0;
	uint64_t own_rng = 0;
	struct acd_slot *v = scratch;
	struct varying varies;
	size_t ring;

	if (n == 0 || !c || !scratch || !out || n > UINT32_MAX)
		return 0;
	if (!rng)
		rng = &own_rng;
	fill_slots(s, c, n, rr_from, scratch, &varies);
	if (s == ACD_RANDOM && !varies.tier) {
		shuffle(v, n, rng);
	} else {
		if (n <= RADIX_FROM)
			intro_sort(v, n, depth_limit(n));
		else
			v = radix_sort(scratch, scratch + n, n, &varies);
		if (s == ACD_RANDOM || s == ACD_SKILL_FIRST)
			shuffle_ties(v, n, rng);
	}
	ring = s == ACD_RING_ALL ? first_tier_size(v, n) : 1;
	if (s == ACD_ROUND_ROBIN && rr_last)
		*rr_last = c[v[0].index].member_pos;
	for (size_t i = 0; i < n; i++)
		out[i] = c[v[i].index].id;
	return ring;
}
