/* SPDX-License-Identifier: MIT */
/*
 * Readers that hold several messages (config.hold): the limits and errors,
 * release in any order with space freed in order, a held message at every
 * position of a lap, overwriting under a held view, a reader killed while
 * holding (held messages delivered again, released ones not), and a
 * two-process stream with random holds checking every byte and the order.
 * Slot, record and broadcast channels alike, where they apply.
 */
#include <signal.h>

#include "t_util.h"
#define T_MSG_MAX 56
#include "t_msg.h"

/* The kinds under test: slot, record, broadcast (BLOCK), each with room
 * for exactly N messages of T_MSG_MAX bytes (records: 56 + 8 bytes). */
enum { K_SLOT, K_RECORD, K_BCAST, K_COUNT };
#define N 16

static const char *kind_name[K_COUNT] = { "slot", "record", "broadcast" };

static struct shmchan_config geometry(int k)
{
	struct shmchan_config c = { 0 };

	if (k == K_RECORD) {
		c.kind = SHMCHAN_KIND_RECORD;
		c.buffer_size = N * 64;
	} else {
		c.kind = k == K_BCAST ? SHMCHAN_KIND_BROADCAST : SHMCHAN_KIND_SLOT;
		c.slot_size = T_MSG_MAX;
		c.slot_count = N;
	}
	return c;
}

/* Messages of the full size: every record takes the same 64 bytes, so a
 * record ring holds exactly N of them, as a slot ring does. */
static size_t make_full(unsigned char *buf, uint64_t i)
{
	size_t k;

	memcpy(buf, &i, 8);
	for (k = 8; k < T_MSG_MAX; k++)
		buf[k] = t_msg_byte(i, k);
	return T_MSG_MAX;
}

static uint64_t check_full(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t i;
	size_t k;

	if (len != T_MSG_MAX)
		T_FAIL("message of %zu bytes, want %d", len, T_MSG_MAX);
	memcpy(&i, p, 8);
	for (k = 8; k < T_MSG_MAX; k++)
		if (p[k] != t_msg_byte(i, k))
			T_FAIL("message %llu: byte %zu corrupt", (unsigned long long)i, k);
	return i;
}

/* Open writer and reader (holding up to @hold) of a fresh channel. */
static void open_pair(int k, const char *name, uint32_t hold, struct shmchan_channel *w,
		      struct shmchan_channel *r)
{
	struct shmchan_config c = geometry(k), e = { .hold = hold };

	ASSERT_OK(shmchan_channel_create_writer(w, name, &c));
	if (k == K_BCAST)
		ASSERT_OK(shmchan_channel_subscribe(r, name, &e, 0));
	else
		ASSERT_OK(shmchan_channel_open_reader(r, name, &e));
}

/* Write messages from *@next on until the ring is full; returns how many. */
static int fill(struct shmchan_channel *w, uint64_t *next)
{
	unsigned char buf[T_MSG_MAX];
	int n = 0, err;

	while ((err = shmchan_channel_write(w, buf, make_full(buf, *next))) == 0) {
		(*next)++;
		n++;
	}
	ASSERT_EQ(err, -EAGAIN);
	return n;
}

