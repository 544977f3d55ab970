/* SPDX-License-Identifier: MIT */
/*
 * shmchansink: each buffer becomes one message of a shmchan channel, with
 * its timestamps, flags, offsets and the caps (wire.h), written in place
 * (reserve, one copy of the buffer's bytes, commit). The channel is made
 * at the first buffer, sized for it unless the geometry is set; a channel
 * of that name left by a previous run is joined when its readers are
 * alive and its geometry fits, and replaced when its peers are all gone
 * (or when replace=true).
 *
 * Waits (room in the channel, readers) are taken in slices of 50 ms, so
 * that a flush (unlock) or a state change ends them promptly.
 */
#include <errno.h>
#include <string.h>

#include "shmchanpool.h"
#include "shmchansink.h"
#include "wire.h"

GST_DEBUG_CATEGORY_STATIC(shmchan_sink_debug);
#define GST_CAT_DEFAULT shmchan_sink_debug

#define SLICE_MS 50
#define DEFAULT_SLOT_COUNT 8

enum {
	PROP_0,
	PROP_CHANNEL,
	PROP_KIND,
	PROP_SLOT_SIZE,
	PROP_SLOT_COUNT,
	PROP_BUFFER_SIZE,
	PROP_POLICY,
	PROP_WAIT_FOR_READERS,
	PROP_REPLACE,
	PROP_ALLOCATE,
	PROP_DROPPED,
	PROP_IN_PLACE,
};

static GstStaticPadTemplate sink_template =
	GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

G_DEFINE_TYPE(ShmchanSink, shmchan_sink, GST_TYPE_BASE_SINK)

#define SHMCHAN_TYPE_SINK_KIND (shmchan_sink_kind_get_type())
static GType shmchan_sink_kind_get_type(void)
{
	static GType t;
	static const GEnumValue v[] = {
		{ SHMCHAN_KIND_SLOT, "Fixed-size slots, one reader", "slot" },
		{ SHMCHAN_KIND_RECORD, "Variable-size records, one reader", "record" },
		{ SHMCHAN_KIND_BROADCAST, "Fixed-size slots, every subscriber gets every buffer",
		  "broadcast" },
		{ 0, NULL, NULL },
	};

	if (g_once_init_enter(&t))
		g_once_init_leave(&t, g_enum_register_static("ShmchanSinkKind", v));
	return t;
}

#define SHMCHAN_TYPE_SINK_POLICY (shmchan_sink_policy_get_type())
static GType shmchan_sink_policy_get_type(void)
{
	static GType t;
	static const GEnumValue v[] = {
		{ SHMCHAN_SINK_POLICY_BLOCK, "Wait for room: no buffer lost", "block" },
		{ SHMCHAN_SINK_POLICY_LEAKY, "Drop the new buffer when the channel is full",
		  "leaky" },
		{ SHMCHAN_SINK_POLICY_OVERWRITE,
		  "Broadcast only: never wait, slow readers lose the oldest (latest frame wins)",
		  "overwrite" },
		{ 0, NULL, NULL },
	};

	if (g_once_init_enter(&t))
		g_once_init_leave(&t, g_enum_register_static("ShmchanSinkPolicy", v));
	return t;
}

static gboolean flushing(ShmchanSink *s)
{
	gboolean f;

	GST_OBJECT_LOCK(s);
	f = s->flushing;
	GST_OBJECT_UNLOCK(s);
	return f;
}

/* The smallest power of two at or above @v (at most 2^30). */
static guint64 pow2_at_least(guint64 v)
{
	guint64 p = 64;

	while (p < v && p < (1ull << 30))
		p <<= 1;
	return p;
}

/* The channel's config for a first message of @need bytes. */
static struct shmchan_config config_for(ShmchanSink *s, gsize need)
{
	struct shmchan_config c = { .kind = (uint32_t)s->kind };

	if (s->kind == SHMCHAN_KIND_RECORD) {
		/* Room for slot_count messages of that size. */
		c.buffer_size = s->buffer_size
					? s->buffer_size
					: (uint32_t)pow2_at_least(2 * (need + 64) * s->slot_count);
	} else {
		c.slot_size =
			s->slot_size ? s->slot_size : (uint32_t)((need + 4095) & ~(gsize)4095);
		c.slot_count = s->slot_count;
		if (s->policy == SHMCHAN_SINK_POLICY_OVERWRITE)
			c.policy = SHMCHAN_POLICY_OVERWRITE;
	}
	return c;
}

