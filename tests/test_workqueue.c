/* SPDX-License-Identifier: MIT */
/*
 * Work queues (competing readers), black box through the public API:
 *   spread     4 reader processes, 2 writer processes, 400,000 messages: each
 *              delivered to exactly one reader, every byte checked
 *   redeliver  a reader SIGKILLed holding a peeked message: the message goes
 *              to another reader (asleep at the time of the kill, or opening
 *              after it), nothing else duplicated or lost
 *   limit      SHMCHAN_MAX_SUBSCRIBERS readers, the next one -EUSERS; closed
 *              and dead readers' entries are reused
 *   held       a reader holding a peeked message at each position of a lap:
 *              writers step over its slot, the others go on
 *   api        small checks: kinds, policy, lost, full ring, messages queued
 *              before any reader, peek/release, close holding a peek, end of
 *              stream
 * Run one case by giving its name as the argument.
 * Under the sanitizers spread moves a quarter of the messages (T_DIV).
 */
#include <stdatomic.h>
#include <sys/mman.h>

#include "t_util.h"

#ifdef T_SANITIZED
#define T_DIV 4 /* TSan makes the long streams about 7x slower (ASan 1.5x) */
#else
#define T_DIV 1
#endif

#define BOUND_MS 10000 /* any single wait that should succeed */
#define SLOT 64
#define MAX_CHILDREN 16
#define MAX_MSGS 400000u
#define T_MSG_MAX SLOT

#include "t_msg.h"

/* State shared with the child processes (MAP_SHARED, made before fork). */
struct shared {
	atomic_uint ready;
	atomic_uint writers;
	atomic_ullong held; /* victim: index of the message it holds, plus 1 */
	atomic_ullong delivered[MAX_CHILDREN];
	atomic_uint cnt[MAX_MSGS]; /* deliveries of each message */
};

static struct shared *g_shm;
static const char *g_name;

static void shared_reset(void)
{
	memset(g_shm, 0, sizeof(*g_shm));
}

/* The index of the message in @data, which must be well-formed and below
 * @total. */
static uint64_t check_msg(const void *data, size_t len, uint64_t total, const char *who)
{
	uint64_t i = t_msg_check(data, len, who);

	if (i >= total)
		T_FAIL("%s: message index %llu, only %llu written", who, (unsigned long long)i,
		       (unsigned long long)total);
	return i;
}

static void write_msg(struct shmchan_channel *w, uint64_t i)
{
	unsigned char buf[SLOT];
	size_t len = t_msg_make(buf, i);
	int err = shmchan_channel_send(w, buf, len, BOUND_MS);

	if (err)
		T_FAIL("send of message %llu: %s", (unsigned long long)i, shmchan_strerror(err));
}

/* Read one message (bounded wait) and return its index. */
static uint64_t recv_msg(struct shmchan_channel *r, uint64_t total)
{
	unsigned char buf[SLOT];
	size_t len;
	int err = shmchan_channel_recv(r, buf, sizeof(buf), &len, BOUND_MS);

	if (err)
		T_FAIL("recv: %s", shmchan_strerror(err));
	return check_msg(buf, len, total, "recv");
}

/* Count a delivery; a second one of the same message fails at once. */
static void count(uint64_t idx, const char *who)
{
	unsigned before = atomic_fetch_add(&g_shm->cnt[idx], 1);

	if (before != 0)
		T_FAIL("%s: message %llu delivered %u times", who, (unsigned long long)idx,
		       before + 1);
}

