/* SPDX-License-Identifier: MIT */
/*
 * The registry of peers in a channel's header: taking and leaving entries,
 * telling the dead from the living, and cleaning up after the dead.
 *
 * Each entry's owner word (channel_pvt.h) holds pid, generation and flags in
 * one atomic value, and every change of hands is one compare-and-swap on it:
 *   take      free (pid 0, no flags)        -> (us, gen + 1, FILLING)
 *   filled    clear FILLING (only the holder)
 *   gone      (pid, gen, not DEAD)          -> (pid, gen, DEAD)
 *   free      (pid, gen, DEAD)              -> (0, gen, 0)      (the closer)
 *   take over (pid, gen, DEAD)              -> (us, gen + 1, FILLING)
 * "gone" is done by the closer itself, or by whoever finds the holder dead;
 * only the one whose CAS succeeds accounts for the departure: the sleeper
 * counts of a holder that died in a futex wait (its SLEEP_* flags come with
 * the same CAS), and the channel's counter totals. A judgement made from a
 * stale reading cannot hurt: its CAS expects the (pid, generation) it judged
 * and fails once the entry has changed hands.
 *
 * A dead writer's entry is taken over only once the position it was
 * claiming, if any, is resolved: the claim word is what lets the reader
 * recognise that slot as abandoned.
 */
#include <unistd.h>

#include "channel_pvt.h"
#include "proc_pvt.h"
#include "kind_pvt.h"
#include "live_pvt.h"
#include "poll_pvt.h"

void shmchan__max_store(_Atomic uint64_t *m, uint64_t v)
{
	/* Relaxed: a statistic; the CAS loop only keeps it monotonic. */
	uint64_t cur = atomic_load_explicit(m, memory_order_relaxed);

	while (v > cur && !atomic_compare_exchange_weak_explicit(m, &cur, v, memory_order_relaxed,
								 memory_order_relaxed))
		;
}

/* The lock byte of entry @p (live_pvt.h): the entry's offset in the file. */
static uint64_t lock_off(struct shmchan__judge j, const struct shmchan__peer *p)
{
	return (uint64_t)((const char *)p - (const char *)j.base);
}

/*
 * Judge the holder of owner value @o of entry @p: 1 if it is gone. A held
 * entry (being filled in or not) is alive while some open file description
 * holds its lock byte: the holder took the lock before its CAS of the owner
 * word and drops it only after leaving. The judge's own entry is alive (the
 * kernel does not report a caller's own locks). A failed query counts as
 * alive: a wrong "alive" costs time, never data.
 */
static int judge_dead(const struct shmchan__peer *p, uint64_t o, struct shmchan__judge j)
{
	if (SHMCHAN__OWN_PID(o) == 0)
		return 0;
	if (o & SHMCHAN__OWN_DEAD)
		return 1;
	if ((const void *)p == j.self)
		return 0;
	return shmchan__live_held(j.fd, lock_off(j, p)) == 0;
}

int shmchan__peer_dead(const struct shmchan__peer *p, struct shmchan__judge j)
{
	/* Acquire: pairs with the release stores of the owner word. */
	return judge_dead(p, atomic_load_explicit(&p->owner, memory_order_acquire), j);
}

int shmchan__peer_held(const struct shmchan__peer *p)
{
	uint64_t o = atomic_load_explicit(&p->owner, memory_order_acquire);

	return SHMCHAN__OWN_PID(o) != 0 && !(o & SHMCHAN__OWN_DEAD);
}

/* Which table an entry belongs to: its counters fold into different totals. */
#define AS_READER 0
#define AS_WRITER 1
#define AS_SUB 2

/*
 * Mark the holder @o of @p gone, and account for it if the CAS is ours.
 * @writer: AS_*. Returns 1 if we accounted for it.
 */
