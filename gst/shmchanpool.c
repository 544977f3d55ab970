/* SPDX-License-Identifier: MIT */
/*
 * shmchansink's buffer pool (allocate=true): buffers inside the channel.
 *
 * Each buffer lent is a message reserved in the channel by a writer handle
 * of its own (a handle has one reservation at a time, so the pool opens as
 * many writer handles as it lends buffers at most), laid out as the
 * message format wants it (wire.h): the frame starts at the payload offset
 * that the caps give, and the sink writes the header and the caps in front
 * of it when the buffer comes back to be rendered, then commits. Nothing
 * is copied.
 *
 * A reservation holds its place in the channel's order from the moment it
 * is made, and readers wait at the oldest one still open. So a buffer can
 * be published in place only if every buffer lent before it was published
 * or given back, and only if nobody upstream still holds it (its slot is
 * the readers' once committed, and is reused after they release it). A
 * producer that pushes out of order or keeps references (a decoder's
 * reference frames) breaks that: the sink reports an error rather than
 * deliver frames out of order or let them change under a reader. A buffer
 * given back unrendered is cancelled: readers skip it.
 */
#include <errno.h>
#include <string.h>

#include <gst/video/video.h>

#include "shmchanpool.h"

GST_DEBUG_CATEGORY_STATIC(shmchan_pool_debug);
#define GST_CAT_DEFAULT shmchan_pool_debug

#define SLICE_MS 50
#define MAX_LEND 16

struct lend {
	struct shmchan_channel w; /* this buffer's writer handle */
	gboolean open;
	gboolean out;  /* a buffer is lent */
	void *msg;     /* the reserved message, NULL once committed or given back */
	guint64 order; /* when it was lent */
};

typedef struct {
	GstBufferPool parent;
	ShmchanSink *sink;
	GMutex lock;
	struct lend lends[MAX_LEND];
	guint n;
	gboolean flushing;
	guint caps_len, payload_off, size;
	guint64 next_order;
	gboolean waited;
} ShmchanPool;

typedef struct {
	GstBufferPoolClass parent;
} ShmchanPoolClass;

static GType shmchan_pool_get_type(void);
G_DEFINE_TYPE(ShmchanPool, shmchan_pool, GST_TYPE_BUFFER_POOL)
#define SHMCHAN_POOL(o) ((ShmchanPool *)(o))

static GQuark lend_quark(void)
{
	static GQuark q;

	if (!q)
		q = g_quark_from_static_string("shmchan-lend");
	return q;
}

static gboolean pool_set_config(GstBufferPool *bp, GstStructure *config)
{
	ShmchanPool *p = SHMCHAN_POOL(bp);
	GstCaps *caps;
	guint size, min, max;
	gchar *str;

	if (!gst_buffer_pool_config_get_params(config, &caps, &size, &min, &max) || !caps ||
	    size == 0)
		return FALSE;
	/* As many buffers out as the pool has handles for. */
	if (max == 0 || max > MAX_LEND)
		max = MAX_LEND;
	if (min > max)
		min = max;
	gst_buffer_pool_config_set_params(config, caps, size, min, max);
	str = gst_caps_to_string(caps);
	p->caps_len = (guint)strlen(str) + 1;
	g_free(str);
	p->payload_off = shmchan_gst_payload_off(p->caps_len);
	p->size = size;
	p->n = max;
	return GST_BUFFER_POOL_CLASS(shmchan_pool_parent_class)->set_config(bp, config) &&
	       p->caps_len <= SHMCHAN_GST_MAX_CAPS;
}

static gboolean pool_start(GstBufferPool *bp)
{
	ShmchanPool *p = SHMCHAN_POOL(bp);
	guint i;
	int err;

	if (!shmchan_sink_ensure_open(p->sink, (gsize)p->payload_off + p->size))
		return FALSE;
	for (i = 0; i < p->n; i++) {
		err = shmchan_channel_open_writer(&p->lends[i].w, p->sink->channel, NULL);
		if (err) {
			GST_ELEMENT_ERROR(
				p->sink, RESOURCE, OPEN_WRITE,
				("cannot lend buffers of channel \"%s\"", p->sink->channel),
				("opening writer %u: %s (%d)", i, shmchan_strerror(err), err));
			while (i--) {
				shmchan_channel_close(&p->lends[i].w);
				p->lends[i].open = FALSE;
			}
			return FALSE;
		}
		p->lends[i].open = TRUE;
	}
	return GST_BUFFER_POOL_CLASS(shmchan_pool_parent_class)->start(bp);
}

