/* SPDX-License-Identifier: MIT */
/*
 * The registry of peers in a channel's header: taking and leaving entries,
 * telling the dead from the living, and cleaning up after the dead.
 *
 * An entry is taken by a compare-and-swap of its pid from 0 (or from a dead
 * holder's pid) to ours; start_time follows. Whoever finds a holder dead
 * marks the entry SHMCHAN__PEER_DEAD with a fetch-or, and only the one that
 * set the bit adjusts the shared counts, so every death is accounted for once:
 * the attached-writer count, the sleeper count of a process that died asleep
 * in a futex wait, and the totals of the counters it kept.
 *
 * A dead writer's entry is reused only once the reader has passed the
 * position the writer was claiming, if any: the claim word is what lets the
 * reader recognise that slot as abandoned.
 */
#include <unistd.h>

#include "channel_pvt.h"

static struct shmchan__ring_hdr *ring_hdr(const struct shmchan_channel *ch)
{
	return (struct shmchan__ring_hdr *)ch->ring.hdr;
}

void shmchan__max_store(_Atomic uint64_t *m, uint64_t v)
{
	/* Relaxed: a statistic; the CAS loop only keeps it monotonic. */
	uint64_t cur = atomic_load_explicit(m, memory_order_relaxed);

	while (v > cur && !atomic_compare_exchange_weak_explicit(m, &cur, v, memory_order_relaxed,
								 memory_order_relaxed))
		;
}

int shmchan__peer_dead(const struct shmchan__peer *p)
{
	/* Acquire: pairs with the releases in take() and leave(), so the
	 * start_time read next belongs to this pid or is 0 ("not yet known"). */
	uint32_t pid = atomic_load_explicit(&p->pid, memory_order_acquire);

	if (pid == 0)
		return 0;
	if (atomic_load_explicit(&p->flags, memory_order_relaxed) & SHMCHAN__PEER_DEAD)
		return 1;
	return !shmchan__proc_alive((pid_t)pid,
				    atomic_load_explicit(&p->start_time, memory_order_acquire));
}

