/* SPDX-License-Identifier: MIT */
/* shmchan: list, inspect and remove shmchan channels. See usage() below. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <shmchan.h>

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

static const char *const usage_text =
	"NAME\n"
	"    shmchan - list, inspect and remove shmchan channels\n"
	"\n"
	"SYNOPSIS\n"
	"    shmchan [--dir DIR] ls [--json] [--osp-slot SIZExCOUNT | --osp-bytes]\n"
	"    shmchan [--dir DIR] stat [--json] NAME\n"
	"    shmchan stat [--json] (--osp-slot SIZExCOUNT | --osp-bytes) NAME\n"
	"    shmchan [--dir DIR] rm NAME...\n"
	"    shmchan [--dir DIR] rm --stale\n"
	"    shmchan --help | --version\n"
	"\n"
	"DESCRIPTION\n"
	"    A shmchan channel NAME is the file DIR/" SHMCHAN_PREFIX "NAME, where DIR is\n"
	"    --dir, else $" SHMCHAN_DIR_ENV ", else " SHMCHAN_SHM_DIR
	"; a NAME of the form /DIR/NAME\n"
	"    names its own directory. Its\n"
	"    header records every writer and the reader by pid and process start time,\n"
	"    so this tool can tell which of them still run, even after a kill -9.\n"
	"\n"
	"COMMANDS\n"
	"    ls      List every channel: kind, geometry (slot size x count), depth,\n"
	"            writer and reader pids each marked alive or dead, and whether the\n"
	"            channel is stale (no live peer). Files that carry the prefix but\n"
	"            are not valid channels are listed with the reason and skipped.\n"
	"            Objects of newosp's own channels (" SHMCHAN_SHM_DIR "/" SHMCHAN_OSP_PREFIX
	"NAME)\n"
	"            follow, as kind newosp with their size: their geometry is in\n"
	"            no header, so it is shown (with depth and positions) only for\n"
	"            objects that fit the geometry given by --osp-slot or --osp-bytes.\n"
	"    stat    Show one channel in full: geometry, state, depth, the counters\n"
	"            (messages written and read, full events, abandoned slots of dead\n"
	"            producers, highest depth seen) and every peer. With --osp-slot\n"
	"            or --osp-bytes, NAME is a newosp channel, checked against that\n"
	"            geometry: size, positions, depth (newosp keeps no peers).\n"
	"    rm      Remove the named channels. Processes attached to one keep using\n"
	"            it until they close; new ones no longer find it.\n"
	"            With --stale, remove every channel whose peers are all dead, and\n"
	"            the sockets of pollers that are gone (" SHMCHAN_SHM_DIR "/shmchan-poll.*,\n"
	"            left by a process that died with a pollable descriptor: one\n"
	"            that no process holds any more), and nothing else.\n"
	"\n"
	"OPTIONS\n"
	"    --dir DIR  The directory of the channels (an absolute path), as\n"
	"               " SHMCHAN_DIR_ENV " gives it to the library: a hugetlbfs mount, a\n"
	"               tmpfs volume shared between containers.\n"
	"    --json     Print JSON instead of a table (ls: an array; stat: an object).\n"
	"    --stale    With rm: select the stale channels.\n"
	"    --osp-slot SIZExCOUNT\n"
	"               newosp's ShmChannel<SIZE, COUNT> (slot payload bytes, slots).\n"
	"    --osp-bytes\n"
	"               newosp's ShmByteChannel (its capacity is in its header).\n"
	"    -h, --help Print this text.\n"
	"    --version  Print the library version.\n"
	"\n"
	"EXIT STATUS\n"
	"    0  success.\n"
	"    1  a channel could not be read or removed (each is reported on stderr;\n"
	"       ls still lists the others and exits 1 if any entry was skipped).\n"
	"    2  usage error.\n"
	"\n"
	"EXAMPLES\n"
	"    shmchan ls\n"
	"    shmchan stat video_ch0\n"
	"    shmchan rm --stale\n"
	"    shmchan stat --osp-slot 81920x16 video_ch0\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

/* What to do about an error, in a few words. */
static const char *hint(int err)
{
	switch (-err) {
	case ENOENT:
		return "no such channel; 'shmchan ls' lists them";
	case EACCES:
	case EPERM:
		return "permission denied; run as the channel's owner (or root)";
	case EAGAIN:
		return "still being created, or its creator died early; retry, or remove it "
		       "with 'shmchan rm NAME'";
	case EINVAL:
		return "not a valid channel name (letters, digits, '.', '_', '-')";
	case EPROTO:
	case EPROTONOSUPPORT:
	case EOVERFLOW:
	case EBADMSG:
		return "not a usable shmchan channel; remove it with 'shmchan rm NAME' if it is "
		       "yours";
	default:
		return "see the error above";
	}
}

