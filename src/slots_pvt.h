/* SPDX-License-Identifier: MIT */
/*
 * Internal: the slot geometry that the slot ring (ring.c) and the broadcast
 * ring (bring.c) share. Not installed.
 *
 * Both lay out a 3-line header and then slot_count slots of a stride: a
 * slot header (SHMCHAN__SLOT_HDR bytes) and slot_size bytes of payload,
 * rounded up to a cache line. Both headers start with the same geometry
 * line (struct shmchan__slots_geom), written once by init and checked, field
 * by field, at attach; only the magic and the version tell them apart.
 */
#ifndef SHMCHAN_SLOTS_PVT_H
#define SHMCHAN_SLOTS_PVT_H

#include <stddef.h>
#include <stdint.h>

#include "shmchan/ring.h"

#define SHMCHAN__CACHELINE 64
/* Bytes before a slot's payload, in both rings (seq and len words first). */
#define SHMCHAN__SLOT_HDR 16u

/* Line 0 of a slot ring's header. */
struct shmchan__slots_geom {
	uint32_t magic;
	uint32_t version;
	uint32_t slot_size;
	uint32_t slot_count;
	uint32_t stride;
	uint32_t slot_offset; /* from the header to slot 0 */
	uint64_t mem_size;    /* bytes the layout needs */
};

/* Bytes from one slot to the next for a payload of @slot_size. */
uint64_t shmchan__slots_stride(uint32_t slot_size);

/* Bytes a ring of this geometry needs after a header of @hdr_size bytes, or
 * 0 if the geometry is not valid (as shmchan_ring_memsize). */
size_t shmchan__slots_memsize(size_t hdr_size, uint32_t slot_size, uint32_t slot_count);

/* Lay out the geometry line of a header of @hdr_size bytes at @mem (64-byte
 * aligned, @mem_size bytes), zeroing the rest of the header; the caller
 * then fills its slots. Returns 0 and *@stride, or -EINVAL. */
int shmchan__slots_init(void *mem, size_t mem_size, size_t hdr_size, uint32_t magic,
			uint32_t version, uint32_t slot_size, uint32_t slot_count,
			uint32_t *stride);

/* Check the geometry line at @mem (@mem_size bytes of memory, the header
 * @hdr_size of them) against @magic and @version and the memory, reading
 * each field once, and attach @r to it (zeroed first). Returns 0, -EINVAL,
 * SHMCHAN_ETRUNCATED, SHMCHAN_EBADMAGIC, SHMCHAN_EVERSION or -EBADMSG. */
int shmchan__slots_attach(struct shmchan_ring *r, void *mem, size_t mem_size, size_t hdr_size,
			  uint32_t magic, uint32_t version);

#endif /* SHMCHAN_SLOTS_PVT_H */
