/* SPDX-License-Identifier: MIT */
/*
 * The slot ring: a bounded MPSC queue with a sequence number per slot.
 *
 * Protocol, for the message at position p in slot s = p & mask (N slots):
 *   s.seq == p        slot free for the producer that claims position p;
 *   s.seq == p + 1    message committed, ready for the consumer;
 *   s.seq == p + N    consumed: free for position p + N.
 * A producer claims p by a compare-and-swap of tail from p to p + 1 after it
 * saw s.seq == p; only the consumer moves head. Every comparison is on the
 * signed 32-bit difference, so positions wrap at 2^32 without a special case.
 *
 * Ordering (labels are referred to in the code):
 *  P1  producer load-acquire of s.seq == p. Pairs with C3 of the previous lap:
 *      the consumer's reads of the slot happen before our writes to it.
 *  P2  producer CAS of tail, release on success. Publishes the claim word the
 *      channel layer stored before it (in the producer's registry entry) to
 *      anyone who load-acquires tail: a reader that finds a claimed slot
 *      uncommitted can see who claimed it.
 *  P3  producer CAS s.seq p -> p + 1, release on success. Publishes len, flags
 *      and data to the consumer's C1. (A CAS, not a store: see S1 below.)
 *  C1  consumer load-acquire of s.seq. Pairs with P3.
 *  C3  consumer store-release s.seq = p + N. Pairs with P1.
 *  C4  consumer store-release head = p + 1. Pairs with the load-acquire of head
 *      in attach: a consumer that takes over from a previous one sees every slot
 *      that one released. depth() reads head relaxed: it is a snapshot.
 *
 * Holding several messages (hold_pvt.h: the channel's readers). The
 * consumer's own head goes past a message it holds (peeked, not released);
 * the ring's head, which it publishes, stays at the oldest held position:
 *  C5  C4 stores the oldest held position while one is held
 *      (shmchan__shared_head), so a successor starts there.
 *  C6  a release gives its slot back at once (C3 at its own position),
 *      whatever else is held. Producers cannot use it early: they claim in
 *      order of position, and the oldest held slot, which is not given
 *      back, stops tail a lap after it (P1 sees seq p + 1, not p + N).
 *      A successor that starts at the published head finds released slots
 *      at p + N (never p + N + 1: see the line above) and steps over them
 *      as released by a consumer that died before moving head: held ones
 *      are delivered again, released ones are not.
 *
 * Stepping over (a claim the consumer will not wait for any longer, because
 * its producer is judged dead, see channel_io.c). Safety must not rest on
 * that judgement being right, so the step is a state change the claimant is
 * bound to see, and the slot is not reused until the claimant can no longer
 * write to it (S2 below: its own give-back, or the kernel's word that it is
 * gone; a claimant found gone stays gone, so the verdict taken before S1
 * serves S2 too; only a "gone" verdict must be exact, and it is the
 * kernel's):
 *   s.seq == p - 2    stepped over: the consumer moved head past p without
 *                     reading it; the slot is nobody's to claim. No other
 *                     state takes this value (p + 1, p + N, p + N + 1,
 *                     p - N + 1 for a work queue's held message, at any N).
 *  S1  consumer CAS s.seq p -> p - 2 (seq_cst), then head = p + 1 (C4). It
 *      fails if the producer committed first: then the message is read.
 *  P3  the producer's commit is a CAS s.seq p -> p + 1; it fails once S1 won,
 *      and nothing the producer wrote is ever delivered.
 *  P4  a producer whose P3 failed on p - 2 is done with the slot: it gives it
 *      back by a CAS p - 2 -> p + N (seq_cst; its release part pairs with P1
 *      of the producer a lap later, like C3), and reports -ECANCELED.
 *  S2  a consumer gives the slot back the same way (p - 2 -> p + N) only for
 *      a claimant that is known to be gone (its registry entry's lock byte
 *      is free: the kernel closed its descriptor, live_pvt.h), or for a claim
 *      that no registry entry names (a damaged segment).
 * One of P4 and S2 wins; the loser's CAS fails and changes nothing. While
 * the slot is stepped over, producers find the ring full at it one lap
 * later (p - 2 is below p + N), and a consumer that reaches head p + N finds
 * nothing to read there (SHMCHAN__HEAD_STEPPED) and tries S2 again. A
 * consumer that dies between S1 and C4 leaves s.seq == head - 2, which the
 * next one steps over like a released slot.
 *
 * P3 and C3 are seq_cst rather than release, and C1 and the loads in
 * shmchan_ring_writable() are seq_cst rather than acquire: they are the
 * "publish" and "re-check" halves of the sleep protocol in wait.c, whose other
 * halves (the waiter's announce, the waker's load of the waiter count) are
 * seq_cst too, so that a waiter and a waker cannot both miss each other.
 */
