/* SPDX-License-Identifier: MIT */
/*
 * Broadcast channels, channel layer: the writers' gate (BLOCK policy), the
 * subscribers' cursors, joining, overruns (OVERWRITE policy) and lost counts.
 * The ring itself is bring.c.
 *
 * A subscriber's cursor lives in its registry entry (subscribers[i].claim),
 * so a writer under BLOCK can find the slowest live subscriber: it may claim
 * position p only while p < min(cursor) + N (its "gate"). Writers cache the
 * gate and recompute it when they reach it, or when the registry generation
 * moved (a subscriber joined or went).
 *
 * Ordering:
 *  S1  join: the subscriber's entry is filled with a first cursor and
 *      published by the seq_cst CAS that clears FILLING, then the registry
 *      generation is bumped (seq_cst RMW) (registry.c).
 *  S2  the subscriber then loads tail (seq_cst) and picks its start.
 *  S3  cursor stores: seq_cst under BLOCK. The release part pairs with the
 *      writers' gate scan (registry.c, seq_cst loads): the subscriber's reads
 *      of every slot below its cursor happen before a writer reuses it. The
 *      seq_cst part is the "publish" half of the sleep protocol for writers
 *      waiting for space (wait.c), whose re-check is the gate scan.
 *      Relaxed under OVERWRITE: writers never look (statistics only).
 *  S5  a subscriber holding messages (hold_pvt.h) publishes as its cursor
 *      the oldest message it holds, while its own cursor goes on: under
 *      BLOCK no writer reuses a held slot (S3 covers the reads of the
 *      slots below that cursor); under OVERWRITE a held slot may be
 *      reused, and its release finds that out (bring.c B6).
 *  S4  a writer loads tail, then the generation (both seq_cst), before each
 *      claim CAS (bring.c B1, seq_cst); it rescans the cursors when the
 *      generation moved. A claim whose generation load preceded the bump of
 *      S1 (in the single total order of seq_cst operations) may miss the new
 *      cursor; but its CAS succeeds only at the tail it read before that
 *      load, so its position is below the tail S2 reads after the bump, t1,
 *      and it overwrites a position below t1 - N. The subscriber starts at
 *      max(first cursor, t1 - N): no claim that missed its cursor can
 *      overwrite a message at or above its start, and every claim after the
 *      bump is gated. So a BLOCK subscriber never loses a message after its
 *      start. wait_for_reader bumps the generation too when it sees a
 *      subscriber, so that claims made after it returns are gated even if
 *      the subscriber has not reached its own bump yet.
 */
#include <sched.h>

#include "channel_pvt.h"
#include "config_pvt.h"
#include "registry_pvt.h"
#include "kind_pvt.h"
#include "stall_pvt.h"
#include "wake_pvt.h"

static struct shmchan__peer *self_of(const struct shmchan__handle *ch)
{
	return (struct shmchan__peer *)ch->self;
}

static int blocking(const struct shmchan__handle *ch)
{
	return ch->flags != SHMCHAN_POLICY_OVERWRITE;
}

static uint64_t oldest_of(uint64_t tail, uint32_t n)
{
	return tail > n ? tail - n : 0;
}

/* ---- subscribers ---- */

/* Publish the cursor writers see (S3): the handle's own, or while it holds
 * messages the oldest one held (S5). An observer has no entry: its cursor
 * is its own, and nobody waits for it. */
static void publish_cursor(struct shmchan__handle *ch)
{
	uint64_t pos = ch->holds.n ? ch->holds.e[0].pos : ch->bc.sub.pos;

	if (self_of(ch))
		atomic_store_explicit(&self_of(ch)->claim, pos,
				      blocking(ch) ? memory_order_seq_cst : memory_order_relaxed);
}

/* Move the handle's cursor to @pos, and publish (S3). */
static void advance(struct shmchan__handle *ch, uint64_t pos)
{
	ch->bc.sub.pos = pos;
	publish_cursor(ch);
}

/* Publish the loss count to the inspector (an observer has nowhere to). */
static void note_lost(struct shmchan__handle *ch)
{
	/* Relaxed: a statistic read by the inspector. */
	if (self_of(ch))
		atomic_store_explicit(&self_of(ch)->aux, ch->bc.sub.lost, memory_order_relaxed);
}

