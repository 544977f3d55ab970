/* SPDX-License-Identifier: MIT */
/*
 * shm_producer: streams 320x240 frames over the channel video_ch0, driven by
 * the state machine in producer_sm.c, and publishes its statistics for
 * shm_monitor.
 *
 * usage: shm_producer [--frames N] [--fps F] [--zero-copy] [--channel NAME] [--newosp]
 *                     [--quiet]
 *   --frames N   frames to send, then end the stream (default 3000; 0: until
 *                SIGINT/SIGTERM)
 *   --fps F      pace at F frames per second (default: as fast as possible)
 *   --zero-copy  build each frame in place in the ring (reserve/commit)
 *   --channel N  channel name (default video_ch0; statistics in N.stats)
 *   --newosp     write newosp's own format, ShmChannel<81920, 16> on
 *                /osp_shm_NAME, so that an unmodified newosp consumer reads
 *                the stream (docs/newosp.md); newosp's format has no end of
 *                stream: a consumer stops after the frames it is told
 *   --quiet      no per-transition trace
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <shmchan.h>

#include "frame.h"
#include "producer_sm.h"
#include "stats.h"

struct io {
	struct shmchan_channel ch;
	struct shmchan_segment stats_seg;
	struct video_stats *stats;
	struct side_stats mine;
	struct frame_ramp ramp;
	unsigned char frame[FRAME_SIZE];
	int zero_copy, open, newosp;
	struct producer *p;
	const char *channel;
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static uint64_t now_ns(void *io)
{
	struct timespec ts;

	(void)io;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_us(void *io, unsigned us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	(void)io;
	nanosleep(&ts, NULL);
}

static void publish(struct io *x)
{
	x->mine.state = (uint64_t)producer_state_index(x->p);
	x->mine.full_events = x->p->full_events;
	if (x->stats)
		stats_publish(&x->stats->producer, &x->mine);
}

static int io_open(void *arg)
{
	struct io *x = arg;
	struct shmchan_config cfg = { .slot_size = VIDEO_SLOT_SIZE,
				      .slot_count = VIDEO_SLOT_COUNT };
	int err;

	if (!x->stats)
		x->stats = stats_attach(&x->stats_seg, x->channel, 1);
	if (x->newosp) {
		/* As newosp's CreateOrReplaceWriter. */
		struct shmchan_osp_config oc = { .format = SHMCHAN_OSP_SLOT,
						 .slot_size = VIDEO_SLOT_SIZE,
						 .slot_count = VIDEO_SLOT_COUNT,
						 .flags = SHMCHAN_OSP_REPLACE };

		err = shmchan_osp_create(&x->ch, x->channel, &oc);
	} else {
		err = shmchan_channel_create_or_replace_writer(&x->ch, x->channel, &cfg);
	}
	if (err) {
		fprintf(stderr, "shm_producer: cannot create channel %s: %s\n", x->channel,
			shmchan_strerror(err));
		return err;
	}
	x->open = 1;
	frame_ramp_init(&x->ramp); /* prepare the frames */
	return 0;
}

static int io_write(void *arg, uint32_t seq)
{
	struct io *x = arg;
	void *slot;
	int err;

	if (x->zero_copy) {
		err = shmchan_channel_reserve(&x->ch, FRAME_SIZE, &slot);
		if (err)
			return err;
		frame_make(slot, seq, &x->ramp);
		err = shmchan_channel_commit(&x->ch, FRAME_SIZE);
	} else {
		frame_make(x->frame, seq, &x->ramp);
		err = shmchan_channel_write(&x->ch, x->frame, FRAME_SIZE);
	}
	if (err)
		return err;
	x->mine.last_ns = now_ns(x);
	if (x->mine.frames++ == 0)
		x->mine.start_ns = x->mine.last_ns;
	x->mine.bytes += FRAME_SIZE;
	x->mine.latest_seq = seq;
	x->mine.latest_magic = FRAME_MAGIC;
	x->mine.latest_width = FRAME_WIDTH;
	x->mine.latest_height = FRAME_HEIGHT;
	publish(x);
	return 0;
}

