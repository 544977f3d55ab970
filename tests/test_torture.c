/* SPDX-License-Identifier: MIT */
/*
 * Torture: ITERATIONS rounds, each with PRODUCERS producer processes and a
 * reader process on one channel, sending checksummed messages; at a random
 * moment one of them, chosen at random, is killed with SIGKILL. A killed
 * reader is replaced by a new one (it takes the role over). After every
 * round:
 *   - no wait ran past its bound (every wait is bounded, and a round is too);
 *   - no torn or corrupt message was delivered (checksums, lengths, ids);
 *   - every message a producer saw committed was delivered, in order; the
 *     only repeat allowed is the one documented at-least-once case: the
 *     message a killed reader had peeked and marked seen but not released;
 *   - the stream ends (-EPIPE) once every producer has finished or died.
 * The reader peeks, records, then releases, so a record never runs ahead of
 * what the channel knows was consumed.
 *
 * The same on a record channel (argument "record"), a work queue
 * ("workqueue": the reader is one of its readers; one that replaces a
 * killed reader gets the message it held first), and a broadcast channel
 * under BLOCK ("broadcast": the reader is a subscriber, and only producers
 * are killed, since a new subscriber starts at the next message by design).
 *
 * And with a reader that holds up to HOLD messages at once ("hold" on a
 * slot channel, "record_hold" on a record channel), peeking several and
 * releasing them in a random order: a killed reader's held messages (up to
 * HOLD) are the ones delivered again, never one it released.
 *
 * And on a slot channel whose reader waits in poll() on its pollable
 * descriptor ("poll") or in a wait set ("waitset") instead of in
 * wait_readable: killed pollers (the reader), killed publishers. A lost
 * wake-up would leave the reader asleep until the descriptor's safety net
 * (set to 200 ms here) or the wait set's slice (200 ms): waits that long are counted, and
 * allowed only in a round where a producer was killed (its death is
 * noticed by the net), once. At the end of every round no poller socket of
 * the channel is left in SHMCHAN_SHM_DIR.
 */
#include <dirent.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "handle_pvt.h"
#include "shmchan/waitset.h"
#include "t_util.h"

#define ITERATIONS 200
#define PRODUCERS 3
#define PER_PRODUCER 2000
#define SLOT 128
#define BOUND_MS 5000
/* Messages the reader holds at once ("hold", "record_hold"). */
#define HOLD 4
static uint32_t g_hold = 1;

struct msg_hdr {
	uint32_t id, seq, len, sum;
};

struct shared {
	_Atomic uint32_t committed[PRODUCERS]; /* producer: messages committed */
	_Atomic uint32_t seen[PRODUCERS];      /* reader: next seq expected */
	_Atomic uint32_t repeats;	       /* deliveries of an already seen seq */
	_Atomic uint32_t bad;		       /* corrupt, reordered or lost messages */
	_Atomic uint32_t why;		       /* first failure, for the report */
	_Atomic uint32_t opened;	       /* producers attached */
	/* The reader's held messages, (id << 32 | seq) + 1 (0: none), and
	 * those of the reader it replaced: the ones allowed again. */
	_Atomic uint64_t held[HOLD];
	_Atomic uint64_t dead_held[HOLD];
	_Atomic uint32_t subscribed; /* broadcast: the reader is attached */
	_Atomic uint32_t long_waits; /* poll, waitset: waits of LONG_WAIT_MS or more */
};

/* How the reader waits. */
#define WAIT_PLAIN 0
#define WAIT_POLL 1
#define WAIT_SET 2
static int g_wait;
/* A wait this long means the reader was woken by a safety net, not by a
 * publisher. */
#define LONG_WAIT_MS 150

static struct shared *g_sh;
/* A slot channel of 16 slots, or (argument "record") a record channel of
 * 2 KiB: the same messages, each of at most SLOT bytes. */
static struct shmchan_config g_cfg = { .slot_size = SLOT, .slot_count = 16 };
static const char *g_name;
static unsigned g_seed;
static int g_bcast;

static uint32_t checksum(const unsigned char *p, size_t n, uint32_t h)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static size_t msg_len(uint32_t id, uint32_t seq)
{
	return sizeof(struct msg_hdr) + (seq * 13u + id * 7u) % (SLOT - sizeof(struct msg_hdr));
}

