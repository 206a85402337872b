// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt chunks: their lifecycle, the slot lists, the lookup index and
 * the accounting around each chunk's allocation map (pcpu_alt_map.c).
 *
 * Chunks sit on slot lists by their largest free run: slot fls(bytes), slot
 * 0 for full chunks, and a last slot for chunks with no allocation at all.
 * An allocation walks the slots from the smallest that can fit it upwards,
 * so it lands in the fullest chunk that has room and leaves empty chunks
 * empty, to be given back.
 *
 * Pages of a unit are populated on demand: a blocking allocation backs the
 * pages it lands on; a non-blocking one only uses populated pages.
 *
 * Locking
 * -------
 * pcpu_alt_lock (spinlock, IRQ-safe, since frees come from any context)
 * protects the slot lists, every chunk's map and callers, and the counters.
 * pcpu_alt_mutex serialises everything that sleeps: chunk creation and
 * destruction, population and depopulation; blocking allocations hold it
 * for their whole run.  Order: pcpu_alt_mutex, then pcpu_alt_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pcpu_alt_internal.h"
#include "pcpu_alt_chunk.h"
#include "pcpu_alt_trace.h"

/* Protects slot lists, chunk maps and callers, and the counters. */
DEFINE_SPINLOCK(pcpu_alt_lock);
/* Serialises chunk creation/destruction and (de)population. */
DEFINE_MUTEX(pcpu_alt_mutex);

/* Slot lists, see the top comment (pcpu_alt_lock). */
struct list_head *pcpu_alt_slots;
int pcpu_alt_nr_slots;

/*
 * Region page -> chunk, for O(1) lookup on free.  Keyed by the vmalloc page
 * number of (pointer + layout bias), which falls in the chunk's lowest unit.
 * Stores happen under pcpu_alt_mutex before the chunk is visible; erases and
 * loads under pcpu_alt_lock, so a chunk found here cannot be freed under us.
 * Its own lock nests inside pcpu_alt_lock, so it is always taken with IRQs
 * off (XA_FLAGS_LOCK_IRQ, xa_store_irq()).
 */
static DEFINE_XARRAY_FLAGS(pcpu_alt_index, XA_FLAGS_LOCK_IRQ);

/*
 * Each CPU remembers the chunk its last lock-free lookup found, so that a
 * run of frees into one chunk skips the index walk.  A memo is good while
 * its @gen equals lookup_gen, which chunk_unindex() bumps (under
 * pcpu_alt_lock, release) after taking a chunk out of the index; readers
 * load it with acquire before the index, so a memo can never name a chunk
 * the index had already dropped.  Read and written by its own CPU with
 * IRQs off.
 */
struct lookup_memo {
	unsigned long base;
	struct pcpu_alt_chunk *chunk;
	unsigned long gen;
};

static DEFINE_PER_CPU(struct lookup_memo, lookup_memo);
static unsigned long lookup_gen;

/* Counters behind struct pcpu_alt_stats (pcpu_alt_lock). */
static struct pcpu_alt_stats counters;
/* Chunks on the last slot (pcpu_alt_lock). */
static unsigned int nr_free_chunks;
/* Areas moved into and out of the per-CPU caches (pcpu_alt_lock). */
static u64 nr_cache_takes;
static u64 nr_cache_gives;
/* Allocations whose caller could not be recorded (pcpu_alt_lock). */
static u64 nr_untracked;
/* Next chunk id (pcpu_alt_mutex). */
static int next_chunk_id;
/* New chunks get a cached map (pcpu_alt_mutex). */
static bool track_cached;

bool pcpu_alt_km_backend;

/*
 * A debug option, off by default like slub_debug=U: recording costs an
 * xarray store, under the chunk's xarray lock, on every allocation, and
 * would put a shared lock back on the per-CPU cache fast path.
 */
static bool track_callers;
module_param(track_callers, bool, 0444);
MODULE_PARM_DESC(track_callers, "record each allocation's caller for the unload leak report (debug; slows every allocation)");

/**
 * pcpu_alt_chunks_track_cached() - give new chunks a cached map or not
 * @on: the per-CPU caches are on
 *
 * Chunks made while the caches are off never hold cached areas and skip
 * the bitmap that marks them.
 *
 * CONTEXT: process context, may sleep.
 */
void pcpu_alt_chunks_track_cached(bool on)
{
	mutex_lock(&pcpu_alt_mutex);
	track_cached = on;
	mutex_unlock(&pcpu_alt_mutex);
}

/* ---- slots and accounting (pcpu_alt_lock held) ---- */

int pcpu_alt_free_slot(void)
{
	return pcpu_alt_nr_slots - 1;
}

static int chunk_slot(const struct pcpu_alt_chunk *chunk)
{
	return pcpu_alt_map_slot(&chunk->map, pcpu_alt_free_slot());
}

static void chunk_relocate(struct pcpu_alt_chunk *chunk)
{
	int slot = chunk_slot(chunk);

	lockdep_assert_held(&pcpu_alt_lock);
	if (slot == chunk->slot)
		return;
	if (chunk->slot == pcpu_alt_free_slot())
		nr_free_chunks--;
	if (slot == pcpu_alt_free_slot())
		nr_free_chunks++;
	list_move_tail(&chunk->list, &pcpu_alt_slots[slot]);
	chunk->slot = slot;
}

