/* SPDX-License-Identifier: MIT */
/* Passing descriptors over Unix sockets, and the rendezvous (fdpass.h). */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "shmchan/fdpass.h"
#include "shmchan/segment.h"
#include "wait_pvt.h"

int shmchan_fd_send(int sock, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte = 'F';
	struct iovec iov = { &byte, 1 };
	struct msghdr msg;
	struct cmsghdr *c;
	ssize_t n;

	if (fd < 0)
		return -EINVAL;
	memset(&msg, 0, sizeof(msg));
	memset(&u, 0, sizeof(u));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : n < 0 ? -errno : -EIO;
}

/* Wait up to what @dl leaves for @fd to be readable: 0, -ETIMEDOUT, or a
 * negative errno. A signal resumes the wait. */
static int wait_in(int fd, const struct shmchan__deadline *dl)
{
	for (;;) {
		int64_t left = shmchan__deadline_left(dl);
		int ms = left == INT64_MAX	  ? -1
			 : left / 1000000 > 60000 ? 60000
						  : (int)((left + 999999) / 1000000);
		struct pollfd p = { fd, POLLIN, 0 };
		int n = poll(&p, 1, ms);

		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n == 0 && shmchan__deadline_left(dl) == 0)
			return -ETIMEDOUT;
	}
}

/* Close every descriptor a control message carried. */
static void close_rights(struct msghdr *msg)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t off = 0; CMSG_LEN(off + sizeof(int)) <= c->cmsg_len;
		     off += sizeof(int)) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + off, sizeof(int));
			close(fd);
		}
	}
}

static int recv_one(int sock, int *fd, const struct shmchan__deadline *dl)
{
	/* Room for more descriptors than one, so that a message carrying
	 * several is not truncated into leaks: all are closed. */
	union {
		char buf[CMSG_SPACE(16 * sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg;
	struct cmsghdr *c;
	ssize_t n;
	int err;

	for (;;) {
		err = wait_in(sock, dl);
		if (err)
			return err;
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		break;
	}
	if (n == 0)
		return -EPIPE;
	c = CMSG_FIRSTHDR(&msg);
	if ((msg.msg_flags & MSG_CTRUNC) || !c || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)) ||
	    CMSG_NXTHDR(&msg, c)) {
		close_rights(&msg);
		return -EBADMSG;
	}
	memcpy(fd, CMSG_DATA(c), sizeof(int));
	return 0;
}

int shmchan_fd_recv(int sock, int *fd, int timeout_ms)
{
	struct shmchan__deadline dl;

	if (!fd || timeout_ms < -1)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	return recv_one(sock, fd, &dl);
}

/* The abstract address of rendezvous @name; its length in *@len. */
static int rv_addr(const char *name, struct sockaddr_un *a, socklen_t *len)
{
	int err = shmchan_name_check(name), n;

	if (err)
		return err;
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	/* sun_path[0] = '\0': the abstract namespace; the name is the bytes
	 * after it, without a terminator. */
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "%srv.%s", SHMCHAN_PREFIX, name);
	if (n < 0 || (size_t)n >= sizeof(a->sun_path) - 1)
		return -ENAMETOOLONG;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	return 0;
}

/* 0 if the peer of connected socket @s may be dealt with under @flags,
 * -EPERM if not, or a negative errno. */
static int check_peer(int s, unsigned flags)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (flags & SHMCHAN_RV_ANY_USER)
		return 0;
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
		return -errno;
	return cr.uid == geteuid() ? 0 : -EPERM;
}

int shmchan_rendezvous_listen(const char *name)
{
	struct sockaddr_un a;
	socklen_t len;
	int s, err = rv_addr(name, &a, &len);

	if (err)
		return err;
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&a, len) != 0 || listen(s, 16) != 0) {
		err = -errno;
		close(s);
		return err;
	}
	return s;
}

int shmchan_rendezvous_serve(int lfd, int fd, int timeout_ms, unsigned flags)
{
	struct shmchan__deadline dl;
	int err;

	if (lfd < 0 || fd < 0 || timeout_ms < -1 || (flags & ~SHMCHAN_RV_ANY_USER))
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	for (;;) {
		int c;

		err = wait_in(lfd, &dl);
		if (err)
			return err;
		c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c < 0 && (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED))
			continue;
		if (c < 0)
			return -errno;
		err = check_peer(c, flags);
		if (err == 0)
			err = shmchan_fd_send(c, fd);
		close(c);
		/* A stranger is turned away; wait for the next peer. */
		if (err != -EPERM)
			return err;
	}
}

int shmchan_rendezvous_fetch(const char *name, int *fd, int timeout_ms, unsigned flags)
{
	struct shmchan__deadline dl;
	struct sockaddr_un a;
	socklen_t len;
	int s, err;

	if (!fd || timeout_ms < -1 || (flags & ~SHMCHAN_RV_ANY_USER))
		return -EINVAL;
	err = rv_addr(name, &a, &len);
	if (err)
		return err;
	shmchan__deadline_init(&dl, timeout_ms);
	for (;;) {
		s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -errno;
		if (connect(s, (struct sockaddr *)&a, len) == 0)
			break;
		err = -errno;
		close(s);
		/* Nobody bound yet (or a full backlog): try again shortly. */
		if (err != -ECONNREFUSED && err != -EAGAIN && err != -EINTR)
			return err;
		if (shmchan__deadline_left(&dl) == 0)
			return -ETIMEDOUT;
		shmchan__deadline_sleep(&dl, 10 * 1000000);
	}
	err = check_peer(s, flags);
	if (!err)
		err = recv_one(s, fd, &dl);
	close(s);
	return err;
}
