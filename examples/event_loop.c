/* SPDX-License-Identifier: MIT */
/*
 * event_loop: one thread, one epoll loop, five things to wait on: three
 * channels (a camera, an IMU and a command stream, each written by a process
 * of its own), a timerfd that ticks every 100 ms, and a signalfd that ends
 * the loop on SIGINT or SIGTERM.
 *
 *   event_loop [FRAMES]
 *
 * Each channel's descriptor comes from shmchan_channel_poll_fd(). When epoll
 * reports it, the loop reads that channel until -EAGAIN (which re-arms the
 * descriptor) or -EPIPE (its writer is done). Every message carries its
 * channel's sequence number, checked here. Once all three streams have
 * ended, the program sends itself SIGTERM, which arrives through the
 * signalfd like a Ctrl-C would. Exit status 0 when every message arrived in
 * order and the loop ended by the signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shmchan.h>

#define NSRC 3
#define BOUND_S 30 /* give up after this long, whatever happens */

struct source {
	const char *tag;
	unsigned count; /* messages its writer sends */
	long period_us; /* between two of them */
	char name[64];	/* channel name */
	struct shmchan_channel r;
	uint64_t next; /* sequence number expected */
	int done;      /* end of stream seen */
};

static void nap_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* A writer process: @s->count messages, then close (end of stream). It
 * says on @ready once it is attached. */
static int produce(const struct source *s, int ready)
{
	struct shmchan_channel w;
	uint64_t i;
	int err = shmchan_channel_open_writer(&w, s->name, NULL);

	if (err) {
		fprintf(stderr, "%s: open_writer: %s\n", s->tag, shmchan_strerror(err));
		return 1;
	}
	if (write(ready, "", 1) != 1)
		return 1;
	for (i = 0; i < s->count; i++) {
		char msg[64];
		int n = snprintf(msg, sizeof(msg), "%016llx %s", (unsigned long long)i, s->tag);

		err = shmchan_channel_send(&w, msg, (size_t)n, 5000);
		if (err) {
			fprintf(stderr, "%s: send: %s\n", s->tag, shmchan_strerror(err));
			return 1;
		}
		nap_us(s->period_us);
	}
	return shmchan_channel_close(&w) ? 1 : 0;
}

/* The channel is readable: read it until there is nothing left. */
static int drain(struct source *s)
{
	char buf[64];
	size_t len;
	int err;

	while ((err = shmchan_channel_read(&s->r, buf, sizeof(buf) - 1, &len)) == 0) {
		buf[len] = '\0';
		if (strtoull(buf, NULL, 16) != s->next) {
			fprintf(stderr, "%s: got %s, expected %llu\n", s->tag, buf,
				(unsigned long long)s->next);
			return -1;
		}
		s->next++;
	}
	if (err == -EPIPE) {
		s->done = 1;
		return 0;
	}
	if (err != -EAGAIN) {
		fprintf(stderr, "%s: read: %s\n", s->tag, shmchan_strerror(err));
		return -1;
	}
	return 0;
}

static int add(int ep, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

int main(int argc, char **argv)
{
	unsigned frames = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 60;
	struct source src[NSRC] = {
		{ .tag = "camera", .count = frames, .period_us = 5000 },
		{ .tag = "imu", .count = frames * 4, .period_us = 1000 },
		{ .tag = "cmd", .count = 5, .period_us = 50000 },
	};
	struct shmchan_config cfg = { .slot_size = 64, .slot_count = 16 };
	struct itimerspec tick = { { 0, 100000000 }, { 0, 100000000 } };
	struct shmchan_channel keep[NSRC];
	pid_t pid[NSRC];
	sigset_t sigs;
	time_t start = time(NULL);
	int ep, tfd, sfd, i, ended = 0, ticks = 0, ok = 1, stop = 0;

	/* Signals arrive through the signalfd, not as handlers. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (ep < 0 || tfd < 0 || sfd < 0 || timerfd_settime(tfd, 0, &tick, NULL) != 0 ||
	    add(ep, tfd, NSRC) != 0 || add(ep, sfd, NSRC + 1) != 0) {
		perror("event_loop: setup");
		return 1;
	}
	for (i = 0; i < NSRC; i++) {
		int err, fd;

		snprintf(src[i].name, sizeof(src[i].name), "event_loop.%s.%d", src[i].tag,
			 (int)getpid());
		err = shmchan_channel_create_writer(&keep[i], src[i].name, &cfg);
		if (!err)
			err = shmchan_channel_open_reader(&src[i].r, src[i].name, NULL);
		fd = err ? err : shmchan_channel_poll_fd(&src[i].r);
		if (fd < 0 || add(ep, fd, (uint32_t)i) != 0) {
			fprintf(stderr, "event_loop: %s: %s\n", src[i].tag,
				shmchan_strerror(fd < 0 ? fd : -errno));
			return 1;
		}
	}
	for (i = 0; i < NSRC; i++) {
		int sync[2];
		char c;

		if (pipe(sync) != 0) {
			perror("event_loop: pipe");
			return 1;
		}
		pid[i] = fork();
		if (pid[i] == 0) {
			sigprocmask(SIG_UNBLOCK, &sigs, NULL);
			_exit(produce(&src[i], sync[1]));
		}
		/* Once the child's writer is attached, the creator's goes: the
		 * child's is the stream, and its close is the end of it. */
		close(sync[1]); /* a child that fails reads as end of file */
		if (read(sync[0], &c, 1) != 1)
			ok = 0;
		close(sync[0]);
		shmchan_channel_close(&keep[i]);
	}
	while (!stop && ok && time(NULL) - start < BOUND_S) {
		struct epoll_event ev[8];
		int n = epoll_wait(ep, ev, 8, 1000), k;

		for (k = 0; k < n; k++) {
			uint32_t t = ev[k].data.u32;

			if (t < NSRC) {
				if (drain(&src[t]) != 0)
					ok = 0;
				if (src[t].done && !ended) {
					int all = 1, j;

					for (j = 0; j < NSRC; j++)
						all &= src[j].done;
					if (all) { /* as a Ctrl-C would */
						ended = 1;
						kill(getpid(), SIGTERM);
					}
				}
			} else if (t == NSRC) {
				uint64_t exp;

				if (read(tfd, &exp, sizeof(exp)) == (ssize_t)sizeof(exp))
					ticks += (int)exp;
			} else {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					printf("signal %u: stopping\n", si.ssi_signo);
					stop = 1;
				}
			}
		}
	}
	for (i = 0; i < NSRC; i++) {
		int st = 0;

		waitpid(pid[i], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			ok = 0;
		printf("%-6s %5llu of %5u messages, in order%s\n", src[i].tag,
		       (unsigned long long)src[i].next, src[i].count,
		       src[i].done ? ", end of stream" : "");
		if (src[i].next != src[i].count || !src[i].done)
			ok = 0;
		shmchan_channel_close(&src[i].r);
		shmchan_channel_unlink(src[i].name);
	}
	printf("%d timer ticks; %s\n", ticks, ok && stop ? "ok" : "FAILED");
	return ok && stop ? 0 : 1;
}
