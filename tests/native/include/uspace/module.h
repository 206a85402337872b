/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stub layer, part 8: modules, parameters, initcalls and the kernel's
 * other hooks that have nothing to hook into here (trace points, memory
 * leak detection, memory cgroups, shrinkers, CPU hotplug, static keys).
 */
#ifndef _USPACE_MODULE_H
#define _USPACE_MODULE_H

#include <uspace/mm.h>

#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME		"kernel"
#endif

/* ---- exports and module information: nothing to export to ---- */

#define EXPORT_SYMBOL		uspace_no_export
#define EXPORT_SYMBOL_GPL	uspace_no_export
#define EXPORT_PER_CPU_SYMBOL	uspace_no_export
#define uspace_no_export(sym)
#define MODULE_LICENSE(s)
#define MODULE_DESCRIPTION(s)
#define MODULE_VERSION(s)
#define MODULE_AUTHOR(s)
#define MODULE_PARM_DESC(name, desc)

struct module;
#define THIS_MODULE		((struct module *)NULL)

/*
 * module_init()/module_exit(): the harness loads the one module linked in
 * by calling uspace_module_init() and unloads it with uspace_module_exit().
 */
#define module_init(fn)							\
	int (*const uspace_module_init_fn)(void) = fn
#define module_exit(fn)							\
	void (*const uspace_module_exit_fn)(void) = fn
int uspace_module_init(void);
void uspace_module_exit(void);
/* Weak: a program may have no module linked in. */
extern int (*const uspace_module_init_fn)(void) __weak;
extern void (*const uspace_module_exit_fn)(void) __weak;

/*
 * Initcalls run once boot is over (uspace_run_initcalls()), as
 * subsys_initcall() ones do after the first chunk is set up; early
 * parameters are never given.
 */
typedef int (*initcall_t)(void);

#define subsys_initcall(fn)						\
	static const initcall_t __initcall_##fn __used			\
		__section("uspace_initcalls") = fn
