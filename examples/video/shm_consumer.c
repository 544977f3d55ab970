/* SPDX-License-Identifier: MIT */
/*
 * shm_consumer: receives the frames of video_ch0, checks every byte of each,
 * and counts good, bad and missing (gap) frames. States:
 *
 *   Connecting  open the channel as its reader; retry --connect-tries times,
 *               10 ms apart, then fail with a clear message
 *   Receiving   wait for the next frame
 *   Validating  check it byte by byte
 *   Stalled     no frame for --stall-ms: report, keep waiting (at most
 *               --give-up-s seconds in all)
 *   Done        end of stream: print the summary and exit
 *
 * Options: --connect-tries N (default 500), --stall-ms MS (1000), --give-up-s S
 * (10), --channel NAME (video_ch0), --quiet, --newosp --frames N: read
 * newosp's own format, ShmChannel<81920, 16> on /osp_shm_NAME, as written
 * by newosp's producer or by shm_producer --newosp (docs/newosp.md). That
 * format has no end of stream: the consumer stops after N frames (frame
 * N - 1 seen), and removes the channel, as newosp's reader would not.
 *
 * Exit status: 0 every frame arrived intact; 1 bad frames or gaps; 2 could
 * not connect; 3 the producer ended without finishing its stream (killed);
 * 4 stalled past --give-up-s.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <shmchan.h>

#include "frame.h"
#include "stats.h"

enum cstate { C_CONNECTING, C_RECEIVING, C_VALIDATING, C_STALLED, C_DONE };
static const char *const cstate_name[] = { "Connecting", "Receiving", "Validating", "Stalled",
					   "Done" };

struct consumer {
	struct shmchan_channel ch;
	struct shmchan_segment stats_seg;
	struct video_stats *stats;
	struct side_stats mine;
	struct frame_ramp ramp;
	unsigned char buf[VIDEO_SLOT_SIZE];
	size_t len;
	enum cstate state;
	unsigned connect_tries, stall_ms, give_up_s;
	uint32_t expected;   /* next sequence number */
	uint64_t stalled_ms; /* in the current stall */
	int exit_code, quiet, newosp;
	uint32_t total; /* --newosp: frames to receive */
	const char *channel;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void set_state(struct consumer *c, enum cstate s)
{
	if (!c->quiet && s != c->state &&
	    (s == C_STALLED || c->state == C_STALLED || s == C_DONE || c->state == C_CONNECTING))
		printf("shm_consumer: %s -> %s\n", cstate_name[c->state], cstate_name[s]);
	c->state = s;
	c->mine.state = (uint64_t)s;
}

static void publish(struct consumer *c)
{
	if (c->stats)
		stats_publish(&c->stats->consumer, &c->mine);
}

