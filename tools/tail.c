/* SPDX-License-Identifier: MIT */
/*
 * shmchan tail (tool.h): print the messages of a broadcast channel as they
 * come, as a read-only observer (SHMCHAN_SUB_OBSERVE): the file is mapped
 * read-only, no registry entry is taken, no writer waits for it, and no
 * subscriber loses a message to it. Slot, record and work-queue channels
 * give each message to one reader; an observer cannot follow them without
 * taking messages from that reader, so tail refuses them and says so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "tool.h"

/* @data as text where it is printable, else \xHH, at most @max bytes. */
static void print_text(const unsigned char *data, size_t len, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = len < max ? len : max;

	for (i = 0; i < n; i++) {
		unsigned char c = data[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			putchar(c);
		} else {
			putchar('\\');
			putchar('x');
			putchar(hex[c >> 4]);
			putchar(hex[c & 15]);
		}
	}
	if (n < len)
		printf("... (%zu more bytes)", len - n);
	putchar('\n');
}

/* hexdump -C's layout: offset, 16 bytes, their text. */
static void print_hex(const unsigned char *data, size_t len, size_t max)
{
	size_t off, i, n = len < max ? len : max;

	for (off = 0; off < n; off += 16) {
		printf("  %08zx ", off);
		for (i = 0; i < 16; i++) {
			if (i == 8)
				putchar(' ');
			if (off + i < n)
				printf(" %02x", data[off + i]);
			else
				printf("   ");
		}
		printf("  |");
		for (i = 0; i < 16 && off + i < n; i++)
			putchar(data[off + i] >= 0x20 && data[off + i] < 0x7f ? data[off + i]
									      : '.');
		printf("|\n");
	}
	if (n < len)
		printf("  ... (%zu more bytes)\n", len - n);
}

int cmd_tail(const struct opts *o)
{
	const char *name = o->args[0];
	struct shmchan_channel ch;
	struct shmchan_info in;
	char esc[SHOWN_MAX];
	unsigned long long seen = 0;
	struct entry e;
	int err;

	describe(name, &e, &in);
	if (e.type != ENTRY_CHANNEL) {
		if (e.type == ENTRY_SEGMENT)
			fprintf(stderr, "shmchan: tail %s: a segment, not a channel: no messages\n",
				shown(name, esc));
		else
			report("tail", name, e.err);
		return EXIT_FAIL;
	}
	if (in.kind != SHMCHAN_KIND_BROADCAST) {
		fprintf(stderr,
			"shmchan: tail %s: a %s channel gives each message to one reader; an "
			"observer would take them from it, so tail follows broadcast channels "
			"only ('shmchan watch' and 'shmchan hz' show any channel's rates)\n",
			shown(name, esc), kind_name(in.kind));
		return EXIT_FAIL;
	}
	err = shmchan_channel_subscribe(&ch, name, NULL, SHMCHAN_SUB_OBSERVE);
	if (err) {
		report("tail", name, err);
		return EXIT_FAIL;
	}
	while (o->count == 0 || (long)seen < o->count) {
		const void *data;
		size_t len;

		err = shmchan_channel_peek_wait(&ch, &data, &len, 1000);
		if (err == -ETIMEDOUT || err == -EAGAIN)
			continue;
		if (err == SHMCHAN_ELOST) {
			uint64_t n = 0;

			shmchan_channel_lost(&ch, &n);
			printf("(lost to overwriting: %llu in all)\n", (unsigned long long)n);
			continue;
		}
		if (err == -ESTALE) {
			fprintf(stderr, "shmchan: tail %s: the channel was replaced\n",
				shown(name, esc));
			break;
		}
		if (err) {
			report("tail", name, err);
			break;
		}
		printf("#%llu %zu bytes%s", seen, len, o->hex ? "\n" : ": ");
		if (o->hex)
			print_hex(data, len, (size_t)o->max_bytes);
		else
			print_text(data, len, (size_t)o->max_bytes);
		/* A message a writer overwrote while it was printed is reported
		 * lost by the release, and what was printed may be torn. */
		if (shmchan_channel_release(&ch) == SHMCHAN_ELOST)
			printf("(the message above was overwritten while it was read: it may be "
			       "torn)\n");
		seen++;
		fflush(stdout);
	}
	fflush(stdout);
	shmchan_channel_close(&ch);
	return err == 0 || err == -ETIMEDOUT || err == -EAGAIN ? EXIT_OK : EXIT_FAIL;
}
