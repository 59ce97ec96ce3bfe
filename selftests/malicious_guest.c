// SPDX-License-Identifier: MIT
/*
 * malicious_guest: guest states and guest code that must end in a
 * documented exit, with the host untouched. Starts with what
 * ioctl_fuzz found: a guest with EFER.LME set while CR4.PAE is clear
 * made QEMU 7.2's TCG lose the host's CR0 at the next #VMEXIT (the host
 * CPU ran on with paging off and the whole machine wedged). The kernel
 * refuses that state from SET_SREGS, a guest WRMSR of it raises #GP, and
 * so does a guest MOV to CR4 clearing PAE under LME (CR4 writes are
 * intercepted and checked for that).
 *
 * Then the rest of the list in Documentation/security.rst: bad CR0, CR3,
 * CR4 and EFER values from the guest, a GDT in MMIO, guest page tables
 * naming addresses beyond the guest's physical width, an invalid opcode
 * with nothing to deliver it through (triple fault, and the reset after
 * it), and every VCPU of a VM exiting as fast as it can at once while
 * the host kicks them. The SVM instructions' #UD is vcpu_exits', the IDT
 * in MMIO mmio_long's, read-only regions memory_regions'.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "guest.h"

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

/* raw_vm_create() in protected mode, then @cr4 and @efer bits added. */
static void raw_vm_create_pm(struct raw_vm *r, const void *code, size_t len, uint64_t cr4,
			     uint64_t efer)
{
	struct axvcpu_sregs sr;

	raw_vm_create(r, code, len, AXVCPU_MODE_PROTECTED);
	TEST_ASSERT_OK(axvcpu_vcpu_get_sregs(&r->vcpu, &sr));
	sr.cr4 |= cr4;
	sr.efer |= efer;
	TEST_ASSERT_OK(axvcpu_vcpu_set_sregs(&r->vcpu, &sr));
}

/* RUN once; the exit must be @reason (SYSTEM_DOWN: a triple fault). */
static void raw_vm_run_expect(struct raw_vm *r, uint32_t reason)
{
	TEST_ASSERT_OK(axvcpu_vcpu_run(&r->vcpu));
	TEST_ASSERT_EQ(r->vcpu.run->exit_reason, reason);
	if (reason == AXVCPU_EXIT_SYSTEM_DOWN)
		TEST_ASSERT_EQ(r->vcpu.run->system_down.type, AXVCPU_SYSTEM_DOWN_TRIPLE_FAULT);
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
	raw_vm_create_pm(&r, set_lme, sizeof(set_lme), 0, 0);
	raw_vm_run_expect(&r, AXVCPU_EXIT_SYSTEM_DOWN);
	raw_vm_free(&r);

	/* With PAE first, as both vendors prescribe, the same code works. */
	raw_vm_create_pm(&r, set_lme, sizeof(set_lme), CR4_PAE, 0);
	raw_vm_run_expect(&r, AXVCPU_EXIT_HALT);
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
	raw_vm_run_expect(&r, AXVCPU_EXIT_HALT);
	raw_vm_free(&r);
}

/* ---- MOV to CR4 clearing PAE under LME ---------------------------- */

/* 32-bit: mov eax, cr4; and eax, ~PAE; mov cr4, eax; hlt. */
static const uint8_t clear_pae[] = {
	0x0f, 0x20, 0xe0,		/* mov eax, cr4 */
	0x83, 0xe0, 0xdf,		/* and eax, ~0x20 */
	0x0f, 0x22, 0xe0,		/* mov cr4, eax */
	0xf4,				/* hlt */
};

/*
 * The other road to LME without PAE: PAE first, LME next (the prescribed
 * order), then PAE cleared by MOV CR4, which the architecture allows
 * while paging is off. Before CR4 writes were intercepted this wedged
 * the host as LME before PAE did. Now the MOV raises #GP, a triple fault
 * here (no IDT); without LME the same code clears PAE as it should.
 */
