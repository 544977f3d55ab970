/* SPDX-License-Identifier: MIT */
/*
 * Where a channel's memory lives: anonymous sealed channels passed by
 * descriptor (fdpass.h), pre-faulted and locked pages, transparent and
 * explicit huge pages, NUMA binding, first-touch placement.
 *
 * Cases that need what a machine may lack (huge pages, THP for shmem)
 * exit 77 with the reason; .ci/run gives them what they need (a hugetlb
 * pool, shmem_enabled=advise) in a step of its own.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>

#include "handle_pvt.h"
#include "t_util.h"

#define T_SKIP(...)                                                                                \
	do {                                                                                       \
		printf("SKIP: ");                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		fflush(stdout);                                                                    \
		exit(77);                                                                          \
	} while (0)

/* Under qemu-user (cross builds) madvise's MADV_POPULATE_WRITE succeeds
 * without faulting anything in, mbind is not implemented and MFD_HUGETLB
 * is refused: the cases that observe those skip there, saying so. */
#ifdef T_EMULATED
#define SKIP_IF_EMULATED(what)                                                                     \
	T_SKIP("qemu-user does not carry out %s; this case runs on native builds", what)
#else
#define SKIP_IF_EMULATED(what) ((void)0)
#endif

/* The seals of @ch's file, as shmchan_channel_memory() reports them; it
 * reads /proc/self/smaps, where qemu-user lists the host's mappings at
 * addresses a 32-bit guest does not see (-ENOENT there): emulated builds
 * ask the descriptor instead. */
static unsigned t_seals(const struct shmchan_channel *ch)
{
	struct shmchan_memory mem;
	int err = shmchan_channel_memory(ch, &mem);

#ifdef T_EMULATED
	if (err == -ENOENT)
		return (unsigned)fcntl(shmchan__chandle_of(ch)->seg.fd, F_GET_SEALS);
#endif
	ASSERT_OK(err);
	return mem.seals;
}

static const struct shmchan_config slot_cfg = { .slot_size = 1024, .slot_count = 64 };

/* The bytes of message @n: a pattern no two messages share. */
static void fill(unsigned char *p, size_t len, uint32_t n)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)((n * 131u + i * 7u) ^ (i >> 8));
}

static int check(const unsigned char *p, size_t len, uint32_t n)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (unsigned char)((n * 131u + i * 7u) ^ (i >> 8)))
			return 0;
	return 1;
}

/* Entries in /dev/shm whose name holds @label (an anonymous channel must
 * add none). Only this process's label is counted: tests running beside
 * this one create and remove entries of their own meanwhile. */
static int shm_entries(const char *label)
{
	DIR *d = opendir(SHMCHAN_SHM_DIR);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strstr(e->d_name, label) != NULL;
	closedir(d);
	return n;
}

/* Read @count messages of @len bytes from @r, checking every byte. */
static int read_all(struct shmchan_channel *r, uint32_t count, size_t len)
{
	unsigned char buf[1024];
	size_t got;

	for (uint32_t n = 0; n < count; n++) {
		if (shmchan_channel_recv(r, buf, sizeof(buf), &got, 10000) != 0)
			return 10;
		if (got != len || !check(buf, len, n))
			return 11;
	}
	return 0;
}

static int g_fd = -1;

/* Child: open the anonymous channel behind g_fd as reader, read 1,000. */
static int child_reads(void *arg)
{
	struct shmchan_channel r;
	int err;

	(void)arg;
	if (shmchan_channel_open_reader_fd(&r, g_fd, NULL) != 0)
		return 2;
	close(g_fd);
	err = read_all(&r, 1000, 200);
	shmchan_channel_close(&r);
	return err;
}

static void test_anon_basics(void)
{
	struct shmchan_channel w, w2;
	unsigned char msg[200];
	char label[64];
	int fd;
	pid_t pid;

	snprintf(label, sizeof(label), "t.anon.%d", (int)getpid());
	ASSERT_OK(shmchan_channel_create_anon(&w, label, &slot_cfg));
	ASSERT_EQ(shm_entries(label), 0);
	/* It is there, as a memfd of that label. */
	{
		char link[64], target[128] = "";

		snprintf(link, sizeof(link), "/proc/self/fd/%d", T_H(&w)->seg.fd);
		ASSERT_TRUE(readlink(link, target, sizeof(target) - 1) > 0);
		ASSERT_TRUE(strstr(target, "/memfd:") == target && strstr(target, label));
	}
	ASSERT_EQ(t_seals(&w) & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	ASSERT_ERR(shmchan_channel_share_fd(&w, 1 << 30), -EINVAL);
	g_fd = shmchan_channel_share_fd(&w, O_CLOEXEC);
	ASSERT_TRUE(g_fd >= 0);
	/* A second writer through another shared descriptor. */
	fd = shmchan_channel_share_fd(&w, 0);
	ASSERT_TRUE(fd >= 0 && !(fcntl(fd, F_GETFD) & FD_CLOEXEC));
	ASSERT_OK(shmchan_channel_open_writer_fd(&w2, fd, NULL));
	close(fd);
	pid = t_fork(child_reads, NULL);
	close(g_fd);
	ASSERT_OK(shmchan_channel_wait_for_reader(&w, 10000));
	for (uint32_t n = 0; n < 1000; n++) {
		fill(msg, sizeof(msg), n);
		ASSERT_OK(shmchan_channel_send(n % 2 ? &w2 : &w, msg, sizeof(msg), 10000));
	}
	ASSERT_EQ(t_wait_child(pid, 20000), 0);
	ASSERT_OK(shmchan_channel_close(&w2));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_EQ(shm_entries(label), 0);
}

/* Every kind works on an anonymous channel: opened by descriptor in each
 * reader role, a message across, and the channel's info. */
static void test_anon_kinds(void)
{
	static const struct shmchan_config cfgs[] = {
		{ .kind = SHMCHAN_KIND_SLOT, .slot_size = 256, .slot_count = 8 },
		{ .kind = SHMCHAN_KIND_RECORD, .buffer_size = 4096 },
		{ .kind = SHMCHAN_KIND_BROADCAST, .slot_size = 256, .slot_count = 8 },
		{ .kind = SHMCHAN_KIND_BROADCAST,
		  .slot_size = 256,
		  .slot_count = 8,
		  .policy = SHMCHAN_POLICY_OVERWRITE },
		{ .kind = SHMCHAN_KIND_WORKQUEUE, .slot_size = 256, .slot_count = 8 },
	};
	unsigned char msg[200], buf[256];
	size_t i, got;

	for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		struct shmchan_info in = SHMCHAN_INFO_INIT;
		struct shmchan_channel w, r;
		int fd;

		ASSERT_OK(shmchan_channel_create_anon(&w, "t.kinds", &cfgs[i]));
		fd = shmchan_channel_share_fd(&w, O_CLOEXEC);
		ASSERT_TRUE(fd >= 0);
		if (cfgs[i].kind == SHMCHAN_KIND_BROADCAST)
			ASSERT_OK(shmchan_channel_subscribe_fd(&r, fd, NULL, SHMCHAN_SUB_OLDEST));
		else
			ASSERT_OK(shmchan_channel_open_reader_fd(&r, fd, &cfgs[i]));
		close(fd);
		fill(msg, sizeof(msg), (uint32_t)i);
		ASSERT_OK(shmchan_channel_write(&w, msg, sizeof(msg)));
		ASSERT_OK(shmchan_channel_recv(&r, buf, sizeof(buf), &got, 1000));
		ASSERT_TRUE(got == sizeof(msg) && check(buf, got, (uint32_t)i));
		ASSERT_OK(shmchan_channel_info(&r, &in));
		ASSERT_EQ(in.kind, cfgs[i].kind);
		ASSERT_EQ(in.written, 1);
		/* The writer's close ends the stream, as for a named channel. */
		ASSERT_OK(shmchan_channel_close(&w));
		ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &got, 1000), -EPIPE);
		ASSERT_OK(shmchan_channel_close(&r));
	}
}

