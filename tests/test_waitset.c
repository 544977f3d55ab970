/* SPDX-License-Identifier: MIT */
/*
 * Wait sets (waitset.h):
 *   api        the errors: twice, full, wrong events, not a member, empty
 *   one_of_64  64 readers; another process writes to one channel at a time,
 *              chosen at random: the wait reports exactly that one
 *   mixed      a slot reader, a record reader, a broadcast subscriber, a
 *              work-queue reader and a writer on a full ring in one set
 *   fair       a member that is always ready does not keep another from
 *              being reported (cap 1)
 *   idle       64 idle members: the CPU used by a one-second wait
 *   ended      a member whose writer is killed is reported (end of stream)
 *   nested     the set's descriptor in an outer epoll set
 *   fallback   with futex_waitv refused (seccomp: ENOSYS) the set polls
 * Every wait is bounded. Run one case by giving its name as the argument.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "handle_pvt.h"
#include "shmchan/waitset.h"
#include "t_util.h"

#define BOUND_MS 10000
#define N 64

static char g_names[N][64];
static struct shmchan_channel g_w[N], g_r[N];
static atomic_int *g_shared; /* MAP_SHARED: [0] the channel written, [1] the round */

static long cpu_us_now(void)
{
	struct rusage u;

	getrusage(RUSAGE_SELF, &u);
	return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000L + u.ru_utime.tv_usec +
	       u.ru_stime.tv_usec;
}

/* @n slot channels, each with a writer (the creator) and a reader in the
 * set @ws (if not NULL). */
static void make_channels(int n, struct shmchan_waitset *ws)
{
	const struct shmchan_config cfg = { .slot_size = 16, .slot_count = 4 };
	int i;

	for (i = 0; i < n; i++) {
		snprintf(g_names[i], sizeof(g_names[i]), "t.ws.%d.%d", (int)getpid(), i);
		ASSERT_OK(shmchan_channel_create_writer(&g_w[i], g_names[i], &cfg));
		ASSERT_OK(shmchan_channel_open_reader(&g_r[i], g_names[i], NULL));
		if (ws)
			ASSERT_EQ(shmchan_waitset_add(ws, &g_r[i], SHMCHAN_READABLE), i);
	}
}

static void drop_channels(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		shmchan_channel_close(&g_r[i]);
		shmchan_channel_close(&g_w[i]);
		shmchan_channel_unlink(g_names[i]);
	}
}

/* ---- api ---- */

static void test_api(void)
{
	struct shmchan_waitset ws;
	struct shmchan_waitset_event ev[4];
	struct shmchan_channel extra;
	unsigned n = 99;

	ASSERT_ERR(shmchan_waitset_init(NULL), -EINVAL);
	ASSERT_OK(shmchan_waitset_init(&ws));
	ASSERT_ERR(shmchan_waitset_wait(&ws, ev, 4, 0), -EINVAL); /* empty */
	make_channels(N, NULL);
	ASSERT_ERR(shmchan_waitset_add(&ws, &g_r[0], 0), -EINVAL);
	ASSERT_ERR(shmchan_waitset_add(&ws, &g_r[0], 4), -EINVAL);
	ASSERT_ERR(shmchan_waitset_add(&ws, &g_r[0], SHMCHAN_WRITABLE), -ENOTSUP);
	ASSERT_ERR(shmchan_waitset_add(&ws, &g_w[0], SHMCHAN_READABLE), -ENOTSUP);
	ASSERT_EQ(shmchan_waitset_add(&ws, &g_r[0], SHMCHAN_READABLE), 0);
	ASSERT_ERR(shmchan_waitset_add(&ws, &g_r[0], SHMCHAN_READABLE), -EEXIST);
	ASSERT_ERR(shmchan_waitset_wait(&ws, ev, 0, 0), -EINVAL);
	ASSERT_ERR(shmchan_waitset_wait(&ws, ev, 4, -2), -EINVAL);
	ASSERT_ERR(shmchan_waitset_wait(&ws, ev, 4, 0), -ETIMEDOUT);
	ASSERT_OK(shmchan_waitset_remove(&ws, &g_r[0]));
	ASSERT_ERR(shmchan_waitset_remove(&ws, &g_r[0]), -ENOENT);
	for (int i = 0; i < N; i++)
		ASSERT_EQ(shmchan_waitset_add(&ws, &g_r[i], SHMCHAN_READABLE), i);
	memset(&extra, 0, sizeof(extra));
	ASSERT_ERR(shmchan_waitset_add(&ws, &extra, SHMCHAN_READABLE), -EINVAL); /* closed */
	ASSERT_ERR(shmchan_waitset_add(&ws, &g_w[0], SHMCHAN_WRITABLE), -ENOSPC);
	ASSERT_EQ(shmchan_waitset_info(&ws, &n), SHMCHAN_WAITSET_FUTEX_WAITV);
	ASSERT_EQ(n, (unsigned)N);
	/* Indices are reused. */
	ASSERT_OK(shmchan_waitset_remove(&ws, &g_r[7]));
	ASSERT_EQ(shmchan_waitset_add(&ws, &g_r[7], SHMCHAN_READABLE), 7);
	ASSERT_OK(shmchan_waitset_close(&ws));
	ASSERT_EQ(shmchan_waitset_info(&ws, &n), SHMCHAN_WAITSET_FUTEX_WAITV);
	ASSERT_EQ(n, 0u);
	drop_channels(N);
	printf("api: errors as documented\n");
}

