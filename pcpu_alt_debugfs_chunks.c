// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt debugfs views of the chunks: "chunks", "hints" and "fragmap".
 *
 * Locking
 * -------
 * These readers never take pcpu_alt_mutex, so reading never holds up
 * blocking allocations, chunk creation or the background work.  A chunk is
 * only touched inside a pcpu_alt_lock section in which it was found on a
 * slot list: a chunk is isolated (taken off its list) under pcpu_alt_lock
 * before it is destroyed, so one found there stays alive until the lock is
 * dropped.  Each read works in two steps:
 *
 *  1. Order: at file position 0, one pcpu_alt_lock section records every
 *     slot list in order with the ids of the chunks on it (the array is
 *     allocated beforehand with the lock dropped; if chunks were added in
 *     between, it is reallocated and the walk retried).
 *  2. Per chunk: one pcpu_alt_lock section finds the chunk by id and copies
 *     its map (bitmaps, hint blocks, hints, counters) and populated bitmap
 *     into buffers allocated at open.  Everything printed for that chunk,
 *     the checker's verdict included, is computed from that copy after the
 *     lock is dropped: one consistent snapshot per chunk.
 *
 * A chunk can change slot, or be destroyed, between the two steps; its
 * record then shows its own slot, or a "gone" line.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pcpu_alt_internal.h"
#include "pcpu_alt_chunk.h"
#include "pcpu_alt_debugfs_cmd.h"

/* Checker disagreements printed per chunk by "hints"; the rest are counted. */
#define HINTS_MAX_REPORTS	8

/* fragmap geometry: one line per page, 64 cells per line. */
#define FRAG_CELLS_PER_LINE	64
#define FRAG_CELL_BYTES		((int)(PAGE_SIZE / FRAG_CELLS_PER_LINE))
#define FRAG_CELL_BITS		(FRAG_CELL_BYTES / PCPU_ALT_MIN_ALLOC)

/* Chunk selected by writes to "hints": an id, or -1 for all. */
static int hints_select = -1;

/**
 * struct walk_item - one record of the order snapshot
 * @slot: slot list
 * @id: chunk id, or -1 for the header line of @slot
 * @nr: for a header, chunks on the slot
 */
struct walk_item {
	int slot;
	int id;
	int nr;
};

/**
 * struct walk_report - one disagreement found by the checker
 * @what: what disagreed (a string constant)
 * @where: bit or block index
 * @expected: value recomputed from the bitmaps
 * @found: value in the copy of the hints
 */
struct walk_report {
	const char *what;
	int where;
	int expected;
	int found;
};

/**
 * struct chunk_walk - per-open state of a chunk view
 * @items: order snapshot (step 1 of the locking comment)
 * @nr_items: entries in @items
 * @select: hints only: the chunk id shown, or -1 for all
 * @map: copy of one chunk's map; its pointers point at private buffers
 * @populated: copy of that chunk's populated bitmap
 * @id: that chunk's id
 * @slot: its slot
 * @spare: it is the first fully free chunk, the one kept as a spare
 * @nr_populated: its populated pages
 * @cached: the chunk's cached-area bits, copied with the rest
 * @has_cached: the chunk tracks cached areas at all
 * @nr_empty_pop: its populated pages holding no allocation
 * @errors: checker disagreements on the copy
 * @rep: the first HINTS_MAX_REPORTS of them
 */
struct chunk_walk {
	struct walk_item *items;
	int nr_items;
	int select;
	struct pcpu_alt_map map;
	unsigned long *populated;
	unsigned long *cached;
	bool has_cached;
	int id;
	int slot;
	bool spare;
	int nr_populated;
	int nr_empty_pop;
	int errors;
	struct walk_report rep[HINTS_MAX_REPORTS];
};

