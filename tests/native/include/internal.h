/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stand-in for mm/internal.h, which mm/percpu-vm.c includes by a quoted
 * name: its page mapping functions, in the stub layer (uspace/mm.h).
 */
#include <uspace/kernel.h>
