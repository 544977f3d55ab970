/* SPDX-License-Identifier: MIT */
/*
 * What every fuzz harness shares: the script format, the contract check,
 * and the small helpers that check a result against the memory it must lie
 * in. Header-only (each harness is one program).
 */
#ifndef FZ_UTIL_H
#define FZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A script of 16 (operation, argument) pairs opens each input. */
#define SCRIPT_PAIRS 16
#define SCRIPT_LEN (2 * SCRIPT_PAIRS)
/* The largest memory image a harness takes from an input. */
#define IMAGE_MAX (1u << 20)

/* A broken promise of the library: abort, which libFuzzer reports. */
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__, __LINE__, #c);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A length from a script argument: small values as they are, the others
 * around @max, the boundary that matters. */
static inline size_t fz_len_of(uint8_t arg, size_t max)
{
	int64_t v;

	if (arg < 128)
		return arg;
	v = (int64_t)max + (int64_t)arg - 192;
	return v < 0 ? 0 : (size_t)v;
}

/* Whether [p, p + n) lies inside the @size bytes at @base. */
static inline int fz_inside(const void *base, size_t size, const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)base;

	return a >= lo && a - lo <= size && n <= size - (a - lo);
}

/* The sum of @n bytes at @p: reading each one lets ASan see each access. */
static inline unsigned fz_sum(const void *p, size_t n)
{
	const unsigned char *b = p;
	unsigned s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += b[i];
	return s;
}

/* The memory image that follows the script in an input of @size bytes,
 * copied into a 64-byte aligned buffer of exactly its size (*@n). Returns
 * the buffer (free it), or NULL for an input too short or too long. */
static inline unsigned char *fz_image(const uint8_t *data, size_t size, size_t *n)
{
	void *mem = NULL;

	if (size < SCRIPT_LEN || size - SCRIPT_LEN > IMAGE_MAX)
		return NULL;
	*n = size - SCRIPT_LEN;
	if (posix_memalign(&mem, 64, *n ? *n : 1) != 0)
		return NULL;
	memcpy(mem, data + SCRIPT_LEN, *n);
	return mem;
}

/* The lowest free descriptor (to tell a leak: it must not climb). */
static inline int fz_lowest_free_fd(void)
{
	int fd = dup(2);

	if (fd >= 0)
		close(fd);
	return fd;
}

#endif /* FZ_UTIL_H */
