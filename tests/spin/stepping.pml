/*
 * stepping.pml: the stepping-over (abandonment) protocol of the slot ring.
 *
 * Mirrors (C code, as of this model):
 *   src/ring.c       header comment (P1-P4, C1-C4, S1-S2); claim() (P1, P2
 *                    and the claim word stored before P2); publish() (the
 *                    len/flags stores, P3, P4, the claim word cleared);
 *                    shmchan_ring_cancel() (publish with SLOT_DISCARDED);
 *                    inspect() + consume() (C1, DISCARDED, C3, C4, and the
 *                    "stepped a lap ago" state); shmchan__ring_head()
 *                    (EMPTY / PENDING / STEPPED); shmchan__ring_skip_abandoned()
 *                    (S1 then head + 1); shmchan__ring_reclaim() (S2).
 *   src/ring_pvt.h   SHMCHAN__SEQ_STEPPED(pos) == pos - 2.
 *   src/channel_io.c check_abandoned(): the verdict "who" is taken before S1;
 *                    S1 is done for a claim judged dead, or for a live one
 *                    (a wrong verdict, cf. SHMCHAN__HOOK_STEP_LIVE); S2 only
 *                    if who != CLAIM_LIVE; in the stepped (lap-ago) case a
 *                    LIVE verdict waits. reader_idle(): which case applies.
 *   src/registry.c   shmchan__claimant() (scan of the writers' claim words,
 *                    LIVE wins over DEAD, NONE if no word names pos),
 *                    shmchan__clear_claims() (CAS of a dead writer's word).
 *   src/wqueue.c     the same "stepped" states (h - 2, h - N - 2) are used by
 *                    the work-queue reader; its multi-consumer head CAS, the
 *                    held-message states and the writers' stepping over held
 *                    slots (shmchan__wq_step_tail, claim() with RING_WQ) are
 *                    NOT modelled here (one consumer, plain slot ring).
 *
 * Abstractions:
 *   - Memory model: sequential consistency (SPIN interleaving). Every atomic
 *     load/store/CAS of the C code is one indivisible step; the acquire/
 *     release/seq_cst orderings are taken as given (they are what makes the
 *     C code behave like this model).
 *   - Positions are counters modulo M = 16 (2^32 in C) with the C code's
 *     signed-difference comparisons; the run starts at START = 13, so that
 *     positions wrap during it. A run is bounded: each producer sends MSGS
 *     messages (total < M, so ghost arrays indexed by position are exact).
 *   - Message data is W separate word stores (memcpy in C), then the flags
 *     store (len is folded into it); each word holds a value naming the
 *     producer and position. The consumer reads the words one by one.
 *   - Time is abstracted: ABANDON_AFTER_NS, CHECK_EVERY_NS, ORPHAN_AFTER_NS
 *     become nondeterministic choices of when the consumer looks, so NONE
 *     may be acted on at any time (a superset of the C behaviour). After a
 *     LIVE verdict the consumer waits until something that could change the
 *     verdict changes (the slot's sequence, or that writer's claim word or
 *     death) instead of re-judging every CHECK_EVERY_NS: same outcomes, and
 *     a wedged ring still shows as an invalid end state.
 *   - Liveness: dead[i] is set by "the kernel" in the same step in which
 *     producer i stops forever; the consumer's judgement reads it and is
 *     never wrong about "dead" (the lock byte of live_pvt.h). At most MAXDEAD
 *     producers die per run, at any of: right after losing the P2 race (its
 *     claim word left naming the winner's position), after the first data
 *     word, after a failed P3 (before P4), after P3/P4 (before the claim
 *     word is cleared).
 *   - A full ring (-EAGAIN) makes the producer block until tail or the
 *     slot's sequence changes (the sleep protocol, modelled in wait.pml).
 *   - Not modelled: a consumer that dies (skip_released after its death
 *     between C3/C4 or S1/C4; the model asserts those states never occur
 *     with one immortal consumer), consumer takeover (attach/load_head),
 *     corrupt segments (drop_corrupt), spurious CAS failures of claim()'s
 *     weak CAS, the record ring (rring.c) and the broadcast ring (bring.c),
 *     registry entry take-over and statistics.
 *
 * Properties (assertions; the run uses SPIN's safety search, which also
 * reports invalid end states: a run in which everybody blocks for ever):
 *   (a) the consumer never delivers a position it stepped over, delivers only
 *       committed non-discarded messages, at most once, and every word it
 *       read is the value the claimant wrote for that position (no torn or
 *       mixed data);
 *   (b) a producer writes to a slot only while it is the slot's current
 *       claimant, and a slot is claimed again only once its previous
 *       claimant can no longer write to it (committed, gave it back, or died);
 *   (c) at the end: every committed message was delivered exactly once;
 *       every message whose commit failed was reported -ECANCELED to its
 *       producer (the only failure the commit may see) and delivered zero
 *       times; a message of a producer that died before committing is not
 *       delivered; the consumer never sees an impossible sequence value;
 *       and the ring is back to free slots except stepped-over slots of
 *       dead claimants.
 *
 * Broken variants (spin -DBROKEN=k), each must make SPIN find an error:
 *   1  P3 commit as a plain store instead of a CAS;
 *   2  S2 without the liveness verdict (gives back a live claimant's slot);
 *   3  S1 as a plain store instead of a CAS;
 *   4  the claim word stored after the tail CAS (P2) instead of before.
 */