/* Child: a hostile holder of the descriptor tries to shrink and grow the
 * file under its peers. */
static int child_shrinks(void *arg)
{
	(void)arg;
	if (ftruncate(g_fd, 4096) == 0 || errno != EPERM)
		return 2;
	if (ftruncate(g_fd, 1 << 30) == 0 || errno != EPERM)
		return 3;
	if (fcntl(g_fd, F_ADD_SEALS, F_SEAL_WRITE) == 0 || errno != EPERM)
		return 4;
	if (fallocate(g_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 1 << 20) == 0) {
		/* Punching a hole zeroes pages but keeps the size: the
		 * mappings stay valid (no SIGBUS); the channel then sees
		 * corrupt positions, which it reports as errors. */
		return 0;
	}
	return 0;
}

static void test_anon_sealed(void)
{
	struct shmchan_channel w, r;
	unsigned char msg[200];

	ASSERT_OK(shmchan_channel_create_anon(&w, NULL, &slot_cfg));
	g_fd = shmchan_channel_share_fd(&w, O_CLOEXEC);
	ASSERT_TRUE(g_fd >= 0);
	ASSERT_OK(shmchan_channel_open_reader_fd(&r, g_fd, NULL));
	for (uint32_t n = 0; n < 10; n++) {
		fill(msg, sizeof(msg), n);
		ASSERT_OK(shmchan_channel_write(&w, msg, sizeof(msg)));
	}
	ASSERT_EQ(t_wait_child(t_fork(child_shrinks, NULL), 10000), 0);
	close(g_fd);
	/* Every page is still there: touching all of them raises no SIGBUS
	 * (the test would die of it), and the channel answers. */
	unsigned sum = 0;
	for (size_t off = 0; off < T_H(&r)->seg.size; off += 4096)
		sum += ((volatile unsigned char *)shmchan_segment_data(&T_H(&r)->seg))[off];
	(void)sum;
	/* The hole punched zeroed the pages (the size stays): corruption,
	 * which the channel reports as such, not a fault. */
	size_t got;
	int err = shmchan_channel_read(&r, msg, sizeof(msg), &got);
	printf("  read after the hole: %s\n", shmchan_strerror(err));
	ASSERT_TRUE(err < 0);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
}

