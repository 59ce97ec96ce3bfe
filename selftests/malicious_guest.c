// SPDX-License-Identifier: MIT
/*
 * malicious_guest: guest states and guest code that must end in a
 * documented exit, with the host untouched. Starts with what
 * ioctl_fuzz found: a guest with EFER.LME set while CR4.PAE is clear
 * made QEMU 7.2's TCG lose the host's CR0 at the next #VMEXIT (the host
 * CPU ran on with paging off and the whole machine wedged). The kernel
 * refuses that state from SET_SREGS and a guest WRMSR of it raises #GP.
 */
#include <errno.h>
#include <string.h>

#include "axvcpu-user.h"
#include "test_util.h"

#define CODE_GPA	0x1000ULL
#define RAM_SIZE	(1ULL << 20)
#define EFER_LME	(1ULL << 8)
#define CR4_PAE		(1ULL << 5)

struct raw_vm {
	struct axvcpu_sys sys;
	struct axvcpu_vm_handle vm;
	struct axvcpu_vcpu_handle vcpu;
	void *ram;
};

/* A VM with 1 MiB of RAM, @code at CODE_GPA, one VCPU set up in @mode. */
static void raw_vm_create(struct raw_vm *r, const void *code, size_t len, uint32_t mode)
{
	TEST_ASSERT_OK(axvcpu_open(&r->sys, NULL));
	TEST_ASSERT_OK(axvcpu_vm_create(&r->sys, &r->vm));
	TEST_ASSERT_OK(axvcpu_vm_alloc_memory(&r->vm, 0, 0, 0, RAM_SIZE, &r->ram));
	memset(r->ram, 0xf4, RAM_SIZE);		/* HLT everywhere else */
	memcpy((uint8_t *)r->ram + CODE_GPA, code, len);
	TEST_ASSERT_OK(axvcpu_vcpu_create(&r->vm, 0, &r->vcpu));
	if (mode == AXVCPU_MODE_PROTECTED)
		TEST_ASSERT_OK(axvcpu_vcpu_start_protected(&r->vcpu, CODE_GPA, 0x8000, 0));
	else
		TEST_ASSERT_OK(axvcpu_vcpu_start_real(&r->vcpu, CODE_GPA, 0));
	TEST_ASSERT_OK(axvcpu_vcpu_bind(&r->vcpu));
}

static void raw_vm_free(struct raw_vm *r)
{
	axvcpu_vcpu_close(&r->vcpu);
	axvcpu_vm_free_memory(&r->vm, 0, r->ram, RAM_SIZE);
	axvcpu_vm_close(&r->vm);
	axvcpu_close(&r->sys);
}

/* 32-bit: rdmsr EFER; or eax, LME; wrmsr; hlt. */
static const uint8_t set_lme[] = {
	0xb9, 0x80, 0x00, 0x00, 0xc0,	/* mov ecx, 0xc0000080 */
	0x0f, 0x32,			/* rdmsr */
	0x0d, 0x00, 0x01, 0x00, 0x00,	/* or eax, 0x100 */
	0x0f, 0x30,			/* wrmsr */
	0xf4,				/* hlt */
};

static void guest_lme_before_pae_faults(void)
{
	struct axvcpu_sregs sr;
	struct raw_vm r;

	/* No IDT: the #GP of the WRMSR becomes a triple fault. */
	raw_vm_create(&r, set_lme, sizeof(set_lme), AXVCPU_MODE_PROTECTED);
	TEST_ASSERT_OK(axvcpu_vcpu_run(&r.vcpu));
	TEST_ASSERT_EQ(r.vcpu.run->exit_reason, AXVCPU_EXIT_SYSTEM_DOWN);
	TEST_ASSERT_EQ(r.vcpu.run->system_down.type, AXVCPU_SYSTEM_DOWN_TRIPLE_FAULT);
	raw_vm_free(&r);

	/* With PAE first, as both vendors prescribe, the same code works. */
	raw_vm_create(&r, set_lme, sizeof(set_lme), AXVCPU_MODE_PROTECTED);
	TEST_ASSERT_OK(axvcpu_vcpu_get_sregs(&r.vcpu, &sr));
	sr.cr4 |= CR4_PAE;
	TEST_ASSERT_OK(axvcpu_vcpu_set_sregs(&r.vcpu, &sr));
	TEST_ASSERT_OK(axvcpu_vcpu_run(&r.vcpu));
	TEST_ASSERT_EQ(r.vcpu.run->exit_reason, AXVCPU_EXIT_HALT);
	TEST_ASSERT_OK(axvcpu_vcpu_get_sregs(&r.vcpu, &sr));
	TEST_ASSERT(sr.efer & EFER_LME, "EFER 0x%llx: LME was not set",
		    (unsigned long long)sr.efer);
	raw_vm_free(&r);
}

static void sregs_refuse_lme_without_pae(void)
{
	static const uint8_t hlt = 0xf4;
	struct axvcpu_sregs sr, now;
	struct raw_vm r;

	raw_vm_create(&r, &hlt, 1, AXVCPU_MODE_REAL);
	TEST_ASSERT_OK(axvcpu_vcpu_get_sregs(&r.vcpu, &sr));
	sr.efer |= EFER_LME;
	TEST_ASSERT_ERRNO(axvcpu_vcpu_set_sregs(&r.vcpu, &sr), -EINVAL);
	/* Refused means unchanged: the guest still runs to its HLT. */
	TEST_ASSERT_OK(axvcpu_vcpu_get_sregs(&r.vcpu, &now));
	TEST_ASSERT_EQ(now.efer & EFER_LME, 0);
	sr.cr4 |= CR4_PAE;
	TEST_ASSERT_OK(axvcpu_vcpu_set_sregs(&r.vcpu, &sr));
	TEST_ASSERT_OK(axvcpu_vcpu_run(&r.vcpu));
	TEST_ASSERT_EQ(r.vcpu.run->exit_reason, AXVCPU_EXIT_HALT);
	raw_vm_free(&r);
}

static const struct test_case cases[] = {
	TEST_CASE(guest_lme_before_pae_faults),
	TEST_CASE(sregs_refuse_lme_without_pae),
};

int main(void)
{
	return test_run_all(cases);
}
