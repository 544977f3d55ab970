/* SPDX-License-Identifier: MIT */
/*
 * Anonymous channels and what a handle's mapping got: the channel calls
 * that work on descriptors rather than names (how descriptors travel
 * between processes is fdpass.h's), and shmchan_channel_memory. Split from
 * channel.h, which keeps the named lifecycle and the message calls.
 */
#ifndef SHMCHAN_ANON_H
#define SHMCHAN_ANON_H

#include "shmchan/channel.h"
#include "shmchan/common.h"
#include "shmchan/segment.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Anonymous channels: a channel on a memfd instead of a name. Nothing of it
 * is in /dev/shm or any directory; its memory goes when the last process
 * holding a descriptor or a mapping of it does. Its file is sealed against
 * shrinking, growing and further seals (F_SEAL_SHRINK, F_SEAL_GROW,
 * F_SEAL_SEAL) as soon as it is sized, before any peer can hold it, so no
 * holder can make another's mapping fault (the SIGBUS of a shrunk named
 * file, README "Limits"). Peers get it as a descriptor: passed over a Unix
 * socket (include/shmchan/fdpass.h) or inherited across fork or exec.
 * Everything else (kinds, waits, poll_fd, crash recovery, channel_info)
 * works as for a named channel; what needs a name (unlink, replace,
 * wait_created, shmchan_inspect by name) does not apply.
 */

/*
 * shmchan_channel_create_anon - create an anonymous channel and attach as
 * its first writer. @label (NULL: "anon") names it only in /proc
 * ("/memfd:shmchan.LABEL" in /proc/PID/maps); same alphabet as names.
 * @cfg as for create_writer (mode is ignored: a memfd is reachable only
 * through its descriptors); SHMCHAN_MEM_HUGETLB is allowed.
 * Returns 0, or the errors of create_writer other than -EEXIST and
 * -ESTALE, and -EOPNOTSUPP (huge pages asked of a kernel without hugetlb).
 */
SHMCHAN_API int shmchan_channel_create_anon(struct shmchan_channel *ch, const char *label,
					    const struct shmchan_config *cfg);

/*
 * shmchan_channel_open_writer_fd, shmchan_channel_open_reader_fd,
 * shmchan_channel_subscribe_fd - open_writer, open_reader and subscribe for
 * the anonymous channel behind descriptor @fd (from
 * shmchan_channel_share_fd, received or inherited). The caller keeps @fd
 * and should close it: the handle opens its own description of the file
 * (through /proc/self/fd), so that its liveness is judged apart from every
 * other process's. The file's owner is not checked (SHMCHAN_OPEN_ANY_OWNER
 * is implied): whoever was given the descriptor may use it.
 * Returns the errors of the named calls, and -EBADF (@fd below 0), -EPERM
 * (the file lacks the seals: not an anonymous channel, or a memfd that can
 * still shrink or grow; nothing was mapped), -ENOENT (no /proc to reopen
 * the descriptor through).
 */
SHMCHAN_API int shmchan_channel_open_writer_fd(struct shmchan_channel *ch, int fd,
					       const struct shmchan_config *expect);
SHMCHAN_API int shmchan_channel_open_reader_fd(struct shmchan_channel *ch, int fd,
					       const struct shmchan_config *expect);
SHMCHAN_API int shmchan_channel_subscribe_fd(struct shmchan_channel *ch, int fd,
					     const struct shmchan_config *expect, unsigned flags);

/*
 * shmchan_channel_share_fd - a new descriptor of @ch's file to hand to a
 * peer (any handle of the channel, named or anonymous; only anonymous
 * channels open by descriptor). @flags: 0 (the descriptor survives exec:
 * for a child that opens it by number) or O_CLOEXEC. The caller owns it:
 * close it once sent. It is a new open file description, never the
 * handle's own, so that a peer holding it does not keep this handle
 * alive in the others' eyes.
 * Returns the descriptor, or -EINVAL (NULL or closed handle, unknown flag),
 * -ENOENT (no /proc), -EMFILE, -ENFILE.
 */
SHMCHAN_API int shmchan_channel_share_fd(const struct shmchan_channel *ch, int flags);

/*
 * shmchan_channel_memory - what this handle's mapping of the channel got:
 * page size, huge pages, resident and locked bytes, seals (segment.h).
 * Returns 0, or -EINVAL (NULL argument, closed handle), and the errors of
 * shmchan_segment_memory.
 */
SHMCHAN_API int shmchan_channel_memory(const struct shmchan_channel *ch,
				       struct shmchan_memory *out);

#ifdef __cplusplus
}
#endif

#endif /* SHMCHAN_ANON_H */
