/* SPDX-License-Identifier: MIT */
/*
 * shmchan watch and shmchan hz (tool.h, docs/tool.md).
 *
 * watch samples every selected channel's counters (shmchan_inspect: it
 * joins nothing) once per interval and shows what changed: messages/s,
 * MB/s, depth, each reader's lag, losses, the age of the last write, the
 * peers alive. Rates are differences between two samples, so the first
 * report comes one interval after the start. Bytes/s count ring bytes:
 * a record channel's tail position moved (records with their headers and
 * padding), a slot channel's messages times its slot size (what the ring
 * carried, not the lengths written, which no counter keeps). The age of the
 * last write is what watch saw: the time since the written count last
 * changed between its samples (">N s" when it has not changed since watch
 * started, or since it first saw the channel).
 *
 * hz follows one channel: on a broadcast channel as a read-only observer
 * (it takes nothing from anyone), timing every message, as ros2 topic hz
 * does (rate, shortest and longest interval, standard deviation over a
 * window of messages); on the other kinds, whose messages each go to one
 * reader, from the written counter only (the rate).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

/* One channel as sampled. */
struct row {
	char name[256];
	struct shmchan_info info;
	double t;
	double last_change; /* when written was last seen to change (0: not seen) */
	double first_seen;  /* when watch first saw this incarnation */
	int prev;	    /* a previous sample of the same incarnation exists */
	uint64_t written0;  /* the previous sample's counters */
	uint64_t tail0;
	double t0;
};

struct table {
	struct row *rows;
	size_t n, cap;
	size_t skipped; /* objects skipped in this pass (segments, unreadable) */
};

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static struct row *find_row(struct table *tb, const char *name)
{
	size_t i;

	for (i = 0; i < tb->n; i++)
		if (strcmp(tb->rows[i].name, name) == 0)
			return &tb->rows[i];
	return NULL;
}

/* Take one sample of @e into @old's matching row (kept from the previous
 * pass) or a new one; rows are rebuilt in directory order each pass. */
struct pass {
	struct table *old, *now;
};

