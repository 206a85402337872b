// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_lab: stress kthreads, benchmark, trace replay and the test pool
 * for pcpu_alt, kept out of the allocator module so that a production load
 * of pcpu_alt.ko carries none of them.  It uses only pcpu_alt's exported
 * API and adds its files to pcpu_alt's debugfs directory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "lab.h"

/* pcpu_alt's directory: pcpu_alt.ko made it and outlives this module. */
#define PCPU_ALT_DEBUGFS_DIR	"pcpu_alt"

enum lab_file {
	LAB_STRESS, LAB_BENCH, LAB_BENCH_STATUS, LAB_REPLAY, LAB_POOL,
	LAB_NR_FILES
};

static struct dentry *lab_files[LAB_NR_FILES];

/**
 * pcpu_alt_lab_split_words() - split a command at single spaces
 * @cmd: the command, cut in place
 * @word: gets a pointer to each word
 * @max: room in @word
 *
 * RETURNS: the number of words, or -EINVAL for an empty word (two spaces,
 * a leading or trailing one, an empty command) or more than @max words.
 */
int pcpu_alt_lab_split_words(char *cmd, char **word, int max)
{
	int n = 0;
	char *w;

	while ((w = strsep(&cmd, " "))) {
		if (!*w || n == max)
			return -EINVAL;
		word[n++] = w;
	}
	return n;
}

/**
 * pcpu_alt_lab_park_until_stopped() - a finished kthread waits for its stop
 *
 * An engine's kthread whose work is done sleeps here until its owner calls
 * kthread_stop(), so the owner can stop every thread the same way whether
 * it finished early or not.
 *
 * CONTEXT: the kthread itself.
 */
void pcpu_alt_lab_park_until_stopped(void)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
}

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
