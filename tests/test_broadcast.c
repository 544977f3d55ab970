/* SPDX-License-Identifier: MIT */
/*
 * Broadcast channels (publish/subscribe), the API through its small cases:
 *   api        SUB_OLDEST vs next, policies, errors, -EAGAIN under BLOCK,
 *              ELOST under OVERWRITE, end of stream
 *   limit      SHMCHAN_MAX_SUBSCRIBERS subscribers, the next one -EUSERS; a
 *              closed or dead subscriber's entry is reused
 *   wait_for_reader  300 joins raced with a writer's wait_for_reader: no
 *              message written after the wait is missed
 * The long streams are test_broadcast_stream.c, the crashes
 * test_broadcast_crash.c.
 * Run one case by giving its name as the argument (ctest runs each case as
 * its own test, named after it).
 */
#include "t_bcast.h"

/* ---- limit: SHMCHAN_MAX_SUBSCRIBERS ---- */

static int lim_child(void *arg)
{
	struct shmchan_channel s;

	(void)arg;
	ASSERT_OK(shmchan_channel_subscribe(&s, g_name, NULL, SHMCHAN_SUB_OLDEST));
	atomic_fetch_add(&g_shm->ready, 1);
	t_idle_bounded();
	return 5;
}

static void test_limit(void)
{
	static struct shmchan_channel subs[SHMCHAN_MAX_SUBSCRIBERS + 1];
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = 8 };
	struct shmchan_channel w, extra;
	unsigned char buf[SLOT];
	size_t len;
	pid_t pid;
	int i;

	ASSERT_EQ(SHMCHAN_MAX_SUBSCRIBERS, 64);
	shared_reset();
	g_name = t_name("bc.limit");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++) {
		if (i % 3 == 0)
			ASSERT_OK(shmchan_channel_open_reader(&subs[i], g_name, NULL));
		else
			ASSERT_OK(shmchan_channel_subscribe(&subs[i], g_name, NULL,
							    i % 3 == 2 ? SHMCHAN_SUB_OLDEST : 0));
	}
	ASSERT_ERR(shmchan_channel_open_reader(&subs[i], g_name, NULL), -EUSERS);
	ASSERT_ERR(shmchan_channel_subscribe(&subs[i], g_name, NULL, 0), -EUSERS);
	ASSERT_ERR(shmchan_channel_subscribe(&subs[i], g_name, NULL, SHMCHAN_SUB_OLDEST), -EUSERS);
	/* Writers are not subscribers: one more writer still joins. */
	ASSERT_OK(shmchan_channel_open_writer(&extra, g_name, NULL));
	ASSERT_OK(shmchan_channel_close(&extra));
	/* All 64 get the same message. */
	len = t_msg_make(buf, 42);
	ASSERT_OK(shmchan_channel_write(&w, buf, len));
	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++)
		read_msg(&subs[i], 42);
	/* A closed subscriber's entry is reused. */
	ASSERT_OK(shmchan_channel_close(&subs[10]));
	ASSERT_OK(shmchan_channel_open_reader(&subs[10], g_name, NULL));
	ASSERT_ERR(shmchan_channel_open_reader(&subs[SHMCHAN_MAX_SUBSCRIBERS], g_name, NULL),
		   -EUSERS);
	/* So is a dead one's: a child takes the 64th entry and is killed. */
	ASSERT_OK(shmchan_channel_close(&subs[20]));
	pid = t_fork(lim_child, NULL);
	T_WAIT_UNTIL(atomic_load(&g_shm->ready) == 1, BOUND_MS);
	ASSERT_ERR(shmchan_channel_open_reader(&subs[20], g_name, NULL), -EUSERS);
	t_kill_wait(pid);
	ASSERT_OK(shmchan_channel_open_reader(&subs[20], g_name, NULL));
	ASSERT_ERR(shmchan_channel_subscribe(&subs[SHMCHAN_MAX_SUBSCRIBERS], g_name, NULL, 0),
		   -EUSERS);
	len = t_msg_make(buf, 43);
	ASSERT_OK(shmchan_channel_write(&w, buf, len));
	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++)
		read_msg(&subs[i], 43);
	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++)
		ASSERT_OK(shmchan_channel_close(&subs[i]));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("limit: %d subscribers, the next -EUSERS; closed and dead entries reused\n",
	       SHMCHAN_MAX_SUBSCRIBERS);
}

