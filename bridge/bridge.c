/* SPDX-License-Identifier: MIT */
/*
 * The bridge between shmchan channels and Cyclone DDS (bridge.h,
 * docs/bridge.md). One DDS participant, topic and endpoint per process;
 * every wait is bounded by BRIDGE_POLL_MS so the stop flag is seen.
 *
 * QoS: the lossless kinds (slot, record, broadcast BLOCK) map to RELIABLE
 * with KEEP_ALL history and resource limits of the channel's depth, so a
 * full ring on the import side holds the import's reader, which holds the
 * DDS writer (it blocks in dds_write), which holds the export's reader:
 * back-pressure end to end, nothing dropped. Broadcast OVERWRITE (latest
 * data wins) maps to BEST_EFFORT with KEEP_LAST of the same depth.
 */
#define _GNU_SOURCE
#include "bridge.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <dds/dds.h>

#include "shmchan_msg.h"

/* How long the exporter waits for its end-of-stream sample's acks. */
#define EOS_ACK_MS 10000
/* Samples taken from the reader at once. */
#define TAKE_BATCH 16
/* Sources the importer tracks, and the window of sequence numbers each. */
#define MAX_SOURCES 16
#define SEQ_WINDOW 1024

struct dds_side {
	dds_entity_t pp, topic, ep, rc, ws;
};

struct source_track {
	uint64_t id, next;
	uint64_t
		seen[SEQ_WINDOW / 64]; /* bit s % SEQ_WINDOW: s in [next - SEQ_WINDOW, next) came */
};

static int fail(struct bridge_result *res, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct bridge_result *res, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
	return err;
}

/* A DDS call failed: its code in words; -EIO for the caller. */
static int dds_fail(struct bridge_result *res, const char *what, dds_return_t rc)
{
	return fail(res, -EIO, "DDS: %s: %s", what, dds_strretcode(rc));
}

static double now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int lossy(const struct shmchan_config *cfg)
{
	return cfg->kind == SHMCHAN_KIND_BROADCAST && cfg->policy == SHMCHAN_POLICY_OVERWRITE;
}

/*
 * The samples DDS may hold for the channel: its slot count, so that DDS
 * buffers no more than the ring itself does (16 at least, so that a tiny
 * ring does not make DDS stop and go at every message). A record channel
 * has no slot count: one sample per 4 KiB of buffer, within [16, 1024].
 */
static int32_t depth_of(const struct shmchan_config *cfg)
{
	uint32_t n = cfg->kind == SHMCHAN_KIND_RECORD ? cfg->buffer_size / 4096 : cfg->slot_count;

	if (n < 16)
		n = 16;
	return n > 1024 && cfg->kind == SHMCHAN_KIND_RECORD ? 1024 : (int32_t)n;
}

static dds_qos_t *bridge_qos(const struct shmchan_config *cfg)
{
	dds_qos_t *q = dds_create_qos();
	int32_t depth = depth_of(cfg);

	if (lossy(cfg)) {
		dds_qset_reliability(q, DDS_RELIABILITY_BEST_EFFORT, 0);
		dds_qset_history(q, DDS_HISTORY_KEEP_LAST, depth);
	} else {
		/* max_blocking_time bounds a dds_write held by back-pressure:
		 * it then returns DDS_RETCODE_TIMEOUT, having written nothing,
		 * and is retried after a look at the stop flag. */
		dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_MSECS(BRIDGE_POLL_MS));
		dds_qset_history(q, DDS_HISTORY_KEEP_ALL, 0);
		dds_qset_resource_limits(q, depth, DDS_LENGTH_UNLIMITED, depth);
	}
	dds_qset_durability(q, DDS_DURABILITY_VOLATILE);
	return q;
}

static int dds_side_open(struct dds_side *d, const struct bridge_opts *o,
			 const struct shmchan_config *cfg, int writer, struct bridge_result *res)
{
	dds_domainid_t dom = o->domain < 0 ? DDS_DOMAIN_DEFAULT : (dds_domainid_t)o->domain;
	dds_return_t rc;
	dds_qos_t *q;

	memset(d, 0, sizeof(*d));
	d->pp = dds_create_participant(dom, NULL, NULL);
	if (d->pp < 0)
		return dds_fail(res, "create participant (see CYCLONEDDS_URI)", d->pp);
	d->topic = dds_create_topic(d->pp, &shmchan_Msg_desc, o->topic, NULL, NULL);
	if (d->topic < 0)
		return dds_fail(res, "create topic", d->topic);
	q = bridge_qos(cfg);
	d->ep = writer ? dds_create_writer(d->pp, d->topic, q, NULL)
		       : dds_create_reader(d->pp, d->topic, q, NULL);
	dds_delete_qos(q);
	if (d->ep < 0)
		return dds_fail(res, writer ? "create writer" : "create reader", d->ep);
	if (writer)
		return 0;
	d->rc = dds_create_readcondition(d->ep, DDS_ANY_STATE);
	d->ws = dds_create_waitset(d->pp);
	if (d->rc < 0 || d->ws < 0)
		return dds_fail(res, "create waitset", d->rc < 0 ? d->rc : d->ws);
	rc = dds_waitset_attach(d->ws, d->rc, 0);
	return rc < 0 ? dds_fail(res, "attach to waitset", rc) : 0;
}

