// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt chunks: their lifecycle, the slot lists, the lookup index, the
 * slow path and the accounting around each chunk's allocation map
 * (pcpu_alt_map.c).
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
 * Three locks, always taken in this order:
 *
 *   pcpu_alt_mutex       everything that sleeps: creating and destroying
 *                        chunks, populating and depopulating pages, the
 *                        background work.  An allocation takes it only
 *                        when it must make a chunk or back a page, and
 *                        then killably (unless __GFP_NOFAIL).  Taken
 *                        through pcpu_alt_lock(), which records the
 *                        holder (pcpu_alt_busy_here()).
 *   chunk->lock          one chunk: its map, @nr_empty_pop, @isolated,
 *                        @populated (written with the mutex held too) and
 *                        the writes to @cached described below.  IRQ-safe:
 *                        frees come from any context.  Never two at once.
 *   pcpu_alt_slots_lock  the slot lists, each chunk's @slot and
 *                        nr_free_chunks.  IRQ-safe, held for list walks and
 *                        moves only.
 *
 * A search walks the slot lists under pcpu_alt_slots_lock and only
 * trylocks a chunk there, so the map search itself runs under that one
 * chunk's lock: searches and frees in different chunks run in parallel.
 * Holding a chunk's lock pins it on its list (moving it needs that lock),
 * so a walk may drop pcpu_alt_slots_lock while it searches one chunk and
 * carry on from it afterwards.  Chunks are isolated (off the lists and the
 * index) with the mutex and their lock held, and freed only after an RCU
 * grace period: lock-free lookups (pcpu_alt_lookup_rcu()) may hold them.
 *
 * Counters users see are atomics, or are changed under pcpu_alt_mutex and
 * read without it; pcpu_alt_chunks_verify() cross-checks them against the
 * chunks when nothing moved while it looked.
 *
 * Cached areas
 * ------------
 * A per-CPU cache keeps areas allocated in the map and marks each in
 * @cached.  The fast free claims an area with test_and_set_bit() on its
 * start *before* it reads the area's size, and lets go of the claim if the
 * map says no area of a cached class starts there; so a second free of a
 * cached area always finds the bit set and is refused.  Every locked path
 * that takes an area from the map claims its bit the same way first and
 * leaves the area alone when a claim is already there (a stale free in
 * flight), and a drain gives an area back to the map before it releases the
 * bit.  Areas outside a cache keep the bit clear.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "pcpu_alt_internal.h"
#include "pcpu_alt_chunk.h"
#include "pcpu_alt_trace.h"

/* See "Locking" above. */
DEFINE_MUTEX(pcpu_alt_mutex);
static DEFINE_SPINLOCK(pcpu_alt_slots_lock);

/*
 * The task holding pcpu_alt_mutex, NULL when it is free: written by the
 * holder right after taking it and right before letting go, read by
 * pcpu_alt_chunks_busy_here() without a lock (only the holder can find
 * itself there).  Always take the mutex through pcpu_alt_lock() and
 * friends, never with mutex_lock() itself.
 */
static struct task_struct *pcpu_alt_mutex_holder;

/**
 * pcpu_alt_lock() - take pcpu_alt_mutex and record the holder
 *
 * CONTEXT: process context, may sleep.
 */
void pcpu_alt_lock(void)
{
	mutex_lock(&pcpu_alt_mutex);
	WRITE_ONCE(pcpu_alt_mutex_holder, current);
}

/**
 * pcpu_alt_lock_killable() - the same, unless a fatal signal comes first
 *
 * CONTEXT: process context, may sleep.
 * RETURNS: 0 with the mutex held, or -EINTR without it.
 */
int pcpu_alt_lock_killable(void)
{
	int err = mutex_lock_killable(&pcpu_alt_mutex);

	if (!err)
		WRITE_ONCE(pcpu_alt_mutex_holder, current);
	return err;
}

/**
 * pcpu_alt_unlock() - let go of pcpu_alt_mutex
 *
 * CONTEXT: the holder.
 */
void pcpu_alt_unlock(void)
{
	WRITE_ONCE(pcpu_alt_mutex_holder, NULL);
	mutex_unlock(&pcpu_alt_mutex);
}

/**
 * pcpu_alt_chunks_busy_here() - does the current task hold pcpu_alt_mutex?
 *
 * CONTEXT: any; in an interrupt it answers for the interrupted task.
 * RETURNS: true when it does.
 */
bool pcpu_alt_chunks_busy_here(void)
{
	return READ_ONCE(pcpu_alt_mutex_holder) == current;
}

/* Slot lists (pcpu_alt_slots_lock); the count is fixed at load. */
static struct list_head *pcpu_alt_slots;
int pcpu_alt_nr_slots;

/* Chunks on the last slot (pcpu_alt_slots_lock; read racily). */
static unsigned int nr_free_chunks;

/*
 * Region page -> chunk, for O(1) lookup on free.  Keyed by the vmalloc page
 * number of (pointer + layout bias), which falls in the chunk's lowest unit.
 * Stores happen under pcpu_alt_mutex before the chunk is visible, erases
 * under pcpu_alt_mutex when it is isolated; loads under RCU.  Its own lock
 * is IRQ-safe (XA_FLAGS_LOCK_IRQ).
 */
static DEFINE_XARRAY_FLAGS(pcpu_alt_index, XA_FLAGS_LOCK_IRQ);

/*
 * Chunk id -> chunk, for the views, which copy chunks by id.  Same rules
 * as pcpu_alt_index: stored before the chunk is visible, erased when it is
 * isolated (both under pcpu_alt_mutex, in process context), loaded under
 * RCU.
 */
static DEFINE_XARRAY(pcpu_alt_ids);

/*
 * Each CPU remembers the chunk its last lock-free lookup found, so that a
 * run of frees into one chunk skips the index walk.  A memo is good while
 * its @gen equals lookup_gen, which chunk_unindex() bumps (pcpu_alt_mutex,
 * release) after taking a chunk out of the index; readers load it with
 * acquire before the index, so a memo can never name a chunk the index had
 * already dropped.  Read and written by its own CPU with IRQs off.
 */
struct lookup_memo {
	unsigned long base;
	struct pcpu_alt_chunk *chunk;
	unsigned long gen;
};

static DEFINE_PER_CPU(struct lookup_memo, lookup_memo);
static unsigned long lookup_gen;

/*
 * Map traffic, per CPU so that takes and gives share no cache line:
 * areas taken for callers and given back by them (slow path), taken by
 * and given back from the per-CPU caches, taken then given back because
 * population failed, and bits in use (cached areas included; one CPU's
 * share may be negative).  Updated under a chunk's lock, IRQs off; read
 * by summing.  The traffic only grows: pcpu_alt_chunks_verify() uses it to
 * tell whether anything moved while it looked.
 */
struct map_traffic {
	u64 slow_allocs;
	u64 slow_frees;
	u64 cache_takes;
	u64 cache_gives;
	u64 rollbacks;
	s64 live_bits;
};

static DEFINE_PER_CPU(struct map_traffic, traffic);

/* Areas in use, cached ones included: exact. */
static atomic64_t live_areas;
/*
 * Areas sitting in per-CPU caches, as each CPU last told (at its refills
 * and drains, pcpu_alt_chunks_note_cached()), and the most areas live for
 * users at once: live_areas less that, sampled whenever either moves and
 * whenever stats are read.  A CPU tells its count only when it moves a
 * batch, so frees into its cache since then may be counted as live for a
 * while: at most a stack's worth per CPU.
 */
static atomic64_t cached_told, max_live_areas;
/* Smallest and largest area taken, in bits (0: none yet). */
static atomic_t min_area_bits, max_area_bits;
/* Populated pages holding no allocation, all chunks. */
static atomic_t nr_empty_pop_pages;

/*
 * Chunk and page counters: written under pcpu_alt_mutex (WRITE_ONCE), read
 * without it.
 */
static struct {
	unsigned int nr_chunks;
	unsigned int nr_max_chunks;
	unsigned int nr_populated_pages;
	u64 meta_bytes;
	u64 nr_chunks_created;
	u64 nr_chunks_destroyed;
	u64 nr_pages_populated;
	u64 nr_pages_depopulated;
	u64 nr_balance_runs;
} counters;

/* Next chunk id (pcpu_alt_mutex). */
static int next_chunk_id;
/* New chunks get a cached map (pcpu_alt_mutex). */
static bool track_cached;

bool pcpu_alt_km_backend;

/*
 * Kept so that loading with it still works: every allocation's call site
 * is recorded now (chunk->sites), always, at the cost of a byte store.
 */
static bool track_callers;
module_param(track_callers, bool, 0444);
MODULE_PARM_DESC(track_callers, "no longer needed: call sites are always recorded (debugfs callers)");

/*
 * A search that found a fitting chunk busy walks again, trylocking, this
 * often; the last walk waits for each busy chunk's lock instead.
 */
#define PCPU_ALT_FIND_PASSES	4
/*
 * The waiting walk starts over when a chunk it waited for left its list
 * meanwhile (the walk cannot carry on from it); this often at most.
 */
#define PCPU_ALT_FIND_RESTARTS	8

/* How find_room() may place an area. */
enum find_how {
	FIND_ANY,		/* anywhere: the caller populates */
	FIND_POPULATED,		/* populated pages only */
	FIND_CACHED,		/* populated pages of chunks with a cached map */
};

/* What find_room() found. */
enum find_result {
	FOUND,			/* taken */
	FOUND_NONE,		/* every chunk that might fit was searched */
	FOUND_BUSY,		/* chunks kept moving under the waiting walk */
};

/* Add @n to a counter written under pcpu_alt_mutex, read without it. */
static void counter_add(unsigned int *c, int n)
{
	WRITE_ONCE(*c, *c + n);
}

static void counter_add64(u64 *c, s64 n)
{
	WRITE_ONCE(*c, *c + n);
}

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
	pcpu_alt_lock();
	track_cached = on;
	pcpu_alt_unlock();
}

/* ---- slots ---- */

int pcpu_alt_free_slot(void)
{
	return pcpu_alt_nr_slots - 1;
}

/*
 * Put @chunk at the tail of @slot's list.  Both its lock and the lists'
 * lock held: a walk that holds a chunk's lock, the lists' lock dropped,
 * must find it where it was (see "Locking"), so every move holds it.
 */
static void chunk_move(struct pcpu_alt_chunk *chunk, int slot)
{
	lockdep_assert_held(&chunk->lock);
	lockdep_assert_held(&pcpu_alt_slots_lock);
	if (chunk->slot == pcpu_alt_free_slot())
		WRITE_ONCE(nr_free_chunks, nr_free_chunks - 1);
	if (slot == pcpu_alt_free_slot())
		WRITE_ONCE(nr_free_chunks, nr_free_chunks + 1);
	list_move_tail(&chunk->list, &pcpu_alt_slots[slot]);
	chunk->slot = slot;
	chunk->moves++;
}