/* Fully free chunks; read without the lock, for a heuristic. */
unsigned int pcpu_alt_nr_free_chunks(void)
{
	return READ_ONCE(nr_free_chunks);
}

/* Empty populated pages; without the lock, for a heuristic. */
unsigned int pcpu_alt_nr_empty_pop_pages(void)
{
	return READ_ONCE(counters.nr_empty_pop_pages);
}

void pcpu_alt_count_balance_run(void)
{
	counters.nr_balance_runs++;
}

/* Populated pages in [first, last] that hold no allocation. */
static int count_empty_pop(const struct pcpu_alt_chunk *chunk, int first,
			   int last)
{
	int page, n = 0;

	for (page = first; page <= last; page++)
		n += test_bit(page, chunk->populated) &&
		     pcpu_alt_block_empty(&chunk->map.blocks[page]);
	return n;
}

static void chunk_adjust_empty(struct pcpu_alt_chunk *chunk, int first,
			       int last, int before)
{
	int delta = count_empty_pop(chunk, first, last) - before;

	chunk->nr_empty_pop += delta;
	counters.nr_empty_pop_pages += delta;
}

/**
 * pcpu_alt_chunk_mark_populated() - record that a page index is backed
 * @chunk: the chunk
 * @page: the page index, just populated
 *
 * CONTEXT: pcpu_alt_mutex and pcpu_alt_lock held.
 */
void pcpu_alt_chunk_mark_populated(struct pcpu_alt_chunk *chunk, int page)
{
	__set_bit(page, chunk->populated);
	trace_pcpu_alt_populate(chunk->id, 1);
	chunk->nr_populated++;
	counters.nr_populated_pages++;
	counters.nr_pages_populated++;
	if (pcpu_alt_block_empty(&chunk->map.blocks[page])) {
		chunk->nr_empty_pop++;
		counters.nr_empty_pop_pages++;
	}
}

/**
 * pcpu_alt_chunk_isolate_empty() - pick empty populated pages to give back
 * @chunk: the chunk
 * @pages: bitmap (unit_pages bits, zeroed) receiving the chosen pages
 * @max: at most this many
 *
 * The chosen pages are marked unpopulated at once, so no non-blocking
 * allocation can land in them while the caller unmaps them.
 *
 * CONTEXT: pcpu_alt_mutex and pcpu_alt_lock held.
 * RETURNS: how many pages were chosen.
 */
int pcpu_alt_chunk_isolate_empty(struct pcpu_alt_chunk *chunk,
				 unsigned long *pages, int max)
{
	int page, n = 0;

	for_each_set_bit(page, chunk->populated, pcpu_alt_layout.unit_pages) {
		if (n == max)
			break;
		if (!pcpu_alt_block_empty(&chunk->map.blocks[page]))
			continue;
		__set_bit(page, pages);
		n++;
	}
	for_each_set_bit(page, pages, pcpu_alt_layout.unit_pages)
		__clear_bit(page, chunk->populated);
	chunk->nr_populated -= n;
	chunk->nr_empty_pop -= n;
	counters.nr_populated_pages -= n;
	counters.nr_empty_pop_pages -= n;
	counters.nr_pages_depopulated += n;
	trace_pcpu_alt_depopulate(chunk->id, n);
	return n;
}

/* ---- chunk lifecycle ---- */

/* Index key of an address: its page in vmalloc space (a shallow tree). */
static unsigned long index_key(unsigned long addr)
{
	return (addr - VMALLOC_START) >> PAGE_SHIFT;
}

static unsigned long chunk_index_key(const struct pcpu_alt_chunk *chunk)
{
	return index_key((unsigned long)chunk->base);
}

static size_t chunk_meta_bytes(const struct pcpu_alt_chunk *chunk)
{
	return sizeof(struct pcpu_alt_chunk) +
	       pcpu_alt_map_meta_bytes(pcpu_alt_layout.unit_pages) +
	       BITS_TO_LONGS(pcpu_alt_layout.unit_pages) * sizeof(long) +
	       (chunk->cached ? BITS_TO_LONGS(chunk->map.nr_bits) *
				sizeof(long) : 0);
}

/*
 * Drop the first @nr index entries of @chunk and invalidate every CPU's
 * lookup memo.  pcpu_alt_lock held; the chunk may be freed only after an
 * RCU grace period, as lock-free lookups may have found it.
 */
static void chunk_unindex(struct pcpu_alt_chunk *chunk, int nr)
{
	unsigned long key = chunk_index_key(chunk);
	int i;

	lockdep_assert_held(&pcpu_alt_lock);
	for (i = 0; i < nr; i++)
		xa_erase(&pcpu_alt_index, key + i);
	/* Pairs with pcpu_alt_lookup_rcu(): the erase is seen first. */
	smp_store_release(&lookup_gen, lookup_gen + 1);
}

/* Free a chunk that is off every list and out of the index. */
static void chunk_free(struct pcpu_alt_chunk *chunk)
{
	if (chunk->base) {
		pcpu_alt_region_depopulate(chunk->base, chunk->populated,
					   pcpu_alt_layout.unit_pages);
		pcpu_alt_region_destroy(chunk->base);
	}
	xa_destroy(&chunk->callers);
	bitmap_free(chunk->populated);
	bitmap_free(chunk->cached);
	pcpu_alt_map_destroy(&chunk->map);
	kfree(chunk);
}

