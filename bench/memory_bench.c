/* SPDX-License-Identifier: MIT */
/*
 * shmchan-memory-bench: what the memory behind a channel costs.
 *
 * Two measurements, both between a writer (CPU 0) and a reader process
 * (CPU 1) of an anonymous channel, both handles of one configuration:
 *
 *   stream: 76,816-byte frames through a slot channel (16 slots) and 1 MiB
 *       records through a record channel (4 MiB buffer), copied (write,
 *       read) and in place (reserve and fill every byte, peek and read every
 *       byte), with 4 KiB pages, transparent huge pages and hugetlb pages.
 *       Messages/s and GB/s of payload, from the writer's first call to the
 *       reader's last byte.
 *   first touch: the latency of each of the first 1,000 frames on a fresh
 *       channel of 64 slots (every slot's pages touched for the first time
 *       by its first message, on both sides), one frame at a time (the writer
 *       waits for the reader's acknowledgement), with and without
 *       SHMCHAN_MEM_PREFAULT on both handles.
 *
 * Every row runs --rounds times (default 5), the configurations interleaved
 * within each round; a row reports the median over rounds and the spread
 * ((max - min) / median), marked "!" above 20%. Page kinds the machine does
 * not give (no free hugetlb page, THP for shmem off) are reported as such,
 * with what the mapping got (shmchan_channel_memory).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "shmchan.h"

#define FRAME 76816u
#define RECORD (1u << 20)
#define MAX_ROUNDS 15
#define TOUCH_MSGS 1000

struct pages {
	const char *name;
	uint32_t mem;
};

static const struct pages page_kinds[] = {
	{ "4 KiB", 0 },
	{ "THP", SHMCHAN_MEM_THP },
	{ "hugetlb", SHMCHAN_MEM_HUGETLB },
};
#define NPAGES (sizeof(page_kinds) / sizeof(page_kinds[0]))

/* What the reader process shares with the writer. */
struct shared {
	_Atomic uint64_t acked;	 /* messages the reader has finished */
	_Atomic uint64_t end_ns; /* when it finished the last one */
	_Atomic int64_t error;	 /* a reader failure, 0 if none */
	uint64_t lat[TOUCH_MSGS];
	uint64_t checksum;
};

struct opts {
	unsigned rounds;
	unsigned frames, records;
	int quick;
	const char *csv;
};

static struct shared *g_sh;

static void fill(unsigned char *p, size_t len, uint64_t n)
{
	memset(p, (int)(n & 0xFF), len);
	if (len >= 8)
		memcpy(p, &n, 8);
}

/* Read every byte, as a consumer that uses the frame does. */
static uint64_t sum(const unsigned char *p, size_t len)
{
	uint64_t s = 0, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		s += w;
	}
	for (; i < len; i++)
		s += p[i];
	return s;
}

enum mode { COPY, IN_PLACE, TOUCH };

static const char *mode_name[] = { "copy", "in place", "first touch" };

/* The reader process: open by descriptor @fd, take @count messages of
 * @len, and report. Exits 0, or 1 with g_sh->error set. */
static void reader(int fd, enum mode mode, uint32_t mem, uint64_t count, size_t len)
{
	struct shmchan_config ex = { .mem = mem & (SHMCHAN_MEM_PREFAULT | SHMCHAN_MEM_THP) };
	static unsigned char buf[2u << 20];
	struct shmchan_channel r;
	uint64_t n, s = 0;
	int err;

	b_pin(1);
	err = shmchan_channel_open_reader_fd(&r, fd, &ex);
	close(fd);
	if (err) {
		atomic_store(&g_sh->error, err);
		_exit(1);
	}
	for (n = 0; n < count; n++) {
		const void *v;
		size_t got;

		if (mode == COPY) {
			err = shmchan_channel_recv(&r, buf, sizeof(buf), &got, 10000);
			if (!err && got >= 8 && memcmp(buf, &n, 8) != 0)
				err = -EBADMSG; /* not the message expected next */
		} else {
			err = shmchan_channel_peek_wait(&r, &v, &got, 10000);
			if (!err) {
				s += sum(v, got);
				if (mode == TOUCH) {
					uint64_t sent;

					memcpy(&sent, v, 8);
					g_sh->lat[n] = b_now_ns() - sent;
				} else if (got >= 8 && memcmp(v, &n, 8) != 0) {
					err = -EBADMSG;
				}
				err = shmchan_channel_release(&r);
			}
		}
		if (err || got != len) {
			atomic_store(&g_sh->error, err ? err : -EMSGSIZE);
			_exit(1);
		}
		/* Release: the latency stored above is visible to a writer
		 * that sees the count (its acquire load). */
		atomic_store_explicit(&g_sh->acked, n + 1, memory_order_release);
	}
	atomic_store(&g_sh->end_ns, b_now_ns());
	g_sh->checksum = s;
	shmchan_channel_close(&r);
	_exit(0);
}