static void test_api(void)
{
	struct shmchan_config c = geometry(K_SLOT), e = { 0 };
	struct shmchan_channel w, r, x;
	unsigned char buf[T_MSG_MAX];
	const void *v[SHMCHAN_MAX_HOLD + 1];
	size_t len;
	uint64_t next = 0;
	const char *name = t_name("hold.api"), *wq = t_name("hold.wq");
	int i;

	/* Creating takes no hold; writers hold nothing. */
	c.hold = 2;
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &c), -EINVAL);
	c.hold = 0;
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &c));
	e.hold = 1;
	ASSERT_ERR(shmchan_channel_open_writer(&x, name, &e), -EINVAL);
	e.hold = SHMCHAN_MAX_HOLD + 1;
	ASSERT_ERR(shmchan_channel_open_reader(&r, name, &e), -EINVAL);
	ASSERT_ERR(shmchan_channel_held(&w), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_held(NULL), -EINVAL);

	/* The default: one message held; a read meanwhile is -EALREADY. */
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	fill(&w, &next);
	ASSERT_EQ(shmchan_channel_held(&r), 0);
	ASSERT_ERR(shmchan_channel_release(&r), -EINVAL);
	ASSERT_OK(shmchan_channel_peek(&r, &v[0], &len));
	ASSERT_EQ(shmchan_channel_held(&r), 1);
	ASSERT_ERR(shmchan_channel_peek(&r, &v[1], &len), -EALREADY);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EALREADY);
	ASSERT_ERR(shmchan_channel_release_view(&r, NULL), -EINVAL);
	ASSERT_ERR(shmchan_channel_release_view(&r, buf), -EINVAL);
	ASSERT_ERR(shmchan_channel_release_view(&r, (const char *)v[0] + 1), -EINVAL);
	ASSERT_OK(shmchan_channel_release_view(&r, v[0]));
	ASSERT_EQ(shmchan_channel_held(&r), 0);
	ASSERT_OK(shmchan_channel_close(&r));

	/* The most: SHMCHAN_MAX_HOLD, then -EALREADY; reads go on. */
	e.hold = SHMCHAN_MAX_HOLD;
	ASSERT_OK(shmchan_channel_open_reader(&r, name, &e));
	fill(&w, &next);
	for (i = 0; i < SHMCHAN_MAX_HOLD - 1; i++) {
		ASSERT_OK(shmchan_channel_peek(&r, &v[i], &len));
		ASSERT_EQ(check_full(v[i], len), (uint64_t)i + 1);
	}
	/* N - 1 written after the first read: one left to read, by copy. */
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_EQ(check_full(buf, len), (uint64_t)SHMCHAN_MAX_HOLD);
	ASSERT_EQ(shmchan_channel_held(&r), SHMCHAN_MAX_HOLD - 1);
	ASSERT_ERR(shmchan_channel_peek(&r, &v[i], &len), -EAGAIN);
	/* Space freed in order: none yet, the oldest is held. */
	ASSERT_ERR(shmchan_channel_write(&w, buf, make_full(buf, next)), -EAGAIN);
	/* Closed holding 15 and having read one: the next reader gets the 15
	 * again, not the one read. */
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_open_reader(&r, name, &e));
	for (i = 0; i < SHMCHAN_MAX_HOLD - 1; i++) {
		ASSERT_OK(shmchan_channel_peek(&r, &v[i], &len));
		ASSERT_EQ(check_full(v[i], len), (uint64_t)i + 1);
	}
	ASSERT_ERR(shmchan_channel_peek(&r, &v[i], &len), -EAGAIN);
	ASSERT_EQ(fill(&w, &next), 0);
	for (i = SHMCHAN_MAX_HOLD - 2; i >= 0; i--)
		ASSERT_OK(shmchan_channel_release_view(&r, v[i])); /* newest first */
	ASSERT_EQ(fill(&w, &next), SHMCHAN_MAX_HOLD);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));

	/* A work-queue reader holds one. */
	c = geometry(K_SLOT);
	c.kind = SHMCHAN_KIND_WORKQUEUE;
	ASSERT_OK(shmchan_channel_create_writer(&w, wq, &c));
	e.hold = 2;
	ASSERT_ERR(shmchan_channel_open_reader(&r, wq, &e), -EINVAL);
	e.hold = 1;
	ASSERT_OK(shmchan_channel_open_reader(&r, wq, &e));
	ASSERT_OK(shmchan_channel_write(&w, buf, make_full(buf, 7)));
	ASSERT_OK(shmchan_channel_peek(&r, &v[0], &len));
	ASSERT_EQ(shmchan_channel_held(&r), 1);
	ASSERT_ERR(shmchan_channel_release_view(&r, buf), -EINVAL);
	ASSERT_OK(shmchan_channel_release_view(&r, v[0]));
	ASSERT_EQ(shmchan_channel_held(&r), 0);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
}

/*
 * Release in any order, space freed in order: with the ring full, hold H
 * messages, release them in a scrambled order, and after each release
 * check that exactly the messages before the oldest still held were freed
 * (as many writes succeed), for every kind.
 */
