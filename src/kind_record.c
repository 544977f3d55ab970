/* SPDX-License-Identifier: MIT */
/* Record channels' operations (the record ring, rring.c). */
#include "config_pvt.h"
#include "kind_pvt.h"
#include "rring_pvt.h"

/* ---- the ring: a byte ring of a buffer size ---- */

/* The header records the largest record as slot_size and the buffer as
 * slot_count. */
static int rec_geometry(const struct shmchan_config *cfg, struct shmchan__geom *g,
			struct shmchan__why *w)
{
	uint32_t b = cfg->buffer_size;

	if (cfg->policy)
		return shmchan__why(w, "policy %u: broadcast channels only (0 for this kind)",
				    cfg->policy);
	if (cfg->slot_size || cfg->slot_count)
		return shmchan__why(w,
				    "slot_size %u, slot_count %u: slot channels only (record "
				    "channels take buffer_size)",
				    cfg->slot_size, cfg->slot_count);
	if (b < SHMCHAN_RECORD_MIN_BUFFER || b > SHMCHAN_RECORD_MAX_BUFFER)
		return shmchan__why(w, "buffer_size %u: must be %u to %u bytes", b,
				    SHMCHAN_RECORD_MIN_BUFFER, SHMCHAN_RECORD_MAX_BUFFER);
	if (!shmchan__rring_memsize(b))
		return shmchan__why(w, "buffer_size %u: not a power of two", b);
	g->size = SHMCHAN_RECORD_MAX_LEN(cfg->buffer_size);
	g->count = cfg->buffer_size;
	g->flags = 0;
	return 0;
}

static size_t rec_memsize(uint32_t size, uint32_t count)
{
	return size == SHMCHAN_RECORD_MAX_LEN(count) ? shmchan__rring_memsize(count) : 0;
}

static int rec_flags_ok(uint32_t flags)
{
	return flags == 0;
}

static int rec_expect(const struct shmchan__id *id, const struct shmchan_config *expect)
{
	if (expect->slot_size || expect->slot_count ||
	    (expect->buffer_size && expect->buffer_size != id->slot_count))
		return SHMCHAN_EGEOMETRY;
	return 0;
}

static int rec_init(void *ring, size_t ring_size, const struct shmchan__geom *g)
{
	return shmchan__rring_init(ring, ring_size, g->count);
}

static int rec_attach(struct shmchan__handle *ch, void *ring, size_t size)
{
	return shmchan__rring_attach(&ch->ring, ring, size);
}

static void rec_config(const struct shmchan__handle *ch, struct shmchan_config *out)
{
	out->slot_size = ch->ring.slot_size;
	out->buffer_size = ch->ring.slot_count;
}

/* Messages committed and not read, plus claims in flight, from the peers'
 * counters (a snapshot). */
static uint32_t rec_count(const struct shmchan__chan_hdr *h)
{
	uint64_t w, r, n;

	shmchan__totals((struct shmchan__chan_hdr *)h, &w, &r);
	n = (w > r ? w - r : 0) + shmchan__claims_active((struct shmchan__chan_hdr *)h);
	return n > INT32_MAX ? INT32_MAX : (uint32_t)n;
}

static int rec_depth(const struct shmchan__handle *ch)
{
	return (int)rec_count(shmchan__hdr(ch));
}

static int64_t rec_depth_bytes(const struct shmchan__handle *ch)
{
	return shmchan__rring_depth_bytes(&ch->ring);
}

static void rec_describe(const struct shmchan__chan_hdr *h, const struct shmchan__id *id,
			 const struct shmchan__rows *rows, struct shmchan_info *info)
{
	const struct shmchan__rring_hdr *rh = (const void *)((const char *)h + SHMCHAN__HDR_SPACE);
	/* Relaxed: a snapshot, clamped to the buffer. */
	uint32_t d = atomic_load_explicit(&rh->tail, memory_order_relaxed) -
		     atomic_load_explicit(&rh->head, memory_order_relaxed);

	(void)rows;
	info->depth_bytes = (int32_t)d < 0 ? 0 : (d > id->slot_count ? id->slot_count : d);
	info->depth = rec_count(h);
	/* Relaxed, as above: the tail's byte position (wraps at 2^32), for
	 * the tool's bytes/s. */
	info->tail = atomic_load_explicit(&rh->tail, memory_order_relaxed);
}

/* ---- writers ---- */

static int rec_push(struct shmchan__handle *ch, const void *data, size_t len)
{
	return shmchan__rring_push(&ch->ring, data, len);
}

static int rec_reserve(struct shmchan__handle *ch, size_t len, void **data)
{
	return shmchan__rring_reserve(&ch->ring, len, data);
}

static int rec_commit(struct shmchan__handle *ch, size_t len)
{
	return shmchan__rring_commit(&ch->ring, len);
}

static int rec_cancel(struct shmchan__handle *ch)
{
	return shmchan__rring_cancel(&ch->ring);
}

static int rec_writable(struct shmchan__handle *ch, size_t len, int slow)
{
	(void)slow;
	return shmchan__rring_writable(&ch->ring, len);
}

