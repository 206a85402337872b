// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt benchmark: the same workload through pcpu_alt and through the
 * stock allocator (__alloc_percpu_gfp()/free_percpu()) in one run, pcpu_alt
 * first, with the same random sequence, every call timed on its own.
 *
 * debugfs files "bench" and "bench_status": their commands, limits, errors
 * and output keys are in docs/debugfs-abi.md; the workloads and how to read
 * their figures in docs/performance.md.
 *
 * The limits (1000000 live areas over the threads of a case, 16 MiB per
 * CPU of live areas, 1048576 latency samples of each kind) bound what a
 * root writer can make the kernel hold; every case of a command is checked
 * against them before the first one runs.  Past the sample limit each
 * thread keeps a uniform random sample of its calls (reservoir sampling):
 * percentiles come from the sample, the mean, the maximum and the counts
 * from all calls.  Buffers are allocated with PCPU_ALT_LAB_GFP.
 *
 * The default mix was derived from the shipped traces (testdata/): each
 * trace weighted equally, requests grouped by (size, align), the 16
 * heaviest pairs kept, the rest folded into the nearest kept pair of the
 * same kind by log size, weights rounded to sum 100.
 *
 * Locking: bench_mutex serialises runs and protects the results and the
 * run's copy of the mix.  bench_mix_mutex protects the mix commands edit;
 * a run takes it (inside bench_mutex) only to copy the mix.  The status
 * figures are written under bench_mutex and read without it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/prandom.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "lab.h"

#define BENCH_MAX_SIZE		32768
#define BENCH_MAX_N		1000000
#define BENCH_MAX_OPS		10000000
#define BENCH_MAX_WORDS		6
#define BENCH_MAX_ROWS		32
#define BENCH_SEED		0x9e3779b97f4a7c15ULL
/* Seeds the reservoir's draws, apart from the workload's. */
#define BENCH_KEEP_SEED		0xc2b2ae3d27d4eb4fULL
/* Empty timed regions measured for timer_ns (odd: a true median). */
#define BENCH_TIMER_SAMPLES	255
/* Operations between two looks at a stop request (and cond_resched()). */
#define BENCH_CHECK_EVERY	256
/* Untimed frees between two cond_resched(). */
#define BENCH_RESCHED_EVERY	1024
/* Areas live at once over all threads of a case. */
#define BENCH_MAX_LIVE_AREAS	1000000
/* Latency samples kept per kind (alloc, free) over all threads. */
#define BENCH_MAX_SAMPLES	1048576
/* The mix: entries and the weight of one entry. */
#define BENCH_MIX_MAX		64
#define BENCH_MIX_MAX_WEIGHT	1000000
/* Jitter: each drawn size moves by up to this many per mille either way. */
#define BENCH_PERMILLE		1000
#define BENCH_JITTER_PERMILLE	150
/* Defaults of the cases. */
#define BENCH_STEADY_N		1000
#define BENCH_STEADY_OPS	20000
#define BENCH_BURST_N		10000
#define BENCH_BIG_BURST_N	1000000
#define BENCH_BIG_BURST_SIZE	4
#define BENCH_CONC_N		256
#define BENCH_CONC_OPS		5000
#define BENCH_NOWAIT_N		1000
#define BENCH_DEFAULT_SIZE	64

/* One allocator under test. */
struct bench_ops {
	const char *name;
	void __percpu *(*alloc)(size_t size, size_t align, gfp_t gfp);
	void (*free)(void __percpu *ptr);
};

static void __percpu *alt_alloc(size_t size, size_t align, gfp_t gfp)
{
	return pcpu_alt_alloc(size, align, gfp);
}

static void alt_free(void __percpu *ptr)
{
	pcpu_alt_free(ptr);
}

static void __percpu *stock_alloc(size_t size, size_t align, gfp_t gfp)
{
	return __alloc_percpu_gfp(size, align, gfp);
}

static void stock_free(void __percpu *ptr)
{
	free_percpu(ptr);
}

static const struct bench_ops bench_allocators[] = {
	{ "pcpu_alt", alt_alloc, alt_free },
	{ "stock", stock_alloc, stock_free },
};

enum bench_order { ORDER_NONE, ORDER_INORDER, ORDER_REVERSE, ORDER_RANDOM };

static const char * const order_name[] = {
	[ORDER_NONE] = "-",
	[ORDER_INORDER] = "inorder",
	[ORDER_REVERSE] = "reverse",
	[ORDER_RANDOM] = "random",
};

/**
 * struct bench_mix_entry - one kind of request of a mix
 * @size: bytes
 * @align: bytes, a power of two
 * @weight: relative frequency
 */
struct bench_mix_entry {
	u32 size, align, weight;
};

/**
 * struct bench_mix - sizes and alignments a "mixed" case draws from
 * @name: "default" or "user"
 * @nr: entries in @e
 * @total: sum of their weights
 * @e: the entries
 */
struct bench_mix {
	const char *name;
	unsigned int nr;
	u32 total;
	struct bench_mix_entry e[BENCH_MIX_MAX];
};

/* The default mix: see the file comment for where it comes from. */
static const struct bench_mix_entry bench_default_mix[] = {
	{ 4, 4, 18 }, { 8, 4, 3 }, { 8, 8, 22 }, { 16, 4, 15 },
	{ 16, 8, 16 }, { 16, 16, 1 }, { 32, 8, 2 }, { 32, 16, 7 },
	{ 32, 32, 2 }, { 128, 64, 1 }, { 144, 8, 2 }, { 176, 8, 2 },
	{ 256, 256, 2 }, { 304, 8, 3 }, { 496, 8, 2 }, { 1088, 64, 2 },
};

/**
 * struct bench_lat - latency figures of one kind of call
 * @mean: mean ns
 * @p50: median ns
 * @p90: 90th percentile ns
 * @p99: 99th percentile ns
 * @max: slowest ns
 */
struct bench_lat {
	u64 mean, p50, p90, p99, max;
};