/**
 * pcpu_alt_chunk_create() - make a new, empty chunk and put it on a slot
 * @why: on failure, set to a description of what failed
 *
 * With the km backend every page is populated here.
 *
 * CONTEXT: process context; pcpu_alt_mutex held.
 * RETURNS: the chunk, or NULL (the reason is in @why).
 */
struct pcpu_alt_chunk *pcpu_alt_chunk_create(const char **why)
{
	int pages = pcpu_alt_layout.unit_pages, i, err;
	struct pcpu_alt_chunk *chunk = NULL;
	unsigned long flags;

	lockdep_assert_held(&pcpu_alt_mutex);
	*why = "chunk metadata allocation failed";
	if (!pcpu_alt_fault_inject())
		chunk = kzalloc(sizeof(*chunk), GFP_KERNEL);
	if (!chunk)
		return NULL;
	INIT_LIST_HEAD(&chunk->list);
	xa_init_flags(&chunk->callers, XA_FLAGS_LOCK_IRQ);
	if (pcpu_alt_fault_inject() ||
	    pcpu_alt_map_init(&chunk->map, pages, GFP_KERNEL))
		goto fail;
	if (!pcpu_alt_fault_inject())
		chunk->populated = bitmap_zalloc(pages, GFP_KERNEL);
	if (!chunk->populated)
		goto fail;
	if (track_cached) {
		if (!pcpu_alt_fault_inject())
			chunk->cached = bitmap_zalloc(chunk->map.nr_bits,
						      GFP_KERNEL);
		if (!chunk->cached)
			goto fail;
	}

	*why = "vmap of the chunk region failed";
	chunk->base = pcpu_alt_region_create();
	if (!chunk->base)
		goto fail;

	*why = "chunk index insertion failed";
	for (i = 0; i < pages; i++) {
		err = pcpu_alt_fault_inject() ? -ENOMEM :
		      xa_err(xa_store_irq(&pcpu_alt_index,
					  chunk_index_key(chunk) + i, chunk,
					  GFP_KERNEL));
		if (err) {
			spin_lock_irqsave(&pcpu_alt_lock, flags);
			chunk_unindex(chunk, i);
			spin_unlock_irqrestore(&pcpu_alt_lock, flags);
			goto fail_unindexed;
		}
	}

	*why = "page allocation failed";
	for (i = 0; pcpu_alt_km_backend && i < pages; i++) {
		if (pcpu_alt_region_populate(chunk->base, i)) {
			spin_lock_irqsave(&pcpu_alt_lock, flags);
			chunk_unindex(chunk, pages);
			spin_unlock_irqrestore(&pcpu_alt_lock, flags);
			goto fail_unindexed;
		}
		__set_bit(i, chunk->populated);
	}

	chunk->id = next_chunk_id++;
	chunk->slot = pcpu_alt_free_slot();
	spin_lock_irqsave(&pcpu_alt_lock, flags);
	list_add_tail(&chunk->list, &pcpu_alt_slots[chunk->slot]);
	nr_free_chunks++;
	chunk->nr_populated = bitmap_weight(chunk->populated, pages);
	chunk->nr_empty_pop = chunk->nr_populated;
	counters.nr_populated_pages += chunk->nr_populated;
	counters.nr_empty_pop_pages += chunk->nr_populated;
	counters.nr_pages_populated += chunk->nr_populated;
	counters.nr_chunks++;
	counters.nr_max_chunks = max(counters.nr_max_chunks,
				     counters.nr_chunks);
	counters.nr_chunks_created++;
	counters.meta_bytes += chunk_meta_bytes(chunk);
	spin_unlock_irqrestore(&pcpu_alt_lock, flags);
	trace_pcpu_alt_chunk_create(chunk->id, chunk->nr_populated);
	return chunk;

fail_unindexed:
	/* A lock-free lookup of a stray pointer may have found it. */
	synchronize_rcu();
fail:
	chunk_free(chunk);
	return NULL;
}

/**
 * pcpu_alt_chunk_isolate() - take a chunk off its list and out of the index
 * @chunk: the chunk
 *
 * After this no allocation or free can reach it; pcpu_alt_chunk_destroy()
 * may then run without pcpu_alt_lock.
 *
 * CONTEXT: pcpu_alt_mutex and pcpu_alt_lock held.
 */
void pcpu_alt_chunk_isolate(struct pcpu_alt_chunk *chunk)
{
	if (chunk->slot == pcpu_alt_free_slot())
		nr_free_chunks--;
	list_del_init(&chunk->list);
	chunk->isolated = true;
	chunk_unindex(chunk, pcpu_alt_layout.unit_pages);
	counters.nr_populated_pages -= chunk->nr_populated;
	counters.nr_empty_pop_pages -= chunk->nr_empty_pop;
	counters.nr_pages_depopulated += chunk->nr_populated;
	counters.nr_chunks--;
	counters.nr_chunks_destroyed++;
	counters.meta_bytes -= chunk_meta_bytes(chunk);
}

/**
 * pcpu_alt_chunk_destroy() - free an isolated chunk and all its pages
 * @chunk: the chunk
 *
 * Waits for an RCU grace period first: pcpu_alt_lookup_rcu() users may
 * still hold the chunk.
 *
 * CONTEXT: process context; pcpu_alt_mutex held.
 */
