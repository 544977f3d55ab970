/* SPDX-License-Identifier: MIT */
/* Channel layer: create/open, roles, expectations, zero copy, waits, and
 * writer/reader pairs across processes. */
#include <pthread.h>
#include <sched.h>

#include "channel_pvt.h"
#include "registry_pvt.h"
#include "proc_pvt.h"
#include "t_util.h"

static const struct shmchan_config small = { .slot_size = 128, .slot_count = 8 };

static void test_create_args(void)
{
	const char *name = t_name("args");
	struct shmchan_config cfg = small;
	struct shmchan_channel ch;

	ASSERT_ERR(shmchan_channel_create_writer(NULL, name, &cfg), -EINVAL);
	ASSERT_ERR(shmchan_channel_create_writer(&ch, name, NULL), -EINVAL);
	ASSERT_ERR(shmchan_channel_create_writer(&ch, NULL, &cfg), -EINVAL);
	ASSERT_ERR(shmchan_channel_create_writer(&ch, "bad/name", &cfg), -EINVAL);
	cfg.slot_count = 6;
	ASSERT_ERR(shmchan_channel_create_writer(&ch, name, &cfg), -EINVAL);
	cfg = small;
	cfg.slot_size = 0;
	ASSERT_ERR(shmchan_channel_create_writer(&ch, name, &cfg), -EINVAL);
	cfg = small;
	cfg.reserved[3] = 1;
	ASSERT_ERR(shmchan_channel_create_writer(&ch, name, &cfg), -EINVAL);
	cfg = small;
	cfg.kind = 99;
	ASSERT_ERR(shmchan_channel_create_writer(&ch, name, &cfg), -EINVAL);
	cfg.kind = 5; /* past the last kind */
	ASSERT_ERR(shmchan_channel_create_writer(&ch, name, &cfg), -EINVAL);
	cfg = small;
	cfg.policy = SHMCHAN_POLICY_OVERWRITE; /* broadcast only */
	ASSERT_ERR(shmchan_channel_create_writer(&ch, name, &cfg), -EINVAL);
	/* Nothing was left behind by the failures. */
	ASSERT_ERR(shmchan_channel_open_reader(&ch, name, NULL), -ENOENT);
	ASSERT_ERR(shmchan_channel_open_reader(NULL, name, NULL), -EINVAL);
	ASSERT_ERR(shmchan_channel_close(NULL), -EINVAL);
	memset(&ch, 0, sizeof(ch));
	ASSERT_OK(shmchan_channel_close(&ch));
	ASSERT_ERR(shmchan_channel_write(&ch, "x", 1), -EINVAL);
	ASSERT_ERR(shmchan_channel_depth(&ch), -EINVAL);
	ASSERT_ERR(shmchan_channel_depth(NULL), -EINVAL);
}

static void test_roles(void)
{
	const char *name = t_name("roles");
	struct shmchan_channel w, w2, r, r2;
	struct shmchan_config got, expect = { 0 };
	unsigned char buf[128];
	size_t len;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &small));
	ASSERT_ERR(shmchan_channel_create_writer(&w2, name, &small), -EEXIST);
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	ASSERT_ERR(shmchan_channel_open_reader(&r2, name, NULL), -EBUSY);
	ASSERT_OK(shmchan_channel_config(&r, &got));
	ASSERT_EQ(got.kind, SHMCHAN_KIND_SLOT);
	ASSERT_EQ(got.slot_size, 128);
	ASSERT_EQ(got.slot_count, 8);
	ASSERT_EQ(shmchan_channel_capacity(&r), 8);
	/* Each side refuses the other's calls. */
	ASSERT_ERR(shmchan_channel_read(&w, buf, sizeof(buf), &len), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_write(&r, "x", 1), -ENOTSUP);
	ASSERT_ERR(shmchan_channel_wait_readable(&w, 0), -ENOTSUP);
	/* Expectations: 0 accepts; a mismatch names what differs. */
	expect.slot_size = 128;
	ASSERT_OK(shmchan_channel_open_writer(&w2, name, &expect));
	shmchan_channel_close(&w2);
	expect.slot_size = 64;
	ASSERT_ERR(shmchan_channel_open_writer(&w2, name, &expect), SHMCHAN_EGEOMETRY);
	expect.slot_size = 0;
	expect.slot_count = 16;
	ASSERT_ERR(shmchan_channel_open_writer(&w2, name, &expect), SHMCHAN_EGEOMETRY);
	expect.slot_count = 0;
	expect.kind = 3;
	ASSERT_ERR(shmchan_channel_open_writer(&w2, name, &expect), SHMCHAN_EKIND);
	/* The reader role frees on close; a new reader resumes where it was. */
	ASSERT_OK(shmchan_channel_write(&w, "one", 3));
	ASSERT_OK(shmchan_channel_write(&w, "two", 3));
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_TRUE(len == 3 && memcmp(buf, "one", 3) == 0);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_open_reader(&r2, name, NULL));
	ASSERT_OK(shmchan_channel_read(&r2, buf, sizeof(buf), &len));
	ASSERT_TRUE(len == 3 && memcmp(buf, "two", 3) == 0);
	ASSERT_OK(shmchan_channel_close(&r2));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_close(&w)); /* closed handle: harmless */
	ASSERT_OK(shmchan_channel_unlink(name));
}

