// SPDX-License-Identifier: MIT
/*
 * resource_limits: the per-process VM and VCPU limits (module parameters
 * max_vms_per_process and max_vcpus_per_process): the limit is exact,
 * -EDQUOT says it was hit, closing one makes room again, another process
 * has its own count, VCPUs count across the process's VMs, and an
 * unprivileged user who may open the device is held to the same limits
 * and cannot change them.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/axvcpu.h>

#include "test_util.h"

#define PARAM_DIR	"/sys/module/axvcpu/parameters/"
#define VMS_PARAM	PARAM_DIR "max_vms_per_process"
#define VCPUS_PARAM	PARAM_DIR "max_vcpus_per_process"
#define NOBODY		65534

static long create_vm(int sys_fd)
{
	return test_ioctl(sys_fd, AXVCPU_CREATE_VM, &(struct axvcpu_create_vm){ 0 });
}

static long create_vcpu(int vm_fd, uint32_t id)
{
	return test_ioctl(vm_fd, AXVCPU_CREATE_VCPU, &(struct axvcpu_create_vcpu){ .id = id });
}

/*
 * Run @fn in a child with the parameters set to @vms and @vcpus, and put
 * them back afterwards whatever the child did. Return: its exit status.
 */
static int with_limits(const char *vms, const char *vcpus, void (*fn)(void))
{
	char old_vms[32], old_vcpus[32];
	int status;
	pid_t pid;

	TEST_ASSERT_EQ(read_text_file(VMS_PARAM, old_vms, sizeof(old_vms)), 0);
	TEST_ASSERT_EQ(read_text_file(VCPUS_PARAM, old_vcpus, sizeof(old_vcpus)), 0);
	TEST_ASSERT_EQ(write_text_file(VMS_PARAM, vms), 0);
	TEST_ASSERT_EQ(write_text_file(VCPUS_PARAM, vcpus), 0);
	pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	write_text_file(VMS_PARAM, old_vms);
	write_text_file(VCPUS_PARAM, old_vcpus);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* In a child: a failed check exits with its line number (mod 256, never 0). */
#define CHILD_CHECK(cond) do { if (!(cond)) _exit(__LINE__ % 255 + 1); } while (0)

static void vms_child(void)
{
	int sys_fd = open("/dev/axvcpu", O_RDWR), fds[3], i, st;
	pid_t pid;

	CHILD_CHECK(sys_fd >= 0);
	for (i = 0; i < 3; i++)
		CHILD_CHECK((fds[i] = create_vm(sys_fd)) >= 0);
	CHILD_CHECK(create_vm(sys_fd) == -EDQUOT);
	/* A closed VM makes room. */
	close(fds[1]);
	CHILD_CHECK((fds[1] = create_vm(sys_fd)) >= 0);
	CHILD_CHECK(create_vm(sys_fd) == -EDQUOT);
	/* Another process counts its own VMs, with the same limit. */
	pid = fork();
	if (pid == 0) {
		int j, n = 0;

		for (j = 0; j < 5; j++)
			n += create_vm(sys_fd) >= 0;
		_exit(n == 3 ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* Its VMs died with it: still exactly full here. */
	CHILD_CHECK(create_vm(sys_fd) == -EDQUOT);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	CHILD_CHECK((fds[0] = create_vm(sys_fd)) >= 0);
}

static void vms_per_process(void)
{
	TEST_ASSERT_EQ(with_limits("3", "256", vms_child), 0);
}

static void vcpus_child(void)
{
	int sys_fd = open("/dev/axvcpu", O_RDWR), a, b, v[5], i;

	CHILD_CHECK(sys_fd >= 0);
	CHILD_CHECK((a = create_vm(sys_fd)) >= 0);
	CHILD_CHECK((b = create_vm(sys_fd)) >= 0);
	for (i = 0; i < 3; i++)
		CHILD_CHECK((v[i] = create_vcpu(a, i)) >= 0);
	for (i = 0; i < 2; i++)
		CHILD_CHECK((v[3 + i] = create_vcpu(b, i)) >= 0);
	/* Five in all, across both VMs. */
	CHILD_CHECK(create_vcpu(b, 2) == -EDQUOT);
	CHILD_CHECK(create_vcpu(a, 3) == -EDQUOT);
	close(v[0]);
	CHILD_CHECK((v[0] = create_vcpu(b, 2)) >= 0);
	CHILD_CHECK(create_vcpu(a, 0) == -EDQUOT);
	/* A VM closed with its VCPUs: they go when their fds do. */
	close(a);
	CHILD_CHECK(create_vcpu(b, 3) == -EDQUOT);
	close(v[1]);
	close(v[2]);
	CHILD_CHECK(create_vcpu(b, 3) >= 0);
}

static void vcpus_per_process(void)
{
	TEST_ASSERT_EQ(with_limits("8", "5", vcpus_child), 0);
}

static void unprivileged_child(void)
{
	int sys_fd, i, n = 0;

	CHILD_CHECK(setgid(NOBODY) == 0 && setuid(NOBODY) == 0);
	/* The limits are root's to change. */
	CHILD_CHECK(write_text_file(VMS_PARAM, "1000") == -EACCES);
	CHILD_CHECK(write_text_file(VCPUS_PARAM, "1000") == -EACCES);
	sys_fd = open("/dev/axvcpu", O_RDWR);
	CHILD_CHECK(sys_fd >= 0);
	for (i = 0; i < 4; i++)
		n += create_vm(sys_fd) >= 0;
	CHILD_CHECK(n == 2);
	CHILD_CHECK(create_vm(sys_fd) == -EDQUOT);
}

static void unprivileged_user_is_held_to_them(void)
{
	struct stat st;
	int ret;

	TEST_ASSERT_SYSCALL(stat("/dev/axvcpu", &st));
	/* As a site would with dev_mode=0660 and a group: open to the user. */
	TEST_ASSERT_SYSCALL(chmod("/dev/axvcpu", 0666));
	ret = with_limits("2", "256", unprivileged_child);
	chmod("/dev/axvcpu", st.st_mode & 07777);
	TEST_ASSERT_EQ(ret, 0);
}

static const struct test_case cases[] = {
	TEST_CASE(vms_per_process),
	TEST_CASE(vcpus_per_process),
	TEST_CASE(unprivileged_user_is_held_to_them),
};

int main(void)
{
	return test_run_all(cases);
}