/* ---- api: small checks ---- */

static void test_api_create(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = 8 };
	struct shmchan_channel w, r, s;
	const char *name = t_name("bc.args");
	unsigned char buf[SLOT];
	uint64_t n;
	size_t len;

	cfg.policy = 3;
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EINVAL);
	cfg.policy = 99;
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EINVAL);
	cfg.policy = SHMCHAN_POLICY_BLOCK;
	cfg.slot_count = 6; /* not a power of two */
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EINVAL);
	cfg.slot_count = 8;
	cfg.slot_size = 0;
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EINVAL);
	/* A policy on another kind. */
	cfg = (struct shmchan_config){ .slot_size = SLOT,
				       .slot_count = 8,
				       .policy = SHMCHAN_POLICY_OVERWRITE };
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EINVAL);
	cfg.kind = SHMCHAN_KIND_WORKQUEUE;
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EINVAL);
	ASSERT_ERR(shmchan_channel_open_reader(&r, name, NULL), -ENOENT); /* nothing left */

	/* A slot channel: subscribe is refused, lost is not for its reader. */
	cfg = (struct shmchan_config){ .slot_size = SLOT, .slot_count = 8 };
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	ASSERT_ERR(shmchan_channel_subscribe(&s, name, NULL, 0), SHMCHAN_EKIND);
	ASSERT_ERR(shmchan_channel_subscribe(&s, name, NULL, SHMCHAN_SUB_OLDEST), SHMCHAN_EKIND);
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	ASSERT_ERR(shmchan_channel_lost(&r, &n), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_lost(&w, &n), -ENOTSUP);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(name));

	/* A record channel: subscribe is refused too. */
	cfg = (struct shmchan_config){ .kind = SHMCHAN_KIND_RECORD, .buffer_size = 1024 };
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	ASSERT_ERR(shmchan_channel_subscribe(&s, name, NULL, 0), SHMCHAN_EKIND);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(name));

	/* Broadcast: config reports the policy; expectations; bad flags; lost
	 * on the writer; NULL and closed handles. */
	cfg = (struct shmchan_config){ .kind = SHMCHAN_KIND_BROADCAST,
				       .slot_size = SLOT,
				       .slot_count = 8,
				       .policy = SHMCHAN_POLICY_OVERWRITE };
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	{
		struct shmchan_config got, expect = { .kind = SHMCHAN_KIND_BROADCAST,
						      .policy = SHMCHAN_POLICY_OVERWRITE };

		ASSERT_OK(shmchan_channel_config(&w, &got));
		ASSERT_EQ(got.kind, SHMCHAN_KIND_BROADCAST);
		ASSERT_EQ(got.slot_size, SLOT);
		ASSERT_EQ(got.slot_count, 8);
		ASSERT_EQ(got.policy, SHMCHAN_POLICY_OVERWRITE);
		ASSERT_EQ(shmchan_channel_capacity(&w), 8);
		ASSERT_OK(shmchan_channel_subscribe(&s, name, &expect, 0));
		ASSERT_OK(shmchan_channel_close(&s));
		expect.policy = SHMCHAN_POLICY_BLOCK;
		ASSERT_TRUE(shmchan_channel_subscribe(&s, name, &expect, 0) < 0);
		ASSERT_TRUE(shmchan_channel_open_reader(&s, name, &expect) < 0);
		expect.policy = 0;
		expect.kind = SHMCHAN_KIND_SLOT;
		ASSERT_ERR(shmchan_channel_open_reader(&s, name, &expect), SHMCHAN_EKIND);
	}
	ASSERT_ERR(shmchan_channel_subscribe(&s, name, NULL, 4), -EINVAL);
	ASSERT_ERR(shmchan_channel_subscribe(&s, name, NULL, ~0u), -EINVAL);
	ASSERT_ERR(shmchan_channel_subscribe(NULL, name, NULL, 0), -EINVAL);
	ASSERT_ERR(shmchan_channel_lost(&w, &n), -ENOTSUP);
	ASSERT_OK(shmchan_channel_subscribe(&s, name, NULL, 0));
	ASSERT_ERR(shmchan_channel_lost(&s, NULL), -EINVAL);
	ASSERT_ERR(shmchan_channel_lost(NULL, &n), -EINVAL);
	ASSERT_OK(shmchan_channel_lost(&s, &n));
	ASSERT_EQ(n, 0);
	/* Each side refuses the other's calls. */
	ASSERT_ERR(shmchan_channel_write(&s, "x", 1), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_read(&w, buf, sizeof(buf), &len), -ENOTSUP);
	ASSERT_OK(shmchan_channel_close(&s));
	ASSERT_ERR(shmchan_channel_lost(&s, &n), -EINVAL); /* closed */
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(name));
	ASSERT_ERR(shmchan_channel_subscribe(&s, name, NULL, 0), -ENOENT);
}

