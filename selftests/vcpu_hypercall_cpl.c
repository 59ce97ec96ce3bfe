// SPDX-License-Identifier: MIT
/*
 * vcpu_hypercall_cpl: VMMCALL is for the guest kernel. A hypercall from
 * CPL 0 exits to user space with hypercall.cpl = 0; one from guest user
 * space (CPL 3) never reaches the VMM: it returns -EPERM (-1) in RAX and
 * the guest goes on.
 */
#include "guest.h"

#define HC_KERNEL_NR	0x41
#define HC_USER_NR	0x42
#define HC_RET		0x77

static void guest_user(void)
{
	uint64_t cs, ret;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	GUEST_SYNC(cs & 3);
	ret = guest_vmmcall(HC_USER_NR, 1, 2, 3, 4, 5, 6);
	GUEST_SYNC(ret);
	/* Refused every time, not just once. */
	ret = guest_vmmcall(HC_KERNEL_NR, 0, 0, 0, 0, 0, 0);
	GUEST_SYNC(ret);
	for (;;)
		GUEST_DONE();
}

static void guest_code(void)
{
	GUEST_ASSERT_EQ(guest_vmmcall(HC_KERNEL_NR, 1, 2, 3, 4, 5, 6), HC_RET);
	guest_enter_user(guest_user);
}

static void user_mode_hypercall_refused(void)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *vcpu;
	struct axvcpu_stats stats;
	struct axvcpu_run *run;

	vm_enable_user_mode(vm);
	vcpu = vm_vcpu_add(vm, 0, guest_code);
	run = vcpu->run;
	vcpu_bind(vcpu);

	/* From the guest kernel: an exit, marked CPL 0. */
	memset(&run->hypercall, 0xff, sizeof(run->hypercall));
	vcpu_run_exit(vcpu, AXVCPU_EXIT_HYPERCALL);
	TEST_ASSERT_EQ(run->hypercall.nr, HC_KERNEL_NR);
	TEST_ASSERT_EQ(run->hypercall.cpl, 0);
	TEST_ASSERT_EQ(run->hypercall.pad[0] | run->hypercall.pad[6], 0);
	axvcpu_complete_hypercall(&vcpu->h, HC_RET);

	/* The guest is at CPL 3 now. */
	vcpu_expect_sync(vcpu, 3);
	/* From guest user space: no exit, RAX = -EPERM. */
	vcpu_expect_sync(vcpu, (uint64_t)-EPERM);
	vcpu_expect_sync(vcpu, (uint64_t)-EPERM);
	vcpu_expect_done(vcpu);

	vcpu_stats_get(vcpu, &stats);
	TEST_ASSERT_EQ(stats.exits[AXVCPU_EXIT_HYPERCALL], 1);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(user_mode_hypercall_refused),
};

int main(void)
{
	return test_run_all(cases);
}
