/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <trace/events/percpu.h>: the stock allocator's
 * trace points, which record nothing here.  Their arguments differ
 * between kernel versions, hence the variadic forms.
 */
#ifndef _USPACE_TRACE_EVENTS_PERCPU_H
#define _USPACE_TRACE_EVENTS_PERCPU_H

#define trace_percpu_alloc_percpu(...)		do { } while (0)
#define trace_percpu_free_percpu(...)		do { } while (0)
#define trace_percpu_alloc_percpu_fail(...)	do { } while (0)
#define trace_percpu_create_chunk(...)		do { } while (0)
#define trace_percpu_destroy_chunk(...)		do { } while (0)

#endif
