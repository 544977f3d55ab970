/* SPDX-License-Identifier: MIT */
/*
 * Channel layer, messages: write and read (copy and zero copy), the waits,
 * and the reader's recovery on its idle path: abandoned slots of dead
 * producers, end of stream, and replaced channels.
 *
 * Nothing here runs a system call or a shared read-modify-write per message:
 * the counters are the handle's own, stored (relaxed) into its registry line,
 * and every liveness check sits on a path where the reader found nothing to
 * read, rate-limited in time.
 */
#include "calls_pvt.h"
#include "channel_io_pvt.h"
#include "channel_pvt.h"
#include "registry_pvt.h"
#include "kind_pvt.h"
#include "newosp_pvt.h"
#include "poll_pvt.h"
#include "stall_pvt.h"
#include "wake_pvt.h"

#define ROLE_WRITER SHMCHAN__ROLE_WRITER
#define ROLE_READER SHMCHAN__ROLE_READER

/* While the ring is empty, look whether writers are attached this often
 * (reading their owner words); their liveness is checked every
 * SHMCHAN__REAP_EVERY_NS. */
#define SCAN_EVERY_NS 1000000
/* The reader samples the depth once per this many reads. */
#define DEPTH_SAMPLE 16

static struct shmchan__peer *self_of(const struct shmchan__handle *ch)
{
	return (struct shmchan__peer *)ch->self;
}

/* The operations of the handle's kind (kind_pvt.h). */
static const struct shmchan__ring_ops *kops(const struct shmchan__handle *ch)
{
	return shmchan__kind_of(ch->kind)->ring;
}

static const struct shmchan__writer_ops *wops(const struct shmchan__handle *ch)
{
	return shmchan__kind_of(ch->kind)->writer;
}

static const struct shmchan__reader_ops *rops(const struct shmchan__handle *ch)
{
	return shmchan__kind_of(ch->kind)->reader;
}

static int k_take(struct shmchan__handle *ch, void *buf, size_t cap, const void **view, size_t *len)
{
	return view ? rops(ch)->peek(ch, view, len) : rops(ch)->pop(ch, buf, cap, len);
}

/* Returns 0 if @ch is open in @role, else -EINVAL (closed) or -ENOTSUP. */
static int check_role(const struct shmchan__handle *ch, uint32_t role)
{
	if (!ch || !ch->hdr)
		return -EINVAL;
	return ch->role == role ? 0 : -ENOTSUP;
}

/* Writer: its claim was stepped over and given back (-ECANCELED): writers
 * may use the slot, and a record reader waits at the record given back. */
static void wake_given_back(struct shmchan__handle *ch)
{
	shmchan__wake_writers(ch);
	shmchan__wake_readers(ch);
}

/* Writer: a message (or a cancelled slot) was published: wake readers;
 * broadcast: also writers waiting for this slot a lap later. */
static void wake_published(struct shmchan__handle *ch)
{
	shmchan__wake_readers(ch);
	if (wops(ch)->publish_wakes_writers)
		shmchan__wake_writers(ch);
}

/* Reader: its progress (kind_pvt.h), to tell whether a call freed room. */
static uint32_t progress(const struct shmchan__handle *ch)
{
	return rops(ch)->progress(ch);
}

/* Reader: wake writers if the call freed room (progress moved past @before). */
static void wake_writers(struct shmchan__handle *ch, uint32_t before)
{
	if (progress(ch) != before)
		shmchan__wake_writers(ch);
}

/* Counters: the handle counts, its registry line shows (relaxed: statistics
 * read as a snapshot by the inspector; only this handle writes the line). */
static void note_written(struct shmchan__handle *ch)
{
	atomic_store_explicit(&self_of(ch)->messages, ++ch->count, memory_order_relaxed);
}

