// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_test.ko: cases of the allocation API itself: zeroing,
 * alignment, per-CPU copies, compat pointers, placement, population,
 * non-blocking contexts, a million tiny areas, bad input, fault injection,
 * non-blocking searches that skip chunks without populated room, the
 * reserve refilled after any allocation that leaves it low, and a
 * rolled-back allocation left out of the counters.
 */
#define pr_fmt(fmt) fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/vmalloc.h>

#include "ktest.h"

#define ZERO_AREAS	64
#define ZERO_SIZE	200

int test_zeroed_on_every_cpu(void)
{
	void __percpu *p[ZERO_AREAS];
	int i;

	for (i = 0; i < ZERO_AREAS; i++) {
		p[i] = pcpu_alt_alloc(ZERO_SIZE, 8, GFP_KERNEL);
		if (!EXPECT(p[i]))
			return -EINVAL;
		if (!EXPECT(zero_everywhere(p[i], ZERO_SIZE)))
			return -EINVAL;
		fill_everywhere(p[i], ZERO_SIZE, 0xa5);
	}
	for (i = 0; i < ZERO_AREAS; i++)
		pcpu_alt_free(p[i]);
	/* Same sizes again land on the dirtied cells. */
	for (i = 0; i < ZERO_AREAS; i++) {
		p[i] = pcpu_alt_alloc(ZERO_SIZE, 8, GFP_KERNEL);
		if (!EXPECT(p[i]))
			return -EINVAL;
	}
	for (i = 0; i < ZERO_AREAS; i++) {
		if (!EXPECT(zero_everywhere(p[i], ZERO_SIZE)))
			return -EINVAL;
		pcpu_alt_free(p[i]);
	}
	return 0;
}

int test_alignment(void)
{
	static const size_t sizes[] = { 1, 3, 4, 12, 100, 4096, 9000 };
	unsigned int cpu;
	size_t align;
	int i;

	for (align = 1; align <= PAGE_SIZE; align <<= 1) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			/* A 1-byte pad first, so alignment has work to do. */
			void __percpu *pad = pcpu_alt_alloc(1, 1, GFP_KERNEL);
			void __percpu *p = pcpu_alt_alloc(sizes[i], align,
							  GFP_KERNEL);

			if (!EXPECT(pad && p))
				return -EINVAL;
			for_each_possible_cpu(cpu)
				if (!EXPECT_EQ((unsigned long)pcpu_alt_ptr(p, cpu) %
					       align, 0))
					return -EINVAL;
			pcpu_alt_free(p);
			pcpu_alt_free(pad);
		}
	}
	return 0;
}

#define DISJOINT_SIZE	64

int test_cpu_copies_disjoint(void)
{
	void __percpu *p = pcpu_alt_alloc(DISJOINT_SIZE, 8, GFP_KERNEL);
	unsigned int a, b;
	u8 *c;

	if (!EXPECT(p))
		return -EINVAL;
	for_each_possible_cpu(a)
		memset(pcpu_alt_ptr(p, a), a & 0xff, DISJOINT_SIZE);
	for_each_possible_cpu(a) {
		c = pcpu_alt_ptr(p, a);
		if (!EXPECT(!memchr_inv(c, a & 0xff, DISJOINT_SIZE)))
			return -EINVAL;
		for_each_possible_cpu(b) {
			unsigned long x = (unsigned long)pcpu_alt_ptr(p, a);
			unsigned long y = (unsigned long)pcpu_alt_ptr(p, b);

			if (a != b)
				if (!EXPECT(x + DISJOINT_SIZE <= y ||
					    y + DISJOINT_SIZE <= x))
					return -EINVAL;
		}
	}
	pcpu_alt_free(p);
	return 0;
}

#define COMPAT_ROUNDS	100

static void compat_inc(void *info)
{
	unsigned long __percpu *counter = (unsigned long __percpu __force *)info;

	this_cpu_inc(*counter);
}

