// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt allocation map: allocation bitmap, boundary bitmap and the per-page
 * hint blocks.  See pcpu_alt_map.h for the model.
 *
 * Everything here works in bits (PCPU_ALT_MIN_ALLOC bytes each).  "Block" is
 * one page worth of bits; "run" is a maximal stretch of free bits.
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "pcpu_alt_map.h"

#define BLOCK_BITS	PCPU_ALT_BLOCK_BITS

static inline int block_base(int b)
{
	return b * BLOCK_BITS;
}

static inline const unsigned long *block_words(const struct pcpu_alt_map *map,
					       int b)
{
	return map->alloc_map + b * BITS_TO_LONGS(BLOCK_BITS);
}

static void block_set_empty(struct pcpu_alt_block *blk)
{
	blk->contig = BLOCK_BITS;
	blk->contig_start = 0;
	blk->scan = 0;
	blk->scan_start = 0;
	blk->left_free = BLOCK_BITS;
	blk->right_free = BLOCK_BITS;
	blk->first_free = 0;
	blk->nr_free = BLOCK_BITS;
}

/*
 * Compute a block's hints from the bitmap, one pass over its runs.  Each time
 * a longer run shows up, the previous longest becomes the scan hint: it is
 * then the longest of all runs before the new one.
 */
static void block_compute(const struct pcpu_alt_map *map, int b,
			  struct pcpu_alt_block *out)
{
	const unsigned long *w = block_words(map, b);
	int start, end = 0, len;

	memset(out, 0, sizeof(*out));
	out->contig_start = BLOCK_BITS;
	out->first_free = BLOCK_BITS;
	for (;;) {
		start = find_next_zero_bit(w, BLOCK_BITS, end);
		if (start >= BLOCK_BITS)
			break;
		end = find_next_bit(w, BLOCK_BITS, start);
		len = end - start;
		if (out->first_free == BLOCK_BITS)
			out->first_free = start;
		if (start == 0)
			out->left_free = len;
		if (end == BLOCK_BITS)
			out->right_free = len;
		out->nr_free += len;
		if (len > out->contig) {
			out->scan = out->contig;
			out->scan_start = out->contig_start;
			out->contig = len;
			out->contig_start = start;
		}
	}
}

static void block_rescan(struct pcpu_alt_map *map, int b)
{
	block_compute(map, b, &map->blocks[b]);
}

/* Bits [rs, re) of block @b (block-relative) were just allocated. */
static void block_alloc(struct pcpu_alt_map *map, int b, int rs, int re)
{
	struct pcpu_alt_block *blk = &map->blocks[b];

	/* Taking from the largest run can shrink it: only a rescan knows. */
	if (rs < blk->contig_start + blk->contig && re > blk->contig_start) {
		block_rescan(map, b);
		return;
	}
	blk->nr_free -= re - rs;
	if (blk->first_free == rs)
		blk->first_free = find_next_zero_bit(block_words(map, b),
						     BLOCK_BITS, re);
	if (rs < blk->left_free)
		blk->left_free = rs;
	if (re > BLOCK_BITS - blk->right_free)
		blk->right_free = BLOCK_BITS - re;
	if (blk->scan && rs < blk->scan_start + blk->scan &&
	    re > blk->scan_start)
		blk->scan = 0;
}

/* Bits [rs, re) of block @b (block-relative) were just freed. */
static void block_free(struct pcpu_alt_map *map, int b, int rs, int re)
{
	struct pcpu_alt_block *blk = &map->blocks[b];
	const unsigned long *w = block_words(map, b);
	int ls, le, len, last;

	/* The run the freed bits now belong to: [ls, le). */
	last = rs ? find_last_bit(w, rs) : rs;
	ls = last < rs ? last + 1 : 0;
	le = find_next_bit(w, BLOCK_BITS, re);
	len = le - ls;

	blk->nr_free += re - rs;
	if (rs < blk->first_free)
		blk->first_free = rs;
	if (ls == 0)
		blk->left_free = le;
	if (le == BLOCK_BITS)
		blk->right_free = BLOCK_BITS - ls;

	if (len > blk->contig) {
		/*
		 * A new largest run.  If the old one lies wholly before it,
		 * it is the largest run there, so it becomes the scan hint.
		 */
		if (blk->contig && ls > blk->contig_start) {
			blk->scan = blk->contig;
			blk->scan_start = blk->contig_start;
		} else {
			blk->scan = 0;
		}
		blk->contig = len;
		blk->contig_start = ls;
	} else if (ls < blk->contig_start && blk->scan && len > blk->scan) {
		blk->scan = len;
		blk->scan_start = ls;
	}
}

