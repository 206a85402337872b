// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt: a second dynamic per-CPU allocator beside mm/percpu.c.
 *
 * The model
 * ---------
 * Memory comes in chunks.  A chunk is a virtual region with one unit per
 * possible CPU (pcpu_alt_region.c); an allocation at offset off of a chunk
 * exists at off in every unit.  Every unit of a chunk has the same layout,
 * so one allocation map per chunk (pcpu_alt_map.c) tells which 4-byte
 * cells are in use, and per-page hint blocks tell where the free space is
 * without scanning the bitmap.
 *
 * This file is the API front: it checks the request, zeroes and traces the
 * area.  An allocation then goes downward, never back up: the per-CPU
 * caches of small areas (the fast path, pcpu_alt_cache.c), then the slot
 * lists, chunk lifecycle and lookup index (pcpu_alt_chunk.c), then one
 * chunk's bitmaps and hints (pcpu_alt_map.c, pure logic) and the virtual
 * regions and their pages (pcpu_alt_region.c).
 *
 * The background work (pcpu_alt_balance.c) keeps a few empty populated
 * pages ready for non-blocking callers, gives back empty pages beyond a
 * high watermark and destroys fully free chunks beyond one spare.  Locking
 * rules are at the top of pcpu_alt_chunk.c and pcpu_alt_cache.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/string.h>

#include "pcpu_alt_internal.h"
#include "pcpu_alt_chunk.h"
#include "pcpu_alt_trace.h"

/* Failed allocations by reason, and refused frees. */
static atomic64_t nr_fails[PCPU_ALT_FAIL_NR];
static atomic64_t nr_bad_frees;
/*
 * Requests that asked for __GFP_ACCOUNT, which pcpu_alt cannot honour
 * (memcg charging is not exported to modules): counted per CPU, summed
 * by stats.
 */
static DEFINE_PER_CPU(u64, nr_accounted);

/*
 * Call sites that had their refused free reported with a WARN: each site
 * warns once, so a caller that double-frees in a loop does not flood the
 * log (every refusal is still counted).  Slots are claimed with cmpxchg;
 * once all are taken, further sites are reported rate-limited.
 */
#define PCPU_ALT_WARNED_SITES	64
static unsigned long warned_sites[PCPU_ALT_WARNED_SITES];

static void alloc_failed(enum pcpu_alt_fail_reason reason, size_t size,
			 size_t align, bool atomic, gfp_t gfp,
			 unsigned long caller, const char *why)
{
	atomic64_inc(&nr_fails[reason]);
	trace_pcpu_alt_alloc_fail(caller, size, align, atomic, reason);
	if (!(gfp & __GFP_NOWARN))
		pr_warn_ratelimited("allocation of %zu bytes align %zu%s from %pS failed: %s\n",
				    size, align, atomic ? " (atomic)" : "",
				    (void *)caller, why);
}

