/* SPDX-License-Identifier: MIT */
/*
 * Channel layer, lifecycle: create (exclusively, or replacing), open and
 * validate a named channel, and close. The message calls are in
 * channel_io.c, the registry of peers in registry.c.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "channel_pvt.h"
#include "shmchan/anon.h"
#include "poll_pvt.h"
#include "registry_pvt.h"
#include "kind_pvt.h"
#include "config_pvt.h"
#include "newosp_pvt.h"
#include "wake_pvt.h"
#include "segment_pvt.h"

#define ROLE_WRITER SHMCHAN__ROLE_WRITER
#define ROLE_READER SHMCHAN__ROLE_READER

static struct shmchan__chan_hdr *hdr_of(const struct shmchan__handle *ch)
{
	return shmchan__hdr(ch);
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

/* The handle's wait strategy from @cfg (NULL: defaults), checked by
 * shmchan__config_check already. */
static void set_wait(struct shmchan__handle *ch, const struct shmchan_config *cfg)
{
	uint32_t wait = cfg ? cfg->wait : SHMCHAN_WAIT_FUTEX;
	int32_t us = cfg ? cfg->spin_us : 0;

	if (us == 0)
		us = wait == SHMCHAN_WAIT_FUTEX ? SHMCHAN_DEFAULT_SPIN_US : -1;
	ch->wait = wait;
	ch->spin_ns = us < 0 ? 0 : (uint32_t)us * 1000u;
}

/* The table of the kind a header records, or NULL. */
static const struct shmchan__ring_ops *ring_ops(uint32_t kind)
{
	const struct shmchan__kind *k = shmchan__kind_find(kind);

	return k ? k->ring : NULL;
}

/* The ring's memory size for a header's kind and geometry, 0 if not valid. */
static size_t ring_geometry(uint32_t kind, uint32_t slot_size, uint32_t slot_count)
{
	const struct shmchan__ring_ops *r = ring_ops(kind);

	return r ? r->memsize(slot_size, slot_count) : 0;
}

/* The memory options of @cfg (NULL: none), checked by
 * shmchan__config_check already. */
static void mem_of(const struct shmchan_config *cfg, struct shmchan__mem *m)
{
	m->flags = cfg ? cfg->mem : 0;
	m->node = cfg ? cfg->numa_node : 0;
}

/* Lay out header and ring in a fresh, zero-filled segment; publish last. */
static int layout(struct shmchan__handle *ch, uint32_t kind, const struct shmchan__geom *g)
{
	struct shmchan__chan_hdr *h = ch->seg.addr;
	void *ring = (char *)h + SHMCHAN__HDR_SPACE;
	size_t ring_size = ring_geometry(kind, g->size, g->count);
	int err = ring_ops(kind)->init(ring, ring_size, g);

	if (err)
		return err;
	h->version = SHMCHAN__LAYOUT_VERSION;
	h->hdr_size = (uint32_t)SHMCHAN__HDR_SPACE;
	h->kind = kind;
	h->flags = g->flags;
	/* The file may be larger (rounded up to its page size). */
	h->total_size = SHMCHAN__HDR_SPACE + ring_size;
	h->ring_offset = SHMCHAN__HDR_SPACE;
	h->ring_size = ring_size;
	h->slot_size = g->size;
	h->slot_count = g->count;
	h->nonce = make_nonce();
	/* Relaxed: published by the magic store below. */
	atomic_store_explicit(&h->state, SHMCHAN__STATE_OPEN, memory_order_relaxed);
	return 0;
}

static void publish_magic(struct shmchan__handle *ch)
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
static int attach(struct shmchan__handle *ch, uint32_t kind)
{
	void *ring = (char *)ch->seg.addr + SHMCHAN__HDR_SPACE;

	if (ch->seg.size < SHMCHAN__HDR_SPACE)
		return SHMCHAN_ETRUNCATED;
	int err = ring_ops(kind)->attach(ch, ring, ch->seg.size - SHMCHAN__HDR_SPACE);

	/* The ring mode the kind's writers need (work queues: stepping over
	 * held slots, ring.c); readers never look at it. */
	if (!err)
		ch->ring.busy |= shmchan__kind_of(kind)->writer->ring_mode;
	return err;
}

static void read_id(const struct shmchan__chan_hdr *h, struct shmchan__id *id)
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
static int check_sizes(const struct shmchan__id *id, size_t file_size)
{
	size_t need = ring_geometry(id->kind, id->slot_size, id->slot_count);

	if (id->hdr_size != SHMCHAN__HDR_SPACE || id->ring_offset != SHMCHAN__HDR_SPACE ||
	    need == 0 || id->ring_size != need || id->total_size != id->ring_offset + need)
		return -EBADMSG;
	/* flags: what the kind records there (broadcast: the policy). */
	if (!ring_ops(id->kind)->flags_ok(id->flags))
		return -EBADMSG;
	if (id->total_size > file_size)
		return SHMCHAN_ETRUNCATED;
	return 0;
}

