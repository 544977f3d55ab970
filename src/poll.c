/* SPDX-License-Identifier: MIT */
/*
 * Pollable handles: one file descriptor per handle that an event loop
 * (epoll, poll, select, and every loop built on them) waits on.
 *
 * The descriptor is an epoll set E of two descriptors the handle owns:
 *   S  a Unix datagram socket, bound at SHMCHAN_SHM_DIR/shmchan-poll.<nonce>.<id>
 *      (the directory the channel itself lives in, so every process that
 *      can open the channel can reach it): a publisher wakes the poller by
 *      sending it one byte;
 *   T  a timerfd: the safety net, at most every POLL_SLICE_NS while the
 *      handle waits (for a publisher killed between its publish and its
 *      datagram, and for a writer killed outright: end of stream), and the
 *      short re-check while recovery is pending (SHMCHAN__READY_SOON).
 * E is readable while S or T is. The poller's state in the segment is its
 * entry of hdr.pollers[] (channel_pvt.h), at its registry entry's index.
 *
 * The protocol, for a poller P (entry e, queue q: data for readers, space
 * for writers) and a publisher K:
 *
 *   A1  drain S until it is empty (at most DRAIN_MAX datagrams)
 *   A2  q.pollers += 1                    (seq_cst RMW;   skipped if ARMED)
 *   A3  e.state = ARMED                   (seq_cst store; skipped if ARMED)
 *   A4  re-check the condition            (seq_cst loads, as wait.c W3)
 *
 *   K1  publish                           (seq_cst store, as wait.c K1)
 *   K2  if q.pollers != 0:                (seq_cst load, wait.c shmchan__wake)
 *   N1    for each entry e of q: if e.state == ARMED   (seq_cst load)
 *   N2      CAS e.state ARMED -> FIRED    (seq_cst; only the winner goes on)
 *   N3      q.pollers -= 1                (seq_cst RMW)
 *   N4      e.sent += 1; send one byte to e's socket (undo the count if
 *           the send fails)
 *
 * No lost wake-up: A2, A3, A4, K1, K2 and N1 are seq_cst, so they appear in
 * one total order consistent with program order. Suppose A4 misses K1's
 * publish: then A4 precedes K1, and so A2 and A3 precede K2 and N1. K2 then
 * reads a count that holds A2's increment (it is undone only by whoever
 * takes e out of ARMED, which wakes P), so K goes on to N1, and N1 reads e
 * as ARMED (A3 precedes it) unless someone took it out of ARMED, that is
 * woke P, first. Either way P is sent a datagram.
 *
 * One datagram per arming, however many messages: only the N2 winner sends,
 * and e stays FIRED until P arms again. Taking e out of ARMED is always a
 * CAS or an exchange (N2; the poller's own disarm; shmchan__poll_forget), so
 * exactly one party undoes A2's increment: the count stays the number of
 * ARMED entries, and with no poller it is 0 and a publish costs K2's load
 * and no system call. A poller that dies ARMED costs one datagram (N2
 * fires it; the send finds no socket, and its name is removed).
 *
 * Level: the descriptor stays readable (S holds a datagram, or T expired)
 * until a call on the handle finds nothing to do and re-arms it (A1 drains
 * S, T is read once it is due). When A4 finds the condition true, P is not
 * going to wait: it takes e back out of ARMED (a CAS competing with N2), so
 * that publishers stop sending. A datagram still in flight when P drains
 * (N4 counted it, the send is not done) arrives after it: one spurious
 * wake-up, and the next arming drains it: A1 reads the socket until it is
 * empty rather than trusting e.sent (a statistic), so a late or stray
 * datagram never leaves the descriptor readable with nothing to do.
 * Nothing can make P drain without bound: at most DRAIN_MAX datagrams per
 * arming.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "poll_pvt.h"
#include "shmchan/inspect.h"

/* The safety net: a waiting poller is woken at least this often. */
#define POLL_SLICE_NS 1000000000
/* The re-check while recovery is pending (as wait.c SOON_SLICE_NS). */
#define POLL_SOON_NS 2000000
/* Datagrams drained per arming, at most. */
#define DRAIN_MAX 16
#define TIMER_NONE INT64_MAX

static struct shmchan__poller *entry_at(struct shmchan__chan_hdr *h, uint32_t i)
{
	return &h->pollers[i];
}

/* Index of registry entry @p: reader, writers[], subscribers[] are one
 * array of lines (channel_pvt.h asserts their offsets). */
