/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/list.h>: circular doubly linked lists with
 * a head node, the subset both allocators use.  Same behaviour as the
 * kernel's, minus the list debugging and poisoning.
 *
 * The entry macros compute a member's offset once and read each argument
 * once; the loops keep their state in a struct declared in the loop and
 * write the caller's cursor through a pointer, so that the cursor holds
 * the current entry in the body, and the head's would-be entry after a
 * loop that ran to its end, as in the kernel.
 */
#ifndef _USPACE_LINUX_LIST_H
#define _USPACE_LINUX_LIST_H

#include <uspace/atomic.h>

struct list_head {
	struct list_head *next, *prev;
};

/* An empty list: both links point at the head itself. */
#define LIST_HEAD_INIT(...)	{ &(__VA_ARGS__), &(__VA_ARGS__) }
#define LIST_HEAD(...)							\
	struct list_head __VA_ARGS__ = LIST_HEAD_INIT(__VA_ARGS__)

static inline void INIT_LIST_HEAD(struct list_head *list)
{
	list->next = list;
	list->prev = list;
}

/* Put @entry between @prev and @next, two neighbours. */
static inline void uspace_list_link(struct list_head *entry,
				    struct list_head *prev,
				    struct list_head *next)
{
	next->prev = entry;
	entry->next = next;
	entry->prev = prev;
	prev->next = entry;
}

static inline void list_add(struct list_head *entry, struct list_head *head)
{
	uspace_list_link(entry, head, head->next);
}

static inline void list_add_tail(struct list_head *entry,
				 struct list_head *head)
{
	uspace_list_link(entry, head->prev, head);
}

static inline void uspace_list_unlink(struct list_head *entry)
{
	entry->next->prev = entry->prev;
	entry->prev->next = entry->next;
}

static inline void list_del(struct list_head *entry)
{
	uspace_list_unlink(entry);
	entry->next = NULL;
	entry->prev = NULL;
}

static inline void list_del_init(struct list_head *entry)
{
	uspace_list_unlink(entry);
	INIT_LIST_HEAD(entry);
}

static inline void list_move(struct list_head *entry, struct list_head *head)
{
	uspace_list_unlink(entry);
	list_add(entry, head);
}

static inline void list_move_tail(struct list_head *entry,
				  struct list_head *head)
{
	uspace_list_unlink(entry);
	list_add_tail(entry, head);
}

static inline bool list_empty(const struct list_head *head)
{
	return READ_ONCE(head->next) == head;
}

static inline bool list_is_singular(const struct list_head *head)
{
	return !list_empty(head) && head->next == head->prev;
}

/* The entry that holds @node, whose list_head member is @off bytes in. */
static inline void *uspace_list_owner(const struct list_head *node,
				      size_t off)
{
	return (char *)node - off;
}

#define list_entry(ptr, type, member)	container_of(ptr, type, member)
#define list_first_entry(head, type, member)				\
	container_of((head)->next, type, member)
#define list_first_entry_or_null(head, type, member)			\
	({								\
		const struct list_head *__h = (head);			\
		list_empty(__h) ? NULL :				\
				  container_of(__h->next, type, member); \
	})
#define list_next_entry(pos, member)					\
	({								\
		__auto_type __pos = (pos);				\
		size_t __off = offsetof(__typeof__(*__pos), member);	\
		(__typeof__(__pos))uspace_list_owner(			\
			((struct list_head *)((char *)__pos + __off))->next, \
			__off);						\
	})

/*
 * One list walk: where the caller's cursor is (written as a plain
 * pointer: the kernel is built with -fno-strict-aliasing, so is this),
 * the head, the node the cursor is at and the one after it, and the
 * offset of the list member in an entry.
 */
struct uspace_list_iter {
	void **at, **after;
	const struct list_head *list;
	struct list_head *node, *next;
	size_t off;
};

/*
 * Step to the next node and point the cursor at its entry; false once
 * back at the head.  A _safe walk (@after set) goes to the node it read
 * before the body ran, and points *@after at its entry; the other goes to
 * the current node's next, read now.
 */
static inline bool uspace_list_next(struct uspace_list_iter *it)
{
	if (!it->node)
		it->node = it->list->next;
	else
		it->node = it->after ? it->next : it->node->next;
	it->next = it->node->next;
	*it->at = uspace_list_owner(it->node, it->off);
	if (it->after)
		*it->after = uspace_list_owner(it->next, it->off);
	return it->node != it->list;
}

#define list_for_each_entry(pos, head, member)				\
	for (struct uspace_list_iter __it = {				\
		.at = (void **)&(pos), .list = (head),			\
		.off = offsetof(__typeof__(*(__typeof__(pos))NULL),	\
				member) };				\
	     uspace_list_next(&__it);)

/* Safe against removal of the current entry: the next is read first. */
#define list_for_each_entry_safe(pos, n, head, member)			\
	for (struct uspace_list_iter __it = {				\
		.at = (void **)&(pos), .after = (void **)&(n),		\
		.list = (head),						\
		.off = offsetof(__typeof__(*(__typeof__(pos))NULL),	\
				member) };				\
	     uspace_list_next(&__it);)

#endif /* _USPACE_LINUX_LIST_H */
