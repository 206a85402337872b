// SPDX-License-Identifier: GPL-2.0
/*
 * Property tests of the allocation map against the owner model (harness.c):
 * random alloc/free sequences from fixed seeds, with every size from one
 * cell to the whole map and every alignment from one cell to a page, and
 * non-blocking finds limited to random "populated" blocks.  After every
 * operation the harness runs the core's own checker and compares the map
 * with the model.
 *
 * Usage: proptest [-m MULT] [TEST...]
 *   -m MULT  run MULT times as many seeds (a longer soak)
 *   TEST     run only these tests (default: all)
 *
 * Prints one line per test, "ok - <name>" or "not ok - <name>" with the
 * first failure and how to reproduce it, then the figures and the line
 * "N passed, N failed".  Exits non-zero if a test failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/slab.h>

#include "harness.h"
#include "rng.h"
#include "runner.h"

#define MAX_BLOCKS	128	/* a 512 KiB unit, the module's usual size */

static int mult = 1;

/* Uniform enough in [0, n) for n far below 2^32. */
static int rnd(u64 *state, int n)
{
	return rng_next(state) % n;
}

/* Mostly small sizes, as real callers make, but every size can come up. */
static int pick_bits(u64 *r, const struct harness *h, int big_pct)
{
	int x = rnd(r, 100);

	if (x < big_pct)
		return 1 + rnd(r, h->nr_bits);
	if (x < big_pct + 15)
		return 1 + rnd(r, CELLS_PER_BLOCK);
	if (x < big_pct + 40)
		return 1 + rnd(r, 64);
	return 1 + rnd(r, 8);
}

/* Half unaligned, the rest any power of two up to a page. */
static int pick_align(u64 *r)
{
	return rnd(r, 2) ? 1 : 1 << rnd(r, 11);
}

static void pick_populated(u64 *r, unsigned long *populated, int nr_blocks)
{
	int b, pct = 20 + rnd(r, 81);

	memset(populated, 0, BITS_TO_LONGS(MAX_BLOCKS) * sizeof(long));
	for (b = 0; b < nr_blocks; b++)
		if (rnd(r, 100) < pct)
			__set_bit(b, populated);
}

/* A cell that is not a valid free: a former start, interior, out, free. */
static int pick_bad_cell(u64 *r, const struct harness *h, int last_freed)
{
	int kind = rnd(r, 4);

	if (kind == 0 && last_freed >= 0)
		return last_freed;	/* a double free, unless reused since */
	if (kind <= 1 && h->nr_live)	/* inside an allocation, or after */
		return h->live[rnd(r, h->nr_live)] + 1;
	if (kind <= 2)
		return rnd(r, 2) ? -1 : h->nr_bits;
	return rnd(r, h->nr_bits);
}

struct profile {
	const char *name;
	int blocks[4];		/* map sizes, one per seed in turn */
	int seeds;
	int steps;
	int atomic_pct;		/* finds limited to populated blocks */
	int big_pct;		/* sizes drawn from the whole map */
	int batch_pct;		/* cache refills and drains (batches) */
};

static const struct profile profiles[] = {
	/* Blocking, mostly small sizes: where the hints change most. */
	{ "random-small", { 1, 2, 3, 4 }, 16, 1500, 0, 2, 0 },
	/* Half of the finds limited to random populated blocks. */
	{ "random-populated", { 2, 3, 4, 6 }, 16, 1500, 50, 5, 0 },
	/* A third of the sizes up to the whole map: runs across blocks. */
	{ "random-whole-map", { 1, 2, 4, 6 }, 16, 1500, 10, 33, 0 },
	/* The module's usual 512 KiB unit. */
	{ "random-unit", { 128, 128, 128, 128 }, 1, 300, 30, 10, 0 },
	/* Refills carving runs of areas, drains freeing many at once. */
	{ "random-batches", { 1, 2, 3, 5 }, 16, 1500, 50, 2, 40 },
};

/* A refill's areas: sizes of the cache classes' kind, aligned within. */
static void pick_class_area(u64 *r, int *bits, int *align)
{
	*align = 1 << rnd(r, 5);		/* 4 to 64 bytes */
	*bits = *align * (1 + rnd(r, 8));
}

/* A refill or a drain, as the per-CPU caches make them. */
static void batch_step(u64 *r, struct harness *h,
		       const unsigned long *populated, bool atomic)
{
	int bits, align;

	if (rnd(r, 2)) {
		pick_class_area(r, &bits, &align);
		harness_carve(h, bits, align, atomic ? populated : NULL,
			      1 + rnd(r, 32));
	} else {
		harness_free_batch(h, rnd(r, 1 << 30), 1 + rnd(r, 32),
				   rnd(r, 10) == 0);
	}
}