#include <string.h>

#include "ring_pvt.h"

size_t shmchan_ring_memsize(uint32_t slot_size, uint32_t slot_count)
{
	return shmchan__slots_memsize(sizeof(struct shmchan__ring_hdr), slot_size, slot_count);
}

#define slot_at shmchan__slot_at

int shmchan__ring_init_at(void *mem, size_t mem_size, uint32_t slot_size, uint32_t slot_count,
			  uint32_t start)
{
	struct shmchan__ring_hdr *h = mem;
	uint32_t i, stride;
	int err = shmchan__slots_init(mem, mem_size, sizeof(*h), SHMCHAN__RING_MAGIC,
				      SHMCHAN__RING_VERSION, slot_size, slot_count, &stride);

	if (err)
		return err;
	/* Relaxed: nobody may attach before init returns; whoever makes the ring
	 * known to other processes publishes it (the channel's magic store). */
	atomic_store_explicit(&h->tail, start, memory_order_relaxed);
	atomic_store_explicit(&h->head, start, memory_order_relaxed);
	for (i = 0; i < slot_count; i++) {
		uint32_t pos = start + i;
		struct shmchan__slot *s =
			(struct shmchan__slot *)(void *)(h->slots +
							 (size_t)(pos & (slot_count - 1)) * stride);

		atomic_store_explicit(&s->seq, pos, memory_order_relaxed);
		atomic_store_explicit(&s->len, 0, memory_order_relaxed);
		atomic_store_explicit(&s->flags, 0, memory_order_relaxed);
	}
	return 0;
}

int shmchan_ring_init(void *mem, size_t mem_size, uint32_t slot_size, uint32_t slot_count)
{
	return shmchan__ring_init_at(mem, mem_size, slot_size, slot_count, 0);
}

int shmchan_ring_attach(struct shmchan_ring *r, void *mem, size_t mem_size)
{
	struct shmchan__ring_hdr *h = mem;
	int err = shmchan__slots_attach(r, mem, mem_size, sizeof(*h), SHMCHAN__RING_MAGIC,
					SHMCHAN__RING_VERSION);

	if (err)
		return err;
	/* Pairs with C4 of a previous consumer (see the top of this file). */
	r->head = atomic_load_explicit(&h->head, memory_order_acquire);
	return 0;
}

static struct shmchan__ring_hdr *hdr_of(const struct shmchan_ring *r)
{
	return (struct shmchan__ring_hdr *)r->hdr;
}

void shmchan__ring_load_head(struct shmchan_ring *r)
{
	/* Pairs with C4 of the previous consumer. */
	r->head = atomic_load_explicit(&hdr_of(r)->head, memory_order_acquire);
}

/* Withdraw a failed claim from the producer's claim word @cw (if any).
 * Relaxed: a stale ACTIVE only delays a verdict. */
static void withdraw(_Atomic uint64_t *cw)
{
	if (cw)
		atomic_store_explicit(cw, 0, memory_order_relaxed);
}

/* Claim the next free position; returns 0 and *pos, -EAGAIN when full, or
 * -EBADMSG when the positions are corrupt. */
