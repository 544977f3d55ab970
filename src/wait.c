/* SPDX-License-Identifier: MIT */
/*
 * Waiting: spin, the article's exponential backoff, or spin-then-futex.
 *
 * The sleep protocol (FUTEX), for a waiter W and a waker K on queue q:
 *
 *   W1  v = q.futex                      (relaxed: the kernel re-compares it)
 *   W2  q.waiters += 1                   (seq_cst RMW: "announce")
 *   W3  if ready(): q.waiters -= 1; done (seq_cst load inside ready: "re-check")
 *   W4  shmchan__futex_sleep(q.futex, v) (sleeps only while q.futex == v)
 *   W5  q.waiters -= 1; loop to W1
 *
 *   K1  publish                          (seq_cst store: ring.c P3 or C3)
 *   K2  if q.waiters != 0:               (seq_cst load)
 *   K3      q.futex += 1; futex_wake(q.futex, all)
 *
 * No lost wake-up: W2, W3, K1 and K2 are all seq_cst, so they appear in one
 * total order consistent with program order. If W3 misses K1's publish, W3
 * precedes K1 in that order, so W2 precedes K2 and K2 sees waiters != 0. Then
 * K3 bumps the futex word after W1 read it: either W4's in-kernel compare sees
 * the new value and returns at once, or W was already queued and K3's wake
 * finds it (the kernel orders the compare and the wake under its bucket
 * lock). A wake that finds several sleepers wakes them all with one call.
 * Each sleep is also capped at SLEEP_SLICE_NS, after which the waiter
 * re-checks: a safety net for wakers that die between K1 and K3, not a
 * part of the argument above.
 *
 * The futex is shared (no FUTEX_PRIVATE_FLAG): the word lives in a MAP_SHARED
 * mapping and the waker is usually another process. FUTEX_WAIT_BITSET takes an
 * absolute CLOCK_MONOTONIC deadline, so a wait cut short by a signal resumes
 * with exactly the time that is left.
 *
 * docs/ordering.md indexes the labels of every protocol: for each ring kind,
 * which step is K1 (the publish) and which load is W3's re-check.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shmchan/channel.h"
#include "wait_pvt.h"

/* Backoff of the article: 50 us doubling to 1 ms. */
#define BACKOFF_MIN_NS 50000
#define BACKOFF_MAX_NS 1000000
/* Spinning: look at the clock every this many polls, yield the CPU every
 * SPIN_YIELD polls so a spinner never starves the process it waits for when
 * both share a core. */
#define SPIN_CLOCK 64
#define SPIN_YIELD 4096
/* Longest single futex sleep: a sleeper re-checks the channel at least this
 * often, so a waker that died between publishing and waking (or a waiter
 * count damaged in the segment) delays it by at most this much. */
#define SLEEP_SLICE_NS 200000000
/* Sleep slice while the condition asks to be re-checked soon. */
#define SOON_SLICE_NS 2000000

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* Returns 1 ready, 0 not ready when the spin budget or the deadline ran out. */
static int spin(shmchan__ready_fn ready, void *ctx, const struct shmchan__deadline *dl,
		int64_t budget_ns)
{
	int64_t end = shmchan__now_ns() + budget_ns;
	unsigned i;

	if (budget_ns <= 0)
		return ready(ctx, 0) == 1;
	for (i = 1;; i++) {
		if (ready(ctx, 0) == 1)
			return 1;
		cpu_relax();
		if (i % SPIN_CLOCK == 0) {
			if (shmchan__now_ns() >= end || shmchan__deadline_left(dl) == 0)
				return 0;
			if (i % SPIN_YIELD == 0)
				sched_yield();
		}
	}
}

static int wait_spin(shmchan__ready_fn ready, void *ctx, const struct shmchan__deadline *dl)
{
	return spin(ready, ctx, dl, INT64_MAX / 2) ? 0 : -ETIMEDOUT;
}

static int wait_backoff(const struct shmchan__waitcfg *cfg, shmchan__ready_fn ready, void *ctx,
			const struct shmchan__deadline *dl)
{
	int64_t nap = BACKOFF_MIN_NS;

	if (spin(ready, ctx, dl, cfg->spin_ns))
		return 0;
	for (;;) {
		if (shmchan__deadline_left(dl) == 0)
			return -ETIMEDOUT;
		shmchan__deadline_sleep(dl, nap);
		if (ready(ctx, 1) == 1)
			return 0;
		nap = nap * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : nap * 2;
	}
}

