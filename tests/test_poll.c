/* SPDX-License-Identifier: MIT */
/*
 * Pollable handles (shmchan_channel_poll_fd):
 *   level        a reader's descriptor, for every kind: not readable while
 *                empty; readable once another process writes; still readable
 *                while messages remain; not readable once a read returned
 *                -EAGAIN; one wake-up for many messages
 *   writer       a writer's descriptor on a full ring: readable once the
 *                reader frees a slot
 *   end          end of stream: a writer that closes, and one killed (the
 *                safety net), make the descriptor readable and read -EPIPE;
 *                a replaced channel reads -ESTALE
 *   killed_poller  a poller killed while armed costs one datagram: the count
 *                returns to 0, its socket's name is removed, nothing hangs;
 *                one killed while making its descriptor leaves no name
 *                once its successor makes one
 *   pingpong     two processes, each in epoll, 20,000 round trips, every byte
 *                checked; wake-ups counted (no busy wake-ups)
 *   no_syscalls  seccomp: a publish makes no system call while the channel's
 *                only poller is not armed, and makes one when it is
 *   fork         a child closing an inherited copy leaves the parent's
 *                descriptor working
 *   many         1,000 channels in one process, each descriptor in one epoll
 *                set: exactly the channels written to are reported
 *   fds          200 rounds of open, poll_fd, a wait set's descriptor, a
 *                wake-up, close: the process holds as many descriptors as
 *                before
 * Every wait is bounded. Run one case by giving its name as the argument.
 */
#include <dirent.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "poll_pvt.h"
#include "shmchan/waitset.h"
#include "t_util.h"
#define T_MSG_MAX 64
#include "t_msg.h"

#define BOUND_MS 10000 /* any single wait that should succeed */

static const char *g_name;
static atomic_int *g_flag; /* MAP_SHARED */

/* Tests that assert "not readable" lengthen the safety net of @h's
 * descriptor (before it is made) so that it cannot tick in between. */
#define QUIET_SLICE_NS (600 * 1000000000ll)
static void quiet(struct shmchan_channel *h)
{
	T_H(h)->poll.slice_ns = QUIET_SLICE_NS;
}

/* Whether @fd is readable within @ms (0: now). */
static int readable_within(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	int r;

	while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	if (r < 0)
		T_FAIL("poll: %s", strerror(errno));
	return r == 1 && (p.revents & POLLIN);
}

/* Poller sockets of the channel open in @h left in /dev/shm. */
static int sockets_left(const struct shmchan_channel *h)
{
	char prefix[64];
	struct dirent *d;
	DIR *dir = opendir(SHMCHAN_SHM_DIR);
	int n = 0;

	snprintf(prefix, sizeof(prefix), "shmchan-poll.%016llx.",
		 (unsigned long long)shmchan__chandle_of(h)->nonce);
	if (!dir)
		T_FAIL("opendir: %s", strerror(errno));
	while ((d = readdir(dir)) != NULL)
		if (strncmp(d->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(dir);
	return n;
}

static uint32_t data_pollers(const struct shmchan_channel *h)
{
	return atomic_load(&shmchan__hdr(shmchan__chandle_of(h))->data_pollers);
}

/* ---- level ---- */

static int write_n(void *arg)
{
	struct shmchan_channel w;
	int i, n = (int)(uintptr_t)arg;

	if (shmchan_channel_open_writer(&w, g_name, NULL))
		return 2;
	for (i = 0; i < n; i++)
		if (shmchan_channel_send(&w, "ping", 4, BOUND_MS))
			return 3;
	atomic_store(g_flag, 1); /* all committed */
	t_sleep_us(200000);	 /* stay attached while the parent reads */
	return shmchan_channel_close(&w) ? 4 : 0;
}

static void level_kind(const struct shmchan_config *cfg, const char *what)
{
	struct shmchan_channel w, r;
	unsigned char buf[64];
	size_t len;
	int fd, i;
	pid_t child;

	g_name = t_name("poll.level");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, cfg));
	if (cfg->kind == SHMCHAN_KIND_BROADCAST)
		ASSERT_OK(shmchan_channel_subscribe(&r, g_name, NULL, 0));
	else
		ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	quiet(&r);
	fd = shmchan_channel_poll_fd(&r);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(shmchan_channel_poll_fd(&r), fd); /* the same one */
	ASSERT_TRUE(!readable_within(fd, 0));
	ASSERT_EQ(data_pollers(&r), 1u);
	/* Another process writes three: one wake-up, readable until drained. */
	atomic_store(g_flag, 0);
	child = t_fork(write_n, (void *)(uintptr_t)3);
	ASSERT_TRUE(readable_within(fd, BOUND_MS));
	ASSERT_EQ(data_pollers(&r), 0u); /* fired: publishers leave it alone */
	T_WAIT_UNTIL(atomic_load(g_flag) == 1, BOUND_MS);
	for (i = 0; i < 3; i++) {
		ASSERT_TRUE(readable_within(fd, 0)); /* not re-armed: no -EAGAIN yet */
		ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
		ASSERT_TRUE(len == 4 && memcmp(buf, "ping", 4) == 0);
	}
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EAGAIN);
	ASSERT_TRUE(!readable_within(fd, 0));
	ASSERT_EQ(data_pollers(&r), 1u);
	ASSERT_EQ(t_wait_child(child, BOUND_MS), 0);
	/* A message already there when armed: readable at once. */
	ASSERT_OK(shmchan_channel_write(&w, "late", 4));
	ASSERT_TRUE(readable_within(fd, BOUND_MS));
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_ERR(shmchan_channel_wait_readable(&r, 0), -ETIMEDOUT); /* re-arms too */
	ASSERT_TRUE(!readable_within(fd, 0));
	ASSERT_EQ(sockets_left(&r), 1);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_EQ(sockets_left(&w), 0);
	ASSERT_EQ(data_pollers(&w), 0u);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("level: %s\n", what);
}

