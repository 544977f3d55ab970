/* SPDX-License-Identifier: MIT */
/*
 * Broadcast channels (publish/subscribe), black box through the public API:
 *   fanout     8 subscriber processes x 1,000,000 messages under BLOCK: every
 *              subscriber gets every message, in order, every byte checked
 *   overwrite  OVERWRITE with a fast and two slow subscribers: no torn
 *              message, delivered + lost == written exactly, losses counted
 *              exactly at each gap; a peeked slot overwritten while held
 *   churn      subscribers joining (next and oldest) and leaving while a
 *              writer streams under BLOCK: contiguity, no stuck writer, end
 *              of stream
 *   killed     a subscriber killed with SIGKILL while the writer is blocked on
 *              it: the writer resumes in bounded time, the other subscriber
 *              loses nothing
 *   limit      SHMCHAN_MAX_SUBSCRIBERS subscribers, the next one -EUSERS; a
 *              closed or dead subscriber's entry is reused
 *   api        small checks: SUB_OLDEST vs next, policies, errors, -EAGAIN
 *              under BLOCK, ELOST under OVERWRITE, end of stream
 * Run one case by giving its name as the argument.
 * Under the sanitizers the two long streams (fanout, churn) and the overwrite
 * stress write a quarter of the messages (T_DIV): every check is the same.
 */
#include <stdatomic.h>
#include <sys/mman.h>

#include "t_util.h"

#ifdef T_SANITIZED
#define T_DIV 4 /* TSan makes the long streams about 7x slower (ASan 1.5x) */
#else
#define T_DIV 1
#endif

#define BOUND_MS 10000 /* any single wait that should succeed */
#define SLOT 64
#define T_MSG_MAX SLOT
#define MAX_CHILDREN 16

#include "t_msg.h"

/* State shared with the child processes (MAP_SHARED, made before fork). */
struct shared {
	atomic_uint ready;
	atomic_uint flag;
	atomic_ullong written;
	atomic_ullong delivered[MAX_CHILDREN];
	atomic_ullong lost[MAX_CHILDREN];
	atomic_ullong extra[MAX_CHILDREN];
	atomic_ullong sessions[MAX_CHILDREN];
};

static struct shared *g_shm;
static const char *g_name;

static void shared_reset(void)
{
	memset(g_shm, 0, sizeof(*g_shm));
}

/* Message @want must be in @buf (well-formed, that index). */
static void check_msg(const void *buf, size_t len, uint64_t want, const char *who)
{
	uint64_t idx = t_msg_check(buf, len, who);

	if (idx != want)
		T_FAIL("%s: got message %llu, expected %llu", who, (unsigned long long)idx,
		       (unsigned long long)want);
}

static void send_msg(struct shmchan_channel *w, uint64_t i)
{
	unsigned char buf[SLOT];
	size_t len = t_msg_make(buf, i);
	int err = shmchan_channel_send(w, buf, len, BOUND_MS);

	if (err)
		T_FAIL("send of message %llu: %s", (unsigned long long)i, shmchan_strerror(err));
}

static void read_msg(struct shmchan_channel *r, uint64_t want)
{
	unsigned char buf[SLOT];
	size_t len;
	int err = shmchan_channel_read(r, buf, sizeof(buf), &len);

	if (err)
		T_FAIL("read, expecting message %llu: %s", (unsigned long long)want,
		       shmchan_strerror(err));
	check_msg(buf, len, want, "read");
}

static uint64_t lost_of(const struct shmchan_channel *s)
{
	uint64_t n = ~0ull;

	ASSERT_OK(shmchan_channel_lost(s, &n));
	return n;
}

/* ---- fanout: 8 subscribers x 1,000,000 messages under BLOCK ---- */

#define FAN_SUBS 8
#define FAN_SLOTS 1024
#define FAN_MSGS (1000000u / T_DIV)

/* Subscriber @arg: odd ones use peek/release, even ones recv; half of them
 * attach with open_reader, half with subscribe(0). */
static int fan_sub(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	struct shmchan_channel s;
	unsigned char buf[SLOT];
	uint64_t next = 0;
	char who[32];
	int err;

	snprintf(who, sizeof(who), "subscriber %u", id);
	if (id & 2)
		ASSERT_OK(shmchan_channel_subscribe(&s, g_name, NULL, 0));
	else
		ASSERT_OK(shmchan_channel_open_reader(&s, g_name, NULL));
	atomic_fetch_add(&g_shm->ready, 1);
	for (;;) {
		const void *view;
		size_t len;

		if (id & 1) {
			err = shmchan_channel_peek(&s, &view, &len);
			if (err == -EAGAIN) {
				err = shmchan_channel_wait_readable(&s, BOUND_MS);
				if (err && err != -EPIPE)
					T_FAIL("%s: wait_readable after %llu messages: %s", who,
					       (unsigned long long)next, shmchan_strerror(err));
				continue;
			}
			if (err == -EPIPE)
				break;
			if (err)
				T_FAIL("%s: peek after %llu messages: %s", who,
				       (unsigned long long)next, shmchan_strerror(err));
			check_msg(view, len, next, who);
			ASSERT_OK(shmchan_channel_release(&s));
		} else {
			err = shmchan_channel_recv(&s, buf, sizeof(buf), &len, BOUND_MS);
			if (err == -EPIPE)
				break;
			if (err)
				T_FAIL("%s: recv after %llu messages: %s", who,
				       (unsigned long long)next, shmchan_strerror(err));
			check_msg(buf, len, next, who);
		}
		next++;
		if ((next & 1023) == 0)
			atomic_store(&g_shm->delivered[id], next);
	}
	atomic_store(&g_shm->delivered[id], next);
	if (next != FAN_MSGS)
		T_FAIL("%s: end of stream after %llu messages, expected %u", who,
		       (unsigned long long)next, FAN_MSGS);
	ASSERT_EQ(lost_of(&s), 0); /* BLOCK loses nothing */
	ASSERT_OK(shmchan_channel_close(&s));
	return 0;
}

