/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt: a second dynamic per-CPU allocator.  Public API.
 *
 * pcpu_alt_alloc() returns a __percpu pointer to an area that exists once per
 * possible CPU, zeroed on all of them.  pcpu_alt_ptr() turns it into one
 * CPU's copy.  When pcpu_alt_is_compat() is true the pointer also works with
 * the kernel's own per_cpu_ptr() and this_cpu_*() operations.
 */
#ifndef _PCPU_ALT_H
#define _PCPU_ALT_H

#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/types.h>

/*
 * What pcpu_alt_ptr() adds to a pcpu_alt pointer for each CPU (indexed by
 * CPU number).  In compat layout this is __per_cpu_offset itself.
 */
extern const unsigned long *pcpu_alt_cpu_offset;

void __percpu *pcpu_alt_alloc(size_t size, size_t align, gfp_t gfp);
void pcpu_alt_free(void __percpu *ptr);
bool pcpu_alt_is_compat(void);
bool pcpu_alt_busy_here(void);

/* For a module that allocates on behalf of others (pcpu_alt_live.ko). */
void __percpu *pcpu_alt_alloc_caller(size_t size, size_t align, gfp_t gfp,
				     unsigned long caller);
int pcpu_alt_free_caller(void __percpu *ptr, unsigned long caller);
bool pcpu_alt_owns(const void __percpu *ptr);

/**
 * pcpu_alt_ptr() - address of one CPU's copy of a pcpu_alt area
 * @ptr: pointer returned by pcpu_alt_alloc()
 * @cpu: a possible CPU
 */
#define pcpu_alt_ptr(ptr, cpu)						\
({									\
	typeof(ptr) __pa_ptr = (ptr);					\
	unsigned long __pa_addr = (__force unsigned long)__pa_ptr +	\
				  pcpu_alt_cpu_offset[cpu];		\
	__verify_pcpu_ptr(__pa_ptr);					\
	(typeof(*__pa_ptr) __kernel __force *)__pa_addr;		\
})

/**
 * pcpu_alt_this_ptr() - address of the current CPU's copy
 * @ptr: pointer returned by pcpu_alt_alloc()
 *
 * The caller keeps preemption disabled while it uses the result.
 */
#define pcpu_alt_this_ptr(ptr)	pcpu_alt_ptr(ptr, smp_processor_id())

/**
 * pcpu_alt_alloc_type() - allocate one @type per CPU
 * @type: the type
 * @gfp: allocation flags
 */
#define pcpu_alt_alloc_type(type, gfp)					\
	((type __percpu *)pcpu_alt_alloc(sizeof(type), __alignof__(type), gfp))

/**
 * pcpu_alt_alloc_array() - allocate an array of @n @type per CPU
 * @type: the element type
 * @n: number of elements; an overflowing size fails the allocation
 * @gfp: allocation flags
 */
#define pcpu_alt_alloc_array(type, n, gfp)				\
	((type __percpu *)pcpu_alt_alloc(size_mul(sizeof(type), n),	\
					 __alignof__(type), gfp))

/* ---- introspection and control, for tests, tools and debugfs ---- */

/* Why an allocation failed; indexes pcpu_alt_stats.fail[]. */
enum pcpu_alt_fail_reason {
	PCPU_ALT_FAIL_BAD_SIZE,		/* size 0 or above the limit */
	PCPU_ALT_FAIL_BAD_ALIGN,	/* not a power of two, or > PAGE_SIZE */
	PCPU_ALT_FAIL_NO_POPULATED,	/* non-blocking: no populated room */
	PCPU_ALT_FAIL_CHUNK,		/* could not create a chunk */
	PCPU_ALT_FAIL_POPULATE,		/* could not back pages */
	PCPU_ALT_FAIL_KILLED,		/* a fatal signal ended the wait */
	PCPU_ALT_FAIL_BUSY,		/* non-blocking: chunks with room kept
					 * moving as it waited for them
					 */
	PCPU_ALT_FAIL_NR
};