#define late_initcall(fn)	subsys_initcall(fn)
#define early_param(str, fn)						\
	static int (*const __early_param_##fn)(char *) __maybe_unused = fn
void uspace_run_initcalls(void);
/* The section of initcalls, through the linker's symbols (weak: maybe none). */
extern const initcall_t __start_uspace_initcalls[] __weak;
extern const initcall_t __stop_uspace_initcalls[] __weak;

/*
 * Module notifiers (notifier.h, module.h): no module is ever loaded or
 * unloaded here, so a notifier is accepted and never called, and no
 * address lies within a module.
 */
#define NOTIFY_DONE		0x0000
#define NOTIFY_OK		0x0001

enum module_state {
	MODULE_STATE_LIVE,
	MODULE_STATE_COMING,
	MODULE_STATE_GOING,
	MODULE_STATE_UNFORMED,
};

struct notifier_block {
	int (*notifier_call)(struct notifier_block *nb, unsigned long action,
			     void *data);
	struct notifier_block *next;
	int priority;
};

/* No module comes or goes in user space: nothing to notify. */
static inline int register_module_notifier(struct notifier_block *nb __maybe_unused)
{
	return 0;
}

static inline int unregister_module_notifier(struct notifier_block *nb __maybe_unused)
{
	return 0;
}

#define within_module(addr, mod)	((void)(addr), (void)(mod), false)
#define within_module_init(addr, mod)	((void)(addr), (void)(mod), false)

/* ---- module parameters (moduleparam.h) ---- */

struct kernel_param;

struct kernel_param_ops {
	int (*set)(const char *val, const struct kernel_param *kp);
	int (*get)(char *buffer, const struct kernel_param *kp);
};

/*
 * The kernel keeps parameters in a section the module loader reads; so
 * does the stub, for uspace_param_set() to find them by name.
 */
struct kernel_param {
	const char *name;
	const struct kernel_param_ops *ops;
	void *arg;
} __aligned(32);

#define module_param_cb(name, ops, arg, perm)				\
	static const struct kernel_param __param_##name __used		\
		__section("uspace_params") = { #name, ops, arg }
#define module_param(name, type, perm)					\
	static const struct kernel_param __param_##name __used		\
		__section("uspace_params") =				\
		{ #name, &param_ops_##type, &(name) }

extern const struct kernel_param_ops param_ops_bool, param_ops_int;
extern const struct kernel_param_ops param_ops_uint, param_ops_ulong;
extern const struct kernel_param_ops param_ops_charp;

int param_get_bool(char *buffer, const struct kernel_param *kp);
int param_get_uint(char *buffer, const struct kernel_param *kp);
int param_set_uint(const char *val, const struct kernel_param *kp);

/* Every parameter write holds this lock, as the kernel's sysfs writes do. */
void kernel_param_lock(struct module *mod);
void kernel_param_unlock(struct module *mod);

/* "name=value" for the module's parameter @name; -ENOENT if none. */
int uspace_param_set(const char *assignment);
/* The section of parameters, through the linker's symbols (weak: maybe none). */
extern const struct kernel_param __start_uspace_params[] __weak;
extern const struct kernel_param __stop_uspace_params[] __weak;

/* ---- static keys (jump_label.h): a flag tested with a branch ---- */

struct static_key_false {
	bool enabled;
};

#define DEFINE_STATIC_KEY_FALSE(name)	struct static_key_false name = { false }
#define DECLARE_STATIC_KEY_FALSE(name)	extern struct static_key_false name
#define static_branch_unlikely(k)	unlikely(READ_ONCE((k)->enabled))
#define static_branch_likely(k)		likely(READ_ONCE((k)->enabled))
#define static_branch_enable(k)		WRITE_ONCE((k)->enabled, true)
#define static_branch_disable(k)	WRITE_ONCE((k)->enabled, false)

/* ---- hooks with nothing behind them ---- */

/* Memory cgroups: no charging (the stock allocator's hooks are off). */
struct obj_cgroup;

static inline bool mem_cgroup_kmem_disabled(void)
{
	return true;
}

/* kmemleak: not tracking anything. */
#define kmemleak_alloc_percpu(ptr, size, gfp)	do { } while (0)
#define kmemleak_free_percpu(ptr)		do { } while (0)
#define kmemleak_ignore_phys(phys)		do { } while (0)
#define kmemleak_free(ptr)			do { } while (0)

/* Trace points (tracepoint.h): each event is an empty inline function. */
#define TP_PROTO(...)		__VA_ARGS__
#define TP_ARGS(...)		__VA_ARGS__
#define TRACE_DEFINE_ENUM(x)
#define TRACE_EVENT(name, proto, args, tstruct, assign, print)		\
	static inline void trace_##name(proto) { }			\
	static inline bool trace_##name##_enabled(void) { return false; }
#define DECLARE_EVENT_CLASS(name, proto, args, tstruct, assign, print)
#define DEFINE_EVENT(tmpl, name, proto, args)				\
	static inline void trace_##name(proto) { }			\
	static inline bool trace_##name##_enabled(void) { return false; }

/* Shrinkers (shrinker.h): registered, called only when a test asks. */
#define SHRINK_STOP		(~0UL)
#define SHRINK_EMPTY		(~0UL - 1)
#define DEFAULT_SEEKS		2

struct shrink_control {
	gfp_t gfp_mask;
	int nid;
	unsigned long nr_to_scan;
	unsigned long nr_scanned;
};

struct shrinker {
	unsigned long (*count_objects)(struct shrinker *s,
				       struct shrink_control *sc);
	unsigned long (*scan_objects)(struct shrinker *s,
				      struct shrink_control *sc);
	int seeks;
	struct list_head list;
};

__printf(2, 3) int register_shrinker(struct shrinker *s, const char *fmt, ...);
void unregister_shrinker(struct shrinker *s);
/* Ask every shrinker to scan everything it counts; returns what they freed. */
unsigned long uspace_shrink_all(void);

/* CPU hotplug states (cpuhotplug.h): CPUs never go away here. */
enum cpuhp_state {
	CPUHP_INVALID = -1,
	CPUHP_OFFLINE = 0,
	CPUHP_BP_PREPARE_DYN = 40,
	CPUHP_AP_ONLINE_DYN = 200,
};

int cpuhp_setup_state_nocalls(enum cpuhp_state state, const char *name,
			      int (*startup)(unsigned int cpu),
			      int (*teardown)(unsigned int cpu));
void cpuhp_remove_state_nocalls(enum cpuhp_state state);
#define cpuhp_remove_state_nocalls_cpuslocked(state)			\
	cpuhp_remove_state_nocalls(state)
void uspace_cpu_dead(unsigned int cpu);

/* ---- seq_file.h: printed to a stdio stream ---- */

struct seq_file {
	void *stream;		/* a FILE * */
};

__printf(2, 3) void seq_printf(struct seq_file *m, const char *fmt, ...);
void seq_puts(struct seq_file *m, const char *s);
void seq_putc(struct seq_file *m, char c);

#endif /* _USPACE_MODULE_H */
