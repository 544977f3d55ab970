/* SPDX-License-Identifier: MIT */
/*
 * Channels in newosp's format: opening, creating, closing, and the channel
 * calls (calls_pvt.h) on them, over the format's ring (osp_slot.c,
 * osp_bytes.c). See newosp.h and newosp_pvt.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calls_pvt.h"
#include "channel_pvt.h"
#include "newosp_pvt.h"
#include "wait_pvt.h"

/* newosp's objects are shm_open names: files of /dev/shm, whatever
 * SHMCHAN_DIR says (newosp does not read it). */
#define OSP_DIR "/dev/shm/"

/* A futex sleep lasts at most this long: a wake lost to a writer that
 * died between its publish and its wake delays a reader by this much. */
#define SLEEP_SLICE_NS 200000000

static const struct shmchan__osp_ops *ops_of(uint32_t format)
{
	switch (format) {
	case SHMCHAN_OSP_SLOT:
		return &shmchan__osp_slot;
	case SHMCHAN_OSP_BYTES:
		return &shmchan__osp_bytes;
	default:
		return NULL;
	}
}

static const struct shmchan__osp_ops *ops(const struct shmchan__handle *ch)
{
	return ops_of(ch->osp.format);
}

/* Check @cfg: its format's table, or NULL (-EINVAL). */
static const struct shmchan__osp_ops *check_cfg(const struct shmchan_osp_config *cfg)
{
	size_t i;

	if (!cfg || cfg->wait > SHMCHAN_WAIT_BACKOFF || (cfg->flags & ~SHMCHAN_OSP_REPLACE))
		return NULL;
	for (i = 0; i < sizeof(cfg->reserved) / sizeof(cfg->reserved[0]); i++)
		if (cfg->reserved[i])
			return NULL;
	if (cfg->format == SHMCHAN_OSP_BYTES && cfg->stuck_ms)
		return NULL;
	return ops_of(cfg->format);
}

/* "/dev/shm/osp_shm_NAME" into @path; the shm_open name into seg->path. */
static int path_of(const char *name, char *path, size_t cap, struct shmchan_segment *seg)
{
	int err = shmchan_name_check(name);

	if (err)
		return err;
	if ((size_t)snprintf(path, cap, OSP_DIR SHMCHAN_OSP_PREFIX "%s", name) >= cap)
		return -ENAMETOOLONG;
	if (seg)
		snprintf(seg->path, sizeof(seg->path), "/" SHMCHAN_OSP_PREFIX "%s", name);
	return 0;
}

int shmchan_osp_size(const struct shmchan_osp_config *cfg, uint64_t *size)
{
	const struct shmchan__osp_ops *o = check_cfg(cfg);

	if (!o || !size)
		return -EINVAL;
	return o->geometry(cfg, size);
}

int shmchan_osp_unlink(const char *name)
{
	char path[sizeof(OSP_DIR SHMCHAN_OSP_PREFIX) + SHMCHAN_NAME_MAX];
	int err = path_of(name, path, sizeof(path), NULL);

	if (err)
		return err;
	return unlink(path) == 0 ? 0 : -errno;
}

/* Map the open object @fd of @size bytes into @ch. */
static int map(struct shmchan__handle *ch, int fd, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	ch->seg.addr = p;
	ch->seg.size = size;
	ch->seg.fd = fd;
	return 0;
}

static void unmap(struct shmchan__handle *ch)
{
	shmchan_segment_close(&ch->seg);
	memset(ch, 0, sizeof(*ch));
	ch->seg.fd = -1;
}

static void prepare(struct shmchan__handle *ch, const struct shmchan_osp_config *cfg, uint32_t role)
{
	memset(ch, 0, sizeof(*ch));
	ch->seg.fd = -1;
	ch->role = role;
	/* The slot ring has no futex word: FUTEX waits as BACKOFF there. */
	ch->wait = cfg->wait;
	ch->osp.format = cfg->format;
	ch->osp.stuck_ms = cfg->stuck_ms;
	ch->osp.owner = (uint32_t)getpid();
}

