/* SPDX-License-Identifier: MIT */
/*
 * shm_monitor: a telnet-compatible line shell that observes the video
 * pipeline. It never takes a frame: it reads the channel's header (through
 * shmchan_inspect) and the statistics segment the producer and consumer
 * publish.
 *
 * usage: shm_monitor [--port P] [--bind ADDR] [--idle-s S] [--run-s S] [--channel NAME]
 *   --port P   TCP port (default 9527; 0 picks a free one, printed at start)
 *   --bind A   address to listen on (default 127.0.0.1)
 *   --idle-s S close sessions idle for S seconds (default 300)
 *   --run-s S  exit after S seconds (default: until SIGINT/SIGTERM)
 *   --channel N  the channel to observe (default video_ch0)
 *
 * Commands: shm_status, shm_stats, shm_reset, shm_latest, shm_config, help,
 * quit. At most MAX_SESSIONS sessions; lines up to MAX_LINE bytes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <shmchan.h>

#include "frame.h"
#include "stats.h"

#define MAX_SESSIONS 4
#define MAX_LINE 255
#define PROMPT "shm> "

struct session {
	int fd;
	size_t len;
	int too_long, binary, iac; /* iac: telnet command bytes still to skip */
	time_t last;
	char line[MAX_LINE + 1];
};

