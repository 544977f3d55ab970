/* SPDX-License-Identifier: MIT */
/*
 * Internal: the channel segment's layout. Not installed.
 *
 *   offset 0               struct shmchan__chan_hdr (identity, lifecycle,
 *                          wait words, reader and writer registries, a
 *                          table of subscribers, and one poller entry per
 *                          registry entry)
 *   offset ring_offset     the ring (ring_pvt.h), ring_size bytes
 *   total_size             = ring_offset + ring_size = the file's size
 *
 * Shared memory holds sizes and offsets, never pointers. Every field is
 * fixed-width. Line 0 is written once by the creator before it publishes the
 * magic with a release store; openers load the magic with acquire.
 */
#ifndef SHMCHAN_CHANNEL_PVT_H
#define SHMCHAN_CHANNEL_PVT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "bring_pvt.h"
#include "ring_pvt.h"
#include "rring_pvt.h"
#include "wait_pvt.h"
#include "live_pvt.h"
#include "shmchan/channel.h"

#define SHMCHAN__MAGIC 0x314e4148434d4853ull /* "SHMCHAN1" little-endian */
#define SHMCHAN__LAYOUT_VERSION                                                                    \
	4u /* 4: record rings map their headers; 3: pollers; 2: lock bytes */
#define SHMCHAN__PAGE 4096u

/* Lifecycle states (hdr.state); the public names are in inspect.h. */
#define SHMCHAN__STATE_OPEN 1u
#define SHMCHAN__STATE_REPLACED 2u

/* Dead peers are looked for at most this often by a handle that keeps
 * meeting them (a waker finding sleepers, a writer held back by a
 * subscriber, a reader of an empty ring). */
#define SHMCHAN__REAP_EVERY_NS 20000000

/* Handle roles. A reader of a broadcast channel (a subscriber) or of a work
 * queue holds an entry of subscribers[]; of the other kinds, the reader entry. */
#define SHMCHAN__ROLE_WRITER 1u
#define SHMCHAN__ROLE_READER 2u
#define SHMCHAN__ROLE_OBSERVER 3u /* read-only, unregistered (observe.c) */
/* A channel in newosp's format (newosp.c): no header, no registry. */
#define SHMCHAN__ROLE_OSP_WRITER 4u
#define SHMCHAN__ROLE_OSP_READER 5u

/* Test hooks (struct shmchan__handle.hooks), set by tests only.
 * STEP_LIVE: this reader steps over a claim stuck at head even when its
 * claimant lives, as a wrong "dead" verdict would (slot kinds). */
#define SHMCHAN__HOOK_STEP_LIVE 1u

/* The header's flags field: the broadcast policy (0 for other kinds). */
#define SHMCHAN__FLAGS_POLICY_MASK 3u

/*
 * A registry entry's owner word: who holds the entry, in one atomic 64-bit
 * value so that every change of hands is a single compare-and-swap.
 *   bits  0..31  pid (0: free)
 *   bits 32..55  generation, bumped at every take: a CAS that expects an old
 *                (pid, generation) fails once the entry changed hands
 *   bits 56..63  flags below
 */
#define SHMCHAN__OWN_PID(o) ((uint32_t)(o))
#define SHMCHAN__OWN_GEN(o) (((o) >> 32) & 0xFFFFFFu)
#define SHMCHAN__OWN_FLAGS(o) ((o) & (0xFFull << 56))
#define SHMCHAN__OWN(pid, gen, flags)                                                              \
	((uint64_t)(pid) | ((uint64_t)((gen)&0xFFFFFFu) << 32) | (flags))
#define SHMCHAN__OWN_DEAD (1ull << 56)	      /* gone (closed or found dead), accounted for */
#define SHMCHAN__OWN_FILLING (1ull << 57)     /* taken, being filled in */
#define SHMCHAN__OWN_SLEEP_DATA (1ull << 58)  /* counted in data_waiters */
#define SHMCHAN__OWN_SLEEP_SPACE (1ull << 59) /* counted in space_waiters */
#define SHMCHAN__OWN_SLEEP_PEER (1ull << 60)  /* counted in peer_waiters */