static int mark_gone(struct shmchan__chan_hdr *h, struct shmchan__peer *p, uint64_t o, int writer)
{
	/* Read before the CAS: once DEAD is set, the entry may be taken over
	 * and reset. The holder is gone (or is us), so they are final. */
	uint64_t msgs = atomic_load_explicit(&p->messages, memory_order_relaxed);
	uint64_t ev = atomic_load_explicit(&p->events, memory_order_relaxed);
	uint64_t maxd = atomic_load_explicit(&p->max_depth, memory_order_relaxed);
	uint64_t lost = atomic_load_explicit(&p->aux, memory_order_relaxed);

	if (SHMCHAN__OWN_PID(o) == 0 || (o & SHMCHAN__OWN_DEAD))
		return 0;
	/* acq_rel: acquire the holder's last stores; release ours. */
	if (!atomic_compare_exchange_strong_explicit(&p->owner, &o, o | SHMCHAN__OWN_DEAD,
						     memory_order_acq_rel, memory_order_relaxed))
		return 0;
	/* seq_cst: a reader that loads the generation after finding the ring
	 * empty then sees this departure (channel_io.c reader_idle). */
	atomic_fetch_add_explicit(&h->registry_gen, 1, memory_order_seq_cst);
	/* It died asleep: undo its increment of the waiter count (wait.c W2;
	 * the flag is set after W2 and cleared before W5). */
	if (o & SHMCHAN__OWN_SLEEP_DATA)
		atomic_fetch_sub_explicit(&h->data_waiters, 1, memory_order_seq_cst);
	if (o & SHMCHAN__OWN_SLEEP_SPACE)
		atomic_fetch_sub_explicit(&h->space_waiters, 1, memory_order_seq_cst);
	if (o & SHMCHAN__OWN_SLEEP_PEER)
		atomic_fetch_sub_explicit(&h->peer_waiters, 1, memory_order_seq_cst);
	/* A descriptor it polled: no publisher wakes it any more. */
	shmchan__poll_forget(h, p, o);
	if (o & SHMCHAN__OWN_FILLING)
		return 1; /* never filled: the counters were the previous holder's */
	/* Relaxed: statistics. */
	atomic_fetch_add_explicit(writer == AS_WRITER ? &h->retired_written : &h->retired_read,
				  msgs, memory_order_relaxed);
	atomic_fetch_add_explicit(writer == AS_WRITER ? &h->retired_full : &h->retired_abandoned,
				  ev, memory_order_relaxed);
	if (writer == AS_SUB)
		atomic_fetch_add_explicit(&h->retired_lost, lost, memory_order_relaxed);
	shmchan__max_store(&h->retired_max_depth, maxd);
	return 1;
}

/* If @p's holder is dead, account for it. Returns the owner value seen,
 * with DEAD set if the holder is (now known) gone. */
static uint64_t reap_one(struct shmchan__chan_hdr *h, struct shmchan__peer *p,
			 struct shmchan__judge j, int writer)
{
	uint64_t o = atomic_load_explicit(&p->owner, memory_order_acquire);

	if (SHMCHAN__OWN_PID(o) == 0 || (o & SHMCHAN__OWN_DEAD) || !judge_dead(p, o, j))
		return o;
	mark_gone(h, p, o, writer);
	return atomic_load_explicit(&p->owner, memory_order_acquire);
}

/* Entries of @table (@n of them, of kind @as) held; with @reap, dead
 * holders are found and accounted for first. */
static uint32_t held_in(struct shmchan__chan_hdr *h, struct shmchan__peer *table, int n, int as,
			struct shmchan__judge j, int reap)
{
	uint32_t held = 0;
	int i;

	for (i = 0; i < n; i++) {
		struct shmchan__peer *p = &table[i];
		uint64_t o = reap ? reap_one(h, p, j, as)
				  : atomic_load_explicit(&p->owner, memory_order_acquire);

		if (SHMCHAN__OWN_PID(o) != 0 && !(o & SHMCHAN__OWN_DEAD))
			held++;
	}
	return held;
}

uint32_t shmchan__writers_held(struct shmchan__chan_hdr *h, struct shmchan__judge j, int reap)
{
	return held_in(h, h->writers, SHMCHAN_MAX_WRITERS, AS_WRITER, j, reap);
}

