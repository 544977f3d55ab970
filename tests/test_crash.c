/* SPDX-License-Identifier: MIT */
/*
 * Crash recovery, each case with a real SIGKILL: a producer dead between
 * reserve and commit, a reader dead holding the role (asleep, or holding a
 * peeked message), end of stream by close and by death, a writer restarted
 * with create_or_replace, stale channels, wait_for_reader, dead sleepers, a
 * registry full of dead writers, and the counters.
 */
#include <pthread.h>

#include "channel_pvt.h"
#include "registry_pvt.h"
#include "t_util.h"

#define BOUND_MS 10000

/* Every case runs on a slot channel of 8 slots, or (argument "record") on a
 * record channel of 128 bytes, which holds 8 records of up to 8 bytes. */
static struct shmchan_config geo = { .slot_size = 64, .slot_count = 8 };
static const char *g_name;

static void kill_wait(pid_t pid)
{
	kill(pid, SIGKILL);
	ASSERT_EQ(t_wait_child(pid, BOUND_MS), 128 + SIGKILL);
}

#define WAIT_UNTIL(cond) T_WAIT_UNTIL(cond, BOUND_MS)

static void read_str(struct shmchan_channel *r, const char *want)
{
	char buf[64];
	size_t len;
	int err = shmchan_channel_recv(r, buf, sizeof(buf), &len, BOUND_MS);

	if (err)
		T_FAIL("recv: %s, expected \"%s\"", shmchan_strerror(err), want);
	if (len != strlen(want) || memcmp(buf, want, len) != 0)
		T_FAIL("got \"%.*s\", expected \"%s\"", (int)len, buf, want);
}

/* Child: reserve a slot, say so through the slot's bytes, then hang. */
static int reserve_and_hang(void *arg)
{
	struct shmchan_channel w;
	void *slot;

	(void)arg;
	if (shmchan_channel_open_writer(&w, g_name, NULL) || shmchan_channel_reserve(&w, 10, &slot))
		return 2;
	for (;;)
		pause();
}

static void test_dead_producer(void)
{
	int kill_first;

	for (kill_first = 0; kill_first < 2; kill_first++) {
		struct shmchan_channel w, r;
		struct shmchan_info info = SHMCHAN_INFO_INIT;
		int64_t t0, ms;
		char buf[64];
		size_t len;
		pid_t pid;

		g_name = t_name("deadprod");
		ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &geo));
		ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
		ASSERT_OK(shmchan_channel_write(&w, "before", 6));
		pid = t_fork(reserve_and_hang, NULL);
		WAIT_UNTIL(shmchan_channel_depth(&w) == 2);
		ASSERT_OK(shmchan_channel_write(&w, "after1", 6));
		ASSERT_OK(shmchan_channel_write(&w, "after2", 6));
		if (kill_first)
			kill_wait(pid);
		read_str(&r, "before");
		if (!kill_first) {
			/* While the producer lives, its slot holds the reader back. */
			ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, 50),
				   -ETIMEDOUT);
			kill_wait(pid);
		}
		/* The dead slot is skipped, nothing else is lost or reordered. */
		t0 = t_now_ns();
		read_str(&r, "after1");
		ms = (t_now_ns() - t0) / 1000000;
		read_str(&r, "after2");
		printf("dead producer (%s): abandoned slot skipped %lld ms after %s\n",
		       kill_first ? "killed first" : "killed while the reader waited",
		       (long long)ms, kill_first ? "the slot became the head" : "the kill");
		/* A bound on detection (documented: a few ms), generous for CI. */
		ASSERT_TRUE(ms < 1000);
		ASSERT_OK(shmchan_channel_info(&r, &info));
		ASSERT_EQ(info.abandoned, 1);
		ASSERT_EQ(info.written, 3);
		ASSERT_EQ(info.read, 3);
		/* The dead writer was accounted for. */
		ASSERT_EQ(
			shmchan__writers_held(shmchan__hdr(T_H(&r)), shmchan__judge_of(T_H(&r)), 0),
			1);
		shmchan_channel_close(&w);
		shmchan_channel_close(&r);
		shmchan_channel_unlink(g_name);
	}
}

/* Child: become the reader, read one message, peek the next, then hang
 * (asleep in a wait when @arg is non-NULL). */
static int reader_then_hang(void *arg)
{
	struct shmchan_channel r;
	const void *view;
	char buf[64];
	size_t len;

	if (shmchan_channel_open_reader(&r, g_name, NULL) ||
	    shmchan_channel_recv(&r, buf, sizeof(buf), &len, BOUND_MS))
		return 2;
	if (arg) {
		shmchan_channel_recv(&r, buf, sizeof(buf), &len, -1); /* ring empty: sleeps */
		return 3;
	}
	if (shmchan_channel_peek(&r, &view, &len))
		return 4;
	for (;;)
		pause();
}