static void guest_clears_pae_under_lme(void)
{
	struct axvcpu_sregs sr;
	struct raw_vm r;

	raw_vm_create_pm(&r, clear_pae, sizeof(clear_pae), CR4_PAE, EFER_LME);
	raw_vm_run_expect(&r, AXVCPU_EXIT_SYSTEM_DOWN);
	raw_vm_free(&r);

	raw_vm_create_pm(&r, clear_pae, sizeof(clear_pae), CR4_PAE, 0);
	raw_vm_run_expect(&r, AXVCPU_EXIT_HALT);
	TEST_ASSERT_OK(axvcpu_vcpu_get_sregs(&r.vcpu, &sr));
	TEST_ASSERT_EQ(sr.cr4 & CR4_PAE, 0);
	raw_vm_free(&r);
}

/* ---- Bad control-register and EFER values from a 64-bit guest ------- */

#define MSR_EFER	0xc0000080u
#define CR4_PGE		(1ULL << 7)
#define CR4_LA57	(1ULL << 12)
#define CR4_VMXE	(1ULL << 13)

/* Faults taken, and the length of the instruction that faulted. */
static volatile uint64_t gp_count, gp_len;

static void skip_gp(struct guest_exc_frame *frame)
{
	gp_count++;
	frame->rip += gp_len;
}

/* Each MOV to CRn from RAX is three bytes (0F 22 /r, no prefix). */
static void guest_mov_cr4(uint64_t v)
{
	asm volatile("mov %0, %%cr4" : : "a"(v) : "memory");
}

static void guest_mov_cr0(uint64_t v)
{
	asm volatile("mov %0, %%cr0" : : "a"(v) : "memory");
}

static void guest_mov_cr3(uint64_t v)
{
	asm volatile("mov %0, %%cr3" : : "a"(v) : "memory");
}

static uint64_t guest_read_cr0(void)
{
	uint64_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint64_t guest_read_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

/* One write at a time: each step reports the faults so far. */
#define GUEST_STEP(write)	do { write; GUEST_SYNC(gp_count); } while (0)

static void guest_bad_control_registers(void)
{
	uint64_t cr0 = guest_read_cr0(), cr3 = guest_read_cr3(), cr4 = guest_read_cr4();
	uint64_t efer = guest_rdmsr(MSR_EFER);
	register uint64_t r15 asm("r15");

	/* CR4 (intercepted, checked by the kernel). */
	gp_len = 3;
	GUEST_STEP(guest_mov_cr4(cr4 | CR4_VMXE));		/* not offered */
	GUEST_STEP(guest_mov_cr4(cr4 | (1ULL << 32)));		/* reserved */
	GUEST_STEP(guest_mov_cr4(cr4 & ~X86_CR4_PAE));		/* long mode needs PAE */
	GUEST_STEP(guest_mov_cr4(cr4 ^ CR4_LA57));		/* depth fixed in long mode */
	GUEST_ASSERT_EQ(guest_read_cr4(), cr4);
	/* An allowed change takes effect, from any register. */
	GUEST_STEP(guest_mov_cr4(cr4 | CR4_PGE));
	GUEST_ASSERT_EQ(guest_read_cr4(), cr4 | CR4_PGE);
	r15 = cr4;
	GUEST_STEP(asm volatile("mov %0, %%cr4" : : "r"(r15) : "memory"));
	GUEST_ASSERT_EQ(guest_read_cr4(), cr4);

	/* Bad CR0 and CR3 values are their own case. */
	GUEST_ASSERT_EQ(guest_read_cr0(), cr0);
	GUEST_ASSERT_EQ(guest_read_cr3(), cr3);

	/* EFER: SVME is the host's; LME is frozen while paging is on. */
	gp_len = 2;
	GUEST_STEP(guest_wrmsr(MSR_EFER, efer | X86_EFER_SVME));
	GUEST_STEP(guest_wrmsr(MSR_EFER, efer & ~X86_EFER_LME));
	GUEST_STEP(guest_wrmsr(MSR_EFER, efer));		/* its own value: fine */
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_EFER), efer);
}