/* Where map_refresh_contig() keeps the largest run and the bound on the rest. */
struct contig_pick {
	int best;
	int best_start;
	int rest;
};

static void contig_consider(struct contig_pick *p, int len, int start)
{
	if (len > p->best) {
		p->rest = max(p->rest, p->best);
		p->best = len;
		p->best_start = start;
	} else {
		p->rest = max(p->rest, len);
	}
}

/*
 * Largest run of the map, rebuilt from the block hints alone, and a bound
 * on every other run.  A run inside one block may have a twin of equal
 * length in that block that the hints do not show: when such a run is the
 * largest, the bound is the run's own length.  Runs seen twice (a block's
 * largest run that is also its edge) only make the bound looser.
 */
static void map_refresh_contig(struct pcpu_alt_map *map)
{
	struct contig_pick p = { .best_start = map->nr_bits };
	int carry = 0, carry_start = 0;
	bool inside = false;
	int b;

	for (b = 0; b < map->nr_blocks; b++) {
		const struct pcpu_alt_block *blk = &map->blocks[b];
		int best = p.best;

		if (pcpu_alt_block_empty(blk)) {
			if (!carry)
				carry_start = block_base(b);
			carry += BLOCK_BITS;
			continue;
		}
		/* A run coming from earlier blocks ends in this one. */
		contig_consider(&p, carry + blk->left_free,
				carry ? carry_start : block_base(b));
		if (p.best != best)
			inside = false;
		best = p.best;
		contig_consider(&p, blk->contig,
				block_base(b) + blk->contig_start);
		if (p.best != best)
			inside = true;
		carry = blk->right_free;
		carry_start = block_base(b + 1) - carry;
	}
	if (carry > p.best)
		inside = false;
	contig_consider(&p, carry, carry_start);
	map->contig = p.best;
	map->contig_start = p.best ? p.best_start : map->nr_bits;
	map->contig_rest = inside ? p.best : p.rest;
}

/*
 * [start, end) was taken from the largest run: what is left of it on
 * either side is the largest run if no other run can be longer; else
 * rebuild from the blocks.
 */
static void map_shrink_contig(struct pcpu_alt_map *map, int start, int end)
{
	int left = start - map->contig_start;
	int right = map->contig_start + map->contig - end;

	if (right >= left && right >= map->contig_rest) {
		map->contig = right;
		map->contig_start = right ? end : map->nr_bits;
		map->contig_rest = max(map->contig_rest, left);
	} else if (left > right && left >= map->contig_rest) {
		map->contig = left;
		map->contig_rest = max(map->contig_rest, right);
	} else {
		map_refresh_contig(map);
	}
}

/* First bit of the run holding free bit @s, found through the blocks. */
static int map_run_start(const struct pcpu_alt_map *map, int s)
{
	int b = s / BLOCK_BITS, rel = s - block_base(b), start;

	if (map->blocks[b].left_free < rel)
		return block_base(b) + find_last_bit(block_words(map, b), rel) + 1;

	start = block_base(b);
	while (b-- > 0) {
		if (!pcpu_alt_block_empty(&map->blocks[b])) {
			start -= map->blocks[b].right_free;
			break;
		}
		start -= BLOCK_BITS;
	}
	return start;
}

/* One past the last bit of the run holding free bit @e - 1. */
static int map_run_end(const struct pcpu_alt_map *map, int e)
{
	int b, rel, end;

	if (e >= map->nr_bits)
		return map->nr_bits;
	b = e / BLOCK_BITS;
	rel = e - block_base(b);
	if (map->blocks[b].right_free < BLOCK_BITS - rel)
		return block_base(b) +
		       find_next_bit(block_words(map, b), BLOCK_BITS, rel);

	end = block_base(b + 1);
	while (++b < map->nr_blocks) {
		if (!pcpu_alt_block_empty(&map->blocks[b])) {
			end += map->blocks[b].left_free;
			break;
		}
		end += BLOCK_BITS;
	}
	return end;
}