static int bc_join(struct shmchan__handle *ch, unsigned flags)
{
	uint32_t n = ch->ring.slot_count;
	int oldest = (flags & SHMCHAN_SUB_OLDEST) != 0; /* SHMCHAN__SUB_ANY or not */
	uint64_t t0 = shmchan__bring_tail(&ch->ring), first, start;
	int err;

	/* The first cursor guards what this subscriber may read (S1). */
	first = oldest ? oldest_of(t0, n) : t0;
	err = shmchan__join(ch, SHMCHAN__ROLE_READER, first);
	if (err)
		return err;
	/* S2: the start is at or above anything a claim that missed the new
	 * cursor can overwrite (S4). From the next message: the tail read
	 * before joining, unless more than a lap was claimed meanwhile. Every
	 * message claimed after the entry became visible (wait_for_reader's
	 * view) is at or above that. From the oldest: what is retained. */
	start = oldest_of(shmchan__bring_tail(&ch->ring), n);
	if (start < first)
		start = first;
	advance(ch, start);
	/* Messages lost count from the start (OVERWRITE), except for a start at
	 * the oldest message, "the oldest still there when first read". */
	ch->bc.sub.started = !oldest;
	return 0;
}

/* An observer starts where a subscriber would (bc_join), from the tail it
 * reads: no writer waits for it, so under either policy it may be
 * overwritten, which its reads report as losses (SHMCHAN_ELOST). */
static int bc_observe(struct shmchan__handle *ch, unsigned flags)
{
	int oldest = (flags & SHMCHAN_SUB_OLDEST) != 0;
	uint64_t t = shmchan__bring_tail(&ch->ring);

	if (t >= SHMCHAN__BPOS_MAX)
		return -EBADMSG;
	ch->bc.sub.pos = oldest ? oldest_of(t, ch->ring.slot_count) : t;
	ch->bc.sub.started = !oldest;
	return 0;
}

/* The cursor fell behind what the slot holds: jump to the oldest message
 * retained. Returns SHMCHAN_ELOST with the count added, 0 if the loss is
 * not counted (see bc_join), or -EBADMSG (corrupt tail). */
static int overrun(struct shmchan__handle *ch)
{
	uint64_t c = ch->bc.sub.pos, t = shmchan__bring_tail(&ch->ring);
	uint64_t nc = oldest_of(t, ch->ring.slot_count);

	if (t >= SHMCHAN__BPOS_MAX)
		return -EBADMSG; /* a corrupt tail: stay */
	if (nc <= c)
		nc = c + 1;
	advance(ch, nc);
	if (!ch->bc.sub.started)
		return 0;
	ch->bc.sub.lost += nc - c;
	note_lost(ch);
	return SHMCHAN_ELOST;
}

static int bc_take(struct shmchan__handle *ch, void *buf, size_t cap, const void **view,
		   size_t *len)
{
	uint32_t tries;

	if (!len || (!view && !buf && cap > 0))
		return -EINVAL;
	if (view ? shmchan__holds_full(&ch->holds) : shmchan__holds_block_read(&ch->holds))
		return -EALREADY;
	/* Bounded: each retry follows a step over a discarded position or an
	 * uncounted overrun. */
	for (tries = 0; tries <= ch->ring.slot_count + 1; tries++) {
		uint64_t c = ch->bc.sub.pos, seq = 0;
		const void *data = NULL;
		uint32_t n = 0;
		int st = shmchan__bring_look(&ch->ring, c, &n, &data, &seq), err;

		switch (st) {
		case SHMCHAN__BL_READY:
			if (view) {
				/* S5: held; the published cursor stays at the
				 * oldest message held. */
				shmchan__holds_add(&ch->holds, c, seq);
				advance(ch, c + 1);
				*view = data;
				*len = n;
				return 0;
			}
			if (n <= cap)
				shmchan__bring_copy(&ch->ring, c, buf, n);
			if (!shmchan__bring_still(&ch->ring, c, seq))
				break; /* overwritten meanwhile: an overrun */
			*len = n;
			if (n > cap)
				return -EMSGSIZE;
			ch->bc.sub.started = 1;
			advance(ch, c + 1);
			return 0;
		case SHMCHAN__BL_DISC:
			advance(ch, c + 1);
			continue;
		case SHMCHAN__BL_CORRUPT:
			/* Dropped, but the cursor never passes tail: the next
			 * message written there is read. */
			if (c < shmchan__bring_tail(&ch->ring))
				advance(ch, c + 1);
			return -EBADMSG;
		case SHMCHAN__BL_OVERRUN:
			break;
		default:
			return -EAGAIN;
		}
		err = overrun(ch);
		if (err)
			return err;
	}
	return -EAGAIN;
}