static void test_anon_refused(void)
{
	struct shmchan_channel w, r;
	int fd;

	/* An unsealed memfd, even one holding a real channel's bytes. */
	fd = memfd_create("t.unsealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	ASSERT_TRUE(fd >= 0);
	ASSERT_TRUE(ftruncate(fd, 1 << 20) == 0);
	ASSERT_ERR(shmchan_channel_open_reader_fd(&r, fd, NULL), -EPERM);
	/* Sealed against shrinking only: still refused. */
	ASSERT_TRUE(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	ASSERT_ERR(shmchan_channel_open_writer_fd(&r, fd, NULL), -EPERM);
	close(fd);
	/* A memfd made without sealing at all. */
	fd = memfd_create("t.nosealing", MFD_CLOEXEC);
	ASSERT_TRUE(fd >= 0 && ftruncate(fd, 1 << 20) == 0);
	ASSERT_ERR(shmchan_channel_subscribe_fd(&r, fd, NULL, 0), -EPERM);
	close(fd);
	/* A named channel's descriptor: /dev/shm files cannot be sealed. */
	const char *name = t_name("named");
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &slot_cfg));
	fd = shmchan_channel_share_fd(&w, O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_ERR(shmchan_channel_open_reader_fd(&r, fd, NULL), -EPERM);
	close(fd);
	ASSERT_OK(shmchan_channel_close(&w));
	shmchan_channel_unlink(name);
	/* Not a file at all; a bad number; a closed handle. */
	ASSERT_ERR(shmchan_channel_open_reader_fd(&r, -1, NULL), -EBADF);
	ASSERT_ERR(shmchan_channel_subscribe_fd(&r, -3, NULL, 0), -EBADF);
	int sv[2];
	ASSERT_TRUE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	ASSERT_ERR(shmchan_channel_open_reader_fd(&r, sv[0], NULL), -EPERM);
	close(sv[0]);
	close(sv[1]);
	ASSERT_ERR(shmchan_channel_share_fd(&r, 0), -EINVAL);
	ASSERT_ERR(shmchan_channel_open_writer(&r, NULL, NULL), -EINVAL);
	ASSERT_ERR(shmchan_channel_subscribe(&r, NULL, NULL, 0), -EINVAL);
	/* Create-only memory options refused on open. */
	struct shmchan_config ex = { .mem = SHMCHAN_MEM_HUGETLB };
	ASSERT_OK(shmchan_channel_create_anon(&w, "t.ex", &slot_cfg));
	fd = shmchan_channel_share_fd(&w, O_CLOEXEC);
	ASSERT_ERR(shmchan_channel_open_reader_fd(&r, fd, &ex), -EINVAL);
	ex.mem = SHMCHAN_MEM_NUMA_NODE;
	ASSERT_ERR(shmchan_channel_open_reader_fd(&r, fd, &ex), -EINVAL);
	ex.mem = SHMCHAN_MEM_FIRST_TOUCH;
	ASSERT_ERR(shmchan_channel_open_reader_fd(&r, fd, &ex), -EINVAL);
	ex.mem = 1u << 20;
	ASSERT_ERR(shmchan_channel_open_reader_fd(&r, fd, &ex), -EINVAL);
	ex.mem = SHMCHAN_MEM_PREFAULT;
	ASSERT_OK(shmchan_channel_open_reader_fd(&r, fd, &ex));
	close(fd);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
}

/* Child: create an anonymous channel, serve it on a rendezvous, write 500
 * messages and die of SIGKILL with the channel open. */
static const char *g_rv;

static int child_serves_and_dies(void *arg)
{
	struct shmchan_channel w;
	unsigned char msg[200];
	int lfd, fd;

	(void)arg;
	if (shmchan_channel_create_anon(&w, "t.crash", &slot_cfg) != 0)
		return 2;
	fd = shmchan_channel_share_fd(&w, O_CLOEXEC);
	lfd = shmchan_rendezvous_listen(g_rv);
	if (fd < 0 || lfd < 0)
		return 3;
	if (shmchan_rendezvous_serve(lfd, fd, 10000, 0) != 0)
		return 4;
	close(fd);
	close(lfd);
	if (shmchan_channel_wait_for_reader(&w, 10000) != 0)
		return 5;
	for (uint32_t n = 0; n < 500; n++) {
		fill(msg, sizeof(msg), n);
		if (shmchan_channel_send(&w, msg, sizeof(msg), 10000) != 0)
			return 6;
	}
	raise(SIGKILL);
	return 7;
}

static void test_anon_crash(void)
{
	struct shmchan_channel r;
	unsigned char buf[1024];
	size_t got;
	pid_t pid;
	int fd;

	g_rv = t_name("rv");
	pid = t_fork(child_serves_and_dies, NULL);
	ASSERT_OK(shmchan_rendezvous_fetch(g_rv, &fd, 10000, 0));
	ASSERT_OK(shmchan_channel_open_reader_fd(&r, fd, NULL));
	/* The fetched descriptor shares the dead writer's open file
	 * description: the handle judges liveness through its own. Keeping
	 * this one open must not make the dead writer look alive. */
	ASSERT_OK(read_all(&r, 500, 200));
	ASSERT_EQ(t_wait_child(pid, 20000), 128 + SIGKILL);
	/* Drained, and the only writer is dead: end of stream, found by the
	 * kernel's account of the writer's lock, however long fd stays. */
	ASSERT_ERR(shmchan_channel_recv(&r, buf, sizeof(buf), &got, 10000), -EPIPE);
	close(fd);
	ASSERT_OK(shmchan_channel_close(&r));
}

static void test_fdpass(void)
{
	int sv[2], fd, got, pipefd[2];
	char c;

	ASSERT_TRUE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	ASSERT_ERR(shmchan_fd_send(sv[0], -1), -EINVAL);
	ASSERT_ERR(shmchan_fd_recv(sv[1], NULL, 0), -EINVAL);
	ASSERT_ERR(shmchan_fd_recv(sv[1], &got, -2), -EINVAL);
	ASSERT_ERR(shmchan_fd_recv(sv[1], &got, 0), -ETIMEDOUT);
	ASSERT_ERR(shmchan_fd_recv(sv[1], &got, 30), -ETIMEDOUT);
	/* A descriptor arrives as a new number for the same file. */
	ASSERT_TRUE(pipe2(pipefd, O_CLOEXEC) == 0);
	ASSERT_OK(shmchan_fd_send(sv[0], pipefd[1]));
	ASSERT_OK(shmchan_fd_recv(sv[1], &got, 1000));
	ASSERT_TRUE(got != pipefd[1] && (fcntl(got, F_GETFD) & FD_CLOEXEC));
	ASSERT_EQ(write(got, "x", 1), 1);
	ASSERT_EQ(read(pipefd[0], &c, 1), 1);
	close(got);
	/* A message without a descriptor. */
	ASSERT_EQ(send(sv[0], "y", 1, 0), 1);
	ASSERT_ERR(shmchan_fd_recv(sv[1], &fd, 1000), -EBADMSG);
	/* Two descriptors in one message: refused, both closed. */
	{
		union {
			char buf[CMSG_SPACE(2 * sizeof(int))];
			struct cmsghdr a;
		} u;
		struct iovec iov = { &c, 1 };
		struct msghdr m = { 0 };
		struct cmsghdr *cm;
		int two[2] = { pipefd[0], pipefd[1] };

		memset(&u, 0, sizeof(u));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(two));
		memcpy(CMSG_DATA(cm), two, sizeof(two));
		ASSERT_EQ(sendmsg(sv[0], &m, 0), 1);
		int nfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		close(nfd);
		ASSERT_ERR(shmchan_fd_recv(sv[1], &fd, 1000), -EBADMSG);
		/* The two received copies were closed: the next descriptor
		 * number is the one just freed above. */
		int again = open("/dev/null", O_RDONLY | O_CLOEXEC);
		ASSERT_EQ(again, nfd);
		close(again);
	}
	close(sv[0]);
	ASSERT_ERR(shmchan_fd_recv(sv[1], &fd, 1000), -EPIPE);
	close(sv[1]);
	close(pipefd[0]);
	close(pipefd[1]);
	/* Rendezvous arguments. */
	ASSERT_ERR(shmchan_rendezvous_listen("bad/name"), -EINVAL);
	ASSERT_ERR(shmchan_rendezvous_fetch("x", NULL, 0, 0), -EINVAL);
	ASSERT_ERR(shmchan_rendezvous_fetch("x", &fd, 0, 8), -EINVAL);
	ASSERT_ERR(shmchan_rendezvous_serve(-1, 0, 0, 0), -EINVAL);
	const char *rv = t_name("rv");
	ASSERT_ERR(shmchan_rendezvous_fetch(rv, &fd, 50, 0), -ETIMEDOUT);
	int lfd = shmchan_rendezvous_listen(rv);
	ASSERT_TRUE(lfd >= 0);
	ASSERT_ERR(shmchan_rendezvous_listen(rv), -EADDRINUSE);
	ASSERT_ERR(shmchan_rendezvous_serve(lfd, 0, 30, 0), -ETIMEDOUT);
	close(lfd);
}