uint32_t shmchan__subs_held(struct shmchan__chan_hdr *h, struct shmchan__judge j, int reap)
{
	return held_in(h, h->subscribers, SHMCHAN_MAX_SUBSCRIBERS, AS_SUB, j, reap);
}

uint32_t shmchan__subs_live(struct shmchan__chan_hdr *h, struct shmchan__judge j, int check)
{
	uint32_t n = 0;
	int i;

	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++) {
		struct shmchan__peer *p = &h->subscribers[i];
		/* seq_cst: the re-check half of the sleep protocol (wait.c) for
		 * wait_for_reader; a joiner publishes its entry before waking. */
		uint64_t o = atomic_load_explicit(&p->owner, memory_order_seq_cst);

		/* Not while FILLING: a subscriber counts once its entry (and
		 * its first cursor) is complete. */
		if (SHMCHAN__OWN_PID(o) != 0 && !(o & (SHMCHAN__OWN_DEAD | SHMCHAN__OWN_FILLING)) &&
		    (!check || !judge_dead(p, o, j)))
			n++;
	}
	return n;
}

uint64_t shmchan__subs_min_cursor(struct shmchan__chan_hdr *h)
{
	uint64_t min = UINT64_MAX;
	int i;

	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++) {
		struct shmchan__peer *p = &h->subscribers[i];
		/* seq_cst: the re-check half of the sleep protocol for writers
		 * waiting for space; its acquire part pairs with the release
		 * that cleared FILLING, so the cursor filled in is visible. */
		uint64_t o = atomic_load_explicit(&p->owner, memory_order_seq_cst), c;

		if (SHMCHAN__OWN_PID(o) == 0 || (o & (SHMCHAN__OWN_DEAD | SHMCHAN__OWN_FILLING)))
			continue;
		/* seq_cst: pairs with the subscriber's cursor store (kind_bcast.c
		 * S3): its reads of the slots below happen before our reuse. */
		c = atomic_load_explicit(&p->claim, memory_order_seq_cst);
		if (c < min)
			min = c;
	}
	return min;
}

void shmchan__reap_reader(struct shmchan__chan_hdr *h, struct shmchan__judge j)
{
	reap_one(h, &h->reader, j, AS_READER);
}

/* Whether claim word @c (with extent @ext, 0 for a single slot) covers @pos. */
static int covers(uint64_t c, uint32_t ext, uint32_t pos)
{
	uint32_t start = (uint32_t)c;

	if (!(c & SHMCHAN__CLAIM_ACTIVE))
		return 0;
	return ext ? (pos - start) < ext : pos == start;
}

int shmchan__claimant(struct shmchan__chan_hdr *h, uint32_t pos, struct shmchan__judge j,
		      uint32_t *extent)
{
	int i, dead = 0;

	for (i = 0; i < SHMCHAN_MAX_WRITERS; i++) {
		struct shmchan__peer *p = &h->writers[i];
		/* Acquire: pairs with the release that clears the claim after
		 * a commit (ring.c, rring.c publish): a cleared claim means the
		 * commit is visible to the caller's next look at the slot. */
		uint64_t c = atomic_load_explicit(&p->claim, memory_order_acquire);
		/* Relaxed: stored before the claim word, published with it. */
		uint32_t ext = (uint32_t)atomic_load_explicit(&p->aux, memory_order_relaxed);

		if (!covers(c, ext, pos))
			continue;
		if (!shmchan__peer_dead(p, j))
			return SHMCHAN__CLAIM_LIVE;
		/* Several dead claims of the same head (a producer killed just
		 * after losing a race leaves one naming the winner's start):
		 * the smallest extent oversteps nothing. */
		if (extent) {
			uint32_t e = ext ? (uint32_t)c + ext - pos : 1;

			if (!dead || e < *extent)
				*extent = e;
		}
		dead = 1;
	}
	return dead ? SHMCHAN__CLAIM_DEAD : SHMCHAN__CLAIM_NONE;
}