static void __percpu *alloc_caller(size_t size, size_t align, gfp_t gfp,
				   unsigned long caller)
{
	enum pcpu_alt_fail_reason reason;
	struct pcpu_alt_chunk *chunk;
	int bits, align_bits, start;
	void __percpu *ptr;
	const char *why;
	unsigned int cpu;
	bool atomic;

	/* A NOFS/NOIO scope of the caller's counts like its own flags. */
	gfp = current_gfp_context(gfp);
	atomic = !gfpflags_allow_blocking(gfp);
	/*
	 * Said on every call, not only on the rare one that has to back a
	 * page: a blocking request from atomic context is a bug even when
	 * the cache serves it without sleeping.
	 */
	might_sleep_if(!atomic);
	if (gfp & __GFP_ACCOUNT)
		this_cpu_inc(nr_accounted);
	if (!size || size > pcpu_alt_layout.unit_size) {
		alloc_failed(PCPU_ALT_FAIL_BAD_SIZE, size, align, atomic, gfp,
			     caller, "size out of range");
		return NULL;
	}
	if (!is_power_of_2(align) || align > PAGE_SIZE) {
		alloc_failed(PCPU_ALT_FAIL_BAD_ALIGN, size, align, atomic, gfp,
			     caller, "alignment not a power of two <= PAGE_SIZE");
		return NULL;
	}
	ptr = pcpu_alt_cache_alloc(size, align, gfp, caller);
	if (ptr)
		return ptr;

	bits = DIV_ROUND_UP(size, PCPU_ALT_MIN_ALLOC);
	align_bits = max_t(size_t, align, PCPU_ALT_MIN_ALLOC) /
		     PCPU_ALT_MIN_ALLOC;
	chunk = pcpu_alt_chunk_alloc(bits, align_bits, gfp, caller, &start,
				     &reason, &why);
	if (!chunk) {
		if (reason == PCPU_ALT_FAIL_NO_POPULATED)
			pcpu_alt_balance_kick();
		alloc_failed(reason, size, align, atomic, gfp, caller, why);
		return NULL;
	}
	/*
	 * Whoever took the reserve's pages, the next non-blocking caller
	 * needs them: refill it when this left it low, as stock does.
	 */
	if (pcpu_alt_balance_below_low())
		pcpu_alt_balance_kick();

	ptr = pcpu_alt_chunk_ptr(chunk, start);
	for_each_possible_cpu(cpu)
		memset(pcpu_alt_ptr(ptr, cpu), 0, size);
	trace_pcpu_alt_alloc(caller, size, align, atomic, chunk->id,
			     start * PCPU_ALT_MIN_ALLOC, bits * PCPU_ALT_MIN_ALLOC);
	return ptr;
}

/**
 * pcpu_alt_alloc() - allocate a per-CPU area
 * @size: bytes per CPU, 1 up to the unit size (at least 32 KiB)
 * @align: alignment, a power of two up to PAGE_SIZE
 * @gfp: GFP_KERNEL may create chunks and populate pages; a gfp that does
 *       not allow blocking (GFP_NOWAIT, GFP_ATOMIC) only uses populated
 *       space, never sleeps and fails fast.  As with the stock allocator,
 *       the reclaim constraints of GFP_NOFS/GFP_NOIO (or of the task's
 *       scope), __GFP_NORETRY and __GFP_NOWARN reach every allocation made
 *       on the caller's behalf; a blocking caller's waits end on a fatal
 *       signal unless it passes __GFP_NOFAIL, which does not make the
 *       allocation unfailing.  __GFP_NOWARN also silences the failure
 *       warning.  __GFP_ACCOUNT is not honoured (a module cannot charge
 *       a memory cgroup): the area is not charged, and the request is
 *       counted (stats: accounted_allocs).
 *
 * The area is zeroed on every possible CPU.
 *
 * CONTEXT: any context for non-blocking @gfp; process context otherwise.
 * RETURNS: a __percpu pointer for pcpu_alt_ptr() and pcpu_alt_free(), or
 * NULL on failure.
 */
