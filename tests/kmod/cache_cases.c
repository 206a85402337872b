// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_test.ko: cases of the per-CPU caches (the fast path): serving
 * and counting, double frees, slow start, class rounding, idle drains.
 */
#define pr_fmt(fmt) fmt

#include <linux/jiffies.h>
#include <linux/delay.h>
#include <linux/preempt.h>

#include "ktest.h"

static int cache_off_skip(void)
{
	if (stats_now().cache_enabled)
		return 0;
	pr_info("    # caches are off\n");
	return 1;
}

#define CACHE_SIZE	24

int test_cache_serves_and_counts_free(void)
{
	struct pcpu_alt_stats st0, st1, st2;
	void __percpu *p, *q;
	int ret = cache_off_skip();

	if (ret)
		return ret;
	pcpu_alt_balance_now();		/* empty caches */
	st0 = stats_now();
	preempt_disable();		/* one CPU, one cache */
	p = pcpu_alt_alloc(CACHE_SIZE, 8, GFP_NOWAIT);
	if (p)
		fill_everywhere(p, CACHE_SIZE, 0x5a);
	pcpu_alt_free(p);
	st1 = stats_now();
	q = pcpu_alt_alloc(CACHE_SIZE, 8, GFP_NOWAIT);
	preempt_enable();
	st2 = stats_now();
	if (!EXPECT(p && q))
		return -EINVAL;
	/* The freed area sits in this CPU's cache, counted as free. */
	if (!EXPECT(st1.nr_cached > st0.nr_cached) ||
	    !EXPECT_EQ(st1.nr_live, st0.nr_live) ||
	    !EXPECT_EQ(st1.nr_frees, st0.nr_frees + 1))
		return -EINVAL;
	/* ... and comes straight back, zeroed. */
	if (!EXPECT(q == p) || !EXPECT(zero_everywhere(q, CACHE_SIZE)) ||
	    !EXPECT_EQ(st2.nr_cache_hits, st1.nr_cache_hits + 1) ||
	    !EXPECT_EQ(st2.nr_live, st0.nr_live + 1))
		return -EINVAL;
	pcpu_alt_free(q);
	return 0;
}

int test_cache_double_free_refused(void)
{
	struct pcpu_alt_stats st0, st1;
	void __percpu *p;
	int ret = cache_off_skip();

	if (ret)
		return ret;
	p = pcpu_alt_alloc(16, 8, GFP_KERNEL);
	if (!EXPECT(p))
		return -EINVAL;
	pcpu_alt_free(p);
	st0 = stats_now();
	expect_warn(true);
	pcpu_alt_free(p);
	expect_warn(false);
	st1 = stats_now();
	if (!EXPECT_EQ(st1.bad_frees, st0.bad_frees + 1) ||
	    !EXPECT_EQ(st1.nr_cached, st0.nr_cached) ||
	    !EXPECT_EQ(st1.nr_frees, st0.nr_frees))
		return -EINVAL;
	return 0;
}

/* A size class the other cases leave alone. */
#define SLOW_START_SIZE		192

int test_cache_slow_start(void)
{
	struct pcpu_alt_stats st0, st1, st2;
	void __percpu *p, *q;
	int ret = cache_off_skip();

	if (ret)
		return ret;
	pcpu_alt_balance_now();		/* empty caches start over */
	st0 = stats_now();
	preempt_disable();		/* one CPU, one cache */
	p = pcpu_alt_alloc(SLOW_START_SIZE, 8, GFP_NOWAIT);
	st1 = stats_now();
	q = pcpu_alt_alloc(SLOW_START_SIZE, 8, GFP_NOWAIT);
	st2 = stats_now();
	preempt_enable();
	pcpu_alt_free(p);
	pcpu_alt_free(q);
	if (!EXPECT(p && q))
		return -EINVAL;
	/* The first refill takes one area, the second two: one stays. */
	if (!EXPECT_EQ(st1.nr_cached, st0.nr_cached) ||
	    !EXPECT_EQ(st2.nr_cached, st0.nr_cached + 1))
		return -EINVAL;
	return 0;
}

/*
 * 36 bytes aligned 32 would go to the 64-byte class, the first one aligned
 * 32 that holds them, and leave more than a quarter of it unused: they take
 * the slow path (and, no class having their size, are not cached when
 * freed).  48 bytes aligned 16 fit the 48-byte class.
 */
#define CACHE_LOOSE_SIZE	36
#define CACHE_LOOSE_ALIGN	32
#define CACHE_CLOSE_SIZE	48
#define CACHE_CLOSE_ALIGN	16