/* A peer's count, unless it was already folded into the retired totals. */
static uint64_t live_count(const struct shmchan__peer *p)
{
	uint64_t o = atomic_load_explicit(&p->owner, memory_order_acquire);

	if (SHMCHAN__OWN_PID(o) == 0 || (o & (SHMCHAN__OWN_DEAD | SHMCHAN__OWN_FILLING)))
		return 0;
	/* Relaxed: statistics, a snapshot. */
	return atomic_load_explicit(&p->messages, memory_order_relaxed);
}

void shmchan__totals(struct shmchan__chan_hdr *h, uint64_t *written, uint64_t *read)
{
	uint64_t w = atomic_load_explicit(&h->retired_written, memory_order_relaxed);
	int i;

	for (i = 0; i < SHMCHAN_MAX_WRITERS; i++)
		w += live_count(&h->writers[i]);
	*written = w;
	w = atomic_load_explicit(&h->retired_read, memory_order_relaxed) + live_count(&h->reader);
	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++)
		w += live_count(&h->subscribers[i]);
	*read = w;
}

uint32_t shmchan__claims_active(struct shmchan__chan_hdr *h)
{
	uint32_t n = 0;
	int i;

	/* Relaxed: a snapshot for depth figures. */
	for (i = 0; i < SHMCHAN_MAX_WRITERS; i++)
		n += !!(atomic_load_explicit(&h->writers[i].claim, memory_order_relaxed) &
			SHMCHAN__CLAIM_ACTIVE);
	return n;
}

void shmchan__clear_claims(struct shmchan__chan_hdr *h, uint32_t pos, struct shmchan__judge j)
{
	int i;

	for (i = 0; i < SHMCHAN_MAX_WRITERS; i++) {
		struct shmchan__peer *p = &h->writers[i];
		uint64_t c = atomic_load_explicit(&p->claim, memory_order_acquire);
		uint32_t ext = (uint32_t)atomic_load_explicit(&p->aux, memory_order_relaxed);

		if (covers(c, ext, pos) && shmchan__peer_dead(p, j))
			atomic_compare_exchange_strong_explicit(
				&p->claim, &c, 0, memory_order_release, memory_order_relaxed);
	}
}

/* Fill a freshly taken entry (its owner word is @o: ours, with FILLING).
 * Returns 1, or 0 if a judge marked the entry gone meanwhile. */
static int fill(struct shmchan__peer *p, uint64_t o, uint64_t start, uint64_t ns, uint64_t claim0,
		int as)
{
	/* Relaxed: published by the release in the FILLING clear below. */
	atomic_store_explicit(&p->claim, claim0, memory_order_relaxed);
	/* aux is kept: in the reader entry it holds the note of a free in
	 * progress (rring.c consume), which the new holder finishes; writers
	 * set theirs before each claim. */
	atomic_store_explicit(&p->messages, 0, memory_order_relaxed);
	atomic_store_explicit(&p->events, 0, memory_order_relaxed);
	atomic_store_explicit(&p->max_depth, 0, memory_order_relaxed);
	atomic_store_explicit(&p->pidns, ns, memory_order_relaxed);
	atomic_store_explicit(&p->start_time, start, memory_order_relaxed);
	if (as == AS_SUB)
		atomic_store_explicit(&p->aux, 0, memory_order_relaxed); /* lost count */
	/* Release: a judge that sees FILLING clear (acquire) sees the fields.
	 * seq_cst: a broadcast writer's gate scan, which skips FILLING
	 * entries, is ordered with it (kind_bcast.c S1). */
	return atomic_compare_exchange_strong_explicit(&p->owner, &o, o & ~SHMCHAN__OWN_FILLING,
						       memory_order_seq_cst, memory_order_relaxed);
}

