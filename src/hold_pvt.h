/* SPDX-License-Identifier: MIT */
/*
 * Internal: the messages a reader holds (peeked, not yet released). Not
 * installed.
 *
 * A reader opened with config.hold > 1 may peek several messages before it
 * releases any, and release them in any order. Its kind keeps, in the
 * handle, one entry per held message: its position and what the kind needs
 * to release it (broadcast: the slot's sequence when peeked; records: the
 * span). Peeks go in the order of positions, so the entries are sorted by
 * position, oldest first; a release removes one entry wherever it is.
 *
 * What the ring sees: the reader's shared position (the one writers wait
 * for and a successor starts from) stays at the oldest held message, while
 * the handle's own position (the ring handle's head, the broadcast cursor)
 * goes on past it. Space is therefore freed in order: a release of the
 * oldest entry moves the shared position to the next entry still held (or
 * to the handle's own position when none is); a release of another entry
 * only marks that message done in the ring, so that a successor taking
 * over after this reader's death steps over it instead of delivering it
 * again (slot rings: its sequence says released; record rings: its header
 * says discarded; broadcast has no successor).
 */
#ifndef SHMCHAN_HOLD_PVT_H
#define SHMCHAN_HOLD_PVT_H

#include <stdint.h>
#include <string.h>

#include "shmchan/channel.h"

struct shmchan__held {
	uint64_t pos; /* the message's position (record rings: its offset) */
	uint64_t aux; /* broadcast: the sequence seen; records: the span */
};

struct shmchan__holds {
	uint32_t max; /* the most held at once: 1 to SHMCHAN_MAX_HOLD */
	uint32_t n;   /* held now */
	struct shmchan__held e[SHMCHAN_MAX_HOLD];
};

/* Whether another peek would exceed the handle's limit. */
static inline int shmchan__holds_full(const struct shmchan__holds *h)
{
	return h->n >= (h->max ? h->max : 1);
}

/* Whether a copying read must wait for the release (the single-hold
 * handles of before multi-hold: a read with a peek outstanding is
 * -EALREADY). */
static inline int shmchan__holds_block_read(const struct shmchan__holds *h)
{
	return h->n > 0 && h->max <= 1;
}

/* Note a message just peeked (the newest held). */
static inline void shmchan__holds_add(struct shmchan__holds *h, uint64_t pos, uint64_t aux)
{
	if (h->n < SHMCHAN_MAX_HOLD) {
		h->e[h->n].pos = pos;
		h->e[h->n].aux = aux;
		h->n++;
	}
}

/* The index of the held message whose view is @view (NULL: the oldest),
 * or -1; @view_of gives the view of a position of ring @r. */
static inline int shmchan__holds_find(const struct shmchan__holds *h, const void *view,
				      const void *(*view_of)(const struct shmchan_ring *, uint64_t),
				      const struct shmchan_ring *r)
{
	uint32_t i;

	if (!view)
		return h->n ? 0 : -1;
	for (i = 0; i < h->n; i++)
		if (view_of(r, h->e[i].pos) == view)
			return (int)i;
	return -1;
}

/* Forget entry @i (0 is the oldest). */
static inline void shmchan__holds_drop(struct shmchan__holds *h, uint32_t i)
{
	if (i >= h->n)
		return;
	memmove(&h->e[i], &h->e[i + 1], (size_t)(h->n - i - 1) * sizeof(h->e[0]));
	h->n--;
}

#endif /* SHMCHAN_HOLD_PVT_H */
