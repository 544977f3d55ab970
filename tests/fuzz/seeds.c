/* SPDX-License-Identifier: MIT */
/*
 * Seed corpora for the fuzz harnesses, made from real memory: rings laid out
 * by shmchan_ring_init and friends and driven into interesting states (wrap
 * across 2^32, full, a claim pending at head, a stepped-over claim, a padding
 * record, lapped broadcast slots, a held work-queue message), and channels
 * of every kind created with the public API, written to and read from, their
 * segments dumped while the handles are open and after they closed.
 *
 *   shmchan-fuzz-seeds DIR
 *
 * writes DIR/ring, DIR/rring, DIR/bring, DIR/wqueue, DIR/channel and
 * DIR/inspect, one file per seed. Each ring or channel seed is a script of
 * 32 bytes (the harnesses' format: 16 pairs of an operation and its
 * argument) followed by the image; inspect seeds are bare images. Channel
 * names carry SHMCHAN_FUZZ_TAG and the pid, and are unlinked before exit.
 * Exit status 0, or 1 on any failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bring_pvt.h"
#include "channel_pvt.h"
#include "registry_pvt.h"
#include "ring_pvt.h"
#include "rring_pvt.h"
#include "shmchan.h"

#define SCRIPT_LEN 32
#define RANDOM_SCRIPTS 3

static const char *out_dir;
static const char *tag = "local";
static uint32_t rng = 0x9e3779b9u;
static int failed;

#define TRY(expr)                                                                                  \
	do {                                                                                       \
		int err_ = (expr);                                                                 \
		if (err_ != 0) {                                                                   \
			fprintf(stderr, "seeds: %s:%d: %s: %s\n", __FILE__, __LINE__, #expr,       \
				shmchan_strerror(err_));                                           \
			failed = 1;                                                                \
		}                                                                                  \
	} while (0)

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void write_file(const char *area, const char *seed, int k, const void *a, size_t na,
		       const void *b, size_t nb)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s/%s-%d", out_dir, area, seed, k);
	fp = fopen(path, "wb");
	if (!fp || (na && fwrite(a, 1, na, fp) != na) || (nb && fwrite(b, 1, nb, fp) != nb)) {
		fprintf(stderr, "seeds: cannot write %s\n", path);
		failed = 1;
	}
	if (fp && fclose(fp) != 0)
		failed = 1;
}

/* One file per script of @scripts (@n of them, 32 bytes each), then
 * RANDOM_SCRIPTS random ones, each followed by the image; @arg0 is or-ed
 * into the second byte of each (fuzz_channel: how the image is loaded). */
static void dump_as(const char *area, const char *seed, const uint8_t (*scripts)[SCRIPT_LEN], int n,
		    const void *img, size_t size, uint8_t arg0)
{
	uint8_t s[SCRIPT_LEN];
	int k, i;

	for (k = 0; k < n + RANDOM_SCRIPTS; k++) {
		for (i = 0; i < SCRIPT_LEN; i++)
			s[i] = k < n ? scripts[k][i] : (uint8_t)next_rand();
		s[1] |= arg0;
		write_file(area, seed, k, s, SCRIPT_LEN, img, size);
	}
}

static void dump(const char *area, const char *seed, const uint8_t (*scripts)[SCRIPT_LEN], int n,
		 const void *img, size_t size)
{
	dump_as(area, seed, scripts, n, img, size, 0);
}

static void *mem_alloc(size_t n)
{
	void *m = NULL;

	if (posix_memalign(&m, SHMCHAN__CACHELINE, n) != 0) {
		fprintf(stderr, "seeds: out of memory\n");
		exit(1);
	}
	memset(m, 0, n);
	return m;
}

static void push_n(struct shmchan_ring *r, int n, size_t len)
{
	unsigned char msg[256];
	int i;

	for (i = 0; i < n; i++) {
		memset(msg, 'a' + i, sizeof(msg));
		(void)shmchan_ring_push(r, msg, len + (size_t)i);
	}
}

static void pop_n(struct shmchan_ring *r, int n)
{
	unsigned char buf[256];
	size_t len;
	int i;

	for (i = 0; i < n; i++)
		(void)shmchan_ring_pop(r, buf, sizeof(buf), &len);
}

