// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt benchmark: the same workload through pcpu_alt and through the
 * stock allocator (__alloc_percpu_gfp()/free_percpu()) in one run.
 *
 * debugfs file "bench" (0600).  Write one command per write(2):
 *
 *   run steady [size=S] [n=N] [ops=M]
 *       keep N areas live (allocated first, not timed), then M times pick
 *       one at random, free it and allocate a new one.  Without size=,
 *       once for each of 8, 64, 256 and 4096 bytes.
 *   run burst [size=S] [n=N] [order=inorder|reverse|random]
 *       allocate N areas, then free them all in that order.  Without
 *       order=, once in each order.
 *   run concurrent [size=S] [n=N] [ops=M]
 *       "steady" on every online CPU at once, one bound kthread each;
 *       reports the total throughput.
 *   run nowait [size=S] [n=N]
 *       N allocations with GFP_NOWAIT (they may fail: only populated
 *       space is used), then the successful ones are freed.
 *   run all
 *       the suite behind the README table: steady (all sizes, n=1000
 *       ops=20000), burst (size=64 n=10000, all orders), burst (size=4
 *       n=1000000 order=random), concurrent, nowait.
 *
 * Keys may come in any order, each once; 1 <= size <= 32768 (the stock
 * allocator's guaranteed size and never above pcpu_alt's unit size),
 * 1 <= n <= 1000000, 1 <= ops <= 10000000.  Anything else fails with
 * -EINVAL; -EBUSY while another run is in progress; -EINTR if the writer
 * is killed (the run stops early, everything is freed and no result is
 * kept); -ENOMEM when sample buffers cannot be had.  Allocation failures
 * during a run are counted, not fatal.  The write returns when the run is
 * over (a minute or more under emulation for "run all").
 *
 * Reading shows the results of the last completed run: first one
 * key=value line per (case, allocator), keys in this fixed order
 *
 *   workload= order= size= n= threads= allocator=pcpu_alt|stock
 *   alloc_ops= alloc_fail= free_ops= wall_ns= ops_per_sec=
 *   alloc_ns_per_op= alloc_p50= alloc_p90= alloc_p99= alloc_max=
 *   free_ns_per_op= free_p50= free_p90= free_p99= free_max= timer_ns=
 *
 * (one line; order=- when it does not apply), then the same figures as a
 * table in lines starting with '#'.  Latencies are nanoseconds of one
 * call, timed with ktime_get_ns() around it; ns_per_op is their mean;
 * timer_ns is the median of the same timing around no call, measured
 * after the case (the share of every latency that is the clock's own);
 * wall_ns is the time of the timed phases (for "concurrent", from the
 * first thread's start to the last one's end); ops_per_sec counts allocs
 * and frees over wall_ns.  alloc_ops counts attempts, failures included.
 *
 * Locking: bench_mutex serialises runs and protects the results.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/prandom.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#include "lab.h"

#define BENCH_MAX_SIZE		32768
#define BENCH_MAX_N		1000000
#define BENCH_MAX_OPS		10000000
#define BENCH_MAX_WORDS		6
#define BENCH_MAX_ROWS		32
#define BENCH_SEED		0x9e3779b97f4a7c15ULL
/* Empty timed regions measured for timer_ns (odd: a true median). */
#define BENCH_TIMER_SAMPLES	255

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
 * @workload: "steady", "burst", "concurrent" or "nowait"
 * @order: free order (burst only)
 * @size: bytes per allocation
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
 */
struct bench_row {
	const char *workload;
	enum bench_order order;
	unsigned int size, n, threads;
	const char *allocator;
	u64 alloc_ops, alloc_fail, free_ops, wall_ns;
	struct bench_lat alloc, free;
	u64 timer_ns;
};

/* Results of the last completed run (bench_mutex). */
static DEFINE_MUTEX(bench_mutex);
static struct bench_row bench_rows[BENCH_MAX_ROWS];
static unsigned int bench_nr_rows;

/**
 * struct bench_case - what to run, parsed from a command
 * @workload: workload name
 * @order: burst free order
 * @size: bytes per allocation
 * @n: live areas or allocations
 * @ops: timed free+alloc pairs (steady, concurrent)
 */
struct bench_case {
	const char *workload;
	enum bench_order order;
	unsigned int size, n, ops;
};

/**
 * struct bench_buf - sample buffers of one case
 * @ptrs: the live areas
 * @alloc_ns: one sample per allocation attempt
 * @free_ns: one sample per free
 * @nr_alloc: samples in @alloc_ns
 * @nr_free: samples in @free_ns
 * @fails: failed allocation attempts
 * @wall_ns: time of the timed phases
 * @rnd: random state (same seed for each allocator)
 *
 * Owned by one thread while a case runs.
 */
struct bench_buf {
	void __percpu **ptrs;
	u32 *alloc_ns, *free_ns;
	u64 nr_alloc, nr_free, fails, wall_ns;
	struct rnd_state rnd;
};

static size_t bench_align(unsigned int size)
{
	return size >= 8 ? 8 : 4;
}

static u32 clamp_ns(u64 ns)
{
	return ns > U32_MAX ? U32_MAX : ns;
}

static void __percpu *timed_alloc(const struct bench_ops *a,
				  struct bench_buf *b, unsigned int size,
				  gfp_t gfp)
{
	void __percpu *p;
	u64 t0;

	t0 = ktime_get_ns();
	p = a->alloc(size, bench_align(size), gfp | __GFP_NOWARN);
	b->alloc_ns[b->nr_alloc++] = clamp_ns(ktime_get_ns() - t0);
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
	b->free_ns[b->nr_free++] = clamp_ns(ktime_get_ns() - t0);
}

static void free_all(const struct bench_ops *a, void __percpu **ptrs,
		     unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		a->free(ptrs[i]);
		ptrs[i] = NULL;
		if (!(i % 1024))
			cond_resched();
	}
}