static int check_expect(const struct shmchan__id *id, const struct shmchan_config *expect)
{
	if (!expect)
		return 0;
	if (expect->kind && expect->kind != id->kind)
		return SHMCHAN_EKIND;
	if (expect->policy && expect->policy != id->flags)
		return SHMCHAN_EGEOMETRY;
	return ring_ops(id->kind)->expect(id, expect);
}

/*
 * Validate the header of the channel in @seg, in the order of the documented
 * errors; fill *@id with the checked copy. -ENOTSUP comes last: the header is
 * sound, only its kind is not served by this build.
 */
static int validate(const struct shmchan_segment *seg, const struct shmchan_config *expect,
		    struct shmchan__id *id)
{
	const struct shmchan__chan_hdr *h = seg->addr;
	uint64_t magic;
	int err;

	if (seg->size < sizeof(magic))
		return SHMCHAN_EBADMAGIC;
	/* Acquire: pairs with the release in publish_magic(). */
	magic = atomic_load_explicit(&h->magic, memory_order_acquire);
	if (magic == 0)
		return seg->size >= sizeof(*h) ? -EAGAIN : SHMCHAN_EBADMAGIC;
	if (magic != SHMCHAN__MAGIC)
		return SHMCHAN_EBADMAGIC;
	if (seg->size < sizeof(*h))
		return SHMCHAN_ETRUNCATED;
	read_id(h, id);
	if (id->version != SHMCHAN__LAYOUT_VERSION)
		return SHMCHAN_EVERSION;
	if (!ring_ops(id->kind))
		return -EBADMSG;
	err = check_sizes(id, seg->size);
	if (!err)
		err = check_expect(id, expect);
	return err;
}

int shmchan__validate(const struct shmchan_segment *seg, const struct shmchan_config *expect,
		      struct shmchan__id *id)
{
	struct shmchan__id scratch;

	return validate(seg, expect, id ? id : &scratch);
}

/* A judge with no entry of its own: the open of @seg only looks. */
static struct shmchan__judge seg_judge(const struct shmchan_segment *seg)
{
	struct shmchan__judge j = { seg->fd, seg->addr, NULL };

	return j;
}

static int live_peer(const struct shmchan__peer *p, struct shmchan__judge j)
{
	return shmchan__peer_held(p) && !shmchan__peer_dead(p, j);
}

int shmchan__seg_stale(const struct shmchan_segment *seg, struct shmchan__judge j)
{
	struct shmchan__chan_hdr *h = seg->addr;
	int err = shmchan__validate(seg, NULL, NULL), i;

	if (err && err != -ENOTSUP)
		return err;
	if (live_peer(&h->reader, j))
		return 0;
	for (i = 0; i < SHMCHAN_MAX_WRITERS; i++)
		if (live_peer(&h->writers[i], j))
			return 0;
	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++)
		if (live_peer(&h->subscribers[i], j))
			return 0;
	return 1;
}