int test_compat_this_cpu_ops(void)
{
	unsigned long __percpu *counter;
	unsigned long sum = 0;
	unsigned int cpu;
	int i;

	if (!pcpu_alt_is_compat()) {
		pr_info("    # private layout: per_cpu_ptr() does not apply\n");
		return 1;	/* skip */
	}
	counter = pcpu_alt_alloc_type(unsigned long, GFP_KERNEL);
	if (!EXPECT(counter))
		return -EINVAL;
	cpus_read_lock();
	for (i = 0; i < COMPAT_ROUNDS; i++)
		on_each_cpu(compat_inc, (void __force *)counter, 1);
	for_each_online_cpu(cpu) {
		if (!EXPECT(per_cpu_ptr(counter, cpu) == pcpu_alt_ptr(counter, cpu)))
			return -EINVAL;
		if (!EXPECT_EQ(*per_cpu_ptr(counter, cpu), COMPAT_ROUNDS))
			return -EINVAL;
		sum += *per_cpu_ptr(counter, cpu);
	}
	if (!EXPECT_EQ(sum, COMPAT_ROUNDS * num_online_cpus()))
		return -EINVAL;
	cpus_read_unlock();
	pcpu_alt_free(counter);
	return 0;
}

/* Above what the per-CPU caches serve: the slow path's own choice. */
#define FULLEST_SMALL_SIZE	64
#define FULLEST_SMALL_ALIGN	128
/*
 * The search skips a chunk whose lock another CPU holds (the background
 * work, a cache drain) rather than wait: a request may then land in an
 * emptier chunk.  Each try is independent; an emptiest-first or
 * slot-blind search fails all of them.
 */
#define FULLEST_TRIES		3

/* Place a small request: true if it went to a chunk at least as full. */
static bool small_goes_to_fullest(const struct pcpu_alt_ptr_info *big,
				  void __percpu **c)
{
	struct pcpu_alt_ptr_info small;
	int try;

	for (try = 0; try < FULLEST_TRIES; try++) {
		*c = pcpu_alt_alloc(FULLEST_SMALL_SIZE, FULLEST_SMALL_ALIGN,
				    GFP_KERNEL);
		if (!EXPECT(*c) || !EXPECT(!pcpu_alt_ptr_info(*c, &small)))
			return false;
		/* Another chunk, if as full as big's was, is as good. */
		if (small.chunk_id == big->chunk_id || small.slot <= big->slot)
			return true;
		pr_info("    # try %d: small request in chunk %d (slot %d), not %d (slot %d)\n",
			try + 1, small.chunk_id, small.slot, big->chunk_id,
			big->slot);
		pcpu_alt_free(*c);
		*c = NULL;
	}
	return false;
}

/*
 * Among chunks with populated room, the fullest one gets a request (a
 * blocking request looks at populated room before anything else).
 */
int test_fullest_first(void)
{
	struct pcpu_alt_stats st = stats_now();
	struct pcpu_alt_ptr_info big, half;
	size_t unit = st.unit_size;
	void __percpu *w, *a, *b, *c = NULL;
	int ret = -EINVAL;

	/* Keep a whole unit of empty pages populated for the duration. */
	if (!EXPECT(!pcpu_alt_set_watermarks(st.empty_pages_low,
					     unit / PAGE_SIZE)))
		return -EINVAL;
	/* A chunk with every page populated, then free again. */
	w = pcpu_alt_alloc(unit, PAGE_SIZE, GFP_KERNEL);
	pcpu_alt_free(w);
	/* a fills it but for one populated page; b needs another chunk. */
	a = pcpu_alt_alloc(unit - PAGE_SIZE, PAGE_SIZE, GFP_KERNEL);
	b = pcpu_alt_alloc(unit / 2, PAGE_SIZE, GFP_KERNEL);
	if (!EXPECT(w && a && b) || !EXPECT(!pcpu_alt_ptr_info(a, &big)) ||
	    !EXPECT(!pcpu_alt_ptr_info(b, &half)))
		goto out;
	if (!EXPECT(big.chunk_id != half.chunk_id) ||
	    !EXPECT(big.slot < half.slot))
		goto out;
	/* Both chunks fit a small request; the fuller one must get it. */
	if (!EXPECT(small_goes_to_fullest(&big, &c)))
		goto out;
	ret = 0;
out:
	pcpu_alt_free(c);
	pcpu_alt_free(b);
	pcpu_alt_free(a);
	pcpu_alt_set_watermarks(st.empty_pages_low, st.empty_pages_high);
	return ret;
}

