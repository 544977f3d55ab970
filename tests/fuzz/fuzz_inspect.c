/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness: shmchan_inspect() on a segment the fuzzer wrote.
 *
 * Input: the segment's bytes, which become a real shared-memory object
 * (shmchan_segment_create, one name per process). The harness inspects it
 * (shmchan_inspect), tries to create a channel of that name
 * (shmchan_channel_create_writer judges whether the object is a stale
 * channel), joins it as a writer (shmchan_channel_open_writer, which takes
 * over registry entries of dead peers), describes the open handle
 * (shmchan_channel_info), and inspects and tries the create again with that
 * writer attached; then closes and unlinks it. Results are checked against
 * include/shmchan/inspect.h: more peers than the tables hold, a depth above
 * the slot count, a size other than the object's abort.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fz_util.h"
#include "shmchan.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The object's name: SHMCHAN_FUZZ_TAG (run.sh sets it) and the pid. */
static char name[96];
/* The lowest free descriptor after initialisation: every input must leave
 * the descriptors as it found them (a few of libFuzzer's may come and go). */
static int fd_base;
/* Large: two tables of 64 peers each. */
static struct shmchan_info info = SHMCHAN_INFO_INIT;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tag = getenv("SHMCHAN_FUZZ_TAG");

	(void)argc;
	(void)argv;
	if (!tag || strlen(tag) > 32 || shmchan_name_check(tag) != 0)
		tag = "local";
	snprintf(name, sizeof(name), "fuzz.%s.%ld.inspect", tag, (long)getpid());
	shmchan_segment_unlink(name);
	fd_base = fz_lowest_free_fd();
	return 0;
}

/* Write the input's bytes as the object @name, of exactly that size. */
static int load(const uint8_t *img, size_t n)
{
	struct shmchan_segment seg;
	int err = shmchan_segment_create(&seg, name, n, 0);

	if (err == -EEXIST) {
		shmchan_segment_unlink(name);
		err = shmchan_segment_create(&seg, name, n, 0);
	}
	if (err)
		return err;
	memcpy(shmchan_segment_data(&seg), img, n);
	shmchan_segment_close(&seg);
	return 0;
}

static void check_peer(const struct shmchan_peer_info *p)
{
	CHECK(p->alive == 0 || p->alive == 1);
	if (p->pid == 0)
		CHECK(p->alive == 0);
}

static void check_info(const struct shmchan_info *in, size_t size)
{
	uint32_t i;

	CHECK(in->kind >= SHMCHAN_KIND_SLOT && in->kind <= SHMCHAN_KIND_WORKQUEUE);
	CHECK(in->size == size);
	CHECK(in->stale == 0 || in->stale == 1);
	CHECK(in->nwriters <= SHMCHAN_MAX_WRITERS);
	CHECK(in->nsubscribers <= SHMCHAN_MAX_SUBSCRIBERS);
	if (in->kind != SHMCHAN_KIND_RECORD) {
		CHECK(in->depth <= in->slot_count);
		CHECK(in->max_depth <= in->slot_count);
	}
	check_peer(&in->reader);
	for (i = 0; i < in->nwriters; i++)
		check_peer(&in->writers[i]);
	for (i = 0; i < in->nsubscribers; i++)
		check_peer(&in->subscribers[i]);
}

/* create_writer on the taken name judges what holds it: -ESTALE for a
 * channel with no live peer, else -EEXIST; it never takes the name. */
static int create_over(void)
{
	static const struct shmchan_config cfg = { .slot_size = 64, .slot_count = 8 };
	struct shmchan_channel c;
	int err = shmchan_channel_create_writer(&c, name, &cfg);

	CHECK(err == -EEXIST || err == -ESTALE);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shmchan_channel w;

	if (size == 0 || size > IMAGE_MAX || load(data, size) != 0)
		return 0;
	if (shmchan_inspect(name, &info) == 0)
		check_info(&info, size);
	(void)create_over();
	if (shmchan_channel_open_writer(&w, name, NULL) == 0) {
		CHECK(shmchan_channel_info(&w, &info) == 0);
		check_info(&info, size);
		CHECK(shmchan_inspect(name, &info) == 0);
		check_info(&info, size);
		CHECK(info.stale == 0); /* our writer lives */
		CHECK(create_over() == -EEXIST);
		shmchan_channel_close(&w);
	}
	shmchan_channel_unlink(name);
	CHECK(fz_lowest_free_fd() < fd_base + 8); /* no descriptor leaked */
	return 0;
}
