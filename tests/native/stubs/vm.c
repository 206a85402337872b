// SPDX-License-Identifier: GPL-2.0
/*
 * Stub layer: the kernel's virtual address space, its page tables and
 * vmalloc areas (uspace/mm.h says what is modelled and how).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <uspace/kernel.h>

/* Entries per page-table level, and the bits each level translates. */
#define PT_ENTRIES		512
#define PT_BITS			9
#define PUD_SHIFT		30
#define PGD_SHIFT		39

/*
 * Host address space kept free at the bottom of the window: in a booted
 * kernel, the vmalloc range's first part is taken by earlier users, so
 * areas made later sit some way above VMALLOC_START.
 */
#define BOOT_VMALLOC_BYTES	(256UL << 20)

unsigned long uspace_vmalloc_start, uspace_vmalloc_end;

/*
 * A page-table level: 512 pointers to the next level down.  The lowest
 * level's tables are 512-entry slices of @ptes, one array for the whole
 * window, so that set_pte() can tell the address of an entry.
 */
struct pt_table {
	void *entry[PT_ENTRIES];
};

static struct pt_table *pgd;
static pte_t *ptes;

/* Pages mapped for real (not PAGE_NONE), now and at the peak. */
static unsigned long mapped_pages, mapped_peak;

/*
 * Virtual areas in use, by address (@area_lock): vmap() takes them from
 * the bottom up, pcpu_get_vm_areas() from the top down, as the kernel's
 * allocator does.
 */
struct vm_range {
	unsigned long start, end;
	struct vm_range *next;
};

static pthread_mutex_t area_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vm_range *ranges;

static void *table_alloc(void)
{
	void *t = calloc(1, sizeof(struct pt_table));

	if (!t) {
		fprintf(stderr, "uspace_vm_init: out of memory\n");
		abort();
	}
	return t;
}

/**
 * uspace_vm_init() - reserve the vmalloc window and build its page tables
 * @window_bytes: size of the window, a multiple of 2 MiB
 * @ram: page frames the page allocator has
 *
 * RETURNS: 0 or -ENOMEM.
 */
