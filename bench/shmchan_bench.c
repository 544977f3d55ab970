/* SPDX-License-Identifier: MIT */
/*
 * shmchan-bench: shmchan against pipes, Unix sockets, message queues, TCP
 * loopback, eventfd, iceoryx (where built with it: mech_iox.c) and the
 * physical floor, all measured in the same run, between two processes.
 *
 *   latency     ping-pong round trips: p50, p90, p99, p99.9, max
 *   throughput  one producer to one consumer: messages/s and MB/s; the
 *               consumer checks a stamp at both ends of every message (the
 *               "every byte" rows: every byte of it)
 *
 * usage: shmchan-bench [--cpus A,B | --no-pin] [--sizes 8,64,...] [--only SUBSTR]
 *                      [--latency-count N] [--bytes B] [--rounds N] [--quick]
 *                      [--csv F] [--json F]
 * Every mechanism runs once per round, all of them interleaved within the
 * round; a figure is the median over the rounds (5 by default), and its
 * spread, (max - min) / median over the rounds, is reported with it. The
 * shared memory of every shared-memory mechanism is pre-faulted by both
 * processes before the clock starts.
 * Results also appear as ratios to the floor (a cache-line ping-pong for
 * latency, memcpy for throughput) and, for shmchan, to a raw SPSC ring.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mqueue.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <shmchan.h>

#include "bench_util.h"
#include "mech.h"

struct variant {
	const struct mech *m;
	int zero_copy;
	uint32_t wait;
};

static const struct variant variants[] = {
	{ &mech_spinline, 0, 0 },
	{ &mech_memcpy, 0, 0 },
	{ &mech_spsc, 0, 0 },
	{ &mech_slot_spin, 0, SHMCHAN_WAIT_SPIN },
	{ &mech_slot_copy, 0, SHMCHAN_WAIT_FUTEX },
	{ &mech_slot_zc, MECH_STAMPS, SHMCHAN_WAIT_FUTEX },
	{ &mech_slot_fill, MECH_EVERY_BYTE, SHMCHAN_WAIT_FUTEX },
	{ &mech_slot_backoff, 0, SHMCHAN_WAIT_BACKOFF },
	{ &mech_rec_copy, 0, SHMCHAN_WAIT_FUTEX },
	{ &mech_rec_zc, MECH_STAMPS, SHMCHAN_WAIT_FUTEX },
	{ &mech_rec_fill, MECH_EVERY_BYTE, SHMCHAN_WAIT_FUTEX },
	/* iceoryx (optional): receives block in a wait set, or poll (SPIN). */
	{ &mech_iox_copy, 0, SHMCHAN_WAIT_FUTEX },
	{ &mech_iox_zc, MECH_STAMPS, SHMCHAN_WAIT_FUTEX },
	{ &mech_iox_fill, MECH_EVERY_BYTE, SHMCHAN_WAIT_FUTEX },
	{ &mech_iox_spin, 0, SHMCHAN_WAIT_SPIN },
	{ &mech_eventfd, 0, 0 },
	{ &mech_pipe, 0, 0 },
	{ &mech_unix_stream, 0, 0 },
	{ &mech_unix_seqpacket, 0, 0 },
	{ &mech_mqueue, 0, 0 },
	{ &mech_tcp, 0, 0 },
};
#define NVAR (sizeof(variants) / sizeof(variants[0]))

struct opts {
	int cpu[2];
	size_t sizes[16];
	int nsizes;
	unsigned lat_count, rounds;
	uint64_t bytes;
	const char *only, *csv, *json;
	int quick;
};

struct result {
	int ran; /* 0: skipped (reason in err) */
	int err;
	struct b_stats lat;
	unsigned lat_n;
	double msgs_s, mb_s;
	uint64_t tp_n;
	double spread; /* medians only: (max - min) / median over the rounds */
};

/* Each round's results, and their medians (what the tables show). */
#define MAX_ROUNDS 15
#define SPREAD_MARK 0.20 /* a spread above this is marked "!" */
static struct result g_lat_r[MAX_ROUNDS][NVAR][16], g_tp_r[MAX_ROUNDS][NVAR][16];
static struct result g_lat[NVAR][16], g_tp[NVAR][16];

/* Shared between the two processes of a run. */
struct shared {
	uint64_t t_start, t_end;
	int child_err;
	volatile int ready; /* the child has opened its side */
};

/* A run that hangs (a peer died) or an interrupt ends the bench, after
 * killing the peer and removing what the run created. */