void shmchan__mark_replaced(struct shmchan__chan_hdr *h)
{
	_Atomic uint32_t *words[3] = { &h->data_futex, &h->space_futex, &h->peer_futex };
	int i;

	/* seq_cst: the peers read state on their idle paths after their
	 * re-checks; the futex bumps and wakes below end their sleeps. */
	atomic_store_explicit(&h->state, SHMCHAN__STATE_REPLACED, memory_order_seq_cst);
	for (i = 0; i < 3; i++) {
		atomic_fetch_add_explicit(words[i], 1, memory_order_seq_cst);
		syscall(SYS_futex, (void *)words[i], FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	}
	/* Pollers: their next call sees the state (seq_cst, above). */
	shmchan__poll_notify_all(h);
}

/* After replacing @name: tell whoever is attached to the old channel,
 * @old (opened before the rename; closed here). */
static void tell_replaced(struct shmchan_segment *old)
{
	struct shmchan__id id;
	int err;

	if (!old->addr)
		return;
	err = validate(old, NULL, &id);
	if (err == 0 || err == -ENOTSUP)
		shmchan__mark_replaced(old->addr);
	shmchan_segment_close(old);
}

/* create_writer found the name taken: -ESTALE if it is a channel with no
 * live peer, else -EEXIST. */
static int existing_error(const char *name)
{
	struct shmchan_segment old;
	int stale;

	if (shmchan_segment_open(&old, name) != 0)
		return -EEXIST;
	stale = shmchan__seg_stale(&old, seg_judge(&old));
	shmchan_segment_close(&old);
	return stale == 1 ? -ESTALE : -EEXIST;
}

/* The new channel in @ch (under its temporary name) is complete: publish
 * it, rename it over @name, then mark the channel it replaced. */
static int publish_replacing(struct shmchan__handle *ch, const char *name)
{
	struct shmchan_segment old;
	int err;

	publish_magic(ch);
	if (shmchan_segment_open(&old, name) != 0)
		old.addr = NULL;
	err = shmchan__segment_rename(&ch->seg, name);
	if (err) {
		if (old.addr)
			shmchan_segment_close(&old);
		return err;
	}
	tell_replaced(&old);
	return 0;
}

/* How create makes the segment. */
#define CREATE_NAMED 0	 /* exclusively, under @name */
#define CREATE_REPLACE 1 /* under a temporary name, renamed over @name */
#define CREATE_ANON 2	 /* a sealed memfd labelled @name */

static int create(struct shmchan__handle *ch, const char *name, const struct shmchan_config *cfg,
		  int how)
{
	struct shmchan__geom g = { 0, 0, 0 };
	int replace = how == CREATE_REPLACE;
	struct shmchan__mem m;
	uint32_t kind = 0;
	size_t total;
	int err;

	if (!ch)
		return -EINVAL;
	memset(ch, 0, sizeof(*ch));
	/* Every field, with the kind and geometry the header records. */
	err = shmchan__config_check(cfg, SHMCHAN_CHECK_CREATE, &kind, &g, NULL);
	if (err)
		return err;
	set_wait(ch, cfg);
	mem_of(cfg, &m);
	total = SHMCHAN__HDR_SPACE + ring_geometry(kind, g.size, g.count);
	if (total < SHMCHAN__HDR_SPACE)
		return -EINVAL;
	/* A replacement is made under a temporary name and renamed over the
	 * old channel only once it is complete (segment_pvt.h). */
	if (how == CREATE_ANON)
		err = shmchan__segment_create_anon(&ch->seg, name, total, &m);
	else if (replace)
		err = shmchan__segment_create_temp(&ch->seg, name, total, cfg->mode, &m);
	else
		err = shmchan__segment_create(&ch->seg, name, total, cfg->mode, &m);
	if (err == -EEXIST && how == CREATE_NAMED)
		err = existing_error(name);
	if (err)
		return err;
	ch->hdr = ch->seg.addr;
	err = layout(ch, kind, &g);
	if (!err)
		err = attach(ch, kind);
	ch->kind = kind;
	ch->flags = g.flags;
	ch->nonce = hdr_of(ch)->nonce;
	if (!err)
		err = shmchan__join(ch, ROLE_WRITER, 0);
	if (!err && replace)
		err = publish_replacing(ch, name);
	else if (!err)
		publish_magic(ch);
	if (err) {
		if (replace)
			shmchan__segment_unlink_temp(&ch->seg, name);
		else if (how == CREATE_NAMED)
			shmchan_segment_unlink(name);
		shmchan_segment_close(&ch->seg);
		memset(ch, 0, sizeof(*ch));
	}
	return err;
}

int shmchan_channel_create_writer(struct shmchan_channel *pub, const char *name,
				  const struct shmchan_config *cfg)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	return create(ch, name, cfg, CREATE_NAMED);
}

int shmchan_channel_create_or_replace_writer(struct shmchan_channel *pub, const char *name,
					     const struct shmchan_config *cfg)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	return create(ch, name, cfg, CREATE_REPLACE);
}

int shmchan_channel_create_anon(struct shmchan_channel *pub, const char *label,
				const struct shmchan_config *cfg)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	return create(ch, label ? label : "anon", cfg, CREATE_ANON);
}

/* Attach the ring and check that its own header agrees with the channel's. */
static int attach_checked(struct shmchan__handle *ch, const struct shmchan__id *id)
{
	int err = attach(ch, id->kind);

	/* The channel header was fine, so a bad ring header is corruption. */
	if (err == SHMCHAN_EBADMAGIC || err == SHMCHAN_EVERSION || err == SHMCHAN_ETRUNCATED)
		return -EBADMSG;
	if (err)
		return err;
	if (ch->ring.slot_size != id->slot_size || ch->ring.slot_count != id->slot_count)
		return -EBADMSG;
	ch->kind = id->kind;
	ch->flags = id->flags;
	ch->nonce = id->nonce;
	return 0;
}

