/* SPDX-License-Identifier: MIT */
/* Segment layer: names, create/open/replace/unlink, modes, sharing. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "t_util.h"

static void test_names(void)
{
	char name[SHMCHAN_NAME_MAX + 2];

	ASSERT_ERR(shmchan_name_check(NULL), -EINVAL);
	ASSERT_ERR(shmchan_name_check(""), -EINVAL);
	ASSERT_ERR(shmchan_name_check("a/b"), -EINVAL);
	ASSERT_ERR(shmchan_name_check("a b"), -EINVAL);
	ASSERT_ERR(shmchan_name_check("caf\xc3\xa9"), -EINVAL);
	ASSERT_ERR(shmchan_name_check("tab\t"), -EINVAL);
	ASSERT_OK(shmchan_name_check("Video_ch-0.v2"));
	memset(name, 'x', SHMCHAN_NAME_MAX);
	name[SHMCHAN_NAME_MAX] = '\0';
	ASSERT_OK(shmchan_name_check(name));
	name[SHMCHAN_NAME_MAX] = 'x';
	name[SHMCHAN_NAME_MAX + 1] = '\0';
	ASSERT_ERR(shmchan_name_check(name), -ENAMETOOLONG);
}

static void test_long_name_roundtrip(void)
{
	struct shmchan_segment a, b;
	char name[SHMCHAN_NAME_MAX + 2];
	int n = snprintf(name, sizeof(name), "t.long.%d.", (int)getpid());

	/* The longest legal name is used whole: open finds the same object. */
	memset(name + n, 'y', SHMCHAN_NAME_MAX - (size_t)n);
	name[SHMCHAN_NAME_MAX] = '\0';
	ASSERT_OK(shmchan_segment_create(&a, name, 4096, 0));
	ASSERT_OK(shmchan_segment_open(&b, name));
	ASSERT_TRUE(strstr(b.path, name) != NULL);
	ASSERT_OK(shmchan_segment_unlink(name));
	shmchan_segment_close(&a);
	shmchan_segment_close(&b);
	/* One more character is refused, not cut. */
	name[SHMCHAN_NAME_MAX] = 'y';
	name[SHMCHAN_NAME_MAX + 1] = '\0';
	ASSERT_ERR(shmchan_segment_create(&a, name, 4096, 0), -ENAMETOOLONG);
}

static void test_create_open(void)
{
	const char *name = t_name("seg");
	struct shmchan_segment a, b, c;
	struct stat st;

	ASSERT_ERR(shmchan_segment_create(NULL, name, 4096, 0), -EINVAL);
	ASSERT_ERR(shmchan_segment_create(&a, name, 0, 0), -EINVAL);
	ASSERT_ERR(shmchan_segment_create(&a, name, 4096, 010000), -EINVAL);
	ASSERT_ERR(shmchan_segment_open(&a, name), -ENOENT);
	ASSERT_OK(shmchan_segment_create(&a, name, 12345, 0));
	ASSERT_EQ(shmchan_segment_size(&a), 12345);
	ASSERT_TRUE(shmchan_segment_data(&a) != NULL);
	ASSERT_TRUE(strncmp(a.path, "/" SHMCHAN_PREFIX, strlen(SHMCHAN_PREFIX) + 1) == 0);
	ASSERT_OK(fstat(a.fd, &st));
	ASSERT_EQ(st.st_mode & 0777, 0600);
	ASSERT_ERR(shmchan_segment_create(&b, name, 4096, 0), -EEXIST);
	/* Open takes the size from the object. */
	ASSERT_OK(shmchan_segment_open(&b, name));
	ASSERT_EQ(shmchan_segment_size(&b), 12345);
	((unsigned char *)a.addr)[12344] = 0x5a;
	ASSERT_EQ(((unsigned char *)b.addr)[12344], 0x5a);
	/* Replace: the old mapping stays valid, the name points to a new object. */
	ASSERT_OK(shmchan_segment_create_or_replace(&c, name, 8192, 0));
	ASSERT_EQ(((unsigned char *)a.addr)[12344], 0x5a);
	ASSERT_EQ(((unsigned char *)c.addr)[0], 0);
	shmchan_segment_close(&b);
	ASSERT_OK(shmchan_segment_open(&b, name));
	ASSERT_EQ(shmchan_segment_size(&b), 8192);
	ASSERT_OK(shmchan_segment_close(&a));
	ASSERT_OK(shmchan_segment_close(&a)); /* closed handle: harmless */
	ASSERT_OK(shmchan_segment_close(&b));
	ASSERT_OK(shmchan_segment_close(&c));
	ASSERT_OK(shmchan_segment_unlink(name));
	ASSERT_ERR(shmchan_segment_unlink(name), -ENOENT);
	ASSERT_ERR(shmchan_segment_close(NULL), -EINVAL);
	ASSERT_TRUE(shmchan_segment_data(NULL) == NULL);
	ASSERT_EQ(shmchan_segment_size(NULL), 0);
}