/* Release a held message (NULL: the oldest); each view is checked on its
 * own (B6): one overwritten while held reports SHMCHAN_ELOST. */
static const void *bc_view(const struct shmchan_ring *r, uint64_t pos)
{
	return shmchan__bring_data(r, pos);
}

static int bc_release(struct shmchan__handle *ch, const void *view)
{
	int i = shmchan__holds_find(&ch->holds, view, bc_view, &ch->ring), ok;

	if (i < 0)
		return -EINVAL;
	ok = shmchan__bring_still(&ch->ring, ch->holds.e[i].pos, ch->holds.e[i].aux);
	shmchan__holds_drop(&ch->holds, (uint32_t)i);
	if (i == 0)
		publish_cursor(ch); /* S5: the next oldest held, or the cursor */
	if (ok) {
		ch->bc.sub.started = 1;
		return 0;
	}
	/* The view may be torn: always reported, and counted, even before the
	 * first message of a subscriber from the oldest. */
	ch->bc.sub.lost++;
	note_lost(ch);
	return SHMCHAN_ELOST;
}

/* What is at the cursor, discarded positions stepped over. */
static int look_at_cursor(struct shmchan__handle *ch)
{
	uint32_t tries;

	for (tries = 0; tries <= ch->ring.slot_count; tries++) {
		const void *data;
		uint64_t seq;
		uint32_t n;
		int st = shmchan__bring_look(&ch->ring, ch->bc.sub.pos, &n, &data, &seq);

		if (st != SHMCHAN__BL_DISC)
			return st;
		advance(ch, ch->bc.sub.pos + 1);
	}
	return SHMCHAN__BL_EMPTY;
}

static int bc_readable(struct shmchan__handle *ch)
{
	int st;

	if (shmchan__holds_full(&ch->holds))
		return 1; /* a peek returns at once (-EALREADY) */
	st = look_at_cursor(ch);
	return st == SHMCHAN__BL_READY || st == SHMCHAN__BL_OVERRUN || st == SHMCHAN__BL_CORRUPT;
}

static int bc_head(struct shmchan__handle *ch, uint32_t *pos)
{
	int st = look_at_cursor(ch);

	*pos = (uint32_t)ch->bc.sub.pos;
	if (st == SHMCHAN__BL_EMPTY)
		return SHMCHAN__HEAD_EMPTY;
	return st == SHMCHAN__BL_PENDING ? SHMCHAN__HEAD_PENDING : SHMCHAN__HEAD_READY;
}

static int bc_skip(struct shmchan__handle *ch, uint32_t pos)
{
	uint64_t c = ch->bc.sub.pos;

	if ((uint32_t)c != pos)
		return -EAGAIN;
	return shmchan__bring_abandon(&ch->ring, c, shmchan__bring_seq(&ch->ring, c));
}

/* ---- writers ---- */

/* Recompute the gate from the subscribers' cursors; with @reap, account
 * for dead subscribers first (system calls: a slow path). */
static void regate(struct shmchan__handle *ch, int reap)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	uint64_t min;

	if (reap) {
		int64_t now = shmchan__now_ns();

		if (now < ch->next_deep_ns)
			reap = 0;
		else
			ch->next_deep_ns = now + SHMCHAN__REAP_EVERY_NS;
	}
	if (reap)
		shmchan__subs_held(h, shmchan__judge_of(ch), 1);
	min = shmchan__subs_min_cursor(h);
	ch->bc.w.gate = min == UINT64_MAX ? UINT64_MAX : min + ch->ring.slot_count;
}