/* Room for a name from the directory (up to 255 bytes), each byte escaped. */
#define SHOWN_MAX (255 * 4 + 1)

/*
 * @name as it may be shown on a terminal: a file under the prefix may be
 * named by anyone, with escape sequences in it, so every byte outside
 * printable ASCII (and the backslash) is written \xHH. Returns @out.
 */
static const char *shown(const char *name, char out[SHOWN_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; name[i] && o + 5 <= SHOWN_MAX; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = '\0';
	return out;
}

static void report(const char *what, const char *name, int err)
{
	char buf[SHOWN_MAX];

	fprintf(stderr, "shmchan: %s %s: %s (%s)\n", what, shown(name, buf), shmchan_strerror(err),
		hint(err));
}

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case SHMCHAN_KIND_SLOT:
		return "slot";
	case 2:
		return "record";
	case 3:
		return "broadcast";
	case 4:
		return "workqueue";
	default:
		return "unknown";
	}
}

static const char *state_name(uint32_t state)
{
	return state == SHMCHAN_STATE_REPLACED ? "replaced" : "open";
}

/* Print @s as a JSON string (names may be foreign files: escape). */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_peer(const struct shmchan_peer_info *p)
{
	printf("{\"pid\": %d, \"alive\": %s, \"messages\": %llu, \"events\": %llu}", p->pid,
	       p->alive ? "true" : "false", (unsigned long long)p->messages,
	       (unsigned long long)p->events);
}

static void json_info(const char *name, const struct shmchan_info *in)
{
	uint32_t i;

	printf("{\"name\": ");
	json_str(name);
	printf(", \"kind\": \"%s\", \"slot_size\": %u, \"slot_count\": %u, \"size\": %llu, "
	       "\"state\": \"%s\", \"depth\": %u, \"stale\": %s, \"written\": %llu, "
	       "\"read\": %llu, \"full_events\": %llu, \"abandoned\": %llu, \"max_depth\": %llu, "
	       "\"reader\": ",
	       kind_name(in->kind), in->slot_size, in->slot_count, (unsigned long long)in->size,
	       state_name(in->state), in->depth, in->stale ? "true" : "false",
	       (unsigned long long)in->written, (unsigned long long)in->read,
	       (unsigned long long)in->full_events, (unsigned long long)in->abandoned,
	       (unsigned long long)in->max_depth);
	if (in->reader.pid)
		json_peer(&in->reader);
	else
		printf("null");
	printf(", \"writers\": [");
	for (i = 0; i < in->nwriters; i++) {
		if (i)
			printf(", ");
		json_peer(&in->writers[i]);
	}
	printf("]");
	if (in->kind == SHMCHAN_KIND_BROADCAST || in->kind == SHMCHAN_KIND_WORKQUEUE) {
		printf(", \"policy\": \"%s\", \"lost\": %llu, \"subscribers\": [",
		       in->policy == SHMCHAN_POLICY_OVERWRITE ? "overwrite"
		       : in->policy == SHMCHAN_POLICY_BLOCK   ? "block"
							      : "none",
		       (unsigned long long)in->lost);
		for (i = 0; i < in->nsubscribers; i++) {
			printf("%s{\"pid\": %d, \"alive\": %s, \"messages\": %llu, "
			       "\"events\": %llu, \"cursor\": %llu, \"lost\": %llu}",
			       i ? ", " : "", in->subscribers[i].pid,
			       in->subscribers[i].alive ? "true" : "false",
			       (unsigned long long)in->subscribers[i].messages,
			       (unsigned long long)in->subscribers[i].events,
			       (unsigned long long)in->subscribers[i].cursor,
			       (unsigned long long)in->subscribers[i].lost);
		}
		printf("]");
	}
	printf("}");
}