/* ---- slot rings, for fuzz_ring and fuzz_wqueue ---- */

/* fuzz_ring: pop, peek, release, readable, push, reserve, commit, cancel,
 * probe, recover, new consumer, slot_seq, new producer, drain, pushes, peek
 * and release. */
/* clang-format off */
static const uint8_t ring_scripts[][SCRIPT_LEN] = {
	{ 0, 127,  1, 0,  2, 0,  3, 0,  0, 0,  15, 0,  13, 3,  8, 0,
	  9, 0,  10, 0,  0, 255,  11, 0,  3, 0,  1, 0,  2, 0,  8, 0 },
	{ 4, 5,  5, 192,  6, 192,  5, 3,  7, 0,  14, 70,  8, 0,  4, 193,
	  5, 0,  12, 0,  6, 1,  4, 191,  8, 0,  9, 1,  14, 200,  8, 0 },
	{ 5, 10,  0, 16,  9, 0,  9, 1,  4, 3,  6, 10,  13, 7,  5, 1,
	  12, 0,  9, 0,  0, 64,  4, 0,  10, 0,  15, 0,  13, 15,  8, 0 },
};
/* clang-format on */

/* fuzz_wqueue: take, done, read, recover, probe, push, reserve, commit,
 * cancel, at, adopt, held, new producer, pushes, drain, drop. */
/* clang-format off */
static const uint8_t wq_scripts[][SCRIPT_LEN] = {
	{ 0, 0,  0, 1,  1, 0,  2, 255,  10, 1,  2, 128,  3, 0,  4, 0,
	  9, 128,  9, 129,  14, 0,  11, 1,  1, 1,  2, 1,  4, 0,  3, 0 },
	{ 5, 4,  6, 192,  7, 192,  6, 3,  8, 0,  13, 70,  4, 0,  5, 193,
	  0, 0,  10, 0,  2, 1,  15, 1,  0, 1,  3, 0,  14, 32,  4, 0 },
	{ 6, 10,  0, 0,  3, 0,  3, 0,  5, 3,  7, 10,  13, 7,  6, 1,
	  12, 0,  3, 0,  2, 64,  5, 0,  0, 1,  1, 0,  14, 255,  4, 0 },
};
/* clang-format on */

static void dump_slot(const char *seed, const void *m, size_t n)
{
	int nr = (int)(sizeof(ring_scripts) / sizeof(ring_scripts[0]));
	int nw = (int)(sizeof(wq_scripts) / sizeof(wq_scripts[0]));

	dump("ring", seed, ring_scripts, nr, m, n);
	dump("wqueue", seed, wq_scripts, nw, m, n);
}

static void slot_ring(const char *seed, uint32_t size, uint32_t count, uint32_t start, int push,
		      int pop, int how)
{
	size_t n = shmchan_ring_memsize(size, count);
	void *m = mem_alloc(n);
	struct shmchan_ring r;
	_Atomic uint64_t cw = 0;
	const void *view;
	uint32_t pos, len;
	void *slot;

	TRY(shmchan__ring_init_at(m, n, size, count, start));
	TRY(shmchan_ring_attach(&r, m, n));
	push_n(&r, push, 3);
	pop_n(&r, pop);
	if (how == 1) { /* a claim pending at head (a producer died mid-write) */
		(void)shmchan_ring_reserve(&r, 4, &slot);
		r.busy = 0;
		push_n(&r, 1, 5);
	} else if (how == 2) { /* a cancelled slot between messages */
		TRY(shmchan_ring_reserve(&r, 4, &slot));
		TRY(shmchan_ring_cancel(&r));
		push_n(&r, 1, 5);
	} else if (how == 3) { /* a claim stepped over, not given back */
		(void)shmchan_ring_reserve(&r, 4, &slot);
		r.busy = 0;
		if (shmchan__ring_head(&r, &pos) == SHMCHAN__HEAD_PENDING)
			TRY(shmchan__ring_skip_abandoned(&r, pos));
		push_n(&r, 2, 1);
	} else if (how == 4) { /* a work-queue message held by a consumer */
		(void)shmchan__wq_take(&r, &cw, &pos, &view, &len);
	} else if (how == 5) { /* held, and stepped over by the producers */
		(void)shmchan__wq_take(&r, &cw, &pos, &view, &len);
		r.busy |= SHMCHAN__RING_WQ;
		push_n(&r, 2, 2);
	}
	dump_slot(seed, m, n);
	free(m);
}

