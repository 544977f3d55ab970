/* SPDX-License-Identifier: MIT */
/* shmchan: list, inspect, watch and remove shmchan channels. The usage text
 * below is the manual page, shmchan(1) (docs/man is made from it). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static const char *const usage_text =
	"NAME\n"
	"    shmchan - list, inspect, watch and remove shmchan channels\n"
	"\n"
	"SYNOPSIS\n"
	"    shmchan [--dir DIR] ls [--json] [--osp-slot SIZExCOUNT | --osp-bytes] [PATTERN...]\n"
	"    shmchan [--dir DIR] stat [--json] NAME\n"
	"    shmchan stat [--json] (--osp-slot SIZExCOUNT | --osp-bytes) NAME\n"
	"    shmchan [--dir DIR] rm [--force] [--dry-run] NAME...\n"
	"    shmchan [--dir DIR] rm --stale [--dry-run] [PATTERN...]\n"
	"    shmchan [--dir DIR] watch [--json] [--interval SEC] [--count N] [PATTERN...]\n"
	"    shmchan [--dir DIR] hz [--interval SEC] [--count N] NAME\n"
	"    shmchan [--dir DIR] tail [--hex] [--max-bytes N] [--count N] NAME\n"
	"    shmchan --help | --version\n"
	"\n"
	"DESCRIPTION\n"
	"    A shmchan channel NAME is the file DIR/" SHMCHAN_PREFIX "NAME, where DIR is\n"
	"    --dir, else $" SHMCHAN_DIR_ENV ", else " SHMCHAN_SHM_DIR
	"; a NAME of the form /DIR/NAME\n"
	"    names its own directory. Its header records every writer and reader by\n"
	"    pid and process start time, so this tool can tell which of them still\n"
	"    run, even after a kill -9. A file of the prefix without a channel's\n"
	"    header is a segment (shmchan_segment_create: bytes, no header, no\n"
	"    peers recorded). PATTERN is a shell pattern (fnmatch) on the NAME:\n"
	"    'video_*'. None selects everything.\n"
	"\n"
	"COMMANDS\n"
	"    ls      List the channels: kind, geometry (slot channels: slot size x\n"
	"            count; record channels: the buffer's bytes), depth (messages,\n"
	"            records) and the bytes they take, whether the channel is stale\n"
	"            (no live peer), reader and writer pids, each marked if dead.\n"
	"            Segments follow the channels with their size. Files that carry\n"
	"            the prefix but cannot be read (a channel's header that does\n"
	"            not check, an empty file, a name the library never makes) are\n"
	"            reported on stderr and skipped. Objects of newosp's own\n"
	"            channels (" SHMCHAN_SHM_DIR "/" SHMCHAN_OSP_PREFIX
	"NAME) come last, with their\n"
	"            size; their geometry is in no header, so it is shown (with depth\n"
	"            and positions) only for objects that fit the geometry given by\n"
	"            --osp-slot or --osp-bytes.\n"
	"    stat    Show one channel in full: geometry, state, depth, the counters\n"
	"            (messages written and read, full events, abandoned slots of dead\n"
	"            producers, highest depth seen) and every peer. With --osp-slot\n"
	"            or --osp-bytes, NAME is a newosp channel, checked against that\n"
	"            geometry: size, positions, depth (newosp keeps no peers).\n"
	"    rm      Remove the named channels or segments. A channel with a live\n"
	"            peer, a segment (whose users are not recorded) or a file that\n"
	"            does not check is removed only with --force; processes attached\n"
	"            to it keep using it until they close, new ones no longer find\n"
	"            it. With --stale, remove every channel (matching a PATTERN, if\n"
	"            given) whose peers are all dead and, without patterns, the\n"
	"            sockets of pollers that are gone (" SHMCHAN_SHM_DIR "/shmchan-poll.*,\n"
	"            left by a process that died with a pollable descriptor that no\n"
	"            process holds any more), and nothing else.\n"
	"    watch   A live table, redrawn every interval (a plain terminal is\n"
	"            enough; into a pipe, one table per interval): per channel the\n"
	"            messages/s and MB/s since the last sample, depth and capacity,\n"
	"            messages lost, the age of the last write seen, writers and\n"
	"            readers alive; then each reader's or subscriber's lag. MB/s\n"
	"            counts ring bytes: a record channel's records with headers and\n"
	"            padding, a slot channel's slots. With --json, one JSON object\n"
	"            per interval, one per line. watch joins no channel.\n"
	"    hz      The rate of one channel, every interval. On a broadcast channel\n"
	"            every message is timed by a read-only observer, as ros2 topic\n"
	"            hz does (average rate, shortest and longest interval, standard\n"
	"            deviation over the last 10,000 messages); on the other kinds,\n"
	"            from the written counter (the rate only).\n"
	"    tail    Print the messages of a broadcast channel as they come, as a\n"
	"            read-only observer: no writer waits for it, no subscriber loses\n"
	"            anything to it. Text is shown with bytes outside printable\n"
	"            ASCII as \\xHH; --hex dumps every message. Slot, record and\n"
	"            work-queue channels give each message to one reader: an\n"
	"            observer would take them from it, so tail refuses them.\n"
	"\n"
	"OPTIONS\n"
	"    --dir DIR  The directory of the channels (an absolute path), as\n"
	"               " SHMCHAN_DIR_ENV " gives it to the library: a hugetlbfs mount, a\n"
	"               tmpfs volume shared between containers.\n"
	"    --json     ls, stat, watch: print JSON (docs/tool.md gives its schema;\n"
	"               every object carries \"schema\": 1).\n"
	"    --stale    rm: select the stale channels.\n"
	"    --force    rm: remove even what is in use or cannot be judged.\n"
	"    --dry-run  rm: print what would be removed, remove nothing.\n"
	"    --interval SEC\n"
	"               watch, hz: seconds between reports (default 1; at least 0.01).\n"
	"    --count N  watch, hz: stop after N reports; tail: after N messages\n"
	"               (default 0: until interrupted).\n"
	"    --hex      tail: hex-dump every message.\n"
	"    --max-bytes N\n"
	"               tail: bytes shown of each message (default 64).\n"
	"    --osp-slot SIZExCOUNT\n"
	"               newosp's ShmChannel<SIZE, COUNT> (slot payload bytes, slots).\n"
	"    --osp-bytes\n"
	"               newosp's ShmByteChannel (its capacity is in its header).\n"
	"    -h, --help Print this text.\n"
	"    --version  Print the library version.\n"
	"\n"
	"EXIT STATUS\n"
	"    0  success.\n"
	"    1  an object could not be read or removed, or rm refused one (each is\n"
	"       reported on stderr; ls still lists the others and exits 1 if any\n"
	"       entry was skipped).\n"
	"    2  usage error.\n"
	"\n"
	"EXAMPLES\n"
	"    shmchan ls\n"
	"    shmchan ls --json 'video_*'\n"
	"    shmchan stat video_ch0\n"
	"    shmchan watch\n"
	"    shmchan hz video_ch0\n"
	"    shmchan tail --hex --count 10 frames\n"
	"    shmchan rm --stale --dry-run\n"
	"    shmchan stat --osp-slot 81920x16 video_ch0\n"
	"\n"
	"SEE ALSO\n"
	"    shmchan(7), shmchan_inspect(3)\n";

/* A number from the command line, in [lo, hi]. */
static int number(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_osp(const char *s, struct shmchan_osp_config *g)
{
	char *end;
	unsigned long size = strtoul(s, &end, 10), count;

	if (*end != 'x' || !size || size > UINT32_MAX)
		return -1;
	count = strtoul(end + 1, &end, 10);
	if (*end || !count || count > UINT32_MAX)
		return -1;
	g->format = SHMCHAN_OSP_SLOT;
	g->slot_size = (uint32_t)size;
	g->slot_count = (uint32_t)count;
	return 0;
}

/* Which options each command takes. */
#define O_JSON 1
#define O_OSP 2
#define O_RM 4
#define O_RATE 8
#define O_TAIL 16

struct command {
	const char *name;
	int (*run)(const struct opts *o);
	unsigned allowed;
	int min_args, max_args; /* -1: any number */
};

static const struct command commands[] = {
	{ "ls", cmd_ls, O_JSON | O_OSP, 0, -1 }, { "stat", cmd_stat, O_JSON | O_OSP, 1, 1 },
	{ "rm", cmd_rm, O_RM, 0, -1 },		 { "watch", cmd_watch, O_JSON | O_RATE, 0, -1 },
	{ "hz", cmd_hz, O_RATE, 1, 1 },		 { "tail", cmd_tail, O_TAIL, 1, 1 },
};

static int bad_usage(const char *what)
{
	fprintf(stderr, "shmchan: %s; 'shmchan --help' shows the commands\n", what);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct opts o = { .interval = 1.0, .max_bytes = 64 };
	const struct command *c = NULL;
	const char *cmd;
	double v;
	size_t k;
	int i;

	/* --dir DIR: the directory of bare names, for the library too. */
	if (argc > 2 && !strcmp(argv[1], "--dir")) {
		if (argv[2][0] != '/') {
			fprintf(stderr, "shmchan: --dir wants an absolute path\n");
			return EXIT_USAGE;
		}
		if (setenv(SHMCHAN_DIR_ENV, argv[2], 1) != 0) {
			fprintf(stderr, "shmchan: --dir: %s\n", strerror(errno));
			return EXIT_FAIL;
		}
		argc -= 2;
		argv += 2;
	}
	/* $SHMCHAN_DIR as the library reads it: an absolute path. */
	if (getenv(SHMCHAN_DIR_ENV) && getenv(SHMCHAN_DIR_ENV)[0] &&
	    getenv(SHMCHAN_DIR_ENV)[0] != '/') {
		fprintf(stderr, "shmchan: $" SHMCHAN_DIR_ENV " must be an absolute path\n");
		return EXIT_USAGE;
	}
	cmd = argc > 1 ? argv[1] : NULL;
	if (!cmd) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "--version")) {
		printf("shmchan %s\n", shmchan_version());
		return EXIT_OK;
	}
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (!strcmp(cmd, commands[k].name))
			c = &commands[k];
	if (!c)
		return bad_usage("no such command");
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		int has_value = i + 1 < argc;

		if (!strcmp(a, "--json") && (c->allowed & O_JSON))
			o.json = 1;
		else if (!strcmp(a, "--stale") && (c->allowed & O_RM))
			o.stale = 1;
		else if (!strcmp(a, "--force") && (c->allowed & O_RM))
			o.force = 1;
		else if (!strcmp(a, "--dry-run") && (c->allowed & O_RM))
			o.dry_run = 1;
		else if (!strcmp(a, "--hex") && (c->allowed & O_TAIL))
			o.hex = 1;
		else if (!strcmp(a, "--interval") && (c->allowed & O_RATE) && has_value) {
			if (number(argv[++i], 0.01, 86400, &o.interval))
				return bad_usage("--interval wants seconds, 0.01 to 86400");
		} else if (!strcmp(a, "--count") && (c->allowed & (O_RATE | O_TAIL)) && has_value) {
			if (number(argv[++i], 0, 1e12, &v) || v != (double)(long)v)
				return bad_usage("--count wants a whole number");
			o.count = (long)v;
		} else if (!strcmp(a, "--max-bytes") && (c->allowed & O_TAIL) && has_value) {
			if (number(argv[++i], 1, 1 << 30, &v) || v != (double)(long)v)
				return bad_usage("--max-bytes wants a whole number, 1 or more");
			o.max_bytes = (long)v;
		} else if (!strcmp(a, "--osp-bytes") && (c->allowed & O_OSP) && !o.osp.format) {
			o.osp.format = SHMCHAN_OSP_BYTES;
		} else if (!strcmp(a, "--osp-slot") && (c->allowed & O_OSP) && !o.osp.format &&
			   has_value) {
			if (parse_osp(argv[++i], &o.osp))
				return bad_usage("--osp-slot wants SIZExCOUNT");
		} else if (a[0] == '-') {
			return bad_usage("an option this command does not take");
		} else if (o.nargs == (int)(sizeof(o.args) / sizeof(o.args[0]))) {
			return bad_usage("more than 64 names");
		} else {
			o.args[o.nargs++] = a;
		}
	}
	if (o.nargs < c->min_args || (c->max_args >= 0 && o.nargs > c->max_args))
		return bad_usage(c->max_args == 1 ? "this command takes one NAME"
						  : "bad arguments");
	if (c->run == cmd_rm && (o.stale ? o.force : o.nargs == 0))
		return bad_usage(o.stale ? "rm --stale takes no --force" : "rm wants a NAME");
	return c->run(&o);
}
