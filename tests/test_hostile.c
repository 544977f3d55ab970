/* SPDX-License-Identifier: MIT */
/*
 * Shared memory is untrusted: every case corrupts a real channel segment the
 * way a bug or a hostile process could, and checks for the documented error,
 * with no access outside the mapping (run under ASan in CI) and no hang.
 */
#include <fcntl.h>

#include "channel_pvt.h"
#include "registry_pvt.h"
#include "t_util.h"

static const struct shmchan_config geo = { .slot_size = 128, .slot_count = 8 };

/* A fresh channel holding messages "m0".."m{n-1}"; its writer is closed. */
static const char *make_channel_cfg(int n, const struct shmchan_config *cfg)
{
	const char *name = t_name("hostile");
	struct shmchan_channel w;
	char msg[8];
	int i;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, cfg));
	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof(msg), "m%d", i);
		ASSERT_OK(shmchan_channel_write(&w, msg, strlen(msg)));
	}
	shmchan_channel_close(&w);
	return name;
}

static const char *make_channel(int n)
{
	return make_channel_cfg(n, &geo);
}

/* Map the channel's segment raw, to corrupt it. */
static struct shmchan__chan_hdr *raw(const char *name, struct shmchan_segment *seg)
{
	ASSERT_OK(shmchan_segment_open(seg, name));
	return seg->addr;
}

static struct shmchan__ring_hdr *raw_ring(struct shmchan__chan_hdr *h)
{
	return (struct shmchan__ring_hdr *)(void *)((char *)h + SHMCHAN__HDR_SPACE);
}

static int open_reader_err(const char *name, const struct shmchan_config *expect)
{
	struct shmchan_channel r;
	int err = shmchan_channel_open_reader(&r, name, expect);

	if (err == 0)
		shmchan_channel_close(&r);
	return err;
}

static void finish(const char *name, struct shmchan_segment *seg)
{
	shmchan_segment_close(seg);
	shmchan_segment_unlink(name);
}

static void test_header_fields(void)
{
	struct shmchan_segment s;
	const char *name;
	struct shmchan__chan_hdr *h;

	name = make_channel(0);
	h = raw(name, &s);
	atomic_store(&h->magic, 0x1122334455667788ull);
	ASSERT_ERR(open_reader_err(name, NULL), SHMCHAN_EBADMAGIC);
	finish(name, &s);

	name = make_channel(0);
	h = raw(name, &s);
	h->version = SHMCHAN__LAYOUT_VERSION + 1;
	ASSERT_ERR(open_reader_err(name, NULL), SHMCHAN_EVERSION);
	finish(name, &s);

	name = make_channel(0);
	h = raw(name, &s);
	h->kind = 77;
	ASSERT_ERR(open_reader_err(name, NULL), -EBADMSG);
	h->kind = SHMCHAN_KIND_BROADCAST; /* without a policy */
	ASSERT_ERR(open_reader_err(name, NULL), -EBADMSG);
	h->flags = SHMCHAN_POLICY_BLOCK; /* a known kind, but not its ring */
	ASSERT_ERR(open_reader_err(name, NULL), -EBADMSG);
	h->kind = SHMCHAN_KIND_SLOT; /* a policy on a slot channel */
	ASSERT_ERR(open_reader_err(name, NULL), -EBADMSG);
	h->kind = SHMCHAN_KIND_BROADCAST;
	{
		struct shmchan_config want_slot = { .kind = SHMCHAN_KIND_SLOT };

		ASSERT_ERR(open_reader_err(name, &want_slot), SHMCHAN_EKIND);
	}
	finish(name, &s);

	/* The article's reader trusted its own compile-time geometry. */
	name = make_channel(0);
	{
		struct shmchan_config other = { .slot_size = 4096, .slot_count = 8 };

		ASSERT_ERR(open_reader_err(name, &other), SHMCHAN_EGEOMETRY);
	}
	/* Geometry fields that contradict the sizes. */
	h = raw(name, &s);
	h->slot_count = 1024;
	ASSERT_ERR(open_reader_err(name, NULL), -EBADMSG);
	h->slot_count = 8;
	h->ring_size += 64;
	ASSERT_ERR(open_reader_err(name, NULL), -EBADMSG);
	h->ring_size -= 64;
	h->ring_offset = 64;
	ASSERT_ERR(open_reader_err(name, NULL), -EBADMSG);
	h->ring_offset = SHMCHAN__HDR_SPACE;
	h->slot_size = 0;
	ASSERT_ERR(open_reader_err(name, NULL), -EBADMSG);
	h->slot_size = 128;
	ASSERT_OK(open_reader_err(name, NULL));
	finish(name, &s);
}

