/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stub layer, part 6: memory.  Allocation flags, the slab allocator, the
 * page allocator, boot memory, and the kernel's virtual address space with
 * its page tables.
 *
 * The virtual address space.  The kernel's vmalloc range is a window of
 * host address space reserved at start (mmap, no backing until touched).
 * Its page tables are real four-level tables (512 entries a level, as
 * x86-64's) that point at struct page descriptors: lookup_address() and
 * vmalloc_to_page() walk all four levels, as the kernel's do.  Mapping a
 * page writes its entry and touches the page through its virtual address
 * (the first touch of an address makes the host back it); unmapping
 * clears the entry.  Both allocators map and unmap through these same
 * functions: stock's percpu-vm.c through vmap_pages_range_noflush() and
 * vunmap_range_noflush(), pcpu_alt's region code through vmap() of a
 * placeholder and set_pte().  TLB flushes are cross-CPU calls that do
 * nothing else (nothing caches a translation here).
 *
 * The page allocator hands out struct page descriptors from a free list;
 * the bytes behind a mapped page are the window's own.  Every page mapped
 * for real (any protection but PAGE_NONE) is counted: the harness reads
 * the count and its peak (uspace_vm_pages()) to compare the allocators'
 * populated memory by the same measure.
 */
#ifndef _USPACE_MM_H
#define _USPACE_MM_H

#include <linux/list.h>
#include <uspace/lock.h>

/* ---- pages (mm.h, pfn.h) ---- */

#define PAGE_SHIFT		12
#define PAGE_SIZE		BIT(PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#define PMD_SHIFT		21
#define PMD_SIZE		BIT(PMD_SHIFT)
#define PAGE_ALIGN(x)		ALIGN(x, PAGE_SIZE)
#define PAGE_ALIGNED(x)		IS_ALIGNED((unsigned long)(x), PAGE_SIZE)
#define PFN_ALIGN(x)		(((unsigned long)(x) + (PAGE_SIZE - 1)) & PAGE_MASK)
#define PFN_UP(x)		(((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_DOWN(x)		((x) >> PAGE_SHIFT)
#define offset_in_page(p)	((unsigned long)(p) & ~PAGE_MASK)
#define SMP_CACHE_BYTES		64
#define L1_CACHE_BYTES		64
#define ____cacheline_aligned	__aligned(SMP_CACHE_BYTES)
#define ____cacheline_aligned_in_smp	____cacheline_aligned

/*
 * struct page: the kernel's describes one page frame.  This one has what
 * the allocators use: @index (stock's percpu-vm.c stores its chunk there)
 * and @lru (pcpu_alt's region code lists pages to free on it).
 */
struct page {
	unsigned long flags;
	unsigned long index;
	struct list_head lru;
};

extern struct page *uspace_mem_map;

#define page_to_pfn(page)	((unsigned long)((page) - uspace_mem_map))
#define pfn_to_page(pfn)	(uspace_mem_map + (pfn))
#define page_to_phys(page)	((phys_addr_t)page_to_pfn(page) << PAGE_SHIFT)

/* Boot memory and the first chunk live in host memory: "physical" is
 * the host address, as the kernel's linear map would have it.
 */
#define __pa(x)			((phys_addr_t)(unsigned long)(x))
/* No DMA zone limit: boot memory may come from anywhere. */
#define MAX_DMA_ADDRESS		0UL
#define __va(x)			((void *)(unsigned long)(x))
#define virt_to_phys(x)		__pa(x)
struct page *virt_to_page(const void *addr);
void *page_address(const struct page *page);

unsigned long totalram_pages(void);

/* ---- allocation flags (gfp_types.h) ---- */

#define __GFP_HIGHMEM		0x02u
#define __GFP_HIGH		0x20u
#define __GFP_IO		0x40u
#define __GFP_FS		0x80u
#define __GFP_ZERO		0x100u
#define __GFP_DIRECT_RECLAIM	0x400u
#define __GFP_KSWAPD_RECLAIM	0x800u
#define __GFP_NOWARN		0x2000u
#define __GFP_RETRY_MAYFAIL	0x4000u
#define __GFP_NOFAIL		0x8000u
#define __GFP_NORETRY		0x10000u
#define __GFP_ACCOUNT		0x400000u
#define __GFP_RECLAIM		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define GFP_ATOMIC		(__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL		(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT	(GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT		(__GFP_KSWAPD_RECLAIM)
#define GFP_NOIO		(__GFP_RECLAIM)
#define GFP_NOFS		(__GFP_RECLAIM | __GFP_IO)

static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return gfp & __GFP_DIRECT_RECLAIM;
}