static void test_api_block(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = 8,
				      .policy = SHMCHAN_POLICY_BLOCK };
	struct shmchan_channel w, w2, next, old, old2;
	const char *name = t_name("bc.block");
	unsigned char buf[SLOT];
	const void *view;
	uint64_t i;
	size_t len;
	void *slot;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	/* No subscriber: the writer never waits, the oldest are overwritten. */
	for (i = 0; i < 20; i++) {
		len = t_msg_make(buf, i);
		ASSERT_OK(shmchan_channel_write(&w, buf, len));
	}
	/* SUB_OLDEST gets the 8 retained; next (open_reader) gets none of them. */
	ASSERT_OK(shmchan_channel_subscribe(&old, name, NULL, SHMCHAN_SUB_OLDEST));
	ASSERT_OK(shmchan_channel_open_reader(&next, name, NULL));
	ASSERT_ERR(shmchan_channel_read(&next, buf, sizeof(buf), &len), -EAGAIN);
	ASSERT_ERR(shmchan_channel_wait_readable(&next, 0), -ETIMEDOUT);
	ASSERT_ERR(shmchan_channel_recv(&next, buf, sizeof(buf), &len, 20), -ETIMEDOUT);
	ASSERT_EQ(shmchan_channel_depth(&next), 0);
	ASSERT_EQ(shmchan_channel_depth(&old), 8);
	for (i = 12; i < 16; i++)
		read_msg(&old, i);
	/* Both get what is written from now on; the writer is held back by the
	 * slowest: old has 4 to read, so 4 more fit. */
	for (i = 20; i < 24; i++) {
		len = t_msg_make(buf, i);
		ASSERT_OK(shmchan_channel_write(&w, buf, len));
	}
	len = t_msg_make(buf, 24);
	ASSERT_ERR(shmchan_channel_write(&w, buf, len), -EAGAIN);
	ASSERT_ERR(shmchan_channel_reserve(&w, len, &slot), -EAGAIN);
	ASSERT_ERR(shmchan_channel_send(&w, buf, len, 30), -ETIMEDOUT);
	ASSERT_ERR(shmchan_channel_wait_writable(&w, 0), -ETIMEDOUT);
	ASSERT_EQ(shmchan_channel_depth(&w), 8);
	for (i = 20; i < 24; i++)
		read_msg(&next, i);
	ASSERT_ERR(shmchan_channel_write(&w, buf, len), -EAGAIN); /* old still lags */
	read_msg(&old, 16);
	ASSERT_OK(shmchan_channel_wait_writable(&w, 0));
	ASSERT_OK(shmchan_channel_write(&w, buf, len)); /* 24 */
	ASSERT_ERR(shmchan_channel_write(&w, buf, len), -EAGAIN);
	/* A second subscriber from the oldest, a second writer: both fine. */
	ASSERT_OK(shmchan_channel_subscribe(&old2, name, NULL, SHMCHAN_SUB_OLDEST));
	ASSERT_EQ(shmchan_channel_depth(&old2), 8);
	read_msg(&old2, 17);
	ASSERT_OK(shmchan_channel_open_writer(&w2, name, NULL));
	for (i = 17; i < 25; i++) {
		ASSERT_OK(shmchan_channel_peek(&old, &view, &len));
		check_msg(view, len, i, "peek");
		ASSERT_OK(shmchan_channel_release(&old));
	}
	ASSERT_EQ(lost_of(&old), 0);
	read_msg(&next, 24);
	/* The slowest now is old2 (7 unread): one slot is free. */
	len = t_msg_make(buf, 25);
	ASSERT_OK(shmchan_channel_write(&w2, buf, len));
	len = t_msg_make(buf, 26);
	ASSERT_ERR(shmchan_channel_write(&w2, buf, len), -EAGAIN);
	/* A lagging subscriber that leaves releases the writers at once. */
	ASSERT_OK(shmchan_channel_close(&old2));
	ASSERT_OK(shmchan_channel_reserve(&w2, len, &slot));
	memcpy(slot, buf, len);
	ASSERT_OK(shmchan_channel_commit(&w2, len));
	read_msg(&old, 25);
	read_msg(&old, 26);
	read_msg(&next, 25);
	read_msg(&next, 26);
	/* End of stream once every writer has gone and all is read. */
	len = t_msg_make(buf, 27);
	ASSERT_OK(shmchan_channel_write(&w, buf, len));
	ASSERT_OK(shmchan_channel_close(&w));
	read_msg(&next, 27);
	ASSERT_ERR(shmchan_channel_read(&next, buf, sizeof(buf), &len), -EAGAIN); /* w2 lives */
	ASSERT_OK(shmchan_channel_close(&w2));
	ASSERT_ERR(shmchan_channel_read(&next, buf, sizeof(buf), &len), -EPIPE);
	ASSERT_ERR(shmchan_channel_recv(&next, buf, sizeof(buf), &len, 1000), -EPIPE);
	ASSERT_ERR(shmchan_channel_wait_readable(&next, 1000), -EPIPE);
	ASSERT_ERR(shmchan_channel_peek(&next, &view, &len), -EPIPE);
	read_msg(&old, 27);
	ASSERT_ERR(shmchan_channel_recv(&old, buf, sizeof(buf), &len, 1000), -EPIPE);
	ASSERT_EQ(lost_of(&old), 0);
	ASSERT_EQ(lost_of(&next), 0);
	ASSERT_OK(shmchan_channel_close(&old));
	ASSERT_OK(shmchan_channel_close(&next));
	ASSERT_OK(shmchan_channel_unlink(name));
}

