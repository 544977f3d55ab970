/* SPDX-License-Identifier: MIT */
/*
 * shmchan-gst-bench: raw video frames from one process to another through
 * GStreamer, shmchansink/shmchansrc against GStreamer's own
 * shmsink/shmsrc, in the same run, rounds interleaved.
 *
 * Sender (pinned to CPU 0): appsrc pushes one pre-filled frame again and
 * again (timestamps on a shallow copy), so that no frame is generated on
 * the clock: what is measured is the transport; the sink copies every
 * byte into shared memory (both sinks do). With --generated, videotestsrc
 * (pattern=solid-color) makes every frame instead, writing all its bytes,
 * into whatever buffer its downstream lends it: then "shmchan allocate"
 * (shmchansink allocate=true) has it write the frame inside the channel,
 * and no copy is left. Receiver (pinned to CPU 1): the
 * source, then a probe that reads one word of every 64-byte line of each
 * frame (every line really read), then fakesink. The receiver times its
 * frames from the first to the last; both processes report their CPU time
 * over that span (getrusage: every thread). Frames/s and CPU per frame are
 * the median over the rounds, with the spread (max - min) / median.
 *
 * Usage: shmchan-gst-bench [--generated] [--frames N] [--rounds R]
 *        [--width W --height H] [--quick] (GST_PLUGIN_PATH must name the
 *        shmchan plugin)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#define MAX_ROUNDS 15

struct result {
	double fps;	  /* frames per second at the receiver */
	double rx_cpu_ms; /* receiver CPU per frame */
	double tx_cpu_ms; /* sender CPU per frame */
	int ok;
};

struct mech {
	const char *name;
	const char *sink; /* sender's sink, %s: the address */
	const char *src;  /* receiver's source and what follows it, %s: address, %s: caps */
	int generated;	  /* only with --generated (the same as another without) */
	int shm;	  /* GStreamer's shmsink: an address in /tmp, made by the sender */
};

/* shmsink/shmsrc last: the ratios are against it. */
static const struct mech mechs[] = {
	{ "shmchan", "shmchansink channel=%s wait-for-readers=1 slot-count=8",
	  "shmchansrc channel=%s hold=4 is-live=false ! %s", 0, 0 },
	{ "shmchan allocate",
	  "shmchansink channel=%s wait-for-readers=1 slot-count=8 allocate=true",
	  "shmchansrc channel=%s hold=4 is-live=false ! %s", 1, 0 },
	{ "shmsink/shmsrc",
	  "shmsink socket-path=%s wait-for-connection=true shm-size=%zu sync=false",
	  "shmsrc socket-path=%s is-live=false ! %s", 0, 1 },
};
#define NMECH ((int)(sizeof(mechs) / sizeof(mechs[0])))

static int g_frames = 600, g_width = 1920, g_height = 1080, g_generated;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		fprintf(stderr, "gst-bench: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
}

static size_t frame_size(void)
{
	return (size_t)g_width * (size_t)g_height * 3;
}

static char *caps_str(void)
{
	return g_strdup_printf("video/x-raw,format=RGB,width=%d,height=%d,framerate=30/1", g_width,
			       g_height);
}

