/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/bitops.h>.  Simple enough to be obviously
 * right: these stubs are what the tests trust.  Unlike the kernel's,
 * nothing here is atomic or volatile (the core needs neither).
 */
#ifndef _USPACE_LINUX_BITOPS_H
#define _USPACE_LINUX_BITOPS_H

#include <linux/types.h>

#define BITS_PER_LONG		((int)(8 * sizeof(long)))
#define BITS_TO_LONGS(nr)	(((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)

static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return (addr[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1;
}

static inline void __set_bit(unsigned long nr, unsigned long *addr)
{
	addr[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

static inline void __clear_bit(unsigned long nr, unsigned long *addr)
{
	addr[nr / BITS_PER_LONG] &= ~(1UL << (nr % BITS_PER_LONG));
}

/* Position of the most significant set bit, counting from 1; 0 for 0. */
static inline int fls(unsigned int x)
{
	int r = 0;

	while (x) {
		x >>= 1;
		r++;
	}
	return r;
}

#endif