static void test_fanout(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = FAN_SLOTS,
				      .policy = SHMCHAN_POLICY_BLOCK };
	struct shmchan_channel w;
	pid_t pids[FAN_SUBS];
	unsigned char buf[SLOT];
	uint64_t i;
	unsigned s;
	int64_t t0;
	double el;

	shared_reset();
	g_name = t_name("bc.fan");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	for (s = 0; s < FAN_SUBS; s++)
		pids[s] = t_fork(fan_sub, (void *)(uintptr_t)s);
	T_WAIT_UNTIL(atomic_load(&g_shm->ready) == FAN_SUBS, BOUND_MS);
	t0 = t_now_ns();
	for (i = 0; i < FAN_MSGS; i++) {
		if (i % 4 == 3) {
			/* Every fourth message zero copy: reserve, fill, commit. */
			size_t len = t_msg_make(buf, i);
			void *slot;
			int err;

			while ((err = shmchan_channel_reserve(&w, len, &slot)) == -EAGAIN) {
				err = shmchan_channel_wait_writable(&w, BOUND_MS);
				if (err)
					T_FAIL("wait_writable at message %llu: %s",
					       (unsigned long long)i, shmchan_strerror(err));
			}
			if (err)
				T_FAIL("reserve at message %llu: %s", (unsigned long long)i,
				       shmchan_strerror(err));
			memcpy(slot, buf, len);
			ASSERT_OK(shmchan_channel_commit(&w, len));
		} else {
			send_msg(&w, i);
		}
	}
	ASSERT_OK(shmchan_channel_close(&w)); /* end of stream */
	for (s = 0; s < FAN_SUBS; s++)
		ASSERT_EQ(t_wait_child(pids[s], 60000), 0);
	el = t_secs_since(t0);
	for (s = 0; s < FAN_SUBS; s++)
		ASSERT_EQ(atomic_load(&g_shm->delivered[s]), FAN_MSGS);
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("fanout: %u subscribers x %u messages (BLOCK, %u slots), every byte checked, "
	       "%.2f s (%.0f messages/s written, %.0f deliveries/s)\n",
	       FAN_SUBS, FAN_MSGS, FAN_SLOTS, el, FAN_MSGS / el, FAN_SUBS * (double)FAN_MSGS / el);
}

/* ---- overwrite: slow and fast subscribers under OVERWRITE ---- */

#define OW_SLOTS 64
#define OW_MSGS (200000u / T_DIV)
enum { OW_FAST, OW_SLOW_READ, OW_SLOW_PEEK, OW_SUBS };
static const char *const ow_names[OW_SUBS] = { "fast (recv)", "slow (read)", "slow (peek)" };

static int ow_sub(void *arg)
{
	unsigned mode = (unsigned)(uintptr_t)arg;
	const char *who = ow_names[mode];
	struct shmchan_channel s;
	uint64_t delivered = 0, lost = 0, lost_at_prev = 0, elost_reads = 0, elost_release = 0;
	int64_t prev = -1;
	unsigned seed = 12345u + mode;
	unsigned char buf[SLOT];

	if (mode == OW_FAST)
		ASSERT_OK(shmchan_channel_subscribe(&s, g_name, NULL, 0));
	else
		ASSERT_OK(shmchan_channel_open_reader(&s, g_name, NULL));
	atomic_fetch_add(&g_shm->ready, 1);
	for (;;) {
		const void *view = NULL;
		uint64_t idx = 0, now;
		size_t len = 0;
		int err;

		if (mode == OW_FAST)
			err = shmchan_channel_recv(&s, buf, sizeof(buf), &len, BOUND_MS);
		else if (mode == OW_SLOW_READ)
			err = shmchan_channel_read(&s, buf, sizeof(buf), &len);
		else
			err = shmchan_channel_peek(&s, &view, &len);
		if (err == -EAGAIN) {
			err = shmchan_channel_wait_readable(&s, BOUND_MS);
			if (err && err != -EPIPE)
				T_FAIL("%s: wait_readable: %s", who, shmchan_strerror(err));
			continue;
		}
		if (err == -EPIPE)
			break;
		if (err == SHMCHAN_ELOST) {
			now = lost_of(&s);
			if (now <= lost)
				T_FAIL("%s: SHMCHAN_ELOST but the lost count stayed %llu", who,
				       (unsigned long long)now);
			lost = now;
			elost_reads++;
			continue;
		}
		if (err)
			T_FAIL("%s: after message %lld: %s", who, (long long)prev,
			       shmchan_strerror(err));
		if (mode == OW_SLOW_PEEK) {
			/* Hold the view a while (the writer may reuse the slot), then
			 * look again: release must say so if it was overwritten. */
			int ok = t_msg_ok(view, len, &idx);
			uint64_t idx2 = 0;

			t_sleep_us(rand_r(&seed) % 300);
			ok = ok && t_msg_ok(view, len, &idx2) && idx2 == idx;
			err = shmchan_channel_release(&s);
			if (err == SHMCHAN_ELOST) {
				now = lost_of(&s);
				if (now != lost + 1)
					T_FAIL("%s: release returned ELOST, lost went %llu -> %llu "
					       "(expected +1)",
					       who, (unsigned long long)lost,
					       (unsigned long long)now);
				lost = now;
				elost_release++;
				continue;
			}
			if (err)
				T_FAIL("%s: release: %s", who, shmchan_strerror(err));
			if (!ok)
				T_FAIL("%s: the view changed while held (index %llu), yet release "
				       "returned 0",
				       who, (unsigned long long)idx);
		} else {
			if (!t_msg_ok(buf, len, &idx))
				T_FAIL("%s: torn or corrupt message after %lld (len %zu, index "
				       "field %llu)",
				       who, (long long)prev, len, (unsigned long long)idx);
			if (mode == OW_SLOW_READ)
				t_sleep_us(rand_r(&seed) % 150);
		}
		/* Strictly increasing, and each gap counted exactly as lost. */
		if (idx >= OW_MSGS || (int64_t)idx <= prev)
			T_FAIL("%s: message %llu after %lld", who, (unsigned long long)idx,
			       (long long)prev);
		now = lost_of(&s);
		if (now != lost)
			T_FAIL("%s: lost count changed from %llu to %llu on a successful read", who,
			       (unsigned long long)lost, (unsigned long long)now);
		if (idx - (uint64_t)(prev + 1) != lost - lost_at_prev)
			T_FAIL("%s: gap of %llu messages (%lld -> %llu) but %llu counted lost", who,
			       (unsigned long long)(idx - (uint64_t)(prev + 1)), (long long)prev,
			       (unsigned long long)idx, (unsigned long long)(lost - lost_at_prev));
		lost_at_prev = lost;
		prev = (int64_t)idx;
		delivered++;
	}
	if (delivered + lost != OW_MSGS)
		T_FAIL("%s: delivered %llu + lost %llu != written %u", who,
		       (unsigned long long)delivered, (unsigned long long)lost, OW_MSGS);
	if (prev != OW_MSGS - 1)
		T_FAIL("%s: end of stream after message %lld, expected %u", who, (long long)prev,
		       OW_MSGS - 1);
	atomic_store(&g_shm->delivered[mode], delivered);
	atomic_store(&g_shm->lost[mode], lost);
	atomic_store(&g_shm->extra[mode], elost_reads);
	atomic_store(&g_shm->sessions[mode], elost_release);
	ASSERT_OK(shmchan_channel_close(&s));
	return 0;
}

