/* SPDX-License-Identifier: MIT */
/*
 * Test messages, one generator and one checker for every test program.
 *
 * Indexed messages (streams that check order, loss and duplicates): an
 * 8-byte index, then bytes derived from the index, the length (8 to
 * T_MSG_MAX, which the including file defines) derived from it too. Two
 * messages that may share a slot (indices differing by a multiple of a slot
 * count of at most 1024) differ in every pattern byte, so a torn message
 * fails the check.
 *
 * Raw buffers (a ring's own tests): bytes derived from a seed.
 */
#ifndef T_MSG_H
#define T_MSG_H

#include <stdint.h>
#include <string.h>

#include "t_util.h"

#ifndef T_MSG_MAX
#error "define T_MSG_MAX (the largest message, at least 8 bytes) before t_msg.h"
#endif

static inline size_t t_msg_len(uint64_t i)
{
	return 8 + (size_t)((i * 37u + (i >> 9)) % (T_MSG_MAX - 7));
}

static inline unsigned char t_msg_byte(uint64_t i, size_t k)
{
	return (unsigned char)(i * 131u + k * 29u + (i >> 8) * 3u);
}

/* Message @i into @buf (T_MSG_MAX bytes); returns its length. */
static inline size_t t_msg_make(unsigned char *buf, uint64_t i)
{
	size_t len = t_msg_len(i), k;

	memcpy(buf, &i, 8);
	for (k = 8; k < len; k++)
		buf[k] = t_msg_byte(i, k);
	return len;
}

/* 1 if @buf holds a well-formed message (its index in *@idx), else 0. */
static inline int t_msg_ok(const void *data, size_t len, uint64_t *idx)
{
	const unsigned char *buf = data;
	uint64_t i = ~0ull;
	size_t k;

	if (len >= 8)
		memcpy(&i, buf, 8);
	*idx = i;
	if (len < 8 || len > T_MSG_MAX || len != t_msg_len(i))
		return 0;
	for (k = 8; k < len; k++)
		if (buf[k] != t_msg_byte(i, k))
			return 0;
	return 1;
}

/* The index of the well-formed message in @buf; fails the test (naming
 * @who) if it is corrupt. */
static inline uint64_t t_msg_check(const void *buf, size_t len, const char *who)
{
	uint64_t idx;

	if (!t_msg_ok(buf, len, &idx))
		T_FAIL("%s: corrupt message (len %zu, index field %llu)", who, len,
		       (unsigned long long)idx);
	return idx;
}

/* @n raw bytes derived from @seed, and whether @p holds them. */
static inline unsigned char t_raw_byte(uint64_t seed, size_t k)
{
	return (unsigned char)(seed * 31u + k * 7u + (k >> 8));
}

static inline void t_raw_fill(unsigned char *p, size_t n, uint64_t seed)
{
	size_t k;

	for (k = 0; k < n; k++)
		p[k] = t_raw_byte(seed, k);
}

static inline int t_raw_same(const unsigned char *p, size_t n, uint64_t seed)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (p[k] != t_raw_byte(seed, k))
			return 0;
	return 1;
}

#endif /* T_MSG_H */