static void guest_bad_control_registers_fault(void)
{
	/* The fault count after each step of the guest: each bad write #GPs. */
	static const uint64_t want[] = { 1, 2, 3, 4, 4, 4, 5, 6, 6 };
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_bad_control_registers);
	struct axvcpu_sregs sr;
	unsigned int i;

	vm_install_exception_handler(vm, 13, skip_gp);
	vcpu_bind(vcpu);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		test_note("step %u", i + 1);
		vcpu_expect_sync(vcpu, want[i]);
	}
	vcpu_sregs_get(vcpu, &sr);
	TEST_ASSERT_EQ(sr.efer & (X86_EFER_LME | X86_EFER_LMA), X86_EFER_LME | X86_EFER_LMA);
	TEST_ASSERT(sr.cr4 & X86_CR4_PAE, "CR4 0x%llx", (unsigned long long)sr.cr4);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/*
 * CR0 and CR3 writes are not intercepted (nor are they by KVM with nested
 * paging): the CPU checks them. One that does not (QEMU 7.2's TCG loads
 * CR0.NW without CD and CR3 bits beyond the physical width) leaves a
 * state VMRUN refuses. The kernel refuses it first: FAIL_ENTRY with the
 * guest's state kept, so that SET_SREGS can mend it. (Before, VMRUN
 * failed and QEMU wrote the host's RIP, RSP, CR3, GDT and IDT into the
 * save area, where GET_REGS and GET_SREGS showed them.)
 */
static uint64_t bad_value;
static int bad_cr;

static void guest_bad_cr(void)
{
	gp_len = 3;
	if (bad_cr == 3)
		guest_mov_cr3(bad_value);
	else
		guest_mov_cr0(bad_value);
	GUEST_SYNC(gp_count);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * Paging off in 64-bit code must #GP; QEMU 7.2's TCG leaves long mode
 * instead and runs on through the guest's bytes as legacy code. Whatever
 * that code does, each exit is one of the documented ones and the run
 * ends in SYSTEM_DOWN or FAIL_ENTRY, or RUN still answers a signal (INTR)
 * if that code spins where nothing exits (or the CPU faulted as it should).
 */
static void guest_leaves_long_mode_by_cr0(void)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_bad_cr);
	struct axvcpu_run *run = vcpu->run;
	struct axvcpu_sregs good;
	unsigned int exits[AXVCPU_EXIT_NR] = { 0 }, n;
	struct ucall uc;

	vm_install_exception_handler(vm, 13, skip_gp);
	vcpu_sregs_get(vcpu, &good);
	bad_value = good.cr0 & ~X86_CR0_PG;
	bad_cr = 0;
	sync_global_to_guest(vm, bad_value);
	sync_global_to_guest(vm, bad_cr);
	vcpu_bind(vcpu);
	/* It may also spin without exits: an alarm ends that RUN (INTR). */
	TEST_ASSERT_SYSCALL(sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm },
				      NULL));
	alarm(3);
	for (n = 0; n < 1000; n++) {
		int ret = vcpu_run(vcpu);

		if (ret == -EINTR && run->exit_reason == AXVCPU_EXIT_INTR)
			break;
		TEST_ASSERT_OK(ret);
		TEST_ASSERT(run->exit_reason < AXVCPU_EXIT_NR, "exit %u", run->exit_reason);
		exits[run->exit_reason]++;
		if (n == 0 && get_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 1) {
			test_note("#GP");
			vcpu_expect_done(vcpu);
			vm_free(vm);
			return;
		}
		if (run->exit_reason == AXVCPU_EXIT_SYSTEM_DOWN ||
		    run->exit_reason == AXVCPU_EXIT_FAIL_ENTRY)
			break;
		/* Reads get zero; everything else just goes on. */
		if (run->exit_reason == AXVCPU_EXIT_IO_READ)
			run->io.data = 0;
		else if (run->exit_reason == AXVCPU_EXIT_MMIO_READ)
			run->mmio.data = 0;
	}
	alarm(0);
	test_note("the CPU left long mode: %u exits, the last %s (%u)", n + 1,
		  axvcpu_exit_reason_name(run->exit_reason), run->exit_reason);
	TEST_ASSERT(run->exit_reason == AXVCPU_EXIT_SYSTEM_DOWN ||
		    run->exit_reason == AXVCPU_EXIT_FAIL_ENTRY ||
		    run->exit_reason == AXVCPU_EXIT_INTR,
		    "the guest ran on for %u exits", n);
	vm_free(vm);
}

