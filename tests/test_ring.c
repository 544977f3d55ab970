/* SPDX-License-Identifier: MIT */
/* Ring layer in private memory: geometry, boundaries, zero copy, wraparound,
 * corrupt slots, and an in-process MPSC run for the sanitizers. */
#include <pthread.h>
#include <stdatomic.h>

#include "ring_pvt.h"
#include "t_util.h"
#define T_MSG_MAX 8 /* (raw buffers only) */
#include "t_msg.h"

static void *ring_mem(uint32_t slot_size, uint32_t count, size_t *size)
{
	void *p = NULL;

	*size = shmchan_ring_memsize(slot_size, count);
	ASSERT_TRUE(*size > 0);
	ASSERT_EQ(posix_memalign(&p, 64, *size), 0);
	memset(p, 0xee, *size); /* init must not rely on zeroed memory */
	return p;
}

static void test_geometry(void)
{
	struct shmchan_ring r;
	size_t n;
	void *m;

	ASSERT_EQ(shmchan_ring_memsize(0, 8), 0);
	ASSERT_EQ(shmchan_ring_memsize(64, 0), 0);
	ASSERT_EQ(shmchan_ring_memsize(64, 3), 0);
	ASSERT_EQ(shmchan_ring_memsize(SHMCHAN_RING_MAX_SLOT_SIZE + 1, 1), 0);
	ASSERT_EQ(shmchan_ring_memsize(64, SHMCHAN_RING_MAX_SLOTS * 2), 0);
	ASSERT_EQ(shmchan_ring_memsize(1, 1), 0);
	ASSERT_TRUE(shmchan_ring_memsize(1, 2) > 0);
	m = ring_mem(100, 4, &n);
	ASSERT_ERR(shmchan_ring_init(NULL, n, 100, 4), -EINVAL);
	ASSERT_ERR(shmchan_ring_init((char *)m + 8, n, 100, 4), -EINVAL);
	ASSERT_ERR(shmchan_ring_init(m, n - 1, 100, 4), -EINVAL);
	ASSERT_ERR(shmchan_ring_attach(&r, m, n), SHMCHAN_EBADMAGIC); /* not yet init */
	ASSERT_OK(shmchan_ring_init(m, n, 100, 4));
	ASSERT_ERR(shmchan_ring_attach(NULL, m, n), -EINVAL);
	ASSERT_ERR(shmchan_ring_attach(&r, m, n - 1), SHMCHAN_ETRUNCATED);
	ASSERT_OK(shmchan_ring_attach(&r, m, n));
	ASSERT_EQ(shmchan_ring_capacity(&r), 4);
	ASSERT_EQ(shmchan_ring_slot_size(&r), 100);
	ASSERT_EQ(shmchan_ring_depth(&r), 0);
	/* Corrupt geometry fields are caught at attach. */
	((struct shmchan__ring_hdr *)m)->g.slot_count = 3;
	ASSERT_ERR(shmchan_ring_attach(&r, m, n), -EBADMSG);
	((struct shmchan__ring_hdr *)m)->g.slot_count = 8;
	ASSERT_ERR(shmchan_ring_attach(&r, m, n), -EBADMSG);
	((struct shmchan__ring_hdr *)m)->g.slot_count = 4;
	((struct shmchan__ring_hdr *)m)->g.version = 9;
	ASSERT_ERR(shmchan_ring_attach(&r, m, n), SHMCHAN_EVERSION);
	free(m);
}

/* Push and pop @rounds full laps on ring @r, checking boundaries each lap. */
static void laps(struct shmchan_ring *r, unsigned rounds)
{
	unsigned char in[100], out[100];
	unsigned cap = (unsigned)shmchan_ring_capacity(r), i, k, seed = 0, want = 0;
	size_t len;

	for (k = 0; k < rounds; k++) {
		for (i = 0; i < cap; i++) {
			t_raw_fill(in, i % 101, seed);
			ASSERT_OK(shmchan_ring_push(r, in, i % 101));
			seed++;
		}
		ASSERT_EQ(shmchan_ring_depth(r), cap);
		ASSERT_ERR(shmchan_ring_push(r, in, 1), -EAGAIN); /* full */
		for (i = 0; i < cap; i++) {
			ASSERT_OK(shmchan_ring_pop(r, out, sizeof(out), &len));
			ASSERT_EQ(len, i % 101);
			ASSERT_TRUE(t_raw_same(out, len, want));
			want++;
		}
		ASSERT_EQ(shmchan_ring_depth(r), 0);
		ASSERT_ERR(shmchan_ring_pop(r, out, sizeof(out), &len), -EAGAIN); /* empty */
		ASSERT_EQ(shmchan_ring_readable(r), 0);
	}
}

