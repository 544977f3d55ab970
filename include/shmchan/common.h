/* SPDX-License-Identifier: MIT */
/*
 * shmchan: common definitions shared by every layer.
 *
 * Error convention: every function returns 0 (or a count) on success and a
 * negative errno value on failure. The errno values that carry a meaning
 * specific to shmchan are named below; shmchan_strerror() describes any value
 * a shmchan function returns.
 */
#ifndef SHMCHAN_COMMON_H
#define SHMCHAN_COMMON_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SHMCHAN_BUILDING) && defined(__GNUC__)
#define SHMCHAN_API __attribute__((visibility("default")))
#else
#define SHMCHAN_API
#endif

#define SHMCHAN_VERSION_MAJOR 0
#define SHMCHAN_VERSION_MINOR 4
#define SHMCHAN_VERSION_PATCH 0

/* Errors with a shmchan-specific meaning (all are negative errno values). */
#define SHMCHAN_EBADMAGIC (-EPROTO)	    /* not a shmchan object (bad magic) */
#define SHMCHAN_EVERSION (-EPROTONOSUPPORT) /* layout version not supported */
#define SHMCHAN_EGEOMETRY (-EDOM)	    /* geometry differs from the expected one */
#define SHMCHAN_EKIND (-EMEDIUMTYPE)	    /* channel kind differs from the expected one */
#define SHMCHAN_ETRUNCATED (-EOVERFLOW)	    /* header describes more bytes than the object has */

/*
 * shmchan_strerror - describe an error returned by a shmchan function.
 * @err: a value returned by shmchan (negative errno); positive values are
 *       accepted too and treated as their negation.
 *
 * Returns a static, constant string; never NULL. Unknown values yield
 * "unknown error".
 */
SHMCHAN_API const char *shmchan_strerror(int err);

/*
 * shmchan_version - the library's version as "MAJOR.MINOR.PATCH".
 */
SHMCHAN_API const char *shmchan_version(void);

#ifdef __cplusplus
}
#endif

#endif /* SHMCHAN_COMMON_H */
