// SPDX-License-Identifier: MIT
/*
 * svm_enable: EFER.SVME follows the VMs. It is clear on every online CPU
 * while no VM exists (the module merely loaded or opened), set on every
 * online CPU while at least one VM exists, and clear again once the last
 * VM is gone, however it went (close, or its process exiting). A refused
 * CREATE_VM leaves it clear. Read through /dev/cpu/N/msr; needs msr.ko
 * (the program skips without it) and no other hypervisor (kvm_amd) with
 * VMs of its own.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/axvcpu.h>

#include "test_util.h"

#define MAX_CPUS	256

/* EFER.SVME must be @set on every online CPU. */
static void assert_svme_everywhere(bool set)
{
	int cpus[MAX_CPUS];
	int n, i;

	n = online_cpus(cpus, MAX_CPUS);
	TEST_ASSERT(n > 0, "cannot list online CPUs: %d", n);
	TEST_ASSERT(n <= MAX_CPUS, "%d CPUs, only %d checked", n, MAX_CPUS);
	for (i = 0; i < n; i++) {
		uint64_t efer;
		int ret = read_msr(cpus[i], MSR_EFER, &efer);

		TEST_ASSERT(ret == 0, "CPU %d: reading EFER: %s", cpus[i], strerror(-ret));
		TEST_ASSERT(!!(efer & EFER_SVME) == set, "CPU %d: EFER %#llx, SVME expected %s",
			    cpus[i], (unsigned long long)efer, set ? "set" : "clear");
	}
}

static void svme_clear_without_vms(void)
{
	int sys_fd;

	assert_svme_everywhere(false);
	/* An open system fd is not a VM. */
	sys_fd = test_open_dev();
	assert_svme_everywhere(false);
	close(sys_fd);
	assert_svme_everywhere(false);
}

static void svme_set_while_vm_exists(void)
{
	int sys_fd = test_open_dev();
	int vm_fd = test_create_vm(sys_fd);

	assert_svme_everywhere(true);
	/* The system fd is not what holds it. */
	TEST_ASSERT_SYSCALL(close(sys_fd));
	assert_svme_everywhere(true);
	TEST_ASSERT_SYSCALL(close(vm_fd));
	assert_svme_everywhere(false);
}

static void svme_follows_last_vm(void)
{
	int sys_fd = test_open_dev();
	int vm1 = test_create_vm(sys_fd);
	int vm2 = test_create_vm(sys_fd);

	assert_svme_everywhere(true);
	TEST_ASSERT_SYSCALL(close(vm1));
	assert_svme_everywhere(true);
	TEST_ASSERT_SYSCALL(close(vm2));
	assert_svme_everywhere(false);

	/* And again from nothing: the count went back to zero, not below. */
	vm1 = test_create_vm(sys_fd);
	assert_svme_everywhere(true);
	TEST_ASSERT_SYSCALL(close(vm1));
	assert_svme_everywhere(false);
	close(sys_fd);
}

static void refused_create_leaves_svme_clear(void)
{
	struct axvcpu_create_vm bad = { .flags = 0x80000000u };
	int sys_fd = test_open_dev();

	TEST_ASSERT_ERRNO(test_ioctl(sys_fd, AXVCPU_CREATE_VM, &bad), -EINVAL);
	assert_svme_everywhere(false);
	close(sys_fd);
}

static void svme_clear_after_owner_exits(void)
{
	int pipefd[2], status;
	char c;
	pid_t pid;

	TEST_ASSERT_SYSCALL(pipe2(pipefd, O_CLOEXEC));
	pid = TEST_ASSERT_SYSCALL(fork());
	if (pid == 0) {
		int sys_fd = test_open_dev();

		test_create_vm(sys_fd);
		/* Tell the parent the VM exists, then exit without closing. */
		TEST_ASSERT_SYSCALL(write(pipefd[1], "v", 1));
		_exit(KSFT_PASS);
	}
	close(pipefd[1]);
	TEST_ASSERT_EQ(read(pipefd[0], &c, 1), 1);
	TEST_ASSERT_SYSCALL(waitpid(pid, &status, 0));
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == KSFT_PASS,
		    "child ended with status %#x", status);
	/* Its fds were closed when it exited, before waitpid returned. */
	assert_svme_everywhere(false);
	close(pipefd[0]);
}

static const struct test_case cases[] = {
	TEST_CASE(svme_clear_without_vms),
	TEST_CASE(svme_set_while_vm_exists),
	TEST_CASE(svme_follows_last_vm),
	TEST_CASE(refused_create_leaves_svme_clear),
	TEST_CASE(svme_clear_after_owner_exits),
};

int main(void)
{
	uint64_t efer;
	int ret;

	ret = read_msr(0, MSR_EFER, &efer);
	if (ret < 0)
		test_skip_all("cannot read EFER through /dev/cpu/0/msr (%s): is msr.ko loaded?",
			      strerror(-ret));
	return test_run_all(cases);
}