/* First aligned fit of @bits inside block @b, or -1. */
static int block_find(const struct pcpu_alt_map *map, int b, int bits,
		      int align)
{
	const struct pcpu_alt_block *blk = &map->blocks[b];
	int end = block_base(b + 1), pos, s, busy;

	/* Runs before the largest are all no longer than the scan hint. */
	if (blk->scan && bits > blk->scan)
		pos = block_base(b) + blk->contig_start;
	else
		pos = block_base(b) + blk->first_free;

	for (;;) {
		s = find_next_zero_bit(map->alloc_map, end, pos);
		s = ALIGN(s, align);
		if (s + bits > end)
			return -1;
		busy = find_next_bit(map->alloc_map, s + bits, s);
		if (busy >= s + bits)
			return s;
		pos = busy + 1;
	}
}

/* A fit starting in block @b's free tail and running into later blocks. */
static int span_find(const struct pcpu_alt_map *map, int b, int bits,
		     int align, const unsigned long *populated)
{
	const struct pcpu_alt_block *blk = &map->blocks[b];
	int bend = block_base(b + 1), s, end, c;

	if (!blk->right_free)
		return -1;
	s = ALIGN(bend - blk->right_free, align);
	if (s >= bend)
		return -1;	/* starts in a later block: found from there */
	end = s + bits;
	if (end <= bend)
		return s;
	for (c = b + 1; c < map->nr_blocks; c++) {
		if (populated && !test_bit(c, populated))
			return -1;
		if (end <= block_base(c) + map->blocks[c].left_free)
			return s;
		if (!pcpu_alt_block_empty(&map->blocks[c]))
			return -1;
	}
	return -1;
}

/**
 * pcpu_alt_map_find() - find room for an allocation
 * @map: the map
 * @bits: size in bits, > 0
 * @align_bits: alignment in bits, a power of two no larger than a block
 * @populated: if not NULL, a bitmap of blocks that may be used; the fit must
 *             lie in those blocks only
 *
 * Walks the block hints from the first free bit; scans bitmap words only
 * inside blocks whose hints say a fit may be there.
 *
 * Return: the first bit of a free, aligned run of @bits bits, or -1.
 */
int pcpu_alt_map_find(const struct pcpu_alt_map *map, int bits,
		      int align_bits, const unsigned long *populated)
{
	int b, s;

	if (bits > map->contig)
		return -1;
	for (b = map->first_free / BLOCK_BITS; b < map->nr_blocks; b++) {
		const struct pcpu_alt_block *blk = &map->blocks[b];

		if (!blk->nr_free)
			continue;
		if (populated && !test_bit(b, populated))
			continue;
		if (blk->contig >= bits) {
			s = block_find(map, b, bits, align_bits);
			if (s >= 0)
				return s;
		}
		s = span_find(map, b, bits, align_bits, populated);
		if (s >= 0)
			return s;
	}
	return -1;
}

typedef void (*block_part_fn)(struct pcpu_alt_map *map, int b, int rs, int re);

/* Call @fn on the block-relative part of [start, end) in each block. */
static void map_apply_parts(struct pcpu_alt_map *map, int start, int end,
			    block_part_fn fn)
{
	int b;

	for (b = start / BLOCK_BITS; b <= (end - 1) / BLOCK_BITS; b++) {
		int base = block_base(b);

		fn(map, b, max(start, base) - base,
		   min(end, base + BLOCK_BITS) - base);
	}
}

/**
 * pcpu_alt_map_alloc() - mark a run found by pcpu_alt_map_find() in use
 * @map: the map
 * @start: first bit, as returned by pcpu_alt_map_find()
 * @bits: size in bits
 */
void pcpu_alt_map_alloc(struct pcpu_alt_map *map, int start, int bits)
{
	pcpu_alt_map_alloc_run(map, start, bits, 1);
}

/**
 * pcpu_alt_map_free_from() - free bits from a bit on
 * @map: the map
 * @start: a free bit
 * @limit: count no further than this bit
 *
 * Return: how many bits from @start on are free, up to @limit.
 */
