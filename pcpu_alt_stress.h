/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt stress engine (pcpu_alt_stress.c).  Not an API.
 */
#ifndef _PCPU_ALT_STRESS_H
#define _PCPU_ALT_STRESS_H

struct dentry;

void pcpu_alt_stress_init(struct dentry *dir);
void pcpu_alt_stress_exit(void);

#endif /* _PCPU_ALT_STRESS_H */