static void test_writer_limit(void)
{
	static struct shmchan_channel ws[SHMCHAN_MAX_WRITERS + 1];
	const char *name = t_name("limit");
	int i;

	ASSERT_OK(shmchan_channel_create_writer(&ws[0], name, &small));
	for (i = 1; i < SHMCHAN_MAX_WRITERS; i++)
		ASSERT_OK(shmchan_channel_open_writer(&ws[i], name, NULL));
	ASSERT_ERR(shmchan_channel_open_writer(&ws[i], name, NULL), -EUSERS);
	/* A closed writer's entry is reusable. */
	shmchan_channel_close(&ws[5]);
	ASSERT_OK(shmchan_channel_open_writer(&ws[5], name, NULL));
	for (i = 0; i < SHMCHAN_MAX_WRITERS; i++)
		shmchan_channel_close(&ws[i]);
	shmchan_channel_unlink(name);
}

static void test_zero_copy_and_close(void)
{
	const char *name = t_name("zc");
	struct shmchan_channel w, r;
	const void *view;
	void *slot;
	size_t len;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &small));
	ASSERT_OK(shmchan_channel_open_reader(&r, name, &small));
	ASSERT_ERR(shmchan_channel_reserve(&w, 129, &slot), -EMSGSIZE);
	ASSERT_OK(shmchan_channel_reserve(&w, 128, &slot));
	memcpy(slot, "in place", 8);
	ASSERT_OK(shmchan_channel_commit(&w, 8));
	ASSERT_OK(shmchan_channel_reserve(&w, 5, &slot));
	ASSERT_OK(shmchan_channel_cancel(&w));
	/* A writer that closes with a reservation outstanding does not wedge
	 * the reader: the slot is cancelled. */
	ASSERT_OK(shmchan_channel_reserve(&w, 5, &slot));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_wait_readable(&r, 0));
	ASSERT_OK(shmchan_channel_peek(&r, &view, &len));
	ASSERT_TRUE(len == 8 && memcmp(view, "in place", 8) == 0);
	ASSERT_OK(shmchan_channel_release(&r));
	/* The only writer closed and the ring is drained: end of stream. */
	ASSERT_ERR(shmchan_channel_peek(&r, &view, &len), -EPIPE);
	ASSERT_ERR(shmchan_channel_wait_readable(&r, -1), -EPIPE);
	ASSERT_EQ(shmchan_channel_depth(&r), 0);
	shmchan_channel_close(&r);
	shmchan_channel_unlink(name);
}

static void test_wait_timeout(void)
{
	const char *name = t_name("wait");
	struct shmchan_channel w, r;
	int64_t t0, dt;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &small));
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	ASSERT_ERR(shmchan_channel_wait_readable(&r, -2), -EINVAL);
	ASSERT_ERR(shmchan_channel_wait_readable(&r, 0), -ETIMEDOUT);
	t0 = t_now_ns();
	ASSERT_ERR(shmchan_channel_wait_readable(&r, 30), -ETIMEDOUT);
	dt = t_now_ns() - t0;
	/* Correctness of the bound, not speed: never returns early. */
	ASSERT_TRUE(dt >= 30 * 1000000LL);
	ASSERT_OK(shmchan_channel_write(&w, "x", 1));
	ASSERT_OK(shmchan_channel_wait_readable(&r, -1));
	shmchan_channel_close(&w);
	shmchan_channel_close(&r);
	shmchan_channel_unlink(name);
}

/* Cross-process pair: the child writes N messages, the parent reads them. */
static const char *g_name;
#define XN 20000

static int child_writer(void *arg)
{
	struct shmchan_channel w;
	unsigned char msg[128];
	unsigned i;
	int err;

	(void)arg;
	if (shmchan_channel_open_writer(&w, g_name, &small) != 0)
		return 2;
	for (i = 0; i < XN; i++) {
		size_t len = i % 129, k;
		int64_t end = t_now_ns() + 10000000000LL;

		for (k = 0; k < len; k++)
			msg[k] = (unsigned char)(i ^ k);
		while ((err = shmchan_channel_write(&w, msg, len)) == -EAGAIN && t_now_ns() < end)
			t_sleep_us(20);
		if (err)
			return 3;
	}
	shmchan_channel_close(&w);
	return 0;
}

static void test_cross_process(void)
{
	struct shmchan_channel w, r;
	unsigned char buf[128];
	unsigned i;
	size_t len, k;
	pid_t pid;

	g_name = t_name("xproc");
	ASSERT_OK(shmchan_channel_create_writer(&w, g_name, &small));
	ASSERT_OK(shmchan_channel_open_reader(&r, g_name, NULL));
	pid = t_fork(child_writer, NULL);
	for (i = 0; i < XN; i++) {
		int err;

		while ((err = shmchan_channel_read(&r, buf, sizeof(buf), &len)) == -EAGAIN)
			ASSERT_OK(shmchan_channel_wait_readable(&r, 10000));
		ASSERT_OK(err);
		ASSERT_EQ(len, i % 129);
		for (k = 0; k < len; k++)
			ASSERT_EQ(buf[k], (unsigned char)(i ^ k));
	}
	ASSERT_EQ(t_wait_child(pid, 10000), 0);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -EAGAIN);
	shmchan_channel_close(&w);
	shmchan_channel_close(&r);
	shmchan_channel_unlink(g_name);
}

