// SPDX-License-Identifier: MIT
/*
 * insn_length: intercepted instructions with prefixes, in real, protected
 * and 64-bit mode (the "insnlen" sequence of lib/guest_modes.S), and IP
 * wrapping at 64 KiB in real mode. Without next-RIP save (both QEMU
 * models) the kernel must find where each instruction ends by decoding
 * it: a table of fixed lengths resumes a CS-prefixed CPUID on its A2 byte
 * and WBNOINVD on its 09 byte, and lets IP run past 0xFFFF.
 */
#include <inttypes.h>

#include "guest.h"
#include "guest_modes.h"

#define MSR_VALUE	0x0123456789abcdefULL
#define HC_RET		0x5a5a

static void expect_report(struct guest_vcpu *vcpu, uint64_t value)
{
	vcpu_run_exit(vcpu, AXVCPU_EXIT_IO_WRITE);
	TEST_ASSERT_EQ(vcpu->run->io.port, SNIP_PORT_REPORT);
	TEST_ASSERT_EQ(vcpu->run->io.data, value);
}

static void run_insnlen(struct guest_vcpu *vcpu, int bits, const char *start,
			const uint64_t *marks)
{
	struct axvcpu_run *run = vcpu->run;

	expect_report(vcpu, 0x600d);		/* 2E 0F A2 */
	vcpu_assert_snippet_rip(vcpu, bits, start, marks[IM_CPUID_CS]);
	expect_report(vcpu, 0x600e);		/* 2E 3E 0F A2 */
	vcpu_assert_snippet_rip(vcpu, bits, start, marks[IM_CPUID_CS_DS]);
	expect_report(vcpu, 0x600f);		/* F3 0F 09 */
	vcpu_assert_snippet_rip(vcpu, bits, start, marks[IM_WBNOINVD]);
	vcpu_run_exit(vcpu, AXVCPU_EXIT_SYSREG_READ);
	TEST_ASSERT_EQ(run->sysreg.addr, SNIP_MSR_READ);
	vcpu_assert_snippet_rip(vcpu, bits, start, marks[IM_RDMSR]);
	axvcpu_complete_sysreg_read(&vcpu->h, MSR_VALUE);
	vcpu_run_exit(vcpu, AXVCPU_EXIT_HALT);	/* 2E F4 */
	vcpu_assert_snippet_rip(vcpu, bits, start, marks[IM_HLT_CS]);
	vcpu_run_exit(vcpu, AXVCPU_EXIT_HYPERCALL);
	TEST_ASSERT_EQ(run->hypercall.nr, SNIP_HC_NR);
	vcpu_assert_snippet_rip(vcpu, bits, start, marks[IM_VMMCALL]);
	axvcpu_complete_hypercall(&vcpu->h, HC_RET);
	vcpu_run_exit(vcpu, AXVCPU_EXIT_HALT);
	vcpu_assert_snippet_rip(vcpu, bits, start, marks[IM_HLT]);
}

static void prefixed_real_mode(void)
{
	struct guest_vm *vm = vm_create_bare(SNIP_BARE_RAM);
	struct guest_vcpu *vcpu = vm_vcpu_add_snippet(vm, 0, AXVCPU_MODE_REAL,
						      insnlen16_start, insnlen16_end);

	vcpu_bind(vcpu);
	run_insnlen(vcpu, 16, insnlen16_start, insnlen16_marks);
	vm_free(vm);
}

static void prefixed_protected_mode(void)
{
	struct guest_vm *vm = vm_create_bare(SNIP_BARE_RAM);
	struct guest_vcpu *vcpu = vm_vcpu_add_snippet(vm, 0, AXVCPU_MODE_PROTECTED,
						      insnlen32_start, insnlen32_end);

	vcpu_bind(vcpu);
	run_insnlen(vcpu, 32, insnlen32_start, insnlen32_marks);
	vm_free(vm);
}

static void guest_insnlen64(void)
{
	((void (*)(void))insnlen64_start)();
}

static void prefixed_long_mode(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_insnlen64);

	run_insnlen(vcpu, 64, insnlen64_start, insnlen64_marks);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* CPUID at CS:FFFE in real mode ends at IP 0, not 0x10000. */