static void note_full(struct shmchan__handle *ch)
{
	struct shmchan__peer *p = self_of(ch);

	atomic_store_explicit(&p->events, ++ch->events, memory_order_relaxed);
	int d = shmchan__depth(ch);

	if (d > 0 && (uint64_t)d > ch->max_depth) {
		ch->max_depth = (uint64_t)d;
		atomic_store_explicit(&p->max_depth, ch->max_depth, memory_order_relaxed);
	}
}

static void note_read(struct shmchan__handle *ch)
{
	struct shmchan__peer *p = self_of(ch);
	int d;

	atomic_store_explicit(&p->messages, ++ch->count, memory_order_relaxed);
	/* Slot rings: sample the depth (two loads); other kinds take their
	 * highest depth when writers find the ring full (kind_pvt.h). */
	if (!rops(ch)->samples_depth || ++ch->sample < DEPTH_SAMPLE)
		return;
	ch->sample = 0;
	d = shmchan__depth(ch) + 1; /* + the message just read */
	if ((uint64_t)d > ch->max_depth) {
		ch->max_depth = (uint64_t)d;
		atomic_store_explicit(&p->max_depth, ch->max_depth, memory_order_relaxed);
	}
}

/* Writer: -ESTALE once the channel was replaced. Relaxed: a write that races
 * with the replacement lands in the old ring, which its reader may drain. */
static int writer_state(const struct shmchan__handle *ch)
{
	uint32_t st = atomic_load_explicit(&shmchan__hdr(ch)->state, memory_order_relaxed);

	return st == SHMCHAN__STATE_REPLACED ? -ESTALE : 0;
}

/* What a writer waits for: room for @len bytes. */
struct writer_wait {
	struct shmchan__handle *ch;
	size_t len;
};

int shmchan__io_held(const struct shmchan__handle *ch)
{
	return ch->role == ROLE_READER || ch->role == SHMCHAN__ROLE_OBSERVER ? (int)ch->holds.n
									     : -ENOTSUP;
}

static int readable_cb(void *ctx, int slow);
static int writable_cb(void *ctx, int slow);

/*
 * A call on a pollable handle found nothing to do: arm its descriptor
 * (poll.c) with the re-check of a waiter, the reader's (@ww NULL) or the
 * writer's. Returns 1 if that re-check found the channel ready after all:
 * the caller tries once more, and calls shmchan__poll_fire() if that finds
 * nothing either, so the descriptor says "ready" whenever a call might not
 * return -EAGAIN.
 */
static int poll_arm(struct shmchan__handle *ch, struct writer_wait *ww)
{
	if (!shmchan__polling(ch))
		return 0;
	return shmchan__poll_arm(ch, ww ? writable_cb : readable_cb, ww ? (void *)ww : ch) == 1;
}

int shmchan__io_poll_arm(struct shmchan__handle *ch)
{
	struct writer_wait ww = { ch, 0 };

	return poll_arm(ch, ch->role == ROLE_WRITER ? &ww : NULL);
}

static int write_once(struct shmchan__handle *ch, const void *data, size_t len)
{
	int err = check_role(ch, ROLE_WRITER);

	if (!err)
		err = writer_state(ch);
	if (!err)
		err = wops(ch)->push(ch, data, len);
	if (!err) {
		note_written(ch);
		wake_published(ch);
	} else if (err == -ECANCELED) {
		wake_given_back(ch);
	} else if (err == -EAGAIN) {
		note_full(ch);
	}
	return err;
}

int shmchan__io_write(struct shmchan__handle *ch, const void *data, size_t len)
{
	struct writer_wait ww = { ch, len };
	int err = write_once(ch, data, len);

	if (err == -EAGAIN && poll_arm(ch, &ww) && (err = write_once(ch, data, len)) == -EAGAIN)
		shmchan__poll_fire(ch);
	return err;
}

static int reserve_once(struct shmchan__handle *ch, size_t len, void **data)
{
	int err = check_role(ch, ROLE_WRITER);

	if (!err)
		err = writer_state(ch);
	if (!err)
		err = wops(ch)->reserve(ch, len, data);
	if (err == -EAGAIN)
		note_full(ch);
	return err;
}