static int claim(struct shmchan_ring *r, uint32_t *pos_out)
{
	struct shmchan__ring_hdr *h = hdr_of(r);
	_Atomic uint64_t *cw = r->claim;
	/* Relaxed: only a starting guess; the seq check and the CAS validate it. */
	uint32_t pos = atomic_load_explicit(&h->tail, memory_order_relaxed);
	uint32_t steps = 0;

	for (;;) {
		/* P1: pairs with C3; the slot's previous reader is done with it. */
		uint32_t seq = atomic_load_explicit(&slot_at(r, pos)->seq, memory_order_acquire);
		int32_t diff = (int32_t)(seq - pos);

		/* Work queues: a slot held by a consumer is stepped over, at
		 * most a lap of them per claim (every slot may be held: then,
		 * or on a hostile segment that makes every slot look held, the
		 * ring is full); one that cannot be stepped over yet is a full
		 * slot. */
		if (diff != 0 && (r->busy & SHMCHAN__RING_WQ)) {
			int st;

			if (steps >= r->slot_count) {
				withdraw(cw);
				return -EAGAIN;
			}
			st = shmchan__wq_step_tail(r, pos, seq);
			if (st > 0) {
				steps++;
				/* Relaxed: revalidated by the seq check. */
				pos = atomic_load_explicit(&h->tail, memory_order_relaxed);
				continue;
			}
			if (st != 0)
				diff = -1;
		}
		if (diff == 0) {
			/* Record the attempt before the CAS, which publishes it (P2),
			 * so a claimed slot can always be traced to its producer. */
			if (cw)
				atomic_store_explicit(cw, SHMCHAN__CLAIM_ACTIVE | pos,
						      memory_order_relaxed);
			/* P2. On failure pos is reloaded (relaxed: revalidated above). */
			if (atomic_compare_exchange_weak_explicit(&h->tail, &pos, pos + 1,
								  memory_order_release,
								  memory_order_relaxed))
				break;
			/* Lost the race: withdraw the claim at once, so that a
			 * live producer's word never names the winner's slot (a
			 * reader would wait for us instead of judging a dead
			 * winner). */
			withdraw(cw);
		} else {
			/* diff < 0: the slot still holds an unconsumed message of
			 * the previous lap. Full, unless our pos is stale: another
			 * producer moved tail after we loaded it.
			 * diff > 0: another producer won this position: retry at
			 * the new tail. A slot ahead of an unmoved tail is
			 * impossible (claiming pos moved tail past it for good):
			 * the segment is corrupt, and retrying would spin forever.
			 * Relaxed: as above. */
			uint32_t now = atomic_load_explicit(&h->tail, memory_order_relaxed);

			if (now == pos) {
				withdraw(cw);
				return diff < 0 ? -EAGAIN : -EBADMSG;
			}
			pos = now;
		}
	}
	*pos_out = pos;
	return 0;
}

/* Publish the claimed slot of @pos. Returns 0, -ECANCELED (the consumer
 * stepped over the claim: given back, delivered to nobody), or -EBADMSG
 * (the slot's sequence is corrupt: left alone). */
static int publish(struct shmchan_ring *r, uint32_t pos, uint32_t len, uint32_t flags)
{
	struct shmchan__slot *s = slot_at(r, pos);
	_Atomic uint64_t *cw = r->claim;
	uint32_t seen = pos;
	int err = 0;

	/* Relaxed: published by the P3 CAS below. Harmless if the slot was
	 * stepped over: nobody reads it before P4 or S2 gives it back. */
	atomic_store_explicit(&s->len, len, memory_order_relaxed);
	atomic_store_explicit(&s->flags, flags, memory_order_relaxed);
	/* P3: publishes len, flags and data to the consumer's C1 (seq_cst: see
	 * the top of this file). Relaxed on failure: only the value matters. */
	if (!atomic_compare_exchange_strong_explicit(&s->seq, &seen, pos + 1, memory_order_seq_cst,
						     memory_order_relaxed)) {
		err = -EBADMSG;
		/* P4: we are done with the slot; give it back (pairs with P1
		 * of the producer a lap later, like C3). */
		if (seen == SHMCHAN__SEQ_STEPPED(pos)) {
			err = -ECANCELED;
			atomic_compare_exchange_strong_explicit(&s->seq, &seen, pos + r->slot_count,
								memory_order_seq_cst,
								memory_order_relaxed);
		}
	}
	/* Release: a consumer that load-acquires the cleared claim word also
	 * sees the commit above, so it never takes a committed slot for dead. */
	if (cw)
		atomic_store_explicit(cw, 0, memory_order_release);
	return err;
}

int shmchan_ring_reserve(struct shmchan_ring *r, size_t len, void **data)
{
	uint32_t pos;
	int err;

	err = shmchan__reserve_check(r, len, data);
	if (err)
		return err;
	err = claim(r, &pos);
	if (err)
		return err;
	r->rsv_pos = pos;
	r->rsv_len = (uint32_t)len;
	r->busy |= SHMCHAN__RING_RESERVED;
	*data = slot_at(r, pos)->data;
	return 0;
}

