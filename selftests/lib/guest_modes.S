/* SPDX-License-Identifier: MIT */
/*
 * The exit sequences of guest_modes.h, each assembled three times from
 * one macro: .code16 and .code32 copies as data (copied into the guest by
 * vm_vcpu_add_snippet()), a .code64 copy in .text (called by 64-bit guest
 * code). Every mark goes into a table of its own section, so the tables
 * list the marks in the order the code reaches them.
 */
#include "guest_modes.h"

/* Open sequence \name for \bits: its mark table and its start label. */
.macro SEQ_BEGIN name, bits
	.pushsection .rodata.\name\bits\()_marks, "a"
	.balign 8
	.globl \name\bits\()_marks
\name\bits\()_marks:
	.popsection
	.if \bits == 64
	.pushsection .text
	.code64
	.else
	.pushsection .rodata.snippets, "a"
	.code\bits
	.endif
	.globl \name\bits\()_start
\name\bits\()_start:
.endm

.macro SEQ_END name, bits
	.globl \name\bits\()_end
\name\bits\()_end:
	.code64
	.popsection
.endm

/* The next mark of \name\bits: the current offset from its start. */
.macro MARK name, bits
1:
	.pushsection .rodata.\name\bits\()_marks, "a"
	.quad 1b - \name\bits\()_start
	.popsection
.endm

/* RAX (EAX below 64-bit) to a known value before a read completes. */
.macro PRESET bits
	.if \bits == 64
	movabs $SNIP_PRESET64, %rax
	.else
	mov $SNIP_PRESET32, %eax
	.endif
.endm

/*
 * exits: IO_WRITE of each width, IO_READ, HYPERCALL, SYSREG_READ and
 * _WRITE, CPUID (in kernel), a nested page fault the host then backs with
 * memory, HALT, and a triple fault (empty IDT, then #UD).
 */
.macro EXITS bits
	SEQ_BEGIN exits, \bits
	mov $SNIP_OUT8, %al
	out %al, $SNIP_PORT_OUT
	MARK exits, \bits
	mov $SNIP_OUT16, %ax
	out %ax, $SNIP_PORT_OUT
	MARK exits, \bits
	mov $SNIP_OUT32, %eax
	out %eax, $SNIP_PORT_OUT
	MARK exits, \bits
	in $SNIP_PORT_IN, %al
	MARK exits, \bits
	out %eax, $SNIP_PORT_REPORT
	MARK exits, \bits

	mov $SNIP_HC_NR, %eax
	mov $1, %edi
	mov $2, %esi
	mov $3, %edx
	mov $4, %ecx
	.if \bits == 64
	mov $5, %r8d
	mov $6, %r9d
	.endif
	vmmcall
	MARK exits, \bits
	out %eax, $SNIP_PORT_REPORT
	MARK exits, \bits

	mov $SNIP_MSR_READ, %ecx
	rdmsr
	MARK exits, \bits
	out %eax, $SNIP_PORT_REPORT
	MARK exits, \bits
	mov %edx, %eax
	out %eax, $SNIP_PORT_REPORT
	MARK exits, \bits
	mov $SNIP_MSR_WRITE, %ecx
	mov $SNIP_WRMSR_LO, %eax
	mov $SNIP_WRMSR_HI, %edx
	wrmsr
	MARK exits, \bits

	mov $1, %eax
	xor %ecx, %ecx
	cpuid
	mov %ecx, %eax
	out %eax, $SNIP_PORT_REPORT
	MARK exits, \bits
	mov $0x80000001, %eax
	xor %ecx, %ecx
	cpuid
	mov %ecx, %eax
	out %eax, $SNIP_PORT_REPORT
	MARK exits, \bits

	/*
	 * A store and a load where there is no memory: MMIO, decoded by the
	 * kernel. The mark is after the store, on the load: the read exit
	 * leaves RIP on the load until the next RUN completes it.
	 */
	.if \bits == 16
	mov $(SNIP_NPF_GPA >> 4), %ax
	mov %ax, %es
	movb $SNIP_NPF_BYTE, %es:0
	MARK exits, \bits
	movb %es:0, %al
	.elseif \bits == 32
	mov $SNIP_NPF_GPA, %ebx
	movb $SNIP_NPF_BYTE, (%ebx)
	MARK exits, \bits
	movb (%ebx), %al
	.else
	mov $SNIP_NPF_GPA64, %ebx
	movb $SNIP_NPF_BYTE, (%rbx)
	MARK exits, \bits
	movb (%rbx), %al
	.endif
	out %al, $SNIP_PORT_REPORT
	MARK exits, \bits

	hlt
	MARK exits, \bits

	/* Any exception now finds no IDT entry: #GP, #DF, shutdown. */
	.if \bits == 16
	lidt %cs:(.Lzero_idt\bits - exits16_start)
	.elseif \bits == 32
	lidt (SNIP_BASE + .Lzero_idt\bits - exits32_start)
	.else
	lidt .Lzero_idt\bits(%rip)
	.endif
	ud2
