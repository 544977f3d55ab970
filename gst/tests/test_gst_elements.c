/* SPDX-License-Identifier: MIT */
/*
 * The elements one by one (gst-check): shmchansink's messages read back
 * with the C API, field by field; shmchansrc's buffers from messages the
 * sink wrote, with their timestamps, flags, offsets and bytes, in place
 * (each buffer's memory lies inside the channel's mapping), held up to
 * `hold` at once and freed in any order; a caps change mid-stream; the end
 * of the stream; hostile messages dropped and counted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "shmchan/channel.h"
#include "wire.h"

#define CAPS_A                                                                                     \
	"video/x-raw, format=(string)GRAY8, width=(int)64, height=(int)4, "                        \
	"framerate=(fraction)30/1"
#define CAPS_B                                                                                     \
	"video/x-raw, format=(string)GRAY8, width=(int)32, height=(int)2, "                        \
	"framerate=(fraction)30/1"

static char g_name[64];

static const char *fresh_name(const char *tag)
{
	static int n;

	snprintf(g_name, sizeof(g_name), "t.gst.%s.%d.%d", tag, (int)getpid(), n++);
	return g_name;
}

/* A buffer of @size bytes, byte k = (seed + k) & 0xff, with timestamps. */
static GstBuffer *make_buf(gsize size, guint seed)
{
	GstBuffer *b = gst_buffer_new_allocate(NULL, size, NULL);
	GstMapInfo m;
	gsize k;

	gst_buffer_map(b, &m, GST_MAP_WRITE);
	for (k = 0; k < size; k++)
		m.data[k] = (guint8)(seed + k);
	gst_buffer_unmap(b, &m);
	GST_BUFFER_PTS(b) = seed * 33 * GST_MSECOND;
	GST_BUFFER_DTS(b) = seed * 33 * GST_MSECOND + 1;
	GST_BUFFER_DURATION(b) = 33 * GST_MSECOND;
	GST_BUFFER_OFFSET(b) = seed;
	GST_BUFFER_OFFSET_END(b) = seed + 1;
	if (seed % 3 == 0)
		GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
	return b;
}

static gboolean same_bytes(const guint8 *p, gsize size, guint seed)
{
	gsize k;

	for (k = 0; k < size; k++)
		if (p[k] != (guint8)(seed + k))
			return FALSE;
	return TRUE;
}

static GstHarness *sink_harness(const char *name, const char *caps)
{
	GstHarness *h = gst_harness_new("shmchansink");

	g_object_set(h->element, "channel", name, "slot-count", 8, NULL);
	gst_harness_set_src_caps_str(h, caps);
	gst_harness_play(h);
	return h;
}

/* Whether [@p, @p + @n) lies inside one mapping of channel @name's file
 * (/dev/shm/shmchan.NAME) in this process. */
static gboolean inside_channel(const char *name, const void *p, gsize n)
{
	char line[512], path[128];
	FILE *f = fopen("/proc/self/maps", "r");
	gboolean found = FALSE;

	snprintf(path, sizeof(path), "/dev/shm/shmchan.%s\n", name);
	if (!f)
		return FALSE;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		size_t l = strlen(line), k = strlen(path);

		if (l >= k && strcmp(line + l - k, path) == 0 &&
		    sscanf(line, "%lx-%lx", &a, &b) == 2)
			found = (guintptr)p >= a && (guintptr)p + n <= b;
	}
	fclose(f);
	return found;
}