/* A subscriber that joins with SUB_OLDEST before the ring wrapped gets
 * everything; the one opened with open_reader only what follows. */
static void test_api_oldest_small(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = 8,
				      .policy = SHMCHAN_POLICY_OVERWRITE };
	struct shmchan_channel w, old, next;
	const char *name = t_name("bc.oldest");
	unsigned char buf[SLOT];
	uint64_t i;
	size_t len;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	for (i = 0; i < 3; i++) {
		len = t_msg_make(buf, i);
		ASSERT_OK(shmchan_channel_write(&w, buf, len));
	}
	ASSERT_OK(shmchan_channel_open_reader(&next, name, NULL));
	ASSERT_OK(shmchan_channel_subscribe(&old, name, NULL, SHMCHAN_SUB_OLDEST));
	ASSERT_ERR(shmchan_channel_read(&next, buf, sizeof(buf), &len), -EAGAIN);
	len = t_msg_make(buf, 3);
	ASSERT_OK(shmchan_channel_write(&w, buf, len));
	read_msg(&next, 3);
	for (i = 0; i < 4; i++)
		read_msg(&old, i);
	ASSERT_ERR(shmchan_channel_read(&old, buf, sizeof(buf), &len), -EAGAIN);
	/* An empty message is a message. */
	ASSERT_OK(shmchan_channel_write(&w, NULL, 0));
	ASSERT_OK(shmchan_channel_read(&next, buf, sizeof(buf), &len));
	ASSERT_EQ(len, 0);
	ASSERT_OK(shmchan_channel_read(&old, buf, sizeof(buf), &len));
	ASSERT_EQ(len, 0);
	/* Too small a buffer: -EMSGSIZE, the message stays. */
	len = t_msg_make(buf, 4);
	ASSERT_OK(shmchan_channel_write(&w, buf, len));
	ASSERT_ERR(shmchan_channel_write(&w, buf, SLOT + 1), -EMSGSIZE);
	{
		unsigned char small[4];
		size_t need = 0;

		ASSERT_ERR(shmchan_channel_read(&next, small, sizeof(small), &need), -EMSGSIZE);
		ASSERT_EQ(need, t_msg_len(4));
	}
	read_msg(&next, 4);
	read_msg(&old, 4);
	ASSERT_EQ(lost_of(&old), 0);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_ERR(shmchan_channel_read(&old, buf, sizeof(buf), &len), -EPIPE);
	ASSERT_OK(shmchan_channel_close(&old));
	ASSERT_OK(shmchan_channel_close(&next));
	ASSERT_OK(shmchan_channel_unlink(name));
}

