// SPDX-License-Identifier: MIT
/*
 * power_suspend: a VM survives suspend to RAM. The boot CPU (CPU 0) goes
 * through no CPU hotplug callback at suspend: only the syscore
 * operations see it. Real S3 resets it: the kernel's wakeup code brings
 * back its EFER (with SVME) but not VM_HSAVE_PA, so without syscore
 * handling the next VMRUN on CPU 0 saves host state at physical address
 * 0. Each case creates a VM, runs it pinned to CPU 0, notes CPU 0's
 * VM_HSAVE_PA and EFER through msr.ko, suspends, and requires both back
 * and the VM running on CPU 0 afterwards.
 *
 *  - pm_test_core: pm_test level "core" runs syscore_suspend() and
 *    syscore_resume() without sleeping (the kernel's own suspend test).
 *  - s3_rtc_wakeup: real S3, woken by the RTC alarm
 *    (/sys/class/rtc/rtc0/wakealarm); this is the one that loses
 *    VM_HSAVE_PA without the syscore handling.
 *
 * Skips without msr.ko, /sys/power/state "mem" with mem_sleep "deep",
 * pm_test (CONFIG_PM_DEBUG) or the RTC alarm.
 */
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>

#include "guest.h"

#define MSR_VM_HSAVE_PA		0xc0010117u
#define WAKE_SECONDS		3

static void guest_code(void)
{
	GUEST_SYNC(1);
	GUEST_SYNC(2);
}

static void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	TEST_ASSERT_SYSCALL(sched_setaffinity(0, sizeof(set), &set));
}

static uint64_t cpu0_msr(uint32_t msr)
{
	uint64_t v;
	int ret = read_msr(0, msr, &v);

	TEST_ASSERT(ret == 0, "reading MSR %#x of CPU 0: %s", msr, test_errno_name(ret));
	return v;
}

/* "mem" must mean S3 ("deep"), not suspend-to-idle. */
static void require_deep_sleep(void)
{
	char buf[256];

	if (read_text_file("/sys/power/state", buf, sizeof(buf)) || !strstr(buf, "mem"))
		test_skip("/sys/power/state offers no \"mem\"");
	if (read_text_file("/sys/power/mem_sleep", buf, sizeof(buf)) || !strstr(buf, "deep"))
		test_skip("/sys/power/mem_sleep offers no \"deep\" (S3)");
	TEST_ASSERT_OK(write_text_file("/sys/power/mem_sleep", "deep"));
}

/*
 * The body of both cases: @suspend sleeps (or pretends to) and returns
 * once the system runs again.
 */
static void vm_survives(void (*suspend)(void))
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm;
	uint64_t hsave, efer;

	pin_to_cpu0();
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vcpu_expect_sync(vcpu, 1);
	hsave = cpu0_msr(MSR_VM_HSAVE_PA);
	efer = cpu0_msr(MSR_EFER);
	TEST_ASSERT_NE(hsave, 0);
	TEST_ASSERT_EQ(efer & EFER_SVME, EFER_SVME);

	suspend();

	TEST_EXPECT_EQ(cpu0_msr(MSR_EFER) & EFER_SVME, EFER_SVME);
	TEST_EXPECT_EQ(cpu0_msr(MSR_VM_HSAVE_PA), hsave);
	vcpu_expect_sync(vcpu, 2);
	TEST_EXPECT_EQ(cpu0_msr(MSR_VM_HSAVE_PA), hsave);
	vcpu_expect_done(vcpu);
	vm_free(vm);
	TEST_ASSERT_EQ(cpu0_msr(MSR_EFER) & EFER_SVME, 0);
}

static void suspend_pm_test_core(void)
{
	int ret;

	/* No need to wait in the test state: the default is 5 s. */
	write_text_file("/sys/module/suspend/parameters/pm_test_delay", "0");
	TEST_ASSERT_OK(write_text_file("/sys/power/pm_test", "core"));
	ret = write_text_file("/sys/power/state", "mem");
	write_text_file("/sys/power/pm_test", "none");
	TEST_ASSERT(ret == 0, "suspend (pm_test core): %s", test_errno_name(ret));
}

static void pm_test_core(void)
{
	char buf[256];

	if (read_text_file("/sys/power/pm_test", buf, sizeof(buf)))
		test_skip("no /sys/power/pm_test (CONFIG_PM_DEBUG)");
	require_deep_sleep();
	vm_survives(suspend_pm_test_core);
}

static void suspend_s3_rtc(void)
{
	char when[32];
	int ret;

	TEST_ASSERT_OK(write_text_file("/sys/class/rtc/rtc0/wakealarm", "0"));
	snprintf(when, sizeof(when), "+%d", WAKE_SECONDS);
	TEST_ASSERT_OK(write_text_file("/sys/class/rtc/rtc0/wakealarm", when));
	ret = write_text_file("/sys/power/state", "mem");
	write_text_file("/sys/class/rtc/rtc0/wakealarm", "0");
	TEST_ASSERT(ret == 0, "suspend to RAM: %s", test_errno_name(ret));
}

static void s3_rtc_wakeup(void)
{
	char buf[64];

	if (read_text_file("/sys/class/rtc/rtc0/wakealarm", buf, sizeof(buf)))
		test_skip("no RTC wake alarm (/sys/class/rtc/rtc0/wakealarm)");
	require_deep_sleep();
	vm_survives(suspend_s3_rtc);
}

static const struct test_case cases[] = {
	{ .name = "pm_test_core", .fn = pm_test_core, .timeout = 60 },
	{ .name = "s3_rtc_wakeup", .fn = s3_rtc_wakeup, .timeout = 60 },
};

int main(void)
{
	uint64_t v;
	int ret;

	ret = read_msr(0, MSR_EFER, &v);
	if (ret < 0)
		test_skip_all("cannot read EFER through /dev/cpu/0/msr (%s): is msr.ko loaded?",
			      strerror(-ret));
	return test_run_all(cases);
}
