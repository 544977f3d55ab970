/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness: the slot ring (src/ring.c) on memory the fuzzer writes.
 *
 * Input: a 32-byte script (16 pairs of an operation and its argument), then
 * the ring's memory image (header and slots), copied into a 64-byte aligned
 * buffer of exactly that size. shmchan_ring_attach() validates the image;
 * then the script drives a consumer handle and a producer handle (with a
 * claim word, as the channel layer gives it) through shmchan_ring_pop, peek,
 * release, readable, push, reserve, commit, cancel, writable, depth, and the
 * consumer's recovery calls of ring_pvt.h (shmchan__ring_head,
 * skip_abandoned, reclaim, load_head, slot_seq). Results are checked against
 * include/shmchan/ring.h: a length above the slot size, a view or a slot
 * outside the memory, a depth above the capacity abort.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_util.h"
#include "ring_pvt.h"

struct fz {
	unsigned char *mem;
	size_t size;
	struct shmchan_ring cons, prod;
	_Atomic uint64_t claim; /* the producer's claim word */
	volatile unsigned sink;
};

static void op_pop(struct fz *f, uint8_t arg)
{
	size_t cap = fz_len_of(arg, f->cons.slot_size), len = 0;
	unsigned char *buf = malloc(cap ? cap : 1);
	int err;

	if (!buf)
		return;
	err = shmchan_ring_pop(&f->cons, buf, cap, &len);
	CHECK(err <= 0);
	if (err == 0 || err == -EMSGSIZE)
		CHECK(len <= f->cons.slot_size);
	if (err == 0) {
		CHECK(len <= cap);
		f->sink += fz_sum(buf, len);
	}
	free(buf);
}

static void op_peek(struct fz *f, int release)
{
	const void *view = NULL;
	size_t len = 0;
	int err = shmchan_ring_peek(&f->cons, &view, &len);

	CHECK(err <= 0);
	if (err == 0) {
		CHECK(len <= f->cons.slot_size);
		CHECK(fz_inside(f->mem, f->size, view, len));
		f->sink += fz_sum(view, len);
	}
	if (release)
		CHECK(shmchan_ring_release(&f->cons) <= 0);
}

static void op_reserve(struct fz *f, uint8_t arg)
{
	void *slot = NULL;
	int err = shmchan_ring_reserve(&f->prod, fz_len_of(arg, f->prod.slot_size), &slot);

	CHECK(err <= 0);
	if (err == 0) {
		/* ring.h: the slot has slot_size writable bytes. */
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

static void op_probe(struct fz *f)
{
	int d = shmchan_ring_depth(&f->cons);
	int w = shmchan_ring_writable(&f->prod);

	CHECK(d >= 0 && (uint32_t)d <= f->cons.slot_count);
	CHECK(w == 0 || w == 1);
	CHECK(shmchan_ring_capacity(&f->cons) == (int)f->cons.slot_count);
	CHECK(shmchan_ring_slot_size(&f->cons) == (int)f->cons.slot_size);
}

/* The consumer's idle path (channel_io.c): a claim found pending at head is
 * stepped over as if its producer were dead, a stepped one given back. */
static void op_recover(struct fz *f, uint8_t arg)
{
	uint32_t pos = 0;
	int st = shmchan__ring_head(&f->cons, &pos);

	CHECK(st >= SHMCHAN__HEAD_EMPTY && st <= SHMCHAN__HEAD_STEPPED);
	if (st == SHMCHAN__HEAD_PENDING && shmchan__ring_skip_abandoned(&f->cons, pos) == 0 &&
	    (arg & 1))
		(void)shmchan__ring_reclaim(&f->cons, pos);
	else if (st == SHMCHAN__HEAD_STEPPED)
		(void)shmchan__ring_reclaim(&f->cons, pos);
}

static void op_readable(struct fz *f)
{
	int r = shmchan_ring_readable(&f->cons);

	CHECK(r == 0 || r == 1);
}

static void op_drain(struct fz *f, uint8_t arg)
{
	unsigned i;

	for (i = 0; i <= (arg & 15u); i++)
		op_pop(f, 127);
}

static void step(struct fz *f, uint8_t op, uint8_t arg)
{
	switch (op & 15u) {
	case 0:
		op_pop(f, arg);
		break;
	case 1:
		op_peek(f, 0);
		break;
	case 2:
		CHECK(shmchan_ring_release(&f->cons) <= 0);
		break;
	case 3:
		op_readable(f);
		break;
	case 4:
		op_push(f, arg, 1);
		break;
	case 5:
		op_reserve(f, arg);
		break;
	case 6:
		CHECK(shmchan_ring_commit(&f->prod, fz_len_of(arg, f->prod.slot_size)) <= 0);
		break;
	case 7:
		CHECK(shmchan_ring_cancel(&f->prod) <= 0);
		break;
	case 8:
		op_probe(f);
		break;
	case 9:
		op_recover(f, arg);
		break;
	case 10:
		/* A new consumer takes over (the previous one died). */
		CHECK(shmchan_ring_attach(&f->cons, f->mem, f->size) == 0);
		shmchan__ring_load_head(&f->cons);
		break;
	case 11:
		(void)shmchan__ring_slot_seq(&f->cons, f->cons.head + arg);
		break;
	case 12:
		/* A new producer (the previous one died, perhaps mid-write). */
		CHECK(shmchan_ring_attach(&f->prod, f->mem, f->size) == 0);
		f->prod.claim = &f->claim;
		break;
	case 13:
		op_drain(f, arg);
		break;
	case 14:
		op_push(f, arg & 63u, 1u + (arg >> 6));
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
	if (shmchan_ring_attach(&f.cons, f.mem, f.size) == 0) {
		CHECK(shmchan_ring_memsize(f.cons.slot_size, f.cons.slot_count) <= f.size);
		CHECK(shmchan_ring_attach(&f.prod, f.mem, f.size) == 0);
		f.prod.claim = &f.claim;
		for (i = 0; i < SCRIPT_PAIRS; i++)
			step(&f, data[2 * i], data[2 * i + 1]);
	}
	free(f.mem);
	return 0;
}