/* The task's reclaim scope (sched/mm.h), applied as the kernel does. */
static inline gfp_t current_gfp_context(gfp_t flags)
{
	if (current->flags & PF_MEMALLOC_NOIO)
		flags &= ~(__GFP_IO | __GFP_FS);
	else if (current->flags & PF_MEMALLOC_NOFS)
		flags &= ~__GFP_FS;
	return flags;
}

static inline unsigned int memalloc_noio_save(void)
{
	unsigned int old = current->flags & PF_MEMALLOC_NOIO;

	current->flags |= PF_MEMALLOC_NOIO;
	return old;
}

static inline void memalloc_noio_restore(unsigned int flags)
{
	current->flags = (current->flags & ~PF_MEMALLOC_NOIO) | flags;
}

static inline unsigned int memalloc_nofs_save(void)
{
	unsigned int old = current->flags & PF_MEMALLOC_NOFS;

	current->flags |= PF_MEMALLOC_NOFS;
	return old;
}

static inline void memalloc_nofs_restore(unsigned int flags)
{
	current->flags = (current->flags & ~PF_MEMALLOC_NOFS) | flags;
}

/* ---- the slab allocator (slab.h) ---- */

/*
 * kmalloc() and friends are malloc() and friends; flags other than
 * __GFP_ZERO are ignored.  A test makes the Nth allocation from now on
 * fail by setting uspace_fail_nth_alloc to N (0: never), to reach error
 * paths.  ZERO_SIZE_PTR is not modelled: kmalloc(0) is malloc(0).
 */
extern int uspace_fail_nth_alloc;

void *uspace_kmalloc(size_t size, gfp_t gfp);
void uspace_kfree(const void *p);

#define kmalloc(size, gfp)		uspace_kmalloc(size, gfp)
#define kzalloc(size, gfp)		uspace_kmalloc(size, (gfp) | __GFP_ZERO)
#define kmalloc_node(size, gfp, node)	kmalloc(size, gfp)
#define kzalloc_node(size, gfp, node)	kzalloc(size, gfp)
#define kvmalloc(size, gfp)		kmalloc(size, gfp)
#define kvzalloc(size, gfp)		kzalloc(size, gfp)
#define kfree(p)			uspace_kfree(p)
#define kvfree(p)			uspace_kfree(p)
#define kfree_sensitive(p)		uspace_kfree(p)
#define vmalloc(size)			kmalloc(size, GFP_KERNEL)
#define vzalloc(size)			kzalloc(size, GFP_KERNEL)
#define __vmalloc(size, gfp)		kmalloc(size, gfp)
#define vfree(p)			uspace_kfree(p)

/* n * size, or SIZE_MAX when that overflows (overflow.h). */
static inline size_t size_mul(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}

static inline size_t size_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}

#define array_size(a, b)		size_mul(a, b)
#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)
#define check_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)
/* sizeof() only: @p is not evaluated (callers pass it uninitialized). */
#define struct_size(p, member, count)					\
	({								\
		__typeof__(p) __p = NULL;				\
		size_add(sizeof(*__p),					\
			 size_mul(sizeof((*__p).member[0]), (count)));	\
	})

/* An allocation of more than SIZE_MAX / 2 bytes fails, as a huge one would. */
#define kmalloc_array(n, size, gfp)	kmalloc(size_mul(n, size), gfp)
#define kcalloc(n, size, gfp)		kzalloc(size_mul(n, size), gfp)
#define kvmalloc_array(n, size, gfp)	kmalloc_array(n, size, gfp)
#define kvcalloc(n, size, gfp)		kcalloc(n, size, gfp)

static inline bool slab_is_available(void)
{
	return true;
}

/* ---- the page allocator (gfp.h) ---- */

/*
 * alloc_pages_node() takes a page off the buddy allocator's lists; here
 * off a free list of descriptors, under a lock, order 0 only (all that
 * either allocator asks for).  Fault injection: see uspace_kmalloc().
 */
struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order);
void __free_pages(struct page *page, unsigned int order);

#define alloc_pages(gfp, order)	alloc_pages_node(0, gfp, order)
#define alloc_page(gfp)		alloc_pages(gfp, 0)
#define __free_page(page)	__free_pages(page, 0)

/* ---- boot memory (memblock.h) ---- */

/*
 * memblock hands out boot memory, zeroed; here aligned_alloc(), zeroed.
 * memblock_free() gives back part of a block, which malloc cannot: it is
 * recorded and the memory kept (the kernel would reuse it).
 */
#define MEMBLOCK_ALLOC_ACCESSIBLE	0
#define MEMBLOCK_LOW_LIMIT		0

void *memblock_alloc_try_nid(phys_addr_t size, phys_addr_t align,
			     phys_addr_t min_addr, phys_addr_t max_addr,
			     int nid);