/* Deterministic: an overrun subscriber, and a peeked slot overwritten. */
static void test_overwrite_exact(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = 4,
				      .policy = SHMCHAN_POLICY_OVERWRITE };
	struct shmchan_channel w, s, s2;
	unsigned char buf[SLOT];
	const void *view;
	uint64_t i;
	size_t len;

	g_name = t_name("bc.owx");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	ASSERT_OK(shmchan_channel_open_reader(&s, g_name, NULL));
	ASSERT_OK(shmchan_channel_open_reader(&s2, g_name, NULL));
	/* 10 messages into 4 slots, nobody reading: the writer never waits. */
	for (i = 0; i < 10; i++) {
		len = t_msg_make(buf, i);
		ASSERT_OK(shmchan_channel_write(&w, buf, len));
	}
	ASSERT_EQ(lost_of(&s), 0); /* counted when found */
	ASSERT_ERR(shmchan_channel_read(&s, buf, sizeof(buf), &len), SHMCHAN_ELOST);
	ASSERT_EQ(lost_of(&s), 6);
	read_msg(&s, 6); /* once: then the oldest retained */
	read_msg(&s, 7);
	read_msg(&s, 8);
	read_msg(&s, 9);
	ASSERT_ERR(shmchan_channel_read(&s, buf, sizeof(buf), &len), -EAGAIN);
	ASSERT_EQ(lost_of(&s), 6);
	/* peek reports the loss the same way. */
	ASSERT_ERR(shmchan_channel_peek(&s2, &view, &len), SHMCHAN_ELOST);
	ASSERT_EQ(lost_of(&s2), 6);
	ASSERT_OK(shmchan_channel_peek(&s2, &view, &len));
	check_msg(view, len, 6, "peek after ELOST");
	ASSERT_OK(shmchan_channel_release(&s2));
	ASSERT_OK(shmchan_channel_close(&s2));

	/* Peek message 10, then the writer laps the ring over it. */
	len = t_msg_make(buf, 10);
	ASSERT_OK(shmchan_channel_write(&w, buf, len));
	ASSERT_OK(shmchan_channel_peek(&s, &view, &len));
	check_msg(view, len, 10, "peek");
	for (i = 11; i < 15; i++) { /* 14 lands in message 10's slot */
		len = t_msg_make(buf, i);
		ASSERT_OK(shmchan_channel_write(&w, buf, len));
	}
	ASSERT_ERR(shmchan_channel_release(&s), SHMCHAN_ELOST);
	ASSERT_EQ(lost_of(&s), 7); /* one more */
	read_msg(&s, 11);
	read_msg(&s, 12);
	read_msg(&s, 13);
	read_msg(&s, 14);
	ASSERT_EQ(lost_of(&s), 7);
	/* A peek released before any overwrite is fine. */
	len = t_msg_make(buf, 15);
	ASSERT_OK(shmchan_channel_write(&w, buf, len));
	ASSERT_OK(shmchan_channel_peek(&s, &view, &len));
	check_msg(view, len, 15, "peek");
	ASSERT_OK(shmchan_channel_release(&s));
	/* End of stream. */
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_ERR(shmchan_channel_read(&s, buf, sizeof(buf), &len), -EPIPE);
	ASSERT_EQ(lost_of(&s), 7);
	ASSERT_OK(shmchan_channel_close(&s));
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("overwrite: exact ELOST counts on overrun, peek and release of a reused slot\n");
}

static void test_overwrite(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = OW_SLOTS,
				      .policy = SHMCHAN_POLICY_OVERWRITE };
	struct shmchan_channel w;
	unsigned char buf[SLOT];
	pid_t pids[OW_SUBS];
	unsigned s;
	uint64_t i;
	int64_t t0;

	test_overwrite_exact();
	shared_reset();
	g_name = t_name("bc.ow");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	for (s = 0; s < OW_SUBS; s++)
		pids[s] = t_fork(ow_sub, (void *)(uintptr_t)s);
	T_WAIT_UNTIL(atomic_load(&g_shm->ready) == OW_SUBS, BOUND_MS);
	t0 = t_now_ns();
	for (i = 0; i < OW_MSGS; i++) {
		size_t len = t_msg_make(buf, i);
		int err = shmchan_channel_write(&w, buf, len);

		if (err)
			T_FAIL("OVERWRITE write of message %llu: %s (must never wait)",
			       (unsigned long long)i, shmchan_strerror(err));
		if ((i & 63) == 63)
			t_sleep_us(50); /* let the fast subscriber mostly keep up */
	}
	ASSERT_OK(shmchan_channel_close(&w));
	for (s = 0; s < OW_SUBS; s++)
		ASSERT_EQ(t_wait_child(pids[s], 60000), 0);
	printf("overwrite: %u messages into %u slots in %.2f s\n", OW_MSGS, OW_SLOTS,
	       t_secs_since(t0));
	for (s = 0; s < OW_SUBS; s++)
		printf("  %-12s delivered %llu, lost %llu (%llu ELOST reads, %llu ELOST "
		       "releases)\n",
		       ow_names[s], (unsigned long long)atomic_load(&g_shm->delivered[s]),
		       (unsigned long long)atomic_load(&g_shm->lost[s]),
		       (unsigned long long)atomic_load(&g_shm->extra[s]),
		       (unsigned long long)atomic_load(&g_shm->sessions[s]));
	/* The slow ones were overrun: the writer did not wait for them. */
	ASSERT_TRUE(atomic_load(&g_shm->lost[OW_SLOW_READ]) > 0);
	ASSERT_TRUE(atomic_load(&g_shm->lost[OW_SLOW_PEEK]) > 0);
	ASSERT_OK(shmchan_channel_unlink(g_name));
}

/* ---- churn: subscribers join and leave during a BLOCK stream ---- */

#define CH_SLOTS 256
#define CH_MSGS (1000000u / T_DIV)
#define CH_CHURNERS 3
#define CH_PERSIST CH_CHURNERS /* index of the subscriber that stays */

static int churn_persistent(void *arg)
{
	struct shmchan_channel s;
	unsigned char buf[SLOT];
	uint64_t next = 0;
	size_t len;
	int err;

	(void)arg;
	ASSERT_OK(shmchan_channel_open_reader(&s, g_name, NULL));
	atomic_fetch_add(&g_shm->ready, 1);
	while ((err = shmchan_channel_recv(&s, buf, sizeof(buf), &len, BOUND_MS)) == 0) {
		check_msg(buf, len, next, "persistent subscriber");
		next++;
	}
	if (err != -EPIPE)
		T_FAIL("persistent subscriber: recv after %llu messages: %s",
		       (unsigned long long)next, shmchan_strerror(err));
	ASSERT_EQ(next, CH_MSGS);
	atomic_store(&g_shm->delivered[CH_PERSIST], next);
	ASSERT_OK(shmchan_channel_close(&s));
	return 0;
}