/* Reader loop until end of stream: odd ids peek/release, even ones recv. */
static uint64_t drain(struct shmchan_channel *r, unsigned id, uint64_t total, int recv_ms)
{
	uint64_t got = 0;
	char who[32];

	snprintf(who, sizeof(who), "reader %u", id);
	for (;;) {
		unsigned char buf[SLOT];
		const void *view;
		size_t len;
		int err;

		if (id & 1) {
			err = shmchan_channel_peek(r, &view, &len);
			if (err == -EAGAIN) {
				err = shmchan_channel_wait_readable(r, recv_ms);
				if (err && err != -EPIPE)
					T_FAIL("%s: wait_readable after %llu messages: %s", who,
					       (unsigned long long)got, shmchan_strerror(err));
				continue;
			}
			if (err == -EPIPE)
				break;
			if (err)
				T_FAIL("%s: peek after %llu messages: %s", who,
				       (unsigned long long)got, shmchan_strerror(err));
			count(check_msg(view, len, total, who), who);
			ASSERT_OK(shmchan_channel_release(r));
		} else {
			err = shmchan_channel_recv(r, buf, sizeof(buf), &len, recv_ms);
			if (err == -EPIPE)
				break;
			if (err)
				T_FAIL("%s: recv after %llu messages: %s", who,
				       (unsigned long long)got, shmchan_strerror(err));
			count(check_msg(buf, len, total, who), who);
		}
		got++;
		atomic_store(&g_shm->delivered[id], got);
	}
	return got;
}

static void check_all_once(uint64_t total)
{
	uint64_t i;

	for (i = 0; i < total; i++)
		if (atomic_load(&g_shm->cnt[i]) != 1)
			T_FAIL("message %llu delivered %u times, expected once",
			       (unsigned long long)i, atomic_load(&g_shm->cnt[i]));
}

/* ---- spread: 4 readers, 2 writers, every message exactly once ---- */

#define SP_READERS 4
#define SP_WRITERS 2
#define SP_SLOTS 256
#define SP_MSGS (MAX_MSGS / T_DIV) /* divisible by SP_WRITERS */

static int sp_reader(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	struct shmchan_channel r;

	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	atomic_fetch_add(&g_shm->ready, 1);
	drain(&r, id, SP_MSGS, BOUND_MS);
	ASSERT_OK(shmchan_channel_close(&r));
	return 0;
}

/* Writer @arg writes indices arg, arg + SP_WRITERS, ... in order; every
 * third one zero copy. */
static int sp_writer(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	struct shmchan_channel w;
	uint64_t i;

	ASSERT_OK(shmchan_channel_open_writer(&w, g_name, NULL));
	atomic_fetch_add(&g_shm->writers, 1);
	for (i = id; i < SP_MSGS; i += SP_WRITERS) {
		if (i % 3 == 0) {
			unsigned char buf[SLOT];
			size_t len = t_msg_make(buf, i);
			void *slot;
			int err;

			while ((err = shmchan_channel_reserve(&w, len, &slot)) == -EAGAIN) {
				err = shmchan_channel_wait_writable(&w, BOUND_MS);
				if (err)
					T_FAIL("writer %u: wait_writable at %llu: %s", id,
					       (unsigned long long)i, shmchan_strerror(err));
			}
			if (err)
				T_FAIL("writer %u: reserve at %llu: %s", id, (unsigned long long)i,
				       shmchan_strerror(err));
			memcpy(slot, buf, len);
			ASSERT_OK(shmchan_channel_commit(&w, len));
		} else {
			write_msg(&w, i);
		}
	}
	ASSERT_OK(shmchan_channel_close(&w));
	return 0;
}

