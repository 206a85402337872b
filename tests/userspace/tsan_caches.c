// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt's per-CPU caches with real threads, under ThreadSanitizer: the
 * paths where CPUs meet.  Four threads run as CPUs 0-3 (pinned to host
 * CPUs in turn); the main thread acts for the kernel around them.
 *
 *   mixing   each thread allocates cache-sized areas, writes them, frees
 *            some itself and hands the others to the next thread, which
 *            frees them on its own CPU (a free into another CPU's cache
 *            than the one the area came from); meanwhile the main thread
 *            drains every CPU's caches (a cross-CPU call, as the reaper's
 *            and verify's) over and over
 *   double   each thread frees its areas, then frees each one again: the
 *            area sits in its cache, or is being drained by the main
 *            thread right then, and the second free must be refused every
 *            time (nothing allocates in this phase, so no area can have
 *            been handed out again in between)
 *
 * Afterwards, from one thread: every area was freed exactly once (the
 * stats' live count is 0), every double free was refused, the checker
 * finds every chunk consistent.  ThreadSanitizer reports any data race on
 * the way but those tsan.supp lists (statistics read racily on purpose).
 *
 * Usage: tsan-caches [-r ROUNDS]   (default 200 rounds of each phase)
 * Exits 0 when every check passed (ThreadSanitizer exits non-zero on a
 * report: halt_on_error=1 in the Makefile).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <uspace/boot.h>

#include "pcpu_alt_internal.h"
#include "rng.h"

#define NR_THREADS	4
#define DEFAULT_ROUNDS	200
/* Areas a thread holds in one round; it hands a third on. */
#define PER_ROUND	24
/* Byte every area holds, by thread: a handed-on area must still hold it. */
#define FILL(t)		(0x11 * ((t) + 1))

/* Areas handed to a thread by the one before it (@lock). */
struct inbox {
	pthread_mutex_t lock;
	void __percpu *ptr[PER_ROUND];
	size_t size[PER_ROUND];
	int owner[PER_ROUND];
	unsigned int nr;
};

struct thread {
	pthread_t pthread;
	unsigned int cpu;
	struct inbox inbox;
	unsigned long allocs, frees, double_frees, corrupt;
};

static struct thread threads[NR_THREADS];
static unsigned int rounds = DEFAULT_ROUNDS;
/* The threads wait for each other between phases and rounds. */
static pthread_barrier_t round_barrier;
/* Threads that are done: the main thread drains until all are. */
static int threads_done;

/* Sizes of the cache classes and a few between them. */
static const size_t sizes[] = { 4, 8, 12, 16, 24, 40, 64, 100, 256, 520 };

static bool area_holds(void __percpu *p, size_t size, u8 fill)
{
	unsigned int cpu;
	size_t i;

	for_each_possible_cpu(cpu) {
		const u8 *c = pcpu_alt_ptr((u8 __percpu *)p, cpu);

		for (i = 0; i < size; i++)
			if (c[i] != fill)
				return false;
	}
	return true;
}

static void area_fill(void __percpu *p, size_t size, u8 fill)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		memset(pcpu_alt_ptr((u8 __percpu *)p, cpu), fill, size);
}

/* Free what the previous thread handed over, checking it first. */
static void empty_inbox(struct thread *t)
{
	struct inbox *in = &t->inbox;
	unsigned int i;

	pthread_mutex_lock(&in->lock);
	for (i = 0; i < in->nr; i++) {
		t->corrupt += !area_holds(in->ptr[i], in->size[i],
					  FILL(in->owner[i]));
		pcpu_alt_free(in->ptr[i]);
		t->frees++;
	}
	in->nr = 0;
	pthread_mutex_unlock(&in->lock);
}

static void hand_on(struct thread *t, void __percpu *p, size_t size)
{
	struct inbox *in = &threads[(t->cpu + 1) % NR_THREADS].inbox;
	bool handed = false;

	pthread_mutex_lock(&in->lock);
	if (in->nr < PER_ROUND) {
		in->ptr[in->nr] = p;
		in->size[in->nr] = size;
		in->owner[in->nr++] = t->cpu;
		handed = true;
	}
	pthread_mutex_unlock(&in->lock);
	if (!handed) {
		pcpu_alt_free(p);
		t->frees++;
	}
}

static void mixing(struct thread *t, u64 *rnd)
{
	void __percpu *mine[PER_ROUND];
	size_t size[PER_ROUND];
	unsigned int r, i;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < PER_ROUND; i++) {
			size[i] = sizes[rng_below(rnd, ARRAY_SIZE(sizes))];
			mine[i] = pcpu_alt_alloc(size[i], 4, GFP_KERNEL);
			if (!mine[i])
				abort();
			t->allocs++;
			area_fill(mine[i], size[i], FILL(t->cpu));
		}
		for (i = 0; i < PER_ROUND; i++) {
			t->corrupt += !area_holds(mine[i], size[i],
						  FILL(t->cpu));
			if (i % 3) {
				pcpu_alt_free(mine[i]);
				t->frees++;
			} else {
				hand_on(t, mine[i], size[i]);
			}
		}
		empty_inbox(t);
	}
}

