/* SPDX-License-Identifier: MIT */
/*
 * hello_channel: a writer and a reader in two processes over one channel.
 *
 *   hello_channel [COUNT]              fork: the child reads, the parent writes
 *   hello_channel writer NAME [COUNT]  run the writer by hand (terminal 1)
 *   hello_channel reader NAME [COUNT]  run the reader by hand (terminal 2)
 *
 * Every message carries its sequence number and a payload the reader checks
 * byte by byte. Exit status 0 when every message arrived intact and in order.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shmchan.h>

#define SLOT_SIZE 1024
#define SLOT_COUNT 64
#define STALL_MS 10000 /* give up if the peer makes no progress this long */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

static size_t msg_len(unsigned seq)
{
	return 8 + (seq * 37u) % (SLOT_SIZE - 8);
}

static void make_msg(unsigned char *m, unsigned seq, size_t len)
{
	size_t i;

	memcpy(m, &seq, 4);
	memcpy(m + 4, &len, 4);
	for (i = 8; i < len; i++)
		m[i] = (unsigned char)(seq + i);
}

static int check_msg(const unsigned char *m, size_t len, unsigned want)
{
	unsigned seq;
	size_t i;

	memcpy(&seq, m, 4);
	if (seq != want || len != msg_len(seq))
		return 0;
	for (i = 8; i < len; i++)
		if (m[i] != (unsigned char)(seq + i))
			return 0;
	return 1;
}

static int run_writer(struct shmchan_channel *ch, unsigned count)
{
	unsigned char msg[SLOT_SIZE];
	unsigned seq;

	for (seq = 0; seq < count; seq++) {
		size_t len = msg_len(seq);
		double stall = now_s();
		int err;

		make_msg(msg, seq, len);
		while ((err = shmchan_channel_write(ch, msg, len)) == -EAGAIN) {
			if (now_s() - stall > STALL_MS / 1000.0) {
				fprintf(stderr,
					"writer: ring full for %d ms: is a reader running?\n",
					STALL_MS);
				return 1;
			}
			nap_us(50); /* ring full: let the reader run */
		}
		if (err) {
			fprintf(stderr, "writer: write: %s\n", shmchan_strerror(err));
			return 1;
		}
	}
	/* Wait (bounded) for the reader to drain before the caller unlinks. */
	for (seq = 0; shmchan_channel_depth(ch) > 0 && seq < STALL_MS; seq++)
		nap_us(1000);
	return 0;
}

static int run_reader(const char *name, unsigned count)
{
	unsigned char buf[SLOT_SIZE];
	struct shmchan_channel ch;
	unsigned seq, bad = 0;
	unsigned long long bytes = 0;
	double t0;
	int err, tries;

	for (tries = 0; (err = shmchan_channel_open_reader(&ch, name, NULL)) != 0; tries++) {
		if ((err != -ENOENT && err != -EAGAIN) || tries == 1000) {
			fprintf(stderr, "reader: open %s: %s\n", name, shmchan_strerror(err));
			return 1;
		}
		nap_us(10000); /* the writer has not created it yet */
	}
	t0 = now_s();
	for (seq = 0; seq < count;) {
		size_t len;

		err = shmchan_channel_read(&ch, buf, sizeof(buf), &len);
		if (err == -EAGAIN) {
			err = shmchan_channel_wait_readable(&ch, STALL_MS);
			if (err) {
				fprintf(stderr, "reader: no message for %d ms (%s) after %u\n",
					STALL_MS, shmchan_strerror(err), seq);
				break;
			}
			continue;
		}
		if (err) {
			fprintf(stderr, "reader: read: %s\n", shmchan_strerror(err));
			bad++;
			continue;
		}
		if (!check_msg(buf, len, seq))
			bad++;
		bytes += len;
		seq++;
	}
	t0 = now_s() - t0;
	printf("reader: %u messages, %.1f MB, %u bad, %.3f s, %.0f msg/s\n", seq, bytes / 1e6, bad,
	       t0, t0 > 0 ? seq / t0 : 0.0);
	shmchan_channel_close(&ch);
	return (seq == count && bad == 0) ? 0 : 1;
}

static int create(struct shmchan_channel *ch, const char *name)
{
	struct shmchan_config cfg = { .slot_size = SLOT_SIZE, .slot_count = SLOT_COUNT };
	int err = shmchan_channel_create_or_replace_writer(ch, name, &cfg);

	char why[128];

	/* A refused config says which field (shmchan_config_check). */
	if (err == -EINVAL && shmchan_config_check(&cfg, SHMCHAN_CHECK_CREATE, why, sizeof(why)))
		fprintf(stderr, "writer: create %s: %s\n", name, why);
	else if (err)
		fprintf(stderr, "writer: create %s: %s\n", name, shmchan_strerror(err));
	return err;
}

static int demo(unsigned count)
{
	struct shmchan_channel ch;
	char name[64];
	int rc, st = 0;
	pid_t pid;

	snprintf(name, sizeof(name), "hello.%d", (int)getpid());
	if (create(&ch, name))
		return 1;
	printf("hello_channel: %u messages of 8..%d bytes over /dev/shm/%s%s\n", count,
	       SLOT_SIZE - 1, SHMCHAN_PREFIX, name);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		rc = run_reader(name, count);
		fflush(stdout);
		_exit(rc);
	}
	rc = pid < 0 ? 1 : run_writer(&ch, count);
	if (pid > 0 && waitpid(pid, &st, 0) == pid && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		rc = 1;
	shmchan_channel_close(&ch);
	shmchan_channel_unlink(name);
	printf("hello_channel: %s\n", rc ? "FAILED" : "ok");
	return rc;
}

int main(int argc, char **argv)
{
	unsigned count = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 100000;
	struct shmchan_channel ch;
	int rc;

	if (argc == 1)
		return demo(100000);
	if (argc == 2 && argv[1][0] >= '0' && argv[1][0] <= '9')
		return demo((unsigned)strtoul(argv[1], NULL, 0));
	if (argc >= 3 && strcmp(argv[1], "reader") == 0)
		return run_reader(argv[2], count);
	if (argc >= 3 && strcmp(argv[1], "writer") == 0) {
		if (create(&ch, argv[2]))
			return 1;
		rc = run_writer(&ch, count);
		shmchan_channel_close(&ch);
		shmchan_channel_unlink(argv[2]);
		return rc;
	}
	fprintf(stderr, "usage: %s [COUNT] | writer NAME [COUNT] | reader NAME [COUNT]\n", argv[0]);
	return 2;
}
