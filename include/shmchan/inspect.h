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
	int32_t pid;	      /* 0: no peer */
	uint32_t alive;	      /* 1: the process (pid and start time) still runs */
	uint64_t start_time;  /* clock ticks after boot, as in /proc/PID/stat */
	uint64_t messages;    /* writer: written; reader, subscriber: read */
	uint64_t events;      /* writer: full events (broadcast: and positions lapped
			       * before they were written); reader, subscriber:
			       * abandoned slots skipped; work-queue reader:
			       * messages of dead readers delivered again */
	uint64_t cursor;      /* broadcast subscriber: next position it reads */
	uint64_t lost;	      /* broadcast subscriber: messages lost to overwriting */
	uint64_t reserved[2]; /* 0; room for more per peer */
};

/*
 * What a channel is and does, as inspect and channel_info fill it. The
 * struct is size-prefixed: the caller sets @struct_size to the size it was
 * built with (SHMCHAN_INFO_INIT does), the library fills that many bytes at
 * most and sets @struct_size to the bytes it filled and @version to its layout of the
 * struct. Later releases only append fields (after subscribers[]), so a
 * program built against this header keeps working with them; SHMCHAN_MAX_*
 * fix the arrays and are part of the ABI.
 */
#define SHMCHAN_INFO_VERSION 1u
struct shmchan_info {
	uint32_t struct_size; /* in: sizeof(struct shmchan_info); out: bytes filled */
	uint32_t version;     /* out: SHMCHAN_INFO_VERSION of the library */
	uint32_t kind;
	uint32_t slot_size;   /* slot channels: bytes per slot; records: largest record */
	uint32_t slot_count;  /* slot channels: slots; records: buffer bytes */
	uint32_t state;	      /* SHMCHAN_STATE_* */
	uint32_t depth;	      /* messages claimed and not consumed (broadcast: not
			       * yet read by the slowest live subscriber) */
	uint32_t stale;	      /* 1: no live peer (removable: shmchan rm --stale) */
	uint32_t nwriters;    /* entries filled in writers[] */
	uint32_t reserved0;   /* 0; keeps the 64-bit fields aligned on every ABI */
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
	uint64_t tail;	       /* broadcast: positions claimed so far; record: the
				* tail's byte position, modulo 2^32 (bytes
				* claimed, headers and padding included) */
	struct shmchan_peer_info subscribers[SHMCHAN_MAX_SUBSCRIBERS];
};

/* An info struct ready to be filled: struct shmchan_info in = SHMCHAN_INFO_INIT; */
#ifdef __cplusplus
#define SHMCHAN_INFO_INIT                                                                          \
	{                                                                                          \
		sizeof(struct shmchan_info)                                                        \
	}
#else
#define SHMCHAN_INFO_INIT                                                                          \
	{                                                                                          \
		.struct_size = sizeof(struct shmchan_info)                                         \
	}
#endif

/* The first release's size: the least @struct_size accepted. */
#define SHMCHAN_INFO_MIN_SIZE 8376u

/*
 * shmchan_inspect - describe channel @name without attaching to it.
 * @info->struct_size must be set (SHMCHAN_INFO_INIT) to at least
 * SHMCHAN_INFO_MIN_SIZE, else -EINVAL.
 * Returns 0, or the open errors of a channel: -EINVAL, -ENAMETOOLONG,
 * -ENOENT, -EACCES, -EAGAIN (being created), SHMCHAN_EBADMAGIC,
 * SHMCHAN_EVERSION, SHMCHAN_ETRUNCATED, -EBADMSG, -ENOMEM, -EMFILE, -ENFILE.
 * A channel of a kind this build does not serve is still described.
 */
SHMCHAN_API int shmchan_inspect(const char *name, struct shmchan_info *info);

/* shmchan_channel_info - the same for an open handle (@info->struct_size set as
 * for shmchan_inspect). Returns 0 or -EINVAL. */
SHMCHAN_API int shmchan_channel_info(const struct shmchan_channel *ch, struct shmchan_info *info);

#ifdef __cplusplus
}
#endif

#endif /* SHMCHAN_INSPECT_H */
