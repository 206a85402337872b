// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_live: the running kernel's own dynamic per-CPU allocations
 * served by pcpu_alt, without rebuilding the kernel.  Loading it changes
 * nothing; the first route written to /sys/kernel/debug/pcpu_alt/route
 * (or route= at load) hooks the kernel's allocation entry points and
 * free_percpu(), and from then on each call is sent to pcpu_alt or passed
 * to stock, and timed.  docs/design.md ("Live mode") has the model.
 *
 * Load: the debugfs file, the module notifier.  Unload (only once nothing
 * routed is live and the route is off: route.c's pin): the file goes
 * (waiting for its readers and writers), then the rmmod probes, then the
 * hooks; then the functions they led to are waited out: live_srcu for
 * their bodies, an RCU-tasks grace period for their last instructions.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>

#include "live.h"
#include "pcpu_alt_debugfs_cmd.h"

/* pcpu_alt's directory: pcpu_alt.ko made it and outlives this module. */
#define LIVE_DEBUGFS_DIR	"pcpu_alt"

static char *route;
module_param(route, charp, 0444);
MODULE_PARM_DESC(route, "route to set at load (see the route file); default: none, nothing hooked");

struct srcu_struct live_srcu;

static struct dentry *live_route_file;

static int live_route_open(struct inode *inode, struct file *file)
{
	return single_open(file, live_view_show, NULL);
}

static ssize_t live_route_file_write(struct file *file,
				     const char __user *ubuf, size_t count,
				     loff_t *ppos)
{
	char buf[LIVE_ROUTE_TEXT_MAX];
	int err;

	err = pcpu_alt_debugfs_get_cmd(buf, sizeof(buf), ubuf, count, ppos);
	if (err)
		return err;
	err = live_control_set_route(buf);
	return err ? err : count;
}

static const struct file_operations live_route_fops = {
	.owner = THIS_MODULE,
	.open = live_route_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = live_route_file_write,
	.release = single_release,
};

static int __init pcpu_alt_live_init(void)
{
	struct dentry *dir;
	int err;

	dir = debugfs_lookup(LIVE_DEBUGFS_DIR, NULL);
	if (!dir) {
		pr_err("no debugfs directory %s: is debugfs available?\n",
		       LIVE_DEBUGFS_DIR);
		return -ENODEV;
	}
	err = init_srcu_struct(&live_srcu);
	if (err)
		goto put;
	err = live_stats_init();
	if (err)
		goto srcu;
	err = live_route_init();
	if (err)
		goto stats;
	/* A refused route registers nothing (live_control_set_route()). */
	if (route) {
		err = live_control_set_route(route);
		if (err)
			goto notifier;
	}
	live_route_file = debugfs_create_file("route", PCPU_ALT_DEBUGFS_RW,
					      dir, NULL, &live_route_fops);
	dput(dir);
	pr_info("loaded: route %s; control in /sys/kernel/debug/%s/route\n",
		route ?: "none (nothing hooked)", LIVE_DEBUGFS_DIR);
	return 0;

notifier:
	live_route_exit();
stats:
	live_stats_exit();
srcu:
	cleanup_srcu_struct(&live_srcu);
put:
	dput(dir);
	return err;
}

static void __exit pcpu_alt_live_exit(void)
{
	s64 live = live_stat_live_areas();

	if (!IS_ERR_OR_NULL(live_route_file))
		debugfs_remove(live_route_file);
	live_rmmod_unwatch();
	if (live)
		pr_crit("removed by force with %lld routed area(s) live: freeing any of them will crash the kernel\n",
			live);
	live_hooks_unregister();
	/* Calls inside our functions finish... */
	synchronize_srcu(&live_srcu);
	/* ...and so do the instructions after their srcu_read_unlock(). */
	synchronize_rcu_tasks();
	live_route_exit();
	live_stats_exit();
	cleanup_srcu_struct(&live_srcu);
	pr_info("unloaded\n");
}

module_init(pcpu_alt_live_init);
module_exit(pcpu_alt_live_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pcpu_alt live mode: the kernel's per-CPU allocations served by pcpu_alt");