static gboolean wait_eos(GstElement *p, GstClockTime timeout)
{
	GstBus *bus = gst_element_get_bus(p);
	GstMessage *m =
		gst_bus_timed_pop_filtered(bus, timeout, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	gboolean ok = m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;

	if (m && !ok) {
		GError *e = NULL;

		gst_message_parse_error(m, &e, NULL);
		fprintf(stderr, "gst-bench: %s\n", e ? e->message : "error");
		g_clear_error(&e);
	}
	if (m)
		gst_message_unref(m);
	gst_object_unref(bus);
	return ok;
}

struct tx_state {
	int n, want, fd;
	double c0;
};

/* Generated frames: the sender's CPU from its first frame at the sink to
 * its last. */
static GstPadProbeReturn on_sent(GstPad *pad, GstPadProbeInfo *info, gpointer p)
{
	struct tx_state *st = p;

	(void)pad;
	(void)info;
	if (st->n == 0)
		st->c0 = cpu_s();
	if (++st->n == st->want) {
		double c1 = cpu_s() - st->c0;

		if (write(st->fd, &c1, sizeof(c1)) != (ssize_t)sizeof(c1))
			st->n = -1;
	}
	return GST_PAD_PROBE_OK;
}

static int sender_generated(const struct mech *mc, const char *addr, int fd, int frames)
{
	char *caps = caps_str(), *sink, *desc;
	struct tx_state st = { .want = frames, .fd = fd };
	GstElement *p, *s;
	GstPad *pad;

	pin(0);
	sink = g_strdup_printf(mc->sink, addr, frame_size() * 8 + 4096);
	desc = g_strdup_printf("videotestsrc pattern=solid-color num-buffers=%d ! %s ! %s name=s",
			       frames, caps, sink);
	p = gst_parse_launch(desc, NULL);
	if (!p)
		return 2;
	s = gst_bin_get_by_name(GST_BIN(p), "s");
	pad = gst_element_get_static_pad(s, "sink");
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_sent, &st, NULL);
	gst_element_set_state(p, GST_STATE_PLAYING);
	wait_eos(p, 60 * GST_SECOND);
	if (getenv("GSTBENCH_VERBOSE") &&
	    g_object_class_find_property(G_OBJECT_GET_CLASS(s), "in-place")) {
		guint64 n = 0;

		g_object_get(s, "in-place", &n, NULL);
		fprintf(stderr, "gst-bench: %s: %" G_GUINT64_FORMAT " frames in place\n", mc->name,
			n);
	}
	gst_element_set_state(p, GST_STATE_NULL);
	return st.n == frames ? 0 : 3;
}

/* Sender: N frames, then EOS; writes its CPU seconds to @fd. */
static int sender(const struct mech *mc, const char *addr, int fd, int frames)
{
	char *caps = caps_str(), *sink, *desc;
	GstElement *p, *app;
	GstBuffer *frame;
	GstMapInfo map;
	double c0 = 0, c1;
	int i;

	pin(0);
	sink = g_strdup_printf(mc->sink, addr, frame_size() * 8 + 4096);
	desc = g_strdup_printf("appsrc name=a caps=%s format=time block=true max-bytes=%zu ! %s",
			       caps, frame_size() * 2, sink);
	p = gst_parse_launch(desc, NULL);
	if (!p)
		return 2;
	app = gst_bin_get_by_name(GST_BIN(p), "a");
	frame = gst_buffer_new_allocate(NULL, frame_size(), NULL);
	gst_buffer_map(frame, &map, GST_MAP_WRITE);
	for (size_t k = 0; k < map.size; k++)
		map.data[k] = (guint8)(k * 7);
	gst_buffer_unmap(frame, &map);
	gst_element_set_state(p, GST_STATE_PLAYING);
	for (i = 0; i < frames; i++) {
		GstBuffer *b = gst_buffer_copy(frame); /* shares the memory */

		GST_BUFFER_PTS(b) = (GstClockTime)i * GST_SECOND / 30;
		GST_BUFFER_DURATION(b) = GST_SECOND / 30;
		if (i == 0)
			c0 = cpu_s();
		if (gst_app_src_push_buffer(GST_APP_SRC(app), b) != GST_FLOW_OK)
			break;
	}
	/* CPU up to the last frame handed over (what follows is waiting for
	 * the receiver, which takes no CPU). */
	c1 = cpu_s() - c0;
	if (write(fd, &c1, sizeof(c1)) != (ssize_t)sizeof(c1))
		return 3;
	gst_app_src_end_of_stream(GST_APP_SRC(app));
	wait_eos(p, 5 * GST_SECOND);
	gst_element_set_state(p, GST_STATE_NULL);
	gst_object_unref(app);
	gst_object_unref(p);
	gst_buffer_unref(frame);
	return 0;
}

struct rx_state {
	int n, want;
	double t0, t1, c0, c1;
	guint64 sum;
	GMainLoop *loop;
};

