/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stub layer, part 5: locks and RCU.
 *
 * spinlock_t: the kernel's is a queued spinlock held with preemption (and
 * for the _irq forms interrupts) off, so its holder is never preempted.
 * Here it is a pthread mutex of the adaptive kind (it spins a little
 * before it sleeps), taken inside a section that owns the CPU (cpu.h):
 * the host may still preempt the holder, and a waiter that spun then
 * sleeps instead of burning the holder's CPU.  Uncontended, taking and
 * releasing it costs one atomic instruction each, as the kernel's.
 *
 * struct mutex: a pthread mutex; the killable form never fails (there are
 * no signals to kill a task here).  Taking one inside a section is a bug
 * in the kernel and stops the harness.
 *
 * With USPACE_CHECK_LOCKING (the tests' builds) every lock records its
 * holder and lockdep_assert_held() checks it; without (the benchmark),
 * lockdep_assert_*() compile to nothing, as in a production kernel.
 */
#ifndef _USPACE_LOCK_H
#define _USPACE_LOCK_H

#include <pthread.h>

#include <uspace/cpu.h>

/* Who holds a lock, for lockdep_assert_held() in checked builds. */
struct uspace_lockdep {
#ifdef USPACE_CHECK_LOCKING
	const struct uspace_thread *holder;
#endif
};

#ifdef USPACE_CHECK_LOCKING
void uspace_lockdep_failed(const char *what, const char *file, int line);
#define uspace_lockdep_acquired(dep)	((dep)->holder = &uspace_self)
#define uspace_lockdep_released(dep)	((dep)->holder = NULL)
#define lockdep_assert_held(l)						\
	do {								\
		if ((l)->dep.holder != &uspace_self)			\
			uspace_lockdep_failed("lock not held", __FILE__, \
					      __LINE__);		\
	} while (0)
#define lockdep_assert_irqs_disabled()					\
	do {								\
		if (!uspace_self.irqs_off)				\
			uspace_lockdep_failed("IRQs on", __FILE__,	\
					      __LINE__);		\
	} while (0)
#else
#define uspace_lockdep_acquired(dep)	do { } while (0)
#define uspace_lockdep_released(dep)	do { } while (0)
#define lockdep_assert_held(l)		((void)(l))
#define lockdep_assert_irqs_disabled()	do { } while (0)
#endif

/* ---- spinlock_t ---- */

struct uspace_spinlock {
	pthread_mutex_t m;
	struct uspace_lockdep dep;
};

#define spinlock_t		struct uspace_spinlock
#define __SPIN_LOCK_UNLOCKED(name)					\
	{ .m = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP }
#define DEFINE_SPINLOCK(name)						\
	spinlock_t name = { .m = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP }

void spin_lock_init(spinlock_t *lock);

static inline void spin_lock(spinlock_t *lock)
{
	preempt_disable();
	pthread_mutex_lock(&lock->m);
	uspace_lockdep_acquired(&lock->dep);
}

static inline void spin_unlock(spinlock_t *lock)
{
	uspace_lockdep_released(&lock->dep);
	pthread_mutex_unlock(&lock->m);
	preempt_enable();
}

static inline int spin_trylock(spinlock_t *lock)
{
	preempt_disable();
	if (!pthread_mutex_trylock(&lock->m)) {
		uspace_lockdep_acquired(&lock->dep);
		return 1;
	}
	preempt_enable();
	return 0;
}

static inline void spin_lock_irq(spinlock_t *lock)
{
	local_irq_disable();
	spin_lock(lock);
}

static inline void spin_unlock_irq(spinlock_t *lock)
{
	spin_unlock(lock);
	local_irq_enable();
}

#define spin_lock_bh(lock)		spin_lock(lock)
#define spin_unlock_bh(lock)		spin_unlock(lock)
#define spin_lock_irqsave(lock, flags)					\
	do { local_irq_save(flags); spin_lock(lock); } while (0)
#define spin_unlock_irqrestore(lock, flags)				\
	do { spin_unlock(lock); local_irq_restore(flags); } while (0)

/* raw_spinlock_t differs from spinlock_t only on PREEMPT_RT. */
#define raw_spinlock_t			spinlock_t
#define DEFINE_RAW_SPINLOCK(name)	DEFINE_SPINLOCK(name)
#define raw_spin_lock_init(lock)	spin_lock_init(lock)
#define raw_spin_lock(lock)		spin_lock(lock)
#define raw_spin_unlock(lock)		spin_unlock(lock)
#define raw_spin_trylock(lock)		spin_trylock(lock)
#define raw_spin_lock_irq(lock)		spin_lock_irq(lock)
#define raw_spin_unlock_irq(lock)	spin_unlock_irq(lock)
#define raw_spin_lock_irqsave(lock, flags)	spin_lock_irqsave(lock, flags)
#define raw_spin_unlock_irqrestore(lock, flags)				\
	spin_unlock_irqrestore(lock, flags)

/* ---- struct mutex ---- */

struct mutex {
	pthread_mutex_t m;
	struct uspace_lockdep dep;
};

#define __MUTEX_INITIALIZER(name)	{ .m = PTHREAD_MUTEX_INITIALIZER }
#define DEFINE_MUTEX(name)						\
	struct mutex name = { .m = PTHREAD_MUTEX_INITIALIZER }

void mutex_init(struct mutex *lock);

static inline void mutex_lock(struct mutex *lock)
{
	might_sleep();
	pthread_mutex_lock(&lock->m);
	uspace_lockdep_acquired(&lock->dep);
}

static inline int mutex_lock_killable(struct mutex *lock)
{
	mutex_lock(lock);
	return 0;
}

static inline int mutex_trylock(struct mutex *lock)
{
	if (pthread_mutex_trylock(&lock->m))
		return 0;
	uspace_lockdep_acquired(&lock->dep);
	return 1;
}

static inline void mutex_unlock(struct mutex *lock)
{
	uspace_lockdep_released(&lock->dep);
	pthread_mutex_unlock(&lock->m);
}

/* ---- CPU hotplug lock and module parameter lock ---- */

/*
 * cpus_read_lock() keeps CPUs from going away; no CPU goes away here,
 * but the lock is real so that what it orders stays ordered.
 */
void cpus_read_lock(void);
void cpus_read_unlock(void);

/* ---- RCU (rcupdate.h) ---- */

/*
 * A read-side section is a section that owns the CPU (cpu.h), and a
 * grace period waits until every CPU has been out of its sections once.
 * call_rcu() hands the callback to the workqueue's worker, which waits
 * for a grace period and calls it.
 */
struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

typedef void (*rcu_callback_t)(struct rcu_head *head);

#define rcu_read_lock()		preempt_disable()
#define rcu_read_unlock()	preempt_enable()
#define rcu_read_lock_held()	uspace_owns_cpu()
#define rcu_dereference(p)	__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define rcu_dereference_raw(p)	rcu_dereference(p)
#define rcu_dereference_protected(p, c)	(p)
#define rcu_access_pointer(p)	READ_ONCE(p)
#define rcu_assign_pointer(p, v)					\
	__atomic_store_n(&(p), (__typeof__(p))(v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)	WRITE_ONCE(p, v)

void synchronize_rcu(void);
void call_rcu(struct rcu_head *head, rcu_callback_t func);
void rcu_barrier(void);

#endif /* _USPACE_LOCK_H */