/* Field 22 of /proc/self/stat, parsed independently of the library. */
static unsigned long long my_start_time(void)
{
	char buf[2048], *p, *tok, *save = NULL;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n;
	int field = 2;

	ASSERT_TRUE(f != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	ASSERT_TRUE(p != NULL);
	for (tok = strtok_r(p + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (++field == 22)
			return strtoull(tok, NULL, 10);
	T_FAIL("no field 22 in /proc/self/stat");
}

static void test_registry_identity(void)
{
	const char *name = t_name("ident");
	struct shmchan_channel w, r;
	struct shmchan__chan_hdr *h;
	uint64_t st = 0;

	ASSERT_OK(shmchan__proc_start_time(getpid(), &st));
	ASSERT_EQ(st, my_start_time());
	ASSERT_TRUE(st > 0);
	ASSERT_EQ(shmchan__proc_alive(getpid(), st), 1);
	ASSERT_EQ(shmchan__proc_alive(getpid(), st + 1), 0); /* a reused pid */
	{
		/* A zombie (dead, not yet reaped by its parent) is dead. */
		uint64_t zst = 0;
		pid_t z = fork();
		int64_t end = t_now_ns() + 10000000000LL;

		if (z == 0)
			_exit(0);
		ASSERT_TRUE(z > 0);
		while (shmchan__proc_alive(z, 0) && t_now_ns() < end)
			t_sleep_us(1000);
		ASSERT_EQ(shmchan__proc_alive(z, 0), 0);
		ASSERT_EQ(kill(z, 0), 0); /* still there as a zombie */
		ASSERT_OK(shmchan__proc_start_time(z, &zst));
		ASSERT_EQ(shmchan__proc_alive(z, zst), 0);
		ASSERT_EQ(t_wait_child(z, 10000), 0);
	}
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &small));
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	h = T_H(&r)->hdr;
	ASSERT_EQ(SHMCHAN__OWN_PID(atomic_load(&h->reader.owner)), getpid());
	ASSERT_EQ(atomic_load(&h->reader.start_time), st);
	ASSERT_EQ(SHMCHAN__OWN_PID(atomic_load(&h->writers[0].owner)), getpid());
	ASSERT_EQ(atomic_load(&h->writers[0].start_time), st);
	shmchan_channel_close(&r);
	h = T_H(&w)->hdr; /* r's mapping is gone */
	ASSERT_EQ(SHMCHAN__OWN_PID(atomic_load(&h->reader.owner)), 0);
	ASSERT_EQ(SHMCHAN__OWN_PID(atomic_load(&h->writers[0].owner)), getpid());
	shmchan_channel_close(&w);
	shmchan_channel_unlink(name);
}

/* A writer that dies without closing: its entry stays held. */
static int write_and_die(void *arg)
{
	struct shmchan_channel w;

	if (shmchan_channel_open_writer(&w, arg, NULL) != 0)
		return 2;
	if (shmchan_channel_write(&w, "x", 1) != 0)
		return 3;
	_exit(0);
}

/*
 * Liveness is the entry's lock byte, never the pid or /proc: a live writer
 * whose recorded identity is wrong (qemu-user's /proc/self, another pid
 * namespace) is alive, and a dead writer whose pid now names a live process
 * with the same start time (a pid reused within one clock tick) is dead.
 */
static void test_liveness_by_lock(void)
{
	const char *name = t_name("live");
	struct shmchan_channel w, r, again;
	struct shmchan__chan_hdr *h;
	struct shmchan_info info = SHMCHAN_INFO_INIT;
	unsigned char buf[8];
	uint64_t st = 0, o;
	size_t len;
	pid_t pid;
	int i;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &small));
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	h = T_H(&r)->hdr;
	atomic_store(&h->writers[0].start_time, 1);
	atomic_store(&h->writers[0].pidns, 12345);
	ASSERT_EQ(shmchan__peer_dead(&h->writers[0], shmchan__judge_of(T_H(&r))), 0);
	ASSERT_OK(shmchan_inspect(name, &info));
	ASSERT_EQ(info.writers[0].alive, 1);
	ASSERT_EQ(info.stale, 0);

	pid = t_fork(write_and_die, (void *)name);
	ASSERT_EQ(t_wait_child(pid, 10000), 0);
	for (i = 0; i < SHMCHAN_MAX_WRITERS; i++)
		if (SHMCHAN__OWN_PID(atomic_load(&h->writers[i].owner)) == (uint32_t)pid)
			break;
	ASSERT_TRUE(i < SHMCHAN_MAX_WRITERS);
	/* The dead child's entry now names us, as a reused pid would. */
	ASSERT_OK(shmchan__proc_start_time(getpid(), &st));
	o = atomic_load(&h->writers[i].owner);
	atomic_store(&h->writers[i].owner, SHMCHAN__OWN(getpid(), SHMCHAN__OWN_GEN(o), 0));
	atomic_store(&h->writers[i].start_time, st);
	ASSERT_EQ(shmchan__peer_dead(&h->writers[i], shmchan__judge_of(T_H(&r))), 1);
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_EQ(len, 1);
	shmchan_channel_close(&w);
	ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &len, 10000), -EPIPE);
	shmchan_channel_close(&r);
	/* Every holder gone: the name is stale, not taken. */
	ASSERT_ERR(shmchan_channel_create_writer(&again, name, &small), -ESTALE);
	shmchan_channel_unlink(name);
}