static void guest_bad_cr0_cr3_write(void)
{
	static const struct { const char *what; int cr; uint64_t set, clear; } bad[] = {
		{ "CR0.NW without CD", 0, X86_CR0_NW, 0 },
		{ "CR0[32]", 0, 1ULL << 32, 0 },
		{ "CR0.PG without PE", 0, 0, X86_CR0_PE },
		{ "CR3 beyond the physical width", 3, 1ULL << 62, 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
		struct guest_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_bad_cr);
		struct axvcpu_sregs sr, good;
		struct axvcpu_regs regs;
		struct axvcpu_run *run = vcpu->run;
		struct ucall uc;
		uint64_t old;

		vm_install_exception_handler(vm, 13, skip_gp);
		vcpu_sregs_get(vcpu, &good);
		old = bad[i].cr == 3 ? good.cr3 : good.cr0;
		bad_value = (old | bad[i].set) & ~bad[i].clear;
		bad_cr = bad[i].cr;
		sync_global_to_guest(vm, bad_value);
		sync_global_to_guest(vm, bad_cr);
		vcpu_bind(vcpu);
		TEST_ASSERT_OK(vcpu_run(vcpu));
		/* An exit handled in the kernel may come first: its re-entry fails. */
		if (run->exit_reason != AXVCPU_EXIT_FAIL_ENTRY) {
			TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_SYNC, "%s: no sync",
				    bad[i].what);
			if (uc.args[0] == 1) {
				test_note("%s: #GP", bad[i].what);
				vcpu_expect_done(vcpu);
				vm_free(vm);
				continue;
			}
			TEST_ASSERT(uc.args[0] == 0, "%s: %llu faults", bad[i].what,
				    (unsigned long long)uc.args[0]);
			vcpu_sregs_get(vcpu, &sr);
			if ((bad[i].cr == 3 ? sr.cr3 : sr.cr0) == old) {
				/* Neither a fault nor an effect (QEMU drops CR0[63:32]). */
				test_note("%s: ignored by the CPU", bad[i].what);
				vcpu_expect_done(vcpu);
				vm_free(vm);
				continue;
			}
			/* Loaded. The next RUN does not enter: the state stays the guest's. */
			vcpu_run_exit(vcpu, AXVCPU_EXIT_FAIL_ENTRY);
		}
		if (run->fail_entry.details[1] == AXVCPU_FAIL_ENTRY_STATE_RESET) {
			/*
			 * VMRUN refused what the kernel's check let through (QEMU
			 * does after CR3 bits beyond the width, with the VMCB's
			 * CR3 itself clean): the save area held the host's state,
			 * and the VCPU was reset instead of showing it.
			 */
			vcpu_regs_get(vcpu, &regs);
			vcpu_sregs_get(vcpu, &sr);
			TEST_ASSERT_EQ(regs.rip, 0xfff0);
			TEST_ASSERT_EQ(regs.rsp, 0);
			TEST_ASSERT_EQ(sr.cs.base, 0xffff0000);
			TEST_ASSERT_EQ(sr.gdt.base, 0);
			TEST_ASSERT_EQ(sr.idt.base, 0);
			TEST_ASSERT_EQ(sr.cr3, 0);
			TEST_ASSERT_EQ(run->rip, 0xfff0);
			test_note("%s: VMRUN refused it, the VCPU was reset", bad[i].what);
			vm_free(vm);
			continue;
		}
		TEST_ASSERT_EQ(run->fail_entry.details[1], AXVCPU_FAIL_ENTRY_STATE_KEPT);
		vcpu_sregs_get(vcpu, &sr);
		vcpu_regs_get(vcpu, &regs);
		TEST_ASSERT_EQ(bad[i].cr == 3 ? sr.cr3 : sr.cr0, bad_value);
		TEST_ASSERT_EQ(sr.gdt.base, GUEST_GDT_GPA);
		TEST_ASSERT_EQ(sr.idt.base, GUEST_IDT_GPA);
		TEST_ASSERT(regs.rip < GUEST_RAM_SIZE && regs.rsp < GUEST_RAM_SIZE,
			    "%s: RIP 0x%llx RSP 0x%llx are not the guest's", bad[i].what,
			    (unsigned long long)regs.rip, (unsigned long long)regs.rsp);
		TEST_ASSERT_EQ(run->rip, regs.rip);
		test_note("%s: loaded by the CPU, FAIL_ENTRY, state kept", bad[i].what);
		/* Refused again until mended; then the guest goes on. */
		vcpu_run_exit(vcpu, AXVCPU_EXIT_FAIL_ENTRY);
		sr.cr0 = good.cr0;
		sr.cr3 = good.cr3;
		vcpu_sregs_set(vcpu, &sr);
		vcpu_expect_done(vcpu);
		vm_free(vm);
	}
}