struct run {
	int ok;		  /* 1 measured, 0 not available (why says why) */
	char why[96];	  /* what the machine lacked */
	double per_s;	  /* messages per second */
	uint64_t huge;	  /* bytes of the writer's mapping in huge pages */
	uint64_t page;	  /* its page size */
	struct b_stats l; /* first touch: latencies */
	uint64_t first16; /* first touch: mean of the first 16 */
};

/* One measurement of @count messages of @len on a fresh anonymous channel
 * of @cfg in @mode. */
static struct run run_one(const struct shmchan_config *cfg, enum mode mode, uint64_t count,
			  size_t len)
{
	static unsigned char buf[2u << 20];
	struct run res = { 0 };
	struct shmchan_channel w;
	struct shmchan_memory m;
	uint64_t t0, n;
	int err, fd, st;
	pid_t pid;

	memset(g_sh, 0, sizeof(*g_sh));
	err = shmchan_channel_create_anon(&w, "bench", cfg);
	if (err) {
		snprintf(res.why, sizeof(res.why), "create: %s", shmchan_strerror(err));
		return res;
	}
	if (shmchan_channel_memory(&w, &m) == 0) {
		res.huge = m.huge;
		res.page = m.page_size;
	}
	fd = shmchan_channel_share_fd(&w, 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		shmchan_channel_close(&w);
		reader(fd, mode, cfg->mem, count, len);
	}
	close(fd);
	b_pin(0);
	if (pid < 0 || shmchan_channel_wait_for_reader(&w, 10000) != 0) {
		snprintf(res.why, sizeof(res.why), "the reader did not start");
		goto out;
	}
	fill(buf, len, 1);
	t0 = b_now_ns();
	for (n = 0; n < count; n++) {
		void *p;

		if (mode == COPY) {
			memcpy(buf, &n, 8);
			err = shmchan_channel_send(&w, buf, len, 10000);
		} else {
			uint64_t now = b_now_ns();

			err = shmchan_channel_reserve_wait(&w, len, &p, 10000);
			if (!err) {
				fill(p, len, n);
				if (mode == TOUCH)
					memcpy(p, &now, 8);
				err = shmchan_channel_commit(&w, len);
			}
		}
		if (err) {
			snprintf(res.why, sizeof(res.why), "writer: %s", shmchan_strerror(err));
			goto out;
		}
		/* First touch: one frame at a time (acquire: the reader's
		 * release of its count, after its latency store). */
		if (mode == TOUCH)
			while (atomic_load_explicit(&g_sh->acked, memory_order_acquire) < n + 1 &&
			       !atomic_load(&g_sh->error))
				;
	}
	waitpid(pid, &st, 0);
	pid = -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(res.why, sizeof(res.why), "reader: %s",
			 shmchan_strerror((int)atomic_load(&g_sh->error)));
		goto out;
	}
	res.per_s = (double)count * 1e9 / (double)(atomic_load(&g_sh->end_ns) - t0);
	if (mode == TOUCH) {
		uint64_t s = 0;

		for (n = 0; n < 16 && n < count; n++)
			s += g_sh->lat[n];
		res.first16 = s / (n ? n : 1);
		res.l = b_percentiles(g_sh->lat, (size_t)count);
	}
	res.ok = 1;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	shmchan_channel_close(&w);
	return res;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median and spread of @n values (sorted in place). */
