/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness: the record ring (src/rring.c) on memory the fuzzer writes.
 *
 * Input: a 32-byte script (16 pairs of an operation and its argument), then
 * the record ring's memory image (header and buffer), copied into a 64-byte
 * aligned buffer of exactly that size. shmchan__rring_attach() validates
 * the image; then the script drives a consumer handle (with a consume mark,
 * as the channel layer gives it) and a producer handle (with claim and
 * extent words) through shmchan__rring_pop, peek, release, readable, push,
 * reserve, commit, cancel, writable, depth_bytes, and the consumer's
 * recovery calls (head, claimed_stride, step, skip_abandoned, load_head,
 * recover). Results are checked against rring_pvt.h: a record above the
 * largest one, a view or a reservation outside the buffer, a depth above
 * the buffer size abort.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_util.h"
#include "rring_pvt.h"

struct fz {
	unsigned char *mem;
	size_t size;
	struct shmchan_ring cons, prod;
	_Atomic uint64_t claim, extent; /* the producer's claim words */
	_Atomic uint64_t mark;		/* the consumer's note of a free in progress */
	volatile unsigned sink;
};

/* [p, p + n) lies inside the record buffer. */
static int in_buffer(const struct fz *f, const void *p, size_t n)
{
	return fz_inside(f->cons.base, f->cons.slot_count, p, n);
}

static void attach_consumer(struct fz *f)
{
	CHECK(shmchan__rring_attach(&f->cons, f->mem, f->size) == 0);
	f->cons.consume_mark = &f->mark;
}

static void attach_producer(struct fz *f)
{
	CHECK(shmchan__rring_attach(&f->prod, f->mem, f->size) == 0);
	f->prod.claim = &f->claim;
	f->prod.claim_extent = &f->extent;
}

static void op_pop(struct fz *f, uint8_t arg)
{
	size_t cap = fz_len_of(arg, f->cons.slot_size), len = 0;
	unsigned char *buf = malloc(cap ? cap : 1);
	int err;

	if (!buf)
		return;
	err = shmchan__rring_pop(&f->cons, buf, cap, &len);
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
	int err = shmchan__rring_peek(&f->cons, &view, &len);

	CHECK(err <= 0);
	if (err == 0) {
		CHECK(len <= f->cons.slot_size);
		CHECK(in_buffer(f, view, len));
		f->sink += fz_sum(view, len);
	}
	if (release)
		CHECK(shmchan__rring_release(&f->cons) <= 0);
}

static void op_reserve(struct fz *f, uint8_t arg)
{
	size_t len = fz_len_of(arg, f->prod.slot_size);
	void *rec = NULL;
	int err = shmchan__rring_reserve(&f->prod, len, &rec);

	CHECK(err <= 0);
	if (err == 0) {
		CHECK(in_buffer(f, rec, len));
		memset(rec, arg, len);
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
		if (shmchan__rring_push(&f->prod, msg, len) != 0)
			break;
	free(msg);
}

static void op_readable(struct fz *f)
{
	int r = shmchan__rring_readable(&f->cons);

	CHECK(r == 0 || r == 1);
}

static void op_probe(struct fz *f, uint8_t arg)
{
	int w = shmchan__rring_writable(&f->prod, fz_len_of(arg, f->prod.slot_size));

	CHECK(w == 0 || w == 1);
	CHECK(shmchan__rring_depth_bytes(&f->cons) <= f->cons.slot_count);
}

/* The consumer's idle path (channel_io.c): a claim pending at head is
 * stepped over, as if its producer were dead (by the stride its header
 * recorded or by an extent a registry entry gives), or marked while it
 * may live (R5) and given back by its producer's commit. */
static void op_recover(struct fz *f, uint8_t arg)
{
	uint32_t pos = 0, extent = (uint32_t)arg * 8u;
	int st = shmchan__rring_head(&f->cons, &pos);

	CHECK(st >= SHMCHAN__HEAD_EMPTY && st <= SHMCHAN__HEAD_READY);
	if (st != SHMCHAN__HEAD_PENDING)
		return;
	if ((arg & 3) == 2) {
		(void)shmchan__rring_step(&f->cons, pos);
		return;
	}
	if (!(arg & 1) && shmchan__rring_claimed_stride(&f->cons, &extent))
		CHECK(extent >= SHMCHAN__REC_HDR && extent <= f->cons.slot_count);
	(void)shmchan__rring_skip_abandoned(&f->cons, pos, extent);
}

/* A new consumer takes over, and finishes the free its predecessor noted. */
static void op_takeover(struct fz *f, uint8_t arg)
{
	uint64_t mark = atomic_load(&f->mark);

	attach_consumer(f);
	shmchan__rring_load_head(&f->cons);
	if (arg & 1)
		mark = SHMCHAN__REC_MARK(f->cons.head, (uint32_t)(arg >> 1) * 8u);
	(void)shmchan__rring_recover(&f->cons, mark);
}

static void op_drain(struct fz *f, uint8_t arg)
{
	unsigned i;

	for (i = 0; i <= (arg & 15u); i++)
		op_pop(f, 255);
}

static void step(struct fz *f, uint8_t op, uint8_t arg)
{
	uint32_t stride;

	switch (op & 15u) {
	case 0:
		op_pop(f, arg);
		break;
	case 1:
		op_peek(f, 0);
		break;
	case 2:
		CHECK(shmchan__rring_release(&f->cons) <= 0);
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
		CHECK(shmchan__rring_commit(&f->prod, fz_len_of(arg, f->prod.slot_size)) <= 0);
		break;
	case 7:
		CHECK(shmchan__rring_cancel(&f->prod) <= 0);
		break;
	case 8:
		op_probe(f, arg);
		break;
	case 9:
		op_recover(f, arg);
		break;
	case 10:
		op_takeover(f, arg);
		break;
	case 11:
		attach_producer(f); /* the previous one died, perhaps mid-write */
		break;
	case 12:
		op_drain(f, arg);
		break;
	case 13:
		op_push(f, arg & 63u, 1u + (arg >> 6));
		break;
	case 14:
		if (shmchan__rring_claimed_stride(&f->cons, &stride))
			CHECK(stride >= SHMCHAN__REC_HDR && stride <= f->cons.slot_count);
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
	if (shmchan__rring_attach(&f.cons, f.mem, f.size) == 0) {
		CHECK(shmchan__rring_memsize(f.cons.slot_count) <= f.size);
		f.cons.consume_mark = &f.mark;
		attach_producer(&f);
		for (i = 0; i < SCRIPT_PAIRS; i++)
			step(&f, data[2 * i], data[2 * i + 1]);
	}
	free(f.mem);
	return 0;
}
