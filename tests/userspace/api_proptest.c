// SPDX-License-Identifier: GPL-2.0
/*
 * Property tests of pcpu_alt's per-CPU caches and chunk layer, through
 * its API, against the model of api_harness.c: random sequences of
 * allocations and frees from fixed seeds, on several CPUs, with what the
 * kernel does around them (drains, memory pressure, CPUs going away,
 * background work, parameter writes, failing internal allocations), and
 * a few fixed cases.  The whole allocator runs, compiled unchanged
 * against the native harness's stubs, with ASan and UBSan.
 *
 * Usage: api-proptest [-m MULT] [TEST...]
 *   -m MULT  run MULT times as many seeds (a longer soak)
 *   TEST     run only these tests (default: all)
 *
 * Prints "ok - <name>" or "not ok - <name>" with the first failure and its
 * seed, then "N passed, N failed".  Exits non-zero if a test failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcpu_alt_internal.h"
#include "api_harness.h"
#include "rng.h"
#include "runner.h"

#define NR_CPUS_TESTED	4
/* Operations between two full checks (each drains every cache). */
#define CHECK_EVERY	250

static int mult = 1;

/*
 * @small_pct of the sizes are cache-sized (up to 2 KiB), @huge_pct up to
 * the unit; @atomic_pct of the allocations are GFP_NOWAIT; @cpus CPUs
 * take turns; @events_pct of the operations are drains, memory pressure,
 * CPUs going away, background runs, parameter writes and bad frees;
 * @faults: stretches of failing internal allocations.
 */
struct profile {
	const char *name;
	int seeds, steps;
	unsigned int small_pct, huge_pct, atomic_pct, cpus, events_pct;
	bool faults;
};

static const struct profile profiles[] = {
	/* The fast path on one CPU: pops, pushes, refills, drains. */
	{ "caches-one-cpu", 8, 3000, 100, 0, 0, 1, 2, false },
	/* Areas freed on other CPUs than their own, caches drained. */
	{ "caches-cpus", 8, 3000, 100, 0, 10, 4, 10, false },
	/* Every size, slow path and chunks included. */
	{ "mixed", 8, 2500, 60, 2, 15, 4, 8, false },
	/* Internal allocations failing now and then. */
	{ "faults", 8, 2500, 60, 2, 15, 4, 8, true },
	/* Mostly non-blocking: only populated space. */
	{ "nowait", 6, 2500, 70, 1, 80, 4, 8, false },
};

static size_t pick_size(u64 *r, const struct profile *p)
{
	u32 x = rng_below(r, 100);

	if (x < p->huge_pct)
		return 1 + rng_below(r, PCPU_ALT_MIN_UNIT);
	if (x < p->huge_pct + p->small_pct)
		return 1 + (rng_below(r, 2) ? rng_below(r, 64) :
				rng_below(r, 2048));
	return 1 + rng_below(r, 16384);
}

/* Natural alignment mostly; now and then any power of two to a page. */
static size_t pick_align(u64 *r)
{
	static const size_t usual[] = { 4, 8, 8, 16 };

	if (rng_below(r, 4))
		return usual[rng_below(r, ARRAY_SIZE(usual))];
	return 1UL << rng_below(r, 13);
}

/* One of the things the kernel does around the callers. */
static void event(struct api_harness *h, u64 *r, const struct profile *p)
{
	u32 x = rng_below(r, 10);

	switch (x) {
	case 0 ... API_EVENTS - 1:
		api_event(h, x, rng_below(r, p->cpus));
		break;
	case 4:
		api_set_cache(h, false);
		api_alloc(h, pick_size(r, p), pick_align(r), false);
		api_set_cache(h, true);
		break;
	case 5:
	case 6:
		api_double_free(h, rng_next(r));
		break;
	case 7:
		api_interior_free(h, rng_next(r));
		break;
	case 8:
		api_foreign_free(h);
		break;
	default:
		if (p->faults)
			api_set_faults(h, h->faults ? 0 : 2 + rng_below(r, 6));
		break;
	}
}