/* "123 456(dead)": pids, each dead one marked. */
static void text_peers(char *out, size_t cap, const struct shmchan_peer_info *p, uint32_t n)
{
	size_t used = 0;
	uint32_t i;

	out[0] = '\0';
	for (i = 0; i < n && used < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s%d%s", i ? "," : "", p[i].pid,
					 p[i].alive ? "" : "(dead)");
	if (n == 0)
		snprintf(out, cap, "-");
}

/* The directory of bare names: $SHMCHAN_DIR (which --dir sets), or the
 * default. */
static const char *chan_dir(void)
{
	const char *d = getenv(SHMCHAN_DIR_ENV);

	return d && d[0] ? d : SHMCHAN_SHM_DIR;
}

/* Calls @fn for each object in the channels' directory that has our prefix. */
static int for_each(int (*fn)(const char *name, void *ctx), void *ctx)
{
	DIR *d = opendir(chan_dir());
	struct dirent *e;
	size_t plen = strlen(SHMCHAN_PREFIX);
	int rc = EXIT_OK;

	if (!d) {
		char esc[SHOWN_MAX];

		fprintf(stderr, "shmchan: cannot list %s: %s (is it mounted?)\n",
			shown(chan_dir(), esc), strerror(errno));
		return EXIT_FAIL;
	}
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, SHMCHAN_PREFIX, plen) == 0 && e->d_name[plen])
			if (fn(e->d_name + plen, ctx) != EXIT_OK)
				rc = EXIT_FAIL;
	closedir(d);
	return rc;
}

struct ls_ctx {
	int json, count;
};

static int ls_one(const char *name, void *p)
{
	struct ls_ctx *c = p;
	struct shmchan_info in = SHMCHAN_INFO_INIT;
	char writers[SHMCHAN_MAX_WRITERS * 20], reader[SHMCHAN_MAX_SUBSCRIBERS * 20];
	char esc[SHOWN_MAX];
	int err = shmchan_inspect(name, &in);

	if (err) {
		report("skipping", name, err);
		return EXIT_FAIL;
	}
	if (c->json) {
		printf("%s\n  ", c->count ? "," : "");
		json_info(name, &in);
	} else {
		text_peers(writers, sizeof(writers), in.writers, in.nwriters);
		if (in.nsubscribers)
			text_peers(reader, sizeof(reader), in.subscribers, in.nsubscribers);
		else
			text_peers(reader, sizeof(reader), &in.reader, in.reader.pid ? 1 : 0);
		printf("%-24s %-9s %8ux%-6u %6u  %-8s %-14s %s%s\n", shown(name, esc),
		       kind_name(in.kind), in.slot_size, in.slot_count, in.depth,
		       in.stale ? "stale" : "-", reader, writers,
		       in.state == SHMCHAN_STATE_REPLACED ? " (replaced)" : "");
	}
	c->count++;
	return EXIT_OK;
}

/* The newosp geometry given on the command line (format 0: none). */
static struct shmchan_osp_config osp_geom;

static const char *osp_format_name(uint32_t f)
{
	return f == SHMCHAN_OSP_SLOT ? "slot" : "bytes";
}

/* One newosp object: its size, and with a geometry what it holds. */
static int osp_ls_one(const char *name, struct ls_ctx *c)
{
	char path[SHOWN_MAX + 64], esc[SHOWN_MAX], geom[48];
	struct shmchan_osp_info oi;
	struct stat st;
	int err = 0;

	snprintf(path, sizeof(path), SHMCHAN_SHM_DIR "/" SHMCHAN_OSP_PREFIX "%s", name);
	if (stat(path, &st) != 0)
		return EXIT_OK; /* gone meanwhile */
	if (osp_geom.format)
		err = shmchan_osp_inspect(name, &osp_geom, &oi);
	if (osp_geom.format == SHMCHAN_OSP_SLOT)
		snprintf(geom, sizeof(geom), "%ux%u", osp_geom.slot_size, osp_geom.slot_count);
	else if (osp_geom.format == SHMCHAN_OSP_BYTES && !err)
		snprintf(geom, sizeof(geom), "bytes %u", oi.capacity);
	else
		snprintf(geom, sizeof(geom), "?");
	if (c->json) {
		printf("%s\n  {\"name\": ", c->count ? "," : "");
		json_str(name);
		printf(", \"kind\": \"newosp\", \"size\": %lld", (long long)st.st_size);
		if (osp_geom.format && !err)
			printf(", \"format\": \"%s\", \"capacity\": %u, \"depth\": %u, "
			       "\"write_pos\": %u, \"read_pos\": %u",
			       osp_format_name(osp_geom.format), oi.capacity, oi.depth,
			       oi.write_pos, oi.read_pos);
		else if (osp_geom.format)
			printf(", \"error\": \"%s\"", shmchan_strerror(err));
		printf("}");
	} else if (!osp_geom.format || !err) {
		char depth[16] = "?";

		if (osp_geom.format)
			snprintf(depth, sizeof(depth), "%u", oi.depth);
		printf("%-24s %-9s %15s %6s  %-8s %-14s %s (%lld bytes)\n", shown(name, esc),
		       "newosp", geom, depth, "?", "?", "?", (long long)st.st_size);
	} else {
		printf("%-24s %-9s %15s %6s  %-8s %-14s not this geometry: %s (%lld bytes)\n",
		       shown(name, esc), "newosp", geom, "?", "?", "?", shmchan_strerror(err),
		       (long long)st.st_size);
	}
	c->count++;
	return EXIT_OK;
}

