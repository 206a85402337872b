// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_alt_live route: what is sent to pcpu_alt, decided per call.
 *
 * Grammar (one write to the route file, or route= at load):
 *
 *   off                      every call passes to stock, timed
 *   all [account]            every request that can be routed
 *   module NAME [account]    requests from NAME's code (NAME need not be
 *                            loaded yet: the route applies whenever it is)
 *   site SPEC [account]      requests from one function (SYMBOL) or one
 *                            call site (SYMBOL+0xOFF), as callers prints
 *                            them: SPEC is [MOD:]SYMBOL[+0xOFF][/0xSIZE],
 *                            optionally followed by [MOD]
 *
 * Whatever the route, these pass to stock: reserved requests (module
 * static data, 6.12), sizes and alignments stock must judge (0, above
 * 32 KiB, not a power of two, above a page), __GFP_ACCOUNT requests unless
 * the route says "account" (pcpu_alt cannot charge a memcg), requests
 * from reclaim (PF_MEMALLOC) or from a task inside pcpu_alt's slow path
 * (pcpu_alt_busy_here()), and requests from pcpu_alt's own modules (the
 * lab and the tests call stock on purpose).
 *
 * Setting a route is control.c's job: it parses the text here
 * (live_route_parse()), registers the hooks with the first accepted one,
 * then installs it here (live_route_install(): publish, pin).
 *
 * Pin: while the route routes anything, or any routed area is live, the
 * module holds a reference on itself, so rmmod is refused (and pcpu_alt,
 * which it uses, stays too).  The reference is taken before a routing
 * route is published and dropped only when the route does not route and
 * the per-CPU counts of live routed areas add up to 0; both under
 * live_pin_lock, with the route published under it, so a free that sees
 * "off" and a write that routes again cannot cross.
 *
 * Per-call decisions for "all" and "module" need the caller's module,
 * which only kallsyms tells (sprint_symbol(): "[mod]"): each CPU keeps
 * the last verdicts by call site, good while their generation is current
 * (bumped on a route change and whenever a module comes or goes).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/log2.h>
#include <linux/notifier.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "live.h"
#include "trace.h"

/*
 * The route (NULL: none yet, hooks not registered).  Written under
 * live_route_mutex (control.c) and live_pin_lock; read under live_srcu,
 * or under either lock.  An old route is freed after synchronize_srcu().
 */
static struct live_route __rcu *live_route_ptr;

/* The pin (see the top): live_pinned, live_pin_stuck. */
static DEFINE_SPINLOCK(live_pin_lock);
static bool live_pinned;
/* More routed frees than routed areas were seen: never unpin again. */
static bool live_pin_stuck;

/*
 * Generations of the per-CPU verdicts (see the top): each route gets a
 * number of its own (live_route_mutex, control.c), and live_mod_gen moves
 * whenever a module comes or goes.
 */
static unsigned int live_route_gen;
static atomic_t live_mod_gen;

/* pcpu_alt's own modules: never routed. */
static const char * const live_own_modules[] = {
	"pcpu_alt", "pcpu_alt_lab", "pcpu_alt_test", KBUILD_MODNAME,
};

#define LIVE_MEMO_BITS	6

/* One verdict by call site. */
struct live_memo {
	unsigned long caller;
	unsigned int route_gen;
	unsigned int mod_gen;
	u8 verdict;
};

/*
 * A CPU's verdicts and its buffer for sprint_symbol(), touched with IRQs
 * off.  Allocated at load from stock, before any hook exists: module
 * static per-CPU room is small.
 */
struct live_cpu_memo {
	struct live_memo memo[1 << LIVE_MEMO_BITS];
	char sym[KSYM_SYMBOL_LEN];
};

static struct live_cpu_memo __percpu *live_cpu_memo;

static bool live_routes(const struct live_route *r)
{
	return r && r->mode != LIVE_OFF;
}

/**
 * live_route_get() - the current route
 *
 * CONTEXT: inside live_srcu.
 * RETURNS: the route, or NULL before the first write.
 */