/*
 * An open refuses a channel whose file another user owns (a squatter who
 * pre-created the name), unless the caller accepts any owner. Needs root,
 * to hand the file to another user: skipped otherwise.
 */
static void test_owner_checked(void)
{
	const char *name = t_name("owner");
	struct shmchan_config any = { .flags = SHMCHAN_OPEN_ANY_OWNER }, bad = { .flags = 2 };
	struct shmchan_channel w, r;
	struct shmchan_config c = small;

	c.flags = SHMCHAN_OPEN_ANY_OWNER;
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &c), -EINVAL);
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &small));
	ASSERT_ERR(shmchan_channel_open_reader(&r, name, &bad), -EINVAL);
	if (geteuid() != 0 || fchown(T_H(&w)->seg.fd, 65534, 65534) != 0) {
		printf("owner check: skipped (needs root)\n");
	} else {
		ASSERT_ERR(shmchan_channel_open_reader(&r, name, NULL), -EPERM);
		ASSERT_ERR(shmchan_channel_open_writer(&r, name, NULL), -EPERM);
		ASSERT_OK(shmchan_channel_open_reader(&r, name, &any));
		shmchan_channel_close(&r);
	}
	shmchan_channel_close(&w);
	shmchan_channel_unlink(name);
}

/* Whether /dev/shm holds a temporary object of this process (a leftover
 * of a replacement). */
static int temp_left(void)
{
	char prefix[64], cmd[128];

	snprintf(prefix, sizeof(prefix), "shmchan.~%d.", (int)getpid());
	snprintf(cmd, sizeof(cmd), "ls /dev/shm | grep -q '^%s'", prefix);
	return system(cmd) == 0;
}

/*
 * A replacement that cannot be made (no room in /dev/shm) leaves the old
 * channel as it was: it is built under a temporary name and renamed over
 * the old one only once complete.
 */
static void test_replace_failure_keeps_old(void)
{
	const char *name = t_name("rplfail");
	/* Far more than any /dev/shm holds: fallocate fails at once. */
	struct shmchan_config huge = { .slot_size = 1u << 30, .slot_count = 1u << 15 };
	struct shmchan_channel w, w2, r;
	char buf[16];
	size_t len;
	int err;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &small));
	ASSERT_OK(shmchan_channel_write(&w, "kept", 4));
	err = shmchan_channel_create_or_replace_writer(&w2, name, &huge);
	if (sizeof(size_t) < 8 && err == -EINVAL)
		printf("replace failure: skipped (a 32-bit size_t cannot outgrow /dev/shm)\n");
	else if (err != -ENOSPC && err != -EFBIG && err != -ENOMEM)
		T_FAIL("replace with a huge geometry: %s", shmchan_strerror(err));
	ASSERT_TRUE(!temp_left());
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_EQ(len, 4);
	ASSERT_OK(shmchan_channel_write(&w, "more", 4)); /* not marked replaced */
	/* A replacement that works takes the name in one step. */
	ASSERT_OK(shmchan_channel_create_or_replace_writer(&w2, name, &small));
	ASSERT_TRUE(!temp_left());
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len)); /* the old one drains */
	ASSERT_ERR(shmchan_channel_write(&w, "late", 4), -ESTALE);
	ASSERT_ERR(shmchan_channel_read(&r, buf, sizeof(buf), &len), -ESTALE);
	shmchan_channel_close(&r);
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	ASSERT_OK(shmchan_channel_write(&w2, "new", 3));
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &len));
	ASSERT_EQ(len, 3);
	shmchan_channel_close(&r);
	shmchan_channel_close(&w2);
	shmchan_channel_close(&w);
	shmchan_channel_unlink(name);
}

/* Threads sharing one writer handle: each call either runs alone or is
 * refused with -EBUSY; nothing else goes wrong. */
#define SHARED_THREADS 4
#define SHARED_CALLS 4000
#define SHARED_LEN 65536

struct shared_arg {
	struct shmchan_channel *w;
	unsigned id;
	unsigned ok, busy, other;
};

static _Atomic unsigned g_shared_done;
static pthread_barrier_t g_shared_start;

static void *shared_writer(void *p)
{
	struct shared_arg *a = p;
	unsigned char m[SHARED_LEN];
	unsigned i;

	pthread_barrier_wait(&g_shared_start);
	for (i = 0; i < SHARED_CALLS; i++) {
		int err;

		memset(m, (int)(a->id * 50 + 1), sizeof(m));
		err = shmchan_channel_write(a->w, m, sizeof(m));
		if (err == 0)
			a->ok++;
		else if (err == -EBUSY)
			a->busy++;
		else if (err == -EAGAIN)
			sched_yield(); /* full: let the reader run */
		else
			a->other++;
	}
	atomic_fetch_add(&g_shared_done, 1);
	return NULL;
}

