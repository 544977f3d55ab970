/* SPDX-License-Identifier: MIT */
/* Error descriptions: one table, in the words of a shmchan user. */
#include "shmchan/common.h"

#define SHMCHAN_STR_(x) #x
#define SHMCHAN_STR(x) SHMCHAN_STR_(x)

/* X(errno, description) for every errno value shmchan returns. */
#define SHMCHAN_ERRORS(X)                                                                          \
	X(EINVAL, "invalid argument")                                                              \
	X(ENAMETOOLONG, "name too long")                                                           \
	X(EEXIST, "object already exists")                                                         \
	X(ENOENT, "no such channel or segment")                                                    \
	X(EACCES, "permission denied")                                                             \
	X(EPERM, "operation not permitted")                                                        \
	X(ENOMEM, "out of memory")                                                                 \
	X(ENOSPC, "no space left for the shared-memory object")                                    \
	X(EMFILE, "too many open files in this process")                                           \
	X(ENFILE, "too many open files in the system")                                             \
	X(EAGAIN, "try again: ring full, ring empty, or object still being created")               \
	X(EMSGSIZE, "message does not fit (too large for the slot or the caller buffer)")          \
	X(EBADMSG, "corrupt message or segment data")                                              \
	X(EBUSY, "the reader role is held by another reader")                                      \
	X(EUSERS, "too many writers, subscribers or work-queue readers attached")                  \
	X(ENOBUFS, "messages lost: overwritten before this subscriber read them")                  \
	X(EALREADY, "a reservation or peek is already outstanding")                                \
	X(ECANCELED, "reservation cancelled: the reader judged this writer gone (write it again)") \
	X(ENOTSUP, "operation not supported by this channel kind or role")                         \
	X(EPROTO, "not a shmchan object (bad magic)")                                              \
	X(EPROTONOSUPPORT, "unsupported shmchan layout version")                                   \
	X(EDOM, "geometry differs from the expected one")                                          \
	X(EMEDIUMTYPE, "channel kind differs from the expected one")                               \
	X(EOVERFLOW, "object is truncated: smaller than its header describes")                     \
	X(ETIMEDOUT, "timed out")                                                                  \
	X(EINTR, "interrupted")                                                                    \
	X(EPIPE, "end of stream: the writers are gone")                                            \
	X(ESTALE, "stale channel: replaced (reopen it), or left by dead peers (replace it)")

const char *shmchan_strerror(int err)
{
	if (err == 0)
		return "success";
	if (err < 0)
		err = -err;
	switch (err) {
#define SHMCHAN_CASE(num, text)                                                                    \
	case num:                                                                                  \
		return text;
		SHMCHAN_ERRORS(SHMCHAN_CASE)
#undef SHMCHAN_CASE
	default:
		return "unknown error";
	}
}

const char *shmchan_version(void)
{
	return SHMCHAN_STR(SHMCHAN_VERSION_MAJOR) "." SHMCHAN_STR(
		SHMCHAN_VERSION_MINOR) "." SHMCHAN_STR(SHMCHAN_VERSION_PATCH);
}