.Lzero_idt\bits:
	.word 0
	.quad 0
	SEQ_END exits, \bits
.endm

/*
 * completion: read completions of every width, RIP moved by user space
 * (no completion), SET_REGS with RIP unchanged (completion), completion
 * before immediate_exit.
 */
.macro COMPLETION bits
	SEQ_BEGIN completion, \bits
	PRESET \bits
	in $SNIP_PORT_IN, %al
	MARK completion, \bits
	out %eax, $SNIP_PORT_REPORT
	MARK completion, \bits
	PRESET \bits
	in $SNIP_PORT_IN, %ax
	MARK completion, \bits
	out %eax, $SNIP_PORT_REPORT
	MARK completion, \bits
	PRESET \bits
	in $SNIP_PORT_IN, %eax
	MARK completion, \bits
	out %eax, $SNIP_PORT_REPORT
	MARK completion, \bits

	PRESET \bits
	.if \bits == 64
	movabs $SNIP_PRESET_RDX64, %rdx
	.else
	mov $SNIP_PRESET32, %edx
	.endif
	mov $SNIP_MSR_READ, %ecx
	rdmsr
	MARK completion, \bits
	out %eax, $SNIP_PORT_REPORT
	MARK completion, \bits
	mov %edx, %eax
	out %eax, $SNIP_PORT_REPORT
	MARK completion, \bits

	PRESET \bits
	mov $SNIP_HC_NR, %eax
	vmmcall
	MARK completion, \bits
	out %eax, $SNIP_PORT_REPORT
	MARK completion, \bits

	/* The host moves RIP past the next OUT: no completion may land. */
	PRESET \bits
	in $SNIP_PORT_IN, %al
	MARK completion, \bits
	out %eax, $SNIP_PORT_REPORT
	MARK completion, \bits
	out %eax, $SNIP_PORT_REPORT
	MARK completion, \bits

	/* The host sets RBX with SET_REGS, RIP unchanged: it completes. */
	PRESET \bits
	xor %ebx, %ebx
	in $SNIP_PORT_IN, %al
	MARK completion, \bits
	out %eax, $SNIP_PORT_REPORT
	MARK completion, \bits
	mov %ebx, %eax
	out %eax, $SNIP_PORT_REPORT
	MARK completion, \bits

	/* The host answers, then RUNs with immediate_exit set. */
	PRESET \bits
	in $SNIP_PORT_IN, %al
	MARK completion, \bits
	out %eax, $SNIP_PORT_REPORT
	MARK completion, \bits
	hlt
	MARK completion, \bits
	SEQ_END completion, \bits
.endm

/*
 * ro: read from a read-only region and report it, then write to it: a
 * nested page fault with the RIP on the write. The HLT is reached only if
 * the write went through.
 */