static void slot_rings(void)
{
	slot_ring("empty", 16, 4, 0, 0, 0, 0);
	slot_ring("two", 16, 4, 0, 2, 0, 0);
	slot_ring("full", 16, 4, 0, 4, 0, 0);
	slot_ring("wrap", 16, 4, 0xFFFFFFFEu, 3, 1, 0);
	slot_ring("lap", 40, 8, 0, 8, 5, 0);
	slot_ring("pending", 40, 8, 0, 2, 1, 1);
	slot_ring("cancelled", 16, 4, 0, 1, 0, 2);
	slot_ring("stepped", 16, 4, 0, 0, 0, 3);
	slot_ring("held", 16, 4, 0, 3, 0, 4);
	slot_ring("held-skip", 16, 4, 0, 4, 0, 5);
	slot_ring("big", 100, 2, 0, 2, 1, 0);
}

/* ---- record rings, for fuzz_rring ---- */

/* pop, peek, release, readable, push, reserve, commit, cancel, probe,
 * recover, new consumer, new producer, drain, pushes, stride, peek+release */
/* clang-format off */
static const uint8_t rring_scripts[][SCRIPT_LEN] = {
	{ 0, 255,  1, 0,  2, 0,  3, 0,  0, 0,  15, 0,  12, 3,  8, 0,
	  9, 0,  10, 0,  0, 255,  10, 3,  3, 0,  14, 0,  1, 0,  2, 0 },
	{ 4, 5,  5, 192,  6, 192,  5, 3,  7, 0,  13, 70,  8, 0,  4, 193,
	  5, 20,  11, 0,  6, 1,  4, 191,  8, 9,  9, 1,  13, 200,  8, 0 },
	{ 5, 10,  0, 16,  9, 0,  9, 1,  4, 3,  6, 10,  13, 7,  5, 40,
	  11, 0,  9, 2,  0, 64,  4, 0,  10, 5,  15, 0,  12, 15,  8, 0 },
};
/* clang-format on */

static void rring(const char *seed, uint32_t size, uint32_t start, int push, int pop, int how)
{
	size_t n = shmchan__rring_memsize(size);
	void *m = mem_alloc(n);
	unsigned char msg[512], buf[512];
	struct shmchan_ring r;
	size_t len;
	void *rec;
	int i;

	memset(msg, 'r', sizeof(msg));
	TRY(shmchan__rring_init_at(m, n, size, start));
	TRY(shmchan__rring_attach(&r, m, n));
	for (i = 0; i < push; i++)
		(void)shmchan__rring_push(&r, msg, (size_t)(i * 5) % (r.slot_size + 1));
	for (i = 0; i < pop; i++)
		(void)shmchan__rring_pop(&r, buf, sizeof(buf), &len);
	if (how == 1) { /* a record claimed, not committed */
		(void)shmchan__rring_reserve(&r, 12, &rec);
		r.busy = 0;
	} else if (how == 2) { /* a cancelled record, then one that wraps */
		(void)shmchan__rring_reserve(&r, 3, &rec);
		(void)shmchan__rring_cancel(&r);
		(void)shmchan__rring_push(&r, msg, r.slot_size);
	} else if (how == 3) { /* a record peeked, not released */
		(void)shmchan__rring_peek(&r, (const void **)&rec, &len);
	}
	dump("rring", seed, rring_scripts, (int)(sizeof(rring_scripts) / sizeof(rring_scripts[0])),
	     m, n);
	free(m);
}

static void rrings(void)
{
	rring("empty", 64, 0, 0, 0, 0);
	rring("some", 256, 0, 4, 1, 0);
	rring("full", 256, 0, 12, 0, 0);
	rring("pad", 256, 200, 3, 0, 2);
	rring("wrap32", 1024, 0xFFFFFF00u, 9, 4, 0);
	rring("pending", 256, 0, 2, 1, 1);
	rring("peeked", 256, 64, 3, 0, 3);
	rring("max", 1024, 0, 1, 0, 2);
}

/* ---- broadcast rings, for fuzz_bring ---- */