static void med_spread(double *v, unsigned n, double *med, double *spread)
{
	qsort(v, n, sizeof(*v), cmp_d);
	*med = v[n / 2];
	*spread = *med > 0 ? (v[n - 1] - v[0]) / *med : 0;
}

static FILE *g_csv;
static int g_failed; /* a row that should have run did not */

/* Whether a row not measured is a failure: only a hugetlb row may lack
 * what the machine has not got. */
static void judge(const struct run *r, uint32_t mem)
{
	if (!r->ok && !((mem & SHMCHAN_MEM_HUGETLB) && strstr(r->why, "create:")))
		g_failed = 1;
}

static const char *pages_got(const struct run *r, char *out, size_t cap)
{
	snprintf(out, cap, "%" PRIu64 " KiB pages, %" PRIu64 " MiB huge", r->page / 1024,
		 r->huge >> 20);
	return out;
}

static void stream_rows(const struct opts *o)
{
	static const struct {
		const char *what;
		uint32_t kind;
		size_t len;
	} shapes[] = {
		{ "76,816 B frames, slot", SHMCHAN_KIND_SLOT, FRAME },
		{ "1 MiB records, record", SHMCHAN_KIND_RECORD, RECORD },
	};
	size_t si, pi;
	int mi;

	printf("\nstream (anonymous channels, writer CPU 0, reader CPU 1; median of %u rounds)\n",
	       o->rounds);
	printf("%-24s %-9s %-8s %12s %9s %7s  %s\n", "shape", "mode", "pages", "messages/s", "GB/s",
	       "spread", "obtained");
	for (si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++)
		for (mi = COPY; mi <= IN_PLACE; mi++) {
			double v[NPAGES][MAX_ROUNDS];
			struct run last[NPAGES];
			uint64_t count = shapes[si].len == FRAME ? o->frames : o->records;
			unsigned r;

			memset(last, 0, sizeof(last));
			/* Interleaved: every page kind once per round. */
			for (r = 0; r < o->rounds; r++)
				for (pi = 0; pi < NPAGES; pi++) {
					struct shmchan_config cfg = { .kind = shapes[si].kind,
								      .mem = page_kinds[pi].mem };

					if (shapes[si].kind == SHMCHAN_KIND_SLOT) {
						cfg.slot_size = FRAME;
						cfg.slot_count = 16;
					} else {
						cfg.buffer_size = 4u << 20;
					}
					last[pi] =
						run_one(&cfg, (enum mode)mi, count, shapes[si].len);
					v[pi][r] = last[pi].ok ? last[pi].per_s : 0;
				}
			for (pi = 0; pi < NPAGES; pi++) {
				double med, spread;
				char got[64];

				judge(&last[pi], page_kinds[pi].mem);
				if (!last[pi].ok) {
					printf("%-24s %-9s %-8s %12s  (%s)\n", shapes[si].what,
					       mode_name[mi], page_kinds[pi].name, "-",
					       last[pi].why);
					continue;
				}
				med_spread(v[pi], o->rounds, &med, &spread);
				printf("%-24s %-9s %-8s %12.0f %9.2f %6.0f%%%s %s\n",
				       shapes[si].what, mode_name[mi], page_kinds[pi].name, med,
				       med * (double)shapes[si].len / 1e9, spread * 100,
				       spread > 0.20 ? "!" : " ",
				       pages_got(&last[pi], got, sizeof(got)));
				if (g_csv)
					fprintf(g_csv,
						"stream,%s,%s,%s,%.0f,%.3f,%.3f,%" PRIu64 "\n",
						shapes[si].what, mode_name[mi], page_kinds[pi].name,
						med, med * (double)shapes[si].len / 1e9, spread,
						last[pi].huge);
			}
		}
}