static void test_boundaries(void)
{
	struct shmchan_ring r;
	unsigned char buf[100];
	size_t n, len;
	void *m = ring_mem(100, 8, &n);

	ASSERT_OK(shmchan_ring_init(m, n, 100, 8));
	ASSERT_OK(shmchan_ring_attach(&r, m, n));
	laps(&r, 5);
	/* Zero-length messages are messages. */
	ASSERT_OK(shmchan_ring_push(&r, NULL, 0));
	ASSERT_EQ(shmchan_ring_readable(&r), 1);
	ASSERT_OK(shmchan_ring_pop(&r, NULL, 0, &len));
	ASSERT_EQ(len, 0);
	/* Too large for the slot: refused with nothing claimed. */
	ASSERT_ERR(shmchan_ring_push(&r, buf, 101), -EMSGSIZE);
	ASSERT_EQ(shmchan_ring_depth(&r), 0);
	/* Too large for the caller's buffer: size reported, message kept. */
	t_raw_fill(buf, 100, 9);
	ASSERT_OK(shmchan_ring_push(&r, buf, 100));
	ASSERT_ERR(shmchan_ring_pop(&r, buf, 99, &len), -EMSGSIZE);
	ASSERT_EQ(len, 100);
	memset(buf, 0, sizeof(buf));
	ASSERT_OK(shmchan_ring_pop(&r, buf, 100, &len));
	ASSERT_TRUE(len == 100 && t_raw_same(buf, 100, 9));
	/* Bad arguments. */
	ASSERT_ERR(shmchan_ring_push(NULL, buf, 1), -EINVAL);
	ASSERT_ERR(shmchan_ring_push(&r, NULL, 1), -EINVAL);
	ASSERT_ERR(shmchan_ring_pop(&r, NULL, 1, &len), -EINVAL);
	ASSERT_ERR(shmchan_ring_pop(&r, buf, 1, NULL), -EINVAL);
	ASSERT_ERR(shmchan_ring_commit(&r, 0), -EINVAL);
	ASSERT_ERR(shmchan_ring_cancel(&r), -EINVAL);
	ASSERT_ERR(shmchan_ring_release(&r), -EINVAL);
	ASSERT_ERR(shmchan_ring_depth(NULL), -EINVAL);
	free(m);
}

static void test_zero_copy(void)
{
	struct shmchan_ring r;
	const void *view;
	void *slot, *slot2;
	size_t n, len;
	unsigned char buf[64];
	void *m = ring_mem(64, 4, &n);

	ASSERT_OK(shmchan_ring_init(m, n, 64, 4));
	ASSERT_OK(shmchan_ring_attach(&r, m, n));
	ASSERT_ERR(shmchan_ring_reserve(&r, 65, &slot), -EMSGSIZE);
	ASSERT_OK(shmchan_ring_reserve(&r, 64, &slot));
	ASSERT_ERR(shmchan_ring_reserve(&r, 1, &slot2), -EALREADY);
	ASSERT_ERR(shmchan_ring_push(&r, buf, 1), -EALREADY);
	/* Claimed but not committed: counted in depth, not readable. */
	ASSERT_EQ(shmchan_ring_depth(&r), 1);
	ASSERT_EQ(shmchan_ring_readable(&r), 0);
	t_raw_fill(slot, 40, 3);
	ASSERT_ERR(shmchan_ring_commit(&r, 65), -EMSGSIZE);
	ASSERT_OK(shmchan_ring_commit(&r, 40)); /* shrink at commit */
	/* A cancelled slot is stepped over. */
	ASSERT_OK(shmchan_ring_reserve(&r, 10, &slot));
	ASSERT_OK(shmchan_ring_cancel(&r));
	t_raw_fill(buf, 7, 4);
	ASSERT_OK(shmchan_ring_push(&r, buf, 7));
	ASSERT_OK(shmchan_ring_peek(&r, &view, &len));
	ASSERT_TRUE(len == 40 && t_raw_same(view, 40, 3));
	ASSERT_ERR(shmchan_ring_peek(&r, &view, &len), -EALREADY);
	ASSERT_ERR(shmchan_ring_pop(&r, buf, sizeof(buf), &len), -EALREADY);
	ASSERT_EQ(shmchan_ring_readable(&r), 1);
	ASSERT_OK(shmchan_ring_release(&r));
	ASSERT_OK(shmchan_ring_pop(&r, buf, sizeof(buf), &len));
	ASSERT_TRUE(len == 7 && t_raw_same(buf, 7, 4));
	ASSERT_ERR(shmchan_ring_pop(&r, buf, sizeof(buf), &len), -EAGAIN);
	ASSERT_EQ(shmchan_ring_depth(&r), 0);
	free(m);
}

static void test_wraparound(void)
{
	static const uint32_t starts[] = { 0xFFFFFFF0u, 0xFFFFFFFFu, 0x7FFFFFFCu };
	struct shmchan_ring r;
	size_t n, i;
	void *m = ring_mem(100, 8, &n);

	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		struct shmchan__ring_hdr *h = m;

		ASSERT_OK(shmchan__ring_init_at(m, n, 100, 8, starts[i]));
		ASSERT_OK(shmchan_ring_attach(&r, m, n));
		/* Six laps of 8 cross 2^32 (or 2^31) with full/empty checks. */
		laps(&r, 6);
		ASSERT_EQ(atomic_load(&h->tail), (uint32_t)(starts[i] + 48));
		ASSERT_EQ(atomic_load(&h->head), (uint32_t)(starts[i] + 48));
	}
	free(m);
}

