/* SPDX-License-Identifier: GPL-2.0 */
/* A fuzzer's input read a byte or two at a time (fuzz.c, api_fuzz.c). */
#ifndef _USPACE_FUZZ_INPUT_H
#define _USPACE_FUZZ_INPUT_H

#include <linux/types.h>

struct input {
	const u8 *data;
	size_t left;
};

/* The next byte in *@v; false when the input ran out. */
static inline bool get8(struct input *in, unsigned int *v)
{
	if (!in->left)
		return false;
	*v = *in->data++;
	in->left--;
	return true;
}

/* The next two bytes, big-endian, in *@v. */
static inline bool get16(struct input *in, unsigned int *v)
{
	unsigned int hi, lo;

	if (!get8(in, &hi) || !get8(in, &lo))
		return false;
	*v = hi << 8 | lo;
	return true;
}

#endif /* _USPACE_FUZZ_INPUT_H */
