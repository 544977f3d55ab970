/* SPDX-License-Identifier: MIT */
/*
 * Channels in newosp's format (newosp.h): the layouts byte by byte, both
 * directions between a shmchan process and a process speaking newosp's
 * protocol (osp_fixture.h) with every byte checked, the wrap of the uint32
 * positions, and every corruption of positions, sequences, sizes and
 * lengths giving an error.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../examples/video/frame.h"
#include "osp_fixture.h"
#include "shmchan.h"
#include "t_util.h"

/* Frames each direction carries (the article's 76,816 bytes). */
#define FRAMES 400
/* Messages of the byte-channel cases. */
#define BYTE_MSGS 3000

/* newosp names ("osp_shm_" + name), removed at exit. */
static char osp_names[16][96];
static int osp_n;
static pid_t osp_owner;

static void osp_cleanup(void)
{
	int i;

	if (getpid() != osp_owner)
		return;
	for (i = 0; i < osp_n; i++)
		shmchan_osp_unlink(osp_names[i]);
}

static const char *osp_name(const char *tag)
{
	static unsigned counter;

	if (osp_n == 16)
		T_FAIL("too many names");
	if (!osp_owner) {
		osp_owner = getpid();
		atexit(osp_cleanup);
	}
	snprintf(osp_names[osp_n], sizeof(osp_names[0]), "t.%s.%d.%u", tag, (int)getpid(),
		 counter++);
	return osp_names[osp_n++];
}

static struct shmchan_osp_config slot_cfg(uint32_t size, uint32_t count)
{
	struct shmchan_osp_config c;

	memset(&c, 0, sizeof(c));
	c.format = SHMCHAN_OSP_SLOT;
	c.slot_size = size;
	c.slot_count = count;
	c.wait = SHMCHAN_WAIT_BACKOFF;
	return c;
}

static struct shmchan_osp_config bytes_cfg(uint32_t capacity)
{
	struct shmchan_osp_config c;

	memset(&c, 0, sizeof(c));
	c.format = SHMCHAN_OSP_BYTES;
	c.capacity = capacity;
	return c;
}

static off_t file_size(const char *name)
{
	char path[160];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/shm/osp_shm_%s", name);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Message @i of the byte cases: a length from 1 to ~5000 that moves the
 * wrap point around, bytes derived from i. */
static uint32_t msg_len(uint32_t i)
{
	return 1 + (i * 2654435761u) % 4999;
}

static void msg_fill(unsigned char *buf, uint32_t i, uint32_t len)
{
	uint32_t k;

	for (k = 0; k < len; k++)
		buf[k] = (unsigned char)(i * 31 + k);
}

static int msg_ok(const unsigned char *buf, uint32_t i, size_t len)
{
	size_t k;

	if (len != msg_len(i))
		return 0;
	for (k = 0; k < len; k++)
		if (buf[k] != (unsigned char)(i * 31 + k))
			return 0;
	return 1;
}

/* The object's uint32 at byte @off, and a store of one. */
static uint32_t u32_at(const struct fx *f, size_t off)
{
	uint32_t v;

	memcpy(&v, (const char *)f->base + off, 4);
	return v;
}

static void set_u32(const struct fx *f, size_t off, uint32_t v)
{
	memcpy((char *)f->base + off, &v, 4);
}

/* --- layout --- */

static void test_layout(void)
{
	const char *name = osp_name("layout");
	struct shmchan_osp_config c = slot_cfg(81920, 16);
	struct shmchan_channel w;
	struct fx f;
	uint64_t size;
	void *p;
	uint32_t i;

	/* ShmChannel<81920, 16>: stride 81928, 68 + 16 * 81928 = 1310916,
	 * to 64: 1310976, to 4096: 1314816. */
	ASSERT_EQ(fx_stride(81920), 81928u);
	ASSERT_EQ(fx_slot_bytes(81920, 16), 1314816u);
	ASSERT_OK(shmchan_osp_size(&c, &size));
	ASSERT_EQ(size, 1314816u);
	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	ASSERT_EQ(file_size(name), 1314816);
	ASSERT_OK(fx_slot_open(&f, name, 81920, 16, 0));
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(atomic_load(&fx_slot(&f, i)->sequence), i);
		ASSERT_EQ(fx_slot(&f, i)->size, 0u);
	}
	ASSERT_EQ(atomic_load(&fx_ring(&f)->producer_pos), 0u);
	ASSERT_EQ(atomic_load(&fx_ring(&f)->consumer_pos), 0u);
	/* A write lands where newosp reads it: slot 0 at 68, data at 76. */
	ASSERT_OK(shmchan_channel_write(&w, "abc", 3));
	ASSERT_EQ(atomic_load(&fx_ring(&f)->producer_pos), 1u);
	ASSERT_EQ(u32_at(&f, 68), 1u);
	ASSERT_EQ(u32_at(&f, 72), 3u);
	ASSERT_EQ(memcmp((char *)f.base + 76, "abc", 3), 0);
	/* A reservation is slot 1's data, at 68 + 81928 + 8. */
	ASSERT_OK(shmchan_channel_reserve(&w, 5, &p));
	memcpy(p, "hello", 5);
	ASSERT_EQ(memcmp((char *)f.base + 68 + 81928 + 8, "hello", 5), 0);
	ASSERT_EQ(u32_at(&f, 68 + 81928), 1u); /* not yet published */
	ASSERT_OK(shmchan_channel_commit(&w, 5));
	ASSERT_EQ(u32_at(&f, 68 + 81928), 2u);
	ASSERT_EQ(u32_at(&f, 68 + 81928 + 4), 5u);
	ASSERT_EQ(shmchan_channel_depth(&w), 2);
	ASSERT_EQ(shmchan_channel_capacity(&w), 16);
	fx_unmap(&f);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_osp_unlink(name));

	/* A slot size that is not a multiple of 4: stride rounds up. */
	c = slot_cfg(5, 4);
	ASSERT_OK(shmchan_osp_size(&c, &size));
	ASSERT_EQ(fx_stride(5), 16u);
	ASSERT_EQ(size, 4096u);

	/* ShmByteChannel: 1 MiB asks for 1 MiB + 16, paged: 1 MiB + 4096,
	 * capacity 1 MiB; 64 asks for 80, paged 4096, capacity 2048. */
	name = osp_name("layoutb");
	c = bytes_cfg(0);
	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	ASSERT_EQ(file_size(name), (1 << 20) + 4096);
	ASSERT_OK(fx_bytes_open(&f, name, 0, 0));
	ASSERT_EQ(fx_bytes(&f)->capacity, 1u << 20);
	ASSERT_EQ(shmchan_channel_capacity(&w), 1 << 20);
	ASSERT_OK(shmchan_channel_write(&w, "xyz", 3));
	ASSERT_EQ(atomic_load(&fx_bytes(&f)->head), 7u);
	ASSERT_EQ(u32_at(&f, 16), 3u);
	ASSERT_EQ(memcmp((char *)f.base + 20, "xyz", 3), 0);
	ASSERT_EQ(shmchan_channel_depth_bytes(&w), 7);
	fx_unmap(&f);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_osp_unlink(name));
	c = bytes_cfg(64);
	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	ASSERT_EQ(file_size(name), 4096);
	ASSERT_EQ(shmchan_channel_capacity(&w), 2048);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_osp_unlink(name));
}