static void out_of_order_kind(int k)
{
	static const int order[8] = { 5, 2, 0, 7, 1, 3, 6, 4 };
	struct shmchan_channel w, r;
	const void *v[8];
	uint64_t next = 0, pos[8];
	unsigned char done[8] = { 0 };
	size_t len;
	int i, j, freed = 0;

	open_pair(k, t_name("hold.order"), 8, &w, &r);
	ASSERT_EQ(fill(&w, &next), N);
	for (i = 0; i < 8; i++) {
		ASSERT_OK(shmchan_channel_peek(&r, &v[i], &len));
		pos[i] = check_full(v[i], len);
		ASSERT_EQ(pos[i], (uint64_t)i);
	}
	ASSERT_ERR(shmchan_channel_peek(&r, &v[0], &len), -EALREADY);
	ASSERT_EQ(shmchan_channel_held(&r), 8);
	for (i = 0; i < 8; i++) {
		int prefix = 0;

		/* The view is intact until its own release. */
		ASSERT_EQ(check_full(v[order[i]], T_MSG_MAX), pos[order[i]]);
		ASSERT_OK(shmchan_channel_release_view(&r, v[order[i]]));
		done[order[i]] = 1;
		while (prefix < 8 && done[prefix])
			prefix++;
		ASSERT_EQ(fill(&w, &next), prefix - freed);
		freed = prefix;
		ASSERT_EQ(shmchan_channel_held(&r), 7 - i);
	}
	/* Everything after the held ones, in order, once. */
	for (j = 8; j < N + 8; j++) {
		unsigned char buf[T_MSG_MAX];

		ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
		ASSERT_EQ(check_full(buf, len), (uint64_t)j);
	}
	ASSERT_ERR(shmchan_channel_read(&r, v, 0, &len), -EAGAIN);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
}

static void test_out_of_order(void)
{
	int k;

	for (k = 0; k < K_COUNT; k++)
		out_of_order_kind(k);
}

/* A small generator for the scrambled schedules below. */
static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/*
 * One reader step: peek up to @hold (while messages come), sometimes read
 * one by copy, and release a random held one. Checks that every message
 * arrives once, in order (*@want: the next index expected).
 */
static int reader_step(struct shmchan_channel *r, uint32_t hold, const void **v, uint32_t *nv,
		       uint64_t *want, uint64_t *seed)
{
	unsigned char buf[T_MSG_MAX];
	size_t len;
	int err, got = 0;

	while (*nv < hold && (rnd(seed) % 4) != 0) {
		err = shmchan_channel_peek(r, &v[*nv], &len);
		if (err == -EAGAIN)
			break;
		ASSERT_OK(err);
		ASSERT_EQ(check_full(v[*nv], len), *want);
		(*want)++;
		(*nv)++;
		got++;
	}
	if (hold > 1 && (rnd(seed) % 3) == 0) {
		err = shmchan_channel_read(r, buf, sizeof(buf), &len);
		if (err != -EAGAIN) {
			ASSERT_OK(err);
			ASSERT_EQ(check_full(buf, len), *want);
			(*want)++;
			got++;
		}
	}
	if (*nv && (rnd(seed) % 3) != 0) {
		uint32_t i = rnd(seed) % *nv;

		check_full(v[i], T_MSG_MAX);
		ASSERT_OK(shmchan_channel_release_view(r, v[i]));
		v[i] = v[--*nv];
	}
	return got;
}

/*
 * A held message at every position of a lap: a writer and a reader in one
 * process, the reader holding 1 to 5 messages under a random schedule,
 * for several laps from every starting offset, every message checked.
 */
static void test_every_position(void)
{
	uint64_t seed = 12345;
	int k, start;
	uint32_t hold;

	for (k = 0; k < K_COUNT; k++) {
		const char *name = t_name("hold.lap");

		for (hold = 1; hold <= 5; hold += 2)
			for (start = 0; start < N; start++) {
				struct shmchan_channel w, r;
				const void *v[8];
				uint32_t nv = 0, steps;
				uint64_t next = 0, want = 0;
				unsigned char buf[T_MSG_MAX];
				size_t len;

				open_pair(k, name, hold, &w, &r);
				/* Move both ends to @start. */
				while (next < (uint64_t)start) {
					ASSERT_OK(shmchan_channel_write(&w, buf,
									make_full(buf, next++)));
					ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
					want++;
				}
				for (steps = 0; steps < 6 * N; steps++) {
					uint32_t m = rnd(&seed) % 4;

					while (m-- && shmchan_channel_write(
							      &w, buf, make_full(buf, next)) == 0)
						next++;
					reader_step(&r, hold, v, &nv, &want, &seed);
				}
				while (nv)
					ASSERT_OK(shmchan_channel_release_view(&r, v[--nv]));
				while (shmchan_channel_read(&r, buf, sizeof(buf), &len) == 0)
					ASSERT_EQ(check_full(buf, len), want++);
				ASSERT_EQ(want, next);
				ASSERT_OK(shmchan_channel_close(&r));
				ASSERT_OK(shmchan_channel_close(&w));
				ASSERT_OK(shmchan_segment_unlink(name));
			}
	}
}

