/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt internals shared by the module's files.  Not a public API.
 */
#ifndef _PCPU_ALT_INTERNAL_H
#define _PCPU_ALT_INTERNAL_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include "pcpu_alt.h"
#include "pcpu_alt_chunk.h"

#define PCPU_ALT_VERSION	"0.2.0"

/* Automatic unit size never exceeds this (bytes); it bounds metadata. */
#define PCPU_ALT_MAX_UNIT	(1024 * 1024)

enum pcpu_alt_layout_mode {
	PCPU_ALT_LAYOUT_AUTO,
	PCPU_ALT_LAYOUT_COMPAT,
	PCPU_ALT_LAYOUT_PRIVATE,
};

/**
 * struct pcpu_alt_layout - how every chunk's region is laid out
 * @compat: units at the kernel's own per-CPU distances
 * @nr_units: units per chunk, one per possible CPU
 * @unit_pages: pages per unit
 * @unit_size: bytes per unit
 * @span: bytes of one region, gaps included
 * @bias: a pointer handed out is (region base + offset - @bias)
 * @unit_off: byte offset of each CPU's unit from the region base
 * @why: why this layout was chosen, for the load message and debugfs
 *
 * Set once at load, read-only afterwards.
 */
struct pcpu_alt_layout {
	bool compat;
	unsigned int nr_units;
	int unit_pages;
	size_t unit_size;
	unsigned long span;
	unsigned long bias;
	unsigned long *unit_off;
	const char *why;
};

extern struct pcpu_alt_layout pcpu_alt_layout;

/**
 * struct pcpu_alt_chunk - one region and its allocation state
 * @list: on a slot list (pcpu_alt_lock)
 * @slot: which one (pcpu_alt_lock)
 * @id: never reused while loaded
 * @isolated: off the lists and the index, being destroyed (pcpu_alt_lock)
 * @base: region base address
 * @map: allocation map and hints (pcpu_alt_lock)
 * @populated: page indexes that are backed; changed only with both
 *             pcpu_alt_mutex and pcpu_alt_lock held, so either suffices to
 *             read it
 * @nr_populated: bits set in @populated (same rule)
 * @nr_empty_pop: populated pages with no allocation in them (pcpu_alt_lock)
 * @callers: allocation start bit -> caller address (own IRQ-safe lock;
 *           touched under pcpu_alt_lock, after isolation, or by the cache
 *           fast path for an area it owns)
 * @cached: bit set at the start of each area sitting in a per-CPU cache
 *          (atomic bitops); NULL when the chunk was made with caches off
 */
struct pcpu_alt_chunk {
	struct list_head list;
	int slot;
	int id;
	bool isolated;
	void *base;
	struct pcpu_alt_map map;
	unsigned long *populated;
	int nr_populated;
	int nr_empty_pop;
	struct xarray callers;
	unsigned long *cached;
};

/* Locks and lists: pcpu_alt.c. */
extern spinlock_t pcpu_alt_lock;
extern struct mutex pcpu_alt_mutex;
extern struct list_head *pcpu_alt_slots;
extern int pcpu_alt_nr_slots;
extern bool pcpu_alt_km_backend;

/* Layout and regions: pcpu_alt_region.c. */
int pcpu_alt_layout_init(int mode, size_t unit_bytes);
void pcpu_alt_layout_exit(void);
void *pcpu_alt_region_create(void);
void pcpu_alt_region_destroy(void *base);
void pcpu_alt_region_counts(unsigned long *regions, unsigned long *pages);
int pcpu_alt_region_populate(void *base, int page);
void pcpu_alt_region_depopulate(void *base, const unsigned long *pages,
				int nr_pages);

/* Chunks and their accounting: pcpu_alt.c. */
struct pcpu_alt_chunk *pcpu_alt_chunk_create(const char **why);
void pcpu_alt_chunk_isolate(struct pcpu_alt_chunk *chunk);
void pcpu_alt_chunk_destroy(struct pcpu_alt_chunk *chunk);
void pcpu_alt_chunk_relocate(struct pcpu_alt_chunk *chunk);
void pcpu_alt_chunk_mark_populated(struct pcpu_alt_chunk *chunk, int page);
int pcpu_alt_chunk_isolate_empty(struct pcpu_alt_chunk *chunk,
				 unsigned long *pages, int max);
unsigned int pcpu_alt_nr_free_chunks(void);
bool pcpu_alt_has_excess(void);
int pcpu_alt_free_slot(void);
void pcpu_alt_count_balance_run(void);
unsigned int pcpu_alt_nr_empty_pop_pages(void);
unsigned int pcpu_alt_empty_low(void);
unsigned int pcpu_alt_empty_high(void);

/* Background work: pcpu_alt_balance.c. */
void pcpu_alt_balance_kick(void);
void pcpu_alt_balance_stop(void);

/* Lock-free and cache helpers: pcpu_alt.c. */
void __percpu *pcpu_alt_chunk_ptr(const struct pcpu_alt_chunk *chunk,
				  int start);
bool pcpu_alt_lookup_rcu(const void __percpu *ptr,
			 struct pcpu_alt_chunk **chunk, int *start, int *bits);
bool pcpu_alt_take_populated_locked(int bits, int align_bits,
				    unsigned long caller,
				    struct pcpu_alt_chunk **chunk, int *start);
void pcpu_alt_chunk_give_locked(struct pcpu_alt_chunk *chunk, int start);
void pcpu_alt_chunk_set_caller(struct pcpu_alt_chunk *chunk, int start,
			       unsigned long caller);
void pcpu_alt_refuse_free(const void __percpu *ptr, unsigned long caller,
			  int id, unsigned long offset, const char *why);

/* Per-CPU caches: pcpu_alt_cache.c. */
struct seq_file;
int pcpu_alt_cache_init(void);
void pcpu_alt_cache_exit(void);
bool pcpu_alt_cache_enabled(void);
void __percpu *pcpu_alt_cache_alloc(size_t size, size_t align, gfp_t gfp,
				    unsigned long caller);
bool pcpu_alt_cache_free(void __percpu *ptr, unsigned long caller);
void pcpu_alt_cache_drain_all(void);
void pcpu_alt_cache_stats(struct pcpu_alt_stats *st);
void pcpu_alt_cache_show(struct seq_file *m);

/* Fault injection: true when this internal allocation should fail. */
bool pcpu_alt_fault_inject(void);

/* debugfs: pcpu_alt_debugfs.c. */
void pcpu_alt_debugfs_init(void);
void pcpu_alt_debugfs_exit(void);

#endif /* _PCPU_ALT_INTERNAL_H */
