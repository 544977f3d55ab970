/* SPDX-License-Identifier: MIT */
/*
 * Waiting for peers and for room or messages with a timeout:
 *   created      wait_created for a channel made later by create_writer, and
 *                by create_or_replace_writer (a rename); a timeout; a bad
 *                name; a name that holds no channel; CPU while waiting
 *   writer       wait_for_writer before the first writer and after -EPIPE
 *                (the stream resumes), past a killed writer's claim in
 *                front of a message, a timeout, the wrong role, a replaced
 *                channel (-ESTALE), CPU while waiting
 *   readers      wait_for_readers for 3 subscribers of a broadcast channel
 *                joining one by one, for 2 readers of a work queue; the
 *                limits (-EINVAL)
 *   timed_zero_copy  reserve_wait on a full ring, peek_wait on an empty one:
 *                -ETIMEDOUT, then success once a peer acts
 * Every wait is bounded. Run one case by giving its name as the argument.
 */
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "t_util.h"

#define BOUND_MS 10000 /* any single wait that should succeed */
#define LATE_US 150000 /* how late a child acts */

static const char *g_name;
/* Set by the parent when the readers it waited for may go (MAP_SHARED). */
static atomic_uint *g_done; /* [1]: a child's own flag */
static const struct shmchan_config g_slot = { .slot_size = 64, .slot_count = 4 };

static long cpu_us_now(void)
{
	struct rusage u;

	getrusage(RUSAGE_SELF, &u);
	return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000L + u.ru_utime.tv_usec +
	       u.ru_stime.tv_usec;
}

/* ---- created ---- */

/* Child: after LATE_US, create the channel (arg 1: by replacing) and keep it
 * until the parent has looked (it unlinks). */
static int late_creator(void *arg)
{
	struct shmchan_channel w;
	int err;

	t_sleep_us(LATE_US);
	err = arg ? shmchan_channel_create_or_replace_writer(&w, g_name, &g_slot)
		  : shmchan_channel_create_writer(&w, g_name, &g_slot);
	if (err)
		return 2;
	if (shmchan_channel_write(&w, "hello", 5) != 0)
		return 3;
	t_sleep_us(300000); /* the parent reads meanwhile */
	return shmchan_channel_close(&w) == 0 ? 0 : 4;
}

static void test_created(void)
{
	struct shmchan_segment seg;
	struct shmchan_channel r;
	unsigned char buf[64];
	size_t len;
	int how;

	for (how = 0; how < 2; how++) {
		pid_t child;
		long cpu0;

		g_name = t_name("peers.created");
		ASSERT_ERR(shmchan_channel_open_reader(&r, g_name, NULL), -ENOENT);
		child = t_fork(late_creator, (void *)(uintptr_t)how);
		cpu0 = cpu_us_now();
		ASSERT_OK(shmchan_channel_wait_created(g_name, BOUND_MS));
		/* A bound on CPU use while asleep, not a timing. */
		ASSERT_TRUE(cpu_us_now() - cpu0 < 100000);
		ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
		ASSERT_OK(shmchan_channel_recv(&r, buf, sizeof(buf), &len, BOUND_MS));
		ASSERT_TRUE(len == 5 && memcmp(buf, "hello", 5) == 0);
		ASSERT_OK(shmchan_channel_close(&r));
		ASSERT_EQ(t_wait_child(child, BOUND_MS), 0);
		ASSERT_OK(shmchan_channel_unlink(g_name));
		printf("created (%s): woken by the new name\n",
		       how ? "create_or_replace_writer" : "create_writer");
	}
	g_name = t_name("peers.never");
	ASSERT_ERR(shmchan_channel_wait_created(g_name, 100), -ETIMEDOUT);
	ASSERT_ERR(shmchan_channel_wait_created("bad/name", 100), -EINVAL);
	ASSERT_ERR(shmchan_channel_wait_created(g_name, -2), -EINVAL);
	/* A name that holds something else than a channel: its open error. */
	ASSERT_OK(shmchan_segment_create(&seg, g_name, 16, 0600));
	ASSERT_ERR(shmchan_channel_wait_created(g_name, BOUND_MS), SHMCHAN_EBADMAGIC);
	shmchan_segment_close(&seg);
	ASSERT_OK(shmchan_segment_unlink(g_name));
}

/* ---- writer ---- */

/* Child: after LATE_US, open the channel as a writer and write "again". */
static int late_writer(void *arg)
{
	struct shmchan_channel w;

	(void)arg;
	t_sleep_us(LATE_US);
	if (shmchan_channel_open_writer(&w, g_name, NULL) != 0)
		return 2;
	if (shmchan_channel_write(&w, "again", 5) != 0)
		return 3;
	return shmchan_channel_close(&w) == 0 ? 0 : 4;
}