/* Move @chunk to the slot its map says.  chunk->lock held. */
static void chunk_relocate(struct pcpu_alt_chunk *chunk)
{
	int slot = pcpu_alt_map_slot(&chunk->map, pcpu_alt_free_slot());

	lockdep_assert_held(&chunk->lock);
	if (slot == chunk->slot || chunk->isolated)
		return;
	spin_lock(&pcpu_alt_slots_lock);
	chunk_move(chunk, slot);
	spin_unlock(&pcpu_alt_slots_lock);
}

/* Fully free chunks; read without the lock, for a heuristic. */
unsigned int pcpu_alt_nr_free_chunks(void)
{
	return READ_ONCE(nr_free_chunks);
}

/* Empty populated pages; without a lock, for a heuristic. */
unsigned int pcpu_alt_nr_empty_pop_pages(void)
{
	return atomic_read(&nr_empty_pop_pages);
}

/**
 * pcpu_alt_count_balance_run() - count one run of the background work
 *
 * CONTEXT: pcpu_alt_mutex held.
 */
void pcpu_alt_count_balance_run(void)
{
	lockdep_assert_held(&pcpu_alt_mutex);
	counter_add64(&counters.nr_balance_runs, 1);
}

/* ---- page accounting (chunk->lock held) ---- */

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

	/* The shared count is written only when it moves. */
	if (!delta)
		return;
	chunk->nr_empty_pop += delta;
	atomic_add(delta, &nr_empty_pop_pages);
}

/* @chunk's map or populated pages changed (copies check).  Lock held. */
static void chunk_changed(struct pcpu_alt_chunk *chunk)
{
	lockdep_assert_held(&chunk->lock);
	chunk->changes++;
}

/* @chunk's largest free run in populated pages, exactly.  Lock held. */
static void chunk_refresh_pop_contig(struct pcpu_alt_chunk *chunk)
{
	WRITE_ONCE(chunk->pop_contig,
		   pcpu_alt_map_contig_within(&chunk->map, chunk->populated));
}

/*
 * Free bit @bit of @chunk just joined a free run: raise the bound on the
 * populated one if that run, cut to the populated pages around @bit, is
 * longer.  chunk->lock held.
 */
static void chunk_raise_pop_contig(struct pcpu_alt_chunk *chunk, int bit)
{
	int start, len = pcpu_alt_map_run_around(&chunk->map, bit, &start);
	int end = start + len, page = bit / PCPU_ALT_BLOCK_BITS, p;

	if (!test_bit(page, chunk->populated))
		return;
	/* Only the pages the run covers are looked at. */
	for (p = page; p * PCPU_ALT_BLOCK_BITS > start; p--)
		if (!test_bit(p - 1, chunk->populated)) {
			start = p * PCPU_ALT_BLOCK_BITS;
			break;
		}
	for (p = page + 1; p * PCPU_ALT_BLOCK_BITS < end; p++)
		if (!test_bit(p, chunk->populated)) {
			end = p * PCPU_ALT_BLOCK_BITS;
			break;
		}
	if (end - start > chunk->pop_contig)
		WRITE_ONCE(chunk->pop_contig, end - start);
}

/* Record that @page is backed.  pcpu_alt_mutex and chunk->lock held. */
static void chunk_mark_populated(struct pcpu_alt_chunk *chunk, int page)
{
	lockdep_assert_held(&pcpu_alt_mutex);
	lockdep_assert_held(&chunk->lock);
	chunk_changed(chunk);
	__set_bit(page, chunk->populated);
	chunk_refresh_pop_contig(chunk);
	trace_pcpu_alt_populate(chunk->id, 1);
	chunk->nr_populated++;
	counter_add(&counters.nr_populated_pages, 1);
	counter_add64(&counters.nr_pages_populated, 1);
	if (pcpu_alt_block_empty(&chunk->map.blocks[page])) {
		chunk->nr_empty_pop++;
		atomic_inc(&nr_empty_pop_pages);
	}
}

/* ---- chunk lifecycle (pcpu_alt_mutex held) ---- */

/* Index key of an address: its page in vmalloc space (a shallow tree). */
static unsigned long index_key(unsigned long addr)
{
	return (addr - VMALLOC_START) >> PAGE_SHIFT;
}

static unsigned long chunk_index_key(const struct pcpu_alt_chunk *chunk)
{
	return index_key((unsigned long)chunk->base);
}

/* A chunk's site ids: one byte per bit of its map. */
static size_t chunk_sites_bytes(void)
{
	return pcpu_alt_layout.unit_pages * PCPU_ALT_BLOCK_BITS;
}

static size_t chunk_meta_bytes(const struct pcpu_alt_chunk *chunk)
{
	return sizeof(struct pcpu_alt_chunk) +
	       pcpu_alt_map_meta_bytes(pcpu_alt_layout.unit_pages) +
	       BITS_TO_LONGS(pcpu_alt_layout.unit_pages) * sizeof(long) +
	       (chunk->cached ? BITS_TO_LONGS(chunk->map.nr_bits) *
				sizeof(long) : 0) +
	       chunk_sites_bytes();
}

/*
 * Drop the first @nr index entries of @chunk and its id entry, and
 * invalidate every CPU's lookup memo.  pcpu_alt_mutex held; the chunk may
 * be freed only after an RCU grace period, as lock-free lookups may have
 * found it.
 */
static void chunk_unindex(struct pcpu_alt_chunk *chunk, int nr)
{
	unsigned long key = chunk_index_key(chunk);
	int i;

	lockdep_assert_held(&pcpu_alt_mutex);
	for (i = 0; i < nr; i++)
		xa_erase_irq(&pcpu_alt_index, key + i);
	/* Only if stored: a chunk that failed before has no id entry. */
	xa_cmpxchg(&pcpu_alt_ids, chunk->id, chunk, NULL, 0);
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
	kvfree(chunk->sites);
	bitmap_free(chunk->populated);
	bitmap_free(chunk->cached);
	pcpu_alt_map_destroy(&chunk->map);
	kfree(chunk);
}

/**
 * pcpu_alt_chunk_create() - make a new, empty chunk and put it on a slot
 * @gfp: flags for the chunk's metadata and pages (reclaim constraints are
 *       also in force as a scope, for what takes no flags)
 * @why: on failure, set to a description of what failed
 *
 * With the km backend every page is populated here.
 *
 * CONTEXT: process context; pcpu_alt_mutex held.
 * RETURNS: the chunk, or NULL (the reason is in @why).
 */
struct pcpu_alt_chunk *pcpu_alt_chunk_create(gfp_t gfp, const char **why)
{
	int pages = pcpu_alt_layout.unit_pages, i, err;
	struct pcpu_alt_chunk *chunk = NULL;

	lockdep_assert_held(&pcpu_alt_mutex);
	*why = "chunk metadata allocation failed";
	if (!pcpu_alt_fault_inject(gfp))
		chunk = kzalloc(sizeof(*chunk), gfp);
	if (!chunk)
		return NULL;
	spin_lock_init(&chunk->lock);
	INIT_LIST_HEAD(&chunk->list);
	if (pcpu_alt_fault_inject(gfp) ||
	    pcpu_alt_map_init(&chunk->map, pages, gfp))
		goto fail;
	if (!pcpu_alt_fault_inject(gfp))
		chunk->populated = bitmap_zalloc(pages, gfp);
	if (!chunk->populated)
		goto fail;
	if (!pcpu_alt_fault_inject(gfp))
		chunk->sites = kvzalloc(chunk->map.nr_bits, gfp);
	if (!chunk->sites)
		goto fail;
	if (track_cached) {
		if (!pcpu_alt_fault_inject(gfp))
			chunk->cached = bitmap_zalloc(chunk->map.nr_bits, gfp);
		if (!chunk->cached)
			goto fail;
	}

	*why = "vmap of the chunk region failed";
	chunk->base = pcpu_alt_region_create(gfp);
	if (!chunk->base)
		goto fail;

	*why = "chunk index insertion failed";
	for (i = 0; i < pages; i++) {
		err = pcpu_alt_fault_inject(gfp) ? -ENOMEM :
		      xa_err(xa_store_irq(&pcpu_alt_index,
					  chunk_index_key(chunk) + i, chunk,
					  gfp));
		if (err) {
			chunk_unindex(chunk, i);
			goto fail_unindexed;
		}
	}

	*why = "page allocation failed";
	for (i = 0; pcpu_alt_km_backend && i < pages; i++) {
		if (pcpu_alt_region_populate(chunk->base, i, gfp)) {
			chunk_unindex(chunk, pages);
			goto fail_unindexed;
		}
		__set_bit(i, chunk->populated);
	}

	*why = "chunk index insertion failed";
	chunk->id = next_chunk_id;
	err = pcpu_alt_fault_inject(gfp) ? -ENOMEM :
	      xa_err(xa_store(&pcpu_alt_ids, chunk->id, chunk, gfp));
	if (err) {
		chunk_unindex(chunk, pages);
		goto fail_unindexed;
	}
	next_chunk_id++;
	chunk->pop_contig = pcpu_alt_map_contig_within(&chunk->map,
						       chunk->populated);
	chunk->nr_populated = bitmap_weight(chunk->populated, pages);
	chunk->nr_empty_pop = chunk->nr_populated;
	atomic_add(chunk->nr_empty_pop, &nr_empty_pop_pages);
	counter_add(&counters.nr_populated_pages, chunk->nr_populated);
	counter_add64(&counters.nr_pages_populated, chunk->nr_populated);
	counter_add(&counters.nr_chunks, 1);
	WRITE_ONCE(counters.nr_max_chunks,
		   max(counters.nr_max_chunks, counters.nr_chunks));
	counter_add64(&counters.nr_chunks_created, 1);
	counter_add64(&counters.meta_bytes, chunk_meta_bytes(chunk));

	chunk->slot = pcpu_alt_free_slot();
	spin_lock_irq(&pcpu_alt_slots_lock);
	list_add_tail(&chunk->list, &pcpu_alt_slots[chunk->slot]);
	WRITE_ONCE(nr_free_chunks, nr_free_chunks + 1);
	spin_unlock_irq(&pcpu_alt_slots_lock);
	trace_pcpu_alt_chunk_create(chunk->id, chunk->nr_populated);
	return chunk;

fail_unindexed:
	/* A lock-free lookup of a stray pointer may have found it. */
	synchronize_rcu();
fail:
	chunk_free(chunk);
	return NULL;
}

/*
 * Take a chunk off its list and out of the index, after which no
 * allocation or free can reach it.  pcpu_alt_mutex and chunk->lock held.
 */
static void chunk_isolate(struct pcpu_alt_chunk *chunk)
{
	lockdep_assert_held(&pcpu_alt_mutex);
	lockdep_assert_held(&chunk->lock);
	spin_lock(&pcpu_alt_slots_lock);
	if (chunk->slot == pcpu_alt_free_slot())
		WRITE_ONCE(nr_free_chunks, nr_free_chunks - 1);
	list_del_init(&chunk->list);
	chunk->moves++;
	spin_unlock(&pcpu_alt_slots_lock);
	WRITE_ONCE(chunk->isolated, true);
	atomic_sub(chunk->nr_empty_pop, &nr_empty_pop_pages);
	counter_add(&counters.nr_populated_pages, -chunk->nr_populated);
	counter_add64(&counters.nr_pages_depopulated, chunk->nr_populated);
	counter_add(&counters.nr_chunks, -1);
	counter_add64(&counters.nr_chunks_destroyed, 1);
	counter_add64(&counters.meta_bytes, -(s64)chunk_meta_bytes(chunk));
}