int pcpu_alt_map_free_from(const struct pcpu_alt_map *map, int start,
			   int limit)
{
	return find_next_bit(map->alloc_map, min(limit, map->nr_bits), start) -
	       start;
}

/**
 * pcpu_alt_map_alloc_run() - mark @n areas of @bits in use, back to back
 * @map: the map
 * @start: first bit of the first area; [@start, @start + @n * @bits) is free
 * @bits: size of each area in bits
 * @n: how many, at least one
 *
 * One update of the bitmaps, of each block the run touches and of the map
 * hints, whatever @n: the areas are one range to the hints, and only the
 * boundary bitmap tells them apart (a bound bit where each starts).
 */
void pcpu_alt_map_alloc_run(struct pcpu_alt_map *map, int start, int bits,
			    int n)
{
	int end = start + n * bits, b, i;

	bitmap_set(map->alloc_map, start, end - start);
	for (i = 0; i <= n; i++)
		__set_bit(start + i * bits, map->bound_map);
	map_apply_parts(map, start, end, block_alloc);

	map->nr_free -= end - start;
	map->nr_allocs += n;
	if (start < map->contig_start + map->contig && end > map->contig_start)
		map_shrink_contig(map, start, end);
	if (map->first_free == start) {
		/* Everything before @end is in use now. */
		map->first_free = map->nr_bits;
		for (b = end / BLOCK_BITS; b < map->nr_blocks; b++) {
			if (map->blocks[b].nr_free) {
				map->first_free = block_base(b) +
						  map->blocks[b].first_free;
				break;
			}
		}
	}
}

/**
 * pcpu_alt_map_size_at() - size of the allocation starting at a bit
 * @map: the map
 * @start: bit to look at
 *
 * Return: the allocation's size in bits, or -EINVAL when no allocation
 * starts at @start (free bits, or the inside of an allocation).
 */
int pcpu_alt_map_size_at(const struct pcpu_alt_map *map, int start)
{
	if (start < 0 || start >= map->nr_bits ||
	    !test_bit(start, map->alloc_map) || !test_bit(start, map->bound_map))
		return -EINVAL;
	return find_next_bit(map->bound_map, map->nr_bits + 1, start + 1) -
	       start;
}

/*
 * [start, end) was just freed (bitmaps and blocks): fold the run it now
 * belongs to into the map hints.
 */
static void map_freed_range(struct pcpu_alt_map *map, int start, int end)
{
	int run_start = map_run_start(map, start);
	int run_end = map_run_end(map, end);

	map->nr_free += end - start;
	if (start < map->first_free)
		map->first_free = start;
	if (run_start <= map->contig_start && map->contig_start < run_end) {
		/* The largest run grew. */
		map->contig = run_end - run_start;
		map->contig_start = run_start;
	} else if (run_end - run_start > map->contig) {
		map->contig_rest = max(map->contig_rest, map->contig);
		map->contig = run_end - run_start;
		map->contig_start = run_start;
	} else {
		map->contig_rest = max(map->contig_rest, run_end - run_start);
	}
}

/* Clear [start, end), all in use, and the bounds that no longer part two. */
static void map_clear_range(struct pcpu_alt_map *map, int start, int end)
{
	bitmap_clear(map->alloc_map, start, end - start);
	if (end - start > 1)
		bitmap_clear(map->bound_map, start + 1, end - start - 1);
	/* Keep a bound bit only where it still separates two allocations. */
	if (!start || !test_bit(start - 1, map->alloc_map))
		__clear_bit(start, map->bound_map);
	if (end == map->nr_bits || !test_bit(end, map->alloc_map))
		__clear_bit(end, map->bound_map);
	map_apply_parts(map, start, end, block_free);
	map_freed_range(map, start, end);
}

/**
 * pcpu_alt_map_free() - release the allocation starting at a bit
 * @map: the map
 * @start: first bit of the allocation
 *
 * Return: the size freed in bits, or -EINVAL (nothing changed) when no
 * allocation starts at @start: a double free or an interior pointer.
 */
int pcpu_alt_map_free(struct pcpu_alt_map *map, int start)
{
	int bits = pcpu_alt_map_size_at(map, start);

	if (bits < 0)
		return bits;
	map_clear_range(map, start, start + bits);
	map->nr_allocs--;
	return bits;
}