/* Child: fetch from the rendezvous as another user (uid 65534). */
static int child_fetches_as_nobody(void *arg)
{
	int fd;

	(void)arg;
	if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
		return 2;
	/* The server runs as another user: refused without ANY_USER. */
	if (shmchan_rendezvous_fetch(g_rv, &fd, 5000, 0) != -EPERM)
		return 3;
	return 0;
}

static int child_fetches_any(void *arg)
{
	int fd, err;

	(void)arg;
	if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
		return 2;
	err = shmchan_rendezvous_fetch(g_rv, &fd, 5000, SHMCHAN_RV_ANY_USER);
	if (err)
		return 4;
	close(fd);
	return 0;
}

static void test_rendezvous_users(void)
{
	struct shmchan_channel w;
	int lfd, fd;
	pid_t pid;

	if (geteuid() != 0)
		T_SKIP("needs root to run a peer as another user");
	g_rv = t_name("rvu");
	ASSERT_OK(shmchan_channel_create_anon(&w, NULL, &slot_cfg));
	fd = shmchan_channel_share_fd(&w, O_CLOEXEC);
	lfd = shmchan_rendezvous_listen(g_rv);
	ASSERT_TRUE(fd >= 0 && lfd >= 0);
	/* A stranger connecting is turned away; serve goes on waiting. */
	pid = t_fork(child_fetches_as_nobody, NULL);
	ASSERT_ERR(shmchan_rendezvous_serve(lfd, fd, 300, 0), -ETIMEDOUT);
	ASSERT_EQ(t_wait_child(pid, 10000), 0);
	/* Both sides opting in: served. */
	pid = t_fork(child_fetches_any, NULL);
	ASSERT_OK(shmchan_rendezvous_serve(lfd, fd, 10000, SHMCHAN_RV_ANY_USER));
	ASSERT_EQ(t_wait_child(pid, 10000), 0);
	close(lfd);
	close(fd);
	ASSERT_OK(shmchan_channel_close(&w));
}

static const struct shmchan_config big_cfg = { .slot_size = 65536, .slot_count = 64 };

static void test_prefault(void)
{
	struct shmchan_channel w, r;
	struct shmchan_memory mem;
	struct shmchan_config cfg = big_cfg, ex = { .mem = SHMCHAN_MEM_PREFAULT };
	const char *name = t_name("prefault");

	SKIP_IF_EMULATED("MADV_POPULATE_WRITE");

	/* Without: only what layout touched is resident. */
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	ASSERT_OK(shmchan_channel_memory(&w, &mem));
	ASSERT_TRUE(mem.size >= 4u << 20);
	ASSERT_TRUE(mem.resident < mem.size / 2);
	ASSERT_EQ(mem.page_size, 4096);
	ASSERT_EQ(mem.hugetlb, 0);
	/* An opener that pre-faults has every page. */
	ASSERT_OK(shmchan_channel_open_reader(&r, name, &ex));
	ASSERT_OK(shmchan_channel_memory(&r, &mem));
	ASSERT_EQ(mem.resident, mem.size);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
	shmchan_channel_unlink(name);
	/* A creator that pre-faults, anonymous this time. */
	cfg.mem = SHMCHAN_MEM_PREFAULT;
	ASSERT_OK(shmchan_channel_create_anon(&w, NULL, &cfg));
	ASSERT_OK(shmchan_channel_memory(&w, &mem));
	ASSERT_EQ(mem.resident, mem.size);
	ASSERT_OK(shmchan_channel_close(&w));
}

static void test_lock(void)
{
	struct shmchan_channel w;
	struct shmchan_memory mem;
	struct shmchan_config cfg = big_cfg;
	struct rlimit rl;

	SKIP_IF_EMULATED("smaps of the guest's mappings (its Locked: field)");
	cfg.mem = SHMCHAN_MEM_LOCK;
	getrlimit(RLIMIT_MEMLOCK, &rl);
	if (geteuid() != 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (8u << 20))
		T_SKIP("RLIMIT_MEMLOCK is %llu bytes, below the 8 MiB this case locks",
		       (unsigned long long)rl.rlim_cur);
	ASSERT_OK(shmchan_channel_create_anon(&w, NULL, &cfg));
	ASSERT_OK(shmchan_channel_memory(&w, &mem));
	ASSERT_EQ(mem.locked, mem.size);
	ASSERT_EQ(mem.resident, mem.size);
	ASSERT_OK(shmchan_channel_close(&w));
}

/* Child: without CAP_IPC_LOCK and with a 64 KiB RLIMIT_MEMLOCK, a locked
 * channel of 4 MiB is refused with -ENOMEM, and nothing is left. */
static int child_lock_limited(void *arg)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	struct rlimit rl = { 65536, 65536 };
	struct shmchan_channel w;
	struct shmchan_config cfg = big_cfg;
	const char *name = arg;
	int err;

	if (syscall(SYS_capget, &h, d) == 0) {
		d[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
		if (syscall(SYS_capset, &h, d) != 0)
			return 2;
	}
	if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		return 3;
	cfg.mem = SHMCHAN_MEM_LOCK;
	err = shmchan_channel_create_writer(&w, name, &cfg);
	if (err != -ENOMEM && err != -EAGAIN)
		return 4;
	/* Nothing left under the name: the failed create removed it. */
	if (shmchan_channel_open_reader(&w, name, NULL) != -ENOENT)
		return 5;
	/* The limit is 0: -EPERM. */
	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		return 6;
	err = shmchan_channel_create_anon(&w, NULL, &cfg);
	if (err != -EPERM)
		return 7;
	return 0;
}

static void test_lock_limit(void)
{
	ASSERT_EQ(t_wait_child(t_fork(child_lock_limited, (void *)t_name("lockl")), 10000), 0);
}

/* What the kernel allows transparent huge pages of shmem: the bracketed word
 * of shmem_enabled ("never" when it cannot be read). */
