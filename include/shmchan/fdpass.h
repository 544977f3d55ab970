/* SPDX-License-Identifier: MIT */
/*
 * Passing descriptors: how an anonymous channel (channel.h) reaches its
 * peers. A descriptor travels over a Unix socket as SCM_RIGHTS ancillary
 * data; these calls send and receive one, and add a small rendezvous for
 * processes that share no socket yet.
 *
 *   int fd = shmchan_channel_share_fd(&w, O_CLOEXEC);          // process A
 *   int lfd = shmchan_rendezvous_listen("cam0");
 *   shmchan_rendezvous_serve(lfd, fd, -1, 0);                  // one peer
 *
 *   int fd;                                                    // process B
 *   shmchan_rendezvous_fetch("cam0", &fd, 1000, 0);
 *   shmchan_channel_open_reader_fd(&r, fd, NULL);
 *   close(fd);
 *
 * The rendezvous is a SOCK_SEQPACKET socket bound in the abstract namespace
 * as "\0shmchan.rv.NAME" (NAME in the channel-name alphabet): no file, gone
 * with its last descriptor, visible to every process in the same network
 * namespace (containers with their own network namespace do not see it:
 * pass the descriptor over a socket they share, or inherit it). Anyone
 * there can connect or bind the name first, so both ends check the other's
 * credentials (SO_PEERCRED): by default the peer must run as the same
 * effective user; SHMCHAN_RV_ANY_USER lifts that. A process that binds the
 * name first can still hand out a descriptor of its own: a fetcher that
 * must not trust another process of its own user has to use a socket it
 * set up itself.
 *
 * Timeouts are in milliseconds on CLOCK_MONOTONIC: 0 tries once, -1 waits
 * without limit; a signal does not cut a wait short.
 */
#ifndef SHMCHAN_FDPASS_H
#define SHMCHAN_FDPASS_H

#include "shmchan/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Rendezvous flags. */
#define SHMCHAN_RV_ANY_USER 1u /* accept a peer of another effective user */

/*
 * shmchan_fd_send - send descriptor @fd over the connected Unix socket
 * @sock (stream, datagram or seqpacket), as one byte with SCM_RIGHTS.
 * The caller keeps @fd. Returns 0, or -EINVAL (a negative descriptor),
 * and the errors of sendmsg(2) (-EPIPE, -ENOTSOCK, -ENOTCONN, -EAGAIN on
 * a non-blocking socket, ...). Never raises SIGPIPE (MSG_NOSIGNAL).
 */
SHMCHAN_API int shmchan_fd_send(int sock, int fd);

/*
 * shmchan_fd_recv - receive one descriptor from @sock into *@fd
 * (close-on-exec), waiting up to @timeout_ms. Returns 0, or -ETIMEDOUT,
 * -EPIPE (the peer closed without sending), -EBADMSG (a message without
 * exactly one descriptor: any descriptors it carried are closed),
 * -EINVAL (NULL @fd, timeout below -1), and the errors of recvmsg(2).
 */
SHMCHAN_API int shmchan_fd_recv(int sock, int *fd, int timeout_ms);

/*
 * shmchan_rendezvous_listen - bind and listen on the rendezvous of @name.
 * Returns the listening socket (close-on-exec; the caller closes it), or
 * -EINVAL, -ENAMETOOLONG (bad name), -EADDRINUSE (another process serves
 * that name), and the errors of socket(2) and listen(2).
 */
SHMCHAN_API int shmchan_rendezvous_listen(const char *name);

/*
 * shmchan_rendezvous_serve - accept one peer on @lfd (from
 * rendezvous_listen), within @timeout_ms, check its user (see above),
 * send it @fd and close the connection. Call it once per peer. A peer of
 * another user is refused (its connection closed, nothing sent) and the
 * call goes on waiting for the next. Returns 0, or -ETIMEDOUT, -EINVAL,
 * and the errors of accept4(2) and shmchan_fd_send (a peer that went away
 * before the descriptor was sent: -EPIPE, -ECONNRESET).
 */
SHMCHAN_API int shmchan_rendezvous_serve(int lfd, int fd, int timeout_ms, unsigned flags);

/*
 * shmchan_rendezvous_fetch - connect to the rendezvous of @name, check the
 * server's user, and receive its descriptor into *@fd (close-on-exec),
 * waiting up to @timeout_ms for it (nobody listening yet is retried every
 * 10 ms until then). Returns 0, or -ETIMEDOUT (nobody served in time),
 * -EPERM (the server runs as another user, without SHMCHAN_RV_ANY_USER),
 * -EINVAL, -ENAMETOOLONG, and the errors of shmchan_fd_recv.
 */
SHMCHAN_API int shmchan_rendezvous_fetch(const char *name, int *fd, int timeout_ms, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif /* SHMCHAN_FDPASS_H */
