// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt module load and unload: the load-time parameters, and the
 * order in which the allocator's parts come up and go down.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "pcpu_alt_internal.h"
#include "pcpu_alt_chunk.h"

static char *backend = "vm";
module_param(backend, charp, 0444);
MODULE_PARM_DESC(backend, "vm: populate pages on demand (default); km: back whole chunks at creation");

static char *layout = "auto";
module_param(layout, charp, 0444);
MODULE_PARM_DESC(layout, "auto (default), compat (units at the kernel's per-CPU distances) or private");

static unsigned int unit_kb;
module_param(unit_kb, uint, 0444);
MODULE_PARM_DESC(unit_kb, "bytes per unit in KiB, page multiple, >= 32; 0 = automatic");

static int parse_params(int *layout_mode, bool *km)
{
	*km = false;
	if (!strcmp(backend, "km")) {
		*km = true;
	} else if (strcmp(backend, "vm")) {
		pr_err("backend=%s: expected vm or km\n", backend);
		return -EINVAL;
	}
	if (!strcmp(layout, "auto")) {
		*layout_mode = PCPU_ALT_LAYOUT_AUTO;
	} else if (!strcmp(layout, "compat")) {
		*layout_mode = PCPU_ALT_LAYOUT_COMPAT;
	} else if (!strcmp(layout, "private")) {
		*layout_mode = PCPU_ALT_LAYOUT_PRIVATE;
	} else {
		pr_err("layout=%s: expected auto, compat or private\n",
		       layout);
		return -EINVAL;
	}
	if (unit_kb && (unit_kb < PCPU_ALT_MIN_UNIT / 1024 ||
			(unit_kb * 1024UL) % PAGE_SIZE ||
			unit_kb * 1024UL > INT_MAX / PCPU_ALT_MIN_ALLOC)) {
		pr_err("unit_kb=%u: expected a multiple of %lu KiB, at least %u\n",
		       unit_kb, PAGE_SIZE / 1024, PCPU_ALT_MIN_UNIT / 1024);
		return -EINVAL;
	}
	return 0;
}

static int __init pcpu_alt_init(void)
{
	int layout_mode, err;
	bool km;

	err = parse_params(&layout_mode, &km);
	if (err)
		return err;
	err = pcpu_alt_sites_init();
	if (err)
		return err;
	err = pcpu_alt_layout_init(layout_mode, unit_kb * 1024UL);
	if (err)
		goto sites;
	err = pcpu_alt_balance_init();
	if (err)
		goto layout;
	/* Parameters are writable from here on: tests hold this open. */
	pcpu_alt_race_window("init, before the chunk layer");
	err = pcpu_alt_chunks_init(km);
	if (err)
		goto balance;
	err = pcpu_alt_cache_init();
	if (err)
		goto chunks;
	/* Have room for non-blocking allocations from the start. */
	pcpu_alt_balance_run();
	pcpu_alt_balance_start();
	pcpu_alt_debugfs_init();

	pr_info("loaded %s: layout %s (%s), backend %s, %u units of %zu KiB, region %lu KiB\n",
		PCPU_ALT_VERSION, pcpu_alt_layout.compat ? "compat" : "private",
		pcpu_alt_layout.why, km ? "km" : "vm",
		pcpu_alt_layout.nr_units, pcpu_alt_layout.unit_size / 1024,
		pcpu_alt_layout.span / 1024);
	return 0;

chunks:
	pcpu_alt_chunks_exit();
balance:
	pcpu_alt_balance_stop();
layout:
	pcpu_alt_layout_exit();
sites:
	pcpu_alt_sites_exit();
	return err;
}

static void __exit pcpu_alt_exit(void)
{
	pcpu_alt_debugfs_exit();
	pcpu_alt_cache_exit();
	pcpu_alt_balance_stop();
	pcpu_alt_chunks_exit();
	pcpu_alt_layout_exit();
	pcpu_alt_sites_exit();
	pr_info("unloaded\n");
}

module_init(pcpu_alt_init);
module_exit(pcpu_alt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Second dynamic per-CPU memory allocator");
MODULE_VERSION(PCPU_ALT_VERSION);