const struct live_route *live_route_get(void)
{
	return srcu_dereference(live_route_ptr, &live_srcu);
}

/* ---- per-call decision ---- */

/* The module of the symbol text @sym ("fn+0x1/0x2 [mod]"), or "". */
static const char *live_sym_module(char *sym)
{
	size_t n = strlen(sym);
	char *open;

	if (!n || sym[n - 1] != ']')
		return "";
	open = strrchr(sym, '[');
	if (!open || open == sym || open[-1] != ' ')
		return "";
	sym[n - 1] = '\0';
	return open + 1;
}

static bool live_own_module(const char *mod)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(live_own_modules); i++)
		if (!strcmp(mod, live_own_modules[i]))
			return true;
	return false;
}

/**
 * live_site_is_own() - is a call site in one of pcpu_alt's own modules?
 * @site: its name as pcpu_alt names sites ("fn+0x1/0x2 [mod] ...")
 *
 * RETURNS: true for pcpu_alt's modules' sites: never routed ones.
 */
bool live_site_is_own(const char *site)
{
	char tag[MODULE_NAME_LEN + 3];
	int i;

	for (i = 0; i < ARRAY_SIZE(live_own_modules); i++) {
		snprintf(tag, sizeof(tag), " [%s]", live_own_modules[i]);
		if (strstr(site, tag))
			return true;
	}
	return false;
}

/* The verdict for @caller under an "all" or "module" route. */
static enum live_verdict live_caller_verdict(const struct live_route *r,
					     unsigned long caller)
{
	char *sym = this_cpu_ptr(live_cpu_memo)->sym;
	const char *mod;

	sprint_symbol(sym, caller);
	mod = live_sym_module(sym);
	if (live_own_module(mod))
		return LIVE_PASS_OWN;
	if (r->mode == LIVE_MODULE && strcmp(mod, r->module))
		return LIVE_PASS_UNSELECTED;
	return LIVE_ROUTED;
}

static enum live_verdict live_memo_verdict(const struct live_route *r,
					   unsigned long caller)
{
	/* Read before resolving: a module event meanwhile makes it stale. */
	unsigned int mod_gen = atomic_read_acquire(&live_mod_gen);
	struct live_memo *m;
	unsigned long flags;
	enum live_verdict v;

	local_irq_save(flags);
	m = &this_cpu_ptr(live_cpu_memo)->memo[hash_long(caller,
							 LIVE_MEMO_BITS)];
	if (m->caller == caller && m->route_gen == r->gen &&
	    m->mod_gen == mod_gen) {
		v = m->verdict;
	} else {
		v = live_caller_verdict(r, caller);
		m->caller = caller;
		m->route_gen = r->gen;
		m->mod_gen = mod_gen;
		m->verdict = v;
	}
	local_irq_restore(flags);
	return v;
}

/**
 * live_decide() - where one allocation goes
 * @r: the route (live_route_get()), or NULL
 * @size: the request
 * @align: the request
 * @reserved: the request (6.12; always false on 6.1)
 * @gfp: the request
 * @caller: its call site
 *
 * CONTEXT: any an allocation comes from, inside live_srcu.
 * RETURNS: LIVE_ROUTED, or why it passes to stock.
 */
enum live_verdict live_decide(const struct live_route *r, size_t size,
			      size_t align, bool reserved, gfp_t gfp,
			      unsigned long caller)
{
	if (!live_routes(r))
		return LIVE_PASS_OFF;
	if (reserved)
		return LIVE_PASS_RESERVED;
	if (!size || size > PCPU_MIN_UNIT_SIZE || !is_power_of_2(align) ||
	    align > PAGE_SIZE)
		return LIVE_PASS_REQUEST;
	if ((gfp & __GFP_ACCOUNT) && !r->account)
		return LIVE_PASS_ACCOUNT;
	/* Reclaim may run under pcpu_alt's own slow path: keep out. */
	if (current->flags & PF_MEMALLOC)
		return LIVE_PASS_RECLAIM;
	if (pcpu_alt_busy_here())
		return LIVE_PASS_BUSY;
	if (r->mode == LIVE_SITE)
		return caller - r->site_start < r->site_end - r->site_start ?
		       LIVE_ROUTED : LIVE_PASS_UNSELECTED;
	return live_memo_verdict(r, caller);
}

