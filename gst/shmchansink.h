/* SPDX-License-Identifier: MIT */
/* shmchansink: writes each buffer into a shmchan channel (docs/gstreamer.md). */
#ifndef SHMCHAN_GST_SINK_H
#define SHMCHAN_GST_SINK_H

#include <gst/base/gstbasesink.h>
#include <gst/gst.h>

#include "shmchan/channel.h"

G_BEGIN_DECLS

#define SHMCHAN_TYPE_SINK (shmchan_sink_get_type())
G_DECLARE_FINAL_TYPE(ShmchanSink, shmchan_sink, SHMCHAN, SINK, GstBaseSink)

struct _ShmchanSink {
	GstBaseSink parent;

	/* properties */
	gchar *channel;
	gint kind;	   /* SHMCHAN_KIND_* */
	guint slot_size;   /* 0: from the first buffer */
	guint slot_count;  /* slot and broadcast kinds */
	guint buffer_size; /* record kind; 0: from the first buffer */
	gint policy;	   /* SHMCHAN_SINK_POLICY_* */
	guint wait_for_readers;
	gboolean replace;
	gboolean allocate;

	/* state, under the object lock where the streaming thread and
	 * unlock() meet */
	struct shmchan_channel w;
	GMutex open_lock; /* the streaming thread and the pool open the channel */
	gboolean open;
	gboolean flushing;
	gchar *caps; /* the current caps as a string, with its NUL */
	guint caps_len;
	guint64 caps_seq;
	guint64 seq;
	guint64 dropped;  /* leaky: buffers dropped on a full channel */
	guint64 in_place; /* buffers the channel lent, published without a copy */
	gboolean waited;  /* the readers asked for were seen */
};

/* What the sink does when the channel is full. */
#define SHMCHAN_SINK_POLICY_BLOCK 0	/* wait for room: lossless */
#define SHMCHAN_SINK_POLICY_LEAKY 1	/* drop the new buffer (slot, record) */
#define SHMCHAN_SINK_POLICY_OVERWRITE 2 /* broadcast: latest frame wins */

/* Create (or join) the channel for messages of @need bytes if it is not
 * open yet; FALSE (an error posted) if it cannot be. Any thread. */
gboolean shmchan_sink_ensure_open(ShmchanSink *s, gsize need);

G_END_DECLS

#endif /* SHMCHAN_GST_SINK_H */
