/* SPDX-License-Identifier: MIT */
/*
 * shmchansrc: reads a shmchan channel written by shmchansink (wire.h) and
 * pushes each message as a GstBuffer that wraps the message in place: no
 * copy. The channel is opened as a reader allowed to hold `hold` messages
 * at once (config.hold): each buffer holds its message until downstream
 * frees it, which releases that message (shmchan_channel_release_view), in
 * whatever order buffers come back. A broadcast channel under the
 * overwrite policy is the exception: a writer may reuse a held slot, so
 * there each frame is copied out, checked intact, and released at once.
 *
 * Threads: the streaming thread peeks; buffers are freed on any thread.
 * A channel handle takes one call at a time, so both go through the
 * connection's lock, and the streaming thread never sleeps holding it: it
 * waits on the channel's pollable descriptor (GstPoll, so that unlock
 * interrupts it), or on the connection's condition while every message it
 * may hold is downstream.
 *
 * Lifetime: the connection (the handle and its mapping) is shared by the
 * element and by every buffer still out; it closes when the last of them
 * lets go, so a buffer outlives a state change, a reconnection, or the
 * element itself.
 *
 * Peers: the end-of-stream message ends the stream (GST_FLOW_EOS). A
 * writer gone without it (killed) is reported (a warning and an element
 * message "shmchan-writer-lost") and waited for: a writer that joins again
 * resumes the stream ("shmchan-writer-back"). A channel replaced under the
 * same name is reported ("shmchan-replaced") and reopened.
 */
#include <errno.h>
#include <string.h>

#include "shmchan/channel.h"
#include "shmchansrc.h"
#include "wire.h"

GST_DEBUG_CATEGORY_STATIC(shmchan_src_debug);
#define GST_CAT_DEFAULT shmchan_src_debug

#define SLICE_MS 50
#define DEFAULT_HOLD 4

enum {
	PROP_0,
	PROP_CHANNEL,
	PROP_HOLD,
	PROP_TIMESTAMP_MODE,
	PROP_IS_LIVE,
	PROP_CONNECT_TIMEOUT,
	PROP_FRAMES,
	PROP_LOST,
	PROP_COPIED,
};

struct shmchan_src_conn {
	gint refs;
	GMutex lock; /* one call at a time on the handle */
	GCond released;
	struct shmchan_channel r;
	int fd;	       /* its pollable descriptor (owned by the handle) */
	guint held;    /* messages downstream */
	gboolean copy; /* overwrite policy: copy out, release at once */
	GstPollFD pfd; /* its entry in the element's GstPoll */
};

/* A buffer's hold on its message. */
struct held {
	struct shmchan_src_conn *conn;
	const void *view;
};

static GstStaticPadTemplate src_template =
	GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

G_DEFINE_TYPE(ShmchanSrc, shmchan_src, GST_TYPE_PUSH_SRC)

#define SHMCHAN_TYPE_SRC_TS (shmchan_src_ts_get_type())
static GType shmchan_src_ts_get_type(void)
{
	static GType t;
	static const GEnumValue v[] = {
		{ SHMCHAN_SRC_TS_ARRIVAL,
		  "Stamp each buffer with this pipeline's running time when it arrives "
		  "(for playback with sync)",
		  "arrival" },
		{ SHMCHAN_SRC_TS_WRITER,
		  "Keep the writer's timestamps (its running time): PTS, DTS, duration", "writer" },
		{ 0, NULL, NULL },
	};

	if (g_once_init_enter(&t))
		g_once_init_leave(&t, g_enum_register_static("ShmchanSrcTimestampMode", v));
	return t;
}

static void conn_unref(struct shmchan_src_conn *c)
{
	if (!c || !g_atomic_int_dec_and_test(&c->refs))
		return;
	shmchan_channel_close(&c->r);
	g_mutex_clear(&c->lock);
	g_cond_clear(&c->released);
	g_free(c);
}

/* Release the message at @view now, under the connection's lock. */
static int release_now(struct shmchan_src_conn *c, const void *view)
{
	int err;

	g_mutex_lock(&c->lock);
	err = shmchan_channel_release_view(&c->r, view);
	g_mutex_unlock(&c->lock);
	return err;
}

