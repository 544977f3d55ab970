/* SPDX-License-Identifier: MIT */
/*
 * The message format of the GStreamer elements (docs/gstreamer.md): each
 * channel message is one GstBuffer, or the end of the stream, as
 *
 *   [0, 96)                          struct shmchan_gst_hdr
 *   [96, 96 + caps_len)              the caps, as gst_caps_to_string wrote
 *                                    them, NUL-terminated (caps_len counts
 *                                    the NUL)
 *   [payload_off, + payload_len)     the buffer's bytes, payload_off a
 *                                    multiple of 64 from the message start
 *
 * Every message carries the caps, so that a reader that joins at any time
 * (a broadcast subscriber, a restarted receiver) knows what it gets; a
 * reader parses them only when they differ from the last ones. Fields are
 * in the host's byte order (shared memory never leaves the machine).
 *
 * A reader validates every field against the message's length before use
 * (shmchan_gst_parse): the message comes from shared memory, which another
 * process may have written anything into.
 */
#ifndef SHMCHAN_GST_WIRE_H
#define SHMCHAN_GST_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define SHMCHAN_GST_MAGIC 0x54534753u /* "SGST" */
#define SHMCHAN_GST_VERSION 1u
#define SHMCHAN_GST_HDR 96u
#define SHMCHAN_GST_ALIGN 64u
/* Longest caps string carried (a reader refuses longer ones). */
#define SHMCHAN_GST_MAX_CAPS 8192u

/* Message types. */
#define SHMCHAN_GST_BUFFER 1u
#define SHMCHAN_GST_EOS 2u

/* "No time", as GST_CLOCK_TIME_NONE. */
#define SHMCHAN_GST_NONE UINT64_MAX

struct shmchan_gst_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t hdr_size;    /* SHMCHAN_GST_HDR: room to grow */
	uint32_t type;	      /* SHMCHAN_GST_BUFFER or SHMCHAN_GST_EOS */
	uint32_t flags;	      /* GstBufferFlags of the buffer */
	uint32_t caps_len;    /* bytes of caps after the header, with the NUL */
	uint32_t payload_off; /* where the bytes start */
	uint64_t payload_len; /* how many */
	uint64_t pts, dts, duration, offset, offset_end; /* the buffer's, or NONE */
	uint64_t seq;					 /* the writer's count of buffers, from 0 */
	uint64_t caps_seq; /* moves whenever the writer's caps change */
	uint64_t reserved;
};

_Static_assert(sizeof(struct shmchan_gst_hdr) == SHMCHAN_GST_HDR, "the header is 96 bytes");

/* Where the payload of a message with @caps_len bytes of caps starts. */
static inline uint32_t shmchan_gst_payload_off(uint32_t caps_len)
{
	return (SHMCHAN_GST_HDR + caps_len + SHMCHAN_GST_ALIGN - 1) & ~(SHMCHAN_GST_ALIGN - 1);
}

/* A message, checked. */
struct shmchan_gst_msg {
	struct shmchan_gst_hdr h; /* a copy: the segment may change under us */
	const char *caps;	  /* NUL-terminated inside the message, or NULL */
	const unsigned char *payload;
};

/*
 * Check the message of @len bytes at @data and fill @m. Returns 0, or
 * -EBADMSG (a field that the message cannot hold: bad magic or version,
 * sizes past its end, a caps string not terminated where it says).
 */
int shmchan_gst_parse(const void *data, size_t len, struct shmchan_gst_msg *m);

#endif /* SHMCHAN_GST_WIRE_H */
