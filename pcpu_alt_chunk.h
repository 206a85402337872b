/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt chunks: lifecycle, slot lists, the lookup index and the
 * accounting around each chunk's allocation map (pcpu_alt_chunk.c).
 * Not a public API.
 */
#ifndef _PCPU_ALT_CHUNK_H
#define _PCPU_ALT_CHUNK_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include "pcpu_alt.h"
#include "pcpu_alt_map.h"

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

/* Locks and slot lists: see the top of pcpu_alt_chunk.c. */
extern spinlock_t pcpu_alt_lock;
extern struct mutex pcpu_alt_mutex;
extern struct list_head *pcpu_alt_slots;
extern int pcpu_alt_nr_slots;
extern bool pcpu_alt_km_backend;

int pcpu_alt_chunks_init(bool km_backend);
void pcpu_alt_chunks_exit(void);
void pcpu_alt_chunks_track_cached(bool on);

/* Lifecycle (pcpu_alt_mutex held). */
struct pcpu_alt_chunk *pcpu_alt_chunk_create(const char **why);
void pcpu_alt_chunk_isolate(struct pcpu_alt_chunk *chunk);
void pcpu_alt_chunk_destroy(struct pcpu_alt_chunk *chunk);

/* Slots and page accounting, for the background work (pcpu_alt_lock). */
int pcpu_alt_free_slot(void);
void pcpu_alt_chunk_mark_populated(struct pcpu_alt_chunk *chunk, int page);
int pcpu_alt_chunk_isolate_empty(struct pcpu_alt_chunk *chunk,
				 unsigned long *pages, int max);
unsigned int pcpu_alt_nr_free_chunks(void);
unsigned int pcpu_alt_nr_empty_pop_pages(void);
void pcpu_alt_count_balance_run(void);

/* The slow path and its frees. */
struct pcpu_alt_chunk *pcpu_alt_chunk_alloc(int bits, int align_bits,
					    bool atomic, unsigned long caller,
					    int *start,
					    enum pcpu_alt_fail_reason *reason,
					    const char **why);
int pcpu_alt_chunk_free(const void __percpu *ptr, unsigned long caller,
			int *id, unsigned long *offset);
void __percpu *pcpu_alt_chunk_ptr(const struct pcpu_alt_chunk *chunk,
				  int start);

/* For the per-CPU caches. */
bool pcpu_alt_lookup_rcu(const void __percpu *ptr,
			 struct pcpu_alt_chunk **chunk, int *start, int *bits);
bool pcpu_alt_take_populated_locked(int bits, int align_bits,
				    unsigned long caller,
				    struct pcpu_alt_chunk **chunk, int *start);
void pcpu_alt_chunk_give_locked(struct pcpu_alt_chunk *chunk, int start);
void pcpu_alt_chunk_set_caller(struct pcpu_alt_chunk *chunk, int start,
			       unsigned long caller);

/* Introspection. */
void pcpu_alt_chunks_stats(struct pcpu_alt_stats *st);
int pcpu_alt_chunk_ptr_info(const void __percpu *ptr,
			    struct pcpu_alt_ptr_info *info);
int pcpu_alt_chunks_verify(void);
u64 pcpu_alt_chunks_frag_bytes(size_t min_run);

#endif /* _PCPU_ALT_CHUNK_H */
