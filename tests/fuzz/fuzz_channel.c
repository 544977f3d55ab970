/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness: opening and using a channel whose segment the fuzzer wrote,
 * for every kind (slot, record, broadcast, work queue: the kind is a header
 * field like any other).
 *
 * Input: a 32-byte script, then the segment's bytes. The script's first pair
 * chooses the handles (a reader by shmchan_channel_open_reader or
 * shmchan_channel_subscribe, a second reader, a writer by
 * shmchan_channel_open_writer), their wait strategy and the expectations;
 * the 15 pairs after it are operations on them: read, peek, release,
 * wait_readable(0), recv(0), write, reserve, commit, cancel, send(0),
 * wait_writable(0), wait_writable_len(0), wait_for_reader(0), depth,
 * depth_bytes, capacity, config, lost, shmchan_channel_info, and a reader or
 * writer closing and another taking its place; the operation 0xFF lets
 * 1.1 ms pass (once per input), as the recovery paths look at a stuck claim
 * only after 1 ms.
 *
 * The bytes become a real shared-memory object (shmchan_segment_create, one
 * name per process) that every handle maps; all are closed and the object
 * unlinked before the next input. Bit 7 of the first pair's argument
 * extends the object to the size its header gives (at most 4 MiB), the
 * last slot of the input repeated (see plan()). Results are checked against
 * include/shmchan/channel.h: a length above the slot size or the caller's
 * buffer, a view or a reservation outside the mapping, a depth above the
 * capacity abort.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fz_util.h"
#include "channel_pvt.h"
#include "registry_pvt.h"
#include "shmchan.h"

/* Largest object made from an input that asks for it (see plan()). */
#define EXTEND_MAX (4u << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The object's name: SHMCHAN_FUZZ_TAG (run.sh sets it) and the pid. */
static char name[96];
/* The lowest free descriptor after initialisation: every input must leave
 * the descriptors as it found them (a few of libFuzzer's may come and go). */
static int fd_base;

struct fz {
	struct shmchan_channel rd[2], wr;
	struct shmchan_config expect;
	const struct shmchan_config *exp;
	uint8_t open; /* the script's first operation: which handles */
	int paused;
	volatile unsigned sink;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tag = getenv("SHMCHAN_FUZZ_TAG");

	(void)argc;
	(void)argv;
	if (!tag || strlen(tag) > 32 || shmchan_name_check(tag) != 0)
		tag = "local";
	snprintf(name, sizeof(name), "fuzz.%s.%ld.channel", tag, (long)getpid());
	shmchan_segment_unlink(name);
	fd_base = fz_lowest_free_fd();
	return 0;
}

/*
 * How the input becomes the object: @keep bytes of it, then, up to @size,
 * copies of the @period bytes before @keep. Without @extend, all of it and
 * nothing more. With it, the object is as long as its header's total_size
 * (up to EXTEND_MAX), the slots past the input repeating its last whole one
 * (records: its last 64 bytes), so that a small input stands for a ring of
 * thousands of slots, where loops over slots show their cost.
 */
static void plan(const uint8_t *img, size_t n, int extend, size_t *keep, size_t *size,
		 size_t *period)
{
	const size_t slots = SHMCHAN__HDR_SPACE + sizeof(struct shmchan__ring_hdr);
	struct shmchan__chan_hdr h;
	uint64_t total;

	*keep = *size = n;
	*period = 0;
	if (!extend || n < sizeof(h))
		return;
	memcpy(&h, img, sizeof(h)); /* the fields as they are, unaligned */
	if (h.kind == SHMCHAN_KIND_RECORD)
		*period = 64;
	else if (h.slot_size <= (1u << 16))
		*period = (SHMCHAN__SLOT_HDR + h.slot_size + 63) & ~(size_t)63;
	total = h.total_size < EXTEND_MAX ? h.total_size : EXTEND_MAX;
	if (*period == 0 || n < slots + *period || total <= n)
		return;
	*keep = slots + (n - slots) / *period * *period;
	*size = (size_t)total;
}

/* Write the input's bytes as the object @name (see plan()). */
static int load(const uint8_t *img, size_t n, int extend)
{
	struct shmchan_segment seg;
	size_t keep, size, period, off;
	unsigned char *dst;
	int err;

	plan(img, n, extend, &keep, &size, &period);
	err = shmchan_segment_create(&seg, name, size, 0);
	if (err == -EEXIST) {
		shmchan_segment_unlink(name);
		err = shmchan_segment_create(&seg, name, size, 0);
	}
	if (err)
		return err;
	dst = shmchan_segment_data(&seg);
	memcpy(dst, img, keep);
	for (off = keep; off < size; off += period)
		memcpy(dst + off, img + keep - period, size - off < period ? size - off : period);
	shmchan_segment_close(&seg);
	return 0;
}