void pcpu_alt_chunk_destroy(struct pcpu_alt_chunk *chunk)
{
	lockdep_assert_held(&pcpu_alt_mutex);
	trace_pcpu_alt_chunk_destroy(chunk->id, chunk->nr_populated);
	/* The cache's lock-free free path may still be looking at it. */
	synchronize_rcu();
	chunk_free(chunk);
}

/* ---- allocation ---- */

/**
 * pcpu_alt_chunk_ptr() - the pointer handed out for a chunk's bit
 * @chunk: the chunk
 * @start: first bit of the area
 *
 * RETURNS: the __percpu pointer users see.
 */
void __percpu *pcpu_alt_chunk_ptr(const struct pcpu_alt_chunk *chunk,
				  int start)
{
	unsigned long addr = (unsigned long)chunk->base +
			     start * PCPU_ALT_MIN_ALLOC -
			     pcpu_alt_layout.bias;

	return (void __percpu __force *)addr;
}

static struct pcpu_alt_chunk *find_room(int bits, int align_bits,
					bool atomic, int *start)
{
	struct pcpu_alt_chunk *chunk;
	int slot;

	for (slot = pcpu_alt_size_slot(bits); slot < pcpu_alt_nr_slots; slot++) {
		list_for_each_entry(chunk, &pcpu_alt_slots[slot], list) {
			*start = pcpu_alt_map_find(&chunk->map, bits,
						   align_bits,
						   atomic ? chunk->populated :
						   NULL);
			if (*start >= 0)
				return chunk;
		}
	}
	return NULL;
}

static void record_caller(struct pcpu_alt_chunk *chunk, int start,
			  unsigned long caller)
{
	void *old;

	if (!track_callers)
		return;
	/*
	 * xarray values must fit in LONG_MAX; kernel text addresses all have
	 * the top bit set, so drop it here and restore it when reporting.
	 */
	old = xa_store(&chunk->callers, start, xa_mk_value(caller & LONG_MAX),
		       GFP_ATOMIC | __GFP_NOWARN);
	if (xa_is_err(old))
		nr_untracked++;
}

static unsigned long caller_of(struct pcpu_alt_chunk *chunk, int start)
{
	void *v = xa_load(&chunk->callers, start);

	return v ? xa_to_value(v) | ~(unsigned long)LONG_MAX : 0;
}

/*
 * Take [start, start + bits) of @chunk and account for it; @for_cache when
 * the area goes into a per-CPU cache rather than to a caller.
 */
static void chunk_take(struct pcpu_alt_chunk *chunk, int start, int bits,
		       unsigned long caller, bool for_cache)
{
	int first = start / PCPU_ALT_BLOCK_BITS;
	int last = (start + bits - 1) / PCPU_ALT_BLOCK_BITS;
	int before = count_empty_pop(chunk, first, last);

	pcpu_alt_map_alloc(&chunk->map, start, bits);
	chunk_adjust_empty(chunk, first, last, before);
	chunk_relocate(chunk);
	record_caller(chunk, start, caller);
	if (for_cache)
		nr_cache_takes++;
	else
		counters.nr_allocs++;
	counters.nr_live++;
	counters.live_bytes += bits * PCPU_ALT_MIN_ALLOC;
	counters.nr_max_live = max(counters.nr_max_live, counters.nr_live);
	counters.min_alloc_bytes = min_not_zero(counters.min_alloc_bytes,
						(u64)bits * PCPU_ALT_MIN_ALLOC);
	counters.max_alloc_bytes = max(counters.max_alloc_bytes,
				       (u64)bits * PCPU_ALT_MIN_ALLOC);
}

/* Give back [start, ...) of @chunk; returns bits freed or -EINVAL. */
static int chunk_give(struct pcpu_alt_chunk *chunk, int start,
		      bool for_cache)
{
	int bits = pcpu_alt_map_size_at(&chunk->map, start), first, last;
	int before;

	if (bits < 0)
		return bits;
	first = start / PCPU_ALT_BLOCK_BITS;
	last = (start + bits - 1) / PCPU_ALT_BLOCK_BITS;
	before = count_empty_pop(chunk, first, last);
	pcpu_alt_map_free(&chunk->map, start);
	chunk_adjust_empty(chunk, first, last, before);
	chunk_relocate(chunk);
	if (track_callers)
		xa_erase(&chunk->callers, start);
	if (for_cache)
		nr_cache_gives++;
	else
		counters.nr_frees++;
	counters.nr_live--;
	counters.live_bytes -= bits * PCPU_ALT_MIN_ALLOC;
	return bits;
}

/* Back every page of [start, start + bits) that is not backed yet. */
static int chunk_populate_range(struct pcpu_alt_chunk *chunk, int start,
				int bits)
{
	int first = start / PCPU_ALT_BLOCK_BITS;
	int last = (start + bits - 1) / PCPU_ALT_BLOCK_BITS;
	unsigned long flags;
	int page, err;

	for (page = first; page <= last; page++) {
		if (test_bit(page, chunk->populated))
			continue;
		err = pcpu_alt_region_populate(chunk->base, page);
		if (err)
			return err;
		spin_lock_irqsave(&pcpu_alt_lock, flags);
		pcpu_alt_chunk_mark_populated(chunk, page);
		spin_unlock_irqrestore(&pcpu_alt_lock, flags);
	}
	return 0;
}