/**
 * struct chunk_figures - summary computed from a chunk copy (bytes)
 * @free_bytes: free space
 * @contig_bytes: largest free run
 * @first_free: offset of the first free byte (unit size if none)
 * @nr_allocs: allocations
 * @free_runs: free runs
 * @frag_bytes: free bytes outside the largest free run
 * @frag_pct: @frag_bytes in percent of @free_bytes
 * @min_alloc: smallest allocation, 0 if none
 * @med_alloc: median allocation (lower median), 0 if none
 * @max_alloc: largest allocation, 0 if none
 */
struct chunk_figures {
	long free_bytes;
	long contig_bytes;
	long first_free;
	int nr_allocs;
	int free_runs;
	long frag_bytes;
	int frag_pct;
	long min_alloc;
	long med_alloc;
	long max_alloc;
};

/* ---- step 1: the order of slots and chunks ---- */

static int count_chunks(void)
{
	struct pcpu_alt_chunk *chunk;
	int slot, n = 0;

	for (slot = 0; slot < pcpu_alt_nr_slots; slot++)
		list_for_each_entry(chunk, &pcpu_alt_slots[slot], list)
			n++;
	return n;
}

/* Fill @items (@cap entries); -ENOSPC if they do not fit.  Lock held. */
static int fill_items(struct walk_item *items, int cap)
{
	struct pcpu_alt_chunk *chunk;
	int slot, n = 0, head;

	for (slot = 0; slot < pcpu_alt_nr_slots; slot++) {
		if (n == cap)
			return -ENOSPC;
		head = n++;
		items[head] = (struct walk_item){ .slot = slot, .id = -1 };
		list_for_each_entry(chunk, &pcpu_alt_slots[slot], list) {
			if (n == cap)
				return -ENOSPC;
			items[n++] = (struct walk_item){ .slot = slot,
							 .id = chunk->id };
			items[head].nr++;
		}
	}
	return n;
}

static int walk_build_order(struct chunk_walk *w)
{
	struct walk_item *items;
	int n, extra = 8;

	kvfree(w->items);
	w->items = NULL;
	w->nr_items = 0;
	for (;;) {
		spin_lock_irq(&pcpu_alt_lock);
		n = count_chunks();
		spin_unlock_irq(&pcpu_alt_lock);

		n += pcpu_alt_nr_slots + extra;
		items = kvmalloc_array(n, sizeof(*items), GFP_KERNEL);
		if (!items)
			return -ENOMEM;
		spin_lock_irq(&pcpu_alt_lock);
		n = fill_items(items, n);
		spin_unlock_irq(&pcpu_alt_lock);
		if (n >= 0)
			break;
		kvfree(items);
		extra *= 2;
	}
	w->items = items;
	w->nr_items = n;
	return 0;
}

/* ---- step 2: a copy of one chunk ---- */

static void walk_report(void *arg, const char *what, int where, int expected,
			int found)
{
	struct chunk_walk *w = arg;

	if (w->errors < HINTS_MAX_REPORTS)
		w->rep[w->errors] = (struct walk_report){
			.what = what, .where = where,
			.expected = expected, .found = found,
		};
	w->errors++;
}

/*
 * Copy chunk @id into @w.  The map struct is copied whole, then its
 * pointers are pointed back at our buffers.
 * RETURNS: true if the chunk was found.
 */
