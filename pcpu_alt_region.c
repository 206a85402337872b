// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt virtual regions: where a chunk's units live and how their pages
 * get backed.
 *
 * A chunk is one vmap()ed region holding a unit for every possible CPU:
 *
 *   base                                                     base + span
 *   | unit cpu0 | (gap) | unit cpu1 | (gap) | unit cpu2 | ... |
 *     ^ unit_off[0]        ^ unit_off[1]
 *
 * Compat layout: unit_off[cpu] = __per_cpu_offset[cpu] - min offset, so the
 * units stand at the same relative distances as the kernel's own per-CPU
 * areas and a pointer p = base + off - min offset works with per_cpu_ptr()
 * and this_cpu_*().  Private layout: units packed back to back in CPU order;
 * only pcpu_alt_ptr() knows the offsets.
 *
 * The kernel does not export a way to reserve vmalloc space and map pages
 * into it later, so a region is made by vmap()ing one placeholder page over
 * the whole span with PAGE_NONE (no access): that allocates every page table
 * the span needs.  Populating a page then means writing a real PTE over the
 * placeholder one (lookup_address() finds it); depopulating puts the
 * placeholder back and flushes the TLB of every CPU.
 *
 * Backends: "vm" populates pages on demand; "km" populates a whole region
 * when it is made and never depopulates.  Both share this code.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/vmalloc.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>

#include "pcpu_alt_internal.h"

struct pcpu_alt_layout pcpu_alt_layout;

/* What pcpu_alt_ptr() adds for each CPU: set with the layout at load. */
const unsigned long *pcpu_alt_cpu_offset __read_mostly;
EXPORT_SYMBOL_GPL(pcpu_alt_cpu_offset);

/* The no-access page every unpopulated PTE points at, and that PTE. */
static struct page *placeholder_page;
static pte_t placeholder_pte;
static bool placeholder_pte_known;

/* Live regions and backing pages, to prove nothing leaks. */
static atomic_long_t nr_live_regions;
static atomic_long_t nr_live_pages;

/* Fallback unit size when no stride can be measured (a single CPU). */
#define PCPU_ALT_DEFAULT_UNIT	(256 * 1024)
/* A compat span larger than this many times its units costs too much. */
#define PCPU_ALT_COMPAT_MAX_SPREAD	4

static unsigned long compat_stride(void)
{
	unsigned long best = ULONG_MAX;
	unsigned int a, b;

	for_each_possible_cpu(a) {
		for_each_possible_cpu(b) {
			unsigned long d;

			if (a == b)
				continue;
			d = __per_cpu_offset[a] > __per_cpu_offset[b] ?
			    __per_cpu_offset[a] - __per_cpu_offset[b] :
			    __per_cpu_offset[b] - __per_cpu_offset[a];
			best = min(best, d);
		}
	}
	return best;
}

/*
 * vmap() refuses to map more pages than the machine has RAM, whatever is
 * behind them; span_limit_pages lets a test put that limit lower.
 */
static unsigned long span_limit_pages;
module_param(span_limit_pages, ulong, 0444);
MODULE_PARM_DESC(span_limit_pages, "test: act as if vmap() mapped at most this many pages (0 = the RAM size, vmap()'s own limit)");

static unsigned long max_span_pages(void)
{
	return span_limit_pages ?: totalram_pages();
}

static bool span_fits(unsigned long span)
{
	return span >> PAGE_SHIFT <= max_span_pages();
}

/*
 * Private layout, when @unit_bytes (0: automatic) would make a span vmap()
 * cannot map: a smaller automatic unit, down to PCPU_ALT_MIN_UNIT, or an
 * error that says what to set.
 */
static int private_unit(struct pcpu_alt_layout *l, size_t unit_bytes)
{
	unsigned long per_unit;

	if (span_fits(l->nr_units * l->unit_size))
		return 0;
	per_unit = round_down(max_span_pages() / l->nr_units << PAGE_SHIFT,
			      PAGE_SIZE);
	if (unit_bytes || per_unit < PCPU_ALT_MIN_UNIT) {
		pr_err("%u units of %zu KiB need a %lu KiB region; vmap() maps at most %lu KiB here (the RAM size)%s%lu KiB\n",
		       l->nr_units, l->unit_size / 1024,
		       l->nr_units * l->unit_size / 1024,
		       max_span_pages() << (PAGE_SHIFT - 10),
		       unit_bytes ? ": load with unit_kb <= " :
		       ": too many possible CPUs for a unit of ",
		       unit_bytes ? per_unit / 1024 : PCPU_ALT_MIN_UNIT / 1024);
		return -E2BIG;
	}
	l->unit_size = per_unit;
	l->why = "compat and default units too large for vmap() on this RAM";
	return 0;
}

/**
 * pcpu_alt_layout_init() - choose the compat or private layout
 * @mode: PCPU_ALT_LAYOUT_AUTO, _COMPAT or _PRIVATE
 * @unit_bytes: requested unit size, 0 for automatic
 *
 * Every region must be one vmap() span, which vmap() refuses above the
 * machine's RAM size.  An automatic choice falls back to the private
 * layout and then to a smaller unit; a forced one that cannot fit fails.
 *
 * Return: 0, -EINVAL when a forced compat layout is impossible, -E2BIG
 * when no region of the layout asked for can be mapped, or -ENOMEM.
 */
