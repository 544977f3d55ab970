/* SPDX-License-Identifier: MIT */
/* Where a segment's memory lives: huge pages, NUMA, pre-faulting, locking
 * (see memory_pvt.h), and what a mapping actually got (smaps). */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mempolicy.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "config_pvt.h"
#include "memory_pvt.h"
#include "shmchan/segment.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 */
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* The PMD size THP maps with: 2 MiB on x86-64 (4 KiB pages), read from
 * sysfs where the kernel says otherwise (arm64 with 16 or 64 KiB pages). */
static size_t pmd_size(void)
{
	char buf[32];
	size_t v = 0;
	ssize_t n;
	int fd = open("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
			v = v * 10 + (size_t)(buf[i] - '0');
	}
	/* A power of two of at least a page, or the x86-64 value. */
	if (v < 4096 || (v & (v - 1)) || v > ((size_t)1 << 30))
		v = (size_t)2 << 20;
	return v;
}

int shmchan__mem_explain(const struct shmchan__mem *m, uint32_t allowed, struct shmchan__why *w)
{
	if (m->flags & ~allowed)
		return shmchan__why(w, "mem 0x%x: SHMCHAN_MEM_* bits 0x%x are not accepted %s",
				    m->flags, m->flags & ~allowed,
				    allowed == SHMCHAN__MEM_CREATE_FLAGS ? "when creating"
									 : "when opening");
	if (!(m->flags & SHMCHAN_MEM_NUMA_NODE) && m->node)
		return shmchan__why(w, "numa_node %u: set without SHMCHAN_MEM_NUMA_NODE in mem",
				    m->node);
	if (m->node >= SHMCHAN_MAX_NUMA_NODES)
		return shmchan__why(w, "numa_node %u: at most %u", m->node,
				    SHMCHAN_MAX_NUMA_NODES - 1);
	/* A THP request on hugetlbfs, or huge pages placed by first touch,
	 * ask for two things at once: refuse rather than guess. */
	if ((m->flags & SHMCHAN_MEM_THP) && (m->flags & SHMCHAN_MEM_HUGETLB))
		return shmchan__why(w,
				    "mem 0x%x: SHMCHAN_MEM_THP and SHMCHAN_MEM_HUGETLB "
				    "together (choose one)",
				    m->flags);
	return 0;
}

int shmchan__mem_is_hugetlb(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) != 0)
		return -errno;
	/* f_type is a long on 64-bit ABIs, an int on 32-bit ones. */
	return (uint32_t)sf.f_type == (uint32_t)HUGETLBFS_MAGIC;
}

size_t shmchan__mem_round(int fd, size_t size, const struct shmchan__mem *m)
{
	size_t unit = 1;
	struct statfs sf;

	if (fstatfs(fd, &sf) == 0 && (uint32_t)sf.f_type == (uint32_t)HUGETLBFS_MAGIC &&
	    sf.f_bsize > 0)
		unit = (size_t)sf.f_bsize; /* the huge page size of that mount */
	else if (m && (m->flags & SHMCHAN_MEM_THP))
		unit = pmd_size();
	if (size > (size_t)-1 - (unit - 1))
		return 0;
	return (size + unit - 1) / unit * unit;
}

