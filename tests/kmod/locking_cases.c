// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_test.ko: cases of the slow path's locking.  One CPU is held
 * inside a step that owns a lock (populating a page, which holds
 * pcpu_alt_mutex; taking an area, which holds its chunk's lock) while this
 * CPU allocates and frees elsewhere.  With one lock for everything, that
 * would wait for the held CPU; these cases fail when it does.
 */
#define pr_fmt(fmt) fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
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
 * @holder: the task that stops there
 * @held: it is stopped there
 * @release: it may go on
 * @gave_up: it went on without being released
 * @result: what it allocated
 * @done: it returned
 */
static struct {
	enum pcpu_alt_test_point point;
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

/* The holder: one blocking allocation of @arg bytes, page aligned. */
static int holder_fn(void *arg)
{
	hold.result = pcpu_alt_alloc((size_t)arg, PAGE_SIZE, GFP_KERNEL);
	complete(&hold.done);
	return 0;
}

/*
 * Start a holder of @size bytes on another CPU, stopped at @point; true
 * once it is held there (false: it never got there).
 */
static bool start_holder(enum pcpu_alt_test_point point, size_t size)
{
	int cpu = cpumask_next(smp_processor_id(), cpu_online_mask);
	struct task_struct *t;

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	memset(&hold, 0, sizeof(hold));
	hold.point = point;
	init_completion(&hold.done);
	pcpu_alt_set_test_hook(hold_hook);
	t = kthread_create_on_cpu(holder_fn, (void *)size, cpu,
				  "pcpu_alt_hold/%u");
	if (IS_ERR(t))
		return false;
	WRITE_ONCE(hold.holder, t);
	wake_up_process(t);
	while (!READ_ONCE(hold.held) && !completion_done(&hold.done))
		cond_resched();
	return READ_ONCE(hold.held);
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
	bool held, ok, in_time;
	int ret = skip_single_cpu();

	if (ret)
		return ret;
	pcpu_alt_balance_now();
	/* Stopped holding the lock of the chunk it took a page from. */
	held = start_holder(PCPU_ALT_TEST_AREA_TAKEN, PAGE_SIZE);
	ok = held && alloc_elsewhere();
	in_time = stop_holder();
	if (!EXPECT(held) || !EXPECT(hold.result) || !EXPECT(ok))
		return -EINVAL;
	if (!EXPECT(in_time))
		return -EINVAL;
	return 0;
}
