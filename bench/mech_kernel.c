/* SPDX-License-Identifier: MIT */
/* Kernel mechanisms for the benchmark: pipe, Unix sockets (stream and
 * seqpacket), POSIX message queues, TCP loopback, eventfd with shared memory. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mech.h"

void mech_stamp(unsigned char *m, size_t size, uint64_t seq)
{
	memcpy(m, &seq, 8);
	memcpy(m + size - 8, &seq, 8);
}

int64_t mech_check(const unsigned char *m, size_t size)
{
	uint64_t a, b;

	memcpy(&a, m, 8);
	memcpy(&b, m + size - 8, 8);
	return a == b ? (int64_t)a : -1;
}

void mech_fill(unsigned char *m, size_t size, uint64_t seq)
{
	memset(m, (int)(seq & 0xFF), size);
	mech_stamp(m, size, seq);
}

int64_t mech_check_all(const unsigned char *m, size_t size)
{
	int64_t v = mech_check(m, size);
	uint64_t want = 0x0101010101010101ull * ((uint64_t)v & 0xFF), w, bad = 0;
	size_t i = 8, end = size > 16 ? size - 8 : 8;

	if (v < 0)
		return -1;
	/* Words while they fit (one branch at the end, so the loop streams),
	 * then the bytes left before the last stamp. */
	for (; i + 8 <= end; i += 8) {
		memcpy(&w, m + i, 8);
		bad |= w ^ want;
	}
	for (; i < end; i++)
		bad |= m[i] ^ (want & 0xFF);
	return bad ? -1 : v;
}

static int full_write(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n) {
		ssize_t r = write(fd, b, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -errno;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static int full_read(int fd, void *p, size_t n)
{
	unsigned char *b = p;

	while (n) {
		ssize_t r = read(fd, b, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? -EPIPE : -errno;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static void close_fds(struct mech_ctx *c)
{
	int i;

	for (i = 0; i < 4; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
}

static int open_nothing(struct mech_ctx *c, int side)
{
	(void)c;
	(void)side;
	return 0;
}

static void close_nothing(struct mech_ctx *c, int side)
{
	(void)c;
	(void)side;
}

/* Stream mechanisms: fd to write on and fd to read from, per side. */
static int wfd(const struct mech_ctx *c, int side)
{
	return c->fd[side ? 3 : 1];
}

static int rfd(const struct mech_ctx *c, int side)
{
	return c->fd[side ? 0 : 2];
}

static int stream_send(struct mech_ctx *c, int side, uint64_t seq)
{
	mech_stamp(c->buf, c->size, seq);
	return full_write(wfd(c, side), c->buf, c->size);
}

static int64_t stream_recv(struct mech_ctx *c, int side)
{
	if (full_read(rfd(c, side), c->buf, c->size))
		return -1;
	return mech_check(c->buf, c->size);
}

static int pipe_setup(struct mech_ctx *c)
{
	int a[2], b[2];

	if (pipe2(a, O_CLOEXEC) || pipe2(b, O_CLOEXEC))
		return -errno;
	/* fd[0] read 0->1, fd[1] write 0->1, fd[2] read 1->0, fd[3] write 1->0 */
	c->fd[0] = a[0];
	c->fd[1] = a[1];
	c->fd[2] = b[0];
	c->fd[3] = b[1];
	/* Larger pipes, as a tuned user would have (may fail: not fatal). */
	fcntl(a[1], F_SETPIPE_SZ, 1 << 20);
	fcntl(b[1], F_SETPIPE_SZ, 1 << 20);
	return 0;
}

/* Socket pairs: one bidirectional socket per side, in fd[0] and fd[1];
 * the stream helpers find them through fd[1]/fd[3] and fd[0]/fd[2]. */
static int pair_setup(struct mech_ctx *c, int type)
{
	int sv[2], sz = (int)(c->size * 4 + 65536);

	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv))
		return -errno;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	c->fd[1] = c->fd[2] = sv[0]; /* side 0 writes and reads here */
	c->fd[3] = c->fd[0] = sv[1];
	return 0;
}

static void pair_teardown(struct mech_ctx *c)
{
	close(c->fd[1]);
	close(c->fd[3]);
}

static int unix_stream_setup(struct mech_ctx *c)
{
	return pair_setup(c, SOCK_STREAM);
}

static int seqpacket_setup(struct mech_ctx *c)
{
	return pair_setup(c, SOCK_SEQPACKET);
}

static int seqpacket_send(struct mech_ctx *c, int side, uint64_t seq)
{
	mech_stamp(c->buf, c->size, seq);
	return send(wfd(c, side), c->buf, c->size, 0) == (ssize_t)c->size ? 0 : -errno;
}

static int64_t seqpacket_recv(struct mech_ctx *c, int side)
{
	ssize_t r = recv(rfd(c, side), c->buf, c->size, 0);

	return r == (ssize_t)c->size ? mech_check(c->buf, c->size) : -1;
}

/* POSIX message queues: two queues, one per direction. */
struct mq_priv {
	mqd_t q[2];
};

static void mq_names(const struct mech_ctx *c, char n[2][64])
{
	(void)c;
	snprintf(n[0], 64, "/shmchan-bench-mq0.%d", (int)getpid());
	snprintf(n[1], 64, "/shmchan-bench-mq1.%d", (int)getpid());
}

static int mq_setup(struct mech_ctx *c)
{
	struct mq_attr a;
	char n[2][64];
	int i;

	memset(&a, 0, sizeof(a));
	a.mq_maxmsg = 8;
	a.mq_msgsize = (long)c->size;
	mq_names(c, n);
	for (i = 0; i < 2; i++) {
		mqd_t q = mq_open(n[i], O_CREAT | O_EXCL | O_RDWR, 0600, &a);

		if (q == (mqd_t)-1) {
			int err = -errno;

			if (i)
				mq_unlink(n[0]);
			return err; /* EINVAL past msgsize_max: the run is skipped */
		}
		mq_close(q);
	}
	memcpy(c->name, n, sizeof(n)); /* remembered for teardown */
	return 0;
}

static struct mq_priv g_mq; /* per process: set by open() after fork */

static int mq_open_side(struct mech_ctx *c, int side)
{
	(void)side;
	g_mq.q[0] = mq_open(c->name[0], O_RDWR);
	g_mq.q[1] = mq_open(c->name[1], O_RDWR);
	return (g_mq.q[0] == (mqd_t)-1 || g_mq.q[1] == (mqd_t)-1) ? -errno : 0;
}

static int mq_send_msg(struct mech_ctx *c, int side, uint64_t seq)
{
	mech_stamp(c->buf, c->size, seq);
	return mq_send(g_mq.q[side], (const char *)c->buf, c->size, 0) ? -errno : 0;
}

static int64_t mq_recv_msg(struct mech_ctx *c, int side)
{
	ssize_t r = mq_receive(g_mq.q[!side], (char *)c->buf, c->size, NULL);

	return r == (ssize_t)c->size ? mech_check(c->buf, c->size) : -1;
}

static void mq_close_side(struct mech_ctx *c, int side)
{
	(void)c;
	(void)side;
	mq_close(g_mq.q[0]);
	mq_close(g_mq.q[1]);
}

static void mq_teardown(struct mech_ctx *c)
{
	mq_unlink(c->name[0]);
	mq_unlink(c->name[1]);
}

/* TCP over loopback, TCP_NODELAY on both ends. */
static int tcp_setup(struct mech_ctx *c)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int l, s, t, one = 1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &alen))
		return -errno;
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)))
		return -errno;
	t = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	if (t < 0)
		return -errno;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd[1] = c->fd[2] = s;
	c->fd[3] = c->fd[0] = t;
	return 0;
}

