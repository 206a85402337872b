// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt debugfs interface: /sys/kernel/debug/pcpu_alt/.
 *
 *   version  module version
 *   stats    global figures, one stable key=value per line
 *   verify   reading runs the consistency checker: errors=N
 *   caches   per-CPU fast-path caches: cpu=N cached= cached_bytes= hits=
 *   chunks   slot lists and per-chunk summaries    (pcpu_alt_debugfs_chunks.c)
 *   hints    per-block hints and checker verdict   (pcpu_alt_debugfs_chunks.c)
 *   fragmap  text map of each chunk's unit         (pcpu_alt_debugfs_chunks.c)
 *   pool     allocations made on request, for tests (pcpu_alt_debugfs_pool.c)
 *   stress   stress kthreads on every CPU: start/stop, status (pcpu_alt_stress.c)
 *   bench    pcpu_alt against the stock allocator   (pcpu_alt_bench.c)
 *   replay   a captured trace through both allocators (pcpu_alt_replay.c)
 *
 * Every file is root-only.  Output names chunks by id and places by byte
 * offset inside a unit; no kernel address is ever printed.  Long output
 * goes through seq_file, so nothing is ever cut short.
 *
 * Machine-readable forms (scripts parse these, never the '#' comments):
 *   stats    key=value lines; keys are only ever appended
 *   chunks   "slot=<n> kind=full|partial|free [contig_min= contig_max=]
 *            nr_chunks=" per slot, each followed by one "chunk id=<n> ..."
 *            key=value record per chunk on it
 *   hints    "chunk id=<n> ... check_errors=<n> verdict=ok|BAD", then
 *            "  mismatch ..." and "  block=<n> ..." records
 *   fragmap  "chunk id=<n> ..." then "<hex offset> <cells>" lines and
 *            "* <n>" repeats
 *   pool     "id=<n> chunk=<n> offset=<n> size=<n> ..." per area
 * The key lists are in the show functions and the selftest
 * selftests/pcpu_alt_debugfs_files_test.c.
 *
 * Writable files: "hints" takes "all" or a chunk id; "pool" takes
 * commands (pcpu_alt_debugfs_pool.c).  A write is one command in one
 * write(2) of fewer than PCPU_ALT_DEBUGFS_CMD_MAX bytes; anything else
 * fails (-EINVAL, -ENOENT for an unknown id) and changes nothing.
 *
 * Tunables are module parameters, not debugfs files, under
 * /sys/module/pcpu_alt/parameters/:
 *   empty_pages_low, empty_pages_high (0644)  background work watermarks;
 *       a write that would put low above high, or either above 4096,
 *       fails and changes nothing
 *   fail_every (0644)  fault injection: fail every Nth internal allocation
 *   backend, layout, unit_kb, track_callers (0444)  fixed at load
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "pcpu_alt_internal.h"
#include "pcpu_alt_debugfs.h"
#include "pcpu_alt_stress.h"

static struct dentry *pcpu_alt_debugfs_dir;

/**
 * pcpu_alt_debugfs_get_cmd() - copy one whole command written to a file
 * @buf: receives the command, NUL-terminated, trailing newline removed
 * @size: bytes of @buf; longer writes are refused
 * @ubuf: the user buffer
 * @count: bytes written
 * @ppos: file position; a command must come in one write at position 0
 *
 * Refuses empty, overlong, continued and non-printable input, so writers
 * parse nothing but one line of printable ASCII.
 *
 * RETURNS: 0, -EINVAL or -EFAULT.
 */
int pcpu_alt_debugfs_get_cmd(char *buf, size_t size, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	size_t i;

	if (*ppos || !count || count >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (buf[count - 1] == '\n')
		buf[--count] = '\0';
	if (!count)
		return -EINVAL;
	for (i = 0; i < count; i++)
		if (!isprint(buf[i]))
			return -EINVAL;
	return 0;
}

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

	for (i = 0; i < PCPU_ALT_FAIL_NR; i++) {
		seq_printf(m, "%s=%llu\n", fail_key[i], st.fail[i]);
		fails += st.fail[i];
	}
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
	pcpu_alt_debugfs_pool_init(dir);
	pcpu_alt_stress_init(dir);
	pcpu_alt_debugfs_bench_init(dir);
	pcpu_alt_replay_init(dir);
}

/**
 * pcpu_alt_debugfs_exit() - remove everything pcpu_alt_debugfs_init() made
 *
 * Removal waits for readers and writers in progress; the pool's
 * allocations are freed afterwards.
 */
void pcpu_alt_debugfs_exit(void)
{
	debugfs_remove_recursive(pcpu_alt_debugfs_dir);
	pcpu_alt_debugfs_dir = NULL;
	pcpu_alt_stress_exit();
	pcpu_alt_debugfs_pool_exit();
	pcpu_alt_replay_exit();
}
