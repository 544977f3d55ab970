/* SPDX-License-Identifier: MIT */
/* shmchan ls and shmchan stat (tool.h): channels, segments, newosp's
 * objects, and what could not be read, as text or JSON (docs/tool.md). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "tool.h"

static int is_record(const struct shmchan_info *in)
{
	return in->kind == SHMCHAN_KIND_RECORD;
}

static int has_subscribers(const struct shmchan_info *in)
{
	return in->kind == SHMCHAN_KIND_BROADCAST || in->kind == SHMCHAN_KIND_WORKQUEUE;
}

static void json_peer(const struct shmchan_peer_info *p)
{
	printf("{\"pid\": %d, \"alive\": %s, \"messages\": %llu, \"events\": %llu}", p->pid,
	       p->alive ? "true" : "false", (unsigned long long)p->messages,
	       (unsigned long long)p->events);
}

/* One channel as a JSON object (docs/tool.md, schema TOOL_SCHEMA). */
static void json_info(const char *name, const struct shmchan_info *in, int schema)
{
	uint32_t i;

	if (schema)
		printf("{\"schema\": %d, \"name\": ", TOOL_SCHEMA);
	else
		printf("{\"name\": ");
	json_str(name);
	printf(", \"type\": \"channel\", \"kind\": \"%s\", ", kind_name(in->kind));
	if (is_record(in))
		printf("\"buffer_size\": %u, \"max_record_size\": %u, ", in->slot_count,
		       in->slot_size);
	else
		printf("\"slot_size\": %u, \"slot_count\": %u, ", in->slot_size, in->slot_count);
	printf("\"capacity\": %u, \"size\": %llu, \"state\": \"%s\", \"depth\": %u, "
	       "\"depth_bytes\": %llu, \"stale\": %s, \"written\": %llu, \"read\": %llu, "
	       "\"full_events\": %llu, \"abandoned\": %llu, ",
	       in->slot_count, (unsigned long long)in->size,
	       in->state == SHMCHAN_STATE_REPLACED ? "replaced" : "open", in->depth,
	       (unsigned long long)in->depth_bytes, in->stale ? "true" : "false",
	       (unsigned long long)in->written, (unsigned long long)in->read,
	       (unsigned long long)in->full_events, (unsigned long long)in->abandoned);
	/* Broadcast readers sample no highest depth: null, not 0. */
	if (in->kind == SHMCHAN_KIND_BROADCAST)
		printf("\"max_depth\": null, \"reader\": ");
	else
		printf("\"max_depth\": %llu, \"reader\": ", (unsigned long long)in->max_depth);
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
	if (has_subscribers(in)) {
		printf(", \"tail\": %llu, \"policy\": \"%s\", \"lost\": %llu, \"subscribers\": [",
		       (unsigned long long)in->tail, policy_name(in->policy),
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

void text_peers(char *out, size_t cap, const struct shmchan_peer_info *p, uint32_t n)
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

/* What ls prints, in JSON: one array per type, filled in one pass; text
 * goes out as it comes. */
struct ls_ctx {
	const struct opts *o;
	int nchan, nseg, nskip, nosp;
	FILE *seg, *skip; /* JSON: the segments and skipped arrays, kept aside */
};

static const char *const ls_format = "%-24s %-9s %15s %6s %10s  %-5s %-14s %s\n";

static int ls_one(const struct entry *e, void *p)
{
	struct ls_ctx *c = p;
	const struct shmchan_info *in = e->info;
	char writers[SHMCHAN_MAX_WRITERS * 20], reader[SHMCHAN_MAX_SUBSCRIBERS * 20];
	char esc[SHOWN_MAX], geom[32], depth[16], bytes[24];

	if (e->type == ENTRY_SKIPPED) {
		fprintf(stderr, "shmchan: skipping %s: %s (%s)\n", shown(e->name, esc), e->why,
			e->size == 0 ? "remove it with 'shmchan rm --force NAME' if it is yours"
				     : hint(e->err));
		if (c->o->json) {
			FILE *f = c->skip;

			fprintf(f, "%s\n    {\"name\": ", c->nskip ? "," : "");
			json_fstr(f, e->name);
			fprintf(f, ", \"error\": ");
			json_fstr(f, e->why);
			fprintf(f, ", \"errno\": %d, \"size\": %lld}", -e->err, e->size);
		}
		c->nskip++;
		return EXIT_FAIL;
	}
	if (e->type == ENTRY_SEGMENT) {
		if (c->o->json) {
			fprintf(c->seg, "%s\n    {\"name\": ", c->nseg ? "," : "");
			json_fstr(c->seg, e->name);
			fprintf(c->seg, ", \"type\": \"segment\", \"size\": %lld}", e->size);
		} else
			printf("%-24s %-9s %15s %6s %10s  %-5s %-14s (%lld bytes, no channel "
			       "header)\n",
			       shown(e->name, esc), "segment", "-", "-", "-", "-", "-", e->size);
		c->nseg++;
		return EXIT_OK;
	}
	if (c->o->json) {
		printf("%s\n    ", c->nchan ? "," : "");
		json_info(e->name, in, 0);
		c->nchan++;
		return EXIT_OK;
	}
	text_peers(writers, sizeof(writers), in->writers, in->nwriters);
	if (in->nsubscribers)
		text_peers(reader, sizeof(reader), in->subscribers, in->nsubscribers);
	else
		text_peers(reader, sizeof(reader), &in->reader, in->reader.pid ? 1 : 0);
	if (is_record(in))
		snprintf(geom, sizeof(geom), "%uB", in->slot_count);
	else
		snprintf(geom, sizeof(geom), "%ux%u", in->slot_size, in->slot_count);
	snprintf(depth, sizeof(depth), "%u", in->depth);
	snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)in->depth_bytes);
	printf("%-24s %-9s %15s %6s %10s  %-5s %-14s %s%s\n", shown(e->name, esc),
	       kind_name(in->kind), geom, depth, bytes, in->stale ? "stale" : "-", reader, writers,
	       in->state == SHMCHAN_STATE_REPLACED ? " (replaced)" : "");
	c->nchan++;
	return EXIT_OK;
}

static const char *osp_format_name(uint32_t f)
{
	return f == SHMCHAN_OSP_SLOT ? "slot" : "bytes";
}

/* One newosp object: its size, and with a geometry what it holds. */
static void osp_ls_one(const char *name, struct ls_ctx *c)
{
	const struct shmchan_osp_config *g = &c->o->osp;
	char path[SHOWN_MAX + 64], esc[SHOWN_MAX], geom[48];
	struct shmchan_osp_info oi;
	struct stat st;
	int err = 0;

	snprintf(path, sizeof(path), SHMCHAN_SHM_DIR "/" SHMCHAN_OSP_PREFIX "%s", name);
	if (stat(path, &st) != 0)
		return; /* gone meanwhile */
	if (g->format)
		err = shmchan_osp_inspect(name, g, &oi);
	if (g->format == SHMCHAN_OSP_SLOT)
		snprintf(geom, sizeof(geom), "%ux%u", g->slot_size, g->slot_count);
	else if (g->format == SHMCHAN_OSP_BYTES && !err)
		snprintf(geom, sizeof(geom), "%uB", oi.capacity);
	else
		snprintf(geom, sizeof(geom), "?");
	if (c->o->json) {
		printf("%s\n    {\"name\": ", c->nosp ? "," : "");
		json_str(name);
		printf(", \"type\": \"newosp\", \"size\": %lld", (long long)st.st_size);
		if (g->format && !err)
			printf(", \"format\": \"%s\", \"capacity\": %u, \"depth\": %u, "
			       "\"write_pos\": %u, \"read_pos\": %u",
			       osp_format_name(g->format), oi.capacity, oi.depth, oi.write_pos,
			       oi.read_pos);
		else if (g->format)
			printf(", \"error\": \"%s\"", shmchan_strerror(err));
		printf("}");
	} else if (!g->format || !err) {
		char depth[16] = "?";

		if (g->format)
			snprintf(depth, sizeof(depth), "%u", oi.depth);
		printf("%-24s %-9s %15s %6s %10s  %-5s %-14s %s (%lld bytes)\n", shown(name, esc),
		       "newosp", geom, depth, "?", "?", "?", "?", (long long)st.st_size);
	} else {
		printf("%-24s %-9s %15s %6s %10s  %-5s %-14s not this geometry: %s (%lld bytes)\n",
		       shown(name, esc), "newosp", geom, "?", "?", "?", "?", shmchan_strerror(err),
		       (long long)st.st_size);
	}
	c->nosp++;
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
		    shmchan_name_check(e->d_name + plen) == 0 &&
		    name_selected(c->o, e->d_name + plen))
			osp_ls_one(e->d_name + plen, c);
	closedir(d);
}