/* newosp's objects: shm_open names, in /dev/shm only. */
static void osp_ls(struct ls_ctx *c)
{
	size_t plen = strlen(SHMCHAN_OSP_PREFIX);
	struct dirent *e;
	DIR *d;

	if (strcmp(chan_dir(), SHMCHAN_SHM_DIR) != 0 || !(d = opendir(SHMCHAN_SHM_DIR)))
		return;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, SHMCHAN_OSP_PREFIX, plen) == 0 && e->d_name[plen] &&
		    shmchan_name_check(e->d_name + plen) == 0)
			osp_ls_one(e->d_name + plen, c);
	closedir(d);
}

static int cmd_ls(int json)
{
	struct ls_ctx c = { json, 0 };
	int rc;

	if (json)
		printf("[");
	else
		printf("%-24s %-9s %15s %6s  %-8s %-14s %s\n", "NAME", "KIND", "SLOTxCOUNT",
		       "DEPTH", "STALE", "READER", "WRITERS");
	rc = for_each(ls_one, &c);
	osp_ls(&c);
	if (json)
		printf("%s]\n", c.count ? "\n" : "");
	return rc;
}

/* The pages behind the channel's file, as this process maps it (what a
 * peer's own mapping got, huge pages by THP included, is
 * shmchan_channel_memory's to tell). Silent where the tool cannot map it. */
static void text_memory(const char *name)
{
	struct shmchan_segment seg;
	struct shmchan_memory m;

	if (shmchan_segment_open(&seg, name) != 0)
		return;
	if (shmchan_segment_memory(&seg, &m) == 0)
		printf("memory      pages of %llu kB%s%s\n", (unsigned long long)m.page_size / 1024,
		       m.hugetlb ? " (hugetlbfs)" : "",
		       (m.seals & F_SEAL_SHRINK) ? ", sealed" : "");
	shmchan_segment_close(&seg);
}

