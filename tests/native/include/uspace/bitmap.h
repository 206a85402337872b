/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stub layer, part 3: bitmap searches and operations (the kernel's
 * find.h, bitmap.h and log2.h).
 *
 * Both allocators spend much of their time here, so the searches work a
 * word at a time with the bit-scan instructions, as lib/find_bit.c does;
 * the contract is the kernel's: a search that finds nothing returns @size.
 * Only the non-atomic operations are here; the caller holds the lock that
 * covers the bitmap, or reads it racily through data_race().
 */
#ifndef _USPACE_BITMAP_H
#define _USPACE_BITMAP_H

#include <uspace/atomic.h>

/* Bits of word @i of @addr, inverted when @invert is ~0UL. */
static inline unsigned long uspace_word(const unsigned long *addr,
					unsigned long i, unsigned long invert)
{
	return addr[i] ^ invert;
}

/*
 * First set bit (or, with @invert ~0UL, clear bit) at or after @offset
 * and before @size; @size when there is none.
 */
static inline unsigned long uspace_find_next(const unsigned long *addr,
					     unsigned long size,
					     unsigned long offset,
					     unsigned long invert)
{
	unsigned long i, word;

	if (offset >= size)
		return size;
	i = BIT_WORD(offset);
	/* Drop the bits below @offset in its word. */
	word = uspace_word(addr, i, invert) & (~0UL << (offset % BITS_PER_LONG));
	while (!word) {
		if (++i * BITS_PER_LONG >= size)
			return size;
		word = uspace_word(addr, i, invert);
	}
	return min(i * BITS_PER_LONG + __ffs(word), size);
}

static inline unsigned long find_next_bit(const unsigned long *addr,
					  unsigned long size,
					  unsigned long offset)
{
	return uspace_find_next(addr, size, offset, 0);
}

static inline unsigned long find_next_zero_bit(const unsigned long *addr,
					       unsigned long size,
					       unsigned long offset)
{
	return uspace_find_next(addr, size, offset, ~0UL);
}

static inline unsigned long find_first_bit(const unsigned long *addr,
					   unsigned long size)
{
	return find_next_bit(addr, size, 0);
}

static inline unsigned long find_first_zero_bit(const unsigned long *addr,
						unsigned long size)
{
	return find_next_zero_bit(addr, size, 0);
}

/* Last set bit before @size; @size when there is none. */
static inline unsigned long find_last_bit(const unsigned long *addr,
					  unsigned long size)
{
	unsigned long i, word, keep;

	if (!size)
		return 0;
	i = BIT_WORD(size - 1);
	/* Keep only the bits of the last word that are below @size. */
	keep = ~0UL >> (BITS_PER_LONG - 1 - (size - 1) % BITS_PER_LONG);
	word = addr[i] & keep;
	for (;;) {
		if (word)
			return i * BITS_PER_LONG + __fls(word);
		if (!i--)
			return size;
		word = addr[i];
	}
}

/*
 * The loops keep their state in a struct declared in the loop and write
 * the caller's variables through pointers: each argument is read once,
 * the variables hold the current bit (run) in the body, and the bit (the
 * run's start) is @size once the loop ran to its end, as in the kernel.
 */
struct uspace_bit_iter {
	const unsigned long *map;
	unsigned long limit, next, cur;
};

/* The next set (@set) or clear bit; false past the last. */
static inline bool uspace_bit_next(struct uspace_bit_iter *it, bool set)
{
	it->cur = set ? find_next_bit(it->map, it->limit, it->next) :
			find_next_zero_bit(it->map, it->limit, it->next);
	it->next = it->cur + 1;
	return it->cur < it->limit;
}

#define uspace_for_each_bit(bit, addr, size, set)			\
	for (struct {							\
		__typeof__(bit) *at;					\
		struct uspace_bit_iter s;				\
	     }								\
	     __it = { &(bit), { (addr), (size), 0, 0 } };		\
	     uspace_bit_next(&__it.s, set) ? (*__it.at = __it.s.cur, true) : \
					     (*__it.at = __it.s.limit, false);)

#define for_each_set_bit(bit, addr, size)				\
	uspace_for_each_bit(bit, addr, size, true)
#define for_each_clear_bit(bit, addr, size)				\
	uspace_for_each_bit(bit, addr, size, false)

/* Runs of set (clear) bits [start, stop) before @limit, from @from on. */
struct uspace_run_iter {
	const unsigned long *map;
	unsigned long limit, from, start, stop;
};

static inline bool uspace_run_next(struct uspace_run_iter *it, bool set)
{
	if (it->from >= it->limit)
		return false;
	it->start = set ? find_next_bit(it->map, it->limit, it->from) :
			  find_next_zero_bit(it->map, it->limit, it->from);
	if (it->start >= it->limit)
		return false;
	it->stop = set ? find_next_zero_bit(it->map, it->limit, it->start + 1) :
			 find_next_bit(it->map, it->limit, it->start + 1);
	it->from = it->stop + 1;
	return true;
}

/*
 * Each run is [rs, re).  A walk "from" starts at the value @rs holds when
 * the loop begins (@from_rs); the others at bit 0.
 */
