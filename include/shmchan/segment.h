/* SPDX-License-Identifier: MIT */
/*
 * Segment layer: a named shared-memory object, mapped read-write.
 *
 * Every object is a file named SHMCHAN_PREFIX NAME in a directory: by
 * default /dev/shm (where glibc's shm_open keeps its objects), so the
 * segment "video_ch0" is the file /dev/shm/shmchan.video_ch0. Another
 * directory may hold them (a hugetlbfs mount, a tmpfs volume shared
 * between containers):
 *   - a name that starts with '/' is "/DIR/NAME": NAME in directory DIR
 *     ("/mnt/huge/cam0" is /mnt/huge/shmchan.cam0);
 *   - a bare NAME is in the directory the environment variable
 *     SHMCHAN_DIR names (an absolute path) when it is set and not empty,
 *     read at every call (secure_getenv: ignored in set-user-ID programs).
 * Every call that takes a name, at every layer (channels, inspect,
 * wait_created, unlink, the tool), follows the same rule; peers find each
 * other through the file, so they must agree on it. NAME is 1 to
 * SHMCHAN_NAME_MAX characters from [A-Za-z0-9._-]; DIR is any absolute
 * path (up to about 3,800 bytes). Both are validated and never truncated.
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
/* The environment variable naming the directory of bare names. */
#define SHMCHAN_DIR_ENV "SHMCHAN_DIR"
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
 * shmchan_name_check - validate a user name (NAME, without a directory).
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
 * lack of memory in /dev/shm (or the directory) is reported here, not by a SIGBUS later.
 * Returns 0, or -EINVAL (bad name, NULL handle,
 * size 0, or mode outside 07777), -ENAMETOOLONG, -EEXIST (an object of that
 * name exists), -EACCES, -ENOSPC, -ENOMEM, -EMFILE, -ENFILE.
 */
SHMCHAN_API int shmchan_segment_create(struct shmchan_segment *seg, const char *name, size_t size,
				       unsigned mode);

/*
 * shmchan_segment_create_or_replace - create a new segment as
 * shmchan_segment_create() does, under a temporary name in its directory, then
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
 * shmchan_segment_unlink - remove the name @name from its directory. Mappings stay
 * valid until closed. Returns 0, or -EINVAL, -ENAMETOOLONG, -ENOENT, -EACCES.
 */
SHMCHAN_API int shmchan_segment_unlink(const char *name);

/*
 * config.mem: where a channel's memory lives (docs/memory.md). 0 keeps the
 * defaults: 4 KiB pages of /dev/shm, reserved at create, placed by the
 * kernel's default policy, faulted in as first touched.
 *   At create and at open (what this handle's mapping does):
 *   SHMCHAN_MEM_PREFAULT: fault in every page of the channel before the
 *       call returns, so that no message call takes a page fault.
 *   SHMCHAN_MEM_LOCK: also lock the mapping in memory (mlock(2)): no page of
 *       it is ever swapped out. -ENOMEM beyond RLIMIT_MEMLOCK (ulimit -l),
 *       -EPERM where that limit is 0, unless the process has CAP_IPC_LOCK.
 *   SHMCHAN_MEM_THP: transparent huge pages: the mapping is aligned to the
 *       PMD size (2 MiB on x86-64) and advised MADV_HUGEPAGE; at create the
 *       size rounds up to a PMD multiple and the pages are reserved through
 *       that mapping. Effective only where the kernel allows huge pages
 *       for that file: anonymous channels where
 *       /sys/kernel/mm/transparent_hugepage/shmem_enabled is "advise",
 *       "within_size" or "always", named ones where /dev/shm is mounted
 *       with huge=advise (or within_size, always). Never an error
 *       otherwise: shmchan_channel_memory() reports what was obtained.
 *   At create only (-EINVAL when opening: they belong to the memory, and
 *   every process's mapping follows them):
 *   SHMCHAN_MEM_HUGETLB: explicit huge pages from the kernel's hugetlb pool
 *       (vm.nr_hugepages): anonymous channels (MFD_HUGETLB), and named ones
 *       in a directory on hugetlbfs ("/mnt/huge/NAME", or SHMCHAN_DIR). The
 *       size rounds up to the huge page size. -ENOSPC when the pool has too
 *       few free pages, -EOPNOTSUPP for a named channel elsewhere (a
 *       channel in a hugetlbfs directory has huge pages without the flag).
 *   SHMCHAN_MEM_NUMA_NODE: bind the pages to NUMA node config.numa_node
 *       (mbind(2) MPOL_BIND, set before any page is allocated; every
 *       process's faults follow it). -EINVAL for a node that does not exist,
 *       -ENOSYS for a kernel without NUMA support (CONFIG_NUMA).
 *   SHMCHAN_MEM_FIRST_TOUCH: reserve no page at create: each page is
 *       allocated when first touched, on the node of the CPU that touches
 *       it ("near the reader": the reader opens with SHMCHAN_MEM_PREFAULT
 *       before the writer writes). A lack of memory then shows at that
 *       touch (a SIGBUS, or -ENOMEM from an open with PREFAULT) instead of
 *       -ENOSPC at create.
 */
#define SHMCHAN_MEM_PREFAULT 1u
#define SHMCHAN_MEM_LOCK 2u
#define SHMCHAN_MEM_THP 4u
#define SHMCHAN_MEM_HUGETLB 8u
#define SHMCHAN_MEM_NUMA_NODE 16u
#define SHMCHAN_MEM_FIRST_TOUCH 32u
/* config.numa_node is below this. */
#define SHMCHAN_MAX_NUMA_NODES 1024u

/*
 * What the memory behind a mapping actually is, read from this process's
 * /proc/self/smaps (the kernel's account of this mapping, not of other
 * processes' mappings of the same file) and from the file itself.
 */
struct shmchan_memory {
	uint64_t size;	    /* bytes mapped: the segment's size rounded up to pages */
	uint64_t page_size; /* the page size backing it (KernelPageSize): 4096,
			     * or the huge page size on hugetlbfs */
	uint64_t resident;  /* bytes of it present in this process (Rss) */
	uint64_t huge;	    /* bytes of it mapped by huge pages: transparent ones
			     * (ShmemPmdMapped, FilePmdMapped) and hugetlb ones */
	uint64_t locked;    /* bytes of it locked in memory (Locked) */
	uint32_t hugetlb;   /* 1: the file is on hugetlbfs (MFD_HUGETLB) */
	uint32_t seals;	    /* the file's seals (F_GET_SEALS: F_SEAL_*), 0 if none */
	uint64_t reserved[4];
};

/*
 * shmchan_segment_memory - what the memory behind @seg's mapping is.
 * Returns 0, or -EINVAL (NULL argument, closed segment), -ENOENT (/proc is
 * not mounted, or the mapping is not in /proc/self/smaps), and the errors
 * of open(2) on /proc/self/smaps.
 */
SHMCHAN_API int shmchan_segment_memory(const struct shmchan_segment *seg,
				       struct shmchan_memory *out);

/* shmchan_segment_data - the mapping's base address, or NULL. */
SHMCHAN_API void *shmchan_segment_data(const struct shmchan_segment *seg);

/* shmchan_segment_size - the mapping's size in bytes, or 0. */
SHMCHAN_API size_t shmchan_segment_size(const struct shmchan_segment *seg);

#ifdef __cplusplus
}
#endif

#endif /* SHMCHAN_SEGMENT_H */
