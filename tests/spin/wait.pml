/*
 * wait.pml: the sleep/wake protocol (FUTEX strategy) of src/wait.c.
 *
 * Mirrors (C code, as of this model):
 *   src/wait.c       header comment (W1-W5, K1-K3); wait_futex() (W1, W2,
 *                    the SLEEP_* bit set after W2, W3, W4, the bit cleared
 *                    before W5, W5, the final ready() re-check);
 *                    shmchan__wait() (the first ready() check);
 *                    shmchan__wake() (K2, K3: futex += 1, FUTEX_WAKE all).
 *   src/wait_pvt.h   struct shmchan__waitq (futex word, waiter count).
 *   src/channel_pvt.h SHMCHAN__OWN_SLEEP_* and SHMCHAN__OWN_DEAD in the owner
 *                    word of the waiter's registry entry.
 *   src/registry.c   reap_one() + mark_gone(): a peer that finds the holder
 *                    dead CASes owner o -> o | DEAD with the SLEEP bit it
 *                    loaded in o, and then undoes the count (fetch_sub) if
 *                    the bit was set; a failed CAS (the word changed) is
 *                    retried with a fresh load.
 *   src/wake.c       shmchan__wake_readers()/_writers() call wake() after
 *                    the publish (K1), which is ring.c's P3 (data) or C3
 *                    (space); repair_sleepers() runs the judge (reap_one)
 *                    when sleepers were counted (its timing is abstracted:
 *                    here the judge may run at any time after the death).
 *
 * Abstractions:
 *   - Memory model: W2, W3, K1, K2 (and every other access) are seq_cst, so
 *     SPIN's interleaving (sequential consistency) is exact for them. W1 and
 *     K3 are relaxed in C: W1 is re-compared by the kernel, and K3 follows
 *     K2 (acquire), so SC does not hide a reordering the argument needs.
 *   - The condition: item k is "published" when a waker sets pubd[k] (K1);
 *     waiters take items in order (waiter's cursor c, ready() == pubd[c]),
 *     like the reader waiting for the slot at head to be committed (items
 *     may be published out of order by two wakers, as two producers commit
 *     two slots). With several waiters every waiter wants every item (a
 *     broadcast, or several writers waiting for space).
 *   - futex_wait(word, v) is one atomic step "if word == v, queue me", then
 *     blocking until dequeued; FUTEX_WAKE(all) dequeues every sleeper in one
 *     atomic step (the kernel's hash bucket lock).
 *   - Not modelled: the time slices (SLEEP_SLICE_NS, SOON_SLICE_NS), which
 *     the header calls a safety net outside the argument: with them, no wait
 *     could ever be lost for good, so they are left out to make losses
 *     visible; spurious returns and EINTR (only extra re-checks); deadlines;
 *     the spin and backoff strategies; wakers that die between K1 and K3
 *     (only the slices recover those, by design); repair_sleepers() timing.
 *   - Death (DIE=1): the last waiter may die at any point between W2 and W5
 *     (asleep or not); the kernel removes it from the futex queue and makes
 *     it "dead" for the judge (its lock byte is free). A judge process plays
 *     reap_one()/mark_gone().
 *
 * Properties:
 *   - no lost wake-up: every live waiter gets every item. A waiter asleep for
 *     ever while its item is published shows as an invalid end state (SPIN's
 *     safety search), and as a violation of the LTL property "all waiters
 *     eventually finish" (run with -DLTL, pan -a -f: weak fairness);
 *   - the waiter count never drops below the number of live waiters counted
 *     in it (between their W2 and W5): a dead waiter's increment is undone at
 *     most once and only if it was made; with no death the count ends at 0.
 *
 * Broken variants (spin -DBROKEN=k), each must make SPIN find an error:
 *   1  the waker loads the waiter count (K2) before publishing (K1);
 *   2  the waiter re-checks (W3) before announcing itself (W2);
 *   3  the waiter loads the futex word (W1) after its re-check (W3);
 *   4  the SLEEP bit is set before the increment W2 (needs DIE=1).
 */

#ifndef NWAITER
#define NWAITER 1
#endif
#ifndef NWAKER
#define NWAKER 2
#endif
#ifndef ROUNDS
#define ROUNDS 1	/* items per waker */
#endif
#ifndef DIE
#define DIE 0		/* the last waiter may die */
#endif
#ifndef BROKEN
#define BROKEN 0
#endif

#define ITEMS (NWAKER * ROUNDS)
#define D (NWAITER - 1)	/* the waiter that may die */

/* owner word flags */
#define SLEEP 1
#define DEAD 2

