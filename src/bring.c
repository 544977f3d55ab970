/* SPDX-License-Identifier: MIT */
/*
 * The broadcast ring: fixed slots, any number of writers, and readers that
 * never consume (each subscriber keeps its own cursor in the channel layer).
 *
 * Protocol for position p, slot s = p & mask, seq values as in bring_pvt.h:
 *   claim    a writer CASes tail from p to p + 1 (B1), after checking p
 *            against its gate (BLOCK policy), and that the slot shows the
 *            position a lap earlier, p - N, ended (DONE or DISC; for the first
 *            lap, FREE(p)); it recorded the claim in its registry entry. If
 *            the writer of p - N has not finished, the claim is refused
 *            (-EBUSY: the channel layer waits, or finds that writer dead and
 *            discards its position). So writers never lap each other, and
 *            every position a subscriber finds overwritten was claimed for a
 *            message: loss counts are exact;
 *   acquire  it CASes s.seq from p - N's end (or FREE(p)) to WRITING(p) (B2),
 *            which the check above guarantees to succeed unless a subscriber
 *            ended p (judging its writer dead) or the segment is corrupt;
 *   fill     copy the payload (B3);
 *   publish  store len, then CAS s.seq from WRITING(p) to DONE(p) (B4).
 * A subscriber at cursor c reads s.seq (B5): DONE(c) is a message, a later
 * position means c was overwritten (overrun), anything older means not
 * written yet. It copies len and payload, then re-reads s.seq (B6): if it
 * changed, a writer took the slot meanwhile and the copy may be torn, so it
 * is thrown away (seqlock). 64-bit positions never wrap.
 *
 * Ordering:
 *  B1  tail CAS, seq_cst: publishes the claim word stored before it (release
 *      part), and is the "tail" half of the subscriber join protocol in
 *      kind_bcast.c (a subscriber announces itself, then reads tail).
 *  B2  acq_rel CAS. Acquire pairs with B4 of the slot's previous writer: its
 *      payload writes happen before ours. Then a release fence (or, under
 *      TSan, release stores of the payload) keeps the payload stores of B3
 *      from becoming visible before WRITING: a subscriber that sees any of
 *      them sees the slot's seq moved at B6.
 *  B4  seq_cst CAS from WRITING(p) (release part: publishes len and payload
 *      to B5; seq_cst: the "publish" half of the sleep protocol in wait.c;
 *      a CAS: see B7).
 *  B5  seq_cst load (acquire part: pairs with B4; seq_cst: the re-check half
 *      of the sleep protocol).
 *  B6  acquire fence, then a relaxed load of seq (under TSan: acquire loads
 *      of the payload, then the load): the payload reads are ordered before
 *      the re-check.
 *  B7  stepping over (a subscriber, or a writer a lap later, that judged the
 *      writer of p dead) CASes WRITING(p), or p - N's end, to DISC(p). The
 *      writer's B4 is a CAS from WRITING(p): it fails then (-ECANCELED), and
 *      nothing it wrote is delivered. So that its late writes never land in
 *      a message of the next lap, a writer that finds DISC(p) a lap later
 *      reuses the slot only once no live writer's claim word names p (the
 *      claimant clears it, with release, after its B4 or its failed B4; a
 *      dead one's verdict is the kernel's, see live_pvt.h).
 * Under the BLOCK policy a slot is never reused while a live subscriber has
 * not read it, so B6 only fails under OVERWRITE (or for a subscriber the
 * join protocol did not yet cover); the ordering between a subscriber's
 * reads and the next writer is the cursor store/load pair in kind_bcast.c.
 *
 * The payload copies race with writers by design (a seqlock): a plain memcpy
 * outside TSan, whose result is used only if B6 proves no writer touched the
 * slot; word-sized atomic accesses under TSan, where the race would be
 * reported.
 */
#include <string.h>

#include "bring_pvt.h"

#if defined(__SANITIZE_THREAD__)
#define BRING_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BRING_TSAN 1
#endif
#endif