static void text_stat(const char *name, const struct shmchan_info *in)
{
	char esc[SHOWN_MAX];
	uint32_t i;

	shown(name, esc);
	if (name[0] == '/')
		printf("channel     %s\n", esc);
	else {
		char dir[SHOWN_MAX];

		printf("channel     %s (%s/%s%s)\n", esc, shown(chan_dir(), dir), SHMCHAN_PREFIX,
		       esc);
	}
	printf("kind        %s\n", kind_name(in->kind));
	printf("geometry    %u slots of %u bytes, %llu bytes in all\n", in->slot_count,
	       in->slot_size, (unsigned long long)in->size);
	text_memory(name);
	printf("state       %s%s\n", state_name(in->state),
	       in->stale ? ", stale (no live peer)" : "");
	printf("depth       %u of %u (highest seen %llu)\n", in->depth, in->slot_count,
	       (unsigned long long)in->max_depth);
	printf("written     %llu\nread        %llu\nfull events %llu\nabandoned   %llu\n",
	       (unsigned long long)in->written, (unsigned long long)in->read,
	       (unsigned long long)in->full_events, (unsigned long long)in->abandoned);
	if (in->kind == SHMCHAN_KIND_BROADCAST)
		printf("policy      %s, %llu positions written, %llu messages lost by "
		       "subscribers\n",
		       in->policy == SHMCHAN_POLICY_OVERWRITE ? "overwrite" : "block",
		       (unsigned long long)in->tail, (unsigned long long)in->lost);
	for (i = 0; i < in->nsubscribers; i++)
		printf("%s pid %d, %s, %llu read, %llu %s, at %llu, %llu lost\n",
		       in->kind == SHMCHAN_KIND_BROADCAST ? "subscriber " : "reader     ",
		       in->subscribers[i].pid, in->subscribers[i].alive ? "alive" : "dead",
		       (unsigned long long)in->subscribers[i].messages,
		       (unsigned long long)in->subscribers[i].events,
		       in->kind == SHMCHAN_KIND_BROADCAST ? "abandoned skipped" : "redelivered",
		       (unsigned long long)in->subscribers[i].cursor,
		       (unsigned long long)in->subscribers[i].lost);
	if (in->reader.pid)
		printf("reader      pid %d, %s, %llu read, %llu abandoned slots skipped\n",
		       in->reader.pid, in->reader.alive ? "alive" : "dead",
		       (unsigned long long)in->reader.messages,
		       (unsigned long long)in->reader.events);
	else if (in->nsubscribers == 0)
		printf("reader      none\n");
	for (i = 0; i < in->nwriters; i++)
		printf("writer      pid %d, %s, %llu written, %llu full events\n",
		       in->writers[i].pid, in->writers[i].alive ? "alive" : "dead",
		       (unsigned long long)in->writers[i].messages,
		       (unsigned long long)in->writers[i].events);
	if (in->nwriters == 0)
		printf("writers     none\n");
}

static int cmd_osp_stat(const char *name, int json)
{
	struct shmchan_osp_info oi;
	char esc[SHOWN_MAX];
	int err = shmchan_osp_inspect(name, &osp_geom, &oi);

	if (err) {
		fprintf(stderr, "shmchan: stat %s: %s (%s)\n", shown(name, esc),
			shmchan_strerror(err),
			err == -ENOENT ? "no such newosp channel; 'shmchan ls' lists them"
				       : "not a newosp channel of this geometry");
		return EXIT_FAIL;
	}
	if (json) {
		printf("{\"name\": ");
		json_str(name);
		printf(", \"kind\": \"newosp\", \"format\": \"%s\", \"size\": %llu, "
		       "\"slot_size\": %u, \"capacity\": %u, \"depth\": %u, \"write_pos\": %u, "
		       "\"read_pos\": %u}\n",
		       osp_format_name(oi.format), (unsigned long long)oi.size, osp_geom.slot_size,
		       oi.capacity, oi.depth, oi.write_pos, oi.read_pos);
		return EXIT_OK;
	}
	shown(name, esc);
	printf("channel     %s (" SHMCHAN_SHM_DIR "/" SHMCHAN_OSP_PREFIX "%s)\n", esc, esc);
	if (oi.format == SHMCHAN_OSP_SLOT) {
		printf("kind        newosp ShmChannel<%u, %u>\n", osp_geom.slot_size, oi.capacity);
		printf("geometry    %u slots of %u bytes, %llu bytes in all\n", oi.capacity,
		       osp_geom.slot_size, (unsigned long long)oi.size);
		printf("positions   producer %u, consumer %u\n", oi.write_pos, oi.read_pos);
		printf("depth       %u of %u\n", oi.depth, oi.capacity);
	} else {
		printf("kind        newosp ShmByteChannel\n");
		printf("geometry    a ring of %u bytes, %llu bytes in all\n", oi.capacity,
		       (unsigned long long)oi.size);
		printf("positions   head %u, tail %u\n", oi.write_pos, oi.read_pos);
		printf("depth       %u bytes of %u\n", oi.depth, oi.capacity);
	}
	printf("peers       not recorded (newosp's format keeps no registry)\n");
	return EXIT_OK;
}

static int cmd_stat(const char *name, int json)
{
	struct shmchan_info in = SHMCHAN_INFO_INIT;
	int err = shmchan_inspect(name, &in);

	if (err) {
		report("stat", name, err);
		return EXIT_FAIL;
	}
	if (json) {
		json_info(name, &in);
		printf("\n");
	} else {
		text_stat(name, &in);
	}
	return EXIT_OK;
}

/* rm --stale: remove the sockets of pollers that are gone (nobody holds
 * the socket: a connect is refused). Sockets of live pollers, and files of
 * that prefix that are not sockets, are left alone. */