static void shmem_thp_mode(char *out, size_t cap)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "r");
	char *a, *b;

	snprintf(out, cap, "never");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f) && (a = strchr(buf, '[')) && (b = strchr(a, ']'))) {
		*b = '\0';
		snprintf(out, cap, "%s", a + 1);
	}
	fclose(f);
}

static void test_thp(void)
{
	struct shmchan_channel w, r;
	struct shmchan_memory mem;
	struct shmchan_config cfg = big_cfg, ex = { .mem = SHMCHAN_MEM_THP };
	const char *name = t_name("thp");
	char mode[32];
	struct stat st;
	int fd;

	SKIP_IF_EMULATED("MADV_HUGEPAGE");

	cfg.mem = SHMCHAN_MEM_THP;
	/* Named: the size rounds up to the PMD size, every mapping is
	 * aligned to it. Whether /dev/shm gives huge pages is its mount's
	 * huge= option, not shmem_enabled (docs/memory.md). */
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	ASSERT_TRUE(fstat(T_H(&w)->seg.fd, &st) == 0);
	ASSERT_EQ(st.st_size % (2 << 20), 0);
	ASSERT_EQ((uintptr_t)shmchan_segment_data(&T_H(&w)->seg) % (2 << 20), 0);
	ASSERT_OK(shmchan_channel_open_reader(&r, name, &ex));
	ASSERT_EQ((uintptr_t)shmchan_segment_data(&T_H(&r)->seg) % (2 << 20), 0);
	ASSERT_OK(shmchan_channel_memory(&w, &mem));
	printf("  named: %llu of %llu bytes in huge pages\n", (unsigned long long)mem.huge,
	       (unsigned long long)mem.size);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
	shmchan_channel_unlink(name);
	/* Anonymous: the kernel's internal shmem mount, which shmem_enabled
	 * governs. */
	ASSERT_OK(shmchan_channel_create_anon(&w, NULL, &cfg));
	fd = shmchan_channel_share_fd(&w, O_CLOEXEC);
	ASSERT_OK(shmchan_channel_open_reader_fd(&r, fd, &ex));
	close(fd);
	ASSERT_EQ((uintptr_t)shmchan_segment_data(&T_H(&r)->seg) % (2 << 20), 0);
	ASSERT_OK(shmchan_channel_memory(&w, &mem));
	shmem_thp_mode(mode, sizeof(mode));
	printf("  anonymous, shmem_enabled [%s]: %llu of %llu bytes in huge pages\n", mode,
	       (unsigned long long)mem.huge, (unsigned long long)mem.size);
	struct shmchan_memory rmem;
	ASSERT_OK(shmchan_channel_memory(&r, &rmem));
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
	if (strcmp(mode, "never") == 0 || strcmp(mode, "deny") == 0)
		T_SKIP("shmem_enabled is [%s]: no transparent huge pages for shmem here (the "
		       "sizes and alignment were checked)",
		       mode);
	/* The creator reserved every page through its advised mapping. */
	ASSERT_EQ(mem.huge, mem.size);
	ASSERT_EQ(rmem.size, mem.size);
}

/* Free pages in the hugetlb pool, from /proc/meminfo. */
static long huge_free(long *page_kb)
{
	char line[128];
	long free_pages = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	*page_kb = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Free: %ld", &free_pages);
		sscanf(line, "Hugepagesize: %ld kB", page_kb);
	}
	fclose(f);
	return free_pages;
}

static void test_hugetlb(void)
{
	struct shmchan_channel w, r;
	struct shmchan_memory mem;
	struct shmchan_config cfg = big_cfg, ex = { .mem = SHMCHAN_MEM_PREFAULT };
	const char *name = t_name("hugetlb");
	long page_kb, nfree = huge_free(&page_kb);
	int fd, err;

	SKIP_IF_EMULATED("MFD_HUGETLB");

	cfg.mem = SHMCHAN_MEM_HUGETLB;
	/* Named channels live in /dev/shm, which is not hugetlbfs. */
	ASSERT_ERR(shmchan_channel_create_writer(&w, name, &cfg), -EOPNOTSUPP);
	ASSERT_ERR(shmchan_channel_open_reader(&r, name, NULL), -ENOENT);
	cfg.mem = SHMCHAN_MEM_HUGETLB | SHMCHAN_MEM_THP;
	ASSERT_ERR(shmchan_channel_create_anon(&w, NULL, &cfg), -EINVAL);
	cfg.mem = SHMCHAN_MEM_HUGETLB;
	err = shmchan_channel_create_anon(&w, NULL, &cfg);
	if (nfree <= 0 || page_kb <= 0) {
		/* Demanded and none available: a clear error. */
		ASSERT_TRUE(err == -ENOSPC || err == -EOPNOTSUPP);
		T_SKIP("no free huge page (HugePages_Free %ld; vm.nr_hugepages sets the pool): "
		       "create_anon gave %s as it must",
		       nfree, shmchan_strerror(err));
	}
	if (err == -ENOSPC)
		T_SKIP("%ld free huge pages of %ld kB are too few for %u bytes", nfree, page_kb,
		       big_cfg.slot_size * big_cfg.slot_count);
	ASSERT_OK(err);
	ASSERT_OK(shmchan_channel_memory(&w, &mem));
	ASSERT_EQ(mem.hugetlb, 1);
	ASSERT_EQ(mem.page_size, (uint64_t)page_kb * 1024);
	ASSERT_EQ(mem.size % ((uint64_t)page_kb * 1024), 0);
	fd = shmchan_channel_share_fd(&w, O_CLOEXEC);
	ASSERT_OK(shmchan_channel_open_reader_fd(&r, fd, &ex));
	close(fd);
	ASSERT_OK(shmchan_channel_memory(&r, &mem));
	ASSERT_EQ(mem.huge, mem.size);
	/* Messages cross it as on any channel. */
	unsigned char msg[1000], buf[1000];
	size_t got;
	fill(msg, sizeof(msg), 7);
	ASSERT_OK(shmchan_channel_write(&w, msg, sizeof(msg)));
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &got));
	ASSERT_TRUE(got == sizeof(msg) && check(buf, got, 7));
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
}

