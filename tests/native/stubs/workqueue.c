// SPDX-License-Identifier: GPL-2.0
/*
 * Stub layer: time, the workqueue worker and deferred RCU callbacks
 * (uspace/work.h says what is modelled).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <uspace/kernel.h>

static struct workqueue_struct system_wq_struct = { "events" };
static struct workqueue_struct system_unbound_wq_struct = { "events_unbound" };
struct workqueue_struct *system_wq = &system_wq_struct;
struct workqueue_struct *system_unbound_wq = &system_unbound_wq_struct;

/*
 * The worker's state, all under @wq_lock: items ready to run in order,
 * delayed items waiting for their time, the item running, call_rcu()
 * callbacks waiting for a grace period.  @wq_more wakes the worker,
 * @wq_done wakes those waiting for an item to finish.
 */
static pthread_mutex_t wq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wq_more = PTHREAD_COND_INITIALIZER;
static pthread_cond_t wq_done = PTHREAD_COND_INITIALIZER;
static LIST_HEAD(wq_ready);
static LIST_HEAD(wq_timers);
static struct work_struct *wq_running;
static struct rcu_head *rcu_waiting;
static unsigned long rcu_batches_done, rcu_batches_queued;
static bool wq_stopping, wq_started;
static pthread_t wq_thread;

/* ---- time ---- */

u64 ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

unsigned long uspace_jiffies(void)
{
	return ktime_get_ns() / (1000000000ULL / HZ);
}

void msleep(unsigned int msecs)
{
	struct timespec ts = {
		.tv_sec = msecs / 1000,
		.tv_nsec = (long)(msecs % 1000) * 1000000L,
	};

	might_sleep();
	while (nanosleep(&ts, &ts))
		;
}

void usleep_range(unsigned long min, unsigned long max)
{
	struct timespec ts = {
		.tv_sec = min / 1000000,
		.tv_nsec = (long)(min % 1000000) * 1000L,
	};

	might_sleep();
	while (nanosleep(&ts, &ts))
		;
}

/* ---- work items ---- */

void INIT_WORK(struct work_struct *work, work_func_t func)
{
	memset(work, 0, sizeof(*work));
	work->func = func;
	INIT_LIST_HEAD(&work->entry);
}

void INIT_DELAYED_WORK(struct delayed_work *dwork, work_func_t func)
{
	memset(dwork, 0, sizeof(*dwork));
	INIT_WORK(&dwork->work, func);
	INIT_LIST_HEAD(&dwork->timer_entry);
}

bool work_pending(const struct work_struct *work)
{
	return __atomic_load_n(&work->pending, __ATOMIC_ACQUIRE);
}

/* Mark @work pending and queue it now; wq_lock held. */
static void queue_now(struct work_struct *work)
{
	__atomic_store_n(&work->pending, true, __ATOMIC_RELEASE);
	list_add_tail(&work->entry, &wq_ready);
	pthread_cond_signal(&wq_more);
}

bool queue_work(struct workqueue_struct *wq, struct work_struct *work)
{
	bool queued = false;

	pthread_mutex_lock(&wq_lock);
	if (!work->pending) {
		work->cpu = smp_processor_id();
		queue_now(work);
		queued = true;
	}
	pthread_mutex_unlock(&wq_lock);
	return queued;
}

/* Queue @dwork to run @delay jiffies from now; wq_lock held. */
static void queue_after(struct delayed_work *dwork, unsigned long delay)
{
	dwork->work.cpu = smp_processor_id();
	if (!delay) {
		queue_now(&dwork->work);
		return;
	}
	__atomic_store_n(&dwork->work.pending, true, __ATOMIC_RELEASE);
	dwork->expires = jiffies + delay;
	dwork->timer_on = true;
	list_add_tail(&dwork->timer_entry, &wq_timers);
	pthread_cond_signal(&wq_more);
}

bool queue_delayed_work(struct workqueue_struct *wq,
			struct delayed_work *dwork, unsigned long delay)
{
	bool queued = false;