/**
 * struct bench_row - one case run through one allocator
 * @workload: "steady", "burst", "concurrent", "nowait" or "mixed"
 * @order: free order (burst only)
 * @size: bytes per allocation (0 for mixed)
 * @n: live areas (per thread for concurrent)
 * @threads: threads that ran it
 * @allocator: "pcpu_alt" or "stock"
 * @alloc_ops: allocation attempts timed
 * @alloc_fail: attempts that failed
 * @free_ops: frees timed
 * @wall_ns: time of the timed phases
 * @alloc: allocation latencies
 * @free: free latencies
 * @timer_ns: median latency of an empty timed region
 * @mix: mixed only: name of the mix, else NULL
 * @mix_entries: mixed only: entries of the mix
 * @jitter_pct: mixed only: jitter applied, in percent either way
 * @size_min: mixed only: smallest size drawn
 * @size_max: mixed only: largest size drawn
 * @size_mean: mixed only: mean size drawn
 */
struct bench_row {
	const char *workload;
	enum bench_order order;
	unsigned int size, n, threads;
	const char *allocator;
	u64 alloc_ops, alloc_fail, free_ops, wall_ns;
	struct bench_lat alloc, free;
	u64 timer_ns;
	const char *mix;
	unsigned int mix_entries, jitter_pct;
	u32 size_min, size_max;
	u64 size_mean;
};

/* Serialises runs; protects everything down to bench_run_mix. */
static DEFINE_MUTEX(bench_mutex);
/* Results of the last completed run. */
static struct bench_row bench_rows[BENCH_MAX_ROWS];
static unsigned int bench_nr_rows;
/* Results of the run going on, kept only if it completes. */
static struct bench_row bench_new_rows[BENCH_MAX_ROWS];
static unsigned int bench_new_nr_rows;
/* The mix of the run going on, copied from the current one at its start. */
static struct bench_mix bench_run_mix;

/* Protects bench_user_mix and bench_mix_user. */
static DEFINE_MUTEX(bench_mix_mutex);
static struct bench_mix bench_user_mix;
/* The user mix is the current one (else the default). */
static bool bench_mix_user;

/* Status: written under bench_mutex, read without it (READ_ONCE). */
static bool bench_running;
static const char *bench_workload = "-";
static unsigned long bench_nr_runs, bench_nr_completed, bench_nr_interrupted;
/* Bench kthreads in their timed loop now. */
static atomic_t bench_threads_working = ATOMIC_INIT(0);

/**
 * struct bench_case - what to run, parsed from a command
 * @workload: workload name
 * @order: burst free order
 * @size: bytes per allocation (not mixed)
 * @n: live areas or allocations (per thread)
 * @ops: timed free+alloc pairs (steady, concurrent, mixed; per thread)
 * @all_cpus: one bound kthread per online CPU
 * @mix: mixed: draw sizes from here (bench_run_mix), else NULL
 * @jitter: mixed: move drawn sizes by up to BENCH_JITTER_PERMILLE
 * @max_size: mixed: largest size a draw may give
 */
struct bench_case {
	const char *workload;
	enum bench_order order;
	unsigned int size, n, ops;
	bool all_cpus;
	const struct bench_mix *mix;
	bool jitter;
	unsigned int max_size;
};

/**
 * struct bench_samples - latencies of one kind of call
 * @ns: kept samples; once full, a uniform random sample of all of them
 * @cap: room in @ns
 * @kept: samples in @ns
 * @seen: samples taken
 * @sum: of every sample taken
 * @max: largest sample taken
 */
struct bench_samples {
	u32 *ns;
	u64 cap, kept, seen, sum;
	u32 max;
};

/**
 * struct bench_buf - state and figures of one case in one thread
 * @ptrs: the live areas
 * @alloc: allocation latencies
 * @free: free latencies
 * @fails: failed allocation attempts
 * @wall_ns: time of the timed phases
 * @rnd: the workload's random state (same seed for each allocator)
 * @keep_rnd: the reservoir's random state
 * @stop: kthreads: the team's stop request; NULL in the writer, which
 *        stops on a fatal signal
 * @size_min: mixed: smallest size drawn
 * @size_max: mixed: largest size drawn
 * @size_sum: mixed: sum of the sizes drawn
 * @size_draws: mixed: sizes drawn
 *
 * Owned by one thread while a case runs.
 */
struct bench_buf {
	void __percpu **ptrs;
	struct bench_samples alloc, free;
	u64 fails, wall_ns;
	struct rnd_state rnd, keep_rnd;
	const bool *stop;
	u32 size_min, size_max;
	u64 size_sum, size_draws;
};

static size_t bench_align(unsigned int size)
{
	return size >= 8 ? 8 : 4;
}

static u32 clamp_ns(u64 ns)
{
	return ns > U32_MAX ? U32_MAX : ns;
}

/* Below @below, uniform, from @rnd. */
static u32 bench_rand(struct rnd_state *rnd, u32 below)
{
	return mul_u64_u32_shr(below, prandom_u32_state(rnd), 32);
}

static void sample_add(struct bench_samples *s, struct rnd_state *rnd,
		       u32 ns)
{
	u64 slot;

	s->seen++;
	s->sum += ns;
	s->max = max(s->max, ns);
	if (s->kept < s->cap) {
		s->ns[s->kept++] = ns;
		return;
	}
	/* Reservoir: the seen-th sample replaces one with chance cap/seen. */
	slot = mul_u64_u32_shr(s->seen, prandom_u32_state(rnd), 32);
	if (slot < s->cap)
		s->ns[slot] = ns;
}

/* ---- sizes ---- */

/* Largest size, rounded to the granule, @e gives with @jitter. */
static u32 mix_entry_max(const struct bench_mix_entry *e, bool jitter,
			 u32 max_size)
{
	u32 size = e->size;

	if (jitter)
		size = DIV_ROUND_UP(size * (BENCH_PERMILLE +
					    BENCH_JITTER_PERMILLE),
				    BENCH_PERMILLE);
	size = round_up(size, max_t(u32, PCPU_ALT_LAB_GRANULE, e->align));
	return min(size, max_size);
}

