// SPDX-License-Identifier: MIT
/*
 * many_vms: 64 VMs at once, twice (what the first round freed is
 * reusable), the MAX_VMS limit enforced with -ENOBUFS and lifted again by
 * closing a VM, creators racing at the limit never making each other fail
 * while a slot is free, and a VM that outlives the system fd it came from.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

struct hammer {
	int sys_fd;
	volatile int stop;
	volatile unsigned long created;
	unsigned long attempts;
};

/* CREATE_VM in a loop: -ENOBUFS at the limit, or a VM closed again. */
static void *hammer_fn(void *arg)
{
	struct hammer *h = arg;
	struct axvcpu_create_vm c = { 0 };
	long fd;

	while (!h->stop) {
		fd = test_ioctl(h->sys_fd, AXVCPU_CREATE_VM, &c);
		h->attempts++;
		if (fd >= 0) {
			h->created++;
			close(fd);
		}
	}
	return NULL;
}

/*
 * With the limit reached, threads that keep failing to create VMs must
 * not make a creator fail once a slot is free: each round closes one VM
 * and creates one; a -ENOBUFS while no other thread got the slot is
 * spurious.
 */
static void max_vms_racing_creators(void)
{
	struct axvcpu_capability cap = { .cap = AXVCPU_CAP_MAX_VMS };
	struct hammer h[3];
	pthread_t t[3];
	struct rlimit rl;
	unsigned int max, have, i, spurious = 0, lost = 0, rounds = 0;
	struct timespec end, now;
	int sys_fd = test_open_dev();
	int *fds;

	TEST_ASSERT_EQ(test_ioctl(sys_fd, AXVCPU_CHECK_CAP, &cap), 0);
	if (cap.value > 4096)
		test_skip("MAX_VMS is %llu: too many fds to reach it here",
			  (unsigned long long)cap.value);
	max = (unsigned int)cap.value;
	rl.rlim_cur = rl.rlim_max = max + 64;
	TEST_ASSERT_SYSCALL(setrlimit(RLIMIT_NOFILE, &rl));
	fds = calloc(max, sizeof(*fds));
	TEST_ASSERT(fds, "calloc");
	create_vms(sys_fd, fds, max);
	have = max;

	for (i = 0; i < ARRAY_SIZE(h); i++) {
		h[i] = (struct hammer){ .sys_fd = sys_fd };
		TEST_ASSERT_EQ(pthread_create(&t[i], NULL, hammer_fn, &h[i]), 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 5;
	do {
		unsigned long before = 0, after = 0;
		long fd;

		for (i = 0; i < ARRAY_SIZE(h); i++)
			before += h[i].created;
		TEST_ASSERT_SYSCALL(close(fds[--have]));
		fd = test_ioctl(sys_fd, AXVCPU_CREATE_VM, &(struct axvcpu_create_vm){ 0 });
		rounds++;
		if (fd >= 0) {
			fds[have++] = fd;
		} else {
			TEST_ASSERT_ERRNO(fd, -ENOBUFS);
			/* Let a hammer that took the slot count it. */
			usleep(20000);
			for (i = 0; i < ARRAY_SIZE(h); i++)
				after += h[i].created;
			if (after == before)
				spurious++;
			else
				lost++;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end.tv_sec && have > max / 2);

	for (i = 0; i < ARRAY_SIZE(h); i++) {
		h[i].stop = 1;
		TEST_ASSERT_EQ(pthread_join(t[i], NULL), 0);
	}
	test_note("%u rounds: %u slots lost to a racing creator, %u spurious -ENOBUFS",
		  rounds, lost, spurious);
	TEST_ASSERT_EQ(spurious, 0);
	close_vms(fds, have);
	free(fds);
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
	TEST_CASE(max_vms_racing_creators),
	TEST_CASE(vm_outlives_system_fd),
};

#define MAX_VMS_PARAM	"/sys/module/axvcpu/parameters/max_vms_per_process"

int main(void)
{
	char old[32];
	bool raised;
	int ret;

	/*
	 * These cases reach the system-wide limit from one process: lift
	 * the per-process one (resource_limits tests it) for their run.
	 */
	raised = !read_text_file(MAX_VMS_PARAM, old, sizeof(old)) &&
		 !write_text_file(MAX_VMS_PARAM, "100000");
	ret = test_run_all(cases);
	if (raised)
		write_text_file(MAX_VMS_PARAM, old);
	return ret;
}
