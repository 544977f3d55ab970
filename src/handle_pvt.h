/* SPDX-License-Identifier: MIT */
/*
 * Internal: what a channel handle holds. Not installed.
 *
 * The public struct shmchan_channel (channel.h) is opaque, caller-owned
 * storage of SHMCHAN_CHANNEL_SIZE bytes; this is what the library keeps in
 * it. The caller never reads or writes those bytes; the library reaches them
 * through shmchan__handle_of() only, a pointer conversion. The public type
 * has room to grow: a field added here changes no caller's layout as long as
 * the asserts below hold (docs/abi.md).
 *
 * Aliasing: the storage is declared by the caller as struct shmchan_channel
 * and accessed by the library as struct shmchan__handle. C's effective-type
 * rule does not cover that, so the library is compiled with
 * -fno-strict-aliasing (CMakeLists.txt): no optimisation of the library may
 * assume the two types name different objects. The caller's own code only
 * passes the pointer on (and may zero the storage), so nothing there
 * depends on the rule either.
 *
 * Layout: what every handle has first (the segment, its registry entry,
 * counters, the ring's state in this process, the reader's idle-path
 * timers), then a union of what one kind keeps for itself, owned by that
 * kind's file (kind_bcast.c, kind_wq.c).
 */
#ifndef SHMCHAN_HANDLE_PVT_H
#define SHMCHAN_HANDLE_PVT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "channel_pvt.h"
#include "hold_pvt.h"
#include "shmchan/channel.h"

/* Broadcast channels (kind_bcast.c). */
struct shmchan__bc_state {
	union {
		struct {
			uint64_t pos;	  /* the next position to read: the cursor */
			uint64_t lost;	  /* messages lost to overwriting */
			uint32_t started; /* 1 once it delivered a message */
		} sub;			  /* a subscriber */
		struct {
			uint64_t pos;	   /* the reserved position */
			uint64_t gate;	   /* BLOCK: positions below it are free */
			uint32_t gate_gen; /* BLOCK: registry generation of gate */
		} w;			   /* a writer */
	};
};

/* Work-queue readers (kind_wq.c). */
struct shmchan__wq_state {
	uint64_t pos;	  /* the position held, while holding */
	uint64_t taken;	  /* messages taken from the queue: the reader's progress */
	uint32_t holding; /* 1: holds the message at pos (adopted, or too big) */
};

/* Channels in newosp's format (newosp.c, osp_slot.c, osp_bytes.c). */
struct shmchan__osp_state {
	uint32_t format;     /* SHMCHAN_OSP_SLOT or SHMCHAN_OSP_BYTES */
	uint32_t slot_size;  /* SLOT: payload bytes of a slot */
	uint32_t slot_count; /* SLOT: slots, a power of two */
	uint32_t stride;     /* SLOT: bytes from one slot to the next */
	uint32_t capacity;   /* BYTES: ring bytes, a power of two */
	/* SLOT writer: the reserved position; SLOT reader: the next position
	 * to read; BYTES: this side's counter (writer head, reader tail),
	 * kept here so that a peer's store into it is never trusted. */
	uint32_t pos;
	uint32_t busy;	     /* 1 while a reservation (a peek) is outstanding */
	uint32_t stuck_ms;   /* SLOT reader: step over a stuck claim after this */
	uint32_t stuck_pos;  /* the position stuck_since refers to */
	uint32_t owner;	     /* the pid that opened the handle */
	int64_t stuck_since; /* when it was first seen claimed, unpublished (0: not) */
};

/* A pollable handle's descriptors and state (poll.c); zero: none. */
struct shmchan__poll_state {
	int ep1, sock1, timer1; /* the epoll set, its socket and timer, each fd + 1 */
	int tx1;		/* publisher: the socket it wakes pollers through, fd + 1 */
	uint32_t got;		/* datagrams received (a statistic) */
	uint32_t slot;		/* poller: the entry's index (channel_pvt.h) */
	uint32_t gen;		/* the registry entry's generation when it was made */
	uint64_t id;		/* names the socket */
	uint64_t tx_peer;	/* publisher: the poller id tx is connected to (0: none) */
	int64_t timer_due;	/* when the timer fires (INT64_MAX: not set) */
	int64_t slice_ns;	/* the safety net's period (0 until opened; tests may set it) */
};

