// SPDX-License-Identifier: GPL-2.0
/*
 * Stub layer: boot.  Brings the harness's "machine" up in the order the
 * kernel does: CPUs, memory, the workqueue, then the per-CPU areas (the
 * stock allocator's first chunk) as x86-64's setup_per_cpu_areas() makes
 * them, then the initcalls.  Loading a module comes after, separately.
 *
 * The first chunk's geometry follows the static per-CPU size of the
 * kernel being imitated: USPACE_STATIC_SIZE is the size of the
 * .data..percpu section of Debian's vmlinuz (read with readelf), so that
 * pcpu_embed_first_chunk() picks the same unit size as that kernel does
 * on a machine with as many CPUs (512 KiB for 4 CPUs).
 */
#include <stdio.h>
#include <stdlib.h>

#include <linux/percpu.h>
#include <asm/sections.h>

#include <uspace/boot.h>

#ifndef USPACE_STATIC_SIZE
#if USPACE_STOCK >= 612
#define USPACE_STATIC_SIZE	0x39000		/* 6.12.118+deb12-amd64 */
#else
#define USPACE_STATIC_SIZE	0x35000		/* 6.1.0-57-amd64 */
#endif
#endif

/* x86-64 reserves the module area in the first chunk, and this much. */
#define PERCPU_FIRST_CHUNK_RESERVE	PERCPU_MODULE_RESERVE

/* Host address space for the vmalloc window, and "RAM" in pages. */
#define USPACE_VMALLOC_BYTES		(4UL << 30)
#define USPACE_RAM_PAGES		BIT(20)

char *uspace_per_cpu_start, *uspace_per_cpu_end, *uspace_per_cpu_load;
unsigned long __per_cpu_offset[USPACE_MAX_CPUS];

/*
 * The kernel's linker script starts the per-CPU section on a page; the
 * allocator checks that.  A page-aligned member makes the linker align
 * the whole section so.
 */
static USPACE_DEFINE_PER_CPU_ATTRS __aligned(PAGE_SIZE) __used u8 page_aligned;

static int pcpu_cpu_distance(unsigned int from, unsigned int to)
{
	return cpu_to_node(from) == cpu_to_node(to) ? LOCAL_DISTANCE :
						      REMOTE_DISTANCE;
}

static int pcpu_cpu_to_node(int cpu)
{
	return cpu_to_node(cpu);
}

/*
 * The static area, padded: the linked-in variables first, as they are
 * in their section, then zeroes up to the imitated kernel's size.
 */
static int static_area_init(void)
{
	size_t linked = __stop_uspace_percpu - __start_uspace_percpu;
	size_t size = max_t(size_t, PAGE_ALIGN(linked), USPACE_STATIC_SIZE);

	uspace_per_cpu_load = aligned_alloc(PAGE_SIZE, size);
	if (!uspace_per_cpu_load)
		return -ENOMEM;
	memset(uspace_per_cpu_load, 0, size);
	memcpy(uspace_per_cpu_load, __start_uspace_percpu, linked);
	/* Variables are named by their link address, as in the kernel. */
	uspace_per_cpu_start = __start_uspace_percpu;
	uspace_per_cpu_end = __start_uspace_percpu + size;
	return 0;
}

/*
 * As x86-64 does it: embed the first chunk in boot memory with 2 MiB
 * atoms, then every CPU's offset is where its unit landed.
 */
void setup_per_cpu_areas(void)
{
	const size_t dyn_size = PERCPU_MODULE_RESERVE +
				PERCPU_DYNAMIC_RESERVE -
				PERCPU_FIRST_CHUNK_RESERVE;
	unsigned long delta;
	unsigned int cpu;
	int rc;

	rc = pcpu_embed_first_chunk(PERCPU_FIRST_CHUNK_RESERVE, dyn_size,
				    PMD_SIZE, pcpu_cpu_distance,
				    pcpu_cpu_to_node);
	if (rc < 0)
		panic("cannot initialize percpu area (err=%d)", rc);
	delta = (unsigned long)pcpu_base_addr -
		(unsigned long)__per_cpu_start;
	for_each_possible_cpu(cpu)
		__per_cpu_offset[cpu] = delta + pcpu_unit_offsets[cpu];
}

/**
 * uspace_boot() - bring the machine up, first chunk and initcalls included
 * @nr_cpus: possible CPUs, 1 to USPACE_MAX_CPUS
 *
 * CONTEXT: once, from the main thread, which runs as CPU 0.
 * RETURNS: 0 or a negative errno.
 */
int uspace_boot(unsigned int nr_cpus)
{
	int err;

	err = uspace_cpus_init(nr_cpus);
	if (!err)
		err = uspace_vm_init(USPACE_VMALLOC_BYTES, USPACE_RAM_PAGES);
	if (!err)
		err = static_area_init();
	if (!err)
		err = -uspace_workqueue_start();
	if (err)
		return err;
	uspace_thread_set_cpu(0);
	setup_per_cpu_areas();
	uspace_run_initcalls();
	return 0;
}

/**
 * uspace_static_size() - the first chunk's static area, in bytes
 */
size_t uspace_static_size(void)
{
	return uspace_per_cpu_end - uspace_per_cpu_start;
}
