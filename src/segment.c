/* SPDX-License-Identifier: MIT */
/* Segment layer: named POSIX shared memory, validated names, no truncation. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memory_pvt.h"
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

int shmchan__loc_of(const char *name, struct shmchan__loc *loc)
{
	const char *dir = NULL, *slash;
	size_t dlen;
	int err;

	if (!name)
		return -EINVAL;
	if (name[0] == '/') {
		/* "/DIR/NAME": the directory is the name's. */
		slash = strrchr(name, '/');
		dir = name;
		dlen = (size_t)(slash - name);
		loc->base = slash + 1;
	} else {
		/* The environment's choice, read at every call (secure_getenv:
		 * not for a set-user-ID program's caller to redirect). */
		dir = secure_getenv(SHMCHAN_DIR_ENV);
		if (!dir || !dir[0])
			dir = SHMCHAN_SHM_DIR;
		if (dir[0] != '/')
			return -EINVAL;
		dlen = strlen(dir);
		loc->base = name;
	}
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	err = shmchan_name_check(loc->base);
	if (err)
		return err;
	if (dlen == 0) /* "/NAME": the root directory */
		dlen = 1;
	/* Room for "/" SHMCHAN_PREFIX "~pid.random" and the longest name. */
	if (dlen + 1 + sizeof(SHMCHAN_PREFIX) + SHMCHAN_NAME_MAX + 1 > sizeof(loc->dir))
		return -ENAMETOOLONG;
	memcpy(loc->dir, dir, dlen);
	loc->dir[dlen] = '\0';
	return 0;
}

