/* SPDX-License-Identifier: MIT */
/* Slot channels' operations (the slot ring, ring.c), and work-queue writers,
 * which are slot writers that step over held slots (wqueue.c). */
#include "config_pvt.h"
#include "kind_pvt.h"
#include "ring_pvt.h"

/* ---- the ring: geometry shared with broadcast rings (slots of a size) ---- */

int shmchan__slot_geometry(const struct shmchan_config *cfg, struct shmchan__geom *g,
			   struct shmchan__why *w)
{
	uint32_t n = cfg->slot_count;

	if (cfg->buffer_size)
		return shmchan__why(w,
				    "buffer_size %u: record channels only (slot channels take "
				    "slot_size and slot_count)",
				    cfg->buffer_size);
	if (cfg->slot_size == 0 || cfg->slot_size > SHMCHAN_RING_MAX_SLOT_SIZE)
		return shmchan__why(w, "slot_size %u: must be 1 to %u bytes", cfg->slot_size,
				    SHMCHAN_RING_MAX_SLOT_SIZE);
	if (n < 2 || n > SHMCHAN_RING_MAX_SLOTS)
		return shmchan__why(w, "slot_count %u: must be 2 to %u", n, SHMCHAN_RING_MAX_SLOTS);
	if (n & (n - 1))
		return shmchan__why(w, "slot_count %u: not a power of two", n);
	if (shmchan_ring_memsize(cfg->slot_size, n) == 0)
		return shmchan__why(w,
				    "slot_size %u x slot_count %u: more bytes than this "
				    "machine can map",
				    cfg->slot_size, n);
	g->size = cfg->slot_size;
	g->count = cfg->slot_count;
	g->flags = 0;
	return 0;
}

static int slot_geometry(const struct shmchan_config *cfg, struct shmchan__geom *g,
			 struct shmchan__why *w)
{
	if (cfg->policy)
		return shmchan__why(w, "policy %u: broadcast channels only (0 for this kind)",
				    cfg->policy);
	return shmchan__slot_geometry(cfg, g, w);
}

static int slot_flags_ok(uint32_t flags)
{
	return flags == 0;
}

int shmchan__slot_expect(const struct shmchan__id *id, const struct shmchan_config *expect)
{
	if ((expect->slot_size && expect->slot_size != id->slot_size) ||
	    (expect->slot_count && expect->slot_count != id->slot_count) || expect->buffer_size)
		return SHMCHAN_EGEOMETRY;
	return 0;
}

static int slot_init(void *ring, size_t ring_size, const struct shmchan__geom *g)
{
	return shmchan_ring_init(ring, ring_size, g->size, g->count);
}

static int slot_attach(struct shmchan__handle *ch, void *ring, size_t size)
{
	return shmchan_ring_attach(&ch->ring, ring, size);
}

void shmchan__slot_config(const struct shmchan__handle *ch, struct shmchan_config *out)
{
	out->slot_size = ch->ring.slot_size;
	out->slot_count = ch->ring.slot_count;
}

static int slot_depth(const struct shmchan__handle *ch)
{
	return shmchan_ring_depth(&ch->ring);
}

int64_t shmchan__slot_depth_bytes(const struct shmchan__handle *ch)
{
	int d = shmchan__kind_of(ch->kind)->ring->depth(ch);

	/* At most 2^24 slots of 2^30 bytes: within 63 bits. */
	return d < 0 ? d : (int64_t)d * ch->ring.slot_size;
}

void shmchan__slot_describe(const struct shmchan__chan_hdr *h, const struct shmchan__id *id,
			    const struct shmchan__rows *rows, struct shmchan_info *info)
{
	const struct shmchan__ring_hdr *rh = (const void *)((const char *)h + SHMCHAN__HDR_SPACE);
	/* Relaxed: a snapshot, clamped like shmchan_ring_depth(). */
	uint32_t d = atomic_load_explicit(&rh->tail, memory_order_relaxed) -
		     atomic_load_explicit(&rh->head, memory_order_relaxed);

	(void)rows;
	d = (int32_t)d < 0 ? 0 : (d > id->slot_count ? id->slot_count : d);
	info->depth = d;
	info->depth_bytes = (uint64_t)d * id->slot_size;
	if (info->max_depth > id->slot_count)
		info->max_depth = id->slot_count;
}

