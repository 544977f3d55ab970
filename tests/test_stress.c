/* SPDX-License-Identifier: MIT */
/*
 * MPSC stress: 4 producer threads plus 2 producer processes write into one
 * channel that one consumer drains. At least 1,000,000 messages of 8 to 256
 * bytes; the consumer checks every byte and each producer's order.
 * The count is the same under the sanitizers (about 4 s under TSan).
 *
 * Argument "broadcast": the same producers into a broadcast channel (BLOCK)
 * read by 2 subscriber threads, each checking every message. Argument
 * "overwrite": the same under OVERWRITE; each subscriber checks that every
 * message it gets is intact and newer than the last of its producer, and
 * that what it got plus what it was told it lost is every message written.
 * Subscriber threads beside producer threads exercise the seqlock copies
 * under TSan.
 */
#include <pthread.h>

#include "t_util.h"

#define THREADS 4
#define PROCS 2
#define PRODUCERS (THREADS + PROCS)
#define SLOT 256
#define TOTAL 1000002u	       /* divisible by PRODUCERS */
#define STALL_NS 20000000000LL /* no progress for 20 s fails the test */

#define SUBS 2

static const char *g_name;
static unsigned g_per;
static int g_overwrite;

static size_t msg_len(unsigned id, unsigned seq)
{
	return 8 + (seq * 131u + id * 17u) % (SLOT - 7);
}

static unsigned char pat(unsigned id, unsigned seq, size_t i)
{
	return (unsigned char)(id * 131u + seq * 7u + i);
}

/* Write g_per messages; returns 0 or an error code for the exit status. */
static int produce(unsigned id)
{
	struct shmchan_channel w;
	unsigned char msg[SLOT];
	unsigned seq;
	int err;

	if (shmchan_channel_open_writer(&w, g_name, NULL) != 0)
		return 2;
	for (seq = 0; seq < g_per; seq++) {
		size_t len = msg_len(id, seq), i;
		int64_t stall = 0;

		msg[0] = (unsigned char)id;
		memcpy(msg + 4, &seq, 4);
		for (i = 8; i < len; i++)
			msg[i] = pat(id, seq, i);
		while ((err = shmchan_channel_write(&w, msg, len)) == -EAGAIN) {
			/* Full: sleep so that the consumer gets a core (2 cores). */
			if (!stall)
				stall = t_now_ns() + STALL_NS;
			else if (t_now_ns() > stall)
				return 3;
			t_sleep_us(50);
		}
		if (err)
			return 4;
	}
	shmchan_channel_close(&w);
	return 0;
}

static void *thread_main(void *arg)
{
	return (void *)(intptr_t)produce((unsigned)(uintptr_t)arg);
}

static int proc_main(void *arg)
{
	return produce((unsigned)(uintptr_t)arg);
}

static void consume(struct shmchan_channel *r, unsigned total)
{
	unsigned next[PRODUCERS] = { 0 }, got = 0, elost = 0;
	unsigned char buf[SLOT];
	unsigned long long bytes = 0;
	uint64_t lost = 0;

	while (g_overwrite || got < total) {
		unsigned id, seq;
		size_t len, i;
		int err = shmchan_channel_read(r, buf, sizeof(buf), &len);

		if (g_overwrite && err == SHMCHAN_ELOST) {
			elost++;
			continue;
		}
		if (g_overwrite && err == -EPIPE)
			break;
		if (err == -EAGAIN) {
			err = shmchan_channel_wait_readable(r, (int)(STALL_NS / 1000000));
			if (g_overwrite && err == -EPIPE)
				break;
			if (err)
				T_FAIL("no message for 20 s after %u of %u", got, total);
			continue;
		}
		ASSERT_OK(err);
		ASSERT_TRUE(len >= 8);
		id = buf[0];
		memcpy(&seq, buf + 4, 4);
		ASSERT_TRUE(id < PRODUCERS);
		if (g_overwrite && seq >= next[id])
			next[id] = seq; /* newer: the ones between were lost */
		if (seq != next[id])
			T_FAIL("producer %u: got seq %u, expected %u", id, seq, next[id]);
		ASSERT_EQ(len, msg_len(id, seq));
		for (i = 8; i < len; i++)
			if (buf[i] != pat(id, seq, i))
				T_FAIL("producer %u seq %u: byte %zu corrupt", id, seq, i);
		next[id]++;
		got++;
		bytes += len;
	}
	if (g_overwrite) {
		ASSERT_OK(shmchan_channel_lost(r, &lost));
		if (got + lost != total)
			T_FAIL("got %u + lost %llu != %u written", got, (unsigned long long)lost,
			       total);
		printf("subscriber: %u messages (%llu bytes, all checked), %llu lost in %u "
		       "overruns; got + lost = %u written\n",
		       got, bytes, (unsigned long long)lost, elost, total);
		return;
	}
	printf("consumed %u messages, %llu bytes, all checked\n", got, bytes);
}