/* -EPERM if @seg's file belongs to another user and @expect does not
 * accept that (SHMCHAN_OPEN_ANY_OWNER). */
static int check_owner(const struct shmchan_segment *seg, const struct shmchan_config *expect)
{
	struct stat st;

	if (expect && (expect->flags & SHMCHAN_OPEN_ANY_OWNER))
		return 0;
	if (fstat(seg->fd, &st) != 0)
		return -errno;
	return st.st_uid == geteuid() ? 0 : -EPERM;
}

/* Open the channel named @name, or (@name NULL) the anonymous one behind
 * descriptor @fd, in @role. */
static int open_role(struct shmchan__handle *ch, const char *name, int fd,
		     const struct shmchan_config *expect, uint32_t role, unsigned sub_flags)
{
	int observe = (sub_flags & SHMCHAN_SUB_OBSERVE) != 0;
	struct shmchan__mem m;
	struct shmchan__id id;
	int err;

	if (!ch)
		return -EINVAL;
	memset(ch, 0, sizeof(*ch));
	if (!name && fd < 0) /* a NULL name */
		return -EINVAL;
	err = shmchan__config_check(
		expect, role == ROLE_READER ? SHMCHAN_CHECK_READER : SHMCHAN_CHECK_WRITER, NULL,
		NULL, NULL);
	if (err)
		return err;
	set_wait(ch, expect);
	mem_of(expect, &m);
	ch->holds.max = expect && expect->hold ? expect->hold : 1;
	/* An observer maps read-only: that it writes nothing is the kernel's
	 * to enforce, not only ours (observe_pvt.h). */
	if (observe)
		m.flags |= SHMCHAN__MEM_RDONLY;
	err = name ? shmchan__segment_open(&ch->seg, name, &m)
		   : shmchan__segment_open_fd(&ch->seg, fd, &m);
	if (err) {
		memset(ch, 0, sizeof(*ch));
		return err;
	}
	ch->hdr = ch->seg.addr;
	/* A descriptor was handed over on purpose: whoever holds it may use
	 * it, whoever made it (the rendezvous checks the peer's user). */
	err = name ? check_owner(&ch->seg, expect) : 0;
	if (!err)
		err = validate(&ch->seg, expect, &id);
	if (!err)
		err = attach_checked(ch, &id);
	/* Several messages held at once: the kinds that allow it (kind_pvt.h). */
	if (!err && ch->holds.max > 1 && !shmchan__kind_of(ch->kind)->reader->holds_many)
		err = -EINVAL;
	/* A reader joins as its kind says: where it starts, what it takes
	 * over (kind_pvt.h); a subscribe of a kind without is SHMCHAN_EKIND. */
	if (!err && observe) {
		const struct shmchan__reader_ops *r = shmchan__kind_of(ch->kind)->reader;

		err = r->observe ? r->observe(ch, sub_flags) : SHMCHAN_EKIND;
		ch->role = SHMCHAN__ROLE_OBSERVER;
	} else if (!err && role == ROLE_READER) {
		err = shmchan__kind_of(ch->kind)->reader->join(ch, sub_flags);
	} else if (!err) {
		err = shmchan__join(ch, role, 0);
	}
	/* Writers in wait_for_reader(s), readers in wait_for_writer: this
	 * join's generation bump is what they wait for (a system call only
	 * if someone sleeps). An observer joined nothing. */
	if (!err && !observe)
		shmchan__wake_peers(ch);
	if (err) {
		shmchan_segment_close(&ch->seg);
		memset(ch, 0, sizeof(*ch));
		return err;
	}
	return 0;
}

int shmchan_channel_open_writer(struct shmchan_channel *pub, const char *name,
				const struct shmchan_config *expect)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	return open_role(ch, name, -1, expect, ROLE_WRITER, 0);
}

int shmchan_channel_open_reader(struct shmchan_channel *pub, const char *name,
				const struct shmchan_config *expect)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	return open_role(ch, name, -1, expect, ROLE_READER, 0);
}

/* The fd opens check @fd here, so that a NULL name never reaches open_role
 * with a bad descriptor. */
int shmchan_channel_open_writer_fd(struct shmchan_channel *pub, int fd,
				   const struct shmchan_config *expect)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	if (ch && fd < 0) {
		memset(ch, 0, sizeof(*ch));
		return -EBADF;
	}
	return open_role(ch, NULL, fd, expect, ROLE_WRITER, 0);
}

int shmchan_channel_open_reader_fd(struct shmchan_channel *pub, int fd,
				   const struct shmchan_config *expect)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	if (ch && fd < 0) {
		memset(ch, 0, sizeof(*ch));
		return -EBADF;
	}
	return open_role(ch, NULL, fd, expect, ROLE_READER, 0);
}