/* The numa_maps line of this process's mapping at @addr, or "". */
static void numa_line(const void *addr, char *out, size_t cap)
{
	char line[1024], want[32];
	FILE *f = fopen("/proc/self/numa_maps", "r");

	out[0] = '\0';
	if (!f)
		return;
	snprintf(want, sizeof(want), "%lx ", (unsigned long)(uintptr_t)addr);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, want, strlen(want)) == 0) {
			snprintf(out, cap, "%s", line);
			break;
		}
	fclose(f);
}

static void test_numa(void)
{
	struct shmchan_channel w, r;
	struct shmchan_config cfg = big_cfg;
	char line[1024];
	int fd;

	SKIP_IF_EMULATED("mbind(2)");

	/* Node and flag go together; nodes out of range are refused. */
	cfg.numa_node = 1;
	ASSERT_ERR(shmchan_channel_create_anon(&w, NULL, &cfg), -EINVAL);
	cfg.mem = SHMCHAN_MEM_NUMA_NODE;
	cfg.numa_node = SHMCHAN_MAX_NUMA_NODES;
	ASSERT_ERR(shmchan_channel_create_anon(&w, NULL, &cfg), -EINVAL);
	cfg.numa_node = SHMCHAN_MAX_NUMA_NODES - 1; /* no machine has it */
	ASSERT_ERR(shmchan_channel_create_anon(&w, NULL, &cfg), -EINVAL);
	cfg.numa_node = 0;
	ASSERT_OK(shmchan_channel_create_anon(&w, NULL, &cfg));
	fd = shmchan_channel_share_fd(&w, O_CLOEXEC);
	ASSERT_OK(shmchan_channel_open_reader_fd(&r, fd, NULL));
	close(fd);
	/* Every mapping of the file follows its policy: bound to node 0,
	 * with every page reserved there. */
	numa_line(shmchan_segment_data(&T_H(&r)->seg), line, sizeof(line));
	printf("  numa_maps: %s", line);
	if (!line[0])
		T_SKIP("no /proc/self/numa_maps (a kernel without CONFIG_NUMA)");
	ASSERT_TRUE(strstr(line, "bind:0") != NULL);
	ASSERT_TRUE(strstr(line, " N0=") != NULL);
	ASSERT_TRUE(strstr(line, " N1=") == NULL);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
}

static void test_first_touch(void)
{
	struct shmchan_channel w, r;
	struct shmchan_memory mem;
	struct shmchan_config cfg = big_cfg, ex = { .mem = SHMCHAN_MEM_PREFAULT };
	const char *name = t_name("touch");
	struct stat st;

	SKIP_IF_EMULATED("MADV_POPULATE_WRITE");

	cfg.mem = SHMCHAN_MEM_FIRST_TOUCH;
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	/* Nothing reserved: the file holds only the pages that laying out
	 * the header and the slots' sequence words touched (one page in 16
	 * of 64 KiB slots). */
	ASSERT_TRUE(fstat(T_H(&w)->seg.fd, &st) == 0);
	ASSERT_TRUE((uint64_t)st.st_blocks * 512 < T_H(&w)->seg.size / 4);
	/* The reader's pre-fault allocates the rest, where it runs. */
	ASSERT_OK(shmchan_channel_open_reader(&r, name, &ex));
	ASSERT_OK(shmchan_channel_memory(&r, &mem));
	ASSERT_EQ(mem.resident, mem.size);
	ASSERT_TRUE(fstat(T_H(&w)->seg.fd, &st) == 0);
	ASSERT_TRUE((uint64_t)st.st_blocks * 512 >= mem.size);
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
	shmchan_channel_unlink(name);
}

/* Files of our prefix in @dir. */
static int entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strncmp(e->d_name, SHMCHAN_PREFIX, strlen(SHMCHAN_PREFIX)) == 0;
	closedir(d);
	return n;
}

static char g_dir[64];

/* Child: join the channel by its bare name through SHMCHAN_DIR, read 100. */
static int child_reads_by_env(void *arg)
{
	struct shmchan_channel r;
	int err;

	(void)arg;
	if (setenv(SHMCHAN_DIR_ENV, g_dir, 1) != 0)
		return 2;
	if (shmchan_channel_wait_created("t.dir", 10000) != 0)
		return 3;
	if (shmchan_channel_open_reader(&r, "t.dir", NULL) != 0)
		return 4;
	err = read_all(&r, 100, 300);
	shmchan_channel_close(&r);
	return err;
}

static void test_directory(void)
{
	struct shmchan_channel w, r;
	struct shmchan_info in = SHMCHAN_INFO_INIT;
	char path[128], file[160], msg[300];
	struct stat st;
	pid_t pid;

	snprintf(g_dir, sizeof(g_dir), "/dev/shm/t.dir.%d", (int)getpid());
	ASSERT_TRUE(mkdir(g_dir, 0700) == 0);
	snprintf(path, sizeof(path), "%s/t.dir", g_dir);
	/* The reader waits for the name to appear there, by its bare name. */
	pid = t_fork(child_reads_by_env, NULL);
	t_sleep_us(20000);
	ASSERT_OK(shmchan_channel_create_writer(&w, path, &slot_cfg));
	snprintf(file, sizeof(file), "%s/" SHMCHAN_PREFIX "t.dir", g_dir);
	ASSERT_TRUE(stat(file, &st) == 0);
	ASSERT_OK(shmchan_channel_wait_for_reader(&w, 10000));
	for (uint32_t n = 0; n < 100; n++) {
		fill((unsigned char *)msg, sizeof(msg), n);
		ASSERT_OK(shmchan_channel_send(&w, msg, sizeof(msg), 10000));
	}
	ASSERT_EQ(t_wait_child(pid, 20000), 0);
	/* Inspect, replace and unlink follow the path too. */
	ASSERT_OK(shmchan_inspect(path, &in));
	ASSERT_EQ(in.written, 100);
	ASSERT_OK(shmchan_channel_create_or_replace_writer(&r, path, &slot_cfg));
	ASSERT_EQ(entries_in(g_dir), 1); /* no temporary left behind */
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink(path));
	ASSERT_EQ(entries_in(g_dir), 0);
	ASSERT_ERR(shmchan_channel_unlink(path), -ENOENT);
	/* Through the environment, and its errors. */
	ASSERT_TRUE(setenv(SHMCHAN_DIR_ENV, g_dir, 1) == 0);
	ASSERT_OK(shmchan_channel_create_writer(&w, "t.env", &slot_cfg));
	ASSERT_EQ(entries_in(g_dir), 1);
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink("t.env"));
	ASSERT_TRUE(setenv(SHMCHAN_DIR_ENV, "relative/dir", 1) == 0);
	ASSERT_ERR(shmchan_channel_create_writer(&w, "t.env", &slot_cfg), -EINVAL);
	ASSERT_TRUE(setenv(SHMCHAN_DIR_ENV, "", 1) == 0); /* empty: the default */
	ASSERT_ERR(shmchan_channel_open_reader(&r, "t.env.none", NULL), -ENOENT);
	ASSERT_TRUE(unsetenv(SHMCHAN_DIR_ENV) == 0);
	snprintf(path, sizeof(path), "%s/no/such/dir/x", g_dir);
	ASSERT_ERR(shmchan_channel_create_writer(&w, path, &slot_cfg), -ENOENT);
	snprintf(path, sizeof(path), "%s/bad name", g_dir);
	ASSERT_ERR(shmchan_channel_create_writer(&w, path, &slot_cfg), -EINVAL);
	snprintf(path, sizeof(path), "%s/", g_dir);
	ASSERT_ERR(shmchan_channel_create_writer(&w, path, &slot_cfg), -EINVAL);
	ASSERT_TRUE(rmdir(g_dir) == 0);
}

