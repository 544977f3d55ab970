/* SPDX-License-Identifier: MIT */
/*
 * A wrong verdict never corrupts (ring.c, "Stepping over"). A reader whose
 * test hook makes it step over a claim stuck at head although its claimant
 * lives, as a wrong "dead" verdict would, must deliver no byte of that
 * claim, and must not let the slot be reused while the claimant can still
 * write to it: the claimant's commit fails with -ECANCELED and gives the
 * slot back, or, if the claimant dies instead, the reader gives it back once
 * the kernel says so. Runs on slot channels, or (argument "workqueue") on a
 * work queue, or (argument "broadcast") on a broadcast channel under
 * OVERWRITE.
 */
#include <poll.h>

#include "channel_pvt.h"
#include "registry_pvt.h"
#include "t_util.h"

#define BOUND_MS 10000
#define SLOTS 8
#define LEN 64
#define T_MSG_MAX LEN
#include "t_msg.h"

static struct shmchan_config geo = { .slot_size = LEN, .slot_count = SLOTS };
static const char *g_name;
static int g_ready[2], g_go[2];

/* One byte through pipe @fd, waited for at most BOUND_MS. */
static int pipe_wait(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char c;

	return poll(&p, 1, BOUND_MS) == 1 && read(fd, &c, 1) == 1 ? 0 : -1;
}

static void pipe_say(int fd)
{
	ASSERT_EQ(write(fd, "x", 1), 1);
}

/* Child: reserve a slot, say so, wait for the go, then write the whole slot
 * and commit: the commit must fail, since the reader stepped over it. */
static int stall_then_commit(void *arg)
{
	struct shmchan_channel w;
	void *slot;
	int err;

	(void)arg;
	if (shmchan_channel_open_writer(&w, g_name, NULL) ||
	    shmchan_channel_reserve(&w, LEN, &slot))
		return 2;
	if (write(g_ready[1], "r", 1) != 1 || pipe_wait(g_go[0]) != 0)
		return 3;
	memset(slot, 0xEE, LEN);
	err = shmchan_channel_commit(&w, LEN);
	if (err != -ECANCELED)
		return 4;
	/* The handle works on: its next message goes through. */
	memset(slot, 0, LEN);
	return shmchan_channel_close(&w) == 0 ? 0 : 5;
}

static void recv_msg(struct shmchan_channel *r, unsigned i)
{
	unsigned char got[LEN];
	size_t len;

	ASSERT_OK(shmchan_channel_recv(r, got, sizeof(got), &len, BOUND_MS));
	ASSERT_EQ(len, LEN);
	if (!t_raw_same(got, LEN, i))
		T_FAIL("message %u damaged (first byte 0x%02x)", i, got[0]);
}

static void send_msg(struct shmchan_channel *w, unsigned i)
{
	unsigned char m[LEN];

	t_raw_fill(m, LEN, i);
	ASSERT_OK(shmchan_channel_send(w, m, LEN, BOUND_MS));
}

/*
 * A channel @name of geometry @cfg, writer @w and reader @r (which steps
 * over live claims: the wrong verdict), and a child that has claimed the
 * first position and waits for the go (stall_then_commit). Returns its pid.
 */
static pid_t start_stalled(const char *name, const struct shmchan_config *cfg,
			   struct shmchan_channel *w, struct shmchan_channel *r)
{
	pid_t pid;

	g_name = name;
	ASSERT_OK(pipe(g_ready));
	ASSERT_OK(pipe(g_go));
	ASSERT_OK(shmchan_channel_create_writer(w, g_name, cfg));
	ASSERT_OK(shmchan_channel_open_reader(r, g_name, NULL));
	T_H(r)->hooks |= SHMCHAN__HOOK_STEP_LIVE;
	pid = t_fork(stall_then_commit, NULL);
	ASSERT_EQ(pipe_wait(g_ready[0]), 0); /* the first position is claimed */
	return pid;
}

/* Let the claimant commit (it must get -ECANCELED), or kill it. */
static void end_stalled(pid_t pid, int commit)
{
	if (commit) {
		pipe_say(g_go[1]);
		ASSERT_EQ(t_wait_child(pid, BOUND_MS), 0);
	} else {
		t_kill_wait(pid);
	}
}

/* Close both handles (the reader must see end of stream), unlink, and
 * close the pipes. */
static void finish(struct shmchan_channel *w, struct shmchan_channel *r)
{
	unsigned char m[LEN];
	size_t len;

	shmchan_channel_close(w);
	ASSERT_ERR(shmchan_channel_recv(r, m, sizeof(m), &len, BOUND_MS), -EPIPE);
	shmchan_channel_close(r);
	shmchan_channel_unlink(g_name);
	close(g_ready[0]);
	close(g_ready[1]);
	close(g_go[0]);
	close(g_go[1]);
}

