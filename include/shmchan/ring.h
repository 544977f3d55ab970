/* SPDX-License-Identifier: MIT */
/*
 * Ring layer: a lock-free multi-producer, single-consumer ring of fixed-size
 * slots, each guarded by a sequence number, in memory the caller provides
 * (shared memory, usually).
 *
 *   size_t n = shmchan_ring_memsize(slot_size, slot_count);
 *   shmchan_ring_init(mem, n, slot_size, slot_count);   // once, by the creator
 *   shmchan_ring_attach(&ring, mem, n);                  // by every user
 *
 * The geometry lives in the ring's header; attach validates it and copies it
 * into the handle, and every later access is bounded by that copy, so a ring
 * corrupted after attach can yield -EBADMSG but never an access outside it.
 *
 * Producers: any number of handles, each used by one thread at a time.
 * Consumer: exactly one handle (the ring does not arbitrate the role; the
 * channel layer does). A consumer handle loads the ring's read position when
 * it attaches.
 *
 * Positions are 32-bit counters that run freely and wrap at 2^32; slots are
 * indexed by position & (slot_count - 1). Comparisons use the signed 32-bit
 * difference, which is exact while fewer than 2^31 positions separate the two
 * values; slot_count is at most SHMCHAN_RING_MAX_SLOTS (2^24), far below.
 *
 * A producer that claims a slot (reserve or push) and stops before its commit
 * holds back the consumer at that slot: later messages stay queued behind it.
 * A bare ring cannot tell a slow producer from a dead one; the channel layer
 * records each producer's claim in its registry entry for that purpose.
 *
 * A consumer that stops between giving a slot back and moving its position
 * leaves the ring consistent: the next consumer steps over that slot.
 */
#ifndef SHMCHAN_RING_H
#define SHMCHAN_RING_H

#include "shmchan/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest payload of one slot, in bytes. */
#define SHMCHAN_RING_MAX_SLOT_SIZE (1u << 30)
/* Largest slot count (a power of two). */
#define SHMCHAN_RING_MAX_SLOTS (1u << 24)

/* Handle: caller-owned; fields are private to the library. */
struct shmchan_ring {
	void *hdr;	     /* ring header in the caller's memory */
	unsigned char *base; /* first slot */
	void *claim;	     /* optional producer claim word (set by the channel layer) */
	void *claim_extent;  /* record rings: optional word for the claimed length */
	void *consume_mark;  /* record rings: the consumer's note of the span it frees */
	size_t mem_size;
	uint32_t slot_size;
	uint32_t slot_count;
	uint32_t mask;
	uint32_t stride;  /* bytes from one slot to the next */
	uint32_t head;	  /* consumer: next position to read */
	uint32_t rsv_pos; /* producer: position of the outstanding reservation */
	uint32_t rsv_len; /* producer: bytes reserved */
	uint32_t rsv_max; /* record rings: the length given to reserve */
	uint32_t busy;	  /* SHMCHAN__RING_RESERVED / _PEEKED while outstanding */
};

/*
 * shmchan_ring_memsize - bytes a ring of this geometry needs.
 * Returns the size, or 0 if slot_size is 0 or above SHMCHAN_RING_MAX_SLOT_SIZE,
 * or slot_count is not a power of two in [2, SHMCHAN_RING_MAX_SLOTS], or the
 * total does not fit in size_t.
 */
SHMCHAN_API size_t shmchan_ring_memsize(uint32_t slot_size, uint32_t slot_count);

/*
 * shmchan_ring_init - lay out an empty ring in @mem (64-byte aligned, at least
 * shmchan_ring_memsize() bytes). Not atomic with respect to other users: init
 * before anyone attaches. Returns 0, or -EINVAL (NULL or misaligned @mem, bad
 * geometry, @mem_size too small).
 */
SHMCHAN_API int shmchan_ring_init(void *mem, size_t mem_size, uint32_t slot_size,
				  uint32_t slot_count);

/*
 * shmchan_ring_attach - validate the ring in @mem and fill @ring.
 * Returns 0, or -EINVAL (NULL or misaligned arguments), SHMCHAN_EBADMAGIC,
 * SHMCHAN_EVERSION, -EBADMSG (geometry fields inconsistent),
 * SHMCHAN_ETRUNCATED (the geometry needs more than @mem_size bytes).
 */
SHMCHAN_API int shmchan_ring_attach(struct shmchan_ring *ring, void *mem, size_t mem_size);