static uint32_t index_of(const struct shmchan__chan_hdr *h, const struct shmchan__peer *p)
{
	return (uint32_t)(p - &h->reader);
}

/* The queue a poller entry's count lives in: writers' entries wait for
 * space, every other for data. */
static _Atomic uint32_t *count_of(struct shmchan__chan_hdr *h, uint32_t i)
{
	return i >= 1 && i <= SHMCHAN_MAX_WRITERS ? &h->space_pollers : &h->data_pollers;
}

static void sock_path(struct sockaddr_un *a, uint64_t nonce, uint64_t id)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s/shmchan-poll.%016llx.%016llx",
		 SHMCHAN_SHM_DIR, (unsigned long long)nonce, (unsigned long long)id);
}

/* Remove a poller socket's name (best effort: it may be gone already). */
static void unlink_sock(uint64_t nonce, uint64_t id)
{
	struct sockaddr_un a;

	sock_path(&a, nonce, id);
	unlink(a.sun_path);
}

/* The handle's own entry: take it out of whatever state into @to (a state
 * word), undoing its A2 if it was ARMED. */
static void disarm(struct shmchan__chan_hdr *h, uint32_t i, uint32_t to)
{
	/* seq_cst exchange: competes with N2's CAS; exactly one of them takes
	 * the entry out of ARMED and undoes A2 (N3 here). */
	uint32_t was = atomic_exchange_explicit(&entry_at(h, i)->state, to, memory_order_seq_cst);

	if (SHMCHAN__POLL_ST(was) == SHMCHAN__POLL_ARMED)
		atomic_fetch_sub_explicit(count_of(h, i), 1, memory_order_seq_cst);
}

/* Clear entry @i if it is still the one that holder generation @gen made;
 * remove its socket's name. */
static void forget_gen(struct shmchan__chan_hdr *h, uint32_t i, uint32_t gen, uint64_t nonce)
{
	struct shmchan__poller *e = entry_at(h, i);
	int tries;

	/* Bounded: a dead holder's word changes at most once more (N2). */
	for (tries = 0; tries < 4; tries++) {
		/* Acquire: pairs with the release of the state stored after
		 * the id (shmchan__poll_open), so the id read is this word's. */
		uint32_t w = atomic_load_explicit(&e->state, memory_order_acquire);
		uint64_t id = atomic_load_explicit(&e->id, memory_order_acquire);

		if (SHMCHAN__POLL_ST(w) == SHMCHAN__POLL_NONE ||
		    SHMCHAN__POLL_GEN(w) != (gen & 0xFFFFFFu))
			return; /* nothing, or a successor's */
		/* seq_cst: competes with N2, and with a successor's take. */
		if (atomic_compare_exchange_strong_explicit(&e->state, &w, SHMCHAN__POLL_NONE,
							    memory_order_seq_cst,
							    memory_order_relaxed)) {
			if (SHMCHAN__POLL_ST(w) == SHMCHAN__POLL_ARMED)
				atomic_fetch_sub_explicit(count_of(h, i), 1, memory_order_seq_cst);
			unlink_sock(nonce, id);
			return;
		}
	}
}

void shmchan__poll_sweep(struct shmchan__chan_hdr *h, uint64_t nonce)
{
	int probe = -1;
	uint32_t i;

	for (i = 0; i < SHMCHAN__NPEERS; i++) {
		struct shmchan__poller *e = entry_at(h, i);
		/* Acquire: as forget_gen. */
		uint32_t w = atomic_load_explicit(&e->state, memory_order_acquire);
		uint64_t id = atomic_load_explicit(&e->id, memory_order_acquire);
		struct sockaddr_un a;

		/* NONE with an id: closed (its name is gone), or killed while
		 * making its socket (the name may be left). */
		if (SHMCHAN__POLL_ST(w) == SHMCHAN__POLL_NONE && id == 0)
			continue;
		if (probe < 0 && (probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
			return;
		sock_path(&a, nonce, id);
		/* Refused: no socket behind the name, its poller is gone. */
		if (connect(probe, (const struct sockaddr *)&a, sizeof(a)) == 0 ||
		    (errno != ECONNREFUSED && errno != ENOENT))
			continue;
		if (SHMCHAN__POLL_ST(w) == SHMCHAN__POLL_NONE)
			unlink_sock(nonce, id);
		else
			forget_gen(h, i, SHMCHAN__POLL_GEN(w), nonce);
	}
	if (probe >= 0)
		close(probe);
}

void shmchan__poll_forget(struct shmchan__chan_hdr *h, const struct shmchan__peer *p, uint64_t o)
{
	uint32_t i = index_of(h, p);

	if (i < SHMCHAN__NPEERS)
		forget_gen(h, i, SHMCHAN__OWN_GEN(o), h->nonce);
}

static void close1(int *fd1)
{
	if (*fd1)
		close(*fd1 - 1);
	*fd1 = 0;
}

void shmchan__poll_close(struct shmchan__handle *ch, int owned)
{
	struct shmchan__poll_state *ps = &ch->poll;

	if (ps->ep1 && owned) {
		disarm(shmchan__hdr(ch), ps->slot, SHMCHAN__POLL_NONE);
		unlink_sock(ch->nonce, ps->id);
	}
	close1(&ps->ep1);
	close1(&ps->sock1);
	close1(&ps->timer1);
	close1(&ps->tx1);
}

static uint64_t random_id(const struct shmchan__handle *ch)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	v = (uint64_t)shmchan__now_ns() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)ch;
	v ^= v >> 31;
	return v * 0x9e3779b97f4a7c15ull;
}

