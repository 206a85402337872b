/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <asm/sections.h>: where the static per-CPU
 * variables are.  In the kernel, the linker script places them between
 * __per_cpu_start and __per_cpu_end and the image holds their initial
 * values at __per_cpu_load.  Here the variables sit in the section
 * "uspace_percpu", and the boot code (boot.c) makes a copy of it padded
 * to the static size of the kernel being imitated, so that the first
 * chunk has the same geometry as on that kernel; these name the copy.
 */
#ifndef _USPACE_ASM_SECTIONS_H
#define _USPACE_ASM_SECTIONS_H

#include <uspace/base.h>

/* The section the linker made of the variables (see uspace/cpu.h). */
extern char __start_uspace_percpu[] __weak, __stop_uspace_percpu[] __weak;

extern char *uspace_per_cpu_start, *uspace_per_cpu_end;
extern char *uspace_per_cpu_load;

#define __per_cpu_start		uspace_per_cpu_start
#define __per_cpu_end		uspace_per_cpu_end
#define __per_cpu_load		uspace_per_cpu_load

#endif