GST_START_TEST(test_sink_messages)
{
	const char *name = fresh_name("sink");
	GstHarness *h = sink_harness(name, CAPS_A);
	struct shmchan_channel r;
	unsigned char msg[4096];
	struct shmchan_gst_msg m;
	size_t len;
	guint i;

	for (i = 0; i < 5; i++)
		fail_unless_equals_int(gst_harness_push(h, make_buf(256, i)), GST_FLOW_OK);
	fail_unless(gst_harness_push_event(h, gst_event_new_eos()));
	fail_unless_equals_int(shmchan_channel_open_reader(&r, name, NULL), 0);
	for (i = 0; i < 5; i++) {
		fail_unless_equals_int(shmchan_channel_read(&r, msg, sizeof(msg), &len), 0);
		fail_unless_equals_int(shmchan_gst_parse(msg, len, &m), 0);
		fail_unless_equals_int(m.h.type, SHMCHAN_GST_BUFFER);
		fail_unless_equals_uint64(m.h.seq, i);
		fail_unless_equals_uint64(m.h.pts, i * 33 * GST_MSECOND);
		fail_unless_equals_uint64(m.h.dts, i * 33 * GST_MSECOND + 1);
		fail_unless_equals_uint64(m.h.duration, 33 * GST_MSECOND);
		fail_unless_equals_uint64(m.h.offset, i);
		fail_unless_equals_uint64(m.h.offset_end, i + 1);
		fail_unless_equals_int(!!(m.h.flags & GST_BUFFER_FLAG_DELTA_UNIT), i % 3 == 0);
		fail_unless_equals_uint64(m.h.payload_len, 256);
		fail_unless_equals_int(m.h.payload_off % SHMCHAN_GST_ALIGN, 0);
		fail_unless(same_bytes(m.payload, 256, i));
		fail_unless(strstr(m.caps, "GRAY8") != NULL);
	}
	fail_unless_equals_int(shmchan_channel_read(&r, msg, sizeof(msg), &len), 0);
	fail_unless_equals_int(shmchan_gst_parse(msg, len, &m), 0);
	fail_unless_equals_int(m.h.type, SHMCHAN_GST_EOS);
	shmchan_channel_close(&r);
	gst_harness_teardown(h);
	shmchan_channel_unlink(name);
}
GST_END_TEST;

/* The source's buffers: the writer's stamps, the bytes, in place, up to
 * hold=3 out at once and freed out of order. */
GST_START_TEST(test_src_in_place)
{
	const char *name = fresh_name("src");
	GstHarness *w = sink_harness(name, CAPS_A);
	GstHarness *h = gst_harness_new("shmchansrc");
	GstBuffer *b[8];
	guint i;

	g_object_set(h->element, "channel", name, "hold", 3, "timestamp-mode", 1, NULL);
	for (i = 0; i < 8; i++)
		fail_unless_equals_int(gst_harness_push(w, make_buf(256, i)), GST_FLOW_OK);
	gst_harness_play(h);
	for (i = 0; i < 3; i++)
		b[i] = gst_harness_pull(h);
	/* Three out: the source waits for one of them to come back. */
	g_usleep(200 * 1000);
	fail_unless_equals_int(gst_harness_buffers_in_queue(h), 0);
	for (i = 0; i < 3; i++) {
		GstMapInfo m;

		fail_unless(gst_buffer_map(b[i], &m, GST_MAP_READ));
		fail_unless(inside_channel(name, m.data, m.size),
			    "buffer %u at %p is not inside the channel's mapping", i, m.data);
		fail_unless_equals_uint64(m.size, 256);
		fail_unless(same_bytes(m.data, 256, i));
		gst_buffer_unmap(b[i], &m);
		fail_unless_equals_uint64(GST_BUFFER_PTS(b[i]), i * 33 * GST_MSECOND);
		fail_unless_equals_uint64(GST_BUFFER_DTS(b[i]), i * 33 * GST_MSECOND + 1);
		fail_unless_equals_uint64(GST_BUFFER_DURATION(b[i]), 33 * GST_MSECOND);
		fail_unless_equals_uint64(GST_BUFFER_OFFSET(b[i]), i);
		fail_unless_equals_int(GST_BUFFER_FLAG_IS_SET(b[i], GST_BUFFER_FLAG_DELTA_UNIT),
				       i % 3 == 0);
	}
	/* The middle one back first, then the others: the rest follow. */
	gst_buffer_unref(b[1]);
	b[3] = gst_harness_pull(h);
	gst_buffer_unref(b[0]);
	gst_buffer_unref(b[2]);
	for (i = 4; i < 8; i++) {
		b[i] = gst_harness_pull(h);
		fail_unless_equals_uint64(GST_BUFFER_OFFSET(b[i]), i);
		gst_buffer_unref(b[i - 1]);
	}
	gst_buffer_unref(b[7]);
	/* A buffer outlives the element: its mapping stays until it goes. */
	fail_unless_equals_int(gst_harness_push(w, make_buf(256, 8)), GST_FLOW_OK);
	b[0] = gst_harness_pull(h);
	gst_harness_teardown(h);
	{
		GstMapInfo m;

		fail_unless(gst_buffer_map(b[0], &m, GST_MAP_READ));
		fail_unless(same_bytes(m.data, 256, 8));
		gst_buffer_unmap(b[0], &m);
	}
	gst_buffer_unref(b[0]);
	gst_harness_teardown(w);
	shmchan_channel_unlink(name);
}
GST_END_TEST;

