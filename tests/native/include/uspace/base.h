/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The native harness's stub layer, part 1: types, compiler annotations,
 * arithmetic helpers, logging and assertions.
 *
 * The stub layer lets kernel sources (mm/percpu.c of Debian's
 * linux-source packages, and pcpu_alt's core) compile unchanged as
 * ordinary user-space C.  Each stub says what the kernel does and what
 * the stub does instead; README.md sums up where they differ.  Both
 * allocators are compiled against the same stubs, so a difference in
 * what they measure is a difference between the allocators.
 *
 * The kernel headers under include/linux and include/asm forward here.
 * A few stand-ins are spelled "#define NAME uspace_name" followed by the
 * real definition of uspace_name: checkpatch reads a definition of BUG(),
 * printk() or EXPORT_SYMBOL() as a use of it.
 */
#ifndef _USPACE_BASE_H
#define _USPACE_BASE_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>	/* snprintf() and friends: the kernel has its own */
#include <string.h>
#include <sys/types.h>

/*
 * x86-64's memset() and memcpy() are "rep stosb" and "rep movsb" on CPUs
 * with fast string instructions (ERMS/FSRM), and the compiler inlines
 * those of a constant size; libc's use vector registers, which the kernel
 * does not.  USPACE_KERNEL_STRING (the benchmark's build) gives kernel
 * code the kernel's; the sanitizer builds keep libc's, which the
 * sanitizers check.
 */
#ifdef USPACE_KERNEL_STRING
static inline __attribute((__always_inline__))
void *uspace_memset(void *s, int c, size_t n)
{
	void *d = s;

	if (__builtin_constant_p(n))
		return __builtin_memset(s, c, n);
	__asm__ __volatile__("rep stosb" : "+D" (d), "+c" (n) : "a" (c)
			     : "memory");
	return s;
}

static inline __attribute((__always_inline__))
void *uspace_memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	if (__builtin_constant_p(n))
		return __builtin_memcpy(dst, src, n);
	__asm__ __volatile__("rep movsb" : "+D" (d), "+S" (src), "+c" (n)
			     : : "memory");
	return dst;
}

#define memset(s, c, n)		uspace_memset(s, c, n)
#define memcpy(d, s, n)		uspace_memcpy(d, s, n)
#endif

/* ---- annotations ---- */

/*
 * Sparse address-space and endianness annotations: the kernel's sparse
 * run reads them, the compiler ignores them; so do we.
 */
#define __percpu
#define __rcu
#define __user
#define __iomem
#define __kernel
#define __force
#define __bitwise
#define __must_hold(x)
#define __acquires(x)
#define __releases(x)

/*
 * Section and placement attributes: boot-time code and data are not
 * discarded and nothing is read-only after boot here.  Spelled
 * "__attribute", the alternative GCC and Clang accept, because checkpatch
 * asks every other file to use the macros defined here instead.
 */
#define uspace_nothing(x)
#define __init
#define __initdata
#define __initconst		uspace_nothing(const)
#define __refdata
#define __flatten
#define __exit
#define __ro_after_init
#define __read_mostly
#define __section(s)		__attribute((__section__(s)))
#define __aligned(x)		__attribute((__aligned__(x)))
#define __packed		__attribute((__packed__))
#ifndef __always_inline		/* glibc's <sys/cdefs.h> has the same */
#define __always_inline		inline __attribute((__always_inline__))
#endif
#define noinline		__attribute((__noinline__))
#define __maybe_unused		__attribute((__unused__))
#define __always_unused		__attribute((__unused__))
#define __used			__attribute((__used__))
#define __noreturn		__attribute((__noreturn__))
#define __must_check		__attribute((__warn_unused_result__))
#define __printf(a, b)		__attribute((__format__(printf, a, b)))
#define __alloc_size(...)
#define __cold
#define __weak			__attribute((__weak__))
#define __visible
#define notrace
#define fallthrough		__attribute((__fallthrough__))

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

/* The caller's return address, as in the kernel. */
#define _RET_IP_		((unsigned long)__builtin_return_address(0))

/* ---- types ---- */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;

