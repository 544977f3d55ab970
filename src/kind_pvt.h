/* SPDX-License-Identifier: MIT */
/*
 * Internal: one table of operations per channel kind. Not installed.
 *
 * The generic channel layer (channel.c, channel_io.c, registry.c,
 * inspect.c, wake.c) finds the table of a handle's kind from the kind id
 * validated at open (shmchan__kind_of), and calls through it; it never tests
 * a kind itself (tests/test_layering.sh checks that). A kind is what its
 * ring looks like (geometry, init, attach, depth, what the tool shows), what
 * its writers do and what its readers do: writers and readers are separate
 * operation sets, so a work queue is "slot writer + competing reader" in one
 * line of kind.c. Each kind's operations live with the rest of that kind:
 * kind_slot.c (slot rings; work-queue writers too), kind_record.c,
 * kind_bcast.c, kind_wq.c. Adding a kind is one file and one line of
 * kind.c. The tables are const: no pointer the library calls through sits
 * in writable memory. An optional operation left NULL means "nothing to do".
 */
#ifndef SHMCHAN_KIND_PVT_H
#define SHMCHAN_KIND_PVT_H

#include <stddef.h>
#include <stdint.h>

#include "channel_pvt.h"
#include "handle_pvt.h"
#include "registry_pvt.h"
#include "shmchan/inspect.h"

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
	/* A writer waiting for a reader saw one present (optional). */
	void (*reader_seen)(struct shmchan__handle *ch);
	/* Whether a publish also wakes writers (broadcast: the writer a lap
	 * later waits for this very slot). */
	int publish_wakes_writers;
	/* Ring handle state these writers set at attach (SHMCHAN__RING_WQ:
	 * work-queue writers step over slots held by readers, wqueue.c). */
	uint32_t ring_mode;
};

struct shmchan__reader_ops {
	int (*pop)(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len);
	int (*peek)(struct shmchan__handle *ch, const void **data, size_t *len);
	/* Release the held message whose view is @view (NULL: the oldest). */
	int (*release)(struct shmchan__handle *ch, const void *view);
	/* 1 if a read would find something (a message, or an error to report). */
	int (*readable)(struct shmchan__handle *ch);
	/* What is at the reader's position: SHMCHAN__HEAD_* (ring_pvt.h). */
	int (*head)(struct shmchan__handle *ch, uint32_t *pos);
	/* Join the channel as its reader (a subscriber, one of competing
	 * readers): take a registry entry (registry.c) and find the start.
	 * @flags: shmchan_channel_subscribe's, with SHMCHAN__SUB_ANY set when
	 * the call was a subscribe (SHMCHAN_EKIND for a kind without). */
	int (*join)(struct shmchan__handle *ch, unsigned flags);
	/* Attach as a read-only observer (SHMCHAN_SUB_OBSERVE): find the start
	 * (@flags as for join) without writing to the segment; the handle has
	 * no registry entry (ch->self NULL) and its pop, peek, release and
	 * readable write nothing either. NULL: the kind cannot be observed
	 * (SHMCHAN_EKIND). */
	int (*observe)(struct shmchan__handle *ch, unsigned flags);
	/* Step over the claim at @pos, of a writer judged dead (@live 0) or,
	 * test hook, alive; @extent: the span its claim covers (records).
	 * Returns 0, -EAGAIN if the claim changed meanwhile (read again), or
	 * -EBUSY (wait: records, whose live claimant gives a marked record
	 * back, or whose commit meanwhile wakes the reader). */
	int (*skip)(struct shmchan__handle *ch, uint32_t pos, uint32_t extent, int live);
	/* Give back the slot of stepped-over position @pos, whose claimant is
	 * gone (slot rings; a no-op for rings that free what they skip). */
	void (*reclaim)(struct shmchan__handle *ch, uint32_t pos);
	/* Whether a reader gone with claim word @claim still holds a message
	 * to be delivered again (work queues); its entry is kept until then. */
	int (*hold_pending)(const struct shmchan__handle *ch, uint64_t claim);
	/* A claim at @pos that no registry entry names is stepped over: 1 with
	 * *@extent the span to step (records: as its header recorded), or 0
	 * if the span is not known (wait). */
	int (*orphan_extent)(struct shmchan__handle *ch, uint32_t pos, uint32_t *extent);
	/* Take over a message held by a reader gone (optional; work queues):
	 * 1 if one is now ours, 2 if one is held but another reader was
	 * taking it (look again), else 0. */
	int (*adopt)(struct shmchan__handle *ch);
	/* What moves whenever this reader frees room in the ring: writers
	 * waiting for space are woken when a call moved it. */
	uint32_t (*progress)(const struct shmchan__handle *ch);
	/* Whether this reader, closing now, leaves a message held for another
	 * reader to deliver (its entry stays claimed until then). */
	int (*leave_holds)(const struct shmchan__handle *ch);
	/* Whether a reader gone may let writers on (broadcast BLOCK gate). */
	int leave_wakes_writers;
	/* Whether reads sample the depth for max_depth (cheap for the kind). */
	int samples_depth;
	/* Whether readers are many, each holding an entry of subscribers[]
	 * (else one, holding the reader entry). */
	int many;
	/* Whether a reader may hold several messages (config.hold > 1). */
	int holds_many;
};

/* The subscriber entries inspect.c described, row by row of
 * info->subscribers: the owner word it read for each and, right after it,
 * the entry's claim and aux words (relaxed: statistics), and the retired
 * losses read before the scan, so that a peer leaving meanwhile is counted
 * once at most. */
