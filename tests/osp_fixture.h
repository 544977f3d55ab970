/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for newosp's own processes: its ShmChannel and ShmByteChannel
 * written again in C from the wire format (docs/newosp.md), as newosp's
 * 0.5.3 shm_transport.hpp behaves, trusting the object as newosp does. The
 * library's newosp.c is not used here: these structs and their asserted
 * offsets are the independent account of the layout the tests hold the
 * library to.
 */
#ifndef OSP_FIXTURE_H
#define OSP_FIXTURE_H

#include <fcntl.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* newosp's fences, each beside a release store or an acquire load that
 * already orders what it orders: kept to do what newosp does, left out
 * under TSan, which does not model fences (gcc refuses them there). */
#ifdef __SANITIZE_THREAD__
#define FX_FENCE(order) ((void)0)
#else
#define FX_FENCE(order) atomic_thread_fence(order)
#endif

/* ShmRingBuffer's fixed part: producer_pos alone on its line. */
struct fx_ring {
	_Atomic uint32_t producer_pos;
	char pad[60];
	_Atomic uint32_t consumer_pos;
};
_Static_assert(offsetof(struct fx_ring, producer_pos) == 0, "producer_pos @0");
_Static_assert(offsetof(struct fx_ring, consumer_pos) == 64, "consumer_pos @64");
_Static_assert(sizeof(struct fx_ring) == 68, "slots @68");

struct fx_slot_hdr {
	_Atomic uint32_t sequence;
	uint32_t size;
};
_Static_assert(offsetof(struct fx_slot_hdr, sequence) == 0, "sequence @+0");
_Static_assert(offsetof(struct fx_slot_hdr, size) == 4, "size @+4");
_Static_assert(sizeof(struct fx_slot_hdr) == 8, "data @+8");

struct fx_bytes_hdr {
	_Atomic uint32_t head;
	_Atomic uint32_t tail;
	uint32_t capacity;
	uint32_t reserved;
};
_Static_assert(offsetof(struct fx_bytes_hdr, head) == 0, "head @0");
_Static_assert(offsetof(struct fx_bytes_hdr, tail) == 4, "tail @4");
_Static_assert(offsetof(struct fx_bytes_hdr, capacity) == 8, "capacity @8");
_Static_assert(sizeof(struct fx_bytes_hdr) == 16, "data @16");

/* One mapped object of either format. */
struct fx {
	void *base;
	size_t size;
	uint32_t slot_size, slot_count, stride; /* slot rings */
};

static inline uint32_t fx_page(uint32_t n)
{
	return (n + 4095u) & ~4095u;
}

static inline uint32_t fx_stride(uint32_t slot_size)
{
	return (8 + slot_size + 3) & ~3u;
}

/* sizeof(ShmRingBuffer<S, N>) (alignas(64)), page-aligned by Create. */
static inline uint32_t fx_slot_bytes(uint32_t slot_size, uint32_t slot_count)
{
	return fx_page((68 + slot_count * fx_stride(slot_size) + 63) & ~63u);
}

static inline int fx_map(struct fx *f, const char *name, uint32_t size, int create)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/osp_shm_%s", name);
	fd = create ? shm_open(path, O_CREAT | O_RDWR | O_EXCL, 0600)
		    : shm_open(path, O_RDWR, 0600);
	if (fd < 0)
		return -1;
	if (create && ftruncate(fd, size) != 0) {
		close(fd);
		return -1;
	}
	if (!create) {
		off_t end = lseek(fd, 0, SEEK_END);
		size = (uint32_t)end;
	}
	f->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (f->base == MAP_FAILED)
		return -1;
	f->size = size;
	return 0;
}

static inline void fx_unmap(struct fx *f)
{
	munmap(f->base, f->size);
}

static inline struct fx_ring *fx_ring(const struct fx *f)
{
	return (struct fx_ring *)f->base;
}

static inline struct fx_slot_hdr *fx_slot(const struct fx *f, uint32_t pos)
{
	return (struct fx_slot_hdr *)(void *)((char *)f->base + 68 +
					      (size_t)(pos & (f->slot_count - 1)) * f->stride);
}

/* ShmChannel::CreateWriter (Create + InitAt), or OpenReader with @create 0. */
static inline int fx_slot_open(struct fx *f, const char *name, uint32_t slot_size,
			       uint32_t slot_count, int create)
{
	uint32_t i;

	f->slot_size = slot_size;
	f->slot_count = slot_count;
	f->stride = fx_stride(slot_size);
	if (fx_map(f, name, fx_slot_bytes(slot_size, slot_count), create) != 0)
		return -1;
	if (create) {
		atomic_store(&fx_ring(f)->producer_pos, 0);
		atomic_store(&fx_ring(f)->consumer_pos, 0);
		for (i = 0; i < slot_count; i++) {
			atomic_store(&fx_slot(f, i)->sequence, i);
			fx_slot(f, i)->size = 0;
		}
	}
	return 0;
}