/**
 * pcpu_alt_chunks_free_doomed() - free chunks isolated onto a list
 * @doomed: chunks isolated and out of the index
 *
 * Waits for an RCU grace period first: lock-free lookups may still hold
 * them.  No lock needed: nothing can reach them any more.
 *
 * CONTEXT: process context, may sleep.
 */
void pcpu_alt_chunks_free_doomed(struct list_head *doomed)
{
	struct pcpu_alt_chunk *chunk, *next;

	if (list_empty(doomed))
		return;
	synchronize_rcu();
	list_for_each_entry_safe(chunk, next, doomed, list) {
		list_del(&chunk->list);
		trace_pcpu_alt_chunk_destroy(chunk->id, chunk->nr_populated);
		chunk_free(chunk);
	}
}

/* Isolate @chunk onto @doomed; pcpu_alt_mutex and chunk->lock held. */
static void chunk_doom(struct pcpu_alt_chunk *chunk, struct list_head *doomed)
{
	chunk_isolate(chunk);
	list_add(&chunk->list, doomed);
}

/*
 * The second chunk on the free slot, or NULL.  Chunks are destroyed only
 * by pcpu_alt_mutex holders, so it stays valid after the walk.
 */
static struct pcpu_alt_chunk *second_free_chunk(void)
{
	struct list_head *free_list = &pcpu_alt_slots[pcpu_alt_free_slot()];
	struct pcpu_alt_chunk *chunk = NULL;

	spin_lock_irq(&pcpu_alt_slots_lock);
	if (!list_empty(free_list) && !list_is_singular(free_list))
		chunk = list_next_entry(list_first_entry(free_list,
							 struct pcpu_alt_chunk,
							 list), list);
	spin_unlock_irq(&pcpu_alt_slots_lock);
	return chunk;
}

/**
 * pcpu_alt_chunks_pick_spare() - take fully free chunks beyond one away
 * @keep_empty_pages: keep a chunk when without its empty populated pages
 *                    fewer than this many would be left
 * @doomed: receives them, isolated and out of the index, for
 *          pcpu_alt_chunks_free_doomed()
 *
 * A chunk that holds part of the empty-page reserve is kept, so a reserve
 * spread over chunks does not make one run destroy a chunk and the next
 * run (or the same one) back its pages again elsewhere.
 *
 * CONTEXT: process context; pcpu_alt_mutex held.
 * RETURNS: how many chunks were taken.
 */
int pcpu_alt_chunks_pick_spare(unsigned int keep_empty_pages,
			       struct list_head *doomed)
{
	unsigned int tries = pcpu_alt_nr_free_chunks();
	struct pcpu_alt_chunk *chunk;
	int n = 0;

	lockdep_assert_held(&pcpu_alt_mutex);
	/* Each chunk on the free slot is looked at once at most. */
	while (tries-- && (chunk = second_free_chunk())) {
		bool doom;

		spin_lock_irq(&chunk->lock);
		doom = !chunk->isolated && pcpu_alt_map_empty(&chunk->map) &&
		       pcpu_alt_nr_empty_pop_pages() - chunk->nr_empty_pop >=
		       keep_empty_pages;
		if (doom) {
			chunk_doom(chunk, doomed);
		} else if (chunk->slot == pcpu_alt_free_slot()) {
			/* Kept: to the end of the list, out of the way. */
			spin_lock(&pcpu_alt_slots_lock);
			chunk_move(chunk, chunk->slot);
			spin_unlock(&pcpu_alt_slots_lock);
		}
		spin_unlock_irq(&chunk->lock);
		if (!doom)
			continue;
		chunk_unindex(chunk, pcpu_alt_layout.unit_pages);
		n++;
	}
	return n;
}

/* ---- searching and taking (chunk->lock held) ---- */

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

/* Lower *@v to @x, or raise it, without a lock (rarely contended). */
static void atomic_min_not_zero(atomic_t *v, int x)
{
	int old = atomic_read(v);

	while ((!old || x < old) && !atomic_try_cmpxchg(v, &old, x))
		;
}

static void atomic_max_int(atomic_t *v, int x)
{
	int old = atomic_read(v);

	while (x > old && !atomic_try_cmpxchg(v, &old, x))
		;
}

static void atomic64_max(atomic64_t *v, s64 x)
{
	s64 old = atomic64_read(v);

	while (x > old && !atomic64_try_cmpxchg(v, &old, x))
		;
}

/*
 * Take @n areas of @bits back to back from @start in @chunk (one map
 * update) and account for them.  chunk->lock held.
 */
static void chunk_take(struct pcpu_alt_chunk *chunk, int start, int bits,
		       int n, unsigned long caller, bool for_cache)
{
	int first = start / PCPU_ALT_BLOCK_BITS;
	int last = (start + n * bits - 1) / PCPU_ALT_BLOCK_BITS;
	int before = count_empty_pop(chunk, first, last), i;
	u8 site = pcpu_alt_site_id(caller);

	lockdep_assert_held(&chunk->lock);
	chunk_changed(chunk);
	pcpu_alt_map_alloc_run(&chunk->map, start, bits, n);
	chunk_adjust_empty(chunk, first, last, before);
	chunk_relocate(chunk);
	for (i = 0; i < n; i++)
		chunk->sites[start + i * bits] = site;
	if (for_cache)
		this_cpu_add(traffic.cache_takes, n);
	else
		this_cpu_inc(traffic.slow_allocs);
	this_cpu_add(traffic.live_bits, n * bits);
}

/*
 * Count @n areas of @bits just taken: once per batch, not per area, as
 * live_areas is the one counter every CPU shares.  chunk->lock held, so
 * the count moves with the chunk's own traffic (see verify).
 */
static void count_taken(int n, int bits, bool for_cache)
{
	s64 live = atomic64_add_return(n, &live_areas);

	/* A cache's areas are not live yet: it tells once it has them. */
	if (!for_cache)
		atomic64_max(&max_live_areas,
			     live - atomic64_read(&cached_told));
	atomic_min_not_zero(&min_area_bits, bits);
	atomic_max_int(&max_area_bits, bits);
}

/**
 * pcpu_alt_chunks_note_cached() - a CPU's caches hold @delta more areas
 * @delta: areas in this CPU's caches now, less what it told last time
 *
 * Called by the per-CPU caches after a refill or a drain, so that the
 * most live allocations counts no cached area (see cached_told).
 *
 * CONTEXT: any.
 */
void pcpu_alt_chunks_note_cached(long delta)
{
	s64 cached = atomic64_add_return(delta, &cached_told);

	atomic64_max(&max_live_areas, atomic64_read(&live_areas) - cached);
}

/**
 * pcpu_alt_chunks_note_live() - @live allocations are live for users now
 * @live: as counted by a stats reader, cached areas left out
 *
 * CONTEXT: any.
 * RETURNS: the most live allocations since load, @live included.
 */
u64 pcpu_alt_chunks_note_live(u64 live)
{
	atomic64_max(&max_live_areas, live);
	return atomic64_read(&max_live_areas);
}

/* What a give of one area is, for the counters. */
enum give_kind { GIVE_FREE, GIVE_ROLLBACK };

/*
 * Give back the area at @start of @chunk; returns bits freed or -EINVAL.
 * live_areas is the caller's to lower (chunk_give_one()).  Cached areas
 * go back in batches: chunk_give_cached_locked().
 */
static int chunk_give(struct pcpu_alt_chunk *chunk, int start,
		      enum give_kind kind)
{
	int bits = pcpu_alt_map_size_at(&chunk->map, start), first, last;
	int before;

	lockdep_assert_held(&chunk->lock);
	if (bits < 0)
		return bits;
	first = start / PCPU_ALT_BLOCK_BITS;
	last = (start + bits - 1) / PCPU_ALT_BLOCK_BITS;
	before = count_empty_pop(chunk, first, last);
	chunk_changed(chunk);
	pcpu_alt_map_free(&chunk->map, start);
	chunk_raise_pop_contig(chunk, start);
	chunk_adjust_empty(chunk, first, last, before);
	chunk_relocate(chunk);
	if (kind == GIVE_FREE)
		this_cpu_inc(traffic.slow_frees);
	else
		this_cpu_inc(traffic.rollbacks);
	this_cpu_sub(traffic.live_bits, bits);
	return bits;
}

/* chunk_give() of one area, counted in live_areas.  chunk->lock held. */
static int chunk_give_one(struct pcpu_alt_chunk *chunk, int start,
			  enum give_kind kind)
{
	int bits = chunk_give(chunk, start, kind);

	if (bits > 0)
		atomic64_dec(&live_areas);
	return bits;
}

/*
 * Claim the cached bit of a free area about to be taken (see "Cached
 * areas").  False when a stale free holds it: leave the area alone.
 */
static bool claim_area(struct pcpu_alt_chunk *chunk, int start)
{
	return !chunk->cached || !test_and_set_bit(start, chunk->cached);
}

/* First fit for @bits in @chunk as @how allows, or -1.  Lock held. */
static int chunk_find(struct pcpu_alt_chunk *chunk, int bits, int align_bits,
		      enum find_how how)
{
	if (chunk->isolated || (how == FIND_CACHED && !chunk->cached))
		return -1;
	return pcpu_alt_map_find(&chunk->map, bits, align_bits,
				 how == FIND_ANY ? NULL : chunk->populated);
}

/* Worth locking @chunk for @bits?  A racy look at its hints. */
static bool chunk_may_fit(const struct pcpu_alt_chunk *chunk, int bits,
			  enum find_how how)
{
	/* Hints only: the search under the chunk's lock decides. */
	if (how == FIND_CACHED && !data_race(chunk->cached))
		return false;
	/* Populated room only: a bound on it, not on all free room. */
	if (how != FIND_ANY)
		return READ_ONCE(chunk->pop_contig) >= bits;
	/* As above: a hint. */
	return data_race(chunk->map.contig) >= bits;
}

/**
 * struct room_taker - what find_room() looks for and takes
 * @bits: size in bits
 * @align_bits: alignment in bits
 * @how: where it may be placed
 * @caller: the allocation's call site
 * @wait: the last walk waits for busy chunks rather than skip them
 * @areas: for FIND_CACHED: receives up to @want areas, else NULL
 * @want: for FIND_CACHED: how many
 * @chunk: set to the chunk the area (areas) came from
 * @start: set to the (first) area's first bit
 * @got: set to the areas taken
 * @populated: for a caller's area: all its pages are backed
 */
struct room_taker {
	int bits;
	int align_bits;
	enum find_how how;
	bool wait;
	unsigned long caller;
	struct pcpu_alt_area *areas;
	int want;
	struct pcpu_alt_chunk *chunk;
	int start;
	int got;
	bool populated;
};

