// SPDX-License-Identifier: GPL-2.0
/*
 * Operations on the allocation map, each checked against the owner model; see
 * harness.h.  The model side is written for obviousness: plain loops over
 * cells, no hints, nothing clever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/slab.h>

#include "harness.h"

/* Failures printed per harness before going quiet. */
#define MAX_PRINTED	10

void harness_failed(struct harness *h, const char *msg)
{
	if (!h->failures) {
		snprintf(h->first_failure, sizeof(h->first_failure), "%s", msg);
		h->first_failure_op = h->ops;
	}
	if (!h->quiet && h->failures < MAX_PRINTED)
		fprintf(stderr, "FAIL (op %lu, %d blocks): %s\n", h->ops,
			h->nr_blocks, msg);
	h->failures++;
	if (h->on_failure)
		h->on_failure(h);
}

/* ---- the model ---- */

/* Does an allocation start at @cell (any int)? */
bool harness_is_start(const struct harness *h, int cell)
{
	if (cell < 0 || cell >= h->nr_bits || !h->owner[cell])
		return false;
	return cell == 0 || h->owner[cell - 1] != h->owner[cell];
}

static int model_size(const struct harness *h, int start)
{
	int end = start;

	while (end < h->nr_bits && h->owner[end] == h->owner[start])
		end++;
	return end - start;
}

static bool model_usable(const struct harness *h, int cell,
			 const unsigned long *populated)
{
	if (h->owner[cell])
		return false;
	return !populated || test_bit(cell / CELLS_PER_BLOCK, populated);
}

/* Is there any aligned run of @bits usable cells? */
static bool model_fits(const struct harness *h, int bits, int align,
		       const unsigned long *populated)
{
	int cell, run = 0;

	for (cell = 0; cell < h->nr_bits; cell++) {
		run = model_usable(h, cell, populated) ? run + 1 : 0;
		/* A fit ending here starts at cell + 1 - bits. */
		if (run >= bits && (cell + 1 - bits) % align == 0)
			return true;
	}
	return false;
}

/* Length of the run of usable cells from @start on. */
static int model_usable_from(const struct harness *h, int start,
			     const unsigned long *populated)
{
	int cell = start;

	while (cell < h->nr_bits && model_usable(h, cell, populated))
		cell++;
	return cell - start;
}

/* Largest run of usable cells anywhere. */
static int model_largest_usable(const struct harness *h,
				const unsigned long *populated)
{
	int cell, run = 0, best = 0;

	for (cell = 0; cell < h->nr_bits; cell++) {
		run = model_usable(h, cell, populated) ? run + 1 : 0;
		best = max(best, run);
	}
	return best;
}

static void model_take(struct harness *h, int start, int bits)
{
	int cell;

	for (cell = start; cell < start + bits; cell++)
		h->owner[cell] = h->next_id;
	h->next_id++;
	h->live[h->nr_live++] = start;
}

static void model_give(struct harness *h, int index)
{
	int start = h->live[index], bits = model_size(h, start), cell;

	for (cell = start; cell < start + bits; cell++)
		h->owner[cell] = 0;
	h->live[index] = h->live[--h->nr_live];
}

/* ---- set-up ---- */

int harness_init(struct harness *h, int nr_blocks)
{
	memset(h, 0, sizeof(*h));
	h->nr_blocks = nr_blocks;
	h->nr_bits = nr_blocks * CELLS_PER_BLOCK;
	/* pcpu_alt.c has fls(unit bytes) + 2 slots; the last is for empties. */
	h->free_slot = fls(h->nr_bits * PCPU_ALT_MIN_ALLOC) + 1;
	h->next_id = 1;
	if (pcpu_alt_map_init(&h->map, nr_blocks, GFP_KERNEL))
		return -ENOMEM;
	h->owner = calloc(h->nr_bits, sizeof(*h->owner));
	h->live = calloc(h->nr_bits, sizeof(*h->live));
	h->snap.alloc_map = calloc(BITS_TO_LONGS(h->nr_bits),
				   sizeof(unsigned long));
	h->snap.bound_map = calloc(BITS_TO_LONGS(h->nr_bits + 1),
				   sizeof(unsigned long));
	h->snap.blocks = calloc(nr_blocks, sizeof(*h->snap.blocks));
	if (!h->owner || !h->live || !h->snap.alloc_map ||
	    !h->snap.bound_map || !h->snap.blocks) {
		harness_destroy(h);
		return -ENOMEM;
	}
	if (h->map.nr_bits != h->nr_bits || h->map.nr_blocks != nr_blocks)
		harness_fail(h, "init: %d blocks of %d bits, expected %d of %d",
			     h->map.nr_blocks, h->map.nr_bits, nr_blocks,
			     h->nr_bits);
	return 0;
}

