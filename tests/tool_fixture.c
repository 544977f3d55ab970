/* SPDX-License-Identifier: MIT */
/*
 * Fixture for test_tool.sh: make channels in known states.
 *   tool_fixture live NAME    create NAME, write 3 messages, print "ready",
 *                             then stay attached until killed
 *   tool_fixture stale NAME   create NAME, write 1 message, die by SIGKILL
 *   tool_fixture broadcast NAME
 *                             create broadcast NAME (OVERWRITE, 8 slots),
 *                             subscribe, write 12 messages, read twice (the
 *                             first read reports 4 lost), print "ready",
 *                             then stay attached until killed
 *   tool_fixture record NAME  create record NAME (a 4096-byte buffer), write
 *                             records of 10 and 100 bytes (136 bytes of
 *                             ring with headers and padding), print "ready",
 *                             then stay attached until killed
 *   tool_fixture ticker NAME N
 *                             create broadcast NAME (BLOCK, 64 slots of 64
 *                             bytes), print "ready", write "tick I" every
 *                             5 ms, N times, then close (no reader needed:
 *                             a broadcast writer never waits for none)
 *   tool_fixture pollers NAME1 NAME2
 *                             create NAME1 and NAME2, each with a reader
 *                             that has a pollable descriptor; remove NAME2's
 *                             file behind the library's back; print the
 *                             pollers' socket names, then die by SIGKILL
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "shmchan.h"

static int broadcast(const char *name)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = 64,
				      .slot_count = 8,
				      .policy = SHMCHAN_POLICY_OVERWRITE };
	struct shmchan_channel w, s;
	char buf[64];
	size_t len;
	int i;

	if (shmchan_channel_create_writer(&w, name, &cfg) != 0 ||
	    shmchan_channel_open_reader(&s, name, NULL) != 0)
		return 3;
	for (i = 0; i < 12; i++)
		if (shmchan_channel_write(&w, "msg", 3) != 0)
			return 4;
	if (shmchan_channel_read(&s, buf, sizeof(buf), &len) != SHMCHAN_ELOST ||
	    shmchan_channel_read(&s, buf, sizeof(buf), &len) != 0)
		return 5;
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

static int record(const char *name)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_RECORD, .buffer_size = 4096 };
	static const char data[100];
	struct shmchan_channel w;

	if (shmchan_channel_create_writer(&w, name, &cfg) != 0 ||
	    shmchan_channel_write(&w, data, 10) != 0 || shmchan_channel_write(&w, data, 100) != 0)
		return 3;
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

static int ticker(const char *name, long n)
{
	struct shmchan_config cfg = { .kind = SHMCHAN_KIND_BROADCAST,
				      .slot_size = 64,
				      .slot_count = 64 };
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	struct shmchan_channel w;
	char msg[32];
	long i;

	if (shmchan_channel_create_writer(&w, name, &cfg) != 0)
		return 3;
	printf("ready\n");
	fflush(stdout);
	for (i = 0; i < n; i++) {
		int len = snprintf(msg, sizeof(msg), "tick %ld", i);

		if (shmchan_channel_write(&w, msg, (size_t)len) != 0)
			return 4;
		nanosleep(&tick, NULL);
	}
	shmchan_channel_close(&w);
	return 0;
}

/* The shmchan-poll.* names in SHMCHAN_SHM_DIR not in @seen (a NUL-separated
 * list of @n bytes), printed one per line. */
static void print_new_sockets(const char *seen, size_t n)
{
	DIR *d = opendir(SHMCHAN_SHM_DIR);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		const char *p;
		int old = 0;

		if (strncmp(e->d_name, "shmchan-poll.", 13) != 0)
			continue;
		for (p = seen; p < seen + n; p += strlen(p) + 1)
			old |= strcmp(p, e->d_name) == 0;
		if (!old)
			printf("%s\n", e->d_name);
	}
	if (d)
		closedir(d);
}

static int pollers(const char *n1, const char *n2)
{
	static char seen[65536];
	struct shmchan_config cfg = { .slot_size = 64, .slot_count = 8 };
	struct shmchan_channel w[2], r[2];
	const char *names[2] = { n1, n2 };
	char path[300];
	size_t used = 0;
	DIR *d = opendir(SHMCHAN_SHM_DIR);
	struct dirent *e;
	int i;

	while (d && (e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "shmchan-poll.", 13) == 0 &&
		    used + strlen(e->d_name) + 1 < sizeof(seen)) {
			strcpy(seen + used, e->d_name);
			used += strlen(e->d_name) + 1;
		}
	if (d)
		closedir(d);
	for (i = 0; i < 2; i++)
		if (shmchan_channel_create_writer(&w[i], names[i], &cfg) != 0 ||
		    shmchan_channel_open_reader(&r[i], names[i], NULL) != 0 ||
		    shmchan_channel_poll_fd(&r[i]) < 0)
			return 3;
	snprintf(path, sizeof(path), "%s/%s%s", SHMCHAN_SHM_DIR, SHMCHAN_PREFIX, n2);
	if (unlink(path) != 0)
		return 4;
	print_new_sockets(seen, used);
	fflush(stdout);
	raise(SIGKILL);
	return 5;
}

/* newosp-format channels: ShmChannel<81920, 16> holding two messages, or a
 * 64 KiB ShmByteChannel holding one of 4 bytes; left for the tool. */
static int osp(const char *format, const char *name)
{
	struct shmchan_osp_config c = { .format = SHMCHAN_OSP_SLOT,
					.slot_size = 81920,
					.slot_count = 16 };
	struct shmchan_channel w;

	if (strcmp(format, "osp-bytes") == 0)
		c = (struct shmchan_osp_config){ .format = SHMCHAN_OSP_BYTES, .capacity = 65536 };
	if (shmchan_osp_create(&w, name, &c) != 0)
		return 3;
	if (shmchan_channel_write(&w, "msg1", 4) != 0 ||
	    (c.format == SHMCHAN_OSP_SLOT && shmchan_channel_write(&w, "msg2", 4) != 0))
		return 4;
	return shmchan_channel_close(&w) == 0 ? 0 : 5;
}

int main(int argc, char **argv)
{
	struct shmchan_config cfg = { .slot_size = 256, .slot_count = 8 };
	struct shmchan_channel w;
	int i, n;

	if (argc == 4 && strcmp(argv[1], "pollers") == 0)
		return pollers(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "ticker") == 0)
		return ticker(argv[2], strtol(argv[3], NULL, 10));
	if (argc != 3)
		return 2;
	if (strcmp(argv[1], "broadcast") == 0)
		return broadcast(argv[2]);
	if (strcmp(argv[1], "record") == 0)
		return record(argv[2]);
	if (strncmp(argv[1], "osp-", 4) == 0)
		return osp(argv[1], argv[2]);
	if (shmchan_channel_create_writer(&w, argv[2], &cfg) != 0)
		return 3;
	n = strcmp(argv[1], "live") == 0 ? 3 : 1;
	for (i = 0; i < n; i++)
		if (shmchan_channel_write(&w, "msg", 3) != 0)
			return 4;
	if (n == 1)
		raise(SIGKILL);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