/* Program T to expire at @due (absolute CLOCK_MONOTONIC). */
static void set_timer(struct shmchan__handle *ch, int64_t due)
{
	struct itimerspec it;

	memset(&it, 0, sizeof(it));
	if (due < 1)
		due = 1; /* 0 would disarm it */
	it.it_value.tv_sec = (time_t)(due / 1000000000);
	it.it_value.tv_nsec = (long)(due % 1000000000);
	if (timerfd_settime(ch->poll.timer1 - 1, TFD_TIMER_ABSTIME, &it, NULL) == 0)
		ch->poll.timer_due = due;
}

void shmchan__poll_fire(struct shmchan__handle *ch)
{
	if (shmchan__polling(ch))
		set_timer(ch, shmchan__now_ns());
}

/* A1, and T: consume what made the descriptor readable. */
static void drain(struct shmchan__handle *ch, int64_t now)
{
	struct shmchan__poll_state *ps = &ch->poll;
	char b[8];
	int n;

	/* Until the socket is empty (at most DRAIN_MAX): whatever the counts
	 * say. A datagram counted but still in flight, one from a publisher
	 * that was preempted in N4, or one that anybody sent, all end up
	 * drained by the next arming after they land, so the descriptor never
	 * stays readable with nothing to do. One recv when it is empty. */
	for (n = 0; n < DRAIN_MAX; n++) {
		if (recv(ps->sock1 - 1, b, sizeof(b), MSG_DONTWAIT) < 0)
			break;
		ps->got++;
	}
	if (now >= ps->timer_due) {
		uint64_t exp;

		/* Not expired yet (the kernel fires at or after due): read it
		 * again at the next arming. */
		if (read(ps->timer1 - 1, &exp, sizeof(exp)) == (ssize_t)sizeof(exp))
			ps->timer_due = TIMER_NONE;
	}
}

int shmchan__poll_arm(struct shmchan__handle *ch, shmchan__ready_fn ready, void *ctx)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	struct shmchan__poll_state *ps = &ch->poll;
	struct shmchan__poller *e = entry_at(h, ps->slot);
	int64_t now = shmchan__now_ns();
	int r;

	drain(ch, now);
	/* Relaxed: only this handle moves its entry into ARMED; a publisher's
	 * move out of it is seen here or by the next arming. */
	if (atomic_load_explicit(&e->state, memory_order_relaxed) !=
	    SHMCHAN__POLL_WORD(ps->gen, SHMCHAN__POLL_ARMED)) {
		atomic_fetch_add_explicit(count_of(h, ps->slot), 1, memory_order_seq_cst); /* A2 */
		atomic_store_explicit(&e->state, SHMCHAN__POLL_WORD(ps->gen, SHMCHAN__POLL_ARMED),
				      memory_order_seq_cst); /* A3 */
	}
	r = ready(ctx, 1); /* A4 */
	if (r == 1) {
		/* Not waiting after all: publishers need not wake it (a
		 * datagram already on its way is drained next time). */
		uint32_t want = SHMCHAN__POLL_WORD(ps->gen, SHMCHAN__POLL_ARMED);

		/* seq_cst: competes with N2, as disarm(). */
		if (atomic_compare_exchange_strong_explicit(
			    &e->state, &want, SHMCHAN__POLL_WORD(ps->gen, SHMCHAN__POLL_IDLE),
			    memory_order_seq_cst, memory_order_relaxed))
			atomic_fetch_sub_explicit(count_of(h, ps->slot), 1, memory_order_seq_cst);
	} else if (r == SHMCHAN__READY_SOON) {
		if (ps->timer_due > now + POLL_SOON_NS)
			set_timer(ch, now + POLL_SOON_NS);
	} else if (ps->timer_due == TIMER_NONE) {
		set_timer(ch, now + ps->slice_ns);
	}
	return r;
}