static void touch_rows(const struct opts *o)
{
	static const struct {
		const char *name;
		uint32_t mem;
	} kinds[] = {
		{ "4 KiB, faulted on use", 0 },
		{ "4 KiB, pre-faulted", SHMCHAN_MEM_PREFAULT },
		{ "hugetlb, pre-faulted", SHMCHAN_MEM_HUGETLB | SHMCHAN_MEM_PREFAULT },
	};
	double v[3][5][MAX_ROUNDS];
	struct run last[3];
	unsigned r, k, f;
	unsigned count = o->quick ? 100 : TOUCH_MSGS;

	printf("\nfirst touch: latency of the first %u frames of 76,816 B on a fresh channel of 64 "
	       "slots, one at a time, in place, every byte written and read (ns; median of %u "
	       "rounds)\n",
	       count, o->rounds);
	printf("%-24s %9s %9s %9s %9s %11s %7s\n", "pages", "p50", "p99", "p99.9", "max",
	       "first 16", "spread");
	memset(last, 0, sizeof(last));
	for (r = 0; r < o->rounds; r++)
		for (k = 0; k < 3; k++) {
			struct shmchan_config cfg = { .slot_size = FRAME,
						      .slot_count = 64,
						      .mem = kinds[k].mem };

			last[k] = run_one(&cfg, TOUCH, count, FRAME);
			v[k][0][r] = (double)last[k].l.p50;
			v[k][1][r] = (double)last[k].l.p99;
			v[k][2][r] = (double)last[k].l.p999;
			v[k][3][r] = (double)last[k].l.max;
			v[k][4][r] = (double)last[k].first16;
		}
	for (k = 0; k < 3; k++) {
		double med[5], spread[5];

		judge(&last[k], kinds[k].mem);
		if (!last[k].ok) {
			printf("%-24s %9s  (%s)\n", kinds[k].name, "-", last[k].why);
			continue;
		}
		for (f = 0; f < 5; f++)
			med_spread(v[k][f], o->rounds, &med[f], &spread[f]);
		printf("%-24s %9.0f %9.0f %9.0f %9.0f %11.0f %6.0f%%%s\n", kinds[k].name, med[0],
		       med[1], med[2], med[3], med[4], spread[0] * 100,
		       spread[0] > 0.20 ? "!" : " ");
		if (g_csv)
			fprintf(g_csv, "touch,%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.3f\n", kinds[k].name,
				med[0], med[1], med[2], med[3], med[4], spread[0]);
	}
}

static void machine(void)
{
	char buf[128] = "?";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "r");
	long total = -1, free_pages = -1;
	char line[128];

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			snprintf(buf, sizeof(buf), "?\n");
		fclose(f);
	}
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Total: %ld", &total);
		sscanf(line, "HugePages_Free: %ld", &free_pages);
	}
	if (f)
		fclose(f);
	printf("shmchan-memory-bench, shmchan %s, %ld CPUs\n", shmchan_version(),
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("shmem_enabled: %shugetlb pool: %ld pages, %ld free\n", buf, total, free_pages);
}

int main(int argc, char **argv)
{
	struct opts o = { 5, 50000, 5000, 0, NULL };
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			o.quick = 1;
			o.rounds = 1;
			o.frames = 200;
			o.records = 50;
		} else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			o.rounds = (unsigned)atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
			o.csv = argv[++i];
		} else {
			fprintf(stderr,
				"usage: %s [--quick] [--rounds N (1-%d)] [--csv FILE]\n"
				"Frames and records through anonymous channels with 4 KiB, THP and "
				"hugetlb pages, and first-touch latency with and without "
				"pre-faulting.\n",
				argv[0], MAX_ROUNDS);
			return 2;
		}
	}
	if (o.rounds < 1 || o.rounds > MAX_ROUNDS)
		return fprintf(stderr, "--rounds: 1 to %d\n", MAX_ROUNDS), 2;
	g_sh = mmap(NULL, sizeof(*g_sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g_sh == MAP_FAILED)
		return perror("mmap"), 1;
	if (o.csv && !(g_csv = fopen(o.csv, "w")))
		return perror(o.csv), 1;
	if (g_csv)
		fprintf(g_csv, "row,shape_or_pages,mode_or_p50,pages_or_p99,per_s_or_p999,"
			       "gbs_or_max,spread_or_first16,huge_or_spread\n");
	machine();
	stream_rows(&o);
	touch_rows(&o);
	if (g_csv)
		fclose(g_csv);
	if (g_failed)
		fprintf(stderr, "shmchan-memory-bench: a row failed (above)\n");
	return g_failed;
}
