/* SPDX-License-Identifier: MIT */
/*
 * The shmchan-DDS bridge (docs/bridge.md): export carries the messages of
 * a shmchan channel out as samples of a Cyclone DDS topic (type shmchan::Msg,
 * shmchan_msg.idl); import writes a topic's samples into a channel. Both
 * run until the end of the stream, a signal (the caller's stop flag) or an
 * error. main.c is the command line; this is the code behind it.
 *
 * Both calls return 0 at the end of the stream, -EINTR when *stop was set
 * first, or a negative errno value on failure with the reason in
 * result->why (a DDS failure is -EIO, its dds_strretcode() in why).
 */
#ifndef SHMCHAN_BRIDGE_H
#define SHMCHAN_BRIDGE_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include <shmchan.h>

/* flags of a sample: the exporter's channel ended (no payload). */
#define BRIDGE_FLAG_EOS 1u

/* How long one blocking call waits before the stop flag is looked at. */
#define BRIDGE_POLL_MS 200

struct bridge_opts {
	const char *channel;
	const char *topic;
	int domain;	     /* DDS domain id, or -1 for the configuration's */
	int wait_created_ms; /* export, and import without geometry: wait for the channel */
	/* import: the geometry to create the channel with; kind 0 means open
	 * an existing channel as it is. */
	struct shmchan_config create;
	volatile sig_atomic_t *stop; /* set by the caller's signal handler */
};

struct bridge_stats {
	uint64_t samples_in;   /* import: samples taken (end of stream included) */
	uint64_t samples_out;  /* export: samples published (end of stream included) */
	uint64_t messages;     /* messages read from (export) or written to (import) the channel */
	uint64_t bytes;	       /* their payload bytes */
	uint64_t lost;	       /* import: gaps in a source's sequence numbers */
	uint64_t duplicates;   /* import: a sequence number seen before (not written again) */
	uint64_t reordered;    /* import: one that came after a later one (written) */
	uint64_t too_large;    /* import: payloads above the channel's largest message */
	uint64_t invalid;      /* import: payloads whose length and buffer disagree */
	uint64_t untracked;    /* import: samples of sources beyond the table's room */
	uint64_t channel_lost; /* export: messages a broadcast subscriber lost (overwritten) */
	uint64_t corrupt;      /* export: corrupt slots the channel dropped */
	uint64_t sources;      /* import: distinct sources seen */
	int eos_unacked;       /* export: the end-of-stream sample was not acknowledged */
	double seconds;	       /* from the first message to the end */
};

struct bridge_result {
	struct bridge_stats st;
	char why[320];
};

int bridge_export(const struct bridge_opts *o, struct bridge_result *res);
int bridge_import(const struct bridge_opts *o, struct bridge_result *res);

/* The counters as --stats prints them, one line, for @role "export" or "import". */
void bridge_print_stats(FILE *f, const char *role, const struct bridge_stats *st);

#endif /* SHMCHAN_BRIDGE_H */