/* Child: as another user with read permission only, inspect the channel
 * (read-only) but not open it. */
static int child_observes(void *arg)
{
	struct shmchan_info in = SHMCHAN_INFO_INIT;
	struct shmchan_channel r;
	const char *name = arg;

	if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
		return 2;
	if (shmchan_inspect(name, &in) != 0)
		return 3;
	if (in.written != 5 || in.nwriters != 1 || !in.writers[0].alive)
		return 4;
	/* Joining writes to the registry: not for a read-only user. */
	if (shmchan_channel_open_reader(
		    &r, name, &(struct shmchan_config){ .flags = SHMCHAN_OPEN_ANY_OWNER }) !=
	    -EACCES)
		return 5;
	return 0;
}

static void test_readonly_inspect(void)
{
	struct shmchan_channel w;
	struct shmchan_config cfg = slot_cfg;
	const char *name = t_name("ro");

	if (geteuid() != 0)
		T_SKIP("needs root to run an observer as another user");
	cfg.mode = 0644;
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	for (int i = 0; i < 5; i++)
		ASSERT_OK(shmchan_channel_write(&w, "hello", 5));
	ASSERT_EQ(t_wait_child(t_fork(child_observes, (void *)name), 10000), 0);
	ASSERT_OK(shmchan_channel_close(&w));
	shmchan_channel_unlink(name);
}

/* A named channel in a hugetlbfs directory (SHMCHAN_DIR): memory_env.sh
 * mounts one in a private mount namespace and runs this case there. */
static void test_hugetlb_dir(void)
{
	struct shmchan_channel w, r;
	struct shmchan_memory mem;
	struct shmchan_config cfg = big_cfg;
	const char *dir = getenv(SHMCHAN_DIR_ENV);
	long page_kb, nfree = huge_free(&page_kb);
	struct statfs sf;

	SKIP_IF_EMULATED("hugetlbfs");
	if (!dir || statfs(dir, &sf) != 0 || (uint32_t)sf.f_type != (uint32_t)HUGETLBFS_MAGIC)
		T_SKIP("SHMCHAN_DIR is not a hugetlbfs mount (tests/memory_env.sh makes one)");
	if (nfree < 3)
		T_SKIP("%ld free huge pages, 3 needed", nfree);
	cfg.mem = SHMCHAN_MEM_HUGETLB;
	ASSERT_OK(shmchan_channel_create_writer(&w, "t.hdir", &cfg));
	ASSERT_OK(shmchan_channel_open_reader(&r, "t.hdir", NULL));
	ASSERT_OK(shmchan_channel_memory(&r, &mem));
	ASSERT_EQ(mem.hugetlb, 1);
	ASSERT_EQ(mem.page_size, (uint64_t)page_kb * 1024);
	unsigned char msg[1000], buf[1000];
	size_t got;
	fill(msg, sizeof(msg), 3);
	ASSERT_OK(shmchan_channel_write(&w, msg, sizeof(msg)));
	ASSERT_OK(shmchan_channel_read(&r, buf, sizeof(buf), &got));
	ASSERT_TRUE(got == sizeof(msg) && check(buf, got, 3));
	ASSERT_OK(shmchan_channel_close(&r));
	ASSERT_OK(shmchan_channel_close(&w));
	ASSERT_OK(shmchan_channel_unlink("t.hdir"));
	ASSERT_EQ(entries_in(dir), 0);
}

/* Observer child: follow the broadcast channel read-only as another user,
 * in steps the parent paces through two pipes. */
static int g_to_child[2], g_to_parent[2];

static int step(int fd, char want)
{
	char c;

	return read(fd, &c, 1) == 1 && c == want;
}

#define OBS_CHECK(cond, code)                                                                      \
	do {                                                                                       \
		if (!(cond))                                                                       \
			return (code);                                                             \
	} while (0)

/* The permissions ("rw-s") of this process's mapping at @addr. */
static int mapping_perms(const void *addr, unsigned char *out, size_t cap)
{
	char line[512], want[32];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = -1;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)(uintptr_t)addr);
	while (found && fgets(line, sizeof(line), f))
		if (strncmp(line, want, strlen(want)) == 0) {
			const char *sp = strchr(line, ' ');

			snprintf((char *)out, cap, "%.4s", sp ? sp + 1 : "");
			found = 0;
		}
	fclose(f);
	return found;
}