/* Free each area twice; the second must be refused (it is counted). */
static void double_frees(struct thread *t, u64 *rnd)
{
	void __percpu *mine[PER_ROUND];
	unsigned int r, i;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < PER_ROUND; i++) {
			mine[i] = pcpu_alt_alloc(sizes[rng_below(rnd, 8)], 4,
						 GFP_KERNEL);
			if (!mine[i])
				abort();
			t->allocs++;
		}
		/* Nobody allocates from here to the barrier. */
		pthread_barrier_wait(&round_barrier);
		for (i = 0; i < PER_ROUND; i++) {
			pcpu_alt_free(mine[i]);
			t->frees++;
		}
		for (i = 0; i < PER_ROUND; i++) {
			pcpu_alt_free(mine[i]);
			t->double_frees++;
		}
		pthread_barrier_wait(&round_barrier);
	}
}

static void *thread_fn(void *arg)
{
	struct thread *t = arg;
	u64 rnd = t->cpu + 1;

	uspace_thread_set_cpu(t->cpu);
	uspace_thread_pin(t->cpu % sysconf(_SC_NPROCESSORS_ONLN));
	mixing(t, &rnd);
	/* What was handed on in the last round is freed by its receiver. */
	pthread_barrier_wait(&round_barrier);
	empty_inbox(t);
	pthread_barrier_wait(&round_barrier);
	double_frees(t, &rnd);
	__atomic_add_fetch(&threads_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long allocs = 0, frees = 0, double_frees = 0, corrupt = 0;
	unsigned long drains = 0;
	struct pcpu_alt_stats before, after;
	unsigned int i;
	int opt, errors;

	while ((opt = getopt(argc, argv, "r:")) != -1) {
		if (opt != 'r' || atoi(optarg) < 1) {
			fprintf(stderr, "usage: %s [-r ROUNDS]\n", argv[0]);
			return 2;
		}
		rounds = atoi(optarg);
	}
	if (uspace_boot(NR_THREADS) || uspace_module_init()) {
		fprintf(stderr, "boot or pcpu_alt load failed\n");
		return 2;
	}
	pcpu_alt_get_stats(&before);
	pthread_barrier_init(&round_barrier, NULL, NR_THREADS);
	for (i = 0; i < NR_THREADS; i++) {
		threads[i].cpu = i;
		pthread_mutex_init(&threads[i].inbox.lock, NULL);
	}
	for (i = 0; i < NR_THREADS; i++)
		pthread_create(&threads[i].pthread, NULL, thread_fn,
			       &threads[i]);
	/* Meanwhile: drain every CPU's caches, as the reaper and verify do. */
	while (__atomic_load_n(&threads_done, __ATOMIC_ACQUIRE) < NR_THREADS) {
		pcpu_alt_cache_drain_all();
		drains++;
	}
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(threads[i].pthread, NULL);
	for (i = 0; i < NR_THREADS; i++) {
		allocs += threads[i].allocs;
		frees += threads[i].frees;
		double_frees += threads[i].double_frees;
		corrupt += threads[i].corrupt;
	}
	errors = pcpu_alt_verify();
	pcpu_alt_get_stats(&after);
	printf("# %u threads, %u rounds: %lu allocations, %lu frees,",
	       NR_THREADS, rounds, allocs, frees);
	printf(" %lu double frees, %lu drains\n", double_frees, drains);
	printf("# stats: live %llu, bad frees %llu, cache hits %llu, cache frees %llu\n",
	       after.nr_live, after.bad_frees - before.bad_frees,
	       after.nr_cache_hits - before.nr_cache_hits,
	       after.nr_cache_frees - before.nr_cache_frees);
	if (corrupt)
		printf("not ok - %lu areas changed while live\n", corrupt);
	if (allocs != frees || after.nr_live)
		printf("not ok - %lu allocations, %lu frees, %llu live\n",
		       allocs, frees, after.nr_live);
	if (after.bad_frees - before.bad_frees != double_frees)
		printf("not ok - %llu bad frees counted, %lu double frees made\n",
		       after.bad_frees - before.bad_frees, double_frees);
	if (errors)
		printf("not ok - pcpu_alt_verify() found %d disagreement(s)\n",
		       errors);
	uspace_module_exit();
	uspace_workqueue_stop();
	if (corrupt || allocs != frees || after.nr_live || errors ||
	    after.bad_frees - before.bad_frees != double_frees)
		return 1;
	printf("ok - caches: claims, drains and frees from %u threads\n",
	       NR_THREADS);
	return 0;
}