/**
 * pcpu_alt_map_free_many() - release several allocations at once
 * @map: the map
 * @starts: their first bits, in increasing order
 * @n: how many
 *
 * Allocations that lie back to back are released as one range: one update
 * of the bitmaps, of each block touched and of the map hints per range,
 * not per allocation.  Every start is checked first: if one is not the
 * start of an allocation, or follows the previous one too closely (not in
 * increasing order), nothing changes.
 *
 * Return: the bits freed in all, or -EINVAL (nothing changed).
 */
int pcpu_alt_map_free_many(struct pcpu_alt_map *map, const int *starts, int n)
{
	int i, bits, total = 0, run_start = 0, run_end = -1;

	for (i = 0; i < n; i++) {
		bits = pcpu_alt_map_size_at(map, starts[i]);
		if (bits < 0 || starts[i] < run_end)
			return -EINVAL;
		run_end = starts[i] + bits;
	}
	run_end = -1;
	for (i = 0; i < n; i++) {
		bits = pcpu_alt_map_size_at(map, starts[i]);
		if (starts[i] != run_end) {
			if (run_end >= 0)
				map_clear_range(map, run_start, run_end);
			run_start = starts[i];
		}
		run_end = starts[i] + bits;
		total += bits;
	}
	if (run_end >= 0)
		map_clear_range(map, run_start, run_end);
	map->nr_allocs -= n;
	return total;
}

/**
 * pcpu_alt_map_run_around() - the free run holding a free bit
 * @map: the map
 * @bit: a free bit
 * @start: set to the run's first bit
 *
 * Found through the block hints: O(1) but for runs across empty blocks.
 *
 * Return: the run's length in bits.
 */
int pcpu_alt_map_run_around(const struct pcpu_alt_map *map, int bit,
			    int *start)
{
	*start = map_run_start(map, bit);
	return map_run_end(map, bit + 1) - *start;
}

/**
 * pcpu_alt_map_contig_within() - largest free run inside some blocks
 * @map: the map
 * @blocks: bitmap of the blocks that count (populated pages); a run
 *          ends where a block outside it begins
 *
 * Rebuilt from the block hints alone: one step per block, no bitmap scan.
 *
 * Return: the length in bits of the largest free run lying wholly in
 * blocks set in @blocks.
 */
int pcpu_alt_map_contig_within(const struct pcpu_alt_map *map,
			       const unsigned long *blocks)
{
	int b, best = 0, carry = 0;

	for (b = 0; b < map->nr_blocks; b++) {
		const struct pcpu_alt_block *blk = &map->blocks[b];

		if (!test_bit(b, blocks)) {
			carry = 0;
			continue;
		}
		if (pcpu_alt_block_empty(blk)) {
			carry += BLOCK_BITS;
			best = max(best, carry);
			continue;
		}
		best = max(best, max(carry + blk->left_free, blk->contig));
		carry = blk->right_free;
	}
	return max(best, carry);
}

/**
 * pcpu_alt_map_next_alloc() - first allocation starting at or after a bit
 * @map: the map
 * @from: where to start looking
 *
 * Return: the allocation's first bit, or map->nr_bits when there is none.
 */
int pcpu_alt_map_next_alloc(const struct pcpu_alt_map *map, int from)
{
	int i = find_next_bit(map->alloc_map, map->nr_bits, from);

	while (i < map->nr_bits && !test_bit(i, map->bound_map)) {
		/* Inside an allocation: skip to its end. */
		i = find_next_bit(map->bound_map, map->nr_bits + 1, i + 1);
		if (i < map->nr_bits && !test_bit(i, map->alloc_map))
			i = find_next_bit(map->alloc_map, map->nr_bits, i);
	}
	return i;
}

/**
 * pcpu_alt_map_slot() - which slot list a map's chunk belongs on
 * @map: the map
 * @free_slot: the slot kept for chunks with no allocation (the last one)
 *
 * Slots sort chunks by their largest free run: fls() of its bytes, 0 when
 * the map is full.  A chunk with room for @bits therefore never sits below
 * pcpu_alt_size_slot(@bits), where the search for room starts.
 *
 * Return: the slot.
 */
