// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_live_test.ko: a stand-in for any kernel code that allocates
 * per-CPU memory, for the live mode tests (selftests/run_live.sh).  It
 * calls the kernel's own API (alloc_percpu*(), free_percpu()) and never
 * pcpu_alt's, so what it gets is whatever the route decides; it only asks
 * pcpu_alt_owns() where each area landed.  Not one of pcpu_alt's own
 * modules, so routes apply to it.
 *
 * Cases run when named in "run" (comma-separated): at load when given to
 * insmod, else when written to /sys/module/pcpu_alt_live_test/parameters/run;
 * the write fails (-EINVAL) when a case fails, and each case reports to
 * the kernel log in KTAP.  "expect" says where areas must land: routed
 * (pcpu_alt) or stock.
 *
 *   percpu_ops    areas of many sizes, zeroed on every possible CPU, work
 *                 through per_cpu_ptr() and this_cpu_*() on every online
 *                 CPU, also non-blocking from atomic context; then freed
 *   site          areas from live_test_site_a() land per "expect", those
 *                 from live_test_site_b() on stock (route "site
 *                 live_test_site_a"); then freed
 *   account       an __GFP_ACCOUNT area lands per "expect"
 *   fallback      pcpu_alt failing (fail_every=1 set by the caller): a
 *                 routed request is served by stock all the same
 *   reclaim       a request made in reclaim (PF_MEMALLOC) lands on stock
 *   busy          a request made while pcpu_alt holds its mutex (from its
 *                 populate test hook) lands on stock, without deadlock
 *   reserved      this module's own static per-CPU data (a reserved
 *                 request on 6.12; never hooked on 6.1) is on stock
 *
 * hold=N allocates N areas at load and frees them at removal, checking
 * they are where "expect" said at load (expect is read at load).
 * hold_ipmodify=FUNC registers, for the module's lifetime, an IPMODIFY
 * ftrace_ops on FUNC (as a livepatch would), hold_kprobe=FUNC a kprobe
 * with a post handler (which takes IPMODIFY too).
 */
#define pr_fmt(fmt) fmt

#include <linux/cpu.h>
#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pcpu_alt.h"

static char *expect = "routed";
module_param(expect, charp, 0644);
MODULE_PARM_DESC(expect, "where areas must land: routed (pcpu_alt) or stock");

static unsigned int hold;
module_param(hold, uint, 0444);
MODULE_PARM_DESC(hold, "areas to allocate at load and free at removal");

static char *hold_ipmodify;
module_param(hold_ipmodify, charp, 0444);
MODULE_PARM_DESC(hold_ipmodify, "function to hold with an IPMODIFY ftrace_ops while loaded");

static char *hold_kprobe;
module_param(hold_kprobe, charp, 0444);
MODULE_PARM_DESC(hold_kprobe, "function to hold with a kprobe with a post handler while loaded");

static bool ready;
static char run_at_load[256];

/* Sizes and alignments of percpu_ops: the caches' classes and beyond. */
static const struct {
	size_t size, align;
} shapes[] = {
	{ 4, 4 }, { 8, 8 }, { 24, 8 }, { 64, 64 }, { 200, 8 },
	{ 1000, 16 }, { 4096, 4096 }, { 20000, 8 },
};

/* Non-blocking requests from atomic context. */
#define ATOMIC_AREAS	16
/* Areas per site in the site case. */
#define SITE_AREAS	8
/* Routed requests tried before one must have fallen back to stock. */
#define FALLBACK_TRIES	64
#define FALLBACK_SIZE	(32 * 1024)

/* The reserved case's subject: the module loader allocated it. */
static DEFINE_PER_CPU(u64, live_test_static);

/* Tries of the busy case, and requests its hook makes at most. */
#define BUSY_TRIES	64
#define BUSY_HOOK_MAX	4

static atomic_t busy_hits, busy_routed;

static void __percpu **held;
static bool held_routed;
static struct ftrace_ops held_ops;
static bool held_ops_on;
static struct kprobe held_kp;
static bool held_kp_on;

static bool check(bool ok, const char *what, int line)
{
	if (!ok)
		pr_err("    # line %d: expected %s\n", line, what);
	return ok;
}

#define EXPECT(cond)	check(cond, #cond, __LINE__)

static bool want_routed(void)
{
	return sysfs_streq(expect, "routed");
}