/* Caps changed mid-stream reach downstream before the first buffer of the
 * new caps; then the end of the stream. */
GST_START_TEST(test_caps_change_and_eos)
{
	const char *name = fresh_name("caps");
	GstHarness *w = sink_harness(name, CAPS_A);
	GstHarness *h = gst_harness_new("shmchansrc");
	GstBuffer *b;
	GstEvent *ev;
	GstCaps *caps;
	GstStructure *st;
	gint width;
	guint i;
	gboolean eos = FALSE;

	/* hold=1: the source does not run ahead of the buffer being checked,
	 * so the pad's current caps are that buffer's. */
	g_object_set(h->element, "channel", name, "hold", 1, NULL);
	for (i = 0; i < 3; i++)
		fail_unless_equals_int(gst_harness_push(w, make_buf(256, i)), GST_FLOW_OK);
	gst_harness_set_src_caps_str(w, CAPS_B);
	for (i = 3; i < 6; i++)
		fail_unless_equals_int(gst_harness_push(w, make_buf(64, i)), GST_FLOW_OK);
	fail_unless(gst_harness_push_event(w, gst_event_new_eos()));
	gst_harness_play(h);
	for (i = 0; i < 6; i++) {
		b = gst_harness_pull(h);
		fail_unless_equals_uint64(gst_buffer_get_size(b), i < 3 ? 256 : 64);
		caps = gst_pad_get_current_caps(h->sinkpad);
		st = gst_caps_get_structure(caps, 0);
		fail_unless(gst_structure_get_int(st, "width", &width));
		fail_unless_equals_int(width, i < 3 ? 64 : 32);
		gst_caps_unref(caps);
		gst_buffer_unref(b);
	}
	while (!eos && (ev = gst_harness_pull_event(h)) != NULL) {
		eos = GST_EVENT_TYPE(ev) == GST_EVENT_EOS;
		gst_event_unref(ev);
	}
	fail_unless(eos);
	gst_harness_teardown(h);
	gst_harness_teardown(w);
	shmchan_channel_unlink(name);
}
GST_END_TEST;

/* Messages not from shmchansink (a hostile or confused writer): dropped and
 * counted, the stream goes on. */