static int io_depth(void *arg)
{
	return shmchan_channel_depth(&((struct io *)arg)->ch);
}

static int io_capacity(void *arg)
{
	return shmchan_channel_capacity(&((struct io *)arg)->ch);
}

static void io_close(void *arg, int finished)
{
	struct io *x = arg;

	if (!x->open)
		return;
	if (finished) {
		x->mine.done = 1;
		publish(x);
	}
	shmchan_channel_close(&x->ch); /* the last writer leaving: end of stream */
	/* A newosp channel is left for its consumer to drain: newosp has no
	 * end of stream, and the consumer may not have opened it yet. */
	if (finished && !x->newosp)
		shmchan_channel_unlink(x->channel);
	x->open = 0;
}

static const struct producer_ops ops = { io_open,  io_write, io_depth, io_capacity,
					 io_close, sleep_us, now_ns };

static void trace(struct producer *p, const char *from, const char *to)
{
	(void)p;
	printf("shm_producer: %s -> %s\n", from, to);
}

static int parse(int argc, char **argv, struct producer *p, struct io *x, int *quiet)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--frames") && i + 1 < argc)
			p->total = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--fps") && i + 1 < argc)
			p->fps = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--zero-copy"))
			x->zero_copy = 1;
		else if (!strcmp(argv[i], "--channel") && i + 1 < argc)
			x->channel = argv[++i];
		else if (!strcmp(argv[i], "--newosp"))
			x->newosp = 1;
		else if (!strcmp(argv[i], "--quiet"))
			*quiet = 1;
		else
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct io x; /* the frame buffers are large */
	struct producer p;
	double secs;
	int quiet = 0;

	memset(&p, 0, sizeof(p));
	p.total = 3000;
	x.channel = VIDEO_CHANNEL;
	if (parse(argc, argv, &p, &x, &quiet)) {
		fprintf(stderr,
			"usage: %s [--frames N] [--fps F] [--zero-copy] [--channel NAME] "
			"[--newosp] [--quiet]\n",
			argv[0]);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	x.p = &p;
	x.mine.pid = (uint64_t)getpid();
	x.mine.fps_limit = p.fps;
	x.mine.zero_copy = (uint64_t)x.zero_copy;
	p.ops = &ops;
	p.io = &x;
	if (!quiet)
		p.trace = trace;
	producer_start(&p);
	while (!producer_step(&p))
		p.stop = g_stop;
	publish(&x);
	secs = (double)(x.mine.last_ns - x.mine.start_ns) / 1e9;
	printf("shm_producer: %s: sent %u frames (%.1f MB) in %.3f s, %.0f fps, %.0f MB/s, "
	       "%u full events, %llu transitions%s\n",
	       p.failed ? "FAILED" : "done", p.sent, (double)x.mine.bytes / 1e6, secs,
	       stats_fps(&x.mine), stats_mbps(&x.mine), p.full_events,
	       (unsigned long long)p.transitions, x.zero_copy ? ", zero copy" : "");
	if (p.failed && p.last_error == -ETIMEDOUT)
		fprintf(stderr, "shm_producer: the ring stayed full for 10 s: is shm_consumer "
				"running?\n");
	else if (p.failed)
		fprintf(stderr, "shm_producer: gave up after %d retries: %s\n", MAX_INIT_RETRIES,
			shmchan_strerror(p.last_error));
	if (p.failed && x.newosp)
		shmchan_osp_unlink(x.channel);
	else if (p.failed)
		shmchan_channel_unlink(x.channel); /* left unfinished: do not leave it behind */
	if (x.stats) {
		char name[SHMCHAN_NAME_MAX + 1];

		shmchan_segment_close(&x.stats_seg);
		stats_name(name, sizeof(name), x.channel);
		shmchan_segment_unlink(name);
	}
	return p.failed ? 1 : 0;
}
