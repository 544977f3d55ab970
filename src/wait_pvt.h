/* SPDX-License-Identifier: MIT */
/* Internal: waiting for a condition on a shared channel, and waking waiters. */
#ifndef SHMCHAN_WAIT_PVT_H
#define SHMCHAN_WAIT_PVT_H

#include <stdatomic.h>
#include <stdint.h>

/* Relative timeouts on CLOCK_MONOTONIC (deadline.c). */
struct shmchan__deadline {
	int64_t end_ns; /* absolute CLOCK_MONOTONIC time; -1: forever */
};
void shmchan__deadline_init(struct shmchan__deadline *d, int timeout_ms);
/* Nanoseconds left (0 when expired), or INT64_MAX for forever. */
int64_t shmchan__deadline_left(const struct shmchan__deadline *d);
/* Sleep min(ns, left), resuming after signals with the time that is left. */
void shmchan__deadline_sleep(const struct shmchan__deadline *d, int64_t ns);
int64_t shmchan__now_ns(void);

/*
 * One side's wait queue in the segment: a futex word bumped by wakers and a
 * count of sleepers (both seq_cst; see wait.c for the protocol).
 */
struct shmchan__waitq {
	_Atomic uint32_t *futex;
	_Atomic uint32_t *waiters;
	_Atomic uint32_t *pollers; /* armed pollers (poll.c), or NULL */
};

/* How a handle waits. */
struct shmchan__waitcfg {
	uint32_t strategy; /* SHMCHAN_WAIT_* */
	int64_t spin_ns;   /* spin phase before sleeping (FUTEX, BACKOFF) */
};

/* The condition: returns 1 when ready, 0 when not, or SHMCHAN__READY_SOON
 * when not but it should be asked again soon (recovery pending), so that a
 * futex sleep is kept short. Its load of the shared state must be seq_cst
 * (the re-check half of the protocol). @slow is 0 while spinning (asked
 * again within nanoseconds: keep it cheap) and 1 otherwise. */
#define SHMCHAN__READY_SOON 2
typedef int (*shmchan__ready_fn)(void *ctx, int slow);

/*
 * Sleep while *@word == @val (a shared futex: any process mapping it may
 * wake it), until a wake, a signal, or the earlier of the deadline and
 * @slice_ns from now. Every return means "look again".
 */
void shmchan__futex_sleep(_Atomic uint32_t *word, uint32_t val, const struct shmchan__deadline *dl,
			  int64_t slice_ns);

/*
 * Wait until ready(ctx) returns 1, or the deadline. Returns 0 or -ETIMEDOUT.
 * Signals do not end the wait early. On timeout nothing in the segment is left
 * changed. @owner (may be NULL) is the waiter's registry owner word, where
 * @sleep_bit marks that it is counted in q->waiters, so that whoever finds it
 * dead can undo the count.
 */
int shmchan__wait(const struct shmchan__waitcfg *cfg, const struct shmchan__waitq *q,
		  _Atomic uint64_t *owner, uint64_t sleep_bit, shmchan__ready_fn ready, void *ctx,
		  const struct shmchan__deadline *dl);

/*
 * After publishing (a seq_cst store that makes a waiter's condition true):
 * wake every sleeper of @q, with one system call, if there is any. Costs two
 * seq_cst loads of one line when nobody sleeps or polls. Returns a mask:
 * SHMCHAN__WOKE_SLEEPERS if it found (and woke) sleepers,
 * SHMCHAN__WOKE_POLLERS if q->pollers is not 0 (the caller wakes them:
 * poll.c).
 */
#define SHMCHAN__WOKE_SLEEPERS 1
#define SHMCHAN__WOKE_POLLERS 2
int shmchan__wake(const struct shmchan__waitq *q);

#endif /* SHMCHAN_WAIT_PVT_H */
