/* SPDX-License-Identifier: MIT */
/*
 * Wait sets (waitset.h): many handles, one sleep.
 *
 * A wait runs the sleep protocol of wait.c once per member, on each member's
 * own wait queue, and sleeps on all of them in one futex_waitv call:
 *
 *   W1  v[i] = member i's futex word      (relaxed: the kernel compares it)
 *   W2  member i's waiters += 1           (seq_cst RMW), then its owner
 *                                         word's sleep bit, for every i
 *   W3  re-check every member             (seq_cst loads: io_ready)
 *   W4  futex_waitv(all (word, v[i]))     (sleeps while every word == v[i])
 *   W5  clear the bits, waiters -= 1      (seq_cst RMW), for every i
 *
 * A publisher on member i runs K1-K3 of wait.c on that member's queue
 * unchanged. For each i, W2(i), W3(i), K1 and K2 are seq_cst as in the
 * single wait, so the argument of wait.c holds member by member: if W3
 * misses member i's publish, K2 sees member i's count and K3 bumps its word
 * after W1 read it, and futex_waitv returns (its compare of that word fails,
 * or the wake finds it queued on that word). A publisher pays nothing more
 * for a wait set than for one waiter, and nothing while nobody waits.
 */
#include <errno.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "channel_io_pvt.h"
#include "poll_pvt.h"
#include "shmchan/waitset.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449 /* the same number on every architecture */
#endif

#define WS_MAGIC 0x57534554u /* "WSET" */
/* The longest sleep, and the short one while a member asks to be looked
 * at again soon (as wait.c SLEEP_SLICE_NS and SOON_SLICE_NS). */
#define WS_SLICE_NS 200000000
#define WS_SOON_NS 2000000
/* The fallback's backoff (as SHMCHAN_WAIT_BACKOFF). */
#define WS_NAP_MIN_NS 50000
#define WS_NAP_MAX_NS 1000000

struct member {
	struct shmchan_channel *pub; /* NULL: a free entry */
	uint32_t events;
	uint32_t reserved;
};

struct waitset {
	uint32_t magic;
	uint32_t n;    /* members */
	uint32_t next; /* where the next scan starts (fairness) */
	int32_t mode;  /* SHMCHAN_WAITSET_FUTEX_WAITV or _POLLING */
	int ep1;       /* the set's descriptor + 1 (0: none) */
	uint32_t reserved;
	struct member m[SHMCHAN_WAITSET_MAX];
};

_Static_assert(sizeof(struct waitset) <= sizeof(struct shmchan_waitset),
	       "the wait set fits its public storage");

static struct waitset *ws_of(struct shmchan_waitset *pub)
{
	struct waitset *ws = (struct waitset *)(void *)pub;

	return ws && ws->magic == WS_MAGIC ? ws : NULL;
}

static struct shmchan__handle *handle(const struct member *m)
{
	return shmchan__handle_of(m->pub);
}

/* Whether a member's handle is still a channel the set can wait on: open,
 * and a writer or a reader (closed and reopened as an observer or in
 * newosp's format, it has no sleep queue to read). */
static int usable(const struct shmchan__handle *ch)
{
	return ch->hdr && (ch->role == SHMCHAN__ROLE_WRITER || ch->role == SHMCHAN__ROLE_READER);
}

int shmchan_waitset_init(struct shmchan_waitset *pub)
{
	struct waitset *ws = (struct waitset *)(void *)pub;

	if (!ws)
		return -EINVAL;
	memset(pub, 0, sizeof(*pub));
	ws->magic = WS_MAGIC;
	ws->mode = SHMCHAN_WAITSET_FUTEX_WAITV;
	return 0;
}

static int find(const struct waitset *ws, const struct shmchan_channel *pub)
{
	int i;

	for (i = 0; i < SHMCHAN_WAITSET_MAX; i++)
		if (ws->m[i].pub == pub)
			return i;
	return -1;
}

