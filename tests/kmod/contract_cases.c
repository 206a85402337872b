// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_test.ko: cases of the kernel's allocation contract: a double
 * free racing with the drain of the cache that holds the area, the
 * caller's reclaim constraints on internal allocations, watermark bounds,
 * a free chunk kept for the reserve, verify's interrupt-enabled gaps
 * between chunks, refused frees warning once per call site, a
 * blocking request from atomic context being reported on a kernel that
 * can tell, and __GFP_ACCOUNT requests counted.
 */
#define pr_fmt(fmt) fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/preempt.h>
#include <linux/sched/mm.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "ktest.h"

/* ---- a double free against a drain ---- */

#define RACE_SIZE	64
#define RACE_ALIGN	8
/* Longest a hook holds its CPU (IRQs off) waiting for the other side. */
#define RACE_WAIT_NS	(5ULL * NSEC_PER_SEC)

/*
 * @victim: the area the racing free targets
 * @holder: the CPU whose cache holds it
 * @at_claim: the racing free reached its claim
 * @drained: @holder's caches were drained after that
 * @timed_out: the racing free gave up waiting for the drain
 * @done: the racing free returned
 */
static struct {
	void __percpu *victim;
	int holder;
	int at_claim;
	int drained;
	int timed_out;
	struct completion done;
} race;

/* Spin (the caller has IRQs off) until *@flag is set or time runs out. */
static bool wait_flag(int *flag)
{
	u64 deadline = ktime_get_ns() + RACE_WAIT_NS;

	while (!READ_ONCE(*flag)) {
		if (ktime_get_ns() > deadline)
			return false;
		cpu_relax();
	}
	return true;
}

/*
 * The racing free stops at its claim until the holder's cache has been
 * drained: the drain then happens between the free's lookup of the area
 * and its claim, the window a double free must not slip through.
 */
static void race_hook(enum pcpu_alt_test_point point,
		      const void __percpu *ptr)
{
	if (point == PCPU_ALT_TEST_FREE_CLAIM &&
	    ptr == READ_ONCE(race.victim) && !READ_ONCE(race.at_claim)) {
		WRITE_ONCE(race.at_claim, 1);
		if (!wait_flag(&race.drained))
			WRITE_ONCE(race.timed_out, 1);
	} else if (point == PCPU_ALT_TEST_CACHE_DRAINED &&
		   READ_ONCE(race.at_claim) &&
		   smp_processor_id() == READ_ONCE(race.holder)) {
		WRITE_ONCE(race.drained, 1);
	}
}

/* On the holder: allocate an area and free it, into that CPU's cache. */
static long cache_one_area(void *unused)
{
	void __percpu *p = pcpu_alt_alloc(RACE_SIZE, RACE_ALIGN, GFP_KERNEL);

	pcpu_alt_free(p);
	return (long)(__force unsigned long)p;
}

static int racing_free(void *unused)
{
	pcpu_alt_free(race.victim);
	complete(&race.done);
	return 0;
}

static long drain_caches(void *unused)
{
	pcpu_alt_balance_now();
	return 0;
}

int test_double_free_during_drain(void)
{
	struct pcpu_alt_stats st0, st1;
	struct task_struct *t;
	int other;

	if (!stats_now().cache_enabled)
		return 1;
	race.holder = cpumask_first(cpu_online_mask);
	other = cpumask_next(race.holder, cpu_online_mask);
	if (other >= nr_cpu_ids)
		return 1;		/* needs two CPUs */
	race.at_claim = 0;
	race.drained = 0;
	race.timed_out = 0;
	init_completion(&race.done);
	race.victim = (void __percpu __force *)
		work_on_cpu(race.holder, cache_one_area, NULL);
	if (!EXPECT(race.victim))
		return -EINVAL;

	st0 = stats_now();
	pcpu_alt_set_test_hook(race_hook);
	expect_warn(true);
	t = kthread_run_on_cpu(racing_free, NULL, other, "pcpu_alt_race");
	if (!EXPECT(!IS_ERR(t))) {
		pcpu_alt_set_test_hook(NULL);
		expect_warn(false);
		return -EINVAL;
	}
	/* Drain from the holder once the racing free stands at its claim. */
	while (!READ_ONCE(race.at_claim) && !completion_done(&race.done))
		cond_resched();
	work_on_cpu(race.holder, drain_caches, NULL);
	wait_for_completion(&race.done);
	pcpu_alt_set_test_hook(NULL);
	expect_warn(false);
	st1 = stats_now();

	if (!EXPECT(READ_ONCE(race.at_claim)) ||
	    !EXPECT(READ_ONCE(race.drained)) ||
	    !EXPECT(!READ_ONCE(race.timed_out)))
		return -EINVAL;
	/* Refused, and the area is free in its chunk, in no cache. */
	if (!EXPECT_EQ(st1.bad_frees, st0.bad_frees + 1) ||
	    !EXPECT_EQ(st1.nr_cached, 0))
		return -EINVAL;
	return 0;
}

