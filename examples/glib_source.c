/* SPDX-License-Identifier: MIT */
/*
 * glib_source: a shmchan reader as a GLib main-loop source, the way a GTK
 * or GStreamer application would add one.
 *
 *   glib_source [COUNT]
 *
 * The source polls the handle's descriptor (shmchan_channel_poll_fd) for
 * input; its dispatch reads until -EAGAIN (which re-arms the descriptor)
 * and calls the callback once per message. A child process writes COUNT
 * numbered messages (default 1000) and closes; the loop quits at end of
 * stream (-EPIPE). A GLib timeout bounds the run. Exit status 0 when every
 * message arrived, in order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <shmchan.h>

/* A GSource over one reader. */
struct chan_source {
	GSource base;
	struct shmchan_channel *ch;
	gpointer tag; /* g_source_add_unix_fd's */
	int ended;    /* end of stream (or an error) seen */
};

typedef gboolean (*chan_func)(const void *msg, size_t len, gpointer data);

static gboolean chan_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
	struct chan_source *cs = (struct chan_source *)src;
	char buf[256];
	size_t len;
	int err;

	/* Read until -EAGAIN: the descriptor is re-armed by that call. */
	while ((err = shmchan_channel_read(cs->ch, buf, sizeof(buf), &len)) == 0)
		if (cb && !((chan_func)(void *)cb)(buf, len, data))
			return G_SOURCE_REMOVE;
	if (err == -EAGAIN)
		return G_SOURCE_CONTINUE;
	if (err != -EPIPE)
		fprintf(stderr, "glib_source: read: %s\n", shmchan_strerror(err));
	cs->ended = err == -EPIPE ? 1 : -1;
	return G_SOURCE_REMOVE;
}

static GSourceFuncs chan_funcs = { NULL, NULL, chan_dispatch, NULL, NULL, NULL };

/* A source that calls @fn for each message of reader @ch. */
static GSource *chan_source_new(struct shmchan_channel *ch)
{
	int fd = shmchan_channel_poll_fd(ch);
	struct chan_source *cs;

	if (fd < 0) {
		fprintf(stderr, "glib_source: poll_fd: %s\n", shmchan_strerror(fd));
		return NULL;
	}
	cs = (struct chan_source *)g_source_new(&chan_funcs, sizeof(*cs));
	cs->ch = ch;
	cs->tag = g_source_add_unix_fd(&cs->base, fd, G_IO_IN);
	return &cs->base;
}

struct state {
	GMainLoop *loop;
	unsigned next, count;
	int bad;
};

static gboolean on_message(const void *msg, size_t len, gpointer data)
{
	struct state *st = data;
	char text[32];

	snprintf(text, sizeof(text), "%u", st->next);
	if (len != strlen(text) || memcmp(msg, text, len) != 0) {
		fprintf(stderr, "glib_source: got %.*s, expected %s\n", (int)len, (const char *)msg,
			text);
		st->bad = 1;
		g_main_loop_quit(st->loop);
		return FALSE;
	}
	st->next++;
	return TRUE;
}

static void on_removed(gpointer data)
{
	g_main_loop_quit(((struct state *)data)->loop);
}

static gboolean on_timeout(gpointer data)
{
	struct state *st = data;

	fprintf(stderr, "glib_source: timed out at message %u\n", st->next);
	st->bad = 1;
	g_main_loop_quit(st->loop);
	return G_SOURCE_REMOVE;
}

/* The writer process: @count numbered messages, then close (end of
 * stream). It says on @ready once it is attached. */
static int produce(const char *name, unsigned count, int ready)
{
	struct shmchan_channel w;
	unsigned i;

	if (shmchan_channel_open_writer(&w, name, NULL) != 0 || write(ready, "", 1) != 1)
		return 1;
	for (i = 0; i < count; i++) {
		char text[32];
		int n = snprintf(text, sizeof(text), "%u", i);

		if (shmchan_channel_send(&w, text, (size_t)n, 5000) != 0)
			return 1;
		if (i % 64 == 0)
			usleep(1000); /* let the loop go idle now and then */
	}
	return shmchan_channel_close(&w) ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned count = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 1000;
	struct shmchan_config cfg = { .slot_size = 256, .slot_count = 64 };
	struct shmchan_channel creator, r;
	struct state st = { NULL, 0, count, 0 };
	char name[64];
	GSource *src;
	pid_t pid;
	int wst = 0, sync[2];
	char c;

	snprintf(name, sizeof(name), "glib_source.%d", (int)getpid());
	if (shmchan_channel_create_writer(&creator, name, &cfg) != 0 ||
	    shmchan_channel_open_reader(&r, name, NULL) != 0 || pipe(sync) != 0) {
		fprintf(stderr, "glib_source: setup failed\n");
		return 1;
	}
	pid = fork();
	if (pid == 0)
		_exit(produce(name, count, sync[1]));
	/* Once the child is attached the creator leaves: the child's close is
	 * the end of the stream. */
	close(sync[1]);
	if (read(sync[0], &c, 1) != 1)
		st.bad = 1;
	shmchan_channel_close(&creator);
	st.loop = g_main_loop_new(NULL, FALSE);
	src = chan_source_new(&r);
	if (!src)
		return 1;
	g_source_set_callback(src, (GSourceFunc)(void *)on_message, &st, on_removed);
	g_source_attach(src, NULL);
	g_timeout_add_seconds(30, on_timeout, &st);
	if (!st.bad)
		g_main_loop_run(st.loop);
	waitpid(pid, &wst, 0);
	printf("glib_source: %u of %u messages, %s\n", st.next, count,
	       ((struct chan_source *)src)->ended == 1 ? "end of stream" : "no end of stream");
	if (((struct chan_source *)src)->ended != 1 || st.next != count || !WIFEXITED(wst) ||
	    WEXITSTATUS(wst) != 0)
		st.bad = 1;
	g_source_destroy(src);
	g_source_unref(src);
	g_main_loop_unref(st.loop);
	shmchan_channel_close(&r);
	shmchan_channel_unlink(name);
	printf("%s\n", st.bad ? "FAILED" : "ok");
	return st.bad;
}