/* --- the API's edges --- */

static void test_api(void)
{
	const char *name = osp_name("api");
	struct shmchan_osp_config c = slot_cfg(64, 8);
	struct shmchan_channel w, r;
	struct shmchan_config cfg;
	struct shmchan_info info;
	uint64_t lost;
	const void *view;
	void *p;
	size_t len;
	char buf[64];

	/* Bad configurations. */
	c.slot_count = 6;
	ASSERT_ERR(shmchan_osp_create(&w, name, &c), -EINVAL);
	c.slot_count = 1; /* free and full look alike */
	ASSERT_ERR(shmchan_osp_create(&w, name, &c), -EINVAL);
	c = slot_cfg(0, 8);
	ASSERT_ERR(shmchan_osp_create(&w, name, &c), -EINVAL);
	c = slot_cfg(64, 8);
	c.reserved[3] = 1;
	ASSERT_ERR(shmchan_osp_create(&w, name, &c), -EINVAL);
	c = slot_cfg(64, 8);
	c.format = 9;
	ASSERT_ERR(shmchan_osp_create(&w, name, &c), -EINVAL);
	c = slot_cfg(1u << 30, 4);
	ASSERT_ERR(shmchan_osp_create(&w, name, &c), -EFBIG);
	c = bytes_cfg(32);
	ASSERT_ERR(shmchan_osp_create(&w, name, &c), -EINVAL);
	c = slot_cfg(64, 8);
	ASSERT_ERR(shmchan_osp_create(&w, "bad/name", &c), -EINVAL);
	ASSERT_ERR(shmchan_osp_open_reader(&r, name, &c), -ENOENT);
	c.stuck_ms = 10; /* a reader's option */
	ASSERT_ERR(shmchan_osp_create(&w, name, &c), -EINVAL);
	c.stuck_ms = 0;

	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	ASSERT_ERR(shmchan_osp_create(&r, name, &c), -EEXIST);
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
	/* The other side's calls, and what needs a registry. */
	ASSERT_ERR(shmchan_channel_read(&w, buf, sizeof(buf), &len), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_write(&r, "x", 1), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_wait_for_reader(&w, 0), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_wait_for_writer(&r, 0), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_poll_fd(&r), -ENOTSUP);
	memset(&info, 0, sizeof(info));
	info.struct_size = sizeof(info);
	ASSERT_ERR(shmchan_channel_info(&r, &info), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_config(&r, &cfg), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_lost(&r, &lost), -ENOTSUP);
	/* Empty, then one message each way of writing. */
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EAGAIN);
	ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, 20), -ETIMEDOUT);
	ASSERT_ERR(shmchan_channel_write(&w, buf, 65), -EMSGSIZE);
	ASSERT_OK(shmchan_channel_write(&w, "one", 3));
	ASSERT_OK(shmchan_channel_reserve(&w, 64, &p));
	ASSERT_ERR(shmchan_channel_write(&w, "x", 1), -EALREADY);
	memcpy(p, "two", 3);
	ASSERT_OK(shmchan_channel_commit(&w, 3));
	ASSERT_OK(shmchan_channel_reserve(&w, 8, &p));
	ASSERT_OK(shmchan_channel_cancel(&w)); /* published empty */
	ASSERT_ERR(shmchan_channel_read(&r, buf, 2, &len), -EMSGSIZE);
	ASSERT_EQ(len, 3u);
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_TRUE(len == 3 && memcmp(buf, "one", 3) == 0);
	ASSERT_OK(shmchan_channel_peek(&r, &view, &len));
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EALREADY);
	ASSERT_TRUE(len == 3 && memcmp(view, "two", 3) == 0);
	ASSERT_OK(shmchan_channel_release(&r));
	ASSERT_ERR(shmchan_channel_release(&r), -EINVAL);
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_EQ(len, 0u);
	/* Full: eight slots. */
	for (len = 0; len < 8; len++)
		ASSERT_OK(shmchan_channel_write(&w, "f", 1));
	ASSERT_ERR(shmchan_channel_write(&w, "f", 1), -EAGAIN);
	ASSERT_ERR(shmchan_channel_send(&w, "f", 1, 20), -ETIMEDOUT);
	ASSERT_ERR(shmchan_channel_wait_writable(&w, 0), -ETIMEDOUT);
	ASSERT_EQ(shmchan_channel_depth(&r), 8);
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_OK(shmchan_channel_wait_writable(&w, 0));
	ASSERT_OK(shmchan_channel_close(&r));
	/* A new reader starts where the last one stopped. */
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
	ASSERT_EQ(shmchan_channel_depth(&r), 7);
	ASSERT_OK(shmchan_channel_close(&r));
	/* A writer closed with a reservation publishes it empty. */
	ASSERT_OK(shmchan_channel_reserve(&w, 8, &p));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
	for (lost = 0; lost < 7; lost++) {
		ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
		ASSERT_TRUE(len == 1 && buf[0] == 'f');
	}
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_EQ(len, 0u);
	ASSERT_OK(shmchan_channel_close(&r));
	/* Replace. */
	c.flags = SHMCHAN_OSP_REPLACE;
	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	ASSERT_EQ(shmchan_channel_depth(&w), 0);
	ASSERT_OK(shmchan_channel_close(&w));
	c.flags = 0;

	/* Byte channels: no reserve, no peek, no empty message. */
	ASSERT_OK(shmchan_osp_unlink(name));
	c = bytes_cfg(4096);
	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
	ASSERT_ERR(shmchan_channel_reserve(&w, 8, &p), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_peek(&r, &view, &len), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_write(&w, "", 0), -EINVAL);
	ASSERT_ERR(shmchan_channel_write(&w, buf, 4093), -EMSGSIZE);
	ASSERT_ERR(shmchan_channel_depth(&r), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, 20), -ETIMEDOUT);
	ASSERT_OK(shmchan_channel_close(&r));
	/* The expected capacity is checked. */
	c.capacity = 2048;
	ASSERT_ERR(shmchan_osp_open_reader(&r, name, &c), SHMCHAN_EGEOMETRY);
	ASSERT_OK(shmchan_channel_close(&w));
	/* A slot geometry that does not give the object's size. */
	c = slot_cfg(64, 8);
	ASSERT_ERR(shmchan_osp_open_reader(&r, name, &c), SHMCHAN_EGEOMETRY);
	c = slot_cfg(4096, 8);
	ASSERT_ERR(shmchan_osp_open_reader(&r, name, &c), SHMCHAN_ETRUNCATED);
}

