// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target of pcpu_alt's API, caches and chunk layer: the API
 * property test's operations (api_harness.c), chosen by the fuzzer's
 * input.  A model mismatch, a checker complaint or a sanitizer report is
 * a crash that libFuzzer saves (make api-fuzz keeps them in
 * corpus/api-regressions/, which make replay runs).
 *
 * The machine boots and pcpu_alt loads once per process; each input
 * starts with nothing live and ends by freeing what it left, settling
 * the background work and checking everything.
 *
 * Input: operations, each an opcode byte and its arguments; the input
 * ends where an operation runs out of bytes.  The entry point's name
 * comes from the Makefile (FUZZ_ENTRY), as in fuzz.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pcpu_alt_internal.h"
#include "api_harness.h"
#include "fuzz_input.h"

#ifndef FUZZ_ENTRY
#error "build with -DFUZZ_ENTRY=<libFuzzer's entry point>, see the Makefile"
#endif

#define NR_CPUS_FUZZED	4
/* Operations between two full checks (each drains every cache). */
#define CHECK_EVERY	32

/* Top two bits pick a range, so cache-sized requests are easy to reach. */
static size_t decode_size(unsigned int v)
{
	unsigned int n = v & 0x3fff;

	switch (v >> 14) {
	case 0:
		return 1 + n % 64;
	case 1:
		return 1 + n % 2048;
	case 2:
		return 1 + n % 16384;
	default:
		return 1 + n * 2 % PCPU_ALT_MIN_UNIT;
	}
}

/* Powers of two from 1 to a page. */
static size_t decode_align(unsigned int v)
{
	return 1UL << (v % 13);
}

static void crash(struct api_harness *h)
{
	fprintf(stderr, "harness failure (op %lu): %s\n", h->first_failure_op,
		h->first_failure);
	abort();
}

/* Drains, memory pressure, CPUs going away, background work, faults. */
static void event(struct api_harness *h, unsigned int v)
{
	switch (v % (API_EVENTS + 2)) {
	case API_EVENTS:
		api_set_faults(h, h->faults ? 0 : 2 + v / 6 % 6);
		break;
	case API_EVENTS + 1:
		api_check(h);
		break;
	default:
		api_event(h, v % (API_EVENTS + 2), v / 6);
		break;
	}
}

/* One operation; false when the input ran out. */
static bool step(struct api_harness *h, struct input *in)
{
	unsigned int op, a, b;

	if (!get8(in, &op))
		return false;
	switch (op % 10) {
	case 0:		/* blocking allocation */
	case 1:
	case 2:		/* non-blocking allocation */
		if (!get16(in, &a) || !get8(in, &b))
			return false;
		api_alloc(h, decode_size(a), decode_align(b), op % 10 == 2);
		break;
	case 3:		/* free a live area */
	case 4:
		if (!get16(in, &a))
			return false;
		api_free(h, a);
		break;
	case 5:		/* run as another CPU */
		if (!get8(in, &a))
			return false;
		api_set_cpu(h, a % NR_CPUS_FUZZED);
		break;
	case 6:		/* a bad free */
		if (!get16(in, &a))
			return false;
		if (a % 3 == 0)
			api_double_free(h, a / 3);
		else if (a % 3 == 1)
			api_interior_free(h, a / 3);
		else
			api_foreign_free(h);
		break;
	case 7:		/* an allocation with the caches off */
		if (!get16(in, &a) || !get8(in, &b))
			return false;
		api_set_cache(h, false);
		api_alloc(h, decode_size(a), decode_align(b), false);
		api_set_cache(h, true);
		break;
	default:	/* what the kernel does around the callers */
		if (!get8(in, &a))
			return false;
		event(h, a);
		break;
	}
	if (!(h->ops % CHECK_EVERY))
		api_check(h);
	return true;
}

int FUZZ_ENTRY(const u8 *data, size_t size);

int FUZZ_ENTRY(const u8 *data, size_t size)
{
	static struct api_harness h;
	static bool booted;
	struct input in = { data, size };

	if (!booted) {
		if (api_boot(NR_CPUS_FUZZED))
			abort();
		booted = true;
	}
	api_init(&h);
	h.quiet = true;
	h.on_failure = crash;
	api_set_cpu(&h, 0);
	while (step(&h, &in))
		;
	api_finish(&h);
	api_set_cpu(&h, 0);
	return 0;
}