int pcpu_alt_layout_init(int mode, size_t unit_bytes)
{
	struct pcpu_alt_layout *l = &pcpu_alt_layout;
	unsigned long lo = ULONG_MAX, hi = 0, stride = compat_stride();
	bool compat_ok, compat_cheap, compat_fits;
	unsigned int cpu, idx = 0;
	int err;

	for_each_possible_cpu(cpu) {
		lo = min(lo, __per_cpu_offset[cpu]);
		hi = max(hi, __per_cpu_offset[cpu]);
	}
	if (stride == ULONG_MAX)	/* a single possible CPU */
		stride = unit_bytes ?: PCPU_ALT_DEFAULT_UNIT;

	l->nr_units = num_possible_cpus();
	l->unit_size = unit_bytes ?: min_t(unsigned long, stride,
					   PCPU_ALT_MAX_UNIT);
	l->unit_size = round_down(l->unit_size, PAGE_SIZE);
	if (!l->unit_size)
		l->unit_size = PAGE_SIZE;

	compat_ok = PAGE_ALIGNED(lo) && PAGE_ALIGNED(stride) &&
		    l->unit_size <= stride;
	for_each_possible_cpu(cpu)
		compat_ok &= PAGE_ALIGNED(__per_cpu_offset[cpu]);
	compat_cheap = hi - lo + l->unit_size <=
		       PCPU_ALT_COMPAT_MAX_SPREAD * l->nr_units * l->unit_size;
	compat_fits = span_fits(hi - lo + l->unit_size);

	if (mode == PCPU_ALT_LAYOUT_COMPAT && !compat_ok) {
		pr_err("layout=compat impossible: per-CPU offsets %s\n",
		       l->unit_size > stride ? "closer than the unit size" :
		       "not page aligned");
		return -EINVAL;
	}
	if (mode == PCPU_ALT_LAYOUT_COMPAT && !compat_fits) {
		pr_err("layout=compat impossible: its %lu KiB region is more than vmap() maps here (%lu KiB, the RAM size)\n",
		       (hi - lo + l->unit_size) / 1024,
		       max_span_pages() << (PAGE_SHIFT - 10));
		return -E2BIG;
	}
	l->compat = mode == PCPU_ALT_LAYOUT_COMPAT ||
		    (mode == PCPU_ALT_LAYOUT_AUTO && compat_ok &&
		     compat_cheap && compat_fits);
	if (mode != PCPU_ALT_LAYOUT_AUTO)
		l->why = "forced by the layout parameter";
	else if (l->compat)
		l->why = "per-CPU offsets are evenly spread";
	else if (!compat_ok)
		l->why = "per-CPU offsets too close or unaligned for compat";
	else if (!compat_fits)
		l->why = "compat region larger than vmap() maps on this RAM";
	else
		l->why = "compat span too large (NUMA groups far apart?)";
	if (!l->compat) {
		err = private_unit(l, unit_bytes);
		if (err)
			return err;
	}

	l->unit_off = kcalloc(nr_cpu_ids, sizeof(*l->unit_off), GFP_KERNEL);
	if (!l->unit_off)
		return -ENOMEM;
	if (l->compat) {
		l->bias = lo;
		l->span = hi - lo + l->unit_size;
		for_each_possible_cpu(cpu)
			l->unit_off[cpu] = __per_cpu_offset[cpu] - lo;
		/* per_cpu_ptr() adds exactly these. */
		pcpu_alt_cpu_offset = __per_cpu_offset;
	} else {
		l->bias = 0;
		l->span = l->nr_units * l->unit_size;
		for_each_possible_cpu(cpu)
			l->unit_off[cpu] = idx++ * l->unit_size;
		pcpu_alt_cpu_offset = l->unit_off;
	}
	l->unit_pages = l->unit_size >> PAGE_SHIFT;

	placeholder_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!placeholder_page) {
		kfree(l->unit_off);
		l->unit_off = NULL;
		return -ENOMEM;
	}
	return 0;
}

/**
 * pcpu_alt_layout_exit() - free what pcpu_alt_layout_init() allocated
 */
void pcpu_alt_layout_exit(void)
{
	__free_page(placeholder_page);
	placeholder_page = NULL;
	kfree(pcpu_alt_layout.unit_off);
	pcpu_alt_layout.unit_off = NULL;
}

static pte_t *region_pte(void *base, unsigned int cpu, int page)
{
	unsigned long addr = (unsigned long)base +
			     pcpu_alt_layout.unit_off[cpu] +
			     ((unsigned long)page << PAGE_SHIFT);
	unsigned int level;
	pte_t *ptep = lookup_address(addr, &level);

	if (WARN_ON_ONCE(!ptep || level != PG_LEVEL_4K))
		return NULL;
	return ptep;
}