/* CAS @p's owner word from @from to us. Returns 1 on success. */
static int take(struct shmchan__peer *p, uint64_t from, pid_t pid, uint64_t start, uint64_t ns,
		uint64_t claim0, int as)
{
	uint64_t to = SHMCHAN__OWN((uint32_t)pid, SHMCHAN__OWN_GEN(from) + 1, SHMCHAN__OWN_FILLING);

	/* Acquire: the previous holder's last stores (or the closer's release)
	 * are behind us. Our lock byte, taken before, vouches for us. */
	if (!atomic_compare_exchange_strong_explicit(&p->owner, &from, to, memory_order_acq_rel,
						     memory_order_relaxed))
		return 0;
	return fill(p, to, start, ns, claim0, as);
}

/* Whether a gone writer's claim still matters (the kind says: kind_pvt.h). */
static int claim_pending(const struct shmchan__handle *ch, const struct shmchan__peer *p)
{
	/* Acquire: pairs with the release that cleared it after a commit. */
	uint64_t c = atomic_load_explicit(&p->claim, memory_order_acquire);
	/* Relaxed: stored before the claim word, published with it. */
	uint32_t ext = (uint32_t)atomic_load_explicit(&p->aux, memory_order_relaxed);

	return (c & SHMCHAN__CLAIM_ACTIVE) &&
	       shmchan__kind_of(ch->kind)->writer->claim_pending(ch, (uint32_t)c, ext);
}

/* Whether a gone reader still holds a message to be delivered again. */
static int hold_pending(const struct shmchan__handle *ch, const struct shmchan__peer *p)
{
	/* Acquire: pairs with the release that cleared it after a give-back. */
	return shmchan__kind_of(ch->kind)->reader->hold_pending(
		ch, atomic_load_explicit(&p->claim, memory_order_acquire));
}

/* Take @p (its lock byte held by us) if it is free, or if its holder is
 * gone and leaves nothing the others still need. @writer: AS_*. */
static int take_locked(struct shmchan__handle *ch, struct shmchan__peer *p, int writer, pid_t pid,
		       uint64_t start, uint64_t claim0)
{
	uint64_t o = atomic_load_explicit(&p->owner, memory_order_acquire);

	if (SHMCHAN__OWN_PID(o) == 0 && SHMCHAN__OWN_FLAGS(o) == 0)
		return take(p, o, pid, start, ch->pidns, claim0, writer);
	o = reap_one(shmchan__hdr(ch), p, shmchan__judge_of(ch), writer);
	if (!(o & SHMCHAN__OWN_DEAD) || (writer == AS_WRITER && claim_pending(ch, p)) ||
	    (writer == AS_SUB && hold_pending(ch, p)))
		return 0;
	return take(p, o, pid, start, ch->pidns, claim0, writer);
}

/*
 * Take @p as take_locked() does, its lock byte first: the lock is what tells
 * the others that the entry's holder lives (live_pvt.h), so it is held
 * before the owner word names us and dropped if the take fails. A lock
 * held by someone else means a live holder, or a taker ahead of us.
 * Returns 1 on success, 0 if the entry is not ours to take, or a negative
 * errno from the lock.
 */
static int take_any(struct shmchan__handle *ch, struct shmchan__peer *p, int writer, pid_t pid,
		    uint64_t start, uint64_t claim0)
{
	struct shmchan__judge j = shmchan__judge_of(ch);
	uint64_t off = lock_off(j, p);
	int err = shmchan__live_hold(j.fd, off);

	if (err)
		return err == -EAGAIN ? 0 : err;
	if (take_locked(ch, p, writer, pid, start, claim0))
		return 1;
	shmchan__live_drop(j.fd, off);
	return 0;
}

/* An entry of @table (@n entries): free ones first, then those of the dead.
 * Returns 0 and *@out, -EUSERS if none can be taken, or a lock error. */
static int take_table(struct shmchan__handle *ch, struct shmchan__peer *table, int n, int as,
		      pid_t pid, uint64_t start, uint64_t claim0, struct shmchan__peer **out)
{
	int i, pass, r;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++) {
			uint64_t o = atomic_load_explicit(&table[i].owner, memory_order_acquire);

			if ((pass == 0) != (SHMCHAN__OWN_PID(o) == 0))
				continue;
			r = take_any(ch, &table[i], as, pid, start, claim0);
			if (r < 0)
				return r;
			if (r) {
				*out = &table[i];
				return 0;
			}
		}
	return -EUSERS;
}

