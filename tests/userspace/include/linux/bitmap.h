/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/bitmap.h> and the find_*_bit() helpers of
 * <linux/find.h>.  Same contract as the kernel's: a search that finds
 * nothing returns @size.  Bit by bit for obviousness, but whole words of
 * nothing to find are skipped, or the checker would make tests slow.
 */
#ifndef _USPACE_LINUX_BITMAP_H
#define _USPACE_LINUX_BITMAP_H

#include <linux/bitops.h>

/* Is the bitmap word holding bit @i all @fill, and whole inside @size? */
static inline bool word_is(const unsigned long *addr, unsigned long size,
			   unsigned long i, unsigned long fill)
{
	return i % BITS_PER_LONG == 0 && i + BITS_PER_LONG <= size &&
	       addr[i / BITS_PER_LONG] == fill;
}

static inline unsigned long find_next_bit(const unsigned long *addr,
					  unsigned long size,
					  unsigned long offset)
{
	unsigned long i;

	for (i = offset; i < size; i++) {
		if (word_is(addr, size, i, 0))
			i += BITS_PER_LONG - 1;		/* skip a clear word */
		else if (test_bit(i, addr))
			return i;
	}
	return size;
}

static inline unsigned long find_next_zero_bit(const unsigned long *addr,
					       unsigned long size,
					       unsigned long offset)
{
	unsigned long i;

	for (i = offset; i < size; i++) {
		if (word_is(addr, size, i, ~0UL))
			i += BITS_PER_LONG - 1;		/* skip a full word */
		else if (!test_bit(i, addr))
			return i;
	}
	return size;
}

static inline unsigned long find_first_zero_bit(const unsigned long *addr,
						unsigned long size)
{
	return find_next_zero_bit(addr, size, 0);
}

/* Backwards one bit at a time: the core only looks back within a block. */
static inline unsigned long find_last_bit(const unsigned long *addr,
					  unsigned long size)
{
	unsigned long i;

	for (i = size; i > 0; i--)
		if (test_bit(i - 1, addr))
			return i - 1;
	return size;
}

static inline void bitmap_set(unsigned long *map, unsigned int start,
			      unsigned int nbits)
{
	unsigned int i;

	for (i = start; i < start + nbits; i++)
		__set_bit(i, map);
}

static inline void bitmap_clear(unsigned long *map, unsigned int start,
				unsigned int nbits)
{
	unsigned int i;

	for (i = start; i < start + nbits; i++)
		__clear_bit(i, map);
}

#endif