/* Copy what @f collected to stdout. */
static void drain(FILE *f)
{
	char buf[4096];
	size_t n;

	rewind(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
}

int cmd_ls(const struct opts *o)
{
	struct ls_ctx c = { o, 0, 0, 0, 0, NULL, NULL };
	int rc;

	if (o->json) {
		c.seg = tmpfile();
		c.skip = tmpfile();
		if (!c.seg || !c.skip) {
			fprintf(stderr, "shmchan: ls: no temporary file: %s\n", strerror(errno));
			return EXIT_FAIL;
		}
		printf("{\"schema\": %d, \"dir\": ", TOOL_SCHEMA);
		json_str(chan_dir());
		printf(", \"channels\": [");
	} else {
		printf(ls_format, "NAME", "KIND", "GEOMETRY", "DEPTH", "BYTES", "STALE", "READER",
		       "WRITERS");
	}
	rc = for_each(o, ls_one, &c);
	if (o->json) {
		printf("%s], \"segments\": [", c.nchan ? "\n  " : "");
		drain(c.seg);
		printf("%s], \"newosp\": [", c.nseg ? "\n  " : "");
	}
	osp_ls(&c);
	if (o->json) {
		printf("%s], \"skipped\": [", c.nosp ? "\n  " : "");
		drain(c.skip);
		printf("%s]}\n", c.nskip ? "\n  " : "");
	}
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

static void text_depth(const struct shmchan_info *in)
{
	if (is_record(in)) {
		printf("depth       %u records, %llu bytes of %u", in->depth,
		       (unsigned long long)in->depth_bytes, in->slot_count);
		printf(" (highest seen %llu records)\n", (unsigned long long)in->max_depth);
	} else if (in->kind == SHMCHAN_KIND_BROADCAST) {
		/* No highest depth is sampled on broadcast channels. */
		printf("depth       %u of %u, unread by the slowest live subscriber%s\n", in->depth,
		       in->slot_count,
		       in->policy == SHMCHAN_POLICY_OVERWRITE
			       ? " (overwrite: a full ring overwrites the oldest, no writer waits)"
			       : "");
	} else {
		printf("depth       %u of %u (highest seen %llu)\n", in->depth, in->slot_count,
		       (unsigned long long)in->max_depth);
	}
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
	if (is_record(in))
		printf("geometry    a buffer of %u bytes, records of up to %u bytes, %llu bytes "
		       "in all\n",
		       in->slot_count, in->slot_size, (unsigned long long)in->size);
	else
		printf("geometry    %u slots of %u bytes, %llu bytes in all\n", in->slot_count,
		       in->slot_size, (unsigned long long)in->size);
	text_memory(name);
	printf("state       %s%s\n", in->state == SHMCHAN_STATE_REPLACED ? "replaced" : "open",
	       in->stale ? ", stale (no live peer)" : "");
	text_depth(in);
	printf("written     %llu\nread        %llu\nfull events %llu\nabandoned   %llu\n",
	       (unsigned long long)in->written, (unsigned long long)in->read,
	       (unsigned long long)in->full_events, (unsigned long long)in->abandoned);
	if (in->kind == SHMCHAN_KIND_BROADCAST)
		printf("policy      %s, %llu positions written, %llu messages lost by "
		       "subscribers\n",
		       policy_name(in->policy), (unsigned long long)in->tail,
		       (unsigned long long)in->lost);
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
		printf("reader      pid %d, %s, %llu read, %llu abandoned %s skipped\n",
		       in->reader.pid, in->reader.alive ? "alive" : "dead",
		       (unsigned long long)in->reader.messages,
		       (unsigned long long)in->reader.events, is_record(in) ? "records" : "slots");
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

static int cmd_osp_stat(const char *name, const struct opts *o)
{
	const struct shmchan_osp_config *g = &o->osp;
	struct shmchan_osp_info oi;
	char esc[SHOWN_MAX];
	int err = shmchan_osp_inspect(name, g, &oi);

	if (err) {
		fprintf(stderr, "shmchan: stat %s: %s (%s)\n", shown(name, esc),
			shmchan_strerror(err),
			err == -ENOENT ? "no such newosp channel; 'shmchan ls' lists them"
				       : "not a newosp channel of this geometry");
		return EXIT_FAIL;
	}
	if (o->json) {
		printf("{\"schema\": %d, \"name\": ", TOOL_SCHEMA);
		json_str(name);
		printf(", \"type\": \"newosp\", \"kind\": \"newosp\", \"format\": \"%s\", "
		       "\"size\": %llu, \"slot_size\": %u, \"capacity\": %u, \"depth\": %u, "
		       "\"write_pos\": %u, \"read_pos\": %u}\n",
		       osp_format_name(oi.format), (unsigned long long)oi.size, g->slot_size,
		       oi.capacity, oi.depth, oi.write_pos, oi.read_pos);
		return EXIT_OK;
	}
	shown(name, esc);
	printf("channel     %s (" SHMCHAN_SHM_DIR "/" SHMCHAN_OSP_PREFIX "%s)\n", esc, esc);
	if (oi.format == SHMCHAN_OSP_SLOT) {
		printf("kind        newosp ShmChannel<%u, %u>\n", g->slot_size, oi.capacity);
		printf("geometry    %u slots of %u bytes, %llu bytes in all\n", oi.capacity,
		       g->slot_size, (unsigned long long)oi.size);
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

int cmd_stat(const struct opts *o)
{
	const char *name = o->args[0];
	struct shmchan_info in;
	char esc[SHOWN_MAX];
	struct entry e;

	if (o->osp.format)
		return cmd_osp_stat(name, o);
	describe(name, &e, &in);
	if (e.type == ENTRY_SEGMENT) {
		if (o->json) {
			printf("{\"schema\": %d, \"name\": ", TOOL_SCHEMA);
			json_str(name);
			printf(", \"type\": \"segment\", \"size\": %lld}\n", e.size);
		} else {
			printf("segment     %s, %lld bytes\n", shown(name, esc), e.size);
			printf("kind        none: no channel header (the segment layer's bytes, "
			       "shmchan_segment_create)\n");
		}
		return EXIT_OK;
	}
	if (e.type == ENTRY_SKIPPED) {
		if (e.size == 0)
			fprintf(stderr, "shmchan: stat %s: %s\n", shown(name, esc), e.why);
		else
			report("stat", name, e.err);
		return EXIT_FAIL;
	}
	if (o->json) {
		json_info(name, &in, 1);
		printf("\n");
	} else {
		text_stat(name, &in);
	}
	return EXIT_OK;
}
