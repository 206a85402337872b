/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stub layer, part 2: atomics, barriers, marked accesses and the bit
 * operations, all on the compiler's __atomic builtins (which
 * ThreadSanitizer understands).
 *
 * x86-64 gives the same instructions for most of these as the kernel's
 * own: a LOCK-prefixed instruction for each read-modify-write, a plain
 * MOV for READ_ONCE()/WRITE_ONCE() and acquire/release.  Where the kernel
 * promises full ordering (value-returning atomics, test_and_set_bit())
 * the stub asks for sequential consistency; elsewhere relaxed order.
 */
#ifndef _USPACE_ATOMIC_H
#define _USPACE_ATOMIC_H

#include <uspace/base.h>

/* ---- barriers and marked accesses ---- */

/* A compiler barrier: no memory access moves across it. */
static inline void barrier(void)
{
	__asm__ __volatile__("" : : : "memory");
}

/* The spin-wait hint x86's cpu_relax() gives. */
static inline void cpu_relax(void)
{
	__builtin_ia32_pause();
}

/*
 * The fences below.  ThreadSanitizer does not model fences: under it each
 * is a fully ordered read-modify-write of one shared word instead, so that
 * two barriers that pair (each side stores, barriers, then loads) are
 * ordered one after the other, as the fences are on the machine.
 */
#ifdef __SANITIZE_THREAD__
extern unsigned long uspace_mb_word;
#define uspace_fence(order)	\
	((void)(order), __atomic_fetch_add(&uspace_mb_word, 0, __ATOMIC_SEQ_CST))
#else
#define uspace_fence(order)	__atomic_thread_fence(order)
#endif

/* Full barrier: every access before is seen before any after. */
static inline void smp_mb(void)
{
	uspace_fence(__ATOMIC_SEQ_CST);
}

/* Loads before are seen before loads after (a no-op on x86). */
static inline void smp_rmb(void)
{
	uspace_fence(__ATOMIC_ACQUIRE);
}

/* Stores before are seen before stores after (a no-op on x86). */
static inline void smp_wmb(void)
{
	uspace_fence(__ATOMIC_RELEASE);
}

/* Atomic read-modify-writes are full barriers on x86. */
#define smp_mb__before_atomic()	barrier()
/* Likewise after them. */
#define smp_mb__after_atomic()	barrier()

/*
 * READ_ONCE()/WRITE_ONCE(): in the kernel a volatile access the compiler
 * may not tear or merge; here a relaxed atomic, which compiles to the
 * same MOV and tells ThreadSanitizer the access is meant to race.
 */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), v, __ATOMIC_RELAXED)
/* Acquire: what the writer did before its release is seen after. */
#define smp_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
/* Release: what this thread did before is seen by an acquire after. */
#define smp_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)

/*
 * data_race(): tells KCSAN a plain access races on purpose.  Under
 * ThreadSanitizer the reads inside are ignored the same way (the build
 * names TSan's annotation functions, USPACE_TSAN_IGNORE_READS_BEGIN and
 * _END); otherwise it is the expression itself.
 */
#ifdef USPACE_TSAN
void USPACE_TSAN_IGNORE_READS_BEGIN(const char *file, int line);
void USPACE_TSAN_IGNORE_READS_END(const char *file, int line);
/* The racy reads of @expr are meant: see above. */
#define data_race(expr)							\
	({								\
		USPACE_TSAN_IGNORE_READS_BEGIN(__FILE__, __LINE__);	\
		__typeof__(expr) __v = (expr);				\
		USPACE_TSAN_IGNORE_READS_END(__FILE__, __LINE__);	\
		__v;							\
	})
#else
/* The racy reads of @expr are meant: see above. */
#define data_race(expr)		(expr)
#endif

/* ---- generic exchange ---- */

#define xchg(p, v)	__atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)
#define cmpxchg(p, old, new)						\
	({								\
		__auto_type __p = (p);					\
		__typeof__(*__p) __old = (old);				\
		__atomic_compare_exchange_n(__p, &__old, new, false,	\
					    __ATOMIC_SEQ_CST,		\
					    __ATOMIC_SEQ_CST);		\
		__old;							\
	})
#define try_cmpxchg(p, oldp, new)					\
	__atomic_compare_exchange_n(p, oldp, new, false, __ATOMIC_SEQ_CST, \
				    __ATOMIC_SEQ_CST)

