/* SPDX-License-Identifier: MIT */
/*
 * Channel layer: create, open and validate a named channel; role registries;
 * the message calls route to the ring with the role checked.
 */
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "channel_pvt.h"

#define ROLE_WRITER 1u
#define ROLE_READER 2u

static struct shmchan__chan_hdr *hdr_of(const struct shmchan_channel *ch)
{
	return (struct shmchan__chan_hdr *)ch->hdr;
}

static int reserved_zero(const struct shmchan_config *cfg)
{
	size_t i;

	for (i = 0; i < sizeof(cfg->reserved) / sizeof(cfg->reserved[0]); i++)
		if (cfg->reserved[i])
			return 0;
	return 1;
}

static uint64_t make_nonce(void)
{
	uint64_t v = 0;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v) && v)
		return v;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
	       ((uint64_t)getpid() << 32) ^ (uintptr_t)&v;
}

/* Claim a free registry entry for this process. Returns 0 or -EBUSY. */
static int peer_take(struct shmchan__peer *p, pid_t pid, uint64_t start)
{
	uint32_t expected = 0;

	/* Acquire: pairs with the release in peer_drop, so the previous owner's
	 * last stores to the entry are done before we reuse it. The resets
	 * below are published by the release store of start_time. */
	if (!atomic_compare_exchange_strong_explicit(&p->pid, &expected, (uint32_t)pid,
						     memory_order_acq_rel, memory_order_relaxed))
		return -EBUSY;
	/* Relaxed: the entry is ours; readers of it tolerate a partly reset
	 * entry (start_time 0 just means "not yet known"). */
	atomic_store_explicit(&p->claim, 0, memory_order_relaxed);
	atomic_store_explicit(&p->messages, 0, memory_order_relaxed);
	atomic_store_explicit(&p->events, 0, memory_order_relaxed);
	atomic_store_explicit(&p->start_time, start, memory_order_release);
	return 0;
}

static void peer_drop(struct shmchan__peer *p)
{
	atomic_store_explicit(&p->claim, 0, memory_order_relaxed);
	atomic_store_explicit(&p->start_time, 0, memory_order_relaxed);
	/* Release: pairs with the acquire CAS in peer_take. */
	atomic_store_explicit(&p->pid, 0, memory_order_release);
}

static int join(struct shmchan_channel *ch, uint32_t role)
{
	struct shmchan__chan_hdr *h = hdr_of(ch);
	pid_t pid = getpid();
	uint64_t start = 0;
	int i;

	if (shmchan__proc_start_time(pid, &start) != 0)
		start = 0;
	if (role == ROLE_READER) {
		if (peer_take(&h->reader, pid, start) != 0)
			return -EBUSY;
		ch->self = &h->reader;
	} else {
		for (i = 0; i < SHMCHAN_MAX_WRITERS; i++)
			if (peer_take(&h->writers[i], pid, start) == 0)
				break;
		if (i == SHMCHAN_MAX_WRITERS)
			return -EUSERS;
		ch->self = &h->writers[i];
		ch->ring.claim = &h->writers[i].claim;
	}
	ch->role = role;
	return 0;
}

/* The handle's wait strategy from @cfg (NULL: defaults). Returns 0 or -EINVAL. */
static int set_wait(struct shmchan_channel *ch, const struct shmchan_config *cfg)
{
	uint32_t wait = cfg ? cfg->wait : SHMCHAN_WAIT_FUTEX;
	int32_t us = cfg ? cfg->spin_us : 0;

	if (wait > SHMCHAN_WAIT_BACKOFF || us < -1 || us > SHMCHAN_MAX_SPIN_US)
		return -EINVAL;
	if (us == 0)
		us = wait == SHMCHAN_WAIT_FUTEX ? SHMCHAN_DEFAULT_SPIN_US : -1;
	ch->wait = wait;
	ch->spin_ns = us < 0 ? 0 : (uint32_t)us * 1000u;
	return 0;
}

