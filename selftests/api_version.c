// SPDX-License-Identifier: MIT
/*
 * api_version: the system fd answers GET_API_VERSION with the version of
 * the header it was built with, and GET_RUN_SIZE with the two pages a
 * VCPU maps (run structure, string I/O data); both ignore their argument.
 */
#include <unistd.h>

#include <linux/axvcpu.h>

#include "axvcpu-user.h"
#include "test_util.h"

/* The version this test was written for: a compile-time fact, no point. */
_Static_assert(AXVCPU_API_VERSION == 1, "AXVCPU_API_VERSION");

static void api_version_matches_header(void)
{
	int fd = test_open_dev();

	TEST_ASSERT_EQ(test_ioctl(fd, AXVCPU_GET_API_VERSION, NULL), AXVCPU_API_VERSION);
	/* _IO ioctls take no argument: whatever is passed is ignored. */
	TEST_ASSERT_EQ(test_ioctl(fd, AXVCPU_GET_API_VERSION, (void *)0x1234),
		       AXVCPU_API_VERSION);
	close(fd);
}

static void run_size_is_two_pages(void)
{
	int fd = test_open_dev();
	long page = test_page_size();

	TEST_ASSERT_EQ(test_ioctl(fd, AXVCPU_GET_RUN_SIZE, NULL), 2 * page);
	TEST_ASSERT_EQ(test_ioctl(fd, AXVCPU_GET_RUN_SIZE, (void *)0x1234), 2 * page);
	/* The run structure fits its page. */
	TEST_ASSERT_LE(sizeof(struct axvcpu_run), (unsigned long)page);
	close(fd);
}

static void library_open_agrees(void)
{
	struct axvcpu_sys sys;

	TEST_ASSERT_OK(axvcpu_open(&sys, NULL));
	TEST_ASSERT(sys.fd >= 0, "fd %d", sys.fd);
	TEST_ASSERT(fd_is_cloexec(sys.fd), "the library opens with O_CLOEXEC");
	TEST_ASSERT_EQ(axvcpu_api_version(&sys), AXVCPU_API_VERSION);
	TEST_ASSERT_EQ(sys.run_size, 2 * (unsigned long)test_page_size());
	TEST_ASSERT_EQ(axvcpu_run_size(&sys), 2 * test_page_size());
	axvcpu_close(&sys);
	TEST_ASSERT_EQ(sys.fd, -1);

	/* A path that does not exist is reported as such. */
	TEST_ASSERT_ERRNO(axvcpu_open(&sys, "/dev/axvcpu-does-not-exist"), -ENOENT);
	TEST_ASSERT_EQ(sys.fd, -1);
}

static const struct test_case cases[] = {
	TEST_CASE(api_version_matches_header),
	TEST_CASE(run_size_is_two_pages),
	TEST_CASE(library_open_agrees),
};

int main(void)
{
	return test_run_all(cases);
}
