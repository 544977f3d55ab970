/* SPDX-License-Identifier: MIT */
/* Inspection: describe a channel from its header, without joining it. */
#include <string.h>

#include "channel_pvt.h"
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

/* Broadcast: the subscribers' positions and losses; depth from the slowest
 * live one. Work queue: its readers. */
static void describe_subs(const struct shmchan__chan_hdr *h, const struct shmchan__id *id,
			  struct shmchan__judge j, struct shmchan_info *info)
{
	const struct shmchan__bring_hdr *bh = (const void *)((const char *)h + SHMCHAN__HDR_SPACE);
	uint64_t min = UINT64_MAX, o;
	int i;

	info->lost = atomic_load_explicit(&h->retired_lost, memory_order_relaxed);
	if (id->kind == SHMCHAN_KIND_BROADCAST) {
		info->policy = id->flags;
		/* Relaxed: a snapshot. */
		info->tail = atomic_load_explicit(&bh->tail, memory_order_relaxed);
	}
	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++) {
		const struct shmchan__peer *p = &h->subscribers[i];
		struct shmchan_peer_info *s = &info->subscribers[info->nsubscribers];

		o = peer_info(p, j, s);
		if (s->pid == 0)
			continue;
		info->nsubscribers++;
		if (s->alive)
			info->stale = 0;
		if (o & SHMCHAN__OWN_DEAD)
			continue;
		/* Relaxed: statistics, a snapshot. */
		s->lost = atomic_load_explicit(&p->aux, memory_order_relaxed);
		info->read += s->messages;
		info->abandoned += s->events;
		if (id->kind != SHMCHAN_KIND_BROADCAST)
			continue;
		info->lost += s->lost;
		s->cursor = atomic_load_explicit(&p->claim, memory_order_relaxed);
		if (s->alive && !(o & SHMCHAN__OWN_FILLING) && s->cursor < min)
			min = s->cursor;
	}
	if (id->kind == SHMCHAN_KIND_BROADCAST) {
		uint64_t d = min == UINT64_MAX || info->tail <= min ? 0 : info->tail - min;

		info->depth = d > id->slot_count ? id->slot_count : (uint32_t)d;
		info->depth_bytes = (uint64_t)info->depth * id->slot_size;
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
	const struct shmchan__ring_hdr *rh = (const void *)((const char *)h + SHMCHAN__HDR_SPACE);
	uint64_t o;
	uint32_t d;
	int i;

	memset(info, 0, sizeof(*info));
	info->kind = id->kind;
	info->slot_size = id->slot_size;
	info->slot_count = id->slot_count;
	info->size = size;
	info->state = atomic_load_explicit(&h->state, memory_order_acquire);
	/* Relaxed: a snapshot, clamped like shmchan_ring_depth(). Head and
	 * tail sit at the same offsets in both ring kinds. */
	d = atomic_load_explicit(&rh->tail, memory_order_relaxed) -
	    atomic_load_explicit(&rh->head, memory_order_relaxed);
	d = (int32_t)d < 0 ? 0 : (d > id->slot_count ? id->slot_count : d);
	if (id->kind == SHMCHAN_KIND_RECORD) {
		uint64_t w, r, n;

		/* Records: d is bytes; messages come from the counters. */
		info->depth_bytes = d;
		shmchan__totals((struct shmchan__chan_hdr *)h, &w, &r);
		n = (w > r ? w - r : 0) + shmchan__claims_active((struct shmchan__chan_hdr *)h);
		info->depth = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	} else {
		info->depth = d;
		info->depth_bytes = (uint64_t)d * id->slot_size;
	}
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
	if (SHMCHAN__MULTI_READER(id->kind))
		describe_subs(h, id, j, info);
	if (id->kind != SHMCHAN_KIND_RECORD && info->max_depth > id->slot_count)
		info->max_depth = id->slot_count;
}

int shmchan_inspect(const char *name, struct shmchan_info *info)
{
	struct shmchan_segment seg;
	struct shmchan__id id;
	int err;

	if (!info)
		return -EINVAL;
	err = shmchan_segment_open(&seg, name);
	if (err)
		return err;
	err = shmchan__validate(&seg, NULL, &id);
	if (err == 0 || err == -ENOTSUP) {
		struct shmchan__judge j = { seg.fd, seg.addr, NULL };

		describe(seg.addr, &id, seg.size, j, info);
		err = 0;
	}
	shmchan_segment_close(&seg);
	return err;
}

int shmchan_channel_info(const struct shmchan_channel *pub, struct shmchan_info *info)
{
	const struct shmchan__handle *ch = shmchan__chandle_of(pub);
	struct shmchan__id id;

	if (!ch || !ch->hdr || !info)
		return -EINVAL;
	memset(&id, 0, sizeof(id));
	/* The handle's validated geometry, not a new read of the header. */
	id.kind = ch->kind;
	id.slot_size = ch->ring.slot_size;
	id.slot_count = ch->ring.slot_count;
	id.flags = ch->flags;
	describe(ch->hdr, &id, ch->seg.size, shmchan__judge_of(ch), info);
	return 0;
}