static bool walk_copy_chunk(struct chunk_walk *w, int id)
{
	unsigned long *alloc_map = w->map.alloc_map;
	unsigned long *bound_map = w->map.bound_map;
	struct pcpu_alt_block *blocks = w->map.blocks;
	int nr_bits = w->map.nr_bits, nr_blocks = w->map.nr_blocks;
	int pages = pcpu_alt_layout.unit_pages, slot;
	struct pcpu_alt_chunk *chunk, *found = NULL;
	struct list_head *free_list;

	spin_lock_irq(&pcpu_alt_lock);
	for (slot = 0; slot < pcpu_alt_nr_slots && !found; slot++)
		list_for_each_entry(chunk, &pcpu_alt_slots[slot], list)
			if (chunk->id == id) {
				found = chunk;
				break;
			}
	if (found && found->map.nr_bits == nr_bits &&
	    found->map.nr_blocks == nr_blocks) {
		w->map = found->map;
		bitmap_copy(alloc_map, found->map.alloc_map, nr_bits);
		bitmap_copy(bound_map, found->map.bound_map, nr_bits + 1);
		memcpy(blocks, found->map.blocks, nr_blocks * sizeof(*blocks));
		bitmap_copy(w->populated, found->populated, pages);
		w->has_cached = found->cached;
		if (found->cached)
			bitmap_copy(w->cached, found->cached, nr_bits);
		w->id = found->id;
		w->slot = found->slot;
		w->nr_populated = found->nr_populated;
		w->nr_empty_pop = found->nr_empty_pop;
		free_list = &pcpu_alt_slots[pcpu_alt_free_slot()];
		w->spare = !list_empty(free_list) &&
			   list_first_entry(free_list, struct pcpu_alt_chunk,
					    list) == found;
	} else {
		found = NULL;
	}
	spin_unlock_irq(&pcpu_alt_lock);

	w->map.alloc_map = alloc_map;
	w->map.bound_map = bound_map;
	w->map.blocks = blocks;
	w->map.nr_bits = nr_bits;
	w->map.nr_blocks = nr_blocks;
	return found;
}

/* Run the checker on the copy, plus the page counters it does not cover. */
static void walk_check(struct chunk_walk *w)
{
	int pages = pcpu_alt_layout.unit_pages, page, empty = 0;

	w->errors = 0;
	pcpu_alt_map_check(&w->map, walk_report, w);
	for_each_set_bit(page, w->populated, pages)
		empty += pcpu_alt_block_empty(&w->map.blocks[page]);
	if (bitmap_weight(w->populated, pages) != w->nr_populated)
		walk_report(w, "nr_populated", 0,
			    bitmap_weight(w->populated, pages),
			    w->nr_populated);
	if (empty != w->nr_empty_pop)
		walk_report(w, "nr_empty_pop", 0, empty, w->nr_empty_pop);
}

/*
 * Users see areas held by per-CPU caches as free: release them in the copy
 * through the map code, which keeps its hints right, then recount the empty
 * populated pages.  The hints file keeps the allocator's own view.
 */
static void walk_user_view(struct chunk_walk *w)
{
	int pages = pcpu_alt_layout.unit_pages, bit, page;

	if (!w->has_cached)
		return;
	for_each_set_bit(bit, w->cached, w->map.nr_bits)
		pcpu_alt_map_free(&w->map, bit);
	w->nr_empty_pop = 0;
	for_each_set_bit(page, w->populated, pages)
		w->nr_empty_pop += pcpu_alt_block_empty(&w->map.blocks[page]);
}

/* Allocations of at most @limit bits in the copy. */
static int count_allocs_upto(const struct pcpu_alt_map *map, int limit)
{
	int start, n = 0;

	for (start = pcpu_alt_map_next_alloc(map, 0); start < map->nr_bits;
	     start = pcpu_alt_map_next_alloc(map, start + 1))
		n += pcpu_alt_map_size_at(map, start) <= limit;
	return n;
}

