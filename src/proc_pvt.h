/* SPDX-License-Identifier: MIT */
/* Internal: what proc.c reads of processes in /proc. Not installed. */
#ifndef SHMCHAN_PROC_PVT_H
#define SHMCHAN_PROC_PVT_H

#include <stdint.h>
#include <sys/types.h>

/* proc.c: a process's start time and pid namespace, recorded in its
 * registry entry for the tool to show (liveness is live.c's). */
int shmchan__proc_start_time(pid_t pid, uint64_t *start_time);
int shmchan__proc_alive(pid_t pid, uint64_t start_time);

/* proc.c: the inode of this process's pid namespace (0 if unknown). */
uint64_t shmchan__proc_pidns(void);

#endif /* SHMCHAN_PROC_PVT_H */
