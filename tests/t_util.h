/* SPDX-License-Identifier: MIT */
/*
 * Test helpers: typed assertions that report file and line, unique segment
 * names, bounded waits for child processes, and cleanup of /dev/shm.
 * Exit status: 0 pass, 1 fail, 77 skip.
 */
#ifndef T_UTIL_H
#define T_UTIL_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

/* The library's state behind handle @c (struct shmchan_channel *): the one
 * way a test looks inside a handle. Tests that use it include handle_pvt.h
 * (or registry_pvt.h, which includes it). */
#define T_H(c) shmchan__handle_of(c)
#include <unistd.h>

#include "shmchan.h"

#define T_FAIL(...)                                                                                \
	do {                                                                                       \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                    \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fprintf(stderr, "\n");                                                             \
		t_cleanup();                                                                       \
		exit(1);                                                                           \
	} while (0)

#define ASSERT_TRUE(c)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			T_FAIL("assertion failed: %s", #c);                                        \
	} while (0)

#define ASSERT_EQ(a, b)                                                                            \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_)                                                                      \
			T_FAIL("%s == %s: %lld != %lld", #a, #b, a_, b_);                          \
	} while (0)

/* Checks a shmchan return value; prints the error's name on failure. */
#define ASSERT_ERR(expr, want)                                                                     \
	do {                                                                                       \
		long long got_ = (long long)(expr), want_ = (long long)(want);                     \
		if (got_ != want_)                                                                 \
			T_FAIL("%s returned %lld (%s), expected %lld (%s)", #expr, got_,           \
			       shmchan_strerror((int)got_), want_, shmchan_strerror((int)want_));  \
	} while (0)

#define ASSERT_OK(expr) ASSERT_ERR(expr, 0)

/* Names created through t_name() are unlinked by t_cleanup(). */
#define T_MAX_NAMES 64
static char t_names[T_MAX_NAMES][96];
static int t_nnames;
static pid_t t_owner;

static inline void t_cleanup(void)
{
	int i;

	if (getpid() != t_owner)
		return; /* children leave cleanup to the parent */
	for (i = 0; i < t_nnames; i++)
		shmchan_segment_unlink(t_names[i]);
}

/* A name unique to this process and call, registered for cleanup. */
static inline const char *t_name(const char *tag)
{
	static unsigned counter;
	char *n;

	if (t_nnames == T_MAX_NAMES)
		T_FAIL("too many test names");
	if (!t_owner) {
		t_owner = getpid();
		atexit(t_cleanup);
	}
	n = t_names[t_nnames++];
	snprintf(n, sizeof(t_names[0]), "t.%s.%d.%u", tag, (int)getpid(), counter++);
	return n;
}

static inline int64_t t_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Seconds since @t0 (a t_now_ns() value). */
static inline double t_secs_since(int64_t t0)
{
	return (double)(t_now_ns() - t0) / 1e9;
}

static inline void t_sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Wait at most @timeout_ms for child @pid; kill it if it overstays.
 * Returns its exit status (0-255), 128+signal if it died by a signal, or
 * -1 if it timed out (it is killed and reaped).
 */
static inline int t_wait_child(pid_t pid, int timeout_ms)
{
	int64_t end = t_now_ns() + (int64_t)timeout_ms * 1000000;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0 && errno != EINTR)
			return -2;
		if (t_now_ns() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		t_sleep_us(1000);
	}
}

/* Wait until @cond holds, polling every half millisecond; fail the test if
 * it does not within @ms milliseconds. */
#define T_WAIT_UNTIL(cond, ms)                                                                     \
	do {                                                                                       \
		int64_t end_ = t_now_ns() + (int64_t)(ms)*1000000;                                 \
		while (!(cond) && t_now_ns() < end_)                                               \
			t_sleep_us(500);                                                           \
		if (!(cond))                                                                       \
			T_FAIL("still not true after %d ms: %s", (int)(ms), #cond);                \
	} while (0)

/* Fork; the child runs fn(arg) and exits with its return value. The child
 * dies with the parent (a failed or timed-out test leaves no process
 * behind). Buffered output is flushed first, so that it is not doubled. */
static inline pid_t t_fork(int (*fn)(void *), void *arg)
{
	pid_t parent = getpid(), pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		T_FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(99);
		_exit(fn(arg));
	}
	return pid;
}

/* SIGKILL child @pid and reap it (a zombie still looks alive to peers). */
static inline void t_kill_wait(pid_t pid)
{
	kill(pid, SIGKILL);
	if (t_wait_child(pid, 10000) != 128 + SIGKILL)
		T_FAIL("child %d did not die of SIGKILL", (int)pid);
}

/* For a child that must stay quiet: sleep, bounded (60 s), doing nothing. */
static inline void t_idle_bounded(void)
{
	int i;

	for (i = 0; i < 600; i++)
		t_sleep_us(100000);
}

static inline void t_on_alarm(int sig)
{
	static const char msg[] = "watchdog: test took too long, failing\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	t_cleanup();
	_exit(1);
}

/* Guard against a hang anywhere: the test fails (and cleans up) after
 * @seconds. Children inherit nothing: alarms are not kept across fork. */
static inline void t_watchdog(unsigned seconds)
{
	signal(SIGALRM, t_on_alarm);
	alarm(seconds);
}

/*
 * A test made of named cases: run them all, or (argv[1]) the one named,
 * printing how long each took. ctest runs each case as a test of its own,
 * PROGRAM.CASE (tests/CMakeLists.txt lists them); `PROGRAM --cases NAME...`
 * fails unless NAME... are exactly the program's cases, in order, so that
 * the list there and the table here cannot drift apart.
 */
struct t_case {
	const char *name;
	void (*fn)(void);
};

static inline void t_run_cases(const struct t_case *cases, size_t n, int argc, char **argv)
{
	size_t i, ran = 0;

	if (argc > 1 && strcmp(argv[1], "--cases") == 0) {
		for (i = 0; i < n || (int)i + 2 < argc; i++)
			if ((int)i + 2 >= argc || i >= n || strcmp(argv[i + 2], cases[i].name) != 0)
				T_FAIL("the cases listed differ from the program's at %zu (%s)", i,
				       i < n ? cases[i].name : "none left");
		printf("  [%zu cases, as listed]\n", n);
		return;
	}
	for (i = 0; i < n; i++) {
		int64_t t0 = t_now_ns();

		if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)
			continue;
		cases[i].fn();
		printf("  [%s: %.2f s]\n", cases[i].name, t_secs_since(t0));
		ran++;
	}
	if (!ran)
		T_FAIL("no case named %s", argv[1]);
}

#endif /* T_UTIL_H */
