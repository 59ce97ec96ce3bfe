// SPDX-License-Identifier: MIT
/*
 * cpu_hotplug: EFER.SVME follows CPUs that go offline and come back. A
 * CPU that returns while a VM exists (whether the VM was created before
 * it left or while it was away) has SVM enabled again; one that returns
 * after the last VM is gone, or while none existed, has it clear. Uses
 * CPU 1; skips without a second CPU, without its sysfs "online" file or
 * without msr.ko.
 */
#include <string.h>
#include <unistd.h>

#include <linux/axvcpu.h>

#include "test_util.h"

#define HOTPLUG_CPU	1

/* EFER.SVME of @cpu must be @set. */
static void assert_svme(int cpu, bool set)
{
	uint64_t efer;
	int ret = read_msr(cpu, MSR_EFER, &efer);

	TEST_ASSERT(ret == 0, "CPU %d: reading EFER: %s", cpu, strerror(-ret));
	TEST_ASSERT(!!(efer & EFER_SVME) == set, "CPU %d: EFER %#llx, SVME expected %s",
		    cpu, (unsigned long long)efer, set ? "set" : "clear");
}

/* Take HOTPLUG_CPU offline or online, and check that it happened. */
static void set_online(bool online)
{
	int ret = set_cpu_online(HOTPLUG_CPU, online);

	TEST_ASSERT(ret == 0, "CPU %d %s: %s", HOTPLUG_CPU, online ? "online" : "offline",
		    strerror(-ret));
	TEST_ASSERT(cpu_is_online(HOTPLUG_CPU) == online, "CPU %d is still %s", HOTPLUG_CPU,
		    online ? "offline" : "online");
}

/* A case may have ended with the CPU offline: start each from online. */
static void start_online(void)
{
	if (!cpu_is_online(HOTPLUG_CPU))
		set_online(true);
	assert_svme(0, false);
	assert_svme(HOTPLUG_CPU, false);
}

static void cpu_returns_to_a_vm(void)
{
	int sys_fd, vm_fd;

	start_online();
	sys_fd = test_open_dev();
	vm_fd = test_create_vm(sys_fd);
	assert_svme(HOTPLUG_CPU, true);

	set_online(false);
	assert_svme(0, true);
	set_online(true);
	assert_svme(HOTPLUG_CPU, true);
	assert_svme(0, true);

	TEST_ASSERT_SYSCALL(close(vm_fd));
	assert_svme(0, false);
	assert_svme(HOTPLUG_CPU, false);
	close(sys_fd);
}

static void cpu_returns_without_vms(void)
{
	start_online();
	set_online(false);
	set_online(true);
	assert_svme(0, false);
	assert_svme(HOTPLUG_CPU, false);
}

static void last_vm_closed_while_cpu_away(void)
{
	int sys_fd, vm_fd;

	start_online();
	sys_fd = test_open_dev();
	vm_fd = test_create_vm(sys_fd);
	set_online(false);
	TEST_ASSERT_SYSCALL(close(vm_fd));
	assert_svme(0, false);
	set_online(true);
	assert_svme(HOTPLUG_CPU, false);
	close(sys_fd);
}

static void vm_created_while_cpu_away(void)
{
	int sys_fd, vm_fd;

	start_online();
	set_online(false);
	sys_fd = test_open_dev();
	vm_fd = test_create_vm(sys_fd);
	assert_svme(0, true);
	set_online(true);
	assert_svme(HOTPLUG_CPU, true);
	TEST_ASSERT_SYSCALL(close(vm_fd));
	assert_svme(0, false);
	assert_svme(HOTPLUG_CPU, false);
	close(sys_fd);
}

static const struct test_case cases[] = {
	TEST_CASE(cpu_returns_to_a_vm),
	TEST_CASE(cpu_returns_without_vms),
	TEST_CASE(last_vm_closed_while_cpu_away),
	TEST_CASE(vm_created_while_cpu_away),
};

int main(void)
{
	int cpus[2], n, ret;
	uint64_t efer;

	n = online_cpus(cpus, ARRAY_SIZE(cpus));
	if (n < 2)
		test_skip_all("needs two online CPUs, %d found", n);
	if (!cpu_hotplug_supported(HOTPLUG_CPU))
		test_skip_all("CPU %d cannot be taken offline (no sysfs online file)",
			      HOTPLUG_CPU);
	ret = read_msr(0, MSR_EFER, &efer);
	if (ret < 0)
		test_skip_all("cannot read EFER through /dev/cpu/0/msr (%s): is msr.ko loaded?",
			      strerror(-ret));

	ret = test_run_all(cases);

	/* Leave the machine as found, even after a failed case. */
	if (!cpu_is_online(HOTPLUG_CPU) && set_cpu_online(HOTPLUG_CPU, true) < 0) {
		test_note("could not bring CPU %d back online", HOTPLUG_CPU);
		ret = KSFT_FAIL;
	}
	return ret;
}
