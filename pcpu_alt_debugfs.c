// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt debugfs interface: /sys/kernel/debug/pcpu_alt/, the allocator's
 * read-only introspection.  This file makes the directory and the files
 * version, stats, verify and caches; pcpu_alt_debugfs_chunks.c adds
 * chunks, hints and fragmap, and pcpu_alt_debugfs_callers.c callers.  The
 * lab module (lab/) adds its engines' files to the same directory.  Every
 * file, its keys and its commands are documented in one place:
 * docs/debugfs-abi.md.
 *
 * Every file is root-only.  Output names chunks by id, places by byte
 * offset inside a unit and call sites by symbol; no kernel address is ever
 * printed.  Long output
 * goes through seq_file, so nothing is ever cut short.  stats keys are
 * only ever appended.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/seq_file.h>
#include <linux/string.h>

#include "pcpu_alt_internal.h"
#include "pcpu_alt_debugfs_cmd.h"

static struct dentry *pcpu_alt_debugfs_dir;

static int version_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", PCPU_ALT_VERSION);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(version);

/*
 * stats: one key=value per line, keys never renamed or reordered; new keys
 * are only ever appended.  A superset of the stock percpu_stats global
 * section (first block), then ours.
 */
static int stats_show(struct seq_file *m, void *v)
{
	static const char * const fail_key[PCPU_ALT_FAIL_NR] = {
		[PCPU_ALT_FAIL_BAD_SIZE] = "fail_bad_size",
		[PCPU_ALT_FAIL_BAD_ALIGN] = "fail_bad_align",
		[PCPU_ALT_FAIL_NO_POPULATED] = "fail_no_populated",
		[PCPU_ALT_FAIL_CHUNK] = "fail_chunk",
		[PCPU_ALT_FAIL_POPULATE] = "fail_populate",
		[PCPU_ALT_FAIL_KILLED] = "fail_killed",
		[PCPU_ALT_FAIL_BUSY] = "fail_busy",
	};
	struct pcpu_alt_stats st;
	u64 fails = 0;
	int i;

	pcpu_alt_get_stats(&st);
	seq_printf(m, "nr_alloc=%llu\n", st.nr_allocs);
	seq_printf(m, "nr_dealloc=%llu\n", st.nr_frees);
	seq_printf(m, "nr_cur_alloc=%llu\n", st.nr_live);
	seq_printf(m, "nr_max_alloc=%llu\n", st.nr_max_live);
	seq_printf(m, "nr_chunks=%u\n", st.nr_chunks);
	seq_printf(m, "nr_max_chunks=%u\n", st.nr_max_chunks);
	seq_printf(m, "min_alloc_size=%llu\n", st.min_alloc_bytes);
	seq_printf(m, "max_alloc_size=%llu\n", st.max_alloc_bytes);
	seq_printf(m, "empty_pop_pages=%u\n", st.nr_empty_pop_pages);

	/* Reasons added later are printed at the end: keys only append. */
	for (i = 0; i < PCPU_ALT_FAIL_NR; i++)
		fails += st.fail[i];
	for (i = 0; i < PCPU_ALT_FAIL_KILLED; i++)
		seq_printf(m, "%s=%llu\n", fail_key[i], st.fail[i]);
	seq_printf(m, "fail_total=%llu\n", fails);
	seq_printf(m, "bad_frees=%llu\n", st.bad_frees);
	seq_printf(m, "cur_alloc_bytes=%llu\n", st.live_bytes);
	seq_printf(m, "populated_pages=%u\n", st.nr_populated_pages);
	seq_printf(m, "data_bytes=%llu\n",
		   (u64)st.nr_populated_pages * st.nr_units * PAGE_SIZE);
	seq_printf(m, "meta_bytes=%zu\n", st.meta_bytes);
	seq_printf(m, "layout=%s\n", st.compat ? "compat" : "private");
	seq_printf(m, "backend=%s\n", st.km_backend ? "km" : "vm");
	seq_printf(m, "unit_size=%zu\n", st.unit_size);
	seq_printf(m, "nr_units=%u\n", st.nr_units);
	seq_printf(m, "page_size=%lu\n", PAGE_SIZE);
	seq_printf(m, "alloc_granule=%d\n", PCPU_ALT_MIN_ALLOC);
	seq_printf(m, "empty_pages_low=%u\n", st.empty_pages_low);
	seq_printf(m, "empty_pages_high=%u\n", st.empty_pages_high);
	seq_printf(m, "chunks_created=%llu\n", st.nr_chunks_created);
	seq_printf(m, "chunks_destroyed=%llu\n", st.nr_chunks_destroyed);
	seq_printf(m, "pages_populated=%llu\n", st.nr_pages_populated);
	seq_printf(m, "pages_depopulated=%llu\n", st.nr_pages_depopulated);
	seq_printf(m, "balance_runs=%llu\n", st.nr_balance_runs);
	seq_printf(m, "faults_injected=%llu\n", st.nr_faults_injected);
	seq_printf(m, "regions=%lu\n", st.nr_regions);
	seq_printf(m, "backing_pages=%lu\n", st.nr_backing_pages);
	seq_printf(m, "cache=%d\n", st.cache_enabled);
	seq_printf(m, "cached_areas=%lu\n", st.nr_cached);
	seq_printf(m, "cached_bytes=%lu\n", st.cached_bytes);
	seq_printf(m, "cache_hits=%llu\n", st.nr_cache_hits);
	seq_printf(m, "cache_frees=%llu\n", st.nr_cache_frees);
	seq_printf(m, "cache_refills=%llu\n", st.nr_cache_refills);
	seq_printf(m, "cache_drains=%llu\n", st.nr_cache_drains);
	seq_printf(m, "%s=%llu\n", fail_key[PCPU_ALT_FAIL_KILLED],
		   st.fail[PCPU_ALT_FAIL_KILLED]);
	seq_printf(m, "site_meta_bytes=%zu\n", st.site_meta_bytes);
	seq_printf(m, "call_sites=%u\n", st.nr_sites);
	seq_printf(m, "call_site_overflows=%llu\n", st.nr_site_overflows);
	for (i = PCPU_ALT_FAIL_BUSY; i < PCPU_ALT_FAIL_NR; i++)
		seq_printf(m, "%s=%llu\n", fail_key[i], st.fail[i]);
	seq_printf(m, "accounted_allocs=%llu\n", st.nr_accounted);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/* caches: per-CPU contents of the fast-path caches. */
static int caches_show(struct seq_file *m, void *v)
{
	pcpu_alt_cache_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(caches);

/* verify: each read runs the whole checker (details go to the kernel log). */
static int verify_show(struct seq_file *m, void *v)
{
	seq_printf(m, "errors=%d\n", pcpu_alt_verify());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(verify);

/**
 * pcpu_alt_debugfs_init() - create /sys/kernel/debug/pcpu_alt and its files
 *
 * Debugfs is best effort: failures are ignored, as debugfs asks of callers.
 */
void pcpu_alt_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir(KBUILD_MODNAME, NULL);

	pcpu_alt_debugfs_dir = dir;
	debugfs_create_file("version", PCPU_ALT_DEBUGFS_RO, dir, NULL,
			    &version_fops);
	debugfs_create_file("stats", PCPU_ALT_DEBUGFS_RO, dir, NULL,
			    &stats_fops);
	debugfs_create_file("verify", PCPU_ALT_DEBUGFS_RO, dir, NULL,
			    &verify_fops);
	debugfs_create_file("caches", PCPU_ALT_DEBUGFS_RO, dir, NULL,
			    &caches_fops);
	pcpu_alt_debugfs_chunks_init(dir);
	pcpu_alt_debugfs_callers_init(dir);
}

/**
 * pcpu_alt_debugfs_exit() - remove everything pcpu_alt_debugfs_init() made
 *
 * Removal waits for readers and writers in progress.
 */
void pcpu_alt_debugfs_exit(void)
{
	debugfs_remove_recursive(pcpu_alt_debugfs_dir);
	pcpu_alt_debugfs_dir = NULL;
}
