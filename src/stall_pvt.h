/* SPDX-License-Identifier: MIT */
/*
 * Internal: the stall detector. Not installed.
 *
 * A handle that finds a position claimed and not finished (a reader at the
 * head of its ring, a broadcast writer at the slot a lap earlier) asks
 * shmchan__stall_check() each time it finds it so. The first sighting arms
 * a timer; from SHMCHAN__STALL_CHECK_NS on, and every SHMCHAN__STALL_CHECK_NS
 * after, the registry is asked who claims the position (the claimant's
 * liveness is its lock byte, live_pvt.h). The handle's stuck_* fields hold
 * the state; one position at a time.
 */
#ifndef SHMCHAN_STALL_PVT_H
#define SHMCHAN_STALL_PVT_H

#include <stdint.h>

#include "handle_pvt.h"

/* First look at a stuck position after this long, then this often. */
#define SHMCHAN__STALL_CHECK_NS 1000000
/* A claim that no registry entry names (a damaged segment, or a producer
 * that bypassed the registry) is given up after this long. */
#define SHMCHAN__STALL_ORPHAN_NS 1000000000

enum shmchan__stall {
	SHMCHAN__STALL_WAIT,   /* too early to tell: ask again later */
	SHMCHAN__STALL_LIVE,   /* a live writer claims it: wait for it */
	SHMCHAN__STALL_DEAD,   /* only dead writers claim it */
	SHMCHAN__STALL_ORPHAN, /* nobody claims it, for ORPHAN_NS now */
};

/* Position @pos (low 32 bits) is stuck, as @ch sees it now. For a DEAD
 * verdict, *@extent (if not NULL) gets the span the dead claims cover. */
enum shmchan__stall shmchan__stall_check(struct shmchan__handle *ch, uint32_t pos,
					 uint32_t *extent);

/* Whether @ch watches a stuck position (then it should look again soon). */
static inline int shmchan__stall_watching(const struct shmchan__handle *ch)
{
	return ch->stuck_ns != 0;
}

/* The position @ch was watching is no longer stuck. */
static inline void shmchan__stall_clear(struct shmchan__handle *ch)
{
	ch->stuck_ns = 0;
}

#endif /* SHMCHAN_STALL_PVT_H */
