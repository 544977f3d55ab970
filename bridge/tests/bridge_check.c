/* SPDX-License-Identifier: MIT */
/*
 * The loopback test's two ends (loopback.sh): "write" creates a channel
 * and writes COUNT messages whose length and every byte follow from their
 * sequence number, then closes it (the end of the stream); "read" opens a
 * channel, checks every message's length, bytes and order, and that the
 * stream ends after exactly COUNT. Both unlink their channel at the end.
 *
 *   bridge_check write NAME --count N (--slot-size S --slot-count C |
 *                --buffer-size B) (--size L | --max L)
 *   bridge_check read NAME --count N (--size L | --max L)
 *
 * --size L: every message L bytes; --max L: 1 to L bytes, mixed.
 * write --broadcast 1|2: a broadcast channel, policy BLOCK (1) or
 * OVERWRITE (2), with the slot geometry.
 * Exit 0 when all is well, 1 on a failure (reported), 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <shmchan.h>

/* Seconds with no progress before either end gives up. */
#define STALL_S 60
#define TICK_MS 1000

struct args {
	const char *name;
	unsigned long count, size, max;
	struct shmchan_config cfg;
};

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static size_t length_of(const struct args *a, uint64_t n)
{
	return a->size ? a->size : 1 + mix(n) % a->max;
}

/* Byte i of message n: its number in the first 8 bytes (when it has them),
 * then a pattern of n and i that does not repeat every 256 bytes. */