/* Downstream freed a buffer: release its message. */
static void held_free(gpointer p)
{
	struct held *h = p;
	struct shmchan_src_conn *c = h->conn;
	int err;

	g_mutex_lock(&c->lock);
	err = shmchan_channel_release_view(&c->r, h->view);
	c->held--;
	g_cond_signal(&c->released);
	g_mutex_unlock(&c->lock);
	if (err)
		GST_WARNING("releasing a frame: %s (%d)", shmchan_strerror(err), err);
	conn_unref(c);
	g_free(h);
}

static gboolean flushing(ShmchanSrc *s)
{
	gboolean f;

	GST_OBJECT_LOCK(s);
	f = s->flushing;
	GST_OBJECT_UNLOCK(s);
	return f;
}

static void post(ShmchanSrc *s, const char *name)
{
	gst_element_post_message(
		GST_ELEMENT(s),
		gst_message_new_element(
			GST_OBJECT(s),
			gst_structure_new(name, "channel", G_TYPE_STRING, s->channel, NULL)));
}

static void disconnect(ShmchanSrc *s)
{
	if (!s->conn)
		return;
	gst_poll_remove_fd(s->poll, &s->conn->pfd);
	conn_unref(s->conn);
	s->conn = NULL;
}

/* Open the channel, waiting for it to appear. */
static GstFlowReturn connect_channel(ShmchanSrc *s)
{
	struct shmchan_config e = { .hold = s->hold }, got;
	struct shmchan_src_conn *c;
	gint64 end = s->connect_timeout_ms < 0
			     ? G_MAXINT64
			     : g_get_monotonic_time() + (gint64)s->connect_timeout_ms * 1000;
	int err;

	if (!s->channel || !*s->channel) {
		GST_ELEMENT_ERROR(s, RESOURCE, SETTINGS, ("no channel name set"),
				  ("set the channel property"));
		return GST_FLOW_ERROR;
	}
	c = g_new0(struct shmchan_src_conn, 1);
	c->refs = 1;
	g_mutex_init(&c->lock);
	g_cond_init(&c->released);
	for (;;) {
		if (flushing(s)) {
			err = 1;
			break;
		}
		err = shmchan_channel_open_reader(&c->r, s->channel, &e);
		if (err != -ENOENT && err != -EAGAIN && err != -EBUSY)
			break;
		/* Not there yet (or still being made, or its previous reader
		 * not yet found gone): wait. */
		if (g_get_monotonic_time() >= end)
			break;
		if (err == -ENOENT)
			shmchan_channel_wait_created(s->channel, SLICE_MS);
		else
			g_usleep(SLICE_MS * 1000);
	}
	if (err) {
		conn_unref(c);
		if (err == 1)
			return GST_FLOW_FLUSHING;
		if (err == -EBUSY)
			GST_ELEMENT_ERROR(s, RESOURCE, BUSY,
					  ("channel \"%s\" has a reader already", s->channel),
					  ("a slot or record channel has one reader: use "
					   "kind=broadcast on the sink for several"));
		else
			GST_ELEMENT_ERROR(s, RESOURCE, OPEN_READ,
					  ("cannot open channel \"%s\"", s->channel),
					  ("%s (%d)", shmchan_strerror(err), err));
		return GST_FLOW_ERROR;
	}
	if (shmchan_channel_config(&c->r, &got) == 0)
		c->copy = got.policy == SHMCHAN_POLICY_OVERWRITE;
	c->fd = shmchan_channel_poll_fd(&c->r);
	if (c->fd < 0) {
		GST_ELEMENT_ERROR(s, RESOURCE, OPEN_READ, ("no descriptor for \"%s\"", s->channel),
				  ("%s (%d)", shmchan_strerror(c->fd), c->fd));
		conn_unref(c);
		return GST_FLOW_ERROR;
	}
	gst_poll_fd_init(&c->pfd);
	c->pfd.fd = c->fd;
	gst_poll_add_fd(s->poll, &c->pfd);
	gst_poll_fd_ctl_read(s->poll, &c->pfd, TRUE);
	s->conn = c;
	GST_INFO_OBJECT(s, "reading channel %s (hold %u%s)", s->channel, s->hold,
			c->copy ? ", copying: overwrite policy" : "");
	return GST_FLOW_OK;
}