void *shmchan__mem_map(int fd, size_t size, const struct shmchan__mem *m)
{
	size_t align = (m && (m->flags & SHMCHAN_MEM_THP)) ? pmd_size() : 0;
	int prot = (m && (m->flags & SHMCHAN__MEM_RDONLY)) ? PROT_READ : PROT_READ | PROT_WRITE;
	char *p, *want;

	if (!align)
		return (p = mmap(NULL, size, prot, MAP_SHARED, fd, 0)) == MAP_FAILED ? NULL : p;
	/* A PMD can map only an aligned range: take an address range one
	 * PMD larger, put the file at its first aligned address, and give
	 * back the ends. */
	if (size > (size_t)-1 - align)
		return errno = ENOMEM, NULL;
	p = mmap(NULL, size + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	want = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (mmap(want, size, prot, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
		int e = errno;

		munmap(p, size + align);
		errno = e;
		return NULL;
	}
	if (want > p)
		munmap(p, (size_t)(want - p));
	if (want + size < p + size + align)
		munmap(want + size, (size_t)(p + size + align - (want + size)));
	/* Advice only: a kernel without THP for shmem (shmem_enabled never,
	 * or no CONFIG_TRANSPARENT_HUGEPAGE) maps small pages, which
	 * shmchan_channel_memory() then reports. */
	(void)madvise(want, size, MADV_HUGEPAGE);
	return want;
}

/* Fault in every page of [addr, addr + size) for writing, allocating
 * those not there yet. MADV_POPULATE_WRITE reports a page it cannot get
 * as an error instead of a SIGBUS; before Linux 5.14 each page is read
 * (a read fault of a shared shmem mapping allocates the page), which
 * raises SIGBUS where no page can be had: callers that cannot take that
 * reserve their pages first (everything but FIRST_TOUCH does). */
static int populate(void *addr, size_t size, int rdonly)
{
	long page = sysconf(_SC_PAGESIZE);

	if (madvise(addr, size, rdonly ? MADV_POPULATE_READ : MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL)
		return errno == EFAULT || errno == EHWPOISON ? -ENOMEM : -errno;
	for (size_t off = 0; off < size; off += (size_t)(page > 0 ? page : 4096))
		(void)*(volatile const char *)((const char *)addr + off);
	return 0;
}

int shmchan__mem_place(int fd, void *addr, size_t size, const struct shmchan__mem *m)
{
	int err;

	if (m->flags & SHMCHAN_MEM_NUMA_NODE) {
		/* The nodemask has a bit per node; maxnode counts one more bit
		 * than it holds (the kernel drops the last, see mbind(2)). */
		unsigned long mask[SHMCHAN_MAX_NUMA_NODES / (8 * sizeof(unsigned long))];

		memset(mask, 0, sizeof(mask));
		mask[m->node / (8 * sizeof(unsigned long))] =
			1ul << (m->node % (8 * sizeof(unsigned long)));
		/* On a shared mapping of a shmem file the policy is the file's
		 * (every process's faults of it follow it), set before any
		 * page exists so that none is placed elsewhere. */
		if (syscall(SYS_mbind, addr, size, MPOL_BIND, mask, SHMCHAN_MAX_NUMA_NODES + 1,
			    0) != 0)
			return -errno; /* -EINVAL: no such node; -ENOSYS: no NUMA */
	}
	if (m->flags & SHMCHAN_MEM_FIRST_TOUCH)
		return 0;
	/* tmpfs accepts any size at ftruncate and would raise SIGBUS at the
	 * first touch of a page it cannot provide: reserve the pages now so
	 * that a lack of memory is -ENOSPC here instead. THP: through the
	 * mapping, whose advice lets the fault take huge pages (fallocate
	 * has no mapping to ask). */
	if (m->flags & SHMCHAN_MEM_THP) {
		err = populate(addr, size, 0);
		return err == -ENOMEM ? -ENOSPC : err;
	}
	err = posix_fallocate(fd, 0, (off_t)size);
	if (err && err != EOPNOTSUPP)
		return -err;
	return 0;
}

int shmchan__mem_commit(void *addr, size_t size, const struct shmchan__mem *m)
{
	int err;

	if (m->flags & (SHMCHAN_MEM_PREFAULT | SHMCHAN_MEM_LOCK)) {
		err = populate(addr, size, (m->flags & SHMCHAN__MEM_RDONLY) != 0);
		if (err)
			return err;
	}
	/* mlock: -ENOMEM over RLIMIT_MEMLOCK, -EPERM with a limit of 0
	 * (without CAP_IPC_LOCK either way). Through the system call, as
	 * mbind is: ASan and TSan replace libc's mlock with a no-op that
	 * returns 0, and a program built with them would believe its pages
	 * locked while they are not. */
	if ((m->flags & SHMCHAN_MEM_LOCK) && syscall(SYS_mlock, addr, size) != 0)
		return -errno;
	return 0;
}

/* smaps: the kB value of field @name in @line ("Rss:   12 kB"), or -1. */
static long long smaps_field(const char *line, const char *name)
{
	size_t n = strlen(name);
	long long v = 0;
	const char *p;

	if (strncmp(line, name, n) != 0 || line[n] != ':')
		return -1;
	for (p = line + n + 1; *p == ' '; p++)
		;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9' && v < (1ll << 50); p++)
		v = v * 10 + (*p - '0');
	return v * 1024;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Parse one smaps line into *@out if it belongs to the mapping that starts
 * at @start (*@in: whether the lines being read are that mapping's). */
static void smaps_line(const char *line, uintptr_t start, int *in, struct shmchan_memory *out)
{
	long long v;

	/* "start-end perms offset dev inode path" opens a mapping; its
	 * fields ("Rss:  12 kB") start with a capital letter. */
	if (is_hex(line[0])) {
		uintptr_t a = 0;
		const char *p;

		for (p = line; is_hex(*p) && a < (UINTPTR_MAX >> 4); p++)
			a = a * 16 + (uintptr_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
		*in = (*p == '-' && a == start);
		return;
	}
	if (!*in)
		return;
	if ((v = smaps_field(line, "Size")) >= 0)
		out->size = (uint64_t)v;
	else if ((v = smaps_field(line, "KernelPageSize")) >= 0)
		out->page_size = (uint64_t)v;
	else if ((v = smaps_field(line, "Rss")) >= 0)
		out->resident = (uint64_t)v;
	else if ((v = smaps_field(line, "ShmemPmdMapped")) >= 0 ||
		 (v = smaps_field(line, "FilePmdMapped")) >= 0 ||
		 (v = smaps_field(line, "Shared_Hugetlb")) >= 0 ||
		 (v = smaps_field(line, "Private_Hugetlb")) >= 0)
		out->huge += (uint64_t)v;
	else if ((v = smaps_field(line, "Locked")) >= 0)
		out->locked = (uint64_t)v;
}

/* Read this process's smaps for the mapping starting at @addr, a line at a
 * time through a buffer on the stack. */
static int read_smaps(const void *addr, struct shmchan_memory *out)
{
	char buf[4096];
	size_t have = 0;
	int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC), in = 0, found = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		size_t start = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		for (;;) {
			char *nl = memchr(buf + start, '\n', have - start);

			if (!nl)
				break;
			*nl = '\0';
			smaps_line(buf + start, (uintptr_t)addr, &in, out);
			found |= in;
			start = (size_t)(nl - buf) + 1;
		}
		/* Keep the unfinished line; one longer than the buffer (a
		 * mapping's path) is dropped, it is never a field we read. */
		if (start == 0 && have == sizeof(buf) - 1)
			have = 0;
		else {
			memmove(buf, buf + start, have - start);
			have -= start;
		}
	}
	close(fd);
	return found ? 0 : -ENOENT;
}

int shmchan_segment_memory(const struct shmchan_segment *seg, struct shmchan_memory *out)
{
	int err, seals;

	if (!seg || !seg->addr || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->size = seg->size;
	err = shmchan__mem_is_hugetlb(seg->fd);
	if (err < 0)
		return err;
	out->hugetlb = (uint32_t)err;
	seals = fcntl(seg->fd, F_GET_SEALS);
	out->seals = seals > 0 ? (uint32_t)seals : 0;
	return read_smaps(seg->addr, out);
}