/* One seed's sequence; returns the harness's failure count. */
static int run_sequence(const struct profile *p, u64 seed, int nr_blocks,
			struct harness *h)
{
	unsigned long populated[BITS_TO_LONGS(MAX_BLOCKS)];
	int i, x, last_freed = -1, fill_pct = 70;
	u64 r = seed;

	if (harness_init(h, nr_blocks)) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	h->quiet = true;
	pick_populated(&r, populated, nr_blocks);
	for (i = 0; i < p->steps && !h->failures; i++) {
		/* Alternate filling and draining, to reach full and empty. */
		if (rnd(&r, 200) == 0)
			fill_pct = fill_pct == 70 ? 30 : 70;
		x = rnd(&r, 100);
		if (rnd(&r, 100) < p->batch_pct) {
			batch_step(&r, h, populated,
				   rnd(&r, 100) < p->atomic_pct);
		} else if (x < fill_pct * 85 / 100) {
			bool atomic = rnd(&r, 100) < p->atomic_pct;
			int bits = pick_bits(&r, h, p->big_pct);
			int align = pick_align(&r);

			if (atomic && rnd(&r, 8) == 0)
				pick_populated(&r, populated, nr_blocks);
			/* Now and then only look, as a failed atomic try does. */
			harness_alloc(h, bits, align, atomic ? populated : NULL,
				      rnd(&r, 10) != 0);
		} else if (x < 85) {
			last_freed = harness_free_live(h, rnd(&r, 1 << 30));
		} else if (x < 93) {
			harness_free_cell(h, pick_bad_cell(&r, h, last_freed));
		} else {
			harness_size_at(h, rnd(&r, h->nr_bits + 2) - 1);
		}
		harness_verify(h);
	}
	return h->failures;
}

/* The running test's first failure, printed under its "not ok" line. */
static char why[300];

#define note(...)							\
	do {								\
		if (!why[0])						\
			snprintf(why, sizeof(why), __VA_ARGS__);	\
	} while (0)

static void report(const char *name, bool ok, unsigned long ops, double t0)
{
	runner_report(name, ok, ops, t0, why);
	why[0] = 0;
}

static void note_failure(const struct harness *h, u64 seed)
{
	note("seed %llu, %d blocks, op %lu: %s", (unsigned long long)seed,
	     h->nr_blocks, h->first_failure_op, h->first_failure);
}

static void test_profile(const struct profile *p)
{
	struct harness h;
	unsigned long ops = 0;
	double t0 = runner_now();
	bool ok = true;
	int s;

	for (s = 0; s < p->seeds * mult; s++) {
		u64 seed = s + 1;

		if (run_sequence(p, seed, p->blocks[s % 4], &h)) {
			note_failure(&h, seed);
			ok = false;
		}
		ops += h.ops;
		harness_destroy(&h);
	}
	report(p->name, ok, ops, t0);
}

/* Every allocation pcpu_alt_map_init() makes can fail, without leaks. */
static void test_init_enomem(void)
{
	struct pcpu_alt_map map;
	double t0 = runner_now();
	bool ok = true;
	int n, err;

	for (n = 1; n <= 4; n++) {
		uspace_fail_nth_alloc = n;
		err = pcpu_alt_map_init(&map, 2, GFP_KERNEL);
		uspace_fail_nth_alloc = 0;
		if (n <= 3 && (err != -ENOMEM || map.alloc_map ||
			       map.bound_map || map.blocks)) {
			note("allocation %d failing: init returned %d", n,
			     err);
			ok = false;
		}
		if (n == 4) {
			if (err) {
				note("init failed with no failure: %d", err);
				ok = false;
			}
			pcpu_alt_map_destroy(&map);
		}
	}
	report("init-enomem", ok, 4, t0);
}

/* A fresh map of every size: all free, one run, on the empty slot. */
static void test_empty_maps(void)
{
	struct harness h;
	unsigned long ops = 0;
	double t0 = runner_now();
	bool ok = true;
	int nr_blocks;

	for (nr_blocks = 1; nr_blocks <= 9; nr_blocks++) {
		if (harness_init(&h, nr_blocks))
			exit(2);
		h.quiet = true;
		harness_verify(&h);
		harness_alloc(&h, h.nr_bits + 1, 1, NULL, false);
		if (harness_alloc(&h, h.nr_bits, CELLS_PER_BLOCK, NULL,
				  false) != 0)
			harness_fail(&h, "an empty map has no room for itself");
		harness_free_cell(&h, 0);
		harness_size_at(&h, 0);
		harness_verify(&h);
		if (h.failures)
			note_failure(&h, 0);
		ok &= !h.failures;
		ops += h.ops;
		harness_destroy(&h);
	}
	report("empty-maps", ok, ops, t0);
}

/*
 * The slot walk in find_room() must never skip a chunk with room: the
 * first slot searched never falls as the size grows, never reaches the
 * empty chunks' slot, and is never slot 0 (full chunks).
 */