static void run_sequence(struct api_harness *h, const struct profile *p,
			 u64 seed)
{
	unsigned int fill_pct = 65;
	int i;
	u64 r = seed;

	api_init(h);
	h->quiet = true;
	for (i = 0; i < p->steps && !h->failures; i++) {
		u32 x = rng_below(&r, 100);

		/* Swing between filling up and emptying. */
		if (!rng_below(&r, 300))
			fill_pct = fill_pct == 65 ? 35 : 65;
		if (p->cpus > 1 && !rng_below(&r, 8))
			api_set_cpu(h, rng_below(&r, p->cpus));
		if (x < p->events_pct)
			event(h, &r, p);
		else if (rng_below(&r, 100) < fill_pct)
			api_alloc(h, pick_size(&r, p), pick_align(&r),
				  rng_below(&r, 100) < p->atomic_pct);
		else
			api_free(h, rng_next(&r));
		if (!(i % CHECK_EVERY))
			api_check(h);
	}
	api_finish(h);
	api_set_cpu(h, 0);
}

static void test_profile(const struct profile *p)
{
	static struct api_harness h;
	unsigned long ops = 0;
	char why[320] = "";
	double t0 = runner_now();
	int s;

	for (s = 0; s < p->seeds * mult && !why[0]; s++) {
		run_sequence(&h, p, s + 1);
		ops += h.ops;
		if (h.failures)
			snprintf(why, sizeof(why), "seed %d, op %lu: %s", s + 1,
				 h.first_failure_op, h.first_failure);
	}
	runner_report(p->name, !why[0], ops, t0, why);
}

/*
 * The fast path was taken: on one CPU, small areas freed and allocated
 * again come from its cache (a harness that missed the caches would pass
 * the other tests without testing them).
 */
static void test_cache_hits(void)
{
	static struct api_harness h;
	struct pcpu_alt_stats before, after;
	double t0 = runner_now();
	char why[320] = "";
	int i;

	api_init(&h);
	h.quiet = true;
	pcpu_alt_get_stats(&before);
	for (i = 0; i < 64; i++)
		api_alloc(&h, 24, 8, false);
	while (h.nr_live)
		api_free(&h, 0);
	for (i = 0; i < 64; i++)
		api_alloc(&h, 24, 8, false);
	pcpu_alt_get_stats(&after);
	api_finish(&h);
	if (after.nr_cache_hits - before.nr_cache_hits < 64)
		snprintf(why, sizeof(why), "%llu cache hits for 64 reallocations",
			 after.nr_cache_hits - before.nr_cache_hits);
	else if (h.failures)
		snprintf(why, sizeof(why), "%s", h.first_failure);
	runner_report("cache-hits", !why[0], h.ops, t0, why);
}

/*
 * A double free of an area sitting in a cache is refused, on its own CPU
 * and on another, before and after the cache is drained.
 */
static void test_double_free_cached(void)
{
	static struct api_harness h;
	double t0 = runner_now();
	char why[320] = "";
	unsigned int cpu;

	api_init(&h);
	h.quiet = true;
	for (cpu = 0; cpu < NR_CPUS_TESTED && !h.failures; cpu++) {
		api_set_cpu(&h, cpu);
		api_alloc(&h, 40, 8, false);
		api_free(&h, h.nr_live - 1);
		api_double_free(&h, h.nr_freed - 1);
		api_set_cpu(&h, (cpu + 1) % NR_CPUS_TESTED);
		api_double_free(&h, h.nr_freed - 1);
		api_drain(&h);
		api_double_free(&h, h.nr_freed - 1);
	}
	api_set_cpu(&h, 0);
	api_finish(&h);
	if (h.failures)
		snprintf(why, sizeof(why), "%s", h.first_failure);
	else if (h.refused != 3 * NR_CPUS_TESTED)
		snprintf(why, sizeof(why), "%lu double frees tried, expected %d",
			 h.refused, 3 * NR_CPUS_TESTED);
	runner_report("double-free-cached", !why[0], h.ops, t0, why);
}

int main(int argc, char **argv)
{
	size_t i;
	int ret;

	mult = runner_start(argc, argv);
	if (api_boot(NR_CPUS_TESTED)) {
		fprintf(stderr, "boot or pcpu_alt load failed\n");
		return 2;
	}
	if (runner_wanted("cache-hits"))
		test_cache_hits();
	if (runner_wanted("double-free-cached"))
		test_double_free_cached();
	for (i = 0; i < ARRAY_SIZE(profiles); i++)
		if (runner_wanted(profiles[i].name))
			test_profile(&profiles[i]);
	ret = runner_finish();
	uspace_module_exit();
	uspace_workqueue_stop();
	return ret;
}