static void connecting(struct consumer *c)
{
	struct shmchan_config want = { .slot_size = VIDEO_SLOT_SIZE };
	unsigned i;
	int err = -ENOENT;

	struct shmchan_osp_config oc = { .format = SHMCHAN_OSP_SLOT,
					 .slot_size = VIDEO_SLOT_SIZE,
					 .slot_count = VIDEO_SLOT_COUNT,
					 .wait = SHMCHAN_WAIT_BACKOFF };

	for (i = 0; i < c->connect_tries; i++) {
		err = c->newosp ? shmchan_osp_open_reader(&c->ch, c->channel, &oc)
				: shmchan_channel_open_reader(&c->ch, c->channel, &want);
		if (err == 0)
			break;
		if (err != -ENOENT && err != -EAGAIN && err != -EBUSY)
			break;
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	if (err) {
		fprintf(stderr,
			"shm_consumer: cannot open channel %s after %u tries: %s (is shm_producer "
			"running? 'shmchan ls' lists channels)\n",
			c->channel, i, shmchan_strerror(err));
		c->exit_code = 2;
		set_state(c, C_DONE);
		return;
	}
	if (!c->stats)
		c->stats = stats_attach(&c->stats_seg, c->channel, 0);
	set_state(c, C_RECEIVING);
}

/* The producer's figures, if its stats block can be read. */
static int producer_stats(const struct consumer *c, struct side_stats *p)
{
	return c->stats && stats_read(&c->stats->producer, p);
}

static void end_of_stream(struct consumer *c)
{
	struct side_stats p;

	if (!producer_stats(c, &p) || !p.done) {
		fprintf(stderr,
			"shm_consumer: the producer ended without finishing its stream "
			"(killed?) after %llu frames\n",
			(unsigned long long)c->mine.frames);
		c->exit_code = 3;
	}
	set_state(c, C_DONE);
}

static void receiving(struct consumer *c)
{
	int err = shmchan_channel_recv(&c->ch, c->buf, sizeof(c->buf), &c->len, (int)c->stall_ms);

	if (err == 0) {
		c->stalled_ms = 0;
		set_state(c, C_VALIDATING);
	} else if (err == -ETIMEDOUT) {
		c->stalled_ms += c->stall_ms;
		set_state(c, C_STALLED);
	} else if (err == -EPIPE) {
		end_of_stream(c);
	} else if (err == -ESTALE) {
		/* The producer restarted: follow it to the new channel, whose
		 * frames start again from sequence 0, with new statistics. */
		shmchan_channel_close(&c->ch);
		if (c->stats) {
			shmchan_segment_close(&c->stats_seg);
			c->stats = NULL;
		}
		c->expected = 0;
		set_state(c, C_CONNECTING);
	} else {
		c->mine.bad++; /* a corrupt slot (-EBADMSG) or worse */
		fprintf(stderr, "shm_consumer: read: %s\n", shmchan_strerror(err));
	}
}

static void validating(struct consumer *c)
{
	struct frame_hdr h;

	c->mine.last_ns = now_ns();
	if (c->mine.frames++ == 0)
		c->mine.start_ns = c->mine.last_ns;
	c->mine.bytes += c->len;
	if (!frame_check(c->buf, c->len, &c->ramp, &h)) {
		c->mine.bad++;
	} else if (h.seq < c->expected) {
		c->mine.bad++; /* out of order or repeated */
	} else {
		c->mine.gaps += h.seq - c->expected;
		c->expected = h.seq + 1;
	}
	publish(c);
	/* newosp's format: the last frame asked for ends the stream. */
	if (c->newosp && c->expected >= c->total) {
		set_state(c, C_DONE);
		return;
	}
	set_state(c, C_RECEIVING);
}

static void stalled(struct consumer *c)
{
	struct shmchan_info info = SHMCHAN_INFO_INIT;

	if (shmchan_channel_info(&c->ch, &info) == 0 && !c->quiet)
		printf("shm_consumer: no frame for %llu ms (depth %u, %u writer(s) attached)\n",
		       (unsigned long long)c->stalled_ms, info.depth, info.nwriters);
	else if (c->newosp && !c->quiet) /* no registry: no writers to count */
		printf("shm_consumer: no frame for %llu ms (depth %d)\n",
		       (unsigned long long)c->stalled_ms, shmchan_channel_depth(&c->ch));
	if (c->stalled_ms >= (uint64_t)c->give_up_s * 1000) {
		fprintf(stderr, "shm_consumer: giving up after %u s without a frame\n",
			c->give_up_s);
		c->exit_code = 4;
		set_state(c, C_DONE);
		return;
	}
	set_state(c, C_RECEIVING);
}

static void summary(struct consumer *c)
{
	struct side_stats p;
	double secs = (double)(c->mine.last_ns - c->mine.start_ns) / 1e9;
	int have_p = producer_stats(c, &p);

	if (c->exit_code == 0 && (c->mine.bad || c->mine.gaps))
		c->exit_code = 1;
	printf("shm_consumer: received %llu frames (%.1f MB) in %.3f s: ok %llu, bad %llu, "
	       "gaps %llu, %.0f fps, %.0f MB/s\n",
	       (unsigned long long)c->mine.frames, (double)c->mine.bytes / 1e6, secs,
	       (unsigned long long)(c->mine.frames - c->mine.bad), (unsigned long long)c->mine.bad,
	       (unsigned long long)c->mine.gaps, stats_fps(&c->mine), stats_mbps(&c->mine));
	if (have_p) {
		/* End to end: from the producer's first frame to our last one
		 * (both CLOCK_MONOTONIC on this machine). */
		double e2e = (double)(c->mine.last_ns - p.start_ns) / 1e9;

		printf("summary: sent %llu, received %llu, bad %llu, gaps %llu, %.0f fps, "
		       "%.0f MB/s end to end, %.3f s -> %s\n",
		       (unsigned long long)p.frames, (unsigned long long)c->mine.frames,
		       (unsigned long long)c->mine.bad, (unsigned long long)c->mine.gaps,
		       e2e > 0 ? (double)c->mine.frames / e2e : 0.0,
		       e2e > 0 ? (double)c->mine.bytes / 1e6 / e2e : 0.0, e2e,
		       c->exit_code ? "FAILED" : "ok");
	}
}

int main(int argc, char **argv)
{
	static struct consumer c; /* large buffers */
	int i;

	c.connect_tries = 500;
	c.channel = VIDEO_CHANNEL;
	c.stall_ms = 1000;
	c.give_up_s = 10;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--connect-tries") && i + 1 < argc)
			c.connect_tries = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--stall-ms") && i + 1 < argc)
			c.stall_ms = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--give-up-s") && i + 1 < argc)
			c.give_up_s = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--quiet"))
			c.quiet = 1;
		else if (!strcmp(argv[i], "--channel") && i + 1 < argc)
			c.channel = argv[++i];
		else if (!strcmp(argv[i], "--newosp"))
			c.newosp = 1;
		else if (!strcmp(argv[i], "--frames") && i + 1 < argc)
			c.total = (uint32_t)strtoul(argv[++i], NULL, 0);
		else {
			fprintf(stderr,
				"usage: %s [--connect-tries N] [--stall-ms MS] [--give-up-s S] "
				"[--channel NAME] [--newosp --frames N] [--quiet]\n",
				argv[0]);
			return 2;
		}
	}
	if (c.newosp != (c.total != 0)) {
		fprintf(stderr, "shm_consumer: --newosp needs --frames N (N > 0), and only it\n");
		return 2;
	}
	if (c.connect_tries == 0 || c.stall_ms == 0 || c.stall_ms > 60000) {
		fprintf(stderr, "shm_consumer: --connect-tries must be > 0, --stall-ms 1..60000\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	frame_ramp_init(&c.ramp);
	c.mine.pid = (uint64_t)getpid();
	c.state = C_CONNECTING;
	while (c.state != C_DONE) {
		switch (c.state) {
		case C_CONNECTING:
			connecting(&c);
			break;
		case C_RECEIVING:
			receiving(&c);
			break;
		case C_VALIDATING:
			validating(&c);
			break;
		case C_STALLED:
			stalled(&c);
			break;
		case C_DONE:
			break;
		}
	}
	c.mine.done = c.exit_code == 0;
	publish(&c);
	if (c.exit_code != 2)
		summary(&c);
	shmchan_channel_close(&c.ch);
	if (c.newosp && c.exit_code != 2)
		shmchan_osp_unlink(c.channel);
	if (c.stats)
		shmchan_segment_close(&c.stats_seg);
	return c.exit_code;
}