/* --- newosp's producer, shmchan's reader (slot ring, video frames) --- */

static int child_fx_producer(void *arg)
{
	const char *name = arg;
	struct frame_ramp *ramp = malloc(sizeof(*ramp));
	unsigned char *buf = malloc(FRAME_SIZE);
	struct fx f;
	uint32_t n;

	if (!ramp || !buf)
		return 2;
	frame_ramp_init(ramp);
	if (fx_slot_open(&f, name, VIDEO_SLOT_SIZE, VIDEO_SLOT_COUNT, 0) != 0)
		return 3;
	for (n = 0; n < FRAMES; n++) {
		int64_t t0 = t_now_ns();

		frame_make(buf, n, ramp);
		while (!fx_slot_push(&f, buf, FRAME_SIZE)) {
			if (t_now_ns() - t0 > 10000000000ll)
				return 4;
			usleep(50);
		}
	}
	return 0;
}

static void check_frames_in(struct shmchan_channel *r, int in_place)
{
	struct frame_ramp *ramp = malloc(sizeof(*ramp));
	unsigned char *buf = malloc(VIDEO_SLOT_SIZE);
	struct frame_hdr h;
	uint32_t n;
	size_t len;

	ASSERT_TRUE(ramp && buf);
	frame_ramp_init(ramp);
	for (n = 0; n < FRAMES; n++) {
		if (in_place) {
			const void *v;

			ASSERT_OK(shmchan_channel_peek_wait(r, &v, &len, 10000));
			ASSERT_TRUE(frame_check(v, len, ramp, &h));
			ASSERT_OK(shmchan_channel_release(r));
		} else {
			ASSERT_OK(shmchan_channel_recv(r, buf, VIDEO_SLOT_SIZE, &len, 10000));
			ASSERT_TRUE(frame_check(buf, len, ramp, &h));
		}
		ASSERT_EQ(h.seq, n);
	}
	ASSERT_ERR(shmchan_channel_read(r, buf, VIDEO_SLOT_SIZE, &len), -EAGAIN);
	free(ramp);
	free(buf);
}

