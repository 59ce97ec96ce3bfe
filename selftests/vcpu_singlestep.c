// SPDX-License-Identifier: MIT
/*
 * vcpu_singlestep: RFLAGS.TF across the instructions the kernel or user
 * space completes for the guest. On hardware a single-step trap (#DB,
 * DR6.BS) follows every instruction executed with TF set; an intercepted
 * instruction is not executed by the CPU, so the kernel must raise it
 * after completing the instruction, with RIP past it. For exits finished
 * by user space (IN, RDMSR of an MSR the kernel does not know, VMMCALL)
 * the trap must come after the completion: the #DB handler sees the
 * value user space supplied.
 *
 * Each case runs one sequence: set TF with POPF, the instruction, a label
 * (where the #DB must point), then a NOP. The guest's #DB handler records
 * the first #DB and clears TF. Without the kernel's #DB, the hardware's
 * own trap after the NOP arrives one byte late.
 */
#include <inttypes.h>

#include "guest.h"

#define DR6_BS			(1ULL << 14)
#define X86_RFLAGS_TF		(1ULL << 8)

#define SS_PORT			0x80
#define SS_IN_VALUE		0x5a
#define SS_MSR_USER		0x40000100	/* unknown to the kernel: exits */
#define SS_MSR_STAR		0xc0000081	/* the kernel's */
#define SS_MSR_VALUE		0x1122334455667788ULL
#define SS_HC_RET		0x600dcafeULL

enum ss_insn {
	SS_CPUID,
	SS_RDMSR_KERNEL,
	SS_WRMSR_KERNEL,
	SS_OUT,
	SS_IN,
	SS_RDMSR_USER,
	SS_VMMCALL,
	SS_HLT,
	SS_NR
};

/*
 * One sequence per instruction: ss_<name> sets TF and runs it; the #DB
 * must report ss_<name>_after. RBX is saved around CPUID, the other
 * registers the instructions change are declared clobbered by the caller.
 */
#define SS_SEQ(name, insn)						\
	"	.globl ss_" #name "\n"					\
	"	.type ss_" #name ", @function\n"			\
	"ss_" #name ":\n"						\
	"	pushq %rbx\n"						\
	"	pushfq\n"						\
	"	orq $0x100, (%rsp)\n"					\
	"	popfq\n"						\
	"	" insn "\n"						\
	"	.globl ss_" #name "_after\n"				\
	"ss_" #name "_after:\n"						\
	"	nop\n"							\
	"	popq %rbx\n"						\
	"	ret\n"

asm(".pushsection .text\n"
    SS_SEQ(cpuid, "cpuid")
    SS_SEQ(rdmsr_kernel, "rdmsr")
    SS_SEQ(wrmsr_kernel, "wrmsr")
    SS_SEQ(out, "outb %al, $0x80")
    SS_SEQ(in, "inb $0x80, %al")
    SS_SEQ(rdmsr_user, "rdmsr")
    SS_SEQ(vmmcall, "vmmcall")
    SS_SEQ(hlt, "hlt")
    ".popsection\n");

extern const char ss_cpuid[], ss_cpuid_after[];
extern const char ss_rdmsr_kernel[], ss_rdmsr_kernel_after[];
extern const char ss_wrmsr_kernel[], ss_wrmsr_kernel_after[];
extern const char ss_out[], ss_out_after[];
extern const char ss_in[], ss_in_after[];
extern const char ss_rdmsr_user[], ss_rdmsr_user_after[];
extern const char ss_vmmcall[], ss_vmmcall_after[];
extern const char ss_hlt[], ss_hlt_after[];

static const struct {
	const char *name;
	const char *seq;
	const char *after;
} ss_table[SS_NR] = {
	[SS_CPUID] = { "CPUID", ss_cpuid, ss_cpuid_after },
	[SS_RDMSR_KERNEL] = { "RDMSR (kernel)", ss_rdmsr_kernel, ss_rdmsr_kernel_after },
	[SS_WRMSR_KERNEL] = { "WRMSR (kernel)", ss_wrmsr_kernel, ss_wrmsr_kernel_after },
	[SS_OUT] = { "OUT", ss_out, ss_out_after },
	[SS_IN] = { "IN", ss_in, ss_in_after },
	[SS_RDMSR_USER] = { "RDMSR (user)", ss_rdmsr_user, ss_rdmsr_user_after },
	[SS_VMMCALL] = { "VMMCALL", ss_vmmcall, ss_vmmcall_after },
	[SS_HLT] = { "HLT", ss_hlt, ss_hlt_after },
};

/* Set by the host before the run. */
static uint64_t ss_which;

/* What the guest's #DB handler saw first. */
static volatile uint64_t db_count, db_rip, db_rax, db_rdx, db_dr6, db_rflags;

static void guest_db(struct guest_exc_frame *frame)
{
	uint64_t dr6;

	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	if (db_count++ == 0) {
		db_rip = frame->rip;
		db_rax = frame->rax;
		db_rdx = frame->rdx;
		db_dr6 = dr6;
		db_rflags = frame->rflags;
	}
	/* Stop stepping; DR6 back to its reset value. */
	frame->rflags &= ~X86_RFLAGS_TF;
	asm volatile("mov %0, %%dr6" : : "r"(0xffff0ff0ULL));
}