static void test_consistent_lie(void)
{
	struct shmchan_segment s;
	const char *name = make_channel(0);
	struct shmchan__chan_hdr *h = raw(name, &s);
	size_t ring = shmchan_ring_memsize(128, 1024);

	/* A header that agrees with itself but promises more than the file:
	 * opening must not map or touch past the end. */
	h->slot_count = 1024;
	h->ring_size = ring;
	h->total_size = SHMCHAN__HDR_SPACE + ring;
	ASSERT_ERR(open_reader_err(name, NULL), SHMCHAN_ETRUNCATED);
	finish(name, &s);
}

static void test_ring_header(void)
{
	struct shmchan_segment s;
	const char *name = make_channel(0);
	struct shmchan__chan_hdr *h = raw(name, &s);
	struct shmchan__ring_hdr *rh = raw_ring(h);

	rh->g.magic ^= 1;
	ASSERT_ERR(open_reader_err(name, NULL), -EBADMSG);
	rh->g.magic ^= 1;
	rh->g.version = 5;
	ASSERT_ERR(open_reader_err(name, NULL), -EBADMSG);
	rh->g.version = SHMCHAN__RING_VERSION;
	/* Ring and channel disagree on geometry, both self-consistent. */
	rh->g.slot_count = 4;
	rh->g.mem_size = shmchan_ring_memsize(128, 4);
	ASSERT_ERR(open_reader_err(name, NULL), -EBADMSG);
	finish(name, &s);
}

static void test_truncated(void)
{
	struct shmchan_segment s;
	const char *name = make_channel(2);
	size_t full;

	raw(name, &s);
	full = s.size;
	ASSERT_OK(ftruncate(s.fd, (off_t)(full - 64)));
	ASSERT_ERR(open_reader_err(name, NULL), SHMCHAN_ETRUNCATED);
	ASSERT_OK(ftruncate(s.fd, 100)); /* shorter than the header */
	ASSERT_ERR(open_reader_err(name, NULL), SHMCHAN_ETRUNCATED);
	ASSERT_OK(ftruncate(s.fd, 4)); /* not even a magic */
	ASSERT_ERR(open_reader_err(name, NULL), SHMCHAN_EBADMAGIC);
	finish(name, &s);
}

static void test_foreign_files(void)
{
	const char *name = t_name("foreign");
	struct shmchan_segment s;
	unsigned i;

	/* Zero-filled: looks like a channel still being created. */
	ASSERT_OK(shmchan_segment_create(&s, name, 16384, 0));
	ASSERT_ERR(open_reader_err(name, NULL), -EAGAIN);
	/* Random bytes: not ours. */
	srand(7);
	for (i = 0; i < s.size; i++)
		((unsigned char *)s.addr)[i] = (unsigned char)rand();
	ASSERT_ERR(open_reader_err(name, NULL), SHMCHAN_EBADMAGIC);
	finish(name, &s);
}

