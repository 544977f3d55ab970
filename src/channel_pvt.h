/* SPDX-License-Identifier: MIT */
/*
 * Internal: the channel segment's layout. Not installed.
 *
 *   offset 0               struct shmchan__chan_hdr (identity, lifecycle,
 *                          wait words, reader and writer registries, and a
 *                          table reserved for broadcast subscribers)
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

#include "ring_pvt.h"
#include "wait_pvt.h"
#include "shmchan/channel.h"

#define SHMCHAN__MAGIC 0x314e4148434d4853ull /* "SHMCHAN1" little-endian */
#define SHMCHAN__LAYOUT_VERSION 1u
#define SHMCHAN__MAX_SUBSCRIBERS 64
#define SHMCHAN__PAGE 4096u

/* Lifecycle states (hdr.state). */
#define SHMCHAN__STATE_OPEN 1u

/*
 * A registry entry: one cache line owned by the process (handle) that holds
 * it, so its per-message stores never bounce another process's line.
 * pid 0 means free. start_time tells a reused pid from the original process.
 */
struct shmchan__peer {
	_Atomic uint32_t pid;
	uint32_t reserved0;
	_Atomic uint64_t start_time; /* /proc/PID/stat field 22, clock ticks */
	_Atomic uint64_t claim;	     /* writer: SHMCHAN__CLAIM_ACTIVE | pos while claiming */
	_Atomic uint64_t messages;   /* writer: committed; reader: consumed */
	_Atomic uint64_t events;     /* writer: full events */
	_Atomic uint64_t aux[3];     /* reserved for later counters */
};

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
	/* line 1: lifecycle */
	alignas(SHMCHAN__CACHELINE) _Atomic uint32_t state;
	/* lines 2 and 3: wait words for readers (data) and writers (space) */
	alignas(SHMCHAN__CACHELINE) _Atomic uint32_t data_futex;
	_Atomic uint32_t data_waiters;
	alignas(SHMCHAN__CACHELINE) _Atomic uint32_t space_futex;
	_Atomic uint32_t space_waiters;
	/* registries */
	alignas(SHMCHAN__CACHELINE) struct shmchan__peer reader;
	struct shmchan__peer writers[SHMCHAN_MAX_WRITERS];
	struct shmchan__peer subscribers[SHMCHAN__MAX_SUBSCRIBERS];
};

_Static_assert(sizeof(struct shmchan__peer) == SHMCHAN__CACHELINE, "a peer is one line");
_Static_assert(offsetof(struct shmchan__chan_hdr, state) == 64, "state on line 1");
_Static_assert(offsetof(struct shmchan__chan_hdr, data_futex) == 128, "data wait line");
_Static_assert(offsetof(struct shmchan__chan_hdr, space_futex) == 192, "space wait line");
_Static_assert(offsetof(struct shmchan__chan_hdr, reader) == 256, "reader line");
_Static_assert(offsetof(struct shmchan__chan_hdr, writers) == 320, "writers");
_Static_assert(offsetof(struct shmchan__chan_hdr, subscribers) ==
		       320 + SHMCHAN_MAX_WRITERS * SHMCHAN__CACHELINE,
	       "subscribers");
_Static_assert(sizeof(struct shmchan__chan_hdr) == 8512, "header size is part of layout 1");

/* Bytes before the ring: the header rounded up to a page. */
#define SHMCHAN__HDR_SPACE                                                                         \
	((sizeof(struct shmchan__chan_hdr) + SHMCHAN__PAGE - 1) & ~(size_t)(SHMCHAN__PAGE - 1))

/* proc.c: liveness of peers. */
int shmchan__proc_start_time(pid_t pid, uint64_t *start_time);
int shmchan__proc_alive(pid_t pid, uint64_t start_time);

#endif /* SHMCHAN_CHANNEL_PVT_H */