static int churner(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg, seed = 777u * (id + 1), sessions = 0;
	uint64_t total = 0, oldest_sessions = 0;
	char who[48];

	for (;;) {
		unsigned mode = sessions % 3, k;
		uint64_t before, after, got = 0, last = 0;
		struct shmchan_channel s;
		int err = 0;

		snprintf(who, sizeof(who), "churner %u session %u (%s)", id, sessions,
			 mode == 0   ? "open_reader"
			 : mode == 1 ? "subscribe next"
				     : "oldest");
		before = atomic_load(&g_shm->written);
		if (mode == 0)
			ASSERT_OK(shmchan_channel_open_reader(&s, g_name, NULL));
		else
			ASSERT_OK(shmchan_channel_subscribe(&s, g_name, NULL,
							    mode == 2 ? SHMCHAN_SUB_OLDEST : 0));
		after = atomic_load(&g_shm->written);
		if (sessions == 0)
			atomic_fetch_add(&g_shm->ready, 1);
		/* Mostly short visits, some long ones. */
		k = rand_r(&seed) % 4 ? rand_r(&seed) % 40 + 1 : rand_r(&seed) % 3000 + 1;
		while (got < k) {
			unsigned char buf[SLOT];
			uint64_t idx = 0;
			size_t len;

			err = shmchan_channel_recv(&s, buf, sizeof(buf), &len, BOUND_MS);
			if (err == -EPIPE)
				break;
			if (err)
				T_FAIL("%s: recv after %llu messages: %s", who,
				       (unsigned long long)got, shmchan_strerror(err));
			if (!t_msg_ok(buf, len, &idx))
				T_FAIL("%s: corrupt message", who);
			if (got == 0) {
				/* next: nothing committed before it attached; oldest:
				 * at most one ring back, and not beyond what was
				 * written by the time it attached (plus one in flight). */
				if (mode != 2 && idx < before)
					T_FAIL("%s: first message %llu, but %llu were written "
					       "before it attached",
					       who, (unsigned long long)idx,
					       (unsigned long long)before);
				if (mode == 2 && (idx + CH_SLOTS < before || idx > after + 1))
					T_FAIL("%s: first message %llu, written %llu..%llu "
					       "around the subscribe",
					       who, (unsigned long long)idx,
					       (unsigned long long)before,
					       (unsigned long long)after);
			} else if (idx != last + 1) {
				T_FAIL("%s: message %llu after %llu", who, (unsigned long long)idx,
				       (unsigned long long)last);
			}
			last = idx;
			got++;
		}
		if (mode == 2)
			oldest_sessions++;
		total += got;
		sessions++;
		if (err == -EPIPE) {
			if (got && last != CH_MSGS - 1)
				T_FAIL("%s: end of stream after message %llu of %u", who,
				       (unsigned long long)last, CH_MSGS);
			if (atomic_load(&g_shm->flag) == 0)
				T_FAIL("%s: end of stream while the writer was attached", who);
			ASSERT_OK(shmchan_channel_close(&s));
			break;
		}
		ASSERT_OK(shmchan_channel_close(&s));
	}
	atomic_store(&g_shm->delivered[id], total);
	atomic_store(&g_shm->sessions[id], sessions);
	atomic_store(&g_shm->extra[id], oldest_sessions);
	return 0;
}

static void test_churn(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = CH_SLOTS };
	struct shmchan_channel w;
	pid_t pids[CH_CHURNERS + 1];
	int64_t t0, worst = 0;
	unsigned c;
	uint64_t i;

	shared_reset();
	g_name = t_name("bc.churn");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg)); /* policy 0: BLOCK */
	pids[CH_PERSIST] = t_fork(churn_persistent, NULL);
	T_WAIT_UNTIL(atomic_load(&g_shm->ready) == 1, BOUND_MS);
	for (c = 0; c < CH_CHURNERS; c++)
		pids[c] = t_fork(churner, (void *)(uintptr_t)c);
	T_WAIT_UNTIL(atomic_load(&g_shm->ready) == 1 + CH_CHURNERS, BOUND_MS);
	t0 = t_now_ns();
	for (i = 0; i < CH_MSGS; i++) {
		int64_t t = t_now_ns(), d;

		send_msg(&w, i); /* bounded: fails after BOUND_MS stuck */
		d = t_now_ns() - t;
		if (d > worst)
			worst = d;
		atomic_store(&g_shm->written, i + 1);
	}
	atomic_store(&g_shm->flag, 1); /* before close: end of stream may follow */
	ASSERT_OK(shmchan_channel_close(&w));
	for (c = 0; c <= CH_CHURNERS; c++)
		ASSERT_EQ(t_wait_child(pids[c], 60000), 0);
	ASSERT_EQ(atomic_load(&g_shm->delivered[CH_PERSIST]), CH_MSGS);
	printf("churn: %u messages under BLOCK in %.2f s, longest send %.1f ms\n", CH_MSGS,
	       t_secs_since(t0), (double)worst / 1e6);
	for (c = 0; c < CH_CHURNERS; c++) {
		printf("  churner %u: %llu sessions (%llu from the oldest), %llu messages\n", c,
		       (unsigned long long)atomic_load(&g_shm->sessions[c]),
		       (unsigned long long)atomic_load(&g_shm->extra[c]),
		       (unsigned long long)atomic_load(&g_shm->delivered[c]));
		ASSERT_TRUE(atomic_load(&g_shm->sessions[c]) >= 3);
	}
	ASSERT_OK(shmchan_channel_unlink(g_name));
}

/* ---- killed: a subscriber SIGKILLed while the writer waits on it ---- */

#define KL_SLOTS 64
#define KL_MSGS 20000u

static int kl_victim(void *arg)
{
	struct shmchan_channel s;

	(void)arg;
	ASSERT_OK(shmchan_channel_open_reader(&s, g_name, NULL));
	atomic_fetch_add(&g_shm->ready, 1);
	t_idle_bounded(); /* never reads; killed by the parent */
	return 5;
}

static int kl_good(void *arg)
{
	struct shmchan_channel s;
	unsigned char buf[SLOT];
	uint64_t next = 0;
	size_t len;
	int err;

	(void)arg;
	ASSERT_OK(shmchan_channel_subscribe(&s, g_name, NULL, 0));
	atomic_fetch_add(&g_shm->ready, 1);
	while ((err = shmchan_channel_recv(&s, buf, sizeof(buf), &len, 20000)) == 0) {
		check_msg(buf, len, next, "surviving subscriber");
		atomic_store(&g_shm->delivered[0], ++next);
	}
	if (err != -EPIPE)
		T_FAIL("surviving subscriber: recv after %llu messages: %s",
		       (unsigned long long)next, shmchan_strerror(err));
	ASSERT_EQ(next, KL_MSGS);
	ASSERT_OK(shmchan_channel_close(&s));
	return 0;
}

static int kl_writer(void *arg)
{
	struct shmchan_channel w;
	uint64_t i;

	(void)arg;
	ASSERT_OK(shmchan_channel_open_writer(&w, g_name, NULL));
	atomic_store(&g_shm->flag, 1);
	for (i = 0; i < KL_MSGS; i++) {
		send_msg(&w, i); /* at most BOUND_MS blocked */
		atomic_store(&g_shm->written, i + 1);
	}
	ASSERT_OK(shmchan_channel_close(&w));
	return 0;
}

