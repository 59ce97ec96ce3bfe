// SPDX-License-Identifier: MIT
/*
 * ioctl_errors: what the system fd and a VM fd refuse, and how. An ioctl
 * number the fd does not know (ours with an unused number or the wrong
 * size or direction, another fd type's, KVM's, a tty's) fails with
 * -ENOTTY, on the VCPU fd too and from any process; CREATE_VM with any
 * flag or reserved bit fails with -EINVAL; a bad argument pointer fails
 * with -EFAULT; a VM fd is close-on-exec; every ioctl of a VM or VCPU fd
 * (and mmap of a VCPU fd) from another process fails with -EIO. (CREATE_VM's
 * -EBUSY beside KVM is svm_kvm_busy's.)
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/axvcpu.h>

#include "test_util.h"

/* KVM's magic and two of its system ioctls, by number only. */
#define KVM_MAGIC		0xAE
#define KVM_GET_API_VERSION	_IO(KVM_MAGIC, 0x00)
#define KVM_CREATE_VM		_IO(KVM_MAGIC, 0x01)

/* Requests no fd of ours knows, whatever its type. */
static const unsigned long foreign_ioctls[] = {
	_IO(AXVCPU_IO_MAGIC, 0x0f),			/* unused number */
	_IO(AXVCPU_IO_MAGIC, 0xff),
	_IOWR(AXVCPU_IO_MAGIC, 0x01, uint64_t),		/* CHECK_CAP, wrong size */
	_IOR(AXVCPU_IO_MAGIC, 0x02, struct axvcpu_create_vm), /* CREATE_VM, wrong dir */
	_IOW(AXVCPU_IO_MAGIC, 0x00, uint32_t),		/* GET_API_VERSION with a size */
	KVM_GET_API_VERSION,
	KVM_CREATE_VM,
	TCGETS,
	0,
};

/* Every ioctl of the VCPU fd: meaningless on the system and VM fds. */
static const unsigned long vcpu_ioctls[] = {
	AXVCPU_SETUP, AXVCPU_BIND, AXVCPU_UNBIND, AXVCPU_RUN, AXVCPU_GET_STATE,
	AXVCPU_GET_STATS, AXVCPU_GET_REGS, AXVCPU_SET_REGS, AXVCPU_GET_SREGS,
	AXVCPU_SET_SREGS, AXVCPU_SET_CPUID,
};

static const unsigned long sys_ioctls[] = {
	AXVCPU_GET_API_VERSION, AXVCPU_CHECK_CAP, AXVCPU_CREATE_VM,
	AXVCPU_GET_RUN_SIZE,
};

static const unsigned long vm_ioctls[] = {
	AXVCPU_SET_MEMORY_REGION, AXVCPU_CREATE_VCPU,
};

/*
 * A zeroed buffer big enough for any argument above: a request that
 * wrongly succeeded must not make the kernel read or write out of bounds.
 */
static union {
	struct axvcpu_sregs sregs;
	struct axvcpu_stats stats;
	uint8_t bytes[4096];
} arg;

/* Each of @reqs on @fd must fail with -ENOTTY. */
static void assert_all_enotty(int fd, const char *what, const unsigned long *reqs,
			      unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		long ret;

		memset(&arg, 0, sizeof(arg));
		ret = test_ioctl(fd, reqs[i], &arg);
		TEST_ASSERT(ret == -ENOTTY, "%s fd, ioctl %#lx: got %ld (%s) expected -ENOTTY",
			    what, reqs[i], ret, ret < 0 ? test_errno_name(ret) : "success");
	}
}

static void system_fd_unknown_ioctls(void)
{
	int fd = test_open_dev();

	assert_all_enotty(fd, "system", foreign_ioctls, ARRAY_SIZE(foreign_ioctls));
	assert_all_enotty(fd, "system", vm_ioctls, ARRAY_SIZE(vm_ioctls));
	assert_all_enotty(fd, "system", vcpu_ioctls, ARRAY_SIZE(vcpu_ioctls));
	/* The fd still works afterwards. */
	TEST_ASSERT_EQ(test_ioctl(fd, AXVCPU_GET_API_VERSION, NULL), AXVCPU_API_VERSION);
	close(fd);
}

