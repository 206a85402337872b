/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The operations the API property test and fuzzer drive: pcpu_alt's
 * allocations and frees as a caller makes them (so through the per-CPU
 * caches and the chunk layer underneath), plus what the kernel does
 * around them (another CPU, a drain, memory pressure, a CPU going away,
 * background work, a parameter write, failing internal allocations),
 * each checked against a model.
 *
 * The model is the list of live areas, each with its size, alignment and
 * id, and the byte pattern the harness wrote into every CPU's copy.  It
 * knows nothing about chunks or caches: whatever path an area took, the
 * rules are the API's (docs/design.md):
 *
 *   - an allocation is aligned, zeroed on every possible CPU, and
 *     overlaps no live area; a blocking one only fails when internal
 *     allocations are made to fail;
 *   - a live area keeps its contents until it is freed (so nothing else
 *     was handed the same memory, nor zeroed it);
 *   - a double free, an interior pointer or a pointer of the stock
 *     allocator changes nothing and counts one bad free;
 *   - the counters (live areas, bad frees) agree with the model, and
 *     pcpu_alt_verify() finds every chunk consistent with its bitmaps.
 */
#ifndef _USPACE_API_HARNESS_H
#define _USPACE_API_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/percpu.h>

#define API_MAX_LIVE		4096
#define API_MAX_FREED		64

struct api_area {
	void __percpu *ptr;
	size_t size;
	size_t align;
	unsigned int id;
};

struct api_harness {
	struct api_area live[API_MAX_LIVE];
	unsigned int nr_live;
	/* Pointers freed lately, for double frees (a ring). */
	void __percpu *freed[API_MAX_FREED];
	unsigned int nr_freed;
	unsigned int next_id;
	unsigned long long bad_frees;	/* what the model expects */
	bool faults;			/* internal allocations may fail */
	/* Figures for the report. */
	unsigned long ops, allocs, failed, frees, refused;
	/* Failures: how many, and the first one in words. */
	int failures;
	unsigned long first_failure_op;
	char first_failure[240];
	bool quiet;
	void (*on_failure)(struct api_harness *h);
};

/* Boot the machine and load pcpu_alt; once per process. */
int api_boot(unsigned int nr_cpus);
void api_init(struct api_harness *h);

bool api_alloc(struct api_harness *h, size_t size, size_t align, bool atomic);
void api_free(struct api_harness *h, unsigned int index);
void api_double_free(struct api_harness *h, unsigned int index);
void api_interior_free(struct api_harness *h, unsigned int index);
void api_foreign_free(struct api_harness *h);
void api_set_cpu(struct api_harness *h, unsigned int cpu);
void api_drain(struct api_harness *h);
void api_shrink(struct api_harness *h);
void api_cpu_dead(struct api_harness *h, unsigned int cpu);
void api_balance(struct api_harness *h);
/* Kernel events by number: 0 drain, 1 shrink, 2 CPU @arg offline, 3 balance. */
#define API_EVENTS	4
void api_event(struct api_harness *h, unsigned int event, unsigned int arg);
void api_set_cache(struct api_harness *h, bool on);
void api_set_faults(struct api_harness *h, unsigned int every);
void api_check(struct api_harness *h);
/* Free everything left, settle, check that nothing is live. */
void api_finish(struct api_harness *h);

void api_failed(struct api_harness *h, const char *msg);

#define api_fail(h, ...)						\
	do {								\
		char _msg[240];						\
									\
		snprintf(_msg, sizeof(_msg), __VA_ARGS__);		\
		api_failed(h, _msg);					\
	} while (0)

#endif /* _USPACE_API_HARNESS_H */