/* ---- one_of_64 ---- */

#define ROUNDS 40

/* Child: each round, after the parent's go (shared[1] == round), write one
 * message to channel shared[0]. */
static int write_picked(void *arg)
{
	struct shmchan_channel w[N];
	int i, round;

	(void)arg;
	for (i = 0; i < N; i++)
		if (shmchan_channel_open_writer(&w[i], g_names[i], NULL))
			return 2;
	for (round = 1; round <= ROUNDS; round++) {
		int k;

		for (k = 0; k < 10000 && atomic_load(&g_shared[1]) != round; k++)
			t_sleep_us(500);
		if (atomic_load(&g_shared[1]) != round)
			return 3;
		t_sleep_us(2000); /* the parent is asleep by now, usually */
		if (shmchan_channel_write(&w[atomic_load(&g_shared[0])], "m", 1))
			return 4;
	}
	for (i = 0; i < N; i++)
		shmchan_channel_close(&w[i]);
	return 0;
}

static void test_one_of_64(void)
{
	struct shmchan_waitset ws;
	struct shmchan_waitset_event ev[N];
	unsigned seed = 12345;
	unsigned char buf[16];
	size_t len;
	pid_t child;
	int round;

	ASSERT_OK(shmchan_waitset_init(&ws));
	make_channels(N, &ws);
	atomic_store(&g_shared[1], 0);
	child = t_fork(write_picked, NULL);
	for (round = 1; round <= ROUNDS; round++) {
		int pick, n;

		seed = seed * 1103515245u + 12345u;
		pick = (int)((seed >> 16) % N);
		atomic_store(&g_shared[0], pick);
		atomic_store(&g_shared[1], round);
		n = shmchan_waitset_wait(&ws, ev, N, BOUND_MS);
		ASSERT_EQ(n, 1);
		ASSERT_EQ(ev[0].index, (uint32_t)pick);
		ASSERT_TRUE(ev[0].ch == &g_r[pick] && ev[0].events == SHMCHAN_READABLE);
		ASSERT_OK(shmchan_channel_read(&g_r[pick], buf, sizeof(buf), &len));
		ASSERT_ERR(shmchan_waitset_wait(&ws, ev, N, 0), -ETIMEDOUT);
	}
	ASSERT_EQ(t_wait_child(child, BOUND_MS), 0);
	ASSERT_OK(shmchan_waitset_close(&ws));
	drop_channels(N);
	printf("one_of_64: %d rounds, each reported exactly the channel written\n", ROUNDS);
}

/* ---- mixed ---- */

