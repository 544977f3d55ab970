/* SPDX-License-Identifier: MIT */
/*
 * The record ring: variable-length records in a byte buffer, many producers,
 * one consumer. Layout and header word in rring_pvt.h.
 *
 * Producer: claim a span by a compare-and-swap of tail after checking, against
 * head, that the span is free; write the record's header as CLAIMED (with its
 * stride, so the span can be stepped over if the producer dies); write the
 * payload; store the header as COMMITTED. A record that would cross the end of
 * the buffer claims the rest of the buffer as well, and fills it with a PAD
 * record first. Each header written is marked in the header map (M1).
 * Consumer: read the header at head if the map marks it (M2); step over PAD
 * and DISCARDED records; deliver a COMMITTED one; then free its span: clear
 * its map byte and move head past it. The rest of the span is not touched,
 * so freeing costs the same for 8 bytes and for 512 MiB.
 *
 * Ordering (the labels match ring.c where the roles are the same):
 *  R1  producer load-acquire of head. Pairs with R4: the consumer's reads of
 *      the span, and its clearing of the span's map byte, happen before our
 *      writes to it (so our M1 there comes after that clearing).
 *  M1  producer store of a header's map byte, after the header word (the
 *      CLAIMED header of a record, the committed header of a PAD): release,
 *      publishing that word. seq_cst for a PAD, which has no commit of its
 *      own (see M2).
 *  M2  consumer load of the map byte, acquire, before the header word: pairs
 *      with M1, so the word read is this record's header and never bytes an
 *      older record left at that place, whatever they look like. A map byte
 *      of 0 reads as a header of 0, "not written yet". Before answering 0,
 *      the consumer loads the header word seq_cst and the map byte again,
 *      seq_cst: the sleep protocol's re-check half (wait.c). If that word
 *      load reads a commit (P3), it synchronises with it, and the second map
 *      load sees the M1 sequenced before P3; if it does not, it precedes P3
 *      in the single total order, and so does the consumer's sleeping flag,
 *      which the producer checks after P3. For a PAD, a second map load that
 *      misses its seq_cst M1 precedes that M1, and so the producer's check
 *      after the commit that follows, in the total order.
 *  P2  producer CAS of tail, release on success: publishes the claim words
 *      stored before it (position, extent) to whoever load-acquires tail.
 *  P3  producer store of the COMMITTED header (seq_cst: the publish half of
 *      the sleep protocol, see wait.c). Publishes the payload to R3.
 *  R3  consumer load of the header at head, after M2 (seq_cst: the re-check
 *      half).
 *  R4  consumer store of head after clearing the span's map byte (seq_cst:
 *      the publish half of the writers' sleep protocol). Pairs with R1, and
 *      with the load-acquire of head in attach (a new consumer).
 *  R6  a consumer holding records (hold_pvt.h) does not free what it is
 *      done with while an older record is held: it marks the record's
 *      header done (COMMITTED|DISCARDED, release) and goes on; the release
 *      of the oldest held record frees, in order and through R4, every
 *      marked span up to the next record still held. The ring's head thus
 *      stays at the oldest held record, where a successor starts, and
 *      steps over the marked ones as discarded.
 *
 *  R5  stepping over (the consumer judged the producer dead, but safety must
 *      not rest on that): a CAS of the header from CLAIMED(stride) to
 *      STEPPED(stride). The producer's commit (P3) is a CAS from
 *      CLAIMED(stride): it fails then, and the producer gives the record
 *      back as COMMITTED|DISCARDED (a CAS from STEPPED) and reports
 *      -ECANCELED. A byte ring frees in order, so the consumer does not pass
 *      a stepped-over record: it waits for that give-back, or frees the
 *      span itself once the producer is known gone (its lock byte free).
 *      Nothing of the record is delivered, and its space is not handed on
 *      while the producer may still write it.
 *
 * Every length, stride and flag read from a header is checked against the
 * handle's copy of the geometry before use: a span never leaves the buffer.
 */
