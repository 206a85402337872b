// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt debugfs "callers": who holds the memory.  Live allocations
 * grouped by call site, largest holder first, always available: every
 * area carries its caller's site id (pcpu_alt_sites.c).  Areas sitting in
 * a per-CPU cache are free to users and left out, as in every other view.
 *
 * A read copies one chunk at a time (pcpu_alt_chunk_copy()) and adds up
 * its live areas by site; nothing waits for the reader but one copy.
 * The format is in docs/debugfs-abi.md.  pcpu_alt_site_usage() gives
 * modules the same answer (pcpu_alt_live says who holds its areas).
 */
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "pcpu_alt_internal.h"
#include "pcpu_alt_chunk.h"
#include "pcpu_alt_debugfs_cmd.h"

/* What one call site holds. */
struct site_total {
	unsigned int id;
	u64 count;
	u64 bytes;
	unsigned int min_size;
	unsigned int max_size;
};

/* Add up the live, uncached areas of @c by site. */
static void add_chunk(const struct pcpu_alt_chunk_copy *c,
		      struct site_total *t)
{
	const struct pcpu_alt_map *map = &c->map;
	unsigned int size;
	int start;

	for (start = pcpu_alt_map_next_alloc(map, 0); start < map->nr_bits;
	     start = pcpu_alt_map_next_alloc(map, start + 1)) {
		struct site_total *s = &t[c->sites[start]];

		if (c->has_cached && test_bit(start, c->cached))
			continue;
		size = pcpu_alt_map_size_at(map, start) * PCPU_ALT_MIN_ALLOC;
		s->count++;
		s->bytes += size;
		s->min_size = s->count == 1 ? size : min(s->min_size, size);
		s->max_size = max(s->max_size, size);
	}
}

/* Largest holder first; ties by id, for a stable order. */
static int cmp_bytes(const void *a, const void *b)
{
	const struct site_total *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void show_site(struct seq_file *m, const struct site_total *s)
{
	char name[PCPU_ALT_SITE_TEXT_LEN];

	pcpu_alt_site_format(s->id, name, sizeof(name));
	seq_printf(m, "bytes=%llu count=%llu min_size=%u max_size=%u site=%s\n",
		   s->bytes, s->count, s->min_size, s->max_size, name);
}

/*
 * Add up the live areas of every chunk by site, then pack the sites that
 * hold something, largest first.  Returns the table (kvfree() it) and sets
 * *@used, or NULL.
 */
static struct site_total *collect(int *used)
{
	struct pcpu_alt_chunk_copy c;
	struct site_total *t;
	int *ids, nr, i;

	t = kvcalloc(PCPU_ALT_SITE_OTHER + 1, sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	if (pcpu_alt_chunk_copy_init(&c)) {
		kvfree(t);
		return NULL;
	}
	ids = pcpu_alt_chunk_ids(&nr);
	for (i = 0; ids && i < nr; i++) {
		if (ids[i] >= 0 && pcpu_alt_chunk_copy(ids[i], &c))
			add_chunk(&c, t);
		cond_resched();
	}
	kvfree(ids);
	pcpu_alt_chunk_copy_destroy(&c);

	*used = 0;
	for (i = 0; i <= PCPU_ALT_SITE_OTHER; i++) {
		if (!t[i].count)
			continue;
		t[i].id = i;
		t[(*used)++] = t[i];
	}
	sort(t, *used, sizeof(*t), cmp_bytes, NULL);
	return t;
}

static int callers_show(struct seq_file *m, void *v)
{
	struct pcpu_alt_stats st;
	struct site_total *t;
	u64 count = 0, bytes = 0;
	int i, used;

	t = collect(&used);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < used; i++) {
		count += t[i].count;
		bytes += t[i].bytes;
	}
	pcpu_alt_get_stats(&st);
	seq_puts(m, "# pcpu_alt callers: live allocations by call site, largest first; bytes per CPU, as allocated (4-byte granules, class sizes for cached classes)\n");
	seq_printf(m, "# total count=%llu bytes=%llu sites=%d sites_known=%u site_overflows=%llu site_meta_bytes=%zu\n",
		   count, bytes, used, st.nr_sites, st.nr_site_overflows,
		   st.site_meta_bytes);
	for (i = 0; i < used; i++)
		show_site(m, &t[i]);
	kvfree(t);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(callers);

/**
 * pcpu_alt_site_usage() - who holds the memory, for modules
 * @out: filled with the largest holders first
 * @max: room in @out
 *
 * What the callers file shows: live areas (not those sitting in a per-CPU
 * cache) added up by call site, each site named as callers names it.
 *
 * CONTEXT: process context, may sleep.
 * RETURNS: the number of entries filled, or -ENOMEM.
 */
int pcpu_alt_site_usage(struct pcpu_alt_site_usage *out, int max)
{
	struct site_total *t;
	int i, used;

	BUILD_BUG_ON(sizeof(out->site) < PCPU_ALT_SITE_TEXT_LEN);
	t = collect(&used);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < used && i < max; i++) {
		out[i].count = t[i].count;
		out[i].bytes = t[i].bytes;
		pcpu_alt_site_format(t[i].id, out[i].site,
				     sizeof(out[i].site));
	}
	kvfree(t);
	return i;
}
EXPORT_SYMBOL_GPL(pcpu_alt_site_usage);

/**
 * pcpu_alt_debugfs_callers_init() - create the callers file
 * @dir: the module's debugfs directory
 */
void pcpu_alt_debugfs_callers_init(struct dentry *dir)
{
	debugfs_create_file("callers", PCPU_ALT_DEBUGFS_RO, dir, NULL,
			    &callers_fops);
}