static void test_level(void)
{
	const struct shmchan_config slot = { .slot_size = 64, .slot_count = 8 };
	const struct shmchan_config rec = { .kind = SHMCHAN_KIND_RECORD, .buffer_size = 4096 };
	const struct shmchan_config bc = { .kind = SHMCHAN_KIND_BROADCAST,
					   .slot_size = 64,
					   .slot_count = 8 };
	const struct shmchan_config wq = { .kind = SHMCHAN_KIND_WORKQUEUE,
					   .slot_size = 64,
					   .slot_count = 8 };

	level_kind(&slot, "slot");
	level_kind(&rec, "record");
	level_kind(&bc, "broadcast");
	level_kind(&wq, "work queue");
}

/* ---- writer ---- */

static int read_one_late(void *arg)
{
	struct shmchan_channel r;
	unsigned char buf[64];
	size_t len;

	(void)arg;
	if (shmchan_channel_open_reader(&r, g_name, NULL))
		return 2;
	t_sleep_us(100000);
	if (shmchan_channel_recv(&r, buf, sizeof(buf), &len, BOUND_MS))
		return 3;
	t_sleep_us(200000);
	return shmchan_channel_close(&r) ? 4 : 0;
}

static void test_writer(void)
{
	const struct shmchan_config cfg = { .slot_size = 64, .slot_count = 4 };
	struct shmchan_channel w;
	pid_t child;
	int fd, n = 0;

	g_name = t_name("poll.writer");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	quiet(&w);
	fd = shmchan_channel_poll_fd(&w);
	ASSERT_TRUE(fd >= 0);
	ASSERT_TRUE(readable_within(fd, 0)); /* room: readable at once */
	while (shmchan_channel_write(&w, "x", 1) == 0)
		n++;
	ASSERT_EQ(n, 4);
	ASSERT_TRUE(!readable_within(fd, 0)); /* full, and the -EAGAIN re-armed it */
	child = t_fork(read_one_late, NULL);
	ASSERT_TRUE(readable_within(fd, BOUND_MS));
	ASSERT_OK(shmchan_channel_write(&w, "y", 1));
	ASSERT_ERR(shmchan_channel_write(&w, "z", 1), -EAGAIN);
	ASSERT_TRUE(!readable_within(fd, 0));
	ASSERT_EQ(t_wait_child(child, BOUND_MS), 0);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("writer: readable when the reader freed a slot of a full ring\n");
}

/* ---- end ---- */

/* Child: write one message, then (@arg 0) close when the parent says so,
 * or (@arg 1) wait to be killed. */
