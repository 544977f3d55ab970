/* SPDX-License-Identifier: MIT */
/*
 * Broadcast channels, long streams, every byte checked:
 *   fanout     8 subscriber processes x 1,000,000 messages under BLOCK: every
 *              subscriber gets every message, in order
 *   overwrite  OVERWRITE with a fast and two slow subscribers: no torn
 *              message, delivered + lost == written exactly, losses counted
 *              exactly at each gap; a peeked slot overwritten while held
 *   churn      subscribers joining (next and oldest) and leaving while a
 *              writer streams under BLOCK: contiguity, no stuck writer, end
 *              of stream
 * Under the sanitizers the streams write a quarter of the messages (T_DIV):
 * every check is the same.
 * Run one case by giving its name as the argument (ctest runs each case as
 * its own test, named after it).
 */
#include "t_bcast.h"

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

static const struct t_case cases[] = {
	{ "fanout", test_fanout },
	{ "overwrite", test_overwrite },
	{ "churn", test_churn },
};

int main(int argc, char **argv)
{
	return t_bcast_main("test_broadcast_stream", cases, sizeof(cases) / sizeof(cases[0]), argc,
			    argv);
}