/* The caps of message @m: set downstream when they differ from the last.
 * Copied out of the segment first: its bytes may change under us. */
static gboolean update_caps(ShmchanSrc *s, const struct shmchan_gst_msg *m)
{
	gchar *str;
	GstCaps *caps;
	gboolean ok;

	if (s->caps && strlen(s->caps) + 1 == m->h.caps_len &&
	    memcmp(s->caps, m->caps, m->h.caps_len) == 0)
		return TRUE;
	str = g_malloc(m->h.caps_len);
	memcpy(str, m->caps, m->h.caps_len);
	str[m->h.caps_len - 1] = 0;
	caps = gst_caps_from_string(str);
	if (!caps) {
		GST_WARNING_OBJECT(s, "unreadable caps from the writer: %s", str);
		g_free(str);
		return FALSE;
	}
	GST_INFO_OBJECT(s, "caps %s", str);
	ok = gst_base_src_set_caps(GST_BASE_SRC(s), caps);
	gst_caps_unref(caps);
	g_free(s->caps);
	s->caps = str;
	return ok;
}

static void stamp(ShmchanSrc *s, GstBuffer *b, const struct shmchan_gst_hdr *h)
{
	/* The buffer flags only: the mini-object flags below them (locking)
	 * and TAG_MEMORY are this process's own. */
	GST_BUFFER_FLAG_SET(b, h->flags & ~(guint)(GST_MINI_OBJECT_FLAG_LAST - 1) &
				       ~(guint)GST_BUFFER_FLAG_TAG_MEMORY);
	GST_BUFFER_DURATION(b) = h->duration;
	GST_BUFFER_OFFSET(b) = h->offset;
	GST_BUFFER_OFFSET_END(b) = h->offset_end;
	if (s->ts_mode == SHMCHAN_SRC_TS_WRITER) {
		GST_BUFFER_PTS(b) = h->pts;
		GST_BUFFER_DTS(b) = h->dts;
	} else {
		GstClock *clock = gst_element_get_clock(GST_ELEMENT(s));
		GstClockTime now = GST_CLOCK_TIME_NONE;

		if (clock) {
			GstClockTime t = gst_clock_get_time(clock);
			GstClockTime base = gst_element_get_base_time(GST_ELEMENT(s));

			now = t > base ? t - base : 0;
			gst_object_unref(clock);
		}
		GST_BUFFER_PTS(b) = now;
		GST_BUFFER_DTS(b) = GST_CLOCK_TIME_NONE;
	}
	if (GST_CLOCK_TIME_IS_VALID(h->duration))
		s->latency = h->duration;
}

/* A buffer for message @m at @view (held by the caller: it keeps the hold,
 * or releases at once when copying). */
static GstFlowReturn make_buffer(ShmchanSrc *s, const void *view, const struct shmchan_gst_msg *m,
				 GstBuffer **out)
{
	struct shmchan_src_conn *c = s->conn;
	GstBuffer *b;
	int err;

	if (c->copy || m->h.payload_len == 0) {
		b = gst_buffer_new_allocate(NULL, (gsize)m->h.payload_len, NULL);
		if (m->h.payload_len)
			gst_buffer_fill(b, 0, m->payload, (gsize)m->h.payload_len);
		err = release_now(c, view);
		if (err == SHMCHAN_ELOST) {
			/* Overwritten while copied: it may be torn. Dropped. */
			gst_buffer_unref(b);
			s->lost++;
			return GST_FLOW_CUSTOM_SUCCESS;
		}
		s->copied += m->h.payload_len != 0;
	} else {
		struct held *h = g_new(struct held, 1);

		h->conn = c;
		h->view = view;
		g_atomic_int_inc(&c->refs);
		g_mutex_lock(&c->lock);
		c->held++;
		g_mutex_unlock(&c->lock);
		b = gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, (gpointer)m->payload,
						(gsize)m->h.payload_len, 0, (gsize)m->h.payload_len,
						h, held_free);
	}
	stamp(s, b, &m->h);
	*out = b;
	return GST_FLOW_OK;
}

/* Wait for something to do: a message (the descriptor), or a buffer
 * coming back when every message allowed is downstream. */