static int write_then(void *arg)
{
	struct shmchan_channel w;
	int i;

	if (shmchan_channel_open_writer(&w, g_name, NULL))
		return 2;
	if (shmchan_channel_write(&w, "last", 4))
		return 3;
	atomic_store(&g_flag[1], 1); /* committed, and its poller notified */
	if (arg) {
		t_idle_bounded();
		return 0;
	}
	for (i = 0; i < 10000 && !atomic_load(g_flag); i++)
		t_sleep_us(1000);
	return shmchan_channel_close(&w) ? 4 : 0;
}

/* Read everything, then expect @want; the descriptor must have said so. */
static void drain_expect(struct shmchan_channel *r, int fd, int want)
{
	unsigned char buf[64];
	size_t len;
	int err, rounds;

	for (rounds = 0; rounds < 100; rounds++) {
		ASSERT_TRUE(readable_within(fd, BOUND_MS));
		while ((err = shmchan_channel_read(r, buf, sizeof(buf), &len)) == 0)
			;
		if (err == want)
			return;
		ASSERT_ERR(err, -EAGAIN);
	}
	T_FAIL("no %d after 100 wake-ups", want);
}

static void test_end(void)
{
	const struct shmchan_config cfg = { .slot_size = 64, .slot_count = 8 };
	struct shmchan_channel w, r, w2;
	unsigned char buf[64];
	size_t len;
	int fd, killed;

	for (killed = 0; killed < 2; killed++) {
		pid_t child;
		int64_t t0;

		g_name = t_name("poll.end");
		ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
		ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
		fd = shmchan_channel_poll_fd(&r);
		ASSERT_TRUE(fd >= 0);
		atomic_store(g_flag, 0);
		atomic_store(&g_flag[1], 0);
		child = t_fork(write_then, (void *)(uintptr_t)killed);
		/* The creator leaves: the child's writer is the last. The
		 * reader takes the message and finds nothing more: armed. (The
		 * child's write has returned, so its datagram is queued: the
		 * -EAGAIN below drains it.) */
		T_WAIT_UNTIL(atomic_load(&g_flag[1]) == 1, BOUND_MS);
		ASSERT_OK(shmchan_channel_close(&w));
		ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
		ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EAGAIN);
		ASSERT_TRUE(!readable_within(fd, 0));
		/* Killed: nobody notifies; the safety net wakes the poller. */
		if (killed) {
			t_kill_wait(child);
		} else {
			atomic_store(g_flag, 1);
			ASSERT_EQ(t_wait_child(child, BOUND_MS), 0);
		}
		t0 = t_now_ns();
		drain_expect(&r, fd, -EPIPE);
		printf("end: %s writer: -EPIPE after %.3f s\n", killed ? "killed" : "closed",
		       t_secs_since(t0));
		ASSERT_OK(shmchan_channel_close(&r));
		ASSERT_OK(shmchan_channel_unlink(g_name));
	}
	/* Replaced: the old channel's poller reads what is left, then -ESTALE. */
	g_name = t_name("poll.replaced");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	fd = shmchan_channel_poll_fd(&r);
	ASSERT_OK(shmchan_channel_write(&w, "old", 3));
	ASSERT_OK(shmchan_channel_create_or_replace_writer(&w2, g_name, &cfg));
	drain_expect(&r, fd, -ESTALE);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_close(&w2));
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("end: replaced channel reads -ESTALE\n");
}

/* ---- killed_poller ---- */

static int poll_then_idle(void *arg)
{
	struct shmchan_channel r;

	(void)arg;
	if (shmchan_channel_open_reader(&r, g_name, NULL) || shmchan_channel_poll_fd(&r) < 0)
		return 2;
	atomic_store(g_flag, 1);
	t_idle_bounded();
	return 0;
}

/* Child: poll, then exit without closing (as a crash would, or a careless
 * program). */
static int poll_then_exit(void *arg)
{
	struct shmchan_channel r;

	(void)arg;
	if (shmchan_channel_open_reader(&r, g_name, NULL) || shmchan_channel_poll_fd(&r) < 0)
		return 2;
	return 0;
}

/* Child: poll, then die as if killed while making its descriptor: the
 * socket is bound and named in the entry, the entry not yet out of NONE. */
