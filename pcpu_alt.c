// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt: a second dynamic per-CPU allocator beside mm/percpu.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "pcpu_alt_internal.h"

static int __init pcpu_alt_init(void)
{
	pcpu_alt_debugfs_init();
	pr_info("loaded, version %s\n", PCPU_ALT_VERSION);
	return 0;
}

static void __exit pcpu_alt_exit(void)
{
	pcpu_alt_debugfs_exit();
	pr_info("unloaded\n");
}

module_init(pcpu_alt_init);
module_exit(pcpu_alt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Second dynamic per-CPU memory allocator");
MODULE_VERSION(PCPU_ALT_VERSION);
