// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_live counters: where calls went and why, what routed areas
 * hold, and how long calls took, routed and passed.  Every counter is per
 * CPU and bumped with this_cpu_*() (one instruction, IRQ-safe on x86): no
 * call writes a cache line another CPU writes.  Readers add the CPUs up
 * without stopping them, so a figure may lag a call in flight.
 *
 * Latency: log2 buckets of nanoseconds, each cut in four (so a quantile is
 * known to within a quarter), per kind of call; a call is timed from entry
 * into our function to its return, decision included, with local_clock().
 *
 * Their lines of the route file (docs/debugfs-abi.md) are printed here;
 * view.c sets them among the route's own.  This file calls nothing else
 * of the module: every other file counts through it.
 */
#include <linux/bits.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>

#include "live.h"

#define LIVE_HIST_SUB_BITS	2
#define LIVE_HIST_SUB		BIT(LIVE_HIST_SUB_BITS)
/* Up to 7.5 s in the last bucket: anything longer lands there too. */
#define LIVE_HIST_BUCKETS	128

/* One kind of call: what a call touches sits together. */
struct live_kind_stats {
	u64 calls;
	u64 sum_ns;
	u64 hist[LIVE_HIST_BUCKETS];
};

struct live_cpu_stats {
	s64 live_areas;
	u64 verdicts[LIVE_NR_VERDICTS];
	u64 recursion_passes;
	u64 fallbacks;
	u64 refused_frees;
	u64 uncharged_calls;
	u64 uncharged_bytes;
	struct live_kind_stats kind[LIVE_NR_KINDS];
};

/*
 * Allocated at load from stock, before any hook exists, and freed after
 * the hooks are gone: module static per-CPU room is small (8 KiB shared
 * by every module).
 */
static struct live_cpu_stats __percpu *live_cpu_stats;

static const char * const live_verdict_key[LIVE_NR_VERDICTS] = {
	[LIVE_ROUTED] = "routed",
	[LIVE_PASS_OFF] = "passed_off",
	[LIVE_PASS_RESERVED] = "passed_reserved",
	[LIVE_PASS_ACCOUNT] = "passed_account",
	[LIVE_PASS_RECLAIM] = "passed_reclaim",
	[LIVE_PASS_BUSY] = "passed_busy",
	[LIVE_PASS_REQUEST] = "passed_request",
	[LIVE_PASS_UNSELECTED] = "passed_unselected",
	[LIVE_PASS_OWN] = "passed_own",
	[LIVE_PASS_RECURSION] = "passed_recursion",
};

static const char * const live_kind_key[LIVE_NR_KINDS] = {
	[LIVE_ALLOC_ROUTED] = "alloc_routed",
	[LIVE_ALLOC_PASSED] = "alloc_passed",
	[LIVE_FREE_ROUTED] = "free_routed",
	[LIVE_FREE_PASSED] = "free_passed",
};

static unsigned int live_bucket(u64 ns)
{
	unsigned int e, idx;

	if (ns < LIVE_HIST_SUB)
		return ns;
	e = fls64(ns) - 1;
	idx = (e - LIVE_HIST_SUB_BITS + 1) * LIVE_HIST_SUB +
	      ((ns >> (e - LIVE_HIST_SUB_BITS)) & (LIVE_HIST_SUB - 1));
	return min_t(unsigned int, idx, LIVE_HIST_BUCKETS - 1);
}

/* The smallest time bucket @idx holds. */
static u64 live_bucket_low(unsigned int idx)
{
	unsigned int e = idx / LIVE_HIST_SUB + 1;

	if (idx < LIVE_HIST_SUB)
		return idx;
	return (u64)(LIVE_HIST_SUB + idx % LIVE_HIST_SUB) <<
	       (e - LIVE_HIST_SUB_BITS);
}

/* The largest. */
static u64 live_bucket_high(unsigned int idx)
{
	if (idx < LIVE_HIST_SUB)
		return idx;
	return live_bucket_low(idx) +
	       (1ULL << (idx / LIVE_HIST_SUB + 1 - LIVE_HIST_SUB_BITS)) - 1;
}

/**
 * live_stat_verdict() - count where a call went
 * @v: its verdict
 */
void live_stat_verdict(enum live_verdict v)
{
	this_cpu_inc(live_cpu_stats->verdicts[v]);
}

/**
 * live_stat_recursion() - the recursion guard sent a call to stock
 *
 * CONTEXT: the ftrace handler: notrace, nothing but one this_cpu_inc().
 */
void notrace live_stat_recursion(void)
{
	this_cpu_inc(live_cpu_stats->recursion_passes);
}

/**
 * live_stat_time() - count a timed call
 * @kind: what it was
 * @ns: how long it took
 */
void live_stat_time(enum live_kind kind, u64 ns)
{
	this_cpu_inc(live_cpu_stats->kind[kind].calls);
	this_cpu_add(live_cpu_stats->kind[kind].sum_ns, ns);
	this_cpu_inc(live_cpu_stats->kind[kind].hist[live_bucket(ns)]);
}

/**
 * live_stat_routed_alloc() - a routed area is live
 * @size: the bytes per CPU asked for
 * @uncharged: it asked for memcg accounting, which it did not get
 */
void live_stat_routed_alloc(size_t size, bool uncharged)
{
	this_cpu_inc(live_cpu_stats->live_areas);
	if (uncharged) {
		this_cpu_inc(live_cpu_stats->uncharged_calls);
		this_cpu_add(live_cpu_stats->uncharged_bytes, size);
	}
}