int shmchan__io_reserve(struct shmchan__handle *ch, size_t len, void **data)
{
	struct writer_wait ww = { ch, len };
	int err = reserve_once(ch, len, data);

	if (err == -EAGAIN && poll_arm(ch, &ww) && (err = reserve_once(ch, len, data)) == -EAGAIN)
		shmchan__poll_fire(ch);
	return err;
}

int shmchan__io_commit(struct shmchan__handle *ch, size_t len)
{
	int err = check_role(ch, ROLE_WRITER);

	if (!err)
		err = wops(ch)->commit(ch, len);
	if (!err) {
		note_written(ch);
		wake_published(ch);
	} else if (err == -ECANCELED) {
		wake_given_back(ch);
	}
	return err;
}

int shmchan__io_cancel(struct shmchan__handle *ch)
{
	int err = check_role(ch, ROLE_WRITER);

	if (!err)
		err = wops(ch)->cancel(ch);
	/* The reader may wait on this very slot; and if it was stepped over,
	 * cancelling gave it back to the writers. */
	if (!err)
		wake_given_back(ch);
	return err;
}

/*
 * Reader: the slot at head @pos is claimed and not committed (@stepped 0),
 * or holds a claim of position @pos, a lap back, that was stepped over and
 * not given back (@stepped 1). The stall detector (stall.c) tells when to
 * act. A live claimant is waited for. A dead one's claim is stepped over
 * (ring.c S1; the claimant's commit would fail) and its slot given back (S2)
 * and counted. So is a claim no registry entry names, after a while.
 * Returns 0 if something changed (read again), else -EAGAIN.
 */
static int check_abandoned(struct shmchan__handle *ch, uint32_t pos, int stepped)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	uint32_t extent = 1;
	enum shmchan__stall st = shmchan__stall_check(ch, pos, &extent);
	int live = st == SHMCHAN__STALL_LIVE;

	if (st == SHMCHAN__STALL_WAIT ||
	    (live && (stepped || !(ch->hooks & SHMCHAN__HOOK_STEP_LIVE))))
		return -EAGAIN;
	/* An orphan record claim (no registry entry covers it) is skipped by
	 * the stride its header recorded; with none recorded, wait. */
	if (st == SHMCHAN__STALL_ORPHAN && !rops(ch)->orphan_extent(ch, pos, &extent))
		return -EAGAIN;
	shmchan__stall_clear(ch);
	/* Committed after all: read it. (A record stepped over already, its
	 * producer alive: wait for its give-back, -EBUSY.) */
	if (!stepped) {
		int err = rops(ch)->skip(ch, pos, extent, live);

		if (err)
			return err == -EBUSY ? -EAGAIN : 0;
	}
	if (!live) {
		rops(ch)->reclaim(ch, pos);
		shmchan__clear_claims(h, pos, shmchan__judge_of(ch));
		/* Account for the dead producer now. */
		shmchan__writers_held(h, shmchan__judge_of(ch), 1);
	}
	if (!stepped)
		atomic_store_explicit(&self_of(ch)->events, ++ch->events, memory_order_relaxed);
	shmchan__wake_writers(ch);
	return 0;
}

/* Nothing to read: empty, or a stepped-over slot not given back yet. */
static int ring_empty(struct shmchan__handle *ch)
{
	uint32_t pos;
	int st = rops(ch)->head(ch, &pos);

	return st == SHMCHAN__HEAD_EMPTY || st == SHMCHAN__HEAD_STEPPED;
}

/*
 * Reader: called when a read found nothing. Returns 0 if something changed
 * (read again), -EAGAIN (nothing to do but wait), -EPIPE (empty, and no
 * writer is attached: end of stream), or -ESTALE (empty, and the channel was
 * replaced). The writers count and the state are loaded seq_cst after the
 * ring was seen empty, and the ring is looked at again after them: a writer
 * commits before it leaves, so its last message is never mistaken for none.
 */
