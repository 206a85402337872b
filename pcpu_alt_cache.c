// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt per-CPU caches: the fast path.
 *
 * Small requests (up to PCPU_ALT_CACHE_MAX_SIZE bytes, alignment up to
 * PCPU_ALT_CACHE_ALIGN) are rounded up to a size class, unless that would
 * leave a quarter or more of the class unused (144 bytes in a 192-byte
 * class, say): per-CPU memory is paid once per CPU, so such requests take
 * the slow path at their exact size.  Each CPU keeps, per
 * class, a short stack of free areas of exactly that size.  An allocation
 * pops one and a free pushes one with IRQs off on the local CPU: no global
 * lock, no shared data but the area's own copies, one bit of the chunk's
 * cached map and, with track_callers, the caller slot.
 *
 * Stacks are refilled and drained a batch at a time under pcpu_alt_lock.
 * A stack's batch starts at one area and doubles with each refill or drain
 * up to PCPU_ALT_CACHE_BATCH, and a stack holds at most two batches: a
 * class a CPU uses rarely pins a few areas, not a full stack (per-CPU
 * memory is the scarce resource).  Draining a whole stack starts it over.
 *
 * A cached area stays allocated in its chunk's bitmaps (so nothing else
 * can take it) and has its bit set in chunk->cached, which is
 * what tells a double free of a cached area from a real free.  Every figure
 * users see counts cached areas as free.
 *
 * A free learns the area's size without a lock: while an area is live, its
 * own alloc and boundary bits never change, whatever happens around it.  The
 * chunk is found through the RCU-safe index; chunks are freed only after a
 * grace period (pcpu_alt_chunk_destroy()).
 *
 * Caches give memory back: a reaper drains the caches of CPUs that did not
 * use them for a period, a shrinker drains all of them under memory
 * pressure, a CPU that goes offline is drained, and turning the cache
 * parameter off drains everything.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
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

/* Size classes in bytes; above 4, multiples of 8 and 8-byte aligned. */
static const unsigned short class_size[] = {
	4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256
};

#define PCPU_ALT_CACHE_CLASSES	ARRAY_SIZE(class_size)
#define PCPU_ALT_CACHE_MAX_SIZE	256
#define PCPU_ALT_CACHE_ALIGN	8
/* Most areas moved per refill or drain, and the most one stack holds. */
#define PCPU_ALT_CACHE_BATCH	16
#define PCPU_ALT_CACHE_DEPTH	(2 * PCPU_ALT_CACHE_BATCH)
/* A CPU's caches unused for this long are drained by the reaper. */
#define PCPU_ALT_CACHE_IDLE_MS	1000

struct cache_entry {
	struct pcpu_alt_chunk *chunk;
	int start;
};

/* @batch: the next refill's size; 0 until the first (same as 1). */
struct cache_stack {
	unsigned int count;
	unsigned int batch;
	struct cache_entry entry[PCPU_ALT_CACHE_DEPTH];
};

static unsigned int stack_batch(const struct cache_stack *s)
{
	return s->batch ?: 1;
}

/* Slow start: each refill or drain doubles the next one, up to the cap. */
static void stack_grow_batch(struct cache_stack *s)
{
	s->batch = min_t(unsigned int, 2 * stack_batch(s),
			 PCPU_ALT_CACHE_BATCH);
}

/*
 * One CPU's caches.  Touched only by its own CPU with IRQs off, or by
 * another CPU once this one is offline (the CPU-dead callback); the
 * counters are read racily for statistics.
 */
struct pcpu_alt_cpu_cache {
	bool used;		/* since the reaper last looked */
	u64 hits;		/* allocations served from the stack */
	u64 frees;		/* frees pushed onto the stack */
	struct cache_stack stack[PCPU_ALT_CACHE_CLASSES];
};

static struct pcpu_alt_cpu_cache __percpu *cpu_caches;

/* Refill and drain operations since load (pcpu_alt_lock). */
static u64 nr_refills;
static u64 nr_drains;