static void test_slot_from_newosp(void)
{
	const char *name = osp_name("fromosp");
	struct shmchan_osp_config c = slot_cfg(VIDEO_SLOT_SIZE, VIDEO_SLOT_COUNT);
	struct shmchan_channel r;
	struct fx f;
	int pass;

	/* newosp's writer creates the channel; a shmchan reader reads it,
	 * by copy and then in place, under each polling strategy. */
	ASSERT_OK(fx_slot_open(&f, name, VIDEO_SLOT_SIZE, VIDEO_SLOT_COUNT, 1));
	for (pass = 0; pass < 2; pass++) {
		pid_t pid = t_fork(child_fx_producer, (void *)name);

		c.wait = pass ? SHMCHAN_WAIT_SPIN : SHMCHAN_WAIT_FUTEX; /* FUTEX: polls */
		ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
		check_frames_in(&r, pass);
		ASSERT_EQ(t_wait_child(pid, 20000), 0);
		ASSERT_OK(shmchan_channel_close(&r));
	}
	fx_unmap(&f);
}

/* --- shmchan's writer, newosp's consumer (slot ring) --- */

static int child_fx_consumer(void *arg)
{
	const char *name = arg;
	struct frame_ramp *ramp = malloc(sizeof(*ramp));
	unsigned char *buf = malloc(VIDEO_SLOT_SIZE);
	struct frame_hdr h;
	struct fx f;
	uint32_t n, size;

	if (!ramp || !buf)
		return 2;
	frame_ramp_init(ramp);
	if (fx_slot_open(&f, name, VIDEO_SLOT_SIZE, VIDEO_SLOT_COUNT, 0) != 0)
		return 3;
	for (n = 0; n < FRAMES; n++) {
		int64_t t0 = t_now_ns();

		while (!fx_slot_pop(&f, buf, &size)) {
			if (t_now_ns() - t0 > 10000000000ll)
				return 4;
			usleep(50);
		}
		if (!frame_check(buf, size, ramp, &h) || h.seq != n)
			return 5;
	}
	return 0;
}

static void test_slot_to_newosp(void)
{
	const char *name = osp_name("toosp");
	struct shmchan_osp_config c = slot_cfg(VIDEO_SLOT_SIZE, VIDEO_SLOT_COUNT);
	struct frame_ramp *ramp = malloc(sizeof(*ramp));
	unsigned char *buf = malloc(FRAME_SIZE);
	struct shmchan_channel w;
	int pass;

	ASSERT_TRUE(ramp && buf);
	frame_ramp_init(ramp);
	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	/* By copy, then in place (reserve, fill, commit). */
	for (pass = 0; pass < 2; pass++) {
		pid_t pid = t_fork(child_fx_consumer, (void *)name);
		uint32_t n;

		for (n = 0; n < FRAMES; n++) {
			if (pass) {
				void *p;

				ASSERT_OK(shmchan_channel_reserve_wait(&w, FRAME_SIZE, &p, 10000));
				frame_make(p, n, ramp);
				ASSERT_OK(shmchan_channel_commit(&w, FRAME_SIZE));
			} else {
				frame_make(buf, n, ramp);
				ASSERT_OK(shmchan_channel_send(&w, buf, FRAME_SIZE, 10000));
			}
		}
		ASSERT_EQ(t_wait_child(pid, 20000), 0);
	}
	ASSERT_OK(shmchan_channel_close(&w));
	free(ramp);
	free(buf);
}

/* --- byte channels, both directions --- */

static int child_fx_bytes_writer(void *arg)
{
	const char *name = arg;
	unsigned char buf[5000];
	struct fx f;
	uint32_t i;

	if (fx_bytes_open(&f, name, 0, 0) != 0)
		return 3;
	for (i = 0; i < BYTE_MSGS; i++) {
		int64_t t0 = t_now_ns();

		msg_fill(buf, i, msg_len(i));
		while (!fx_bytes_write(&f, buf, msg_len(i))) {
			if (t_now_ns() - t0 > 10000000000ll)
				return 4;
			usleep(50);
		}
	}
	return 0;
}

static int child_fx_bytes_reader(void *arg)
{
	const char *name = arg;
	unsigned char buf[5000];
	struct fx f;
	uint32_t i, len;

	if (fx_bytes_open(&f, name, 0, 0) != 0)
		return 3;
	for (i = 0; i < BYTE_MSGS; i++) {
		int64_t t0 = t_now_ns();

		while ((len = fx_bytes_read(&f, buf, sizeof(buf))) == 0) {
			if (t_now_ns() - t0 > 10000000000ll)
				return 4;
			fx_bytes_wait(&f, 100);
		}
		if (!msg_ok(buf, i, len))
			return 5;
	}
	return 0;
}

