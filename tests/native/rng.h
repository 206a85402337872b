/* SPDX-License-Identifier: GPL-2.0 */
/*
 * splitmix64: a small, fast pseudo-random generator that gives the same
 * sequence everywhere from the same seed, for the harnesses' scripts and
 * tests (tests/native, tests/userspace).
 */
#ifndef _USPACE_RNG_H
#define _USPACE_RNG_H

#include <linux/types.h>

static inline u64 rng_next(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, @n) (the top 32 bits scaled: no modulo bias to speak of). */
static inline u32 rng_below(u64 *state, u32 n)
{
	return (u32)(((rng_next(state) >> 32) * n) >> 32);
}

#endif /* _USPACE_RNG_H */
