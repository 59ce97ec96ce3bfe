// SPDX-License-Identifier: MIT
/*
 * The guest side of the framework: 64-bit entry points, the exception
 * stubs the IDT points at, and the ucall sender. Everything here runs in
 * the guest, from the guest's copy of the test binary; nothing may call
 * libc or touch TLS.
 *
 * The assembly is top-level asm beside the C it calls and is called by.
 */
#include <stdint.h>

#include "guest.h"
#include "ucall.h"

/* Installed by vm_install_exception_handler() in the guest's copy. */
guest_exception_handler_t guest_exception_handlers[GUEST_NR_VECTORS];

uint64_t guest_xcr0;

void guest_main(guest_code_t fn, uint64_t id, uint64_t full_init);
void guest_exception_dispatch(struct guest_exc_frame *frame);

/*
 * Entries. The host leaves RSP pointing at two quadwords: the guest
 * function, then the VCPU id; after popping them RSP is 16-byte aligned,
 * as the call needs.
 *
 * guest_entry_custom: the host loaded every system register with
 * SET_SREGS (AXVCPU_MODE_CUSTOM).
 * guest_entry_long: the kernel's AXVCPU_MODE_LONG state, whose CR4 need
 * not enable SSE, which compiled C may use: turn on OSFXSR|OSXMMEXCPT
 * before the first C instruction, then let guest_main() load the tables.
 *
 * Exception stubs: one per vector 0-31, pushing a zero where the CPU
 * pushes no error code so every frame looks alike, then the vector; the
 * stubs of the interrupt vectors 32-255 follow guest_irq_stubs at a
 * stride of GUEST_IRQ_STUB_SIZE bytes. The IDT gates use a stack of their
 * own (IST1; IST2 for the NMI, which can arrive inside another handler),
 * so the interrupted code's red zone below RSP is never overwritten.
 */
asm(
"	.pushsection .text\n"
"	.globl guest_entry_custom\n"
"	.type guest_entry_custom, @function\n"
"guest_entry_custom:\n"
"	popq %rdi\n"
"	popq %rsi\n"
"	xorl %edx, %edx\n"
"	call guest_main\n"
"	ud2\n"
"	.size guest_entry_custom, . - guest_entry_custom\n"
"\n"
"	.globl guest_entry_long\n"
"	.type guest_entry_long, @function\n"
"guest_entry_long:\n"
"	movq %cr4, %rax\n"
"	orq $0x600, %rax\n"		/* CR4.OSFXSR | CR4.OSXMMEXCPT */
"	movq %rax, %cr4\n"
"	popq %rdi\n"
"	popq %rsi\n"
"	movl $1, %edx\n"
"	call guest_main\n"
"	ud2\n"
"	.size guest_entry_long, . - guest_entry_long\n"
"\n"
"	.irp vec, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31\n"
"guest_exc_stub_\\vec:\n"
"	pushq $0\n"
"	pushq $\\vec\n"
"	jmp guest_exc_common\n"
"	.endr\n"
"	.irp vec, 8,10,11,12,13,14,17,21,29,30\n"
"guest_exc_stub_\\vec:\n"
"	pushq $\\vec\n"
"	jmp guest_exc_common\n"
"	.endr\n"
"\n"
"	.balign 16\n"
"	.globl guest_irq_stubs\n"
"guest_irq_stubs:\n"
"	.set vec, 32\n"
"	.rept 224\n"
"	.balign 16\n"
"	pushq $0\n"
"	pushq $vec\n"
"	jmp guest_exc_common\n"
"	.set vec, vec + 1\n"
"	.endr\n"
"\n"
"guest_exc_common:\n"
"	pushq %rax\n"
"	pushq %rcx\n"
"	pushq %rdx\n"
"	pushq %rbx\n"
"	pushq %rbp\n"
"	pushq %rsi\n"
"	pushq %rdi\n"
"	pushq %r8\n"
"	pushq %r9\n"
"	pushq %r10\n"
"	pushq %r11\n"
"	pushq %r12\n"
"	pushq %r13\n"
"	pushq %r14\n"
"	pushq %r15\n"
"	movq %rsp, %rdi\n"
"	cld\n"
"	call guest_exception_dispatch\n"
"	popq %r15\n"
"	popq %r14\n"
"	popq %r13\n"
"	popq %r12\n"
"	popq %r11\n"
"	popq %r10\n"
"	popq %r9\n"
"	popq %r8\n"
"	popq %rdi\n"
"	popq %rsi\n"
"	popq %rbp\n"
"	popq %rbx\n"
"	popq %rdx\n"
"	popq %rcx\n"
"	popq %rax\n"
"	addq $16, %rsp\n"
"	iretq\n"
"	.popsection\n"
"\n"
"	.pushsection .rodata\n"
"	.balign 8\n"
"	.globl guest_exc_stubs\n"
"guest_exc_stubs:\n"
"	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
"	.quad guest_exc_stub_\\vec\n"
"	.endr\n"
"	.irp vec, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
"	.quad guest_exc_stub_\\vec\n"
"	.endr\n"
"	.size guest_exc_stubs, . - guest_exc_stubs\n"
"	.popsection\n"
);