#include <string.h>

#include "rring_pvt.h"

static int size_ok(uint32_t size)
{
	return size >= SHMCHAN__RRING_MIN_SIZE && size <= SHMCHAN__RRING_MAX_SIZE &&
	       (size & (size - 1)) == 0;
}

size_t shmchan__rring_memsize(uint32_t size)
{
	return size_ok(size) ? sizeof(struct shmchan__rring_hdr) + (size_t)size + size / 8 : 0;
}

static struct shmchan__rring_hdr *rhdr(const struct shmchan_ring *r)
{
	return (struct shmchan__rring_hdr *)r->hdr;
}

static _Atomic uint64_t *word_at(const struct shmchan_ring *r, uint32_t pos)
{
	return (_Atomic uint64_t *)(void *)(r->base + (pos & r->mask));
}

/* The header map's byte for the word at @pos (rring_pvt.h): the map follows
 * the buffer, one byte per 8 bytes of it. */
static _Atomic unsigned char *map_byte(const struct shmchan_ring *r, uint32_t pos)
{
	return (_Atomic unsigned char *)(r->base + r->slot_count + ((pos & r->mask) >> 3));
}

/* M1 for the header just written at @pos (see the top of this file). */
static void map_set(struct shmchan_ring *r, uint32_t pos, memory_order mo)
{
	atomic_store_explicit(map_byte(r, pos), 1, mo);
}

/*
 * The header word at @pos as the consumer may trust it: the word, loaded
 * with @mo, if the map marks it (M2), else 0 ("not written yet"). A map byte
 * other than 0 or 1 exists only in a damaged segment and counts as marked:
 * the word is then checked like any other.
 */
static uint64_t hdr_load(const struct shmchan_ring *r, uint32_t pos, memory_order mo)
{
	_Atomic uint64_t *w = word_at(r, pos);

	/* M2: pairs with M1. */
	if (!atomic_load_explicit(map_byte(r, pos), memory_order_acquire)) {
		/* The re-check of M2: the word's value does not matter, only
		 * the order (see the top of this file). */
		(void)atomic_load_explicit(w, memory_order_seq_cst);
		if (!atomic_load_explicit(map_byte(r, pos), memory_order_seq_cst))
			return 0;
	}
	return atomic_load_explicit(w, mo);
}

/* Bytes a record of @len takes: header and payload, rounded up to 8. */
static uint32_t stride_of(size_t len)
{
	return (uint32_t)((SHMCHAN__REC_HDR + len + 7) & ~(size_t)7);
}

int shmchan__rring_init_at(void *mem, size_t mem_size, uint32_t size, uint32_t start)
{
	struct shmchan__rring_hdr *h = mem;

	if (!mem || ((uintptr_t)mem % SHMCHAN__CACHELINE) || !size_ok(size) ||
	    mem_size < shmchan__rring_memsize(size) || (start & 7))
		return -EINVAL;
	/* The header and the map: no header is marked. The buffer's bytes do
	 * not matter (rring_pvt.h), and are left as they are. */
	memset(h, 0, sizeof(*h));
	memset(h->buf + size, 0, size / 8);
	h->magic = SHMCHAN__RRING_MAGIC;
	h->version = SHMCHAN__RRING_VERSION;
	h->size = size;
	h->max_len = size / 2 - SHMCHAN__REC_HDR;
	h->mem_size = shmchan__rring_memsize(size);
	/* Relaxed: published by whoever makes the ring known (the channel's
	 * magic store), as for the slot ring. */
	atomic_store_explicit(&h->tail, start, memory_order_relaxed);
	atomic_store_explicit(&h->head, start, memory_order_relaxed);
	return 0;
}

int shmchan__rring_init(void *mem, size_t mem_size, uint32_t size)
{
	return shmchan__rring_init_at(mem, mem_size, size, 0);
}