/* Broadcast OVERWRITE: held views overwritten by a lap report
 * SHMCHAN_ELOST, each on its own release, and count as lost. */
static void test_overwrite(void)
{
	struct shmchan_config c = geometry(K_BCAST), e = { .hold = 3 };
	struct shmchan_channel w, r;
	const void *v[3];
	unsigned char buf[T_MSG_MAX];
	const char *name = t_name("hold.ow");
	uint64_t next = 0, lost = 0;
	size_t len;
	int i;

	c.policy = SHMCHAN_POLICY_OVERWRITE;
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &c));
	ASSERT_OK(shmchan_channel_subscribe(&r, name, &e, 0));
	for (i = 0; i < 4; i++)
		ASSERT_OK(shmchan_channel_write(&w, buf, make_full(buf, next++)));
	for (i = 0; i < 3; i++) {
		ASSERT_OK(shmchan_channel_peek(&r, &v[i], &len));
		ASSERT_EQ(check_full(v[i], len), (uint64_t)i);
	}
	/* Overwrite slots 0 and 1 (a writer never waits under OVERWRITE). */
	while (next < N + 2)
		ASSERT_OK(shmchan_channel_write(&w, buf, make_full(buf, next++)));
	ASSERT_ERR(shmchan_channel_release_view(&r, v[1]), SHMCHAN_ELOST);
	ASSERT_OK(shmchan_channel_release_view(&r, v[2]));
	ASSERT_ERR(shmchan_channel_release_view(&r, v[0]), SHMCHAN_ELOST);
	ASSERT_OK(shmchan_channel_lost(&r, &lost));
	ASSERT_EQ(lost, 2);
	/* The cursor went on past the held ones: message 3 is next. */
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_EQ(check_full(buf, len), 3);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
}

/* The child of dead_reader: holds 0, 2 and 4, released 1, read 3. */
struct dead_arg {
	const char *name;
	int fd; /* tells the parent it is done */
};

static int dead_child(void *p)
{
	struct dead_arg *a = p;
	struct shmchan_config e = { .hold = 4 };
	struct shmchan_channel r;
	const void *v[3];
	unsigned char buf[T_MSG_MAX];
	size_t len;
	char c = 1;

	if (shmchan_channel_open_reader(&r, a->name, &e) != 0)
		return 1;
	if (shmchan_channel_peek(&r, &v[0], &len) || shmchan_channel_peek(&r, &v[1], &len) ||
	    shmchan_channel_peek(&r, &v[2], &len) || shmchan_channel_release_view(&r, v[1]) ||
	    shmchan_channel_read(&r, buf, sizeof(buf), &len) ||
	    shmchan_channel_peek(&r, &v[1], &len))
		return 2;
	if (write(a->fd, &c, 1) != 1)
		return 3;
	t_idle_bounded();
	return 0;
}

/* A reader killed while holding: the next reader gets what it held (0, 2,
 * 4) again and then the rest, never what it released or read (1, 3). */
static void test_dead_reader(void)
{
	int k;

	for (k = 0; k < K_BCAST; k++) {
		struct shmchan_config c = geometry(k);
		struct shmchan_channel w, r;
		struct dead_arg a = { t_name("hold.dead"), -1 };
		static const uint64_t expect[] = { 0, 2, 4, 5, 6, 7 };
		unsigned char buf[T_MSG_MAX];
		uint64_t next = 0;
		size_t len, i;
		int fds[2], err;
		pid_t pid;
		char ch;

		ASSERT_OK(pipe(fds));
		a.fd = fds[1];
		ASSERT_OK(shmchan_channel_create_writer(&w, a.name, &c));
		for (i = 0; i < 8; i++)
			ASSERT_OK(shmchan_channel_write(&w, buf, make_full(buf, next++)));
		pid = t_fork(dead_child, &a);
		ASSERT_EQ(read(fds[0], &ch, 1), 1);
		t_kill_wait(pid);
		close(fds[0]);
		close(fds[1]);
		/* The dead reader's entry is reclaimed once it is found dead. */
		for (i = 0; (err = shmchan_channel_open_reader(&r, a.name, NULL)) == -EBUSY; i++) {
			if (i == 10000)
				T_FAIL("the dead reader's entry is still busy after 10 s");
			t_sleep_us(1000);
		}
		ASSERT_OK(err);
		for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
			ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
			ASSERT_EQ(check_full(buf, len), expect[i]);
		}
		ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EAGAIN);
		/* And the ring's space is whole again. */
		ASSERT_EQ(fill(&w, &next), N);
		ASSERT_OK(shmchan_channel_close(&r));
		ASSERT_OK(shmchan_channel_close(&w));
		(void)kind_name[k];
	}
}

