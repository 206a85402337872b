// SPDX-License-Identifier: GPL-2.0
/*
 * Stub layer: the XArray and the IDR (uspace/xarray.h says what differs
 * from the kernel's).
 *
 * The tree: xa_head is the root node; a node with shift s covers
 * 64 << s indexes, slot i holding index bits [s, s + 6) = i.  The tree
 * grows upwards (a new root whose slot 0 is the old root) when an index
 * lies beyond what the root covers, and never shrinks.  Readers walk it
 * with acquire loads and no lock; writers hold xa_lock.
 */
#include <uspace/kernel.h>

static void *load_slot(void **slot)
{
	return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

static void store_slot(void **slot, void *entry)
{
	__atomic_store_n(slot, entry, __ATOMIC_RELEASE);
}

/* Does a tree whose root has @shift cover @index? */
static bool covers(unsigned int shift, unsigned long index)
{
	return shift + XA_CHUNK_SHIFT >= BITS_PER_LONG ||
	       !(index >> (shift + XA_CHUNK_SHIFT));
}

static unsigned int slot_of(const struct xa_node *node, unsigned long index)
{
	return (index >> node->shift) & (XA_CHUNK_SIZE - 1);
}

void xa_init_flags(struct xarray *xa, unsigned int flags)
{
	memset(xa, 0, sizeof(*xa));
	spin_lock_init(&xa->xa_lock);
	xa->xa_flags = flags;
}

void *xa_load(struct xarray *xa, unsigned long index)
{
	struct xa_node *node = load_slot((void **)&xa->xa_head);

	if (!node || !covers(node->shift, index))
		return NULL;
	for (;;) {
		void *entry = load_slot(&node->slots[slot_of(node, index)]);

		if (!node->shift || !entry)
			return entry;
		node = entry;
	}
}

/* A zeroed node, listed for xa_destroy(); xa_lock held. */
static struct xa_node *node_alloc(struct xarray *xa, unsigned int shift,
				  gfp_t gfp)
{
	struct xa_node *node = kzalloc(sizeof(*node), gfp);

	if (!node)
		return NULL;
	node->shift = shift;
	node->all_next = xa->nodes;
	xa->nodes = node;
	return node;
}

/*
 * The slot that holds @index, making the nodes on the way when @create;
 * NULL when one is missing (or, with @create, cannot be made).
 */
static void **find_slot(struct xarray *xa, unsigned long index, bool create,
			gfp_t gfp)
{
	struct xa_node *node = xa->xa_head, *child;

	if (!node) {
		if (!create)
			return NULL;
		node = node_alloc(xa, 0, gfp);
		if (!node)
			return NULL;
		store_slot((void **)&xa->xa_head, node);
	}
	while (!covers(node->shift, index)) {
		if (!create)
			return NULL;
		/* A taller tree: the new root holds the old one in slot 0. */
		child = node;
		node = node_alloc(xa, child->shift + XA_CHUNK_SHIFT, gfp);
		if (!node)
			return NULL;
		node->slots[0] = child;
		store_slot((void **)&xa->xa_head, node);
	}
	while (node->shift) {
		void **slot = &node->slots[slot_of(node, index)];

		child = *slot;
		if (!child) {
			if (!create)
				return NULL;
			child = node_alloc(xa, node->shift - XA_CHUNK_SHIFT,
					   gfp);
			if (!child)
				return NULL;
			store_slot(slot, child);
		}
		node = child;
	}
	return &node->slots[slot_of(node, index)];
}

void *__xa_store(struct xarray *xa, unsigned long index, void *entry,
		 gfp_t gfp)
{
	void **slot = find_slot(xa, index, !!entry, gfp);
	void *old;

	if (!slot)
		return entry ? XA_ERROR(-ENOMEM) : NULL;
	old = *slot;
	store_slot(slot, entry);
	return old;
}

void *xa_store(struct xarray *xa, unsigned long index, void *entry,
	       gfp_t gfp)
{
	void *old;

	xa_lock(xa);
	old = __xa_store(xa, index, entry, gfp);
	xa_unlock(xa);
	return old;
}

void *__xa_erase(struct xarray *xa, unsigned long index)
{
	return __xa_store(xa, index, NULL, 0);
}

void *xa_erase(struct xarray *xa, unsigned long index)
{
	return xa_store(xa, index, NULL, 0);
}

int xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	void **slot;
	int err = 0;

	xa_lock(xa);
	slot = find_slot(xa, index, true, gfp);
	if (!slot)
		err = -ENOMEM;
	else if (*slot)
		err = -EBUSY;
	else
		store_slot(slot, entry);
	xa_unlock(xa);
	return err;
}

void *xa_cmpxchg(struct xarray *xa, unsigned long index, void *old,
		 void *entry, gfp_t gfp)
{
	void **slot, *cur;

	xa_lock(xa);
	slot = find_slot(xa, index, !!entry, gfp);
	cur = slot ? *slot : NULL;
	if (!slot && entry)
		cur = XA_ERROR(-ENOMEM);
	else if (slot && cur == old)
		store_slot(slot, entry);
	xa_unlock(xa);
	return cur;
}

/*
 * The first present entry at or after *@index and at most @max, in
 * @node's subtree (which starts at index @base); *@index is set to where
 * it is.  NULL if there is none.
 */
static void *find_in(struct xa_node *node, unsigned long base,
		     unsigned long *index, unsigned long max)
{
	unsigned long span = 1UL << node->shift, i, first, at;
	void *entry;

	first = *index > base ? (*index - base) >> node->shift : 0;
	for (i = first; i < XA_CHUNK_SIZE; i++) {
		at = base + i * span;
		/* Past @max, or past the top of the index space. */
		if (at > max || (i && at < base))
			return NULL;
		entry = load_slot(&node->slots[i]);
		if (!entry)
			continue;
		if (!node->shift) {
			*index = at;
			return entry;
		}
		entry = find_in(entry, at, index, max);
		if (entry)
			return entry;
	}
	return NULL;
}

