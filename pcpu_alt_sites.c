// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt call sites: a small id for each place that allocates, so that
 * every area can carry the id of its caller in one byte (chunk->sites)
 * and "who holds the memory" can be answered at any time, at the cost of
 * a byte store per allocation.
 *
 * Ids 1..PCPU_ALT_SITE_MAX name call sites, in a table filled once per
 * site and never emptied while loaded (open addressing, slots claimed with
 * cmpxchg: no lock).  Id 0 means "no site recorded"; PCPU_ALT_SITE_OTHER
 * gathers every site beyond the table.  Each CPU remembers the last site
 * it looked up, which is the common case: a caller allocating in a loop.
 */
#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/percpu.h>

#include "pcpu_alt_internal.h"

/* Call site address of each id; 0 = free slot (see the top). */
static unsigned long site_addr[PCPU_ALT_SITE_MAX + 1];
/* Sites that found the table full. */
static atomic64_t nr_site_overflows;

/* The last lookup on this CPU (IRQs off). */
struct site_memo {
	unsigned long caller;
	u8 id;
};

static DEFINE_PER_CPU(struct site_memo, site_memo);

/* Probe from the caller's hash for its slot, claiming a free one. */
static u8 site_slot(unsigned long caller)
{
	unsigned int i, slot = hash_long(caller, BITS_PER_LONG) %
			       PCPU_ALT_SITE_MAX;

	for (i = 0; i < PCPU_ALT_SITE_MAX; i++, slot = (slot + 1) %
						      PCPU_ALT_SITE_MAX) {
		unsigned long addr = READ_ONCE(site_addr[slot + 1]);

		if (addr == caller)
			return slot + 1;
		if (!addr && (!cmpxchg(&site_addr[slot + 1], 0, caller) ||
			      READ_ONCE(site_addr[slot + 1]) == caller))
			return slot + 1;
	}
	atomic64_inc(&nr_site_overflows);
	return PCPU_ALT_SITE_OTHER;
}

/**
 * pcpu_alt_site_id() - the id of a call site
 * @caller: the call site's address (never 0)
 *
 * CONTEXT: IRQs off (the per-CPU memo).
 * RETURNS: 1..PCPU_ALT_SITE_MAX, or PCPU_ALT_SITE_OTHER when the table
 * is full.
 */
u8 pcpu_alt_site_id(unsigned long caller)
{
	struct site_memo *memo = this_cpu_ptr(&site_memo);

	lockdep_assert_irqs_disabled();
	if (memo->caller != caller) {
		memo->id = site_slot(caller);
		memo->caller = caller;
	}
	return memo->id;
}

/**
 * pcpu_alt_site_addr() - the call site behind an id
 * @id: a site id
 *
 * RETURNS: its address, or 0 for 0 and PCPU_ALT_SITE_OTHER.
 */
unsigned long pcpu_alt_site_addr(u8 id)
{
	if (!id || id > PCPU_ALT_SITE_MAX)
		return 0;
	return READ_ONCE(site_addr[id]);
}

/**
 * pcpu_alt_sites_used() - how many sites the table holds, and overflows
 * @overflows: set to the lookups that found the table full
 *
 * RETURNS: the number of sites with an id.
 */
unsigned int pcpu_alt_sites_used(u64 *overflows)
{
	unsigned int id, n = 0;

	for (id = 1; id <= PCPU_ALT_SITE_MAX; id++)
		n += !!READ_ONCE(site_addr[id]);
	*overflows = atomic64_read(&nr_site_overflows);
	return n;
}

/**
 * pcpu_alt_sites_meta_bytes() - what the table itself takes
 *
 * RETURNS: bytes, fixed at build time.
 */
size_t pcpu_alt_sites_meta_bytes(void)
{
	return sizeof(site_addr) +
	       num_possible_cpus() * sizeof(struct site_memo);
}