struct shmchan__rows {
	uint64_t owner[SHMCHAN_MAX_SUBSCRIBERS];
	uint64_t claim[SHMCHAN_MAX_SUBSCRIBERS];
	uint64_t aux[SHMCHAN_MAX_SUBSCRIBERS];
	uint64_t retired_lost;
};

struct shmchan__why; /* config_pvt.h */

/* The geometry of a channel being created, from its config. */
struct shmchan__geom {
	uint32_t size;	/* header's slot_size: bytes per slot, largest record */
	uint32_t count; /* header's slot_count: slots, buffer bytes */
	uint32_t flags; /* header's flags: broadcast policy, else 0 */
};

/* What a kind's ring is, for the lifecycle (channel.c), the tool
 * (inspect.c) and the handle's queries (channel_io.c). */
struct shmchan__ring_ops {
	/* Check @cfg's geometry and policy for a new channel, fill *@g.
	 * Returns 0 or -EINVAL, with the reason written into @w
	 * (config_pvt.h; @w may be NULL). */
	int (*geometry)(const struct shmchan_config *cfg, struct shmchan__geom *g,
			struct shmchan__why *w);
	/* Bytes of ring a header's geometry needs, 0 if it is not valid. */
	size_t (*memsize)(uint32_t size, uint32_t count);
	/* Whether header flags @flags are valid for the kind. */
	int (*flags_ok)(uint32_t flags);
	/* Whether @expect's geometry (slot_size, slot_count, buffer_size)
	 * matches the checked identity @id: 0 or SHMCHAN_EGEOMETRY. */
	int (*expect)(const struct shmchan__id *id, const struct shmchan_config *expect);
	/* Lay out an empty ring in @ring (@ring_size bytes, zero-filled). */
	int (*init)(void *ring, size_t ring_size, const struct shmchan__geom *g);
	/* Attach the handle's ring at @ring (@size bytes, the file's rest). */
	int (*attach)(struct shmchan__handle *ch, void *ring, size_t size);
	/* Fill @out's geometry from the handle's validated copy. */
	void (*config)(const struct shmchan__handle *ch, struct shmchan_config *out);
	/* As shmchan_channel_depth() and _depth_bytes(), for an open handle. */
	int (*depth)(const struct shmchan__handle *ch);
	int64_t (*depth_bytes)(const struct shmchan__handle *ch);
	/* As shmchan_channel_lost() (optional: -ENOTSUP without). */
	int (*lost)(const struct shmchan__handle *ch, uint64_t *lost);
	/* Fill what is the kind's own in @info (depth, policy, subscribers'
	 * positions), from header @h whose checked identity is @id and the
	 * ring after it. The generic fields are filled first; @rows names the
	 * entry of each row of info->subscribers. */
	void (*describe)(const struct shmchan__chan_hdr *h, const struct shmchan__id *id,
			 const struct shmchan__rows *rows, struct shmchan_info *info);
};

struct shmchan__kind {
	const struct shmchan__ring_ops *ring;
	const struct shmchan__writer_ops *writer;
	const struct shmchan__reader_ops *reader;
};

/* The table of kind @kind, a kind id checked at open. */
const struct shmchan__kind *shmchan__kind_of(uint32_t kind);
/* The table of kind id @kind (read from a header or a config), or NULL if
 * no such kind exists. */
const struct shmchan__kind *shmchan__kind_find(uint32_t kind);
/* The kind id a config's kind field names (0: the default kind). */
uint32_t shmchan__kind_resolve(uint32_t config_kind);

/* SHMCHAN__SUB_ANY in a reader join's flags: the open was a subscribe. */
#define SHMCHAN__SUB_ANY 0x80000000u

extern const struct shmchan__ring_ops shmchan__slot_ring;
extern const struct shmchan__ring_ops shmchan__record_ring;
extern const struct shmchan__ring_ops shmchan__bcast_ring;
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
/* For readers whose ring steps one position at a time. */
int shmchan__one_extent(struct shmchan__handle *ch, uint32_t pos, uint32_t *extent);
/* For readers that never keep a message at close. */
int shmchan__no_leave_hold(const struct shmchan__handle *ch);
/* Slot-geometry rings (slot, work queue, broadcast): the geometry of a
 * config, its check against an expectation, a handle's config, and the
 * depth in bytes (depth times the slot size). */
int shmchan__slot_geometry(const struct shmchan_config *cfg, struct shmchan__geom *g,
			   struct shmchan__why *w);
int shmchan__slot_expect(const struct shmchan__id *id, const struct shmchan_config *expect);
void shmchan__slot_config(const struct shmchan__handle *ch, struct shmchan_config *out);
int64_t shmchan__slot_depth_bytes(const struct shmchan__handle *ch);
/* Slot rings (slot, work queue): depth from the ring header's head and
 * tail, clamped, into @info. */
void shmchan__slot_describe(const struct shmchan__chan_hdr *h, const struct shmchan__id *id,
			    const struct shmchan__rows *rows, struct shmchan_info *info);
/* Slot rings: the reader's start, at the oldest message not yet consumed. */
int shmchan__slot_join(struct shmchan__handle *ch, unsigned flags);
uint32_t shmchan__head_progress(const struct shmchan__handle *ch);

#endif /* SHMCHAN_KIND_PVT_H */