/* ---- atomic_t, atomic64_t, atomic_long_t ---- */

typedef struct { int counter; } atomic_t;
typedef struct { s64 counter; } atomic64_t;
/* long is 64 bits, as s64, on x86-64. */
typedef struct { s64 counter; } atomic_long_t;

#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC64_INIT(i)	{ (i) }
#define ATOMIC_LONG_INIT(i)	{ (i) }

/*
 * The operations work on any of the three types (on their counter), as
 * one set of macros: read/set and the void ones relaxed (a LOCK-prefixed
 * instruction all the same), the ones returning a value fully ordered,
 * as the kernel documents them.  The kernel's own build checks the types.
 */
#define atomic_read(v)		__atomic_load_n(&(v)->counter, __ATOMIC_RELAXED)
#define atomic_set(v, i)	__atomic_store_n(&(v)->counter, i, __ATOMIC_RELAXED)
#define atomic_read_acquire(v)	__atomic_load_n(&(v)->counter, __ATOMIC_ACQUIRE)
#define atomic_set_release(v, i)					\
	__atomic_store_n(&(v)->counter, i, __ATOMIC_RELEASE)
#define atomic_add(i, v)						\
	((void)__atomic_fetch_add(&(v)->counter, i, __ATOMIC_RELAXED))
#define atomic_sub(i, v)						\
	((void)__atomic_fetch_sub(&(v)->counter, i, __ATOMIC_RELAXED))
#define atomic_inc(v)		atomic_add(1, v)
#define atomic_dec(v)		atomic_sub(1, v)
#define atomic_add_return(i, v)						\
	__atomic_add_fetch(&(v)->counter, i, __ATOMIC_SEQ_CST)
#define atomic_sub_return(i, v)						\
	__atomic_sub_fetch(&(v)->counter, i, __ATOMIC_SEQ_CST)
#define atomic_inc_return(v)	atomic_add_return(1, v)
#define atomic_add_return_release(i, v)					\
	__atomic_add_fetch(&(v)->counter, i, __ATOMIC_RELEASE)
#define atomic_inc_return_release(v)	atomic_add_return_release(1, v)
#define atomic_dec_return(v)	atomic_sub_return(1, v)
#define atomic_dec_and_test(v)	(atomic_sub_return(1, v) == 0)
#define atomic_fetch_add(i, v)						\
	__atomic_fetch_add(&(v)->counter, i, __ATOMIC_SEQ_CST)
#define atomic_xchg(v, i)						\
	__atomic_exchange_n(&(v)->counter, i, __ATOMIC_SEQ_CST)
#define atomic_try_cmpxchg(v, oldp, new)				\
	__atomic_compare_exchange_n(&(v)->counter, oldp, new, false,	\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define atomic_cmpxchg(v, old, new)					\
	({								\
		__typeof__((v)->counter) __o = (old);			\
		__atomic_compare_exchange_n(&(v)->counter, &__o, new,	\
					    false, __ATOMIC_SEQ_CST,	\
					    __ATOMIC_SEQ_CST);		\
		__o;							\
	})

#define atomic64_read		atomic_read
#define atomic64_read_acquire	atomic_read_acquire
#define atomic64_set_release	atomic_set_release
#define atomic64_set		atomic_set
#define atomic64_add		atomic_add
#define atomic64_sub		atomic_sub
#define atomic64_inc		atomic_inc
#define atomic64_dec		atomic_dec
#define atomic64_add_return	atomic_add_return
#define atomic64_sub_return	atomic_sub_return
#define atomic64_inc_return	atomic_inc_return
#define atomic64_dec_return	atomic_dec_return
#define atomic64_try_cmpxchg	atomic_try_cmpxchg
#define atomic64_cmpxchg	atomic_cmpxchg
#define atomic_long_read	atomic_read
#define atomic_long_set		atomic_set
#define atomic_long_add		atomic_add
#define atomic_long_sub		atomic_sub
#define atomic_long_inc		atomic_inc
#define atomic_long_dec		atomic_dec
#define atomic_long_add_return	atomic_add_return
#define atomic_long_sub_return	atomic_sub_return
#define atomic_long_inc_return	atomic_inc_return
#define atomic_long_dec_return	atomic_dec_return
#define atomic_long_try_cmpxchg	atomic_try_cmpxchg
#define atomic_long_cmpxchg	atomic_cmpxchg

/* ---- bit operations on unsigned long arrays ---- */

#define BITS_PER_LONG		64
#define BITS_PER_BYTE		8
#define BITS_TO_LONGS(nr)	(((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define BIT(nr)			(1UL << (nr))
#define BIT_ULL(nr)		(1ULL << (nr))
#define BIT_MASK(nr)		(1UL << ((nr) % BITS_PER_LONG))
#define BIT_WORD(nr)		((nr) / BITS_PER_LONG)
#define GENMASK(h, l)		((~0UL << (l)) & (~0UL >> (BITS_PER_LONG - 1 - (h))))

/* The atomic ones: LOCK-prefixed, as on x86. */
static inline void set_bit(unsigned long nr, unsigned long *addr)
{
	__atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_RELAXED);
}