void *xa_find(struct xarray *xa, unsigned long *index, unsigned long max,
	      xa_mark_t filter)
{
	struct xa_node *root = load_slot((void **)&xa->xa_head);
	unsigned long from = *index;
	void *entry;

	if (!root || from > max)
		return NULL;
	entry = find_in(root, 0, &from, max);
	if (entry)
		*index = from;
	return entry;
}

void *xa_find_after(struct xarray *xa, unsigned long *index,
		    unsigned long max, xa_mark_t filter)
{
	unsigned long from = *index + 1;
	void *entry;

	if (!from)	/* *index was ULONG_MAX: nothing after it */
		return NULL;
	entry = xa_find(xa, &from, max, filter);
	if (entry)
		*index = from;
	return entry;
}

/* The first index in [min, max] with no entry, or max + 1; xa_lock held. */
static unsigned long first_gap(struct xarray *xa, unsigned long min,
			       unsigned long max)
{
	unsigned long at = min;

	while (at <= max && xa_load(xa, at)) {
		if (at == ULONG_MAX)
			break;
		at++;
	}
	return at;
}

int xa_alloc(struct xarray *xa, u32 *id, void *entry, struct xa_limit limit,
	     gfp_t gfp)
{
	unsigned long min = limit.min, at;
	void **slot;
	int err = 0;

	/* XA_FLAGS_ALLOC1: index 0 is never handed out. */
	if ((xa->xa_flags & XA_FLAGS_ALLOC1) == XA_FLAGS_ALLOC1 && !min)
		min = 1;
	xa_lock(xa);
	at = first_gap(xa, min, limit.max);
	if (at > limit.max) {
		err = -EBUSY;
	} else {
		slot = find_slot(xa, at, true, gfp);
		if (!slot) {
			err = -ENOMEM;
		} else {
			store_slot(slot, entry);
			*id = at;
		}
	}
	xa_unlock(xa);
	return err;
}

/* Returns 1 when the ids wrapped around, as the kernel's does. */
int xa_alloc_cyclic(struct xarray *xa, u32 *id, void *entry,
		    struct xa_limit limit, u32 *next, gfp_t gfp)
{
	struct xa_limit from_next = XA_LIMIT(max(*next, limit.min), limit.max);
	int err = xa_alloc(xa, id, entry, from_next, gfp), wrapped = 0;

	if (err == -EBUSY && from_next.min > limit.min) {
		err = xa_alloc(xa, id, entry, limit, gfp);
		wrapped = 1;
	}
	if (err)
		return err;
	*next = *id + 1;
	return wrapped;
}

void xa_destroy(struct xarray *xa)
{
	struct xa_node *node, *next;

	xa_lock(xa);
	for (node = xa->nodes; node; node = next) {
		next = node->all_next;
		kfree(node);
	}
	xa->nodes = NULL;
	store_slot((void **)&xa->xa_head, NULL);
	xa_unlock(xa);
}

/* ---- the IDR ---- */

void idr_init(struct idr *idr)
{
	xa_init_flags(&idr->idr_rt, XA_FLAGS_ALLOC);
	idr->idr_next = 0;
}

/* @end <= 0 means no upper limit, as in the kernel. */
static struct xa_limit idr_limit(int start, int end)
{
	return XA_LIMIT(start, end > 0 ? end - 1 : INT_MAX);
}

int idr_alloc(struct idr *idr, void *ptr, int start, int end, gfp_t gfp)
{
	u32 id;
	int err;

	if (start < 0)
		return -EINVAL;
	err = xa_alloc(&idr->idr_rt, &id, ptr, idr_limit(start, end), gfp);
	if (err)
		return err == -EBUSY ? -ENOSPC : err;
	return id;
}

int idr_alloc_cyclic(struct idr *idr, void *ptr, int start, int end,
		     gfp_t gfp)
{
	u32 id;
	int err;

	if (start < 0)
		return -EINVAL;
	err = xa_alloc_cyclic(&idr->idr_rt, &id, ptr, idr_limit(start, end),
			      &idr->idr_next, gfp);
	if (err < 0)
		return err == -EBUSY ? -ENOSPC : err;
	return id;
}

void *idr_find(struct idr *idr, unsigned long id)
{
	return xa_load(&idr->idr_rt, id);
}

void *idr_remove(struct idr *idr, unsigned long id)
{
	return xa_erase(&idr->idr_rt, id);
}

void *idr_replace(struct idr *idr, void *ptr, unsigned long id)
{
	void *old;

	xa_lock(&idr->idr_rt);
	old = xa_load(&idr->idr_rt, id);
	if (!old)
		old = ERR_PTR(-ENOENT);
	else
		__xa_store(&idr->idr_rt, id, ptr, 0);
	xa_unlock(&idr->idr_rt);
	return old;
}

void *idr_get_next_ul(struct idr *idr, unsigned long *nextid)
{
	return xa_find(&idr->idr_rt, nextid, ULONG_MAX, XA_PRESENT);
}

void *idr_get_next(struct idr *idr, int *nextid)
{
	unsigned long id = *nextid;
	void *entry = xa_find(&idr->idr_rt, &id, INT_MAX, XA_PRESENT);

	if (entry)
		*nextid = id;
	return entry;
}

void idr_destroy(struct idr *idr)
{
	xa_destroy(&idr->idr_rt);
}