/* Draw a size and alignment from @c's mix. */
static void mix_draw(const struct bench_case *c, struct bench_buf *b,
		     u32 *size, u32 *align)
{
	const struct bench_mix *m = c->mix;
	const struct bench_mix_entry *e = m->e;
	u32 r = bench_rand(&b->rnd, m->total);
	u32 s, j;

	while (r >= e->weight) {
		r -= e->weight;
		e++;
	}
	s = e->size;
	if (c->jitter) {
		j = bench_rand(&b->rnd, 2 * BENCH_JITTER_PERMILLE + 1);
		s = DIV_ROUND_UP(s * (BENCH_PERMILLE - BENCH_JITTER_PERMILLE +
				      j), BENCH_PERMILLE);
	}
	s = round_up(s, max_t(u32, PCPU_ALT_LAB_GRANULE, e->align));
	*size = min(s, c->max_size);
	*align = e->align;
	b->size_min = b->size_draws ? min(b->size_min, *size) : *size;
	b->size_max = max(b->size_max, *size);
	b->size_sum += *size;
	b->size_draws++;
}

/* Size and alignment of @c's next allocation. */
static void bench_pick(const struct bench_case *c, struct bench_buf *b,
		       u32 *size, u32 *align)
{
	if (c->mix) {
		mix_draw(c, b, size, align);
		return;
	}
	*size = c->size;
	*align = bench_align(c->size);
}

/* Largest bytes per CPU one area of @c takes. */
static u32 bench_case_area_max(const struct bench_case *c)
{
	u32 m = 0;
	unsigned int i;

	if (!c->mix)
		return round_up(c->size, PCPU_ALT_LAB_GRANULE);
	for (i = 0; i < c->mix->nr; i++)
		m = max(m, mix_entry_max(&c->mix->e[i], c->jitter,
					 c->max_size));
	return m;
}

/* -E2BIG when @threads running @c would go over a limit. */
static int bench_check_limits(const struct bench_case *c,
			      unsigned int threads)
{
	u64 areas = (u64)threads * c->n;

	if (areas > BENCH_MAX_LIVE_AREAS ||
	    areas * bench_case_area_max(c) > PCPU_ALT_LAB_MAX_LIVE_BYTES)
		return -E2BIG;
	return 0;
}

/* ---- one thread's work ---- */

static void __percpu *timed_alloc(const struct bench_ops *a,
				  struct bench_buf *b, u32 size, u32 align,
				  gfp_t gfp)
{
	void __percpu *p;
	u64 t0;

	t0 = ktime_get_ns();
	p = a->alloc(size, align, gfp | __GFP_NOWARN);
	sample_add(&b->alloc, &b->keep_rnd, clamp_ns(ktime_get_ns() - t0));
	if (!p)
		b->fails++;
	return p;
}

static void timed_free(const struct bench_ops *a, struct bench_buf *b,
		       void __percpu *p)
{
	u64 t0;

	if (!p)
		return;
	t0 = ktime_get_ns();
	a->free(p);
	sample_add(&b->free, &b->keep_rnd, clamp_ns(ktime_get_ns() - t0));
}

static void free_all(const struct bench_ops *a, void __percpu **ptrs,
		     unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		a->free(ptrs[i]);
		ptrs[i] = NULL;
		if (!(i % BENCH_RESCHED_EVERY))
			cond_resched();
	}
}

/*
 * Every BENCH_CHECK_EVERY operations: let others run; stop if asked to (a
 * kthread) or if the writer is killed.
 */
static bool bench_stop(const struct bench_buf *b, unsigned int i)
{
	if (i % BENCH_CHECK_EVERY)
		return false;
	cond_resched();
	if (b->stop)
		return READ_ONCE(*b->stop);
	return fatal_signal_pending(current);
}

/*
 * Steady state: N live, then ops times free a random one and replace it.
 * Filling and emptying are not timed.
 */
static int run_steady(const struct bench_ops *a, const struct bench_case *c,
		      struct bench_buf *b)
{
	unsigned int i, k;
	u32 size, align;
	int err = 0;
	u64 t0;

	for (i = 0; i < c->n; i++) {
		bench_pick(c, b, &size, &align);
		b->ptrs[i] = a->alloc(size, align, GFP_KERNEL | __GFP_NOWARN);
		if (bench_stop(b, i)) {
			err = -EINTR;
			goto out;
		}
	}
	t0 = ktime_get_ns();
	for (i = 0; i < c->ops; i++) {
		k = prandom_u32_state(&b->rnd) % c->n;
		timed_free(a, b, b->ptrs[k]);
		bench_pick(c, b, &size, &align);
		b->ptrs[k] = timed_alloc(a, b, size, align, GFP_KERNEL);
		if (bench_stop(b, i)) {
			err = -EINTR;
			break;
		}
	}
	b->wall_ns = ktime_get_ns() - t0;
out:
	free_all(a, b->ptrs, c->n);
	return err;
}

static void shuffle(struct bench_buf *b, unsigned int n)
{
	unsigned int i, j;

	for (i = n - 1; i > 0; i--) {
		j = prandom_u32_state(&b->rnd) % (i + 1);
		swap(b->ptrs[i], b->ptrs[j]);
	}
}

/* Burst (also non-blocking): allocate N, then free them all. */
static int run_burst(const struct bench_ops *a, const struct bench_case *c,
		     struct bench_buf *b, gfp_t gfp)
{
	u32 size = c->size, align = bench_align(c->size);
	unsigned int i;
	u64 t0, t1;
	int err = 0;

	t0 = ktime_get_ns();
	for (i = 0; i < c->n; i++) {
		b->ptrs[i] = timed_alloc(a, b, size, align, gfp);
		if (bench_stop(b, i)) {
			free_all(a, b->ptrs, i + 1);
			return -EINTR;
		}
	}
	t1 = ktime_get_ns();
	if (c->order == ORDER_REVERSE) {
		for (i = 0; i < c->n / 2; i++)
			swap(b->ptrs[i], b->ptrs[c->n - 1 - i]);
	} else if (c->order == ORDER_RANDOM) {
		shuffle(b, c->n);
	}
	b->wall_ns = t1 - t0;
	t0 = ktime_get_ns();
	for (i = 0; i < c->n; i++) {
		timed_free(a, b, b->ptrs[i]);
		b->ptrs[i] = NULL;
		if (bench_stop(b, i)) {
			err = -EINTR;
			break;
		}
	}
	b->wall_ns += ktime_get_ns() - t0;
	free_all(a, b->ptrs, c->n);
	return err;
}

