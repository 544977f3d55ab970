/* SPDX-License-Identifier: MIT */
/*
 * Internal: the message calls of one class of handle. Not installed.
 *
 * channel_api.c runs every public message call through the table of the
 * handle's class, chosen by its role: channel_io.c's for writers and
 * readers of shmchan channels, observe.c's for read-only observers,
 * newosp.c's for channels in newosp's format. Each entry returns as the
 * public call of the same name (channel.h) does; the tables are const, so
 * no pointer the library calls through sits in writable memory.
 */
#ifndef SHMCHAN_CALLS_PVT_H
#define SHMCHAN_CALLS_PVT_H

#include <stddef.h>

#include "handle_pvt.h"

struct shmchan__calls {
	int (*write)(struct shmchan__handle *ch, const void *data, size_t len);
	int (*reserve)(struct shmchan__handle *ch, size_t len, void **data);
	int (*commit)(struct shmchan__handle *ch, size_t len);
	int (*cancel)(struct shmchan__handle *ch);
	int (*read)(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len);
	int (*peek)(struct shmchan__handle *ch, const void **data, size_t *len);
	int (*release)(struct shmchan__handle *ch, const void *view);
	int (*held)(const struct shmchan__handle *ch);
	int (*wait_readable)(struct shmchan__handle *ch, int timeout_ms);
	int (*wait_writable)(struct shmchan__handle *ch, int timeout_ms);
	int (*wait_writable_len)(struct shmchan__handle *ch, size_t len, int timeout_ms);
	int (*send)(struct shmchan__handle *ch, const void *data, size_t len, int timeout_ms);
	int (*recv)(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len, int timeout_ms);
	int (*reserve_wait)(struct shmchan__handle *ch, size_t len, void **data, int timeout_ms);
	int (*peek_wait)(struct shmchan__handle *ch, const void **data, size_t *len,
			 int timeout_ms);
	int (*wait_for_readers)(struct shmchan__handle *ch, unsigned n, int timeout_ms);
	int (*wait_for_writer)(struct shmchan__handle *ch, int timeout_ms);
};

struct shmchan__deadline;

/* How a class of handle takes a message without waiting, and waits for one
 * (its wait: 0 once a message, or an error to report, may be there;
 * -ETIMEDOUT at the deadline; or another error). */
struct shmchan__taker {
	int (*read)(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len);
	int (*peek)(struct shmchan__handle *ch, const void **data, size_t *len);
	int (*wait)(struct shmchan__handle *ch, const struct shmchan__deadline *dl);
};

/* recv (@view NULL) or peek_wait through @t (calls.c): take, and while
 * that finds nothing (-EAGAIN) wait and take again, up to @timeout_ms.
 * Bounded: every round takes a message, reports an error, or waits until
 * the deadline. -EINVAL for a timeout below -1. */
int shmchan__take_wait(struct shmchan__handle *ch, const struct shmchan__taker *t, void *buf,
		       size_t cap, const void **view, size_t *len, int timeout_ms);

extern const struct shmchan__calls shmchan__io_calls;
extern const struct shmchan__calls shmchan__obs_calls;
extern const struct shmchan__calls shmchan__osp_calls;

#endif /* SHMCHAN_CALLS_PVT_H */
