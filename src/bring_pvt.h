/* SPDX-License-Identifier: MIT */
/*
 * Internal: the broadcast ring. Not installed.
 *
 * Fixed slots like the slot ring (same stride and size), but nobody consumes:
 * each subscriber keeps its own cursor, and a slot is overwritten in turn by
 * the writer of the position one lap later. Positions are 64-bit and never
 * wrap, so a cursor's distance to the tail is an exact message count.
 *
 * A slot's seq is (pos << 2) | state: the position it holds or is being
 * written for, and
 *   0 FREE      never written (only at initialisation, pos 0)
 *   1 WRITING   a writer owns it (seqlock "odd"): readers must not use it
 *   2 DONE      holds the committed message of pos
 *   3 DISC      pos was cancelled or abandoned: no message
 * See bring.c for the protocol.
 */
#ifndef SHMCHAN_BRING_PVT_H
#define SHMCHAN_BRING_PVT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#include "ring_pvt.h"

#define SHMCHAN__BRING_MAGIC 0x74736362u /* "bcst" */
#define SHMCHAN__BRING_VERSION 1u

#define SHMCHAN__BS_FREE 0u
#define SHMCHAN__BS_WRITING 1u
#define SHMCHAN__BS_DONE 2u
#define SHMCHAN__BS_DISC 3u
/* Positions stay below this (2^61 messages: centuries at 10^9/s), so the
 * encoding never overflows; a tail at or above it is corrupt. */
#define SHMCHAN__BPOS_MAX (1ull << 61)
#define SHMCHAN__BSEQ(pos, st) (((uint64_t)(pos) << 2) | (st))
#define SHMCHAN__BSEQ_POS(v) ((v) >> 2)
#define SHMCHAN__BSEQ_ST(v) ((uint32_t)((v)&3u))

/* Same size and line placement as struct shmchan__ring_hdr. */
struct shmchan__bring_hdr {
	struct shmchan__slots_geom g;			   /* line 0 (slots_pvt.h) */
	alignas(SHMCHAN__CACHELINE) _Atomic uint64_t tail; /* next position to claim */
	alignas(SHMCHAN__CACHELINE) uint64_t reserved[8];
	alignas(SHMCHAN__CACHELINE) unsigned char slots[];
};

struct shmchan__bslot {
	_Atomic uint64_t seq;
	_Atomic uint32_t len;
	uint32_t reserved;
	unsigned char data[];
};

_Static_assert(sizeof(struct shmchan__bring_hdr) == sizeof(struct shmchan__ring_hdr),
	       "broadcast ring header is 3 lines, like the slot ring's");
_Static_assert(offsetof(struct shmchan__bring_hdr, tail) == 64, "tail on line 1");
_Static_assert(offsetof(struct shmchan__bring_hdr, slots) == sizeof(struct shmchan__bring_hdr),
	       "slots right after the header (the geometry's slot_offset)");
_Static_assert(offsetof(struct shmchan__bslot, data) == SHMCHAN__SLOT_HDR, "slot header");

/* What a subscriber finds at its cursor (shmchan__bring_look). */
#define SHMCHAN__BL_READY 0   /* the message of the position: *len, *data, *seq */
#define SHMCHAN__BL_EMPTY 1   /* not claimed yet */
#define SHMCHAN__BL_PENDING 2 /* claimed, not committed (or being written) */
#define SHMCHAN__BL_DISC 3    /* cancelled or abandoned: step over */
#define SHMCHAN__BL_OVERRUN 4 /* overwritten by a later position */
#define SHMCHAN__BL_CORRUPT 5 /* committed with an impossible length */

int shmchan__bring_init(void *mem, size_t mem_size, uint32_t slot_size, uint32_t slot_count);
int shmchan__bring_attach(struct shmchan_ring *r, void *mem, size_t mem_size);
/* The claim position (seq_cst: a re-check half of the sleep protocol). */
uint64_t shmchan__bring_tail(const struct shmchan_ring *r);

/* Writer: claim the tail position if it is below @gate (UINT64_MAX: no
 * gate) and the position a lap earlier is finished. Returns 0 and *pos;
 * 1 (*@gen, if given, is no longer @gen_seen: the gate is stale); 2 (the
 * position a lap earlier was discarded, and its slot's seq, in *blocker, is
 * not @disc_ok: check that no live writer claims it (B7), then call again
 * with @disc_ok = *blocker); -EAGAIN (tail >= gate); -EBUSY (the writer a
 * lap earlier has not finished: *pos gets the tail, *blocker the slot's
 * seq); -EBADMSG (the tail is corrupt). @cw: the writer's claim word, set to
 * CLAIM_ACTIVE | low 32 bits of the position before the claim is
 * published. */
int shmchan__bring_claim(struct shmchan_ring *r, _Atomic uint64_t *cw, uint64_t gate,
			 _Atomic uint32_t *gen, uint32_t gen_seen, uint64_t disc_ok, uint64_t *pos,
			 uint64_t *blocker);
/* Whether a claim would succeed now (the seq_cst re-check for waits). */
int shmchan__bring_writable(const struct shmchan_ring *r, uint64_t gate);
/* Writer: take the slot of claimed position @pos for writing. Returns 0
 * (the slot is ours, WRITING), 1 (a later position took the slot first: pos
 * is lost, nothing to write), or -EBUSY with *@other the sequence of a writer
 * still writing an earlier position there (call again, or steal it with
 * shmchan__bring_steal once that writer is found dead). */
int shmchan__bring_acquire(struct shmchan_ring *r, uint64_t pos, uint64_t *other);
int shmchan__bring_steal(struct shmchan_ring *r, uint64_t pos, uint64_t other);
void *shmchan__bring_data(const struct shmchan_ring *r, uint64_t pos);
/* Writer: copy @len bytes into the acquired slot of @pos (seqlock-safe). */
void shmchan__bring_fill(struct shmchan_ring *r, uint64_t pos, const void *src, size_t len);
/* Writer: commit (or, @discard, cancel) the acquired slot of @pos. Returns
 * 0, -ECANCELED (a subscriber stepped over the position: nothing is
 * delivered), or -EBADMSG (the slot's seq is corrupt). */
int shmchan__bring_publish(struct shmchan_ring *r, _Atomic uint64_t *cw, uint64_t pos, uint32_t len,
			   int discard);

/* Subscriber: what is at @pos; for READY the length, the payload and the
 * sequence to validate against. */
int shmchan__bring_look(const struct shmchan_ring *r, uint64_t pos, uint32_t *len,
			const void **data, uint64_t *seq);
/* Subscriber: copy @len bytes of the slot of @pos out, seqlock-safe. */
void shmchan__bring_copy(const struct shmchan_ring *r, uint64_t pos, void *dst, size_t len);
/* Subscriber: whether the slot of @pos still holds @seq after the reads of
 * its payload (which are ordered before this check). */
int shmchan__bring_still(const struct shmchan_ring *r, uint64_t pos, uint64_t seq);
/* Give up claimed position @pos whose writer is dead: its slot, seen holding
 * @seen, becomes DISC. Returns 0, or -EAGAIN if the slot changed meanwhile. */
int shmchan__bring_abandon(struct shmchan_ring *r, uint64_t pos, uint64_t seen);
/* The slot of @pos's sequence (seq_cst). */
uint64_t shmchan__bring_seq(const struct shmchan_ring *r, uint64_t pos);

#endif /* SHMCHAN_BRING_PVT_H */