	pthread_mutex_lock(&wq_lock);
	if (!dwork->work.pending) {
		queue_after(dwork, delay);
		queued = true;
	}
	pthread_mutex_unlock(&wq_lock);
	return queued;
}

/* Take a pending @work off the lists; wq_lock held.  Was it pending? */
static bool unqueue(struct work_struct *work, struct delayed_work *dwork)
{
	if (!work->pending)
		return false;
	if (dwork && dwork->timer_on) {
		list_del_init(&dwork->timer_entry);
		dwork->timer_on = false;
	} else {
		list_del_init(&work->entry);
	}
	__atomic_store_n(&work->pending, false, __ATOMIC_RELEASE);
	return true;
}

bool mod_delayed_work(struct workqueue_struct *wq, struct delayed_work *dwork,
		      unsigned long delay)
{
	bool was_pending;

	pthread_mutex_lock(&wq_lock);
	was_pending = unqueue(&dwork->work, dwork);
	queue_after(dwork, delay);
	pthread_mutex_unlock(&wq_lock);
	return was_pending;
}

/* Wait until @work is neither pending nor running; wq_lock held. */
static void wait_idle(struct work_struct *work)
{
	while (work->pending || wq_running == work)
		pthread_cond_wait(&wq_done, &wq_lock);
}

static bool cancel_sync(struct work_struct *work, struct delayed_work *dwork)
{
	bool was_pending;

	might_sleep();
	pthread_mutex_lock(&wq_lock);
	was_pending = unqueue(work, dwork);
	wait_idle(work);
	pthread_mutex_unlock(&wq_lock);
	return was_pending;
}

bool cancel_work_sync(struct work_struct *work)
{
	return cancel_sync(work, NULL);
}

bool cancel_delayed_work_sync(struct delayed_work *dwork)
{
	return cancel_sync(&dwork->work, dwork);
}

static bool flush(struct work_struct *work, struct delayed_work *dwork)
{
	bool waited;

	might_sleep();
	pthread_mutex_lock(&wq_lock);
	/* A delayed item's timer fires now. */
	if (dwork && dwork->timer_on) {
		list_del_init(&dwork->timer_entry);
		dwork->timer_on = false;
		queue_now(work);
	}
	waited = work->pending || wq_running == work;
	wait_idle(work);
	pthread_mutex_unlock(&wq_lock);
	return waited;
}

bool flush_work(struct work_struct *work)
{
	return flush(work, NULL);
}

bool flush_delayed_work(struct delayed_work *dwork)
{
	return flush(&dwork->work, dwork);
}

/* ---- RCU callbacks ---- */

void call_rcu(struct rcu_head *head, rcu_callback_t func)
{
	head->func = func;
	pthread_mutex_lock(&wq_lock);
	head->next = rcu_waiting;
	rcu_waiting = head;
	rcu_batches_queued++;
	pthread_cond_signal(&wq_more);
	pthread_mutex_unlock(&wq_lock);
}

/* Wait until every callback queued before the call has run. */
void rcu_barrier(void)
{
	unsigned long want;

	might_sleep();
	pthread_mutex_lock(&wq_lock);
	want = rcu_batches_queued;
	while (rcu_batches_done < want)
		pthread_cond_wait(&wq_done, &wq_lock);
	pthread_mutex_unlock(&wq_lock);
}

/* ---- the worker ---- */

/* Move due timers to the ready list; the next expiry, or 0.  wq_lock held. */
static unsigned long fire_timers(void)
{
	struct delayed_work *dwork, *next;
	unsigned long now = jiffies, soonest = 0;

	list_for_each_entry_safe(dwork, next, &wq_timers, timer_entry) {
		if (time_after(dwork->expires, now)) {
			if (!soonest || time_before(dwork->expires, soonest))
				soonest = dwork->expires;
			continue;
		}
		list_del_init(&dwork->timer_entry);
		dwork->timer_on = false;
		list_add_tail(&dwork->work.entry, &wq_ready);
	}
	return soonest;
}

