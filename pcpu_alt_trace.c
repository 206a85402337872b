// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt trace events: the one place that instantiates them.  The events
 * are described in pcpu_alt_trace.h.
 */
#include "pcpu_alt.h"

#define CREATE_TRACE_POINTS
#include "pcpu_alt_trace.h"
