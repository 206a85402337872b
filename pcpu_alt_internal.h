/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt internals shared by the module's files.  Not a public API.
 */
#ifndef _PCPU_ALT_INTERNAL_H
#define _PCPU_ALT_INTERNAL_H

#include "pcpu_alt.h"

#define PCPU_ALT_VERSION	"0.1.0"

void pcpu_alt_debugfs_init(void);
void pcpu_alt_debugfs_exit(void);

#endif /* _PCPU_ALT_INTERNAL_H */