static size_t slot_size(const struct shmchan_channel *ch)
{
	struct shmchan_config cfg;

	return shmchan_channel_config(ch, &cfg) == 0 ? cfg.slot_size : 0;
}

static uint32_t kind_of(const struct shmchan_channel *ch)
{
	struct shmchan_config cfg;

	return shmchan_channel_config(ch, &cfg) == 0 ? cfg.kind : 0;
}

/* [p, p + n) lies inside @ch's mapping. */
static int inside(const struct shmchan_channel *ch, const void *p, size_t n)
{
	const struct shmchan__handle *h = shmchan__chandle_of(ch);

	return fz_inside(shmchan_segment_data(&h->seg), shmchan_segment_size(&h->seg), p, n);
}

/* ---- opening ---- */

static int open_reader(struct fz *f, struct shmchan_channel *ch, unsigned how)
{
	if (how == 0)
		return shmchan_channel_open_reader(ch, name, f->exp);
	return shmchan_channel_subscribe(ch, name, f->exp, how == 2 ? SHMCHAN_SUB_OLDEST : 0);
}

static void open_readers(struct fz *f)
{
	unsigned how = f->open & 3u;

	if (how != 3)
		(void)open_reader(f, &f->rd[0], how);
	if (f->open & 8u)
		(void)shmchan_channel_open_reader(&f->rd[1], name, f->exp);
}

static void open_all(struct fz *f, uint8_t open, uint8_t arg)
{
	static const int32_t spins[4] = { 0, 0, -1, -1 };

	f->open = open;
	memset(&f->expect, 0, sizeof(f->expect));
	f->expect.wait = (open >> 4) & 3u;
	if (f->expect.wait > SHMCHAN_WAIT_BACKOFF)
		f->expect.wait = SHMCHAN_WAIT_FUTEX;
	f->expect.spin_us = spins[(open >> 4) & 3u];
	if (open & 0x80u) {
		f->expect.kind = arg & 7u;
		f->expect.policy = (arg >> 3) & 3u;
	}
	f->exp = &f->expect;
	if (open & 0x40u)
		open_readers(f);
	if (open & 4u)
		(void)shmchan_channel_open_writer(&f->wr, name, f->exp);
	if (!(open & 0x40u))
		open_readers(f);
}

/* ---- reading ---- */

static void check_read(struct shmchan_channel *ch, int err, size_t len, size_t cap)
{
	CHECK(err <= 0);
	if (err == 0 || err == -EMSGSIZE)
		CHECK(len <= slot_size(ch));
	if (err == 0)
		CHECK(len <= cap);
}

static void op_read(struct fz *f, struct shmchan_channel *ch, uint8_t arg, int recv)
{
	size_t cap = fz_len_of(arg, slot_size(ch)), len = 0;
	unsigned char *buf = malloc(cap ? cap : 1);
	int err;

	if (!buf)
		return;
	err = recv ? shmchan_channel_recv(ch, buf, cap, &len, 0)
		   : shmchan_channel_read(ch, buf, cap, &len);
	check_read(ch, err, len, cap);
	if (err == 0)
		f->sink += fz_sum(buf, len);
	free(buf);
}

static void op_peek(struct fz *f, struct shmchan_channel *ch, int release)
{
	const void *view = NULL;
	size_t len = 0;
	int err = shmchan_channel_peek(ch, &view, &len);

	check_read(ch, err, len, SIZE_MAX);
	if (err == 0) {
		CHECK(inside(ch, view, len));
		f->sink += fz_sum(view, len);
	}
	if (release)
		CHECK(shmchan_channel_release(ch) <= 0);
}

/* ---- writing ---- */

static void op_write(struct fz *f, uint8_t arg, int send)
{
	size_t len = fz_len_of(arg, slot_size(&f->wr));
	unsigned char *msg = malloc(len ? len : 1);

	if (!msg)
		return;
	memset(msg, arg, len);
	CHECK((send ? shmchan_channel_send(&f->wr, msg, len, 0)
		    : shmchan_channel_write(&f->wr, msg, len)) <= 0);
	free(msg);
}