static void walk_figures(const struct chunk_walk *w, struct chunk_figures *f)
{
	const struct pcpu_alt_map *map = &w->map;
	int start, end, bits, lo = INT_MAX, hi = 0, mid, k;

	memset(f, 0, sizeof(*f));
	f->free_bytes = (long)map->nr_free * PCPU_ALT_MIN_ALLOC;
	f->contig_bytes = (long)map->contig * PCPU_ALT_MIN_ALLOC;
	f->first_free = (long)map->first_free * PCPU_ALT_MIN_ALLOC;
	f->frag_bytes = f->free_bytes - f->contig_bytes;
	if (f->free_bytes)
		f->frag_pct = f->frag_bytes * 100 / f->free_bytes;

	for (end = 0;;) {
		start = find_next_zero_bit(map->alloc_map, map->nr_bits, end);
		if (start >= map->nr_bits)
			break;
		end = find_next_bit(map->alloc_map, map->nr_bits, start);
		f->free_runs++;
	}

	for (start = pcpu_alt_map_next_alloc(map, 0); start < map->nr_bits;
	     start = pcpu_alt_map_next_alloc(map, start + 1)) {
		bits = pcpu_alt_map_size_at(map, start);
		f->nr_allocs++;
		lo = min(lo, bits);
		hi = max(hi, bits);
	}
	if (!f->nr_allocs)
		return;
	f->min_alloc = (long)lo * PCPU_ALT_MIN_ALLOC;
	f->max_alloc = (long)hi * PCPU_ALT_MIN_ALLOC;
	/* Lower median: the smallest size with at least half at or below. */
	k = (f->nr_allocs + 1) / 2;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (count_allocs_upto(map, mid) >= k)
			hi = mid;
		else
			lo = mid + 1;
	}
	f->med_alloc = (long)lo * PCPU_ALT_MIN_ALLOC;
}

static const char *walk_state(const struct chunk_walk *w)
{
	if (w->slot == pcpu_alt_free_slot())
		return w->spare ? "spare" : "surplus";
	return w->slot ? "active" : "full";
}

/* ---- seq_file plumbing shared by the three files ---- */

static void walk_free(struct chunk_walk *w)
{
	kvfree(w->items);
	bitmap_free(w->map.alloc_map);
	bitmap_free(w->map.bound_map);
	kvfree(w->map.blocks);
	bitmap_free(w->populated);
	bitmap_free(w->cached);
}

static int walk_open(struct inode *inode, struct file *file,
		     const struct seq_operations *ops)
{
	int nr_bits = pcpu_alt_layout.unit_size / PCPU_ALT_MIN_ALLOC;
	int pages = pcpu_alt_layout.unit_pages;
	struct chunk_walk *w;

	w = __seq_open_private(file, ops, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->map.nr_bits = nr_bits;
	w->map.nr_blocks = pages;
	w->map.alloc_map = bitmap_zalloc(nr_bits, GFP_KERNEL);
	w->map.bound_map = bitmap_zalloc(nr_bits + 1, GFP_KERNEL);
	w->map.blocks = kvcalloc(pages, sizeof(*w->map.blocks), GFP_KERNEL);
	w->populated = bitmap_zalloc(pages, GFP_KERNEL);
	w->cached = bitmap_zalloc(nr_bits, GFP_KERNEL);
	if (!w->map.alloc_map || !w->map.bound_map || !w->map.blocks ||
	    !w->populated || !w->cached) {
		walk_free(w);
		seq_release_private(inode, file);
		return -ENOMEM;
	}
	return 0;
}

static int walk_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	walk_free(m->private);
	return seq_release_private(inode, file);
}

/*
 * Position 0 is the file header (SEQ_START_TOKEN); position p > 0 is
 * item p - 1 of the order snapshot, which is rebuilt whenever reading
 * (re)starts at position 0.
 */
static void *walk_start(struct seq_file *m, loff_t *pos)
{
	struct chunk_walk *w = m->private;
	int err;

	if (!*pos) {
		w->select = READ_ONCE(hints_select);
		err = walk_build_order(w);
		if (err)
			return ERR_PTR(err);
		return SEQ_START_TOKEN;
	}
	if (*pos > w->nr_items)
		return NULL;
	return &w->items[*pos - 1];
}

static void *walk_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct chunk_walk *w = m->private;

	++*pos;
	if (*pos > w->nr_items)
		return NULL;
	return &w->items[*pos - 1];
}

static void walk_stop(struct seq_file *m, void *v)
{
}

/* Copy the chunk of @it; print a "gone" line if it no longer exists. */
static bool walk_item_chunk(struct seq_file *m, const struct walk_item *it)
{
	struct chunk_walk *w = m->private;

	if (walk_copy_chunk(w, it->id))
		return true;
	seq_printf(m, "chunk id=%d gone=1\n", it->id);
	return false;
}