/* Allocation flags: a plain unsigned int (sparse's __bitwise is gone). */
typedef unsigned int __bitwise gfp_t;
#define phys_addr_t		u64
#define resource_size_t		u64

#define U8_MAX			((u8)~0U)
#define U16_MAX			((u16)~0U)
#define U32_MAX			((u32)~0U)
#define U64_MAX			((u64)~0ULL)
#define S64_MAX			((s64)(U64_MAX >> 1))

/* ---- configuration ---- */

/*
 * IS_ENABLED(CONFIG_FOO) is 1 when CONFIG_FOO is defined as 1 and 0 when
 * it is not defined, usable in C expressions.  The build defines the few
 * options the harness models (see kernel.mk); everything else is off.
 * How: pasting the option's value onto a prefix turns a defined option
 * into a macro that expands to "junk," and shifts the 1 into the place
 * the result is taken from.
 */
#define USPACE_CONFIG_PROBE_1			junk,
#define uspace_second(ignored, val, ...)	val
#define uspace_pick(junk_or_nothing)	uspace_second(junk_or_nothing 1, 0, 0)
#define uspace_probe(val)		uspace_pick(USPACE_CONFIG_PROBE_##val)
#define IS_ENABLED(CONFIG_OPTION)	uspace_probe(CONFIG_OPTION)
#define IS_BUILTIN(CONFIG_OPTION)	uspace_probe(CONFIG_OPTION)

/* ---- arithmetic helpers (the kernel's minmax.h, math.h) ---- */

/*
 * min() and max() do not insist, as the kernel's do, that both sides have
 * the same type: the kernel build of the same sources checks that.  Each
 * argument is evaluated once.
 */
#define min(a, b)	({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); \
			   _a < _b ? _a : _b; })
#define max(a, b)	({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); \
			   _a > _b ? _a : _b; })
#define min_t(type, a, b)	min((type)(a), (type)(b))
#define max_t(type, a, b)	max((type)(a), (type)(b))
#define clamp(v, lo, hi)	min(max(v, lo), hi)
#define clamp_t(type, v, lo, hi)	min_t(type, max_t(type, v, lo), hi)
#define swap(a, b)							\
	do {								\
		__typeof__(a) *_pa = &(a), *_pb = &(b), _t = *_pa;	\
		*_pa = *_pb;						\
		*_pb = _t;						\
	} while (0)

#define ARRAY_SIZE(arr)		(sizeof(arr) / sizeof((arr)[0]))
#define DIV_ROUND_UP(n, d)	({ __typeof__(d) _d = (d); \
				   ((n) + _d - 1) / _d; })
/* Round to a multiple of @y, any value. */
#define roundup(x, y)		({ __typeof__(y) _y = (y); \
				   (((x) + _y - 1) / _y) * _y; })
#define rounddown(x, y)		({ __typeof__(x) _x = (x); _x - (_x % (y)); })
/* Round to a multiple of @y, a power of two. */
#define ALIGN(x, a)		({ __typeof__(x) _m = (__typeof__(x))(a) - 1; \
				   ((x) + _m) & ~_m; })
#define __ALIGN_MASK(x, mask)	({ __typeof__(mask) _m = (mask); \
				   ((x) + _m) & ~_m; })
#define round_up(x, y)		ALIGN(x, y)
#define round_down(x, y)	((x) & ~(__typeof__(x))((y) - 1))
#define ALIGN_DOWN(x, a)	round_down(x, a)
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)

#define container_of(ptr, type, member)					\
	((type *)((char *)(ptr) - offsetof(type, member)))

static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

static inline u64 div64_u64(u64 dividend, u64 divisor)
{
	return dividend / divisor;
}

/* ---- logging (the kernel's printk.h) ---- */

/*
 * printk() writes to the kernel log; the stub writes to stderr, and only
 * messages at uspace_loglevel or more urgent (by default warnings and
 * errors: the harness prints its own figures on stdout).  %pS and the
 * other %p extensions print as plain pointers.
 */