/* Are all pages under [start, start + bits) backed?  chunk->lock held. */
static bool range_populated(const struct pcpu_alt_chunk *chunk, int start,
			    int bits)
{
	int first = start / PCPU_ALT_BLOCK_BITS;
	int last = (start + bits - 1) / PCPU_ALT_BLOCK_BITS;

	return find_next_zero_bit(chunk->populated, last + 1, first) > last;
}

/*
 * Take what @t asks for from @chunk, whose area at @start is claimed.
 * chunk->lock held.
 */
/*
 * A refill's areas: as many of @t's as lie free back to back from @start
 * (claimed, see "Cached areas") on, within populated pages, up to
 * @t->want, their cached bits claimed.  One free run, one map update: no
 * search per area.  chunk->lock held.
 */
/*
 * Claim the cached bits of the areas @i.. (of @n, @bits each from @start)
 * whose start lies in the same bitmap word as area @i's: one atomic for
 * them all.  Returns the next area to claim, or minus the number claimed
 * in all when a stale free holds one of them (see "Cached areas"): those
 * after it are let go again.  chunk->lock held.
 */
static int claim_word(struct pcpu_alt_chunk *chunk, int start, int bits,
		      int i, int n)
{
	unsigned long *word = chunk->cached + BIT_WORD(start + i * bits);
	unsigned long mask = 0, held, gone;
	int j;

	for (j = i; j < n && chunk->cached + BIT_WORD(start + j * bits) == word;
	     j++)
		mask |= BIT_MASK(start + j * bits);
	held = set_mask_bits(word, 0, mask) & mask;
	if (likely(!held))
		return j;
	/* Keep the claims below the first one held; give back the rest. */
	gone = mask & ~held & ~(BIT_MASK(__ffs(held)) - 1);
	if (gone)
		set_mask_bits(word, gone, 0);
	return -(i + hweight_long(mask & (BIT_MASK(__ffs(held)) - 1)));
}

static int carve_count(struct pcpu_alt_chunk *chunk, int start,
		       const struct room_taker *t)
{
	int page = start / PCPU_ALT_BLOCK_BITS, n, i, limit;

	/* The populated pages from @start's on. */
	limit = find_next_zero_bit(chunk->populated, chunk->map.nr_blocks,
				   page) * PCPU_ALT_BLOCK_BITS;
	limit = min(limit, start + t->want * t->bits);
	n = pcpu_alt_map_free_from(&chunk->map, start, limit) / t->bits;
	/* The first was claimed by the search. */
	for (i = 1; i < n; i = claim_word(chunk, start, t->bits, i, n))
		if (i < 0)
			return -i;
	return n;
}

static void take_room(struct pcpu_alt_chunk *chunk, int start,
		      struct room_taker *t)
{
	int i;

	t->chunk = chunk;
	t->start = start;
	if (t->how != FIND_CACHED) {
		chunk_take(chunk, start, t->bits, 1, t->caller, false);
		count_taken(1, t->bits, false);
		/* Not a cached area: let go of the claim. */
		if (chunk->cached)
			clear_bit(start, chunk->cached);
		t->got = 1;
		t->populated = range_populated(chunk, start, t->bits);
		pcpu_alt_test_point(PCPU_ALT_TEST_AREA_TAKEN,
				    pcpu_alt_chunk_ptr(chunk, start));
		return;
	}
	t->got = carve_count(chunk, start, t);
	chunk_take(chunk, start, t->bits, t->got, t->caller, true);
	for (i = 0; i < t->got; i++) {
		t->areas[i].chunk = chunk;
		t->areas[i].start = start + i * t->bits;
	}
	count_taken(t->got, t->bits, true);
}

/* Search @chunk, locked, for @t and take what it finds.  True if taken. */
static bool search_locked(struct pcpu_alt_chunk *chunk, struct room_taker *t)
{
	int start = chunk_find(chunk, t->bits, t->align_bits, t->how);

	if (start < 0 && !chunk->isolated) {
		pcpu_alt_test_point(PCPU_ALT_TEST_SEARCH_MISS,
				    pcpu_alt_chunk_ptr(chunk, 0));
		/* Its bound let the search in: make it exact. */
		if (t->how != FIND_ANY)
			chunk_refresh_pop_contig(chunk);
	}
	if (start < 0 || !claim_area(chunk, start))
		return false;
	take_room(chunk, start, t);
	return true;
}

/*
 * One walk of the slot lists for @t, IRQs off.  A chunk whose lock is
 * taken is skipped (FOUND_BUSY if nothing else had room), unless @wait:
 * then the walk waits for that lock and searches the chunk, so that
 * contention never passes for a lack of room.  Waiting drops the lists'
 * lock (order: chunk, then lists); the chunk cannot be freed meanwhile
 * (RCU), but it may move, and the walk can carry on from it only if it
 * did not (its move count, written with both locks held, tells): else it
 * starts over.
 */
static enum find_result find_pass(struct room_taker *t, bool wait)
{
	int slot, restarts = 0;
	struct pcpu_alt_chunk *chunk;
	bool busy;

restart:
	busy = false;
	spin_lock(&pcpu_alt_slots_lock);
	for (slot = pcpu_alt_size_slot(t->bits); slot < pcpu_alt_nr_slots;
	     slot++) {
		list_for_each_entry(chunk, &pcpu_alt_slots[slot], list) {
			if (!chunk_may_fit(chunk, t->bits, t->how))
				continue;
			if (spin_trylock(&chunk->lock)) {
				/* Our lock pins the chunk on this list. */
				spin_unlock(&pcpu_alt_slots_lock);
			} else if (wait) {
				int moves = chunk->moves;

				rcu_read_lock();
				spin_unlock(&pcpu_alt_slots_lock);
				pcpu_alt_test_point(PCPU_ALT_TEST_FIND_WAIT,
						    pcpu_alt_chunk_ptr(chunk, 0));
				spin_lock(&chunk->lock);
				rcu_read_unlock();
				if (chunk->isolated || chunk->moves != moves) {
					bool found = search_locked(chunk, t);

					spin_unlock(&chunk->lock);
					if (found)
						return FOUND;
					if (++restarts > PCPU_ALT_FIND_RESTARTS)
						return FOUND_BUSY;
					goto restart;
				}
			} else {
				busy = true;
				continue;
			}
			if (search_locked(chunk, t)) {
				spin_unlock(&chunk->lock);
				return FOUND;
			}
			spin_lock(&pcpu_alt_slots_lock);
			spin_unlock(&chunk->lock);
		}
	}
	spin_unlock(&pcpu_alt_slots_lock);
	return busy ? FOUND_BUSY : FOUND_NONE;
}

/*
 * Find room for @t and take it: the first fit in the fullest chunk that
 * has one, under that chunk's lock.  The walks skip busy chunks; with
 * @t->wait the last one waits for them.  FOUND_NONE when no chunk has
 * room; FOUND_BUSY when a chunk that might have had room stayed busy (or,
 * waiting, when chunks kept moving under the walk).
 */
static enum find_result find_room(struct room_taker *t)
{
	enum find_result res = FOUND_NONE;
	unsigned long irq;
	int pass;

	t->got = 0;
	local_irq_save(irq);
	for (pass = 0; pass < PCPU_ALT_FIND_PASSES; pass++) {
		bool last = pass == PCPU_ALT_FIND_PASSES - 1;

		res = find_pass(t, t->wait && last);
		if (res != FOUND_BUSY)
			break;
		cpu_relax();
	}
	local_irq_restore(irq);
	return res;
}

/* ---- the slow path ---- */

/*
 * The caller's reclaim constraints as a scope, for the internal
 * allocations that take no gfp (vmap() of a region, page tables).
 */
struct reclaim_scope {
	unsigned int flags;
	bool noio;
	bool nofs;
};

static void reclaim_scope_enter(struct reclaim_scope *s, gfp_t gfp)
{
	s->noio = !(gfp & __GFP_IO);
	s->nofs = !s->noio && !(gfp & __GFP_FS);
	if (s->noio)
		s->flags = memalloc_noio_save();
	else if (s->nofs)
		s->flags = memalloc_nofs_save();
}

static void reclaim_scope_exit(const struct reclaim_scope *s)
{
	if (s->noio)
		memalloc_noio_restore(s->flags);
	else if (s->nofs)
		memalloc_nofs_restore(s->flags);
}

/* Take pcpu_alt_mutex for a caller: killably, unless it asked NOFAIL. */
static int lock_for_caller(gfp_t gfp)
{
	if (gfp & __GFP_NOFAIL) {
		pcpu_alt_lock();
		return 0;
	}
	return pcpu_alt_lock_killable();
}

/* Back @page of every unit, then let the map use it.  pcpu_alt_mutex held. */
static int chunk_populate_page(struct pcpu_alt_chunk *chunk, int page,
			       gfp_t gfp)
{
	int err = pcpu_alt_region_populate(chunk->base, page, gfp);

	if (err)
		return err;
	spin_lock_irq(&chunk->lock);
	chunk_mark_populated(chunk, page);
	spin_unlock_irq(&chunk->lock);
	return 0;
}

/*
 * Back every page of [start, start + bits) that is not backed yet; the area
 * is ours, so its pages cannot be given back meanwhile.  pcpu_alt_mutex
 * held, which also keeps @populated still.
 */
static int chunk_populate_range(struct pcpu_alt_chunk *chunk, int start,
				int bits, gfp_t gfp)
{
	int first = start / PCPU_ALT_BLOCK_BITS;
	int last = (start + bits - 1) / PCPU_ALT_BLOCK_BITS;
	int page, err;

	lockdep_assert_held(&pcpu_alt_mutex);
	for (page = first; page <= last; page++) {
		if (test_bit(page, chunk->populated))
			continue;
		pcpu_alt_test_point(PCPU_ALT_TEST_POPULATE,
				    pcpu_alt_chunk_ptr(chunk, start));
		err = chunk_populate_page(chunk, page, gfp);
		if (err)
			return err;
	}
	return 0;
}