/* ---- chunks ---- */

static void slot_line(struct seq_file *m, const struct walk_item *it)
{
	int slot = it->slot;

	if (!slot)
		seq_printf(m, "slot=%d kind=full nr_chunks=%d\n", slot, it->nr);
	else if (slot == pcpu_alt_free_slot())
		seq_printf(m, "slot=%d kind=free nr_chunks=%d\n", slot,
			   it->nr);
	else
		seq_printf(m, "slot=%d kind=partial contig_min=%lu contig_max=%lu nr_chunks=%d\n",
			   slot, 1UL << (slot - 1), (1UL << slot) - 1,
			   it->nr);
}

static int chunks_show(struct seq_file *m, void *v)
{
	struct chunk_walk *w = m->private;
	const struct walk_item *it = v;
	struct chunk_figures f;

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "# pcpu_alt chunks: unit_size=%zu nr_units=%u pages_per_unit=%d nr_slots=%d\n",
			   pcpu_alt_layout.unit_size, pcpu_alt_layout.nr_units,
			   pcpu_alt_layout.unit_pages, pcpu_alt_nr_slots);
		seq_puts(m, "# slot lists in search order, each followed by its chunks; sizes in bytes of one unit.\n");
		seq_puts(m, "# state: full | active | spare (fully free, kept) | surplus (fully free, to destroy)\n");
		return 0;
	}
	if (it->id < 0) {
		slot_line(m, it);
		return 0;
	}
	if (!walk_item_chunk(m, it))
		return 0;
	walk_user_view(w);
	walk_figures(w, &f);
	seq_printf(m, "chunk id=%d slot=%d state=%s units=%u pages=%d populated=%d empty_pop=%d",
		   w->id, w->slot, walk_state(w), pcpu_alt_layout.nr_units,
		   pcpu_alt_layout.unit_pages, w->nr_populated,
		   w->nr_empty_pop);
	seq_printf(m, " free_bytes=%ld used_bytes=%ld contig_bytes=%ld first_free=%ld nr_alloc=%d free_runs=%d frag_bytes=%ld frag_pct=%d",
		   f.free_bytes,
		   (long)w->map.nr_bits * PCPU_ALT_MIN_ALLOC - f.free_bytes,
		   f.contig_bytes, f.first_free, f.nr_allocs, f.free_runs,
		   f.frag_bytes, f.frag_pct);
	seq_printf(m, " min_alloc=%ld med_alloc=%ld max_alloc=%ld\n",
		   f.min_alloc, f.med_alloc, f.max_alloc);
	return 0;
}

static const struct seq_operations chunks_seq_ops = {
	.start = walk_start,
	.next = walk_next,
	.stop = walk_stop,
	.show = chunks_show,
};

static int chunks_open(struct inode *inode, struct file *file)
{
	return walk_open(inode, file, &chunks_seq_ops);
}

static const struct file_operations chunks_fops = {
	.owner = THIS_MODULE,
	.open = chunks_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = walk_release,
};

/* ---- hints ---- */

static void hints_chunk(struct seq_file *m, struct chunk_walk *w)
{
	const struct pcpu_alt_map *map = &w->map;
	const struct pcpu_alt_block *b;
	int i;

	walk_check(w);
	seq_printf(m, "chunk id=%d slot=%d nr_bits=%d nr_blocks=%d contig=%d contig_start=%d first_free=%d nr_free=%d nr_allocs=%d populated=%d empty_pop=%d check_errors=%d verdict=%s\n",
		   w->id, w->slot, map->nr_bits, map->nr_blocks, map->contig,
		   map->contig_start, map->first_free, map->nr_free,
		   map->nr_allocs, w->nr_populated, w->nr_empty_pop, w->errors,
		   w->errors ? "BAD" : "ok");
	for (i = 0; i < min(w->errors, HINTS_MAX_REPORTS); i++)
		seq_printf(m, "  mismatch chunk=%d what=\"%s\" where=%d expected=%d found=%d\n",
			   w->id, w->rep[i].what, w->rep[i].where,
			   w->rep[i].expected, w->rep[i].found);
	if (w->errors > HINTS_MAX_REPORTS)
		seq_printf(m, "  mismatch chunk=%d more=%d\n", w->id,
			   w->errors - HINTS_MAX_REPORTS);
	for (i = 0; i < map->nr_blocks; i++) {
		b = &map->blocks[i];
		seq_printf(m, "  block=%d contig=%d contig_start=%d scan=%d scan_start=%d left_free=%d right_free=%d first_free=%d nr_free=%d populated=%d\n",
			   i, b->contig, b->contig_start, b->scan,
			   b->scan_start, b->left_free, b->right_free,
			   b->first_free, b->nr_free,
			   test_bit(i, w->populated));
	}
}