/**
 * pcpu_alt_chunk_alloc() - the slow path: find room, make it if need be
 * @bits: size in bits
 * @align_bits: alignment in bits
 * @atomic: the caller may not sleep: populated space only, no chunk made
 * @caller: the allocation's call site
 * @start: set to the area's first bit
 * @reason: on failure, set to why
 * @why: on failure, set to a description for the warning
 *
 * A blocking allocation holds pcpu_alt_mutex from the search to the end of
 * population, so the pages it lands on cannot be given back meanwhile.
 *
 * CONTEXT: any context when @atomic; process context otherwise.
 * RETURNS: the chunk holding the new area, or NULL.
 */
struct pcpu_alt_chunk *pcpu_alt_chunk_alloc(int bits, int align_bits,
					    bool atomic, unsigned long caller,
					    int *start,
					    enum pcpu_alt_fail_reason *reason,
					    const char **why)
{
	struct pcpu_alt_chunk *chunk;
	unsigned long flags;

	if (!atomic)
		mutex_lock(&pcpu_alt_mutex);
	spin_lock_irqsave(&pcpu_alt_lock, flags);
	for (;;) {
		chunk = find_room(bits, align_bits, atomic, start);
		if (chunk)
			break;
		spin_unlock_irqrestore(&pcpu_alt_lock, flags);
		if (atomic) {
			*reason = PCPU_ALT_FAIL_NO_POPULATED;
			*why = "no populated room for a non-blocking allocation";
			return NULL;
		}
		if (!pcpu_alt_chunk_create(why)) {
			*reason = PCPU_ALT_FAIL_CHUNK;
			goto fail;
		}
		spin_lock_irqsave(&pcpu_alt_lock, flags);
	}
	chunk_take(chunk, *start, bits, caller, false);
	spin_unlock_irqrestore(&pcpu_alt_lock, flags);
	if (atomic)
		return chunk;

	if (chunk_populate_range(chunk, *start, bits)) {
		spin_lock_irqsave(&pcpu_alt_lock, flags);
		chunk_give(chunk, *start, false);
		counters.nr_allocs--;
		counters.nr_frees--;
		spin_unlock_irqrestore(&pcpu_alt_lock, flags);
		*reason = PCPU_ALT_FAIL_POPULATE;
		*why = "page allocation failed";
		goto fail;
	}
	mutex_unlock(&pcpu_alt_mutex);
	return chunk;

fail:
	mutex_unlock(&pcpu_alt_mutex);
	return NULL;
}

/* Chunk holding @ptr's address, or NULL.  pcpu_alt_lock held. */
static struct pcpu_alt_chunk *chunk_of(const void __percpu *ptr,
				       unsigned long *offset)
{
	unsigned long addr = (__force unsigned long)ptr + pcpu_alt_layout.bias;
	struct pcpu_alt_chunk *chunk = xa_load(&pcpu_alt_index,
					       index_key(addr));

	if (!chunk || chunk->isolated)
		return NULL;
	*offset = addr - (unsigned long)chunk->base;
	return chunk;
}

/* Is the area at @start sitting in a per-CPU cache? */
static bool pcpu_alt_area_cached(const struct pcpu_alt_chunk *chunk,
				 int start)
{
	return chunk->cached && start < chunk->map.nr_bits &&
	       test_bit(start, chunk->cached);
}

/**
 * pcpu_alt_lookup_rcu() - find a live area without taking a lock
 * @ptr: the pointer
 * @chunk: set to its chunk
 * @start: set to its first bit
 * @bits: set to its size in bits
 *
 * While an area is live its own alloc and boundary bits never change, so
 * they can be read while others allocate and free around it; a pointer
 * that is not live may read as anything, and only a locked path can tell.
 *
 * CONTEXT: rcu_read_lock() held, IRQs off.
 * RETURNS: true when @ptr looks like the start of a live area.
 */
bool pcpu_alt_lookup_rcu(const void __percpu *ptr,
			 struct pcpu_alt_chunk **chunk, int *start, int *bits)
{
	unsigned long addr = (__force unsigned long)ptr + pcpu_alt_layout.bias;
	struct lookup_memo *memo = this_cpu_ptr(&lookup_memo);
	struct pcpu_alt_chunk *c;
	unsigned long offset, gen;

	/* Pairs with chunk_unindex(): a new gen means its erase is seen. */
	gen = smp_load_acquire(&lookup_gen);

	lockdep_assert_irqs_disabled();
	if (memo->chunk && memo->gen == gen &&
	    addr - memo->base < pcpu_alt_layout.unit_size) {
		c = memo->chunk;
	} else {
		c = xa_load(&pcpu_alt_index, index_key(addr));
		if (c) {
			memo->base = (unsigned long)c->base;
			memo->chunk = c;
			memo->gen = gen;
		}
	}
	if (!c || READ_ONCE(c->isolated))
		return false;
	offset = addr - (unsigned long)c->base;
	if (offset % PCPU_ALT_MIN_ALLOC)
		return false;
	*start = offset / PCPU_ALT_MIN_ALLOC;
	/* Others change neighbouring bits of these words under the lock. */
	*bits = data_race(pcpu_alt_map_size_at(&c->map, *start));
	*chunk = c;
	return *bits > 0;
}

/**
 * pcpu_alt_take_populated_locked() - take an area for a per-CPU cache
 * @bits: size in bits
 * @align_bits: alignment in bits
 * @caller: recorded as the area's caller
 * @chunk: set to the chunk
 * @start: set to the first bit
 *
 * Uses populated space only, in chunks that track cached areas.
 *
 * CONTEXT: pcpu_alt_lock held.
 * RETURNS: true when an area was taken.
 */
