// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt stress engine: debugfs "stress".
 *
 * One kthread bound to each online CPU allocates and frees pcpu_alt areas
 * in a loop.  The threads follow CPU hotplug through a dynamic cpuhp state
 * registered for the length of a run: a CPU going offline has its thread
 * stopped, which first frees (after checking) every area it holds and every
 * area handed to it; a CPU coming online gets a new thread.
 *
 * Each step of a thread either allocates (size, alignment and blocking or
 * not drawn from the run's mix) or frees one of its live areas picked at
 * random.  A free may instead hand the area to another CPU's thread, which
 * checks and frees it (cross-CPU frees).  After an allocation every CPU's
 * copy must read zero; the thread then writes into every CPU's copy a
 * pattern derived from the area's tag (a number unique to the allocation)
 * and the CPU number, and whoever frees the area checks the pattern first.
 * A mismatch is counted and reported (chunk id and offset, rate-limited)
 * and the run goes on.
 *
 * The threads of a run together hold at most 16 MiB per CPU of areas
 * (PCPU_ALT_LAB_MAX_LIVE_BYTES; sizes rounded up to 4 bytes), so a run
 * cannot take the memory the rest of the kernel needs: an allocation that
 * would go over is not made (counted in cap_hits) and the thread frees
 * one of its areas instead.  Their bookkeeping (an entry per live area,
 * max_live slots per thread) is allocated with PCPU_ALT_LAB_GFP.
 *
 * debugfs file "stress": its commands, keys, limits and status lines are
 * in docs/debugfs-abi.md.
 *
 * Locking
 * -------
 * stress_mutex serialises start, stop, the end-of-run work and reads of
 * the status; it is taken before the CPU hotplug lock (cpuhp_setup_state()
 * and cpuhp_remove_state() run under it) and never inside a hotplug
 * callback.  The hotplug callbacks own their CPU's stress_cpu.task and
 * .live (cpuhp runs them one at a time); the thread itself owns .live's
 * contents, .nr_live and .rnd.  stress_handoff_lock protects every inbox
 * and .accepting.  Counters are atomics, readable at any time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "lab.h"

/* Commands are longer than the other files' (several key=value words). */
#define STRESS_CMD_MAX		256
#define STRESS_MAX_WORDS	9
#define STRESS_MAX_SECONDS	604800ULL
#define STRESS_MAX_OPS		1000000000000ULL
#define STRESS_MAX_LIVE		4096
#define STRESS_SMALL_MAX	256
/* Threads sample the populated-page figure every this many steps. */
#define STRESS_SAMPLE_EVERY	64

/* Per-CPU counters, indexes of stress_cpu.cnt[]. */
enum stress_counter {
	SC_STARTS,		/* threads started on this CPU */
	SC_OPS,			/* steps: alloc attempts, frees, handoffs */
	SC_ALLOCS,		/* successful allocations */
	SC_FREES,		/* areas freed here (own or handed over) */
	SC_CROSS_FREES,		/* of those, allocated on another CPU */
	SC_HANDOFFS,		/* areas handed to another CPU's thread */
	SC_FAIL_NOWAIT,		/* non-blocking allocation failed */
	SC_FAIL_BLOCKING,	/* blocking allocation failed */
	SC_FAIL_META,		/* our own bookkeeping kmalloc failed */
	SC_CORRUPT_ZERO,	/* a fresh area not zero on some CPU */
	SC_CORRUPT_PATTERN,	/* pattern changed before the free */
	SC_CORRUPT_ALIGN,	/* area not aligned as asked */
	SC_INFO_ERRORS,		/* pcpu_alt_ptr_info() refused a live area */
	SC_NR
};

static const char * const stress_counter_key[SC_NR] = {
	[SC_STARTS] = "starts",
	[SC_OPS] = "ops",
	[SC_ALLOCS] = "allocs",
	[SC_FREES] = "frees",
	[SC_CROSS_FREES] = "cross_frees",
	[SC_HANDOFFS] = "handoffs",
	[SC_FAIL_NOWAIT] = "fail_nowait",
	[SC_FAIL_BLOCKING] = "fail_blocking",
	[SC_FAIL_META] = "fail_meta",
	[SC_CORRUPT_ZERO] = "corrupt_zero",
	[SC_CORRUPT_PATTERN] = "corrupt_pattern",
	[SC_CORRUPT_ALIGN] = "corrupt_align",
	[SC_INFO_ERRORS] = "info_errors",
};

/**
 * struct stress_area - one live area of a run
 * @ptr: what pcpu_alt_alloc() returned
 * @tag: unique per allocation; with the CPU number it seeds the pattern
 * @size: requested bytes
 * @align: requested alignment
 * @home: CPU whose thread allocated it
 * @node: on an inbox while handed over (stress_handoff_lock)
 */
struct stress_area {
	void __percpu *ptr;
	u64 tag;
	u32 size;
	u32 align;
	unsigned int home;
	struct list_head node;
};

/**
 * struct stress_cpu - one CPU's thread and figures
 * @cpu: the CPU
 * @task: its thread, or NULL (hotplug callbacks; READ_ONCE elsewhere)
 * @live: areas the thread holds, max_live slots (allocated and freed by
 *        the hotplug callbacks, filled by the thread)
 * @nr_live: used slots of @live (the thread; READ_ONCE elsewhere)
 * @rnd: the thread's random state (the thread)
 * @inbox: areas handed to this thread (stress_handoff_lock)
 * @accepting: the thread takes handoffs (stress_handoff_lock)
 * @nr_inbox: entries on @inbox, for a lock-free peek
 * @working: the thread is in its main loop
 * @cnt: counters, see enum stress_counter
 */
struct stress_cpu {
	unsigned int cpu;
	struct task_struct *task;
	struct stress_area **live;
	unsigned int nr_live;
	struct rnd_state rnd;
	struct list_head inbox;
	bool accepting;
	atomic_t nr_inbox;
	atomic_t working;
	atomic64_t cnt[SC_NR];
};

/**
 * struct stress_cfg - settings of a run (see the top comment)
 * @seconds: time budget, 0 = none
 * @ops: step budget over all threads, 0 = none
 * @max_live: areas a thread holds at most
 * @max_size: largest allocation size
 * @small_pct: share of sizes 1..STRESS_SMALL_MAX
 * @atomic_pct: share of non-blocking allocations
 * @cross_pct: share of frees handed to another CPU
 * @seed: random seed
 *
 * Written by start under stress_mutex before any thread exists; read-only
 * while the run lasts.
 */
struct stress_cfg {
	u64 seconds;
	u64 ops;
	u32 max_live;
	u32 max_size;
	u32 small_pct;
	u32 atomic_pct;
	u32 cross_pct;
	u32 seed;
};

enum stress_state { STRESS_IDLE, STRESS_RUNNING, STRESS_DONE };

static const char * const stress_state_name[] = {
	[STRESS_IDLE] = "idle",
	[STRESS_RUNNING] = "running",
	[STRESS_DONE] = "done",
};

/* Serialises start, stop, the end work and status reads. */
static DEFINE_MUTEX(stress_mutex);
/* Protects every stress_cpu's inbox and accepting flag. */
static DEFINE_SPINLOCK(stress_handoff_lock);

/* One per possible CPU, allocated at init; see struct stress_cpu. */
static struct stress_cpu *stress_cpus;

/* All of these under stress_mutex, except where noted. */
static struct stress_cfg cfg;
static enum stress_state stress_state;
static const char *stress_end_reason = "none";
static int stress_hp_state;		/* cpuhp state while running */
static unsigned long stress_start_jiffies;
static unsigned long stress_end_jiffies;
static unsigned long stress_deadline;	/* read by threads (read-only) */
static unsigned int stress_runs;
static struct pcpu_alt_stats stress_stats_start;
static struct pcpu_alt_stats stress_stats_end;

/* Shared by the threads. */
static atomic64_t stress_steps;		/* against cfg.ops */
static atomic64_t stress_next_tag;
static atomic64_t stress_live;		/* areas allocated, not yet freed */
static atomic64_t stress_live_peak;
static atomic64_t stress_pop_peak;	/* populated pages, highest seen */
static atomic64_t stress_thread_failures;
static atomic64_t stress_live_bytes;	/* per CPU, of the live areas */
static atomic64_t stress_cap_hits;	/* allocations over the limit */

static void stress_end_workfn(struct work_struct *work);
static DECLARE_WORK(stress_end_work, stress_end_workfn);

/* ---- helpers ---- */

static u32 stress_rand(struct stress_cpu *sc, u32 below)
{
	return (u32)(((u64)prandom_u32_state(&sc->rnd) * below) >> 32);
}

static void stress_count(struct stress_cpu *sc, enum stress_counter c)
{
	atomic64_inc(&sc->cnt[c]);
}

static void stress_max(atomic64_t *peak, s64 v)
{
	s64 old = atomic64_read(peak);

	while (v > old) {
		s64 seen = atomic64_cmpxchg(peak, old, v);

		if (seen == old)
			break;
		old = seen;
	}
}

static void stress_sample_memory(void)
{
	struct pcpu_alt_stats st;

	pcpu_alt_get_stats(&st);
	stress_max(&stress_pop_peak, st.nr_populated_pages);
}

/* Has the run reached its time or operation budget? */
static bool stress_budget_spent(void)
{
	if (cfg.seconds && time_after_eq(jiffies, READ_ONCE(stress_deadline)))
		return true;
	return cfg.ops && atomic64_read(&stress_steps) >= (s64)cfg.ops;
}

/* Pattern word @i of @cpu's copy of the area tagged @tag. */
static u32 stress_seed(u64 tag, unsigned int cpu)
{
	return (u32)hash_64(tag ^ ((u64)cpu << 48), 32);
}

static u32 stress_word(u32 seed, size_t i)
{
	return seed + (u32)i * 0x9e3779b9U;
}

static u8 stress_tail_byte(u32 seed, size_t size, size_t byte)
{
	return stress_word(seed, size / 4) >> (8 * (byte & 3));
}

static void stress_report(struct stress_cpu *sc, struct stress_area *a,
			  const char *what, unsigned int cpu, size_t where,
			  u32 expected, u32 found)
{
	struct pcpu_alt_ptr_info info = { .chunk_id = -1 };

	if (pcpu_alt_ptr_info(a->ptr, &info))
		stress_count(sc, SC_INFO_ERRORS);
	pr_err_ratelimited("stress: %s: chunk %d offset %lu (+%zu) cpu %u size %u align %u tag %llu: expected %#x found %#x\n",
			   what, info.chunk_id, info.offset, where, cpu,
			   a->size, a->align, a->tag, expected, found);
}

/* Check every CPU's copy reads zero; count and report the first miss. */
static void stress_check_zero(struct stress_cpu *sc, struct stress_area *a)
{
	unsigned int cpu;
	u8 *p, *bad;

	for_each_possible_cpu(cpu) {
		p = pcpu_alt_ptr((u8 __percpu *)a->ptr, cpu);
		bad = memchr_inv(p, 0, a->size);
		if (bad) {
			stress_count(sc, SC_CORRUPT_ZERO);
			stress_report(sc, a, "fresh area not zero", cpu,
				      bad - p, 0, *bad);
			return;
		}
	}
}

static void stress_fill(struct stress_area *a)
{
	size_t words = a->size / 4, i;
	unsigned int cpu;
	u32 seed, *w;
	u8 *b;

	for_each_possible_cpu(cpu) {
		seed = stress_seed(a->tag, cpu);
		w = pcpu_alt_ptr((u32 __percpu *)a->ptr, cpu);
		for (i = 0; i < words; i++)
			w[i] = stress_word(seed, i);
		b = (u8 *)(w + words);
		for (i = words * 4; i < a->size; i++)
			b[i - words * 4] = stress_tail_byte(seed, a->size, i);
	}
}

/* Check the pattern on every CPU; count and report the first miss. */
static void stress_check_pattern(struct stress_cpu *sc, struct stress_area *a)
{
	size_t words = a->size / 4, i;
	unsigned int cpu;
	u32 seed, *w;
	u8 *b, want;

	for_each_possible_cpu(cpu) {
		seed = stress_seed(a->tag, cpu);
		w = pcpu_alt_ptr((u32 __percpu *)a->ptr, cpu);
		for (i = 0; i < words; i++) {
			if (w[i] != stress_word(seed, i)) {
				stress_count(sc, SC_CORRUPT_PATTERN);
				stress_report(sc, a, "pattern changed", cpu,
					      i * 4, stress_word(seed, i),
					      w[i]);
				return;
			}
		}
		b = (u8 *)(w + words);
		for (i = words * 4; i < a->size; i++) {
			want = stress_tail_byte(seed, a->size, i);
			if (b[i - words * 4] != want) {
				stress_count(sc, SC_CORRUPT_PATTERN);
				stress_report(sc, a, "pattern changed", cpu, i,
					      want, b[i - words * 4]);
				return;
			}
		}
	}
}

/* ---- the threads ---- */

static u32 stress_pick_size(struct stress_cpu *sc)
{
	u32 max = cfg.max_size, lo, size;

	if (stress_rand(sc, 100) < cfg.small_pct)
		return 1 + stress_rand(sc, min_t(u32, max, STRESS_SMALL_MAX));
	if (!stress_rand(sc, 100))
		return max;
	/* Log-uniform: a power-of-two band, then uniform inside it. */
	lo = 1U << stress_rand(sc, fls(max));
	size = lo + stress_rand(sc, lo);
	return min(size, max);
}

/* What an area of @size counts against the live-bytes limit. */
static u64 stress_area_bytes(u32 size)
{
	return round_up(size, PCPU_ALT_LAB_GRANULE);
}

/* Count @size against the limit; false (nothing counted) if over it. */
static bool stress_reserve_bytes(u32 size)
{
	s64 bytes = stress_area_bytes(size);

	if (atomic64_add_return(bytes, &stress_live_bytes) <=
	    PCPU_ALT_LAB_MAX_LIVE_BYTES)
		return true;
	atomic64_sub(bytes, &stress_live_bytes);
	atomic64_inc(&stress_cap_hits);
	return false;
}

static u32 stress_pick_align(struct stress_cpu *sc)
{
	if (stress_rand(sc, 100) < 90)
		return 1U << stress_rand(sc, 7);
	return 1U << stress_rand(sc, PAGE_SHIFT + 1);
}

static void stress_free_one(struct stress_cpu *sc);

static void stress_alloc_one(struct stress_cpu *sc)
{
	bool atomic = stress_rand(sc, 100) < cfg.atomic_pct;
	gfp_t gfp = (atomic ? GFP_NOWAIT : GFP_KERNEL) | __GFP_NOWARN;
	struct stress_area *a;

	a = kmalloc(sizeof(*a), PCPU_ALT_LAB_GFP);
	if (!a) {
		stress_count(sc, SC_FAIL_META);
		return;
	}
	a->size = stress_pick_size(sc);
	a->align = stress_pick_align(sc);
	a->home = sc->cpu;
	if (!stress_reserve_bytes(a->size)) {
		kfree(a);
		if (sc->nr_live)
			stress_free_one(sc);
		return;
	}
	a->ptr = pcpu_alt_alloc(a->size, a->align, gfp);
	if (!a->ptr) {
		stress_count(sc, atomic ? SC_FAIL_NOWAIT : SC_FAIL_BLOCKING);
		atomic64_sub(stress_area_bytes(a->size), &stress_live_bytes);
		kfree(a);
		return;
	}
	a->tag = atomic64_inc_return(&stress_next_tag);
	stress_count(sc, SC_ALLOCS);
	stress_max(&stress_live_peak, atomic64_inc_return(&stress_live));
	if ((__force unsigned long)a->ptr & (a->align - 1)) {
		stress_count(sc, SC_CORRUPT_ALIGN);
		stress_report(sc, a, "misaligned", 0, 0, a->align, 0);
	}
	stress_check_zero(sc, a);
	stress_fill(a);
	sc->live[sc->nr_live] = a;
	WRITE_ONCE(sc->nr_live, sc->nr_live + 1);
}

/* Check and free @a, which this thread holds. */
static void stress_release(struct stress_cpu *sc, struct stress_area *a)
{
	stress_check_pattern(sc, a);
	pcpu_alt_free(a->ptr);
	stress_count(sc, SC_FREES);
	if (a->home != sc->cpu)
		stress_count(sc, SC_CROSS_FREES);
	atomic64_dec(&stress_live);
	atomic64_sub(stress_area_bytes(a->size), &stress_live_bytes);
	kfree(a);
}

/* Give @a to another CPU's thread; false when none takes handoffs. */
static bool stress_handoff(struct stress_cpu *sc, struct stress_area *a)
{
	unsigned int cpu = stress_rand(sc, nr_cpu_ids), n;
	struct stress_cpu *to;

	spin_lock(&stress_handoff_lock);
	for (n = 0; n < nr_cpu_ids; n++, cpu = (cpu + 1) % nr_cpu_ids) {
		to = &stress_cpus[cpu];
		if (to == sc || !to->accepting)
			continue;
		list_add_tail(&a->node, &to->inbox);
		atomic_inc(&to->nr_inbox);
		spin_unlock(&stress_handoff_lock);
		return true;
	}
	spin_unlock(&stress_handoff_lock);
	return false;
}

static void stress_free_one(struct stress_cpu *sc)
{
	unsigned int i = stress_rand(sc, sc->nr_live);
	struct stress_area *a = sc->live[i];

	WRITE_ONCE(sc->nr_live, sc->nr_live - 1);
	sc->live[i] = sc->live[sc->nr_live];
	if (stress_rand(sc, 100) < cfg.cross_pct && stress_handoff(sc, a)) {
		stress_count(sc, SC_HANDOFFS);
		return;
	}
	stress_release(sc, a);
}

/* Free what was handed to us; with @close, refuse handoffs from now on. */
static void stress_drain_inbox(struct stress_cpu *sc, bool close)
{
	struct stress_area *a, *next;
	LIST_HEAD(local);

	if (!close && !atomic_read(&sc->nr_inbox))
		return;
	spin_lock(&stress_handoff_lock);
	if (close)
		sc->accepting = false;
	list_splice_init(&sc->inbox, &local);
	atomic_set(&sc->nr_inbox, 0);
	spin_unlock(&stress_handoff_lock);
	list_for_each_entry_safe(a, next, &local, node) {
		list_del(&a->node);
		stress_count(sc, SC_OPS);
		stress_release(sc, a);
	}
}

static void stress_step(struct stress_cpu *sc)
{
	u64 steps;

	if (sc->nr_live &&
	    (sc->nr_live >= cfg.max_live || stress_rand(sc, 100) < 45))
		stress_free_one(sc);
	else
		stress_alloc_one(sc);
	stress_count(sc, SC_OPS);
	steps = atomic64_inc_return(&stress_steps);
	if (!(steps % STRESS_SAMPLE_EVERY))
		stress_sample_memory();
}

static int stress_thread_fn(void *arg)
{
	struct stress_cpu *sc = arg;
	bool spent = false;

	spin_lock(&stress_handoff_lock);
	sc->accepting = true;
	spin_unlock(&stress_handoff_lock);
	atomic_set(&sc->working, 1);

	while (!kthread_should_stop()) {
		spent = stress_budget_spent();
		if (spent)
			break;
		stress_drain_inbox(sc, false);
		stress_step(sc);
		cond_resched();
	}

	/* Retire: nothing may be handed to us any more; free all we hold. */
	stress_drain_inbox(sc, true);
	stress_sample_memory();
	while (sc->nr_live) {
		WRITE_ONCE(sc->nr_live, sc->nr_live - 1);
		stress_release(sc, sc->live[sc->nr_live]);
	}
	atomic_set(&sc->working, 0);
	if (spent)
		queue_work(system_wq, &stress_end_work);

	pcpu_alt_lab_park_until_stopped();
	return 0;
}

/* ---- CPU hotplug: one thread per online CPU while a run lasts ---- */

static int stress_cpu_online(unsigned int cpu)
{
	struct stress_cpu *sc = &stress_cpus[cpu];
	struct task_struct *t;
	u64 starts = atomic64_read(&sc->cnt[SC_STARTS]);

	sc->live = kvcalloc(cfg.max_live, sizeof(*sc->live), PCPU_ALT_LAB_GFP);
	if (!sc->live)
		goto fail;
	sc->nr_live = 0;
	prandom_seed_state(&sc->rnd,
			   ((u64)cfg.seed << 32) ^ ((u64)cpu << 16) ^ starts);
	t = kthread_create_on_cpu(stress_thread_fn, sc, cpu, "pcpu_alt_st/%u");
	if (IS_ERR(t)) {
		kvfree(sc->live);
		sc->live = NULL;
		goto fail;
	}
	WRITE_ONCE(sc->task, t);
	stress_count(sc, SC_STARTS);
	wake_up_process(t);
	return 0;

fail:
	/* Not fatal: the CPU comes online, the run goes on without it. */
	atomic64_inc(&stress_thread_failures);
	pr_warn_ratelimited("stress: no thread for CPU %u\n", cpu);
	return 0;
}

static int stress_cpu_offline(unsigned int cpu)
{
	struct stress_cpu *sc = &stress_cpus[cpu];

	if (!sc->task)
		return 0;
	/* The thread frees all it holds and all handed to it, then exits. */
	kthread_stop(sc->task);
	WRITE_ONCE(sc->task, NULL);
	kvfree(sc->live);
	sc->live = NULL;
	return 0;
}

/* ---- start and stop (stress_mutex held) ---- */

static void stress_stop_locked(const char *reason)
{
	lockdep_assert_held(&stress_mutex);
	if (stress_state != STRESS_RUNNING)
		return;
	cpuhp_remove_state(stress_hp_state);
	stress_end_jiffies = jiffies;
	stress_sample_memory();
	pcpu_alt_get_stats(&stress_stats_end);
	stress_end_reason = reason;
	stress_state = STRESS_DONE;
}

static int stress_start_locked(const struct stress_cfg *want)
{
	unsigned int cpu;
	int i, ret;

	lockdep_assert_held(&stress_mutex);
	if (stress_state == STRESS_RUNNING)
		return -EBUSY;
	cfg = *want;
	for_each_possible_cpu(cpu)
		for (i = 0; i < SC_NR; i++)
			atomic64_set(&stress_cpus[cpu].cnt[i], 0);
	atomic64_set(&stress_steps, 0);
	atomic64_set(&stress_live_peak, 0);
	atomic64_set(&stress_thread_failures, 0);
	atomic64_set(&stress_cap_hits, 0);
	pcpu_alt_get_stats(&stress_stats_start);
	atomic64_set(&stress_pop_peak, stress_stats_start.nr_populated_pages);
	stress_start_jiffies = jiffies;
	WRITE_ONCE(stress_deadline, jiffies + cfg.seconds * HZ);
	stress_end_reason = "none";
	stress_runs++;
	stress_state = STRESS_RUNNING;

	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "pcpu_alt/stress:online",
				stress_cpu_online, stress_cpu_offline);
	if (ret < 0) {
		stress_state = STRESS_IDLE;
		return ret;
	}
	stress_hp_state = ret;
	return 0;
}