static bool cache_enabled = true;
static enum cpuhp_state cache_hp_state;
static struct shrinker *cache_shrinker;

static void cache_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(cache_reaper, cache_reap);

/* A class may leave less than 1/PCPU_ALT_CACHE_WASTE_DIV of itself unused. */
#define PCPU_ALT_CACHE_WASTE_DIV	4

/*
 * Smallest class holding N 4-byte cells, N = 0..64, or -1 where that class
 * would be left too loose (see the top); built at init.
 */
static s8 class_of_cells[PCPU_ALT_CACHE_MAX_SIZE / PCPU_ALT_MIN_ALLOC + 1];

static void class_table_init(void)
{
	int cells, cls = 0, unused;

	for (cells = 0; cells < ARRAY_SIZE(class_of_cells); cells++) {
		while (class_size[cls] < cells * PCPU_ALT_MIN_ALLOC)
			cls++;
		unused = class_size[cls] - cells * PCPU_ALT_MIN_ALLOC;
		if (PCPU_ALT_CACHE_WASTE_DIV * unused >= class_size[cls])
			class_of_cells[cells] = -1;
		else
			class_of_cells[cells] = cls;
	}
}

/* Class index for a request, or -1 when the cache does not serve it. */
static int class_for_request(size_t size, size_t align)
{
	int cls;

	if (size > PCPU_ALT_CACHE_MAX_SIZE || align > PCPU_ALT_CACHE_ALIGN)
		return -1;
	cls = class_of_cells[DIV_ROUND_UP(size, PCPU_ALT_MIN_ALLOC)];
	/*
	 * Only the 4-byte class is less aligned than asked (8), and the
	 * 8-byte class would be half empty: no class.
	 */
	if (cls < 0 || align > class_size[cls])
		return -1;
	return cls;
}

static int class_align_bits(int cls)
{
	return min_t(int, class_size[cls], PCPU_ALT_CACHE_ALIGN) /
	       PCPU_ALT_MIN_ALLOC;
}

static int class_bits(int cls)
{
	return class_size[cls] / PCPU_ALT_MIN_ALLOC;
}

/* Class an area of @bits at @start may be cached in, or -1. */
static int class_for_area(int start, int bits)
{
	int cls;

	if (bits >= ARRAY_SIZE(class_of_cells))
		return -1;
	cls = class_of_cells[bits];
	if (cls < 0 || class_bits(cls) != bits ||
	    start % class_align_bits(cls))
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

	for_each_possible_cpu(cpu) {
		void *p = pcpu_alt_ptr(ptr, cpu);

		if (!words)
			*(u32 *)p = 0;
		for (i = 0; i < words; i++)
			((u64 *)p)[i] = 0;
	}
}

static void __percpu *entry_ptr(const struct cache_entry *e)
{
	return pcpu_alt_chunk_ptr(e->chunk, e->start);
}

/* Give @n areas of stack @s back to their chunks.  IRQs off. */
static void stack_drain(struct cache_stack *s, int cls, unsigned int n)
{
	lockdep_assert_irqs_disabled();
	spin_lock(&pcpu_alt_lock);
	while (n-- && s->count) {
		struct cache_entry *e = &s->entry[--s->count];

		clear_bit(e->start, e->chunk->cached);
		pcpu_alt_chunk_give_locked(e->chunk, e->start);
	}
	nr_drains++;
	spin_unlock(&pcpu_alt_lock);
}

static void cache_drain_cpu(struct pcpu_alt_cpu_cache *cc)
{
	int cls;

	for (cls = 0; cls < PCPU_ALT_CACHE_CLASSES; cls++) {
		if (cc->stack[cls].count)
			stack_drain(&cc->stack[cls], cls,
				    cc->stack[cls].count);
		cc->stack[cls].batch = 0;
	}
}

static void cache_drain_this_cpu(void *unused)
{
	cache_drain_cpu(this_cpu_ptr(cpu_caches));
}

/**
 * pcpu_alt_cache_drain_all() - give every cached area back to its chunk
 *
 * CONTEXT: process context, IRQs enabled.
 */