static void test_spread(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_WORKQUEUE,
				      .slot_size = SLOT,
				      .slot_count = SP_SLOTS };
	pid_t readers[SP_READERS], writers[SP_WRITERS];
	struct shmchan_channel w0;
	uint64_t sum = 0;
	unsigned i;
	int64_t t0;
	double el;

	shared_reset();
	g_name = t_name("wq.spread");
	ASSERT_OK(shmchan_channel_create_writer(&w0, g_name, &cfg));
	for (i = 0; i < SP_READERS; i++)
		readers[i] = t_fork(sp_reader, (void *)(uintptr_t)i);
	T_WAIT_UNTIL(atomic_load(&g_shm->ready) == SP_READERS, BOUND_MS);
	t0 = t_now_ns();
	for (i = 0; i < SP_WRITERS; i++)
		writers[i] = t_fork(sp_writer, (void *)(uintptr_t)i);
	T_WAIT_UNTIL(atomic_load(&g_shm->writers) == SP_WRITERS, BOUND_MS);
	ASSERT_OK(shmchan_channel_close(&w0)); /* end of stream when both finish */
	for (i = 0; i < SP_WRITERS; i++)
		ASSERT_EQ(t_wait_child(writers[i], 120000), 0);
	for (i = 0; i < SP_READERS; i++)
		ASSERT_EQ(t_wait_child(readers[i], 60000), 0);
	el = t_secs_since(t0);
	check_all_once(SP_MSGS);
	printf("spread: %u messages from %u writers to %u readers, each once, every byte "
	       "checked, %.2f s (%.0f messages/s); per reader:",
	       SP_MSGS, SP_WRITERS, SP_READERS, el, SP_MSGS / el);
	for (i = 0; i < SP_READERS; i++) {
		printf(" %llu", (unsigned long long)atomic_load(&g_shm->delivered[i]));
		sum += atomic_load(&g_shm->delivered[i]);
	}
	printf("\n");
	ASSERT_EQ(sum, SP_MSGS);
	ASSERT_OK(shmchan_channel_unlink(g_name));
}

/* ---- redeliver: a reader killed holding a peeked message ---- */

#define RD_SLOTS 64
#define RD_BATCH 16

static int rd_victim(void *arg)
{
	struct shmchan_channel r;
	const void *view;
	size_t len;
	uint64_t idx;

	(void)arg;
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	ASSERT_OK(shmchan_channel_wait_readable(&r, BOUND_MS));
	ASSERT_OK(shmchan_channel_peek(&r, &view, &len));
	idx = check_msg(view, len, 2 * RD_BATCH, "victim");
	atomic_store(&g_shm->held, idx + 1);
	t_idle_bounded(); /* never releases; killed by the parent */
	return 5;
}

static int rd_live(void *arg)
{
	struct shmchan_channel r;

	(void)arg;
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	atomic_fetch_add(&g_shm->ready, 1);
	ASSERT_EQ(drain(&r, 0, 2 * RD_BATCH, 30000), 2 * RD_BATCH);
	ASSERT_OK(shmchan_channel_close(&r));
	return 0;
}

/* The surviving reader is asleep in recv when the holder is killed. */
static void test_redeliver_asleep(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_WORKQUEUE,
				      .slot_size = SLOT,
				      .slot_count = RD_SLOTS };
	struct shmchan_channel w;
	pid_t victim, live;
	uint64_t i, m;
	int64_t t0, ms;

	shared_reset();
	g_name = t_name("wq.redeliver");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	for (i = 0; i < RD_BATCH; i++)
		write_msg(&w, i);
	victim = t_fork(rd_victim, NULL);
	T_WAIT_UNTIL(atomic_load(&g_shm->held) != 0, BOUND_MS);
	m = atomic_load(&g_shm->held) - 1;
	live = t_fork(rd_live, NULL);
	/* The live reader gets every other message, not the held one. */
	T_WAIT_UNTIL(atomic_load(&g_shm->delivered[0]) == RD_BATCH - 1, BOUND_MS);
	t_sleep_us(300000);
	ASSERT_EQ(atomic_load(&g_shm->delivered[0]), RD_BATCH - 1);
	ASSERT_EQ(atomic_load(&g_shm->cnt[m]), 0);
	t0 = t_now_ns();
	t_kill_wait(victim);
	T_WAIT_UNTIL(atomic_load(&g_shm->cnt[m]) == 1, 5000);
	ms = (t_now_ns() - t0) / 1000000;
	T_WAIT_UNTIL(atomic_load(&g_shm->delivered[0]) == RD_BATCH, BOUND_MS);
	/* The queue goes on as before. */
	for (i = RD_BATCH; i < 2 * RD_BATCH; i++)
		write_msg(&w, i);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_EQ(t_wait_child(live, 60000), 0);
	check_all_once(2 * RD_BATCH);
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("redeliver: message %llu held by a killed reader reached the sleeping reader %lld "
	       "ms after the kill; %u messages each delivered once\n",
	       (unsigned long long)m, (long long)ms, 2 * RD_BATCH);
}

