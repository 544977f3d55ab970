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
 * Read field 22 (starttime, in clock ticks since boot) of /proc/PID/stat.
 * The command name (field 2) may hold spaces and parentheses, so parsing
 * starts after the last ')'. Returns 0, -ESRCH (no such process), or -EIO.
 */
int shmchan__proc_start_time(pid_t pid, uint64_t *start_time)
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
	if (!p)
		return -EIO;
	/* p is at the ')' that ends field 2; each space starts the next field,
	 * so after 20 of them p is at the space before field 22. */
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &v) != 1)
		return -EIO;
	*start_time = v;
	return 0;
}

/*
 * Whether the process @pid that started at @start_time still runs. A zombie
 * counts as alive until reaped. A start time of 0 means "not recorded yet"
 * (an entry being filled in): then only the pid is checked. Returns 1 or 0.
 */
int shmchan__proc_alive(pid_t pid, uint64_t start_time)
{
	uint64_t now;
	int err;

	if (pid <= 0)
		return 0;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 0;
	if (start_time == 0)
		return 1;
	err = shmchan__proc_start_time(pid, &now);
	if (err == -ESRCH)
		return 0;
	/* /proc unreadable (hidepid, no /proc): trust the signal check. */
	return err != 0 || now == start_time;
}