static int check_create_cfg(const struct shmchan_config *cfg, uint32_t *kind)
{
	if (!cfg || !reserved_zero(cfg) || cfg->mode > 07777)
		return -EINVAL;
	*kind = cfg->kind ? cfg->kind : SHMCHAN_KIND_SLOT;
	if (*kind != SHMCHAN_KIND_SLOT)
		return *kind <= 4 ? -ENOTSUP : -EINVAL;
	if (shmchan_ring_memsize(cfg->slot_size, cfg->slot_count) == 0)
		return -EINVAL;
	return 0;
}

/* Lay out header and ring in a fresh, zero-filled segment; publish last. */
static int layout(struct shmchan_channel *ch, uint32_t kind, const struct shmchan_config *cfg)
{
	struct shmchan__chan_hdr *h = ch->seg.addr;
	size_t ring_size = shmchan_ring_memsize(cfg->slot_size, cfg->slot_count);
	int err;

	err = shmchan_ring_init((char *)h + SHMCHAN__HDR_SPACE, ring_size, cfg->slot_size,
				cfg->slot_count);
	if (err)
		return err;
	h->version = SHMCHAN__LAYOUT_VERSION;
	h->hdr_size = (uint32_t)SHMCHAN__HDR_SPACE;
	h->kind = kind;
	h->flags = 0;
	h->total_size = ch->seg.size;
	h->ring_offset = SHMCHAN__HDR_SPACE;
	h->ring_size = ring_size;
	h->slot_size = cfg->slot_size;
	h->slot_count = cfg->slot_count;
	h->nonce = make_nonce();
	/* Relaxed: published by the magic store below. */
	atomic_store_explicit(&h->state, SHMCHAN__STATE_OPEN, memory_order_relaxed);
	return 0;
}

static void publish_magic(struct shmchan_channel *ch)
{
	/* Release: pairs with the load-acquire of magic in validate(); every
	 * header and ring field written by layout() is visible to an opener
	 * that sees the magic. */
	atomic_store_explicit(&hdr_of(ch)->magic, SHMCHAN__MAGIC, memory_order_release);
}

/*
 * Attach the handle's ring. The ring sits at a fixed offset (validated in the
 * header) and is bounded by the file's size, never by a size read from the
 * segment, so a header changed after validation cannot move it.
 */
static int attach(struct shmchan_channel *ch)
{
	if (ch->seg.size < SHMCHAN__HDR_SPACE)
		return SHMCHAN_ETRUNCATED;
	return shmchan_ring_attach(&ch->ring, (char *)ch->seg.addr + SHMCHAN__HDR_SPACE,
				   ch->seg.size - SHMCHAN__HDR_SPACE);
}

static int create(struct shmchan_channel *ch, const char *name, const struct shmchan_config *cfg,
		  int replace)
{
	uint32_t kind;
	size_t total;
	int err;

	if (!ch)
		return -EINVAL;
	memset(ch, 0, sizeof(*ch));
	err = check_create_cfg(cfg, &kind);
	if (!err)
		err = set_wait(ch, cfg);
	if (err)
		return err;
	total = SHMCHAN__HDR_SPACE + shmchan_ring_memsize(cfg->slot_size, cfg->slot_count);
	if (total < SHMCHAN__HDR_SPACE)
		return -EINVAL;
	err = replace ? shmchan_segment_create_or_replace(&ch->seg, name, total, cfg->mode)
		      : shmchan_segment_create(&ch->seg, name, total, cfg->mode);
	if (err)
		return err;
	ch->hdr = ch->seg.addr;
	err = layout(ch, kind, cfg);
	if (!err)
		err = attach(ch);
	ch->kind = kind;
	ch->nonce = hdr_of(ch)->nonce;
	if (!err)
		err = join(ch, ROLE_WRITER);
	if (err) {
		shmchan_segment_unlink(name);
		shmchan_segment_close(&ch->seg);
		memset(ch, 0, sizeof(*ch));
		return err;
	}
	publish_magic(ch);
	return 0;
}

int shmchan_channel_create_writer(struct shmchan_channel *ch, const char *name,
				  const struct shmchan_config *cfg)
{
	return create(ch, name, cfg, 0);
}

int shmchan_channel_create_or_replace_writer(struct shmchan_channel *ch, const char *name,
					     const struct shmchan_config *cfg)
{
	return create(ch, name, cfg, 1);
}