static void test_dead_reader(void)
{
	struct shmchan_channel w, r;
	pid_t pid;

	g_name = t_name("deadreader");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &geo));
	ASSERT_OK(shmchan_channel_write(&w, "m0", 2));
	ASSERT_OK(shmchan_channel_write(&w, "m1", 2));
	ASSERT_OK(shmchan_channel_write(&w, "m2", 2));
	pid = t_fork(reader_then_hang, NULL);
	WAIT_UNTIL(shmchan_channel_depth(&w) == 2);
	ASSERT_ERR(shmchan_channel_open_reader(&r, g_name, NULL), -EBUSY); /* holder alive */
	kill_wait(pid);
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL)); /* taken over */
	read_str(&r, "m1"); /* peeked, never released: delivered again */
	read_str(&r, "m2");
	shmchan_channel_close(&r);
	shmchan_channel_close(&w);
	shmchan_channel_unlink(g_name);
}

static void test_dead_sleepers(void)
{
	struct shmchan_channel w, r;
	struct shmchan__chan_hdr *h;
	pid_t pid;

	g_name = t_name("sleepers");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &geo));
	h = shmchan__hdr(T_H(&w));
	ASSERT_OK(shmchan_channel_write(&w, "m0", 2));
	/* A reader killed asleep: its count in data_waiters is undone. */
	pid = t_fork(reader_then_hang, (void *)1);
	WAIT_UNTIL(atomic_load(&h->reader.owner) & SHMCHAN__OWN_SLEEP_DATA);
	kill_wait(pid);
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	ASSERT_EQ(atomic_load(&h->data_waiters), 0);
	shmchan_channel_close(&r);
	shmchan_channel_close(&w);
	shmchan_channel_unlink(g_name);
}

static int writer_blocks(void *arg)
{
	struct shmchan_config c = { .spin_us = -1 };
	struct shmchan_channel w;
	int i;

	(void)arg;
	if (shmchan_channel_open_writer(&w, g_name, &c))
		return 2;
	for (i = 0; i < 100; i++)
		if (shmchan_channel_send(&w, "x", 1, -1))
			return 3;
	return 0;
}

static void test_dead_writer_asleep(void)
{
	struct shmchan_channel w, r;
	struct shmchan__chan_hdr *h;
	char buf[8];
	size_t len;
	pid_t pid;
	int i;

	g_name = t_name("wsleep");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &geo));
	h = shmchan__hdr(T_H(&w));
	pid = t_fork(writer_blocks, NULL);
	WAIT_UNTIL(atomic_load(&h->writers[1].owner) & SHMCHAN__OWN_SLEEP_SPACE);
	kill_wait(pid);
	/* The reader finds the dead writer while the ring is empty... */
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	for (i = 0; i < 8; i++)
		ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, 100), -ETIMEDOUT);
	/* ...and undoes its sleeper count: publishers stop making wake calls. */
	ASSERT_EQ(atomic_load(&h->space_waiters), 0);
	ASSERT_EQ(shmchan__writers_held(h, shmchan__judge_of(T_H(&w)), 0), 1);
	shmchan_channel_close(&r);
	shmchan_channel_close(&w);
	shmchan_channel_unlink(g_name);
}

static int write_then_die(void *arg)
{
	struct shmchan_channel w;

	if (shmchan_channel_open_writer(&w, g_name, NULL) ||
	    shmchan_channel_write(&w, "last words", 10))
		return 2;
	if (arg)
		shmchan_channel_close(&w);
	else
		raise(SIGKILL);
	return 0;
}

static void test_end_of_stream(void)
{
	int by_death;

	for (by_death = 0; by_death < 2; by_death++) {
		struct shmchan_channel w, r;
		char buf[16];
		size_t len;
		int64_t t0;
		int rc;

		g_name = t_name("eos");
		ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &geo));
		ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
		ASSERT_OK(shmchan_channel_write(&w, "first", 5));
		shmchan_channel_close(&w); /* the other writer keeps the stream */
		rc = t_wait_child(t_fork(write_then_die, by_death ? NULL : (void *)1), BOUND_MS);
		ASSERT_EQ(rc, by_death ? 128 + SIGKILL : 0);
		read_str(&r, "first");
		read_str(&r, "last words");
		t0 = t_now_ns();
		ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, BOUND_MS), -EPIPE);
		printf("end of stream after %s: -EPIPE in %lld ms\n",
		       by_death ? "SIGKILL" : "close", (long long)((t_now_ns() - t0) / 1000000));
		ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EPIPE);
		/* A writer that joins again resumes the stream. */
		ASSERT_OK(shmchan_channel_open_writer(&w, g_name, NULL));
		ASSERT_OK(shmchan_channel_write(&w, "again", 5));
		read_str(&r, "again");
		shmchan_channel_close(&w);
		shmchan_channel_close(&r);
		shmchan_channel_unlink(g_name);
	}
}