static void test_mixed(void)
{
	const struct shmchan_config kinds[4] = {
		{ .slot_size = 16, .slot_count = 4 },
		{ .kind = SHMCHAN_KIND_RECORD, .buffer_size = 4096 },
		{ .kind = SHMCHAN_KIND_BROADCAST, .slot_size = 16, .slot_count = 4 },
		{ .kind = SHMCHAN_KIND_WORKQUEUE, .slot_size = 16, .slot_count = 4 },
	};
	struct shmchan_waitset ws;
	struct shmchan_waitset_event ev[8];
	struct shmchan_channel full_w, full_r;
	unsigned char buf[16];
	size_t len;
	int i, k, n;

	ASSERT_OK(shmchan_waitset_init(&ws));
	for (i = 0; i < 4; i++) {
		snprintf(g_names[i], sizeof(g_names[i]), "t.ws.mixed.%d.%d", (int)getpid(), i);
		ASSERT_OK(shmchan_channel_create_writer(&g_w[i], g_names[i], &kinds[i]));
		if (i == 2)
			ASSERT_OK(shmchan_channel_subscribe(&g_r[i], g_names[i], NULL, 0));
		else
			ASSERT_OK(shmchan_channel_open_reader(&g_r[i], g_names[i], NULL));
		ASSERT_EQ(shmchan_waitset_add(&ws, &g_r[i], SHMCHAN_READABLE), i);
	}
	/* A writer on a full ring, waited for room. */
	snprintf(g_names[4], sizeof(g_names[4]), "t.ws.mixed.%d.full", (int)getpid());
	ASSERT_OK(shmchan_channel_create_writer(&full_w, g_names[4], &kinds[0]));
	ASSERT_OK(shmchan_channel_open_reader(&full_r, g_names[4], NULL));
	while (shmchan_channel_write(&full_w, "f", 1) == 0)
		;
	ASSERT_EQ(shmchan_waitset_add(&ws, &full_w, SHMCHAN_WRITABLE), 4);
	ASSERT_ERR(shmchan_waitset_wait(&ws, ev, 8, 0), -ETIMEDOUT);
	for (i = 0; i < 5; i++) {
		if (i < 4)
			ASSERT_OK(shmchan_channel_write(&g_w[i], "m", 1));
		else
			ASSERT_OK(shmchan_channel_read(&full_r, buf, sizeof(buf), &len));
		n = shmchan_waitset_wait(&ws, ev, 8, BOUND_MS);
		ASSERT_EQ(n, 1);
		ASSERT_EQ(ev[0].index, (uint32_t)i);
		ASSERT_EQ(ev[0].events, i < 4 ? SHMCHAN_READABLE : SHMCHAN_WRITABLE);
		if (i < 4)
			ASSERT_OK(shmchan_channel_read(&g_r[i], buf, sizeof(buf), &len));
		else
			ASSERT_OK(shmchan_channel_write(&full_w, "f", 1));
		ASSERT_ERR(shmchan_waitset_wait(&ws, ev, 8, 0), -ETIMEDOUT);
	}
	/* All at once: all reported, each once. */
	for (i = 0; i < 4; i++)
		ASSERT_OK(shmchan_channel_write(&g_w[i], "m", 1));
	ASSERT_OK(shmchan_channel_read(&full_r, buf, sizeof(buf), &len));
	n = shmchan_waitset_wait(&ws, ev, 8, BOUND_MS);
	ASSERT_EQ(n, 5);
	for (k = 0; k < 5; k++)
		for (i = k + 1; i < 5; i++)
			ASSERT_TRUE(ev[k].index != ev[i].index);
	ASSERT_OK(shmchan_waitset_close(&ws));
	shmchan_channel_close(&full_r);
	shmchan_channel_close(&full_w);
	shmchan_channel_unlink(g_names[4]);
	drop_channels(4);
	printf("mixed: slot, record, broadcast, work queue readers and a writer, one set\n");
}

/* ---- fair ---- */