static struct shmchan__bring_hdr *hdr_of(const struct shmchan_ring *r)
{
	return (struct shmchan__bring_hdr *)r->hdr;
}

static struct shmchan__bslot *slot_at(const struct shmchan_ring *r, uint64_t pos)
{
	return (struct shmchan__bslot *)(void *)(r->base + (size_t)(pos & r->mask) * r->stride);
}

int shmchan__bring_init(void *mem, size_t mem_size, uint32_t slot_size, uint32_t slot_count)
{
	struct shmchan__bring_hdr *h = mem;
	uint32_t i, stride;
	int err = shmchan__slots_init(mem, mem_size, sizeof(*h), SHMCHAN__BRING_MAGIC,
				      SHMCHAN__BRING_VERSION, slot_size, slot_count, &stride);

	if (err)
		return err;
	/* Relaxed: published by the channel's magic store. */
	atomic_store_explicit(&h->tail, 0, memory_order_relaxed);
	for (i = 0; i < slot_count; i++) {
		struct shmchan__bslot *s =
			(struct shmchan__bslot *)(void *)(h->slots + (size_t)i * stride);

		/* FREE for position i, its first. */
		atomic_store_explicit(&s->seq, SHMCHAN__BSEQ(i, SHMCHAN__BS_FREE),
				      memory_order_relaxed);
		atomic_store_explicit(&s->len, 0, memory_order_relaxed);
	}
	return 0;
}

int shmchan__bring_attach(struct shmchan_ring *r, void *mem, size_t mem_size)
{
	return shmchan__slots_attach(r, mem, mem_size, sizeof(struct shmchan__bring_hdr),
				     SHMCHAN__BRING_MAGIC, SHMCHAN__BRING_VERSION);
}

uint64_t shmchan__bring_tail(const struct shmchan_ring *r)
{
	return atomic_load_explicit(&hdr_of(r)->tail, memory_order_seq_cst);
}

uint64_t shmchan__bring_seq(const struct shmchan_ring *r, uint64_t pos)
{
	return atomic_load_explicit(&slot_at(r, pos)->seq, memory_order_seq_cst);
}

/* Whether slot seq @v shows the predecessor of position @pos finished: the
 * position a lap earlier ended (DONE or DISC), or, on the first lap, FREE. */
static int pred_done(uint64_t v, uint64_t pos, uint64_t n)
{
	uint32_t st = SHMCHAN__BSEQ_ST(v);

	if (pos < n)
		return v == SHMCHAN__BSEQ(pos, SHMCHAN__BS_FREE);
	return SHMCHAN__BSEQ_POS(v) == pos - n &&
	       (st == SHMCHAN__BS_DONE || st == SHMCHAN__BS_DISC);
}

