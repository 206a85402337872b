// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt background work: keep between empty_pages_low and
 * empty_pages_high empty populated pages ready for non-blocking
 * allocations, give back empty pages beyond the high mark, and destroy
 * fully free chunks beyond one spare.
 *
 * It runs from the system workqueue when kicked (a non-blocking allocation
 * that failed or left too few empty pages, a free that left too many or a
 * second fully free chunk) and synchronously from pcpu_alt_balance_now().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "pcpu_alt_internal.h"
#include "pcpu_alt_chunk.h"
#include "pcpu_alt_trace.h"

static void balance_workfn(struct work_struct *work);
static DECLARE_WORK(balance_work, balance_workfn);
/* Set at unload so nothing queues the work again (pcpu_alt_lock). */
static bool balance_stopped;
/* Watermark writes take effect at once (after load-time checks). */
static bool watermarks_live;

/* Watermark bounds: pages per unit the background work may keep ready. */
#define PCPU_ALT_MAX_WATERMARK	4096
#define PCPU_ALT_DEFAULT_LOW	2
#define PCPU_ALT_DEFAULT_HIGH	4

static unsigned int empty_pages_low = PCPU_ALT_DEFAULT_LOW;
static unsigned int empty_pages_high = PCPU_ALT_DEFAULT_HIGH;

static int watermark_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v, low, high;
	int err = kstrtouint(val, 0, &v);

	if (err)
		return err;
	if (v > PCPU_ALT_MAX_WATERMARK)
		return -ERANGE;
	if (!watermarks_live) {		/* load time: checked in init */
		*(unsigned int *)kp->arg = v;
		return 0;
	}
	mutex_lock(&pcpu_alt_mutex);
	low = kp->arg == &empty_pages_low ? v : empty_pages_low;
	high = kp->arg == &empty_pages_high ? v : empty_pages_high;
	if (low <= high)
		WRITE_ONCE(*(unsigned int *)kp->arg, v);
	mutex_unlock(&pcpu_alt_mutex);
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
MODULE_PARM_DESC(empty_pages_low, "populate when fewer empty populated pages than this are ready");
module_param_cb(empty_pages_high, &watermark_ops, &empty_pages_high, 0644);
MODULE_PARM_DESC(empty_pages_high, "depopulate empty pages beyond this many");

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
 * CONTEXT: module init.
 * RETURNS: 0, or -EINVAL when empty_pages_low is above empty_pages_high.
 */
int pcpu_alt_balance_init(void)
{
	if (empty_pages_low > empty_pages_high) {
		pr_err("empty_pages_low=%u above empty_pages_high=%u\n",
		       empty_pages_low, empty_pages_high);
		return -EINVAL;
	}
	watermarks_live = true;
	return 0;
}

/**
 * pcpu_alt_balance_set_watermarks() - set both watermarks at once
 * @low: populate below this many empty populated pages
 * @high: depopulate beyond this many; @low <= @high <= 4096
 *
 * CONTEXT: process context, may sleep.
 * RETURNS: 0 or -EINVAL (nothing changed).
 */
