/* SPDX-License-Identifier: MIT */
/*
 * Record channels: sizes from 0 to the largest, records that wrap at every
 * offset (and positions across 2^32), a video frame written and read in
 * place, several producer processes with every byte and each producer's
 * order checked, and corrupt headers, flags and positions.
 */
#include "channel_pvt.h"
#include "registry_pvt.h"
#include "t_util.h"
#define T_MSG_MAX 8 /* (raw buffers only) */
#include "t_msg.h"

static struct shmchan_config rec(uint32_t size)
{
	struct shmchan_config c = { .kind = SHMCHAN_KIND_RECORD, .buffer_size = size };

	return c;
}

static void test_basics(void)
{
	const char *name = t_name("rec");
	struct shmchan_config cfg = rec(4096), got, bad;
	static unsigned char in[4096], out[4096];
	struct shmchan_channel w, r;
	const void *view;
	void *slot;
	size_t len, max = SHMCHAN_RECORD_MAX_LEN(4096), n;

	bad = cfg;
	bad.buffer_size = 100; /* not a power of two */
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &bad), -EINVAL);
	bad.buffer_size = 32; /* too small */
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &bad), -EINVAL);
	bad = cfg;
	bad.slot_size = 64; /* slot geometry on a record channel */
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &bad), -EINVAL);
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	ASSERT_OK(shmchan_channel_open_reader(&r, name, &cfg));
	ASSERT_OK(shmchan_channel_config(&r, &got));
	ASSERT_EQ(got.kind, SHMCHAN_KIND_RECORD);
	ASSERT_EQ(got.buffer_size, 4096);
	ASSERT_EQ(got.slot_size, max);
	ASSERT_EQ(shmchan_channel_capacity(&r), 4096);
	{
		struct shmchan_channel x;
		struct shmchan_config want = rec(8192);

		ASSERT_ERR(shmchan_channel_open_writer(&x, name, &want), SHMCHAN_EGEOMETRY);
		want = (struct shmchan_config){ .kind = SHMCHAN_KIND_SLOT };
		ASSERT_ERR(shmchan_channel_open_writer(&x, name, &want), SHMCHAN_EKIND);
	}
	/* Every size from 0 to the largest, one at a time. */
	for (n = 0; n <= max; n += (n < 64 ? 1 : 61)) {
		t_raw_fill(in, n, (unsigned)n);
		ASSERT_OK(shmchan_channel_write(&w, in, n));
		ASSERT_OK(shmchan_channel_read(&r, out, sizeof(out), &len));
		ASSERT_EQ(len, n);
		ASSERT_TRUE(t_raw_same(out, n, (unsigned)n));
	}
	ASSERT_OK(shmchan_channel_write(&w, in, max));
	ASSERT_OK(shmchan_channel_read(&r, out, sizeof(out), &len));
	ASSERT_EQ(len, max);
	/* Too long: refused, nothing written. */
	ASSERT_ERR(shmchan_channel_write(&w, in, max + 1), -EMSGSIZE);
	ASSERT_ERR(shmchan_channel_reserve(&w, max + 1, &slot), -EMSGSIZE);
	ASSERT_EQ(shmchan_channel_depth(&r), 0);
	ASSERT_EQ(shmchan_channel_depth_bytes(&r), 0);
	/* Depth in messages and bytes; a small buffer reports the size. */
	ASSERT_OK(shmchan_channel_write(&w, in, 100));
	ASSERT_OK(shmchan_channel_write(&w, in, 0));
	ASSERT_EQ(shmchan_channel_depth(&r), 2);
	/* 112 + 8 bytes, and a PAD before them if they wrapped */
	ASSERT_TRUE(shmchan_channel_depth_bytes(&r) >= 120 &&
		    shmchan_channel_depth_bytes(&r) < 120 + 112);
	ASSERT_ERR(shmchan_channel_read(&r, out, 99, &len), -EMSGSIZE);
	ASSERT_EQ(len, 100);
	ASSERT_OK(shmchan_channel_read(&r, out, 100, &len));
	ASSERT_OK(shmchan_channel_read(&r, NULL, 0, &len));
	ASSERT_EQ(len, 0);
	/* Reserve, shrink at commit; cancel; peek and release. */
	ASSERT_OK(shmchan_channel_reserve(&w, 500, &slot));
	t_raw_fill(slot, 300, 3);
	ASSERT_ERR(shmchan_channel_commit(&w, 501), -EMSGSIZE);
	ASSERT_OK(shmchan_channel_commit(&w, 300));
	ASSERT_OK(shmchan_channel_reserve(&w, 50, &slot));
	ASSERT_OK(shmchan_channel_cancel(&w));
	ASSERT_OK(shmchan_channel_write(&w, "after", 5));
	ASSERT_OK(shmchan_channel_peek(&r, &view, &len));
	ASSERT_TRUE(len == 300 && t_raw_same(view, 300, 3));
	ASSERT_OK(shmchan_channel_release(&r));
	ASSERT_OK(shmchan_channel_read(&r, out, sizeof(out), &len));
	ASSERT_TRUE(len == 5 && memcmp(out, "after", 5) == 0);
	ASSERT_ERR(shmchan_channel_read(&r, out, sizeof(out), &len), -EAGAIN);
	/* Full: the largest record fits an empty ring, and a ring that holds
	 * one cannot take another. */
	ASSERT_OK(shmchan_channel_write(&w, in, max));
	ASSERT_ERR(shmchan_channel_write(&w, in, max), -EAGAIN);
	ASSERT_ERR(shmchan_channel_send(&w, in, max, 20), -ETIMEDOUT);
	ASSERT_OK(shmchan_channel_read(&r, out, sizeof(out), &len));
	ASSERT_OK(shmchan_channel_send(&w, in, max, 1000));
	shmchan_channel_close(&w);
	ASSERT_OK(shmchan_channel_read(&r, out, sizeof(out), &len));
	ASSERT_ERR(shmchan_channel_read(&r, out, sizeof(out), &len), -EPIPE);
	shmchan_channel_close(&r);
	shmchan_channel_unlink(name);
}

