/* SPDX-License-Identifier: MIT */
/* The elements' message format: the reader's checks (wire.h). */
#include <errno.h>
#include <string.h>

#include "wire.h"

int shmchan_gst_parse(const void *data, size_t len, struct shmchan_gst_msg *m)
{
	const unsigned char *p = data;
	struct shmchan_gst_hdr *h = &m->h;

	memset(m, 0, sizeof(*m));
	if (!data || len < SHMCHAN_GST_HDR)
		return -EBADMSG;
	/* One copy: every check below is on values that cannot change. */
	memcpy(h, p, sizeof(*h));
	if (h->magic != SHMCHAN_GST_MAGIC || h->version != SHMCHAN_GST_VERSION ||
	    h->hdr_size != SHMCHAN_GST_HDR)
		return -EBADMSG;
	if (h->type == SHMCHAN_GST_EOS)
		return 0;
	if (h->type != SHMCHAN_GST_BUFFER || h->caps_len == 0 ||
	    h->caps_len > SHMCHAN_GST_MAX_CAPS || h->caps_len > len - SHMCHAN_GST_HDR ||
	    h->payload_off != shmchan_gst_payload_off(h->caps_len) || h->payload_off > len ||
	    h->payload_len > len - h->payload_off)
		return -EBADMSG;
	/* The caps end with their NUL, and hold no other. */
	if (p[SHMCHAN_GST_HDR + h->caps_len - 1] != 0 ||
	    memchr(p + SHMCHAN_GST_HDR, 0, h->caps_len - 1) != NULL)
		return -EBADMSG;
	m->caps = (const char *)(p + SHMCHAN_GST_HDR);
	m->payload = p + h->payload_off;
	return 0;
}