static inline void clear_bit(unsigned long nr, unsigned long *addr)
{
	__atomic_fetch_and(&addr[BIT_WORD(nr)], ~BIT_MASK(nr),
			   __ATOMIC_RELAXED);
}

static inline bool test_and_set_bit(unsigned long nr, unsigned long *addr)
{
	return __atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr),
				 __ATOMIC_SEQ_CST) & BIT_MASK(nr);
}

static inline bool test_and_clear_bit(unsigned long nr, unsigned long *addr)
{
	return __atomic_fetch_and(&addr[BIT_WORD(nr)], ~BIT_MASK(nr),
				  __ATOMIC_SEQ_CST) & BIT_MASK(nr);
}

/* Release order: what was written before is seen before the bit clears. */
static inline void clear_bit_unlock(unsigned long nr, unsigned long *addr)
{
	__atomic_fetch_and(&addr[BIT_WORD(nr)], ~BIT_MASK(nr),
			   __ATOMIC_RELEASE);
}

/*
 * Clear @mask and set @bits in one fully ordered update of *@ptr; returns
 * the word as it was.  A compare-and-swap loop, as the kernel's generic one.
 */
static inline unsigned long set_mask_bits(unsigned long *ptr,
					  unsigned long mask,
					  unsigned long bits)
{
	unsigned long old = __atomic_load_n(ptr, __ATOMIC_RELAXED);

	while (!__atomic_compare_exchange_n(ptr, &old, (old & ~mask) | bits,
					    false, __ATOMIC_SEQ_CST,
					    __ATOMIC_RELAXED))
		;
	return old;
}

/* The non-atomic ones: the caller holds the lock that covers the word. */
static inline void __set_bit(unsigned long nr, unsigned long *addr)
{
	addr[BIT_WORD(nr)] |= BIT_MASK(nr);
}

static inline void __clear_bit(unsigned long nr, unsigned long *addr)
{
	addr[BIT_WORD(nr)] &= ~BIT_MASK(nr);
}

/*
 * test_bit() is a single load in the kernel, safe to race with the
 * atomic writers; so is this one (a relaxed atomic load is a plain MOV).
 */
static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return (__atomic_load_n(&addr[BIT_WORD(nr)], __ATOMIC_RELAXED) >>
		(nr % BITS_PER_LONG)) & 1;
}

/* Position of the most significant set bit counting from 1; 0 for 0. */
static inline int fls(unsigned int x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

static inline int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

static inline int fls_long(unsigned long x)
{
	return fls64(x);
}

/* ffs() is libc's (<strings.h>), the same function as the kernel's. */

/* Index of the lowest/highest set bit; undefined for 0, as the kernel's. */
static inline unsigned long __ffs(unsigned long word)
{
	return __builtin_ctzl(word);
}

static inline unsigned long __fls(unsigned long word)
{
	return BITS_PER_LONG - 1 - __builtin_clzl(word);
}

static inline unsigned long ffz(unsigned long word)
{
	return __ffs(~word);
}

static inline unsigned int hweight32(u32 w)
{
	return __builtin_popcount(w);
}

static inline unsigned long hweight64(u64 w)
{
	return __builtin_popcountll(w);
}

static inline unsigned long hweight_long(unsigned long w)
{
	return __builtin_popcountl(w);
}

#endif /* _USPACE_ATOMIC_H */
