/* SPDX-License-Identifier: MIT */
/*
 * Internal: the record ring, a byte ring of variable-length records for many
 * producers and one consumer. Not installed; the channel layer is its API.
 *
 * Layout: a header (three cache lines, like the slot ring's) and a buffer of
 * `size` bytes, a power of two. Positions are 32-bit byte counters that wrap
 * at 2^32 (size <= 2^30, so signed differences are exact).
 *
 * A record starts at an 8-aligned position with a 64-bit header word:
 *   bits  0..31  payload length
 *   bits 32..58  stride / 8: bytes from this header to the next record
 *   bits 59..63  flags (SHMCHAN__REC_*)
 * followed by the payload. A record never crosses the end of the buffer: a
 * producer whose record would, claims the rest of the buffer too and fills it
 * with a PAD record.
 *
 * After the buffer comes the header map: one byte per 8-byte word of the
 * buffer (size / 8 bytes). A map byte is 1 from the moment a producer has
 * written a record's header at that word until the consumer frees the
 * record, and 0 otherwise. Free space keeps whatever bytes it held: a word
 * where a header is about to go may hold an older record's payload, which
 * can look like any header, so the consumer trusts a header word only when
 * its map byte says it was written for this record (rring.c, M1/M2). Freeing
 * a record is thus one byte store and the head store, whatever its length.
 * Version 1 (0.4 and earlier) had no map and zeroed every freed byte.
 */
#ifndef SHMCHAN_RRING_PVT_H
#define SHMCHAN_RRING_PVT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ring_pvt.h"

#define SHMCHAN__RRING_MAGIC 0x676e7272u /* "rrng" */
#define SHMCHAN__RRING_VERSION 2u	 /* 2: the header map; 1: zeroed free space */
#define SHMCHAN__RRING_MIN_SIZE 64u
#define SHMCHAN__RRING_MAX_SIZE (1u << 30)

#define SHMCHAN__REC_HDR 8u
#define SHMCHAN__REC_CLAIMED (1ull << 59)   /* claimed: stride known, not committed */
#define SHMCHAN__REC_COMMITTED (1ull << 60) /* committed: length and payload valid */
#define SHMCHAN__REC_PAD (1ull << 61)	    /* filler up to the end of the buffer */
#define SHMCHAN__REC_DISCARDED (1ull << 62) /* cancelled or abandoned: skip */
#define SHMCHAN__REC_FLAGS (0x1Full << 59)
#define SHMCHAN__REC_KNOWN                                                                         \
	(SHMCHAN__REC_CLAIMED | SHMCHAN__REC_COMMITTED | SHMCHAN__REC_PAD | SHMCHAN__REC_DISCARDED)
/* A claimed record the consumer stepped over (rring.c R5): the producer's
 * commit fails, and it gives the record back as DISCARDED. */
#define SHMCHAN__REC_STEPPED (SHMCHAN__REC_CLAIMED | SHMCHAN__REC_DISCARDED)
#define SHMCHAN__REC_WORD(len, stride, flags)                                                      \
	((uint64_t)(len) | ((uint64_t)((stride) >> 3) << 32) | (flags))
#define SHMCHAN__REC_LEN(w) ((uint32_t)(w))
#define SHMCHAN__REC_STRIDE(w) ((uint32_t)(((w) >> 32) & 0x7FFFFFFu) << 3)
/* The consumer's note of a span it is freeing: position, span, and the
 * COMMITTED bit as "valid". */
#define SHMCHAN__REC_MARK(pos, span) SHMCHAN__REC_WORD(pos, span, SHMCHAN__REC_COMMITTED)

struct shmchan__rring_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t size;	  /* buffer bytes, a power of two */
	uint32_t max_len; /* largest payload: size / 2 - SHMCHAN__REC_HDR */
	uint64_t mem_size;
	alignas(SHMCHAN__CACHELINE) _Atomic uint32_t tail;
	alignas(SHMCHAN__CACHELINE) _Atomic uint32_t head;
	alignas(SHMCHAN__CACHELINE) unsigned char buf[];
};

_Static_assert(offsetof(struct shmchan__rring_hdr, tail) == 64, "tail on line 1");
_Static_assert(offsetof(struct shmchan__rring_hdr, head) == 128, "head on line 2");
_Static_assert(offsetof(struct shmchan__rring_hdr, buf) == 192, "buffer after line 2");
/* The code shared with the slot ring reads head and tail through struct
 * shmchan__ring_hdr: the offsets must agree. */
