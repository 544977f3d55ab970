/* SPDX-License-Identifier: MIT */
/*
 * Internal: liveness the kernel vouches for. Not installed.
 *
 * Every registry entry of a channel has a lock byte: the byte of the
 * channel's file at the entry's own offset. A handle that takes an entry
 * first takes an open-file-description lock (F_OFD_SETLK) on that byte
 * through its own descriptor, and keeps it until it has left the entry. The
 * kernel drops the lock when the last reference to that open file
 * description goes (its descriptors, and its mappings, which hold one too),
 * which it does for a process that exits or is killed, whatever its pid, its
 * pid namespace, its /proc or an emulator say.
 * Another handle asks with F_OFD_GETLK through its own descriptor: a held
 * entry whose byte nobody locks has no holder left.
 *
 * The verdict is exact in one direction: "no lock" means that no process
 * holds the handle's descriptor any more. A process that inherited the
 * descriptor across fork (without exec: the descriptors are O_CLOEXEC)
 * keeps the lock, so the handle counts as alive until that child exits or
 * closes the handle too: a wrong "alive" costs time, never data.
 * F_OFD_GETLK never reports the caller's own locks, so a handle never
 * judges its own entry (struct shmchan__judge.self).
 */
#ifndef SHMCHAN_LIVE_PVT_H
#define SHMCHAN_LIVE_PVT_H

#include <stdint.h>

/* Who judges whether peers live: through descriptor @fd of the
 * channel's file, whose header is mapped at @base; @self, the judge's own
 * registry entry (or NULL), is never judged dead. */
struct shmchan__judge {
	int fd;
	const void *base;
	const void *self;
};

/* Take the lock byte at @off through @fd. Returns 0, -EAGAIN (another open
 * file description holds it), or another negative errno. */
int shmchan__live_hold(int fd, uint64_t off);
/* Drop the lock byte at @off (ours). */
void shmchan__live_drop(int fd, uint64_t off);
/* Whether another open file description than @fd's holds the lock byte at
 * @off: 1, 0, or a negative errno (the caller then assumes alive). */
int shmchan__live_held(int fd, uint64_t off);

#endif /* SHMCHAN_LIVE_PVT_H */
