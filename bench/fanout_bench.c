/* SPDX-License-Identifier: MIT */
/*
 * shmchan-fanout-bench: one writer, N readers of every message.
 *
 * For each subscriber count (default 1, 2, 8, 64) and each mechanism:
 *   bcast-block      one broadcast channel, BLOCK policy
 *   bcast-overwrite  one broadcast channel, OVERWRITE policy
 *   unicast-xN       N slot channels, the writer writes each message N times
 *                    (what a user without broadcast would do)
 * it measures
 *   latency phase    the writer sends --msgs messages, paced so that the
 *                    readers keep up (they sleep on the futex between
 *                    messages); the cost of each publish (the write calls
 *                    of one message, wake included) and the delay from
 *                    publish to each reader's receipt, as p50/p99/p99.9;
 *   throughput phase the writer sends --tput messages as fast as the
 *                    mechanism allows (send: waiting when full); messages
 *                    per second until the slowest reader has them all.
 * Readers check that sequence numbers only grow (and, but for OVERWRITE,
 * that none is missing); OVERWRITE losses are reported.
 *
 * The writer is pinned to the first CPU of --cpus, every reader to the
 * second: with 2 cores, N readers share one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "shmchan.h"

#define MSG 64
#define MAX_SUBS 64

enum { M_BLOCK, M_OVERWRITE, M_UNICAST, M_COUNT };
static const char *mech_name[M_COUNT] = { "bcast-block", "bcast-overwrite", "unicast-xN" };

struct shared {
	_Atomic int ready;
	_Atomic int failed;
	_Atomic uint64_t last_ns[MAX_SUBS]; /* when each reader got its last message */
	_Atomic uint64_t got[MAX_SUBS];
	_Atomic uint64_t lost[MAX_SUBS];
	uint64_t lat[]; /* [sub][msg] */
};

struct opts {
	int subs[8], nsubs;
	uint64_t msgs, tput;
	int cpu_w, cpu_r;
	const char *csv;
	const char *only; /* --mech: run this mechanism only */
};

static struct shared *g;
static uint64_t g_lat_cap;

static void chan_name(char *buf, size_t cap, int mech, int i)
{
	snprintf(buf, cap, "bench.fan.%d.%d.%d", (int)getpid(), mech, i);
}

static int open_reader(struct shmchan_channel *ch, const char *name)
{
	int err = -ENOENT, tries;

	for (tries = 0; tries < 2000 && (err == -ENOENT || err == -EAGAIN); tries++) {
		err = shmchan_channel_open_reader(ch, name, NULL);
		if (err == -ENOENT || err == -EAGAIN)
			b_sleep_ns(1000000);
	}
	return err;
}

/* Reader @id: receive until end of stream; phase 0 records latencies. */
static int reader(int mech, int id, const char *name, int phase, uint64_t expect)
{
	struct shmchan_channel ch;
	unsigned char buf[MSG];
	uint64_t next = 0, n = 0, lost = 0;
	size_t len;
	int err;

	if (open_reader(&ch, name) != 0)
		return 1;
	atomic_fetch_add(&g->ready, 1);
	for (;;) {
		uint64_t seq, ts;

		err = shmchan_channel_recv(&ch, buf, sizeof(buf), &len, 10000);
		if (err == SHMCHAN_ELOST)
			continue;
		if (err)
			break;
		memcpy(&seq, buf, 8);
		memcpy(&ts, buf + 8, 8);
		if (phase == 0 && n < g_lat_cap)
			g->lat[(uint64_t)id * g_lat_cap + n] = b_now_ns() - ts;
		if (seq < next || (mech != M_OVERWRITE && seq != next))
			atomic_store(&g->failed, 1);
		next = seq + 1;
		n++;
	}
	/* End of stream comes right after the last message is read. */
	atomic_store(&g->last_ns[id], b_now_ns());
	if (mech == M_OVERWRITE)
		shmchan_channel_lost(&ch, &lost);
	atomic_store(&g->got[id], n);
	atomic_store(&g->lost[id], lost);
	shmchan_channel_close(&ch);
	if (err != -EPIPE || (mech != M_OVERWRITE && n != expect))
		atomic_store(&g->failed, 1);
	return 0;
}

struct result {
	struct b_stats pub, lat;
	double tput;
	uint64_t lost, delivered;
};