/* Bind S under a fresh id; the socket's name gets the channel file's
 * permission bits, so that whoever may write to the channel may wake it. */
static int bind_sock(struct shmchan__handle *ch, int s)
{
	struct sockaddr_un a;
	struct stat st;
	int tries;

	if (fstat(ch->seg.fd, &st) != 0)
		return -errno;
	for (tries = 0; tries < 4; tries++) {
		ch->poll.id = random_id(ch);
		/* Named in the entry before the socket exists, so that a poller
		 * killed from here on leaves a name the sweep finds (release:
		 * as the state store of shmchan__poll_open). */
		atomic_store_explicit(&entry_at(shmchan__hdr(ch), ch->poll.slot)->id, ch->poll.id,
				      memory_order_release);
		sock_path(&a, ch->nonce, ch->poll.id);
		if (bind(s, (const struct sockaddr *)&a, sizeof(a)) == 0) {
			if (chmod(a.sun_path, st.st_mode & 0666) != 0) {
				int err = -errno;

				unlink(a.sun_path);
				return err;
			}
			return 0;
		}
		if (errno != EADDRINUSE)
			return -errno;
	}
	return -EADDRINUSE;
}

static int add_fd(int ep, int fd)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = fd;
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

static int make_fds(struct shmchan__handle *ch)
{
	struct shmchan__poll_state *ps = &ch->poll;
	int fd, err;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ps->sock1 = fd + 1;
	err = bind_sock(ch, fd);
	if (err) {
		ps->id = 0;
		return err;
	}
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	ps->timer1 = fd + 1;
	ps->timer_due = TIMER_NONE;
	fd = epoll_create1(EPOLL_CLOEXEC);
	if (fd < 0)
		return -errno;
	ps->ep1 = fd + 1;
	err = add_fd(fd, ps->sock1 - 1);
	return err ? err : add_fd(fd, ps->timer1 - 1);
}

int shmchan__poll_open(struct shmchan__handle *ch)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	struct shmchan__poll_state *ps = &ch->poll;
	struct shmchan__poller *e;
	int err;

	if (ps->ep1)
		return ps->ep1 - 1;
	ps->slot = index_of(h, ch->self);
	if (ps->slice_ns <= 0)
		ps->slice_ns = POLL_SLICE_NS;
	e = entry_at(h, ps->slot);
	ps->gen = SHMCHAN__OWN_GEN(atomic_load_explicit(
		&((const struct shmchan__peer *)ch->self)->owner, memory_order_relaxed));
	/* A holder of this entry before us died with a descriptor, or while
	 * making one (its socket named in the entry, the state still NONE:
	 * bind_sock): the entry is ours now, whatever generation made it, and
	 * the name it holds goes, whatever the state says, before our own id
	 * replaces it (the last place it is written down). A name already
	 * removed (a holder that closed) costs one failed unlink. */
	{
		/* Relaxed: nobody else writes the entry now. Its last holder
		 * closed (its stores ordered before ours by the registry
		 * claim's acquire, registry.c) or is dead (its death was seen
		 * through the kernel, after its stores). */
		uint64_t old = atomic_load_explicit(&e->id, memory_order_relaxed);

		disarm(h, ps->slot, SHMCHAN__POLL_NONE);
		if (old != 0)
			unlink_sock(ch->nonce, old);
	}
	err = make_fds(ch);
	if (err) {
		if (ps->id)
			unlink_sock(ch->nonce, ps->id);
		close1(&ps->ep1);
		close1(&ps->sock1);
		close1(&ps->timer1);
		{
			/* The publisher's socket is not the poller's: keep it. */
			int tx1 = ps->tx1;
			uint64_t peer = ps->tx_peer;

			memset(ps, 0, sizeof(*ps));
			ps->tx1 = tx1;
			ps->tx_peer = peer;
		}
		return err;
	}
	/* Release: a reaper that reads this id then finds the NONE stored
	 * above (forget_gen's CAS fails), never the old holder's word. */
	atomic_store_explicit(&e->id, ps->id, memory_order_release);
	ps->got = atomic_load_explicit(&e->sent, memory_order_relaxed);
	/* Release: the id is visible to whoever sees the entry out of NONE. */
	atomic_store_explicit(&e->state, SHMCHAN__POLL_WORD(ps->gen, SHMCHAN__POLL_IDLE),
			      memory_order_release);
	return ps->ep1 - 1;
}

