/* SPDX-License-Identifier: MIT */
/*
 * Shared memory is untrusted: every case corrupts a real channel segment the
 * way a bug or a hostile process could, and checks for the documented error,
 * with no access outside the mapping (run under ASan in CI) and no hang.
 */
#include <fcntl.h>

#include "channel_pvt.h"
#include "t_util.h"

static const struct shmchan_config geo = { .slot_size = 128, .slot_count = 8 };

/* A fresh channel holding messages "m0".."m{n-1}"; its writer is closed. */
static const char *make_channel(int n)
{
	const char *name = t_name("hostile");
	struct shmchan_channel w;
	char msg[8];
	int i;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &geo));
	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof(msg), "m%d", i);
		ASSERT_OK(shmchan_channel_write(&w, msg, strlen(msg)));
	}
	shmchan_channel_close(&w);
	return name;
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
	h->version = 2;
	ASSERT_ERR(open_reader_err(name, NULL), SHMCHAN_EVERSION);
	finish(name, &s);

	name = make_channel(0);
	h = raw(name, &s);
	h->kind = 77;
	ASSERT_ERR(open_reader_err(name, NULL), -EBADMSG);
	h->kind = 3; /* a known kind this build does not serve */
	ASSERT_ERR(open_reader_err(name, NULL), -ENOTSUP);
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

	rh->magic ^= 1;
	ASSERT_ERR(open_reader_err(name, NULL), -EBADMSG);
	rh->magic ^= 1;
	rh->version = 5;
	ASSERT_ERR(open_reader_err(name, NULL), -EBADMSG);
	rh->version = SHMCHAN__RING_VERSION;
	/* Ring and channel disagree on geometry, both self-consistent. */
	rh->slot_count = 4;
	rh->mem_size = shmchan_ring_memsize(128, 4);
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
		ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EAGAIN);
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

/* Random corruption of header and ring bytes: only documented results. */
static void test_fuzz(void)
{
	unsigned iter, iters = 1000;

	srand(1234);
	for (iter = 0; iter < iters; iter++) {
		struct shmchan_segment s;
		const char *name = make_channel(4);
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
		err = shmchan_channel_open_reader(&r, name, NULL);
		if (err == 0) {
			for (k = 0; k < 12; k++) {
				err = shmchan_channel_read(&r, buf, sizeof(buf), &len);
				ASSERT_TRUE(err == 0 || err == -EAGAIN || err == -EBADMSG);
				if (err == 0)
					ASSERT_TRUE(len <= sizeof(buf));
			}
			if (shmchan_channel_open_writer(&w, name, NULL) == 0) {
				for (k = 0; k < 12; k++) {
					err = shmchan_channel_write(&w, buf, 16);
					ASSERT_TRUE(err == 0 || err == -EAGAIN || err == -EBADMSG);
				}
				shmchan_channel_close(&w);
			}
			shmchan_channel_close(&r);
		} else {
			ASSERT_TRUE(err == SHMCHAN_EBADMAGIC || err == SHMCHAN_EVERSION ||
				    err == -EBADMSG || err == SHMCHAN_ETRUNCATED ||
				    err == -ENOTSUP || err == -EBUSY || err == -EAGAIN);
		}
		finish(name, &s);
		t_nnames = 0; /* each name was unlinked just now */
	}
}

int main(void)
{
	t_watchdog(120);
	test_header_fields();
	test_consistent_lie();
	test_ring_header();
	test_truncated();
	test_foreign_files();
	test_slot_fields();
	test_positions();
	test_fuzz();
	printf("test_hostile: ok\n");
	return 0;
}
