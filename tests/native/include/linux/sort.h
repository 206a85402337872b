/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/sort.h>: the C library's qsort(). */
#ifndef _USPACE_LINUX_SORT_H
#define _USPACE_LINUX_SORT_H

#include <stdlib.h>

/* The kernel's swap callback is never passed non-NULL by our code. */
#define sort(base, num, size, cmp, swap_fn) \
	qsort((base), (num), (size), (cmp))

#endif
