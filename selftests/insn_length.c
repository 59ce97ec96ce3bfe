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
 * INTERNAL_ERROR. Reaching that needs the bytes to change between the
 * intercept and the kernel's fetch, which one VCPU cannot arrange.
 */
static void mismatch_is_internal_error(void)
{
	test_skip("no deterministic way to change the bytes at RIP between an intercept and the fetch");
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