static void test_bytes_both_ways(void)
{
	const char *name = osp_name("bytes");
	struct shmchan_osp_config c = bytes_cfg(16384);
	unsigned char buf[5000];
	struct shmchan_channel ch;
	struct fx f;
	uint32_t i;
	size_t len;
	int pass;

	/* newosp's writer (FutexWake after each message), shmchan's reader
	 * sleeping on head, then polling. A 16 KiB ring and lengths up to
	 * ~5000 put the wrap point inside lengths and payloads alike. */
	ASSERT_OK(fx_bytes_open(&f, name, 16384, 1));
	ASSERT_EQ(fx_bytes(&f)->capacity, 16384u);
	for (pass = 0; pass < 2; pass++) {
		pid_t pid = t_fork(child_fx_bytes_writer, (void *)name);

		c.wait = pass ? SHMCHAN_WAIT_BACKOFF : SHMCHAN_WAIT_FUTEX;
		ASSERT_OK(shmchan_osp_open_reader(&ch, name, &c));
		for (i = 0; i < BYTE_MSGS; i++) {
			ASSERT_OK(shmchan_channel_recv(&ch, buf, sizeof(buf), &len, 10000));
			ASSERT_TRUE(msg_ok(buf, i, len));
		}
		ASSERT_EQ(t_wait_child(pid, 20000), 0);
		ASSERT_OK(shmchan_channel_close(&ch));
	}
	fx_unmap(&f);
	ASSERT_OK(shmchan_osp_unlink(name));

	/* shmchan's writer, newosp's reader sleeping on head. */
	ASSERT_OK(shmchan_osp_create(&ch, name, &c));
	{
		pid_t pid = t_fork(child_fx_bytes_reader, (void *)name);

		for (i = 0; i < BYTE_MSGS; i++) {
			msg_fill(buf, i, msg_len(i));
			ASSERT_OK(shmchan_channel_send(&ch, buf, msg_len(i), 10000));
		}
		ASSERT_EQ(t_wait_child(pid, 20000), 0);
	}
	ASSERT_OK(shmchan_channel_close(&ch));
}

/* --- the uint32 positions wrap --- */

static void test_wrap32(void)
{
	const char *name = osp_name("wrap");
	struct shmchan_osp_config c = slot_cfg(32, 8);
	struct shmchan_channel w, r;
	const uint32_t base = 0xFFFFFFF0u;
	unsigned char buf[64];
	struct fx f;
	uint32_t i, k;
	size_t len;

	/* A slot ring whose positions are 16 short of 2^32. */
	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(fx_slot_open(&f, name, 32, 8, 0));
	atomic_store(&fx_ring(&f)->producer_pos, base);
	atomic_store(&fx_ring(&f)->consumer_pos, base);
	for (i = 0; i < 8; i++)
		atomic_store(&fx_slot(&f, base + i)->sequence, base + i);
	ASSERT_OK(shmchan_osp_open_writer(&w, name, &c));
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
	/* Four laps across the wrap: shmchan and newosp writers alternate,
	 * shmchan and newosp readers alternate, every byte checked. */
	for (i = 0; i < 32; i++) {
		for (k = 0; k < 32; k++)
			buf[k] = (unsigned char)(i + k);
		if (i % 2)
			ASSERT_TRUE(fx_slot_push(&f, buf, 32));
		else
			ASSERT_OK(shmchan_channel_write(&w, buf, 32));
		memset(buf, 0, sizeof(buf));
		if (i % 3 == 0) {
			uint32_t s;

			ASSERT_TRUE(fx_slot_pop(&f, buf, &s));
			len = s;
			/* The reader handle follows the object's position
			 * only at open: reopen it. */
			ASSERT_OK(shmchan_channel_close(&r));
			ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
		} else {
			ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
		}
		ASSERT_EQ(len, 32u);
		for (k = 0; k < 32; k++)
			ASSERT_EQ(buf[k], (unsigned char)(i + k));
	}
	ASSERT_EQ(atomic_load(&fx_ring(&f)->producer_pos), base + 32);
	ASSERT_EQ(atomic_load(&fx_ring(&f)->consumer_pos), base + 32);
	ASSERT_EQ(shmchan_channel_depth(&r), 0);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_close(&r));
	fx_unmap(&f);
	ASSERT_OK(shmchan_osp_unlink(name));

	/* A byte ring whose counters are 100 short of 2^32. */
	c = bytes_cfg(4096);
	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	ASSERT_OK(fx_bytes_open(&f, name, 0, 0));
	atomic_store(&fx_bytes(&f)->head, 0xFFFFFF9Cu);
	atomic_store(&fx_bytes(&f)->tail, 0xFFFFFF9Cu);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_osp_open_writer(&w, name, &c));
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
	for (i = 0; i < 400; i++) {
		unsigned char out[64];
		uint32_t l = 1 + i % 60;

		for (k = 0; k < l; k++)
			buf[k] = (unsigned char)(i * 7 + k);
		if (i % 2)
			ASSERT_TRUE(fx_bytes_write(&f, buf, l));
		else
			ASSERT_OK(shmchan_channel_write(&w, buf, l));
		if (i % 2) {
			ASSERT_OK(shmchan_channel_read(&r, out, sizeof(out), &len));
		} else {
			len = fx_bytes_read(&f, out, sizeof(out));
			ASSERT_OK(shmchan_channel_close(&r));
			ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
		}
		ASSERT_EQ(len, l);
		ASSERT_EQ(memcmp(out, buf, l), 0);
		/* The writer handle keeps its own head: reopen it after
		 * newosp's writer moved it. */
		if (i % 2) {
			ASSERT_OK(shmchan_channel_close(&w));
			ASSERT_OK(shmchan_osp_open_writer(&w, name, &c));
		}
	}
	ASSERT_TRUE(atomic_load(&fx_bytes(&f)->head) < 0x10000u);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_close(&r));
	fx_unmap(&f);
}

/* --- corruption --- */

