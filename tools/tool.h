/* SPDX-License-Identifier: MIT */
/*
 * The shmchan tool's modules: output (out.c: escaping, JSON, errors),
 * scanning the channels' directory (scan.c), and the commands (list.c:
 * ls and stat; rm.c; watch.c: watch and hz; tail.c). shmchan.c parses the
 * command line and holds the usage text, which is also shmchan(1).
 */
#ifndef SHMCHAN_TOOL_H
#define SHMCHAN_TOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <shmchan.h>

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

/* The version of the JSON the tool prints (docs/tool.md): bumped when a
 * field changes meaning or goes away; added fields keep it. */
#define TOOL_SCHEMA 1

/* Room for a name from the directory (up to 255 bytes), each byte escaped. */
#define SHOWN_MAX (255 * 4 + 1)

/* The command line's options, for every command. */
struct opts {
	int json;
	int stale;	 /* rm: the stale channels */
	int force;	 /* rm: channels with live peers too */
	int dry_run;	 /* rm: say, do not remove */
	int hex;	 /* tail: hex-dump every message */
	double interval; /* watch, hz: seconds between reports */
	long count;	 /* watch, hz: reports; tail: messages (0: no end) */
	long max_bytes;	 /* tail: bytes shown of each message */
	int nargs;
	const char *args[64];
	struct shmchan_osp_config osp; /* --osp-slot, --osp-bytes (format 0: none) */
};

/* ---- out.c ---- */

/* @name as it may be shown on a terminal: bytes outside printable ASCII
 * (and the backslash) as \xHH. Returns @out. */
const char *shown(const char *name, char out[SHOWN_MAX]);
/* @s as a JSON string (escaped) on stdout, or on @f. */
void json_str(const char *s);
void json_fstr(FILE *f, const char *s);
/* "shmchan: WHAT NAME: error (hint)" on stderr. */
void report(const char *what, const char *name, int err);
/* What to do about @err, in a few words. */
const char *hint(int err);
const char *kind_name(uint32_t kind);
const char *policy_name(uint32_t policy);

/* ---- scan.c ---- */

/* What a file under the prefix is. */
enum entry_type {
	ENTRY_CHANNEL, /* a channel: @info is filled */
	ENTRY_SEGMENT, /* bytes without a channel's header (the segment layer) */
	ENTRY_SKIPPED, /* a channel that cannot be read, or a file that is none */
};

struct entry {
	const char *name; /* without the prefix */
	enum entry_type type;
	int err;		   /* ENTRY_SKIPPED: why (negative errno or SHMCHAN_E*) */
	const char *why;	   /* ENTRY_SKIPPED: the reason in words */
	long long size;		   /* bytes of the file (-1: unknown) */
	struct shmchan_info *info; /* ENTRY_CHANNEL */
};

/* The directory of bare names: $SHMCHAN_DIR (which --dir sets), or the
 * default. */
const char *chan_dir(void);
/* Whether @name matches one of @o's patterns (fnmatch; none: all). */
int name_selected(const struct opts *o, const char *name);
/* The file behind @name: DIR/PREFIXNAME for "/DIR/NAME", else in the
 * channels' directory. Returns 0, or -ENAMETOOLONG if it does not fit. */
#define PATH_MAX_TOOL (4096 + SHOWN_MAX)
int file_path(const char *name, char *path, size_t cap);
/* Describe the object @name (bare or /DIR/NAME) into @e, using @info. */
void describe(const char *name, struct entry *e, struct shmchan_info *info);
/* Calls @fn for each object under the prefix in the channels' directory
 * whose name @o selects, in name order. Returns EXIT_OK, or EXIT_FAIL if
 * the directory cannot be read or @fn failed for one. */
int for_each(const struct opts *o, int (*fn)(const struct entry *e, void *ctx), void *ctx);
/* Seconds on CLOCK_MONOTONIC. */
double now_s(void);

/* ---- the commands ---- */
int cmd_ls(const struct opts *o);
int cmd_stat(const struct opts *o);
int cmd_rm(const struct opts *o);
int cmd_watch(const struct opts *o);
int cmd_hz(const struct opts *o);
int cmd_tail(const struct opts *o);

/* list.c, for watch: "123,456(dead)" */
void text_peers(char *out, size_t cap, const struct shmchan_peer_info *p, uint32_t n);

#endif /* SHMCHAN_TOOL_H */
