/* SPDX-License-Identifier: MIT */
/*
 * newosp's ShmByteChannel: an SPSC ring of length-prefixed messages
 * (newosp.h, docs/newosp.md).
 *
 * Layout (little-endian): a 16-byte header of uint32 head @0, tail @4,
 * capacity @8, reserved @12, then the data area at 16. head and tail count
 * bytes, free-running and wrapping at 2^32; a counter's offset in the data
 * area is counter & (capacity - 1). capacity is the largest power of two
 * that fits in the object after the header. A message is [uint32 length]
 * [payload]; either part may straddle the end of the data area (it is
 * copied in two pieces).
 *
 * Protocol: the writer writes length and payload at head, then publishes
 * them with a store-release of head += 4 + length, then FUTEX_WAKEs (shared)
 * one waiter on head. The reader reads below head and gives the bytes back
 * with a store-release of tail. head - tail never exceeds capacity.
 *
 * Checks: the capacity must be a power of two that fits; head - tail at
 * most the capacity; at the reader, a length with its prefix at most what
 * head - tail holds (the writer publishes whole messages). A violation is
 * -EBADMSG at every read from then on (a corrupt length cannot be stepped
 * over). A length of 0 is a message of 0 bytes here; newosp's reader takes
 * it for "no data" and stops there for ever, so this writer refuses to
 * write one (-EINVAL).
 */
#include <errno.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "newosp_pvt.h"

#define HEAD_OFF 0u
#define TAIL_OFF 4u
#define CAP_OFF 8u
#define DATA_OFF 16u
/* Smallest ring this library accepts: room for a length and a payload. */
#define MIN_CAPACITY 64u

/* newosp's RoundDownPow2. */
static uint64_t pow2_below(uint64_t v)
{
	uint64_t p = 1;

	while (p * 2 <= v)
		p *= 2;
	return v ? p : 0;
}

static int bytes_geometry(const struct shmchan_osp_config *cfg, uint64_t *size)
{
	uint64_t cap = cfg->capacity ? cfg->capacity : SHMCHAN_OSP_BYTES_DEFAULT;
	uint64_t bytes = shmchan__osp_page(DATA_OFF + cap);

	if (cfg->slot_size || cfg->slot_count || cap < MIN_CAPACITY)
		return -EINVAL;
	if (bytes > SHMCHAN_OSP_MAX_SIZE)
		return -EFBIG;
	*size = bytes;
	return 0;
}

static _Atomic uint32_t *head_w(const struct shmchan__handle *ch)
{
	return shmchan__osp_word(ch, HEAD_OFF);
}

static _Atomic uint32_t *tail_w(const struct shmchan__handle *ch)
{
	return shmchan__osp_word(ch, TAIL_OFF);
}

static unsigned char *data(const struct shmchan__handle *ch)
{
	return (unsigned char *)ch->seg.addr + DATA_OFF;
}

static void bytes_init(struct shmchan__handle *ch, const struct shmchan_osp_config *cfg)
{
	(void)cfg;
	/* As newosp's InitAt: the capacity from the object's size. Relaxed:
	 * nobody maps the object before create returns. */
	atomic_store_explicit(shmchan__osp_word(ch, CAP_OFF),
			      (uint32_t)pow2_below(ch->seg.size - DATA_OFF), memory_order_relaxed);
}

static int bytes_attach(struct shmchan__handle *ch, const struct shmchan_osp_config *cfg)
{
	uint32_t cap, head, tail;

	if (cfg->slot_size || cfg->slot_count)
		return -EINVAL;
	if (ch->seg.size < DATA_OFF + MIN_CAPACITY)
		return SHMCHAN_ETRUNCATED;
	/* Relaxed: the capacity is written once, before any peer can have
	 * opened the object; checked below whatever it is. */
	cap = atomic_load_explicit(shmchan__osp_word(ch, CAP_OFF), memory_order_relaxed);
	if (cap < MIN_CAPACITY || (cap & (cap - 1)) != 0 || DATA_OFF + (uint64_t)cap > ch->seg.size)
		return -EBADMSG;
	if (cfg->capacity && cfg->capacity != cap)
		return SHMCHAN_EGEOMETRY;
	/* Relaxed: starting points, re-checked at every read and write. */
	head = atomic_load_explicit(head_w(ch), memory_order_relaxed);
	tail = atomic_load_explicit(tail_w(ch), memory_order_relaxed);
	if (head - tail > cap)
		return -EBADMSG;
	ch->osp.capacity = cap;
	ch->osp.pos = ch->role == SHMCHAN__ROLE_OSP_WRITER ? head : tail;
	return 0;
}

/* Copy @len bytes in at counter @pos, in two pieces if they wrap. */
static void put(struct shmchan__handle *ch, uint32_t pos, const void *src, uint32_t len)
{
	uint32_t off = pos & (ch->osp.capacity - 1);
	uint32_t first = ch->osp.capacity - off;

	if (first >= len) {
		memcpy(data(ch) + off, src, len);
	} else {
		memcpy(data(ch) + off, src, first);
		memcpy(data(ch), (const unsigned char *)src + first, len - first);
	}
}