void harness_destroy(struct harness *h)
{
	pcpu_alt_map_destroy(&h->map);
	free(h->owner);
	free(h->live);
	free(h->snap.alloc_map);
	free(h->snap.bound_map);
	free(h->snap.blocks);
	h->owner = NULL;
	h->live = NULL;
	h->snap.alloc_map = NULL;
	h->snap.bound_map = NULL;
	h->snap.blocks = NULL;
}

/* ---- snapshots: did an operation leave the map exactly as it was? ---- */

static size_t alloc_map_bytes(const struct harness *h)
{
	return BITS_TO_LONGS(h->nr_bits) * sizeof(unsigned long);
}

static size_t bound_map_bytes(const struct harness *h)
{
	return BITS_TO_LONGS(h->nr_bits + 1) * sizeof(unsigned long);
}

static void snapshot_take(struct harness *h)
{
	struct pcpu_alt_map *s = &h->snap;

	memcpy(s->alloc_map, h->map.alloc_map, alloc_map_bytes(h));
	memcpy(s->bound_map, h->map.bound_map, bound_map_bytes(h));
	memcpy(s->blocks, h->map.blocks, h->nr_blocks * sizeof(*s->blocks));
	s->contig = h->map.contig;
	s->contig_start = h->map.contig_start;
	s->first_free = h->map.first_free;
	s->nr_free = h->map.nr_free;
	s->nr_allocs = h->map.nr_allocs;
}

static bool snapshot_same(const struct harness *h)
{
	const struct pcpu_alt_map *s = &h->snap, *m = &h->map;

	return !memcmp(s->alloc_map, m->alloc_map, alloc_map_bytes(h)) &&
	       !memcmp(s->bound_map, m->bound_map, bound_map_bytes(h)) &&
	       !memcmp(s->blocks, m->blocks, h->nr_blocks * sizeof(*s->blocks)) &&
	       s->contig == m->contig && s->contig_start == m->contig_start &&
	       s->first_free == m->first_free && s->nr_free == m->nr_free &&
	       s->nr_allocs == m->nr_allocs;
}

/* ---- operations ---- */

/**
 * harness_alloc() - look for room and (if @take) allocate it
 * @h: the harness
 * @bits: size in cells, >= 1
 * @align: alignment in cells, a power of two up to a block
 * @populated: NULL, or the blocks a non-blocking allocation may use
 * @take: allocate what was found
 *
 * The core need not return the first fit, only a valid one, and must find
 * one whenever the model has one.
 *
 * Return: the start found, or -1.
 */
int harness_alloc(struct harness *h, int bits, int align,
		  const unsigned long *populated, bool take)
{
	bool fits = model_fits(h, bits, align, populated);
	const char *kind = populated ? " populated" : "";
	int start, cell, slot;

	h->ops++;
	h->finds++;
	if (populated &&
	    pcpu_alt_map_contig_within(&h->map, populated) !=
	    model_largest_usable(h, populated))
		harness_fail(h, "contig_within %d, model %d",
			     pcpu_alt_map_contig_within(&h->map, populated),
			     model_largest_usable(h, populated));
	start = pcpu_alt_map_find(&h->map, bits, align, populated);
	if (start < 0) {
		if (start != -1)
			harness_fail(h, "find(%d, %d%s) returned %d", bits,
				     align, kind, start);
		else if (fits)
			harness_fail(h, "find(%d, %d%s) found nothing, but a fit exists",
				     bits, align, kind);
		return -1;
	}
	if (start % align || start + bits > h->nr_bits) {
		harness_fail(h, "find(%d, %d%s) = %d: misaligned or out of bounds",
			     bits, align, kind, start);
		return -1;
	}
	for (cell = start; cell < start + bits; cell++) {
		if (!model_usable(h, cell, populated)) {
			harness_fail(h, "find(%d, %d%s) = %d: cell %d is %s",
				     bits, align, kind, start, cell,
				     h->owner[cell] ? "in use" : "unpopulated");
			return -1;
		}
	}
	/* find_room() starts at this slot: a chunk with room is never below. */
	slot = pcpu_alt_map_slot(&h->map, h->free_slot);
	if (slot < pcpu_alt_size_slot(bits))
		harness_fail(h, "find(%d, %d%s) fits in a chunk on slot %d, below %d",
			     bits, align, kind, slot, pcpu_alt_size_slot(bits));
	h->found++;
	if (take) {
		pcpu_alt_map_alloc(&h->map, start, bits);
		model_take(h, start, bits);
	}
	return start;
}

/* End of the populated blocks from the one holding @start on. */
static int populated_end(const struct harness *h, int start,
			 const unsigned long *populated)
{
	int b = start / CELLS_PER_BLOCK;

	if (!populated)
		return h->nr_bits;
	while (b < h->nr_blocks && test_bit(b, populated))
		b++;
	return b * CELLS_PER_BLOCK;
}