/*
 * shmchan_ring_cancel - give up the outstanding reservation. The slot is
 * published as discarded and the consumer steps over it without delivering
 * anything. Returns 0, or -EINVAL (no reservation outstanding, NULL ring).
 */
SHMCHAN_API int shmchan_ring_cancel(struct shmchan_ring *ring);

/*
 * shmchan_ring_push - copy one message of @len bytes (0 allowed) into the ring.
 * Returns 0, or -EINVAL (NULL ring, or NULL @data with @len > 0), -EMSGSIZE
 * (@len > slot size), -EAGAIN (every slot is in use: the ring is full),
 * -EALREADY (this handle has a reservation outstanding), -EBADMSG (the ring's
 * positions are corrupt: a slot ahead of the claim position).
 */
SHMCHAN_API int shmchan_ring_push(struct shmchan_ring *ring, const void *data, size_t len);

/*
 * shmchan_ring_pop - copy the oldest message into @buf (@cap bytes).
 * On success returns 0 and stores the message length in *@len.
 * Returns -EAGAIN (empty, or the oldest slot is claimed but not committed),
 * -EMSGSIZE (@cap too small: *@len gets the needed size and the message stays),
 * -EBADMSG (the slot's length, flags or sequence is corrupt; that slot is
 * dropped so the ring goes on), -EINVAL (NULL @ring or @len, NULL @buf with @cap > 0),
 * -EALREADY (a peek is outstanding).
 */
SHMCHAN_API int shmchan_ring_pop(struct shmchan_ring *ring, void *buf, size_t cap, size_t *len);

/*
 * shmchan_ring_reserve - claim the next slot for writing in place.
 * *@data points at slot_size writable bytes; @len (<= slot size) is what the
 * caller means to write, checked here so a too-large message fails before a
 * slot is claimed. Commit with shmchan_ring_commit(). Until then the consumer
 * waits at this slot: commit promptly.
 * Returns 0, or -EINVAL, -EMSGSIZE, -EAGAIN (full), -EALREADY, -EBADMSG.
 */
SHMCHAN_API int shmchan_ring_reserve(struct shmchan_ring *ring, size_t len, void **data);

/*
 * shmchan_ring_commit - publish the reserved slot with @len bytes (may differ
 * from the length given to reserve, up to the slot size).
 * Returns 0, or -EINVAL (no reservation outstanding, NULL ring),
 * -EMSGSIZE (@len > slot size; the reservation stays outstanding).
 */
SHMCHAN_API int shmchan_ring_commit(struct shmchan_ring *ring, size_t len);

/*
 * shmchan_ring_peek - look at the oldest message in place without removing it.
 * *@data stays valid until shmchan_ring_release(). Returns 0, or -EAGAIN,
 * -EBADMSG (as for pop: the corrupt slot is dropped), -EINVAL, -EALREADY
 * (a peek is already outstanding).
 */
SHMCHAN_API int shmchan_ring_peek(struct shmchan_ring *ring, const void **data, size_t *len);

/*
 * shmchan_ring_release - remove the message returned by shmchan_ring_peek().
 * Returns 0, or -EINVAL (no peek outstanding).
 */
SHMCHAN_API int shmchan_ring_release(struct shmchan_ring *ring);

/*
 * shmchan_ring_readable - consumer: whether a message (or a corrupt slot,
 * which the next pop reports) waits at the consumer's position. Discarded
 * slots are stepped over. Returns 1, 0, or -EINVAL.
 */
SHMCHAN_API int shmchan_ring_readable(struct shmchan_ring *ring);

/*
 * shmchan_ring_writable - producer: whether the next slot is free, so that a
 * push would not find the ring full. Returns 1, 0, or -EINVAL.
 */
SHMCHAN_API int shmchan_ring_writable(const struct shmchan_ring *ring);

/*
 * shmchan_ring_depth - slots claimed and not yet consumed (committed or not),
 * a snapshot clamped to the capacity. Returns the count, or -EINVAL.
 */
SHMCHAN_API int shmchan_ring_depth(const struct shmchan_ring *ring);

/* shmchan_ring_capacity - the slot count, or -EINVAL. */
SHMCHAN_API int shmchan_ring_capacity(const struct shmchan_ring *ring);

/* shmchan_ring_slot_size - the payload bytes of one slot, or -EINVAL. */
SHMCHAN_API int shmchan_ring_slot_size(const struct shmchan_ring *ring);

#ifdef __cplusplus
}
#endif

#endif /* SHMCHAN_RING_H */