void __percpu *pcpu_alt_alloc(size_t size, size_t align, gfp_t gfp)
{
	return alloc_caller(size, align, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(pcpu_alt_alloc);

/**
 * pcpu_alt_alloc_caller() - pcpu_alt_alloc() on behalf of a call site
 * @size: as for pcpu_alt_alloc()
 * @align: as for pcpu_alt_alloc()
 * @gfp: as for pcpu_alt_alloc()
 * @caller: the address the area is recorded against (callers, the unload
 *          report, trace events, failure warnings) instead of this
 *          function's caller: for a module that allocates for others,
 *          such as pcpu_alt_live.ko for the kernel's own call sites
 *
 * CONTEXT: as for pcpu_alt_alloc().
 * RETURNS: as for pcpu_alt_alloc().
 */
void __percpu *pcpu_alt_alloc_caller(size_t size, size_t align, gfp_t gfp,
				     unsigned long caller)
{
	return alloc_caller(size, align, gfp, caller);
}
EXPORT_SYMBOL_GPL(pcpu_alt_alloc_caller);

/* Is this the first refused free from @caller?  Then remember it. */
static bool first_refusal_at(unsigned long caller, bool *table_full)
{
	int i;

	for (i = 0; i < PCPU_ALT_WARNED_SITES; i++) {
		unsigned long site = READ_ONCE(warned_sites[i]);

		if (site == caller)
			return false;
		if (!site && !cmpxchg(&warned_sites[i], 0, caller))
			return true;
		if (READ_ONCE(warned_sites[i]) == caller)
			return false;
	}
	*table_full = true;
	return false;
}

/* Count and report a free that changes nothing: one WARN per call site. */
static void refuse_free(const void __percpu *ptr, unsigned long caller,
			int id, unsigned long offset, const char *why)
{
	bool table_full = false;

	atomic64_inc(&nr_bad_frees);
	if (first_refusal_at(caller, &table_full))
		WARN(1, "%s: refused free of %p (chunk %d offset %lu) from %pS: %s (later refusals from this site are counted in stats, not reported)\n",
		     KBUILD_MODNAME, ptr, id, offset, (void *)caller, why);
	else if (table_full)
		pr_warn_ratelimited("refused free of %p (chunk %d offset %lu) from %pS: %s\n",
				    ptr, id, offset, (void *)caller, why);
}

/* Free @ptr for @caller; true when an area was freed, false if refused. */
static bool free_caller(void __percpu *ptr, unsigned long caller)
{
	unsigned long offset;
	int id, bits;

	switch (pcpu_alt_cache_free(ptr, caller, &id, &offset)) {
	case PCPU_ALT_CACHE_TAKEN:
		return true;
	case PCPU_ALT_CACHE_REFUSED:
		refuse_free(ptr, caller, id, offset,
			    "double free of a cached area");
		return false;
	case PCPU_ALT_CACHE_MISS:
		break;
	}
	bits = pcpu_alt_chunk_free(ptr, caller, &id, &offset);
	if (bits == -ENOENT) {
		refuse_free(ptr, caller, id, offset, "not a pcpu_alt pointer");
		return false;
	}
	if (bits < 0) {
		refuse_free(ptr, caller, id, offset,
			    "double free or interior pointer");
		return false;
	}
	if (pcpu_alt_balance_has_excess())
		pcpu_alt_balance_kick_lazy();
	return true;
}

/**
 * pcpu_alt_free() - free a per-CPU area
 * @ptr: what pcpu_alt_alloc() returned; NULL is a no-op
 *
 * A pointer pcpu_alt did not hand out, an interior pointer or a double free
 * changes nothing and is counted (stats: bad_frees); the first from each
 * call site draws a WARN naming the caller.
 *
 * CONTEXT: any, including hard IRQ and IRQs disabled.
 */
void pcpu_alt_free(void __percpu *ptr)
{
	if (ptr)
		free_caller(ptr, _RET_IP_);
}
EXPORT_SYMBOL_GPL(pcpu_alt_free);

/**
 * pcpu_alt_free_caller() - pcpu_alt_free() on behalf of a call site
 * @ptr: what pcpu_alt_alloc() or pcpu_alt_alloc_caller() returned; NULL
 *       is a no-op
 * @caller: the address a refused free is reported against
 *
 * A refused free is counted and reported as by pcpu_alt_free().
 *
 * CONTEXT: any, including hard IRQ and IRQs disabled.
 * RETURNS: 0, or -EINVAL when the free was refused and nothing changed.
 */
int pcpu_alt_free_caller(void __percpu *ptr, unsigned long caller)
{
	if (!ptr)
		return 0;
	return free_caller(ptr, caller) ? 0 : -EINVAL;
}
EXPORT_SYMBOL_GPL(pcpu_alt_free_caller);

/**
 * pcpu_alt_owns() - does a pointer lie in one of pcpu_alt's chunks?
 * @ptr: any value, NULL and stock per-CPU pointers included
 *
 * One lock-free lookup (this CPU's memo of the last chunk, else the
 * index); nothing is dereferenced but pcpu_alt's own structures.  It
 * says where @ptr points, not that an area starts there: a stale or
 * interior pointer into a chunk is "owned" too, and pcpu_alt_free()
 * refuses it.
 *
 * CONTEXT: any, including hard IRQ and IRQs disabled.
 * RETURNS: true when @ptr points into a live chunk of pcpu_alt.
 */
bool pcpu_alt_owns(const void __percpu *ptr)
{
	struct pcpu_alt_chunk *chunk;
	unsigned long offset, flags;
	bool owned;

	if (!ptr)
		return false;
	local_irq_save(flags);
	rcu_read_lock();
	owned = pcpu_alt_lookup_rcu(ptr, &chunk, &offset);
	rcu_read_unlock();
	local_irq_restore(flags);
	return owned;
}
EXPORT_SYMBOL_GPL(pcpu_alt_owns);

/**
 * pcpu_alt_busy_here() - is the current task inside pcpu_alt's slow path?
 *
 * True while the task holds pcpu_alt_mutex: making a chunk or backing a
 * page, which allocates memory and may enter reclaim.  A module that
 * sends other allocations to pcpu_alt (pcpu_alt_live.ko) asks this to
 * send such a task's nested requests elsewhere instead of deadlocking on
 * the mutex it already holds.
 *
 * CONTEXT: any; in an interrupt it answers for the interrupted task.
 * RETURNS: true when the current task holds pcpu_alt_mutex.
 */
bool pcpu_alt_busy_here(void)
{
	return pcpu_alt_chunks_busy_here();
}
EXPORT_SYMBOL_GPL(pcpu_alt_busy_here);

/**
 * pcpu_alt_is_compat() - do pcpu_alt pointers work with per_cpu_ptr()?
 *
 * RETURNS: true in compat layout, where per_cpu_ptr() and this_cpu_*()
 * work on pcpu_alt pointers; false in private layout, where only
 * pcpu_alt_ptr() and pcpu_alt_this_ptr() do.
 */
bool pcpu_alt_is_compat(void)
{
	return pcpu_alt_layout.compat;
}
EXPORT_SYMBOL_GPL(pcpu_alt_is_compat);

/* ---- introspection and control ---- */

/**
 * pcpu_alt_get_stats() - take a snapshot of the counters
 * @st: filled in
 *
 * The chunk figures are consistent with each other; the per-CPU cache
 * figures are read without stopping the CPUs and may lag by a few areas.
 *
 * CONTEXT: any.
 */
void pcpu_alt_get_stats(struct pcpu_alt_stats *st)
{
	unsigned int cpu;
	int i;

	memset(st, 0, sizeof(*st));
	pcpu_alt_chunks_stats(st);
	for (i = 0; i < PCPU_ALT_FAIL_NR; i++)
		st->fail[i] = atomic64_read(&nr_fails[i]);
	st->bad_frees = atomic64_read(&nr_bad_frees);
	for_each_possible_cpu(cpu)
		st->nr_accounted += READ_ONCE(*per_cpu_ptr(&nr_accounted, cpu));
	st->unit_size = pcpu_alt_layout.unit_size;
	st->nr_units = pcpu_alt_layout.nr_units;
	st->empty_pages_low = pcpu_alt_empty_low();
	st->empty_pages_high = pcpu_alt_empty_high();
	st->nr_faults_injected = pcpu_alt_nr_faults_injected();
	pcpu_alt_cache_stats(st);
	/* Cached areas are free to users; cache traffic is theirs. */
	st->nr_allocs += st->nr_cache_hits;
	st->nr_frees += st->nr_cache_frees;
	st->nr_live -= min_t(u64, st->nr_live, st->nr_cached);
	st->live_bytes -= min_t(u64, st->live_bytes, st->cached_bytes);
	/* A peak the caches never told of is seen here. */
	st->nr_max_live = pcpu_alt_chunks_note_live(st->nr_live);
	pcpu_alt_region_counts(&st->nr_regions, &st->nr_backing_pages);
	st->compat = pcpu_alt_layout.compat;
}
EXPORT_SYMBOL_GPL(pcpu_alt_get_stats);

/**
 * pcpu_alt_ptr_info() - where does an allocation live?
 * @ptr: a live pointer from pcpu_alt_alloc()
 * @info: filled in on success
 *
 * CONTEXT: any.
 * RETURNS: 0, or -ENOENT when @ptr is not the start of a live allocation.
 */
int pcpu_alt_ptr_info(void __percpu *ptr, struct pcpu_alt_ptr_info *info)
{
	return pcpu_alt_chunk_ptr_info(ptr, info);
}
EXPORT_SYMBOL_GPL(pcpu_alt_ptr_info);

/**
 * pcpu_alt_verify() - run the consistency checker over every chunk
 *
 * Drains the per-CPU caches, then recomputes every hint and counter from
 * the bitmaps and reports each disagreement to the kernel log.  Slow: for
 * tests and debugging.
 *
 * CONTEXT: process context, may sleep.
 * RETURNS: the number of disagreements (0 = consistent).
 */
int pcpu_alt_verify(void)
{
	/* Cached areas look allocated: hand them back, then check it all. */
	pcpu_alt_cache_drain_all();
	return pcpu_alt_chunks_verify();
}
EXPORT_SYMBOL_GPL(pcpu_alt_verify);

/**
 * pcpu_alt_frag_bytes() - free space too short for a request
 * @min_run: the request's size in bytes
 *
 * Drains the per-CPU caches first, so cached areas count as free.
 *
 * CONTEXT: process context, may sleep.
 * RETURNS: bytes of free runs in populated pages shorter than @min_run
 * (alignment not considered), over all chunks.
 */
u64 pcpu_alt_frag_bytes(size_t min_run)
{
	pcpu_alt_cache_drain_all();
	return pcpu_alt_chunks_frag_bytes(min_run);
}
EXPORT_SYMBOL_GPL(pcpu_alt_frag_bytes);

/**
 * pcpu_alt_balance_now() - run the background work now and wait for it
 *
 * Drains the per-CPU caches first, as the reaper would once they sit
 * idle.  Tests use it to reach the state the background work would reach.
 *
 * CONTEXT: process context, may sleep.
 */
void pcpu_alt_balance_now(void)
{
	pcpu_alt_cache_drain_all();
	pcpu_alt_balance_run();
}
EXPORT_SYMBOL_GPL(pcpu_alt_balance_now);

/**
 * pcpu_alt_set_watermarks() - set the background work's targets
 * @low: populate when fewer empty populated pages than this are ready
 * @high: depopulate beyond this many; @low <= @high <= 4096
 *
 * CONTEXT: process context, may sleep.
 * RETURNS: 0 or -EINVAL (nothing changed).
 */
int pcpu_alt_set_watermarks(unsigned int low, unsigned int high)
{
	return pcpu_alt_balance_set_watermarks(low, high);
}
EXPORT_SYMBOL_GPL(pcpu_alt_set_watermarks);

/**
 * pcpu_alt_set_fault_injection() - fail every Nth internal allocation
 * @every: N; 0 turns fault injection off
 *
 * Same as writing the fail_every module parameter.
 *
 * CONTEXT: any.
 */
void pcpu_alt_set_fault_injection(unsigned int every)
{
	pcpu_alt_fault_set(every);
}
EXPORT_SYMBOL_GPL(pcpu_alt_set_fault_injection);
