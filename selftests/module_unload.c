// SPDX-License-Identifier: MIT
/*
 * module_unload: open files pin the module. rmmod (delete_module with
 * O_NONBLOCK) fails while a VM fd, a VCPU fd (or only its mapping) or the
 * system fd is open, and the module
 * keeps working; once everything is closed it unloads, /dev/axvcpu goes
 * away, and the module loads again from its file, honouring dev_mode.
 * The module file is $AXVCPU_KO, default /axvcpu.ko (where the runner's
 * initramfs has it). Runs last: it ends with the module loaded as the
 * runner loads it (no parameters).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/axvcpu.h>

#include "test_util.h"

#define DEFAULT_KO	"/axvcpu.ko"
/* How long devtmpfs may take to create or remove the node. */
#define NODE_TIMEOUT_MS	2000

static const char *module_file(void)
{
	const char *ko = getenv("AXVCPU_KO");

	return ko && *ko ? ko : DEFAULT_KO;
}

/* delete_module must refuse: the module is in use. */
static void assert_unload_refused(void)
{
	int ret = delete_module_nonblock(AXVCPU_MODULE_NAME);

	/* 6.1 says EWOULDBLOCK (== EAGAIN) for a module in use; EBUSY is older. */
	TEST_ASSERT(ret == -EWOULDBLOCK || ret == -EBUSY,
		    "delete_module(%s) while in use: got %d (%s) expected -EWOULDBLOCK or -EBUSY",
		    AXVCPU_MODULE_NAME, ret, ret ? test_errno_name(ret) : "success");
	TEST_ASSERT(module_is_loaded(AXVCPU_MODULE_NAME), "module gone after a refused unload");
}

/* The module answers on a fresh system fd. */
static void assert_module_works(void)
{
	int fd = test_open_dev();

	TEST_ASSERT_EQ(test_ioctl(fd, AXVCPU_GET_API_VERSION, NULL), AXVCPU_API_VERSION);
	close(fd);
}

static void unload_refused_while_vm_open(void)
{
	int sys_fd = test_open_dev();
	int vm_fd = test_create_vm(sys_fd);

	/* Only the VM fd is left: it alone must hold the module. */
	TEST_ASSERT_SYSCALL(close(sys_fd));
	assert_unload_refused();
	assert_module_works();
	TEST_ASSERT_SYSCALL(close(vm_fd));
}

/*
 * A VCPU fd alone holds the module (through its VM), and so does a
 * mapping of it once the fd is closed.
 */
static void unload_refused_while_vcpu_open(void)
{
	struct axvcpu_create_vcpu c = { .id = 0 };
	long page = sysconf(_SC_PAGESIZE);
	int sys_fd = test_open_dev();
	int vm_fd = test_create_vm(sys_fd);
	int vcpu_fd = (int)TEST_ASSERT_OK(test_ioctl(vm_fd, AXVCPU_CREATE_VCPU, &c));
	void *map;

	TEST_ASSERT_SYSCALL(close(vm_fd));
	TEST_ASSERT_SYSCALL(close(sys_fd));
	assert_unload_refused();
	TEST_ASSERT_EQ(test_ioctl(vcpu_fd, AXVCPU_GET_STATE, NULL), AXVCPU_STATE_CREATED);

	map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
	TEST_ASSERT(map != MAP_FAILED, "mmap: %s", strerror(errno));
	TEST_ASSERT_SYSCALL(close(vcpu_fd));
	assert_unload_refused();
	/* The run page is still there to read. */
	TEST_ASSERT_EQ(((volatile struct axvcpu_run *)map)->pad0[0], 0);
	TEST_ASSERT_SYSCALL(munmap(map, page));
	assert_module_works();
}

static void unload_refused_while_system_fd_open(void)
{
	int sys_fd = test_open_dev();

	assert_unload_refused();
	TEST_ASSERT_EQ(test_ioctl(sys_fd, AXVCPU_GET_API_VERSION, NULL), AXVCPU_API_VERSION);
	TEST_ASSERT_SYSCALL(close(sys_fd));
}

/* Unload (nothing may be open) and check that the node is gone. */
static void unload(void)
{
	int ret;

	/* Never unload what cannot be loaded back. */
	TEST_ASSERT(access(module_file(), R_OK) == 0, "%s: %s (set AXVCPU_KO)",
		    module_file(), strerror(errno));
	ret = delete_module_nonblock(AXVCPU_MODULE_NAME);
	TEST_ASSERT(ret == 0, "delete_module(%s) with nothing open: %s", AXVCPU_MODULE_NAME,
		    strerror(-ret));
	TEST_ASSERT(!module_is_loaded(AXVCPU_MODULE_NAME), "module still listed in /sys/module");
	TEST_ASSERT_SYSCALL_FAILS(open(AXVCPU_DEV_PATH, O_RDWR | O_CLOEXEC), ENOENT);
}

/* Load with @params; the node must appear with @mode. */
static void load(const char *params, unsigned int mode)
{
	struct stat st;
	int ret;

	ret = load_module_file(module_file(), params);
	TEST_ASSERT(ret == 0, "finit_module(%s, \"%s\"): %s", module_file(), params,
		    strerror(-ret));
	TEST_ASSERT(module_is_loaded(AXVCPU_MODULE_NAME), "module not live after loading");
	TEST_ASSERT_OK(wait_for_path(AXVCPU_DEV_PATH, NODE_TIMEOUT_MS));
	TEST_ASSERT_SYSCALL(stat(AXVCPU_DEV_PATH, &st));
	TEST_ASSERT((st.st_mode & 07777) == mode, "mode %04o expected %04o",
		    st.st_mode & 07777, mode);
}

static void unload_and_reload(void)
{
	assert_module_works();
	unload();
	load("", 0600);
	assert_module_works();
}

static void reload_with_dev_mode(void)
{
	char value[16];

	unload();
	load("dev_mode=0640", 0640);
	TEST_ASSERT_OK(read_text_file("/sys/module/" AXVCPU_MODULE_NAME "/parameters/dev_mode",
				      value, sizeof(value)));
	TEST_ASSERT(!strcmp(value, "416"), "dev_mode reads '%s' expected 416 (0640)", value);
	assert_module_works();

	/* Back to what the runner loaded. */
	unload();
	load("", 0600);
	assert_module_works();
}

static const struct test_case cases[] = {
	TEST_CASE(unload_refused_while_vm_open),
	TEST_CASE(unload_refused_while_vcpu_open),
	TEST_CASE(unload_refused_while_system_fd_open),
	TEST_CASE(unload_and_reload),
	TEST_CASE(reload_with_dev_mode),
};

int main(void)
{
	return test_run_all(cases);
}