struct guest_dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* The AXVCPU_MODE_LONG entry: switch to the framework's tables. */
static void guest_load_tables(uint64_t id)
{
	struct guest_dtr gdtr = { GUEST_GDT_ENTRIES * 8 - 1, GUEST_GDT_GPA };
	struct guest_dtr idtr = { GUEST_NR_VECTORS * 16 - 1, GUEST_IDT_GPA };

	asm volatile("lgdt %0" : : "m"(gdtr));
	asm volatile("lidt %0" : : "m"(idtr));
	asm volatile("movl %0, %%ds\n\t"
		     "movl %0, %%es\n\t"
		     "movl %0, %%ss\n\t"
		     "movl %0, %%fs\n\t"
		     "movl %0, %%gs"
		     : : "r"((uint32_t)GUEST_SEL_DATA));
	/* A far return is the way to load CS in 64-bit mode. */
	asm volatile("pushq %0\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:"
		     : : "i"(GUEST_SEL_CODE64) : "rax", "memory");
	asm volatile("ltr %w0" : : "r"((uint16_t)GUEST_SEL_TSS(id)));
}

/*
 * XSAVE-managed state: when the guest's CPUID offers XSAVE, enable it and
 * program XCR0 with x87, SSE and (if offered) AVX state, limited to what
 * leaf 0xD says the CPU supports. Where the CPU intercepts XSETBV the
 * kernel validates it, so this is also the first check that it accepts a
 * valid value (a refusal is a #GP, reported as an exception). Without
 * XSAVE, guest_xcr0 stays 0.
 */
static void guest_xsave_init(void)
{
	uint32_t a, b, c, d, xa, xb, xc, xd;
	uint64_t cr4, xcr0;

	guest_cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1U << 26)))
		return;
	guest_cpuid(0xd, 0, &xa, &xb, &xc, &xd);
	if ((xa & (XFEATURE_X87 | XFEATURE_SSE)) != (XFEATURE_X87 | XFEATURE_SSE))
		return;

	cr4 = guest_read_cr4();
	if (!(cr4 & X86_CR4_OSXSAVE))
		asm volatile("mov %0, %%cr4" : : "r"(cr4 | X86_CR4_OSXSAVE));
	xcr0 = XFEATURE_X87 | XFEATURE_SSE;
	if ((c & (1U << 28)) && (xa & XFEATURE_YMM))
		xcr0 |= XFEATURE_YMM;
	asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)));
	/*
	 * The value written, not read back: where XSETBV is not intercepted
	 * (QEMU 7.2), a kernel that does not read XCR0 back at its exits
	 * would have undone it at an exit right after.
	 */
	guest_xcr0 = xcr0;
}

void guest_enter_user(guest_code_t fn)
{
	/*
	 * An IRET frame for CPL 3: SS, RSP, RFLAGS with IOPL 3, CS, RIP.
	 * The new RSP leaves a page for the caller's frame and is 8 below
	 * a 16-byte boundary, as at the entry of a called function.
	 */
	asm volatile("movq %%rsp, %%rax\n\t"
		     "andq $-16, %%rax\n\t"
		     "subq $0x1008, %%rax\n\t"
		     "pushq %[ss]\n\t"
		     "pushq %%rax\n\t"
		     "pushfq\n\t"
		     "orq $0x3000, (%%rsp)\n\t"
		     "pushq %[cs]\n\t"
		     "pushq %[fn]\n\t"
		     "iretq"
		     : : [ss] "i"(GUEST_SEL_USER_DATA), [cs] "i"(GUEST_SEL_USER_CODE64),
		       [fn] "r"(fn)
		     : "rax", "memory");
	__builtin_unreachable();
}

/* Called by both entries; never returns. */
void guest_main(guest_code_t fn, uint64_t id, uint64_t full_init)
{
	if (full_init)
		guest_load_tables(id);
	guest_xsave_init();
	fn();
	for (;;)
		GUEST_DONE();
}

void guest_exception_dispatch(struct guest_exc_frame *frame)
{
	guest_exception_handler_t handler = NULL;
	uint64_t cr2;

	if (frame->vector < GUEST_NR_VECTORS)
		handler = guest_exception_handlers[frame->vector];
	if (handler) {
		handler(frame);
		return;
	}
	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	for (;;)
		guest_ucall(UCALL_EXCEPTION, frame->vector, frame->error_code, frame->rip, cr2);
}

void guest_ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct ucall uc = {
		.cmd = cmd,
		.args = { a0, a1, a2, a3 },
	};

	/* GVA == GPA below 4 GiB: the low 32 bits are the address. */
	asm volatile("outl %0, %1"
		     : : "a"((uint32_t)(uintptr_t)&uc), "Nd"((uint16_t)UCALL_PORT)
		     : "memory");
}

void guest_assert_fail(const char *file, uint64_t line, const char *expr,
		       uint64_t a, uint64_t b, bool has_values)
{
	struct ucall uc = {
		.cmd = UCALL_ABORT,
		.args = { a, b },
		.file = file,
		.expr = expr,
		.line = line,
		.has_values = has_values,
	};

	for (;;)
		asm volatile("outl %0, %1"
			     : : "a"((uint32_t)(uintptr_t)&uc), "Nd"((uint16_t)UCALL_PORT)
			     : "memory");
}