int shmchan_osp_create(struct shmchan_channel *pub, const char *name,
		       const struct shmchan_osp_config *cfg)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	const struct shmchan__osp_ops *o = check_cfg(cfg);
	char path[sizeof(OSP_DIR SHMCHAN_OSP_PREFIX) + SHMCHAN_NAME_MAX];
	struct shmchan_osp_config expect;
	uint64_t size;
	int fd, err;

	if (!ch || !o || cfg->stuck_ms)
		return -EINVAL;
	err = o->geometry(cfg, &size);
	if (err)
		return err;
	prepare(ch, cfg, SHMCHAN__ROLE_OSP_WRITER);
	err = path_of(name, path, sizeof(path), &ch->seg);
	if (err)
		return err;
	if (cfg->flags & SHMCHAN_OSP_REPLACE)
		unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* Allocated, not only sized: a full /dev/shm is -ENOSPC here, not a
	 * SIGBUS at some later write into the ring. */
	err = -posix_fallocate(fd, 0, (off_t)size);
	if (err)
		goto fail;
	err = map(ch, fd, (size_t)size);
	if (err)
		goto fail;
	o->init(ch, cfg);
	/* Attach as an open would, expecting whatever capacity init laid
	 * out (a byte ring's differs from the one asked for). */
	expect = *cfg;
	expect.capacity = 0;
	err = o->attach(ch, &expect);
	if (err) {
		unlink(path);
		unmap(ch);
		return err;
	}
	ch->hdr = ch->seg.addr;
	return 0;
fail:
	close(fd);
	unlink(path);
	return err;
}

static int open_role(struct shmchan_channel *pub, const char *name,
		     const struct shmchan_osp_config *cfg, uint32_t role)
{
	struct shmchan__handle *ch = shmchan__handle_of(pub);
	const struct shmchan__osp_ops *o = check_cfg(cfg);
	char path[sizeof(OSP_DIR SHMCHAN_OSP_PREFIX) + SHMCHAN_NAME_MAX];
	struct stat st;
	int fd, err;

	if (!ch || !o || (cfg->flags & SHMCHAN_OSP_REPLACE) ||
	    (role == SHMCHAN__ROLE_OSP_WRITER && cfg->stuck_ms))
		return -EINVAL;
	prepare(ch, cfg, role);
	err = path_of(name, path, sizeof(path), &ch->seg);
	if (err)
		return err;
	fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if (st.st_size == 0 || (uint64_t)st.st_size > SHMCHAN_OSP_MAX_SIZE) {
		close(fd);
		return st.st_size == 0 ? SHMCHAN_ETRUNCATED : SHMCHAN_EGEOMETRY;
	}
	err = map(ch, fd, (size_t)st.st_size);
	if (err) {
		close(fd);
		return err;
	}
	err = o->attach(ch, cfg);
	if (err) {
		unmap(ch);
		return err;
	}
	ch->hdr = ch->seg.addr;
	return 0;
}

int shmchan_osp_open_writer(struct shmchan_channel *pub, const char *name,
			    const struct shmchan_osp_config *cfg)
{
	return open_role(pub, name, cfg, SHMCHAN__ROLE_OSP_WRITER);
}

int shmchan_osp_open_reader(struct shmchan_channel *pub, const char *name,
			    const struct shmchan_osp_config *cfg)
{
	return open_role(pub, name, cfg, SHMCHAN__ROLE_OSP_READER);
}

int shmchan_osp_inspect(const char *name, const struct shmchan_osp_config *cfg,
			struct shmchan_osp_info *info)
{
	struct shmchan_channel pub;
	struct shmchan__handle *ch = shmchan__handle_of(&pub);
	uint32_t w, r;
	int err;

	if (!info)
		return -EINVAL;
	/* A reader's attach only reads the object. */
	err = shmchan_osp_open_reader(&pub, name, cfg);
	if (err)
		return err;
	memset(info, 0, sizeof(*info));
	info->format = cfg->format;
	info->size = ch->seg.size;
	info->capacity = (uint32_t)ops(ch)->capacity(ch);
	ops(ch)->positions(ch, &w, &r);
	info->write_pos = w;
	info->read_pos = r;
	info->depth = w - r;
	unmap(ch);
	return 0;
}

int shmchan__osp_close(struct shmchan__handle *ch)
{
	/* A reservation cannot be given back: publish it empty, as cancel;
	 * but only in the process that made it: a handle inherited across
	 * fork belongs to the parent, which may be writing into that slot. */
	if (ch->role == SHMCHAN__ROLE_OSP_WRITER && ch->osp.busy && ops(ch)->cancel &&
	    ch->osp.owner == (uint32_t)getpid())
		ops(ch)->cancel(ch);
	unmap(ch);
	return 0;
}

