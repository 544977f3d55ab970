/* SPDX-License-Identifier: MIT */
/*
 * What the broadcast test programs share (test_broadcast.c,
 * test_broadcast_stream.c, test_broadcast_crash.c): the geometry, the state
 * shared with child processes, sending and checking messages (t_msg.h), and
 * the main that runs the cases by name.
 */
#ifndef T_BCAST_H
#define T_BCAST_H

#include <stdatomic.h>
#include <sys/mman.h>

#include "t_util.h"

#ifdef T_SANITIZED
#define T_DIV 4 /* TSan makes the long streams about 7x slower (ASan 1.5x) */
#else
#define T_DIV 1
#endif

#define BOUND_MS 10000 /* any single wait that should succeed */
#define SLOT 64
#define T_MSG_MAX SLOT
#define MAX_CHILDREN 16

#include "t_msg.h"

/* State shared with the child processes (MAP_SHARED, made before fork). */
struct shared {
	atomic_uint ready;
	atomic_uint flag;
	atomic_ullong written;
	atomic_ullong delivered[MAX_CHILDREN];
	atomic_ullong lost[MAX_CHILDREN];
	atomic_ullong extra[MAX_CHILDREN];
	atomic_ullong sessions[MAX_CHILDREN];
};

static struct shared *g_shm;
static const char *g_name;

static inline void shared_reset(void)
{
	memset(g_shm, 0, sizeof(*g_shm));
}

/* Message @want must be in @buf (well-formed, that index). */
static inline void check_msg(const void *buf, size_t len, uint64_t want, const char *who)
{
	uint64_t idx = t_msg_check(buf, len, who);

	if (idx != want)
		T_FAIL("%s: got message %llu, expected %llu", who, (unsigned long long)idx,
		       (unsigned long long)want);
}

static inline void send_msg(struct shmchan_channel *w, uint64_t i)
{
	unsigned char buf[SLOT];
	size_t len = t_msg_make(buf, i);
	int err = shmchan_channel_send(w, buf, len, BOUND_MS);

	if (err)
		T_FAIL("send of message %llu: %s", (unsigned long long)i, shmchan_strerror(err));
}

static inline void read_msg(struct shmchan_channel *r, uint64_t want)
{
	unsigned char buf[SLOT];
	size_t len;
	int err = shmchan_channel_read(r, buf, sizeof(buf), &len);

	if (err)
		T_FAIL("read, expecting message %llu: %s", (unsigned long long)want,
		       shmchan_strerror(err));
	check_msg(buf, len, want, "read");
}

static inline uint64_t lost_of(const struct shmchan_channel *s)
{
	uint64_t n = ~0ull;

	ASSERT_OK(shmchan_channel_lost(s, &n));
	return n;
}

/* Run the cases of @prog (all, or the one named by argv[1]). */
static inline int t_bcast_main(const char *prog, const struct t_case *cases, size_t n, int argc,
			       char **argv)
{
	t_watchdog(280);
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_shm = mmap(NULL, sizeof(*g_shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		     0);
	if (g_shm == MAP_FAILED)
		T_FAIL("mmap: %s", strerror(errno));
	t_run_cases(cases, n, argc, argv);
	printf("%s: ok%s\n", prog, T_DIV > 1 ? " (message counts / 4 under sanitizers)" : "");
	return 0;
}

#endif /* T_BCAST_H */
