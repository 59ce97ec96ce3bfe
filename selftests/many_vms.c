// SPDX-License-Identifier: MIT
/*
 * many_vms: 64 VMs at once, twice (what the first round freed is
 * reusable), the MAX_VMS limit enforced with -ENOBUFS and lifted again by
 * closing a VM, and a VM that outlives the system fd it came from.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <linux/axvcpu.h>

#include "test_util.h"

#define NR_VMS	64

/* Create @n VMs on @sys_fd into @fds; all distinct and close-on-exec. */
static void create_vms(int sys_fd, int *fds, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		fds[i] = test_create_vm(sys_fd);
		TEST_ASSERT(fd_is_cloexec(fds[i]), "VM %u: fd %d lacks FD_CLOEXEC", i, fds[i]);
		TEST_ASSERT_NE(fds[i], sys_fd);
		for (j = 0; j < i; j++)
			TEST_ASSERT(fds[i] != fds[j], "VMs %u and %u share fd %d", j, i, fds[i]);
	}
}

static void close_vms(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		TEST_ASSERT_SYSCALL(close(fds[i]));
}

static void sixty_four_vms_twice(void)
{
	int fds[NR_VMS];
	int sys_fd = test_open_dev();
	int round;

	for (round = 1; round <= 2; round++) {
		test_note("round %d: %d VMs", round, NR_VMS);
		create_vms(sys_fd, fds, NR_VMS);
		close_vms(fds, NR_VMS);
	}
	close(sys_fd);
}

static void max_vms_enforced(void)
{
	struct axvcpu_capability cap = { .cap = AXVCPU_CAP_MAX_VMS };
	struct rlimit rl;
	unsigned int max;
	int sys_fd = test_open_dev();
	int *fds, extra;

	TEST_ASSERT_EQ(test_ioctl(sys_fd, AXVCPU_CHECK_CAP, &cap), 0);
	if (cap.value > 4096)
		test_skip("MAX_VMS is %llu: too many fds to reach it here",
			  (unsigned long long)cap.value);
	max = (unsigned int)cap.value;

	/* Enough fds that the limit we hit is the module's, not EMFILE. */
	rl.rlim_cur = rl.rlim_max = max + 64;
	TEST_ASSERT_SYSCALL(setrlimit(RLIMIT_NOFILE, &rl));

	fds = calloc(max, sizeof(*fds));
	TEST_ASSERT(fds, "calloc");
	create_vms(sys_fd, fds, max);
	TEST_ASSERT_ERRNO(test_ioctl(sys_fd, AXVCPU_CREATE_VM,
				     &(struct axvcpu_create_vm){ 0 }), -ENOBUFS);

	/* One closed, one more may exist. */
	TEST_ASSERT_SYSCALL(close(fds[max - 1]));
	fds[max - 1] = test_create_vm(sys_fd);
	TEST_ASSERT_ERRNO(test_ioctl(sys_fd, AXVCPU_CREATE_VM,
				     &(struct axvcpu_create_vm){ 0 }), -ENOBUFS);

	close_vms(fds, max);
	free(fds);

	/* And after all are gone, creating works again. */
	extra = test_create_vm(sys_fd);
	close(extra);
	close(sys_fd);
}

static void vm_outlives_system_fd(void)
{
	struct axvcpu_memory_region region;
	long page = test_page_size();
	int sys_fd = test_open_dev();
	int vm_fd = test_create_vm(sys_fd);
	void *mem;

	TEST_ASSERT_SYSCALL(close(sys_fd));

	/* The VM still works: a memory region can be added and deleted. */
	mem = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(mem != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(&region, 0, sizeof(region));
	region.size = page;
	region.userspace_addr = (uintptr_t)mem;
	TEST_ASSERT_EQ(test_ioctl(vm_fd, AXVCPU_SET_MEMORY_REGION, &region), 0);
	region.size = 0;
	TEST_ASSERT_EQ(test_ioctl(vm_fd, AXVCPU_SET_MEMORY_REGION, &region), 0);
	TEST_ASSERT_SYSCALL(close(vm_fd));
	munmap(mem, page);
}

static const struct test_case cases[] = {
	TEST_CASE(sixty_four_vms_twice),
	TEST_CASE(max_vms_enforced),
	TEST_CASE(vm_outlives_system_fd),
};

int main(void)
{
	return test_run_all(cases);
}