/* Every 64-byte line of the frame read, the frames timed. */
static GstPadProbeReturn on_frame(GstPad *pad, GstPadProbeInfo *info, gpointer p)
{
	struct rx_state *st = p;
	GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
	GstMapInfo map;

	(void)pad;
	if (st->n == 0) {
		st->t0 = now_s();
		st->c0 = cpu_s();
	}
	if (gst_buffer_map(b, &map, GST_MAP_READ)) {
		for (size_t k = 0; k + 8 <= map.size; k += 64)
			st->sum += *(const guint64 *)(const void *)(map.data + k);
		gst_buffer_unmap(b, &map);
	}
	if (++st->n == st->want) {
		st->t1 = now_s();
		st->c1 = cpu_s();
		g_main_loop_quit(st->loop);
	}
	return GST_PAD_PROBE_OK;
}

static gboolean rx_timeout(gpointer p)
{
	g_main_loop_quit(((struct rx_state *)p)->loop);
	return G_SOURCE_REMOVE;
}

static int receiver(const struct mech *mc, const char *addr, int fd, int frames)
{
	char *caps = caps_str(), *tail = g_strdup_printf("%s ! fakesink name=f sync=false", caps);
	char *desc = g_strdup_printf(mc->src, addr, tail);
	struct rx_state st = { .want = frames };
	GstElement *p, *f;
	GstPad *pad;
	double out[3];

	pin(1);
	p = gst_parse_launch(desc, NULL);
	if (!p)
		return 2;
	f = gst_bin_get_by_name(GST_BIN(p), "f");
	pad = gst_element_get_static_pad(f, "sink");
	st.loop = g_main_loop_new(NULL, FALSE);
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_frame, &st, NULL);
	g_timeout_add_seconds(60, rx_timeout, &st);
	gst_element_set_state(p, GST_STATE_PLAYING);
	g_main_loop_run(st.loop);
	if (st.n < frames || st.t1 <= st.t0)
		return 4;
	out[0] = (double)(frames - 1) / (st.t1 - st.t0);
	out[1] = (st.c1 - st.c0) / (frames - 1);
	out[2] = (double)(st.sum & 1); /* keeps the reads */
	if (write(fd, out, sizeof(out)) != (ssize_t)sizeof(out))
		return 3;
	/* Closed properly: the source's poller socket goes with it. */
	gst_element_set_state(p, GST_STATE_NULL);
	gst_object_unref(pad);
	gst_object_unref(f);
	gst_object_unref(p);
	return 0;
}

