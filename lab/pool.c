// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt debugfs "pool": allocations made and freed on request, so tests
 * can create known allocation patterns from user space.  Its commands,
 * limits (65536 areas, 16 MiB per CPU), errors and output are in
 * docs/debugfs-abi.md.
 *
 * Besides the areas, the pool holds one entry (64 bytes) and one xarray
 * slot per area, all allocated with PCPU_ALT_LAB_GFP; the areas themselves
 * are allocated with __GFP_NORETRY, so a full machine fails them rather
 * than OOM.  Ids are never reused while the module is loaded; everything
 * still in the pool is freed at unload.
 *
 * Locking: pool_mutex protects the xarray, the id counter, pool_nr and
 * pool_bytes.  The per-CPU allocations and frees themselves run outside
 * it, so writers on several CPUs really allocate concurrently.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "lab.h"

#define POOL_MAX	65536
#define POOL_BATCH_MAX	4096
#define POOL_MAX_WORDS	5
/* Areas freed between two cond_resched(). */
#define POOL_RESCHED_EVERY	1024

/**
 * struct pool_entry - one area held by the pool
 * @ptr: what pcpu_alt_alloc() returned
 * @id: key in the pool xarray
 * @size: requested size
 * @align: requested alignment
 * @atomic: allocated without blocking
 * @list: on a private list while being freed
 */
struct pool_entry {
	void __percpu *ptr;
	unsigned long id;
	size_t size;
	size_t align;
	bool atomic;
	struct list_head list;
};

static DEFINE_XARRAY(pool);
static DEFINE_MUTEX(pool_mutex);
/* Next id (pool_mutex). */
static unsigned long pool_next_id;
/* Areas held or being allocated (pool_mutex). */
static unsigned int pool_nr;
/* Their bytes per CPU, sizes rounded up to the granule (pool_mutex). */
static u64 pool_bytes;

/* What an area of @size counts against the byte limit. */
static u64 pool_area_bytes(size_t size)
{
	return round_up(size, PCPU_ALT_LAB_GRANULE);
}

static void entry_free(struct pool_entry *e)
{
	pcpu_alt_free(e->ptr);
	kfree(e);
}

/* Count @count areas of @size against the limits, or -ENOSPC. */
static int pool_reserve(unsigned int count, size_t size)
{
	u64 bytes = count * pool_area_bytes(size);
	int err = 0;

	mutex_lock(&pool_mutex);
	if (pool_nr + count > POOL_MAX ||
	    pool_bytes + bytes > PCPU_ALT_LAB_MAX_LIVE_BYTES) {
		err = -ENOSPC;
	} else {
		pool_nr += count;
		pool_bytes += bytes;
	}
	mutex_unlock(&pool_mutex);
	return err;
}

static void pool_unreserve(unsigned int count, size_t size)
{
	mutex_lock(&pool_mutex);
	pool_nr -= count;
	pool_bytes -= count * pool_area_bytes(size);
	mutex_unlock(&pool_mutex);
}

/* Insert all of @e under fresh ids, or none of them. */
static int pool_insert(struct pool_entry **e, unsigned int count)
{
	unsigned int i, j;
	int err = 0;

	mutex_lock(&pool_mutex);
	for (i = 0; i < count; i++) {
		e[i]->id = pool_next_id + i;
		err = xa_insert(&pool, e[i]->id, e[i], PCPU_ALT_LAB_GFP);
		if (err)
			break;
	}
	if (err) {
		for (j = 0; j < i; j++)
			xa_erase(&pool, e[j]->id);
	} else {
		pool_next_id += count;
	}
	mutex_unlock(&pool_mutex);
	return err;
}

static int pool_alloc(unsigned int count, size_t size, size_t align,
		      bool atomic)
{
	gfp_t gfp = (atomic ? GFP_NOWAIT : GFP_KERNEL | __GFP_NORETRY) |
		    __GFP_NOWARN;
	struct pool_entry **e;
	unsigned int i;
	int err;

	err = pool_reserve(count, size);
	if (err)
		return err;
	err = -ENOMEM;
	e = kvcalloc(count, sizeof(*e), PCPU_ALT_LAB_GFP);
	if (!e)
		goto unreserve;
	for (i = 0; i < count; i++) {
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			goto undo;
		}
		e[i] = kzalloc(sizeof(*e[i]), PCPU_ALT_LAB_GFP);
		if (!e[i])
			goto undo;
		e[i]->size = size;
		e[i]->align = align;
		e[i]->atomic = atomic;
		e[i]->ptr = pcpu_alt_alloc(size, align, gfp);
		if (!e[i]->ptr) {
			kfree(e[i]);
			goto undo;
		}
	}
	err = pool_insert(e, count);
	if (!err) {
		kvfree(e);
		return 0;
	}
undo:
	while (i--)
		entry_free(e[i]);
	kvfree(e);
unreserve:
	pool_unreserve(count, size);
	return err;
}

static int pool_free_one(unsigned long id)
{
	struct pool_entry *e;

	mutex_lock(&pool_mutex);
	e = xa_erase(&pool, id);
	if (e) {
		pool_nr--;
		pool_bytes -= pool_area_bytes(e->size);
	}
	mutex_unlock(&pool_mutex);
	if (!e)
		return -ENOENT;
	entry_free(e);
	return 0;
}

