// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_test.ko: cases of the per-CPU caches (the fast path): serving
 * and counting, double frees, slow start, class rounding, idle drains
 * (frees on another CPU included), a free racing with cache=0, the
 * shrinker giving memory back without backing any, and statistics that
 * count cached areas as free: the most live allocations, empty pages.
 */
#define pr_fmt(fmt) fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

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

/* Poll @cond until it holds or CACHE_IDLE_WAIT_MS pass; its last value. */
#define poll_until(cond)						\
({									\
	unsigned long __deadline = jiffies +				\
				   msecs_to_jiffies(CACHE_IDLE_WAIT_MS); \
	bool __ok;							\
									\
	while (!(__ok = (cond)) && time_before(jiffies, __deadline))	\
		msleep(CACHE_IDLE_POLL_MS);				\
	__ok;								\
})

/*
 * Allocated on one CPU, freed on another (a task that moved): the areas
 * end up in the second CPU's cache, which never refilled.  The reaper must
 * still come for them, even though it had stopped, every cache being
 * empty, before the frees.
 */
#define REMOTE_AREAS	200
#define REMOTE_SIZE	64

static void __percpu *remote[REMOTE_AREAS];
static int reaper_stopped;

static long alloc_remote(void *unused)
{
	int i;

	for (i = 0; i < REMOTE_AREAS; i++)
		remote[i] = pcpu_alt_alloc(REMOTE_SIZE, 8, GFP_KERNEL);
	return 0;
}

static long free_remote(void *unused)
{
	int i;

	for (i = 0; i < REMOTE_AREAS; i++)
		pcpu_alt_free(remote[i]);
	return 0;
}

static void reaper_hook(enum pcpu_alt_test_point point,
			const void __percpu *ptr)
{
	if (point == PCPU_ALT_TEST_REAPER_IDLE)
		WRITE_ONCE(reaper_stopped, 1);
}

static int skip_caches_or_one_cpu(void)
{
	int ret = cache_off_skip();

	if (ret || num_online_cpus() > 1)
		return ret;
	pr_info("    # needs two CPUs\n");
	return 1;
}

int test_cache_reaped_after_remote_frees(void)
{
	int a, b, i, ret = skip_caches_or_one_cpu();
	bool stopped;

	if (ret)
		return ret;
	a = cpumask_first(cpu_online_mask);
	b = cpumask_next(a, cpu_online_mask);
	work_on_cpu(a, alloc_remote, NULL);
	for (i = 0; i < REMOTE_AREAS; i++)
		if (!EXPECT(remote[i]))
			goto fail;
	/* Every cache empty: the reaper, armed by a's refills, stops. */
	WRITE_ONCE(reaper_stopped, 0);
	pcpu_alt_set_test_hook(reaper_hook);
	pcpu_alt_balance_now();
	stopped = poll_until(READ_ONCE(reaper_stopped));
	pcpu_alt_set_test_hook(NULL);
	if (!EXPECT(stopped))
		goto fail;
	work_on_cpu(b, free_remote, NULL);
	if (!EXPECT(stats_now().nr_cached > 0))
		return -EINVAL;
	/* Only frees touched b's cache since: they must bring the reaper. */
	if (!EXPECT(poll_until(!stats_now().nr_cached)))
		return -EINVAL;
	return 0;
fail:
	work_on_cpu(b, free_remote, NULL);
	return -EINVAL;
}

/*
 * A class a CPU stopped using is drained by the reaper even while the CPU
 * keeps using another one: a kthread bound to one CPU caches a few large
 * areas, then allocates and frees a small one every few milliseconds;
 * the large ones must go back while it does.
 */
#define IDLE_CLASS_SIZE		512
#define IDLE_CLASS_AREAS	4
#define BUSY_CLASS_SIZE		8
#define BUSY_CLASS_PAUSE_MS	10

static struct {
	bool reaped;
	bool ok;
	struct completion done;
} busy;