/* Create the channel, or join or replace a previous run's. */
static gboolean open_channel(ShmchanSink *s, gsize need)
{
	struct shmchan_config c = config_for(s, need);
	struct shmchan_config expect = c;
	char why[160];
	int err;

	if (!s->channel || !*s->channel) {
		GST_ELEMENT_ERROR(s, RESOURCE, SETTINGS, ("no channel name set"),
				  ("set the channel property"));
		return FALSE;
	}
	if (s->policy == SHMCHAN_SINK_POLICY_OVERWRITE && s->kind != SHMCHAN_KIND_BROADCAST) {
		GST_ELEMENT_ERROR(s, RESOURCE, SETTINGS, ("policy=overwrite needs kind=broadcast"),
				  ("slot and record channels have one reader: use leaky"));
		return FALSE;
	}
	/* Settings the library refuses, named (slot-count 3: not a power of
	 * two). */
	if (shmchan_config_check(&c, SHMCHAN_CHECK_CREATE, why, sizeof(why)) != 0) {
		GST_ELEMENT_ERROR(s, RESOURCE, SETTINGS, ("channel settings refused: %s", why),
				  ("kind, slot-size, slot-count or buffer-size"));
		return FALSE;
	}
	err = s->replace ? shmchan_channel_create_or_replace_writer(&s->w, s->channel, &c)
			 : shmchan_channel_create_writer(&s->w, s->channel, &c);
	if (err == -EEXIST) {
		/* A live channel of that name: its readers outlived our previous
		 * run. Join it as its writer if its geometry is ours. */
		expect.mode = 0;
		err = shmchan_channel_open_writer(&s->w, s->channel, &expect);
		if (err == SHMCHAN_EGEOMETRY || err == SHMCHAN_EKIND) {
			GST_ELEMENT_ERROR(
				s, RESOURCE, OPEN_WRITE,
				("channel \"%s\" exists with another kind or geometry", s->channel),
				("set replace=true to replace it, or match its geometry "
				 "(shmchan stat %s)",
				 s->channel));
			return FALSE;
		}
	} else if (err == -ESTALE) {
		/* Everyone who used it is gone: a leftover, replaced. */
		err = shmchan_channel_create_or_replace_writer(&s->w, s->channel, &c);
	}
	if (err) {
		GST_ELEMENT_ERROR(s, RESOURCE, OPEN_WRITE,
				  ("cannot open channel \"%s\" for writing", s->channel),
				  ("%s (%d)", shmchan_strerror(err), err));
		return FALSE;
	}
	s->open = TRUE;
	GST_INFO_OBJECT(s, "writing to channel %s", s->channel);
	return TRUE;
}

gboolean shmchan_sink_ensure_open(ShmchanSink *s, gsize need)
{
	gboolean ok;

	g_mutex_lock(&s->open_lock);
	ok = s->open || open_channel(s, need);
	g_mutex_unlock(&s->open_lock);
	return ok;
}

/* Wait (in slices) for the readers asked for. */
static GstFlowReturn wait_readers(ShmchanSink *s)
{
	int err;

	while (!s->waited) {
		if (flushing(s))
			return GST_FLOW_FLUSHING;
		err = shmchan_channel_wait_for_readers(&s->w, s->wait_for_readers, SLICE_MS);
		if (err == 0)
			s->waited = TRUE;
		else if (err != -ETIMEDOUT) {
			GST_ELEMENT_ERROR(s, RESOURCE, WRITE, ("waiting for readers failed"),
					  ("error %d", err));
			return GST_FLOW_ERROR;
		}
	}
	return GST_FLOW_OK;
}

/* Reserve @len bytes, waiting in slices under BLOCK. *@data NULL and
 * GST_FLOW_OK: dropped (leaky). */
