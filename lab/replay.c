// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt trace replay: a trace of real per-CPU allocations (captured from
 * the stock allocator's trace events by scripts/replay/capture) played
 * through pcpu_alt and, in the same run, through the stock allocator
 * (__alloc_percpu_gfp()/free_percpu()): each record is applied to both,
 * pcpu_alt first.
 *
 * debugfs file "replay": its commands, record format, limits, errors and
 * output keys are in docs/debugfs-abi.md; how to capture and compare in
 * docs/real-workloads.md.
 *
 * What a loaded trace may make the kernel hold: at most 1048576 records,
 * and no allocation that would take the trace's live bytes (sizes rounded
 * up to 4 bytes, counted while loading) above 16 MiB per CPU
 * (PCPU_ALT_LAB_MAX_LIVE_BYTES), so a replay cannot run either allocator
 * dry for the rest of the kernel.  At the record limit the trace takes at
 * most 16 MiB (12 of records, 4 of slot sizes) plus 16 MiB for the id
 * table while loading (8 bytes per entry, at least twice the live ids),
 * briefly half as much again while an array grows; a replay adds 16 bytes
 * per allocation record for the areas of both allocators, 8 bytes per
 * record for the times of their calls and, to count live pages, one xarray
 * entry per page holding a live area.  Everything is allocated with
 * PCPU_ALT_LAB_GFP: a write fails with -ENOMEM when memory for it cannot
 * be had (the lines before it stay loaded).  Ids are any numbers
 * 0..2^32-1, spaced as they like: they are mapped to dense slots through a
 * hash table sized by the live ids.
 *
 * The stock allocator exports no counter of its populated pages to modules
 * (pcpu_nr_pages() is not exported): scripts/replay/replay reads
 * /proc/meminfo between "step"s for those.  Its chunks are counted through
 * its own trace points percpu_create_chunk/percpu_destroy_chunk, hooked
 * only while this module is loaded; stock_meta_per_chunk() estimates
 * mm/percpu.c's metadata for one chunk (formula in the ABI document).
 *
 * Locking: replay_mutex protects the loaded trace, the id table, the
 * replay state and the results; the chunk counters are atomics bumped by
 * the trace point probes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/ctype.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "lab.h"

#define REPLAY_LINE_MAX		128
#define REPLAY_MAX_SIZE		32768
#define REPLAY_MAX_RECORDS	1048576
#define REPLAY_MAX_STEP		1000000
#define REPLAY_COPY		1024
/* First room of the record arrays and of the id table. */
#define REPLAY_FIRST_RECS	1024
#define REPLAY_FIRST_IDS_BITS	10
/* Records between two looks at a fatal signal while replaying. */
#define REPLAY_CHECK_EVERY	64
/* Areas freed between two cond_resched(). */
#define REPLAY_RESCHED_EVERY	1024
/* An id table slot holding no id. */
#define REPLAY_NO_SLOT		U32_MAX
/* time_ratio: thousandths. */
#define REPLAY_RATIO_SCALE	1000
/* time_trim_ns leaves out the slowest 1 call in this many. */
#define REPLAY_TRIM_EVERY	100
#define STOCK_CHUNK_STRUCT	144
#define STOCK_BLOCK_MD		32

enum replay_state { R_IDLE, R_LOADING, R_REPLAYING };

static const char * const state_name[] = {
	[R_IDLE] = "idle",
	[R_LOADING] = "loading",
	[R_REPLAYING] = "replaying",
};

/**
 * struct replay_rec - one accepted record
 * @slot: index of its allocation in the replay's pointer arrays
 * @size: bytes (allocations)
 * @align: bytes (allocations)
 * @is_free: a free, else an allocation
 * @atomic: allocate with GFP_NOWAIT
 */
struct replay_rec {
	u32 slot;
	u32 size;
	u16 align;
	u8 is_free;
	u8 atomic;
};

/**
 * struct replay_id - one entry of the id table
 * @id: a live id of the trace being loaded
 * @slot: its allocation's slot, or REPLAY_NO_SLOT for a free entry
 */
struct replay_id {
	u32 id;
	u32 slot;
};

