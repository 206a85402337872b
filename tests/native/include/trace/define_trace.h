/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <trace/define_trace.h>: trace events need no
 * second pass here (see TRACE_EVENT in uspace/module.h).
 */
