/* SPDX-License-Identifier: MIT */
/*
 * The producer's state machine (section 5.2 of the article):
 *
 *   Operational
 *   |-- Init       create the channel, prepare the frames
 *   |-- Running
 *   |   |-- Streaming  write frames, paced by --fps or unlimited
 *   |   |-- Paused     the ring was full: retry every 200 us
 *   |   `-- Throttled  full 3 times in a row: one frame per 5 ms until the
 *   |                  depth falls below half
 *   |-- Error      a failure: back to Init, at most 3 times
 *   `-- Done       end the stream, print statistics, remove the channel
 *
 * A ring that stays full for max_stall_ns (nobody reads) also ends the run,
 * as failed, with -ETIMEDOUT: the producer never waits forever.
 *
 * Everything outside the machine goes through struct producer_ops, so the
 * tests drive it with fakes (a ring that fills, an open that fails).
 */
#ifndef PRODUCER_SM_H
#define PRODUCER_SM_H

#include <stdint.h>

#include "hsm.h"

#define PAUSE_US 200
#define THROTTLE_US 5000
#define FULL_STREAK_THROTTLE 3
#define MAX_INIT_RETRIES 3
/* A ring that stays full this long (no reader) ends the run as failed. */
#define DEFAULT_MAX_STALL_NS 10000000000ull

struct producer_ops {
	int (*open)(void *io);			    /* 0 or negative errno */
	int (*write_frame)(void *io, uint32_t seq); /* 0, -EAGAIN (full), or an error */
	int (*depth)(void *io);
	int (*capacity)(void *io);
	void (*close)(void *io, int finished); /* finished: end the stream and remove it */
	void (*sleep_us)(void *io, unsigned us);
	uint64_t (*now_ns)(void *io);
};

struct producer {
	struct hsm sm;
	const struct producer_ops *ops;
	void *io;
	uint32_t total; /* frames to send (0: until stopped) */
	uint32_t fps;	/* 0: unlimited */
	uint32_t sent;	/* frames written */
	uint32_t full_streak;
	uint32_t full_events;
	uint32_t retries; /* Error -> Init retries used */
	int last_error;
	int failed;	       /* Done after giving up */
	int stop;	       /* set to end early (a signal) */
	uint64_t next_ns;      /* pacing: when the next frame is due */
	uint64_t full_since;   /* when the current run of full attempts began */
	uint64_t max_stall_ns; /* 0: DEFAULT_MAX_STALL_NS */
	uint64_t transitions;
	void (*trace)(struct producer *p, const char *from, const char *to);
};

extern const struct hsm_state ps_operational, ps_init, ps_running, ps_streaming, ps_paused,
	ps_throttled, ps_error, ps_done;

/* Start the machine in Init. */
void producer_start(struct producer *p);
/* Run one step (a tick). Returns 0 while running, 1 once Done. */
int producer_step(struct producer *p);
/* Index of the current leaf state (for the stats block), and its name. */
int producer_state_index(const struct producer *p);
const char *producer_state_name(int index);

#endif /* PRODUCER_SM_H */