static int producer(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg, seq;
	unsigned char m[SLOT];
	struct shmchan_channel w;

	if (shmchan_channel_open_writer(&w, g_name, NULL))
		return 2;
	atomic_fetch_add(&g_sh->opened, 1);
	/* Broadcast: what is written before the subscriber attaches is not
	 * for it. */
	if (g_bcast)
		T_WAIT_UNTIL(atomic_load(&g_sh->subscribed), BOUND_MS);
	for (seq = 0; seq < PER_PRODUCER; seq++) {
		struct msg_hdr h = { id, seq, (uint32_t)msg_len(id, seq), 0 };
		size_t i;

		for (i = sizeof(h); i < h.len; i++)
			m[i] = (unsigned char)(id * 31u + seq + i);
		h.sum = checksum(m + sizeof(h), h.len - sizeof(h), id ^ (seq << 8));
		memcpy(m, &h, sizeof(h));
		int err = shmchan_channel_send(&w, m, h.len, BOUND_MS);

		if (err) /* -ETIMEDOUT: a wait past its bound */
			return err == -ETIMEDOUT ? 3 : 10 + (-err % 100);
		atomic_store(&g_sh->committed[id], seq + 1);
	}
	shmchan_channel_close(&w);
	return 0;
}

static void fail(uint32_t code)
{
	uint32_t zero = 0;

	atomic_compare_exchange_strong(&g_sh->why, &zero, code);
	atomic_fetch_add(&g_sh->bad, 1);
}

/* Check one delivered message and record it. */
static void check(const unsigned char *m, size_t len)
{
	struct msg_hdr h;
	uint32_t next;

	if (len < sizeof(h))
		return fail(1);
	memcpy(&h, m, sizeof(h));
	if (h.id >= PRODUCERS || h.len != len || len != msg_len(h.id, h.seq))
		return fail(2);
	if (h.sum != checksum(m + sizeof(h), len - sizeof(h), h.id ^ (h.seq << 8)))
		return fail(3); /* torn or corrupt */
	next = atomic_load(&g_sh->seen[h.id]);
	/* The at-least-once case: what a killed reader held, once each. */
	if (h.seq < next) {
		uint64_t tag = ((uint64_t)h.id << 32 | h.seq) + 1, t;
		int i;

		for (i = 0; i < HOLD; i++) {
			t = tag;
			if (atomic_compare_exchange_strong(&g_sh->dead_held[i], &t, 0)) {
				atomic_fetch_add(&g_sh->repeats, 1);
				return;
			}
		}
		return fail(4);
	}
	if (h.seq != next)
		return fail(4); /* lost or reordered */
	atomic_store(&g_sh->seen[h.id], next + 1);
}

/* The reader's wait: 0 (something to do, maybe), or a bound passed. */
static int reader_wait(struct shmchan_channel *r, int fd, struct shmchan_waitset *ws)
{
	int64_t t0 = t_now_ns();
	int err;

	if (g_wait == WAIT_PLAIN) {
		err = shmchan_channel_wait_readable(r, BOUND_MS);
		return err == -EPIPE ? 0 : err;
	}
	if (g_wait == WAIT_POLL) {
		struct pollfd p = { fd, POLLIN, 0 };

		do
			err = poll(&p, 1, BOUND_MS);
		while (err < 0 && errno == EINTR);
		err = err == 1 ? 0 : -ETIMEDOUT;
	} else {
		struct shmchan_waitset_event ev[1];

		err = shmchan_waitset_wait(ws, ev, 1, BOUND_MS);
		err = err == 1 ? 0 : err;
	}
	if (t_now_ns() - t0 >= (int64_t)LONG_WAIT_MS * 1000000)
		atomic_fetch_add(&g_sh->long_waits, 1);
	return err;
}

/* Release one of the *@n messages held (@held: their views) at random,
 * keeping the shared table of held messages in step. */
static int release_one(struct shmchan_channel *r, const void **held, uint32_t *n, unsigned *rs)
{
	uint32_t i = (uint32_t)rand_r(rs) % *n;

	if (shmchan_channel_release_view(r, held[i]) != 0)
		return -1;
	held[i] = held[--*n];
	atomic_store(&g_sh->held[i], atomic_load(&g_sh->held[*n]));
	atomic_store(&g_sh->held[*n], 0);
	return 0;
}