int shmchan_ring_commit(struct shmchan_ring *r, size_t len)
{
	if (!r || !(r->busy & SHMCHAN__RING_RESERVED))
		return -EINVAL;
	if (len > r->slot_size)
		return -EMSGSIZE;
	r->busy &= ~SHMCHAN__RING_RESERVED;
	return publish(r, r->rsv_pos, (uint32_t)len, 0);
}

int shmchan_ring_cancel(struct shmchan_ring *r)
{
	if (!r || !(r->busy & SHMCHAN__RING_RESERVED))
		return -EINVAL;
	r->busy &= ~SHMCHAN__RING_RESERVED;
	/* Stepped over or not, the reservation is gone: nothing to report. */
	(void)publish(r, r->rsv_pos, 0, SHMCHAN__SLOT_DISCARDED);
	return 0;
}

int shmchan_ring_push(struct shmchan_ring *r, const void *data, size_t len)
{
	return shmchan__push_via(r, data, len, shmchan_ring_reserve, shmchan_ring_commit);
}

/* Give the slot at r->head back to the producers and advance. */
static void consume(struct shmchan_ring *r)
{
	struct shmchan__ring_hdr *h = hdr_of(r);
	uint32_t pos = r->head;

	/* C3: pairs with P1 of the producer one lap later (seq_cst: see the top
	 * of this file). */
	atomic_store_explicit(&slot_at(r, pos)->seq, pos + r->slot_count, memory_order_seq_cst);
	r->head = pos + 1;
	/* C4 (C5 while holding): pairs with the load-acquire of head in attach. */
	atomic_store_explicit(&h->head, shmchan__shared_head(r), memory_order_release);
}

/* Move head over a slot a previous consumer already gave back: it stopped
 * (was killed) between its C3 and C4. */
static void skip_released(struct shmchan_ring *r)
{
	r->head++;
	/* C4 again (C5 while holding): pairs with the load-acquire of head in
	 * attach. */
	atomic_store_explicit(&hdr_of(r)->head, shmchan__shared_head(r), memory_order_release);
}

/*
 * Drop the corrupt slot at head, whose sequence read @seen. A claimed position
 * (tail is past it) is consumed so the ring goes on. An unclaimed one only
 * gets its free value back, so the producer that claims it later finds it
 * free; head stays. Relaxed tail load: a stale value only picks the repair
 * over the drop, and the next call looks again.
 */
static void drop_corrupt(struct shmchan_ring *r, struct shmchan__slot *s, uint32_t seen)
{
	uint32_t pos = r->head;
	uint32_t tail = atomic_load_explicit(&hdr_of(r)->tail, memory_order_relaxed);

	if ((int32_t)(tail - pos) > 0) {
		consume(r);
		return;
	}
	/* CAS, not store: leave the slot alone if it changed meanwhile. seq_cst
	 * like P3 and C3, the other stores to seq. */
	atomic_compare_exchange_strong_explicit(&s->seq, &seen, pos, memory_order_seq_cst,
						memory_order_relaxed);
}

/*
 * Look at the slot at head. Its sequence can only be head (free or claimed,
 * not committed), head + 1 (committed), or head + N and head + N + 1 (a
 * previous consumer released it but died before moving head; the second
 * value once a producer has reused it). Anything else is corrupt.
 * Returns 0 with *len and *slot for a committed, well-formed message;
 * -EAGAIN if nothing is committed there; -EBADMSG if the slot's sequence,
 * length or flags are impossible: the slot is dropped (drop_corrupt), unless
 * @keep_corrupt asks only whether something is there. Discarded slots and
 * released ones are stepped over, at most one lap of them.
 */
