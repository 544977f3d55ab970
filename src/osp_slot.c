/* SPDX-License-Identifier: MIT */
/*
 * newosp's ShmChannel<SlotSize, SlotCount>: an MPSC ring of fixed slots
 * (newosp.h, docs/newosp.md).
 *
 * Layout (little-endian, natural alignment; no header, no magic):
 *   @0   uint32 producer_pos   (its own 64-byte line)
 *   @64  uint32 consumer_pos
 *   @68  slots[SlotCount], each { uint32 sequence @+0; uint32 size @+4;
 *        uint8 data[SlotSize] @+8 }, stride 8 + SlotSize rounded up to 4
 *   size: round_up(68 + SlotCount * stride, 64), then to 4096.
 *
 * Protocol, per position p (slot p & (SlotCount - 1)), all counters uint32
 * and wrapping: sequence == p: free for the producer of p; a producer
 * claims p by CAS of producer_pos p -> p + 1, writes size and data, and
 * publishes with a store-release of sequence = p + 1; the reader sees
 * sequence == p + 1, reads, and gives the slot back with a store-release
 * of sequence = p + SlotCount, then of consumer_pos = p + 1.
 *
 * At the reader's position the sequence can only be p (not yet published),
 * p + 1 (published), or, where a reader died between its two stores of a
 * give-back (sequence set, consumer_pos not moved), p + N (given back, maybe
 * claimed again since) or p + N + 1 (its next lap published): those are
 * stepped over, and producer_pos may then be N + 1 ahead of consumer_pos.
 * Any other value is a corrupt object (-EBADMSG, until something rewrites
 * it). A producer finds p (free), p - N (the lap before, claimed and not yet
 * published: full), p + 1 - N (the lap before, not yet read: full), or a
 * value ahead of p (another producer took p meanwhile: it looks again, a
 * bounded number of times). SlotCount 1 is refused: its free and full
 * sequences are the same value.
 */
#include <errno.h>
#include <string.h>

#include "newosp_pvt.h"
#include "wait_pvt.h"

#define PRODUCER_OFF 0u
#define CONSUMER_OFF 64u
#define SLOTS_OFF 68u
/* A producer that keeps losing the race for producer_pos gives up after
 * this many looks (-EAGAIN): a bound, not a lock. */
#define CLAIM_TRIES 64

static size_t slot_off(const struct shmchan__handle *ch, uint32_t pos)
{
	return SLOTS_OFF + (size_t)(pos & (ch->osp.slot_count - 1)) * ch->osp.stride;
}

static _Atomic uint32_t *seq_of(const struct shmchan__handle *ch, uint32_t pos)
{
	return shmchan__osp_word(ch, slot_off(ch, pos));
}

static _Atomic uint32_t *size_of(const struct shmchan__handle *ch, uint32_t pos)
{
	return shmchan__osp_word(ch, slot_off(ch, pos) + 4);
}

static unsigned char *data_of(const struct shmchan__handle *ch, uint32_t pos)
{
	return (unsigned char *)ch->seg.addr + slot_off(ch, pos) + 8;
}

static int slot_geometry(const struct shmchan_osp_config *cfg, uint64_t *size)
{
	uint64_t stride, bytes;

	if (cfg->slot_size == 0 || cfg->slot_count < 2 ||
	    (cfg->slot_count & (cfg->slot_count - 1)) != 0 || cfg->capacity != 0)
		return -EINVAL;
	stride = (8 + (uint64_t)cfg->slot_size + 3) & ~(uint64_t)3;
	bytes = SLOTS_OFF + (uint64_t)cfg->slot_count * stride;
	bytes = shmchan__osp_page((bytes + 63) & ~(uint64_t)63);
	if (bytes > SHMCHAN_OSP_MAX_SIZE)
		return -EFBIG;
	*size = bytes;
	return 0;
}

static void set_geometry(struct shmchan__handle *ch, const struct shmchan_osp_config *cfg)
{
	ch->osp.slot_size = cfg->slot_size;
	ch->osp.slot_count = cfg->slot_count;
	ch->osp.stride = (uint32_t)((8 + (uint64_t)cfg->slot_size + 3) & ~(uint64_t)3);
}

static void slot_init(struct shmchan__handle *ch, const struct shmchan_osp_config *cfg)
{
	uint32_t i;

	set_geometry(ch, cfg);
	/* Relaxed: nobody else maps the object before create returns (it is
	 * created O_EXCL and sized by us; a newosp peer opening it now would
	 * race with newosp's own creator the same way). */
	for (i = 0; i < ch->osp.slot_count; i++)
		atomic_store_explicit(seq_of(ch, i), i, memory_order_relaxed);
}