struct monitor {
	int lfd, port, idle_s;
	char bind[64];
	struct session s[MAX_SESSIONS];
	struct side_stats base_p, base_c; /* shm_reset baseline */
	int have_base;
	const char *channel;
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static void drop(struct session *s)
{
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

/* Send a formatted reply; a client that does not read loses its session,
 * so that no client can block the monitor. */
static void say(struct session *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	if (s->fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (send(s->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
		drop(s);
}

static const char *producer_state(uint64_t i)
{
	static const char *const n[] = {
		"Init", "Streaming", "Paused", "Throttled", "Error", "Done"
	};

	return i < 6 ? n[i] : "?";
}

static const char *consumer_state(uint64_t i)
{
	static const char *const n[] = { "Connecting", "Receiving", "Validating", "Stalled",
					 "Done" };

	return i < 5 ? n[i] : "?";
}

static void cmd_status(struct monitor *m, struct session *s)
{
	struct shmchan_info in = SHMCHAN_INFO_INIT;
	int err = shmchan_inspect(m->channel, &in);
	uint32_t i;

	if (err) {
		say(s, "channel %s: %s (is shm_producer running?)\r\n", m->channel,
		    shmchan_strerror(err));
		return;
	}
	say(s, "channel %s: %u slots x %u bytes, depth %u/%u, %s%s\r\n", m->channel, in.slot_count,
	    in.slot_size, in.depth, in.slot_count,
	    in.state == SHMCHAN_STATE_REPLACED ? "replaced" : "open", in.stale ? ", stale" : "");
	for (i = 0; i < in.nwriters; i++)
		say(s, "writer: pid %d (%s)\r\n", in.writers[i].pid,
		    in.writers[i].alive ? "alive" : "dead");
	if (in.nwriters == 0)
		say(s, "writer: none\r\n");
	if (in.reader.pid)
		say(s, "reader: pid %d (%s)\r\n", in.reader.pid,
		    in.reader.alive ? "alive" : "dead");
	else
		say(s, "reader: none\r\n");
}

/* Both sides' figures; 0 if the statistics segment is not there. */
static int read_stats(const struct monitor *m, struct side_stats *p, struct side_stats *c)
{
	struct shmchan_segment seg;
	struct video_stats *st = stats_attach(&seg, m->channel, 0);
	int ok;

	if (!st)
		return 0;
	ok = stats_read(&st->producer, p) && stats_read(&st->consumer, c);
	shmchan_segment_close(&seg);
	return ok;
}

static void cmd_stats(struct monitor *m, struct session *s)
{
	struct side_stats p, c;
	struct shmchan_info in = SHMCHAN_INFO_INIT;
	uint64_t bp = 0, bc = 0, bbad = 0, bgaps = 0, bfull = 0;

	if (!read_stats(m, &p, &c)) {
		say(s, "no statistics (%s%s is published by a running shm_producer)\r\n",
		    m->channel, STATS_SUFFIX);
		return;
	}
	if (m->have_base) {
		bp = m->base_p.frames;
		bc = m->base_c.frames;
		bbad = m->base_c.bad;
		bgaps = m->base_c.gaps;
		bfull = m->base_p.full_events;
	}
	say(s,
	    "producer: pid %llu, %s, %llu frames, %.1f MB, %.0f fps, %.1f MB/s, "
	    "%llu full events\r\n",
	    (unsigned long long)p.pid, producer_state(p.state), (unsigned long long)(p.frames - bp),
	    (double)p.bytes / 1e6, stats_fps(&p), stats_mbps(&p),
	    (unsigned long long)(p.full_events - bfull));
	say(s,
	    "consumer: pid %llu, %s, %llu frames, %.1f MB, %.0f fps, %.1f MB/s, "
	    "bad %llu, gaps %llu\r\n",
	    (unsigned long long)c.pid, consumer_state(c.state), (unsigned long long)(c.frames - bc),
	    (double)c.bytes / 1e6, stats_fps(&c), stats_mbps(&c),
	    (unsigned long long)(c.bad - bbad), (unsigned long long)(c.gaps - bgaps));
	if (shmchan_inspect(m->channel, &in) == 0)
		say(s,
		    "channel: written %llu, read %llu, full events %llu, abandoned %llu, "
		    "max depth %llu\r\n",
		    (unsigned long long)in.written, (unsigned long long)in.read,
		    (unsigned long long)in.full_events, (unsigned long long)in.abandoned,
		    (unsigned long long)in.max_depth);
	if (m->have_base)
		say(s, "(frame, bad, gap and full counts since shm_reset)\r\n");
}

static void cmd_reset(struct monitor *m, struct session *s)
{
	if (!read_stats(m, &m->base_p, &m->base_c)) {
		say(s, "no statistics to reset yet\r\n");
		return;
	}
	m->have_base = 1;
	say(s, "counters reset: shm_stats counts from here (the pipeline is not touched)\r\n");
}

static void cmd_latest(struct monitor *m, struct session *s)
{
	struct side_stats p, c;

	if (!read_stats(m, &p, &c) || p.frames == 0) {
		say(s, "no frame yet\r\n");
		return;
	}
	say(s,
	    "latest frame: magic 0x%08llX, seq %llu, %llux%llu (read from the producer's "
	    "statistics; no frame was taken)\r\n",
	    (unsigned long long)p.latest_magic, (unsigned long long)p.latest_seq,
	    (unsigned long long)p.latest_width, (unsigned long long)p.latest_height);
}

static void cmd_config(struct monitor *m, struct session *s)
{
	struct side_stats p, c;
	int have = read_stats(m, &p, &c);

	say(s, "channel %s: %u slots x %u bytes; frame %ux%u, %u bytes\r\n", m->channel,
	    VIDEO_SLOT_COUNT, VIDEO_SLOT_SIZE, FRAME_WIDTH, FRAME_HEIGHT, FRAME_SIZE);
	if (have)
		say(s, "producer: fps limit %llu%s, %s\r\n", (unsigned long long)p.fps_limit,
		    p.fps_limit ? "" : " (unlimited)", p.zero_copy ? "zero copy" : "copy");
	say(s, "monitor: %s:%d, %d sessions at most, idle timeout %d s\r\n", m->bind, m->port,
	    MAX_SESSIONS, m->idle_s);
}

static void cmd_help(struct session *s)
{
	say(s, "commands:\r\n"
	       "  shm_status  the channel, its depth, its writer and reader with liveness\r\n"
	       "  shm_stats   frames, bytes, fps, MB/s of producer and consumer; bad, gaps,\r\n"
	       "              full events\r\n"
	       "  shm_reset   count shm_stats from now on (the pipeline is not touched)\r\n"
	       "  shm_latest  the header of the newest frame, without consuming it\r\n"
	       "  shm_config  the channel and frame geometry, pacing, monitor settings\r\n"
	       "  help        this list\r\n"
	       "  quit        close the session\r\n");
}

static void run_line(struct monitor *m, struct session *s)
{
	char *cmd = s->line, *end;

	s->line[s->len] = '\0';
	while (*cmd == ' ' || *cmd == '\t')
		cmd++;
	end = cmd + strlen(cmd);
	while (end > cmd && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	if (s->too_long)
		say(s, "error: line too long (at most %d bytes); ignored\r\n", MAX_LINE);
	else if (s->binary)
		say(s, "error: binary data ignored; type help\r\n");
	else if (!*cmd)
		; /* empty line: just the prompt */
	else if (!strcmp(cmd, "shm_status"))
		cmd_status(m, s);
	else if (!strcmp(cmd, "shm_stats"))
		cmd_stats(m, s);
	else if (!strcmp(cmd, "shm_reset"))
		cmd_reset(m, s);
	else if (!strcmp(cmd, "shm_latest"))
		cmd_latest(m, s);
	else if (!strcmp(cmd, "shm_config"))
		cmd_config(m, s);
	else if (!strcmp(cmd, "help") || !strcmp(cmd, "?"))
		cmd_help(s);
	else if (!strcmp(cmd, "quit") || !strcmp(cmd, "exit")) {
		say(s, "bye\r\n");
		drop(s);
		return;
	} else
		say(s, "error: unknown command '%.40s'; type help\r\n", cmd);
	s->len = 0;
	s->too_long = s->binary = 0;
	say(s, PROMPT);
}

/* Feed received bytes to the session's line parser. */
static void feed(struct monitor *m, struct session *s, const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n && s->fd >= 0; i++) {
		unsigned char c = b[i];

		if (s->iac) { /* telnet negotiation: IAC, verb, option */
			if (s->iac == 2 && (c < 251 || c > 254))
				s->iac = 0; /* two-byte command */
			else
				s->iac--;
			continue;
		}
		if (c == 255) {
			s->iac = 2;
			continue;
		}
		if (c == '\n') {
			run_line(m, s);
			continue;
		}
		if (c == 0 || c == '\r')
			continue;
		if ((c < 32 && c != '\t') || c >= 127)
			s->binary = 1;
		if (s->len < MAX_LINE)
			s->line[s->len++] = (char)c;
		else
			s->too_long = 1;
	}
}

static void accept_one(struct monitor *m)
{
	int fd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), i;

	if (fd < 0)
		return; /* EMFILE and friends: the pending client waits or gives up */
	for (i = 0; i < MAX_SESSIONS; i++)
		if (m->s[i].fd < 0)
			break;
	if (i == MAX_SESSIONS) {
		static const char busy[] = "busy: 4 sessions already open; try again later\r\n";

		if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			(void)0;
		close(fd);
		return;
	}
	m->s[i].fd = fd;
	m->s[i].last = time(NULL);
	say(&m->s[i], "shm_monitor for %s; type help\r\n" PROMPT, m->channel);
}

static int listen_on(struct monitor *m)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int one = 1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)m->port);
	if (inet_pton(AF_INET, m->bind, &a.sin_addr) != 1) {
		fprintf(stderr, "shm_monitor: --bind %s is not an IPv4 address\n", m->bind);
		return -1;
	}
	m->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->lfd < 0 || setsockopt(m->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(m->lfd, (struct sockaddr *)&a, sizeof(a)) || listen(m->lfd, 16) ||
	    getsockname(m->lfd, (struct sockaddr *)&a, &alen)) {
		fprintf(stderr,
			"shm_monitor: cannot listen on %s:%d: %s (port in use? try --port)\n",
			m->bind, m->port, strerror(errno));
		return -1;
	}
	m->port = ntohs(a.sin_port);
	printf("shm_monitor: listening on %s:%d (telnet %s %d)\n", m->bind, m->port, m->bind,
	       m->port);
	return 0;
}

static void serve(struct monitor *m, int run_s)
{
	time_t end = run_s > 0 ? time(NULL) + run_s : 0;

	while (!g_stop && (!end || time(NULL) < end)) {
		struct pollfd p[MAX_SESSIONS + 1];
		int i, n = 0, map[MAX_SESSIONS + 1];
		time_t now;

		p[n].fd = m->lfd;
		p[n++].events = POLLIN;
		for (i = 0; i < MAX_SESSIONS; i++)
			if (m->s[i].fd >= 0) {
				map[n] = i;
				p[n].fd = m->s[i].fd;
				p[n++].events = POLLIN;
			}
		if (poll(p, (nfds_t)n, 500) < 0 && errno != EINTR)
			break;
		now = time(NULL);
		for (i = 1; i < n; i++) {
			struct session *s = &m->s[map[i]];
			unsigned char buf[512];
			ssize_t r;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r <= 0) {
				if (r == 0 || (errno != EAGAIN && errno != EINTR))
					drop(s);
				continue;
			}
			s->last = now;
			feed(m, s, buf, (size_t)r);
		}
		for (i = 0; i < MAX_SESSIONS; i++)
			if (m->s[i].fd >= 0 && now - m->s[i].last >= m->idle_s) {
				say(&m->s[i], "\r\nidle for %d s: closing\r\n", m->idle_s);
				drop(&m->s[i]);
			}
		if (p[0].revents & POLLIN)
			accept_one(m);
	}
}