/* Corrupt the slot of the next message in each way; the ring goes on. */
static void test_corrupt_slots(void)
{
	struct shmchan_ring r;
	unsigned char buf[300];
	size_t n, len;
	void *m = ring_mem(64, 4, &n);
	struct shmchan__ring_hdr *h = m;
	struct shmchan__slot *s;
	int mode;

	ASSERT_OK(shmchan_ring_init(m, n, 64, 4));
	ASSERT_OK(shmchan_ring_attach(&r, m, n));
	for (mode = 0; mode < 4; mode++) {
		uint32_t head = atomic_load(&h->head);

		s = (struct shmchan__slot *)(void *)(h->slots + (size_t)(head & 3) * r.stride);
		ASSERT_OK(shmchan_ring_push(&r, "bad", 3));
		ASSERT_OK(shmchan_ring_push(&r, "good", 4));
		if (mode == 0)
			atomic_store(&s->len, 300); /* the article's reader trusted this */
		else if (mode == 1)
			atomic_store(&s->len, 0xFFFFFFFFu);
		else if (mode == 2)
			atomic_store(&s->flags, 0x80u);
		else
			atomic_store(&s->seq, head + 77); /* impossible sequence */
		memset(buf, 0xab, sizeof(buf));
		ASSERT_EQ(shmchan_ring_readable(&r), 1);
		ASSERT_ERR(shmchan_ring_pop(&r, buf, 4, &len), -EBADMSG);
		/* Nothing was written to the caller's buffer. */
		ASSERT_EQ(buf[0], 0xab);
		ASSERT_OK(shmchan_ring_pop(&r, buf, sizeof(buf), &len));
		ASSERT_TRUE(len == 4 && memcmp(buf, "good", 4) == 0);
		ASSERT_EQ(shmchan_ring_depth(&r), 0);
	}
	/* The dropped slots are reusable: a full lap still works. */
	laps(&r, 2);
	free(m);
}

/* In-process MPSC: threads exercise the atomics for TSan. */
#define MT_PRODUCERS 3
struct mt_arg {
	void *mem;
	size_t size;
	unsigned id, count;
};

static void *mt_producer(void *p)
{
	struct mt_arg *a = p;
	struct shmchan_ring r;
	unsigned char msg[32];
	unsigned i;

	if (shmchan_ring_attach(&r, a->mem, a->size) != 0)
		return (void *)1;
	for (i = 0; i < a->count; i++) {
		size_t len = 8 + i % 24;

		memcpy(msg, &a->id, 4);
		memcpy(msg + 4, &i, 4);
		t_raw_fill(msg + 8, len - 8, a->id * 1000003u + i);
		while (shmchan_ring_push(&r, msg, len) == -EAGAIN)
			sched_yield();
	}
	return NULL;
}

static void test_threads(void)
{
	unsigned per = 100000, next[MT_PRODUCERS] = { 0 }, got = 0, id, seq;
	struct mt_arg args[MT_PRODUCERS];
	pthread_t th[MT_PRODUCERS];
	struct shmchan_ring r;
	unsigned char buf[32];
	size_t n, len;
	void *m = ring_mem(32, 16, &n);
	int i;

	ASSERT_OK(shmchan_ring_init(m, n, 32, 16));
	ASSERT_OK(shmchan_ring_attach(&r, m, n));
	for (i = 0; i < MT_PRODUCERS; i++) {
		args[i] = (struct mt_arg){ m, n, (unsigned)i, per };
		ASSERT_EQ(pthread_create(&th[i], NULL, mt_producer, &args[i]), 0);
	}
	while (got < per * MT_PRODUCERS) {
		int err = shmchan_ring_pop(&r, buf, sizeof(buf), &len);

		if (err == -EAGAIN) {
			sched_yield();
			continue;
		}
		ASSERT_OK(err);
		memcpy(&id, buf, 4);
		memcpy(&seq, buf + 4, 4);
		ASSERT_TRUE(id < MT_PRODUCERS);
		ASSERT_EQ(seq, next[id]);
		ASSERT_EQ(len, 8 + seq % 24);
		ASSERT_TRUE(t_raw_same(buf + 8, len - 8, id * 1000003u + seq));
		next[id]++;
		got++;
	}
	for (i = 0; i < MT_PRODUCERS; i++)
		pthread_join(th[i], NULL);
	ASSERT_EQ(shmchan_ring_depth(&r), 0);
	free(m);
}

static const struct t_case cases[] = {
	{ "geometry", test_geometry },		 { "boundaries", test_boundaries },
	{ "zero_copy", test_zero_copy },	 { "wraparound", test_wraparound },
	{ "corrupt_slots", test_corrupt_slots }, { "threads", test_threads },
};

int main(int argc, char **argv)
{
	t_watchdog(120);
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	printf("test_ring: ok\n");
	return 0;
}