/* ---- the caller's flags reach internal allocations ---- */

/* gfp_t as a plain number, for comparing and printing. */
static unsigned long gfp_bits(gfp_t gfp)
{
	return (__force unsigned long)gfp;
}

/* Unit-sized areas: two cannot both fit in chunks made before. */
#define GFP_AREAS	2
/* Most unit-sized areas to take before a chunk must be made. */
#define GFP_MAX_AREAS	8

/*
 * Allocate unit-sized areas until one made a chunk or backed pages,
 * recording the flags of the internal allocations.
 */
static int record_internal(gfp_t gfp, struct pcpu_alt_gfp_record *rec)
{
	struct pcpu_alt_stats st = stats_now();
	void __percpu *p[GFP_MAX_AREAS] = {};
	int i, n, err = 0;

	/* No reserve: the background work must not make the chunk. */
	pcpu_alt_set_watermarks(0, 0);
	pcpu_alt_balance_now();
	memset(rec, 0, sizeof(*rec));
	pcpu_alt_test_record_gfp(rec);
	for (n = 0; n < GFP_MAX_AREAS && !rec->nr_flagged; n++) {
		p[n] = pcpu_alt_alloc(st.unit_size, PAGE_SIZE, gfp);
		if (!p[n]) {
			err = -ENOMEM;
			break;
		}
	}
	pcpu_alt_test_record_gfp(NULL);
	for (i = 0; i < GFP_MAX_AREAS; i++)
		pcpu_alt_free(p[i]);
	pcpu_alt_set_watermarks(st.empty_pages_low, st.empty_pages_high);
	if (!err && !rec->nr_flagged)
		err = -EAGAIN;
	return err;
}

int test_internal_allocations_follow_caller(void)
{
	static const struct {
		gfp_t gfp;
		gfp_t never;	/* in no internal allocation */
		gfp_t always;	/* in every one that takes flags */
	} want[] = {
		{ GFP_NOFS, __GFP_FS, __GFP_IO },
		{ GFP_NOIO, __GFP_FS | __GFP_IO, 0 },
		{ GFP_KERNEL | __GFP_NORETRY, 0, __GFP_FS | __GFP_NORETRY },
	};
	struct pcpu_alt_gfp_record rec;
	unsigned int nofs;
	int i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		if (!EXPECT(!record_internal(want[i].gfp, &rec)) ||
		    !EXPECT(rec.count > 0) || !EXPECT(rec.nr_flagged > 0))
			return -EINVAL;
		if (!EXPECT_EQ(gfp_bits(rec.any & want[i].never), 0) ||
		    !EXPECT_EQ(gfp_bits(rec.all & want[i].always),
			       gfp_bits(want[i].always))) {
			pr_err("    # case %d: any=%#lx all=%#lx\n", i,
			       gfp_bits(rec.any), gfp_bits(rec.all));
			return -EINVAL;
		}
	}
	/* A caller's NOFS scope counts as its flags. */
	nofs = memalloc_nofs_save();
	i = record_internal(GFP_KERNEL, &rec);
	memalloc_nofs_restore(nofs);
	if (!EXPECT(!i) || !EXPECT(rec.count > 0) ||
	    !EXPECT_EQ(gfp_bits(rec.any & __GFP_FS), 0))
		return -EINVAL;
	return 0;
}

/* ---- watermarks ---- */