/* The holder is killed before any other reader exists; a reader that opens
 * afterwards gets the held message and every other, once each. Done twice on
 * the same channel (the second holder peeks after messages were consumed). */
static void test_redeliver_open(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_WORKQUEUE,
				      .slot_size = SLOT,
				      .slot_count = RD_SLOTS };
	unsigned char buf[SLOT];
	struct shmchan_channel w, r;
	uint64_t i, m[2];
	int round;
	size_t len;

	shared_reset();
	g_name = t_name("wq.takeover");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	for (round = 0; round < 2; round++) {
		pid_t victim;

		for (i = round * RD_BATCH; i < (uint64_t)(round + 1) * RD_BATCH; i++)
			write_msg(&w, i);
		atomic_store(&g_shm->held, 0);
		victim = t_fork(rd_victim, NULL);
		T_WAIT_UNTIL(atomic_load(&g_shm->held) != 0, BOUND_MS);
		m[round] = atomic_load(&g_shm->held) - 1;
		ASSERT_TRUE(m[round] >= (uint64_t)round * RD_BATCH);
		t_kill_wait(victim);
		ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
		for (i = 0; i < RD_BATCH; i++)
			count(recv_msg(&r, 2 * RD_BATCH), "reader after the kill");
		/* Nothing more: no duplicate. */
		ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, 100), -ETIMEDOUT);
		ASSERT_EQ(atomic_load(&g_shm->cnt[m[round]]), 1);
		ASSERT_OK(shmchan_channel_close(&r));
	}
	check_all_once(2 * RD_BATCH);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("redeliver: held messages %llu and %llu of killed readers delivered to a reader "
	       "opened after the kill, nothing duplicated\n",
	       (unsigned long long)m[0], (unsigned long long)m[1]);
}

static void test_redeliver(void)
{
	test_redeliver_asleep();
	test_redeliver_open();
}

/* ---- limit: SHMCHAN_MAX_SUBSCRIBERS readers ---- */

static int lim_child(void *arg)
{
	struct shmchan_channel r;

	(void)arg;
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	atomic_fetch_add(&g_shm->ready, 1);
	t_idle_bounded();
	return 5;
}

static void test_limit(void)
{
	static struct shmchan_channel rs[SHMCHAN_MAX_SUBSCRIBERS + 1];
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_WORKQUEUE,
				      .slot_size = SLOT,
				      .slot_count = 128 };
	const uint64_t total = 2 * SHMCHAN_MAX_SUBSCRIBERS;
	struct shmchan_channel w;
	unsigned char buf[SLOT];
	size_t len;
	pid_t pid;
	uint64_t i;
	int k;

	ASSERT_EQ(SHMCHAN_MAX_SUBSCRIBERS, 64);
	shared_reset();
	g_name = t_name("wq.limit");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	for (k = 0; k < SHMCHAN_MAX_SUBSCRIBERS; k++)
		ASSERT_OK(shmchan_channel_open_reader(&rs[k], g_name, NULL));
	ASSERT_ERR(shmchan_channel_open_reader(&rs[k], g_name, NULL), -EUSERS);
	/* 64 messages, one read each: all different. */
	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++)
		write_msg(&w, i);
	for (k = 0; k < SHMCHAN_MAX_SUBSCRIBERS; k++) {
		ASSERT_OK(shmchan_channel_read(&rs[k], buf, sizeof(buf), &len));
		count(check_msg(buf, len, total, "limit"), "limit");
	}
	for (k = 0; k < SHMCHAN_MAX_SUBSCRIBERS; k++)
		ASSERT_ERR(shmchan_channel_read(&rs[k], buf, sizeof(buf), &len), -EAGAIN);
	check_all_once(SHMCHAN_MAX_SUBSCRIBERS);
	/* A closed reader's entry is reused. */
	ASSERT_OK(shmchan_channel_close(&rs[7]));
	ASSERT_OK(shmchan_channel_open_reader(&rs[7], g_name, NULL));
	ASSERT_ERR(shmchan_channel_open_reader(&rs[SHMCHAN_MAX_SUBSCRIBERS], g_name, NULL),
		   -EUSERS);
	/* So is a dead one's: a child takes the 64th entry and is killed. */
	ASSERT_OK(shmchan_channel_close(&rs[30]));
	pid = t_fork(lim_child, NULL);
	T_WAIT_UNTIL(atomic_load(&g_shm->ready) == 1, BOUND_MS);
	ASSERT_ERR(shmchan_channel_open_reader(&rs[30], g_name, NULL), -EUSERS);
	t_kill_wait(pid);
	ASSERT_OK(shmchan_channel_open_reader(&rs[30], g_name, NULL));
	ASSERT_ERR(shmchan_channel_open_reader(&rs[SHMCHAN_MAX_SUBSCRIBERS], g_name, NULL),
		   -EUSERS);
	/* The 64 still share the work. */
	for (i = SHMCHAN_MAX_SUBSCRIBERS; i < total; i++)
		write_msg(&w, i);
	for (k = 0; k < SHMCHAN_MAX_SUBSCRIBERS; k++) {
		ASSERT_OK(shmchan_channel_read(&rs[k], buf, sizeof(buf), &len));
		count(check_msg(buf, len, total, "limit"), "limit");
	}
	check_all_once(total);
	for (k = 0; k < SHMCHAN_MAX_SUBSCRIBERS; k++)
		ASSERT_OK(shmchan_channel_close(&rs[k]));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("limit: %d readers, the next -EUSERS; closed and dead entries reused\n",
	       SHMCHAN_MAX_SUBSCRIBERS);
}

