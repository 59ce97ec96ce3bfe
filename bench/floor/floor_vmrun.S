/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The floor's world switch: what any SVM hypervisor has to do around
 * VMRUN and nothing more (AMD APM vol. 2, 15.5 and 15.7). VMRUN saves and
 * restores the host's RIP, RSP, RAX, RFLAGS, control registers, EFER,
 * GDTR, IDTR and ES/CS/SS/DS itself; FS, GS (the kernel's per-CPU base),
 * TR, LDTR and the syscall MSRs are the guest's only after VMLOAD, so the
 * host's go to the host save page first and come back right after the
 * exit; the other GPRs are the guest's, kept in an array. None of the
 * speculation sequences a production hypervisor adds (see
 * kmod/x86/svm_vmrun.S): that is the point of a floor.
 */
#include <linux/linkage.h>

/* The GPRs VMRUN leaves alone but RDI, with their slot in the array (x86 encoding). */
.macro for_each_gpr m
	\m rcx, 1
	\m rdx, 2
	\m rbx, 3
	\m rbp, 5
	\m rsi, 6
	\m r8, 8
	\m r9, 9
	\m r10, 10
	\m r11, 11
	\m r12, 12
	\m r13, 13
	\m r14, 14
	\m r15, 15
.endm

.macro load_gpr reg, slot
	mov \slot * 8(%rdi), %\reg
.endm

.macro store_gpr reg, slot
	mov %\reg, \slot * 8(%rax)
.endm

#define SLOT_RDI	(7 * 8)

.text

/*
 * void floor_vmrun(u64 *gprs, u64 vmcb_pa, u64 host_save_pa)
 *
 * Called with GIF clear and RFLAGS.IF set: a physical interrupt exits
 * the guest, and is taken by the host once the caller sets GIF again.
 */
SYM_FUNC_START(floor_vmrun)
	.irp reg, rbp, r15, r14, r13, r12, rbx	/* callee-saved */
	push	%\reg
	.endr
	push	%rdx			/* host_save_pa, 16(%rsp) below */
	push	%rsi			/* vmcb_pa, 8(%rsp) */
	push	%rdi			/* gprs, (%rsp) */

	mov	%rdx, %rax
	vmsave	%rax
	mov	%rsi, %rax
	vmload	%rax

	for_each_gpr load_gpr
	mov	SLOT_RDI(%rdi), %rdi
	vmrun	%rax

	mov	(%rsp), %rax
	for_each_gpr store_gpr
	mov	%rdi, SLOT_RDI(%rax)

	mov	8(%rsp), %rax
	vmsave	%rax
	mov	16(%rsp), %rax
	vmload	%rax

	add	$24, %rsp
	.irp reg, rbx, r12, r13, r14, r15, rbp
	pop	%\reg
	.endr
	RET
SYM_FUNC_END(floor_vmrun)