/* A writer that reserves position 0 and waits to be killed. */
static int kw_holder(void *arg)
{
	struct shmchan_channel w;
	void *slot;

	(void)arg;
	if (shmchan_channel_open_writer(&w, g_name, NULL) != 0 ||
	    shmchan_channel_reserve(&w, 8, &slot) != 0)
		return 1;
	atomic_store(&g_shm->flag, 1);
	t_idle_bounded();
	return 2;
}

/*
 * A writer killed holding a reservation: a writer a lap later goes on
 * within a bounded time, whatever its wait strategy (SPIN never sleeps,
 * so it must look for the dead writer while it spins), under both
 * policies, with no subscriber waiting at that position.
 */
static void test_killed_writer(void)
{
	static const uint32_t waits[3] = { SHMCHAN_WAIT_FUTEX, SHMCHAN_WAIT_SPIN,
					   SHMCHAN_WAIT_BACKOFF };
	unsigned i;

	for (i = 0; i < 6; i++) {
		struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
					      .slot_size = SLOT,
					      .slot_count = 4,
					      .policy = i < 3 ? SHMCHAN_POLICY_OVERWRITE
							      : SHMCHAN_POLICY_BLOCK };
		struct shmchan_config how = { .wait = waits[i % 3] };
		struct shmchan_channel w0, w;
		unsigned char buf[SLOT];
		uint64_t k;
		int64_t t0;
		pid_t holder;

		shared_reset();
		g_name = t_name("bc.killw");
		ASSERT_OK(shmchan_channel_create_writer(&w0, g_name, &cfg));
		holder = t_fork(kw_holder, NULL);
		T_WAIT_UNTIL(atomic_load(&g_shm->flag) == 1, BOUND_MS);
		for (k = 1; k < 4; k++)
			ASSERT_OK(shmchan_channel_write(&w0, buf, t_msg_make(buf, k)));
		ASSERT_ERR(shmchan_channel_write(&w0, buf, t_msg_make(buf, 4)), -EAGAIN);
		t_kill_wait(holder);
		/* A fresh handle: it finds the dead writer in its wait. */
		ASSERT_OK(shmchan_channel_open_writer(&w, g_name, &how));
		t0 = t_now_ns();
		ASSERT_OK(shmchan_channel_send(&w, buf, t_msg_make(buf, 4), 3000));
		printf("killed writer (%s, wait %u): the next writer went on after %.1f ms\n",
		       i < 3 ? "overwrite" : "block", waits[i % 3],
		       (double)(t_now_ns() - t0) / 1e6);
		ASSERT_OK(shmchan_channel_close(&w));
		ASSERT_OK(shmchan_channel_close(&w0));
		ASSERT_OK(shmchan_channel_unlink(g_name));
	}
}

/* A subscriber that must get messages 7 to 7 + WFR_MSGS - 1, in order. */
#define WFR_SLOTS 8
#define WFR_MSGS (WFR_SLOTS + 1)
static int wr_sub(void *arg)
{
	struct shmchan_channel s;
	unsigned char buf[SLOT];
	size_t len;
	uint64_t idx, k;
	int err = 0;

	(void)arg;
	if (shmchan_channel_open_reader(&s, g_name, NULL) != 0)
		return 1;
	for (k = 0; k < WFR_MSGS && !err; k++) {
		err = shmchan_channel_recv(&s, buf, sizeof(buf), &len, BOUND_MS);
		if (!err && (!t_msg_ok(buf, len, &idx) || idx != 7 + k))
			err = 2;
	}
	shmchan_channel_close(&s);
	return err ? 2 : 0;
}

/*
 * wait_for_reader, then write more than a lap: the subscriber it saw gets
 * every message, however the join and the wait interleave (the writer has
 * written before, with no subscriber: its gate was "none").
 */
static void test_wait_for_reader(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = WFR_SLOTS };
	unsigned char buf[SLOT];
	unsigned i, k;

	for (i = 0; i < 300; i++) {
		struct shmchan_channel w;
		pid_t sub;

		g_name = t_name("bc.wfr");
		ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
		ASSERT_OK(shmchan_channel_write(&w, buf, t_msg_make(buf, 0)));
		sub = t_fork(wr_sub, NULL);
		ASSERT_OK(shmchan_channel_wait_for_reader(&w, BOUND_MS));
		for (k = 0; k < WFR_MSGS; k++)
			ASSERT_OK(shmchan_channel_send(&w, buf, t_msg_make(buf, 7 + k), BOUND_MS));
		ASSERT_EQ(t_wait_child(sub, BOUND_MS), 0);
		ASSERT_OK(shmchan_channel_close(&w));
		ASSERT_OK(shmchan_channel_unlink(g_name));
		t_nnames = 0;
	}
	printf("wait_for_reader: 300 joins raced with a wait and %d writes, none missed\n",
	       WFR_MSGS);
}

static void test_killed(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = KL_SLOTS,
				      .policy = SHMCHAN_POLICY_BLOCK };
	struct shmchan_channel w0;
	pid_t victim, good, writer;
	int64_t t0, ms;

	shared_reset();
	g_name = t_name("bc.kill");
	ASSERT_OK(shmchan_channel_create_writer(&w0, g_name, &cfg));
	victim = t_fork(kl_victim, NULL);
	good = t_fork(kl_good, NULL);
	T_WAIT_UNTIL(atomic_load(&g_shm->ready) == 2, BOUND_MS);
	writer = t_fork(kl_writer, NULL);
	T_WAIT_UNTIL(atomic_load(&g_shm->flag) == 1, BOUND_MS);
	ASSERT_OK(shmchan_channel_close(&w0)); /* the child is the only writer now */
	/* The victim lags by a full ring: the writer waits on it. */
	T_WAIT_UNTIL(atomic_load(&g_shm->written) == KL_SLOTS, BOUND_MS);
	T_WAIT_UNTIL(atomic_load(&g_shm->delivered[0]) == KL_SLOTS, BOUND_MS);
	t_sleep_us(300000);
	ASSERT_EQ(atomic_load(&g_shm->written), KL_SLOTS);
	/* Kill it (and reap it: a zombie still looks alive). */
	t0 = t_now_ns();
	t_kill_wait(victim);
	T_WAIT_UNTIL(atomic_load(&g_shm->written) > KL_SLOTS, 3000);
	ms = (t_now_ns() - t0) / 1000000;
	ASSERT_EQ(t_wait_child(writer, 60000), 0);
	ASSERT_EQ(t_wait_child(good, 60000), 0);
	ASSERT_EQ(atomic_load(&g_shm->delivered[0]), KL_MSGS);
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("killed: writer blocked on a dead subscriber resumed %lld ms after the kill; the "
	       "other subscriber got all %u messages in order\n",
	       (long long)ms, KL_MSGS);
}

/* ---- limit: SHMCHAN_MAX_SUBSCRIBERS ---- */

static int lim_child(void *arg)
{
	struct shmchan_channel s;

	(void)arg;
	ASSERT_OK(shmchan_channel_subscribe(&s, g_name, NULL, SHMCHAN_SUB_OLDEST));
	atomic_fetch_add(&g_shm->ready, 1);
	t_idle_bounded();
	return 5;
}