/* ---- api: small checks ---- */

/*
 * Regressions found in review: a message held by a reader that closes (or
 * dies) is delivered before the end of stream, even when the writers are
 * gone by then; wait_for_reader sees work-queue readers.
 */
static void test_api_end(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_WORKQUEUE,
				      .slot_size = SLOT,
				      .slot_count = 8 };
	const char *name = t_name("wq.end");
	struct shmchan_channel w, r1, r2;
	unsigned char buf[SLOT];
	const void *view;
	size_t len;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	ASSERT_ERR(shmchan_channel_wait_for_reader(&w, 0), -ETIMEDOUT);
	ASSERT_OK(shmchan_channel_open_reader(&r2, name, NULL));
	ASSERT_OK(shmchan_channel_wait_for_reader(&w, 0));
	ASSERT_ERR(shmchan_channel_read(&r2, buf, sizeof(buf), &len), -EAGAIN);
	ASSERT_OK(shmchan_channel_open_reader(&r1, name, NULL));
	ASSERT_OK(shmchan_channel_write(&w, "job", 3));
	ASSERT_OK(shmchan_channel_peek(&r1, &view, &len));
	ASSERT_OK(shmchan_channel_close(&r1)); /* leaves the job held */
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_recv(&r2, buf, sizeof(buf), &len, BOUND_MS));
	ASSERT_EQ(len, 3);
	ASSERT_TRUE(memcmp(buf, "job", 3) == 0);
	ASSERT_ERR(shmchan_channel_read(&r2, buf, sizeof(buf), &len), -EPIPE);
	ASSERT_OK(shmchan_channel_close(&r2));
	ASSERT_OK(shmchan_channel_unlink(name));
}

