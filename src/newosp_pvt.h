/* SPDX-License-Identifier: MIT */
/*
 * Internal: channels in newosp's format (newosp.h). Not installed.
 *
 * newosp.c opens, creates and closes them and runs the channel calls
 * (calls_pvt.h) on them; each format's ring lives in its own file:
 * osp_slot.c (ShmChannel, MPSC slots), osp_bytes.c (ShmByteChannel, SPSC
 * length-prefixed bytes). The handle's role is SHMCHAN__ROLE_OSP_WRITER or
 * _READER, its hdr the start of the mapping (there is no shmchan header),
 * and its state the osp member of the handle's union.
 *
 * Every word of the object is read through an atomic (the peer is another
 * process, maybe hostile), and every value read is checked before use: the
 * operations below return -EBADMSG for anything the format cannot hold.
 */
#ifndef SHMCHAN_NEWOSP_PVT_H
#define SHMCHAN_NEWOSP_PVT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "handle_pvt.h"
#include "shmchan/newosp.h"

/* What a format's ring is and does. Each returns as the channel call of
 * the same name (channel.h) would; a NULL entry: -ENOTSUP. */
struct shmchan__osp_ops {
	/* Check @cfg's geometry; *@size: the object's bytes (page rounded).
	 * 0, -EINVAL or -EFBIG. */
	int (*geometry)(const struct shmchan_osp_config *cfg, uint64_t *size);
	/* Lay out an empty ring of geometry @cfg (checked) in the new,
	 * zero-filled mapping. */
	void (*init)(struct shmchan__handle *ch, const struct shmchan_osp_config *cfg);
	/* Check the mapped object (ch->seg.size bytes) against the geometry
	 * and take the handle's position from it: 0, SHMCHAN_ETRUNCATED,
	 * SHMCHAN_EGEOMETRY or -EBADMSG. */
	int (*attach)(struct shmchan__handle *ch, const struct shmchan_osp_config *cfg);
	int (*write)(struct shmchan__handle *ch, const void *data, size_t len);
	int (*reserve)(struct shmchan__handle *ch, size_t len, void **data);
	int (*commit)(struct shmchan__handle *ch, size_t len);
	int (*cancel)(struct shmchan__handle *ch);
	int (*read)(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len);
	int (*peek)(struct shmchan__handle *ch, const void **data, size_t *len);
	int (*release)(struct shmchan__handle *ch, const void *view);
	/* 1 if a read would find something (a message, or an error). */
	int (*readable)(struct shmchan__handle *ch);
	/* 1 if a message of @len bytes (0: any) would find room. */
	int (*writable)(struct shmchan__handle *ch, size_t len);
	/* The word a reader may sleep on (FUTEX), or NULL: readers poll. */
	_Atomic uint32_t *(*futex)(struct shmchan__handle *ch);
	/* The write and read positions as the object holds them now. */
	void (*positions)(const struct shmchan__handle *ch, uint32_t *w, uint32_t *r);
	int (*depth)(const struct shmchan__handle *ch);
	int64_t (*depth_bytes)(const struct shmchan__handle *ch);
	int (*capacity)(const struct shmchan__handle *ch);
};

extern const struct shmchan__osp_ops shmchan__osp_slot;
extern const struct shmchan__osp_ops shmchan__osp_bytes;

/* The object's 32-bit word at byte offset @off of the mapping. */
static inline _Atomic uint32_t *shmchan__osp_word(const struct shmchan__handle *ch, size_t off)
{
	return (_Atomic uint32_t *)(void *)((char *)ch->seg.addr + off);
}

/* Page rounding as newosp's PageAlign (4096, whatever the page size). */
static inline uint64_t shmchan__osp_page(uint64_t n)
{
	return (n + 4095u) & ~(uint64_t)4095u;
}

/* For channel.c, channel_io.c: the handle-level calls on an open osp
 * handle. */
int shmchan__osp_close(struct shmchan__handle *ch);
int shmchan__osp_depth(const struct shmchan__handle *ch);
int64_t shmchan__osp_depth_bytes(const struct shmchan__handle *ch);
int shmchan__osp_capacity(const struct shmchan__handle *ch);

#endif /* SHMCHAN_NEWOSP_PVT_H */
