/* SPDX-License-Identifier: MIT */
/*
 * Internal: a channel's three wait queues, by name, and the wake-ups of the
 * channel layer. Not installed.
 *
 *   DATA   readers waiting for a message (wait_readable, recv)
 *   SPACE  writers waiting for room (wait_writable, send)
 *   PEER   writers waiting for a reader to attach (wait_for_reader)
 *
 * Each is a futex word and a waiter count in the channel header
 * (channel_pvt.h); the protocol is wait.c's.
 */
#ifndef SHMCHAN_WAKE_PVT_H
#define SHMCHAN_WAKE_PVT_H

#include "handle_pvt.h"
#include "wait_pvt.h"

enum shmchan__queue {
	SHMCHAN__QUEUE_DATA,
	SHMCHAN__QUEUE_SPACE,
	SHMCHAN__QUEUE_PEER,
};

/* The futex word and waiter count of queue @which of @ch's channel. */
struct shmchan__waitq shmchan__queue_of(const struct shmchan__handle *ch,
					enum shmchan__queue which);

/*
 * Wake every sleeper of the DATA (readers) or SPACE (writers) queue. When
 * sleepers were counted, dead ones are looked for as well (at most every
 * SHMCHAN__REAP_EVERY_NS, through @ch's own clock): a peer that died asleep
 * leaves the count high, and every publish would make a useless wake call.
 */
void shmchan__wake_readers(struct shmchan__handle *ch);
void shmchan__wake_writers(struct shmchan__handle *ch);
/* Wake writers waiting in wait_for_reader (PEER). */
void shmchan__wake_peers(const struct shmchan__handle *ch);

#endif /* SHMCHAN_WAKE_PVT_H */