#define RUN_TIMEOUT_S 120
static struct mech_ctx *volatile g_run;
static volatile pid_t g_child;

static void on_fatal(int sig)
{
	static const char msg[] = "\nshmchan-bench: a run hung or was interrupted; cleaning up\n";
	struct mech_ctx *c = g_run;

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	if (g_child > 0)
		kill(g_child, SIGKILL);
	if (c) {
		shmchan_channel_unlink(c->name[0]); /* shmchan runs */
		shmchan_channel_unlink(c->name[1]);
		mq_unlink(c->name[0]); /* mqueue runs */
		mq_unlink(c->name[1]);
	}
	mech_iox_fatal(); /* the RouDi the bench started */
	_exit(1);
}

static unsigned lat_count(const struct opts *o, size_t size)
{
	unsigned n = o->lat_count;

	if (size > 4096)
		n = n / 10 > 50 ? n / 10 : 50;
	if (size > 131072)
		n = n / 10 > 20 ? n / 10 : 20;
	return n;
}

static uint64_t tp_count(const struct opts *o, size_t size)
{
	uint64_t n = o->bytes / size;

	if (n < 200)
		n = 200;
	return n > 500000 ? 500000 : n;
}

static void child_run(const struct variant *v, struct mech_ctx *c, struct shared *sh, int latency,
		      uint64_t n, int cpu)
{
	uint64_t i;
	int err;

	prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the parent */
	alarm(RUN_TIMEOUT_S);
	b_pin(cpu);
	err = v->m->open(c, 1);
	sh->ready = 1;
	for (i = 0; !err && i < n; i++) {
		int64_t s = v->m->recv(c, 1);

		if (s != (int64_t)i) {
			err = -EBADMSG;
			break;
		}
		if (latency)
			err = v->m->send(c, 1, i);
	}
	if (!latency)
		sh->t_end = b_now_ns();
	sh->child_err = err;
	v->m->close(c, 1);
	_exit(err ? 1 : 0);
}

/* One measurement: fork the peer, run, collect. Returns 0 or an error. */
static int run_one(const struct variant *v, const struct opts *o, size_t size, int latency,
		   struct result *res)
{
	struct shared *sh =
		mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct mech_ctx c;
	uint64_t n = latency ? lat_count(o, size) : tp_count(o, size), warm = n / 10 + 1, i;

	/* A stamps-only row costs per message, not per byte: as many messages
	 * as a small size gets, so that large sizes do not time a few hundred
	 * messages (a 1 MiB row would otherwise be 256 of them, 0.1 ms). */
	if (!latency && v->zero_copy == MECH_STAMPS)
		n = tp_count(o, 8);
	uint64_t *lat = latency ? calloc(n, sizeof(*lat)) : NULL;
	int err, st = 0;
	pid_t pid;

