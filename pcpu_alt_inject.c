// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt fault injection: fail every Nth internal allocation, so tests
 * can walk every error path of chunk creation and page population.
 */
#include <linux/atomic.h>
#include <linux/moduleparam.h>

#include "pcpu_alt_internal.h"

static unsigned int fail_every;
module_param(fail_every, uint, 0644);
MODULE_PARM_DESC(fail_every, "fault injection: fail every Nth internal allocation (0 = off)");

static atomic_t fault_count;
static atomic64_t nr_faults_injected;

/**
 * pcpu_alt_fault_inject() - should this internal allocation fail?
 *
 * CONTEXT: any.
 * RETURNS: true when the caller must act as if its allocation failed.
 */
bool pcpu_alt_fault_inject(void)
{
	unsigned int every = READ_ONCE(fail_every);

	if (!every || atomic_inc_return(&fault_count) % every)
		return false;
	atomic64_inc(&nr_faults_injected);
	return true;
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