static int reader_idle(struct shmchan__handle *ch, int timed)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	uint32_t pos;
	int64_t now;
	uint32_t gen;
	int deep, st = rops(ch)->head(ch, &pos);

	if (st == SHMCHAN__HEAD_READY)
		return 0;
	if (st == SHMCHAN__HEAD_PENDING)
		return timed ? check_abandoned(ch, pos, 0) : -EAGAIN;
	if (st == SHMCHAN__HEAD_STEPPED && timed && check_abandoned(ch, pos, 1) == 0)
		return 0;
	if (st != SHMCHAN__HEAD_STEPPED)
		shmchan__stall_clear(ch);
	if (atomic_load_explicit(&h->state, memory_order_seq_cst) == SHMCHAN__STATE_REPLACED)
		return ring_empty(ch) ? -ESTALE : 0;
	/* Look at the writer entries again when one joined or went (the
	 * generation moved), and anyway every SCAN_EVERY_NS, checking their
	 * liveness every SHMCHAN__REAP_EVERY_NS (and looking for messages
	 * held by dead readers, to deliver them again: work queues). */
	gen = atomic_load_explicit(&h->registry_gen, memory_order_seq_cst);
	now = timed ? shmchan__now_ns() : 0;
	if (gen != ch->seen_gen || (timed && now >= ch->next_scan_ns)) {
		ch->seen_gen = gen;
		ch->next_scan_ns = now + SCAN_EVERY_NS;
		deep = timed && now >= ch->next_deep_ns;
		if (deep)
			ch->next_deep_ns = now + SHMCHAN__REAP_EVERY_NS;
		ch->writers_seen = shmchan__writers_held(h, shmchan__judge_of(ch), deep);
		if (deep && rops(ch)->adopt && rops(ch)->adopt(ch) == 1)
			return 0;
	}
	if (ch->writers_seen == 0) {
		/* A message held by a dead or closed reader is still to be
		 * delivered before the stream ends. */
		int a = rops(ch)->adopt ? rops(ch)->adopt(ch) : 0;

		if (a)
			return a == 1 ? 0 : -EAGAIN;
		return ring_empty(ch) ? -EPIPE : 0;
	}
	return -EAGAIN;
}

/*
 * Reader: pop (@view NULL) or peek, going through the idle path whenever the
 * ring has nothing, until a message, an error, or nothing more to do
 * (-EAGAIN). Bounded: each retry follows a slot skipped or committed.
 */
static int reader_take(struct shmchan__handle *ch, void *buf, size_t cap, const void **view,
		       size_t *len)
{
	uint32_t tries;
	int err = -EAGAIN;

	for (tries = 0; tries <= ch->ring.slot_count; tries++) {
		uint32_t before = progress(ch);

		err = k_take(ch, buf, cap, view, len);
		wake_writers(ch, before);
		if (err != -EAGAIN)
			return err;
		err = reader_idle(ch, 1);
		if (err != 0)
			return err;
		err = -EAGAIN;
	}
	return err;
}

/* Reader: take (pop or peek), arming a pollable handle's descriptor when
 * there is nothing (see poll_arm). */
static int reader_take_polled(struct shmchan__handle *ch, void *buf, size_t cap, const void **view,
			      size_t *len)
{
	int err = reader_take(ch, buf, cap, view, len);

	if (err == -EAGAIN && poll_arm(ch, NULL) &&
	    (err = reader_take(ch, buf, cap, view, len)) == -EAGAIN)
		shmchan__poll_fire(ch);
	return err;
}

int shmchan__io_read(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len)
{
	int err = check_role(ch, ROLE_READER);

	if (!err && !len)
		err = -EINVAL;
	if (!err)
		err = reader_take_polled(ch, buf, cap, NULL, len);
	if (!err)
		note_read(ch);
	return err;
}

int shmchan__io_peek(struct shmchan__handle *ch, const void **data, size_t *len)
{
	int err = check_role(ch, ROLE_READER);

	if (!err && !data)
		err = -EINVAL;
	return err ? err : reader_take_polled(ch, NULL, 0, data, len);
}