/**
 * pcpu_alt_region_create() - reserve a chunk's virtual region
 * @gfp: flags for the page array (vmap() itself follows the task's
 *       reclaim scope)
 *
 * CONTEXT: process context, may sleep.
 * RETURNS: the region's base address, or NULL on failure.
 */
void *pcpu_alt_region_create(gfp_t gfp)
{
	unsigned int nr = pcpu_alt_layout.span >> PAGE_SHIFT, i;
	struct page **pages;
	void *base = NULL;
	pte_t *ptep;

	if (pcpu_alt_fault_inject(gfp))
		return NULL;
	pages = kvmalloc_array(nr, sizeof(*pages), gfp);
	if (!pages)
		return NULL;
	for (i = 0; i < nr; i++)
		pages[i] = placeholder_page;
	if (!pcpu_alt_fault_inject_scoped())
		base = vmap(pages, nr, VM_MAP, PAGE_NONE);
	kvfree(pages);
	if (!base)
		return NULL;

	ptep = region_pte(base, cpumask_first(cpu_possible_mask), 0);
	if (!ptep) {
		vunmap(base);
		return NULL;
	}
	if (!placeholder_pte_known) {
		placeholder_pte = *ptep;
		placeholder_pte_known = true;
	}
	atomic_long_inc(&nr_live_regions);
	return base;
}

/**
 * pcpu_alt_region_destroy() - release a region whose pages are all gone
 * @base: what pcpu_alt_region_create() returned
 *
 * CONTEXT: process context, may sleep.
 */
void pcpu_alt_region_destroy(void *base)
{
	vunmap(base);
	atomic_long_dec(&nr_live_regions);
}

/**
 * pcpu_alt_region_counts() - regions and backing pages currently held
 * @regions: set to the number of live regions
 * @pages: set to the number of pages mapped into them, all units counted
 */
void pcpu_alt_region_counts(unsigned long *regions, unsigned long *pages)
{
	*regions = atomic_long_read(&nr_live_regions);
	*pages = atomic_long_read(&nr_live_pages);
}

static void flush_tlb_this_cpu(void *unused)
{
	__flush_tlb_all();
}

/* Drop stale translations of unmapped pages on every CPU. */
static void flush_tlb_everywhere(void)
{
	on_each_cpu(flush_tlb_this_cpu, NULL, 1);
}

/* Put the placeholder back on @page of every unit; return the real pages. */
static void unmap_page(void *base, int page, struct list_head *to_free)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		pte_t *ptep = region_pte(base, cpu, page);

		if (!ptep || pte_pfn(*ptep) == page_to_pfn(placeholder_page))
			continue;
		list_add(&pte_page(*ptep)->lru, to_free);
		set_pte(ptep, placeholder_pte);
	}
}

static void free_page_list(struct list_head *pages)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, pages, lru) {
		list_del(&page->lru);
		__free_page(page);
		atomic_long_dec(&nr_live_pages);
	}
}

/**
 * pcpu_alt_region_populate() - back one page index of every unit
 * @base: the region
 * @page: page index within a unit
 * @gfp: flags for the pages
 *
 * Each unit's page comes from its CPU's node.  On failure nothing stays
 * mapped.
 *
 * CONTEXT: process context, may sleep; caller holds pcpu_alt_mutex.
 * RETURNS: 0 or -ENOMEM (-EFAULT if the page tables are not ours).
 */
int pcpu_alt_region_populate(void *base, int page, gfp_t gfp)
{
	LIST_HEAD(undo);
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		pte_t *ptep = region_pte(base, cpu, page);
		struct page *p = NULL;

		/*
		 * Not zeroed here: every allocation zeroes its own area on
		 * every CPU before it is handed out, and nothing else of the
		 * page is ever readable through pcpu_alt.
		 */
		if (!pcpu_alt_fault_inject(gfp))
			p = alloc_pages_node(cpu_to_node(cpu),
					     gfp | __GFP_NOWARN, 0);
		if (!p || !ptep) {
			if (p)
				__free_page(p);
			unmap_page(base, page, &undo);
			flush_tlb_everywhere();
			free_page_list(&undo);
			return p ? -EFAULT : -ENOMEM;
		}
		set_pte(ptep, mk_pte(p, PAGE_KERNEL));
		atomic_long_inc(&nr_live_pages);
	}
	return 0;
}

/**
 * pcpu_alt_region_depopulate() - give back page indexes of every unit
 * @base: the region
 * @pages: bitmap of page indexes to release
 * @nr_pages: bits in @pages
 *
 * One TLB flush on every CPU covers the whole batch.
 *
 * CONTEXT: process context, may sleep; caller holds pcpu_alt_mutex and has
 * made sure no allocation lies in these pages.
 */
void pcpu_alt_region_depopulate(void *base, const unsigned long *pages,
				int nr_pages)
{
	LIST_HEAD(to_free);
	int page;

	for_each_set_bit(page, pages, nr_pages)
		unmap_page(base, page, &to_free);
	flush_tlb_everywhere();
	free_page_list(&to_free);
}
