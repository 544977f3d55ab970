/* SPDX-License-Identifier: MIT */
/*
 * The video pipeline's programs, run for real on a channel of the test's own:
 * a client session with shm_monitor (every command, long lines, binary
 * garbage, a flood of connections, idle timeout), checked while a producer
 * and a consumer run, a producer killed mid-stream, and the --newosp modes
 * against a process speaking newosp's own protocol (osp_fixture.h).
 * usage: test_video BIN_DIR (where shm_producer, shm_consumer, shm_monitor are)
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "../examples/video/frame.h"
#include "osp_fixture.h"
#include "t_util.h"

#define BOUND_MS 10000

static const char *g_bin, *g_chan;
static char g_stats_name[128];

/* Start BIN/prog with args (NULL-terminated); stdout to @out_fd if >= 0. */
static pid_t spawn(const char *prog, int out_fd, const char *const *args)
{
	char path[512];
	const char *argv[16];
	pid_t pid;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", g_bin, prog);
	argv[n++] = path;
	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid = fork();
	if (pid < 0)
		T_FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		if (out_fd >= 0)
			dup2(out_fd, 1);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Read from @fd until @until appears (or EOF, or the bound). Returns the
 * text read, NUL-terminated, in a static buffer. */
static const char *read_until(int fd, const char *until)
{
	static char buf[8192];
	size_t n = 0;
	int64_t end = t_now_ns() + (int64_t)BOUND_MS * 1000000;

	buf[0] = '\0';
	while (!strstr(buf, until) && n < sizeof(buf) - 1) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;

		if (t_now_ns() > end)
			T_FAIL("timed out waiting for \"%s\"; got \"%s\"", until, buf);
		if (poll(&p, 1, 100) <= 0)
			continue;
		r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			break; /* EOF */
		n += (size_t)r;
		buf[n] = '\0';
	}
	return buf;
}

