/* SPDX-License-Identifier: MIT */
/* The "shmchan" GStreamer plugin: shmchansink and shmchansrc. */
#include <gst/gst.h>

#include "shmchansink.h"
#include "shmchansrc.h"

#ifndef PACKAGE
#define PACKAGE "shmchan"
#endif

static gboolean plugin_init(GstPlugin *plugin)
{
	return gst_element_register(plugin, "shmchansink", GST_RANK_NONE, SHMCHAN_TYPE_SINK) &&
	       gst_element_register(plugin, "shmchansrc", GST_RANK_NONE, SHMCHAN_TYPE_SRC);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, shmchan,
		  "Buffers between processes through shmchan shared-memory channels", plugin_init,
		  SHMCHAN_GST_VERSION_STRING, "MIT/X11", "shmchan", "docs/gstreamer.md")