static void test_shared_handle_refused(void)
{
	const char *name = t_name("shared");
	struct shmchan_config cfg = { .slot_size = SHARED_LEN, .slot_count = 64 };
	struct shared_arg args[SHARED_THREADS];
	pthread_t th[SHARED_THREADS];
	struct shmchan_channel w, r;
	struct shmchan_info info = SHMCHAN_INFO_INIT;
	static unsigned char m[SHARED_LEN];
	unsigned i, k, ok = 0, busy = 0, got = 0;
	size_t len;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	ASSERT_EQ(pthread_barrier_init(&g_shared_start, NULL, SHARED_THREADS), 0);
	for (i = 0; i < SHARED_THREADS; i++) {
		args[i] = (struct shared_arg){ &w, i, 0, 0, 0 };
		ASSERT_EQ(pthread_create(&th[i], NULL, shared_writer, &args[i]), 0);
	}
	/* Drain meanwhile, checking every message. */
	for (;;) {
		int last = atomic_load(&g_shared_done) == SHARED_THREADS;
		int err = shmchan_channel_read(&r, m, sizeof(m), &len);

		if (err == -EAGAIN) {
			if (last)
				break;
			sched_yield();
			continue;
		}
		ASSERT_OK(err);
		ASSERT_EQ(len, sizeof(m));
		for (k = 1; k < sizeof(m); k++)
			ASSERT_EQ(m[k], m[0]);
		got++;
	}
	for (i = 0; i < SHARED_THREADS; i++)
		ASSERT_EQ(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&g_shared_start);
	for (i = 0; i < SHARED_THREADS; i++) {
		ASSERT_EQ(args[i].other, 0);
		ok += args[i].ok;
		busy += args[i].busy;
	}
	ASSERT_EQ(got, ok);
	ASSERT_OK(shmchan_channel_info(&w, &info));
	ASSERT_EQ(info.written, ok);
	printf("shared handle: %u written, %u refused with -EBUSY\n", ok, busy);
	shmchan_channel_close(&w);
	shmchan_channel_close(&r);
	shmchan_channel_unlink(name);
}

/* A child closing a handle it inherited leaves the parent's entry alone. */
static struct shmchan_channel g_inherited;

static int close_inherited(void *arg)
{
	(void)arg;
	return shmchan_channel_close(&g_inherited) == 0 ? 0 : 2;
}

static void test_fork_inherited_handle(void)
{
	const char *name = t_name("fork");
	struct shmchan_channel r2;
	struct shmchan__chan_hdr *h;

	ASSERT_OK(shmchan_channel_create_writer(&g_inherited, name, &small));
	ASSERT_OK(shmchan_channel_open_reader(&r2, name, NULL));
	h = T_H(&r2)->hdr;
	ASSERT_EQ(t_wait_child(t_fork(close_inherited, NULL), 10000), 0);
	ASSERT_EQ(SHMCHAN__OWN_PID(atomic_load(&h->writers[0].owner)), getpid());
	ASSERT_OK(shmchan_channel_write(&g_inherited, "still mine", 10));
	shmchan_channel_close(&g_inherited);
	ASSERT_EQ(SHMCHAN__OWN_PID(atomic_load(&h->writers[0].owner)), 0);
	shmchan_channel_close(&r2);
	shmchan_channel_unlink(name);
}

/*
 * The info struct is size-prefixed: a size below the first release's is
 * refused; a caller built against a longer (later) struct gets what this
 * library has, struct_size saying how much, and the rest left alone.
 */
static void test_info_sized(void)
{
	const char *name = t_name("sized");
	struct {
		struct shmchan_info in;
		unsigned char later[64];
	} big;
	struct shmchan_info in = SHMCHAN_INFO_INIT;
	struct shmchan_channel w;
	size_t i;

	ASSERT_OK(shmchan_channel_create_writer(&w, name, &small));
	in.struct_size = SHMCHAN_INFO_MIN_SIZE - 8;
	ASSERT_EQ(shmchan_inspect(name, &in), -EINVAL);
	ASSERT_EQ(shmchan_channel_info(&w, &in), -EINVAL);
	ASSERT_EQ(shmchan_inspect(name, NULL), -EINVAL);
	memset(&big, 0xAA, sizeof(big));
	big.in.struct_size = (uint32_t)sizeof(big);
	ASSERT_OK(shmchan_channel_info(&w, &big.in));
	ASSERT_EQ(big.in.struct_size, sizeof(struct shmchan_info));
	ASSERT_EQ(big.in.version, SHMCHAN_INFO_VERSION);
	ASSERT_EQ(big.in.nwriters, 1);
	ASSERT_EQ(big.in.slot_count, small.slot_count);
	for (i = 0; i < sizeof(big.later); i++)
		ASSERT_EQ(big.later[i], 0xAA);
	in.struct_size = sizeof(in);
	ASSERT_OK(shmchan_inspect(name, &in));
	ASSERT_EQ(in.struct_size, sizeof(in));
	ASSERT_EQ(in.writers[0].reserved[0], 0);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(name));
}

static void test_strerror(void)
{
	ASSERT_TRUE(strcmp(shmchan_strerror(0), "success") == 0);
	ASSERT_TRUE(strcmp(shmchan_strerror(-EMSGSIZE), shmchan_strerror(EMSGSIZE)) == 0);
	ASSERT_TRUE(strstr(shmchan_strerror(SHMCHAN_EBADMAGIC), "magic") != NULL);
	ASSERT_TRUE(strcmp(shmchan_strerror(-12345), "unknown error") == 0);
	/* Every error a call documents has its text (commit's -ECANCELED had
	 * none). */
	ASSERT_TRUE(strcmp(shmchan_strerror(-ECANCELED), "unknown error") != 0);
	ASSERT_TRUE(strcmp(shmchan_version(), "0.4.0") == 0);
}