static void wait_channel(ShmchanSrc *s, gboolean full)
{
	struct shmchan_src_conn *c = s->conn;

	if (full) {
		g_mutex_lock(&c->lock);
		if (c->held >= s->hold && !flushing(s))
			g_cond_wait_until(&c->released, &c->lock,
					  g_get_monotonic_time() + SLICE_MS * 1000);
		g_mutex_unlock(&c->lock);
		return;
	}
	gst_poll_wait(s->poll, SLICE_MS * GST_MSECOND);
}

static GstFlowReturn shmchan_src_create(GstPushSrc *ps, GstBuffer **out)
{
	ShmchanSrc *s = SHMCHAN_SRC(ps);
	struct shmchan_gst_msg m;
	const void *view;
	size_t len;
	GstFlowReturn ret;
	int err;

	for (;;) {
		if (flushing(s))
			return GST_FLOW_FLUSHING;
		if (!s->conn && (ret = connect_channel(s)) != GST_FLOW_OK)
			return ret;
		g_mutex_lock(&s->conn->lock);
		err = s->conn->held >= s->hold ? -EALREADY
					       : shmchan_channel_peek(&s->conn->r, &view, &len);
		g_mutex_unlock(&s->conn->lock);
		switch (err) {
		case 0:
			break;
		case -EALREADY: /* every message allowed is downstream */
		case -EAGAIN:
			wait_channel(s, err == -EALREADY);
			continue;
		case -EPIPE:
			/* The writers are gone. Without an end-of-stream
			 * message, one was killed: wait for it to come back. */
			if (!s->writer_lost) {
				GST_ELEMENT_WARNING(s, RESOURCE, READ,
						    ("the writer of \"%s\" is gone without ending "
						     "the stream",
						     s->channel),
						    ("waiting for a writer to come back"));
				post(s, "shmchan-writer-lost");
				s->writer_lost = TRUE;
			}
			g_mutex_lock(&s->conn->lock);
			err = shmchan_channel_wait_for_writer(&s->conn->r, SLICE_MS);
			g_mutex_unlock(&s->conn->lock);
			if (err == 0) {
				post(s, "shmchan-writer-back");
				s->writer_lost = FALSE;
			}
			continue;
		case -ESTALE:
			GST_ELEMENT_WARNING(s, RESOURCE, READ,
					    ("channel \"%s\" was replaced", s->channel),
					    ("reopening it"));
			post(s, "shmchan-replaced");
			disconnect(s);
			continue;
		case -EBADMSG:
			GST_WARNING_OBJECT(s, "a corrupt message was dropped");
			s->lost++;
			continue;
		case SHMCHAN_ELOST:
			s->lost++; /* overwritten before we read it */
			continue;
		default:
			GST_ELEMENT_ERROR(s, RESOURCE, READ, ("reading \"%s\" failed", s->channel),
					  ("%s (%d)", shmchan_strerror(err), err));
			return GST_FLOW_ERROR;
		}
		if (shmchan_gst_parse(view, len, &m) != 0) {
			GST_WARNING_OBJECT(s, "a message not from shmchansink (%zu bytes) dropped",
					   len);
			release_now(s->conn, view);
			s->lost++;
			continue;
		}
		if (m.h.type == SHMCHAN_GST_EOS) {
			release_now(s->conn, view);
			GST_INFO_OBJECT(s, "end of stream from the writer");
			return GST_FLOW_EOS;
		}
		if (s->frames && m.h.seq > s->next_seq)
			s->lost += m.h.seq - s->next_seq; /* a leaky writer's drops */
		s->next_seq = m.h.seq + 1;
		if (!update_caps(s, &m)) {
			release_now(s->conn, view);
			GST_ELEMENT_ERROR(s, CORE, NEGOTIATION, ("the writer's caps were refused"),
					  ("%s", s->caps ? s->caps : "unreadable"));
			return GST_FLOW_NOT_NEGOTIATED;
		}
		ret = make_buffer(s, view, &m, out);
		if (ret == GST_FLOW_CUSTOM_SUCCESS)
			continue;
		s->frames++;
		return ret;
	}
}