void memblock_free(void *ptr, size_t size);

#define memblock_alloc(size, align)					\
	memblock_alloc_try_nid(size, align, 0, MEMBLOCK_ALLOC_ACCESSIBLE, \
			       NUMA_NO_NODE)
#define memblock_alloc_from(size, align, min)				\
	memblock_alloc_try_nid(size, align, min, MEMBLOCK_ALLOC_ACCESSIBLE, \
			       NUMA_NO_NODE)
#define memblock_alloc_or_panic(size, align)	memblock_alloc(size, align)

/* ---- page tables (pgtable.h) ---- */

/* Entries: the page's frame number above PAGE_SHIFT, protection below. */
typedef struct { u64 pte; } pte_t;
typedef struct { u64 pgprot; } pgprot_t;

#define _PAGE_PRESENT		0x001ULL
#define _PAGE_RW		0x002ULL
#define __pgprot(x)		((pgprot_t){ (x) })
#define pgprot_val(p)		((p).pgprot)
#define pte_val(p)		((p).pte)
/* PAGE_NONE: mapped, no access (pcpu_alt's placeholder); not counted. */
#define PAGE_NONE		__pgprot(_PAGE_PRESENT)
#define PAGE_KERNEL		__pgprot(_PAGE_PRESENT | _PAGE_RW)

enum pg_level { PG_LEVEL_NONE, PG_LEVEL_4K, PG_LEVEL_2M, PG_LEVEL_1G };

static inline pte_t mk_pte(struct page *page, pgprot_t prot)
{
	return (pte_t){ page_to_pfn(page) << PAGE_SHIFT | pgprot_val(prot) };
}

static inline unsigned long pte_pfn(pte_t pte)
{
	return pte_val(pte) >> PAGE_SHIFT;
}

#define pte_page(pte)		pfn_to_page(pte_pfn(pte))
#define pte_none(pte)		(!pte_val(pte))
#define pte_present(pte)	(pte_val(pte) & _PAGE_PRESENT)

pte_t *lookup_address(unsigned long address, unsigned int *level);
void set_pte(pte_t *ptep, pte_t pte);

/* ---- the vmalloc range (vmalloc.h) ---- */

extern unsigned long uspace_vmalloc_start, uspace_vmalloc_end;

#define VMALLOC_START		uspace_vmalloc_start
#define VMALLOC_END		uspace_vmalloc_end
#define VMALLOC_TOTAL		(VMALLOC_END - VMALLOC_START)
#define VM_ALLOC		0x2UL
#define VM_MAP			0x4UL

struct vm_struct {
	struct vm_struct *next;
	void *addr;
	unsigned long size;
	unsigned long flags;
};

static inline bool is_vmalloc_addr(const void *x)
{
	unsigned long a = (unsigned long)x;

	return a >= VMALLOC_START && a < VMALLOC_END;
}

void *vmap(struct page **pages, unsigned int count, unsigned long flags,
	   pgprot_t prot);
void vunmap(const void *addr);
struct page *vmalloc_to_page(const void *addr);
struct vm_struct **pcpu_get_vm_areas(const unsigned long *offsets,
				     const size_t *sizes, int nr_vms,
				     size_t align);
void pcpu_free_vm_areas(struct vm_struct **vms, int nr_vms);

/* mm/internal.h: map and unmap without flushing. */
int vmap_pages_range_noflush(unsigned long addr, unsigned long end,
			     pgprot_t prot, struct page **pages,
			     unsigned int page_shift);
void vunmap_range_noflush(unsigned long start, unsigned long end);

/* ---- TLB and cache flushes (tlbflush.h, cacheflush.h) ---- */

/*
 * x86 flushes other CPUs' TLBs with an interrupt to each; so does the
 * stub (on_each_cpu() of a function that does nothing else).  The cache
 * flushes around mapping are no-ops on x86, here too.
 */
void __flush_tlb_all(void);
void flush_tlb_kernel_range(unsigned long start, unsigned long end);
#define flush_cache_vmap(start, end)		do { } while (0)
#define flush_cache_vunmap(start, end)		do { } while (0)
#define flush_cache_vmap_early(start, end)	do { } while (0)

/* ---- harness side ---- */

int uspace_pages_init(unsigned long pages);
/* Page frames handed out and not yet freed. */
unsigned long uspace_pages_in_use(void);
/* Should this internal allocation fail?  See uspace_fail_nth_alloc. */
bool uspace_should_fail(void);
int uspace_vm_init(unsigned long window_bytes, unsigned long ram_pages);
/* Pages mapped for real now, and the most since the last reset. */
void uspace_vm_pages(unsigned long *now, unsigned long *peak);
void uspace_vm_reset_peak(void);

#endif /* _USPACE_MM_H */