bool pcpu_alt_take_populated_locked(int bits, int align_bits,
				    unsigned long caller,
				    struct pcpu_alt_chunk **chunk, int *start)
{
	lockdep_assert_held(&pcpu_alt_lock);
	*chunk = find_room(bits, align_bits, true, start);
	if (!*chunk || !(*chunk)->cached)
		return false;
	chunk_take(*chunk, *start, bits, caller, true);
	return true;
}

/**
 * pcpu_alt_chunk_give_locked() - return an area a per-CPU cache held
 * @chunk: its chunk
 * @start: its first bit
 *
 * CONTEXT: pcpu_alt_lock held.
 */
void pcpu_alt_chunk_give_locked(struct pcpu_alt_chunk *chunk, int start)
{
	lockdep_assert_held(&pcpu_alt_lock);
	chunk_give(chunk, start, true);
}

/**
 * pcpu_alt_chunk_set_caller() - record who got an area from a cache
 * @chunk: its chunk
 * @start: its first bit
 * @caller: the call site
 *
 * CONTEXT: IRQs off; the area is owned by the caller of this function.
 */
void pcpu_alt_chunk_set_caller(struct pcpu_alt_chunk *chunk, int start,
			       unsigned long caller)
{
	/* Replaces the entry the refill stored: nothing to allocate. */
	if (track_callers)
		xa_store(&chunk->callers, start,
			 xa_mk_value(caller & LONG_MAX), GFP_ATOMIC | __GFP_NOWARN);
}

/**
 * pcpu_alt_chunk_free() - give a slow-path area back to its chunk
 * @ptr: the pointer
 * @caller: the free's call site
 * @id: set to the chunk's id, or -1 when @ptr is not ours
 * @offset: set to @ptr's offset in the chunk's units
 *
 * CONTEXT: any.
 * RETURNS: bits freed, -ENOENT when @ptr is not a pcpu_alt pointer, or
 * -EINVAL for a double free, an interior pointer or an area that sits in a
 * per-CPU cache (nothing changed).
 */
int pcpu_alt_chunk_free(const void __percpu *ptr, unsigned long caller,
			int *id, unsigned long *offset)
{
	struct pcpu_alt_chunk *chunk;
	unsigned long flags;
	int bits = -ENOENT;

	*id = -1;
	*offset = 0;
	spin_lock_irqsave(&pcpu_alt_lock, flags);
	chunk = chunk_of(ptr, offset);
	if (chunk) {
		*id = chunk->id;
		bits = *offset % PCPU_ALT_MIN_ALLOC ||
		       pcpu_alt_area_cached(chunk,
					    *offset / PCPU_ALT_MIN_ALLOC) ?
		       -EINVAL :
		       chunk_give(chunk, *offset / PCPU_ALT_MIN_ALLOC, false);
		if (bits >= 0)
			trace_pcpu_alt_free(caller, *id, *offset,
					    bits * PCPU_ALT_MIN_ALLOC);
	}
	spin_unlock_irqrestore(&pcpu_alt_lock, flags);
	return bits;
}

/**
 * pcpu_alt_chunk_ptr_info() - where does an allocation live?
 * @ptr: a live pointer from pcpu_alt_alloc()
 * @info: filled in on success
 *
 * CONTEXT: any.
 * RETURNS: 0, or -ENOENT when @ptr is not the start of a live allocation.
 */
int pcpu_alt_chunk_ptr_info(const void __percpu *ptr,
			    struct pcpu_alt_ptr_info *info)
{
	struct pcpu_alt_chunk *chunk;
	unsigned long flags, offset;
	int bits = -ENOENT;

	spin_lock_irqsave(&pcpu_alt_lock, flags);
	chunk = chunk_of(ptr, &offset);
	if (chunk && !(offset % PCPU_ALT_MIN_ALLOC))
		bits = pcpu_alt_map_size_at(&chunk->map,
					    offset / PCPU_ALT_MIN_ALLOC);
	if (bits >= 0) {
		info->chunk_id = chunk->id;
		info->offset = offset;
		info->size = bits * PCPU_ALT_MIN_ALLOC;
		info->slot = chunk->slot;
	}
	spin_unlock_irqrestore(&pcpu_alt_lock, flags);
	return bits < 0 ? -ENOENT : 0;
}

/**
 * pcpu_alt_chunks_stats() - copy the chunk layer's counters
 * @st: receives them; fields the chunk layer does not keep are left alone
 *
 * CONTEXT: any.
 */
void pcpu_alt_chunks_stats(struct pcpu_alt_stats *st)
{
	unsigned long flags;

	spin_lock_irqsave(&pcpu_alt_lock, flags);
	st->nr_allocs = counters.nr_allocs;
	st->nr_frees = counters.nr_frees;
	st->nr_live = counters.nr_live;
	st->nr_max_live = counters.nr_max_live;
	st->min_alloc_bytes = counters.min_alloc_bytes;
	st->max_alloc_bytes = counters.max_alloc_bytes;
	st->live_bytes = counters.live_bytes;
	st->nr_chunks = counters.nr_chunks;
	st->nr_max_chunks = counters.nr_max_chunks;
	st->nr_populated_pages = counters.nr_populated_pages;
	st->nr_empty_pop_pages = counters.nr_empty_pop_pages;
	st->meta_bytes = counters.meta_bytes;
	st->nr_chunks_created = counters.nr_chunks_created;
	st->nr_chunks_destroyed = counters.nr_chunks_destroyed;
	st->nr_pages_populated = counters.nr_pages_populated;
	st->nr_pages_depopulated = counters.nr_pages_depopulated;
	st->nr_balance_runs = counters.nr_balance_runs;
	spin_unlock_irqrestore(&pcpu_alt_lock, flags);
	st->km_backend = pcpu_alt_km_backend;
}

