// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_live hooks: the kernel's dynamic per-CPU allocation entry
 * points and free_percpu() lead here, the way livepatch redirects a
 * function (kernel/livepatch/patch.c):
 *
 *   6.1   __alloc_percpu_gfp(size, align, gfp), __alloc_percpu(size, align)
 *         (the reserved allocator never reaches them)
 *   6.12  pcpu_alloc_noprof(size, align, reserved, gfp), which every
 *         alloc_percpu*() macro reaches
 *   both  free_percpu(ptr)
 *
 * Each function gets an ftrace_ops of its own (so a refusal can name the
 * function, and the handler needs no table): IPMODIFY, because it moves
 * the instruction pointer; PERMANENT, so that nobody can switch ftrace
 * off under it (sysctl kernel.ftrace_enabled); not RECURSION, which would
 * have ftrace wrap the handler in a guard of its own that may skip it
 * (and with it a free that must not reach stock): the handler guards
 * itself.  x86 moves the IP without SAVE_REGS when
 * DYNAMIC_FTRACE_WITH_ARGS is there (both Debian kernels), as livepatch
 * does.
 *
 * The handler only decides where the call goes: a call made from this
 * module's own text is our call through to the original, and runs it;
 * any other is sent to our function of the same signature.  That function
 * decides (route.c), times the call, and reaches pcpu_alt or the original.
 * Calls to the originals are direct calls to exported functions (never
 * through a pointer: on 6.12 with IBT an indirect call must land on an
 * ENDBR) and real calls, not tail jumps: their return address, the
 * parent_ip the nested handler sees, must lie in this module.  The
 * barrier() after each keeps it a call; objdump of both builds shows a
 * call followed by more code in live_stock_alloc() and live_stock_free()
 * (checked with scripts/test/run's live-calls check).
 *
 * Unload: every function here may be running, or sleeping (a blocking
 * allocation), when the hooks go.  So each runs inside live_srcu, and
 * after unregistering the hooks main.c waits for live_srcu (bodies), then
 * for an RCU-tasks grace period (the few instructions after the unlock:
 * a task preempted there has not switched voluntarily).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/trace_recursion.h>

#include "live.h"
#include "trace.h"

/* ftrace's way to move the IP: renamed between 6.1 and 6.12. */
#ifdef ftrace_regs_set_instruction_pointer
#define live_set_ip(fregs, ip)	ftrace_regs_set_instruction_pointer(fregs, ip)
#else
#define live_set_ip(fregs, ip)	ftrace_instruction_pointer_set(fregs, ip)
#endif

/* ---- the originals: direct, real calls ---- */

static noinline void __percpu *live_stock_alloc(size_t size, size_t align,
						bool reserved, gfp_t gfp)
{
	void __percpu *ptr;

#ifdef LIVE_PCPU_ALLOC_NOPROF
	ptr = pcpu_alloc_noprof(size, align, reserved, gfp);
#else
	/* 6.1: a reserved request never reaches the hooked entries. */
	ptr = __alloc_percpu_gfp(size, align, gfp);
#endif
	/* A call, not a tail jump: the nested handler must see us. */
	barrier();
	return ptr;
}

static noinline void live_stock_free(void __percpu *ptr)
{
	free_percpu(ptr);
	/* A call, not a tail jump: the nested handler must see us. */
	barrier();
}

/* ---- what a call does; noinline: scripts/trace/live.bt probes them ---- */

/* Serve a routed request from pcpu_alt; stock when pcpu_alt cannot. */
static noinline __noclone void __percpu *
live_alloc_routed(size_t size, size_t align, gfp_t gfp, unsigned long caller)
{
	void __percpu *ptr;

	/* A failure is counted and goes to stock, which warns if it fails. */
	ptr = pcpu_alt_alloc_caller(size, align, gfp | __GFP_NOWARN, caller);
	if (ptr) {
		live_stat_routed_alloc(size, gfp & __GFP_ACCOUNT);
		return ptr;
	}
	live_stat_fallback();
	return live_stock_alloc(size, align, false, gfp);
}

static noinline __noclone void __percpu *
live_alloc_passed(size_t size, size_t align, bool reserved, gfp_t gfp,
		  unsigned long caller)
{
	return live_stock_alloc(size, align, reserved, gfp);
}

static noinline __noclone void live_free_routed(void __percpu *ptr,
						unsigned long caller)
{
	/* Refused (a double free): pcpu_alt counted and reported it. */
	if (pcpu_alt_free_caller(ptr, caller)) {
		live_stat_refused_free();
		return;
	}
	live_stat_routed_free();
	live_route_unpin_area(live_route_get());
}

static noinline __noclone void live_free_passed(void __percpu *ptr,
						unsigned long caller)
{
	live_stock_free(ptr);
}

/* ---- the replacements ---- */

static void __percpu *live_alloc(size_t size, size_t align, bool reserved,
				 gfp_t gfp, unsigned long caller)
{
	enum live_verdict v;
	void __percpu *ptr;
	int idx;
	u64 t0;

	idx = srcu_read_lock(&live_srcu);
	t0 = local_clock();
	v = live_decide(live_route_get(), size, align, reserved, gfp, caller);
	if (v == LIVE_ROUTED)
		ptr = live_alloc_routed(size, align, gfp, caller);
	else
		ptr = live_alloc_passed(size, align, reserved, gfp, caller);
	t0 = local_clock() - t0;
	live_stat_time(v == LIVE_ROUTED ? LIVE_ALLOC_ROUTED : LIVE_ALLOC_PASSED,
		       t0);
	live_stat_verdict(v);
	trace_pcpu_alt_live_alloc(caller, size, align, gfp, v, ptr, t0);
	srcu_read_unlock(&live_srcu, idx);
	return ptr;
}

#ifdef LIVE_PCPU_ALLOC_NOPROF
static void __percpu *live_pcpu_alloc_noprof(size_t size, size_t align,
					     bool reserved, gfp_t gfp)
{
	return live_alloc(size, align, reserved, gfp, _RET_IP_);
}
#else
static void __percpu *live_alloc_percpu_gfp(size_t size, size_t align,
					    gfp_t gfp)
{
	return live_alloc(size, align, false, gfp, _RET_IP_);
}

static void __percpu *live_alloc_percpu(size_t size, size_t align)
{
	return live_alloc(size, align, false, GFP_KERNEL, _RET_IP_);
}
#endif

/*
 * Whatever the route, a pointer into pcpu_alt goes back to pcpu_alt and
 * every other one, NULL included, to stock untouched.
 */
static void live_free_percpu(void __percpu *ptr)
{
	unsigned long caller = _RET_IP_;
	bool routed;
	int idx;
	u64 t0;

	idx = srcu_read_lock(&live_srcu);
	t0 = local_clock();
	routed = pcpu_alt_owns(ptr);
	if (routed)
		live_free_routed(ptr, caller);
	else
		live_free_passed(ptr, caller);
	t0 = local_clock() - t0;
	live_stat_time(routed ? LIVE_FREE_ROUTED : LIVE_FREE_PASSED, t0);
	trace_pcpu_alt_live_free(caller, ptr, routed, t0);
	srcu_read_unlock(&live_srcu, idx);
}

/* ---- the ftrace side ---- */

/**
 * struct live_hook - one redirected kernel function
 * @name: its name, for messages
 * @func: its address (an exported symbol)
 * @repl: our function of the same signature
 * @frees: it frees: a pcpu_alt pointer must never reach it
 * @ops: its ftrace_ops; zeroed whenever it is not registered
 * @registered: @ops is registered (live_hooks_lock)
 */
struct live_hook {
	const char *name;
	unsigned long func;
	unsigned long repl;
	bool frees;
	struct ftrace_ops ops;
	bool registered;
};

/* free_percpu() first: it must be there before any area is routed. */
static struct live_hook live_hooks[] = {
	{ "free_percpu", (unsigned long)free_percpu,
	  (unsigned long)live_free_percpu, true },
#ifdef LIVE_PCPU_ALLOC_NOPROF
	{ "pcpu_alloc_noprof", (unsigned long)pcpu_alloc_noprof,
	  (unsigned long)live_pcpu_alloc_noprof, false },
#else
	{ "__alloc_percpu_gfp", (unsigned long)__alloc_percpu_gfp,
	  (unsigned long)live_alloc_percpu_gfp, false },
	{ "__alloc_percpu", (unsigned long)__alloc_percpu,
	  (unsigned long)live_alloc_percpu, false },
#endif
};

/* Serialises registration and unregistration of the hooks. */
static DEFINE_MUTEX(live_hooks_lock);

static void notrace live_ftrace_handler(unsigned long ip,
					unsigned long parent_ip,
					struct ftrace_ops *ops,
					struct ftrace_regs *fregs)
{
	struct live_hook *hook = container_of(ops, struct live_hook, ops);
	int bit;

	/* Our own call through to the original: let it run. */
	if (within_module(parent_ip, THIS_MODULE))
		return;
	/*
	 * Only another ftrace callback running free_percpu() or an
	 * allocation in this context trips the guard.  An allocation then
	 * simply runs the original; a free is sent to us all the same, since
	 * stock must never see a pcpu_alt pointer, and that cannot recurse:
	 * our own calls are let through above.
	 */
	bit = ftrace_test_recursion_trylock(ip, parent_ip);
	if (bit < 0 && !hook->frees) {
		live_stat_recursion();
		return;
	}
	live_set_ip(fregs, hook->repl);
	if (bit >= 0)
		ftrace_test_recursion_unlock(bit);
}

static void live_hook_clear(struct live_hook *h)
{
	/* ftrace_free_filter() leaves the ops' hash pointers dangling. */
	ftrace_free_filter(&h->ops);
	memset(&h->ops, 0, sizeof(h->ops));
}

static int live_hook_register(struct live_hook *h)
{
	int err;

	h->ops.func = live_ftrace_handler;
	/* No FTRACE_OPS_FL_RECURSION: that asks ftrace to guard for us. */
	h->ops.flags = FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_PERMANENT;
#ifndef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
	h->ops.flags |= FTRACE_OPS_FL_SAVE_REGS;
#endif
	err = ftrace_set_filter_ip(&h->ops, h->func, 0, 0);
	if (err) {
		pr_err("route refused: %s cannot be traced (ftrace_set_filter_ip: %d)\n",
		       h->name, err);
		live_hook_clear(h);
		return err;
	}
	err = register_ftrace_function(&h->ops);
	if (err) {
		if (err == -EBUSY)
			pr_err("route refused: %s is already redirected by another ftrace user (a livepatch, a kprobe with a post handler), or ftrace is off (sysctl kernel.ftrace_enabled=0): -EBUSY\n",
			       h->name);
		else
			pr_err("route refused: %s cannot be hooked (register_ftrace_function: %d)\n",
			       h->name, err);
		live_hook_clear(h);
		return err;
	}
	h->registered = true;
	return 0;
}

static void live_hook_unregister(struct live_hook *h)
{
	int err;

	if (!h->registered)
		return;
	err = unregister_ftrace_function(&h->ops);
	/* Nothing to undo it with; say so, and keep the ops as they are. */
	if (WARN(err, "%s: cannot unhook %s: %d\n", KBUILD_MODNAME, h->name,
		 err))
		return;
	live_hook_clear(h);
	h->registered = false;
}

/**
 * live_hooks_register() - redirect every entry point, or none
 *
 * On failure every hook registered so far is removed again, in reverse.
 *
 * CONTEXT: process context, may sleep.
 * RETURNS: 0, or the first error (-EBUSY when another IPMODIFY user
 * holds a function; a line names it).
 */
int live_hooks_register(void)
{
	int i, err = 0;

	mutex_lock(&live_hooks_lock);
	for (i = 0; i < ARRAY_SIZE(live_hooks); i++) {
		err = live_hook_register(&live_hooks[i]);
		if (err)
			break;
	}
	if (err)
		while (--i >= 0)
			live_hook_unregister(&live_hooks[i]);
	mutex_unlock(&live_hooks_lock);
	return err;
}

/**
 * live_hooks_unregister() - remove every hook, allocations first
 *
 * Functions of this file may still be running when it returns: see the
 * top of the file for what the caller waits for.
 *
 * CONTEXT: process context, may sleep.
 */
void live_hooks_unregister(void)
{
	int i;

	mutex_lock(&live_hooks_lock);
	for (i = ARRAY_SIZE(live_hooks) - 1; i >= 0; i--)
		live_hook_unregister(&live_hooks[i]);
	mutex_unlock(&live_hooks_lock);
}

/**
 * live_hooks_registered() - are the hooks in place?
 *
 * RETURNS: true when every hook is registered.
 */
bool live_hooks_registered(void)
{
	bool all = true;
	int i;

	mutex_lock(&live_hooks_lock);
	for (i = 0; i < ARRAY_SIZE(live_hooks); i++)
		all &= live_hooks[i].registered;
	mutex_unlock(&live_hooks_lock);
	return all;
}

/**
 * live_hooks_names() - the hooked functions, for the route file
 * @buf: receives "name,name,..." or "none"
 * @size: bytes of @buf
 */
void live_hooks_names(char *buf, size_t size)
{
	int i, n = 0;

	buf[0] = '\0';
	mutex_lock(&live_hooks_lock);
	for (i = 0; i < ARRAY_SIZE(live_hooks); i++)
		if (live_hooks[i].registered)
			n += scnprintf(buf + n, size - n, "%s%s", n ? "," : "",
				       live_hooks[i].name);
	mutex_unlock(&live_hooks_lock);
	if (!n)
		strscpy(buf, "none", size);
}