int shmchan__io_release(struct shmchan__handle *ch, const void *view)
{
	int err = check_role(ch, ROLE_READER);
	uint32_t before;

	if (err)
		return err;
	before = progress(ch);
	err = rops(ch)->release(ch, view);
	wake_writers(ch, before);
	if (!err)
		note_read(ch);
	return err;
}

static int readable_cb(void *ctx, int slow)
{
	struct shmchan__handle *ch = ctx;
	uint32_t before = progress(ch);
	int err, r = rops(ch)->readable(ch);

	/* Stepping over discarded or padding records frees space: writers
	 * asleep for it must hear of it now, not when this wait ends. */
	wake_writers(ch, before);
	if (r == 1)
		return 1;
	/* While spinning, poll the ring alone and run the idle path (end of
	 * stream, replacement, dead producers: all rate-limited anyway) only
	 * every 64th time, so that the poll loop reads no line but the slot's:
	 * loading the producers' tail here would take it from under them. */
	if (!slow && (++ch->idle_polls & 63) != 0)
		return 0;
	err = reader_idle(ch, 1);
	if (err == -EAGAIN)
		return shmchan__stall_watching(ch) ? SHMCHAN__READY_SOON : 0;
	return 1; /* something changed, or end of stream, or replaced */
}

static int writable_cb(void *ctx, int slow)
{
	struct writer_wait *ww = ctx;
	int w = wops(ww->ch)->writable(ww->ch, ww->len, slow);

	if (w == 1 || writer_state(ww->ch) != 0)
		return 1;
	return w == SHMCHAN__READY_SOON ? SHMCHAN__READY_SOON : 0;
}

static struct shmchan__waitcfg waitcfg(const struct shmchan__handle *ch)
{
	struct shmchan__waitcfg cfg = { ch->wait, ch->spin_ns };

	return cfg;
}

int shmchan__io_ready(struct shmchan__handle *ch)
{
	struct writer_wait ww = { ch, 0 };

	return ch->role == ROLE_WRITER ? writable_cb(&ww, 1) : readable_cb(ch, 1);
}

struct shmchan__waitq shmchan__io_sleep_queue(struct shmchan__handle *ch, uint64_t *sleep_bit)
{
	int w = ch->role == ROLE_WRITER;

	*sleep_bit = w ? SHMCHAN__OWN_SLEEP_SPACE : SHMCHAN__OWN_SLEEP_DATA;
	return shmchan__queue_of(ch, w ? SHMCHAN__QUEUE_SPACE : SHMCHAN__QUEUE_DATA);
}

/* Reader: wait until readable (0), end of stream, replaced, or timeout. */
static int wait_reader(struct shmchan__handle *ch, const struct shmchan__deadline *dl)
{
	struct shmchan__waitcfg cfg = waitcfg(ch);
	struct shmchan__waitq q = shmchan__queue_of(ch, SHMCHAN__QUEUE_DATA);

	for (;;) {
		uint32_t before = progress(ch);
		int err = shmchan__wait(&cfg, &q, &self_of(ch)->owner, SHMCHAN__OWN_SLEEP_DATA,
					readable_cb, ch, dl);

		wake_writers(ch, before); /* readable() may step over slots */
		if (err)
			return err;
		if (rops(ch)->readable(ch) == 1)
			return 0;
		err = reader_idle(ch, 1);
		if (err == -EPIPE || err == -ESTALE)
			return err;
	}
}

/* Writer: wait until a message of @len bytes finds room, or replaced. */
static int wait_writer(struct shmchan__handle *ch, size_t len, const struct shmchan__deadline *dl)
{
	struct shmchan__waitcfg cfg = waitcfg(ch);
	struct shmchan__waitq q = shmchan__queue_of(ch, SHMCHAN__QUEUE_SPACE);
	struct writer_wait ww = { ch, len };
	int err = shmchan__wait(&cfg, &q, &self_of(ch)->owner, SHMCHAN__OWN_SLEEP_SPACE,
				writable_cb, &ww, dl);

	return err ? err : writer_state(ch);
}