.macro RO bits
	SEQ_BEGIN ro, \bits
	.if \bits == 16
	mov $(SNIP_RO_GPA >> 4), %ax
	mov %ax, %es
	mov %es:SNIP_RO_READ_OFF, %eax
	.elseif \bits == 32
	mov $SNIP_RO_GPA, %ebx
	mov SNIP_RO_READ_OFF(%ebx), %eax
	.else
	mov $SNIP_RO_GPA64, %ebx
	mov SNIP_RO_READ_OFF(%rbx), %eax
	.endif
	out %eax, $SNIP_PORT_REPORT
	MARK ro, \bits
	MARK ro, \bits
	.if \bits == 16
	movl $0x12345678, %es:SNIP_RO_WRITE_OFF
	.elseif \bits == 32
	movl $0x12345678, SNIP_RO_WRITE_OFF(%ebx)
	.else
	movl $0x12345678, SNIP_RO_WRITE_OFF(%rbx)
	.endif
	hlt
	SEQ_END ro, \bits
.endm

/*
 * mmio: MMIO forms through %es:disp(%edi) in every mode (a 67 prefix in
 * 16-bit code, ES ignored in 64-bit mode): MOV stores and loads of each
 * width, MOVSX/MOVZX, AND and CMP with flags, XCHG, an FS override and
 * 16-bit addressing (16/32-bit code only), REP STOSB backward. Each value
 * the guest sees goes out to SNIP_PORT_REPORT.
 */
.macro MMIOSEQ bits
	SEQ_BEGIN mmio, \bits
	.if \bits == 16
	mov $(SNIP_MMIO_GPA >> 4), %ax
	mov %ax, %es
	mov %ax, %fs
	xor %edi, %edi
	.elseif \bits == 32
	mov $SNIP_MMIO_GPA, %edi
	.else
	mov $SNIP_MMIO_GPA64, %edi
	.endif
	movb $0x11, %es:0(%edi)
	movw $0x2222, %es:2(%edi)
	movl $0x33333333, %es:4(%edi)
	movl %es:4(%edi), %eax
	out %eax, $SNIP_PORT_REPORT
	movb $0x80, %es:8(%edi)
	movsbl %es:8(%edi), %eax
	out %eax, $SNIP_PORT_REPORT
	movzwl %es:2(%edi), %eax
	out %eax, $SNIP_PORT_REPORT
	andb $0x0f, %es:8(%edi)
	setz %al
	movzbl %al, %eax
	out %eax, $SNIP_PORT_REPORT
	cmpb $0x11, %es:0(%edi)
	sete %al
	movzbl %al, %eax
	out %eax, $SNIP_PORT_REPORT
	mov $0x44, %al
	xchg %al, %es:0(%edi)
	movzbl %al, %eax
	out %eax, $SNIP_PORT_REPORT
	.if \bits != 64
	movb $0x77, %fs:0x30(%edi)
	.endif
	.if \bits == 16
	movb $0x66, %es:0x31(%di)
	.endif
	add $0x22, %edi
	mov $3, %ecx
	mov $0x5a, %al
	std
	rep stosb
	cld
	mov %edi, %eax
	out %eax, $SNIP_PORT_REPORT
	mov %ecx, %eax
	out %eax, $SNIP_PORT_REPORT
	hlt
	.if \bits == 64
	ret
	.endif
	SEQ_END mmio, \bits
.endm

/*
 * strio: string I/O and MOVS in every mode: REP OUTSB of three bytes from
 * RAM at SNIP_STR_GPA, REP INSB of two bytes backward into it (read back
 * and reported), REP MOVSB backward from the MMIO device into RAM (read
 * back and reported). 16-bit code uses DS/ES segments and SI/DI/CX.
 */
