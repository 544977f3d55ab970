/* SPDX-License-Identifier: MIT */
/*
 * Fixture for test_tool.sh: make channels in known states.
 *   tool_fixture live NAME    create NAME, write 3 messages, print "ready",
 *                             then stay attached until killed
 *   tool_fixture stale NAME   create NAME, write 1 message, die by SIGKILL
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shmchan.h"

int main(int argc, char **argv)
{
	struct shmchan_config cfg = { .slot_size = 256, .slot_count = 8 };
	struct shmchan_channel w;
	int i, n;

	if (argc != 3)
		return 2;
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