/* Records that wrap at every offset of a small ring, at positions around
 * 2^32, with every payload size that fits. */
static void test_wrap_everywhere(void)
{
	static const uint32_t starts[] = { 0, 0xFFFFFF00u, 0x7FFFFFC0u };
	const uint32_t size = 256, max = SHMCHAN_RECORD_MAX_LEN(256);
	size_t mem = shmchan__rring_memsize(size), len;
	unsigned char in[256], out[256];
	struct shmchan_ring r;
	unsigned si, off, seed = 0;
	void *m = NULL;

	ASSERT_EQ(posix_memalign(&m, 64, mem), 0);
	for (si = 0; si < 3; si++) {
		for (off = 0; off < size; off += 8) {
			uint32_t n;

			ASSERT_OK(shmchan__rring_init_at(m, mem, size, starts[si] + off));
			ASSERT_OK(shmchan__rring_attach(&r, m, mem));
			/* Each size in turn, several times round the ring. */
			for (n = 0; n <= max; n += 5) {
				t_raw_fill(in, n, seed);
				ASSERT_OK(shmchan__rring_push(&r, in, n));
				ASSERT_OK(shmchan__rring_pop(&r, out, sizeof(out), &len));
				ASSERT_EQ(len, n);
				ASSERT_TRUE(t_raw_same(out, n, seed));
				seed++;
			}
			/* Two records at once, the second wrapping. */
			ASSERT_OK(shmchan__rring_push(&r, in, 40));
			ASSERT_OK(shmchan__rring_push(&r, in, max - 40));
			ASSERT_OK(shmchan__rring_pop(&r, out, sizeof(out), &len));
			ASSERT_EQ(len, 40);
			ASSERT_OK(shmchan__rring_pop(&r, out, sizeof(out), &len));
			ASSERT_EQ(len, max - 40);
			ASSERT_EQ(shmchan__rring_depth_bytes(&r), 0);
		}
	}
	free(m);
}

