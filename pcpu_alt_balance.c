// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt background work: keep between empty_pages_low and
 * empty_pages_high empty populated pages ready for non-blocking
 * allocations, give back empty pages beyond the high mark, and destroy
 * fully free chunks beyond one spare.
 *
 * It runs from the system workqueue: at once when an allocation failed or
 * left too few empty pages (any allocation, a cache refill included, as
 * the stock allocator does), a second later when a free left too many or a
 * second fully free chunk; and synchronously from pcpu_alt_balance_now().
 * Each step takes pcpu_alt_mutex; the chunk work itself is in
 * pcpu_alt_chunk.c.
 *
 * A kick is cheap once made: it sets a bit saying what it wants, and only
 * the kick that sets it queues the work, which clears the bits when it
 * starts.  Allocations that keep finding the reserve low while the work is
 * on its way therefore read one shared word and write nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "pcpu_alt_internal.h"
#include "pcpu_alt_chunk.h"
#include "pcpu_alt_trace.h"

static void balance_workfn(struct work_struct *work);
static DECLARE_DELAYED_WORK(balance_work, balance_workfn);

/*
 * Memory to give back waits this long first: frees often come in bursts
 * that the next allocations undo, and giving pages back costs a TLB flush
 * on every CPU, which the allocation that wants them again pays for.
 */
#define PCPU_ALT_BALANCE_LAZY_MS	1000
/*
 * The work may be queued only between pcpu_alt_balance_start(), once the
 * chunk layer and the caches exist, and pcpu_alt_balance_stop() (unload,
 * or an init that failed): before, a kick (a parameter write while the
 * module initialises) would run the work against slot lists that do not
 * exist yet.  Both flags are changed and read under balance_kick_lock.
 */
static bool balance_started;
static bool balance_stopped;
static DEFINE_SPINLOCK(balance_kick_lock);
/* Watermark writes take effect at once (after load-time checks). */
static bool watermarks_live;

/*
 * What the kicks since the work last started asked for: bits of
 * BALANCE_KICK_*, set by kicks, taken (and cleared) by the work.
 */
static unsigned long balance_kicks;
#define BALANCE_KICK_POPULATE	0	/* the reserve is low: now */

/*
 * Watermark bounds: pages per unit the background work may keep ready.
 * Never more than one unit holds: a reserve spread over several chunks
 * would have the work destroy and rebuild chunks to keep it.
 */
#define PCPU_ALT_MAX_WATERMARK	4096
#define PCPU_ALT_DEFAULT_LOW	2
#define PCPU_ALT_DEFAULT_HIGH	4

static unsigned int empty_pages_low = PCPU_ALT_DEFAULT_LOW;
static unsigned int empty_pages_high = PCPU_ALT_DEFAULT_HIGH;

/* The highest watermark accepted now. */
static unsigned int max_watermark(void)
{
	if (!watermarks_live)
		return PCPU_ALT_MAX_WATERMARK;
	return min_t(unsigned int, PCPU_ALT_MAX_WATERMARK,
		     pcpu_alt_layout.unit_pages);
}

static int watermark_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v, low, high;
	int err = kstrtouint(val, 0, &v);

	if (err)
		return err;
	if (v > max_watermark())
		return -ERANGE;
	if (!watermarks_live) {		/* load time: checked in init */
		*(unsigned int *)kp->arg = v;
		return 0;
	}
	pcpu_alt_lock();
	low = kp->arg == &empty_pages_low ? v : empty_pages_low;
	high = kp->arg == &empty_pages_high ? v : empty_pages_high;
	if (low <= high)
		WRITE_ONCE(*(unsigned int *)kp->arg, v);
	pcpu_alt_unlock();
	if (low > high)
		return -EINVAL;
	pcpu_alt_balance_kick();
	return 0;
}

static const struct kernel_param_ops watermark_ops = {
	.set = watermark_set,
	.get = param_get_uint,
};

module_param_cb(empty_pages_low, &watermark_ops, &empty_pages_low, 0644);
MODULE_PARM_DESC(empty_pages_low, "populate when fewer empty populated pages than this are ready (at most one unit's pages)");
module_param_cb(empty_pages_high, &watermark_ops, &empty_pages_high, 0644);
MODULE_PARM_DESC(empty_pages_high, "depopulate empty pages beyond this many (at most one unit's pages)");