#ifndef N
#define N 2		/* slots, a power of two >= 2 */
#endif
#ifndef NPROD
#define NPROD 2		/* producers */
#endif
#ifndef MSGS
#define MSGS 2		/* messages per producer */
#endif
#ifndef MSGSLAST
#define MSGSLAST MSGS	/* messages of the last producer */
#endif
#ifndef W
#define W 2		/* data words per message */
#endif
#ifndef MAXDEAD
#define MAXDEAD 1	/* producers that may die in one run */
#endif
#ifndef DISCARD
#define DISCARD 1	/* producer 0 may cancel (ring_cancel) a reservation */
#endif
#ifndef BROKEN
#define BROKEN 0
#endif

#define M 16		/* positions wrap modulo M (2^32 in C) */
#define START 13
#define MASK (N - 1)
#define TOTAL ((NPROD - 1) * MSGS + MSGSLAST)

#define mod(x) ((((x) % M) + M) % M)
/* (int32_t)(a - b) of the C code */
#define sdiff(a, b) ((mod((a) - (b)) + M / 2) % M - M / 2)
#define slot(p) ((p) & MASK)
/* the value producer i writes into every word of position p */
#define val(i, p) ((i) * M + (p) + 1)

/* claimant() verdicts (channel_pvt.h) */
#define NONE 0
#define LIVE 1
#define DEAD 2

/* ghost outcomes of a position */
#define G_FREE 0	/* not claimed (yet) */
#define G_CLAIMED 1	/* claimed, no result (yet, or the producer died) */
#define G_COMMITTED 2	/* P3 succeeded, message */
#define G_DISCARDED 3	/* P3 succeeded, SLOT_DISCARDED */
#define G_CANCELLED 4	/* P3 failed on pos - 2: -ECANCELED */

/* shared memory */
byte seq[N];
byte tail = START;
byte flags[N];
byte data[N * W];
byte claim[NPROD];	/* 0, or pos + 1 (CLAIM_ACTIVE | pos) */
bool dead[NPROD];	/* set by the kernel as the producer dies */
byte ndead;
byte nfin;		/* producers that returned or died */

/* ghost state */
byte gown[N];		/* producer + 1 entitled to write the slot, 0: none */
byte gpos[N];		/* the position it claimed */
byte gwho[M];		/* producer + 1 that claimed a position */
byte gres[M];		/* G_* */
bool gstep[M];		/* consumer stepped over the position (S1) */
byte gdel[M];		/* times delivered */

#define ENTITLED(i, s, p) (gown[s] == (i) + 1 && gpos[s] == (p))
#define S slot(pos)	/* the producer's slot */

/* A producer may die here (at most MAXDEAD in all): the kernel marks it dead
 * in the same step. It can no longer write, so its entitlement ends. */
#define MAYDIE \
	if \
	:: ndead < MAXDEAD -> \
		atomic { \
			dead[i] = 1; ndead++; nfin++; \
			if :: ENTITLED(i, S, pos) -> gown[S] = 0 :: else fi \
		}; \
		goto died \
	:: skip \
	fi