/* Move @from's bytes to @to and zero @from (a zeroed handle is closed):
 * what a C++ move does (cpp/include/shmchan.hpp). */
static void relocate(struct shmchan_channel *to, struct shmchan_channel *from)
{
	memcpy(to, from, sizeof(*to));
	memset(from, 0, sizeof(*from));
}

/* An open handle moved to other storage by copying its bytes keeps working,
 * for every kind and role, with a reservation or a peek outstanding and
 * with its pollable descriptor made (channel.h: the library keeps no
 * pointer into a handle's storage). */
static void test_relocated(void)
{
	static const struct shmchan_config cfgs[] = {
		{ .kind = SHMCHAN_KIND_SLOT, .slot_size = 64, .slot_count = 4 },
		{ .kind = SHMCHAN_KIND_RECORD, .buffer_size = 1024 },
		{ .kind = SHMCHAN_KIND_BROADCAST, .slot_size = 64, .slot_count = 4 },
		{ .kind = SHMCHAN_KIND_WORKQUEUE, .slot_size = 64, .slot_count = 4 },
	};

	for (size_t k = 0; k < sizeof(cfgs) / sizeof(cfgs[0]); k++) {
		const char *name = t_name("reloc");
		struct shmchan_channel w[2], r[2], stale;
		const void *view;
		void *slot;
		size_t len;
		int fd;

		ASSERT_OK(shmchan_channel_create_writer(&w[0], name, &cfgs[k]));
		if (cfgs[k].kind == SHMCHAN_KIND_BROADCAST)
			ASSERT_OK(shmchan_channel_subscribe(&r[0], name, NULL, 0));
		else
			ASSERT_OK(shmchan_channel_open_reader(&r[0], name, NULL));
		fd = shmchan_channel_poll_fd(&r[0]);
		ASSERT_TRUE(fd >= 0);
		ASSERT_OK(shmchan_channel_write(&w[0], "one", 3));
		ASSERT_OK(shmchan_channel_reserve(&w[0], 3, &slot));
		memcpy(slot, "two", 3);
		ASSERT_OK(shmchan_channel_peek(&r[0], &view, &len));
		relocate(&w[1], &w[0]);
		relocate(&r[1], &r[0]);
		/* The old storage is a closed handle now. */
		ASSERT_ERR(shmchan_channel_write(&w[0], "x", 1), -EINVAL);
		ASSERT_OK(shmchan_channel_close(&w[0]));
		ASSERT_TRUE(len == 3 && memcmp(view, "one", 3) == 0);
		ASSERT_OK(shmchan_channel_release(&r[1]));
		ASSERT_OK(shmchan_channel_commit(&w[1], 3));
		ASSERT_EQ(shmchan_channel_poll_fd(&r[1]), fd);
		ASSERT_OK(shmchan_channel_wait_readable(&r[1], 1000));
		ASSERT_OK(shmchan_channel_peek(&r[1], &view, &len));
		ASSERT_TRUE(len == 3 && memcmp(view, "two", 3) == 0);
		/* Back again, with the peek outstanding. */
		relocate(&r[0], &r[1]);
		ASSERT_OK(shmchan_channel_release(&r[0]));
		ASSERT_ERR(shmchan_channel_peek(&r[0], &view, &len), -EAGAIN);
		/* Closing the moved handles detaches: the name can be opened as
		 * the reader again, and the writer's close ends the stream. */
		ASSERT_OK(shmchan_channel_close(&w[1]));
		ASSERT_ERR(shmchan_channel_wait_readable(&r[0], 1000), -EPIPE);
		ASSERT_OK(shmchan_channel_close(&r[0]));
		if (cfgs[k].kind == SHMCHAN_KIND_SLOT) {
			ASSERT_OK(shmchan_channel_open_reader(&stale, name, NULL));
			ASSERT_OK(shmchan_channel_close(&stale));
		}
		ASSERT_OK(shmchan_channel_unlink(name));
	}
}

static uint32_t pick(uint32_t *x, uint32_t k)
{
	*x = *x * 1103515245u + 12345u;
	return (*x >> 16) % k;
}

/* shmchan_config_check names the field it refuses, and agrees with the
 * calls: a create or an open refuses a config with -EINVAL exactly when the
 * check does (random configs of every field). */