/* The socket publishers send through: made on first use, and connected to
 * the first poller it sends to, so that sends to that one (the usual case:
 * one poller per channel) skip the name lookup. */
struct tx {
	int *fd1;	/* fd + 1; 0: not made yet */
	uint64_t *peer; /* the id it is connected to; 0: none */
};

/* N4: send one byte to the poller socket @id of channel @nonce. Returns 0,
 * or -errno. */
static int send_one(struct tx *tx, uint64_t nonce, uint64_t id)
{
	struct sockaddr_un a;
	char b = 0;
	ssize_t r;

	if (!*tx->fd1) {
		int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -errno;
		*tx->fd1 = fd + 1;
		*tx->peer = 0;
	}
	sock_path(&a, nonce, id);
	if (*tx->peer == 0 && id != 0 &&
	    connect(*tx->fd1 - 1, (const struct sockaddr *)&a, sizeof(a)) == 0)
		*tx->peer = id;
	if (*tx->peer == id)
		r = send(*tx->fd1 - 1, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	else
		r = sendto(*tx->fd1 - 1, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL,
			   (const struct sockaddr *)&a, sizeof(a));
	if (r == 1)
		return 0;
	if (*tx->peer == id && errno == ECONNREFUSED) {
		/* Its peer is gone: connect afresh next time. An AF_UNSPEC
		 * connect dissolves the association. */
		struct sockaddr un = { .sa_family = AF_UNSPEC };

		connect(*tx->fd1 - 1, &un, sizeof(un));
		*tx->peer = 0;
		errno = ECONNREFUSED;
	}
	return -errno;
}

/* N1-N4 over entries [@first, @end). */
static void notify_range(struct shmchan__chan_hdr *h, uint64_t nonce, struct tx *tx, uint32_t first,
			 uint32_t end)
{
	uint32_t i;

	for (i = first; i < end; i++) {
		struct shmchan__poller *e = entry_at(h, i);
		uint32_t want = atomic_load_explicit(&e->state, memory_order_seq_cst); /* N1 */
		uint64_t id;
		int err;

		if (SHMCHAN__POLL_ST(want) != SHMCHAN__POLL_ARMED)
			continue;
		/* N2: acquire (of seq_cst) pairs with the poller's release of
		 * its id (poll_open). */
		if (!atomic_compare_exchange_strong_explicit(
			    &e->state, &want, (want & ~0xFFu) | SHMCHAN__POLL_FIRED,
			    memory_order_seq_cst, memory_order_relaxed))
			continue;
		atomic_fetch_sub_explicit(count_of(h, i), 1, memory_order_seq_cst); /* N3 */
		/* Relaxed: ordered by N2 (above). */
		id = atomic_load_explicit(&e->id, memory_order_relaxed);
		/* N4: count, then send, so that a poller woken by the datagram
		 * finds it counted. Relaxed: a hint that A1 checks against
		 * what the socket holds. */
		atomic_fetch_add_explicit(&e->sent, 1, memory_order_relaxed);
		err = send_one(tx, nonce, id);
		if (err != 0)
			atomic_fetch_sub_explicit(&e->sent, 1, memory_order_relaxed);
		if (err == -ECONNREFUSED)
			unlink_sock(nonce, id); /* its socket closed: the poller is gone */
	}
}

static void notify_queue(struct shmchan__chan_hdr *h, uint64_t nonce, struct tx *tx, int space)
{
	if (space) {
		notify_range(h, nonce, tx, 1, 1 + SHMCHAN_MAX_WRITERS);
	} else {
		notify_range(h, nonce, tx, 0, 1);
		notify_range(h, nonce, tx, 1 + SHMCHAN_MAX_WRITERS, SHMCHAN__NPEERS);
	}
}

void shmchan__poll_notify(struct shmchan__handle *ch, int space)
{
	struct tx tx = { &ch->poll.tx1, &ch->poll.tx_peer };

	notify_queue(shmchan__hdr(ch), ch->nonce, &tx, space);
}

void shmchan__poll_notify_all(struct shmchan__chan_hdr *h)
{
	int fd1 = 0;
	uint64_t peer = 0;
	struct tx tx = { &fd1, &peer };

	notify_queue(h, h->nonce, &tx, 0);
	notify_queue(h, h->nonce, &tx, 1);
	close1(&fd1);
}
