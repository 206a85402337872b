// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt debugfs views of the chunks: "chunks", "hints" and "fragmap".
 *
 * Locking
 * -------
 * These readers take no allocator lock of their own: the chunk layer hands
 * them copies (pcpu_alt_chunk.h).  Each read works in two steps:
 *
 *  1. Order: at file position 0, pcpu_alt_chunks_order() records every
 *     slot list in order with the ids of the chunks on it, in one section
 *     under the slot lists' lock (the array is allocated beforehand; if
 *     chunks were added in between, it is reallocated and the walk
 *     retried).
 *  2. Per chunk: pcpu_alt_chunk_copy() copies the chunk's map (bitmaps,
 *     hint blocks, hints, counters) and populated bitmap into buffers
 *     allocated at open, a few pages per section under that chunk's lock
 *     (IRQs on between sections), again while the chunk changed between
 *     its first section and its last.  Everything printed for that chunk,
 *     the checker's verdict included, is computed from the copy: one
 *     snapshot per chunk, or, for a chunk that changed during every try,
 *     figures that may mix states a few allocations apart, checked page
 *     by page (each page's bits and hints were copied together).
 *     Allocations elsewhere never wait for a reader.
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
 * @c: copy of one chunk (step 2)
 * @errors: checker disagreements on the copy
 * @rep: the first HINTS_MAX_REPORTS of them
 */
struct chunk_walk {
	struct walk_item *items;
	int nr_items;
	int select;
	struct pcpu_alt_chunk_copy c;
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

static int walk_build_order(struct chunk_walk *w)
{
	int n = pcpu_alt_nr_slots + 16, *slots, *ids, i;
	struct walk_item *items = NULL;

	kvfree(w->items);
	w->items = NULL;
	w->nr_items = 0;
	for (;; n *= 2) {
		slots = kvmalloc_array(n, sizeof(*slots), GFP_KERNEL);
		ids = kvmalloc_array(n, sizeof(*ids), GFP_KERNEL);
		items = kvmalloc_array(n, sizeof(*items), GFP_KERNEL);
		if (!slots || !ids || !items)
			goto nomem;
		w->nr_items = pcpu_alt_chunks_order(slots, ids, n);
		if (w->nr_items >= 0)
			break;
		kvfree(slots);
		kvfree(ids);
		kvfree(items);
	}
	for (i = 0; i < w->nr_items; i++) {
		items[i] = (struct walk_item){ .slot = slots[i], .id = ids[i] };
		if (ids[i] >= 0)
			continue;
		while (i + 1 + items[i].nr < w->nr_items &&
		       ids[i + 1 + items[i].nr] >= 0)
			items[i].nr++;
	}
	kvfree(slots);
	kvfree(ids);
	w->items = items;
	return 0;
nomem:
	kvfree(slots);
	kvfree(ids);
	kvfree(items);
	w->nr_items = 0;
	return -ENOMEM;
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
 * Run the checker on the copy, plus the page counters it does not cover
 * (on a copy that is not one snapshot, page by page only).
 */
static void walk_check(struct chunk_walk *w)
{
	w->errors = 0;
	pcpu_alt_chunk_copy_check(&w->c, walk_report, w);
}

/*
 * Users see areas held by per-CPU caches as free: release them in the copy
 * through the map code, which keeps its hints right, then recount the empty
 * populated pages.  The hints file keeps the allocator's own view.
 */
static void walk_user_view(struct chunk_walk *w)
{
	int pages = pcpu_alt_layout.unit_pages, bit, page;

	if (!w->c.has_cached)
		return;
	for_each_set_bit(bit, w->c.cached, w->c.map.nr_bits)
		pcpu_alt_map_free(&w->c.map, bit);
	w->c.nr_empty_pop = 0;
	for_each_set_bit(page, w->c.populated, pages)
		w->c.nr_empty_pop +=
			pcpu_alt_block_empty(&w->c.map.blocks[page]);
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
	const struct pcpu_alt_map *map = &w->c.map;
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
	if (w->c.slot == pcpu_alt_free_slot())
		return w->c.spare ? "spare" : "surplus";
	return w->c.slot ? "active" : "full";
}

/* ---- seq_file plumbing shared by the three files ---- */

static void walk_free(struct chunk_walk *w)
{
	kvfree(w->items);
	pcpu_alt_chunk_copy_destroy(&w->c);
}

static int walk_open(struct inode *inode, struct file *file,
		     const struct seq_operations *ops)
{
	struct chunk_walk *w;

	w = __seq_open_private(file, ops, sizeof(*w));
	if (!w)
		return -ENOMEM;
	if (pcpu_alt_chunk_copy_init(&w->c)) {
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

	if (pcpu_alt_chunk_copy(it->id, &w->c))
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
		   w->c.id, w->c.slot, walk_state(w), pcpu_alt_layout.nr_units,
		   pcpu_alt_layout.unit_pages, w->c.nr_populated,
		   w->c.nr_empty_pop);
	seq_printf(m, " free_bytes=%ld used_bytes=%ld contig_bytes=%ld first_free=%ld nr_alloc=%d free_runs=%d frag_bytes=%ld frag_pct=%d",
		   f.free_bytes,
		   (long)w->c.map.nr_bits * PCPU_ALT_MIN_ALLOC - f.free_bytes,
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

static void hints_repeat(struct seq_file *m, int repeat)
{
	if (repeat)
		seq_printf(m, "  * %d more blocks like it\n", repeat);
}

/* Block @i of the copy equals block @i - 1, populated bit included. */
static bool hints_block_repeats(const struct chunk_walk *w, int i)
{
	const struct pcpu_alt_block *b = &w->c.map.blocks[i];

	if (!i || test_bit(i, w->c.populated) !=
		  test_bit(i - 1, w->c.populated))
		return false;
	return !memcmp(b, b - 1, sizeof(*b));
}

static void hints_chunk(struct seq_file *m, struct chunk_walk *w)
{
	const struct pcpu_alt_map *map = &w->c.map;
	const struct pcpu_alt_block *b;
	int i, repeat = 0;

	walk_check(w);
	seq_printf(m, "chunk id=%d slot=%d nr_bits=%d nr_blocks=%d contig=%d contig_start=%d first_free=%d nr_free=%d nr_allocs=%d populated=%d empty_pop=%d check_errors=%d verdict=%s\n",
		   w->c.id, w->c.slot, map->nr_bits, map->nr_blocks, map->contig,
		   map->contig_start, map->first_free, map->nr_free,
		   map->nr_allocs, w->c.nr_populated, w->c.nr_empty_pop, w->errors,
		   w->errors ? "BAD" : "ok");
	for (i = 0; i < min(w->errors, HINTS_MAX_REPORTS); i++)
		seq_printf(m, "  mismatch chunk=%d what=\"%s\" where=%d expected=%d found=%d\n",
			   w->c.id, w->rep[i].what, w->rep[i].where,
			   w->rep[i].expected, w->rep[i].found);
	if (w->errors > HINTS_MAX_REPORTS)
		seq_printf(m, "  mismatch chunk=%d more=%d\n", w->c.id,
			   w->errors - HINTS_MAX_REPORTS);
	for (i = 0; i < map->nr_blocks; i++) {
		if (hints_block_repeats(w, i)) {
			repeat++;
			continue;
		}
		hints_repeat(m, repeat);
		repeat = 0;
		b = &map->blocks[i];
		seq_printf(m, "  block=%d contig=%d contig_start=%d scan=%d scan_start=%d left_free=%d right_free=%d first_free=%d nr_free=%d populated=%d\n",
			   i, b->contig, b->contig_start, b->scan,
			   b->scan_start, b->left_free, b->right_free,
			   b->first_free, b->nr_free,
			   test_bit(i, w->c.populated));
	}
	hints_repeat(m, repeat);
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
		seq_puts(m, "# \"  * N more blocks like it\": the next N blocks equal the block line above\n");
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
	struct walk_item *items;
	struct chunk_walk w = {};
	bool found = false;
	int i;

	if (walk_build_order(&w))
		return false;
	items = w.items;
	for (i = 0; i < w.nr_items; i++)
		found |= items[i].id == id;
	kvfree(items);
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
	bool populated = test_bit(page, w->c.populated);

	for (i = first; i < first + FRAG_CELL_BITS; i++)
		used += test_bit(i, w->c.map.alloc_map);
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
	int cells = w->c.map.nr_bits / FRAG_CELL_BITS, lines, line, i, repeat = 0;
	char prev[FRAG_CELLS_PER_LINE], cur[FRAG_CELLS_PER_LINE];
	struct chunk_figures f;

	walk_user_view(w);
	walk_figures(w, &f);
	seq_printf(m, "chunk id=%d slot=%d state=%s populated=%d/%d nr_alloc=%d free_bytes=%ld\n",
		   w->c.id, w->c.slot, walk_state(w), w->c.nr_populated,
		   w->c.map.nr_blocks, f.nr_allocs, f.free_bytes);
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
