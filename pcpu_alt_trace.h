/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt trace events, system "pcpu_alt".
 *
 * tracefs: /sys/kernel/tracing/events/pcpu_alt/<event>/; bpftrace:
 * tracepoint:pcpu_alt:<event>.  Chunks are named by id and places by byte
 * offset inside a unit, as in debugfs; "pages" are page indexes of a unit
 * (each stands for one page on every possible CPU).
 *
 *   pcpu_alt_alloc          a successful allocation
 *   pcpu_alt_free           a successful free
 *   pcpu_alt_alloc_fail     a failed allocation and why
 *   pcpu_alt_chunk_create   a chunk was made (pages populated with it)
 *   pcpu_alt_chunk_destroy  a chunk was freed (pages released with it)
 *   pcpu_alt_populate       one page index was backed
 *   pcpu_alt_depopulate     empty page indexes of a chunk were given back
 *   pcpu_alt_balance        one background run and what it changed
 *
 * Field names and meanings only ever grow; scripts/ relies on them.
 * CREATE_TRACE_POINTS is defined in pcpu_alt_trace.c only.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pcpu_alt

#if !defined(_PCPU_ALT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PCPU_ALT_TRACE_H

#include <linux/tracepoint.h>

#include "pcpu_alt.h"

TRACE_DEFINE_ENUM(PCPU_ALT_FAIL_BAD_SIZE);
TRACE_DEFINE_ENUM(PCPU_ALT_FAIL_BAD_ALIGN);
TRACE_DEFINE_ENUM(PCPU_ALT_FAIL_NO_POPULATED);
TRACE_DEFINE_ENUM(PCPU_ALT_FAIL_CHUNK);
TRACE_DEFINE_ENUM(PCPU_ALT_FAIL_POPULATE);
TRACE_DEFINE_ENUM(PCPU_ALT_FAIL_KILLED);
TRACE_DEFINE_ENUM(PCPU_ALT_FAIL_BUSY);

TRACE_EVENT(pcpu_alt_alloc,
	    TP_PROTO(unsigned long call_site, size_t size, size_t align,
		     bool atomic, int chunk_id, unsigned long offset,
		     size_t bytes),
	    TP_ARGS(call_site, size, align, atomic, chunk_id, offset, bytes),
	    TP_STRUCT__entry(__field(unsigned long, call_site)
			     __field(size_t, size)
			     __field(size_t, align)
			     __field(bool, atomic)
			     __field(int, chunk_id)
			     __field(unsigned long, offset)
			     __field(size_t, bytes)),
	    TP_fast_assign(__entry->call_site = call_site;
			   __entry->size = size;
			   __entry->align = align;
			   __entry->atomic = atomic;
			   __entry->chunk_id = chunk_id;
			   __entry->offset = offset;
			   __entry->bytes = bytes;),
	    TP_printk("call_site=%pS size=%zu align=%zu atomic=%d chunk=%d offset=%lu bytes=%zu",
		      (void *)__entry->call_site, __entry->size,
		      __entry->align, __entry->atomic, __entry->chunk_id,
		      __entry->offset, __entry->bytes)
);

TRACE_EVENT(pcpu_alt_free,
	    TP_PROTO(unsigned long call_site, int chunk_id,
		     unsigned long offset, size_t bytes),
	    TP_ARGS(call_site, chunk_id, offset, bytes),
	    TP_STRUCT__entry(__field(unsigned long, call_site)
			     __field(int, chunk_id)
			     __field(unsigned long, offset)
			     __field(size_t, bytes)),
	    TP_fast_assign(__entry->call_site = call_site;
			   __entry->chunk_id = chunk_id;
			   __entry->offset = offset;
			   __entry->bytes = bytes;),
	    TP_printk("call_site=%pS chunk=%d offset=%lu bytes=%zu",
		      (void *)__entry->call_site, __entry->chunk_id,
		      __entry->offset, __entry->bytes)
);

