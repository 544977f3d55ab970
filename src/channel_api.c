/* SPDX-License-Identifier: MIT */
/*
 * Channel layer, the public message calls: each runs its channel_io.c
 * counterpart inside the one-call-at-a-time guard.
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
#include "channel_io_pvt.h"
#include "observe_pvt.h"
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

int shmchan_channel_write(struct shmchan_channel *pub, const void *data, size_t len)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, shmchan__io_write(ch, data, len));
}

int shmchan_channel_reserve(struct shmchan_channel *pub, size_t len, void **data)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, shmchan__io_reserve(ch, len, data));
}

int shmchan_channel_commit(struct shmchan_channel *pub, size_t len)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, shmchan__io_commit(ch, len));
}

int shmchan_channel_cancel(struct shmchan_channel *pub)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, shmchan__io_cancel(ch));
}

/* A read-only observer's calls go to observe.c, everyone else's to
 * channel_io.c. */
static int observer(const struct shmchan__handle *ch)
{
	return ch->hdr && ch->role == SHMCHAN__ROLE_OBSERVER;
}

int shmchan_channel_read(struct shmchan_channel *pub, void *buf, size_t cap, size_t *len)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	if (err)
		return err;
	return leave(ch, observer(ch) ? shmchan__obs_read(ch, buf, cap, len)
				      : shmchan__io_read(ch, buf, cap, len));
}

int shmchan_channel_peek(struct shmchan_channel *pub, const void **data, size_t *len)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	if (err)
		return err;
	return leave(ch, observer(ch) ? shmchan__obs_peek(ch, data, len)
				      : shmchan__io_peek(ch, data, len));
}

int shmchan_channel_release(struct shmchan_channel *pub)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	if (err)
		return err;
	return leave(ch, observer(ch) ? shmchan__obs_release(ch) : shmchan__io_release(ch));
}

int shmchan_channel_wait_readable(struct shmchan_channel *pub, int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	if (err)
		return err;
	return leave(ch, observer(ch) ? shmchan__obs_wait_readable(ch, timeout_ms)
				      : shmchan__io_wait_readable(ch, timeout_ms));
}

int shmchan_channel_wait_writable(struct shmchan_channel *pub, int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, shmchan__io_wait_writable(ch, timeout_ms));
}

int shmchan_channel_wait_writable_len(struct shmchan_channel *pub, size_t len, int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, shmchan__io_wait_writable_len(ch, len, timeout_ms));
}

int shmchan_channel_send(struct shmchan_channel *pub, const void *data, size_t len, int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, shmchan__io_send(ch, data, len, timeout_ms));
}

int shmchan_channel_recv(struct shmchan_channel *pub, void *buf, size_t cap, size_t *len,
			 int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	if (err)
		return err;
	return leave(ch, observer(ch) ? shmchan__obs_recv(ch, buf, cap, len, timeout_ms)
				      : shmchan__io_recv(ch, buf, cap, len, timeout_ms));
}

int shmchan_channel_wait_for_reader(struct shmchan_channel *pub, int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, shmchan__io_wait_for_readers(ch, 1, timeout_ms));
}

int shmchan_channel_wait_for_readers(struct shmchan_channel *pub, unsigned n, int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, shmchan__io_wait_for_readers(ch, n, timeout_ms));
}

int shmchan_channel_wait_for_writer(struct shmchan_channel *pub, int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, shmchan__io_wait_for_writer(ch, timeout_ms));
}

int shmchan_channel_reserve_wait(struct shmchan_channel *pub, size_t len, void **data,
				 int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	return err ? err : leave(ch, shmchan__io_reserve_wait(ch, len, data, timeout_ms));
}

int shmchan_channel_peek_wait(struct shmchan_channel *pub, const void **data, size_t *len,
			      int timeout_ms)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	if (err)
		return err;
	return leave(ch, observer(ch) ? shmchan__obs_peek_wait(ch, data, len, timeout_ms)
				      : shmchan__io_peek_wait(ch, data, len, timeout_ms));
}

int shmchan_channel_poll_fd(struct shmchan_channel *pub)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int err = enter(ch);

	if (err)
		return err;
	if (!ch->hdr)
		return leave(ch, -EINVAL);
	/* A poller takes an entry in the segment: not an observer's. */
	if (observer(ch))
		return leave(ch, -ENOTSUP);
	err = shmchan__poll_open(ch);
	/* Armed at once: ready now means readable now. */
	if (err >= 0 && shmchan__io_poll_arm(ch))
		shmchan__poll_fire(ch);
	return leave(ch, err);
}