int pcpu_alt_map_slot(const struct pcpu_alt_map *map, int free_slot)
{
	if (pcpu_alt_map_empty(map))
		return free_slot;
	if (!map->contig)
		return 0;
	return fls(map->contig * PCPU_ALT_MIN_ALLOC);
}

/**
 * pcpu_alt_size_slot() - lowest slot that may hold room for an allocation
 * @bits: size in bits, > 0
 *
 * Return: the slot to start searching from.
 */
int pcpu_alt_size_slot(int bits)
{
	return fls(bits * PCPU_ALT_MIN_ALLOC);
}

/**
 * pcpu_alt_map_init() - set up an empty map
 * @map: the map
 * @nr_blocks: blocks (pages per unit)
 * @gfp: allocation flags for the bitmaps and blocks
 *
 * Return: 0 or -ENOMEM.
 */
int pcpu_alt_map_init(struct pcpu_alt_map *map, int nr_blocks, gfp_t gfp)
{
	int b;

	memset(map, 0, sizeof(*map));
	map->nr_blocks = nr_blocks;
	map->nr_bits = nr_blocks * BLOCK_BITS;
	map->alloc_map = kvcalloc(BITS_TO_LONGS(map->nr_bits),
				  sizeof(unsigned long), gfp);
	map->bound_map = kvcalloc(BITS_TO_LONGS(map->nr_bits + 1),
				  sizeof(unsigned long), gfp);
	map->blocks = kvcalloc(nr_blocks, sizeof(*map->blocks), gfp);
	if (!map->alloc_map || !map->bound_map || !map->blocks) {
		pcpu_alt_map_destroy(map);
		return -ENOMEM;
	}
	for (b = 0; b < nr_blocks; b++)
		block_set_empty(&map->blocks[b]);
	map->contig = map->nr_bits;
	map->nr_free = map->nr_bits;
	return 0;
}

/**
 * pcpu_alt_map_destroy() - free what pcpu_alt_map_init() allocated
 * @map: the map
 */
void pcpu_alt_map_destroy(struct pcpu_alt_map *map)
{
	kvfree(map->alloc_map);
	kvfree(map->bound_map);
	kvfree(map->blocks);
	map->alloc_map = NULL;
	map->bound_map = NULL;
	map->blocks = NULL;
}

/**
 * pcpu_alt_map_meta_bytes() - bytes of metadata a map of @nr_blocks uses
 * @nr_blocks: blocks (pages per unit)
 *
 * Return: the bytes pcpu_alt_map_init() allocates for such a map.
 */
size_t pcpu_alt_map_meta_bytes(int nr_blocks)
{
	int nr_bits = nr_blocks * BLOCK_BITS;

	return (BITS_TO_LONGS(nr_bits) + BITS_TO_LONGS(nr_bits + 1)) *
	       sizeof(unsigned long) +
	       nr_blocks * sizeof(struct pcpu_alt_block);
}

/* ---- consistency checker: recompute everything from the bitmaps ---- */

struct check_ctx {
	pcpu_alt_report_fn report;
	void *arg;
	int errors;
};

static void check_eq(struct check_ctx *ctx, const char *what, int where,
		     int expected, int found)
{
	if (expected == found)
		return;
	ctx->errors++;
	if (ctx->report)
		ctx->report(ctx->arg, what, where, expected, found);
}

/* A value that must not exceed a bound; reported as (value, bound). */
static void check_le(struct check_ctx *ctx, const char *what, int where,
		     int value, int bound)
{
	if (value <= bound)
		return;
	ctx->errors++;
	if (ctx->report)
		ctx->report(ctx->arg, what, where, value, bound);
}

/* Length of the free run at @start, if a run really starts there. */
static int run_at(const unsigned long *w, int size, int start)
{
	if (start >= size || test_bit(start, w) ||
	    (start > 0 && !test_bit(start - 1, w)))
		return -1;
	return find_next_bit(w, size, start) - start;
}

static void check_block(const struct pcpu_alt_map *map, int b,
			struct check_ctx *ctx)
{
	const struct pcpu_alt_block *blk = &map->blocks[b];
	const unsigned long *w = block_words(map, b);
	struct pcpu_alt_block want;
	int where = block_base(b), start, end = 0, before = 0;