static int poll_then_die_binding(void *arg)
{
	struct shmchan_channel r;

	(void)arg;
	if (shmchan_channel_open_reader(&r, g_name, NULL) || shmchan_channel_poll_fd(&r) < 0)
		return 2;
	atomic_store(&shmchan__hdr(shmchan__chandle_of(&r))->pollers[0].state, SHMCHAN__POLL_NONE);
	kill(getpid(), SIGKILL);
	return 3;
}

static void test_killed_poller(void)
{
	const struct shmchan_config cfg = { .slot_size = 64, .slot_count = 8 };
	struct shmchan_channel w, r;
	unsigned char buf[64];
	size_t len;
	pid_t child;
	int fd;

	g_name = t_name("poll.killed");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	atomic_store(g_flag, 0);
	child = t_fork(poll_then_idle, NULL);
	T_WAIT_UNTIL(atomic_load(g_flag) == 1, BOUND_MS);
	ASSERT_EQ(data_pollers(&w), 1u);
	ASSERT_EQ(sockets_left(&w), 1);
	t_kill_wait(child);
	/* The first publish fires the dead poller: one datagram, refused. */
	ASSERT_OK(shmchan_channel_write(&w, "a", 1));
	ASSERT_EQ(data_pollers(&w), 0u);
	ASSERT_EQ(sockets_left(&w), 0);
	/* A new reader takes the entry over and polls. */
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	fd = shmchan_channel_poll_fd(&r);
	ASSERT_TRUE(readable_within(fd, BOUND_MS));
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EAGAIN);
	ASSERT_TRUE(!readable_within(fd, 0));
	ASSERT_OK(shmchan_channel_close(&r));
	/* Killed while not armed: its name goes when the entry is reclaimed. */
	atomic_store(g_flag, 0);
	child = t_fork(poll_then_idle, NULL);
	T_WAIT_UNTIL(atomic_load(g_flag) == 1, BOUND_MS);
	ASSERT_OK(shmchan_channel_write(&w, "b", 1)); /* fires it: not armed any more */
	t_kill_wait(child);
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL)); /* reclaims the entry */
	ASSERT_EQ(sockets_left(&w), 0);
	ASSERT_OK(shmchan_channel_close(&r));
	/* Killed while making its descriptor: the successor that takes the
	 * entry over removes the name it finds there. */
	ASSERT_EQ(t_wait_child(t_fork(poll_then_die_binding, NULL), BOUND_MS), 128 + SIGKILL);
	ASSERT_EQ(sockets_left(&w), 1);
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	ASSERT_TRUE(shmchan_channel_poll_fd(&r) >= 0);
	ASSERT_EQ(sockets_left(&w), 1); /* its own */
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_EQ(sockets_left(&w), 0);
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	/* A live poller's socket stays when the channel is removed; one that
	 * exited without closing goes. */
	fd = shmchan_channel_poll_fd(&r);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(shmchan_channel_unlink(g_name));
	ASSERT_EQ(sockets_left(&w), 1);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_EQ(sockets_left(&w), 0);
	ASSERT_OK(shmchan_channel_close(&w));
	g_name = t_name("poll.exited");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	atomic_store(g_flag, 0);
	ASSERT_EQ(t_wait_child(t_fork(poll_then_exit, NULL), BOUND_MS), 0);
	ASSERT_EQ(sockets_left(&w), 1);
	ASSERT_OK(shmchan_channel_unlink(g_name));
	ASSERT_EQ(sockets_left(&w), 0);
	ASSERT_OK(shmchan_channel_close(&w));
	printf("killed poller: one datagram, no socket left; an exited one's goes with the "
	       "channel\n");
}

/* ---- pingpong ---- */

#ifndef PP_ROUNDS
#define PP_ROUNDS 20000
#endif

struct pp_stats {
	long wakes; /* epoll_wait returns */
	long empty; /* of which found nothing */
};

/* Wait in epoll on @fd until @r yields a message; count wake-ups. */
static int pp_recv(struct shmchan_channel *r, int ep, void *buf, size_t cap, size_t *len,
		   struct pp_stats *st)
{
	int err;

	while ((err = shmchan_channel_read(r, buf, cap, len)) == -EAGAIN) {
		struct epoll_event ev;
		int n = epoll_wait(ep, &ev, 1, BOUND_MS);

		if (n == 0)
			return -ETIMEDOUT;
		if (n < 0 && errno != EINTR)
			return -errno;
		st->wakes++;
		if (shmchan_channel_depth(r) == 0)
			st->empty++;
	}
	return err;
}

