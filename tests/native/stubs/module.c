// SPDX-License-Identifier: GPL-2.0
/*
 * Stub layer: module load and parameters, initcalls, shrinkers, CPU
 * hotplug states and seq_file output (uspace/module.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include <uspace/kernel.h>

static DEFINE_MUTEX(param_lock);

/* ---- module load ---- */

/**
 * uspace_module_init() - load the module linked in: run its module_init()
 *
 * RETURNS: what its init function returned; 0 when there is no module.
 */
int uspace_module_init(void)
{
	return &uspace_module_init_fn && uspace_module_init_fn ?
	       uspace_module_init_fn() : 0;
}

/**
 * uspace_module_exit() - unload it: run its module_exit()
 */
void uspace_module_exit(void)
{
	if (&uspace_module_exit_fn && uspace_module_exit_fn)
		uspace_module_exit_fn();
}

/**
 * uspace_run_initcalls() - run every subsys_initcall(), as boot does
 */
void uspace_run_initcalls(void)
{
	const initcall_t *fn;

	for (fn = __start_uspace_initcalls; fn < __stop_uspace_initcalls; fn++)
		(*fn)();
}

/* ---- parameters ---- */

void kernel_param_lock(struct module *mod)
{
	mutex_lock(&param_lock);
}

void kernel_param_unlock(struct module *mod)
{
	mutex_unlock(&param_lock);
}

/**
 * uspace_param_set() - write one of the module's parameters
 * @assignment: "name=value"
 *
 * Before uspace_module_init() this is a load-time parameter, after it a
 * write to /sys/module/.../parameters/name; both run under
 * kernel_param_lock(), as in the kernel.
 *
 * RETURNS: what the parameter's set function returned, -ENOENT for an
 * unknown name, -EINVAL without "=".
 */
int uspace_param_set(const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	const struct kernel_param *kp;
	size_t len;
	int err;

	if (!eq)
		return -EINVAL;
	len = eq - assignment;
	for (kp = __start_uspace_params; kp < __stop_uspace_params; kp++) {
		if (strlen(kp->name) != len ||
		    strncmp(kp->name, assignment, len))
			continue;
		kernel_param_lock(THIS_MODULE);
		err = kp->ops->set(eq + 1, kp);
		kernel_param_unlock(THIS_MODULE);
		return err;
	}
	return -ENOENT;
}

static int param_set_bool(const char *val, const struct kernel_param *kp)
{
	return kstrtobool(val, kp->arg);
}

int param_get_bool(char *buffer, const struct kernel_param *kp)
{
	return sprintf(buffer, "%c\n", *(bool *)kp->arg ? 'Y' : 'N');
}