/*
 * The slot of tail still holds the position a lap earlier, unfinished (its
 * writer holds a reservation, is copying, or died): the stall detector
 * (stall.c) tells when that writer is found dead (or no writer claims the
 * position any more), and then its position is ended as discarded. Returns
 * 1 if it was (or the slot moved on), 2 if that writer was found alive (its
 * commit will wake us), 0 if it is too early to tell.
 */
static int resolve_blocker(struct shmchan__handle *ch, uint64_t pos, uint64_t seen)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	uint64_t pred = pos - ch->ring.slot_count;
	enum shmchan__stall st;

	if (pos < ch->ring.slot_count)
		return 0; /* first lap: a slot not FREE is corrupt, not blocked */
	st = shmchan__stall_check(ch, (uint32_t)pred, NULL);
	if (st == SHMCHAN__STALL_LIVE)
		return 2;
	if (st == SHMCHAN__STALL_WAIT)
		return 0;
	shmchan__stall_clear(ch);
	if (shmchan__bring_abandon(&ch->ring, pred, seen) != 0)
		return 1; /* it moved meanwhile: look again */
	shmchan__clear_claims(h, (uint32_t)pred, shmchan__judge_of(ch));
	shmchan__writers_held(h, shmchan__judge_of(ch), 1); /* account for the dead writer */
	shmchan__wake_readers(ch);			    /* subscribers waiting at pred */
	shmchan__wake_writers(ch);			    /* other writers waiting for it */
	return 1;
}

/* Whether a live writer other than us still claims position @pos (bring.c
 * B7): its slot, discarded, is not to be reused yet. */
static int live_claim(struct shmchan__handle *ch, uint64_t pos)
{
	return shmchan__claimant(shmchan__hdr(ch), (uint32_t)pos, shmchan__judge_of(ch), NULL) ==
	       SHMCHAN__CLAIM_LIVE;
}

static int claim(struct shmchan__handle *ch, uint64_t *pos)
{
	struct shmchan__chan_hdr *h = shmchan__hdr(ch);
	_Atomic uint64_t *cw = &self_of(ch)->claim;
	uint64_t gate = UINT64_MAX, other = 0, disc_ok = 0;
	int err, tries, stale = 0;

	for (tries = 0;; tries++) {
		if (blocking(ch))
			gate = ch->bc.w.gate;
		/* S4: bring_claim checks the generation before each CAS. */
		err = shmchan__bring_claim(&ch->ring, cw, gate,
					   blocking(ch) ? &h->registry_gen : NULL,
					   ch->bc.w.gate_gen, disc_ok, pos, &other);
		if (err == 2) {
			/* B7: a stepped-over writer may still write there. */
			if (live_claim(ch, *pos - ch->ring.slot_count)) {
				err = -EAGAIN;
				break;
			}
			disc_ok = other;
			tries--;
			continue;
		}
		if (err == 1 && stale++ < 64) {
			/* The gate is stale: recompute it from a generation
			 * loaded before the cursors, then claim. */
			ch->bc.w.gate_gen =
				atomic_load_explicit(&h->registry_gen, memory_order_seq_cst);
			regate(ch, 0);
			tries--;
			continue;
		}
		if (err == 1)
			err = -EAGAIN; /* subscribers churning without end: try later */
		if (err == -EAGAIN && blocking(ch) && tries < 2) {
			regate(ch, tries); /* the second time, dead subscribers too */
			gate = ch->bc.w.gate;
			continue;
		}
		if (err == -EBUSY && tries < 2 && resolve_blocker(ch, *pos, other) == 1)
			continue;
		break;
	}
	if (err == -EBUSY)
		err = -EAGAIN;
	if (err)
		return err;
	shmchan__stall_clear(ch);
	/* The claim saw the slot's predecessor finished, which stays so:
	 * taking the slot fails only if a subscriber ended our position. */
	for (tries = 0; (err = shmchan__bring_acquire(&ch->ring, *pos, &other)) < 0; tries++) {
		/* Only a corrupt segment gets here: after a while, take it. */
		if (tries >= 1000 && shmchan__bring_steal(&ch->ring, *pos, other) == 0) {
			err = 0;
			break;
		}
		sched_yield();
	}
	if (err == 1) {
		/* Release: as after a commit (bring.c B4). */
		atomic_store_explicit(cw, 0, memory_order_release);
		atomic_store_explicit(&self_of(ch)->events, ++ch->events, memory_order_relaxed);
	}
	return err;
}