/* Corrupt the length, flags or sequence of a queued slot. */
static void test_slot_fields(void)
{
	int mode;

	for (mode = 0; mode < 4; mode++) {
		struct shmchan_segment s;
		const char *name = make_channel(3);
		struct shmchan__chan_hdr *h = raw(name, &s);
		struct shmchan__ring_hdr *rh = raw_ring(h);
		struct shmchan__slot *slot0 = (struct shmchan__slot *)(void *)rh->slots;
		struct shmchan_channel r;
		unsigned char small_buf[4], buf[128];
		const void *view;
		size_t len;

		if (mode == 0)
			atomic_store(&slot0->len, 300); /* > slot: 300 into a 4-byte buffer */
		else if (mode == 1)
			atomic_store(&slot0->len, 0x80000000u);
		else if (mode == 2)
			atomic_store(&slot0->flags, 0xF0u);
		else
			atomic_store(&slot0->seq, 12345);
		ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
		memset(small_buf, 0x55, sizeof(small_buf));
		if (mode % 2)
			ASSERT_ERR(shmchan_channel_peek(&r, &view, &len), -EBADMSG);
		else
			ASSERT_ERR(shmchan_channel_read(&r, small_buf, sizeof(small_buf), &len),
				   -EBADMSG);
		ASSERT_EQ(small_buf[0], 0x55);
		/* Not wedged: the next message reads normally. */
		ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
		ASSERT_TRUE(len == 2 && memcmp(buf, "m1", 2) == 0);
		/* A buffer too small: needed size reported, message kept. */
		ASSERT_ERR(shmchan_channel_read(&r, small_buf, 1, &len), -EMSGSIZE);
		ASSERT_EQ(len, 2);
		ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
		ASSERT_TRUE(len == 2 && memcmp(buf, "m2", 2) == 0);
		ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EPIPE);
		shmchan_channel_close(&r);
		finish(name, &s);
	}
}

/* Positions overwritten with garbage: every call returns, depth stays sane. */
static void test_positions(void)
{
	static const uint32_t junk[] = { 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu, 12345u };
	size_t i;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		struct shmchan_segment s;
		const char *name = make_channel(5);
		struct shmchan__ring_hdr *rh = raw_ring(raw(name, &s));
		struct shmchan_channel w, r;
		unsigned char buf[128];
		size_t len;
		int k, err, d;

		atomic_store(&rh->head, junk[i]);
		atomic_store(&rh->tail, junk[(i + 1) % 4]);
		ASSERT_OK(shmchan_channel_open_writer(&w, name, NULL));
		ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
		for (k = 0; k < 40; k++) {
			err = shmchan_channel_write(&w, "z", 1);
			ASSERT_TRUE(err == 0 || err == -EAGAIN || err == -EBADMSG);
			err = shmchan_channel_read(&r, buf, sizeof(buf), &len);
			ASSERT_TRUE(err == 0 || err == -EAGAIN || err == -EBADMSG);
			/* Whatever is delivered is a message somebody wrote. */
			if (err == 0)
				ASSERT_TRUE((len == 1 && buf[0] == 'z') ||
					    (len == 2 && buf[0] == 'm' && buf[1] >= '0' &&
					     buf[1] <= '4'));
			d = shmchan_channel_depth(&r);
			ASSERT_TRUE(d >= 0 && d <= 8);
		}
		ASSERT_TRUE(shmchan_channel_wait_readable(&r, 0) == 0 ||
			    shmchan_channel_wait_readable(&r, 0) == -ETIMEDOUT);
		shmchan_channel_close(&w);
		shmchan_channel_close(&r);
		finish(name, &s);
	}
}

static struct shmchan__slot *slot_n(struct shmchan__ring_hdr *rh, uint32_t i)
{
	return (struct shmchan__slot *)(void *)(rh->slots + (size_t)i * (size_t)rh->g.stride);
}

static void read_expect(struct shmchan_channel *r, const char *want)
{
	unsigned char buf[128];
	size_t len;
	int err = shmchan_channel_read(r, buf, sizeof(buf), &len);

	if (err)
		T_FAIL("read: %s, expected \"%s\"", shmchan_strerror(err), want);
	if (len != strlen(want) || memcmp(buf, want, len) != 0)
		T_FAIL("read \"%.*s\", expected \"%s\"", (int)len, buf, want);
}

