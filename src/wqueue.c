/* SPDX-License-Identifier: MIT */
/*
 * The work queue: the slot ring (ring.c) with several consumers. Producers
 * claim as on the slot ring, but step over slots held by consumers (W1, W2
 * below). A consumer claims the position at head with a CAS of head,
 * reads the slot, then gives it back; the claim word in its registry entry
 * names the position it holds meanwhile, so that a consumer that dies
 * holding a message can be recognised and the message delivered again.
 *
 * At head h, slot s = h & mask can hold:
 *   h           free, or claimed by a producer and not committed: wait;
 *   h + 1       committed: claim it (Q2);
 *   h - N + 1   the message of the previous lap, still held by a consumer
 *               (producers cannot claim h yet): empty;
 *   h + N, h + N + 1, h - 2
 *               given back (or stepped over, ring.c S1) by a consumer that
 *               skipped an abandoned position and has not moved head yet:
 *               help it move head;
 *   h - N - 2   stepped over a lap ago, not given back yet (ring.c S2):
 *               empty;
 *   else        corrupt: drop the slot.
 *
 * A message taken and not yet given back keeps its slot for as long as its
 * consumer holds it (a peek and a slow job, a message too big for the
 * reader's buffer, a stopped process). Producers do not wait for it: they
 * step over the position that slot would serve next, so one held message
 * never holds back the others.
 *   u + 2^31    (HELD_SKIP(u)) the slot still holds a taken message; the
 *               position u it would serve next was stepped over by the
 *               producers. Far from every other state: W1 never steps
 *               more than 2^30 positions past the held one (the slot's
 *               held word names it), and other positions in play lie
 *               within 2^25 of each other.
 *  W1  a producer at tail t that finds the slot holding the message of
 *      t - N, or HELD_SKIP(t - N) (held a lap more) with t at most 2^30
 *      past the held position (else: full), while head > t - N (the
 *      message was taken, or that position stepped over: tail never gets
 *      more than a lap ahead of head), CASes the slot's seq to HELD_SKIP(t)
 *      (seq_cst);
 *  W2  then it (or anyone who finds HELD_SKIP(t), or t + N, at tail t) CASes
 *      tail from t to t + 1 (seq_cst). A consumer finding HELD_SKIP(h) or
 *      h + N at head h does W2 for h too before moving head (so head never
 *      passes tail), then moves head past h: nothing is delivered there.
 *  W3  the holder's give-back (Q3) CASes pos + 1 -> pos + N, or, when the
 *      producers stepped over, HELD_SKIP(u) -> u + N: the slot is free for
 *      the position after the last one stepped over. A W1 that races with it
 *      fails its CAS and looks again.
 * The skipping producer never writes the slot: the held message stays
 * intact, and a dead holder's message is delivered again from it (Q4,
 * kind_wq.c) as before.
 *
 * Ordering:
 *  Q1  load of the slot's seq, seq_cst (ring.c C1: acquire pairs with the
 *      producer's P3; seq_cst: the re-check half of the sleep protocol).
 *  Q2  head CAS, seq_cst. Its release part publishes the claim word stored
 *      before it: whoever load-acquires head past h sees who holds h.
 *  Q3  seq = h + N, seq_cst (ring.c C3: release pairs with the producer's P1
 *      one lap later; seq_cst: the publish half of the sleep protocol).
 *  Q4  claim word cleared with release after Q3.
 */
#include "ring_pvt.h"

#define slot_at shmchan__slot_at

static struct shmchan__ring_hdr *hdr_of(const struct shmchan_ring *r)
{
	return (struct shmchan__ring_hdr *)r->hdr;
}

#define HELD_SKIP(u) ((uint32_t)(u) + 0x80000000u)

/* Whether @seq, found in the slot of held position @pos, says the slot still
 * holds pos's message: pos + 1, or HELD_SKIP(u) for a later position u of
 * the same slot. */
static int holds(const struct shmchan_ring *r, uint32_t pos, uint32_t seq)
{
	uint32_t u = seq - 0x80000000u;

	return seq == pos + 1 ||
	       (((u - pos) & r->mask) == 0 && (int32_t)(u - pos) > 0 && (u - pos) <= (1u << 30));
}

/* W2 for position @t: tail past it (seq_cst like P2; failure means someone
 * else moved it). */
static void help_tail(struct shmchan_ring *r, uint32_t t)
{
	atomic_compare_exchange_strong_explicit(&hdr_of(r)->tail, &t, t + 1, memory_order_seq_cst,
						memory_order_relaxed);
}

