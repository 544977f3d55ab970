/* SPDX-License-Identifier: MIT */
/*
 * Channel configuration: the kinds of channel, their policies and limits,
 * the wait strategies, struct shmchan_config (what a channel is created
 * with, and what an open expects), and shmchan_config_check, which says
 * why a config is refused. The calls that take a config are in channel.h
 * (and anon.h).
 */
#ifndef SHMCHAN_CONFIG_H
#define SHMCHAN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "shmchan/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Channel kinds (the header's kind field). */
#define SHMCHAN_KIND_SLOT 1u	  /* MPSC ring of fixed-size slots */
#define SHMCHAN_KIND_RECORD 2u	  /* MPSC byte ring of variable-length records */
#define SHMCHAN_KIND_BROADCAST 3u /* fixed slots; every subscriber sees every message */
#define SHMCHAN_KIND_WORKQUEUE 4u /* fixed slots; each message goes to one of the readers */

/*
 * Broadcast (publish/subscribe): any number of writers (up to
 * SHMCHAN_MAX_WRITERS) and up to SHMCHAN_MAX_SUBSCRIBERS subscribers, each
 * with its own cursor. A subscriber opened with open_reader starts at the next
 * message written; shmchan_channel_subscribe() can start it at the oldest one
 * still retained instead. What a writer does about a slow subscriber is the
 * channel's policy, chosen at creation (config.policy):
 *   SHMCHAN_POLICY_BLOCK (default, lossless): a slot is reused only once every
 *       live subscriber has read it. A writer finding the ring full gets
 *       -EAGAIN from write (send waits). A subscriber that dies is found by
 *       the liveness registry and released, so it holds writers back for a
 *       bounded time (see docs/guarantees.md). With no subscriber attached,
 *       writers never wait: the oldest messages are overwritten.
 *   SHMCHAN_POLICY_OVERWRITE (latest data wins): a writer never waits for a
 *       subscriber. A subscriber whose next message was overwritten gets
 *       SHMCHAN_ELOST once from read or peek, with the exact number of
 *       positions it missed added to shmchan_channel_lost() (each a message,
 *       but for a cancelled reservation or a dead writer's position, which
 *       count too if overwritten unread), and goes on at
 *       the oldest message still retained (a subscriber that started at the
 *       oldest message counts losses from its first message on). Every
 *       slot is validated
 *       seqlock-style: a message overwritten while it was being copied is
 *       never returned.
 *
 * Work queue: any number of writers and up to SHMCHAN_MAX_SUBSCRIBERS
 * readers (open_reader) compete for messages; each message is delivered to
 * exactly one reader. A message held by a reader that dies (read or peeked,
 * not yet released) is delivered again to another reader: at least once for
 * that message, exactly once for every other.
 */
#define SHMCHAN_POLICY_BLOCK 1u
#define SHMCHAN_POLICY_OVERWRITE 2u

/* Most subscribers of a broadcast channel, readers of a work queue. */
#define SHMCHAN_MAX_SUBSCRIBERS 64

/* Most writer handles attached to one channel at once. */
#define SHMCHAN_MAX_WRITERS 64

/* Most messages one reader handle may hold at once (config.hold). */
#define SHMCHAN_MAX_HOLD 16

/*
 * Wait strategies: how a handle waits in wait_readable, wait_writable, send
 * and recv. Each handle chooses its own at create or open; waking is the
 * same for all (a publisher wakes futex sleepers whatever its own strategy).
 *   SHMCHAN_WAIT_FUTEX (default): spin for spin_us, then sleep in the kernel
 *       on a futex word in the segment. An idle waiter uses no CPU; while
 *       messages flow the spin phase catches them without a system call.
 *   SHMCHAN_WAIT_SPIN: busy-poll with a CPU pause hint (yielding the CPU
 *       every few thousand polls). Lowest latency; burns a core while waiting.
 *   SHMCHAN_WAIT_BACKOFF: the article's polling: sleeps of 50 us doubling to
 *       1 ms (after a spin phase only if spin_us asks for one). Up to 1 ms of
 *       added latency; a few wake-ups per millisecond while idle.
 */
#define SHMCHAN_WAIT_FUTEX 0u
#define SHMCHAN_WAIT_SPIN 1u
#define SHMCHAN_WAIT_BACKOFF 2u
/* FUTEX's spin phase when spin_us is 0, in microseconds. */
#define SHMCHAN_DEFAULT_SPIN_US 20
/* Longest spin phase accepted, in microseconds. */
#define SHMCHAN_MAX_SPIN_US 1000000

