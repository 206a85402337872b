/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The whole stub layer in one include: every stand-in for a kernel header
 * under include/linux and include/asm includes this, so a kernel source
 * that relies on one header pulling in another (as kernel sources do)
 * still compiles.  The parts, in the order they build on each other:
 *
 *   base.h     types, annotations, arithmetic, logging, assertions
 *   atomic.h   atomics, barriers, marked accesses, bit operations
 *   bitmap.h   bitmap searches and operations, log2
 *   cpu.h      CPUs and what runs on them, per-CPU data, cross-CPU calls
 *   lock.h     spinlocks, mutexes, RCU
 *   mm.h       flags, slab, pages, boot memory, vmalloc and page tables
 *   work.h     time, workqueues
 *   module.h   modules, parameters, initcalls, hooks with nothing behind
 *   xarray.h   the XArray and the IDR
 */
#ifndef _USPACE_KERNEL_H
#define _USPACE_KERNEL_H

#include <linux/errno.h>
#include <linux/err.h>
#include <linux/hash.h>
#include <linux/list.h>
#include <uspace/base.h>
#include <uspace/atomic.h>
#include <uspace/bitmap.h>
#include <uspace/cpu.h>
#include <uspace/lock.h>
#include <uspace/mm.h>
#include <uspace/work.h>
#include <uspace/module.h>
#include <uspace/xarray.h>

#endif /* _USPACE_KERNEL_H */