int main(int argc, char **argv)
{
	static struct monitor m;
	int i, run_s = 0;

	m.port = 9527;
	m.channel = VIDEO_CHANNEL;
	m.idle_s = 300;
	snprintf(m.bind, sizeof(m.bind), "127.0.0.1");
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc)
			m.port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--bind") && i + 1 < argc)
			snprintf(m.bind, sizeof(m.bind), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--idle-s") && i + 1 < argc)
			m.idle_s = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--run-s") && i + 1 < argc)
			run_s = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--channel") && i + 1 < argc)
			m.channel = argv[++i];
		else {
			fprintf(stderr,
				"usage: %s [--port P] [--bind ADDR] [--idle-s S] [--run-s S] "
				"[--channel NAME]\n",
				argv[0]);
			return 2;
		}
	}
	if (m.port < 0 || m.port > 65535 || m.idle_s <= 0) {
		fprintf(stderr, "shm_monitor: --port 0..65535, --idle-s > 0\n");
		return 2;
	}
	for (i = 0; i < MAX_SESSIONS; i++)
		m.s[i].fd = -1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (listen_on(&m))
		return 1;
	serve(&m, run_s);
	for (i = 0; i < MAX_SESSIONS; i++)
		drop(&m.s[i]);
	close(m.lfd);
	return 0;
}