/* Deleting the participant deletes everything in it. */
static void dds_side_close(struct dds_side *d)
{
	if (d->pp > 0)
		dds_delete(d->pp);
	d->pp = 0;
}

/* ---- export ---- */

static int open_source(struct shmchan_channel *ch, const struct bridge_opts *o,
		       struct shmchan_config *cfg, struct bridge_result *res)
{
	struct shmchan_info info = SHMCHAN_INFO_INIT;
	struct shmchan_config expect = { 0 };
	int err;

	err = shmchan_channel_wait_created(o->channel, o->wait_created_ms);
	if (err == -ETIMEDOUT)
		return fail(res, -ENOENT, "channel %s: %s (waited %d s)", o->channel,
			    shmchan_strerror(-ENOENT), o->wait_created_ms / 1000);
	if (!err)
		err = shmchan_inspect(o->channel, &info);
	if (err)
		return fail(res, err, "channel %s: %s", o->channel, shmchan_strerror(err));
	expect.kind = info.kind;
	if (info.kind == SHMCHAN_KIND_BROADCAST)
		err = shmchan_channel_subscribe(ch, o->channel, &expect, 0);
	else if (info.kind == SHMCHAN_KIND_SLOT || info.kind == SHMCHAN_KIND_RECORD)
		err = shmchan_channel_open_reader(ch, o->channel, &expect);
	else
		return fail(res, SHMCHAN_EKIND,
			    "channel %s: kind %u is not bridged (slot, record "
			    "and broadcast are)",
			    o->channel, info.kind);
	if (err == -EBUSY)
		return fail(res, err,
			    "channel %s: another reader is attached (a slot or record "
			    "channel has one reader)",
			    o->channel);
	if (err)
		return fail(res, err, "channel %s: open: %s", o->channel, shmchan_strerror(err));
	return shmchan_channel_config(ch, cfg);
}

/* Until a DDS reader is matched: samples written before would go nowhere. */
static int wait_matched(const struct dds_side *d, const struct bridge_opts *o,
			struct bridge_result *res)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	dds_publication_matched_status_t st;
	dds_return_t rc;

	for (;;) {
		rc = dds_get_publication_matched_status(d->ep, &st);
		if (rc < 0)
			return dds_fail(res, "publication matched status", rc);
		if (st.current_count > 0)
			return 0;
		if (*o->stop)
			return -EINTR;
		nanosleep(&tick, NULL);
	}
}

/* dds_write, again while back-pressure makes it time out. */
static int publish(const struct dds_side *d, const shmchan_Msg *m, const struct bridge_opts *o,
		   struct bridge_result *res)
{
	dds_return_t rc;

	while ((rc = dds_write(d->ep, m)) == DDS_RETCODE_TIMEOUT)
		if (*o->stop)
			return -EINTR;
	return rc < 0 ? dds_fail(res, "write", rc) : 0;
}

/* The channel's next message: in place (*buf NULL after) for the lossless
 * kinds; copied for OVERWRITE, whose copy is validated seqlock-style where
 * a view could be overwritten while DDS serialises it. */
static int next_message(struct shmchan_channel *ch, unsigned char *copy, size_t cap,
			const void **data, size_t *len)
{
	if (!copy)
		return shmchan_channel_peek_wait(ch, data, len, BRIDGE_POLL_MS);
	*data = copy;
	return shmchan_channel_recv(ch, copy, cap, len, BRIDGE_POLL_MS);
}

static int end_of_stream(const struct dds_side *d, shmchan_Msg *m, const struct bridge_opts *o,
			 struct bridge_result *res)
{
	int err;