static int sample_one(const struct entry *e, void *ctx)
{
	struct pass *p = ctx;
	struct row *r, *before;

	if (e->type != ENTRY_CHANNEL) {
		p->now->skipped++;
		return EXIT_OK;
	}
	if (p->now->n == p->now->cap) {
		size_t cap = p->now->cap ? p->now->cap * 2 : 16;
		struct row *rows = realloc(p->now->rows, cap * sizeof(*rows));

		if (!rows)
			return EXIT_FAIL;
		p->now->rows = rows;
		p->now->cap = cap;
	}
	r = &p->now->rows[p->now->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", e->name);
	r->info = *e->info;
	r->t = now_s();
	r->first_seen = r->t;
	before = find_row(p->old, e->name);
	/* The same incarnation: same kind and geometry, counters that did
	 * not go back (a replacement starts them again). */
	if (before && before->info.kind == r->info.kind &&
	    before->info.slot_count == r->info.slot_count &&
	    before->info.written <= r->info.written) {
		r->prev = 1;
		r->written0 = before->info.written;
		r->tail0 = before->info.tail;
		r->t0 = before->t;
		r->first_seen = before->first_seen;
		r->last_change =
			r->info.written != before->info.written ? r->t : before->last_change;
	}
	return EXIT_OK;
}

/* Messages and ring bytes per second since the previous sample (-1: no
 * previous sample). */
static double msg_rate(const struct row *r)
{
	return r->prev && r->t > r->t0 ? (double)(r->info.written - r->written0) / (r->t - r->t0)
				       : -1;
}

static double byte_rate(const struct row *r)
{
	double dt = r->t - r->t0;

	if (!r->prev || dt <= 0)
		return -1;
	if (r->info.kind == SHMCHAN_KIND_RECORD) /* the tail: a byte position */
		return (double)(uint32_t)(r->info.tail - r->tail0) / dt;
	return (double)(r->info.written - r->written0) * r->info.slot_size / dt;
}

static uint32_t alive_count(const struct shmchan_peer_info *p, uint32_t n)
{
	uint32_t i, a = 0;

	for (i = 0; i < n; i++)
		a += p[i].alive != 0;
	return a;
}

/* Messages a reader has yet to read: a subscriber's distance to the
 * tail, a single reader's depth. */
static uint64_t sub_lag(const struct shmchan_info *in, const struct shmchan_peer_info *s)
{
	if (in->kind == SHMCHAN_KIND_BROADCAST)
		return in->tail > s->cursor ? in->tail - s->cursor : 0;
	return in->depth;
}

/* Seen changing in the last interval: "<0.5 s" (watch cannot tell more). */
static void age_text(const struct row *r, char *out, size_t cap)
{
	if (r->last_change > 0 && r->last_change == r->t)
		snprintf(out, cap, "<%.1f s", r->t - r->t0);
	else if (r->last_change > 0)
		snprintf(out, cap, "%.1f s", r->t - r->last_change);
	else
		snprintf(out, cap, ">%.0f s", r->t - r->first_seen);
}

static void rate_text(double v, double scale, char *out, size_t cap)
{
	if (v < 0)
		snprintf(out, cap, "-");
	else
		snprintf(out, cap, "%.1f", v / scale);
}

static void print_text(const struct table *tb, const struct opts *o)
{
	char esc[SHOWN_MAX], mps[24], mbs[24], age[24], depth[32];
	size_t i;
	uint32_t k;

	if (isatty(STDOUT_FILENO))
		fputs("\033[H\033[2J", stdout); /* home, clear: redraw in place */
	printf("shmchan watch: %zu channel%s in %s, every %.1f s%s\n", tb->n, tb->n == 1 ? "" : "s",
	       shown(chan_dir(), esc), o->interval, isatty(STDOUT_FILENO) ? " (Ctrl-C stops)" : "");
	printf("%-24s %-9s %10s %8s %13s %8s %10s %7s %7s\n", "NAME", "KIND", "MSG/S", "MB/S",
	       "DEPTH/CAP", "LOST", "LAST-WRITE", "WRITERS", "READERS");
	for (i = 0; i < tb->n; i++) {
		const struct row *r = &tb->rows[i];
		const struct shmchan_info *in = &r->info;
		uint32_t nr = in->nsubscribers ? in->nsubscribers : (in->reader.pid ? 1u : 0u);
		uint32_t ar = in->nsubscribers ? alive_count(in->subscribers, in->nsubscribers)
					       : (in->reader.pid && in->reader.alive);
		char wr[16], rd[16];

		rate_text(msg_rate(r), 1, mps, sizeof(mps));
		rate_text(byte_rate(r), 1e6, mbs, sizeof(mbs));
		age_text(r, age, sizeof(age));
		snprintf(depth, sizeof(depth), "%u/%u", in->depth,
			 in->kind == SHMCHAN_KIND_RECORD ? in->depth : in->slot_count);
		if (in->kind == SHMCHAN_KIND_RECORD)
			snprintf(depth, sizeof(depth), "%u (%lluB)", in->depth,
				 (unsigned long long)in->depth_bytes);
		snprintf(wr, sizeof(wr), "%u/%u", alive_count(in->writers, in->nwriters),
			 in->nwriters);
		snprintf(rd, sizeof(rd), "%u/%u", ar, nr);
		printf("%-24s %-9s %10s %8s %13s %8llu %10s %7s %7s\n", shown(r->name, esc),
		       kind_name(in->kind), mps, mbs, depth, (unsigned long long)in->lost, age, wr,
		       rd);
		for (k = 0; k < in->nsubscribers; k++)
			printf("  %s %d %s: lag %llu, lost %llu\n",
			       in->kind == SHMCHAN_KIND_BROADCAST ? "subscriber" : "reader",
			       in->subscribers[k].pid, in->subscribers[k].alive ? "alive" : "dead",
			       (unsigned long long)sub_lag(in, &in->subscribers[k]),
			       (unsigned long long)in->subscribers[k].lost);
		if (in->reader.pid)
			printf("  reader %d %s: lag %u\n", in->reader.pid,
			       in->reader.alive ? "alive" : "dead", in->depth);
	}
	if (!isatty(STDOUT_FILENO))
		printf("\n");
	fflush(stdout);
}

static void json_num(const char *key, double v)
{
	if (v < 0)
		printf("\"%s\": null", key);
	else
		printf("\"%s\": %.3f", key, v);
}

static void print_json(const struct table *tb, const struct opts *o)
{
	struct timespec wall;
	size_t i;
	uint32_t k;

	clock_gettime(CLOCK_REALTIME, &wall);
	printf("{\"schema\": %d, \"time\": %.3f, \"interval\": %.3f, \"channels\": [", TOOL_SCHEMA,
	       (double)wall.tv_sec + (double)wall.tv_nsec / 1e9, o->interval);
	for (i = 0; i < tb->n; i++) {
		const struct row *r = &tb->rows[i];
		const struct shmchan_info *in = &r->info;

		printf("%s{\"name\": ", i ? ", " : "");
		json_str(r->name);
		printf(", \"kind\": \"%s\", ", kind_name(in->kind));
		json_num("msgs_per_s", msg_rate(r));
		printf(", ");
		json_num("bytes_per_s", byte_rate(r));
		printf(", \"depth\": %u, \"depth_bytes\": %llu, \"capacity\": %u, \"lost\": %llu, ",
		       in->depth, (unsigned long long)in->depth_bytes, in->slot_count,
		       (unsigned long long)in->lost);
		if (r->last_change > 0)
			printf("\"last_write_age_s\": %.3f", r->t - r->last_change);
		else
			printf("\"last_write_age_s\": null, \"no_write_for_s\": %.3f",
			       r->t - r->first_seen);
		printf(", \"writers\": %u, \"writers_alive\": %u, \"readers\": [", in->nwriters,
		       alive_count(in->writers, in->nwriters));
		for (k = 0; k < in->nsubscribers; k++)
			printf("%s{\"pid\": %d, \"alive\": %s, \"lag\": %llu, \"lost\": %llu}",
			       k ? ", " : "", in->subscribers[k].pid,
			       in->subscribers[k].alive ? "true" : "false",
			       (unsigned long long)sub_lag(in, &in->subscribers[k]),
			       (unsigned long long)in->subscribers[k].lost);
		if (in->reader.pid)
			printf("{\"pid\": %d, \"alive\": %s, \"lag\": %u, \"lost\": 0}",
			       in->reader.pid, in->reader.alive ? "true" : "false", in->depth);
		printf("]}");
	}
	printf("]}\n");
	fflush(stdout);
}

static int sample(struct table *old, struct table *now, const struct opts *o)
{
	struct pass p = { old, now };

	now->n = 0;
	now->skipped = 0;
	return for_each(o, sample_one, &p);
}

int cmd_watch(const struct opts *o)
{
	struct table a = { NULL, 0, 0, 0 }, b = { NULL, 0, 0, 0 };
	struct table *old = &a, *now = &b, *t;
	double start = now_s(), next;
	long done = 0;

	if (sample(now, old, o) != EXIT_OK && old->n == 0) {
		free(a.rows);
		free(b.rows);
		return EXIT_FAIL; /* the directory cannot be read */
	}
	next = start + o->interval;
	while (o->count == 0 || done < o->count) {
		sleep_s(next - now_s());
		next += o->interval;
		sample(old, now, o);
		if (o->json)
			print_json(now, o);
		else
			print_text(now, o);
		t = old;
		old = now;
		now = t;
		done++;
	}
	free(a.rows);
	free(b.rows);
	return EXIT_OK;
}

/* ---- hz ---- */

struct window {
	double *t; /* arrival times, a ring of @cap */
	size_t cap, n, at;
	unsigned long long seen, reported; /* messages in all, at the last report */
};

static void window_add(struct window *w, double t)
{
	w->t[w->at] = t;
	w->seen++;
	w->at = (w->at + 1) % w->cap;
	if (w->n < w->cap)
		w->n++;
}

/* ros2 topic hz's report over the window: rate, min, max, std dev of the
 * intervals. */
static void window_report(struct window *w, const char *name, uint64_t lost)
{
	double mean, var = 0, lo = 1e300, hi = 0, first, last;
	size_t i, m;
	char esc[SHOWN_MAX];
	int fresh = w->seen != w->reported;

	w->reported = w->seen;
	/* As ros2 topic hz: nothing since the last report is said so, not
	 * reported at the old rate. */
	if (w->n < 2 || !fresh) {
		printf("%s: no new messages\n", shown(name, esc));
		fflush(stdout);
		return;
	}
	m = w->n - 1;
	first = w->t[(w->at + w->cap - w->n) % w->cap];
	last = w->t[(w->at + w->cap - 1) % w->cap];
	mean = (last - first) / (double)m;
	for (i = 1; i < w->n; i++) {
		double a = w->t[(w->at + w->cap - w->n + i - 1) % w->cap];
		double b = w->t[(w->at + w->cap - w->n + i) % w->cap];
		double d = b - a;

		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		var += (d - mean) * (d - mean);
	}
	var /= (double)m;
	printf("average rate: %.3f\n\tmin: %.6fs max: %.6fs std dev: %.6fs window: %zu%s",
	       1.0 / mean, lo, hi, sqrt(var), w->n, lost ? "" : "\n");
	if (lost)
		printf(" (%llu lost to overwriting)\n", (unsigned long long)lost);
	fflush(stdout);
}

/* A broadcast channel: every message timed by a read-only observer. */
static int hz_observe(const struct opts *o, const char *name)
{
	struct window w = { NULL, 10000, 0, 0, 0, 0 };
	struct shmchan_channel ch;
	uint64_t lost = 0;
	double next;
	long done = 0;
	int err = shmchan_channel_subscribe(&ch, name, NULL, SHMCHAN_SUB_OBSERVE);

	if (err) {
		report("hz", name, err);
		return EXIT_FAIL;
	}
	w.t = calloc(w.cap, sizeof(*w.t));
	if (!w.t) {
		shmchan_channel_close(&ch);
		return EXIT_FAIL;
	}
	next = now_s() + o->interval;
	while (o->count == 0 || done < o->count) {
		const void *data;
		size_t len;
		int left_ms = (int)((next - now_s()) * 1000);

		err = shmchan_channel_peek_wait(&ch, &data, &len, left_ms > 0 ? left_ms : 0);
		if (err == 0) {
			window_add(&w, now_s());
			shmchan_channel_release(&ch);
		} else if (err == SHMCHAN_ELOST) {
			/* One SHMCHAN_ELOST for a run of messages: the count is
			 * the handle's. */
			shmchan_channel_lost(&ch, &lost);
		} else if (err == -ESTALE) {
			fprintf(stderr, "shmchan: hz %s: the channel was replaced; run hz again\n",
				name);
			break;
		} else if (err != -ETIMEDOUT && err != -EAGAIN) {
			report("hz", name, err);
			break;
		}
		if (now_s() >= next) {
			window_report(&w, name, lost);
			next += o->interval;
			done++;
		}
	}
	free(w.t);
	shmchan_channel_close(&ch);
	return err == 0 || err == -ETIMEDOUT || err == -EAGAIN || err == SHMCHAN_ELOST ? EXIT_OK
										       : EXIT_FAIL;
}

/* Other kinds: the rate of the written counter. */
static int hz_counters(const struct opts *o, const char *name, const struct shmchan_info *first)
{
	uint64_t w0 = first->written;
	double t0 = now_s(), next = t0 + o->interval;
	char esc[SHOWN_MAX];
	long done = 0;

	printf("%s is a %s channel: each message goes to one reader, so hz reads the written "
	       "counter (the rate only; per-message intervals need a broadcast channel)\n",
	       shown(name, esc), kind_name(first->kind));
	while (o->count == 0 || done < o->count) {
		struct shmchan_info in;
		struct entry e;
		double t;

		sleep_s(next - now_s());
		next += o->interval;
		describe(name, &e, &in);
		if (e.type != ENTRY_CHANNEL) {
			report("hz", name, e.err);
			return EXIT_FAIL;
		}
		t = now_s();
		if (in.written < w0)
			w0 = in.written; /* replaced: counting again */
		printf("average rate: %.3f\n\twritten: %llu in %.3fs\n",
		       (double)(in.written - w0) / (t - t0), (unsigned long long)(in.written - w0),
		       t - t0);
		fflush(stdout);
		w0 = in.written;
		t0 = t;
		done++;
	}
	return EXIT_OK;
}

int cmd_hz(const struct opts *o)
{
	const char *name = o->args[0];
	struct shmchan_info in;
	struct entry e;

	describe(name, &e, &in);
	if (e.type != ENTRY_CHANNEL) {
		char esc[SHOWN_MAX];

		if (e.type == ENTRY_SEGMENT)
			fprintf(stderr, "shmchan: hz %s: a segment, not a channel: no messages\n",
				shown(name, esc));
		else
			report("hz", name, e.err);
		return EXIT_FAIL;
	}
	return in.kind == SHMCHAN_KIND_BROADCAST ? hz_observe(o, name) : hz_counters(o, name, &in);
}