static void test_config_check(void)
{
	static const struct {
		struct shmchan_config cfg;
		uint32_t use;
		const char *says;
	} bad[] = {
		{ { .slot_size = 64, .slot_count = 3 },
		  SHMCHAN_CHECK_CREATE,
		  "slot_count 3: not a power of two" },
		{ { .slot_size = 64, .slot_count = 1 },
		  SHMCHAN_CHECK_CREATE,
		  "slot_count 1: must be" },
		{ { .slot_size = 0, .slot_count = 8 },
		  SHMCHAN_CHECK_CREATE,
		  "slot_size 0: must be" },
		{ { .slot_size = 64, .slot_count = 8, .buffer_size = 4096 },
		  SHMCHAN_CHECK_CREATE,
		  "buffer_size 4096: record channels only" },
		{ { .kind = SHMCHAN_KIND_RECORD, .buffer_size = 1000 },
		  SHMCHAN_CHECK_CREATE,
		  "buffer_size 1000: not a power of two" },
		{ { .kind = SHMCHAN_KIND_RECORD, .buffer_size = 32 },
		  SHMCHAN_CHECK_CREATE,
		  "buffer_size 32: must be 64 to" },
		{ { .kind = SHMCHAN_KIND_RECORD, .buffer_size = 4096, .slot_count = 8 },
		  SHMCHAN_CHECK_CREATE,
		  "slot_size 0, slot_count 8: slot channels only" },
		{ { .kind = 9, .slot_size = 64, .slot_count = 8 },
		  SHMCHAN_CHECK_CREATE,
		  "kind 9: not a channel kind this library serves" },
		{ { .kind = SHMCHAN_KIND_BROADCAST, .slot_size = 64, .slot_count = 8, .policy = 3 },
		  SHMCHAN_CHECK_CREATE,
		  "policy 3: not a SHMCHAN_POLICY_*" },
		{ { .slot_size = 64, .slot_count = 8, .policy = 2 },
		  SHMCHAN_CHECK_CREATE,
		  "policy 2: broadcast channels only" },
		{ { .slot_size = 64, .slot_count = 8, .mode = 010000 },
		  SHMCHAN_CHECK_CREATE,
		  "mode 010000: not a file mode" },
		{ { .slot_size = 64, .slot_count = 8, .flags = 1 },
		  SHMCHAN_CHECK_CREATE,
		  "flags 0x1: SHMCHAN_OPEN_* flags are for opening" },
		{ { .slot_size = 64, .slot_count = 8, .hold = 2 },
		  SHMCHAN_CHECK_CREATE,
		  "hold 2: only readers hold messages" },
		{ { .hold = 2 }, SHMCHAN_CHECK_WRITER, "hold 2: only readers" },
		{ { .hold = SHMCHAN_MAX_HOLD + 1 }, SHMCHAN_CHECK_READER, "hold 17: more than" },
		{ { .flags = 6 },
		  SHMCHAN_CHECK_READER,
		  "flags 0x6: unknown SHMCHAN_OPEN_* bits 0x6" },
		{ { .wait = 7 }, SHMCHAN_CHECK_READER, "wait 7: not a SHMCHAN_WAIT_*" },
		{ { .spin_us = -2 }, SHMCHAN_CHECK_WRITER, "spin_us -2: out of range" },
		{ { .reserved = { 0, 0, 5, 0 } },
		  SHMCHAN_CHECK_READER,
		  "reserved[2] 5: reserved fields must be 0" },
		{ { .mem = SHMCHAN_MEM_HUGETLB },
		  SHMCHAN_CHECK_READER,
		  "mem 0x8: SHMCHAN_MEM_* bits 0x8 are not accepted when opening" },
		{ { .slot_size = 64, .slot_count = 8, .numa_node = 1 },
		  SHMCHAN_CHECK_CREATE,
		  "numa_node 1: set without SHMCHAN_MEM_NUMA_NODE" },
		{ { .slot_size = 64,
		    .slot_count = 8,
		    .mem = SHMCHAN_MEM_THP | SHMCHAN_MEM_HUGETLB },
		  SHMCHAN_CHECK_CREATE,
		  "mem 0xc: SHMCHAN_MEM_THP and SHMCHAN_MEM_HUGETLB together" },
	};
	const char *name = t_name("cfgcheck"), *other = t_name("cfgrand");
	struct shmchan_config cfg = small;
	struct shmchan_channel w, r;
	char why[128], tiny[8];
	uint32_t x = 12345;
	int n, made = 0;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 'x';
		ASSERT_ERR(shmchan_config_check(&bad[i].cfg, bad[i].use, why, sizeof(why)),
			   -EINVAL);
		if (strstr(why, bad[i].says) != why) {
			fprintf(stderr, "config %zu: got \"%s\", want \"%s...\"\n", i, why,
				bad[i].says);
			ASSERT_TRUE(0);
		}
	}
	ASSERT_OK(shmchan_config_check(&small, SHMCHAN_CHECK_CREATE, why, sizeof(why)));
	ASSERT_TRUE(strcmp(why, "ok") == 0);
	ASSERT_OK(shmchan_config_check(NULL, SHMCHAN_CHECK_READER, NULL, 0));
	ASSERT_ERR(shmchan_config_check(NULL, SHMCHAN_CHECK_CREATE, why, sizeof(why)), -EINVAL);
	ASSERT_TRUE(strstr(why, "no config") == why);
	ASSERT_ERR(shmchan_config_check(&small, 3, why, sizeof(why)), -EINVAL);
	/* Truncated, always terminated. */
	ASSERT_ERR(shmchan_config_check(&bad[0].cfg, SHMCHAN_CHECK_CREATE, tiny, sizeof(tiny)),
		   -EINVAL);
	ASSERT_TRUE(strcmp(tiny, "slot_co") == 0);

	/* The calls agree with the check, field by field. */
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &small));
	for (n = 0; n < 3000; n++) {
		static const uint32_t sizes[] = { 0, 1, 64, 3, 4096, 1000, 32, 1u << 31 };
		struct shmchan_channel c;
		int want, got;

#define PICK(k) pick(&x, k)
		memset(&cfg, 0, sizeof(cfg));
		cfg.kind = PICK(6);
		cfg.slot_size = sizes[PICK(8)];
		cfg.slot_count = sizes[PICK(8)] & 0xffff;
		cfg.buffer_size = PICK(3) ? 0 : sizes[PICK(8)];
		cfg.policy = PICK(4) ? 0 : PICK(4);
		cfg.mode = PICK(8) ? 0600 : 070000;
		cfg.wait = PICK(8) ? 0 : PICK(4);
		cfg.spin_us = PICK(8) ? 0 : (int32_t)PICK(4) - 2;
		cfg.flags = PICK(8) ? 0 : PICK(3);
		cfg.mem =
			PICK(8) ? 0 : (PICK(2) ? SHMCHAN_MEM_PREFAULT : SHMCHAN_MEM_NUMA_NODE << 8);
		cfg.hold = PICK(8) ? 0 : PICK(20);
		i = PICK(4);
		cfg.reserved[i] = PICK(16) ? 0 : 1;
#undef PICK
		/* Creating: the check refuses exactly what create refuses
		 * with -EINVAL (a create that succeeds is undone). */
		want = shmchan_config_check(&cfg, SHMCHAN_CHECK_CREATE, why, sizeof(why));
		got = shmchan_channel_create_writer(&c, other, &cfg);
		if (got == 0) {
			ASSERT_OK(shmchan_channel_close(&c));
			ASSERT_OK(shmchan_channel_unlink(other));
		}
		made += got == 0;
		if ((want == -EINVAL) != (got == -EINVAL)) {
			fprintf(stderr, "create: check %d (%s), create_writer %d\n", want, why,
				got);
			ASSERT_TRUE(0);
		}
		ASSERT_TRUE(strlen(why) > 0);
		/* Opening as a reader and as a writer: only the fields the
		 * check judges (a geometry is matched against the channel). */
		cfg.kind = cfg.slot_size = cfg.slot_count = cfg.buffer_size = cfg.policy = 0;
		cfg.mode = 0;
		want = shmchan_config_check(&cfg, SHMCHAN_CHECK_READER, why, sizeof(why));
		got = shmchan_channel_open_reader(&r, name, &cfg);
		if (got == 0)
			ASSERT_OK(shmchan_channel_close(&r));
		ASSERT_TRUE((want == -EINVAL) == (got == -EINVAL));
		want = shmchan_config_check(&cfg, SHMCHAN_CHECK_WRITER, why, sizeof(why));
		got = shmchan_channel_open_writer(&c, name, &cfg);
		if (got == 0)
			ASSERT_OK(shmchan_channel_close(&c));
		ASSERT_TRUE((want == -EINVAL) == (got == -EINVAL));
	}
	/* Both answers were exercised. */
	printf("config_check: %d of %d random configs created a channel\n", made, n);
	ASSERT_TRUE(made > 10 && made < n - 10);
	ASSERT_OK(shmchan_channel_close(&w));
}