GST_START_TEST(test_hostile_messages)
{
	const char *name = fresh_name("hostile");
	struct shmchan_config c = { .slot_size = 4096, .slot_count = 16 };
	struct shmchan_channel wr;
	GstHarness *h = gst_harness_new("shmchansrc");
	unsigned char msg[4096];
	struct shmchan_gst_hdr *hd = (struct shmchan_gst_hdr *)(void *)msg;
	guint64 lost = 0;
	GstBuffer *b;
	size_t caps = strlen(CAPS_A) + 1;
	int i;

	fail_unless_equals_int(shmchan_channel_create_writer(&wr, name, &c), 0);
	g_object_set(h->element, "channel", name, "timestamp-mode", 1, NULL);
	memset(msg, 0, sizeof(msg));
	fail_unless_equals_int(shmchan_channel_write(&wr, msg, 10), 0); /* short */
	hd->magic = SHMCHAN_GST_MAGIC;
	hd->version = SHMCHAN_GST_VERSION;
	hd->hdr_size = SHMCHAN_GST_HDR;
	hd->type = SHMCHAN_GST_BUFFER;
	hd->caps_len = (uint32_t)caps;
	memcpy(msg + SHMCHAN_GST_HDR, CAPS_A, caps);
	hd->payload_off = shmchan_gst_payload_off(hd->caps_len);
	hd->payload_len = 1u << 20; /* past the message */
	fail_unless_equals_int(shmchan_channel_write(&wr, msg, hd->payload_off + 16), 0);
	hd->payload_len = 16;
	msg[SHMCHAN_GST_HDR + caps - 1] = 'x'; /* caps not terminated */
	fail_unless_equals_int(shmchan_channel_write(&wr, msg, hd->payload_off + 16), 0);
	msg[SHMCHAN_GST_HDR + caps - 1] = 0;
	hd->pts = 42;
	for (i = 0; i < 16; i++)
		msg[hd->payload_off + i] = (unsigned char)(7 + i);
	fail_unless_equals_int(shmchan_channel_write(&wr, msg, hd->payload_off + 16), 0);
	gst_harness_play(h);
	b = gst_harness_pull(h);
	fail_unless_equals_uint64(GST_BUFFER_PTS(b), 42);
	fail_unless_equals_uint64(gst_buffer_get_size(b), 16);
	gst_buffer_unref(b);
	g_object_get(h->element, "lost", &lost, NULL);
	fail_unless_equals_uint64(lost, 3);
	gst_harness_teardown(h);
	shmchan_channel_close(&wr);
	shmchan_channel_unlink(name);
}
GST_END_TEST;

/* Read @n buffer messages and the end from channel @name (waiting for it
 * to appear) into @out (n * @cap bytes: each payload) and @pts. */
static void read_stream(const char *name, guint n, guint8 *out, gsize cap, guint64 *pts)
{
	struct shmchan_channel r;
	static unsigned char msg[1 << 16];
	struct shmchan_gst_msg m;
	size_t len;
	guint i;
	int err;

	fail_unless_equals_int(shmchan_channel_wait_created(name, 10000), 0);
	for (i = 0; (err = shmchan_channel_open_reader(&r, name, NULL)) == -EAGAIN && i < 1000; i++)
		g_usleep(1000);
	fail_unless_equals_int(err, 0);
	for (i = 0; i <= n; i++) {
		fail_unless_equals_int(shmchan_channel_recv(&r, msg, sizeof(msg), &len, 10000), 0);
		fail_unless_equals_int(shmchan_gst_parse(msg, len, &m), 0);
		if (i == n) {
			fail_unless_equals_int(m.h.type, SHMCHAN_GST_EOS);
			break;
		}
		fail_unless_equals_uint64(m.h.payload_len, cap);
		memcpy(out + (gsize)i * cap, m.payload, cap);
		pts[i] = m.h.pts;
	}
	shmchan_channel_close(&r);
}

/* Run "videotestsrc ! caps ! shmchansink" to its end while reading it;
 * the sink's in-place count in *@in_place. */
