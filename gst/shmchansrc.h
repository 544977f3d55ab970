/* SPDX-License-Identifier: MIT */
/* shmchansrc: buffers from a shmchan channel, in place (docs/gstreamer.md). */
#ifndef SHMCHAN_GST_SRC_H
#define SHMCHAN_GST_SRC_H

#include <gst/base/gstpushsrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define SHMCHAN_TYPE_SRC (shmchan_src_get_type())
G_DECLARE_FINAL_TYPE(ShmchanSrc, shmchan_src, SHMCHAN, SRC, GstPushSrc)

/* How buffers are stamped. */
#define SHMCHAN_SRC_TS_ARRIVAL 0 /* running time of this pipeline at arrival */
#define SHMCHAN_SRC_TS_WRITER 1	 /* as the writer stamped them */

struct shmchan_src_conn;

struct _ShmchanSrc {
	GstPushSrc parent;

	/* properties */
	gchar *channel;
	guint hold;
	gint ts_mode;
	gboolean live;
	gint connect_timeout_ms; /* -1: wait for ever */

	/* state (the streaming thread's, but for flushing and poll) */
	struct shmchan_src_conn *conn; /* the open channel, shared with buffers */
	GstPoll *poll;		       /* waits on the channel's descriptor */
	gboolean flushing;	       /* under the object lock */
	gchar *caps;		       /* the last caps string seen */
	guint64 next_seq;	       /* the writer's seq expected next */
	gboolean writer_lost;	       /* a writer-lost message was posted */
	guint64 frames, lost, copied;  /* statistics */
	GstClockTime latency;	       /* the last buffer's duration */
};

G_END_DECLS

#endif /* SHMCHAN_GST_SRC_H */