/**
 * struct replay_counts - what loading a trace found
 * @lines: lines seen
 * @comments: comment lines
 * @records: records kept
 * @allocs: allocations kept
 * @frees: frees kept
 * @garbage: lines that do not parse
 * @range: numbers out of range, or over the record limit
 * @double_alloc: allocations of a live id
 * @unknown_free: frees of an id not live
 * @max_size: largest allocation kept
 */
struct replay_counts {
	u64 lines, comments, records, allocs, frees;
	u64 garbage, range, double_alloc, unknown_free;
	u32 max_size;
};

/**
 * struct replay_side - one allocator's replay figures
 * @ptrs: live areas by slot
 * @alloc_ops: allocation attempts
 * @alloc_fail: failed attempts
 * @free_ops: frees of the trace
 * @freed_at_end: areas still live after the last record, then freed
 * @time_ns: time in the allocator's calls
 * @call_ns: each call's time, in call order (NULL when it could not be had)
 * @nr_calls: entries in @call_ns
 * @call_p50_ns: median time of one call (after the replay)
 * @time_trim_ns: @time_ns without the slowest call in REPLAY_TRIM_EVERY
 * @pop: populated bytes: base, peak, final (pcpu_alt)
 * @chunks: chunks: base, peak, final (pcpu_alt); created minus destroyed
 *          since start: -, peak, final (stock)
 * @meta: metadata bytes: base, peak, final (pcpu_alt)
 * @frag_bytes: see the file comment (pcpu_alt)
 * @pages: refcount per page (see the file comment) of the live areas
 * @live_pages: pages in @pages now
 * @live_pages_peak: the most pages in @pages at once
 * @refills: cache refills during the records (pcpu_alt): its stats value
 *           at start, then the difference once the records are done
 * @drains: the same for cache drains
 */
struct replay_side {
	void __percpu **ptrs;
	u64 alloc_ops, alloc_fail, free_ops, freed_at_end, time_ns;
	u32 *call_ns;
	u32 nr_calls;
	u64 call_p50_ns, time_trim_ns;
	u64 pop[3];
	long chunks[3];
	u64 meta[3];
	u64 frag_bytes;
	struct xarray *pages;
	u64 live_pages, live_pages_peak;
	u64 refills, drains;
};

enum { BASE, PEAK, FINAL };

/* Everything below: replay_mutex. */
static DEFINE_MUTEX(replay_mutex);
static enum replay_state replay_state;
static struct replay_rec *recs;
static u32 *slot_size;			/* bytes of each slot's area */
static u32 nr_recs, max_recs;		/* @recs and @slot_size: max_recs */
static u32 nr_slots;
static u64 load_live_bytes;		/* per CPU, of the loaded trace */
/* Live ids while loading: open addressing, linear probing. */
static struct replay_id *ids;
static unsigned int ids_bits;		/* 1 << ids_bits entries */
static u32 ids_live;
static siphash_key_t ids_key;
static struct replay_counts cur;
static char pending[REPLAY_LINE_MAX];
static unsigned int pending_len;
static bool pending_long;
static u32 pos;
static struct replay_side alt, stock;
static bool have_result;
static struct replay_counts res_counts;
static struct replay_side res_alt, res_stock;
static size_t stock_unit;
static struct xarray alt_pages, stock_pages;	/* page -> xa_mk_value(n) */

/* Stock chunk trace point probes. */
static atomic_long_t stock_created, stock_destroyed;
static struct tracepoint *tp_create, *tp_destroy;

static void probe_create(void *data, void *base_addr)
{
	atomic_long_inc(&stock_created);
}

static void probe_destroy(void *data, void *base_addr)
{
	atomic_long_inc(&stock_destroyed);
}

static void find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "percpu_create_chunk"))
		tp_create = tp;
	else if (!strcmp(tp->name, "percpu_destroy_chunk"))
		tp_destroy = tp;
}

static long stock_chunks_now(void)
{
	return atomic_long_read(&stock_created) -
	       atomic_long_read(&stock_destroyed);
}

static u64 stock_meta_per_chunk(void)
{
	u64 bits = stock_unit / 4, pages = stock_unit / PAGE_SIZE, m;

	if (!stock_unit)
		return 0;
	m = STOCK_CHUNK_STRUCT + BITS_TO_LONGS(pages) * sizeof(long);
	m += BITS_TO_LONGS(bits) * sizeof(long);
	m += BITS_TO_LONGS(bits + 1) * sizeof(long);
	m += pages * STOCK_BLOCK_MD;
	if (IS_ENABLED(CONFIG_MEMCG_KMEM))
		m += bits * sizeof(void *);
	return m;
}