static void vm_fd_unknown_ioctls(void)
{
	int sys_fd = test_open_dev();
	int vm_fd = test_create_vm(sys_fd);

	assert_all_enotty(vm_fd, "VM", foreign_ioctls, ARRAY_SIZE(foreign_ioctls));
	assert_all_enotty(vm_fd, "VM", sys_ioctls, ARRAY_SIZE(sys_ioctls));
	assert_all_enotty(vm_fd, "VM", vcpu_ioctls, ARRAY_SIZE(vcpu_ioctls));
	close(vm_fd);
	close(sys_fd);
}

/* A VM and VCPU 0 in it (state CREATED); returns the VCPU fd. */
static int create_vcpu_fd(int vm_fd)
{
	struct axvcpu_create_vcpu c = { .id = 0 };

	return (int)TEST_ASSERT_OK(test_ioctl(vm_fd, AXVCPU_CREATE_VCPU, &c));
}

static void vcpu_fd_unknown_ioctls(void)
{
	int sys_fd = test_open_dev();
	int vm_fd = test_create_vm(sys_fd);
	int vcpu_fd = create_vcpu_fd(vm_fd);

	assert_all_enotty(vcpu_fd, "VCPU", foreign_ioctls, ARRAY_SIZE(foreign_ioctls));
	assert_all_enotty(vcpu_fd, "VCPU", sys_ioctls, ARRAY_SIZE(sys_ioctls));
	assert_all_enotty(vcpu_fd, "VCPU", vm_ioctls, ARRAY_SIZE(vm_ioctls));
	/* The fd still works, its state unchanged. */
	TEST_ASSERT_EQ(test_ioctl(vcpu_fd, AXVCPU_GET_STATE, NULL), AXVCPU_STATE_CREATED);
	TEST_ASSERT(fd_is_cloexec(vcpu_fd), "VCPU fd %d lacks FD_CLOEXEC", vcpu_fd);
	close(vcpu_fd);
	close(vm_fd);
	close(sys_fd);
}

/* Each of @reqs on @fd must fail with -EIO (the caller is not the owner). */
static void assert_all_eio(int fd, const char *what, const unsigned long *reqs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		long ret;

		memset(&arg, 0, sizeof(arg));
		ret = test_ioctl(fd, reqs[i], &arg);
		TEST_ASSERT(ret == -EIO, "%s fd from another process, ioctl %#lx: got %ld (%s) expected -EIO",
			    what, reqs[i], ret, ret < 0 ? test_errno_name(ret) : "success");
	}
}

/*
 * A forked child holds the parent's VM and VCPU fds: every ioctl they
 * know gives -EIO there, one they do not know still -ENOTTY, mmap of the
 * VCPU -EIO; the system fd is nobody's and works.
 */
static void other_process_gets_eio(void)
{
	int sys_fd = test_open_dev();
	int vm_fd = test_create_vm(sys_fd);
	int vcpu_fd = create_vcpu_fd(vm_fd);
	long page = test_page_size();
	int status;
	pid_t pid;

	pid = TEST_ASSERT_SYSCALL(fork());
	if (pid == 0) {
		void *p;

		assert_all_eio(vm_fd, "VM", vm_ioctls, ARRAY_SIZE(vm_ioctls));
		assert_all_eio(vcpu_fd, "VCPU", vcpu_ioctls, ARRAY_SIZE(vcpu_ioctls));
		assert_all_enotty(vm_fd, "VM (other process)", foreign_ioctls,
				  ARRAY_SIZE(foreign_ioctls));
		assert_all_enotty(vcpu_fd, "VCPU (other process)", foreign_ioctls,
				  ARRAY_SIZE(foreign_ioctls));
		p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
		TEST_ASSERT(p == MAP_FAILED && errno == EIO,
			    "mmap of the VCPU fd from another process: %s",
			    p == MAP_FAILED ? test_errno_name(errno) : "mapped");
		TEST_ASSERT_EQ(test_ioctl(sys_fd, AXVCPU_GET_API_VERSION, NULL),
			       AXVCPU_API_VERSION);
		_exit(0);
	}
	TEST_ASSERT_EQ(waitpid(pid, &status, 0), pid);
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x", status);
	/* Nothing changed for the owner. */
	TEST_ASSERT_EQ(test_ioctl(vcpu_fd, AXVCPU_GET_STATE, NULL), AXVCPU_STATE_CREATED);
	close(vcpu_fd);
	close(vm_fd);
	close(sys_fd);
}

