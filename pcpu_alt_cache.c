// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt per-CPU caches: the fast path.
 *
 * Requests up to PCPU_ALT_CACHE_MAX_SIZE bytes with alignment up to
 * PCPU_ALT_CACHE_MAX_ALIGN are rounded up to a size class: 4, 8, 12, 16,
 * 24, then four classes per power of two from 32 to 512 (32, 40, 48, 56,
 * 64, 80, ... 448, 512) and eight from 512 to 2048 (576, 640, ... 1920,
 * 2048), so rounding leaves less than a fifth of a class unused, and less
 * than an eighth above 512 bytes, where every unused byte costs most (once
 * per CPU).  A class serves alignments up to the largest power of two
 * that divides its size (at most 64), so areas carved back to back stay
 * aligned; a request takes the smallest class that is large and aligned
 * enough, unless that would leave a quarter or more of the class unused
 * (36 bytes aligned 32 in the 64-byte class, say): such requests take the
 * slow path at their exact size.
 * The table follows the distribution of real traffic, not its exact sizes:
 * docs/performance.md says how it was chosen.
 *
 * Each CPU keeps, per class, a short stack of free areas of exactly that
 * size.  An allocation pops one and a free pushes one with IRQs off on the
 * local CPU: no lock, no shared data but the area's own copies, one bit
 * of the chunk's cached map and the byte that records the area's caller.
 *
 * Stacks are refilled and drained a batch at a time: a refill carves its
 * areas from one free run of one chunk, a drain gives each chunk's areas
 * back at once (pcpu_alt_chunk.c).  A stack's batch starts at one area; at
 * each refill or overflow drain it doubles towards the class's cap when
 * the class's traffic on this CPU goes both ways or comes in a burst, and
 * moves towards 256 bytes' worth when it is sparse and one way (a class
 * allocated now and then, or only freed here by a task that moved); a
 * stack holds at most two batches: a class a CPU uses rarely pins a few
 * bytes, not a full stack (per-CPU memory is the scarce resource).  The
 * cap shrinks as classes grow (16 areas up to 128 bytes, down to 2 above
 * 512) so that no class pins much more than 4 KiB per CPU; what all of
 * them can pin at most is fixed at load and shown by the "caches" file.
 * Draining a whole stack starts it over.
 *
 * A cached area stays allocated in its chunk's bitmaps (so nothing else
 * can take it) and has its bit set in chunk->cached, which is what tells a
 * double free of a cached area from a real free: a free claims the bit
 * before it looks at the area ("Cached areas" in pcpu_alt_chunk.c).  Every
 * figure users see counts cached areas as free.
 *
 * A free learns the area's size without a lock: while an area is live, its
 * own alloc and boundary bits never change, whatever happens around it.  The
 * chunk is found through the RCU-safe index; chunks are freed only after a
 * grace period.
 *
 * Caches give memory back: a reaper drains each class a CPU did not use
 * for a period, however busy the CPU is with others, a shrinker drains
 * all of them under memory pressure, a CPU that goes offline is drained,
 * and turning the cache parameter off drains everything.
 *
 * The reaper runs while some CPU is "watched": a CPU becomes watched when
 * its caches take areas (a refill or a free) and stops being watched when
 * they are drained whole.  Taking areas checks a flag of the CPU's own, so
 * the common case writes nothing shared; only the first area after a drain
 * arms the reaper.  A free or a refill checks the cache parameter with
 * interrupts off, so the drain that turning it off sends every CPU comes
 * either before (the area then goes to the chunk) or after (it drains it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/smp.h>
#include <linux/workqueue.h>

#include "pcpu_alt_internal.h"
#include "pcpu_alt_chunk.h"
#include "pcpu_alt_trace.h"

/* Size classes in bytes: see the top of the file. */
static const unsigned short class_size[] = {
	4, 8, 12, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128,
	160, 192, 224, 256, 320, 384, 448, 512, 576, 640, 704, 768, 832,
	896, 960, 1024, 1152, 1280, 1408, 1536, 1664, 1792, 1920, 2048,
};

#define PCPU_ALT_CACHE_CLASSES	ARRAY_SIZE(class_size)
#define PCPU_ALT_CACHE_MAX_SIZE	2048
#define PCPU_ALT_CACHE_MAX_ALIGN	64
#define PCPU_ALT_CACHE_MAX_CELLS	(PCPU_ALT_CACHE_MAX_SIZE / PCPU_ALT_MIN_ALLOC)
/* Alignments 4, 8, ... 64: their log2 minus two indexes the class table. */
#define PCPU_ALT_CACHE_ALIGNS	(ilog2(PCPU_ALT_CACHE_MAX_ALIGN) - 1)
/*
 * Batch caps: a class of C bytes moves at most rounddown_pow2(BATCH_BYTES
 * / C) areas at once, within [BATCH_MIN, BATCH_MAX]; a stack holds two.
 */
#define PCPU_ALT_CACHE_BATCH_MAX	16
#define PCPU_ALT_CACHE_BATCH_MIN	2
#define PCPU_ALT_CACHE_BATCH_BYTES	2048
/*
 * A class a CPU left unused for cache_idle_ms is drained by the reaper;
 * the parameter's default and bounds (a tenth of a second to ten minutes).
 */
#define PCPU_ALT_CACHE_IDLE_MS		1000
#define PCPU_ALT_CACHE_IDLE_MS_MIN	100
#define PCPU_ALT_CACHE_IDLE_MS_MAX	600000
/* A class may leave less than 1/PCPU_ALT_CACHE_WASTE_DIV of itself unused. */
#define PCPU_ALT_CACHE_WASTE_DIV	4
/*
 * A class whose batch went in at most this many of its CPU's operations
 * per area gets a larger one: see stack_adapt_batch().
 */
#define PCPU_ALT_CACHE_DENSE		8
/* What a batch of a class with sparse one-way traffic may hold, in bytes. */
#define PCPU_ALT_CACHE_SPARSE_BYTES	256

/*
 * @count: areas on the stack
 * @batch: the next refill's (or overflow drain's) size; 0 until the
 *         first (same as 1)
 * @popped: an allocation took an area since the last refill or drain
 * @pushed: a free gave one since then
 * @touched: an allocation or a free used the stack since the reaper last
 *           looked
 * @last: this CPU's operation count (hits and frees) at the stack's last
 *        refill or overflow drain
 * (@popped, @pushed and @last are for stack_adapt_batch())
 */
struct cache_stack {
	unsigned short count;
	u8 batch;
	u8 popped:1;
	u8 pushed:1;
	u8 touched:1;
	u32 last;
};

/*
 * One CPU's caches.  Touched only by its own CPU with IRQs off, or by
 * another CPU once this one is offline (the CPU-dead callback); the
 * counters are read racily for statistics.  @area holds every class's
 * stack, class cls from class_base[cls] on.
 */
struct pcpu_alt_cpu_cache {
	bool watched;		/* holds areas since its last whole drain */
	long nr_areas;		/* areas in all the stacks */
	long nr_told;		/* nr_areas as last told to the chunk layer */
	u64 hits;		/* allocations served from the stack */
	u64 frees;		/* frees pushed onto the stack */
	u64 refills;		/* batches taken from the chunks */
	u64 drains;		/* batches given back to them */
	struct cache_stack stack[PCPU_ALT_CACHE_CLASSES];
	struct pcpu_alt_area area[];
};

/* Set up at init, read-only afterwards. */
static unsigned short class_batch_max[PCPU_ALT_CACHE_CLASSES];
static unsigned short class_batch_sparse[PCPU_ALT_CACHE_CLASSES];
static unsigned short class_base[PCPU_ALT_CACHE_CLASSES];
static unsigned int cache_entries;		/* area[] slots per CPU */
static size_t cache_pin_max;			/* bytes one CPU can pin */
/* Class for N cells at alignment index a, or -1 (see the top). */
static s8 class_of[PCPU_ALT_CACHE_MAX_CELLS + 1][PCPU_ALT_CACHE_ALIGNS];
/* Class of an area of exactly N cells, or -1. */
static s8 class_of_area[PCPU_ALT_CACHE_MAX_CELLS + 1];

static struct pcpu_alt_cpu_cache __percpu *cpu_caches;

static bool cache_enabled = true;
/* The reaper's period (parameter cache_idle_ms); read with READ_ONCE(). */
static unsigned int cache_idle_ms = PCPU_ALT_CACHE_IDLE_MS;
/*
 * The caches exist and parameter writes act on them.  Changed under
 * kernel_param_lock(THIS_MODULE), which every write of a parameter holds:
 * a write racing with unload either finishes first or finds them gone.
 */
static bool caches_live;
static enum cpuhp_state cache_hp_state;
static struct shrinker *cache_shrinker;

static void cache_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(cache_reaper, cache_reap);

static int class_bits(int cls)
{
	return class_size[cls] / PCPU_ALT_MIN_ALLOC;
}

/* Alignment a class serves, in bytes: its size's lowest set bit, <= 64. */
static unsigned int class_align(int cls)
{
	return min_t(unsigned int, class_size[cls] & -class_size[cls],
		     PCPU_ALT_CACHE_MAX_ALIGN);
}

static int class_align_bits(int cls)
{
	return max_t(int, class_align(cls) / PCPU_ALT_MIN_ALLOC, 1);
}

static unsigned int stack_batch(const struct cache_stack *s)
{
	return s->batch ?: 1;
}

static unsigned int stack_depth(int cls)
{
	return 2 * class_batch_max[cls];
}

/*
 * At a refill (@refill) or an overflow drain, size the next batch.  @now
 * is the CPU's operation count (cache hits and frees).  The batch doubles
 * towards the class's cap when the stack is a buffer between allocations
 * and frees of the class on this CPU (traffic both ways since the last
 * batch: a larger stack means fewer batches), or when the traffic one
 * way is dense (the last batch went in at most PCPU_ALT_CACHE_DENSE of
 * the CPU's operations per area: a burst).  For sparse traffic one way, a
 * class allocated now and then (once per cgroup, per device) or only
 * freed here (by a task that moved from the CPU that allocated it), it
 * moves towards what PCPU_ALT_CACHE_SPARSE_BYTES hold: a small class
 * still comes a few areas at a time, a large one singly, and what
 * a CPU keeps of it between uses is a few bytes, not batches.
 */
static void stack_adapt_batch(struct cache_stack *s, int cls, u32 now,
			      bool refill)
{
	unsigned int batch = stack_batch(s), target = class_batch_sparse[cls];
	bool both_ways = refill ? s->pushed : s->popped;

	if (s->batch && (both_ways ||
			 now - s->last <= PCPU_ALT_CACHE_DENSE * batch))
		target = class_batch_max[cls];
	if (s->batch && batch < target)
		batch *= 2;
	else if (batch > target)
		batch /= 2;
	s->batch = batch;
	s->last = now;
	s->popped = 0;
	s->pushed = 0;
}

/* This CPU's operation count, the clock of stack_adapt_batch(). */
static u32 cache_clock(const struct pcpu_alt_cpu_cache *cc)
{
	return cc->hits + cc->frees;
}

static struct pcpu_alt_area *stack_areas(struct pcpu_alt_cpu_cache *cc,
					 int cls)
{
	return &cc->area[class_base[cls]];
}

/* Smallest class of at least @cells cells serving alignment 4 << @a. */
static int pick_class(int cells, int a)
{
	unsigned int align = PCPU_ALT_MIN_ALLOC << a;
	int cls, unused;

	for (cls = 0; cls < PCPU_ALT_CACHE_CLASSES; cls++) {
		if (class_bits(cls) < cells || class_align(cls) < align)
			continue;
		unused = class_size[cls] - cells * PCPU_ALT_MIN_ALLOC;
		if (PCPU_ALT_CACHE_WASTE_DIV * unused >= class_size[cls])
			return -1;
		return cls;
	}
	return -1;
}

static void class_table_init(void)
{
	unsigned int entries = 0;
	int cells, a, cls;

	for (cells = 0; cells <= PCPU_ALT_CACHE_MAX_CELLS; cells++) {
		class_of_area[cells] = -1;
		for (a = 0; a < PCPU_ALT_CACHE_ALIGNS; a++)
			class_of[cells][a] = cells ? pick_class(cells, a) : -1;
	}
	cache_pin_max = 0;
	for (cls = 0; cls < PCPU_ALT_CACHE_CLASSES; cls++) {
		unsigned int batch = PCPU_ALT_CACHE_BATCH_BYTES /
				     class_size[cls];

		class_of_area[class_bits(cls)] = cls;
		batch = batch ? rounddown_pow_of_two(batch) : 1;
		class_batch_max[cls] = clamp_t(unsigned int, batch,
					       PCPU_ALT_CACHE_BATCH_MIN,
					       PCPU_ALT_CACHE_BATCH_MAX);
		batch = PCPU_ALT_CACHE_SPARSE_BYTES / class_size[cls];
		batch = batch ? rounddown_pow_of_two(batch) : 1;
		class_batch_sparse[cls] = min_t(unsigned int, batch,
						class_batch_max[cls]);
		class_base[cls] = entries;
		entries += stack_depth(cls);
		cache_pin_max += stack_depth(cls) * class_size[cls];
	}
	cache_entries = entries;
}

/* Class index for a request, or -1 when the cache does not serve it. */
static int class_for_request(size_t size, size_t align)
{
	if (size > PCPU_ALT_CACHE_MAX_SIZE || align > PCPU_ALT_CACHE_MAX_ALIGN)
		return -1;
	align = max_t(size_t, align, PCPU_ALT_MIN_ALLOC);
	return class_of[DIV_ROUND_UP(size, PCPU_ALT_MIN_ALLOC)]
		       [ilog2(align) - ilog2(PCPU_ALT_MIN_ALLOC)];
}

/* Class an area of @bits at @start may be cached in, or -1. */
static int class_for_area(int start, int bits)
{
	int cls;

	if (bits <= 0 || bits > PCPU_ALT_CACHE_MAX_CELLS)
		return -1;
	cls = class_of_area[bits];
	if (cls < 0 || start % class_align_bits(cls))
		return -1;
	return cls;
}

/*
 * Zero a class @cls area on every possible CPU.  Classes have a fixed size
 * and alignment, so word stores do it; memset() of a variable size is
 * "rep stosb" on most x86 CPUs, whose start-up cost dominates at these
 * sizes (and which emulators run a byte at a time).
 */
static void zero_class_area(void __percpu *ptr, int cls)
{
	unsigned int cpu, i, words = class_size[cls] / sizeof(u64);
	bool tail = class_size[cls] % sizeof(u64);

	for_each_possible_cpu(cpu) {
		void *p = pcpu_alt_ptr(ptr, cpu);

		for (i = 0; i < words; i++)
			((u64 *)p)[i] = 0;
		/* 4 and 12: a last 4-byte word. */
		if (tail)
			((u32 *)p)[2 * words] = 0;
	}
}

/*
 * Tell the chunk layer how many areas this CPU's caches hold, when a batch
 * moves: the most live allocations it counts leaves them out, and hits
 * and frees need not touch a shared counter.  IRQs off.
 */
static void cache_tell(struct pcpu_alt_cpu_cache *cc)
{
	pcpu_alt_chunks_note_cached(cc->nr_areas - cc->nr_told);
	cc->nr_told = cc->nr_areas;
}

/* Give the top @n areas of class @cls's stack back.  IRQs off. */
static void stack_drain(struct pcpu_alt_cpu_cache *cc, int cls,
			unsigned int n)
{
	struct cache_stack *s = &cc->stack[cls];

	lockdep_assert_irqs_disabled();
	n = min_t(unsigned int, n, s->count);
	s->count -= n;
	cc->nr_areas -= n;
	pcpu_alt_chunk_give_cached(stack_areas(cc, cls) + s->count, n);
	cc->drains++;
	cache_tell(cc);
}

/* Empty all of @cc's stacks; the reaper need not watch it any more. */
static void cache_drain_cpu(struct pcpu_alt_cpu_cache *cc)
{
	int cls;

	for (cls = 0; cls < PCPU_ALT_CACHE_CLASSES; cls++) {
		if (cc->stack[cls].count)
			stack_drain(cc, cls, cc->stack[cls].count);
		cc->stack[cls].batch = 0;
	}
	/* Hits since the last batch moved may be left to tell. */
	cache_tell(cc);
	WRITE_ONCE(cc->watched, false);
}

/*
 * This CPU's caches just took areas: have the reaper watch it, if it does
 * not already.  A flag of this CPU's own in the common case; the first
 * area after a whole drain arms the reaper.  IRQs off.
 */
static void cache_watch(struct pcpu_alt_cpu_cache *cc)
{
	if (likely(cc->watched))
		return;
	WRITE_ONCE(cc->watched, true);
	/*
	 * Pairs with the workqueue's ordering when a run starts: either
	 * this finds the reaper pending and that run sees @watched, or it
	 * queues a run itself.
	 */
	smp_mb();
	schedule_delayed_work(&cache_reaper,
			      msecs_to_jiffies(READ_ONCE(cache_idle_ms)));
}

static void cache_drain_this_cpu(void *unused)
{
	cache_drain_cpu(this_cpu_ptr(cpu_caches));
	pcpu_alt_test_point(PCPU_ALT_TEST_CACHE_DRAINED, NULL);
}

/**
 * pcpu_alt_cache_drain_all() - give every cached area back to its chunk
 *
 * CONTEXT: process context, IRQs enabled.
 */
void pcpu_alt_cache_drain_all(void)
{
	if (!cpu_caches)
		return;
	pcpu_alt_race_window("cache drain");
	on_each_cpu(cache_drain_this_cpu, NULL, 1);
}

/* Take up to a batch of class @cls areas from populated space.  IRQs off. */
static unsigned int stack_refill(struct pcpu_alt_cpu_cache *cc, int cls,
				 unsigned long caller)
{
	struct cache_stack *s = &cc->stack[cls];
	unsigned int want;
	int got;

	lockdep_assert_irqs_disabled();
	stack_adapt_batch(s, cls, cache_clock(cc), true);
	want = min(stack_batch(s), stack_depth(cls) - s->count);
	got = pcpu_alt_chunk_take_cached(class_bits(cls),
					 class_align_bits(cls), want, caller,
					 stack_areas(cc, cls) + s->count);
	s->count += got;
	cc->nr_areas += got;
	cc->refills++;
	if (!got)
		return 0;
	cache_tell(cc);
	cache_watch(cc);
	/* As after any allocation: the reserve's pages may be what it took. */
	if (pcpu_alt_balance_below_low())
		pcpu_alt_balance_kick();
	return got;
}

/**
 * pcpu_alt_cache_alloc() - serve an allocation from this CPU's cache
 * @size: requested bytes
 * @align: requested alignment
 * @gfp: the caller's flags (for the trace event only: this never sleeps)
 * @caller: the allocation's call site
 *
 * Refills from populated space when the stack is empty, so it never sleeps
 * and serves blocking and non-blocking callers alike.
 *
 * CONTEXT: any.
 * RETURNS: a zeroed area, or NULL when the cache does not serve this request
 * or has nothing to give (the caller takes the slow path).
 */
void __percpu *pcpu_alt_cache_alloc(size_t size, size_t align, gfp_t gfp,
				    unsigned long caller)
{
	int cls = class_for_request(size, align);
	struct pcpu_alt_cpu_cache *cc;
	struct pcpu_alt_area e;
	struct cache_stack *s;
	unsigned long flags;
	void __percpu *ptr;

	if (cls < 0 || !cpu_caches)
		return NULL;
	local_irq_save(flags);
	/* Under IRQs off: see the top of the file. */
	if (!READ_ONCE(cache_enabled)) {
		local_irq_restore(flags);
		return NULL;
	}
	cc = this_cpu_ptr(cpu_caches);
	s = &cc->stack[cls];
	if (!s->count && !stack_refill(cc, cls, caller)) {
		local_irq_restore(flags);
		return NULL;
	}
	e = stack_areas(cc, cls)[--s->count];
	s->popped = 1;
	s->touched = 1;
	cc->nr_areas--;
	/* Live and out of the cache: the area's claim goes. */
	clear_bit(e.start, e.chunk->cached);
	pcpu_alt_chunk_set_caller(e.chunk, e.start, caller);
	cc->hits++;
	local_irq_restore(flags);

	ptr = pcpu_alt_chunk_ptr(e.chunk, e.start);
	zero_class_area(ptr, cls);
	trace_pcpu_alt_alloc(caller, size, align,
			     !gfpflags_allow_blocking(gfp), e.chunk->id,
			     e.start * PCPU_ALT_MIN_ALLOC, class_size[cls]);
	return ptr;
}

/* Push a claimed class @cls area on this CPU's stack.  IRQs off. */
static void stack_push(struct pcpu_alt_cpu_cache *cc, int cls,
		       struct pcpu_alt_chunk *chunk, int start)
{
	struct cache_stack *s = &cc->stack[cls];

	if (s->count >= 2 * stack_batch(s)) {
		stack_adapt_batch(s, cls, cache_clock(cc), false);
		stack_drain(cc, cls, stack_batch(s));
	}
	s->pushed = 1;
	stack_areas(cc, cls)[s->count].chunk = chunk;
	stack_areas(cc, cls)[s->count].start = start;
	s->count++;
	s->touched = 1;
	cc->nr_areas++;
	cc->frees++;
	cache_watch(cc);
}

/**
 * pcpu_alt_cache_free() - take a freed area into this CPU's cache
 * @ptr: the area
 * @caller: the free's call site
 * @id: set to the area's chunk id when the free is refused
 * @offset: set to the area's offset when the free is refused
 *
 * Claims the area's cached bit first, then reads its size (see "Cached
 * areas" in pcpu_alt_chunk.c): a second free of an area sitting in any
 * CPU's cache finds the bit taken, even while that cache is drained.
 *
 * CONTEXT: any.
 * RETURNS: PCPU_ALT_CACHE_TAKEN when the area was cached,
 * PCPU_ALT_CACHE_REFUSED for a double free of a cached area (nothing
 * changed), PCPU_ALT_CACHE_MISS to send the free down the slow path.
 */
enum pcpu_alt_cache_verdict pcpu_alt_cache_free(void __percpu *ptr,
						unsigned long caller, int *id,
						unsigned long *offset)
{
	enum pcpu_alt_cache_verdict verdict = PCPU_ALT_CACHE_MISS;
	unsigned long flags, off;
	struct pcpu_alt_chunk *chunk;
	int start, cls;

	if (!cpu_caches)
		return PCPU_ALT_CACHE_MISS;
	pcpu_alt_test_point(PCPU_ALT_TEST_FREE_ENTRY, ptr);
	local_irq_save(flags);
	rcu_read_lock();
	/* Under IRQs off: see the top of the file. */
	if (!READ_ONCE(cache_enabled) ||
	    !pcpu_alt_lookup_rcu(ptr, &chunk, &off) || !chunk->cached ||
	    off % PCPU_ALT_MIN_ALLOC)
		goto out;
	start = off / PCPU_ALT_MIN_ALLOC;
	pcpu_alt_test_point(PCPU_ALT_TEST_FREE_CLAIM, ptr);
	if (test_and_set_bit(start, chunk->cached)) {
		*id = chunk->id;
		*offset = start * PCPU_ALT_MIN_ALLOC;
		verdict = PCPU_ALT_CACHE_REFUSED;
		goto out;
	}
	cls = class_for_area(start, pcpu_alt_area_bits_racy(chunk, start));
	if (cls < 0) {
		/* Not a live class area: the slow path decides. */
		clear_bit_unlock(start, chunk->cached);
		goto out;
	}
	stack_push(this_cpu_ptr(cpu_caches), cls, chunk, start);
	trace_pcpu_alt_free(caller, chunk->id, start * PCPU_ALT_MIN_ALLOC,
			    class_size[cls]);
	verdict = PCPU_ALT_CACHE_TAKEN;
out:
	rcu_read_unlock();
	local_irq_restore(flags);
	return verdict;
}

/* Areas and bytes sitting in @cc's stacks (racy unless @cc is quiet). */
static void cpu_cache_totals(const struct pcpu_alt_cpu_cache *cc,
			     unsigned long *areas, unsigned long *bytes)
{
	int cls;

	for (cls = 0; cls < PCPU_ALT_CACHE_CLASSES; cls++) {
		unsigned int n = READ_ONCE(cc->stack[cls].count);

		*areas += n;
		*bytes += n * class_size[cls];
	}
}

/**
 * pcpu_alt_cache_stats() - fold the caches into a stats snapshot
 * @st: the snapshot; cached areas become free
 *
 * The per-CPU figures are read without stopping the CPUs, so while caches
 * are busy they may lag the rest of the snapshot by a few areas.
 *
 * CONTEXT: any.
 */
void pcpu_alt_cache_stats(struct pcpu_alt_stats *st)
{
	unsigned long areas = 0, bytes = 0;
	unsigned int cpu;

	st->cache_enabled = READ_ONCE(cache_enabled);
	if (!cpu_caches)
		return;
	for_each_possible_cpu(cpu) {
		const struct pcpu_alt_cpu_cache *cc =
			per_cpu_ptr(cpu_caches, cpu);

		cpu_cache_totals(cc, &areas, &bytes);
		st->nr_cache_hits += READ_ONCE(cc->hits);
		st->nr_cache_frees += READ_ONCE(cc->frees);
		st->nr_cache_refills += READ_ONCE(cc->refills);
		st->nr_cache_drains += READ_ONCE(cc->drains);
	}
	st->nr_cached = areas;
	st->cached_bytes = bytes;
}

/* The whole size of one CPU's caches, stacks included. */
static size_t cpu_cache_bytes(void)
{
	return struct_size((struct pcpu_alt_cpu_cache *)NULL, area,
			   cache_entries);
}

/**
 * pcpu_alt_cache_show() - the class table, then one line per CPU
 * @m: the seq_file
 *
 * CONTEXT: process context.
 */
void pcpu_alt_cache_show(struct seq_file *m)
{
	unsigned int cpu;
	int cls;

	/*
	 * percpu_bytes: what each CPU's caches take from the stock allocator;
	 * pin_max_bytes: the most per-CPU memory they can hold back per CPU.
	 */
	seq_printf(m, "# cache=%d classes=%zu max_size=%d max_align=%d max_batch=%d max_depth=%d percpu_bytes=%zu pin_max_bytes=%zu\n",
		   READ_ONCE(cache_enabled), PCPU_ALT_CACHE_CLASSES,
		   PCPU_ALT_CACHE_MAX_SIZE, PCPU_ALT_CACHE_MAX_ALIGN,
		   PCPU_ALT_CACHE_BATCH_MAX, 2 * PCPU_ALT_CACHE_BATCH_MAX,
		   cpu_caches ? cpu_cache_bytes() : 0, cache_pin_max);
	seq_puts(m, "# class_bytes/align/depth:");
	for (cls = 0; cls < PCPU_ALT_CACHE_CLASSES; cls++)
		seq_printf(m, " %u/%u/%u", class_size[cls], class_align(cls),
			   stack_depth(cls));
	seq_putc(m, '\n');
	if (!cpu_caches)
		return;
	for_each_possible_cpu(cpu) {
		const struct pcpu_alt_cpu_cache *cc =
			per_cpu_ptr(cpu_caches, cpu);
		unsigned long areas = 0, bytes = 0;

		cpu_cache_totals(cc, &areas, &bytes);
		seq_printf(m, "cpu=%u cached=%lu cached_bytes=%lu hits=%llu frees=%llu\n",
			   cpu, areas, bytes, READ_ONCE(cc->hits),
			   READ_ONCE(cc->frees));
	}
}

/* Reaper: the CPUs it looks at. */
static bool cache_watched(int cpu, void *unused)
{
	return READ_ONCE(per_cpu_ptr(cpu_caches, cpu)->watched);
}

/*
 * Reaper, on a watched CPU: drain every class no allocation or free used
 * for a whole period, busy as the CPU may be with others (a class used
 * once, then left, gives its areas back within two periods); once none
 * holds anything, stop watching.
 */
static void cache_reap_this_cpu(void *unused)
{
	struct pcpu_alt_cpu_cache *cc = this_cpu_ptr(cpu_caches);
	bool holds = false;
	int cls;

	for (cls = 0; cls < PCPU_ALT_CACHE_CLASSES; cls++) {
		struct cache_stack *s = &cc->stack[cls];

		if (s->count && !s->touched) {
			stack_drain(cc, cls, s->count);
			s->batch = 0;
		}
		s->touched = 0;
		holds |= s->count;
	}
	if (!holds)
		cache_drain_cpu(cc);
}

/* Is some CPU still watched?  Read racily: see cache_watch(). */
static bool cache_any_watched(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		if (READ_ONCE(per_cpu_ptr(cpu_caches, cpu)->watched))
			return true;
	return false;
}

static void cache_reap(struct work_struct *work)
{
	on_each_cpu_cond(cache_watched, cache_reap_this_cpu, NULL, true);
	if (cache_any_watched())
		schedule_delayed_work(&cache_reaper,
				      msecs_to_jiffies(READ_ONCE(cache_idle_ms)));
	else
		pcpu_alt_test_point(PCPU_ALT_TEST_REAPER_IDLE, NULL);
	/* Only to give back what the drains freed. */
	if (pcpu_alt_balance_has_excess())
		pcpu_alt_balance_give_back();
}

/* Memory pressure: everything cached is fair game. */
static unsigned long cache_shrink_count(struct shrinker *sh,
					struct shrink_control *sc)
{
	struct pcpu_alt_stats st = {};

	pcpu_alt_cache_stats(&st);
	return st.nr_cached ?: SHRINK_EMPTY;
}

static unsigned long cache_shrink_scan(struct shrinker *sh,
				       struct shrink_control *sc)
{
	struct pcpu_alt_stats st = {};

	pcpu_alt_cache_stats(&st);
	pcpu_alt_test_point(PCPU_ALT_TEST_SHRINK, NULL);
	pcpu_alt_cache_drain_all();
	/* Give back what the drain freed; backing pages here would undo it. */
	pcpu_alt_balance_give_back();
	return st.nr_cached;
}

/* An offline CPU runs nothing: drain its caches from here. */
static int cache_cpu_dead(unsigned int cpu)
{
	unsigned long flags;

	local_irq_save(flags);
	cache_drain_cpu(per_cpu_ptr(cpu_caches, cpu));
	local_irq_restore(flags);
	return 0;
}

/* kernel_param_lock(THIS_MODULE) held, as for every parameter write. */
static int cache_param_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = kstrtobool(val, &on);

	if (err)
		return err;
	WRITE_ONCE(cache_enabled, on);
	/* At load, and after unload began: the flag is all there is. */
	if (!caches_live)
		return 0;
	pcpu_alt_chunks_track_cached(on);
	if (!on) {
		pcpu_alt_cache_drain_all();
		pcpu_alt_balance_give_back();
	}
	return 0;
}