#define POP_AREAS	64

int test_populated_pages_follow_use(void)
{
	struct pcpu_alt_stats before, peak, after;
	void __percpu *p[POP_AREAS];
	int i;

	pcpu_alt_balance_now();
	before = stats_now();
	for (i = 0; i < POP_AREAS; i++) {
		p[i] = pcpu_alt_alloc(PAGE_SIZE, PAGE_SIZE, GFP_KERNEL);
		if (!EXPECT(p[i]))
			return -EINVAL;
	}
	peak = stats_now();
	for (i = 0; i < POP_AREAS; i++)
		pcpu_alt_free(p[i]);
	pcpu_alt_balance_now();
	after = stats_now();

	if (!EXPECT_EQ(after.nr_backing_pages,
		       (u64)after.nr_populated_pages * after.nr_units))
		return -EINVAL;
	if (before.km_backend) {
		/* km: whole chunks, always fully populated, spares freed. */
		if (!EXPECT_EQ(peak.nr_populated_pages,
			       peak.nr_chunks * (peak.unit_size >> PAGE_SHIFT)))
			return -EINVAL;
		if (!EXPECT(after.nr_chunks <= before.nr_chunks))
			return -EINVAL;
		return 0;
	}
	if (!EXPECT(after.nr_empty_pop_pages <= after.empty_pages_high))
		return -EINVAL;
	if (!EXPECT(after.nr_empty_pop_pages >= after.empty_pages_low))
		return -EINVAL;
	if (!EXPECT(peak.nr_populated_pages >=
		    before.nr_populated_pages + POP_AREAS - before.empty_pages_high))
		return -EINVAL;
	if (!EXPECT(after.nr_populated_pages <=
		    before.nr_populated_pages + after.empty_pages_high))
		return -EINVAL;
	if (!EXPECT(after.nr_populated_pages < peak.nr_populated_pages))
		return -EINVAL;
	return 0;
}

struct softirq_job {
	struct timer_list timer;
	struct completion done;
	void __percpu *ptr;
	bool in_softirq;
};

static void softirq_alloc(struct timer_list *t)
{
	struct softirq_job *job = from_timer(job, t, timer);

	job->in_softirq = in_serving_softirq();
	job->ptr = pcpu_alt_alloc(64, 8, GFP_NOWAIT);
	complete(&job->done);
}

static int alloc_in_softirq(struct softirq_job *job)
{
	job->ptr = NULL;
	init_completion(&job->done);
	timer_setup_on_stack(&job->timer, softirq_alloc, 0);
	mod_timer(&job->timer, jiffies + 1);
	wait_for_completion(&job->done);
	del_timer_sync(&job->timer);
	destroy_timer_on_stack(&job->timer);
	if (!EXPECT(job->in_softirq))
		return -EINVAL;
	return 0;
}