static gboolean pool_stop(GstBufferPool *bp)
{
	ShmchanPool *p = SHMCHAN_POOL(bp);
	gboolean ok = GST_BUFFER_POOL_CLASS(shmchan_pool_parent_class)->stop(bp);
	guint i;

	for (i = 0; i < MAX_LEND; i++)
		if (p->lends[i].open) {
			shmchan_channel_close(&p->lends[i].w);
			p->lends[i].open = FALSE;
		}
	return ok;
}

static gboolean pool_flushing(ShmchanPool *p)
{
	gboolean f;

	g_mutex_lock(&p->lock);
	f = p->flushing;
	g_mutex_unlock(&p->lock);
	return f;
}

/* Lend a buffer: reserve a message on a free handle, waiting for room. */
static GstFlowReturn pool_alloc(GstBufferPool *bp, GstBuffer **out,
				GstBufferPoolAcquireParams *params)
{
	ShmchanPool *p = SHMCHAN_POOL(bp);
	gsize len = (gsize)p->payload_off + p->size;
	struct lend *l = NULL;
	void *msg = NULL;
	GstBuffer *b;
	guint i;
	int err;

	(void)params;
	g_mutex_lock(&p->lock);
	for (i = 0; i < p->n && !l; i++)
		if (p->lends[i].open && !p->lends[i].out)
			l = &p->lends[i];
	if (l)
		l->out = TRUE;
	g_mutex_unlock(&p->lock);
	if (!l)
		return GST_FLOW_ERROR; /* the base class keeps us under max */
	/* Readers asked for: before the first reservation, so that a
	 * broadcast subscriber waited for starts at or before it. */
	while (p->sink->wait_for_readers && !p->waited) {
		err = shmchan_channel_wait_for_readers(&l->w, p->sink->wait_for_readers, SLICE_MS);
		if (err == 0)
			p->waited = TRUE;
		else if (err != -ETIMEDOUT || pool_flushing(p))
			goto fail;
	}
	while ((err = shmchan_channel_reserve_wait(&l->w, len, &msg, SLICE_MS)) == -ETIMEDOUT)
		if (pool_flushing(p))
			goto fail;
	if (err) {
		GST_ELEMENT_ERROR(p->sink, RESOURCE, WRITE,
				  ("cannot reserve a %" G_GSIZE_FORMAT "-byte message", len),
				  ("%s (%d)", shmchan_strerror(err), err));
		goto fail;
	}
	g_mutex_lock(&p->lock);
	l->msg = msg;
	l->order = p->next_order++;
	g_mutex_unlock(&p->lock);
	b = gst_buffer_new_wrapped_full(0, (guint8 *)msg + p->payload_off, p->size, 0, p->size,
					NULL, NULL);
	gst_mini_object_set_qdata(GST_MINI_OBJECT(b), lend_quark(), l, NULL);
	*out = b;
	return GST_FLOW_OK;
fail:
	g_mutex_lock(&p->lock);
	l->out = FALSE;
	g_mutex_unlock(&p->lock);
	return err == -ETIMEDOUT || err == 0 ? GST_FLOW_FLUSHING : GST_FLOW_ERROR;
}

/* A buffer back: given back unpublished, its reservation is cancelled
 * (readers skip it); the buffer is freed, never queued (its next use is a
 * new reservation). */
static void pool_release(GstBufferPool *bp, GstBuffer *b)
{
	ShmchanPool *p = SHMCHAN_POOL(bp);
	struct lend *l = gst_mini_object_get_qdata(GST_MINI_OBJECT(b), lend_quark());

	if (l) {
		g_mutex_lock(&p->lock);
		if (l->msg)
			shmchan_channel_cancel(&l->w);
		l->msg = NULL;
		l->out = FALSE;
		g_mutex_unlock(&p->lock);
	}
	GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_TAG_MEMORY);
	GST_BUFFER_POOL_CLASS(shmchan_pool_parent_class)->release_buffer(bp, b);
}

static void pool_flush_start(GstBufferPool *bp)
{
	ShmchanPool *p = SHMCHAN_POOL(bp);

	g_mutex_lock(&p->lock);
	p->flushing = TRUE;
	g_mutex_unlock(&p->lock);
}

static void pool_flush_stop(GstBufferPool *bp)
{
	ShmchanPool *p = SHMCHAN_POOL(bp);

	g_mutex_lock(&p->lock);
	p->flushing = FALSE;
	g_mutex_unlock(&p->lock);
}

