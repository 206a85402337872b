/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/hash.h>: multiplicative hashing by the
 * 64-bit golden ratio constant, keeping the top bits, as the kernel's
 * hash_64() does on 64-bit machines.
 */
#ifndef _USPACE_LINUX_HASH_H
#define _USPACE_LINUX_HASH_H

#define GOLDEN_RATIO_64	0x61C8864680B583EBull

static inline unsigned int hash_64(unsigned long long val, unsigned int bits)
{
	return val * GOLDEN_RATIO_64 >> (64 - bits);
}

static inline unsigned int hash_long(unsigned long val, unsigned int bits)
{
	return hash_64(val, bits);
}

#endif
