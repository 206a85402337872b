/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/types.h>: the few types the core uses. */
#ifndef _USPACE_LINUX_TYPES_H
#define _USPACE_LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>

/* A sparse annotation in the kernel; means nothing to a C compiler. */
#define __bitwise

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned int __bitwise gfp_t;

#endif