int shmchan__join(struct shmchan__handle *ch, uint32_t role, uint64_t claim0)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	struct shmchan__peer *p = NULL;
	pid_t pid = getpid();
	uint64_t start = 0;
	int err;

	/* Start time and namespace are shown by the tool; liveness is judged
	 * by the lock byte alone. */
	if (shmchan__proc_start_time(pid, &start) != 0)
		start = 0;
	ch->pidns = shmchan__proc_pidns();
	if (role == SHMCHAN__ROLE_READER && shmchan__kind_of(ch->kind)->reader->many) {
		err = take_table(ch, h->subscribers, SHMCHAN_MAX_SUBSCRIBERS, AS_SUB, pid, start,
				 claim0, &p);
		if (err)
			return err;
	} else if (role == SHMCHAN__ROLE_READER) {
		p = &h->reader;
		err = take_any(ch, p, AS_READER, pid, start, 0);
		if (err <= 0)
			return err ? err : -EBUSY;
	} else {
		err = take_table(ch, h->writers, SHMCHAN_MAX_WRITERS, AS_WRITER, pid, start, 0, &p);
		if (err)
			return err;
		/* The claim word, and the word for the claimed length,
		 * which only rring.c dereferences (slot and broadcast writers
		 * leave aux alone). */
		ch->ring.claim = &p->claim;
		ch->ring.claim_extent = &p->aux;
	}
	atomic_fetch_add_explicit(&h->registry_gen, 1, memory_order_seq_cst);
	/* The reader's note of the span it frees: only rring.c
	 * dereferences it (a subscriber's aux is its lost count). */
	if (role == SHMCHAN__ROLE_READER)
		ch->ring.consume_mark = &p->aux;
	ch->self = p;
	ch->role = role;
	return 0;
}

void shmchan__leave(struct shmchan__handle *ch)
{
	struct shmchan__peer *p = ch->self;
	uint64_t o = atomic_load_explicit(&p->owner, memory_order_acquire);

	if (SHMCHAN__OWN_PID(o) != (uint32_t)getpid())
		return; /* not ours (any more) */
	/* A writer's claim word is cleared before the entry is marked gone:
	 * once it is, the entry may be taken over, and a late store would
	 * erase the new holder's claim. A subscriber's cursor is left as it
	 * is (fill() sets the next holder's); a work-queue reader holding a
	 * message leaves it with its claim, for another reader to deliver
	 * (kind_wq.c); only then can the entry be taken again. */
	if (ch->role == SHMCHAN__ROLE_WRITER)
		atomic_store_explicit(&p->claim, 0, memory_order_relaxed);
	mark_gone(shmchan__hdr(ch), p, o,
		  ch->role == SHMCHAN__ROLE_WRITER	     ? AS_WRITER
		  : shmchan__kind_of(ch->kind)->reader->many ? AS_SUB
							     : AS_READER);
	if (ch->role == SHMCHAN__ROLE_WRITER ||
	    !shmchan__kind_of(ch->kind)->reader->leave_holds(ch)) {
		o = atomic_load_explicit(&p->owner, memory_order_acquire);
		/* Release: pairs with the acquire of a taker; the entry is
		 * free. The CAS fails only if someone took it over after
		 * marking us dead. */
		atomic_compare_exchange_strong_explicit(&p->owner, &o,
							SHMCHAN__OWN(0, SHMCHAN__OWN_GEN(o), 0),
							memory_order_release, memory_order_relaxed);
	}
	/* Last: the entry no longer names us as a live holder. (A forked
	 * child never gets here: the pid check above keeps it off the lock it
	 * shares with its parent.) */
	shmchan__live_drop(ch->seg.fd, lock_off(shmchan__judge_of(ch), p));
}