bool pubd[ITEMS];	/* the condition: item published (K1) */
byte futex;		/* q.futex */
int waiters;		/* q.waiters (uint32 in C: compared with 0 only) */
byte owner[NWAITER];	/* the waiter's registry owner word (flags only) */
bool queued[NWAITER];	/* in the kernel's futex queue */
bool dead[NWAITER];	/* gone: the judge sees its lock byte free */

/* ghost */
byte counted;		/* live waiters between their W2 and W5 */
byte nend;		/* waiters that finished or died */
byte nwoke;		/* wakers that finished */

/* The last waiter may die here (between W2 and W5): the kernel takes it off
 * the futex queue. @in: its increment is in the count. */
#define WDIE(in) \
	if \
	:: DIE && i == D && !dead[i] -> \
		atomic { \
			dead[i] = 1; queued[i] = 0; nend++; \
			if :: in -> counted-- :: else fi \
		}; \
		goto died \
	:: true \
	fi

#define ANNOUNCE	atomic { waiters++; counted++ }		/* W2 */
#define SETBIT		owner[i] = owner[i] | SLEEP		/* fetch_or */

proctype waiter(byte i)
{
	byte c, v;
	bool r;

	do
	:: c == ITEMS -> break
	:: else ->
		/* shmchan__wait(): first ready() */
		if
		:: pubd[c] -> goto got
		:: else
		fi;
again:
#if BROKEN == 3
		skip;
#else
		v = futex;			/* W1 */
#endif
#if BROKEN == 2
		r = pubd[c];			/* W3 too early */
		ANNOUNCE;
		WDIE(1);
		SETBIT;
		WDIE(1);
#elif BROKEN == 4
		SETBIT;				/* bit too early */
		WDIE(0);
		ANNOUNCE;
		WDIE(1);
		r = pubd[c];			/* W3 */
#else
		ANNOUNCE;
		WDIE(1);
		SETBIT;
		WDIE(1);
		r = pubd[c];			/* W3: re-check */
#endif
#if BROKEN == 3
		v = futex;			/* W1 too late */
#endif
		if
		:: !r ->			/* W4: futex_wait(futex, v) */
			atomic {
				if
				:: futex == v -> queued[i] = 1
				:: else
				fi
			};
			WDIE(1);		/* dies asleep (or just queued) */
			!queued[i]
		:: else
		fi;
		v = 0;
		owner[i] = owner[i] & ~SLEEP;	/* fetch_and */
		WDIE(1);
		atomic { waiters--; counted-- };	/* W5 */
		if
		:: r -> r = 0
		:: else ->
			if
			:: pubd[c]		/* ready() again */
			:: else -> goto again
			fi
		fi;
got:
		c++
	od;
	nend++;
	goto end;
died:
	assert(dead[i]);
end:
	skip
}

proctype waker(byte j)
{
	byte k, it;

	for (k : 0 .. ROUNDS - 1) {
		it = j + k * NWAKER;
#if BROKEN == 1
		if
		:: waiters != 0 ->		/* K2 too early */
			pubd[it] = 1;
			futex++;
			atomic { queued[0] = 0; queued[D] = 0 }
		:: else ->
			pubd[it] = 1
		fi
#else
		pubd[it] = 1;			/* K1: publish */
		if
		:: waiters != 0 ->		/* K2 */
			futex++;		/* K3 */
			/* FUTEX_WAKE, all (NWAITER <= 2) */
			atomic { queued[0] = 0; queued[D] = 0 }
		:: else
		fi
#endif
	};
	nwoke++
}

/* reap_one() + mark_gone() for the waiter that may die */
proctype judge()
{
	byte o;
	bool ok;

	do
	:: o = owner[D];
end_wait:	/* judge_dead(): the lock byte is free */
		(dead[D]);
		if
		:: o & DEAD -> break
		:: else
		fi;
		atomic {
			if
			:: owner[D] == o -> owner[D] = o | DEAD; ok = 1
			:: else
			fi
		};
		if
		:: ok ->
			if
			:: o & SLEEP -> waiters--	/* undo its W2 */
			:: else
			fi;
			break
		:: else			/* changed meanwhile: load again */
		fi
	od
}

/* The count never misses a live counted waiter; with nobody dead it ends at
 * zero. */
active proctype monitor()
{
end:
	do
	:: atomic { waiters < counted -> assert(false) }	/* count too low */
	:: atomic {
		nend == NWAITER && nwoke == NWAKER && !dead[D] ->
			assert(waiters == 0); break	/* count leaked */
	   }
	od
}

#ifdef LTL
ltl done { <> (nend == NWAITER) }
#endif

init
{
	byte x;

	assert(NWAITER <= 2);
	atomic {
		for (x : 0 .. NWAITER - 1) {
			run waiter(x)
		};
		for (x : 0 .. NWAKER - 1) {
			run waker(x)
		};
		if
		:: DIE -> run judge()
		:: else
		fi
	}
}