/* depth_bytes is 64-bit: three messages in slots of 1 GiB are 3 GiB (the
 * int it was saturated at 2^31 - 1). The file is sparse: only the pages
 * written are memory. */
static void test_depth_bytes_64(void)
{
	struct shmchan_config cfg = { .slot_size = 1u << 30, .slot_count = 4 };
	const char *name = t_name("deep");
	struct shmchan_channel w, r;
	int i, err;

	if (sizeof(void *) < 8) {
		printf("depth_bytes_64: skipped (a 4 GiB mapping needs a 64-bit address space)\n");
		exit(77);
	}
	err = shmchan_channel_create_writer(&w, name, &cfg);
	if (err == -ENOSPC || err == -ENOMEM) {
		printf("depth_bytes_64: skipped (/dev/shm cannot hold a sparse 4 GiB file: %s)\n",
		       shmchan_strerror(err));
		exit(77);
	}
	ASSERT_OK(err);
	ASSERT_OK(shmchan_channel_open_reader(&r, name, NULL));
	for (i = 0; i < 3; i++)
		ASSERT_OK(shmchan_channel_write(&w, "deep", 4));
	ASSERT_EQ(shmchan_channel_depth(&r), 3);
	ASSERT_TRUE(shmchan_channel_depth_bytes(&r) == 3 * (int64_t)(1u << 30));
	ASSERT_TRUE(shmchan_channel_depth_bytes(&w) == 3 * (int64_t)(1u << 30));
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
}

static const struct t_case cases[] = {
	{ "create_args", test_create_args },
	{ "roles", test_roles },
	{ "writer_limit", test_writer_limit },
	{ "zero_copy_and_close", test_zero_copy_and_close },
	{ "wait_timeout", test_wait_timeout },
	{ "cross_process", test_cross_process },
	{ "registry_identity", test_registry_identity },
	{ "fork_inherited_handle", test_fork_inherited_handle },
	{ "liveness_by_lock", test_liveness_by_lock },
	{ "owner_checked", test_owner_checked },
	{ "replace_failure_keeps_old", test_replace_failure_keeps_old },
	{ "shared_handle_refused", test_shared_handle_refused },
	{ "info_sized", test_info_sized },
	{ "strerror", test_strerror },
	{ "relocated", test_relocated },
	{ "config_check", test_config_check },
	{ "depth_bytes_64", test_depth_bytes_64 },
};

int main(int argc, char **argv)
{
	t_watchdog(120);
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	printf("test_channel: ok\n");
	return 0;
}
