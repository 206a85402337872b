/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/errno.h>.  The values are defined here, not
 * taken from libc: glibc's <errno.h> includes <linux/errno.h>, which would
 * resolve to this file.
 */
#ifndef _USPACE_LINUX_ERRNO_H
#define _USPACE_LINUX_ERRNO_H

#define ENOMEM		12
#define EINVAL		22

#endif
