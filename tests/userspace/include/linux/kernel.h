/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/kernel.h>.  min() and max() do not insist that both sides
 * have the same type as the kernel's do; the kernel build of the shared
 * sources does that.
 */
#ifndef _USPACE_LINUX_KERNEL_H
#define _USPACE_LINUX_KERNEL_H

#include <string.h>

#define ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))

/* Round @x up to a multiple of @a, a power of two. */
#define ALIGN(x, a) ({ __typeof__(x) _mask = (__typeof__(x))(a) - 1; \
		       ((x) + _mask) & ~_mask; })

#define min(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); \
		     _a < _b ? _a : _b; })
#define max(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); \
		     _a > _b ? _a : _b; })

#endif