static void test_zeroed_handle(void)
{
	struct shmchan_segment z;
	int fd = open("/dev/null", O_RDONLY);

	/* Make sure fd 0 is open, then check a zeroed handle leaves it be. */
	ASSERT_TRUE(fd >= 0);
	if (fd != 0) {
		ASSERT_EQ(dup2(fd, 0), 0);
		close(fd);
	}
	memset(&z, 0, sizeof(z));
	ASSERT_OK(shmchan_segment_close(&z));
	ASSERT_TRUE(fcntl(0, F_GETFD) >= 0);
}

static void test_mode(void)
{
	const char *name = t_name("mode");
	struct shmchan_segment a;
	struct stat st;
	mode_t old = umask(0);

	ASSERT_OK(shmchan_segment_create(&a, name, 4096, 0644));
	ASSERT_OK(fstat(a.fd, &st));
	ASSERT_EQ(st.st_mode & 0777, 0644);
	shmchan_segment_close(&a);
	shmchan_segment_unlink(name);
	umask(old);
}

static void test_empty_object(void)
{
	const char *name = t_name("empty");
	char path[128];
	struct shmchan_segment a;
	int fd;

	/* An object created but not yet sized: open asks to retry. */
	snprintf(path, sizeof(path), "/" SHMCHAN_PREFIX "%s", name);
	fd = shm_open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
	ASSERT_TRUE(fd >= 0);
	close(fd);
	ASSERT_ERR(shmchan_segment_open(&a, name), -EAGAIN);
	shmchan_segment_unlink(name);
}

static const char *g_cross_name;

static int child_writes(void *arg)
{
	struct shmchan_segment s;

	(void)arg;
	if (shmchan_segment_open(&s, g_cross_name) != 0)
		return 2;
	memcpy(s.addr, "from the child", 15);
	shmchan_segment_close(&s);
	return 0;
}

static void test_cross_process(void)
{
	struct shmchan_segment s;

	g_cross_name = t_name("cross");
	ASSERT_OK(shmchan_segment_create(&s, g_cross_name, 4096, 0));
	ASSERT_EQ(t_wait_child(t_fork(child_writes, NULL), 10000), 0);
	ASSERT_TRUE(memcmp(s.addr, "from the child", 15) == 0);
	shmchan_segment_close(&s);
	shmchan_segment_unlink(g_cross_name);
}

static const struct t_case cases[] = {
	{ "names", test_names },
	{ "long_name_roundtrip", test_long_name_roundtrip },
	{ "create_open", test_create_open },
	{ "zeroed_handle", test_zeroed_handle },
	{ "mode", test_mode },
	{ "empty_object", test_empty_object },
	{ "cross_process", test_cross_process },
};

int main(int argc, char **argv)
{
	t_watchdog(60);
	t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
	printf("test_segment: ok\n");
	return 0;
}
