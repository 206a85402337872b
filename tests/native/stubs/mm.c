// SPDX-License-Identifier: GPL-2.0
/*
 * Stub layer: the slab allocator, the page allocator and boot memory
 * (uspace/mm.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include <uspace/kernel.h>

int uspace_fail_nth_alloc;

/* Should this internal allocation fail (a test asked)? */
bool uspace_should_fail(void)
{
	int n = __atomic_load_n(&uspace_fail_nth_alloc, __ATOMIC_RELAXED);

	return n && __atomic_sub_fetch(&uspace_fail_nth_alloc, 1,
				       __ATOMIC_RELAXED) == 0;
}

/*
 * kmalloc()'s caches of 64 bytes and more hand out objects aligned to at
 * least a cache line, which structures with ____cacheline_aligned members
 * rely on; malloc() only promises 16 bytes.
 */
void *uspace_kmalloc(size_t size, gfp_t gfp)
{
	void *p;

	if (uspace_should_fail())
		return NULL;
	if (size < SMP_CACHE_BYTES)
		return gfp & __GFP_ZERO ? calloc(1, size) : malloc(size);
	if (size > SIZE_MAX - SMP_CACHE_BYTES)
		return NULL;
	p = aligned_alloc(SMP_CACHE_BYTES, round_up(size, SMP_CACHE_BYTES));
	if (p && (gfp & __GFP_ZERO))
		memset(p, 0, size);
	return p;
}

void uspace_kfree(const void *p)
{
	free((void *)p);
}

unsigned long *bitmap_alloc(unsigned int nbits, gfp_t flags)
{
	return kmalloc_array(BITS_TO_LONGS(nbits), sizeof(unsigned long),
			     flags);
}

unsigned long *bitmap_zalloc(unsigned int nbits, gfp_t flags)
{
	return bitmap_alloc(nbits, flags | __GFP_ZERO);
}

void bitmap_free(const unsigned long *bitmap)
{
	kfree(bitmap);
}

/* ---- the page allocator ---- */

struct page *uspace_mem_map;
static unsigned long ram_pages;

/*
 * Frames never handed out start at @fresh; freed ones are stacked on
 * @free_pfns.  Both under @page_lock.
 */
static pthread_mutex_t page_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long *free_pfns;
static unsigned long nr_free_pfns;
static unsigned long fresh;

/**
 * uspace_pages_init() - set up @pages page frames
 * @pages: how many; the "RAM" of the machine
 *
 * RETURNS: 0 or -ENOMEM.
 */
int uspace_pages_init(unsigned long pages)
{
	uspace_mem_map = calloc(pages, sizeof(*uspace_mem_map));
	free_pfns = calloc(pages, sizeof(*free_pfns));
	if (!uspace_mem_map || !free_pfns) {
		free(uspace_mem_map);
		free(free_pfns);
		return -ENOMEM;
	}
	ram_pages = pages;
	return 0;
}

unsigned long totalram_pages(void)
{
	return ram_pages;
}

/* Pages of a higher order are not modelled: stop, saying so. */
static __noreturn void uspace_no_order(const char *fn, unsigned int order)
{
	fprintf(stderr, "%s: order %u: only single pages are modelled\n",
		fn, order);
	abort();
}

struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	unsigned long pfn = ULONG_MAX;

	/* Neither allocator asks for more than one page at a time. */
	if (order)
		uspace_no_order(__func__, order);
	if (uspace_should_fail())
		return NULL;
	pthread_mutex_lock(&page_lock);
	if (nr_free_pfns)
		pfn = free_pfns[--nr_free_pfns];
	else if (fresh < ram_pages)
		pfn = fresh++;
	pthread_mutex_unlock(&page_lock);
	if (pfn == ULONG_MAX)
		return NULL;
	INIT_LIST_HEAD(&uspace_mem_map[pfn].lru);
	uspace_mem_map[pfn].index = 0;
	return &uspace_mem_map[pfn];
}

void __free_pages(struct page *page, unsigned int order)
{
	if (order)
		uspace_no_order(__func__, order);
	pthread_mutex_lock(&page_lock);
	free_pfns[nr_free_pfns++] = page_to_pfn(page);
	pthread_mutex_unlock(&page_lock);
}

/* Pages handed out and not freed: for the tests' leak checks. */
unsigned long uspace_pages_in_use(void)
{
	unsigned long n;

	pthread_mutex_lock(&page_lock);
	n = fresh - nr_free_pfns;
	pthread_mutex_unlock(&page_lock);
	return n;
}

/*
 * The linear map: boot memory and the first chunk have no struct page
 * here.  Only per_cpu_ptr_to_phys() would ask, and nothing calls it.
 */
struct page *virt_to_page(const void *addr)
{
	fprintf(stderr, "%s(%p): no linear map in the harness\n", __func__,
		addr);
	abort();
}

void *page_address(const struct page *page)
{
	fprintf(stderr, "%s(pfn %lu): pages have no linear map here\n",
		__func__, page_to_pfn(page));
	abort();
}

/* ---- boot memory ---- */

/* Blocks handed out, so that a whole one can be given back. */
struct boot_block {
	void *ptr;
	size_t size;
	struct boot_block *next;
};

static struct boot_block *boot_blocks;
static size_t boot_bytes_kept;

void *memblock_alloc_try_nid(phys_addr_t size, phys_addr_t align,
			     phys_addr_t min_addr, phys_addr_t max_addr,
			     int nid)
{
	struct boot_block *b = malloc(sizeof(*b));
	size_t a = max_t(size_t, align, sizeof(void *));

	if (!b)
		return NULL;
	b->size = size;
	b->ptr = aligned_alloc(a, round_up(size, a));
	if (!b->ptr) {
		free(b);
		return NULL;
	}
	memset(b->ptr, 0, size);
	b->next = boot_blocks;
	boot_blocks = b;
	return b->ptr;
}

/* A whole block goes back to malloc; part of one stays (see mm.h). */
void memblock_free(void *ptr, size_t size)
{
	struct boot_block **p, *b;

	for (p = &boot_blocks; (b = *p); p = &b->next) {
		if (b->ptr == ptr && b->size == size) {
			*p = b->next;
			free(b->ptr);
			free(b);
			return;
		}
	}
	boot_bytes_kept += size;
}
