// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_test.ko: cases of the slow path's locking.  One CPU is held
 * inside a step that owns a lock (populating a page, which holds
 * pcpu_alt_mutex; taking an area, which holds its chunk's lock) while this
 * CPU allocates and frees elsewhere.  With one lock for everything, that
 * would wait for the held CPU; these cases fail when it does.  And the
 * other way round: a non-blocking request whose only room is in the held
 * chunk must wait for it, not fail.  Views copy chunks in short locked
 * sections with interrupts on between them.
 */
#define pr_fmt(fmt) fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/timekeeping.h>

#include "ktest.h"

/* Longest the held CPU waits for this one before it gives up. */
#define HOLD_WAIT_NS	(10ULL * NSEC_PER_SEC)
/* Not served by the per-CPU caches (alignment above theirs). */
#define OTHER_SIZE	64
#define OTHER_ALIGN	128
#define OTHER_AREAS	8

/*
 * @point: where the holder stops
 * @size: what the holder allocates
 * @align: its alignment
 * @holder: the task that stops there
 * @held: it is stopped there
 * @release: it may go on
 * @gave_up: it went on without being released
 * @result: what it allocated
 * @done: it returned
 */
static struct {
	enum pcpu_alt_test_point point;
	size_t size;
	size_t align;
	struct task_struct *holder;
	int held;
	int release;
	int gave_up;
	void __percpu *result;
	struct completion done;
} hold;

static void hold_hook(enum pcpu_alt_test_point point,
		      const void __percpu *ptr)
{
	u64 deadline;

	if (point != hold.point || current != READ_ONCE(hold.holder) ||
	    READ_ONCE(hold.held))
		return;
	WRITE_ONCE(hold.held, 1);
	deadline = ktime_get_ns() + HOLD_WAIT_NS;
	while (!READ_ONCE(hold.release)) {
		if (ktime_get_ns() > deadline) {
			WRITE_ONCE(hold.gave_up, 1);
			return;
		}
		cpu_relax();
	}
}

/* The holder: one blocking allocation. */
static int holder_fn(void *unused)
{
	hold.result = pcpu_alt_alloc(hold.size, hold.align, GFP_KERNEL);
	complete(&hold.done);
	return 0;
}

/*
 * Start a holder of @size bytes aligned @align on another CPU, stopped at
 * @point, with @hook (which calls hold_hook()) as the test hook; true once
 * it is held there (false: it never got there).
 */
static bool start_holder_with(enum pcpu_alt_test_point point, size_t size,
			      size_t align, pcpu_alt_test_hook_fn hook)
{
	int cpu = cpumask_next(smp_processor_id(), cpu_online_mask);
	struct task_struct *t;

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	memset(&hold, 0, sizeof(hold));
	hold.point = point;
	hold.size = size;
	hold.align = align;
	init_completion(&hold.done);
	pcpu_alt_set_test_hook(hook);
	t = kthread_create_on_cpu(holder_fn, NULL, cpu, "pcpu_alt_hold/%u");
	if (IS_ERR(t))
		return false;
	WRITE_ONCE(hold.holder, t);
	wake_up_process(t);
	while (!READ_ONCE(hold.held) && !completion_done(&hold.done))
		cond_resched();
	return READ_ONCE(hold.held);
}

/* A page-aligned holder of @size bytes, stopped at @point. */
static bool start_holder(enum pcpu_alt_test_point point, size_t size)
{
	return start_holder_with(point, size, PAGE_SIZE, hold_hook);
}

/* Let the holder go; true if it was still held (nothing waited for it). */
static bool stop_holder(void)
{
	bool in_time = !READ_ONCE(hold.gave_up);

	WRITE_ONCE(hold.release, 1);
	wait_for_completion(&hold.done);
	pcpu_alt_set_test_hook(NULL);
	pcpu_alt_free(hold.result);
	return in_time;
}

/* Blocking allocations and frees that fit in populated space. */
static bool alloc_elsewhere(void)
{
	void __percpu *p[OTHER_AREAS];
	bool ok = true;
	int i;

	for (i = 0; i < OTHER_AREAS; i++) {
		p[i] = pcpu_alt_alloc(OTHER_SIZE, OTHER_ALIGN, GFP_KERNEL);
		ok &= !!p[i];
	}
	for (i = 0; i < OTHER_AREAS; i++)
		pcpu_alt_free(p[i]);
	return ok;
}

static int skip_single_cpu(void)
{
	if (num_online_cpus() > 1)
		return 0;
	pr_info("    # needs two CPUs\n");
	return 1;
}

int test_populating_blocks_no_one_else(void)
{
	size_t unit = stats_now().unit_size;
	bool held, ok, in_time;
	int ret = skip_single_cpu();
	void __percpu *anchor;

	if (ret)
		return ret;
	if (stats_now().km_backend) {
		pr_info("    # km backend: chunks come populated\n");
		return 1;
	}
	/*
	 * The reserve leaves populated room for the others; an area in it
	 * keeps its chunk from being the fully free one the holder takes.
	 */
	pcpu_alt_balance_now();
	anchor = pcpu_alt_alloc(OTHER_SIZE, OTHER_ALIGN, GFP_KERNEL);
	/* A whole unit in a new chunk: its pages must be populated. */
	held = start_holder(PCPU_ALT_TEST_POPULATE, unit);
	ok = held && alloc_elsewhere();
	in_time = stop_holder();
	pcpu_alt_free(anchor);
	if (!EXPECT(anchor) || !EXPECT(held) || !EXPECT(hold.result) ||
	    !EXPECT(ok))
		return -EINVAL;
	/* Done while the holder still held the mutex, populating. */
	if (!EXPECT(in_time))
		return -EINVAL;
	return 0;
}

int test_chunk_lock_blocks_no_other_chunk(void)
{
	size_t unit = stats_now().unit_size;
	void __percpu *half, *more;
	bool held, ok, in_time;
	int ret = skip_single_cpu();

	if (ret)
		return ret;
	pcpu_alt_balance_now();
	/*
	 * Two chunks with room: the holder locks one, the others go to the
	 * other one.  (With one chunk only they would wait for the holder:
	 * a busy chunk is waited for rather than taken for a full one.)
	 */
	half = pcpu_alt_alloc(unit / 2, PAGE_SIZE, GFP_KERNEL);
	more = pcpu_alt_alloc(unit / 2 + PAGE_SIZE, PAGE_SIZE, GFP_KERNEL);
	if (!EXPECT(half && more)) {
		pcpu_alt_free(more);
		pcpu_alt_free(half);
		return -EINVAL;
	}
	/* Stopped holding the lock of the chunk it took a page from. */
	held = start_holder(PCPU_ALT_TEST_AREA_TAKEN, PAGE_SIZE);
	ok = held && alloc_elsewhere();
	in_time = stop_holder();
	pcpu_alt_free(more);
	pcpu_alt_free(half);
	if (!EXPECT(held) || !EXPECT(hold.result) || !EXPECT(ok))
		return -EINVAL;
	if (!EXPECT(in_time))
		return -EINVAL;
	return 0;
}

/* ---- a busy chunk is waited for, not taken for a full one ---- */

/* The task that must wait, and whether it reached the wait. */
static struct task_struct *waiter;
static int waited;

/* Release the holder once the waiter stands at its wait. */
static void wait_hook(enum pcpu_alt_test_point point,
		      const void __percpu *ptr)
{
	if (point == PCPU_ALT_TEST_FIND_WAIT && current == READ_ONCE(waiter)) {
		WRITE_ONCE(waited, 1);
		WRITE_ONCE(hold.release, 1);
		return;
	}
	hold_hook(point, ptr);
}

int test_busy_chunk_waited_for(void)
{
	struct pcpu_alt_stats st = stats_now();
	void __percpu *anchor, *p = NULL;
	bool held, in_time;
	int ret = skip_single_cpu();

	if (ret)
		return ret;
	if (st.km_backend) {
		pr_info("    # km backend: every chunk is populated room\n");
		return 1;
	}
	/* No empty page kept: all populated room is the anchor's page. */
	pcpu_alt_set_watermarks(0, 0);
	pcpu_alt_balance_now();
	anchor = pcpu_alt_alloc(OTHER_SIZE, OTHER_ALIGN, GFP_KERNEL);
	if (!EXPECT(anchor)) {
		ret = -EINVAL;
		goto out;
	}
	WRITE_ONCE(waited, 0);
	WRITE_ONCE(waiter, current);
	/* The holder takes from that page and keeps its chunk locked. */
	held = start_holder_with(PCPU_ALT_TEST_AREA_TAKEN, OTHER_SIZE,
				 OTHER_ALIGN, wait_hook);
	if (held)
		p = pcpu_alt_alloc(OTHER_SIZE, OTHER_ALIGN, GFP_NOWAIT);
	in_time = stop_holder();
	WRITE_ONCE(waiter, NULL);
	pcpu_alt_free(p);
	pcpu_alt_free(anchor);
	if (!EXPECT(held) || !EXPECT(hold.result))
		ret = -EINVAL;
	/* Served from the held chunk once it was free, not refused. */
	else if (!EXPECT(p) || !EXPECT(READ_ONCE(waited)) || !EXPECT(in_time))
		ret = -EINVAL;
out:
	pcpu_alt_set_watermarks(st.empty_pages_low, st.empty_pages_high);
	pcpu_alt_balance_now();
	return ret;
}

/* ---- views copy a chunk in sections, interrupts on between ---- */

static struct {
	int gaps;
	int irqs_off;
} copies;

static void copy_gap_hook(enum pcpu_alt_test_point point,
			  const void __percpu *ptr)
{
	if (point != PCPU_ALT_TEST_COPY_GAP)
		return;
	WRITE_ONCE(copies.gaps, copies.gaps + 1);
	if (irqs_disabled())
		WRITE_ONCE(copies.irqs_off, copies.irqs_off + 1);
}

int test_chunk_copy_in_sections(void)
{
	size_t unit = stats_now().unit_size;
	void __percpu *p;
	int chunks, errors;

	/* At least one chunk, and one with every page in use. */
	p = pcpu_alt_alloc(unit, PAGE_SIZE, GFP_KERNEL);
	chunks = stats_now().nr_chunks;
	memset(&copies, 0, sizeof(copies));
	pcpu_alt_set_test_hook(copy_gap_hook);
	errors = pcpu_alt_verify();
	pcpu_alt_set_test_hook(NULL);
	pcpu_alt_free(p);
	if (!EXPECT(p) || !EXPECT_EQ(errors, 0))
		return -EINVAL;
	/* Every unit (32 KiB at least) is more than one section. */
	if (!EXPECT(copies.gaps >= chunks) || !EXPECT_EQ(copies.irqs_off, 0))
		return -EINVAL;
	return 0;
}

/*
 * A chunk that changes between two sections of a copy is copied again:
 * verify then checks one snapshot, and finds nothing wrong.  The change
 * is the free of an area filling the whole chunk, made at the copy's
 * first gap: every later section differs from the first.
 */
static struct {
	void __percpu *victim;
	size_t unit;
	int freed;
} tear;

static void tear_hook(enum pcpu_alt_test_point point,
		      const void __percpu *ptr)
{
	unsigned long v = (unsigned long)tear.victim, base = (unsigned long)ptr;

	if (point != PCPU_ALT_TEST_COPY_GAP || READ_ONCE(tear.freed) ||
	    v < base || v >= base + tear.unit)
		return;
	WRITE_ONCE(tear.freed, 1);
	pcpu_alt_free(tear.victim);
}

int test_chunk_copy_torn_retried(void)
{
	size_t unit = stats_now().unit_size;
	int errors;

	memset(&tear, 0, sizeof(tear));
	tear.unit = unit;
	tear.victim = pcpu_alt_alloc(unit, PAGE_SIZE, GFP_KERNEL);
	if (!EXPECT(tear.victim))
		return -EINVAL;
	pcpu_alt_set_test_hook(tear_hook);
	errors = pcpu_alt_verify();
	pcpu_alt_set_test_hook(NULL);
	if (!tear.freed)
		pcpu_alt_free(tear.victim);
	/* Freed between two sections, and no disagreement reported. */
	if (!EXPECT(tear.freed) || !EXPECT_EQ(errors, 0))
		return -EINVAL;
	return 0;
}