static void get(const struct shmchan__handle *ch, uint32_t pos, void *dst, uint32_t len)
{
	uint32_t off = pos & (ch->osp.capacity - 1);
	uint32_t first = ch->osp.capacity - off;

	if (first >= len) {
		memcpy(dst, data(ch) + off, len);
	} else {
		memcpy(dst, data(ch) + off, first);
		memcpy((unsigned char *)dst + first, data(ch), len - first);
	}
}

/* Writer: bytes in use, from the reader's tail (checked). */
static int used(const struct shmchan__handle *ch, uint32_t *n)
{
	/* Acquire: pairs with the reader's release store of tail
	 * (bytes_read): its reads of the bytes below tail are done before we
	 * overwrite them. */
	uint32_t tail = atomic_load_explicit(tail_w(ch), memory_order_acquire);

	*n = ch->osp.pos - tail;
	return *n > ch->osp.capacity ? -EBADMSG : 0;
}

static int bytes_write(struct shmchan__handle *ch, const void *src, size_t len)
{
	uint32_t n, l = (uint32_t)len;
	int err;

	if (len == 0)
		return -EINVAL;
	if (len > ch->osp.capacity - 4)
		return -EMSGSIZE;
	err = used(ch, &n);
	if (err)
		return err;
	if (ch->osp.capacity - n < l + 4)
		return -EAGAIN;
	put(ch, ch->osp.pos, &l, 4);
	put(ch, ch->osp.pos + 4, src, l);
	ch->osp.pos += l + 4;
	/* Release: pairs with the reader's acquire load of head (next):
	 * publishes length and payload. */
	atomic_store_explicit(head_w(ch), ch->osp.pos, memory_order_release);
	/* As newosp's writer: wake one sleeper on head, shared (the reader
	 * is another process). The format counts no sleepers, so every write
	 * makes this call. */
	syscall(SYS_futex, (void *)head_w(ch), FUTEX_WAKE, 1, NULL, NULL, 0);
	return 0;
}

/* Reader: the length of the next message, checked. 0 with *@len set,
 * -EAGAIN (nothing published), -EBADMSG. */
static int next(const struct shmchan__handle *ch, uint32_t *len)
{
	/* Acquire: pairs with the writer's release store of head
	 * (bytes_write): length and payload below it are visible. */
	uint32_t head = atomic_load_explicit(head_w(ch), memory_order_acquire);
	uint32_t n = head - ch->osp.pos;

	if (n == 0)
		return -EAGAIN;
	if (n > ch->osp.capacity || n < 4)
		return -EBADMSG;
	get(ch, ch->osp.pos, len, 4);
	return *len > n - 4 ? -EBADMSG : 0;
}

static int bytes_read(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len)
{
	uint32_t l;
	int err = next(ch, &l);

	if (err)
		return err;
	*len = l;
	if (l > cap)
		return -EMSGSIZE;
	get(ch, ch->osp.pos + 4, buf, l);
	ch->osp.pos += 4 + l;
	/* Release: pairs with the writer's acquire load of tail (used): our
	 * reads of these bytes are done. */
	atomic_store_explicit(tail_w(ch), ch->osp.pos, memory_order_release);
	return 0;
}

static int bytes_readable(struct shmchan__handle *ch)
{
	/* Relaxed: a hint; next() decides, with acquire. */
	return atomic_load_explicit(head_w(ch), memory_order_relaxed) != ch->osp.pos;
}

static int bytes_writable(struct shmchan__handle *ch, size_t len)
{
	uint32_t n;

	if (len > ch->osp.capacity - 4 || used(ch, &n) != 0)
		return 1; /* the write reports the error */
	return ch->osp.capacity - n >= (len ? len : 1) + 4;
}

static _Atomic uint32_t *bytes_futex(struct shmchan__handle *ch)
{
	return head_w(ch);
}

static void bytes_positions(const struct shmchan__handle *ch, uint32_t *w, uint32_t *r)
{
	/* Relaxed: a snapshot (statistics). */
	*w = atomic_load_explicit(head_w(ch), memory_order_relaxed);
	*r = atomic_load_explicit(tail_w(ch), memory_order_relaxed);
}

static int64_t bytes_depth_bytes(const struct shmchan__handle *ch)
{
	/* Relaxed: a snapshot (statistics). */
	uint32_t n = atomic_load_explicit(head_w(ch), memory_order_relaxed) -
		     atomic_load_explicit(tail_w(ch), memory_order_relaxed);

	return n > ch->osp.capacity ? -EBADMSG : (int64_t)n;
}

static int bytes_capacity(const struct shmchan__handle *ch)
{
	return ch->osp.capacity > INT32_MAX ? INT32_MAX : (int)ch->osp.capacity;
}

/* No reserve or peek: a message may wrap around the end of the ring. No
 * depth in messages: counting them would walk the lengths. */
const struct shmchan__osp_ops shmchan__osp_bytes = {
	.geometry = bytes_geometry,
	.init = bytes_init,
	.attach = bytes_attach,
	.write = bytes_write,
	.read = bytes_read,
	.readable = bytes_readable,
	.writable = bytes_writable,
	.futex = bytes_futex,
	.positions = bytes_positions,
	.depth_bytes = bytes_depth_bytes,
	.capacity = bytes_capacity,
};