static void create_vm_flags_are_einval(void)
{
	static const uint32_t flags[] = { 2, 4, 0x80000000u, UINT32_MAX };
	struct axvcpu_create_vm c;
	unsigned int i;
	int sys_fd = test_open_dev();
	long vm_fd;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		memset(&c, 0, sizeof(c));
		c.flags = flags[i];
		TEST_ASSERT_ERRNO(test_ioctl(sys_fd, AXVCPU_CREATE_VM, &c), -EINVAL);
	}
	for (i = 0; i < ARRAY_SIZE(c.reserved); i++) {
		memset(&c, 0, sizeof(c));
		c.reserved[i] = 1;
		TEST_ASSERT_ERRNO(test_ioctl(sys_fd, AXVCPU_CREATE_VM, &c), -EINVAL);
	}

	/* All zero is accepted. */
	memset(&c, 0, sizeof(c));
	vm_fd = TEST_ASSERT_OK(test_ioctl(sys_fd, AXVCPU_CREATE_VM, &c));
	TEST_ASSERT_NE(vm_fd, sys_fd);
	close(vm_fd);
	close(sys_fd);
}

static void bad_pointers_are_efault(void)
{
	long page = test_page_size();
	int sys_fd = test_open_dev();
	uint8_t *map;

	TEST_ASSERT_ERRNO(test_ioctl(sys_fd, AXVCPU_CHECK_CAP, NULL), -EFAULT);
	TEST_ASSERT_ERRNO(test_ioctl(sys_fd, AXVCPU_CREATE_VM, NULL), -EFAULT);

	/*
	 * An argument straddling the end of readable memory: its first bytes
	 * are fine, its last ones are not.
	 */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(map != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(map, 0, 2 * page);
	TEST_ASSERT_SYSCALL(mprotect(map + page, page, PROT_NONE));
	TEST_ASSERT_ERRNO(test_ioctl(sys_fd, AXVCPU_CHECK_CAP,
				     map + page - sizeof(struct axvcpu_capability) / 2),
			  -EFAULT);
	TEST_ASSERT_ERRNO(test_ioctl(sys_fd, AXVCPU_CREATE_VM,
				     map + page - sizeof(struct axvcpu_create_vm) / 2),
			  -EFAULT);

	/* A read-only answer buffer: CHECK_CAP cannot write the value back. */
	((struct axvcpu_capability *)map)->cap = AXVCPU_CAP_ARCH;
	TEST_ASSERT_SYSCALL(mprotect(map, page, PROT_READ));
	TEST_ASSERT_ERRNO(test_ioctl(sys_fd, AXVCPU_CHECK_CAP, map), -EFAULT);

	munmap(map, 2 * page);
	close(sys_fd);
}

static void vm_fd_is_cloexec(void)
{
	int sys_fd = test_open_dev();
	int vm_fd = test_create_vm(sys_fd);

	TEST_ASSERT(fd_is_cloexec(vm_fd), "VM fd %d lacks FD_CLOEXEC", vm_fd);
	close(vm_fd);
	close(sys_fd);
}

static const struct test_case cases[] = {
	TEST_CASE(system_fd_unknown_ioctls),
	TEST_CASE(vm_fd_unknown_ioctls),
	TEST_CASE(create_vm_flags_are_einval),
	TEST_CASE(bad_pointers_are_efault),
	TEST_CASE(vm_fd_is_cloexec),
	TEST_CASE(vcpu_fd_unknown_ioctls),
	TEST_CASE(other_process_gets_eio),
};

int main(void)
{
	return test_run_all(cases);
}