static gboolean shmchan_src_query(GstBaseSrc *bs, GstQuery *q)
{
	ShmchanSrc *s = SHMCHAN_SRC(bs);

	if (GST_QUERY_TYPE(q) == GST_QUERY_LATENCY) {
		/* A frame is whole when it arrives; it may wait for downstream
		 * behind up to `hold` others. */
		GstClockTime min = GST_CLOCK_TIME_IS_VALID(s->latency) ? s->latency : 0;

		gst_query_set_latency(q, s->live, min,
				      min ? min * (s->hold ? s->hold : 1) : GST_CLOCK_TIME_NONE);
		return TRUE;
	}
	return GST_BASE_SRC_CLASS(shmchan_src_parent_class)->query(bs, q);
}

static gboolean shmchan_src_start(GstBaseSrc *bs)
{
	ShmchanSrc *s = SHMCHAN_SRC(bs);

	s->frames = s->lost = s->copied = 0;
	s->next_seq = 0;
	s->writer_lost = FALSE;
	s->latency = GST_CLOCK_TIME_NONE;
	GST_OBJECT_LOCK(s);
	s->flushing = FALSE;
	GST_OBJECT_UNLOCK(s);
	gst_base_src_set_live(bs, s->live);
	return TRUE;
}

static gboolean shmchan_src_stop(GstBaseSrc *bs)
{
	ShmchanSrc *s = SHMCHAN_SRC(bs);

	disconnect(s);
	g_free(s->caps);
	s->caps = NULL;
	return TRUE;
}

static gboolean shmchan_src_unlock(GstBaseSrc *bs)
{
	ShmchanSrc *s = SHMCHAN_SRC(bs);

	GST_OBJECT_LOCK(s);
	s->flushing = TRUE;
	GST_OBJECT_UNLOCK(s);
	gst_poll_set_flushing(s->poll, TRUE);
	return TRUE;
}

static gboolean shmchan_src_unlock_stop(GstBaseSrc *bs)
{
	ShmchanSrc *s = SHMCHAN_SRC(bs);

	GST_OBJECT_LOCK(s);
	s->flushing = FALSE;
	GST_OBJECT_UNLOCK(s);
	gst_poll_set_flushing(s->poll, FALSE);
	return TRUE;
}

static void shmchan_src_set_property(GObject *o, guint id, const GValue *v, GParamSpec *ps)
{
	ShmchanSrc *s = SHMCHAN_SRC(o);

	GST_OBJECT_LOCK(s);
	switch (id) {
	case PROP_CHANNEL:
		g_free(s->channel);
		s->channel = g_value_dup_string(v);
		break;
	case PROP_HOLD:
		s->hold = g_value_get_uint(v);
		break;
	case PROP_TIMESTAMP_MODE:
		s->ts_mode = g_value_get_enum(v);
		break;
	case PROP_IS_LIVE:
		s->live = g_value_get_boolean(v);
		break;
	case PROP_CONNECT_TIMEOUT:
		s->connect_timeout_ms = g_value_get_int(v);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(o, id, ps);
	}
	GST_OBJECT_UNLOCK(s);
}

static void shmchan_src_get_property(GObject *o, guint id, GValue *v, GParamSpec *ps)
{
	ShmchanSrc *s = SHMCHAN_SRC(o);

	GST_OBJECT_LOCK(s);
	switch (id) {
	case PROP_CHANNEL:
		g_value_set_string(v, s->channel);
		break;
	case PROP_HOLD:
		g_value_set_uint(v, s->hold);
		break;
	case PROP_TIMESTAMP_MODE:
		g_value_set_enum(v, s->ts_mode);
		break;
	case PROP_IS_LIVE:
		g_value_set_boolean(v, s->live);
		break;
	case PROP_CONNECT_TIMEOUT:
		g_value_set_int(v, s->connect_timeout_ms);
		break;
	case PROP_FRAMES:
		g_value_set_uint64(v, s->frames);
		break;
	case PROP_LOST:
		g_value_set_uint64(v, s->lost);
		break;
	case PROP_COPIED:
		g_value_set_uint64(v, s->copied);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(o, id, ps);
	}
	GST_OBJECT_UNLOCK(s);
}