/* Child: reserve a slot, say so (g_done[1]), and wait to be killed. */
static int stuck_writer(void *arg)
{
	struct shmchan_channel w;
	void *slot;

	(void)arg;
	if (shmchan_channel_open_writer(&w, g_name, NULL) != 0 ||
	    shmchan_channel_reserve(&w, 8, &slot) != 0)
		return 2;
	atomic_store(&g_done[1], 1);
	t_idle_bounded();
	return 3;
}

/* Child: after LATE_US, replace the channel. */
static int late_replacer(void *arg)
{
	struct shmchan_channel w;

	(void)arg;
	t_sleep_us(LATE_US);
	if (shmchan_channel_create_or_replace_writer(&w, g_name, &g_slot) != 0)
		return 2;
	t_sleep_us(200000);
	return shmchan_channel_close(&w) == 0 ? 0 : 3;
}

static void test_writer(void)
{
	struct shmchan_channel w, r;
	unsigned char buf[64];
	size_t len;
	pid_t child;
	long cpu0;

	g_name = t_name("peers.writer");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &g_slot));
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	ASSERT_OK(shmchan_channel_wait_for_writer(&r, 0)); /* one is there */
	ASSERT_ERR(shmchan_channel_wait_for_writer(&w, 0), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_wait_for_writer(&r, -2), -EINVAL);
	ASSERT_OK(shmchan_channel_write(&w, "first", 5));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_recv(&r, buf, sizeof(buf), &len, BOUND_MS));
	ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, BOUND_MS), -EPIPE);
	ASSERT_ERR(shmchan_channel_wait_for_writer(&r, 100), -ETIMEDOUT);
	/* The stream resumes when a writer comes back. */
	child = t_fork(late_writer, NULL);
	cpu0 = cpu_us_now();
	ASSERT_OK(shmchan_channel_wait_for_writer(&r, BOUND_MS));
	ASSERT_TRUE(cpu_us_now() - cpu0 < 100000); /* asleep, not polling */
	ASSERT_OK(shmchan_channel_recv(&r, buf, sizeof(buf), &len, BOUND_MS));
	ASSERT_TRUE(len == 5 && memcmp(buf, "again", 5) == 0);
	ASSERT_EQ(t_wait_child(child, BOUND_MS), 0);
	ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, BOUND_MS), -EPIPE);
	/* A writer killed holding a claim in front of a message, the other
	 * writer gone: the wait steps over the dead claim and returns, the
	 * message is read. */
	atomic_store(&g_done[1], 0);
	child = t_fork(stuck_writer, NULL);
	T_WAIT_UNTIL(atomic_load(&g_done[1]) == 1, BOUND_MS);
	ASSERT_OK(shmchan_channel_open_writer(&w, g_name, NULL));
	ASSERT_OK(shmchan_channel_write(&w, "behind", 6));
	ASSERT_OK(shmchan_channel_close(&w));
	t_kill_wait(child);
	ASSERT_OK(shmchan_channel_wait_for_writer(&r, BOUND_MS));
	ASSERT_OK(shmchan_channel_recv(&r, buf, sizeof(buf), &len, BOUND_MS));
	ASSERT_TRUE(len == 6 && memcmp(buf, "behind", 6) == 0);
	ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, BOUND_MS), -EPIPE);
	/* Replaced while waiting: -ESTALE, reopen by name. */
	child = t_fork(late_replacer, NULL);
	ASSERT_ERR(shmchan_channel_wait_for_writer(&r, BOUND_MS), -ESTALE);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_EQ(t_wait_child(child, BOUND_MS), 0);
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("writer: waited before the first writer, after -EPIPE, past a dead writer's claim "
	       "and across a replacement\n");
}

/* ---- readers ---- */

/* Child @arg: after @arg x LATE_US, attach as a reader and stay until the
 * parent says (at most BOUND_MS). */
static int late_reader(void *arg)
{
	struct shmchan_channel r;
	unsigned k = (unsigned)(uintptr_t)arg;
	int64_t t0;

	t_sleep_us((long)k * LATE_US);
	if (shmchan_channel_open_reader(&r, g_name, NULL) != 0)
		return 2;
	t0 = t_now_ns();
	while (!atomic_load(g_done) && t_now_ns() - t0 < (int64_t)BOUND_MS * 1000000)
		t_sleep_us(5000);
	return shmchan_channel_close(&r) == 0 ? 0 : 3;
}