/* Fold a departing peer's counters into the channel's retired totals. */
static void retire(struct shmchan__chan_hdr *h, struct shmchan__peer *p, int writer)
{
	/* Relaxed: statistics, read as a snapshot. */
	uint64_t msgs = atomic_load_explicit(&p->messages, memory_order_relaxed);
	uint64_t ev = atomic_load_explicit(&p->events, memory_order_relaxed);

	atomic_fetch_add_explicit(writer ? &h->retired_written : &h->retired_read, msgs,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(writer ? &h->retired_full : &h->retired_abandoned, ev,
				  memory_order_relaxed);
	shmchan__max_store(&h->retired_max_depth,
			   atomic_load_explicit(&p->max_depth, memory_order_relaxed));
}

/* Account once for a peer that left or died. Returns 1 if we did. */
static int account_gone(struct shmchan__chan_hdr *h, struct shmchan__peer *p, int writer)
{
	uint32_t old =
		atomic_fetch_or_explicit(&p->flags, SHMCHAN__PEER_DEAD, memory_order_acq_rel);

	if (old & SHMCHAN__PEER_DEAD)
		return 0;
	if (writer)
		atomic_fetch_sub_explicit(&h->nwriters, 1, memory_order_seq_cst);
	/* It died asleep: its increment of the waiter count (wait.c W2) was
	 * never undone (SLEEPING is set after W2 and cleared before W5). */
	if (old & SHMCHAN__PEER_SLEEPING)
		atomic_fetch_sub_explicit(writer ? &h->space_waiters : &h->data_waiters, 1,
					  memory_order_seq_cst);
	retire(h, p, writer);
	return 1;
}

uint32_t shmchan__reap_writers(struct shmchan__chan_hdr *h)
{
	int i;

	for (i = 0; i < SHMCHAN_MAX_WRITERS; i++) {
		struct shmchan__peer *p = &h->writers[i];

		if (shmchan__peer_dead(p))
			account_gone(h, p, 1);
	}
	return atomic_load_explicit(&h->nwriters, memory_order_acquire);
}

int shmchan__claimant(struct shmchan__chan_hdr *h, uint32_t pos)
{
	int i, dead = 0;

	for (i = 0; i < SHMCHAN_MAX_WRITERS; i++) {
		struct shmchan__peer *p = &h->writers[i];
		/* Acquire: pairs with the release that clears the claim after
		 * a commit (ring.c publish): a cleared claim means the commit is
		 * visible to the caller's next look at the slot. */
		uint64_t c = atomic_load_explicit(&p->claim, memory_order_acquire);

		if (c != (SHMCHAN__CLAIM_ACTIVE | pos))
			continue;
		if (!shmchan__peer_dead(p))
			return SHMCHAN__CLAIM_LIVE;
		dead = 1;
	}
	return dead ? SHMCHAN__CLAIM_DEAD : SHMCHAN__CLAIM_NONE;
}

void shmchan__clear_claims(struct shmchan__chan_hdr *h, uint32_t pos)
{
	int i;

	for (i = 0; i < SHMCHAN_MAX_WRITERS; i++) {
		struct shmchan__peer *p = &h->writers[i];
		uint64_t want = SHMCHAN__CLAIM_ACTIVE | pos;

		if (shmchan__peer_dead(p))
			atomic_compare_exchange_strong_explicit(
				&p->claim, &want, 0, memory_order_release, memory_order_relaxed);
	}
}

/* Fill a freshly taken entry (its pid is already ours). */
static void fill(struct shmchan__peer *p, uint64_t start)
{
	/* Relaxed: published by the release store of start_time. */
	atomic_store_explicit(&p->flags, 0, memory_order_relaxed);
	atomic_store_explicit(&p->claim, 0, memory_order_relaxed);
	atomic_store_explicit(&p->messages, 0, memory_order_relaxed);
	atomic_store_explicit(&p->events, 0, memory_order_relaxed);
	atomic_store_explicit(&p->max_depth, 0, memory_order_relaxed);
	atomic_store_explicit(&p->start_time, start, memory_order_release);
}

/* Take @p from holder @from (0: free). Returns 1 on success. */
static int take(struct shmchan__peer *p, uint32_t from, pid_t pid, uint64_t start)
{
	/* Acquire: pairs with the release in leave() (or with the dead holder's
	 * own stores, all before its death) so its last stores are behind us. */
	if (!atomic_compare_exchange_strong_explicit(&p->pid, &from, (uint32_t)pid,
						     memory_order_acq_rel, memory_order_relaxed))
		return 0;
	fill(p, start);
	return 1;
}

/* Take the entry of a dead holder, after accounting for it. */
static int take_dead(struct shmchan_channel *ch, struct shmchan__peer *p, int writer, pid_t pid,
		     uint64_t start)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	uint32_t from = atomic_load_explicit(&p->pid, memory_order_acquire);
	uint64_t c;

	if (from == 0 || !shmchan__peer_dead(p))
		return 0;
	account_gone(h, p, writer);
	c = atomic_load_explicit(&p->claim, memory_order_acquire);
	/* An unresolved claim: the reader has not passed that slot yet. */
	if (writer && (c & SHMCHAN__CLAIM_ACTIVE) &&
	    (int32_t)(atomic_load_explicit(&ring_hdr(ch)->head, memory_order_acquire) -
		      (uint32_t)c) <= 0)
		return 0;
	/* Forget the dead start time first: while the pid is ours and the
	 * start time not yet, checkers see 0 and test the pid alone. */
	atomic_store_explicit(&p->start_time, 0, memory_order_relaxed);
	return take(p, from, pid, start);
}

int shmchan__join(struct shmchan_channel *ch, uint32_t role)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	struct shmchan__peer *p = NULL;
	pid_t pid = getpid();
	uint64_t start = 0;
	int i;

	if (shmchan__proc_start_time(pid, &start) != 0)
		start = 0;
	if (role == SHMCHAN__ROLE_READER) {
		p = &h->reader;
		if (!take(p, 0, pid, start) && !take_dead(ch, p, 0, pid, start))
			return -EBUSY;
	} else {
		for (i = 0; i < SHMCHAN_MAX_WRITERS && !p; i++)
			if (take(&h->writers[i], 0, pid, start))
				p = &h->writers[i];
		if (!p)
			shmchan__reap_writers(h); /* keep the count true for everyone */
		for (i = 0; i < SHMCHAN_MAX_WRITERS && !p; i++)
			if (take_dead(ch, &h->writers[i], 1, pid, start))
				p = &h->writers[i];
		if (!p)
			return -EUSERS;
		atomic_fetch_add_explicit(&h->nwriters, 1, memory_order_seq_cst);
		ch->ring.claim = &p->claim;
	}
	ch->self = p;
	ch->role = role;
	return 0;
}

void shmchan__leave(struct shmchan_channel *ch)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	struct shmchan__peer *p = ch->self;

	account_gone(h, p, ch->role == SHMCHAN__ROLE_WRITER);
	atomic_store_explicit(&p->claim, 0, memory_order_relaxed);
	atomic_store_explicit(&p->start_time, 0, memory_order_relaxed);
	/* Release: pairs with the acquire in take(); the entry is free. */
	atomic_store_explicit(&p->pid, 0, memory_order_release);
}
