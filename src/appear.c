/* SPDX-License-Identifier: MIT */
/*
 * Waiting for a channel to appear: shmchan_channel_wait_created (channel.h).
 *
 * An inotify watch on the name's directory (SHMCHAN_SHM_DIR by default) wakes the wait whenever a
 * name is created or renamed there (a create_or_replace writer renames its complete channel over
 * the name) or a file there is written or truncated (create_writer sizes the new file); a wake-up
 * looks at the channel only if the event names its file (or the kernel's queue overflowed). The
 * watch is made before the first look, so a channel created between the look and the sleep is not
 * missed. A channel whose creator has not published its header yet (open's -EAGAIN, between the
 * size and the magic, which no file event marks: microseconds) is looked at again every millisecond
 * for CREATING_GRACE_MS; a creator that died there leaves it so for good, and from then on it is
 * looked at once a second, as any wait is at least (SAFETY_SLICE_MS). The descriptor is the call's
 * own and closed before it returns.
 */
#include <errno.h>
#include <poll.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "channel_pvt.h"
#include "segment_pvt.h"
#include "wait_pvt.h"
#include "shmchan/inspect.h"

/* Look again this often while a channel is being created, for this long. */
#define CREATING_RETRY_MS 1
#define CREATING_GRACE_MS 100
/* And at least this often anyway: a safety net for an event the watch
 * cannot see (a name made through another mount of the directory), not
 * part of the wake-up. */
#define SAFETY_SLICE_MS 1000

/* 0 if @name is a complete channel now, -ENOENT if there is no such name,
 * -EAGAIN while its creator is still laying it out, or the open error. */
static int look(const char *name)
{
	struct shmchan_segment seg;
	int err = shmchan_segment_open(&seg, name);

	if (err)
		return err;
	err = shmchan__validate(&seg, NULL, NULL);
	shmchan_segment_close(&seg);
	return err;
}

/* Whether the events in @buf (@n bytes) name @file, or say some were lost. */
static int names(const char *buf, ssize_t n, const char *file)
{
	ssize_t off = 0;

	while (off + (ssize_t)sizeof(struct inotify_event) <= n) {
		const struct inotify_event *ev = (const void *)(buf + off);

		if ((ev->mask & IN_Q_OVERFLOW) || (ev->len && strcmp(ev->name, file) == 0))
			return 1;
		off += (ssize_t)sizeof(*ev) + ev->len;
	}
	return 0;
}

/* Sleep on @fd's events for at most @ms (never past the deadline). Returns
 * 1 if an event named @file (look now), else 0 (look: the time is up). */
static int sleep_on(int fd, const char *file, const struct shmchan__deadline *dl, int ms)
{
	alignas(struct inotify_event) char buf[4096];
	struct pollfd p = { fd, POLLIN, 0 };
	int64_t t0 = shmchan__now_ns();

	for (;;) {
		int64_t left = shmchan__deadline_left(dl),
			spent = (shmchan__now_ns() - t0) / 1000000;
		int t = ms - (int)spent, hit = 0;
		ssize_t n;

		if (left != INT64_MAX && t > (left + 999999) / 1000000)
			t = (int)((left + 999999) / 1000000);
		if (t <= 0)
			return 0;
		/* A signal cuts the poll short: the caller looks. */
		if (poll(&p, 1, t) <= 0)
			return 0;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			hit |= names(buf, n, file);
		if (hit)
			return 1;
	}
}

int shmchan_channel_wait_created(const char *name, int timeout_ms)
{
	char file[sizeof(SHMCHAN_PREFIX) + SHMCHAN_NAME_MAX];
	struct shmchan__deadline dl;
	int64_t creating_since = -1;
	struct shmchan__loc loc;
	int fd, err;

	if (timeout_ms < -1)
		return -EINVAL;
	err = shmchan__loc_of(name, &loc);
	if (err)
		return err;
	/* The name's file in its directory (segment.c's naming). */
	snprintf(file, sizeof(file), "%s%s", SHMCHAN_PREFIX, loc.base);
	shmchan__deadline_init(&dl, timeout_ms);
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (inotify_add_watch(fd, loc.dir, IN_CREATE | IN_MOVED_TO | IN_MODIFY) < 0) {
		/* No directory to watch is not "no such channel": -ENOTSUP. */
		err = errno == ENOENT ? -ENOTSUP : -errno;
		close(fd);
		return err;
	}
	for (;;) {
		int ms = SAFETY_SLICE_MS;

		err = look(name);
		if (err != -ENOENT && err != -EAGAIN)
			break;
		if (shmchan__deadline_left(&dl) == 0) {
			err = -ETIMEDOUT;
			break;
		}
		if (err == -EAGAIN) {
			int64_t now = shmchan__now_ns();

			if (creating_since < 0)
				creating_since = now;
			if (now - creating_since < (int64_t)CREATING_GRACE_MS * 1000000)
				ms = CREATING_RETRY_MS;
		} else {
			creating_since = -1;
		}
		sleep_on(fd, file, &dl, ms);
	}
	close(fd);
	return err;
}
