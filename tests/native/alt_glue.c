// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt in the harness: its debugfs files are not compiled (there is no
 * debugfs here), so these stand in for the two entry points of
 * pcpu_alt_debugfs.c that module load and unload call.
 */
#include "pcpu_alt_internal.h"

void pcpu_alt_debugfs_init(void)
{
}

void pcpu_alt_debugfs_exit(void)
{
}
