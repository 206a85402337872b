/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stub layer, part 4: CPUs, what runs on them, and per-CPU data.
 *
 * The model.  A CPU is an id from 0 to nr_cpu_ids - 1 (all possible, all
 * online).  Every thread that runs kernel code has one, in uspace_self:
 * the benchmark's threads are pinned to host CPUs and each owns one id;
 * the workqueue's worker takes the id of the CPU that queued the work.
 *
 * In the kernel, code that runs with interrupts or preemption off (or
 * inside an RCU read-side section, or with a spinlock held) owns its CPU:
 * nothing else runs there until it is done.  Here each CPU has a lock,
 * and a thread holds its CPU's lock for as long as it is in such a
 * section (struct uspace_thread says when).
 * So two threads that share an id never interleave their per-CPU work,
 * and a cross-CPU call (on_each_cpu(), an IPI in the kernel) takes the
 * target's lock and runs there as that CPU, which is what an interrupt
 * does: it runs only when the CPU has interrupts on.  The lock is one
 * exchange to take and one store to release when nobody else wants it
 * (the kernel's cli/sti cost about as much); a waiter spins a little,
 * then yields the host CPU (threads may outnumber host CPUs).
 *
 * An RCU grace period (synchronize_rcu()) takes and drops every CPU's
 * lock: once each CPU has been out of its sections, every read-side
 * section that began before is over.  (In the kernel too, code with
 * interrupts off is an RCU reader.)
 */
#ifndef _USPACE_CPU_H
#define _USPACE_CPU_H

#include <uspace/bitmap.h>

/* Largest CPU id + 1 the harness supports; nr_cpu_ids is set at start. */
#define USPACE_MAX_CPUS		64
#define NR_CPUS			USPACE_MAX_CPUS
#define NUMA_NO_NODE		(-1)

extern unsigned int nr_cpu_ids;

/* ---- tasks ---- */

/* Reclaim scope flags of a task (memalloc_noio_save() and friends). */
#define PF_MEMALLOC_NOFS	0x00040000
#define PF_MEMALLOC_NOIO	0x00080000

/*
 * struct task_struct: the kernel's is the whole task; this one has the
 * fields the allocators read: flags for the reclaim scope, a name and a
 * pid for messages.
 */
struct task_struct {
	unsigned int flags;
	int pid;
	char comm[16];
};

/*
 * What a thread is to the kernel code it runs: its task, its CPU id, and
 * its CPU's state as the kernel keeps it: whether interrupts are off (a
 * flag, saved and restored by local_irq_save()/_restore()) and the
 * preemption count (spinlocks and RCU readers raise it too).  The thread
 * holds its CPU's lock whenever either says the CPU is its own.
 */
struct uspace_thread {
	struct task_struct task;
	unsigned int cpu;
	bool irqs_off;
	unsigned int preempt_count;
};

extern __thread struct uspace_thread uspace_self;

#define current			(&uspace_self.task)

/* ---- the CPU locks ---- */

struct uspace_cpu {
	int locked;		/* 1 while a thread owns this CPU */
	/* Each CPU's lock on its own cache line, as per-CPU data would be. */
} __aligned(64);

extern struct uspace_cpu uspace_cpus[USPACE_MAX_CPUS];

void uspace_cpu_lock_wait(struct uspace_cpu *c);
void uspace_might_sleep_failed(const char *file, int line);

static inline void uspace_cpu_lock(unsigned int cpu)
{
	struct uspace_cpu *c = &uspace_cpus[cpu];

	if (__atomic_exchange_n(&c->locked, 1, __ATOMIC_ACQUIRE))
		uspace_cpu_lock_wait(c);
}

static inline void uspace_cpu_unlock(unsigned int cpu)
{
	__atomic_store_n(&uspace_cpus[cpu].locked, 0, __ATOMIC_RELEASE);
}

/* Does this thread own its CPU now (interrupts or preemption off)? */
static inline bool uspace_owns_cpu(void)
{
	return uspace_self.irqs_off || uspace_self.preempt_count;
}

/* Sleeping while the CPU is owned is a bug in the kernel; here, a hang. */
#define might_sleep()							\
	do {								\
		if (unlikely(uspace_owns_cpu()))			\
			uspace_might_sleep_failed(__FILE__, __LINE__);	\
	} while (0)

#define might_sleep_if(cond)						\
	do {								\
		if (cond)						\
			might_sleep();					\
	} while (0)

/* ---- preemption (preempt.h) ---- */

static inline void preempt_disable(void)
{
	if (!uspace_self.preempt_count++ && !uspace_self.irqs_off)
		uspace_cpu_lock(uspace_self.cpu);
}

static inline void preempt_enable(void)
{
	if (!--uspace_self.preempt_count && !uspace_self.irqs_off)
		uspace_cpu_unlock(uspace_self.cpu);
}

#define preempt_count()		(uspace_self.preempt_count)
#define in_interrupt()		0
#define in_task()		1

/* ---- interrupts (irqflags.h) ---- */

/* Turn interrupts off; true if they were on. */
static inline bool uspace_irq_disable(void)
{
	if (uspace_self.irqs_off)
		return false;
	uspace_self.irqs_off = true;
	if (!uspace_self.preempt_count)
		uspace_cpu_lock(uspace_self.cpu);
	return true;
}

static inline void uspace_irq_enable(void)
{
	if (!uspace_self.irqs_off)
		return;
	uspace_self.irqs_off = false;
	if (!uspace_self.preempt_count)
		uspace_cpu_unlock(uspace_self.cpu);
}

/* The saved flags are 1 when interrupts were on, 0 when they were off. */
#define local_irq_save(flags)	((flags) = uspace_irq_disable())
#define local_irq_restore(flags)					\
	do { if (flags) uspace_irq_enable(); } while (0)
#define local_irq_disable()	((void)uspace_irq_disable())
#define local_irq_enable()	uspace_irq_enable()
#define irqs_disabled()		(uspace_self.irqs_off)

/*
 * cond_resched() lets the scheduler run someone else in the kernel; the
 * host's scheduler preempts threads anyway, so it does nothing here.
 */
#define cond_resched()		might_sleep()

/* ---- CPU ids and masks (smp.h, cpumask.h) ---- */

#define smp_processor_id()	(uspace_self.cpu)
#define raw_smp_processor_id()	(uspace_self.cpu)
#define get_cpu()		({ preempt_disable(); smp_processor_id(); })
#define put_cpu()		preempt_enable()

static inline int get_boot_cpu_id(void)
{
	return 0;
}

struct cpumask {
	unsigned long bits[BITS_TO_LONGS(USPACE_MAX_CPUS)];
};

extern struct cpumask uspace_cpu_possible_mask;

/* Every possible CPU is online and present: there is no hotplug here. */
#define cpu_possible_mask	(&uspace_cpu_possible_mask)
#define cpu_online_mask		(&uspace_cpu_possible_mask)
#define cpu_present_mask	(&uspace_cpu_possible_mask)
#define cpumask_bits(mask)	((mask)->bits)
/* The two arguments of the kernel's "%*pb" for a mask. */
#define uspace_args(...)	__VA_ARGS__
#define cpumask_pr_args(mask)	uspace_args(nr_cpu_ids, cpumask_bits(mask))

/* USPACE_MAX_CPUS fits one word: a mask is one unsigned long. */
static inline unsigned int cpumask_next(int n, const struct cpumask *mask)
{
	unsigned long word;

	if (n + 1 >= (int)nr_cpu_ids)
		return nr_cpu_ids;
	word = mask->bits[0] & (~0UL << (n + 1));
	return word ? min_t(unsigned int, __ffs(word), nr_cpu_ids) : nr_cpu_ids;
}

static inline unsigned int cpumask_first(const struct cpumask *mask)
{
	return cpumask_next(-1, mask);
}

static inline unsigned int cpumask_weight(const struct cpumask *mask)
{
	return hweight_long(mask->bits[0] & BITMAP_LAST_WORD_MASK(nr_cpu_ids));
}

static inline bool cpumask_test_cpu(int cpu, const struct cpumask *mask)
{
	return test_bit(cpu, mask->bits);
}

static inline void cpumask_set_cpu(unsigned int cpu, struct cpumask *mask)
{
	set_bit(cpu, mask->bits);
}

static inline void cpumask_clear_cpu(int cpu, struct cpumask *mask)
{
	clear_bit(cpu, mask->bits);
}

static inline void cpumask_clear(struct cpumask *mask)
{
	bitmap_zero(mask->bits, USPACE_MAX_CPUS);
}

static inline bool cpumask_empty(const struct cpumask *mask)
{
	return cpumask_first(mask) >= nr_cpu_ids;
}

static inline void cpumask_copy(struct cpumask *dst,
				const struct cpumask *src)
{
	bitmap_copy(dst->bits, src->bits, USPACE_MAX_CPUS);
}

/* As the bitmap loops: the state in a struct, the CPU written to @cpu. */
#define for_each_cpu(cpu, mask)						\
	for (struct {							\
		__typeof__(cpu) *at;					\
		const struct cpumask *set;				\
		int next;						\
	     } __it = { &(cpu), (mask), -1 };				\
	     (unsigned int)(__it.next = cpumask_next(__it.next, __it.set)) < \
	     nr_cpu_ids ?						\
	     (*__it.at = __it.next, true) : (*__it.at = nr_cpu_ids, false);)
#define for_each_possible_cpu(cpu)	for_each_cpu((cpu), cpu_possible_mask)
#define for_each_online_cpu(cpu)	for_each_cpu((cpu), cpu_online_mask)
#define num_possible_cpus()	cpumask_weight(cpu_possible_mask)
#define num_online_cpus()	cpumask_weight(cpu_online_mask)
#define cpu_possible(cpu)	cpumask_test_cpu((cpu), cpu_possible_mask)
#define cpu_online(cpu)		cpumask_test_cpu((cpu), cpu_online_mask)

/* One memory node; every CPU is on it. */
#define cpu_to_node(cpu)	((void)(cpu), 0)
#define early_cpu_to_node(cpu)	cpu_to_node(cpu)
#define numa_node_id()		0
#define node_online(node)	((node) == 0)
#define nr_node_ids		1
/* NUMA distances between nodes, as the ACPI SLIT would give them. */
#define LOCAL_DISTANCE		10
#define REMOTE_DISTANCE		20

/* ---- cross-CPU calls (smp.h) ---- */

typedef void (*smp_call_func_t)(void *info);
typedef bool (*smp_cond_func_t)(int cpu, void *info);

/*
 * The kernel sends an interrupt to each CPU and, with @wait, waits for
 * them; here the caller runs @func as each CPU in turn, holding that
 * CPU's lock (see the top), and always waits.
 */
void on_each_cpu_cond_mask(smp_cond_func_t cond_func, smp_call_func_t func,
			   void *info, bool wait, const struct cpumask *mask);
int smp_call_function_single(int cpu, smp_call_func_t func, void *info,
			     int wait);

static inline void on_each_cpu(smp_call_func_t func, void *info, int wait)
{
	on_each_cpu_cond_mask(NULL, func, info, wait, cpu_online_mask);
}

static inline void on_each_cpu_cond(smp_cond_func_t cond_func,
				    smp_call_func_t func, void *info,
				    bool wait)
{
	on_each_cpu_cond_mask(cond_func, func, info, wait, cpu_online_mask);
}

/* ---- per-CPU data (percpu-defs.h) ---- */

/*
 * As in the kernel: DEFINE_PER_CPU variables live in their own section,
 * the boot code (boot.c, as x86's setup_per_cpu_areas()) copies that
 * section into every unit of the stock allocator's first chunk, and a
 * CPU's copy of anything per-CPU, static or allocated, is the pointer
 * plus __per_cpu_offset[cpu].
 */
extern unsigned long __per_cpu_offset[USPACE_MAX_CPUS];

#define USPACE_DEFINE_PER_CPU_ATTRS					\
	__attribute((__section__("uspace_percpu"), __aligned__(8)))
#define DEFINE_PER_CPU(type, name)					\
	USPACE_DEFINE_PER_CPU_ATTRS __typeof__(type) name
#define DEFINE_PER_CPU_READ_MOSTLY(type, name)	DEFINE_PER_CPU(type, name)
#define DEFINE_PER_CPU_ALIGNED(type, name)	DEFINE_PER_CPU(type, name)
#define DECLARE_PER_CPU(type, name)					\
	extern USPACE_DEFINE_PER_CPU_ATTRS __typeof__(type) name

#define per_cpu_offset(cpu)	(__per_cpu_offset[cpu])
#define __verify_pcpu_ptr(ptr)	((void)sizeof(ptr))
#define per_cpu_ptr(ptr, cpu)						\
	((__typeof__(ptr))((unsigned long)(ptr) + per_cpu_offset(cpu)))
#define raw_cpu_ptr(ptr)	per_cpu_ptr((ptr), smp_processor_id())
#define this_cpu_ptr(ptr)	raw_cpu_ptr(ptr)
#define per_cpu(var, cpu)	(*per_cpu_ptr(&(var), (cpu)))

/*
 * this_cpu_*(): one instruction the kernel cannot interrupt midway; here
 * a short section, free when the caller is in one already.  The raw_ and
 * __ forms are for callers that own the CPU already.
 */
#define __this_cpu_read(pcp)	(*raw_cpu_ptr(&(pcp)))
#define __this_cpu_write(pcp, v)	(*raw_cpu_ptr(&(pcp)) = (v))
#define __this_cpu_add(pcp, v)	(*raw_cpu_ptr(&(pcp)) += (v))
#define __this_cpu_sub(pcp, v)	(*raw_cpu_ptr(&(pcp)) -= (v))
#define __this_cpu_inc(pcp)	__this_cpu_add(pcp, 1)
#define __this_cpu_dec(pcp)	__this_cpu_sub(pcp, 1)
#define raw_cpu_read(pcp)	__this_cpu_read(pcp)
#define raw_cpu_add(pcp, v)	__this_cpu_add(pcp, v)

#define uspace_this_cpu_op(op)						\
	do { preempt_disable(); op; preempt_enable(); } while (0)
#define this_cpu_read(pcp)						\
	({								\
		__typeof__(pcp) __r;					\
		uspace_this_cpu_op(__r = __this_cpu_read(pcp));		\
		__r;							\
	})
#define this_cpu_write(pcp, v)	uspace_this_cpu_op(__this_cpu_write(pcp, v))
#define this_cpu_add(pcp, v)	uspace_this_cpu_op(__this_cpu_add(pcp, v))
#define this_cpu_sub(pcp, v)	uspace_this_cpu_op(__this_cpu_sub(pcp, v))
#define this_cpu_inc(pcp)	this_cpu_add(pcp, 1)
#define this_cpu_dec(pcp)	this_cpu_sub(pcp, 1)

/* ---- harness side: threads and CPUs ---- */

int uspace_cpus_init(unsigned int nr_cpus);
void uspace_thread_set_cpu(unsigned int cpu);
int uspace_thread_pin(unsigned int host_cpu);

#endif /* _USPACE_CPU_H */