/* A 76,816-byte frame, built in place and checked in place. */
static void test_frame_in_place(void)
{
	const char *name = t_name("recframe");
	struct shmchan_config cfg = rec(256 * 1024);
	struct shmchan_channel w, r;
	const void *view;
	void *slot;
	size_t len;
	unsigned f;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	for (f = 0; f < 20; f++) { /* enough to wrap the 256 KiB buffer */
		ASSERT_OK(shmchan_channel_reserve(&w, 76816, &slot));
		t_raw_fill(slot, 76816, f);
		ASSERT_OK(shmchan_channel_commit(&w, 76816));
		ASSERT_OK(shmchan_channel_peek(&r, &view, &len));
		ASSERT_EQ(len, 76816);
		ASSERT_TRUE(((uintptr_t)view & 7) == 0);
		ASSERT_TRUE(t_raw_same(view, 76816, f));
		ASSERT_OK(shmchan_channel_release(&r));
	}
	shmchan_channel_close(&w);
	shmchan_channel_close(&r);
	shmchan_channel_unlink(name);
}

/* Several producer processes, sizes from 0 to the largest. Messages of 8
 * bytes or more carry (producer, sequence); shorter ones are counted. */
#define MP_PRODUCERS 3
#define MP_EACH 20000
#define MP_BUF (64 * 1024)

static const char *g_name;
/* Payloads made of words that read as committed record headers (len and
 * stride vary): what a consumer trusting stale bytes would deliver. */
static int g_fake_headers;

static uint64_t fake_header(unsigned id, unsigned seq, size_t k)
{
	unsigned x = (unsigned)(seq + id * 5u + (unsigned)k);

	return SHMCHAN__REC_WORD(x % 8, 16 + 8 * (x % 4), SHMCHAN__REC_COMMITTED);
}

static void mp_fill(unsigned char *m, size_t n, unsigned id, unsigned seq)
{
	size_t k;

	if (!g_fake_headers) {
		t_raw_fill(m, n, id * 1000003u + seq);
		return;
	}
	for (k = 0; k < n; k++) {
		uint64_t w = fake_header(id, seq, k / 8);

		m[k] = ((const unsigned char *)&w)[k % 8];
	}
}

static int mp_same(const unsigned char *m, size_t n, unsigned id, unsigned seq)
{
	static unsigned char want[MP_BUF / 2];

	mp_fill(want, n, id, seq);
	return memcmp(m, want, n) == 0;
}

static size_t mp_len(unsigned id, unsigned seq)
{
	unsigned x = seq * 2654435761u + id * 40503u;

	if (seq % 97 == 0)
		return seq % 8; /* tiny, including empty */
	if (seq % 211 == 0)
		return SHMCHAN_RECORD_MAX_LEN(MP_BUF) - (x % 64); /* near the largest */
	return 8 + x % 600;
}

static int mp_producer(void *arg)
{
	static unsigned char m[MP_BUF / 2];
	unsigned id = (unsigned)(uintptr_t)arg, seq;
	struct shmchan_channel w;

	if (shmchan_channel_open_writer(&w, g_name, NULL))
		return 2;
	for (seq = 0; seq < MP_EACH; seq++) {
		size_t n = mp_len(id, seq);

		if (n >= 8) {
			memcpy(m, &id, 4);
			memcpy(m + 4, &seq, 4);
			mp_fill(m + 8, n - 8, id, seq);
		} else {
			memset(m, (int)('a' + id), n);
		}
		if (shmchan_channel_send(&w, m, n, 10000))
			return 3;
	}
	shmchan_channel_close(&w);
	return 0;
}