static int slot_attach(struct shmchan__handle *ch, const struct shmchan_osp_config *cfg)
{
	uint64_t want;
	uint32_t prod, cons;

	if (slot_geometry(cfg, &want) != 0)
		return -EINVAL;
	if (ch->seg.size < want)
		return SHMCHAN_ETRUNCATED;
	if (ch->seg.size != want)
		return SHMCHAN_EGEOMETRY;
	set_geometry(ch, cfg);
	/* Relaxed: a starting point, re-checked at every read and claim. */
	prod = atomic_load_explicit(shmchan__osp_word(ch, PRODUCER_OFF), memory_order_relaxed);
	cons = atomic_load_explicit(shmchan__osp_word(ch, CONSUMER_OFF), memory_order_relaxed);
	/* N + 1: a reader died between the stores of a give-back. */
	if (prod - cons > ch->osp.slot_count + 1)
		return -EBADMSG;
	ch->osp.pos = cons;
	return 0;
}

/* Writer: claim the next position. 0 with ch->osp.pos set, -EAGAIN (full,
 * or the race was lost CLAIM_TRIES times), -EBADMSG. */
static int claim(struct shmchan__handle *ch)
{
	_Atomic uint32_t *producer = shmchan__osp_word(ch, PRODUCER_OFF);
	uint32_t last = 0;
	int i;

	for (i = 0; i < CLAIM_TRIES; i++) {
		/* Relaxed: the CAS below checks it. */
		uint32_t prod = atomic_load_explicit(producer, memory_order_relaxed);
		/* Acquire: pairs with the reader's release store of
		 * sequence = p + SlotCount (give_back): its reads of the
		 * slot's data are done before we overwrite them. */
		uint32_t seq = atomic_load_explicit(seq_of(ch, prod), memory_order_acquire);
		int32_t d = (int32_t)(seq - prod);

		if (d < 0) {
			/* The lap before, unpublished or unread: full.
			 * Anything further behind is corrupt. */
			if (seq == prod - ch->osp.slot_count ||
			    seq == prod + 1 - ch->osp.slot_count)
				return -EAGAIN;
			return -EBADMSG;
		}
		if (d > 0) {
			/* Another producer took prod: look again, unless
			 * producer_pos did not move (corrupt). */
			if (i > 0 && prod == last)
				return -EBADMSG;
			last = prod;
			continue;
		}
		/* Acq_rel as newosp's: pairs with the other producers' CAS on
		 * producer_pos, so that exactly one of them owns p. */
		if (atomic_compare_exchange_strong_explicit(producer, &prod, prod + 1,
							    memory_order_acq_rel,
							    memory_order_relaxed)) {
			ch->osp.pos = prod;
			return 0;
		}
	}
	return -EAGAIN;
}

/* Writer: publish the claimed position with @len bytes. */
static void publish(struct shmchan__handle *ch, uint32_t len)
{
	uint32_t pos = ch->osp.pos;

	/* Relaxed: published by the release store below. */
	atomic_store_explicit(size_of(ch, pos), len, memory_order_relaxed);
	/* Release: pairs with the reader's acquire load of the sequence
	 * (head): publishes size and data. */
	atomic_store_explicit(seq_of(ch, pos), pos + 1, memory_order_release);
	ch->osp.busy = 0;
}

static int slot_reserve(struct shmchan__handle *ch, size_t len, void **data)
{
	int err;

	if (len > ch->osp.slot_size)
		return -EMSGSIZE;
	if (ch->osp.busy)
		return -EALREADY;
	err = claim(ch);
	if (err)
		return err;
	ch->osp.busy = 1;
	*data = data_of(ch, ch->osp.pos);
	return 0;
}

/* A copy is a reservation filled and published at once. */
static int slot_write(struct shmchan__handle *ch, const void *data, size_t len)
{
	void *slot;
	int err = slot_reserve(ch, len, &slot);

	if (err)
		return err;
	if (len)
		memcpy(slot, data, len);
	publish(ch, (uint32_t)len);
	return 0;
}

static int slot_commit(struct shmchan__handle *ch, size_t len)
{
	if (!ch->osp.busy)
		return -EINVAL;
	if (len > ch->osp.slot_size)
		return -EMSGSIZE;
	publish(ch, (uint32_t)len);
	return 0;
}

/* A claimed position cannot be given back (later producers may hold the
 * ones after it): cancel publishes it empty, a message of 0 bytes. */
static int slot_cancel(struct shmchan__handle *ch)
{
	if (!ch->osp.busy)
		return -EINVAL;
	publish(ch, 0);
	return 0;
}

