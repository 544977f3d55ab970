/* SPDX-License-Identifier: MIT */
/*
 * iceoryx (2.0, through its C binding) for the benchmark: publish/subscribe
 * over iceoryx's shared memory, one service per direction, with a RouDi
 * daemon the bench starts itself (once, on the first iceoryx run) and stops
 * at exit. Optional: built only where CMake finds iceoryx_binding_c
 * (SHMCHAN_BENCH_IOX); elsewhere the rows are skipped, with the reason.
 *
 * The runtime: iceoryx 2.0's runtime is a function-local static singleton,
 * so a forked child inherits the parent's and iox_runtime_init() in the child
 * would return it, under the parent's name, whatever name it is given. The
 * runtime is therefore the bench process's own (initialized once, in the
 * parent, before the first fork) and every child uses the copy it inherits:
 * its ports are registered with RouDi under the parent's name. The two share
 * the runtime's IPC channel to RouDi, so their requests (the ports and the
 * wait set created in open()) must not overlap: the child makes its own,
 * then the parent. Destroying ports is a flag in shared memory, no request.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <shmchan.h>

#include "mech.h"

#ifdef SHMCHAN_BENCH_IOX

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include <iceoryx_binding_c/log.h>
#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>
#include <iceoryx_binding_c/wait_set.h>

/*
 * RouDi's mempools. A pool's size is the payload it holds (RouDi adds the
 * 40-byte chunk header and wants a multiple of 8); a message takes the
 * smallest pool that fits. The counts cover the deepest queues below (64
 * messages of up to 4 KiB, 16 up to 128 KiB, 4 above) in both directions.
 */
static const struct {
	unsigned size, count;
} pools[] = { { 128, 10000 }, { 4160, 1000 }, { 81920, 200 }, { 1153440, 64 } };
#define IOX_MAX_PAYLOAD 1153440u

/* What RouDi creates: its shared memory (management, and the data segment
 * named after the user's group), its socket and its locks (IOX_*_PREFIX
 * "/tmp/" in iceoryx 2.0 on Linux). */
#define IOX_MGMT_SHM "/dev/shm/iceoryx_mgmt"
#define IOX_UNIQUE_LOCK "/tmp/iox-unique-roudi.lock"
#define IOX_TMP_MARK "shmchan-bench-iox."
#define ROUDI_START_S 5 /* RouDi up, or it failed */
#define ROUDI_STOP_S 5	/* RouDi gone after SIGTERM, else SIGKILL */
#define IOX_CONNECT_S 5 /* both directions connected (discovery: 100 ms) */
#define MAX_LEFTOVERS 10

static struct {
	pid_t owner; /* the bench process (RouDi's parent), 0 before setup */
	pid_t roudi;
	int err; /* sticky: setup failed for good (why says why) */
	char why[200];
	unsigned run;
	char dir[64], cfg[96], log[96], rt[64], seg[80];
	/* Unlinked at exit, also from the signal path: precomputed. */
	char left[MAX_LEFTOVERS][112];
	int nleft;
} g;

/* Per run, shared by the two processes (c->shm): the child's requests to
 * RouDi are done (1), so the parent may make its own. */
struct ice_shared {
	_Atomic int child_done;
};

/* Per process, per run. */
static struct {
	iox_pub_storage_t pub_st;
	iox_sub_storage_t sub_st;
	iox_ws_storage_t ws_st;
	iox_pub_t pub;
	iox_sub_t sub;
	iox_ws_t ws;
	char instance[48];
} h;

