/* SPDX-License-Identifier: MIT */
/* Internal: the slot ring's memory layout. Not installed. */
#ifndef SHMCHAN_RING_PVT_H
#define SHMCHAN_RING_PVT_H

#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "shmchan/ring.h"
#include "slots_pvt.h"

#define SHMCHAN__RING_MAGIC 0x676e6972u /* "ring" */
#define SHMCHAN__RING_VERSION 1u

/* Handle states (struct shmchan_ring.busy). */
#define SHMCHAN__RING_RESERVED 1u
#define SHMCHAN__RING_PEEKED 2u
/* Mode, set at attach: the ring is a work queue's, whose producers step
 * over slots held by consumers (wqueue.c W1). */
#define SHMCHAN__RING_WQ 4u
/* A consumer holding messages (hold_pvt.h): it publishes as its position
 * (C4, R4) the oldest one held, kept in rsv_pos (a consumer reserves
 * nothing), while its head goes on past it. */
#define SHMCHAN__RING_HOLDING 8u

/* The position a consumer publishes as the ring's head: its own, or the
 * oldest message it holds. */
static inline uint32_t shmchan__shared_head(const struct shmchan_ring *r)
{
	return (r->busy & SHMCHAN__RING_HOLDING) ? r->rsv_pos : r->head;
}

/* Whether the consumer's head is a lap past the oldest message it holds:
 * the slot there (the bytes, in a record ring) is that message's, so
 * nothing more can be read before it is released. */
static inline int shmchan__hold_lapped(const struct shmchan_ring *r, uint32_t size)
{
	return (r->busy & SHMCHAN__RING_HOLDING) && (r->head - r->rsv_pos) >= size;
}

/* Set what the consumer holds: @oldest the oldest held position, or NULL
 * when it holds nothing (the ring's own state only; the caller publishes). */
static inline void shmchan__set_holding(struct shmchan_ring *r, const uint32_t *oldest)
{
	if (oldest) {
		r->busy |= SHMCHAN__RING_HOLDING;
		r->rsv_pos = *oldest;
	} else {
		r->busy &= ~SHMCHAN__RING_HOLDING;
	}
}

/* Producer claim word: SHMCHAN__CLAIM_ACTIVE | position while a slot is claimed. */
#define SHMCHAN__CLAIM_ACTIVE (1ull << 32)
/* Work queues: a dead reader's claim being taken over (kind_wq.c). */
#define SHMCHAN__CLAIM_ADOPTING (1ull << 33)

/*
 * Ring header. Line 0 is written once by init and read-only afterwards. The
 * producers' claim position (tail) and the consumer's position (head) sit on
 * lines of their own so that neither side's stores invalidate the other's.
 */
struct shmchan__ring_hdr {
	struct shmchan__slots_geom g; /* line 0 (slots_pvt.h) */
	alignas(SHMCHAN__CACHELINE) _Atomic uint32_t tail;
	alignas(SHMCHAN__CACHELINE) _Atomic uint32_t head;
	alignas(SHMCHAN__CACHELINE) unsigned char slots[];
};

/*
 * Slot: seq drives the protocol (see ring.c); len and flags are published by
 * seq's release store and read once (atomically, so a hostile writer cannot
 * make the consumer read two different values) after its acquire load.
 */
struct shmchan__slot {
	_Atomic uint32_t seq;
	_Atomic uint32_t len;
	_Atomic uint32_t flags;
	/* Work queues: the position a consumer last took from this slot
	 * (wqueue.c W1 bounds how far producers step over it); else unused. */
	_Atomic uint32_t held;
	unsigned char data[];
};

/*
 * A claim stepped over by the consumer (see ring.c, "Stepping over"): the
 * slot of position @pos holds this sequence until the claimant gives it back
 * or is known to be gone. Two below pos, a value no other state of the slot
 * takes, at any slot count.
 */
#define SHMCHAN__SEQ_STEPPED(pos) ((uint32_t)((pos)-2u))

/* Slot flags. Any other bit set marks the slot corrupt. */
#define SHMCHAN__SLOT_DISCARDED 1u /* cancelled or abandoned: skip, deliver nothing */
#define SHMCHAN__SLOT_FLAGS_KNOWN SHMCHAN__SLOT_DISCARDED

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must be lock-free");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
_Static_assert(sizeof(_Atomic uint32_t) == 4, "atomic u32 is 4 bytes");
_Static_assert(sizeof(struct shmchan__slots_geom) == 32, "the geometry line's fields");
_Static_assert(offsetof(struct shmchan__ring_hdr, tail) == 64, "tail on line 1");
_Static_assert(offsetof(struct shmchan__ring_hdr, head) == 128, "head on line 2");
_Static_assert(offsetof(struct shmchan__ring_hdr, slots) == 192, "slots after line 2");
_Static_assert(sizeof(struct shmchan__ring_hdr) == 192, "ring header is 3 lines");
_Static_assert(offsetof(struct shmchan__slot, data) == SHMCHAN__SLOT_HDR, "slot header");

/* The slot of position @pos. */
static inline struct shmchan__slot *shmchan__slot_at(const struct shmchan_ring *r, uint32_t pos)
{
	return (struct shmchan__slot *)(void *)(r->base + (size_t)(pos & r->mask) * r->stride);
}

/* Consumer: reload the read position from the ring (after a role change). */
void shmchan__ring_load_head(struct shmchan_ring *ring);

/* Consumer: what is at head (*pos gets the position). */
#define SHMCHAN__HEAD_EMPTY 0	/* nothing claimed there yet */
#define SHMCHAN__HEAD_PENDING 1 /* claimed by a producer, not committed */
#define SHMCHAN__HEAD_READY 2	/* committed, released, or corrupt: read to see */
/* Nothing to read: the slot at head holds a claim of the previous lap that
 * was stepped over and is not given back yet (*pos gets that position). */