/**
 * harness_carve() - a cache refill: up to @want areas from one free run
 * @h: the harness
 * @bits: size of each area in cells
 * @align: alignment of the first, in cells; @bits must be a multiple of it
 *         so that the others are aligned too
 * @populated: NULL, or the blocks that may be used
 * @want: areas wanted, >= 1
 *
 * The first area goes where pcpu_alt_map_find() puts one; the others
 * follow it back to back as far as the free (and populated) run goes, all
 * taken with one pcpu_alt_map_alloc_run().  The model must agree on how
 * many fit there.
 *
 * Return: how many were taken (0 when there was no room).
 */
int harness_carve(struct harness *h, int bits, int align,
		  const unsigned long *populated, int want)
{
	int start, limit, n, model_n, i;

	start = harness_alloc(h, bits, align, populated, false);
	if (start < 0)
		return 0;
	h->ops++;
	limit = min(start + want * bits, populated_end(h, start, populated));
	n = pcpu_alt_map_free_from(&h->map, start, limit) / bits;
	model_n = min(want, model_usable_from(h, start, populated) / bits);
	if (n != model_n || n < 1) {
		harness_fail(h, "carve(%d x %d at %d): %d fit, model %d", want,
			     bits, start, n, model_n);
		return 0;
	}
	pcpu_alt_map_alloc_run(&h->map, start, bits, n);
	for (i = 0; i < n; i++)
		model_take(h, start + i * bits, bits);
	h->carved += n;
	return n;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/**
 * harness_free_batch() - a cache drain: free @n live allocations at once
 * @h: the harness
 * @index: the first (modulo the number of live allocations); the others
 *         follow it in the live list
 * @n: how many (at most all live ones)
 * @bad: add a start that is not an allocation's: the whole call must be
 *       refused and change nothing
 *
 * Return: how many were freed.
 */
int harness_free_batch(struct harness *h, int index, int n, bool bad)
{
	int *starts, want = 0, got, i, k, extra;

	if (!h->nr_live)
		return 0;
	n = min(n, h->nr_live);
	starts = calloc(n + 1, sizeof(*starts));
	if (!starts)
		exit(2);
	for (i = 0; i < n; i++) {
		starts[i] = h->live[(index + i) % h->nr_live];
		want += model_size(h, starts[i]);
	}
	h->ops++;
	if (bad) {
		/* Inside an allocation, or a free cell: never a start. */
		extra = starts[0] + 1;
		if (extra >= h->nr_bits || harness_is_start(h, extra))
			extra = h->nr_bits;
		starts[n] = extra;
		qsort(starts, n + 1, sizeof(*starts), cmp_int);
		snapshot_take(h);
		got = pcpu_alt_map_free_many(&h->map, starts, n + 1);
		if (got != -EINVAL)
			harness_fail(h, "free_many with a bad start (%d) = %d, expected -EINVAL",
				     extra, got);
		else if (!snapshot_same(h))
			harness_fail(h, "refused free_many changed the map");
		free(starts);
		return 0;
	}
	qsort(starts, n, sizeof(*starts), cmp_int);
	got = pcpu_alt_map_free_many(&h->map, starts, n);
	if (got != want)
		harness_fail(h, "free_many(%d) = %d, expected %d", n, got, want);
	for (i = 0; i < n; i++) {
		for (k = 0; h->live[k] != starts[i]; k++)
			;
		model_give(h, k);
	}
	h->batch_frees += n;
	free(starts);
	return n;
}

/**
 * harness_free_live() - free one live allocation
 * @h: the harness
 * @index: which one (taken modulo the number of live allocations)
 *
 * Return: the start freed (for a later double free), or -1 if none lives.
 */
int harness_free_live(struct harness *h, int index)
{
	int start, want, got;

	if (!h->nr_live)
		return -1;
	h->ops++;
	h->frees++;
	index %= h->nr_live;
	start = h->live[index];
	want = model_size(h, start);
	got = pcpu_alt_map_free(&h->map, start);
	if (got != want)
		harness_fail(h, "free(%d) = %d, expected %d", start, got, want);
	model_give(h, index);
	return start;
}

/*
 * Free whatever is at @cell (-1 to nr_bits): a real free if an allocation
 * starts there, otherwise a double or interior free, which must fail with
 * -EINVAL and change nothing.
 */
void harness_free_cell(struct harness *h, int cell)
{
	int got, index;

	if (harness_is_start(h, cell)) {
		for (index = 0; h->live[index] != cell; index++)
			;
		harness_free_live(h, index);
		return;
	}
	h->ops++;
	h->bad_frees++;
	snapshot_take(h);
	got = pcpu_alt_map_free(&h->map, cell);
	if (got != -EINVAL)
		harness_fail(h, "free(%d) of a %s cell = %d, expected -EINVAL",
			     cell, cell >= 0 && cell < h->nr_bits &&
			     h->owner[cell] ? "interior" : "free", got);
	else if (!snapshot_same(h))
		harness_fail(h, "refused free(%d) changed the map", cell);
}

void harness_size_at(struct harness *h, int cell)
{
	int want = harness_is_start(h, cell) ? model_size(h, cell) : -EINVAL;
	int got;

	h->ops++;
	got = pcpu_alt_map_size_at(&h->map, cell);
	if (got != want)
		harness_fail(h, "size_at(%d) = %d, expected %d", cell, got, want);
}

/* ---- the full comparison, after every operation ---- */

static void check_report(void *arg, const char *what, int where,
			 int expected, int found)
{
	harness_fail(arg, "checker: %s at bit %d: expected %d, found %d",
		     what, where, expected, found);
}

static void verify_slot(struct harness *h, int largest_run)
{
	int slot = pcpu_alt_map_slot(&h->map, h->free_slot), want;

	if (!h->nr_live)
		want = h->free_slot;
	else if (!largest_run)
		want = 0;
	else
		want = pcpu_alt_size_slot(largest_run);
	if (slot != want || (h->nr_live && slot >= h->free_slot))
		harness_fail(h, "slot %d, expected %d (largest run %d, %d live)",
			     slot, want, largest_run, h->nr_live);
}

/* pcpu_alt_map_run_around() of the run [start, start + len). */
static void verify_run_around(struct harness *h, int start, int len)
{
	int at = start + len / 2, got_start, got;

	got = pcpu_alt_map_run_around(&h->map, at, &got_start);
	if (got != len || got_start != start)
		harness_fail(h, "run_around(%d) = %d at %d, expected %d at %d",
			     at, got, got_start, len, start);
}

/*
 * After every operation: the core's own checker, then one pass over the
 * cells comparing the map with the model: both bitmaps, the counters,
 * pcpu_alt_map_next_alloc() (it must visit exactly the model's starts) and
 * the slot.  The checker cannot see a wrong bound bit between two adjacent
 * allocations, nor an allocation bit wrong in both the bitmap and the hints.
 */
void harness_verify(struct harness *h)
{
	int next = pcpu_alt_map_next_alloc(&h->map, 0), cell, run = 0, best = 0;
	int nr_free = 0, bad_alloc = -1, bad_bound = -1, bad_next = -1;
	bool empty;

	pcpu_alt_map_check(&h->map, check_report, h);
	for (cell = 0; cell <= h->nr_bits; cell++) {
		int cur = cell < h->nr_bits ? h->owner[cell] : 0;
		int prev = cell > 0 ? h->owner[cell - 1] : 0;
		bool start = cur && cur != prev, end = prev && prev != cur;

		if (bad_bound < 0 &&
		    test_bit(cell, h->map.bound_map) != (start || end))
			bad_bound = cell;
		if (start) {
			if (bad_next < 0 && next != cell)
				bad_next = cell;
			next = pcpu_alt_map_next_alloc(&h->map, cell + 1);
		}
		if (cell == h->nr_bits)
			break;
		if (bad_alloc < 0 && test_bit(cell, h->map.alloc_map) != !!cur)
			bad_alloc = cell;
		run = cur ? 0 : run + 1;
		best = max(best, run);
		nr_free += !cur;
		/* The last cell of a run: its run, seen from its middle. */
		if (run && (cell + 1 == h->nr_bits || h->owner[cell + 1]))
			verify_run_around(h, cell + 1 - run, run);
	}
	if (bad_alloc >= 0)
		harness_fail(h, "alloc bit %d wrong: the cell is %s", bad_alloc,
			     h->owner[bad_alloc] ? "in use" : "free");
	if (bad_bound >= 0)
		harness_fail(h, "bound bit %d wrong", bad_bound);
	if (bad_next >= 0)
		harness_fail(h, "next_alloc missed the allocation at %d",
			     bad_next);
	else if (next != h->nr_bits)
		harness_fail(h, "next_alloc gave %d after the last allocation",
			     next);
	if (h->map.nr_free != nr_free)
		harness_fail(h, "nr_free %d, model %d", h->map.nr_free, nr_free);
	if (h->map.nr_allocs != h->nr_live)
		harness_fail(h, "nr_allocs %d, model %d", h->map.nr_allocs,
			     h->nr_live);
	empty = nr_free == h->nr_bits;
	if (pcpu_alt_map_empty(&h->map) != empty)
		harness_fail(h, "map_empty() is %d", !empty);
	verify_slot(h, best);
}
