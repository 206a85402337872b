// SPDX-License-Identifier: GPL-2.0
/*
 * One run of one job through one allocator, in a fresh process: boot the
 * stub machine (the stock allocator's first chunk as x86-64 sets it up),
 * load pcpu_alt as the module loads, then replay the job's scripts on
 * threads that run as CPUs 0, 1, ... pinned to host CPUs, every call
 * timed the same way for both allocators.  Both allocators are booted and
 * loaded in every run, whichever one is measured, so that each run starts
 * from the same state.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <linux/percpu.h>
#include <uspace/boot.h>

#include "pcpu_alt_internal.h"
#include "native.h"

const char *native_alt_version(void)
{
	return PCPU_ALT_VERSION;
}

/* USPACE_STOCK: 601 for 6.1, 612 for 6.12. */
const char *native_stock_version(void)
{
	static char v[8];

	snprintf(v, sizeof(v), "%d.%d", USPACE_STOCK / 100,
		 USPACE_STOCK % 100);
	return v;
}

/* One allocator as the replay calls it. */
struct side_ops {
	void __percpu *(*alloc)(size_t size, size_t align, gfp_t gfp);
	void (*free)(void __percpu *ptr);
	/* The first CPU's copy of an area: where it lies in a unit. */
	unsigned long (*addr)(void __percpu *ptr);
};

static void __percpu *alt_alloc(size_t size, size_t align, gfp_t gfp)
{
	return pcpu_alt_alloc(size, align, gfp);
}

static void alt_free(void __percpu *ptr)
{
	pcpu_alt_free(ptr);
}

static unsigned long alt_addr(void __percpu *ptr)
{
	return (unsigned long)pcpu_alt_ptr(ptr, 0);
}

static void __percpu *stock_alloc(size_t size, size_t align, gfp_t gfp)
{
	return __alloc_percpu_gfp(size, align, gfp);
}

static void stock_free(void __percpu *ptr)
{
	free_percpu(ptr);
}

static unsigned long stock_addr(void __percpu *ptr)
{
	return (unsigned long)per_cpu_ptr(ptr, 0);
}

static const struct side_ops sides[NATIVE_SIDES] = {
	[NATIVE_ALT] = { alt_alloc, alt_free, alt_addr },
	[NATIVE_STOCK] = { stock_alloc, stock_free, stock_addr },
};

/* What one executed record left: when, and for live pages, where. */
struct call {
	u64 t0, t1;
	unsigned long addr;	/* 0: a failed allocation */
	u32 size;
	bool is_free, timed;
};

struct worker {
	pthread_t thread;
	unsigned int cpu;
	const struct native_script *script;
	const struct side_ops *ops;
	void __percpu **ptrs;	/* shared by all workers, by slot */
	u32 *sizes;		/* likewise: each slot's size */
	struct call *calls;
	unsigned int loops;
	u64 alloc_fails;
};

static int nr_ready;
static unsigned int nr_workers;

static inline u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	long host_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t i;

	/* The name a profile picks the replay threads by (bench/native -P). */
	pthread_setname_np(pthread_self(), "replay");
	uspace_thread_set_cpu(w->cpu);
	uspace_thread_pin(w->cpu % (host_cpus > 0 ? host_cpus : 1));
	/* Start together. */
	__atomic_add_fetch(&nr_ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&nr_ready, __ATOMIC_ACQUIRE) < (int)nr_workers)
		sched_yield();
	for (i = 0; i < w->script->nr * w->loops; i++) {
		const struct native_rec *r = &w->script->recs[i % w->script->nr];
		/* Each loop overwrites the last one's record of its calls. */
		struct call *c = &w->calls[i % w->script->nr];
		void __percpu *p;

		c->timed = r->timed;
		c->is_free = r->is_free;
		if (r->is_free) {
			p = w->ptrs[r->slot];
			c->addr = p ? w->ops->addr(p) : 0;
			c->size = w->sizes[r->slot];
			c->t0 = now_ns();
			w->ops->free(p);
			c->t1 = now_ns();
			w->ptrs[r->slot] = NULL;
			continue;
		}
		c->t0 = now_ns();
		p = w->ops->alloc(r->size, r->align,
				  (r->atomic ? GFP_NOWAIT : GFP_KERNEL) |
				  __GFP_NOWARN);
		c->t1 = now_ns();
		w->ptrs[r->slot] = p;
		w->sizes[r->slot] = r->size;
		c->size = r->size;
		c->addr = p ? w->ops->addr(p) : 0;
		w->alloc_fails += !p;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of @n sorted values, as the in-kernel bench. */
static u64 percentile(const u64 *v, size_t n, unsigned int p)
{
	size_t rank = (n * p + 99) / 100;

	return n ? v[rank ? rank - 1 : 0] : 0;
}

static void time_figures(struct worker *w, struct native_result *res)
{
	u64 first = U64_MAX, last = 0, *ns;
	size_t n = 0, i;
	unsigned int t;

	for (t = 0; t < nr_workers; t++)
		n += w[t].script->nr;
	ns = malloc((n ? n : 1) * sizeof(*ns));
	if (!ns) {
		res->err = -ENOMEM;
		return;
	}
	n = 0;
	for (t = 0; t < nr_workers; t++) {
		for (i = 0; i < w[t].script->nr; i++) {
			const struct call *c = &w[t].calls[i];

			if (!c->timed)
				continue;
			ns[n++] = c->t1 - c->t0;
			res->sum_ns += c->t1 - c->t0;
			first = min(first, c->t0);
			last = max(last, c->t1);
		}
		res->alloc_fails += w[t].alloc_fails;
	}
	qsort(ns, n, sizeof(*ns), cmp_u64);
	/* Without the slowest 1%: mostly a host that ran something else. */
	for (i = 0; i < n - n / 100; i++)
		res->trim_ns += ns[i];
	res->calls = n;
	res->p50_ns = percentile(ns, n, 50);
	res->p99_ns = percentile(ns, n, 99);
	res->wall_ns = n ? last - first : 0;
	free(ns);
}

/* ---- live pages: every thread's calls merged by time ---- */

struct event {
	u64 at;
	unsigned long addr;
	u32 size;
	int delta;		/* +1: an area appears, -1: it goes */
};

/* Frees first at equal times: an area is gone before its successor. */
static int cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->delta - y->delta;
}

