/* SPDX-License-Identifier: MIT */
/*
 * Internal: read-only observers (observe.c). Not installed.
 *
 * A handle opened with SHMCHAN_SUB_OBSERVE maps the channel read-only and
 * takes no registry entry (role SHMCHAN__ROLE_OBSERVER, ch->self NULL). Its
 * kind's observe, pop, peek, release and readable ops read the segment and
 * write only the handle (kind_pvt.h). It cannot sleep on a futex, since the
 * sleep protocol counts sleepers in the segment and a publisher wakes only
 * counted ones: its waits poll, with BACKOFF's sleeps of 50 us doubling to
 * 1 ms. channel_api.c sends an observer's calls here.
 */
#ifndef SHMCHAN_OBSERVE_PVT_H
#define SHMCHAN_OBSERVE_PVT_H

#include "handle_pvt.h"

int shmchan__obs_read(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len);
int shmchan__obs_peek(struct shmchan__handle *ch, const void **data, size_t *len);
int shmchan__obs_release(struct shmchan__handle *ch, const void *view);
int shmchan__obs_wait_readable(struct shmchan__handle *ch, int timeout_ms);
int shmchan__obs_recv(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len,
		      int timeout_ms);
int shmchan__obs_peek_wait(struct shmchan__handle *ch, const void **data, size_t *len,
			   int timeout_ms);

#endif /* SHMCHAN_OBSERVE_PVT_H */