int shmchan__osp_depth(const struct shmchan__handle *ch)
{
	return ops(ch)->depth ? ops(ch)->depth(ch) : -ENOTSUP;
}

int64_t shmchan__osp_depth_bytes(const struct shmchan__handle *ch)
{
	return ops(ch)->depth_bytes(ch);
}

int shmchan__osp_capacity(const struct shmchan__handle *ch)
{
	return ops(ch)->capacity(ch);
}

/* The calls. Each checks the role (-ENOTSUP for the other side's calls)
 * and the format (-ENOTSUP for what it lacks). */

static int is_writer(const struct shmchan__handle *ch)
{
	return ch->role == SHMCHAN__ROLE_OSP_WRITER;
}

static int osp_write(struct shmchan__handle *ch, const void *data, size_t len)
{
	int err;

	if (!is_writer(ch))
		return -ENOTSUP;
	if (!data && len)
		return -EINVAL;
	err = ops(ch)->write(ch, data, len);
	if (err == 0)
		ch->count++;
	return err;
}

static int osp_reserve(struct shmchan__handle *ch, size_t len, void **data)
{
	if (!is_writer(ch) || !ops(ch)->reserve)
		return -ENOTSUP;
	return data ? ops(ch)->reserve(ch, len, data) : -EINVAL;
}

static int osp_commit(struct shmchan__handle *ch, size_t len)
{
	int err;

	if (!is_writer(ch) || !ops(ch)->commit)
		return -ENOTSUP;
	err = ops(ch)->commit(ch, len);
	if (err == 0)
		ch->count++;
	return err;
}

static int osp_cancel(struct shmchan__handle *ch)
{
	if (!is_writer(ch) || !ops(ch)->cancel)
		return -ENOTSUP;
	return ops(ch)->cancel(ch);
}

static int osp_read(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len)
{
	int err;

	if (is_writer(ch))
		return -ENOTSUP;
	if (!len || (!buf && cap))
		return -EINVAL;
	err = ops(ch)->read(ch, buf, cap, len);
	if (err == 0)
		ch->count++;
	return err;
}

static int osp_peek(struct shmchan__handle *ch, const void **data, size_t *len)
{
	if (is_writer(ch) || !ops(ch)->peek)
		return -ENOTSUP;
	return data && len ? ops(ch)->peek(ch, data, len) : -EINVAL;
}

static int osp_release(struct shmchan__handle *ch, const void *view)
{
	int err;

	if (is_writer(ch) || !ops(ch)->release)
		return -ENOTSUP;
	err = ops(ch)->release(ch, view);
	if (err == 0)
		ch->count++;
	return err;
}

/* A newosp reader holds one message at most (its peek); a byte reader
 * holds none (it has no peek). */
static int osp_held(const struct shmchan__handle *ch)
{
	return is_writer(ch) ? -ENOTSUP : (int)ch->osp.busy;
}

/* Waiting. */

struct want {
	struct shmchan__handle *ch;
	size_t len;
};

static int ready_read(void *ctx, int slow)
{
	struct want *w = ctx;

	(void)slow;
	return ops(w->ch)->readable(w->ch);
}

static int ready_write(void *ctx, int slow)
{
	struct want *w = ctx;

	(void)slow;
	return ops(w->ch)->writable(w->ch, w->len);
}

/* Poll @ready by the handle's strategy (SPIN, or BACKOFF for the others):
 * 0 or -ETIMEDOUT. */
static int poll_wait(struct shmchan__handle *ch, shmchan__ready_fn ready, struct want *w,
		     const struct shmchan__deadline *dl)
{
	struct shmchan__waitcfg cfg = {
		.strategy =
			ch->wait == SHMCHAN_WAIT_SPIN ? SHMCHAN_WAIT_SPIN : SHMCHAN_WAIT_BACKOFF,
		.spin_ns = 0,
	};
	struct shmchan__waitq none = { NULL, NULL, NULL };

	return shmchan__wait(&cfg, &none, NULL, 0, ready, w, dl);
}

/* A byte channel's reader, FUTEX: sleep on head until it moves (the
 * writer wakes it after every message), or the deadline. newosp's writer
 * wakes the shared queue, which shmchan__futex_sleep waits on. */