/*
 * A registry entry: one cache line owned by the process (handle) that holds
 * it, so its per-message stores never bounce another process's line.
 * Liveness is the entry's lock byte (live_pvt.h); start_time and pidns are
 * shown by the tool only. start_time tells a reused pid from the original
 * process; pidns tells a
 * peer in another pid namespace (whose pid means nothing here).
 * Counters are written by the owner only, with relaxed stores of a value it
 * keeps in its handle (no read-modify-write on the message path).
 * In subscribers[]: a broadcast subscriber's claim is its cursor (the next
 * position it reads; writers under BLOCK gate on the slowest) and aux its
 * count of lost messages; a work-queue reader's claim is its claim word
 * (SHMCHAN__CLAIM_ACTIVE | the position it holds).
 */
struct shmchan__peer {
	_Atomic uint64_t owner;	     /* SHMCHAN__OWN(pid, generation, flags) */
	_Atomic uint64_t start_time; /* /proc/PID/stat field 22, clock ticks */
	_Atomic uint64_t claim;	     /* writer: SHMCHAN__CLAIM_ACTIVE | pos while claiming */
	/* subscriber: cursor; work-queue reader: held pos */
	_Atomic uint64_t messages;  /* writer: committed; reader: consumed */
	_Atomic uint64_t events;    /* writer: full events; reader: abandoned slots skipped */
	_Atomic uint64_t max_depth; /* highest depth this peer saw */
	_Atomic uint64_t pidns;	    /* inode of the owner's pid namespace (0: unknown) */
	_Atomic uint64_t aux;	    /* writer on a record ring: bytes of its claim */
};

/*
 * A handle's pollable descriptor (poll.c), one per registry entry, at the
 * entry's index (0: the reader; 1..: writers[]; then subscribers[]). Its
 * protocol is poll.c's. The state word is SHMCHAN__POLL_WORD(generation,
 * state): the generation (24 bits) of the registry entry's holder that made
 * the descriptor (channel_pvt.h owner word), so that whoever clears a dead
 * holder's entry can tell it from its successor's; and the state:
 *   NONE   no poller
 *   IDLE   a poller, not waiting: publishers leave it alone
 *   ARMED  a poller waiting, counted in data_pollers (reader entries) or
 *          space_pollers (writer entries): the next publisher wakes it
 *   FIRED  woken: a publisher took it from ARMED and sends (or sent) it one
 *          datagram
 * sent counts the datagrams sent to it (wraps); id names its socket, which
 * is SHMCHAN_SHM_DIR "/shmchan-poll.<nonce>.<id>" (16 hex digits each).
 */
#define SHMCHAN__POLL_NONE 0u
#define SHMCHAN__POLL_IDLE 1u
#define SHMCHAN__POLL_ARMED 2u
#define SHMCHAN__POLL_FIRED 3u
#define SHMCHAN__POLL_ST(w) ((w)&0xFFu)
#define SHMCHAN__POLL_GEN(w) ((w) >> 8)
#define SHMCHAN__POLL_WORD(gen, st) ((((uint32_t)(gen)&0xFFFFFFu) << 8) | (st))
struct shmchan__poller {
	_Atomic uint32_t state; /* SHMCHAN__POLL_WORD(generation, state) */
	_Atomic uint32_t sent;
	_Atomic uint64_t id;
};

/* Registry entries (and poller entries): the reader, writers, subscribers. */
#define SHMCHAN__NPEERS (1 + SHMCHAN_MAX_WRITERS + SHMCHAN_MAX_SUBSCRIBERS)

