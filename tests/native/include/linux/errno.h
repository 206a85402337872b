/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/errno.h>: the Linux error numbers the
 * allocators, the stubs and the harnesses use.  Defined here rather than
 * taken from libc, because glibc's <errno.h> includes <linux/errno.h>,
 * which resolves to this file.  The values are the Linux ABI's.
 */
#ifndef _USPACE_LINUX_ERRNO_H
#define _USPACE_LINUX_ERRNO_H

#define EPERM		1
#define ENOENT		2
#define EINTR		4
#define EIO		5
#define ENXIO		6
#define E2BIG		7
#define EAGAIN		11
#define ENOMEM		12
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define ENODEV		19
#define EINVAL		22
#define ENOSPC		28
#define ERANGE		34
#define EOPNOTSUPP	95
#define ETIMEDOUT	110
/* Kernel-internal, never seen by user space. */
#define ENOTSUPP	524

#endif