static int child_observer(void *arg)
{
	struct shmchan_config ex = { .flags = SHMCHAN_OPEN_ANY_OWNER };
	struct shmchan_channel o;
	struct shmchan_waitset ws;
	unsigned char buf[256];
	const char *name = arg;
	uint64_t lost = 0;
	size_t got;
	uint32_t n;

	if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
		return 2;
	OBS_CHECK(shmchan_channel_subscribe(&o, name, &ex,
					    SHMCHAN_SUB_OBSERVE | SHMCHAN_SUB_OLDEST) == 0,
		  3);
	/* Mapped read-only: a write would fault, so none is made. */
	OBS_CHECK(mapping_perms(shmchan_segment_data(&T_H(&o)->seg), buf, sizeof(buf)) == 0 &&
			  strncmp((char *)buf, "r--s", 4) == 0,
		  23);
	for (n = 0; n < 5; n++) {
		OBS_CHECK(shmchan_channel_read(&o, buf, sizeof(buf), &got) == 0, 4);
		OBS_CHECK(got == 100 && check(buf, got, n), 5);
	}
	OBS_CHECK(shmchan_channel_read(&o, buf, sizeof(buf), &got) == -EAGAIN, 6);
	OBS_CHECK(shmchan_channel_poll_fd(&o) == -ENOTSUP, 7);
	OBS_CHECK(shmchan_waitset_init(&ws) == 0, 8);
	OBS_CHECK(shmchan_waitset_add(&ws, &o, SHMCHAN_READABLE) == -ENOTSUP, 9);
	shmchan_waitset_close(&ws);
	OBS_CHECK(write(g_to_parent[1], "a", 1) == 1 && step(g_to_child[0], 'b'), 10);
	/* 20 more were written into 8 slots: 12 lost, then the 8 retained. */
	OBS_CHECK(shmchan_channel_read(&o, buf, sizeof(buf), &got) == SHMCHAN_ELOST, 11);
	OBS_CHECK(shmchan_channel_lost(&o, &lost) == 0 && lost == 12, 12);
	for (n = 17; n < 25; n++) {
		const void *v;

		OBS_CHECK(shmchan_channel_peek(&o, &v, &got) == 0, 13);
		OBS_CHECK(got == 100 && check(v, got, n), 14);
		OBS_CHECK(shmchan_channel_release(&o) == 0, 15);
	}
	OBS_CHECK(shmchan_channel_recv(&o, buf, sizeof(buf), &got, 30) == -ETIMEDOUT, 16);
	/* A message written while it waits: found by polling. */
	OBS_CHECK(write(g_to_parent[1], "c", 1) == 1, 17);
	OBS_CHECK(shmchan_channel_recv(&o, buf, sizeof(buf), &got, 10000) == 0, 18);
	OBS_CHECK(got == 100 && check(buf, got, 25), 19);
	OBS_CHECK(write(g_to_parent[1], "d", 1) == 1, 20);
	/* The channel replaced: -ESTALE once nothing is left. */
	OBS_CHECK(shmchan_channel_recv(&o, buf, sizeof(buf), &got, 10000) == -ESTALE, 21);
	OBS_CHECK(shmchan_channel_close(&o) == 0, 22);
	return 0;
}

static void test_observer(void)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = 256,
				      .slot_count = 8,
				      .policy = SHMCHAN_POLICY_BLOCK,
				      .mode = 0644 };
	struct shmchan_info in = SHMCHAN_INFO_INIT;
	struct shmchan_channel w, w2, s;
	const char *name = t_name("obs"), *slot = t_name("obs.slot");
	unsigned char msg[100];
	uint32_t n;
	pid_t pid;

	if (geteuid() != 0)
		T_SKIP("needs root to run the observer as another user");
	/* Slot channels cannot be observed. */
	ASSERT_OK(shmchan_channel_create_writer(&w, slot, &slot_cfg));
	ASSERT_ERR(shmchan_channel_subscribe(&s, slot, NULL, SHMCHAN_SUB_OBSERVE), SHMCHAN_EKIND);
	ASSERT_OK(shmchan_channel_close(&w));
	shmchan_channel_unlink(slot);
	/* BLOCK: the observer holds no writer back either. */
	ASSERT_OK(shmchan_channel_create_writer(&w, name, &cfg));
	for (n = 0; n < 5; n++) {
		fill(msg, sizeof(msg), n);
		ASSERT_OK(shmchan_channel_write(&w, msg, sizeof(msg)));
	}
	ASSERT_TRUE(pipe2(g_to_child, O_CLOEXEC) == 0 && pipe2(g_to_parent, O_CLOEXEC) == 0);
	pid = t_fork(child_observer, (void *)name);
	ASSERT_TRUE(step(g_to_parent[0], 'a'));
	/* Not registered: no subscriber listed, none waited for. */
	ASSERT_OK(shmchan_inspect(name, &in));
	ASSERT_EQ(in.nsubscribers, 0);
	ASSERT_ERR(shmchan_channel_wait_for_reader(&w, 0), -ETIMEDOUT);
	for (n = 5; n < 25; n++) {
		fill(msg, sizeof(msg), n);
		ASSERT_OK(shmchan_channel_write(&w, msg, sizeof(msg)));
	}
	ASSERT_EQ(write(g_to_child[1], "b", 1), 1);
	ASSERT_TRUE(step(g_to_parent[0], 'c'));
	t_sleep_us(20000);
	fill(msg, sizeof(msg), 25);
	ASSERT_OK(shmchan_channel_write(&w, msg, sizeof(msg)));
	ASSERT_TRUE(step(g_to_parent[0], 'd'));
	ASSERT_OK(shmchan_channel_create_or_replace_writer(&w2, name, &cfg));
	ASSERT_EQ(t_wait_child(pid, 20000), 0);
	ASSERT_OK(shmchan_channel_close(&w2));
	ASSERT_OK(shmchan_channel_close(&w));
	shmchan_channel_unlink(name);
	close(g_to_child[0]);
	close(g_to_child[1]);
	close(g_to_parent[0]);
	close(g_to_parent[1]);
}

static const struct t_case cases[] = {
	{ "anon_basics", test_anon_basics },
	{ "anon_kinds", test_anon_kinds },
	{ "anon_sealed", test_anon_sealed },
	{ "anon_refused", test_anon_refused },
	{ "anon_crash", test_anon_crash },
	{ "fdpass", test_fdpass },
	{ "rendezvous_users", test_rendezvous_users },
	{ "prefault", test_prefault },
	{ "lock", test_lock },
	{ "lock_limit", test_lock_limit },
	{ "thp", test_thp },
	{ "hugetlb", test_hugetlb },
	{ "numa", test_numa },
	{ "first_touch", test_first_touch },
	{ "directory", test_directory },
	{ "readonly_inspect", test_readonly_inspect },
	{ "hugetlb_dir", test_hugetlb_dir },
	{ "observer", test_observer },
};

int main(int argc, char **argv)
{
	t_watchdog(120);
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	printf("test_memory: ok\n");
	return 0;
}