/* Landed where "expect" says? */
static bool landed(void __percpu *p, bool routed)
{
	if (pcpu_alt_owns(p) == routed)
		return true;
	pr_err("    # area %p is on %s, expected on %s\n", p,
	       pcpu_alt_owns(p) ? "pcpu_alt" : "stock",
	       routed ? "pcpu_alt" : "stock");
	return false;
}

static bool zero_on_every_cpu(void __percpu *p, size_t size)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		if (memchr_inv(per_cpu_ptr(p, cpu), 0, size))
			return false;
	return true;
}

/* this_cpu_*() on the first word, from every online CPU (IRQs off). */
static void add_this_cpu(void *arg)
{
	u32 __percpu *p = (u32 __percpu __force *)arg;

	this_cpu_add(*p, smp_processor_id() + 1);
	this_cpu_inc(*p);
}

static int one_shape(size_t size, size_t align, bool routed)
{
	unsigned int cpu;
	u32 __percpu *p;
	int ok = 0;

	p = (u32 __percpu *)__alloc_percpu(size, align);
	if (!EXPECT(p) || !EXPECT(landed(p, routed)))
		goto out;
	ok = EXPECT(zero_on_every_cpu(p, size));
	for_each_possible_cpu(cpu) {
		ok &= EXPECT((unsigned long)per_cpu_ptr(p, cpu) % align == 0);
		memset(per_cpu_ptr(p, cpu), cpu + 1, size);
		*per_cpu_ptr(p, cpu) = 0;
	}
	cpus_read_lock();
	on_each_cpu(add_this_cpu, (void __force *)p, 1);
	for_each_possible_cpu(cpu) {
		u32 want = cpu_online(cpu) ? cpu + 2 : 0;
		u8 *bytes = (u8 *)per_cpu_ptr(p, cpu);

		ok &= EXPECT(*per_cpu_ptr(p, cpu) == want);
		/* Each CPU's copy is its own: the rest kept its pattern. */
		if (size > sizeof(u32))
			ok &= EXPECT(!memchr_inv(bytes + sizeof(u32), cpu + 1,
						 size - sizeof(u32)));
	}
	cpus_read_unlock();
out:
	free_percpu(p);
	return ok ? 0 : -EINVAL;
}

static int case_percpu_ops(void)
{
	void __percpu *a[ATOMIC_AREAS];
	bool routed = want_routed();
	unsigned long flags;
	int i, err = 0;

	for (i = 0; i < ARRAY_SIZE(shapes); i++)
		err = err ?: one_shape(shapes[i].size, shapes[i].align, routed);

	/* Non-blocking, IRQs off: may fail (no populated room), never sleeps. */
	local_irq_save(flags);
	for (i = 0; i < ATOMIC_AREAS; i++)
		a[i] = alloc_percpu_gfp(u64, GFP_NOWAIT | __GFP_NOWARN);
	local_irq_restore(flags);
	for (i = 0; i < ATOMIC_AREAS; i++) {
		if (a[i] && !landed(a[i], routed))
			err = -EINVAL;
		if (a[i] && !zero_on_every_cpu(a[i], sizeof(u64)))
			err = -EINVAL;
		free_percpu(a[i]);
	}
	return err;
}

/*
 * Two call sites in two functions; noinline: the route names one.  The
 * barrier keeps each call a call: a tail jump would make the caller's
 * caller the site (as callers would show it too).
 */
static noinline void __percpu *live_test_site_a(void)
{
	void __percpu *p = alloc_percpu(u64);

	barrier();
	return p;
}

static noinline void __percpu *live_test_site_b(void)
{
	/* Not u64: identical functions would be folded into one. */
	void __percpu *p = alloc_percpu(u32);

	barrier();
	return p;
}

static int case_site(void)
{
	void __percpu *a[SITE_AREAS], *b[SITE_AREAS];
	int i, err = 0;

	for (i = 0; i < SITE_AREAS; i++) {
		a[i] = live_test_site_a();
		b[i] = live_test_site_b();
	}
	for (i = 0; i < SITE_AREAS; i++) {
		if (!EXPECT(a[i] && b[i]) || !landed(a[i], want_routed()) ||
		    !landed(b[i], false))
			err = -EINVAL;
		free_percpu(a[i]);
		free_percpu(b[i]);
	}
	return err;
}