/* A thread found the budget spent: end the run if it is still this one. */
static void stress_end_workfn(struct work_struct *work)
{
	mutex_lock(&stress_mutex);
	if (stress_state == STRESS_RUNNING && stress_budget_spent())
		stress_stop_locked((cfg.ops && atomic64_read(&stress_steps) >=
				    (s64)cfg.ops) ? "ops" : "time");
	mutex_unlock(&stress_mutex);
}

/* ---- debugfs ---- */

struct stress_key {
	const char *name;
	u64 max;
	void *field;		/* u64 or u32 in struct stress_cfg */
	bool wide;
};

static int stress_parse_start(char **word, int n, struct stress_cfg *c)
{
	u64 unit = pcpu_alt_lab_unit_size(), v;
	const struct stress_key keys[] = {
		{ "seconds", STRESS_MAX_SECONDS, &c->seconds, true },
		{ "ops", STRESS_MAX_OPS, &c->ops, true },
		{ "max_live", STRESS_MAX_LIVE, &c->max_live, false },
		{ "max_size", unit, &c->max_size, false },
		{ "small_pct", 100, &c->small_pct, false },
		{ "atomic_pct", 100, &c->atomic_pct, false },
		{ "cross_pct", 100, &c->cross_pct, false },
		{ "seed", U32_MAX, &c->seed, false },
	};
	unsigned long seen = 0;
	int i, k;
	char *val;

	*c = (struct stress_cfg) {
		.max_live = 64, .max_size = unit, .small_pct = 90,
		.atomic_pct = 25, .cross_pct = 20,
	};
	for (i = 1; i < n; i++) {
		val = strchr(word[i], '=');
		if (!val)
			return -EINVAL;
		*val++ = '\0';
		for (k = 0; k < ARRAY_SIZE(keys); k++)
			if (!strcmp(word[i], keys[k].name))
				break;
		if (k == ARRAY_SIZE(keys) || (seen & BIT(k)))
			return -EINVAL;
		seen |= BIT(k);
		if (kstrtou64(val, 10, &v) || v > keys[k].max)
			return -EINVAL;
		if (keys[k].wide)
			*(u64 *)keys[k].field = v;
		else
			*(u32 *)keys[k].field = v;
	}
	if (!c->max_live || !c->max_size)
		return -EINVAL;
	/* Without any budget a run lasts 10 seconds. */
	if (!(seen & (BIT(0) | BIT(1))))
		c->seconds = 10;
	if (!(seen & BIT(7)))
		c->seed = get_random_u32();
	return 0;
}