static void test_readers(void)
{
	static const uint32_t kinds[2] = { SHMCHAN_KIND_BROADCAST, SHMCHAN_KIND_WORKQUEUE };
	struct shmchan_channel w;
	unsigned i, k;

	for (k = 0; k < 2; k++) {
		struct shmchan_config cfg = { .kind = kinds[k], .slot_size = 64, .slot_count = 8 };
		unsigned n = k == 0 ? 3 : 2;
		pid_t kids[3];

		g_name = t_name("peers.readers");
		atomic_store(g_done, 0);
		ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
		ASSERT_OK(shmchan_channel_wait_for_readers(&w, 0, 0));
		ASSERT_ERR(shmchan_channel_wait_for_readers(&w, SHMCHAN_MAX_SUBSCRIBERS + 1, 0),
			   -EINVAL);
		for (i = 0; i < n; i++)
			kids[i] = t_fork(late_reader, (void *)(uintptr_t)(i + 1));
		ASSERT_ERR(shmchan_channel_wait_for_readers(&w, n, 50), -ETIMEDOUT);
		ASSERT_OK(shmchan_channel_wait_for_readers(&w, n, BOUND_MS));
		ASSERT_TRUE(shmchan_channel_wait_for_readers(&w, n + 1, 0) == -ETIMEDOUT);
		atomic_store(g_done, 1);
		for (i = 0; i < n; i++)
			ASSERT_EQ(t_wait_child(kids[i], BOUND_MS), 0);
		ASSERT_OK(shmchan_channel_close(&w));
		ASSERT_OK(shmchan_channel_unlink(g_name));
		printf("readers: %u readers of a %s channel waited for\n", n,
		       k == 0 ? "broadcast" : "work-queue");
	}
	/* One reader at most on the other kinds. */
	g_name = t_name("peers.one");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &g_slot));
	ASSERT_ERR(shmchan_channel_wait_for_readers(&w, 2, 0), -EINVAL);
	ASSERT_ERR(shmchan_channel_wait_for_readers(&w, 1, 50), -ETIMEDOUT);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(g_name));
}

/* ---- timed zero copy ---- */

/* Child: after LATE_US, read one message (freeing a slot), then write one. */
static int late_peer(void *arg)
{
	struct shmchan_channel r;
	unsigned char buf[64];
	size_t len;

	(void)arg;
	t_sleep_us(LATE_US);
	if (shmchan_channel_open_reader(&r, g_name, NULL) != 0)
		return 2;
	if (shmchan_channel_read(&r, buf, sizeof(buf), &len) != 0)
		return 3;
	return shmchan_channel_close(&r) == 0 ? 0 : 4;
}

static int late_sender(void *arg)
{
	struct shmchan_channel w;

	(void)arg;
	t_sleep_us(LATE_US);
	if (shmchan_channel_open_writer(&w, g_name, NULL) != 0)
		return 2;
	if (shmchan_channel_write(&w, "late", 4) != 0)
		return 3;
	return shmchan_channel_close(&w) == 0 ? 0 : 4;
}

static void test_timed_zero_copy(void)
{
	struct shmchan_channel w, r;
	const void *view;
	void *slot;
	size_t len;
	pid_t child;
	int i, cap;

	g_name = t_name("peers.zc");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &g_slot));
	cap = shmchan_channel_capacity(&w);
	for (i = 0; i < cap; i++)
		ASSERT_OK(shmchan_channel_write(&w, "x", 1));
	ASSERT_ERR(shmchan_channel_reserve_wait(&w, 8, &slot, 50), -ETIMEDOUT);
	ASSERT_ERR(shmchan_channel_reserve_wait(&w, 8, &slot, -2), -EINVAL);
	ASSERT_ERR(shmchan_channel_reserve_wait(&w, 65, &slot, 0), -EMSGSIZE);
	child = t_fork(late_peer, NULL);
	ASSERT_OK(shmchan_channel_reserve_wait(&w, 8, &slot, BOUND_MS));
	memcpy(slot, "reserved", 8);
	ASSERT_OK(shmchan_channel_commit(&w, 8));
	ASSERT_EQ(t_wait_child(child, BOUND_MS), 0);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(g_name));

	g_name = t_name("peers.zc2");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &g_slot));
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	ASSERT_ERR(shmchan_channel_peek_wait(&r, &view, &len, 50), -ETIMEDOUT);
	ASSERT_ERR(shmchan_channel_peek_wait(&w, &view, &len, 0), -ENOTSUP);
	child = t_fork(late_sender, NULL);
	ASSERT_OK(shmchan_channel_peek_wait(&r, &view, &len, BOUND_MS));
	ASSERT_TRUE(len == 4 && memcmp(view, "late", 4) == 0);
	ASSERT_OK(shmchan_channel_release(&r));
	ASSERT_EQ(t_wait_child(child, BOUND_MS), 0);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_ERR(shmchan_channel_peek_wait(&r, &view, &len, BOUND_MS), -EPIPE);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("timed zero copy: reserve_wait and peek_wait woken by the peer\n");
}

static const struct t_case cases[] = {
	{ "created", test_created },
	{ "writer", test_writer },
	{ "readers", test_readers },
	{ "timed_zero_copy", test_timed_zero_copy },
};

int main(int argc, char **argv)
{
	t_watchdog(120);
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_done = mmap(NULL, 2 * sizeof(*g_done), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (g_done == MAP_FAILED)
		T_FAIL("mmap: %s", strerror(errno));
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	printf("test_peers: ok\n");
	return 0;
}