int shmchan__wq_step_tail(struct shmchan_ring *r, uint32_t t, uint32_t seq)
{
	uint32_t n = r->slot_count, want = HELD_SKIP(t);

	if (seq == want || seq == t + n) {
		help_tail(r, t);
		return 1;
	}
	if (seq != t - n + 1 && seq != HELD_SKIP(t - n))
		return 0;
	/* Relaxed: a bound only (a stale, older value is more cautious); past
	 * it, HELD_SKIP would no longer tell the held message apart. */
	if (seq != t - n + 1 &&
	    t - atomic_load_explicit(&slot_at(r, t)->held, memory_order_relaxed) > (1u << 30))
		return -EAGAIN;
	/* The message of t - N was taken (or its position stepped over: head
	 * passed t - N), or it is still queued, and then the ring is full:
	 * tail never runs more than a lap ahead of head. Acquire: pairs with
	 * Q2. */
	if ((int32_t)(atomic_load_explicit(&hdr_of(r)->head, memory_order_acquire) - (t - n)) <= 0)
		return -EAGAIN;
	/* W1 (on failure the slot changed: look again). */
	if (atomic_compare_exchange_strong_explicit(&slot_at(r, t)->seq, &seq, want,
						    memory_order_seq_cst, memory_order_relaxed))
		help_tail(r, t);
	return 1;
}

/* The slot of held position @pos, checked. */
static int at(const struct shmchan_ring *r, uint32_t pos, const void **data, uint32_t *len,
	      uint32_t *flags)
{
	struct shmchan__slot *s = slot_at(r, pos);
	/* Q1. */
	uint32_t seq = atomic_load_explicit(&s->seq, memory_order_seq_cst);
	uint32_t n, fl;

	if (!holds(r, pos, seq))
		return -EBADMSG;
	/* Relaxed: ordered after Q1, which synchronized with P3. Read once. */
	n = atomic_load_explicit(&s->len, memory_order_relaxed);
	fl = atomic_load_explicit(&s->flags, memory_order_relaxed);
	if (n > r->slot_size || (fl & ~SHMCHAN__SLOT_FLAGS_KNOWN))
		return -EBADMSG;
	*data = s->data;
	*len = n;
	*flags = fl;
	return 0;
}

int shmchan__wq_at(const struct shmchan_ring *r, uint32_t pos, const void **data, uint32_t *len)
{
	uint32_t fl;
	int err = at(r, pos, data, len, &fl);

	return err ? err : (fl & SHMCHAN__SLOT_DISCARDED) ? -EBADMSG : 0;
}

void shmchan__wq_done(struct shmchan_ring *r, _Atomic uint64_t *cw, uint32_t pos)
{
	_Atomic uint32_t *sw = &slot_at(r, pos)->seq;
	uint32_t seq = atomic_load_explicit(sw, memory_order_seq_cst), tries;

	/* Q3 (W3), as a CAS: a slot that no longer holds pos's message (given
	 * back by another reader that delivered it too, or corrupt) is not
	 * given back twice, which could undo a producer's commit of the next
	 * lap. A failure because producers stepped over once more meanwhile
	 * (W1) is tried again, a bounded number of times. */
	for (tries = 0; tries < 64 && holds(r, pos, seq); tries++) {
		uint32_t to =
			seq == pos + 1 ? pos + r->slot_count : seq - 0x80000000u + r->slot_count;

		if (atomic_compare_exchange_strong_explicit(sw, &seq, to, memory_order_seq_cst,
							    memory_order_seq_cst))
			break;
	}
	/* Q4. */
	if (cw)
		atomic_store_explicit(cw, 0, memory_order_release);
}

/* Move head from @h to h + 1 for a slot already given back. */
static void help_head(struct shmchan_ring *r, uint32_t h)
{
	/* seq_cst like Q2; failure means someone else moved it. */
	atomic_compare_exchange_strong_explicit(&hdr_of(r)->head, &h, h + 1, memory_order_seq_cst,
						memory_order_relaxed);
}

int shmchan__wq_take(struct shmchan_ring *r, _Atomic uint64_t *cw, uint32_t *pos, const void **data,
		     uint32_t *len)
{
	struct shmchan__ring_hdr *hh = hdr_of(r);
	uint32_t tries;

	/* Bounded: every retry follows a move of head by someone. */
	for (tries = 0; tries < 4 * r->slot_count + 64; tries++) {
		/* Acquire: pairs with Q2 of other consumers. */
		uint32_t h = atomic_load_explicit(&hh->head, memory_order_acquire);
		struct shmchan__slot *s = slot_at(r, h);
		/* Q1. */
		uint32_t seq = atomic_load_explicit(&s->seq, memory_order_seq_cst);
		uint32_t d = seq - h, fl;
		int err;

		if (d == 1) {
			/* Relaxed: published by Q2. */
			if (cw)
				atomic_store_explicit(cw, SHMCHAN__CLAIM_ACTIVE | h,
						      memory_order_relaxed);
			/* Q2. */
			if (!atomic_compare_exchange_strong_explicit(&hh->head, &h, h + 1,
								     memory_order_seq_cst,
								     memory_order_relaxed)) {
				/* Not ours: a stale claim word would make a
				 * dead reader look like it held h. */
				if (cw)
					atomic_store_explicit(cw, 0, memory_order_relaxed);
				continue;
			}
			/* Relaxed: read by W1 as a bound only. */
			atomic_store_explicit(&s->held, h, memory_order_relaxed);
			err = at(r, h, data, len, &fl);
			if (err || (fl & SHMCHAN__SLOT_DISCARDED)) {
				shmchan__wq_done(r, cw, h);
				if (err)
					return err;
				continue;
			}
			*pos = h;
			return 0;
		}
		if (d == 0 || d == 1 - r->slot_count ||
		    seq == SHMCHAN__SEQ_STEPPED(h - r->slot_count) ||
		    seq == HELD_SKIP(h - r->slot_count))
			return -EAGAIN;
		if (d == r->slot_count || d == r->slot_count + 1 ||
		    seq == SHMCHAN__SEQ_STEPPED(h) || seq == HELD_SKIP(h)) {
			/* Stepped over by producers (W2 first: head never
			 * passes tail), or given back by a consumer that died
			 * before moving head. */
			help_tail(r, h);
			help_head(r, h);
			continue;
		}
		/* Relaxed: a stale head only means another look. */
		if (atomic_load_explicit(&hh->head, memory_order_relaxed) != h)
			continue;
		/* Corrupt: give the slot back (CAS: unless it changed) and move
		 * on, so the queue goes on. */
		if (atomic_compare_exchange_strong_explicit(&s->seq, &seq, h + r->slot_count,
							    memory_order_seq_cst,
							    memory_order_relaxed))
			help_head(r, h);
		return -EBADMSG;
	}
	return -EAGAIN;
}