static int inspect(struct shmchan_ring *r, struct shmchan__slot **slot, uint32_t *len,
		   int keep_corrupt)
{
	uint32_t lap;

	for (lap = 0; lap < r->slot_count; lap++) {
		uint32_t pos = r->head;

		/* C6: the slot holds our own oldest held message (its seq is
		 * head - N + 1): nothing to read until it is released. */
		if (shmchan__hold_lapped(r, r->slot_count))
			return -EAGAIN;
		struct shmchan__slot *s = slot_at(r, pos);
		/* C1: pairs with P3; len, flags and data are visible after it
		 * (seq_cst: see the top of this file). */
		uint32_t seq = atomic_load_explicit(&s->seq, memory_order_seq_cst);
		uint32_t d = seq - pos, n, fl;

		if (d == 0)
			return -EAGAIN;
		/* Released (or stepped over, S1) by a consumer that died before
		 * moving head. */
		if (d == r->slot_count || d == r->slot_count + 1 ||
		    seq == SHMCHAN__SEQ_STEPPED(pos)) {
			skip_released(r);
			continue;
		}
		/* Stepped over a lap ago and not given back yet: nothing here. */
		if (seq == SHMCHAN__SEQ_STEPPED(pos - r->slot_count))
			return -EAGAIN;
		if (d != 1)
			goto corrupt;
		/* Relaxed: ordered after C1, which synchronized with P3. Each
		 * field is read once; the checks below bound what follows. */
		n = atomic_load_explicit(&s->len, memory_order_relaxed);
		fl = atomic_load_explicit(&s->flags, memory_order_relaxed);
		if (n > r->slot_size || (fl & ~SHMCHAN__SLOT_FLAGS_KNOWN))
			goto corrupt;
		if (fl & SHMCHAN__SLOT_DISCARDED) {
			consume(r);
			continue;
		}
		*slot = s;
		*len = n;
		return 0;
corrupt:
		if (!keep_corrupt)
			drop_corrupt(r, s, seq);
		return -EBADMSG;
	}
	return -EAGAIN;
}

/* The message at head, for a pop or a peek: -EALREADY while one is peeked. */
static int look(struct shmchan_ring *r, struct shmchan__slot **s, uint32_t *n)
{
	return (r->busy & SHMCHAN__RING_PEEKED) ? -EALREADY : inspect(r, s, n, 0);
}

int shmchan_ring_pop(struct shmchan_ring *r, void *buf, size_t cap, size_t *len)
{
	struct shmchan__slot *s;
	uint32_t n;
	int err = !r || !r->hdr || !len || (!buf && cap > 0) ? -EINVAL : look(r, &s, &n);

	if (err)
		return err;
	*len = n;
	if (n > cap)
		return -EMSGSIZE;
	if (n)
		memcpy(buf, s->data, n);
	consume(r);
	return 0;
}

int shmchan_ring_peek(struct shmchan_ring *r, const void **data, size_t *len)
{
	struct shmchan__slot *s;
	uint32_t n;
	int err = !r || !r->hdr || !data || !len ? -EINVAL : look(r, &s, &n);

	if (err)
		return err;
	r->busy |= SHMCHAN__RING_PEEKED;
	*data = s->data;
	*len = n;
	return 0;
}

int shmchan_ring_release(struct shmchan_ring *r)
{
	if (!r || !(r->busy & SHMCHAN__RING_PEEKED))
		return -EINVAL;
	r->busy &= ~SHMCHAN__RING_PEEKED;
	consume(r);
	return 0;
}

int shmchan__ring_take(struct shmchan_ring *r, uint32_t *pos, const void **data, size_t *len)
{
	struct shmchan__slot *s;
	uint32_t n, oldest;
	int err = inspect(r, &s, &n, 0);

	if (err)
		return err;
	*pos = r->head;
	*data = s->data;
	*len = n;
	/* C5: the first message held becomes the published head; it is the
	 * published head already (head had not passed it). */
	if (!(r->busy & SHMCHAN__RING_HOLDING)) {
		oldest = r->head;
		shmchan__set_holding(r, &oldest);
	}
	r->head++;
	return 0;
}

void shmchan__ring_done(struct shmchan_ring *r, uint32_t pos)
{
	/* C6, a C3 at @pos: pairs with P1 of the producer a lap later. */
	atomic_store_explicit(&slot_at(r, pos)->seq, pos + r->slot_count, memory_order_seq_cst);
}

void shmchan__ring_publish(struct shmchan_ring *r)
{
	/* C4 (C5): pairs with the load-acquire of head in attach. */
	atomic_store_explicit(&hdr_of(r)->head, shmchan__shared_head(r), memory_order_release);
}

const void *shmchan__ring_data_at(const struct shmchan_ring *r, uint32_t pos)
{
	return slot_at(r, pos)->data;
}