static int busy_cpu_fn(void *unused)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(CACHE_IDLE_WAIT_MS);
	void __percpu *p[IDLE_CLASS_AREAS];
	int i;

	busy.ok = true;
	for (i = 0; i < IDLE_CLASS_AREAS; i++) {
		p[i] = pcpu_alt_alloc(IDLE_CLASS_SIZE, 8, GFP_KERNEL);
		busy.ok &= !!p[i];
	}
	for (i = 0; i < IDLE_CLASS_AREAS; i++)
		pcpu_alt_free(p[i]);
	busy.ok &= stats_now().cached_bytes >= IDLE_CLASS_SIZE;
	while (busy.ok && time_before(jiffies, deadline)) {
		void __percpu *q = pcpu_alt_alloc(BUSY_CLASS_SIZE, 8,
						  GFP_KERNEL);

		busy.ok &= !!q;
		pcpu_alt_free(q);
		/* Only the busy class's areas left: the others were reaped. */
		if (stats_now().cached_bytes < IDLE_CLASS_SIZE) {
			busy.reaped = true;
			break;
		}
		msleep(BUSY_CLASS_PAUSE_MS);
	}
	complete(&busy.done);
	return 0;
}

int test_idle_class_reaped_on_busy_cpu(void)
{
	int ret = cache_off_skip();
	struct task_struct *t;

	if (ret)
		return ret;
	pcpu_alt_balance_now();		/* nothing cached anywhere */
	memset(&busy, 0, sizeof(busy));
	init_completion(&busy.done);
	t = kthread_run_on_cpu(busy_cpu_fn, NULL,
			       cpumask_first(cpu_online_mask), "pcpu_alt_busy");
	if (!EXPECT(!IS_ERR(t)))
		return -EINVAL;
	wait_for_completion(&busy.done);
	if (!EXPECT(busy.ok) || !EXPECT(busy.reaped))
		return -EINVAL;
	return 0;
}

/*
 * A free that started before cache=0 was written and reaches the caches
 * after that write's drain: it must not leave its area in a cache.  The
 * free stops at its entry (interrupts on) until the write, drain
 * included, has returned.
 */
#define CACHE_PARAM	"/sys/module/pcpu_alt/parameters/cache"
#define RACE_FREE_SIZE	64
/* Longest the stopped free waits for the write. */
#define RACE_FREE_WAIT_NS	(5ULL * NSEC_PER_SEC)

static struct {
	void __percpu *victim;
	int at_entry;
	int cache_off;
	int timed_out;
	struct completion done;
} fr;

static void free_entry_hook(enum pcpu_alt_test_point point,
			    const void __percpu *ptr)
{
	u64 deadline;

	if (point != PCPU_ALT_TEST_FREE_ENTRY || ptr != fr.victim ||
	    READ_ONCE(fr.at_entry))
		return;
	WRITE_ONCE(fr.at_entry, 1);
	deadline = ktime_get_ns() + RACE_FREE_WAIT_NS;
	while (!READ_ONCE(fr.cache_off)) {
		if (ktime_get_ns() > deadline) {
			WRITE_ONCE(fr.timed_out, 1);
			return;
		}
		cpu_relax();
	}
}

static int free_victim(void *unused)
{
	pcpu_alt_free(fr.victim);
	complete(&fr.done);
	return 0;
}

/* Write @val to the file at @path, as root would. */
static int write_file(const char *path, const char *val)
{
	struct file *f = filp_open(path, O_WRONLY, 0);
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_write(f, val, strlen(val), &pos);
	filp_close(f, NULL);
	return n < 0 ? n : 0;
}

int test_free_racing_cache_off(void)
{
	struct pcpu_alt_stats st0, st1;
	int other, err, ret = skip_caches_or_one_cpu();
	struct task_struct *t;

	if (ret)
		return ret;
	memset(&fr, 0, sizeof(fr));
	init_completion(&fr.done);
	fr.victim = pcpu_alt_alloc(RACE_FREE_SIZE, 8, GFP_KERNEL);
	if (!EXPECT(fr.victim))
		return -EINVAL;
	other = cpumask_next(raw_smp_processor_id(), cpu_online_mask);
	if (other >= nr_cpu_ids)
		other = cpumask_first(cpu_online_mask);
	st0 = stats_now();
	pcpu_alt_set_test_hook(free_entry_hook);
	t = kthread_run_on_cpu(free_victim, NULL, other, "pcpu_alt_frace");
	if (!EXPECT(!IS_ERR(t))) {
		pcpu_alt_set_test_hook(NULL);
		pcpu_alt_free(fr.victim);
		return -EINVAL;
	}
	while (!READ_ONCE(fr.at_entry) && !completion_done(&fr.done))
		cond_resched();
	err = write_file(CACHE_PARAM, "0");
	WRITE_ONCE(fr.cache_off, 1);
	wait_for_completion(&fr.done);
	pcpu_alt_set_test_hook(NULL);
	st1 = stats_now();
	ret = write_file(CACHE_PARAM, "1");
	if (!EXPECT_EQ(err, 0) || !EXPECT_EQ(ret, 0) ||
	    !EXPECT(READ_ONCE(fr.at_entry)) || !EXPECT(!fr.timed_out))
		return -EINVAL;
	/* Freed for good: in no cache, not refused, not live. */
	if (!EXPECT_EQ(st1.nr_cached, 0) ||
	    !EXPECT_EQ(st1.bad_frees, st0.bad_frees) ||
	    !EXPECT_EQ(st1.nr_live + 1, st0.nr_live))
		return -EINVAL;
	return 0;
}