static int param_set_int(const char *val, const struct kernel_param *kp)
{
	char *end;
	long v = strtol(val, &end, 0);

	if (end == val || *end || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*(int *)kp->arg = v;
	return 0;
}

static int param_get_int(char *buffer, const struct kernel_param *kp)
{
	return sprintf(buffer, "%d\n", *(int *)kp->arg);
}

int param_set_uint(const char *val, const struct kernel_param *kp)
{
	return kstrtouint(val, 0, kp->arg);
}

int param_get_uint(char *buffer, const struct kernel_param *kp)
{
	return sprintf(buffer, "%u\n", *(unsigned int *)kp->arg);
}

static int param_set_ulong(const char *val, const struct kernel_param *kp)
{
	return kstrtoul(val, 0, kp->arg);
}

static int param_get_ulong(char *buffer, const struct kernel_param *kp)
{
	return sprintf(buffer, "%lu\n", *(unsigned long *)kp->arg);
}

/* The old string is not freed: it may be the initial literal. */
static int param_set_charp(const char *val, const struct kernel_param *kp)
{
	char *copy = strdup(val);

	if (!copy)
		return -ENOMEM;
	*(char **)kp->arg = copy;
	return 0;
}

static int param_get_charp(char *buffer, const struct kernel_param *kp)
{
	return sprintf(buffer, "%s\n", *(char **)kp->arg);
}

const struct kernel_param_ops param_ops_bool = {
	.set = param_set_bool, .get = param_get_bool,
};

const struct kernel_param_ops param_ops_int = {
	.set = param_set_int, .get = param_get_int,
};

const struct kernel_param_ops param_ops_uint = {
	.set = param_set_uint, .get = param_get_uint,
};

const struct kernel_param_ops param_ops_ulong = {
	.set = param_set_ulong, .get = param_get_ulong,
};

const struct kernel_param_ops param_ops_charp = {
	.set = param_set_charp, .get = param_get_charp,
};

/* ---- shrinkers ---- */

static DEFINE_MUTEX(shrinker_lock);
static LIST_HEAD(shrinkers);

int register_shrinker(struct shrinker *s, const char *fmt, ...)
{
	mutex_lock(&shrinker_lock);
	list_add_tail(&s->list, &shrinkers);
	mutex_unlock(&shrinker_lock);
	return 0;
}

void unregister_shrinker(struct shrinker *s)
{
	mutex_lock(&shrinker_lock);
	list_del(&s->list);
	mutex_unlock(&shrinker_lock);
}

/**
 * uspace_shrink_all() - memory pressure: every shrinker scans all it has
 *
 * RETURNS: what the shrinkers said they freed.
 */
unsigned long uspace_shrink_all(void)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	unsigned long freed = 0, n, got;
	struct shrinker *s;

	mutex_lock(&shrinker_lock);
	list_for_each_entry(s, &shrinkers, list) {
		n = s->count_objects(s, &sc);
		if (!n || n == SHRINK_EMPTY)
			continue;
		sc.nr_to_scan = n;
		got = s->scan_objects(s, &sc);
		if (got != SHRINK_STOP)
			freed += got;
	}
	mutex_unlock(&shrinker_lock);
	return freed;
}

/* ---- CPU hotplug states ---- */

#define USPACE_CPUHP_STATES	8

/* Dynamic states handed out, with their teardown callbacks (cpuhp_lock). */
static DEFINE_MUTEX(cpuhp_lock);
static int (*cpuhp_teardown[USPACE_CPUHP_STATES])(unsigned int cpu);

int cpuhp_setup_state_nocalls(enum cpuhp_state state, const char *name,
			      int (*startup)(unsigned int cpu),
			      int (*teardown)(unsigned int cpu))
{
	int i, ret = -ENOSPC;

	mutex_lock(&cpuhp_lock);
	for (i = 0; i < USPACE_CPUHP_STATES; i++) {
		if (!cpuhp_teardown[i]) {
			cpuhp_teardown[i] = teardown;
			ret = state + 1 + i;
			break;
		}
	}
	mutex_unlock(&cpuhp_lock);
	return ret;
}

/**
 * uspace_cpu_dead() - run the teardown callbacks for @cpu, as the kernel
 * does from another CPU once @cpu went offline
 * @cpu: the CPU; it stays "online" here, so the caller must not run
 *       kernel code as @cpu meanwhile
 */
void uspace_cpu_dead(unsigned int cpu)
{
	int i;

	mutex_lock(&cpuhp_lock);
	for (i = 0; i < USPACE_CPUHP_STATES; i++)
		if (cpuhp_teardown[i])
			cpuhp_teardown[i](cpu);
	mutex_unlock(&cpuhp_lock);
}

void cpuhp_remove_state_nocalls(enum cpuhp_state state)
{
	int i = state - CPUHP_BP_PREPARE_DYN - 1;

	mutex_lock(&cpuhp_lock);
	if (i >= 0 && i < USPACE_CPUHP_STATES)
		cpuhp_teardown[i] = NULL;
	mutex_unlock(&cpuhp_lock);
}

/* ---- seq_file ---- */

void seq_printf(struct seq_file *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(m->stream, fmt, ap);
	va_end(ap);
}

void seq_puts(struct seq_file *m, const char *s)
{
	fputs(s, m->stream);
}

void seq_putc(struct seq_file *m, char c)
{
	fputc(c, m->stream);
}
