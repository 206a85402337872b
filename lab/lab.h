/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt_lab: engines that exercise and measure the allocator through
 * its public API (stress, bench, replay, pool).  Each engine adds one file
 * to pcpu_alt's debugfs directory; docs/debugfs-abi.md describes them.
 * Not an API.
 */
#ifndef _PCPU_ALT_LAB_H
#define _PCPU_ALT_LAB_H

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>

#include "pcpu_alt.h"
#include "pcpu_alt_debugfs_cmd.h"

/*
 * Defines @name##_fops for a file read through single_open() and
 * @name##_show(), and written through @name##_write().
 */
#define PCPU_ALT_LAB_RW_FOPS(name)					\
static int name##_open(struct inode *inode, struct file *file)		\
{									\
	return single_open(file, name##_show, inode->i_private);	\
}									\
									\
static const struct file_operations name##_fops = {			\
	.owner = THIS_MODULE,						\
	.open = name##_open,						\
	.read = seq_read,						\
	.llseek = seq_lseek,						\
	.write = name##_write,						\
	.release = single_release,					\
}

/*
 * Flags for everything a debugfs writer makes the lab allocate for its own
 * bookkeeping (sample buffers, loaded traces, pool entries): under memory
 * pressure fail quietly rather than retry hard or wake the OOM killer.
 * vmalloc() passes them to the pages it maps but allocates its page tables
 * with GFP_KERNEL on these kernels, which is one reason every such buffer
 * is also bounded by a documented cap.
 */
#define PCPU_ALT_LAB_GFP	(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN)

/*
 * The most per-CPU memory, in bytes per CPU, that the areas of one bench
 * case, one loaded trace, the pool or one stress run hold at once (each
 * of them, through each allocator).  4 times what the largest case of "run all" holds (1000000
 * areas of 4 bytes, or 1000 of 4096); 64 MiB over the 4 CPUs of the test
 * guests, a small share of their 1 GiB, so neither allocator can be run
 * dry for the rest of the kernel.
 */
#define PCPU_ALT_LAB_MAX_LIVE_BYTES	(16UL << 20)

/* The allocators' granule: every area takes a multiple of it. */
#define PCPU_ALT_LAB_GRANULE	4

/* The allocator's unit size: its largest allocation. */
static inline size_t pcpu_alt_lab_unit_size(void)
{
	struct pcpu_alt_stats st;

	pcpu_alt_get_stats(&st);
	return st.unit_size;
}

int pcpu_alt_lab_split_words(char *cmd, char **word, int max);
int pcpu_alt_lab_get_words(char *cmd, size_t size, char **word, int max,
			   const char __user *ubuf, size_t count, loff_t *ppos);
void pcpu_alt_lab_park_until_stopped(void);

/*
 * Each engine: init creates its file in @dir and returns it (NULL or an
 * error pointer when it could not); exit runs after the file is removed,
 * so no reader or writer can race with it.
 */
struct dentry *pcpu_alt_lab_stress_init(struct dentry *dir);
void pcpu_alt_lab_stress_exit(void);
struct dentry *pcpu_alt_lab_bench_init(struct dentry *dir);
struct dentry *pcpu_alt_lab_bench_status_init(struct dentry *dir);
struct dentry *pcpu_alt_lab_replay_init(struct dentry *dir);
void pcpu_alt_lab_replay_exit(void);
struct dentry *pcpu_alt_lab_pool_init(struct dentry *dir);
void pcpu_alt_lab_pool_exit(void);

#endif /* _PCPU_ALT_LAB_H */
