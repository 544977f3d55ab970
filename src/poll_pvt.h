/* SPDX-License-Identifier: MIT */
/*
 * Internal: pollable handles (poll.c): the descriptor an event loop waits
 * on, arming it when a call finds nothing to do, and the publishers' side
 * that wakes it. The shared entries are part of the channel's layout
 * (channel_pvt.h, struct shmchan__poller). Not installed.
 */
#ifndef SHMCHAN_POLL_PVT_H
#define SHMCHAN_POLL_PVT_H

#include "channel_pvt.h"
#include "handle_pvt.h"
#include "wait_pvt.h"

/* Whether @ch has a descriptor (one branch: the message path's only cost). */
static inline int shmchan__polling(const struct shmchan__handle *ch)
{
	return ch->poll.ep1 != 0;
}

/* Create @ch's descriptor (once; later calls return the same one) and arm
 * it. Returns the descriptor, or a negative errno (see channel.h). */
int shmchan__poll_open(struct shmchan__handle *ch);

/*
 * A call on @ch found nothing to do: arm the descriptor (protocol A1-A4 of
 * poll.c) and re-check through @ready (wait_pvt.h). Returns what @ready
 * returned: 1 (ready after all: the caller tries again, and calls
 * shmchan__poll_fire() if that finds nothing either), 0, or
 * SHMCHAN__READY_SOON (the descriptor's timer re-checks soon).
 */
int shmchan__poll_arm(struct shmchan__handle *ch, shmchan__ready_fn ready, void *ctx);

/* Make @ch's descriptor readable now (its timer, at once). */
void shmchan__poll_fire(struct shmchan__handle *ch);

/* Publisher: wake the pollers ARMED on the data queue (@space 0: reader
 * entries) or the space queue (@space 1: writer entries). Called only when
 * the queue's poller count was seen non-zero (wait.c shmchan__wake). */
void shmchan__poll_notify(struct shmchan__handle *ch, int space);

/* Wake every ARMED poller of channel @h (it was replaced; a slow path that
 * opens and closes a socket of its own). */
void shmchan__poll_notify_all(struct shmchan__chan_hdr *h);

/* Close @ch's descriptors. @owned: the handle still holds its entry (not a
 * copy inherited across fork), so its poller entry is cleared and its
 * socket's name removed. */
void shmchan__poll_close(struct shmchan__handle *ch, int owned);

/* Clear the poller entries of channel @h (nonce @nonce) whose sockets have
 * no owner any more (a poller that exited or was killed without closing),
 * and remove their names. A slow path: a system call per entry in use. */
void shmchan__poll_sweep(struct shmchan__chan_hdr *h, uint64_t nonce);

/* The holder @o (owner word) of registry entry @p is gone (closed, or
 * found dead): clear its poller entry, unless a successor made it, and
 * remove its socket's name. */
void shmchan__poll_forget(struct shmchan__chan_hdr *h, const struct shmchan__peer *p, uint64_t o);

#endif /* SHMCHAN_POLL_PVT_H */
