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

/* The allocator's unit size: its largest allocation. */
static inline size_t pcpu_alt_lab_unit_size(void)
{
	struct pcpu_alt_stats st;

	pcpu_alt_get_stats(&st);
	return st.unit_size;
}

/*
 * Each engine: init creates its file in @dir and returns it (NULL or an
 * error pointer when it could not); exit runs after the file is removed,
 * so no reader or writer can race with it.
 */
struct dentry *pcpu_alt_lab_stress_init(struct dentry *dir);
void pcpu_alt_lab_stress_exit(void);
struct dentry *pcpu_alt_lab_bench_init(struct dentry *dir);
struct dentry *pcpu_alt_lab_replay_init(struct dentry *dir);
void pcpu_alt_lab_replay_exit(void);
struct dentry *pcpu_alt_lab_pool_init(struct dentry *dir);
void pcpu_alt_lab_pool_exit(void);

#endif /* _PCPU_ALT_LAB_H */