/* claim, acquire, steal, publish, discard, take, peek, release, writable,
 * skip, resolve, new subscriber, drain, writes, writer dies, peek+release */
/* clang-format off */
static const uint8_t bring_scripts[][SCRIPT_LEN] = {
	{ 11, 0,  5, 255,  6, 0,  7, 0,  5, 0,  12, 15,  8, 1,  9, 0,
	  11, 1,  15, 0,  5, 128,  12, 3,  10, 0,  5, 0,  6, 0,  7, 0 },
	{ 0, 1,  1, 0,  3, 10,  0, 0,  1, 0,  4, 0,  13, 70,  8, 0,
	  0, 6,  1, 0,  2, 0,  3, 192,  14, 0,  13, 200,  10, 0,  8, 1 },
	{ 13, 5,  11, 0,  5, 64,  0, 1,  1, 0,  5, 0,  9, 0,  3, 1,
	  13, 130,  5, 0,  12, 15,  0, 1,  14, 0,  10, 0,  0, 0,  1, 0 },
};
/* clang-format on */

static int bwrite(struct shmchan_ring *r, _Atomic uint64_t *cw, size_t len, int publish)
{
	unsigned char msg[256];
	uint64_t pos, other;

	memset(msg, 'b', sizeof(msg));
	if (shmchan__bring_claim(r, cw, UINT64_MAX, NULL, 0, 0, &pos, &other) != 0 ||
	    shmchan__bring_acquire(r, pos, &other) != 0)
		return -1;
	shmchan__bring_fill(r, pos, msg, len);
	if (publish)
		(void)shmchan__bring_publish(r, cw, pos, (uint32_t)len, publish == 2);
	return 0;
}

static void bring(const char *seed, uint32_t size, uint32_t count, int writes, int how)
{
	size_t n = shmchan_ring_memsize(size, count);
	void *m = mem_alloc(n);
	struct shmchan_ring r;
	_Atomic uint64_t cw = 0;
	int i;

	TRY(shmchan__bring_init(m, n, size, count));
	TRY(shmchan__bring_attach(&r, m, n));
	for (i = 0; i < writes; i++)
		(void)bwrite(&r, &cw, (size_t)i % (size + 1), 1);
	if (how == 1) /* a writer died while writing */
		(void)bwrite(&r, &cw, 3, 0);
	else if (how == 2) /* a cancelled position */
		(void)bwrite(&r, &cw, 3, 2);
	dump("bring", seed, bring_scripts, (int)(sizeof(bring_scripts) / sizeof(bring_scripts[0])),
	     m, n);
	free(m);
}

static void brings(void)
{
	bring("empty", 16, 4, 0, 0);
	bring("some", 16, 4, 3, 0);
	bring("laps", 16, 4, 9, 0);
	bring("writing", 16, 4, 5, 1);
	bring("disc", 32, 8, 2, 2);
	bring("big", 100, 2, 3, 0);
}

/* ---- channels, for fuzz_channel and fuzz_inspect ---- */

/*
 * First pair: handles (bits 0-1 reader: open_reader, subscribe, subscribe
 * oldest, none; bit 2 writer; bit 3 second reader; bits 4-5 wait; bit 6
 * writer first; bit 7 expect the kind in the argument). Then: read, peek,
 * release, wait_readable, recv, write, reserve, commit, cancel, send,
 * wait_writable, wait_for_reader, probe, reopen reader, reopen writer,
 * peek+release (bit 4 of the operation: the second reader); 0xff lets
 * 1.1 ms pass.
 */