/*
 * Memory pressure drains the caches and gives back; it must not back
 * pages, even with the reserve below its low mark.  The reserve is made
 * low with page population failing (fault injection), so that no run is
 * left asking for it; then an area is cached and the shrinker called
 * through drop_caches.  The run it asks for must back no page.
 */
#define DROP_CACHES		"/proc/sys/vm/drop_caches"
#define SHRINK_ANCHOR_SIZE	68	/* no class: never cached */
#define SHRINK_ANCHOR_ALIGN	128
#define SHRINK_CACHED_SIZE	8
#define SHRINK_LOW		2
#define SHRINK_HIGH		4
/* Tries, in case the reaper drains the area before the shrinker does. */
#define SHRINK_TRIES		3

static struct {
	int shrinks;
	int runs;
} pressure;

static void pressure_hook(enum pcpu_alt_test_point point,
			  const void __percpu *ptr)
{
	if (point == PCPU_ALT_TEST_SHRINK)
		WRITE_ONCE(pressure.shrinks, pressure.shrinks + 1);
	else if (point == PCPU_ALT_TEST_BALANCE_END && READ_ONCE(pressure.shrinks))
		WRITE_ONCE(pressure.runs, pressure.runs + 1);
}

/* Cache one area on this CPU; its refill's kick fails to back a page. */
static bool cache_one_with_failing_refill(void)
{
	u64 faults = stats_now().nr_faults_injected;
	void __percpu *p;

	preempt_disable();
	p = pcpu_alt_alloc(SHRINK_CACHED_SIZE, SHRINK_CACHED_SIZE, GFP_NOWAIT);
	pcpu_alt_free(p);
	preempt_enable();
	/* The run that refill asked for has tried, and failed, to populate. */
	return p && poll_until(stats_now().nr_faults_injected > faults);
}

int test_shrinker_backs_no_page(void)
{
	struct pcpu_alt_stats st = stats_now(), st0, st1;
	bool cached = false, shrunk = false, ran = false;
	int try, err = 0, ret = cache_off_skip();
	void __percpu *anchor;

	if (ret)
		return ret;
	if (st.km_backend) {
		pr_info("    # km backend: no page is backed on its own\n");
		return 1;
	}
	/* No reserve; one page populated, partly used, for the refills. */
	pcpu_alt_set_watermarks(0, 0);
	pcpu_alt_balance_now();
	anchor = pcpu_alt_alloc(SHRINK_ANCHOR_SIZE, SHRINK_ANCHOR_ALIGN,
				GFP_KERNEL);
	/* A low reserve that no page can be backed for. */
	pcpu_alt_set_fault_injection(1);
	pcpu_alt_set_watermarks(SHRINK_LOW, SHRINK_HIGH);
	pcpu_alt_balance_now();
	for (try = 0; anchor && !shrunk && try < SHRINK_TRIES; try++) {
		cached = cache_one_with_failing_refill();
		pcpu_alt_set_fault_injection(0);
		if (!cached)
			break;
		memset(&pressure, 0, sizeof(pressure));
		st0 = stats_now();
		pcpu_alt_set_test_hook(pressure_hook);
		err = write_file(DROP_CACHES, "2");
		shrunk = READ_ONCE(pressure.shrinks);
		ran = shrunk && poll_until(READ_ONCE(pressure.runs));
		pcpu_alt_set_test_hook(NULL);
		st1 = stats_now();
		pcpu_alt_set_fault_injection(1);
	}
	pcpu_alt_set_fault_injection(0);
	pcpu_alt_free(anchor);
	pcpu_alt_set_watermarks(st.empty_pages_low, st.empty_pages_high);
	pcpu_alt_balance_now();
	if (!EXPECT(anchor) || !EXPECT(cached) || !EXPECT_EQ(err, 0) ||
	    !EXPECT(shrunk) || !EXPECT(ran))
		return -EINVAL;
	/* Drained, and given back only: the low reserve stays low. */
	if (!EXPECT_EQ(st1.nr_cached, 0) ||
	    !EXPECT(st0.nr_empty_pop_pages < SHRINK_LOW) ||
	    !EXPECT_EQ(st1.nr_pages_populated, st0.nr_pages_populated))
		return -EINVAL;
	return 0;
}

