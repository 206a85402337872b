/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The operations the property test and the fuzzer both drive: each one runs
 * on the real allocation map (pcpu_alt_map.c) and on a reference model, and
 * any disagreement is a failure.
 *
 * The model is an array with the owner of every cell (one bitmap bit of the
 * core, PCPU_ALT_MIN_ALLOC bytes): 0 when free, otherwise the id of the
 * allocation holding it.  Ids are never reused, so an allocation starts
 * where the owner changes to a non-zero id.  That is all the model knows;
 * every question about it is answered by a plain scan.
 */
#ifndef _USPACE_HARNESS_H
#define _USPACE_HARNESS_H

#include <stdio.h>

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/types.h>

/* Needs PAGE_SIZE first, as in the kernel, where its includers bring it. */
#include "pcpu_alt_map.h"

/* Cells of one hint block: the core's PCPU_ALT_BLOCK_BITS, said plainly. */
#define CELLS_PER_BLOCK		(4096 / PCPU_ALT_MIN_ALLOC)

struct harness {
	struct pcpu_alt_map map;
	int nr_blocks;
	int nr_bits;
	int free_slot;		/* the last slot, as pcpu_alt.c sizes them */
	int *owner;		/* the model: owner id per cell, 0 = free */
	int *live;		/* start of every live allocation, unordered */
	int nr_live;
	int next_id;
	/* Copy of the map, to prove a refused free changed nothing. */
	struct pcpu_alt_map snap;
	/* Figures for the report. */
	unsigned long ops;
	unsigned long finds;
	unsigned long found;
	unsigned long frees;
	unsigned long bad_frees;
	unsigned long carved;
	unsigned long batch_frees;
	/* Failures: how many, and the first one in words. */
	int failures;
	unsigned long first_failure_op;
	char first_failure[200];
	bool quiet;		/* do not print failures as they happen */
	void (*on_failure)(struct harness *h);
};

int harness_init(struct harness *h, int nr_blocks);
void harness_destroy(struct harness *h);

int harness_alloc(struct harness *h, int bits, int align,
		  const unsigned long *populated, bool take);
int harness_carve(struct harness *h, int bits, int align,
		  const unsigned long *populated, int want);
int harness_free_batch(struct harness *h, int index, int n, bool bad);
int harness_free_live(struct harness *h, int index);
void harness_free_cell(struct harness *h, int cell);
void harness_size_at(struct harness *h, int cell);
bool harness_is_start(const struct harness *h, int cell);
void harness_verify(struct harness *h);

void harness_failed(struct harness *h, const char *msg);

/* Record a failure; a macro so that the compiler checks the format. */
#define harness_fail(h, ...)						\
	do {								\
		char _msg[200];						\
									\
		snprintf(_msg, sizeof(_msg), __VA_ARGS__);		\
		harness_failed(h, _msg);				\
	} while (0)

#endif