/* clang-format off */
static const uint8_t chan_scripts[][SCRIPT_LEN] = {
	{ 0x04, 0,  0, 255,  1, 0,  2, 0,  3, 0,  4, 128,  5, 10,  12, 0,
	  6, 192,  7, 192,  0, 255,  15, 0,  9, 7,  10, 0,  11, 0,  12, 0 },
	{ 0x0d, 0,  5, 3,  5, 4,  0, 255,  16, 255,  1, 0,  17, 0,  2, 0,
	  18, 0,  13, 0,  0, 255,  14, 0,  5, 191,  12, 0,  31, 0,  3, 0 },
	{ 0x4e, 0,  6, 8,  7, 8,  6, 3,  8, 0,  0, 8,  5, 200,  9, 1,
	  4, 0,  20, 0,  29, 0,  13, 2,  0, 0,  12, 0,  15, 0,  11, 0 },
	{ 0x00, 0,  0, 255,  0, 255,  1, 0,  3, 0,  2, 0,  0, 0,  13, 0,
	  0, 255,  12, 0,  15, 0,  4, 255,  3, 0,  0, 128,  15, 0,  12, 0 },
	/* 1.1 ms pass (0xff) after a read: the stuck claim is judged */
	{ 0x04, 0,  0, 255,  3, 0,  0xff, 0,  0, 255,  0, 255,  5, 4,  10, 0,
	  3, 0,  0, 255,  12, 0,  5, 4,  0, 255,  15, 0,  10, 0,  12, 0 },
	/* subscribed at the oldest: drained to the stuck claim, then judged */
	{ 0x06, 0,  0, 255,  0, 255,  0, 255,  0, 255,  0, 255,  0, 255,  0, 255,
	  0, 255,  0, 255,  3, 0,  0xff, 0,  3, 0,  0, 255,  10, 0,  5, 4 },
};
/* clang-format on */

static void chan_name(char *buf, size_t cap)
{
	static int seq;

	snprintf(buf, cap, "fuzz.%s.seeds.%ld.%d", tag, (long)getpid(), seq++);
}

static void dump_channel(const char *seed, const struct shmchan_segment *seg)
{
	const void *img = shmchan_segment_data(seg);
	size_t n = shmchan_segment_size(seg);

	dump("channel", seed, chan_scripts, (int)(sizeof(chan_scripts) / sizeof(chan_scripts[0])),
	     img, n);
	write_file("inspect", seed, 0, img, n, NULL, 0);
}

static void write_n(struct shmchan_channel *w, int n, size_t max)
{
	unsigned char msg[512];
	int i;

	memset(msg, 'c', sizeof(msg));
	for (i = 0; i < n; i++)
		(void)shmchan_channel_write(w, msg, (size_t)(i * 7 + 1) % (max + 1));
}

#define CH_PEEK 1u    /* the reader holds a peeked message */
#define CH_RESERVE 2u /* the writer holds a reservation */

/* A channel of @cfg with @n messages, @nr read by a reader (and per
 * @flags, CH_*); dumped while open, then once the handles closed (@seed
 * with "-closed"). */
static void channel(const char *seed, const struct shmchan_config *cfg, int n, int nr,
		    unsigned flags)
{
	struct shmchan_channel w, r;
	struct shmchan_segment seg;
	unsigned char buf[2048];
	const void *view;
	char nm[96], closed[64];
	size_t len, max;
	void *slot;
	int i, reader;

	chan_name(nm, sizeof(nm));
	TRY(shmchan_channel_create_writer(&w, nm, cfg));
	if (failed)
		return;
	max = cfg->kind == SHMCHAN_KIND_RECORD ? SHMCHAN_RECORD_MAX_LEN(cfg->buffer_size) / 2
					       : cfg->slot_size;
	reader = shmchan_channel_open_reader(&r, nm, NULL) == 0;
	write_n(&w, n, max);
	for (i = 0; reader && i < nr; i++)
		(void)shmchan_channel_read(&r, buf, sizeof(buf), &len);
	if (reader && (flags & CH_PEEK))
		(void)shmchan_channel_peek(&r, &view, &len);
	if (flags & CH_RESERVE)
		(void)shmchan_channel_reserve(&w, 9, &slot);
	dump_channel(seed, &shmchan__handle_of(&w)->seg);
	if (reader)
		shmchan_channel_close(&r);
	shmchan_channel_close(&w);
	snprintf(closed, sizeof(closed), "%s-closed", seed);
	if (shmchan_segment_open(&seg, nm) == 0) {
		dump_channel(closed, &seg);
		shmchan_segment_close(&seg);
	}
	shmchan_channel_unlink(nm);
}

/* A channel of @cfg with thousands of slots and @n messages, @nr of them
 * read: dumped up to its fourth slot (records: 1 KiB of buffer), for
 * fuzz_channel to extend to the whole ring, that slot repeated. */