static void run_sender(const char *name, gboolean allocate, guint n, guint8 *out, gsize cap,
		       guint64 *pts, guint64 *in_place)
{
	gchar *desc = g_strdup_printf("videotestsrc pattern=ball num-buffers=%u ! "
				      "video/x-raw,format=RGB,width=64,height=48,framerate=30/1 ! "
				      "shmchansink name=s channel=%s allocate=%d slot-count=8",
				      n, name, allocate);
	GstElement *p = gst_parse_launch(desc, NULL), *sink;
	GstBus *bus;
	GstMessage *msg;

	fail_unless(p != NULL);
	sink = gst_bin_get_by_name(GST_BIN(p), "s");
	gst_element_set_state(p, GST_STATE_PLAYING);
	read_stream(name, n, out, cap, pts);
	bus = gst_element_get_bus(p);
	msg = gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	fail_unless(msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS);
	gst_message_unref(msg);
	g_object_get(sink, "in-place", in_place, NULL);
	gst_element_set_state(p, GST_STATE_NULL);
	gst_object_unref(bus);
	gst_object_unref(sink);
	gst_object_unref(p);
	g_free(desc);
	shmchan_channel_unlink(name);
}

/* allocate=true: videotestsrc draws each frame inside the channel, and the
 * frames and stamps are those of a sink that copies. */
GST_START_TEST(test_sink_allocate)
{
	enum { N = 40, SIZE = 64 * 48 * 3 };
	static guint8 copied[N * SIZE], lent[N * SIZE];
	guint64 pts_c[N], pts_l[N], in_place = 99;

	run_sender(fresh_name("copy"), FALSE, N, copied, SIZE, pts_c, &in_place);
	fail_unless_equals_uint64(in_place, 0);
	run_sender(fresh_name("lent"), TRUE, N, lent, SIZE, pts_l, &in_place);
	fail_unless_equals_uint64(in_place, N);
	fail_unless(memcmp(copied, lent, sizeof(lent)) == 0);
	fail_unless(memcmp(pts_c, pts_l, sizeof(pts_l)) == 0);
}
GST_END_TEST;

/* A lent buffer pushed before one lent earlier: refused (an error), never
 * delivered out of order; the one given back unpushed is skipped. */
GST_START_TEST(test_sink_allocate_order)
{
	const char *name = fresh_name("order");
	GstHarness *h = gst_harness_new("shmchansink");
	GstCaps *caps =
		gst_caps_from_string("video/x-raw,format=RGB,width=64,height=48,framerate=30/1");
	GstQuery *q = gst_query_new_allocation(caps, TRUE);
	GstBufferPool *pool = NULL;
	GstStructure *config;
	GstBuffer *a, *b, *c;
	struct shmchan_channel r;
	static unsigned char msg[1 << 16];
	struct shmchan_gst_msg m;
	size_t len;

	g_object_set(h->element, "channel", name, "allocate", TRUE, NULL);
	gst_harness_set_src_caps(h, gst_caps_ref(caps));
	gst_harness_play(h);
	fail_unless(gst_pad_peer_query(h->srcpad, q));
	fail_unless(gst_query_get_n_allocation_pools(q) >= 1);
	gst_query_parse_nth_allocation_pool(q, 0, &pool, NULL, NULL, NULL);
	fail_unless(pool != NULL);
	config = gst_buffer_pool_get_config(pool);
	fail_unless(gst_buffer_pool_set_config(pool, config));
	fail_unless(gst_buffer_pool_set_active(pool, TRUE));
	fail_unless_equals_int(gst_buffer_pool_acquire_buffer(pool, &a, NULL), GST_FLOW_OK);
	fail_unless_equals_int(gst_buffer_pool_acquire_buffer(pool, &b, NULL), GST_FLOW_OK);
	fail_unless_equals_int(gst_buffer_pool_acquire_buffer(pool, &c, NULL), GST_FLOW_OK);
	gst_buffer_memset(a, 0, 1, gst_buffer_get_size(a));
	gst_buffer_memset(c, 0, 3, gst_buffer_get_size(c));
	gst_buffer_unref(b); /* given back unpushed: cancelled */
	fail_unless_equals_int(gst_harness_push(h, gst_buffer_ref(c)), GST_FLOW_ERROR);
	fail_unless_equals_int(gst_harness_push(h, a), GST_FLOW_OK);
	gst_buffer_unref(c);
	fail_unless_equals_int(shmchan_channel_open_reader(&r, name, NULL), 0);
	fail_unless_equals_int(shmchan_channel_read(&r, msg, sizeof(msg), &len), 0);
	fail_unless_equals_int(shmchan_gst_parse(msg, len, &m), 0);
	fail_unless(m.payload[0] == 1 && m.payload[m.h.payload_len - 1] == 1);
	/* b and c were given back: nothing more. */
	fail_unless_equals_int(shmchan_channel_read(&r, msg, sizeof(msg), &len), -EAGAIN);
	shmchan_channel_close(&r);
	gst_buffer_pool_set_active(pool, FALSE);
	gst_object_unref(pool);
	gst_query_unref(q);
	gst_caps_unref(caps);
	gst_harness_teardown(h);
	shmchan_channel_unlink(name);
}
GST_END_TEST;