/* Samples one thread running @c takes of each kind. */
static u64 bench_case_samples(const struct bench_case *c)
{
	return c->ops ? c->ops : c->n;
}

/*
 * Set up @b for @c with room for @cap samples of each kind at @alloc_ns
 * and @free_ns (owned by the caller).
 */
static int bench_buf_init(struct bench_buf *b, const struct bench_case *c,
			  u32 *alloc_ns, u32 *free_ns, u64 cap)
{
	memset(b, 0, sizeof(*b));
	prandom_seed_state(&b->rnd, BENCH_SEED);
	prandom_seed_state(&b->keep_rnd, BENCH_KEEP_SEED);
	b->alloc.ns = alloc_ns;
	b->free.ns = free_ns;
	b->alloc.cap = cap;
	b->free.cap = cap;
	b->ptrs = kvcalloc(c->n, sizeof(*b->ptrs), PCPU_ALT_LAB_GFP);
	return b->ptrs ? 0 : -ENOMEM;
}

static void bench_buf_destroy(struct bench_buf *b)
{
	kvfree(b->ptrs);
	b->ptrs = NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted samples. */
static u64 pct(const u32 *s, u64 n, unsigned int p)
{
	u64 rank = div_u64(n * p + 99, 100);

	return s[rank ? rank - 1 : 0];
}

static void summarise(struct bench_lat *l, struct bench_samples *s)
{
	memset(l, 0, sizeof(*l));
	if (!s->kept)
		return;
	sort(s->ns, s->kept, sizeof(*s->ns), cmp_u32, NULL);
	l->mean = div64_u64(s->sum, s->seen);
	l->p50 = pct(s->ns, s->kept, 50);
	l->p90 = pct(s->ns, s->kept, 90);
	l->p99 = pct(s->ns, s->kept, 99);
	l->max = s->max;
}

/*
 * What timed_alloc() and timed_free() measure around no call at all: the
 * clock reads themselves.  Reported so readers can see how much of a
 * latency is the allocator's.
 */
static u64 timer_cost(void)
{
	u32 *s = kmalloc_array(BENCH_TIMER_SAMPLES, sizeof(*s),
			       PCPU_ALT_LAB_GFP);
	u64 t0, median;
	int i;

	if (!s)
		return 0;
	for (i = 0; i < BENCH_TIMER_SAMPLES; i++) {
		t0 = ktime_get_ns();
		s[i] = clamp_ns(ktime_get_ns() - t0);
	}
	sort(s, BENCH_TIMER_SAMPLES, sizeof(*s), cmp_u32, NULL);
	median = s[BENCH_TIMER_SAMPLES / 2];
	kfree(s);
	return median;
}

static void add_row(const struct bench_case *c, const struct bench_ops *a,
		    struct bench_buf *b, unsigned int threads)
{
	struct bench_row *r;

	if (bench_new_nr_rows == BENCH_MAX_ROWS)
		return;
	r = &bench_new_rows[bench_new_nr_rows++];
	memset(r, 0, sizeof(*r));
	r->workload = c->workload;
	r->order = c->order;
	r->size = c->mix ? 0 : c->size;
	r->n = c->n;
	r->threads = threads;
	r->allocator = a->name;
	r->alloc_ops = b->alloc.seen;
	r->alloc_fail = b->fails;
	r->free_ops = b->free.seen;
	r->wall_ns = b->wall_ns;
	summarise(&r->alloc, &b->alloc);
	summarise(&r->free, &b->free);
	r->timer_ns = timer_cost();
	if (!c->mix)
		return;
	r->mix = c->mix->name;
	r->mix_entries = c->mix->nr;
	r->jitter_pct = c->jitter ? BENCH_JITTER_PERMILLE * 100 /
				    BENCH_PERMILLE : 0;
	r->size_min = b->size_min;
	r->size_max = b->size_max;
	r->size_mean = b->size_draws ? div64_u64(b->size_sum, b->size_draws) :
		       0;
}

/* steady, burst, nowait or mixed through one allocator, in this thread. */
static int run_one(const struct bench_case *c, const struct bench_ops *a)
{
	u64 cap = min_t(u64, bench_case_samples(c), BENCH_MAX_SAMPLES);
	u32 *alloc_ns, *free_ns;
	struct bench_buf b;
	int err;

	alloc_ns = kvmalloc_array(cap, sizeof(u32), PCPU_ALT_LAB_GFP);
	free_ns = kvmalloc_array(cap, sizeof(u32), PCPU_ALT_LAB_GFP);
	err = alloc_ns && free_ns ? 0 : -ENOMEM;
	if (!err)
		err = bench_buf_init(&b, c, alloc_ns, free_ns, cap);
	if (!err) {
		if (!strcmp(c->workload, "burst"))
			err = run_burst(a, c, &b, GFP_KERNEL);
		else if (!strcmp(c->workload, "nowait"))
			err = run_burst(a, c, &b, GFP_NOWAIT);
		else
			err = run_steady(a, c, &b);
		if (!err)
			add_row(c, a, &b, 1);
		bench_buf_destroy(&b);
	}
	kvfree(alloc_ns);
	kvfree(free_ns);
	return err;
}

/* ---- concurrent: steady state on every online CPU ---- */

struct bench_team;

/**
 * struct bench_thread - one CPU's share of a concurrent case
 * @task: its kthread
 * @buf: its state and samples (its slices of the team's buffers)
 * @start: when it started timing
 * @err: its result
 * @team: the run it belongs to
 */
struct bench_thread {
	struct task_struct *task;
	struct bench_buf buf;
	u64 start;
	int err;
	struct bench_team *team;
};

/**
 * struct bench_team - the threads of one concurrent case
 * @c: the case
 * @a: the allocator
 * @nr: threads
 * @ready: threads that reached the start line
 * @stop: the writer asks the threads to stop (WRITE_ONCE/READ_ONCE)
 * @done: completed once by each thread when its work is over
 * @alloc_ns: every thread's allocation samples, one slice each
 * @free_ns: every thread's free samples, one slice each
 * @t: the threads, @nr of them
 */
struct bench_team {
	const struct bench_case *c;
	const struct bench_ops *a;
	unsigned int nr;
	atomic_t ready;
	bool stop;
	struct completion done;
	u32 *alloc_ns, *free_ns;
	struct bench_thread t[];
};

static int bench_threadfn(void *data)
{
	struct bench_thread *t = data;
	struct bench_team *team = t->team;

	atomic_inc(&team->ready);
	while (atomic_read(&team->ready) < team->nr &&
	       !READ_ONCE(team->stop))
		cpu_relax();
	atomic_inc(&bench_threads_working);
	t->start = ktime_get_ns();
	t->err = run_steady(team->a, team->c, &t->buf);
	atomic_dec(&bench_threads_working);
	complete(&team->done);
	pcpu_alt_lab_park_until_stopped();
	return 0;
}

/* Gather every thread's samples into @all (the first slice onwards). */
static void merge_threads(struct bench_team *team, struct bench_buf *all)
{
	u64 end = 0, start = U64_MAX;
	unsigned int i;

	memset(all, 0, sizeof(*all));
	all->alloc.ns = team->alloc_ns;
	all->free.ns = team->free_ns;
	for (i = 0; i < team->nr; i++) {
		struct bench_thread *t = &team->t[i];
		struct bench_buf *b = &t->buf;

		memmove(all->alloc.ns + all->alloc.kept, b->alloc.ns,
			b->alloc.kept * sizeof(u32));
		memmove(all->free.ns + all->free.kept, b->free.ns,
			b->free.kept * sizeof(u32));
		all->alloc.kept += b->alloc.kept;
		all->alloc.seen += b->alloc.seen;
		all->alloc.sum += b->alloc.sum;
		all->alloc.max = max(all->alloc.max, b->alloc.max);
		all->free.kept += b->free.kept;
		all->free.seen += b->free.seen;
		all->free.sum += b->free.sum;
		all->free.max = max(all->free.max, b->free.max);
		all->fails += b->fails;
		if (!i || b->size_min < all->size_min)
			all->size_min = b->size_min;
		all->size_max = max(all->size_max, b->size_max);
		all->size_sum += b->size_sum;
		all->size_draws += b->size_draws;
		start = min(start, t->start);
		end = max(end, t->start + b->wall_ns);
	}
	all->wall_ns = end - start;
}

/* Create a stopped kthread on each online CPU, with its buffers. */
static int team_create(struct bench_team *team, u64 per)
{
	unsigned int cpu, nr = 0;
	int err = 0;

	for_each_online_cpu(cpu) {
		struct bench_thread *th = &team->t[nr];

		if (nr == team->nr)
			break;
		th->team = team;
		err = bench_buf_init(&th->buf, team->c,
				     team->alloc_ns + nr * per,
				     team->free_ns + nr * per, per);
		if (err)
			break;
		th->buf.stop = &team->stop;
		th->task = kthread_create_on_cpu(bench_threadfn, th, cpu,
						 "pcpu_alt_bench/%u");
		if (IS_ERR(th->task)) {
			err = PTR_ERR(th->task);
			th->task = NULL;
			break;
		}
		nr++;
	}
	if (!err && nr < team->nr)
		err = -EAGAIN;	/* a CPU went offline meanwhile */
	return err;
}

/*
 * Start every thread, wait until all are done or the writer is killed,
 * then stop them all.
 */
static int team_run(struct bench_team *team)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < team->nr; i++)
		wake_up_process(team->t[i].task);
	for (i = 0; i < team->nr; i++) {
		if (wait_for_completion_killable(&team->done)) {
			err = -EINTR;
			break;
		}
	}
	if (err)
		WRITE_ONCE(team->stop, true);
	return err;
}

