// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt test aids: fault injection (fail every Nth internal
 * allocation, so tests can walk every error path of chunk creation and
 * page population), a record of the flags internal allocations run with,
 * and hooks at the points where races are decided.  Off, the hooks cost a
 * patched-out branch (a static key).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/jump_label.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>

#include "pcpu_alt_internal.h"

static unsigned int fail_every;
module_param(fail_every, uint, 0644);
MODULE_PARM_DESC(fail_every, "fault injection: fail every Nth internal allocation (0 = off)");

static unsigned int race_delay_ms;
module_param(race_delay_ms, uint, 0644);
MODULE_PARM_DESC(race_delay_ms, "test: wait this long in the race windows tests open (before a cache drain, before unload's last drain, at load before the chunk layer); 0 = off");

static atomic_t fault_count;
static atomic64_t nr_faults_injected;

/* The task whose internal allocations are recorded, and where to. */
static struct task_struct *gfp_task;
static struct pcpu_alt_gfp_record *gfp_record;

DEFINE_STATIC_KEY_FALSE(pcpu_alt_test_hooks);
static pcpu_alt_test_hook_fn test_hook;

/*
 * Record what an allocation with @gfp really runs with (the task's reclaim
 * scope applied); @takes_flags: it was given @gfp, not just a scope.
 */
static void record_gfp(gfp_t gfp, bool takes_flags)
{
	struct pcpu_alt_gfp_record *rec = READ_ONCE(gfp_record);
	gfp_t eff = current_gfp_context(gfp);

	if (!rec)
		return;
	rec->count++;
	rec->any |= eff;
	if (takes_flags) {
		rec->all = rec->nr_flagged ? rec->all & eff : eff;
		rec->nr_flagged++;
	}
}

static bool fail_now(void)
{
	unsigned int every = READ_ONCE(fail_every);

	if (!every || atomic_inc_return(&fault_count) % every)
		return false;
	atomic64_inc(&nr_faults_injected);
	return true;
}

/**
 * pcpu_alt_fault_inject() - should this internal allocation fail?
 * @gfp: the flags it is about to be made with
 *
 * Called before every internal allocation that takes flags.
 *
 * CONTEXT: any.
 * RETURNS: true when the caller must act as if its allocation failed.
 */
bool pcpu_alt_fault_inject(gfp_t gfp)
{
	if (unlikely(READ_ONCE(gfp_task) == current))
		record_gfp(gfp, true);
	return fail_now();
}

/**
 * pcpu_alt_fault_inject_scoped() - the same for what takes no flags
 *
 * For vmap(), which allocates with GFP_KERNEL in the task's reclaim scope.
 *
 * CONTEXT: process context.
 * RETURNS: true when the caller must act as if its allocation failed.
 */
bool pcpu_alt_fault_inject_scoped(void)
{
	if (unlikely(READ_ONCE(gfp_task) == current))
		record_gfp(GFP_KERNEL, false);
	return fail_now();
}

/**
 * pcpu_alt_fault_set() - fail every Nth internal allocation from now on
 * @every: N; 0 turns fault injection off
 *
 * CONTEXT: any.
 */
void pcpu_alt_fault_set(unsigned int every)
{
	atomic_set(&fault_count, 0);
	WRITE_ONCE(fail_every, every);
}

/**
 * pcpu_alt_nr_faults_injected() - internal allocations failed on purpose
 *
 * RETURNS: the count since load.
 */
u64 pcpu_alt_nr_faults_injected(void)
{
	return atomic64_read(&nr_faults_injected);
}

/**
 * pcpu_alt_race_window() - hold a race window open, if a test asked
 * @where: named in the kernel log line tests wait for
 *
 * With race_delay_ms set, logs "race window open: @where", sleeps that
 * long and logs "race window closed: @where", so a test can act inside a
 * window that is otherwise too short to hit, and tell from the log what
 * ran before the window closed.  Nothing happens when it is 0, the default.
 *
 * CONTEXT: process context, may sleep.
 */
void pcpu_alt_race_window(const char *where)
{
	unsigned int ms = READ_ONCE(race_delay_ms);

	if (!ms)
		return;
	pr_info("race window open: %s (%u ms)\n", where, ms);
	msleep(ms);
	pr_info("race window closed: %s\n", where);
}

/**
 * pcpu_alt_test_record_gfp() - record the flags of internal allocations
 * @rec: where to record, zeroed by the caller; NULL stops recording
 *
 * Records the internal allocations the calling task makes, with the
 * flags they really run with (current_gfp_context()): see struct
 * pcpu_alt_gfp_record.  One recorder at a time.  For pcpu_alt_test.ko.
 *
 * CONTEXT: process context.
 */
void pcpu_alt_test_record_gfp(struct pcpu_alt_gfp_record *rec)
{
	WRITE_ONCE(gfp_record, rec);
	WRITE_ONCE(gfp_task, rec ? current : NULL);
}
EXPORT_SYMBOL_GPL(pcpu_alt_test_record_gfp);

/**
 * pcpu_alt_set_test_hook() - call @fn at each test point, or stop
 * @fn: the hook; NULL removes it
 *
 * Hooks run in the context of the point (often with IRQs off) and must not
 * sleep.  Removing one waits until no CPU runs it any more.  For
 * pcpu_alt_test.ko.
 *
 * CONTEXT: process context, may sleep.
 */
void pcpu_alt_set_test_hook(pcpu_alt_test_hook_fn fn)
{
	if (fn) {
		WRITE_ONCE(test_hook, fn);
		static_branch_enable(&pcpu_alt_test_hooks);
		return;
	}
	static_branch_disable(&pcpu_alt_test_hooks);
	WRITE_ONCE(test_hook, NULL);
	/* Hooks run with IRQs off or under RCU: wait them out. */
	synchronize_rcu();
}
EXPORT_SYMBOL_GPL(pcpu_alt_set_test_hook);

/**
 * pcpu_alt_test_hook_call() - call the test hook, if any
 * @point: where we are
 * @ptr: the area concerned, or NULL
 *
 * Call only under static_branch_unlikely(&pcpu_alt_test_hooks).
 */
void pcpu_alt_test_hook_call(enum pcpu_alt_test_point point,
			     const void __percpu *ptr)
{
	pcpu_alt_test_hook_fn fn;

	rcu_read_lock();
	fn = READ_ONCE(test_hook);
	if (fn)
		fn(point, ptr);
	rcu_read_unlock();
}
