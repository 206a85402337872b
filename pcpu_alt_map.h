/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt allocation map: the bitmaps of one chunk and their hints.
 *
 * A chunk's unit is cut into bits of PCPU_ALT_MIN_ALLOC bytes.  Every unit of
 * a chunk has the same layout, so one map describes all of them.
 *
 *   alloc_map  one bit per PCPU_ALT_MIN_ALLOC bytes, set = in use
 *   bound_map  nr_bits + 1 bits; bit i is set where an allocation starts and
 *              one past where one ends, and clear inside free runs.  Free
 *              therefore needs no size: the end is the next set bound bit.
 *   blocks     one struct pcpu_alt_block per page of the unit (the map's
 *              PCPU_ALT_BLOCK_BITS bits), caching where the free space is.
 *
 * Hints are kept exact, except the scan hint, which may be "unknown" (0).
 * Block hints are updated incrementally on free and on allocations that do
 * not touch the block's largest run; otherwise the block (one page worth of
 * bits) is rescanned.  Map-level hints are rebuilt from the blocks, never
 * from the bitmap, so no operation scans a whole chunk bitmap.
 *
 * This file is pure logic: no locks, no knowledge of pages or CPUs.  The
 * caller serialises all calls on one map.
 */
#ifndef _PCPU_ALT_MAP_H
#define _PCPU_ALT_MAP_H

#include <linux/types.h>

/* Allocation granularity in bytes: one bitmap bit. */
#define PCPU_ALT_MIN_ALLOC	4
/* Bits of one hint block: one page of a unit. */
#define PCPU_ALT_BLOCK_BITS	((int)(PAGE_SIZE / PCPU_ALT_MIN_ALLOC))

/**
 * struct pcpu_alt_block - hints for one page worth of a map
 * @contig: length of the largest free run inside the block
 * @contig_start: where that run starts (block-relative); BLOCK_BITS if none
 * @scan: length of the largest free run lying before @contig_start, or 0
 *        when unknown; an allocation larger than @scan starts looking at
 *        @contig_start instead of @first_free
 * @scan_start: where the @scan run starts (block-relative)
 * @left_free: free bits at the block's start
 * @right_free: free bits at the block's end
 * @first_free: first free bit (block-relative); BLOCK_BITS if none
 * @nr_free: free bits in the block
 *
 * All positions and lengths are in bits.  Runs do not extend past the block;
 * @left_free and @right_free let callers join runs across blocks.
 */
struct pcpu_alt_block {
	int contig;
	int contig_start;
	int scan;
	int scan_start;
	int left_free;
	int right_free;
	int first_free;
	int nr_free;
};

/**
 * struct pcpu_alt_map - allocation state of one chunk's unit
 * @nr_bits: bits in the map (unit size / PCPU_ALT_MIN_ALLOC)
 * @nr_blocks: hint blocks (pages per unit)
 * @alloc_map: set bit = PCPU_ALT_MIN_ALLOC bytes in use
 * @bound_map: allocation boundaries, see the file comment
 * @blocks: per-page hints
 * @contig: largest free run of the map, across block boundaries
 * @contig_start: where it starts; @nr_bits if the map is full
 * @contig_rest: no other free run is longer (a bound: allocations may
 *               have shortened them since), so taking from the largest
 *               run rescans the blocks only when what is left of it
 *               falls below this
 * @first_free: first free bit; @nr_bits if the map is full
 * @nr_free: free bits
 * @nr_allocs: live allocations
 */
struct pcpu_alt_map {
	int nr_bits;
	int nr_blocks;
	unsigned long *alloc_map;
	unsigned long *bound_map;
	struct pcpu_alt_block *blocks;
	int contig;
	int contig_start;
	int contig_rest;
	int first_free;
	int nr_free;
	int nr_allocs;
};

/* Called by the checker for each disagreement it finds. */
typedef void (*pcpu_alt_report_fn)(void *arg, const char *what, int where,
				   int expected, int found);

int pcpu_alt_map_init(struct pcpu_alt_map *map, int nr_blocks, gfp_t gfp);
void pcpu_alt_map_destroy(struct pcpu_alt_map *map);
size_t pcpu_alt_map_meta_bytes(int nr_blocks);

int pcpu_alt_map_find(const struct pcpu_alt_map *map, int bits,
		      int align_bits, const unsigned long *populated);
void pcpu_alt_map_alloc(struct pcpu_alt_map *map, int start, int bits);
int pcpu_alt_map_free_from(const struct pcpu_alt_map *map, int start,
			   int limit);
void pcpu_alt_map_alloc_run(struct pcpu_alt_map *map, int start, int bits,
			    int n);
int pcpu_alt_map_free(struct pcpu_alt_map *map, int start);
int pcpu_alt_map_free_many(struct pcpu_alt_map *map, const int *starts, int n);
int pcpu_alt_map_size_at(const struct pcpu_alt_map *map, int start);
int pcpu_alt_map_next_alloc(const struct pcpu_alt_map *map, int from);
int pcpu_alt_map_run_around(const struct pcpu_alt_map *map, int bit,
			    int *start);
int pcpu_alt_map_contig_within(const struct pcpu_alt_map *map,
			       const unsigned long *blocks);
int pcpu_alt_map_check(const struct pcpu_alt_map *map,
		       pcpu_alt_report_fn report, void *arg);
int pcpu_alt_map_check_blocks(const struct pcpu_alt_map *map,
			      pcpu_alt_report_fn report, void *arg);
int pcpu_alt_map_slot(const struct pcpu_alt_map *map, int free_slot);
int pcpu_alt_size_slot(int bits);

static inline bool pcpu_alt_block_empty(const struct pcpu_alt_block *b)
{
	return b->nr_free == PCPU_ALT_BLOCK_BITS;
}

static inline bool pcpu_alt_map_empty(const struct pcpu_alt_map *map)
{
	return map->nr_free == map->nr_bits;
}

#endif /* _PCPU_ALT_MAP_H */