/* The stock unit size: distance between two possible CPUs' offsets. */
static size_t find_stock_unit(void)
{
	unsigned long best = 0, d;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		if (!cpu)
			continue;
		d = __per_cpu_offset[cpu] > __per_cpu_offset[0] ?
		    __per_cpu_offset[cpu] - __per_cpu_offset[0] :
		    __per_cpu_offset[0] - __per_cpu_offset[cpu];
		if (d && (!best || d < best))
			best = d;
	}
	return best;
}

/* ---- the id table ------------------------------------------------------ */

static u32 ids_home(u32 id)
{
	return siphash_1u32(id, &ids_key) & (BIT(ids_bits) - 1);
}

/* The entry of @id, or the free one where it would go. */
static u32 ids_find(u32 id)
{
	u32 mask = BIT(ids_bits) - 1, i = ids_home(id);

	while (ids[i].slot != REPLAY_NO_SLOT && ids[i].id != id)
		i = (i + 1) & mask;
	return i;
}

static void ids_destroy(void)
{
	kvfree(ids);
	ids = NULL;
	ids_bits = 0;
	ids_live = 0;
}

/* Make the table 1 << @bits entries, the live ids moved over. */
static int ids_resize(unsigned int bits)
{
	struct replay_id *old = ids;
	u32 i, n = old ? BIT(ids_bits) : 0;

	ids = kvmalloc_array(BIT(bits), sizeof(*ids), PCPU_ALT_LAB_GFP);
	if (!ids) {
		ids = old;
		return -ENOMEM;
	}
	for (i = 0; i < BIT(bits); i++)
		ids[i].slot = REPLAY_NO_SLOT;
	ids_bits = bits;
	for (i = 0; i < n; i++)
		if (old[i].slot != REPLAY_NO_SLOT)
			ids[ids_find(old[i].id)] = old[i];
	kvfree(old);
	return 0;
}

/* The slot of live @id, or REPLAY_NO_SLOT. */
static u32 ids_lookup(u32 id)
{
	return ids ? ids[ids_find(id)].slot : REPLAY_NO_SLOT;
}

/* Add @id (not live) with @slot; the table stays at most half full. */
static int ids_insert(u32 id, u32 slot)
{
	int err;

	if (!ids || 2 * (ids_live + 1) > BIT(ids_bits)) {
		err = ids_resize(ids ? ids_bits + 1 : REPLAY_FIRST_IDS_BITS);
		if (err)
			return err;
	}
	ids[ids_find(id)] = (struct replay_id){ id, slot };
	ids_live++;
	return 0;
}

/*
 * Remove @id; returns its slot, or REPLAY_NO_SLOT if it was not live.
 * Later entries of the same run move back so that no search stops early.
 */