static GstFlowReturn reserve(ShmchanSink *s, gsize len, void **data)
{
	int err;

	*data = NULL;
	for (;;) {
		if (s->policy == SHMCHAN_SINK_POLICY_BLOCK)
			err = shmchan_channel_reserve_wait(&s->w, len, data, SLICE_MS);
		else
			err = shmchan_channel_reserve(&s->w, len, data);
		if (err == 0)
			return GST_FLOW_OK;
		if ((err == -EAGAIN || err == -ETIMEDOUT) &&
		    s->policy != SHMCHAN_SINK_POLICY_BLOCK) {
			s->dropped++;
			*data = NULL;
			return GST_FLOW_OK;
		}
		if (err == -ETIMEDOUT) {
			if (flushing(s))
				return GST_FLOW_FLUSHING;
			continue;
		}
		if (err == -EMSGSIZE) {
			struct shmchan_config c;

			shmchan_channel_config(&s->w, &c);
			GST_ELEMENT_ERROR(s, RESOURCE, WRITE,
					  ("a buffer of %" G_GSIZE_FORMAT
					   " bytes (with its header) does not fit the channel",
					   len),
					  ("its largest message is %u bytes: set slot-size or "
					   "buffer-size (or replace=true)",
					   c.slot_size));
			return GST_FLOW_ERROR;
		}
		GST_ELEMENT_ERROR(s, RESOURCE, WRITE,
				  ("writing to channel \"%s\" failed", s->channel),
				  ("%s (%d)", shmchan_strerror(err), err));
		return GST_FLOW_ERROR;
	}
}

static void fill_hdr(ShmchanSink *s, struct shmchan_gst_hdr *h, uint32_t type, GstBuffer *buf)
{
	memset(h, 0, sizeof(*h));
	h->magic = SHMCHAN_GST_MAGIC;
	h->version = SHMCHAN_GST_VERSION;
	h->hdr_size = SHMCHAN_GST_HDR;
	h->type = type;
	h->caps_len = type == SHMCHAN_GST_BUFFER ? s->caps_len : 0;
	h->payload_off =
		type == SHMCHAN_GST_BUFFER ? shmchan_gst_payload_off(s->caps_len) : SHMCHAN_GST_HDR;
	h->pts = h->dts = h->duration = h->offset = h->offset_end = SHMCHAN_GST_NONE;
	h->caps_seq = s->caps_seq;
	h->seq = s->seq;
	if (buf) {
		h->flags = GST_BUFFER_FLAGS(buf);
		h->payload_len = gst_buffer_get_size(buf);
		h->pts = GST_BUFFER_PTS(buf);
		h->dts = GST_BUFFER_DTS(buf);
		h->duration = GST_BUFFER_DURATION(buf);
		h->offset = GST_BUFFER_OFFSET(buf);
		h->offset_end = GST_BUFFER_OFFSET_END(buf);
	}
}

static GstFlowReturn shmchan_sink_render(GstBaseSink *bs, GstBuffer *buf)
{
	ShmchanSink *s = SHMCHAN_SINK(bs);
	struct shmchan_gst_hdr h;
	GstFlowReturn ret;
	gsize len;
	void *dst;
	gboolean done;
	int err, tries;

	if (!s->caps) {
		GST_ELEMENT_ERROR(s, CORE, NEGOTIATION, ("no caps before the first buffer"),
				  (NULL));
		return GST_FLOW_NOT_NEGOTIATED;
	}
	fill_hdr(s, &h, SHMCHAN_GST_BUFFER, buf);
	len = h.payload_off + h.payload_len;
	if (!shmchan_sink_ensure_open(s, len))
		return GST_FLOW_ERROR;
	/* A buffer the channel lent (allocate=true): already in place. */
	ret = shmchan_pool_publish(s, buf, &h, s->caps, s->caps_len, &done);
	if (ret != GST_FLOW_OK || done) {
		s->seq += done;
		s->in_place += done;
		return ret;
	}
	if (s->wait_for_readers && (ret = wait_readers(s)) != GST_FLOW_OK)
		return ret;
	/* -ECANCELED: this writer stalled so long that the reader judged it
	 * dead and stepped over the reservation; nothing went out: again. */
	for (tries = 0;; tries++) {
		if ((ret = reserve(s, len, &dst)) != GST_FLOW_OK || !dst)
			return ret;
		memcpy(dst, &h, sizeof(h));
		memcpy((char *)dst + SHMCHAN_GST_HDR, s->caps, s->caps_len);
		gst_buffer_extract(buf, 0, (char *)dst + h.payload_off, h.payload_len);
		err = shmchan_channel_commit(&s->w, len);
		if (err != -ECANCELED || tries == 3)
			break;
	}
	if (err) {
		GST_ELEMENT_ERROR(s, RESOURCE, WRITE, ("commit failed"),
				  ("%s (%d)", shmchan_strerror(err), err));
		return GST_FLOW_ERROR;
	}
	s->seq++;
	return GST_FLOW_OK;
}

