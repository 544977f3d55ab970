/* SPDX-License-Identifier: MIT */
/* Benchmark helpers: clock, CPU pinning, percentiles. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t b_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void b_sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Pin the calling process to @cpu (negative: leave it). Returns 0 or -1. */
static inline int b_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static int b_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct b_stats {
	uint64_t p50, p90, p99, p999, max;
};

/* Sorts @v in place. */
static inline struct b_stats b_percentiles(uint64_t *v, size_t n)
{
	struct b_stats s = { 0, 0, 0, 0, 0 };

	if (n == 0)
		return s;
	qsort(v, n, sizeof(*v), b_cmp_u64);
	s.p50 = v[n / 2];
	s.p90 = v[(size_t)((double)n * 0.90)];
	s.p99 = v[(size_t)((double)n * 0.99)];
	s.p999 = v[(size_t)((double)n * 0.999)];
	s.max = v[n - 1];
	return s;
}

#endif /* BENCH_UTIL_H */