int test_nonblocking_contexts(void)
{
	struct pcpu_alt_stats st = stats_now(), st2;
	unsigned int low = st.empty_pages_low, high = st.empty_pages_high;
	void __percpu *p, *whole = NULL;
	struct softirq_job job;
	unsigned long flags;

	/* Populated room: both contexts succeed. */
	pcpu_alt_balance_now();
	local_irq_save(flags);
	p = pcpu_alt_alloc(64, 8, GFP_ATOMIC);
	local_irq_restore(flags);
	if (!EXPECT(p))
		return -EINVAL;
	if (!EXPECT(zero_everywhere(p, 64)))
		return -EINVAL;
	local_irq_save(flags);
	pcpu_alt_free(p);
	local_irq_restore(flags);

	if (!EXPECT(!alloc_in_softirq(&job)))
		return -EINVAL;
	if (!EXPECT(job.ptr))
		return -EINVAL;
	pcpu_alt_free(job.ptr);

	/*
	 * No populated free page left: a whole-page request must fail fast.
	 * vm gives back every empty page; km cannot, so there the one spare
	 * chunk left is used up by a blocking allocation first.
	 */
	if (!EXPECT(!pcpu_alt_set_watermarks(0, 0)))
		return -EINVAL;
	pcpu_alt_balance_now();
	if (st.km_backend) {
		whole = pcpu_alt_alloc(st.unit_size, PAGE_SIZE, GFP_KERNEL);
		if (!EXPECT(whole))
			return -EINVAL;
	}
	st = stats_now();
	if (!EXPECT_EQ(st.nr_empty_pop_pages, 0))
		return -EINVAL;
	local_irq_save(flags);
	p = pcpu_alt_alloc(PAGE_SIZE, PAGE_SIZE, GFP_NOWAIT | __GFP_NOWARN);
	local_irq_restore(flags);
	st2 = stats_now();
	if (!EXPECT(!p))
		return -EINVAL;
	if (!EXPECT_EQ(st2.fail[PCPU_ALT_FAIL_NO_POPULATED],
		       st.fail[PCPU_ALT_FAIL_NO_POPULATED] + 1))
		return -EINVAL;
	/* A blocking one populates what it needs. */
	p = pcpu_alt_alloc(PAGE_SIZE, PAGE_SIZE, GFP_KERNEL);
	if (!EXPECT(p))
		return -EINVAL;
	pcpu_alt_free(p);
	pcpu_alt_free(whole);
	if (!EXPECT(!pcpu_alt_set_watermarks(low, high)))
		return -EINVAL;
	pcpu_alt_balance_now();
	return 0;
}

