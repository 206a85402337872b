/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt_live trace events, system "pcpu_alt_live".
 *
 * tracefs: /sys/kernel/tracing/events/pcpu_alt_live/<event>/; bpftrace:
 * tracepoint:pcpu_alt_live:<event>.
 *
 *   pcpu_alt_live_alloc  where one allocation went, why, and how long it
 *                        took (our function, decision included)
 *   pcpu_alt_live_free   the same for a free
 *   pcpu_alt_live_route  a route was set
 *
 * Field names and meanings only ever grow.  CREATE_TRACE_POINTS is
 * defined in trace.c only.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pcpu_alt_live

#if !defined(_PCPU_ALT_LIVE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PCPU_ALT_LIVE_TRACE_H

#include <linux/tracepoint.h>

#include "live.h"

TRACE_DEFINE_ENUM(LIVE_ROUTED);
TRACE_DEFINE_ENUM(LIVE_PASS_OFF);
TRACE_DEFINE_ENUM(LIVE_PASS_RESERVED);
TRACE_DEFINE_ENUM(LIVE_PASS_ACCOUNT);
TRACE_DEFINE_ENUM(LIVE_PASS_RECLAIM);
TRACE_DEFINE_ENUM(LIVE_PASS_BUSY);
TRACE_DEFINE_ENUM(LIVE_PASS_REQUEST);
TRACE_DEFINE_ENUM(LIVE_PASS_UNSELECTED);
TRACE_DEFINE_ENUM(LIVE_PASS_OWN);

#define show_live_verdict(v)						\
	__print_symbolic(v,						\
			 { LIVE_ROUTED, "routed" },			\
			 { LIVE_PASS_OFF, "off" },			\
			 { LIVE_PASS_RESERVED, "reserved" },		\
			 { LIVE_PASS_ACCOUNT, "account" },		\
			 { LIVE_PASS_RECLAIM, "reclaim" },		\
			 { LIVE_PASS_BUSY, "busy" },			\
			 { LIVE_PASS_REQUEST, "request" },		\
			 { LIVE_PASS_UNSELECTED, "unselected" },	\
			 { LIVE_PASS_OWN, "own" })

TRACE_EVENT(pcpu_alt_live_alloc,
	    TP_PROTO(unsigned long call_site, size_t size, size_t align,
		     gfp_t gfp, int verdict, const void __percpu *ptr, u64 ns),
	    TP_ARGS(call_site, size, align, gfp, verdict, ptr, ns),
	    TP_STRUCT__entry(__field(unsigned long, call_site)
			     __field(size_t, size)
			     __field(size_t, align)
			     __field(unsigned long, gfp_flags)
			     __field(int, verdict)
			     __field(bool, pcpu_alt)
			     __field(bool, failed)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->call_site = call_site;
			   __entry->size = size;
			   __entry->align = align;
			   __entry->gfp_flags = (__force unsigned long)gfp;
			   __entry->verdict = verdict;
			   __entry->pcpu_alt = ptr && pcpu_alt_owns(ptr);
			   __entry->failed = !ptr;
			   __entry->ns = ns;),
	    TP_printk("call_site=%pS size=%zu align=%zu gfp_flags=%#lx verdict=%s pcpu_alt=%d failed=%d ns=%llu",
		      (void *)__entry->call_site, __entry->size,
		      __entry->align, __entry->gfp_flags,
		      show_live_verdict(__entry->verdict), __entry->pcpu_alt,
		      __entry->failed, __entry->ns)
);

TRACE_EVENT(pcpu_alt_live_free,
	    TP_PROTO(unsigned long call_site, const void __percpu *ptr,
		     bool pcpu_alt, u64 ns),
	    TP_ARGS(call_site, ptr, pcpu_alt, ns),
	    TP_STRUCT__entry(__field(unsigned long, call_site)
			     __field(bool, null)
			     __field(bool, pcpu_alt)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->call_site = call_site;
			   __entry->null = !ptr;
			   __entry->pcpu_alt = pcpu_alt;
			   __entry->ns = ns;),
	    TP_printk("call_site=%pS null=%d pcpu_alt=%d ns=%llu",
		      (void *)__entry->call_site, __entry->null,
		      __entry->pcpu_alt, __entry->ns)
);

/* The route's text, cut to a fixed field (the log has it whole). */
#define LIVE_TRACE_ROUTE_LEN	64

TRACE_EVENT(pcpu_alt_live_route,
	    TP_PROTO(const char *route),
	    TP_ARGS(route),
	    TP_STRUCT__entry(__array(char, route, LIVE_TRACE_ROUTE_LEN)),
	    TP_fast_assign(strscpy(__entry->route, route,
				   LIVE_TRACE_ROUTE_LEN);),
	    TP_printk("route=%s", __entry->route)
);

#endif /* _PCPU_ALT_LIVE_TRACE_H */

/* Out-of-tree: define_trace.h finds this file through -I$(src) (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