int pcpu_alt_balance_set_watermarks(unsigned int low, unsigned int high)
{
	if (low > high || high > PCPU_ALT_MAX_WATERMARK)
		return -EINVAL;
	mutex_lock(&pcpu_alt_mutex);
	WRITE_ONCE(empty_pages_low, low);
	WRITE_ONCE(empty_pages_high, high);
	mutex_unlock(&pcpu_alt_mutex);
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

/* Move every fully free chunk but one to @doomed. */
static void pick_spare_chunks(struct list_head *doomed)
{
	struct list_head *free_list = &pcpu_alt_slots[pcpu_alt_free_slot()];
	struct pcpu_alt_chunk *chunk, *next;
	bool keep = true;

	list_for_each_entry_safe(chunk, next, free_list, list) {
		if (keep) {
			keep = false;
			continue;
		}
		pcpu_alt_chunk_isolate(chunk);
		list_add(&chunk->list, doomed);
	}
}

static void destroy_spare_chunks(void)
{
	struct pcpu_alt_chunk *chunk, *next;
	LIST_HEAD(doomed);

	spin_lock_irq(&pcpu_alt_lock);
	pick_spare_chunks(&doomed);
	spin_unlock_irq(&pcpu_alt_lock);
	list_for_each_entry_safe(chunk, next, &doomed, list) {
		list_del(&chunk->list);
		pcpu_alt_chunk_destroy(chunk);
	}
}

/* The emptiest chunk that has empty populated pages. */
static struct pcpu_alt_chunk *emptiest_with_empty_pages(void)
{
	struct pcpu_alt_chunk *chunk;
	int slot;

	for (slot = pcpu_alt_free_slot(); slot >= 0; slot--)
		list_for_each_entry(chunk, &pcpu_alt_slots[slot], list)
			if (chunk->nr_empty_pop)
				return chunk;
	return NULL;
}

static void depopulate_excess(void)
{
	int pages = pcpu_alt_layout.unit_pages, excess;
	struct pcpu_alt_chunk *chunk;
	unsigned long *batch;

	batch = bitmap_zalloc(pages, GFP_KERNEL);
	if (!batch)
		return;
	for (;;) {
		spin_lock_irq(&pcpu_alt_lock);
		excess = (int)pcpu_alt_nr_empty_pop_pages() -
			 (int)pcpu_alt_empty_high();
		chunk = excess > 0 ? emptiest_with_empty_pages() : NULL;
		if (chunk)
			pcpu_alt_chunk_isolate_empty(chunk, batch, excess);
		spin_unlock_irq(&pcpu_alt_lock);
		if (!chunk)
			break;
		pcpu_alt_region_depopulate(chunk->base, batch, pages);
		bitmap_zero(batch, pages);
	}
	bitmap_free(batch);
}

/* The fullest chunk with an unpopulated page; its index in @page. */
static struct pcpu_alt_chunk *fullest_with_unpopulated(int *page)
{
	int pages = pcpu_alt_layout.unit_pages, slot;
	struct pcpu_alt_chunk *chunk;

	for (slot = 0; slot < pcpu_alt_nr_slots; slot++) {
		list_for_each_entry(chunk, &pcpu_alt_slots[slot], list) {
			*page = find_first_zero_bit(chunk->populated, pages);
			if (*page < pages)
				return chunk;
		}
	}
	return NULL;
}

/*
 * Below the low mark, populate up to the high mark.  With pcpu_alt_mutex
 * held no blocking allocation is in flight, so unpopulated pages are empty.
 */
static void populate_reserve(void)
{
	struct pcpu_alt_chunk *chunk;
	const char *why;
	int page;

	if (pcpu_alt_nr_empty_pop_pages() >= pcpu_alt_empty_low())
		return;
	while (pcpu_alt_nr_empty_pop_pages() < pcpu_alt_empty_high()) {
		spin_lock_irq(&pcpu_alt_lock);
		chunk = fullest_with_unpopulated(&page);
		spin_unlock_irq(&pcpu_alt_lock);
		if (!chunk) {
			if (!pcpu_alt_chunk_create(&why))
				break;
			continue;
		}
		if (pcpu_alt_region_populate(chunk->base, page))
			break;
		spin_lock_irq(&pcpu_alt_lock);
		pcpu_alt_chunk_mark_populated(chunk, page);
		spin_unlock_irq(&pcpu_alt_lock);
	}
}

static void balance_locked(void)
{
	bool traced = trace_pcpu_alt_balance_enabled();
	struct pcpu_alt_stats before, after;

	lockdep_assert_held(&pcpu_alt_mutex);
	if (traced)
		pcpu_alt_chunks_stats(&before);
	spin_lock_irq(&pcpu_alt_lock);
	pcpu_alt_count_balance_run();
	spin_unlock_irq(&pcpu_alt_lock);
	destroy_spare_chunks();
	if (!pcpu_alt_km_backend)
		depopulate_excess();
	populate_reserve();
	if (traced) {
		pcpu_alt_chunks_stats(&after);
		trace_pcpu_alt_balance(&before, &after);
	}
}

static void balance_workfn(struct work_struct *work)
{
	mutex_lock(&pcpu_alt_mutex);
	balance_locked();
	mutex_unlock(&pcpu_alt_mutex);
}

/**
 * pcpu_alt_balance_kick() - ask for a background run
 *
 * CONTEXT: any.
 */
void pcpu_alt_balance_kick(void)
{
	unsigned long flags;

	spin_lock_irqsave(&pcpu_alt_lock, flags);
	if (!balance_stopped)
		schedule_work(&balance_work);
	spin_unlock_irqrestore(&pcpu_alt_lock, flags);
}

/**
 * pcpu_alt_balance_stop() - stop the background work for good (unload)
 *
 * CONTEXT: process context, may sleep.
 */
void pcpu_alt_balance_stop(void)
{
	spin_lock_irq(&pcpu_alt_lock);
	balance_stopped = true;
	spin_unlock_irq(&pcpu_alt_lock);
	cancel_work_sync(&balance_work);
}

/**
 * pcpu_alt_balance_run() - run the background work now and wait for it
 *
 * CONTEXT: process context, may sleep.
 */
void pcpu_alt_balance_run(void)
{
	mutex_lock(&pcpu_alt_mutex);
	balance_locked();
	mutex_unlock(&pcpu_alt_mutex);
}