/*
 * Writers among themselves (regressions found in review): a writer never
 * waits on another writer's open reservation a lap earlier: write returns
 * -EAGAIN and send times out, under both policies, until it is committed.
 * And wait_for_reader sees subscribers.
 */
static void test_api_writers(void)
{
	static const uint32_t policies[2] = { SHMCHAN_POLICY_OVERWRITE, SHMCHAN_POLICY_BLOCK };
	unsigned p;

	for (p = 0; p < 2; p++) {
		struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
					      .slot_size = SLOT,
					      .slot_count = 4,
					      .policy = policies[p] };
		const char *name = t_name("bc.writers");
		struct shmchan_channel a, b, s;
		unsigned char buf[SLOT];
		void *slot;
		size_t len;
		uint64_t i, idx;
		int64_t t0;

		ASSERT_OK(shmchan_channel_create_writer(&a, name, &cfg));
		ASSERT_OK(shmchan_channel_open_writer(&b, name, NULL));
		ASSERT_ERR(shmchan_channel_wait_for_reader(&a, 0), -ETIMEDOUT);
		ASSERT_OK(shmchan_channel_open_reader(&s, name, NULL));
		ASSERT_OK(shmchan_channel_wait_for_reader(&a, 0));
		/* a holds position 0 open; b fills positions 1 to 3. */
		ASSERT_OK(shmchan_channel_reserve(&a, t_msg_make(buf, 0), &slot));
		memcpy(slot, buf, t_msg_len(0));
		for (i = 1; i < 4; i++)
			ASSERT_OK(shmchan_channel_write(&b, buf, t_msg_make(buf, i)));
		/* Position 4 reuses position 0's slot, still being written. */
		ASSERT_ERR(shmchan_channel_write(&b, buf, t_msg_make(buf, 4)), -EAGAIN);
		ASSERT_ERR(shmchan_channel_wait_writable(&b, 0), -ETIMEDOUT);
		t0 = t_now_ns();
		ASSERT_ERR(shmchan_channel_send(&b, buf, t_msg_make(buf, 4), 50), -ETIMEDOUT);
		ASSERT_TRUE(t_now_ns() - t0 < 2000000000LL);
		ASSERT_OK(shmchan_channel_commit(&a, t_msg_len(0)));
		if (policies[p] == SHMCHAN_POLICY_BLOCK) {
			/* The subscriber still gates position 4. */
			ASSERT_ERR(shmchan_channel_write(&b, buf, t_msg_make(buf, 4)), -EAGAIN);
			ASSERT_OK(shmchan_channel_read(&s, buf, sizeof(buf), &len));
			ASSERT_TRUE(t_msg_ok(buf, len, &idx) && idx == 0);
		}
		ASSERT_OK(shmchan_channel_send(&b, buf, t_msg_make(buf, 4), BOUND_MS));
		ASSERT_OK(shmchan_channel_close(&a));
		ASSERT_OK(shmchan_channel_close(&b));
		for (i = policies[p] == SHMCHAN_POLICY_BLOCK ? 1 : 0; i < 5; i++) {
			int err = shmchan_channel_read(&s, buf, sizeof(buf), &len);

			if (err == SHMCHAN_ELOST)
				err = shmchan_channel_read(&s, buf, sizeof(buf), &len);
			ASSERT_OK(err);
			ASSERT_TRUE(t_msg_ok(buf, len, &idx));
			i = idx;
		}
		ASSERT_EQ(idx, 4);
		ASSERT_ERR(shmchan_channel_read(&s, buf, sizeof(buf), &len), -EPIPE);
		ASSERT_OK(shmchan_channel_close(&s));
		ASSERT_OK(shmchan_channel_unlink(name));
	}
}

