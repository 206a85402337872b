// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the property test's operations (harness.c), chosen by
 * the fuzzer's input instead of a seeded generator.  Any disagreement with
 * the model, or a sanitizer report, is a crash that libFuzzer saves.
 *
 * Input: the first byte picks the map size (1 to 4 blocks, small so that
 * block edges are everywhere) and, with its top bit, whether the batch
 * operations of the per-CPU caches (a refill carving a run of areas, a
 * drain freeing many) are among the opcodes; then operations, each an
 * opcode byte and its arguments.  The input ends where an operation runs
 * out of bytes.  (Inputs without the top bit decode as before the batch
 * operations existed: the committed regressions keep their meaning.)
 *
 * The entry point's name comes from the Makefile (FUZZ_ENTRY): it is
 * libFuzzer's LLVMFuzzerTestOneInput, whose CamelCase checkpatch refuses.
 */
#include <stdio.h>
#include <stdlib.h>

#include <linux/bitops.h>
#include <linux/types.h>

#include "fuzz_input.h"
#include "harness.h"

#ifndef FUZZ_ENTRY
#error "build with -DFUZZ_ENTRY=<libFuzzer's entry point>, see the Makefile"
#endif

/* Top two bits pick a size class, so small sizes are easy to reach. */
static int decode_bits(unsigned int v, const struct harness *h)
{
	unsigned int n = v & 0x3fff;

	switch (v >> 14) {
	case 0:
		return 1 + n % 16;
	case 1:
		return 1 + n % 128;
	case 2:
		return 1 + n % CELLS_PER_BLOCK;
	default:
		return 1 + n % h->nr_bits;
	}
}

/* Powers of two from one cell to a page. */
static int decode_align(unsigned int v)
{
	return 1 << (v % 11);
}

/* A cell from -1 to nr_bits: the edges are worth a try. */
static int decode_cell(unsigned int v, const struct harness *h)
{
	return (int)(v % (h->nr_bits + 2)) - 1;
}

static void crash(struct harness *h)
{
	fprintf(stderr, "harness failure (op %lu, %d blocks): %s\n",
		h->first_failure_op, h->nr_blocks, h->first_failure);
	abort();
}

/* Opcodes: eight, ten with the batch operations. */
#define FUZZ_OPS		8
#define FUZZ_OPS_BATCH		10
/* The first byte's bit that turns the batch operations on. */
#define FUZZ_BATCH_BIT		0x80

/* One operation; false when the input ran out. */
static bool step(struct harness *h, struct input *in, bool batch)
{
	unsigned long populated[1];
	unsigned int op, a, b, c, i;

	if (!get8(in, &op))
		return false;
	switch (op % (batch ? FUZZ_OPS_BATCH : FUZZ_OPS)) {
	case 0:		/* blocking allocation */
		if (!get16(in, &a) || !get8(in, &b))
			return false;
		harness_alloc(h, decode_bits(a, h), decode_align(b), NULL,
			      true);
		break;
	case 1:		/* non-blocking allocation in populated blocks */
	case 2:		/* ... or only the look for room */
		if (!get8(in, &c) || !get16(in, &a) || !get8(in, &b))
			return false;
		populated[0] = c;	/* at most 4 blocks */
		harness_alloc(h, decode_bits(a, h), decode_align(b),
			      populated, op % 8 == 1);
		break;
	case 3:		/* free a live allocation */
		if (!get16(in, &a))
			return false;
		harness_free_live(h, a);
		break;
	case 4:		/* free whatever is at a cell: maybe a bad free */
		if (!get16(in, &a))
			return false;
		harness_free_cell(h, decode_cell(a, h));
		break;
	case 5:		/* a burst of equal allocations */
		if (!get8(in, &c) || !get16(in, &a) || !get8(in, &b))
			return false;
		for (i = 0; i <= c % 32; i++) {
			harness_alloc(h, decode_bits(a, h), decode_align(b),
				      NULL, true);
			harness_verify(h);
		}
		break;
	case 6:		/* a burst of frees */
		if (!get8(in, &c) || !get16(in, &a))
			return false;
		for (i = 0; i <= c % 32; i++) {
			harness_free_live(h, a + i * 7);
			harness_verify(h);
		}
		break;
	case 7:
		if (!get16(in, &a))
			return false;
		harness_size_at(h, decode_cell(a, h));
		break;
	case 8:		/* a refill: a run of class-like areas */
		if (!get8(in, &c) || !get8(in, &a) || !get8(in, &b))
			return false;
		populated[0] = c;
		harness_carve(h, (1 << (b % 5)) * (1 + a % 8), 1 << (b % 5),
			      b & 0x80 ? populated : NULL, 1 + a / 8);
		break;
	default:	/* a drain: many frees at once, maybe one bad */
		if (!get8(in, &c) || !get16(in, &a))
			return false;
		harness_free_batch(h, a, 1 + c % 32, c & 0x80);
		break;
	}
	harness_verify(h);
	return true;
}

int FUZZ_ENTRY(const u8 *data, size_t size);

int FUZZ_ENTRY(const u8 *data, size_t size)
{
	struct input in = { data, size };
	struct harness h;
	unsigned int v;

	if (!get8(&in, &v))
		return 0;
	if (harness_init(&h, 1 + v % 4))
		abort();
	h.quiet = true;
	h.on_failure = crash;
	while (step(&h, &in, v & FUZZ_BATCH_BIT))
		;
	harness_destroy(&h);
	return 0;
}