static void test_corrupt_slot(void)
{
	const char *name = osp_name("bad");
	struct shmchan_osp_config c = slot_cfg(32, 8);
	struct shmchan_channel w, r;
	unsigned char buf[64];
	const void *v;
	struct fx f;
	size_t len;

	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	ASSERT_OK(fx_slot_open(&f, name, 32, 8, 0));
	/* Positions further apart than the ring: refused at open. */
	atomic_store(&fx_ring(&f)->producer_pos, 10); /* N + 1 is a dead reader's */
	ASSERT_ERR(shmchan_osp_open_reader(&r, name, &c), -EBADMSG);
	ASSERT_ERR(shmchan_osp_open_writer(&r, name, &c), -EBADMSG);
	atomic_store(&fx_ring(&f)->producer_pos, 0);
	atomic_store(&fx_ring(&f)->consumer_pos, 5); /* ahead of producer_pos */
	ASSERT_ERR(shmchan_osp_open_reader(&r, name, &c), -EBADMSG);
	atomic_store(&fx_ring(&f)->consumer_pos, 0);
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));

	/* A size above the slot size: dropped with -EBADMSG, then the next. */
	ASSERT_OK(shmchan_channel_write(&w, "a", 1));
	ASSERT_OK(shmchan_channel_write(&w, "b", 1));
	fx_slot(&f, 0)->size = 33;
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EBADMSG);
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_TRUE(len == 1 && buf[0] == 'b');
	fx_slot(&f, 2)->size = 0xFFFFFFFFu;
	/* A producer's claim of 2 "published" with a garbage size. */
	atomic_store(&fx_ring(&f)->producer_pos, 3);
	atomic_store(&fx_slot(&f, 2)->sequence, 3);
	ASSERT_ERR(shmchan_channel_peek(&r, &v, &len), -EBADMSG);

	/* A sequence that is neither free nor published: -EBADMSG at every
	 * read, and a recv returns it at once instead of waiting. */
	atomic_store(&fx_slot(&f, 3)->sequence, 77);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EBADMSG);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EBADMSG);
	ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, 5000), -EBADMSG);
	atomic_store(&fx_slot(&f, 3)->sequence, 3);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EAGAIN);

	/* Writer: a sequence behind the previous lap's, and one ahead while
	 * producer_pos stays: -EBADMSG, not a loop. */
	atomic_store(&fx_slot(&f, 3)->sequence, 3u - 9u);
	ASSERT_ERR(shmchan_channel_write(&w, "c", 1), -EBADMSG);
	atomic_store(&fx_slot(&f, 3)->sequence, 1000);
	ASSERT_ERR(shmchan_channel_write(&w, "c", 1), -EBADMSG);
	ASSERT_ERR(shmchan_channel_send(&w, "c", 1, 5000), -EBADMSG);
	atomic_store(&fx_slot(&f, 3)->sequence, 3);
	ASSERT_OK(shmchan_channel_write(&w, "c", 1));
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_TRUE(len == 1 && buf[0] == 'c');

	/* A depth the positions cannot hold. */
	atomic_store(&fx_ring(&f)->producer_pos, 100);
	ASSERT_ERR(shmchan_channel_depth(&r), -EBADMSG);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_close(&r));
	fx_unmap(&f);
}

static void test_corrupt_bytes(void)
{
	const char *name = osp_name("badb");
	struct shmchan_osp_config c = bytes_cfg(4096);
	struct shmchan_channel w, r;
	unsigned char buf[8192];
	struct fx f;
	size_t len;

	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	ASSERT_OK(fx_bytes_open(&f, name, 0, 0));
	c.capacity = 0;
	/* Capacities: not a power of two, larger than the object, zero. */
	fx_bytes(&f)->capacity = 3000;
	ASSERT_ERR(shmchan_osp_open_reader(&r, name, &c), -EBADMSG);
	fx_bytes(&f)->capacity = 1u << 20;
	ASSERT_ERR(shmchan_osp_open_reader(&r, name, &c), -EBADMSG);
	fx_bytes(&f)->capacity = 0;
	ASSERT_ERR(shmchan_osp_open_writer(&r, name, &c), -EBADMSG);
	fx_bytes(&f)->capacity = 4096;
	/* head - tail above the capacity. */
	atomic_store(&fx_bytes(&f)->head, 4097);
	ASSERT_ERR(shmchan_osp_open_reader(&r, name, &c), -EBADMSG);
	atomic_store(&fx_bytes(&f)->head, 0);
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));

	/* After open: head jumps past the ring; fewer than 4 bytes. */
	atomic_store(&fx_bytes(&f)->head, 5000);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EBADMSG);
	ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, 5000), -EBADMSG);
	atomic_store(&fx_bytes(&f)->head, 3);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EBADMSG);
	/* A length beyond what head holds, and one beyond the ring. */
	atomic_store(&fx_bytes(&f)->head, 0);
	ASSERT_OK(shmchan_channel_write(&w, "hello", 5));
	set_u32(&f, 16, 6);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EBADMSG);
	set_u32(&f, 16, 0xFFFFFFF0u);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EBADMSG);
	set_u32(&f, 16, 5);
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_TRUE(len == 5 && memcmp(buf, "hello", 5) == 0);
	/* A length of 0, which newosp's writer may leave: a message of 0
	 * bytes here (newosp's reader would stop at it). */
	{
		uint32_t zero = 0;
		uint32_t head = atomic_load(&fx_bytes(&f)->head);

		memcpy((char *)f.base + 16 + (head & 4095), &zero, 4);
		atomic_store(&fx_bytes(&f)->head, head + 4);
		ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
		ASSERT_EQ(len, 0u);
	}
	/* Writer: a tail ahead of head. */
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_osp_open_writer(&w, name, &c));
	atomic_store(&fx_bytes(&f)->tail, atomic_load(&fx_bytes(&f)->head) + 8);
	ASSERT_ERR(shmchan_channel_write(&w, "x", 1), -EBADMSG);
	ASSERT_ERR(shmchan_channel_send(&w, "x", 1, 5000), -EBADMSG);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_close(&r));
	fx_unmap(&f);

	/* Objects too small for either format. */
	ASSERT_OK(shmchan_osp_unlink(name));
	ASSERT_OK(fx_map(&f, name, 16, 1));
	fx_unmap(&f);
	ASSERT_ERR(shmchan_osp_open_reader(&r, name, &c), SHMCHAN_ETRUNCATED);
	c = slot_cfg(32, 8);
	ASSERT_ERR(shmchan_osp_open_reader(&r, name, &c), SHMCHAN_ETRUNCATED);
}

