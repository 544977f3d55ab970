/* SPDX-License-Identifier: MIT */
/*
 * Wait sets: one call that waits on many channel handles at once (readers
 * for messages, writers for room, of any kinds mixed) and says which are
 * ready.
 *
 *   struct shmchan_waitset ws;
 *   struct shmchan_waitset_event ev[8];
 *   shmchan_waitset_init(&ws);
 *   shmchan_waitset_add(&ws, &camera, SHMCHAN_READABLE);
 *   shmchan_waitset_add(&ws, &imu, SHMCHAN_READABLE);
 *   shmchan_waitset_add(&ws, &cmd_out, SHMCHAN_WRITABLE);
 *   int n = shmchan_waitset_wait(&ws, ev, 8, 1000);
 *   for (int i = 0; i < n; i++)  // ev[i].ch, ev[i].index, ev[i].events
 *           ...read ev[i].ch until -EAGAIN...
 *
 * The set is caller-owned storage (SHMCHAN_WAITSET_SIZE bytes) holding
 * pointers to the handles added: each must stay open while it is a member,
 * and is used by the waiting thread during a wait (as any call on it).
 *
 * How it sleeps: with the kernel's multi-futex wait (futex_waitv, Linux
 * 5.16 and later) on the members' wait words, announced exactly as a single
 * channel's waiter (the same sleep protocol, wait.c), so a publish on any
 * member wakes it with the same one system call and costs nothing while
 * nobody waits. Where futex_waitv is missing (-ENOSYS: an older kernel, a
 * seccomp filter), it falls back to polling the members with the backoff of
 * SHMCHAN_WAIT_BACKOFF (50 us doubling to 1 ms between looks);
 * shmchan_waitset_info() tells which. A sleep lasts at most 200 ms before
 * the members are looked at again (the safety net of every futex wait).
 *
 * Fair: a wait that finds members ready when it starts reports every ready
 * member, up to @cap, starting from the member after the first one the
 * previous wait reported, so a busy channel cannot keep its neighbours from
 * being reported. A wait that slept reports the member whose publish woke
 * it, alone (the others were not ready when it went to sleep; the next
 * wait looks at them all): the wake-up path looks at one member, not 64.
 *
 * Nesting: shmchan_waitset_fd() gives a descriptor (an epoll set over the
 * members' shmchan_channel_poll_fd descriptors) that an outer event loop
 * waits on; when it is readable, shmchan_waitset_wait(ws, ev, cap, 0) says
 * which members are ready.
 */
#ifndef SHMCHAN_WAITSET_H
#define SHMCHAN_WAITSET_H

#include "shmchan/channel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Members of one set, at most. */
#define SHMCHAN_WAITSET_MAX 64
/* What a member is waited for (shmchan_waitset_add's @events). */
#define SHMCHAN_READABLE 1u /* a reader: a read or peek may not return -EAGAIN */
#define SHMCHAN_WRITABLE 2u /* a writer: a write or reserve may find room */

#define SHMCHAN_WAITSET_SIZE 1088
struct shmchan_waitset {
	uint64_t opaque_[SHMCHAN_WAITSET_SIZE / 8];
};

/* One ready member, as shmchan_waitset_wait reports it. */
struct shmchan_waitset_event {
	struct shmchan_channel *ch; /* the handle added */
	uint32_t index;		    /* its index, as shmchan_waitset_add returned it */
	uint32_t events;	    /* SHMCHAN_READABLE and/or SHMCHAN_WRITABLE */
};

/* shmchan_waitset_init - an empty set. Returns 0, or -EINVAL (NULL). */
SHMCHAN_API int shmchan_waitset_init(struct shmchan_waitset *ws);

/*
 * shmchan_waitset_add - add handle @ch, waited for @events (SHMCHAN_READABLE
 * for a reader, SHMCHAN_WRITABLE for a writer). Returns the member's index
 * (0 to SHMCHAN_WAITSET_MAX - 1; indices are reused after a remove),
 * -EINVAL (NULL, a closed handle, no events or unknown ones), -ENOTSUP
 * (READABLE on a writer, WRITABLE on a reader), -EEXIST (already a
 * member), -ENOSPC (SHMCHAN_WAITSET_MAX members), or the errors of
 * shmchan_channel_poll_fd when the set has a descriptor.
 */
SHMCHAN_API int shmchan_waitset_add(struct shmchan_waitset *ws, struct shmchan_channel *ch,
				    unsigned events);

/* shmchan_waitset_remove - remove handle @ch. Returns 0, -EINVAL, or
 * -ENOENT (not a member). */
SHMCHAN_API int shmchan_waitset_remove(struct shmchan_waitset *ws, struct shmchan_channel *ch);

/*
 * shmchan_waitset_wait - wait up to @timeout_ms (-1: no limit; 0: look once)
 * until at least one member is ready; fill @out with up to @cap of the ready
 * members (see "Fair" above). Ready means what the member's own wait means
 * (shmchan_channel_wait_readable / _writable returning): a message, end of
 * stream or a replaced channel for a reader; room, or a replaced channel,
 * for a writer. A member may rarely be reported and then find nothing to do.
 * Signals do not end the wait early. Returns the count filled (1 to @cap),
 * -ETIMEDOUT, or -EINVAL (NULL, @cap 0, a bad timeout, an empty set, a
 * member closed meanwhile, even if its storage was reopened since as a
 * handle waitset_add refuses).
 */
SHMCHAN_API int shmchan_waitset_wait(struct shmchan_waitset *ws, struct shmchan_waitset_event *out,
				     unsigned cap, int timeout_ms);

/*
 * shmchan_waitset_fd - a descriptor for an outer event loop: an epoll set
 * over every member's shmchan_channel_poll_fd descriptor (members added
 * later join it), readable while a member may be ready. The set owns it;
 * shmchan_waitset_close closes it. Returns the descriptor, -EINVAL, or the
 * errors of epoll_create1 and shmchan_channel_poll_fd.
 */
SHMCHAN_API int shmchan_waitset_fd(struct shmchan_waitset *ws);

/* shmchan_waitset_close - close the set's descriptor (if any) and empty it.
 * The members are left open. Returns 0, or -EINVAL. */
SHMCHAN_API int shmchan_waitset_close(struct shmchan_waitset *ws);

/* How the set sleeps (shmchan_waitset_info). */
#define SHMCHAN_WAITSET_FUTEX_WAITV 1 /* futex_waitv */
#define SHMCHAN_WAITSET_POLLING 2     /* the fallback: backoff polling */

/* shmchan_waitset_info - the member count in *@n (may be NULL); returns
 * SHMCHAN_WAITSET_FUTEX_WAITV or SHMCHAN_WAITSET_POLLING (as the last wait
 * found it; FUTEX_WAITV before any), or -EINVAL. */
SHMCHAN_API int shmchan_waitset_info(const struct shmchan_waitset *ws, unsigned *n);

#ifdef __cplusplus
}
#endif

#endif /* SHMCHAN_WAITSET_H */