	m->flags = BRIDGE_FLAG_EOS;
	m->stamp_ns = realtime_ns();
	m->payload._buffer = NULL;
	m->payload._length = m->payload._maximum = 0;
	err = publish(d, m, o, res);
	if (err)
		return err;
	res->st.samples_out++;
	/* Exiting deletes the writer: its unacknowledged samples with it. */
	if (dds_wait_for_acks(d->ep, DDS_MSECS(EOS_ACK_MS)) != DDS_RETCODE_OK)
		res->st.eos_unacked = 1;
	return 0;
}

struct source {
	struct shmchan_channel ch;
	uint32_t kind;
	unsigned char *copy; /* OVERWRITE: where a message is copied to */
	size_t cap;
	double t0; /* when the first message was read */
};

static int export_loop(struct source *src, const struct dds_side *d, const struct bridge_opts *o,
		       struct bridge_result *res)
{
	shmchan_Msg m = { 0 };
	const void *data;
	size_t len;
	int err;

	if (getrandom(&m.source, sizeof(m.source), 0) != sizeof(m.source))
		return fail(res, -errno, "getrandom: %s", strerror(errno));
	for (;;) {
		if (*o->stop)
			return -EINTR;
		err = next_message(&src->ch, src->copy, src->cap, &data, &len);
		/* ELOST: overwritten before it was read, counted by the
		 * channel (shmchan_channel_lost); the next read goes on. */
		if (err == -ETIMEDOUT || err == SHMCHAN_ELOST)
			continue;
		/* A record channel cannot step over a corrupt header: fatal. */
		if (err == -EBADMSG && src->kind != SHMCHAN_KIND_RECORD) {
			res->st.corrupt++; /* the channel dropped the slot and goes on */
			continue;
		}
		if (err == -EPIPE)
			break;
		if (err)
			return fail(res, err, "channel %s: read: %s", o->channel,
				    shmchan_strerror(err));
		if (!src->t0)
			src->t0 = now_s(CLOCK_MONOTONIC);
		m.stamp_ns = realtime_ns();
		/* DDS only reads the payload (it serialises a copy). */
		m.payload._buffer = (uint8_t *)(uintptr_t)data;
		m.payload._length = m.payload._maximum = (uint32_t)len;
		err = publish(d, &m, o, res);
		if (!src->copy && shmchan_channel_release(&src->ch) == SHMCHAN_ELOST)
			res->st.channel_lost++;
		if (err)
			return err;
		m.seq++;
		res->st.samples_out++;
		res->st.messages++;
		res->st.bytes += len;
	}
	return end_of_stream(d, &m, o, res);
}

int bridge_export(const struct bridge_opts *o, struct bridge_result *res)
{
	struct source src = { .copy = NULL };
	struct shmchan_config cfg = { 0 };
	struct dds_side d = { 0 };
	uint64_t lost = 0;
	int err;

	memset(res, 0, sizeof(*res));
	err = open_source(&src.ch, o, &cfg, res);
	src.kind = cfg.kind;
	src.cap = cfg.slot_size;
	if (!err)
		err = dds_side_open(&d, o, &cfg, 1, res);
	if (!err && lossy(&cfg) && !(src.copy = malloc(cfg.slot_size)))
		err = fail(res, -ENOMEM, "%s", shmchan_strerror(-ENOMEM));
	if (!err)
		err = wait_matched(&d, o, res);
	if (!err)
		err = export_loop(&src, &d, o, res);
	if (src.t0) /* also when stopped: the rate so far */
		res->st.seconds = now_s(CLOCK_MONOTONIC) - src.t0;
	if (cfg.kind == SHMCHAN_KIND_BROADCAST && shmchan_channel_lost(&src.ch, &lost) == 0)
		res->st.channel_lost = lost;
	free(src.copy);
	dds_side_close(&d);
	shmchan_channel_close(&src.ch);
	return err;
}

/* ---- import ---- */

static int geometry_refused(const struct bridge_opts *o, int err, struct bridge_result *res)
{
	struct shmchan_info info = SHMCHAN_INFO_INIT;
	const struct shmchan_config *c = &o->create;

	if (shmchan_inspect(o->channel, &info) != 0)
		return fail(res, err, "channel %s: %s", o->channel, shmchan_strerror(err));
	if (info.kind == SHMCHAN_KIND_RECORD)
		return fail(res, err,
			    "channel %s exists as a record channel of %" PRIu32
			    " bytes, not what was asked (%s)",
			    o->channel, info.slot_count, shmchan_strerror(err));
	return fail(res, err,
		    "channel %s exists with kind %" PRIu32 ", %" PRIu32 " x %" PRIu32
		    " slots, not kind %" PRIu32 ", %" PRIu32 " x %" PRIu32 " (%s)",
		    o->channel, info.kind, info.slot_size, info.slot_count, c->kind, c->slot_size,
		    c->slot_count, shmchan_strerror(err));
}