static void guest_code(void)
{
	const char *seq = ss_table[ss_which].seq;
	uint64_t a = 0, c = 0, d = 0;

	switch (ss_which) {
	case SS_CPUID:
		break;
	case SS_RDMSR_KERNEL:
		c = SS_MSR_STAR;
		break;
	case SS_WRMSR_KERNEL:
		c = SS_MSR_STAR;
		a = 0x00100008;
		d = 0x00230010;
		break;
	case SS_RDMSR_USER:
		c = SS_MSR_USER;
		break;
	}
	asm volatile("call *%[seq]"
		     : "+a"(a), "+c"(c), "+d"(d)
		     : [seq] "r"(seq)
		     : "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");

	GUEST_ASSERT_EQ(db_count, 1);
	GUEST_ASSERT_EQ(db_rip, (uint64_t)(uintptr_t)ss_table[ss_which].after);
	GUEST_ASSERT_EQ(db_dr6 & DR6_BS, DR6_BS);
	/* TF was still set in the interrupted context. */
	GUEST_ASSERT_EQ(db_rflags & X86_RFLAGS_TF, X86_RFLAGS_TF);
	switch (ss_which) {
	case SS_IN:
		GUEST_ASSERT_EQ(db_rax & 0xff, SS_IN_VALUE);
		break;
	case SS_RDMSR_USER:
		GUEST_ASSERT_EQ(db_rax, (uint32_t)SS_MSR_VALUE);
		GUEST_ASSERT_EQ(db_rdx, SS_MSR_VALUE >> 32);
		break;
	case SS_RDMSR_KERNEL:
		GUEST_ASSERT_EQ(db_rax, 0);	/* STAR is 0 after reset */
		GUEST_ASSERT_EQ(db_rdx, 0);
		break;
	case SS_WRMSR_KERNEL:
		GUEST_ASSERT_EQ(guest_rdmsr(SS_MSR_STAR), 0x0023001000100008ULL);
		break;
	case SS_VMMCALL:
		GUEST_ASSERT_EQ(db_rax, SS_HC_RET);
		break;
	}
}

/* Run sequence @which; @reason is the exit user space completes, if any. */
static void single_step(enum ss_insn which, uint32_t reason)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_code);
	struct axvcpu_run *run = vcpu->run;
	uint64_t after = (uint64_t)(uintptr_t)ss_table[which].after;

	test_note("%s with RFLAGS.TF set", ss_table[which].name);
	ss_which = which;
	sync_global_to_guest(vm, ss_which);
	vm_install_exception_handler(vm, 1, guest_db);
	vcpu_bind(vcpu);

	if (reason != AXVCPU_EXIT_NOTHING) {
		vcpu_run_exit(vcpu, reason);
		/* RIP is already past the instruction; TF is still set. */
		TEST_ASSERT_EQ(run->rip, after);
		TEST_ASSERT_EQ(run->rflags & X86_RFLAGS_TF, X86_RFLAGS_TF);
		switch (reason) {
		case AXVCPU_EXIT_IO_WRITE:
			TEST_ASSERT_EQ(run->io.port, SS_PORT);
			break;
		case AXVCPU_EXIT_IO_READ:
			TEST_ASSERT_EQ(run->io.port, SS_PORT);
			axvcpu_complete_io_read(&vcpu->h, SS_IN_VALUE);
			break;
		case AXVCPU_EXIT_SYSREG_READ:
			TEST_ASSERT_EQ(run->sysreg.addr, SS_MSR_USER);
			axvcpu_complete_sysreg_read(&vcpu->h, SS_MSR_VALUE);
			break;
		case AXVCPU_EXIT_HYPERCALL:
			axvcpu_complete_hypercall(&vcpu->h, SS_HC_RET);
			break;
		}
	}
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

static void cpuid_traps_after(void)
{
	single_step(SS_CPUID, AXVCPU_EXIT_NOTHING);
}

static void rdmsr_in_kernel_traps_after(void)
{
	single_step(SS_RDMSR_KERNEL, AXVCPU_EXIT_NOTHING);
}

static void wrmsr_in_kernel_traps_after(void)
{
	single_step(SS_WRMSR_KERNEL, AXVCPU_EXIT_NOTHING);
}

static void out_traps_after(void)
{
	single_step(SS_OUT, AXVCPU_EXIT_IO_WRITE);
}

static void in_traps_after_completion(void)
{
	single_step(SS_IN, AXVCPU_EXIT_IO_READ);
}

static void rdmsr_to_user_traps_after_completion(void)
{
	single_step(SS_RDMSR_USER, AXVCPU_EXIT_SYSREG_READ);
}

static void vmmcall_traps_after_completion(void)
{
	single_step(SS_VMMCALL, AXVCPU_EXIT_HYPERCALL);
}

static void hlt_traps_after(void)
{
	single_step(SS_HLT, AXVCPU_EXIT_HALT);
}

static const struct test_case cases[] = {
	TEST_CASE(cpuid_traps_after),
	TEST_CASE(rdmsr_in_kernel_traps_after),
	TEST_CASE(wrmsr_in_kernel_traps_after),
	TEST_CASE(out_traps_after),
	TEST_CASE(in_traps_after_completion),
	TEST_CASE(rdmsr_to_user_traps_after_completion),
	TEST_CASE(vmmcall_traps_after_completion),
	TEST_CASE(hlt_traps_after),
};

int main(void)
{
	return test_run_all(cases);
}
