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

#include "shmchan/segment.h"

/* Create a segment as shmchan_segment_create() does, under a temporary name
 * for @name (seg->path names it). Errors as for create. */
int shmchan__segment_create_temp(struct shmchan_segment *seg, const char *name, size_t size,
				 unsigned mode);

/* Rename the temporary segment @seg over @name (replacing any object of
 * that name); seg->path then names @name. Returns 0 or a negative errno
 * (the temporary object is left as it is). */
int shmchan__segment_rename(struct shmchan_segment *seg, const char *name);

/* Remove the temporary segment @seg's name (after a failure). */
void shmchan__segment_unlink_temp(const struct shmchan_segment *seg);

#endif /* SHMCHAN_SEGMENT_PVT_H */
