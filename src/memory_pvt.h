/* SPDX-License-Identifier: MIT */
/*
 * Internal: where a segment's memory lives (memory.c). Not installed.
 *
 * A segment is a shmem (tmpfs or hugetlbfs) file mapped MAP_SHARED. What a
 * caller may ask of its memory, in the order the steps run:
 *   create only: the size rounded up to the page size of the backing
 *       (SHMCHAN_MEM_THP: the PMD size; a hugetlbfs file: its huge page);
 *       the pages bound to a NUMA node before any is allocated
 *       (SHMCHAN_MEM_NUMA_NODE, the file's shared policy); the pages
 *       reserved up front (posix_fallocate, or through the mapping for THP)
 *       unless SHMCHAN_MEM_FIRST_TOUCH leaves each page to be allocated
 *       where it is first touched;
 *   create and open: the mapping aligned to the PMD size and advised
 *       MADV_HUGEPAGE (SHMCHAN_MEM_THP); every page faulted in now
 *       (SHMCHAN_MEM_PREFAULT); the mapping locked (SHMCHAN_MEM_LOCK).
 * Everything here is a system call on the caller's own mapping or file:
 * no allocation, no global state.
 */
#ifndef SHMCHAN_MEMORY_PVT_H
#define SHMCHAN_MEMORY_PVT_H

#include <stddef.h>
#include <stdint.h>

/* What a caller asked of a segment's memory (config.mem, config.numa_node). */
struct shmchan__mem {
	uint32_t flags; /* SHMCHAN_MEM_* */
	uint32_t node;	/* SHMCHAN_MEM_NUMA_NODE: the node */
};

/* Internal: map read-only (an observer that may not write, inspect.c). */
#define SHMCHAN__MEM_RDONLY (1u << 31)

/* The flags accepted at create, and at open. */
#define SHMCHAN__MEM_CREATE_FLAGS                                                                  \
	(SHMCHAN_MEM_PREFAULT | SHMCHAN_MEM_LOCK | SHMCHAN_MEM_THP | SHMCHAN_MEM_HUGETLB |         \
	 SHMCHAN_MEM_NUMA_NODE | SHMCHAN_MEM_FIRST_TOUCH)
#define SHMCHAN__MEM_OPEN_FLAGS (SHMCHAN_MEM_PREFAULT | SHMCHAN_MEM_LOCK | SHMCHAN_MEM_THP)

/* Check @m against the flags allowed (@allowed): -EINVAL for an unknown
 * flag, a node out of range, or a node without SHMCHAN_MEM_NUMA_NODE, with
 * the reason written into @w (config_pvt.h; @w may be NULL). */
struct shmchan__why;
int shmchan__mem_explain(const struct shmchan__mem *m, uint32_t allowed, struct shmchan__why *w);

/* The size a file of @size bytes on descriptor @fd is given: rounded up to
 * the backing's huge page (hugetlbfs) or the PMD size (THP).
 * 0 on overflow. */
size_t shmchan__mem_round(int fd, size_t size, const struct shmchan__mem *m);

/* Map @size bytes of @fd shared, read-write (read-only with
 * SHMCHAN__MEM_RDONLY), aligned to the PMD size
 * when @m asks for THP, and advise it. Returns the address or NULL (errno
 * set). */
void *shmchan__mem_map(int fd, size_t size, const struct shmchan__mem *m);

/* Create only, on the fresh mapping, before anything touched it: bind it
 * to the node @m names, then reserve its pages (unless FIRST_TOUCH).
 * Returns 0 or a negative errno (-ENOSPC, -ENOMEM: no memory, or no free
 * huge page; -EINVAL: no such node). */
int shmchan__mem_place(int fd, void *addr, size_t size, const struct shmchan__mem *m);

/* Create and open, last: fault in and lock as @m asks. Returns 0 or a
 * negative errno (-ENOMEM, -EPERM: RLIMIT_MEMLOCK; -EFAULT: no memory for
 * a page not reserved up front). */
int shmchan__mem_commit(void *addr, size_t size, const struct shmchan__mem *m);

/* 1 if @fd is a file on hugetlbfs, 0 if not, or a negative errno. */
int shmchan__mem_is_hugetlb(int fd);

#endif /* SHMCHAN_MEMORY_PVT_H */