/** live_stat_routed_free() - a routed area was freed */
void live_stat_routed_free(void)
{
	this_cpu_dec(live_cpu_stats->live_areas);
}

/** live_stat_fallback() - pcpu_alt could not serve a routed request */
void live_stat_fallback(void)
{
	this_cpu_inc(live_cpu_stats->fallbacks);
}

/** live_stat_refused_free() - pcpu_alt refused a free (a double free) */
void live_stat_refused_free(void)
{
	this_cpu_inc(live_cpu_stats->refused_frees);
}

/*
 * Sum the u64 at @off of every CPU's counters, modulo 2^64: a signed
 * field's sum comes out right once cast back, whatever each CPU's share.
 */
static u64 live_sum_at(size_t off)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*(u64 *)((char *)per_cpu_ptr(live_cpu_stats,
							       cpu) + off));
	return sum;
}

#define live_sum(field)	live_sum_at(offsetof(struct live_cpu_stats, field))

/**
 * live_stat_live_areas() - routed areas live now
 *
 * CONTEXT: any.
 * RETURNS: the sum over CPUs; negative only if more were freed than
 * routed.
 */
s64 live_stat_live_areas(void)
{
	return (s64)live_sum(live_areas);
}

/* The time under which @pct percent of @hist's calls took. */
static u64 live_quantile(const u64 *hist, u64 total, unsigned int pct)
{
	u64 want = div_u64(total * pct + 99, 100), seen = 0;
	unsigned int i;

	for (i = 0; i < LIVE_HIST_BUCKETS; i++) {
		seen += hist[i];
		if (seen >= want)
			return live_bucket_high(i);
	}
	return 0;
}

static void live_show_kind(struct seq_file *m, enum live_kind kind,
			   u64 *hist)
{
	const char *key = live_kind_key[kind];
	u64 total = 0;
	unsigned int i;
	int cpu;

	memset(hist, 0, sizeof(u64) * LIVE_HIST_BUCKETS);
	for_each_possible_cpu(cpu)
		for (i = 0; i < LIVE_HIST_BUCKETS; i++)
			hist[i] += READ_ONCE(per_cpu_ptr(live_cpu_stats,
							 cpu)->kind[kind].hist[i]);
	for (i = 0; i < LIVE_HIST_BUCKETS; i++)
		total += hist[i];
	seq_printf(m, "%s_calls=%llu\n", key, total);
	seq_printf(m, "%s_sum_ns=%llu\n", key, live_sum(kind[kind].sum_ns));
	seq_printf(m, "%s_p50_ns=%llu\n", key,
		   total ? live_quantile(hist, total, 50) : 0);
	seq_printf(m, "%s_p99_ns=%llu\n", key,
		   total ? live_quantile(hist, total, 99) : 0);
	seq_printf(m, "%s_hist=", key);
	for (i = 0; i < LIVE_HIST_BUCKETS; i++)
		if (hist[i])
			seq_printf(m, " %llu:%llu", live_bucket_low(i), hist[i]);
	seq_putc(m, '\n');
}

/**
 * live_stats_show_totals() - where allocations went, what routed areas live
 * @m: the route file
 *
 * CONTEXT: process context.
 */
void live_stats_show_totals(struct seq_file *m)
{
	u64 passed = 0;
	int i;

	for (i = LIVE_PASS_OFF; i < LIVE_NR_VERDICTS; i++)
		passed += live_sum(verdicts[i]);
	seq_printf(m, "routed_calls=%llu\n", live_sum(verdicts[LIVE_ROUTED]));
	seq_printf(m, "passed_calls=%llu\n",
		   passed + live_sum(recursion_passes));
	seq_printf(m, "fallbacks=%llu\n", live_sum(fallbacks));
	seq_printf(m, "routed_live_areas=%lld\n", live_stat_live_areas());
}

/**
 * live_stats_show_breakdown() - the rest of the counters, in detail
 * @m: the route file
 *
 * Uncharged requests, refused frees, passed allocations by reason, then
 * the latency of each kind of call.
 *
 * CONTEXT: process context.
 */
void live_stats_show_breakdown(struct seq_file *m)
{
	u64 hist[LIVE_HIST_BUCKETS];
	int i;

	seq_printf(m, "uncharged_bytes=%llu\n", live_sum(uncharged_bytes));
	seq_printf(m, "uncharged_calls=%llu\n", live_sum(uncharged_calls));
	seq_printf(m, "refused_frees=%llu\n", live_sum(refused_frees));
	for (i = LIVE_PASS_OFF; i < LIVE_PASS_RECURSION; i++)
		seq_printf(m, "%s=%llu\n", live_verdict_key[i],
			   live_sum(verdicts[i]));
	seq_printf(m, "%s=%llu\n", live_verdict_key[LIVE_PASS_RECURSION],
		   live_sum(recursion_passes));
	for (i = 0; i < LIVE_NR_KINDS; i++)
		live_show_kind(m, i, hist);
}

/**
 * live_stats_init() - the counters, zeroed
 *
 * CONTEXT: module init, before any hook.
 * RETURNS: 0 or -ENOMEM.
 */
int live_stats_init(void)
{
	live_cpu_stats = alloc_percpu(struct live_cpu_stats);
	return live_cpu_stats ? 0 : -ENOMEM;
}

/**
 * live_stats_exit() - free them
 *
 * CONTEXT: module exit, after the hooks and their calls are gone.
 */
void live_stats_exit(void)
{
	free_percpu(live_cpu_stats);
}