static struct shmchan_channel g_subs[SUBS];

static void *sub_main(void *arg)
{
	consume(&g_subs[(uintptr_t)arg], g_per * PRODUCERS);
	return NULL;
}

/* Broadcast: SUBS subscriber threads beside the producers. */
static void broadcast(uint32_t policy)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = 64,
				      .policy = policy };
	struct shmchan_channel w;
	pthread_t th[THREADS], sub[SUBS];
	pid_t pids[PROCS];
	unsigned i;
	void *ret;

	g_overwrite = policy == SHMCHAN_POLICY_OVERWRITE;
	g_name = t_name("stress.bc");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	for (i = 0; i < SUBS; i++)
		ASSERT_OK(shmchan_channel_open_reader(&g_subs[i], g_name, NULL));
	for (i = 0; i < PROCS; i++)
		pids[i] = t_fork(proc_main, (void *)(uintptr_t)(THREADS + i));
	for (i = 0; i < SUBS; i++)
		ASSERT_EQ(pthread_create(&sub[i], NULL, sub_main, (void *)(uintptr_t)i), 0);
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, thread_main, (void *)(uintptr_t)i), 0);
	for (i = 0; i < THREADS; i++) {
		ASSERT_EQ(pthread_join(th[i], &ret), 0);
		ASSERT_EQ((intptr_t)ret, 0);
	}
	for (i = 0; i < PROCS; i++)
		ASSERT_EQ(t_wait_child(pids[i], 30000), 0);
	shmchan_channel_close(&w); /* end of stream once the subscribers drain */
	for (i = 0; i < SUBS; i++) {
		ASSERT_EQ(pthread_join(sub[i], &ret), 0);
		shmchan_channel_close(&g_subs[i]);
	}
	shmchan_channel_unlink(g_name);
	printf("test_stress: ok (%s broadcast: %u producers x %u messages, %u subscribers)\n",
	       g_overwrite ? "overwrite" : "block", PRODUCERS, g_per, SUBS);
}

int main(int argc, char **argv)
{
	struct shmchan_config cfg = { .slot_size = SLOT, .slot_count = 64 };
	struct shmchan_channel w, r;
	pthread_t th[THREADS];
	pid_t pids[PROCS];
	size_t len;
	unsigned i;
	void *ret;

	t_watchdog(540);
	g_per = TOTAL / PRODUCERS;
	if (argc > 1 && strcmp(argv[1], "broadcast") == 0) {
		broadcast(SHMCHAN_POLICY_BLOCK);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "overwrite") == 0) {
		broadcast(SHMCHAN_POLICY_OVERWRITE);
		return 0;
	}
	g_name = t_name("stress");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	/* Fork before any thread exists. */
	for (i = 0; i < PROCS; i++)
		pids[i] = t_fork(proc_main, (void *)(uintptr_t)(THREADS + i));
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, thread_main, (void *)(uintptr_t)i), 0);
	consume(&r, g_per * PRODUCERS);
	for (i = 0; i < THREADS; i++) {
		ASSERT_EQ(pthread_join(th[i], &ret), 0);
		ASSERT_EQ((intptr_t)ret, 0);
	}
	for (i = 0; i < PROCS; i++)
		ASSERT_EQ(t_wait_child(pids[i], 30000), 0);
	ASSERT_ERR(shmchan_channel_read(&r, NULL, 0, &len), -EAGAIN);
	ASSERT_EQ(shmchan_channel_depth(&r), 0);
	shmchan_channel_close(&w);
	shmchan_channel_close(&r);
	shmchan_channel_unlink(g_name);
	printf("test_stress: ok (%u producers x %u messages)\n", PRODUCERS, g_per);
	return 0;
}