static int wait_child(pid_t pid, int secs)
{
	int st, i;

	for (i = 0; i < secs * 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static struct result run_once(const struct mech *mc, int round)
{
	struct result r = { 0 };
	char addr[128];
	int tx[2], rx[2];
	pid_t ps, pr;
	double tx_cpu, out[3];
	int i;

	if (!mc->shm)
		snprintf(addr, sizeof(addr), "gstbench.%d.%d", (int)getpid(), round);
	else
		snprintf(addr, sizeof(addr), "/tmp/gstbench.%d.%d", (int)getpid(), round);
	if (pipe(tx) || pipe(rx))
		return r;
	ps = fork();
	if (ps == 0)
		_exit(g_generated ? sender_generated(mc, addr, tx[1], g_frames)
				  : sender(mc, addr, tx[1], g_frames));
	/* shmsrc needs the sender's socket; shmchansrc would wait itself. */
	for (i = 0; mc->shm && i < 500 && access(addr, F_OK) != 0; i++)
		usleep(10000);
	usleep(100000);
	pr = fork();
	if (pr == 0)
		_exit(receiver(mc, addr, rx[1], g_frames));
	close(tx[1]);
	close(rx[1]);
	r.ok = read(rx[0], out, sizeof(out)) == (ssize_t)sizeof(out);
	wait_child(pr, 90);
	if (read(tx[0], &tx_cpu, sizeof(tx_cpu)) == (ssize_t)sizeof(tx_cpu))
		r.tx_cpu_ms = tx_cpu * 1000 / g_frames;
	else
		r.tx_cpu_ms = -1;
	/* shmsink waits for its reader to release what it sent, and the
	 * receiver is gone: the sender's end is bounded, then killed. */
	wait_child(ps, 10);
	close(tx[0]);
	close(rx[0]);
	if (!mc->shm) {
		char path[160];

		snprintf(path, sizeof(path), "/dev/shm/shmchan.%s", addr);
		unlink(path);
	} else {
		unlink(addr);
	}
	if (r.ok) {
		r.fps = out[0];
		r.rx_cpu_ms = out[1] * 1000;
	}
	return r;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of @v (n values); *@spread: (max - min) / median. */
static double median(double *v, int n, double *spread)
{
	double m;

	qsort(v, (size_t)n, sizeof(v[0]), cmp_d);
	m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*spread = m > 0 ? (v[n - 1] - v[0]) / m : 0;
	return m;
}

int main(int argc, char **argv)
{
	int rounds = 5, i, k, shm = NMECH - 1;
	double fps[NMECH][MAX_ROUNDS], rxc[NMECH][MAX_ROUNDS], txc[NMECH][MAX_ROUNDS];
	double med[NMECH][3], spr[NMECH][3];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--frames") && i + 1 < argc)
			g_frames = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--width") && i + 1 < argc)
			g_width = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--height") && i + 1 < argc)
			g_height = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--generated"))
			g_generated = 1;
		else if (!strcmp(argv[i], "--quick")) {
			g_frames = 60;
			rounds = 1;
		} else {
			fprintf(stderr,
				"usage: %s [--generated] [--frames N] [--rounds R] [--width W "
				"--height H] [--quick]\n",
				argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || g_frames < 2) {
		fprintf(stderr, "gst-bench: 1 to %d rounds, at least 2 frames\n", MAX_ROUNDS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	gst_init(&argc, &argv);
	for (k = 0; k < 2; k++) {
		GstElementFactory *f = gst_element_factory_find(k ? "shmsink" : "shmchansink");

		if (!f) {
			fprintf(stderr, "gst-bench: element %s not found (%s)\n",
				k ? "shmsink" : "shmchansink",
				k ? "Debian: gstreamer1.0-plugins-bad" : "set GST_PLUGIN_PATH");
			return 77;
		}
		gst_object_unref(f);
	}
	printf("# %dx%d RGB frames (%zu bytes), %s, %d frames a round, %d rounds interleaved; "
	       "sender on CPU 0, receiver on CPU 1 reading every 64-byte line\n",
	       g_width, g_height, frame_size(),
	       g_generated ? "each generated by videotestsrc pattern=solid-color"
			   : "one pre-filled frame pushed again and again by appsrc",
	       g_frames, rounds);
	for (i = 0; i < rounds; i++)
		for (k = 0; k < NMECH; k++) {
			struct result r;

			if (mechs[k].generated && !g_generated)
				continue;
			r = run_once(&mechs[k], i);
			fprintf(stderr, "gst-bench: round %d, %s: %.1f frames/s\n", i + 1,
				mechs[k].name, r.fps);
			if (!r.ok) {
				fprintf(stderr,
					"gst-bench: %s, round %d: the receiver got no result\n",
					mechs[k].name, i);
				return 1;
			}
			fps[k][i] = r.fps;
			rxc[k][i] = r.rx_cpu_ms;
			txc[k][i] = r.tx_cpu_ms;
		}
	printf("%-18s %10s %8s %14s %8s %14s %8s\n", "mechanism", "frames/s", "spread",
	       "rx CPU ms/fr", "spread", "tx CPU ms/fr", "spread");
	for (k = 0; k < NMECH; k++) {
		if (mechs[k].generated && !g_generated)
			continue;
		med[k][0] = median(fps[k], rounds, &spr[k][0]);
		med[k][1] = median(rxc[k], rounds, &spr[k][1]);
		med[k][2] = median(txc[k], rounds, &spr[k][2]);
		printf("%-18s %10.1f %7.0f%% %14.3f %7.0f%% %14.3f %7.0f%%\n", mechs[k].name,
		       med[k][0], spr[k][0] * 100, med[k][1], spr[k][1] * 100, med[k][2],
		       spr[k][2] * 100);
	}
	for (k = 0; k < shm; k++)
		if (!mechs[k].generated || g_generated)
			printf("ratio %s / shmsink: frames/s %.2fx, CPU per frame (rx + tx) "
			       "%.2fx\n",
			       mechs[k].name, med[k][0] / med[shm][0],
			       (med[k][1] + med[k][2]) / (med[shm][1] + med[shm][2]));
	return 0;
}