#define HEAD_EMPTY 0
#define HEAD_READY 1
#define HEAD_CORRUPT 2
#define HEAD_GIVEN 3 /* given back, consumer_pos not moved past it */

/* Reader: what is at its position. */
static int head(const struct shmchan__handle *ch)
{
	uint32_t pos = ch->osp.pos;
	/* Acquire: pairs with the producer's release store of sequence =
	 * p + 1 (publish): its size and data are visible after it. */
	uint32_t seq = atomic_load_explicit(seq_of(ch, pos), memory_order_acquire);

	if (seq == pos + 1)
		return HEAD_READY;
	if (seq == pos + ch->osp.slot_count || seq == pos + ch->osp.slot_count + 1)
		return HEAD_GIVEN;
	return seq == pos ? HEAD_EMPTY : HEAD_CORRUPT;
}

/* Reader: give the slot at its position back and step on. */
static void give_back(struct shmchan__handle *ch)
{
	uint32_t pos = ch->osp.pos;

	/* Release: pairs with a producer's acquire load of the sequence
	 * (claim): our reads of the slot are done before it is rewritten. */
	atomic_store_explicit(seq_of(ch, pos), pos + ch->osp.slot_count, memory_order_release);
	/* Release, as newosp's: a reader opening after us starts here. */
	atomic_store_explicit(shmchan__osp_word(ch, CONSUMER_OFF), pos + 1, memory_order_release);
	ch->osp.pos = pos + 1;
	ch->osp.stuck_since = 0;
}

/* Reader at an unpublished position, with stuck_ms set: 1 if a producer
 * claimed it and it has stayed unpublished that long, else 0 (the first
 * look starts the clock). */
static int stuck_due(struct shmchan__handle *ch)
{
	uint32_t pos = ch->osp.pos;
	uint32_t prod;
	int64_t now;

	/* Relaxed: whether a producer claimed pos, a hint; step_stuck()'s
	 * CAS decides. */
	prod = atomic_load_explicit(shmchan__osp_word(ch, PRODUCER_OFF), memory_order_relaxed);
	if ((int32_t)(prod - pos) <= 0 || prod - pos > ch->osp.slot_count + 1) {
		ch->osp.stuck_since = 0;
		return 0;
	}
	now = shmchan__now_ns();
	if (!ch->osp.stuck_since || ch->osp.stuck_pos != pos) {
		ch->osp.stuck_since = now;
		ch->osp.stuck_pos = pos;
		return 0;
	}
	return now - ch->osp.stuck_since >= (int64_t)ch->osp.stuck_ms * 1000000;
}

/* Reader at an unpublished position: with stuck_ms set, step over a claim
 * that stayed unpublished that long. Returns 1 if it stepped. */
static int step_stuck(struct shmchan__handle *ch)
{
	uint32_t pos = ch->osp.pos;
	uint32_t expect = pos;

	if (!ch->osp.stuck_ms || !stuck_due(ch))
		return 0;
	/* Give the slot back as give_back() does, but only if it is still
	 * unpublished: a producer publishing right now makes the CAS fail and
	 * its message is read instead. Release on success: pairs with the
	 * acquire load of the sequence in the next lap's claim(), so that the
	 * producer_pos this reader saw past pos is what that producer sees
	 * when it looks again (not a stale one it would take for a corrupt
	 * ring). Relaxed on failure: nothing was taken. */
	if (!atomic_compare_exchange_strong_explicit(seq_of(ch, pos), &expect,
						     pos + ch->osp.slot_count, memory_order_release,
						     memory_order_relaxed))
		return 0;
	/* Release, as give_back()'s. */
	atomic_store_explicit(shmchan__osp_word(ch, CONSUMER_OFF), pos + 1, memory_order_release);
	ch->osp.pos = pos + 1;
	ch->osp.stuck_since = 0;
	ch->events++;
	return 1;
}

/* Reader: the size of the published slot at its position, checked. A
 * size above SlotSize drops the slot (-EBADMSG), as shmchan's slot
 * channels do. */
static int ready_size(struct shmchan__handle *ch, uint32_t *size)
{
	int h = head(ch);

	if (h == HEAD_GIVEN) {
		/* The previous reader gave this slot back and died before
		 * its store of consumer_pos: make that store, and look at
		 * the next position. Release, as give_back()'s. */
		ch->osp.pos++;
		atomic_store_explicit(shmchan__osp_word(ch, CONSUMER_OFF), ch->osp.pos,
				      memory_order_release);
		h = head(ch);
	}
	if (h == HEAD_EMPTY && step_stuck(ch))
		h = head(ch);
	if (h == HEAD_EMPTY)
		return -EAGAIN;
	if (h != HEAD_READY) /* corrupt, or given back twice in a row */
		return -EBADMSG;
	/* Relaxed: ordered by head()'s acquire. */
	*size = atomic_load_explicit(size_of(ch, ch->osp.pos), memory_order_relaxed);
	if (*size > ch->osp.slot_size) {
		give_back(ch);
		return -EBADMSG;
	}
	return 0;
}