/* eventfd + shared memory: one buffer per direction; "ready" and "free"
 * eventfds per direction (fd[0] ready 0->1, fd[1] free 0->1, fd[2] ready
 * 1->0, fd[3] free 1->0). */
static int efd_setup(struct mech_ctx *c)
{
	int i;

	c->shm_size = 2 * c->size;
	c->shm = mmap(NULL, c->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->shm == MAP_FAILED)
		return -errno;
	for (i = 0; i < 4; i++) {
		/* "free" starts at 1: the buffer is free. */
		c->fd[i] = eventfd((i & 1) ? 1 : 0, EFD_CLOEXEC);
		if (c->fd[i] < 0)
			return -errno;
	}
	return 0;
}

static int efd_send(struct mech_ctx *c, int side, uint64_t seq)
{
	unsigned char *slot = (unsigned char *)c->shm + (size_t)side * c->size;
	uint64_t v;

	if (read(c->fd[side * 2 + 1], &v, 8) != 8) /* wait until the buffer is free */
		return -errno;
	memcpy(slot, c->buf, c->size);
	mech_stamp(slot, c->size, seq);
	v = 1;
	return write(c->fd[side * 2], &v, 8) == 8 ? 0 : -errno;
}

static int64_t efd_recv(struct mech_ctx *c, int side)
{
	int from = !side;
	unsigned char *slot = (unsigned char *)c->shm + (size_t)from * c->size;
	uint64_t v;

	if (read(c->fd[from * 2], &v, 8) != 8)
		return -1;
	memcpy(c->buf, slot, c->size);
	v = 1;
	if (write(c->fd[from * 2 + 1], &v, 8) != 8)
		return -1;
	return mech_check(c->buf, c->size);
}

static void efd_teardown(struct mech_ctx *c)
{
	close_fds(c);
	munmap(c->shm, c->shm_size);
}

const struct mech mech_pipe = {
	"pipe",	   0, pipe_setup, open_nothing, stream_send, stream_recv, close_nothing,
	close_fds, 0, 0
};
const struct mech mech_unix_stream = { "unix stream",
				       0,
				       unix_stream_setup,
				       open_nothing,
				       stream_send,
				       stream_recv,
				       close_nothing,
				       pair_teardown,
				       0,
				       0 };
const struct mech mech_unix_seqpacket = { "unix seqpacket",
					  0,
					  seqpacket_setup,
					  open_nothing,
					  seqpacket_send,
					  seqpacket_recv,
					  close_nothing,
					  pair_teardown,
					  0,
					  0 };
const struct mech mech_mqueue = {
	"posix mqueue", 0, mq_setup, mq_open_side, mq_send_msg, mq_recv_msg, mq_close_side,
	mq_teardown,	0, 0
};
const struct mech mech_tcp = {
	"tcp loopback", 0, tcp_setup, open_nothing, stream_send, stream_recv, close_nothing,
	pair_teardown,	0, 0
};
const struct mech mech_eventfd = {
	"eventfd+shm", 0, efd_setup, open_nothing, efd_send, efd_recv, close_nothing,
	efd_teardown,  0, 0
};