void pcpu_alt_cache_drain_all(void)
{
	if (cpu_caches)
		on_each_cpu(cache_drain_this_cpu, NULL, 1);
}

/* Take up to a batch of class @cls areas from populated space.  IRQs off. */
static unsigned int stack_refill(struct cache_stack *s, int cls,
				 unsigned long caller)
{
	unsigned int got = 0, want = stack_batch(s);

	lockdep_assert_irqs_disabled();
	stack_grow_batch(s);
	spin_lock(&pcpu_alt_lock);
	while (got < want && s->count < PCPU_ALT_CACHE_DEPTH) {
		struct cache_entry *e = &s->entry[s->count];

		if (!pcpu_alt_take_populated_locked(class_bits(cls),
						    class_align_bits(cls),
						    caller, &e->chunk,
						    &e->start))
			break;
		set_bit(e->start, e->chunk->cached);
		s->count++;
		got++;
	}
	nr_refills++;
	spin_unlock(&pcpu_alt_lock);
	if (got && !delayed_work_pending(&cache_reaper))
		schedule_delayed_work(&cache_reaper,
				      msecs_to_jiffies(PCPU_ALT_CACHE_IDLE_MS));
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
	int cls = READ_ONCE(cache_enabled) ? class_for_request(size, align) : -1;
	struct pcpu_alt_cpu_cache *cc;
	struct cache_entry e;
	struct cache_stack *s;
	unsigned long flags;
	void __percpu *ptr;

	if (cls < 0 || !cpu_caches)
		return NULL;
	local_irq_save(flags);
	cc = this_cpu_ptr(cpu_caches);
	s = &cc->stack[cls];
	if (!s->count && !stack_refill(s, cls, caller)) {
		local_irq_restore(flags);
		return NULL;
	}
	e = s->entry[--s->count];
	clear_bit(e.start, e.chunk->cached);
	pcpu_alt_chunk_set_caller(e.chunk, e.start, caller);
	cc->used = true;
	cc->hits++;
	local_irq_restore(flags);

	ptr = entry_ptr(&e);
	zero_class_area(ptr, cls);
	trace_pcpu_alt_alloc(caller, size, align,
			     !gfpflags_allow_blocking(gfp), e.chunk->id,
			     e.start * PCPU_ALT_MIN_ALLOC, class_size[cls]);
	return ptr;
}

/**
 * pcpu_alt_cache_free() - take a freed area into this CPU's cache
 * @ptr: the area
 * @caller: the free's call site
 * @id: set to the area's chunk id when the free is refused
 * @offset: set to the area's offset when the free is refused
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
	struct pcpu_alt_chunk *chunk;
	struct pcpu_alt_cpu_cache *cc;
	int start, bits, cls = -1;
	bool twice = false;
	unsigned long flags;
	struct cache_stack *s;

	if (!READ_ONCE(cache_enabled) || !cpu_caches)
		return PCPU_ALT_CACHE_MISS;
	local_irq_save(flags);
	rcu_read_lock();
	if (pcpu_alt_lookup_rcu(ptr, &chunk, &start, &bits) && chunk->cached)
		cls = class_for_area(start, bits);
	if (cls >= 0)
		twice = test_and_set_bit(start, chunk->cached);
	if (twice) {
		*id = chunk->id;
		*offset = start * PCPU_ALT_MIN_ALLOC;
	} else if (cls >= 0) {
		cc = this_cpu_ptr(cpu_caches);
		s = &cc->stack[cls];
		if (s->count >= 2 * stack_batch(s)) {
			stack_drain(s, cls, stack_batch(s));
			stack_grow_batch(s);
		}
		s->entry[s->count].chunk = chunk;
		s->entry[s->count].start = start;
		s->count++;
		cc->used = true;
		cc->frees++;
		trace_pcpu_alt_free(caller, chunk->id,
				    start * PCPU_ALT_MIN_ALLOC, class_size[cls]);
	}
	rcu_read_unlock();
	local_irq_restore(flags);

	if (cls < 0)
		return PCPU_ALT_CACHE_MISS;
	return twice ? PCPU_ALT_CACHE_REFUSED : PCPU_ALT_CACHE_TAKEN;
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
 * @st: snapshot taken under pcpu_alt_lock; cached areas become free
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
	st->nr_cache_refills = nr_refills;
	st->nr_cache_drains = nr_drains;
	if (!cpu_caches)
		return;
	for_each_possible_cpu(cpu) {
		const struct pcpu_alt_cpu_cache *cc =
			per_cpu_ptr(cpu_caches, cpu);

		cpu_cache_totals(cc, &areas, &bytes);
		st->nr_cache_hits += READ_ONCE(cc->hits);
		st->nr_cache_frees += READ_ONCE(cc->frees);
	}
	st->nr_cached = areas;
	st->cached_bytes = bytes;
}

/**
 * pcpu_alt_cache_show() - one line per CPU: areas and bytes cached, use
 * @m: the seq_file
 *
 * CONTEXT: process context.
 */