int shmchan__rring_attach(struct shmchan_ring *r, void *mem, size_t mem_size)
{
	struct shmchan__rring_hdr *h = mem;
	uint32_t size;

	if (!r || !mem || ((uintptr_t)mem % SHMCHAN__CACHELINE))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	if (mem_size < sizeof(*h))
		return SHMCHAN_ETRUNCATED;
	if (h->magic != SHMCHAN__RRING_MAGIC)
		return SHMCHAN_EBADMAGIC;
	if (h->version != SHMCHAN__RRING_VERSION)
		return SHMCHAN_EVERSION;
	size = h->size; /* read once; the handle's copy bounds everything */
	if (!size_ok(size) || h->max_len != size / 2 - SHMCHAN__REC_HDR ||
	    h->mem_size != shmchan__rring_memsize(size))
		return -EBADMSG;
	if (shmchan__rring_memsize(size) > mem_size)
		return SHMCHAN_ETRUNCATED;
	r->hdr = h;
	r->base = h->buf;
	r->mem_size = mem_size;
	r->slot_size = size / 2 - SHMCHAN__REC_HDR;
	r->slot_count = size;
	r->mask = size - 1;
	/* Pairs with R4 of a previous consumer. */
	r->head = atomic_load_explicit(&h->head, memory_order_acquire) & ~7u;
	return 0;
}

/* Span needed at @pos for a record of @stride: the record, plus a PAD to the
 * end of the buffer if the record would cross it. */
static uint32_t span_at(const struct shmchan_ring *r, uint32_t pos, uint32_t stride)
{
	uint32_t room = r->slot_count - (pos & r->mask);

	return stride <= room ? stride : room + stride;
}

static int fits(const struct shmchan_ring *r, uint32_t tail, uint32_t span)
{
	/* R1: pairs with R4 (see the top of this file). */
	uint32_t head = atomic_load_explicit(&rhdr(r)->head, memory_order_acquire);
	uint32_t used = tail - head;

	return (int32_t)used >= 0 && used <= r->slot_count && span <= r->slot_count - used;
}

/* Claim @span bytes for a record of @stride. Returns 0 and the position of
 * the span, -EAGAIN if it does not fit, or -EBADMSG for corrupt positions. */
static int claim(struct shmchan_ring *r, uint32_t stride, uint32_t *pos_out, uint32_t *span_out)
{
	struct shmchan__rring_hdr *h = rhdr(r);
	_Atomic uint64_t *cw = r->claim, *cx = r->claim_extent;
	/* Relaxed: a guess; the space check and the CAS validate it. */
	uint32_t pos = atomic_load_explicit(&h->tail, memory_order_relaxed), span;
	unsigned spins = 0;

	for (;;) {
		if (pos & 7)
			return -EBADMSG;
		span = span_at(r, pos, stride);
		if (!fits(r, pos, span)) {
			uint32_t now = atomic_load_explicit(&h->tail, memory_order_relaxed);

			if (now == pos) {
				if (cw)
					atomic_store_explicit(cw, 0, memory_order_relaxed);
				return -EAGAIN;
			}
			pos = now;
			continue;
		}
		/* Record the claim before the CAS, which publishes it (P2). */
		if (cx)
			atomic_store_explicit(cx, span, memory_order_relaxed);
		if (cw)
			atomic_store_explicit(cw, SHMCHAN__CLAIM_ACTIVE | pos,
					      memory_order_relaxed);
		/* P2. On failure pos is reloaded (relaxed: revalidated above). */
		if (atomic_compare_exchange_weak_explicit(
			    &h->tail, &pos, pos + span, memory_order_release, memory_order_relaxed))
			break;
		/* Lost the race: withdraw the claim at once, so that a producer
		 * killed before its next attempt leaves no claim naming someone
		 * else's span. */
		if (cw)
			atomic_store_explicit(cw, 0, memory_order_relaxed);
		if (++spins > (1u << 24))
			return -EBADMSG; /* positions moved by someone gone mad */
	}
	*pos_out = pos;
	*span_out = span;
	return 0;
}

