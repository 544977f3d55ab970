/* SPDX-License-Identifier: MIT */
/* shmchan rm (tool.h): named objects, refusing channels in use without
 * --force; or, with --stale, every channel whose peers are all dead and the
 * sockets of pollers that are gone. --dry-run says what it would remove. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tool.h"

/* "123 (writer), 456 (reader)": the live peers of @in, or "" if none. */
static void live_peers(const struct shmchan_info *in, char *out, size_t cap)
{
	size_t used = 0;
	uint32_t i;

#define ADD(pid, role)                                                                             \
	do {                                                                                       \
		if (used < cap)                                                                    \
			used += (size_t)snprintf(out + used, cap - used, "%s%d (%s)",              \
						 used ? ", " : "", (pid), (role));                 \
	} while (0)
	out[0] = '\0';
	for (i = 0; i < in->nwriters; i++)
		if (in->writers[i].alive)
			ADD(in->writers[i].pid, "writer");
	if (in->reader.pid && in->reader.alive)
		ADD(in->reader.pid, "reader");
	for (i = 0; i < in->nsubscribers; i++)
		if (in->subscribers[i].alive)
			ADD(in->subscribers[i].pid,
			    in->kind == SHMCHAN_KIND_BROADCAST ? "subscriber" : "reader");
#undef ADD
}

/* Remove @e (as a channel when it is one: its dead pollers' sockets go
 * with it), or say that it would. */
static int remove_entry(const struct opts *o, const struct entry *e, const char *what)
{
	char esc[SHOWN_MAX];
	int err;

	if (o->dry_run) {
		printf("would remove %s%s\n", what, shown(e->name, esc));
		return EXIT_OK;
	}
	if (e->type == ENTRY_CHANNEL) {
		err = shmchan_channel_unlink(e->name);
	} else if (e->type == ENTRY_SEGMENT) {
		err = shmchan_segment_unlink(e->name);
	} else {
		/* Skipped: perhaps a name the library does not open (a dead
		 * replacement's temporary file): the file itself. */
		char path[PATH_MAX_TOOL];

		err = file_path(e->name, path, sizeof(path));
		if (!err && unlink(path) != 0)
			err = -errno;
	}
	if (err) {
		report("rm", e->name, err);
		return EXIT_FAIL;
	}
	printf("removed %s%s\n", what, shown(e->name, esc));
	return EXIT_OK;
}

/* rm NAME: a channel with a live peer, a segment (nobody is recorded as
 * using one) or a file that does not check needs --force. */
static int rm_named(const struct opts *o, const char *name)
{
	char esc[SHOWN_MAX], peers[SHMCHAN_MAX_SUBSCRIBERS * 24];
	struct shmchan_info in;
	struct entry e;

	describe(name, &e, &in);
	if (e.type == ENTRY_SKIPPED && e.err == -ENOENT) {
		report("rm", name, e.err);
		return EXIT_FAIL;
	}
	if (e.type == ENTRY_SKIPPED && strchr(name, '/') && name[0] != '/') {
		report("rm", name, -EINVAL); /* "a/b": not a name, not /DIR/NAME */
		return EXIT_FAIL;
	}
	if (!o->force) {
		if (e.type == ENTRY_CHANNEL) {
			live_peers(&in, peers, sizeof(peers));
			if (peers[0]) {
				fprintf(stderr,
					"shmchan: rm %s: in use by %s; 'shmchan rm --force %s' "
					"removes it anyway (they keep using it until they close)\n",
					shown(name, esc), peers, esc);
				return EXIT_FAIL;
			}
		} else {
			fprintf(stderr,
				"shmchan: rm %s: %s, whose users cannot be known; 'shmchan rm "
				"--force %s' removes it\n",
				shown(name, esc),
				e.type == ENTRY_SEGMENT ? "a segment (no channel header)" : e.why,
				esc);
			return EXIT_FAIL;
		}
	}
	return remove_entry(o, &e, "");
}

/* rm --stale: remove the sockets of pollers that are gone (nobody holds
 * the socket: a connect is refused). Sockets of live pollers, and files of
 * that prefix that are not sockets, are left alone. */
#define POLL_PREFIX "shmchan-poll."
static int rm_orphan_sockets(const struct opts *o)
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
		if (o->dry_run) {
			printf("would remove poller socket %s\n", shown(e->d_name, esc));
			continue;
		}
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

static int rm_stale_one(const struct entry *e, void *ctx)
{
	const struct opts *o = ctx;
	char esc[SHOWN_MAX];

	if (e->type == ENTRY_SKIPPED) {
		/* Not judged: only valid stale channels are removed. */
		fprintf(stderr, "shmchan: skipping %s: %s\n", shown(e->name, esc), e->why);
		return EXIT_OK;
	}
	if (e->type != ENTRY_CHANNEL || !e->info->stale)
		return EXIT_OK;
	return remove_entry(o, e, "");
}

int cmd_rm(const struct opts *o)
{
	int i, rc = EXIT_OK;

	if (o->stale) {
		int a = for_each(o, rm_stale_one, (void *)o);
		/* Sockets have no channel name to match: only without
		 * patterns. */
		int b = o->nargs ? EXIT_OK : rm_orphan_sockets(o);

		return a != EXIT_OK ? a : b;
	}
	for (i = 0; i < o->nargs; i++)
		if (rm_named(o, o->args[i]) != EXIT_OK)
			rc = EXIT_FAIL;
	return rc;
}