/* Flags for internal allocations on a caller's behalf, as stock does. */
static gfp_t internal_gfp(gfp_t gfp)
{
	return gfp & (GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
}

/*
 * Under pcpu_alt_mutex, look again (the last holder may have made a chunk)
 * and make a chunk while there still is no room.  False with *@why set
 * when a chunk could not be made.
 */
static bool find_or_create(struct room_taker *t, gfp_t gfp, const char **why)
{
	enum find_result res;

	lockdep_assert_held(&pcpu_alt_mutex);
	for (;;) {
		res = find_room(t);
		if (res == FOUND)
			return true;
		/* Busy is not full: look again rather than make a chunk. */
		if (res == FOUND_BUSY)
			continue;
		if (!pcpu_alt_chunk_create(internal_gfp(gfp), why))
			return false;
	}
}

/* The blocking slow path; see pcpu_alt_chunk_alloc(). */
static bool alloc_blocking(struct room_taker *t, gfp_t gfp,
			   enum pcpu_alt_fail_reason *reason, const char **why)
{
	bool locked = false, done = false;
	unsigned long irq;

	*reason = PCPU_ALT_FAIL_KILLED;
	*why = "interrupted by a fatal signal";
	/*
	 * Populated room first: it needs neither the mutex nor a new page.
	 * A busy chunk is not waited for there (others may go on while it
	 * is held); it is when looking anywhere, so that contention never
	 * makes a chunk.
	 */
	t->how = FIND_POPULATED;
	if (find_room(t) != FOUND) {
		t->how = FIND_ANY;
		t->wait = true;
	}
	if (t->how == FIND_ANY && find_room(t) != FOUND) {
		if (lock_for_caller(gfp))
			return false;
		locked = true;
		if (!find_or_create(t, gfp, why)) {
			*reason = PCPU_ALT_FAIL_CHUNK;
			goto out;
		}
	}
	done = t->populated;
	if (done)
		goto out;

	if (!locked && lock_for_caller(gfp))
		goto rollback;
	locked = true;
	done = !chunk_populate_range(t->chunk, t->start, t->bits,
				     internal_gfp(gfp));
	if (done)
		goto out;
	*reason = PCPU_ALT_FAIL_POPULATE;
	*why = "page allocation failed";
rollback:
	spin_lock_irqsave(&t->chunk->lock, irq);
	chunk_give_one(t->chunk, t->start, GIVE_ROLLBACK);
	spin_unlock_irqrestore(&t->chunk->lock, irq);
out:
	if (locked)
		pcpu_alt_unlock();
	return done;
}

/**
 * pcpu_alt_chunk_alloc() - the slow path: find room, make it if need be
 * @bits: size in bits
 * @align_bits: alignment in bits
 * @gfp: the caller's flags, after current_gfp_context(); without
 *       __GFP_DIRECT_RECLAIM only populated space is used
 * @caller: the allocation's call site
 * @start: set to the area's first bit
 * @reason: on failure, set to why
 * @why: on failure, set to a description for the warning
 *
 * An allocation that fits in populated space takes only the lock of the
 * chunk it lands in (a blocking one looks there first, then anywhere).
 * One that must make a chunk or back a page takes
 * pcpu_alt_mutex for that, killably unless @gfp has __GFP_NOFAIL, and runs
 * its internal allocations with @gfp's reclaim constraints (also as a
 * scope, for what takes no flags), __GFP_NORETRY and __GFP_NOWARN.
 *
 * CONTEXT: any context for non-blocking @gfp; process context otherwise.
 * RETURNS: the chunk holding the new area, or NULL.
 */
struct pcpu_alt_chunk *pcpu_alt_chunk_alloc(int bits, int align_bits,
					    gfp_t gfp, unsigned long caller,
					    int *start,
					    enum pcpu_alt_fail_reason *reason,
					    const char **why)
{
	struct room_taker t = {
		.bits = bits, .align_bits = align_bits, .caller = caller,
	};
	struct reclaim_scope scope;
	enum find_result res;
	bool ok;

	if (gfpflags_allow_blocking(gfp)) {
		reclaim_scope_enter(&scope, gfp);
		ok = alloc_blocking(&t, gfp, reason, why);
		reclaim_scope_exit(&scope);
	} else {
		/* Populated room is all it may have: wait for a busy chunk. */
		t.how = FIND_POPULATED;
		t.wait = true;
		res = find_room(&t);
		ok = res == FOUND;
		*reason = res == FOUND_BUSY ? PCPU_ALT_FAIL_BUSY :
					      PCPU_ALT_FAIL_NO_POPULATED;
		*why = res == FOUND_BUSY ?
		       "populated room busy: the chunks holding it kept moving" :
		       "no populated room for a non-blocking allocation";
	}
	*start = t.start;
	return ok ? t.chunk : NULL;
}

/* ---- lookups ---- */

/**
 * pcpu_alt_lookup_rcu() - find the chunk of a pointer without a lock
 * @ptr: the pointer
 * @chunk: set to its chunk
 * @offset: set to @ptr's byte offset in the chunk's units
 *
 * CONTEXT: rcu_read_lock() held, IRQs off.
 * RETURNS: true when @ptr lies in a live chunk.
 */
bool pcpu_alt_lookup_rcu(const void __percpu *ptr,
			 struct pcpu_alt_chunk **chunk, unsigned long *offset)
{
	unsigned long addr = (__force unsigned long)ptr + pcpu_alt_layout.bias;
	struct lookup_memo *memo = this_cpu_ptr(&lookup_memo);
	struct pcpu_alt_chunk *c;
	unsigned long gen;

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
	*offset = addr - (unsigned long)c->base;
	*chunk = c;
	return true;
}

/**
 * pcpu_alt_area_bits_racy() - size of the area at a bit, without the lock
 * @chunk: the chunk
 * @start: the bit
 *
 * While an area is live its own alloc and boundary bits never change, so
 * they can be read while others allocate and free around it; a bit that
 * is not the start of a live area may read as anything, and only a locked
 * path (or a claim, see "Cached areas") can tell.
 *
 * RETURNS: the size in bits, or a negative number.
 */
int pcpu_alt_area_bits_racy(const struct pcpu_alt_chunk *chunk, int start)
{
	/* Others change neighbouring bits of these words under the lock. */
	return data_race(pcpu_alt_map_size_at(&chunk->map, start));
}

/*
 * Call @fn with the chunk holding @ptr's address locked and @ptr's offset
 * in it.  Returns @fn's result, or -ENOENT when @ptr is in no live chunk.
 * The lookup goes through this CPU's memo, as the fast path's does.
 */
static int with_chunk_of(const void __percpu *ptr,
			 int (*fn)(struct pcpu_alt_chunk *chunk,
				   unsigned long offset, void *arg),
			 void *arg)
{
	struct pcpu_alt_chunk *chunk;
	unsigned long irq, offset;
	int ret = -ENOENT;

	local_irq_save(irq);
	rcu_read_lock();
	if (pcpu_alt_lookup_rcu(ptr, &chunk, &offset)) {
		spin_lock(&chunk->lock);
		if (!chunk->isolated)
			ret = fn(chunk, offset, arg);
		spin_unlock(&chunk->lock);
	}
	rcu_read_unlock();
	local_irq_restore(irq);
	return ret;
}

/* Is the area at @start sitting in a per-CPU cache?  Lock held. */
static bool area_cached(const struct pcpu_alt_chunk *chunk, int start)
{
	return chunk->cached && start < chunk->map.nr_bits &&
	       test_bit(start, chunk->cached);
}

/* What a free found, for its caller's report. */
struct free_result {
	int id;
	unsigned long offset;
};

static int free_locked(struct pcpu_alt_chunk *chunk, unsigned long offset,
		       void *arg)
{
	struct free_result *r = arg;
	int start = offset / PCPU_ALT_MIN_ALLOC;

	r->id = chunk->id;
	r->offset = offset;
	if (offset % PCPU_ALT_MIN_ALLOC || area_cached(chunk, start))
		return -EINVAL;
	return chunk_give_one(chunk, start, GIVE_FREE);
}

/**
 * pcpu_alt_chunk_free() - give a slow-path area back to its chunk
 * @ptr: the pointer
 * @caller: the free's call site
 * @id: set to the chunk's id, or -1 when @ptr is not ours
 * @offset: set to @ptr's offset in the chunk's units
 *
 * Takes only the lock of @ptr's chunk.
 *
 * CONTEXT: any.
 * RETURNS: bits freed, -ENOENT when @ptr is not a pcpu_alt pointer, or
 * -EINVAL for a double free, an interior pointer or an area that sits in a
 * per-CPU cache (nothing changed).
 */
int pcpu_alt_chunk_free(const void __percpu *ptr, unsigned long caller,
			int *id, unsigned long *offset)
{
	struct free_result r = { .id = -1 };
	int bits = with_chunk_of(ptr, free_locked, &r);

	*id = r.id;
	*offset = r.offset;
	if (bits >= 0)
		trace_pcpu_alt_free(caller, r.id, r.offset,
				    bits * PCPU_ALT_MIN_ALLOC);
	return bits;
}

/* ---- the per-CPU caches' side ---- */

/**
 * pcpu_alt_chunk_take_cached() - take areas for a per-CPU cache
 * @bits: size in bits
 * @align_bits: alignment in bits
 * @want: at most this many
 * @caller: recorded as their caller
 * @areas: receives them
 *
 * All come from one chunk, in populated space, under that chunk's lock;
 * each has its cached bit set.
 *
 * CONTEXT: any (IRQs off or on).
 * RETURNS: how many areas were taken.
 */
int pcpu_alt_chunk_take_cached(int bits, int align_bits, int want,
			       unsigned long caller,
			       struct pcpu_alt_area *areas)
{
	struct room_taker t = {
		.bits = bits, .align_bits = align_bits, .how = FIND_CACHED,
		.caller = caller, .areas = areas, .want = want,
	};

	return want > 0 && find_room(&t) == FOUND ? t.got : 0;
}

/* Areas of a drain given back with one map update at most. */
#define PCPU_ALT_GIVE_BATCH	32

/* For sort(): by chunk, then by place in it. */
static int cmp_area(const void *a, const void *b)
{
	const struct pcpu_alt_area *x = a, *y = b;

	if (x->chunk != y->chunk)
		return x->chunk < y->chunk ? -1 : 1;
	return x->start - y->start;
}

/*
 * Empty populated pages among those under the @n areas of @starts and
 * @ends (increasing), each page counted once.  chunk->lock held.
 */
static int count_empty_under(const struct pcpu_alt_chunk *chunk,
			     const int *starts, const int *ends, int n)
{
	int i, first, last, counted = -1, empty = 0;

	for (i = 0; i < n; i++) {
		first = max(starts[i] / PCPU_ALT_BLOCK_BITS, counted + 1);
		last = (ends[i] - 1) / PCPU_ALT_BLOCK_BITS;
		if (first > last)
			continue;
		empty += count_empty_pop(chunk, first, last);
		counted = last;
	}
	return empty;
}

/*
 * Release the cached bits of @n areas (increasing @starts), back in the
 * map already: one atomic per bitmap word, fully ordered, so that a fast
 * free claiming one of them sees the map as the drain left it (pairs with
 * its test_and_set_bit()).  chunk->lock held.
 */
static void release_claims(struct pcpu_alt_chunk *chunk, const int *starts,
			   int n)
{
	unsigned long mask;
	int i, j;

	for (i = 0; i < n; i = j) {
		mask = 0;
		for (j = i; j < n && BIT_WORD(starts[j]) == BIT_WORD(starts[i]);
		     j++)
			mask |= BIT_MASK(starts[j]);
		set_mask_bits(chunk->cached + BIT_WORD(starts[i]), mask, 0);
	}
}

/*
 * Give back @n (at most PCPU_ALT_GIVE_BATCH) cached areas of @chunk, in
 * increasing order: one map update for those back to back, one count of
 * the pages they touch, one move between lists.  chunk->lock held.
 */
static void chunk_give_cached_locked(struct pcpu_alt_chunk *chunk,
				     const struct pcpu_alt_area *areas, int n)
{
	int starts[PCPU_ALT_GIVE_BATCH], ends[PCPU_ALT_GIVE_BATCH];
	int i, before, bits;

	lockdep_assert_held(&chunk->lock);
	for (i = 0; i < n; i++) {
		starts[i] = areas[i].start;
		ends[i] = starts[i] + pcpu_alt_map_size_at(&chunk->map,
							   starts[i]);
	}
	before = count_empty_under(chunk, starts, ends, n);
	chunk_changed(chunk);
	bits = pcpu_alt_map_free_many(&chunk->map, starts, n);
	if (WARN_ON_ONCE(bits < 0))
		return;		/* a cache held an area it did not own */
	for (i = 0; i < n; i++)
		/* Once per free run: areas back to back share it. */
		if (!i || starts[i] != ends[i - 1])
			chunk_raise_pop_contig(chunk, starts[i]);
	release_claims(chunk, starts, n);
	i = count_empty_under(chunk, starts, ends, n) - before;
	if (i) {
		chunk->nr_empty_pop += i;
		atomic_add(i, &nr_empty_pop_pages);
	}
	chunk_relocate(chunk);
	this_cpu_add(traffic.cache_gives, n);
	this_cpu_sub(traffic.live_bits, bits);
	/* Counted once per batch, as in count_taken(). */
	atomic64_sub(n, &live_areas);
}

/**
 * pcpu_alt_chunk_give_cached() - give areas a per-CPU cache held back
 * @areas: the areas; sorted here, by chunk and place
 * @n: how many
 *
 * Each chunk's areas go back in one section under its lock, with one map
 * update for those that lie back to back and one hint update per block
 * touched; each goes back to its map before its cached bit is released
 * (see "Cached areas").
 *
 * CONTEXT: any.
 */
void pcpu_alt_chunk_give_cached(struct pcpu_alt_area *areas, int n)
{
	struct pcpu_alt_chunk *chunk;
	unsigned long irq;
	int i, j, k;

	sort(areas, n, sizeof(*areas), cmp_area, NULL);
	for (i = 0; i < n; i = j) {
		chunk = areas[i].chunk;
		for (j = i; j < n && areas[j].chunk == chunk; j++)
			;
		spin_lock_irqsave(&chunk->lock, irq);
		for (k = i; k < j; k += PCPU_ALT_GIVE_BATCH)
			chunk_give_cached_locked(chunk, areas + k,
						 min(j - k,
						     PCPU_ALT_GIVE_BATCH));
		spin_unlock_irqrestore(&chunk->lock, irq);
	}
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
	/* The refill recorded its own caller; the area is ours to write. */
	chunk->sites[start] = pcpu_alt_site_id(caller);
}

/* ---- the background work's side (pcpu_alt_mutex held) ---- */

/*
 * The emptiest chunk with empty populated pages, or the fullest one with
 * an unpopulated page (@fullest).  Stays valid: only pcpu_alt_mutex
 * holders destroy chunks.
 */
static struct pcpu_alt_chunk *pick_chunk(bool fullest)
{
	int pages = pcpu_alt_layout.unit_pages, slot, step = fullest ? 1 : -1;
	struct pcpu_alt_chunk *chunk, *found = NULL;

	spin_lock_irq(&pcpu_alt_slots_lock);
	for (slot = fullest ? 0 : pcpu_alt_free_slot();
	     slot >= 0 && slot < pcpu_alt_nr_slots && !found; slot += step) {
		list_for_each_entry(chunk, &pcpu_alt_slots[slot], list) {
			/* A hint: the work checks again under the lock. */
			if (fullest ? chunk->nr_populated < pages :
				      /* as just said */
				      data_race(chunk->nr_empty_pop) > 0) {
				found = chunk;
				break;
			}
		}
	}
	spin_unlock_irq(&pcpu_alt_slots_lock);
	return found;
}

/**
 * pcpu_alt_chunks_depopulate_step() - give back empty pages of one chunk
 * @max: at most this many page indexes
 *
 * From the emptiest chunk that has some.  The pages are marked
 * unpopulated under the chunk's lock before they are unmapped, so no
 * allocation can land in them meanwhile: a non-blocking one skips them, a
 * blocking one waits for the mutex to back them again.
 *
 * CONTEXT: process context; pcpu_alt_mutex held (one step: the caller
 * may let others have the mutex between steps).
 * RETURNS: how many were given back (0: nothing to give), or -ENOMEM.
 */
int pcpu_alt_chunks_depopulate_step(int max)
{
	int pages = pcpu_alt_layout.unit_pages, page, n = 0;
	struct pcpu_alt_chunk *chunk;
	unsigned long *batch;

	lockdep_assert_held(&pcpu_alt_mutex);
	chunk = pick_chunk(false);
	if (!chunk || max <= 0)
		return 0;
	batch = bitmap_zalloc(pages, GFP_KERNEL);
	if (!batch)
		return -ENOMEM;
	spin_lock_irq(&chunk->lock);
	for_each_set_bit(page, chunk->populated, pages) {
		if (n == max)
			break;
		if (!pcpu_alt_block_empty(&chunk->map.blocks[page]))
			continue;
		__set_bit(page, batch);
		n++;
	}
	if (n)
		chunk_changed(chunk);
	for_each_set_bit(page, batch, pages)
		__clear_bit(page, chunk->populated);
	chunk->nr_populated -= n;
	chunk->nr_empty_pop -= n;
	if (n)
		chunk_refresh_pop_contig(chunk);
	atomic_sub(n, &nr_empty_pop_pages);
	counter_add(&counters.nr_populated_pages, -n);
	counter_add64(&counters.nr_pages_depopulated, n);
	spin_unlock_irq(&chunk->lock);
	if (n) {
		trace_pcpu_alt_depopulate(chunk->id, n);
		pcpu_alt_region_depopulate(chunk->base, batch, pages);
	}
	bitmap_free(batch);
	return n;
}

/**
 * pcpu_alt_chunks_populate_one() - back one more page for the reserve
 * @gfp: allocation flags
 *
 * In the fullest chunk that has an unpopulated page; a new chunk when none
 * has.
 *
 * CONTEXT: process context; pcpu_alt_mutex held.
 * RETURNS: 0 or a negative errno.
 */
int pcpu_alt_chunks_populate_one(gfp_t gfp)
{
	int pages = pcpu_alt_layout.unit_pages, page;
	struct pcpu_alt_chunk *chunk;
	const char *why;

	lockdep_assert_held(&pcpu_alt_mutex);
	chunk = pick_chunk(true);
	if (!chunk)
		return pcpu_alt_chunk_create(gfp, &why) ? 0 : -ENOMEM;
	/* The mutex keeps @populated still. */
	page = find_first_zero_bit(chunk->populated, pages);
	return chunk_populate_page(chunk, page, gfp);
}

/* ---- introspection ---- */

static int info_locked(struct pcpu_alt_chunk *chunk, unsigned long offset,
		       void *arg)
{
	struct pcpu_alt_ptr_info *info = arg;
	int bits;

	if (offset % PCPU_ALT_MIN_ALLOC)
		return -ENOENT;
	bits = pcpu_alt_map_size_at(&chunk->map, offset / PCPU_ALT_MIN_ALLOC);
	if (bits < 0)
		return -ENOENT;
	info->chunk_id = chunk->id;
	info->offset = offset;
	info->size = bits * PCPU_ALT_MIN_ALLOC;
	info->slot = chunk->slot;
	return 0;
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
	return with_chunk_of(ptr, info_locked, info);
}

/* Every CPU's map traffic added up (racy while areas move). */
static void traffic_sum(struct map_traffic *sum)
{
	unsigned int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct map_traffic *t = per_cpu_ptr(&traffic, cpu);

		sum->slow_allocs += READ_ONCE(t->slow_allocs);
		sum->slow_frees += READ_ONCE(t->slow_frees);
		sum->cache_takes += READ_ONCE(t->cache_takes);
		sum->cache_gives += READ_ONCE(t->cache_gives);
		sum->rollbacks += READ_ONCE(t->rollbacks);
		sum->live_bits += READ_ONCE(t->live_bits);
	}
}