int shmchan__rring_reserve(struct shmchan_ring *r, size_t len, void **data)
{
	uint32_t pos, span, stride;
	int err;

	err = shmchan__reserve_check(r, len, data);
	if (err)
		return err;
	stride = stride_of(len);
	err = claim(r, stride, &pos, &span);
	if (err)
		return err;
	if (span != stride) {
		/* Fill the end of the buffer with a committed PAD. seq_cst like
		 * P3: a reader asleep at it is woken by the commit that follows. */
		uint32_t pad = span - stride;

		atomic_store_explicit(
			word_at(r, pos),
			SHMCHAN__REC_WORD(0, pad, SHMCHAN__REC_COMMITTED | SHMCHAN__REC_PAD),
			memory_order_seq_cst);
		map_set(r, pos, memory_order_seq_cst); /* M1 of a PAD */
		pos += pad;
	}
	/* The stride is known from now on, should we die. Relaxed: M1 right
	 * after publishes it; the claim words are what a reader trusts for a
	 * dead producer's span when the map does not mark it yet. */
	atomic_store_explicit(word_at(r, pos), SHMCHAN__REC_WORD(0, stride, SHMCHAN__REC_CLAIMED),
			      memory_order_relaxed);
	map_set(r, pos, memory_order_release); /* M1 */
	r->rsv_pos = pos;
	r->rsv_len = stride;
	r->rsv_max = (uint32_t)len;
	r->busy |= SHMCHAN__RING_RESERVED;
	*data = r->base + (pos & r->mask) + SHMCHAN__REC_HDR;
	return 0;
}

/* Publish the reserved record. Returns 0, -ECANCELED (stepped over, R5:
 * given back as discarded), or -EBADMSG (the header is corrupt: left). */
static int publish(struct shmchan_ring *r, uint32_t len, uint64_t flags)
{
	_Atomic uint64_t *cw = r->claim, *w = word_at(r, r->rsv_pos);
	uint64_t seen = SHMCHAN__REC_WORD(0, r->rsv_len, SHMCHAN__REC_CLAIMED);
	int err = 0;

	/* P3 (seq_cst: see the top of this file), a CAS from our CLAIMED
	 * header: it fails once the consumer stepped over us (R5). */
	if (!atomic_compare_exchange_strong_explicit(w, &seen,
						     SHMCHAN__REC_WORD(len, r->rsv_len, flags),
						     memory_order_seq_cst, memory_order_relaxed)) {
		err = -EBADMSG;
		if (seen == SHMCHAN__REC_WORD(0, r->rsv_len, SHMCHAN__REC_STEPPED)) {
			/* R5: give the record back; the consumer frees it. */
			err = -ECANCELED;
			atomic_compare_exchange_strong_explicit(
				w, &seen,
				SHMCHAN__REC_WORD(0, r->rsv_len,
						  SHMCHAN__REC_COMMITTED | SHMCHAN__REC_DISCARDED),
				memory_order_seq_cst, memory_order_relaxed);
		}
	}
	/* Release: a reader that sees the claim cleared sees the commit. */
	if (cw)
		atomic_store_explicit(cw, 0, memory_order_release);
	r->busy &= ~SHMCHAN__RING_RESERVED;
	return err;
}

int shmchan__rring_commit(struct shmchan_ring *r, size_t len)
{
	if (!r || !(r->busy & SHMCHAN__RING_RESERVED))
		return -EINVAL;
	if (len > r->rsv_max)
		return -EMSGSIZE; /* more than was reserved */
	return publish(r, (uint32_t)len, SHMCHAN__REC_COMMITTED);
}

