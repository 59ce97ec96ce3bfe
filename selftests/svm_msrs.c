// SPDX-License-Identifier: MIT
/*
 * svm_msrs: the MSRs whose guest values live in the VMCB and never reach
 * user space: FS_BASE, GS_BASE and KERNEL_GS_BASE (passed through),
 * STAR, LSTAR, CSTAR, SFMASK, SYSENTER_CS/ESP/EIP and the TSC (emulated).
 * The guest writes and reads back each; non-canonical addresses and
 * SFMASK's reserved high half raise #GP and leave the old value (for the
 * passed-through segment bases that is the CPU's check, which QEMU's TCG
 * does not make: that case skips there); a TSC
 * write moves RDMSR and RDTSC to the written value. No SYSREG exit may
 * reach user space for any of them.
 */
#include <inttypes.h>

#include "guest.h"

#define MSR_TSC			0x00000010
#define MSR_SYSENTER_CS		0x00000174
#define MSR_SYSENTER_ESP	0x00000175
#define MSR_SYSENTER_EIP	0x00000176
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102

/* Not canonical for 48- or 57-bit linear addresses. */
#define NON_CANONICAL		0x8000000000000000ULL

struct msr_value {
	uint32_t msr;
	uint64_t value;
};

static const struct msr_value msr_values[] = {
	{ MSR_FS_BASE, 0x00007fffdead1000ULL },
	{ MSR_GS_BASE, 0xffff8000beef2000ULL },
	{ MSR_KERNEL_GS_BASE, 0x00001234cafe3000ULL },
	{ MSR_STAR, 0x0023001000080000ULL },
	{ MSR_LSTAR, 0xffffffff81234560ULL },
	{ MSR_CSTAR, 0xffffffff81abcde0ULL },
	{ MSR_SFMASK, 0x0000000000047700ULL },
	{ MSR_SYSENTER_CS, 0x0000000000000010ULL },
	{ MSR_SYSENTER_ESP, 0xffff888012345000ULL },
	{ MSR_SYSENTER_EIP, 0xffffffff81fedcb0ULL },
};

/*
 * The MSRs that hold addresses: a non-canonical value is a #GP. The
 * kernel checks the ones it emulates; the segment bases are passed
 * through, so there the CPU checks.
 */
static const uint32_t emulated_address_msrs[] = {
	MSR_LSTAR, MSR_CSTAR, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
};
static const uint32_t passthrough_address_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
};

static volatile uint64_t gp_count;

/* WRMSR and RDMSR are two bytes long. */
static void skip_gp(struct guest_exc_frame *frame)
{
	gp_count++;
	frame->rip += 2;
}

static struct guest_vm *msr_vm(struct guest_vcpu **vcpu, guest_code_t code)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);

	*vcpu = vm_vcpu_add(vm, 0, code);
	vm_install_exception_handler(vm, 13, skip_gp);
	vcpu_bind(*vcpu);
	return vm;
}

static void expect_no_sysreg_exits(struct guest_vcpu *vcpu)
{
	struct axvcpu_stats s;

	vcpu_stats_get(vcpu, &s);
	TEST_ASSERT_EQ(s.exits[AXVCPU_EXIT_SYSREG_READ], 0);
	TEST_ASSERT_EQ(s.exits[AXVCPU_EXIT_SYSREG_WRITE], 0);
}

/* ---- write and read back --------------------------------------------- */

static void guest_read_back(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(msr_values); i++) {
		guest_wrmsr(msr_values[i].msr, msr_values[i].value);
		GUEST_ASSERT_EQ(gp_count, 0);
	}
	/* All written first: no write clobbered another MSR. */
	for (i = 0; i < ARRAY_SIZE(msr_values); i++)
		GUEST_ASSERT_EQ(guest_rdmsr(msr_values[i].msr), msr_values[i].value);
	GUEST_SYNC(i);
	/* Still there after an exit to user space and back. */
	for (i = 0; i < ARRAY_SIZE(msr_values); i++)
		GUEST_ASSERT_EQ(guest_rdmsr(msr_values[i].msr), msr_values[i].value);
}

static void kernel_msrs_read_back(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = msr_vm(&vcpu, guest_read_back);
	struct axvcpu_sregs s;

	vcpu_expect_sync(vcpu, ARRAY_SIZE(msr_values));
	/* The segment bases user space sees are the ones the guest wrote. */
	vcpu_sregs_get(vcpu, &s);
	TEST_ASSERT_EQ(s.fs.base, msr_values[0].value);
	TEST_ASSERT_EQ(s.gs.base, msr_values[1].value);
	vcpu_expect_done(vcpu);
	expect_no_sysreg_exits(vcpu);
	vm_free(vm);
}

/* ---- refused values --------------------------------------------------- */

/* Set by the host: which list guest_non_canonical() goes through. */
static uint64_t nc_passthrough;