static int open_sink(struct shmchan_channel *ch, const struct bridge_opts *o,
		     struct shmchan_config *cfg, struct bridge_result *res)
{
	int err;

	if (!o->create.kind) {
		err = shmchan_channel_wait_created(o->channel, o->wait_created_ms);
		if (err == -ETIMEDOUT)
			return fail(res, -ENOENT,
				    "channel %s: %s (waited %d s; a geometry "
				    "creates it)",
				    o->channel, shmchan_strerror(-ENOENT),
				    o->wait_created_ms / 1000);
		if (!err)
			err = shmchan_channel_open_writer(ch, o->channel, NULL);
	} else {
		err = shmchan_channel_create_writer(ch, o->channel, &o->create);
		if (err == -EEXIST)
			err = shmchan_channel_open_writer(ch, o->channel, &o->create);
		else if (err == -ESTALE) /* a previous run's, with no live peer */
			err = shmchan_channel_create_or_replace_writer(ch, o->channel, &o->create);
	}
	if (err == SHMCHAN_EGEOMETRY || err == SHMCHAN_EKIND)
		return geometry_refused(o, err, res);
	if (err)
		return fail(res, err, "channel %s: %s", o->channel, shmchan_strerror(err));
	return shmchan_channel_config(ch, cfg);
}

static void seen_set(struct source_track *t, uint64_t seq)
{
	t->seen[(seq % SEQ_WINDOW) / 64] |= 1ull << (seq % 64);
}

static int seen(const struct source_track *t, uint64_t seq)
{
	return (t->seen[(seq % SEQ_WINDOW) / 64] >> (seq % 64)) & 1;
}

static struct source_track *source_of(struct source_track *tab, uint64_t id,
				      struct bridge_stats *st)
{
	uint64_t i;

	for (i = 0; i < st->sources && i < MAX_SOURCES; i++)
		if (tab[i].id == id)
			return &tab[i];
	if (st->sources >= MAX_SOURCES)
		return NULL;
	memset(&tab[i], 0, sizeof(tab[i]));
	tab[i].id = id;
	st->sources++;
	return &tab[i];
}

/*
 * Account sequence number @seq of @t: 1 if its message is to be written,
 * 0 for a duplicate. A jump ahead counts the numbers skipped as lost; one
 * of those coming later is reordered (and no longer lost). Numbers more
 * than SEQ_WINDOW behind cannot be told apart: counted as duplicates.
 */
static int track(struct source_track *t, uint64_t seq, struct bridge_stats *st)
{
	uint64_t s;

	if (seq >= t->next) {
		st->lost += seq - t->next;
		for (s = seq - t->next >= SEQ_WINDOW ? seq - SEQ_WINDOW + 1 : t->next; s <= seq;
		     s++)
			t->seen[(s % SEQ_WINDOW) / 64] &= ~(1ull << (s % 64));
		seen_set(t, seq);
		t->next = seq + 1;
		return 1;
	}
	if (t->next - seq > SEQ_WINDOW || seen(t, seq)) {
		st->duplicates++;
		return 0;
	}
	seen_set(t, seq);
	st->reordered++;
	st->lost--;
	return 1;
}

struct sink {
	struct shmchan_channel ch;
	size_t cap; /* the channel's largest message */
	struct source_track tab[MAX_SOURCES];
	double t0;
};

/* Write one payload, waiting (bounded, again and again) while the ring is full. */
static int sink_write(struct sink *k, const shmchan_Msg *m, const struct bridge_opts *o,
		      struct bridge_result *res)
{
	uint32_t len = m->payload._length;
	int err;

	/* Never trust a length that came over the network. */
	if (len > 0 && !m->payload._buffer) {
		res->st.invalid++;
		return 0;
	}
	if (len > k->cap) {
		res->st.too_large++;
		return 0;
	}
	while ((err = shmchan_channel_send(&k->ch, m->payload._buffer, len, BRIDGE_POLL_MS)) ==
	       -ETIMEDOUT)
		if (*o->stop)
			return -EINTR;
	if (err == -EMSGSIZE) { /* records: the room a header takes too */
		res->st.too_large++;
		return 0;
	}
	if (err)
		return fail(res, err, "channel %s: write: %s", o->channel, shmchan_strerror(err));
	res->st.messages++;
	res->st.bytes += len;
	return 0;
}

