/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness: the broadcast ring (src/bring.c) on memory the fuzzer
 * writes.
 *
 * Input: a 32-byte script (16 pairs of an operation and its argument), then
 * the broadcast ring's memory image (header and slots), copied into a
 * 64-byte aligned buffer of exactly that size. shmchan__bring_attach()
 * validates the image; then the script drives, as kind_bcast.c does, a
 * writer (shmchan__bring_claim with the check of a discarded slot, B7;
 * acquire, steal, data, fill, publish, writable) and a subscriber with its
 * cursor (look, copy, still, abandon, tail, seq; an overrun jumps to the
 * oldest position retained). Results are checked against bring_pvt.h: a
 * length above the slot size, a view or a slot outside the memory abort.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_util.h"
#include "bring_pvt.h"

struct fz {
	unsigned char *mem;
	size_t size;
	struct shmchan_ring r;
	_Atomic uint64_t claim; /* the writer's claim word */
	_Atomic uint32_t gen;	/* the registry generation */
	uint64_t pos, other;	/* writer: claimed position, blocker seen */
	uint64_t disc_ok;	/* writer: a discarded slot found with no live claimant */
	int claimed, acquired;
	uint64_t cursor, held_seq; /* subscriber */
	int held;
	volatile unsigned sink;
};

static uint64_t oldest(const struct fz *f)
{
	uint64_t t = shmchan__bring_tail(&f->r);

	return t > f->r.slot_count ? t - f->r.slot_count : 0;
}

/* ---- writer ---- */

static void op_claim(struct fz *f, uint8_t arg)
{
	/* BLOCK: gated by the subscriber's cursor; OVERWRITE: no gate. */
	uint64_t gate = (arg & 1) ? f->cursor + f->r.slot_count : UINT64_MAX;
	uint32_t seen = atomic_load(&f->gen);
	uint64_t disc_ok;
	int err;

	if (f->claimed)
		return;
	if (arg & 2)
		atomic_fetch_add(&f->gen, 1); /* a subscriber joined meanwhile */
	/* A discarded slot found unclaimed counts for this claim only. */
	disc_ok = f->disc_ok;
	f->disc_ok = 0;
	err = shmchan__bring_claim(&f->r, &f->claim, gate, (arg & 4) ? &f->gen : NULL, seen,
				   disc_ok, &f->pos, &f->other);
	CHECK(err == 0 || err == 1 || err == 2 || err == -EAGAIN || err == -EBUSY ||
	      err == -EBADMSG);
	/* B7: no live writer claims the discarded position (ours is the only
	 * writer): the next claim may reuse its slot. */
	if (err == 2)
		f->disc_ok = f->other;
	if (err == 0) {
		CHECK(f->pos < SHMCHAN__BPOS_MAX);
		f->claimed = 1;
		f->acquired = 0;
	}
}

static void op_acquire(struct fz *f, int steal)
{
	int err;

	if (!f->claimed || f->acquired)
		return;
	if (steal) {
		if (shmchan__bring_steal(&f->r, f->pos, f->other) == 0)
			f->acquired = 1;
		return;
	}
	err = shmchan__bring_acquire(&f->r, f->pos, &f->other);
	CHECK(err == 0 || err == 1 || err == -EBUSY);
	if (err == 0) {
		f->acquired = 1;
	} else if (err == 1) {
		atomic_store(&f->claim, 0);
		f->claimed = 0;
	}
}

static void op_publish(struct fz *f, uint8_t arg, int discard)
{
	size_t len = fz_len_of(arg, f->r.slot_size);
	unsigned char *msg;
	void *slot;
	int err;

	if (!f->acquired)
		return;
	if (len > f->r.slot_size)
		len = f->r.slot_size; /* the channel layer refuses it before claiming */
	slot = shmchan__bring_data(&f->r, f->pos);
	CHECK(fz_inside(f->mem, f->size, slot, f->r.slot_size));
	msg = malloc(len ? len : 1);
	if (!msg)
		return;
	memset(msg, arg, len);
	shmchan__bring_fill(&f->r, f->pos, msg, len);
	free(msg);
	err = shmchan__bring_publish(&f->r, &f->claim, f->pos, (uint32_t)len, discard);
	CHECK(err == 0 || err == -ECANCELED || err == -EBADMSG);
	f->claimed = f->acquired = 0;
}

static void op_write(struct fz *f, uint8_t arg)
{
	unsigned i, tries;

	for (i = 0; i <= (arg >> 6); i++) {
		op_claim(f, 1);
		if (!f->claimed)
			op_claim(f, 1); /* again, after a discarded slot (B7) */
		for (tries = 0; f->claimed && !f->acquired && tries < 4; tries++)
			op_acquire(f, tries == 3);
		op_publish(f, arg & 63u, 0);
	}
}

/* A writer held back by the one a lap earlier judges it dead and ends its
 * position (kind_bcast.c resolve_blocker). */
static void op_resolve(struct fz *f)
{
	uint64_t pos = shmchan__bring_tail(&f->r), v = shmchan__bring_seq(&f->r, pos);

	if (pos >= f->r.slot_count && pos < SHMCHAN__BPOS_MAX && SHMCHAN__BSEQ_POS(v) < pos)
		(void)shmchan__bring_abandon(&f->r, pos - f->r.slot_count, v);
}

