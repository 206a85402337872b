/* SPDX-License-Identifier: GPL-2.0 */
/* Stub layer: bringing the harness's machine up (stubs/boot.c). */
#ifndef _USPACE_BOOT_H
#define _USPACE_BOOT_H

#include <uspace/kernel.h>

int uspace_boot(unsigned int nr_cpus);
size_t uspace_static_size(void);

#endif /* _USPACE_BOOT_H */