static void shmchan_src_finalize(GObject *o)
{
	ShmchanSrc *s = SHMCHAN_SRC(o);

	disconnect(s);
	gst_poll_free(s->poll);
	g_free(s->channel);
	g_free(s->caps);
	G_OBJECT_CLASS(shmchan_src_parent_class)->finalize(o);
}

static void shmchan_src_class_init(ShmchanSrcClass *k)
{
	GObjectClass *o = G_OBJECT_CLASS(k);
	GstElementClass *e = GST_ELEMENT_CLASS(k);
	GstBaseSrcClass *b = GST_BASE_SRC_CLASS(k);
	GstPushSrcClass *p = GST_PUSH_SRC_CLASS(k);
	const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;
	const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

	GST_DEBUG_CATEGORY_INIT(shmchan_src_debug, "shmchansrc", 0, "shmchan source");
	o->set_property = shmchan_src_set_property;
	o->get_property = shmchan_src_get_property;
	o->finalize = shmchan_src_finalize;
	g_object_class_install_property(
		o, PROP_CHANNEL,
		g_param_spec_string("channel", "Channel",
				    "Name of the shmchan channel to read (as shmchansink's)", NULL,
				    rw));
	g_object_class_install_property(
		o, PROP_HOLD,
		g_param_spec_uint("hold", "Hold",
				  "Buffers out downstream at once: each holds its message, in "
				  "place, until freed (the channel needs more slots than this)",
				  1, SHMCHAN_MAX_HOLD, DEFAULT_HOLD, rw));
	g_object_class_install_property(
		o, PROP_TIMESTAMP_MODE,
		g_param_spec_enum("timestamp-mode", "Timestamp mode",
				  "arrival: this pipeline's running time when a buffer arrives; "
				  "writer: the writer's PTS and DTS, unchanged",
				  SHMCHAN_TYPE_SRC_TS, SHMCHAN_SRC_TS_ARRIVAL, rw));
	g_object_class_install_property(
		o, PROP_IS_LIVE,
		g_param_spec_boolean("is-live", "Is live",
				     "Act as a live source (the writer sets the pace)", TRUE, rw));
	g_object_class_install_property(
		o, PROP_CONNECT_TIMEOUT,
		g_param_spec_int("connect-timeout", "Connect timeout",
				 "Milliseconds to wait for the channel to appear (-1: for ever)",
				 -1, G_MAXINT, -1, rw));
	g_object_class_install_property(
		o, PROP_FRAMES,
		g_param_spec_uint64("frames", "Frames", "Buffers pushed", 0, G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		o, PROP_LOST,
		g_param_spec_uint64("lost", "Lost",
				    "Buffers the writer sent that did not arrive (dropped by a "
				    "leaky writer, overwritten, corrupt)",
				    0, G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		o, PROP_COPIED,
		g_param_spec_uint64("copied", "Copied",
				    "Buffers copied out rather than held in place (overwrite "
				    "channels)",
				    0, G_MAXUINT64, 0, ro));
	gst_element_class_set_static_metadata(
		e, "shmchan source", "Source/Network",
		"Receive buffers from another process through a shmchan shared-memory channel, "
		"without copying",
		"shmchan developers");
	gst_element_class_add_static_pad_template(e, &src_template);
	b->start = GST_DEBUG_FUNCPTR(shmchan_src_start);
	b->stop = GST_DEBUG_FUNCPTR(shmchan_src_stop);
	b->unlock = GST_DEBUG_FUNCPTR(shmchan_src_unlock);
	b->unlock_stop = GST_DEBUG_FUNCPTR(shmchan_src_unlock_stop);
	b->query = GST_DEBUG_FUNCPTR(shmchan_src_query);
	p->create = GST_DEBUG_FUNCPTR(shmchan_src_create);
}

static void shmchan_src_init(ShmchanSrc *s)
{
	s->hold = DEFAULT_HOLD;
	s->live = TRUE;
	s->connect_timeout_ms = -1;
	s->ts_mode = SHMCHAN_SRC_TS_ARRIVAL;
	s->poll = gst_poll_new(TRUE);
	gst_base_src_set_format(GST_BASE_SRC(s), GST_FORMAT_TIME);
	gst_base_src_set_live(GST_BASE_SRC(s), TRUE);
}