int test_million_4byte_random_free(void)
{
	struct pcpu_alt_stats before, after;
	void __percpu **p;
	unsigned int i, j, n = ktest_million;
	int ret = -ENOMEM;

	p = vmalloc(array_size(n, sizeof(*p)));
	if (!p)
		return ret;
	pcpu_alt_balance_now();
	before = stats_now();
	for (i = 0; i < n; i++) {
		p[i] = pcpu_alt_alloc(4, 4, GFP_KERNEL);
		if (!p[i])
			break;
		cond_resched();
	}
	if (i < n) {
		pr_err("    # allocation %u of %u failed\n", i, n);
		n = i;
		ret = -EINVAL;
		goto free;
	}
	ret = -EINVAL;
	if (pcpu_alt_verify()) {
		pr_err("    # checker not clean after the allocations\n");
		goto free;
	}
	/* Fisher-Yates shuffle, then free in that order. */
	for (i = n - 1; i > 0; i--) {
		void __percpu *t;

		j = get_random_u32() % (i + 1);
		t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	ret = 0;
free:
	for (i = 0; i < n; i++) {
		pcpu_alt_free(p[i]);
		if (i == n / 2 && pcpu_alt_verify()) {
			pr_err("    # checker not clean half way through the frees\n");
			ret = -EINVAL;
		}
		cond_resched();
	}
	vfree(p);
	pcpu_alt_balance_now();
	after = stats_now();
	if (after.nr_live != before.nr_live ||
	    after.nr_chunks > before.nr_chunks + 1) {
		pr_err("    # live %llu -> %llu, chunks %u -> %u\n",
		       before.nr_live, after.nr_live, before.nr_chunks,
		       after.nr_chunks);
		ret = -EINVAL;
	}
	return ret;
}

int test_bad_input(void)
{
	struct pcpu_alt_stats st = stats_now(), st2;
	size_t unit = st.unit_size;
	void __percpu *stock, *p;

	if (!EXPECT(!pcpu_alt_alloc(0, 4, GFP_KERNEL | __GFP_NOWARN)))
		return -EINVAL;
	if (!EXPECT(!pcpu_alt_alloc(unit + 1, 4, GFP_KERNEL | __GFP_NOWARN)))
		return -EINVAL;
	if (!EXPECT(!pcpu_alt_alloc(8, 3, GFP_KERNEL | __GFP_NOWARN)))
		return -EINVAL;
	if (!EXPECT(!pcpu_alt_alloc(8, 0, GFP_KERNEL | __GFP_NOWARN)))
		return -EINVAL;
	if (!EXPECT(!pcpu_alt_alloc(8, PAGE_SIZE * 2, GFP_KERNEL | __GFP_NOWARN)))
		return -EINVAL;
	/* One without __GFP_NOWARN, for the rate-limited warning. */
	if (!EXPECT(!pcpu_alt_alloc(0, 4, GFP_KERNEL)))
		return -EINVAL;
	st2 = stats_now();
	if (!EXPECT_EQ(st2.fail[PCPU_ALT_FAIL_BAD_SIZE],
		       st.fail[PCPU_ALT_FAIL_BAD_SIZE] + 3))
		return -EINVAL;
	if (!EXPECT_EQ(st2.fail[PCPU_ALT_FAIL_BAD_ALIGN],
		       st.fail[PCPU_ALT_FAIL_BAD_ALIGN] + 3))
		return -EINVAL;
	if (!EXPECT_EQ(st2.nr_live, st.nr_live))
		return -EINVAL;

	p = pcpu_alt_alloc(64, 8, GFP_KERNEL);
	stock = alloc_percpu(u64);
	if (!EXPECT(p && stock))
		return -EINVAL;
	st = stats_now();
	expect_warn(true);
	pcpu_alt_free((void __percpu *)((__force unsigned long)p + 4));
	pcpu_alt_free((void __percpu *)((__force unsigned long)p + 1));
	pcpu_alt_free(stock);
	expect_warn(false);
	st2 = stats_now();
	if (!EXPECT_EQ(st2.bad_frees, st.bad_frees + 3))
		return -EINVAL;
	if (!EXPECT_EQ(st2.nr_live, st.nr_live))
		return -EINVAL;
	if (!EXPECT(!pcpu_alt_verify()))
		return -EINVAL;

	pcpu_alt_free(p);
	expect_warn(true);
	pcpu_alt_free(p);	/* double free */
	expect_warn(false);
	st2 = stats_now();
	if (!EXPECT_EQ(st2.bad_frees, st.bad_frees + 4))
		return -EINVAL;
	if (!EXPECT_EQ(st2.nr_live, st.nr_live - 1))
		return -EINVAL;
	free_percpu(stock);
	pcpu_alt_free(NULL);
	return 0;
}

/* Internal allocations happen in this order; every step must unwind. */
#define FAULT_MAX_EVERY	2000

int test_fault_injection_no_leaks(void)
{
	struct pcpu_alt_stats before, st;
	size_t unit = stats_now().unit_size;
	unsigned int every, failures = 0;
	void __percpu *a, *b;

	pcpu_alt_balance_now();
	before = stats_now();
	for (every = 1; every <= FAULT_MAX_EVERY; every += 1 + every / 8) {
		pcpu_alt_set_fault_injection(every);
		/* Two whole units: at least one new chunk, all pages backed. */
		a = pcpu_alt_alloc(unit, PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN);
		b = pcpu_alt_alloc(unit, PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN);
		pcpu_alt_set_fault_injection(0);
		failures += !a + !b;
		if (a)
			if (!EXPECT(zero_everywhere(a, unit)))
				return -EINVAL;
		pcpu_alt_free(a);
		pcpu_alt_free(b);
		if (!EXPECT(!pcpu_alt_verify()))
			return -EINVAL;
		cond_resched();
	}
	pcpu_alt_balance_now();
	st = stats_now();
	if (!EXPECT(failures > 0))
		return -EINVAL;
	if (!EXPECT(st.nr_faults_injected > before.nr_faults_injected))
		return -EINVAL;
	if (!EXPECT_EQ(st.nr_live, before.nr_live))
		return -EINVAL;
	if (!EXPECT_EQ(st.nr_regions, st.nr_chunks))
		return -EINVAL;
	if (!EXPECT_EQ(st.nr_backing_pages, (u64)st.nr_populated_pages * st.nr_units))
		return -EINVAL;
	if (!EXPECT(st.nr_chunks <= before.nr_chunks + 1))
		return -EINVAL;
	return 0;
}

int test_typed_helpers(void)
{
	u64 __percpu *arr = pcpu_alt_alloc_array(u64, 16, GFP_KERNEL);
	u64 __percpu *huge = pcpu_alt_alloc_array(u64, SIZE_MAX / 4,
						 GFP_KERNEL | __GFP_NOWARN);
	unsigned int cpu;

	if (!EXPECT(arr))
		return -EINVAL;
	if (!EXPECT(!huge))
		return -EINVAL;
	for_each_possible_cpu(cpu)
		if (!EXPECT_EQ((unsigned long)pcpu_alt_ptr(arr, cpu) %
			       __alignof__(u64), 0))
			return -EINVAL;
	pcpu_alt_free(arr);
	return 0;
}

/* Cache tests skip when loaded with cache=0. */

/*
 * A chunk whose free room is all unpopulated must not be searched by a
 * request that may only use populated room: with no reserve kept and one
 * page populated and used up, GFP_NOWAIT requests fail (as they must)
 * without searching anything, after at most one search that learns the
 * chunk has no populated room left.
 */
#define NOPOP_SIZE	64
#define NOPOP_ALIGN	128	/* not served by the caches */
#define NOPOP_TRIES	4

static int search_misses;

static void miss_hook(enum pcpu_alt_test_point point,
		      const void __percpu *ptr)
{
	if (point == PCPU_ALT_TEST_SEARCH_MISS)
		WRITE_ONCE(search_misses, search_misses + 1);
}

int test_unpopulated_room_not_searched(void)
{
	struct pcpu_alt_stats st = stats_now();
	void __percpu *page, *p[NOPOP_TRIES + 1] = {};
	int i, misses, ret = 0;

	if (st.km_backend) {
		pr_info("    # km backend: every page is populated\n");
		return 1;
	}
	if (others_live_skip())
		return 1;
	pcpu_alt_set_watermarks(0, 0);
	pcpu_alt_balance_now();
	/* One page populated, all in use: a chunk with unpopulated room. */
	page = pcpu_alt_alloc(PAGE_SIZE, PAGE_SIZE, GFP_KERNEL);
	pcpu_alt_set_test_hook(miss_hook);
	/* The first may search once: its bound had not seen the page fill. */
	p[0] = pcpu_alt_alloc(NOPOP_SIZE, NOPOP_ALIGN, GFP_NOWAIT | __GFP_NOWARN);
	WRITE_ONCE(search_misses, 0);
	for (i = 1; i <= NOPOP_TRIES; i++)
		p[i] = pcpu_alt_alloc(NOPOP_SIZE, NOPOP_ALIGN,
				      GFP_NOWAIT | __GFP_NOWARN);
	misses = READ_ONCE(search_misses);
	pcpu_alt_set_test_hook(NULL);
	for (i = 0; i <= NOPOP_TRIES; i++) {
		if (p[i])
			ret = -EINVAL;
		pcpu_alt_free(p[i]);
	}
	pcpu_alt_free(page);
	pcpu_alt_set_watermarks(st.empty_pages_low, st.empty_pages_high);
	pcpu_alt_balance_now();
	if (!EXPECT(page) || !EXPECT(!ret))
		return -EINVAL;
	if (!EXPECT_EQ(misses, 0))
		return -EINVAL;
	return 0;
}

/*
 * Any allocation that leaves fewer empty populated pages than the low mark
 * gets the reserve refilled, whoever made it: a blocking request on the
 * slow path, and a cache refill on the fast path.  Low = high = 2 and no
 * area live anywhere: the reserve's two pages are all the populated room,
 * so each allocation below takes one of them.
 */
#define RESERVE_PAGES		2
#define RESERVE_WAIT_MS		10000
#define RESERVE_POLL_MS		20
#define RESERVE_CACHED_SIZE	8

/* Wait (at most RESERVE_WAIT_MS) for the reserve to be back to the mark. */
static bool reserve_refilled(void)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(RESERVE_WAIT_MS);

	while (stats_now().nr_empty_pop_pages < RESERVE_PAGES &&
	       time_before(jiffies, deadline))
		msleep(RESERVE_POLL_MS);
	return stats_now().nr_empty_pop_pages >= RESERVE_PAGES;
}