proctype producer(byte i)
{
	byte k, pos, now, j;
	bool ok, disc;

	for (k : 1 .. (i == NPROD - 1 -> MSGSLAST : MSGS)) {
again:		/* claim(): relaxed load of tail, a starting guess */
		pos = tail;
try:
		if
		:: sdiff(seq[S], pos) == 0 ->	/* P1 saw seq == pos */
#if BROKEN != 4
			claim[i] = pos + 1;	/* claim word before P2 */
#endif
			atomic {		/* P2: CAS tail pos -> pos + 1 */
				if
				:: tail == pos ->
					tail = mod(pos + 1);
					assert(gown[S] == 0);	/* (b) previous claimant done */
					gown[S] = i + 1; gpos[S] = pos;
					assert(gres[pos] == G_FREE);	/* claimed once */
					gres[pos] = G_CLAIMED; gwho[pos] = i + 1;
					ok = 1
				:: else ->
					pos = tail; ok = 0
				fi
			};
#if BROKEN == 4
			claim[i] = pos + 1;
#endif
			if
			:: ok -> ok = 0
			:: else ->
				MAYDIE;		/* may leave a stale claim word */
				goto try
			fi
		:: sdiff(seq[S], pos) < 0 ->	/* previous lap not consumed */
			now = tail;
			if
			:: now == pos ->	/* full: -EAGAIN, wait, retry */
				atomic { now = 0; claim[i] = 0 };
				(tail != pos || sdiff(seq[S], pos) >= 0);
				goto again
			:: else ->
				atomic { pos = now; now = 0 }; goto try
			fi
		:: sdiff(seq[S], pos) > 0 ->	/* another producer won pos */
			now = tail;
			assert(now != pos);	/* no -EBADMSG (corrupt) */
			atomic { pos = now; now = 0 }; goto try
		fi;

		/* the caller's memcpy, word by word */
		for (j : 0 .. W - 1) {
			atomic {
				assert(ENTITLED(i, S, pos));	/* (b) writes own slot */
				data[S * W + j] = val(i, pos)
			};
			if
			:: j == 0 -> MAYDIE	/* dies mid-write */
			:: else
			fi
		};
		j = 0;
		/* publish(): len and flags, then P3 */
		if
		:: DISCARD && i == 0 -> disc = 1	/* shmchan_ring_cancel() */
		:: true -> disc = 0
		fi;
		atomic {
			assert(ENTITLED(i, S, pos));	/* (b) writes own slot */
			flags[S] = disc
		};
#if BROKEN == 1
		atomic {		/* P3 as a plain store */
			seq[S] = mod(pos + 1); ok = 1;
			gres[pos] = (disc -> G_DISCARDED : G_COMMITTED);
			gown[S] = 0; disc = 0
		};
#else
		atomic {		/* P3: CAS seq pos -> pos + 1 */
			if
			:: seq[S] == pos ->
				seq[S] = mod(pos + 1); ok = 1;
				gres[pos] = (disc -> G_DISCARDED : G_COMMITTED)
			:: else ->
				/* only S1 can have changed it (else -EBADMSG) */
				assert(seq[S] == mod(pos - 2));	/* (c) -ECANCELED */
				gres[pos] = G_CANCELLED	/* -ECANCELED */
			fi;
			gown[S] = 0;	/* writes nothing more to the slot */
			disc = 0
		};
#endif
		if
		:: !ok ->
			MAYDIE;
			atomic {	/* P4: CAS pos - 2 -> pos + N */
				if
				:: seq[S] == mod(pos - 2) -> seq[S] = mod(pos + N)
				:: else
				fi
			}
		:: else -> ok = 0
		fi;
		MAYDIE;
		atomic { claim[i] = 0; pos = 0 }	/* release store after the commit */
	};
	nfin++;
	goto end;
died:
	assert(dead[i]);
end:
	skip
}

/* shmchan__claimant(pos): LIVE if a live writer's claim word names pos,
 * else DEAD if a dead one's does, else NONE. One load per step. */
inline claimant(p, who)
{
	who = NONE;
	do
	:: ci < NPROD ->
		c = claim[ci];
		if
		:: c == p + 1 ->
			if
			:: !dead[ci] -> who = LIVE; lw = ci; break
			:: else -> who = DEAD
			fi
		:: else
		fi;
		ci++
	:: else -> break
	od;
	atomic { ci = 0; c = 0 }
}

/* shmchan__clear_claims(pos) */
inline clear_claims(p)
{
	do
	:: ci < NPROD ->
		c = claim[ci];
		if
		:: c == p + 1 && dead[ci] ->
			atomic { if :: claim[ci] == c -> claim[ci] = 0 :: else fi }
		:: else
		fi;
		ci++
	:: else -> break
	od;
	atomic { ci = 0; c = 0 }
}

/* S2: CAS seq pos - 2 -> pos + N (shmchan__ring_reclaim) */
inline reclaim(p)
{
	atomic {
		if
		:: seq[slot(p)] == mod(p - 2) -> seq[slot(p)] = mod(p + N)
		:: else
		fi
	}
}

#define H slot(h)	/* the consumer's slot */
/* What a LIVE verdict on pos p (writer lw) waits for: the slot changed, or the
 * verdict could change (lw died or no longer names p). The C code re-judges
 * every CHECK_EVERY_NS; waiting for a change that can alter the verdict
 * instead keeps the model finite without losing any outcome. */
#define LIVE_CHANGED(p, v) (seq[slot(p)] != (v) || dead[lw] || claim[lw] != (p) + 1)