static int hints_show(struct seq_file *m, void *v)
{
	struct chunk_walk *w = m->private;
	const struct walk_item *it = v;
	int i, seen = 0;

	if (v == SEQ_START_TOKEN) {
		if (w->select < 0)
			seq_puts(m, "# pcpu_alt hints: selected=all\n");
		else
			seq_printf(m, "# pcpu_alt hints: selected=%d\n",
				   w->select);
		seq_printf(m, "# positions and lengths in bits of %d bytes; one block per page (%d bits)\n",
			   PCPU_ALT_MIN_ALLOC, PCPU_ALT_BLOCK_BITS);
		seq_puts(m, "# verdict: pcpu_alt_map_check() and page counters on this chunk's snapshot\n");
		if (w->select < 0)
			return 0;
		for (i = 0; i < w->nr_items; i++)
			seen |= w->items[i].id == w->select;
		if (!seen)
			seq_printf(m, "# chunk %d not found\n", w->select);
		return 0;
	}
	if (it->id < 0 || (w->select >= 0 && it->id != w->select))
		return 0;
	if (walk_item_chunk(m, it))
		hints_chunk(m, w);
	return 0;
}

static const struct seq_operations hints_seq_ops = {
	.start = walk_start,
	.next = walk_next,
	.stop = walk_stop,
	.show = hints_show,
};

static int hints_open(struct inode *inode, struct file *file)
{
	return walk_open(inode, file, &hints_seq_ops);
}

static bool chunk_exists(int id)
{
	struct pcpu_alt_chunk *chunk;
	bool found = false;
	int slot;

	spin_lock_irq(&pcpu_alt_lock);
	for (slot = 0; slot < pcpu_alt_nr_slots; slot++)
		list_for_each_entry(chunk, &pcpu_alt_slots[slot], list)
			found |= chunk->id == id;
	spin_unlock_irq(&pcpu_alt_lock);
	return found;
}

/* "all" or the id of an existing chunk; anything else changes nothing. */
static ssize_t hints_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char cmd[PCPU_ALT_DEBUGFS_CMD_MAX];
	int err, id;

	err = pcpu_alt_debugfs_get_cmd(cmd, sizeof(cmd), ubuf, count, ppos);
	if (err)
		return err;
	if (!strcmp(cmd, "all")) {
		id = -1;
	} else {
		if (!isdigit(cmd[0]) || kstrtoint(cmd, 10, &id))
			return -EINVAL;
		if (!chunk_exists(id))
			return -ENOENT;
	}
	WRITE_ONCE(hints_select, id);
	return count;
}

static const struct file_operations hints_fops = {
	.owner = THIS_MODULE,
	.open = hints_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = hints_write,
	.release = walk_release,
};

/* ---- fragmap ---- */

static char frag_cell(const struct chunk_walk *w, int cell)
{
	int first = cell * FRAG_CELL_BITS, i, used = 0;
	int page = first / PCPU_ALT_BLOCK_BITS;
	bool populated = test_bit(page, w->populated);

	for (i = first; i < first + FRAG_CELL_BITS; i++)
		used += test_bit(i, w->map.alloc_map);
	if (!populated)
		return used ? '!' : '~';
	if (!used)
		return '.';
	return used == FRAG_CELL_BITS ? '#' : '+';
}