static void test_api(void)
{
	test_api_end();
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_WORKQUEUE,
				      .slot_size = SLOT,
				      .slot_count = 8 };
	struct shmchan_config got, expect = { .kind = SHMCHAN_KIND_WORKQUEUE };
	const char *name = t_name("wq.api");
	struct shmchan_channel w, r1, r2, s;
	unsigned char buf[SLOT];
	const void *view;
	uint64_t i, n, a, b, held;
	size_t len;

	shared_reset();
	cfg.policy = SHMCHAN_POLICY_BLOCK;
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EINVAL);
	cfg.policy = 0;
	cfg.slot_count = 12;
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EINVAL);
	cfg.slot_count = 8;
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	ASSERT_OK(shmchan_channel_config(&w, &got));
	ASSERT_EQ(got.kind, SHMCHAN_KIND_WORKQUEUE);
	ASSERT_EQ(got.slot_size, SLOT);
	ASSERT_EQ(got.slot_count, 8);
	ASSERT_EQ(got.policy, 0);
	ASSERT_EQ(shmchan_channel_capacity(&w), 8);
	/* Not a broadcast channel. */
	ASSERT_ERR(shmchan_channel_subscribe(&s, name, NULL, 0), SHMCHAN_EKIND);
	ASSERT_ERR(shmchan_channel_subscribe(&s, name, NULL, SHMCHAN_SUB_OLDEST), SHMCHAN_EKIND);
	expect.kind = SHMCHAN_KIND_BROADCAST;
	ASSERT_ERR(shmchan_channel_open_reader(&s, name, &expect), SHMCHAN_EKIND);
	expect.kind = SHMCHAN_KIND_WORKQUEUE;
	ASSERT_ERR(shmchan_channel_lost(&w, &n), -ENOTSUP);

	/* Messages written before any reader wait for one; a full queue
	 * refuses more. */
	for (i = 0; i < 8; i++)
		write_msg(&w, i);
	len = t_msg_make(buf, 8);
	ASSERT_ERR(shmchan_channel_write(&w, buf, len), -EAGAIN);
	ASSERT_ERR(shmchan_channel_send(&w, buf, len, 30), -ETIMEDOUT);
	ASSERT_ERR(shmchan_channel_wait_writable(&w, 0), -ETIMEDOUT);
	ASSERT_EQ(shmchan_channel_depth(&w), 8);
	ASSERT_OK(shmchan_channel_open_reader(&r1, name, &expect));
	ASSERT_ERR(shmchan_channel_lost(&r1, &n), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_write(&r1, "x", 1), -ENOTSUP);
	ASSERT_OK(shmchan_channel_open_reader(&r2, name, NULL));
	count(recv_msg(&r1, 64), "r1");
	ASSERT_OK(shmchan_channel_wait_writable(&w, 0));
	ASSERT_OK(shmchan_channel_write(&w, buf, len)); /* 8 */
	/* Two readers share: each message goes to one of them. */
	for (i = 0; i < 3; i++) {
		count(recv_msg(&r2, 64), "r2");
		count(recv_msg(&r1, 64), "r1");
	}
	/* r1 holds a peeked message: r2 gets another one. */
	ASSERT_OK(shmchan_channel_peek(&r1, &view, &len));
	a = check_msg(view, len, 64, "peek");
	b = recv_msg(&r2, 64);
	ASSERT_TRUE(a != b);
	count(b, "r2");
	ASSERT_OK(shmchan_channel_release(&r1));
	count(a, "r1");
	ASSERT_ERR(shmchan_channel_read(&r1, buf, sizeof(buf), &len), -EAGAIN);
	ASSERT_ERR(shmchan_channel_read(&r2, buf, sizeof(buf), &len), -EAGAIN);
	ASSERT_ERR(shmchan_channel_release(&r1), -EINVAL); /* nothing peeked */
	check_all_once(9);
	/* A reader that closes holding a peeked message leaves it for the
	 * others. */
	write_msg(&w, 9);
	write_msg(&w, 10);
	ASSERT_OK(shmchan_channel_peek(&r1, &view, &len));
	held = check_msg(view, len, 64, "peek");
	ASSERT_OK(shmchan_channel_close(&r1));
	a = recv_msg(&r2, 64);
	b = recv_msg(&r2, 64);
	ASSERT_TRUE(a != b && (a == held || b == held));
	count(a, "r2");
	count(b, "r2");
	ASSERT_ERR(shmchan_channel_recv(&r2, buf, sizeof(buf), &len, 20), -ETIMEDOUT);
	check_all_once(11);
	/* Too small a buffer: -EMSGSIZE, the message stays. */
	write_msg(&w, 11);
	{
		unsigned char small[4];
		size_t need = 0;

		ASSERT_ERR(shmchan_channel_read(&r2, small, sizeof(small), &need), -EMSGSIZE);
		ASSERT_EQ(need, t_msg_len(11));
	}
	count(recv_msg(&r2, 64), "r2");
	/* End of stream for every reader once the writers are gone. */
	write_msg(&w, 12);
	ASSERT_OK(shmchan_channel_open_reader(&r1, name, NULL));
	ASSERT_OK(shmchan_channel_close(&w));
	count(recv_msg(&r1, 64), "r1");
	ASSERT_ERR(shmchan_channel_recv(&r1, buf, sizeof(buf), &len, 1000), -EPIPE);
	ASSERT_ERR(shmchan_channel_recv(&r2, buf, sizeof(buf), &len, 1000), -EPIPE);
	ASSERT_ERR(shmchan_channel_peek(&r2, &view, &len), -EPIPE);
	ASSERT_ERR(shmchan_channel_wait_readable(&r2, 1000), -EPIPE);
	check_all_once(13);
	ASSERT_OK(shmchan_channel_close(&r1));
	ASSERT_OK(shmchan_channel_close(&r2));
	ASSERT_OK(shmchan_channel_unlink(name));
	printf("api: kinds, policy, lost, full queue, sharing, peek, close holding a peek, end "
	       "of stream\n");
}

