// SPDX-License-Identifier: GPL-2.0
/*
 * Stub layer: logging, assertions and string helpers (uspace/base.h).
 */
#include <errno.h>
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <uspace/kernel.h>

/* Messages at this level or more urgent are printed (KERN_WARNING). */
int uspace_loglevel = 4;
unsigned long uspace_nr_warnings;

#ifdef __SANITIZE_THREAD__
/* The word every barrier updates under ThreadSanitizer (uspace/atomic.h). */
unsigned long uspace_mb_word;
#endif

/* Split "<N>" off a message: its level, and the text after it. */
static const char *split_level(const char *fmt, int *level)
{
	*level = 6;	/* a message without a level is KERN_INFO's */
	if (fmt[0] == '<' && fmt[1] >= '0' && fmt[1] <= '7' && fmt[2] == '>') {
		*level = fmt[1] - '0';
		return fmt + 3;
	}
	return fmt;
}

int uspace_printk(const char *fmt, ...)
{
	va_list ap;
	int level, n;

	fmt = split_level(fmt, &level);
	if (level > READ_ONCE(uspace_loglevel))
		return 0;
	va_start(ap, fmt);
	n = vfprintf(stderr, fmt, ap);
	va_end(ap);
	return n;
}

void uspace_dump_stack(const char *file, int line)
{
	void *frames[32];
	int n = backtrace(frames, ARRAY_SIZE(frames));

	fprintf(stderr, "dump_stack() at %s:%d\n", file, line);
	backtrace_symbols_fd(frames, n, STDERR_FILENO);
}

void uspace_warn(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	__atomic_fetch_add(&uspace_nr_warnings, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "WARNING at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void uspace_bug(const char *file, int line)
{
	fprintf(stderr, "BUG at %s:%d\n", file, line);
	abort();
}

void panic(const char *fmt, ...)
{
	va_list ap;

	fputs("kernel stopped: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* As the kernel's: y/Y/1/on is true, n/N/0/off is false. */
int kstrtobool(const char *s, bool *res)
{
	if (!s)
		return -EINVAL;
	switch (s[0]) {
	case 'y': case 'Y': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N') {
			*res = true;
			return 0;
		}
		if (s[1] == 'f' || s[1] == 'F') {
			*res = false;
			return 0;
		}
		break;
	}
	return -EINVAL;
}

/*
 * A whole unsigned number in @base (0: by its prefix), one trailing
 * newline allowed, as the kernel's kstrto*() take it.
 */
int kstrtoul(const char *s, unsigned int base, unsigned long *res)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno == ERANGE || v > ULONG_MAX)
		return -ERANGE;
	if (end == s || (*end && !(end[0] == '\n' && !end[1])))
		return -EINVAL;
	*res = v;
	return 0;
}

int kstrtouint(const char *s, unsigned int base, unsigned int *res)
{
	unsigned long v;
	int err = kstrtoul(s, base, &v);

	if (err)
		return err;
	if (v > UINT_MAX)
		return -ERANGE;
	*res = v;
	return 0;
}

int kstrtou32(const char *s, unsigned int base, u32 *res)
{
	return kstrtouint(s, base, res);
}

ssize_t strscpy(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);

	if (!size)
		return -E2BIG;
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = 0;
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return len;
}

int sprint_symbol(char *buffer, unsigned long address)
{
	return snprintf(buffer, KSYM_SYMBOL_LEN, "0x%lx", address);
}