static gboolean shmchan_sink_set_caps(GstBaseSink *bs, GstCaps *caps)
{
	ShmchanSink *s = SHMCHAN_SINK(bs);
	gchar *str = gst_caps_to_string(caps);
	gsize n = strlen(str) + 1;

	if (n > SHMCHAN_GST_MAX_CAPS) {
		GST_ELEMENT_ERROR(s, CORE, NEGOTIATION,
				  ("caps too long (%" G_GSIZE_FORMAT " bytes)", n),
				  ("at most %u", SHMCHAN_GST_MAX_CAPS));
		g_free(str);
		return FALSE;
	}
	if (!s->caps || strcmp(s->caps, str) != 0)
		s->caps_seq++;
	g_free(s->caps);
	s->caps = str;
	s->caps_len = (guint)n;
	return TRUE;
}

/* allocate=true: offer upstream buffers inside the channel (raw video,
 * lossless policy only: a lent buffer is a reservation, which a leaky
 * writer could not drop). */
static gboolean shmchan_sink_propose_allocation(GstBaseSink *bs, GstQuery *q)
{
	ShmchanSink *s = SHMCHAN_SINK(bs);
	GstBufferPool *pool;
	GstCaps *caps = NULL;
	gboolean need_pool;
	guint size = 0, max;

	if (!s->allocate || s->policy != SHMCHAN_SINK_POLICY_BLOCK)
		return TRUE;
	gst_query_parse_allocation(q, &caps, &need_pool);
	/* At most half the channel lent at once: readers keep room. */
	max = s->slot_count / 2 < 2 ? 2 : (s->slot_count / 2 > 16 ? 16 : s->slot_count / 2);
	pool = shmchan_pool_new(s, caps, max, &size);
	if (!pool)
		return TRUE; /* not raw video: buffers are copied */
	gst_query_add_allocation_pool(q, pool, size, 0, max);
	gst_object_unref(pool);
	return TRUE;
}

/* End of stream: a message that tells the readers, who then end theirs. */
static gboolean shmchan_sink_event(GstBaseSink *bs, GstEvent *ev)
{
	ShmchanSink *s = SHMCHAN_SINK(bs);

	if (GST_EVENT_TYPE(ev) == GST_EVENT_EOS && s->open) {
		struct shmchan_gst_hdr h;
		void *dst;

		fill_hdr(s, &h, SHMCHAN_GST_EOS, NULL);
		if (reserve(s, sizeof(h), &dst) == GST_FLOW_OK && dst) {
			memcpy(dst, &h, sizeof(h));
			if (shmchan_channel_commit(&s->w, sizeof(h)) != 0)
				GST_WARNING_OBJECT(s, "the end of stream was not written");
		}
	}
	return GST_BASE_SINK_CLASS(shmchan_sink_parent_class)->event(bs, ev);
}

static gboolean shmchan_sink_start(GstBaseSink *bs)
{
	ShmchanSink *s = SHMCHAN_SINK(bs);

	s->seq = 0;
	s->dropped = 0;
	s->in_place = 0;
	s->waited = FALSE;
	GST_OBJECT_LOCK(s);
	s->flushing = FALSE;
	GST_OBJECT_UNLOCK(s);
	return TRUE;
}

/* The channel stays: its readers drain it, then see the end (or, without
 * an end-of-stream message, a writer gone that may come back). */
static gboolean shmchan_sink_stop(GstBaseSink *bs)
{
	ShmchanSink *s = SHMCHAN_SINK(bs);

	if (s->open)
		shmchan_channel_close(&s->w);
	s->open = FALSE;
	g_free(s->caps);
	s->caps = NULL;
	s->caps_len = 0;
	return TRUE;
}

static gboolean shmchan_sink_unlock(GstBaseSink *bs)
{
	ShmchanSink *s = SHMCHAN_SINK(bs);

	GST_OBJECT_LOCK(s);
	s->flushing = TRUE;
	GST_OBJECT_UNLOCK(s);
	return TRUE;
}

static gboolean shmchan_sink_unlock_stop(GstBaseSink *bs)
{
	ShmchanSink *s = SHMCHAN_SINK(bs);

	GST_OBJECT_LOCK(s);
	s->flushing = FALSE;
	GST_OBJECT_UNLOCK(s);
	return TRUE;
}