.macro STRIO bits
	SEQ_BEGIN strio, \bits
	.if \bits == 16
	mov $(SNIP_STR_GPA >> 4), %ax
	mov %ax, %ds
	mov %ax, %es
	xor %esi, %esi
	xor %edi, %edi
	.else
	mov $SNIP_STR_GPA, %esi
	mov %esi, %edi
	.endif
	movl $0x00030201, %ds:(%esi)
	mov $SNIP_PORT_STR, %dx
	mov $3, %ecx
	cld
	rep outsb
	add $0x11, %edi
	mov $2, %ecx
	std
	rep insb
	cld
	movzwl %es:1(%edi), %eax
	out %eax, $SNIP_PORT_REPORT
	.if \bits == 16
	mov $(SNIP_MMIO_GPA >> 4), %ax
	mov %ax, %ds
	mov $2, %esi
	mov $0x22, %edi
	.elseif \bits == 32
	mov $(SNIP_MMIO_GPA + 2), %esi
	mov $(SNIP_STR_GPA + 0x22), %edi
	.else
	mov $(SNIP_MMIO_GPA64 + 2), %esi
	mov $(SNIP_STR_GPA + 0x22), %edi
	.endif
	mov $3, %ecx
	std
	rep movsb
	cld
	movl %es:1(%edi), %eax
	out %eax, $SNIP_PORT_REPORT
	hlt
	.if \bits == 64
	ret
	.endif
	SEQ_END strio, \bits
.endm

/*
 * insnlen: intercepted instructions with prefixes, whose length only
 * decoding gives without next-RIP save: CS-prefixed CPUID (2E 0F A2),
 * WBNOINVD (F3 0F 09 on the WBINVD intercept), CS-prefixed RDMSR, HLT
 * and VMMCALL. A wrong length resumes inside the instruction (on A2, a
 * store; on 09, an OR) and the reports below go wrong.
 */
.macro INSNLEN bits
	SEQ_BEGIN insnlen, \bits
	xor %eax, %eax
	xor %ecx, %ecx
	.byte 0x2e, 0x0f, 0xa2			/* cs cpuid */
	mov $0x600d, %eax
	out %eax, $SNIP_PORT_REPORT
	MARK insnlen, \bits
	.byte 0x2e, 0x3e, 0x0f, 0xa2		/* cs ds cpuid */
	mov $0x600e, %eax
	out %eax, $SNIP_PORT_REPORT
	MARK insnlen, \bits
	.byte 0xf3, 0x0f, 0x09			/* wbnoinvd */
	mov $0x600f, %eax
	out %eax, $SNIP_PORT_REPORT
	MARK insnlen, \bits
	mov $SNIP_MSR_READ, %ecx
	.byte 0x2e, 0x0f, 0x32			/* cs rdmsr */
	MARK insnlen, \bits
	.byte 0x2e, 0xf4			/* cs hlt */
	MARK insnlen, \bits
	mov $SNIP_HC_NR, %eax
	.byte 0x2e, 0x0f, 0x01, 0xd9		/* cs vmmcall */
	MARK insnlen, \bits
	hlt
	MARK insnlen, \bits
	.if \bits == 64
	ret
	.endif
	SEQ_END insnlen, \bits
.endm

/*
 * wrap16: real mode, IP wraps at 64 KiB. The host puts a CPUID (0F A2)
 * at CS:FFFE; the snippet jumps there once, the CPUID ends at IP 0, the
 * start of the snippet again, which now reports and halts.
 */
	.pushsection .rodata.snippets, "a"
	.code16
	.globl wrap16_start
wrap16_start:
	cmp $0x1234, %si			/* CPUID leaves SI alone */
	je 1f
	mov $0x1234, %si
	mov $0xfffe, %ax
	jmp *%ax
1:	mov $0x5678, %eax
	out %eax, $SNIP_PORT_REPORT
	hlt
	.globl wrap16_end
wrap16_end:
	.code64
	.popsection

	EXITS 16
	EXITS 32
	EXITS 64
	COMPLETION 16
	COMPLETION 32
	COMPLETION 64
	RO 16
	RO 32
	RO 64
	MMIOSEQ 16
	MMIOSEQ 32
	MMIOSEQ 64
	STRIO 16
	STRIO 32
	STRIO 64
	INSNLEN 16
	INSNLEN 32
	INSNLEN 64

	.section .note.GNU-stack, "", @progbits