static void test_limit(void)
{
	static struct shmchan_channel subs[SHMCHAN_MAX_SUBSCRIBERS + 1];
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = 8 };
	struct shmchan_channel w, extra;
	unsigned char buf[SLOT];
	size_t len;
	pid_t pid;
	int i;

	ASSERT_EQ(SHMCHAN_MAX_SUBSCRIBERS, 64);
	shared_reset();
	g_name = t_name("bc.limit");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &cfg));
	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++) {
		if (i % 3 == 0)
			ASSERT_OK(shmchan_channel_open_reader(&subs[i], g_name, NULL));
		else
			ASSERT_OK(shmchan_channel_subscribe(&subs[i], g_name, NULL,
							    i % 3 == 2 ? SHMCHAN_SUB_OLDEST : 0));
	}
	ASSERT_ERR(shmchan_channel_open_reader(&subs[i], g_name, NULL), -EUSERS);
	ASSERT_ERR(shmchan_channel_subscribe(&subs[i], g_name, NULL, 0), -EUSERS);
	ASSERT_ERR(shmchan_channel_subscribe(&subs[i], g_name, NULL, SHMCHAN_SUB_OLDEST), -EUSERS);
	/* Writers are not subscribers: one more writer still joins. */
	ASSERT_OK(shmchan_channel_open_writer(&extra, g_name, NULL));
	ASSERT_OK(shmchan_channel_close(&extra));
	/* All 64 get the same message. */
	len = t_msg_make(buf, 42);
	ASSERT_OK(shmchan_channel_write(&w, buf, len));
	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++)
		read_msg(&subs[i], 42);
	/* A closed subscriber's entry is reused. */
	ASSERT_OK(shmchan_channel_close(&subs[10]));
	ASSERT_OK(shmchan_channel_open_reader(&subs[10], g_name, NULL));
	ASSERT_ERR(shmchan_channel_open_reader(&subs[SHMCHAN_MAX_SUBSCRIBERS], g_name, NULL),
		   -EUSERS);
	/* So is a dead one's: a child takes the 64th entry and is killed. */
	ASSERT_OK(shmchan_channel_close(&subs[20]));
	pid = t_fork(lim_child, NULL);
	T_WAIT_UNTIL(atomic_load(&g_shm->ready) == 1, BOUND_MS);
	ASSERT_ERR(shmchan_channel_open_reader(&subs[20], g_name, NULL), -EUSERS);
	t_kill_wait(pid);
	ASSERT_OK(shmchan_channel_open_reader(&subs[20], g_name, NULL));
	ASSERT_ERR(shmchan_channel_subscribe(&subs[SHMCHAN_MAX_SUBSCRIBERS], g_name, NULL, 0),
		   -EUSERS);
	len = t_msg_make(buf, 43);
	ASSERT_OK(shmchan_channel_write(&w, buf, len));
	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++)
		read_msg(&subs[i], 43);
	for (i = 0; i < SHMCHAN_MAX_SUBSCRIBERS; i++)
		ASSERT_OK(shmchan_channel_close(&subs[i]));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(g_name));
	printf("limit: %d subscribers, the next -EUSERS; closed and dead entries reused\n",
	       SHMCHAN_MAX_SUBSCRIBERS);
}

/* ---- api: small checks ---- */

static void test_api_create(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = 8 };
	struct shmchan_channel w, r, s;
	const char *name = t_name("bc.args");
	unsigned char buf[SLOT];
	uint64_t n;
	size_t len;

	cfg.policy = 3;
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EINVAL);
	cfg.policy = 99;
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EINVAL);
	cfg.policy = SHMCHAN_POLICY_BLOCK;
	cfg.slot_count = 6; /* not a power of two */
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EINVAL);
	cfg.slot_count = 8;
	cfg.slot_size = 0;
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EINVAL);
	/* A policy on another kind. */
	cfg = (struct shmchan_config){ .slot_size = SLOT,
				       .slot_count = 8,
				       .policy = SHMCHAN_POLICY_OVERWRITE };
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EINVAL);
	cfg.kind = SHMCHAN_KIND_WORKQUEUE;
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EINVAL);
	ASSERT_ERR(shmchan_channel_open_reader(&r, name, NULL), -ENOENT); /* nothing left */

	/* A slot channel: subscribe is refused, lost is not for its reader. */
	cfg = (struct shmchan_config){ .slot_size = SLOT, .slot_count = 8 };
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	ASSERT_ERR(shmchan_channel_subscribe(&s, name, NULL, 0), SHMCHAN_EKIND);
	ASSERT_ERR(shmchan_channel_subscribe(&s, name, NULL, SHMCHAN_SUB_OLDEST), SHMCHAN_EKIND);
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	ASSERT_ERR(shmchan_channel_lost(&r, &n), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_lost(&w, &n), -ENOTSUP);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(name));

	/* A record channel: subscribe is refused too. */
	cfg = (struct shmchan_config){ .kind = SHMCHAN_KIND_RECORD, .buffer_size = 1024 };
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	ASSERT_ERR(shmchan_channel_subscribe(&s, name, NULL, 0), SHMCHAN_EKIND);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(name));

	/* Broadcast: config reports the policy; expectations; bad flags; lost
	 * on the writer; NULL and closed handles. */
	cfg = (struct shmchan_config){ .kind = SHMCHAN_KIND_BROADCAST,
				       .slot_size = SLOT,
				       .slot_count = 8,
				       .policy = SHMCHAN_POLICY_OVERWRITE };
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	{
		struct shmchan_config got, expect = { .kind = SHMCHAN_KIND_BROADCAST,
						      .policy = SHMCHAN_POLICY_OVERWRITE };

		ASSERT_OK(shmchan_channel_config(&w, &got));
		ASSERT_EQ(got.kind, SHMCHAN_KIND_BROADCAST);
		ASSERT_EQ(got.slot_size, SLOT);
		ASSERT_EQ(got.slot_count, 8);
		ASSERT_EQ(got.policy, SHMCHAN_POLICY_OVERWRITE);
		ASSERT_EQ(shmchan_channel_capacity(&w), 8);
		ASSERT_OK(shmchan_channel_subscribe(&s, name, &expect, 0));
		ASSERT_OK(shmchan_channel_close(&s));
		expect.policy = SHMCHAN_POLICY_BLOCK;
		ASSERT_TRUE(shmchan_channel_subscribe(&s, name, &expect, 0) < 0);
		ASSERT_TRUE(shmchan_channel_open_reader(&s, name, &expect) < 0);
		expect.policy = 0;
		expect.kind = SHMCHAN_KIND_SLOT;
		ASSERT_ERR(shmchan_channel_open_reader(&s, name, &expect), SHMCHAN_EKIND);
	}
	ASSERT_ERR(shmchan_channel_subscribe(&s, name, NULL, 2), -EINVAL);
	ASSERT_ERR(shmchan_channel_subscribe(&s, name, NULL, ~0u), -EINVAL);
	ASSERT_ERR(shmchan_channel_subscribe(NULL, name, NULL, 0), -EINVAL);
	ASSERT_ERR(shmchan_channel_lost(&w, &n), -ENOTSUP);
	ASSERT_OK(shmchan_channel_subscribe(&s, name, NULL, 0));
	ASSERT_ERR(shmchan_channel_lost(&s, NULL), -EINVAL);
	ASSERT_ERR(shmchan_channel_lost(NULL, &n), -EINVAL);
	ASSERT_OK(shmchan_channel_lost(&s, &n));
	ASSERT_EQ(n, 0);
	/* Each side refuses the other's calls. */
	ASSERT_ERR(shmchan_channel_write(&s, "x", 1), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_read(&w, buf, sizeof(buf), &len), -ENOTSUP);
	ASSERT_OK(shmchan_channel_close(&s));
	ASSERT_ERR(shmchan_channel_lost(&s, &n), -EINVAL); /* closed */
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(name));
	ASSERT_ERR(shmchan_channel_subscribe(&s, name, NULL, 0), -ENOENT);
}