proctype consumer()
{
	byte h = START, sq, p, who, ci, c, j, lw;
	bool ok, torn;

	do
	:: sq = seq[H];			/* C1 */
		if
		:: sdiff(sq, h) == 1 ->		/* committed */
			sq = 0;
			if
			:: flags[H] ->		/* discarded: consume, deliver nothing */
				assert(gres[h] == G_DISCARDED)	/* (a) */
			:: else ->
				for (j : 0 .. W - 1) {
					if
					:: data[H * W + j] != val(gwho[h] - 1, h) -> torn = 1
					:: else
					fi
				};
				atomic {	/* deliver */
					assert(!torn);		/* (a) data intact */
					assert(!gstep[h]);	/* (a) not stepped over */
					assert(gres[h] == G_COMMITTED);	/* (a) committed */
					assert(gdel[h] == 0);	/* (a) delivered once */
					gdel[h]++;
					j = 0
				}
			fi;
			seq[H] = mod(h + N);	/* C3 */
			h = mod(h + 1)		/* C4 */
		:: sdiff(sq, h) == 0 ->
			sq = 0;
			if
			:: sdiff(tail, h) <= 0 ->	/* HEAD_EMPTY */
				/* all producers returned or died, and nothing is
				 * claimed past head: end of stream */
				if
				:: (nfin == NPROD && tail == h) -> break
				:: else -> (seq[H] != h || tail != h || nfin == NPROD)
				fi
			:: else ->		/* HEAD_PENDING */
				if
				:: (seq[H] != h)	/* wait */
				:: true ->	/* check_abandoned() */
					claimant(h, who);
					if
					:: who == LIVE ->	/* wait, or a wrong verdict */
						if
						:: LIVE_CHANGED(h, h) ->
							atomic { lw = 0; who = 0 }; goto next
						:: true -> lw = 0
						fi
					:: else
					fi;
#if BROKEN == 3
					atomic {	/* S1 as a plain store */
						seq[H] = mod(h - 2); gstep[h] = 1; ok = 1
					};
#else
					atomic {	/* S1: CAS h -> h - 2 */
						if
						:: seq[H] == h ->
							seq[H] = mod(h - 2); gstep[h] = 1; ok = 1
						:: else
						fi
					};
#endif
					if
					:: ok ->
						atomic { p = h; h = mod(h + 1); ok = 0 };	/* C4 */
#if BROKEN == 2
						reclaim(p);
#else
						if
						:: who != LIVE ->
							reclaim(p);	/* S2 */
							clear_claims(p)
						:: else
						fi;
#endif
						p = 0
					:: else		/* committed after all: read it */
					fi;
					who = 0
				fi
			fi
		:: sq == mod(h - N - 2) ->	/* HEAD_STEPPED: pos a lap back */
			atomic {
				sq = 0; p = mod(h - N);
				assert(gstep[p])	/* only S1 makes p - 2 */
			};
			claimant(p, who);
#if BROKEN == 2
			who = DEAD;
#endif
			if
			:: who == LIVE -> LIVE_CHANGED(p, mod(p - 2))
			:: else ->
				reclaim(p);	/* S2 */
				clear_claims(p)
			fi;
			atomic { p = 0; lw = 0; who = 0 }
		:: else ->
			/* h + N, h + N + 1, h - 2 (a dead consumer's leftovers) or
			 * corrupt: impossible with one consumer that never dies */
			assert(false)	/* impossible sequence value */
		fi;
next:		skip
	od;

	/* (c): the end, all producers returned or died, ring drained */
	for (p : 0 .. M - 1) {
		if
		:: gres[p] == G_COMMITTED -> assert(gdel[p] == 1)	/* (c) */
		:: else -> assert(gdel[p] == 0)	/* (c) */
		fi;
		if
		:: gres[p] == G_CANCELLED -> assert(gstep[p])	/* (c) */
		:: gres[p] == G_CLAIMED -> assert(dead[gwho[p] - 1])	/* (c) */
		:: else
		fi
	};
	for (j : 0 .. N - 1) {
		p = mod(h + j);
		/* (c) the ring is back to free slots, but for stepped-over
		 * slots of dead claimants (given back when head reaches them) */
		assert(seq[slot(p)] == p || (seq[slot(p)] == mod(p - N - 2) && gstep[mod(p - N)] && dead[gwho[mod(p - N)] - 1]))
	}
}

init
{
	byte x;

	assert(TOTAL + N <= M && (N & MASK) == 0);
	atomic {
		for (x : 0 .. N - 1) {
			seq[slot(mod(START + x))] = mod(START + x)
		};
		for (x : 0 .. NPROD - 1) {
			run producer(x)
		};
		run consumer()
	}
}
