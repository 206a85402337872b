/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The native benchmark: both allocators' code, compiled unchanged against
 * the stub layer, replaying the same scripts of allocations and frees on
 * the host's CPU.  A script is a trace (the files in testdata/, format in
 * docs/real-workloads.md) or one of the built-in workloads of the
 * in-kernel bench (lab/bench.c); either way, one list of records per
 * thread.  See README.md.
 */
#ifndef _NATIVE_H
#define _NATIVE_H

#include <linux/types.h>

/* Largest size a record may ask for: the stock allocator's limit. */
#define NATIVE_MAX_SIZE		32768
#define NATIVE_MAX_THREADS	64

/*
 * One call: allocate @size bytes aligned @align into @slot, or free what
 * @slot holds.  @timed: the call counts in the figures (workloads fill
 * and empty untimed, as the in-kernel bench does).
 */
struct native_rec {
	u32 slot;
	u32 size;
	u16 align;
	u8 is_free;
	u8 atomic;
	u8 timed;
};

/* One thread's records, in order. */
struct native_script {
	struct native_rec *recs;
	size_t nr, cap;
};

/*
 * What to replay: a name, a script per thread, and the slots every
 * thread's records index (each slot is used by one thread only).
 */
struct native_job {
	char name[64];
	unsigned int threads;
	struct native_script script[NATIVE_MAX_THREADS];
	u32 nr_slots;
	/* A concurrent job reports throughput (all threads at once). */
	bool throughput;
	/* Times each thread replays its script in a run (profiling). */
	unsigned int loops;
};

int native_script_add(struct native_script *s, const struct native_rec *r);
void native_job_free(struct native_job *job);

/* trace.c: a trace file, its allocations spread over @threads. */
int native_trace_load(const char *path, unsigned int threads,
		      struct native_job *job);

/* workload.c: a built-in workload by name; -ENOENT for an unknown one. */
int native_workload(const char *name, unsigned int threads,
		    struct native_job *job);
const char *const *native_workload_names(void);
bool native_workload_threaded(const char *name);

/* One side's figures for one run of a job. */
struct native_result {
	int err;			/* 0, or why the run failed */
	u64 sum_ns;		/* timed calls, added up */
	u64 trim_ns;		/* the same without the slowest 1% */
	u64 p50_ns, p99_ns;	/* over the timed calls */
	u64 calls;			/* timed calls */
	u64 wall_ns;		/* first timed call to last */
	u64 alloc_fails;
	u64 pages;			/* populated pages per CPU, peak growth */
	u64 live_pages;		/* pages holding live areas, peak */
	u64 warnings;		/* WARN()s, failed checks */
};

enum native_side { NATIVE_ALT, NATIVE_STOCK, NATIVE_SIDES };

/* replay.c: what is compiled in. */
const char *native_alt_version(void);
const char *native_stock_version(void);

/* replay.c: boot, load pcpu_alt, run @job through @side (child process). */
void native_run(const struct native_job *job, enum native_side side,
		unsigned int nr_cpus, char **params, int nr_params,
		struct native_result *res);

#endif /* _NATIVE_H */