static void guest_non_canonical(void)
{
	const uint32_t *msrs = nc_passthrough ? passthrough_address_msrs :
						emulated_address_msrs;
	unsigned int i, n = nc_passthrough ? ARRAY_SIZE(passthrough_address_msrs) :
					     ARRAY_SIZE(emulated_address_msrs);
	uint64_t old, now;

	for (i = 0; i < n; i++) {
		old = guest_rdmsr(msrs[i]);
		gp_count = 0;
		guest_wrmsr(msrs[i], NON_CANONICAL);
		now = guest_rdmsr(msrs[i]);
		/* Report each MSR that let it through, and what it holds now. */
		if (gp_count != 1 || now != old)
			guest_ucall(UCALL_SYNC, msrs[i], gp_count, now, old);
	}
	GUEST_SYNC(0);
}

/* Run guest_non_canonical(); return how many MSRs took the write. */
static unsigned int non_canonical_failures(bool passthrough)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_non_canonical);
	unsigned int failures = 0;
	struct ucall uc;

	nc_passthrough = passthrough;
	sync_global_to_guest(vm, nc_passthrough);
	vm_install_exception_handler(vm, 13, skip_gp);
	vcpu_bind(vcpu);
	for (;;) {
		vcpu_run_ucall(vcpu, &uc);
		ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);
		if (uc.args[0] == 0)
			break;
		test_note("WRMSR 0x%" PRIx64 " of 0x%llx: %" PRIu64 " #GP (expected 1), "
			  "reads 0x%" PRIx64 " (was 0x%" PRIx64 ")", uc.args[0], NON_CANONICAL,
			  uc.args[1], uc.args[2], uc.args[3]);
		failures++;
	}
	vcpu_expect_done(vcpu);
	expect_no_sysreg_exits(vcpu);
	vm_free(vm);
	return failures;
}

static void non_canonical_writes_gp(void)
{
	TEST_ASSERT_EQ(non_canonical_failures(false), 0);
}

/*
 * The segment bases go to the CPU unintercepted: the #GP is the CPU's.
 * QEMU's TCG does not raise it; then nothing here tests the kernel.
 */
static void non_canonical_base_gp(void)
{
	unsigned int failures = non_canonical_failures(true);

	if (failures == ARRAY_SIZE(passthrough_address_msrs))
		test_skip("the CPU takes a non-canonical FS/GS/KERNEL_GS_BASE without #GP "
			  "(passed through: the check is the CPU's; QEMU TCG has none)");
	TEST_ASSERT_EQ(failures, 0);
}

static void guest_sfmask(void)
{
	guest_wrmsr(MSR_SFMASK, 0x700);
	GUEST_ASSERT_EQ(gp_count, 0);
	guest_wrmsr(MSR_SFMASK, 1ULL << 32 | 0x200);
	GUEST_ASSERT_EQ(gp_count, 1);
	guest_wrmsr(MSR_SFMASK, 0xffffffff00000000ULL);
	GUEST_ASSERT_EQ(gp_count, 2);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_SFMASK), 0x700);
	/* Every bit of the low half is accepted. */
	guest_wrmsr(MSR_SFMASK, 0xffffffff);
	GUEST_ASSERT_EQ(gp_count, 2);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_SFMASK), 0xffffffff);
}

static void sfmask_high_half_gp(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = msr_vm(&vcpu, guest_sfmask);

	vcpu_expect_done(vcpu);
	expect_no_sysreg_exits(vcpu);
	vm_free(vm);
}

/* ---- TSC -------------------------------------------------------------- */

/*
 * How far the TSC may run on between the write and the read: generous
 * (QEMU's TSC runs at the host's rate, and a host interrupt may take the
 * CPU away meanwhile), yet far below the distance between the values.
 */
#define TSC_SLACK		(1ULL << 38)

static uint64_t guest_rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void guest_tsc_check(uint64_t set)
{
	uint64_t msr, insn;

	guest_wrmsr(MSR_TSC, set);
	msr = guest_rdmsr(MSR_TSC);
	insn = guest_rdtsc();
	GUEST_ASSERT(msr >= set && msr - set < TSC_SLACK);
	/* RDTSC (not intercepted) sees the same clock, later. */
	GUEST_ASSERT(insn >= msr && insn - msr < TSC_SLACK);
	GUEST_SYNC2(set, msr);
}

static void guest_tsc(void)
{
	guest_tsc_check(1ULL << 50);		/* forward */
	guest_tsc_check(1ULL << 20);		/* and back */
	guest_tsc_check(1ULL << 45);
}

static void tsc_write_moves_tsc(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = msr_vm(&vcpu, guest_tsc);
	const uint64_t sets[] = { 1ULL << 50, 1ULL << 20, 1ULL << 45 };
	struct ucall uc;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sets); i++) {
		vcpu_run_ucall(vcpu, &uc);
		ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);
		TEST_ASSERT_EQ(uc.args[0], sets[i]);
		test_note("TSC set to 0x%" PRIx64 ", read back 0x%" PRIx64, uc.args[0], uc.args[1]);
	}
	vcpu_expect_done(vcpu);
	expect_no_sysreg_exits(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(kernel_msrs_read_back),
	TEST_CASE(non_canonical_writes_gp),
	TEST_CASE(non_canonical_base_gp),
	TEST_CASE(sfmask_high_half_gp),
	TEST_CASE(tsc_write_moves_tsc),
};

int main(void)
{
	return test_run_all(cases);
}
