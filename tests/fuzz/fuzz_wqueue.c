/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness: the work queue (src/wqueue.c), the slot ring with several
 * consumers, on memory the fuzzer writes.
 *
 * Input: a 32-byte script (16 pairs of an operation and its argument), then
 * the ring's memory image (header and slots), copied into a 64-byte aligned
 * buffer of exactly that size. shmchan_ring_attach() validates the image;
 * then the script drives, as kind_wq.c does, two consumers with a claim
 * word each (shmchan__wq_take, _at, _done, _head, _readable,
 * _skip_abandoned, _held; a message of a dead consumer adopted by the
 * other), and a producer attached as a work queue's (SHMCHAN__RING_WQ: it
 * steps over held slots, shmchan__wq_step_tail) through shmchan_ring_push,
 * reserve, commit, cancel, writable, depth, shmchan__wq_writable and
 * shmchan__ring_reclaim. Results are checked against ring_pvt.h: a length
 * above the slot size, a view or a slot outside the memory abort.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_util.h"
#include "ring_pvt.h"

struct consumer {
	_Atomic uint64_t cw; /* claim word: CLAIM_ACTIVE | pos while holding */
	uint32_t pos;
	int holding;
};

struct fz {
	unsigned char *mem;
	size_t size;
	struct shmchan_ring r, prod;
	_Atomic uint64_t claim; /* the producer's claim word */
	struct consumer c[2];
	volatile unsigned sink;
};

static void check_msg(struct fz *f, const void *view, uint32_t len)
{
	CHECK(len <= f->r.slot_size);
	CHECK(fz_inside(f->mem, f->size, view, len));
	f->sink += fz_sum(view, len);
}

static void finish(struct fz *f, struct consumer *c)
{
	shmchan__wq_done(&f->r, &c->cw, c->pos);
	c->holding = 0;
}

/* Take the oldest message (or look again at the one held), as
 * shmchan__wq_take_ch: @cap 0 keeps it held (a peek), else it is copied
 * out and given back if it fits. */
static void op_take(struct fz *f, struct consumer *c, size_t cap, int copy)
{
	const void *view = NULL;
	uint32_t pos = 0, len = 0;
	unsigned char *buf;
	int err;

	if (c->holding) {
		err = shmchan__wq_at(&f->r, c->pos, &view, &len);
		if (err) {
			CHECK(err == -EBADMSG);
			finish(f, c);
			return;
		}
	} else {
		err = shmchan__wq_take(&f->r, &c->cw, &pos, &view, &len);
		CHECK(err == 0 || err == -EAGAIN || err == -EBADMSG);
		if (err)
			return;
		c->holding = 1;
		c->pos = pos;
	}
	check_msg(f, view, len);
	if (!copy || len > cap)
		return;
	buf = malloc(cap ? cap : 1);
	if (buf) {
		memcpy(buf, view, len);
		free(buf);
	}
	finish(f, c);
}

/* The readers' idle path: a claim pending at head is given back as if its
 * producer were dead; a stepped one is reclaimed. */
static void op_recover(struct fz *f)
{
	uint32_t pos = 0;
	int st = shmchan__wq_head(&f->r, &pos);

	CHECK(st >= SHMCHAN__HEAD_EMPTY && st <= SHMCHAN__HEAD_STEPPED);
	if (st == SHMCHAN__HEAD_PENDING)
		(void)shmchan__wq_skip_abandoned(&f->r, pos);
	else if (st == SHMCHAN__HEAD_STEPPED)
		(void)shmchan__ring_reclaim(&f->r, pos);
}

/* Consumer @c dies holding its message; the other one adopts it. */
static void op_adopt(struct fz *f, struct consumer *c, struct consumer *o)
{
	if (!c->holding || o->holding || !shmchan__wq_held(&f->r, c->pos))
		return;
	o->pos = c->pos;
	o->holding = 1;
	atomic_store(&o->cw, SHMCHAN__CLAIM_ACTIVE | o->pos);
	atomic_store(&c->cw, 0);
	c->holding = 0;
}