/* A sequence "behind" the head is corrupt, not "not yet committed". */
static void test_seq_behind(void)
{
	struct shmchan_segment s;
	const char *name = make_channel(3);
	struct shmchan__ring_hdr *rh = raw_ring(raw(name, &s));
	struct shmchan_channel r;
	unsigned char buf[8];
	size_t len;

	atomic_store(&slot_n(rh, 0)->seq, 0xFFFFFFF0u);
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	ASSERT_OK(shmchan_channel_wait_readable(&r, 0)); /* reported, not hidden */
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EBADMSG);
	read_expect(&r, "m1");
	read_expect(&r, "m2");
	shmchan_channel_close(&r);
	finish(name, &s);
}

/* A corrupt slot at a position nobody claimed is repaired, not consumed:
 * head must not run past tail. */
static void test_unclaimed_corrupt(void)
{
	struct shmchan_segment s;
	const char *name = make_channel(0);
	struct shmchan__ring_hdr *rh = raw_ring(raw(name, &s));
	struct shmchan_channel w, r;
	unsigned char buf[8];
	size_t len;
	int i;

	atomic_store(&slot_n(rh, 0)->seq, 77);
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	ASSERT_OK(shmchan_channel_open_writer(&w, name, NULL));
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EBADMSG);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EAGAIN);
	for (i = 0; i < 20; i++) {
		ASSERT_OK(shmchan_channel_write(&w, "x", 1));
		read_expect(&r, "x");
	}
	shmchan_channel_close(&w);
	shmchan_channel_close(&r);
	finish(name, &s);
}

/* A reader that dies between giving a slot back and moving head: the next
 * reader steps over that slot, whether or not a producer reused it. */
static void test_reader_died_mid_consume(void)
{
	int reuse;

	for (reuse = 0; reuse < 2; reuse++) {
		struct shmchan_segment s;
		const char *name = make_channel(8); /* full: m0..m7 */
		struct shmchan__ring_hdr *rh = raw_ring(raw(name, &s));
		struct shmchan_channel w, r;
		char want[8];
		size_t len;
		int i;

		ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
		read_expect(&r, "m0");
		shmchan_channel_close(&r);
		if (reuse) {
			ASSERT_OK(shmchan_channel_open_writer(&w, name, NULL));
			ASSERT_OK(shmchan_channel_write(&w, "m8", 2)); /* into slot 0 */
			shmchan_channel_close(&w);
		}
		atomic_store(&rh->head, 0); /* as if C4 never happened */
		ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
		for (i = 1; i < 8 + reuse; i++) {
			snprintf(want, sizeof(want), "m%d", i);
			read_expect(&r, want);
		}
		ASSERT_ERR(shmchan_channel_read(&r, want, sizeof(want), &len), -EPIPE);
		shmchan_channel_close(&r);
		finish(name, &s);
	}
}

/* A process rewrites header and ring-header fields while we open in a loop:
 * the checked values are the used values, so nothing reaches past the file. */
static int flipper(void *arg)
{
	const char *name = arg;
	struct shmchan_segment s;
	struct shmchan__chan_hdr *h;
	struct shmchan__ring_hdr *rh;
	uint64_t good_off, good_size;
	unsigned i;

	if (shmchan_segment_open(&s, name) != 0)
		return 2;
	h = s.addr;
	rh = raw_ring(h);
	good_off = h->ring_offset;
	good_size = h->ring_size;
	for (i = 0;; i++) {
		h->ring_offset = (i & 1) ? (1ull << 40) : good_off;
		h->ring_size = (i & 2) ? (1ull << 40) : good_size;
		h->slot_count = (i & 4) ? (1u << 20) : 8;
		rh->g.slot_count = (i & 8) ? (1u << 20) : 8;
		rh->g.mem_size = (i & 16) ? shmchan_ring_memsize(128, 1u << 20)
					  : shmchan_ring_memsize(128, 8);
	}
	return 0;
}

