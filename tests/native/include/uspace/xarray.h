/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stub layer, part 9: the XArray and the IDR (xarray.h, idr.h).
 *
 * The kernel's XArray is a radix tree of 64-slot nodes, read under RCU
 * without a lock and written under its own spinlock.  So is this one: a
 * lookup walks one node per six bits of the index, loading each slot with
 * acquire order; writers hold xa_lock and publish with release order.
 * What differs: nodes are freed only by xa_destroy(), never when they
 * empty (a reader may still be in one, and the kernel's RCU-deferred
 * freeing is not modelled), and there are no marks besides "present".
 *
 * The IDR is an XArray that allocates its indexes, as in the kernel.
 */
#ifndef _USPACE_XARRAY_H
#define _USPACE_XARRAY_H

#include <uspace/lock.h>

#define XA_CHUNK_SHIFT		6
#define XA_CHUNK_SIZE		BIT(XA_CHUNK_SHIFT)

/* Flags: the lock kind (irrelevant here) and index allocation. */
#define XA_FLAGS_LOCK_IRQ	0x1u
#define XA_FLAGS_LOCK_BH	0x2u
#define XA_FLAGS_ALLOC		0x4u
#define XA_FLAGS_ALLOC1		0xcu	/* allocation starts at 1 */

/*
 * @shift: index bits below this node's slots; a slot of a node with shift
 * 0 holds an entry, any other a child node.
 */
struct xa_node {
	unsigned int shift;
	void *slots[XA_CHUNK_SIZE];
	/* Every node ever made, for xa_destroy() (xa_lock). */
	struct xa_node *all_next;
};

/*
 * @xa_lock: writers; @xa_head: the root node or NULL (published with
 * release order); @nodes: every node, to free them at xa_destroy().
 */
struct xarray {
	spinlock_t xa_lock;	/* writers; see above */
	unsigned int xa_flags;
	struct xa_node *xa_head;
	struct xa_node *nodes;
};

#define XARRAY_INIT(name, flags)					\
	{ .xa_lock = __SPIN_LOCK_UNLOCKED(name.xa_lock),		\
	  .xa_flags = (flags) }
#define DEFINE_XARRAY_FLAGS(name, flags)				\
	struct xarray name = {						\
		.xa_lock = { .m = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP }, \
		.xa_flags = (flags) }
#define DEFINE_XARRAY(name)		DEFINE_XARRAY_FLAGS(name, 0)
#define DEFINE_XARRAY_ALLOC(name)	DEFINE_XARRAY_FLAGS(name, XA_FLAGS_ALLOC)
#define DEFINE_XARRAY_ALLOC1(name)	DEFINE_XARRAY_FLAGS(name, XA_FLAGS_ALLOC1)

void xa_init_flags(struct xarray *xa, unsigned int flags);

static inline void xa_init(struct xarray *xa)
{
	xa_init_flags(xa, 0);
}

/* ---- entries: pointers, small values, errors ---- */

/* Values are odd, pointers even, as in the kernel. */
static inline void *xa_mk_value(unsigned long v)
{
	return (void *)((v << 1) | 1);
}

static inline unsigned long xa_to_value(const void *entry)
{
	return (unsigned long)entry >> 1;
}

static inline bool xa_is_value(const void *entry)
{
	return (unsigned long)entry & 1;
}

/* Errors are -errno shifted left by two, with bit 1 set. */
#define XA_ERROR(err)		((void *)(((unsigned long)(long)(err) << 2) | 2UL))
#define USPACE_MAX_ERRNO	4095

static inline bool xa_is_err(const void *entry)
{
	return ((unsigned long)entry & 3) == 2 &&
	       (long)entry >= -((long)USPACE_MAX_ERRNO << 2);
}

static inline int xa_err(const void *entry)
{
	return xa_is_err(entry) ? (int)((long)entry >> 2) : 0;
}

/* ---- operations ---- */

struct xa_limit {
	u32 max;
	u32 min;
};

#define XA_LIMIT(lo, hi)	((struct xa_limit){ .min = (lo), .max = (hi) })
#define xa_limit_32b		XA_LIMIT(0, UINT_MAX)
#define xa_limit_31b		XA_LIMIT(0, INT_MAX)

#define xa_mark_t		unsigned int
#define XA_PRESENT		8U

void *xa_load(struct xarray *xa, unsigned long index);
/* The __ forms want xa_lock held; the others take it. */
void *__xa_store(struct xarray *xa, unsigned long index, void *entry,
		 gfp_t gfp);
void *xa_store(struct xarray *xa, unsigned long index, void *entry,
	       gfp_t gfp);
