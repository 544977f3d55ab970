/* SPDX-License-Identifier: MIT */
/*
 * The buffer pool shmchansink offers upstream when allocate=true: each
 * buffer is a message reserved in the channel, so the producer writes its
 * frame where the readers will read it, and the sink only commits it.
 */
#ifndef SHMCHAN_GST_POOL_H
#define SHMCHAN_GST_POOL_H

#include <gst/gst.h>

#include "shmchansink.h"
#include "wire.h"

G_BEGIN_DECLS

/* A pool for @sink's channel, for raw video of @caps (@size bytes a frame),
 * lending up to @max buffers at once; NULL if @caps are not raw video. */
GstBufferPool *shmchan_pool_new(ShmchanSink *sink, GstCaps *caps, guint max, guint *size);

/*
 * If @buf is one of a shmchan pool's buffers, publish it in place: write
 * header @h and the caps (@caps, @caps_len bytes) in front of the frame,
 * and commit. Returns GST_FLOW_OK with *@done TRUE once published; with
 * *@done FALSE when @buf is not a pool buffer, or was laid out for other
 * caps (the caller copies it); GST_FLOW_ERROR (posted on @sink) for a
 * buffer that came out of the order it was allocated in, or that someone
 * upstream still holds: its slot cannot be published without delivering
 * messages out of order, or reused while it is read.
 */
GstFlowReturn shmchan_pool_publish(ShmchanSink *sink, GstBuffer *buf, struct shmchan_gst_hdr *h,
				   const char *caps, guint caps_len, gboolean *done);

G_END_DECLS

#endif /* SHMCHAN_GST_POOL_H */