static void test_slot_order(void)
{
	int nr_blocks, bits, max_bits = MAX_BLOCKS * CELLS_PER_BLOCK;
	double t0 = runner_now();
	bool ok = true;

	for (bits = 1; bits <= max_bits && ok; bits++) {
		int s = pcpu_alt_size_slot(bits);

		if (s < 1 || (bits > 1 && s < pcpu_alt_size_slot(bits - 1))) {
			note("size_slot(%d) = %d", bits, s);
			ok = false;
		}
	}
	/* Monotonic, so the largest size of a map has the highest slot. */
	for (nr_blocks = 1; nr_blocks <= MAX_BLOCKS; nr_blocks++) {
		int free_slot = fls(nr_blocks * 4096) + 1;

		bits = nr_blocks * CELLS_PER_BLOCK;
		if (pcpu_alt_size_slot(bits) >= free_slot) {
			note("%d blocks: size_slot(%d) = %d, free slot %d",
			     nr_blocks, bits, pcpu_alt_size_slot(bits),
			     free_slot);
			ok = false;
		}
	}
	report("slot-order", ok, max_bits + MAX_BLOCKS, t0);
}

/*
 * Fill a map with one-cell allocations until the finder gives up (it must
 * not before every cell is used), free them in random order, then again
 * with larger aligned ones.
 */
static void test_fill_drain(void)
{
	static const int shapes[][2] = { { 1, 1 }, { 3, 4 }, { 100, 128 } };
	struct harness h;
	unsigned long ops = 0;
	double t0 = runner_now();
	bool ok = true;
	u64 r = 42;
	int nr_blocks, i, n;

	for (nr_blocks = 1; nr_blocks <= 2; nr_blocks++) {
		if (harness_init(&h, nr_blocks))
			exit(2);
		h.quiet = true;
		for (i = 0; i < 3 && !h.failures; i++) {
			int bits = shapes[i][0], align = shapes[i][1];

			for (n = 0; harness_alloc(&h, bits, align, NULL, true) >= 0;
			     n++)
				harness_verify(&h);
			if (n != h.nr_bits / align)
				harness_fail(&h, "fill %d/%d: %d fitted, expected %d",
					     bits, align, n, h.nr_bits / align);
			while (h.nr_live && !h.failures) {
				harness_free_live(&h, rnd(&r, h.nr_live));
				harness_verify(&h);
			}
		}
		if (h.failures) {
			note_failure(&h, 42);
			ok = false;
		}
		ops += h.ops;
		harness_destroy(&h);
	}
	report("fill-drain", ok, ops, t0);
}

/*
 * Every cell that does not start an allocation, and every former start
 * after its free, must be refused and change nothing.
 */
static void test_bad_frees(void)
{
	struct harness h;
	double t0 = runner_now();
	int cell, bits, starts = 0, *former;
	u64 r = 7;

	if (harness_init(&h, 2))
		exit(2);
	h.quiet = true;
	former = calloc(h.nr_bits, sizeof(*former));
	if (!former)
		exit(2);
	/* Leave a few free runs between allocations of mixed sizes. */
	for (;;) {
		bits = 1 + rnd(&r, 40);
		if (harness_alloc(&h, bits, 1 << rnd(&r, 4), NULL, true) < 0)
			break;
		if (rnd(&r, 4) == 0)
			harness_free_live(&h, h.nr_live - 1);
	}
	harness_verify(&h);
	for (cell = -1; cell <= h.nr_bits; cell++) {
		if (!harness_is_start(&h, cell)) {
			harness_free_cell(&h, cell);
			harness_size_at(&h, cell);
		}
	}
	harness_verify(&h);
	while (h.nr_live) {
		former[starts++] = harness_free_live(&h, 0);
		harness_free_cell(&h, former[starts - 1]);
	}
	for (cell = 0; cell < starts; cell++)
		harness_free_cell(&h, former[cell]);
	harness_verify(&h);
	if (h.failures)
		note_failure(&h, 7);
	report("bad-frees", !h.failures, h.ops, t0);
	free(former);
	harness_destroy(&h);
}

int main(int argc, char **argv)
{
	size_t i;

	mult = runner_start(argc, argv);
	if (runner_wanted("init-enomem"))
		test_init_enomem();
	if (runner_wanted("empty-maps"))
		test_empty_maps();
	if (runner_wanted("slot-order"))
		test_slot_order();
	if (runner_wanted("fill-drain"))
		test_fill_drain();
	if (runner_wanted("bad-frees"))
		test_bad_frees();
	for (i = 0; i < ARRAY_SIZE(profiles); i++)
		if (runner_wanted(profiles[i].name))
			test_profile(&profiles[i]);
	return runner_finish();
}
