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
 * @lock: protects everything below marked (lock); IRQ-safe
 * @list: on a slot list (pcpu_alt_slots_lock and @lock to move it)
 * @slot: which one (same)
 * @moves: bumped by every move of @list (same): a walk that dropped the
 *         lists' lock to wait for @lock tells whether it moved meanwhile
 * @id: never reused while loaded
 * @isolated: off the lists and the index, being destroyed (lock)
 * @base: region base address
 * @map: allocation map and hints (lock)
 * @populated: page indexes that are backed; changed only with both
 *             pcpu_alt_mutex and @lock held, so either suffices to read it
 * @nr_populated: bits set in @populated (same rule)
 * @nr_empty_pop: populated pages with no allocation in them (lock)
 * @pop_contig: no free run inside populated pages is longer (lock; read
 *              racily as a hint): kept a bound as areas come and go, and
 *              made exact again when a search for populated room finds
 *              none, so searches that need populated room skip chunks
 *              without it
 * @sites: call site id (pcpu_alt_sites.c) of the area starting at each
 *         bit; written under @lock, or by the cache fast path for an area
 *         it owns; meaningful at the start of a live area only
 * @cached: bit set at the start of each area sitting in a per-CPU cache;
 *          NULL when the chunk was made with caches off.  Atomic bitops:
 *          see "Cached areas" at the top of pcpu_alt_chunk.c.
 * @changes: bumped by every change to @map or @populated (lock); a copy
 *           made in several sections is whole when it did not move
 */
struct pcpu_alt_chunk {
	spinlock_t lock;	/* see above and pcpu_alt_chunk.c */
	struct list_head list;
	int slot;
	int moves;
	int id;
	bool isolated;
	void *base;
	struct pcpu_alt_map map;
	unsigned long *populated;
	int nr_populated;
	int nr_empty_pop;
	int pop_contig;
	u8 *sites;
	unsigned long *cached;
	unsigned long changes;
};

/**
 * struct pcpu_alt_area - one area: its chunk and first bit
 * @chunk: the chunk
 * @start: first bit of the area in the chunk's map
 */
struct pcpu_alt_area {
	struct pcpu_alt_chunk *chunk;
	int start;
};

/**
 * struct pcpu_alt_chunk_copy - one chunk copied in one locked section
 * @map: copy of the map; its pointers point at the copy's own buffers
 * @populated: copy of the populated bitmap
 * @cached: copy of the cached bitmap (when @has_cached)
 * @sites: copy of the site ids
 * @has_cached: the chunk tracks cached areas
 * @id: chunk id
 * @slot: its slot list
 * @spare: it is the first fully free chunk, the one kept as a spare
 * @nr_populated: its populated pages
 * @nr_empty_pop: its populated pages holding no allocation
 * @whole: the map, hints, counters and populated bitmap are one snapshot
 *         (the chunk did not change while it was copied); when false they
 *         may mix states a few allocations apart, each page's bits and
 *         hints one snapshot, and checks go page by page
 *
 * For views and checks that must not hold a chunk's lock while they
 * scan: the copy is made in sections of a few pages, each under the lock
 * with IRQs off, IRQs on between them, and everything else runs on the
 * copy.  The cached bits and call site ids, which the per-CPU caches
 * write without the lock, are as racy as a direct read.
 */
struct pcpu_alt_chunk_copy {
	struct pcpu_alt_map map;
	unsigned long *populated;
	unsigned long *cached;
	u8 *sites;
	bool has_cached;
	int id;
	int slot;
	bool spare;
	int nr_populated;
	int nr_empty_pop;
	bool whole;
};

extern struct mutex pcpu_alt_mutex;

/* pcpu_alt_mutex, taken and released only through these. */
void pcpu_alt_lock(void);
int pcpu_alt_lock_killable(void);
void pcpu_alt_unlock(void);
bool pcpu_alt_chunks_busy_here(void);
extern bool pcpu_alt_km_backend;
extern int pcpu_alt_nr_slots;

int pcpu_alt_chunks_init(bool km_backend);
void pcpu_alt_chunks_exit(void);
void pcpu_alt_chunks_track_cached(bool on);
int pcpu_alt_free_slot(void);

/* The slow path and its frees. */
struct pcpu_alt_chunk *pcpu_alt_chunk_alloc(int bits, int align_bits,
					    gfp_t gfp, unsigned long caller,
					    int *start,
					    enum pcpu_alt_fail_reason *reason,
					    const char **why);
int pcpu_alt_chunk_free(const void __percpu *ptr, unsigned long caller,
			int *id, unsigned long *offset);
void __percpu *pcpu_alt_chunk_ptr(const struct pcpu_alt_chunk *chunk,
				  int start);

/* For the per-CPU caches. */
bool pcpu_alt_lookup_rcu(const void __percpu *ptr,
			 struct pcpu_alt_chunk **chunk, unsigned long *offset);
int pcpu_alt_area_bits_racy(const struct pcpu_alt_chunk *chunk, int start);
int pcpu_alt_chunk_take_cached(int bits, int align_bits, int want,
			       unsigned long caller,
			       struct pcpu_alt_area *areas);
void pcpu_alt_chunk_give_cached(struct pcpu_alt_area *areas, int n);
void pcpu_alt_chunks_note_cached(long delta);
u64 pcpu_alt_chunks_note_live(u64 live);
void pcpu_alt_chunk_set_caller(struct pcpu_alt_chunk *chunk, int start,
			       unsigned long caller);

/* For the background work (pcpu_alt_mutex held). */
struct pcpu_alt_chunk *pcpu_alt_chunk_create(gfp_t gfp, const char **why);
int pcpu_alt_chunks_pick_spare(unsigned int keep_empty_pages,
			       struct list_head *doomed);
void pcpu_alt_chunks_free_doomed(struct list_head *doomed);
int pcpu_alt_chunks_depopulate_step(int max);
int pcpu_alt_chunks_populate_one(gfp_t gfp);
unsigned int pcpu_alt_nr_free_chunks(void);
unsigned int pcpu_alt_nr_empty_pop_pages(void);
void pcpu_alt_count_balance_run(void);

/* Introspection. */
void pcpu_alt_chunks_stats(struct pcpu_alt_stats *st);
int pcpu_alt_chunk_ptr_info(const void __percpu *ptr,
			    struct pcpu_alt_ptr_info *info);
int pcpu_alt_chunks_verify(void);
u64 pcpu_alt_chunks_frag_bytes(size_t min_run);
int pcpu_alt_chunks_order(int *slot_of, int *ids, int cap);
int *pcpu_alt_chunk_ids(int *nr);
int pcpu_alt_chunk_copy_init(struct pcpu_alt_chunk_copy *c);
void pcpu_alt_chunk_copy_destroy(struct pcpu_alt_chunk_copy *c);
bool pcpu_alt_chunk_copy(int id, struct pcpu_alt_chunk_copy *c);
int pcpu_alt_chunk_copy_check(const struct pcpu_alt_chunk_copy *c,
			      pcpu_alt_report_fn report, void *arg);

#endif /* _PCPU_ALT_CHUNK_H */