struct shmchan__handle {
	/* every handle */
	struct shmchan_segment seg;
	void *hdr;  /* channel header in the segment (NULL: closed) */
	void *self; /* this handle's registry entry in the segment */
	uint64_t nonce;
	uint32_t role;		  /* 0 closed, SHMCHAN__ROLE_WRITER, SHMCHAN__ROLE_READER */
	uint32_t kind;		  /* validated at open: a line of the kind table */
	uint32_t flags;		  /* the header's flags, validated (broadcast: the policy) */
	uint32_t wait;		  /* SHMCHAN_WAIT_* */
	uint32_t spin_ns;	  /* spin phase before sleeping */
	uint32_t hooks;		  /* test hooks (SHMCHAN__HOOK_*, channel_pvt.h) */
	_Atomic uint32_t in_call; /* 1 while a call runs on the handle (channel_api.c) */
	uint64_t count;		  /* messages written or read through this handle */
	uint64_t events;	  /* writer: full events; reader: abandoned slots skipped */
	uint64_t max_depth;	  /* highest depth this handle saw */
	uint64_t pidns;		  /* this process's pid namespace */
	/* the ring's state in this process (every kind attaches one) */
	struct shmchan_ring ring;
	/* reader: the messages it holds (hold_pvt.h) */
	struct shmchan__holds holds;
	/* the stall detector (stall_pvt.h): readers, broadcast writers */
	int64_t stuck_ns;      /* when the position was seen claimed, unfinished */
	int64_t next_check_ns; /* next liveness check of that position */
	uint32_t stuck_pos;    /* the position stuck_ns refers to */
	/* the idle path (channel_io.c; broadcast writers use idle_polls and
	 * next_deep_ns too) */
	uint32_t sample;       /* reader: reads since depth was last sampled */
	uint32_t seen_gen;     /* reader: registry generation at the last look */
	uint32_t writers_seen; /* reader: writers held at the last look */
	uint32_t idle_polls;   /* polls of an empty ring (a full one) while spinning */
	int64_t next_scan_ns;  /* reader: next look for dead writers */
	int64_t next_deep_ns;  /* next liveness check of the peers */
	/* a pollable handle (poll.c) */
	struct shmchan__poll_state poll;
	/* what one kind keeps for itself */
	union {
		struct shmchan__bc_state bc;
		struct shmchan__wq_state wq;
		struct shmchan__osp_state osp;
	};
};

_Static_assert(sizeof(struct shmchan__handle) <= sizeof(struct shmchan_channel),
	       "the handle fits the public storage (grow SHMCHAN_CHANNEL_SIZE with the SONAME)");
_Static_assert(alignof(struct shmchan__handle) <= alignof(struct shmchan_channel),
	       "the public storage is aligned for the handle");

/* The library's view of caller-owned storage @ch (NULL stays NULL). */
static inline struct shmchan__handle *shmchan__handle_of(struct shmchan_channel *ch)
{
	return (struct shmchan__handle *)(void *)ch;
}

static inline const struct shmchan__handle *shmchan__chandle_of(const struct shmchan_channel *ch)
{
	return (const struct shmchan__handle *)(const void *)ch;
}

/* Whether the handle is a channel in newosp's format (newosp.c): its
 * mapping holds no shmchan header, so nothing that reads one may run. */
static inline int shmchan__foreign(const struct shmchan__handle *ch)
{
	return ch->role == SHMCHAN__ROLE_OSP_WRITER || ch->role == SHMCHAN__ROLE_OSP_READER;
}

/* The channel header a handle has mapped. */
static inline struct shmchan__chan_hdr *shmchan__hdr(const struct shmchan__handle *ch)
{
	return (struct shmchan__chan_hdr *)ch->hdr;
}

#endif /* SHMCHAN_HANDLE_PVT_H */