static void test_concurrent_header_rewrite(void)
{
	const char *name = make_channel(2);
	struct shmchan_channel r;
	unsigned i, opened = 0;
	pid_t pid = t_fork(flipper, (void *)name);
	int64_t end = t_now_ns() + 2000000000LL;

	for (i = 0; i < 20000 && t_now_ns() < end; i++) {
		int err = shmchan_channel_open_reader(&r, name, NULL);

		if (err == 0) {
			const void *view;
			size_t len;

			opened++;
			/* The handle holds the geometry that was checked. */
			ASSERT_TRUE(T_H(&r)->ring.slot_count == 8 &&
				    T_H(&r)->ring.slot_size == 128);
			err = shmchan_channel_peek(&r, &view, &len);
			ASSERT_TRUE(err == 0 || err == -EAGAIN || err == -EPIPE);
			if (err == 0)
				ASSERT_TRUE(len == 2 && memcmp(view, "m", 1) == 0);
			shmchan_channel_close(&r);
		} else {
			ASSERT_TRUE(err == -EBADMSG || err == SHMCHAN_ETRUNCATED);
		}
	}
	kill(pid, SIGKILL);
	t_wait_child(pid, 5000);
	printf("concurrent rewrite: %u opens, %u succeeded\n", i, opened);
	shmchan_segment_unlink(name);
}

/* Random corruption of header and ring bytes: only documented results. */
/* Random bytes of a channel of @cfg overwritten, then opened, read and
 * written: every call returns a documented error, nothing crashes or hangs
 * (the watchdog bounds the whole). Broadcast readers subscribe from the
 * oldest message, so that they read the messages there. */
static void fuzz(const struct shmchan_config *cfg, unsigned iters)
{
	int bc = cfg->kind == SHMCHAN_KIND_BROADCAST;
	unsigned iter;

	srand(1234);
	for (iter = 0; iter < iters; iter++) {
		struct shmchan_segment s;
		const char *name = make_channel_cfg(4, cfg);
		unsigned char *p = (unsigned char *)raw(name, &s), buf[128];
		struct shmchan_channel r, w;
		int k, err;
		size_t len;

		for (k = 0; k < 1 + rand() % 6; k++) {
			/* Bias toward the header, ring header and first slots. */
			size_t span = (rand() & 1) ? 512 : s.size;
			size_t off = (size_t)rand() % span;

			if (rand() & 1)
				off = SHMCHAN__HDR_SPACE + (size_t)rand() % 1024;
			if (off < s.size)
				p[off] = (unsigned char)rand();
		}
		err = bc ? shmchan_channel_subscribe(&r, name, NULL, SHMCHAN_SUB_OLDEST)
			 : shmchan_channel_open_reader(&r, name, NULL);
		if (err == 0) {
			for (k = 0; k < 12; k++) {
				err = shmchan_channel_read(&r, buf, sizeof(buf), &len);
				ASSERT_TRUE(err == 0 || err == -EAGAIN || err == -EBADMSG ||
					    err == -EPIPE || err == -ESTALE ||
					    (bc && err == SHMCHAN_ELOST));
				if (err == 0)
					ASSERT_TRUE(len <= sizeof(buf));
			}
			if (shmchan_channel_open_writer(&w, name, NULL) == 0) {
				for (k = 0; k < 12; k++) {
					err = shmchan_channel_write(&w, buf, 16);
					ASSERT_TRUE(err == 0 || err == -EAGAIN || err == -EBADMSG ||
						    err == -ESTALE);
				}
				shmchan_channel_close(&w);
			}
			shmchan_channel_close(&r);
		} else {
			ASSERT_TRUE(err == SHMCHAN_EBADMAGIC || err == SHMCHAN_EVERSION ||
				    err == -EBADMSG || err == SHMCHAN_ETRUNCATED ||
				    err == -ENOTSUP || err == -EBUSY || err == -EAGAIN ||
				    err == -EUSERS || err == SHMCHAN_EKIND);
		}
		finish(name, &s);
		t_nnames = 0; /* each name was unlinked just now */
	}
}

