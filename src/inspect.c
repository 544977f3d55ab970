/* SPDX-License-Identifier: MIT */
/* Inspection: describe a channel from its header, without joining it. */
#include <string.h>

#include "channel_pvt.h"
#include "segment_pvt.h"
#include "registry_pvt.h"
#include "kind_pvt.h"
#include "shmchan/inspect.h"

/* Returns the owner value read, so the caller can tell a gone entry. */
static uint64_t peer_info(const struct shmchan__peer *p, struct shmchan__judge j,
			  struct shmchan_peer_info *out)
{
	/* Acquire: pairs with the release stores of the owner word. */
	uint64_t o = atomic_load_explicit(&p->owner, memory_order_acquire);

	out->pid = (int32_t)SHMCHAN__OWN_PID(o);
	out->start_time = atomic_load_explicit(&p->start_time, memory_order_acquire);
	out->alive = out->pid != 0 && !shmchan__peer_dead(p, j);
	/* Relaxed: statistics, a snapshot. */
	out->messages = atomic_load_explicit(&p->messages, memory_order_relaxed);
	out->events = atomic_load_explicit(&p->events, memory_order_relaxed);
	return o;
}

/* The readers of a kind with many (subscribers[]): who, and what they
 * read; the kind adds its own (kind_pvt.h describe). */
static void describe_subs(const struct shmchan__chan_hdr *h, struct shmchan__judge j,
			  struct shmchan_info *info, struct shmchan__rows *rows)
{
	int i;

	/* Relaxed: statistics, a snapshot; before the scan (struct rows). */
	rows->retired_lost = atomic_load_explicit(&h->retired_lost, memory_order_relaxed);
	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++) {
		const struct shmchan__peer *p = &h->subscribers[i];
		uint32_t n = info->nsubscribers;
		struct shmchan_peer_info *s = &info->subscribers[n];
		uint64_t o = peer_info(p, j, s);

		if (s->pid == 0)
			continue;
		rows->owner[n] = o;
		/* Relaxed: statistics, read with the row's owner word. */
		rows->claim[n] = atomic_load_explicit(&p->claim, memory_order_relaxed);
		rows->aux[n] = atomic_load_explicit(&p->aux, memory_order_relaxed);
		info->nsubscribers++;
		if (s->alive)
			info->stale = 0;
		/* A dead entry already accounted for is in the retired totals. */
		if (o & SHMCHAN__OWN_DEAD)
			continue;
		info->read += s->messages;
		info->abandoned += s->events;
	}
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Fill @info from a validated header whose checked identity is @id. */
static void describe(const struct shmchan__chan_hdr *h, const struct shmchan__id *id, size_t size,
		     struct shmchan__judge j, struct shmchan_info *info)
{
	const struct shmchan__kind *k = shmchan__kind_find(id->kind);
	struct shmchan__rows rows = { { 0 }, { 0 }, { 0 }, 0 };
	uint64_t o;
	int i;

	memset(info, 0, sizeof(*info));
	info->kind = id->kind;
	info->slot_size = id->slot_size;
	info->slot_count = id->slot_count;
	info->size = size;
	info->state = atomic_load_explicit(&h->state, memory_order_acquire);
	info->written = atomic_load_explicit(&h->retired_written, memory_order_relaxed);
	info->read = atomic_load_explicit(&h->retired_read, memory_order_relaxed);
	info->full_events = atomic_load_explicit(&h->retired_full, memory_order_relaxed);
	info->abandoned = atomic_load_explicit(&h->retired_abandoned, memory_order_relaxed);
	info->max_depth = atomic_load_explicit(&h->retired_max_depth, memory_order_relaxed);
	o = peer_info(&h->reader, j, &info->reader);
	info->stale = !info->reader.alive;
	if (info->reader.pid && !(o & SHMCHAN__OWN_DEAD)) {
		info->read += info->reader.messages;
		info->abandoned += info->reader.events;
		info->max_depth = max_u64(info->max_depth, atomic_load(&h->reader.max_depth));
	}
	for (i = 0; i < SHMCHAN_MAX_WRITERS; i++) {
		const struct shmchan__peer *p = &h->writers[i];
		struct shmchan_peer_info *w = &info->writers[info->nwriters];

		o = peer_info(p, j, w);
		if (w->pid == 0)
			continue;
		info->nwriters++;
		if (w->alive)
			info->stale = 0;
		/* A dead entry already accounted for is in the retired totals. */
		if (o & SHMCHAN__OWN_DEAD)
			continue;
		info->written += w->messages;
		info->full_events += w->events;
		info->max_depth = max_u64(info->max_depth, atomic_load(&p->max_depth));
	}
	if (k->reader->many)
		describe_subs(h, j, info, &rows);
	/* The kind's own: depth, policy, subscribers' positions. */
	k->ring->describe(h, id, &rows, info);
}

_Static_assert(sizeof(struct shmchan_info) == SHMCHAN_INFO_MIN_SIZE,
	       "info version 1; a later version appends and keeps MIN_SIZE");

/* Whether @info is a size-prefixed struct this library can fill. */
static int info_ok(const struct shmchan_info *info)
{
	return info && info->struct_size >= SHMCHAN_INFO_MIN_SIZE;
}

/* Hand the filled @full over to the caller's @info, as much as it has room
 * for (a caller built against an older, shorter struct gets its prefix). */
static void deliver(struct shmchan_info *info, struct shmchan_info *full)
{
	size_t n = info->struct_size < sizeof(*full) ? info->struct_size : sizeof(*full);

	full->struct_size = (uint32_t)n;
	full->version = SHMCHAN_INFO_VERSION;
	memcpy(info, full, n);
}

int shmchan_inspect(const char *name, struct shmchan_info *info)
{
	static const struct shmchan__mem ro = { SHMCHAN__MEM_RDONLY, 0 };
	struct shmchan_segment seg;
	struct shmchan_info full;
	struct shmchan__id id;
	int err;

	if (!info_ok(info))
		return -EINVAL;
	err = shmchan_segment_open(&seg, name);
	/* An observer with read permission only: inspecting reads the header
	 * and nothing else (liveness through F_OFD_GETLK, which needs no
	 * write access), so a read-only mapping does. */
	if (err == -EACCES)
		err = shmchan__segment_open(&seg, name, &ro);
	if (err)
		return err;
	err = shmchan__validate(&seg, NULL, &id);
	if (err == 0 || err == -ENOTSUP) {
		struct shmchan__judge j = { seg.fd, seg.addr, NULL };

		describe(seg.addr, &id, seg.size, j, &full);
		deliver(info, &full);
		err = 0;
	}
	shmchan_segment_close(&seg);
	return err;
}

int shmchan_channel_info(const struct shmchan_channel *pub, struct shmchan_info *info)
{
	const struct shmchan__handle *ch = shmchan__chandle_of(pub);
	struct shmchan_info full;
	struct shmchan__id id;

	if (!ch || !ch->hdr || !info_ok(info))
		return -EINVAL;
	/* newosp's format has no header or registry to describe. */
	if (shmchan__foreign(ch))
		return -ENOTSUP;
	memset(&id, 0, sizeof(id));
	/* The handle's validated geometry, not a new read of the header. */
	id.kind = ch->kind;
	id.slot_size = ch->ring.slot_size;
	id.slot_count = ch->ring.slot_count;
	id.flags = ch->flags;
	describe(ch->hdr, &id, ch->seg.size, shmchan__judge_of(ch), &full);
	deliver(info, &full);
	return 0;
}