/* ---- the pin ---- */

/* Drop the pin if nothing needs it any more.  live_pin_lock held. */
static void live_unpin_locked(void)
{
	const struct live_route *r;
	s64 live;

	r = rcu_dereference_protected(live_route_ptr,
				      lockdep_is_held(&live_pin_lock));
	if (!live_pinned || live_pin_stuck || live_routes(r))
		return;
	live = live_stat_live_areas();
	if (live < 0) {
		live_pin_stuck = true;
		pr_err("more routed areas freed than routed (a pcpu_alt_alloc() area given to free_percpu()?): staying loaded for good\n");
	} else if (!live) {
		live_pinned = false;
		module_put(THIS_MODULE);
	}
}

/**
 * live_route_unpin_area() - a routed area was freed: drop the pin?
 * @r: the route the free ran under (live_route_get())
 *
 * Only while the route routes nothing does the last free matter, and
 * only then is the lock taken and the per-CPU counts added up.
 *
 * CONTEXT: any a free comes from, inside live_srcu.
 */
void live_route_unpin_area(const struct live_route *r)
{
	unsigned long flags;

	if (live_routes(r))
		return;
	spin_lock_irqsave(&live_pin_lock, flags);
	live_unpin_locked();
	spin_unlock_irqrestore(&live_pin_lock, flags);
}

/**
 * live_route_pinned() - does the module hold itself loaded?
 *
 * RETURNS: true while the route routes or routed areas are live.
 */
bool live_route_pinned(void)
{
	return READ_ONCE(live_pinned);
}

/* ---- a new route: parse, install ---- */

/* Split @s into at most @max words at spaces; -EINVAL beyond. */
static int live_split(char *s, char **word, int max)
{
	int n = 0;
	char *w;

	while ((w = strsep(&s, " ")) != NULL) {
		if (!*w)
			continue;
		if (n == max)
			return -EINVAL;
		word[n++] = w;
	}
	return n;
}

/* A module name as the kernel spells it ('-' becomes '_'). */
static int live_module_name(const char *in, char *out)
{
	size_t i, n = strlen(in);

	if (!n || n >= MODULE_NAME_LEN)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!isalnum(in[i]) && in[i] != '_' && in[i] != '-')
			return -EINVAL;
		out[i] = in[i] == '-' ? '_' : in[i];
	}
	out[n] = '\0';
	return 0;
}

/*
 * Where @name starts and how long it is: a kprobe, registered disabled
 * (nothing is patched) and removed at once, is the exported way to look a
 * symbol up; sprint_symbol() of its address gives the function's start
 * (the probe may sit past an ENDBR) and size.
 */
static int live_function(const char *name, unsigned long *start,
			 unsigned long *size, char *mod, size_t mod_size)
{
	struct kprobe kp = {
		.symbol_name = name,
		.flags = KPROBE_FLAG_DISABLED,
	};
	unsigned long off;
	char *sym, *plus;
	int err;

	err = register_kprobe(&kp);
	if (err)
		return -ENOENT;
	unregister_kprobe(&kp);

	sym = kmalloc(KSYM_SYMBOL_LEN, GFP_KERNEL);
	if (!sym)
		return -ENOMEM;
	sprint_symbol(sym, (unsigned long)kp.addr);
	strscpy(mod, live_sym_module(sym), mod_size);
	plus = strrchr(sym, '+');
	err = -ENOENT;
	if (plus && sscanf(plus, "+%lx/%lx", &off, size) == 2 &&
	    off < *size) {
		*start = (unsigned long)kp.addr - off;
		err = 0;
	}
	kfree(sym);
	return err;
}

