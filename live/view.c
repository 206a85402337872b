// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_live view: what reading the route file gives, key=value lines
 * (docs/debugfs-abi.md).  The route, the hooks and the pin come first;
 * then the counters (stats.c), with, in their place among them, the bytes
 * the routed areas hold, which pcpu_alt itself counts.
 */
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "live.h"

/*
 * Bytes per CPU the routed areas take, as allocated: what pcpu_alt's
 * callers view gives every site but those of pcpu_alt's own modules.
 * Counted when read, so that no call pays for it.  -ENOMEM: unknown.
 */
static s64 live_routed_bytes(void)
{
	struct pcpu_alt_site_usage *u;
	s64 bytes = 0;
	int i, n;

	u = kvcalloc(PCPU_ALT_SITES, sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	n = pcpu_alt_site_usage(u, PCPU_ALT_SITES);
	for (i = 0; i < n; i++)
		if (!live_site_is_own(u[i].site))
			bytes += u[i].bytes;
	kvfree(u);
	return n < 0 ? n : bytes;
}

/**
 * live_view_show() - the route file
 * @m: where to
 * @v: unused
 *
 * CONTEXT: process context.
 * RETURNS: 0.
 */
int live_view_show(struct seq_file *m, void *v)
{
	char text[LIVE_ROUTE_TEXT_MAX];

	live_route_text(text, sizeof(text));
	seq_printf(m, "route=%s\n", text);
	live_hooks_names(text, sizeof(text));
	seq_printf(m, "hooks=%s\n", text);
	seq_printf(m, "pinned=%d\n", live_route_pinned());
	live_stats_show_totals(m);
	seq_printf(m, "routed_live_bytes=%lld\n", live_routed_bytes());
	live_stats_show_breakdown(m);
	return 0;
}
