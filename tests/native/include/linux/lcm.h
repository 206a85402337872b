/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/lcm.h>: least common multiple. */
#ifndef _USPACE_LINUX_LCM_H
#define _USPACE_LINUX_LCM_H

static inline unsigned long gcd(unsigned long a, unsigned long b)
{
	while (b) {
		unsigned long r = a % b;

		a = b;
		b = r;
	}
	return a;
}

static inline unsigned long lcm(unsigned long a, unsigned long b)
{
	return a && b ? a / gcd(a, b) * b : 0;
}

#endif