/* Sum of the monotonic map-traffic counters (see their comment). */
static u64 traffic_total(void)
{
	struct map_traffic t;

	traffic_sum(&t);
	return t.slow_allocs + t.slow_frees + t.cache_takes + t.cache_gives +
	       t.rollbacks;
}

/*
 * Does populated page @page of @chunk hold allocations, all of them
 * sitting in per-CPU caches?  Walks the page's allocations (one that began
 * on an earlier page included) and stops at the first live one.
 * chunk->lock held.
 */
static bool page_cached_only(const struct pcpu_alt_chunk *chunk, int page)
{
	const struct pcpu_alt_map *map = &chunk->map;
	int first = page * PCPU_ALT_BLOCK_BITS;
	int end = first + PCPU_ALT_BLOCK_BITS, start;

	start = find_next_bit(map->alloc_map, end, first);
	if (start >= end)
		return false;	/* empty: counted already */
	/* Inside an allocation, its start is the last bound before. */
	if (!test_bit(start, map->bound_map))
		start = find_last_bit(map->bound_map, start);
	for (; start < end; start = pcpu_alt_map_next_alloc(map, start + 1))
		if (!test_bit(start, chunk->cached))
			return false;
	return true;
}

/*
 * Populated pages whose every allocation sits in a per-CPU cache: empty to
 * users (stats), not to the reserve, which cannot hand them out.  One
 * chunk locked at a time; in each, the walk of a page stops at its first
 * live allocation.
 */
static unsigned int cached_only_pages(void)
{
	struct pcpu_alt_chunk *chunk;
	unsigned int n = 0;
	unsigned long id, irq;
	int page;

	rcu_read_lock();
	xa_for_each(&pcpu_alt_ids, id, chunk) {
		/* Set when the chunk is made, never changed. */
		if (!chunk->cached)
			continue;
		spin_lock_irqsave(&chunk->lock, irq);
		for_each_set_bit(page, chunk->populated, chunk->map.nr_blocks)
			if (!chunk->isolated && chunk->cached &&
			    page_cached_only(chunk, page))
				n++;
		spin_unlock_irqrestore(&chunk->lock, irq);
	}
	rcu_read_unlock();
	return n;
}

/**
 * pcpu_alt_chunks_stats() - copy the chunk layer's counters
 * @st: receives them; fields the chunk layer does not keep are left alone
 *
 * nr_allocs and nr_frees count the slow path only; the caller adds the
 * caches' own traffic.  Areas in caches count as live here.
 *
 * CONTEXT: any.
 */