/* ---- Tables and addresses where no RAM is --------------------------- */

#define NO_RAM_GPA	0xc0000000ULL	/* in the 4 GiB map, beyond RAM */
#define PDE_2M		0x83ULL		/* present, writable, 2 MiB */
#define WIDE_LIN	0xc0200000ULL	/* the PDE the guest points far away */

static void guest_gdt_in_mmio(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr = {
		.limit = 0xfff, .base = NO_RAM_GPA,
	};

	asm volatile("lgdt %0; mov %1, %%ds" : : "m"(gdtr), "r"((uint16_t)GUEST_SEL_DATA)
		     : "memory");
	GUEST_SYNC(1);
}

/*
 * The descriptor load of MOV DS reads the GDT from MMIO: not an access of
 * a form the decoder emulates, so INTERNAL_ERROR, the same at every RUN.
 */
static void gdt_in_mmio_is_internal_error(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_gdt_in_mmio);
	struct axvcpu_run *run = vcpu->run;

	vcpu_run_exit(vcpu, AXVCPU_EXIT_INTERNAL_ERROR);
	TEST_ASSERT_EQ(run->internal.suberror, AXVCPU_INTERNAL_EMULATION);
	TEST_ASSERT_EQ(run->internal.insn[0], 0x8e);	/* MOV Sreg */
	vcpu_run_exit(vcpu, AXVCPU_EXIT_INTERNAL_ERROR);
	vm_free(vm);
}

static volatile uint64_t pf_count, pf_error;

/* The faulting load below is two bytes (8B 03). */
static void skip_pf(struct guest_exc_frame *frame)
{
	pf_count++;
	pf_error = frame->error_code;
	frame->rip += 2;
}

static void guest_beyond_phys_width(void)
{
	volatile uint64_t *pd = (volatile uint64_t *)(GUEST_PT_GPA + 0x2000);
	uint32_t a, b, c, d, width, val = 0;

	guest_cpuid(0x80000008, 0, &a, &b, &c, &d);
	width = a & 0xff;
	GUEST_SYNC(width);
	/* Every address bit the guest has, then the first one it has not. */
	pd[WIDE_LIN >> 21] = (((1ULL << width) - 1) & ~0x1fffffULL) | PDE_2M;
	asm volatile("invlpg (%0)" : : "r"(WIDE_LIN) : "memory");
	asm volatile("movl (%1), %0" : "+a"(val) : "b"(WIDE_LIN) : "memory");
	GUEST_SYNC(2);
	pd[WIDE_LIN >> 21] = (1ULL << width) | PDE_2M;
	asm volatile("invlpg (%0)" : : "r"(WIDE_LIN) : "memory");
	asm volatile(".byte 0x8b, 0x03" : "+a"(val) : "b"(WIDE_LIN) : "memory");
	GUEST_ASSERT_EQ(pf_count, 1);
	GUEST_SYNC(pf_error & ~1ULL);
}

