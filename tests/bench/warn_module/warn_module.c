// SPDX-License-Identifier: GPL-2.0
/*
 * Test module for the test of scripts/vm/run: its init triggers one WARN() so
 * the kernel log scan has a real splat to find, then loads normally.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init vm_bench_warn_init(void)
{
	WARN(1, "vm_bench_warn: deliberate warning for the vm-run test\n");
	return 0;
}

static void __exit vm_bench_warn_exit(void)
{
}

module_init(vm_bench_warn_init);
module_exit(vm_bench_warn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Triggers a WARN() at load time to test the vm-run bench");
