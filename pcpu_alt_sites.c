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
 *
 * The CPU that claims a slot also writes the site's symbol name into it,
 * then publishes it (SITE_NAMED), so the name outlives the code:
 * a module's init function that allocated, freed once the module is up,
 * or a module unloaded with areas still live, is still named by symbol.
 * When code goes away (a module unloads, or its init code is freed) its
 * slots are retired: they keep naming the areas they hold, but a new
 * caller at the same address, from code loaded there later, gets a slot
 * of its own.
 */
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/percpu.h>
#include <linux/string.h>

#include "pcpu_alt_internal.h"

/* Flags of a slot (site_flags[]): set once, never cleared while loaded. */
enum {
	SITE_NAMED,	/* site_name[] is written (release/acquire) */
	SITE_RETIRED,	/* its code is gone: matches no new caller */
	SITE_INIT,	/* retired because init code was freed */
};

/* Call site address of each id; 0 = free slot (see the top). */
static unsigned long site_addr[PCPU_ALT_SITE_MAX + 1];
static unsigned long site_flags[PCPU_ALT_SITE_MAX + 1];
/* Written by the slot's claimer before SITE_NAMED, read-only after. */
static char site_name[PCPU_ALT_SITE_MAX + 1][PCPU_ALT_SITE_NAME_LEN];
/* Sites that found the table full. */
static atomic64_t nr_site_overflows;
/* Bumped after slots are retired: every CPU's memo is stale then. */
static atomic_t site_gen;

/* The last lookup on this CPU (IRQs off). */
struct site_memo {
	unsigned long caller;
	unsigned int gen;
	u8 id;
};

static DEFINE_PER_CPU(struct site_memo, site_memo);

/*
 * sprint_symbol()'s output for the slot being named.  One buffer, not one
 * per CPU: a site is named once, and modules' static per-CPU room is
 * small.  Raw: taken with IRQs off, under a chunk's lock.
 */
static char site_sym_buf[KSYM_SYMBOL_LEN];
static DEFINE_RAW_SPINLOCK(site_sym_lock);

/* Name @id after @caller: resolved now, while its code is there. */
static void site_name_it(unsigned int id, unsigned long caller)
{
	raw_spin_lock(&site_sym_lock);
	sprint_symbol(site_sym_buf, caller);
	strscpy(site_name[id], site_sym_buf, PCPU_ALT_SITE_NAME_LEN);
	raw_spin_unlock(&site_sym_lock);
	/* The name before the flag: readers acquire the flag. */
	smp_mb__before_atomic();
	set_bit(SITE_NAMED, &site_flags[id]);
}

/* Probe from the caller's hash for its slot, claiming a free one. */
static u8 site_slot(unsigned long caller)
{
	unsigned int i, slot = hash_long(caller, BITS_PER_LONG) %
			       PCPU_ALT_SITE_MAX;

	for (i = 0; i < PCPU_ALT_SITE_MAX; i++, slot = (slot + 1) %
						      PCPU_ALT_SITE_MAX) {
		unsigned int id = slot + 1;
		unsigned long addr = READ_ONCE(site_addr[id]);

		if (!addr && !cmpxchg(&site_addr[id], 0, caller)) {
			site_name_it(id, caller);
			return id;
		}
		addr = READ_ONCE(site_addr[id]);
		if (addr == caller && !test_bit(SITE_RETIRED, &site_flags[id]))
			return id;
	}
	atomic64_inc(&nr_site_overflows);
	return PCPU_ALT_SITE_OTHER;
}

/**
 * pcpu_alt_site_id() - the id of a call site
 * @caller: the call site's address (never 0)
 *
 * The first time a site is seen its symbol name is resolved and kept
 * (one kallsyms lookup).
 *
 * CONTEXT: IRQs off (the per-CPU memo).
 * RETURNS: 1..PCPU_ALT_SITE_MAX, or PCPU_ALT_SITE_OTHER when the table
 * is full.
 */