int shmchan__rring_cancel(struct shmchan_ring *r)
{
	if (!r || !(r->busy & SHMCHAN__RING_RESERVED))
		return -EINVAL;
	/* Stepped over or not, the reservation is gone: nothing to report. */
	(void)publish(r, 0, SHMCHAN__REC_COMMITTED | SHMCHAN__REC_DISCARDED);
	return 0;
}

int shmchan__rring_push(struct shmchan_ring *r, const void *data, size_t len)
{
	return shmchan__push_via(r, data, len, shmchan__rring_reserve, shmchan__rring_commit);
}

/*
 * Free @span bytes at @pos, the ring's head: clear the header's map byte and
 * move the ring's head past them (R4), in O(1). A consumer killed between
 * the two would leave its successor at an unmarked header of unknown span:
 * so it first notes (pos, span) in its registry entry (consume_mark,
 * release: a successor reads it with acquire). The record is thus either
 * whole (marked: delivered again) or noted gone.
 */
static void free_span(struct shmchan_ring *r, uint32_t pos, uint32_t span)
{
	if (r->consume_mark)
		atomic_store_explicit((_Atomic uint64_t *)r->consume_mark,
				      SHMCHAN__REC_MARK(pos, span), memory_order_release);
	/* Relaxed: R4 below publishes it (release), and it is this consumer's
	 * own byte until then. */
	atomic_store_explicit(map_byte(r, pos), 0, memory_order_relaxed);
	/* R4: pairs with R1 of producers and with attach. seq_cst, not just
	 * release: it is the publish half of the writers' sleep protocol
	 * (wait.c), whose re-check loads head in shmchan__rring_writable(). */
	atomic_store_explicit(&rhdr(r)->head, pos + span, memory_order_seq_cst);
	/* The note is no longer needed: a note found non-zero by a successor
	 * is always one of a free in progress. Relaxed: a successor that sees
	 * the old note sees it for a position head has passed. */
	if (r->consume_mark)
		atomic_store_explicit((_Atomic uint64_t *)r->consume_mark, 0, memory_order_relaxed);
}

/* Whether @span bytes at @pos are a span a record may take. */
static int span_ok(const struct shmchan_ring *r, uint32_t pos, uint32_t span)
{
	return !(pos & 7) && span >= SHMCHAN__REC_HDR && !(span & 7) &&
	       span <= r->slot_count - (pos & r->mask);
}

/*
 * R6: mark the @span bytes at @pos done while older records are held
 * (hold_pvt.h): a header COMMITTED|DISCARDED of that span, freed later by
 * the release of the oldest held record (shmchan__rring_publish). Release:
 * pairs with R3 of a successor (this reader died holding records), which
 * steps over it rather than delivering it again; one that missed it
 * delivers the record again, whole (its payload is untouched).
 */
static void mark_done(struct shmchan_ring *r, uint32_t pos, uint32_t span)
{
	atomic_store_explicit(
		word_at(r, pos),
		SHMCHAN__REC_WORD(0, span, SHMCHAN__REC_COMMITTED | SHMCHAN__REC_DISCARDED),
		memory_order_release);
}

/* Done with @span bytes at head: freed, or marked done while holding. */
static void consume(struct shmchan_ring *r, uint32_t span)
{
	/* Callers pass a checked span; this is the last line of defence for
	 * the promise that a span never leaves the buffer. */
	if (!span_ok(r, r->head, span))
		return;
	if (r->busy & SHMCHAN__RING_HOLDING)
		mark_done(r, r->head, span);
	else
		free_span(r, r->head, span);
	r->head += span;
}

/*
 * Look at the record at head, stepping over PAD and DISCARDED ones (at most
 * a buffer's worth). Returns 0 with *w for a committed record, -EAGAIN when
 * nothing is committed there, or -EBADMSG for a header that cannot be. A
 * corrupt header leaves head where it is (its span is unknown).
 */