/* Claim, claiming again if a subscriber ended our position (judging us dead
 * while we were descheduled): at most a lap of tries. */
static int claim_slot(struct shmchan__handle *ch, uint64_t *pos)
{
	uint32_t tries;
	int err = 1;

	for (tries = 0; tries <= ch->ring.slot_count && err == 1; tries++)
		err = claim(ch, pos);
	return err == 1 ? -EAGAIN : err;
}

static int bc_writable(struct shmchan__handle *ch, int slow)
{
	uint64_t pos, v;

	if (blocking(ch)) {
		/* seq_cst, before the cursors: a subscriber that leaves bumps
		 * the generation (seq_cst) after marking its entry gone, then
		 * wakes the writers' queue. Either this load reads that bump,
		 * and then the scan sees the entry gone, or it precedes the
		 * bump, and then the subscriber's load of the sleeper count sees
		 * us (wait.c). */
		ch->bc.w.gate_gen =
			atomic_load_explicit(&shmchan__hdr(ch)->registry_gen, memory_order_seq_cst);
		regate(ch, slow);
	} else {
		ch->bc.w.gate = UINT64_MAX;
	}
	if (shmchan__bring_writable(&ch->ring, ch->bc.w.gate)) {
		/* Not while a stepped-over writer may still write the slot
		 * (B7): its commit, failing, wakes us. */
		pos = shmchan__bring_tail(&ch->ring);
		v = shmchan__bring_seq(&ch->ring, pos);
		return !(pos >= ch->ring.slot_count &&
			 v == SHMCHAN__BSEQ(pos - ch->ring.slot_count, SHMCHAN__BS_DISC) &&
			 live_claim(ch, pos - ch->ring.slot_count));
	}
	/* Held back by the writer a lap earlier rather than by a subscriber:
	 * see whether it died, and ask to be asked again soon. */
	pos = shmchan__bring_tail(&ch->ring);
	v = shmchan__bring_seq(&ch->ring, pos);
	if (pos < ch->bc.w.gate && pos >= ch->ring.slot_count && SHMCHAN__BSEQ_POS(v) < pos) {
		/* While spinning too (SPIN never asks slowly), every 64th poll;
		 * resolve_blocker itself looks at most every millisecond. Once
		 * that writer is known alive, sleep as usual: its commit wakes
		 * us, and each wake-up (at least every 200 ms) looks again. */
		if ((slow || (++ch->idle_polls & 63) == 0) && resolve_blocker(ch, pos, v) == 2)
			return 0;
		return SHMCHAN__READY_SOON;
	}
	return 0;
}

static int bc_reserve(struct shmchan__handle *ch, size_t len, void **data)
{
	uint64_t pos;
	int err;

	if (!data)
		return -EINVAL;
	if (ch->ring.busy & SHMCHAN__RING_RESERVED)
		return -EALREADY;
	if (len > ch->ring.slot_size)
		return -EMSGSIZE;
	err = claim_slot(ch, &pos);
	if (err)
		return err;
	ch->bc.w.pos = pos;
	ch->ring.busy |= SHMCHAN__RING_RESERVED;
	*data = shmchan__bring_data(&ch->ring, pos);
	return 0;
}

static int bc_commit(struct shmchan__handle *ch, size_t len, int discard)
{
	int err;

	if (!(ch->ring.busy & SHMCHAN__RING_RESERVED))
		return -EINVAL;
	if (len > ch->ring.slot_size)
		return -EMSGSIZE;
	ch->ring.busy &= ~SHMCHAN__RING_RESERVED;
	err = shmchan__bring_publish(&ch->ring, &self_of(ch)->claim, ch->bc.w.pos, (uint32_t)len,
				     discard);
	/* Cancelled anyway: a reservation stepped over is gone all the same. */
	return discard && err == -ECANCELED ? 0 : err;
}

