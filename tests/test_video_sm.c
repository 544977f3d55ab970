/* SPDX-License-Identifier: MIT */
/*
 * The producer's state machine (examples/video/producer_sm.c), driven with a
 * fake channel: every transition the article names is reached, Throttled and
 * Error included, and the retry limit ends the run.
 */
#include "producer_sm.h"
#include "t_util.h"

/* The fake: scripted results for open() and write_frame(), a depth. */
struct fake {
	int open_fail;	   /* fail this many opens */
	const int *writes; /* results of successive writes (0 past the end) */
	int nwrites, wi;
	int depth, capacity;
	int closes, finishes;
	unsigned slept_us;
	uint64_t now;
	char trace[512];
};

static int f_open(void *io)
{
	struct fake *f = io;

	return f->open_fail-- > 0 ? -ENOSPC : 0;
}

static int f_write(void *io, uint32_t seq)
{
	struct fake *f = io;

	(void)seq;
	return f->wi < f->nwrites ? f->writes[f->wi++] : 0;
}

static int f_depth(void *io)
{
	return ((struct fake *)io)->depth;
}

static int f_capacity(void *io)
{
	return ((struct fake *)io)->capacity;
}

static void f_close(void *io, int finished)
{
	struct fake *f = io;

	f->closes++;
	f->finishes += finished;
}

static void f_sleep(void *io, unsigned us)
{
	struct fake *f = io;

	f->slept_us += us;
	f->now += (uint64_t)us * 1000;
}

static uint64_t f_now(void *io)
{
	return ((struct fake *)io)->now += 1000;
}

static const struct producer_ops fake_ops = { f_open,  f_write, f_depth, f_capacity,
					      f_close, f_sleep, f_now };

static void trace(struct producer *p, const char *from, const char *to)
{
	struct fake *f = p->io;
	size_t n = strlen(f->trace);

	(void)from;
	snprintf(f->trace + n, sizeof(f->trace) - n, "%s%s", n ? ">" : "", to);
}

static void run(struct producer *p, struct fake *f, uint32_t total, int max_steps)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->ops = &fake_ops;
	p->io = f;
	p->total = total;
	p->trace = trace;
	if (!f->capacity)
		f->capacity = 16;
	producer_start(p);
	for (i = 0; i < max_steps && !producer_step(p); i++)
		;
	ASSERT_TRUE(producer_step(p)); /* ended within the bound */
}

static void expect_trace(const struct fake *f, const char *want)
{
	if (strcmp(f->trace, want) != 0)
		T_FAIL("trace\n  got:  %s\n  want: %s", f->trace, want);
}

static void test_plain_run(void)
{
	struct producer p;
	struct fake f = { 0 };

	run(&p, &f, 5, 100);
	expect_trace(&f, "Init>Streaming>Done");
	ASSERT_EQ(p.sent, 5);
	ASSERT_EQ(p.failed, 0);
	ASSERT_EQ(f.finishes, 1); /* end of stream, channel removed */
}

static void test_paused(void)
{
	static const int w[] = { 0, -EAGAIN, 0, 0 };
	struct producer p;
	struct fake f = { .writes = w, .nwrites = 4 };

	run(&p, &f, 3, 100);
	expect_trace(&f, "Init>Streaming>Paused>Streaming>Done");
	ASSERT_EQ(p.sent, 3);
	ASSERT_EQ(p.full_events, 1);
	ASSERT_EQ(f.slept_us, PAUSE_US);
}

static void test_throttled(void)
{
	static const int w[] = { -EAGAIN, -EAGAIN, -EAGAIN, -EAGAIN, 0, 0 };
	struct producer p;
	struct fake f = { .writes = w, .nwrites = 6, .depth = 16 };
	int i;

	memset(&p, 0, sizeof(p));
	p.ops = &fake_ops;
	p.io = &f;
	p.total = 2;
	p.trace = trace;
	f.capacity = 16;
	producer_start(&p);
	/* Full 3 times in a row: Throttled; it stays while the depth is high,
	 * writing one frame per 5 ms. */
	for (i = 0; i < 5; i++)
		producer_step(&p);
	ASSERT_TRUE(hsm_in(&p.sm, &ps_throttled));
	ASSERT_TRUE(hsm_in(&p.sm, &ps_running));
	ASSERT_EQ(p.full_events, 4);
	ASSERT_EQ(p.sent, 1);
	f.depth = 7; /* below half */
	while (!producer_step(&p))
		;
	expect_trace(&f, "Init>Streaming>Paused>Throttled>Streaming>Done");
	ASSERT_EQ(p.sent, 2);
	ASSERT_TRUE(f.slept_us >= 2 * THROTTLE_US);
}

