/* SPDX-License-Identifier: MIT */
/* Record channels' operations (the record ring, rring.c). */
#include "kind_pvt.h"
#include "rring_pvt.h"

static int rec_push(struct shmchan__handle *ch, const void *data, size_t len)
{
	return shmchan__rring_push(&ch->ring, data, len);
}

static int rec_reserve(struct shmchan__handle *ch, size_t len, void **data)
{
	return shmchan__rring_reserve(&ch->ring, len, data);
}

static int rec_commit(struct shmchan__handle *ch, size_t len)
{
	return shmchan__rring_commit(&ch->ring, len);
}

static int rec_cancel(struct shmchan__handle *ch)
{
	return shmchan__rring_cancel(&ch->ring);
}

static int rec_writable(struct shmchan__handle *ch, size_t len, int slow)
{
	(void)slow;
	return shmchan__rring_writable(&ch->ring, len);
}

static int rec_claim_pending(const struct shmchan__handle *ch, uint32_t pos, uint32_t ext)
{
	/* Acquire, as the reader's load of it. */
	uint32_t head = atomic_load_explicit(
		&((const struct shmchan__rring_hdr *)ch->ring.hdr)->head, memory_order_acquire);

	return (int32_t)(pos + ext - head) > 0; /* head has not passed it */
}

static int rec_pop(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len)
{
	return shmchan__rring_pop(&ch->ring, buf, cap, len);
}

static int rec_peek(struct shmchan__handle *ch, const void **data, size_t *len)
{
	return shmchan__rring_peek(&ch->ring, data, len);
}

static int rec_release(struct shmchan__handle *ch)
{
	return shmchan__rring_release(&ch->ring);
}

static int rec_readable(struct shmchan__handle *ch)
{
	return shmchan__rring_readable(&ch->ring);
}

static int rec_head(struct shmchan__handle *ch, uint32_t *pos)
{
	return shmchan__rring_head(&ch->ring, pos);
}

/* A byte ring frees in order: a record whose producer may still write it
 * is marked and waited at (rring.c R5); a dead one's span is freed. */
static int rec_skip(struct shmchan__handle *ch, uint32_t pos, uint32_t extent, int live)
{
	return live ? shmchan__rring_step(&ch->ring, pos)
		    : shmchan__rring_skip_abandoned(&ch->ring, pos, extent);
}

const struct shmchan__writer_ops shmchan__record_writer = {
	rec_push, rec_reserve, rec_commit, rec_cancel, rec_writable, rec_claim_pending, 0,
};

const struct shmchan__reader_ops shmchan__record_reader = {
	rec_pop,  rec_peek, rec_release,	 rec_readable,
	rec_head, rec_skip, shmchan__no_reclaim, shmchan__no_hold,
};