/**
 * struct pcpu_alt_stats - a consistent snapshot of the allocator
 * @nr_allocs: successful allocations since load (one rolled back after
 *             its page could not be backed is not one)
 * @nr_frees: successful frees since load
 * @fail: failed allocations by reason
 * @bad_frees: frees refused (double free, foreign or interior pointer)
 * @nr_live: live allocations
 * @nr_max_live: most live allocations at any time since load, areas in
 *               per-CPU caches left out; seen when a cache moves a batch
 *               and when stats are read (frees into a CPU's cache since
 *               it last moved one may count as live meanwhile)
 * @min_alloc_bytes: smallest allocation since load (4-byte granularity;
 *                   0 before the first)
 * @max_alloc_bytes: largest allocation since load
 * @live_bytes: bytes of live allocations, per CPU (requested sizes rounded
 *              up to the 4-byte granularity)
 * @nr_chunks: chunks
 * @nr_max_chunks: most chunks at any time since load
 * @nr_populated_pages: populated pages, per unit, over all chunks
 * @nr_empty_pop_pages: populated pages holding no allocation, per unit;
 *                      those holding only areas in per-CPU caches count
 *                      as empty too (the reserve does not use them: a
 *                      cache must give its areas back first)
 * @meta_bytes: bytes of metadata (chunk structs, bitmaps, hint blocks)
 * @unit_size: bytes per unit; also the largest allocation
 * @nr_units: units per chunk (possible CPUs)
 * @empty_pages_low: background work populates below this many empty pages
 * @empty_pages_high: and depopulates above this many
 * @nr_chunks_created: chunks created since load
 * @nr_chunks_destroyed: chunks destroyed since load
 * @nr_pages_populated: page indexes populated since load
 * @nr_pages_depopulated: page indexes depopulated since load
 * @nr_balance_runs: background work runs since load
 * @nr_faults_injected: internal allocations failed on purpose
 * @nr_regions: virtual regions held (should equal @nr_chunks)
 * @nr_backing_pages: pages mapped into regions, all units counted (should
 *                    equal @nr_populated_pages times @nr_units)
 * @cache_enabled: small allocations are served from per-CPU caches
 * @nr_cached: areas sitting in per-CPU caches (counted as free above)
 * @cached_bytes: their bytes, per CPU
 * @nr_cache_hits: allocations served from a per-CPU cache
 * @nr_cache_frees: frees taken into a per-CPU cache
 * @nr_cache_refills: batch refills of a cache from the chunks
 * @nr_cache_drains: batch drains of a cache back to the chunks
 * @compat: compat layout in use
 * @km_backend: chunks are fully backed at creation
 * @site_meta_bytes: what recording call sites takes: a byte per 4-byte
 *                   cell of every chunk, plus the site table
 * @nr_sites: call sites recorded (at most 254; later ones are "other")
 * @nr_site_overflows: allocations from sites beyond the table
 * @nr_accounted: requests that asked for __GFP_ACCOUNT, which pcpu_alt
 *                cannot honour: their areas are not charged to a memory
 *                cgroup
 */
struct pcpu_alt_stats {
	u64 nr_allocs;
	u64 nr_frees;
	u64 fail[PCPU_ALT_FAIL_NR];
	u64 bad_frees;
	u64 nr_live;
	u64 nr_max_live;
	u64 min_alloc_bytes;
	u64 max_alloc_bytes;
	u64 live_bytes;
	unsigned int nr_chunks;
	unsigned int nr_max_chunks;
	unsigned int nr_populated_pages;
	unsigned int nr_empty_pop_pages;
	size_t meta_bytes;
	size_t unit_size;
	unsigned int nr_units;
	unsigned int empty_pages_low;
	unsigned int empty_pages_high;
	u64 nr_chunks_created;
	u64 nr_chunks_destroyed;
	u64 nr_pages_populated;
	u64 nr_pages_depopulated;
	u64 nr_balance_runs;
	u64 nr_faults_injected;
	unsigned long nr_regions;
	unsigned long nr_backing_pages;
	bool cache_enabled;
	unsigned long nr_cached;
	unsigned long cached_bytes;
	u64 nr_cache_hits;
	u64 nr_cache_frees;
	u64 nr_cache_refills;
	u64 nr_cache_drains;
	bool compat;
	bool km_backend;
	size_t site_meta_bytes;
	unsigned int nr_sites;
	u64 nr_site_overflows;
	u64 nr_accounted;
};