static void team_destroy(struct bench_team *team)
{
	unsigned int i;

	for (i = 0; i < team->nr; i++) {
		/* Waits until the thread freed its areas and returned. */
		if (team->t[i].task)
			kthread_stop(team->t[i].task);
		bench_buf_destroy(&team->t[i].buf);
	}
	kvfree(team->alloc_ns);
	kvfree(team->free_ns);
	kfree(team);
}

static int run_concurrent(const struct bench_case *c,
			  const struct bench_ops *a)
{
	struct bench_team *team;
	struct bench_buf all;
	unsigned int i, nr;
	int err;
	u64 per;

	cpus_read_lock();
	nr = num_online_cpus();
	err = bench_check_limits(c, nr);
	if (err)
		goto unlock;
	err = -ENOMEM;
	team = kzalloc(struct_size(team, t, nr), PCPU_ALT_LAB_GFP);
	if (!team)
		goto unlock;
	team->c = c;
	team->a = a;
	team->nr = nr;
	atomic_set(&team->ready, 0);
	init_completion(&team->done);
	per = min_t(u64, bench_case_samples(c), BENCH_MAX_SAMPLES / nr);
	team->alloc_ns = kvmalloc_array(nr * per, sizeof(u32),
					PCPU_ALT_LAB_GFP);
	team->free_ns = kvmalloc_array(nr * per, sizeof(u32),
				       PCPU_ALT_LAB_GFP);
	if (team->alloc_ns && team->free_ns)
		err = team_create(team, per);
	cpus_read_unlock();

	if (!err)
		err = team_run(team);
	for (i = 0; !err && i < nr; i++)
		err = team->t[i].err;
	if (!err) {
		/* Every thread is done; merging needs them no longer. */
		merge_threads(team, &all);
		add_row(c, a, &all, nr);
	}
	team_destroy(team);
	return err;

unlock:
	cpus_read_unlock();
	return err;
}

/* One case through every allocator, pcpu_alt first; or check its limits. */
static int run_case(const struct bench_case *c, bool dry)
{
	int i, err = 0;

	if (dry)
		return bench_check_limits(c, c->all_cpus ?
					  num_online_cpus() : 1);
	for (i = 0; !err && i < ARRAY_SIZE(bench_allocators); i++) {
		if (c->all_cpus)
			err = run_concurrent(c, &bench_allocators[i]);
		else
			err = run_one(c, &bench_allocators[i]);
	}
	return err;
}