static int wait_role(struct shmchan__handle *ch, uint32_t role, size_t len, int timeout_ms)
{
	struct shmchan__deadline dl;
	int err = check_role(ch, role);

	if (err)
		return err;
	if (timeout_ms < -1)
		return -EINVAL;
	if (len > ch->ring.slot_size)
		return -EMSGSIZE;
	shmchan__deadline_init(&dl, timeout_ms);
	err = role == ROLE_READER ? wait_reader(ch, &dl) : wait_writer(ch, len, &dl);
	if (err == -ETIMEDOUT) {
		/* Nothing yet: a pollable handle's descriptor waits on. */
		struct writer_wait ww = { ch, len };

		if (poll_arm(ch, role == ROLE_READER ? NULL : &ww))
			err = 0;
	}
	return err;
}

int shmchan__io_wait_readable(struct shmchan__handle *ch, int timeout_ms)
{
	return wait_role(ch, ROLE_READER, 0, timeout_ms);
}

int shmchan__io_wait_writable(struct shmchan__handle *ch, int timeout_ms)
{
	return wait_role(ch, ROLE_WRITER, 0, timeout_ms);
}

int shmchan__io_wait_writable_len(struct shmchan__handle *ch, size_t len, int timeout_ms)
{
	return wait_role(ch, ROLE_WRITER, len, timeout_ms);
}

int shmchan__io_send(struct shmchan__handle *ch, const void *data, size_t len, int timeout_ms)
{
	struct shmchan__deadline dl;
	int err;

	if (timeout_ms < -1)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	while ((err = shmchan__io_write(ch, data, len)) == -EAGAIN) {
		err = wait_writer(ch, len, &dl);
		if (err)
			return err;
	}
	return err;
}

int shmchan__io_recv(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len, int timeout_ms)
{
	struct shmchan__deadline dl;
	int err;

	if (timeout_ms < -1)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	while ((err = shmchan__io_read(ch, buf, cap, len)) == -EAGAIN) {
		err = wait_reader(ch, &dl);
		if (err)
			return err;
	}
	return err;
}

int shmchan__io_reserve_wait(struct shmchan__handle *ch, size_t len, void **data, int timeout_ms)
{
	struct shmchan__deadline dl;
	int err;

	if (timeout_ms < -1)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	while ((err = shmchan__io_reserve(ch, len, data)) == -EAGAIN) {
		err = wait_writer(ch, len, &dl);
		if (err)
			return err;
	}
	return err;
}

int shmchan__io_peek_wait(struct shmchan__handle *ch, const void **data, size_t *len,
			  int timeout_ms)
{
	struct shmchan__deadline dl;
	int err;

	if (timeout_ms < -1)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	while ((err = shmchan__io_peek(ch, data, len)) == -EAGAIN) {
		err = wait_reader(ch, &dl);
		if (err)
			return err;
	}
	return err;
}

struct reader_wait {
	struct shmchan__handle *ch;
	uint64_t dead; /* owner value of a holder already found dead */
	uint32_t n;    /* many readers: how many to wait for */
};

static int reader_present_cb(void *ctx, int slow)
{
	struct reader_wait *rw = ctx;
	struct shmchan__chan_hdr *h = shmchan__hdr(rw->ch);
	uint64_t o;

	(void)slow;
	if (writer_state(rw->ch) != 0)
		return 1;
	/* Broadcast, work queue: any subscriber or reader held and alive
	 * (liveness needs system calls: checked on the slow path only). */
	if (rops(rw->ch)->many)
		return shmchan__subs_live(h, shmchan__judge_of(rw->ch), slow) >= rw->n;
	/* seq_cst: the re-check half of the sleep protocol (wait.c). */
	o = atomic_load_explicit(&h->reader.owner, memory_order_seq_cst);
	return SHMCHAN__OWN_PID(o) != 0 && !(o & SHMCHAN__OWN_DEAD) && o != rw->dead;
}

