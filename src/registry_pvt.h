/* SPDX-License-Identifier: MIT */
/*
 * Internal: the registry of peers (registry.c): joining and leaving a
 * channel, judging peers dead or alive, and the totals their entries keep.
 * The entries themselves are part of the channel's layout (channel_pvt.h).
 * Not installed.
 */
#ifndef SHMCHAN_REGISTRY_PVT_H
#define SHMCHAN_REGISTRY_PVT_H

#include <stdint.h>

#include "channel_pvt.h"
#include "handle_pvt.h"

/* The judge of a handle: its file, its header, its own entry. */
static inline struct shmchan__judge shmchan__judge_of(const struct shmchan__handle *ch)
{
	struct shmchan__judge j = { ch->seg.fd, ch->hdr, ch->self };

	return j;
}

/* registry.c: joining, leaving, and the dead. @claim0: the initial claim
 * word of the entry (a subscriber's first cursor; 0 otherwise). */
int shmchan__join(struct shmchan__handle *ch, uint32_t role, uint64_t claim0);
void shmchan__leave(struct shmchan__handle *ch);
/* Whether entry @p is held by a handle that no longer exists (live_pvt.h),
 * as judge @j sees it. */
int shmchan__peer_dead(const struct shmchan__peer *p, struct shmchan__judge j);
/* Whether entry @p is held (taken and not gone). */
int shmchan__peer_held(const struct shmchan__peer *p);
/* Writer entries held. With @reap, dead holders are found and accounted for
 * first (system calls: a slow path). */
uint32_t shmchan__writers_held(struct shmchan__chan_hdr *h, struct shmchan__judge j, int reap);
/* If the reader entry's holder is dead, account for it. */
void shmchan__reap_reader(struct shmchan__chan_hdr *h, struct shmchan__judge j);
/* Subscriber entries held (as writers_held). */
uint32_t shmchan__subs_held(struct shmchan__chan_hdr *h, struct shmchan__judge j, int reap);
/* Subscriber entries held by live processes (@check: judged by the lock bytes;
 * else held and not marked gone). seq_cst loads. */
uint32_t shmchan__subs_live(struct shmchan__chan_hdr *h, struct shmchan__judge j, int check);
/* Broadcast BLOCK: the lowest cursor of the subscribers held and filled in
 * (seq_cst loads: a re-check), or UINT64_MAX if there is none. */
uint64_t shmchan__subs_min_cursor(struct shmchan__chan_hdr *h);
/* Who claims ring position @pos: SHMCHAN__CLAIM_LIVE if some live writer
 * does, else SHMCHAN__CLAIM_DEAD if a dead one does, else SHMCHAN__CLAIM_NONE. */
#define SHMCHAN__CLAIM_NONE 0
#define SHMCHAN__CLAIM_LIVE 1
#define SHMCHAN__CLAIM_DEAD 2
int shmchan__claimant(struct shmchan__chan_hdr *h, uint32_t pos, struct shmchan__judge j,
		      uint32_t *extent);
/* Messages written and read over the channel's life (snapshots). */
void shmchan__totals(struct shmchan__chan_hdr *h, uint64_t *written, uint64_t *read);
/* Writers with a claim in flight (a snapshot). */
uint32_t shmchan__claims_active(struct shmchan__chan_hdr *h);
/* The reader skipped abandoned position @pos: clear the dead claims of it. */
void shmchan__clear_claims(struct shmchan__chan_hdr *h, uint32_t pos, struct shmchan__judge j);
/* Add @v to a monotonic maximum in shared memory. */
void shmchan__max_store(_Atomic uint64_t *m, uint64_t v);

#endif /* SHMCHAN_REGISTRY_PVT_H */