static void shmchan_sink_set_property(GObject *o, guint id, const GValue *v, GParamSpec *ps)
{
	ShmchanSink *s = SHMCHAN_SINK(o);

	GST_OBJECT_LOCK(s);
	switch (id) {
	case PROP_CHANNEL:
		g_free(s->channel);
		s->channel = g_value_dup_string(v);
		break;
	case PROP_KIND:
		s->kind = g_value_get_enum(v);
		break;
	case PROP_SLOT_SIZE:
		s->slot_size = g_value_get_uint(v);
		break;
	case PROP_SLOT_COUNT:
		s->slot_count = g_value_get_uint(v);
		break;
	case PROP_BUFFER_SIZE:
		s->buffer_size = g_value_get_uint(v);
		break;
	case PROP_POLICY:
		s->policy = g_value_get_enum(v);
		break;
	case PROP_WAIT_FOR_READERS:
		s->wait_for_readers = g_value_get_uint(v);
		break;
	case PROP_REPLACE:
		s->replace = g_value_get_boolean(v);
		break;
	case PROP_ALLOCATE:
		s->allocate = g_value_get_boolean(v);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(o, id, ps);
	}
	GST_OBJECT_UNLOCK(s);
}

static void shmchan_sink_get_property(GObject *o, guint id, GValue *v, GParamSpec *ps)
{
	ShmchanSink *s = SHMCHAN_SINK(o);

	GST_OBJECT_LOCK(s);
	switch (id) {
	case PROP_CHANNEL:
		g_value_set_string(v, s->channel);
		break;
	case PROP_KIND:
		g_value_set_enum(v, s->kind);
		break;
	case PROP_SLOT_SIZE:
		g_value_set_uint(v, s->slot_size);
		break;
	case PROP_SLOT_COUNT:
		g_value_set_uint(v, s->slot_count);
		break;
	case PROP_BUFFER_SIZE:
		g_value_set_uint(v, s->buffer_size);
		break;
	case PROP_POLICY:
		g_value_set_enum(v, s->policy);
		break;
	case PROP_WAIT_FOR_READERS:
		g_value_set_uint(v, s->wait_for_readers);
		break;
	case PROP_REPLACE:
		g_value_set_boolean(v, s->replace);
		break;
	case PROP_ALLOCATE:
		g_value_set_boolean(v, s->allocate);
		break;
	case PROP_DROPPED:
		g_value_set_uint64(v, s->dropped);
		break;
	case PROP_IN_PLACE:
		g_value_set_uint64(v, s->in_place);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(o, id, ps);
	}
	GST_OBJECT_UNLOCK(s);
}

static void shmchan_sink_finalize(GObject *o)
{
	ShmchanSink *s = SHMCHAN_SINK(o);

	g_free(s->channel);
	g_free(s->caps);
	g_mutex_clear(&s->open_lock);
	G_OBJECT_CLASS(shmchan_sink_parent_class)->finalize(o);
}