/* ShmRingBuffer::TryPush. */
static inline int fx_slot_push(const struct fx *f, const void *data, uint32_t size)
{
	struct fx_ring *r = fx_ring(f);
	struct fx_slot_hdr *s;
	uint32_t prod;

	if (size > f->slot_size)
		return 0;
	do {
		prod = atomic_load_explicit(&r->producer_pos, memory_order_relaxed);
		s = fx_slot(f, prod);
		if (atomic_load_explicit(&s->sequence, memory_order_acquire) != prod)
			return 0;
	} while (!atomic_compare_exchange_weak_explicit(
		&r->producer_pos, &prod, prod + 1, memory_order_acq_rel, memory_order_relaxed));
	s->size = size;
	memcpy(s + 1, data, size);
	FX_FENCE(memory_order_release);
	atomic_store_explicit(&s->sequence, prod + 1, memory_order_release);
	return 1;
}

/* ShmRingBuffer::TryPop. */
static inline int fx_slot_pop(const struct fx *f, void *data, uint32_t *size)
{
	struct fx_ring *r = fx_ring(f);
	uint32_t cons = atomic_load_explicit(&r->consumer_pos, memory_order_relaxed);
	struct fx_slot_hdr *s = fx_slot(f, cons);

	if (atomic_load_explicit(&s->sequence, memory_order_acquire) != cons + 1)
		return 0;
	FX_FENCE(memory_order_acquire);
	*size = s->size;
	memcpy(data, s + 1, *size);
	atomic_store_explicit(&s->sequence, cons + f->slot_count, memory_order_release);
	atomic_store_explicit(&r->consumer_pos, cons + 1, memory_order_release);
	return 1;
}

static inline struct fx_bytes_hdr *fx_bytes(const struct fx *f)
{
	return (struct fx_bytes_hdr *)f->base;
}

static inline unsigned char *fx_bytes_data(const struct fx *f)
{
	return (unsigned char *)f->base + 16;
}

/* ShmByteChannel::CreateWriter(name, capacity) (InitAt's capacity: the
 * largest power of two within the page-aligned size less the header), or
 * OpenReader with @create 0. */
static inline int fx_bytes_open(struct fx *f, const char *name, uint32_t capacity, int create)
{
	uint32_t cap = 1;

	if (fx_map(f, name, fx_page(16 + capacity), create) != 0)
		return -1;
	if (create) {
		while (cap * 2 <= f->size - 16)
			cap *= 2;
		atomic_store(&fx_bytes(f)->head, 0);
		atomic_store(&fx_bytes(f)->tail, 0);
		fx_bytes(f)->capacity = cap;
		fx_bytes(f)->reserved = 0;
		FX_FENCE(memory_order_release);
	}
	return 0;
}

static inline void fx_bytes_raw(const struct fx *f, uint32_t pos, void *dst, const void *src,
				uint32_t len)
{
	uint32_t cap = fx_bytes(f)->capacity, off = pos & (cap - 1), first = cap - off;
	unsigned char *d = fx_bytes_data(f);

	if (src) {
		memcpy(d + off, src, first >= len ? len : first);
		if (first < len)
			memcpy(d, (const unsigned char *)src + first, len - first);
	} else {
		memcpy(dst, d + off, first >= len ? len : first);
		if (first < len)
			memcpy((unsigned char *)dst + first, d, len - first);
	}
}

/* ShmByteChannel::Write (ring Write, then FutexWake of one waiter). */
static inline int fx_bytes_write(const struct fx *f, const void *data, uint32_t len)
{
	struct fx_bytes_hdr *h = fx_bytes(f);
	uint32_t head = atomic_load_explicit(&h->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&h->tail, memory_order_acquire);

	if (h->capacity - (head - tail) < len + 4)
		return 0;
	fx_bytes_raw(f, head, NULL, &len, 4);
	fx_bytes_raw(f, head + 4, NULL, data, len);
	atomic_store_explicit(&h->head, head + len + 4, memory_order_release);
	syscall(SYS_futex, (void *)&h->head, FUTEX_WAKE, 1, NULL, NULL, 0);
	return 1;
}

/* ShmSpscByteRing::Read: the payload length, 0 when nothing (or a
 * message larger than @max, which it drops). */
static inline uint32_t fx_bytes_read(const struct fx *f, void *out, uint32_t max)
{
	struct fx_bytes_hdr *h = fx_bytes(f);
	uint32_t tail = atomic_load_explicit(&h->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&h->head, memory_order_acquire);
	uint32_t avail = head - tail, len = 0;

	if (avail < 4)
		return 0;
	fx_bytes_raw(f, tail, &len, NULL, 4);
	if (len == 0 || avail < len + 4)
		return 0;
	if (len > max) {
		atomic_store_explicit(&h->tail, tail + len + 4, memory_order_release);
		return 0;
	}
	fx_bytes_raw(f, tail + 4, out, NULL, len);
	atomic_store_explicit(&h->tail, tail + len + 4, memory_order_release);
	return len;
}

/* ShmByteChannel::WaitReadable: a futex sleep on head of @ms at most. */
static inline void fx_bytes_wait(const struct fx *f, uint32_t ms)
{
	struct fx_bytes_hdr *h = fx_bytes(f);
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	uint32_t head = atomic_load_explicit(&h->head, memory_order_acquire);

	if (head - atomic_load_explicit(&h->tail, memory_order_relaxed) >= 4)
		return;
	syscall(SYS_futex, (void *)&h->head, FUTEX_WAIT, head, &ts, NULL, 0);
}

#endif /* OSP_FIXTURE_H */
