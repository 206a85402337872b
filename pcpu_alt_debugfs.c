// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt debugfs interface: /sys/kernel/debug/pcpu_alt/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "pcpu_alt_internal.h"

/* Root-only: the files describe kernel memory layout. */
#define PCPU_ALT_DEBUGFS_RO	0400

static struct dentry *pcpu_alt_debugfs_dir;

static int version_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", PCPU_ALT_VERSION);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(version);

/**
 * pcpu_alt_debugfs_init() - create /sys/kernel/debug/pcpu_alt and its files
 *
 * Debugfs is best effort: failures are ignored, as debugfs asks of callers.
 */
void pcpu_alt_debugfs_init(void)
{
	pcpu_alt_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("version", PCPU_ALT_DEBUGFS_RO,
			    pcpu_alt_debugfs_dir, NULL, &version_fops);
}

/**
 * pcpu_alt_debugfs_exit() - remove everything pcpu_alt_debugfs_init() made
 */
void pcpu_alt_debugfs_exit(void)
{
	debugfs_remove_recursive(pcpu_alt_debugfs_dir);
	pcpu_alt_debugfs_dir = NULL;
}
