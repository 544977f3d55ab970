/* SPDX-License-Identifier: MIT */
/*
 * Statistics the producer and the consumer publish for the monitor, in a
 * shared segment of their own ("video_ch0.stats"). Each side owns one block
 * and publishes it seqlock-style: the sequence is odd while the block is
 * being written; a reader retries until it sees the same even value before
 * and after copying. The monitor only reads.
 */
#ifndef VIDEO_STATS_H
#define VIDEO_STATS_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <shmchan.h>

#include "frame.h"

/* The statistics segment of channel NAME is NAME.stats. */
#define STATS_SUFFIX ".stats"
#define STATS_MAGIC 0x53544154u /* "STAT" */
#define STATS_VERSION 1u

/* A side's figures, as plain values (what the monitor copies out). */
struct side_stats {
	uint64_t frames; /* producer: sent; consumer: received */
	uint64_t bytes;
	uint64_t bad;	      /* consumer: frames that failed validation */
	uint64_t gaps;	      /* consumer: missing sequence numbers */
	uint64_t full_events; /* producer: writes that found the ring full */
	uint64_t start_ns;    /* CLOCK_MONOTONIC of the first frame */
	uint64_t last_ns;     /* ... of the latest frame */
	uint64_t state;	      /* the side's state, as an index (see names) */
	uint64_t pid;
	uint64_t done;	     /* 1 once the side finished cleanly */
	uint64_t latest_seq; /* producer: the newest frame's header fields */
	uint64_t latest_magic, latest_width, latest_height;
	uint64_t fps_limit; /* producer: --fps (0: unlimited) */
	uint64_t zero_copy;
};

#define SIDE_FIELDS (sizeof(struct side_stats) / sizeof(uint64_t))

struct side_block {
	alignas(64) _Atomic uint32_t seq;
	_Atomic uint64_t v[SIDE_FIELDS];
};

struct video_stats {
	_Atomic uint32_t magic; /* stored last, with release, by the creator */
	uint32_t version;
	struct side_block producer, consumer;
};

/*
 * Writer side of the seqlock (one writer per block). No standalone fences:
 * each field store is a release, which orders the odd sequence before it;
 * the final even sequence is a release too, which orders the fields before it.
 */
static inline void stats_publish(struct side_block *b, const struct side_stats *s)
{
	uint64_t vals[SIDE_FIELDS];
	uint32_t q = atomic_load_explicit(&b->seq, memory_order_relaxed);
	size_t i;

	memcpy(vals, s, sizeof(vals));
	atomic_store_explicit(&b->seq, q + 1, memory_order_relaxed);
	for (i = 0; i < SIDE_FIELDS; i++)
		atomic_store_explicit(&b->v[i], vals[i], memory_order_release);
	atomic_store_explicit(&b->seq, q + 2, memory_order_release);
}

/*
 * Reader side: a consistent copy, or 0 if the writer kept it busy. The first
 * sequence load (acquire) pairs with the writer's final even store; each
 * field load (acquire) pairs with a field store, so a field written by a
 * newer update makes the second sequence load see that update's odd value.
 */
static inline int stats_read(const struct side_block *b, struct side_stats *s)
{
	uint64_t vals[SIDE_FIELDS];
	int tries;
	size_t i;

	for (tries = 0; tries < 1000; tries++) {
		uint32_t q1 = atomic_load_explicit(&b->seq, memory_order_acquire), q2;

		if (q1 & 1)
			continue;
		for (i = 0; i < SIDE_FIELDS; i++)
			vals[i] = atomic_load_explicit(&b->v[i], memory_order_acquire);
		q2 = atomic_load_explicit(&b->seq, memory_order_relaxed);
		if (q1 == q2) {
			memcpy(s, vals, sizeof(vals));
			return 1;
		}
	}
	return 0;
}

static inline void stats_name(char *out, size_t cap, const char *channel)
{
	snprintf(out, cap, "%s%s", channel, STATS_SUFFIX);
}

/* Open (@create: create anew) the statistics segment of @channel. Returns
 * the mapping or NULL. */
static inline struct video_stats *stats_attach(struct shmchan_segment *seg, const char *channel,
					       int create)
{
	struct video_stats *st;
	char name[SHMCHAN_NAME_MAX + 1];
	int err;

	stats_name(name, sizeof(name), channel);
	if (create) {
		err = shmchan_segment_create_or_replace(seg, name, sizeof(*st), 0);
		if (err)
			return NULL;
		st = seg->addr;
		st->version = STATS_VERSION;
		atomic_store_explicit(&st->magic, STATS_MAGIC, memory_order_release);
		return st;
	}
	if (shmchan_segment_open(seg, name) != 0)
		return NULL;
	st = seg->addr;
	/* Acquire: pairs with the creator's release of magic. */
	if (seg->size < sizeof(*st) ||
	    atomic_load_explicit(&st->magic, memory_order_acquire) != STATS_MAGIC ||
	    st->version != STATS_VERSION) {
		shmchan_segment_close(seg);
		return NULL;
	}
	return st;
}

/* Rates over a side's active period; 0 until two frames are seen. */
static inline double stats_fps(const struct side_stats *s)
{
	double secs = (double)(s->last_ns - s->start_ns) / 1e9;

	return (s->frames > 1 && secs > 0) ? (double)(s->frames - 1) / secs : 0.0;
}

static inline double stats_mbps(const struct side_stats *s)
{
	double secs = (double)(s->last_ns - s->start_ns) / 1e9;

	/* The interval runs from the first frame to the last: count the bytes
	 * of the frames after the first. */
	return (s->frames > 1 && secs > 0)
		       ? (double)s->bytes * (double)(s->frames - 1) / (double)s->frames / 1e6 / secs
		       : 0.0;
}

#endif /* VIDEO_STATS_H */
