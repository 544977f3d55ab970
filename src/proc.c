/* SPDX-License-Identifier: MIT */
/* Process identity: a pid plus its start time names one process for good. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "channel_pvt.h"

/*
 * Read field 3 (state) and field 22 (starttime, in clock ticks since boot) of
 * /proc/PID/stat. The command name (field 2) may hold spaces and parentheses,
 * so parsing starts after the last ')'. Returns 0, -ESRCH (no such process),
 * or -EIO.
 */
static int proc_stat(pid_t pid, char *state, uint64_t *start_time)
{
	char path[32], buf[1024], *p;
	unsigned long long v;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -EIO;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH; /* the process exited while we read */
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EIO;
	*state = p[2];
	/* p is at the ')' that ends field 2; each space starts the next field,
	 * so after 20 of them p is at the space before field 22. */
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &v) != 1)
		return -EIO;
	*start_time = v;
	return 0;
}

int shmchan__proc_start_time(pid_t pid, uint64_t *start_time)
{
	char state;

	return proc_stat(pid, &state, start_time);
}

/*
 * Whether the process @pid that started at @start_time can still run: it
 * exists, is not a zombie (dead, waiting for its parent to reap it), and its
 * start time matches. A start time of 0 means "not recorded yet" (an entry
 * being filled in): then the start time is not compared. Returns 1 or 0.
 */
int shmchan__proc_alive(pid_t pid, uint64_t start_time)
{
	uint64_t now;
	char state;
	int err;

	if (pid <= 0)
		return 0;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 0;
	err = proc_stat(pid, &state, &now);
	if (err == -ESRCH)
		return 0;
	if (err) /* /proc unreadable (hidepid, no /proc): trust the signal check */
		return 1;
	if (state == 'Z' || state == 'X')
		return 0;
	return start_time == 0 || now == start_time;
}
