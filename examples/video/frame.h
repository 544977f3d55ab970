/* SPDX-License-Identifier: MIT */
/*
 * The video frame of the article: a 16-byte header (magic "FRAM", sequence
 * number, width, height) and width x height bytes of pixels, where pixel i
 * of frame seq is (seq + i) & 0xFF. 320 x 240 makes 76,816 bytes.
 */
#ifndef VIDEO_FRAME_H
#define VIDEO_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FRAME_MAGIC 0x4652414Du
#define FRAME_WIDTH 320u
#define FRAME_HEIGHT 240u
#define FRAME_HDR 16u
#define FRAME_SIZE (FRAME_HDR + FRAME_WIDTH * FRAME_HEIGHT) /* 76,816 */
#define VIDEO_CHANNEL "video_ch0"
#define VIDEO_SLOT_SIZE 81920u
#define VIDEO_SLOT_COUNT 16u

struct frame_hdr {
	uint32_t magic;
	uint32_t seq;
	uint32_t width;
	uint32_t height;
};

#define FRAME_PIXELS (FRAME_WIDTH * FRAME_HEIGHT)

/*
 * Every frame's pixels are a window of one repeating ramp: pixel i of frame
 * seq is ramp[(seq & 0xFF) + i]. Built once ("preparing the frames"), it
 * makes writing a frame one memcpy and checking one every byte one memcmp.
 */
struct frame_ramp {
	unsigned char bytes[FRAME_PIXELS + 256];
};

static inline void frame_ramp_init(struct frame_ramp *r)
{
	size_t i;

	for (i = 0; i < sizeof(r->bytes); i++)
		r->bytes[i] = (unsigned char)i;
}

/* Fill @buf (FRAME_SIZE bytes) with frame @seq. */
static inline void frame_make(unsigned char *buf, uint32_t seq, const struct frame_ramp *r)
{
	struct frame_hdr h = { FRAME_MAGIC, seq, FRAME_WIDTH, FRAME_HEIGHT };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + FRAME_HDR, r->bytes + (seq & 0xFF), FRAME_PIXELS);
}

/*
 * Check every byte of a received frame. Returns 1 if it is a well-formed
 * frame (its header in *hdr), 0 if anything is wrong.
 */
static inline int frame_check(const unsigned char *buf, size_t len, const struct frame_ramp *r,
			      struct frame_hdr *hdr)
{
	if (len != FRAME_SIZE)
		return 0;
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->magic != FRAME_MAGIC || hdr->width != FRAME_WIDTH || hdr->height != FRAME_HEIGHT)
		return 0;
	return memcmp(buf + FRAME_HDR, r->bytes + (hdr->seq & 0xFF), FRAME_PIXELS) == 0;
}

#endif /* VIDEO_FRAME_H */