int shmchan__io_wait_for_readers(struct shmchan__handle *ch, unsigned n, int timeout_ms)
{
	struct reader_wait rw = { ch, 0, n };
	struct shmchan__deadline dl;
	struct shmchan__waitcfg cfg;
	struct shmchan__waitq q;
	int err = check_role(ch, ROLE_WRITER);

	if (err)
		return err;
	if (timeout_ms < -1 || n > (rops(ch)->many ? SHMCHAN_MAX_SUBSCRIBERS : 1u))
		return -EINVAL;
	if (n == 0)
		return 0;
	shmchan__deadline_init(&dl, timeout_ms);
	cfg = waitcfg(ch);
	q = shmchan__queue_of(ch, SHMCHAN__QUEUE_PEER);
	for (;;) {
		struct shmchan__peer *r = &shmchan__hdr(ch)->reader;

		uint64_t o;

		err = shmchan__wait(&cfg, &q, &self_of(ch)->owner, SHMCHAN__OWN_SLEEP_PEER,
				    reader_present_cb, &rw, &dl);
		if (err)
			return err;
		err = writer_state(ch);
		if (err)
			return err;
		if (rops(ch)->many) {
			/* Judged by their lock bytes; dead ones found are
			 * accounted for, so that the next wait does not count
			 * them again at once. */
			if (shmchan__subs_live(shmchan__hdr(ch), shmchan__judge_of(ch), 1) < n) {
				shmchan__subs_held(shmchan__hdr(ch), shmchan__judge_of(ch), 1);
				continue;
			}
			if (wops(ch)->reader_seen)
				wops(ch)->reader_seen(ch);
			return 0;
		}
		o = atomic_load_explicit(&r->owner, memory_order_acquire);
		if (!shmchan__peer_dead(r, shmchan__judge_of(ch)))
			return 0;
		rw.dead = o;
	}
}

/* Reader: whether a read would find something now; writers are woken if
 * looking stepped over discarded records. */
static int readable_now(struct shmchan__handle *ch)
{
	uint32_t before = progress(ch);
	int r = rops(ch)->readable(ch);

	wake_writers(ch, before);
	return r == 1;
}

struct writer_wait_gen {
	struct shmchan__handle *ch;
	uint32_t gen;	   /* registry generation when the writers were counted */
	uint32_t replaced; /* the channel was seen replaced already then */
};

/*
 * Something to look at: a peer joined or went (the generation moved), or
 * the channel was replaced. seq_cst: the re-check half of the sleep
 * protocol (wait.c W3); a joiner's generation bump is its K1. A claim stuck
 * at head (a dead writer's, with committed messages behind it) is left to
 * the idle path, which resolves it in time: looked at again soon.
 */
static int writer_back_cb(void *ctx, int slow)
{
	struct writer_wait_gen *wg = ctx;
	struct shmchan__chan_hdr *h = shmchan__hdr(wg->ch);

	if ((!wg->replaced &&
	     atomic_load_explicit(&h->state, memory_order_seq_cst) == SHMCHAN__STATE_REPLACED) ||
	    atomic_load_explicit(&h->registry_gen, memory_order_seq_cst) != wg->gen)
		return 1;
	if (!shmchan__stall_watching(wg->ch))
		return 0;
	if (slow && reader_idle(wg->ch, 1) != -EAGAIN)
		return 1;
	return SHMCHAN__READY_SOON;
}

