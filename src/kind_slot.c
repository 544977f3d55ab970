/* SPDX-License-Identifier: MIT */
/* Slot channels' operations (the slot ring, ring.c), and work-queue writers,
 * which are slot writers that step over held slots (wqueue.c). */
#include "kind_pvt.h"
#include "ring_pvt.h"

static int slot_push(struct shmchan__handle *ch, const void *data, size_t len)
{
	return shmchan_ring_push(&ch->ring, data, len);
}

static int slot_reserve(struct shmchan__handle *ch, size_t len, void **data)
{
	return shmchan_ring_reserve(&ch->ring, len, data);
}

static int slot_commit(struct shmchan__handle *ch, size_t len)
{
	return shmchan_ring_commit(&ch->ring, len);
}

static int slot_cancel(struct shmchan__handle *ch)
{
	return shmchan_ring_cancel(&ch->ring);
}

static int slot_writable(struct shmchan__handle *ch, size_t len, int slow)
{
	(void)len;
	(void)slow;
	return shmchan_ring_writable(&ch->ring);
}

static int wq_writable(struct shmchan__handle *ch, size_t len, int slow)
{
	(void)len;
	(void)slow;
	return shmchan__wq_writable(&ch->ring);
}

static int slot_claim_pending(const struct shmchan__handle *ch, uint32_t pos, uint32_t ext)
{
	const struct shmchan__ring_hdr *rh = ch->ring.hdr;
	/* Acquire, as the reader's loads of them. */
	uint32_t head = atomic_load_explicit(&rh->head, memory_order_acquire);
	uint32_t tail = atomic_load_explicit(&rh->tail, memory_order_acquire), seq;

	(void)ext;
	if ((int32_t)(tail - pos) <= 0)
		return 0;
	/* Claimed in [head, tail), or stepped over and not given back: the
	 * claim word is what lets a reader give that slot back (ring.c S2). */
	seq = shmchan__ring_slot_seq(&ch->ring, pos);
	return seq == SHMCHAN__SEQ_STEPPED(pos) || ((int32_t)(pos - head) >= 0 && seq == pos);
}

static int slot_pop(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len)
{
	return shmchan_ring_pop(&ch->ring, buf, cap, len);
}

static int slot_peek(struct shmchan__handle *ch, const void **data, size_t *len)
{
	return shmchan_ring_peek(&ch->ring, data, len);
}

static int slot_release(struct shmchan__handle *ch)
{
	return shmchan_ring_release(&ch->ring);
}

static int slot_readable(struct shmchan__handle *ch)
{
	return shmchan_ring_readable(&ch->ring);
}

static int slot_head(struct shmchan__handle *ch, uint32_t *pos)
{
	return shmchan__ring_head(&ch->ring, pos);
}

static int slot_skip(struct shmchan__handle *ch, uint32_t pos, uint32_t extent, int live)
{
	(void)extent;
	(void)live; /* a live claimant's commit fails (ring.c S1, P3) */
	return shmchan__ring_skip_abandoned(&ch->ring, pos);
}

void shmchan__slot_reclaim(struct shmchan__handle *ch, uint32_t pos)
{
	(void)shmchan__ring_reclaim(&ch->ring, pos);
}

const struct shmchan__writer_ops shmchan__slot_writer = {
	slot_push, slot_reserve, slot_commit, slot_cancel, slot_writable, slot_claim_pending, 0,
};

const struct shmchan__writer_ops shmchan__wq_writer = {
	slot_push, slot_reserve, slot_commit, slot_cancel, wq_writable, slot_claim_pending, 0,
};

const struct shmchan__reader_ops shmchan__slot_reader = {
	slot_pop,  slot_peek, slot_release,	     slot_readable,
	slot_head, slot_skip, shmchan__slot_reclaim, shmchan__no_hold,
};