/*
 * The most live allocations at once counts what callers hold, not what
 * refills took ahead into the caches: allocate past the peak so far,
 * with some areas left cached, and the peak must be what is live.
 */
#define MAXLIVE_SIZE	4
#define MAXLIVE_PAST	50
/* A few batches more, at most, to end with areas left in a cache. */
#define MAXLIVE_EXTRA	64
/* More than this past the peak so far: skipped (a long earlier run). */
#define MAXLIVE_CAP	(1024 * 1024)

int test_max_live_counts_no_cached(void)
{
	struct pcpu_alt_stats st0, st1;
	int i, n, got = 0, ret = cache_off_skip();
	void __percpu **p;

	if (ret)
		return ret;
	pcpu_alt_balance_now();		/* nothing cached */
	st0 = stats_now();
	n = st0.nr_max_live - st0.nr_live + MAXLIVE_PAST;
	if (n > MAXLIVE_CAP) {
		pr_info("    # %d allocations to pass the peak: too many\n", n);
		return 1;
	}
	p = kvcalloc(n + MAXLIVE_EXTRA, sizeof(*p), GFP_KERNEL);
	if (!EXPECT(p))
		return -EINVAL;
	while (got < n + MAXLIVE_EXTRA &&
	       (got < n || !stats_now().nr_cached)) {
		p[got] = pcpu_alt_alloc(MAXLIVE_SIZE, MAXLIVE_SIZE, GFP_KERNEL);
		if (!p[got])
			break;
		got++;
	}
	st1 = stats_now();
	for (i = 0; i < got; i++)
		pcpu_alt_free(p[i]);
	kvfree(p);
	if (!EXPECT(got >= n) || !EXPECT(st1.nr_cached > 0))
		return -EINVAL;
	if (!EXPECT_EQ(st1.nr_live, st0.nr_live + got) ||
	    !EXPECT_EQ(st1.nr_max_live, st1.nr_live))
		return -EINVAL;
	return 0;
}

/*
 * A populated page whose only allocation sits in a cache is empty to
 * users.  Nothing live: the area the first refill of a class takes lands
 * on an empty page of the reserve, alone.
 */
#define CACHED_ONLY_SIZE	2048
#define CACHED_ONLY_ALIGN	64

int test_cached_only_page_counted_empty(void)
{
	struct pcpu_alt_stats st = stats_now(), st0, st_live, st1;
	int ret = cache_off_skip();
	void __percpu *p;

	if (!ret)
		ret = others_live_skip();
	if (ret)
		return ret;
	/* Four empty pages, and no refill takes the reserve below its mark. */
	pcpu_alt_set_watermarks(4, 4);
	pcpu_alt_balance_now();
	pcpu_alt_set_watermarks(1, 4);
	pcpu_alt_balance_now();
	st0 = stats_now();
	preempt_disable();		/* one CPU, one cache */
	p = pcpu_alt_alloc(CACHED_ONLY_SIZE, CACHED_ONLY_ALIGN, GFP_NOWAIT);
	st_live = stats_now();
	pcpu_alt_free(p);
	st1 = stats_now();
	preempt_enable();
	pcpu_alt_set_watermarks(st.empty_pages_low, st.empty_pages_high);
	pcpu_alt_balance_now();
	if (!EXPECT(p) || !EXPECT_EQ(st0.nr_live, 0) ||
	    !EXPECT_EQ(st0.nr_cached, 0) || !EXPECT(st1.nr_cached > 0))
		return -EINVAL;
	/* Live, its page is not empty; cached, it is again. */
	if (!EXPECT_EQ(st_live.nr_empty_pop_pages + 1, st0.nr_empty_pop_pages) ||
	    !EXPECT_EQ(st1.nr_empty_pop_pages, st0.nr_empty_pop_pages))
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