/*
 * A reader holding a message (peeked, not released) never holds back the
 * others: writers step over its slot lap after lap, with the held message
 * at every position of a lap; the held bytes stay intact, and every message
 * is delivered exactly once.
 */
#define HELD_SLOTS 16

static void test_held(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_WORKQUEUE,
				      .slot_size = SLOT,
				      .slot_count = HELD_SLOTS };
	uint32_t k;

	for (k = 0; k < HELD_SLOTS; k++) {
		struct shmchan_channel w, a, b;
		const void *view;
		uint64_t i, total = k + 1 + 4 * HELD_SLOTS + 8;
		size_t len;

		g_name = t_name("wq.held");
		shared_reset();
		ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
		ASSERT_OK(shmchan_channel_open_reader(&a, g_name, NULL));
		ASSERT_OK(shmchan_channel_open_reader(&b, g_name, NULL));
		for (i = 0; i < k; i++) {
			write_msg(&w, i);
			count(recv_msg(&b, total), "b");
		}
		write_msg(&w, k);
		ASSERT_OK(shmchan_channel_peek(&a, &view, &len));
		ASSERT_EQ(check_msg(view, len, total, "held"), k);
		count(k, "a");
		/* Four laps and more while a holds its message. */
		for (i = k + 1; i < total - 8; i++) {
			write_msg(&w, i);
			count(recv_msg(&b, total), "b");
		}
		ASSERT_EQ(check_msg(view, len, total, "held after laps"), k);
		ASSERT_OK(shmchan_channel_release(&a));
		for (; i < total; i++)
			write_msg(&w, i);
		for (i = total - 8; i < total; i++)
			count(recv_msg(i & 1 ? &a : &b, total), "either");
		check_all_once(total);
		shmchan_channel_close(&w);
		ASSERT_ERR(shmchan_channel_recv(&b, NULL, 0, &len, BOUND_MS), -EPIPE);
		shmchan_channel_close(&a);
		shmchan_channel_close(&b);
		shmchan_channel_unlink(g_name);
	}
	printf("held: a message held at each of %d positions never blocked the queue\n",
	       HELD_SLOTS);
}

static const struct t_case cases[] = {
	{ "api", test_api },	   { "held", test_held },
	{ "limit", test_limit },   { "redeliver", test_redeliver },
	{ "spread", test_spread },
};

int main(int argc, char **argv)
{
	t_watchdog(170);
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_shm = mmap(NULL, sizeof(*g_shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		     0);
	if (g_shm == MAP_FAILED)
		T_FAIL("mmap: %s", strerror(errno));
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	printf("test_workqueue: ok%s\n", T_DIV > 1 ? " (message counts / 4 under sanitizers)" : "");
	return 0;
}