/*
 * The highest guest-physical address the guest's width allows is MMIO
 * like any other address outside RAM; one bit more is a reserved bit of
 * the guest's own page table: #PF with RSVD in the guest, and the host
 * never sees the address.
 */
static void gpa_beyond_phys_width(void)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_beyond_phys_width);
	struct axvcpu_run *run = vcpu->run;
	struct ucall uc;
	uint64_t width;

	vm_install_exception_handler(vm, 14, skip_pf);
	vcpu_bind(vcpu);
	TEST_ASSERT_OK(vcpu_run(vcpu));
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
	width = uc.args[0];
	if (width >= 52)
		test_skip("guest physical width %llu: no address bit beyond it",
			  (unsigned long long)width);
	vcpu_run_exit(vcpu, AXVCPU_EXIT_MMIO_READ);
	TEST_ASSERT_EQ(run->mmio.gpa, ((1ULL << width) - 1) & ~0x1fffffULL);
	vcpu_expect_sync(vcpu, 2);
	/*
	 * RSVD, a read from CPL 0. P is not looked at: it should be set (the
	 * entry is present), QEMU 7.2's TCG leaves it clear.
	 */
	vcpu_expect_sync(vcpu, 0x8);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- An invalid opcode with nothing to deliver it through ----------- */

/*
 * UD2 without an IDT: #UD, #DF, shutdown. SYSTEM_DOWN (triple fault),
 * and the VCPU is reset to its power-on state: the next RUN fetches from
 * the reset vector, 0xfffffff0, where this VM has no memory: a nested
 * page fault on the fetch, to user space.
 */
static void invalid_opcode_without_idt(void)
{
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	struct axvcpu_regs regs;
	struct raw_vm r;

	raw_vm_create(&r, ud2, sizeof(ud2), AXVCPU_MODE_PROTECTED);
	raw_vm_run_expect(&r, AXVCPU_EXIT_SYSTEM_DOWN);
	TEST_ASSERT_OK(axvcpu_vcpu_get_regs(&r.vcpu, &regs));
	TEST_ASSERT_EQ(regs.rip, 0xfff0);
	raw_vm_run_expect(&r, AXVCPU_EXIT_NESTED_PAGE_FAULT);
	TEST_ASSERT_EQ(r.vcpu.run->npf.gpa, 0xfffffff0ULL);
	TEST_ASSERT(r.vcpu.run->npf.access & AXVCPU_ACCESS_EXEC, "access 0x%x",
		    r.vcpu.run->npf.access);
	raw_vm_free(&r);
}

/* ---- Every VCPU exiting at once ------------------------------------- */

#define STORM_VCPUS	4
#define STORM_LOOPS	1500
#define STORM_PORT	0x80

static void guest_storm(void)
{
	volatile uint32_t *mmio = (volatile uint32_t *)NO_RAM_GPA;
	uint32_t a, b, c, d, i;

	for (i = 0; i < STORM_LOOPS; i++) {
		guest_cpuid(0, 0, &a, &b, &c, &d);	/* in the kernel */
		guest_outb(STORM_PORT, i);		/* to user space */
		*mmio = i;				/* decoded, to user space */
		GUEST_ASSERT_EQ(guest_vmmcall(i, 0, 0, 0, 0, 0, 0), i + 1);
	}
	GUEST_DONE();
}

