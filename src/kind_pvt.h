/* SPDX-License-Identifier: MIT */
/*
 * Internal: one table of operations per channel kind. Not installed.
 *
 * The channel layer (channel_io.c) finds the table of a handle's kind from
 * the kind id validated at open (shmchan__kind_of), and calls through it:
 * writers and readers are separate operation sets, so a kind is the pair of
 * what its writers and its readers do. Each kind's operations live with the
 * rest of that kind: kind_slot.c (slot rings; work-queue writers too),
 * kind_record.c, kind_bcast.c, kind_wq.c. The tables are const: no
 * pointer the library calls through sits in writable memory.
 */
#ifndef SHMCHAN_KIND_PVT_H
#define SHMCHAN_KIND_PVT_H

#include <stddef.h>
#include <stdint.h>

#include "handle_pvt.h"

/* Each returns as the channel call of the same name (channel.h) would. */
struct shmchan__writer_ops {
	int (*push)(struct shmchan__handle *ch, const void *data, size_t len);
	int (*reserve)(struct shmchan__handle *ch, size_t len, void **data);
	int (*commit)(struct shmchan__handle *ch, size_t len);
	int (*cancel)(struct shmchan__handle *ch);
	/* 1 if a message of @len bytes would find room, 0 if not, or
	 * SHMCHAN__READY_SOON (ask again soon); @slow: may make system calls. */
	int (*writable)(struct shmchan__handle *ch, size_t len, int slow);
	/* Whether the claim of a writer gone (closed or dead) of position
	 * @pos (low 32 bits; @ext: the span, records) still matters: its slot
	 * not yet committed, discarded, or given back. Its registry entry, whose
	 * claim word lets a reader resolve that slot, is kept until then. */
	int (*claim_pending)(const struct shmchan__handle *ch, uint32_t pos, uint32_t ext);
	/* Whether a publish also wakes writers (broadcast: the writer a lap
	 * later waits for this very slot). */
	int publish_wakes_writers;
};

struct shmchan__reader_ops {
	int (*pop)(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len);
	int (*peek)(struct shmchan__handle *ch, const void **data, size_t *len);
	int (*release)(struct shmchan__handle *ch);
	/* 1 if a read would find something (a message, or an error to report). */
	int (*readable)(struct shmchan__handle *ch);
	/* What is at the reader's position: SHMCHAN__HEAD_* (ring_pvt.h). */
	int (*head)(struct shmchan__handle *ch, uint32_t *pos);
	/* Step over the claim at @pos, of a writer judged dead (@live 0) or,
	 * test hook, alive; @extent: the span its claim covers (records).
	 * Returns 0, or -EAGAIN if the claim changed meanwhile. */
	int (*skip)(struct shmchan__handle *ch, uint32_t pos, uint32_t extent, int live);
	/* Give back the slot of stepped-over position @pos, whose claimant is
	 * gone (slot rings; a no-op for rings that free what they skip). */
	void (*reclaim)(struct shmchan__handle *ch, uint32_t pos);
	/* Whether a reader gone with claim word @claim still holds a message
	 * to be delivered again (work queues); its entry is kept until then. */
	int (*hold_pending)(const struct shmchan__handle *ch, uint64_t claim);
};

struct shmchan__kind {
	const struct shmchan__writer_ops *writer;
	const struct shmchan__reader_ops *reader;
};

/* The table of kind @kind, a kind id checked at open (1 to 4). */
const struct shmchan__kind *shmchan__kind_of(uint32_t kind);

extern const struct shmchan__writer_ops shmchan__slot_writer;
extern const struct shmchan__reader_ops shmchan__slot_reader;
extern const struct shmchan__writer_ops shmchan__wq_writer;
extern const struct shmchan__reader_ops shmchan__wq_reader;
extern const struct shmchan__writer_ops shmchan__record_writer;
extern const struct shmchan__reader_ops shmchan__record_reader;
extern const struct shmchan__writer_ops shmchan__bcast_writer;
extern const struct shmchan__reader_ops shmchan__bcast_reader;

/* Slot rings (work queues too): give back a stepped-over slot (ring.c S2). */
void shmchan__slot_reclaim(struct shmchan__handle *ch, uint32_t pos);
/* For rings that free what they skip: nothing to give back. */
void shmchan__no_reclaim(struct shmchan__handle *ch, uint32_t pos);
/* For readers that never hold a message for others to deliver. */
int shmchan__no_hold(const struct shmchan__handle *ch, uint64_t claim);

#endif /* SHMCHAN_KIND_PVT_H */
