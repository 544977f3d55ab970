/* SPDX-License-Identifier: MIT */
/* shmchan-bridge: carry a shmchan channel over Cyclone DDS (bridge.h). The
 * usage text below is the manual page. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_STOPPED 3

static const char *const usage_text =
	"NAME\n"
	"    shmchan-bridge - carry shmchan channels over Cyclone DDS\n"
	"\n"
	"SYNOPSIS\n"
	"    shmchan-bridge export CHANNEL --topic TOPIC [--domain ID] [--wait-created SEC]\n"
	"                   [--stats]\n"
	"    shmchan-bridge import CHANNEL --topic TOPIC [--domain ID] [--wait-created SEC]\n"
	"                   [--kind slot|record|broadcast] [--policy block|overwrite]\n"
	"                   [--slot-size N --slot-count N | --buffer-size N] [--stats]\n"
	"    shmchan-bridge --help\n"
	"\n"
	"DESCRIPTION\n"
	"    export opens CHANNEL as its reader (slot and record channels) or as a\n"
	"    subscriber (broadcast channels) and publishes every message as one\n"
	"    sample of the DDS topic TOPIC (type shmchan::Msg: a random source id\n"
	"    per export process, a sequence number from 0, the export's\n"
	"    CLOCK_REALTIME, flags, the payload). It starts publishing once a DDS\n"
	"    reader of TOPIC is matched. When the channel ends (drained, and no\n"
	"    writer attached), it publishes one sample flagged end of stream, waits\n"
	"    up to 10 s for it to be acknowledged and exits.\n"
	"\n"
	"    import takes the samples of TOPIC and writes each payload into CHANNEL,\n"
	"    as one more writer of it. With a geometry the channel is created if it\n"
	"    does not exist, joined if it exists with that geometry, and replaced if\n"
	"    a dead run left it; without one it must exist (waited for as by\n"
	"    export). A full ring makes import wait, and reliable DDS passes the\n"
	"    wait back to the export. Sequence numbers are checked per source:\n"
	"    gaps (lost), numbers seen before (duplicates, not written) and late\n"
	"    ones (reordered). At the first end-of-stream sample import closes the\n"
	"    channel, which its readers see as the end of the stream, and exits.\n"
	"\n"
	"    QoS: slot, record and broadcast BLOCK channels are lossless:\n"
	"    RELIABLE, KEEP_ALL, resource limits of the channel's slot count (a\n"
	"    record channel: one sample per 4 KiB of buffer, 16 to 1024).\n"
	"    Broadcast OVERWRITE channels: BEST_EFFORT, KEEP_LAST of the slot\n"
	"    count. Both sides must be of the same class to match.\n"
	"\n"
	"OPTIONS\n"
	"    --topic TOPIC       The DDS topic (required).\n"
	"    --domain ID         The DDS domain id, 0 to 232 (default: the one of\n"
	"                        the configuration, else 0).\n"
	"    --wait-created SEC  How long to wait for CHANNEL to exist (default 5).\n"
	"    --kind KIND         import: slot (default with --slot-size), record\n"
	"                        (default with --buffer-size) or broadcast.\n"
	"    --policy POLICY     import, broadcast: block (default) or overwrite.\n"
	"    --slot-size N       import: bytes per slot, with --slot-count.\n"
	"    --slot-count N      import: slots, a power of two.\n"
	"    --buffer-size N     import: record channels: the buffer's bytes, a\n"
	"                        power of two.\n"
	"    --stats             At exit, print the counters on stderr: samples in\n"
	"                        and out, messages, bytes, lost, duplicates,\n"
	"                        reordered, too large (payloads above the channel's\n"
	"                        largest message: counted, not written), invalid,\n"
	"                        messages the channel lost (broadcast OVERWRITE),\n"
	"                        corrupt slots dropped, and the rate.\n"
	"    -h, --help          Print this text.\n"
	"\n"
	"EXIT STATUS\n"
	"    0  the end of the stream was carried.\n"
	"    1  an error (the channel missing, a geometry mismatch, a DDS failure),\n"
	"       reported on stderr.\n"
	"    2  usage error.\n"
	"    3  stopped by SIGINT or SIGTERM before the end of the stream.\n"
	"\n"
	"ENVIRONMENT\n"
	"    CYCLONEDDS_URI  Cyclone DDS's configuration (a file:// URI or the XML\n"
	"                    itself): network interfaces, multicast, peers, the\n"
	"                    domain. docs/bridge.md has a loopback-only one.\n"
	"\n"
	"EXAMPLES\n"
	"    shmchan-bridge export video_ch0 --topic video --stats\n"
	"    shmchan-bridge import video_rx --topic video --slot-size 81920 --slot-count 16\n"
	"\n"
	"SEE ALSO\n"
	"    shmchan(1), shmchan(7), ddsperf(1)\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int bad_usage(const char *what)
{
	fprintf(stderr, "shmchan-bridge: %s; 'shmchan-bridge --help' shows the usage\n", what);
	return EXIT_USAGE;
}

/* A whole number from the command line, in [lo, hi]. */
static int number(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

enum { O_TOPIC = 1, O_DOMAIN, O_WAIT, O_KIND, O_POLICY, O_SSIZE, O_SCOUNT, O_BSIZE, O_STATS };

static const struct option longopts[] = {
	{ "topic", required_argument, NULL, O_TOPIC },
	{ "domain", required_argument, NULL, O_DOMAIN },
	{ "wait-created", required_argument, NULL, O_WAIT },
	{ "kind", required_argument, NULL, O_KIND },
	{ "policy", required_argument, NULL, O_POLICY },
	{ "slot-size", required_argument, NULL, O_SSIZE },
	{ "slot-count", required_argument, NULL, O_SCOUNT },
	{ "buffer-size", required_argument, NULL, O_BSIZE },
	{ "stats", no_argument, NULL, O_STATS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct cmdline {
	struct bridge_opts o;
	int import, stats;
	const char *kind, *policy;
};

static int parse_option(struct cmdline *c, int opt, const char *arg)
{
	struct shmchan_config *g = &c->o.create;
	unsigned long v;

	switch (opt) {
	case O_TOPIC:
		c->o.topic = arg;
		return 0;
	case O_DOMAIN:
		if (number(arg, 0, 232, &v))
			return bad_usage("--domain wants an id from 0 to 232");
		c->o.domain = (int)v;
		return 0;
	case O_WAIT:
		if (number(arg, 0, 86400, &v))
			return bad_usage("--wait-created wants whole seconds, 0 to 86400");
		c->o.wait_created_ms = (int)v * 1000;
		return 0;
	case O_KIND:
		c->kind = arg;
		return 0;
	case O_POLICY:
		c->policy = arg;
		return 0;
	case O_STATS:
		c->stats = 1;
		return 0;
	}
	if (number(arg, 1, UINT32_MAX, &v))
		return bad_usage("a size or count wants a whole number, 1 or more");
	if (opt == O_SSIZE)
		g->slot_size = (uint32_t)v;
	else if (opt == O_SCOUNT)
		g->slot_count = (uint32_t)v;
	else
		g->buffer_size = (uint32_t)v;
	return 0;
}

/* The import's --kind, --policy and geometry as a config to create with. */
static int geometry(struct cmdline *c)
{
	struct shmchan_config *g = &c->o.create;
	char why[160];

	if (!g->slot_size && !g->slot_count && !g->buffer_size) {
		if (c->kind || c->policy)
			return bad_usage("--kind and --policy go with a geometry");
		return 0;
	}
	if (!c->kind)
		g->kind = g->buffer_size ? SHMCHAN_KIND_RECORD : SHMCHAN_KIND_SLOT;
	else if (!strcmp(c->kind, "slot"))
		g->kind = SHMCHAN_KIND_SLOT;
	else if (!strcmp(c->kind, "record"))
		g->kind = SHMCHAN_KIND_RECORD;
	else if (!strcmp(c->kind, "broadcast"))
		g->kind = SHMCHAN_KIND_BROADCAST;
	else
		return bad_usage("--kind wants slot, record or broadcast");
	if (c->policy && g->kind != SHMCHAN_KIND_BROADCAST)
		return bad_usage("--policy is for broadcast channels");
	if (c->policy && strcmp(c->policy, "block") && strcmp(c->policy, "overwrite"))
		return bad_usage("--policy wants block or overwrite");
	if (c->policy)
		g->policy = strcmp(c->policy, "block") ? SHMCHAN_POLICY_OVERWRITE
						       : SHMCHAN_POLICY_BLOCK;
	if (shmchan_config_check(g, SHMCHAN_CHECK_CREATE, why, sizeof(why))) {
		fprintf(stderr, "shmchan-bridge: geometry: %s\n", why);
		return EXIT_USAGE;
	}
	return 0;
}

static int parse(struct cmdline *c, int argc, char **argv)
{
	int opt, r;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		}
		if (opt == '?')
			return EXIT_USAGE;
		if ((r = parse_option(c, opt, optarg)) != 0)
			return r;
	}
	if (argc - optind != 2)
		return bad_usage("export or import, then one CHANNEL");
	if (!strcmp(argv[optind], "import"))
		c->import = 1;
	else if (strcmp(argv[optind], "export"))
		return bad_usage("no such command");
	c->o.channel = argv[optind + 1];
	if (!c->o.topic)
		return bad_usage("--topic is required");
	if (!c->import && (c->kind || c->policy || c->o.create.slot_size ||
			   c->o.create.slot_count || c->o.create.buffer_size))
		return bad_usage("export takes the channel as it is: no geometry");
	return c->import ? geometry(c) : 0;
}

int main(int argc, char **argv)
{
	struct cmdline c = { .o = { .domain = -1, .wait_created_ms = 5000, .stop = &stop_flag } };
	struct sigaction sa = { .sa_handler = on_signal };
	struct bridge_result *res;
	const char *role;
	int r;

	if ((r = parse(&c, argc, argv)) != 0)
		return r;
	role = c.import ? "import" : "export";
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	res = malloc(sizeof(*res));
	if (!res) {
		fprintf(stderr, "shmchan-bridge: %s\n", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	r = c.import ? bridge_import(&c.o, res) : bridge_export(&c.o, res);
	if (r && r != -EINTR)
		fprintf(stderr, "shmchan-bridge %s: %s\n", role, res->why);
	if (res->st.too_large)
		fprintf(stderr,
			"shmchan-bridge %s: %llu payloads above the channel's largest "
			"message were not written (%s)\n",
			role, (unsigned long long)res->st.too_large, shmchan_strerror(-EMSGSIZE));
	if (res->st.eos_unacked)
		fprintf(stderr,
			"shmchan-bridge %s: the end of stream was not acknowledged "
			"within 10 s\n",
			role);
	if (c.stats)
		bridge_print_stats(stderr, role, &res->st);
	free(res);
	return r == 0 ? EXIT_OK : r == -EINTR ? EXIT_STOPPED : EXIT_FAIL;
}