void shmchan__futex_sleep(_Atomic uint32_t *word, uint32_t val, const struct shmchan__deadline *dl,
			  int64_t slice_ns)
{
	int64_t end = shmchan__now_ns() + slice_ns;
	struct timespec abs;

	if (dl->end_ns >= 0 && dl->end_ns < end)
		end = dl->end_ns;
	abs.tv_sec = (time_t)(end / 1000000000);
	abs.tv_nsec = (long)(end % 1000000000);
	/* Errors need no handling: EAGAIN (the word moved), EINTR, ETIMEDOUT
	 * and spurious returns all lead back to the caller's re-check. */
	syscall(SYS_futex, (void *)word, FUTEX_WAIT_BITSET, val, &abs, NULL,
		FUTEX_BITSET_MATCH_ANY);
}

static int wait_futex(const struct shmchan__waitcfg *cfg, const struct shmchan__waitq *q,
		      _Atomic uint64_t *owner, uint64_t bit, shmchan__ready_fn ready, void *ctx,
		      const struct shmchan__deadline *dl)
{
	if (spin(ready, ctx, dl, cfg->spin_ns))
		return 0;
	for (;;) {
		/* W1. Relaxed: a stale value only makes the sleep return early. */
		uint32_t v = atomic_load_explicit(q->futex, memory_order_relaxed);
		int r;

		if (shmchan__deadline_left(dl) == 0)
			return ready(ctx, 1) == 1 ? 0 : -ETIMEDOUT;
		/* W2: announce (seq_cst; see the top of this file). The sleep
		 * bit is set after the increment and cleared before the
		 * decrement, so a peer that finds us dead with it set knows the
		 * count holds our increment (registry.c takes bit and death in
		 * one CAS). Relaxed: only the owner word's own RMWs read it. */
		atomic_fetch_add_explicit(q->waiters, 1, memory_order_seq_cst);
		if (owner)
			atomic_fetch_or_explicit(owner, bit, memory_order_relaxed);
		/* W3: re-check. */
		r = ready(ctx, 1);
		/* W4 */
		if (r != 1)
			shmchan__futex_sleep(q->futex, v, dl,
					     r == SHMCHAN__READY_SOON ? SOON_SLICE_NS
								      : SLEEP_SLICE_NS);
		/* W5. seq_cst like W2, so the count never looks lower than the
		 * number of sleepers to a waker. */
		if (owner)
			atomic_fetch_and_explicit(owner, ~bit, memory_order_relaxed);
		atomic_fetch_sub_explicit(q->waiters, 1, memory_order_seq_cst);
		if (r == 1 || ready(ctx, 1) == 1)
			return 0;
	}
}

int shmchan__wait(const struct shmchan__waitcfg *cfg, const struct shmchan__waitq *q,
		  _Atomic uint64_t *owner, uint64_t sleep_bit, shmchan__ready_fn ready, void *ctx,
		  const struct shmchan__deadline *dl)
{
	if (ready(ctx, 1) == 1)
		return 0;
	if (shmchan__deadline_left(dl) == 0)
		return -ETIMEDOUT;
	switch (cfg->strategy) {
	case SHMCHAN_WAIT_SPIN:
		return wait_spin(ready, ctx, dl);
	case SHMCHAN_WAIT_BACKOFF:
		return wait_backoff(cfg, ready, ctx, dl);
	default:
		return wait_futex(cfg, q, owner, sleep_bit, ready, ctx, dl);
	}
}

int shmchan__wake(const struct shmchan__waitq *q)
{
	/* K2 (seq_cst; see the top of this file). The pollers' count is K2
	 * of poll.c's protocol, the same publish re-checked the same way. */
	uint32_t w = atomic_load_explicit(q->waiters, memory_order_seq_cst);
	int found = q->pollers && atomic_load_explicit(q->pollers, memory_order_seq_cst) != 0
			    ? SHMCHAN__WOKE_POLLERS
			    : 0;

	if (w == 0)
		return found;
	/* K3. Relaxed: ordered after K2's load (seq_cst has acquire semantics),
	 * and the kernel's compare in the futex sleep reads the word itself. */
	atomic_fetch_add_explicit(q->futex, 1, memory_order_relaxed);
	syscall(SYS_futex, (void *)q->futex, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	return found | SHMCHAN__WOKE_SLEEPERS;
}