static int reader(void *arg)
{
	struct shmchan_channel r;
	struct shmchan_waitset ws;
	struct shmchan_config e = { .hold = g_hold };
	const void *held[HOLD];
	unsigned rs = g_seed ^ (unsigned)getpid();
	uint32_t nheld = 0;
	int tries, err, fd = -1;

	(void)arg;
	/* The previous reader may still be dying: -EBUSY until it is gone. */
	for (tries = 0; (err = shmchan_channel_open_reader(&r, g_name, &e)) == -EBUSY; tries++) {
		if (tries > BOUND_MS)
			return 2;
		t_sleep_us(1000);
	}
	if (err)
		return 3;
	/* What the replaced reader held may come again. */
	for (tries = 0; tries < HOLD; tries++)
		atomic_store(&g_sh->dead_held[tries], atomic_exchange(&g_sh->held[tries], 0));
	/* The descriptor's safety net at the wait set's slice (200 ms, not
	 * 1 s), so that the rounds where it is needed stay short. */
	T_H(&r)->poll.slice_ns = 200000000;
	if (g_wait == WAIT_POLL && (fd = shmchan_channel_poll_fd(&r)) < 0)
		return 6;
	if (g_wait == WAIT_SET &&
	    (shmchan_waitset_init(&ws) || shmchan_waitset_add(&ws, &r, SHMCHAN_READABLE) != 0))
		return 6;
	atomic_store(&g_sh->subscribed, 1);
	for (;;) {
		const void *view;
		size_t len;

		/* Holding: release one at random when full, when nothing
		 * more comes, or now and then. */
		if (nheld && (nheld == g_hold || rand_r(&rs) % 3 == 0)) {
			if (release_one(&r, held, &nheld, &rs) != 0)
				return 7;
			continue;
		}
		err = shmchan_channel_peek(&r, &view, &len);
		if (err == -EPIPE && nheld == 0)
			return 0;
		if ((err == -EAGAIN || err == -EPIPE) && nheld) {
			/* Nothing more to peek: release one before waiting. */
			if (release_one(&r, held, &nheld, &rs) != 0)
				return 7;
			continue;
		}
		if (err == -EAGAIN) {
			if (reader_wait(&r, fd, &ws) != 0)
				return 4; /* a wait past its bound */
			continue;
		}
		if (err)
			return 5;
		/* Noted as held before check() counts it as seen: a reader
		 * killed in between leaves a note its successor never uses. */
		if (len >= sizeof(struct msg_hdr)) {
			struct msg_hdr h;

			memcpy(&h, view, sizeof(h));
			atomic_store(&g_sh->held[nheld], ((uint64_t)h.id << 32 | h.seq) + 1);
		}
		check(view, len);
		held[nheld++] = view;
	}
}