_Static_assert(offsetof(struct shmchan__rring_hdr, tail) ==
		       offsetof(struct shmchan__ring_hdr, tail),
	       "same tail offset in both rings");
_Static_assert(offsetof(struct shmchan__rring_hdr, head) ==
		       offsetof(struct shmchan__ring_hdr, head),
	       "same head offset in both rings");

/*
 * The handle is struct shmchan_ring, with these meanings for a record ring:
 * slot_size = max_len, slot_count = size, mask = size - 1, stride unused,
 * head = consumer position, rsv_pos/rsv_len = the outstanding reservation
 * (record position, its stride), claim = the producer's claim word (the
 * position of its claim), claim_extent = the claimed length in bytes, which a
 * claim may span a PAD record and the record after it.
 */
size_t shmchan__rring_memsize(uint32_t size);
int shmchan__rring_init(void *mem, size_t mem_size, uint32_t size);
int shmchan__rring_attach(struct shmchan_ring *r, void *mem, size_t mem_size);
int shmchan__rring_reserve(struct shmchan_ring *r, size_t len, void **data);
int shmchan__rring_commit(struct shmchan_ring *r, size_t len);
int shmchan__rring_cancel(struct shmchan_ring *r);
int shmchan__rring_push(struct shmchan_ring *r, const void *data, size_t len);
int shmchan__rring_pop(struct shmchan_ring *r, void *buf, size_t cap, size_t *len);
int shmchan__rring_peek(struct shmchan_ring *r, const void **data, size_t *len);
int shmchan__rring_release(struct shmchan_ring *r);
/*
 * Consumer holding records (kind_record.c, hold_pvt.h; rring.c R6). take:
 * the record at head, now held: 0 with *pos, *span, *data and *len, head
 * moved past it, the ring's head left at the oldest held; errors as for a
 * peek. done: mark the held record at @pos of @span done. publish: after
 * the oldest held record was marked done, free in order up to @oldest (the
 * next record still held; NULL: none, up to head) and move the ring's head
 * there. Returns 0, or -EBADMSG (a header on the way is corrupt: the space
 * from it on stays taken).
 */
int shmchan__rring_take(struct shmchan_ring *r, uint32_t *pos, uint32_t *span, const void **data,
			size_t *len);
void shmchan__rring_done(struct shmchan_ring *r, uint32_t pos, uint32_t span);
int shmchan__rring_publish(struct shmchan_ring *r, const uint32_t *oldest);
int shmchan__rring_readable(struct shmchan_ring *r);
/* Whether a record of @len payload bytes would fit now. */
int shmchan__rring_writable(const struct shmchan_ring *r, size_t len);
/* Bytes claimed and not consumed (clamped to the size). */
uint32_t shmchan__rring_depth_bytes(const struct shmchan_ring *r);
/* Consumer: what is at head (SHMCHAN__HEAD_*), as for the slot ring. */
int shmchan__rring_head(const struct shmchan_ring *r, uint32_t *pos);
/* Consumer: give back @extent bytes at head (a dead producer's claim). */
int shmchan__rring_skip_abandoned(struct shmchan_ring *r, uint32_t pos, uint32_t extent);
/* Consumer: step over the claimed record at head @pos whose producer may
 * live (R5): its header becomes STEPPED, its commit fails, and the consumer
 * waits at it until the producer gives it back (or is known gone, then
 * skip_abandoned). Returns 0, or -EAGAIN if the header is not CLAIMED (not
 * written yet, already stepped over, or committed). */
int shmchan__rring_step(struct shmchan_ring *r, uint32_t pos);
/* Consumer: the stride the header at head records for a claim (a producer
 * that reserved and stopped). Returns 1 with *stride, or 0 if none. */
int shmchan__rring_claimed_stride(const struct shmchan_ring *r, uint32_t *stride);
/* Consumer: reload head after taking the role (8-aligned). */
void shmchan__rring_load_head(struct shmchan_ring *r);
/* Consumer taking over from a dead one: if @mark says it died freeing the
 * span at head, finish freeing it. Returns 1 if it did. */
int shmchan__rring_recover(struct shmchan_ring *r, uint64_t mark);
/* Test hook: positions start at @start. */
int shmchan__rring_init_at(void *mem, size_t mem_size, uint32_t size, uint32_t start);

#endif /* SHMCHAN_RRING_PVT_H */
