/* SPDX-License-Identifier: MIT */
/*
 * fanout: one frame source, several consumers, in separate processes.
 *
 *   fanout [FRAMES]
 *
 * 1. A broadcast channel (BLOCK: lossless) carries FRAMES frames from a
 *    source to a recorder, an encoder and a monitor; each checks every
 *    frame's number and bytes. The monitor joins from the oldest frame kept.
 * 2. A work queue hands FRAMES jobs to 3 workers; each job is done by
 *    exactly one of them (the parent checks the counts in shared memory).
 *
 * Exit status 0 when every consumer saw every frame and every job ran once.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <shmchan.h>

#define FRAME 256
#define TIMEOUT_MS 10000

struct frame {
	uint64_t no;
	unsigned char pixels[FRAME - 8];
};

static void paint(struct frame *f, uint64_t no)
{
	size_t i;

	f->no = no;
	for (i = 0; i < sizeof(f->pixels); i++)
		f->pixels[i] = (unsigned char)(no * 7 + i);
}

static int intact(const struct frame *f)
{
	size_t i;

	for (i = 0; i < sizeof(f->pixels); i++)
		if (f->pixels[i] != (unsigned char)(f->no * 7 + i))
			return 0;
	return 1;
}

/* A subscriber: every frame, in order, intact, until the source is gone. */
static int subscriber(const char *name, const char *role, unsigned flags, _Atomic int *ready,
		      uint64_t frames)
{
	struct shmchan_channel ch;
	struct frame f;
	uint64_t next = 0;
	size_t len;
	int err = shmchan_channel_subscribe(&ch, name, NULL, flags);

	if (err) {
		fprintf(stderr, "%s: subscribe: %s\n", role, shmchan_strerror(err));
		return 1;
	}
	atomic_fetch_add(ready, 1);
	while ((err = shmchan_channel_recv(&ch, &f, sizeof(f), &len, TIMEOUT_MS)) == 0) {
		if (len != sizeof(f) || f.no != next || !intact(&f)) {
			fprintf(stderr, "%s: frame %llu bad (expected %llu)\n", role,
				(unsigned long long)f.no, (unsigned long long)next);
			return 1;
		}
		next++;
	}
	shmchan_channel_close(&ch);
	printf("%-9s %llu frames, all intact and in order (%s)\n", role, (unsigned long long)next,
	       err == -EPIPE ? "end of stream" : shmchan_strerror(err));
	fflush(stdout); /* the child leaves with _exit */
	return err == -EPIPE && next == frames ? 0 : 1;
}

/* A worker: takes jobs until the queue is drained and its writer gone. */
static int worker(const char *name, int id, _Atomic int *ready, _Atomic uint32_t *done)
{
	struct shmchan_channel ch;
	uint64_t job, n = 0;
	size_t len;
	int err = shmchan_channel_open_reader(&ch, name, NULL);

	if (err) {
		fprintf(stderr, "worker %d: open: %s\n", id, shmchan_strerror(err));
		return 1;
	}
	atomic_fetch_add(ready, 1);
	while ((err = shmchan_channel_recv(&ch, &job, sizeof(job), &len, TIMEOUT_MS)) == 0) {
		atomic_fetch_add(&done[job], 1);
		n++;
	}
	shmchan_channel_close(&ch);
	printf("worker %d  %llu jobs\n", id, (unsigned long long)n);
	fflush(stdout); /* the child leaves with _exit */
	return err == -EPIPE ? 0 : 1;
}

static int wait_all(pid_t *pids, int n)
{
	int i, st, bad = 0;

	for (i = 0; i < n; i++)
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad = 1;
	return bad;
}

static void wait_ready(_Atomic int *ready, int n)
{
	int i;

	for (i = 0; i < 10000 && atomic_load(ready) < n; i++)
		usleep(1000);
}

int main(int argc, char **argv)
{
	uint64_t frames = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000, i;
	struct shmchan_config bc = { .kind = SHMCHAN_KIND_BROADCAST,
				     .slot_size = FRAME,
				     .slot_count = 64,
				     .policy = SHMCHAN_POLICY_BLOCK };
	struct shmchan_config wq = { .kind = SHMCHAN_KIND_WORKQUEUE,
				     .slot_size = 8,
				     .slot_count = 64 };
	static const char *roles[3] = { "recorder", "encoder", "monitor" };
	char bname[64], wname[64];
	struct shmchan_channel w;
	_Atomic int *ready;
	_Atomic uint32_t *done;
	pid_t pids[3];
	int k, bad = 0;

	if (frames == 0 || frames > 10000000) {
		fprintf(stderr, "usage: fanout [FRAMES (1 to 10000000)]\n");
		return 2;
	}
	ready = mmap(NULL, sizeof(*ready) + frames * sizeof(*done), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ready == MAP_FAILED)
		return 1;
	done = (_Atomic uint32_t *)(ready + 1);
	snprintf(bname, sizeof(bname), "fanout.frames.%d", (int)getpid());
	snprintf(wname, sizeof(wname), "fanout.jobs.%d", (int)getpid());

	/* 1. Broadcast: the source, then its subscribers. */
	if (shmchan_channel_create_or_replace_writer(&w, bname, &bc) != 0)
		return 1;
	for (k = 0; k < 3; k++) {
		pids[k] = fork();
		if (pids[k] == 0)
			_exit(subscriber(bname, roles[k], k == 2 ? SHMCHAN_SUB_OLDEST : 0, ready,
					 frames));
	}
	wait_ready(ready, 3);
	for (i = 0; i < frames; i++) {
		struct frame f;

		paint(&f, i);
		if (shmchan_channel_send(&w, &f, sizeof(f), TIMEOUT_MS) != 0) {
			fprintf(stderr, "source: frame %llu not sent\n", (unsigned long long)i);
			bad = 1;
			break;
		}
	}
	shmchan_channel_close(&w); /* end of stream for the subscribers */
	bad |= wait_all(pids, 3);
	shmchan_channel_unlink(bname);

	/* 2. Work queue: the jobs, then the workers. */
	atomic_store(ready, 0);
	if (shmchan_channel_create_or_replace_writer(&w, wname, &wq) != 0)
		return 1;
	for (k = 0; k < 3; k++) {
		pids[k] = fork();
		if (pids[k] == 0)
			_exit(worker(wname, k, ready, done));
	}
	wait_ready(ready, 3);
	for (i = 0; i < frames && !bad; i++)
		if (shmchan_channel_send(&w, &i, sizeof(i), TIMEOUT_MS) != 0)
			bad = 1;
	shmchan_channel_close(&w);
	bad |= wait_all(pids, 3);
	shmchan_channel_unlink(wname);
	for (i = 0; i < frames && !bad; i++)
		if (atomic_load(&done[i]) != 1) {
			fprintf(stderr, "job %llu ran %u times\n", (unsigned long long)i,
				atomic_load(&done[i]));
			bad = 1;
		}
	printf("fanout: %s\n", bad ? "FAILED" : "every frame to every subscriber, every job once");
	return bad;
}
