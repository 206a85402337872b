/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt debugfs helpers shared by the allocator's files and the lab
 * module's: file modes and the one-command writer.  Not an API.
 */
#ifndef _PCPU_ALT_DEBUGFS_CMD_H
#define _PCPU_ALT_DEBUGFS_CMD_H

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/types.h>
#include <linux/uaccess.h>

/* Root-only: the files describe kernel memory layout. */
#define PCPU_ALT_DEBUGFS_RO	0400
#define PCPU_ALT_DEBUGFS_RW	0600

/* Longest command most writable files accept, newline included. */
#define PCPU_ALT_DEBUGFS_CMD_MAX	64

/**
 * pcpu_alt_debugfs_get_cmd() - copy one whole command written to a file
 * @buf: receives the command, NUL-terminated, trailing newline removed
 * @size: bytes of @buf; longer writes are refused
 * @ubuf: the user buffer
 * @count: bytes written
 * @ppos: file position; a command must come in one write at position 0
 *
 * Refuses empty, overlong, continued and non-printable input, so writers
 * parse nothing but one line of printable ASCII.
 *
 * RETURNS: 0, -EINVAL or -EFAULT.
 */
static inline int pcpu_alt_debugfs_get_cmd(char *buf, size_t size,
					   const char __user *ubuf,
					   size_t count, loff_t *ppos)
{
	size_t i;

	if (*ppos || !count || count >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (buf[count - 1] == '\n')
		buf[--count] = '\0';
	if (!count)
		return -EINVAL;
	for (i = 0; i < count; i++)
		if (!isprint(buf[i]))
			return -EINVAL;
	return 0;
}

#endif /* _PCPU_ALT_DEBUGFS_CMD_H */
