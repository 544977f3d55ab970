/* SPDX-License-Identifier: MIT */
/* Shared-memory mechanisms for the benchmark: the physical floor (a
 * cache-line ping-pong, and memcpy), a raw SPSC ring with no checks, and the
 * shmchan channel kinds with their wait strategies. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <shmchan.h>

#include "mech.h"

static void relax(unsigned *n)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
	if (++*n % 4096 == 0)
		sched_yield(); /* never starve the peer on a shared core */
}

static int anon_map(struct mech_ctx *c, size_t size)
{
	c->shm_size = size;
	/* Populated: pre-faulted like the channels, before the clock starts. */
	c->shm = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE,
		      -1, 0);
	return c->shm == MAP_FAILED ? -errno : 0;
}

static void anon_unmap(struct mech_ctx *c)
{
	munmap(c->shm, c->shm_size);
}

/* Each process faults the pages in before the clock starts: a forked
 * child does not inherit the parent's page tables of a shared mapping. */
static int anon_open(struct mech_ctx *c, int side)
{
	volatile unsigned char *p = c->shm;
	size_t i;

	(void)side;
	for (i = 0; i < c->shm_size; i += 4096)
		(void)p[i];
	return 0;
}

static int nothing(struct mech_ctx *c, int side)
{
	(void)c;
	(void)side;
	return 0;
}

static void nothing_close(struct mech_ctx *c, int side)
{
	(void)c;
	(void)side;
}

/* The floor: one cache line carries the sequence number back and forth
 * (odd: ping from side 0, even: pong from side 1). No payload. */
struct line {
	alignas(64) _Atomic uint64_t v;
};

static int line_setup(struct mech_ctx *c)
{
	return anon_map(c, sizeof(struct line));
}

static int line_send(struct mech_ctx *c, int side, uint64_t seq)
{
	atomic_store_explicit(&((struct line *)c->shm)->v, 2 * seq + 1 + (uint64_t)side,
			      memory_order_release);
	return 0;
}

static int64_t line_recv(struct mech_ctx *c, int side)
{
	struct line *l = c->shm;
	unsigned n = 0;
	uint64_t v;

	/* Wait for the other side's next value: side 0 waits for an even one
	 * (a pong), side 1 for an odd one (a ping). */
	while (((v = atomic_load_explicit(&l->v, memory_order_acquire)) & 1) != (uint64_t)side ||
	       v == 0)
		relax(&n);
	return (int64_t)((v - 1 - (uint64_t)!side) / 2);
}

/* memcpy: measured in one process by the driver (throughput only). */
static int memcpy_setup(struct mech_ctx *c)
{
	(void)c;
	return 0;
}

/* A raw SPSC ring per direction, the same geometry as the slot channel:
 * head and tail on lines of their own, no validation, no waiting but spin. */
struct spsc {
	alignas(64) _Atomic uint32_t head;
	alignas(64) _Atomic uint32_t tail;
	alignas(64) unsigned char slots[];
};

static uint32_t slots_for(size_t size)
{
	return size <= 4096 ? 64 : (size <= 131072 ? 16 : 4);
}

static size_t spsc_bytes(const struct mech_ctx *c)
{
	return sizeof(struct spsc) + (size_t)slots_for(c->size) * ((c->size + 63) & ~(size_t)63);
}

static struct spsc *spsc_of(const struct mech_ctx *c, int dir)
{
	return (struct spsc *)(void *)((char *)c->shm + (size_t)dir * spsc_bytes(c));
}

static int spsc_setup(struct mech_ctx *c)
{
	return anon_map(c, 2 * spsc_bytes(c));
}

static unsigned char *spsc_slot(const struct mech_ctx *c, struct spsc *q, uint32_t pos)
{
	return q->slots + (size_t)(pos % slots_for(c->size)) * ((c->size + 63) & ~(size_t)63);
}

static int spsc_send(struct mech_ctx *c, int side, uint64_t seq)
{
	struct spsc *q = spsc_of(c, side);
	uint32_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	unsigned n = 0;

	while (t - atomic_load_explicit(&q->head, memory_order_acquire) >= slots_for(c->size))
		relax(&n);
	memcpy(spsc_slot(c, q, t), c->buf, c->size);
	mech_stamp(spsc_slot(c, q, t), c->size, seq);
	atomic_store_explicit(&q->tail, t + 1, memory_order_release);
	return 0;
}

static int64_t spsc_recv(struct mech_ctx *c, int side)
{
	struct spsc *q = spsc_of(c, !side);
	uint32_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
	unsigned n = 0;

	while (atomic_load_explicit(&q->tail, memory_order_acquire) == h)
		relax(&n);
	memcpy(c->buf, spsc_slot(c, q, h), c->size);
	atomic_store_explicit(&q->head, h + 1, memory_order_release);
	return mech_check(c->buf, c->size);
}

/* shmchan channels: one per direction (name[0]: 0 -> 1, name[1]: 1 -> 0). */
struct chan_priv {
	struct shmchan_channel out, in;
	struct shmchan_channel keep[2]; /* the creators, kept to the end */
};

static struct chan_priv g_ch; /* per process */

