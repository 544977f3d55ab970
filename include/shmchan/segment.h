/* SPDX-License-Identifier: MIT */
/*
 * Segment layer: a named POSIX shared-memory object, mapped read-write.
 *
 * Every object lives in /dev/shm under the library prefix SHMCHAN_PREFIX, so
 * the segment "video_ch0" is the file /dev/shm/shmchan.video_ch0. Names are
 * 1 to SHMCHAN_NAME_MAX characters from [A-Za-z0-9._-]; they are validated
 * and never truncated.
 *
 * The handle is a caller-owned struct. A closed or zeroed handle is inert:
 * closing it again is harmless.
 */
#ifndef SHMCHAN_SEGMENT_H
#define SHMCHAN_SEGMENT_H

#include <sys/types.h>

#include "shmchan/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Prefix of every shmchan object name in /dev/shm. */
#define SHMCHAN_PREFIX "shmchan."
/* Longest user name, in bytes (the prefix is not counted). */
#define SHMCHAN_NAME_MAX 200
/* Mode used when the caller passes 0. */
#define SHMCHAN_DEFAULT_MODE 0600

struct shmchan_segment {
	void *addr;  /* mapping, or NULL when closed */
	size_t size; /* mapped bytes */
	int fd;	     /* descriptor, or -1 when closed */
	/* "/" SHMCHAN_PREFIX name, NUL-terminated */
	char path[1 + sizeof(SHMCHAN_PREFIX) + SHMCHAN_NAME_MAX + 1];
};

/*
 * shmchan_name_check - validate a user name.
 *
 * Returns 0, -EINVAL (NULL, empty, or a character outside [A-Za-z0-9._-]),
 * or -ENAMETOOLONG (longer than SHMCHAN_NAME_MAX).
 */
SHMCHAN_API int shmchan_name_check(const char *name);

/*
 * shmchan_segment_create - create a new segment of @size bytes, exclusively.
 * @mode: permission bits; 0 means SHMCHAN_DEFAULT_MODE (0600). The process
 *        umask applies as for open(2).
 *
 * The memory is zero-filled and reserved up front (posix_fallocate), so a
 * lack of memory in /dev/shm is reported here, not by a SIGBUS later.
 * Returns 0, or -EINVAL (bad name, NULL handle,
 * size 0, or mode outside 07777), -ENAMETOOLONG, -EEXIST (an object of that
 * name exists), -EACCES, -ENOSPC, -ENOMEM, -EMFILE, -ENFILE.
 */
SHMCHAN_API int shmchan_segment_create(struct shmchan_segment *seg, const char *name, size_t size,
				       unsigned mode);

/*
 * shmchan_segment_create_or_replace - create a new segment as
 * shmchan_segment_create() does, under a temporary name in /dev/shm, then
 * rename it over @name, replacing any object of that name in one step: the
 * old object stays until the new one exists, and a failure (-ENOSPC, say)
 * leaves it untouched. Processes that still map the old object keep it until
 * they close it. Same errors as shmchan_segment_create, and those of
 * rename(2); -EEXIST only if 16 random temporary names were all taken.
 */
SHMCHAN_API int shmchan_segment_create_or_replace(struct shmchan_segment *seg, const char *name,
						  size_t size, unsigned mode);

/*
 * shmchan_segment_open - open an existing segment; its size comes from fstat.
 *
 * Returns 0, or -EINVAL, -ENAMETOOLONG, -ENOENT, -EACCES, -ENOMEM, -EMFILE,
 * -ENFILE, or -EAGAIN if the object is still empty (its creator has not sized
 * it yet).
 */
SHMCHAN_API int shmchan_segment_open(struct shmchan_segment *seg, const char *name);

/*
 * shmchan_segment_close - unmap and close. Does not unlink. Returns 0 or
 * -EINVAL for a NULL handle. Safe on a closed or zeroed handle.
 */
SHMCHAN_API int shmchan_segment_close(struct shmchan_segment *seg);

/*
 * shmchan_segment_unlink - remove the name @name from /dev/shm. Mappings stay
 * valid until closed. Returns 0, or -EINVAL, -ENAMETOOLONG, -ENOENT, -EACCES.
 */
SHMCHAN_API int shmchan_segment_unlink(const char *name);

/* shmchan_segment_data - the mapping's base address, or NULL. */
SHMCHAN_API void *shmchan_segment_data(const struct shmchan_segment *seg);

/* shmchan_segment_size - the mapping's size in bytes, or 0. */
SHMCHAN_API size_t shmchan_segment_size(const struct shmchan_segment *seg);

#ifdef __cplusplus
}
#endif

#endif /* SHMCHAN_SEGMENT_H */
