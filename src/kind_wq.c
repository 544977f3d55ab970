/* SPDX-License-Identifier: MIT */
/*
 * Work queues, channel layer: readers that compete for messages (the ring
 * side is wqueue.c; writers are those of slot channels), and the delivery
 * again of a message whose reader died holding it.
 *
 * A reader holds a message from its claim of head (wqueue.c Q2) until it
 * gives the slot back (Q3): during a copy, or between peek and release. Its
 * claim word (subscribers[i].claim) names the position meanwhile. A reader
 * found dead with such a claim, whose slot still holds that message, is
 * "adopted": a live reader takes the claim over (a CAS on the dead entry's
 * claim word, so that only one does) and delivers the message as its own.
 * A reader that closes holding a message leaves it the same way.
 */
#include <string.h>

#include "channel_pvt.h"
#include "kind_pvt.h"

static struct shmchan__peer *self_of(const struct shmchan__handle *ch)
{
	return (struct shmchan__peer *)ch->self;
}

static _Atomic uint64_t *cw_of(const struct shmchan__handle *ch)
{
	return &self_of(ch)->claim;
}

/* Give the held slot back. */
static void finish(struct shmchan__handle *ch)
{
	shmchan__wq_done(&ch->ring, cw_of(ch), (uint32_t)ch->wq.pos);
	ch->wq.holding = 0;
	ch->wq.taken++; /* progress: writers waiting for space are woken */
}

static int wq_take(struct shmchan__handle *ch, void *buf, size_t cap, const void **view,
		   size_t *len)
{
	const void *data;
	uint32_t pos, n;
	int err;

	if (ch->ring.busy & SHMCHAN__RING_PEEKED)
		return -EALREADY;
	if (!len || (!view && !buf && cap > 0))
		return -EINVAL;
	if (ch->wq.holding) {
		/* Adopted, or refused for its size: the slot is still ours. */
		err = shmchan__wq_at(&ch->ring, (uint32_t)ch->wq.pos, &data, &n);
		if (err) {
			finish(ch);
			return err;
		}
	} else {
		err = shmchan__wq_take(&ch->ring, cw_of(ch), &pos, &data, &n);
		if (err)
			return err;
		ch->wq.holding = 1;
		ch->wq.pos = pos;
		/* Progress: a writer asleep at a full ring may now step over
		 * this slot (wqueue.c W1). */
		ch->wq.taken++;
	}
	*len = n;
	if (view) {
		ch->ring.busy |= SHMCHAN__RING_PEEKED;
		shmchan__holds_add(&ch->holds, ch->wq.pos, 0);
		*view = data;
		return 0;
	}
	if (n > cap)
		return -EMSGSIZE; /* kept: the next read gets it */
	if (n)
		memcpy(buf, data, n);
	finish(ch);
	return 0;
}

/* A work-queue reader holds one message (its claim word names it). */
static int wq_release(struct shmchan__handle *ch, const void *view)
{
	if (!(ch->ring.busy & SHMCHAN__RING_PEEKED))
		return -EINVAL;
	if (view && view != shmchan__ring_data_at(&ch->ring, (uint32_t)ch->wq.pos))
		return -EINVAL;
	ch->ring.busy &= ~SHMCHAN__RING_PEEKED;
	shmchan__holds_drop(&ch->holds, 0);
	finish(ch);
	return 0;
}

static int wq_readable(struct shmchan__handle *ch)
{
	return ch->wq.holding || shmchan__wq_readable(&ch->ring);
}

static int wq_head(struct shmchan__handle *ch, uint32_t *pos)
{
	if (ch->wq.holding) {
		*pos = (uint32_t)ch->wq.pos;
		return SHMCHAN__HEAD_READY;
	}
	return shmchan__wq_head(&ch->ring, pos);
}

/*
 * The other readers' claims of @pos: with @clear_dead 0, whether a live
 * reader claims it (1) or none does (0); with @clear_dead 1, the claims of
 * dead readers that name it are cleared (it is taken care of), and 0.
 * Acquire: pairs with the release of the claim (wqueue.c Q2).
 */
static int claims_of(struct shmchan__handle *ch, uint32_t pos, int clear_dead)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	int i;

	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++) {
		struct shmchan__peer *p = &h->subscribers[i];
		uint64_t c = atomic_load_explicit(&p->claim, memory_order_acquire);

		if (p == self_of(ch) || !(c & SHMCHAN__CLAIM_ACTIVE) || (uint32_t)c != pos)
			continue;
		if (!clear_dead && shmchan__peer_held(p) &&
		    !shmchan__peer_dead(p, shmchan__judge_of(ch)))
			return 1;
		if (clear_dead && shmchan__peer_dead(p, shmchan__judge_of(ch)))
			atomic_compare_exchange_strong_explicit(
				&p->claim, &c, 0, memory_order_acq_rel, memory_order_relaxed);
	}
	return 0;
}

static int live_claim(struct shmchan__handle *ch, uint32_t pos)
{
	return claims_of(ch, pos, 0);
}

static void clear_dead_claims(struct shmchan__handle *ch, uint32_t pos)
{
	(void)claims_of(ch, pos, 1);
}