int test_reserve_refilled_after_any_alloc(void)
{
	struct pcpu_alt_stats st = stats_now(), st0;
	void __percpu *page = NULL, *small = NULL;
	bool slow = false, fast = true;
	int ret = 0;

	if (st.km_backend) {
		pr_info("    # km backend: the reserve is whole chunks\n");
		return 1;
	}
	if (others_live_skip())
		return 1;
	pcpu_alt_set_watermarks(RESERVE_PAGES, RESERVE_PAGES);
	pcpu_alt_balance_now();
	st0 = stats_now();
	if (!EXPECT_EQ(st0.nr_live, 0) ||
	    !EXPECT_EQ(st0.nr_empty_pop_pages, RESERVE_PAGES)) {
		ret = -EINVAL;
		goto out;
	}
	/* Slow path, blocking: takes a reserve page. */
	page = pcpu_alt_alloc(PAGE_SIZE, PAGE_SIZE, GFP_KERNEL);
	slow = page && reserve_refilled();
	pcpu_alt_free(page);
	if (st.cache_enabled) {
		/* Fast path: the first refill of a class carves a reserve page. */
		pcpu_alt_balance_now();
		/* On this CPU's cache; not blocking, as preemption is off. */
		preempt_disable();
		small = pcpu_alt_alloc(RESERVE_CACHED_SIZE, RESERVE_CACHED_SIZE,
				       GFP_NOWAIT);
		preempt_enable();
		fast = small && stats_now().nr_empty_pop_pages < RESERVE_PAGES &&
		       reserve_refilled();
		pcpu_alt_free(small);
	}
	if (!EXPECT(page) || !EXPECT(slow) || !EXPECT(fast))
		ret = -EINVAL;
out:
	pcpu_alt_set_watermarks(st.empty_pages_low, st.empty_pages_high);
	pcpu_alt_balance_now();
	return ret;
}