/* The one line for text that is not a route. */
static int live_garbage(const char *text)
{
	pr_err("route refused: '%s': expected off, all, module NAME or site SYMBOL[+0xOFF], then optionally account: -EINVAL\n",
	       text);
	return -EINVAL;
}

/*
 * "site" words of @text: SPEC [ "[MOD]" ].  Fills @r's range and text;
 * -EINVAL for bad text, -ENOENT for no such function.
 */
static int live_parse_site(const char *text, char **word, int n,
			   struct live_route *r)
{
	char name[LIVE_ROUTE_TEXT_MAX], mod[MODULE_NAME_LEN];
	unsigned long start, size, off = 0;
	char *spec = word[0], *plus, *slash;
	bool has_off = false;
	int err;

	slash = strchr(spec, '/');
	if (slash)
		*slash = '\0';	/* the size callers prints: informative */
	plus = strchr(spec, '+');
	if (plus) {
		*plus++ = '\0';
		if (kstrtoul(plus, 0, &off))
			return live_garbage(text);
		has_off = true;
	}
	if (!*spec)
		return live_garbage(text);
	if (n == 2) {
		size_t len = strlen(word[1]);

		if (len < 3 || word[1][0] != '[' || word[1][len - 1] != ']' ||
		    strchr(spec, ':'))
			return live_garbage(text);
		word[1][len - 1] = '\0';
		if (live_module_name(word[1] + 1, mod))
			return live_garbage(text);
		scnprintf(name, sizeof(name), "%s:%s", mod, spec);
	} else {
		strscpy(name, spec, sizeof(name));
	}

	err = live_function(name, &start, &size, mod, sizeof(mod));
	if (err) {
		pr_err("route refused: no function %s that can be probed: -ENOENT\n",
		       name);
		return err;
	}
	if (live_own_module(mod)) {
		pr_err("route refused: %s is in %s, one of pcpu_alt's own modules, which are never routed: -EINVAL\n",
		       name, mod);
		return -EINVAL;
	}
	if (has_off && off >= size) {
		pr_err("route refused: %s+%#lx lies beyond the function (%#lx bytes): -EINVAL\n",
		       name, off, size);
		return -EINVAL;
	}
	r->site_start = start + off;
	r->site_end = has_off ? r->site_start + 1 : start + size;
	if (has_off)
		scnprintf(r->text, sizeof(r->text), "site %s+%#lx", name, off);
	else
		scnprintf(r->text, sizeof(r->text), "site %s", name);
	return 0;
}

/*
 * Parse @text into @r.  -EINVAL (not a route), -ENOENT (unknown symbol);
 * each refusal logs one line.
 */
static int live_parse(const char *text, struct live_route *r)
{
	char buf[LIVE_ROUTE_TEXT_MAX], *word[4];
	int n, err;

	if (strscpy(buf, text, sizeof(buf)) < 0)
		return live_garbage(text);
	n = live_split(buf, word, ARRAY_SIZE(word));
	if (n <= 0)
		return live_garbage(text);
	if (n > 1 && !strcmp(word[n - 1], "account")) {
		r->account = true;
		n--;
	}
	if (!strcmp(word[0], "off") && n == 1 && !r->account) {
		r->mode = LIVE_OFF;
		strscpy(r->text, "off", sizeof(r->text));
	} else if (!strcmp(word[0], "all") && n == 1) {
		r->mode = LIVE_ALL;
		strscpy(r->text, "all", sizeof(r->text));
	} else if (!strcmp(word[0], "module") && n == 2) {
		r->mode = LIVE_MODULE;
		if (live_module_name(word[1], r->module))
			return live_garbage(text);
		if (live_own_module(r->module)) {
			pr_err("route refused: %s is one of pcpu_alt's own modules, which are never routed: -EINVAL\n",
			       r->module);
			return -EINVAL;
		}
		scnprintf(r->text, sizeof(r->text), "module %s", r->module);
	} else if (!strcmp(word[0], "site") && (n == 2 || n == 3)) {
		r->mode = LIVE_SITE;
		err = live_parse_site(text, word + 1, n - 1, r);
		if (err)
			return err;
	} else {
		return live_garbage(text);
	}
	if (r->account)
		strlcat(r->text, " account", sizeof(r->text));
	return 0;
}