static int inspect(struct shmchan_ring *r, uint64_t *w_out)
{
	uint32_t walked = 0;

	while (walked <= r->slot_count) {
		uint32_t off = r->head & r->mask, stride, len;

		/* R6: a full buffer past the oldest held record is that record
		 * itself: nothing to read until it is released. */
		if (shmchan__hold_lapped(r, r->slot_count))
			return -EAGAIN;
		/* R3 after M2: pairs with P3 (and with the PAD store). */
		uint64_t w = hdr_load(r, r->head, memory_order_seq_cst);

		if (!(w & SHMCHAN__REC_COMMITTED)) {
			/* Free, claimed, or claimed and being written, or
			 * stepped over and not given back yet (R5). */
			uint64_t ok = (w & SHMCHAN__REC_CLAIMED) ? SHMCHAN__REC_STEPPED : 0;

			if ((w & ~(ok | (0x7FFFFFFull << 32))) != 0)
				return -EBADMSG;
			return -EAGAIN;
		}
		stride = SHMCHAN__REC_STRIDE(w);
		len = SHMCHAN__REC_LEN(w);
		if ((w & SHMCHAN__REC_FLAGS & ~SHMCHAN__REC_KNOWN) || stride < SHMCHAN__REC_HDR ||
		    stride > r->slot_count - off || len > stride - SHMCHAN__REC_HDR)
			return -EBADMSG;
		if (w & (SHMCHAN__REC_PAD | SHMCHAN__REC_DISCARDED)) {
			consume(r, stride);
			walked += stride;
			continue;
		}
		/* No producer writes a record above the largest one (only a
		 * PAD spans more): a reader sized for that maximum must never
		 * meet a bigger one. */
		if (len > r->slot_size)
			return -EBADMSG;
		*w_out = w;
		return 0;
	}
	return -EAGAIN;
}

/* The record at head, for a pop or a peek: -EALREADY while one is peeked. */
static int look(struct shmchan_ring *r, uint64_t *w)
{
	return (r->busy & SHMCHAN__RING_PEEKED) ? -EALREADY : inspect(r, w);
}

int shmchan__rring_pop(struct shmchan_ring *r, void *buf, size_t cap, size_t *len)
{
	uint64_t w;
	int err = !r || !r->hdr || !len || (!buf && cap > 0) ? -EINVAL : look(r, &w);

	if (err)
		return err;
	*len = SHMCHAN__REC_LEN(w);
	if (*len > cap)
		return -EMSGSIZE;
	if (*len)
		memcpy(buf, r->base + (r->head & r->mask) + SHMCHAN__REC_HDR, *len);
	consume(r, SHMCHAN__REC_STRIDE(w));
	return 0;
}

int shmchan__rring_peek(struct shmchan_ring *r, const void **data, size_t *len)
{
	uint64_t w;
	int err = !r || !r->hdr || !data || !len ? -EINVAL : look(r, &w);

	if (err)
		return err;
	r->busy |= SHMCHAN__RING_PEEKED;
	r->rsv_len = SHMCHAN__REC_STRIDE(w); /* the consumer's own: the peeked span */
	*data = r->base + (r->head & r->mask) + SHMCHAN__REC_HDR;
	*len = SHMCHAN__REC_LEN(w);
	return 0;
}

int shmchan__rring_release(struct shmchan_ring *r)
{
	if (!r || !(r->busy & SHMCHAN__RING_PEEKED))
		return -EINVAL;
	r->busy &= ~SHMCHAN__RING_PEEKED;
	consume(r, r->rsv_len);
	return 0;
}

int shmchan__rring_take(struct shmchan_ring *r, uint32_t *pos, uint32_t *span, const void **data,
			size_t *len)
{
	uint64_t w;
	uint32_t oldest;
	int err = inspect(r, &w);

	if (err)
		return err;
	*pos = r->head;
	*span = SHMCHAN__REC_STRIDE(w); /* checked by inspect */
	*data = r->base + (r->head & r->mask) + SHMCHAN__REC_HDR;
	*len = SHMCHAN__REC_LEN(w);
	/* The first record held is where the ring's head is already. */
	if (!(r->busy & SHMCHAN__RING_HOLDING)) {
		oldest = r->head;
		shmchan__set_holding(r, &oldest);
	}
	r->head += *span;
	return 0;
}