struct storm_runner {
	struct guest_vcpu *vcpu;
	pthread_t thread;
	uint64_t io, mmio, hypercalls, kicked;
};

static void *storm_run(void *arg)
{
	struct storm_runner *r = arg;
	struct axvcpu_run *run = r->vcpu->run;
	struct ucall uc;
	int ret;

	vcpu_bind(r->vcpu);
	for (;;) {
		ret = vcpu_run(r->vcpu);
		if (ret == -EINTR && run->exit_reason == AXVCPU_EXIT_INTR) {
			r->kicked++;
			continue;
		}
		TEST_ASSERT_OK(ret);
		if (get_ucall(r->vcpu, &uc) != UCALL_NONE) {
			ucall_check(__FILE__, __LINE__, &uc, UCALL_DONE);
			return NULL;
		}
		switch (run->exit_reason) {
		case AXVCPU_EXIT_IO_WRITE:
			TEST_ASSERT_EQ(run->io.port, STORM_PORT);
			TEST_ASSERT_EQ(run->io.data, r->io & 0xff);
			r->io++;
			break;
		case AXVCPU_EXIT_MMIO_WRITE:
			TEST_ASSERT_EQ(run->mmio.gpa, NO_RAM_GPA);
			TEST_ASSERT_EQ(run->mmio.data, r->mmio);
			r->mmio++;
			break;
		case AXVCPU_EXIT_HYPERCALL:
			run->hypercall.ret = run->hypercall.nr + 1;
			r->hypercalls++;
			break;
		default:
			vcpu_assert_exit(r->vcpu, AXVCPU_EXIT_IO_WRITE);
		}
	}
}

static void every_vcpu_exits_at_once(void)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct storm_runner r[STORM_VCPUS];
	bool done[STORM_VCPUS] = { false };
	uint64_t kicks = 0, kicked = 0;
	int c, live;

	memset(r, 0, sizeof(r));
	for (c = 0; c < STORM_VCPUS; c++)
		r[c].vcpu = vm_vcpu_add(vm, c, guest_storm);
	for (c = 0; c < STORM_VCPUS; c++)
		TEST_ASSERT_EQ(pthread_create(&r[c].thread, NULL, storm_run, &r[c]), 0);
	/* Kick them all, over and over, until every one is done. */
	do {
		live = 0;
		for (c = 0; c < STORM_VCPUS; c++) {
			if (!done[c] && pthread_tryjoin_np(r[c].thread, NULL) == 0)
				done[c] = true;
			if (done[c])
				continue;
			live++;
			if (axvcpu_vcpu_kick(&r[c].vcpu->h) == 0)
				kicks++;
		}
		usleep(200);
	} while (live);
	for (c = 0; c < STORM_VCPUS; c++) {
		TEST_ASSERT_EQ(r[c].io, STORM_LOOPS);
		TEST_ASSERT_EQ(r[c].mmio, STORM_LOOPS);
		TEST_ASSERT_EQ(r[c].hypercalls, STORM_LOOPS);
		kicked += r[c].kicked;
	}
	test_note("%d VCPUs x %d x 3 user exits; %llu kicks, %llu RUNs ended by one",
		  STORM_VCPUS, STORM_LOOPS, (unsigned long long)kicks,
		  (unsigned long long)kicked);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(guest_lme_before_pae_faults),
	TEST_CASE(sregs_refuse_lme_without_pae),
	TEST_CASE(guest_clears_pae_under_lme),
	TEST_CASE(guest_bad_control_registers_fault),
	TEST_CASE(guest_bad_cr0_cr3_write),
	TEST_CASE(guest_leaves_long_mode_by_cr0),
	TEST_CASE(gdt_in_mmio_is_internal_error),
	TEST_CASE(gpa_beyond_phys_width),
	TEST_CASE(invalid_opcode_without_idt),
	{ .name = "every_vcpu_exits_at_once", .fn = every_vcpu_exits_at_once, .timeout = 300 },
};

int main(void)
{
	return test_run_all(cases);
}
