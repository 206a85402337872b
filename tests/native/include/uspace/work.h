/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stub layer, part 7: time and deferred work.
 *
 * jiffies: the kernel's tick counter at HZ (250 on Debian's kernels); here
 * computed from CLOCK_MONOTONIC on every read.
 *
 * Workqueues: the kernel runs work items in worker threads, later, on the
 * CPU that queued them (a delayed item when its timer fires).  Here one
 * worker thread runs every item of every queue in order, each as the CPU
 * that queued it (cpu.h), so the background work of both allocators runs
 * beside the callers as in the kernel, never inline.  An item runs at
 * most once at a time and is pending until it starts, as in the kernel.
 * The worker also runs call_rcu() callbacks after a grace period.
 */
#ifndef _USPACE_WORK_H
#define _USPACE_WORK_H

#include <linux/list.h>
#include <uspace/lock.h>

/* ---- time (jiffies.h) ---- */

#define HZ			250
#define MAX_JIFFY_OFFSET	((LONG_MAX >> 1) - 1)

unsigned long uspace_jiffies(void);
#define jiffies			uspace_jiffies()

static inline unsigned long msecs_to_jiffies(unsigned int ms)
{
	return DIV_ROUND_UP((unsigned long)ms * HZ, 1000);
}

static inline unsigned int jiffies_to_msecs(unsigned long j)
{
	return j * (1000 / HZ);
}

#define time_after(a, b)	((long)((b) - (a)) < 0)
#define time_before(a, b)	time_after(b, a)

void msleep(unsigned int msecs);
void usleep_range(unsigned long min, unsigned long max);
u64 ktime_get_ns(void);

/* ---- work items (workqueue.h) ---- */

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

/*
 * @entry and the state below are the worker's (its lock): @pending from
 * queueing until the item starts, @cpu the CPU that queued it.
 */
struct work_struct {
	work_func_t func;
	struct list_head entry;
	bool pending;
	unsigned int cpu;
};

/* A work item with a timer: @expires in jiffies while @timer_on. */
struct delayed_work {
	struct work_struct work;
	struct list_head timer_entry;
	unsigned long expires;
	bool timer_on;
};

struct workqueue_struct {
	const char *name;
};

extern struct workqueue_struct *system_wq;
extern struct workqueue_struct *system_unbound_wq;

/* The list links are written when an item is queued: no set-up needed. */
#define __WORK_INITIALIZER(n, f)		{ .func = (f) }
#define __DELAYED_WORK_INITIALIZER(n, f, flags)	{ .work = { .func = (f) } }
#define DECLARE_WORK(n, f)	struct work_struct n = { .func = (f) }
#define DECLARE_DELAYED_WORK(n, f)					\
	struct delayed_work n = { .work = { .func = (f) } }

void INIT_WORK(struct work_struct *work, work_func_t func);
void INIT_DELAYED_WORK(struct delayed_work *dwork, work_func_t func);

bool queue_work(struct workqueue_struct *wq, struct work_struct *work);
bool queue_delayed_work(struct workqueue_struct *wq,
			struct delayed_work *dwork, unsigned long delay);
bool mod_delayed_work(struct workqueue_struct *wq, struct delayed_work *dwork,
		      unsigned long delay);
bool cancel_work_sync(struct work_struct *work);
bool cancel_delayed_work_sync(struct delayed_work *dwork);
bool flush_work(struct work_struct *work);
bool flush_delayed_work(struct delayed_work *dwork);
bool work_pending(const struct work_struct *work);

#define schedule_work(w)		queue_work(system_wq, w)
#define schedule_delayed_work(w, d)	queue_delayed_work(system_wq, w, d)
#define delayed_work_pending(w)		work_pending(&(w)->work)
#define to_delayed_work(w)	container_of(w, struct delayed_work, work)

/* ---- harness side ---- */

int uspace_workqueue_start(void);
/* Run every item queued or due now, and wait until none runs. */
void uspace_workqueue_drain(void);
void uspace_workqueue_stop(void);

#endif /* _USPACE_WORK_H */