/* Sleep until woken or until jiffy @until (0: no timer); wq_lock held. */
static void worker_sleep(unsigned long until)
{
	struct timespec ts;
	u64 ns;

	if (!until) {
		pthread_cond_wait(&wq_more, &wq_lock);
		return;
	}
	ns = (u64)until * (1000000000ULL / HZ);
	ts.tv_sec = ns / 1000000000ULL;
	ts.tv_nsec = ns % 1000000000ULL;
	pthread_cond_timedwait(&wq_more, &wq_lock, &ts);
}

/* Wait a grace period, then call a batch of callbacks; wq_lock held. */
static void run_rcu_batch(void)
{
	struct rcu_head *head = rcu_waiting, *next;
	unsigned long batches = rcu_batches_queued;

	rcu_waiting = NULL;
	pthread_mutex_unlock(&wq_lock);
	synchronize_rcu();
	for (; head; head = next) {
		next = head->next;
		head->func(head);
	}
	pthread_mutex_lock(&wq_lock);
	rcu_batches_done = batches;
	pthread_cond_broadcast(&wq_done);
}

static void *worker(void *unused)
{
	struct work_struct *work;
	unsigned long soonest;
	unsigned int cpu;

	strscpy(current->comm, "kworker", sizeof(current->comm));
	pthread_mutex_lock(&wq_lock);
	for (;;) {
		soonest = fire_timers();
		if (rcu_waiting) {
			run_rcu_batch();
			continue;
		}
		if (list_empty(&wq_ready)) {
			if (wq_stopping)
				break;
			worker_sleep(soonest);
			continue;
		}
		work = list_first_entry(&wq_ready, struct work_struct, entry);
		list_del_init(&work->entry);
		__atomic_store_n(&work->pending, false, __ATOMIC_RELEASE);
		wq_running = work;
		/* Queued again while it runs, it may change @cpu: read it now. */
		cpu = work->cpu;
		pthread_mutex_unlock(&wq_lock);
		/* As the CPU that queued it; see uspace/cpu.h. */
		uspace_thread_set_cpu(cpu);
		work->func(work);
		pthread_mutex_lock(&wq_lock);
		wq_running = NULL;
		pthread_cond_broadcast(&wq_done);
	}
	pthread_mutex_unlock(&wq_lock);
	return NULL;
}

/**
 * uspace_workqueue_start() - start the worker thread
 *
 * RETURNS: 0 or a positive pthread error number.
 */
int uspace_workqueue_start(void)
{
	pthread_condattr_t attr;
	int err;

	/* Timed waits count in CLOCK_MONOTONIC, as jiffies do. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_destroy(&wq_more);
	pthread_cond_init(&wq_more, &attr);
	pthread_condattr_destroy(&attr);
	wq_stopping = false;
	err = pthread_create(&wq_thread, NULL, worker, NULL);
	wq_started = !err;
	return err;
}

/**
 * uspace_workqueue_drain() - fire every timer now and wait until no item
 * is queued or running (for tests that want a settled state)
 */
void uspace_workqueue_drain(void)
{
	struct delayed_work *dwork;

	might_sleep();
	pthread_mutex_lock(&wq_lock);
	while (!list_empty(&wq_timers) || !list_empty(&wq_ready) ||
	       wq_running || rcu_waiting) {
		/* Items may queue more with a delay: those fire now too. */
		list_for_each_entry(dwork, &wq_timers, timer_entry)
			dwork->expires = jiffies;
		pthread_cond_signal(&wq_more);
		pthread_cond_wait(&wq_done, &wq_lock);
	}
	pthread_mutex_unlock(&wq_lock);
}

/**
 * uspace_workqueue_stop() - run what is ready, then stop the worker
 *
 * Items still waiting for their timer are dropped.
 */
void uspace_workqueue_stop(void)
{
	if (!wq_started)
		return;
	pthread_mutex_lock(&wq_lock);
	wq_stopping = true;
	pthread_cond_signal(&wq_more);
	pthread_mutex_unlock(&wq_lock);
	pthread_join(wq_thread, NULL);
	wq_started = false;
}
