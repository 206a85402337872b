// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel test cases for pcpu_alt.  Loading the module runs every case
 * and reports KTAP to the kernel log; init fails (-EINVAL) when any case
 * fails, so "insmod pcpu_alt_test.ko" is the pass/fail verdict.  The
 * consistency checker runs after every case.  This file holds the runner
 * and the helpers; the cases live in *_cases.c by subject.
 *
 * leak=N leaves N allocations live when this module is removed, so the
 * selftests can check pcpu_alt's unload report.
 */
#define pr_fmt(fmt) fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/vmalloc.h>

#include "ktest.h"

static unsigned int leak;
module_param(leak, uint, 0444);
MODULE_PARM_DESC(leak, "allocations to leave live at removal");

unsigned int ktest_million = 1000000;
module_param_named(million, ktest_million, uint, 0444);
MODULE_PARM_DESC(million, "allocation count of the 4-byte worst case test");

static void __percpu **leaked;

bool ktest_check(bool ok, const char *what, const char *fn, int line)
{
	if (!ok)
		pr_err("    # %s:%d: expected %s\n", fn, line, what);
	return ok;
}

bool ktest_check_eq(long long a, long long b, const char *what,
		    const char *fn, int line)
{
	if (a != b)
		pr_err("    # %s:%d: expected %s (%lld vs %lld)\n", fn, line,
		       what, a, b);
	return a == b;
}

/* Tell the VM bench that WARNs from here on are on purpose. */
void expect_warn(bool begin)
{
	pr_info("pcpu_alt: expect-warn %s\n", begin ? "begin" : "end");
}

struct pcpu_alt_stats stats_now(void)
{
	struct pcpu_alt_stats st;

	pcpu_alt_get_stats(&st);
	return st;
}

/*
 * Some cases count every area and page of pcpu_alt as their own.  While
 * other users hold areas (live mode routing the kernel's allocations,
 * as run_live.sh does under the kselftests), they skip.
 */
int others_live_skip(void)
{
	if (!stats_now().nr_live)
		return 0;
	pr_info("    # other users hold areas (live mode?): this case needs pcpu_alt to itself\n");
	return 1;
}

bool zero_everywhere(void __percpu *ptr, size_t size)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		if (memchr_inv(pcpu_alt_ptr(ptr, cpu), 0, size))
			return false;
	return true;
}

void fill_everywhere(void __percpu *ptr, size_t size, int byte)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		memset(pcpu_alt_ptr(ptr, cpu), byte, size);
}

struct test_case {
	const char *name;
	int (*fn)(void);
};

static const struct test_case cases[] = {
	{ "zeroed_on_every_cpu", test_zeroed_on_every_cpu },
	{ "alignment", test_alignment },
	{ "cpu_copies_disjoint", test_cpu_copies_disjoint },
	{ "compat_this_cpu_ops", test_compat_this_cpu_ops },
	{ "fullest_first", test_fullest_first },
	{ "populated_pages_follow_use", test_populated_pages_follow_use },
	{ "nonblocking_contexts", test_nonblocking_contexts },
	/* Before the million: it passes the peak of live allocations so far. */
	{ "max_live_counts_no_cached", test_max_live_counts_no_cached },
	{ "million_4byte_random_free", test_million_4byte_random_free },
	{ "bad_input", test_bad_input },
	{ "fault_injection_no_leaks", test_fault_injection_no_leaks },
	{ "typed_helpers", test_typed_helpers },
	{ "unpopulated_room_not_searched",
	  test_unpopulated_room_not_searched },
	{ "reserve_refilled_after_any_alloc",
	  test_reserve_refilled_after_any_alloc },
	{ "rollback_not_counted", test_rollback_not_counted },
	{ "cache_serves_and_counts_free", test_cache_serves_and_counts_free },
	{ "cache_double_free_refused", test_cache_double_free_refused },
	{ "cache_slow_start", test_cache_slow_start },
	{ "cache_rounding_bounded", test_cache_rounding_bounded },
	{ "cache_drained_when_idle", test_cache_drained_when_idle },
	{ "cache_reaped_after_remote_frees",
	  test_cache_reaped_after_remote_frees },
	{ "idle_class_reaped_on_busy_cpu", test_idle_class_reaped_on_busy_cpu },
	{ "free_racing_cache_off", test_free_racing_cache_off },
	{ "shrinker_backs_no_page", test_shrinker_backs_no_page },
	{ "cached_only_page_counted_empty",
	  test_cached_only_page_counted_empty },
	{ "cache_classes_and_alignments", test_cache_classes_and_alignments },
	{ "double_free_during_drain", test_double_free_during_drain },
	{ "internal_allocations_follow_caller",
	  test_internal_allocations_follow_caller },
	{ "watermarks_within_one_unit", test_watermarks_within_one_unit },
	{ "free_chunk_kept_for_reserve", test_free_chunk_kept_for_reserve },
	{ "verify_between_chunks_irqs_on",
	  test_verify_between_chunks_irqs_on },
	{ "refusals_warn_once_per_site", test_refusals_warn_once_per_site },
	{ "blocking_call_in_atomic_reported",
	  test_blocking_call_in_atomic_reported },
	{ "accounted_requests_counted", test_accounted_requests_counted },
	{ "populating_blocks_no_one_else", test_populating_blocks_no_one_else },
	{ "chunk_lock_blocks_no_other_chunk",
	  test_chunk_lock_blocks_no_other_chunk },
	{ "busy_chunk_waited_for", test_busy_chunk_waited_for },
	{ "chunk_copy_in_sections", test_chunk_copy_in_sections },
	{ "chunk_copy_torn_retried", test_chunk_copy_torn_retried },
};

static int __init pcpu_alt_test_init(void)
{
	struct pcpu_alt_stats st = stats_now();
	int i, ret, failed = 0;

	pr_info("KTAP version 1\n");
	pr_info("# pcpu_alt_test: layout %s, backend %s, unit %zu KiB\n",
		st.compat ? "compat" : "private",
		st.km_backend ? "km" : "vm", st.unit_size / 1024);
	pr_info("1..%zu\n", ARRAY_SIZE(cases));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ret = cases[i].fn();
		if (ret <= 0 && pcpu_alt_verify()) {
			pr_err("    # consistency checker not clean\n");
			ret = -EINVAL;
		}
		if (ret > 0) {
			pr_info("ok %d %s # SKIP\n", i + 1, cases[i].name);
		} else if (ret) {
			pr_info("not ok %d %s\n", i + 1, cases[i].name);
			failed++;
		} else {
			pr_info("ok %d %s\n", i + 1, cases[i].name);
		}
	}
	pr_info("# pcpu_alt_test: %zu cases, %d failed\n", ARRAY_SIZE(cases),
		failed);
	if (failed)
		return -EINVAL;

	if (leak) {
		leaked = kcalloc(leak, sizeof(*leaked), GFP_KERNEL);
		if (!leaked)
			return -ENOMEM;
		for (i = 0; i < leak; i++)
			leaked[i] = pcpu_alt_alloc(32, 8, GFP_KERNEL);
	}
	return 0;
}

static void __exit pcpu_alt_test_exit(void)
{
	/* The leaked areas stay behind on purpose; only our array goes. */
	kfree(leaked);
}

module_init(pcpu_alt_test_init);
module_exit(pcpu_alt_test_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pcpu_alt in-kernel tests");