static const struct kernel_param_ops cache_param_ops = {
	.set = cache_param_set,
	.get = param_get_bool,
};

module_param_cb(cache, &cache_param_ops, &cache_enabled, 0644);
MODULE_PARM_DESC(cache, "serve small allocations from per-CPU caches (default Y)");

/* A new period applies from the reaper's next run. */
static int cache_idle_param_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int err = kstrtouint(val, 0, &ms);

	if (err)
		return err;
	if (ms < PCPU_ALT_CACHE_IDLE_MS_MIN || ms > PCPU_ALT_CACHE_IDLE_MS_MAX)
		return -EINVAL;
	WRITE_ONCE(cache_idle_ms, ms);
	return 0;
}

static const struct kernel_param_ops cache_idle_param_ops = {
	.set = cache_idle_param_set,
	.get = param_get_uint,
};

module_param_cb(cache_idle_ms, &cache_idle_param_ops, &cache_idle_ms, 0644);
MODULE_PARM_DESC(cache_idle_ms, "give back a CPU's cached areas of a class it left unused this long, in ms (100..600000, default 1000)");

/* Kbuild probes the headers: shrinker_alloc() replaced register_shrinker(). */
#ifdef PCPU_ALT_HAVE_SHRINKER_ALLOC
static int cache_shrinker_register(void)
{
	cache_shrinker = shrinker_alloc(0, "pcpu_alt-cache");
	if (!cache_shrinker)
		return -ENOMEM;
	cache_shrinker->count_objects = cache_shrink_count;
	cache_shrinker->scan_objects = cache_shrink_scan;
	shrinker_register(cache_shrinker);
	return 0;
}