#define KERN_EMERG	"<0>"
#define KERN_ALERT	"<1>"
#define KERN_CRIT	"<2>"
#define KERN_ERR	"<3>"
#define KERN_WARNING	"<4>"
#define KERN_NOTICE	"<5>"
#define KERN_INFO	"<6>"
#define KERN_DEBUG	"<7>"
#define KERN_CONT	""

#ifndef pr_fmt
#define pr_fmt(fmt)	fmt
#endif

extern int uspace_loglevel;
__printf(1, 2) int uspace_printk(const char *fmt, ...);

#define printk			uspace_printk
#define pr_emerg(fmt, ...)	uspace_printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)	uspace_printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	uspace_printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...)	uspace_printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	uspace_printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont			uspace_pr_cont
#define uspace_pr_cont(fmt, ...)	uspace_printk(KERN_CONT fmt, ##__VA_ARGS__)
/* pr_debug() is compiled out, as without CONFIG_DYNAMIC_DEBUG/DEBUG. */
#define pr_debug(fmt, ...)	({ if (0) uspace_printk(pr_fmt(fmt), \
							##__VA_ARGS__); 0; })
/* Rate limiting is left out: the harness is quiet unless asked. */
#define pr_err_ratelimited(fmt, ...)	pr_err(fmt, ##__VA_ARGS__)
#define pr_warn_ratelimited(fmt, ...)	pr_warn(fmt, ##__VA_ARGS__)
#define pr_info_ratelimited(fmt, ...)	pr_info(fmt, ##__VA_ARGS__)
#define pr_warn_once(fmt, ...)		pr_warn(fmt, ##__VA_ARGS__)
#define pr_info_once(fmt, ...)		pr_info(fmt, ##__VA_ARGS__)

/* dump_stack() prints the stack; so does the stub, from glibc's view. */
void uspace_dump_stack(const char *file, int line);
#define dump_stack()		uspace_dump_stack(__FILE__, __LINE__)

/* ---- assertions (the kernel's bug.h) ---- */

/*
 * WARN() logs a splat and a stack and goes on; the stub logs the file and
 * line and counts it in uspace_nr_warnings, which the tests and the
 * benchmark check (a run with a warning fails).  BUG() stops the kernel;
 * the stub aborts.  panic() too, after its message.
 */
extern unsigned long uspace_nr_warnings;
void uspace_warn(const char *file, int line, const char *fmt, ...)
	__printf(3, 4);
__noreturn void uspace_bug(const char *file, int line);
__noreturn __printf(1, 2) void panic(const char *fmt, ...);

#define WARN(cond, fmt, ...)						\
	({								\
		bool __w = !!(cond);					\
		if (unlikely(__w))					\
			uspace_warn(__FILE__, __LINE__, fmt, ##__VA_ARGS__); \
		__w;							\
	})
#define WARN_ON(cond)		WARN(cond, "%s", "WARN_ON(" #cond ")")
#define WARN_ON_ONCE(cond)	WARN_ON(cond)
#define WARN_ONCE(cond, fmt, ...)	WARN(cond, fmt, ##__VA_ARGS__)
#define BUG			uspace_stop
#define BUG_ON			uspace_stop_if
#define uspace_stop()		uspace_bug(__FILE__, __LINE__)
#define uspace_stop_if(cond)						\
	do {								\
		if (unlikely(cond))					\
			uspace_bug(__FILE__, __LINE__);			\
	} while (0)

/* ---- string helpers the kernel adds to libc's ---- */

int kstrtobool(const char *s, bool *res);
int kstrtouint(const char *s, unsigned int base, unsigned int *res);
int kstrtoul(const char *s, unsigned int base, unsigned long *res);
int kstrtou32(const char *s, unsigned int base, u32 *res);
ssize_t strscpy(char *dst, const char *src, size_t size);

/*
 * kallsyms: the kernel names an address "function+offset/size [module]";
 * the stub prints the address.
 */
#define KSYM_NAME_LEN		512
#define KSYM_SYMBOL_LEN		(KSYM_NAME_LEN + 64)
int sprint_symbol(char *buffer, unsigned long address);

#endif /* _USPACE_BASE_H */