/* Pages with live areas: page number -> areas, open addressing. */
struct page_count {
	unsigned long page;
	long areas;
};

static struct page_count *page_slot(struct page_count *t, size_t cap,
				    unsigned long page)
{
	size_t i = (page * 0x9e3779b97f4a7c15ULL) >> 40;

	for (i &= cap - 1; t[i].areas && t[i].page != page; i = (i + 1) & (cap - 1))
		;
	return &t[i];
}

static void live_figures(struct worker *w, struct native_result *res)
{
	size_t n = 0, i, k, cap;
	struct page_count *pages;
	u64 live = 0, peak = 0;
	struct event *ev;
	unsigned int t;

	for (t = 0; t < nr_workers; t++)
		n += w[t].script->nr;
	ev = malloc((n ? n : 1) * sizeof(*ev));
	/* At most n areas over at most 9 pages each, half full at worst. */
	for (cap = 1024; cap < 18 * n + 16; cap *= 2)
		;
	pages = calloc(cap, sizeof(*pages));
	if (!ev || !pages) {
		res->err = -ENOMEM;
		goto out;
	}
	for (n = 0, t = 0; t < nr_workers; t++) {
		for (i = 0; i < w[t].script->nr; i++) {
			const struct call *c = &w[t].calls[i];

			if (!c->addr)
				continue;
			ev[n].at = c->is_free ? c->t0 : c->t1;
			ev[n].addr = c->addr;
			ev[n].size = c->size;
			ev[n++].delta = c->is_free ? -1 : 1;
		}
	}
	qsort(ev, n, sizeof(*ev), cmp_event);
	for (i = 0; i < n; i++) {
		unsigned long first = ev[i].addr >> PAGE_SHIFT;
		unsigned long last = (ev[i].addr + ev[i].size - 1) >> PAGE_SHIFT;

		for (k = first; k <= last; k++) {
			struct page_count *pc = page_slot(pages, cap, k);

			/* Erased pages keep their number, with 0 areas. */
			if (!pc->areas && ev[i].delta > 0)
				live++;
			pc->page = k;
			pc->areas += ev[i].delta;
			if (!pc->areas)
				live--;
		}
		peak = max(peak, live);
	}
	res->live_pages = peak;
out:
	free(ev);
	free(pages);
}

/**
 * native_run() - one run of @job through @side, in this (fresh) process
 * @job: the job
 * @side: which allocator's calls are timed
 * @nr_cpus: possible CPUs, at least @job->threads
 * @params: pcpu_alt load parameters, "name=value"
 * @nr_params: how many
 * @res: receives the figures (res->err says whether they are good)
 */
void native_run(const struct native_job *job, enum native_side side,
		unsigned int nr_cpus, char **params, int nr_params,
		struct native_result *res)
{
	struct worker w[NATIVE_MAX_THREADS] = {};
	unsigned long base, now, peak;
	void __percpu **ptrs;
	unsigned int t;
	u32 *sizes;
	int i;

	memset(res, 0, sizeof(*res));
	res->err = uspace_boot(nr_cpus);
	for (i = 0; !res->err && i < nr_params; i++) {
		res->err = uspace_param_set(params[i]);
		if (res->err)
			fprintf(stderr, "pcpu_alt parameter %s: error %d\n",
				params[i], res->err);
	}
	if (!res->err)
		res->err = uspace_module_init();
	ptrs = calloc(job->nr_slots, sizeof(*ptrs));
	sizes = calloc(job->nr_slots, sizeof(*sizes));
	if (!ptrs || !sizes)
		res->err = res->err ?: -ENOMEM;
	nr_workers = job->threads;
	for (t = 0; !res->err && t < nr_workers; t++) {
		w[t].cpu = t;
		w[t].script = &job->script[t];
		w[t].ops = &sides[side];
		w[t].ptrs = ptrs;
		w[t].sizes = sizes;
		w[t].loops = job->loops ?: 1;
		w[t].calls = calloc(job->script[t].nr + 1, sizeof(*w[t].calls));
		if (!w[t].calls)
			res->err = -ENOMEM;
	}
	if (res->err)
		return;

	uspace_vm_pages(&base, &peak);
	uspace_vm_reset_peak();
	for (t = 0; t < nr_workers; t++)
		pthread_create(&w[t].thread, NULL, worker_fn, &w[t]);
	for (t = 0; t < nr_workers; t++)
		pthread_join(w[t].thread, NULL);
	uspace_vm_pages(&now, &peak);
	res->pages = (peak - base) / nr_cpus;

	time_figures(w, res);
	live_figures(w, res);
	/* pcpu_alt checks its own state: every chunk against its bitmaps. */
	if (side == NATIVE_ALT && pcpu_alt_verify()) {
		fprintf(stderr, "pcpu_alt_verify() found disagreements\n");
		res->err = res->err ?: -EIO;
	}
	res->warnings = uspace_nr_warnings;
}