static void op_writable(struct fz *f, uint8_t arg)
{
	uint64_t gate = (arg & 1) ? f->cursor + f->r.slot_count : UINT64_MAX;
	int w = shmchan__bring_writable(&f->r, gate);

	CHECK(w == 0 || w == 1);
}

/* ---- subscriber ---- */

static void advance(struct fz *f, uint64_t to)
{
	f->cursor = to;
}

/* The cursor was overrun: jump to the oldest position retained. */
static void overrun(struct fz *f)
{
	uint64_t nc = oldest(f);

	if (shmchan__bring_tail(&f->r) >= SHMCHAN__BPOS_MAX)
		return;
	advance(f, nc > f->cursor ? nc : f->cursor + 1);
}

static int look(struct fz *f, uint32_t *len, const void **view, uint64_t *seq)
{
	int st = shmchan__bring_look(&f->r, f->cursor, len, view, seq);

	CHECK(st >= SHMCHAN__BL_READY && st <= SHMCHAN__BL_CORRUPT);
	if (st == SHMCHAN__BL_READY) {
		CHECK(*len <= f->r.slot_size);
		CHECK(fz_inside(f->mem, f->size, *view, *len));
	}
	return st;
}

static void op_take(struct fz *f, uint8_t arg)
{
	const void *view = NULL;
	uint32_t len = 0;
	uint64_t seq = 0;
	unsigned char *buf;
	size_t cap = fz_len_of(arg, f->r.slot_size);
	int st;

	if (f->held)
		return;
	st = look(f, &len, &view, &seq);
	if (st == SHMCHAN__BL_DISC) {
		advance(f, f->cursor + 1);
	} else if (st == SHMCHAN__BL_CORRUPT) {
		/* Dropped, but the cursor never passes tail (kind_bcast.c). */
		if (f->cursor < shmchan__bring_tail(&f->r))
			advance(f, f->cursor + 1);
	} else if (st == SHMCHAN__BL_OVERRUN) {
		overrun(f);
	} else if (st == SHMCHAN__BL_READY) {
		buf = malloc(cap ? cap : 1);
		if (!buf)
			return;
		if (len <= cap)
			shmchan__bring_copy(&f->r, f->cursor, buf, len);
		if (!shmchan__bring_still(&f->r, f->cursor, seq))
			overrun(f);
		else if (len <= cap)
			advance(f, f->cursor + 1);
		free(buf);
	}
}

static void op_peek(struct fz *f, int release)
{
	const void *view = NULL;
	uint32_t len = 0;
	uint64_t seq = 0;

	if (!f->held && look(f, &len, &view, &seq) == SHMCHAN__BL_READY) {
		f->sink += fz_sum(view, len);
		f->held = 1;
		f->held_seq = seq;
	}
	if (release && f->held) {
		(void)shmchan__bring_still(&f->r, f->cursor, f->held_seq);
		advance(f, f->cursor + 1);
		f->held = 0;
	}
}

/* The cursor's writer is judged dead: its position is ended (bc_skip). */
static void op_skip(struct fz *f)
{
	const void *view;
	uint32_t len;
	uint64_t seq;

	if (look(f, &len, &view, &seq) == SHMCHAN__BL_PENDING)
		(void)shmchan__bring_abandon(&f->r, f->cursor,
					     shmchan__bring_seq(&f->r, f->cursor));
}

static void step(struct fz *f, uint8_t op, uint8_t arg)
{
	unsigned i;

	switch (op & 15u) {
	case 0:
		op_claim(f, arg);
		break;
	case 1:
		op_acquire(f, 0);
		break;
	case 2:
		op_acquire(f, 1);
		break;
	case 3:
		op_publish(f, arg, 0);
		break;
	case 4:
		op_publish(f, arg, 1);
		break;
	case 5:
		op_take(f, arg);
		break;
	case 6:
		op_peek(f, 0);
		break;
	case 7:
		op_peek(f, 1);
		break;
	case 8:
		op_writable(f, arg);
		break;
	case 9:
		op_skip(f);
		break;
	case 10:
		op_resolve(f);
		break;
	case 11:
		/* A new subscriber: from the next position, or the oldest. */
		f->held = 0;
		advance(f, (arg & 1) ? shmchan__bring_tail(&f->r) : oldest(f));
		break;
	case 12:
		for (i = 0; i <= (arg & 15u); i++)
			op_take(f, 255);
		break;
	case 13:
		op_write(f, arg);
		break;
	case 14:
		/* The writer dies: its claim stays, its slot maybe WRITING. */
		f->claimed = f->acquired = 0;
		break;
	default:
		op_peek(f, 1);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	size_t i;

	memset(&f, 0, sizeof(f));
	f.mem = fz_image(data, size, &f.size);
	if (!f.mem)
		return 0;
	if (shmchan__bring_attach(&f.r, f.mem, f.size) == 0) {
		CHECK(shmchan_ring_memsize(f.r.slot_size, f.r.slot_count) <= f.size);
		f.cursor = shmchan__bring_tail(&f.r);
		for (i = 0; i < SCRIPT_PAIRS; i++)
			step(&f, data[2 * i], data[2 * i + 1]);
	}
	free(f.mem);
	return 0;
}
