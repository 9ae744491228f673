/*
 * timers.c — libre's tmr_start, with a faster way into its timer list.
 *
 * libre 1.1.0 keeps each thread's timers in one list sorted by expiry and
 * finds a new timer's place by walking from the tail. A SIP switch under
 * load holds tens of thousands of 32 s transaction timers, and every 500 ms
 * retransmission timer walked past all of them: the cost of a call grew
 * with the calls of the last 32 s (docs/performance.md, "Drift"). This
 * tmr_start keeps exactly libre's list and order (after the last timer
 * due no later; tmr_poll, tmr_cancel and tmr_next_timeout are libre's and
 * read the same list) but searches from both ends at once, so a place near
 * either end is found in a few steps. It replaces libre's by ELF symbol
 * interposition: the executable's definition wins for libre's own calls
 * too (decisions.md, "Timers: libre's list, searched from both ends").
 */
#include "libre.h"

/* libre's list of this thread's timers (exported by libre, not declared
   in its headers). */
extern struct list *tmrl_get(void);

/* Inserts tmr after the last timer due no later than it. */
static void insert_sorted(struct list *tmrl, struct tmr *tmr)
{
	struct le *fwd = list_head(tmrl), *back = list_tail(tmrl);

	while (fwd && back) {
		const struct tmr *f = fwd->data, *b = back->data;

		if (f->jfs > tmr->jfs) {        /* goes before fwd */
			if (fwd->prev)
				list_insert_after(tmrl, fwd->prev, &tmr->le,
						  tmr);
			else
				list_prepend(tmrl, &tmr->le, tmr);
			return;
		}
		if (b->jfs <= tmr->jfs) {       /* goes after back */
			list_insert_after(tmrl, back, &tmr->le, tmr);
			return;
		}
		fwd = fwd->next;
		back = back->prev;
	}
	list_append(tmrl, &tmr->le, tmr);       /* the list was empty */
}

void tmr_start(struct tmr *tmr, uint64_t delay, tmr_h *th, void *arg)
{
	struct list *tmrl = tmrl_get();

	if (!tmr)
		return;
	if (tmr->th)
		list_unlink(&tmr->le);
	tmr->th = th;
	tmr->arg = arg;
	if (!th || !tmrl)
		return;
	tmr->jfs = delay + tmr_jiffies();
	insert_sorted(tmrl, tmr);
}