static int chan_setup_kind(struct mech_ctx *c, uint32_t kind)
{
	/* Pre-faulted: no page fault on the clock (both sides, see chan_open). */
	struct shmchan_config cfg = { .kind = kind, .mem = SHMCHAN_MEM_PREFAULT };
	int i, err;

	if (kind == SHMCHAN_KIND_RECORD) {
		uint32_t b = 64;

		/* Room for as many messages as the slot channel has slots, so
		 * that the kinds are compared at the same depth. */
		while (b < slots_for(c->size) * (c->size + 16))
			b *= 2;
		cfg.buffer_size = b;
	} else {
		cfg.slot_size = (uint32_t)c->size;
		cfg.slot_count = slots_for(c->size);
	}
	for (i = 0; i < 2; i++) {
		snprintf(c->name[i], sizeof(c->name[i]), "bench.%d.%d", (int)getpid(), i);
		err = shmchan_channel_create_or_replace_writer(&g_ch.keep[i], c->name[i], &cfg);
		if (err)
			return err;
	}
	return 0;
}

static int slot_setup(struct mech_ctx *c)
{
	return chan_setup_kind(c, SHMCHAN_KIND_SLOT);
}

static int rec_setup(struct mech_ctx *c)
{
	return chan_setup_kind(c, SHMCHAN_KIND_RECORD);
}

static int chan_open(struct mech_ctx *c, int side)
{
	struct shmchan_config w = { .wait = c->wait, .mem = SHMCHAN_MEM_PREFAULT };
	int err = shmchan_channel_open_writer(&g_ch.out, c->name[side], &w);

	return err ? err : shmchan_channel_open_reader(&g_ch.in, c->name[!side], &w);
}

static int chan_send(struct mech_ctx *c, int side, uint64_t seq)
{
	void *slot;
	int err;

	(void)side;
	if (!c->zero_copy) {
		mech_stamp(c->buf, c->size, seq);
		return shmchan_channel_send(&g_ch.out, c->buf, c->size, -1);
	}
	/* In place: stamp (or fill) the message where it lies; no copy. */
	while ((err = shmchan_channel_reserve(&g_ch.out, c->size, &slot)) == -EAGAIN)
		if ((err = shmchan_channel_wait_writable(&g_ch.out, -1)) != 0)
			return err;
	if (err)
		return err;
	if (c->zero_copy == MECH_EVERY_BYTE)
		mech_fill(slot, c->size, seq);
	else
		mech_stamp(slot, c->size, seq);
	return shmchan_channel_commit(&g_ch.out, c->size);
}

static int64_t chan_recv(struct mech_ctx *c, int side)
{
	const void *view;
	size_t len;
	int64_t v;
	int err;

	(void)side;
	if (!c->zero_copy) {
		err = shmchan_channel_recv(&g_ch.in, c->buf, c->size, &len, -1);
		return err || len != c->size ? -1 : mech_check(c->buf, c->size);
	}
	while ((err = shmchan_channel_peek(&g_ch.in, &view, &len)) == -EAGAIN)
		if (shmchan_channel_wait_readable(&g_ch.in, -1) != 0)
			return -1;
	if (err || len != c->size)
		return -1;
	v = c->zero_copy == MECH_EVERY_BYTE ? mech_check_all(view, len) : mech_check(view, len);
	shmchan_channel_release(&g_ch.in);
	return v;
}

static void chan_close(struct mech_ctx *c, int side)
{
	(void)c;
	(void)side;
	shmchan_channel_close(&g_ch.out);
	shmchan_channel_close(&g_ch.in);
}

static void chan_teardown(struct mech_ctx *c)
{
	int i;

	for (i = 0; i < 2; i++) {
		shmchan_channel_close(&g_ch.keep[i]);
		shmchan_channel_unlink(c->name[i]);
	}
}

const struct mech mech_spinline = {
	"cache line (floor)", 0,	  line_setup, anon_open, line_send, line_recv,
	nothing_close,	      anon_unmap, 1,	      0
};
const struct mech mech_memcpy = {
	"memcpy (floor)", 0, memcpy_setup, nothing, NULL, NULL, nothing_close, NULL, 0, 1
};
const struct mech mech_spsc = {
	"raw spsc ring", 0,	     spsc_setup, anon_open, spsc_send, spsc_recv,
	nothing_close,	 anon_unmap, 0,		 0
};
const struct mech mech_slot_copy = {
	"shmchan slot", 0,	    slot_setup,	   chan_open, chan_send,
	chan_recv,	chan_close, chan_teardown, 0,	      0
};
const struct mech mech_slot_zc = { "shmchan slot zc (stamps)",
				   0,
				   slot_setup,
				   chan_open,
				   chan_send,
				   chan_recv,
				   chan_close,
				   chan_teardown,
				   0,
				   0 };
const struct mech mech_slot_fill = { "shmchan slot zc (every byte)",
				     0,
				     slot_setup,
				     chan_open,
				     chan_send,
				     chan_recv,
				     chan_close,
				     chan_teardown,
				     0,
				     0 };
const struct mech mech_slot_spin = {
	"shmchan slot SPIN", 0,		 slot_setup,	chan_open, chan_send,
	chan_recv,	     chan_close, chan_teardown, 0,	   0
};
const struct mech mech_slot_backoff = {
	"shmchan slot BACKOFF", 0, slot_setup, chan_open, chan_send, chan_recv, chan_close,
	chan_teardown,		0, 0
};
const struct mech mech_rec_copy = {
	"shmchan record", 0,	      rec_setup,     chan_open, chan_send,
	chan_recv,	  chan_close, chan_teardown, 0,		0
};
const struct mech mech_rec_zc = { "shmchan record zc (stamps)",
				  0,
				  rec_setup,
				  chan_open,
				  chan_send,
				  chan_recv,
				  chan_close,
				  chan_teardown,
				  0,
				  0 };
const struct mech mech_rec_fill = { "shmchan record zc (every byte)",
				    0,
				    rec_setup,
				    chan_open,
				    chan_send,
				    chan_recv,
				    chan_close,
				    chan_teardown,
				    0,
				    0 };