static void test_producers(void)
{
	static unsigned char buf[MP_BUF / 2];
	struct shmchan_config cfg = rec(MP_BUF);
	unsigned next[MP_PRODUCERS] = { 0 }, tiny[MP_PRODUCERS] = { 0 }, got = 0, i;
	struct shmchan_channel w, r;
	pid_t pids[MP_PRODUCERS];
	size_t len;

	g_name = t_name("recmp");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	for (i = 0; i < MP_PRODUCERS; i++)
		pids[i] = t_fork(mp_producer, (void *)(uintptr_t)i);
	/* The creator leaves once the producers hold the stream open (else the
	 * reader could see end of stream before they join). */
	T_WAIT_UNTIL(shmchan__writers_held(shmchan__hdr(T_H(&w)), shmchan__judge_of(T_H(&w)), 0) ==
			     MP_PRODUCERS + 1,
		     10000);
	shmchan_channel_close(&w);
	for (;;) {
		unsigned id, seq;
		int err = shmchan_channel_recv(&r, buf, sizeof(buf), &len, 10000);

		if (err == -EPIPE)
			break;
		ASSERT_OK(err);
		got++;
		if (len < 8) {
			if (len)
				ASSERT_TRUE(buf[0] >= 'a' && buf[0] < 'a' + MP_PRODUCERS);
			tiny[len ? buf[0] - 'a' : 0] += len ? 1 : 0;
			continue;
		}
		memcpy(&id, buf, 4);
		memcpy(&seq, buf + 4, 4);
		ASSERT_TRUE(id < MP_PRODUCERS);
		/* In order: everything this producer sent before is here. */
		while (next[id] < seq && mp_len(id, next[id]) < 8)
			next[id]++;
		if (seq != next[id])
			T_FAIL("producer %u: seq %u, expected %u", id, seq, next[id]);
		ASSERT_EQ(len, mp_len(id, seq));
		ASSERT_TRUE(mp_same(buf + 8, len - 8, id, seq));
		next[id]++;
	}
	for (i = 0; i < MP_PRODUCERS; i++)
		ASSERT_EQ(t_wait_child(pids[i], 10000), 0);
	ASSERT_EQ(got, MP_PRODUCERS * MP_EACH);
	printf("record producers: %u messages from %d processes, sizes 0 to %u, %s, all "
	       "checked\n",
	       got, MP_PRODUCERS, SHMCHAN_RECORD_MAX_LEN(MP_BUF),
	       g_fake_headers ? "payloads of fake headers" : "pseudo-random payloads");
	shmchan_channel_close(&r);
	shmchan_channel_unlink(g_name);
}

/* The same with payloads that look like headers: freed space keeps them
 * (rring_pvt.h), and the next lap's headers land on them; only what the
 * header map marks may be read as a header. */
static void test_producers_fake_headers(void)
{
	g_fake_headers = 1;
	test_producers();
	g_fake_headers = 0;
}

/*
 * The window between a producer's claim and its header: the place holds a
 * word an older record left, which reads as a committed header. The
 * consumer must wait there, not deliver it.
 */
