/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt: a second dynamic per-CPU allocator.  Public API.
 */
#ifndef _PCPU_ALT_H
#define _PCPU_ALT_H

#include <linux/types.h>

#endif /* _PCPU_ALT_H */