/**
 * struct pcpu_alt_ptr_info - where an allocation lives
 * @chunk_id: id of its chunk
 * @offset: byte offset inside each unit
 * @size: allocated bytes (4-byte granularity)
 * @slot: slot list the chunk is on
 */
struct pcpu_alt_ptr_info {
	int chunk_id;
	unsigned long offset;
	size_t size;
	int slot;
};

/* Site ids: the most entries pcpu_alt_site_usage() ever fills. */
#define PCPU_ALT_SITES	256

/**
 * struct pcpu_alt_site_usage - what one call site holds
 * @count: live areas it allocated
 * @bytes: their bytes per CPU, as allocated
 * @site: its name as debugfs callers prints it ("fn+0x1c/0x90 [mod]")
 */
struct pcpu_alt_site_usage {
	u64 count;
	u64 bytes;
	char site[128];
};

void pcpu_alt_get_stats(struct pcpu_alt_stats *st);
int pcpu_alt_site_usage(struct pcpu_alt_site_usage *out, int max);
int pcpu_alt_ptr_info(void __percpu *ptr, struct pcpu_alt_ptr_info *info);
int pcpu_alt_verify(void);
u64 pcpu_alt_frag_bytes(size_t min_run);
void pcpu_alt_balance_now(void);
int pcpu_alt_set_watermarks(unsigned int low, unsigned int high);
void pcpu_alt_set_fault_injection(unsigned int every);

/* ---- test aids, for pcpu_alt_test.ko ---- */

/**
 * struct pcpu_alt_gfp_record - flags internal allocations ran with
 * @count: internal allocations recorded
 * @any: their flags ORed, after the task's reclaim scope (vmap(), which
 *       takes no flags, counts as GFP_KERNEL in that scope)
 * @nr_flagged: of them, those given flags
 * @all: the flags of those ANDed, after the scope
 */
struct pcpu_alt_gfp_record {
	unsigned int count;
	gfp_t any;
	unsigned int nr_flagged;
	gfp_t all;
};

void pcpu_alt_test_record_gfp(struct pcpu_alt_gfp_record *rec);

/* Where pcpu_alt calls a test hook. */
enum pcpu_alt_test_point {
	/* a free on the fast path, about to claim its area (IRQs off) */
	PCPU_ALT_TEST_FREE_CLAIM,
	/* this CPU's per-CPU caches were just drained (IRQs off) */
	PCPU_ALT_TEST_CACHE_DRAINED,
	/* a caller's area was just taken, its chunk locked (IRQs off) */
	PCPU_ALT_TEST_AREA_TAKEN,
	/* a caller's page is about to be populated (pcpu_alt_mutex held) */
	PCPU_ALT_TEST_POPULATE,
	/* verify is between two chunks (process context, no lock held) */
	PCPU_ALT_TEST_VERIFY_CHUNK,
	/* a free is about to look at this CPU's caches (IRQs still on) */
	PCPU_ALT_TEST_FREE_ENTRY,
	/* the cache reaper found no CPU to watch and stops (process context) */
	PCPU_ALT_TEST_REAPER_IDLE,
	/* a search waits for a busy chunk's lock; @ptr: the chunk (IRQs off) */
	PCPU_ALT_TEST_FIND_WAIT,
	/*
	 * a chunk copy is between two locked sections (IRQs on, no lock);
	 * @ptr: the chunk's first byte
	 */
	PCPU_ALT_TEST_COPY_GAP,
	/* a chunk was searched and had no room; @ptr: its first byte */
	PCPU_ALT_TEST_SEARCH_MISS,
	/* a run of the background work ended (process context) */
	PCPU_ALT_TEST_BALANCE_END,
	/* the shrinker is about to drain the caches (reclaim context) */
	PCPU_ALT_TEST_SHRINK,
};

typedef void (*pcpu_alt_test_hook_fn)(enum pcpu_alt_test_point point,
				      const void __percpu *ptr);

void pcpu_alt_set_test_hook(pcpu_alt_test_hook_fn fn);

#endif /* _PCPU_ALT_H */