/*
 * Two processes: a writer streams messages of every size (t_msg) as fast as
 * the ring takes them, the reader holds up to 8 under a random schedule and
 * releases in random order; every byte and the order are checked. Slot,
 * record and broadcast BLOCK.
 */
#define STREAM_COUNT 500000ull

struct stream_arg {
	const char *name;
};

static int stream_writer(void *p)
{
	struct stream_arg *a = p;
	struct shmchan_channel w;
	unsigned char buf[T_MSG_MAX];
	uint64_t i;

	if (shmchan_channel_open_writer(&w, a->name, NULL) != 0)
		return 1;
	for (i = 0; i < STREAM_COUNT; i++)
		if (shmchan_channel_send(&w, buf, t_msg_make(buf, i), 10000) != 0)
			return 2;
	return shmchan_channel_close(&w) ? 3 : 0;
}

static void test_stream(void)
{
	int k;

	for (k = 0; k < K_COUNT; k++) {
		struct shmchan_config c = geometry(k), e = { .hold = 8 };
		struct shmchan_channel w0, r;
		struct stream_arg a = { t_name("hold.stream") };
		const void *v[8];
		uint32_t nv = 0;
		uint64_t want = 0, seed = 99 + (uint64_t)k, idx;
		int64_t t0 = t_now_ns();
		pid_t pid;
		int err;

		if (k == K_RECORD)
			c.buffer_size = 4096;
		/* The creator stays attached until the reader is, so that the
		 * stream never ends before it starts. */
		ASSERT_OK(shmchan_channel_create_writer(&w0, a.name, &c));
		if (k == K_BCAST)
			ASSERT_OK(shmchan_channel_subscribe(&r, a.name, &e, SHMCHAN_SUB_OLDEST));
		else
			ASSERT_OK(shmchan_channel_open_reader(&r, a.name, &e));
		pid = t_fork(stream_writer, &a);
		while (want < STREAM_COUNT) {
			size_t len;

			if (t_secs_since(t0) > 90)
				T_FAIL("%s: stream stuck at %llu", kind_name[k],
				       (unsigned long long)want);
			/* Wait only while holding nothing: a full ring waits for
			 * this reader's own releases. */
			if (nv < 8 && (rnd(&seed) % 2) &&
			    (err = nv ? shmchan_channel_peek(&r, &v[nv], &len)
				      : shmchan_channel_peek_wait(&r, &v[nv], &len, 100)) !=
				    (nv ? -EAGAIN : -ETIMEDOUT)) {
				ASSERT_OK(err);
				/* The child writes: the creator may go. */
				if (want == 0)
					ASSERT_OK(shmchan_channel_close(&w0));
				idx = t_msg_check(v[nv], len, "peek");
				ASSERT_EQ(idx, want);
				want++;
				nv++;
			}
			if (nv && (nv == 8 || rnd(&seed) % 2)) {
				uint32_t i = rnd(&seed) % nv;

				ASSERT_EQ(t_msg_check(v[i], t_msg_len(*(const uint64_t *)v[i]),
						      "held"),
					  *(const uint64_t *)v[i]);
				ASSERT_OK(shmchan_channel_release_view(&r, v[i]));
				v[i] = v[--nv];
			}
		}
		while (nv)
			ASSERT_OK(shmchan_channel_release_view(&r, v[--nv]));
		ASSERT_EQ(t_wait_child(pid, 30000), 0);
		printf("    %s: %llu messages in %.2f s, held up to 8\n", kind_name[k],
		       (unsigned long long)STREAM_COUNT, t_secs_since(t0));
		ASSERT_OK(shmchan_channel_close(&r));
	}
}

int main(int argc, char **argv)
{
	static const struct t_case cases[] = {
		{ "api", test_api },
		{ "out_of_order", test_out_of_order },
		{ "every_position", test_every_position },
		{ "overwrite", test_overwrite },
		{ "dead_reader", test_dead_reader },
		{ "stream", test_stream },
	};

	t_watchdog(120);
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	return 0;
}