static void verify_report(void *arg, const char *what, int where,
			  int expected, int found)
{
	const struct pcpu_alt_chunk *chunk = arg;

	pr_err_ratelimited("verify: chunk %d: %s at bit %d: expected %d, found %d\n",
			   chunk ? chunk->id : -1, what, where, expected,
			   found);
}

static int verify_chunk(struct pcpu_alt_chunk *chunk, int slot,
			u64 *live, unsigned int *populated,
			unsigned int *empty)
{
	int pages = pcpu_alt_layout.unit_pages;
	int errors = pcpu_alt_map_check(&chunk->map, verify_report, chunk);
	int nr_pop = bitmap_weight(chunk->populated, pages);
	int nr_empty = count_empty_pop(chunk, 0, pages - 1);

	if (chunk_slot(chunk) != slot) {
		verify_report(chunk, "slot", 0, chunk_slot(chunk), slot);
		errors++;
	}
	if (nr_pop != chunk->nr_populated) {
		verify_report(chunk, "nr_populated", 0, nr_pop,
			      chunk->nr_populated);
		errors++;
	}
	/*
	 * Other CPUs may cache areas again right after the drain, so the
	 * rule checked is the one that always holds: a cached bit marks the
	 * start of an allocation.
	 */
	if (chunk->cached) {
		int bit;

		for_each_set_bit(bit, chunk->cached, chunk->map.nr_bits) {
			if (pcpu_alt_map_size_at(&chunk->map, bit) < 0) {
				verify_report(chunk, "cached bit off an allocation",
					      bit, 0, 1);
				errors++;
			}
		}
	}
	if (nr_empty != chunk->nr_empty_pop) {
		verify_report(chunk, "nr_empty_pop", 0, nr_empty,
			      chunk->nr_empty_pop);
		errors++;
	}
	*live += chunk->map.nr_allocs;
	*populated += nr_pop;
	*empty += nr_empty;
	return errors;
}

/**
 * pcpu_alt_chunks_verify() - check every chunk against its bitmaps
 *
 * Recomputes every hint and counter from the bitmaps and reports each
 * disagreement to the kernel log.  The per-CPU caches should be drained
 * first: cached areas look allocated.
 *
 * CONTEXT: process context, may sleep.
 * RETURNS: the number of disagreements (0 = consistent).
 */
int pcpu_alt_chunks_verify(void)
{
	unsigned int populated = 0, empty = 0, chunks = 0, free_chunks;
	struct pcpu_alt_chunk *chunk;
	int slot, errors = 0;
	u64 live = 0;

	mutex_lock(&pcpu_alt_mutex);
	spin_lock_irq(&pcpu_alt_lock);
	for (slot = 0; slot < pcpu_alt_nr_slots; slot++) {
		list_for_each_entry(chunk, &pcpu_alt_slots[slot], list) {
			errors += verify_chunk(chunk, slot, &live, &populated,
					       &empty);
			chunks++;
		}
	}
	free_chunks = 0;
	list_for_each_entry(chunk, &pcpu_alt_slots[pcpu_alt_free_slot()], list)
		free_chunks++;
	errors += (live != counters.nr_live) +
		  (populated != counters.nr_populated_pages) +
		  (empty != counters.nr_empty_pop_pages) +
		  (chunks != counters.nr_chunks) +
		  (free_chunks != nr_free_chunks);
	spin_unlock_irq(&pcpu_alt_lock);
	mutex_unlock(&pcpu_alt_mutex);
	if (errors)
		pr_err("verify: %d disagreement(s); totals live %llu/%llu populated %u/%u empty %u/%u chunks %u/%u free chunks %u/%u\n",
		       errors, live, counters.nr_live, populated,
		       counters.nr_populated_pages, empty,
		       counters.nr_empty_pop_pages, chunks, counters.nr_chunks,
		       free_chunks, nr_free_chunks);
	return errors;
}

/*
 * Free runs of populated pages (pcpu_alt_lock held): bytes of the runs
 * shorter than @need.
 */
static u64 chunk_frag(const struct pcpu_alt_chunk *c, u64 need)
{
	const struct pcpu_alt_map *map = &c->map;
	unsigned long start = 0, end, b, next, run = 0;
	u64 frag = 0;

	while (start < map->nr_bits) {
		start = find_next_zero_bit(map->alloc_map, map->nr_bits, start);
		if (start >= map->nr_bits)
			break;
		end = find_next_bit(map->alloc_map, map->nr_bits, start);
		run = 0;
		/* Page by page: an unpopulated page ends a run. */
		for (b = start; b < end; b = next) {
			next = min_t(unsigned long, end,
				     round_up(b + 1, PCPU_ALT_BLOCK_BITS));
			if (test_bit(b / PCPU_ALT_BLOCK_BITS, c->populated)) {
				run += (next - b) * PCPU_ALT_MIN_ALLOC;
				continue;
			}
			if (run && run < need)
				frag += run;
			run = 0;
		}
		if (run && run < need)
			frag += run;
		start = end;
	}
	return frag;
}

