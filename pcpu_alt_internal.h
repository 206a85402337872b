/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt internals shared by several of the allocator's files: the
 * layout and regions, the background work, the per-CPU caches, fault
 * injection and debugfs set-up.  Chunks have their own header
 * (pcpu_alt_chunk.h).  Not a public API.
 */
#ifndef _PCPU_ALT_INTERNAL_H
#define _PCPU_ALT_INTERNAL_H

#include <linux/jump_label.h>
#include <linux/types.h>

#include "pcpu_alt.h"
#include "pcpu_alt_map.h"

#define PCPU_ALT_VERSION	"0.4.0"

/* Automatic unit size never exceeds this (bytes); it bounds metadata. */
#define PCPU_ALT_MAX_UNIT	(1024 * 1024)
/* Allocations up to 32 KiB are guaranteed, as with the stock allocator. */
#define PCPU_ALT_MIN_UNIT	(32 * 1024)

/*
 * Not on PREEMPT_RT: the per-CPU caches run with interrupts off and take
 * chunk locks (spinlock_t, which sleeps there) inside; see docs/design.md.
 */
#ifdef CONFIG_PREEMPT_RT
#error "pcpu_alt does not support PREEMPT_RT kernels (see docs/design.md)"
#endif

enum pcpu_alt_layout_mode {
	PCPU_ALT_LAYOUT_AUTO,
	PCPU_ALT_LAYOUT_COMPAT,
	PCPU_ALT_LAYOUT_PRIVATE,
};

/**
 * struct pcpu_alt_layout - how every chunk's region is laid out
 * @compat: units at the kernel's own per-CPU distances
 * @nr_units: units per chunk, one per possible CPU
 * @unit_pages: pages per unit
 * @unit_size: bytes per unit
 * @span: bytes of one region, gaps included
 * @bias: a pointer handed out is (region base + offset - @bias)
 * @unit_off: byte offset of each CPU's unit from the region base
 * @why: why this layout was chosen, for the load message and debugfs
 *
 * Set once at load, read-only afterwards.
 */
struct pcpu_alt_layout {
	bool compat;
	unsigned int nr_units;
	int unit_pages;
	size_t unit_size;
	unsigned long span;
	unsigned long bias;
	unsigned long *unit_off;
	const char *why;
};

extern struct pcpu_alt_layout pcpu_alt_layout;

/* Layout and regions: pcpu_alt_region.c. */
int pcpu_alt_layout_init(int mode, size_t unit_bytes);
void pcpu_alt_layout_exit(void);
void *pcpu_alt_region_create(gfp_t gfp);
void pcpu_alt_region_destroy(void *base);
void pcpu_alt_region_counts(unsigned long *regions, unsigned long *pages);
int pcpu_alt_region_populate(void *base, int page, gfp_t gfp);
void pcpu_alt_region_depopulate(void *base, const unsigned long *pages,
				int nr_pages);

/* Background work: pcpu_alt_balance.c. */
int pcpu_alt_balance_init(void);
void pcpu_alt_balance_run(void);
void pcpu_alt_balance_kick(void);
void pcpu_alt_balance_kick_lazy(void);
void pcpu_alt_balance_give_back(void);
void pcpu_alt_balance_start(void);
void pcpu_alt_balance_stop(void);
int pcpu_alt_balance_set_watermarks(unsigned int low, unsigned int high);
bool pcpu_alt_balance_has_excess(void);
bool pcpu_alt_balance_below_low(void);
unsigned int pcpu_alt_empty_low(void);
unsigned int pcpu_alt_empty_high(void);

/* Per-CPU caches: pcpu_alt_cache.c. */
struct seq_file;

/* What pcpu_alt_cache_free() did with a free. */
enum pcpu_alt_cache_verdict {
	PCPU_ALT_CACHE_MISS,	/* not a cached class: take the slow path */
	PCPU_ALT_CACHE_TAKEN,	/* pushed on this CPU's stack */
	PCPU_ALT_CACHE_REFUSED,	/* a double free of a cached area */
};

int pcpu_alt_cache_init(void);
void pcpu_alt_cache_exit(void);
void __percpu *pcpu_alt_cache_alloc(size_t size, size_t align, gfp_t gfp,
				    unsigned long caller);
enum pcpu_alt_cache_verdict pcpu_alt_cache_free(void __percpu *ptr,
						unsigned long caller, int *id,
						unsigned long *offset);
void pcpu_alt_cache_drain_all(void);
void pcpu_alt_cache_stats(struct pcpu_alt_stats *st);
void pcpu_alt_cache_show(struct seq_file *m);

/* Call sites: pcpu_alt_sites.c.  Ids fit a byte: 0 none, 255 other. */
#define PCPU_ALT_SITE_MAX	(PCPU_ALT_SITES - 2)
#define PCPU_ALT_SITE_OTHER	(PCPU_ALT_SITES - 1)
/* A site's recorded symbol name, longer ones cut (NUL included). */
#define PCPU_ALT_SITE_NAME_LEN	96
/* What pcpu_alt_site_format() writes at most: the name and a remark. */
#define PCPU_ALT_SITE_TEXT_LEN	(PCPU_ALT_SITE_NAME_LEN + 32)

int pcpu_alt_sites_init(void);
void pcpu_alt_sites_exit(void);
u8 pcpu_alt_site_id(unsigned long caller);
unsigned long pcpu_alt_site_addr(u8 id);
void pcpu_alt_site_format(u8 id, char *buf, size_t size);
unsigned int pcpu_alt_sites_used(u64 *overflows);
size_t pcpu_alt_sites_meta_bytes(void);

/* Fault injection and test hooks: pcpu_alt_inject.c. */
bool pcpu_alt_fault_inject(gfp_t gfp);
bool pcpu_alt_fault_inject_scoped(void);
void pcpu_alt_fault_set(unsigned int every);
u64 pcpu_alt_nr_faults_injected(void);
void pcpu_alt_race_window(const char *where);

DECLARE_STATIC_KEY_FALSE(pcpu_alt_test_hooks);
void pcpu_alt_test_hook_call(enum pcpu_alt_test_point point,
			     const void __percpu *ptr);

/* Call the test hook at @point, if tests set one. */
static inline void pcpu_alt_test_point(enum pcpu_alt_test_point point,
				       const void __percpu *ptr)
{
	if (static_branch_unlikely(&pcpu_alt_test_hooks))
		pcpu_alt_test_hook_call(point, ptr);
}

/* debugfs: pcpu_alt_debugfs.c, pcpu_alt_debugfs_chunks.c. */
struct dentry;
void pcpu_alt_debugfs_init(void);
void pcpu_alt_debugfs_exit(void);
void pcpu_alt_debugfs_chunks_init(struct dentry *dir);
void pcpu_alt_debugfs_callers_init(struct dentry *dir);

#endif /* _PCPU_ALT_INTERNAL_H */
