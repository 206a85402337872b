// SPDX-License-Identifier: GPL-2.0
/*
 * Stub layer: CPUs, cross-CPU calls, lock set-up and RCU grace periods
 * (uspace/cpu.h, uspace/lock.h; the model is described in cpu.h).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include <uspace/kernel.h>

unsigned int nr_cpu_ids = 1;
struct cpumask uspace_cpu_possible_mask = { { 1UL } };
struct uspace_cpu uspace_cpus[USPACE_MAX_CPUS];
__thread struct uspace_thread uspace_self;

/* Spins before a waiter yields its host CPU to the lock holder. */
#define USPACE_SPINS_BEFORE_YIELD	128

/* CPU hotplug lock (cpus_read_lock()): nothing takes it for writing. */
static pthread_rwlock_t hotplug_lock = PTHREAD_RWLOCK_INITIALIZER;

/**
 * uspace_cpus_init() - declare CPUs 0 to @nr_cpus - 1 possible and online
 * @nr_cpus: 1 to USPACE_MAX_CPUS
 *
 * RETURNS: 0, or -EINVAL for a count out of range.
 */
int uspace_cpus_init(unsigned int nr_cpus)
{
	unsigned int cpu;

	if (!nr_cpus || nr_cpus > USPACE_MAX_CPUS)
		return -EINVAL;
	nr_cpu_ids = nr_cpus;
	cpumask_clear(&uspace_cpu_possible_mask);
	for (cpu = 0; cpu < nr_cpus; cpu++)
		cpumask_set_cpu(cpu, &uspace_cpu_possible_mask);
	return 0;
}

/**
 * uspace_thread_set_cpu() - make the calling thread run as CPU @cpu
 * @cpu: a possible CPU
 *
 * CONTEXT: not in a section (the thread owns no CPU).
 */
void uspace_thread_set_cpu(unsigned int cpu)
{
	if (uspace_owns_cpu() || cpu >= nr_cpu_ids) {
		fprintf(stderr, "%s(%u): CPU owned, or not a possible CPU\n",
			__func__, cpu);
		abort();
	}
	uspace_self.cpu = cpu;
}

/**
 * uspace_thread_pin() - keep the calling thread on one host CPU
 * @host_cpu: the host CPU
 *
 * RETURNS: 0 or a positive pthread error number.
 */
int uspace_thread_pin(unsigned int host_cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(host_cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* The CPU's lock is taken: spin a little, then let the holder run. */
void uspace_cpu_lock_wait(struct uspace_cpu *c)
{
	unsigned int spins = 0;

	for (;;) {
		if (!__atomic_load_n(&c->locked, __ATOMIC_RELAXED) &&
		    !__atomic_exchange_n(&c->locked, 1, __ATOMIC_ACQUIRE))
			return;
		if (++spins < USPACE_SPINS_BEFORE_YIELD)
			cpu_relax();
		else
			sched_yield();
	}
}

void uspace_might_sleep_failed(const char *file, int line)
{
	fprintf(stderr,
		"BUG: sleeping function called with CPU %u owned (irqs_off %d, preempt_count %u) at %s:%d\n",
		uspace_self.cpu, uspace_self.irqs_off,
		uspace_self.preempt_count, file, line);
	abort();
}

#ifdef USPACE_CHECK_LOCKING
void uspace_lockdep_failed(const char *what, const char *file, int line)
{
	fprintf(stderr, "BUG: lockdep: %s at %s:%d\n", what, file, line);
	abort();
}
#endif

/*
 * Run @func as @cpu would in an interrupt: once @cpu is out of its
 * sections, holding its lock, with smp_processor_id() = @cpu.
 */
static void run_as_cpu(unsigned int cpu, smp_call_func_t func, void *info)
{
	unsigned int self = uspace_self.cpu;

	uspace_cpu_lock(cpu);
	uspace_self.cpu = cpu;
	uspace_self.irqs_off = true;
	func(info);
	uspace_self.irqs_off = false;
	uspace_self.cpu = self;
	uspace_cpu_unlock(cpu);
}

void on_each_cpu_cond_mask(smp_cond_func_t cond_func, smp_call_func_t func,
			   void *info, bool wait, const struct cpumask *mask)
{
	unsigned int cpu;

	/* The kernel warns: a cross-CPU call with interrupts off deadlocks. */
	might_sleep();
	for_each_cpu(cpu, mask) {
		if (!cond_func || cond_func(cpu, info))
			run_as_cpu(cpu, func, info);
	}
}

int smp_call_function_single(int cpu, smp_call_func_t func, void *info,
			     int wait)
{
	might_sleep();
	if (cpu < 0 || cpu >= (int)nr_cpu_ids)
		return -ENXIO;
	run_as_cpu(cpu, func, info);
	return 0;
}

void cpus_read_lock(void)
{
	pthread_rwlock_rdlock(&hotplug_lock);
}

void cpus_read_unlock(void)
{
	pthread_rwlock_unlock(&hotplug_lock);
}

void spin_lock_init(spinlock_t *lock)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
	pthread_mutex_init(&lock->m, &attr);
	pthread_mutexattr_destroy(&attr);
	uspace_lockdep_released(&lock->dep);
}

void mutex_init(struct mutex *lock)
{
	pthread_mutex_init(&lock->m, NULL);
	uspace_lockdep_released(&lock->dep);
}

/*
 * A grace period: every CPU has been out of its sections once since it
 * began (see uspace/cpu.h).
 */
void synchronize_rcu(void)
{
	unsigned int cpu;

	might_sleep();
	for_each_possible_cpu(cpu) {
		uspace_cpu_lock(cpu);
		uspace_cpu_unlock(cpu);
	}
}