int test_watermarks_within_one_unit(void)
{
	struct pcpu_alt_stats st = stats_now(), st0, st1;
	unsigned int pages = st.unit_size / PAGE_SIZE;
	int ret = 0;

	if (!EXPECT_EQ(pcpu_alt_set_watermarks(pages + 1, pages + 1),
		       -EINVAL) ||
	    !EXPECT_EQ(pcpu_alt_set_watermarks(0, pages + 1), -EINVAL) ||
	    !EXPECT_EQ(stats_now().empty_pages_high, st.empty_pages_high))
		return -EINVAL;
	/* The largest reserve allowed settles: runs make no more chunks. */
	if (!EXPECT(!pcpu_alt_set_watermarks(pages, pages)))
		return -EINVAL;
	pcpu_alt_balance_now();
	st0 = stats_now();
	pcpu_alt_balance_now();
	pcpu_alt_balance_now();
	st1 = stats_now();
	if (!EXPECT_EQ(st1.nr_chunks_created, st0.nr_chunks_created) ||
	    !EXPECT_EQ(st1.nr_chunks_destroyed, st0.nr_chunks_destroyed) ||
	    !EXPECT(st1.nr_empty_pop_pages >= pages))
		ret = -EINVAL;
	pcpu_alt_set_watermarks(st.empty_pages_low, st.empty_pages_high);
	pcpu_alt_balance_now();
	return ret;
}

/* ---- a fully free chunk holding the reserve is kept, and moved ---- */

/* No class has this size: freed to its chunk, never to a cache. */
#define KEEP_SMALL_SIZE		68
#define KEEP_SMALL_ALIGN	128

/*
 * Two fully free chunks: the spare (first on the free list) with one empty
 * page, and a second one whose whole unit is populated and empty.  With a
 * high mark of one unit, giving the second one up would leave fewer empty
 * pages than the mark: the background work keeps it and moves it to the
 * end of the free list, with its lock held (a lockdep kernel checks that,
 * as every move of a chunk between lists asserts it).
 */
int test_free_chunk_kept_for_reserve(void)
{
	struct pcpu_alt_stats st = stats_now(), st0, st1;
	unsigned int pages = st.unit_size / PAGE_SIZE;
	void __percpu *whole, *small;
	int ret = 0;

	if (st.km_backend) {
		pr_info("    # km backend: chunks are not kept for a reserve\n");
		return 1;
	}
	pcpu_alt_set_watermarks(0, 0);
	pcpu_alt_balance_now();
	pcpu_alt_set_watermarks(0, pages);
	whole = pcpu_alt_alloc(st.unit_size, PAGE_SIZE, GFP_KERNEL);
	small = pcpu_alt_alloc(KEEP_SMALL_SIZE, KEEP_SMALL_ALIGN, GFP_KERNEL);
	/* small's chunk frees first: it is the spare, the whole one second. */
	pcpu_alt_free(small);
	pcpu_alt_free(whole);
	st0 = stats_now();
	pcpu_alt_balance_now();
	st1 = stats_now();
	if (!EXPECT(whole && small) ||
	    !EXPECT_EQ(st1.nr_chunks_destroyed, st0.nr_chunks_destroyed) ||
	    !EXPECT(st1.nr_empty_pop_pages >= pages))
		ret = -EINVAL;
	pcpu_alt_set_watermarks(st.empty_pages_low, st.empty_pages_high);
	pcpu_alt_balance_now();
	return ret;
}

/* ---- verify lets interrupts in between chunks ---- */

static struct {
	int calls;
	int irqs_off;
} gaps;

static void gap_hook(enum pcpu_alt_test_point point,
		     const void __percpu *ptr)
{
	if (point != PCPU_ALT_TEST_VERIFY_CHUNK)
		return;
	WRITE_ONCE(gaps.calls, gaps.calls + 1);
	if (irqs_disabled())
		WRITE_ONCE(gaps.irqs_off, gaps.irqs_off + 1);
}