static void test_fair(void)
{
	struct shmchan_waitset ws;
	struct shmchan_waitset_event ev[1];
	int i, seen_other = 0;

	ASSERT_OK(shmchan_waitset_init(&ws));
	make_channels(8, &ws);
	/* Member 0 always has a message waiting; member 5 gets one. */
	ASSERT_OK(shmchan_channel_write(&g_w[0], "busy", 4));
	ASSERT_OK(shmchan_channel_write(&g_w[5], "quiet", 5));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(shmchan_waitset_wait(&ws, ev, 1, BOUND_MS), 1);
		if (ev[0].index == 5)
			seen_other = 1;
		else
			ASSERT_EQ(ev[0].index, 0u);
	}
	ASSERT_TRUE(seen_other);
	ASSERT_OK(shmchan_waitset_close(&ws));
	drop_channels(8);
	printf("fair: a member always ready does not hide another (cap 1)\n");
}

/* ---- idle ---- */

static void test_idle(void)
{
	struct shmchan_waitset ws;
	struct shmchan_waitset_event ev[N];
	long cpu0, used;
	int64_t t0;

	ASSERT_OK(shmchan_waitset_init(&ws));
	make_channels(N, &ws);
	cpu0 = cpu_us_now();
	t0 = t_now_ns();
	ASSERT_ERR(shmchan_waitset_wait(&ws, ev, N, 1000), -ETIMEDOUT);
	used = cpu_us_now() - cpu0;
	printf("idle: %d members, a %.2f s wait used %ld us of CPU\n", N, t_secs_since(t0), used);
	/* A bound on CPU use while asleep (5 looks at 64 members; under
	 * qemu-user about 0.1 s), not a timing: a spinning wait would use the
	 * whole second. */
	ASSERT_TRUE(used < 400000);
	ASSERT_OK(shmchan_waitset_close(&ws));
	drop_channels(N);
}

/* ---- ended ---- */

static int write_then_idle(void *arg)
{
	struct shmchan_channel w;

	(void)arg;
	if (shmchan_channel_open_writer(&w, g_names[3], NULL) || shmchan_channel_write(&w, "x", 1))
		return 2;
	atomic_store(&g_shared[0], 1);
	t_idle_bounded();
	return 0;
}

static void test_ended(void)
{
	struct shmchan_waitset ws;
	struct shmchan_waitset_event ev[8];
	unsigned char buf[16];
	size_t len;
	pid_t child;
	int n, err = 0, rounds;

	ASSERT_OK(shmchan_waitset_init(&ws));
	make_channels(8, &ws);
	atomic_store(&g_shared[0], 0);
	child = t_fork(write_then_idle, NULL);
	T_WAIT_UNTIL(atomic_load(&g_shared[0]) == 1, BOUND_MS);
	ASSERT_OK(shmchan_channel_close(&g_w[3])); /* the child's writer is the last */
	ASSERT_EQ(shmchan_waitset_wait(&ws, ev, 8, BOUND_MS), 1);
	ASSERT_OK(shmchan_channel_read(&g_r[3], buf, sizeof(buf), &len));
	t_kill_wait(child);
	for (rounds = 0; rounds < 50 && err != -EPIPE; rounds++) {
		n = shmchan_waitset_wait(&ws, ev, 8, BOUND_MS);
		ASSERT_EQ(n, 1);
		ASSERT_EQ(ev[0].index, 3u);
		err = shmchan_channel_read(&g_r[3], buf, sizeof(buf), &len);
	}
	ASSERT_ERR(err, -EPIPE);
	ASSERT_OK(shmchan_waitset_remove(&ws, &g_r[3]));
	ASSERT_ERR(shmchan_waitset_wait(&ws, ev, 8, 0), -ETIMEDOUT);
	ASSERT_OK(shmchan_waitset_close(&ws));
	drop_channels(8);
	printf("ended: a killed writer's channel is reported and reads -EPIPE\n");
}

/* ---- nested ---- */

