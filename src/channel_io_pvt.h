/* SPDX-License-Identifier: MIT */
/*
 * Internal: the message calls of channel_io.c, without the one-call-at-a-
 * time guard that channel_api.c puts around each public entry point. Each
 * behaves, and returns, as the public call of the same name (channel.h).
 * Not installed.
 */
#ifndef SHMCHAN_CHANNEL_IO_PVT_H
#define SHMCHAN_CHANNEL_IO_PVT_H

#include <stddef.h>

#include "handle_pvt.h"
#include "wait_pvt.h"

int shmchan__io_write(struct shmchan__handle *ch, const void *data, size_t len);
int shmchan__io_reserve(struct shmchan__handle *ch, size_t len, void **data);
int shmchan__io_commit(struct shmchan__handle *ch, size_t len);
int shmchan__io_cancel(struct shmchan__handle *ch);
int shmchan__io_read(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len);
int shmchan__io_peek(struct shmchan__handle *ch, const void **data, size_t *len);
int shmchan__io_release(struct shmchan__handle *ch, const void *view);
int shmchan__io_held(const struct shmchan__handle *ch);
int shmchan__io_wait_readable(struct shmchan__handle *ch, int timeout_ms);
int shmchan__io_wait_writable(struct shmchan__handle *ch, int timeout_ms);
int shmchan__io_wait_writable_len(struct shmchan__handle *ch, size_t len, int timeout_ms);
int shmchan__io_send(struct shmchan__handle *ch, const void *data, size_t len, int timeout_ms);
int shmchan__io_recv(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len,
		     int timeout_ms);
int shmchan__io_reserve_wait(struct shmchan__handle *ch, size_t len, void **data, int timeout_ms);
int shmchan__io_peek_wait(struct shmchan__handle *ch, const void **data, size_t *len,
			  int timeout_ms);
int shmchan__io_wait_for_readers(struct shmchan__handle *ch, unsigned n, int timeout_ms);
int shmchan__io_wait_for_writer(struct shmchan__handle *ch, int timeout_ms);
/* Arm @ch's descriptor (poll.c) with its role's re-check; 1 if that found
 * the channel ready (the caller makes the descriptor readable), else 0. */
int shmchan__io_poll_arm(struct shmchan__handle *ch);
/* Wait sets (waitset.c). Whether @ch (a reader, or a writer) is ready as
 * its own wait would see it (the slow re-check, seq_cst: usable as W3 of
 * wait.c): 1, 0, or SHMCHAN__READY_SOON. */
int shmchan__io_ready(struct shmchan__handle *ch);
/* The wait queue @ch sleeps on, and the bit of its owner word that marks
 * it counted there (wait.c shmchan__wait's @owner and @sleep_bit). */
struct shmchan__waitq shmchan__io_sleep_queue(struct shmchan__handle *ch, uint64_t *sleep_bit);
/* The depth, as shmchan_channel_depth(). */
int shmchan__depth(const struct shmchan__handle *ch);

#endif /* SHMCHAN_CHANNEL_IO_PVT_H */