/* Every 256 operations: let others run; stop if the writer is killed. */
static bool bench_stop(unsigned int i)
{
	if (i % 256)
		return false;
	cond_resched();
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
	int err = 0;
	u64 t0;

	for (i = 0; i < c->n; i++) {
		b->ptrs[i] = a->alloc(c->size, bench_align(c->size),
				      GFP_KERNEL | __GFP_NOWARN);
		if (bench_stop(i)) {
			err = -EINTR;
			goto out;
		}
	}
	t0 = ktime_get_ns();
	for (i = 0; i < c->ops; i++) {
		k = prandom_u32_state(&b->rnd) % c->n;
		timed_free(a, b, b->ptrs[k]);
		b->ptrs[k] = timed_alloc(a, b, c->size, GFP_KERNEL);
		if (bench_stop(i)) {
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
	unsigned int i;
	u64 t0, t1;
	int err = 0;

	t0 = ktime_get_ns();
	for (i = 0; i < c->n; i++) {
		b->ptrs[i] = timed_alloc(a, b, c->size, gfp);
		if (bench_stop(i)) {
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
		if (bench_stop(i)) {
			err = -EINTR;
			break;
		}
	}
	b->wall_ns += ktime_get_ns() - t0;
	free_all(a, b->ptrs, c->n);
	return err;
}

static int bench_buf_init(struct bench_buf *b, const struct bench_case *c)
{
	u64 samples = max(c->n, c->ops);

	memset(b, 0, sizeof(*b));
	prandom_seed_state(&b->rnd, BENCH_SEED);
	b->ptrs = vcalloc(c->n, sizeof(*b->ptrs));
	b->alloc_ns = vmalloc_array(samples, sizeof(u32));
	b->free_ns = vmalloc_array(samples, sizeof(u32));
	if (!b->ptrs || !b->alloc_ns || !b->free_ns)
		return -ENOMEM;
	return 0;
}

static void bench_buf_destroy(struct bench_buf *b)
{
	vfree(b->ptrs);
	vfree(b->alloc_ns);
	vfree(b->free_ns);
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

static void summarise(struct bench_lat *l, u32 *s, u64 n)
{
	u64 sum = 0, i;

	memset(l, 0, sizeof(*l));
	if (!n)
		return;
	for (i = 0; i < n; i++)
		sum += s[i];
	sort(s, n, sizeof(*s), cmp_u32, NULL);
	l->mean = div64_u64(sum, n);
	l->p50 = pct(s, n, 50);
	l->p90 = pct(s, n, 90);
	l->p99 = pct(s, n, 99);
	l->max = s[n - 1];
}

/*
 * What timed_alloc() and timed_free() measure around no call at all: the
 * clock reads themselves.  Reported so readers can see how much of a
 * latency is the allocator's.
 */
static u64 timer_cost(void)
{
	u32 *s = kmalloc_array(BENCH_TIMER_SAMPLES, sizeof(*s), GFP_KERNEL);
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

	if (bench_nr_rows == BENCH_MAX_ROWS)
		return;
	r = &bench_rows[bench_nr_rows++];
	r->workload = c->workload;
	r->order = c->order;
	r->size = c->size;
	r->n = c->n;
	r->threads = threads;
	r->allocator = a->name;
	r->alloc_ops = b->nr_alloc;
	r->alloc_fail = b->fails;
	r->free_ops = b->nr_free;
	r->wall_ns = b->wall_ns;
	summarise(&r->alloc, b->alloc_ns, b->nr_alloc);
	summarise(&r->free, b->free_ns, b->nr_free);
	r->timer_ns = timer_cost();
}

/* steady, burst or nowait through one allocator, in this thread. */
static int run_one(const struct bench_case *c, const struct bench_ops *a)
{
	struct bench_buf b;
	int err;

	err = bench_buf_init(&b, c);
	if (!err) {
		if (!strcmp(c->workload, "steady"))
			err = run_steady(a, c, &b);
		else if (!strcmp(c->workload, "burst"))
			err = run_burst(a, c, &b, GFP_KERNEL);
		else
			err = run_burst(a, c, &b, GFP_NOWAIT);
	}
	if (!err)
		add_row(c, a, &b, 1);
	bench_buf_destroy(&b);
	return err;
}

/* ---- concurrent: steady state on every online CPU ---- */

/**
 * struct bench_thread - one CPU's share of a concurrent case
 * @task: its kthread
 * @buf: its samples
 * @start: when it started timing
 * @err: its result
 * @c: the case
 * @a: the allocator
 * @ready: threads that reached the start line (shared)
 * @nr: threads in the run
 * @done: completed once per finished thread (shared)
 */
struct bench_thread {
	struct task_struct *task;
	struct bench_buf buf;
	u64 start;
	int err;
	const struct bench_case *c;
	const struct bench_ops *a;
	atomic_t *ready;
	unsigned int nr;
	struct completion *done;
};

static int bench_threadfn(void *data)
{
	struct bench_thread *t = data;

	atomic_inc(t->ready);
	while (atomic_read(t->ready) < t->nr && !kthread_should_stop())
		cpu_relax();
	t->start = ktime_get_ns();
	t->err = run_steady(t->a, t->c, &t->buf);
	complete(t->done);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/* Merge every thread's samples into the first one's buffers. */
static int merge_threads(struct bench_thread *t, unsigned int nr,
			 struct bench_buf *all)
{
	u64 total = 0, end = 0, start = U64_MAX;
	unsigned int i;

	for (i = 0; i < nr; i++)
		total += t[i].buf.nr_alloc;
	memset(all, 0, sizeof(*all));
	all->alloc_ns = vmalloc_array(total + 1, sizeof(u32));
	all->free_ns = vmalloc_array(total + 1, sizeof(u32));
	if (!all->alloc_ns || !all->free_ns)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		struct bench_buf *b = &t[i].buf;

		memcpy(all->alloc_ns + all->nr_alloc, b->alloc_ns,
		       b->nr_alloc * sizeof(u32));
		memcpy(all->free_ns + all->nr_free, b->free_ns,
		       b->nr_free * sizeof(u32));
		all->nr_alloc += b->nr_alloc;
		all->nr_free += b->nr_free;
		all->fails += b->fails;
		start = min(start, t[i].start);
		end = max(end, t[i].start + b->wall_ns);
	}
	all->wall_ns = end - start;
	return 0;
}

static int run_concurrent(const struct bench_case *c,
			  const struct bench_ops *a)
{
	DECLARE_COMPLETION_ONSTACK(done);
	struct bench_thread *t;
	struct bench_buf all = {};
	unsigned int nr = 0, i, cpu, started = 0;
	atomic_t ready = ATOMIC_INIT(0);
	int err = 0;

	t = kcalloc(num_possible_cpus(), sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct bench_thread *th = &t[nr];

		th->c = c;
		th->a = a;
		th->ready = &ready;
		th->done = &done;
		err = bench_buf_init(&th->buf, c);
		if (err)
			break;
		th->task = kthread_create_on_cpu(bench_threadfn, th, cpu,
						 "pcpu_alt_bench/%u");
		if (IS_ERR(th->task)) {
			err = PTR_ERR(th->task);
			th->task = NULL;
			break;
		}
		nr++;
	}
	cpus_read_unlock();
	for (i = 0; i < nr; i++)
		t[i].nr = nr;
	for (i = 0; !err && i < nr; i++, started++)
		wake_up_process(t[i].task);
	for (i = 0; i < started; i++)
		wait_for_completion(&done);
	for (i = 0; i < nr; i++) {
		kthread_stop(t[i].task);
		if (!err)
			err = t[i].err;
	}
	if (!err)
		err = merge_threads(t, nr, &all);
	if (!err)
		add_row(c, a, &all, nr);
	bench_buf_destroy(&all);
	for (i = 0; i < num_possible_cpus(); i++)
		bench_buf_destroy(&t[i].buf);
	kfree(t);
	return err;
}

/* One case through every allocator, pcpu_alt first. */
static int run_case(const struct bench_case *c)
{
	int i, err = 0;

	for (i = 0; !err && i < ARRAY_SIZE(bench_allocators); i++) {
		if (!strcmp(c->workload, "concurrent"))
			err = run_concurrent(c, &bench_allocators[i]);
		else
			err = run_one(c, &bench_allocators[i]);
	}
	return err;
}

static const unsigned int steady_sizes[] = { 8, 64, 256, 4096 };

/*
 * Expand a parsed command into its cases and run them: every steady size
 * unless @size_set, every burst order unless one was given.
 */
static int run_workload(struct bench_case *c, bool size_set)
{
	enum bench_order o;
	int i, err = 0;

	if (!strcmp(c->workload, "steady") && !size_set) {
		for (i = 0; !err && i < ARRAY_SIZE(steady_sizes); i++) {
			c->size = steady_sizes[i];
			err = run_case(c);
		}
		return err;
	}
	if (!strcmp(c->workload, "burst") && c->order == ORDER_NONE) {
		for (o = ORDER_INORDER; !err && o <= ORDER_RANDOM; o++) {
			c->order = o;
			err = run_case(c);
		}
		return err;
	}
	return run_case(c);
}

static int run_all(void)
{
	struct bench_case c = { "steady", ORDER_NONE, 0, 1000, 20000 };
	int err;

	err = run_workload(&c, false);
	if (err)
		return err;
	c = (struct bench_case){ "burst", ORDER_NONE, 64, 10000, 0 };
	err = run_workload(&c, true);
	if (err)
		return err;
	c = (struct bench_case){ "burst", ORDER_RANDOM, 4, 1000000, 0 };
	err = run_case(&c);
	if (err)
		return err;
	c = (struct bench_case){ "concurrent", ORDER_NONE, 64, 256, 5000 };
	err = run_case(&c);
	if (err)
		return err;
	c = (struct bench_case){ "nowait", ORDER_NONE, 64, 1000, 0 };
	return run_case(&c);
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

/**
 * struct bench_parse - keys of a "run" command and whether they came
 * @c: the case being built
 * @size: size= given
 * @n: n= given
 * @ops: ops= given
 * @order: order= given
 */
struct bench_parse {
	struct bench_case c;
	bool size, n, ops, order;
};

static int parse_key(struct bench_parse *p, const char *w, bool has_ops,
		     bool has_order)
{
	unsigned int max_size = min_t(size_t, BENCH_MAX_SIZE,
				      pcpu_alt_lab_unit_size());
	int r;

	r = parse_uint_key(w, "size", max_size, &p->c.size, &p->size);
	if (!r)
		r = parse_uint_key(w, "n", BENCH_MAX_N, &p->c.n, &p->n);
	if (!r && has_ops)
		r = parse_uint_key(w, "ops", BENCH_MAX_OPS, &p->c.ops,
				   &p->ops);
	if (r)
		return r < 0 ? r : 0;
	if (has_order && !strncmp(w, "order=", 6) && !p->order) {
		p->order = true;
		r = match_string(order_name, ARRAY_SIZE(order_name), w + 6);
		if (r > ORDER_NONE) {
			p->c.order = r;
			return 0;
		}
	}
	return -EINVAL;
}

static int bench_parse(char *cmd, struct bench_parse *p, bool *all)
{
	char *words[BENCH_MAX_WORDS], *w;
	bool has_ops, has_order;
	int nr = 0, i, err;

	while ((w = strsep(&cmd, " ")) != NULL) {
		if (!*w || nr == BENCH_MAX_WORDS)
			return -EINVAL;
		words[nr++] = w;
	}
	if (nr < 2 || strcmp(words[0], "run"))
		return -EINVAL;
	*all = !strcmp(words[1], "all");
	if (*all)
		return nr == 2 ? 0 : -EINVAL;

	memset(p, 0, sizeof(*p));
	if (!strcmp(words[1], "steady"))
		p->c = (struct bench_case){ "steady", ORDER_NONE, 0, 1000,
					    20000 };
	else if (!strcmp(words[1], "burst"))
		p->c = (struct bench_case){ "burst", ORDER_NONE, 64, 10000,
					    0 };
	else if (!strcmp(words[1], "concurrent"))
		p->c = (struct bench_case){ "concurrent", ORDER_NONE, 64,
					    256, 5000 };
	else if (!strcmp(words[1], "nowait"))
		p->c = (struct bench_case){ "nowait", ORDER_NONE, 64, 1000,
					    0 };
	else
		return -EINVAL;
	has_ops = !strcmp(words[1], "steady") ||
		  !strcmp(words[1], "concurrent");
	has_order = !strcmp(words[1], "burst");
	for (i = 2; i < nr; i++) {
		err = parse_key(p, words[i], has_ops, has_order);
		if (err)
			return err;
	}
	return 0;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char cmd[PCPU_ALT_DEBUGFS_CMD_MAX];
	struct bench_parse p;
	bool all;
	int err;

	err = pcpu_alt_debugfs_get_cmd(cmd, sizeof(cmd), ubuf, count, ppos);
	if (!err)
		err = bench_parse(cmd, &p, &all);
	if (err)
		return err;
	if (!mutex_trylock(&bench_mutex))
		return -EBUSY;
	bench_nr_rows = 0;
	err = all ? run_all() : run_workload(&p.c, p.size);
	if (err)
		bench_nr_rows = 0;
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
	seq_printf(m, " free_ns_per_op=%llu free_p50=%llu free_p90=%llu free_p99=%llu free_max=%llu timer_ns=%llu\n",
		   r->free.mean, r->free.p50, r->free.p90, r->free.p99,
		   r->free.max, r->timer_ns);
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