void pcpu_alt_cache_show(struct seq_file *m)
{
	unsigned int cpu;

	/* percpu_bytes: what each CPU's caches take from the stock allocator. */
	seq_printf(m, "# cache=%d classes=%zu max_batch=%d max_depth=%d percpu_bytes=%zu\n",
		   READ_ONCE(cache_enabled), PCPU_ALT_CACHE_CLASSES,
		   PCPU_ALT_CACHE_BATCH, PCPU_ALT_CACHE_DEPTH,
		   cpu_caches ? sizeof(struct pcpu_alt_cpu_cache) : 0);
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

/* Reaper: drain CPUs whose caches sat unused for a whole period. */
static bool cache_idle(int cpu, void *unused)
{
	struct pcpu_alt_cpu_cache *cc = per_cpu_ptr(cpu_caches, cpu);
	unsigned long areas = 0, bytes = 0;
	bool used = READ_ONCE(cc->used);

	WRITE_ONCE(cc->used, false);
	cpu_cache_totals(cc, &areas, &bytes);
	return !used && areas;
}

static void cache_reap(struct work_struct *work)
{
	struct pcpu_alt_stats st = {};

	on_each_cpu_cond(cache_idle, cache_drain_this_cpu, NULL, true);
	pcpu_alt_cache_stats(&st);
	if (st.nr_cached)
		schedule_delayed_work(&cache_reaper,
				      msecs_to_jiffies(PCPU_ALT_CACHE_IDLE_MS));
	/*
	 * Only to give back what the drains freed: a run kicked here while
	 * the reserve is low would populate pages nobody asked for yet.
	 */
	if (pcpu_alt_balance_has_excess())
		pcpu_alt_balance_kick();
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
	pcpu_alt_cache_drain_all();
	pcpu_alt_balance_kick();
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

static int cache_param_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = kstrtobool(val, &on);

	if (err)
		return err;
	WRITE_ONCE(cache_enabled, on);
	pcpu_alt_chunks_track_cached(on);
	if (!on && cpu_caches) {
		pcpu_alt_cache_drain_all();
		pcpu_alt_balance_kick();
	}
	return 0;
}

static const struct kernel_param_ops cache_param_ops = {
	.set = cache_param_set,
	.get = param_get_bool,
};

module_param_cb(cache, &cache_param_ops, &cache_enabled, 0644);
MODULE_PARM_DESC(cache, "serve small allocations from per-CPU caches (default Y)");

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
	cpu_caches = alloc_percpu(struct pcpu_alt_cpu_cache);
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
 * CONTEXT: process context; nothing allocates or frees any more.
 */
void pcpu_alt_cache_exit(void)
{
	if (!cpu_caches)
		return;
	cache_shrinker_unregister();
	cpuhp_remove_state_nocalls(cache_hp_state);
	cancel_delayed_work_sync(&cache_reaper);
	pcpu_alt_cache_drain_all();
	free_percpu(cpu_caches);
	cpu_caches = NULL;
}