/* The identity line of a header, read once: validation and everything after
 * it use this copy, so a process that rewrites the header meanwhile cannot
 * make a checked value differ from the used one. */
struct chan_id {
	uint32_t version, hdr_size, kind, flags, slot_size, slot_count;
	uint64_t total_size, ring_offset, ring_size, nonce;
};

static void read_id(const struct shmchan__chan_hdr *h, struct chan_id *id)
{
	/* volatile: one load per field, never repeated by the compiler. */
	const volatile struct shmchan__chan_hdr *v = h;

	id->version = v->version;
	id->hdr_size = v->hdr_size;
	id->kind = v->kind;
	id->flags = v->flags;
	id->slot_size = v->slot_size;
	id->slot_count = v->slot_count;
	id->total_size = v->total_size;
	id->ring_offset = v->ring_offset;
	id->ring_size = v->ring_size;
	id->nonce = v->nonce;
}

/* Check the geometry fields against each other and the file. */
static int check_sizes(const struct chan_id *id, size_t file_size)
{
	size_t need = shmchan_ring_memsize(id->slot_size, id->slot_count);

	if (id->hdr_size != SHMCHAN__HDR_SPACE || id->ring_offset != SHMCHAN__HDR_SPACE ||
	    need == 0 || id->ring_size != need || id->total_size != id->ring_offset + need ||
	    id->flags != 0)
		return -EBADMSG;
	if (id->total_size > file_size)
		return SHMCHAN_ETRUNCATED;
	return 0;
}

static int check_expect(const struct chan_id *id, const struct shmchan_config *expect)
{
	if (!expect)
		return 0;
	if (expect->kind && expect->kind != id->kind)
		return SHMCHAN_EKIND;
	if ((expect->slot_size && expect->slot_size != id->slot_size) ||
	    (expect->slot_count && expect->slot_count != id->slot_count))
		return SHMCHAN_EGEOMETRY;
	return 0;
}

static int validate(const struct shmchan_channel *ch, const struct shmchan_config *expect,
		    struct chan_id *id)
{
	const struct shmchan__chan_hdr *h = hdr_of(ch);
	uint64_t magic;
	int err;

	if (ch->seg.size < sizeof(magic))
		return SHMCHAN_EBADMAGIC;
	/* Acquire: pairs with the release in publish_magic(). */
	magic = atomic_load_explicit(&h->magic, memory_order_acquire);
	if (magic == 0)
		return ch->seg.size >= sizeof(*h) ? -EAGAIN : SHMCHAN_EBADMAGIC;
	if (magic != SHMCHAN__MAGIC)
		return SHMCHAN_EBADMAGIC;
	if (ch->seg.size < sizeof(*h))
		return SHMCHAN_ETRUNCATED;
	read_id(h, id);
	if (id->version != SHMCHAN__LAYOUT_VERSION)
		return SHMCHAN_EVERSION;
	if (id->kind == 0 || id->kind > 4)
		return -EBADMSG;
	err = check_sizes(id, ch->seg.size);
	if (!err)
		err = check_expect(id, expect);
	if (!err && id->kind != SHMCHAN_KIND_SLOT)
		err = -ENOTSUP;
	return err;
}

/* Attach the ring and check that its own header agrees with the channel's. */
static int attach_checked(struct shmchan_channel *ch, const struct chan_id *id)
{
	int err = attach(ch);

	/* The channel header was fine, so a bad ring header is corruption. */
	if (err == SHMCHAN_EBADMAGIC || err == SHMCHAN_EVERSION || err == SHMCHAN_ETRUNCATED)
		return -EBADMSG;
	if (err)
		return err;
	if (ch->ring.slot_size != id->slot_size || ch->ring.slot_count != id->slot_count)
		return -EBADMSG;
	ch->kind = id->kind;
	ch->nonce = id->nonce;
	return 0;
}