unsigned int pcpu_alt_empty_low(void)
{
	return READ_ONCE(empty_pages_low);
}

unsigned int pcpu_alt_empty_high(void)
{
	return READ_ONCE(empty_pages_high);
}

/**
 * pcpu_alt_balance_init() - check the watermarks given at load
 *
 * CONTEXT: module init, after the layout is chosen.
 * RETURNS: 0, or -EINVAL when empty_pages_low is above empty_pages_high or
 * either is above the pages of one unit.
 */
int pcpu_alt_balance_init(void)
{
	unsigned int pages = pcpu_alt_layout.unit_pages;

	if (empty_pages_low > empty_pages_high) {
		pr_err("empty_pages_low=%u above empty_pages_high=%u\n",
		       empty_pages_low, empty_pages_high);
		return -EINVAL;
	}
	if (empty_pages_high > pages) {
		pr_err("empty_pages_high=%u above the %u pages of one unit\n",
		       empty_pages_high, pages);
		return -EINVAL;
	}
	watermarks_live = true;
	return 0;
}

/**
 * pcpu_alt_balance_set_watermarks() - set both watermarks at once
 * @low: populate below this many empty populated pages
 * @high: depopulate beyond this many; @low <= @high <= the pages of one
 *        unit (and 4096)
 *
 * CONTEXT: process context, may sleep.
 * RETURNS: 0 or -EINVAL (nothing changed).
 */
int pcpu_alt_balance_set_watermarks(unsigned int low, unsigned int high)
{
	if (low > high || high > max_watermark())
		return -EINVAL;
	pcpu_alt_lock();
	WRITE_ONCE(empty_pages_low, low);
	WRITE_ONCE(empty_pages_high, high);
	pcpu_alt_unlock();
	pcpu_alt_balance_kick();
	return 0;
}

/**
 * pcpu_alt_balance_has_excess() - is there memory to give back (a second
 * fully free chunk, or empty pages beyond the high mark)?
 *
 * Reads the counters without a lock: a heuristic for when to kick.
 *
 * CONTEXT: any.
 */
bool pcpu_alt_balance_has_excess(void)
{
	return pcpu_alt_nr_free_chunks() > 1 ||
	       (!pcpu_alt_km_backend &&
		pcpu_alt_nr_empty_pop_pages() > pcpu_alt_empty_high());
}

/**
 * pcpu_alt_balance_below_low() - are fewer empty pages ready than wanted?
 *
 * CONTEXT: any (a lockless heuristic, as above).
 */
bool pcpu_alt_balance_below_low(void)
{
	return pcpu_alt_nr_empty_pop_pages() < pcpu_alt_empty_low();
}

/*
 * One run, in steps that each take pcpu_alt_mutex on their own (one chunk,
 * one page), so that an allocation waiting to back a page waits for one
 * step, not for the run.  Chunks are freed outside the mutex.  The reserve
 * is refilled only when @populate: a run asked for to give memory back
 * backs no page.
 */
static void balance_steps(bool populate)
{
	bool traced = trace_pcpu_alt_balance_enabled();
	struct pcpu_alt_stats before, after;
	LIST_HEAD(doomed);
	int excess, n;

	if (traced)
		pcpu_alt_chunks_stats(&before);
	pcpu_alt_lock();
	pcpu_alt_count_balance_run();
	pcpu_alt_chunks_pick_spare(pcpu_alt_empty_high(), &doomed);
	pcpu_alt_unlock();
	pcpu_alt_chunks_free_doomed(&doomed);

	while (!pcpu_alt_km_backend) {
		excess = (int)pcpu_alt_nr_empty_pop_pages() -
			 (int)pcpu_alt_empty_high();
		if (excess <= 0)
			break;
		pcpu_alt_lock();
		n = pcpu_alt_chunks_depopulate_step(excess);
		pcpu_alt_unlock();
		if (n <= 0)
			break;
	}

	/* Below the low mark, populate up to the high mark. */
	if (populate && pcpu_alt_nr_empty_pop_pages() < pcpu_alt_empty_low()) {
		while (pcpu_alt_nr_empty_pop_pages() < pcpu_alt_empty_high()) {
			pcpu_alt_lock();
			n = pcpu_alt_chunks_populate_one(GFP_KERNEL);
			pcpu_alt_unlock();
			if (n)
				break;
		}
	}
	if (traced) {
		pcpu_alt_chunks_stats(&after);
		trace_pcpu_alt_balance(&before, &after);
	}
	pcpu_alt_test_point(PCPU_ALT_TEST_BALANCE_END, NULL);
}

