// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_live and rmmod.  While the module holds itself (route.c: a
 * routing route, or routed areas live), an unload is refused, and rmmod
 * can only say "in use": kmod's rmmod reads /sys/module/NAME/refcnt and
 * stops there, without a system call that names the module.  So two
 * kprobes watch for our name:
 *   - show_refcnt(), the refcnt file, read by a task named rmmod or
 *     modprobe (lsmod and others stay quiet);
 *   - the delete_module() system call (busybox rmmod, and "rmmod -f").
 * The kernel log then says how many routed areas are live, how many
 * bytes, which call sites hold them and what to do.  "rmmod -f" skips the
 * refusal and the unload goes ahead: every routed area still live then
 * reaches stock's free_percpu() when it is freed, which crashes the
 * kernel; the probe says so, loudly, before it happens.
 *
 * The probes are registered with the hooks (the first route write), not
 * at load: loading alone changes nothing.  Handlers must not sleep: they
 * only look at the name (copy_from_user_nofault() for the system call's)
 * and queue the report.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fcntl.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "live.h"

/* Sites a refused rmmod names at most. */
#define LIVE_RMMOD_SITES	8

static void live_rmmod_report(struct work_struct *work);
static DECLARE_WORK(live_rmmod_work, live_rmmod_report);

static void live_rmmod_report(struct work_struct *work)
{
	struct pcpu_alt_site_usage *u;
	char route[LIVE_ROUTE_TEXT_MAX];
	int i, n;

	/* Not held: the unload goes ahead, nothing to say. */
	if (!live_route_pinned())
		return;
	live_route_text(route, sizeof(route));
	pr_warn("rmmod %s refused: route '%s', %lld routed area(s) live\n",
		KBUILD_MODNAME, route, live_stat_live_areas());
	if (strcmp(route, "off"))
		pr_warn("  write 'off' to /sys/kernel/debug/pcpu_alt/route first\n");
	u = kcalloc(LIVE_RMMOD_SITES, sizeof(*u), GFP_KERNEL);
	n = u ? pcpu_alt_site_usage(u, LIVE_RMMOD_SITES) : 0;
	for (i = 0; i < n; i++)
		if (!live_site_is_own(u[i].site))
			pr_warn("  %llu area(s), %llu bytes per CPU, held from %s\n",
				u[i].count, u[i].bytes, u[i].site);
	kfree(u);
	pr_warn("  the unload goes through once they are freed (end what holds them); rmmod -f would crash the kernel\n");
}

/* rmmod (kmod) reads our refcnt file before anything else. */
static int live_refcnt_read(struct kprobe *p, struct pt_regs *regs)
{
	/* show_refcnt(mattr, mk, buffer) */
	const struct module_kobject *mk = (const void *)regs->si;

	if (mk->mod == THIS_MODULE && (!strcmp(current->comm, "rmmod") ||
				       !strcmp(current->comm, "modprobe")))
		schedule_work(&live_rmmod_work);
	return 0;
}

/* At delete_module(name, flags): is it us? */
static int live_delete_module(struct kprobe *p, struct pt_regs *regs)
{
	/* __x64_sys_delete_module(regs): the user's registers. */
	const struct pt_regs *user = (const struct pt_regs *)regs->di;
	char name[sizeof(KBUILD_MODNAME)];

	if (copy_from_user_nofault(name, (const char __user *)user->di,
				   sizeof(name)) ||
	    memcmp(name, KBUILD_MODNAME, sizeof(name)))
		return 0;
	if ((user->si & O_TRUNC) && live_route_pinned())
		pr_crit("rmmod -f %s: %lld routed area(s) are live: freeing any of them will crash the kernel\n",
			KBUILD_MODNAME, live_stat_live_areas());
	else
		schedule_work(&live_rmmod_work);
	return 0;
}

/* The probes, and whether each is registered (live_route_mutex, control.c). */
static struct live_rmmod_probe {
	struct kprobe kp;
	bool on;
} live_rmmod_probes[] = {
	{ .kp = { .symbol_name = "show_refcnt",
		  .pre_handler = live_refcnt_read } },
	{ .kp = { .symbol_name = "__x64_sys_delete_module",
		  .pre_handler = live_delete_module } },
};

/**
 * live_rmmod_watch() - start watching rmmod
 *
 * Best effort: without a probe a refused rmmod says only "in use".
 *
 * CONTEXT: process context, may sleep; live_route_mutex held (control.c).
 * RETURNS: 0, or the first error of register_kprobe().
 */
int live_rmmod_watch(void)
{
	int i, err, ret = 0;

	for (i = 0; i < ARRAY_SIZE(live_rmmod_probes); i++) {
		struct live_rmmod_probe *p = &live_rmmod_probes[i];

		if (p->on)
			continue;
		err = register_kprobe(&p->kp);
		if (err) {
			pr_warn("cannot watch %s (register_kprobe: %d): a refused rmmod may not say who holds the routed areas\n",
				p->kp.symbol_name, err);
			ret = ret ?: err;
			/* register_kprobe() may have filled in the address. */
			p->kp.addr = NULL;
			p->kp.flags = 0;
			continue;
		}
		p->on = true;
	}
	return ret;
}

/**
 * live_rmmod_unwatch() - stop, and let a queued report finish
 *
 * CONTEXT: module exit.
 */
void live_rmmod_unwatch(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(live_rmmod_probes); i++) {
		if (live_rmmod_probes[i].on)
			unregister_kprobe(&live_rmmod_probes[i].kp);
		live_rmmod_probes[i].on = false;
	}
	cancel_work_sync(&live_rmmod_work);
}
