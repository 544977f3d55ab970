/* SPDX-License-Identifier: MIT */
/* Read-only observers: reads through the kind's ops, waits by polling
 * (see observe_pvt.h). */
#include <errno.h>

#include "calls_pvt.h"
#include "channel_io_pvt.h"
#include "channel_pvt.h"
#include "kind_pvt.h"
#include "observe_pvt.h"
#include "wait_pvt.h"

/* Polling: 50 us doubling to 1 ms between looks (BACKOFF's sleeps). */
#define FIRST_SLEEP_NS 50000
#define LONGEST_SLEEP_NS 1000000

static const struct shmchan__reader_ops *rops(const struct shmchan__handle *ch)
{
	return shmchan__kind_of(ch->kind)->reader;
}

/* -ESTALE once the channel was replaced (read-only: the state word). */
static int replaced(const struct shmchan__handle *ch)
{
	/* Relaxed: a hint; what was written before the replacement stays
	 * readable, as for a subscriber. */
	return atomic_load_explicit(&shmchan__hdr(ch)->state, memory_order_relaxed) ==
	       SHMCHAN__STATE_REPLACED;
}

/* Nothing at the cursor: -ESTALE if the channel was replaced, else -EAGAIN. */
static int nothing(const struct shmchan__handle *ch)
{
	return replaced(ch) ? -ESTALE : -EAGAIN;
}

int shmchan__obs_read(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len)
{
	int err;

	if (!len)
		return -EINVAL;
	err = rops(ch)->pop(ch, buf, cap, len);
	if (err == 0)
		ch->count++;
	return err == -EAGAIN ? nothing(ch) : err;
}

int shmchan__obs_peek(struct shmchan__handle *ch, const void **data, size_t *len)
{
	int err;

	if (!data || !len)
		return -EINVAL;
	err = rops(ch)->peek(ch, data, len);
	return err == -EAGAIN ? nothing(ch) : err;
}

int shmchan__obs_release(struct shmchan__handle *ch, const void *view)
{
	int err = rops(ch)->release(ch, view);

	if (err == 0)
		ch->count++;
	return err;
}

/* Poll until @ready(ch) says something is there, or the deadline. */
static int poll_until(struct shmchan__handle *ch, const struct shmchan__deadline *dl)
{
	int64_t sleep_ns = FIRST_SLEEP_NS;

	for (;;) {
		if (rops(ch)->readable(ch))
			return 0;
		if (replaced(ch))
			return -ESTALE;
		if (shmchan__deadline_left(dl) == 0)
			return -ETIMEDOUT;
		shmchan__deadline_sleep(dl, sleep_ns);
		if (sleep_ns < LONGEST_SLEEP_NS)
			sleep_ns *= 2;
	}
}

int shmchan__obs_wait_readable(struct shmchan__handle *ch, int timeout_ms)
{
	struct shmchan__deadline dl;

	if (timeout_ms < -1)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	return poll_until(ch, &dl);
}

static const struct shmchan__taker obs_taker = {
	.read = shmchan__obs_read,
	.peek = shmchan__obs_peek,
	.wait = poll_until,
};

int shmchan__obs_recv(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len,
		      int timeout_ms)
{
	return shmchan__take_wait(ch, &obs_taker, buf, cap, NULL, len, timeout_ms);
}

int shmchan__obs_peek_wait(struct shmchan__handle *ch, const void **data, size_t *len,
			   int timeout_ms)
{
	if (!data)
		return -EINVAL;
	return shmchan__take_wait(ch, &obs_taker, NULL, 0, data, len, timeout_ms);
}

/* An observer's writes and peer waits go to channel_io.c, which refuses
 * them by role (-ENOTSUP). */
const struct shmchan__calls shmchan__obs_calls = {
	.write = shmchan__io_write,
	.reserve = shmchan__io_reserve,
	.commit = shmchan__io_commit,
	.cancel = shmchan__io_cancel,
	.read = shmchan__obs_read,
	.peek = shmchan__obs_peek,
	.release = shmchan__obs_release,
	.held = shmchan__io_held,
	.wait_readable = shmchan__obs_wait_readable,
	.wait_writable = shmchan__io_wait_writable,
	.wait_writable_len = shmchan__io_wait_writable_len,
	.send = shmchan__io_send,
	.recv = shmchan__obs_recv,
	.reserve_wait = shmchan__io_reserve_wait,
	.peek_wait = shmchan__obs_peek_wait,
	.wait_for_readers = shmchan__io_wait_for_readers,
	.wait_for_writer = shmchan__io_wait_for_writer,
};