static void test_nested(void)
{
	struct shmchan_waitset ws;
	struct shmchan_waitset_event ev[8];
	struct epoll_event oev = { .events = EPOLLIN }, got;
	unsigned char buf[16];
	size_t len;
	int ep, fd, i;

	ASSERT_OK(shmchan_waitset_init(&ws));
	make_channels(4, &ws);
	fd = shmchan_waitset_fd(&ws);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(shmchan_waitset_fd(&ws), fd);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &oev));
	ASSERT_EQ(epoll_wait(ep, &got, 1, 0), 0);
	for (i = 0; i < 4; i++) {
		ASSERT_OK(shmchan_channel_write(&g_w[i], "m", 1));
		ASSERT_EQ(epoll_wait(ep, &got, 1, BOUND_MS), 1);
		ASSERT_EQ(shmchan_waitset_wait(&ws, ev, 8, 0), 1);
		ASSERT_EQ(ev[0].index, (uint32_t)i);
		ASSERT_OK(shmchan_channel_read(&g_r[i], buf, sizeof(buf), &len));
		ASSERT_ERR(shmchan_channel_read(&g_r[i], buf, sizeof(buf), &len), -EAGAIN);
		ASSERT_EQ(epoll_wait(ep, &got, 1, 0), 0);
	}
	close(ep);
	ASSERT_OK(shmchan_waitset_close(&ws));
	drop_channels(4);
	printf("nested: the set's descriptor in an outer epoll set\n");
}

/* ---- fallback ---- */

#ifndef T_SANITIZED
static int fallback_child(void *arg)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 449 /* futex_waitv */, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = { sizeof(prog) / sizeof(prog[0]), prog };
	struct shmchan_waitset ws;
	struct shmchan_waitset_event ev[8];
	unsigned char buf[16];
	size_t len;
	int i;

	(void)arg;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog))
		return 77;
	shmchan_waitset_init(&ws);
	for (i = 0; i < 4; i++)
		if (shmchan_waitset_add(&ws, &g_r[i], SHMCHAN_READABLE) != i)
			return 2;
	if (shmchan_waitset_wait(&ws, ev, 8, 20) != -ETIMEDOUT)
		return 3;
	if (shmchan_waitset_info(&ws, NULL) != SHMCHAN_WAITSET_POLLING)
		return 4;
	atomic_store(&g_shared[0], 1); /* the parent writes now */
	if (shmchan_waitset_wait(&ws, ev, 8, BOUND_MS) != 1 || ev[0].index != 2)
		return 5;
	if (shmchan_channel_read(&g_r[2], buf, sizeof(buf), &len))
		return 6;
	return 0;
}
#endif

static void test_fallback(void)
{
#ifdef T_SANITIZED
	printf("fallback: skipped under sanitizers\n");
#else
	pid_t child;
	int rc;

	make_channels(4, NULL);
	atomic_store(&g_shared[0], 0);
	child = t_fork(fallback_child, NULL);
	for (int k = 0; k < 20000 && atomic_load(&g_shared[0]) == 0; k++) {
		pid_t r = waitpid(child, &rc, WNOHANG);

		if (r == child) { /* it ended before asking: a failure or a skip */
			rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
			if (rc == 77) {
				printf("fallback: skipped, seccomp unavailable\n");
				drop_channels(4);
				return;
			}
			T_FAIL("fallback child exited with %d", rc);
		}
		t_sleep_us(500);
	}
	t_sleep_us(5000);
	ASSERT_OK(shmchan_channel_write(&g_w[2], "m", 1));
	ASSERT_EQ(t_wait_child(child, BOUND_MS), 0);
	drop_channels(4);
	printf("fallback: futex_waitv refused (ENOSYS): the set polls, and still reports\n");
#endif
}

static const struct t_case cases[] = {
	{ "api", test_api },	   { "one_of_64", test_one_of_64 }, { "mixed", test_mixed },
	{ "fair", test_fair },	   { "idle", test_idle },	    { "ended", test_ended },
	{ "nested", test_nested }, { "fallback", test_fallback },
};

/* Channels named outside t_name() (it keeps 64 names), removed at exit
 * whatever happened. */
static pid_t g_parent;
static void unlink_all(void)
{
	int i;

	if (getpid() != g_parent)
		return;
	for (i = 0; i < N; i++)
		if (g_names[i][0])
			shmchan_channel_unlink(g_names[i]);
}

int main(int argc, char **argv)
{
	g_parent = getpid();
	atexit(unlink_all);
	t_watchdog(120);
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g_shared == MAP_FAILED)
		T_FAIL("mmap: %s", strerror(errno));
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	printf("test_waitset: ok\n");
	return 0;
}