static int recv_expect_stale(void *arg)
{
	struct shmchan_channel *r = arg, r2;
	char buf[16];
	size_t len;

	/* Opened by the parent before fork: reopen our own in the child. */
	(void)r;
	if (shmchan_channel_open_reader(&r2, g_name, NULL))
		return 2;
	if (shmchan_channel_recv(&r2, buf, sizeof(buf), &len, BOUND_MS) ||
	    memcmp(buf, "old", 3) != 0)
		return 3; /* the old channel is drained first */
	return shmchan_channel_recv(&r2, buf, sizeof(buf), &len, -1) == -ESTALE ? 0 : 4;
}

static void test_replaced(void)
{
	struct shmchan_channel w, w2, r;
	pid_t pid;

	g_name = t_name("replaced");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &geo));
	ASSERT_OK(shmchan_channel_write(&w, "old", 3));
	pid = t_fork(recv_expect_stale, NULL);
	WAIT_UNTIL(shmchan_channel_depth(&w) == 0); /* it read "old" and sleeps */
	t_sleep_us(20000);
	ASSERT_OK(shmchan_channel_create_or_replace_writer(&w2, g_name, &geo));
	ASSERT_EQ(t_wait_child(pid, BOUND_MS), 0); /* woke with -ESTALE */
	ASSERT_ERR(shmchan_channel_write(&w, "lost?", 5), -ESTALE);
	ASSERT_ERR(shmchan_channel_send(&w, "lost?", 5, -1), -ESTALE);
	/* Reopening finds the new channel. */
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	ASSERT_OK(shmchan_channel_write(&w2, "new", 3));
	read_str(&r, "new");
	shmchan_channel_close(&w);
	shmchan_channel_close(&w2);
	shmchan_channel_close(&r);
	shmchan_channel_unlink(g_name);
}

static int create_and_die(void *arg)
{
	struct shmchan_channel w;

	(void)arg;
	if (shmchan_channel_create_writer(&w, g_name, &geo))
		return 2;
	raise(SIGKILL);
	return 0;
}

static void test_stale(void)
{
	struct shmchan_channel w, w2;
	struct shmchan_info info = SHMCHAN_INFO_INIT;

	g_name = t_name("stale");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &geo));
	ASSERT_ERR(shmchan_channel_create_writer(&w2, g_name, &geo), -EEXIST); /* live */
	ASSERT_OK(shmchan_inspect(g_name, &info));
	ASSERT_EQ(info.stale, 0);
	shmchan_channel_close(&w);
	shmchan_channel_unlink(g_name);

	ASSERT_EQ(t_wait_child(t_fork(create_and_die, NULL), BOUND_MS), 128 + SIGKILL);
	ASSERT_OK(shmchan_inspect(g_name, &info));
	ASSERT_EQ(info.stale, 1);
	ASSERT_EQ(info.nwriters, 1);
	ASSERT_EQ(info.writers[0].alive, 0);
	ASSERT_ERR(shmchan_channel_create_writer(&w, g_name, &geo), -ESTALE);
	ASSERT_OK(shmchan_channel_create_or_replace_writer(&w, g_name, &geo));
	ASSERT_OK(shmchan_inspect(g_name, &info));
	ASSERT_EQ(info.stale, 0);
	shmchan_channel_close(&w);
	shmchan_channel_unlink(g_name);
}

static int open_reader_later(void *arg)
{
	struct shmchan_channel r;

	(void)arg;
	t_sleep_us(100000);
	if (shmchan_channel_open_reader(&r, g_name, NULL))
		return 2;
	t_sleep_us(200000);
	return 0;
}

static void test_wait_for_reader(void)
{
	struct shmchan_channel w;
	pid_t pid;

	g_name = t_name("w4r");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &geo));
	ASSERT_ERR(shmchan_channel_wait_for_reader(&w, 30), -ETIMEDOUT);
	pid = t_fork(open_reader_later, NULL);
	ASSERT_OK(shmchan_channel_wait_for_reader(&w, BOUND_MS));
	ASSERT_EQ(t_wait_child(pid, BOUND_MS), 0);
	/* The child exited without closing: a dead reader is no reader. */
	ASSERT_ERR(shmchan_channel_wait_for_reader(&w, 50), -ETIMEDOUT);
	shmchan_channel_close(&w);
	shmchan_channel_unlink(g_name);
}

