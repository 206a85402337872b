// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel bench's workloads (lab/bench.c, docs/performance.md) as
 * scripts, with the same sizes, counts and mix:
 *
 *   steady-S       1000 areas of S bytes live (filled untimed), then 20000
 *                  times: free a random one, allocate a new one; S is 8,
 *                  64, 256 or 4096; one thread
 *   burst-ORDER    allocate 10000 areas of 64 bytes, then free them in
 *                  order, in reverse or in random order; one thread
 *   mixed          steady with sizes and alignments drawn from the
 *                  bench's default mix, each size moved by up to 15%
 *                  either way: 1000 live, 20000 ops on one thread, or
 *                  256 live, 5000 ops on each of several
 *   concurrent     steady-64 on every thread at once: 256 live, 5000 ops
 *                  each
 *
 * Scripts are drawn once from fixed seeds, so both allocators replay the
 * very same calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native.h"
#include "rng.h"

#define STEADY_N	1000
#define STEADY_OPS	20000
#define BURST_N		10000
#define BURST_SIZE	64
#define CONC_N		256
#define CONC_OPS	5000
#define CONC_SIZE	64
#define SEED		0x9e3779b97f4a7c15ULL
/* Jitter: a drawn size moves by up to this many per mille either way. */
#define PERMILLE	1000
#define JITTER_PERMILLE	150
#define GRANULE		4

/* The bench's default mix: size, align, weight (lab/bench.c says whence). */
static const struct {
	u32 size, align, weight;
} default_mix[] = {
	{ 4, 4, 18 }, { 8, 4, 3 }, { 8, 8, 22 }, { 16, 4, 15 },
	{ 16, 8, 16 }, { 16, 16, 1 }, { 32, 8, 2 }, { 32, 16, 7 },
	{ 32, 32, 2 }, { 128, 64, 1 }, { 144, 8, 2 }, { 176, 8, 2 },
	{ 256, 256, 2 }, { 304, 8, 3 }, { 496, 8, 2 }, { 1088, 64, 2 },
};

static const char *const names[] = {
	"steady-8", "steady-64", "steady-256", "steady-4096",
	"burst-inorder", "burst-reverse", "burst-random",
	"mixed", "concurrent", NULL,
};

const char *const *native_workload_names(void)
{
	return names;
}

/* Does @name run on several threads (the others always run on one)? */
bool native_workload_threaded(const char *name)
{
	return !strcmp(name, "mixed") || !strcmp(name, "concurrent");
}

static u32 round_up_to(u32 x, u32 to)
{
	return (x + to - 1) / to * to;
}

/* The bench's alignment for a fixed size. */
static u32 size_align(u32 size)
{
	return size >= 8 ? 8 : 4;
}

struct draw {
	bool mix;
	u32 size;
};

static void draw_size(const struct draw *d, u64 *rnd, u32 *size,
		      u32 *align)
{
	u32 total = 0, r, s, j;
	size_t i;

	if (!d->mix) {
		*size = d->size;
		*align = size_align(d->size);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(default_mix); i++)
		total += default_mix[i].weight;
	r = rng_below(rnd, total);
	for (i = 0; r >= default_mix[i].weight; i++)
		r -= default_mix[i].weight;
	j = rng_below(rnd, 2 * JITTER_PERMILLE + 1);
	s = (default_mix[i].size * (PERMILLE - JITTER_PERMILLE + j) +
	     PERMILLE - 1) / PERMILLE;
	s = round_up_to(s, default_mix[i].align > GRANULE ?
			   default_mix[i].align : GRANULE);
	*size = s < NATIVE_MAX_SIZE ? s : NATIVE_MAX_SIZE;
	*align = default_mix[i].align;
}

static int add(struct native_script *s, u32 slot, bool is_free,
	       u32 size, u32 align, bool timed)
{
	struct native_rec r = {
		.slot = slot, .size = size, .align = align,
		.is_free = is_free, .timed = timed,
	};

	return native_script_add(s, &r);
}

/* Steady state on one thread: @n live from slot @base, @ops replacements. */
static int steady(struct native_script *s, u32 base, u32 n,
		  u32 ops, const struct draw *d, u64 seed)
{
	u64 rnd = seed;
	u32 i, k, size, align;
	int err = 0;

	for (i = 0; !err && i < n; i++) {
		draw_size(d, &rnd, &size, &align);
		err = add(s, base + i, false, size, align, false);
	}
	for (i = 0; !err && i < ops; i++) {
		k = rng_below(&rnd, n);
		err = add(s, base + k, true, 0, 0, true);
		draw_size(d, &rnd, &size, &align);
		if (!err)
			err = add(s, base + k, false, size, align, true);
	}
	for (i = 0; !err && i < n; i++)
		err = add(s, base + i, true, 0, 0, false);
	return err;
}

enum order { INORDER, REVERSE, RANDOM };

static int burst(struct native_script *s, enum order order)
{
	u32 *slots = malloc(BURST_N * sizeof(*slots)), i, j, t;
	u64 rnd = SEED;
	int err = 0;

	if (!slots)
		return -ENOMEM;
	for (i = 0; !err && i < BURST_N; i++) {
		slots[i] = i;
		err = add(s, i, false, BURST_SIZE, size_align(BURST_SIZE),
			  true);
	}
	for (i = 0; order != INORDER && i < BURST_N - 1; i++) {
		j = order == REVERSE ? BURST_N - 1 - i :
				       i + rng_below(&rnd, BURST_N - i);
		if (order == REVERSE && j <= i)
			break;
		t = slots[i];
		slots[i] = slots[j];
		slots[j] = t;
	}
	for (i = 0; !err && i < BURST_N; i++)
		err = add(s, slots[i], true, 0, 0, true);
	free(slots);
	return err;
}

/**
 * native_workload() - a built-in workload as scripts
 * @name: one of native_workload_names()
 * @threads: for mixed and concurrent: threads running it at once; the
 *           others always run on one thread
 * @job: filled in
 *
 * RETURNS: 0, -ENOENT for an unknown name, or -ENOMEM.
 */
int native_workload(const char *name, unsigned int threads,
		    struct native_job *job)
{
	static const u32 steady_sizes[] = { 8, 64, 256, 4096 };
	struct draw d = { .mix = !strcmp(name, "mixed") };
	unsigned int t;
	size_t i;
	int err = -ENOENT;

	memset(job, 0, sizeof(*job));
	snprintf(job->name, sizeof(job->name), "%s", name);
	job->threads = 1;
	for (i = 0; i < 4; i++) {
		if (!strcmp(name, names[i])) {
			d.size = steady_sizes[i];
			job->nr_slots = STEADY_N;
			err = steady(&job->script[0], 0, STEADY_N, STEADY_OPS,
				     &d, SEED);
		}
	}
	for (i = 0; i < 3; i++) {
		if (!strcmp(name, names[4 + i])) {
			job->nr_slots = BURST_N;
			err = burst(&job->script[0], i);
		}
	}
	if (d.mix && threads == 1) {
		job->nr_slots = STEADY_N;
		err = steady(&job->script[0], 0, STEADY_N, STEADY_OPS, &d,
			     SEED);
	} else if (d.mix || !strcmp(name, "concurrent")) {
		if (!d.mix)
			d.size = CONC_SIZE;
		job->threads = threads;
		job->throughput = true;
		job->nr_slots = threads * CONC_N;
		for (t = 0, err = 0; !err && t < threads; t++)
			err = steady(&job->script[t], t * CONC_N, CONC_N,
				     CONC_OPS, &d, SEED + t);
	}
	if (err)
		native_job_free(job);
	return err;
}