int shmchan__bring_claim(struct shmchan_ring *r, _Atomic uint64_t *cw, uint64_t gate,
			 _Atomic uint32_t *gen, uint32_t gen_seen, uint64_t disc_ok,
			 uint64_t *pos_out, uint64_t *blocker)
{
	struct shmchan__bring_hdr *h = hdr_of(r);

	for (;;) {
		/* seq_cst, and before the generation below (S4 in
		 * kind_bcast.c): a subscriber that joined after this load of
		 * the generation read a tail at least this position. */
		uint64_t pos = atomic_load_explicit(&h->tail, memory_order_seq_cst);
		/* seq_cst: the re-check half of the sleep protocol for writers
		 * waiting for the writer a lap earlier (its B4); acquire as P1. */
		uint64_t v = atomic_load_explicit(&slot_at(r, pos)->seq, memory_order_seq_cst);
		int err = 0;

		/* S4: a subscriber joined or left since the gate was computed.
		 * Before every CAS attempt, so that only a claim of a position
		 * read before the join can miss the new cursor. */
		if (gen && atomic_load_explicit(gen, memory_order_seq_cst) != gen_seen) {
			if (cw) /* it may name a position a failed CAS tried */
				atomic_store_explicit(cw, 0, memory_order_relaxed);
			return 1;
		}
		if (pos >= SHMCHAN__BPOS_MAX)
			err = -EBADMSG; /* a corrupt tail: positions never get there */
		else if (pos >= gate)
			err = -EAGAIN;
		else if (!pred_done(v, pos, r->slot_count) &&
			 (SHMCHAN__BSEQ_POS(v) < pos ||
			  (SHMCHAN__BSEQ_POS(v) == pos && SHMCHAN__BSEQ_ST(v) == SHMCHAN__BS_FREE)))
			/* The writer a lap earlier has not finished: claiming now
			 * would make us wait for it (a reservation may be held for
			 * long). A slot ahead of pos means tail moved on: retry. */
			err = -EBUSY;
		else if (pos >= r->slot_count &&
			 v == SHMCHAN__BSEQ(pos - r->slot_count, SHMCHAN__BS_DISC) && v != disc_ok)
			/* B7: discarded, maybe by a subscriber that stepped
			 * over a writer it judged dead: the caller checks that
			 * no live writer still claims it before reusing it. */
			err = 2;
		if (err) {
			/* Relaxed: the tail moved meanwhile: look again. */
			if (err != -EBADMSG && err != 2 &&
			    atomic_load_explicit(&h->tail, memory_order_relaxed) != pos)
				continue;
			if (cw)
				atomic_store_explicit(cw, 0, memory_order_relaxed);
			if (blocker)
				*blocker = v;
			*pos_out = pos;
			return err;
		}
		/* Relaxed: published by B1 (release part). */
		if (cw)
			atomic_store_explicit(cw, SHMCHAN__CLAIM_ACTIVE | (uint32_t)pos,
					      memory_order_relaxed);
		/* B1. On failure, start over from a new load of tail. */
		if (atomic_compare_exchange_weak_explicit(
			    &h->tail, &pos, pos + 1, memory_order_seq_cst, memory_order_relaxed)) {
			*pos_out = pos;
			return 0;
		}
	}
}

int shmchan__bring_writable(const struct shmchan_ring *r, uint64_t gate)
{
	/* seq_cst: the re-check half of the sleep protocol. */
	uint64_t pos = atomic_load_explicit(&hdr_of(r)->tail, memory_order_seq_cst);
	uint64_t v = atomic_load_explicit(&slot_at(r, pos)->seq, memory_order_seq_cst);

	/* A slot already at pos or beyond: tail moved between the loads, so a
	 * claim may well succeed. */
	return pos < gate &&
	       (pred_done(v, pos, r->slot_count) || SHMCHAN__BSEQ_POS(v) > pos ||
		(SHMCHAN__BSEQ_POS(v) == pos && SHMCHAN__BSEQ_ST(v) != SHMCHAN__BS_FREE));
}

static void fence_after_acquire(void)
{
#ifndef BRING_TSAN
	/* B2: the payload stores that follow stay after WRITING. */
	atomic_thread_fence(memory_order_release);
#endif
}

int shmchan__bring_acquire(struct shmchan_ring *r, uint64_t pos, uint64_t *other)
{
	struct shmchan__bslot *s = slot_at(r, pos);
	uint64_t n = r->slot_count;
	/* The position the slot must hold before ours: the one a lap earlier,
	 * ended (DONE or DISC); for the first lap, ours, FREE. */
	uint64_t pred = pos >= n ? pos - n : pos;
	/* Acquire: pairs with B4 of the slot's previous writer. */
	uint64_t v = atomic_load_explicit(&s->seq, memory_order_acquire);

	for (;;) {
		uint64_t vp = SHMCHAN__BSEQ_POS(v);
		uint32_t st = SHMCHAN__BSEQ_ST(v);
		int ended = st == SHMCHAN__BS_DONE || st == SHMCHAN__BS_DISC;

		int take = vp == pred && (pos >= n ? ended : st == SHMCHAN__BS_FREE);

		if (!take && (vp > pos || (vp == pos && st != SHMCHAN__BS_FREE))) {
			/* Taken by a later position, or abandoned by a subscriber
			 * that judged us dead: nothing to write. Unless the slot
			 * names a position nobody has claimed: a corrupt segment,
			 * repaired by taking the slot. */
			if (vp < atomic_load_explicit(&hdr_of(r)->tail, memory_order_relaxed))
				return 1;
			take = 1;
		}
		if (take) {
			/* B2 (or the repair); on failure v is reloaded, look again. */
			if (atomic_compare_exchange_weak_explicit(
				    &s->seq, &v, SHMCHAN__BSEQ(pos, SHMCHAN__BS_WRITING),
				    memory_order_acq_rel, memory_order_acquire)) {
				fence_after_acquire();
				return 0;
			}
			continue;
		}
		/* The writer of the position a lap earlier has not finished (or
		 * not started): writers never lap each other, so that every
		 * position overwritten held a message (exact loss counts). */
		*other = v;
		return -EBUSY;
	}
}