static void cache_shrinker_unregister(void)
{
	shrinker_free(cache_shrinker);
}
#else
static struct shrinker cache_shrinker_struct = {
	.count_objects = cache_shrink_count,
	.scan_objects = cache_shrink_scan,
	.seeks = DEFAULT_SEEKS,
};

static int cache_shrinker_register(void)
{
	cache_shrinker = &cache_shrinker_struct;
	return register_shrinker(cache_shrinker, "pcpu_alt-cache");
}

static void cache_shrinker_unregister(void)
{
	unregister_shrinker(cache_shrinker);
}
#endif

/**
 * pcpu_alt_cache_init() - set up the per-CPU caches
 *
 * CONTEXT: module init.
 * RETURNS: 0 or a negative errno.
 */
int pcpu_alt_cache_init(void)
{
	int ret;

	class_table_init();
	pcpu_alt_chunks_track_cached(cache_enabled);
	cpu_caches = __alloc_percpu(cpu_cache_bytes(),
				    __alignof__(struct pcpu_alt_cpu_cache));
	if (!cpu_caches)
		return -ENOMEM;
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"pcpu_alt/cache:dead", NULL,
					cache_cpu_dead);
	if (ret < 0)
		goto free;
	cache_hp_state = ret;
	ret = cache_shrinker_register();
	if (ret)
		goto hp;
	kernel_param_lock(THIS_MODULE);
	caches_live = true;
	kernel_param_unlock(THIS_MODULE);
	return 0;
