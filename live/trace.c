// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_live trace events: the one place that instantiates them.  The
 * events are described in trace.h.
 */
#include "live.h"

#define CREATE_TRACE_POINTS
#include "trace.h"