/* reason: enum pcpu_alt_fail_reason, printed by name. */
TRACE_EVENT(pcpu_alt_alloc_fail,
	    TP_PROTO(unsigned long call_site, size_t size, size_t align,
		     bool atomic, int reason),
	    TP_ARGS(call_site, size, align, atomic, reason),
	    TP_STRUCT__entry(__field(unsigned long, call_site)
			     __field(size_t, size)
			     __field(size_t, align)
			     __field(bool, atomic)
			     __field(int, reason)),
	    TP_fast_assign(__entry->call_site = call_site;
			   __entry->size = size;
			   __entry->align = align;
			   __entry->atomic = atomic;
			   __entry->reason = reason;),
	    TP_printk("call_site=%pS size=%zu align=%zu atomic=%d reason=%s",
		      (void *)__entry->call_site, __entry->size,
		      __entry->align, __entry->atomic,
		      __print_symbolic(__entry->reason,
				       { PCPU_ALT_FAIL_BAD_SIZE, "bad_size" },
				       { PCPU_ALT_FAIL_BAD_ALIGN, "bad_align" },
				       { PCPU_ALT_FAIL_NO_POPULATED, "no_populated" },
				       { PCPU_ALT_FAIL_CHUNK, "chunk" },
				       { PCPU_ALT_FAIL_POPULATE, "populate" },
				       { PCPU_ALT_FAIL_KILLED, "killed" },
				       { PCPU_ALT_FAIL_BUSY, "busy" }))
);

DECLARE_EVENT_CLASS(pcpu_alt_chunk_pages,
		    TP_PROTO(int chunk_id, int pages),
		    TP_ARGS(chunk_id, pages),
		    TP_STRUCT__entry(__field(int, chunk_id)
				     __field(int, pages)),
		    TP_fast_assign(__entry->chunk_id = chunk_id;
				   __entry->pages = pages;),
		    TP_printk("chunk=%d pages=%d", __entry->chunk_id,
			      __entry->pages)
);

DEFINE_EVENT(pcpu_alt_chunk_pages, pcpu_alt_chunk_create,
	     TP_PROTO(int chunk_id, int pages),
	     TP_ARGS(chunk_id, pages)
);

DEFINE_EVENT(pcpu_alt_chunk_pages, pcpu_alt_chunk_destroy,
	     TP_PROTO(int chunk_id, int pages),
	     TP_ARGS(chunk_id, pages)
);

DEFINE_EVENT(pcpu_alt_chunk_pages, pcpu_alt_populate,
	     TP_PROTO(int chunk_id, int pages),
	     TP_ARGS(chunk_id, pages)
);

DEFINE_EVENT(pcpu_alt_chunk_pages, pcpu_alt_depopulate,
	     TP_PROTO(int chunk_id, int pages),
	     TP_ARGS(chunk_id, pages)
);

/*
 * What one background run changed: the differences between snapshots taken
 * before and after it, and the chunks and empty populated pages it left.
 */
TRACE_EVENT(pcpu_alt_balance,
	    TP_PROTO(const struct pcpu_alt_stats *before,
		     const struct pcpu_alt_stats *after),
	    TP_ARGS(before, after),
	    TP_STRUCT__entry(__field(unsigned int, chunks_created)
			     __field(unsigned int, chunks_destroyed)
			     __field(unsigned int, pages_populated)
			     __field(unsigned int, pages_depopulated)
			     __field(unsigned int, empty_pop_pages)
			     __field(unsigned int, nr_chunks)),
	    TP_fast_assign(__entry->chunks_created =
				after->nr_chunks_created -
				before->nr_chunks_created;
			   __entry->chunks_destroyed =
				after->nr_chunks_destroyed -
				before->nr_chunks_destroyed;
			   __entry->pages_populated =
				after->nr_pages_populated -
				before->nr_pages_populated;
			   __entry->pages_depopulated =
				after->nr_pages_depopulated -
				before->nr_pages_depopulated;
			   __entry->empty_pop_pages = after->nr_empty_pop_pages;
			   __entry->nr_chunks = after->nr_chunks;),
	    TP_printk("chunks_created=%u chunks_destroyed=%u pages_populated=%u pages_depopulated=%u empty_pop_pages=%u nr_chunks=%u",
		      __entry->chunks_created, __entry->chunks_destroyed,
		      __entry->pages_populated, __entry->pages_depopulated,
		      __entry->empty_pop_pages, __entry->nr_chunks)
);

#endif /* _PCPU_ALT_TRACE_H */

/* Out-of-tree: define_trace.h finds this file through -I$(src) (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE pcpu_alt_trace
#include <trace/define_trace.h>
