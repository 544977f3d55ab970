/* SPDX-License-Identifier: MIT */
/* The slot geometry shared by the slot and broadcast rings (slots_pvt.h). */
#include <errno.h>
#include <string.h>

#include "slots_pvt.h"

uint64_t shmchan__slots_stride(uint32_t slot_size)
{
	uint64_t s = (uint64_t)SHMCHAN__SLOT_HDR + slot_size;

	return (s + SHMCHAN__CACHELINE - 1) & ~(uint64_t)(SHMCHAN__CACHELINE - 1);
}

static int geometry_ok(uint32_t slot_size, uint32_t slot_count)
{
	/* At least 2 slots: with one, "committed at p" (p + 1) and "released at
	 * p" (p + N) would be the same sequence value (ring.c). */
	return slot_size > 0 && slot_size <= SHMCHAN_RING_MAX_SLOT_SIZE && slot_count >= 2 &&
	       slot_count <= SHMCHAN_RING_MAX_SLOTS && (slot_count & (slot_count - 1)) == 0;
}

/* The layout's size in 64 bits (0: not a valid geometry). At most
 * SHMCHAN_RING_MAX_SLOTS (2^24) slots of a stride under 2^32 bytes: no
 * overflow. */
static uint64_t memsize64(size_t hdr_size, uint32_t slot_size, uint32_t slot_count)
{
	if (!geometry_ok(slot_size, slot_count))
		return 0;
	return hdr_size + shmchan__slots_stride(slot_size) * slot_count;
}

size_t shmchan__slots_memsize(size_t hdr_size, uint32_t slot_size, uint32_t slot_count)
{
	uint64_t n = memsize64(hdr_size, slot_size, slot_count);

	return n > SIZE_MAX ? 0 : (size_t)n;
}

int shmchan__slots_init(void *mem, size_t mem_size, size_t hdr_size, uint32_t magic,
			uint32_t version, uint32_t slot_size, uint32_t slot_count, uint32_t *stride)
{
	struct shmchan__slots_geom *g = mem;
	size_t need = shmchan__slots_memsize(hdr_size, slot_size, slot_count);

	if (!mem || ((uintptr_t)mem % SHMCHAN__CACHELINE) != 0 || need == 0 || mem_size < need)
		return -EINVAL;
	memset(mem, 0, hdr_size);
	g->magic = magic;
	g->version = version;
	g->slot_size = slot_size;
	g->slot_count = slot_count;
	g->stride = (uint32_t)shmchan__slots_stride(slot_size);
	g->slot_offset = (uint32_t)hdr_size;
	g->mem_size = need;
	*stride = g->stride;
	return 0;
}

int shmchan__slots_attach(struct shmchan_ring *r, void *mem, size_t mem_size, size_t hdr_size,
			  uint32_t magic, uint32_t version)
{
	const volatile struct shmchan__slots_geom *g = mem;
	uint32_t size, count;
	uint64_t need;

	if (!r || !mem || ((uintptr_t)mem % SHMCHAN__CACHELINE) != 0)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	if (mem_size < hdr_size)
		return SHMCHAN_ETRUNCATED;
	if (g->magic != magic)
		return SHMCHAN_EBADMAGIC;
	if (g->version != version)
		return SHMCHAN_EVERSION;
	/* Each field read once (volatile); everything later uses the
	 * handle's copy. */
	size = g->slot_size;
	count = g->slot_count;
	/* In 64 bits: a sound layout too large for this address space is
	 * larger than any memory given, so truncated (32-bit targets). */
	need = memsize64(hdr_size, size, count);
	if (need == 0 || g->stride != shmchan__slots_stride(size) || g->slot_offset != hdr_size ||
	    g->mem_size != need)
		return -EBADMSG;
	if (need > mem_size)
		return SHMCHAN_ETRUNCATED;
	r->hdr = mem;
	r->base = (unsigned char *)mem + hdr_size;
	r->mem_size = mem_size;
	r->slot_size = size;
	r->slot_count = count;
	r->mask = count - 1;
	r->stride = (uint32_t)shmchan__slots_stride(size);
	return 0;
}