static int join_and_die(void *arg)
{
	static struct shmchan_channel ws[SHMCHAN_MAX_WRITERS];
	int i;

	(void)arg;
	for (i = 0; i < SHMCHAN_MAX_WRITERS - 1; i++)
		if (shmchan_channel_open_writer(&ws[i], g_name, NULL))
			return 2;
	raise(SIGKILL);
	return 0;
}

static void test_registry_full_of_dead(void)
{
	struct shmchan_channel w, w2, w3;

	g_name = t_name("fulldead");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &geo));
	ASSERT_EQ(t_wait_child(t_fork(join_and_die, NULL), BOUND_MS), 128 + SIGKILL);
	ASSERT_OK(shmchan_channel_open_writer(&w2, g_name, NULL)); /* reclaims a dead entry */
	ASSERT_OK(shmchan_channel_open_writer(&w3, g_name, NULL));
	ASSERT_EQ(shmchan__writers_held(shmchan__hdr(T_H(&w)), shmchan__judge_of(T_H(&w)), 1), 3);
	shmchan_channel_close(&w3);
	shmchan_channel_close(&w2);
	shmchan_channel_close(&w);
	shmchan_channel_unlink(g_name);
}

static void test_counters(void)
{
	struct shmchan_channel w, r;
	struct shmchan_info info = SHMCHAN_INFO_INIT;
	char buf[8];
	size_t len;
	int i;

	g_name = t_name("counters");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &geo));
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	for (i = 0; i < 8; i++)
		ASSERT_OK(shmchan_channel_write(&w, "c", 1));
	ASSERT_ERR(shmchan_channel_write(&w, "c", 1), -EAGAIN);
	ASSERT_ERR(shmchan_channel_write(&w, "c", 1), -EAGAIN);
	for (i = 0; i < 5; i++)
		ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_OK(shmchan_inspect(g_name, &info));
	ASSERT_EQ(info.written, 8);
	ASSERT_EQ(info.read, 5);
	ASSERT_EQ(info.full_events, 2);
	ASSERT_EQ(info.max_depth, 8);
	ASSERT_EQ(info.depth, 3);
	ASSERT_EQ(info.reader.pid, getpid());
	ASSERT_EQ(info.reader.alive, 1);
	ASSERT_EQ(info.state, SHMCHAN_STATE_OPEN);
	/* Totals survive the peers that made them. */
	shmchan_channel_close(&r);
	shmchan_channel_close(&w);
	ASSERT_OK(shmchan_inspect(g_name, &info));
	ASSERT_EQ(info.written, 8);
	ASSERT_EQ(info.read, 5);
	ASSERT_EQ(info.full_events, 2);
	ASSERT_EQ(info.stale, 1);
	shmchan_channel_unlink(g_name);
}

/* A writer thread goes on after its process's main thread exited: the
 * process shows as a zombie leader, and must still count as alive. */
static void *late_writer(void *arg)
{
	struct shmchan_channel w;
	void *slot;

	(void)arg;
	if (shmchan_channel_open_writer(&w, g_name, NULL) || shmchan_channel_write(&w, "m1", 2) ||
	    shmchan_channel_reserve(&w, 2, &slot))
		exit(2);
	t_sleep_us(400000); /* the reader checks the claimant meanwhile */
	memcpy(slot, "m2", 2);
	if (shmchan_channel_commit(&w, 2) || shmchan_channel_write(&w, "m3", 2))
		exit(3);
	shmchan_channel_close(&w);
	exit(0);
}

static int leader_exits(void *arg)
{
	pthread_t t;

	(void)arg;
	if (pthread_create(&t, NULL, late_writer, NULL))
		return 2;
	pthread_exit(NULL);
}

static void test_thread_outlives_leader(void)
{
	struct shmchan_channel w, r;
	struct shmchan_info info = SHMCHAN_INFO_INIT;
	char buf[8];
	size_t len;
	pid_t pid;

	g_name = t_name("leader");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &geo));
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	pid = t_fork(leader_exits, NULL);
	WAIT_UNTIL(shmchan__writers_held(shmchan__hdr(T_H(&w)), shmchan__judge_of(T_H(&w)), 0) ==
		   2);
	shmchan_channel_close(&w); /* the thread's writer alone keeps the stream */
	read_str(&r, "m1");
	read_str(&r, "m2"); /* not skipped as abandoned */
	read_str(&r, "m3");
	ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, BOUND_MS), -EPIPE);
	ASSERT_OK(shmchan_channel_info(&r, &info));
	ASSERT_EQ(info.abandoned, 0);
	ASSERT_EQ(t_wait_child(pid, BOUND_MS), 0);
	shmchan_channel_close(&r);
	shmchan_channel_unlink(g_name);
}