static void test_api_block(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = 8,
				      .policy = SHMCHAN_POLICY_BLOCK };
	struct shmchan_channel w, w2, next, old, old2;
	const char *name = t_name("bc.block");
	unsigned char buf[SLOT];
	const void *view;
	uint64_t i;
	size_t len;
	void *slot;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	/* No subscriber: the writer never waits, the oldest are overwritten. */
	for (i = 0; i < 20; i++) {
		len = t_msg_make(buf, i);
		ASSERT_OK(shmchan_channel_write(&w, buf, len));
	}
	/* SUB_OLDEST gets the 8 retained; next (open_reader) gets none of them. */
	ASSERT_OK(shmchan_channel_subscribe(&old, name, NULL, SHMCHAN_SUB_OLDEST));
	ASSERT_OK(shmchan_channel_open_reader(&next, name, NULL));
	ASSERT_ERR(shmchan_channel_read(&next, buf, sizeof(buf), &len), -EAGAIN);
	ASSERT_ERR(shmchan_channel_wait_readable(&next, 0), -ETIMEDOUT);
	ASSERT_ERR(shmchan_channel_recv(&next, buf, sizeof(buf), &len, 20), -ETIMEDOUT);
	ASSERT_EQ(shmchan_channel_depth(&next), 0);
	ASSERT_EQ(shmchan_channel_depth(&old), 8);
	for (i = 12; i < 16; i++)
		read_msg(&old, i);
	/* Both get what is written from now on; the writer is held back by the
	 * slowest: old has 4 to read, so 4 more fit. */
	for (i = 20; i < 24; i++) {
		len = t_msg_make(buf, i);
		ASSERT_OK(shmchan_channel_write(&w, buf, len));
	}
	len = t_msg_make(buf, 24);
	ASSERT_ERR(shmchan_channel_write(&w, buf, len), -EAGAIN);
	ASSERT_ERR(shmchan_channel_reserve(&w, len, &slot), -EAGAIN);
	ASSERT_ERR(shmchan_channel_send(&w, buf, len, 30), -ETIMEDOUT);
	ASSERT_ERR(shmchan_channel_wait_writable(&w, 0), -ETIMEDOUT);
	ASSERT_EQ(shmchan_channel_depth(&w), 8);
	for (i = 20; i < 24; i++)
		read_msg(&next, i);
	ASSERT_ERR(shmchan_channel_write(&w, buf, len), -EAGAIN); /* old still lags */
	read_msg(&old, 16);
	ASSERT_OK(shmchan_channel_wait_writable(&w, 0));
	ASSERT_OK(shmchan_channel_write(&w, buf, len)); /* 24 */
	ASSERT_ERR(shmchan_channel_write(&w, buf, len), -EAGAIN);
	/* A second subscriber from the oldest, a second writer: both fine. */
	ASSERT_OK(shmchan_channel_subscribe(&old2, name, NULL, SHMCHAN_SUB_OLDEST));
	ASSERT_EQ(shmchan_channel_depth(&old2), 8);
	read_msg(&old2, 17);
	ASSERT_OK(shmchan_channel_open_writer(&w2, name, NULL));
	for (i = 17; i < 25; i++) {
		ASSERT_OK(shmchan_channel_peek(&old, &view, &len));
		check_msg(view, len, i, "peek");
		ASSERT_OK(shmchan_channel_release(&old));
	}
	ASSERT_EQ(lost_of(&old), 0);
	read_msg(&next, 24);
	/* The slowest now is old2 (7 unread): one slot is free. */
	len = t_msg_make(buf, 25);
	ASSERT_OK(shmchan_channel_write(&w2, buf, len));
	len = t_msg_make(buf, 26);
	ASSERT_ERR(shmchan_channel_write(&w2, buf, len), -EAGAIN);
	/* A lagging subscriber that leaves releases the writers at once. */
	ASSERT_OK(shmchan_channel_close(&old2));
	ASSERT_OK(shmchan_channel_reserve(&w2, len, &slot));
	memcpy(slot, buf, len);
	ASSERT_OK(shmchan_channel_commit(&w2, len));
	read_msg(&old, 25);
	read_msg(&old, 26);
	read_msg(&next, 25);
	read_msg(&next, 26);
	/* End of stream once every writer has gone and all is read. */
	len = t_msg_make(buf, 27);
	ASSERT_OK(shmchan_channel_write(&w, buf, len));
	ASSERT_OK(shmchan_channel_close(&w));
	read_msg(&next, 27);
	ASSERT_ERR(shmchan_channel_read(&next, buf, sizeof(buf), &len), -EAGAIN); /* w2 lives */
	ASSERT_OK(shmchan_channel_close(&w2));
	ASSERT_ERR(shmchan_channel_read(&next, buf, sizeof(buf), &len), -EPIPE);
	ASSERT_ERR(shmchan_channel_recv(&next, buf, sizeof(buf), &len, 1000), -EPIPE);
	ASSERT_ERR(shmchan_channel_wait_readable(&next, 1000), -EPIPE);
	ASSERT_ERR(shmchan_channel_peek(&next, &view, &len), -EPIPE);
	read_msg(&old, 27);
	ASSERT_ERR(shmchan_channel_recv(&old, buf, sizeof(buf), &len, 1000), -EPIPE);
	ASSERT_EQ(lost_of(&old), 0);
	ASSERT_EQ(lost_of(&next), 0);
	ASSERT_OK(shmchan_channel_close(&old));
	ASSERT_OK(shmchan_channel_close(&next));
	ASSERT_OK(shmchan_channel_unlink(name));
}

/* A subscriber that joins with SUB_OLDEST before the ring wrapped gets
 * everything; the one opened with open_reader only what follows. */
