/* SPDX-License-Identifier: MIT */
/*
 * Inspection: a channel's geometry, state, peers (with liveness) and
 * counters, read without joining it. This is what the `shmchan` tool shows.
 *
 * Counters are totals over the channel's life: those of attached peers plus
 * those of peers that closed or were found dead. They are snapshots, read
 * while the peers run.
 */
#ifndef SHMCHAN_INSPECT_H
#define SHMCHAN_INSPECT_H

#include "shmchan/channel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Channel states. */
#define SHMCHAN_STATE_OPEN 1u
#define SHMCHAN_STATE_REPLACED 2u /* a writer recreated the name: reopen */

/* Where the objects live (the `shmchan` tool lists this directory). */
#define SHMCHAN_SHM_DIR "/dev/shm"

struct shmchan_peer_info {
	int32_t pid;	     /* 0: no peer */
	uint32_t alive;	     /* 1: the process (pid and start time) still runs */
	uint64_t start_time; /* clock ticks after boot, as in /proc/PID/stat */
	uint64_t messages;   /* writer: written; reader, subscriber: read */
	uint64_t events;     /* writer: full events (broadcast: and positions lapped
			      * before they were written); reader, subscriber:
			      * abandoned slots skipped; work-queue reader:
			      * messages of dead readers delivered again */
	uint64_t cursor;     /* broadcast subscriber: next position it reads */
	uint64_t lost;	     /* broadcast subscriber: messages lost to overwriting */
};

struct shmchan_info {
	uint32_t kind;
	uint32_t slot_size;  /* slot channels: bytes per slot; records: largest record */
	uint32_t slot_count; /* slot channels: slots; records: buffer bytes */
	uint32_t state;	     /* SHMCHAN_STATE_* */
	uint32_t depth;	     /* messages claimed and not consumed (broadcast: not
			      * yet read by the slowest live subscriber) */
	uint32_t stale;	     /* 1: no live peer (removable: shmchan rm --stale) */
	uint32_t nwriters;   /* entries filled in writers[] */
	uint32_t reserved0;
	uint64_t depth_bytes; /* bytes they take in the ring */
	uint64_t size;	      /* bytes of the object */
	uint64_t written;
	uint64_t read;
	uint64_t full_events; /* writes refused because the ring was full */
	uint64_t abandoned;   /* slots of dead producers skipped by readers */
	uint64_t max_depth;   /* highest depth seen (sampled by the reader) */
	struct shmchan_peer_info reader;
	struct shmchan_peer_info writers[SHMCHAN_MAX_WRITERS];
	/* broadcast and work queue */
	uint32_t policy;       /* broadcast: SHMCHAN_POLICY_*; else 0 */
	uint32_t nsubscribers; /* entries filled in subscribers[] (readers of a work queue) */
	uint64_t lost;	       /* messages lost by subscribers, over the channel's life */
	uint64_t tail;	       /* broadcast: positions claimed so far */
	struct shmchan_peer_info subscribers[SHMCHAN_MAX_SUBSCRIBERS];
};

/*
 * shmchan_inspect - describe channel @name without attaching to it.
 * Returns 0, or the open errors of a channel: -EINVAL, -ENAMETOOLONG,
 * -ENOENT, -EACCES, -EAGAIN (being created), SHMCHAN_EBADMAGIC,
 * SHMCHAN_EVERSION, SHMCHAN_ETRUNCATED, -EBADMSG, -ENOMEM, -EMFILE, -ENFILE.
 * A channel of a kind this build does not serve is still described.
 */
SHMCHAN_API int shmchan_inspect(const char *name, struct shmchan_info *info);

/* shmchan_channel_info - the same for an open handle. Returns 0 or -EINVAL. */
SHMCHAN_API int shmchan_channel_info(const struct shmchan_channel *ch, struct shmchan_info *info);

#ifdef __cplusplus
}
#endif

#endif /* SHMCHAN_INSPECT_H */