/*
 * Creation parameters, and expectations when opening.
 *   create: kind 0 means SHMCHAN_KIND_SLOT.
 *           SLOT: slot_size (1 to SHMCHAN_RING_MAX_SLOT_SIZE) and slot_count
 *           (a power of two, 2 to SHMCHAN_RING_MAX_SLOTS) are required.
 *           RECORD: buffer_size (a power of two, SHMCHAN_RECORD_MIN_BUFFER to
 *           SHMCHAN_RECORD_MAX_BUFFER) is required; the largest record is
 *           buffer_size / 2 - 8 bytes (SHMCHAN_RECORD_MAX_LEN()).
 *           BROADCAST, WORKQUEUE: slot_size and slot_count as for SLOT.
 *           policy: broadcast only, SHMCHAN_POLICY_BLOCK (0 means BLOCK) or
 *           SHMCHAN_POLICY_OVERWRITE; must be 0 for the other kinds.
 *           mode 0 means 0600.
 *   open:   a NULL config, or 0 in a field, accepts whatever the creator
 *           chose; a non-zero kind or geometry (slot_size, slot_count,
 *           buffer_size, policy) must match exactly.
 *           flags: SHMCHAN_OPEN_* (below); must be 0 when creating.
 *   both:   wait and spin_us choose this handle's wait strategy.
 *           spin_us: 0 means the default (SHMCHAN_DEFAULT_SPIN_US for FUTEX,
 *           none for BACKOFF), -1 means no spin phase, otherwise 1 to
 *           SHMCHAN_MAX_SPIN_US microseconds.
 *   readers: hold: the most messages this handle may hold at once (peeked,
 *           not yet released), 0 or 1 for one (the default), at most
 *           SHMCHAN_MAX_HOLD; must be 0 for writers. Slot, record and
 *           broadcast channels (and observers); a work-queue reader holds
 *           one (-EINVAL above 1). See "Holding several messages" below.
 * Fields marked reserved must be zero (room for later options).
 */
struct shmchan_config {
	uint32_t kind;
	uint32_t slot_size;
	uint32_t slot_count;
	uint32_t mode;
	uint32_t wait;
	int32_t spin_us;
	uint32_t buffer_size;
	uint32_t policy;
	uint32_t flags;	    /* open: SHMCHAN_OPEN_* */
	uint32_t mem;	    /* SHMCHAN_MEM_*: where this handle's memory lives */
	uint32_t numa_node; /* with SHMCHAN_MEM_NUMA_NODE: the node to bind to */
	uint32_t hold;	    /* readers: most messages held at once (0: one) */
	uint32_t reserved[4];
};

/*
 * shmchan_config_check - whether @cfg would be accepted for @use, and if not,
 * why, in words that name the field: "slot_count 3: not a power of two".
 *   @use: SHMCHAN_CHECK_CREATE (create_writer, create_or_replace_writer,
 *         create_anon), SHMCHAN_CHECK_WRITER (open_writer's @expect) or
 *         SHMCHAN_CHECK_READER (open_reader's and subscribe's @expect; a
 *         NULL @cfg is accepted for both open uses).
 *   @buf, @len: where the reason goes (truncated to @len - 1 bytes and
 *         NUL-terminated; "ok" when accepted); NULL or 0 for none.
 * These are the checks the calls make, in the same code, so a call refuses
 * a config with -EINVAL exactly when this does. What depends on the channel
 * or the machine is checked only by the call: an open's geometry against
 * the channel's (SHMCHAN_EGEOMETRY), a work-queue reader's hold, whether
 * huge pages or the NUMA node exist.
 * Returns 0, or -EINVAL (the reason in @buf; also for an unknown @use).
 */
#define SHMCHAN_CHECK_CREATE 0u
#define SHMCHAN_CHECK_WRITER 1u
#define SHMCHAN_CHECK_READER 2u
SHMCHAN_API int shmchan_config_check(const struct shmchan_config *cfg, uint32_t use, char *buf,
				     size_t len);

/* config.mem: SHMCHAN_MEM_* (segment.h, docs/memory.md). */

/*
 * config.flags when opening. By default an open refuses (-EPERM) a channel
 * whose file belongs to another user than the caller's effective uid: a
 * name pre-created by another user (mode 0666) would otherwise let that
 * user read or feed the caller's messages.
 *   SHMCHAN_OPEN_ANY_OWNER: accept a channel owned by another user (users
 *       who share channels through group or other permissions on purpose).
 */
#define SHMCHAN_OPEN_ANY_OWNER 1u

/* Record channels: buffer bounds, and the largest record of a buffer. */
#define SHMCHAN_RECORD_MIN_BUFFER 64u
#define SHMCHAN_RECORD_MAX_BUFFER (1u << 30)
#define SHMCHAN_RECORD_MAX_LEN(buffer_size) ((buffer_size) / 2 - 8)

#ifdef __cplusplus
}
#endif

#endif /* SHMCHAN_CONFIG_H */