int shmchan__io_wait_for_writer(struct shmchan__handle *ch, int timeout_ms)
{
	struct writer_wait_gen wg = { ch, 0, 0 };
	struct shmchan__deadline dl;
	struct shmchan__waitcfg cfg;
	struct shmchan__waitq q;
	int err = check_role(ch, ROLE_READER);

	if (err)
		return err;
	if (timeout_ms < -1)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	cfg = waitcfg(ch);
	q = shmchan__queue_of(ch, SHMCHAN__QUEUE_PEER);
	for (;;) {
		struct shmchan__chan_hdr *h = shmchan__hdr(ch);

		/* The generation first: a writer that joins after this load
		 * moves it (its bump follows its take, release), so the wait
		 * below cannot sleep through it. */
		wg.gen = atomic_load_explicit(&h->registry_gen, memory_order_seq_cst);
		/* A replacement seen now is not news to the wait below (which
		 * would return at once, again and again, while a claim in
		 * front of the old ring's last messages is resolved). */
		wg.replaced = atomic_load_explicit(&h->state, memory_order_seq_cst) ==
			      SHMCHAN__STATE_REPLACED;
		/* Live writers, dead ones accounted for (system calls: only
		 * here, once per change of the registry); or a message of a
		 * writer that came and went already (its commit precedes its
		 * leave, whose bump the generation shows). */
		if (shmchan__writers_held(h, shmchan__judge_of(ch), 1) > 0 || readable_now(ch))
			return 0;
		/* The idle path: a dead writer's claim in front of messages, a
		 * message a dead work-queue reader held (0: read again), a
		 * replaced channel once drained (-ESTALE). */
		err = reader_idle(ch, 1);
		if (err == 0 || err == -ESTALE)
			return err;
		err = shmchan__wait(&cfg, &q, &self_of(ch)->owner, SHMCHAN__OWN_SLEEP_PEER,
				    writer_back_cb, &wg, &dl);
		if (err)
			return err;
	}
}

int shmchan__depth(const struct shmchan__handle *ch)
{
	return (ch && ch->hdr) ? kops(ch)->depth(ch) : -EINVAL;
}

int shmchan_channel_depth(const struct shmchan_channel *pub)
{
	const struct shmchan__handle *ch = shmchan__chandle_of(pub);

	if (ch && ch->hdr && shmchan__foreign(ch))
		return shmchan__osp_depth(ch);
	return shmchan__depth(ch);
}

int64_t shmchan_channel_depth_bytes(const struct shmchan_channel *pub)
{
	const struct shmchan__handle *ch = shmchan__chandle_of(pub);

	if (!ch || !ch->hdr)
		return -EINVAL;
	return shmchan__foreign(ch) ? shmchan__osp_depth_bytes(ch) : kops(ch)->depth_bytes(ch);
}

int shmchan_channel_capacity(const struct shmchan_channel *pub)
{
	const struct shmchan__handle *ch = shmchan__chandle_of(pub);

	if (!ch || !ch->hdr)
		return -EINVAL;
	return shmchan__foreign(ch) ? shmchan__osp_capacity(ch) : shmchan_ring_capacity(&ch->ring);
}

int shmchan_channel_lost(const struct shmchan_channel *pub, uint64_t *lost)
{
	const struct shmchan__handle *ch = shmchan__chandle_of(pub);
	int err = check_role(ch, ROLE_READER);

	if (err == -ENOTSUP && ch->role == SHMCHAN__ROLE_OBSERVER)
		err = 0;
	if (!err && !lost)
		err = -EINVAL;
	if (!err)
		err = kops(ch)->lost ? kops(ch)->lost(ch, lost) : -ENOTSUP;
	return err;
}

const struct shmchan__calls shmchan__io_calls = {
	.write = shmchan__io_write,
	.reserve = shmchan__io_reserve,
	.commit = shmchan__io_commit,
	.cancel = shmchan__io_cancel,
	.read = shmchan__io_read,
	.peek = shmchan__io_peek,
	.release = shmchan__io_release,
	.held = shmchan__io_held,
	.wait_readable = shmchan__io_wait_readable,
	.wait_writable = shmchan__io_wait_writable,
	.wait_writable_len = shmchan__io_wait_writable_len,
	.send = shmchan__io_send,
	.recv = shmchan__io_recv,
	.reserve_wait = shmchan__io_reserve_wait,
	.peek_wait = shmchan__io_peek_wait,
	.wait_for_readers = shmchan__io_wait_for_readers,
	.wait_for_writer = shmchan__io_wait_for_writer,
};