	memset(&c, 0, sizeof(c));
	memset(c.fd, -1, sizeof(c.fd));
	c.size = size;
	c.zero_copy = v->zero_copy;
	c.wait = v->wait;
	c.buf = calloc(1, size);
	if (sh == MAP_FAILED || !c.buf || (latency && !lat))
		return -ENOMEM;
	memset(sh, 0, sizeof(*sh));
	err = v->m->setup(&c);
	if (err) {
		free(c.buf);
		free(lat);
		munmap(sh, sizeof(*sh));
		return err;
	}
	if (latency)
		n += warm;
	g_run = &c;
	pid = fork();
	if (pid == 0)
		child_run(v, &c, sh, latency, n, o->cpu[1]);
	g_child = pid;
	alarm(RUN_TIMEOUT_S);
	b_pin(o->cpu[0]);
	err = v->m->open(&c, 0);
	/* Both sides open before the clock starts. */
	while (!err && !sh->ready && waitpid(pid, &st, WNOHANG) == 0)
		b_sleep_ns(100000);
	sh->t_start = b_now_ns();
	for (i = 0; !err && i < n; i++) {
		uint64_t t0 = latency ? b_now_ns() : 0;

		err = v->m->send(&c, 0, i);
		if (!err && latency) {
			if (v->m->recv(&c, 0) != (int64_t)i)
				err = -EBADMSG;
			else if (i >= warm)
				lat[i - warm] = b_now_ns() - t0;
		}
	}
	if (err)
		kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	alarm(0);
	g_child = 0;
	if (!err && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		err = sh->child_err ? sh->child_err : -EPIPE;
	v->m->close(&c, 0);
	if (v->m->teardown)
		v->m->teardown(&c);
	g_run = NULL;
	if (!err && latency) {
		res->lat_n = (unsigned)(n - warm);
		res->lat = b_percentiles(lat, n - warm);
	} else if (!err) {
		double secs = (double)(sh->t_end - sh->t_start) / 1e9;

		res->tp_n = n;
		res->msgs_s = secs > 0 ? (double)n / secs : 0;
		res->mb_s = res->msgs_s * (double)size / 1e6;
	}
	free(c.buf);
	free(lat);
	munmap(sh, sizeof(*sh));
	return err;
}

/*
 * The memcpy floor, in this process: copy @size bytes n times, rotating over
 * MEMCPY_SET source and destination buffers, a working set like a ring's
 * (so large messages come from the caches a ring's would, not from L1).
 */
#define MEMCPY_SET 16

static void run_memcpy(const struct opts *o, size_t size, struct result *res)
{
	unsigned char *a = malloc(size * MEMCPY_SET), *b = malloc(size * MEMCPY_SET);
	uint64_t n = tp_count(o, size) * 4, i, t0, sum = 0;
	double secs;

	if (!a || !b) {
		res->err = -ENOMEM;
		free(a);
		free(b);
		return;
	}
	memset(a, 1, size * MEMCPY_SET);
	memset(b, 0, size * MEMCPY_SET);
	t0 = b_now_ns();
	for (i = 0; i < n; i++) {
		unsigned char *s = a + (i % MEMCPY_SET) * size, *d = b + (i % MEMCPY_SET) * size;

		s[0] = (unsigned char)i;
		memcpy(d, s, size);
		sum += d[size - 1] + d[0];
	}
	secs = (double)(b_now_ns() - t0) / 1e9;
	res->ran = sum > 0;
	res->tp_n = n;
	res->msgs_s = secs > 0 ? (double)n / secs : 0;
	res->mb_s = res->msgs_s * (double)size / 1e6;
	free(a);
	free(b);
}

/* --only SUBSTR selects mechanisms by name (=NAME: exactly); the floor and
 * the raw SPSC ring always run, as the baselines. */
static int selected(const struct opts *o, const struct variant *v)
{
	int match = !o->only || (o->only[0] == '=' ? !strcmp(v->m->name, o->only + 1)
						   : strstr(v->m->name, o->only) != NULL);

	return match || v->m == &mech_spinline || v->m == &mech_memcpy || v->m == &mech_spsc;
}

/* Every round runs every selected mechanism at every size, in table order,
 * so that a slow phase of the machine falls on all of them alike. */
static void measure(const struct opts *o)
{
	unsigned rd;
	size_t vi;
	int si;

	for (rd = 0; rd < o->rounds; rd++)
		for (si = 0; si < o->nsizes; si++)
			for (vi = 0; vi < NVAR; vi++) {
				const struct variant *v = &variants[vi];
				struct result *l = &g_lat_r[rd][vi][si], *t = &g_tp_r[rd][vi][si];
				size_t size = o->sizes[si];

				if (!selected(o, v))
					continue;
				fprintf(stderr, "\r  round %u/%u %7zu B  %-32s", rd + 1, o->rounds,
					size, v->m->name);
				if (v->m == &mech_memcpy) {
					run_memcpy(o, size, t);
					continue;
				}
				if (!v->m->throughput_only) {
					l->err = run_one(v, o, size, 1, l);
					l->ran = !l->err;
				}
				if (!v->m->latency_only) {
					t->err = run_one(v, o, size, 0, t);
					t->ran = !t->err;
				}
			}
	fprintf(stderr, "\r%78s\r", "");
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n values (sorts them); *spread: (max - min) / median. */
static double median(double *v, unsigned n, double *spread)
{
	double m;

	qsort(v, n, sizeof(*v), cmp_dbl);
	m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	if (spread)
		*spread = m > 0 ? (v[n - 1] - v[0]) / m : 0;
	return m;
}

/* One cell's medians over the rounds. A round that failed makes the cell
 * fail, with its error: a mechanism must work every time. */
static void combine(struct result rounds[][NVAR][16], unsigned nr, size_t vi, int si, int latency,
		    double size, struct result *out)
{
	double a[MAX_ROUNDS], b[MAX_ROUNDS], c[MAX_ROUNDS], d[MAX_ROUNDS], e[MAX_ROUNDS];
	unsigned i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < nr; i++) {
		const struct result *r = &rounds[i][vi][si];

		if (!r->ran) {
			out->err = r->err;
			return;
		}
		a[i] = latency ? (double)r->lat.p50 : r->msgs_s;
		b[i] = (double)r->lat.p90;
		c[i] = (double)r->lat.p99;
		d[i] = (double)r->lat.p999;
		e[i] = (double)r->lat.max;
		out->lat_n += r->lat_n;
		out->tp_n += r->tp_n;
	}
	out->ran = nr > 0;
	if (!out->ran)
		return;
	if (latency) {
		out->lat.p50 = (uint64_t)median(a, nr, &out->spread);
		out->lat.p90 = (uint64_t)median(b, nr, NULL);
		out->lat.p99 = (uint64_t)median(c, nr, NULL);
		out->lat.p999 = (uint64_t)median(d, nr, NULL);
		median(e, nr, NULL);
		out->lat.max = (uint64_t)e[nr - 1]; /* the worst of all rounds */
	} else {
		out->msgs_s = median(a, nr, &out->spread);
		out->mb_s = out->msgs_s * size / 1e6;
	}
}

static void aggregate(const struct opts *o)
{
	size_t vi;
	int si;

	for (si = 0; si < o->nsizes; si++)
		for (vi = 0; vi < NVAR; vi++) {
			if (!selected(o, &variants[vi]))
				continue;
			if (!variants[vi].m->throughput_only)
				combine(g_lat_r, o->rounds, vi, si, 1, (double)o->sizes[si],
					&g_lat[vi][si]);
			if (!variants[vi].m->latency_only)
				combine(g_tp_r, o->rounds, vi, si, 0, (double)o->sizes[si],
					&g_tp[vi][si]);
		}
}

/* "12%", or "34%!" above SPREAD_MARK. */
static const char *spread_str(double s, char *buf, size_t len)
{
	snprintf(buf, len, "%.0f%%%s", s * 100, s > SPREAD_MARK ? "!" : "");
	return buf;
}

static size_t var_index(const struct mech *m)
{
	size_t i;

	for (i = 0; i < NVAR; i++)
		if (variants[i].m == m)
			return i;
	return 0;
}

/* Why a cell did not run: the errno, and the mechanism's own reason. */
static const char *skip_reason(const struct mech *m, int err, char *buf, size_t len)
{
	const char *why = mech_iox_reason(m);

	if (!why)
		return strerror(-err);
	snprintf(buf, len, "%s (%s)", strerror(-err), why);
	return buf;
}

static void print_tables(const struct opts *o)
{
	size_t floor_i = var_index(&mech_spinline), mc = var_index(&mech_memcpy);
	size_t spsc = var_index(&mech_spsc), vi;
	int si;

	for (si = 0; si < o->nsizes; si++) {
		const struct result *fl = &g_lat[floor_i][si];

		printf("\n== %zu-byte messages: round trip (ns, medians of %u rounds), ratio to "
		       "the "
		       "cache-line floor and to the raw SPSC ring\n",
		       o->sizes[si], o->rounds);
		printf("%-32s %8s %8s %8s %8s %9s %7s %7s %7s %7s\n", "mechanism", "p50", "p90",
		       "p99", "p99.9", "max", "p50/fl", "p50/spsc", "p99/spsc", "spread");
		for (vi = 0; vi < NVAR; vi++) {
			const struct result *r = &g_lat[vi][si], *sp = &g_lat[spsc][si];
			char sb[16], why[256];

			if (!selected(o, &variants[vi]) || variants[vi].m->throughput_only)
				continue;
			if (!r->ran) {
				printf("%-32s skipped: %s\n", variants[vi].m->name,
				       skip_reason(variants[vi].m, r->err, why, sizeof(why)));
				continue;
			}
			printf("%-32s %8llu %8llu %8llu %8llu %9llu %7.2f %8.2f %8.2f %7s\n",
			       variants[vi].m->name, (unsigned long long)r->lat.p50,
			       (unsigned long long)r->lat.p90, (unsigned long long)r->lat.p99,
			       (unsigned long long)r->lat.p999, (unsigned long long)r->lat.max,
			       fl->ran ? (double)r->lat.p50 / (double)fl->lat.p50 : 0,
			       sp->ran ? (double)r->lat.p50 / (double)sp->lat.p50 : 0,
			       sp->ran ? (double)r->lat.p99 / (double)sp->lat.p99 : 0,
			       spread_str(r->spread, sb, sizeof(sb)));
		}
		printf("-- throughput, one producer to one consumer (zc (stamps): in place, only "
		       "the "
		       "two 8-byte stamps written and read; zc (every byte): in place, every byte "
		       "written and checked)\n");
		printf("%-32s %13s %11s %9s %9s %7s\n", "mechanism", "messages/s", "MB/s",
		       "x memcpy", "x spsc", "spread");
		for (vi = 0; vi < NVAR; vi++) {
			const struct result *r = &g_tp[vi][si];
			char sb[16], why[256];

			if (!selected(o, &variants[vi]) || variants[vi].m->latency_only)
				continue;
			if (!r->ran) {
				printf("%-32s skipped: %s\n", variants[vi].m->name,
				       skip_reason(variants[vi].m, r->err, why, sizeof(why)));
				continue;
			}
			printf("%-32s %13.0f %11.1f %9.3f %9.3f %7s\n", variants[vi].m->name,
			       r->msgs_s, r->mb_s,
			       g_tp[mc][si].ran ? r->mb_s / g_tp[mc][si].mb_s : 0,
			       g_tp[spsc][si].ran ? r->mb_s / g_tp[spsc][si].mb_s : 0,
			       spread_str(r->spread, sb, sizeof(sb)));
		}
	}
}

static void write_csv(const struct opts *o, FILE *f)
{
	size_t vi;
	int si;

	fprintf(f, "test,mechanism,size,count,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,msgs_per_s,"
		   "mb_per_s,status,rounds,spread_pct\n");
	for (si = 0; si < o->nsizes; si++)
		for (vi = 0; vi < NVAR; vi++) {
			const struct result *l = &g_lat[vi][si], *t = &g_tp[vi][si];
			const char *name = variants[vi].m->name;

			if (!selected(o, &variants[vi]))
				continue;
			if (!variants[vi].m->throughput_only)
				fprintf(f,
					"latency,%s,%zu,%u,%llu,%llu,%llu,%llu,%llu,,,%s,%u,%.1f\n",
					name, o->sizes[si], l->lat_n,
					(unsigned long long)l->lat.p50,
					(unsigned long long)l->lat.p90,
					(unsigned long long)l->lat.p99,
					(unsigned long long)l->lat.p999,
					(unsigned long long)l->lat.max,
					l->ran ? "ok" : strerror(-l->err), o->rounds,
					l->spread * 100);
			if (!variants[vi].m->latency_only)
				fprintf(f, "throughput,%s,%zu,%llu,,,,,,%.0f,%.1f,%s,%u,%.1f\n",
					name, o->sizes[si], (unsigned long long)t->tp_n, t->msgs_s,
					t->mb_s, t->ran ? "ok" : strerror(-t->err), o->rounds,
					t->spread * 100);
		}
}

static void write_json(const struct opts *o, FILE *f)
{
	size_t vi;
	int si, first = 1;

	fprintf(f, "[");
	for (si = 0; si < o->nsizes; si++)
		for (vi = 0; vi < NVAR; vi++) {
			const struct result *l = &g_lat[vi][si], *t = &g_tp[vi][si];
			const char *name = variants[vi].m->name;

			if (!selected(o, &variants[vi]))
				continue;
			if (!variants[vi].m->throughput_only) {
				fprintf(f,
					"%s\n  {\"test\": \"latency\", \"mechanism\": \"%s\", "
					"\"size\": %zu, \"count\": %u, \"ok\": %s, \"p50_ns\": "
					"%llu, \"p90_ns\": %llu, \"p99_ns\": %llu, \"p999_ns\": "
					"%llu, \"max_ns\": %llu, \"rounds\": %u, \"spread\": %.3f}",
					first ? "" : ",", name, o->sizes[si], l->lat_n,
					l->ran ? "true" : "false", (unsigned long long)l->lat.p50,
					(unsigned long long)l->lat.p90,
					(unsigned long long)l->lat.p99,
					(unsigned long long)l->lat.p999,
					(unsigned long long)l->lat.max, o->rounds, l->spread);
				first = 0;
			}
			if (!variants[vi].m->latency_only) {
				fprintf(f,
					"%s\n  {\"test\": \"throughput\", \"mechanism\": \"%s\", "
					"\"size\": %zu, \"count\": %llu, \"ok\": %s, "
					"\"msgs_per_s\": %.0f, \"mb_per_s\": %.1f, \"rounds\": %u, "
					"\"spread\": %.3f}",
					first ? "" : ",", name, o->sizes[si],
					(unsigned long long)t->tp_n, t->ran ? "true" : "false",
					t->msgs_s, t->mb_s, o->rounds, t->spread);
				first = 0;
			}
		}
	fprintf(f, "\n]\n");
}

/* The targets, each a ratio to a baseline of the same run. */
static void print_targets(const struct opts *o)
{
	size_t fl = var_index(&mech_spinline), spin = var_index(&mech_slot_spin);
	size_t slot = var_index(&mech_slot_copy), zc = var_index(&mech_slot_zc);
	size_t spsc = var_index(&mech_spsc), mc = var_index(&mech_memcpy);
	int si;

	printf("\n== targets (ratios measured in this run; not pass/fail of the suite)\n");
	for (si = 0; si < o->nsizes; si++) {
		size_t s = o->sizes[si];
		const struct result *f = &g_lat[fl][si], *sp = &g_lat[spin][si];

		if ((s == 8 || s == 64) && f->ran && sp->ran) {
			double r50 = (double)sp->lat.p50 / (double)f->lat.p50;
			double r99 = (double)sp->lat.p99 / (double)f->lat.p99;

			printf("%5zu B round trip, SPIN: p50 %.2fx the floor (target %.1fx) %s", s,
			       r50, s == 8 ? 1.3 : 1.6,
			       r50 <= (s == 8 ? 1.3 : 1.6) ? "met" : "MISSED");
			if (s == 8)
				printf("; p99 %.2fx (target 3x) %s", r99,
				       r99 <= 3 ? "met" : "MISSED");
			printf("\n");
		}
		if ((s == 64 || s == 4096) && g_tp[slot][si].ran && g_tp[spsc][si].ran) {
			double r = g_tp[slot][si].mb_s / g_tp[spsc][si].mb_s,
			       t = s == 64 ? 0.5 : 0.7;

			printf("%5zu B throughput: %.2fx a raw SPSC ring (target %.1fx) %s\n", s, r,
			       t, r >= t ? "met" : "MISSED");
		}
		if (s == 76816 && g_tp[slot][si].ran && g_tp[mc][si].ran)
			printf("76816 B frames, copy: %.2fx the memcpy rate (target 0.7x) %s\n",
			       g_tp[slot][si].mb_s / g_tp[mc][si].mb_s,
			       g_tp[slot][si].mb_s / g_tp[mc][si].mb_s >= 0.7 ? "met" : "MISSED");
		if (s == 76816 && g_tp[zc][si].ran)
			printf("76816 B frames, in place (stamps): %.2f M frames/s (target 1 M/s) "
			       "%s\n",
			       g_tp[zc][si].msgs_s / 1e6,
			       g_tp[zc][si].msgs_s >= 1e6 ? "met" : "MISSED");
	}
}

/* A ratio of two cells of this run against a target; "n/a" when either
 * did not run. @ge: the target is a floor (else a ceiling). */
static void ratio_line(const char *what, const struct result *a, const struct result *b, double av,
		       double bv, double target, int ge)
{
	double r;

	if (!a->ran || !b->ran || bv <= 0) {
		printf("  %-58s n/a\n", what);
		return;
	}
	r = av / bv;
	printf("  %-58s %6.2fx (target %s %.2fx) %s\n", what, r, ge ? ">=" : "<=", target,
	       (ge ? r >= target : r <= target) ? "met" : "MISSED");
}

/* Issue 15's targets against iceoryx, where its rows ran: how many times
 * iceoryx's round trip (or how many times shmchan's rate) at a like mode. */
static void print_iox_targets(const struct opts *o)
{
	size_t spin = var_index(&mech_slot_spin), futex = var_index(&mech_slot_copy);
	size_t ic = var_index(&mech_iox_copy), is = var_index(&mech_iox_spin);
	size_t szc = var_index(&mech_slot_zc), izc = var_index(&mech_iox_zc);
	size_t sfill = var_index(&mech_slot_fill), ifill = var_index(&mech_iox_fill);
	char what[96];
	int si;

	for (si = 0; si < o->nsizes; si++) {
		size_t s = o->sizes[si];
		const struct result *a, *b;

		if (s == 8 || s == 64) {
			a = &g_lat[is][si];
			b = &g_lat[spin][si];
			snprintf(what, sizeof(what),
				 "%zu B round trip p50, iceoryx SPIN / shmchan SPIN", s);
			ratio_line(what, a, b, (double)a->lat.p50, (double)b->lat.p50, 5, 1);
			a = &g_lat[ic][si];
			b = &g_lat[futex][si];
			snprintf(what, sizeof(what),
				 "%zu B round trip p50, iceoryx / shmchan (blocking)", s);
			ratio_line(what, a, b, (double)a->lat.p50, (double)b->lat.p50, 5, 1);
			a = &g_tp[futex][si];
			b = g_tp[is][si].msgs_s > g_tp[ic][si].msgs_s ? &g_tp[is][si]
								      : &g_tp[ic][si];
			snprintf(what, sizeof(what),
				 "%zu B messages/s, shmchan slot / best iceoryx", s);
			ratio_line(what, a, b, a->msgs_s, b->msgs_s, 5, 1);
		}
		if (s == 76816 || s == 1048576) {
			snprintf(what, sizeof(what), "%zu B in place (stamps), shmchan / iceoryx",
				 s);
			ratio_line(what, &g_tp[szc][si], &g_tp[izc][si], g_tp[szc][si].msgs_s,
				   g_tp[izc][si].msgs_s, 3, 1);
			snprintf(what, sizeof(what),
				 "%zu B in place (every byte), shmchan / iceoryx", s);
			ratio_line(what, &g_tp[sfill][si], &g_tp[ifill][si], g_tp[sfill][si].msgs_s,
				   g_tp[ifill][si].msgs_s, 3, 1);
		}
	}
}

/* Issue 15's targets: ratios to the raw SPSC ring and between kinds. */
static void print_floor_targets(const struct opts *o)
{
	size_t spsc = var_index(&mech_spsc), spin = var_index(&mech_slot_spin);
	size_t futex = var_index(&mech_slot_copy), rc = var_index(&mech_rec_copy);
	size_t szc = var_index(&mech_slot_zc), rzc = var_index(&mech_rec_zc);
	size_t sfill = var_index(&mech_slot_fill), rfill = var_index(&mech_rec_fill);
	char what[96];
	int si;

	printf("\n== floor targets (issue 15; ratios of this run's medians)\n");
	for (si = 0; si < o->nsizes; si++) {
		size_t s = o->sizes[si];
		const struct result *sp = &g_lat[spsc][si], *tsp = &g_tp[spsc][si];

		if (s == 8 || s == 64) {
			size_t v[2] = { spin, futex };
			int k;

			for (k = 0; k < 2; k++) {
				const struct result *r = &g_lat[v[k]][si];

				snprintf(what, sizeof(what), "%zu B round trip p50, %s / raw ring",
					 s, variants[v[k]].m->name);
				ratio_line(what, r, sp, (double)r->lat.p50, (double)sp->lat.p50,
					   1.2, 0);
				snprintf(what, sizeof(what), "%zu B round trip p99, %s / raw ring",
					 s, variants[v[k]].m->name);
				ratio_line(what, r, sp, (double)r->lat.p99, (double)sp->lat.p99,
					   1.5, 0);
			}
		}
		if (s == 64)
			ratio_line("64 B messages/s, shmchan slot / raw ring", &g_tp[futex][si],
				   tsp, g_tp[futex][si].msgs_s, tsp->msgs_s, 1.0, 1);
		snprintf(what, sizeof(what), "%zu B copy, shmchan slot / raw ring", s);
		ratio_line(what, &g_tp[futex][si], tsp, g_tp[futex][si].msgs_s, tsp->msgs_s, 0.95,
			   1);
		snprintf(what, sizeof(what), "%zu B copy, shmchan record / shmchan slot", s);
		ratio_line(what, &g_tp[rc][si], &g_tp[futex][si], g_tp[rc][si].msgs_s,
			   g_tp[futex][si].msgs_s, 0.9, 1);
		if (s == 1048576) {
			const struct result *r = &g_tp[rzc][si];

			if (r->ran)
				printf("  %-58s %6.2f M/s (target >= 1 M/s) %s\n",
				       "1 MiB records in place (stamps)", r->msgs_s / 1e6,
				       r->msgs_s >= 1e6 ? "met" : "MISSED");
			ratio_line("1 MiB in place (stamps), record / slot", r, &g_tp[szc][si],
				   r->msgs_s, g_tp[szc][si].msgs_s, 0.9, 1);
			ratio_line("1 MiB in place (every byte), record / slot", &g_tp[rfill][si],
				   &g_tp[sfill][si], g_tp[rfill][si].msgs_s, g_tp[sfill][si].msgs_s,
				   0.9, 1);
		}
	}
	print_iox_targets(o);
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void print_machine(const struct opts *o)
{
	char line[256], model[256] = "unknown";
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
			snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	if (f)
		fclose(f);
	printf("shmchan-bench: shmchan %s; %s; %ld CPUs online; pinned to %d and %d%s\n",
	       shmchan_version(), model, sysconf(_SC_NPROCESSORS_ONLN), o->cpu[0], o->cpu[1],
	       o->cpu[0] < 0 ? " (no pinning)" : "");
	printf("POSIX mqueue limits: msgsize_max %ld, msg_max %ld (larger messages are skipped)\n",
	       read_long("/proc/sys/fs/mqueue/msgsize_max"),
	       read_long("/proc/sys/fs/mqueue/msg_max"));
	printf("%u rounds, every mechanism interleaved within each; medians; spread = (max - min) "
	       "/ median over the rounds, marked ! above %.0f%%; shared memory pre-faulted by both "
	       "processes before the clock starts\n",
	       o->rounds, SPREAD_MARK * 100);
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--cpus A,B | --no-pin] [--sizes 8,64,...] [--only SUBSTR]\n"
		"          [--latency-count N] [--bytes B] [--rounds N] [--quick] [--csv FILE]\n"
		"          [--json FILE]\n",
		argv0);
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const size_t defaults[] = { 8, 64, 4096, 76816, 1048576 };
	int i;

