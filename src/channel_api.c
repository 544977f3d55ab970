/* SPDX-License-Identifier: MIT */
/*
 * Channel layer, the public message calls: each runs the entry of the same
 * name in the calls table of the handle's class (calls_pvt.h) inside the
 * one-call-at-a-time guard.
 *
 * A handle is used by one thread at a time (channel.h). Two threads inside
 * calls on the same handle at once would interleave their updates of its
 * private state (reservation, positions, counters) and of its registry line,
 * so the second one is refused with -EBUSY before it touches anything. The
 * guard is the handle's in_call word (handle_pvt.h): an atomic exchange on
 * entry, a store on exit, both on the caller's own memory (a line no other
 * process touches).
 *
 * Ordering: the acquire of the exchange pairs with the release of the
 * previous call's exit, so a handle passed from thread to thread between
 * calls carries its state with it whatever the hand-over used.
 */
#include "calls_pvt.h"
#include "channel_io_pvt.h"
#include "channel_pvt.h"
#include "poll_pvt.h"

static _Atomic uint32_t *in_call(struct shmchan__handle *ch)
{
	return &ch->in_call;
}

/* Enter a call on @ch: 0, -EINVAL (NULL), or -EBUSY (another thread is in
 * a call on it). */
static int enter(struct shmchan__handle *ch)
{
	if (!ch)
		return -EINVAL;
	return atomic_exchange_explicit(in_call(ch), 1, memory_order_acquire) ? -EBUSY : 0;
}

/* Leave the call entered, passing on its result. */
static int leave(struct shmchan__handle *ch, int ret)
{
	atomic_store_explicit(in_call(ch), 0, memory_order_release);
	return ret;
}

/* The calls of @ch's class: a read-only observer's go to observe.c, a
 * newosp-format channel's to newosp.c, everyone else's (a closed handle's
 * too, which they refuse) to channel_io.c. */
static const struct shmchan__calls *calls(const struct shmchan__handle *ch)
{
	if (ch->hdr && ch->role == SHMCHAN__ROLE_OBSERVER)
		return &shmchan__obs_calls;
	if (ch->hdr && shmchan__foreign(ch))
		return &shmchan__osp_calls;
	return &shmchan__io_calls;
}

int shmchan_channel_write(struct shmchan_channel *pub, const void *data, size_t len)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->write(ch, data, len));
}

int shmchan_channel_reserve(struct shmchan_channel *pub, size_t len, void **data)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->reserve(ch, len, data));
}

int shmchan_channel_commit(struct shmchan_channel *pub, size_t len)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->commit(ch, len));
}

int shmchan_channel_cancel(struct shmchan_channel *pub)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->cancel(ch));
}

int shmchan_channel_read(struct shmchan_channel *pub, void *buf, size_t cap, size_t *len)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->read(ch, buf, cap, len));
}

int shmchan_channel_peek(struct shmchan_channel *pub, const void **data, size_t *len)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->peek(ch, data, len));
}

int shmchan_channel_release(struct shmchan_channel *pub)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->release(ch, NULL));
}

int shmchan_channel_release_view(struct shmchan_channel *pub, const void *data)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	if (!err && !data)
		return leave(ch, -EINVAL);
	return err ? err : leave(ch, calls(ch)->release(ch, data));
}

int shmchan_channel_held(const struct shmchan_channel *pub)
{
	const struct shmchan__handle *ch = shmchan__chandle_of(pub);

	if (!ch || !ch->hdr)
		return -EINVAL;
	return calls(ch)->held(ch);
}

int shmchan_channel_wait_readable(struct shmchan_channel *pub, int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->wait_readable(ch, timeout_ms));
}

int shmchan_channel_wait_writable(struct shmchan_channel *pub, int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->wait_writable(ch, timeout_ms));
}

int shmchan_channel_wait_writable_len(struct shmchan_channel *pub, size_t len, int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->wait_writable_len(ch, len, timeout_ms));
}

int shmchan_channel_send(struct shmchan_channel *pub, const void *data, size_t len, int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->send(ch, data, len, timeout_ms));
}

int shmchan_channel_recv(struct shmchan_channel *pub, void *buf, size_t cap, size_t *len,
			 int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->recv(ch, buf, cap, len, timeout_ms));
}

int shmchan_channel_wait_for_reader(struct shmchan_channel *pub, int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->wait_for_readers(ch, 1, timeout_ms));
}

int shmchan_channel_wait_for_readers(struct shmchan_channel *pub, unsigned n, int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->wait_for_readers(ch, n, timeout_ms));
}

int shmchan_channel_wait_for_writer(struct shmchan_channel *pub, int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->wait_for_writer(ch, timeout_ms));
}

int shmchan_channel_reserve_wait(struct shmchan_channel *pub, size_t len, void **data,
				 int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->reserve_wait(ch, len, data, timeout_ms));
}

int shmchan_channel_peek_wait(struct shmchan_channel *pub, const void **data, size_t *len,
			      int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, calls(ch)->peek_wait(ch, data, len, timeout_ms));
}

int shmchan_channel_poll_fd(struct shmchan_channel *pub)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	if (err)
		return err;
	if (!ch->hdr)
		return leave(ch, -EINVAL);
	/* A poller takes an entry in the segment: not an observer's, and
	 * newosp's format has no registry to take one from. */
	if (ch->role != SHMCHAN__ROLE_WRITER && ch->role != SHMCHAN__ROLE_READER)
		return leave(ch, -ENOTSUP);
	err = shmchan__poll_open(ch);
	/* Armed at once: ready now means readable now. */
	if (err >= 0 && shmchan__io_poll_arm(ch))
		shmchan__poll_fire(ch);
	return leave(ch, err);
}
