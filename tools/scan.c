/* SPDX-License-Identifier: MIT */
/* The channels' directory: what each object under the prefix is (tool.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *chan_dir(void)
{
	const char *d = getenv(SHMCHAN_DIR_ENV);

	return d && d[0] ? d : SHMCHAN_SHM_DIR;
}

int name_selected(const struct opts *o, const char *name)
{
	int i;

	if (o->nargs == 0)
		return 1;
	for (i = 0; i < o->nargs; i++)
		if (fnmatch(o->args[i], name, 0) == 0)
			return 1;
	return 0;
}

int file_path(const char *name, char *path, size_t cap)
{
	const char *slash = name[0] == '/' ? strrchr(name, '/') : NULL;
	int n;

	if (slash)
		n = snprintf(path, cap, "%.*s/" SHMCHAN_PREFIX "%s", (int)(slash - name), name,
			     slash + 1);
	else
		n = snprintf(path, cap, "%s/" SHMCHAN_PREFIX "%s", chan_dir(), name);
	return n > 0 && (size_t)n < cap ? 0 : -ENAMETOOLONG;
}

/* The size of the file behind @name, or -1. */
static long long file_size(const char *name)
{
	char path[PATH_MAX_TOOL];
	struct stat st;

	if (file_path(name, path, sizeof(path)) != 0)
		return -1;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

void describe(const char *name, struct entry *e, struct shmchan_info *info)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int err, tries;

	memset(e, 0, sizeof(*e));
	e->name = name;
	e->info = info;
	memset(info, 0, sizeof(*info));
	info->struct_size = sizeof(*info);
	err = shmchan_inspect(name, info);
	/* A header still zero: a channel being created (for a moment), or
	 * segment-layer bytes that start with zeros. Look again shortly. */
	for (tries = 0; err == -EAGAIN && tries < 3; tries++) {
		nanosleep(&pause, NULL);
		info->struct_size = sizeof(*info);
		err = shmchan_inspect(name, info);
	}
	e->size = file_size(name);
	e->err = err;
	if (err == 0) {
		e->type = ENTRY_CHANNEL;
		return;
	}
	if (err == -EINVAL || err == -ENAMETOOLONG) {
		/* A name the library does not open: a foreign file, or the
		 * temporary file of a replacement whose creator died (its name
		 * has a '~'; segment_pvt.h). */
		e->type = ENTRY_SKIPPED;
		e->why = strchr(name, '~') ? "a replacement's temporary file (its creator died "
					     "before renaming it)"
					   : "not a name the library opens (a foreign file)";
		return;
	}
	if (e->size == 0) {
		e->type = ENTRY_SKIPPED;
		e->why = "empty file: no segment or channel yet (its creator has not sized it, "
			 "or died first)";
		return;
	}
	if (err == SHMCHAN_EBADMAGIC || (err == -EAGAIN && e->size > 0)) {
		/* No channel's magic: the segment layer's bytes, which carry no
		 * header (shmchan_segment_create), or any file of the prefix. */
		e->type = ENTRY_SEGMENT;
		return;
	}
	e->type = ENTRY_SKIPPED;
	e->why = shmchan_strerror(err);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int for_each(const struct opts *o, int (*fn)(const struct entry *e, void *ctx), void *ctx)
{
	size_t plen = strlen(SHMCHAN_PREFIX);
	struct dirent **list;
	int n, i, rc = EXIT_OK;

	n = scandir(chan_dir(), &list, NULL, by_name);
	if (n < 0) {
		char esc[SHOWN_MAX];

		fprintf(stderr, "shmchan: cannot list %s: %s (is it mounted?)\n",
			shown(chan_dir(), esc), strerror(errno));
		return EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		if (strncmp(name, SHMCHAN_PREFIX, plen) == 0 && name[plen] &&
		    name_selected(o, name + plen)) {
			struct shmchan_info info;
			struct entry e;

			describe(name + plen, &e, &info);
			/* Removed since the directory was read: gone, not
			 * skipped. */
			if (!(e.type == ENTRY_SKIPPED && e.err == -ENOENT) &&
			    fn(&e, ctx) != EXIT_OK)
				rc = EXIT_FAIL;
		}
		free(list[i]);
	}
	free(list);
	return rc;
}
