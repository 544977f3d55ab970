/* SPDX-License-Identifier: MIT */
/*
 * Waiting for a channel to appear: shmchan_channel_wait_created (channel.h).
 *
 * An inotify watch on SHMCHAN_SHM_DIR wakes the wait whenever a name is
 * created or renamed there (a create_or_replace writer renames its
 * complete channel over the name) or a file there is truncated to size
 * (create_writer's first step); each wake-up looks at @name once. The watch
 * is made before the first look, so a channel created between the look and
 * the sleep is not missed. A channel whose creator has not published its
 * header yet (open's -EAGAIN: microseconds, between the size and the magic,
 * which no file event marks) is looked at again every millisecond, and any
 * wait looks again at least every second (SAFETY_SLICE_MS). The descriptor
 * is the call's own and closed before it returns.
 */
#include <errno.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "channel_pvt.h"
#include "wait_pvt.h"
#include "shmchan/inspect.h"

/* Look again this often while a channel is being created. */
#define CREATING_RETRY_MS 1
/* And at least this often anyway: a safety net for an event the watch
 * cannot see (a name made by a process in another mount of the directory),
 * not part of the wake-up. */
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

/* Sleep on @fd's events for at most @ms (never past the deadline), then
 * drain them. */
static void sleep_on(int fd, const struct shmchan__deadline *dl, int ms)
{
	int64_t left = shmchan__deadline_left(dl);
	struct pollfd p = { fd, POLLIN, 0 };
	char buf[4096];

	if (left != INT64_MAX && ms > (left + 999999) / 1000000)
		ms = (int)((left + 999999) / 1000000);
	/* A signal cuts the poll short: the caller looks, then sleeps again. */
	if (poll(&p, 1, ms) > 0)
		while (read(fd, buf, sizeof(buf)) > 0)
			;
}

int shmchan_channel_wait_created(const char *name, int timeout_ms)
{
	struct shmchan__deadline dl;
	int fd, err;

	if (timeout_ms < -1)
		return -EINVAL;
	err = shmchan_name_check(name);
	if (err)
		return err;
	shmchan__deadline_init(&dl, timeout_ms);
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (inotify_add_watch(fd, SHMCHAN_SHM_DIR, IN_CREATE | IN_MOVED_TO | IN_MODIFY) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	for (;;) {
		err = look(name);
		if (err != -ENOENT && err != -EAGAIN)
			break;
		if (shmchan__deadline_left(&dl) == 0) {
			err = -ETIMEDOUT;
			break;
		}
		sleep_on(fd, &dl, err == -EAGAIN ? CREATING_RETRY_MS : SAFETY_SLICE_MS);
	}
	close(fd);
	return err;
}