void *__xa_erase(struct xarray *xa, unsigned long index);
void *xa_erase(struct xarray *xa, unsigned long index);
int xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
/* Store @entry where @old is; what was there (an error entry on failure). */
void *xa_cmpxchg(struct xarray *xa, unsigned long index, void *old,
		 void *entry, gfp_t gfp);
int xa_alloc(struct xarray *xa, u32 *id, void *entry, struct xa_limit limit,
	     gfp_t gfp);
int xa_alloc_cyclic(struct xarray *xa, u32 *id, void *entry,
		    struct xa_limit limit, u32 *next, gfp_t gfp);
void *xa_find(struct xarray *xa, unsigned long *index, unsigned long max,
	      xa_mark_t filter);
void *xa_find_after(struct xarray *xa, unsigned long *index,
		    unsigned long max, xa_mark_t filter);
void xa_destroy(struct xarray *xa);

static inline bool xa_empty(struct xarray *xa)
{
	unsigned long index = 0;

	return !xa_find(xa, &index, ULONG_MAX, XA_PRESENT);
}

#define xa_store_irq(xa, i, e, gfp)	xa_store(xa, i, e, gfp)
#define xa_store_bh(xa, i, e, gfp)	xa_store(xa, i, e, gfp)
#define xa_erase_irq(xa, i)		xa_erase(xa, i)
#define xa_erase_bh(xa, i)		xa_erase(xa, i)
#define xa_insert_irq(xa, i, e, gfp)	xa_insert(xa, i, e, gfp)
#define xa_alloc_irq(xa, id, e, l, gfp)	xa_alloc(xa, id, e, l, gfp)
#define xa_lock(xa)			spin_lock(&(xa)->xa_lock)
#define xa_unlock(xa)			spin_unlock(&(xa)->xa_lock)
#define xa_lock_irq(xa)			spin_lock_irq(&(xa)->xa_lock)
#define xa_unlock_irq(xa)		spin_unlock_irq(&(xa)->xa_lock)
#define xa_lock_irqsave(xa, f)		spin_lock_irqsave(&(xa)->xa_lock, f)
#define xa_unlock_irqrestore(xa, f)	spin_unlock_irqrestore(&(xa)->xa_lock, f)

/*
 * As the bitmap loops: the state in a struct declared in the loop, the
 * caller's @index and @entry written through pointers (@index is an
 * unsigned long, as the kernel wants it).
 */
#define xa_for_each_range(xa, index, entry, start, last)		\
	for (struct {							\
		unsigned long *at;					\
		__typeof__(entry) *found;				\
		struct xarray *array;					\
		unsigned long first, limit;				\
		bool started;						\
	     } __it = { &(index), &(entry), (xa), (start), (last), false }; \
	     (*__it.found = __it.started ?				\
		xa_find_after(__it.array, __it.at, __it.limit, XA_PRESENT) : \
		(__it.started = true, *__it.at = __it.first,		\
		 xa_find(__it.array, __it.at, __it.limit, XA_PRESENT))) != NULL;)
#define xa_for_each_start(xa, index, entry, start)			\
	xa_for_each_range(xa, index, entry, start, ULONG_MAX)
#define xa_for_each(xa, index, entry)					\
	xa_for_each_start(xa, index, entry, 0)

/* ---- the IDR ---- */

struct idr {
	struct xarray idr_rt;
	unsigned int idr_next;
};

#define DEFINE_IDR(name)						\
	struct idr name = {						\
		.idr_rt = {						\
			.xa_lock = {					\
				.m = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP \
			},						\
			.xa_flags = XA_FLAGS_ALLOC,			\
		},							\
	}

void idr_init(struct idr *idr);
int idr_alloc(struct idr *idr, void *ptr, int start, int end, gfp_t gfp);
int idr_alloc_cyclic(struct idr *idr, void *ptr, int start, int end,
		     gfp_t gfp);
void *idr_find(struct idr *idr, unsigned long id);
void *idr_remove(struct idr *idr, unsigned long id);
void *idr_replace(struct idr *idr, void *ptr, unsigned long id);
void *idr_get_next(struct idr *idr, int *nextid);
void idr_destroy(struct idr *idr);

static inline bool idr_is_empty(struct idr *idr)
{
	return xa_empty(&idr->idr_rt);
}

/* As xa_for_each(): @id (an int) and @entry written each step. */
#define idr_for_each_entry(table, entry, id)				\
	for (struct {							\
		int *at;						\
		__typeof__(entry) *found;				\
		struct idr *tree;					\
		bool started;						\
	     } __it = { &(id), &(entry), (table), false };		\
	     (__it.started ? ++*__it.at : (*__it.at = 0)),		\
	     __it.started = true,					\
	     (*__it.found = idr_get_next(__it.tree, __it.at)) != NULL;)

#endif /* _USPACE_XARRAY_H */