static void test_stale_header_window(void)
{
	const uint32_t size = 256;
	size_t mem = shmchan__rring_memsize(size), len, k;
	struct shmchan_ring r;
	unsigned char out[256], fill[56];
	_Atomic uint64_t *w;
	uint64_t fake = SHMCHAN__REC_WORD(8, 16, SHMCHAN__REC_COMMITTED), claimed;
	_Atomic unsigned char *map;
	void *m = NULL, *slot;
	int i;

	ASSERT_EQ(posix_memalign(&m, 64, mem), 0);
	ASSERT_OK(shmchan__rring_init(m, mem, size));
	ASSERT_OK(shmchan__rring_attach(&r, m, mem));
	map = (_Atomic unsigned char *)(r.base + size);
	for (k = 0; k < sizeof(fill); k += 8)
		memcpy(fill + k, &fake, 8);
	/* A lap of 56-byte records (stride 64), every payload word a fake. */
	for (i = 0; i < 4; i++) {
		ASSERT_OK(shmchan__rring_push(&r, fill, sizeof(fill)));
		ASSERT_OK(shmchan__rring_pop(&r, out, sizeof(out), &len));
		ASSERT_EQ(len, sizeof(fill));
	}
	/* Freeing touched no payload byte: the fakes are still there. */
	ASSERT_TRUE(memcmp(r.base + 8, &fake, 8) == 0 && memcmp(r.base + 32, &fake, 8) == 0);
	/* Next lap, stride 32: the second record's header goes at offset 32,
	 * inside the first lap's payload. */
	ASSERT_OK(shmchan__rring_push(&r, "first record of 20 b", 20));
	ASSERT_OK(shmchan__rring_reserve(&r, 20, &slot));
	ASSERT_TRUE((unsigned char *)slot == r.base + 32 + SHMCHAN__REC_HDR);
	w = (_Atomic uint64_t *)(void *)(r.base + 32);
	claimed = atomic_load(w);
	/* Back to the moment after the claim, before the header: the old word
	 * in place, the map not marking it. */
	atomic_store(w, fake);
	atomic_store(&map[32 / 8], 0);
	ASSERT_OK(shmchan__rring_pop(&r, out, sizeof(out), &len));
	ASSERT_TRUE(len == 20 && memcmp(out, "first record of 20 b", 20) == 0);
	ASSERT_ERR(shmchan__rring_pop(&r, out, sizeof(out), &len), -EAGAIN);
	ASSERT_EQ(shmchan__rring_readable(&r), 0);
	/* The producer goes on: header, map, payload, commit. */
	atomic_store(w, claimed);
	atomic_store(&map[32 / 8], 1);
	memcpy(slot, "the real second one!", 20);
	ASSERT_OK(shmchan__rring_commit(&r, 20));
	ASSERT_EQ(shmchan__rring_readable(&r), 1);
	ASSERT_OK(shmchan__rring_pop(&r, out, sizeof(out), &len));
	ASSERT_TRUE(len == 20 && memcmp(out, "the real second one!", 20) == 0);
	ASSERT_ERR(shmchan__rring_pop(&r, out, sizeof(out), &len), -EAGAIN);
	/* Every header freed is unmarked; nothing else in the map is set. */
	for (k = 0; k < size / 8; k++)
		if (atomic_load(&map[k]))
			T_FAIL("map byte %zu (offset %zu) still marked", k, 8 * k);
	free(m);
}

/* Corrupt record headers, flags and positions of a real segment. */
static void test_hostile(void)
{
	int mode;

	for (mode = 0; mode < 7; mode++) {
		const char *name = t_name("rechost");
		struct shmchan_config cfg = rec(1024);
		struct shmchan_channel w, r;
		struct shmchan__rring_hdr *rh;
		_Atomic uint64_t *h0;
		unsigned char buf[1024];
		size_t len;
		int i, err;

		ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
		ASSERT_OK(shmchan_channel_write(&w, "first", 5));
		ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
		rh = (void *)((char *)T_H(&w)->hdr + SHMCHAN__HDR_SPACE);
		h0 = (_Atomic uint64_t *)(void *)rh->buf;
		switch (mode) {
		case 0: /* length beyond its stride */
			atomic_store(h0, SHMCHAN__REC_WORD(300, 16, SHMCHAN__REC_COMMITTED));
			break;
		case 1: /* stride beyond the end of the buffer */
			atomic_store(h0, SHMCHAN__REC_WORD(5, 1u << 20, SHMCHAN__REC_COMMITTED));
			break;
		case 2: /* unknown flag */
			atomic_store(h0, atomic_load(h0) | (1ull << 63));
			break;
		case 3: /* a zero stride (would loop in place) */
			atomic_store(h0, SHMCHAN__REC_WORD(0, 0, SHMCHAN__REC_COMMITTED));
			break;
		case 6: /* a length above the documented maximum (its stride
			 * inside the buffer): never delivered */
			atomic_store(h0, SHMCHAN__REC_WORD(SHMCHAN_RECORD_MAX_LEN(1024) + 1,
							   SHMCHAN_RECORD_MAX_LEN(1024) + 24,
							   SHMCHAN__REC_COMMITTED));
			break;
		case 4: /* positions: tail not aligned, head far away */
			atomic_store(&rh->tail, 12345);
			break;
		default: /* the ring header's size differs from the channel's */
			rh->size = 2048;
			break;
		}
		if (mode == 5) {
			struct shmchan_channel x;

			ASSERT_ERR(shmchan_channel_open_reader(&x, name, NULL), -EBADMSG);
			ASSERT_ERR(shmchan_channel_open_writer(&x, name, NULL), -EBADMSG);
		} else if (mode == 4) {
			err = shmchan_channel_write(&w, "x", 1);
			ASSERT_TRUE(err == -EBADMSG || err == -EAGAIN);
			for (i = 0; i < 5; i++) {
				err = shmchan_channel_read(&r, buf, sizeof(buf), &len);
				ASSERT_TRUE(err == 0 || err == -EAGAIN || err == -EBADMSG);
			}
		} else {
			memset(buf, 0x5a, sizeof(buf));
			ASSERT_ERR(shmchan_channel_read(&r, buf, 4, &len), -EBADMSG);
			ASSERT_EQ(buf[0], 0x5a); /* nothing copied */
			ASSERT_ERR(shmchan_channel_peek(&r, (const void **)&h0, &len), -EBADMSG);
			ASSERT_EQ(shmchan_channel_wait_readable(&r, 0),
				  0); /* reported, not hidden */
		}
		shmchan_channel_close(&w);
		shmchan_channel_close(&r);
		shmchan_channel_unlink(name);
	}
}

