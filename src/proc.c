/* SPDX-License-Identifier: MIT */
/* Process identity: a pid plus its start time names one process for good. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc_pvt.h"

/* Fields of /proc/PID/stat we use. */
struct proc_stat {
	char state;	     /* field 3 */
	long threads;	     /* field 20 */
	uint64_t start_time; /* field 22, clock ticks since boot */
};

/*
 * Read /proc/PID/stat. The command name (field 2) may hold spaces and
 * parentheses, so parsing starts after the last ')'. Returns 0, -ESRCH (no
 * such process, or hidden from us), or -EIO.
 */
static int proc_stat(pid_t pid, struct proc_stat *st)
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
	st->state = p[2];
	/* p is at the ')' that ends field 2; each space starts the next
	 * field: after 18 of them p is at the space before field 20. */
	for (field = 2; field < 20 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%ld", &st->threads) != 1)
		return -EIO;
	for (; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &v) != 1)
		return -EIO;
	st->start_time = v;
	return 0;
}

int shmchan__proc_start_time(pid_t pid, uint64_t *start_time)
{
	struct proc_stat st;
	int err = proc_stat(pid, &st);

	if (!err)
		*start_time = st.start_time;
	return err;
}

/*
 * Whether the process @pid that started at @start_time can still run: it
 * exists, is not a zombie (dead, waiting for its parent to reap it), and its
 * start time matches. A start time of 0 means "not recorded yet" (an entry
 * being filled in): then the start time is not compared.
 * A zombie with more than one thread is a process whose main thread ended
 * while others run on: alive. A process that /proc hides from us (hidepid)
 * but that kill(2) still finds is alive too. Returns 1 or 0.
 */
int shmchan__proc_alive(pid_t pid, uint64_t start_time)
{
	struct proc_stat st;
	int err;

	if (pid <= 0)
		return 0;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 0;
	err = proc_stat(pid, &st);
	if (err == -ESRCH) /* gone since kill(), or hidden: ask kill() again */
		return !(kill(pid, 0) < 0 && errno == ESRCH);
	if (err) /* /proc unreadable: trust the signal check */
		return 1;
	if ((st.state == 'Z' || st.state == 'X') && st.threads <= 1)
		return 0;
	return start_time == 0 || st.start_time == start_time;
}

uint64_t shmchan__proc_pidns(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino : 0;
}
