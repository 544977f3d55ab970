/* SPDX-License-Identifier: MIT */
/* Segment layer: named POSIX shared memory, validated names, no truncation. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "segment_pvt.h"
#include "shmchan/inspect.h"

static int name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int shmchan_name_check(const char *name)
{
	size_t n;

	if (!name || !name[0])
		return -EINVAL;
	for (n = 0; name[n]; n++) {
		if (n >= SHMCHAN_NAME_MAX)
			return -ENAMETOOLONG;
		if (!name_char_ok(name[n]))
			return -EINVAL;
	}
	return 0;
}

/* Build "/" SHMCHAN_PREFIX name into @path, which has room for the longest. */
static int make_path(char *path, size_t cap, const char *name)
{
	int err = shmchan_name_check(name);
	size_t plen = sizeof(SHMCHAN_PREFIX) - 1, nlen;

	if (err)
		return err;
	nlen = strlen(name);
	if (1 + plen + nlen + 1 > cap)
		return -ENAMETOOLONG;
	path[0] = '/';
	memcpy(path + 1, SHMCHAN_PREFIX, plen);
	memcpy(path + 1 + plen, name, nlen + 1);
	return 0;
}

static void seg_reset(struct shmchan_segment *seg)
{
	seg->addr = NULL;
	seg->size = 0;
	seg->fd = -1;
	seg->path[0] = '\0';
}

static int seg_map(struct shmchan_segment *seg, int fd, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	seg->addr = p;
	seg->size = size;
	seg->fd = fd;
	return 0;
}

/* Create, size and map the object at @path (exclusively). */
static int create_at(struct shmchan_segment *seg, const char *path, size_t size, unsigned mode)
{
	int fd, err;

	fd = shm_open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC,
		      mode ? (mode_t)mode : SHMCHAN_DEFAULT_MODE);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		err = -errno;
		goto fail;
	}
	/* tmpfs accepts any size at ftruncate and would raise SIGBUS at the
	 * first touch of a page it cannot provide: reserve the pages now so
	 * that a lack of memory is -ENOSPC here instead. */
	err = posix_fallocate(fd, 0, (off_t)size);
	if (err && err != EOPNOTSUPP) {
		err = -err;
		goto fail;
	}
	err = seg_map(seg, fd, size);
	if (err)
		goto fail;
	return 0;
fail:
	close(fd);
	shm_unlink(path);
	return err;
}

int shmchan_segment_create(struct shmchan_segment *seg, const char *name, size_t size,
			   unsigned mode)
{
	int err;

	if (!seg || size == 0 || mode > 07777 || (off_t)size < 0)
		return -EINVAL;
	seg_reset(seg);
	err = make_path(seg->path, sizeof(seg->path), name);
	if (!err)
		err = create_at(seg, seg->path, size, mode);
	if (err)
		seg_reset(seg);
	return err;
}

int shmchan__segment_create_temp(struct shmchan_segment *seg, const char *name, size_t size,
				 unsigned mode)
{
	unsigned attempt;
	int err;

	if (!seg || size == 0 || mode > 07777 || (off_t)size < 0)
		return -EINVAL;
	seg_reset(seg);
	err = shmchan_name_check(name);
	/* "~<pid>.<random>": never a user name, and not one another user
	 * can guess and take first. */
	for (attempt = 0; !err && attempt < 16; attempt++) {
		uint64_t rnd = 0;

		if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
			rnd = ((uint64_t)(uintptr_t)seg << 16) ^ attempt;
		snprintf(seg->path, sizeof(seg->path), "/%s~%ld.%016llx", SHMCHAN_PREFIX,
			 (long)getpid(), (unsigned long long)rnd);
		err = create_at(seg, seg->path, size, mode);
		if (err != -EEXIST)
			break;
	}
	if (err)
		seg_reset(seg);
	return err;
}

int shmchan__segment_rename(struct shmchan_segment *seg, const char *name)
{
	char from[sizeof(SHMCHAN_SHM_DIR) + sizeof(seg->path)];
	char to[sizeof(SHMCHAN_SHM_DIR) + sizeof(seg->path)];
	char path[sizeof(seg->path)];
	int err = make_path(path, sizeof(path), name);

	if (err)
		return err;
	snprintf(from, sizeof(from), "%s%s", SHMCHAN_SHM_DIR, seg->path);
	snprintf(to, sizeof(to), "%s%s", SHMCHAN_SHM_DIR, path);
	if (rename(from, to) != 0)
		return -errno;
	memcpy(seg->path, path, sizeof(path));
	return 0;
}

void shmchan__segment_unlink_temp(const struct shmchan_segment *seg)
{
	shm_unlink(seg->path);
}

int shmchan_segment_create_or_replace(struct shmchan_segment *seg, const char *name, size_t size,
				      unsigned mode)
{
	int err = shmchan__segment_create_temp(seg, name, size, mode);

	if (err)
		return err;
	err = shmchan__segment_rename(seg, name);
	if (err) {
		shmchan__segment_unlink_temp(seg);
		shmchan_segment_close(seg);
	}
	return err;
}

int shmchan_segment_open(struct shmchan_segment *seg, const char *name)
{
	struct stat st;
	int fd, err;

	if (!seg)
		return -EINVAL;
	seg_reset(seg);
	err = make_path(seg->path, sizeof(seg->path), name);
	if (err)
		return err;
	fd = shm_open(seg->path, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto fail_path;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto fail;
	}
	if (st.st_size <= 0) {
		err = -EAGAIN; /* created but not sized yet */
		goto fail;
	}
	if ((unsigned long long)st.st_size > (size_t)-1) {
		err = -ENOMEM;
		goto fail;
	}
	err = seg_map(seg, fd, (size_t)st.st_size);
	if (err)
		goto fail;
	return 0;
fail:
	close(fd);
fail_path:
	seg_reset(seg);
	return err;
}

int shmchan_segment_close(struct shmchan_segment *seg)
{
	if (!seg)
		return -EINVAL;
	/* An open handle always has both a mapping and a descriptor; a zeroed
	 * handle has neither (its fd of 0 is not ours to close). */
	if (seg->addr) {
		munmap(seg->addr, seg->size);
		close(seg->fd);
	}
	seg_reset(seg);
	return 0;
}

int shmchan_segment_unlink(const char *name)
{
	char path[sizeof(((struct shmchan_segment *)0)->path)];
	int err = make_path(path, sizeof(path), name);

	if (err)
		return err;
	return shm_unlink(path) < 0 ? -errno : 0;
}

void *shmchan_segment_data(const struct shmchan_segment *seg)
{
	return seg ? seg->addr : NULL;
}

size_t shmchan_segment_size(const struct shmchan_segment *seg)
{
	return seg ? seg->size : 0;
}