/**
 * pcpu_alt_chunks_frag_bytes() - free space too short for a request
 * @min_run: the request's size in bytes
 *
 * CONTEXT: process context.
 * RETURNS: bytes of free runs in populated pages shorter than @min_run,
 * over all chunks (areas in per-CPU caches count as allocated).
 */
u64 pcpu_alt_chunks_frag_bytes(size_t min_run)
{
	struct pcpu_alt_chunk *c;
	u64 frag = 0;
	int slot;

	spin_lock_irq(&pcpu_alt_lock);
	for (slot = 0; slot < pcpu_alt_nr_slots; slot++)
		list_for_each_entry(c, &pcpu_alt_slots[slot], list)
			frag += chunk_frag(c, min_run);
	spin_unlock_irq(&pcpu_alt_lock);
	return frag;
}

/* ---- load and unload ---- */

/*
 * Groups leaked allocations for the unload report: by call site when
 * callers are tracked, by size otherwise.
 */
#define PCPU_ALT_LEAK_GROUPS	16

struct leak_group {
	unsigned long key;
	unsigned int count;
};

/* Count one leak under @key; returns false when every group is taken. */
static bool leak_note(struct leak_group *groups, unsigned long key)
{
	int i;

	for (i = 0; i < PCPU_ALT_LEAK_GROUPS; i++) {
		if (!groups[i].count || groups[i].key == key) {
			groups[i].key = key;
			groups[i].count++;
			return true;
		}
	}
	return false;
}

static void report_leaks(void)
{
	struct leak_group groups[PCPU_ALT_LEAK_GROUPS] = {};
	struct pcpu_alt_chunk *chunk;
	unsigned int ungrouped = 0;
	int slot, start, i;
	unsigned long key;

	if (!counters.nr_live)
		return;
	for (slot = 0; slot < pcpu_alt_nr_slots; slot++) {
		list_for_each_entry(chunk, &pcpu_alt_slots[slot], list) {
			start = pcpu_alt_map_next_alloc(&chunk->map, 0);
			while (start < chunk->map.nr_bits) {
				key = track_callers ? caller_of(chunk, start) :
				      pcpu_alt_map_size_at(&chunk->map, start) *
				      PCPU_ALT_MIN_ALLOC;
				if (!leak_note(groups, key))
					ungrouped++;
				start = pcpu_alt_map_next_alloc(&chunk->map,
								start + 1);
			}
		}
	}
	pr_warn("unload with %llu live allocation(s), %llu bytes per CPU; releasing them\n",
		counters.nr_live, counters.live_bytes);
	for (i = 0; i < PCPU_ALT_LEAK_GROUPS && groups[i].count; i++) {
		if (track_callers)
			pr_warn("  %u allocation(s) from %pS\n",
				groups[i].count, (void *)groups[i].key);
		else
			pr_warn("  %u allocation(s) of %lu bytes\n",
				groups[i].count, groups[i].key);
	}
	if (ungrouped)
		pr_warn("  %u more in other groups\n", ungrouped);
	if (!track_callers)
		pr_warn("  call sites not recorded: load with track_callers=1 to see them\n");
}

static void destroy_all_chunks(void)
{
	struct pcpu_alt_chunk *chunk, *next;
	int slot;

	mutex_lock(&pcpu_alt_mutex);
	for (slot = 0; slot < pcpu_alt_nr_slots; slot++) {
		list_for_each_entry_safe(chunk, next, &pcpu_alt_slots[slot],
					 list) {
			spin_lock_irq(&pcpu_alt_lock);
			pcpu_alt_chunk_isolate(chunk);
			spin_unlock_irq(&pcpu_alt_lock);
			pcpu_alt_chunk_destroy(chunk);
		}
	}
	mutex_unlock(&pcpu_alt_mutex);
}

/**
 * pcpu_alt_chunks_init() - set up the slot lists
 * @km_backend: back whole chunks when they are made
 *
 * CONTEXT: module init.
 * RETURNS: 0 or -ENOMEM.
 */
int pcpu_alt_chunks_init(bool km_backend)
{
	int slot;

	pcpu_alt_km_backend = km_backend;
	pcpu_alt_nr_slots = fls(pcpu_alt_layout.unit_size) + 2;
	pcpu_alt_slots = kcalloc(pcpu_alt_nr_slots, sizeof(*pcpu_alt_slots),
				 GFP_KERNEL);
	if (!pcpu_alt_slots)
		return -ENOMEM;
	for (slot = 0; slot < pcpu_alt_nr_slots; slot++)
		INIT_LIST_HEAD(&pcpu_alt_slots[slot]);
	return 0;
}

/**
 * pcpu_alt_chunks_exit() - report what is still live, then free it all
 *
 * CONTEXT: module exit; nothing allocates or frees any more.
 */
void pcpu_alt_chunks_exit(void)
{
	report_leaks();
	if (nr_untracked)
		pr_warn("%llu allocation(s) had no caller recorded\n",
			nr_untracked);
	destroy_all_chunks();
	xa_destroy(&pcpu_alt_index);
	kfree(pcpu_alt_slots);
	pcpu_alt_slots = NULL;
}