void pcpu_alt_chunks_stats(struct pcpu_alt_stats *st)
{
	struct map_traffic t;

	traffic_sum(&t);
	/* A rolled-back allocation was never the caller's. */
	st->nr_allocs = t.slow_allocs - t.rollbacks;
	st->nr_frees = t.slow_frees;
	st->nr_live = atomic64_read(&live_areas);
	st->nr_max_live = atomic64_read(&max_live_areas);
	st->live_bytes = max_t(s64, t.live_bits, 0) * PCPU_ALT_MIN_ALLOC;
	st->min_alloc_bytes = (u64)atomic_read(&min_area_bits) *
			      PCPU_ALT_MIN_ALLOC;
	st->max_alloc_bytes = (u64)atomic_read(&max_area_bits) *
			      PCPU_ALT_MIN_ALLOC;
	st->nr_empty_pop_pages = atomic_read(&nr_empty_pop_pages) +
				 cached_only_pages();
	st->nr_chunks = READ_ONCE(counters.nr_chunks);
	st->nr_max_chunks = READ_ONCE(counters.nr_max_chunks);
	st->nr_populated_pages = READ_ONCE(counters.nr_populated_pages);
	st->meta_bytes = READ_ONCE(counters.meta_bytes);
	st->nr_chunks_created = READ_ONCE(counters.nr_chunks_created);
	st->nr_chunks_destroyed = READ_ONCE(counters.nr_chunks_destroyed);
	st->nr_pages_populated = READ_ONCE(counters.nr_pages_populated);
	st->nr_pages_depopulated = READ_ONCE(counters.nr_pages_depopulated);
	st->nr_balance_runs = READ_ONCE(counters.nr_balance_runs);
	st->km_backend = pcpu_alt_km_backend;
	st->site_meta_bytes = st->nr_chunks * chunk_sites_bytes() +
			      pcpu_alt_sites_meta_bytes();
	st->nr_sites = pcpu_alt_sites_used(&st->nr_site_overflows);
}

/**
 * pcpu_alt_chunks_order() - slot lists and the chunks on them, in order
 * @slot_of: receives each entry's slot
 * @ids: receives each entry's chunk id, or -1 for a slot's header entry
 * @cap: room in both arrays
 *
 * One section under pcpu_alt_slots_lock: a consistent order.
 *
 * CONTEXT: any.
 * RETURNS: entries written, or -ENOSPC when @cap is too small (call again
 * with more room).
 */
int pcpu_alt_chunks_order(int *slot_of, int *ids, int cap)
{
	struct pcpu_alt_chunk *chunk;
	unsigned long irq;
	int slot, n = 0;

	spin_lock_irqsave(&pcpu_alt_slots_lock, irq);
	for (slot = 0; slot < pcpu_alt_nr_slots; slot++) {
		if (n == cap)
			goto full;
		slot_of[n] = slot;
		ids[n++] = -1;
		list_for_each_entry(chunk, &pcpu_alt_slots[slot], list) {
			if (n == cap)
				goto full;
			slot_of[n] = slot;
			ids[n++] = chunk->id;
		}
	}
	spin_unlock_irqrestore(&pcpu_alt_slots_lock, irq);
	return n;
full:
	spin_unlock_irqrestore(&pcpu_alt_slots_lock, irq);
	return -ENOSPC;
}

/**
 * pcpu_alt_chunk_copy_init() - allocate the buffers of a chunk copy
 * @c: the copy
 *
 * CONTEXT: process context.
 * RETURNS: 0 or -ENOMEM.
 */
int pcpu_alt_chunk_copy_init(struct pcpu_alt_chunk_copy *c)
{
	int pages = pcpu_alt_layout.unit_pages;
	int nr_bits = pages * PCPU_ALT_BLOCK_BITS;

	memset(c, 0, sizeof(*c));
	c->map.nr_bits = nr_bits;
	c->map.nr_blocks = pages;
	c->map.alloc_map = bitmap_zalloc(nr_bits, GFP_KERNEL);
	c->map.bound_map = bitmap_zalloc(nr_bits + 1, GFP_KERNEL);
	c->map.blocks = kvcalloc(pages, sizeof(*c->map.blocks), GFP_KERNEL);
	c->populated = bitmap_zalloc(pages, GFP_KERNEL);
	c->cached = bitmap_zalloc(nr_bits, GFP_KERNEL);
	c->sites = kvzalloc(nr_bits, GFP_KERNEL);
	if (!c->map.alloc_map || !c->map.bound_map || !c->map.blocks ||
	    !c->populated || !c->cached || !c->sites) {
		pcpu_alt_chunk_copy_destroy(c);
		return -ENOMEM;
	}
	return 0;
}

/**
 * pcpu_alt_chunk_copy_destroy() - free the buffers of a chunk copy
 * @c: the copy
 */
void pcpu_alt_chunk_copy_destroy(struct pcpu_alt_chunk_copy *c)
{
	bitmap_free(c->map.alloc_map);
	bitmap_free(c->map.bound_map);
	kvfree(c->map.blocks);
	bitmap_free(c->populated);
	bitmap_free(c->cached);
	kvfree(c->sites);
	memset(c, 0, sizeof(*c));
}

/*
 * The chunk with id @id (and whether it is the spare), or NULL: one index
 * lookup, and a look at the head of the free list.  Call under
 * rcu_read_lock(): the chunk may be isolated and freed after a grace
 * period; check ->isolated under its lock.
 */
static struct pcpu_alt_chunk *chunk_by_id(int id, bool *spare)
{
	struct list_head *free_list = &pcpu_alt_slots[pcpu_alt_free_slot()];
	struct pcpu_alt_chunk *chunk = xa_load(&pcpu_alt_ids, id);
	unsigned long irq;

	*spare = false;
	if (!chunk)
		return NULL;
	spin_lock_irqsave(&pcpu_alt_slots_lock, irq);
	*spare = !list_empty(free_list) &&
		 list_first_entry(free_list, struct pcpu_alt_chunk,
				  list) == chunk;
	spin_unlock_irqrestore(&pcpu_alt_slots_lock, irq);
	return chunk;
}

/*
 * A chunk copy takes this many pages of the map (bitmaps, hint blocks,
 * call site ids, cached bits) per locked section: about 4.5 KiB, a
 * bounded time with IRQs off whatever the unit size (units of at least
 * 32 KiB are at least two sections).
 */
#define PCPU_ALT_COPY_PAGES	4
/* Copies of a chunk that keeps changing before the last one is kept torn. */
#define PCPU_ALT_COPY_TRIES	4

/* The chunk-wide part of a copy: hints, counters, populated pages. */
static void copy_head(const struct pcpu_alt_chunk *chunk,
		      struct pcpu_alt_chunk_copy *c)
{
	unsigned long *alloc_map = c->map.alloc_map;
	unsigned long *bound_map = c->map.bound_map;
	struct pcpu_alt_block *blocks = c->map.blocks;

	c->map = chunk->map;
	c->map.alloc_map = alloc_map;
	c->map.bound_map = bound_map;
	c->map.blocks = blocks;
	bitmap_copy(c->populated, chunk->populated, c->map.nr_blocks);
	c->has_cached = chunk->cached;
	c->id = chunk->id;
	c->slot = chunk->slot;
	c->nr_populated = chunk->nr_populated;
	c->nr_empty_pop = chunk->nr_empty_pop;
}

/* Pages [first, end) of the map; end == nr_blocks takes the last bound. */
static void copy_pages(const struct pcpu_alt_chunk *chunk,
		       struct pcpu_alt_chunk_copy *c, int first, int end)
{
	/* A page of bits is a whole number of words. */
	size_t w0 = BITS_TO_LONGS(first * PCPU_ALT_BLOCK_BITS);
	size_t w1 = BITS_TO_LONGS(end * PCPU_ALT_BLOCK_BITS);
	size_t b0 = first * PCPU_ALT_BLOCK_BITS;
	size_t b1 = end * PCPU_ALT_BLOCK_BITS;
	size_t wb1 = end == c->map.nr_blocks ?
		     BITS_TO_LONGS(c->map.nr_bits + 1) : w1;

	memcpy(c->map.alloc_map + w0, chunk->map.alloc_map + w0,
	       (w1 - w0) * sizeof(long));
	memcpy(c->map.bound_map + w0, chunk->map.bound_map + w0,
	       (wb1 - w0) * sizeof(long));
	memcpy(c->map.blocks + first, chunk->map.blocks + first,
	       (end - first) * sizeof(*c->map.blocks));
	memcpy(c->sites + b0, chunk->sites + b0, b1 - b0);
	if (chunk->cached)
		memcpy(c->cached + w0, chunk->cached + w0,
		       (w1 - w0) * sizeof(long));
}

/* How one try at copying a chunk went. */
enum copy_try { COPY_WHOLE, COPY_TORN, COPY_GONE };

/*
 * One try: the chunk in sections of PCPU_ALT_COPY_PAGES pages, each under
 * its lock with IRQs off.  Whole if no change came between the first
 * section and the last.  RCU read lock held (the chunk is not freed).
 */
static enum copy_try copy_try(struct pcpu_alt_chunk *chunk,
			      struct pcpu_alt_chunk_copy *c)
{
	int pages = c->map.nr_blocks, first, end;
	unsigned long irq, changes = 0;
	bool torn = false, gone;

	for (first = 0; first < pages; first = end) {
		end = min(first + PCPU_ALT_COPY_PAGES, pages);
		if (first)
			pcpu_alt_test_point(PCPU_ALT_TEST_COPY_GAP,
					    pcpu_alt_chunk_ptr(chunk, 0));
		spin_lock_irqsave(&chunk->lock, irq);
		gone = chunk->isolated;
		if (!gone) {
			if (!first) {
				copy_head(chunk, c);
				changes = chunk->changes;
			}
			torn |= chunk->changes != changes;
			copy_pages(chunk, c, first, end);
		}
		spin_unlock_irqrestore(&chunk->lock, irq);
		if (gone)
			return COPY_GONE;
	}
	return torn ? COPY_TORN : COPY_WHOLE;
}

/**
 * pcpu_alt_chunk_copy() - copy chunk @id, a few pages per locked section
 * @id: the chunk id
 * @c: a copy set up by pcpu_alt_chunk_copy_init()
 *
 * Each section holds the chunk's lock with IRQs off for a bounded copy
 * (PCPU_ALT_COPY_PAGES pages of the map), whatever the unit size; IRQs
 * are on between sections.  A chunk that changed between the first
 * section and the last is copied again, PCPU_ALT_COPY_TRIES times at
 * most; @c->whole tells whether the copy is one snapshot.
 *
 * CONTEXT: process context.
 * RETURNS: true if the chunk was found.
 */
bool pcpu_alt_chunk_copy(int id, struct pcpu_alt_chunk_copy *c)
{
	enum copy_try res = COPY_GONE;
	struct pcpu_alt_chunk *chunk;
	bool spare;
	int try;

	rcu_read_lock();
	chunk = chunk_by_id(id, &spare);
	for (try = 0; chunk && try < PCPU_ALT_COPY_TRIES; try++) {
		res = copy_try(chunk, c);
		if (res != COPY_TORN)
			break;
	}
	rcu_read_unlock();
	c->spare = spare;
	c->whole = res == COPY_WHOLE;
	return chunk && res != COPY_GONE;
}

/**
 * pcpu_alt_chunk_copy_check() - check a chunk copy against its bitmaps
 * @c: the copy
 * @report: called for each disagreement (may be NULL)
 * @arg: passed to @report
 *
 * The map's own checker, plus the page counters, the slot and the rule
 * that a cached bit marks the start of an allocation.  A copy that is not
 * one snapshot (@c->whole false) is checked page by page only: each
 * page's bits and hints were copied together.
 *
 * RETURNS: the number of disagreements.
 */
