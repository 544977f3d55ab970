/* SPDX-License-Identifier: MIT */
/*
 * shmchan-wake-bench: the wake-up round trip of each wait strategy, measured
 * in the same run as the baselines it is judged against:
 *   spin-line    a raw cache-line ping-pong (the physical floor);
 *   futex-raw    a raw futex ping-pong: store, FUTEX_WAKE, FUTEX_WAIT;
 *   eventfd-raw  a raw eventfd ping-pong through epoll: write, epoll_wait,
 *                read (what an event loop pays for a wake-up), against which
 *                shmchan's pollable descriptor (shmchan POLLFD: read until
 *                -EAGAIN, epoll_wait on shmchan_channel_poll_fd) is judged.
 * Two processes, each pinned to its own CPU (--cpus A,B). Two modes:
 *   busy  round trips back to back (messages flowing);
 *   idle  a pause (--idle-us, default 2000) before each round trip, so that
 *         waiters that sleep are asleep when the ping comes.
 * Then the CPU time a waiter uses while blocked for one second, per strategy,
 * and the cost of a publish (a write and a read in one process) with no
 * descriptor, with one that is not armed, and with one armed at every
 * message (each publish then sends it a datagram).
 *
 * usage: shmchan-wake-bench [--cpus A,B] [--count N] [--idle-count N]
 *                           [--idle-us US] [--quick]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <shmchan.h>

#include "bench_util.h"

enum mech {
	SPIN_LINE,
	FUTEX_RAW,
	EVENTFD_RAW,
	CH_SPIN,
	CH_FUTEX,
	CH_BACKOFF,
	CH_POLLFD,
	CH_WAITSET,
	NMECH
};
static const char *mech_name[NMECH] = { "spin-line (floor)", "futex-raw",	 "eventfd-raw",
					"shmchan SPIN",	     "shmchan FUTEX",	 "shmchan BACKOFF",
					"shmchan POLLFD",    "shmchan WAITSET64" };
/* WAITSET64: the ponger waits in a wait set of WS_N readers; each ping goes
 * to one of the WS_N channels, chosen at random. */
#define WS_N 64
#define IS_RAW(m) ((m) < CH_SPIN)

struct opts {
	int cpu[2];
	unsigned count, idle_count, idle_us;
};

/* A shared word for the raw baselines: odd = ping, even = pong; and the
 * eventfd baseline's descriptors (made before the fork). */
struct raw {
	_Alignas(64) _Atomic uint32_t word;
	int efd[2]; /* [0] pinged, [1] ponged */
};

/* eventfd-raw: wait in epoll until @fd is readable, then read it. */
static void efd_wait(int ep, int fd)
{
	struct epoll_event ev;
	uint64_t v;

	while (epoll_wait(ep, &ev, 1, -1) != 1)
		;
	if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		_exit(4);
}

static void efd_post(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		_exit(4);
}

