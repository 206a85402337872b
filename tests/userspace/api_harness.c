// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt's API, its per-CPU caches and chunk layer underneath, driven
 * against a model of live areas; see api_harness.h for the rules checked.
 * Built with the native harness's stub layer (tests/native), which boots
 * the stock allocator's first chunk and loads pcpu_alt as the kernel
 * would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uspace/boot.h>

#include "pcpu_alt_internal.h"
#include "api_harness.h"

/* Failures printed per harness before going quiet. */
#define MAX_PRINTED	10
/*
 * Refused frees WARN once per call site: the harness has three sites
 * that free badly on purpose.  Any other WARN is a failure.
 */
#define BAD_FREE_SITES	3

static unsigned long warnings_at_boot;

void api_failed(struct api_harness *h, const char *msg)
{
	if (!h->failures) {
		snprintf(h->first_failure, sizeof(h->first_failure), "%s", msg);
		h->first_failure_op = h->ops;
	}
	if (!h->quiet && h->failures < MAX_PRINTED)
		fprintf(stderr, "FAIL (op %lu): %s\n", h->ops, msg);
	h->failures++;
	if (h->on_failure)
		h->on_failure(h);
}

/**
 * api_boot() - boot the stub machine and load pcpu_alt, once per process
 * @nr_cpus: possible CPUs
 *
 * RETURNS: 0 or a negative errno.
 */
int api_boot(unsigned int nr_cpus)
{
	int err = uspace_boot(nr_cpus);

	if (!err)
		err = uspace_module_init();
	warnings_at_boot = uspace_nr_warnings;
	return err;
}

static unsigned long long bad_frees_now(void)
{
	struct pcpu_alt_stats st;

	pcpu_alt_get_stats(&st);
	return st.bad_frees;
}

void api_init(struct api_harness *h)
{
	memset(h, 0, sizeof(*h));
	h->next_id = 1;
	/* What earlier harnesses left in the counter is the new baseline. */
	h->bad_frees = bad_frees_now();
}

/* The byte a live area holds on @cpu: never 0, differs by area and CPU. */
static u8 pattern(const struct api_area *a, unsigned int cpu)
{
	return (a->id * 131 + cpu * 17) | 1;
}

static u8 *copy_of(void __percpu *ptr, unsigned int cpu)
{
	return (u8 *)pcpu_alt_ptr(ptr, cpu);
}

/* Is every byte of @p[0..@n) equal to @b?  Index of the first not, or -1. */
static long first_other(const u8 *p, size_t n, u8 b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != b)
			return i;
	return -1;
}

/* Does a new area at @start (CPU 0's copy) overlap a live one? */
static int overlapping(const struct api_harness *h, unsigned long start,
		       size_t size)
{
	unsigned int i;

	for (i = 0; i < h->nr_live; i++) {
		unsigned long s = (unsigned long)copy_of(h->live[i].ptr, 0);

		if (start < s + h->live[i].size && s < start + size)
			return i;
	}
	return -1;
}

/*
 * The size pcpu_alt_ptr_info() reports: the request at 4-byte granularity,
 * or a size class that leaves less than a quarter of itself unused.
 */
static bool size_plausible(size_t want, size_t got)
{
	size_t req = ALIGN(want, PCPU_ALT_MIN_ALLOC);

	return got == req || (got > req && 4 * (got - req) < got);
}

static void check_new(struct api_harness *h, const struct api_area *a)
{
	struct pcpu_alt_ptr_info info;
	unsigned int cpu;
	long bad;
	int other;

	for_each_possible_cpu(cpu) {
		u8 *p = copy_of(a->ptr, cpu);

		if ((unsigned long)p % a->align)
			api_fail(h, "alloc(%zu, %zu) = %p: CPU %u's copy misaligned",
				 a->size, a->align, a->ptr, cpu);
		bad = first_other(p, a->size, 0);
		if (bad >= 0)
			api_fail(h, "alloc(%zu, %zu) = %p: byte %ld on CPU %u not zeroed",
				 a->size, a->align, a->ptr, bad, cpu);
	}
	other = overlapping(h, (unsigned long)copy_of(a->ptr, 0), a->size);
	if (other >= 0)
		api_fail(h, "alloc(%zu, %zu) = %p overlaps live area %p (%zu bytes)",
			 a->size, a->align, a->ptr, h->live[other].ptr,
			 h->live[other].size);
	if (pcpu_alt_ptr_info(a->ptr, &info))
		api_fail(h, "alloc(%zu) = %p: ptr_info does not find it",
			 a->size, a->ptr);
	else if (!size_plausible(a->size, info.size))
		api_fail(h, "alloc(%zu) = %p: ptr_info says %zu bytes",
			 a->size, a->ptr, info.size);
}