static void pool_free_all(void)
{
	struct pool_entry *e, *next;
	unsigned long id, n = 0;
	LIST_HEAD(doomed);

	mutex_lock(&pool_mutex);
	xa_for_each(&pool, id, e) {
		xa_erase(&pool, id);
		list_add_tail(&e->list, &doomed);
		pool_nr--;
		pool_bytes -= pool_area_bytes(e->size);
	}
	mutex_unlock(&pool_mutex);
	list_for_each_entry_safe(e, next, &doomed, list) {
		entry_free(e);
		if (!(++n % POOL_RESCHED_EVERY))
			cond_resched();
	}
}

static int pool_cmd_alloc(char **word, int n)
{
	unsigned int count;
	unsigned long size, align;
	bool atomic = false;

	if (n != 4 && n != 5)
		return -EINVAL;
	if (kstrtouint(word[1], 10, &count) || !count ||
	    count > POOL_BATCH_MAX)
		return -EINVAL;
	if (kstrtoul(word[2], 10, &size) || !size ||
	    size > pcpu_alt_lab_unit_size())
		return -EINVAL;
	if (kstrtoul(word[3], 10, &align) || !is_power_of_2(align) ||
	    align > PAGE_SIZE)
		return -EINVAL;
	if (n == 5) {
		if (strcmp(word[4], "atomic"))
			return -EINVAL;
		atomic = true;
	}
	return pool_alloc(count, size, align, atomic);
}

static int pool_cmd_free(char **word, int n)
{
	unsigned long id;

	if (n != 2)
		return -EINVAL;
	if (!strcmp(word[1], "all")) {
		pool_free_all();
		return 0;
	}
	if (kstrtoul(word[1], 10, &id))
		return -EINVAL;
	return pool_free_one(id);
}

static ssize_t pool_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	char cmd[PCPU_ALT_DEBUGFS_CMD_MAX], *word[POOL_MAX_WORDS];
	int n, err;

	n = pcpu_alt_lab_get_words(cmd, sizeof(cmd), word, POOL_MAX_WORDS,
				   ubuf, count, ppos);
	if (n < 0)
		return n;
	if (!strcmp(word[0], "alloc"))
		err = pool_cmd_alloc(word, n);
	else if (!strcmp(word[0], "free"))
		err = pool_cmd_free(word, n);
	else
		err = -EINVAL;
	return err ? err : count;
}

/*
 * Reading walks the xarray in id order with pool_mutex held from start to
 * stop; *pos is the id to resume from.
 */
static void *pool_seq_start(struct seq_file *m, loff_t *pos)
{
	unsigned long id = *pos;
	struct pool_entry *e;

	mutex_lock(&pool_mutex);
	if (*pos < 0)
		return NULL;
	e = xa_find(&pool, &id, ULONG_MAX, XA_PRESENT);
	if (e)
		*pos = id;
	return e;
}

static void *pool_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct pool_entry *e = v;
	unsigned long id = e->id;

	*pos = e->id + 1;
	e = xa_find_after(&pool, &id, ULONG_MAX, XA_PRESENT);
	if (e)
		*pos = id;
	return e;
}

static void pool_seq_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&pool_mutex);
}

static int pool_seq_show(struct seq_file *m, void *v)
{
	struct pool_entry *e = v;
	struct pcpu_alt_ptr_info info;

	if (pcpu_alt_ptr_info(e->ptr, &info)) {
		/* Cannot happen while the entry is held; say so if it does. */
		seq_printf(m, "id=%lu error=not-live\n", e->id);
		return 0;
	}
	seq_printf(m, "id=%lu chunk=%d offset=%lu size=%zu alloc_size=%zu align=%zu atomic=%d\n",
		   e->id, info.chunk_id, info.offset, e->size, info.size,
		   e->align, e->atomic);
	return 0;
}

static const struct seq_operations pool_seq_ops = {
	.start = pool_seq_start,
	.next = pool_seq_next,
	.stop = pool_seq_stop,
	.show = pool_seq_show,
};

static int pool_open(struct inode *inode, struct file *file)
{
	return seq_open(file, &pool_seq_ops);
}

static const struct file_operations pool_fops = {
	.owner = THIS_MODULE,
	.open = pool_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = pool_write,
	.release = seq_release,
};

/**
 * pcpu_alt_lab_pool_init() - create the pool file
 * @dir: pcpu_alt's debugfs directory
 *
 * RETURNS: the file.
 */
struct dentry *pcpu_alt_lab_pool_init(struct dentry *dir)
{
	return debugfs_create_file("pool", PCPU_ALT_DEBUGFS_RW, dir, NULL,
				   &pool_fops);
}

/**
 * pcpu_alt_lab_pool_exit() - free everything the pool still holds
 *
 * CONTEXT: after the pool file is removed, so no writer can race.
 */
void pcpu_alt_lab_pool_exit(void)
{
	pool_free_all();
	xa_destroy(&pool);
}