/* Writers join and leave all the time while the reader scans the registry:
 * no live writer is taken for dead, no slot for abandoned, no end of stream
 * while one writer stays, and the counts come back to zero. */
#define CHURN_PROCS 3
#define CHURN_ROUNDS 300

static int churner(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg, i;
	struct shmchan_channel w;
	char m[8];

	for (i = 0; i < CHURN_ROUNDS; i++) {
		if (shmchan_channel_open_writer(&w, g_name, NULL))
			return 2;
		m[0] = (char)('a' + id);
		memcpy(m + 1, &i, 4);
		if (shmchan_channel_send(&w, m, 5, BOUND_MS))
			return 3;
		shmchan_channel_close(&w);
	}
	return 0;
}

static void test_registry_churn(void)
{
	struct shmchan_channel w, r;
	struct shmchan_info info = SHMCHAN_INFO_INIT;
	struct shmchan__chan_hdr *h;
	unsigned next[CHURN_PROCS] = { 0 }, got = 0, i, seq;
	pid_t pids[CHURN_PROCS];
	char m[8];
	size_t len;

	g_name = t_name("churn");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &geo));
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	h = shmchan__hdr(T_H(&r));
	for (i = 0; i < CHURN_PROCS; i++)
		pids[i] = t_fork(churner, (void *)(uintptr_t)i);
	while (got < CHURN_PROCS * CHURN_ROUNDS) {
		int err = shmchan_channel_recv(&r, m, sizeof(m), &len, BOUND_MS);

		if (err)
			T_FAIL("after %u messages: %s", got, shmchan_strerror(err));
		ASSERT_TRUE(len == 5 && m[0] >= 'a' && m[0] < 'a' + CHURN_PROCS);
		memcpy(&seq, m + 1, 4);
		ASSERT_EQ(seq, next[m[0] - 'a']);
		next[m[0] - 'a']++;
		got++;
	}
	for (i = 0; i < CHURN_PROCS; i++)
		ASSERT_EQ(t_wait_child(pids[i], BOUND_MS), 0);
	ASSERT_OK(shmchan_channel_info(&r, &info));
	ASSERT_EQ(info.abandoned, 0);
	ASSERT_EQ(info.written, CHURN_PROCS * CHURN_ROUNDS);
	ASSERT_EQ(shmchan__writers_held(h, shmchan__judge_of(T_H(&r)), 1), 1);
	shmchan_channel_close(&w);
	ASSERT_ERR(shmchan_channel_recv(&r, m, sizeof(m), &len, BOUND_MS), -EPIPE);
	ASSERT_EQ(atomic_load(&h->space_waiters), 0);
	ASSERT_EQ(atomic_load(&h->data_waiters), 0);
	shmchan_channel_close(&r);
	shmchan_channel_unlink(g_name);
}

static const struct t_case cases[] = {
	{ "dead_producer", test_dead_producer },
	{ "dead_reader", test_dead_reader },
	{ "dead_sleepers", test_dead_sleepers },
	{ "dead_writer_asleep", test_dead_writer_asleep },
	{ "end_of_stream", test_end_of_stream },
	{ "replaced", test_replaced },
	{ "stale", test_stale },
	{ "wait_for_reader", test_wait_for_reader },
	{ "registry_full_of_dead", test_registry_full_of_dead },
	{ "counters", test_counters },
	{ "thread_outlives_leader", test_thread_outlives_leader },
	{ "registry_churn", test_registry_churn },
};

/* test_crash [record] [CASE]: the cases on slot channels, or on record
 * channels. */
int main(int argc, char **argv)
{
	int shift = 0;

	if (argc > 1 && strcmp(argv[1], "record") == 0) {
		geo = (struct shmchan_config){ .kind = SHMCHAN_KIND_RECORD, .buffer_size = 128 };
		shift = 1;
	}
	t_watchdog(120);
	setvbuf(stdout, NULL, _IOLBF, 0);
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc - shift, argv + shift);
	printf("test_crash: ok (%s channels)\n", geo.kind ? "record" : "slot");
	return 0;
}