static int connect_to(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* Send @cmd, return the reply up to the next prompt; check it holds @want. */
static const char *ask(int fd, const char *cmd, size_t len, const char *want)
{
	const char *r;

	ASSERT_EQ(write(fd, cmd, len), (ssize_t)len);
	r = read_until(fd, "shm> ");
	if (!strstr(r, want))
		T_FAIL("reply to \"%.30s\" lacks \"%s\":\n%s", cmd, want, r);
	return r;
}

static void test_monitor_session(void)
{
	const char *pargs[] = { "--frames", "0",	 "--fps", "200",
				"--quiet",  "--channel", g_chan,  NULL };
	const char *cargs[] = { "--quiet", "--channel", g_chan, NULL };
	const char *margs[] = { "--port", "0", "--idle-s", "2", "--channel", g_chan, NULL };
	int pipefd[2], port = 0, fd, extra[4], i, cout[2];
	pid_t prod, cons, mon;
	char want[128], longline[400], *p;
	const char *r;

	ASSERT_EQ(pipe(pipefd), 0);
	mon = spawn("shm_monitor", pipefd[1], margs);
	close(pipefd[1]);
	r = read_until(pipefd[0], "\n");
	p = strstr(r, "127.0.0.1:");
	ASSERT_TRUE(p != NULL);
	port = atoi(p + strlen("127.0.0.1:"));
	ASSERT_TRUE(port > 0);
	prod = spawn("shm_producer", -1, pargs);
	ASSERT_EQ(pipe(cout), 0);
	cons = spawn("shm_consumer", cout[1], cargs);
	close(cout[1]);
	t_sleep_us(500000); /* about 100 frames flow */

	fd = connect_to(port);
	read_until(fd, "shm> ");
	snprintf(want, sizeof(want), "writer: pid %d (alive)", (int)prod);
	ask(fd, "shm_status\r\n", 12, want);
	snprintf(want, sizeof(want), "reader: pid %d (alive)", (int)cons);
	ask(fd, "shm_status\n", 11, want);
	r = ask(fd, "shm_stats\r\n", 11, "bad 0, gaps 0");
	ASSERT_TRUE(strstr(r, "producer: pid") && strstr(r, "Streaming"));
	ask(fd, "shm_latest\r\n", 12, "magic 0x4652414D");
	ask(fd, "shm_config\r\n", 12, "fps limit 200");
	ask(fd, "shm_reset\r\n", 11, "counters reset");
	ask(fd, "shm_stats\r\n", 11, "since shm_reset");
	ask(fd, "help\r\n", 6, "shm_latest");
	ask(fd, "frobnicate\r\n", 12, "unknown command 'frobnicate'");
	memset(longline, 'x', sizeof(longline));
	longline[sizeof(longline) - 1] = '\n';
	ask(fd, longline, sizeof(longline), "line too long");
	ask(fd, "\x01\x02\x7f junk\r\n", 10, "binary data ignored");
	ask(fd, "\xff\xfd\x01shm_config\r\n", 15, "81920 bytes"); /* telnet IAC DO ECHO */
	/* Four sessions at most: the fifth is refused with a reason. */
	for (i = 0; i < 3; i++) {
		extra[i] = connect_to(port);
		read_until(extra[i], "shm> ");
	}
	extra[3] = connect_to(port);
	r = read_until(extra[3], "later");
	ASSERT_TRUE(strstr(r, "busy") != NULL);
	close(extra[3]);
	/* Idle sessions are closed (--idle-s 2). */
	r = read_until(extra[0], "closing");
	ASSERT_TRUE(strstr(r, "idle") != NULL);
	for (i = 0; i < 3; i++)
		close(extra[i]);
	close(fd); /* the first one idled out too; fine */

	fd = connect_to(port);
	read_until(fd, "shm> ");
	ASSERT_EQ(write(fd, "quit\r\n", 6), 6);
	r = read_until(fd, "\x04"); /* to EOF */
	ASSERT_TRUE(strstr(r, "bye") != NULL);
	close(fd);

	/* The monitor took no frame: the consumer saw every one, no gap. */
	kill(prod, SIGTERM);
	ASSERT_EQ(t_wait_child(prod, BOUND_MS), 0);
	ASSERT_EQ(t_wait_child(cons, BOUND_MS), 0);
	r = read_until(cout[0], "\x04");
	ASSERT_TRUE(strstr(r, "bad 0, gaps 0") != NULL);
	close(cout[0]);
	kill(mon, SIGTERM);
	ASSERT_EQ(t_wait_child(mon, BOUND_MS), 0);
	close(pipefd[0]);
}

static void test_producer_killed(void)
{
	const char *pargs[] = { "--frames", "0", "--quiet", "--channel", g_chan, NULL };
	const char *cargs[] = { "--quiet", "--channel", g_chan, NULL };
	int cout[2], rc;
	pid_t prod, cons;
	int64_t t0;
	const char *r;

	prod = spawn("shm_producer", -1, pargs);
	ASSERT_EQ(pipe(cout), 0);
	ASSERT_EQ(fcntl(cout[0], F_SETFD, FD_CLOEXEC), 0);
	cons = spawn("shm_consumer", cout[1], cargs);
	close(cout[1]);
	t_sleep_us(300000);
	kill(prod, SIGKILL);
	ASSERT_EQ(t_wait_child(prod, BOUND_MS), 128 + SIGKILL);
	t0 = t_now_ns();
	rc = t_wait_child(cons, BOUND_MS);
	r = read_until(cout[0], "\x04");
	printf("producer killed: consumer exited %d after %lld ms\n", rc,
	       (long long)((t_now_ns() - t0) / 1000000));
	ASSERT_EQ(rc, 3); /* it reported the producer's death and ended */
	ASSERT_TRUE(strstr(r, "received") != NULL);
	close(cout[0]);
	/* The dead producer left its channel and statistics behind. */
	shmchan_channel_unlink(g_chan);
	shmchan_segment_unlink(g_stats_name);
}

/* Frames of the --newosp cases. */
#define OSP_FRAMES 300

/* newosp's producer: create ShmChannel<81920, 16> @arg as its CreateWriter
 * does and push OSP_FRAMES frames with TryPush, polling when full. */
static int child_osp_producer(void *arg)
{
	static struct frame_ramp ramp;
	static unsigned char buf[FRAME_SIZE];
	struct fx f;
	uint32_t n;

	frame_ramp_init(&ramp);
	if (fx_slot_open(&f, arg, VIDEO_SLOT_SIZE, VIDEO_SLOT_COUNT, 1) != 0)
		return 3;
	for (n = 0; n < OSP_FRAMES; n++) {
		int64_t t0 = t_now_ns();

		frame_make(buf, n, &ramp);
		while (!fx_slot_push(&f, buf, FRAME_SIZE)) {
			if (t_now_ns() - t0 > (int64_t)BOUND_MS * 1000000)
				return 4;
			t_sleep_us(100);
		}
	}
	return 0;
}

/* newosp's consumer: open @arg once it exists, pop OSP_FRAMES frames with
 * TryPop (polling), checking every byte and the order. */
static int child_osp_consumer(void *arg)
{
	static struct frame_ramp ramp;
	static unsigned char buf[VIDEO_SLOT_SIZE];
	int64_t t0 = t_now_ns();
	struct frame_hdr h;
	struct fx f;
	uint32_t n, size;

	frame_ramp_init(&ramp);
	while (fx_slot_open(&f, arg, VIDEO_SLOT_SIZE, VIDEO_SLOT_COUNT, 0) != 0) {
		if (t_now_ns() - t0 > (int64_t)BOUND_MS * 1000000)
			return 3;
		t_sleep_us(10000);
	}
	for (n = 0; n < OSP_FRAMES; n++) {
		t0 = t_now_ns();
		while (!fx_slot_pop(&f, buf, &size)) {
			if (t_now_ns() - t0 > (int64_t)BOUND_MS * 1000000)
				return 4;
			t_sleep_us(100);
		}
		if (!frame_check(buf, size, &ramp, &h) || h.seq != n)
			return 5;
	}
	return 0;
}

static void test_newosp_modes(void)
{
	const char *cargs[] = {
		"--quiet", "--newosp", "--frames", "300", "--channel", g_chan, NULL
	};
	const char *pargs[] = {
		"--quiet", "--newosp", "--frames", "300", "--channel", g_chan, NULL
	};
	const char *zargs[] = { "--quiet",   "--newosp", "--frames",	"300",
				"--channel", g_chan,	 "--zero-copy", NULL };
	char path[160];
	int cout[2], rc, pass;
	pid_t prod, cons;
	const char *r;

	/* newosp's producer, shm_consumer --newosp: every frame intact. */
	prod = t_fork(child_osp_producer, (void *)g_chan);
	ASSERT_EQ(pipe(cout), 0);
	ASSERT_EQ(fcntl(cout[0], F_SETFD, FD_CLOEXEC), 0);
	cons = spawn("shm_consumer", cout[1], cargs);
	close(cout[1]);
	ASSERT_EQ(t_wait_child(prod, BOUND_MS * 2), 0);
	rc = t_wait_child(cons, BOUND_MS * 2);
	r = read_until(cout[0], "\x04");
	close(cout[0]);
	printf("newosp producer -> shm_consumer --newosp: exit %d: %s", rc, r);
	ASSERT_EQ(rc, 0);
	ASSERT_TRUE(strstr(r, "received 300 frames") != NULL && strstr(r, "ok 300, bad 0, gaps 0"));
	/* The consumer removed the channel newosp's producer left. */
	snprintf(path, sizeof(path), "/dev/shm/osp_shm_%s", g_chan);
	ASSERT_TRUE(access(path, F_OK) != 0);

	/* shm_producer --newosp (copy, then in place), newosp's consumer. */
	for (pass = 0; pass < 2; pass++) {
		cons = t_fork(child_osp_consumer, (void *)g_chan);
		prod = spawn("shm_producer", -1, pass ? zargs : pargs);
		ASSERT_EQ(t_wait_child(prod, BOUND_MS * 2), 0);
		ASSERT_EQ(t_wait_child(cons, BOUND_MS * 2), 0);
		printf("shm_producer --newosp%s -> newosp consumer: %d frames intact\n",
		       pass ? " --zero-copy" : "", OSP_FRAMES);
		/* The producer leaves the channel (newosp has no end of
		 * stream): remove it. */
		ASSERT_OK(shmchan_osp_unlink(g_chan));
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s BIN_DIR\n", argv[0]);
		return 2;
	}
	t_watchdog(110);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	g_bin = argv[1];
	g_chan = t_name("video");
	snprintf(g_stats_name, sizeof(g_stats_name), "%s.stats", g_chan);
	test_monitor_session();
	test_producer_killed();
	test_newosp_modes();
	shmchan_segment_unlink(g_stats_name);
	printf("test_video: ok\n");
	return 0;
}
