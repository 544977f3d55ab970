/* SPDX-License-Identifier: MIT */
/* Relative timeouts measured on CLOCK_MONOTONIC. */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "wait_pvt.h"

int64_t shmchan__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void shmchan__deadline_init(struct shmchan__deadline *d, int timeout_ms)
{
	d->end_ns = timeout_ms < 0 ? -1 : shmchan__now_ns() + (int64_t)timeout_ms * 1000000;
}

int64_t shmchan__deadline_left(const struct shmchan__deadline *d)
{
	int64_t left;

	if (d->end_ns < 0)
		return INT64_MAX;
	left = d->end_ns - shmchan__now_ns();
	return left > 0 ? left : 0;
}

void shmchan__deadline_sleep(const struct shmchan__deadline *d, int64_t ns)
{
	int64_t left = shmchan__deadline_left(d);
	struct timespec ts, rem;

	if (ns > left)
		ns = left;
	if (ns <= 0)
		return;
	ts.tv_sec = (time_t)(ns / 1000000000);
	ts.tv_nsec = (long)(ns % 1000000000);
	/* A signal interrupts nanosleep: resume with what is left. */
	while (nanosleep(&ts, &rem) != 0 && errno == EINTR)
		ts = rem;
}
