/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SVM world switch (APM vol. 2, 15.5 and 15.7).
 *
 * VMRUN itself saves and restores the host's RIP, RSP, RAX, RFLAGS, CR0,
 * CR3, CR4, EFER, GDTR, IDTR and ES/CS/SS/DS (to and from the VM_HSAVE_PA
 * page) and loads the guest's from the VMCB. It leaves FS, GS, TR, LDTR
 * (with their hidden parts), KERNEL_GS_BASE, STAR, LSTAR, CSTAR, SFMASK
 * and SYSENTER_* alone: VMSAVE/VMLOAD move those, so the host's are
 * in this CPU's host save page (the caller's VMSAVE, once per thread and
 * CPU) and reloaded right after the exit, before anything can use
 * GS-based per-CPU data. GPRs other than
 * RAX and RSP are not touched by hardware at all: they are loaded from
 * and stored to the VCPU's array here.
 *
 * Speculation: the kernel's own sequences (see arch/x86/kvm/svm/
 * vmenter.S) are applied. VERW before VMRUN when the kernel asks for it
 * (MDS/TSA), RSB stuffing right after the exit, return untraining
 * (RETBleed/SRSO) and IBPB-on-VMEXIT before the first RET, and every
 * guest value cleared from GPRs. SPEC_CTRL is switched by the caller
 * (svm_world_switch(), with GIF clear): the guest's value is in force from
 * just before this function to just after it returns, so only its final
 * RET, after the RSB fill and return untraining below, runs with it. A CPU
 * with V_SPEC_CTRL swaps it by itself (the VMCB field) and restores the
 * host's at #VMEXIT.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

/* Byte offset of GPR slot @n (x86 encoding) in the VCPU's array. */
#define GPR(n)	((n) * 8)

.text

/*
 * void svm_vmrun(u64 *gprs, u64 vmcb_pa, u64 host_save_pa)
 *
 * Called with GIF clear and RFLAGS.IF set (see svm_world_switch()).
 */
SYM_FUNC_START(svm_vmrun)
	push	%rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx

	/* Needed after the exit, when no register holds host values. */
	push	%rdx			/* host_save_pa */
	push	%rsi			/* vmcb_pa */
	push	%rdi			/* gprs */

	/*
	 * The guest's FS/GS/TR/LDTR/syscall MSRs in. The host's were saved
	 * to host_save_pa by the caller (once per thread and CPU, see
	 * svm_world_switch()).
	 */
	mov	%rsi, %rax
	vmload	%rax

	/* RAX stays the VMCB address for VMRUN; guest RAX is in the VMCB. */
	mov	GPR(1)(%rdi), %rcx
	mov	GPR(2)(%rdi), %rdx
	mov	GPR(3)(%rdi), %rbx
	mov	GPR(5)(%rdi), %rbp
	mov	GPR(6)(%rdi), %rsi
	mov	GPR(8)(%rdi), %r8
	mov	GPR(9)(%rdi), %r9
	mov	GPR(10)(%rdi), %r10
	mov	GPR(11)(%rdi), %r11
	mov	GPR(12)(%rdi), %r12
	mov	GPR(13)(%rdi), %r13
	mov	GPR(14)(%rdi), %r14
	mov	GPR(15)(%rdi), %r15
	mov	GPR(7)(%rdi), %rdi

	/* Clobbers EFLAGS.ZF only. */
	VM_CLEAR_CPU_BUFFERS

	vmrun	%rax

	/* Host RSP and RAX are back; RAX is free, the others hold the guest's. */
	mov	(%rsp), %rax		/* gprs */
	mov	%rcx, GPR(1)(%rax)
	mov	%rdx, GPR(2)(%rax)
	mov	%rbx, GPR(3)(%rax)
	mov	%rbp, GPR(5)(%rax)
	mov	%rsi, GPR(6)(%rax)
	mov	%rdi, GPR(7)(%rax)
	mov	%r8, GPR(8)(%rax)
	mov	%r9, GPR(9)(%rax)
	mov	%r10, GPR(10)(%rax)
	mov	%r11, GPR(11)(%rax)
	mov	%r12, GPR(12)(%rax)
	mov	%r13, GPR(13)(%rax)
	mov	%r14, GPR(14)(%rax)
	mov	%r15, GPR(15)(%rax)

	/* Guest FS/GS/... into its VMCB, then the host's back (GS base too). */
	mov	8(%rsp), %rax		/* vmcb_pa */
	vmsave	%rax
	mov	16(%rsp), %rax		/* host_save_pa */
	vmload	%rax

	/* Before any RET: refill the RSB the guest may have poisoned. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RETPOLINE

	/* RETBleed/SRSO untraining; may clobber RAX, RCX, RDX. */
	UNTRAIN_RET
	ALTERNATIVE "", "call entry_ibpb", X86_FEATURE_IBPB_ON_VMEXIT

	/*
	 * No guest value survives in a register, not even in those the pops
	 * below reload: a slow pop must not leave one to speculation.
	 */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%ebx, %ebx
	xor	%ebp, %ebp
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d

	add	$24, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(svm_vmrun)
