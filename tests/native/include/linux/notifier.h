/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for <linux/notifier.h>: the stub layer (see uspace/kernel.h). */
#include <uspace/kernel.h>
