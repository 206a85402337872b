// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_lab: stress kthreads, benchmark, trace replay and the test pool
 * for pcpu_alt, kept out of the allocator module so that a production load
 * of pcpu_alt.ko carries none of them.  It uses only pcpu_alt's exported
 * API and adds its files to pcpu_alt's debugfs directory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>

#include "lab.h"

/* pcpu_alt's directory: pcpu_alt.ko made it and outlives this module. */
#define PCPU_ALT_DEBUGFS_DIR	"pcpu_alt"

enum lab_file {
	LAB_STRESS, LAB_BENCH, LAB_BENCH_STATUS, LAB_REPLAY, LAB_POOL,
	LAB_NR_FILES
};

static struct dentry *lab_files[LAB_NR_FILES];

static void lab_remove_files(void)
{
	int i;

	for (i = 0; i < LAB_NR_FILES; i++) {
		if (!IS_ERR_OR_NULL(lab_files[i]))
			debugfs_remove(lab_files[i]);
		lab_files[i] = NULL;
	}
}

static int __init pcpu_alt_lab_init(void)
{
	struct dentry *dir;

	dir = debugfs_lookup(PCPU_ALT_DEBUGFS_DIR, NULL);
	if (!dir) {
		pr_err("no debugfs directory %s: is debugfs available?\n",
		       PCPU_ALT_DEBUGFS_DIR);
		return -ENODEV;
	}
	lab_files[LAB_STRESS] = pcpu_alt_lab_stress_init(dir);
	lab_files[LAB_BENCH] = pcpu_alt_lab_bench_init(dir);
	lab_files[LAB_BENCH_STATUS] = pcpu_alt_lab_bench_status_init(dir);
	lab_files[LAB_REPLAY] = pcpu_alt_lab_replay_init(dir);
	lab_files[LAB_POOL] = pcpu_alt_lab_pool_init(dir);
	dput(dir);
	pr_info("loaded: stress, bench, replay and pool in %s\n",
		PCPU_ALT_DEBUGFS_DIR);
	return 0;
}

static void __exit pcpu_alt_lab_exit(void)
{
	/* Waits for readers and writers in progress. */
	lab_remove_files();
	pcpu_alt_lab_stress_exit();
	pcpu_alt_lab_pool_exit();
	pcpu_alt_lab_replay_exit();
}

module_init(pcpu_alt_lab_init);
module_exit(pcpu_alt_lab_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pcpu_alt lab: stress, bench, replay and test pool");
