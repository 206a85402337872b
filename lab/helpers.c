// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_lab: small helpers the engines share (command parsing, kthread
 * ends).  main.c sits above the engines and calls their init and exit;
 * these sit below them, so nothing calls back up.
 */
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "lab.h"

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

/**
 * pcpu_alt_lab_get_words() - copy a written command and split it
 * @cmd: receives the command (see pcpu_alt_debugfs_get_cmd())
 * @size: bytes of @cmd
 * @word: gets a pointer to each word, inside @cmd
 * @max: room in @word
 * @ubuf: the user buffer
 * @count: bytes written
 * @ppos: the file position
 *
 * RETURNS: the number of words, or a negative errno from either step.
 */
int pcpu_alt_lab_get_words(char *cmd, size_t size, char **word, int max,
			   const char __user *ubuf, size_t count, loff_t *ppos)
{
	int err = pcpu_alt_debugfs_get_cmd(cmd, size, ubuf, count, ppos);

	return err ?: pcpu_alt_lab_split_words(cmd, word, max);
}