static int open_role(struct shmchan_channel *ch, const char *name,
		     const struct shmchan_config *expect, uint32_t role)
{
	struct chan_id id;
	int err;

	if (!ch)
		return -EINVAL;
	memset(ch, 0, sizeof(*ch));
	if ((expect && !reserved_zero(expect)) || set_wait(ch, expect) != 0)
		return -EINVAL;
	err = shmchan_segment_open(&ch->seg, name);
	if (err) {
		memset(ch, 0, sizeof(*ch));
		return err;
	}
	ch->hdr = ch->seg.addr;
	err = validate(ch, expect, &id);
	if (!err)
		err = attach_checked(ch, &id);
	if (!err)
		err = join(ch, role);
	/* A reader starts where the previous one stopped: load head only now
	 * that the role is ours (join's acquire ordered the old reader's last
	 * consume before this). */
	if (!err && role == ROLE_READER)
		shmchan__ring_load_head(&ch->ring);
	if (err) {
		shmchan_segment_close(&ch->seg);
		memset(ch, 0, sizeof(*ch));
		return err;
	}
	return 0;
}

int shmchan_channel_open_writer(struct shmchan_channel *ch, const char *name,
				const struct shmchan_config *expect)
{
	return open_role(ch, name, expect, ROLE_WRITER);
}

int shmchan_channel_open_reader(struct shmchan_channel *ch, const char *name,
				const struct shmchan_config *expect)
{
	return open_role(ch, name, expect, ROLE_READER);
}

/* Returns 0 if @ch is open in @role, else -EINVAL (closed) or -ENOTSUP. */
static int check_role(const struct shmchan_channel *ch, uint32_t role)
{
	if (!ch || !ch->hdr)
		return -EINVAL;
	return ch->role == role ? 0 : -ENOTSUP;
}

static void wait_queues(const struct shmchan_channel *ch, struct shmchan__waitq *data,
			struct shmchan__waitq *space)
{
	struct shmchan__chan_hdr *h = hdr_of(ch);

	data->futex = &h->data_futex;
	data->waiters = &h->data_waiters;
	space->futex = &h->space_futex;
	space->waiters = &h->space_waiters;
}

/* Writer: a message (or a cancelled slot) was published; wake the reader. */
static void wake_readers(const struct shmchan_channel *ch)
{
	struct shmchan__waitq data, space;

	wait_queues(ch, &data, &space);
	shmchan__wake(&data);
}

/* Reader: wake writers if the call freed slots (head moved past @before). */
static void wake_writers(const struct shmchan_channel *ch, uint32_t before)
{
	struct shmchan__waitq data, space;

	if (ch->ring.head == before)
		return;
	wait_queues(ch, &data, &space);
	shmchan__wake(&space);
}

int shmchan_channel_write(struct shmchan_channel *ch, const void *data, size_t len)
{
	int err = check_role(ch, ROLE_WRITER);

	if (!err)
		err = shmchan_ring_push(&ch->ring, data, len);
	if (!err)
		wake_readers(ch);
	return err;
}

int shmchan_channel_reserve(struct shmchan_channel *ch, size_t len, void **data)
{
	int err = check_role(ch, ROLE_WRITER);

	return err ? err : shmchan_ring_reserve(&ch->ring, len, data);
}

int shmchan_channel_commit(struct shmchan_channel *ch, size_t len)
{
	int err = check_role(ch, ROLE_WRITER);

	if (!err)
		err = shmchan_ring_commit(&ch->ring, len);
	if (!err)
		wake_readers(ch);
	return err;
}

int shmchan_channel_cancel(struct shmchan_channel *ch)
{
	int err = check_role(ch, ROLE_WRITER);

	if (!err)
		err = shmchan_ring_cancel(&ch->ring);
	if (!err)
		wake_readers(ch); /* the reader may wait on this very slot */
	return err;
}

int shmchan_channel_read(struct shmchan_channel *ch, void *buf, size_t cap, size_t *len)
{
	int err = check_role(ch, ROLE_READER);
	uint32_t before;

	if (err)
		return err;
	before = ch->ring.head;
	err = shmchan_ring_pop(&ch->ring, buf, cap, len);
	wake_writers(ch, before);
	return err;
}

int shmchan_channel_peek(struct shmchan_channel *ch, const void **data, size_t *len)
{
	int err = check_role(ch, ROLE_READER);
	uint32_t before;

	if (err)
		return err;
	before = ch->ring.head;
	err = shmchan_ring_peek(&ch->ring, data, len);
	wake_writers(ch, before); /* discarded or corrupt slots were dropped */
	return err;
}