/* A channel replaced under its name: the source reports it on the bus
 * (shmchan-replaced) and reads the new one; its latency is one frame. */
GST_START_TEST(test_src_replaced_and_latency)
{
	const char *name = fresh_name("repl");
	GstHarness *w = sink_harness(name, CAPS_A);
	GstHarness *h = gst_harness_new("shmchansrc");
	GstBus *bus = gst_bus_new();
	GstMessage *msg;
	GstQuery *q;
	GstBuffer *b;
	GstClockTime min, max;
	gboolean live;

	gst_element_set_bus(h->element, bus);
	g_object_set(h->element, "channel", name, "timestamp-mode", 1, NULL);
	fail_unless_equals_int(gst_harness_push(w, make_buf(256, 1)), GST_FLOW_OK);
	gst_harness_play(h);
	b = gst_harness_pull(h);
	fail_unless_equals_uint64(GST_BUFFER_OFFSET(b), 1);
	gst_buffer_unref(b);
	q = gst_query_new_latency();
	fail_unless(gst_element_query(h->element, q));
	gst_query_parse_latency(q, &live, &min, &max);
	fail_unless(live);
	fail_unless_equals_uint64(min, 33 * GST_MSECOND);
	fail_unless_equals_uint64(max, 4 * 33 * GST_MSECOND);
	gst_query_unref(q);
	/* Another sender replaces the channel. */
	gst_harness_teardown(w);
	w = gst_harness_new("shmchansink");
	g_object_set(w->element, "channel", name, "replace", TRUE, "slot-count", 16, NULL);
	gst_harness_set_src_caps_str(w, CAPS_A);
	gst_harness_play(w);
	fail_unless_equals_int(gst_harness_push(w, make_buf(256, 2)), GST_FLOW_OK);
	/* (It may first see the old sender gone: shmchan-writer-lost.) */
	while ((msg = gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND, GST_MESSAGE_ELEMENT)) &&
	       !gst_message_has_name(msg, "shmchan-replaced"))
		gst_message_unref(msg);
	fail_unless(msg != NULL, "no shmchan-replaced message");
	gst_message_unref(msg);
	b = gst_harness_pull(h);
	fail_unless_equals_uint64(GST_BUFFER_OFFSET(b), 2);
	gst_buffer_unref(b);
	gst_harness_teardown(h);
	gst_harness_teardown(w);
	gst_object_unref(bus);
	shmchan_channel_unlink(name);
}
GST_END_TEST;

static Suite *shmchan_gst_suite(void)
{
	Suite *s = suite_create("shmchan-gst");
	TCase *tc = tcase_create("elements");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sink_messages);
	tcase_add_test(tc, test_src_in_place);
	tcase_add_test(tc, test_caps_change_and_eos);
	tcase_add_test(tc, test_hostile_messages);
	tcase_add_test(tc, test_sink_allocate);
	tcase_add_test(tc, test_sink_allocate_order);
	tcase_add_test(tc, test_src_replaced_and_latency);
	suite_add_tcase(s, tc);
	return s;
}

GST_CHECK_MAIN(shmchan_gst);