int shmchan__bring_steal(struct shmchan_ring *r, uint64_t pos, uint64_t other)
{
	/* B2 over a dead writer's WRITING: it will never touch the slot again. */
	if (!atomic_compare_exchange_strong_explicit(&slot_at(r, pos)->seq, &other,
						     SHMCHAN__BSEQ(pos, SHMCHAN__BS_WRITING),
						     memory_order_acq_rel, memory_order_relaxed))
		return -EAGAIN;
	fence_after_acquire();
	return 0;
}

void *shmchan__bring_data(const struct shmchan_ring *r, uint64_t pos)
{
	return slot_at(r, pos)->data;
}

void shmchan__bring_fill(struct shmchan_ring *r, uint64_t pos, const void *src, size_t len)
{
	unsigned char *dst = slot_at(r, pos)->data;

#ifdef BRING_TSAN
	size_t i = 0;

	/* Release stores stand in for the fence TSan does not model (B2). */
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, (const unsigned char *)src + i, 8);
		__atomic_store_n((uint64_t *)(void *)(dst + i), w, __ATOMIC_RELEASE);
	}
	for (; i < len; i++)
		__atomic_store_n(dst + i, ((const unsigned char *)src)[i], __ATOMIC_RELEASE);
#else
	if (len)
		memcpy(dst, src, len);
#endif
}

int shmchan__bring_publish(struct shmchan_ring *r, _Atomic uint64_t *cw, uint64_t pos, uint32_t len,
			   int discard)
{
	struct shmchan__bslot *s = slot_at(r, pos);
	uint64_t seen = SHMCHAN__BSEQ(pos, SHMCHAN__BS_WRITING);
	int err = 0;

	/* Relaxed: published by B4. Harmless if a subscriber stepped over
	 * us: nobody reads a discarded slot, and nobody reuses it while our
	 * claim word names it (B7). */
	atomic_store_explicit(&s->len, discard ? 0 : len, memory_order_relaxed);
	/* B4, a CAS from our WRITING: it fails once a subscriber stepped over
	 * the position (abandon), and then nothing of ours is delivered. */
	if (!atomic_compare_exchange_strong_explicit(
		    &s->seq, &seen,
		    SHMCHAN__BSEQ(pos, discard ? SHMCHAN__BS_DISC : SHMCHAN__BS_DONE),
		    memory_order_seq_cst, memory_order_relaxed))
		err = seen == SHMCHAN__BSEQ(pos, SHMCHAN__BS_DISC) ? -ECANCELED : -EBADMSG;
	/* Release: whoever load-acquires the cleared claim sees B4 (the
	 * subscriber's abandon check never takes a committed slot for dead),
	 * and, after a failed B4, that we are done with the slot (B7). */
	if (cw)
		atomic_store_explicit(cw, 0, memory_order_release);
	return err;
}