/**
 * live_route_parse() - a route from its text
 * @text: one route (see the top of the file)
 *
 * A refusal says why in one line of the kernel log.
 *
 * CONTEXT: process context, may sleep.
 * RETURNS: the route, for live_route_install() (kfree() it if it is not
 * installed); ERR_PTR(-EINVAL) for text it does not understand,
 * ERR_PTR(-ENOENT) for a symbol it cannot find, ERR_PTR(-ENOMEM).
 */
struct live_route *live_route_parse(const char *text)
{
	struct live_route *r;
	int err;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	err = live_parse(text, r);
	if (err) {
		kfree(r);
		return ERR_PTR(err);
	}
	return r;
}

/**
 * live_route_install() - publish a route, and take or drop the pin
 * @r: from live_route_parse(); the route owns it from now on
 *
 * The pin is taken before a routing route is published.  When it returns,
 * calls that started under the old route have finished ("off" stops new
 * routing at once), the old route is freed, and the pin is dropped if
 * nothing needs it any more.
 *
 * CONTEXT: process context, may sleep; live_route_mutex held (control.c),
 * the hooks registered.
 */
void live_route_install(struct live_route *r)
{
	struct live_route *old;
	unsigned long flags;

	spin_lock_irqsave(&live_pin_lock, flags);
	if (live_routes(r) && !live_pinned) {
		/* The writer holds the file, hence the module: no race. */
		__module_get(THIS_MODULE);
		live_pinned = true;
	}
	r->gen = ++live_route_gen;
	old = rcu_replace_pointer(live_route_ptr, r,
				  lockdep_is_held(&live_pin_lock));
	spin_unlock_irqrestore(&live_pin_lock, flags);

	/* Calls still deciding under the old route finish first. */
	synchronize_srcu(&live_srcu);
	kfree(old);
	spin_lock_irqsave(&live_pin_lock, flags);
	live_unpin_locked();
	spin_unlock_irqrestore(&live_pin_lock, flags);
	trace_pcpu_alt_live_route(r->text);
	pr_info("route: %s\n", r->text);
}

/**
 * live_route_text() - the route as the route file shows it
 * @buf: receives it ("none" before the first write)
 * @size: bytes of @buf
 *
 * CONTEXT: process context.
 */
void live_route_text(char *buf, size_t size)
{
	const struct live_route *r;
	int idx;

	idx = srcu_read_lock(&live_srcu);
	r = live_route_get();
	strscpy(buf, r ? r->text : "none", size);
	srcu_read_unlock(&live_srcu, idx);
}

/* A module coming or going changes what callers' addresses mean. */
static int live_module_event(struct notifier_block *nb, unsigned long state,
			     void *data)
{
	atomic_inc_return_release(&live_mod_gen);
	return NOTIFY_OK;
}

static struct notifier_block live_module_nb = {
	.notifier_call = live_module_event,
};

/**
 * live_route_init() - the per-CPU verdicts, and module loads they follow
 *
 * CONTEXT: module init, before any hook.
 * RETURNS: 0 or an error.
 */
int live_route_init(void)
{
	int err;

	live_cpu_memo = alloc_percpu(struct live_cpu_memo);
	if (!live_cpu_memo)
		return -ENOMEM;
	err = register_module_notifier(&live_module_nb);
	if (err)
		free_percpu(live_cpu_memo);
	return err;
}

/**
 * live_route_exit() - the end: no route, no notifier
 *
 * CONTEXT: module exit, after the hooks are gone and their calls ended.
 */
void live_route_exit(void)
{
	unregister_module_notifier(&live_module_nb);
	kfree(rcu_dereference_protected(live_route_ptr, true));
	RCU_INIT_POINTER(live_route_ptr, NULL);
	free_percpu(live_cpu_memo);
}