static ssize_t stress_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char cmd[STRESS_CMD_MAX], *word[STRESS_MAX_WORDS];
	struct stress_cfg want;
	int n, err;

	n = pcpu_alt_lab_get_words(cmd, sizeof(cmd), word, STRESS_MAX_WORDS,
				   ubuf, count, ppos);
	if (n < 0)
		return n;
	if (!strcmp(word[0], "start")) {
		err = stress_parse_start(word, n, &want);
		if (err)
			return err;
		mutex_lock(&stress_mutex);
		err = stress_start_locked(&want);
		mutex_unlock(&stress_mutex);
	} else if (!strcmp(word[0], "stop") && n == 1) {
		mutex_lock(&stress_mutex);
		stress_stop_locked("stop");
		mutex_unlock(&stress_mutex);
	} else {
		err = -EINVAL;
	}
	return err ? err : count;
}

/* Failures for @reason since the run started (0 before any run). */
static u64 stress_fail_delta(const struct pcpu_alt_stats *end, int reason)
{
	return stress_runs ? end->fail[reason] -
			     stress_stats_start.fail[reason] : 0;
}

static int stress_show(struct seq_file *m, void *v)
{
	static const char * const fail_key[PCPU_ALT_FAIL_NR] = {
		[PCPU_ALT_FAIL_BAD_SIZE] = "alloc_fail_bad_size",
		[PCPU_ALT_FAIL_BAD_ALIGN] = "alloc_fail_bad_align",
		[PCPU_ALT_FAIL_NO_POPULATED] = "alloc_fail_no_populated",
		[PCPU_ALT_FAIL_CHUNK] = "alloc_fail_chunk",
		[PCPU_ALT_FAIL_POPULATE] = "alloc_fail_populate",
		[PCPU_ALT_FAIL_KILLED] = "alloc_fail_killed",
		[PCPU_ALT_FAIL_BUSY] = "alloc_fail_busy",
	};
	u64 total[SC_NR] = {}, corrupt;
	unsigned int cpu, threads = 0, working = 0;
	struct pcpu_alt_stats now, *end;
	unsigned long until;
	u64 live_threads = 0;
	struct stress_cpu *sc;
	int i;

	mutex_lock(&stress_mutex);
	pcpu_alt_get_stats(&now);
	end = stress_state == STRESS_DONE ? &stress_stats_end : &now;
	for_each_possible_cpu(cpu) {
		sc = &stress_cpus[cpu];
		threads += !!READ_ONCE(sc->task);
		working += atomic_read(&sc->working);
		live_threads += READ_ONCE(sc->nr_live);
		for (i = 0; i < SC_NR; i++)
			total[i] += atomic64_read(&sc->cnt[i]);
	}
	until = stress_state == STRESS_RUNNING ? jiffies : stress_end_jiffies;
	corrupt = total[SC_CORRUPT_ZERO] + total[SC_CORRUPT_PATTERN] +
		  total[SC_CORRUPT_ALIGN];

	seq_printf(m, "state=%s\n", stress_state_name[stress_state]);
	seq_printf(m, "runs=%u\n", stress_runs);
	seq_printf(m, "end=%s\n", stress_end_reason);
	seq_printf(m, "seconds=%llu\n", cfg.seconds);
	seq_printf(m, "ops_limit=%llu\n", cfg.ops);
	seq_printf(m, "max_live=%u\n", cfg.max_live);
	seq_printf(m, "max_size=%u\n", cfg.max_size);
	seq_printf(m, "small_pct=%u\n", cfg.small_pct);
	seq_printf(m, "atomic_pct=%u\n", cfg.atomic_pct);
	seq_printf(m, "cross_pct=%u\n", cfg.cross_pct);
	seq_printf(m, "seed=%u\n", cfg.seed);
	seq_printf(m, "elapsed_ms=%u\n", stress_runs ?
		   jiffies_to_msecs(until - stress_start_jiffies) : 0);
	seq_printf(m, "threads=%u\n", threads);
	seq_printf(m, "threads_working=%u\n", working);
	seq_printf(m, "thread_failures=%lld\n",
		   atomic64_read(&stress_thread_failures));
	for (i = 0; i < SC_NR; i++)
		seq_printf(m, "%s=%llu\n", stress_counter_key[i], total[i]);
	seq_printf(m, "fail_total=%llu\n", total[SC_FAIL_NOWAIT] +
		   total[SC_FAIL_BLOCKING] + total[SC_FAIL_META]);
	seq_printf(m, "corruptions=%llu\n", corrupt);
	/* Reasons added later are printed after cap_hits: keys only append. */
	for (i = 0; i <= PCPU_ALT_FAIL_KILLED; i++)
		seq_printf(m, "%s=%llu\n", fail_key[i],
			   stress_fail_delta(end, i));
	seq_printf(m, "live=%lld\n", atomic64_read(&stress_live));
	seq_printf(m, "live_held=%llu\n", live_threads);
	seq_printf(m, "live_peak=%lld\n", atomic64_read(&stress_live_peak));
	seq_printf(m, "pop_pages_start=%u\n",
		   stress_runs ? stress_stats_start.nr_populated_pages : 0);
	seq_printf(m, "pop_pages_now=%u\n", now.nr_populated_pages);
	seq_printf(m, "pop_pages_peak=%lld\n",
		   atomic64_read(&stress_pop_peak));
	seq_printf(m, "pop_bytes_peak=%llu\n",
		   (u64)atomic64_read(&stress_pop_peak) * now.nr_units *
		   PAGE_SIZE);
	seq_printf(m, "live_bytes=%lld\n", atomic64_read(&stress_live_bytes));
	seq_printf(m, "live_bytes_cap=%lu\n", PCPU_ALT_LAB_MAX_LIVE_BYTES);
	seq_printf(m, "cap_hits=%lld\n", atomic64_read(&stress_cap_hits));
	for (i = PCPU_ALT_FAIL_BUSY; i < PCPU_ALT_FAIL_NR; i++)
		seq_printf(m, "%s=%llu\n", fail_key[i],
			   stress_fail_delta(end, i));
	for_each_possible_cpu(cpu) {
		sc = &stress_cpus[cpu];
		seq_printf(m, "cpu=%u online=%d thread=%d", cpu,
			   cpu_online(cpu), !!READ_ONCE(sc->task));
		for (i = 0; i < SC_NR; i++) {
			if (i == SC_FAIL_META || i == SC_INFO_ERRORS ||
			    i == SC_CORRUPT_ZERO || i == SC_CORRUPT_PATTERN ||
			    i == SC_CORRUPT_ALIGN)
				continue;
			seq_printf(m, " %s=%lld", stress_counter_key[i],
				   atomic64_read(&sc->cnt[i]));
		}
		seq_printf(m, " corruptions=%lld live=%u\n",
			   atomic64_read(&sc->cnt[SC_CORRUPT_ZERO]) +
			   atomic64_read(&sc->cnt[SC_CORRUPT_PATTERN]) +
			   atomic64_read(&sc->cnt[SC_CORRUPT_ALIGN]),
			   READ_ONCE(sc->nr_live));
	}
	mutex_unlock(&stress_mutex);
	return 0;
}