void shmchan__rring_done(struct shmchan_ring *r, uint32_t pos, uint32_t span)
{
	if (span_ok(r, pos, span))
		mark_done(r, pos, span);
}

int shmchan__rring_publish(struct shmchan_ring *r, const uint32_t *oldest)
{
	uint32_t to = oldest ? *oldest : r->head, at = r->rsv_pos, walked = 0;

	if (!(r->busy & SHMCHAN__RING_HOLDING))
		return 0;
	/* Free, in order, what lies between the ring's head and @to: records
	 * marked done (R6), PAD records. Each header is checked as inspect
	 * checks one: the walk never leaves the buffer, and is bounded by it. */
	while (at != to && walked <= r->slot_count) {
		/* Acquire: our own R6 store, or a PAD a producer published. */
		uint64_t w = hdr_load(r, at, memory_order_acquire);
		uint32_t stride = SHMCHAN__REC_STRIDE(w);

		if (!(w & SHMCHAN__REC_COMMITTED) ||
		    !(w & (SHMCHAN__REC_PAD | SHMCHAN__REC_DISCARDED)) ||
		    (w & SHMCHAN__REC_FLAGS & ~SHMCHAN__REC_KNOWN) || !span_ok(r, at, stride) ||
		    (int32_t)(to - (at + stride)) < 0) {
			r->rsv_pos = at; /* the space from here stays taken */
			return -EBADMSG;
		}
		free_span(r, at, stride);
		at += stride;
		walked += stride;
	}
	if (at != to) {
		r->rsv_pos = at;
		return -EBADMSG;
	}
	shmchan__set_holding(r, oldest);
	return 0;
}

int shmchan__rring_readable(struct shmchan_ring *r)
{
	uint64_t w;
	int err;

	if (!r || !r->hdr)
		return -EINVAL;
	if (r->busy & SHMCHAN__RING_PEEKED)
		return 1;
	err = inspect(r, &w);
	return err == 0 || err == -EBADMSG;
}

int shmchan__rring_writable(const struct shmchan_ring *r, size_t len)
{
	/* seq_cst: the re-check half of the sleep protocol (wait.c). */
	uint32_t tail = atomic_load_explicit(&rhdr(r)->tail, memory_order_seq_cst);
	uint32_t head = atomic_load_explicit(&rhdr(r)->head, memory_order_seq_cst);
	uint32_t used = tail - head;

	if (len > r->slot_size)
		return 0;
	return (int32_t)used >= 0 && used <= r->slot_count &&
	       span_at(r, tail, stride_of(len)) <= r->slot_count - used;
}

uint32_t shmchan__rring_depth_bytes(const struct shmchan_ring *r)
{
	/* Relaxed: a snapshot, clamped. */
	uint32_t d = atomic_load_explicit(&rhdr(r)->tail, memory_order_relaxed) -
		     atomic_load_explicit(&rhdr(r)->head, memory_order_relaxed);

	return (int32_t)d < 0 ? 0 : (d > r->slot_count ? r->slot_count : d);
}

int shmchan__rring_head(const struct shmchan_ring *r, uint32_t *pos)
{
	uint64_t w = hdr_load(r, r->head, memory_order_seq_cst);
	uint32_t tail;

	*pos = r->head;
	if (shmchan__hold_lapped(r, r->slot_count))
		return SHMCHAN__HEAD_EMPTY; /* R6: our own held record is there */
	if (w & SHMCHAN__REC_COMMITTED)
		return SHMCHAN__HEAD_READY;
	/* Acquire: pairs with P2, so the claimant's claim words are visible. */
	tail = atomic_load_explicit(&rhdr(r)->tail, memory_order_acquire);
	return (int32_t)(tail - r->head) > 0 ? SHMCHAN__HEAD_PENDING : SHMCHAN__HEAD_EMPTY;
}

