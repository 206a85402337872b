/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt_test.ko: shared helpers of the in-kernel test cases, and the
 * cases each file provides (main.c runs them in its table's order).
 *
 * A case returns 0 on success, a positive number to be skipped, a negative
 * errno on failure; it reports each failed expectation to the kernel log.
 */
#ifndef _PCPU_ALT_KTEST_H
#define _PCPU_ALT_KTEST_H

#include <linux/types.h>

#include "pcpu_alt.h"

bool ktest_check(bool ok, const char *what, const char *fn, int line);
bool ktest_check_eq(long long a, long long b, const char *what,
		    const char *fn, int line);

/* Report a failed expectation; the caller returns -EINVAL on false. */
#define EXPECT(cond)	ktest_check(cond, #cond, __func__, __LINE__)
#define EXPECT_EQ(a, b)	ktest_check_eq(a, b, #a " == " #b, __func__, __LINE__)

void expect_warn(bool begin);
struct pcpu_alt_stats stats_now(void);
/* 1 (skip) while areas not the case's own are live, else 0. */
int others_live_skip(void);
bool zero_everywhere(void __percpu *ptr, size_t size);
void fill_everywhere(void __percpu *ptr, size_t size, int byte);

/* Allocation count of the 4-byte worst case (module parameter). */
extern unsigned int ktest_million;

/* alloc_cases.c */
int test_zeroed_on_every_cpu(void);
int test_alignment(void);
int test_cpu_copies_disjoint(void);
int test_compat_this_cpu_ops(void);
int test_fullest_first(void);
int test_populated_pages_follow_use(void);
int test_nonblocking_contexts(void);
int test_million_4byte_random_free(void);
int test_bad_input(void);
int test_fault_injection_no_leaks(void);
int test_typed_helpers(void);
int test_unpopulated_room_not_searched(void);
int test_reserve_refilled_after_any_alloc(void);
int test_rollback_not_counted(void);

/* cache_cases.c */
int test_cache_serves_and_counts_free(void);
int test_cache_double_free_refused(void);
int test_cache_slow_start(void);
int test_cache_rounding_bounded(void);
int test_cache_drained_when_idle(void);
int test_cache_reaped_after_remote_frees(void);
int test_idle_class_reaped_on_busy_cpu(void);
int test_free_racing_cache_off(void);
int test_shrinker_backs_no_page(void);
int test_max_live_counts_no_cached(void);
int test_cached_only_page_counted_empty(void);
int test_cache_classes_and_alignments(void);

/* contract_cases.c */
int test_double_free_during_drain(void);
int test_internal_allocations_follow_caller(void);
int test_watermarks_within_one_unit(void);
int test_free_chunk_kept_for_reserve(void);
int test_verify_between_chunks_irqs_on(void);
int test_refusals_warn_once_per_site(void);
int test_blocking_call_in_atomic_reported(void);
int test_accounted_requests_counted(void);

/* locking_cases.c */
int test_populating_blocks_no_one_else(void);
int test_chunk_lock_blocks_no_other_chunk(void);
int test_busy_chunk_waited_for(void);
int test_chunk_copy_in_sections(void);
int test_chunk_copy_torn_retried(void);

#endif /* _PCPU_ALT_KTEST_H */