static void balance_workfn(struct work_struct *work)
{
	/* Kicks from now on queue the work again. */
	unsigned long kicks = xchg(&balance_kicks, 0);

	balance_steps(kicks & BIT(BALANCE_KICK_POPULATE));
}

/* Queue a run after @delay jiffies, sooner if one is queued already. */
static void balance_queue(unsigned long delay)
{
	unsigned long flags;

	/*
	 * A lazy run already queued will do: frees that keep finding memory
	 * to give back must not all take the kick lock (a shared lock on
	 * every free).  Racy on purpose: a run queued just after this look
	 * also does.
	 */
	if (delay && delayed_work_pending(&balance_work))
		return;
	spin_lock_irqsave(&balance_kick_lock, flags);
	if (balance_started && !balance_stopped) {
		if (delay)
			schedule_delayed_work(&balance_work, delay);
		else
			mod_delayed_work(system_wq, &balance_work, 0);
	}
	spin_unlock_irqrestore(&balance_kick_lock, flags);
}

/**
 * pcpu_alt_balance_kick() - ask for a background run now, the reserve
 * refilled
 *
 * For a reserve that runs low.  Once asked, until the run starts, a kick
 * reads one word and writes nothing.
 *
 * CONTEXT: any.
 */
void pcpu_alt_balance_kick(void)
{
	if (READ_ONCE(balance_kicks) & BIT(BALANCE_KICK_POPULATE) ||
	    test_and_set_bit(BALANCE_KICK_POPULATE, &balance_kicks))
		return;
	balance_queue(0);
}

/**
 * pcpu_alt_balance_give_back() - ask for a background run now that only
 * gives memory back
 *
 * For memory pressure (the shrinker) and for caches just drained: the run
 * gives back empty pages beyond the high mark and surplus free chunks, and
 * backs no page, whatever the reserve.
 *
 * CONTEXT: any.
 */
void pcpu_alt_balance_give_back(void)
{
	balance_queue(0);
}

/**
 * pcpu_alt_balance_kick_lazy() - ask for a background run a bit later
 *
 * For memory to give back: see PCPU_ALT_BALANCE_LAZY_MS.
 *
 * CONTEXT: any.
 */
void pcpu_alt_balance_kick_lazy(void)
{
	balance_queue(msecs_to_jiffies(PCPU_ALT_BALANCE_LAZY_MS));
}

/**
 * pcpu_alt_balance_start() - let kicks queue the work from now on
 *
 * Kicks before this (parameter writes while the module initialises) are
 * dropped; the watermarks they set are kept.
 *
 * CONTEXT: module init, once the chunk layer and the caches exist.
 */
void pcpu_alt_balance_start(void)
{
	spin_lock_irq(&balance_kick_lock);
	balance_started = true;
	spin_unlock_irq(&balance_kick_lock);
	/* A kick dropped before this would keep later ones from queuing. */
	if (READ_ONCE(balance_kicks))
		balance_queue(0);
}

/**
 * pcpu_alt_balance_stop() - stop the background work for good (unload, or
 * an init that failed)
 *
 * CONTEXT: process context, may sleep.
 */
void pcpu_alt_balance_stop(void)
{
	spin_lock_irq(&balance_kick_lock);
	balance_stopped = true;
	spin_unlock_irq(&balance_kick_lock);
	cancel_delayed_work_sync(&balance_work);
}

/**
 * pcpu_alt_balance_run() - run the background work now and wait for it
 *
 * A run already queued or under way finishes first, chunks it took away
 * freed: afterwards nothing of a run is left in flight.
 *
 * CONTEXT: process context, may sleep; not from the work itself.
 */
void pcpu_alt_balance_run(void)
{
	flush_delayed_work(&balance_work);
	balance_steps(true);
}