	memset(o, 0, sizeof(*o));
	o->cpu[0] = 0;
	o->cpu[1] = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0;
	o->lat_count = 20000;
	o->bytes = 256u << 20;
	o->rounds = 5;
	for (i = 0; i < 5; i++)
		o->sizes[o->nsizes++] = defaults[i];
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cpus") && i + 1 < argc) {
			if (sscanf(argv[++i], "%d,%d", &o->cpu[0], &o->cpu[1]) != 2)
				usage(argv[0]);
		} else if (!strcmp(argv[i], "--no-pin")) {
			o->cpu[0] = o->cpu[1] = -1;
		} else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
			char *s = argv[++i], *end;

			o->nsizes = 0;
			while (*s && o->nsizes < 16) {
				size_t v = strtoul(s, &end, 0);

				if (v < 8 || v > (1u << 26) || end == s)
					usage(argv[0]); /* 8 B: room for the stamps */
				o->sizes[o->nsizes++] = v;
				s = *end == ',' ? end + 1 : end;
			}
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			o->only = argv[++i];
		} else if (!strcmp(argv[i], "--latency-count") && i + 1 < argc) {
			o->lat_count = (unsigned)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--bytes") && i + 1 < argc) {
			o->bytes = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			o->rounds = (unsigned)strtoul(argv[++i], NULL, 0);
			if (o->rounds < 1 || o->rounds > MAX_ROUNDS)
				usage(argv[0]);
		} else if (!strcmp(argv[i], "--quick")) {
			o->quick = 1;
		} else if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
			o->csv = argv[++i];
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			o->json = argv[++i];
		} else {
			usage(argv[0]);
		}
	}
	if (o->quick) {
		o->lat_count = 200;
		o->bytes = 2u << 20;
		o->nsizes = 2;
		o->sizes[0] = 64;
		o->sizes[1] = 76816;
		o->rounds = o->rounds < 3 ? o->rounds : 3;
	}
	if (o->lat_count < 10)
		usage(argv[0]);
}