static void relax(unsigned *n)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
	if (++*n % 4096 == 0)
		sched_yield(); /* never starve the peer on a shared core */
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void all_cpus(cpu_set_t *set)
{
	long i, n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(set);
	for (i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET(i, set);
}

static int fail(int err, const char *fmt, const char *arg)
{
	g.err = err;
	snprintf(g.why, sizeof(g.why), fmt, arg);
	return err;
}

static void add_leftover(const char *path)
{
	if (g.nleft < MAX_LEFTOVERS)
		snprintf(g.left[g.nleft++], sizeof(g.left[0]), "%s", path);
}

/* Async-signal-safe: unlink what RouDi and the runtime leave when killed. */
static void remove_leftovers(void)
{
	int i;

	for (i = 0; i < g.nleft; i++)
		unlink(g.left[i]);
	if (g.dir[0])
		rmdir(g.dir);
}

static int find_roudi(char *path, size_t len)
{
	const char *p = getenv("PATH");

	while (p && *p) {
		size_t n = strcspn(p, ":");

		if (n > 0 && n + 11 < len) {
			snprintf(path, len, "%.*s/iox-roudi", (int)n, p);
			if (access(path, X_OK) == 0)
				return 0;
		}
		p += n + (p[n] == ':');
	}
	return -ENOENT;
}

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

/* Does some RouDi hold its unique lock (flock; released when it dies)? */
static int roudi_running(void)
{
	int fd = open(IOX_UNIQUE_LOCK, O_RDONLY | O_CLOEXEC), busy;

	if (fd < 0)
		return 0; /* none; or not ours to open: RouDi will say */
	busy = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);
	return busy;
}

/* A process's state ('Z': a zombie, gone but for its parent's wait; 0: no
 * such process) and its parent. */
static char proc_state(pid_t pid, pid_t *ppid)
{
	char path[64], buf[512], *p, st;
	int pp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0 || !(p = strrchr(buf, ')')) ||
	    sscanf(p + 1, " %c %d", &st, &pp) != 2)
		return 0;
	if (ppid)
		*ppid = (pid_t)pp;
	return st;
}

static int comm_is(pid_t pid, const char *name)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	return !strcmp(buf, name);
}

static int wait_gone(pid_t pid, unsigned secs)
{
	uint64_t end = now_ms() + secs * 1000u;

	for (;;) {
		char st = proc_state(pid, NULL);

		if (waitpid(pid, NULL, WNOHANG) == pid || st == 0 || st == 'Z')
			return 0;
		if (now_ms() > end)
			return -1;
		sleep_ms(10);
	}
}

/*
 * A RouDi is running. One that an earlier bench started (its config lies in
 * our temporary directory) and that outlived it is stopped; any other is
 * not ours to stop, and the rows are skipped.
 */
