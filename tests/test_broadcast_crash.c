/* SPDX-License-Identifier: MIT */
/*
 * Broadcast channels, peers killed with SIGKILL:
 *   killed     a subscriber killed while the writer is blocked on it: the
 *              writer resumes in bounded time, the other subscriber loses
 *              nothing
 *   killed_writer  a writer killed holding a reservation: the writer a lap
 *              later goes on in bounded time, under every wait strategy and
 *              both policies
 * Run one case by giving its name as the argument (ctest runs each case as
 * its own test, named after it).
 */
#include "t_bcast.h"

/* ---- killed: a subscriber SIGKILLed while the writer waits on it ---- */

#define KL_SLOTS 64
#define KL_MSGS 20000u

static int kl_victim(void *arg)
{
	struct shmchan_channel s;

	(void)arg;
	ASSERT_OK(shmchan_channel_open_reader(&s, g_name, NULL));
	atomic_fetch_add(&g_shm->ready, 1);
	t_idle_bounded(); /* never reads; killed by the parent */
	return 5;
}

static int kl_good(void *arg)
{
	struct shmchan_channel s;
	unsigned char buf[SLOT];
	uint64_t next = 0;
	size_t len;
	int err;

	(void)arg;
	ASSERT_OK(shmchan_channel_subscribe(&s, g_name, NULL, 0));
	atomic_fetch_add(&g_shm->ready, 1);
	while ((err = shmchan_channel_recv(&s, buf, sizeof(buf), &len, 20000)) == 0) {
		check_msg(buf, len, next, "surviving subscriber");
		atomic_store(&g_shm->delivered[0], ++next);
	}
	if (err != -EPIPE)
		T_FAIL("surviving subscriber: recv after %llu messages: %s",
		       (unsigned long long)next, shmchan_strerror(err));
	ASSERT_EQ(next, KL_MSGS);
	ASSERT_OK(shmchan_channel_close(&s));
	return 0;
}

static int kl_writer(void *arg)
{
	struct shmchan_channel w;
	uint64_t i;

	(void)arg;
	ASSERT_OK(shmchan_channel_open_writer(&w, g_name, NULL));
	atomic_store(&g_shm->flag, 1);
	for (i = 0; i < KL_MSGS; i++) {
		send_msg(&w, i); /* at most BOUND_MS blocked */
		atomic_store(&g_shm->written, i + 1);
	}
	ASSERT_OK(shmchan_channel_close(&w));
	return 0;
}

/* A writer that reserves position 0 and waits to be killed. */
static int kw_holder(void *arg)
{
	struct shmchan_channel w;
	void *slot;

	(void)arg;
	if (shmchan_channel_open_writer(&w, g_name, NULL) != 0 ||
	    shmchan_channel_reserve(&w, 8, &slot) != 0)
		return 1;
	atomic_store(&g_shm->flag, 1);
	t_idle_bounded();
	return 2;
}

/*
 * A writer killed holding a reservation: a writer a lap later goes on
 * within a bounded time, whatever its wait strategy (SPIN never sleeps,
 * so it must look for the dead writer while it spins), under both
 * policies, with no subscriber waiting at that position.
 */
static void test_killed_writer(void)
{
	static const uint32_t waits[3] = { SHMCHAN_WAIT_FUTEX, SHMCHAN_WAIT_SPIN,
					   SHMCHAN_WAIT_BACKOFF };
	unsigned i;

	for (i = 0; i < 6; i++) {
		struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
					      .slot_size = SLOT,
					      .slot_count = 4,
					      .policy = i < 3 ? SHMCHAN_POLICY_OVERWRITE
							      : SHMCHAN_POLICY_BLOCK };
		struct shmchan_config how = { .wait = waits[i % 3] };
		struct shmchan_channel w0, w;
		unsigned char buf[SLOT];
		uint64_t k;
		int64_t t0;
		pid_t holder;

		shared_reset();
		g_name = t_name("bc.killw");
		ASSERT_OK(shmchan_channel_create_writer(&w0, g_name, &cfg));
		holder = t_fork(kw_holder, NULL);
		T_WAIT_UNTIL(atomic_load(&g_shm->flag) == 1, BOUND_MS);
		for (k = 1; k < 4; k++)
			ASSERT_OK(shmchan_channel_write(&w0, buf, t_msg_make(buf, k)));
		ASSERT_ERR(shmchan_channel_write(&w0, buf, t_msg_make(buf, 4)), -EAGAIN);
		t_kill_wait(holder);
		/* A fresh handle: it finds the dead writer in its wait. */
		ASSERT_OK(shmchan_channel_open_writer(&w, g_name, &how));
		t0 = t_now_ns();
		ASSERT_OK(shmchan_channel_send(&w, buf, t_msg_make(buf, 4), 3000));
		printf("killed writer (%s, wait %u): the next writer went on after %.1f ms\n",
		       i < 3 ? "overwrite" : "block", waits[i % 3],
		       (double)(t_now_ns() - t0) / 1e6);
		ASSERT_OK(shmchan_channel_close(&w));
		ASSERT_OK(shmchan_channel_close(&w0));
		ASSERT_OK(shmchan_channel_unlink(g_name));
	}
}

/* A subscriber that must get messages 7 to 7 + WFR_MSGS - 1, in order. */

static void test_killed(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = KL_SLOTS,
				      .policy = SHMCHAN_POLICY_BLOCK };
	struct shmchan_channel w0;
	pid_t victim, good, writer;
	int64_t t0, ms;

	shared_reset();
	g_name = t_name("bc.kill");
	ASSERT_OK(shmchan_channel_create_writer(&w0, g_name, &cfg));
	victim = t_fork(kl_victim, NULL);
	good = t_fork(kl_good, NULL);
	T_WAIT_UNTIL(atomic_load(&g_shm->ready) == 2, BOUND_MS);
	writer = t_fork(kl_writer, NULL);
	T_WAIT_UNTIL(atomic_load(&g_shm->flag) == 1, BOUND_MS);
	ASSERT_OK(shmchan_channel_close(&w0)); /* the child is the only writer now */
	/* The victim lags by a full ring: the writer waits on it. */
	T_WAIT_UNTIL(atomic_load(&g_shm->written) == KL_SLOTS, BOUND_MS);
	T_WAIT_UNTIL(atomic_load(&g_shm->delivered[0]) == KL_SLOTS, BOUND_MS);
	t_sleep_us(300000);
	ASSERT_EQ(atomic_load(&g_shm->written), KL_SLOTS);
	/* Kill it (and reap it: a zombie still looks alive). */
	t0 = t_now_ns();
	t_kill_wait(victim);
	T_WAIT_UNTIL(atomic_load(&g_shm->written) > KL_SLOTS, 3000);
	ms = (t_now_ns() - t0) / 1000000;
	ASSERT_EQ(t_wait_child(writer, 60000), 0);
	ASSERT_EQ(t_wait_child(good, 60000), 0);
	ASSERT_EQ(atomic_load(&g_shm->delivered[0]), KL_MSGS);
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("killed: writer blocked on a dead subscriber resumed %lld ms after the kill; the "
	       "other subscriber got all %u messages in order\n",
	       (long long)ms, KL_MSGS);
}

static const struct t_case cases[] = {
	{ "killed", test_killed },
	{ "killed_writer", test_killed_writer },
};

int main(int argc, char **argv)
{
	return t_bcast_main("test_broadcast_crash", cases, sizeof(cases) / sizeof(cases[0]), argc,
			    argv);
}
