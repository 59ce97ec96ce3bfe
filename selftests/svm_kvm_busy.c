// SPDX-License-Identifier: MIT
/*
 * svm_kvm_busy: axvcpu and KVM share one EFER.SVME per CPU, and neither
 * may take it from the other. With kvm_amd holding SVM (it sets SVME
 * while it has VMs), AXVCPU_CREATE_VM fails with -EBUSY and leaves KVM's
 * SVME alone; once KVM's VM is closed and kvm_amd and kvm are unloaded,
 * axvcpu works again. The other way round, while an axvcpu VM exists,
 * KVM_CREATE_VM fails (kvm_amd's enable sees SVME set).
 *
 * KVM comes from the initramfs (/kvm/{irqbypass,ccp,kvm,kvm-amd}.ko, of
 * the guest's kernel); every case and the program unload it again, so no
 * later test sees it. Skips without those files or without msr.ko.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/axvcpu.h>

#include "test_util.h"

/* KVM's ABI (linux/kvm.h): _IO(KVMIO = 0xAE, 0x01), argument: the type, 0. */
#define KVM_CREATE_VM_IOCTL	0xAE01
#define KVM_DEV			"/dev/kvm"

static void kvm_load(void)
{
	TEST_ASSERT_OK(kvm_modules_load());
}

static void assert_svme(int cpu, bool set)
{
	uint64_t efer;
	int ret = read_msr(cpu, MSR_EFER, &efer);

	TEST_ASSERT(ret == 0, "CPU %d: reading EFER: %s", cpu, strerror(-ret));
	TEST_ASSERT(!!(efer & EFER_SVME) == set, "CPU %d: EFER %#llx, SVME expected %s",
		    cpu, (unsigned long long)efer, set ? "set" : "clear");
}

static int kvm_create_vm(int kvm_fd)
{
	return ioctl(kvm_fd, KVM_CREATE_VM_IOCTL, 0);
}

static void create_vm_busy_while_kvm_has_a_vm(void)
{
	struct axvcpu_create_vm args;
	int sys_fd, kvm_fd, kvm_vm, vm_fd;

	kvm_modules_unload();
	kvm_load();
	kvm_fd = TEST_ASSERT_SYSCALL(open(KVM_DEV, O_RDWR | O_CLOEXEC));
	kvm_vm = TEST_ASSERT_SYSCALL(kvm_create_vm(kvm_fd));
	assert_svme(0, true);

	sys_fd = test_open_dev();
	memset(&args, 0, sizeof(args));
	TEST_ASSERT_ERRNO(test_ioctl(sys_fd, AXVCPU_CREATE_VM, &args), -EBUSY);
	/* The refusal left KVM's SVM alone. */
	assert_svme(0, true);

	close(kvm_vm);
	close(kvm_fd);
	TEST_ASSERT_OK(delete_module_nonblock("kvm_amd"));
	TEST_ASSERT_OK(delete_module_nonblock("kvm"));
	kvm_modules_unload();
	assert_svme(0, false);

	vm_fd = test_create_vm(sys_fd);
	assert_svme(0, true);
	close(vm_fd);
	assert_svme(0, false);
	close(sys_fd);
}

static void kvm_refused_while_axvcpu_has_a_vm(void)
{
	int sys_fd, vm_fd, kvm_fd;

	kvm_modules_unload();
	sys_fd = test_open_dev();
	vm_fd = test_create_vm(sys_fd);
	kvm_load();
	kvm_fd = TEST_ASSERT_SYSCALL(open(KVM_DEV, O_RDWR | O_CLOEXEC));
	TEST_ASSERT_SYSCALL_FAILS(kvm_create_vm(kvm_fd), EBUSY);
	/* axvcpu's VM still has SVM. */
	assert_svme(0, true);
	close(kvm_fd);
	kvm_modules_unload();
	close(vm_fd);
	assert_svme(0, false);
	close(sys_fd);
}

static const struct test_case cases[] = {
	TEST_CASE(create_vm_busy_while_kvm_has_a_vm),
	TEST_CASE(kvm_refused_while_axvcpu_has_a_vm),
};

int main(void)
{
	const char *missing = kvm_modules_missing();
	uint64_t efer;
	int ret;

	if (missing)
		test_skip_all("%s: %s (KVM modules not in this image)", missing, strerror(errno));
	ret = read_msr(0, MSR_EFER, &efer);
	if (ret < 0)
		test_skip_all("cannot read EFER through /dev/cpu/0/msr (%s): is msr.ko loaded?",
			      strerror(-ret));

	ret = test_run_all(cases);
	kvm_modules_unload();
	missing = kvm_modules_left();
	if (missing) {
		test_note("%s is still loaded", missing);
		ret = KSFT_FAIL;
	}
	return ret;
}