static int subscribe(struct shmchan__handle *ch, const char *name, int fd,
		     const struct shmchan_config *expect, unsigned flags)
{
	if (ch && (flags & ~(SHMCHAN_SUB_OLDEST | SHMCHAN_SUB_OBSERVE))) {
		memset(ch, 0, sizeof(*ch));
		return -EINVAL;
	}
	/* SHMCHAN__SUB_ANY marks the call as a subscribe (kind checked). */
	return open_role(ch, name, fd, expect, ROLE_READER, flags | SHMCHAN__SUB_ANY);
}

int shmchan_channel_subscribe(struct shmchan_channel *pub, const char *name,
			      const struct shmchan_config *expect, unsigned flags)
{
	return subscribe(shmchan__handle_of(pub), name, -1, expect, flags);
}

int shmchan_channel_subscribe_fd(struct shmchan_channel *pub, int fd,
				 const struct shmchan_config *expect, unsigned flags)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	if (ch && fd < 0) {
		memset(ch, 0, sizeof(*ch));
		return -EBADF;
	}
	return subscribe(ch, NULL, fd, expect, flags);
}

int shmchan_channel_share_fd(const struct shmchan_channel *pub, int flags)
{
	const struct shmchan__handle *ch = shmchan__chandle_of(pub);
	if (!ch || !ch->hdr || (flags & ~O_CLOEXEC))
		return -EINVAL;
	/* A new open file description, so that no process that gets it
	 * shares this handle's liveness locks (live_pvt.h). */
	return shmchan__fd_reopen(ch->seg.fd, flags, 0);
}

int shmchan_channel_memory(const struct shmchan_channel *pub, struct shmchan_memory *out)
{
	const struct shmchan__handle *ch = shmchan__chandle_of(pub);
	if (!ch || !ch->hdr)
		return -EINVAL;
	return shmchan_segment_memory(&ch->seg, out);
}

int shmchan_channel_config(const struct shmchan_channel *pub, struct shmchan_config *out)
{
	const struct shmchan__handle *ch = shmchan__chandle_of(pub);
	if (!ch || !ch->hdr || !out)
		return -EINVAL;
	/* newosp's format keeps no shmchan geometry (newosp.h). */
	if (shmchan__foreign(ch))
		return -ENOTSUP;
	memset(out, 0, sizeof(*out));
	/* From the handle's validated copy, not from shared memory. */
	out->kind = ch->kind;
	shmchan__kind_of(ch->kind)->ring->config(ch, out);
	return 0;
}

int shmchan_channel_close(struct shmchan_channel *pub)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	int owned;

	if (!ch)
		return -EINVAL;
	if (!ch->hdr)
		return 0;
	if (shmchan__foreign(ch))
		return shmchan__osp_close(ch);
	/* A handle inherited across fork belongs to the parent: the child only
	 * unmaps its copy and leaves the parent's registry entry alone. */
	owned = ch->self &&
		SHMCHAN__OWN_PID(atomic_load_explicit(&((struct shmchan__peer *)ch->self)->owner,
						      memory_order_relaxed)) == (uint32_t)getpid();
	/* Its descriptors: closed in every process, its poller entry cleared
	 * only by the handle's owner. */
	shmchan__poll_close(ch, owned);
	if (owned) {
		if (ch->role == ROLE_WRITER && (ch->ring.busy & SHMCHAN__RING_RESERVED))
			shmchan_channel_cancel(pub);
		shmchan__leave(ch);
		/* The last writer gone means end of stream: wake the reader.
		 * A subscriber gone may open the gate of writers waiting for
		 * space (broadcast BLOCK). */
		if (ch->role == ROLE_WRITER)
			shmchan__wake_readers(ch);
		else if (shmchan__kind_of(ch->kind)->reader->leave_wakes_writers)
			shmchan__wake_writers(ch);
	}
	shmchan_segment_close(&ch->seg);
	memset(ch, 0, sizeof(*ch));
	return 0;
}

int shmchan_channel_unlink(const char *name)
{
	struct shmchan_segment seg;
	struct shmchan__id id;

	/* Pollers that went without closing leave their sockets' names:
	 * remove them with the channel (live pollers keep theirs). */
	if (shmchan_segment_open(&seg, name) == 0) {
		if (validate(&seg, NULL, &id) == 0)
			shmchan__poll_sweep(seg.addr, id.nonce);
		shmchan_segment_close(&seg);
	}
	return shmchan_segment_unlink(name);
}