static unsigned char byte_of(uint64_t n, size_t len, size_t i)
{
	if (len >= 8 && i < 8)
		return (unsigned char)(n >> (8 * i));
	return (unsigned char)(n * 7 + i * 13 + (i >> 8));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fill(unsigned char *buf, const struct args *a, uint64_t n)
{
	size_t len = length_of(a, n), i;

	for (i = 0; i < len; i++)
		buf[i] = byte_of(n, len, i);
	return (int)len;
}

static int open_writer(struct shmchan_channel *w, const struct args *a)
{
	int err = shmchan_channel_create_writer(w, a->name, &a->cfg);

	if (err == -ESTALE)
		err = shmchan_channel_create_or_replace_writer(w, a->name, &a->cfg);
	if (!err)
		err = shmchan_channel_wait_for_reader(w, STALL_S * 1000);
	if (err)
		fprintf(stderr, "bridge_check write %s: %s\n", a->name, shmchan_strerror(err));
	return err;
}

static int do_write(const struct args *a)
{
	struct shmchan_channel w = { 0 };
	size_t cap = a->size ? a->size : a->max;
	unsigned char *buf = malloc(cap);
	uint64_t n, bytes = 0;
	int err = buf ? open_writer(&w, a) : -ENOMEM, stall = 0, len;
	double t0 = now_s(), s;

	for (n = 0; !err && n < a->count; n++) {
		len = fill(buf, a, n);
		while ((err = shmchan_channel_send(&w, buf, (size_t)len, TICK_MS)) == -ETIMEDOUT &&
		       ++stall < STALL_S)
			;
		if (err)
			break;
		stall = 0;
		bytes += (uint64_t)len;
	}
	s = now_s() - t0;
	if (err)
		fprintf(stderr, "bridge_check write %s: message %llu: %s\n", a->name,
			(unsigned long long)n, shmchan_strerror(err));
	else
		printf("bridge_check write %s: %llu messages, %llu bytes in %.3f s: %.0f msg/s\n",
		       a->name, (unsigned long long)n, (unsigned long long)bytes, s, (double)n / s);
	shmchan_channel_close(&w); /* the end of the stream */
	shmchan_channel_unlink(a->name);
	free(buf);
	return err ? 1 : 0;
}

/* Message @n as it must be; 0, or -1 with the first difference reported. */
static int check(const struct args *a, uint64_t n, const unsigned char *p, size_t len)
{
	size_t want = length_of(a, n), i;

	if (len != want) {
		fprintf(stderr, "bridge_check read %s: message %llu: %zu bytes, not %zu\n", a->name,
			(unsigned long long)n, len, want);
		return -1;
	}
	for (i = 0; i < len; i++)
		if (p[i] != byte_of(n, len, i)) {
			fprintf(stderr,
				"bridge_check read %s: message %llu: byte %zu is %u, not %u\n",
				a->name, (unsigned long long)n, i, p[i], byte_of(n, len, i));
			return -1;
		}
	return 0;
}

static int read_all(struct shmchan_channel *r, const struct args *a, uint64_t *n, double *t0)
{
	const void *p;
	size_t len;
	int err, stall = 0;

	for (;;) {
		err = shmchan_channel_peek_wait(r, &p, &len, TICK_MS);
		if (err == -ETIMEDOUT && ++stall < STALL_S)
			continue;
		if (err)
			return err;
		stall = 0;
		if (*n == 0)
			*t0 = now_s();
		if (*n >= a->count || check(a, *n, p, len))
			return -EBADMSG;
		shmchan_channel_release(r);
		++*n;
	}
}

static int do_read(const struct args *a)
{
	struct shmchan_channel r = { 0 };
	uint64_t n = 0;
	double t0 = 0, s;
	int err;

	err = shmchan_channel_wait_created(a->name, STALL_S * 1000);
	if (!err)
		err = shmchan_channel_open_reader(&r, a->name, NULL);
	if (!err)
		err = read_all(&r, a, &n, &t0);
	s = t0 ? now_s() - t0 : 0;
	shmchan_channel_close(&r);
	shmchan_channel_unlink(a->name);
	if (err != -EPIPE || n != a->count) {
		fprintf(stderr, "bridge_check read %s: %llu of %lu messages, then %s\n", a->name,
			(unsigned long long)n, a->count,
			err == -EBADMSG ? "a wrong one" : shmchan_strerror(err));
		return 1;
	}
	printf("bridge_check read %s: %llu messages checked in %.3f s: %.0f msg/s\n", a->name,
	       (unsigned long long)n, s, s > 0 ? (double)n / s : 0);
	return 0;
}

static int number(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || end == s || *end || *out == 0 || *out > UINT32_MAX ? -1 : 0;
}

static int parse(int argc, char **argv, struct args *a)
{
	unsigned long v;
	int i;

	if (argc < 3)
		return -1;
	a->name = argv[2];
	for (i = 3; i + 1 < argc; i += 2) {
		if (number(argv[i + 1], &v))
			return -1;
		if (!strcmp(argv[i], "--count"))
			a->count = v;
		else if (!strcmp(argv[i], "--size"))
			a->size = v;
		else if (!strcmp(argv[i], "--max"))
			a->max = v;
		else if (!strcmp(argv[i], "--slot-size"))
			a->cfg.slot_size = (uint32_t)v;
		else if (!strcmp(argv[i], "--slot-count"))
			a->cfg.slot_count = (uint32_t)v;
		else if (!strcmp(argv[i], "--buffer-size"))
			a->cfg.buffer_size = (uint32_t)v;
		else if (!strcmp(argv[i], "--broadcast") && v <= SHMCHAN_POLICY_OVERWRITE)
			a->cfg.policy = (uint32_t)v;
		else
			return -1;
	}
	a->cfg.kind = a->cfg.policy	   ? SHMCHAN_KIND_BROADCAST
		      : a->cfg.buffer_size ? SHMCHAN_KIND_RECORD
					   : SHMCHAN_KIND_SLOT;
	return i == argc && a->count && (a->size || a->max) ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };

	if (parse(argc, argv, &a)) {
		fprintf(stderr, "usage: bridge_check write|read NAME --count N (--size L | --max L)"
				" [--slot-size S --slot-count C | --buffer-size B]\n");
		return 2;
	}
	if (!strcmp(argv[1], "write"))
		return do_write(&a);
	if (!strcmp(argv[1], "read"))
		return do_read(&a);
	fprintf(stderr, "bridge_check: write or read\n");
	return 2;
}