static const unsigned int steady_sizes[] = { 8, 64, 256, 4096 };

/* Which CPUs a "mixed" command runs on. */
enum bench_threads { THREADS_BOTH, THREADS_ONE, THREADS_ALL };

/**
 * struct bench_parse - keys of a "run" command and whether they came
 * @c: the case being built
 * @size: size= given
 * @n: n= given
 * @ops: ops= given
 * @order: order= given
 * @threads: threads= (mixed)
 * @threads_seen: threads= given
 * @jitter_seen: jitter= given
 */
struct bench_parse {
	struct bench_case c;
	bool size, n, ops, order;
	enum bench_threads threads;
	bool threads_seen, jitter_seen;
};

/*
 * Expand a parsed command into its cases and run them (or, with @dry,
 * check their limits): every steady size unless one was given, every
 * burst order unless one was given, mixed on one CPU and on all unless
 * threads= was given.
 */
static int run_workload(const struct bench_parse *p, bool dry)
{
	struct bench_case c = p->c;
	enum bench_order o;
	int i, err = 0;

	if (!strcmp(c.workload, "steady") && !p->size) {
		for (i = 0; !err && i < ARRAY_SIZE(steady_sizes); i++) {
			c.size = steady_sizes[i];
			err = run_case(&c, dry);
		}
		return err;
	}
	if (!strcmp(c.workload, "burst") && c.order == ORDER_NONE) {
		for (o = ORDER_INORDER; !err && o <= ORDER_RANDOM; o++) {
			c.order = o;
			err = run_case(&c, dry);
		}
		return err;
	}
	if (!strcmp(c.workload, "mixed")) {
		if (p->threads != THREADS_ALL) {
			c.all_cpus = false;
			c.n = p->n ? p->c.n : BENCH_STEADY_N;
			c.ops = p->ops ? p->c.ops : BENCH_STEADY_OPS;
			err = run_case(&c, dry);
		}
		if (!err && p->threads != THREADS_ONE) {
			c.all_cpus = true;
			c.n = p->n ? p->c.n : BENCH_CONC_N;
			c.ops = p->ops ? p->c.ops : BENCH_CONC_OPS;
			err = run_case(&c, dry);
		}
		return err;
	}
	return run_case(&c, dry);
}

static int run_all(bool dry)
{
	static const struct bench_case cases[] = {
		{ .workload = "burst", .order = ORDER_RANDOM,
		  .size = BENCH_BIG_BURST_SIZE, .n = BENCH_BIG_BURST_N },
		{ .workload = "concurrent", .size = BENCH_DEFAULT_SIZE,
		  .n = BENCH_CONC_N, .ops = BENCH_CONC_OPS, .all_cpus = true },
		{ .workload = "nowait", .size = BENCH_DEFAULT_SIZE,
		  .n = BENCH_NOWAIT_N },
	};
	const struct bench_parse steady = {
		.c = { .workload = "steady", .n = BENCH_STEADY_N,
		       .ops = BENCH_STEADY_OPS },
	};
	const struct bench_parse burst = {
		.c = { .workload = "burst", .size = BENCH_DEFAULT_SIZE,
		       .n = BENCH_BURST_N },
		.size = true,
	};
	int i, err;

	/* steady: every size; the first burst: every order. */
	err = run_workload(&steady, dry);
	if (!err)
		err = run_workload(&burst, dry);
	for (i = 0; !err && i < ARRAY_SIZE(cases); i++)
		err = run_case(&cases[i], dry);
	return err;
}

/* ---- the mix ---- */

static void mix_set_default(struct bench_mix *m)
{
	unsigned int i;

	m->name = "default";
	m->nr = ARRAY_SIZE(bench_default_mix);
	m->total = 0;
	for (i = 0; i < m->nr; i++) {
		m->e[i] = bench_default_mix[i];
		m->total += m->e[i].weight;
	}
}

/* Copy the current mix for a run (bench_mutex held). */
static int mix_take(void)
{
	int err = 0;

	mutex_lock(&bench_mix_mutex);
	if (!bench_mix_user)
		mix_set_default(&bench_run_mix);
	else if (!bench_user_mix.nr)
		err = -EINVAL;
	else
		bench_run_mix = bench_user_mix;
	mutex_unlock(&bench_mix_mutex);
	return err;
}

/* "mix begin", "mix default" or "mix <size> <align> <weight>". */
static int mix_command(char **words, int nr)
{
	u32 size, align, weight;
	struct bench_mix *m = &bench_user_mix;
	unsigned int max_size = min_t(size_t, BENCH_MAX_SIZE,
				      pcpu_alt_lab_unit_size());
	int err = 0;

	if (nr == 2 && !strcmp(words[1], "begin")) {
		mutex_lock(&bench_mix_mutex);
		m->name = "user";
		m->nr = 0;
		m->total = 0;
		bench_mix_user = true;
		mutex_unlock(&bench_mix_mutex);
		return 0;
	}
	if (nr == 2 && !strcmp(words[1], "default")) {
		mutex_lock(&bench_mix_mutex);
		bench_mix_user = false;
		mutex_unlock(&bench_mix_mutex);
		return 0;
	}
	if (nr != 4 || kstrtou32(words[1], 10, &size) || !size ||
	    size > max_size || kstrtou32(words[2], 10, &align) ||
	    !is_power_of_2(align) || align > PAGE_SIZE ||
	    kstrtou32(words[3], 10, &weight) || !weight ||
	    weight > BENCH_MIX_MAX_WEIGHT)
		return -EINVAL;
	mutex_lock(&bench_mix_mutex);
	if (!bench_mix_user) {
		err = -EINVAL;		/* no "mix begin" */
	} else if (m->nr == BENCH_MIX_MAX) {
		err = -E2BIG;
	} else {
		m->e[m->nr++] = (struct bench_mix_entry){ size, align, weight };
		m->total += weight;
	}
	mutex_unlock(&bench_mix_mutex);
	return err;
}