static void pool_finalize(GObject *o)
{
	ShmchanPool *p = SHMCHAN_POOL(o);

	gst_object_unref(p->sink);
	g_mutex_clear(&p->lock);
	G_OBJECT_CLASS(shmchan_pool_parent_class)->finalize(o);
}

static void shmchan_pool_class_init(ShmchanPoolClass *k)
{
	GstBufferPoolClass *b = GST_BUFFER_POOL_CLASS(k);

	GST_DEBUG_CATEGORY_INIT(shmchan_pool_debug, "shmchanpool", 0, "shmchan buffer pool");
	G_OBJECT_CLASS(k)->finalize = pool_finalize;
	b->set_config = pool_set_config;
	b->start = pool_start;
	b->stop = pool_stop;
	b->alloc_buffer = pool_alloc;
	b->release_buffer = pool_release;
	b->flush_start = pool_flush_start;
	b->flush_stop = pool_flush_stop;
}

static void shmchan_pool_init(ShmchanPool *p)
{
	g_mutex_init(&p->lock);
}

GstBufferPool *shmchan_pool_new(ShmchanSink *sink, GstCaps *caps, guint max, guint *size)
{
	GstVideoInfo info;
	ShmchanPool *p;
	GstStructure *config;

	if (!caps || !gst_video_info_from_caps(&info, caps))
		return NULL;
	p = g_object_new(shmchan_pool_get_type(), NULL);
	p->sink = gst_object_ref(sink);
	*size = (guint)GST_VIDEO_INFO_SIZE(&info);
	config = gst_buffer_pool_get_config(GST_BUFFER_POOL(p));
	gst_buffer_pool_config_set_params(config, caps, *size, 0, max);
	if (!gst_buffer_pool_set_config(GST_BUFFER_POOL(p), config)) {
		gst_object_unref(p);
		return NULL;
	}
	return GST_BUFFER_POOL(p);
}

GstFlowReturn shmchan_pool_publish(ShmchanSink *sink, GstBuffer *buf, struct shmchan_gst_hdr *h,
				   const char *caps, guint caps_len, gboolean *done)
{
	struct lend *l = gst_mini_object_get_qdata(GST_MINI_OBJECT(buf), lend_quark());
	ShmchanPool *p = buf->pool ? SHMCHAN_POOL(buf->pool) : NULL;
	gboolean oldest = TRUE;
	gsize len, off = 0;
	guint i;
	int err;

	*done = FALSE;
	if (!l || !p || !G_TYPE_CHECK_INSTANCE_TYPE(p, shmchan_pool_get_type()))
		return GST_FLOW_OK;
	g_mutex_lock(&p->lock);
	for (i = 0; i < p->n; i++)
		if (p->lends[i].msg && p->lends[i].order < l->order)
			oldest = FALSE;
	/* Laid out for other caps (renegotiated meanwhile): copied instead;
	 * its reservation is cancelled when it is given back. */
	gst_buffer_get_sizes(buf, &off, NULL);
	if (!l->msg || p->payload_off != h->payload_off || caps_len != p->caps_len ||
	    gst_buffer_n_memory(buf) != 1 || off != 0) {
		g_mutex_unlock(&p->lock);
		return GST_FLOW_OK;
	}
	if (!oldest || GST_MINI_OBJECT_REFCOUNT_VALUE(buf) > 1) {
		g_mutex_unlock(&p->lock);
		GST_ELEMENT_ERROR(
			sink, STREAM, FAILED,
			("a buffer lent by the channel came back %s",
			 oldest ? "still held upstream" : "out of the order it was lent in"),
			("allocate=true suits producers that push each buffer once, in "
			 "order, keeping no reference; set allocate=false"));
		return GST_FLOW_ERROR;
	}
	len = (gsize)p->payload_off + h->payload_len;
	memcpy(l->msg, h, sizeof(*h));
	memcpy((char *)l->msg + SHMCHAN_GST_HDR, caps, caps_len);
	err = shmchan_channel_commit(&l->w, len);
	l->msg = NULL;
	g_mutex_unlock(&p->lock);
	if (err) {
		GST_ELEMENT_ERROR(sink, RESOURCE, WRITE, ("commit failed"),
				  ("%s (%d)", shmchan_strerror(err), err));
		return GST_FLOW_ERROR;
	}
	*done = TRUE;
	return GST_FLOW_OK;
}
