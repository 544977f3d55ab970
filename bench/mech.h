/* SPDX-License-Identifier: MIT */
/*
 * Benchmark mechanisms: each moves messages between two processes, side 0
 * (the pinger, or the producer) and side 1 (the ponger, or the consumer),
 * in both directions. The driver calls setup() before fork, open() in each
 * process, then send()/recv() (blocking, whole messages), close(), and
 * teardown() in the parent.
 */
#ifndef BENCH_MECH_H
#define BENCH_MECH_H

#include <stddef.h>
#include <stdint.h>

struct mech_ctx {
	size_t size;   /* message size of this run */
	int zero_copy; /* shmchan: in place; MECH_STAMPS or MECH_EVERY_BYTE */
	uint32_t wait; /* shmchan: wait strategy */
	int fd[4];     /* descriptors of kernel mechanisms */
	void *shm;     /* shared memory of shm mechanisms */
	size_t shm_size;
	char name[2][64];   /* shmchan channel names (side 0 -> 1, 1 -> 0) */
	void *priv;	    /* per-process state (opened handles) */
	unsigned char *buf; /* a message buffer of `size` bytes */
};

struct mech {
	const char *name;
	size_t max_size; /* largest message it carries here (0: any); see limit */
	/* Returns 0, or a negative errno (the run is skipped, with the reason). */
	int (*setup)(struct mech_ctx *c);
	int (*open)(struct mech_ctx *c, int side);
	/* Send one message of c->size bytes whose first and last 8 bytes are
	 * stamped with @seq; returns 0 or a negative errno. */
	int (*send)(struct mech_ctx *c, int side, uint64_t seq);
	/* Receive one message; returns its stamp (checked), or -1 on error. */
	int64_t (*recv)(struct mech_ctx *c, int side);
	void (*close)(struct mech_ctx *c, int side);
	void (*teardown)(struct mech_ctx *c);
	int latency_only; /* the floor: no throughput run */
	int throughput_only;
};

/* In-place modes: only the two stamps are written and read, or every byte
 * is (the sender fills the message, the receiver checks all of it). */
#define MECH_STAMPS 1
#define MECH_EVERY_BYTE 2

/* Stamp and check: the first and last 8 bytes of every message carry its
 * sequence number, so the receiver must look at both ends. */
void mech_stamp(unsigned char *m, size_t size, uint64_t seq);
int64_t mech_check(const unsigned char *m, size_t size);
/* Every byte: fill the message with the low byte of @seq, then stamp it;
 * check all of it (returns the stamp, or -1 if a byte differs). */
void mech_fill(unsigned char *m, size_t size, uint64_t seq);
int64_t mech_check_all(const unsigned char *m, size_t size);

/* The mechanisms, in table order. */
extern const struct mech mech_spinline, mech_memcpy, mech_spsc, mech_slot_copy, mech_slot_zc,
	mech_slot_fill, mech_slot_spin, mech_slot_backoff, mech_rec_copy, mech_rec_zc,
	mech_rec_fill, mech_iox_copy, mech_iox_zc, mech_iox_fill, mech_iox_spin, mech_eventfd,
	mech_pipe, mech_unix_stream, mech_unix_seqpacket, mech_mqueue, mech_tcp;

/* iceoryx (mech_iox.c, optional): why its rows are skipped (NULL: not an
 * iceoryx mechanism, or no reason beyond the errno), and the signal path's
 * cleanup (async-signal-safe: kills the RouDi the bench started and removes
 * what it leaves behind; nothing in a child of the bench). */
const char *mech_iox_reason(const struct mech *m);
void mech_iox_fatal(void);

#endif /* BENCH_MECH_H */