/* One sample: 1 at the end of the stream, 0 to go on, or an error. */
static int sink_sample(struct sink *k, const shmchan_Msg *m, const struct bridge_opts *o,
		       struct bridge_result *res)
{
	struct source_track *t = source_of(k->tab, m->source, &res->st);

	res->st.samples_in++;
	if (!k->t0)
		k->t0 = now_s(CLOCK_MONOTONIC);
	if (m->flags & BRIDGE_FLAG_EOS) {
		/* Its number is the count of messages before it: any missing
		 * at the end are lost too. */
		if (t && m->seq > t->next)
			res->st.lost += m->seq - t->next;
		return 1;
	}
	if (!t)
		res->st.untracked++;
	else if (!track(t, m->seq, &res->st))
		return 0;
	return sink_write(k, m, o, res);
}

static int take_some(struct sink *k, const struct dds_side *d, const struct bridge_opts *o,
		     struct bridge_result *res)
{
	void *buf[TAKE_BATCH] = { NULL };
	dds_sample_info_t si[TAKE_BATCH];
	dds_return_t n, i;
	int r = 0;

	n = dds_take(d->ep, buf, si, TAKE_BATCH, TAKE_BATCH); /* loaned */
	if (n < 0)
		return dds_fail(res, "take", n);
	for (i = 0; i < n && r == 0; i++)
		if (si[i].valid_data) /* not a writer's disposal or unregistration */
			r = sink_sample(k, buf[i], o, res);
	if (n > 0)
		dds_return_loan(d->ep, buf, n);
	return r < 0 ? r : r ? 1 : n > 0 ? 2 : 0;
}

static int import_loop(struct sink *k, const struct dds_side *d, const struct bridge_opts *o,
		       struct bridge_result *res)
{
	dds_return_t rc;
	int r;

	for (;;) {
		if (*o->stop)
			return -EINTR;
		rc = dds_waitset_wait(d->ws, NULL, 0, DDS_MSECS(BRIDGE_POLL_MS));
		if (rc < 0)
			return dds_fail(res, "wait", rc);
		/* 2: took samples, there may be more. */
		while ((r = take_some(k, d, o, res)) == 2)
			if (*o->stop)
				return -EINTR;
		if (r < 0)
			return r;
		if (r == 1)
			return 0;
	}
}

int bridge_import(const struct bridge_opts *o, struct bridge_result *res)
{
	struct shmchan_config cfg;
	struct dds_side d = { 0 };
	struct sink *k;
	int err;

	memset(res, 0, sizeof(*res));
	k = calloc(1, sizeof(*k));
	if (!k)
		return fail(res, -ENOMEM, "%s", shmchan_strerror(-ENOMEM));
	err = open_sink(&k->ch, o, &cfg, res);
	if (!err) {
		k->cap = cfg.kind == SHMCHAN_KIND_RECORD ? SHMCHAN_RECORD_MAX_LEN(cfg.buffer_size)
							 : cfg.slot_size;
		err = dds_side_open(&d, o, &cfg, 0, res);
	}
	if (!err)
		err = import_loop(k, &d, o, res);
	if (k->t0) /* also when stopped: the rate so far */
		res->st.seconds = now_s(CLOCK_MONOTONIC) - k->t0;
	dds_side_close(&d);
	/* Closing the last writer is the channel's end of stream. */
	shmchan_channel_close(&k->ch);
	free(k);
	return err;
}

void bridge_print_stats(FILE *f, const char *role, const struct bridge_stats *st)
{
	double s = st->seconds > 0 ? st->seconds : 0;

	fprintf(f, "shmchan-bridge %s: ", role);
	if (!strcmp(role, "export"))
		fprintf(f, "samples out %" PRIu64 ", channel lost %" PRIu64 ", corrupt %" PRIu64,
			st->samples_out, st->channel_lost, st->corrupt);
	else
		fprintf(f,
			"samples in %" PRIu64 ", sources %" PRIu64 ", lost %" PRIu64
			", duplicates %" PRIu64 ", reordered %" PRIu64 ", too large %" PRIu64
			", invalid %" PRIu64 ", untracked %" PRIu64,
			st->samples_in, st->sources, st->lost, st->duplicates, st->reordered,
			st->too_large, st->invalid, st->untracked);
	fprintf(f, "; messages %" PRIu64 ", bytes %" PRIu64 " in %.3f s: %.0f msg/s, %.1f MB/s\n",
		st->messages, st->bytes, s, s > 0 ? (double)st->messages / s : 0,
		s > 0 ? (double)st->bytes / s / 1e6 : 0);
}