int shmchan_ring_readable(struct shmchan_ring *r)
{
	struct shmchan__slot *s;
	uint32_t n;
	int err;

	if (!r || !r->hdr)
		return -EINVAL;
	if (r->busy & SHMCHAN__RING_PEEKED)
		return 1;
	/* Steps over discarded slots; a corrupt one counts as readable so that
	 * the next pop or peek reports it. */
	err = inspect(r, &s, &n, 1);
	return err == 0 || err == -EBADMSG;
}

uint32_t shmchan__ring_slot_seq(const struct shmchan_ring *r, uint32_t pos)
{
	return atomic_load_explicit(&slot_at(r, pos)->seq, memory_order_seq_cst);
}

int shmchan__ring_head(const struct shmchan_ring *r, uint32_t *pos)
{
	uint32_t head = r->head, seq, tail;

	*pos = head;
	if (shmchan__hold_lapped(r, r->slot_count))
		return SHMCHAN__HEAD_EMPTY; /* C6: our own held message is there */
	/* seq_cst like C1. */
	seq = atomic_load_explicit(&slot_at(r, head)->seq, memory_order_seq_cst);
	if (seq == SHMCHAN__SEQ_STEPPED(head - r->slot_count)) {
		*pos = head - r->slot_count;
		return SHMCHAN__HEAD_STEPPED;
	}
	if (seq != head)
		return SHMCHAN__HEAD_READY;
	/* Acquire: pairs with P2 of the producer that claimed head (through the
	 * release sequence of tail's RMWs), so its claim word is visible. */
	tail = atomic_load_explicit(&hdr_of(r)->tail, memory_order_acquire);
	return (int32_t)(tail - head) > 0 ? SHMCHAN__HEAD_PENDING : SHMCHAN__HEAD_EMPTY;
}

int shmchan__ring_skip_abandoned(struct shmchan_ring *r, uint32_t pos)
{
	uint32_t expected = pos;

	if (r->head != pos)
		return -EAGAIN;
	/* S1. A CAS, so that a slot committed after all is left for reading. */
	if (!atomic_compare_exchange_strong_explicit(&slot_at(r, pos)->seq, &expected,
						     SHMCHAN__SEQ_STEPPED(pos),
						     memory_order_seq_cst, memory_order_relaxed))
		return -EAGAIN;
	skip_released(r);
	return 0;
}

int shmchan__ring_reclaim(struct shmchan_ring *r, uint32_t pos)
{
	uint32_t expected = SHMCHAN__SEQ_STEPPED(pos);

	/* S2: like C3, pairs with P1 of the producer a lap later. */
	return atomic_compare_exchange_strong_explicit(&slot_at(r, pos)->seq, &expected,
						       pos + r->slot_count, memory_order_seq_cst,
						       memory_order_relaxed)
		       ? 0
		       : -EAGAIN;
}

int shmchan_ring_writable(const struct shmchan_ring *r)
{
	const struct shmchan__ring_hdr *h;
	uint32_t tail, seq;

	if (!r || !r->hdr)
		return -EINVAL;
	h = hdr_of(r);
	/* seq_cst: the re-check half of the sleep protocol (top of this file);
	 * the seq load also pairs with C3 like P1 does. */
	tail = atomic_load_explicit(&h->tail, memory_order_seq_cst);
	seq = atomic_load_explicit(&slot_at(r, tail)->seq, memory_order_seq_cst);
	/* diff > 0: tail moved on meanwhile; a claim may well succeed. */
	return (int32_t)(seq - tail) >= 0;
}

int shmchan_ring_depth(const struct shmchan_ring *r)
{
	const struct shmchan__ring_hdr *h;
	uint32_t head, tail, d;

	if (!r || !r->hdr)
		return -EINVAL;
	h = hdr_of(r);
	/* Relaxed: a snapshot; the two loads are not ordered, hence the clamp. */
	head = atomic_load_explicit(&h->head, memory_order_relaxed);
	tail = atomic_load_explicit(&h->tail, memory_order_relaxed);
	d = tail - head;
	/* A producer may claim a slot the consumer freed before head moved,
	 * and a hostile segment may hold anything: clamp. */
	if ((int32_t)d < 0)
		return 0;
	return (int)(d > r->slot_count ? r->slot_count : d);
}

int shmchan_ring_capacity(const struct shmchan_ring *r)
{
	return (r && r->hdr) ? (int)r->slot_count : -EINVAL;
}

int shmchan_ring_slot_size(const struct shmchan_ring *r)
{
	return (r && r->hdr) ? (int)r->slot_size : -EINVAL;
}