static int rec_claim_pending(const struct shmchan__handle *ch, uint32_t pos, uint32_t ext)
{
	/* Acquire, as the reader's load of it. */
	uint32_t head = atomic_load_explicit(
		&((const struct shmchan__rring_hdr *)ch->ring.hdr)->head, memory_order_acquire);

	return (int32_t)(pos + ext - head) > 0; /* head has not passed it */
}

/* ---- readers ---- */

static int rec_join(struct shmchan__handle *ch, unsigned flags)
{
	int err = flags ? SHMCHAN_EKIND : shmchan__join(ch, SHMCHAN__ROLE_READER, 0);
	uint64_t note;

	if (err)
		return err;
	/* A reader starts where the previous one stopped, head loaded only now
	 * that the role is ours; the span the previous one was freeing is in
	 * its note. Acquire: pairs with the release that stored the note. */
	note = atomic_load_explicit(&((struct shmchan__peer *)ch->self)->aux, memory_order_acquire);
	shmchan__rring_load_head(&ch->ring);
	shmchan__rring_recover(&ch->ring, note);
	return 0;
}

static int rec_pop(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len)
{
	if (shmchan__holds_block_read(&ch->holds))
		return -EALREADY;
	return shmchan__rring_pop(&ch->ring, buf, cap, len);
}

static int rec_peek(struct shmchan__handle *ch, const void **data, size_t *len)
{
	uint32_t pos, span;
	int err;

	if (!data || !len)
		return -EINVAL;
	if (shmchan__holds_full(&ch->holds))
		return -EALREADY;
	err = shmchan__rring_take(&ch->ring, &pos, &span, data, len);
	if (!err)
		shmchan__holds_add(&ch->holds, pos, span);
	return err;
}

/* The payload of the record at @pos (shmchan__holds_find). */
static const void *rec_view(const struct shmchan_ring *r, uint64_t pos)
{
	return r->base + ((uint32_t)pos & r->mask) + SHMCHAN__REC_HDR;
}

/* Mark a held record done (rring.c R6); when it was the oldest, free up to
 * the next one held, or to the reader's own head. */
static int rec_release(struct shmchan__handle *ch, const void *view)
{
	int i = shmchan__holds_find(&ch->holds, view, rec_view, &ch->ring);
	uint32_t next;

	if (i < 0)
		return -EINVAL;
	shmchan__rring_done(&ch->ring, (uint32_t)ch->holds.e[i].pos, (uint32_t)ch->holds.e[i].aux);
	shmchan__holds_drop(&ch->holds, (uint32_t)i);
	if (i)
		return 0;
	next = (uint32_t)ch->holds.e[0].pos;
	return shmchan__rring_publish(&ch->ring, ch->holds.n ? &next : NULL);
}

static int rec_readable(struct shmchan__handle *ch)
{
	if (shmchan__holds_full(&ch->holds))
		return 1; /* a peek returns at once (-EALREADY) */
	return shmchan__rring_readable(&ch->ring);
}

static int rec_head(struct shmchan__handle *ch, uint32_t *pos)
{
	return shmchan__rring_head(&ch->ring, pos);
}

/* A byte ring frees in order: a record whose producer may still write it
 * is marked and waited at (rring.c R5); a dead one's span is freed. */
static int rec_skip(struct shmchan__handle *ch, uint32_t pos, uint32_t extent, int live)
{
	if (live) /* marked already, or committed meanwhile: wait, then read */
		return shmchan__rring_step(&ch->ring, pos) ? -EBUSY : 0;
	return shmchan__rring_skip_abandoned(&ch->ring, pos, extent);
}

/* An orphan claim is stepped over by the stride its header recorded. */
static int rec_orphan_extent(struct shmchan__handle *ch, uint32_t pos, uint32_t *extent)
{
	(void)pos;
	return shmchan__rring_claimed_stride(&ch->ring, extent);
}

const struct shmchan__ring_ops shmchan__record_ring = {
	.geometry = rec_geometry,
	.memsize = rec_memsize,
	.flags_ok = rec_flags_ok,
	.expect = rec_expect,
	.init = rec_init,
	.attach = rec_attach,
	.config = rec_config,
	.depth = rec_depth,
	.depth_bytes = rec_depth_bytes,
	.describe = rec_describe,
};

const struct shmchan__writer_ops shmchan__record_writer = {
	.push = rec_push,
	.reserve = rec_reserve,
	.commit = rec_commit,
	.cancel = rec_cancel,
	.writable = rec_writable,
	.claim_pending = rec_claim_pending,
};

/* Reads do not sample the depth: it comes from every peer's counters, too
 * costly per read; the highest depth is taken by writers finding it full. */
const struct shmchan__reader_ops shmchan__record_reader = {
	.pop = rec_pop,
	.peek = rec_peek,
	.release = rec_release,
	.readable = rec_readable,
	.head = rec_head,
	.join = rec_join,
	.skip = rec_skip,
	.reclaim = shmchan__no_reclaim,
	.hold_pending = shmchan__no_hold,
	.orphan_extent = rec_orphan_extent,
	.progress = shmchan__head_progress,
	.leave_holds = shmchan__no_leave_hold,
	.holds_many = 1,
};