/**
 * api_alloc() - allocate and check the area
 * @h: the harness
 * @size: bytes
 * @align: a power of two up to PAGE_SIZE
 * @atomic: GFP_NOWAIT (may fail) rather than GFP_KERNEL (may not, unless
 *          internal allocations are made to fail)
 *
 * RETURNS: whether an area was allocated.
 */
bool api_alloc(struct api_harness *h, size_t size, size_t align, bool atomic)
{
	struct api_area a = { .size = size, .align = align };
	unsigned int cpu;

	h->ops++;
	if (h->nr_live == API_MAX_LIVE)
		return false;
	a.ptr = pcpu_alt_alloc(size, align,
			       (atomic ? GFP_NOWAIT : GFP_KERNEL) | __GFP_NOWARN);
	if (!a.ptr) {
		h->failed++;
		if (!atomic && !h->faults)
			api_fail(h, "alloc(%zu, %zu, GFP_KERNEL) failed", size,
				 align);
		return false;
	}
	h->allocs++;
	a.id = h->next_id++;
	check_new(h, &a);
	for_each_possible_cpu(cpu)
		memset(copy_of(a.ptr, cpu), pattern(&a, cpu), size);
	h->live[h->nr_live++] = a;
	return true;
}

/* Live areas must still hold their pattern: nobody else wrote there. */
static void check_intact(struct api_harness *h, const struct api_area *a,
			 const char *when)
{
	unsigned int cpu;
	long bad;

	for_each_possible_cpu(cpu) {
		bad = first_other(copy_of(a->ptr, cpu), a->size,
				  pattern(a, cpu));
		if (bad >= 0) {
			api_fail(h, "%s: area %p (%zu bytes) changed at byte %ld on CPU %u",
				 when, a->ptr, a->size, bad, cpu);
			return;
		}
	}
}

/* Free live area @index (taken modulo the live count). */
void api_free(struct api_harness *h, unsigned int index)
{
	struct api_area a;

	if (!h->nr_live)
		return;
	h->ops++;
	h->frees++;
	index %= h->nr_live;
	a = h->live[index];
	check_intact(h, &a, "free");
	pcpu_alt_free(a.ptr);
	h->live[index] = h->live[--h->nr_live];
	h->freed[h->nr_freed++ % API_MAX_FREED] = a.ptr;
	if (bad_frees_now() != h->bad_frees)
		api_fail(h, "free(%p) of a live area counted as a bad free",
			 a.ptr);
}

/* Is any live area at or around @p (CPU 0's address)? */
static bool live_at(const struct api_harness *h, void __percpu *p)
{
	return overlapping(h, (unsigned long)copy_of(p, 0), 1) >= 0;
}

/* Free @p, which must be refused and change nothing. */
static void refused_free(struct api_harness *h, void __percpu *p,
			 const char *what)
{
	unsigned long long before = bad_frees_now();

	pcpu_alt_free(p);
	h->ops++;
	h->refused++;
	h->bad_frees++;
	if (before + 1 != bad_frees_now())
		api_fail(h, "%s of %p: bad frees went from %llu to %llu, expected one more",
			 what, p, before, bad_frees_now());
}

/* Free a pointer freed lately again, unless its memory was reused. */
void api_double_free(struct api_harness *h, unsigned int index)
{
	void __percpu *p;

	if (!h->nr_freed)
		return;
	p = h->freed[index % min_t(unsigned int, h->nr_freed, API_MAX_FREED)];
	if (live_at(h, p))
		return;
	refused_free(h, p, "double free");
}

/* Free a pointer into the middle of a live area. */
void api_interior_free(struct api_harness *h, unsigned int index)
{
	struct api_area *a;
	void __percpu *p;

	if (!h->nr_live)
		return;
	a = &h->live[index % h->nr_live];
	if (a->size <= PCPU_ALT_MIN_ALLOC)
		return;
	p = (void __percpu *)((unsigned long)a->ptr + PCPU_ALT_MIN_ALLOC);
	refused_free(h, p, "interior free");
}

/* Free a pointer of the stock allocator: "not a pcpu_alt pointer". */
void api_foreign_free(struct api_harness *h)
{
	void __percpu *p = __alloc_percpu(8, 8);

	if (!p)
		return;
	refused_free(h, p, "foreign free");
	free_percpu(p);
}

void api_set_cpu(struct api_harness *h, unsigned int cpu)
{
	h->ops++;
	uspace_thread_set_cpu(cpu % nr_cpu_ids);
}

/*
 * Areas sitting in @cpu's caches, from the "caches" view (one line per
 * CPU: "cpu=N cached=AREAS ..."); -1 for every CPU together.
 */
