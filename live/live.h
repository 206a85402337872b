/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcpu_alt_live: the kernel's own dynamic per-CPU allocations served by
 * pcpu_alt.  What the files of the module share; not an API.
 *
 * From the top down; each file calls only files below it:
 *
 *   main.c     load, unload, the debugfs file
 *   control.c  setting a route: check, hooks on the first, install
 *   view.c     what reading the route file gives
 *   hooks.c    the ftrace hooks on the kernel's entry points and the
 *              functions they lead to (the hot path)
 *   rmmod.c    what a refused rmmod says, and who holds the areas
 *   route.c    the route: its grammar, the decision per call, the pin
 *   stats.c    per-CPU counters and latency histograms
 *
 * docs/design.md ("Live mode") has the model, the route state machine
 * and the locking; docs/debugfs-abi.md the route file and parameters.
 */
#ifndef _PCPU_ALT_LIVE_H
#define _PCPU_ALT_LIVE_H

#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/srcu.h>
#include <linux/types.h>

#include "pcpu_alt.h"

/* What a route sends to pcpu_alt. */
enum live_mode {
	LIVE_OFF,	/* nothing: every call is timed and passed to stock */
	LIVE_ALL,	/* every request that can be */
	LIVE_MODULE,	/* requests from one module's code */
	LIVE_SITE,	/* requests from one function or one call site */
};

/* Longest route text accepted, NUL included. */
#define LIVE_ROUTE_TEXT_MAX	256

/**
 * struct live_route - one route, never changed once published
 * @mode: what it sends to pcpu_alt
 * @account: __GFP_ACCOUNT requests go too (uncharged)
 * @gen: a number no other route had: per-CPU verdicts name their route
 * @module: LIVE_MODULE: the module's name
 * @site_start: LIVE_SITE: first caller address routed
 * @site_end: LIVE_SITE: one past the last
 * @text: the route as written, normalised, for the route file
 *
 * Published under live_srcu (route.c); freed after synchronize_srcu().
 */
struct live_route {
	enum live_mode mode;
	bool account;
	unsigned int gen;
	char module[MODULE_NAME_LEN];
	unsigned long site_start;
	unsigned long site_end;
	char text[LIVE_ROUTE_TEXT_MAX];
};

/* Why a call went where it went; indexes the counters of stats.c. */
enum live_verdict {
	LIVE_ROUTED,		/* sent to pcpu_alt */
	LIVE_PASS_OFF,		/* route off */
	LIVE_PASS_RESERVED,	/* a reserved request (module static data) */
	LIVE_PASS_ACCOUNT,	/* __GFP_ACCOUNT, route without "account" */
	LIVE_PASS_RECLAIM,	/* from reclaim (PF_MEMALLOC) */
	LIVE_PASS_BUSY,		/* the task holds pcpu_alt_mutex */
	LIVE_PASS_REQUEST,	/* a size or alignment stock must judge */
	LIVE_PASS_UNSELECTED,	/* the caller is not the route's */
	LIVE_PASS_OWN,		/* from pcpu_alt's own modules */
	LIVE_PASS_RECURSION,	/* the ftrace recursion guard said no */
	LIVE_NR_VERDICTS
};

/* What the latency histograms time. */
enum live_kind {
	LIVE_ALLOC_ROUTED,
	LIVE_ALLOC_PASSED,
	LIVE_FREE_ROUTED,
	LIVE_FREE_PASSED,
	LIVE_NR_KINDS
};

/* Readers of the route and everyone running in hooks.c's functions. */
extern struct srcu_struct live_srcu;

struct seq_file;

/* control.c */
int live_control_set_route(const char *text);

/* view.c */
int live_view_show(struct seq_file *m, void *v);

/* hooks.c */
int live_hooks_register(void);
void live_hooks_unregister(void);
bool live_hooks_registered(void);
void live_hooks_names(char *buf, size_t size);

/* rmmod.c */
int live_rmmod_watch(void);
void live_rmmod_unwatch(void);

/* route.c */
struct live_route *live_route_parse(const char *text);
void live_route_install(struct live_route *r);
const struct live_route *live_route_get(void);
enum live_verdict live_decide(const struct live_route *r, size_t size,
			      size_t align, bool reserved, gfp_t gfp,
			      unsigned long caller);
void live_route_unpin_area(const struct live_route *r);
bool live_route_pinned(void);
bool live_site_is_own(const char *site);
void live_route_text(char *buf, size_t size);
int live_route_init(void);
void live_route_exit(void);

/* stats.c */
int live_stats_init(void);
void live_stats_exit(void);
void live_stat_verdict(enum live_verdict v);
void live_stat_recursion(void);
void live_stat_time(enum live_kind kind, u64 ns);
void live_stat_routed_alloc(size_t size, bool uncharged);
void live_stat_routed_free(void);
void live_stat_fallback(void);
void live_stat_refused_free(void);
s64 live_stat_live_areas(void);
void live_stats_show_totals(struct seq_file *m);
void live_stats_show_breakdown(struct seq_file *m);

#endif /* _PCPU_ALT_LIVE_H */