/* --- a producer that claimed and never published --- */

static void test_stuck(void)
{
	const char *name = osp_name("stuck");
	struct shmchan_osp_config c = slot_cfg(32, 8);
	struct shmchan_channel w, r;
	unsigned char buf[64];
	struct fx f;
	size_t len;
	int64_t t0;

	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	ASSERT_OK(fx_slot_open(&f, name, 32, 8, 0));
	/* A producer's claim of position 0 (its CAS), and nothing more: it
	 * died. A message behind it. */
	atomic_store(&fx_ring(&f)->producer_pos, 1);
	ASSERT_OK(shmchan_channel_write(&w, "after", 5));
	/* By default the reader waits at it, as newosp's does. */
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
	ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, 100), -ETIMEDOUT);
	ASSERT_OK(shmchan_channel_close(&r));
	/* With stuck_ms, it steps over the claim and reads what follows. */
	c.stuck_ms = 50;
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
	t0 = t_now_ns();
	ASSERT_OK(shmchan_channel_recv(&r, buf, sizeof(buf), &len, 5000));
	ASSERT_TRUE(t_now_ns() - t0 >= 50000000);
	ASSERT_TRUE(len == 5 && memcmp(buf, "after", 5) == 0);
	/* The slot stepped over is free for the next lap. */
	ASSERT_EQ(atomic_load(&fx_slot(&f, 0)->sequence), 8u);
	ASSERT_EQ(atomic_load(&fx_ring(&f)->consumer_pos), 2u);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
	fx_unmap(&f);
}

/* --- a reader that died between its two stores --- */

static void test_reader_died(void)
{
	const char *name = osp_name("rdied");
	struct shmchan_osp_config c = slot_cfg(32, 8);
	struct shmchan_channel w, r;
	unsigned char buf[64];
	struct fx f;
	size_t len;

	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	ASSERT_OK(fx_slot_open(&f, name, 32, 8, 0));
	ASSERT_OK(shmchan_channel_write(&w, "a", 1));
	ASSERT_OK(shmchan_channel_write(&w, "b", 1));
	/* A reader copied "a", gave its slot back (sequence 0 + 8) and died
	 * before storing consumer_pos = 1. */
	atomic_store(&fx_slot(&f, 0)->sequence, 8);
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_TRUE(len == 1 && buf[0] == 'b');
	ASSERT_EQ(atomic_load(&fx_ring(&f)->consumer_pos), 2u);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EAGAIN);
	/* The same at an empty position: stepped over, then nothing. */
	ASSERT_OK(shmchan_channel_close(&r));
	atomic_store(&fx_ring(&f)->consumer_pos, 1);
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
	ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, 50), -ETIMEDOUT);
	ASSERT_EQ(atomic_load(&fx_ring(&f)->consumer_pos), 2u);
	/* The ring goes on: a full lap more. */
	for (len = 0; len < 8; len++)
		ASSERT_OK(shmchan_channel_write(&w, "c", 1));
	ASSERT_ERR(shmchan_channel_write(&w, "c", 1), -EAGAIN);
	for (len = 0; len < 8; len++) {
		size_t n;

		ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &n));
		ASSERT_TRUE(n == 1 && buf[0] == 'c');
	}
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
	fx_unmap(&f);
	ASSERT_OK(shmchan_osp_unlink(name));

	/* The same death, and producers lapping the ring before a reader
	 * comes back: producer_pos is N + 1 ahead of consumer_pos, and the
	 * given-back slot holds the next lap's message. */
	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	ASSERT_OK(fx_slot_open(&f, name, 32, 8, 0));
	ASSERT_OK(shmchan_channel_write(&w, "a", 1));
	ASSERT_OK(shmchan_channel_write(&w, "b", 1));
	atomic_store(&fx_slot(&f, 0)->sequence, 8);
	for (len = 2; len <= 8; len++) {
		buf[0] = (unsigned char)('0' + len);
		ASSERT_OK(shmchan_channel_write(&w, buf, 1));
	}
	ASSERT_EQ(atomic_load(&fx_ring(&f)->producer_pos) - atomic_load(&fx_ring(&f)->consumer_pos),
		  9u);
	ASSERT_ERR(shmchan_channel_write(&w, "x", 1), -EAGAIN); /* full, not corrupt */
	ASSERT_EQ(shmchan_channel_depth(&w), 8);
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_TRUE(len == 1 && buf[0] == 'b');
	for (len = 2; len <= 8; len++) {
		size_t n;

		ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &n));
		ASSERT_TRUE(n == 1 && buf[0] == (unsigned char)('0' + len));
	}
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EAGAIN);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
	fx_unmap(&f);
}