#define uspace_for_each_run(rs, re, addr, end, set, from_rs)		\
	for (struct {							\
		__typeof__(rs) *first;					\
		__typeof__(re) *past;					\
		bool go;						\
		struct uspace_run_iter s;				\
	     }								\
	     __it = { &(rs), &(re), !(from_rs), { (addr), (end), 0, 0, 0 } }; \
	     (__it.go || (__it.s.from = *__it.first, __it.go = true)) && \
	     uspace_run_next(&__it.s, set) ?				\
	     (*__it.first = __it.s.start, *__it.past = __it.s.stop, true) : \
	     (*__it.first = __it.s.limit, false);)

#define for_each_set_bitrange(rs, re, addr, end)			\
	uspace_for_each_run(rs, re, addr, end, true, false)
#define for_each_clear_bitrange(rs, re, addr, end)			\
	uspace_for_each_run(rs, re, addr, end, false, false)
#define for_each_set_bitrange_from(rs, re, addr, end)			\
	uspace_for_each_run(rs, re, addr, end, true, true)
#define for_each_clear_bitrange_from(rs, re, addr, end)			\
	uspace_for_each_run(rs, re, addr, end, false, true)

/* ---- whole-bitmap operations ---- */

#define BITMAP_FIRST_WORD_MASK(start)	(~0UL << ((start) % BITS_PER_LONG))
#define BITMAP_LAST_WORD_MASK(nbits)	(~0UL >> (-(nbits) % BITS_PER_LONG))

/* Set or clear [start, start + nbits), a word at a time in the middle. */
static inline void uspace_bitmap_fill_range(unsigned long *map,
					    unsigned long start,
					    unsigned long nbits, bool set)
{
	unsigned long end = start + nbits, i, mask;

	while (start < end) {
		i = BIT_WORD(start);
		mask = BITMAP_FIRST_WORD_MASK(start);
		if (BIT_WORD(end - 1) == i)
			mask &= BITMAP_LAST_WORD_MASK(end);
		if (set)
			map[i] |= mask;
		else
			map[i] &= ~mask;
		start = (i + 1) * BITS_PER_LONG;
	}
}

static inline void bitmap_set(unsigned long *map, unsigned int start,
			      unsigned int nbits)
{
	uspace_bitmap_fill_range(map, start, nbits, true);
}

static inline void bitmap_clear(unsigned long *map, unsigned int start,
				unsigned int nbits)
{
	uspace_bitmap_fill_range(map, start, nbits, false);
}

static inline void bitmap_zero(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

/* Bits past @nbits in the last word are set too, as the kernel does. */
static inline void bitmap_fill(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0xff, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

static inline void bitmap_copy(unsigned long *dst, const unsigned long *src,
			       unsigned int nbits)
{
	memcpy(dst, src, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

static inline unsigned int bitmap_weight(const unsigned long *src,
					 unsigned int nbits)
{
	unsigned int i, w = 0;

	for (i = 0; i < nbits / BITS_PER_LONG; i++)
		w += hweight_long(src[i]);
	if (nbits % BITS_PER_LONG)
		w += hweight_long(src[i] & BITMAP_LAST_WORD_MASK(nbits));
	return w;
}

static inline bool bitmap_empty(const unsigned long *src, unsigned int nbits)
{
	return find_first_bit(src, nbits) == nbits;
}

static inline bool bitmap_full(const unsigned long *src, unsigned int nbits)
{
	return find_first_zero_bit(src, nbits) == nbits;
}

/*
 * First clear run of @nr bits in [start, size) whose index plus
 * @align_offset is a multiple of @align_mask + 1; a value above
 * size - nr when there is none.  As lib/bitmap.c's.
 */
static inline unsigned long
bitmap_find_next_zero_area_off(unsigned long *map, unsigned long size,
			       unsigned long start, unsigned int nr,
			       unsigned long align_mask,
			       unsigned long align_offset)
{
	unsigned long index, end, i;

	for (;;) {
		index = find_next_zero_bit(map, size, start);
		/* Align the start of the run. */
		index = ((index + align_offset + align_mask) & ~align_mask) -
			align_offset;
		end = index + nr;
		if (end > size)
			return end;
		i = find_next_bit(map, end, index);
		if (i >= end)
			return index;
		start = i + 1;
	}
}

static inline unsigned long
bitmap_find_next_zero_area(unsigned long *map, unsigned long size,
			   unsigned long start, unsigned int nr,
			   unsigned long align_mask)
{
	return bitmap_find_next_zero_area_off(map, size, start, nr,
					      align_mask, 0);
}

unsigned long *bitmap_zalloc(unsigned int nbits, gfp_t flags);
unsigned long *bitmap_alloc(unsigned int nbits, gfp_t flags);
void bitmap_free(const unsigned long *bitmap);

/* ---- log2.h ---- */

/*
 * ilog2() of a constant folds to a constant (GCC and Clang fold the
 * builtin), as the kernel's does; ilog2(0) is undefined, as there.
 */
#define ilog2(n)		(63 - __builtin_clzll(n))

static inline bool is_power_of_2(unsigned long n)
{
	return n && !(n & (n - 1));
}

static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	return 1UL << fls_long(n - 1);
}

static inline unsigned long rounddown_pow_of_two(unsigned long n)
{
	return 1UL << (fls_long(n) - 1);
}

#endif /* _USPACE_BITMAP_H */