/* @commit: the stalled claimant commits late (1) or is killed (0). */
static void run(int commit)
{
	struct shmchan_channel w, r;
	struct shmchan_info info = SHMCHAN_INFO_INIT;
	unsigned char m[LEN];
	size_t len;
	pid_t pid;
	unsigned i;

	pid = start_stalled(t_name(commit ? "verdict.commit" : "verdict.kill"), &geo, &w, &r);
	/* The reader steps over position 0 (its claimant alive) and reads on. */
	for (i = 1; i < SLOTS; i++)
		send_msg(&w, i);
	for (i = 1; i < SLOTS; i++)
		recv_msg(&r, i);
	ASSERT_OK(shmchan_channel_info(&r, &info));
	ASSERT_EQ(info.abandoned, 1);
	/* A lap later the stepped-over slot is still the claimant's: the
	 * ring is full there, and nothing is read from it. */
	t_raw_fill(m, LEN, SLOTS);
	ASSERT_ERR(shmchan_channel_write(&w, m, LEN), -EAGAIN);
	ASSERT_ERR(shmchan_channel_recv(&r, m, sizeof(m), &len, 50), -ETIMEDOUT);
	ASSERT_ERR(shmchan_channel_write(&w, m, LEN), -EAGAIN);
	end_stalled(pid, commit);
	/* Killed: the reader, idle, finds the claimant gone and gives the
	 * slot back. */
	if (!commit)
		ASSERT_ERR(shmchan_channel_recv(&r, m, sizeof(m), &len, 50), -ETIMEDOUT);
	send_msg(&w, SLOTS);
	recv_msg(&r, SLOTS);
	for (i = SLOTS + 1; i < 4 * SLOTS; i++) {
		send_msg(&w, i);
		recv_msg(&r, i);
	}
	finish(&w, &r);
}

/*
 * Records: the reader cannot pass a record whose writer may still write it
 * (a byte ring frees in order), so it marks it stepped over and waits: the
 * late commit fails with -ECANCELED and gives the record back, which the
 * reader then frees without delivering it; a killed claimant's record is
 * freed once the kernel says it is gone.
 */
static void run_record(int commit)
{
	struct shmchan_config rgeo = { .kind = SHMCHAN_KIND_RECORD, .buffer_size = 1024 };
	struct shmchan_channel w, r;
	unsigned char m[LEN];
	size_t len;
	pid_t pid;
	unsigned i;

	/* Record channels have their own geometry: run with the slot variant
	 * only, not again in the work-queue and broadcast ones. */
	if (geo.kind)
		return;
	pid = start_stalled(t_name(commit ? "verdict.rec.commit" : "verdict.rec.kill"), &rgeo, &w,
			    &r);
	send_msg(&w, 1);
	/* Stepped over, not passed: nothing read while the claimant lives. */
	ASSERT_ERR(shmchan_channel_recv(&r, m, sizeof(m), &len, 50), -ETIMEDOUT);
	ASSERT_EQ(
		atomic_load((_Atomic uint64_t *)(void *)((char *)T_H(&w)->hdr + SHMCHAN__HDR_SPACE +
							 sizeof(struct shmchan__rring_hdr))) &
			SHMCHAN__REC_FLAGS,
		SHMCHAN__REC_STEPPED);
	end_stalled(pid, commit);
	recv_msg(&r, 1); /* never the claimant's bytes */
	for (i = 2; i < 40; i++) {
		send_msg(&w, i);
		recv_msg(&r, i);
	}
	finish(&w, &r);
}

static void test_record_late_commit(void)
{
	run_record(1);
}

static void test_record_claimant_killed(void)
{
	run_record(0);
}

static void test_late_commit(void)
{
	run(1);
}

static void test_claimant_killed(void)
{
	run(0);
}

int main(int argc, char **argv)
{
	static const struct t_case cases[] = {
		{ "late_commit", test_late_commit },
		{ "claimant_killed", test_claimant_killed },
		{ "record_late_commit", test_record_late_commit },
		{ "record_claimant_killed", test_record_claimant_killed },
	};

	if (argc > 1 && strcmp(argv[1], "workqueue") == 0) {
		geo.kind = SHMCHAN_KIND_WORKQUEUE;
		argc--;
		argv++;
	} else if (argc > 1 && strcmp(argv[1], "broadcast") == 0) {
		/* OVERWRITE: the writer a lap later waits for no subscriber, so
		 * only the protocol keeps it off the stepped-over slot. */
		geo.kind = SHMCHAN_KIND_BROADCAST;
		geo.policy = SHMCHAN_POLICY_OVERWRITE;
		argc--;
		argv++;
	}
	t_watchdog(120);
	setvbuf(stdout, NULL, _IOLBF, 0);
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	printf("test_verdict: ok (%s)\n", !geo.kind    ? "slot channel"
					  : geo.policy ? "broadcast channel"
						       : "work queue");
	return 0;
}