int shmchan__loc_file(const struct shmchan__loc *loc, const char *file, char *path, size_t cap)
{
	int n = snprintf(path, cap, "%s%s%s", loc->dir, strcmp(loc->dir, "/") ? "/" : "", file);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
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

/* The file of segment path @seg_path ("/" SHMCHAN_PREFIX ...) in @loc. */
static int full_path(const struct shmchan__loc *loc, const char *seg_path, char *out, size_t cap)
{
	return shmchan__loc_file(loc, seg_path + 1, out, cap);
}

static void seg_reset(struct shmchan_segment *seg)
{
	seg->addr = NULL;
	seg->size = 0;
	seg->fd = -1;
	seg->path[0] = '\0';
}

/* Map @fd's @size bytes as @m asks; the segment then owns @fd. */
static int seg_map(struct shmchan_segment *seg, int fd, size_t size, const struct shmchan__mem *m)
{
	void *p = shmchan__mem_map(fd, size, m);

	if (!p)
		return -errno;
	seg->addr = p;
	seg->size = size;
	seg->fd = fd;
	return 0;
}

/* Size, map, place and commit a fresh object on @fd (memory_pvt.h), sealing
 * it against resizing first when @seals. On failure @seg is unmapped and
 * @fd left open for the caller. */
static int size_and_map(struct shmchan_segment *seg, int fd, size_t size,
			const struct shmchan__mem *m, int seals)
{
	int err;

	size = shmchan__mem_round(fd, size, m);
	if (size == 0 || (off_t)size < 0)
		return -EINVAL;
	if ((m->flags & SHMCHAN_MEM_HUGETLB) && shmchan__mem_is_hugetlb(fd) != 1)
		return -EOPNOTSUPP;
	if (ftruncate(fd, (off_t)size) < 0)
		return -errno;
	if (seals && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return -errno;
	err = seg_map(seg, fd, size, m);
	/* hugetlbfs reserves the pages at mmap: none free is -ENOMEM there. */
	if (err == -ENOMEM && shmchan__mem_is_hugetlb(fd) == 1)
		err = -ENOSPC;
	if (!err)
		err = shmchan__mem_place(fd, seg->addr, size, m);
	if (!err)
		err = shmchan__mem_commit(seg->addr, size, m);
	if (err && seg->addr) {
		munmap(seg->addr, seg->size);
		seg->addr = NULL;
	}
	return err;
}

/* Create, size and map the object seg->path names in @loc (exclusively;
 * O_NOFOLLOW as glibc's shm_open). */
static int create_at(struct shmchan_segment *seg, const struct shmchan__loc *loc, size_t size,
		     unsigned mode, const struct shmchan__mem *m)
{
	char path[SHMCHAN__PATH_MAX];
	int fd, err = full_path(loc, seg->path, path, sizeof(path));

	if (err)
		return err;
	fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW,
		  mode ? (mode_t)mode : SHMCHAN_DEFAULT_MODE);
	if (fd < 0)
		return -errno;
	err = size_and_map(seg, fd, size, m, 0);
	if (err) {
		close(fd);
		unlink(path);
	}
	return err;
}

static const struct shmchan__mem no_mem = { 0, 0 };

int shmchan__segment_create(struct shmchan_segment *seg, const char *name, size_t size,
			    unsigned mode, const struct shmchan__mem *m)
{
	struct shmchan__loc loc;
	int err;

	if (!seg || size == 0 || mode > 07777 || (off_t)size < 0)
		return -EINVAL;
	seg_reset(seg);
	err = shmchan__loc_of(name, &loc);
	if (!err)
		err = make_path(seg->path, sizeof(seg->path), loc.base);
	if (!err)
		err = create_at(seg, &loc, size, mode, m);
	if (err)
		seg_reset(seg);
	return err;
}

int shmchan_segment_create(struct shmchan_segment *seg, const char *name, size_t size,
			   unsigned mode)
{
	return shmchan__segment_create(seg, name, size, mode, &no_mem);
}

int shmchan__segment_create_temp(struct shmchan_segment *seg, const char *name, size_t size,
				 unsigned mode, const struct shmchan__mem *m)
{
	struct shmchan__loc loc;
	unsigned attempt;
	int err;

	if (!seg || size == 0 || mode > 07777 || (off_t)size < 0)
		return -EINVAL;
	seg_reset(seg);
	err = shmchan__loc_of(name, &loc);
	/* "~<pid>.<random>": never a user name, and not one another user
	 * can guess and take first. */
	for (attempt = 0; !err && attempt < 16; attempt++) {
		uint64_t rnd = 0;

		if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
			rnd = ((uint64_t)(uintptr_t)seg << 16) ^ attempt;
		snprintf(seg->path, sizeof(seg->path), "/%s~%ld.%016llx", SHMCHAN_PREFIX,
			 (long)getpid(), (unsigned long long)rnd);
		err = create_at(seg, &loc, size, mode, m);
		if (err != -EEXIST)
			break;
	}
	if (err)
		seg_reset(seg);
	return err;
}

int shmchan__segment_rename(struct shmchan_segment *seg, const char *name)
{
	char from[SHMCHAN__PATH_MAX], to[SHMCHAN__PATH_MAX];
	char path[sizeof(seg->path)];
	struct shmchan__loc loc;
	int err = shmchan__loc_of(name, &loc);

	if (!err)
		err = make_path(path, sizeof(path), loc.base);
	if (!err)
		err = full_path(&loc, seg->path, from, sizeof(from));
	if (!err)
		err = full_path(&loc, path, to, sizeof(to));
	if (err)
		return err;
	if (rename(from, to) != 0)
		return -errno;
	memcpy(seg->path, path, sizeof(path));
	return 0;
}

void shmchan__segment_unlink_temp(const struct shmchan_segment *seg, const char *name)
{
	char path[SHMCHAN__PATH_MAX];
	struct shmchan__loc loc;

	if (shmchan__loc_of(name, &loc) == 0 && full_path(&loc, seg->path, path, sizeof(path)) == 0)
		unlink(path);
}

int shmchan_segment_create_or_replace(struct shmchan_segment *seg, const char *name, size_t size,
				      unsigned mode)
{
	int err = shmchan__segment_create_temp(seg, name, size, mode, &no_mem);

	if (err)
		return err;
	err = shmchan__segment_rename(seg, name);
	if (err) {
		shmchan__segment_unlink_temp(seg, name);
		shmchan_segment_close(seg);
	}
	return err;
}

/* Map the object @fd (which the segment then owns) at its size, as @m
 * asks. On failure @fd is closed. */
static int open_fd(struct shmchan_segment *seg, int fd, const struct shmchan__mem *m)
{
	struct stat st;
	int err;

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
	err = seg_map(seg, fd, (size_t)st.st_size, m);
	if (err)
		goto fail;
	err = shmchan__mem_commit(seg->addr, seg->size, m);
	if (err) {
		munmap(seg->addr, seg->size);
		goto fail;
	}
	return 0;
fail:
	close(fd);
	seg->addr = NULL;
	seg->fd = -1;
	return err;
}

int shmchan__segment_open(struct shmchan_segment *seg, const char *name,
			  const struct shmchan__mem *m)
{
	char path[SHMCHAN__PATH_MAX];
	struct shmchan__loc loc;
	int fd, err;

	if (!seg)
		return -EINVAL;
	seg_reset(seg);
	err = shmchan__loc_of(name, &loc);
	if (!err)
		err = make_path(seg->path, sizeof(seg->path), loc.base);
	if (!err)
		err = full_path(&loc, seg->path, path, sizeof(path));
	if (err) {
		seg_reset(seg);
		return err;
	}
	fd = open(path,
		  ((m->flags & SHMCHAN__MEM_RDONLY) ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOFOLLOW);
	err = fd < 0 ? -errno : open_fd(seg, fd, m);
	if (err)
		seg_reset(seg);
	return err;
}

int shmchan_segment_open(struct shmchan_segment *seg, const char *name)
{
	return shmchan__segment_open(seg, name, &no_mem);
}

int shmchan__segment_create_anon(struct shmchan_segment *seg, const char *label, size_t size,
				 const struct shmchan__mem *m)
{
	char name[sizeof(SHMCHAN_PREFIX) + SHMCHAN_NAME_MAX];
	unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	int fd, err;

	if (!seg || size == 0 || (off_t)size < 0)
		return -EINVAL;
	seg_reset(seg);
	err = shmchan_name_check(label);
	if (err)
		return err;
	/* The name shows in /proc/PID/fd and maps as "/memfd:shmchan.LABEL";
	 * it names nothing in any directory. */
	snprintf(name, sizeof(name), "%s%s", SHMCHAN_PREFIX, label);
	if (m->flags & SHMCHAN_MEM_HUGETLB)
		flags |= MFD_HUGETLB;
	fd = memfd_create(name, flags);
	if (fd < 0)
		return errno == EINVAL && (m->flags & SHMCHAN_MEM_HUGETLB) ? -EOPNOTSUPP : -errno;
	err = size_and_map(seg, fd, size, m, 1);
	if (err) {
		close(fd);
		seg_reset(seg);
	}
	return err;
}

int shmchan__segment_open_fd(struct shmchan_segment *seg, int fd, const struct shmchan__mem *m)
{
	int seals, own, err;

	if (!seg || fd < 0)
		return -EINVAL;
	seg_reset(seg);
	/* Only an object that cannot shrink (nor grow, nor be resealed) can
	 * be trusted not to SIGBUS its mappers: a named file, an unsealed
	 * memfd, or anything else is refused. */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		return errno == EINVAL ? -EPERM : -errno;
	if ((seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) !=
	    (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		return -EPERM;
	/* Liveness locks belong to an open file description (live_pvt.h):
	 * @fd shares the sender's, so the segment opens its own. */
	own = shmchan__fd_reopen(fd, O_CLOEXEC, (m->flags & SHMCHAN__MEM_RDONLY) != 0);
	if (own < 0)
		return own;
	err = open_fd(seg, own, m);
	if (err)
		seg_reset(seg);
	return err;
}

int shmchan__fd_reopen(int fd, int flags, int rdonly)
{
	char path[40];
	int nfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, (rdonly ? O_RDONLY : O_RDWR) | (flags & O_CLOEXEC));
	return nfd < 0 ? -errno : nfd;
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
	char file[sizeof(((struct shmchan_segment *)0)->path)], path[SHMCHAN__PATH_MAX];
	struct shmchan__loc loc;
	int err = shmchan__loc_of(name, &loc);

	if (!err)
		err = make_path(file, sizeof(file), loc.base);
	if (!err)
		err = full_path(&loc, file, path, sizeof(path));
	if (err)
		return err;
	return unlink(path) < 0 ? -errno : 0;
}

void *shmchan_segment_data(const struct shmchan_segment *seg)
{
	return seg ? seg->addr : NULL;
}

size_t shmchan_segment_size(const struct shmchan_segment *seg)
{
	return seg ? seg->size : 0;
}