u8 pcpu_alt_site_id(unsigned long caller)
{
	struct site_memo *memo = this_cpu_ptr(&site_memo);
	unsigned int gen = atomic_read_acquire(&site_gen);

	lockdep_assert_irqs_disabled();
	if (memo->caller != caller || memo->gen != gen) {
		memo->id = site_slot(caller);
		memo->caller = caller;
		memo->gen = gen;
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
 * pcpu_alt_site_format() - a call site's name, for views and reports
 * @id: a site id
 * @buf: receives the name, NUL-terminated
 * @size: bytes of @buf (at least PCPU_ALT_SITE_NAME_LEN + 24 for the
 *        whole text)
 *
 * The symbol name recorded when the site was first seen, as %pS prints
 * it ("fn+0x1c/0x90 [mod]"), followed by " (unloaded)" or " (init,
 * freed)" when that code is gone; "(other: sites beyond the table)" for
 * PCPU_ALT_SITE_OTHER and "(none recorded)" for 0.
 *
 * CONTEXT: any.
 */
void pcpu_alt_site_format(u8 id, char *buf, size_t size)
{
	const char *gone = "";

	if (id == PCPU_ALT_SITE_OTHER) {
		strscpy(buf, "(other: sites beyond the table)", size);
		return;
	}
	if (!pcpu_alt_site_addr(id)) {
		strscpy(buf, "(none recorded)", size);
		return;
	}
	if (test_bit(SITE_RETIRED, &site_flags[id]))
		gone = test_bit(SITE_INIT, &site_flags[id]) ?
		       " (init, freed)" : " (unloaded)";
	/* A name still being written: resolve it here instead. */
	if (test_bit(SITE_NAMED, &site_flags[id])) {
		/* The flag, then the name: pairs with site_name_it(). */
		smp_rmb();
		snprintf(buf, size, "%s%s", site_name[id], gone);
	} else {
		snprintf(buf, size, "%pS%s", (void *)site_addr[id], gone);
	}
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
 * RETURNS: bytes, fixed at load.
 */
size_t pcpu_alt_sites_meta_bytes(void)
{
	return sizeof(site_addr) + sizeof(site_flags) + sizeof(site_name) +
	       sizeof(site_sym_buf) +
	       num_possible_cpus() * sizeof(struct site_memo);
}

/* Retire the slots of @mod's code (init code only, if @init). */
static void sites_retire(struct module *mod, bool init)
{
	unsigned int id, n = 0;

	for (id = 1; id <= PCPU_ALT_SITE_MAX; id++) {
		unsigned long addr = READ_ONCE(site_addr[id]);

		if (!addr || test_bit(SITE_RETIRED, &site_flags[id]))
			continue;
		if (init ? !within_module_init(addr, mod) :
			   !within_module(addr, mod))
			continue;
		if (init)
			set_bit(SITE_INIT, &site_flags[id]);
		set_bit(SITE_RETIRED, &site_flags[id]);
		n++;
	}
	/* The flags before the generation: lookups acquire it. */
	if (n)
		atomic_inc_return_release(&site_gen);
}

/*
 * Code that goes away: a module about to be freed (GOING), or one whose
 * init code is about to be freed (LIVE: the notifier runs before that).
 */
static int sites_module_event(struct notifier_block *nb, unsigned long state,
			      void *data)
{
	if (state == MODULE_STATE_LIVE)
		sites_retire(data, true);
	else if (state == MODULE_STATE_GOING)
		sites_retire(data, false);
	return NOTIFY_OK;
}

static struct notifier_block sites_module_nb = {
	.notifier_call = sites_module_event,
};

/**
 * pcpu_alt_sites_init() - follow module loads and unloads
 *
 * CONTEXT: module init.
 * RETURNS: 0 or an error from register_module_notifier().
 */
int pcpu_alt_sites_init(void)
{
	return register_module_notifier(&sites_module_nb);
}

/**
 * pcpu_alt_sites_exit() - stop following them
 *
 * CONTEXT: module exit.
 */
void pcpu_alt_sites_exit(void)
{
	unregister_module_notifier(&sites_module_nb);
}