	block_compute(map, b, &want);
	check_eq(ctx, "block nr_free", where, want.nr_free, blk->nr_free);
	check_eq(ctx, "block contig", where, want.contig, blk->contig);
	check_eq(ctx, "block left_free", where, want.left_free, blk->left_free);
	check_eq(ctx, "block right_free", where, want.right_free,
		 blk->right_free);
	check_eq(ctx, "block first_free", where, want.first_free,
		 blk->first_free);
	if (want.contig)
		check_eq(ctx, "block contig run at contig_start", where,
			 want.contig, run_at(w, BLOCK_BITS, blk->contig_start));
	if (!blk->scan)
		return;
	/* The scan hint: the longest run wholly before contig_start. */
	for (;;) {
		start = find_next_zero_bit(w, BLOCK_BITS, end);
		if (start >= blk->contig_start)
			break;
		end = find_next_bit(w, BLOCK_BITS, start);
		before = max(before, end - start);
	}
	check_eq(ctx, "block scan", where, before, blk->scan);
	check_eq(ctx, "block scan run at scan_start", where, blk->scan,
		 run_at(w, BLOCK_BITS, blk->scan_start));
}

/**
 * pcpu_alt_map_check_blocks() - verify each block's hints against its bits
 * @map: the map
 * @report: called for each disagreement (may be NULL)
 * @arg: passed to @report
 *
 * The part of pcpu_alt_map_check() that looks at one block at a time: it
 * holds for a map whose blocks were copied at different times, each with
 * its own bits.
 *
 * Return: the number of disagreements found (0 = consistent).
 */
int pcpu_alt_map_check_blocks(const struct pcpu_alt_map *map,
			      pcpu_alt_report_fn report, void *arg)
{
	struct check_ctx ctx = { .report = report, .arg = arg };
	int b;

	for (b = 0; b < map->nr_blocks; b++)
		check_block(map, b, &ctx);
	return ctx.errors;
}

/**
 * pcpu_alt_map_check() - verify every hint and counter against the bitmaps
 * @map: the map
 * @report: called for each disagreement (may be NULL)
 * @arg: passed to @report
 *
 * Scans the whole map; meant for tests and debugging, not hot paths.
 *
 * Return: the number of disagreements found (0 = consistent).
 */
int pcpu_alt_map_check(const struct pcpu_alt_map *map,
		       pcpu_alt_report_fn report, void *arg)
{
	struct check_ctx ctx = { .report = report, .arg = arg };
	int i, start, end = 0, nr_free = 0, best = 0, allocs = 0;

	ctx.errors = pcpu_alt_map_check_blocks(map, report, arg);

	for (;;) {
		start = find_next_zero_bit(map->alloc_map, map->nr_bits, end);
		if (start >= map->nr_bits)
			break;
		end = find_next_bit(map->alloc_map, map->nr_bits, start);
		nr_free += end - start;
		best = max(best, end - start);
		if (start != map->contig_start)
			check_le(&ctx, "map run beside the largest within contig_rest",
				 start, end - start, map->contig_rest);
	}
	check_eq(&ctx, "map nr_free", 0, nr_free, map->nr_free);
	check_eq(&ctx, "map contig", 0, best, map->contig);
	check_eq(&ctx, "map first_free", 0,
		 find_first_zero_bit(map->alloc_map, map->nr_bits),
		 map->first_free);
	if (best)
		check_eq(&ctx, "map contig run at contig_start", 0, best,
			 run_at(map->alloc_map, map->nr_bits,
				map->contig_start));

	/* Bound bits: set at every in-use/free edge, clear inside free runs. */
	for (i = 0; i <= map->nr_bits; i++) {
		bool cur = i < map->nr_bits && test_bit(i, map->alloc_map);
		bool prev = i > 0 && test_bit(i - 1, map->alloc_map);
		bool bound = test_bit(i, map->bound_map);

		if (cur && bound)
			allocs++;
		if (cur != prev)
			check_eq(&ctx, "bound bit at edge", i, 1, bound);
		else if (!cur)
			check_eq(&ctx, "bound bit inside free run", i, 0,
				 bound);
	}
	check_eq(&ctx, "map nr_allocs", 0, allocs, map->nr_allocs);
	return ctx.errors;
}