static long cached_areas(int cpu)
{
	struct seq_file m;
	char *text = NULL, *line;
	size_t len = 0;
	long areas = 0, n;
	unsigned int c;

	m.stream = open_memstream(&text, &len);
	if (!m.stream)
		return -1;
	pcpu_alt_cache_show(&m);
	fclose(m.stream);
	for (line = text; line && *line; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (sscanf(line, "cpu=%u cached=%ld", &c, &n) == 2 &&
		    (cpu < 0 || c == (unsigned int)cpu))
			areas += n;
	}
	free(text);
	return areas;
}

/* Every CPU's caches go back to the chunks (verify and views do it). */
void api_drain(struct api_harness *h)
{
	h->ops++;
	pcpu_alt_cache_drain_all();
	if (cached_areas(-1))
		api_fail(h, "drain left %ld areas cached", cached_areas(-1));
}

/* Memory pressure: the shrinker drains every cache. */
void api_shrink(struct api_harness *h)
{
	h->ops++;
	uspace_shrink_all();
	if (cached_areas(-1))
		api_fail(h, "the shrinker left %ld areas cached",
			 cached_areas(-1));
}

/*
 * @cpu goes offline: its caches are drained by the hotplug callback.
 * This thread runs as another CPU meanwhile, as the kernel's control CPU.
 */
void api_cpu_dead(struct api_harness *h, unsigned int cpu)
{
	unsigned int self = smp_processor_id();

	h->ops++;
	cpu %= nr_cpu_ids;
	if (cpu == self)
		uspace_thread_set_cpu((cpu + 1) % nr_cpu_ids);
	uspace_cpu_dead(cpu);
	uspace_thread_set_cpu(self);
	if (cached_areas(cpu))
		api_fail(h, "CPU %u went offline with %ld areas cached", cpu,
			 cached_areas(cpu));
}

/* The background work, now (caches drained first, as the API does). */
void api_balance(struct api_harness *h)
{
	h->ops++;
	pcpu_alt_balance_now();
}

/* One of the kernel's events around the callers, by number (see .h). */
void api_event(struct api_harness *h, unsigned int event, unsigned int arg)
{
	switch (event % API_EVENTS) {
	case 0:
		api_drain(h);
		break;
	case 1:
		api_shrink(h);
		break;
	case 2:
		api_cpu_dead(h, arg);
		break;
	default:
		api_balance(h);
		break;
	}
}

/* A write to the "cache" parameter: off drains everything. */
void api_set_cache(struct api_harness *h, bool on)
{
	h->ops++;
	if (uspace_param_set(on ? "cache=1" : "cache=0"))
		api_fail(h, "writing cache=%d failed", on);
}

/* Fail every @every-th internal allocation from now on (0: none). */
void api_set_faults(struct api_harness *h, unsigned int every)
{
	h->ops++;
	pcpu_alt_set_fault_injection(every);
	h->faults = every;
}

/*
 * The whole comparison: every live area intact, the checker happy, the
 * counters as the model says.  Drains the caches (verify does).
 */
void api_check(struct api_harness *h)
{
	struct pcpu_alt_stats st;
	unsigned int i;
	int errors;

	for (i = 0; i < h->nr_live; i++)
		check_intact(h, &h->live[i], "check");
	errors = pcpu_alt_verify();
	if (errors)
		api_fail(h, "pcpu_alt_verify() found %d disagreement(s)",
			 errors);
	pcpu_alt_get_stats(&st);
	if (st.nr_live != h->nr_live)
		api_fail(h, "stats: %llu live, model %u", st.nr_live,
			 h->nr_live);
	if (st.bad_frees != h->bad_frees)
		api_fail(h, "stats: %llu bad frees, model %llu", st.bad_frees,
			 h->bad_frees);
	if (uspace_nr_warnings > warnings_at_boot + BAD_FREE_SITES)
		api_fail(h, "%lu unexpected WARN()s",
			 uspace_nr_warnings - warnings_at_boot - BAD_FREE_SITES);
}

/*
 * Free what is left and settle: nothing live, every populated page
 * empty and within the high watermark, and the page allocator's count of
 * pages in use equal to pcpu_alt's backing pages (plus its placeholder).
 */
void api_finish(struct api_harness *h)
{
	struct pcpu_alt_stats st;

	api_set_faults(h, 0);
	while (h->nr_live)
		api_free(h, h->nr_live - 1);
	api_balance(h);
	api_check(h);
	pcpu_alt_get_stats(&st);
	if (st.nr_populated_pages != st.nr_empty_pop_pages ||
	    st.nr_empty_pop_pages > st.empty_pages_high)
		api_fail(h, "settled with %u populated pages, %u empty, high mark %u",
			 st.nr_populated_pages, st.nr_empty_pop_pages,
			 st.empty_pages_high);
	if (uspace_pages_in_use() != st.nr_backing_pages + 1)
		api_fail(h, "%lu pages in use, pcpu_alt backs %lu (+1 placeholder)",
			 uspace_pages_in_use(), st.nr_backing_pages);
}