/* Skipping an abandoned record: refused once the record is committed (its
 * producer committed and died before clearing its claim), bounded by the
 * record's own header, and safe against a damaged head. */
static void test_skip_rules(void)
{
	size_t mem = shmchan__rring_memsize(256), len;
	struct shmchan_ring r;
	unsigned char out[256];
	void *m = NULL, *slot;

	ASSERT_EQ(posix_memalign(&m, 64, mem), 0);
	ASSERT_OK(shmchan__rring_init(m, mem, 256));
	ASSERT_OK(shmchan__rring_attach(&r, m, mem));
	ASSERT_OK(shmchan__rring_reserve(&r, 20, &slot)); /* stride 32 */
	memcpy(slot, "committed after all!", 20);
	ASSERT_OK(shmchan__rring_commit(&r, 20));
	ASSERT_ERR(shmchan__rring_skip_abandoned(&r, 0, 32), -EAGAIN);
	ASSERT_OK(shmchan__rring_pop(&r, out, sizeof(out), &len));
	ASSERT_TRUE(len == 20 && memcmp(out, "committed after all!", 20) == 0);
	/* A claimed record whose header says 32 bytes: a claim extent of 64
	 * (a stale, larger claim) does not make the skip overstep it. */
	ASSERT_OK(shmchan__rring_reserve(&r, 20, &slot));
	r.busy = 0; /* the producer "dies" holding it */
	ASSERT_OK(shmchan__rring_push(&r, "next", 4));
	ASSERT_OK(shmchan__rring_skip_abandoned(&r, 32, 64));
	ASSERT_OK(shmchan__rring_pop(&r, out, sizeof(out), &len));
	ASSERT_TRUE(len == 4 && memcmp(out, "next", 4) == 0);
	/* A misaligned head (damaged segment) is aligned down on reload, and
	 * nothing is freed outside the buffer. */
	atomic_store(&((struct shmchan__rring_hdr *)m)->head, 4092);
	shmchan__rring_load_head(&r);
	ASSERT_EQ(r.head & 7, 0);
	ASSERT_TRUE(shmchan__rring_skip_abandoned(&r, r.head, 8) <= 0);
	free(m);
}

/* A reader killed between unmarking a record (its header map byte) and
 * moving head past it: its note lets the next reader step over the span. */
static const char *g_rname;

static int reader_hangs(void *arg)
{
	struct shmchan_channel r;

	(void)arg;
	if (shmchan_channel_open_reader(&r, g_rname, NULL))
		return 2;
	for (;;)
		pause();
}