/* ---- command parsing ---- */

static int parse_uint_key(const char *word, const char *key,
			  unsigned int max, unsigned int *val, bool *seen)
{
	size_t len = strlen(key);

	if (strncmp(word, key, len) || word[len] != '=')
		return 0;
	if (*seen || kstrtouint(word + len + 1, 10, val) || !*val ||
	    *val > max)
		return -EINVAL;
	*seen = true;
	return 1;
}

/* threads=1|all and jitter=0|1, for "mixed". */
static int parse_mixed_key(struct bench_parse *p, const char *w)
{
	if (!strncmp(w, "threads=", 8) && !p->threads_seen) {
		p->threads_seen = true;
		if (!strcmp(w + 8, "1"))
			p->threads = THREADS_ONE;
		else if (!strcmp(w + 8, "all"))
			p->threads = THREADS_ALL;
		else
			return -EINVAL;
		return 0;
	}
	if (!strncmp(w, "jitter=", 7) && !p->jitter_seen) {
		p->jitter_seen = true;
		if (!strcmp(w + 7, "0"))
			p->c.jitter = false;
		else if (!strcmp(w + 7, "1"))
			p->c.jitter = true;
		else
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

static int parse_key(struct bench_parse *p, const char *w, bool has_ops)
{
	unsigned int max_size = min_t(size_t, BENCH_MAX_SIZE,
				      pcpu_alt_lab_unit_size());
	bool mixed = !!p->c.mix;
	int r = 0;

	if (!mixed)
		r = parse_uint_key(w, "size", max_size, &p->c.size, &p->size);
	if (!r)
		r = parse_uint_key(w, "n", BENCH_MAX_N, &p->c.n, &p->n);
	if (!r && has_ops)
		r = parse_uint_key(w, "ops", BENCH_MAX_OPS, &p->c.ops,
				   &p->ops);
	if (r)
		return r < 0 ? r : 0;
	if (mixed)
		return parse_mixed_key(p, w);
	if (!strcmp(p->c.workload, "burst") && !strncmp(w, "order=", 6) &&
	    !p->order) {
		p->order = true;
		r = match_string(order_name, ARRAY_SIZE(order_name), w + 6);
		if (r > ORDER_NONE) {
			p->c.order = r;
			return 0;
		}
	}
	return -EINVAL;
}

/* The case a "run <workload>" starts from, before its keys. */
static int parse_workload(const char *w, struct bench_parse *p)
{
	static const struct bench_case base[] = {
		{ .workload = "steady", .n = BENCH_STEADY_N,
		  .ops = BENCH_STEADY_OPS },
		{ .workload = "burst", .size = BENCH_DEFAULT_SIZE,
		  .n = BENCH_BURST_N },
		{ .workload = "concurrent", .size = BENCH_DEFAULT_SIZE,
		  .n = BENCH_CONC_N, .ops = BENCH_CONC_OPS, .all_cpus = true },
		{ .workload = "nowait", .size = BENCH_DEFAULT_SIZE,
		  .n = BENCH_NOWAIT_N },
		{ .workload = "mixed", .n = BENCH_STEADY_N,
		  .ops = BENCH_STEADY_OPS, .mix = &bench_run_mix,
		  .jitter = true },
	};
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < ARRAY_SIZE(base); i++) {
		if (!strcmp(w, base[i].workload)) {
			p->c = base[i];
			p->c.max_size = min_t(size_t, BENCH_MAX_SIZE,
					      pcpu_alt_lab_unit_size());
			return 0;
		}
	}
	return -EINVAL;
}

static int bench_parse(char **words, int nr, struct bench_parse *p,
		       bool *all)
{
	bool has_ops;
	int i, err;

	if (nr < 2 || strcmp(words[0], "run"))
		return -EINVAL;
	*all = !strcmp(words[1], "all");
	if (*all)
		return nr == 2 ? 0 : -EINVAL;
	err = parse_workload(words[1], p);
	if (err)
		return err;
	has_ops = p->c.ops;
	for (i = 2; i < nr; i++) {
		err = parse_key(p, words[i], has_ops);
		if (err)
			return err;
	}
	return 0;
}

/* Run a parsed command (bench_mutex held); keep its results if it ends. */
static int bench_run(struct bench_parse *p, bool all)
{
	int err = 0;

	if (!all && p->c.mix)
		err = mix_take();
	if (!err)
		err = all ? run_all(true) : run_workload(p, true);
	if (err)
		return err;
	WRITE_ONCE(bench_workload, all ? "all" : p->c.workload);
	WRITE_ONCE(bench_nr_runs, bench_nr_runs + 1);
	WRITE_ONCE(bench_running, true);
	bench_new_nr_rows = 0;
	err = all ? run_all(false) : run_workload(p, false);
	if (!err) {
		memcpy(bench_rows, bench_new_rows,
		       bench_new_nr_rows * sizeof(*bench_rows));
		bench_nr_rows = bench_new_nr_rows;
		WRITE_ONCE(bench_nr_completed, bench_nr_completed + 1);
	} else if (err == -EINTR) {
		WRITE_ONCE(bench_nr_interrupted, bench_nr_interrupted + 1);
	}
	WRITE_ONCE(bench_running, false);
	return err;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char cmd[PCPU_ALT_DEBUGFS_CMD_MAX], *words[BENCH_MAX_WORDS];
	struct bench_parse p;
	bool all;
	int nr, err;

	nr = pcpu_alt_lab_get_words(cmd, sizeof(cmd), words, BENCH_MAX_WORDS,
				    ubuf, count, ppos);
	if (nr < 0)
		return nr;
	if (!strcmp(words[0], "mix")) {
		err = mix_command(words, nr);
		return err ? err : count;
	}
	err = bench_parse(words, nr, &p, &all);
	if (err)
		return err;
	if (!mutex_trylock(&bench_mutex))
		return -EBUSY;
	err = bench_run(&p, all);
	mutex_unlock(&bench_mutex);
	return err ? err : count;
}

static u64 ops_per_sec(const struct bench_row *r)
{
	if (!r->wall_ns)
		return 0;
	return div64_u64((r->alloc_ops + r->free_ops) * NSEC_PER_SEC,
			 r->wall_ns);
}

static void show_row_kv(struct seq_file *m, const struct bench_row *r)
{
	seq_printf(m, "workload=%s order=%s size=%u n=%u threads=%u allocator=%s",
		   r->workload, order_name[r->order], r->size, r->n,
		   r->threads, r->allocator);
	seq_printf(m, " alloc_ops=%llu alloc_fail=%llu free_ops=%llu wall_ns=%llu ops_per_sec=%llu",
		   r->alloc_ops, r->alloc_fail, r->free_ops, r->wall_ns,
		   ops_per_sec(r));
	seq_printf(m, " alloc_ns_per_op=%llu alloc_p50=%llu alloc_p90=%llu alloc_p99=%llu alloc_max=%llu",
		   r->alloc.mean, r->alloc.p50, r->alloc.p90, r->alloc.p99,
		   r->alloc.max);
	seq_printf(m, " free_ns_per_op=%llu free_p50=%llu free_p90=%llu free_p99=%llu free_max=%llu timer_ns=%llu",
		   r->free.mean, r->free.p50, r->free.p90, r->free.p99,
		   r->free.max, r->timer_ns);
	if (r->mix)
		seq_printf(m, " mix=%s mix_entries=%u jitter_pct=%u size_min=%u size_max=%u size_mean=%llu",
			   r->mix, r->mix_entries, r->jitter_pct, r->size_min,
			   r->size_max, r->size_mean);
	seq_putc(m, '\n');
}

static void show_row_table(struct seq_file *m, const struct bench_row *r)
{
	char what[32];

	if (r->order != ORDER_NONE)
		snprintf(what, sizeof(what), "%s/%s", r->workload,
			 order_name[r->order]);
	else if (r->threads > 1)
		snprintf(what, sizeof(what), "%s/%ucpu", r->workload,
			 r->threads);
	else
		strscpy(what, r->workload, sizeof(what));
	seq_printf(m, "# %-18s %5u %7u %-8s %8llu %5llu %6llu %6llu %6llu %6llu %8llu %6llu %6llu %6llu %6llu %8llu %9llu %9llu %5llu\n",
		   what, r->size, r->n, r->allocator, r->alloc_ops,
		   r->alloc_fail, r->alloc.mean, r->alloc.p50, r->alloc.p90,
		   r->alloc.p99, r->alloc.max, r->free.mean, r->free.p50,
		   r->free.p90, r->free.p99, r->free.max,
		   div_u64(r->wall_ns, NSEC_PER_USEC), ops_per_sec(r),
		   r->timer_ns);
}

static int bench_show(struct seq_file *m, void *v)
{
	unsigned int i;
	int err;

	err = mutex_lock_interruptible(&bench_mutex);
	if (err)
		return err;
	for (i = 0; i < bench_nr_rows; i++)
		show_row_kv(m, &bench_rows[i]);
	if (bench_nr_rows) {
		seq_puts(m, "#                                                 |------------- alloc ns -------------| |-------------- free ns -------------|\n");
		seq_printf(m, "# %-18s %5s %7s %-8s %8s %5s %6s %6s %6s %6s %8s %6s %6s %6s %6s %8s %9s %9s %5s\n",
			   "workload", "size", "n", "alloc", "allocs",
			   "fails", "mean", "p50", "p90", "p99", "max", "mean",
			   "p50", "p90", "p99", "max", "wall_us", "ops/s",
			   "timer");
	}
	for (i = 0; i < bench_nr_rows; i++)
		show_row_table(m, &bench_rows[i]);
	mutex_unlock(&bench_mutex);
	return 0;
}

PCPU_ALT_LAB_RW_FOPS(bench);

static int bench_status_show(struct seq_file *m, void *v)
{
	const struct bench_mix_entry *e = bench_default_mix;
	unsigned int i, nr = ARRAY_SIZE(bench_default_mix);
	const char *name = "default";
	u32 total = 0;
	int err;

	seq_printf(m, "state=%s\n", READ_ONCE(bench_running) ? "running" :
		   "idle");
	seq_printf(m, "workload=%s\n", READ_ONCE(bench_workload));
	seq_printf(m, "threads=%d\n", atomic_read(&bench_threads_working));
	seq_printf(m, "runs=%lu\n", READ_ONCE(bench_nr_runs));
	seq_printf(m, "completed=%lu\n", READ_ONCE(bench_nr_completed));
	seq_printf(m, "interrupted=%lu\n", READ_ONCE(bench_nr_interrupted));
	err = mutex_lock_interruptible(&bench_mix_mutex);
	if (err)
		return err;
	if (bench_mix_user) {
		e = bench_user_mix.e;
		nr = bench_user_mix.nr;
		name = bench_user_mix.name;
	}
	for (i = 0; i < nr; i++)
		total += e[i].weight;
	seq_printf(m, "mix=%s\nmix_entries=%u\nmix_weight=%u\n", name, nr,
		   total);
	for (i = 0; i < nr; i++)
		seq_printf(m, "mix_entry=%u size=%u align=%u weight=%u\n", i,
			   e[i].size, e[i].align, e[i].weight);
	mutex_unlock(&bench_mix_mutex);
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(bench_status);

/**
 * pcpu_alt_lab_bench_init() - create the debugfs "bench" file
 * @dir: pcpu_alt's debugfs directory
 *
 * Removing the file waits for a run in progress to finish.
 *
 * RETURNS: the file.
 */
struct dentry *pcpu_alt_lab_bench_init(struct dentry *dir)
{
	return debugfs_create_file("bench", PCPU_ALT_DEBUGFS_RW, dir, NULL,
				   &bench_fops);
}

/**
 * pcpu_alt_lab_bench_status_init() - create the debugfs "bench_status" file
 * @dir: pcpu_alt's debugfs directory
 *
 * RETURNS: the file.
 */
struct dentry *pcpu_alt_lab_bench_status_init(struct dentry *dir)
{
	return debugfs_create_file("bench_status", PCPU_ALT_DEBUGFS_RO, dir,
				   NULL, &bench_status_fops);
}
