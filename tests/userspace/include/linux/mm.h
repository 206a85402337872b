/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/mm.h>: x86-64's page size. */
#ifndef _USPACE_LINUX_MM_H
#define _USPACE_LINUX_MM_H

#define PAGE_SIZE	4096UL

#endif