/* Reader: the published message at its position, its size in *@len:
 * what read and peek share. */
static int take(struct shmchan__handle *ch, size_t *len)
{
	uint32_t size;
	int err;

	if (ch->osp.busy)
		return -EALREADY;
	err = ready_size(ch, &size);
	if (err)
		return err;
	*len = size;
	return 0;
}

static int slot_read(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len)
{
	int err = take(ch, len);

	if (err)
		return err;
	if (*len > cap)
		return -EMSGSIZE;
	if (*len)
		memcpy(buf, data_of(ch, ch->osp.pos), *len);
	give_back(ch);
	return 0;
}

static int slot_peek(struct shmchan__handle *ch, const void **data, size_t *len)
{
	int err = take(ch, len);

	if (err)
		return err;
	*data = data_of(ch, ch->osp.pos);
	ch->osp.busy = 1;
	return 0;
}

static int slot_release(struct shmchan__handle *ch, const void *view)
{
	if (!ch->osp.busy || (view && view != data_of(ch, ch->osp.pos)))
		return -EINVAL;
	ch->osp.busy = 0;
	give_back(ch);
	return 0;
}

static int slot_readable(struct shmchan__handle *ch)
{
	int h = head(ch);

	/* A claim due to be stepped over: a read does it. */
	if (h == HEAD_EMPTY && ch->osp.stuck_ms)
		return stuck_due(ch);
	return h != HEAD_EMPTY;
}

static int slot_writable(struct shmchan__handle *ch, size_t len)
{
	/* Relaxed: a hint; claim() decides. */
	uint32_t prod =
		atomic_load_explicit(shmchan__osp_word(ch, PRODUCER_OFF), memory_order_relaxed);
	uint32_t seq;

	if (len > ch->osp.slot_size)
		return 1; /* the write reports -EMSGSIZE */
	/* Acquire: as claim()'s. */
	seq = atomic_load_explicit(seq_of(ch, prod), memory_order_acquire);
	/* Room, or a value claim() reports as corrupt. */
	return seq != prod - ch->osp.slot_count && seq != prod + 1 - ch->osp.slot_count;
}

static void slot_positions(const struct shmchan__handle *ch, uint32_t *w, uint32_t *r)
{
	/* Relaxed: a snapshot (statistics). */
	*w = atomic_load_explicit(shmchan__osp_word(ch, PRODUCER_OFF), memory_order_relaxed);
	*r = atomic_load_explicit(shmchan__osp_word(ch, CONSUMER_OFF), memory_order_relaxed);
}

static int slot_depth(const struct shmchan__handle *ch)
{
	/* Relaxed: a snapshot (statistics). */
	uint32_t prod =
		atomic_load_explicit(shmchan__osp_word(ch, PRODUCER_OFF), memory_order_relaxed);
	uint32_t cons =
		atomic_load_explicit(shmchan__osp_word(ch, CONSUMER_OFF), memory_order_relaxed);
	uint32_t d = prod - cons;

	/* N + 1 after a reader's death between its two stores: N held. */
	if (d == ch->osp.slot_count + 1)
		d = ch->osp.slot_count;
	return d > ch->osp.slot_count ? -EBADMSG : (int)d;
}

static int64_t slot_depth_bytes(const struct shmchan__handle *ch)
{
	int d = slot_depth(ch);

	return d < 0 ? d : (int64_t)d * ch->osp.slot_size;
}

static int slot_capacity(const struct shmchan__handle *ch)
{
	return (int)ch->osp.slot_count;
}

const struct shmchan__osp_ops shmchan__osp_slot = {
	.geometry = slot_geometry,
	.init = slot_init,
	.attach = slot_attach,
	.write = slot_write,
	.reserve = slot_reserve,
	.commit = slot_commit,
	.cancel = slot_cancel,
	.read = slot_read,
	.peek = slot_peek,
	.release = slot_release,
	.readable = slot_readable,
	.writable = slot_writable,
	.futex = NULL,
	.positions = slot_positions,
	.depth = slot_depth,
	.depth_bytes = slot_depth_bytes,
	.capacity = slot_capacity,
};