int shmchan__bring_look(const struct shmchan_ring *r, uint64_t pos, uint32_t *len,
			const void **data, uint64_t *seq)
{
	struct shmchan__bslot *s = slot_at(r, pos);
	/* B5. */
	uint64_t v = atomic_load_explicit(&s->seq, memory_order_seq_cst);
	uint64_t vp = SHMCHAN__BSEQ_POS(v), tail;
	uint32_t st = SHMCHAN__BSEQ_ST(v), n;

	if (vp > pos) {
		/* Overwritten by a later position, which a writer claimed, so
		 * below tail. A position at or past tail was never claimed: the
		 * segment is corrupt (treating it as an overrun would move the
		 * cursor on forever). seq_cst like the tail load below. */
		tail = atomic_load_explicit(&hdr_of(r)->tail, memory_order_seq_cst);
		return vp >= SHMCHAN__BPOS_MAX || vp >= tail ? SHMCHAN__BL_CORRUPT
							     : SHMCHAN__BL_OVERRUN;
	}
	if (vp == pos && st == SHMCHAN__BS_DONE) {
		/* Relaxed: ordered after B5; validated by B6 before use. */
		n = atomic_load_explicit(&s->len, memory_order_relaxed);
		if (n > r->slot_size) {
			/* Torn by a writer, or corrupt: tell them apart by B6. */
			return shmchan__bring_still(r, pos, v) ? SHMCHAN__BL_CORRUPT
							       : SHMCHAN__BL_OVERRUN;
		}
		*len = n;
		*data = s->data;
		*seq = v;
		return SHMCHAN__BL_READY;
	}
	if (vp == pos && st == SHMCHAN__BS_DISC)
		return SHMCHAN__BL_DISC;
	if (vp == pos && st == SHMCHAN__BS_WRITING)
		return SHMCHAN__BL_PENDING;
	/* Older than pos: claimed and not yet acquired, or not claimed.
	 * Acquire: pairs with B1, so a pending claim's claim word is visible. */
	tail = atomic_load_explicit(&hdr_of(r)->tail, memory_order_seq_cst);
	return tail > pos ? SHMCHAN__BL_PENDING : SHMCHAN__BL_EMPTY;
}

void shmchan__bring_copy(const struct shmchan_ring *r, uint64_t pos, void *dst, size_t len)
{
	const unsigned char *src = slot_at(r, pos)->data;

#ifdef BRING_TSAN
	size_t i = 0;

	/* Acquire loads stand in for the fence of B6. */
	for (; i + 8 <= len; i += 8) {
		uint64_t w = __atomic_load_n((const uint64_t *)(const void *)(src + i),
					     __ATOMIC_ACQUIRE);

		memcpy((unsigned char *)dst + i, &w, 8);
	}
	for (; i < len; i++)
		((unsigned char *)dst)[i] = __atomic_load_n(src + i, __ATOMIC_ACQUIRE);
#else
	if (len)
		memcpy(dst, src, len);
#endif
}

int shmchan__bring_still(const struct shmchan_ring *r, uint64_t pos, uint64_t seq)
{
	struct shmchan__bslot *s = slot_at(r, pos);

#ifdef BRING_TSAN
	/* B6: after the acquire loads of the payload. */
	return atomic_load_explicit(&s->seq, memory_order_acquire) == seq;
#else
	/* B6: the payload reads before this are ordered before the load. */
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&s->seq, memory_order_relaxed) == seq;
#endif
}

int shmchan__bring_abandon(struct shmchan_ring *r, uint64_t pos, uint64_t seen)
{
	if (SHMCHAN__BSEQ_POS(seen) > pos ||
	    (SHMCHAN__BSEQ_POS(seen) == pos && SHMCHAN__BSEQ_ST(seen) != SHMCHAN__BS_WRITING &&
	     SHMCHAN__BSEQ_ST(seen) != SHMCHAN__BS_FREE))
		return -EAGAIN;
	/* seq_cst like B4, the other stores that end a position. */
	return atomic_compare_exchange_strong_explicit(&slot_at(r, pos)->seq, &seen,
						       SHMCHAN__BSEQ(pos, SHMCHAN__BS_DISC),
						       memory_order_seq_cst, memory_order_relaxed)
		       ? 0
		       : -EAGAIN;
}