int test_verify_between_chunks_irqs_on(void)
{
	size_t unit = stats_now().unit_size;
	void __percpu *p[GFP_AREAS];
	int i, chunks, errors;

	for (i = 0; i < GFP_AREAS; i++)
		p[i] = pcpu_alt_alloc(unit, PAGE_SIZE, GFP_KERNEL);
	chunks = stats_now().nr_chunks;
	memset(&gaps, 0, sizeof(gaps));
	pcpu_alt_set_test_hook(gap_hook);
	errors = pcpu_alt_verify();
	pcpu_alt_set_test_hook(NULL);
	for (i = 0; i < GFP_AREAS; i++)
		pcpu_alt_free(p[i]);
	if (!EXPECT(p[0] && p[1]) || !EXPECT_EQ(errors, 0))
		return -EINVAL;
	if (!EXPECT(gaps.calls >= chunks) || !EXPECT_EQ(gaps.irqs_off, 0))
		return -EINVAL;
	return 0;
}

/* ---- refused frees: one WARN per call site, every one counted ---- */

#define WARN_FLOOD_FREES	1000
/* Above what the caches serve: a plain double free. */
#define WARN_FLOOD_SIZE		64
#define WARN_FLOOD_ALIGN	128

int test_refusals_warn_once_per_site(void)
{
	struct pcpu_alt_stats st0, st1;
	void __percpu *p;
	int i;

	p = pcpu_alt_alloc(WARN_FLOOD_SIZE, WARN_FLOOD_ALIGN, GFP_KERNEL);
	if (!EXPECT(p))
		return -EINVAL;
	pcpu_alt_free(p);
	st0 = stats_now();
	expect_warn(true);
	/* pcpu_alt_ktest.sh counts the WARNs between these two lines. */
	pr_info("pcpu_alt_test: warn flood begin\n");
	for (i = 0; i < WARN_FLOOD_FREES; i++)
		pcpu_alt_free(p);
	pr_info("pcpu_alt_test: warn flood end\n");
	expect_warn(false);
	st1 = stats_now();
	if (!EXPECT_EQ(st1.bad_frees, st0.bad_frees + WARN_FLOOD_FREES) ||
	    !EXPECT_EQ(st1.nr_frees, st0.nr_frees))
		return -EINVAL;
	return 0;
}

/* ---- a blocking request from atomic context is reported ---- */

#define SLEEP_PROBE_SIZE	8

/*
 * A GFP_KERNEL request with preemption off, which the caches (or the
 * populated room the reserve keeps) serve without sleeping: a kernel with
 * CONFIG_DEBUG_ATOMIC_SLEEP must still report it, as it would report a
 * stock allocation.  The case cannot see the report itself:
 * pcpu_alt_ktest.sh reads the kernel log between the fences and, when
 * this line says "on", wants exactly one report naming pcpu_alt_alloc().
 */
int test_blocking_call_in_atomic_reported(void)
{
	void __percpu *p;

	pr_info("    # atomic sleep reports: %s\n",
		IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP) ? "on" : "off");
	/* Populated room, so nothing on the way can really sleep. */
	pcpu_alt_balance_now();
	pr_info("pcpu_alt: expect-sleep-report begin\n");
	preempt_disable();
	p = pcpu_alt_alloc(SLEEP_PROBE_SIZE, SLEEP_PROBE_SIZE, GFP_KERNEL);
	preempt_enable();
	pr_info("pcpu_alt: expect-sleep-report end\n");
	pcpu_alt_free(p);
	return EXPECT(p) ? 0 : -EINVAL;
}

/* ---- __GFP_ACCOUNT: served uncharged, counted ---- */

#define ACCOUNT_SIZE	16

int test_accounted_requests_counted(void)
{
	struct pcpu_alt_stats st0, st1, st2;
	void __percpu *p, *q;

	st0 = stats_now();
	p = pcpu_alt_alloc(ACCOUNT_SIZE, ACCOUNT_SIZE, GFP_KERNEL_ACCOUNT);
	st1 = stats_now();
	q = pcpu_alt_alloc(ACCOUNT_SIZE, ACCOUNT_SIZE, GFP_KERNEL);
	st2 = stats_now();
	pcpu_alt_free(q);
	pcpu_alt_free(p);
	if (!EXPECT(p && q) ||
	    !EXPECT_EQ(st1.nr_accounted, st0.nr_accounted + 1) ||
	    !EXPECT_EQ(st2.nr_accounted, st1.nr_accounted))
		return -EINVAL;
	return 0;
}
