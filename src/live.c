/* SPDX-License-Identifier: MIT */
/* Liveness by open-file-description locks (see live_pvt.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "live_pvt.h"

static struct flock lock_byte(short type, uint64_t off)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)off;
	fl.l_len = 1;
	fl.l_pid = 0; /* required by F_OFD_* */
	return fl;
}

int shmchan__live_hold(int fd, uint64_t off)
{
	struct flock fl = lock_byte(F_WRLCK, off);

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	return (errno == EAGAIN || errno == EACCES) ? -EAGAIN : -errno;
}

void shmchan__live_drop(int fd, uint64_t off)
{
	struct flock fl = lock_byte(F_UNLCK, off);

	(void)fcntl(fd, F_OFD_SETLK, &fl);
}

int shmchan__live_held(int fd, uint64_t off)
{
	struct flock fl = lock_byte(F_WRLCK, off);

	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return -errno;
	return fl.l_type != F_UNLCK;
}