static int stop_stale_roudi(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t other = 0;

	while (d && (e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name), pp = 0;
		char path[64], cmd[1024], st;
		int n, i;

		if (pid <= 0 || !comm_is(pid, "iox-roudi"))
			continue;
		st = proc_state(pid, &pp);
		if (st == 0 || st == 'Z')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		n = read_small(path, cmd, sizeof(cmd));
		for (i = 0; i < n; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		if (n <= 0 || !strstr(cmd, IOX_TMP_MARK) ||
		    (pp > 1 && comm_is(pp, "shmchan-bench"))) {
			other = pid;
			continue;
		}
		fprintf(stderr,
			"\nshmchan-bench: stopping a RouDi left by an earlier run (pid %d)\n",
			(int)pid);
		kill(pid, SIGTERM);
		if (wait_gone(pid, ROUDI_STOP_S)) {
			kill(pid, SIGKILL);
			wait_gone(pid, 1);
		}
	}
	if (d)
		closedir(d);
	if (other) {
		char s[16];

		snprintf(s, sizeof(s), "%d", (int)other);
		return fail(-EBUSY, "another iox-roudi is running (pid %s); stop it", s);
	}
	return roudi_running() ? fail(-EBUSY, "%s", "a RouDi holds " IOX_UNIQUE_LOCK) : 0;
}

/*
 * What a bench killed outright (SIGKILL: no exit path) leaves in /tmp: its
 * runtime's socket and lock, and its directory (config and log); its RouDi
 * dies with it (PR_SET_PDEATHSIG) and removes its own. Each name carries the
 * bench's pid: removed once that process is gone.
 */
static void sweep_stale_tmp(void)
{
	DIR *d = opendir("/tmp");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		const char *n = e->d_name, *rest;
		char path[300], *end;
		long pid;

		if (strncmp(n, "shmchan-bench-", 14))
			continue;
		rest = !strncmp(n, IOX_TMP_MARK, strlen(IOX_TMP_MARK)) ? n + strlen(IOX_TMP_MARK)
								       : n + 14;
		pid = strtol(rest, &end, 10);
		if (end == rest || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (rest == n + 14 && (!strcmp(end, "") || !strcmp(end, ".lock"))) {
			snprintf(path, sizeof(path), "/tmp/%s", n);
			unlink(path);
		} else if (rest != n + 14 && *end == '.') {
			snprintf(path, sizeof(path), "/tmp/%s/roudi.toml", n);
			unlink(path);
			snprintf(path, sizeof(path), "/tmp/%s/roudi.log", n);
			unlink(path);
			snprintf(path, sizeof(path), "/tmp/%s", n);
			rmdir(path);
		}
	}
	if (d)
		closedir(d);
}

static int write_config(void)
{
	FILE *f = fopen(g.cfg, "w");
	size_t i;

	if (!f)
		return -errno;
	fprintf(f, "# written by shmchan-bench\n[general]\nversion = 1\n\n[[segment]]\n");
	for (i = 0; i < sizeof(pools) / sizeof(pools[0]); i++)
		fprintf(f, "\n[[segment.mempool]]\nsize = %u\ncount = %u\n", pools[i].size,
			pools[i].count);
	return fclose(f) ? -errno : 0;
}

/* The log's most telling line (an error, else the last), colours removed. */
static void log_reason(char *out, size_t len)
{
	char buf[8192], *line, *best = NULL, *save;
	size_t o = 0;

	out[0] = '\0';
	if (read_small(g.log, buf, sizeof(buf)) <= 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!best || !strstr(best, "rror"))
			best = line;
	for (; best && *best && o + 1 < len; best++) {
		if (*best == '\033') {
			while (best[1] && best[1] != 'm')
				best++;
			best += best[1] != '\0';
			continue;
		}
		out[o++] = *best == ',' ? ';' : *best;
	}
	out[o] = '\0';
}

static void roudi_stop(void)
{
	if (g.roudi <= 0)
		return;
	kill(g.roudi, SIGTERM); /* it removes its shared memory and sockets */
	if (wait_gone(g.roudi, ROUDI_STOP_S)) {
		kill(g.roudi, SIGKILL);
		waitpid(g.roudi, NULL, 0);
	}
	g.roudi = 0;
}

/* At exit (after the runtime's static destructor, registered later, has
 * deregistered from RouDi): stop RouDi and remove whatever it left. */
static void ice_atexit(void)
{
	if (g.owner != getpid())
		return;
	roudi_stop();
	remove_leftovers();
}

void mech_iox_fatal(void)
{
	if (g.owner != getpid())
		return; /* a child of the bench, or iceoryx never set up */
	if (g.roudi > 0) {
		kill(g.roudi, SIGKILL);
		waitpid(g.roudi, NULL, 0);
	}
	remove_leftovers();
}

static int roudi_start(void)
{
	char exe[512], reason[160];
	struct group *gr = getgrgid(getgid());
	uint64_t end;
	pid_t pid;
	int err;

	if (find_roudi(exe, sizeof(exe)))
		return fail(-ENOENT, "%s", "iox-roudi not on PATH: install the iceoryx package");
	if (roudi_running() && (err = stop_stale_roudi()) != 0)
		return err;
	sweep_stale_tmp();
	snprintf(g.dir, sizeof(g.dir), "/tmp/" IOX_TMP_MARK "%d.XXXXXX", (int)getpid());
	if (!mkdtemp(g.dir)) {
		g.dir[0] = '\0';
		return fail(-errno, "%s", "cannot create a temporary directory");
	}
	g.owner = getpid();
	atexit(ice_atexit); /* before the runtime: runs after its destructor */
	snprintf(g.cfg, sizeof(g.cfg), "%s/roudi.toml", g.dir);
	snprintf(g.log, sizeof(g.log), "%s/roudi.log", g.dir);
	add_leftover(g.cfg);
	add_leftover(g.log);
	if ((err = write_config()) != 0)
		return fail(err, "cannot write %s", g.cfg);
	/* Removed by RouDi itself when it stops (SIGTERM); by us if killed. */
	snprintf(g.seg, sizeof(g.seg), "/dev/shm/%s", gr ? gr->gr_name : "");
	add_leftover(IOX_MGMT_SHM);
	if (gr)
		add_leftover(g.seg);
	add_leftover("/tmp/roudi");
	add_leftover("/tmp/roudi.lock");
	add_leftover(IOX_UNIQUE_LOCK);
	pid = fork();
	if (pid < 0)
		return fail(-errno, "%s", "cannot fork iox-roudi");
	if (pid == 0) {
		char *argv[] = { exe, "-c", g.cfg, "-l", "warning", "-m", "off", NULL };
		int fd = open(g.log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		cpu_set_t all;

		/* Dies with the bench; not in its process group (a ^C goes to
		 * the bench, which stops it); on every CPU, not the bench's. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != g.owner)
			_exit(127);
		setpgid(0, 0);
		all_cpus(&all);
		sched_setaffinity(0, sizeof(all), &all);
		if (fd < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execv(exe, argv);
		_exit(127);
	}
	g.roudi = pid;
	/* Up when it says so on its standard output (whatever the log level). */
	for (end = now_ms() + ROUDI_START_S * 1000u;; sleep_ms(10)) {
		char buf[8192];
		int st;

		if (read_small(g.log, buf, sizeof(buf)) > 0 && strstr(buf, "RouDi is ready"))
			return 0;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			g.roudi = 0;
			if (roudi_running())
				g.nleft = 2; /* another's: leave its files, drop ours */
			log_reason(reason, sizeof(reason));
			return fail(-ESRCH, "iox-roudi exited at startup: %s", reason);
		}
		if (now_ms() > end) {
			roudi_stop();
			return fail(-ETIMEDOUT, "%s", "iox-roudi not ready within 5 s");
		}
	}
}

/* Once per bench process, before the first fork of an iceoryx run. */
static int ice_once(void)
{
	cpu_set_t mine, all;
	int err;

	if (g.err || g.owner)
		return g.err;
	if ((err = roudi_start()) != 0)
		return err;
	snprintf(g.rt, sizeof(g.rt), "shmchan-bench-%d", (int)getpid());
	{
		char p[96];

		snprintf(p, sizeof(p), "/tmp/%s", g.rt); /* the runtime's socket */
		add_leftover(p);
		snprintf(p, sizeof(p), "/tmp/%s.lock", g.rt);
		add_leftover(p);
	}
	iox_set_loglevel(Iceoryx_LogLevel_Warn); /* the Debian build says more */
	/* The runtime's threads (keep-alive) on every CPU, not pinned to side
	 * 0's with the caller. */
	if (sched_getaffinity(0, sizeof(mine), &mine) == 0) {
		all_cpus(&all);
		sched_setaffinity(0, sizeof(all), &all);
	}
	iox_runtime_init(g.rt); /* waits for RouDi; aborts on a fatal error */
	sched_setaffinity(0, sizeof(mine), &mine);
	return 0;
}

/* The same depth as the shmchan channels' (mech_shm.c). */
static uint64_t queue_for(size_t size)
{
	return size <= 4096 ? 64 : (size <= 131072 ? 16 : 4);
}

static int ice_setup(struct mech_ctx *c)
{
	int err = ice_once();

	if (err)
		return err;
	if (c->size > IOX_MAX_PAYLOAD)
		return -EMSGSIZE; /* no mempool that large */
	c->shm_size = sizeof(struct ice_shared);
	c->shm = mmap(NULL, c->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->shm == MAP_FAILED) {
		c->shm = NULL;
		return -errno;
	}
	/* A fresh service per run (the child inherits the name). */
	snprintf(h.instance, sizeof(h.instance), "%d-%u", (int)getpid(), ++g.run);
	return 0;
}

static void ice_teardown(struct mech_ctx *c)
{
	if (c->shm)
		munmap(c->shm, c->shm_size);
	c->shm = NULL;
}

/* Pre-fault iceoryx's shared memory in this process, as the bench does for
 * every shared-memory mechanism (a forked child has none of the parent's
 * page tables of it). */
static void ice_prefault(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		char *path = strchr(line, '/');

		if (!path || sscanf(line, "%lx-%lx", &a, &b) != 2)
			continue;
		path[strcspn(path, "\n")] = '\0';
		if (strcmp(path, IOX_MGMT_SHM) && strcmp(path, g.seg))
			continue;
#ifdef MADV_POPULATE_WRITE
		if (madvise((void *)a, b - a, MADV_POPULATE_WRITE) == 0 ||
		    madvise((void *)a, b - a, MADV_POPULATE_READ) == 0)
			continue;
#endif
		for (; a < b; a += 4096)
			(void)*(volatile unsigned char *)a;
	}
	if (f)
		fclose(f);
}

static int ice_ports(struct mech_ctx *c, int side)
{
	static const char *const event[2] = { "ping", "pong" }; /* 0 -> 1, 1 -> 0 */
	iox_pub_options_t po;
	iox_sub_options_t so;

	iox_pub_options_init(&po);
	po.historyCapacity = 0;
	po.offerOnCreate = true;
	/* Never lose a message: a full queue blocks the publisher. */
	po.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER;
	iox_sub_options_init(&so);
	so.queueCapacity = queue_for(c->size);
	so.historyRequest = 0;
	so.subscribeOnCreate = true;
	so.queueFullPolicy = QueueFullPolicy_BLOCK_PRODUCER;
	h.pub = iox_pub_init(&h.pub_st, "shmchan-bench", h.instance, event[side], &po);
	h.sub = iox_sub_init(&h.sub_st, "shmchan-bench", h.instance, event[!side], &so);
	if (!h.pub || !h.sub)
		return -ENOMEM;
	if (c->wait != SHMCHAN_WAIT_SPIN) {
		h.ws = iox_ws_init(&h.ws_st);
		if (!h.ws || iox_ws_attach_subscriber_state(h.ws, h.sub, SubscriberState_HAS_DATA,
							    0, NULL) != WaitSetResult_SUCCESS)
			return -ENOMEM;
	}
	return 0;
}

static int ice_open(struct mech_ctx *c, int side)
{
	struct ice_shared *sh = c->shm;
	uint64_t end = now_ms() + IOX_CONNECT_S * 1000u;
	int err;

	h.pub = NULL;
	h.sub = NULL;
	h.ws = NULL;
	if (side == 0) /* the child's requests to RouDi first */
		while (!atomic_load(&sh->child_done)) {
			if (now_ms() > end)
				return -ETIMEDOUT;
			sleep_ms(1);
		}
	err = ice_ports(c, side);
	if (side == 1)
		atomic_store(&sh->child_done, 1);
	if (err)
		return err;
	ice_prefault();
	/* Connected both ways before the clock starts: RouDi's discovery
	 * (every 100 ms) offers, subscribes and connects. */
	while (iox_sub_get_subscription_state(h.sub) != SubscribeState_SUBSCRIBED ||
	       !iox_pub_has_subscribers(h.pub)) {
		if (now_ms() > end)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
	return 0;
}

static void ice_close(struct mech_ctx *c, int side)
{
	(void)c;
	(void)side;
	if (h.ws)
		iox_ws_deinit(h.ws); /* detaches the subscriber */
	if (h.sub)
		iox_sub_deinit(h.sub);
	if (h.pub)
		iox_pub_deinit(h.pub);
	h.ws = NULL;
	h.sub = NULL;
	h.pub = NULL;
}

static int ice_send(struct mech_ctx *c, int side, uint64_t seq)
{
	enum iox_AllocationResult r;
	unsigned n = 0;
	void *chunk;

	(void)side;
	if (!c->zero_copy)
		mech_stamp(c->buf, c->size, seq);
	/* Out of chunks: the consumer holds them; it will release some. */
	while ((r = iox_pub_loan_chunk(h.pub, &chunk, (uint32_t)c->size)) ==
	       AllocationResult_RUNNING_OUT_OF_CHUNKS)
		relax(&n);
	if (r != AllocationResult_SUCCESS)
		return -ENOMEM;
	if (!c->zero_copy)
		memcpy(chunk, c->buf, c->size);
	else if (c->zero_copy == MECH_EVERY_BYTE)
		mech_fill(chunk, c->size, seq);
	else
		mech_stamp(chunk, c->size, seq);
	iox_pub_publish_chunk(h.pub, chunk); /* waits while the queue is full */
	return 0;
}

static int64_t ice_recv(struct mech_ctx *c, int side)
{
	enum iox_ChunkReceiveResult r;
	const void *chunk;
	unsigned n = 0;
	int64_t v;

	(void)side;
	while ((r = iox_sub_take_chunk(h.sub, &chunk)) == ChunkReceiveResult_NO_CHUNK_AVAILABLE) {
		if (h.ws) {
			iox_notification_info_t info[1];
			uint64_t missed;

			iox_ws_wait(h.ws, info, 1, &missed);
		} else {
			relax(&n);
		}
	}
	if (r != ChunkReceiveResult_SUCCESS)
		return -1;
	if (!c->zero_copy) {
		memcpy(c->buf, chunk, c->size);
		iox_sub_release_chunk(h.sub, chunk);
		return mech_check(c->buf, c->size);
	}
	v = c->zero_copy == MECH_EVERY_BYTE ? mech_check_all(chunk, c->size)
					    : mech_check(chunk, c->size);
	iox_sub_release_chunk(h.sub, chunk);
	return v;
}

const char *mech_iox_reason(const struct mech *m)
{
	if (m != &mech_iox_copy && m != &mech_iox_zc && m != &mech_iox_fill && m != &mech_iox_spin)
		return NULL;
	return g.err ? g.why : NULL;
}

#else /* !SHMCHAN_BENCH_IOX */

#define IOX_MAX_PAYLOAD 0

static int ice_setup(struct mech_ctx *c)
{
	(void)c;
	return -ENOSYS;
}

static int ice_open(struct mech_ctx *c, int side)
{
	(void)c;
	(void)side;
	return -ENOSYS;
}

static int ice_send(struct mech_ctx *c, int side, uint64_t seq)
{
	(void)c;
	(void)side;
	(void)seq;
	return -ENOSYS;
}

static int64_t ice_recv(struct mech_ctx *c, int side)
{
	(void)c;
	(void)side;
	return -1;
}

static void ice_close(struct mech_ctx *c, int side)
{
	(void)c;
	(void)side;
}

static void ice_teardown(struct mech_ctx *c)
{
	(void)c;
}

void mech_iox_fatal(void)
{
}

const char *mech_iox_reason(const struct mech *m)
{
	if (m != &mech_iox_copy && m != &mech_iox_zc && m != &mech_iox_fill && m != &mech_iox_spin)
		return NULL;
	return "built without the iceoryx C binding (libiceoryx-binding-c-dev)";
}

#endif /* SHMCHAN_BENCH_IOX */

const struct mech mech_iox_copy = {
	"iceoryx copy", IOX_MAX_PAYLOAD, ice_setup,    ice_open, ice_send,
	ice_recv,	ice_close,	 ice_teardown, 0,	 0
};
const struct mech mech_iox_zc = { "iceoryx zc (stamps)",
				  IOX_MAX_PAYLOAD,
				  ice_setup,
				  ice_open,
				  ice_send,
				  ice_recv,
				  ice_close,
				  ice_teardown,
				  0,
				  0 };
const struct mech mech_iox_fill = { "iceoryx zc (every byte)",
				    IOX_MAX_PAYLOAD,
				    ice_setup,
				    ice_open,
				    ice_send,
				    ice_recv,
				    ice_close,
				    ice_teardown,
				    0,
				    0 };
const struct mech mech_iox_spin = {
	"iceoryx copy SPIN", IOX_MAX_PAYLOAD, ice_setup, ice_open, ice_send, ice_recv,
	ice_close,	     ice_teardown,    0,	 0
};
