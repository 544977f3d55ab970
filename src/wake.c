/* SPDX-License-Identifier: MIT */
/* The channel layer's wake-ups (see wake_pvt.h); the sleep protocol itself
 * is wait.c. */
#include "channel_pvt.h"
#include "registry_pvt.h"
#include "poll_pvt.h"
#include "wake_pvt.h"

struct shmchan__waitq shmchan__queue_of(const struct shmchan__handle *ch, enum shmchan__queue which)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	struct shmchan__waitq q;

	switch (which) {
	case SHMCHAN__QUEUE_DATA:
		q.futex = &h->data_futex;
		q.waiters = &h->data_waiters;
		q.pollers = &h->data_pollers;
		break;
	case SHMCHAN__QUEUE_SPACE:
		q.futex = &h->space_futex;
		q.waiters = &h->space_waiters;
		q.pollers = &h->space_pollers;
		break;
	default:
		q.futex = &h->peer_futex;
		q.waiters = &h->peer_waiters;
		q.pollers = NULL;
		break;
	}
	return q;
}

/*
 * A waker found sleepers counted on queue @which (only then is this called,
 * so the message path pays nothing for it). If one of them died asleep, the
 * count stays high; so, at most every SHMCHAN__REAP_EVERY_NS while that goes
 * on, look for dead peers (the readers' entries for the data queue, the
 * writers' for the space queue) and account for them.
 */
static void repair_sleepers(struct shmchan__handle *ch, enum shmchan__queue which)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	int64_t now = shmchan__now_ns();

	if (now < ch->next_deep_ns)
		return;
	ch->next_deep_ns = now + SHMCHAN__REAP_EVERY_NS;
	/* Readers sleep on the data queue: the reader entry or, for kinds of
	 * many readers, subscribers[]; the table a kind does not use is empty
	 * (a look at each owner word), so both are reaped. */
	if (which == SHMCHAN__QUEUE_DATA) {
		shmchan__reap_reader(h, shmchan__judge_of(ch));
		shmchan__subs_held(h, shmchan__judge_of(ch), 1);
	} else {
		shmchan__writers_held(h, shmchan__judge_of(ch), 1);
	}
}

static void wake_repairing(struct shmchan__handle *ch, enum shmchan__queue which)
{
	struct shmchan__waitq q = shmchan__queue_of(ch, which);
	int found = shmchan__wake(&q);

	if (found & SHMCHAN__WOKE_SLEEPERS)
		repair_sleepers(ch, which);
	if (found & SHMCHAN__WOKE_POLLERS)
		shmchan__poll_notify(ch, which == SHMCHAN__QUEUE_SPACE);
}

void shmchan__wake_readers(struct shmchan__handle *ch)
{
	wake_repairing(ch, SHMCHAN__QUEUE_DATA);
}

void shmchan__wake_writers(struct shmchan__handle *ch)
{
	wake_repairing(ch, SHMCHAN__QUEUE_SPACE);
}

void shmchan__wake_peers(const struct shmchan__handle *ch)
{
	struct shmchan__waitq q = shmchan__queue_of(ch, SHMCHAN__QUEUE_PEER);

	shmchan__wake(&q);
}