static void test_reader_died_while_freeing(void)
{
	struct shmchan_config cfg = rec(1024);
	struct shmchan_channel w, r;
	struct shmchan__chan_hdr *h;
	struct shmchan__rring_hdr *rh;
	unsigned char buf[64];
	size_t len;
	pid_t pid;

	g_rname = t_name("recfree");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_rname, &cfg));
	ASSERT_OK(shmchan_channel_write(&w, "first record", 12)); /* stride 24 */
	ASSERT_OK(shmchan_channel_write(&w, "second", 6));
	h = shmchan__hdr(T_H(&w));
	rh = (void *)((char *)T_H(&w)->hdr + SHMCHAN__HDR_SPACE);
	pid = t_fork(reader_hangs, NULL);
	T_WAIT_UNTIL(SHMCHAN__OWN_PID(atomic_load(&h->reader.owner)) != 0, 10000);
	/* What the reader would have done before dying: note, then clear the
	 * header's map byte (rring_pvt.h: the map follows the buffer). */
	atomic_store(&h->reader.aux, SHMCHAN__REC_MARK(0, 24));
	rh->buf[1024] = 0;
	kill(pid, SIGKILL);
	ASSERT_EQ(t_wait_child(pid, 10000), 128 + SIGKILL);
	ASSERT_OK(shmchan_channel_open_reader(&r, g_rname, NULL));
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_TRUE(len == 6 && memcmp(buf, "second", 6) == 0);
	shmchan_channel_close(&w);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EPIPE);
	shmchan_channel_close(&r);
	shmchan_channel_unlink(g_rname);
}

/*
 * wait_writable_len answers for the size asked, whatever earlier writes
 * were refused; wait_writable for an empty record.
 */
static void test_wait_writable_len(void)
{
	const char *name = t_name("recwait");
	struct shmchan_config cfg = rec(4096);
	static unsigned char in[4096], out[4096];
	size_t max = SHMCHAN_RECORD_MAX_LEN(4096), len;
	struct shmchan_channel w, r;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	ASSERT_OK(shmchan_channel_write(&w, in, 1000)); /* 1008 of 4096 used */
	ASSERT_OK(shmchan_channel_write(&w, in, max));	/* 1008 + 2048 */
	ASSERT_ERR(shmchan_channel_write(&w, in, max), -EAGAIN);
	ASSERT_ERR(shmchan_channel_wait_writable_len(&w, max, 0), -ETIMEDOUT);
	ASSERT_OK(shmchan_channel_write(&w, in, 500)); /* the smaller one fits */
	ASSERT_ERR(shmchan_channel_wait_writable_len(&w, max, 0), -ETIMEDOUT);
	ASSERT_OK(shmchan_channel_wait_writable_len(&w, 8, 0));
	ASSERT_OK(shmchan_channel_wait_writable(&w, 0));
	ASSERT_ERR(shmchan_channel_wait_writable_len(&w, max + 1, 0), -EMSGSIZE);
	ASSERT_OK(shmchan_channel_read(&r, out, sizeof(out), &len));
	ASSERT_EQ(len, 1000);
	ASSERT_OK(shmchan_channel_read(&r, out, sizeof(out), &len));
	ASSERT_EQ(len, max);
	ASSERT_OK(shmchan_channel_wait_writable_len(&w, max, 0));
	ASSERT_OK(shmchan_channel_send(&w, in, max, 1000));
	shmchan_channel_close(&w);
	shmchan_channel_close(&r);
	shmchan_channel_unlink(name);
}

static const struct t_case cases[] = {
	{ "basics", test_basics },
	{ "wrap_everywhere", test_wrap_everywhere },
	{ "frame_in_place", test_frame_in_place },
	{ "producers", test_producers },
	{ "producers_fake_headers", test_producers_fake_headers },
	{ "stale_header_window", test_stale_header_window },
	{ "hostile", test_hostile },
	{ "reader_died_while_freeing", test_reader_died_while_freeing },
	{ "skip_rules", test_skip_rules },
	{ "wait_writable_len", test_wait_writable_len },
};

int main(int argc, char **argv)
{
	t_watchdog(120);
	setvbuf(stdout, NULL, _IOLBF, 0);
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	printf("test_record: ok\n");
	return 0;
}