void shmchan__rring_load_head(struct shmchan_ring *r)
{
	/* Pairs with R4 of the previous consumer. Aligned down: a position
	 * that is not 8-aligned exists only in a damaged segment. */
	r->head = atomic_load_explicit(&rhdr(r)->head, memory_order_acquire) & ~7u;
}

int shmchan__rring_recover(struct shmchan_ring *r, uint64_t mark)
{
	uint32_t pos = (uint32_t)mark, span = SHMCHAN__REC_STRIDE(mark);
	uint32_t tail = atomic_load_explicit(&rhdr(r)->tail, memory_order_acquire);

	if (!(mark & SHMCHAN__REC_COMMITTED) || pos != r->head || span < SHMCHAN__REC_HDR ||
	    span > r->slot_count - (pos & r->mask) || (int32_t)(tail - pos) < (int32_t)span ||
	    hdr_load(r, pos, memory_order_acquire) != 0)
		return 0;
	consume(r, span); /* finish what the dead consumer started */
	return 1;
}

int shmchan__rring_claimed_stride(const struct shmchan_ring *r, uint32_t *stride)
{
	uint64_t w = hdr_load(r, r->head, memory_order_acquire);
	uint32_t s = SHMCHAN__REC_STRIDE(w);

	if (!(w & SHMCHAN__REC_CLAIMED) || (w & SHMCHAN__REC_COMMITTED) || s < SHMCHAN__REC_HDR ||
	    s > r->slot_count - (r->head & r->mask))
		return 0;
	*stride = s;
	return 1;
}

int shmchan__rring_step(struct shmchan_ring *r, uint32_t pos)
{
	_Atomic uint64_t *w = word_at(r, pos);
	/* seq_cst like R3, after M2. */
	uint64_t seen = hdr_load(r, pos, memory_order_seq_cst);
	uint32_t stride = SHMCHAN__REC_STRIDE(seen);

	if (r->head != pos || seen != SHMCHAN__REC_WORD(0, stride, SHMCHAN__REC_CLAIMED) ||
	    stride < SHMCHAN__REC_HDR || stride > r->slot_count - (pos & r->mask))
		return -EAGAIN;
	/* R5. */
	return atomic_compare_exchange_strong_explicit(
		       w, &seen, SHMCHAN__REC_WORD(0, stride, SHMCHAN__REC_STEPPED),
		       memory_order_seq_cst, memory_order_relaxed)
		       ? 0
		       : -EAGAIN;
}

int shmchan__rring_skip_abandoned(struct shmchan_ring *r, uint32_t pos, uint32_t extent)
{
	uint32_t tail = atomic_load_explicit(&rhdr(r)->tail, memory_order_acquire);
	/* Look again (seq_cst like R3): the producer may have committed before
	 * it died, and then the record is delivered, not skipped. */
	uint64_t w = hdr_load(r, pos, memory_order_seq_cst);

	/* Its own header, once written, knows the record's span best. */
	if ((w & SHMCHAN__REC_CLAIMED) && SHMCHAN__REC_STRIDE(w) >= SHMCHAN__REC_HDR &&
	    SHMCHAN__REC_STRIDE(w) < extent)
		extent = SHMCHAN__REC_STRIDE(w);
	if (r->head != pos || (extent & 7) || extent == 0 || extent > r->slot_count ||
	    (int32_t)(tail - pos) < (int32_t)extent || (w & SHMCHAN__REC_COMMITTED))
		return -EAGAIN;
	/* The span may wrap past the end (a PAD that was never written): free
	 * it in two parts. */
	while (extent) {
		uint32_t room = r->slot_count - (r->head & r->mask);
		uint32_t n = extent < room ? extent : room;

		consume(r, n);
		extent -= n;
	}
	return 0;
}