static void channel_wide(const char *seed, const struct shmchan_config *cfg, int n, int nr)
{
	struct shmchan_channel w, r;
	unsigned char buf[64];
	char nm[96];
	size_t len, keep;
	int i, reader;

	chan_name(nm, sizeof(nm));
	TRY(shmchan_channel_create_writer(&w, nm, cfg));
	if (failed)
		return;
	reader = cfg->kind == SHMCHAN_KIND_BROADCAST
			 ? shmchan_channel_subscribe(&r, nm, NULL, SHMCHAN_SUB_OLDEST) == 0
			 : shmchan_channel_open_reader(&r, nm, NULL) == 0;
	write_n(&w, n, 8);
	for (i = 0; reader && i < nr; i++)
		(void)shmchan_channel_read(&r, buf, sizeof(buf), &len);
	keep = SHMCHAN__HDR_SPACE + sizeof(struct shmchan__ring_hdr) +
	       (cfg->kind == SHMCHAN_KIND_RECORD ? 1024 : 4 * shmchan__handle_of(&w)->ring.stride);
	dump_as("channel", seed, chan_scripts,
		(int)(sizeof(chan_scripts) / sizeof(chan_scripts[0])),
		shmchan_segment_data(&shmchan__handle_of(&w)->seg), keep, 0x80);
	if (reader)
		shmchan_channel_close(&r);
	shmchan_channel_close(&w);
	shmchan_channel_unlink(nm);
}

static void channels(void)
{
	struct shmchan_config slot = { .slot_size = 64, .slot_count = 8 };
	struct shmchan_config rec = { .kind = SHMCHAN_KIND_RECORD, .buffer_size = 1024 };
	struct shmchan_config bcb = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = 32,
				      .slot_count = 8,
				      .policy = SHMCHAN_POLICY_BLOCK };
	struct shmchan_config bco = bcb;
	struct shmchan_config wq = { .kind = SHMCHAN_KIND_WORKQUEUE,
				     .slot_size = 32,
				     .slot_count = 8 };

	struct shmchan_config wide = { .slot_size = 1, .slot_count = 16384 };
	struct shmchan_config rec_wide = { .kind = SHMCHAN_KIND_RECORD, .buffer_size = 1u << 20 };

	bco.policy = SHMCHAN_POLICY_OVERWRITE;
	channel("slot", &slot, 5, 2, CH_PEEK);
	channel("slot-full", &slot, 8, 0, 0);
	channel("slot-pending", &slot, 0, 0, CH_RESERVE);
	channel("record", &rec, 6, 3, CH_PEEK);
	channel("record-wrap", &rec, 14, 10, 0);
	channel("record-pending", &rec, 3, 3, CH_RESERVE);
	channel("bcast-block", &bcb, 5, 2, CH_PEEK);
	channel("bcast-over", &bco, 20, 1, 0);
	channel("bcast-pending", &bcb, 9, 9, CH_RESERVE);
	channel("wq", &wq, 5, 2, CH_PEEK);
	channel("wq-full", &wq, 8, 0, 0);
	channel("wq-pending", &wq, 2, 2, CH_RESERVE);
	wide.kind = SHMCHAN_KIND_SLOT;
	channel_wide("slot-wide", &wide, 3, 1);
	wide.kind = SHMCHAN_KIND_BROADCAST;
	channel_wide("bcast-wide", &wide, 3, 1);
	wide.kind = SHMCHAN_KIND_WORKQUEUE;
	channel_wide("wq-wide", &wide, 3, 1);
	channel_wide("record-wide", &rec_wide, 3, 1);
}

static int make_dir(const char *area)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", out_dir, area);
	return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const char *const areas[] = { "ring",   "rring",	  "bring",
					     "wqueue", "channel", "inspect" };
	const char *t = getenv("SHMCHAN_FUZZ_TAG");
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	out_dir = argv[1];
	if (t && strlen(t) <= 32 && shmchan_name_check(t) == 0)
		tag = t;
	if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
		perror(out_dir);
		return 1;
	}
	for (i = 0; i < sizeof(areas) / sizeof(areas[0]); i++)
		if (make_dir(areas[i]) != 0) {
			perror(areas[i]);
			return 1;
		}
	slot_rings();
	rrings();
	brings();
	channels();
	return failed;
}