/* --- a handle inherited across fork --- */

static struct shmchan_channel g_inherited;

static int child_closes(void *arg)
{
	(void)arg;
	return shmchan_channel_close(&g_inherited) == 0 ? 0 : 3;
}

static void test_fork_inherited(void)
{
	const char *name = osp_name("fork");
	struct shmchan_osp_config c = slot_cfg(32, 4);
	struct shmchan_channel r;
	unsigned char buf[64];
	size_t len;
	void *p;

	ASSERT_OK(shmchan_osp_create(&g_inherited, name, &c));
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
	ASSERT_OK(shmchan_channel_reserve(&g_inherited, 5, &p));
	/* The child's close leaves the parent's reservation alone. */
	ASSERT_EQ(t_wait_child(t_fork(child_closes, NULL), 10000), 0);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EAGAIN);
	memcpy(p, "mine!", 5);
	ASSERT_OK(shmchan_channel_commit(&g_inherited, 5));
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_TRUE(len == 5 && memcmp(buf, "mine!", 5) == 0);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&g_inherited));
}

/* --- a waitset member closed and reopened in newosp's format --- */

static void test_waitset_member(void)
{
	const char *chan = t_name("wsm");
	const char *name = osp_name("wsm");
	struct shmchan_config cfg = { .slot_size = 64, .slot_count = 8 };
	struct shmchan_osp_config c = slot_cfg(32, 4);
	struct shmchan_waitset_event ev[2];
	struct shmchan_channel w, r, ow;
	struct shmchan_waitset ws;

	ASSERT_OK(shmchan_channel_create_writer(&w, chan, &cfg));
	ASSERT_OK(shmchan_channel_open_reader(&r, chan, NULL));
	ASSERT_OK(shmchan_waitset_init(&ws));
	ASSERT_EQ(shmchan_waitset_add(&ws, &r, SHMCHAN_READABLE), 0);
	ASSERT_OK(shmchan_osp_create(&ow, name, &c));
	ASSERT_ERR(shmchan_waitset_add(&ws, &ow, SHMCHAN_WRITABLE), -ENOTSUP);
	/* The member's storage reopened as a newosp reader: refused, not
	 * read as a shmchan channel. */
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
	ASSERT_OK(shmchan_channel_write(&ow, "x", 1));
	ASSERT_ERR(shmchan_waitset_wait(&ws, ev, 2, 100), -EINVAL);
	ASSERT_OK(shmchan_waitset_close(&ws));
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&ow));
	ASSERT_OK(shmchan_channel_close(&w));
	shmchan_channel_unlink(chan);
}

/* --- full while the oldest claim is unpublished --- */

static void test_full_claimed(void)
{
	const char *name = osp_name("fullc");
	struct shmchan_osp_config c = slot_cfg(32, 4);
	struct shmchan_channel w, w2, r;
	unsigned char buf[64];
	size_t len;
	void *p;
	int i;

	ASSERT_OK(shmchan_osp_create(&w, name, &c));
	ASSERT_OK(shmchan_osp_open_writer(&w2, name, &c));
	ASSERT_OK(shmchan_osp_open_reader(&r, name, &c));
	/* w holds position 0 claimed; w2 fills 1 to 3. */
	ASSERT_OK(shmchan_channel_reserve(&w, 4, &p));
	for (i = 1; i < 4; i++)
		ASSERT_OK(shmchan_channel_write(&w2, "m", 1));
	/* Position 4's slot still holds the unpublished claim of 0: full. */
	ASSERT_ERR(shmchan_channel_write(&w2, "m", 1), -EAGAIN);
	ASSERT_ERR(shmchan_channel_send(&w2, "m", 1, 20), -ETIMEDOUT);
	ASSERT_ERR(shmchan_channel_wait_writable(&w2, 0), -ETIMEDOUT);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EAGAIN);
	memcpy(p, "zero", 4);
	ASSERT_OK(shmchan_channel_commit(&w, 4));
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_TRUE(len == 4 && memcmp(buf, "zero", 4) == 0);
	ASSERT_OK(shmchan_channel_wait_writable(&w2, 0));
	ASSERT_OK(shmchan_channel_write(&w2, "m", 1));
	for (i = 1; i < 5; i++) {
		ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
		ASSERT_TRUE(len == 1 && buf[0] == 'm');
	}
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w2));
	ASSERT_OK(shmchan_channel_close(&w));
}

static const struct t_case cases[] = {
	{ "layout", test_layout },
	{ "api", test_api },
	{ "slot_from_newosp", test_slot_from_newosp },
	{ "slot_to_newosp", test_slot_to_newosp },
	{ "bytes_both_ways", test_bytes_both_ways },
	{ "wrap32", test_wrap32 },
	{ "corrupt_slot", test_corrupt_slot },
	{ "corrupt_bytes", test_corrupt_bytes },
	{ "stuck", test_stuck },
	{ "reader_died", test_reader_died },
	{ "full_claimed", test_full_claimed },
	{ "fork_inherited", test_fork_inherited },
	{ "waitset_member", test_waitset_member },
};

int main(int argc, char **argv)
{
	t_watchdog(120);
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	printf("test_newosp: ok\n");
	return 0;
}