static int case_account(void)
{
	u64 __percpu *p = alloc_percpu_gfp(u64, GFP_KERNEL_ACCOUNT);
	int err = 0;

	if (!EXPECT(p) || !landed(p, want_routed()))
		err = -EINVAL;
	free_percpu(p);
	return err;
}

/*
 * With pcpu_alt failing every internal allocation, routed requests are
 * served from what pcpu_alt has populated until that runs out; the next
 * needs a page, fails in pcpu_alt, and must come back from stock.
 */
static int case_fallback(void)
{
	void __percpu **p;
	int i, n, err = -EINVAL;

	p = kcalloc(FALLBACK_TRIES, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	for (n = 0; n < FALLBACK_TRIES; n++) {
		p[n] = __alloc_percpu(FALLBACK_SIZE, PAGE_SIZE);
		if (!EXPECT(p[n]))
			break;
		if (!pcpu_alt_owns(p[n])) {
			err = 0;
			n++;
			break;
		}
	}
	if (err)
		pr_err("    # no request came back from stock in %d tries\n", n);
	for (i = 0; i < n; i++)
		free_percpu(p[i]);
	kfree(p);
	return err;
}

static int case_reclaim(void)
{
	unsigned int flags = memalloc_noreclaim_save();
	u64 __percpu *p = alloc_percpu(u64);
	int err = 0;

	memalloc_noreclaim_restore(flags);
	if (!EXPECT(p) || !landed(p, false))
		err = -EINVAL;
	free_percpu(p);
	return err;
}

/* pcpu_alt is about to back a page for a caller, its mutex held. */
static void busy_hook(enum pcpu_alt_test_point point,
		      const void __percpu *ptr)
{
	u64 __percpu *p;

	if (point != PCPU_ALT_TEST_POPULATE ||
	    atomic_read(&busy_hits) >= BUSY_HOOK_MAX)
		return;
	/* The hook runs under RCU: a request that cannot sleep. */
	p = alloc_percpu_gfp(u64, GFP_NOWAIT | __GFP_NOWARN);
	if (!p)
		return;
	atomic_inc(&busy_hits);
	if (pcpu_alt_owns(p))
		atomic_inc(&busy_routed);
	free_percpu(p);
}

static int case_busy(void)
{
	void __percpu *p[BUSY_TRIES];
	int i, n, err = 0;

	atomic_set(&busy_hits, 0);
	atomic_set(&busy_routed, 0);
	pcpu_alt_set_test_hook(busy_hook);
	for (n = 0; n < BUSY_TRIES && !atomic_read(&busy_hits); n++)
		p[n] = __alloc_percpu(FALLBACK_SIZE, PAGE_SIZE);
	pcpu_alt_set_test_hook(NULL);
	for (i = 0; i < n; i++)
		free_percpu(p[i]);
	if (!EXPECT(atomic_read(&busy_hits) > 0) ||
	    !EXPECT(atomic_read(&busy_routed) == 0))
		err = -EINVAL;
	return err;
}

static int case_reserved(void)
{
	return EXPECT(!pcpu_alt_owns(&live_test_static)) ? 0 : -EINVAL;
}

static const struct {
	const char *name;
	int (*fn)(void);
} cases[] = {
	{ "percpu_ops", case_percpu_ops },
	{ "site", case_site },
	{ "account", case_account },
	{ "fallback", case_fallback },
	{ "reclaim", case_reclaim },
	{ "busy", case_busy },
	{ "reserved", case_reserved },
};

/* Run the cases named in @list; -EINVAL if one failed or is unknown. */
static int run_cases(const char *list)
{
	char buf[sizeof(run_at_load)], *s = buf, *name;
	int i, n = 0, failed = 0;

	if (strscpy(buf, list, sizeof(buf)) < 0)
		return -EINVAL;
	strim(buf);
	pr_info("KTAP version 1\n");
	while ((name = strsep(&s, ",")) != NULL) {
		for (i = 0; i < ARRAY_SIZE(cases); i++)
			if (!strcmp(name, cases[i].name))
				break;
		if (i == ARRAY_SIZE(cases)) {
			pr_err("# pcpu_alt_live_test: no case '%s'\n", name);
			return -EINVAL;
		}
		n++;
		if (cases[i].fn()) {
			pr_info("not ok %d %s (expect %s)\n", n, name,
				want_routed() ? "routed" : "stock");
			failed++;
		} else {
			pr_info("ok %d %s (expect %s)\n", n, name,
				want_routed() ? "routed" : "stock");
		}
	}
	pr_info("1..%d\n", n);
	pr_info("# pcpu_alt_live_test: %d cases, %d failed\n", n, failed);
	return failed ? -EINVAL : 0;
}

static int run_set(const char *val, const struct kernel_param *kp)
{
	if (!ready)
		return strscpy(run_at_load, val, sizeof(run_at_load)) < 0 ?
		       -EINVAL : 0;
	return run_cases(val);
}

static const struct kernel_param_ops run_ops = {
	.set = run_set,
};

module_param_cb(run, &run_ops, NULL, 0200);
MODULE_PARM_DESC(run, "cases to run, comma-separated (see the file's top)");

static void held_ftrace_handler(unsigned long ip, unsigned long parent_ip,
				struct ftrace_ops *ops,
				struct ftrace_regs *fregs)
{
	/* Holds the function, changes nothing. */
}

static void held_post(struct kprobe *p, struct pt_regs *regs,
		      unsigned long flags)
{
}

static int hold_functions(void)
{
	int err;

	if (hold_ipmodify) {
		held_ops.func = held_ftrace_handler;
		held_ops.flags = FTRACE_OPS_FL_IPMODIFY;
		err = ftrace_set_filter(&held_ops, hold_ipmodify,
					strlen(hold_ipmodify), 0);
		if (!err)
			err = register_ftrace_function(&held_ops);
		if (err) {
			ftrace_free_filter(&held_ops);
			pr_err("pcpu_alt_live_test: cannot hold %s with an IPMODIFY ftrace_ops: %d\n",
			       hold_ipmodify, err);
			return err;
		}
		held_ops_on = true;
		pr_info("pcpu_alt_live_test: holding %s with an IPMODIFY ftrace_ops\n",
			hold_ipmodify);
	}
	if (hold_kprobe) {
		held_kp.symbol_name = hold_kprobe;
		held_kp.post_handler = held_post;
		err = register_kprobe(&held_kp);
		if (err) {
			pr_err("pcpu_alt_live_test: cannot hold %s with a kprobe: %d\n",
			       hold_kprobe, err);
			return err;
		}
		held_kp_on = true;
		pr_info("pcpu_alt_live_test: holding %s with a kprobe with a post handler\n",
			hold_kprobe);
	}
	return 0;
}

static void release_functions(void)
{
	if (held_kp_on)
		unregister_kprobe(&held_kp);
	if (held_ops_on) {
		unregister_ftrace_function(&held_ops);
		ftrace_free_filter(&held_ops);
	}
}

static int __init pcpu_alt_live_test_init(void)
{
	unsigned int i;
	int err;

	err = hold_functions();
	if (err)
		goto release;
	if (hold) {
		held = kcalloc(hold, sizeof(*held), GFP_KERNEL);
		err = -ENOMEM;
		if (!held)
			goto release;
		held_routed = want_routed();
		for (i = 0; i < hold; i++) {
			held[i] = alloc_percpu(u64);
			err = -EINVAL;
			if (!held[i] || !landed(held[i], held_routed))
				goto free;
		}
		pr_info("pcpu_alt_live_test: holding %u areas on %s\n", hold,
			held_routed ? "pcpu_alt" : "stock");
	}
	ready = true;
	if (run_at_load[0]) {
		err = run_cases(run_at_load);
		if (err)
			goto free;
	}
	return 0;

free:
	for (i = 0; held && i < hold; i++)
		free_percpu(held[i]);
	kfree(held);
release:
	release_functions();
	return err;
}

static void __exit pcpu_alt_live_test_exit(void)
{
	unsigned int i, moved = 0;

	/* Still where they landed at load, whatever the route now is. */
	for (i = 0; held && i < hold; i++) {
		moved += !landed(held[i], held_routed);
		free_percpu(held[i]);
	}
	if (held)
		pr_info("pcpu_alt_live_test: freed %u held areas (%u not where they landed)\n",
			hold, moved);
	kfree(held);
	release_functions();
}

module_init(pcpu_alt_live_test_init);
module_exit(pcpu_alt_live_test_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pcpu_alt live mode: a module that allocates per-CPU memory the kernel's way");
