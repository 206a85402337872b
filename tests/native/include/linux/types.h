/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stand-in for <linux/types.h>: the types and annotations of the stub
 * layer (uspace/base.h), without the rest, so that the benchmark's own
 * user-space files can use the kernel's type names too.
 */
#include <uspace/base.h>