/* A broadcast ring whose 64-bit tail or slot sequences were set to huge
 * values: writes and reads report -EBADMSG (or lose the messages), and
 * nothing hangs. */
static void test_broadcast_positions(void)
{
	const struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
					    .slot_size = 128,
					    .slot_count = 8,
					    .policy = SHMCHAN_POLICY_OVERWRITE };
	struct shmchan_segment s;
	const char *name = make_channel_cfg(4, &cfg);
	struct shmchan__chan_hdr *h = raw(name, &s);
	struct shmchan__bring_hdr *bh = (void *)((char *)h + SHMCHAN__HDR_SPACE);
	struct shmchan__bslot *slot0 = (void *)bh->slots;
	struct shmchan_channel w, r;
	unsigned char buf[128];
	size_t len;
	int k, err;

	ASSERT_OK(shmchan_channel_subscribe(&r, name, NULL, SHMCHAN_SUB_OLDEST));
	ASSERT_OK(shmchan_channel_open_writer(&w, name, NULL));
	atomic_store(&slot0->seq, ~0ull); /* a position beyond any tail */
	for (k = 0; k < 4; k++) {
		err = shmchan_channel_read(&r, buf, sizeof(buf), &len);
		ASSERT_TRUE(err == 0 || err == -EBADMSG || err == SHMCHAN_ELOST);
	}
	atomic_store(&bh->tail, 1ull << 62);
	ASSERT_ERR(shmchan_channel_write(&w, "x", 1), -EBADMSG);
	for (k = 0; k < 4; k++) {
		err = shmchan_channel_read(&r, buf, sizeof(buf), &len);
		ASSERT_TRUE(err == -EAGAIN || err == -EBADMSG || err == SHMCHAN_ELOST);
	}
	shmchan_channel_close(&w);
	shmchan_channel_close(&r);
	finish(name, &s);
	printf("broadcast positions: huge sequences and tail give errors\n");
}

/*
 * Every slot of a broadcast ring rewritten to a position far ahead of the
 * tail (near 2^40, DONE): a subscriber from the oldest message gets errors
 * at once, never a hang, and each call is bounded (a lap of 16,384 slots,
 * where a read once walked (N+1)(N+2) steps).
 */
static void test_broadcast_far_ahead(void)
{
	const struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
					    .slot_size = 1,
					    .slot_count = 16384 };
	struct shmchan_segment s;
	const char *name = make_channel_cfg(0, &cfg);
	struct shmchan__chan_hdr *h = raw(name, &s);
	struct shmchan__bring_hdr *bh = (void *)((char *)h + SHMCHAN__HDR_SPACE);
	struct shmchan_channel r;
	unsigned char buf[8];
	int64_t t0 = t_now_ns();
	size_t len;
	uint32_t i;
	int k, err;

	for (i = 0; i < cfg.slot_count; i++) {
		struct shmchan__bslot *sl = (void *)(bh->slots + (size_t)i * bh->g.stride);

		atomic_store(&sl->seq, SHMCHAN__BSEQ((1ull << 40) + i, SHMCHAN__BS_DONE));
	}
	ASSERT_OK(shmchan_channel_subscribe(&r, name, NULL, SHMCHAN_SUB_OLDEST));
	for (k = 0; k < 8; k++) {
		err = shmchan_channel_read(&r, buf, sizeof(buf), &len);
		ASSERT_TRUE(err == -EBADMSG || err == -EAGAIN || err == SHMCHAN_ELOST);
	}
	err = shmchan_channel_recv(&r, buf, sizeof(buf), &len, 0);
	ASSERT_TRUE(err == -EBADMSG || err == -ETIMEDOUT || err == SHMCHAN_ELOST);
	err = shmchan_channel_recv(&r, buf, sizeof(buf), &len, 20);
	ASSERT_TRUE(err == -EBADMSG || err == -ETIMEDOUT || err == SHMCHAN_ELOST);
	err = shmchan_channel_wait_readable(&r, 0);
	ASSERT_TRUE(err == 0 || err == -ETIMEDOUT);
	shmchan_channel_close(&r);
	finish(name, &s);
	printf("broadcast far ahead: errors in %.3f s\n", t_secs_since(t0));
}