/* A message named by a claim word found in the segment (any position). */
static void op_at(struct fz *f, uint8_t arg)
{
	const void *view = NULL;
	uint32_t len = 0, pos = f->r.head + arg - 128u;
	int held = shmchan__wq_held(&f->r, pos);

	CHECK(held == 0 || held == 1);
	if (shmchan__wq_at(&f->r, pos, &view, &len) == 0)
		check_msg(f, view, len);
}

static void op_reserve(struct fz *f, uint8_t arg)
{
	void *slot = NULL;
	int err = shmchan_ring_reserve(&f->prod, fz_len_of(arg, f->prod.slot_size), &slot);

	CHECK(err <= 0);
	if (err == 0) {
		CHECK(fz_inside(f->mem, f->size, slot, f->prod.slot_size));
		memset(slot, arg, f->prod.slot_size);
	}
}

static void op_push(struct fz *f, uint8_t arg, unsigned times)
{
	size_t len = fz_len_of(arg, f->prod.slot_size);
	unsigned char *msg = malloc(len ? len : 1);
	unsigned i;

	if (!msg)
		return;
	memset(msg, arg, len);
	for (i = 0; i < times; i++)
		if (shmchan_ring_push(&f->prod, msg, len) != 0)
			break;
	free(msg);
}

/* A producer as the channel layer attaches it: a work queue's steps over
 * slots held by consumers (SHMCHAN__RING_WQ). */
static void attach_producer(struct fz *f)
{
	CHECK(shmchan_ring_attach(&f->prod, f->mem, f->size) == 0);
	f->prod.busy |= SHMCHAN__RING_WQ;
	f->prod.claim = &f->claim;
}

static void op_probe(struct fz *f)
{
	int d = shmchan_ring_depth(&f->prod);
	int w = shmchan_ring_writable(&f->prod);
	int r = shmchan__wq_readable(&f->r);
	int q = shmchan__wq_writable(&f->prod);

	CHECK(d >= 0 && (uint32_t)d <= f->prod.slot_count);
	CHECK(w == 0 || w == 1);
	CHECK(r == 0 || r == 1);
	CHECK(q == 0 || q == 1);
}

static void step(struct fz *f, uint8_t op, uint8_t arg)
{
	struct consumer *c = &f->c[arg & 1], *o = &f->c[!(arg & 1)];
	unsigned i;

	switch (op & 15u) {
	case 0:
		op_take(f, c, 0, 0);
		break;
	case 1:
		if (c->holding)
			finish(f, c);
		break;
	case 2:
		op_take(f, c, fz_len_of(arg, f->r.slot_size), 1);
		break;
	case 3:
		op_recover(f);
		break;
	case 4:
		op_probe(f);
		break;
	case 5:
		op_push(f, arg, 1);
		break;
	case 6:
		op_reserve(f, arg);
		break;
	case 7:
		CHECK(shmchan_ring_commit(&f->prod, fz_len_of(arg, f->prod.slot_size)) <= 0);
		break;
	case 8:
		CHECK(shmchan_ring_cancel(&f->prod) <= 0);
		break;
	case 9:
		op_at(f, arg);
		break;
	case 10:
		op_adopt(f, c, o);
		break;
	case 11:
		if (c->holding)
			CHECK(shmchan__wq_held(&f->r, c->pos) <= 1);
		break;
	case 12:
		attach_producer(f); /* the previous one died, perhaps mid-write */
		break;
	case 13:
		op_push(f, arg & 63u, 1u + (arg >> 6));
		break;
	case 14:
		for (i = 0; i <= (arg >> 4); i++)
			op_take(f, c, f->r.slot_size, 1);
		break;
	default:
		/* A consumer dies holding nothing, or leaves its message. */
		c->holding = 0;
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
	if (shmchan_ring_attach(&f.r, f.mem, f.size) == 0) {
		f.r.busy |= SHMCHAN__RING_WQ;
		attach_producer(&f);
		for (i = 0; i < SCRIPT_PAIRS; i++)
			step(&f, data[2 * i], data[2 * i + 1]);
	}
	free(f.mem);
	return 0;
}