int shmchan_channel_release(struct shmchan_channel *ch)
{
	int err = check_role(ch, ROLE_READER);
	uint32_t before;

	if (err)
		return err;
	before = ch->ring.head;
	err = shmchan_ring_release(&ch->ring);
	wake_writers(ch, before);
	return err;
}

static int readable_cb(void *ctx)
{
	return shmchan_ring_readable(ctx) == 1;
}

static int writable_cb(void *ctx)
{
	return shmchan_ring_writable(ctx) == 1;
}

static int wait_on(struct shmchan_channel *ch, uint32_t role, const struct shmchan__deadline *dl)
{
	struct shmchan__waitcfg cfg = { ch->wait, ch->spin_ns };
	struct shmchan__waitq data, space;
	uint32_t before = ch->ring.head;
	int err;

	wait_queues(ch, &data, &space);
	if (role == ROLE_WRITER)
		return shmchan__wait(&cfg, &space, writable_cb, &ch->ring, dl);
	err = shmchan__wait(&cfg, &data, readable_cb, &ch->ring, dl);
	wake_writers(ch, before); /* readable() may step over discarded slots */
	return err;
}

static int wait_role(struct shmchan_channel *ch, uint32_t role, int timeout_ms)
{
	struct shmchan__deadline dl;
	int err = check_role(ch, role);

	if (err)
		return err;
	if (timeout_ms < -1)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	return wait_on(ch, role, &dl);
}

int shmchan_channel_wait_readable(struct shmchan_channel *ch, int timeout_ms)
{
	return wait_role(ch, ROLE_READER, timeout_ms);
}

int shmchan_channel_wait_writable(struct shmchan_channel *ch, int timeout_ms)
{
	return wait_role(ch, ROLE_WRITER, timeout_ms);
}

int shmchan_channel_send(struct shmchan_channel *ch, const void *data, size_t len, int timeout_ms)
{
	struct shmchan__deadline dl;
	int err;

	if (timeout_ms < -1)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	while ((err = shmchan_channel_write(ch, data, len)) == -EAGAIN) {
		err = wait_on(ch, ROLE_WRITER, &dl);
		if (err)
			return err;
	}
	return err;
}

int shmchan_channel_recv(struct shmchan_channel *ch, void *buf, size_t cap, size_t *len,
			 int timeout_ms)
{
	struct shmchan__deadline dl;
	int err;

	if (timeout_ms < -1)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	while ((err = shmchan_channel_read(ch, buf, cap, len)) == -EAGAIN) {
		err = wait_on(ch, ROLE_READER, &dl);
		if (err)
			return err;
	}
	return err;
}

int shmchan_channel_depth(const struct shmchan_channel *ch)
{
	return (ch && ch->hdr) ? shmchan_ring_depth(&ch->ring) : -EINVAL;
}

int shmchan_channel_capacity(const struct shmchan_channel *ch)
{
	return (ch && ch->hdr) ? shmchan_ring_capacity(&ch->ring) : -EINVAL;
}

int shmchan_channel_config(const struct shmchan_channel *ch, struct shmchan_config *out)
{
	if (!ch || !ch->hdr || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	/* From the handle's validated copy, not from shared memory. */
	out->kind = ch->kind;
	out->slot_size = ch->ring.slot_size;
	out->slot_count = ch->ring.slot_count;
	return 0;
}

int shmchan_channel_close(struct shmchan_channel *ch)
{
	if (!ch)
		return -EINVAL;
	if (!ch->hdr)
		return 0;
	/* A handle inherited across fork belongs to the parent: the child only
	 * unmaps its copy and leaves the parent's registry entry alone. */
	if (ch->self && atomic_load_explicit(&((struct shmchan__peer *)ch->self)->pid,
					     memory_order_relaxed) == (uint32_t)getpid()) {
		if (ch->role == ROLE_WRITER && (ch->ring.busy & SHMCHAN__RING_RESERVED))
			shmchan_channel_cancel(ch);
		peer_drop(ch->self);
	}
	shmchan_segment_close(&ch->seg);
	memset(ch, 0, sizeof(*ch));
	return 0;
}

int shmchan_channel_unlink(const char *name)
{
	return shmchan_segment_unlink(name);
}