static void test_api_oldest_small(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = SLOT,
				      .slot_count = 8,
				      .policy = SHMCHAN_POLICY_OVERWRITE };
	struct shmchan_channel w, old, next;
	const char *name = t_name("bc.oldest");
	unsigned char buf[SLOT];
	uint64_t i;
	size_t len;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	for (i = 0; i < 3; i++) {
		len = t_msg_make(buf, i);
		ASSERT_OK(shmchan_channel_write(&w, buf, len));
	}
	ASSERT_OK(shmchan_channel_open_reader(&next, name, NULL));
	ASSERT_OK(shmchan_channel_subscribe(&old, name, NULL, SHMCHAN_SUB_OLDEST));
	ASSERT_ERR(shmchan_channel_read(&next, buf, sizeof(buf), &len), -EAGAIN);
	len = t_msg_make(buf, 3);
	ASSERT_OK(shmchan_channel_write(&w, buf, len));
	read_msg(&next, 3);
	for (i = 0; i < 4; i++)
		read_msg(&old, i);
	ASSERT_ERR(shmchan_channel_read(&old, buf, sizeof(buf), &len), -EAGAIN);
	/* An empty message is a message. */
	ASSERT_OK(shmchan_channel_write(&w, NULL, 0));
	ASSERT_OK(shmchan_channel_read(&next, buf, sizeof(buf), &len));
	ASSERT_EQ(len, 0);
	ASSERT_OK(shmchan_channel_read(&old, buf, sizeof(buf), &len));
	ASSERT_EQ(len, 0);
	/* Too small a buffer: -EMSGSIZE, the message stays. */
	len = t_msg_make(buf, 4);
	ASSERT_OK(shmchan_channel_write(&w, buf, len));
	ASSERT_ERR(shmchan_channel_write(&w, buf, SLOT + 1), -EMSGSIZE);
	{
		unsigned char small[4];
		size_t need = 0;

		ASSERT_ERR(shmchan_channel_read(&next, small, sizeof(small), &need), -EMSGSIZE);
		ASSERT_EQ(need, t_msg_len(4));
	}
	read_msg(&next, 4);
	read_msg(&old, 4);
	ASSERT_EQ(lost_of(&old), 0);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_ERR(shmchan_channel_read(&old, buf, sizeof(buf), &len), -EPIPE);
	ASSERT_OK(shmchan_channel_close(&old));
	ASSERT_OK(shmchan_channel_close(&next));
	ASSERT_OK(shmchan_channel_unlink(name));
}

/*
 * Writers among themselves (regressions found in review): a writer never
 * waits on another writer's open reservation a lap earlier: write returns
 * -EAGAIN and send times out, under both policies, until it is committed.
 * And wait_for_reader sees subscribers.
 */
static void test_api_writers(void)
{
	static const uint32_t policies[2] = { SHMCHAN_POLICY_OVERWRITE, SHMCHAN_POLICY_BLOCK };
	unsigned p;

	for (p = 0; p < 2; p++) {
		struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
					      .slot_size = SLOT,
					      .slot_count = 4,
					      .policy = policies[p] };
		const char *name = t_name("bc.writers");
		struct shmchan_channel a, b, s;
		unsigned char buf[SLOT];
		void *slot;
		size_t len;
		uint64_t i, idx;
		int64_t t0;

		ASSERT_OK(shmchan_channel_create_writer(&a, name, &cfg));
		ASSERT_OK(shmchan_channel_open_writer(&b, name, NULL));
		ASSERT_ERR(shmchan_channel_wait_for_reader(&a, 0), -ETIMEDOUT);
		ASSERT_OK(shmchan_channel_open_reader(&s, name, NULL));
		ASSERT_OK(shmchan_channel_wait_for_reader(&a, 0));
		/* a holds position 0 open; b fills positions 1 to 3. */
		ASSERT_OK(shmchan_channel_reserve(&a, t_msg_make(buf, 0), &slot));
		memcpy(slot, buf, t_msg_len(0));
		for (i = 1; i < 4; i++)
			ASSERT_OK(shmchan_channel_write(&b, buf, t_msg_make(buf, i)));
		/* Position 4 reuses position 0's slot, still being written. */
		ASSERT_ERR(shmchan_channel_write(&b, buf, t_msg_make(buf, 4)), -EAGAIN);
		ASSERT_ERR(shmchan_channel_wait_writable(&b, 0), -ETIMEDOUT);
		t0 = t_now_ns();
		ASSERT_ERR(shmchan_channel_send(&b, buf, t_msg_make(buf, 4), 50), -ETIMEDOUT);
		ASSERT_TRUE(t_now_ns() - t0 < 2000000000LL);
		ASSERT_OK(shmchan_channel_commit(&a, t_msg_len(0)));
		if (policies[p] == SHMCHAN_POLICY_BLOCK) {
			/* The subscriber still gates position 4. */
			ASSERT_ERR(shmchan_channel_write(&b, buf, t_msg_make(buf, 4)), -EAGAIN);
			ASSERT_OK(shmchan_channel_read(&s, buf, sizeof(buf), &len));
			ASSERT_TRUE(t_msg_ok(buf, len, &idx) && idx == 0);
		}
		ASSERT_OK(shmchan_channel_send(&b, buf, t_msg_make(buf, 4), BOUND_MS));
		ASSERT_OK(shmchan_channel_close(&a));
		ASSERT_OK(shmchan_channel_close(&b));
		for (i = policies[p] == SHMCHAN_POLICY_BLOCK ? 1 : 0; i < 5; i++) {
			int err = shmchan_channel_read(&s, buf, sizeof(buf), &len);

			if (err == SHMCHAN_ELOST)
				err = shmchan_channel_read(&s, buf, sizeof(buf), &len);
			ASSERT_OK(err);
			ASSERT_TRUE(t_msg_ok(buf, len, &idx));
			i = idx;
		}
		ASSERT_EQ(idx, 4);
		ASSERT_ERR(shmchan_channel_read(&s, buf, sizeof(buf), &len), -EPIPE);
		ASSERT_OK(shmchan_channel_close(&s));
		ASSERT_OK(shmchan_channel_unlink(name));
	}
}

static void test_api(void)
{
	test_api_create();
	test_api_writers();
	test_api_block();
	test_api_oldest_small();
	printf("api: policies, kinds, SUB_OLDEST vs next, -EAGAIN under BLOCK, end of "
	       "stream\n");
}

static const struct t_case cases[] = {
	{ "api", test_api },
	{ "limit", test_limit },
	{ "overwrite", test_overwrite },
	{ "killed", test_killed },
	{ "churn", test_churn },
	{ "fanout", test_fanout },
	{ "killed_writer", test_killed_writer },
	{ "wait_for_reader", test_wait_for_reader },
};

int main(int argc, char **argv)
{
	t_watchdog(280);
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_shm = mmap(NULL, sizeof(*g_shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		     0);
	if (g_shm == MAP_FAILED)
		T_FAIL("mmap: %s", strerror(errno));
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	printf("test_broadcast: ok%s\n", T_DIV > 1 ? " (message counts / 4 under sanitizers)" : "");
	return 0;
}