/* ---- writers ---- */

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

/* ---- readers ---- */

int shmchan__slot_join(struct shmchan__handle *ch, unsigned flags)
{
	int err = flags ? SHMCHAN_EKIND : shmchan__join(ch, SHMCHAN__ROLE_READER, 0);

	/* A reader starts where the previous one stopped: head is loaded only
	 * now that the role is ours (join's acquire ordered the old reader's
	 * last consume before this). */
	if (!err)
		shmchan__ring_load_head(&ch->ring);
	return err;
}

uint32_t shmchan__head_progress(const struct shmchan__handle *ch)
{
	/* What writers wait for: the published head (hold_pvt.h). */
	return shmchan__shared_head(&ch->ring);
}

static int slot_pop(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len)
{
	if (shmchan__holds_block_read(&ch->holds))
		return -EALREADY;
	return shmchan_ring_pop(&ch->ring, buf, cap, len);
}

static int slot_peek(struct shmchan__handle *ch, const void **data, size_t *len)
{
	uint32_t pos;
	int err;

	if (!data || !len)
		return -EINVAL;
	if (shmchan__holds_full(&ch->holds))
		return -EALREADY;
	err = shmchan__ring_take(&ch->ring, &pos, data, len);
	if (!err)
		shmchan__holds_add(&ch->holds, pos, 0);
	return err;
}

/* The view of a held position (shmchan__holds_find). */
static const void *slot_view(const struct shmchan_ring *r, uint64_t pos)
{
	return shmchan__ring_data_at(r, (uint32_t)pos);
}

/* Give back a held slot (ring.c C6); when it was the oldest, publish the
 * next oldest held, or the reader's own head, as the ring's head (C5). */
static int slot_release(struct shmchan__handle *ch, const void *view)
{
	int i = shmchan__holds_find(&ch->holds, view, slot_view, &ch->ring);
	uint32_t next;

	if (i < 0)
		return -EINVAL;
	shmchan__ring_done(&ch->ring, (uint32_t)ch->holds.e[i].pos);
	shmchan__holds_drop(&ch->holds, (uint32_t)i);
	if (i == 0) {
		next = (uint32_t)ch->holds.e[0].pos;
		shmchan__set_holding(&ch->ring, ch->holds.n ? &next : NULL);
		shmchan__ring_publish(&ch->ring);
	}
	return 0;
}

static int slot_readable(struct shmchan__handle *ch)
{
	if (shmchan__holds_full(&ch->holds))
		return 1; /* a peek returns at once (-EALREADY) */
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

const struct shmchan__ring_ops shmchan__slot_ring = {
	.geometry = slot_geometry,
	.memsize = shmchan_ring_memsize,
	.flags_ok = slot_flags_ok,
	.expect = shmchan__slot_expect,
	.init = slot_init,
	.attach = slot_attach,
	.config = shmchan__slot_config,
	.depth = slot_depth,
	.depth_bytes = shmchan__slot_depth_bytes,
	.describe = shmchan__slot_describe,
};

const struct shmchan__writer_ops shmchan__slot_writer = {
	.push = slot_push,
	.reserve = slot_reserve,
	.commit = slot_commit,
	.cancel = slot_cancel,
	.writable = slot_writable,
	.claim_pending = slot_claim_pending,
};

const struct shmchan__writer_ops shmchan__wq_writer = {
	.push = slot_push,
	.reserve = slot_reserve,
	.commit = slot_commit,
	.cancel = slot_cancel,
	.writable = wq_writable,
	.claim_pending = slot_claim_pending,
	.ring_mode = SHMCHAN__RING_WQ,
};

const struct shmchan__reader_ops shmchan__slot_reader = {
	.pop = slot_pop,
	.peek = slot_peek,
	.release = slot_release,
	.readable = slot_readable,
	.head = slot_head,
	.join = shmchan__slot_join,
	.skip = slot_skip,
	.reclaim = shmchan__slot_reclaim,
	.hold_pending = shmchan__no_hold,
	.orphan_extent = shmchan__one_extent,
	.progress = shmchan__head_progress,
	.leave_holds = shmchan__no_leave_hold,
	.samples_depth = 1,
	.holds_many = 1,
};