static void shmchan_sink_class_init(ShmchanSinkClass *k)
{
	GObjectClass *o = G_OBJECT_CLASS(k);
	GstElementClass *e = GST_ELEMENT_CLASS(k);
	GstBaseSinkClass *b = GST_BASE_SINK_CLASS(k);
	const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

	GST_DEBUG_CATEGORY_INIT(shmchan_sink_debug, "shmchansink", 0, "shmchan sink");
	o->set_property = shmchan_sink_set_property;
	o->get_property = shmchan_sink_get_property;
	o->finalize = shmchan_sink_finalize;
	g_object_class_install_property(
		o, PROP_CHANNEL,
		g_param_spec_string("channel", "Channel",
				    "Name of the shmchan channel to write (/dev/shm/NAME, or "
				    "/DIR/NAME)",
				    NULL, rw));
	g_object_class_install_property(
		o, PROP_KIND,
		g_param_spec_enum("kind", "Kind",
				  "Kind of channel made: slot (one reader, buffers of one size "
				  "at most), record (one reader, any size), broadcast (several "
				  "readers)",
				  SHMCHAN_TYPE_SINK_KIND, SHMCHAN_KIND_SLOT, rw));
	g_object_class_install_property(
		o, PROP_SLOT_SIZE,
		g_param_spec_uint("slot-size", "Slot size",
				  "Largest message (buffer, caps and a 96-byte header) of a slot "
				  "or broadcast channel; 0: the first one's, rounded up to 4 KiB",
				  0, SHMCHAN_RING_MAX_SLOT_SIZE, 0, rw));
	g_object_class_install_property(
		o, PROP_SLOT_COUNT,
		g_param_spec_uint("slot-count", "Slot count",
				  "Buffers the channel holds (a power of two; record channels: "
				  "sized for this many of the first buffer's size)",
				  2, SHMCHAN_RING_MAX_SLOTS, DEFAULT_SLOT_COUNT, rw));
	g_object_class_install_property(
		o, PROP_BUFFER_SIZE,
		g_param_spec_uint("buffer-size", "Buffer size",
				  "Bytes of a record channel (a power of two); 0: from the first "
				  "buffer and slot-count",
				  0, SHMCHAN_RECORD_MAX_BUFFER, 0, rw));
	g_object_class_install_property(
		o, PROP_POLICY,
		g_param_spec_enum("policy", "Policy",
				  "What a full channel does: block (lossless), leaky (drop the new "
				  "buffer), overwrite (broadcast: the latest frame wins)",
				  SHMCHAN_TYPE_SINK_POLICY, SHMCHAN_SINK_POLICY_BLOCK, rw));
	g_object_class_install_property(
		o, PROP_WAIT_FOR_READERS,
		g_param_spec_uint("wait-for-readers", "Wait for readers",
				  "Hold the first buffer until this many readers are attached "
				  "(broadcast: subscribers; others: 1 at most)",
				  0, SHMCHAN_MAX_SUBSCRIBERS, 0, rw));
	g_object_class_install_property(
		o, PROP_REPLACE,
		g_param_spec_boolean("replace", "Replace",
				     "Replace a channel of that name even if it is in use (its "
				     "readers get -ESTALE and reopen); otherwise a live one is "
				     "joined if its geometry fits",
				     FALSE, rw));
	g_object_class_install_property(
		o, PROP_ALLOCATE,
		g_param_spec_boolean(
			"allocate", "Allocate",
			"Lend upstream buffers inside the channel, so that raw video is "
			"written in place (no copy); for producers that push each "
			"buffer once, in order, keeping no reference (cameras, "
			"videotestsrc, converters), not decoders: a buffer back out of "
			"order or still held is an error. Lossless policy only",
			FALSE, rw));
	g_object_class_install_property(
		o, PROP_DROPPED,
		g_param_spec_uint64("dropped", "Dropped",
				    "Buffers dropped because the channel was full (leaky)", 0,
				    G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
	g_object_class_install_property(
		o, PROP_IN_PLACE,
		g_param_spec_uint64("in-place", "In place",
				    "Buffers written by upstream inside the channel (allocate) and "
				    "published without a copy",
				    0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
	gst_element_class_set_static_metadata(
		e, "shmchan sink", "Sink/Network",
		"Send buffers to other processes through a shmchan shared-memory channel",
		"shmchan developers");
	gst_element_class_add_static_pad_template(e, &sink_template);
	b->render = GST_DEBUG_FUNCPTR(shmchan_sink_render);
	b->set_caps = GST_DEBUG_FUNCPTR(shmchan_sink_set_caps);
	b->event = GST_DEBUG_FUNCPTR(shmchan_sink_event);
	b->propose_allocation = GST_DEBUG_FUNCPTR(shmchan_sink_propose_allocation);
	b->start = GST_DEBUG_FUNCPTR(shmchan_sink_start);
	b->stop = GST_DEBUG_FUNCPTR(shmchan_sink_stop);
	b->unlock = GST_DEBUG_FUNCPTR(shmchan_sink_unlock);
	b->unlock_stop = GST_DEBUG_FUNCPTR(shmchan_sink_unlock_stop);
}

static void shmchan_sink_init(ShmchanSink *s)
{
	s->kind = SHMCHAN_KIND_SLOT;
	s->slot_count = DEFAULT_SLOT_COUNT;
	g_mutex_init(&s->open_lock);
	/* A sink of a live pipeline renders as buffers come. */
	gst_base_sink_set_sync(GST_BASE_SINK(s), FALSE);
	/* No reference kept to the last buffer: a buffer the channel lent
	 * (allocate=true) must be ours alone when it is published. */
	gst_base_sink_set_last_sample_enabled(GST_BASE_SINK(s), FALSE);
}