static int pp_side(const char *in, const char *out, int first, struct pp_stats *st)
{
	struct shmchan_channel r, w;
	unsigned char msg[T_MSG_MAX], buf[T_MSG_MAX];
	struct epoll_event ev = { .events = EPOLLIN };
	size_t len;
	int ep, fd, i, err;

	if (shmchan_channel_open_reader(&r, in, NULL) || shmchan_channel_open_writer(&w, out, NULL))
		return 2;
	fd = shmchan_channel_poll_fd(&r);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (fd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return 3;
	/* Round i: the first side sends message 2i, the other echoes it as
	 * 2i + 1 (t_msg.h: every byte checked). */
	for (i = 0; i < PP_ROUNDS; i++) {
		uint64_t idx;

		if (first &&
		    shmchan_channel_send(&w, msg, t_msg_make(msg, 2 * (uint64_t)i), BOUND_MS))
			return 4;
		err = pp_recv(&r, ep, buf, sizeof(buf), &len, st);
		if (err)
			return 5;
		if (!t_msg_ok(buf, len, &idx) || idx != 2 * (uint64_t)i + (first ? 1 : 0))
			return 6;
		if (!first && shmchan_channel_send(&w, msg, t_msg_make(msg, idx + 1), BOUND_MS))
			return 7;
	}
	close(ep);
	shmchan_channel_close(&r);
	shmchan_channel_close(&w);
	return 0;
}

static const char *g_ping, *g_pong;
static struct pp_stats *g_stats; /* MAP_SHARED: [0] the child's */

static int pp_child(void *arg)
{
	(void)arg;
	return pp_side(g_ping, g_pong, 0, &g_stats[0]);
}

static void test_pingpong(void)
{
	const struct shmchan_config cfg = { .slot_size = T_MSG_MAX, .slot_count = 8 };
	struct shmchan_channel a, b;
	struct pp_stats mine = { 0, 0 };
	pid_t child;

	g_ping = t_name("poll.ping");
	g_pong = t_name("poll.pong");
	ASSERT_OK(shmchan_channel_create_writer(&a, g_ping, &cfg));
	ASSERT_OK(shmchan_channel_create_writer(&b, g_pong, &cfg));
	memset(g_stats, 0, sizeof(*g_stats));
	child = t_fork(pp_child, NULL);
	ASSERT_EQ(pp_side(g_pong, g_ping, 1, &mine), 0);
	ASSERT_EQ(t_wait_child(child, BOUND_MS * 6), 0);
	printf("pingpong: %d round trips; wake-ups %ld + %ld, of which found nothing %ld + %ld\n",
	       PP_ROUNDS, mine.wakes, g_stats[0].wakes, mine.empty, g_stats[0].empty);
	/* At most one wake-up per message, plus a few crossed notifications
	 * and safety-net ticks: no busy wake-ups. */
	ASSERT_TRUE(mine.wakes <= PP_ROUNDS + 100 && g_stats[0].wakes <= PP_ROUNDS + 100);
	ASSERT_TRUE(mine.empty <= 100 && g_stats[0].empty <= 100);
	ASSERT_OK(shmchan_channel_close(&a));
	ASSERT_OK(shmchan_channel_close(&b));
	ASSERT_OK(shmchan_channel_unlink(g_ping));
	ASSERT_OK(shmchan_channel_unlink(g_pong));
}

/* ---- no_syscalls ---- */

#ifndef T_SANITIZED
/* Child: under a seccomp filter that kills the process on any system call
 * but exit, publish @arg messages. */
static int publish_no_syscalls(void *arg)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = { sizeof(prog) / sizeof(prog[0]), prog };
	struct shmchan_channel w;
	int i, n = (int)(uintptr_t)arg;

	if (shmchan_channel_open_writer(&w, g_name, NULL))
		return 2;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog))
		return 77;
	for (i = 0; i < n; i++)
		if (shmchan_channel_write(&w, "m", 1))
			return 3;
	return 0;
}
#endif