#define POLL_PREFIX "shmchan-poll."
static int rm_orphan_sockets(void)
{
	DIR *d = opendir(SHMCHAN_SHM_DIR);
	struct dirent *e;
	int probe, rc = EXIT_OK;

	if (!d)
		return EXIT_OK; /* no directory: nothing to remove */
	probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	while (probe >= 0 && (e = readdir(d)) != NULL) {
		struct sockaddr_un a;
		struct stat st;
		char esc[SHOWN_MAX];

		if (strncmp(e->d_name, POLL_PREFIX, strlen(POLL_PREFIX)) != 0)
			continue;
		memset(&a, 0, sizeof(a));
		a.sun_family = AF_UNIX;
		if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", SHMCHAN_SHM_DIR,
				     e->d_name) >= sizeof(a.sun_path))
			continue;
		if (lstat(a.sun_path, &st) != 0 || !S_ISSOCK(st.st_mode))
			continue;
		if (connect(probe, (const struct sockaddr *)&a, sizeof(a)) == 0 ||
		    errno != ECONNREFUSED)
			continue; /* held, or not ours to judge */
		if (unlink(a.sun_path) != 0) {
			report("rm", e->d_name, -errno);
			rc = EXIT_FAIL;
			continue;
		}
		printf("removed poller socket %s\n", shown(e->d_name, esc));
	}
	if (probe >= 0)
		close(probe);
	closedir(d);
	return rc;
}

static int rm_one(const char *name)
{
	int err = shmchan_channel_unlink(name);

	if (err) {
		report("rm", name, err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int rm_stale_one(const char *name, void *ctx)
{
	char esc[SHOWN_MAX];
	struct shmchan_info in = SHMCHAN_INFO_INIT;
	int err = shmchan_inspect(name, &in);

	(void)ctx;
	if (err) {
		report("skipping", name, err);
		return EXIT_OK; /* not judged: only valid stale channels are removed */
	}
	if (!in.stale)
		return EXIT_OK;
	if (rm_one(name) != EXIT_OK)
		return EXIT_FAIL;
	printf("removed %s\n", shown(name, esc));
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	int json = 0, stale = 0, i, n = 0, rc = EXIT_OK;
	const char *cmd, *args[64];

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
	cmd = argc > 1 ? argv[1] : NULL;
	if (!cmd) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "--version")) {
		printf("shmchan %s\n", shmchan_version());
		return EXIT_OK;
	}
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--stale"))
			stale = 1;
		else if (!strcmp(argv[i], "--osp-bytes") && !osp_geom.format)
			osp_geom.format = SHMCHAN_OSP_BYTES;
		else if (!strcmp(argv[i], "--osp-slot") && !osp_geom.format && i + 1 < argc) {
			char *end;
			unsigned long s = strtoul(argv[++i], &end, 10), k;

			if (*end != 'x' || !s || s > UINT32_MAX)
				goto bad;
			k = strtoul(end + 1, &end, 10);
			if (*end || !k || k > UINT32_MAX)
				goto bad;
			osp_geom.format = SHMCHAN_OSP_SLOT;
			osp_geom.slot_size = (uint32_t)s;
			osp_geom.slot_count = (uint32_t)k;
		} else if (argv[i][0] == '-' || n == 64)
			goto bad;
		else
			args[n++] = argv[i];
	}
	if (!strcmp(cmd, "ls") && n == 0 && !stale)
		return cmd_ls(json);
	if (!strcmp(cmd, "stat") && n == 1 && !stale)
		return osp_geom.format ? cmd_osp_stat(args[0], json) : cmd_stat(args[0], json);
	if (osp_geom.format && strcmp(cmd, "ls") && strcmp(cmd, "stat"))
		goto bad;
	if (!strcmp(cmd, "rm") && !json && stale && n == 0) {
		int a = for_each(rm_stale_one, NULL), b = rm_orphan_sockets();

		return a != EXIT_OK ? a : b;
	}
	if (!strcmp(cmd, "rm") && !json && !stale && n > 0) {
		for (i = 0; i < n; i++)
			if (rm_one(args[i]) != EXIT_OK)
				rc = EXIT_FAIL;
		return rc;
	}
bad:
	fprintf(stderr, "shmchan: bad usage; 'shmchan --help' shows the commands\n");
	return EXIT_USAGE;
}