/* Add @ch's descriptor to the set's (fd mode). */
static int join_fd(struct waitset *ws, struct shmchan_channel *pub, uint32_t index)
{
	struct epoll_event ev;
	int fd = shmchan_channel_poll_fd(pub);

	if (fd < 0)
		return fd;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = index;
	if (epoll_ctl(ws->ep1 - 1, EPOLL_CTL_ADD, fd, &ev) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int shmchan_waitset_add(struct shmchan_waitset *pub, struct shmchan_channel *ch, unsigned events)
{
	struct waitset *ws = ws_of(pub);
	const struct shmchan__handle *h = shmchan__chandle_of(ch);
	unsigned want;
	int i, err;

	if (!ws || !h || !h->hdr || events == 0 ||
	    (events & ~(SHMCHAN_READABLE | SHMCHAN_WRITABLE)))
		return -EINVAL;
	/* An observer never registers as a sleeper: publishers would not
	 * wake it; newosp's format has no wait queue to register on. */
	if (h->role != SHMCHAN__ROLE_WRITER && h->role != SHMCHAN__ROLE_READER)
		return -ENOTSUP;
	want = h->role == SHMCHAN__ROLE_WRITER ? SHMCHAN_WRITABLE : SHMCHAN_READABLE;
	if (events != want)
		return -ENOTSUP;
	if (find(ws, ch) >= 0)
		return -EEXIST;
	i = find(ws, NULL);
	if (i < 0)
		return -ENOSPC;
	if (ws->ep1 && (err = join_fd(ws, ch, (uint32_t)i)) != 0)
		return err;
	ws->m[i].pub = ch;
	ws->m[i].events = events;
	ws->n++;
	return i;
}

int shmchan_waitset_remove(struct shmchan_waitset *pub, struct shmchan_channel *ch)
{
	struct waitset *ws = ws_of(pub);
	int i;

	if (!ws || !ch)
		return -EINVAL;
	i = find(ws, ch);
	if (i < 0)
		return -ENOENT;
	if (ws->ep1 && shmchan__polling(handle(&ws->m[i])))
		epoll_ctl(ws->ep1 - 1, EPOLL_CTL_DEL, handle(&ws->m[i])->poll.ep1 - 1, NULL);
	memset(&ws->m[i], 0, sizeof(ws->m[i]));
	ws->n--;
	return 0;
}

/*
 * Look at every member once, from ws->next on: fill @out with up to @cap of
 * the ready ones. In fd mode a member that is not ready has its descriptor
 * armed (the look is then its re-check). *@soon: one asked to be looked at
 * again soon. Returns the count filled, or -EINVAL (a member was closed, or
 * closed and reopened as a handle the set cannot wait on).
 */
static int scan(struct waitset *ws, struct shmchan_waitset_event *out, unsigned cap, int *soon)
{
	unsigned k, got = 0;
	int first = -1;

	for (k = 0; k < SHMCHAN_WAITSET_MAX; k++) {
		uint32_t i = (ws->next + k) % SHMCHAN_WAITSET_MAX;
		struct member *m = &ws->m[i];
		struct shmchan__handle *ch;
		int r;

		if (!m->pub)
			continue;
		ch = handle(m);
		if (!usable(ch))
			return -EINVAL;
		r = got < cap ? shmchan__io_ready(ch) : 0;
		if (r == 1) {
			out[got].ch = m->pub;
			out[got].index = i;
			out[got].events = m->events;
			got++;
			if (first < 0)
				first = (int)i;
		} else if (r == SHMCHAN__READY_SOON) {
			*soon = 1;
		}
		if (r != 1 && ws->ep1 && shmchan__io_poll_arm(ch))
			shmchan__poll_fire(ch);
	}
	if (first >= 0)
		ws->next = ((uint32_t)first + 1) % SHMCHAN_WAITSET_MAX;
	return (int)got;
}

/* W2 for every member (@on), or W5 (!@on); fills @fw with the words and
 * @idx with their members' indices. */
static unsigned announce(struct waitset *ws, struct futex_waitv *fw, uint8_t *idx, int on)
{
	unsigned i, n = 0;

	for (i = 0; i < SHMCHAN_WAITSET_MAX; i++) {
		struct member *m = &ws->m[i];
		struct shmchan__handle *ch;
		struct shmchan__waitq q;
		_Atomic uint64_t *owner;
		uint64_t bit;

		if (!m->pub)
			continue;
		ch = handle(m);
		q = shmchan__io_sleep_queue(ch, &bit);
		owner = &((struct shmchan__peer *)ch->self)->owner;
		if (on) {
			/* W1. Relaxed: a stale value only ends the sleep early. */
			fw[n].val = atomic_load_explicit(q.futex, memory_order_relaxed);
			fw[n].uaddr = (uintptr_t)q.futex;
			fw[n].flags = FUTEX_32; /* shared: no FUTEX_PRIVATE_FLAG */
			fw[n].__reserved = 0;
			/* W2 (seq_cst, as wait.c), then the bit (relaxed: only
			 * the owner word's own RMWs read it; set after the
			 * increment, cleared before the decrement). */
			atomic_fetch_add_explicit(q.waiters, 1, memory_order_seq_cst);
			atomic_fetch_or_explicit(owner, bit, memory_order_relaxed);
			idx[n] = (uint8_t)i;
		} else {
			/* W5 */
			atomic_fetch_and_explicit(owner, ~bit, memory_order_relaxed);
			atomic_fetch_sub_explicit(q.waiters, 1, memory_order_seq_cst);
		}
		n++;
	}
	return n;
}

/* W4: sleep until a word moves, a wake, or @end_ns. Returns the index in
 * @fw of the word woken, -1 (none in particular), or -ENOSYS. */
static int sleep_all(struct futex_waitv *fw, unsigned n, int64_t end_ns)
{
	struct timespec abs;
	long r;

	abs.tv_sec = (time_t)(end_ns / 1000000000);
	abs.tv_nsec = (long)(end_ns % 1000000000);
	/* Errors but ENOSYS need no handling: EAGAIN (a word moved), EINTR,
	 * ETIMEDOUT and wakes all lead back to the re-check. */
	r = syscall(SYS_futex_waitv, fw, n, 0, &abs, CLOCK_MONOTONIC);
	if (r < 0)
		return errno == ENOSYS || errno == EPERM ? -ENOSYS : -1;
	return r < (long)n ? (int)r : -1;
}

/* After a wake-up on member @i's word: report it alone if it is ready (the
 * other members were not at W3; the next wait's scan looks at them all).
 * Returns 1 or 0. */
static int woken(struct waitset *ws, uint32_t i, struct shmchan_waitset_event *out)
{
	struct member *m = &ws->m[i];
	struct shmchan__handle *ch;

	if (!m->pub)
		return 0;
	ch = handle(m);
	if (!usable(ch) || shmchan__io_ready(ch) != 1)
		return 0;
	out[0].ch = m->pub;
	out[0].index = i;
	out[0].events = m->events;
	ws->next = (i + 1) % SHMCHAN_WAITSET_MAX;
	return 1;
}

int shmchan_waitset_wait(struct shmchan_waitset *pub, struct shmchan_waitset_event *out,
			 unsigned cap, int timeout_ms)
{
	struct waitset *ws = ws_of(pub);
	struct shmchan__deadline dl;
	int64_t nap = WS_NAP_MIN_NS;

	if (!ws || !out || cap == 0 || timeout_ms < -1 || ws->n == 0)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	for (;;) {
		struct futex_waitv fw[SHMCHAN_WAITSET_MAX];
		uint8_t idx[SHMCHAN_WAITSET_MAX];
		int soon = 0, got = scan(ws, out, cap, &soon), w = -1;
		int64_t left, slice;
		unsigned n;

		if (got != 0)
			return got;
		left = shmchan__deadline_left(&dl);
		if (left == 0)
			return -ETIMEDOUT;
		if (ws->mode == SHMCHAN_WAITSET_POLLING) {
			shmchan__deadline_sleep(&dl, nap);
			nap = nap * 2 > WS_NAP_MAX_NS ? WS_NAP_MAX_NS : nap * 2;
			continue;
		}
		n = announce(ws, fw, idx, 1);
		got = scan(ws, out, cap, &soon); /* W3 */
		if (got == 0) {
			slice = soon ? WS_SOON_NS : WS_SLICE_NS;
			if (left < slice)
				slice = left;
			w = sleep_all(fw, n, shmchan__now_ns() + slice);
			if (w == -ENOSYS)
				ws->mode = SHMCHAN_WAITSET_POLLING;
		}
		announce(ws, fw, idx, 0);
		if (got != 0)
			return got;
		/* In fd mode every member must be looked at (and re-armed). */
		if (w >= 0 && !ws->ep1 && woken(ws, idx[w], out))
			return 1;
	}
}

int shmchan_waitset_fd(struct shmchan_waitset *pub)
{
	struct waitset *ws = ws_of(pub);
	int i, err, ep;

	if (!ws)
		return -EINVAL;
	if (ws->ep1)
		return ws->ep1 - 1;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	ws->ep1 = ep + 1;
	for (i = 0; i < SHMCHAN_WAITSET_MAX; i++) {
		if (!ws->m[i].pub)
			continue;
		err = join_fd(ws, ws->m[i].pub, (uint32_t)i);
		if (err) {
			close(ep);
			ws->ep1 = 0;
			return err;
		}
	}
	return ep;
}

int shmchan_waitset_close(struct shmchan_waitset *pub)
{
	struct waitset *ws = ws_of(pub);

	if (!ws)
		return -EINVAL;
	if (ws->ep1)
		close(ws->ep1 - 1);
	return shmchan_waitset_init(pub);
}

int shmchan_waitset_info(const struct shmchan_waitset *pub, unsigned *n)
{
	const struct waitset *ws = (const struct waitset *)(const void *)pub;

	if (!ws || ws->magic != WS_MAGIC)
		return -EINVAL;
	if (n)
		*n = ws->n;
	return ws->mode;
}