static void op_reserve(struct fz *f, uint8_t arg)
{
	size_t len = fz_len_of(arg, slot_size(&f->wr)), room;
	void *p = NULL;
	int err = shmchan_channel_reserve(&f->wr, len, &p);

	CHECK(err <= 0);
	if (err != 0)
		return;
	/* channel.h: slot-size bytes writable; records: the length asked. */
	room = kind_of(&f->wr) == SHMCHAN_KIND_RECORD ? len : slot_size(&f->wr);
	CHECK(inside(&f->wr, p, room));
	memset(p, arg, room);
}

/* ---- the rest ---- */

static void probe(struct shmchan_channel *ch)
{
	struct shmchan_config cfg;
	struct shmchan_info info = SHMCHAN_INFO_INIT;
	uint64_t lost;
	int d, cap;

	if (shmchan_channel_config(ch, &cfg) != 0)
		return;
	d = shmchan_channel_depth(ch);
	cap = shmchan_channel_capacity(ch);
	CHECK(d >= 0 && cap > 0);
	if (cfg.kind != SHMCHAN_KIND_RECORD)
		CHECK(d <= cap);
	CHECK(shmchan_channel_depth_bytes(ch) >= 0);
	(void)shmchan_channel_lost(ch, &lost);
	CHECK(shmchan_channel_info(ch, &info) == 0);
	CHECK(info.nwriters <= SHMCHAN_MAX_WRITERS);
	CHECK(info.nsubscribers <= SHMCHAN_MAX_SUBSCRIBERS);
}

static void reopen_reader(struct fz *f, struct shmchan_channel *ch, uint8_t arg)
{
	shmchan_channel_close(ch);
	(void)open_reader(f, ch, arg % 3u);
}

static void reopen_writer(struct fz *f)
{
	shmchan_channel_close(&f->wr);
	(void)shmchan_channel_open_writer(&f->wr, name, f->exp);
}

/* Let 1.1 ms pass, once per input: a reader then judges a claim stuck at
 * its head, and a broadcast writer the writer a lap earlier (both look only
 * after 1 ms), by the registry entries the segment holds. */
static void pause_once(struct fz *f)
{
	struct timespec ts = { 0, 1100000 };

	if (f->paused++)
		return;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void step(struct fz *f, uint8_t op, uint8_t arg)
{
	struct shmchan_channel *rd = &f->rd[(op >> 4) & 1u];

	if (op == 0xFFu) {
		pause_once(f);
		return;
	}
	switch (op & 15u) {
	case 0:
		op_read(f, rd, arg, 0);
		break;
	case 1:
		op_peek(f, rd, 0);
		break;
	case 2:
		CHECK(shmchan_channel_release(rd) <= 0);
		break;
	case 3:
		CHECK(shmchan_channel_wait_readable(rd, 0) <= 0);
		break;
	case 4:
		op_read(f, rd, arg, 1);
		break;
	case 5:
		op_write(f, arg, 0);
		break;
	case 6:
		op_reserve(f, arg);
		break;
	case 7:
		CHECK(shmchan_channel_commit(&f->wr, fz_len_of(arg, slot_size(&f->wr))) <= 0);
		break;
	case 8:
		CHECK(shmchan_channel_cancel(&f->wr) <= 0);
		break;
	case 9:
		op_write(f, arg, 1);
		break;
	case 10:
		CHECK(shmchan_channel_wait_writable(&f->wr, 0) <= 0);
		CHECK(shmchan_channel_wait_writable_len(&f->wr, fz_len_of(arg, slot_size(&f->wr)),
							0) <= 0);
		break;
	case 11:
		CHECK(shmchan_channel_wait_for_reader(&f->wr, 0) <= 0);
		break;
	case 12:
		probe(&f->rd[0]);
		probe(&f->rd[1]);
		probe(&f->wr);
		break;
	case 13:
		reopen_reader(f, rd, arg);
		break;
	case 14:
		reopen_writer(f);
		break;
	default:
		op_peek(f, rd, 1);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	size_t i;

	if (size <= SCRIPT_LEN || size - SCRIPT_LEN > IMAGE_MAX)
		return 0;
	if (load(data + SCRIPT_LEN, size - SCRIPT_LEN, data[1] & 0x80u) != 0)
		return 0;
	memset(&f, 0, sizeof(f));
	open_all(&f, data[0], data[1]);
	for (i = 1; i < SCRIPT_PAIRS; i++)
		step(&f, data[2 * i], data[2 * i + 1]);
	shmchan_channel_close(&f.rd[0]);
	shmchan_channel_close(&f.rd[1]);
	shmchan_channel_close(&f.wr);
	shmchan_channel_unlink(name);
	CHECK(fz_lowest_free_fd() < fd_base + 8); /* no descriptor leaked */
	return 0;
}