static int wait_kids(pid_t *kids, int n)
{
	int i, st, bad = 0;

	for (i = 0; i < n; i++) {
		if (waitpid(kids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad = 1;
	}
	return bad;
}

/* One phase of one mechanism with @nsub readers. */
static int run_phase(const struct opts *o, int mech, int nsub, int phase, struct result *res)
{
	struct shmchan_channel w[MAX_SUBS];
	struct shmchan_config cfg = { .slot_size = MSG, .slot_count = 1024 };
	uint64_t count = phase == 0 ? o->msgs : o->tput, i, *pub = NULL, t0, tend = 0;
	int nch = mech == M_UNICAST ? nsub : 1, c, k;
	char names[MAX_SUBS][64];
	pid_t kids[MAX_SUBS];
	/* Latency phase: a pause per message long enough for every reader to
	 * get it and fall asleep again (they share one CPU). */
	uint64_t gap = 30000 + 15000 * (uint64_t)nsub;

	if (mech != M_UNICAST) {
		cfg.kind = SHMCHAN_KIND_BROADCAST;
		cfg.policy = mech == M_BLOCK ? SHMCHAN_POLICY_BLOCK : SHMCHAN_POLICY_OVERWRITE;
	}
	memset(g, 0, sizeof(*g));
	for (c = 0; c < nch; c++) {
		chan_name(names[c], sizeof(names[c]), mech, c);
		if (shmchan_channel_create_or_replace_writer(&w[c], names[c], &cfg) != 0) {
			fprintf(stderr, "create %s failed\n", names[c]);
			return -1;
		}
	}
	for (k = 0; k < nsub; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			b_pin(o->cpu_r);
			alarm(120);
			_exit(reader(mech, k, names[mech == M_UNICAST ? k : 0], phase, count));
		}
	}
	t0 = b_now_ns();
	while (atomic_load(&g->ready) < nsub && b_now_ns() - t0 < 10000000000ull)
		b_sleep_ns(1000000);
	if (phase == 0)
		pub = calloc(count, sizeof(*pub));
	b_pin(o->cpu_w);
	t0 = b_now_ns();
	for (i = 0; i < count; i++) {
		unsigned char msg[MSG] = { 0 };
		uint64_t a = b_now_ns(), b;

		memcpy(msg, &i, 8);
		memcpy(msg + 8, &a, 8);
		for (c = 0; c < nch; c++)
			if (shmchan_channel_send(&w[c], msg, sizeof(msg), 10000) != 0)
				atomic_store(&g->failed, 1);
		b = b_now_ns();
		if (pub) {
			pub[i] = b - a;
			while (b_now_ns() - a < gap)
				;
		}
	}
	for (c = 0; c < nch; c++) {
		shmchan_channel_close(&w[c]);
		shmchan_channel_unlink(names[c]);
	}
	if (wait_kids(kids, nsub))
		atomic_store(&g->failed, 1);
	for (k = 0; k < nsub; k++) {
		uint64_t l = atomic_load(&g->last_ns[k]);

		if (l > tend)
			tend = l;
		res->lost += atomic_load(&g->lost[k]);
		res->delivered += atomic_load(&g->got[k]);
	}
	if (phase == 0) {
		uint64_t n = 0, s;

		res->pub = b_percentiles(pub, count);
		free(pub);
		/* Compact the recorded latencies of every reader. */
		for (k = 0; k < nsub; k++) {
			uint64_t got = atomic_load(&g->got[k]);

			if (got > g_lat_cap)
				got = g_lat_cap;
			for (s = 0; s < got; s++)
				g->lat[n++] = g->lat[(uint64_t)k * g_lat_cap + s];
		}
		res->lat = b_percentiles(g->lat, n);
	} else {
		res->tput = tend > t0 ? (double)count * 1e9 / (double)(tend - t0) : 0;
	}
	return atomic_load(&g->failed) ? -1 : 0;
}

static int parse_list(const char *s, int *out, int max)
{
	int n = 0;

	while (*s && n < max) {
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s || v < 1 || v > MAX_SUBS)
			return -1;
		out[n++] = (int)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return n;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: shmchan-fanout-bench [--subs 1,2,8,64] [--msgs N] [--tput N]\n"
		"                            [--cpus W,R] [--csv FILE] [--quick]\n"
		"                            [--mech bcast-block|bcast-overwrite|unicast-xN]\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "subs", 1, 0, 's' }, { "msgs", 1, 0, 'm' }, { "tput", 1, 0, 't' },
		{ "cpus", 1, 0, 'c' }, { "csv", 1, 0, 'o' },  { "quick", 0, 0, 'q' },
		{ "help", 0, 0, 'h' }, { "mech", 1, 0, 'M' }, { 0, 0, 0, 0 },
	};
	struct opts o = { { 1, 2, 8, 64 }, 4, 5000, 200000, 0, 1, NULL, NULL };
	FILE *csv = NULL;
	int opt, i, mech, bad = 0;
	size_t shsize;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 's':
			o.nsubs = parse_list(optarg, o.subs, 8);
			if (o.nsubs <= 0) {
				usage();
				return 2;
			}
			break;
		case 'm':
			o.msgs = strtoull(optarg, NULL, 10);
			break;
		case 't':
			o.tput = strtoull(optarg, NULL, 10);
			break;
		case 'c':
			if (sscanf(optarg, "%d,%d", &o.cpu_w, &o.cpu_r) != 2) {
				usage();
				return 2;
			}
			break;
		case 'o':
			o.csv = optarg;
			break;
		case 'M':
			o.only = optarg;
			break;
		case 'q':
			o.msgs = 500;
			o.tput = 20000;
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (o.msgs == 0 || o.tput == 0) {
		usage();
		return 2;
	}
	g_lat_cap = o.msgs;
	shsize = sizeof(struct shared) + (size_t)MAX_SUBS * g_lat_cap * sizeof(uint64_t);
	g = mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (o.csv && !(csv = fopen(o.csv, "w"))) {
		perror(o.csv);
		return 1;
	}
	if (csv)
		fprintf(csv, "mechanism,subs,pub_p50_ns,pub_p99_ns,pub_p999_ns,lat_p50_ns,"
			     "lat_p99_ns,lat_p999_ns,tput_msgs_s,lost\n");
	printf("# shmchan-fanout-bench: writer on CPU %d, every reader on CPU %d; %llu paced "
	       "messages (latency), %llu unpaced (throughput), 64 B each\n",
	       o.cpu_w, o.cpu_r, (unsigned long long)o.msgs, (unsigned long long)o.tput);
	printf("%-16s %4s  %26s  %26s  %12s %10s\n", "mechanism", "subs",
	       "publish p50/p99/p99.9 ns", "delivery p50/p99/p99.9 us", "msgs/s", "lost");
	for (i = 0; i < o.nsubs; i++)
		for (mech = 0; mech < M_COUNT; mech++) {
			struct result r0, r1;

			if (o.only && strcmp(o.only, mech_name[mech]) != 0)
				continue;
			memset(&r0, 0, sizeof(r0));
			memset(&r1, 0, sizeof(r1));
			if (run_phase(&o, mech, o.subs[i], 0, &r0) != 0 ||
			    run_phase(&o, mech, o.subs[i], 1, &r1) != 0) {
				printf("%-16s %4d  FAILED (a reader saw a gap or an error)\n",
				       mech_name[mech], o.subs[i]);
				bad = 1;
				continue;
			}
			printf("%-16s %4d  %8llu/%8llu/%8llu  %8.1f/%8.1f/%8.1f  %12.0f %10llu\n",
			       mech_name[mech], o.subs[i], (unsigned long long)r0.pub.p50,
			       (unsigned long long)r0.pub.p99, (unsigned long long)r0.pub.p999,
			       (double)r0.lat.p50 / 1e3, (double)r0.lat.p99 / 1e3,
			       (double)r0.lat.p999 / 1e3, r1.tput,
			       (unsigned long long)(r0.lost + r1.lost));
			if (csv)
				fprintf(csv, "%s,%d,%llu,%llu,%llu,%llu,%llu,%llu,%.0f,%llu\n",
					mech_name[mech], o.subs[i], (unsigned long long)r0.pub.p50,
					(unsigned long long)r0.pub.p99,
					(unsigned long long)r0.pub.p999,
					(unsigned long long)r0.lat.p50,
					(unsigned long long)r0.lat.p99,
					(unsigned long long)r0.lat.p999, r1.tput,
					(unsigned long long)(r0.lost + r1.lost));
			fflush(stdout);
		}
	if (csv)
		fclose(csv);
	return bad;
}