static int sleep_on_head(struct shmchan__handle *ch, _Atomic uint32_t *word,
			 const struct shmchan__deadline *dl)
{
	for (;;) {
		/* Relaxed: the kernel compares the word itself; a stale
		 * value only makes the sleep return at once. */
		uint32_t v = atomic_load_explicit(word, memory_order_relaxed);

		if (ops(ch)->readable(ch))
			return 0;
		if (shmchan__deadline_left(dl) == 0)
			return -ETIMEDOUT;
		shmchan__futex_sleep(word, v, dl, SLEEP_SLICE_NS);
	}
}

static int wait_readable(struct shmchan__handle *ch, const struct shmchan__deadline *dl)
{
	struct want w = { ch, 0 };
	_Atomic uint32_t *word = ops(ch)->futex ? ops(ch)->futex(ch) : NULL;

	if (word && ch->wait == SHMCHAN_WAIT_FUTEX)
		return sleep_on_head(ch, word, dl);
	return poll_wait(ch, ready_read, &w, dl);
}

static int osp_wait_readable(struct shmchan__handle *ch, int timeout_ms)
{
	struct shmchan__deadline dl;

	if (is_writer(ch))
		return -ENOTSUP;
	if (timeout_ms < -1)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	return wait_readable(ch, &dl);
}

static int osp_wait_writable_len(struct shmchan__handle *ch, size_t len, int timeout_ms)
{
	struct shmchan__deadline dl;
	struct want w = { ch, len };

	if (!is_writer(ch))
		return -ENOTSUP;
	if (timeout_ms < -1)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	return poll_wait(ch, ready_write, &w, &dl);
}

static int osp_wait_writable(struct shmchan__handle *ch, int timeout_ms)
{
	return osp_wait_writable_len(ch, 0, timeout_ms);
}

/* Write (@data) or reserve (@view), waiting up to @timeout_ms for room.
 * Bounded: every round writes, reports an error, or waits until the
 * deadline. */
static int put_wait(struct shmchan__handle *ch, const void *data, size_t len, void **view,
		    int timeout_ms)
{
	struct shmchan__deadline dl;
	struct want w = { ch, len };
	int err;

	if (timeout_ms < -1)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	for (;;) {
		err = view ? osp_reserve(ch, len, view) : osp_write(ch, data, len);
		if (err != -EAGAIN)
			return err;
		err = poll_wait(ch, ready_write, &w, &dl);
		if (err)
			return err;
	}
}

static int osp_send(struct shmchan__handle *ch, const void *data, size_t len, int timeout_ms)
{
	return put_wait(ch, data, len, NULL, timeout_ms);
}

static int osp_reserve_wait(struct shmchan__handle *ch, size_t len, void **data, int timeout_ms)
{
	if (!data)
		return -EINVAL;
	return put_wait(ch, NULL, len, data, timeout_ms);
}

static const struct shmchan__taker osp_taker = {
	.read = osp_read,
	.peek = osp_peek,
	.wait = wait_readable,
};

static int osp_recv(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len, int timeout_ms)
{
	return shmchan__take_wait(ch, &osp_taker, buf, cap, NULL, len, timeout_ms);
}

static int osp_peek_wait(struct shmchan__handle *ch, const void **data, size_t *len, int timeout_ms)
{
	if (!data)
		return -EINVAL;
	return shmchan__take_wait(ch, &osp_taker, NULL, 0, data, len, timeout_ms);
}

/* No registry: nobody to wait for. */
static int osp_wait_for_readers(struct shmchan__handle *ch, unsigned n, int timeout_ms)
{
	(void)ch;
	(void)n;
	(void)timeout_ms;
	return -ENOTSUP;
}

static int osp_wait_for_writer(struct shmchan__handle *ch, int timeout_ms)
{
	(void)ch;
	(void)timeout_ms;
	return -ENOTSUP;
}

const struct shmchan__calls shmchan__osp_calls = {
	.write = osp_write,
	.reserve = osp_reserve,
	.commit = osp_commit,
	.cancel = osp_cancel,
	.read = osp_read,
	.peek = osp_peek,
	.release = osp_release,
	.held = osp_held,
	.wait_readable = osp_wait_readable,
	.wait_writable = osp_wait_writable,
	.wait_writable_len = osp_wait_writable_len,
	.send = osp_send,
	.recv = osp_recv,
	.reserve_wait = osp_reserve_wait,
	.peek_wait = osp_peek_wait,
	.wait_for_readers = osp_wait_for_readers,
	.wait_for_writer = osp_wait_for_writer,
};