static void test_api(void)
{
	test_api_create();
	test_api_writers();
	test_api_block();
	test_api_oldest_small();
	printf("api: policies, kinds, SUB_OLDEST vs next, -EAGAIN under BLOCK, end of "
	       "stream\n");
}

#define WFR_SLOTS 8
#define WFR_MSGS (WFR_SLOTS + 1)
static int wr_sub(void *arg)
{
	struct shmchan_channel s;
	unsigned char buf[SLOT];
	size_t len;
	uint64_t idx, k;
	int err = 0;

	(void)arg;
	if (shmchan_channel_open_reader(&s, g_name, NULL) != 0)
		return 1;
	for (k = 0; k < WFR_MSGS && !err; k++) {
		err = shmchan_channel_recv(&s, buf, sizeof(buf), &len, BOUND_MS);
		if (!err && (!t_msg_ok(buf, len, &idx) || idx != 7 + k))
			err = 2;
	}
	shmchan_channel_close(&s);
	return err ? 2 : 0;
}

/*
 * wait_for_reader, then write more than a lap: the subscriber it saw gets
 * every message, however the join and the wait interleave (the writer has
 * written before, with no subscriber: its gate was "none").
 */
static void test_wait_for_reader(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = WFR_SLOTS };
	unsigned char buf[SLOT];
	unsigned i, k;

	for (i = 0; i < 300; i++) {
		struct shmchan_channel w;
		pid_t sub;

		g_name = t_name("bc.wfr");
		ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
		ASSERT_OK(shmchan_channel_write(&w, buf, t_msg_make(buf, 0)));
		sub = t_fork(wr_sub, NULL);
		ASSERT_OK(shmchan_channel_wait_for_reader(&w, BOUND_MS));
		for (k = 0; k < WFR_MSGS; k++)
			ASSERT_OK(shmchan_channel_send(&w, buf, t_msg_make(buf, 7 + k), BOUND_MS));
		ASSERT_EQ(t_wait_child(sub, BOUND_MS), 0);
		ASSERT_OK(shmchan_channel_close(&w));
		ASSERT_OK(shmchan_channel_unlink(g_name));
		t_nnames = 0;
	}
	printf("wait_for_reader: 300 joins raced with a wait and %d writes, none missed\n",
	       WFR_MSGS);
}

static const struct t_case cases[] = {
	{ "api", test_api },
	{ "limit", test_limit },
	{ "wait_for_reader", test_wait_for_reader },
};

int main(int argc, char **argv)
{
	return t_bcast_main("test_broadcast", cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
