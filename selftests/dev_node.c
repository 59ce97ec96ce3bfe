// SPDX-License-Identifier: MIT
/*
 * dev_node: /dev/axvcpu is the module's misc character device, root-only
 * by default (mode 0600, root:root, module parameter dev_mode), openable by
 * root and refused to an unprivileged user.
 */
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/axvcpu.h>

#include "test_util.h"

/* The misc device major (include/linux/miscdevice.h, MISC_MAJOR). */
#define MISC_MAJOR	10
/* The "nobody" user and group. */
#define NOBODY		65534

static void node_is_misc_char_device(void)
{
	unsigned int major, minor;
	char dev[32];
	struct stat st;

	TEST_ASSERT_SYSCALL(stat(AXVCPU_DEV_PATH, &st));
	TEST_ASSERT(S_ISCHR(st.st_mode), "mode %#o is not a character device", st.st_mode);
	TEST_ASSERT_EQ(major(st.st_rdev), MISC_MAJOR);

	/* The node must be the misc device the module registered. */
	TEST_ASSERT_OK(read_text_file("/sys/class/misc/axvcpu/dev", dev, sizeof(dev)));
	TEST_ASSERT(sscanf(dev, "%u:%u", &major, &minor) == 2, "bad dev file '%s'", dev);
	TEST_ASSERT_EQ(major(st.st_rdev), major);
	TEST_ASSERT_EQ(minor(st.st_rdev), minor);
}

/* The dev_mode parameter as loaded, or a failure of the case. */
static unsigned int module_dev_mode(void)
{
	char buf[32], *end;
	unsigned long mode;

	TEST_ASSERT_OK(read_text_file("/sys/module/" AXVCPU_MODULE_NAME "/parameters/dev_mode",
				      buf, sizeof(buf)));
	/* A ushort parameter reads back in decimal. */
	mode = strtoul(buf, &end, 10);
	TEST_ASSERT(end != buf && *end == '\0', "dev_mode reads '%s'", buf);
	return (unsigned int)mode;
}

static void node_mode_follows_dev_mode(void)
{
	unsigned int expected = module_dev_mode() & 0777;
	struct stat st;

	TEST_ASSERT_SYSCALL(stat(AXVCPU_DEV_PATH, &st));
	TEST_ASSERT((st.st_mode & 07777) == expected, "mode %04o, dev_mode says %04o",
		    st.st_mode & 07777, expected);
	TEST_ASSERT_EQ(st.st_uid, 0);
	TEST_ASSERT_EQ(st.st_gid, 0);
}

static void default_mode_is_0600(void)
{
	unsigned int mode = module_dev_mode();
	struct stat st;

	/* The runner loads the module without parameters. */
	TEST_ASSERT(mode == 0600, "dev_mode is %04o, the default is 0600", mode);
	TEST_ASSERT_SYSCALL(stat(AXVCPU_DEV_PATH, &st));
	TEST_ASSERT((st.st_mode & 07777) == 0600, "mode %04o", st.st_mode & 07777);
}

static void open_as_root(void)
{
	int fd = test_open_dev();

	TEST_ASSERT(fd_is_cloexec(fd), "O_CLOEXEC was asked for");
	TEST_ASSERT_EQ(test_ioctl(fd, AXVCPU_GET_API_VERSION, NULL), AXVCPU_API_VERSION);
	TEST_ASSERT_SYSCALL(close(fd));

	/* Read-only opens are allowed too: every ioctl checks its own needs. */
	fd = TEST_ASSERT_SYSCALL(open(AXVCPU_DEV_PATH, O_RDONLY | O_CLOEXEC));
	TEST_ASSERT_SYSCALL(close(fd));
}

static void open_as_nobody_fails(void)
{
	int status;
	pid_t pid;

	pid = TEST_ASSERT_SYSCALL(fork());
	if (pid == 0) {
		/* setuid() from root drops every capability, DAC override too. */
		TEST_ASSERT_SYSCALL(setgroups(0, NULL));
		TEST_ASSERT_SYSCALL(setgid(NOBODY));
		TEST_ASSERT_SYSCALL(setuid(NOBODY));
		TEST_ASSERT_EQ(geteuid(), NOBODY);
		TEST_ASSERT_SYSCALL_FAILS(open(AXVCPU_DEV_PATH, O_RDWR | O_CLOEXEC), EACCES);
		TEST_ASSERT_SYSCALL_FAILS(open(AXVCPU_DEV_PATH, O_RDONLY | O_CLOEXEC), EACCES);
		_exit(KSFT_PASS);
	}
	TEST_ASSERT_SYSCALL(waitpid(pid, &status, 0));
	/* The child printed its own diagnostic if it failed. */
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == KSFT_PASS,
		    "unprivileged child ended with status %#x", status);
}

static const struct test_case cases[] = {
	TEST_CASE(node_is_misc_char_device),
	TEST_CASE(node_mode_follows_dev_mode),
	TEST_CASE(default_mode_is_0600),
	TEST_CASE(open_as_root),
	TEST_CASE(open_as_nobody_fails),
};

int main(void)
{
	return test_run_all(cases);
}
