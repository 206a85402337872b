// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_live control: setting a route, from the route file or route=
 * at load.  The text is checked first: route.c parses it, and here live
 * mode itself must be possible.  Then, under live_route_mutex, the first
 * accepted route registers the hooks (hooks.c) and starts watching rmmod
 * (rmmod.c), and route.c installs it: the route is published, the pin
 * taken or dropped.  Hooks first: when they cannot be registered, the
 * write is refused with nothing changed.
 *
 * State machine (docs/design.md draws it): no route and no hooks at load;
 * the first accepted write registers the hooks, then publishes the route;
 * later writes only publish; unload removes the hooks.  A refused write
 * (bad text, unknown symbol, private layout, PREEMPT_RT, a function held
 * by another IPMODIFY user) changes nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "live.h"

/*
 * Serialises route writes, whole: held across hook registration, the
 * rmmod probes' registration state (rmmod.c) and the route's
 * installation (route.c).  Taken before any other lock of ours.
 */
static DEFINE_MUTEX(live_route_mutex);

/* Live mode needs pointers stock's accessors understand. */
static int live_route_allowed(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
		pr_err("route refused: PREEMPT_RT kernel, which pcpu_alt does not support: -EOPNOTSUPP\n");
		return -EOPNOTSUPP;
	}
	if (!pcpu_alt_is_compat()) {
		pr_err("route refused: pcpu_alt is in the private layout, where per_cpu_ptr() does not work on its pointers; load it with layout=compat (or auto where that fits): -EOPNOTSUPP\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * live_control_set_route() - set the route
 * @text: one route (route.c has the grammar)
 *
 * The first accepted write registers the hooks.  When it returns, calls
 * that started under the old route have finished: "off" stops new
 * routing at once.  A refused write changes nothing and says why in one
 * line of the kernel log.
 *
 * CONTEXT: process context, may sleep.
 * RETURNS: 0; -EINVAL for text it does not understand; -ENOENT for a
 * symbol it cannot find; -EOPNOTSUPP (private layout, PREEMPT_RT);
 * -EBUSY when another IPMODIFY user holds a function; -ENOMEM.
 */
int live_control_set_route(const char *text)
{
	struct live_route *r;
	int err;

	r = live_route_parse(text);
	if (IS_ERR(r))
		return PTR_ERR(r);
	err = live_route_allowed();
	if (err) {
		kfree(r);
		return err;
	}

	mutex_lock(&live_route_mutex);
	if (!live_hooks_registered()) {
		err = live_hooks_register();
		if (err) {
			mutex_unlock(&live_route_mutex);
			kfree(r);
			return err;
		}
		/* Best effort: only what a refused rmmod says depends on it. */
		live_rmmod_watch();
	}
	live_route_install(r);
	mutex_unlock(&live_route_mutex);
	return 0;
}