PCPU_ALT_LAB_RW_FOPS(stress);

/**
 * pcpu_alt_lab_stress_init() - set up the stress engine and its file
 * @dir: pcpu_alt's debugfs directory
 *
 * Without memory for the per-CPU records the file is not created.
 *
 * RETURNS: the file, or NULL.
 */
struct dentry *pcpu_alt_lab_stress_init(struct dentry *dir)
{
	unsigned int cpu;

	stress_cpus = kcalloc(nr_cpu_ids, sizeof(*stress_cpus), GFP_KERNEL);
	if (!stress_cpus)
		return NULL;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		stress_cpus[cpu].cpu = cpu;
		INIT_LIST_HEAD(&stress_cpus[cpu].inbox);
	}
	return debugfs_create_file("stress", PCPU_ALT_DEBUGFS_RW, dir, NULL,
				   &stress_fops);
}

/**
 * pcpu_alt_lab_stress_exit() - stop a running stress and free everything
 *
 * CONTEXT: after the stress file is removed, so no writer can race.
 */
void pcpu_alt_lab_stress_exit(void)
{
	if (!stress_cpus)
		return;
	mutex_lock(&stress_mutex);
	stress_stop_locked("unload");
	mutex_unlock(&stress_mutex);
	cancel_work_sync(&stress_end_work);
	kfree(stress_cpus);
	stress_cpus = NULL;
}