static void test_error_retry(void)
{
	struct producer p;
	struct fake f = { .open_fail = 2 };

	run(&p, &f, 2, 100);
	expect_trace(&f, "Init>Error>Init>Error>Init>Streaming>Done");
	ASSERT_EQ(p.retries, 2);
	ASSERT_EQ(p.failed, 0);
	ASSERT_EQ(p.sent, 2);
}

static void test_retry_limit(void)
{
	struct producer p;
	struct fake f = { .open_fail = 100 };

	run(&p, &f, 2, 100);
	expect_trace(&f, "Init>Error>Init>Error>Init>Error>Init>Error>Done");
	ASSERT_EQ(p.retries, MAX_INIT_RETRIES);
	ASSERT_EQ(p.failed, 1);
	ASSERT_EQ(p.last_error, -ENOSPC);
	ASSERT_EQ(f.finishes, 0); /* nothing to end: it never streamed */
}

static void test_write_error(void)
{
	static const int w[] = { 0, -ESTALE, 0 };
	struct producer p;
	struct fake f = { .writes = w, .nwrites = 3 };

	run(&p, &f, 2, 100);
	/* A failed write is an error: re-initialise, then carry on. */
	expect_trace(&f, "Init>Streaming>Error>Init>Streaming>Done");
	ASSERT_EQ(p.sent, 2);
	ASSERT_EQ(p.last_error, -ESTALE);
}

static void test_stop_and_pacing(void)
{
	struct producer p;
	struct fake f = { 0 };
	int i;

	memset(&p, 0, sizeof(p));
	p.ops = &fake_ops;
	p.io = &f;
	p.total = 0; /* until stopped */
	p.fps = 100;
	p.trace = trace;
	producer_start(&p);
	for (i = 0; i < 10; i++)
		producer_step(&p);
	ASSERT_EQ(p.sent, 10);
	/* 10 frames at 100 fps: about 90 ms of pacing sleeps. */
	ASSERT_TRUE(f.slept_us >= 80000 && f.slept_us <= 100000);
	p.stop = 1;
	ASSERT_TRUE(producer_step(&p));
	expect_trace(&f, "Init>Streaming>Done");
	ASSERT_TRUE(strcmp(producer_state_name(producer_state_index(&p)), "Done") == 0);
}

static int always_full(void *io, uint32_t seq)
{
	(void)io;
	(void)seq;
	return -EAGAIN;
}

/* Nobody reads: the producer gives up instead of waiting forever. */
static void test_stall_limit(void)
{
	struct producer_ops ops = fake_ops;
	struct producer p;
	struct fake f = { .depth = 16, .capacity = 16 };
	int i;

	ops.write_frame = always_full;
	memset(&p, 0, sizeof(p));
	p.ops = &ops;
	p.io = &f;
	p.total = 10;
	p.max_stall_ns = 50000000; /* 50 ms of fake time */
	p.trace = trace;
	producer_start(&p);
	for (i = 0; i < 1000 && !producer_step(&p); i++)
		;
	ASSERT_TRUE(producer_step(&p));
	expect_trace(&f, "Init>Streaming>Paused>Throttled>Done");
	ASSERT_EQ(p.failed, 1);
	ASSERT_EQ(p.last_error, -ETIMEDOUT);
	ASSERT_EQ(f.closes, 1);
	ASSERT_EQ(f.finishes, 0); /* closed, but not as a finished stream */
}

int main(void)
{
	test_plain_run();
	test_paused();
	test_throttled();
	test_error_retry();
	test_retry_limit();
	test_write_error();
	test_stop_and_pacing();
	test_stall_limit();
	printf("test_video_sm: ok\n");
	return 0;
}