#define SHMCHAN__HEAD_STEPPED 3
int shmchan__ring_head(const struct shmchan_ring *ring, uint32_t *pos);

/* Consumer: step over the claimed, uncommitted slot at @pos (== head), and
 * move head past it. The slot is not reusable until its claimant's commit
 * gives it back or shmchan__ring_reclaim() does. Returns 0, or -EAGAIN if
 * the slot changed meanwhile (committed after all). */
int shmchan__ring_skip_abandoned(struct shmchan_ring *ring, uint32_t pos);

/* Give back the slot of stepped-over position @pos, whose claimant is known
 * to be gone (it can no longer write to it). Returns 0, or -EAGAIN if the
 * slot is not in that state (its claimant gave it back itself). */
int shmchan__ring_reclaim(struct shmchan_ring *ring, uint32_t pos);

/*
 * Consumer holding messages (kind_slot.c, hold_pvt.h). take: the message
 * at head, which the consumer now holds: 0 with *pos, *data and *len, head
 * moved past it; the shared head stays at the oldest held (C5); errors as
 * for a peek. done: give back held position @pos (C3), in any order (C6).
 * publish: store the shared head after what is held changed (C4).
 */
int shmchan__ring_take(struct shmchan_ring *ring, uint32_t *pos, const void **data, size_t *len);
void shmchan__ring_done(struct shmchan_ring *ring, uint32_t pos);
void shmchan__ring_publish(struct shmchan_ring *ring);
/* The payload of the slot of @pos. */
const void *shmchan__ring_data_at(const struct shmchan_ring *ring, uint32_t pos);

/* The sequence of the slot of @pos (seq_cst, like C1). */
uint32_t shmchan__ring_slot_seq(const struct shmchan_ring *ring, uint32_t pos);

/* Test hook: init a ring whose positions start at @start (wraparound tests). */
int shmchan__ring_init_at(void *mem, size_t mem_size, uint32_t slot_size, uint32_t slot_count,
			  uint32_t start);

/*
 * Work queue (wqueue.c): the same ring with several consumers, which claim
 * positions by a CAS of head. @cw is the consumer's claim word in its
 * registry entry (SHMCHAN__CLAIM_ACTIVE | pos while it holds a message).
 */
/* Take the oldest message: 0 with *pos, *data, *len (held until wq_done),
 * -EAGAIN (nothing committed at head), -EBADMSG (a corrupt slot was dropped). */
int shmchan__wq_take(struct shmchan_ring *ring, _Atomic uint64_t *cw, uint32_t *pos,
		     const void **data, uint32_t *len);
/* The message held at @pos (taken, or adopted from a dead consumer):
 * 0 with *data and *len, or -EBADMSG if the slot does not hold it. */
int shmchan__wq_at(const struct shmchan_ring *ring, uint32_t pos, const void **data, uint32_t *len);
/* Give the slot of held position @pos back to the producers; clear @cw. */
void shmchan__wq_done(struct shmchan_ring *ring, _Atomic uint64_t *cw, uint32_t pos);
/* What is at head (SHMCHAN__HEAD_*), *pos gets head. */
int shmchan__wq_head(const struct shmchan_ring *ring, uint32_t *pos);
/* Give back claimed, uncommitted head position @pos of a dead producer.
 * Returns 0, or -EAGAIN if the slot or head changed meanwhile. */
int shmchan__wq_skip_abandoned(struct shmchan_ring *ring, uint32_t pos);
/* Whether a message waits at head (1) or not (0). */
int shmchan__wq_readable(const struct shmchan_ring *ring);
/* Producer: whether a claim would find a slot, or step over a held one
 * (1), or find the ring full (0). */
int shmchan__wq_writable(const struct shmchan_ring *ring);
/* Whether position @pos, held per a claim word, is still unconsumed: its
 * slot holds the message of @pos and head has passed it. */
int shmchan__wq_held(const struct shmchan_ring *ring, uint32_t pos);
/* Producer at tail @pos, whose slot's sequence read @seq: if the slot holds
 * a message a consumer took and has not given back, step over @pos (W1, W2)
 * and return 1 (claim again at the new tail); -EAGAIN if it holds one that
 * cannot be stepped over yet (the ring is full there); 0 for any other
 * state (the slot ring's rules apply). */
int shmchan__wq_step_tail(struct shmchan_ring *ring, uint32_t pos, uint32_t seq);

/* The checks that open a reserve of @len bytes, in both rings: 0, or
 * -EINVAL, -EALREADY (a reservation is outstanding), -EMSGSIZE. */
static inline int shmchan__reserve_check(const struct shmchan_ring *r, size_t len,
					 void *const *data)
{
	if (!r || !r->hdr || !data)
		return -EINVAL;
	if (r->busy & SHMCHAN__RING_RESERVED)
		return -EALREADY;
	return len > r->slot_size ? -EMSGSIZE : 0;
}

/* Push as a reservation, a copy and a commit, through the ring's own
 * @reserve and @commit (the slot ring's and the record ring's push). Inline,
 * so that each ring's push calls its own functions directly. */
static inline int shmchan__push_via(struct shmchan_ring *r, const void *data, size_t len,
				    int (*reserve)(struct shmchan_ring *, size_t, void **),
				    int (*commit)(struct shmchan_ring *, size_t))
{
	void *dst;
	int err;

	if (!r || (!data && len > 0))
		return -EINVAL;
	err = reserve(r, len, &dst);
	if (err)
		return err;
	if (len)
		memcpy(dst, data, len);
	return commit(r, len);
}

#endif /* SHMCHAN_RING_PVT_H */