/*
 * An allocation whose page cannot be backed is taken, then rolled back:
 * it fails (fail_populate), and was never an allocation of the caller's.
 */
#define ROLLBACK_ANCHOR_SIZE	68	/* no class: never cached */
#define ROLLBACK_ANCHOR_ALIGN	128

int test_rollback_not_counted(void)
{
	struct pcpu_alt_stats st = stats_now(), st0, st1;
	void __percpu *anchor, *p;

	if (st.km_backend) {
		pr_info("    # km backend: no page is backed for a caller\n");
		return 1;
	}
	/* No reserve: the page-sized request must back a page of its own. */
	pcpu_alt_set_watermarks(0, 0);
	pcpu_alt_balance_now();
	anchor = pcpu_alt_alloc(ROLLBACK_ANCHOR_SIZE, ROLLBACK_ANCHOR_ALIGN,
				GFP_KERNEL);
	st0 = stats_now();
	pcpu_alt_set_fault_injection(1);
	p = pcpu_alt_alloc(PAGE_SIZE, PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN);
	pcpu_alt_set_fault_injection(0);
	st1 = stats_now();
	pcpu_alt_free(p);
	pcpu_alt_free(anchor);
	pcpu_alt_set_watermarks(st.empty_pages_low, st.empty_pages_high);
	pcpu_alt_balance_now();
	if (!EXPECT(anchor) || !EXPECT(!p) ||
	    !EXPECT_EQ(st1.fail[PCPU_ALT_FAIL_POPULATE],
		       st0.fail[PCPU_ALT_FAIL_POPULATE] + 1))
		return -EINVAL;
	if (!EXPECT_EQ(st1.nr_allocs, st0.nr_allocs) ||
	    !EXPECT_EQ(st1.nr_live, st0.nr_live))
		return -EINVAL;
	return 0;
}