int shmchan__wq_head(const struct shmchan_ring *r, uint32_t *pos)
{
	const struct shmchan__ring_hdr *hh = hdr_of(r);
	/* seq_cst like Q1 (a re-check). */
	uint32_t h = atomic_load_explicit(&hh->head, memory_order_seq_cst);
	uint32_t seq = atomic_load_explicit(&slot_at(r, h)->seq, memory_order_seq_cst);
	uint32_t tail;

	*pos = h;
	if (seq == h + 1)
		return SHMCHAN__HEAD_READY;
	if (seq == SHMCHAN__SEQ_STEPPED(h - r->slot_count)) {
		*pos = h - r->slot_count;
		return SHMCHAN__HEAD_STEPPED;
	}
	if (seq != h)
		return seq - h == 1 - r->slot_count || seq == HELD_SKIP(h - r->slot_count)
			       ? SHMCHAN__HEAD_EMPTY
			       : SHMCHAN__HEAD_READY;
	/* Acquire: pairs with P2, so a claimant's claim word is visible. */
	tail = atomic_load_explicit(&hh->tail, memory_order_acquire);
	return (int32_t)(tail - h) > 0 ? SHMCHAN__HEAD_PENDING : SHMCHAN__HEAD_EMPTY;
}

int shmchan__wq_writable(const struct shmchan_ring *r)
{
	const struct shmchan__ring_hdr *hh = hdr_of(r);
	/* seq_cst: the re-check half of the sleep protocol (ring.c); the
	 * consumers' take (Q2) and give-back (Q3), each followed by a wake of
	 * the writers (channel_io.c), are the publish halves: a take lets a
	 * writer step over the slot it took, towards one given back. */
	uint32_t t = atomic_load_explicit(&hh->tail, memory_order_seq_cst), n = r->slot_count;
	uint32_t seq = atomic_load_explicit(&slot_at(r, t)->seq, memory_order_seq_cst);

	if (seq == t || seq == t + n || seq == HELD_SKIP(t))
		return 1;
	if (seq == HELD_SKIP(t - n) &&
	    t - atomic_load_explicit(&slot_at(r, t)->held, memory_order_relaxed) > (1u << 30))
		return 0; /* as W1: too far past the held message */
	if (seq == t - n + 1 || seq == HELD_SKIP(t - n))
		return (int32_t)(atomic_load_explicit(&hh->head, memory_order_seq_cst) - (t - n)) >
		       0;
	return (int32_t)(seq - t) > 0; /* tail moved on: a claim may well succeed */
}

int shmchan__wq_readable(const struct shmchan_ring *r)
{
	uint32_t pos;

	return shmchan__wq_head(r, &pos) == SHMCHAN__HEAD_READY;
}

int shmchan__wq_skip_abandoned(struct shmchan_ring *r, uint32_t pos)
{
	uint32_t expected = pos;

	/* ring.c S1 for a position we will not wait for (CAS: unless committed
	 * after all), then head past it; others seeing h - 2 at head help. */
	if (atomic_load_explicit(&hdr_of(r)->head, memory_order_acquire) != pos ||
	    !atomic_compare_exchange_strong_explicit(&slot_at(r, pos)->seq, &expected,
						     SHMCHAN__SEQ_STEPPED(pos),
						     memory_order_seq_cst, memory_order_relaxed))
		return -EAGAIN;
	help_head(r, pos);
	return 0;
}

int shmchan__wq_held(const struct shmchan_ring *r, uint32_t pos)
{
	/* seq_cst/acquire: the slot still holds pos's message, and head (Q2,
	 * acquire) has passed it. */
	uint32_t seq = atomic_load_explicit(&slot_at(r, pos)->seq, memory_order_seq_cst);
	uint32_t h = atomic_load_explicit(&hdr_of(r)->head, memory_order_acquire);

	return holds(r, pos, seq) && (int32_t)(h - pos) > 0;
}
