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
 */
#include <signal.h>
#include <stdio.h>
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

int main(int argc, char **argv)
{
	struct shmchan_config cfg = { .slot_size = 256, .slot_count = 8 };
	struct shmchan_channel w;
	int i, n;

	if (argc != 3)
		return 2;
	if (strcmp(argv[1], "broadcast") == 0)
		return broadcast(argv[2]);
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