static void test_no_syscalls(void)
{
#ifdef T_SANITIZED
	printf("no_syscalls: skipped under sanitizers (their runtime makes system calls)\n");
#else
	const struct shmchan_config cfg = { .slot_size = 64, .slot_count = 1024 };
	struct shmchan_channel w, r;
	unsigned char buf[64];
	size_t len;
	int fd, rc;

	g_name = t_name("poll.nosys");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	fd = shmchan_channel_poll_fd(&r);
	ASSERT_TRUE(fd >= 0);
	/* Armed: the first publish must wake it (a system call: SIGSYS). */
	rc = t_wait_child(t_fork(publish_no_syscalls, (void *)(uintptr_t)1), BOUND_MS);
	if (rc == 77) {
		printf("no_syscalls: skipped, seccomp unavailable\n");
	} else {
		ASSERT_EQ(rc, 128 + SIGSYS);
		/* Fired by someone (the killed child or nobody): re-arm it the
		 * way a caller does, then fire it with a publish of ours. */
		while (shmchan_channel_read(&r, buf, sizeof(buf), &len) == 0)
			;
		ASSERT_EQ(data_pollers(&r), 1u);
		ASSERT_OK(shmchan_channel_write(&w, "f", 1));
		ASSERT_EQ(data_pollers(&r), 0u);
		/* Not armed: 1,000 publishes make no system call. */
		rc = t_wait_child(t_fork(publish_no_syscalls, (void *)(uintptr_t)1000), BOUND_MS);
		ASSERT_EQ(rc, 0);
		ASSERT_TRUE(readable_within(fd, 0));
		printf("no_syscalls: a publish to an armed poller makes a system call, "
		       "1,000 to a fired one make none\n");
	}
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(g_name));
#endif
}

/* ---- fork ---- */

static struct shmchan_channel g_inherited;

static int close_copy(void *arg)
{
	(void)arg;
	return shmchan_channel_close(&g_inherited) ? 2 : 0;
}

static void test_fork(void)
{
	const struct shmchan_config cfg = { .slot_size = 64, .slot_count = 8 };
	struct shmchan_channel w;
	unsigned char buf[64];
	size_t len;
	int fd;

	g_name = t_name("poll.fork");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	ASSERT_OK(shmchan_channel_open_reader(&g_inherited, g_name, NULL));
	fd = shmchan_channel_poll_fd(&g_inherited);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(t_wait_child(t_fork(close_copy, NULL), BOUND_MS), 0);
	ASSERT_EQ(sockets_left(&w), 1);
	ASSERT_EQ(data_pollers(&w), 1u);
	ASSERT_OK(shmchan_channel_write(&w, "after", 5));
	ASSERT_TRUE(readable_within(fd, BOUND_MS));
	ASSERT_OK(shmchan_channel_read(&g_inherited, buf, sizeof(buf), &len));
	ASSERT_OK(shmchan_channel_close(&g_inherited));
	ASSERT_EQ(sockets_left(&w), 0);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("fork: the parent's descriptor outlives the child's close\n");
}

/* ---- many ---- */

#define MANY 1000
static char g_many[MANY][64];
static pid_t g_parent;

/* The many case's channels (not t_name()'s: it keeps 64), removed at exit
 * whatever happened. */
static void unlink_many(void)
{
	int i;

	if (getpid() != g_parent)
		return;
	for (i = 0; i < MANY; i++)
		if (g_many[i][0])
			shmchan_channel_unlink(g_many[i]);
}

