/* SPDX-License-Identifier: MIT */
/* The producer's state machine; see producer_sm.h. */
#include <errno.h>
#include <stddef.h>

#include "producer_sm.h"

enum { EV_TICK = 1 };

#define P(m) ((struct producer *)(m)->ctx)

static void init_entry(struct hsm *m)
{
	struct producer *p = P(m);
	int err = p->ops->open(p->io);

	if (err) {
		p->last_error = err;
		hsm_transition(m, &ps_error);
		return;
	}
	p->next_ns = p->ops->now_ns(p->io);
	hsm_transition(m, &ps_streaming);
}

static void error_entry(struct hsm *m)
{
	struct producer *p = P(m);

	p->ops->close(p->io, 0);
	if (p->retries >= MAX_INIT_RETRIES) {
		p->failed = 1;
		hsm_transition(m, &ps_done);
		return;
	}
	p->retries++;
	p->ops->sleep_us(p->io, 1000u << p->retries); /* 2, 4, 8 ms */
	hsm_transition(m, &ps_init);
}

static void done_entry(struct hsm *m)
{
	struct producer *p = P(m);

	if (!p->failed)
		p->ops->close(p->io, 1);
}

/*
 * Write the next frame. Returns 0 (written), -EAGAIN (the ring was full; the
 * streak of full attempts grows), or another error, after which the machine
 * is in Error.
 */
static int try_write(struct hsm *m)
{
	struct producer *p = P(m);
	int err = p->ops->write_frame(p->io, p->sent);

	if (err == 0) {
		p->sent++;
		p->full_streak = 0;
	} else if (err == -EAGAIN) {
		uint64_t now = p->ops->now_ns(p->io);
		uint64_t limit = p->max_stall_ns ? p->max_stall_ns : DEFAULT_MAX_STALL_NS;

		p->full_events++;
		if (p->full_streak++ == 0)
			p->full_since = now;
		if (now - p->full_since >= limit) {
			/* Nobody reads: leave (the stream ends, not as
			 * finished) and report the run as failed. */
			p->last_error = -ETIMEDOUT;
			p->ops->close(p->io, 0);
			p->failed = 1;
			hsm_transition(m, &ps_done);
			return -ETIMEDOUT;
		}
	} else {
		p->last_error = err;
		hsm_transition(m, &ps_error);
	}
	return err;
}

/* After a full ring: Paused, or Throttled once it was full 3 times running. */
static void on_full(struct hsm *m)
{
	const struct hsm_state *to =
		P(m)->full_streak >= FULL_STREAK_THROTTLE ? &ps_throttled : &ps_paused;

	if (m->current != to)
		hsm_transition(m, to);
}

static int finished(const struct producer *p)
{
	return p->stop || (p->total && p->sent >= p->total);
}

/* Running handles what all its substates share: the end of the run. The
 * substates pass a tick up once the run is finished. */
static int running_handle(struct hsm *m, int ev)
{
	if (ev != EV_TICK || !finished(P(m)))
		return HSM_UNHANDLED;
	hsm_transition(m, &ps_done);
	return HSM_HANDLED;
}

static int streaming_handle(struct hsm *m, int ev)
{
	struct producer *p = P(m);

	if (ev != EV_TICK || finished(p))
		return HSM_UNHANDLED;
	if (p->fps) {
		uint64_t now = p->ops->now_ns(p->io);

		if (now < p->next_ns)
			p->ops->sleep_us(p->io, (unsigned)((p->next_ns - now) / 1000));
		p->next_ns += 1000000000u / p->fps;
	}
	if (try_write(m) == -EAGAIN)
		on_full(m);
	return HSM_HANDLED;
}

static int paused_handle(struct hsm *m, int ev)
{
	struct producer *p = P(m);
	int err;

	if (ev != EV_TICK || finished(p))
		return HSM_UNHANDLED;
	p->ops->sleep_us(p->io, PAUSE_US);
	err = try_write(m);
	if (err == 0)
		hsm_transition(m, &ps_streaming);
	else if (err == -EAGAIN)
		on_full(m);
	return HSM_HANDLED;
}

static int throttled_handle(struct hsm *m, int ev)
{
	struct producer *p = P(m);

	if (ev != EV_TICK || finished(p))
		return HSM_UNHANDLED;
	p->ops->sleep_us(p->io, THROTTLE_US);
	if (p->ops->depth(p->io) * 2 < p->ops->capacity(p->io)) {
		p->full_streak = 0;
		p->next_ns = p->ops->now_ns(p->io);
		hsm_transition(m, &ps_streaming);
		return HSM_HANDLED;
	}
	try_write(m); /* one frame per 5 ms meanwhile; stay until the depth falls */
	return HSM_HANDLED;
}

const struct hsm_state ps_operational = { "Operational", NULL, NULL, NULL, NULL };
const struct hsm_state ps_init = { "Init", &ps_operational, init_entry, NULL, NULL };
const struct hsm_state ps_running = { "Running", &ps_operational, NULL, NULL, running_handle };
const struct hsm_state ps_streaming = { "Streaming", &ps_running, NULL, NULL, streaming_handle };
const struct hsm_state ps_paused = { "Paused", &ps_running, NULL, NULL, paused_handle };
const struct hsm_state ps_throttled = { "Throttled", &ps_running, NULL, NULL, throttled_handle };
const struct hsm_state ps_error = { "Error", &ps_operational, error_entry, NULL, NULL };
const struct hsm_state ps_done = { "Done", &ps_operational, done_entry, NULL, NULL };

static const struct hsm_state *const leaves[] = { &ps_init,	 &ps_streaming, &ps_paused,
						  &ps_throttled, &ps_error,	&ps_done };

static void on_transition(struct hsm *m, const struct hsm_state *from, const struct hsm_state *to)
{
	struct producer *p = P(m);

	p->transitions++;
	if (p->trace)
		p->trace(p, from ? from->name : "(start)", to->name);
}

void producer_start(struct producer *p)
{
	p->sm.on_transition = on_transition;
	hsm_start(&p->sm, &ps_init, p);
}

int producer_step(struct producer *p)
{
	if (p->sm.current == &ps_done)
		return 1;
	hsm_dispatch(&p->sm, EV_TICK);
	return p->sm.current == &ps_done;
}

int producer_state_index(const struct producer *p)
{
	size_t i;

	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		if (p->sm.current == leaves[i])
			return (int)i;
	return -1;
}

const char *producer_state_name(int index)
{
	if (index < 0 || (size_t)index >= sizeof(leaves) / sizeof(leaves[0]))
		return "?";
	return leaves[index]->name;
}