struct shmchan__chan_hdr {
	/* line 0: identity, immutable once published */
	_Atomic uint64_t magic;
	uint32_t version;
	uint32_t hdr_size; /* == ring_offset: bytes before the ring */
	uint32_t kind;
	uint32_t flags;	     /* reserved, 0 */
	uint64_t total_size; /* the file's size */
	uint64_t ring_offset;
	uint64_t ring_size;
	uint32_t slot_size;
	uint32_t slot_count;
	uint64_t nonce; /* random per incarnation */
	/* line 1: lifecycle; written on open, close, replace and death only */
	alignas(SHMCHAN__CACHELINE) _Atomic uint32_t state;
	_Atomic uint32_t registry_gen; /* bumped when a peer joins or goes */
	_Atomic uint32_t peer_futex;
	_Atomic uint32_t peer_waiters;
	/* counters of peers that left (closed, or found dead) */
	_Atomic uint64_t retired_written;
	_Atomic uint64_t retired_full;
	_Atomic uint64_t retired_read;
	_Atomic uint64_t retired_abandoned;
	_Atomic uint64_t retired_max_depth;
	_Atomic uint64_t retired_lost; /* broadcast subscribers: overwritten messages */
	/* lines 2 and 3: wait words for readers (data) and writers (space) */
	alignas(SHMCHAN__CACHELINE) _Atomic uint32_t data_futex;
	_Atomic uint32_t data_waiters;
	_Atomic uint32_t data_pollers; /* poller entries ARMED on this queue */
	alignas(SHMCHAN__CACHELINE) _Atomic uint32_t space_futex;
	_Atomic uint32_t space_waiters;
	_Atomic uint32_t space_pollers;
	/* registries */
	alignas(SHMCHAN__CACHELINE) struct shmchan__peer reader;
	struct shmchan__peer writers[SHMCHAN_MAX_WRITERS];
	struct shmchan__peer subscribers[SHMCHAN_MAX_SUBSCRIBERS];
	struct shmchan__poller pollers[SHMCHAN__NPEERS];
};

_Static_assert(sizeof(struct shmchan__peer) == SHMCHAN__CACHELINE, "a peer is one line");
_Static_assert(offsetof(struct shmchan__chan_hdr, state) == 64, "state on line 1");
_Static_assert(offsetof(struct shmchan__chan_hdr, retired_lost) == 120, "line 1 fits");
_Static_assert(offsetof(struct shmchan__peer, owner) == 0, "owner word first");
_Static_assert(offsetof(struct shmchan__chan_hdr, data_futex) == 128, "data wait line");
_Static_assert(offsetof(struct shmchan__chan_hdr, space_futex) == 192, "space wait line");
_Static_assert(offsetof(struct shmchan__chan_hdr, reader) == 256, "reader line");
_Static_assert(offsetof(struct shmchan__chan_hdr, writers) == 320, "writers");
_Static_assert(offsetof(struct shmchan__chan_hdr, subscribers) ==
		       320 + SHMCHAN_MAX_WRITERS * SHMCHAN__CACHELINE,
	       "subscribers");
_Static_assert(offsetof(struct shmchan__chan_hdr, pollers) == 8512, "pollers after the registry");
_Static_assert(sizeof(struct shmchan__poller) == 16, "a poller entry is 16 bytes");
_Static_assert(sizeof(struct shmchan__chan_hdr) ==
		       ((8512 + 16 * SHMCHAN__NPEERS + SHMCHAN__CACHELINE - 1) &
			~(SHMCHAN__CACHELINE - 1)),
	       "header size is part of the layout");
_Static_assert(sizeof(struct shmchan__chan_hdr) <= 3 * SHMCHAN__PAGE, "the header fits 3 pages");

/* Bytes before the ring: the header rounded up to a page. */
#define SHMCHAN__HDR_SPACE                                                                         \
	((sizeof(struct shmchan__chan_hdr) + SHMCHAN__PAGE - 1) & ~(size_t)(SHMCHAN__PAGE - 1))

/* channel.c: mark an existing channel's header replaced and wake its peers. */
void shmchan__mark_replaced(struct shmchan__chan_hdr *h);
/* Whether the channel in @seg has no live peer (1), has one (0), or is not a
 * valid channel (negative error). */
int shmchan__seg_stale(const struct shmchan_segment *seg, struct shmchan__judge j);

/* The identity line of a header, read once: validation and everything after
 * it use this copy, so a process that rewrites the header meanwhile cannot
 * make a checked value differ from the used one. */
struct shmchan__id {
	uint32_t version, hdr_size, kind, flags, slot_size, slot_count;
	uint64_t total_size, ring_offset, ring_size, nonce;
};

/* Validate the header of an opened segment; fill *@id (may be NULL) with
 * the checked copy. Errors as for open (see channel.c). */
int shmchan__validate(const struct shmchan_segment *seg, const struct shmchan_config *expect,
		      struct shmchan__id *id);

#endif /* SHMCHAN_CHANNEL_PVT_H */