static void frag_repeat(struct seq_file *m, int repeat)
{
	if (repeat)
		seq_printf(m, "* %d\n", repeat);
}

static void fragmap_chunk(struct seq_file *m, struct chunk_walk *w)
{
	int cells = w->map.nr_bits / FRAG_CELL_BITS, lines, line, i, repeat = 0;
	char prev[FRAG_CELLS_PER_LINE], cur[FRAG_CELLS_PER_LINE];
	struct chunk_figures f;

	walk_user_view(w);
	walk_figures(w, &f);
	seq_printf(m, "chunk id=%d slot=%d state=%s populated=%d/%d nr_alloc=%d free_bytes=%ld\n",
		   w->id, w->slot, walk_state(w), w->nr_populated,
		   w->map.nr_blocks, f.nr_allocs, f.free_bytes);
	lines = DIV_ROUND_UP(cells, FRAG_CELLS_PER_LINE);
	for (line = 0; line < lines; line++) {
		memset(cur, ' ', sizeof(cur));
		for (i = 0; i < FRAG_CELLS_PER_LINE; i++)
			if (line * FRAG_CELLS_PER_LINE + i < cells)
				cur[i] = frag_cell(w, line *
						   FRAG_CELLS_PER_LINE + i);
		if (line && !memcmp(cur, prev, sizeof(cur))) {
			repeat++;
			continue;
		}
		frag_repeat(m, repeat);
		repeat = 0;
		seq_printf(m, "%07lx %.*s\n",
			   (unsigned long)line * FRAG_CELLS_PER_LINE *
			   FRAG_CELL_BYTES, FRAG_CELLS_PER_LINE, cur);
		memcpy(prev, cur, sizeof(prev));
	}
	frag_repeat(m, repeat);
}

static int fragmap_show(struct seq_file *m, void *v)
{
	struct chunk_walk *w = m->private;
	const struct walk_item *it = v;

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "# pcpu_alt fragmap: 1 char = %d bytes of a unit, %d per line\n",
			   FRAG_CELL_BYTES, FRAG_CELLS_PER_LINE);
		seq_printf(m, "# unit_size=%zu cell_bytes=%d cells_per_line=%d\n",
			   pcpu_alt_layout.unit_size, FRAG_CELL_BYTES,
			   FRAG_CELLS_PER_LINE);
		seq_puts(m, "# legend: # allocated  + partly allocated  . free\n");
		seq_puts(m, "#         ~ unpopulated  ! allocated, page not yet populated\n");
		seq_puts(m, "# lines: <hex offset> <cells>; \"* N\": N more lines like the last\n");
		return 0;
	}
	if (it->id < 0)
		return 0;
	if (walk_item_chunk(m, it))
		fragmap_chunk(m, w);
	return 0;
}

static const struct seq_operations fragmap_seq_ops = {
	.start = walk_start,
	.next = walk_next,
	.stop = walk_stop,
	.show = fragmap_show,
};

static int fragmap_open(struct inode *inode, struct file *file)
{
	return walk_open(inode, file, &fragmap_seq_ops);
}

static const struct file_operations fragmap_fops = {
	.owner = THIS_MODULE,
	.open = fragmap_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = walk_release,
};

/**
 * pcpu_alt_debugfs_chunks_init() - create chunks, hints and fragmap
 * @dir: the module's debugfs directory
 */
void pcpu_alt_debugfs_chunks_init(struct dentry *dir)
{
	hints_select = -1;
	debugfs_create_file("chunks", PCPU_ALT_DEBUGFS_RO, dir, NULL,
			    &chunks_fops);
	debugfs_create_file("hints", PCPU_ALT_DEBUGFS_RW, dir, NULL,
			    &hints_fops);
	debugfs_create_file("fragmap", PCPU_ALT_DEBUGFS_RO, dir, NULL,
			    &fragmap_fops);
}
