/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for <linux/mutex.h>: the stub layer (see uspace/kernel.h). */
#include <uspace/kernel.h>