/* Poller sockets of the channel with nonce @nonce left in SHMCHAN_SHM_DIR. */
static int sockets_left(uint64_t nonce)
{
	char prefix[64];
	struct dirent *d;
	DIR *dir = opendir(SHMCHAN_SHM_DIR);
	int n = 0;

	snprintf(prefix, sizeof(prefix), "shmchan-poll.%016llx.", (unsigned long long)nonce);
	if (!dir)
		T_FAIL("opendir: %s", strerror(errno));
	while ((d = readdir(dir)) != NULL)
		if (strncmp(d->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(dir);
	return n;
}

static unsigned rnd(unsigned n)
{
	g_seed = g_seed * 1103515245u + 12345u;
	return (g_seed >> 16) % n;
}

static void round_once(unsigned iter, unsigned *kills, unsigned *long_waits)
{
	struct shmchan_config cfg = g_cfg;
	struct shmchan_channel creator;
	pid_t prod[PRODUCERS], rd, rd2 = 0;
	unsigned victim, i;
	uint64_t nonce;
	int rc;

	memset(g_sh, 0, sizeof(*g_sh));
	g_name = t_name("torture");
	ASSERT_OK(shmchan_channel_create_or_replace_writer(&creator, g_name, &cfg));
	nonce = T_H(&creator)->nonce;
	for (i = 0; i < PRODUCERS; i++)
		prod[i] = t_fork(producer, (void *)(uintptr_t)i);
	rd = t_fork(reader, NULL);
	/* The creator leaves once the producers hold the stream open. */
	T_WAIT_UNTIL(atomic_load(&g_sh->opened) == PRODUCERS, BOUND_MS);
	shmchan_channel_close(&creator);
	t_sleep_us(rnd(10000));
	victim = rnd(g_bcast ? PRODUCERS : PRODUCERS + 1);
	if (victim < PRODUCERS) {
		kill(prod[victim], SIGKILL);
	} else {
		kill(rd, SIGKILL);
		rc = t_wait_child(rd, BOUND_MS);
		ASSERT_TRUE(rc == 128 + SIGKILL || rc == 0); /* it may have finished */
		rd2 = t_fork(reader, NULL);		     /* takes over from the dead one */
	}
	kills[victim]++;
	for (i = 0; i < PRODUCERS; i++) {
		rc = t_wait_child(prod[i], 2 * BOUND_MS);
		if (i == victim) {
			ASSERT_TRUE(rc == 0 || rc == 128 + SIGKILL); /* it may have finished */
			continue;
		}
		if (rc != 0)
			T_FAIL("round %u: producer %u exited %d (victim %u; committed %u, "
			       "delivered "
			       "%u)",
			       iter, i, rc, victim, atomic_load(&g_sh->committed[i]),
			       atomic_load(&g_sh->seen[i]));
	}
	rc = t_wait_child(rd2 ? rd2 : rd, 2 * BOUND_MS);
	if (rc != 0)
		T_FAIL("round %u: reader exited %d (victim %u)", iter, rc, victim);
	if (atomic_load(&g_sh->bad))
		T_FAIL("round %u: %u bad deliveries (first: kind %u)", iter,
		       atomic_load(&g_sh->bad), atomic_load(&g_sh->why));
	for (i = 0; i < PRODUCERS; i++)
		if (atomic_load(&g_sh->seen[i]) < atomic_load(&g_sh->committed[i]))
			T_FAIL("round %u: producer %u committed %u, only %u delivered", iter, i,
			       atomic_load(&g_sh->committed[i]), atomic_load(&g_sh->seen[i]));
	/* A repeat happens only when the reader was the one killed. */
	if (atomic_load(&g_sh->repeats) > (victim == PRODUCERS ? g_hold : 0u))
		T_FAIL("round %u: %u repeats", iter, atomic_load(&g_sh->repeats));
	/* A safety net woke the reader only for a killed producer's death. */
	if (atomic_load(&g_sh->long_waits) > (victim < PRODUCERS ? 1u : 0u))
		T_FAIL("round %u: %u waits of %d ms or more (victim %u): a lost wake-up", iter,
		       atomic_load(&g_sh->long_waits), LONG_WAIT_MS, victim);
	*long_waits += atomic_load(&g_sh->long_waits);
	/* A killed reader's socket goes when its entry is reclaimed; one that
	 * exited without closing, when the channel is removed. */
	shmchan_channel_unlink(g_name);
	if (sockets_left(nonce) != 0)
		T_FAIL("round %u: %d poller sockets left", iter, sockets_left(nonce));
	t_nnames = 0;
}

int main(int argc, char **argv)
{
	const char *kinds[] = { "record",  "workqueue", "broadcast",  "poll",
				"waitset", "hold",	"record_hold" };
	const char *kind = "slot";
	int rec = 0;
	unsigned iters, seed, kills[PRODUCERS + 1] = { 0 }, i, long_waits = 0;
	int64_t t0 = t_now_ns();

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (argc > 1 && strcmp(argv[1], kinds[i]) == 0) {
			kind = kinds[i];
			rec = 1;
		}
	if (strcmp(kind, "hold") == 0 || strcmp(kind, "record_hold") == 0)
		g_hold = HOLD;
	if (strcmp(kind, "record") == 0 || strcmp(kind, "record_hold") == 0)
		g_cfg = (struct shmchan_config){ .kind = SHMCHAN_KIND_RECORD, .buffer_size = 2048 };
	if (strcmp(kind, "workqueue") == 0)
		g_cfg.kind = SHMCHAN_KIND_WORKQUEUE;
	if (strcmp(kind, "broadcast") == 0) {
		g_cfg.kind = SHMCHAN_KIND_BROADCAST;
		g_bcast = 1;
	}
	if (strcmp(kind, "poll") == 0)
		g_wait = WAIT_POLL;
	if (strcmp(kind, "waitset") == 0)
		g_wait = WAIT_SET;
	iters = argc > 1 + rec ? (unsigned)strtoul(argv[1 + rec], NULL, 0) : ITERATIONS;
	seed = argc > 2 + rec ? (unsigned)strtoul(argv[2 + rec], NULL, 0) : (unsigned)getpid();
	t_watchdog(115);
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_seed = seed;
	g_sh = mmap(NULL, sizeof(*g_sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(g_sh != MAP_FAILED);
	for (i = 0; i < iters; i++)
		round_once(i, kills, &long_waits);
	printf("test_torture: ok, %u rounds on %s channels in %.1f s; killed producers %u/%u/%u, "
	       "readers %u; waits of %d ms or more: %u (seed %u)\n",
	       iters, kind, (double)(t_now_ns() - t0) / 1e9, kills[0], kills[1], kills[2], kills[3],
	       LONG_WAIT_MS, long_waits, seed);
	return 0;
}