/* An epoll set over @fd alone. */
static int epoll_of(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		_exit(5);
	return ep;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void fwait(_Atomic uint32_t *w, uint32_t val)
{
	syscall(SYS_futex, (void *)w, FUTEX_WAIT, val, NULL, NULL, 0);
}

static void fwake(_Atomic uint32_t *w)
{
	syscall(SYS_futex, (void *)w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Wait until *w == want: spinning, or sleeping on the futex. */
static void raw_wait(_Atomic uint32_t *w, uint32_t want, int sleep)
{
	uint32_t v;

	while ((v = atomic_load_explicit(w, memory_order_acquire)) != want) {
		if (sleep)
			fwait(w, v);
		else
			cpu_relax();
	}
}

static void raw_post(_Atomic uint32_t *w, uint32_t v, int sleep)
{
	atomic_store_explicit(w, v, memory_order_release);
	if (sleep)
		fwake(w);
}

struct chans {
	char ping[64], pong[64];
	struct shmchan_channel in, out;
	struct shmchan_channel keep[2]; /* creators, attached to the end */
	int ep;				/* POLLFD: an epoll set over in's descriptor */
	/* WAITSET64 */
	char wname[WS_N][64];
	struct shmchan_channel wkeep[WS_N], win[WS_N], wout[WS_N];
	struct shmchan_waitset ws;
};

/* WAITSET64: which of the WS_N channels ping @i goes to. */
static unsigned ws_pick(unsigned i)
{
	uint32_t x = i * 2654435761u;

	return (x >> 16) % WS_N;
}

/* POLLFD: read, and while there is nothing, wait in epoll on the handle's
 * descriptor. */
static int poll_recv(struct chans *c, void *buf, size_t cap, size_t *len)
{
	int err;

	while ((err = shmchan_channel_read(&c->in, buf, cap, len)) == -EAGAIN) {
		struct epoll_event ev;

		epoll_wait(c->ep, &ev, 1, -1);
	}
	return err;
}

static uint32_t strategy_of(enum mech m)
{
	return m == CH_SPIN ? SHMCHAN_WAIT_SPIN
			    : (m == CH_BACKOFF ? SHMCHAN_WAIT_BACKOFF : SHMCHAN_WAIT_FUTEX);
}

static int open_side(struct chans *c, enum mech m, int pinger)
{
	struct shmchan_config cfg = { .wait = strategy_of(m) };
	int err = shmchan_channel_open_reader(&c->in, pinger ? c->pong : c->ping, &cfg);

	if (!err)
		err = shmchan_channel_open_writer(&c->out, pinger ? c->ping : c->pong, &cfg);
	if (!err && m == CH_WAITSET) {
		unsigned k;

		shmchan_waitset_init(&c->ws);
		for (k = 0; k < WS_N && !err; k++) {
			err = pinger ? shmchan_channel_open_writer(&c->wout[k], c->wname[k], &cfg)
				     : shmchan_channel_open_reader(&c->win[k], c->wname[k], &cfg);
			if (!err && !pinger &&
			    shmchan_waitset_add(&c->ws, &c->win[k], SHMCHAN_READABLE) < 0)
				err = -1;
		}
	}
	if (!err && m == CH_POLLFD) {
		int fd = shmchan_channel_poll_fd(&c->in);

		if (fd < 0)
			return fd;
		c->ep = epoll_of(fd);
	}
	return err;
}

static void ponger(enum mech m, struct raw *raw, struct chans *c, unsigned total, int cpu)
{
	unsigned i;

	int ep = m == EVENTFD_RAW ? epoll_of(raw->efd[0]) : -1;

	b_pin(cpu);
	if (!IS_RAW(m) && open_side(c, m, 0) != 0)
		_exit(2);
	for (i = 0; i < total; i++) {
		uint64_t v = 0;
		size_t len;

		if (m == SPIN_LINE || m == FUTEX_RAW) {
			raw_wait(&raw->word, 2 * i + 1, m == FUTEX_RAW);
			raw_post(&raw->word, 2 * i + 2, m == FUTEX_RAW);
		} else if (m == EVENTFD_RAW) {
			efd_wait(ep, raw->efd[0]);
			efd_post(raw->efd[1]);
		} else if (m == CH_POLLFD) {
			if (poll_recv(c, &v, sizeof(v), &len) != 0 ||
			    shmchan_channel_write(&c->out, &v, sizeof(v)) != 0)
				_exit(3);
		} else if (m == CH_WAITSET) {
			struct shmchan_waitset_event ev[4];

			if (shmchan_waitset_wait(&c->ws, ev, 4, -1) < 1 ||
			    ev[0].index != ws_pick(i) ||
			    shmchan_channel_read(ev[0].ch, &v, sizeof(v), &len) != 0 ||
			    shmchan_channel_send(&c->out, &v, sizeof(v), -1) != 0)
				_exit(3);
		} else {
			if (shmchan_channel_recv(&c->in, &v, sizeof(v), &len, -1) != 0 ||
			    shmchan_channel_send(&c->out, &v, sizeof(v), -1) != 0)
				_exit(3);
		}
	}
	_exit(0);
}

/* One round trip from the pinger's side (@ep: eventfd-raw's epoll set). */
static void ping(enum mech m, struct raw *raw, struct chans *c, unsigned i, int ep)
{
	uint64_t v = i;
	size_t len;

	if (m == SPIN_LINE || m == FUTEX_RAW) {
		raw_post(&raw->word, 2 * i + 1, m == FUTEX_RAW);
		raw_wait(&raw->word, 2 * i + 2, m == FUTEX_RAW);
		return;
	}
	if (m == EVENTFD_RAW) {
		efd_post(raw->efd[0]);
		efd_wait(ep, raw->efd[1]);
		return;
	}
	if (m == CH_WAITSET) {
		if (shmchan_channel_write(&c->wout[ws_pick(i)], &v, sizeof(v)) != 0 ||
		    shmchan_channel_recv(&c->in, &v, sizeof(v), &len, -1) != 0 || v != i) {
			fprintf(stderr, "ping %u failed\n", i);
			exit(1);
		}
		return;
	}
	if (m == CH_POLLFD) {
		if (shmchan_channel_write(&c->out, &v, sizeof(v)) != 0 ||
		    poll_recv(c, &v, sizeof(v), &len) != 0 || v != i) {
			fprintf(stderr, "ping %u failed\n", i);
			exit(1);
		}
		return;
	}
	if (shmchan_channel_send(&c->out, &v, sizeof(v), -1) != 0 ||
	    shmchan_channel_recv(&c->in, &v, sizeof(v), &len, -1) != 0 || v != i) {
		fprintf(stderr, "ping %u failed\n", i);
		exit(1);
	}
}

static int make_chans(struct chans *c)
{
	struct shmchan_config cfg = { .slot_size = 64, .slot_count = 64 };

	snprintf(c->ping, sizeof(c->ping), "bench.ping.%d", (int)getpid());
	snprintf(c->pong, sizeof(c->pong), "bench.pong.%d", (int)getpid());
	if (shmchan_channel_create_or_replace_writer(&c->keep[0], c->ping, &cfg) != 0 ||
	    shmchan_channel_create_or_replace_writer(&c->keep[1], c->pong, &cfg) != 0)
		return -1;
	for (unsigned k = 0; k < WS_N; k++) {
		snprintf(c->wname[k], sizeof(c->wname[k]), "bench.ws.%d.%u", (int)getpid(), k);
		if (shmchan_channel_create_or_replace_writer(&c->wkeep[k], c->wname[k], &cfg) != 0)
			return -1;
	}
	return 0;
}

/* Measure @n round trips of @m (after @warm unmeasured ones). */
static struct b_stats run(enum mech m, const struct opts *o, unsigned n, unsigned warm,
			  unsigned idle_us)
{
	struct raw *raw =
		mmap(NULL, sizeof(*raw), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t *lat = calloc(n, sizeof(*lat));
	static struct chans c;
	struct b_stats s;
	unsigned i;
	pid_t pid;
	int st, ep = -1;

	if (raw == MAP_FAILED || !lat || (!IS_RAW(m) && make_chans(&c) != 0)) {
		fprintf(stderr, "setup failed\n");
		exit(1);
	}
	atomic_store(&raw->word, 0);
	raw->efd[0] = eventfd(0, EFD_CLOEXEC);
	raw->efd[1] = eventfd(0, EFD_CLOEXEC);
	if (raw->efd[0] < 0 || raw->efd[1] < 0) {
		fprintf(stderr, "eventfd failed\n");
		exit(1);
	}
	pid = fork();
	if (pid == 0)
		ponger(m, raw, &c, n + warm, o->cpu[1]);
	b_pin(o->cpu[0]);
	if (m == EVENTFD_RAW)
		ep = epoll_of(raw->efd[1]);
	if (!IS_RAW(m) && open_side(&c, m, 1) != 0) {
		fprintf(stderr, "open failed\n");
		exit(1);
	}
	for (i = 0; i < n + warm; i++) {
		uint64_t t0;

		if (idle_us)
			b_sleep_ns((uint64_t)idle_us * 1000);
		t0 = b_now_ns();
		ping(m, raw, &c, i, ep);
		if (i >= warm)
			lat[i - warm] = b_now_ns() - t0;
	}
	waitpid(pid, &st, 0);
	if (ep >= 0)
		close(ep);
	close(raw->efd[0]);
	close(raw->efd[1]);
	if (!IS_RAW(m)) {
		if (m == CH_POLLFD)
			close(c.ep);
		shmchan_channel_close(&c.in);
		shmchan_channel_close(&c.out);
		shmchan_channel_close(&c.keep[0]);
		shmchan_channel_close(&c.keep[1]);
		for (unsigned k = 0; k < WS_N; k++) {
			if (m == CH_WAITSET)
				shmchan_channel_close(&c.wout[k]);
			shmchan_channel_close(&c.wkeep[k]);
			shmchan_channel_unlink(c.wname[k]);
		}
		shmchan_channel_unlink(c.ping);
		shmchan_channel_unlink(c.pong);
	}
	s = b_percentiles(lat, n);
	free(lat);
	munmap(raw, sizeof(*raw));
	return s;
}

static void print_table(const char *mode, struct b_stats *s, unsigned n)
{
	int m;

	printf("\n%s round trip, %u samples, ns (ratios: p50 and p99 to spin-line | to "
	       "futex-raw | to eventfd-raw)\n",
	       mode, n);
	printf("%-18s %9s %9s %9s %9s %10s   %-13s %-13s %-13s\n", "mechanism", "p50", "p90", "p99",
	       "p99.9", "max", "x spin-line", "x futex-raw", "x eventfd-raw");
	for (m = 0; m < NMECH; m++)
		printf("%-18s %9llu %9llu %9llu %9llu %10llu   %5.2f %6.2f   %5.2f %6.2f   %5.2f "
		       "%6.2f\n",
		       mech_name[m], (unsigned long long)s[m].p50, (unsigned long long)s[m].p90,
		       (unsigned long long)s[m].p99, (unsigned long long)s[m].p999,
		       (unsigned long long)s[m].max, (double)s[m].p50 / (double)s[0].p50,
		       (double)s[m].p99 / (double)s[0].p99,
		       (double)s[m].p50 / (double)s[FUTEX_RAW].p50,
		       (double)s[m].p99 / (double)s[FUTEX_RAW].p99,
		       (double)s[m].p50 / (double)s[EVENTFD_RAW].p50,
		       (double)s[m].p99 / (double)s[EVENTFD_RAW].p99);
}

/* The publish cost: ns per iteration of a loop in one process that writes
 * an 8-byte message and reads it back. */
enum pub_mode { PUB_PLAIN, PUB_NOT_ARMED, PUB_PLAIN_EAGAIN, PUB_ARMED, NPUB };
static const char *pub_name[NPUB] = {
	"no descriptor: write, read",
	"descriptor not armed: write, read",
	"no descriptor: write, read, read (-EAGAIN)",
	"descriptor armed each time: write, read, read (-EAGAIN, re-arms)",
};

static double publish_ns(enum pub_mode mode, unsigned n, int cpu)
{
	struct shmchan_config cfg = { .slot_size = 64, .slot_count = 64 };
	struct shmchan_channel w, r;
	uint64_t v = 0, t0, t1;
	char name[64];
	size_t len;
	unsigned i;

	b_pin(cpu);
	snprintf(name, sizeof(name), "bench.pub.%d", (int)getpid());
	if (shmchan_channel_create_or_replace_writer(&w, name, &cfg) != 0 ||
	    shmchan_channel_open_reader(&r, name, NULL) != 0)
		return -1;
	if (mode == PUB_NOT_ARMED || mode == PUB_ARMED) {
		if (shmchan_channel_poll_fd(&r) < 0)
			return -1;
		/* Fire it once: from then on it stays fired unless a read finds
		 * nothing (PUB_ARMED does, every time). */
		shmchan_channel_write(&w, &v, sizeof(v));
		shmchan_channel_read(&r, &v, sizeof(v), &len);
	}
	t0 = b_now_ns();
	for (i = 0; i < n; i++) {
		v = i;
		if (shmchan_channel_write(&w, &v, sizeof(v)) != 0 ||
		    shmchan_channel_read(&r, &v, sizeof(v), &len) != 0 || v != i)
			return -1;
		if ((mode == PUB_PLAIN_EAGAIN || mode == PUB_ARMED) &&
		    shmchan_channel_read(&r, &v, sizeof(v), &len) != -EAGAIN)
			return -1;
	}
	t1 = b_now_ns();
	shmchan_channel_close(&r);
	shmchan_channel_close(&w);
	shmchan_channel_unlink(name);
	return (double)(t1 - t0) / n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define PUB_PASSES 7
static void publish_table(unsigned n, int cpu)
{
	double ns[NPUB][PUB_PASSES];
	int p, m;

	for (p = 0; p < PUB_PASSES; p++) /* interleaved passes */
		for (m = 0; m < NPUB; m++)
			ns[m][p] = publish_ns((enum pub_mode)m, n, cpu);
	printf("\npublish cost, ns per loop iteration (%u iterations, %d interleaved passes, "
	       "median [min-max]; CPU %d)\n",
	       n, PUB_PASSES, cpu);
	for (m = 0; m < NPUB; m++) {
		qsort(ns[m], PUB_PASSES, sizeof(double), cmp_double);
		printf("  %-66s %7.1f [%.1f-%.1f]\n", pub_name[m], ns[m][PUB_PASSES / 2], ns[m][0],
		       ns[m][PUB_PASSES - 1]);
	}
}

static long cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L +
	       ru.ru_stime.tv_usec;
}

/* CPU (user + system, us) a reader uses while blocked in wait_readable for
 * one second, measured around the wait only. */
static long idle_cpu(uint32_t strategy)
{
	struct shmchan_config cfg = { .slot_size = 64, .slot_count = 4 };
	long *shared =
		mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct shmchan_channel w, r;
	long result = -1;
	char name[64];
	pid_t pid;

	snprintf(name, sizeof(name), "bench.idle.%d", (int)getpid());
	if (shared == MAP_FAILED || shmchan_channel_create_or_replace_writer(&w, name, &cfg) != 0)
		return -1;
	*shared = -1;
	pid = fork();
	if (pid == 0) {
		struct shmchan_config c = { .wait = strategy };
		long t0;

		if (shmchan_channel_open_reader(&r, name, &c) != 0)
			_exit(2);
		t0 = cpu_us();
		shmchan_channel_wait_readable(&r, 1000);
		*shared = cpu_us() - t0;
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	result = *shared;
	munmap(shared, sizeof(long));
	shmchan_channel_close(&w);
	shmchan_channel_unlink(name);
	return result;
}

static void parse(int argc, char **argv, struct opts *o)
{
	int i;

	o->cpu[0] = 0;
	o->cpu[1] = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0;
	o->count = 200000;
	o->idle_count = 2000;
	o->idle_us = 2000;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cpus") && i + 1 < argc) {
			if (sscanf(argv[++i], "%d,%d", &o->cpu[0], &o->cpu[1]) != 2)
				o->cpu[0] = o->cpu[1] = -1;
		} else if (!strcmp(argv[i], "--no-pin")) {
			o->cpu[0] = o->cpu[1] = -1;
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			o->count = (unsigned)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--idle-count") && i + 1 < argc) {
			o->idle_count = (unsigned)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--idle-us") && i + 1 < argc) {
			o->idle_us = (unsigned)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--quick")) {
			o->count = 2000;
			o->idle_count = 50;
		} else {
			fprintf(stderr,
				"usage: %s [--cpus A,B | --no-pin] [--count N] [--idle-count N] "
				"[--idle-us US] [--quick]\n",
				argv[0]);
			exit(2);
		}
	}
	if (o->count == 0 || o->idle_count == 0) {
		fprintf(stderr, "counts must be positive\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct b_stats busy[NMECH], idle[NMECH];
	struct opts o;
	int m;

	parse(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("shmchan-wake-bench: shmchan %s, %ld CPUs online, pinned to CPUs %d and %d\n",
	       shmchan_version(), sysconf(_SC_NPROCESSORS_ONLN), o.cpu[0], o.cpu[1]);
	for (m = 0; m < NMECH; m++) {
		fprintf(stderr, "  busy: %s...\n", mech_name[m]);
		busy[m] = run((enum mech)m, &o, o.count, o.count / 10 + 1, 0);
	}
	for (m = 0; m < NMECH; m++) {
		fprintf(stderr, "  idle: %s...\n", mech_name[m]);
		idle[m] = run((enum mech)m, &o, o.idle_count, 5, o.idle_us);
	}
	print_table("busy", busy, o.count);
	printf("\n(idle: %u us pause before each round trip)", o.idle_us);
	print_table("idle", idle, o.idle_count);
	printf("\nCPU used by a reader blocked 1 s: FUTEX %ld us, BACKOFF %ld us, SPIN %ld us\n",
	       idle_cpu(SHMCHAN_WAIT_FUTEX), idle_cpu(SHMCHAN_WAIT_BACKOFF),
	       idle_cpu(SHMCHAN_WAIT_SPIN));
	publish_table(o.count * 5, o.cpu[0]);
	return 0;
}