static int wq_adopt(struct shmchan__handle *ch)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	int i, pending = 0;

	if (ch->wq.holding)
		return 0;
	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++) {
		struct shmchan__peer *p = &h->subscribers[i];
		uint64_t c = atomic_load_explicit(&p->claim, memory_order_acquire);
		uint64_t mark = c | SHMCHAN__CLAIM_ADOPTING;
		uint32_t pos = (uint32_t)c;
		int held;

		/* A live claim is looked for before the slot: a live holder
		 * clears its claim only after giving the slot back (Q3, Q4), so
		 * if its claim is gone, the slot check sees it given back. */
		if (p == self_of(ch) || !(c & SHMCHAN__CLAIM_ACTIVE) ||
		    (c & SHMCHAN__CLAIM_ADOPTING) ||
		    !shmchan__peer_dead(p, shmchan__judge_of(ch)) || live_claim(ch, pos) ||
		    !shmchan__wq_held(&ch->ring, pos))
			continue;
		/* Our claim first, so that if we die now the message is still
		 * traced to a dead reader; relaxed: published by the CAS. */
		atomic_store_explicit(cw_of(ch), SHMCHAN__CLAIM_ACTIVE | pos, memory_order_relaxed);
		/* Mark the dead claim as being adopted (acq_rel: one adopter
		 * wins; release publishes our claim). A marked claim is still
		 * pending (registry.c hold_pending): the entry is not reused
		 * while this goes on. */
		if (!atomic_compare_exchange_strong_explicit(
			    &p->claim, &c, mark, memory_order_acq_rel, memory_order_relaxed)) {
			atomic_store_explicit(cw_of(ch), 0, memory_order_relaxed);
			continue;
		}
		/* Between the checks and the mark, a live reader that had lost
		 * the race for pos (a stale claim) may have been the holder and
		 * given it back, or another adopter of another dead claim of pos
		 * may be at work: check again now that we hold the mark. */
		held = shmchan__wq_held(&ch->ring, pos);
		if (live_claim(ch, pos) || !held) {
			/* Undo: put the claim back if the message is still held
			 * (the next look settles it), else clear it. */
			atomic_compare_exchange_strong_explicit(&p->claim, &mark, held ? c : 0,
								memory_order_release,
								memory_order_relaxed);
			atomic_store_explicit(cw_of(ch), 0, memory_order_relaxed);
			pending |= held;
			continue;
		}
		/* Done with the dead entry. If our mark is gone, another adopter
		 * of pos cleared it (clear_dead_claims): that one delivers it. */
		if (!atomic_compare_exchange_strong_explicit(
			    &p->claim, &mark, 0, memory_order_acq_rel, memory_order_relaxed)) {
			atomic_store_explicit(cw_of(ch), 0, memory_order_relaxed);
			continue;
		}
		clear_dead_claims(ch, pos);
		shmchan__subs_held(h, shmchan__judge_of(ch), 1); /* account for the dead reader */
		ch->wq.holding = 1;
		ch->wq.pos = pos;
		/* Progress: a writer asleep at a full ring may now step over
		 * this slot (wqueue.c W1). */
		ch->wq.taken++;
		/* Relaxed: a statistic (messages delivered again). */
		atomic_store_explicit(&self_of(ch)->events, ++ch->events, memory_order_relaxed);
		return 1;
	}
	return pending ? 2 : 0;
}

/* ---- the kind table's line for readers (kind_pvt.h) ---- */

static int wq_pop_op(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len)
{
	return wq_take(ch, buf, cap, NULL, len);
}

static int wq_peek_op(struct shmchan__handle *ch, const void **data, size_t *len)
{
	return data ? wq_take(ch, NULL, 0, data, len) : -EINVAL;
}

static int wq_skip_op(struct shmchan__handle *ch, uint32_t pos, uint32_t extent, int live)
{
	(void)extent;
	(void)live; /* a live claimant's commit fails (ring.c S1, P3) */
	return shmchan__wq_skip_abandoned(&ch->ring, pos);
}

/* A dead or closed reader's claim word names a message still in its slot:
 * another reader delivers it (adopt above), so its entry is kept. */
static int wq_hold_pending_op(const struct shmchan__handle *ch, uint64_t claim)
{
	return (claim & SHMCHAN__CLAIM_ACTIVE) && shmchan__wq_held(&ch->ring, (uint32_t)claim);
}

/* A reader that replaces a dead one gets the message that one held first. */
static int wq_join(struct shmchan__handle *ch, unsigned flags)
{
	int err = flags ? SHMCHAN_EKIND : shmchan__join(ch, SHMCHAN__ROLE_READER, 0);

	if (!err)
		wq_adopt(ch);
	return err;
}

static uint32_t wq_progress(const struct shmchan__handle *ch)
{
	return (uint32_t)ch->wq.taken;
}

/* A reader that closes holding a message leaves it for another to deliver. */
static int wq_leave_holds(const struct shmchan__handle *ch)
{
	return ch->wq.holding != 0;
}

const struct shmchan__reader_ops shmchan__wq_reader = {
	.pop = wq_pop_op,
	.peek = wq_peek_op,
	.release = wq_release,
	.readable = wq_readable,
	.head = wq_head,
	.join = wq_join,
	.skip = wq_skip_op,
	.reclaim = shmchan__slot_reclaim,
	.hold_pending = wq_hold_pending_op,
	.orphan_extent = shmchan__one_extent,
	.adopt = wq_adopt,
	.progress = wq_progress,
	.leave_holds = wq_leave_holds,
	.samples_depth = 1,
	.many = 1,
};