static void ip_wraps_in_real_mode(void)
{
	struct guest_vm *vm = vm_create_bare(SNIP_BARE_RAM);
	struct guest_vcpu *vcpu = vm_vcpu_add_snippet(vm, 0, AXVCPU_MODE_REAL,
						      wrap16_start, wrap16_end);
	uint8_t *top = addr_gpa2hva(vm, GUEST_SNIPPET_GPA + 0xfffe);

	top[0] = 0x0f;
	top[1] = 0xa2;
	vcpu_bind(vcpu);
	expect_report(vcpu, 0x5678);
	vcpu_run_exit(vcpu, AXVCPU_EXIT_HALT);
	TEST_ASSERT(vcpu->run->rip < 0x100, "IP 0x%" PRIx64, (uint64_t)vcpu->run->rip);
	vm_free(vm);
}

/*
 * Bytes at RIP that are not the intercepted instruction give
 * INTERNAL_ERROR with the bytes the kernel found, never a guess. To get
 * there the guest remaps its own code page without INVLPG and executes a
 * CPUID straight after: a CPU that still uses its stale translation (QEMU
 * TCG does: the code was translated from the old page, whose entry it
 * keeps until the next flush) takes the CPUID intercept, while the
 * kernel's walk of the guest's tables finds the new page, which holds a
 * HLT at that offset. A CPU that walked afresh would just run the HLT.
 */
#define MM_CODE_LIN	0x80000000ULL	/* a 2 MiB page of code the guest remaps */
#define MM_OLD_GPA	0x01000000ULL	/* behind it first: MOV [RBX], RAX; CPUID */
#define MM_NEW_GPA	0x01200000ULL	/* then: the same MOV, and a HLT for the CPUID */
#define MM_OFF		0x100ULL
#define MM_PDE_2M	0x83ULL		/* present, writable, 2 MiB */
#define SVM_EXIT_CPUID	0x72

static void guest_remap_and_cpuid(void)
{
	uint64_t pde = GUEST_PT_GPA + 0x2000 + (MM_CODE_LIN >> 21) * 8;

	/* Through the old mapping once, so that it is in use. */
	asm volatile("jmp *%0" : : "r"(MM_CODE_LIN + MM_OFF), "a"(MM_NEW_GPA | MM_PDE_2M),
		     "b"(pde) : "memory");
}

static void mismatch_is_internal_error(void)
{
	static const uint8_t old_code[] = { 0x48, 0x89, 0x03, 0x0f, 0xa2, 0xf4 };
	static const uint8_t new_code[] = { 0x48, 0x89, 0x03, 0xf4, 0xf4, 0xf4 };
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_remap_and_cpuid);
	uint64_t *pd = addr_gpa2hva(vm, GUEST_PT_GPA + 0x2000);
	struct axvcpu_run *run = vcpu->run;

	pd[MM_CODE_LIN >> 21] = MM_OLD_GPA | MM_PDE_2M;
	memcpy(addr_gpa2hva(vm, MM_OLD_GPA + MM_OFF), old_code, sizeof(old_code));
	memcpy(addr_gpa2hva(vm, MM_NEW_GPA + MM_OFF), new_code, sizeof(new_code));

	TEST_ASSERT_EQ(vcpu_run(vcpu), 0);
	if (run->exit_reason == AXVCPU_EXIT_HALT) {
		TEST_ASSERT_EQ(run->rip, MM_CODE_LIN + MM_OFF + 4);
		vm_free(vm);
		test_skip("the CPU fetched the remapped page afresh: no stale code to intercept");
		return;
	}
	vcpu_assert_exit(vcpu, AXVCPU_EXIT_INTERNAL_ERROR);
	TEST_ASSERT_EQ(run->internal.suberror, AXVCPU_INTERNAL_EMULATION);
	TEST_ASSERT_EQ(run->internal.code, SVM_EXIT_CPUID);
	TEST_ASSERT_GE(run->internal.insn_len, 1);
	TEST_ASSERT_EQ(run->internal.insn[0], 0xf4);
	/* RIP stays on the instruction the hardware intercepted. */
	TEST_ASSERT_EQ(run->rip, MM_CODE_LIN + MM_OFF + 3);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(prefixed_real_mode),
	TEST_CASE(prefixed_protected_mode),
	TEST_CASE(prefixed_long_mode),
	TEST_CASE(ip_wraps_in_real_mode),
	TEST_CASE(mismatch_is_internal_error),
};

int main(void)
{
	return test_run_all(cases);
}