int uspace_vm_init(unsigned long window_bytes, unsigned long ram)
{
	unsigned long pages = window_bytes >> PAGE_SHIFT, off;
	void *base;
	int err;

	err = uspace_pages_init(ram);
	if (err)
		return err;
	/* Over-reserve, to align the window to a page-table level. */
	base = mmap(NULL, window_bytes + PMD_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ptes = mmap(NULL, pages * sizeof(pte_t), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED || ptes == MAP_FAILED)
		return -ENOMEM;
	uspace_vmalloc_start = ALIGN((unsigned long)base, PMD_SIZE);
	uspace_vmalloc_end = uspace_vmalloc_start + window_bytes;

	/* Every level for the whole window, made once. */
	pgd = table_alloc();
	for (off = 0; off < window_bytes; off += PMD_SIZE) {
		unsigned int g = off >> PGD_SHIFT;
		unsigned int u = (off >> PUD_SHIFT) & (PT_ENTRIES - 1);
		unsigned int m = (off >> PMD_SHIFT) & (PT_ENTRIES - 1);
		struct pt_table *pud, *pmd;

		if (!pgd->entry[g])
			pgd->entry[g] = table_alloc();
		pud = pgd->entry[g];
		if (!pud->entry[u])
			pud->entry[u] = table_alloc();
		pmd = pud->entry[u];
		pmd->entry[m] = &ptes[(off >> PMD_SHIFT) * PT_ENTRIES];
	}
	return 0;
}

/* Walk the four levels to @addr's entry; NULL outside the window. */
static pte_t *walk(unsigned long addr)
{
	unsigned long off = addr - uspace_vmalloc_start;
	struct pt_table *pud, *pmd;
	pte_t *pte_table;

	if (addr < uspace_vmalloc_start || addr >= uspace_vmalloc_end)
		return NULL;
	pud = pgd->entry[off >> PGD_SHIFT];
	if (!pud)
		return NULL;
	pmd = pud->entry[(off >> PUD_SHIFT) & (PT_ENTRIES - 1)];
	if (!pmd)
		return NULL;
	pte_table = pmd->entry[(off >> PMD_SHIFT) & (PT_ENTRIES - 1)];
	if (!pte_table)
		return NULL;
	return &pte_table[(off >> PAGE_SHIFT) & (PT_ENTRIES - 1)];
}

pte_t *lookup_address(unsigned long address, unsigned int *level)
{
	*level = PG_LEVEL_4K;
	return walk(address);
}

struct page *vmalloc_to_page(const void *addr)
{
	pte_t *ptep = walk((unsigned long)addr);
	pte_t pte;

	if (!ptep)
		return NULL;
	pte.pte = __atomic_load_n(&ptep->pte, __ATOMIC_RELAXED);
	return pte_present(pte) ? pte_page(pte) : NULL;
}

static bool pte_real(pte_t pte)
{
	return pte_val(pte) & _PAGE_RW;
}

/*
 * Write an entry.  A page mapped for real is counted and touched through
 * its new address, which makes the host back that address the first
 * time; see uspace/mm.h.
 */
void set_pte(pte_t *ptep, pte_t pte)
{
	unsigned long addr = uspace_vmalloc_start +
			     ((unsigned long)(ptep - ptes) << PAGE_SHIFT);
	pte_t old;
	unsigned long now, peak;

	old.pte = __atomic_exchange_n(&ptep->pte, pte.pte, __ATOMIC_RELAXED);
	if (pte_real(pte) == pte_real(old))
		return;
	if (!pte_real(pte)) {
		__atomic_fetch_sub(&mapped_pages, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_store_n((unsigned long *)addr, 0, __ATOMIC_RELAXED);
	now = __atomic_add_fetch(&mapped_pages, 1, __ATOMIC_RELAXED);
	peak = __atomic_load_n(&mapped_peak, __ATOMIC_RELAXED);
	while (now > peak &&
	       !__atomic_compare_exchange_n(&mapped_peak, &peak, now, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void uspace_vm_pages(unsigned long *now, unsigned long *peak)
{
	*now = __atomic_load_n(&mapped_pages, __ATOMIC_RELAXED);
	*peak = __atomic_load_n(&mapped_peak, __ATOMIC_RELAXED);
}

void uspace_vm_reset_peak(void)
{
	__atomic_store_n(&mapped_peak, __atomic_load_n(&mapped_pages,
						       __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);
}

int vmap_pages_range_noflush(unsigned long addr, unsigned long end,
			     pgprot_t prot, struct page **pages,
			     unsigned int page_shift)
{
	for (; addr < end; addr += PAGE_SIZE, pages++) {
		pte_t *ptep = walk(addr);

		if (!ptep)
			return -EINVAL;
		set_pte(ptep, mk_pte(*pages, prot));
	}
	return 0;
}

void vunmap_range_noflush(unsigned long start, unsigned long end)
{
	for (; start < end; start += PAGE_SIZE) {
		pte_t *ptep = walk(start);

		if (ptep)
			set_pte(ptep, (pte_t){ 0 });
	}
}

/* TLB flushes: an interrupt to every CPU, which has nothing to drop. */
void __flush_tlb_all(void)
{
}

static void flush_one_cpu(void *unused)
{
	__flush_tlb_all();
}

void flush_tlb_kernel_range(unsigned long start, unsigned long end)
{
	on_each_cpu(flush_one_cpu, NULL, 1);
}

/* ---- virtual areas ---- */

/* Insert [start, end) into the sorted list of ranges; area_lock held. */
static int range_insert(unsigned long start, unsigned long end)
{
	struct vm_range **p, *r = malloc(sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->start = start;
	r->end = end;
	for (p = &ranges; *p && (*p)->start < start; p = &(*p)->next)
		;
	r->next = *p;
	*p = r;
	return 0;
}

/*
 * Find room for @size bytes at a multiple of @align, the lowest address
 * (or the highest, @top_down) that fits; 0 when none does.  area_lock held.
 */
static unsigned long range_find(unsigned long size, unsigned long align,
				bool top_down)
{
	unsigned long lo = uspace_vmalloc_start + BOOT_VMALLOC_BYTES;
	unsigned long best = 0, gap_start = lo, gap_end, s;
	struct vm_range *r = ranges;

	for (;;) {
		gap_end = r ? r->start : uspace_vmalloc_end;
		if (gap_end > gap_start && gap_end - gap_start >= size) {
			s = top_down ? round_down(gap_end - size, align) :
				       ALIGN(gap_start, align);
			if (s >= gap_start && s + size <= gap_end) {
				best = s;
				if (!top_down)
					return best;
			}
		}
		if (!r)
			return best;
		gap_start = max(gap_start, r->end);
		r = r->next;
	}
}

static unsigned long range_alloc(unsigned long size, unsigned long align,
				 bool top_down)
{
	unsigned long start;

	pthread_mutex_lock(&area_lock);
	start = range_find(size, align, top_down);
	if (start && range_insert(start, start + size))
		start = 0;
	pthread_mutex_unlock(&area_lock);
	return start;
}

/* Give back the range starting at @start; its size, or 0 if none. */
static unsigned long range_free(unsigned long start)
{
	struct vm_range **p, *r;
	unsigned long size = 0;

	pthread_mutex_lock(&area_lock);
	for (p = &ranges; (r = *p); p = &r->next) {
		if (r->start == start) {
			*p = r->next;
			size = r->end - r->start;
			free(r);
			break;
		}
	}
	pthread_mutex_unlock(&area_lock);
	return size;
}

/* vmap() leaves an unmapped guard page after each area, as the kernel. */
void *vmap(struct page **pages, unsigned int count, unsigned long flags,
	   pgprot_t prot)
{
	unsigned long size = (unsigned long)count << PAGE_SHIFT;
	unsigned long addr;

	might_sleep();
	if (uspace_should_fail())
		return NULL;
	addr = range_alloc(size + PAGE_SIZE, PAGE_SIZE, false);
	if (!addr)
		return NULL;
	vmap_pages_range_noflush(addr, addr + size, prot, pages, PAGE_SHIFT);
	return (void *)addr;
}

void vunmap(const void *addr)
{
	unsigned long start = (unsigned long)addr;
	unsigned long size = range_free(start);

	might_sleep();
	if (WARN(!size, "%s(%p): not an area", __func__, addr))
		return;
	vunmap_range_noflush(start, start + size - PAGE_SIZE);
}

/*
 * Areas at @offsets from one base aligned to @align, as the stock
 * allocator asks for a chunk's groups; one range covers them all.
 */
struct vm_struct **pcpu_get_vm_areas(const unsigned long *offsets,
				     const size_t *sizes, int nr_vms,
				     size_t align)
{
	unsigned long last_end = 0, base;
	struct vm_struct **vms;
	int i;

	for (i = 0; i < nr_vms; i++)
		last_end = max(last_end, offsets[i] + sizes[i]);
	vms = kcalloc(nr_vms, sizeof(*vms), GFP_KERNEL);
	if (!vms)
		return NULL;
	for (i = 0; i < nr_vms; i++) {
		vms[i] = kzalloc(sizeof(**vms), GFP_KERNEL);
		if (!vms[i])
			goto fail;
	}
	base = range_alloc(last_end, align, true);
	if (!base)
		goto fail;
	for (i = 0; i < nr_vms; i++) {
		vms[i]->addr = (void *)(base + offsets[i]);
		vms[i]->size = sizes[i];
		vms[i]->flags = VM_ALLOC;
	}
	return vms;
fail:
	for (i = 0; i < nr_vms; i++)
		kfree(vms[i]);
	kfree(vms);
	return NULL;
}

void pcpu_free_vm_areas(struct vm_struct **vms, int nr_vms)
{
	unsigned long base = ULONG_MAX;
	int i;

	for (i = 0; i < nr_vms; i++)
		base = min_t(unsigned long, base, (unsigned long)vms[i]->addr);
	/* The range began at the first group, offset 0. */
	range_free(base);
	for (i = 0; i < nr_vms; i++)
		kfree(vms[i]);
	kfree(vms);
}
