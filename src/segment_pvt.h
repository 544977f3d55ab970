/* SPDX-License-Identifier: MIT */
/*
 * Internal: replacing a segment without destroying the old one first. Not
 * installed.
 *
 * A replacement is created under a temporary name that no user name can
 * take (it holds a '~', outside the name alphabet), filled in there, and
 * only then renamed over the old name, which rename(2) does atomically: an
 * opener finds the old object or the finished new one, never none, and a
 * replacement that fails (no space, say) leaves the old object as it was.
 * The temporary file sits beside the named ones in SHMCHAN_SHM_DIR, where
 * glibc's shm_open keeps them; a crash before the rename leaves it there,
 * listed by `shmchan ls` as not a valid name.
 */
#ifndef SHMCHAN_SEGMENT_PVT_H
#define SHMCHAN_SEGMENT_PVT_H

#include "memory_pvt.h"
#include "shmchan/segment.h"

/*
 * Where a name's file is: "/DIR/NAME" names NAME in DIR; a bare NAME is in
 * the directory SHMCHAN_DIR_ENV names, if set (an absolute path), else in
 * SHMCHAN_SHM_DIR. The file is DIR "/" SHMCHAN_PREFIX NAME.
 */
#define SHMCHAN__PATH_MAX 4096
struct shmchan__loc {
	char dir[SHMCHAN__PATH_MAX]; /* no trailing '/' but for "/" itself */
	const char *base;	     /* NAME, within the name given */
};
/* Returns 0, -EINVAL (NULL, a bad NAME, SHMCHAN_DIR_ENV not absolute),
 * -ENAMETOOLONG. */
int shmchan__loc_of(const char *name, struct shmchan__loc *loc);
/* @loc's directory joined with @file into @path. 0 or -ENAMETOOLONG. */
int shmchan__loc_file(const struct shmchan__loc *loc, const char *file, char *path, size_t cap);

/* shmchan_segment_create and _open with memory options (memory_pvt.h). */
int shmchan__segment_create(struct shmchan_segment *seg, const char *name, size_t size,
			    unsigned mode, const struct shmchan__mem *m);
int shmchan__segment_open(struct shmchan_segment *seg, const char *name,
			  const struct shmchan__mem *m);

/*
 * Anonymous segments: a memfd ("memfd:" SHMCHAN_PREFIX @label, a name in
 * /proc only), sized, then sealed against shrinking, growing and further
 * seals before it is mapped or handed to anyone; seg->path stays empty.
 * Errors of create, and -EOPNOTSUPP (MFD_HUGETLB not supported).
 */
int shmchan__segment_create_anon(struct shmchan_segment *seg, const char *label, size_t size,
				 const struct shmchan__mem *m);
/* Open the anonymous segment behind @fd (the caller keeps @fd): -EPERM
 * unless it carries the seals above; the segment maps a new open file
 * description of it (shmchan__fd_reopen), never @fd's own. */
int shmchan__segment_open_fd(struct shmchan_segment *seg, int fd, const struct shmchan__mem *m);
/* A new open file description of @fd's file, through /proc/self/fd,
 * read-write (read-only with @rdonly); @flags: 0 or O_CLOEXEC. Returns the
 * descriptor or a negative errno (-ENOENT: no /proc). */
int shmchan__fd_reopen(int fd, int flags, int rdonly);

/* Create a segment as shmchan_segment_create() does, under a temporary name
 * for @name (seg->path names it). Errors as for create. */
int shmchan__segment_create_temp(struct shmchan_segment *seg, const char *name, size_t size,
				 unsigned mode, const struct shmchan__mem *m);

/* Rename the temporary segment @seg over @name (replacing any object of
 * that name); seg->path then names @name. Returns 0 or a negative errno
 * (the temporary object is left as it is). */
int shmchan__segment_rename(struct shmchan_segment *seg, const char *name);

/* Remove the temporary segment @seg's name (after a failure); @name, the
 * name it was made for, gives the directory. */
void shmchan__segment_unlink_temp(const struct shmchan_segment *seg, const char *name);

#endif /* SHMCHAN_SEGMENT_PVT_H */