/* Allocate and free @size bytes on one CPU; how many areas got cached. */
static long cached_by_free(size_t size, size_t align)
{
	struct pcpu_alt_stats st0, st1;
	void __percpu *p;

	pcpu_alt_balance_now();		/* empty caches */
	st0 = stats_now();
	preempt_disable();		/* one CPU, one cache */
	p = pcpu_alt_alloc(size, align, GFP_NOWAIT);
	pcpu_alt_free(p);
	preempt_enable();
	st1 = stats_now();
	if (!p)
		return -1;
	return (long)st1.nr_cached - (long)st0.nr_cached;
}

int test_cache_rounding_bounded(void)
{
	int ret = cache_off_skip();

	if (ret)
		return ret;
	if (!EXPECT_EQ(cached_by_free(CACHE_LOOSE_SIZE, CACHE_LOOSE_ALIGN), 0) ||
	    !EXPECT(cached_by_free(CACHE_CLOSE_SIZE, CACHE_CLOSE_ALIGN) > 0))
		return -EINVAL;
	return 0;
}

#define CACHE_IDLE_AREAS	64
#define CACHE_IDLE_WAIT_MS	10000
#define CACHE_IDLE_POLL_MS	50

int test_cache_drained_when_idle(void)
{
	void __percpu *p[CACHE_IDLE_AREAS];
	unsigned long deadline;
	int i, ret = cache_off_skip();

	if (ret)
		return ret;
	for (i = 0; i < CACHE_IDLE_AREAS; i++)
		p[i] = pcpu_alt_alloc(8, 8, GFP_KERNEL);
	for (i = 0; i < CACHE_IDLE_AREAS; i++)
		pcpu_alt_free(p[i]);
	if (!EXPECT(stats_now().nr_cached > 0))
		return -EINVAL;
	/* Nothing uses the caches now: the reaper must empty them. */
	deadline = jiffies + msecs_to_jiffies(CACHE_IDLE_WAIT_MS);
	while (stats_now().nr_cached && time_before(jiffies, deadline))
		msleep(CACHE_IDLE_POLL_MS);
	if (!EXPECT_EQ(stats_now().nr_cached, 0))
		return -EINVAL;
	return 0;
}

/*
 * Requests across the class table: which the caches serve, and that what
 * they serve is aligned as asked on every CPU.
 */
static const struct {
	size_t size;
	size_t align;
	bool cached;
} class_reqs[] = {
	{ 4, 4, true },		/* the smallest class */
	{ 12, 4, true },
	{ 16, 16, true },
	{ 40, 8, true },
	{ 40, 16, true },	/* the 48-byte class, aligned 16 */
	{ 64, 64, true },	/* cache-line aligned */
	{ 100, 32, true },	/* 128 */
	{ 304, 8, true },	/* 320 */
	{ 1088, 64, true },	/* 1152 */
	{ 2048, 64, true },	/* the largest class */
	{ 2049, 8, false },	/* above every class */
	{ 64, 128, false },	/* aligned above every class */
	{ 36, 32, false },	/* 64 would leave too much unused */
};

static bool aligned_everywhere(void __percpu *p, size_t align)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		if (!IS_ALIGNED((unsigned long)pcpu_alt_ptr(p, cpu), align))
			return false;
	return true;
}

int test_cache_classes_and_alignments(void)
{
	struct pcpu_alt_stats st0, st1;
	void __percpu *p, *q;
	int i, ret = cache_off_skip();

	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(class_reqs); i++) {
		size_t size = class_reqs[i].size, align = class_reqs[i].align;

		pcpu_alt_balance_now();		/* empty caches, a reserve */
		st0 = stats_now();
		preempt_disable();		/* one CPU, one cache */
		p = pcpu_alt_alloc(size, align, GFP_NOWAIT);
		pcpu_alt_free(p);
		q = pcpu_alt_alloc(size, align, GFP_NOWAIT);
		preempt_enable();
		st1 = stats_now();
		pcpu_alt_free(q);
		if (!EXPECT(p && q) || !EXPECT(aligned_everywhere(q, align))) {
			pr_err("    # request %zu bytes align %zu\n", size, align);
			return -EINVAL;
		}
		/* A cached class gives the freed area straight back. */
		if (!EXPECT_EQ(st1.nr_cache_hits > st0.nr_cache_hits,
			       class_reqs[i].cached) ||
		    (class_reqs[i].cached && !EXPECT(q == p))) {
			pr_err("    # request %zu bytes align %zu\n", size, align);
			return -EINVAL;
		}
	}
	return 0;
}