static int write_file(const char *path, void (*fn)(const struct opts *, FILE *),
		      const struct opts *o)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;

	if (!f) {
		fprintf(stderr, "shmchan-bench: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	fn(o, f);
	if (f != stdout)
		fclose(f);
	return 0;
}

/* Exit status: 1 if a shmchan mechanism or a baseline failed (the kernel
 * mechanisms may be skipped by system limits: they are reported). */
static int failures(const struct opts *o)
{
	size_t vi;
	int si, bad = 0;

	for (si = 0; si < o->nsizes; si++)
		for (vi = 0; vi < NVAR; vi++) {
			const char *n = variants[vi].m->name;
			int ours = !strncmp(n, "shmchan", 7) || strstr(n, "floor") ||
				   variants[vi].m == &mech_spsc;

			if (!ours || !selected(o, &variants[vi]))
				continue;
			if (g_lat[vi][si].err || g_tp[vi][si].err) {
				fprintf(stderr, "shmchan-bench: %s failed at %zu bytes: %s\n", n,
					o->sizes[si],
					strerror(-(g_lat[vi][si].err ? g_lat[vi][si].err
								     : g_tp[vi][si].err)));
				bad = 1;
			}
		}
	return bad;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc = 0;

	parse(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_fatal);
	signal(SIGINT, on_fatal);
	signal(SIGTERM, on_fatal);
	print_machine(&o);
	measure(&o);
	aggregate(&o);
	print_tables(&o);
	print_targets(&o);
	print_floor_targets(&o);
	rc |= failures(&o);
	if (o.csv)
		rc |= write_file(o.csv, write_csv, &o);
	if (o.json)
		rc |= write_file(o.json, write_json, &o);
	return rc;
}