hp:
	cpuhp_remove_state_nocalls(cache_hp_state);
free:
	free_percpu(cpu_caches);
	cpu_caches = NULL;
	return ret;
}

/**
 * pcpu_alt_cache_exit() - drain and tear down the caches (unload)
 *
 * A parameter write in progress finishes first; later ones find the
 * caches gone.  No CPU can go offline between the removal of the CPU-dead
 * callback and the final drain, which would leave its caches full.
 *
 * CONTEXT: process context; nothing allocates or frees any more.
 */
void pcpu_alt_cache_exit(void)
{
	struct pcpu_alt_stats st = {};

	if (!cpu_caches)
		return;
	kernel_param_lock(THIS_MODULE);
	caches_live = false;
	kernel_param_unlock(THIS_MODULE);
	cache_shrinker_unregister();
	cancel_delayed_work_sync(&cache_reaper);
	cpus_read_lock();
	cpuhp_remove_state_nocalls_cpuslocked(cache_hp_state);
	pcpu_alt_race_window("unload, before the last cache drain");
	pcpu_alt_cache_stats(&st);
	on_each_cpu(cache_drain_this_cpu, NULL, 1);
	cpus_read_unlock();
	if (st.nr_cached)
		pr_info("unload: %lu cached area(s) given back\n", st.nr_cached);
	free_percpu(cpu_caches);
	cpu_caches = NULL;
}