static int bc_push(struct shmchan__handle *ch, const void *data, size_t len)
{
	void *dst;
	int err;

	if (!data && len > 0)
		return -EINVAL;
	err = bc_reserve(ch, len, &dst);
	if (err)
		return err;
	/* Not a plain memcpy to dst: under TSan the copy is atomic (bring.c). */
	shmchan__bring_fill(&ch->ring, ch->bc.w.pos, data, len);
	return bc_commit(ch, len, 0);
}

static int bc_depth(const struct shmchan__handle *ch)
{
	/* Relaxed: a snapshot. */
	uint64_t t = atomic_load_explicit(&((struct shmchan__bring_hdr *)ch->ring.hdr)->tail,
					  memory_order_relaxed);
	uint64_t c = ch->role != SHMCHAN__ROLE_WRITER ? ch->bc.sub.pos
						      : shmchan__subs_min_cursor(shmchan__hdr(ch));

	if (c == UINT64_MAX || t <= c)
		return 0;
	return t - c > ch->ring.slot_count ? (int)ch->ring.slot_count : (int)(t - c);
}

/* ---- the kind table's lines (kind_pvt.h) ---- */

/* A slot geometry, and a policy (the header's flags). */
static int bc_geometry(const struct shmchan_config *cfg, struct shmchan__geom *g,
		       struct shmchan__why *w)
{
	int err;

	if (cfg->policy > SHMCHAN_POLICY_OVERWRITE)
		return shmchan__why(w,
				    "policy %u: not a SHMCHAN_POLICY_* (0 or 1: BLOCK, 2: "
				    "OVERWRITE)",
				    cfg->policy);
	err = shmchan__slot_geometry(cfg, g, w);
	g->flags = cfg->policy ? cfg->policy : SHMCHAN_POLICY_BLOCK;
	return err;
}

static int bc_flags_ok(uint32_t flags)
{
	return flags == SHMCHAN_POLICY_BLOCK || flags == SHMCHAN_POLICY_OVERWRITE;
}

static int bc_init(void *ring, size_t ring_size, const struct shmchan__geom *g)
{
	return shmchan__bring_init(ring, ring_size, g->size, g->count);
}

static int bc_attach(struct shmchan__handle *ch, void *ring, size_t size)
{
	return shmchan__bring_attach(&ch->ring, ring, size);
}

static void bc_config(const struct shmchan__handle *ch, struct shmchan_config *out)
{
	shmchan__slot_config(ch, out);
	out->policy = ch->flags;
}

static int bc_lost(const struct shmchan__handle *ch, uint64_t *lost)
{
	if (ch->role != SHMCHAN__ROLE_READER && ch->role != SHMCHAN__ROLE_OBSERVER)
		return -ENOTSUP;
	*lost = ch->bc.sub.lost; /* the handle's own count */
	return 0;
}

/* The subscribers' positions and losses; the depth from the slowest live
 * one. (Their generic fields are filled already: inspect.c.) */
static void bc_describe(const struct shmchan__chan_hdr *h, const struct shmchan__id *id,
			const struct shmchan__rows *rows, struct shmchan_info *info)
{
	const struct shmchan__bring_hdr *bh = (const void *)((const char *)h + SHMCHAN__HDR_SPACE);
	uint64_t min = UINT64_MAX, d;
	uint32_t i;

	info->policy = id->flags;
	/* Relaxed: statistics, a snapshot. */
	info->tail = atomic_load_explicit(&bh->tail, memory_order_relaxed);
	info->lost = rows->retired_lost;
	for (i = 0; i < info->nsubscribers; i++) {
		struct shmchan_peer_info *s = &info->subscribers[i];
		uint64_t o = rows->owner[i];

		/* A gone entry is counted in the retired totals already. */
		if (o & SHMCHAN__OWN_DEAD)
			continue;
		s->lost = rows->aux[i];
		s->cursor = rows->claim[i];
		info->lost += s->lost;
		if (s->alive && !(o & SHMCHAN__OWN_FILLING) && s->cursor < min)
			min = s->cursor;
	}
	d = min == UINT64_MAX || info->tail <= min ? 0 : info->tail - min;
	info->depth = d > id->slot_count ? id->slot_count : (uint32_t)d;
	info->depth_bytes = (uint64_t)info->depth * id->slot_size;
	if (info->max_depth > id->slot_count)
		info->max_depth = id->slot_count;
}

