/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/slab.h>: kvcalloc() is calloc(), kvfree()
 * is free(); gfp flags are ignored.  A test can make the Nth allocation from
 * now fail through uspace_fail_nth_alloc (0 = never), to reach error paths.
 */
#ifndef _USPACE_LINUX_SLAB_H
#define _USPACE_LINUX_SLAB_H

#include <stdlib.h>
#include <linux/types.h>

#define GFP_KERNEL	((gfp_t)0)

extern int uspace_fail_nth_alloc;

static inline void *kvcalloc(size_t n, size_t size, gfp_t gfp)
{
	(void)gfp;
	if (uspace_fail_nth_alloc && --uspace_fail_nth_alloc == 0)
		return NULL;
	return calloc(n, size);
}

static inline void kvfree(const void *p)
{
	free((void *)p);
}

#endif