int pcpu_alt_chunk_copy_check(const struct pcpu_alt_chunk_copy *c,
			      pcpu_alt_report_fn report, void *arg)
{
	int pages = c->map.nr_blocks, errors, nr_pop, empty = 0, page, bit;
	int slot = pcpu_alt_map_slot(&c->map, pcpu_alt_free_slot());

	/* Pages copied at different times: each one still holds. */
	if (!c->whole)
		return pcpu_alt_map_check_blocks(&c->map, report, arg);
	errors = pcpu_alt_map_check(&c->map, report, arg);
	nr_pop = bitmap_weight(c->populated, pages);
	for_each_set_bit(page, c->populated, pages)
		empty += pcpu_alt_block_empty(&c->map.blocks[page]);
	if (nr_pop != c->nr_populated && ++errors && report)
		report(arg, "nr_populated", 0, nr_pop, c->nr_populated);
	if (empty != c->nr_empty_pop && ++errors && report)
		report(arg, "nr_empty_pop", 0, empty, c->nr_empty_pop);
	if (slot != c->slot && ++errors && report)
		report(arg, "slot", 0, slot, c->slot);
	if (!c->has_cached)
		return errors;
	for_each_set_bit(bit, c->cached, c->map.nr_bits) {
		if (pcpu_alt_map_size_at(&c->map, bit) < 0 && ++errors &&
		    report)
			report(arg, "cached bit off an allocation", bit, 0, 1);
	}
	return errors;
}

static void verify_report(void *arg, const char *what, int where,
			  int expected, int found)
{
	const struct pcpu_alt_chunk_copy *c = arg;

	pr_err_ratelimited("verify: chunk %d: %s at bit %d: expected %d, found %d\n",
			   c->id, what, where, expected, found);
}

/**
 * pcpu_alt_chunk_ids() - ids of every chunk in list order
 * @nr: set to the number of entries (slot headers are -1)
 *
 * CONTEXT: process context.
 * RETURNS: a kvmalloc()ed array for the caller to kvfree(), or NULL.
 */
int *pcpu_alt_chunk_ids(int *nr)
{
	int *ids, *slots, n = 16;

	for (;;) {
		ids = kvmalloc_array(n, sizeof(*ids), GFP_KERNEL);
		slots = kvmalloc_array(n, sizeof(*slots), GFP_KERNEL);
		if (!ids || !slots) {
			kvfree(ids);
			kvfree(slots);
			return NULL;
		}
		*nr = pcpu_alt_chunks_order(slots, ids, n);
		kvfree(slots);
		if (*nr >= 0)
			return ids;
		kvfree(ids);
		n *= 2;
	}
}

/* What verify sums over the chunks, to hold against the counters. */
struct verify_totals {
	u64 live;
	unsigned int populated;
	unsigned int empty;
	unsigned int chunks;
	unsigned int free_chunks;
	unsigned int torn;
};

/*
 * Check every chunk, one copy at a time (rescheduling between), and sum
 * @t.  Returns the disagreements inside chunks.
 */
static int verify_chunks(struct pcpu_alt_chunk_copy *c,
			 struct verify_totals *t)
{
	int *ids, nr, i, errors = 0;

	memset(t, 0, sizeof(*t));
	ids = pcpu_alt_chunk_ids(&nr);
	if (!ids)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		if (ids[i] < 0 || !pcpu_alt_chunk_copy(ids[i], c))
			continue;
		/* Changed all along while copied: as if areas moved. */
		t->torn += !c->whole;
		errors += pcpu_alt_chunk_copy_check(c, verify_report, c);
		t->live += c->map.nr_allocs;
		t->populated += c->nr_populated;
		t->empty += c->nr_empty_pop;
		t->chunks++;
		t->free_chunks += c->slot == pcpu_alt_free_slot();
		pcpu_alt_test_point(PCPU_ALT_TEST_VERIFY_CHUNK, NULL);
		cond_resched();
	}
	kvfree(ids);
	return errors;
}

/* Passes verify makes while the counters keep moving under it. */
#define PCPU_ALT_VERIFY_PASSES	4

/**
 * pcpu_alt_chunks_verify() - check every chunk against its bitmaps
 *
 * Recomputes every hint and counter of each chunk from a copy of its
 * bitmaps, and reports each disagreement to the kernel log.  The global
 * counters are held against the sums over the chunks only when no area
 * moved while the chunks were read (chunk creation and page population
 * are held off with pcpu_alt_mutex); the per-CPU caches should be drained
 * first, since cached areas look allocated.
 *
 * CONTEXT: process context, may sleep.
 * RETURNS: the number of disagreements (0 = consistent), or -ENOMEM.
 */
int pcpu_alt_chunks_verify(void)
{
	struct pcpu_alt_chunk_copy c;
	struct verify_totals t;
	int pass, errors = 0;
	u64 moved, live;

	if (pcpu_alt_chunk_copy_init(&c))
		return -ENOMEM;
	pcpu_alt_lock();
	for (pass = 0; pass < PCPU_ALT_VERIFY_PASSES; pass++) {
		moved = traffic_total();
		errors = verify_chunks(&c, &t);
		if (errors || (moved == traffic_total() && !t.torn))
			break;
	}
	if (errors < 0) {
		pcpu_alt_unlock();
		pcpu_alt_chunk_copy_destroy(&c);
		return errors;
	}
	live = atomic64_read(&live_areas);
	if (t.torn)
		pr_info("verify: %u chunk(s) changed while copied, every time: checked page by page only\n",
			t.torn);
	if (!errors && moved == traffic_total() && !t.torn) {
		errors += (t.live != live) +
			  (t.populated != counters.nr_populated_pages) +
			  (t.empty != pcpu_alt_nr_empty_pop_pages()) +
			  (t.chunks != counters.nr_chunks) +
			  (t.free_chunks != pcpu_alt_nr_free_chunks());
		if (errors)
			pr_err("verify: totals live %llu/%llu populated %u/%u empty %u/%u chunks %u/%u free chunks %u/%u\n",
			       t.live, live, t.populated,
			       counters.nr_populated_pages, t.empty,
			       pcpu_alt_nr_empty_pop_pages(), t.chunks,
			       counters.nr_chunks, t.free_chunks,
			       pcpu_alt_nr_free_chunks());
	}
	pcpu_alt_unlock();
	pcpu_alt_chunk_copy_destroy(&c);
	if (errors)
		pr_err("verify: %d disagreement(s)\n", errors);
	return errors;
}

/* Free runs of populated pages of @c: bytes of those shorter than @need. */
static u64 copy_frag(const struct pcpu_alt_chunk_copy *c, u64 need)
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
 * CONTEXT: process context, may sleep.
 * RETURNS: bytes of free runs in populated pages shorter than @min_run,
 * over all chunks (areas in per-CPU caches count as allocated); 0 when
 * memory for the copies runs out.
 */
u64 pcpu_alt_chunks_frag_bytes(size_t min_run)
{
	struct pcpu_alt_chunk_copy c;
	int *ids, nr, i;
	u64 frag = 0;

	if (pcpu_alt_chunk_copy_init(&c))
		return 0;
	ids = pcpu_alt_chunk_ids(&nr);
	for (i = 0; ids && i < nr; i++) {
		if (ids[i] >= 0 && pcpu_alt_chunk_copy(ids[i], &c))
			frag += copy_frag(&c, min_run);
		cond_resched();
	}
	kvfree(ids);
	pcpu_alt_chunk_copy_destroy(&c);
	return frag;
}

/* ---- load and unload ---- */

/* Leaked areas of one call site, for the unload report. */
struct leak_site {
	u64 count;
	u64 bytes;
};

/* Nothing allocates or frees any more: no locks needed. */
static void report_leaks(void)
{
	char name[PCPU_ALT_SITE_TEXT_LEN];
	struct pcpu_alt_chunk *chunk;
	struct leak_site *sites;
	struct map_traffic t;
	int slot, start, bits;
	unsigned int id;

	if (!atomic64_read(&live_areas))
		return;
	traffic_sum(&t);
	pr_warn("unload with %lld live allocation(s), %lld bytes per CPU; releasing them\n",
		atomic64_read(&live_areas), t.live_bits * PCPU_ALT_MIN_ALLOC);
	sites = kcalloc(PCPU_ALT_SITE_OTHER + 1, sizeof(*sites), GFP_KERNEL);
	if (!sites)
		return;
	for (slot = 0; slot < pcpu_alt_nr_slots; slot++) {
		list_for_each_entry(chunk, &pcpu_alt_slots[slot], list) {
			for (start = pcpu_alt_map_next_alloc(&chunk->map, 0);
			     start < chunk->map.nr_bits;
			     start = pcpu_alt_map_next_alloc(&chunk->map,
							     start + 1)) {
				bits = pcpu_alt_map_size_at(&chunk->map, start);
				sites[chunk->sites[start]].count++;
				sites[chunk->sites[start]].bytes +=
					bits * PCPU_ALT_MIN_ALLOC;
			}
		}
	}
	for (id = 0; id <= PCPU_ALT_SITE_OTHER; id++) {
		if (!sites[id].count)
			continue;
		if (pcpu_alt_site_addr(id)) {
			pcpu_alt_site_format(id, name, sizeof(name));
			pr_warn("  %llu allocation(s), %llu bytes per CPU, from %s\n",
				sites[id].count, sites[id].bytes, name);
		} else {
			pr_warn("  %llu allocation(s), %llu bytes per CPU, from call sites beyond the table\n",
				sites[id].count, sites[id].bytes);
		}
	}
	kfree(sites);
}

static void destroy_all_chunks(void)
{
	struct pcpu_alt_chunk *chunk, *next;
	LIST_HEAD(doomed);
	int slot;

	pcpu_alt_lock();
	for (slot = 0; slot < pcpu_alt_nr_slots; slot++) {
		list_for_each_entry_safe(chunk, next, &pcpu_alt_slots[slot],
					 list) {
			spin_lock_irq(&chunk->lock);
			chunk_doom(chunk, &doomed);
			spin_unlock_irq(&chunk->lock);
			chunk_unindex(chunk, pcpu_alt_layout.unit_pages);
		}
	}
	pcpu_alt_unlock();
	pcpu_alt_chunks_free_doomed(&doomed);
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

	if (track_callers)
		pr_info("track_callers is no longer needed: call sites are always recorded (debugfs callers)\n");
	pcpu_alt_km_backend = km_backend;
	pcpu_alt_nr_slots = fls(pcpu_alt_layout.unit_size) + 2;
	if (!pcpu_alt_fault_inject(GFP_KERNEL))
		pcpu_alt_slots = kcalloc(pcpu_alt_nr_slots,
					 sizeof(*pcpu_alt_slots), GFP_KERNEL);
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
	destroy_all_chunks();
	xa_destroy(&pcpu_alt_index);
	xa_destroy(&pcpu_alt_ids);
	kfree(pcpu_alt_slots);
	pcpu_alt_slots = NULL;
}