static uint32_t bc_progress(const struct shmchan__handle *ch)
{
	/* What writers wait for: the published cursor (S5). */
	return (uint32_t)(ch->holds.n ? ch->holds.e[0].pos : ch->bc.sub.pos);
}

/* wait_for_reader saw a subscriber, which may not have bumped the
 * generation yet (S1): bump it, so that every claim from now on sees its
 * cursor (S4). */
static void bc_reader_seen(struct shmchan__handle *ch)
{
	atomic_fetch_add_explicit(&shmchan__hdr(ch)->registry_gen, 1, memory_order_seq_cst);
}

static int bc_commit_op(struct shmchan__handle *ch, size_t len)
{
	return bc_commit(ch, len, 0);
}

static int bc_cancel_op(struct shmchan__handle *ch)
{
	return bc_commit(ch, 0, 1);
}

static int bc_writable_op(struct shmchan__handle *ch, size_t len, int slow)
{
	(void)len; /* fixed slots */
	return bc_writable(ch, slow);
}

static int bc_pop_op(struct shmchan__handle *ch, void *buf, size_t cap, size_t *len)
{
	return bc_take(ch, buf, cap, NULL, len);
}

static int bc_peek_op(struct shmchan__handle *ch, const void **data, size_t *len)
{
	return data ? bc_take(ch, NULL, 0, data, len) : -EINVAL;
}

static int bc_skip_op(struct shmchan__handle *ch, uint32_t pos, uint32_t extent, int live)
{
	(void)extent;
	(void)live; /* a live writer's commit fails (bring.c B4, B7) */
	return bc_skip(ch, pos);
}

static int bc_claim_pending_op(const struct shmchan__handle *ch, uint32_t pos, uint32_t ext)
{
	/* Positions are 64-bit here; the claim has the low 32 bits, enough
	 * to find the slot and tell whether it moved on. */
	uint64_t v = shmchan__bring_seq(&ch->ring, pos);
	uint32_t vp = (uint32_t)SHMCHAN__BSEQ_POS(v), st = SHMCHAN__BSEQ_ST(v);

	(void)ext;
	return !((int32_t)(vp - pos) > 0 ||
		 (vp == pos && (st == SHMCHAN__BS_DONE || st == SHMCHAN__BS_DISC)));
}

const struct shmchan__ring_ops shmchan__bcast_ring = {
	.geometry = bc_geometry,
	.memsize = shmchan_ring_memsize,
	.flags_ok = bc_flags_ok,
	.expect = shmchan__slot_expect,
	.init = bc_init,
	.attach = bc_attach,
	.config = bc_config,
	.depth = bc_depth,
	.depth_bytes = shmchan__slot_depth_bytes,
	.lost = bc_lost,
	.describe = bc_describe,
};

const struct shmchan__writer_ops shmchan__bcast_writer = {
	.push = bc_push,
	.reserve = bc_reserve,
	.commit = bc_commit_op,
	.cancel = bc_cancel_op,
	.writable = bc_writable_op,
	.claim_pending = bc_claim_pending_op,
	.reader_seen = bc_reader_seen,
	.publish_wakes_writers = 1,
};

/* A subscriber gone may open the gate of writers waiting for space (BLOCK);
 * depth sampling would load the subscribers' cursors. */
const struct shmchan__reader_ops shmchan__bcast_reader = {
	.pop = bc_pop_op,
	.peek = bc_peek_op,
	.release = bc_release,
	.readable = bc_readable,
	.head = bc_head,
	.join = bc_join,
	.observe = bc_observe,
	.skip = bc_skip_op,
	.reclaim = shmchan__no_reclaim,
	.hold_pending = shmchan__no_hold,
	.orphan_extent = shmchan__one_extent,
	.progress = bc_progress,
	.leave_holds = shmchan__no_leave_hold,
	.leave_wakes_writers = 1,
	.many = 1,
	.holds_many = 1,
};