static void test_many(void)
{
	static struct shmchan_channel w[MANY], r[MANY];
	char(*names)[64] = g_many;
	const struct shmchan_config cfg = { .slot_size = 16, .slot_count = 2 };
	struct epoll_event evs[64];
	struct rlimit rl;
	unsigned char buf[16];
	size_t len;
	long spurious = 0;
	int64_t t0;
	int ep, i, round;

	/* Each channel holds two segment descriptors and the reader's three. */
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		T_FAIL("getrlimit: %s", strerror(errno));
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 6 * MANY + 64) {
		printf("many: skipped, RLIMIT_NOFILE hard limit %lu\n", (unsigned long)rl.rlim_max);
		return;
	}
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? 6 * MANY + 64 : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		T_FAIL("setrlimit: %s", strerror(errno));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_TRUE(ep >= 0);
	for (i = 0; i < MANY; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		int fd;

		/* Not t_name(): it keeps 64 names. Unlinked below. */
		snprintf(names[i], sizeof(names[i]), "t.poll.many.%d.%d", (int)getpid(), i);
		ASSERT_OK(shmchan_channel_create_writer(&w[i], names[i], &cfg));
		ASSERT_OK(shmchan_channel_open_reader(&r[i], names[i], NULL));
		if (i % 2)
			quiet(&r[i]); /* half of them tick every second */
		fd = shmchan_channel_poll_fd(&r[i]);
		ASSERT_TRUE(fd >= 0);
		ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	}
	/* A descriptor reported that was not written to is the safety net
	 * (a second after its arming): it must read -EAGAIN. */
	t0 = t_now_ns();
	for (round = 0; round < 20; round++) {
		int pick[3], got = 0, k;

		for (k = 0; k < 3; k++) {
			pick[k] = (round * 337 + k * 401) % MANY;
			ASSERT_OK(shmchan_channel_write(&w[pick[k]], "m", 1));
		}
		while (got < 3) {
			int n = epoll_wait(ep, evs, 64, BOUND_MS);

			ASSERT_TRUE(n > 0);
			for (k = 0; k < n; k++) {
				int c = (int)evs[k].data.u32;

				if (c == pick[0] || c == pick[1] || c == pick[2]) {
					ASSERT_OK(shmchan_channel_read(&r[c], buf, sizeof(buf),
								       &len));
					got++;
				} else {
					spurious++;
				}
				ASSERT_ERR(shmchan_channel_read(&r[c], buf, sizeof(buf), &len),
					   -EAGAIN);
			}
		}
	}
	ASSERT_TRUE(spurious <= MANY * (long)(t_secs_since(t0) + 2));
	for (i = 0; i < MANY; i++) {
		ASSERT_OK(shmchan_channel_close(&r[i]));
		ASSERT_OK(shmchan_channel_close(&w[i]));
		ASSERT_OK(shmchan_channel_unlink(names[i]));
	}
	close(ep);
	printf("many: %d channels in one epoll set, 60 messages; %ld safety-net wake-ups\n", MANY,
	       spurious);
}

/* ---- fds ---- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		T_FAIL("opendir /proc/self/fd: %s", strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_fds(void)
{
	const struct shmchan_config cfg = { .slot_size = 16, .slot_count = 4 };
	struct shmchan_waitset ws;
	struct shmchan_waitset_event ev[2];
	struct shmchan_channel w, r;
	unsigned char buf[16];
	size_t len;
	int before, i;

	g_name = t_name("poll.fds");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	/* Counted after the first round: the writer keeps the socket it wakes
	 * pollers through from its first wake-up until it closes. */
	before = -1;
	for (i = 0; i < 201; i++) {
		int fd;

		if (i == 1)
			before = count_fds();
		ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
		fd = shmchan_channel_poll_fd(&r);
		ASSERT_TRUE(fd >= 0);
		ASSERT_OK(shmchan_waitset_init(&ws));
		ASSERT_EQ(shmchan_waitset_add(&ws, &r, SHMCHAN_READABLE), 0);
		ASSERT_TRUE(shmchan_waitset_fd(&ws) >= 0);
		ASSERT_OK(shmchan_channel_write(&w, "m", 1)); /* a datagram to the reader */
		ASSERT_TRUE(readable_within(fd, BOUND_MS));
		ASSERT_EQ(shmchan_waitset_wait(&ws, ev, 2, BOUND_MS), 1);
		ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
		ASSERT_OK(shmchan_waitset_close(&ws));
		ASSERT_OK(shmchan_channel_close(&r));
	}
	ASSERT_EQ(count_fds(), before);
	ASSERT_EQ(sockets_left(&w), 0);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("fds: 200 rounds, %d descriptors before and after\n", before);
}

static const struct t_case cases[] = {
	{ "level", test_level },       { "writer", test_writer },
	{ "end", test_end },	       { "killed_poller", test_killed_poller },
	{ "pingpong", test_pingpong }, { "no_syscalls", test_no_syscalls },
	{ "fork", test_fork },	       { "many", test_many },
	{ "fds", test_fds },
};

int main(int argc, char **argv)
{
	void *shared;

	g_parent = getpid();
	atexit(unlink_many);
	t_watchdog(120);
	setvbuf(stdout, NULL, _IOLBF, 0);
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		T_FAIL("mmap: %s", strerror(errno));
	g_flag = shared;
	g_stats = (struct pp_stats *)(void *)((char *)shared + 64);
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	printf("test_poll: ok\n");
	return 0;
}
