/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/percpu.h>: the stock allocator's API and
 * first-chunk description, as mm/percpu.c of the kernel it comes from
 * expects them.  USPACE_STOCK names that kernel (601 for 6.1, 612 for
 * 6.12); where the two headers differ, both forms are here.  Per-CPU
 * variables and pointers are in uspace/cpu.h.
 */
#ifndef _USPACE_LINUX_PERCPU_H
#define _USPACE_LINUX_PERCPU_H

#include <uspace/kernel.h>

#ifndef USPACE_STOCK
#define USPACE_STOCK		601
#endif

/* Room for modules' static per-CPU variables in the first chunk. */
#define PERCPU_MODULE_RESERVE		(8 << 10)
/* The smallest unit, and the largest allocation the allocator takes. */
#define PCPU_MIN_UNIT_SIZE		PFN_ALIGN(32 << 10)
#define PCPU_MIN_ALLOC_SHIFT		2
#define PCPU_MIN_ALLOC_SIZE		4	/* 1 << PCPU_MIN_ALLOC_SHIFT */
/* One hint block per page. */
#define PCPU_BITMAP_BLOCK_SIZE		PAGE_SIZE
#define PCPU_BITMAP_BLOCK_BITS		(PCPU_BITMAP_BLOCK_SIZE >>	\
					 PCPU_MIN_ALLOC_SHIFT)
/* Free room of the first chunk for early and later dynamic users. */
#if USPACE_STOCK >= 612
#define PERCPU_DYNAMIC_EARLY_SIZE	(20 << 10)
#else
#define PERCPU_DYNAMIC_EARLY_SLOTS	128
#define PERCPU_DYNAMIC_EARLY_SIZE	(12 << 10)
#endif
#define PERCPU_DYNAMIC_RESERVE		(28 << 10)

extern void *pcpu_base_addr;
extern const unsigned long *pcpu_unit_offsets;

struct pcpu_group_info {
	int nr_units;			/* units, aligned */
	unsigned long base_offset;	/* from the first group's base */
	unsigned int *cpu_map;		/* unit -> CPU; NR_CPUS if none */
};

struct pcpu_alloc_info {
	size_t static_size;
	size_t reserved_size;
	size_t dyn_size;
	size_t unit_size;
	size_t atom_size;
	size_t alloc_size;
	size_t __ai_size;		/* the allocator's own */
	int nr_groups;
	struct pcpu_group_info groups[];
};

enum pcpu_fc {
	PCPU_FC_AUTO,
	PCPU_FC_EMBED,
	PCPU_FC_PAGE,
	PCPU_FC_NR,
};

extern const char * const pcpu_fc_names[PCPU_FC_NR];
extern enum pcpu_fc pcpu_chosen_fc;

typedef int (pcpu_fc_cpu_to_node_fn_t)(int cpu);
typedef int (pcpu_fc_cpu_distance_fn_t)(unsigned int from, unsigned int to);

struct pcpu_alloc_info *pcpu_alloc_alloc_info(int nr_groups, int nr_units);
void pcpu_free_alloc_info(struct pcpu_alloc_info *ai);
void pcpu_setup_first_chunk(const struct pcpu_alloc_info *ai,
			    void *base_addr);
int pcpu_embed_first_chunk(size_t reserved_size, size_t dyn_size,
			   size_t atom_size,
			   pcpu_fc_cpu_distance_fn_t cpu_distance_fn,
			   pcpu_fc_cpu_to_node_fn_t cpu_to_nd_fn);
bool __is_kernel_percpu_address(unsigned long addr, unsigned long *can_addr);
bool is_kernel_percpu_address(unsigned long addr);
void setup_per_cpu_areas(void);

#if USPACE_STOCK >= 612
/* 6.12 names the allocator pcpu_alloc_noprof(); the API is macros. */
void __percpu *pcpu_alloc_noprof(size_t size, size_t align, bool reserved,
				 gfp_t gfp);
#define alloc_hooks(call)		(call)
#define __alloc_percpu_gfp(size, align, gfp)				\
	alloc_hooks(pcpu_alloc_noprof(size, align, false, gfp))
#define __alloc_percpu(size, align)					\
	alloc_hooks(pcpu_alloc_noprof(size, align, false, GFP_KERNEL))
#define __alloc_reserved_percpu(size, align)				\
	alloc_hooks(pcpu_alloc_noprof(size, align, true, GFP_KERNEL))
#else
void __percpu *__alloc_reserved_percpu(size_t size, size_t align);
void __percpu *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp);
void __percpu *__alloc_percpu(size_t size, size_t align);
#endif

#define alloc_percpu_gfp(type, gfp)					\
	((__typeof__(type) __percpu *)__alloc_percpu_gfp(sizeof(type),	\
							 __alignof__(type), gfp))
#define alloc_percpu(type)						\
	((__typeof__(type) __percpu *)__alloc_percpu(sizeof(type),	\
						     __alignof__(type)))

void free_percpu(void __percpu *ptr);
phys_addr_t per_cpu_ptr_to_phys(void *addr);
unsigned long pcpu_nr_pages(void);

/* Module static per-CPU areas: there are no modules with any here. */
static inline bool is_module_percpu_address(unsigned long addr)
{
	(void)addr;
	return false;
}

#endif /* _USPACE_LINUX_PERCPU_H */