/*
 * A work queue whose every slot looks held and stepped over, with head far
 * ahead: a write steps over at most a lap of slots, then reports full (it
 * once looped about 2^31 times, rebuilding the state it stepped over).
 */
static void test_workqueue_all_held(void)
{
	const struct shmchan_config cfg = { .kind = SHMCHAN_KIND_WORKQUEUE,
					    .slot_size = 16,
					    .slot_count = 8 };
	struct shmchan_segment s;
	const char *name = make_channel_cfg(0, &cfg);
	struct shmchan__chan_hdr *h = raw(name, &s);
	struct shmchan__ring_hdr *rh = raw_ring(h);
	struct shmchan_channel w;
	int64_t t0 = t_now_ns();
	uint32_t i;
	int k, err;

	for (i = 0; i < cfg.slot_count; i++)
		atomic_store(&slot_n(rh, i)->seq, i - cfg.slot_count + 0x80000000u);
	atomic_store(&rh->head, 0x80000000u - cfg.slot_count - 1);
	ASSERT_OK(shmchan_channel_open_writer(&w, name, NULL));
	for (k = 0; k < 4; k++) {
		err = shmchan_channel_write(&w, "x", 1);
		ASSERT_TRUE(err == -EAGAIN || err == -EBADMSG || err == 0);
	}
	shmchan_channel_close(&w);
	finish(name, &s);
	printf("work queue, every slot held: bounded writes (%.3f s)\n", t_secs_since(t0));
}

static void test_fuzz(void)
{
	const struct shmchan_config bc_block = { .kind = SHMCHAN_KIND_BROADCAST,
						 .slot_size = 128,
						 .slot_count = 8 };
	const struct shmchan_config bc_over = { .kind = SHMCHAN_KIND_BROADCAST,
						.slot_size = 128,
						.slot_count = 8,
						.policy = SHMCHAN_POLICY_OVERWRITE };
	const struct shmchan_config wq = { .kind = SHMCHAN_KIND_WORKQUEUE,
					   .slot_size = 128,
					   .slot_count = 8 };

	fuzz(&geo, 1000);
	fuzz(&bc_block, 500);
	fuzz(&bc_over, 500);
	fuzz(&wq, 500);
}

static const struct t_case cases[] = {
	{ "header_fields", test_header_fields },
	{ "consistent_lie", test_consistent_lie },
	{ "ring_header", test_ring_header },
	{ "truncated", test_truncated },
	{ "foreign_files", test_foreign_files },
	{ "slot_fields", test_slot_fields },
	{ "positions", test_positions },
	{ "seq_behind", test_seq_behind },
	{ "unclaimed_corrupt", test_unclaimed_corrupt },
	{ "reader_died_mid_consume", test_reader_died_mid_consume },
	{ "concurrent_header_rewrite", test_concurrent_header_rewrite },
	{ "broadcast_positions", test_broadcast_positions },
	{ "broadcast_far_ahead", test_broadcast_far_ahead },
	{ "workqueue_all_held", test_workqueue_all_held },
	{ "fuzz", test_fuzz },
};

int main(int argc, char **argv)
{
	t_watchdog(120);
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	printf("test_hostile: ok\n");
	return 0;
}