static u32 ids_erase(u32 id)
{
	u32 mask, i, j, home, slot;

	if (!ids)
		return REPLAY_NO_SLOT;
	mask = BIT(ids_bits) - 1;
	i = ids_find(id);
	slot = ids[i].slot;
	if (slot == REPLAY_NO_SLOT)
		return slot;
	for (j = (i + 1) & mask; ids[j].slot != REPLAY_NO_SLOT;
	     j = (j + 1) & mask) {
		home = ids_home(ids[j].id);
		/* It stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		ids[i] = ids[j];
		i = j;
	}
	ids[i].slot = REPLAY_NO_SLOT;
	ids_live--;
	return slot;
}

/* ---- loading ---------------------------------------------------------- */

static void drop_trace(void)
{
	kvfree(recs);
	recs = NULL;
	kvfree(slot_size);
	slot_size = NULL;
	nr_recs = 0;
	max_recs = 0;
	nr_slots = 0;
	load_live_bytes = 0;
	ids_destroy();
	get_random_bytes(&ids_key, sizeof(ids_key));
	memset(&cur, 0, sizeof(cur));
	pending_len = 0;
	pending_long = false;
}

/* Room for one more record and one more slot. */
static int recs_reserve(void)
{
	struct replay_rec *r;
	u32 *sz, want;

	if (nr_recs < max_recs)
		return 0;
	want = max_recs ? max_recs * 2 : REPLAY_FIRST_RECS;
	r = kvmalloc_array(want, sizeof(*r), PCPU_ALT_LAB_GFP);
	sz = kvmalloc_array(want, sizeof(*sz), PCPU_ALT_LAB_GFP);
	if (!r || !sz) {
		kvfree(r);
		kvfree(sz);
		return -ENOMEM;
	}
	if (recs) {
		memcpy(r, recs, nr_recs * sizeof(*r));
		memcpy(sz, slot_size, nr_slots * sizeof(*sz));
	}
	kvfree(recs);
	kvfree(slot_size);
	recs = r;
	slot_size = sz;
	max_recs = want;
	return 0;
}

/* Per-CPU bytes an area of @size takes, for the live-bytes limit. */
static u32 area_bytes(u32 size)
{
	return round_up(size, PCPU_ALT_LAB_GRANULE);
}

/* A decimal number without sign or leading zeros (except "0"). */
static bool parse_u32(const char *s, u32 *v)
{
	const char *p;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (p = s; *p; p++)
		if (!isdigit(*p))
			return false;
	return !kstrtou32(s, 10, v);
}

static int load_record(char *line)
{
	struct replay_rec r = {};
	u32 id = 0, size = 0, align, atomic, slot;
	char *w[6];
	int n, err;

	n = pcpu_alt_lab_split_words(line, w, ARRAY_SIZE(w));
	if (n == 2 && !strcmp(w[0], "f")) {
		if (!parse_u32(w[1], &id))
			goto garbage;
		if (nr_recs >= REPLAY_MAX_RECORDS) {
			cur.range++;
			return 0;
		}
		err = recs_reserve();
		if (err)
			return err;
		slot = ids_erase(id);
		if (slot == REPLAY_NO_SLOT) {
			cur.unknown_free++;
			return 0;
		}
		r.is_free = 1;
		r.slot = slot;
		load_live_bytes -= area_bytes(slot_size[slot]);
	} else if (n == 6 && !strcmp(w[0], "a")) {
		if (!parse_u32(w[1], &id) || !parse_u32(w[2], &size) ||
		    !parse_u32(w[3], &align) || !parse_u32(w[4], &atomic))
			goto garbage;
		if (!size || size > REPLAY_MAX_SIZE || !is_power_of_2(align) ||
		    align > PAGE_SIZE || atomic > 1 ||
		    nr_recs >= REPLAY_MAX_RECORDS ||
		    load_live_bytes + area_bytes(size) >
		    PCPU_ALT_LAB_MAX_LIVE_BYTES) {
			cur.range++;
			return 0;
		}
		if (ids_lookup(id) != REPLAY_NO_SLOT) {
			cur.double_alloc++;
			return 0;
		}
		err = recs_reserve();
		if (!err)
			err = ids_insert(id, nr_slots);
		if (err)
			return err;
		r.slot = nr_slots;
		r.size = size;
		r.align = align;
		r.atomic = atomic;
		slot_size[nr_slots++] = size;
		load_live_bytes += area_bytes(size);
		cur.allocs++;
		cur.max_size = max(cur.max_size, size);
	} else {
		goto garbage;
	}
	recs[nr_recs++] = r;
	cur.records++;
	if (r.is_free)
		cur.frees++;
	return 0;
garbage:
	cur.garbage++;
	return 0;
}

/* ---- replaying -------------------------------------------------------- */

static void alt_sample(struct replay_side *s, int which)
{
	struct pcpu_alt_stats st;
	u64 pop;

	pcpu_alt_get_stats(&st);
	pop = (u64)st.nr_populated_pages * st.nr_units * PAGE_SIZE;
	if (which == PEAK) {
		s->pop[PEAK] = max(s->pop[PEAK], pop);
		s->chunks[PEAK] = max_t(long, s->chunks[PEAK], st.nr_chunks);
		s->meta[PEAK] = max_t(u64, s->meta[PEAK], st.meta_bytes);
		return;
	}
	s->pop[which] = pop;
	s->chunks[which] = st.nr_chunks;
	s->meta[which] = st.meta_bytes;
	if (which == BASE) {
		s->refills = st.nr_cache_refills;
		s->drains = st.nr_cache_drains;
		s->pop[PEAK] = pop;
		s->chunks[PEAK] = st.nr_chunks;
		s->meta[PEAK] = st.meta_bytes;
	}
}

/* The first possible CPU's copy of an area, whichever allocator owns it. */
static unsigned long area_addr(void __percpu *p, bool is_alt)
{
	unsigned int cpu = cpumask_first(cpu_possible_mask);

	return is_alt ? (unsigned long)pcpu_alt_ptr(p, cpu) :
			(unsigned long)per_cpu_ptr(p, cpu);
}

/* Count the pages of an area in (@delta 1) or out (-1) of s->pages. */
static int count_pages(struct replay_side *s, unsigned long addr, u32 size,
		       int delta)
{
	unsigned long pg, last = (addr + size - 1) >> PAGE_SHIFT;
	unsigned long n;
	void *old;

	for (pg = addr >> PAGE_SHIFT; pg <= last; pg++) {
		old = xa_load(s->pages, pg);
		n = (old ? xa_to_value(old) : 0) + delta;
		if (!n) {
			xa_erase(s->pages, pg);
			s->live_pages--;
			continue;
		}
		old = xa_store(s->pages, pg, xa_mk_value(n), PCPU_ALT_LAB_GFP);
		if (xa_is_err(old))
			return xa_err(old);
		if (!old)
			s->live_pages++;
	}
	s->live_pages_peak = max(s->live_pages_peak, s->live_pages);
	return 0;
}

/* One record is at most one call: @call_ns has a slot for each. */
static void count_call(struct replay_side *s, u64 ns)
{
	s->time_ns += ns;
	if (s->call_ns)
		s->call_ns[s->nr_calls++] = min_t(u64, ns, U32_MAX);
}

static int cmp_u32_asc(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Figures less swayed by a few slow calls (under emulation, often a vCPU
 * the host did not run for a while): the median call and the sum without
 * the slowest 1%.
 */
static void call_figures(struct replay_side *s)
{
	u32 i, keep;

	if (!s->call_ns || !s->nr_calls)
		return;
	sort(s->call_ns, s->nr_calls, sizeof(*s->call_ns), cmp_u32_asc, NULL);
	s->call_p50_ns = s->call_ns[s->nr_calls / 2];
	keep = s->nr_calls - s->nr_calls / REPLAY_TRIM_EVERY;
	for (i = 0; i < keep; i++)
		s->time_trim_ns += s->call_ns[i];
}

static int replay_one(struct replay_side *s, const struct replay_rec *r,
		      bool is_alt)
{
	gfp_t gfp = (r->atomic ? GFP_NOWAIT : GFP_KERNEL) | __GFP_NOWARN;
	void __percpu *p;
	int err;
	u64 t0;

	if (r->is_free) {
		p = s->ptrs[r->slot];
		if (!p)
			return 0;	/* its allocation failed */
		err = count_pages(s, area_addr(p, is_alt), slot_size[r->slot],
				  -1);
		if (err)
			return err;
		s->ptrs[r->slot] = NULL;
		t0 = ktime_get_ns();
		if (is_alt)
			pcpu_alt_free(p);
		else
			free_percpu(p);
		count_call(s, ktime_get_ns() - t0);
		s->free_ops++;
		return 0;
	}
	t0 = ktime_get_ns();
	if (is_alt)
		p = pcpu_alt_alloc(r->size, r->align, gfp);
	else
		p = __alloc_percpu_gfp(r->size, r->align, gfp);
	count_call(s, ktime_get_ns() - t0);
	s->alloc_ops++;
	s->ptrs[r->slot] = p;
	if (!p) {
		s->alloc_fail++;
		return 0;
	}
	return count_pages(s, area_addr(p, is_alt), r->size, 1);
}

static void free_side(struct replay_side *s, bool is_alt)
{
	u32 i;

	if (!s->ptrs)
		return;
	for (i = 0; i < nr_slots; i++) {
		if (!s->ptrs[i])
			continue;
		if (is_alt)
			pcpu_alt_free(s->ptrs[i]);
		else
			free_percpu(s->ptrs[i]);
		s->ptrs[i] = NULL;
		s->freed_at_end++;
		if (!(i % REPLAY_RESCHED_EVERY))
			cond_resched();
	}
	kvfree(s->ptrs);
	s->ptrs = NULL;
	call_figures(s);
	kvfree(s->call_ns);
	s->call_ns = NULL;
	xa_destroy(s->pages);
}

/* Abort or end a replay: free everything, drop the trace. */
static void end_replay(void)
{
	free_side(&alt, true);
	free_side(&stock, false);
	drop_trace();
	replay_state = R_IDLE;
}

static int replay_start(void)
{
	if (replay_state == R_REPLAYING)
		return -EBUSY;
	memset(&alt, 0, sizeof(alt));
	memset(&stock, 0, sizeof(stock));
	alt.pages = &alt_pages;
	stock.pages = &stock_pages;
	alt.ptrs = kvcalloc(max(nr_slots, 1U), sizeof(*alt.ptrs),
			    PCPU_ALT_LAB_GFP);
	stock.ptrs = kvcalloc(max(nr_slots, 1U), sizeof(*stock.ptrs),
			      PCPU_ALT_LAB_GFP);
	alt.call_ns = kvcalloc(max(nr_recs, 1U), sizeof(*alt.call_ns),
			       PCPU_ALT_LAB_GFP);
	stock.call_ns = kvcalloc(max(nr_recs, 1U), sizeof(*stock.call_ns),
				 PCPU_ALT_LAB_GFP);
	if (!alt.ptrs || !stock.ptrs || !alt.call_ns || !stock.call_ns) {
		kvfree(alt.ptrs);
		kvfree(stock.ptrs);
		kvfree(alt.call_ns);
		kvfree(stock.call_ns);
		memset(&alt, 0, sizeof(alt));
		memset(&stock, 0, sizeof(stock));
		return -ENOMEM;
	}
	/* Live ids are no longer needed: the records hold slots. */
	ids_destroy();
	pos = 0;
	atomic_long_set(&stock_created, 0);
	atomic_long_set(&stock_destroyed, 0);
	/* Start from where the background work settles, whatever ran before. */
	pcpu_alt_balance_now();
	alt_sample(&alt, BASE);
	replay_state = R_REPLAYING;
	return 0;
}

static int replay_steps(u32 n)
{
	long c;
	int err;

	if (replay_state != R_REPLAYING)
		return -EBUSY;
	for (; n && pos < nr_recs; n--, pos++) {
		err = replay_one(&alt, &recs[pos], true);
		alt_sample(&alt, PEAK);
		if (!err)
			err = replay_one(&stock, &recs[pos], false);
		if (err) {
			/* No memory to count pages: stop, free everything. */
			end_replay();
			return err;
		}
		c = stock_chunks_now();
		stock.chunks[PEAK] = max(stock.chunks[PEAK], c);
		if (!(pos % REPLAY_CHECK_EVERY)) {
			cond_resched();
			if (fatal_signal_pending(current)) {
				end_replay();
				return -EINTR;
			}
		}
	}
	return 0;
}

static int replay_finish(void)
{
	int err = replay_steps(REPLAY_MAX_RECORDS);
	struct pcpu_alt_stats st;

	if (err)
		return err;
	/* The batches of the records alone, not of the frees at the end. */
	pcpu_alt_get_stats(&st);
	alt.refills = st.nr_cache_refills - alt.refills;
	alt.drains = st.nr_cache_drains - alt.drains;
	alt.frag_bytes = pcpu_alt_frag_bytes(cur.max_size);
	free_side(&alt, true);
	free_side(&stock, false);
	alt_sample(&alt, FINAL);
	stock.chunks[FINAL] = stock_chunks_now();
	res_counts = cur;
	res_alt = alt;
	res_stock = stock;
	have_result = true;
	end_replay();
	return 0;
}

/* ---- the file --------------------------------------------------------- */

static int do_command(const char *line)
{
	u32 n;
	int err;

	if (!strcmp(line, "begin")) {
		if (replay_state == R_REPLAYING)
			end_replay();
		drop_trace();
		replay_state = R_LOADING;
		return 0;
	}
	if (!strcmp(line, "start"))
		return replay_start();
	if (!strncmp(line, "step ", 5)) {
		if (!parse_u32(line + 5, &n) || !n || n > REPLAY_MAX_STEP)
			return -EINVAL;
		return replay_steps(n);
	}
	if (!strcmp(line, "finish"))
		return replay_finish();
	if (!strcmp(line, "run")) {
		err = replay_start();
		return err ? err : replay_finish();
	}
	return -EINVAL;
}

static bool is_command(const char *line)
{
	static const char * const cmds[] = {
		"begin", "start", "finish", "run",
	};
	unsigned int i;

	if (!strncmp(line, "step ", 5))
		return true;
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(line, cmds[i]))
			return true;
	return false;
}

static int one_line(char *line, unsigned int len, bool too_long)
{
	unsigned int i;

	if (!too_long && len && is_command(line))
		return do_command(line);
	if (replay_state == R_REPLAYING)
		return -EBUSY;
	replay_state = R_LOADING;
	cur.lines++;
	if (too_long || !len)
		goto garbage;
	for (i = 0; i < len; i++)
		if (!isprint(line[i]))
			goto garbage;
	if (line[0] == '#') {
		cur.comments++;
		return 0;
	}
	return load_record(line);
garbage:
	cur.garbage++;
	return 0;
}

/* Take the pending line, if any (it ends at a command or a newline). */
static int flush_pending(void)
{
	unsigned int len = pending_len;
	bool too_long = pending_long;

	pending[len] = '\0';
	pending_len = 0;
	pending_long = false;
	return one_line(pending, len, too_long);
}

static ssize_t replay_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char *buf;
	size_t done = 0, n, i;
	int err = 0;

	buf = kmalloc(REPLAY_COPY, PCPU_ALT_LAB_GFP);
	if (!buf)
		return -ENOMEM;
	if (mutex_lock_killable(&replay_mutex)) {
		kfree(buf);
		return -EINTR;
	}
	while (!err && done < count) {
		cond_resched();
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		n = min_t(size_t, count - done, REPLAY_COPY);
		if (copy_from_user(buf, ubuf + done, n)) {
			err = -EFAULT;
			break;
		}
		for (i = 0; i < n && !err; i++) {
			if (buf[i] == '\n') {
				err = flush_pending();
				continue;
			}
			if (pending_len < REPLAY_LINE_MAX - 1)
				pending[pending_len++] = buf[i];
			else
				pending_long = true;
		}
		done += n;
	}
	mutex_unlock(&replay_mutex);
	kfree(buf);
	if (err)
		return err;
	*ppos += count;
	return count;
}

static void show_counts(struct seq_file *m, const struct replay_counts *c)
{
	seq_printf(m, " lines=%llu comments=%llu records=%llu allocs=%llu frees=%llu",
		   c->lines, c->comments, c->records, c->allocs, c->frees);
	seq_printf(m, " rejected=%llu rej_garbage=%llu rej_range=%llu rej_double_alloc=%llu rej_unknown_free=%llu max_size=%u",
		   c->garbage + c->range + c->double_alloc + c->unknown_free,
		   c->garbage, c->range, c->double_alloc, c->unknown_free,
		   c->max_size);
}

/* pcpu_alt's time over stock's, in thousandths, as "r.ddd" or "-". */
static void show_ratio(struct seq_file *m, u64 alt_ns, u64 stock_ns)
{
	u64 r;

	if (!stock_ns) {
		seq_puts(m, " time_ratio=-");
		return;
	}
	r = div64_u64(alt_ns * REPLAY_RATIO_SCALE + stock_ns / 2, stock_ns);
	seq_printf(m, " time_ratio=%llu.%03llu", div_u64(r, REPLAY_RATIO_SCALE),
		   r % REPLAY_RATIO_SCALE);
}

static void show_side(struct seq_file *m, const char *name,
		      const struct replay_side *s)
{
	seq_printf(m, "allocator=%s alloc_ops=%llu alloc_fail=%llu free_ops=%llu freed_at_end=%llu time_ns=%llu call_p50_ns=%llu time_trim_ns=%llu live_pages_peak=%llu",
		   name, s->alloc_ops, s->alloc_fail, s->free_ops,
		   s->freed_at_end, s->time_ns, s->call_p50_ns,
		   s->time_trim_ns, s->live_pages_peak);
}

static int replay_show(struct seq_file *m, void *v)
{
	u64 per = stock_meta_per_chunk();
	const struct replay_side *a = &res_alt, *s = &res_stock;
	int err;

	err = mutex_lock_interruptible(&replay_mutex);
	if (err)
		return err;
	seq_printf(m, "state=%s", state_name[replay_state]);
	show_counts(m, &cur);
	seq_printf(m, " pos=%u\n", pos);
	if (have_result) {
		seq_puts(m, "replayed");
		show_counts(m, &res_counts);
		seq_putc(m, '\n');
		show_side(m, "pcpu_alt", a);
		seq_printf(m, " pop_base=%llu pop_peak=%llu pop_final=%llu chunks_base=%ld chunks_peak=%ld chunks_final=%ld meta_base=%llu meta_peak=%llu meta_final=%llu frag_bytes=%llu",
			   a->pop[BASE], a->pop[PEAK], a->pop[FINAL],
			   a->chunks[BASE], a->chunks[PEAK], a->chunks[FINAL],
			   a->meta[BASE], a->meta[PEAK], a->meta[FINAL],
			   a->frag_bytes);
		show_ratio(m, a->time_ns, s->time_ns);
		/* Cache batches per 1000 allocations, in tenths. */
		seq_printf(m, " cache_refills=%llu cache_drains=%llu refills_per_1000=%llu.%llu",
			   a->refills, a->drains,
			   div64_u64(a->refills * 1000, max(a->alloc_ops, 1ULL)),
			   div64_u64(a->refills * 10000,
				     max(a->alloc_ops, 1ULL)) % 10);
		seq_putc(m, '\n');
		show_side(m, "stock", s);
		seq_printf(m, " unit_size=%zu chunks_new_peak=%ld chunks_new_final=%ld meta_per_chunk=%llu meta_new_peak=%llu meta_new_final=%llu\n",
			   stock_unit, s->chunks[PEAK], s->chunks[FINAL], per,
			   per * max_t(long, s->chunks[PEAK], 0),
			   per * max_t(long, s->chunks[FINAL], 0));
	}
	mutex_unlock(&replay_mutex);
	return 0;
}

static int replay_open(struct inode *inode, struct file *file)
{
	return single_open(file, replay_show, NULL);
}

/* A last line without a newline ends when its writer closes the file. */
static int replay_release(struct inode *inode, struct file *file)
{
	mutex_lock(&replay_mutex);
	if (pending_len || pending_long)
		flush_pending();
	mutex_unlock(&replay_mutex);
	return single_release(inode, file);
}

static const struct file_operations replay_rw_fops = {
	.owner = THIS_MODULE,
	.open = replay_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = replay_release,
	.write = replay_write,
};

/**
 * pcpu_alt_lab_replay_init() - create the debugfs file "replay"
 * @dir: pcpu_alt's debugfs directory
 *
 * Also hooks the stock allocator's chunk trace points, when found.
 *
 * RETURNS: the file.
 */
struct dentry *pcpu_alt_lab_replay_init(struct dentry *dir)
{
	get_random_bytes(&ids_key, sizeof(ids_key));
	xa_init(&alt_pages);
	xa_init(&stock_pages);
	stock_unit = find_stock_unit();
	for_each_kernel_tracepoint(find_tp, NULL);
	if (tp_create &&
	    tracepoint_probe_register(tp_create, (void *)probe_create, NULL))
		tp_create = NULL;
	if (tp_destroy &&
	    tracepoint_probe_register(tp_destroy, (void *)probe_destroy, NULL))
		tp_destroy = NULL;
	return debugfs_create_file("replay", PCPU_ALT_DEBUGFS_RW, dir, NULL,
				   &replay_rw_fops);
}

/**
 * pcpu_alt_lab_replay_exit() - free what a replay left, unhook the probes
 *
 * Called after the debugfs files are gone.
 */
void pcpu_alt_lab_replay_exit(void)
{
	if (tp_create)
		tracepoint_probe_unregister(tp_create, (void *)probe_create,
					    NULL);
	if (tp_destroy)
		tracepoint_probe_unregister(tp_destroy, (void *)probe_destroy,
					    NULL);
	tracepoint_synchronize_unregister();
	mutex_lock(&replay_mutex);
	end_replay();
	mutex_unlock(&replay_mutex);
}
