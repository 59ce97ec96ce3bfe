/* SPDX-License-Identifier: MIT */
/*
 * The 256 interrupt entry points, 16 bytes apart from isr_entries so that
 * idt.c can compute them. Each makes the stack look the same, an error
 * code (a zero where the CPU pushes none) under the vector, then
 * isr_common saves the registers as struct rt_frame and calls
 * rt_interrupt() on a 16-byte aligned stack.
 */

	.text
	.code64
	.balign	16
	.globl	isr_entries
isr_entries:
	vector = 0
	.rept	256
	.balign	16
	/* Exceptions that push an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX */
	.if !(vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || \
	      vector == 21 || vector == 29 || vector == 30)
	pushq	$0
	.endif
	pushq	$vector
	jmp	isr_common
	vector = vector + 1
	.endr

isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	movq	%rsp, %rbx
	andq	$-16, %rsp
	cld
	call	rt_interrupt
	movq	%rbx, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq
