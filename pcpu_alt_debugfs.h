/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt debugfs internals shared by pcpu_alt_debugfs*.c.  Not an API.
 */
#ifndef _PCPU_ALT_DEBUGFS_H
#define _PCPU_ALT_DEBUGFS_H

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>
#include <linux/types.h>

/* Root-only: the files describe kernel memory layout. */
#define PCPU_ALT_DEBUGFS_RO	0400
#define PCPU_ALT_DEBUGFS_RW	0600

/* Longest command any writable file accepts, newline included. */
#define PCPU_ALT_DEBUGFS_CMD_MAX	64

/*
 * Defines @name##_fops for a file read through single_open() and
 * @name##_show(), and written through @name##_write().
 */
#define PCPU_ALT_DEBUGFS_RW_FOPS(name)					\
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

int pcpu_alt_debugfs_get_cmd(char *buf, size_t size, const char __user *ubuf,
			     size_t count, loff_t *ppos);

void pcpu_alt_debugfs_chunks_init(struct dentry *dir);
void pcpu_alt_debugfs_pool_init(struct dentry *dir);
void pcpu_alt_debugfs_pool_exit(void);
void pcpu_alt_debugfs_bench_init(struct dentry *dir);
void pcpu_alt_replay_init(struct dentry *dir);
void pcpu_alt_replay_exit(void);

#endif /* _PCPU_ALT_DEBUGFS_H */
